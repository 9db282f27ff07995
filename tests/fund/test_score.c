/*
 * test_score.c -- `fund score`: hand-computed costs and breakdowns; real trial models when
 * present (see the I/O part below).
 */
#include <math.h>

#include "dacc/fund_score.h"
#include "harness.h"

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol * (1 + fabs(b));
}

/* keys 0,1,2 under one parent; x = (4, 2, 1).  Answers: juror 0 says a=2b (exact),
 * juror 1 says b = 4c (residual log2 - log4 = -log2), juror 1 says c = a (residual
 * log(1/4) - 0). */
static void test_hand_cost(void)
{
    double x[] = {4, 2, 1};
    fund_sub s = {"sub", 3, x};
    fund_answer a[] = {{0, 0, 1, log(2.0)}, {1, 1, 2, log(4.0)}, {1, 2, 0, 0.0}};
    fund_score_result r;
    fund_diag d;
    CHECK(fund_score(3, a, 2, &s, NULL, &r, &d) == 0);
    double l2 = log(2.0);
    CHECK(near(r.residual[0], 0, 1e-15));
    CHECK(near(r.residual[1], -l2, 1e-14));
    CHECK(near(r.residual[2], -2 * l2, 1e-14));
    CHECK(near(r.total, 5 * l2 * l2, 1e-14));
    CHECK(near(r.mean, 5 * l2 * l2 / 3, 1e-14));
    CHECK(r.juror_count[0] == 1 && r.juror_count[1] == 2);
    CHECK(near(r.juror_total[1], 5 * l2 * l2, 1e-14));
    fund_score_result_free(&r);
    /* scaling the whole submission changes nothing */
    double y[] = {40, 20, 10};
    fund_sub t = {"sub10", 3, y};
    CHECK(fund_score(3, a, 2, &t, NULL, &r, &d) == 0);
    CHECK(near(r.total, 5 * l2 * l2, 1e-14));
    fund_score_result_free(&r);
}

static void test_refusals(void)
{
    double x[] = {4, NAN, 0};
    fund_sub s = {"sub.csv", 3, x};
    const char *names[] = {"r0", "r1", "r2"};
    fund_answer a1[] = {{0, 0, 1, 0.0}};
    fund_answer a2[] = {{0, 0, 2, 0.0}};
    fund_score_result r;
    fund_diag d;
    CHECK(fund_score(1, a1, 1, &s, names, &r, &d) == -1);
    CHECK(strstr(d.msg, "sub.csv") != NULL && strstr(d.msg, "no weight for r1") != NULL);
    CHECK(r.residual == NULL);
    CHECK(fund_score(1, a2, 1, &s, names, &r, &d) == -1);
    CHECK(strstr(d.msg, "r2") != NULL && strstr(d.msg, "positive") != NULL);
}

int main(void)
{
    RUN_TEST(test_hand_cost);
    RUN_TEST(test_refusals);
    return harness_finish("fund score");
}
