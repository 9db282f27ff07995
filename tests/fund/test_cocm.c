/* test_cocm.c -- connection-oriented cluster match: the paper's formula by hand, harsh vs
 * non-harsh, invariances, the QF limit, a dense reference, and GR3. */
#include "fund/cocm.h"
#include "fund/contrib.h"
#include "fund/qf.h"
#include "fund_test.h"

static char msg[FUND_MSG_MAX];
static uint64_t seed;

static void add(fund_round *r, const char *v, const char *p, double a)
{
    CHECK(fund_round_add(r, v, p, a, 0, msg) == FUND_OK);
}

static fund_cocm_opts opts(fund_cocm_similarity s, int harsh)
{
    fund_cocm_opts o;
    fund_cocm_opts_default(&o);
    o.similarity = s;
    o.harsh = harsh;
    return o;
}

/* Donors a, b, c, d; groups G1 = {a, b}, G2 = {b, c}, G3 = {d}; so T_a = T_c = T_d = 1,
 * T_b = 2.  Friends (share a group): a-b, b-c.  "Has a friend in / is in" h:
 *   a: G1 G2      b: G1 G2      c: G1 G2      d: G3
 * Project X: a 4, b 9, c 25, d 16.  Non-harsh K(i,h) = sqrt(c_i) if connected, else c_i:
 *   K(a,.) = 2 2 4   K(b,.) = 3 3 9   K(c,.) = 5 5 25   K(d,.) = 16 16 4
 * M_gh = sum_{i in g} K(i,h) / T_i:
 *   M12 = 2 + 3/2 = 3.5    M13 = 4 + 9/2 = 8.5
 *   M21 = 3/2 + 5 = 6.5    M23 = 9/2 + 25 = 29.5
 *   M31 = 16               M32 = 16
 * subsidy X = 2 (sqrt(3.5*6.5) + sqrt(8.5*16) + sqrt(29.5*16))
 *           = 2 (sqrt(22.75) + sqrt(136) + sqrt(472)) = 76.3143215584
 * Harsh (connected contributes 0): K(a,.) = 0 0 4, K(b,.) = 0 0 9, K(c,.) = 0 0 25,
 *   K(d,.) = 16 16 0:  M12 = M21 = 0, M13 = 8.5, M31 = 16, M23 = 29.5, M32 = 16
 *   subsidy X = 2 (sqrt(136) + sqrt(472)) -- the G1-G2 term 2 sqrt(22.75) is gone.
 * Project Y: a 1, d 1 (every K is 1): M12 = 1, M13 = 1, M31 = 1, M32 = 1, M21 = M23 = 0
 *   non-harsh: 2 (sqrt(1*0) + sqrt(1*1) + sqrt(0*1)) = 2;
 *   harsh: K(a,.) = 0 0 1, K(d,.) = 1 1 0: M13 = 1, M31 = 1, rest 0: 2. */
static void hand_round(fund_round *r, fund_cocm_clusters *cl)
{
    fund_round_init(r, 0, 0);
    add(r, "a", "X", 4);
    add(r, "b", "X", 9);
    add(r, "c", "X", 25);
    add(r, "d", "X", 16);
    add(r, "a", "Y", 1);
    add(r, "d", "Y", 1);
    CHECK(fund_round_finish(r, msg) == FUND_OK);
    const char *v[] = {"a", "b", "b", "c", "d", "zz"};
    const char *g[] = {"G1", "G1", "G2", "G2", "G3", "G1"};
    CHECK(fund_cocm_clusters_from_pairs(r, v, g, 6, cl, msg) == FUND_OK);
    CHECK(cl->ignored == 1);
}

static void test_paper_by_hand(void)
{
    fund_round r;
    fund_cocm_clusters cl;
    hand_round(&r, &cl);
    double s[2];
    fund_cocm_opts o = opts(FUND_COCM_OG, 0);
    fund_cocm_stats st;
    CHECK(fund_cocm(&r, &o, &cl, s, &st, msg) == FUND_OK);
    CHECK(st.groups == 3 && st.memberships == 5);
    CHECK_NEAR(s[0], 2 * (sqrt(22.75) + sqrt(136.0) + sqrt(472.0)), 1e-14);
    CHECK_NEAR(s[0], 76.3143215584, 1e-11);
    CHECK_NEAR(s[1], 2.0, 1e-15);
    fund_cocm_clusters_free(&cl);
    fund_round_free(&r);
}

