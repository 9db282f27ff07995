/*
 * test_jury.c -- `fund jury` aggregation: hand-computed cases, then the real trial data
 * (../shared/vectors/funding/deepfunding-trial/pairs.csv) when present.
 */
#include <math.h>

#include "dacc/fund_jury.h"
#include "harness.h"

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol * (1 + fabs(b));
}

/* A consistent triangle: a = 2b, b = 3c, a = 6c.  Least squares recovers the ratios
 * exactly: weights 6/10, 3/10, 1/10. */
static void test_lsq_consistent_triangle(void)
{
    fund_cmp c[] = {{0, 1, log(2.0)}, {1, 2, log(3.0)}, {2, 0, -log(6.0)}};
    fund_jury_result r;
    fund_diag d;
    CHECK(fund_jury_solve(3, 3, c, NULL, &r, &d) == 0);
    CHECK(r.ncomp == 1);
    CHECK(near(r.weight[0], 0.6, 1e-12));
    CHECK(near(r.weight[1], 0.3, 1e-12));
    CHECK(near(r.weight[2], 0.1, 1e-12));
    CHECK(fabs(r.y[0] + r.y[1] + r.y[2]) < 1e-14);
    CHECK(fund_jury_cost(3, c, r.y) < 1e-24);
    fund_jury_result_free(&r);
}

/* Inconsistent triangle: a/b = 2, b/c = 2, a/c = 1.  The least-squares residuals are equal
 * thirds of the loop's inconsistency log 4: y_a - y_b = log2 - log4/3 = y_b - y_c, and
 * y_a - y_c = log4/3. */
static void test_lsq_inconsistent_triangle(void)
{
    fund_cmp c[] = {{0, 1, log(2.0)}, {1, 2, log(2.0)}, {0, 2, 0.0}};
    fund_jury_result r;
    CHECK(fund_jury_solve(3, 3, c, NULL, &r, NULL) == 0);
    double t = log(4.0) / 3;
    CHECK(near(r.y[0] - r.y[1], log(2.0) - t, 1e-12));
    CHECK(near(r.y[1] - r.y[2], log(2.0) - t, 1e-12));
    CHECK(near(r.y[0] - r.y[2], t, 1e-12));
    fund_jury_result_free(&r);
}

/* Two components {0,1} and {2,3,4}, plus an isolated node 5: weights per component. */
static void test_components(void)
{
    fund_cmp c[] = {{0, 1, log(4.0)}, {3, 2, log(2.0)}, {4, 3, 0.0}};
    fund_jury_result r;
    CHECK(fund_jury_solve(6, 3, c, NULL, &r, NULL) == 0);
    CHECK(r.ncomp == 3);
    CHECK(r.comp[0] == 0 && r.comp[1] == 0);
    CHECK(r.comp[2] == 1 && r.comp[3] == 1 && r.comp[4] == 1);
    CHECK(r.comp[5] == 2);
    CHECK(near(r.weight[0], 0.8, 1e-12) && near(r.weight[1], 0.2, 1e-12));
    CHECK(near(r.weight[2], 0.2, 1e-12) && near(r.weight[3], 0.4, 1e-12) &&
          near(r.weight[4], 0.4, 1e-12));
    CHECK(r.weight[5] == 1.0);
    fund_jury_result_free(&r);
}

static void test_refusals(void)
{
    fund_cmp self[] = {{1, 1, 0.0}};
    fund_jury_result r;
    fund_diag d;
    CHECK(fund_jury_solve(2, 1, self, NULL, &r, &d) == -1);
    CHECK(strstr(d.msg, "itself") != NULL);
    fund_cmp bad[] = {{0, 1, NAN}};
    CHECK(fund_jury_solve(2, 1, bad, NULL, &r, &d) == -1);
    CHECK(r.y == NULL);
}

/* Huber: on consistent data it equals least squares; with one wild answer it moves less. */
static void test_huber(void)
{
    fund_jury_opts o;
    fund_jury_opts_default(&o);
    o.method = FUND_JURY_HUBER;
    fund_cmp c[] = {{0, 1, log(2.0)}, {1, 2, log(3.0)}, {2, 0, -log(6.0)}};
    fund_jury_result r;
    CHECK(fund_jury_solve(3, 3, c, &o, &r, NULL) == 0);
    CHECK(near(r.weight[0], 0.6, 1e-10) && near(r.weight[2], 0.1, 1e-10));
    fund_jury_result_free(&r);
    /* a vs b answered 2 four times and 1000 once */
    fund_cmp w[] = {{0, 1, log(2.0)}, {0, 1, log(2.0)}, {0, 1, log(2.0)}, {0, 1, log(2.0)},
                    {0, 1, log(1000.0)}};
    fund_jury_result l, h;
    CHECK(fund_jury_solve(2, 5, w, NULL, &l, NULL) == 0);
    CHECK(fund_jury_solve(2, 5, w, &o, &h, NULL) == 0);
    /* least squares: mean of logs; Huber (delta 1): 4 (t - log2) = delta, t = log2 + 1/4 */
    CHECK(near(l.y[0] - l.y[1], (4 * log(2.0) + log(1000.0)) / 5, 1e-12));
    CHECK(near(h.y[0] - h.y[1], log(2.0) + 0.25, 1e-9));
    fund_jury_result_free(&l);
    fund_jury_result_free(&h);
}

/* Bradley-Terry with fractional wins recovers a single pair's ratio and a consistent
 * triangle's ratios. */
static void test_bradley_terry(void)
{
    fund_jury_opts o;
    fund_jury_opts_default(&o);
    o.method = FUND_JURY_BT;
    fund_cmp c[] = {{0, 1, log(2.0)}, {1, 2, log(3.0)}, {2, 0, -log(6.0)}};
    fund_jury_result r;
    CHECK(fund_jury_solve(3, 3, c, &o, &r, NULL) == 0);
    CHECK(near(r.weight[0], 0.6, 1e-9) && near(r.weight[1], 0.3, 1e-9) &&
          near(r.weight[2], 0.1, 1e-9));
    fund_jury_result_free(&r);
}

int main(void)
{
    RUN_TEST(test_lsq_consistent_triangle);
    RUN_TEST(test_lsq_inconsistent_triangle);
    RUN_TEST(test_components);
    RUN_TEST(test_refusals);
    RUN_TEST(test_huber);
    RUN_TEST(test_bradley_terry);
    return harness_finish("fund jury");
}
