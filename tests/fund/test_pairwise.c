/* test_pairwise.c -- sparse pairwise-bounded QF against a dense reference, its limits
 * (M -> infinity is plain QF; a colluding pair extracts at most 2M), and GR3. */
#include "fund/contrib.h"
#include "fund/pairwise.h"
#include "fund/qf.h"
#include "fund_test.h"

static char msg[FUND_MSG_MAX];
static uint64_t seed;

/* Dense O(N^2 P) reference straight from the definition. */
static void reference(const fund_round *r, double M, double *sub)
{
    size_t nv = fund_round_nvoters(r), np = fund_round_nprojects(r);
    double *c = calloc(nv * np, sizeof *c);
    for (size_t k = 0; k < r->n; k++)
        c[r->c[k].voter * np + r->c[k].project] = r->c[k].amount;
    for (size_t p = 0; p < np; p++)
        sub[p] = 0;
    for (size_t i = 0; i < nv; i++)
        for (size_t j = i + 1; j < nv; j++) {
            double w = 0;
            for (size_t q = 0; q < np; q++)
                w += sqrt(c[i * np + q]) * sqrt(c[j * np + q]);
            if (w == 0)
                continue;
            for (size_t p = 0; p < np; p++)
                sub[p] += 2 * M / (M + w) * sqrt(c[i * np + p]) * sqrt(c[j * np + p]);
        }
    free(c);
}

static void random_round(uint64_t *s, fund_round *r, int permute_seed)
{
    size_t nproj = 1 + ft_rand(s) % 6, nvot = 2 + ft_rand(s) % 25, rows = 1 + ft_rand(s) % 120;
    char v[16], p[16];
    uint64_t local = *s;
    fund_round_init(r, 0, 0);
    for (size_t i = 0; i < rows; i++) {
        snprintf(v, sizeof v, "v%zu", (size_t)(ft_rand(s) % nvot));
        snprintf(p, sizeof p, "p%zu", (size_t)(ft_rand(s) % nproj));
        fund_round_add(r, v, p, (double)(1 + ft_rand(s) % 500), 0, msg);
    }
    (void)local;
    (void)permute_seed;
    fund_round_finish(r, msg);
}

static void test_against_reference(void)
{
    uint64_t s = seed;
    for (int iter = 0; iter < 200; iter++) {
        fund_round r;
        random_round(&s, &r, 0);
        double M = (double)(1 + ft_rand(&s) % 1000) / 10;
        size_t np = fund_round_nprojects(&r);
        double *a = calloc(np, sizeof *a), *b = calloc(np, sizeof *b);
        fund_pairwise_stats st;
        CHECK(fund_pairwise(&r, M, a, &st, msg) == FUND_OK);
        reference(&r, M, b);
        for (size_t p = 0; p < np; p++)
            CHECK_NEAR(a[p], b[p], 1e-12);
        /* never more than plain QF */
        fund_qf_opts o;
        fund_qf_opts_default(&o);
        fund_qf_result q;
        CHECK(fund_qf(&r, &o, &q, msg) == FUND_OK);
        for (size_t p = 0; p < np; p++)
            CHECK(a[p] <= q.raw[p] * (1 + 1e-12));
        fund_qf_result_free(&q);
        free(a);
        free(b);
        fund_round_free(&r);
        if (ft_current_failed) {
            printf("  at iteration %d\n", iter);
            return;
        }
    }
}

static void test_large_m_is_plain_qf(void)
{
    uint64_t s = seed ^ 0x55;
    for (int iter = 0; iter < 50; iter++) {
        fund_round r;
        random_round(&s, &r, 0);
        size_t np = fund_round_nprojects(&r);
        double *a = calloc(np, sizeof *a);
        CHECK(fund_pairwise(&r, 1e300, a, NULL, msg) == FUND_OK);
        fund_qf_opts o;
        fund_qf_opts_default(&o);
        fund_qf_result q;
        CHECK(fund_qf(&r, &o, &q, msg) == FUND_OK);
        for (size_t p = 0; p < np; p++)
            CHECK_NEAR(a[p], q.raw[p], 1e-9);
        fund_qf_result_free(&q);
        free(a);
        fund_round_free(&r);
    }
}

static void test_collusion_bound(void)
{
    const double M = 25;
    uint64_t s = seed ^ 0xc0ffee;
    for (int iter = 0; iter < 100; iter++) {
        fund_round r;
        fund_round_init(&r, 0, 0);
        char v[16], p[16];
        /* honest background */
        for (int i = 0; i < 40; i++) {
            snprintf(v, sizeof v, "h%d", (int)(ft_rand(&s) % 15));
            snprintf(p, sizeof p, "p%d", (int)(ft_rand(&s) % 4));
            fund_round_add(&r, v, p, (double)(1 + ft_rand(&s) % 100), 0, msg);
        }
        /* the colluding pair funds its own project with any amounts, however large */
        double x = ldexp(1 + (double)(ft_rand(&s) % 1000), (int)(ft_rand(&s) % 60));
        double y = ldexp(1 + (double)(ft_rand(&s) % 1000), (int)(ft_rand(&s) % 60));
        fund_round_add(&r, "colluder1", "scam", x, 0, msg);
        fund_round_add(&r, "colluder2", "scam", y, 0, msg);
        fund_round_finish(&r, msg);
        size_t np = fund_round_nprojects(&r);
        double *a = calloc(np, sizeof *a);
        CHECK(fund_pairwise(&r, M, a, NULL, msg) == FUND_OK);
        int64_t scam = dacc_strmap_find(&r.projects, "scam");
        CHECK(scam >= 0);
        /* 2 M w / (M + w) < 2M exactly; in floating point, within an ulp or two */
        if (scam >= 0 && !(a[scam] <= 2 * M * (1 + 4e-16)))
            printf("  scam subsidy %.17g with x %g y %g\n", a[scam], x, y);
        CHECK(scam >= 0 && a[scam] <= 2 * M * (1 + 4e-16));
        CHECK(a[scam] > 0);
        free(a);
        fund_round_free(&r);
    }
}

