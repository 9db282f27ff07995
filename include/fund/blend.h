/*
 * fund_blend.h -- the simplex-constrained best geometric mix of several submissions.
 *
 * Contract:
 *   - k submissions over the same key numbering; key_parent[key] groups keys into sibling
 *     groups (for the duplicate test, which compares weights normalised per parent).
 *   - every key a jury answer uses must be present and > 0 in every submission.
 *   - share[] sums to 1; a duplicate's share is 0 and its merged_into names the earliest
 *     identical submission, which carries the merged share.
 *   - outputs are zeroed on failure.
 */
#ifndef DACC_FUND_BLEND_H
#define DACC_FUND_BLEND_H

#include "fund/score.h"
#include "fund/simplex_qp.h"

#define FUND_BLEND_DUP_RTOL 1e-12 /* "identical": every normalised weight within this */

typedef struct fund_blend_result {
    size_t k;
    double *share;         /* payout share per submission (duplicates 0) */
    uint32_t *merged_into; /* index of the earliest identical submission (itself if none) */
    double *alone;         /* each submission's own total cost */
    double cost;           /* total cost of the blend */
    double mean;           /* cost / number of answers */
    int unique;            /* 1 if the Hessian is positive definite on the optimal face */
    fund_qp_method method; /* the solver that produced share (see fund/simplex_qp.h) */
    int iterations;        /* its steps: active-set steps, or FISTA iterations */
    double kkt;            /* largest KKT violation at the reported optimum */
} fund_blend_result;

fund_err fund_blend(size_t nans, const fund_answer *ans, size_t k, const fund_sub *subs,
               const uint32_t *key_parent, const char *const *keyname, fund_blend_result *out,
               char *msg) FUND_MUST_CHECK;
/* The same with the QP solver named: FUND_QP_FISTA gives the reference optimum the tests
 * compare the default (FUND_QP_ACTIVE_SET) against. */
fund_err fund_blend_with(size_t nans, const fund_answer *ans, size_t k, const fund_sub *subs,
                    const uint32_t *key_parent, const char *const *keyname, fund_qp_method method,
                    fund_blend_result *out, char *msg) FUND_MUST_CHECK;
void fund_blend_result_free(fund_blend_result *r);

/* The blended submission: out[key] = exp(sum_k share_k log xhat_k[key]) renormalised to
 * sum 1 within each parent, xhat_k being submission k normalised per parent.  A key that
 * some submission with share > 0 lacks is NAN; one with weight 0 there is 0.  Fails only
 * when out of memory. */
int fund_blend_mix(size_t k, const fund_sub *subs, const double *share, const uint32_t *key_parent,
                   double *out) FUND_MUST_CHECK;

#endif