static void test_harsh_differs(void)
{
    fund_round r;
    fund_cocm_clusters cl;
    hand_round(&r, &cl);
    double h[2], n[2];
    fund_cocm_opts oh = opts(FUND_COCM_OG, 1), on = opts(FUND_COCM_OG, 0);
    CHECK(fund_cocm(&r, &oh, &cl, h, NULL, msg) == FUND_OK);
    CHECK(fund_cocm(&r, &on, &cl, n, NULL, msg) == FUND_OK);
    CHECK_NEAR(h[0], 2 * (sqrt(136.0) + sqrt(472.0)), 1e-14);
    CHECK_NEAR(n[0] - h[0], 2 * sqrt(22.75), 1e-12);
    CHECK_NEAR(h[1], 2.0, 1e-15);
    fund_cocm_clusters_free(&cl);
    fund_round_free(&r);
}

/* Dense reference straight from the definition (donors x donors friendship for og,
 * donors x groups x groups for markov); W from the donation matrix. */
static void reference(const fund_round *r, fund_cocm_similarity sim, int harsh, double *out)
{
    size_t nv = fund_round_nvoters(r), np = fund_round_nprojects(r), ng = np;
    double *W = calloc(nv * ng, sizeof *W), *N = calloc(nv * ng, sizeof *N);
    double *k = calloc(nv * ng, sizeof *k);
    for (size_t x = 0; x < r->n; x++)
        W[r->c[x].voter * ng + r->c[x].project] = r->c[x].amount;
    for (size_t i = 0; i < nv; i++) {
        double t = 0;
        for (size_t g = 0; g < ng; g++)
            t += W[i * ng + g];
        for (size_t g = 0; g < ng; g++)
            N[i * ng + g] = W[i * ng + g] / t;
    }
    for (size_t i = 0; i < nv; i++)
        for (size_t h = 0; h < ng; h++) {
            double v = 0;
            if (sim == FUND_COCM_OG) {
                for (size_t j = 0; j < nv; j++) {
                    int friends = 0;
                    for (size_t g = 0; g < ng; g++)
                        friends |= W[i * ng + g] > 0 && W[j * ng + g] > 0;
                    if (friends && W[j * ng + h] > 0)
                        v = 1;
                }
            } else {
                for (size_t g = 0; g < ng; g++) {
                    double cs = 0;
                    for (size_t j = 0; j < nv; j++)
                        cs += W[j * ng + g];
                    for (size_t j = 0; j < nv; j++)
                        v += N[i * ng + g] * W[j * ng + g] / cs * N[j * ng + h];
                }
                if (W[i * ng + h] > 0)
                    v = 1;
                if (v > 1)
                    v = 1;
            }
            k[i * ng + h] = v;
        }
    for (size_t p = 0; p < np; p++) {
        double s = 0;
        for (size_t g = 0; g < ng; g++)
            for (size_t h = 0; h < ng; h++) {
                if (g == h)
                    continue;
                double mgh = 0, mhg = 0;
                for (size_t i = 0; i < nv; i++) {
                    double c = W[i * ng + p];
                    double kgh = k[i * ng + h], khg = k[i * ng + g];
                    double Kh = harsh ? (1 - kgh) * c : kgh * sqrt(c) + (1 - kgh) * c;
                    double Kg = harsh ? (1 - khg) * c : khg * sqrt(c) + (1 - khg) * c;
                    mgh += N[i * ng + g] * Kh;
                    mhg += N[i * ng + h] * Kg;
                }
                s += sqrt(mgh * mhg);
            }
        out[p] = s;
    }
    free(W);
    free(N);
    free(k);
}

static void random_round(uint64_t *s, fund_round *r, size_t *nproj_out)
{
    size_t nproj = 1 + ft_rand(s) % 6, nvot = 2 + ft_rand(s) % 20, rows = 1 + ft_rand(s) % 80;
    char v[16], p[16];
    fund_round_init(r, 0, 0);
    for (size_t i = 0; i < rows; i++) {
        snprintf(v, sizeof v, "v%zu", (size_t)(ft_rand(s) % nvot));
        snprintf(p, sizeof p, "p%zu", (size_t)(ft_rand(s) % nproj));
        add(r, v, p, (double)(1 + ft_rand(s) % 500) / 7);
    }
    CHECK(fund_round_finish(r, msg) == FUND_OK);
    *nproj_out = fund_round_nprojects(r);
}

static void test_against_reference(void)
{
    uint64_t s = seed;
    for (int t = 0; t < 60; t++) {
        fund_round r;
        size_t np;
        random_round(&s, &r, &np);
        for (int mode = 0; mode < 4; mode++) {
            fund_cocm_similarity sim = mode & 1 ? FUND_COCM_OG : FUND_COCM_MARKOV;
            int harsh = mode >> 1;
            double a[8], b[8];
            fund_cocm_opts o = opts(sim, harsh);
            CHECK(fund_cocm(&r, &o, NULL, a, NULL, msg) == FUND_OK);
            reference(&r, sim, harsh, b);
            for (size_t p = 0; p < np; p++)
                CHECK_NEAR(a[p], b[p], 1e-10);
            /* the connectedness cache changes speed only: none, room for 0..3 donors,
             * the default -- bit-identical subsidies */
            for (size_t room = 0; room < 5; room++) {
                double c[8];
                o.cache_bytes = room < 4 ? room * np * sizeof(double) : 0;
                CHECK(fund_cocm(&r, &o, NULL, c, NULL, msg) == FUND_OK);
                for (size_t p = 0; p < np; p++)
                    CHECK(c[p] == a[p]);
            }
        }
        fund_round_free(&r);
    }
}

