/*
 * cnote.c -- the C half of the signed-note differential test (tests/interop/run.sh).
 * Host code: uses the public verifier API (softpause/key.h, note.h) for everything it
 * checks, and libsodium only to derive keys from seeds and to sign.
 *
 *   cnote keygen DIR   write DIR/c.keys: "skey vkey" lines, formatted by the C library
 *   cnote check DIR    parse every key in DIR/go.keys and DIR/c.keys (verifier keys with
 *                      sp_vkey_parse; signer keys with sp_skey_parse_fields, seed -> public
 *                      key with libsodium, sp_key_id), then sign DIR/c-signed.note with all
 *   cnote open DIR     open DIR/go-signed.note against all verifier keys; all must verify
 *   cnote cases DIR    for each case in DIR/cases.bin print "ACCEPT name+id,..." or
 *                      "REJECT SP_ERR_..."
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/encoding.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/key.h"
#include "softpause/note.h"

#define MAX_KEYS 16

typedef struct pair {
    char skey[512], vkey[512];
    sp_vkey v;
    uint8_t sk[64];
} pair;

static const sp_crypto *crypto;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "cnote: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void path_of(char *out, size_t cap, const char *dir, const char *file)
{
    if ((size_t)snprintf(out, cap, "%s/%s", dir, file) >= cap)
        die("path too long", file);
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    if (f == NULL)
        die("cannot open", path);
    n = fread(buf, 1, cap, f);
    if (fgetc(f) != EOF)
        die("file too large", path);
    fclose(f);
    return n;
}

/* Read "skey vkey" lines; check both with the library; derive the signing key. */
static size_t load_pairs(const char *path, pair *out, size_t have)
{
    char line[1100];
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die("cannot open", path);
    while (fgets(line, sizeof line, f) != NULL && have < MAX_KEYS) {
        pair *p = &out[have];
        sp_skey_fields sf;
        uint8_t pk[32];
        uint32_t id;
        sp_err e;
        if (sscanf(line, "%511s %511s", p->skey, p->vkey) != 2)
            continue;
        e = sp_vkey_parse(&p->v, p->vkey, strlen(p->vkey), crypto);
        if (e != SP_OK)
            die("verifier key does not parse", sp_err_name(e));
        e = sp_skey_parse_fields(&sf, p->skey, strlen(p->skey));
        if (e != SP_OK)
            die("signer key does not parse", sp_err_name(e));
        crypto_sign_seed_keypair(pk, p->sk, sf.seed);
        sodium_memzero(sf.seed, sizeof sf.seed);
        e = sp_key_id(&id, sf.name, sf.name_len, pk, crypto);
        if (e != SP_OK || id != sf.key_id)
            die("signer key ID does not match its derived public key", p->skey);
        if (memcmp(pk, p->v.public_key, 32) != 0 || strcmp(sf.name, p->v.name) != 0 ||
            sf.key_id != p->v.key_id)
            die("signer and verifier key do not belong together", p->vkey);
        have++;
    }
    fclose(f);
    return have;
}

static void keygen(const char *dir)
{
    static const char *const names[] = {"c.example/body-a", "c.example/b\xC3\xA9" "body"};
    char path[4096];
    FILE *f;
    path_of(path, sizeof path, dir, "c.keys");
    f = fopen(path, "w");
    if (f == NULL)
        die("cannot write", path);
    for (int i = 0; i < 2; i++) {
        sp_vkey v;
        uint8_t seed[33], pk[32], sk[64];
        char vtext[SP_MAX_VKEY_TEXT], b64[64], hex[8];
        size_t vn, bn;
        memset(&v, 0, sizeof v);
        seed[0] = SP_KEY_ALG_ED25519;
        for (int j = 0; j < 32; j++)
            seed[1 + j] = (uint8_t)(0x5A ^ (i * 31 + j * 7));
        crypto_sign_seed_keypair(pk, sk, seed + 1);
        v.name_len = strlen(names[i]);
        memcpy(v.name, names[i], v.name_len);
        memcpy(v.public_key, pk, 32);
        if (sp_key_id(&v.key_id, v.name, v.name_len, pk, crypto) != SP_OK ||
            sp_vkey_format(&v, vtext, sizeof vtext, &vn) != SP_OK)
            die("cannot format a key", names[i]);
        {
            uint8_t idb[4] = {(uint8_t)(v.key_id >> 24), (uint8_t)(v.key_id >> 16),
                              (uint8_t)(v.key_id >> 8), (uint8_t)v.key_id};
            if (sp_hex_encode(hex, sizeof hex, idb, 4) != SP_OK ||
                sp_base64_encode(b64, sizeof b64, &bn, seed, sizeof seed) != SP_OK)
                die("cannot encode a signer key", names[i]);
        }
        fprintf(f, "PRIVATE+KEY+%s+%.8s+%.*s %.*s\n", names[i], hex, (int)bn, b64, (int)vn, vtext);
        sodium_memzero(seed, sizeof seed);
        sodium_memzero(sk, sizeof sk);
    }
    fclose(f);
}

static size_t load_all(const char *dir, pair *keys)
{
    char path[4096];
    size_t n;
    path_of(path, sizeof path, dir, "go.keys");
    n = load_pairs(path, keys, 0);
    path_of(path, sizeof path, dir, "c.keys");
    return load_pairs(path, keys, n);
}

