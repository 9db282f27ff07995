/*
 * cmd_score.c -- `fund score [--by submission|juror|pair] [--json] PAIRS SUB.csv...`
 *
 * Scores each submission (repo,parent,weight) against the jury: the sum over answers of
 * (log x[a] - log x[b] - d)^2 and its mean (src/fund/score.c).  Every file is read and
 * checked before anything is printed, so a corrupt submission stops the run with its
 * file and line.
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
    "usage: fund score [--by submission|juror|pair] [--json] PAIRS.csv SUB.csv [SUB.csv...]\n"
    "\n"
    "Score submissions (repo,parent,weight) against jury answers: the cost of an answer\n"
    "\"a deserves m times b\" is (log x[a] - log x[b] - log m)^2; totals and means.\n"
    "\n"
    "  --by submission  one row per submission (default): repo,answers,total,mean\n"
    "                   (the first column holds the submission file)\n"
    "  --by juror       submission,juror,answers,total,mean\n"
    "  --by pair        repo_a,repo_b,parent,juror,line,submission,jury_log_ratio,\n"
    "                   model_log_ratio,residual,cost\n"
    "  --json           everything as JSON (every breakdown: not with --by)\n";

int fund_cmd_score(int argc, char **argv)
{
    const char *by_text = NULL;
    int json = 0;
    const fund_opt opts[] = {{"--json", NULL, &json}, {"--by", &by_text, NULL}, {NULL, NULL, NULL}};
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
    fund_diag d;
    fund_deep_init(&dd);
    fund_loaded_sub *ls = calloc(nsubs, sizeof *ls);
    fund_score_result *res = calloc(nsubs, sizeof *res);
    double **wts = calloc(nsubs, sizeof *wts);
    int rc = FUND_EXIT_DATA;
    if (ls == NULL || res == NULL || wts == NULL) {
        deep_error("score", "out of memory");
        goto out;
    }
    if (deep_load_answers_and_subs("score", &dd, pairs, subs, nsubs, ls, wts) != 0)
        goto out;
    for (size_t s = 0; s < nsubs; s++) {
        fund_sub sub = { subs[s], dd.keys.count, wts[s] };
        int src = fund_score(dd.nans, dd.ans, dd.jurors.count, &sub, (const char *const *)dd.label,
                             &res[s], &d);
        if (src != 0) {
            deep_error("score", d.msg);
            goto out;
        }
        fund_cli_eline("score: %s: total %.17g, mean %.17g over %zu answers", subs[s],
                res[s].total, res[s].mean, res[s].nans);
    }
    if (json) {
        dacc_json j;
        dacc_json_init(&j, stdout);
        dacc_json_object_begin(&j);
        dacc_json_key(&j, "answers");
        dacc_json_uint(&j, dd.nans);
        dacc_json_key(&j, "submissions");
        dacc_json_array_begin(&j);
        for (size_t s = 0; s < nsubs; s++) {
            dacc_json_object_begin(&j);
            dacc_json_key(&j, "submission");
            dacc_json_string(&j, subs[s]);
            dacc_json_key(&j, "total");
            dacc_json_number(&j, res[s].total);
            dacc_json_key(&j, "mean");
            dacc_json_number(&j, res[s].mean);
            dacc_json_key(&j, "jurors");
            dacc_json_array_begin(&j);
            for (size_t k = 0; k < dd.jurors.count; k++) {
                dacc_json_object_begin(&j);
                dacc_json_key(&j, "juror");
                dacc_json_string(&j, dd.jurors.name[k]);
                dacc_json_key(&j, "answers");
                dacc_json_uint(&j, res[s].juror_count[k]);
                dacc_json_key(&j, "total");
                dacc_json_number(&j, res[s].juror_total[k]);
                dacc_json_object_end(&j);
            }
            dacc_json_array_end(&j);
            dacc_json_key(&j, "pairs");
            dacc_json_array_begin(&j);
            for (size_t i = 0; i < dd.nans; i++) {
                const fund_answer *a = &dd.ans[i];
                dacc_json_object_begin(&j);
                dacc_json_key(&j, "line");
                dacc_json_int(&j, dd.ans_line[i]);
                dacc_json_key(&j, "repo_a");
                dacc_json_string(&j, dd.repos.name[dd.key_repo[a->a]]);
                dacc_json_key(&j, "repo_b");
                dacc_json_string(&j, dd.repos.name[dd.key_repo[a->b]]);
                dacc_json_key(&j, "residual");
                dacc_json_number(&j, res[s].residual[i]);
                dacc_json_object_end(&j);
            }
            dacc_json_array_end(&j);
            dacc_json_object_end(&j);
        }
        dacc_json_array_end(&j);
        dacc_json_object_end(&j);
        if (fund_cli_json_end(&j) != 0)
            goto out;
    } else if (strcmp(by, "submission") == 0) {
        printf("repo,answers,total,mean\n");
        for (size_t s = 0; s < nsubs; s++) {
            dacc_csv_put(stdout, subs[s]);
            printf(",%zu,%.17g,%.17g\n", res[s].nans, res[s].total, res[s].mean);
        }
    } else if (strcmp(by, "juror") == 0) {
        printf("submission,juror,answers,total,mean\n");
        for (size_t s = 0; s < nsubs; s++)
            for (size_t k = 0; k < dd.jurors.count; k++) {
                dacc_csv_put(stdout, subs[s]);
                putchar(',');
                dacc_csv_put(stdout, dd.jurors.name[k]);
                size_t cnt = res[s].juror_count[k];
                printf(",%zu,%.17g,%.17g\n", cnt, res[s].juror_total[k],
                       cnt ? res[s].juror_total[k] / (double)cnt : 0.0);
            }
    } else {
        printf("repo_a,repo_b,parent,juror,line,submission,jury_log_ratio,model_log_ratio,"
               "residual,cost\n");
        for (size_t s = 0; s < nsubs; s++)
            for (size_t i = 0; i < dd.nans; i++) {
                const fund_answer *a = &dd.ans[i];
                double r = res[s].residual[i];
                dacc_csv_put(stdout, dd.repos.name[dd.key_repo[a->a]]);
                putchar(',');
                dacc_csv_put(stdout, dd.repos.name[dd.key_repo[a->b]]);
                putchar(',');
                dacc_csv_put(stdout, dd.parents.name[dd.key_parent[a->a]]);
                putchar(',');
                dacc_csv_put(stdout, dd.jurors.name[a->juror]);
                printf(",%ld,", dd.ans_line[i]);
                dacc_csv_put(stdout, subs[s]);
                printf(",%.17g,%.17g,%.17g,%.17g\n", a->d, r + a->d, r, r * r);
            }
    }
    rc = FUND_EXIT_OK; /* main() checks the final flush of stdout and names the errno */
out:
    for (size_t s = 0; wts != NULL && s < nsubs; s++)
        free(wts[s]);
    free(wts);
    for (size_t s = 0; ls != NULL && s < nsubs; s++)
        fund_loaded_sub_free(&ls[s]);
    for (size_t s = 0; res != NULL && s < nsubs; s++)
        fund_score_result_free(&res[s]);
    free(ls);
    free(res);
    free(pos);
    fund_deep_free(&dd);
    return rc;
}
