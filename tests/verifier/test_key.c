/*
 * test_key.c -- C2SP signed-note keys (softpause/key.h).
 *
 * Conformance vectors: tests/vectors/note/keys.txt, copied (data only) from Go's
 * golang.org/x/mod/sumdb/note note_test.go and example_test.go (golang.org/x/mod v0.7.0,
 * Debian package golang-golang-x-mod-dev).  The manglings (every proper substring, every
 * byte incremented) are the ones Go's TestNewVerifier/TestNewSigner apply; Go refuses all
 * of them and so must we.  Keys made by tests/support/fixture.c (libsodium, independent of
 * key.c) must parse.
 */
#include <sodium.h>

#include "harness.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/key.h"
#include "support/fixture.h"
#include "support/vectors.h"

#define VECTORS "tests/vectors/note/keys.txt"

/* Vector values, loaded from VECTORS (keys: "name value" lines). */
static char peter_vkey[256], peter_skey[256], enoch_vkey[256], enoch_skey[256];
static char bad_length_vkey[256], bad_alg_vkey[256];

static const sp_crypto *crypto;

static int failing_sha256(void *ctx, uint8_t out[32], const sp_bytes *parts, size_t n)
{
    (void)ctx;
    (void)parts;
    (void)n;
    memset(out, 0x55, 32); /* garbage: must not be used */
    return 1;
}

static void load_vectors(void)
{
    char line[512];
    FILE *f = vec_open(VECTORS);
    if (f == NULL) {
        printf("cannot open %s\n", VECTORS);
        exit(1);
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char key[64], val[256];
        if (line[0] == '#' || sscanf(line, "%63s %255s", key, val) != 2)
            continue;
        if (strcmp(key, "peter.vkey") == 0)
            strcpy(peter_vkey, val);
        else if (strcmp(key, "peter.skey") == 0)
            strcpy(peter_skey, val);
        else if (strcmp(key, "enoch.vkey") == 0)
            strcpy(enoch_vkey, val);
        else if (strcmp(key, "enoch.skey") == 0)
            strcpy(enoch_skey, val);
        else if (strcmp(key, "bad.length.vkey") == 0)
            strcpy(bad_length_vkey, val);
        else if (strcmp(key, "bad.alg.vkey") == 0)
            strcpy(bad_alg_vkey, val);
    }
    fclose(f);
    if (!peter_vkey[0] || !peter_skey[0] || !enoch_vkey[0] || !enoch_skey[0] ||
        !bad_length_vkey[0] || !bad_alg_vkey[0]) {
        printf("incomplete vectors in %s\n", VECTORS);
        exit(1);
    }
}

/* What the host's key-file loader does: syntax, then derive the public key, then the ID. */
static sp_err skey_full_check(const char *text, size_t len, uint8_t pk_out[32])
{
    sp_skey_fields f;
    uint8_t pk[32], sk[64];
    uint32_t id;
    sp_err e = sp_skey_parse_fields(&f, text, len);
    if (e != SP_OK)
        return e;
    crypto_sign_seed_keypair(pk, sk, f.seed);
    e = sp_key_id(&id, f.name, f.name_len, pk, crypto);
    if (e == SP_OK && id != f.key_id)
        e = SP_ERR_KEY_ID;
    if (e == SP_OK && pk_out != NULL)
        memcpy(pk_out, pk, 32);
    return e;
}

static void test_go_vectors_parse(void)
{
    sp_vkey k;
    sp_skey_fields f;
    uint8_t pk[32];
    CHECK_OK(sp_vkey_parse(&k, peter_vkey, strlen(peter_vkey), crypto));
    CHECK(strcmp(k.name, "PeterNeumann") == 0 && k.name_len == 12);
    CHECK(k.key_id == 0xc74f20a3u);
    CHECK_OK(sp_vkey_parse(&k, enoch_vkey, strlen(enoch_vkey), crypto));
    CHECK(strcmp(k.name, "EnochRoot") == 0 && k.key_id == 0xaf0cfe78u);

    CHECK_OK(sp_skey_parse_fields(&f, peter_skey, strlen(peter_skey)));
    CHECK(strcmp(f.name, "PeterNeumann") == 0 && f.key_id == 0xc74f20a3u);
    CHECK_OK(skey_full_check(peter_skey, strlen(peter_skey), pk));
    CHECK_OK(sp_vkey_parse(&k, peter_vkey, strlen(peter_vkey), crypto));
    CHECK(memcmp(pk, k.public_key, 32) == 0); /* signer and verifier key belong together */

    /* example_test.go: GenerateKey with an all-zero reader gives seed 0^32 for EnochRoot. */
    CHECK_OK(sp_skey_parse_fields(&f, enoch_skey, strlen(enoch_skey)));
    CHECK(harness_all_zero(f.seed, 32));
    CHECK_OK(skey_full_check(enoch_skey, strlen(enoch_skey), pk));
    CHECK_OK(sp_vkey_parse(&k, enoch_vkey, strlen(enoch_vkey), crypto));
    CHECK(memcmp(pk, k.public_key, 32) == 0);
}

