/*
 * sodium_crypto.c -- libsodium behind the verifier's crypto interface (softpause/crypto.h).
 *
 * The rules the interface states are libsodium's own, so each function is one call:
 * crypto_sign_verify_detached refuses non-canonical S, small-order R and small-order or
 * non-canonical public keys; crypto_core_ed25519_is_valid_point additionally requires the
 * key to lie in the prime-order subgroup, which every honestly generated key does.
 */
#include <string.h>

#include <sodium.h>

#include "softpause/host/sodium_crypto.h"

sp_err sp_sodium_init(void)
{
    return sodium_init() < 0 ? SP_ERR_CRYPTO : SP_OK;
}

static int sodium_verify(void *ctx, const uint8_t sig[64], const uint8_t *msg, size_t len,
                         const uint8_t pk[32])
{
    (void)ctx;
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : -1;
}

static int sodium_check_key(void *ctx, const uint8_t pk[32])
{
    (void)ctx;
    return crypto_core_ed25519_is_valid_point(pk) == 1 ? 0 : -1;
}

static int sodium_sha256(void *ctx, uint8_t out[32], const sp_bytes *parts, size_t n)
{
    crypto_hash_sha256_state st;
    (void)ctx;
    if (crypto_hash_sha256_init(&st) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (crypto_hash_sha256_update(&st, parts[i].ptr, parts[i].len) != 0)
            return -1;
    return crypto_hash_sha256_final(&st, out) == 0 ? 0 : -1;
}

static int sodium_sha512(void *ctx, uint8_t out[64], const sp_bytes *parts, size_t n)
{
    crypto_hash_sha512_state st;
    (void)ctx;
    if (crypto_hash_sha512_init(&st) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (crypto_hash_sha512_update(&st, parts[i].ptr, parts[i].len) != 0)
            return -1;
    return crypto_hash_sha512_final(&st, out) == 0 ? 0 : -1;
}

static int no_device_mac(void *ctx, uint8_t out[32], const uint8_t *msg, size_t len)
{
    (void)ctx;
    (void)msg;
    (void)len;
    sodium_memzero(out, 32);
    return -1;
}

static int sodium_device_mac(void *ctx, uint8_t out[32], const uint8_t *msg, size_t len)
{
    const sp_sodium_device *dev = ctx;
    return crypto_auth_hmacsha256(out, msg, len, dev->key) == 0 ? 0 : -1;
}

static const sp_crypto sodium_crypto = {
    NULL, sodium_verify, sodium_check_key, sodium_sha256, no_device_mac, sodium_sha512,
};

const sp_crypto *sp_sodium_crypto(void)
{
    return &sodium_crypto;
}

void sp_sodium_device_setup(sp_sodium_device *holder, const uint8_t key[32])
{
    memcpy(holder->key, key, sizeof holder->key);
    holder->crypto = sodium_crypto;
    holder->crypto.ctx = holder;
    holder->crypto.device_mac = sodium_device_mac;
}
