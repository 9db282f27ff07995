/*
 * cmd_score.c -- `fund score [--by submission|juror|pair] [--json] [--skip-invalid] PAIRS
 * SUB.csv...`
 *
 * Scores each submission (repo,parent,weight) against the jury: the sum over answers of
 * (log x[a] - log x[b] - d)^2 and its mean (src/fund/score.c).  Every file is read and
 * checked before anything is printed, so a corrupt submission stops the run with its
 * file and line -- or, with --skip-invalid, is listed with its error and left out.
 */
#include <stdlib.h>
#include <string.h>

#include "fund/deepio.h"
#include "fund/score.h"
#include "dacc/json.h"
#include "dacc/csv.h"
#include "dacc/xalloc.h"
#include "deep_cli.h"

static const char score_usage[] =
    "usage: fund score [--by submission|juror|pair] [--json] [--skip-invalid] PAIRS.csv\n"
    "                  SUB.csv [SUB.csv...]\n"
    "\n"
    "Score submissions (repo,parent,weight) against jury answers: the cost of an answer\n"
    "\"a deserves m times b\" is (log x[a] - log x[b] - log m)^2; totals and means.\n"
    "\n"
    "  --by submission  one row per submission (default): submission,answers,total,mean\n"
    "                   (submission: the file)\n"
    "  --by juror       submission,juror,answers,total,mean\n"
    "  --by pair        repo_a,repo_b,parent,juror,line,submission,jury_log_ratio,\n"
    "                   model_log_ratio,residual,cost\n"
    "  --json           everything as JSON (every breakdown: not with --by)\n"
    "  --skip-invalid   a submission that cannot be read or scored is listed on stderr\n"
    "                   with its error (and under \"skipped\" in JSON) and left out; the\n"
    "                   rest are scored (exit 1 only when none is left)\n";

typedef struct {
    const fund_deep *dd;
    const fund_score_result *res;
} score_arg;

/* Per submission in JSON: its jurors and pairs breakdowns. */
static void score_row_members(dacc_json *j, size_t s, const void *arg)
{
    const score_arg *a = arg;
    const fund_deep *dd = a->dd;
    const fund_score_result *r = &a->res[s];
    dacc_json_key(j, "jurors");
    dacc_json_array_begin(j);
    for (size_t k = 0; k < dd->jurors.n; k++) {
        dacc_json_object_begin(j);
        dacc_json_key(j, "juror");
        dacc_json_string(j, dd->jurors.keys[k]);
        dacc_json_key(j, "answers");
        dacc_json_uint(j, r->juror_count[k]);
        dacc_json_key(j, "total");
        dacc_json_number(j, r->juror_total[k]);
        dacc_json_object_end(j);
    }
    dacc_json_array_end(j);
    dacc_json_key(j, "pairs");
    dacc_json_array_begin(j);
    for (size_t i = 0; i < dd->nans; i++) {
        const fund_answer *an = &dd->ans[i];
        dacc_json_object_begin(j);
        dacc_json_key(j, "line");
        dacc_json_int(j, dd->ans_line[i]);
        dacc_json_key(j, "repo_a");
        dacc_json_string(j, dd->repos.keys[dd->key_repo[an->a]]);
        dacc_json_key(j, "repo_b");
        dacc_json_string(j, dd->repos.keys[dd->key_repo[an->b]]);
        dacc_json_key(j, "residual");
        dacc_json_number(j, r->residual[i]);
        dacc_json_object_end(j);
    }
    dacc_json_array_end(j);
}

