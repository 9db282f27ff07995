/*
 * flow.c -- `fund flow`: propagate money through a dependency graph with originality.
 *
 * Source: Buterin, "AI as the engine, humans as the steering wheel" (2025), Deep Funding:
 * each node keeps its originality share o and passes (1 - o) on, split among its
 * dependencies by edge weight; a node's payout is the sum over all paths from the source
 * of the product of the shares along the path, times its own o.  Worked example in the
 * post: 0.205 * 0.6 * 0.173 + 0.195 * 0.648 * 0.201 = 0.046677.
 *
 * As a linear system: with P[u][v] = (1 - o_u) w_uv / sum_v' w_uv' the share u passes to v,
 * the inflows f satisfy  f = a e_s + P^T f,  and payout_u = o_u f_u.  Summing over paths is
 * the Neumann series of (I - P^T)^-1, which converges iff the spectral radius of P
 * restricted to what the source reaches is < 1: every strongly connected component the
 * money reaches must leak (some member keeps a share, o > 0, or an edge leaves it).  Real
 * dependency graphs are not trees (a seed can depend on another seed), so cycles happen.
 *
 * Method:
 *   1. reach: the nodes the source reaches through positive-weight edges (iterative BFS);
 *   2. Tarjan's strongly connected components (Tarjan 1972), iterative with an explicit
 *      stack (no recursion: dependency chains can be thousands deep).  Tarjan emits
 *      components sinks-first, so the reverse order is topological;
 *   3. refuse a component that cannot leak, naming its members;
 *   4. in topological order, a component's external inflow is final once its predecessors
 *      are done: an acyclic singleton's inflow is just that; a cyclic component is solved
 *      by Gauss-Seidel sweeps  f_i <- ext_i + sum_{j in C, j->i} P[j][i] f_j  until no f_i
 *      changes by more than tol (default 1e-15) times the component's largest inflow
 *      (it converges because the component leaks: the iteration matrix has spectral
 *      radius < 1), then its outflow to later components is pushed along the edges.
 * Money is conserved to rounding plus the Gauss-Seidel stop; fund_flow_result.total
 * reports the sum of payouts so callers can check it against the amount.
 */
#include "fund/flow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fund_flow_opts_default(fund_flow_opts *o)
{
    o->tol = 1e-15;
    o->max_sweeps = 1000000;
}

void fund_flow_result_free(fund_flow_result *r)
{
    if (r == NULL)
        return;
    free(r->inflow);
    free(r->payout);
    free(r->originality);
    free(r->reached);
    memset(r, 0, sizeof *r);
}

static const char *node_label(const char *const *names, uint32_t i, char *buf, size_t n)
{
    if (names != NULL)
        return names[i];
    snprintf(buf, n, "node %u", (unsigned)i);
    return buf;
}

typedef struct csr {
    size_t *start; /* n + 1 */
    uint32_t *adj;
    double *share; /* share of the tail's inflow carried by this edge */
} csr;

static void csr_free(csr *g)
{
    free(g->start);
    free(g->adj);
    free(g->share);
}

/* Build forward (by from) or reverse (by to) adjacency over positive-weight edges. */
static int csr_build(size_t n, size_t m, const fund_edge *e, const double *edge_share, int rev,
                     csr *g)
{
    g->start = calloc(n + 1, sizeof *g->start);
    g->adj = malloc((m ? m : 1) * sizeof *g->adj);
    g->share = malloc((m ? m : 1) * sizeof *g->share);
    if (g->start == NULL || g->adj == NULL || g->share == NULL)
        return -1;
    for (size_t k = 0; k < m; k++)
        if (e[k].w > 0)
            g->start[(rev ? e[k].to : e[k].from) + 1]++;
    for (size_t i = 0; i < n; i++)
        g->start[i + 1] += g->start[i];
    size_t *pos = malloc((n ? n : 1) * sizeof *pos);
    if (pos == NULL)
        return -1;
    memcpy(pos, g->start, n * sizeof *pos);
    for (size_t k = 0; k < m; k++) {
        if (!(e[k].w > 0))
            continue;
        uint32_t tail = rev ? e[k].to : e[k].from, head = rev ? e[k].from : e[k].to;
        g->adj[pos[tail]] = head;
        g->share[pos[tail]] = edge_share[k];
        pos[tail]++;
    }
    free(pos);
    return 0;
}

