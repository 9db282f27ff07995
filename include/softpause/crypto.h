/*
 * softpause/crypto.h -- the only way the freestanding verifier reaches cryptography.
 *
 * The verifier contains no Ed25519, SHA-256 or HMAC code.  A host fills this struct with
 * libsodium (src/host/sodium_crypto.c); a chip fills it with its crypto engine.  Every
 * function returns 0 on success and any other value on failure; the verifier treats every
 * non-zero value as failure (fail closed).
 *
 * Contract -- an implementation MUST follow these rules, which are libsodium's:
 *
 *   ed25519_verify: returns 0 iff `sig` is a valid Ed25519 signature of msg[0..len) under
 *       `public_key`, where S is canonical (S < L), R is not of small order, and the public
 *       key is canonically encoded and not of small order (libsodium's
 *       crypto_sign_verify_detached).  Cofactorless verification equation.
 *   ed25519_check_key: returns 0 iff `public_key` is a canonical encoding of a point of
 *       the prime-order subgroup that is not of small order (libsodium's
 *       crypto_core_ed25519_is_valid_point).  Used when loading policies.
 *   sha256: writes SHA-256 of the concatenation parts[0] || ... || parts[n-1] to `out`.
 *   sha512: writes SHA-512 of the concatenation parts[0] || ... || parts[n-1] to `out`
 *       (all 64 bytes; Roughtime, softpause/roughtime.h, uses the first 32).  May be NULL on
 *       a device without time servers; the Roughtime functions then return SP_ERR_ARGUMENT.
 *   device_mac: writes HMAC-SHA-256 of msg[0..len) under the device-unique key to `out`.
 *       The key never leaves the trust boundary; the verifier never sees it.  May be NULL
 *       only if no device state is used (pure statement verification).
 *
 * Stack: calls through this interface are budgeted separately from the verifier's own
 * frames (docs/protocol.md, "Stack budget"); the verifier's budget excludes them.
 */
#ifndef SOFTPAUSE_CRYPTO_H
#define SOFTPAUSE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SP_ED25519_PUBLIC_KEY_BYTES 32u
#define SP_ED25519_SIGNATURE_BYTES 64u
#define SP_SHA256_BYTES 32u
#define SP_SHA512_BYTES 64u
#define SP_MAC_BYTES 32u

/* One part of a message hashed in pieces (no copying into a scratch buffer). */
typedef struct sp_bytes {
    const uint8_t *ptr;
    size_t len;
} sp_bytes;

typedef struct sp_crypto {
    void *ctx;
    int (*ed25519_verify)(void *ctx, const uint8_t sig[SP_ED25519_SIGNATURE_BYTES],
                          const uint8_t *msg, size_t len,
                          const uint8_t public_key[SP_ED25519_PUBLIC_KEY_BYTES]);
    int (*ed25519_check_key)(void *ctx, const uint8_t public_key[SP_ED25519_PUBLIC_KEY_BYTES]);
    int (*sha256)(void *ctx, uint8_t out[SP_SHA256_BYTES], const sp_bytes *parts, size_t n);
    int (*device_mac)(void *ctx, uint8_t out[SP_MAC_BYTES], const uint8_t *msg, size_t len);
    int (*sha512)(void *ctx, uint8_t out[SP_SHA512_BYTES], const sp_bytes *parts, size_t n);
} sp_crypto;

#endif /* SOFTPAUSE_CRYPTO_H */
