/*
 * xalloc.h -- allocation for host code (the fund wing, commands, tests).
 *
 * Contract: each function returns a valid pointer or does not return.  On out-of-memory
 * it prints "fatal: out of memory (N bytes)" to stderr and exits with status 1 (the
 * "bad data / cannot compute" status of the fund command).  Sizes are checked for
 * overflow before multiplying.  Not for the freestanding verifier.
 */
#ifndef DACC_XALLOC_H
#define DACC_XALLOC_H

#include <stddef.h>

void *dacc_xmalloc(size_t n);
void *dacc_xcalloc(size_t count, size_t size);              /* zeroed; count*size checked */
void *dacc_xrealloc(void *p, size_t count, size_t size);     /* count*size checked */
char *dacc_xstrdup(const char *s);
char *dacc_xstrndup(const char *s, size_t n);
/* qsort that accepts an empty array (base may then be NULL, which qsort itself does not
 * allow: undefined behaviour that UBSan reports). */
void dacc_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

#endif
