/* strmap.c -- string interning (see dacc/strmap.h). */
#include "dacc/strmap.h"
#include "dacc/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void dacc_strmap_init(dacc_strmap *m)
{
    memset(m, 0, sizeof *m);
}

void dacc_strmap_free(dacc_strmap *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static void rehash(dacc_strmap *m, size_t nslots)
{
    free(m->slots);
    m->slots = dacc_xcalloc(nslots, sizeof *m->slots);
    m->nslots = nslots;
    for (size_t i = 0; i < m->n; i++) {
        size_t s = (size_t)hash(m->keys[i]) & (nslots - 1);
        while (m->slots[s] != 0)
            s = (s + 1) & (nslots - 1);
        m->slots[s] = (uint32_t)(i + 1);
    }
}

int64_t dacc_strmap_find(const dacc_strmap *m, const char *key)
{
    if (m->nslots == 0)
        return -1;
    size_t s = (size_t)hash(key) & (m->nslots - 1);
    while (m->slots[s] != 0) {
        uint32_t i = m->slots[s] - 1;
        if (strcmp(m->keys[i], key) == 0)
            return i;
        s = (s + 1) & (m->nslots - 1);
    }
    return -1;
}

uint32_t dacc_strmap_intern(dacc_strmap *m, const char *key, int *is_new)
{
    int64_t found = dacc_strmap_find(m, key);
    if (found >= 0) {
        if (is_new != NULL)
            *is_new = 0;
        return (uint32_t)found;
    }
    if (m->n >= UINT32_MAX - 1) {
        fprintf(stderr, "fatal: more than %u distinct names\n", UINT32_MAX - 1);
        exit(1);
    }
    if (m->n == m->cap_keys) {
        m->cap_keys = m->cap_keys ? m->cap_keys * 2 : 64;
        m->keys = dacc_xrealloc(m->keys, m->cap_keys, sizeof *m->keys);
    }
    m->keys[m->n++] = dacc_xstrdup(key);
    if (m->n * 2 > m->nslots)
        rehash(m, m->nslots ? m->nslots * 2 : 128);
    else {
        size_t s = (size_t)hash(key) & (m->nslots - 1);
        while (m->slots[s] != 0)
            s = (s + 1) & (m->nslots - 1);
        m->slots[s] = (uint32_t)m->n;
    }
    if (is_new != NULL)
        *is_new = 1;
    return (uint32_t)(m->n - 1);
}
