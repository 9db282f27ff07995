/* test_qf.c -- contributions, eligibility, plain QF (float, exact, alpha), distribution
 * and caps: the brief's Gitcoin vector, property tests with a printed seed, GR3 real data. */
#include "dacc/csv.h"
#include "fund/contrib.h"
#include "fund/qf.h"
#include "fund_test.h"

__extension__ typedef unsigned __int128 u128;

static char msg[FUND_MSG_MAX];
static uint64_t seed;

/* The brief's vector: p1 donors 1,4,1,9; p2 1,1,1,1,1,1,4; p3 1,9,1,9,1,9,4. */
static const char *vec_voter[] = {"a", "b", "c", "d", "a", "b", "c", "d", "e", "f",
                                  "g", "a", "b", "c", "d", "e", "f", "g"};
static const char *vec_proj[] = {"p1", "p1", "p1", "p1", "p2", "p2", "p2", "p2", "p2",
                                 "p2", "p2", "p3", "p3", "p3", "p3", "p3", "p3", "p3"};
static const int vec_amt[] = {1, 4, 1, 9, 1, 1, 1, 1, 1, 1, 4, 1, 9, 1, 9, 1, 9, 4};
#define VEC_N 18

static void load_vector(fund_round *r, int exact, double scale)
{
    fund_round_init(r, exact, 6);
    for (size_t i = 0; i < VEC_N; i++)
        CHECK(fund_round_add(r, vec_voter[i], vec_proj[i], vec_amt[i] * scale,
                             (uint64_t)vec_amt[i] * 1000000u, msg) == FUND_OK);
    CHECK(fund_round_finish(r, msg) == FUND_OK);
}

static void test_vector_exact_file(void)
{
    char path[4300];
    fund_round r;
    fund_round_init(&r, 1, 6);
    CHECK(fund_round_load_csv(&r, fund_test_path(path, sizeof path, "tests/fund/data/gitcoin_vector.csv"),
                              NULL, msg) == FUND_OK);
    CHECK(fund_round_finish(&r, msg) == FUND_OK);
    CHECK(fund_round_nprojects(&r) == 3 && fund_round_nvoters(&r) == 7 && r.rows == 18);
    fund_qf_opts o;
    fund_qf_opts_default(&o);
    o.has_pool = 1;
    o.pool_units = 100000000;
    fund_qf_result res;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK_U64(res.uraw[0], 34000000);
    CHECK_U64(res.uraw[1], 54000000);
    CHECK_U64(res.uraw[2], 162000000);
    CHECK_U64(res.umatch[0], 13600000);
    CHECK_U64(res.umatch[1], 21600000);
    CHECK_U64(res.umatch[2], 64800000);
    CHECK_U64(res.urem[0], 0);
    CHECK_U64(res.uunallocated, 0);
    CHECK(res.saturated);
    fund_qf_result_free(&res);
    fund_round_free(&r);
}

static void test_vector_float(void)
{
    const double scales[] = {1, 1e6};
    for (size_t s = 0; s < 2; s++) {
        fund_round r;
        load_vector(&r, 0, scales[s]);
        fund_qf_opts o;
        fund_qf_opts_default(&o);
        o.has_pool = 1;
        o.pool = 100 * scales[s];
        fund_qf_result res;
        CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
        CHECK_NEAR(res.match[0], 13.6 * scales[s], 1e-12);
        CHECK_NEAR(res.match[1], 21.6 * scales[s], 1e-12);
        CHECK_NEAR(res.match[2], 64.8 * scales[s], 1e-12);
        CHECK_NEAR(res.ideal[2], 196 * scales[s], 1e-15);
        CHECK_NEAR(res.contrib[2], 34 * scales[s], 1e-15);
        if (scales[s] == 1e6) /* in 6-decimal units the float path is exact */
            CHECK(res.match[0] == 13600000 && res.match[1] == 21600000 && res.match[2] == 64800000);
        fund_qf_result_free(&res);
        /* no pool: raw matches */
        fund_qf_opts_default(&o);
        CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
        CHECK(res.match[0] == 34 * scales[s] && res.match[2] == 162 * scales[s]);
        fund_qf_result_free(&res);
        fund_round_free(&r);
    }
}