static void check(const char *dir)
{
    static pair keys[MAX_KEYS];
    static const char text[] = "signed by C\nfor the Go verifier\n";
    char path[4096];
    size_t n = load_all(dir, keys);
    FILE *f;
    if (sp_note_text_check((const uint8_t *)text, strlen(text), NULL) != SP_OK)
        die("text check failed", NULL);
    path_of(path, sizeof path, dir, "c-signed.note");
    f = fopen(path, "wb");
    if (f == NULL)
        die("cannot write", path);
    fprintf(f, "%s\n", text);
    for (size_t i = 0; i < n; i++) {
        uint8_t payload[68];
        char b64[128];
        size_t bn;
        payload[0] = (uint8_t)(keys[i].v.key_id >> 24);
        payload[1] = (uint8_t)(keys[i].v.key_id >> 16);
        payload[2] = (uint8_t)(keys[i].v.key_id >> 8);
        payload[3] = (uint8_t)keys[i].v.key_id;
        crypto_sign_detached(payload + 4, NULL, (const uint8_t *)text, strlen(text), keys[i].sk);
        if (sp_base64_encode(b64, sizeof b64, &bn, payload, sizeof payload) != SP_OK)
            die("base64", NULL);
        fprintf(f, "\xE2\x80\x94 %s %.*s\n", keys[i].v.name, (int)bn, b64);
    }
    fclose(f);
    printf("c: %zu keys parse (%zu made by Go's note.GenerateKey)\n", n, n - 2);
}

static void open_go(const char *dir)
{
    static pair keys[MAX_KEYS];
    static sp_vkey vk[MAX_KEYS];
    static uint8_t buf[SP_MAX_NOTE_BYTES + 1];
    char path[4096];
    sp_note note;
    sp_note_open_result res;
    size_t n = load_all(dir, keys), len;
    sp_err e;
    for (size_t i = 0; i < n; i++)
        vk[i] = keys[i].v;
    path_of(path, sizeof path, dir, "go-signed.note");
    len = read_file(path, buf, sizeof buf);
    e = sp_note_parse(&note, buf, len, NULL);
    if (e == SP_OK)
        e = sp_note_open(&note, vk, n, crypto, &res);
    if (e != SP_OK)
        die("cannot open the note Go signed", sp_err_name(e));
    if (res.verified_count != n)
        die("not every Go signature verified", NULL);
    printf("c: %u signatures from Go's note.Sign verify\n", res.verified_count);
}

static uint32_t get_u32(FILE *f, int *eof)
{
    uint8_t b[4];
    size_t got = fread(b, 1, 4, f);
    if (got == 0) {
        *eof = 1;
        return 0;
    }
    if (got != 4)
        die("truncated cases file", NULL);
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void cases(const char *dir)
{
    static uint8_t msg[1 << 20];
    static sp_note note;
    char path[4096];
    FILE *f;
    path_of(path, sizeof path, dir, "cases.bin");
    f = fopen(path, "rb");
    if (f == NULL)
        die("cannot open", path);
    for (;;) {
        sp_vkey keys[MAX_KEYS];
        sp_note_open_result res;
        int eof = 0;
        uint32_t nk = get_u32(f, &eof), len;
        sp_err e;
        if (eof)
            break;
        if (nk > MAX_KEYS)
            die("too many keys in a case", NULL);
        for (uint32_t i = 0; i < nk; i++) {
            char k[600];
            uint32_t kl = get_u32(f, &eof);
            if (eof || kl >= sizeof k || fread(k, 1, kl, f) != kl)
                die("bad key in cases file", NULL);
            e = sp_vkey_parse(&keys[i], k, kl, crypto);
            if (e != SP_OK)
                die("case key does not parse", sp_err_name(e));
        }
        len = get_u32(f, &eof);
        if (eof || len > sizeof msg || fread(msg, 1, len, f) != len)
            die("bad note in cases file", NULL);
        e = sp_note_parse(&note, msg, len, NULL);
        if (e == SP_OK)
            e = sp_note_open(&note, keys, nk, crypto, &res);
        if (e != SP_OK) {
            printf("REJECT %s\n", sp_err_name(e));
            continue;
        }
        printf("ACCEPT");
        for (uint32_t i = 0, first = 1; i < note.sig_count; i++) {
            const sp_note_sig *s = &note.sigs[i];
            if (res.line_status[i] != SP_LINE_VERIFIED)
                continue;
            printf("%s%.*s+%08x", first ? " " : ",", (int)s->name_len,
                   (const char *)msg + s->name_offset, (unsigned)s->key_id);
            first = 0;
        }
        printf("\n");
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        die("usage: cnote keygen|check|open|cases DIR", NULL);
    if (sp_sodium_init() != SP_OK)
        die("libsodium", NULL);
    crypto = sp_sodium_crypto();
    if (strcmp(argv[1], "keygen") == 0)
        keygen(argv[2]);
    else if (strcmp(argv[1], "check") == 0)
        check(argv[2]);
    else if (strcmp(argv[1], "open") == 0)
        open_go(argv[2]);
    else if (strcmp(argv[1], "cases") == 0)
        cases(argv[2]);
    else
        die("unknown command", argv[1]);
    return 0;
}
