/*
 * fund_jury.h -- aggregate a jury's pairwise answers into weights (deep funding).
 *
 * A comparison (a, b, d) says log(credit of a) - log(credit of b) = d; the jury app's
 * row "choice 1, multiplier m" is d = +log m, "choice 2, multiplier m" is d = -log m.
 *
 * Contract:
 *   - nodes are 0..n-1; every comparison must have a != b, both < n, and a finite d;
 *     a node that appears in no comparison is its own component with weight 1.
 *   - weights sum to 1 within each connected component of the comparison graph (never
 *     one global normalisation); y (log-weights) has mean 0 within each component.
 *   - on failure the result is left zeroed and the fund_err code and msg say why.
 */
#ifndef DACC_FUND_JURY_H
#define DACC_FUND_JURY_H

#include "fund/graph.h"

typedef struct fund_cmp {
    uint32_t a, b;
    double d; /* log(credit a / credit b) */
} fund_cmp;

typedef enum fund_jury_method {
    FUND_JURY_LSQ = 0, /* least squares on log ratios (default) */
    FUND_JURY_HUBER,   /* Huber loss on log ratios, IRLS */
    FUND_JURY_BT       /* Bradley-Terry with fractional wins, MM */
} fund_jury_method;

typedef struct fund_jury_opts {
    fund_jury_method method;
    double huber_delta; /* Huber threshold in natural-log units; default 1.0 */
    int huber_mad;      /* nonzero: ignore huber_delta and use the data-scaled threshold
                           1.345 * MAD(d) / 0.6744897501960817 (see jury.c); default 0 */
    double tol;         /* Bradley-Terry relative change; default 1e-12 */
    double cg_tol;      /* CG relative residual (LSQ and each IRLS round); default 1e-14 */
    int max_iter;       /* outer iterations for Huber/BT; default 100000 */
} fund_jury_opts;

void fund_jury_opts_default(fund_jury_opts *o);

typedef struct fund_jury_result {
    size_t n;
    double *y;      /* log-weights, mean 0 per component */
    double *weight; /* softmax(y) per component */
    uint32_t *comp; /* component of each node */
    size_t ncomp;
    int iterations;  /* CG iterations (LSQ), IRLS rounds (Huber) or MM rounds (BT) */
    double residual; /* final relative residual / change that stopped the solver */
    double delta;    /* the Huber threshold used (0 for the other methods) */
} fund_jury_result;

fund_err fund_jury_solve(size_t n, size_t m, const fund_cmp *c, const fund_jury_opts *o,
                    fund_jury_result *out, char *msg) FUND_MUST_CHECK;
void fund_jury_result_free(fund_jury_result *r);

/* Least-squares cost sum_e w_e (y_a - y_b - d_e)^2 with all w_e = 1. */
double fund_jury_cost(size_t m, const fund_cmp *c, const double *y);

#endif
