/*
 * fund_cli.h -- what every fund subcommand shares: option parsing, the contributions
 * options (columns, eligibility, number mode), error reporting, exit statuses.
 * Commands stay thin: parse, call the library, print.  Imports nothing from softpause.
 *
 * Exit statuses: 0 success, 1 bad data (a file that cannot be read or parsed, a result
 * that cannot be computed, or output that cannot be written), 2 usage error (unknown option, bad or conflicting parameter).
 *
 * Adding a subcommand: write cmd_NAME.c with `int fund_cmd_NAME(int argc, char **argv)`,
 * declare it below and add one line to the table in main.c.
 */
#ifndef FUND_CMD_CLI_H
#define FUND_CMD_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "dacc/json.h"
#include "dacc/strmap.h"
#include "dacc/u128.h"
#include "fund/contrib.h"
#include "fund/errors.h"
#include "fund/qf.h"

enum { FUND_EXIT_OK = 0, FUND_EXIT_DATA = 1, FUND_EXIT_USAGE = 2 };

int fund_cmd_qf(int argc, char **argv);
int fund_cmd_pairwise(int argc, char **argv);
int fund_cmd_cocm(int argc, char **argv);
int fund_cmd_jury(int argc, char **argv);
int fund_cmd_score(int argc, char **argv);
int fund_cmd_blend(int argc, char **argv);
int fund_cmd_flow(int argc, char **argv);
int fund_cmd_compare(int argc, char **argv);

/* One option: "--name VALUE", "--name=VALUE", or a "--name" flag (value == NULL). */
typedef struct {
    const char *name;
    const char **value; /* for options with a value; the last one wins */
    int *flag;          /* for flags */
} fund_opt;

/* Parse argv[1..argc) (argv[0] is the subcommand name).  Positional arguments go to pos
 * (up to max_pos).  "--help" or "-h" prints usage to stdout and exits 0; errors print a
 * message and the usage to stderr and exit 2. */
void fund_cli_parse(int argc, char **argv, const fund_opt *opts, const char **pos,
                    size_t max_pos, size_t *npos, const char *usage);

/* Flush and close stdout; a failure now or in an earlier write prints "fund: error:
 * FUND_ERR_IO: cannot write the standard output: <errno text>" and returns
 * FUND_EXIT_DATA, else returns rc.  main() calls it after every subcommand. */
int fund_cli_finish_stdout(int rc);
/* Flush stdout now (so a stderr line follows what was printed); a failure is reported,
 * with its errno, by fund_cli_finish_stdout. */
void fund_cli_flush_stdout(void);

/* One line to stderr: the printf-formatted text escaped for a person (dacc_utf8_escape:
 * control characters, bidi overrides and bytes that are not UTF-8 shown as \uXXXX and
 * \xHH, so a name or file name from the input cannot rewrite the terminal), then a
 * newline.  Every message the fund command prints goes through it. */
