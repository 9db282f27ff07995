/*
 * test_keyfile.c -- key generation, key files and signer keys (softpause/host/keyfile.h).
 *
 * Expected values come from tests/support/fixture.c (libsodium directly, independent of
 * keyfile.c and the verifier's key code).  Files are written under a mkdtemp() directory.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "harness.h"
#include "support/scratch.h"
#include "softpause/host/fileio.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/sodium_crypto.h"
#include "support/fixture.h"

/* Read a whole small file as a NUL-terminated string; returns its length or (size_t)-1. */
static size_t slurp(const char *path, char *buf, size_t cap)
{
    size_t len;
    if (sp_file_read(path, (uint8_t *)buf, cap - 1, &len) != SP_OK)
        return (size_t)-1;
    buf[len] = '\0';
    return len;
}

static size_t count_char(const char *s, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == c;
    return k;
}

/* ---- sp_key_file_stem ----------------------------------------------------------------- */

static void test_stem_examples(void)
{
    static const struct {
        const char *name, *stem;
    } cases[] = {
        {"example.org/log", "example.org%2Flog"},
        {"plain-name_09.AZ", "plain-name_09.AZ"},
        {".hidden", "%2Ehidden"},
        {"..", "%2E."},
        {".", "%2E"},
        {"a.b.", "a.b."},
        {"100%", "100%25"},
        {"%2F", "%252F"},
        {"caf\xC3\xA9", "caf%C3%A9"},
        {"\xE2\x80\x94", "%E2%80%94"},
        {"a b+c", "a%20b%2Bc"},
        {"\x7F~", "%7F%7E"},
    };
    char out[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(out, 0x55, sizeof out);
        CHECK_OK(sp_key_file_stem(cases[i].name, out, sizeof out));
        if (strcmp(out, cases[i].stem) != 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "stem of \"%s\" is \"%s\", expected \"%s\"",
                     cases[i].name, out, cases[i].stem);
            harness_fail(__FILE__, __LINE__, msg);
        }
    }
    CHECK_ERR(sp_key_file_stem("", out, sizeof out), SP_ERR_KEY_NAME);
    CHECK_ERR(sp_key_file_stem("abc", out, 2), SP_ERR_BUFFER_TOO_SMALL);
    CHECK_ERR(sp_key_file_stem("/", out, 3), SP_ERR_BUFFER_TOO_SMALL); /* "%2F" needs 4 */
    CHECK_OK(sp_key_file_stem("/", out, 4));
    CHECK(strcmp(out, "%2F") == 0);
}

static void test_stem_injective(void)
{
    static const char *const names[] = {
        "a/b", "a%2Fb", "a%b", "a%25b", "a%", ".a", "%2Ea", "%2ea", "a.", "a..b", "A", "a",
        "..", ".", "%2E", "%2E.", "%2E%2E", "x/y/z", "x%2Fy/z", "x/y%2Fz", "a_b", "a-b",
        "a+b", "a b", "caf\xC3\xA9", "caf%C3%A9", "caf%c3%a9", "\xC3\xA9", "%C3%A9",
        "example.org/log", "example.org%2Flog", "example.org/log/", "/", "//", "%",
        "%%", "%25", "-", "_", "~", "%7E", "a\\b", "a%5Cb", ".x/.y", "%2Ex%2F.y",
    };
    enum { N = sizeof names / sizeof names[0] };
    static char stems[N][256];
    for (size_t i = 0; i < N; i++) {
        CHECK_OK(sp_key_file_stem(names[i], stems[i], sizeof stems[i]));
        CHECK(strchr(stems[i], '/') == NULL);
        CHECK(stems[i][0] != '.');
        CHECK(stems[i][0] != '\0');
        for (const char *c = stems[i]; *c != '\0'; c++)
            CHECK(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-%",
                         *c) != NULL);
    }
    for (size_t i = 0; i < N; i++)
        for (size_t j = i + 1; j < N; j++)
            if (strcmp(stems[i], stems[j]) == 0) {
                char msg[512];
                snprintf(msg, sizeof msg, "\"%s\" and \"%s\" share the stem \"%s\"", names[i],
                         names[j], stems[i]);
                harness_fail(__FILE__, __LINE__, msg);
            }
}

