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

#include "fund_cli.h" /* FUND_EXIT_*, the fund_cmd_* declarations */

/* Write one CSV field (quoted when it holds , " CR or LF). */
void deep_csv_field(FILE *f, const char *s);
/* Parse a strict decimal option value; prints a usage error and returns -1 if bad. */
int deep_number_arg(const char *cmd, const char *opt, const char *s, double *out);
/* "error: <msg>" on stderr; returns FUND_EXIT_DATA. */
int deep_error(const char *cmd, const char *msg);
/* Write an SVG bar chart (dacc/svg.h) of the largest max_bars values to path, labels
 * without a leading "https://github.com/"; prints the failure and returns -1 if it
 * cannot. */
int deep_plot(const char *cmd, const char *path, const char *title, size_t n,
              const char *const *label, const double *value, size_t max_bars);

#endif
