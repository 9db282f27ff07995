/*
 * bench_util.h -- what every softpause benchmark measures with: a monotonic clock in
 * microseconds, the minimum of a series (the least-disturbed run on a shared, noisy
 * machine), and an accept-all Ed25519 check that isolates everything but the signature
 * arithmetic.  Header-only: each bench is one translation unit.
 */
#ifndef DACC_BENCH_UTIL_H
#define DACC_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

static inline double bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline double bench_minimum(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

/* Everything real except the signature check itself (an sp_crypto.ed25519_verify). */
static inline int bench_accept_all(void *ctx, const uint8_t sig[64], const uint8_t *msg,
                                   size_t len, const uint8_t pk[32])
{
    (void)ctx;
    (void)sig;
    (void)msg;
    (void)len;
    (void)pk;
    return 0;
}

#endif
