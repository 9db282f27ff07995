/*
 * test_encoding.c -- base64, hex, decimal (softpause/encoding.h) and the verifier's
 * internal text helpers (src/verifier/text.h).
 *
 * Vectors: RFC 4648 section 10 for base64; libsodium's sodium_bin2base64/sodium_base642bin
 * as an independent implementation for a differential round trip; an independent
 * definition-based UTF-8 reference (below) checked exhaustively over all 1-, 2- and
 * 3-byte inputs and a sample of 4-byte ones.
 */
#include <sodium.h>
#include <stdint.h>

#include "harness.h"
#include "softpause/encoding.h"

#include "../../src/verifier/text.h"

/* ---- base64 ------------------------------------------------------------------------ */

static void test_base64_rfc4648_vectors(void)
{
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                      "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char out[16];
        uint8_t dec[16];
        size_t n = 99, pl = strlen(plain[i]);
        CHECK_OK(sp_base64_encode(out, sizeof out, &n, (const uint8_t *)plain[i], pl));
        CHECK(n == strlen(enc[i]) && memcmp(out, enc[i], n) == 0);
        CHECK(n == SP_BASE64_ENCODED_LEN(pl));
        CHECK_OK(sp_base64_decode(dec, sizeof dec, &n, enc[i], strlen(enc[i])));
        CHECK(n == pl && memcmp(dec, plain[i], n) == 0);
        CHECK_OK(sp_base64_check(enc[i], strlen(enc[i]), &n));
        CHECK(n == pl);
    }
}

static void test_base64_refuses_noncanonical(void)
{
    static const char *const bad[] = {
        "A", "AB", "ABC", "ABCDE",      /* length not a multiple of 4 */
        "Zh==",                         /* low 4 bits of last symbol set */
        "Zm9=",                         /* low 2 bits set */
        "Zm8",                          /* missing padding */
        "Z===", "====", "=AAA", "A=AA", /* padding in the wrong place */
        "AA=A", "Zg==Zg==",             /* padding in the middle */
        "Zm9v\n", "Zm\n9v", "Zm9v\r\n", /* white space (Go skips \r \n) */
        " Zm9v", "Zm9 ", "Zm-v",        /* URL alphabet, spaces */
        "Zm_v", "Zm9v====", "Zm9\x80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t dec[16];
        size_t n = 99;
        memset(dec, 0xAA, sizeof dec);
        CHECK_ERR(sp_base64_decode(dec, sizeof dec, &n, bad[i], strlen(bad[i])), SP_ERR_BASE64);
        CHECK(n == 0);
        for (size_t j = 0; j < sizeof dec; j++)
            CHECK(dec[j] == 0); /* outputs zeroed on failure */
        n = 99;
        CHECK_ERR(sp_base64_check(bad[i], strlen(bad[i]), &n), SP_ERR_BASE64);
        CHECK(n == 0);
    }
    /* Every non-alphabet byte in every position of a group is refused. */
    for (int c = 0; c < 256; c++) {
        char t[5] = "Zm9v";
        size_t n;
        int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/';
        for (int pos = 0; pos < 4; pos++) {
            memcpy(t, "Zm9v", 4);
            t[pos] = (char)c;
            sp_err e = sp_base64_check(t, 4, &n);
            CHECK((e == SP_OK) == alpha);
        }
    }
}

static void test_base64_buffers_and_arguments(void)
{
    char out[8];
    uint8_t dec[8];
    size_t n = 7;
    CHECK_ERR(sp_base64_encode(out, 3, &n, (const uint8_t *)"f", 1), SP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 0);
    CHECK_OK(sp_base64_encode(out, 4, &n, (const uint8_t *)"f", 1));
    CHECK_ERR(sp_base64_decode(dec, 5, &n, "Zm9vYmFy", 8), SP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 0 && dec[0] == 0);
    CHECK_OK(sp_base64_decode(dec, 5, &n, "Zm9vYg==", 8));
    CHECK(n == 4);
    CHECK_ERR(sp_base64_encode(out, sizeof out, NULL, (const uint8_t *)"f", 1), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_base64_encode(out, sizeof out, &n, NULL, 1), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_base64_encode(NULL, 4, &n, (const uint8_t *)"f", 1), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_base64_encode(out, sizeof out, &n, (const uint8_t *)"f", (size_t)-1),
              SP_ERR_ARGUMENT);
    CHECK_OK(sp_base64_encode(NULL, 0, &n, NULL, 0));
    CHECK(n == 0);
    CHECK_ERR(sp_base64_decode(dec, sizeof dec, NULL, "Zg==", 4), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_base64_decode(dec, sizeof dec, &n, NULL, 4), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_base64_decode(NULL, 1, &n, "Zg==", 4), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_base64_decode(NULL, 0, &n, "Zg==", 4), SP_ERR_BUFFER_TOO_SMALL);
    CHECK_OK(sp_base64_decode(NULL, 0, &n, "", 0));
    CHECK_ERR(sp_base64_check("Zg==", 4, NULL), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_base64_check(NULL, 4, &n), SP_ERR_ARGUMENT);
}