static void test_go_bad_vectors(void)
{
    sp_vkey k;
    /* note_test.go: "wrong length key, with adjusted key hash" -- its base64 also has
     * non-zero pad bits, so our strict decoder refuses it first. */
    CHECK_ERR(sp_vkey_parse(&k, bad_length_vkey, strlen(bad_length_vkey), crypto),
              SP_ERR_BASE64);
    /* note_test.go: "unknown algorithm, with adjusted key hash". */
    CHECK_ERR(sp_vkey_parse(&k, bad_alg_vkey, strlen(bad_alg_vkey), crypto),
              SP_ERR_KEY_ALGORITHM);
    CHECK(harness_all_zero(&k, sizeof k));
}

/* Go's TestNewVerifier/TestNewSigner manglings: every proper substring, every byte + 1. */
static void test_go_manglings_refused(void)
{
    const char *keys[2] = {peter_vkey, peter_skey};
    for (int which = 0; which < 2; which++) {
        char b[256];
        size_t len = strlen(keys[which]);
        int accepted = 0;
        memcpy(b, keys[which], len + 1);
        for (size_t i = 0; i <= len; i++) {
            for (size_t j = i + 1; j <= len; j++) {
                sp_vkey k;
                if (i == 0 && j == len)
                    continue;
                if (which == 0)
                    accepted += sp_vkey_parse(&k, b + i, j - i, crypto) == SP_OK;
                else
                    accepted += skey_full_check(b + i, j - i, NULL) == SP_OK;
            }
        }
        for (size_t i = 0; i < len; i++) {
            sp_vkey k;
            b[i]++;
            if (which == 0)
                accepted += sp_vkey_parse(&k, b, len, crypto) == SP_OK;
            else
                accepted += skey_full_check(b, len, NULL) == SP_OK;
            b[i]--;
        }
        CHECK(accepted == 0);
    }
}

/* Every prefix fails cleanly (and zeroes the output); every single-byte substitution is
 * refused unless it only changes the case of a key-ID hex digit (Go's ParseUint accepts
 * either case), in which case the same key results. */
static void test_prefixes_and_substitutions(void)
{
    sp_vkey ref, k;
    size_t len = strlen(peter_vkey);
    char b[256];
    CHECK_OK(sp_vkey_parse(&ref, peter_vkey, len, crypto));
    for (size_t n = 0; n < len; n++) {
        memset(&k, 0xAA, sizeof k);
        CHECK(sp_vkey_parse(&k, peter_vkey, n, crypto) != SP_OK);
        CHECK(harness_all_zero(&k, sizeof k));
    }
    memcpy(b, peter_vkey, len + 1);
    for (size_t i = 0; i < len; i++) {
        for (int c = 0; c < 256; c++) {
            sp_err e;
            if (c == (uint8_t)peter_vkey[i])
                continue;
            b[i] = (char)c;
            e = sp_vkey_parse(&k, b, len, crypto);
            if (e == SP_OK) {
                int hex_case = i >= 13 && i < 21 && (c ^ 0x20) == (uint8_t)peter_vkey[i];
                CHECK(hex_case && memcmp(&k, &ref, sizeof k) == 0);
            } else {
                CHECK(harness_all_zero(&k, sizeof k));
            }
        }
        b[i] = peter_vkey[i];
    }
    /* The same for the signer key's syntax: prefixes never parse. */
    for (size_t n = 0; n < strlen(peter_skey); n++) {
        sp_skey_fields f;
        memset(&f, 0xAA, sizeof f);
        CHECK(sp_skey_parse_fields(&f, peter_skey, n) != SP_OK);
        CHECK(harness_all_zero(&f, sizeof f));
    }
}

