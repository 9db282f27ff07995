/*
 * deep_cli.h -- helpers shared by the deep-funding subcommands (jury, score, blend, flow).
 *
 * Each subcommand is `int fund_cmd_X(int argc, char **argv)` with argv[0] the subcommand's
 * name; it prints results on stdout (CSV, or JSON with --json) and one summary line per
 * fact on stderr.  Exit status: 0 success, 1 bad data or nothing computable, 2 usage.
 */
#ifndef DACC_CMD_FUND_DEEP_CLI_H
#define DACC_CMD_FUND_DEEP_CLI_H

#include <stdio.h>

#include "fund/deepio.h"
#include "fund_cli.h" /* FUND_EXIT_*, the fund_cmd_* declarations */

/* Submissions left out (fund score --skip-invalid): file and error of each. */
typedef struct {
    size_t n;
    const char **file;
    fund_err *err;
    char (*msg)[FUND_MSG_MAX];
} deep_skipped;

void deep_skipped_init(deep_skipped *sk, size_t nsubs);
/* Record subs file's error e (msg), and say so on stderr. */
void deep_skip(const char *cmd, deep_skipped *sk, const char *file, fund_err e, const char *msg);
void deep_skipped_free(deep_skipped *sk);

/* Load what score and blend share: the jury answers (pairs), each submission into ls[s],
 * the labels, and each submission's weight vector into weights[s] (caller frees each).
 * With skip NULL, returns 0, or prints the error (naming file and line) and returns -1;
 * with skip, a submission that cannot be loaded is recorded there (weights[s] stays
 * NULL) and the rest are loaded. */
int deep_load_answers_and_subs(const char *cmd, fund_deep *dd, const char *pairs,
                               const char *const *subs, size_t nsubs, fund_loaded_sub *ls,
                               double **weights, deep_skipped *skip);
/* "fund CMD: error: NAME: <msg>" on stderr; returns FUND_EXIT_DATA. */
int deep_error(const char *cmd, fund_err e, const char *msg);

/* The JSON document score and blend print: answers, the command's members, the
 * submissions table, then (with skipped) the skipped files and their errors. */
int deep_print_json(size_t nans, void (*members)(dacc_json *j, const void *arg),
                    const void *arg, const fund_cli_table *subs, const deep_skipped *skipped);
/* Write an SVG bar chart (dacc/svg.h) of the largest max_bars values to path, labels
 * without a leading "https://github.com/"; prints the failure and returns -1 if it
 * cannot. */
int deep_plot(const char *cmd, const char *path, const char *title, size_t n,
              const char *const *label, const double *value, size_t max_bars);

#endif
