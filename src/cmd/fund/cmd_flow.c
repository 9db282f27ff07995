/*
 * cmd_flow.c -- `fund flow --source NODE --amount X [--originality F] [--originality-default
 * X] [--json] [--plot F.svg] EDGES.csv`
 *
 * Sends the amount into the dependency graph (CSV repo,parent,weight: an edge parent ->
 * repo; or JSON {"parent": ["repo", ...]} / {"parent": {"repo": weight}}) at NODE and lets it flow with originality shares (src/fund/flow.c).  CSV on stdout:
 * repo,payout,inflow,originality for every node the money reaches, payout descending.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fund/deepio.h"
#include "fund/flow.h"
#include "dacc/json.h"
#include "dacc/csv.h"
#include "deep_cli.h"
#include "dacc/xalloc.h"

static const char flow_usage[] =
    "usage: fund flow --source NODE --amount X [--originality FILE] [--originality-default X]\n"
    "                 [--tolerance T] [--json] [--plot FILE.svg] EDGES.csv|GRAPH.json\n"
    "\n"
    "Send X into the dependency graph (EDGES: repo,parent,weight; money flows from parent to\n"
    "repo in proportion to the weights among the parent's edges) at NODE.  The graph may be\n"
    "JSON instead (deepfunding/dependency-graph's format): {\"parent\": [\"repo\", ...]}, each\n"
    "listed repo an edge of weight 1, or {\"parent\": {\"repo\": weight, ...}}.  Each node keeps\n"
    "its originality share (FILE: repo,originality, in [0, 1]) and passes the rest on.  Nodes\n"
    "without outgoing edges keep everything; any other node the money reaches needs an\n"
    "originality or --originality-default.  Cycles are solved to a tolerance (default 1e-15\n"
    "relative, Gauss-Seidel); a cycle nothing can leave is refused with its members named.\n"
    "\n"
    "output: repo,payout,inflow,originality  (nodes reached, largest payout first)\n";

static const double *g_pay;

static int by_payout(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    if (g_pay[a] != g_pay[b])
        return g_pay[a] > g_pay[b] ? -1 : 1;
    return a < b ? -1 : a > b;
}

int fund_cmd_flow(int argc, char **argv)
{
    const char *source = NULL, *origf = NULL, *plot = NULL;
    const char *amount_text = NULL, *odef_text = NULL, *tol_text = NULL;
    double amount = NAN, odef = NAN;
    int json = 0;
    fund_flow_opts o;
    fund_flow_opts_default(&o);
    const fund_opt opts[] = {{"--json", NULL, &json},
                             {"--source", &source, NULL},
                             {"--amount", &amount_text, NULL},
                             {"--originality", &origf, NULL},
                             {"--originality-default", &odef_text, NULL},
                             {"--tolerance", &tol_text, NULL},
                             {"--plot", &plot, NULL},
                             {NULL, NULL, NULL}};
    const char *pos[1];
    size_t npos;
    fund_cli_parse(argc, argv, opts, pos, 1, &npos, flow_usage);
    if (npos != 1 || source == NULL || amount_text == NULL)
        return fund_cli_usage_error("EDGES, --source and --amount are required (fund flow --help)");
    const char *path = pos[0];
    /* one message per refusal: a malformed number, or one out of range */
    if (fund_cli_number("--amount", amount_text, &amount) != 0)
        return FUND_EXIT_USAGE;
    if (amount < 0)
        return fund_cli_usage_error("--amount must be >= 0, got '%s'", amount_text);
    if (odef_text != NULL && fund_cli_number("--originality-default", odef_text, &odef) != 0)
        return FUND_EXIT_USAGE;
    if (odef_text != NULL && !(odef >= 0 && odef <= 1))
        return fund_cli_usage_error("--originality-default must be in [0, 1], got '%s'",
                                    odef_text);
    if (tol_text != NULL && fund_cli_number("--tolerance", tol_text, &o.tol) != 0)
        return FUND_EXIT_USAGE;
    if (tol_text != NULL && !(o.tol > 0))
        return fund_cli_usage_error("--tolerance must be > 0, got '%s'", tol_text);
    fund_depgraph g;
    char dmsg[FUND_MSG_MAX];
    double *orig = NULL;
    uint32_t *ord = NULL;
    const char **lab = NULL;
    double *val = NULL;
    fund_flow_result r;
    memset(&r, 0, sizeof r);
    int rc = FUND_EXIT_DATA;
    fund_depgraph_init(&g);
    fund_err e = fund_depgraph_load(&g, path, dmsg);
    if (e == FUND_OK && origf != NULL)
        e = fund_depgraph_load_originality(&g, origf, &orig, dmsg);
    if (e != FUND_OK) {
        deep_error("flow", e, dmsg);
        goto out;
    }
    int64_t src = dacc_strmap_find(&g.nodes, source);
    if (src < 0) {
        fund_cli_eline("fund flow: error: the source %s is not a node of %s", source, path);
        goto out;
    }
    size_t n = g.nodes.n;
    e = fund_flow(n, g.m, g.e, orig, odef, (uint32_t)src, amount,
                  (const char *const *)g.nodes.keys, &o, &r, dmsg);
    if (e != FUND_OK) {
        deep_error("flow", e, dmsg);
        goto out;
    }
    ord = malloc(n * sizeof *ord);
    lab = malloc(n * sizeof *lab);
    val = malloc(n * sizeof *val);
    if (ord == NULL || lab == NULL || val == NULL) {
        deep_error("flow", FUND_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t nr = 0;
    for (size_t i = 0; i < n; i++)
        if (r.reached[i])
            ord[nr++] = (uint32_t)i;
    g_pay = r.payout;
    dacc_qsort(ord, nr, sizeof *ord, by_payout);
    fund_cli_eline(
            "flow: %zu nodes, %zu edges; %zu reached from %s; %zu cyclic component%s "
            "(at most %ld Gauss-Seidel sweeps)",
            n, g.m, r.nreached, source, r.nscc_cyclic, r.nscc_cyclic == 1 ? "" : "s", r.sweeps);
    fund_cli_eline("flow: paid out %.17g of %.17g (difference %.3g)", r.total, amount,
            r.total - amount);
    if (json) {
        dacc_json j;
        dacc_json_init(&j, stdout);
        dacc_json_object_begin(&j);
        dacc_json_key(&j, "source");
        dacc_json_string(&j, source);
        dacc_json_key(&j, "amount");
        dacc_json_number(&j, amount);
        dacc_json_key(&j, "total");
        dacc_json_number(&j, r.total);
        dacc_json_key(&j, "payouts");
        dacc_json_array_begin(&j);
        for (size_t k = 0; k < nr; k++) {
            uint32_t i = ord[k];
            dacc_json_object_begin(&j);
            dacc_json_key(&j, "repo");
            dacc_json_string(&j, g.nodes.keys[i]);
            dacc_json_key(&j, "payout");
            dacc_json_number(&j, r.payout[i]);
            dacc_json_key(&j, "inflow");
            dacc_json_number(&j, r.inflow[i]);
            dacc_json_key(&j, "originality");
            dacc_json_number(&j, r.originality[i]);
            dacc_json_object_end(&j);
        }
        dacc_json_array_end(&j);
        dacc_json_object_end(&j);
        if (fund_cli_json_end(&j) != 0)
            goto out;
    } else {
        printf("repo,payout,inflow,originality\n");
        for (size_t k = 0; k < nr; k++) {
            uint32_t i = ord[k];
            dacc_csv_put(stdout, g.nodes.keys[i]);
            printf(",%.17g,%.17g,%.17g\n", r.payout[i], r.inflow[i], r.originality[i]);
        }
    }
    if (plot != NULL) {
        size_t np = 0;
        for (size_t k = 0; k < nr; k++)
            if (r.payout[ord[k]] > 0) {
                lab[np] = g.nodes.keys[ord[k]];
                val[np++] = r.payout[ord[k]];
            }
        char title[96];
        if (np > 60)
            snprintf(title, sizeof title, "Payouts from %.40s (largest 60 of %zu)", source, np);
        else
            snprintf(title, sizeof title, "Payouts from %.40s", source);
        if (deep_plot("flow", plot, title, np, lab, val, 60) != 0)
            goto out;
    }
    rc = FUND_EXIT_OK; /* main() checks the final flush of stdout and names the errno */
out:
    free(orig);
    free(ord);
    free(lab);
    free(val);
    fund_flow_result_free(&r);
    fund_depgraph_free(&g);
    return rc;
}
