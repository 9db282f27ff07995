/*
 * test_blend.c -- `fund blend`: duplicates merged (earliest gets the share), interior and
 * vertex optima computed by hand, non-uniqueness detected.
 */
#include <math.h>

#include "dacc/fund_blend.h"
#include "harness.h"

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol * (1 + fabs(b));
}

static const uint32_t parent0[4] = {0, 0, 0, 0};

/* A submission blended with itself (and with a scaled copy) merges: the earliest gets 1. */
static void test_self_merge(void)
{
    double x[] = {4, 2, 1, 3}, x2[] = {8, 4, 2, 6};
    fund_sub s[] = {{"a", 4, x}, {"copy", 4, x}, {"scaled", 4, x2}};
    fund_answer ans[] = {{0, 0, 1, log(3.0)}, {0, 2, 3, 0.0}};
    fund_blend_result r;
    fund_diag d;
    CHECK(fund_blend(2, ans, 3, s, parent0, NULL, &r, &d) == 0);
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
    double a[] = {1, 1, 1, 1}, b[] = {16, 1, 1, 1}, c[] = {4, 1, 1, 1};
    fund_sub s[] = {{"A", 4, a}, {"B", 4, b}, {"C", 4, c}};
    fund_answer ans[] = {{0, 0, 1, log(4.0)}};
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
    double a[] = {2, 1, 3, 1}, b[] = {1, 2, 1, 1};
    fund_sub s[] = {{"A", 4, a}, {"B", 4, b}};
    fund_answer ans[] = {{0, 0, 1, log(2.0)}, {0, 2, 3, log(3.0)}};
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
    double a[] = {1, 1, 1, 1}, b[] = {exp(2.0), 1, exp(2.0), 1};
    fund_sub s[] = {{"A", 4, a}, {"B", 4, b}};
    fund_answer ans[] = {{0, 0, 1, 1.0}, {0, 2, 3, 0.0}};
    fund_blend_result r;
    CHECK(fund_blend(2, ans, 2, s, parent0, NULL, &r, NULL) == 0);
    CHECK(near(r.share[1], 0.25, 1e-12) && near(r.share[0], 0.75, 1e-12));
    CHECK(near(r.cost, 0.5, 1e-12));
    CHECK(r.unique == 1);
    fund_blend_result_free(&r);
}

int main(void)
{
    RUN_TEST(test_self_merge);
    RUN_TEST(test_interior_and_nonunique);
    RUN_TEST(test_vertex);
    RUN_TEST(test_interior_curved);
    return harness_finish("fund blend");
}
