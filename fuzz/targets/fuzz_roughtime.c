/*
 * fuzz_roughtime.c -- libFuzzer target for the verifier's Roughtime response checks
 * (softpause/roughtime.h): the input is a response packet, checked as the answer of one
 * fixed server key (the test responder's, tests/support/rt_responder.c, seed byte 0x21) to
 * the request for one fixed nonce (32 bytes of 0x3c), so mutations of valid responses reach
 * every check.
 *
 * Oracles (abort()): a refusal leaves the output all zero; an accepted response has
 * 0 < radius <= SP_RT_MAX_RADIUS, mint <= midpoint <= maxt and midpoint - radius within the
 * attested-time ceiling; the packet is never longer than SP_MAX_RT_PACKET_BYTES.
 *
 * Corpus: fuzz/corpus/roughtime/ (written by fuzz/gen/gen_roughtime.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "softpause/host/sodium_crypto.h"
#include "softpause/roughtime.h"

#include "../fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pk[32], nonce[32];
    static int ready;
    sp_rt_time t;
    sp_err err;
    if (!ready) {
        uint8_t seed[32], sk[64];
        if (sp_sodium_init() != SP_OK)
            abort();
        memset(seed, 0x21, sizeof seed);
        crypto_sign_seed_keypair(pk, sk, seed);
        memset(nonce, 0x3c, sizeof nonce);
        ready = 1;
    }
    err = sp_rt_response_verify(sp_sodium_crypto(), &t, pk, nonce, data, size);
    if (err != SP_OK) {
        if (!fuzz_all_zero(&t, sizeof t))
            abort();
        return 0;
    }
    if (size > SP_MAX_RT_PACKET_BYTES || t.radius == 0 || t.radius > SP_RT_MAX_RADIUS ||
        t.mint > t.midpoint || t.midpoint > t.maxt || t.midpoint < t.radius ||
        t.midpoint - t.radius > SP_COSIG_TIME_LIMIT)
        abort();
    return 0;
}
