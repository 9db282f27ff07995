/*
 * graph.c -- diagnostics, name interning and connected components for deep funding.
 *
 * Interning: repository, parent and juror names become dense ids (first-seen order) through
 * an open-addressing hash table, FNV-1a 64-bit hash, linear probing, resized to keep the
 * load factor at most 1/2.  Ids in first-seen order make every output order a function of
 * the input order alone.
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

int fund_fail(fund_diag *d, const char *fmt, ...)
{
    if (d != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static uint64_t fnv1a(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

void fund_names_init(fund_names *t)
{
    memset(t, 0, sizeof *t);
}

void fund_names_free(fund_names *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->count; i++)
        free(t->name[i]);
    free(t->name);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

static int names_rehash(fund_names *t, size_t nslots)
{
    uint32_t *slot = calloc(nslots, sizeof *slot);
    if (slot == NULL)
        return -1;
    for (size_t i = 0; i < t->count; i++) {
        size_t h = (size_t)fnv1a(t->name[i], strlen(t->name[i])) & (nslots - 1);
        while (slot[h] != 0)
            h = (h + 1) & (nslots - 1);
        slot[h] = (uint32_t)(i + 1);
    }
    free(t->slot);
    t->slot = slot;
    t->nslots = nslots;
    return 0;
}

static long names_lookup(const fund_names *t, const char *s, size_t len, size_t *where)
{
    if (t->nslots == 0)
        return -1;
    size_t h = (size_t)fnv1a(s, len) & (t->nslots - 1);
    while (t->slot[h] != 0) {
        const char *n = t->name[t->slot[h] - 1];
        if (strncmp(n, s, len) == 0 && n[len] == '\0')
            return (long)(t->slot[h] - 1);
        h = (h + 1) & (t->nslots - 1);
    }
    if (where != NULL)
        *where = h;
    return -1;
}

int fund_names_intern(fund_names *t, const char *s, size_t len, uint32_t *id)
{
    long found = names_lookup(t, s, len, NULL);
    if (found >= 0) {
        *id = (uint32_t)found;
        return 0;
    }
    if (t->count >= UINT32_MAX - 1)
        return -1;
    if (2 * (t->count + 1) > t->nslots && names_rehash(t, t->nslots == 0 ? 64 : 2 * t->nslots) != 0)
        return -1;
    if (t->count == t->cap) {
        size_t cap = t->cap == 0 ? 64 : 2 * t->cap;
        char **n = realloc(t->name, cap * sizeof *n);
        if (n == NULL)
            return -1;
        t->name = n;
        t->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    size_t where = 0;
    (void)names_lookup(t, s, len, &where);
    t->name[t->count] = copy;
    t->slot[where] = (uint32_t)(t->count + 1);
    *id = (uint32_t)t->count;
    t->count++;
    return 0;
}

long fund_names_find(const fund_names *t, const char *s)
{
    return names_lookup(t, s, strlen(s), NULL);
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