static void test_fixture_keys_parse_and_format(void)
{
    static const char *const names[] = {"a", "example.com/log", "body-\xC3\xA9t\xC3\xA9",
                                        "x\xF0\x9F\x94\x91", "PeterNeumann"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        fx_key fk;
        sp_vkey k;
        sp_skey_fields f;
        uint32_t id;
        char out[SP_MAX_VKEY_TEXT];
        size_t n;
        fx_key_make(&fk, names[i], (uint8_t)(i + 1));
        CHECK_OK(sp_vkey_parse(&k, fk.vkey, strlen(fk.vkey), crypto));
        CHECK(k.key_id == fk.id && memcmp(k.public_key, fk.pk, 32) == 0);
        CHECK(k.name_len == strlen(names[i]) && strcmp(k.name, names[i]) == 0);
        CHECK_OK(sp_key_id(&id, names[i], strlen(names[i]), fk.pk, crypto));
        CHECK(id == fk.id);
        CHECK_OK(sp_vkey_format(&k, out, sizeof out, &n));
        CHECK(n == strlen(fk.vkey) && memcmp(out, fk.vkey, n) == 0);
        CHECK_OK(sp_skey_parse_fields(&f, fk.skey, strlen(fk.skey)));
        CHECK(f.key_id == fk.id && memcmp(f.seed, fk.seed, 32) == 0);
        CHECK_OK(skey_full_check(fk.skey, strlen(fk.skey), NULL));
    }
    /* Upper-case key ID is accepted (strconv.ParseUint base 16) and formats back lower. */
    {
        fx_key fk;
        sp_vkey k;
        char up[256], out[SP_MAX_VKEY_TEXT];
        size_t n, nl;
        fx_key_make(&fk, "upper", 9);
        strcpy(up, fk.vkey);
        nl = strlen("upper");
        for (size_t i = nl + 1; i < nl + 9; i++)
            if (up[i] >= 'a' && up[i] <= 'f')
                up[i] = (char)(up[i] - 32);
        CHECK_OK(sp_vkey_parse(&k, up, strlen(up), crypto));
        CHECK(k.key_id == fk.id);
        CHECK_OK(sp_vkey_format(&k, out, sizeof out, &n));
        CHECK(n == strlen(fk.vkey) && memcmp(out, fk.vkey, n) == 0);
    }
}

static void test_key_name_rules(void)
{
    char name[200];
    CHECK_OK(sp_key_name_check("sum.golang.org", 14));
    CHECK_ERR(sp_key_name_check("", 0), SP_ERR_KEY_NAME);
    CHECK_ERR(sp_key_name_check("a+b", 3), SP_ERR_KEY_NAME);
    CHECK_ERR(sp_key_name_check("a b", 3), SP_ERR_KEY_NAME);
    CHECK_ERR(sp_key_name_check("a\xE2\x80\x83" "b", 5), SP_ERR_KEY_NAME); /* U+2003 */
    CHECK_ERR(sp_key_name_check("a\x85", 2), SP_ERR_KEY_NAME);               /* bad UTF-8 */
    CHECK_ERR(sp_key_name_check("a\xC2\x85", 3), SP_ERR_KEY_NAME);           /* U+0085 */
    CHECK_ERR(sp_key_name_check("a\0b", 3), SP_ERR_KEY_NAME);
    memset(name, 'n', sizeof name);
    CHECK_OK(sp_key_name_check(name, SP_MAX_NAME_BYTES));
    CHECK_ERR(sp_key_name_check(name, SP_MAX_NAME_BYTES + 1), SP_ERR_KEY_NAME);
    CHECK_ERR(sp_key_name_check(NULL, 1), SP_ERR_ARGUMENT);
}

