/*
 * utf8.c -- UTF-8 decoding (see dacc/utf8.h).
 *
 *     U+0000..U+007F     0xxxxxxx
 *     U+0080..U+07FF     110xxxxx 10xxxxxx                     (lead C2..DF)
 *     U+0800..U+FFFF     1110xxxx 10xxxxxx 10xxxxxx            (E0: A0..BF next; ED: 80..9F)
 *     U+10000..U+10FFFF  11110xxx 10xxxxxx 10xxxxxx 10xxxxxx   (F0: 90..BF next; F4: 80..8F)
 *
 * The second byte's range depends on the lead (RFC 3629's table): that one check refuses
 * overlong forms, surrogates and values past U+10FFFF.
 */
#include "dacc/utf8.h"

#include <stdio.h>
#include <string.h>

/* Length of the sequence a lead byte opens (0: not a lead), and its second byte's range. */
static size_t lead(unsigned char b, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if (b >= 0xE0 && b <= 0xEF) {
        if (b == 0xE0)
            *lo = 0xA0;
        if (b == 0xED)
            *hi = 0x9F;
        return 3;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        if (b == 0xF0)
            *lo = 0x90;
        if (b == 0xF4)
            *hi = 0x8F;
        return 4;
    }
    return 0;
}

/* Bytes of s[0..n) (n <= len) that fit the sequence's pattern. */
static size_t valid_prefix(const unsigned char *s, size_t n, size_t len, unsigned char lo,
                           unsigned char hi)
{
    size_t k = 1;
    if (k < n && k < len) {
        if (s[1] < lo || s[1] > hi)
            return 1;
        k++;
    }
    for (; k < n && k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return k;
    return k;
}

size_t dacc_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char lo, hi;
    *cp = 0;
    if (n == 0)
        return 0;
    size_t len = lead(s[0], &lo, &hi);
    if (len == 0 || n < len || valid_prefix(s, n, len, lo, hi) != len)
        return 0;
    uint32_t v = len == 1 ? s[0] : (uint32_t)(s[0] & (0x7F >> len));
    for (size_t k = 1; k < len; k++)
        v = (v << 6) | (uint32_t)(s[k] & 0x3F);
    *cp = v;
    return len;
}

size_t dacc_utf8_incomplete(const unsigned char *s, size_t n)
{
    unsigned char lo, hi;
    if (n == 0)
        return 0;
    size_t len = lead(s[0], &lo, &hi);
    if (len <= n || valid_prefix(s, n, len, lo, hi) != n)
        return 0;
    return len - n;
}

int dacc_utf8_is_unsafe(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

int dacc_utf8_xml_char(uint32_t cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* One character's (or one bad byte's) escaped form into piece; returns the bytes of s used. */
static size_t escape_one(const unsigned char *p, size_t n, char piece[8])
{
    uint32_t cp;
    size_t k = dacc_utf8_decode(p, n, &cp);
    if (k == 0) {
        snprintf(piece, 8, "\\x%02x", p[0]);
        return 1;
    }
    if (cp == '\\')
        memcpy(piece, "\\\\", 3);
    else if (dacc_utf8_is_unsafe(cp))
        snprintf(piece, 8, "\\u%04x", (unsigned)cp);
    else {
        memcpy(piece, p, k);
        piece[k] = '\0';
    }
    return k;
}

char *dacc_utf8_escape(char *out, size_t cap, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    char piece[8];
    size_t total = 0, w = 0;
    for (size_t i = 0; i < n;) {
        i += escape_one(p + i, n - i, piece);
        total += strlen(piece);
    }
    /* room for "..." only when the whole does not fit */
    size_t reserve = total + 1 > cap ? 3 : 0;
    out[0] = '\0';
    while (n > 0) {
        size_t k = escape_one(p, n, piece), plen = strlen(piece);
        if (w + plen + reserve + 1 > cap) {
            if (w + 4 <= cap)
                memcpy(out + w, "...", 4);
            return out;
        }
        memcpy(out + w, piece, plen + 1);
        w += plen;
        p += k;
        n -= k;
    }
    return out;
}
