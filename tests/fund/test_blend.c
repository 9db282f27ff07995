/*
 * test_blend.c -- `fund blend`: duplicates merged (earliest gets the share), interior and
 * vertex optima computed by hand, non-uniqueness detected; the default solver's optimum
 * equals the FISTA reference's on random blends and on the real trial data.
 */
#include <math.h>

#include "fund/blend.h"
#include "fund/deepio.h"
#include "fund_test.h"

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol * (1 + fabs(b));
}

static const uint32_t parent0[4] = { 0, 0, 0, 0 };

/* A submission blended with itself (and with a scaled copy) merges: the earliest gets 1. */
static void test_self_merge(void)
{
    double x[] = { 4, 2, 1, 3 }, x2[] = { 8, 4, 2, 6 };
    fund_sub s[] = { { "a", 4, x }, { "copy", 4, x }, { "scaled", 4, x2 } };
    fund_answer ans[] = { { 0, 0, 1, log(3.0) }, { 0, 2, 3, 0.0 } };
    fund_blend_result r;
    char dmsg[FUND_MSG_MAX];
    CHECK(fund_blend(2, ans, 3, s, parent0, NULL, &r, dmsg) == 0);
    CHECK(r.share[0] == 1.0 && r.share[1] == 0.0 && r.share[2] == 0.0);
    CHECK(r.merged_into[0] == 0 && r.merged_into[1] == 0 && r.merged_into[2] == 0);
    CHECK(r.unique == 1);
    CHECK(near(r.cost, r.alone[0], 1e-14));
    fund_blend_result_free(&r);
}

/* One answer d = log 4; sub A says ratio 1, sub B ratio 16: the mix is exact at (1/2, 1/2),
 * cost 0, unique.  Adding C = ratio 4 (the geometric mean of A and B) makes cost 0
 * reachable along a segment: not unique. */
static void test_interior_and_nonunique(void)
{
    double a[] = { 1, 1, 1, 1 }, b[] = { 16, 1, 1, 1 }, c[] = { 4, 1, 1, 1 };
    fund_sub s[] = { { "A", 4, a }, { "B", 4, b }, { "C", 4, c } };
    fund_answer ans[] = { { 0, 0, 1, log(4.0) } };
    fund_blend_result r;
    CHECK(fund_blend(1, ans, 2, s, parent0, NULL, &r, NULL) == 0);
    CHECK(near(r.share[0], 0.5, 1e-12) && near(r.share[1], 0.5, 1e-12));
    CHECK(r.cost < 1e-24);
    CHECK(r.unique == 1);
    fund_blend_result_free(&r);
    CHECK(fund_blend(1, ans, 3, s, parent0, NULL, &r, NULL) == 0);
    CHECK(r.cost < 1e-20);
    CHECK(r.unique == 0);
    CHECK(near(r.share[0] + r.share[1] + r.share[2], 1, 1e-15));
    fund_blend_result_free(&r);
}

/* A vertex optimum: A matches the jury exactly, B is off: w = (1, 0), unique. */
static void test_vertex(void)
{
    double a[] = { 2, 1, 3, 1 }, b[] = { 1, 2, 1, 1 };
    fund_sub s[] = { { "A", 4, a }, { "B", 4, b } };
    fund_answer ans[] = { { 0, 0, 1, log(2.0) }, { 0, 2, 3, log(3.0) } };
    fund_blend_result r;
    CHECK(fund_blend(2, ans, 2, s, parent0, NULL, &r, NULL) == 0);
    CHECK(near(r.share[0], 1, 1e-12) && r.share[1] < 1e-12);
    CHECK(r.cost < 1e-20);
    CHECK(r.unique == 1);
    CHECK(r.kkt < 1e-12);
    fund_blend_result_free(&r);
}

/* Interior with curvature: answers d1 = 1, d2 = 0 on pairs (0,1), (2,3).  A gives D = (0,0),
 * B gives D = (2, 2).  f(t) = (2t - 1)^2 + (2t)^2, minimum at t = 1/4 (B's share). */
