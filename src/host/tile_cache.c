/*
 * tile_cache.c -- in-memory cache of tiles (host/tile_cache.h).
 *
 * A chained hash table keyed by (entries, level, n, width) and one doubly linked list in order of
 * use, most recent at the head; the tail is evicted while a new tile would exceed the cap.
 *
 *   buckets[hash(key) & mask] -> node -> node ...        (chain: node.chain)
 *   head <-> node <-> ... <-> tail                        (use order: node.prev/next)
 *   node = { links, key, len, refs, body[len] }           (one allocation per tile)
 *
 * refs counts the table's own reference (while the node is in it) and each lent body; the
 * node is freed when it drops to 0 (evicted, and every reader done).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/host/tile_cache.h"

typedef struct node {
    struct node *chain;
    struct node *prev, *next;
    struct sp_tile_cache *cache;
    uint64_t n;
    size_t len;
    uint32_t kind; /* kind_of: level or bundle, and width */
    uint32_t refs; /* under cache->lock */
    uint8_t body[];
} node;

_Static_assert(sizeof(node) <= SP_TILE_CACHE_ENTRY_OVERHEAD, "the cap counts a node's header");

struct sp_tile_cache {
    pthread_mutex_t lock;
    node **buckets;
    size_t mask;
    node *head, *tail;
    sp_tile_cache_stats st;
};

/* The level (SP_TILE_MAX_LEVEL + 1 for an entry bundle) in bits 0..7, the width above:
 * a partial tile is its own key, never the full tile of the same index. */
static uint32_t kind_of(const sp_tile *t)
{
    return (t->entries ? SP_TILE_MAX_LEVEL + 1 : t->level) | t->width << 8;
}

static size_t slot(const sp_tile_cache *c, uint32_t kind, uint64_t n)
{
    uint64_t x = n * 0x9E3779B97F4A7C15ull ^ (uint64_t)kind * 0xC2B2AE3D27D4EB4Full;
    x ^= x >> 29;
    return (size_t)x & c->mask;
}

sp_err sp_tile_cache_new(sp_tile_cache **out, uint64_t cap_bytes)
{
    *out = NULL;
    if (cap_bytes == 0)
        return SP_ERR_USAGE;
    size_t nb = 16;
    while (nb < (1u << 24) && (uint64_t)nb * 4096u < cap_bytes)
        nb *= 2;
    sp_tile_cache *c = calloc(1, sizeof *c);
    if (c == NULL || (c->buckets = calloc(nb, sizeof *c->buckets)) == NULL) {
        free(c);
        return SP_ERR_IO;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->mask = nb - 1;
    c->st.cap = cap_bytes;
    *out = c;
    return SP_OK;
}

void sp_tile_cache_free(sp_tile_cache *c)
{
    if (c == NULL)
        return;
    /* Every lent body was handed back before the server closed (its HTTP server stops
     * first), so each node holds only the table's reference. */
    for (node *x = c->head, *next; x != NULL; x = next) {
        next = x->next;
        free(x);
    }
    pthread_mutex_destroy(&c->lock);
    free(c->buckets);
    free(c);
}

static void unlink_use(sp_tile_cache *c, node *x)
{
    if (x->prev != NULL)
        x->prev->next = x->next;
    else
        c->head = x->next;
    if (x->next != NULL)
        x->next->prev = x->prev;
    else
        c->tail = x->prev;
    x->prev = x->next = NULL;
}

static void push_front(sp_tile_cache *c, node *x)
{
    x->prev = NULL;
    x->next = c->head;
    if (c->head != NULL)
        c->head->prev = x;
    c->head = x;
    if (c->tail == NULL)
        c->tail = x;
}

static node **find(sp_tile_cache *c, uint32_t kind, uint64_t n)
{
    node **p = &c->buckets[slot(c, kind, n)];
    while (*p != NULL && !((*p)->kind == kind && (*p)->n == n))
        p = &(*p)->chain;
    return p;
}

static uint64_t cost(size_t len)
{
    return (uint64_t)len + SP_TILE_CACHE_ENTRY_OVERHEAD;
}

static void evict_tail(sp_tile_cache *c)
{
    node *x = c->tail;
    node **p = find(c, x->kind, x->n);
    *p = x->chain;
    unlink_use(c, x);
    c->st.bytes -= cost(x->len);
    c->st.tiles--;
    c->st.evictions++;
    if (--x->refs == 0)
        free(x);
}

/* The held node for (kind, n), moved to the front and lent (refs + 1); NULL if none. */
static node *get(sp_tile_cache *c, uint32_t kind, uint64_t n)
{
    pthread_mutex_lock(&c->lock);
    node *x = *find(c, kind, n);
    if (x != NULL) {
        unlink_use(c, x);
        push_front(c, x);
        x->refs++;
        c->st.hits++;
    } else {
        c->st.misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return x;
}

/* Keep a copy of body (a tile just read from the store) and lend it: the node, or
 * NULL if it does not fit or memory is short.  Another thread may have put the same tile
 * meanwhile: then that one is lent (the bytes are the same). */
static node *put(sp_tile_cache *c, uint32_t kind, uint64_t n, const uint8_t *body, size_t len)
{
    if (cost(len) > c->st.cap)
        return NULL;
    node *x = malloc(sizeof *x + len);
    if (x == NULL)
        return NULL;
    memset(x, 0, sizeof *x);
    x->cache = c;
    x->kind = kind;
    x->n = n;
    x->len = len;
    x->refs = 2; /* the table's and the caller's */
    memcpy(x->body, body, len);
    pthread_mutex_lock(&c->lock);
    node *held = *find(c, kind, n);
    if (held != NULL) {
        held->refs++;
        pthread_mutex_unlock(&c->lock);
        free(x);
        return held;
    }
    while (c->st.cap - c->st.bytes < cost(len))
        evict_tail(c);
    *find(c, kind, n) = x;
    push_front(c, x);
    c->st.bytes += cost(len);
    c->st.tiles++;
    pthread_mutex_unlock(&c->lock);
    return x;
}

void sp_tile_cache_release(void *ref)
{
    node *x = ref;
    sp_tile_cache *c = x->cache;
    pthread_mutex_lock(&c->lock);
    uint32_t left = --x->refs;
    pthread_mutex_unlock(&c->lock);
    if (left == 0)
        free(x);
}

sp_err sp_tile_cache_read(sp_tile_cache *c, sp_log_store *store, const sp_tile *t, uint8_t **out,
                          size_t *len, void **ref)
{
    *out = NULL;
    *len = 0;
    *ref = NULL;
    node *x = c != NULL ? get(c, kind_of(t), t->n) : NULL;
    if (x == NULL) {
        sp_err e = sp_log_store_tile(store, t, out, len);
        if (e != SP_OK || c == NULL || (x = put(c, kind_of(t), t->n, *out, *len)) == NULL)
            return e;
        free(*out);
    }
    *out = x->body;
    *len = x->len;
    *ref = x;
    return SP_OK;
}

void sp_tile_cache_stats_get(sp_tile_cache *c, sp_tile_cache_stats *st)
{
    memset(st, 0, sizeof *st);
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    *st = c->st;
    pthread_mutex_unlock(&c->lock);
}
