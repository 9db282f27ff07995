/*
 * text.h -- internal freestanding text helpers shared by the verifier's parsers
 * (signed notes, keys, statements, policies).  Not a public header: nothing outside
 * src/verifier/ includes it.
 *
 * What "valid UTF-8" means here is what Go's unicode/utf8 means (RFC 3629): the shortest
 * encoding only (no overlong forms such as C0 80), no UTF-16 surrogates (U+D800..U+DFFF,
 * encoded ED A0..BF xx), nothing above U+10FFFF, no truncated sequences.  Every parser
 * that must agree with Go's note.Open therefore agrees byte for byte on which inputs are
 * text.
 *
 *   1 byte   0xxxxxxx                              U+0000..U+007F
 *   2 bytes  110xxxxx 10xxxxxx                     U+0080..U+07FF    (lead C2..DF)
 *   3 bytes  1110xxxx 10xxxxxx 10xxxxxx            U+0800..U+FFFF    (minus D800..DFFF)
 *   4 bytes  11110xxx 10xxxxxx 10xxxxxx 10xxxxxx   U+10000..U+10FFFF (lead F0..F4)
 *
 * Error codes: the helpers report SP_ERR_NOTE_UTF8 for bad UTF-8 and take the code to
 * return for an invalid name from the caller, so that a policy parser can report its own
 * code while sharing the one definition of the rules.
 */
#ifndef SOFTPAUSE_VERIFIER_TEXT_H
#define SOFTPAUSE_VERIFIER_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/errors.h"

/* A byte range [off, off + len) of some buffer the caller owns. */
typedef struct sp_span {
    size_t off;
    size_t len;
} sp_span;

/* Decode the one UTF-8 sequence that starts at s[0]; `len` bytes are readable (len >= 1).
 * On success *cp is the code point and *n its encoded length (1..4).  On failure
 * (SP_ERR_NOTE_UTF8, or SP_ERR_ARGUMENT for NULL/len 0) *cp = 0 and *n = 0. */
SP_MUST_CHECK sp_err sp_utf8_decode(const uint8_t *s, size_t len, uint32_t *cp, size_t *n);

/* SP_OK iff s[0..len) is entirely valid UTF-8 (the empty string is).  SP_ERR_NOTE_UTF8 if
 * not; *bad_off (may be NULL) is set to the offset of the first invalid sequence. */
SP_MUST_CHECK sp_err sp_utf8_check(const uint8_t *s, size_t len, size_t *bad_off);

/* 1 iff cp is white space by Go's unicode.IsSpace (Unicode White_Space property):
 * U+0009..000D, 0020, 0085, 00A0, 1680, 2000..200A, 2028, 2029, 202F, 205F, 3000. */
int sp_unicode_is_space(uint32_t cp);

/* Split the next '\n'-terminated line of buf[0..len) starting at *pos.  On SP_OK, *line is
 * the line without its '\n' and *pos moves past the '\n'.  If no '\n' is left before len,
 * SP_ERR_NOTE_NO_FINAL_NEWLINE; if *pos >= len, SP_ERR_ARGUMENT (the caller loops while
 * *pos < len).  *line is zeroed on failure and *pos is left unchanged. */
SP_MUST_CHECK sp_err sp_text_next_line(const uint8_t *buf, size_t len, size_t *pos,
                                       sp_span *line);

/* Check a name as C2SP signed-note key names are checked (Go's isValidName): non-empty,
 * at most max_len bytes, valid UTF-8, no '+', no Unicode white space.  Additionally no C0
 * control byte (< 0x20, which such a name could never appear in a note anyway) so that a
 * name never holds a NUL.  Returns SP_OK or `bad` (the caller's error code). */
SP_MUST_CHECK sp_err sp_text_name_check(const uint8_t *name, size_t len, size_t max_len,
                                        sp_err bad);

/* Length of a NUL-terminated string stored in an array of `cap` bytes; cap if the array
 * holds no NUL (a caller-built struct must not make a reader run past its array). */
size_t sp_text_bounded_len(const char *s, size_t cap);

/* 1 iff a[0..alen) equals b[0..blen) (lengths first, then memcmp; public data only). */
int sp_text_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* Wipe n bytes in a way the compiler may not elide (secrets: signer seeds). */
void sp_wipe(void *p, size_t n);

/* An append-only output buffer that keeps its first error, so a formatter (policy and
 * statement encoders) writes field after field and checks once at the end.  Writes after
 * an error are ignored; overflowing the capacity is SP_ERR_BUFFER_TOO_SMALL. */
typedef struct sp_writer {
    uint8_t *out;
    size_t cap;
    size_t len;
    sp_err err;
} sp_writer;

void sp_writer_init(sp_writer *w, uint8_t *out, size_t cap);
void sp_writer_put(sp_writer *w, const void *s, size_t n);
/* Canonical decimal (sp_decimal_format). */
void sp_writer_decimal(sp_writer *w, uint64_t v);
/* Canonical base64 of in[0..n), encoded straight into the output (no stack copy). */
void sp_writer_base64(sp_writer *w, const uint8_t *in, size_t n);
/* The formatter's result: on success *out_len = bytes written; on an error the whole
 * output buffer is zeroed (outputs are zeroed on failure) and *out_len stays 0. */
SP_MUST_CHECK sp_err sp_writer_finish(sp_writer *w, size_t *out_len);

#endif /* SOFTPAUSE_VERIFIER_TEXT_H */