/* One crafted key per error code, in the order key.c checks. */
static void test_vkey_errors(void)
{
    fx_key fk;
    sp_vkey k;
    char t[512];
    uint8_t raw[40];
    char b64[80];
    size_t n;
    uint32_t id;
    fx_key_make(&fk, "errs", 3);

    CHECK_ERR(sp_vkey_parse(&k, "errs", 4, crypto), SP_ERR_KEY_FORMAT);          /* no '+' */
    CHECK_ERR(sp_vkey_parse(&k, "errs+12345678", 13, crypto), SP_ERR_KEY_FORMAT); /* one '+' */
    CHECK_ERR(sp_vkey_parse(&k, "errs+1234567+AQ==", 17, crypto), SP_ERR_KEY_FORMAT);
    CHECK_ERR(sp_vkey_parse(&k, "errs+123456789+AQ==", 19, crypto), SP_ERR_KEY_FORMAT);
    CHECK_ERR(sp_vkey_parse(&k, "errs+12345678+", 14, crypto), SP_ERR_KEY_FORMAT); /* empty key */
    CHECK_ERR(sp_vkey_parse(&k, "+12345678+AQ==", 14, crypto), SP_ERR_KEY_NAME);
    CHECK_ERR(sp_vkey_parse(&k, "a b+12345678+AQ==", 17, crypto), SP_ERR_KEY_NAME);
    CHECK_ERR(sp_vkey_parse(&k, "errs+1234567g+AQ==", 18, crypto), SP_ERR_HEX);
    CHECK_ERR(sp_vkey_parse(&k, "errs+-1234567+AQ==", 18, crypto), SP_ERR_HEX);
    CHECK_ERR(sp_vkey_parse(&k, "errs+12345678+AQ=", 17, crypto), SP_ERR_BASE64);
    CHECK_ERR(sp_vkey_parse(&k, "errs+12345678+AR==", 18, crypto), SP_ERR_BASE64);
    CHECK_ERR(sp_vkey_parse(&k, "errs+12345678+Ag==", 18, crypto), SP_ERR_KEY_ALGORITHM);
    CHECK_ERR(sp_vkey_parse(&k, "errs+12345678+AQ==", 18, crypto), SP_ERR_KEY_LENGTH);
    /* 0x01 || 31 bytes and 0x01 || 33 bytes, with a correct-looking ID. */
    raw[0] = 1;
    memcpy(raw + 1, fk.pk, 32);
    raw[33] = 0;
    sodium_bin2base64(b64, sizeof b64, raw, 32, sodium_base64_VARIANT_ORIGINAL);
    snprintf(t, sizeof t, "errs+%08x+%s", (unsigned)fk.id, b64);
    CHECK_ERR(sp_vkey_parse(&k, t, strlen(t), crypto), SP_ERR_KEY_LENGTH);
    sodium_bin2base64(b64, sizeof b64, raw, 34, sodium_base64_VARIANT_ORIGINAL);
    snprintf(t, sizeof t, "errs+%08x+%s", (unsigned)fk.id, b64);
    CHECK_ERR(sp_vkey_parse(&k, t, strlen(t), crypto), SP_ERR_KEY_LENGTH);
    /* Right shape, wrong ID. */
    snprintf(t, sizeof t, "errs+%08x+%s", (unsigned)(fk.id ^ 1), fk.vkey + 5 + 9);
    CHECK_ERR(sp_vkey_parse(&k, t, strlen(t), crypto), SP_ERR_KEY_ID);
    /* Same key under another name: the ID binds the name. */
    snprintf(t, sizeof t, "errz%s", fk.vkey + 4);
    CHECK_ERR(sp_vkey_parse(&k, t, strlen(t), crypto), SP_ERR_KEY_ID);
    CHECK(harness_all_zero(&k, sizeof k));
    /* Too long to be any key. */
    memset(t, 'a', sizeof t);
    CHECK_ERR(sp_vkey_parse(&k, t, SP_MAX_VKEY_TEXT + 1, crypto), SP_ERR_KEY_FORMAT);
    /* Arguments. */
    CHECK_ERR(sp_vkey_parse(NULL, fk.vkey, strlen(fk.vkey), crypto), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_vkey_parse(&k, NULL, 5, crypto), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_vkey_parse(&k, fk.vkey, strlen(fk.vkey), NULL), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_vkey_parse(&k, "", 0, crypto), SP_ERR_KEY_FORMAT);
    /* A crypto backend whose SHA-256 fails: fail closed. */
    {
        sp_crypto bad = *crypto;
        bad.sha256 = failing_sha256;
        CHECK_ERR(sp_vkey_parse(&k, fk.vkey, strlen(fk.vkey), &bad), SP_ERR_CRYPTO);
        CHECK(harness_all_zero(&k, sizeof k));
        id = 7;
        CHECK_ERR(sp_key_id(&id, "errs", 4, fk.pk, &bad), SP_ERR_CRYPTO);
        CHECK(id == 0);
        bad.sha256 = NULL;
        CHECK_ERR(sp_key_id(&id, "errs", 4, fk.pk, &bad), SP_ERR_ARGUMENT);
    }
    CHECK_ERR(sp_key_id(NULL, "errs", 4, fk.pk, crypto), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_key_id(&id, "errs", 4, NULL, crypto), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_key_id(&id, "a+b", 3, fk.pk, crypto), SP_ERR_KEY_NAME);
    (void)n;
}

