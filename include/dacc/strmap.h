/*
 * strmap.h -- string interning: a hash map from strings to dense indexes 0, 1, 2, ...
 * in order of first insertion (host code; allocation through dacc/xalloc.h).
 *
 * Open addressing with linear probing, FNV-1a hashing, load factor kept below 1/2.
 * The map owns copies of its keys; dacc_strmap_key(m, i) returns key i until
 * dacc_strmap_free().
 */
#ifndef DACC_STRMAP_H
#define DACC_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char **keys;      /* keys[i] for index i */
    size_t n, cap_keys;
    uint32_t *slots;  /* index + 1, 0 = empty */
    size_t nslots;    /* power of two */
} dacc_strmap;

void dacc_strmap_init(dacc_strmap *m);
void dacc_strmap_free(dacc_strmap *m);
/* Index of key, inserting it if new (*is_new set when non-NULL). */
uint32_t dacc_strmap_intern(dacc_strmap *m, const char *key, int *is_new);
/* Index of key, or -1 if absent. */
int64_t dacc_strmap_find(const dacc_strmap *m, const char *key);
static inline size_t dacc_strmap_size(const dacc_strmap *m) { return m->n; }
static inline const char *dacc_strmap_key(const dacc_strmap *m, size_t i) { return m->keys[i]; }

#endif
