/*
 * text.c -- UTF-8, Unicode white space, line splitting and name checks for the
 * freestanding verifier (see text.h for the contract).
 *
 * Design: every parser in the verifier reads text that a Go implementation
 * (golang.org/x/mod/sumdb/note) also reads.  The two must agree on which bytes are text,
 * which are white space and where lines end, or a note could verify on one side and not
 * the other.  So this file copies Go's *rules* (unicode/utf8.DecodeRune, unicode.IsSpace)
 * into small table-free functions, with no recursion and no state.
 *
 * UTF-8 acceptance, per lead byte (RFC 3629 section 4; Go's utf8 "acceptRanges"):
 *
 *   lead     second byte   then        meaning
 *   00..7F   -             -           ASCII
 *   80..C1   -             -           stray continuation / overlong 2-byte: invalid
 *   C2..DF   80..BF        -           U+0080..U+07FF
 *   E0       A0..BF        80..BF      U+0800..U+0FFF   (E0 80..9F would be overlong)
 *   E1..EC   80..BF        80..BF
 *   ED       80..9F        80..BF      U+D000..U+D7FF   (ED A0..BF = surrogates: invalid)
 *   EE..EF   80..BF        80..BF
 *   F0       90..BF        2 x 80..BF  U+10000..        (F0 80..8F would be overlong)
 *   F1..F3   80..BF        2 x 80..BF
 *   F4       80..8F        2 x 80..BF  ..U+10FFFF       (F4 90.. would exceed U+10FFFF)
 *   F5..FF   -             -           invalid
 */
#include "text.h"

#include "softpause/encoding.h"

#include <string.h>

