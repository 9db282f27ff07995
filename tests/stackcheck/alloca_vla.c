/*
 * alloca_vla.c -- stack-depth self-test sample: run-time-sized frames that must FAIL.
 * (The project builds with -Wvla; this sample is compiled without it on purpose.)
 */
#include <stddef.h>

int sp_sample_vla(size_t n);
int sp_sample_alloca(size_t n);

int sp_sample_vla(size_t n)
{
    volatile unsigned char buf[n + 1];
    buf[0] = 1;
    return buf[0];
}

int sp_sample_alloca(size_t n)
{
    volatile unsigned char *buf = __builtin_alloca(n + 1);
    buf[0] = 1;
    return buf[0];
}