/* ---- sp_key_generate ------------------------------------------------------------------ */

static void test_generate_writes_two_files(void)
{
    char kpath[1024], ppath[1024], want[1024], text[1024];
    sp_signer_key sk;
    sp_vkey vk;
    scratch_make("keyfile");
    CHECK_OK(sp_key_generate("example.org/log", scratch_dir, kpath, ppath, sizeof kpath));
    scratch_path(want, sizeof want, "example.org%2Flog.key");
    CHECK(strcmp(kpath, want) == 0);
    scratch_path(want, sizeof want, "example.org%2Flog.pub");
    CHECK(strcmp(ppath, want) == 0);
    CHECK(scratch_entries(NULL, 0) == 2);
    CHECK(scratch_mode(kpath) == 0600);
    CHECK(scratch_mode(ppath) == 0644);

    size_t n = slurp(kpath, text, sizeof text);
    CHECK(n != (size_t)-1 && n > 1);
    CHECK(text[n - 1] == '\n');
    CHECK(count_char(text, n, '\n') == 1);
    CHECK(strncmp(text, "PRIVATE+KEY+example.org/log+", 28) == 0);
    n = slurp(ppath, text, sizeof text);
    CHECK(n != (size_t)-1 && n > 1);
    CHECK(text[n - 1] == '\n');
    CHECK(count_char(text, n, '\n') == 1);
    CHECK(strncmp(text, "example.org/log+", 16) == 0);

    /* The two files describe one key. */
    CHECK_OK(sp_signer_key_load(&sk, kpath));
    CHECK_OK(sp_vkey_load(&vk, ppath));
    CHECK(strcmp(sk.pub.name, "example.org/log") == 0);
    CHECK(strcmp(vk.name, "example.org/log") == 0);
    CHECK(sk.pub.name_len == 15 && vk.name_len == 15);
    CHECK(sk.pub.key_id == vk.key_id);
    CHECK(memcmp(sk.pub.public_key, vk.public_key, 32) == 0);
    CHECK(memcmp(sk.sk + 32, vk.public_key, 32) == 0);
    CHECK(vk.key_id == fx_key_id("example.org/log", vk.public_key)); /* independent ID */

    /* The .pub line is exactly the verifier key's encoding. */
    char enc[512];
    size_t enc_len;
    CHECK_OK(sp_vkey_format(&vk, enc, sizeof enc, &enc_len));
    CHECK(n == enc_len + 1 && memcmp(text, enc, enc_len) == 0);

    /* NULL output paths are allowed. */
    CHECK_OK(sp_key_generate("second", scratch_dir, NULL, NULL, 0));
    CHECK(scratch_entries(NULL, 0) == 4);

    /* Two generations give two different keys. */
    sp_vkey vk2;
    scratch_path(want, sizeof want, "second.pub");
    CHECK_OK(sp_vkey_load(&vk2, want));
    CHECK(memcmp(vk2.public_key, vk.public_key, 32) != 0);
    sp_signer_key_wipe(&sk);
    scratch_remove();
}