static void test_vkey_format_errors(void)
{
    sp_vkey k;
    char out[SP_MAX_VKEY_TEXT];
    size_t n = 5;
    CHECK_OK(sp_vkey_parse(&k, peter_vkey, strlen(peter_vkey), crypto));
    CHECK_OK(sp_vkey_format(&k, out, sizeof out, &n));
    CHECK(n == strlen(peter_vkey) && memcmp(out, peter_vkey, n) == 0);
    CHECK_ERR(sp_vkey_format(&k, out, n - 1, &n), SP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 0 && out[0] == 0);
    CHECK_ERR(sp_vkey_format(NULL, out, sizeof out, &n), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_vkey_format(&k, out, sizeof out, NULL), SP_ERR_ARGUMENT);
    k.name_len = SP_MAX_NAME_BYTES + 1;
    CHECK_ERR(sp_vkey_format(&k, out, sizeof out, &n), SP_ERR_KEY_NAME);
    k.name_len = 0;
    CHECK_ERR(sp_vkey_format(&k, out, sizeof out, &n), SP_ERR_KEY_NAME);
}

static void test_skey_errors(void)
{
    sp_skey_fields f;
    const char *body = peter_skey + 12; /* after "PRIVATE+KEY+" */
    char t[400];
    CHECK_ERR(sp_skey_parse_fields(&f, peter_vkey, strlen(peter_vkey)), SP_ERR_KEY_NOT_PRIVATE);
    snprintf(t, sizeof t, "private+KEY+%s", body);
    CHECK_ERR(sp_skey_parse_fields(&f, t, strlen(t)), SP_ERR_KEY_NOT_PRIVATE);
    snprintf(t, sizeof t, "PRIVATE+KEYS+%s", body);
    CHECK_ERR(sp_skey_parse_fields(&f, t, strlen(t)), SP_ERR_KEY_NOT_PRIVATE);
    CHECK_ERR(sp_skey_parse_fields(&f, "PRIVATE", 7), SP_ERR_KEY_NOT_PRIVATE);
    CHECK_ERR(sp_skey_parse_fields(&f, "PRIVATE+KEY", 11), SP_ERR_KEY_FORMAT);
    CHECK_ERR(sp_skey_parse_fields(&f, "PRIVATE+KEY+", 12), SP_ERR_KEY_FORMAT);
    CHECK_ERR(sp_skey_parse_fields(&f, "PRIVATE+KEY+n+12345678", 22), SP_ERR_KEY_FORMAT);
    CHECK_ERR(sp_skey_parse_fields(&f, "PRIVATE+KEY++12345678+AQ==", 26), SP_ERR_KEY_NAME);
    CHECK_ERR(sp_skey_parse_fields(&f, "PRIVATE+KEY+n+1234567x+AQ==", 27), SP_ERR_HEX);
    CHECK_ERR(sp_skey_parse_fields(&f, "PRIVATE+KEY+n+12345678+AQ=", 26), SP_ERR_BASE64);
    CHECK_ERR(sp_skey_parse_fields(&f, "PRIVATE+KEY+n+12345678+Ag==", 27), SP_ERR_KEY_ALGORITHM);
    CHECK_ERR(sp_skey_parse_fields(&f, "PRIVATE+KEY+n+12345678+AQ==", 27), SP_ERR_KEY_LENGTH);
    CHECK(harness_all_zero(&f, sizeof f));
    /* A seed whose ID does not match: syntax passes, the host's derivation check fails. */
    snprintf(t, sizeof t, "%s", peter_skey);
    t[26] = t[26] == '0' ? '1' : '0'; /* a key-ID digit */
    CHECK_OK(sp_skey_parse_fields(&f, t, strlen(t)));
    CHECK_ERR(skey_full_check(t, strlen(t), NULL), SP_ERR_KEY_ID);
    memset(t, 'a', sizeof t);
    CHECK_ERR(sp_skey_parse_fields(&f, t, SP_MAX_SKEY_TEXT + 1), SP_ERR_KEY_FORMAT);
    CHECK_ERR(sp_skey_parse_fields(NULL, peter_skey, strlen(peter_skey)), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_skey_parse_fields(&f, NULL, 3), SP_ERR_ARGUMENT);
}