static void test_permutation_invariant(void)
{
    uint64_t s = seed ^ 0x1234;
    for (int iter = 0; iter < 50; iter++) {
        enum { N = 80 };
        char v[N][16], p[N][16];
        double amt[N];
        size_t idx[N];
        for (size_t i = 0; i < N; i++) {
            snprintf(v[i], 16, "v%d", (int)(ft_rand(&s) % 20));
            snprintf(p[i], 16, "p%d", (int)(ft_rand(&s) % 5));
            amt[i] = (double)(1 + ft_rand(&s) % 300);
            idx[i] = i;
        }
        for (size_t i = N - 1; i > 0; i--) {
            size_t j = ft_rand(&s) % (i + 1), t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        fund_round a, b;
        fund_round_init(&a, 0, 0);
        fund_round_init(&b, 0, 0);
        for (size_t i = 0; i < N; i++) {
            fund_round_add(&a, v[i], p[i], amt[i], 0, msg);
            fund_round_add(&b, v[idx[i]], p[idx[i]], amt[idx[i]], 0, msg);
        }
        fund_round_finish(&a, msg);
        fund_round_finish(&b, msg);
        double x[8] = {0}, y[8] = {0};
        CHECK(fund_pairwise(&a, 10, x, NULL, msg) == FUND_OK);
        CHECK(fund_pairwise(&b, 10, y, NULL, msg) == FUND_OK);
        CHECK(memcmp(x, y, sizeof x) == 0);
        fund_round_free(&a);
        fund_round_free(&b);
    }
}

static void test_bad_args(void)
{
    fund_round r;
    fund_round_init(&r, 0, 0);
    fund_round_add(&r, "a", "p", 1, 0, msg);
    fund_round_finish(&r, msg);
    double x[1];
    CHECK(fund_pairwise(&r, 0, x, NULL, msg) == FUND_ERR_ARG);
    CHECK(fund_pairwise(&r, -1, x, NULL, msg) == FUND_ERR_ARG);
    CHECK(fund_pairwise(&r, NAN, x, NULL, msg) == FUND_ERR_ARG);
    CHECK(fund_pairwise(&r, 1, x, NULL, msg) == FUND_OK && x[0] == 0);
    fund_round_free(&r);
}

/* Products of tiny amounts underflow to 0: touched-pair bookkeeping must not rely on
 * w_ij != 0 (ASan builds would catch an overrun). */
static void test_underflow(void)
{
    fund_round r;
    fund_round_init(&r, 0, 0);
    char v[16], p[16];
    for (int i = 0; i < 6; i++)
        for (int q = 0; q < 5; q++) {
            snprintf(v, sizeof v, "v%d", i);
            snprintf(p, sizeof p, "p%d", q);
            fund_round_add(&r, v, p, 1e-320, 0, msg);
        }
    fund_round_finish(&r, msg);
    double x[5];
    fund_pairwise_stats st;
    CHECK(fund_pairwise(&r, 1, x, &st, msg) == FUND_OK);
    CHECK(st.pairs == 15);
    for (int q = 0; q < 5; q++)
        CHECK(isfinite(x[q]) && x[q] >= 0);
    fund_round_free(&r);
}

static void test_gr3(void)
{
    fund_round r;
    if (fund_test_load_gr3(&r, "test_gr3") != 0)
        return;
    size_t np = fund_round_nprojects(&r);
    double *a = calloc(np, sizeof *a), *b = calloc(np, sizeof *b);
    fund_pairwise_stats st;
    CHECK(fund_pairwise(&r, 0.01, a, &st, msg) == FUND_OK);
    reference(&r, 0.01, b);
    for (size_t p = 0; p < np; p++)
        CHECK_NEAR(a[p], b[p], 1e-11);
    CHECK(st.pairs > 0);
    free(a);
    free(b);
    fund_round_free(&r);
}

int main(int argc, char **argv)
{
    (void)argc;
    fund_test_init(argv[0]);
    seed = fund_test_seed("pairwise");
    RUN_TEST(test_against_reference);
    RUN_TEST(test_large_m_is_plain_qf);
    RUN_TEST(test_collusion_bound);
    RUN_TEST(test_permutation_invariant);
    RUN_TEST(test_bad_args);
    RUN_TEST(test_underflow);
    RUN_TEST(test_gr3);
    return fund_test_finish("pairwise");
}