static void test_generate_refuses_overwrite(void)
{
    char kpath[1024], ppath[1024], before[1024], after[1024], p[1024];
    scratch_make("keyfile");
    CHECK_OK(sp_key_generate("alice", scratch_dir, kpath, ppath, sizeof kpath));
    size_t n = slurp(kpath, before, sizeof before);
    CHECK_ERR(sp_key_generate("alice", scratch_dir, NULL, NULL, 0), SP_ERR_EXISTS);
    CHECK(slurp(kpath, after, sizeof after) == n && strcmp(before, after) == 0);
    CHECK(scratch_entries(NULL, 0) == 2);

    /* Either file alone blocks generation, and nothing new is written. */
    scratch_path(p, sizeof p, "bob.pub");
    CHECK_OK(sp_file_write_atomic(p, "placeholder\n", 12, 0600, 0));
    CHECK_ERR(sp_key_generate("bob", scratch_dir, NULL, NULL, 0), SP_ERR_EXISTS);
    scratch_path(p, sizeof p, "bob.key");
    CHECK(!sp_file_exists(p));
    scratch_path(p, sizeof p, "carol.key");
    CHECK_OK(sp_file_write_atomic(p, "placeholder\n", 12, 0600, 0));
    CHECK_ERR(sp_key_generate("carol", scratch_dir, NULL, NULL, 0), SP_ERR_EXISTS);
    scratch_path(p, sizeof p, "carol.pub");
    CHECK(!sp_file_exists(p));
    CHECK(scratch_entries(NULL, 0) == 4);
    scratch_remove();
}

static void test_generate_refuses_bad_names(void)
{
    static const char *const bad[] = {"", "a+b", "a b", "tab\there", "bad\xFF", "\xC3",
                                      "new\nline"};
    char long_name[SP_MAX_NAME_BYTES + 2];
    scratch_make("keyfile");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_ERR(sp_key_generate(bad[i], scratch_dir, NULL, NULL, 0), SP_ERR_KEY_NAME);
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    CHECK_ERR(sp_key_generate(long_name, scratch_dir, NULL, NULL, 0), SP_ERR_KEY_NAME);
    CHECK(scratch_entries(NULL, 0) == 0);
    /* The longest ASCII name is fine. */
    long_name[SP_MAX_NAME_BYTES] = '\0';
    CHECK_OK(sp_key_generate(long_name, scratch_dir, NULL, NULL, 0));
    CHECK(scratch_entries(NULL, 0) == 2);
    scratch_remove();
}

/* ---- signer keys ---------------------------------------------------------------------- */

static void test_signer_key_parse_fixture(void)
{
    fx_key fx;
    sp_signer_key sk;
    fx_key_make(&fx, "fixture.example/signer", 0x42);
    CHECK_OK(sp_signer_key_parse(&sk, fx.skey, strlen(fx.skey)));
    CHECK(strcmp(sk.pub.name, fx.name) == 0);
    CHECK(sk.pub.name_len == strlen(fx.name));
    CHECK(sk.pub.key_id == fx.id);
    CHECK(memcmp(sk.pub.public_key, fx.pk, 32) == 0);
    CHECK(memcmp(sk.sk, fx.sk, 64) == 0);

    /* Round trip through the text form. */
    char text[512];
    CHECK_OK(sp_signer_key_format(&sk, text, sizeof text));
    CHECK(strcmp(text, fx.skey) == 0);
    /* Exactly enough room, and one byte less. */
    size_t need = strlen(fx.skey) + 1;
    CHECK_OK(sp_signer_key_format(&sk, text, need));
    CHECK_ERR(sp_signer_key_format(&sk, text, need - 1), SP_ERR_BUFFER_TOO_SMALL);

    sp_signer_key_wipe(&sk);
    CHECK(harness_all_zero(&sk, sizeof sk));
}