/* Typed vkeys: cosigner keys (type 0x04, C2SP tlog-cosignature) beside note keys (0x01). */
static void test_typed_keys(void)
{
    fx_key k;
    char cos[256], out[256];
    sp_vkey v;
    uint32_t id = 0;
    size_t n = 0;

    fx_key_make(&k, "witness.example", 9);
    fx_cosigner_vkey(&k, cos, sizeof cos);
    CHECK_OK(sp_vkey_parse_typed(&v, cos, strlen(cos), SP_KEY_ALG_COSIGNER, crypto));
    CHECK(v.alg == SP_KEY_ALG_COSIGNER && v.key_id == fx_key_id_typed(k.name, 4, k.pk));
    CHECK(v.key_id != k.id); /* the type byte is part of the ID */
    CHECK_OK(sp_key_id_typed(&id, k.name, strlen(k.name), SP_KEY_ALG_COSIGNER, k.pk, crypto));
    CHECK(id == v.key_id);
    CHECK_OK(sp_vkey_format(&v, out, sizeof out, &n));
    CHECK(n == strlen(cos) && memcmp(out, cos, n) == 0);
    /* Each type refuses the other, and unknown types are refused everywhere. */
    CHECK_ERR(sp_vkey_parse(&v, cos, strlen(cos), crypto), SP_ERR_KEY_ALGORITHM);
    CHECK(harness_all_zero(&v, sizeof v));
    CHECK_ERR(sp_vkey_parse_typed(&v, k.vkey, strlen(k.vkey), SP_KEY_ALG_COSIGNER, crypto),
              SP_ERR_KEY_ALGORITHM);
    CHECK_ERR(sp_vkey_parse_typed(&v, k.vkey, strlen(k.vkey), 0x02, crypto),
              SP_ERR_KEY_ALGORITHM);
    CHECK_ERR(sp_key_id_typed(&id, k.name, strlen(k.name), 0x00, k.pk, crypto),
              SP_ERR_KEY_ALGORITHM);
    CHECK(id == 0);
    /* sp_vkey_parse sets 0x01; a struct with alg 0 formats as 0x01; others are refused. */
    CHECK_OK(sp_vkey_parse(&v, k.vkey, strlen(k.vkey), crypto));
    CHECK(v.alg == SP_KEY_ALG_ED25519 && v.key_id == k.id);
    v.alg = 0;
    CHECK_OK(sp_vkey_format(&v, out, sizeof out, &n));
    CHECK(n == strlen(k.vkey) && memcmp(out, k.vkey, n) == 0);
    v.alg = 0x07;
    CHECK_ERR(sp_vkey_format(&v, out, sizeof out, &n), SP_ERR_KEY_ALGORITHM);
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    crypto = sp_sodium_crypto();
    load_vectors();
    RUN_TEST(test_go_vectors_parse);
    RUN_TEST(test_go_bad_vectors);
    RUN_TEST(test_go_manglings_refused);
    RUN_TEST(test_prefixes_and_substitutions);
    RUN_TEST(test_fixture_keys_parse_and_format);
    RUN_TEST(test_key_name_rules);
    RUN_TEST(test_vkey_errors);
    RUN_TEST(test_vkey_format_errors);
    RUN_TEST(test_skey_errors);
    RUN_TEST(test_typed_keys);
    return harness_finish("key");
}