int fund_cmd_score(int argc, char **argv)
{
    const char *by_text = NULL;
    int json = 0, skip_invalid = 0;
    const fund_opt opts[] = {{"--json", NULL, &json},
                             {"--by", &by_text, NULL},
                             {"--skip-invalid", NULL, &skip_invalid},
                             {NULL, NULL, NULL}};
    const char **pos = dacc_xcalloc((size_t)argc, sizeof *pos);
    size_t npos;
    fund_cli_parse(argc, argv, opts, pos, (size_t)argc, &npos, score_usage);
    if (json && by_text != NULL) { /* --json prints every breakdown: --by would be ignored */
        free(pos);
        return fund_cli_usage_error("--by chooses a CSV table; --json prints them all: give one");
    }
    const char *by = by_text != NULL ? by_text : "submission";
    if (strcmp(by, "submission") != 0 && strcmp(by, "juror") != 0 && strcmp(by, "pair") != 0) {
        free(pos);
        return fund_cli_usage_error("--by must be submission, juror or pair, got '%s'", by);
    }
    if (npos < 2) {
        free(pos);
        return fund_cli_usage_error("expected PAIRS.csv and at least one SUB.csv (fund score --help)");
    }
    const char *pairs = pos[0], **subs = pos + 1;
    size_t nsubs = npos - 1;
    fund_deep dd;
    char dmsg[FUND_MSG_MAX];
    fund_deep_init(&dd);
    fund_loaded_sub *ls = dacc_xcalloc(nsubs, sizeof *ls);
    fund_score_result *res = dacc_xcalloc(nsubs, sizeof *res);
    double **wts = dacc_xcalloc(nsubs, sizeof *wts);
    /* the submissions scored, in order: their files, answer counts and results */
    const char **name = dacc_xcalloc(nsubs, sizeof *name);
    size_t *nans = dacc_xcalloc(nsubs, sizeof *nans);
    double *total = dacc_xcalloc(nsubs, sizeof *total), *mean = dacc_xcalloc(nsubs, sizeof *mean);
    deep_skipped sk;
    deep_skipped_init(&sk, nsubs);
    size_t n = 0;
    int rc = FUND_EXIT_DATA;
    if (deep_load_answers_and_subs("score", &dd, pairs, subs, nsubs, ls, wts,
                                   skip_invalid ? &sk : NULL) != 0)
        goto out;
    for (size_t s = 0; s < nsubs; s++) {
        if (wts[s] == NULL)
            continue; /* skipped: it could not be loaded */
        fund_sub sub = {subs[s], dd.keys.n, wts[s]};
        fund_err e = fund_score(dd.nans, dd.ans, dd.jurors.n, &sub,
                                (const char *const *)dd.label, &res[n], dmsg);
        if (e != FUND_OK) {
            if (!skip_invalid) {
                deep_error("score", e, dmsg);
                goto out;
            }
            deep_skip("score", &sk, subs[s], e, dmsg);
            continue;
        }
        name[n] = subs[s];
        nans[n] = res[n].nans;
        total[n] = res[n].total;
        mean[n] = res[n].mean;
        fund_cli_eline("score: %s: total %.17g, mean %.17g over %zu answers", subs[s],
                       res[n].total, res[n].mean, res[n].nans);
        n++;
    }
    if (sk.n > 0)
        fund_cli_eline("score: %zu of %zu submissions scored, %zu skipped (listed above)", n,
                       nsubs, sk.n);
    if (n == 0) {
        fund_cli_eline("fund score: error: no submission left to score");
        goto out;
    }
    const fund_cli_col cols[] = {{"answers", NULL, NULL, nans, NULL, NULL},
                                 {"total", total, NULL, NULL, NULL, NULL},
                                 {"mean", mean, NULL, NULL, NULL, NULL}};
    score_arg arg = {&dd, res};
    fund_cli_table t = {"submission", name, n, cols, 3, score_row_members, &arg};
    if (json) {
        if (deep_print_json(dd.nans, NULL, NULL, &t, skip_invalid ? &sk : NULL) != 0)
            goto out;
    } else if (strcmp(by, "submission") == 0) {
        fund_cli_table_csv(&t);
    } else if (strcmp(by, "juror") == 0) {
        printf("submission,juror,answers,total,mean\n");
        for (size_t s = 0; s < n; s++)
            for (size_t k = 0; k < dd.jurors.n; k++) {
                dacc_csv_put(stdout, name[s]);
                putchar(',');
                dacc_csv_put(stdout, dd.jurors.keys[k]);
                size_t cnt = res[s].juror_count[k];
                printf(",%zu,%.17g,%.17g\n", cnt, res[s].juror_total[k],
                       cnt ? res[s].juror_total[k] / (double)cnt : 0.0);
            }
    } else {
        printf("repo_a,repo_b,parent,juror,line,submission,jury_log_ratio,model_log_ratio,"
               "residual,cost\n");
        for (size_t s = 0; s < n; s++)
            for (size_t i = 0; i < dd.nans; i++) {
                const fund_answer *a = &dd.ans[i];
                double r = res[s].residual[i];
                dacc_csv_put(stdout, dd.repos.keys[dd.key_repo[a->a]]);
                putchar(',');
                dacc_csv_put(stdout, dd.repos.keys[dd.key_repo[a->b]]);
                putchar(',');
                dacc_csv_put(stdout, dd.parents.keys[dd.key_parent[a->a]]);
                putchar(',');
                dacc_csv_put(stdout, dd.jurors.keys[a->juror]);
                printf(",%ld,", dd.ans_line[i]);
                dacc_csv_put(stdout, name[s]);
                printf(",%.17g,%.17g,%.17g,%.17g\n", a->d, r + a->d, r, r * r);
            }
    }
    rc = FUND_EXIT_OK; /* main() checks the final flush of stdout and names the errno */
out:
    for (size_t s = 0; s < nsubs; s++) {
        free(wts[s]);
        fund_loaded_sub_free(&ls[s]);
        fund_score_result_free(&res[s]);
    }
    free(wts);
    free(ls);
    free(res);
    free(name);
    free(nans);
    free(total);
    free(mean);
    deep_skipped_free(&sk);
    free(pos);
    fund_deep_free(&dd);
    return rc;
}
