/*
 * contrib.h -- a funding round's contributions: loading, aggregation, eligibility.
 *
 * A round is built by adding rows (from a CSV file or directly), then finished:
 * fund_round_finish() sorts voters and projects by name (byte order), and aggregates
 * rows per (voter, project) -- rows of one pair are summed in ascending order of amount,
 * so the result does not depend on row order, bit for bit.  Every mechanism reads the
 * finished round: c[] sorted by (project, voter), one entry per pair, with proj_start[]
 * giving each project's slice.
 *
 * Two number modes, fixed at init:
 *   float  amounts are doubles (strict decimals, must be >= 0);
 *   exact  amounts are 128-bit integer units of 10^-decimals, parsed from the CSV text
 *          exactly (no floating point anywhere), sums checked for overflow.
 *
 * Eligibility (each optional; apply after finish, in this order -- the command does):
 *   1. fund_round_drop_self:  drop (voter, project) pairs where the voter owns the project
 *                             (owners CSV: project,owner; several owners per project fine)
 *   2. fund_round_apply_min:  drop pairs whose total is below a minimum
 *   3. fund_round_apply_trust: multiply each pair by the voter's trust factor
 *          f(s) = 0 if s <= lo, 1 if s >= hi, (s - lo)/(hi - lo) between;
 *          a voter absent from the scores CSV (voter,score) has score 0.  Float mode only.
 * Pairs whose amount becomes 0 are removed.
 */
#ifndef FUND_CONTRIB_H
#define FUND_CONTRIB_H

#include <stddef.h>
#include <stdint.h>

#include "dacc/strmap.h"
#include "dacc/u128.h"
#include "fund/errors.h"

#define FUND_MAX_DECIMALS 36u

typedef struct {
    uint32_t voter, project;
    double amount;   /* float mode */
    dacc_u128 units; /* exact mode */
} fund_contrib;

typedef struct {
    int exact;
    unsigned decimals;
    int finished;
    dacc_strmap voters, projects;   /* names; after finish, index i = i-th name in order */
    fund_contrib *c;
    size_t n, cap;
    size_t *proj_start;             /* nprojects + 1 offsets into c (after finish) */
    size_t rows;                    /* rows added */
    size_t dropped_self, dropped_min, dropped_trust;
    /* Exclusions (optional, set before adding rows; not owned): a row whose voter is in
     * exclude_voters or whose project is in exclude_projects is skipped, counted in
     * excluded_rows, and marks the name it matched in excluded_voter_hit[] /
     * excluded_project_hit[] (allocated on the first match, indexed like the map), so the
     * caller can name the exclusions that matched nothing. */
    const dacc_strmap *exclude_voters, *exclude_projects;
    size_t excluded_rows;
    unsigned char *excluded_voter_hit, *excluded_project_hit;
} fund_round;

/* Column names for the contributions CSV; NULL means the default. */
typedef struct {
    const char *voter_col;    /* default "voter" */
    const char *project_col;  /* default "project" */
    const char *amount_col;   /* default "amount" */
    const char *hint;         /* appended to a missing-column message when not NULL (the
                                 command names its options that choose columns) */
} fund_columns;

void fund_round_init(fund_round *r, int exact, unsigned decimals);
void fund_round_free(fund_round *r);
/* Add one row (before finish).  Float mode uses amount, exact mode units.  A row an
 * exclusion matches is counted and skipped (FUND_OK). */
fund_err fund_round_add(fund_round *r, const char *voter, const char *project, double amount,
                        dacc_u128 units, char *msg);
/* Add every row of a contributions CSV.  Messages name file, line and column. */
fund_err fund_round_load_csv(fund_round *r, const char *path, const fund_columns *cols,
                             char *msg);
fund_err fund_round_finish(fund_round *r, char *msg);

static inline size_t fund_round_nprojects(const fund_round *r) { return r->projects.n; }
static inline size_t fund_round_nvoters(const fund_round *r) { return r->voters.n; }
static inline const char *fund_round_project(const fund_round *r, size_t p)
{
    return r->projects.keys[p];
}
static inline const char *fund_round_voter(const fund_round *r, size_t v)
{
    return r->voters.keys[v];
}

/* Read a list of names, one a line (a trailing CR is dropped; blank lines and lines
 * starting with '#' are skipped), into m (initialised by the caller).  An exclusion list
 * for exclude_voters / exclude_projects. */
fund_err fund_namelist_load(const char *path, dacc_strmap *m, char *msg);

fund_err fund_round_drop_self(fund_round *r, const char *owners_csv, char *msg);
fund_err fund_round_apply_min(fund_round *r, double min_amount, dacc_u128 min_units, char *msg);
fund_err fund_round_apply_trust(fund_round *r, const char *scores_csv, double lo, double hi,
                                char *msg);
/* Trust factor f(s) as above (lo < hi required). */
double fund_trust_factor(double score, double lo, double hi);

#endif