static void test_saturate_vs_normalise(void)
{
    fund_round r;
    load_vector(&r, 0, 1);
    fund_qf_opts o;
    fund_qf_opts_default(&o);
    o.has_pool = 1;
    o.pool = 1000; /* raw total 250: under-saturated */
    fund_qf_result res;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK(res.match[0] == 34 && res.match[1] == 54 && res.match[2] == 162 && !res.saturated);
    fund_qf_result_free(&res);
    o.scale = FUND_SCALE_NORMALISE;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK_NEAR(res.match[0], 136, 1e-12);
    CHECK_NEAR(res.match[1], 216, 1e-12);
    CHECK_NEAR(res.match[2], 648, 1e-12);
    fund_qf_result_free(&res);
    o.has_pool = 0;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_ERR_ARG); /* normalise needs a pool */
    fund_round_free(&r);
    /* exact, under-saturated */
    load_vector(&r, 1, 1);
    fund_qf_opts_default(&o);
    o.has_pool = 1;
    o.pool_units = 1000000000;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK_U64(res.umatch[2], 162000000);
    fund_qf_result_free(&res);
    o.scale = FUND_SCALE_NORMALISE;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK_U64(res.umatch[0], 136000000);
    CHECK_U64(res.umatch[2], 648000000);
    fund_qf_result_free(&res);
    fund_round_free(&r);
}

static void test_caps(void)
{
    fund_round r;
    load_vector(&r, 0, 1);
    fund_qf_opts o;
    fund_qf_opts_default(&o);
    o.has_pool = 1;
    o.pool = 100;
    o.has_cap = 1;
    o.cap = 40;
    fund_qf_result res;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK(res.match[2] == 40 && res.capped[2] && !res.capped[0]);
    CHECK_NEAR(res.match[0], 60.0 * 34 / 88, 1e-12);
    CHECK_NEAR(res.match[1], 60.0 * 54 / 88, 1e-12);
    CHECK_NEAR(res.total_match, 100, 1e-12);
    CHECK(res.unallocated == 0);
    fund_qf_result_free(&res);
    /* fraction 0.3 of the pool: all three end capped, 10 left unallocated */
    o.cap_is_fraction = 1;
    o.cap_fraction = 0.3;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK(res.match[0] == res.match[1] && res.match[1] == res.match[2]);
    CHECK_NEAR(res.match[0], 30, 1e-15);
    CHECK_NEAR(res.unallocated, 10, 1e-12);
    CHECK(res.iterations >= 3);
    fund_qf_result_free(&res);
    o.has_pool = 0;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_ERR_ARG);
    fund_round_free(&r);
    /* exact: cap 40,000,000 units */
    load_vector(&r, 1, 1);
    fund_qf_opts_default(&o);
    o.has_pool = 1;
    o.pool_units = 100000000;
    o.has_cap = 1;
    o.cap_units = 40000000;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK_U64(res.umatch[2], 40000000);
    CHECK_U64(res.umatch[0], 23181818); /* floor(60e6 * 34 / 88) */
    CHECK_U64(res.umatch[1], 36818181);
    CHECK_U64(res.uunallocated, 1);
    CHECK_U64(res.umatch[0] + res.umatch[1] + res.umatch[2] + res.uunallocated, 100000000);
    fund_qf_result_free(&res);
    fund_round_free(&r);
    /* exact, pluralistic.js's top-up rule, worked by hand: shares 10, 20, 70, cap 30:
     * 70 -> 30 (overflow 40 over 30 below): 10 + 13, 20 + 26 -> 23, 46;
     * 46 -> 30 (overflow 16 over 23 below): 23 + 16 -> 39;  39 -> 30, nothing below: stop */
    const dacc_u128 raws[] = {10, 20, 70};
    dacc_u128 m[3];
    int capped[3];
    fund_dist_uinfo ui;
    fund_qf_opts_default(&o);
    o.has_pool = 1;
    o.pool_units = 100;
    o.has_cap = 1;
    o.cap_units = 30;
    CHECK(fund_distribute_exact(raws, 3, &o, m, capped, &ui, msg) == FUND_OK);
    CHECK(m[0] == 30 && m[1] == 30 && m[2] == 30 && capped[0] && capped[1] && capped[2]);
    CHECK(ui.unallocated == 10 && ui.iterations == 3 && ui.budget == 100);
    /* float: the same by recomputation from raw */
    const double fraws[] = {10, 20, 70};
    double fm[3];
    fund_dist_info fi;
    o.pool = 100;
    o.cap = 30;
    CHECK(fund_distribute(fraws, 3, &o, fm, capped, &fi, msg) == FUND_OK);
    CHECK(fm[0] == 30 && fm[1] == 30 && fm[2] == 30 && fi.unallocated == 10);
}

