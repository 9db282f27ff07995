/*
 * softpause/host/sodium_crypto.h -- the host implementation of the crypto interface,
 * backed by libsodium (the only Ed25519/SHA-2 code the host build uses).
 */
#ifndef SOFTPAUSE_HOST_SODIUM_CRYPTO_H
#define SOFTPAUSE_HOST_SODIUM_CRYPTO_H

#include <stdint.h>

#include "softpause/crypto.h"
#include "softpause/errors.h"

/* Initialise libsodium (idempotent).  SP_ERR_CRYPTO if it cannot start. */
SP_MUST_CHECK sp_err sp_sodium_init(void);

/* A crypto interface without a device key (device_mac fails closed). */
const sp_crypto *sp_sodium_crypto(void);

/* A device's crypto interface: device_mac keyed by `key` (HMAC-SHA-256).  The struct
 * keeps a pointer to holder, which must outlive it. */
typedef struct sp_sodium_device {
    uint8_t key[32];
    sp_crypto crypto;
} sp_sodium_device;
void sp_sodium_device_setup(sp_sodium_device *holder, const uint8_t key[32]);

#endif
