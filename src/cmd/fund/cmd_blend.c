/*
 * cmd_blend.c -- `fund blend [--json] PAIRS SUB.csv SUB.csv...`
 *
 * The simplex-constrained best geometric mix of the submissions against the jury, and the
 * payout shares it implies (src/fund/blend.c).  Identical submissions (same normalised
 * weights) are merged first; the earliest carries the share.  Uniqueness is reported.
 */
#include <stdlib.h>
#include <string.h>

#include "fund/blend.h"
#include "fund/deepio.h"
#include "dacc/json.h"
#include "dacc/outfile.h"
#include "dacc/csv.h"
#include "dacc/xalloc.h"
#include "deep_cli.h"

static const char blend_usage[] =
    "usage: fund blend [--json] [--mix OUT.csv] PAIRS.csv SUB.csv SUB.csv...\n"
    "\n"
    "Find weights w >= 0, sum w = 1, minimising the jury cost of the geometric mix\n"
    "exp(sum_k w_k log x_k) of the submissions, and pay submitters by w.  Submissions whose\n"
    "per-parent normalised weights are identical (to 1e-12) are merged; the earliest gets\n"
    "the merged share, copies get 0.  Reports whether the optimum is unique.\n"
    "\n"
    "  --mix OUT.csv   also write the blended submission (repo,parent,weight, normalised\n"
    "                  per parent; keys missing from a submission with a share are left out)\n"
    "\n"
    "output: submission,share,merged_into,alone_total,alone_mean  (submission: the file;\n"
    "        merged_into: the earlier identical file it was merged into, empty if none)\n";

static void blend_members(dacc_json *j, const void *arg)
{
    const fund_blend_result *r = arg;
    dacc_json_key(j, "cost");
    dacc_json_number(j, r->cost);
    dacc_json_key(j, "mean");
    dacc_json_number(j, r->mean);
    dacc_json_key(j, "unique");
    dacc_json_bool(j, r->unique);
}

int fund_cmd_blend(int argc, char **argv)
{
    int json = 0;
    const char *mix = NULL;
    const fund_opt opts[] = {{"--json", NULL, &json}, {"--mix", &mix, NULL}, {NULL, NULL, NULL}};
    const char **pos = dacc_xcalloc((size_t)argc, sizeof *pos);
    size_t npos;
    fund_cli_parse(argc, argv, opts, pos, (size_t)argc, &npos, blend_usage);
    if (npos < 2) {
        free(pos);
        return fund_cli_usage_error("expected PAIRS.csv and at least one SUB.csv (fund blend --help)");
    }
    const char *pairs = pos[0], **subs = pos + 1;
    size_t nsubs = npos - 1;
    fund_deep dd;
    char dmsg[FUND_MSG_MAX];
    fund_deep_init(&dd);
    fund_loaded_sub *ls = calloc(nsubs, sizeof *ls);
    fund_sub *sv = calloc(nsubs, sizeof *sv);
    double **wts = calloc(nsubs, sizeof *wts);
    fund_blend_result r;
    memset(&r, 0, sizeof r);
    int rc = FUND_EXIT_DATA;
    if (ls == NULL || sv == NULL || wts == NULL) {
        deep_error("blend", FUND_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (deep_load_answers_and_subs("blend", &dd, pairs, subs, nsubs, ls, wts, NULL) != 0)
        goto out;
    for (size_t s = 0; s < nsubs; s++) {
        sv[s].name = subs[s];
        sv[s].nkeys = dd.keys.n;
        sv[s].weight = wts[s];
    }
    fund_err e = fund_blend(dd.nans, dd.ans, nsubs, sv, dd.key_parent,
                            (const char *const *)dd.label, &r, dmsg);
    if (e != FUND_OK) {
        deep_error("blend", e, dmsg);
        goto out;
    }
    fund_cli_eline("blend: %zu submissions, %zu answers; blend cost %.17g (mean %.17g)", nsubs,
            dd.nans, r.cost, r.mean);
    fund_cli_eline(
            "blend: the optimum is %s (%s, %d %s, KKT violation %.3g)",
            r.unique ? "unique" : "NOT unique: other mixes reach the same cost",
            r.method == FUND_QP_ACTIVE_SET ? "active-set method" : "FISTA fallback", r.iterations,
            r.method == FUND_QP_ACTIVE_SET ? "steps" : "iterations", r.kkt);
    for (size_t s = 0; s < nsubs; s++)
        if (r.merged_into[s] != s)
            fund_cli_eline(
                    "blend: %s is identical to %s: merged, its share goes to the "
                    "earlier file",
                    subs[s], subs[r.merged_into[s]]);
    const char **merged = dacc_xcalloc(nsubs, sizeof *merged);
    double *alone_mean = dacc_xcalloc(nsubs, sizeof *alone_mean);
    for (size_t s = 0; s < nsubs; s++) {
        merged[s] = r.merged_into[s] != s ? subs[r.merged_into[s]] : NULL;
        alone_mean[s] = dd.nans ? r.alone[s] / (double)dd.nans : 0.0;
    }
    const fund_cli_col cols[] = {{"share", r.share, NULL, NULL, NULL, NULL},
                                 {"merged_into", NULL, NULL, NULL, NULL, merged},
                                 {"alone_total", r.alone, NULL, NULL, NULL, NULL},
                                 {"alone_mean", alone_mean, NULL, NULL, NULL, NULL}};
    fund_cli_table t = {"submission", subs, nsubs, cols, 4, NULL, NULL};
    int prc = 0;
    if (json)
        prc = deep_print_json(dd.nans, blend_members, &r, &t, NULL);
    else
        fund_cli_table_csv(&t);
    free(merged);
    free(alone_mean);
    if (prc != 0)
        goto out;
    if (mix != NULL) {
        double *mw = malloc((dd.keys.n ? dd.keys.n : 1) * sizeof *mw);
        FILE *f = NULL;
        if (mw == NULL || fund_blend_mix(nsubs, sv, r.share, dd.key_parent, mw) != 0) {
            free(mw);
            deep_error("blend", FUND_ERR_NOMEM, "out of memory");
            goto out;
        }
        dacc_outfile of;
        char err[512];
        if ((f = dacc_outfile_open(&of, mix, err, sizeof err)) == NULL) {
            free(mw);
            deep_error("blend", FUND_ERR_IO, err);
            goto out;
        }
        fprintf(f, "repo,parent,weight\n");
        for (size_t kk = 0; kk < dd.keys.n; kk++) {
            if (mw[kk] != mw[kk]) /* NAN: missing from a submission with a share */
                continue;
            dacc_csv_put(f, dd.repos.keys[dd.key_repo[kk]]);
            fputc(',', f);
            dacc_csv_put(f, dd.parents.keys[dd.key_parent[kk]]);
            fprintf(f, ",%.17g\n", mw[kk]);
        }
        free(mw);
        if (dacc_outfile_commit(&of, err, sizeof err) != 0) {
            deep_error("blend", FUND_ERR_IO, err);
            goto out;
        }
        fund_cli_eline("blend: blended submission written to %s", mix);
    }
    rc = FUND_EXIT_OK; /* main() checks the final flush of stdout and names the errno */
out:
    for (size_t s = 0; wts != NULL && s < nsubs; s++)
        free(wts[s]);
    free(wts);
    for (size_t s = 0; ls != NULL && s < nsubs; s++)
        fund_loaded_sub_free(&ls[s]);
    fund_blend_result_free(&r);
    free(ls);
    free(sv);
    free(pos);
    fund_deep_free(&dd);
    return rc;
}
