/*
 * encoding.c -- the project's one base64, hex and decimal (contract: softpause/encoding.h).
 *
 * Why strict: the verifier accepts exactly one spelling of every value, so two honest
 * parsers can never disagree about what bytes a text denotes, and a signature line cannot
 * be re-encoded into a second valid-looking form (malleability).
 *
 * base64 (RFC 4648 section 4, standard alphabet, '=' padding; canonical per section 3.5):
 *
 *      text   | c0     | c1     | c2     | c3     |   4 symbols of 6 bits = 3 bytes
 *      bytes  | b0      | b1      | b2      |
 *
 *   last group with 1 byte:  c0 c1 '=' '='   c1's low 4 bits MUST be zero
 *   last group with 2 bytes: c0 c1 c2  '='   c2's low 2 bits MUST be zero
 *
 *   Refused: length not a multiple of 4, a symbol outside A-Z a-z 0-9 + /, '=' anywhere but
 *   the last one or two positions, "x===" forms, non-zero unused bits, and any white space
 *   ('\r' and '\n' included: Go's StdEncoding skips them, we do not -- documented
 *   divergence).  The empty string is the canonical encoding of zero bytes.
 *
 * hex: two digits per byte, 0-9 a-f A-F (as Go's strconv.ParseUint(s, 16, 32) accepts for
 *   key IDs); the text length must be exactly twice the byte count.  Encoding is lower case.
 *
 * decimal: "0" | [1-9][0-9]*, nothing else (no sign, space, leading zero or underscore).
 *   Syntax is checked over the whole text first (SP_ERR_NUMBER), then the value against
 *   the caller's maximum (SP_ERR_NUMBER_RANGE), with an overflow check before each step.
 *
 * Every function zeroes its outputs on failure.  A data pointer may be NULL only when its
 * length is 0.
 */
#include "softpause/encoding.h"

#include <string.h>

static const char b64_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 1 + the value of each base64 symbol; 0 for every other byte.  A table rather than
 * range tests: symbol decoding is most of what verifying a statement costs besides the
 * signatures themselves (bench/verify), and 256 bytes of constant data suit a ROM. */
