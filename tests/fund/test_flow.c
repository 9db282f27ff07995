/*
 * test_flow.c -- `fund flow`: Buterin's worked example, conservation, cycles, refusals.
 */
#include <math.h>

#include "fund/flow.h"
#include "fund/deepio.h"
#include "fund_test.h"

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
    const char *names[N] = { "S", "A", "B", "C", "T", "D", "E" };
    fund_edge e[] = { { S, A, 0.205 }, { S, B, 0.195 }, { S, C, 0.6 },  { A, T, 0.173 },
                      { A, D, 0.827 }, { B, T, 0.201 }, { B, E, 0.799 } };
    double o[N] = { 0, 0.4, 0.352, NAN, NAN, NAN, NAN };
    fund_flow_result r;
    char dmsg[FUND_MSG_MAX];
    CHECK(fund_flow(N, 7, e, o, NAN, S, 1.0, names, NULL, &r, dmsg) == 0);
    CHECK(near(r.payout[T], 0.205 * 0.6 * 0.173 + 0.195 * 0.648 * 0.201, 1e-14));
    CHECK(fabs(r.payout[T] - 0.046677) < 5e-7);
    CHECK(near(r.total, 1.0, 1e-12));
    CHECK(r.payout[S] == 0 && near(r.payout[A], 0.205 * 0.4, 1e-15));
    CHECK(r.nscc_cyclic == 0);
    fund_flow_result_free(&r);
    /* scaled amount: payouts scale and still sum to it */
    CHECK(fund_flow(N, 7, e, o, NAN, S, 1e6, names, NULL, &r, dmsg) == 0);
    CHECK(fabs(r.total - 1e6) <= 1e-12 * 1e6);
    CHECK(near(r.payout[T], 46677.36, 1e-12));
    fund_flow_result_free(&r);
}

/* A <-> B, originality 1/2 each, source A: f_A = 1 + f_B / 2, f_B = f_A / 2, so
 * f_A = 4/3, payouts 2/3 and 1/3. */
static void test_two_cycle(void)
{
    fund_edge e[] = { { 0, 1, 1.0 }, { 1, 0, 1.0 } };
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
    fund_edge e[] = { { 0, 1, 1.0 }, { 1, 0, 1.0 }, { 1, 2, 1.0 }, { 2, 2, 1.0 }, { 2, 3, 3.0 } };
    double o[] = { 0, 0, 0.5, NAN };
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
        e[i] = (fund_edge){ i, (i + 1) % RING, 1.0 };
    e[RING] = (fund_edge){ 0, RING, 1.0 }; /* ring -> chain */
    for (uint32_t i = 1; i < CHAIN; i++)
        e[RING + i] = (fund_edge){ RING + i - 1, RING + i, 1.0 };
    fund_flow_result r;
    char dmsg[FUND_MSG_MAX];
    CHECK(fund_flow(n, m, e, NULL, 0.01, 0, 1.0, NULL, NULL, &r, dmsg) == 0);
    CHECK(fabs(r.total - 1) <= 1e-12);
    CHECK(r.nreached == n && r.nscc_cyclic == 1);
    fund_flow_result_free(&r);
    free(e);
}

static void test_refusals(void)
{
    const char *names[] = { "src", "alpha", "beta", "leaf" };
    fund_edge trap[] = { { 0, 1, 1.0 }, { 1, 2, 1.0 }, { 2, 1, 1.0 } };
    double o[] = { 0.5, 0, 0, NAN };
    fund_flow_result r;
    char dmsg[FUND_MSG_MAX];
    CHECK(fund_flow(4, 3, trap, o, NAN, 0, 1.0, names, NULL, &r, dmsg) == FUND_ERR_FORMAT);
    CHECK(strstr(dmsg, "trapped") != NULL && strstr(dmsg, "alpha") != NULL &&
          strstr(dmsg, "beta") != NULL);
    CHECK(r.payout == NULL);
    /* a self-loop with originality 0 is trapped too */
    fund_edge self[] = { { 0, 3, 1.0 }, { 3, 3, 1.0 } };
    double o2[] = { 0, NAN, NAN, 0 };
    CHECK(fund_flow(4, 2, self, o2, NAN, 0, 1.0, names, NULL, &r, dmsg) == FUND_ERR_FORMAT);
    CHECK(strstr(dmsg, "leaf") != NULL);
    /* missing originality names the node; a default fixes it */
    fund_edge chain[] = { { 0, 1, 1.0 }, { 1, 3, 1.0 } };
    double o3[] = { 0.5, NAN, NAN, NAN };
    CHECK(fund_flow(4, 2, chain, o3, NAN, 0, 1.0, names, NULL, &r, dmsg) == FUND_ERR_FORMAT);
    CHECK(strstr(dmsg, "alpha") != NULL && strstr(dmsg, "originality") != NULL);
    CHECK(fund_flow(4, 2, chain, o3, 0.25, 0, 1.0, names, NULL, &r, dmsg) == 0);
    CHECK(near(r.payout[1], 0.125, 1e-15) && near(r.payout[3], 0.375, 1e-15));
    CHECK(r.reached[2] == 0 && r.payout[2] == 0);
    fund_flow_result_free(&r);
    fund_edge neg[] = { { 0, 1, -1.0 } };
    CHECK(fund_flow(4, 1, neg, NULL, 0.5, 0, 1.0, names, NULL, &r, dmsg) == FUND_ERR_ARG);
    CHECK(strstr(dmsg, "src -> alpha") != NULL);
}

