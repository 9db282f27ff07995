/* test_u128.c -- 128-bit helpers: muldiv checked against an independent 32-bit-limb
 * 256-bit product, isqrt, decimal output, exact unit parsing. */
#include "dacc/u128.h"
#include "fund_test.h"

static uint64_t seed;

/* 256-bit product of a and b in 8 little-endian 32-bit limbs (schoolbook). */
static void mul256(dacc_u128 a, dacc_u128 b, uint32_t out[8])
{
    uint32_t x[4], y[4];
    for (int i = 0; i < 4; i++) {
        x[i] = (uint32_t)(a >> (32 * i));
        y[i] = (uint32_t)(b >> (32 * i));
    }
    uint64_t acc[8] = {0};
    for (int i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++) {
            uint64_t t = (uint64_t)x[i] * y[j] + acc[i + j] + carry;
            acc[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        acc[i + 4] += carry;
    }
    for (int i = 0; i < 8; i++)
        out[i] = (uint32_t)acc[i];
}

/* out = p - q (p >= q assumed); returns the borrow (1 if p < q). */
static int sub256(const uint32_t p[8], const uint32_t q[8], uint32_t out[8])
{
    int64_t borrow = 0;
    for (int i = 0; i < 8; i++) {
        int64_t t = (int64_t)p[i] - q[i] - borrow;
        borrow = t < 0;
        out[i] = (uint32_t)(t + (borrow ? ((int64_t)1 << 32) : 0));
    }
    return (int)borrow;
}

static dacc_u128 rnd128(uint64_t *s)
{
    dacc_u128 v = ((dacc_u128)ft_rand(s) << 64) | ft_rand(s);
    return v >> (ft_rand(s) % 128);
}

static void test_muldiv(void)
{
    dacc_u128 q;
    CHECK(dacc_u128_muldiv(6, 7, 4, &q) == 0 && q == 10);
    CHECK(dacc_u128_muldiv(1, 1, 0, &q) == -1);
    CHECK(dacc_u128_muldiv(DACC_U128_MAX, DACC_U128_MAX, DACC_U128_MAX, &q) == 0 && q == DACC_U128_MAX);
    CHECK(dacc_u128_muldiv(DACC_U128_MAX, 2, 1, &q) == -1); /* quotient too large */
    uint64_t s = seed;
    for (int i = 0; i < 200000; i++) {
        dacc_u128 a = rnd128(&s), b = rnd128(&s), c = rnd128(&s);
        if (c == 0)
            c = 1;
        int rc = dacc_u128_muldiv(a, b, c, &q);
        uint32_t p[8], qc[8], d[8], cl[8];
        mul256(a, b, p);
        if (rc != 0) {
            /* only allowed when the quotient needs more than 128 bits: a*b >= 2^128 * c */
            uint32_t big[8];
            mul256(c, 1, cl);
            memset(big, 0, sizeof big);
            for (int k = 0; k < 4; k++)
                big[k + 4] = cl[k];
            CHECK(sub256(p, big, d) == 0);
            continue;
        }
        mul256(q, c, qc);
        CHECK(sub256(p, qc, d) == 0);      /* q*c <= a*b */
        mul256(c, 1, cl);
        uint32_t e[8];
        CHECK(sub256(d, cl, e) == 1);      /* a*b - q*c < c */
        if (ft_current_failed) {
            printf("  at iteration %d\n", i);
            return;
        }
    }
}

static void test_isqrt(void)
{
    dacc_u128 r;
    CHECK(dacc_u128_isqrt(0, &r) == 0 && r == 0);
    CHECK(dacc_u128_isqrt(1, &r) == 1 && r == 0);
    CHECK(dacc_u128_isqrt(DACC_U128_MAX, &r) == UINT64_MAX && r == 2 * (dacc_u128)UINT64_MAX);
    dacc_u128 m = (dacc_u128)UINT64_MAX * UINT64_MAX;
    CHECK(dacc_u128_isqrt(m, &r) == UINT64_MAX && r == 0);
    CHECK(dacc_u128_isqrt(m - 1, &r) == UINT64_MAX - 1);
    uint64_t s = seed ^ 0x77;
    for (int i = 0; i < 200000; i++) {
        dacc_u128 x = rnd128(&s);
        dacc_u128 q = dacc_u128_isqrt(x, &r);
        int ok = q <= UINT64_MAX && q * q <= x && r == x - q * q &&
                 (q == UINT64_MAX || (q + 1) * (q + 1) > x);
        if (!ok) {
            CHECK(ok);
            return;
        }
    }
}

static void test_dec_and_parse(void)
{
    char buf[DACC_U128_DEC_MAX];
    CHECK(strcmp(dacc_u128_dec(0, buf), "0") == 0);
    CHECK(strcmp(dacc_u128_dec(DACC_U128_MAX, buf), "340282366920938463463374607431768211455") == 0);
    dacc_u128 v;
    CHECK(dacc_parse_units128("340282366920938463463374607431768211455", 0, &v) == 0 && v == DACC_U128_MAX);
    CHECK(dacc_parse_units128("340282366920938463463374607431768211456", 0, &v) == -1 && v == 0);
    CHECK(dacc_parse_units128("1000.5", 18, &v) == 0);
    CHECK(strcmp(dacc_u128_dec(v, buf), "1000500000000000000000") == 0);
    CHECK(dacc_parse_units128("0.000000000000000001", 18, &v) == 0 && v == 1);
    CHECK(dacc_parse_units128("0.0000000000000000010", 18, &v) == 0 && v == 1);
    CHECK(dacc_parse_units128("0.0000000000000000011", 18, &v) == -1);
    CHECK(dacc_parse_units128("1.", 2, &v) == 0 && v == 100);
    CHECK(dacc_parse_units128(".5", 1, &v) == 0 && v == 5);
    const char *bad[] = {"", ".", "-1", "+1", "1e3", "1.2.3", " 1", "0x10", "1,0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(dacc_parse_units128(bad[i], 6, &v) == -1);
    CHECK(dacc_parse_units128("1", 37, &v) == -1);
    uint64_t s = seed ^ 0x99;
    for (int i = 0; i < 10000; i++) {
        dacc_u128 x = rnd128(&s), y;
        CHECK(dacc_parse_units128(dacc_u128_dec(x, buf), 0, &y) == 0 && y == x);
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    fund_test_init(argv[0]);
    seed = fund_test_seed("u128");
    RUN_TEST(test_muldiv);
    RUN_TEST(test_isqrt);
    RUN_TEST(test_dec_and_parse);
    return fund_test_finish("u128");
}
