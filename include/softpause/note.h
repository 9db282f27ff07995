/*
 * softpause/note.h -- C2SP signed notes: parsing, and Go-compatible opening.
 *
 *   note      = text "\n" signature-line+          (split at the LAST "\n\n")
 *   text      = one or more lines, each ending "\n"  (the signed message, final "\n" included)
 *   sig-line  = "\xE2\x80\x94 " name " " base64(key ID[4] || signature) "\n"
 *
 * sp_note_parse() refuses, in this order of precedence (the first problem found by a
 * single forward scan wins): notes over SP_MAX_NOTE_BYTES (SP_ERR_NOTE_TOO_LARGE); '\r'
 * (SP_ERR_NOTE_CARRIAGE_RETURN); other bytes < 0x20 except '\n' (SP_ERR_NOTE_CONTROL_CHAR);
 * invalid UTF-8, including overlong forms and surrogates (SP_ERR_NOTE_UTF8); lines over
 * SP_MAX_LINE_BYTES; a missing final newline; no "\n\n" (SP_ERR_NOTE_NO_SIGNATURES); a
 * signature line starting "- " (SP_ERR_NOTE_ASCII_DASH) or otherwise malformed, with bad
 * base64 or a payload under 5 bytes (SP_ERR_NOTE_SIG_LINE / SP_ERR_BASE64); more than
 * SP_MAX_SIG_LINES lines (SP_ERR_NOTE_TOO_MANY_SIGS).
 *
 * The parsed note points into the caller's buffer, which must outlive it.  No copying.
 */
#ifndef SOFTPAUSE_NOTE_H
#define SOFTPAUSE_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"
#include "softpause/key.h"

/* One signature line, as offsets into the note's bytes. */
typedef struct sp_note_sig {
    uint32_t line_offset;   /* start of the line ("\xE2\x80\x94 ...") */
    uint32_t line_len;      /* without the '\n' */
    uint32_t name_offset;
    uint32_t name_len;
    uint32_t b64_offset;
    uint32_t b64_len;
    uint32_t payload_len;   /* decoded length: 4-byte key ID + signature bytes */
    uint32_t key_id;
} sp_note_sig;

typedef struct sp_note {
    const uint8_t *bytes;
    size_t len;
    size_t text_len;        /* the signed text is bytes[0..text_len), ending in '\n' */
    uint32_t sig_count;
    sp_note_sig sigs[SP_MAX_SIG_LINES];
} sp_note;

/* Parse a note.  On failure *note is zeroed and, if err_line is not NULL, *err_line is the
 * 1-based line number where the problem was found (0 when it concerns the whole note). */
SP_MUST_CHECK sp_err sp_note_parse(sp_note *note, const uint8_t *bytes, size_t len,
                                   uint32_t *err_line);

/* Decode the signature bytes (payload after the key ID) of line i into sig[0..cap);
 * *sig_len = payload_len - 4. */
SP_MUST_CHECK sp_err sp_note_sig_bytes(const sp_note *note, uint32_t i, uint8_t *sig, size_t cap,
                                       size_t *sig_len);

/* Check a plain text for use as a note text (what `note sign --text` signs): non-empty,
 * the same byte rules as a note (UTF-8, no control characters, line limits), ends with
 * '\n', and contains no "\n\n", so that the note's split point stays unambiguous.
 * Errors: the note errors above, SP_ERR_NOTE_TEXT for empty text or a blank line. */
SP_MUST_CHECK sp_err sp_note_text_check(const uint8_t *text, size_t len, uint32_t *err_line);

/* Status of each signature line after sp_note_open() or statement verification. */
enum {
    SP_LINE_VERIFIED = 1,     /* a known key, signature valid */
    SP_LINE_UNKNOWN = 2,      /* no known key has this name and key ID */
    SP_LINE_INVALID = 3,      /* a known key, signature invalid */
    SP_LINE_DUPLICATE = 4     /* repeats a name+ID already seen (Go skips it unverified) */
};

typedef struct sp_note_open_result {
    uint32_t verified_keys;                 /* bit i: keys[i] signed (i < 32) */
    uint32_t verified_count;
    uint8_t line_status[SP_MAX_SIG_LINES];
} sp_note_open_result;

/*
 * Open a note exactly as Go's note.Open does, against keys[0..nkeys) (nkeys <= 32):
 *   - lines whose name+ID match no key are unverified and ignored;
 *   - the FIRST line for a known name+ID is verified; a bad signature rejects the whole
 *     note (SP_ERR_NOTE_BAD_SIGNATURE); later lines for the same name+ID are skipped without
 *     verification (SP_LINE_DUPLICATE), as in Go;
 *   - two keys with the same name and ID: SP_ERR_NOTE_AMBIGUOUS_KEY (as Go's VerifierList);
 *   - no verified signature at all: SP_ERR_NOTE_UNVERIFIED.
 */
SP_MUST_CHECK sp_err sp_note_open(const sp_note *note, const sp_vkey *keys, size_t nkeys,
                                  const sp_crypto *crypto, sp_note_open_result *result);

#endif /* SOFTPAUSE_NOTE_H */