static void test_signer_key_wrong_id(void)
{
    fx_key fx;
    sp_signer_key sk;
    char text[512], hexid[16];
    fx_key_make(&fx, "idcheck.example", 0x17);
    snprintf(text, sizeof text, "%s", fx.skey);
    snprintf(hexid, sizeof hexid, "+%08x+", (unsigned)fx.id);
    char *at = strstr(text, hexid);
    CHECK(at != NULL);
    if (at == NULL)
        return;
    /* Change one hex digit of the ID: still well formed, names another key. */
    at[1] = at[1] == '0' ? '1' : '0';
    memset(&sk, 0xAA, sizeof sk);
    CHECK_ERR(sp_signer_key_parse(&sk, text, strlen(text)), SP_ERR_KEY_ID);
    CHECK(harness_all_zero(&sk, sizeof sk));

    /* Same through a file. */
    char p[1024];
    scratch_make("keyfile");
    scratch_path(p, sizeof p, "bad-id.key");
    size_t n = strlen(text);
    text[n] = '\n';
    CHECK_OK(sp_file_write_atomic(p, text, n + 1, 0600, 0));
    CHECK_ERR(sp_signer_key_load(&sk, p), SP_ERR_KEY_ID);
    CHECK(harness_all_zero(&sk, sizeof sk));
    scratch_remove();
}

static void test_key_file_format(void)
{
    fx_key fx;
    sp_signer_key sk;
    sp_vkey vk;
    char p[1024], buf[1024];
    scratch_make("keyfile");
    fx_key_make(&fx, "files.example", 0x23);

    /* No final newline is accepted. */
    scratch_path(p, sizeof p, "nonl.key");
    CHECK_OK(sp_file_write_atomic(p, fx.skey, strlen(fx.skey), 0600, 0));
    CHECK_OK(sp_signer_key_load(&sk, p));
    CHECK(memcmp(sk.pub.public_key, fx.pk, 32) == 0);
    scratch_path(p, sizeof p, "nonl.pub");
    CHECK_OK(sp_file_write_atomic(p, fx.vkey, strlen(fx.vkey), 0600, 0));
    CHECK_OK(sp_vkey_load(&vk, p));
    CHECK(memcmp(vk.public_key, fx.pk, 32) == 0 && vk.key_id == fx.id);

    /* Two lines: refused for both kinds. */
    snprintf(buf, sizeof buf, "%s\n%s\n", fx.skey, fx.skey);
    scratch_path(p, sizeof p, "two.key");
    CHECK_OK(sp_file_write_atomic(p, buf, strlen(buf), 0600, 0));
    CHECK_ERR(sp_signer_key_load(&sk, p), SP_ERR_KEY_FORMAT);
    CHECK(harness_all_zero(&sk, sizeof sk));
    snprintf(buf, sizeof buf, "%s\n\n", fx.vkey);
    scratch_path(p, sizeof p, "two.pub");
    CHECK_OK(sp_file_write_atomic(p, buf, strlen(buf), 0600, 0));
    CHECK_ERR(sp_vkey_load(&vk, p), SP_ERR_KEY_FORMAT);

    /* Far too long a file: a format error, not a truncated read. */
    memset(buf, 'A', sizeof buf);
    scratch_path(p, sizeof p, "huge.key");
    CHECK_OK(sp_file_write_atomic(p, buf, sizeof buf, 0600, 0));
    CHECK_ERR(sp_signer_key_load(&sk, p), SP_ERR_KEY_FORMAT);
    CHECK_ERR(sp_vkey_load(&vk, p), SP_ERR_KEY_FORMAT);

    /* A verifier key where a signer key is expected. */
    scratch_path(p, sizeof p, "nonl.pub");
    CHECK_ERR(sp_signer_key_load(&sk, p), SP_ERR_KEY_NOT_PRIVATE);

    /* Missing files. */
    scratch_path(p, sizeof p, "missing.key");
    CHECK_ERR(sp_signer_key_load(&sk, p), SP_ERR_IO);
    CHECK_ERR(sp_vkey_load(&vk, p), SP_ERR_IO);
    scratch_remove();
}

static void test_generated_key_formats_back(void)
{
    char kpath[1024], text[1024], again[1024];
    sp_signer_key sk;
    scratch_make("keyfile");
    CHECK_OK(sp_key_generate("round.trip/key", scratch_dir, kpath, NULL, sizeof kpath));
    size_t n = slurp(kpath, text, sizeof text);
    CHECK(n != (size_t)-1 && n > 0);
    CHECK_OK(sp_signer_key_load(&sk, kpath));
    CHECK_OK(sp_signer_key_format(&sk, again, sizeof again));
    CHECK(strlen(again) + 1 == n && memcmp(again, text, n - 1) == 0);
    sp_signer_key_wipe(&sk);
    scratch_remove();
}

