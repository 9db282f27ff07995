/*
 * qf.h -- quadratic funding (CLR) on a finished round, and the shared pool distribution.
 *
 * Per project p with aggregated contributions c_ip (see fund/contrib.h):
 *   float:  S_p = sum_i sqrt(c_ip);  ideal_p = S_p^2;  raw_p = ideal_p - sum_i c_ip
 *   exact:  s_ip = isqrt(c_ip) (floor), rem_ip = c_ip - s_ip^2;  S_p = sum_i s_ip;
 *           raw_p = max(0, S_p^2 - sum_i c_ip), all in 128-bit units (256-bit products
 *           when scaling), overflow an error,
 *           sum_i rem_ip reported as the square-root remainder (what flooring dropped).
 *   alpha (clr.fund, float):  C = sum_p sum_i c_ip, B = pool + C,
 *           alpha = min(1, (B - C) / (sum_p S_p^2 - C)) (1 when the denominator is 0),
 *           amount_p = alpha S_p^2 + (1 - alpha) sum_i c_ip,  match_p = amount_p - sum_i c_ip.
 *
 * Distribution of raw matches to a pool (fund_distribute, fund_distribute_exact):
 *   budget = sum raw            with no pool
 *          = min(pool, sum raw) with a pool, saturate mode (pay raw matches when
 *                               under-saturated, scale down when over: pluralistic.js)
 *          = pool               with a pool, normalise mode (always scale to the pool:
 *                               Gitcoin's Python calculator)
 *   match_p = budget * raw_p / sum raw  (exact: floor of the 128-bit product / sum)
 *   cap (absolute, or a fraction of the pool):
 *     float: while some uncapped project's share exceeds the cap, those projects are fixed
 *            at exactly the cap and the rest of the budget is shared again among the
 *            uncapped ones in proportion to raw_p;
 *     exact: pluralistic.js's rule: clip every share above the cap and add up the
 *            overflow; top up every share below the cap by
 *            floor(share * overflow / sum of shares below the cap); repeat.
 *   Caps hold exactly; what no project can take (all capped, or exact-mode rounding dust)
 *   is reported unallocated.
 */
#ifndef FUND_QF_H
#define FUND_QF_H

#include <stddef.h>
#include <stdint.h>

#include "fund/contrib.h"
#include "fund/errors.h"

typedef enum { FUND_SCALE_SATURATE = 0, FUND_SCALE_NORMALISE = 1 } fund_scale;

typedef struct {
    int has_pool;
    double pool;            /* float and alpha modes */
    dacc_u128 pool_units;   /* exact mode */
    fund_scale scale;
    int has_cap;
    int cap_is_fraction;    /* cap = cap_fraction * pool */
    double cap;             /* absolute cap, float */
    dacc_u128 cap_units;    /* absolute cap, exact */
    double cap_fraction;    /* in (0, 1] */
    uint64_t cap_fraction_e18; /* exact mode: the fraction in units of 10^-18 */
    int alpha;              /* clr.fund capital-constrained mode (float, needs a pool) */
} fund_qf_opts;

typedef struct {
    size_t n;               /* projects */
    size_t *donors;         /* distinct eligible donors per project */
    /* float / alpha mode */
    double *contrib, *sum_sqrt, *ideal, *raw, *match;
    /* exact mode */
    dacc_u128 *ucontrib, *usum_sqrt, *urem, *uraw, *umatch;
    int *capped;
    double total_raw, total_match, unallocated, alpha, budget;
    dacc_u128 utotal_raw, utotal_match, uunallocated, ubudget;
    int exact, saturated, iterations;
} fund_qf_result;

void fund_qf_opts_default(fund_qf_opts *o);
fund_err fund_qf(const fund_round *r, const fund_qf_opts *o, fund_qf_result *out, char *msg);
void fund_qf_result_free(fund_qf_result *res);

/* Distribute raw[0..n) as described above.  out and capped (may be NULL) are written.
 * Returns FUND_OK or FUND_ERR_ARG (bad pool/cap). */
typedef struct {
    double budget, total, unallocated;
    int saturated;   /* sum raw >= pool */
    int iterations;  /* cap rounds */
} fund_dist_info;
fund_err fund_distribute(const double *raw, size_t n, const fund_qf_opts *o, double *out,
                         int *capped, fund_dist_info *info, char *msg);
typedef struct {
    dacc_u128 budget, total, unallocated;
    int saturated, iterations;
} fund_dist_uinfo;
fund_err fund_distribute_exact(const dacc_u128 *raw, size_t n, const fund_qf_opts *o,
                               dacc_u128 *out, int *capped, fund_dist_uinfo *info, char *msg);

/* floor(sqrt(x)) and the remainder x - floor(sqrt(x))^2, exactly. */
uint64_t fund_isqrt(uint64_t x, uint64_t *rem);

#endif
