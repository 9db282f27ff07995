/*
 * fund_simplex_qp.h -- minimise a convex quadratic over the probability simplex: the
 * optimisation inside `fund blend`.
 *
 *     minimise f(w) = w^T H w - 2 g^T w + c   subject to  w >= 0,  sum w = 1
 *
 * Two solvers (docs/fund-deep.md says why and how each stops):
 *   - FUND_QP_ACTIVE_SET (the default): a primal active-set method that starts at the best
 *     vertex and frees one weight at a time; exact up to rounding, typically a few dozen
 *     steps of at most O(k^3) each.  When it cannot finish (a face it expected to be
 *     strictly convex turned out singular, or its step limit) it falls back to FISTA and
 *     says so in info->method.
 *   - FUND_QP_FISTA: the accelerated projected gradient this project used first, kept as
 *     the independent reference the tests compare against, and as the fallback.
 *
 * Contract:
 *   - H is k x k, row-major, symmetric positive semi-definite (a Gram matrix); g has k
 *     entries; k >= 1.  Nothing is allocated by the caller beyond w[k].
 *   - on success w is a point of the simplex (w >= 0 exactly, sum 1 to rounding) and info
 *     (when not NULL) says which solver produced it, its step count, and the largest KKT
 *     violation there (absolute, as fund_simplex_kkt computes it).
 *   - returns 0, or -1 only when out of memory (w is then zeroed).
 */
#ifndef DACC_FUND_SIMPLEX_QP_H
#define DACC_FUND_SIMPLEX_QP_H

#include <stddef.h>

#include "fund/graph.h"

typedef enum fund_qp_method { FUND_QP_ACTIVE_SET = 0, FUND_QP_FISTA = 1 } fund_qp_method;

typedef struct fund_qp_info {
    fund_qp_method method; /* the solver whose answer w is (ACTIVE_SET or its fallback) */
    int iterations;        /* active-set steps, or FISTA iterations */
    double kkt;            /* largest KKT violation of w, absolute (see fund_simplex_kkt) */
} fund_qp_info;

/* c is f's constant term (d^T d in `fund blend`): it changes no minimiser, but "no worse
 * than" comparisons of f values are made relative to 1 + |c|, as the costs are. */
int fund_simplex_qp(size_t k, const double *H, const double *g, double c, fund_qp_method method,
                    double *w, fund_qp_info *info) FUND_MUST_CHECK;

/* The KKT conditions at w: with G = H w - g (half the gradient) and mu = -sum_a w_a G_a,
 * the optimum has G_a + mu = 0 where w_a > 0 and G_a + mu >= 0 where w_a = 0.  Fills
 * grad[k] with G and *mu, and returns the largest violation (absolute). */
double fund_simplex_kkt(size_t k, const double *H, const double *g, const double *w, double *grad,
                        double *mu);

#endif