/* Weights and amounts near the largest double: shares are still exact fractions, an
 * intermediate past it is refused naming the node, and payouts that do not add up to the
 * amount are refused, never printed. */
static void test_overflow_and_conservation(void)
{
    const char *names[] = { "src", "alpha", "beta", "leaf", "more", "last" };
    fund_edge big[] = { { 0, 1, 1e308 }, { 0, 2, 1e308 }, { 0, 3, 1e308 }, { 0, 4, 1e308 },
                        { 0, 5, 1e308 } };
    fund_flow_result r;
    char dmsg[FUND_MSG_MAX];
    CHECK(fund_flow(6, 5, big, NULL, 0, 0, 100, names, NULL, &r, dmsg) == 0);
    for (int i = 1; i < 6; i++)
        CHECK(near(r.payout[i], 20, 1e-15));
    CHECK(near(r.total, 100, 1e-15));
    fund_flow_result_free(&r);
    /* a ring that keeps 1e-3 of what passes: the inflow is about 500 times the amount */
    fund_edge ring[] = { { 0, 1, 1 }, { 1, 0, 1 } };
    double o[] = { 1e-3, 1e-3, NAN, NAN, NAN, NAN };
    CHECK(fund_flow(2, 2, ring, o, NAN, 0, 1e306, names, NULL, &r, dmsg) == FUND_ERR_RANGE);
    CHECK(strstr(dmsg, "exceeds the largest double") != NULL && strstr(dmsg, "src") != NULL);
    CHECK(r.payout == NULL);
    /* a coarse Gauss-Seidel stop leaves money in the ring: refused */
    fund_flow_opts fo;
    fund_flow_opts_default(&fo);
    fo.tol = 1e-3;
    CHECK(fund_flow(2, 2, ring, o, NAN, 0, 100, names, &fo, &r, dmsg) == FUND_ERR_RANGE);
    CHECK(strstr(dmsg, "the payouts sum to") != NULL && strstr(dmsg, "--tolerance") != NULL);
    CHECK(fund_flow(2, 2, ring, o, NAN, 0, 100, names, NULL, &r, dmsg) == 0);
    CHECK(fabs(r.total - 100) <= FUND_FLOW_SUM_TOL * 100);
    fund_flow_result_free(&r);
    /* issue 13: a solver that runs out of sweeps says so with its own code */
    fund_flow_opts_default(&fo);
    fo.max_sweeps = 2;
    CHECK(fund_flow(2, 2, ring, o, NAN, 0, 100, names, &fo, &r, dmsg) == FUND_ERR_CONVERGE);
    CHECK(strstr(dmsg, "did not converge in 2 sweeps") != NULL);
    CHECK(strcmp(fund_err_name(FUND_ERR_CONVERGE), "FUND_ERR_CONVERGE") == 0 &&
          strcmp(fund_err_name(FUND_ERR_NOMEM), "FUND_ERR_NOMEM") == 0);
}

