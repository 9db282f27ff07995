/*
 * pairwise.h -- pairwise-bounded quadratic funding (Buterin, ethresear.ch/t/5553).
 *
 * For a finished float round with c_ip the aggregated contribution of donor i to p:
 *   w_ij     = sum_q sqrt(c_iq) sqrt(c_jq)        over every project q both gave to
 *   k_ij     = M / (M + w_ij)
 *   subsidy_p = sum over unordered pairs {i, j} of donors of p of 2 k_ij sqrt(c_ip) sqrt(c_jp)
 * With M -> infinity every k_ij -> 1 and subsidy_p is plain QF's (sum sqrt)^2 - sum c.
 * A pair that gives only to each other's project gets 2 M w / (M + w) < 2 M.
 *
 * Sparse: only co-donating pairs cost anything.  For each donor i (in order) the row
 * w_i. is accumulated in a dense scratch array over the donors j > i that share a project
 * with i, then used for i's pairs and cleared: time O(sum over pairs of shared projects),
 * memory O(donors + contributions), no N x N matrix and no hash map.
 */
#ifndef FUND_PAIRWISE_H
#define FUND_PAIRWISE_H

#include <stddef.h>

#include "fund/contrib.h"
#include "fund/errors.h"

typedef struct {
    size_t pairs;        /* co-donating (i < j) pairs visited */
    size_t pair_terms;   /* (pair, shared project) terms summed */
} fund_pairwise_stats;

/* Speed knobs; neither changes a result bit (tests/fund/test_pairwise_scale.c).
 *   threads       donors are split across this many threads (0: one per online CPU, at
 *                 most FUND_PAIRWISE_MAX_THREADS); each donor's terms are kept apart and
 *                 added in donor order afterwards, so the result is the same for any count.
 *   dense_factor  a donor's first pass runs dense (no touched list) when its pair terms are
 *                 at least dense_factor x the span of donors it reaches (default 1; bench/fund
 *                 --parts scale measures the crossover; 0: always dense, huge: never). */
typedef struct {
    unsigned threads;
    double dense_factor;
} fund_pairwise_opts;

#define FUND_PAIRWISE_MAX_THREADS 64u
#define FUND_PAIRWISE_DENSE_FACTOR 1.0

void fund_pairwise_opts_default(fund_pairwise_opts *o);

/* subsidy[0..nprojects) := the raw pairwise subsidies.  M > 0 and finite; float round.
 * fund_pairwise uses the default options. */
fund_err fund_pairwise(const fund_round *r, double M, double *subsidy, fund_pairwise_stats *st,
                       char *msg);
fund_err fund_pairwise_ex(const fund_round *r, double M, const fund_pairwise_opts *o,
                          double *subsidy, fund_pairwise_stats *st, char *msg);

#endif
