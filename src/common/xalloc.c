/* xalloc.c -- allocation wrappers that exit cleanly on failure (see dacc/xalloc.h). */
#include "dacc/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "fatal: out of memory (%zu bytes)\n", n);
    exit(1);
}

void *dacc_xmalloc(size_t n)
{
    void *p = malloc(n == 0 ? 1 : n);
    if (p == NULL)
        oom(n);
    return p;
}

void *dacc_xcalloc(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        oom(SIZE_MAX);
    void *p = calloc(count == 0 ? 1 : count, size == 0 ? 1 : size);
    if (p == NULL)
        oom(count * size);
    return p;
}

void *dacc_xrealloc(void *p, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        oom(SIZE_MAX);
    size_t n = count * size;
    void *q = realloc(p, n == 0 ? 1 : n);
    if (q == NULL)
        oom(n);
    return q;
}

char *dacc_xstrndup(const char *s, size_t n)
{
    char *p = dacc_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *dacc_xstrdup(const char *s)
{
    return dacc_xstrndup(s, strlen(s));
}

void dacc_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}
