/* parallel.c -- see parallel.h. */
#include "parallel.h"

#include <pthread.h>
#include <unistd.h>

unsigned fund_parallel_threads(unsigned want, unsigned max)
{
    if (want == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        want = n > 0 ? (unsigned)(n < (long)max ? n : (long)max) : 1;
    }
    return want < 1 ? 1 : want > max ? max : want;
}

typedef struct {
    void (*fn)(void *ctx, unsigned t);
    void *ctx;
    unsigned t;
} start;

static void *trampoline(void *arg)
{
    start *s = arg;
    s->fn(s->ctx, s->t);
    return NULL;
}

#define MAX_HELPERS 63

void fund_parallel_run(unsigned n, void (*fn)(void *ctx, unsigned t), void *ctx)
{
    pthread_t th[MAX_HELPERS];
    start st[MAX_HELPERS];
    int ok[MAX_HELPERS];
    unsigned helpers = n > 1 ? n - 1 : 0;
    if (helpers > MAX_HELPERS)
        helpers = MAX_HELPERS;
    for (unsigned h = 0; h < helpers; h++) {
        st[h] = (start){ fn, ctx, h + 1 };
        ok[h] = pthread_create(&th[h], NULL, trampoline, &st[h]) == 0;
    }
    fn(ctx, 0);
    for (unsigned h = 0; h < helpers; h++)
        if (ok[h])
            pthread_join(th[h], NULL);
}

int fund_parallel_next(atomic_size_t *counter, size_t chunk, size_t total, size_t *lo,
                       size_t *hi)
{
    size_t a = atomic_fetch_add(counter, chunk);
    if (a >= total)
        return 0;
    *lo = a;
    *hi = total - a < chunk ? total : a + chunk;
    return 1;
}