/* Differential: libsodium's encoder and strict decoder agree with ours on random data. */
static void test_base64_matches_libsodium(void)
{
    uint32_t seed = 12345;
    for (int iter = 0; iter < 2000; iter++) {
        uint8_t in[80], dec[80];
        char ours[120], theirs[121];
        size_t len, n, m;
        seed = seed * 1103515245u + 12345u;
        len = (seed >> 8) % 80;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (uint8_t)(seed >> 16);
        }
        CHECK_OK(sp_base64_encode(ours, sizeof ours, &n, in, len));
        sodium_bin2base64(theirs, sizeof theirs, in, len, sodium_base64_VARIANT_ORIGINAL);
        CHECK(n == strlen(theirs) && memcmp(ours, theirs, n) == 0);
        CHECK_OK(sp_base64_decode(dec, sizeof dec, &m, ours, n));
        CHECK(m == len && memcmp(dec, in, len) == 0);
        /* One random symbol changed: we accept iff libsodium's decoder does (it too
         * refuses non-zero pad bits), and then with the same bytes. */
        if (n > 0) {
            uint8_t d2[80];
            size_t bl = 0;
            const char *endp;
            seed = seed * 1103515245u + 12345u;
            ours[(seed >> 8) % n] = "AZaz09+/=.Qg"[(seed >> 20) % 12];
            sp_err e = sp_base64_decode(dec, sizeof dec, &m, ours, n);
            int r = sodium_base642bin(d2, sizeof d2, ours, n, NULL, &bl, &endp,
                                      sodium_base64_VARIANT_ORIGINAL);
            int sodium_ok = (r == 0 && endp == ours + n);
            CHECK((e == SP_OK) == sodium_ok);
            if (e == SP_OK && sodium_ok)
                CHECK(bl == m && memcmp(d2, dec, m) == 0);
        }
    }
}

/* ---- hex --------------------------------------------------------------------------- */

static void test_hex(void)
{
    static const uint8_t b[4] = {0xc7, 0x4f, 0x20, 0xa3};
    uint8_t d[4];
    char out[9];
    CHECK_OK(sp_hex_encode(out, 8, b, 4));
    CHECK(memcmp(out, "c74f20a3", 8) == 0);
    CHECK_OK(sp_hex_decode(d, 4, "c74f20a3", 8));
    CHECK(memcmp(d, b, 4) == 0);
    CHECK_OK(sp_hex_decode(d, 4, "C74F20A3", 8));
    CHECK(memcmp(d, b, 4) == 0);
    CHECK_OK(sp_hex_decode(d, 0, "", 0));
    CHECK_ERR(sp_hex_decode(d, 4, "c74f20a", 7), SP_ERR_HEX);
    CHECK_ERR(sp_hex_decode(d, 4, "c74f20a30", 9), SP_ERR_HEX);
    CHECK_ERR(sp_hex_decode(d, 4, "c74f20g3", 8), SP_ERR_HEX);
    CHECK(d[0] == 0 && d[3] == 0);
    CHECK_ERR(sp_hex_decode(d, 4, "+74f20a3", 8), SP_ERR_HEX);
    CHECK_ERR(sp_hex_decode(d, 4, " 74f20a3", 8), SP_ERR_HEX);
    CHECK_ERR(sp_hex_decode(d, 4, "0x4f20a3", 8), SP_ERR_HEX);
    CHECK_ERR(sp_hex_encode(out, 7, b, 4), SP_ERR_BUFFER_TOO_SMALL);
    CHECK_ERR(sp_hex_encode(NULL, 8, b, 4), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_hex_decode(NULL, 4, "c74f20a3", 8), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_hex_decode(d, 4, NULL, 8), SP_ERR_ARGUMENT);
    for (int c = 0; c < 256; c++) {
        char t[2] = {'0', (char)c};
        uint8_t v;
        int ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        CHECK((sp_hex_decode(&v, 1, t, 2) == SP_OK) == ok);
    }
}

