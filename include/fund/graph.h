/*
 * fund_graph.h -- deep funding's shared graph pieces: error reporting, connected
 * components.
 *
 * Contract:
 *   - Every fallible deep-funding function returns a fund_err (fund/errors.h), FUND_OK on
 *     success; on failure the caller's msg buffer (FUND_MSG_MAX bytes) holds one
 *     human-readable line naming what was wrong, as everywhere in the fund wing.
 *   - Nothing here does I/O.
 */
#ifndef DACC_FUND_GRAPH_H
#define DACC_FUND_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "dacc/strmap.h"
#include "fund/errors.h"

#if defined(__GNUC__) || defined(__clang__)
#define FUND_MUST_CHECK __attribute__((warn_unused_result))
#define FUND_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FUND_MUST_CHECK
#define FUND_PRINTF(a, b)
#endif

/* Writes the printf-formatted message into msg (FUND_MSG_MAX bytes; skipped when msg is
 * NULL) and returns e: `return fund_fail(msg, FUND_ERR_FORMAT, "...", ...);`. */
fund_err fund_fail(char *msg, fund_err e, const char *fmt, ...) FUND_PRINTF(3, 4);

/* Names (repositories, parents, jurors, graph nodes) are interned in dacc_strmap
 * (dacc/strmap.h), the one interning table of the wing: dense ids in first-seen order. */

/* Connected components of the undirected graph on nodes 0..n-1 with edges (u[e], v[e]).
 * comp[i] gets the component of node i, numbered 0.. in order of each component's
 * lowest node id.  Returns the number of components, or 0 with n == 0; (size_t)-1 when
 * out of memory or an endpoint is >= n. */
size_t fund_components(size_t n, size_t m, const uint32_t *u, const uint32_t *v, uint32_t *comp);

#endif