fund_err fund_flow(size_t n, size_t m, const fund_edge *e, const double *originality,
              double default_originality, uint32_t source, double amount, const char *const *names,
              const fund_flow_opts *o, fund_flow_result *out, char *msg)
{
    fund_flow_opts def;
    char buf[32], buf2[32];
    if (o == NULL) {
        fund_flow_opts_default(&def);
        o = &def;
    }
    memset(out, 0, sizeof *out);
    if (source >= n)
        return fund_fail(msg, FUND_ERR_ARG, "the source is not a node of the graph");
    if (!isfinite(amount) || amount < 0)
        return fund_fail(msg, FUND_ERR_ARG, "the amount must be finite and >= 0");
    if (!isnan(default_originality) && !(default_originality >= 0 && default_originality <= 1))
        return fund_fail(msg, FUND_ERR_ARG, "the default originality must be in [0, 1]");
    for (size_t k = 0; k < m; k++) {
        if (e[k].from >= n || e[k].to >= n)
            return fund_fail(msg, FUND_ERR_ARG, "edge %zu names a node out of range", k + 1);
        if (!isfinite(e[k].w) || e[k].w < 0)
            return fund_fail(msg, FUND_ERR_ARG,
                             "edge %zu (%s -> %s) has weight %g; weights must be finite and "
                             ">= 0",
                             k + 1, node_label(names, e[k].from, buf, sizeof buf),
                             node_label(names, e[k].to, buf2, sizeof buf2), e[k].w);
    }
    for (size_t i = 0; originality != NULL && i < n; i++)
        if (!isnan(originality[i]) && !(originality[i] >= 0 && originality[i] <= 1))
            return fund_fail(msg, FUND_ERR_ARG, "originality %g of %s is outside [0, 1]", originality[i],
                             node_label(names, (uint32_t)i, buf, sizeof buf));

    fund_err rc = FUND_ERR_NOMEM;
    double *outw = calloc(n, sizeof *outw);
    double *share = calloc(m ? m : 1, sizeof *share);
    double *ext = calloc(n, sizeof *ext);
    uint32_t *queue = malloc(n * sizeof *queue);
    uint32_t *index = malloc(n * sizeof *index), *low = malloc(n * sizeof *low);
    uint32_t *scc = malloc(n * sizeof *scc), *stk = malloc(n * sizeof *stk);
    uint32_t *order = malloc(n * sizeof *order); /* nodes grouped by SCC, sinks first */
    size_t *cstart = malloc((n + 1) * sizeof *cstart);
    size_t *iter = malloc(n * sizeof *iter);
    uint32_t *call = malloc(n * sizeof *call);
    unsigned char *onstk = calloc(n, 1);
    csr fw = { 0 }, rv = { 0 };
    out->n = n;
    out->inflow = calloc(n, sizeof *out->inflow);
    out->payout = calloc(n, sizeof *out->payout);
    out->originality = malloc(n * sizeof *out->originality);
    out->reached = calloc(n, 1);
    if (outw == NULL || share == NULL || ext == NULL || queue == NULL || index == NULL ||
        low == NULL || scc == NULL || stk == NULL || order == NULL || cstart == NULL ||
        iter == NULL || call == NULL || onstk == NULL || out->inflow == NULL ||
        out->payout == NULL || out->originality == NULL || out->reached == NULL) {
        rc = fund_fail(msg, FUND_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* a node's shares are w / (sum of its w), computed relative to its largest weight so
     * that the sum cannot overflow (weights up to the largest double are valid input) */
    double *wmax = ext; /* ext is zero until step 4 */
    for (size_t k = 0; k < m; k++)
        wmax[e[k].from] = fmax(wmax[e[k].from], e[k].w);
    for (size_t k = 0; k < m; k++)
        if (e[k].w > 0)
            outw[e[k].from] += e[k].w / wmax[e[k].from];
    if (csr_build(n, m, e, share, 0, &fw) != 0) { /* shares filled below; adjacency now */
        rc = fund_fail(msg, FUND_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* 1. reach */
    {
        size_t qh = 0, qt = 0;
        queue[qt++] = source;
        out->reached[source] = 1;
        while (qh < qt) {
            uint32_t u = queue[qh++];
            for (size_t k = fw.start[u]; k < fw.start[u + 1]; k++)
                if (!out->reached[fw.adj[k]]) {
                    out->reached[fw.adj[k]] = 1;
                    queue[qt++] = fw.adj[k];
                }
        }
        out->nreached = qt;
    }
    /* originality actually used */
    for (size_t i = 0; i < n; i++) {
        out->originality[i] = NAN;
        if (!out->reached[i])
            continue;
        if (!(outw[i] > 0))
            out->originality[i] = 1;
        else if (originality != NULL && !isnan(originality[i]))
            out->originality[i] = originality[i];
        else if (!isnan(default_originality))
            out->originality[i] = default_originality;
        else {
            rc = fund_fail(msg, FUND_ERR_FORMAT,
                      "no originality for %s (it has dependencies and the money reaches "
                      "it); give one or --originality-default",
                      node_label(names, (uint32_t)i, buf, sizeof buf));
            goto done;
        }
    }
    for (size_t k = 0; k < m; k++) {
        uint32_t u = e[k].from;
        share[k] = out->reached[u] && outw[u] > 0
                       ? (1 - out->originality[u]) * (e[k].w / wmax[u] / outw[u])
                       : 0;
    }
    memset(ext, 0, n * sizeof *ext);
    csr_free(&fw);
    memset(&fw, 0, sizeof fw);
    if (csr_build(n, m, e, share, 0, &fw) != 0 || csr_build(n, m, e, share, 1, &rv) != 0) {
        rc = fund_fail(msg, FUND_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* 2. Tarjan, iterative, over the reached nodes */
    size_t ncomp = 0, norder = 0;
    {
        const uint32_t UNSEEN = UINT32_MAX;
        uint32_t counter = 0;
        size_t sp = 0, cp = 0;
        for (size_t i = 0; i < n; i++)
            index[i] = UNSEEN;
        cstart[0] = 0;
        index[source] = low[source] = counter++;
        stk[sp++] = source;
        onstk[source] = 1;
        call[cp++] = source;
        iter[source] = fw.start[source];
        while (cp > 0) {
            uint32_t u = call[cp - 1];
            if (iter[u] < fw.start[u + 1]) {
                uint32_t v = fw.adj[iter[u]++];
                if (index[v] == UNSEEN) {
                    index[v] = low[v] = counter++;
                    stk[sp++] = v;
                    onstk[v] = 1;
                    iter[v] = fw.start[v];
                    call[cp++] = v;
                } else if (onstk[v] && index[v] < low[u]) {
                    low[u] = index[v];
                }
                continue;
            }
            cp--;
            if (cp > 0 && low[u] < low[call[cp - 1]])
                low[call[cp - 1]] = low[u];
            if (low[u] == index[u]) {
                uint32_t v;
                do {
                    v = stk[--sp];
                    onstk[v] = 0;
                    scc[v] = (uint32_t)ncomp;
                    order[norder++] = v;
                } while (v != u);
                ncomp++;
                cstart[ncomp] = norder;
            }
        }
    }
    /* 3. every reached component must leak */
    for (size_t c = 0; c < ncomp; c++) {
        int leaks = 0, cyclic = cstart[c + 1] - cstart[c] > 1;
        for (size_t p = cstart[c]; p < cstart[c + 1] && !leaks; p++) {
            uint32_t u = order[p];
            if (out->originality[u] > 0)
                leaks = 1;
            for (size_t k = fw.start[u]; k < fw.start[u + 1]; k++) {
                if (scc[fw.adj[k]] != c)
                    leaks = 1;
                else
                    cyclic = 1;
            }
        }
        if (cyclic)
            out->nscc_cyclic++;
        if (!leaks) {
            size_t len = 0, count = cstart[c + 1] - cstart[c];
            char list[400];
            list[0] = '\0';
            for (size_t p = cstart[c + 1]; p-- > cstart[c];) { /* discovery order */
                const char *nm = node_label(names, order[p], buf, sizeof buf);
                int w = snprintf(list + len, sizeof list - len, "%s%s", len > 0 ? ", " : "", nm);
                if (w < 0 || (size_t)w >= sizeof list - len) {
                    snprintf(list + len, sizeof list - len, ", ...");
                    break;
                }
                len += (size_t)w;
            }
            rc = fund_fail(msg, FUND_ERR_FORMAT,
                      "money is trapped: a cycle of %zu node%s with originality 0 and no "
                      "way out: %s",
                      count, count == 1 ? "" : "s", list);
            goto done;
        }
    }
    /* 4. propagate, sources first (Tarjan's order reversed) */
    ext[source] = amount;
    for (size_t c = ncomp; c-- > 0;) {
        size_t b = cstart[c], end = cstart[c + 1];
        int cyclic = end - b > 1;
        if (!cyclic) {
            uint32_t u = order[b];
            for (size_t k = fw.start[u]; k < fw.start[u + 1]; k++)
                if (fw.adj[k] == u)
                    cyclic = 1;
        }
        if (!cyclic) {
            out->inflow[order[b]] = ext[order[b]];
        } else {
            for (size_t p = b; p < end; p++)
                out->inflow[order[p]] = ext[order[p]];
            long sweep = 0;
            for (;;) {
                double change = 0, big = 0;
                /* discovery order (Tarjan pops a component in reverse), so a sweep
                   follows the depth-first tree forwards */
                for (size_t p = end; p-- > b;) {
                    uint32_t v = order[p];
                    double f = ext[v];
                    for (size_t k = rv.start[v]; k < rv.start[v + 1]; k++)
                        if (scc[rv.adj[k]] == c)
                            f += rv.share[k] * out->inflow[rv.adj[k]];
                    change = fmax(change, fabs(f - out->inflow[v]));
                    big = fmax(big, f);
                    out->inflow[v] = f;
                }
                sweep++;
                if (change <= o->tol * big)
                    break;
                if (sweep >= o->max_sweeps) {
                    rc = fund_fail(msg, FUND_ERR_CONVERGE,
                              "flow through a cycle through %s did not converge in %ld "
                              "sweeps (last change %g)",
                              node_label(names, order[b], buf, sizeof buf), sweep, change);
                    goto done;
                }
            }
            if (sweep > out->sweeps)
                out->sweeps = sweep;
        }
        for (size_t p = b; p < end; p++) {
            uint32_t u = order[p];
            for (size_t k = fw.start[u]; k < fw.start[u + 1]; k++)
                if (scc[fw.adj[k]] != c)
                    ext[fw.adj[k]] += fw.share[k] * out->inflow[u];
        }
    }
    for (size_t i = 0; i < n; i++)
        if (out->reached[i]) {
            out->payout[i] = out->originality[i] * out->inflow[i];
            out->total += out->payout[i];
            if (!isfinite(out->inflow[i]) || !isfinite(out->total)) {
                rc = fund_fail(msg, FUND_ERR_RANGE, "the money reaching %s exceeds the largest double (1.8e308): the "
                          "amount is too large for this graph's cycles",
                          node_label(names, (uint32_t)i, buf, sizeof buf));
                goto done;
            }
        }
    /* conservation: whatever the graph, the payouts are the amount */
    double slack = FUND_FLOW_SUM_TOL * amount;
    if (!(fabs(out->total - amount) <= slack)) {
        rc = fund_fail(msg, FUND_ERR_RANGE, "the payouts sum to %.17g, not the amount %.17g (difference %.3g, more "
                  "than %g of it%s)", out->total, amount, out->total - amount, FUND_FLOW_SUM_TOL,
                  o->tol > 1e-12 ? "; a smaller --tolerance may help" : "");
        goto done;
    }
    rc = FUND_OK;
done:
    free(outw);
    free(share);
    free(ext);
    free(queue);
    free(index);
    free(low);
    free(scc);
    free(stk);
    free(order);
    free(cstart);
    free(iter);
    free(call);
    free(onstk);
    csr_free(&fw);
    csr_free(&rv);
    if (rc != 0)
        fund_flow_result_free(out);
    return rc;
}