sp_err sp_utf8_decode(const uint8_t *s, size_t len, uint32_t *cp, size_t *n)
{
    uint8_t b0, lo = 0x80, hi = 0xBF;
    size_t need, i;
    uint32_t v;

    if (cp == NULL || n == NULL)
        return SP_ERR_ARGUMENT;
    *cp = 0;
    *n = 0;
    if (s == NULL || len == 0)
        return SP_ERR_ARGUMENT;

    b0 = s[0];
    if (b0 < 0x80) {
        *cp = b0;
        *n = 1;
        return SP_OK;
    }
    if (b0 < 0xC2 || b0 > 0xF4) /* continuation byte, overlong C0/C1, or beyond U+10FFFF */
        return SP_ERR_NOTE_UTF8;
    if (b0 < 0xE0) {
        need = 2;
        v = b0 & 0x1Fu;
    } else if (b0 < 0xF0) {
        need = 3;
        v = b0 & 0x0Fu;
        if (b0 == 0xE0)
            lo = 0xA0; /* overlong below U+0800 */
        else if (b0 == 0xED)
            hi = 0x9F; /* surrogates U+D800..U+DFFF */
    } else {
        need = 4;
        v = b0 & 0x07u;
        if (b0 == 0xF0)
            lo = 0x90; /* overlong below U+10000 */
        else if (b0 == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    }
    if (len < need) /* truncated: compare before indexing, never form s + need */
        return SP_ERR_NOTE_UTF8;
    if (s[1] < lo || s[1] > hi)
        return SP_ERR_NOTE_UTF8;
    v = (v << 6) | (s[1] & 0x3Fu);
    for (i = 2; i < need; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return SP_ERR_NOTE_UTF8;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    *cp = v;
    *n = need;
    return SP_OK;
}

sp_err sp_utf8_check(const uint8_t *s, size_t len, size_t *bad_off)
{
    size_t pos = 0, n;
    uint32_t cp;

    if (bad_off != NULL)
        *bad_off = 0;
    if (s == NULL && len != 0)
        return SP_ERR_ARGUMENT;
    while (pos < len) {
        if (s[pos] < 0x80) { /* fast path: ASCII */
            pos++;
            continue;
        }
        if (sp_utf8_decode(s + pos, len - pos, &cp, &n) != SP_OK) {
            if (bad_off != NULL)
                *bad_off = pos;
            return SP_ERR_NOTE_UTF8;
        }
        pos += n; /* n <= len - pos, so no overflow */
    }
    return SP_OK;
}

int sp_unicode_is_space(uint32_t cp)
{
    /* Go's unicode.IsSpace: the Latin-1 cases, then the White_Space property (Z + a few). */
    if (cp >= 0x09 && cp <= 0x0D)
        return 1;
    switch (cp) {
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return 1;
    default:
        break;
    }
    return cp >= 0x2000 && cp <= 0x200A;
}

sp_err sp_text_next_line(const uint8_t *buf, size_t len, size_t *pos, sp_span *line)
{
    const uint8_t *nl;
    size_t start;

    if (line == NULL)
        return SP_ERR_ARGUMENT;
    line->off = 0;
    line->len = 0;
    if (buf == NULL || pos == NULL || *pos >= len)
        return SP_ERR_ARGUMENT;
    start = *pos;
    /* Linear scan rather than memchr: the verifier uses only the mem* functions the
     * firmware rules allow (memcpy, memset, memmove, memcmp). */
    nl = NULL;
    for (size_t i = start; i < len; i++) {
        if (buf[i] == '\n') {
            nl = buf + i;
            break;
        }
    }
    if (nl == NULL)
        return SP_ERR_NOTE_NO_FINAL_NEWLINE;
    line->off = start;
    line->len = (size_t)(nl - (buf + start));
    *pos = start + line->len + 1; /* <= len: the '\n' is inside buf */
    return SP_OK;
}

sp_err sp_text_name_check(const uint8_t *name, size_t len, size_t max_len, sp_err bad)
{
    size_t pos = 0, n;
    uint32_t cp;

    /* C2SP signed-note, "Signatures": a key name is non-empty, well-formed UTF-8, and
     * contains neither Unicode spaces nor plus (U+002B).  Go: note.go isValidName. */
    if (name == NULL || len == 0 || len > max_len)
        return bad;
    while (pos < len) {
        if (sp_utf8_decode(name + pos, len - pos, &cp, &n) != SP_OK)
            return bad;
        if (cp == '+' || cp < 0x20 || sp_unicode_is_space(cp))
            return bad;
        pos += n;
    }
    return SP_OK;
}

size_t sp_text_bounded_len(const char *s, size_t cap)
{
    size_t n = 0;
    while (n < cap && s[n] != '\0')
        n++;
    return n;
}

int sp_text_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen != blen)
        return 0;
    if (alen == 0)
        return 1;
    return memcmp(a, b, alen) == 0;
}

void sp_wipe(void *p, size_t n)
{
    /* Writes through a volatile pointer cannot be removed as dead stores. */
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n-- > 0)
        *v++ = 0;
}

void sp_writer_init(sp_writer *w, uint8_t *out, size_t cap)
{
    w->out = out;
    w->cap = cap;
    w->len = 0;
    w->err = SP_OK;
}

void sp_writer_put(sp_writer *w, const void *s, size_t n)
{
    if (w->err != SP_OK)
        return;
    if (n > w->cap - w->len) {
        w->err = SP_ERR_BUFFER_TOO_SMALL;
        return;
    }
    if (n != 0)
        memcpy(w->out + w->len, s, n);
    w->len += n;
}

void sp_writer_decimal(sp_writer *w, uint64_t v)
{
    char buf[24];
    size_t n = 0;
    if (w->err != SP_OK)
        return;
    w->err = sp_decimal_format(buf, sizeof buf, &n, v);
    sp_writer_put(w, buf, n);
}

void sp_writer_base64(sp_writer *w, const uint8_t *in, size_t n)
{
    size_t m = 0;
    if (w->err != SP_OK)
        return;
    w->err = sp_base64_encode((char *)w->out + w->len, w->cap - w->len, &m, in, n);
    if (w->err == SP_OK)
        w->len += m;
}

sp_err sp_writer_finish(sp_writer *w, size_t *out_len)
{
    *out_len = 0;
    if (w->err != SP_OK) {
        if (w->cap != 0)
            memset(w->out, 0, w->cap);
        return w->err;
    }
    *out_len = w->len;
    return SP_OK;
}