void fund_cli_eline(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Finish a JSON document on stdout: FUND_EXIT_OK, or FUND_EXIT_DATA after saying why
 * (a non-finite number, which no output may carry, or misuse of the writer; a write
 * error is named with its errno by fund_cli_finish_stdout). */
int fund_cli_json_end(dacc_json *j);

/* Print "fund: usage error: ..." and return FUND_EXIT_USAGE. */
int fund_cli_usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Print "fund: error: NAME: msg" and return the exit status for e. */
int fund_cli_error(fund_err e, const char *msg);

/* Strict decimal option value; on failure prints a usage error naming opt, returns -1. */
int fund_cli_number(const char *opt, const char *text, double *out);

/* The contributions options every QF-family command takes.  The exclusion lists live
 * here too, loaded by fund_cli_load_round (the round points at them until freed). */
typedef struct {
    const char *voter_col, *project_col, *amount_col;
    const char *owners, *min, *scores, *trust_low, *trust_high;
    const char *exclude_voters, *exclude_projects;
    dacc_strmap ex_voters, ex_projects;
} fund_round_args;

#define FUND_ROUND_OPTS(a)                                                                   \
    {"--voter-col", &(a).voter_col, NULL}, {"--project-col", &(a).project_col, NULL},        \
        {"--amount-col", &(a).amount_col, NULL}, {"--owners", &(a).owners, NULL},            \
        {"--min", &(a).min, NULL}, {"--scores", &(a).scores, NULL},                          \
        {"--trust-low", &(a).trust_low, NULL}, {"--trust-high", &(a).trust_high, NULL},      \
        {"--exclude-voters", &(a).exclude_voters, NULL},                                     \
        {"--exclude-projects", &(a).exclude_projects, NULL}

#define FUND_ROUND_USAGE                                                                     \
    "contributions:\n"                                                                       \
    "  --voter-col NAME      column of the donor (default voter)\n"                         \
    "  --project-col NAME    column of the project (default project)\n"                     \
    "  --amount-col NAME     column of the amount (default amount)\n"                       \
    "  (rows are summed per (voter, project) before anything else)\n"                       \
    "eligibility (in this order; none by default):\n"                                        \
    "  --owners FILE         project,owner CSV: drop donations of owners to their project\n"\
    "  --min X               drop (voter, project) totals below X\n"                          \
    "  --scores FILE         voter,score CSV: scale each donor's totals by the trust factor\n" \
    "  --trust-low A         ... 0 at score <= A (missing voters score 0)\n"                  \
    "  --trust-high B        ... 1 at score >= B, linear between (both needed with --scores)\n"\
    "exclusions (before everything else; a name that matches nothing is warned about):\n"      \
    "  --exclude-voters FILE    voters to leave out, one a line ('#' comments)\n"            \
    "  --exclude-projects FILE  projects to leave out, one a line\n"

/* Load (leaving out the exclusions), finish and apply eligibility.  exact/decimals come
 * from the caller (qf's --decimals).  Returns 0, or the exit status after printing the
 * error (a is then already released).  fund_cli_round_free releases r and a's lists. */
int fund_cli_load_round(fund_round_args *a, const char *file, int exact, unsigned decimals,
                        fund_round *r);
void fund_cli_round_free(fund_round_args *a, fund_round *r);

/* The output options of the QF-family commands. */
typedef struct {
    const char *plot, *names;
    int json;
} fund_out_args;

#define FUND_OUT_OPTS(a)                                                                     \
    {"--json", NULL, &(a).json}, {"--plot", &(a).plot, NULL}, {"--names", &(a).names, NULL}

#define FUND_OUT_USAGE                                                                       \
    "output:\n"                                                                              \
    "  --json                JSON instead of CSV\n"                                          \
    "  --plot FILE.svg       also draw the matches as a bar chart (title: mechanism, pool,\n" \
    "                        unit; a value axis)\n"                                           \
    "  --names FILE          id,name CSV: the plot shows each project's name, not its id\n"  \
    "  with --pool, CSV mode prints one summary line on stderr: pool, matched, left, dust\n"

/* The pool options (qf and pairwise). */
typedef struct {
    const char *pool, *cap, *cap_fraction;
    int normalise, normalize;
} fund_pool_args;

#define FUND_POOL_OPTS(a)                                                                    \
    {"--pool", &(a).pool, NULL}, {"--cap", &(a).cap, NULL},                                  \
        {"--cap-fraction", &(a).cap_fraction, NULL}, {"--normalise", NULL, &(a).normalise},  \
        {"--normalize", NULL, &(a).normalize}

#define FUND_POOL_USAGE                                                                      \
    "pool (none by default: raw matches are printed):\n"                                     \
    "  --pool N              the matching pool; by default matches are paid raw when their\n" \
    "                        total is under N and scaled down to N when over (pluralistic.js)\n" \
    "  --normalise           always scale matches to the pool (Gitcoin's Python calculator;\n" \
    "                        --normalize is the same)\n" \
    "  --cap N               no project gets more than N; the overflow is shared by the\n"   \
    "                        uncapped projects in proportion, repeated until stable\n"       \
    "  --cap-fraction F      the cap as a fraction of the pool, 0 < F <= 1\n"


/* Fill o's pool fields from a (exact: amounts in units of 10^-decimals).  Returns 0 or
 * the usage exit status after printing. */
int fund_cli_pool_opts(const fund_pool_args *a, int exact, unsigned decimals, fund_qf_opts *o);

/* One per-project column of a result: exactly one of the arrays is set. */
typedef struct {
    const char *name;
    const double *d;    /* a double (float mode) */
    const dacc_u128 *u; /* 128-bit units (exact mode) */
    const size_t *z;    /* a count */
    const int *b;       /* a flag: JSON true/false, CSV 1/0 */
    const char *const *s; /* a string: JSON string (null where NULL), CSV field (empty) */
} fund_cli_col;

/* Cell i of column c, into a JSON document (after its key) or onto stdout as a CSV field. */
void fund_cli_json_cell(dacc_json *j, const fund_cli_col *c, size_t i);
void fund_cli_csv_cell(const fund_cli_col *c, size_t i);

/* A table of results: one row per name (projects, submissions), one cell per column. */
typedef struct {
    const char *first;        /* the first column's name: "project", "submission" */
    const char *const *rows;  /* its values, n of them */
    size_t n;
    const fund_cli_col *col;
    size_t ncol;
    /* JSON only: members of row i after its cells (may be NULL) */
    void (*row_members)(dacc_json *j, size_t i, const void *arg);
    const void *arg;
} fund_cli_table;

/* The table as CSV on stdout (a header row, then one row each), or as the JSON member
 * key: an array of one object per row. */
void fund_cli_table_csv(const fund_cli_table *t);
void fund_cli_table_json(dacc_json *j, const char *key, const fund_cli_table *t);

#define FUND_CLI_MAX_COLS 10u

/* What a QF-family command prints; fund_cli_print writes it as CSV or JSON.  JSON members,
 * in order: command, mode, [decimals], scale, pool, rows, voters, dropped, the command's
 * own members (members()), then with totals: saturated, total_raw, total_match,
 * unallocated, pool_left; then projects (project and the columns).  CSV: project and
 * the columns. */
typedef struct {
    const char *command, *mode;
    const fund_round *r;
    const fund_qf_opts *o;
    void (*members)(dacc_json *j, const void *arg);
    const void *arg;
    int totals, saturated;
    double total_raw, total_match, unallocated, budget;             /* float */
    dacc_u128 utotal_raw, utotal_match, uunallocated, ubudget;      /* exact (r->exact) */
    const int *capped;
    fund_cli_col col[FUND_CLI_MAX_COLS];
    size_t ncol;
    size_t plot_col[4], nplot; /* the columns --plot draws (one series each) */
    const char *plot_what;     /* "matches" */
} fund_cli_result;

void fund_cli_result_init(fund_cli_result *res, const char *command, const fund_round *r,
                          const fund_qf_opts *o);
void fund_cli_result_col(fund_cli_result *res, fund_cli_col c);

/* Plot (--plot, with --names), then print (CSV or --json); with a pool and totals in
 * CSV mode one summary line on stderr; a warning on stderr when every match is 0.
 * Returns 0 or the exit status after printing the error. */
int fund_cli_print(const fund_cli_result *res, const fund_out_args *out,
                   const fund_round_args *ra);

/* The totals members: saturated, total_raw, total_match, unallocated, pool_left. */
void fund_cli_json_totals(dacc_json *j, const fund_cli_result *res);

/* fund qf's result: match,contributions,donors,sum_sqrt[,sqrt_remainder],raw_match,capped. */
void fund_cli_qf_result(const fund_round *r, const fund_qf_opts *o, const fund_qf_result *res,
                        fund_cli_result *out);

/* "pool P, matched M, left L (unallocated U, rounding dust D)" into buf: the pool
 * accounting of a result with totals and a pool. */
void fund_cli_pool_line(const fund_cli_result *res, char *buf, size_t len);

/* The float-mode commands (pairwise, cocm, compare): fund_cli_pool_opts, then
 * fund_cli_load_round.  Returns 0 or the exit status after printing. */
int fund_cli_load_float(const fund_pool_args *pa, fund_round_args *ra, const char *file,
                        fund_qf_opts *o, fund_round *r);
/* pairwise's -M (NULL: the default 1): > 0.  Returns 0 or the usage exit status. */
int fund_cli_pairwise_m(const char *text, double *M);

/* The result of a subsidy mechanism (pairwise, cocm): per project the raw subsidy (which
 * the mechanism fills), the match distributed from it, the contributions and whether a
 * cap applied. */
typedef struct {
    const fund_round *r;
    double *match, *contrib, *sub;
    size_t *donors;
    int *capped;
    fund_dist_info info;
} fund_subsidy_table;

/* Allocate the per-project arrays for round r (zeroed; exits on out of memory). */
void fund_cli_subsidy_init(fund_subsidy_table *t, const fund_round *r);
/* After the mechanism filled t->sub: distribute it under the pool options and total the
 * contributions per project. */
fund_err fund_cli_subsidy_distribute(fund_subsidy_table *t, const fund_qf_opts *o, char *msg);
void fund_cli_subsidy_free(fund_subsidy_table *t);
/* The result of a subsidy mechanism: columns match,contributions,donors,subsidy,capped. */
void fund_cli_subsidy_result(const fund_subsidy_table *t, const char *command,
                             const fund_qf_opts *o, fund_cli_result *res);

#endif