/* ---- decimal ----------------------------------------------------------------------- */

static void test_decimal(void)
{
    uint64_t v = 7;
    char out[21];
    size_t n;
    CHECK_OK(sp_decimal_parse(&v, "0", 1, 10));
    CHECK(v == 0);
    CHECK_OK(sp_decimal_parse(&v, "10", 2, 10));
    CHECK(v == 10);
    CHECK_ERR(sp_decimal_parse(&v, "11", 2, 10), SP_ERR_NUMBER_RANGE);
    CHECK(v == 0);
    CHECK_OK(sp_decimal_parse(&v, "9007199254740992", 16, 1ull << 53));
    CHECK(v == 1ull << 53);
    CHECK_ERR(sp_decimal_parse(&v, "9007199254740993", 16, 1ull << 53), SP_ERR_NUMBER_RANGE);
    CHECK_OK(sp_decimal_parse(&v, "18446744073709551615", 20, UINT64_MAX));
    CHECK(v == UINT64_MAX);
    CHECK_ERR(sp_decimal_parse(&v, "18446744073709551616", 20, UINT64_MAX), SP_ERR_NUMBER_RANGE);
    CHECK_ERR(sp_decimal_parse(&v, "99999999999999999999999", 23, UINT64_MAX),
              SP_ERR_NUMBER_RANGE);
    CHECK_OK(sp_decimal_parse(&v, "0", 1, 0));
    CHECK_ERR(sp_decimal_parse(&v, "1", 1, 0), SP_ERR_NUMBER_RANGE);
    static const char *const bad[] = {"", "01", "00", "-1", "+1", " 1", "1 ", "1_000", "1e3",
                                      "0x10", "1.0", "١"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 5;
        CHECK_ERR(sp_decimal_parse(&v, bad[i], strlen(bad[i]), UINT64_MAX), SP_ERR_NUMBER);
        CHECK(v == 0);
    }
    /* Syntax takes precedence over range. */
    CHECK_ERR(sp_decimal_parse(&v, "99999999999999999999999x", 24, 10), SP_ERR_NUMBER);
    CHECK_ERR(sp_decimal_parse(NULL, "1", 1, 10), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_decimal_parse(&v, NULL, 1, 10), SP_ERR_ARGUMENT);

    CHECK_OK(sp_decimal_format(out, sizeof out, &n, 0));
    CHECK(n == 1 && out[0] == '0');
    CHECK_OK(sp_decimal_format(out, sizeof out, &n, UINT64_MAX));
    CHECK(n == 20 && memcmp(out, "18446744073709551615", 20) == 0);
    CHECK_ERR(sp_decimal_format(out, 19, &n, UINT64_MAX), SP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 0);
    CHECK_ERR(sp_decimal_format(out, sizeof out, NULL, 1), SP_ERR_ARGUMENT);
    /* Round trip. */
    uint64_t x = 1;
    for (int i = 0; i < 200; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t y = x >> (i % 64), back;
        CHECK_OK(sp_decimal_format(out, sizeof out, &n, y));
        CHECK_OK(sp_decimal_parse(&back, out, n, UINT64_MAX));
        CHECK(back == y);
    }
}

/* ---- UTF-8 ------------------------------------------------------------------------- */

/* Reference: decode by the definition (bit pattern, then shortest-form, surrogate and
 * range rules), independent of text.c's lead-byte table. Returns length or 0. */
static size_t ref_utf8(const uint8_t *s, size_t len, uint32_t *cp)
{
    size_t need;
    uint32_t v, min;
    if (len == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xE0) == 0xC0) {
        need = 2, v = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        need = 3, v = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        need = 4, v = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return need;
}

