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

/* Load what score and blend share: the jury answers (pairs), each submission into ls[s],
 * the labels, and each submission's weight vector into weights[s] (caller frees each).
 * Returns 0, or prints the error (naming file and line) and returns -1. */
int deep_load_answers_and_subs(const char *cmd, fund_deep *dd, const char *pairs,
                               const char *const *subs, size_t nsubs, fund_loaded_sub *ls,
                               double **weights);
/* "error: <msg>" on stderr; returns FUND_EXIT_DATA. */
int deep_error(const char *cmd, const char *msg);
/* Write an SVG bar chart (dacc/svg.h) of the largest max_bars values to path, labels
 * without a leading "https://github.com/"; prints the failure and returns -1 if it
 * cannot. */
int deep_plot(const char *cmd, const char *path, const char *title, size_t n,
              const char *const *label, const double *value, size_t max_bars);

#endif