static void test_alpha(void)
{
    fund_round r;
    load_vector(&r, 0, 1);
    fund_qf_opts o;
    fund_qf_opts_default(&o);
    o.alpha = 1;
    o.has_pool = 1;
    o.pool = 100; /* alpha = 100 / (309 - 59) = 0.4 */
    fund_qf_result res;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK_NEAR(res.alpha, 0.4, 1e-15);
    CHECK_NEAR(res.match[0], 13.6, 1e-12);
    CHECK_NEAR(res.match[2], 64.8, 1e-12);
    fund_qf_result_free(&res);
    o.pool = 1000; /* alpha clamps to 1: raw matches, 750 left */
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK(res.alpha == 1 && res.match[2] == 162);
    CHECK_NEAR(res.unallocated, 750, 1e-12);
    fund_qf_result_free(&res);
    o.has_pool = 0;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_ERR_ARG);
    fund_round_free(&r);
    /* issue 8 item 11 (review): a pool far below the contributions.  The match was
     * computed as (alpha V^2 + (1 - alpha) C) - C, whose cancellation made every match 0
     * and left the whole pool unallocated; it is alpha (V^2 - C). */
    fund_round_init(&r, 0, 0);
    CHECK(fund_round_add(&r, "a", "p", 1e200, 0, msg) == FUND_OK);
    CHECK(fund_round_add(&r, "b", "p", 1e200, 0, msg) == FUND_OK);
    CHECK(fund_round_add(&r, "a", "q", 1e200, 0, msg) == FUND_OK);
    CHECK(fund_round_add(&r, "c", "q", 1e200, 0, msg) == FUND_OK);
    CHECK(fund_round_finish(&r, msg) == FUND_OK);
    o.has_pool = 1;
    o.pool = 1;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK_NEAR(res.match[0], 0.5, 1e-15);
    CHECK_NEAR(res.match[1], 0.5, 1e-15);
    CHECK(fabs(res.unallocated) <= 1e-15);
    fund_qf_result_free(&res);
    fund_round_free(&r);
}

static void test_isqrt(void)
{
    uint64_t rem;
    CHECK(fund_isqrt(0, &rem) == 0 && rem == 0);
    CHECK(fund_isqrt(15, &rem) == 3 && rem == 6);
    CHECK(fund_isqrt(16, &rem) == 4 && rem == 0);
    CHECK(fund_isqrt(UINT64_MAX, &rem) == 0xFFFFFFFFull && rem == 0x1FFFFFFFEull);
    CHECK(fund_isqrt(0xFFFFFFFE00000001ull, &rem) == 0xFFFFFFFFull && rem == 0);
    CHECK(fund_isqrt(0xFFFFFFFE00000000ull, &rem) == 0xFFFFFFFEull);
    uint64_t s = seed;
    for (int i = 0; i < 100000; i++) {
        uint64_t x = ft_rand(&s) >> (ft_rand(&s) % 64);
        uint64_t q = fund_isqrt(x, &rem);
        u128 q2 = (u128)q * q, q3 = (u128)(q + 1) * (q + 1);
        if (!(q2 <= x && q3 > x && rem == x - q * q)) {
            CHECK(0);
            break;
        }
    }
    /* exact mode: a single donor with a non-square amount matches 0; remainders kept */
    fund_round r;
    fund_round_init(&r, 1, 0);
    CHECK(fund_round_add(&r, "a", "p", 0, 10, msg) == FUND_OK);
    CHECK(fund_round_add(&r, "b", "p", 0, 5, msg) == FUND_OK);
    CHECK(fund_round_add(&r, "c", "q", 0, 7, msg) == FUND_OK);
    CHECK(fund_round_finish(&r, msg) == FUND_OK);
    fund_qf_opts o;
    fund_qf_opts_default(&o);
    fund_qf_result res;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK_U64(res.usum_sqrt[0], 5); /* 3 + 2 */
    CHECK_U64(res.urem[0], 2);      /* 1 + 1 */
    CHECK_U64(res.uraw[0], 10);     /* 25 - 15 */
    CHECK_U64(res.uraw[1], 0);      /* 2^2 - 7 < 0 -> 0 */
    fund_qf_result_free(&res);
    fund_round_free(&r);
}