static void test_utf8_exhaustive(void)
{
    uint8_t s[4];
    uint32_t cp, rcp;
    size_t n, rn;
    long mismatches = 0;
    for (uint32_t a = 0; a < 256; a++) {
        s[0] = (uint8_t)a;
        rn = ref_utf8(s, 1, &rcp);
        sp_err e = sp_utf8_decode(s, 1, &cp, &n);
        if ((e == SP_OK) != (rn != 0) || (rn && (n != rn || cp != rcp)))
            mismatches++;
        for (uint32_t b = 0; b < 256; b++) {
            s[1] = (uint8_t)b;
            rn = ref_utf8(s, 2, &rcp);
            e = sp_utf8_decode(s, 2, &cp, &n);
            if ((e == SP_OK) != (rn != 0) || (rn && (n != rn || cp != rcp)))
                mismatches++;
            for (uint32_t c = 0; c < 256; c += (a >= 0xE0 ? 1 : 255)) {
                s[2] = (uint8_t)c;
                rn = ref_utf8(s, 3, &rcp);
                e = sp_utf8_decode(s, 3, &cp, &n);
                if ((e == SP_OK) != (rn != 0) || (rn && (n != rn || cp != rcp)))
                    mismatches++;
                if (a >= 0xF0) {
                    for (uint32_t d = 0x70; d < 0xD0; d += 7) {
                        s[3] = (uint8_t)d;
                        rn = ref_utf8(s, 4, &rcp);
                        e = sp_utf8_decode(s, 4, &cp, &n);
                        if ((e == SP_OK) != (rn != 0) || (rn && (n != rn || cp != rcp)))
                            mismatches++;
                    }
                }
            }
        }
    }
    CHECK(mismatches == 0);
}

static void test_utf8_named_cases(void)
{
    uint32_t cp;
    size_t n, off;
    CHECK_OK(sp_utf8_decode((const uint8_t *)"\xE2\x80\x94", 3, &cp, &n));
    CHECK(cp == 0x2014 && n == 3);
    CHECK_OK(sp_utf8_decode((const uint8_t *)"\xF4\x8F\xBF\xBF", 4, &cp, &n));
    CHECK(cp == 0x10FFFF && n == 4);
    CHECK_OK(sp_utf8_decode((const uint8_t *)"\xEF\xBF\xBD", 3, &cp, &n)); /* U+FFFD itself */
    static const char *const bad[] = {
        "\xC0\x80",         /* overlong NUL */
        "\xC1\xBF",         /* overlong */
        "\xE0\x80\xAF",     /* overlong '/' */
        "\xE0\x9F\xBF",     /* overlong */
        "\xED\xA0\x80",     /* U+D800 surrogate */
        "\xED\xBF\xBF",     /* U+DFFF surrogate */
        "\xF0\x8F\xBF\xBF", /* overlong */
        "\xF4\x90\x80\x80", /* U+110000 */
        "\xF5\x80\x80\x80", "\xFF", "\x80", "\xBF", "\xE2\x80", "\xE2\x28\xA1", "\xC3\x28",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_ERR(sp_utf8_decode((const uint8_t *)bad[i], strlen(bad[i]), &cp, &n),
                  SP_ERR_NOTE_UTF8);
        CHECK(cp == 0 && n == 0);
    }
    CHECK_ERR(sp_utf8_decode(NULL, 1, &cp, &n), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_utf8_decode((const uint8_t *)"a", 0, &cp, &n), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_utf8_decode((const uint8_t *)"a", 1, NULL, &n), SP_ERR_ARGUMENT);
    CHECK_OK(sp_utf8_check((const uint8_t *)"a\xE2\x80\x94z", 5, &off));
    CHECK_OK(sp_utf8_check(NULL, 0, NULL));
    CHECK_ERR(sp_utf8_check((const uint8_t *)"ab\xED\xA0\x80", 5, &off), SP_ERR_NOTE_UTF8);
    CHECK(off == 2);
    CHECK_ERR(sp_utf8_check(NULL, 3, &off), SP_ERR_ARGUMENT);
}

