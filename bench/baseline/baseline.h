/*
 * bench/baseline/baseline.h -- the previous pairwise and COCM implementations (bench/baseline/
 * *.c), under their own names, for the paired benchmark and the equivalence test.
 */
#ifndef FUND_BENCH_BASELINE_H
#define FUND_BENCH_BASELINE_H

#include "fund/cocm.h"
#include "fund/pairwise.h"

fund_err fund_pairwise_baseline(const fund_round *r, double M, double *subsidy,
                                fund_pairwise_stats *st, char *msg);
fund_err fund_cocm_baseline(const fund_round *r, const fund_cocm_opts *o,
                            const fund_cocm_clusters *cl, double *subsidy, fund_cocm_stats *st,
                            char *msg);

#endif