/* Buterin's example from the committed CSV fixtures, and the trapped-cycle fixture. */
static void test_fixture_files(void)
{
    char e[8448], o[8448];
    fund_depgraph g;
    char dmsg[FUND_MSG_MAX];
    double *orig = NULL;
    fund_depgraph_init(&g);
    CHECK(fund_depgraph_load(&g, fund_test_path(e, sizeof e, "tests/fund/data/deep_edges.csv"),
                             dmsg) == 0);
    CHECK(fund_depgraph_load_originality(
              &g, fund_test_path(o, sizeof o, "tests/fund/data/deep_originality.csv"), &orig, dmsg) ==
          0);
    long s = dacc_strmap_find(&g.nodes, "S"), t = dacc_strmap_find(&g.nodes, "T");
    CHECK(s >= 0 && t >= 0);
    fund_flow_result r;
    CHECK(fund_flow(g.nodes.n, g.m, g.e, orig, NAN, (uint32_t)s, 1.0,
                    (const char *const *)g.nodes.keys, NULL, &r, dmsg) == 0);
    CHECK_NEAR(r.payout[t], 0.04667736, 1e-14);
    CHECK_NEAR(r.total, 1.0, 1e-12);
    fund_flow_result_free(&r);
    free(orig);
    fund_depgraph_free(&g);

    fund_depgraph_init(&g);
    CHECK(fund_depgraph_load(&g, fund_test_path(e, sizeof e, "tests/fund/data/deep_edges_trap.csv"),
                             dmsg) == 0);
    CHECK(fund_depgraph_load_originality(
              &g, fund_test_path(o, sizeof o, "tests/fund/data/deep_originality_trap.csv"), &orig,
              dmsg) == 0);
    CHECK(fund_flow(g.nodes.n, g.m, g.e, orig, NAN, 0, 1.0, (const char *const *)g.nodes.keys,
                    NULL, &r, dmsg) == FUND_ERR_FORMAT);
    CHECK(strstr(dmsg, "trapped") != NULL && strstr(dmsg, "b, c") != NULL);
    free(orig);
    fund_depgraph_free(&g);
}

/* The full dependency graph (14,961 edges, self-loops included) from "ethereum". */
/* issue 13: the JSON graph is the CSV graph: the same nodes in the same order, the same
 * edges and weights; list values are edges of weight 1; errors name the file and place. */
