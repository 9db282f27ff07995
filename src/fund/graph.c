/*
 * graph.c -- error messages and connected components for deep funding.
 *
 * Components: union-find with union by size and path halving (iterative, no recursion),
 * then a relabelling pass so that component numbers follow the lowest node id in each
 * component.  The jury aggregation needs them because a least-squares fit of log-weights
 * to pairwise log-ratios is determined only up to one additive constant per connected
 * component of the comparison graph (the Laplacian's null space is spanned by the
 * components' indicator vectors); Buterin, "AI as the engine, humans as the steering
 * wheel" (2025), and the Deep Funding trial analysis normalise per component.
 */
#include "fund/graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fund_err fund_fail(char *msg, fund_err e, const char *fmt, ...)
{
    if (msg != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, FUND_MSG_MAX, fmt, ap);
        va_end(ap);
    }
    return e;
}

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

size_t fund_components(size_t n, size_t m, const uint32_t *u, const uint32_t *v, uint32_t *comp)
{
    if (n == 0)
        return 0;
    uint32_t *parent = malloc(n * sizeof *parent);
    uint32_t *size = malloc(n * sizeof *size);
    if (parent == NULL || size == NULL) {
        free(parent);
        free(size);
        return (size_t)-1;
    }
    for (size_t i = 0; i < n; i++) {
        parent[i] = (uint32_t)i;
        size[i] = 1;
    }
    for (size_t e = 0; e < m; e++) {
        if (u[e] >= n || v[e] >= n) {
            free(parent);
            free(size);
            return (size_t)-1;
        }
        uint32_t a = uf_find(parent, u[e]), b = uf_find(parent, v[e]);
        if (a == b)
            continue;
        if (size[a] < size[b]) {
            uint32_t t = a;
            a = b;
            b = t;
        }
        parent[b] = a;
        size[a] += size[b];
    }
    /* Relabel: the root's label is assigned when its lowest node is met. */
    size_t ncomp = 0;
    for (size_t i = 0; i < n; i++)
        size[i] = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = uf_find(parent, (uint32_t)i);
        if (size[r] == UINT32_MAX)
            size[r] = (uint32_t)ncomp++;
        comp[i] = size[r];
    }
    free(parent);
    free(size);
    return ncomp;
}