static const uint8_t b64_table[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
    ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15,
    ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
    ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29,
    ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42, ['q'] = 43,
    ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50,
    ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
    ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

/* Value of a base64 symbol, or -1. */
static int b64_value(uint8_t c)
{
    return (int)b64_table[c] - 1;
}

/* Value of a hex digit, or -1. */
static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

sp_err sp_base64_encode(char *out, size_t cap, size_t *out_len, const uint8_t *in, size_t len)
{
    size_t need, i, o = 0;

    if (out_len != NULL)
        *out_len = 0;
    if (out_len == NULL || (out == NULL && cap != 0) || (in == NULL && len != 0))
        return SP_ERR_ARGUMENT;
    /* 4 * ceil(len / 3) must not overflow: len / 3 + 1 <= SIZE_MAX / 4. */
    if (len / 3u >= (size_t)-1 / 4u) {
        if (cap != 0)
            memset(out, 0, cap);
        return SP_ERR_ARGUMENT;
    }
    need = (len / 3u + (len % 3u != 0)) * 4u;
    if (need > cap) {
        if (cap != 0)
            memset(out, 0, cap);
        return SP_ERR_BUFFER_TOO_SMALL;
    }
    for (i = 0; len - i >= 3; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    *out_len = o;
    return SP_OK;
}

/*
 * The one validating decoder: checks text[0..len) and, when out != NULL, writes the bytes.
 * Writing stops at cap; the caller has already compared the decoded length with cap.
 */
static sp_err b64_run(uint8_t *out, const char *text, size_t len, size_t *decoded_len)
{
    const uint8_t *t = (const uint8_t *)text;
    size_t i, o = 0, pad = 0, body;

    *decoded_len = 0;
    if (len % 4u != 0)
        return SP_ERR_BASE64;
    if (len == 0)
        return SP_OK;
    /* Padding: only the last one or two symbols may be '='. */
    if (t[len - 1] == '=') {
        pad = 1;
        if (t[len - 2] == '=')
            pad = 2;
    }
    /* Every group but the last: four alphabet symbols, no padding, no special cases.  Any
     * '=' in here is a non-alphabet byte and refused. */
    body = len - 4u;
    for (i = 0; i < body; i += 4) {
        uint32_t a = b64_table[t[i]], b = b64_table[t[i + 1]], c = b64_table[t[i + 2]],
                 d = b64_table[t[i + 3]];
        if (a == 0 || b == 0 || c == 0 || d == 0)
            return SP_ERR_BASE64;
        if (out != NULL) {
            uint32_t v = (a - 1u) << 18 | (b - 1u) << 12 | (c - 1u) << 6 | (d - 1u);
            out[o] = (uint8_t)(v >> 16);
            out[o + 1] = (uint8_t)(v >> 8);
            out[o + 2] = (uint8_t)v;
        }
        o += 3;
    }
    /* The last group, which alone may carry padding ("x===" lands on v1 < 0 or v2 < 0). */
    {
        int v0 = b64_value(t[i]), v1 = b64_value(t[i + 1]);
        int v2 = pad == 2 ? 0 : b64_value(t[i + 2]);
        int v3 = pad >= 1 ? 0 : b64_value(t[i + 3]);
        size_t nbytes = 3u - pad;
        if (v0 < 0 || v1 < 0 || v2 < 0 || v3 < 0)
            return SP_ERR_BASE64;
        /* RFC 4648 section 3.5: canonical encodings have zero pad bits. */
        if (nbytes == 1 && (v1 & 0x0F) != 0)
            return SP_ERR_BASE64;
        if (nbytes == 2 && (v2 & 0x03) != 0)
            return SP_ERR_BASE64;
        if (out != NULL) {
            uint32_t v = (uint32_t)v0 << 18 | (uint32_t)v1 << 12 | (uint32_t)v2 << 6 |
                         (uint32_t)v3;
            out[o] = (uint8_t)(v >> 16);
            if (nbytes > 1)
                out[o + 1] = (uint8_t)(v >> 8);
            if (nbytes > 2)
                out[o + 2] = (uint8_t)v;
        }
        o += nbytes;
    }
    *decoded_len = o;
    return SP_OK;
}

sp_err sp_base64_check(const char *text, size_t len, size_t *decoded_len)
{
    if (decoded_len == NULL)
        return SP_ERR_ARGUMENT;
    *decoded_len = 0;
    if (text == NULL && len != 0)
        return SP_ERR_ARGUMENT;
    return b64_run(NULL, text, len, decoded_len);
}

sp_err sp_base64_decode(uint8_t *out, size_t cap, size_t *out_len, const char *text, size_t len)
{
    size_t n;
    sp_err e;

    if (out_len != NULL)
        *out_len = 0;
    if (out_len == NULL || (out == NULL && cap != 0) || (text == NULL && len != 0)) {
        if (out != NULL && cap != 0)
            memset(out, 0, cap);
        return SP_ERR_ARGUMENT;
    }
    /* One pass: the decoded length follows from the length and the padding alone, so the
     * capacity is checked before anything is written; a bad symbol found while writing
     * zeroes the whole output below. */
    n = len % 4u != 0 || len == 0 ? 0
        : len / 4u * 3u - (text[len - 1] == '=') - (text[len - 2] == '=');
    e = n > cap ? SP_ERR_BUFFER_TOO_SMALL : b64_run(cap != 0 ? out : NULL, text, len, &n);
    if (e != SP_OK) {
        if (cap != 0)
            memset(out, 0, cap);
        return e;
    }
    *out_len = n;
    return SP_OK;
}

sp_err sp_hex_encode(char *out, size_t cap, const uint8_t *in, size_t len)
{
    static const char digits[16] = "0123456789abcdef";

    if ((out == NULL && cap != 0) || (in == NULL && len != 0))
        return SP_ERR_ARGUMENT;
    if (len > cap / 2u) { /* 2 * len > cap, without forming 2 * len */
        if (cap != 0)
            memset(out, 0, cap);
        return SP_ERR_BUFFER_TOO_SMALL;
    }
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    return SP_OK;
}

sp_err sp_hex_decode(uint8_t *out, size_t len, const char *text, size_t text_len)
{
    size_t i;

    if ((out == NULL && len != 0) || (text == NULL && text_len != 0))
        return SP_ERR_ARGUMENT;
    /* text_len must be exactly 2 * len; compare without forming 2 * len. */
    if (text_len % 2u != 0 || text_len / 2u != len)
        goto fail;
    for (i = 0; i < len; i++) {
        int hi = hex_value((uint8_t)text[2 * i]);
        int lo = hex_value((uint8_t)text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            goto fail;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return SP_OK;
fail:
    if (len != 0)
        memset(out, 0, len);
    return SP_ERR_HEX;
}

sp_err sp_decimal_parse(uint64_t *out, const char *text, size_t len, uint64_t max)
{
    uint64_t v = 0;
    size_t i;

    if (out == NULL)
        return SP_ERR_ARGUMENT;
    *out = 0;
    if (text == NULL && len != 0)
        return SP_ERR_ARGUMENT;
    if (len == 0)
        return SP_ERR_NUMBER;
    for (i = 0; i < len; i++)
        if (text[i] < '0' || text[i] > '9')
            return SP_ERR_NUMBER;
    if (text[0] == '0' && len > 1) /* one spelling per value: no leading zero */
        return SP_ERR_NUMBER;
    for (i = 0; i < len; i++) {
        uint64_t d = (uint64_t)(text[i] - '0');
        /* v * 10 + d <= max, checked without overflowing: d <= max first (so max - d
         * cannot wrap), then v <= max / 10 (so v * 10 cannot wrap). */
        if (d > max || v > max / 10u || v * 10u > max - d)
            return SP_ERR_NUMBER_RANGE;
        v = v * 10u + d;
    }
    *out = v;
    return SP_OK;
}

sp_err sp_decimal_format(char *out, size_t cap, size_t *out_len, uint64_t v)
{
    char tmp[20]; /* 2^64 - 1 has 20 digits */
    size_t n = 0;

    if (out_len != NULL)
        *out_len = 0;
    if (out_len == NULL || (out == NULL && cap != 0))
        return SP_ERR_ARGUMENT;
    do {
        tmp[n++] = (char)('0' + (v % 10u));
        v /= 10u;
    } while (v != 0);
    if (n > cap) {
        if (cap != 0)
            memset(out, 0, cap);
        return SP_ERR_BUFFER_TOO_SMALL;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    *out_len = n;
    return SP_OK;
}
