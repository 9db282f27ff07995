/*
 * fund_flow.h -- send money into a dependency graph and let it flow down.
 *
 * Contract:
 *   - nodes 0..n-1; edge (from, to, w): `to` is a dependency of `from` and receives the
 *     share w / (sum of from's outgoing w) of what `from` passes on.  w must be finite
 *     and >= 0 (0 carries nothing); self-loops and cycles are allowed.
 *   - originality[i] in [0, 1], or NAN when not given.  A node with no outgoing weight
 *     keeps everything (originality 1, whatever was given).  Any other node the money
 *     reaches with no originality takes default_originality, and when that is NAN too
 *     the call fails naming the node.
 *   - a strongly connected component the money reaches but can never leave (no edge out
 *     of it and every member's originality 0) is refused, its members named.
 *   - payout[] sums to amount within FUND_FLOW_SUM_TOL * amount, else the call
 *     fails (an intermediate past the largest double fails too, naming the node); outputs
 *     zeroed on failure.
 */
#ifndef DACC_FUND_FLOW_H
#define DACC_FUND_FLOW_H

#include "fund/graph.h"

typedef struct fund_edge {
    uint32_t from, to;
    double w;
} fund_edge;

typedef struct fund_flow_opts {
    double tol;      /* Gauss-Seidel stop: no inflow changes by more than tol * the
                       component's largest inflow; default 1e-15 */
    long max_sweeps; /* per strongly connected component; default 1000000 */
} fund_flow_opts;

void fund_flow_opts_default(fund_flow_opts *o);

/* Conservation: |sum of payouts - amount| <= FUND_FLOW_SUM_TOL * amount, else the call
 * fails (a coarse Gauss-Seidel stop, o->tol, can leave more than that in a cycle). */
#define FUND_FLOW_SUM_TOL 1e-9

typedef struct fund_flow_result {
    size_t n;
    double *inflow;      /* total money arriving at each node (0 if unreached) */
    double *payout;      /* what each node keeps: originality * inflow */
    double *originality; /* the originality actually used (NAN if unreached) */
    unsigned char *reached;
    size_t nreached;
    size_t nscc_cyclic; /* reached strongly connected components with a cycle */
    long sweeps;        /* largest number of Gauss-Seidel sweeps one component needed */
    double total;       /* sum of payouts */
} fund_flow_result;

fund_err fund_flow(size_t n, size_t m, const fund_edge *e, const double *originality,
              double default_originality, uint32_t source, double amount, const char *const *names,
              const fund_flow_opts *o, fund_flow_result *out, char *msg) FUND_MUST_CHECK;
void fund_flow_result_free(fund_flow_result *r);

#endif
