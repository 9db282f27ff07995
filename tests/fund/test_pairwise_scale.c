/* test_pairwise_scale.c -- the issue 13 section 3 speed work changes no result: pairwise
 * and COCM on generated Zipf rounds (popular projects, so both the dense and the sparse
 * first pass run) give the same bits for 1, 2, 3 and 7 threads and for every dense/sparse
 * crossover; pairwise is within 1e-12 relative of the previous implementation
 * (bench/baseline/pairwise.c: one dependent sum where there are now four partial sums),
 * COCM bit-identical to bench/baseline/cocm.c.  Also on GR3 when ../shared is present. */
#include "baseline/baseline.h"
#include "fund/cocm.h"
#include "fund/contrib.h"
#include "fund/pairwise.h"
#include "fund_test.h"

static char msg[FUND_MSG_MAX];
static uint64_t seed;

/* nd donors, np projects, each donor 1..2*mean projects drawn Zipf(1.1), amounts log-ish. */
static void zipf_round(uint64_t *s, fund_round *r, size_t nd, size_t np, size_t mean)
{
    double *cdf = calloc(np, sizeof *cdf), acc = 0;
    for (size_t p = 0; p < np; p++)
        cdf[p] = acc += 1.0 / pow((double)(p + 1), 1.1);
    char v[32], pn[32];
    fund_round_init(r, 0, 2);
    for (size_t i = 0; i < nd; i++) {
        size_t k = 1 + ft_rand(s) % (2 * mean);
        snprintf(v, sizeof v, "v%zu", i);
        for (size_t a = 0; a < k; a++) {
            double u = (double)(ft_rand(s) >> 11) / 9007199254740992.0 * acc;
            size_t p = 0;
            while (p + 1 < np && cdf[p] < u)
                p++;
            snprintf(pn, sizeof pn, "p%zu", p);
            double amt = (double)(1 + ft_rand(s) % 50000) / 100;
            CHECK(fund_round_add(r, v, pn, amt, 0, msg) == FUND_OK);
        }
    }
    CHECK(fund_round_finish(r, msg) == FUND_OK);
    free(cdf);
}

static double rel(double a, double b)
{
    double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return m == 0 ? 0 : fabs(a - b) / m;
}

static void check_pairwise(const fund_round *r, double M)
{
    size_t np = fund_round_nprojects(r);
    double *base = calloc(np, sizeof *base), *one = calloc(np, sizeof *one),
           *x = calloc(np, sizeof *x);
    fund_pairwise_stats sb, s1, sx;
    CHECK(fund_pairwise_baseline(r, M, base, &sb, msg) == FUND_OK);
    fund_pairwise_opts o;
    fund_pairwise_opts_default(&o);
    o.threads = 1;
    CHECK(fund_pairwise_ex(r, M, &o, one, &s1, msg) == FUND_OK);
    double worst = 0;
    for (size_t p = 0; p < np; p++)
        worst = rel(one[p], base[p]) > worst ? rel(one[p], base[p]) : worst;
    CHECK(worst <= 1e-12);
    CHECK(s1.pairs == sb.pairs && s1.pair_terms == sb.pair_terms);
    static const unsigned threads[] = { 2, 3, 7, 0 };
    static const double factor[] = { 0, 0.5, 2, 8, 1e300 };
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++)
        for (size_t f = 0; f < sizeof factor / sizeof *factor; f++) {
            o.threads = threads[t];
            o.dense_factor = factor[f];
            CHECK(fund_pairwise_ex(r, M, &o, x, &sx, msg) == FUND_OK);
            CHECK(memcmp(x, one, np * sizeof *x) == 0);
            CHECK(sx.pairs == s1.pairs && sx.pair_terms == s1.pair_terms);
        }
    CHECK(fund_pairwise(r, M, x, NULL, msg) == FUND_OK);
    CHECK(memcmp(x, one, np * sizeof *x) == 0);
    o.dense_factor = -1;
    CHECK(fund_pairwise_ex(r, M, &o, x, NULL, msg) == FUND_ERR_ARG);
    free(base);
    free(one);
    free(x);
}

static void check_cocm(const fund_round *r)
{
    size_t np = fund_round_nprojects(r);
    double *base = calloc(np, sizeof *base), *x = calloc(np, sizeof *x);
    for (int mode = 0; mode < 4; mode++) {
        fund_cocm_opts o;
        fund_cocm_opts_default(&o);
        o.similarity = mode & 1 ? FUND_COCM_OG : FUND_COCM_MARKOV;
        o.harsh = mode >> 1;
        o.cache_bytes = 4096 * sizeof(double); /* part cached, part not */
        CHECK(fund_cocm_baseline(r, &o, NULL, base, NULL, msg) == FUND_OK);
        static const unsigned threads[] = { 1, 2, 3, 7, 0 };
        for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
            o.threads = threads[t];
            CHECK(fund_cocm(r, &o, NULL, x, NULL, msg) == FUND_OK);
            CHECK(memcmp(x, base, np * sizeof *x) == 0);
        }
    }
    free(base);
    free(x);
}

static void test_pairwise_threads_and_baseline(void)
{
    uint64_t s = seed;
    for (int round = 0; round < 3; round++) {
        fund_round r;
        zipf_round(&s, &r, 300 + ft_rand(&s) % 1500, 5 + ft_rand(&s) % 40, 2 + round * 3);
        check_pairwise(&r, round == 0 ? 1.0 : round == 1 ? 0.01 : 250.0);
        fund_round_free(&r);
    }
}

static void test_cocm_threads_and_baseline(void)
{
    uint64_t s = seed ^ 0x5eed;
    for (int round = 0; round < 2; round++) {
        fund_round r;
        zipf_round(&s, &r, 200 + ft_rand(&s) % 600, 5 + ft_rand(&s) % 30, 2 + round * 4);
        check_cocm(&r);
        fund_round_free(&r);
    }
}

static void test_gr3_threads_and_baseline(void)
{
    fund_round r;
    if (fund_test_load_gr3(&r, "gr3 scale"))
        return;
    check_pairwise(&r, 1.0);
    check_cocm(&r);
    fund_round_free(&r);
}

int main(int argc, char **argv)
{
    (void)argc;
    fund_test_init(argv[0]);
    seed = fund_test_seed("pairwise_scale");
    RUN_TEST(test_pairwise_threads_and_baseline);
    RUN_TEST(test_cocm_threads_and_baseline);
    RUN_TEST(test_gr3_threads_and_baseline);
    return fund_test_finish("pairwise_scale");
}
