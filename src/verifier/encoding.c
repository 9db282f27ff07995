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

/* Value of a base64 symbol, or -1. */
static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
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
    size_t i, o = 0, pad = 0;

    *decoded_len = 0;
    if (len % 4u != 0)
        return SP_ERR_BASE64;
    if (len == 0)
        return SP_OK;
    /* Padding: only the last one or two symbols may be '='. */
    if (text[len - 1] == '=') {
        pad = 1;
        if (text[len - 2] == '=')
            pad = 2;
    }
    for (i = 0; i < len; i += 4) {
        int v0 = b64_value((uint8_t)text[i]);
        int v1 = b64_value((uint8_t)text[i + 1]);
        int v2, v3;
        size_t nbytes = 3;
        int last = (len - i == 4);

        if (last && pad == 2) {
            v2 = 0;
            v3 = 0;
            nbytes = 1;
        } else if (last && pad == 1) {
            v2 = b64_value((uint8_t)text[i + 2]);
            v3 = 0;
            nbytes = 2;
        } else {
            v2 = b64_value((uint8_t)text[i + 2]);
            v3 = b64_value((uint8_t)text[i + 3]);
        }
        /* Any '=' not at the end, "x===" and every non-alphabet byte land here. */
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
    /* Validate everything first, so nothing is written for a bad input. */
    e = b64_run(NULL, text, len, &n);
    if (e == SP_OK && n > cap)
        e = SP_ERR_BUFFER_TOO_SMALL;
    if (e == SP_OK && n != 0)
        e = b64_run(out, text, len, &n);
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
