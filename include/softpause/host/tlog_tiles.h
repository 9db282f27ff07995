/*
 * softpause/host/tlog_tiles.h -- the C2SP tlog-tiles resource layout (https://c2sp.org/
 * tlog-tiles): tile paths, tile widths, entry bundles.  Pure functions, no I/O; the log
 * server, `softpause log export` and any reader of a mirror share them.
 *
 * Paths (relative to the log's prefix, no leading '/'):
 *
 *   tile/<L>/<N>[.p/<W>]          hash tile: level L (0..63), index N
 *   tile/entries/<N>[.p/<W>]      entry bundle: index N
 *
 *   L, W  canonical decimal (no leading zeros); W (partial width) 1..255
 *   N     zero-padded 3-digit groups, every group but the last prefixed 'x':
 *         5 -> "005", 1234067 -> "x001/x234/067"; no leading "x000" group
 *
 * Parsing is strict: exactly the one canonical spelling of each resource is accepted,
 * anything else is SP_ERR_NOT_FOUND (a mirror serving files would not find it either).
 *
 * Tiles are SP_TILE_HEIGHT = 8 levels of the Merkle tree: hash tile (L, N) holds the
 * hashes of the complete subtrees of 256^L leaves numbered N*256 .. N*256+W-1, i.e. the
 * Merkle nodes at tree level 8*L.  A full tile has SP_TILE_WIDTH = 256 hashes; for a tree
 * of s leaves, level L has floor(s / 256^L) such hashes and the last tile of a level is
 * partial when that count is not a multiple of 256 (sp_tile_width).
 *
 * Entry bundle: the entries of level-0 tile N, each as a 2-byte big-endian length followed
 * by the entry's bytes (so an entry is at most 65535 bytes; softpause entries are notes of
 * at most SP_MAX_NOTE_BYTES).
 */
#ifndef SOFTPAUSE_HOST_TLOG_TILES_H
#define SOFTPAUSE_HOST_TLOG_TILES_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/errors.h"

#define SP_TILE_HEIGHT 8u
#define SP_TILE_WIDTH 256u
#define SP_TILE_MAX_LEVEL 63u
/* Longest path sp_tile_path_format writes (with its NUL): "tile/entries/" + 7 groups of
 * "x123/" + ".p/255". */
#define SP_TILE_PATH_MAX 64u
/* Largest entry an entry bundle can carry. */
#define SP_BUNDLE_ENTRY_MAX 65535u

_Static_assert(SP_MAX_NOTE_BYTES <= SP_BUNDLE_ENTRY_MAX, "a note fits an entry bundle");

typedef struct sp_tile {
    uint32_t entries;   /* 1: entry bundle (level is 0), 0: hash tile */
    uint32_t level;     /* 0..SP_TILE_MAX_LEVEL */
    uint64_t n;         /* tile index within its level */
    uint32_t width;     /* 1..SP_TILE_WIDTH; SP_TILE_WIDTH is a full tile (no .p/ suffix) */
} sp_tile;

/* Write the tile's path (NUL-terminated) into out[0..cap).  SP_ERR_USAGE for a tile that
 * has no path (level over 63, width 0 or over 256, entries with a level); SP_ERR_LOG_FULL
 * when cap is too small. */
SP_MUST_CHECK sp_err sp_tile_path_format(const sp_tile *t, char *out, size_t cap);

/* Parse path[0..len) (no leading '/').  *out zeroed on failure (SP_ERR_NOT_FOUND). */
SP_MUST_CHECK sp_err sp_tile_path_parse(sp_tile *out, const char *path, size_t len);

/* Number of hashes tile (level, n) holds in a tree of tree_size leaves: 0 (the tile does
 * not exist yet), 1..255 (partial) or 256 (full). */
uint32_t sp_tile_width(uint32_t level, uint64_t n, uint64_t tree_size);

/* The tree level (Merkle height) of a tile level's hashes: 8 * level. */
static inline uint32_t sp_tile_tree_level(uint32_t level)
{
    return level * SP_TILE_HEIGHT;
}

/* Append one entry (2-byte length, bytes) to a bundle being built in out[0..cap) at
 * *pos.  SP_ERR_LOG_FULL if the entry is over 65535 bytes or does not fit. */
SP_MUST_CHECK sp_err sp_entry_bundle_put(uint8_t *out, size_t cap, size_t *pos,
                                         const uint8_t *entry, size_t len);

/* Read the entry at *pos of bundle[0..len) and advance *pos.  SP_ERR_NOT_FOUND at the end
 * (*pos == len), SP_ERR_FILE_FORMAT for a truncated entry. */
SP_MUST_CHECK sp_err sp_entry_bundle_next(const uint8_t *bundle, size_t len, size_t *pos,
                                          const uint8_t **entry, size_t *entry_len);

#endif /* SOFTPAUSE_HOST_TLOG_TILES_H */
