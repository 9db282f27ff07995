/*
 * softpause/host/tile_reader.h -- read a tiled log (C2SP tlog-tiles) the way any client or
 * mirror reader does: from a log's URL prefix (http:// or https://) or from a directory
 * written by `softpause log export` (any static mirror).  Used by `softpause bundle make`
 * to prove inclusion against the newest cosigned checkpoint without any log-specific API.
 *
 * Node hashes come from hash tiles: a complete subtree of 2^h leaves starting at leaf
 * index*2^h lives in hash tile level h/8 as the combination of 2^(h%8) consecutive
 * hashes; partial right edges are combined from complete subtrees exactly as RFC 6962's
 * MTH splits them.  Every tile read is checked for length (width * 32 bytes), and a proof
 * fetches each hash tile it needs once.
 */
#ifndef SOFTPAUSE_HOST_TILE_READER_H
#define SOFTPAUSE_HOST_TILE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"

/* Largest resource the reader accepts (a full entry bundle of maximal notes is larger
 * than any real one; tiles are 8 KiB). */
#define SP_TILE_READER_MAX_BYTES (256u * (SP_MAX_NOTE_BYTES + 2u))

/* Fetch base + "/" + path (HTTP GET, 200 required; or a file under the directory).
 * *body is malloc'd.  SP_ERR_NOT_FOUND for 404 / a missing file, SP_ERR_HTTP or SP_ERR_IO
 * otherwise. */
SP_MUST_CHECK sp_err sp_tile_fetch(const char *base, const char *path, uint8_t **body,
                                   size_t *len);

/* The inclusion proof for leaf `index` in the tree of `size` leaves, from hash tiles.
 * proof must hold SP_MAX_PROOF_HASHES hashes. */
SP_MUST_CHECK sp_err sp_tile_inclusion_proof(const char *base, uint64_t index, uint64_t size,
                                             const sp_crypto *crypto,
                                             uint8_t proof[][SP_SHA256_BYTES], size_t *n);

/* Entry bundle n (entries n*256 ..) of a tree of `size` leaves, at the width that size
 * gives it; *body is malloc'd.  SP_ERR_NOT_FOUND when the tree has no such bundle. */
SP_MUST_CHECK sp_err sp_tile_fetch_entry_bundle(const char *base, uint64_t n, uint64_t size,
                                                uint8_t **body, size_t *len);

/* Entry `index` of a tree of `size` leaves, from its entry bundle; *entry is malloc'd. */
SP_MUST_CHECK sp_err sp_tile_read_entry(const char *base, uint64_t index, uint64_t size,
                                        uint8_t **entry, size_t *len);

#endif /* SOFTPAUSE_HOST_TILE_READER_H */