static void test_eligibility(void)
{
    char path[4300];
    fund_round r;
    load_vector(&r, 0, 1);
    CHECK(fund_round_drop_self(&r, fund_test_path(path, sizeof path, "tests/fund/data/owners.csv"),
                               msg) == FUND_OK);
    CHECK(r.dropped_self == 1 && r.n == 17);
    CHECK(fund_round_apply_min(&r, 2, 0, msg) == FUND_OK); /* drops every 1 */
    CHECK(r.dropped_min == 11 && r.n == 6);
    fund_qf_opts o;
    fund_qf_opts_default(&o);
    fund_qf_result res;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK(res.donors[0] == 1 && res.match[0] == 0); /* p1: only d (9) left */
    CHECK(res.donors[2] == 4);
    CHECK_NEAR(res.match[2], 121 - 31, 1e-12);      /* p3: 9,9,9,4: (3+3+3+2)^2 - 31 */
    fund_qf_result_free(&res);
    fund_round_free(&r);

    load_vector(&r, 0, 1);
    /* scores a 30, b 15, c 10, d 20.5, e 25, f 0, g absent; thresholds 10..30 */
    CHECK(fund_round_apply_trust(&r, fund_test_path(path, sizeof path, "tests/fund/data/scores.csv"),
                                 10, 30, msg) == FUND_OK);
    CHECK(r.dropped_trust == 3 + 2 + 2 && r.n == 11); /* c, f and g, on their projects */
    /* p1: a 1 x 1, b 4 x 0.25, d 9 x 0.525 */
    CHECK(r.c[r.proj_start[0] + 1].amount == 1.0);
    CHECK_NEAR(r.c[r.proj_start[0] + 2].amount, 9 * 0.525, 1e-15);
    CHECK(fund_trust_factor(20, 10, 30) == 0.5 && fund_trust_factor(5, 10, 30) == 0 &&
          fund_trust_factor(31, 10, 30) == 1);
    /* issue 8 item 11 (review): thresholds whose difference passes the largest double
     * made every factor (s - A) / inf = 0 (every match 0, exit 0) */
    CHECK(fund_trust_factor(0, -1e308, 1e308) == 0.5);
    CHECK_NEAR(fund_trust_factor(1e308, -1.7e308, 1.7e308), (1e308 / 2 + 1.7e308 / 2) / 1.7e308,
               1e-15);
    CHECK(fund_round_apply_trust(&r, path, 30, 10, msg) == FUND_ERR_ARG);
    fund_round_free(&r);
    load_vector(&r, 1, 1);
    CHECK(fund_round_apply_trust(&r, path, 10, 30, msg) == FUND_ERR_ARG); /* not in exact mode */
    CHECK(fund_round_apply_min(&r, 0, 4000000, msg) == FUND_OK);
    CHECK(r.n == 7);
    fund_round_free(&r);
}

static void test_load_errors(void)
{
    char path[4300];
    fund_round r;
    fund_round_init(&r, 0, 0);
    CHECK(fund_round_load_csv(&r, fund_test_path(path, sizeof path, "tests/fund/data/bad_amount.csv"),
                              NULL, msg) == FUND_ERR_FORMAT);
    CHECK(strstr(msg, "bad_amount.csv:3:3: expected a decimal number in column 'amount', got \"0.0x5\"") != NULL);
    fund_round_free(&r);
    fund_round_init(&r, 0, 0);
    fund_columns cols = {"address", NULL, NULL, NULL};
    CHECK(fund_round_load_csv(&r, fund_test_path(path, sizeof path, "tests/fund/data/gitcoin_vector.csv"),
                              &cols, msg) == FUND_ERR_FORMAT);
    CHECK(strstr(msg, "expected a column named 'address'") != NULL);
    fund_round_free(&r);
    fund_round_init(&r, 0, 0);
    CHECK(fund_round_load_csv(&r, "/nonexistent.csv", NULL, msg) == FUND_ERR_IO);
    fund_round_free(&r);
    fund_round_init(&r, 0, 0);
    CHECK(fund_round_load_csv(&r, fund_test_path(path, sizeof path, "tests/fund/data/negative.csv"),
                              NULL, msg) == FUND_ERR_FORMAT);
    CHECK(strstr(msg, "negative.csv:2:3: expected a non-negative amount") != NULL);
    fund_round_free(&r);
    fund_round_init(&r, 1, 2);
    CHECK(fund_round_load_csv(&r, fund_test_path(path, sizeof path, "tests/fund/data/negative.csv"),
                              NULL, msg) == FUND_ERR_FORMAT);
    CHECK(strstr(msg, "at most 2 decimals") != NULL);
    fund_round_free(&r);
}

