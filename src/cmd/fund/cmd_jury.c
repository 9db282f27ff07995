/*
 * cmd_jury.c -- `fund jury [--method lsq|huber|bt] [--delta X|mad] [--json] [--plot F.svg] PAIRS`
 *
 * Aggregates jury comparisons into weights per connected component (see src/fund/jury.c
 * for the formulas).  CSV on stdout: repo,weight,component,parent (rows by component, then
 * weight descending); a summary on stderr, with a warning naming the components when the
 * comparison graph is disconnected.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fund/deepio.h"
#include "fund/jury.h"
#include "dacc/json.h"
#include "dacc/csv.h"
#include "deep_cli.h"
#include "dacc/xalloc.h"

static const char jury_usage[] =
    "usage: fund jury [--method lsq|huber|bt] [--delta X|mad] [--json] [--plot FILE.svg]\n"
    "                 PAIRS.csv\n"
    "\n"
    "Aggregate a jury's pairwise answers (timestamp,juror,repo_a,repo_b,parent,choice,\n"
    "multiplier; choice 1: repo_a deserves multiplier times repo_b's credit, 2: the reverse)\n"
    "into weights.  Weights sum to 1 within each connected component of the comparison\n"
    "graph; a disconnected graph is reported, never normalised globally.\n"
    "\n"
    "  --method lsq    least squares on log ratios (default; CG, tolerance 1e-14); on the\n"
    "                  Deep Funding trial data it reproduces the published least-squares\n"
    "                  weights (docs/fund-deep.md)\n"
    "  --method huber  Huber loss in log space by IRLS\n"
    "  --method bt     Bradley-Terry with fractional wins m/(1+m), MM algorithm\n"
    "  --delta X       Huber threshold in natural-log units (default 1.0)\n"
    "  --delta mad     data-scaled threshold 1.345 * MAD(log ratios) / 0.6745, as in the\n"
    "                  trial analysis's huber-log weights\n"
    "  --json          JSON instead of CSV\n"
    "  --plot F.svg    also draw the weights as a bar chart\n"
    "\n"
    "output: repo,weight,component,parent\n";

static const fund_jury_result *g_sort_r;

static int by_comp_weight(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    const fund_jury_result *r = g_sort_r;
    if (r->comp[a] != r->comp[b])
        return r->comp[a] < r->comp[b] ? -1 : 1;
    if (r->weight[a] != r->weight[b])
        return r->weight[a] > r->weight[b] ? -1 : 1;
    return a < b ? -1 : a > b;
}

int fund_cmd_jury(int argc, char **argv)
{
    fund_jury_opts o;
    fund_jury_opts_default(&o);
    int json = 0;
    const char *plot = NULL, *method = "lsq", *delta = NULL;
    const fund_opt opts[] = {{"--json", NULL, &json}, {"--method", &method, NULL},
                             {"--delta", &delta, NULL}, {"--plot", &plot, NULL},
                             {NULL, NULL, NULL}};
    const char *pos[1];
    size_t npos;
    fund_cli_parse(argc, argv, opts, pos, 1, &npos, jury_usage);
    if (npos != 1)
        return fund_cli_usage_error("expected one PAIRS file (fund jury --help)");
    const char *path = pos[0];
    if (strcmp(method, "lsq") == 0)
        o.method = FUND_JURY_LSQ;
    else if (strcmp(method, "huber") == 0)
        o.method = FUND_JURY_HUBER;
    else if (strcmp(method, "bt") == 0)
        o.method = FUND_JURY_BT;
    else
        return fund_cli_usage_error("--method must be lsq, huber or bt, got '%s'", method);
    if (delta != NULL && o.method != FUND_JURY_HUBER) /* no option accepted and ignored */
        return fund_cli_usage_error("--delta is the Huber threshold: it needs --method huber");
    if (delta != NULL && strcmp(delta, "mad") == 0)
        o.huber_mad = 1;
    else if (delta != NULL && dacc_parse_decimal(delta, &o.huber_delta) != 0)
        return fund_cli_usage_error("--delta expects a decimal number > 0 or 'mad', got '%s'",
                                    delta);
    else if (delta != NULL && !(o.huber_delta > 0))
        return fund_cli_usage_error("--delta must be > 0 or 'mad', got '%s'", delta);
    fund_deep dd;
    char dmsg[FUND_MSG_MAX];
    fund_deep_init(&dd);
    fund_err e = fund_deep_load_pairs(&dd, path, dmsg);
    if (e == FUND_OK && fund_deep_labels(&dd) != 0)
        e = fund_fail(dmsg, FUND_ERR_NOMEM, "out of memory");
    if (e != FUND_OK) {
        fund_deep_free(&dd);
        return deep_error("jury", e, dmsg);
    }
    size_t n = dd.keys.n;
    fund_cmp *c = malloc((dd.nans ? dd.nans : 1) * sizeof *c);
    uint32_t *ord = malloc((n ? n : 1) * sizeof *ord);
    double *w = malloc((n ? n : 1) * sizeof *w);
    size_t *csize = NULL;
    fund_jury_result r;
    memset(&r, 0, sizeof r);
    int rc = FUND_EXIT_DATA;
    if (c == NULL || ord == NULL || w == NULL) {
        deep_error("jury", FUND_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < dd.nans; i++) {
        c[i].a = dd.ans[i].a;
        c[i].b = dd.ans[i].b;
        c[i].d = dd.ans[i].d;
    }
    if ((e = fund_jury_solve(n, dd.nans, c, &o, &r, dmsg)) != FUND_OK) {
        deep_error("jury", e, dmsg);
        goto out;
    }
    csize = calloc(r.ncomp ? r.ncomp : 1, sizeof *csize);
    if (csize == NULL) {
        deep_error("jury", FUND_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        ord[i] = (uint32_t)i;
        csize[r.comp[i]]++;
    }
    g_sort_r = &r;
    dacc_qsort(ord, n, sizeof *ord, by_comp_weight);
    fund_cli_eline(
            "jury: %zu answers from %zu jurors on %zu repositories; method %s "
            "(%d iteration%s, final residual/change %.3g)",
            dd.nans, dd.jurors.n, n, method, r.iterations, r.iterations == 1 ? "" : "s",
            r.residual);
    if (o.method == FUND_JURY_HUBER)
        fund_cli_eline("jury: Huber threshold delta %.17g%s", r.delta,
                o.huber_mad ? " (1.345 * MAD / 0.6745)" : "");
    if (o.method == FUND_JURY_LSQ)
        fund_cli_eline("jury: least-squares cost %.17g (mean %.17g)",
                fund_jury_cost(dd.nans, c, r.y),
                dd.nans ? fund_jury_cost(dd.nans, c, r.y) / (double)dd.nans : 0.0);
    if (r.ncomp == 1) {
        fund_cli_eline("jury: the comparison graph is connected (1 component)");
    } else {
        fund_cli_eline(
                "jury: warning: the comparison graph is disconnected: %zu components; "
                "weights sum to 1 within each and cannot be compared across them",
                r.ncomp);
        for (size_t k = 0; k < r.ncomp; k++) {
            const char *first = "";
            for (size_t i = 0; i < n; i++)
                if (r.comp[ord[i]] == k) {
                    first = dd.label[ord[i]];
                    break;
                }
            fund_cli_eline("jury:   component %zu: %zu repositor%s (heaviest %s)", k, csize[k],
                    csize[k] == 1 ? "y" : "ies", first);
        }
    }
    if (json) {
        dacc_json j;
        dacc_json_init(&j, stdout);
        dacc_json_object_begin(&j);
        dacc_json_key(&j, "method");
        dacc_json_string(&j, method);
        dacc_json_key(&j, "answers");
        dacc_json_uint(&j, dd.nans);
        dacc_json_key(&j, "jurors");
        dacc_json_uint(&j, dd.jurors.n);
        dacc_json_key(&j, "iterations");
        dacc_json_int(&j, r.iterations);
        dacc_json_key(&j, "components");
        dacc_json_array_begin(&j);
        for (size_t k = 0; k < r.ncomp; k++) {
            dacc_json_object_begin(&j);
            dacc_json_key(&j, "component");
            dacc_json_uint(&j, k);
            dacc_json_key(&j, "size");
            dacc_json_uint(&j, csize[k]);
            dacc_json_object_end(&j);
        }
        dacc_json_array_end(&j);
        dacc_json_key(&j, "weights");
        dacc_json_array_begin(&j);
        for (size_t i = 0; i < n; i++) {
            uint32_t k = ord[i];
            dacc_json_object_begin(&j);
            dacc_json_key(&j, "repo");
            dacc_json_string(&j, dd.repos.keys[dd.key_repo[k]]);
            dacc_json_key(&j, "weight");
            dacc_json_number(&j, r.weight[k]);
            dacc_json_key(&j, "component");
            dacc_json_uint(&j, r.comp[k]);
            dacc_json_key(&j, "parent");
            dacc_json_string(&j, dd.parents.keys[dd.key_parent[k]]);
            dacc_json_key(&j, "log_weight");
            dacc_json_number(&j, r.y[k]);
            dacc_json_object_end(&j);
        }
        dacc_json_array_end(&j);
        dacc_json_object_end(&j);
        if (fund_cli_json_end(&j) != 0)
            goto out;
    } else {
        printf("repo,weight,component,parent\n");
        for (size_t i = 0; i < n; i++) {
            uint32_t k = ord[i];
            dacc_csv_put(stdout, dd.repos.keys[dd.key_repo[k]]);
            printf(",%.17g,%u,", r.weight[k], (unsigned)r.comp[k]);
            dacc_csv_put(stdout, dd.parents.keys[dd.key_parent[k]]);
            putchar('\n');
        }
    }
    if (plot != NULL) {
        const char **lab = malloc((n ? n : 1) * sizeof *lab);
        if (lab == NULL) {
            deep_error("jury", FUND_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            lab[i] = dd.label[i];
            w[i] = r.weight[i];
        }
        int prc = deep_plot("jury", plot,
                            r.ncomp == 1 ? "Jury weights"
                                         : "Jury weights (per component: not comparable across)",
                            n, lab, w, 0);
        free(lab);
        if (prc != 0)
            goto out;
    }
    rc = FUND_EXIT_OK; /* main() checks the final flush of stdout and names the errno */
out:
    free(c);
    free(ord);
    free(w);
    free(csize);
    fund_jury_result_free(&r);
    fund_deep_free(&dd);
    return rc;
}
