/*
 * parallel.h -- the fund wing's one way of using several cores (internal; pairwise, COCM).
 *
 * fund_parallel_run(n, fn, ctx) calls fn(ctx, t) for t = 0 .. n-1, t = 0 on the calling
 * thread and the others on their own threads (pthreads), and returns when all have
 * finished.  The callers hand out work through a shared counter (fund_parallel_next), so a
 * thread that could not be created only means less help, never lost work, and results must
 * not depend on which thread did what: each caller writes per-item results and combines
 * them in a fixed order afterwards.
 */
#ifndef FUND_PARALLEL_H
#define FUND_PARALLEL_H

#include <stdatomic.h>
#include <stddef.h>

/* want = 0: one per online CPU; the result is in [1, max]. */
unsigned fund_parallel_threads(unsigned want, unsigned max);

void fund_parallel_run(unsigned n, void (*fn)(void *ctx, unsigned t), void *ctx);

/* The next chunk [*lo, *lo + chunk) of [0, total); 0 when none is left. */
int fund_parallel_next(atomic_size_t *counter, size_t chunk, size_t total, size_t *lo,
                       size_t *hi);

#endif