/* A random round; row order and row splitting controlled by the caller. */
typedef struct {
    char voter[16], project[16];
    uint64_t amount; /* integer, so float sums are exact */
} row;

static size_t gen_rows(uint64_t *s, row *rows, size_t max)
{
    size_t nproj = 1 + ft_rand(s) % 8, nvot = 1 + ft_rand(s) % 30, n = 0;
    size_t want = 1 + ft_rand(s) % (max / 2);
    for (size_t i = 0; i < want; i++) {
        snprintf(rows[n].voter, sizeof rows[n].voter, "v%zu", (size_t)(ft_rand(s) % nvot));
        snprintf(rows[n].project, sizeof rows[n].project, "p%zu", (size_t)(ft_rand(s) % nproj));
        rows[n].amount = 1 + ft_rand(s) % 1000;
        n++;
    }
    return n;
}

static void build(fund_round *r, int exact, const row *rows, size_t n)
{
    fund_round_init(r, exact, 0);
    for (size_t i = 0; i < n; i++)
        fund_round_add(r, rows[i].voter, rows[i].project, (double)rows[i].amount, rows[i].amount, msg);
    fund_round_finish(r, msg);
}

static void test_properties(void)
{
    uint64_t s = seed;
    enum { MAXR = 400 };
    static row a[MAXR], b[MAXR];
    for (int iter = 0; iter < 300; iter++) {
        size_t n = gen_rows(&s, a, MAXR);
        /* b: a permuted, then one row split in two */
        memcpy(b, a, n * sizeof *a);
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = ft_rand(&s) % (i + 1);
            row t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
        size_t m = n;
        size_t k = ft_rand(&s) % n;
        if (b[k].amount > 1) {
            uint64_t part = 1 + ft_rand(&s) % (b[k].amount - 1);
            b[m] = b[k];
            b[m].amount = part;
            b[k].amount -= part;
            m++;
        }
        fund_qf_opts o;
        fund_qf_opts_default(&o);
        o.has_pool = ft_rand(&s) % 4 != 0;
        o.pool = (double)(ft_rand(&s) % 100000);
        o.pool_units = (uint64_t)o.pool;
        o.scale = o.has_pool && ft_rand(&s) % 2 ? FUND_SCALE_NORMALISE : FUND_SCALE_SATURATE;
        o.has_cap = ft_rand(&s) % 2;
        o.cap_is_fraction = o.has_pool && ft_rand(&s) % 2;
        o.cap_fraction = 0.05 + (double)(ft_rand(&s) % 95) / 100;
        o.cap_fraction_e18 = (uint64_t)(o.cap_fraction * 1e18);
        o.cap = (double)(ft_rand(&s) % 5000);
        o.cap_units = (uint64_t)o.cap;
        for (int exact = 0; exact < 2; exact++) {
            fund_round ra, rb;
            build(&ra, exact, a, n);
            build(&rb, exact, b, m);
            fund_qf_result x, y;
            fund_err ea = fund_qf(&ra, &o, &x, msg), eb = fund_qf(&rb, &o, &y, msg);
            CHECK(ea == FUND_OK && eb == FUND_OK);
            if (ea != FUND_OK || eb != FUND_OK) {
                printf("  iteration %d: %s\n", iter, msg);
                return;
            }
            CHECK(x.n == y.n);
            double cap = o.cap_is_fraction ? o.cap_fraction * o.pool : o.cap;
            uint64_t ucap = o.cap_is_fraction ? (uint64_t)((u128)o.pool_units * o.cap_fraction_e18 / 1000000000000000000ull) : o.cap_units;
            for (size_t p = 0; p < x.n; p++) {
                if (exact) {
                    CHECK(x.umatch[p] == y.umatch[p]);
                    if (o.has_cap)
                        CHECK(x.umatch[p] <= ucap);
                } else {
                    CHECK(memcmp(&x.match[p], &y.match[p], sizeof(double)) == 0);
                    if (o.has_cap)
                        CHECK(x.match[p] <= cap);
                }
            }
            if (exact) {
                CHECK(x.utotal_match + x.uunallocated == x.ubudget);
            } else {
                CHECK_NEAR(x.total_match + x.unallocated, x.budget, 1e-9);
                if (o.has_pool && o.scale == FUND_SCALE_NORMALISE && !o.has_cap && x.total_raw > 0)
                    CHECK_NEAR(x.total_match, o.pool, 1e-9);
                /* capped projects hold exactly the cap; uncapped ones are below it */
                for (size_t p = 0; p < x.n && o.has_cap; p++)
                    CHECK(x.capped[p] ? x.match[p] == cap : x.match[p] <= cap);
            }
            fund_qf_result_free(&x);
            fund_qf_result_free(&y);
            fund_round_free(&ra);
            fund_round_free(&rb);
        }
        if (ft_current_failed) {
            printf("  first failure at iteration %d\n", iter);
            return;
        }
    }
}