static void test_json_graph(void)
{
    char e[8448], j[8448];
    char dmsg[FUND_MSG_MAX];
    fund_depgraph a, b;
    fund_depgraph_init(&a);
    fund_depgraph_init(&b);
    CHECK(fund_depgraph_load(&a, fund_test_path(e, sizeof e, "tests/fund/data/deep_edges.csv"),
                             dmsg) == FUND_OK);
    CHECK(fund_depgraph_load(&b, fund_test_path(j, sizeof j, "tests/fund/data/deep_edges.json"),
                             dmsg) == FUND_OK);
    CHECK(a.nodes.n == b.nodes.n && a.m == b.m);
    for (size_t i = 0; i < a.nodes.n && i < b.nodes.n; i++)
        CHECK(strcmp(a.nodes.keys[i], b.nodes.keys[i]) == 0);
    for (size_t k = 0; k < a.m && k < b.m; k++)
        CHECK(a.e[k].from == b.e[k].from && a.e[k].to == b.e[k].to && a.e[k].w == b.e[k].w);
    fund_depgraph_free(&a);
    fund_depgraph_free(&b);
    static const struct {
        const char *text;
        fund_err want;
        const char *msg;
    } cases[] = {
        {"\xef\xbb\xbf {\"p\": [\"a\", \"\\ud83d\\ude00\"], \"q\": {}}", FUND_OK, NULL},
        {"{\"p\": [\"a\", \"a\"]}", FUND_ERR_FORMAT, ":1: expected each (repo, parent) edge once"},
        {"{\"p\": {\"a\": 01}}", FUND_ERR_FORMAT, ":1:13: expected a JSON number"},
        {"{\"p\": [\"\\ude00\"]}", FUND_ERR_FORMAT, "no lone low surrogate"},
        {"{\"p\": [\"a\"],}", FUND_ERR_FORMAT, "expected a string"},
        {"{\"p\": [\"\"]}", FUND_ERR_FORMAT, "a non-empty name"},
        {"{\"p\": [\"a\"]", FUND_ERR_FORMAT, "expected ',' or '}'"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char path[] = "fund-test-graph.json";
        FILE *f = fopen(path, "wb");
        CHECK(f != NULL);
        if (f == NULL)
            return;
        fputs(cases[c].text, f);
        fclose(f);
        fund_depgraph g;
        fund_depgraph_init(&g);
        fund_err got = fund_depgraph_load(&g, path, dmsg);
        CHECK(got == cases[c].want);
        if (cases[c].msg != NULL)
            CHECK(strstr(dmsg, cases[c].msg) != NULL && strstr(dmsg, path) != NULL);
        else
            CHECK(g.nodes.n == 4 && g.m == 2 && g.e[1].w == 1 &&
                  strcmp(g.nodes.keys[g.e[1].to], "\xf0\x9f\x98\x80") == 0);
        fund_depgraph_free(&g);
        remove(path);
    }
}

static void test_real_graph(void)
{
    char p[8448];
    if (fund_test_shared(p, sizeof p, "dependency-graph/repo_parent_weight_graph.csv") == NULL) {
        printf("SKIP test_real_graph: ../shared/vectors/funding not present\n");
        return;
    }
    fund_depgraph g;
    char dmsg[FUND_MSG_MAX];
    fund_depgraph_init(&g);
    CHECK(fund_depgraph_load(&g, p, dmsg) == 0);
    CHECK(g.m == 14961);
    long s = dacc_strmap_find(&g.nodes, "ethereum");
    CHECK(s >= 0);
    fund_flow_result r;
    CHECK(fund_flow(g.nodes.n, g.m, g.e, NULL, 0.2, (uint32_t)s, 1e6,
                    (const char *const *)g.nodes.keys, NULL, &r, dmsg) == 0);
    printf("real graph: %zu nodes, %zu reached, %zu cyclic components, paid %.17g of 1e6\n",
           g.nodes.n, r.nreached, r.nscc_cyclic, r.total);
    CHECK(fabs(r.total - 1e6) <= 1e-12 * 1e6);
    CHECK_NEAR(r.payout[s], 2e5, 1e-15);
    /* without a default, the first reached node without originality is named */
    fund_flow_result_free(&r);
    CHECK(fund_flow(g.nodes.n, g.m, g.e, NULL, NAN, (uint32_t)s, 1e6,
                    (const char *const *)g.nodes.keys, NULL, &r, dmsg) == FUND_ERR_FORMAT);
    CHECK(strstr(dmsg, "no originality for ethereum") != NULL);
    fund_depgraph_free(&g);
}

/* Property: on random graphs with cycles (seeded, printed), the SCC-ordered solution equals
 * plain fixed-point iteration of f = a e_s + P^T f over the whole graph, and conserves. */
static void test_random_vs_fixed_point(void)
{
    uint64_t seed = fund_test_seed("fund flow random graphs");
    for (int round = 0; round < 50; round++) {
        size_t n = 2 + ft_rand(&seed) % 40, m = ft_rand(&seed) % (3 * n + 1);
        fund_edge *e = malloc((m + 1) * sizeof *e);
        double *o = malloc(n * sizeof *o), *f = calloc(n, sizeof *f), *g = calloc(n, sizeof *g);
        double *outw = calloc(n, sizeof *outw);
        if (e == NULL || o == NULL || f == NULL || g == NULL || outw == NULL) {
            CHECK(0);
            free(e), free(o), free(f), free(g), free(outw);
            return;
        }
        for (size_t k = 0; k < m; k++) {
            e[k].from = (uint32_t)(ft_rand(&seed) % n);
            e[k].to = (uint32_t)(ft_rand(&seed) % n);
            e[k].w = (double)(ft_rand(&seed) % 100) / 10;
            outw[e[k].from] += e[k].w;
        }
        for (size_t i = 0; i < n; i++)
            o[i] = 0.05 + (double)(ft_rand(&seed) % 96) / 100;
        fund_flow_result r;
        char dmsg[FUND_MSG_MAX];
        CHECK(fund_flow(n, m, e, o, NAN, 0, 1.0, NULL, NULL, &r, dmsg) == 0);
        /* reference: Jacobi on the whole graph */
        for (int it = 0; it < 5000; it++) {
            for (size_t i = 0; i < n; i++)
                g[i] = i == 0 ? 1.0 : 0.0;
            for (size_t k = 0; k < m; k++) {
                uint32_t u = e[k].from;
                if (outw[u] > 0)
                    g[e[k].to] += (1 - o[u]) * e[k].w / outw[u] * f[u];
            }
            memcpy(f, g, n * sizeof *f);
        }
        double total = 0;
        for (size_t i = 0; i < n; i++) {
            double oi = outw[i] > 0 ? o[i] : 1;
            CHECK_NEAR(r.payout[i], oi * f[i], 1e-12);
            total += r.payout[i];
        }
        CHECK_NEAR(total, 1.0, 1e-12);
        fund_flow_result_free(&r);
        free(e), free(o), free(f), free(g), free(outw);
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    fund_test_init(argv[0]);
    RUN_TEST(test_buterin_example);
    RUN_TEST(test_two_cycle);
    RUN_TEST(test_cycle_with_exit);
    RUN_TEST(test_big_ring_and_chain);
    RUN_TEST(test_refusals);
    RUN_TEST(test_overflow_and_conservation);
    RUN_TEST(test_random_vs_fixed_point);
    RUN_TEST(test_fixture_files);
    RUN_TEST(test_real_graph);
    RUN_TEST(test_json_graph);
    return fund_test_finish("fund flow");
}
