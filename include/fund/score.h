/*
 * fund_score.h -- score a deep-funding submission against jury answers.
 *
 * Keys: a submission gives one weight per (repo, parent) pair -- a "key", numbered
 * 0..nkeys-1 by the caller.  A jury answer compares two keys under the same parent.
 *
 * Contract:
 *   - a submission's weight[key] is NAN where the submission has no row for that key;
 *     every key an answer uses must be present, finite and > 0 (log is taken), else the
 *     call fails naming the key (keyname[key] when keyname is not NULL) and the answer.
 *   - outputs are zeroed on failure.
 */
#ifndef DACC_FUND_SCORE_H
#define DACC_FUND_SCORE_H

#include "fund/graph.h"

typedef struct fund_answer {
    uint32_t juror; /* 0..njurors-1 */
    uint32_t a, b;  /* keys */
    double d;       /* jury's log(credit a / credit b) */
} fund_answer;

typedef struct fund_sub {
    const char *name; /* for messages (a file name); may be NULL */
    size_t nkeys;
    const double *weight; /* weight[key] or NAN when absent */
} fund_sub;

typedef struct fund_score_result {
    size_t nans;
    double total;     /* sum over answers of (log x_a - log x_b - d)^2 */
    double mean;      /* total / nans (0 when there are no answers) */
    double *residual; /* per answer: log x_a - log x_b - d */
    size_t njurors;
    double *juror_total; /* per juror: sum of squared residuals */
    size_t *juror_count; /* per juror: number of answers */
} fund_score_result;

fund_err fund_score(size_t nans, const fund_answer *ans, size_t njurors, const fund_sub *s,
               const char *const *keyname, fund_score_result *out, char *msg) FUND_MUST_CHECK;
void fund_score_result_free(fund_score_result *r);

/* log x_a - log x_b for every answer into out[nans], checking presence and positivity as
 * fund_score does.  Shared with the blender. */
fund_err fund_score_logdiff(size_t nans, const fund_answer *ans, const fund_sub *s,
                       const char *const *keyname, double *out, char *msg) FUND_MUST_CHECK;

#endif
