/*
 * fixture.c -- see fixture.h.  Independent of the library's own encoders: base64 here is
 * libsodium's sodium_bin2base64, hashing is crypto_hash_sha256.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture.h"

static void fx_die(const char *what)
{
    fprintf(stderr, "fixture: %s\n", what);
    abort();
}

uint32_t fx_key_id(const char *name, const uint8_t pk[32])
{
    return fx_key_id_typed(name, 1, pk);
}

uint32_t fx_key_id_typed(const char *name, uint8_t alg, const uint8_t pk[32])
{
    crypto_hash_sha256_state st;
    uint8_t h[32], nl = '\n';
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
    crypto_hash_sha256_update(&st, &nl, 1);
    crypto_hash_sha256_update(&st, &alg, 1);
    crypto_hash_sha256_update(&st, pk, 32);
    crypto_hash_sha256_final(&st, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

void fx_key_make(fx_key *k, const char *name, uint8_t seed_byte)
{
    uint8_t buf[33];
    char b64[64];
    if (sodium_init() < 0)
        fx_die("sodium_init");
    memset(k, 0, sizeof *k);
    if (strlen(name) >= sizeof k->name)
        fx_die("name too long");
    strcpy(k->name, name);
    memset(k->seed, seed_byte, 32);
    crypto_sign_seed_keypair(k->pk, k->sk, k->seed);
    k->id = fx_key_id(name, k->pk);
    buf[0] = 1;
    memcpy(buf + 1, k->pk, 32);
    sodium_bin2base64(b64, sizeof b64, buf, 33, sodium_base64_VARIANT_ORIGINAL);
    snprintf(k->vkey, sizeof k->vkey, "%s+%08x+%s", name, (unsigned)k->id, b64);
    memcpy(buf + 1, k->seed, 32);
    sodium_bin2base64(b64, sizeof b64, buf, 33, sodium_base64_VARIANT_ORIGINAL);
    snprintf(k->skey, sizeof k->skey, "PRIVATE+KEY+%s+%08x+%s", name, (unsigned)k->id, b64);
}

size_t fx_sign_line_as(const fx_key *k, const char *name, uint32_t id, const void *text,
                       size_t len, char *out, size_t cap)
{
    uint8_t payload[68];
    char b64[128];
    payload[0] = (uint8_t)(id >> 24);
    payload[1] = (uint8_t)(id >> 16);
    payload[2] = (uint8_t)(id >> 8);
    payload[3] = (uint8_t)id;
    crypto_sign_detached(payload + 4, NULL, text, len, k->sk);
    sodium_bin2base64(b64, sizeof b64, payload, sizeof payload, sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(out, cap, "\xE2\x80\x94 %s %s\n", name, b64);
    if (n < 0 || (size_t)n >= cap)
        fx_die("signature line does not fit");
    return (size_t)n;
}

size_t fx_sign_line(const fx_key *k, const void *text, size_t len, char *out, size_t cap)
{
    return fx_sign_line_as(k, k->name, k->id, text, len, out, cap);
}

size_t fx_note(char *out, size_t cap, const char *text, const fx_key *const *keys, size_t n)
{
    size_t tl = strlen(text), pos;
    if (tl + 2 > cap)
        fx_die("note does not fit");
    memcpy(out, text, tl);
    out[tl] = '\n';
    pos = tl + 1;
    for (size_t i = 0; i < n; i++)
        pos += fx_sign_line(keys[i], text, tl, out + pos, cap - pos);
    if (pos >= cap)
        fx_die("note does not fit");
    out[pos] = '\0';
    return pos;
}

void fx_cosigner_vkey(const fx_key *k, char *out, size_t cap)
{
    uint8_t buf[33];
    char b64[64];
    int n;
    buf[0] = 4;
    memcpy(buf + 1, k->pk, 32);
    sodium_bin2base64(b64, sizeof b64, buf, 33, sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(out, cap, "%s+%08x+%s", k->name, (unsigned)fx_key_id_typed(k->name, 4, k->pk),
                 b64);
    if (n < 0 || (size_t)n >= cap)
        fx_die("cosigner vkey does not fit");
}

size_t fx_cosign_line_as(const fx_key *k, const char *name, uint32_t id, uint64_t time,
                         const void *text, size_t len, char *out, size_t cap)
{
    uint8_t payload[4 + 8 + 64];
    char b64[160];
    unsigned char *msg;
    int head, n;

    msg = malloc(len + 64);
    if (msg == NULL)
        fx_die("out of memory");
    head = snprintf((char *)msg, 64, "cosignature/v1\ntime %llu\n", (unsigned long long)time);
    memcpy(msg + head, text, len);
    for (int i = 0; i < 4; i++)
        payload[i] = (uint8_t)(id >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        payload[4 + i] = (uint8_t)(time >> (56 - 8 * i));
    crypto_sign_detached(payload + 12, NULL, msg, (size_t)head + len, k->sk);
    free(msg);
    sodium_bin2base64(b64, sizeof b64, payload, sizeof payload, sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(out, cap, "\xE2\x80\x94 %s %s\n", name, b64);
    if (n < 0 || (size_t)n >= cap)
        fx_die("cosignature line does not fit");
    return (size_t)n;
}

size_t fx_cosign_line(const fx_key *k, uint64_t time, const void *text, size_t len, char *out,
                      size_t cap)
{
    return fx_cosign_line_as(k, k->name, fx_key_id_typed(k->name, 4, k->pk), time, text, len,
                             out, cap);
}

void fx_checkpoint_text(char *out, size_t cap, const char *origin, uint64_t size, uint8_t fill)
{
    uint8_t root[32];
    char b64[64];
    int n;
    memset(root, fill, sizeof root);
    sodium_bin2base64(b64, sizeof b64, root, sizeof root, sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(out, cap, "%s\n%llu\n%s\n", origin, (unsigned long long)size, b64);
    if (n < 0 || (size_t)n >= cap)
        fx_die("checkpoint text does not fit");
}