/* Stems are capped so that every file made from them (NAME.key, NAME.<hash>.signed) fits a
 * 255-byte file name: a 64 x "e-acute" name (128 bytes, a valid key name) maps to a 384-byte
 * stem and is refused; a 128-byte ASCII name keeps a 128-byte stem and works. */
static void test_long_names(void)
{
    char name[201], stem[1024], kp[1024], pp[1024];
    char e_acute[129];
    for (int i = 0; i < 64; i++)
        memcpy(e_acute + 2 * i, "\xC3\xA9", 2);
    e_acute[128] = '\0';
    CHECK_OK(sp_key_name_check(e_acute, 128));
    CHECK_ERR(sp_key_file_stem(e_acute, stem, sizeof stem), SP_ERR_KEY_NAME);
    scratch_make("keyfile");
    CHECK_ERR(sp_key_generate(e_acute, scratch_dir, kp, pp, sizeof kp), SP_ERR_KEY_NAME);
    CHECK(scratch_entries(NULL, 0) == 0);
    memset(name, 'n', 128);
    name[128] = '\0';
    CHECK_OK(sp_key_file_stem(name, stem, sizeof stem));
    CHECK_OK(sp_key_generate(name, scratch_dir, kp, pp, sizeof kp));
    CHECK(scratch_entries(NULL, 0) == 2);
    scratch_remove();
}


/* ---- cosigner keys (type 0x04, C2SP tlog-cosignature) --------------------------------- */

