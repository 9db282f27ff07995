/*
 * softpause/host/tile_cache.h -- an in-memory cache of the log's tlog-tiles resources:
 * hash tiles and entry bundles, which never change once the tree holds them.  That holds
 * for a partial tile too: tile (L, N) of width W is the first W hashes (or entries) of
 * that tile, whatever the tree grows to.  So the key is (hash tile or bundle, L, N, W): a
 * partial tile is cached as itself, never as the full tile of the same index, and a
 * tile the tree does not hold yet is never cached at all.
 *
 * Bounded: the bytes held -- bodies plus SP_TILE_CACHE_ENTRY_OVERHEAD per tile -- never
 * exceed the cap given at creation; the least recently read tile goes first.  A tile
 * larger than the cap is served but not kept.  The bucket array (8 bytes per 4 KiB of cap,
 * at least 16 buckets) is allocated once at creation and is not counted in the cap.
 *
 * Thread-safe: one mutex guards the table.  A hit lends the cached bytes (no copy): the
 * tile's reference count keeps them alive while they are being sent, and a tile evicted
 * meanwhile leaves the table (and the cap's count) at once but is freed only when its
 * last reader hands it back -- so memory may exceed the cap by the tiles in flight.  A
 * tile is put only after the store returned it whole at its width, that is after the
 * committed tree holds all of it, so concurrent appends cannot make a cached tile wrong.
 */
#ifndef SOFTPAUSE_HOST_TILE_CACHE_H
#define SOFTPAUSE_HOST_TILE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/errors.h"
#include "softpause/host/log_store.h"
#include "softpause/host/tlog_tiles.h"

/* Bookkeeping counted against the cap for each cached tile (list and chain links, key). */
#define SP_TILE_CACHE_ENTRY_OVERHEAD 64u

typedef struct sp_tile_cache sp_tile_cache;

typedef struct sp_tile_cache_stats {
    uint64_t cap;        /* bytes */
    uint64_t bytes;      /* bodies + SP_TILE_CACHE_ENTRY_OVERHEAD each; <= cap */
    uint64_t tiles;      /* tiles held */
    uint64_t hits;       /* reads answered from memory */
    uint64_t misses;     /* reads that went to the store */
    uint64_t evictions;
} sp_tile_cache_stats;

/* A cache of at most cap_bytes (>= 1; SP_ERR_USAGE for 0, SP_ERR_IO when out of memory). */
SP_MUST_CHECK sp_err sp_tile_cache_new(sp_tile_cache **out, uint64_t cap_bytes);

/* Free; NULL is a no-op. */
void sp_tile_cache_free(sp_tile_cache *c);

/* The resource for tile t, byte for byte as sp_log_store_tile returns it: from memory when
 * the cache holds t, else read from the store (and kept).
 * *ref != NULL: *out is lent from the cache, hand it back with sp_tile_cache_release(*ref)
 * when done (it fits an sp_http_response's release); *ref == NULL: *out is malloc'd, free
 * it.  c may be NULL: then it is exactly sp_log_store_tile. */
SP_MUST_CHECK sp_err sp_tile_cache_read(sp_tile_cache *c, sp_log_store *store,
                                        const sp_tile *t, uint8_t **out, size_t *len,
                                        void **ref);

/* Hand back bytes lent by sp_tile_cache_read. */
void sp_tile_cache_release(void *ref);

/* Counters so far (all zero for NULL). */
void sp_tile_cache_stats_get(sp_tile_cache *c, sp_tile_cache_stats *st);

#endif
