/*
 * fund_graph.h -- deep funding's shared graph pieces: diagnostics, name interning,
 * connected components.
 *
 * Contract:
 *   - Every fallible function returns 0 on success and -1 on failure; on failure the
 *     fund_diag (when not NULL) holds one human-readable line naming what was wrong.
 *   - fund_names owns copies of the strings it interns; ids are dense, 0..count-1, in
 *     first-seen order, so every result built on them is deterministic.
 *   - Nothing here does I/O.
 */
#ifndef DACC_FUND_GRAPH_H
#define DACC_FUND_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define FUND_MUST_CHECK __attribute__((warn_unused_result))
#define FUND_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FUND_MUST_CHECK
#define FUND_PRINTF(a, b)
#endif

/* One diagnostic line. */
typedef struct fund_diag {
    char msg[512];
} fund_diag;

/* Writes the message into d (if not NULL) and returns -1. */
int fund_fail(fund_diag *d, const char *fmt, ...) FUND_PRINTF(2, 3);

/* Name interning: an open-addressing hash map (FNV-1a, linear probing, load <= 1/2). */
typedef struct fund_names {
    char **name;    /* name[id], NUL-terminated, owned */
    size_t count;   /* number of names */
    size_t cap;     /* capacity of name[] */
    uint32_t *slot; /* id + 1, or 0 for an empty slot */
    size_t nslots;  /* a power of two */
} fund_names;

void fund_names_init(fund_names *t);
void fund_names_free(fund_names *t);
/* Interns s[0..len) (no NUL needed); *id gets its id.  Fails only when out of memory. */
int fund_names_intern(fund_names *t, const char *s, size_t len, uint32_t *id) FUND_MUST_CHECK;
/* The id of NUL-terminated s, or -1 when it was never interned. */
long fund_names_find(const fund_names *t, const char *s);

/* Connected components of the undirected graph on nodes 0..n-1 with edges (u[e], v[e]).
 * comp[i] gets the component of node i, numbered 0.. in order of each component's
 * lowest node id.  Returns the number of components, or 0 with n == 0; (size_t)-1 when
 * out of memory or an endpoint is >= n. */
size_t fund_components(size_t n, size_t m, const uint32_t *u, const uint32_t *v, uint32_t *comp);

#endif