/* Key ID by the C2SP rule for any type byte, with libsodium directly. */
static uint32_t independent_id(const char *name, uint8_t alg, const uint8_t pk[32])
{
    crypto_hash_sha256_state st;
    uint8_t h[32], sep[2] = {'\n', alg};
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
    crypto_hash_sha256_update(&st, sep, 2);
    crypto_hash_sha256_update(&st, pk, 32);
    crypto_hash_sha256_final(&st, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/* Decode the base64 field of a one-line key text (after its `plus`-th '+': the base64 may
 * contain '+' itself) into raw[33]; 1 on success. */
static int key_bytes(const char *text, int plus, uint8_t raw[33])
{
    const char *b64 = text;
    size_t n = 0, len;
    for (int i = 0; i < plus; i++) {
        b64 = strchr(b64, '+');
        if (b64 == NULL)
            return 0;
        b64++;
    }
    len = strcspn(b64, "\n");
    return sodium_base642bin(raw, 33, b64, len, NULL, &n, NULL,
                             sodium_base64_VARIANT_ORIGINAL) == 0 && n == 33;
}

/* A cosigner signer-key text built with libsodium from a fixed seed. */
static void cosigner_text(char *out, size_t cap, const char *name, uint8_t seed_byte,
                          uint8_t type_byte, uint8_t id_alg, uint8_t pk[32])
{
    uint8_t seed[32], sk[64], raw[33];
    char b64[64];
    memset(seed, seed_byte, 32);
    crypto_sign_seed_keypair(pk, sk, seed);
    raw[0] = type_byte;
    memcpy(raw + 1, seed, 32);
    sodium_bin2base64(b64, sizeof b64, raw, 33, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, cap, "PRIVATE+KEY+%s+%08x+%s", name, (unsigned)independent_id(name, id_alg, pk),
             b64);
}

static void test_cosigner_generate(void)
{
    char kpath[1024], ppath[1024], text[1024], vtext[1024], again[1024];
    uint8_t raw[33];
    sp_signer_key sk;
    scratch_make("keyfile");
    CHECK_OK(sp_key_generate_typed("witness.example/w1", SP_KEY_ALG_COSIGNER, scratch_dir,
                                   kpath, ppath, sizeof kpath));
    CHECK(scratch_mode(kpath) == 0600 && scratch_mode(ppath) == 0644);
    size_t n = slurp(kpath, text, sizeof text);
    CHECK(n != (size_t)-1 && count_char(text, n, '\n') == 1 && text[n - 1] == '\n');
    CHECK(strncmp(text, "PRIVATE+KEY+witness.example/w1+", 31) == 0);
    CHECK(key_bytes(text, 4, raw) && raw[0] == 0x04);
    size_t vn = slurp(ppath, vtext, sizeof vtext);
    CHECK(vn != (size_t)-1 && count_char(vtext, vn, '\n') == 1);
    CHECK(strncmp(vtext, "witness.example/w1+", 19) == 0);
    CHECK(key_bytes(vtext, 2, raw) && raw[0] == 0x04);

    /* The signer key loads as a cosigner key and its ID follows the 0x04 rule. */
    CHECK_OK(sp_signer_key_load_typed(&sk, kpath, SP_KEY_ALG_COSIGNER));
    CHECK(sk.pub.alg == SP_KEY_ALG_COSIGNER);
    CHECK(memcmp(sk.pub.public_key, raw + 1, 32) == 0); /* .pub holds the same key */
    CHECK(sk.pub.key_id == independent_id("witness.example/w1", 0x04, raw + 1));
    CHECK(sk.pub.key_id != independent_id("witness.example/w1", 0x01, raw + 1));
    char hexid[16];
    snprintf(hexid, sizeof hexid, "+%08x+", (unsigned)sk.pub.key_id);
    CHECK(strstr(vtext, hexid) != NULL && strstr(text, hexid) != NULL);
    CHECK_OK(sp_signer_key_format(&sk, again, sizeof again));
    CHECK(strlen(again) + 1 == n && memcmp(again, text, n - 1) == 0);

    /* The verifier key loads as a cosigner vkey and is the signer key's public half. */
    sp_vkey vk;
    CHECK_OK(sp_vkey_load_typed(&vk, ppath, SP_KEY_ALG_COSIGNER));
    CHECK(vk.alg == SP_KEY_ALG_COSIGNER && vk.key_id == sk.pub.key_id);
    CHECK(memcmp(vk.public_key, sk.pub.public_key, 32) == 0);
    CHECK_ERR(sp_vkey_load(&vk, ppath), SP_ERR_KEY_ALGORITHM);
    sp_signer_key_wipe(&sk);

    /* Not as a statement-signer key, and a signer key not as a cosigner key. */
    CHECK_ERR(sp_signer_key_load(&sk, kpath), SP_ERR_KEY_ALGORITHM);
    CHECK(harness_all_zero(&sk, sizeof sk));
    CHECK_OK(sp_key_generate("signer.example", scratch_dir, kpath, NULL, sizeof kpath));
    CHECK_ERR(sp_signer_key_load_typed(&sk, kpath, SP_KEY_ALG_COSIGNER), SP_ERR_KEY_ALGORITHM);
    CHECK(harness_all_zero(&sk, sizeof sk));
    CHECK_OK(sp_signer_key_load_typed(&sk, kpath, SP_KEY_ALG_ED25519));
    CHECK(sk.pub.alg == SP_KEY_ALG_ED25519);
    sp_signer_key_wipe(&sk);

    /* Unknown types are refused before anything is written. */
    CHECK_ERR(sp_key_generate_typed("x", 0x02, scratch_dir, NULL, NULL, 0), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_signer_key_load_typed(&sk, kpath, 0x03), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_key_generate_typed("witness.example/w1", SP_KEY_ALG_COSIGNER, scratch_dir,
                                    NULL, NULL, 0), SP_ERR_EXISTS);
    CHECK(scratch_entries(NULL, 0) == 4);
    scratch_remove();
}

static void test_cosigner_parse(void)
{
    char text[512];
    uint8_t pk[32];
    sp_signer_key sk;

    /* An independently made cosigner key parses, with the 0x04 ID. */
    cosigner_text(text, sizeof text, "w.example", 0x31, 0x04, 0x04, pk);
    CHECK_OK(sp_signer_key_parse_typed(&sk, text, strlen(text), SP_KEY_ALG_COSIGNER));
    CHECK(memcmp(sk.pub.public_key, pk, 32) == 0 && sk.pub.alg == SP_KEY_ALG_COSIGNER);
    CHECK(sk.pub.key_id == independent_id("w.example", 0x04, pk));
    sp_signer_key_wipe(&sk);

    /* Type byte 0x04 but the ID computed with 0x01: names another key. */
    cosigner_text(text, sizeof text, "w.example", 0x31, 0x04, 0x01, pk);
    CHECK_ERR(sp_signer_key_parse_typed(&sk, text, strlen(text), SP_KEY_ALG_COSIGNER),
              SP_ERR_KEY_ID);
    CHECK(harness_all_zero(&sk, sizeof sk));
    /* Another type byte. */
    cosigner_text(text, sizeof text, "w.example", 0x31, 0x05, 0x04, pk);
    CHECK_ERR(sp_signer_key_parse_typed(&sk, text, strlen(text), SP_KEY_ALG_COSIGNER),
              SP_ERR_KEY_ALGORITHM);

    /* Malformed texts get the verifier's own codes, in its order. */
    static const struct {
        const char *text;
        sp_err want;
    } bad[] = {
        {"PRIVATE+KEY+x+00000000+BA==", SP_ERR_KEY_LENGTH},        /* 0x04, 1 byte */
        {"PRIVATE+KEY+x+00000000+AQ==", SP_ERR_KEY_ALGORITHM},     /* 0x01: type before length */
        {"PRIVATE+KEY+x+0000000+BA==", SP_ERR_KEY_FORMAT},         /* 7 hex digits */
        {"PRIVATE+KEY+a b+00000000+BA==", SP_ERR_KEY_NAME},
        {"PRIVATE+KEY+x+0000000g+BA==", SP_ERR_HEX},
        {"PRIVATE+KEY+x+00000000+BA=", SP_ERR_BASE64},
        {"PRIVATE+KEY+x+00000000", SP_ERR_KEY_FORMAT},
        {"PUBLIC+KEY+x+00000000+BA==", SP_ERR_KEY_NOT_PRIVATE},
        {"x+00000000+BA==", SP_ERR_KEY_NOT_PRIVATE},
        {"", SP_ERR_KEY_NOT_PRIVATE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&sk, 0xAA, sizeof sk);
        sp_err got = sp_signer_key_parse_typed(&sk, bad[i].text, strlen(bad[i].text),
                                               SP_KEY_ALG_COSIGNER);
        harness_saw(got);
        if (got != bad[i].want) {
            char msg[256];
            snprintf(msg, sizeof msg, "\"%s\": %s, expected %s", bad[i].text, sp_err_name(got),
                     sp_err_name(bad[i].want));
            harness_fail(__FILE__, __LINE__, msg);
        }
        CHECK(harness_all_zero(&sk, sizeof sk));
    }
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    RUN_TEST(test_stem_examples);
    RUN_TEST(test_stem_injective);
    RUN_TEST(test_generate_writes_two_files);
    RUN_TEST(test_generate_refuses_overwrite);
    RUN_TEST(test_generate_refuses_bad_names);
    RUN_TEST(test_signer_key_parse_fixture);
    RUN_TEST(test_signer_key_wrong_id);
    RUN_TEST(test_key_file_format);
    RUN_TEST(test_generated_key_formats_back);
    RUN_TEST(test_long_names);
    RUN_TEST(test_cosigner_generate);
    RUN_TEST(test_cosigner_parse);
    return harness_finish("host/keyfile");
}
