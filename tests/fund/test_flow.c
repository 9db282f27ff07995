/*
 * test_flow.c -- `fund flow`: Buterin's worked example, conservation, cycles, refusals.
 */
#include <math.h>

#include "dacc/fund_flow.h"
#include "harness.h"

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol * (1 + fabs(b));
}

/* Buterin (2025): 0.205 * 0.6 * 0.173 + 0.195 * 0.648 * 0.201 = 0.046677.  Graph: source S
 * (originality 0) gives 0.205 to A, 0.195 to B, 0.6 to C; A keeps 0.4 and passes 0.6,
 * 0.173 of it to T; B keeps 0.352 and passes 0.648, 0.201 of it to T.  T, C, D, E are
 * leaves and keep everything. */
static void test_buterin_example(void)
{
    enum { S, A, B, C, T, D, E, N };
    const char *names[N] = {"S", "A", "B", "C", "T", "D", "E"};
    fund_edge e[] = {{S, A, 0.205}, {S, B, 0.195}, {S, C, 0.6},  {A, T, 0.173},
                     {A, D, 0.827}, {B, T, 0.201}, {B, E, 0.799}};
    double o[N] = {0, 0.4, 0.352, NAN, NAN, NAN, NAN};
    fund_flow_result r;
    fund_diag d;
    CHECK(fund_flow(N, 7, e, o, NAN, S, 1.0, names, NULL, &r, &d) == 0);
    CHECK(near(r.payout[T], 0.205 * 0.6 * 0.173 + 0.195 * 0.648 * 0.201, 1e-14));
    CHECK(fabs(r.payout[T] - 0.046677) < 5e-7);
    CHECK(near(r.total, 1.0, 1e-12));
    CHECK(r.payout[S] == 0 && near(r.payout[A], 0.205 * 0.4, 1e-15));
    CHECK(r.nscc_cyclic == 0);
    fund_flow_result_free(&r);
    /* scaled amount: payouts scale and still sum to it */
    CHECK(fund_flow(N, 7, e, o, NAN, S, 1e6, names, NULL, &r, &d) == 0);
    CHECK(fabs(r.total - 1e6) <= 1e-12 * 1e6);
    CHECK(near(r.payout[T], 46677.36, 1e-12));
    fund_flow_result_free(&r);
}

/* A <-> B, originality 1/2 each, source A: f_A = 1 + f_B / 2, f_B = f_A / 2, so
 * f_A = 4/3, payouts 2/3 and 1/3. */
static void test_two_cycle(void)
{
    fund_edge e[] = {{0, 1, 1.0}, {1, 0, 1.0}};
    fund_flow_result r;
    CHECK(fund_flow(2, 2, e, NULL, 0.5, 0, 1.0, NULL, NULL, &r, NULL) == 0);
    CHECK(near(r.payout[0], 2.0 / 3, 1e-14) && near(r.payout[1], 1.0 / 3, 1e-14));
    CHECK(near(r.total, 1, 1e-12));
    CHECK(r.nscc_cyclic == 1 && r.sweeps > 1);
    fund_flow_result_free(&r);
}

/* A cycle with originality 0 that leaks through an edge: A -> B, B -> A, B -> C (equal
 * weights): everything ends at C. Also a self-loop node. */
static void test_cycle_with_exit(void)
{
    fund_edge e[] = {{0, 1, 1.0}, {1, 0, 1.0}, {1, 2, 1.0}, {2, 2, 1.0}, {2, 3, 3.0}};
    double o[] = {0, 0, 0.5, NAN};
    fund_flow_result r;
    CHECK(fund_flow(4, 5, e, o, NAN, 0, 1.0, NULL, NULL, &r, NULL) == 0);
    CHECK(near(r.inflow[0], 2, 1e-13) && near(r.inflow[1], 2, 1e-13));
    /* C: f = 1 + f/8, keeps 1/2 of 8/7 = 4/7; D gets 3/7 */
    CHECK(near(r.payout[2], 4.0 / 7, 1e-13) && near(r.payout[3], 3.0 / 7, 1e-13));
    CHECK(near(r.total, 1, 1e-12));
    fund_flow_result_free(&r);
}