static void test_interior_curved(void)
{
    double a[] = { 1, 1, 1, 1 }, b[] = { exp(2.0), 1, exp(2.0), 1 };
    fund_sub s[] = { { "A", 4, a }, { "B", 4, b } };
    fund_answer ans[] = { { 0, 0, 1, 1.0 }, { 0, 2, 3, 0.0 } };
    fund_blend_result r;
    CHECK(fund_blend(2, ans, 2, s, parent0, NULL, &r, NULL) == 0);
    CHECK(near(r.share[1], 0.25, 1e-12) && near(r.share[0], 0.75, 1e-12));
    CHECK(near(r.cost, 0.5, 1e-12));
    CHECK(r.unique == 1);
    /* the blended submission scores exactly the blend's cost */
    double mix[4];
    CHECK(fund_blend_mix(2, s, r.share, parent0, mix) == 0);
    CHECK(near(mix[0] + mix[1] + mix[2] + mix[3], 1, 1e-15));
    fund_sub ms = { "mix", 4, mix };
    fund_score_result sr;
    CHECK(fund_score(2, ans, 1, &ms, NULL, &sr, NULL) == 0);
    CHECK(near(sr.total, r.cost, 1e-12));
    fund_score_result_free(&sr);
    fund_blend_result_free(&r);
}

/* Blend loaded files with the given solver, plus `extra` perturbed copies of them (copy j
 * multiplies file j mod n's weights by exp(N(0, 0.3^2)), drawn from `seed`, so two calls
 * with one seed blend the same data): returns 0 and fills r, or -1. */