static void test_unicode_space(void)
{
    static const uint32_t spaces[] = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0,
                                      0x1680, 0x2000, 0x2005, 0x200A, 0x2028, 0x2029,
                                      0x202F, 0x205F, 0x3000};
    static const uint32_t not_spaces[] = {0x00, 0x08, 0x0E, 0x1F, 0x21, 0x84, 0x86, 0x9F,
                                          0xA1, 0x180E, 0x1FFF, 0x200B, 0x2027, 0x202A,
                                          0x2060, 0xFEFF, 0x2014, 0x10FFFF};
    int count = 0;
    for (size_t i = 0; i < sizeof spaces / sizeof spaces[0]; i++)
        CHECK(sp_unicode_is_space(spaces[i]));
    for (size_t i = 0; i < sizeof not_spaces / sizeof not_spaces[0]; i++)
        CHECK(!sp_unicode_is_space(not_spaces[i]));
    /* Go's unicode.IsSpace is true for exactly 25 code points. */
    for (uint32_t c = 0; c <= 0x10FFFF; c++)
        count += sp_unicode_is_space(c);
    CHECK(count == 25);
}

static void test_next_line(void)
{
    const uint8_t *t = (const uint8_t *)"ab\n\nc\nd";
    size_t pos = 0;
    sp_span l;
    CHECK_OK(sp_text_next_line(t, 7, &pos, &l));
    CHECK(l.off == 0 && l.len == 2 && pos == 3);
    CHECK_OK(sp_text_next_line(t, 7, &pos, &l));
    CHECK(l.off == 3 && l.len == 0 && pos == 4);
    CHECK_OK(sp_text_next_line(t, 7, &pos, &l));
    CHECK(l.off == 4 && l.len == 1 && pos == 6);
    CHECK_ERR(sp_text_next_line(t, 7, &pos, &l), SP_ERR_NOTE_NO_FINAL_NEWLINE);
    CHECK(l.off == 0 && l.len == 0 && pos == 6);
    pos = 7;
    CHECK_ERR(sp_text_next_line(t, 7, &pos, &l), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_text_next_line(NULL, 7, &pos, &l), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_text_next_line(t, 7, &pos, NULL), SP_ERR_ARGUMENT);
}

static void test_name_check(void)
{
    static const char *const good[] = {"a", "PeterNeumann", "sum.golang.org",
                                       "example.com/log", "caf\xC3\xA9", "a\xE2\x80\x94z",
                                       "x\x7F"};
    static const char *const bad[] = {"", "a+b", "a b", "a\tb", "a\nb", "a\xC2\xA0z",
                                      "a\xE3\x80\x80z", "a\xE2\x80\xA8z", "a\x01", "\xFF",
                                      "a\xC0\x80"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_OK(sp_text_name_check((const uint8_t *)good[i], strlen(good[i]), 128,
                                    SP_ERR_KEY_NAME));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_ERR(sp_text_name_check((const uint8_t *)bad[i], strlen(bad[i]), 128,
                                     SP_ERR_KEY_NAME),
                  SP_ERR_KEY_NAME);
    CHECK_ERR(sp_text_name_check((const uint8_t *)"abcd", 4, 3, SP_ERR_NOTE_SIG_LINE),
              SP_ERR_NOTE_SIG_LINE);
    CHECK_OK(sp_text_name_check((const uint8_t *)"abc", 3, 3, SP_ERR_NOTE_SIG_LINE));
    CHECK(sp_text_equal((const uint8_t *)"ab", 2, (const uint8_t *)"ab", 2));
    CHECK(!sp_text_equal((const uint8_t *)"ab", 2, (const uint8_t *)"abc", 3));
    CHECK(sp_text_equal(NULL, 0, NULL, 0));
    uint8_t w[4] = {1, 2, 3, 4};
    sp_wipe(w, sizeof w);
    CHECK(w[0] == 0 && w[3] == 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN_TEST(test_base64_rfc4648_vectors);
    RUN_TEST(test_base64_refuses_noncanonical);
    RUN_TEST(test_base64_buffers_and_arguments);
    RUN_TEST(test_base64_matches_libsodium);
    RUN_TEST(test_hex);
    RUN_TEST(test_decimal);
    RUN_TEST(test_utf8_exhaustive);
    RUN_TEST(test_utf8_named_cases);
    RUN_TEST(test_unicode_space);
    RUN_TEST(test_next_line);
    RUN_TEST(test_name_check);
    return harness_finish("encoding");
}
