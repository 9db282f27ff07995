/*
 * fuzz_util.h -- small checks the fuzz targets' oracles share (header-only, so targets
 * still link against nothing but the library).
 */
#ifndef DACC_FUZZ_UTIL_H
#define DACC_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* 1 if p[0..n) is all zero bytes ("outputs are zeroed on failure"). */
static inline int fuzz_all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

static inline uint32_t fuzz_popcount32(uint32_t v)
{
    uint32_t n = 0;
    for (; v != 0; v &= v - 1u)
        n++;
    return n;
}

#endif
