/*
 * recursion.c -- stack-depth self-test sample: mutual recursion that must FAIL.
 */
int sp_sample_even(unsigned n);
int sp_sample_odd(unsigned n);

__attribute__((noinline)) int sp_sample_even(unsigned n)
{
    volatile unsigned char pad[64];
    pad[0] = (unsigned char)n;
    return n == 0 ? 1 : sp_sample_odd(n - 1) + pad[0] - pad[0];
}

__attribute__((noinline)) int sp_sample_odd(unsigned n)
{
    volatile unsigned char pad[64];
    pad[0] = (unsigned char)n;
    return n == 0 ? 0 : sp_sample_even(n - 1) + pad[0] - pad[0];
}