/* Permuting donors (renaming them, so their order changes) and splitting a row into two
 * change nothing beyond rounding. */
static void test_invariances(void)
{
    uint64_t s = seed ^ 0x5eedu;
    for (int t = 0; t < 40; t++) {
        size_t rows = 1 + ft_rand(&s) % 60, nv = 2 + ft_rand(&s) % 15, np = 1 + ft_rand(&s) % 5;
        size_t *rv = calloc(rows, sizeof *rv), *rp = calloc(rows, sizeof *rp);
        double *ra = calloc(rows, sizeof *ra);
        for (size_t i = 0; i < rows; i++) {
            rv[i] = ft_rand(&s) % nv;
            rp[i] = ft_rand(&s) % np;
            ra[i] = (double)(1 + ft_rand(&s) % 300);
        }
        size_t split = ft_rand(&s) % rows;
        fund_round a, b;
        fund_round_init(&a, 0, 0);
        fund_round_init(&b, 0, 0);
        char v[32], p[16];
        for (size_t i = 0; i < rows; i++) {
            snprintf(p, sizeof p, "p%zu", rp[i]);
            snprintf(v, sizeof v, "v%zu", rv[i]);
            add(&a, v, p, ra[i]);
        }
        for (size_t i = rows; i-- > 0;) {   /* reversed rows, donors renamed */
            snprintf(p, sizeof p, "p%zu", rp[i]);
            snprintf(v, sizeof v, "w%zu", (rv[i] * 7919 + 13) % 100003);
            if (i == split) {
                add(&b, v, p, ra[i] * 0.25);
                add(&b, v, p, ra[i] * 0.75);
            } else {
                add(&b, v, p, ra[i]);
            }
        }
        CHECK(fund_round_finish(&a, msg) == FUND_OK);
        CHECK(fund_round_finish(&b, msg) == FUND_OK);
        CHECK(fund_round_nprojects(&a) == fund_round_nprojects(&b));
        for (int mode = 0; mode < 4; mode++) {
            double x[8], y[8];
            fund_cocm_opts o = opts(mode & 1 ? FUND_COCM_OG : FUND_COCM_MARKOV, mode >> 1);
            CHECK(fund_cocm(&a, &o, NULL, x, NULL, msg) == FUND_OK);
            CHECK(fund_cocm(&b, &o, NULL, y, NULL, msg) == FUND_OK);
            for (size_t q = 0; q < fund_round_nprojects(&a); q++)
                CHECK_NEAR(x[q], y[q], 1e-12);
        }
        fund_round_free(&a);
        fund_round_free(&b);
        free(rv);
        free(rp);
        free(ra);
    }
}

/* What the paper says about the QF limit, precisely:
 * (1) every donor alone in their own group (explicit singleton clusters): nobody is
 *     connected to another's group, so K(i,h) = c_ip for h != i's group, M_gh = c_{g,p},
 *     and subsidy_p = sum_{g != h} sqrt(c_gp c_hp) = (sum_i sqrt c_ip)^2 - sum_i c_ip,
 *     plain QF's raw match, in all four modes (markov: S = identity, so k = [i in h]).
 * (2) groups = projects and no donor gives to two projects (disjoint donor bases): each
 *     project's donors form one group, which behaves as a single agent: subsidy 0 -- the
 *     same as plain QF when each project has a single donor. */