static int blend_files_with(const char *pairs, const char *const *files, size_t n, size_t extra,
                            uint64_t seed, fund_qp_method method, fund_blend_result *r)
{
    enum { NMAX = 24 };
    fund_deep dd;
    char dmsg[FUND_MSG_MAX];
    fund_loaded_sub ls[8];
    fund_sub sv[NMAX];
    double *w[NMAX] = { 0 };
    int rc = -1;
    memset(ls, 0, sizeof ls);
    fund_deep_init(&dd);
    if (n > 8 || n + extra > NMAX || fund_deep_load_pairs(&dd, pairs, dmsg) != 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (fund_deep_load_sub(&dd, files[i], &ls[i], dmsg) != 0)
            goto out;
    for (size_t i = 0; i < n + extra; i++) {
        w[i] = fund_deep_weights(&dd, &ls[i % n]);
        if (w[i] == NULL)
            goto out;
        for (size_t j = 0; i >= n && j < dd.keys.n; j++) {
            double u1 = ((double)(ft_rand(&seed) >> 11) + 0.5) / 9007199254740992.0,
                   u2 = (double)(ft_rand(&seed) >> 11) / 9007199254740992.0;
            w[i][j] *= exp(0.3 * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
        }
        sv[i] = (fund_sub){ files[i % n], dd.keys.n, w[i] };
    }
    rc = fund_blend_with(dd.nans, dd.ans, n + extra, sv, dd.key_parent, NULL, method, r, dmsg);
out:
    if (rc != 0)
        printf("  %s\n", dmsg);
    for (size_t i = 0; i < NMAX; i++)
        free(w[i]);
    for (size_t i = 0; i < n && i < 8; i++)
        fund_loaded_sub_free(&ls[i]);
    fund_deep_free(&dd);
    return rc;
}

static int blend_files(const char *pairs, const char *const *files, size_t n, fund_blend_result *r)
{
    return blend_files_with(pairs, files, n, 0, 0, FUND_QP_ACTIVE_SET, r);
}

/* The default solver against the FISTA reference on one blend: same optimum (cost within
 * 1e-12 relative, shares within 1e-9 when unique), same merging and uniqueness report. */
static void check_matches_fista(const fund_blend_result *a, const fund_blend_result *f,
                                const char *what)
{
    double dw = 0;
    for (size_t s = 0; s < a->k; s++) {
        dw = fmax(dw, fabs(a->share[s] - f->share[s]));
        CHECK(a->merged_into[s] == f->merged_into[s]);
    }
    printf("  %s: active set %d steps, FISTA %d iterations; cost %.17g vs %.17g, shares "
           "differ by at most %.2g\n",
           what, a->iterations, f->iterations, a->cost, f->cost, dw);
    CHECK(a->method == FUND_QP_ACTIVE_SET && f->method == FUND_QP_FISTA);
    CHECK(fabs(a->cost - f->cost) <= 1e-12 * f->cost);
    CHECK(a->unique == f->unique);
    if (a->unique)
        CHECK(dw <= 1e-9);
}

/* flat, exact, copy-of-exact (x10): exact takes everything, the copy is merged into it. */
static void test_fixture_files(void)
{
    char p[8448], a[8448], b[8448], c[8448];
    const char *files[] = { fund_test_path(a, sizeof a, "tests/fund/data/deep_sub_flat.csv"),
                            fund_test_path(b, sizeof b, "tests/fund/data/deep_sub_exact.csv"),
                            fund_test_path(c, sizeof c, "tests/fund/data/deep_sub_copy.csv") };
    fund_blend_result r;
    CHECK(blend_files(fund_test_path(p, sizeof p, "tests/fund/data/deep_pairs.csv"), files, 3,
                      &r) == 0);
    CHECK(r.merged_into[2] == 1 && r.share[2] == 0);
    CHECK_NEAR(r.share[1], 1, 1e-12);
    CHECK(r.share[0] < 1e-12);
    CHECK(r.cost < 1e-20 && r.unique == 1);
    fund_blend_result_free(&r);
}

/* The two valid trial models, and one of them twice: the copy earns nothing. */
static void test_trial_models(void)
{
    char p[8448], a[8448], b[8448];
    if (fund_test_shared(p, sizeof p, "deepfunding-trial/pairs.csv") == NULL) {
        printf("SKIP test_trial_models: ../shared/vectors/funding not present\n");
        return;
    }
    const char *files[] = {
        fund_test_shared(a, sizeof a, "deepfunding-trial/models/arbitron.csv"),
        fund_test_shared(b, sizeof b, "deepfunding-trial/models/composite_model.csv"), a
    };
    fund_blend_result r2, r3;
    CHECK(blend_files(p, files, 2, &r2) == 0);
    CHECK(blend_files(p, files, 3, &r3) == 0);
    printf("trial blend: shares %.15g / %.15g, mean cost %.15g, %s\n", r2.share[0], r2.share[1],
           r2.mean, r2.unique ? "unique" : "not unique");
    CHECK(r2.unique == 1 && r3.unique == 1);
    CHECK(r3.merged_into[2] == 0 && r3.share[2] == 0);
    CHECK_NEAR(r3.share[0], r2.share[0], 1e-12);
    CHECK_NEAR(r3.cost, r2.cost, 1e-12);
    CHECK(r2.cost <= r2.alone[0] && r2.cost <= r2.alone[1]);
    CHECK(r2.kkt < 1e-9);
    fund_blend_result_free(&r2);
    fund_blend_result_free(&r3);
}

/* Real jury data: the two valid trial models, alone and with 14 perturbed copies of them,
 * blended by both solvers. */
static void test_trial_matches_fista(void)
{
    char p[8448], a[8448], b[8448];
    if (fund_test_shared(p, sizeof p, "deepfunding-trial/pairs.csv") == NULL) {
        printf("SKIP test_trial_matches_fista: ../shared/vectors/funding not present\n");
        return;
    }
    const char *files[] = { fund_test_shared(a, sizeof a, "deepfunding-trial/models/arbitron.csv"),
                            fund_test_shared(b, sizeof b,
                                             "deepfunding-trial/models/composite_model.csv") };
    uint64_t seed = fund_test_seed("fund blend trial perturbed");
    for (size_t extra = 0; extra <= 14; extra += 14) {
        fund_blend_result ra, rf;
        CHECK(blend_files_with(p, files, 2, extra, seed, FUND_QP_ACTIVE_SET, &ra) == 0);
        CHECK(blend_files_with(p, files, 2, extra, seed, FUND_QP_FISTA, &rf) == 0);
        if (ra.share != NULL && rf.share != NULL)
            check_matches_fista(&ra, &rf, extra ? "trial + 14 perturbed" : "trial");
        fund_blend_result_free(&ra);
        fund_blend_result_free(&rf);
    }
}

/* Property (seeded, printed): with 4 random submissions the reported optimum is no worse
 * than any of 3000 random points of the simplex or its vertices, and satisfies KKT. */
static void test_random_optimum(void)
{
    uint64_t seed = fund_test_seed("fund blend random");
    enum { K = 4, KEYS = 6, NA = 9 };
    static const uint32_t parent[KEYS] = { 0, 0, 0, 0, 0, 0 };
    for (int round = 0; round < 20; round++) {
        double x[K][KEYS];
        fund_sub s[K];
        fund_answer ans[NA];
        for (int k = 0; k < K; k++) {
            for (int j = 0; j < KEYS; j++)
                x[k][j] = 0.01 + (double)(ft_rand(&seed) % 1000) / 100;
            s[k] = (fund_sub){ "r", KEYS, x[k] };
        }
        for (int i = 0; i < NA; i++) {
            uint32_t a = (uint32_t)(ft_rand(&seed) % KEYS), b = (a + 1 + ft_rand(&seed) % 5) % KEYS;
            ans[i] = (fund_answer){ 0, a, b, (double)(ft_rand(&seed) % 600) / 100 - 3 };
        }
        fund_blend_result r, rf;
        CHECK(fund_blend(NA, ans, K, s, parent, NULL, &r, NULL) == 0);
        CHECK(fund_blend_with(NA, ans, K, s, parent, NULL, FUND_QP_FISTA, &rf, NULL) == 0);
        if (r.share == NULL || rf.share == NULL)
            continue;
        CHECK(fabs(r.cost - rf.cost) <= 1e-12 * fmax(rf.cost, 1e-12));
        CHECK(r.unique == rf.unique);
        fund_blend_result_free(&rf);
        CHECK(r.kkt < 1e-8);
        if (r.kkt >= 1e-8)
            printf("  kkt %g shares %g %g %g %g unique %d it %d\n", r.kkt, r.share[0], r.share[1],
                   r.share[2], r.share[3], r.unique, r.iterations);
        double sum = 0;
        for (int k = 0; k < K; k++) {
            CHECK(r.share[k] >= 0);
            sum += r.share[k];
        }
        CHECK_NEAR(sum, 1, 1e-12);
        for (int t = 0; t < 3000 + K; t++) {
            double w[K], tot = 0, cost = 0;
            for (int k = 0; k < K; k++) {
                w[k] = t < K ? (k == t) : -log((double)(ft_rand(&seed) % 100000 + 1) / 100001);
                tot += w[k];
            }
            for (int i = 0; i < NA; i++) {
                double res = -ans[i].d;
                for (int k = 0; k < K; k++)
                    res += w[k] / tot * (log(x[k][ans[i].a]) - log(x[k][ans[i].b]));
                cost += res * res;
            }
            CHECK(r.cost <= cost + 1e-9 * (1 + cost));
        }
        fund_blend_result_free(&r);
    }
}

/* issue 8 item 11 (review): weights near the largest double.  Per-parent sums of 1e308
 * overflowed, every normalised weight became 0, so two different submissions were
 * "identical" (the better one merged into the worse, share 0) and the mix was all zeros. */
static void test_huge_weights(void)
{
    double a[] = { 1e308, 1e308, 1, 1 }, b[] = { 1e308, 1e308, 1e300, 1 };
    fund_sub s[] = { { "A", 4, a }, { "B", 4, b } };
    fund_answer ans[] = { { 0, 1, 2, log(1e8) } }; /* B's ratio of keys 1 and 2 */
    fund_blend_result r;
    CHECK(fund_blend(1, ans, 2, s, parent0, NULL, &r, NULL) == 0);
    CHECK(r.merged_into[0] == 0 && r.merged_into[1] == 1);
    CHECK(r.share[1] == 1.0 && r.share[0] == 0.0);
    double mix[4];
    CHECK(fund_blend_mix(2, s, r.share, parent0, mix) == 0);
    double sum = 0;
    for (int j = 0; j < 4; j++) {
        CHECK(isfinite(mix[j]) && mix[j] >= 0);
        sum += mix[j];
    }
    CHECK_NEAR(sum, 1, 1e-15);
    CHECK_NEAR(mix[0], 1.0 / (2.0 + 1e-8), 1e-15); /* 1e308 / (2e308 + 1e300 + 1) */
    CHECK_NEAR(mix[2] / mix[0], 1e-8, 1e-14);
    fund_blend_result_free(&r);
    /* a mix of the two keeps the proportions: no underflow of the small shares to 0 */
    double w[] = { 0.5, 0.5 };
    CHECK(fund_blend_mix(2, s, w, parent0, mix) == 0);
    CHECK(mix[3] > 0 && mix[2] > mix[3]);
}

int main(int argc, char **argv)
{
    (void)argc;
    fund_test_init(argv[0]);
    RUN_TEST(test_self_merge);
    RUN_TEST(test_interior_and_nonunique);
    RUN_TEST(test_vertex);
    RUN_TEST(test_interior_curved);
    RUN_TEST(test_random_optimum);
    RUN_TEST(test_fixture_files);
    RUN_TEST(test_trial_models);
    RUN_TEST(test_trial_matches_fista);
    RUN_TEST(test_huge_weights);
    return fund_test_finish("fund blend");
}