/* A large ring with small originality, plus a long chain: no recursion, converges,
 * conserves. */
static void test_big_ring_and_chain(void)
{
    enum { RING = 2000, CHAIN = 200000 };
    size_t n = RING + CHAIN, m = RING + CHAIN;
    fund_edge *e = malloc(m * sizeof *e);
    CHECK(e != NULL);
    if (e == NULL)
        return;
    for (uint32_t i = 0; i < RING; i++)
        e[i] = (fund_edge){i, (i + 1) % RING, 1.0};
    e[RING] = (fund_edge){0, RING, 1.0}; /* ring -> chain */
    for (uint32_t i = 1; i < CHAIN; i++)
        e[RING + i] = (fund_edge){RING + i - 1, RING + i, 1.0};
    fund_flow_result r;
    fund_diag d;
    CHECK(fund_flow(n, m, e, NULL, 0.01, 0, 1.0, NULL, NULL, &r, &d) == 0);
    CHECK(fabs(r.total - 1) <= 1e-12);
    CHECK(r.nreached == n && r.nscc_cyclic == 1);
    fund_flow_result_free(&r);
    free(e);
}

static void test_refusals(void)
{
    const char *names[] = {"src", "alpha", "beta", "leaf"};
    fund_edge trap[] = {{0, 1, 1.0}, {1, 2, 1.0}, {2, 1, 1.0}};
    double o[] = {0.5, 0, 0, NAN};
    fund_flow_result r;
    fund_diag d;
    CHECK(fund_flow(4, 3, trap, o, NAN, 0, 1.0, names, NULL, &r, &d) == -1);
    CHECK(strstr(d.msg, "trapped") != NULL && strstr(d.msg, "alpha") != NULL &&
          strstr(d.msg, "beta") != NULL);
    CHECK(r.payout == NULL);
    /* a self-loop with originality 0 is trapped too */
    fund_edge self[] = {{0, 3, 1.0}, {3, 3, 1.0}};
    double o2[] = {0, NAN, NAN, 0};
    CHECK(fund_flow(4, 2, self, o2, NAN, 0, 1.0, names, NULL, &r, &d) == -1);
    CHECK(strstr(d.msg, "leaf") != NULL);
    /* missing originality names the node; a default fixes it */
    fund_edge chain[] = {{0, 1, 1.0}, {1, 3, 1.0}};
    double o3[] = {0.5, NAN, NAN, NAN};
    CHECK(fund_flow(4, 2, chain, o3, NAN, 0, 1.0, names, NULL, &r, &d) == -1);
    CHECK(strstr(d.msg, "alpha") != NULL && strstr(d.msg, "originality") != NULL);
    CHECK(fund_flow(4, 2, chain, o3, 0.25, 0, 1.0, names, NULL, &r, &d) == 0);
    CHECK(near(r.payout[1], 0.125, 1e-15) && near(r.payout[3], 0.375, 1e-15));
    CHECK(r.reached[2] == 0 && r.payout[2] == 0);
    fund_flow_result_free(&r);
    fund_edge neg[] = {{0, 1, -1.0}};
    CHECK(fund_flow(4, 1, neg, NULL, 0.5, 0, 1.0, names, NULL, &r, &d) == -1);
    CHECK(strstr(d.msg, "src -> alpha") != NULL);
}

int main(void)
{
    RUN_TEST(test_buterin_example);
    RUN_TEST(test_two_cycle);
    RUN_TEST(test_cycle_with_exit);
    RUN_TEST(test_big_ring_and_chain);
    RUN_TEST(test_refusals);
    return harness_finish("fund flow");
}