static void test_gr3(void)
{
    fund_round r;
    if (fund_test_load_gr3(&r, "test_gr3") != 0)
        return;
    CHECK(r.rows == 1931);
    CHECK(fund_round_nvoters(&r) == 324);
    CHECK(fund_round_nprojects(&r) == 75);
    fund_qf_opts o;
    fund_qf_opts_default(&o);
    o.has_pool = 1;
    o.pool = 100000;
    o.scale = FUND_SCALE_NORMALISE;
    fund_qf_result res;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    double sum = 0;
    for (size_t p = 0; p < res.n; p++) {
        CHECK(res.match[p] >= 0);
        sum += res.match[p];
    }
    CHECK_NEAR(sum, 100000, 1e-9);
    fund_qf_result_free(&res);
    o.has_cap = 1;
    o.cap_is_fraction = 1;
    o.cap_fraction = 0.05;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    sum = 0;
    for (size_t p = 0; p < res.n; p++) {
        CHECK(res.match[p] <= 5000);
        sum += res.match[p];
    }
    CHECK_NEAR(sum, 100000, 1e-9);
    fund_qf_result_free(&res);
    fund_round_free(&r);
}

static void test_errors_and_overflow(void)
{
    /* every code has a distinct name; each is produced somewhere in this suite */
    for (int i = 0; i < FUND_ERR_COUNT; i++) {
        CHECK(strncmp(fund_err_name((fund_err)i), "FUND_", 5) == 0);
        CHECK(fund_err_text((fund_err)i)[0] != '\0');
        for (int j = 0; j < i; j++)
            CHECK(strcmp(fund_err_name((fund_err)i), fund_err_name((fund_err)j)) != 0);
    }
    CHECK(strcmp(fund_err_name(FUND_ERR_COUNT), "FUND_ERR_UNKNOWN") == 0);
    /* exact: one pair's rows overflow 128 bits */
    fund_round r;
    fund_round_init(&r, 1, 0);
    CHECK(fund_round_add(&r, "a", "p", 0, DACC_U128_MAX / 2 + 1, msg) == FUND_OK);
    CHECK(fund_round_add(&r, "a", "p", 0, DACC_U128_MAX / 2 + 1, msg) == FUND_OK);
    CHECK(fund_round_finish(&r, msg) == FUND_ERR_RANGE);
    CHECK(strstr(msg, "overflow") != NULL);
    fund_round_free(&r);
    /* exact: (sum of square roots)^2 overflows: 5 donors of 2^126 -> (5 * 2^63)^2 > 2^128 */
    fund_round_init(&r, 1, 0);
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (size_t i = 0; i < 5; i++)
        CHECK(fund_round_add(&r, names[i], "p", 0, (dacc_u128)1 << 126, msg) == FUND_OK);
    CHECK(fund_round_finish(&r, msg) == FUND_OK);
    fund_qf_opts o;
    fund_qf_opts_default(&o);
    fund_qf_result res;
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_ERR_RANGE);
    fund_round_free(&r);
    /* three projects whose raw matches fit but whose sum does not: two donors of
     * a = (2^63 - 1)^2 each give raw 2a ~ 2^127 */
    fund_round_init(&r, 1, 0);
    const dacc_u128 a = ((dacc_u128)1 << 63) - 1;
    const char *projects[] = {"p", "q", "s"};
    for (size_t i = 0; i < 2; i++)
        for (size_t k = 0; k < 3; k++)
            CHECK(fund_round_add(&r, names[i], projects[k], 0, a * a, msg) == FUND_OK);
    CHECK(fund_round_finish(&r, msg) == FUND_OK);
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_ERR_RANGE);
    fund_round_free(&r);
    /* ... while two of them are fine, exactly */
    fund_round_init(&r, 1, 0);
    for (size_t i = 0; i < 2; i++)
        for (size_t k = 0; k < 2; k++)
            CHECK(fund_round_add(&r, names[i], projects[k], 0, a * a, msg) == FUND_OK);
    CHECK(fund_round_finish(&r, msg) == FUND_OK);
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_OK);
    CHECK(res.uraw[0] == 2 * a * a && res.usum_sqrt[0] == 2 * a && res.urem[0] == 0);
    fund_qf_result_free(&res);
    fund_round_free(&r);
    /* float: sums past the largest double are refused, never inf/NaN/0 in the output */
    fund_round_init(&r, 0, 0);
    for (size_t i = 0; i < 3; i++)
        CHECK(fund_round_add(&r, names[i], "p", 1e308, 0, msg) == FUND_OK);
    CHECK(fund_round_finish(&r, msg) == FUND_OK);
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_ERR_RANGE);
    CHECK(strstr(msg, "project 'p': the sum of contributions exceeds the largest double") != NULL);
    CHECK(res.match == NULL);
    fund_round_free(&r);
    fund_round_init(&r, 0, 0); /* the sum fits, (sum of square roots)^2 does not */
    CHECK(fund_round_add(&r, "a", "p", 1e308, 0, msg) == FUND_OK);
    CHECK(fund_round_add(&r, "b", "p", 5e307, 0, msg) == FUND_OK);
    CHECK(fund_round_finish(&r, msg) == FUND_OK);
    CHECK(fund_qf(&r, &o, &res, msg) == FUND_ERR_RANGE);
    CHECK(strstr(msg, "(sum of square roots)^2") != NULL);
    fund_round_free(&r);
    fund_round_init(&r, 0, 0); /* one pair's rows */
    CHECK(fund_round_add(&r, "a", "p", 1e308, 0, msg) == FUND_OK);
    CHECK(fund_round_add(&r, "a", "p", 1e308, 0, msg) == FUND_OK);
    CHECK(fund_round_finish(&r, msg) == FUND_ERR_RANGE);
    CHECK(strstr(msg, "contributions of 'a' to 'p' sum past the largest double") != NULL);
    fund_round_free(&r);
    /* an empty round (no rows at all) finishes without sorting a NULL array */
    fund_round_init(&r, 0, 0);
    CHECK(fund_round_finish(&r, msg) == FUND_OK && fund_round_nprojects(&r) == 0);
    fund_round_free(&r);
    /* float: a negative amount is refused */
    fund_round_init(&r, 0, 0);
    CHECK(fund_round_add(&r, "a", "p", -1, 0, msg) == FUND_ERR_FORMAT);
    CHECK(fund_round_add(&r, "a", "p", NAN, 0, msg) == FUND_ERR_FORMAT);
    fund_round_free(&r);
}

int main(int argc, char **argv)
{
    (void)argc;
    fund_test_init(argv[0]);
    seed = fund_test_seed("qf");
    RUN_TEST(test_vector_exact_file);
    RUN_TEST(test_vector_float);
    RUN_TEST(test_saturate_vs_normalise);
    RUN_TEST(test_caps);
    RUN_TEST(test_alpha);
    RUN_TEST(test_isqrt);
    RUN_TEST(test_eligibility);
    RUN_TEST(test_load_errors);
    RUN_TEST(test_properties);
    RUN_TEST(test_errors_and_overflow);
    RUN_TEST(test_gr3);
    return fund_test_finish("qf");
}