static void test_qf_limit(void)
{
    uint64_t s = seed ^ 0xabcdu;
    for (int t = 0; t < 20; t++) {
        fund_round r;
        size_t np;
        random_round(&s, &r, &np);
        size_t nv = fund_round_nvoters(&r);
        const char **v = calloc(nv, sizeof *v);
        for (size_t i = 0; i < nv; i++)
            v[i] = fund_round_voter(&r, i);
        fund_cocm_clusters cl;
        CHECK(fund_cocm_clusters_from_pairs(&r, v, v, nv, &cl, msg) == FUND_OK);
        fund_qf_opts qo;
        fund_qf_opts_default(&qo);
        fund_qf_result q;
        CHECK(fund_qf(&r, &qo, &q, msg) == FUND_OK);
        for (int mode = 0; mode < 4; mode++) {
            double x[8];
            fund_cocm_opts o = opts(mode & 1 ? FUND_COCM_OG : FUND_COCM_MARKOV, mode >> 1);
            CHECK(fund_cocm(&r, &o, &cl, x, NULL, msg) == FUND_OK);
            for (size_t p = 0; p < np; p++)
                CHECK_NEAR(x[p], q.raw[p], 1e-10);
        }
        fund_qf_result_free(&q);
        fund_cocm_clusters_free(&cl);
        free(v);
        fund_round_free(&r);
    }
    fund_round r;
    fund_round_init(&r, 0, 0);
    add(&r, "a", "P", 4);
    add(&r, "b", "P", 9);
    add(&r, "c", "Q", 16);
    add(&r, "d", "R", 1);
    CHECK(fund_round_finish(&r, msg) == FUND_OK);
    for (int mode = 0; mode < 4; mode++) {
        double x[3];
        fund_cocm_opts o = opts(mode & 1 ? FUND_COCM_OG : FUND_COCM_MARKOV, mode >> 1);
        CHECK(fund_cocm(&r, &o, NULL, x, NULL, msg) == FUND_OK);
        CHECK(x[0] == 0 && x[1] == 0 && x[2] == 0);
    }
    fund_round_free(&r);
}

static void test_bad_input(void)
{
    fund_round r;
    fund_round_init(&r, 0, 0);
    add(&r, "a", "P", 4);
    add(&r, "b", "P", 9);
    CHECK(fund_round_finish(&r, msg) == FUND_OK);
    const char *v[] = {"a"}, *g[] = {"G"};
    fund_cocm_clusters cl;
    CHECK(fund_cocm_clusters_from_pairs(&r, v, g, 1, &cl, msg) == FUND_ERR_FORMAT);
    CHECK(strstr(msg, "'b'") != NULL);
    fund_cocm_clusters_free(&cl);
    CHECK(fund_cocm_clusters_load(&r, "/nonexistent/clusters.csv", NULL, NULL, &cl, msg) ==
          FUND_ERR_IO);
    fund_cocm_clusters_free(&cl);
    fund_round_free(&r);
    fund_round_init(&r, 1, 0);
    CHECK(fund_round_add(&r, "a", "P", 0, 4, msg) == FUND_OK);
    CHECK(fund_round_finish(&r, msg) == FUND_OK);
    double x[1];
    fund_cocm_opts o = opts(FUND_COCM_MARKOV, 1);
    CHECK(fund_cocm(&r, &o, NULL, x, NULL, msg) == FUND_ERR_ARG);
    fund_round_free(&r);
}

static void test_gr3(void)
{
    fund_round r;
    if (fund_test_load_gr3(&r, "test_gr3") != 0)
        return;
    size_t np = fund_round_nprojects(&r);
    double *a = calloc(np, sizeof *a), *m = calloc(np, sizeof *m);
    for (int mode = 0; mode < 4; mode++) {
        fund_cocm_opts o = opts(mode & 1 ? FUND_COCM_OG : FUND_COCM_MARKOV, mode >> 1);
        clock_t t0 = clock();
        CHECK(fund_cocm(&r, &o, NULL, a, NULL, msg) == FUND_OK);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        double tot = 0;
        printf("  gr3 %s %s: %zu donors, %zu projects, %.3f s\n", mode & 1 ? "og" : "markov",
               mode >> 1 ? "harsh" : "non-harsh", fund_round_nvoters(&r), np, secs);
        for (size_t p = 0; p < np; p++) {
            CHECK(isfinite(a[p]) && a[p] >= 0);
            tot += a[p];
        }
        if (mode == 3) {
            /* og + harsh with groups = projects is 0 everywhere: two donors of p share the
             * group p, so each is connected to every group of the other */
            CHECK(tot == 0);
            continue;
        }
        CHECK(tot > 0);
        fund_qf_opts qo;
        fund_qf_opts_default(&qo);
        qo.has_pool = 1;
        qo.pool = 100000;
        qo.scale = FUND_SCALE_NORMALISE;
        fund_dist_info info;
        CHECK(fund_distribute(a, np, &qo, m, NULL, &info, msg) == FUND_OK);
        double sum = 0;
        for (size_t p = 0; p < np; p++)
            sum += m[p];
        CHECK_NEAR(sum, 100000.0, 1e-12);
    }
    free(a);
    free(m);
    fund_round_free(&r);
}

int main(int argc, char **argv)
{
    (void)argc;
    fund_test_init(argv[0]);
    seed = fund_test_seed("cocm");
    RUN_TEST(test_paper_by_hand);
    RUN_TEST(test_harsh_differs);
    RUN_TEST(test_against_reference);
    RUN_TEST(test_invariances);
    RUN_TEST(test_qf_limit);
    RUN_TEST(test_bad_input);
    RUN_TEST(test_gr3);
    return fund_test_finish("cocm");
}
