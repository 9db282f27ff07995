/*
 * chain.c -- stack-depth self-test sample: a plain call chain that must PASS.
 *
 * sp_sample_verify > sample_middle > sample_leaf, plus one call through the sp_crypto
 * interface (reported, counted against the crypto budget, not followed).  Frames are
 * volatile arrays so the optimiser keeps them; noinline keeps the chain visible.
 * sample_many takes nine arguments: on x86-64 its caller pushes three of them, which gcc
 * reports as a "dynamic,bounded" frame -- accepted (at gcc's bound) unless --strict-bounded.
 */
#include <stddef.h>
#include <stdint.h>

#include "softpause/crypto.h"

int sp_sample_verify(const sp_crypto *c, const uint8_t *msg, size_t len);

__attribute__((noinline)) static int sample_leaf(const uint8_t *msg, size_t len)
{
    volatile uint8_t buf[256];
    for (size_t i = 0; i < len && i < sizeof buf; i++)
        buf[i] = msg[i];
    return buf[0];
}

__attribute__((noinline)) static int sample_middle(const uint8_t *msg, size_t len)
{
    volatile uint8_t buf[512];
    buf[0] = (uint8_t)len;
    return sample_leaf(msg, len) + buf[0];
}

__attribute__((noinline)) static int sample_many(int a, int b, int c, int d, int e, int f, int g,
                                                 int h, int i)
{
    return a + b * c - d + e * f - g + h * i;
}

int sp_sample_verify(const sp_crypto *c, const uint8_t *msg, size_t len)
{
    uint8_t digest[SP_SHA256_BYTES];
    sp_bytes part = { msg, len };
    if (c->sha256(c->ctx, digest, &part, 1) != 0)
        return -1;
    return sample_middle(digest, sizeof digest) + sample_many(digest[0], digest[1], digest[2],
                                                              digest[3], digest[4], digest[5],
                                                              digest[6], digest[7], (int)len);
}
