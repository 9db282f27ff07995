/*
 * softpause/host/log_store.h -- the transparency log's storage: an append-only RFC 9162
 * Merkle tree of whole signed notes, in one SQLite database.
 *
 * Contract:
 *   - Durability: the database runs with journal_mode=WAL and synchronous=FULL (host/db.h);
 *     an append returns SP_OK only after its COMMIT returned, so an acknowledged entry
 *     survives a crash or power loss.  A failed append leaves nothing behind.  Appends from
 *     concurrent threads are group-committed: up to SP_LOG_BATCH_MAX of them share one
 *     transaction (and one fsync), all committed or none.
 *   - One entry per statement text: each entry is keyed by SHA-256 of its note TEXT (the
 *     signed part, before the signature lines).  Appending a note whose text is already
 *     logged stores nothing and reports the existing index (*existed = 1), whatever
 *     signatures the new copy carries.
 *   - Every complete subtree's hash (tree level, index) is stored in the same transaction
 *     as the leaf that completes it, so roots, proofs and tiles are read, never recomputed
 *     from the leaves; any root or proof costs O(log n) lookups.
 *   - Hashing goes through the verifier's sp_merkle_leaf_hash / sp_merkle_node_hash over
 *     the libsodium backend: one definition of the tree for the log and the device.
 *   - Checkpoints: a history of the signed checkpoint notes the log published, one per
 *     tree size, sizes never decreasing (the note for the latest size may be replaced, e.g.
 *     by one carrying fresher cosignatures).  The store does not parse them.
 *   - Threads and processes: one handle may be used by many threads (appends serialise on
 *     a writer connection, reads use their own connection and never wait for an fsync);
 *     other processes may open the same file (SQLite's locking, a busy timeout of
 *     SP_LOG_DB_BUSY_MS).
 *
 * Errors: SP_ERR_DB (SQLite failed; sp_log_store_error() says why), SP_ERR_IO (the database
 * file cannot be created), SP_ERR_MERKLE_SIZE
 * (an index or size beyond the tree, size1 > size2, a checkpoint for a size smaller than
 * the latest one's or larger than the tree), SP_ERR_NOT_FOUND (no such entry, tile width
 * or checkpoint yet), SP_ERR_LOG_FULL (an entry over SP_BUNDLE_ENTRY_MAX bytes, or text_len
 * > len), SP_ERR_USAGE (bad arguments).
 */
#ifndef SOFTPAUSE_HOST_LOG_STORE_H
#define SOFTPAUSE_HOST_LOG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"

/* Appends committed together at most (group commit: concurrent appends share one
 * transaction and one fsync; each caller still returns only after its COMMIT). */
#define SP_LOG_BATCH_MAX 256u

/* How long a connection waits for another process's lock before SP_ERR_DB. */
#define SP_LOG_DB_BUSY_MS 10000

typedef struct sp_log_store sp_log_store;

/* Open the log database at path, creating it (mode 0600) if absent.  An existing file
 * must be a log database (its "softpause-log/v1" or "/v2" mark) or hold no tables: SP_ERR_DB
 * otherwise, and the file is not changed.  A v1 database is migrated to v2 (the policy
 * chain's table) in one transaction. */
SP_MUST_CHECK sp_err sp_log_store_open(sp_log_store **out, const char *path);

/* Open an existing log database to read it (`log export`): nothing is created or written.
 * SP_ERR_NOT_FOUND: no file at path; SP_ERR_DB: not a log database, or SQLite failed;
 * err (errcap bytes, may be NULL) gets the reason. */
SP_MUST_CHECK sp_err sp_log_store_open_existing(sp_log_store **out, const char *path,
                                                char *err, size_t errcap);

/* Close; NULL is a no-op. */
void sp_log_store_close(sp_log_store *s);

/* The last SQLite error message seen by this handle (for printing; never NULL). */
const char *sp_log_store_error(sp_log_store *s);

/* Append leaf[0..len), whose text is leaf[0..text_len).  *index gets the entry's index
 * (the existing one when the text was already logged, *existed = 1). */
SP_MUST_CHECK sp_err sp_log_store_append(sp_log_store *s, const uint8_t *leaf, size_t len,
                                         size_t text_len, uint64_t *index, int *existed);

/* Number of entries (committed). */
SP_MUST_CHECK sp_err sp_log_store_size(sp_log_store *s, uint64_t *size);

/* Index of the entry whose text is text[0..len); SP_ERR_NOT_FOUND if none. */
SP_MUST_CHECK sp_err sp_log_store_find(sp_log_store *s, const uint8_t *text, size_t len,
                                       uint64_t *index);

/* The entry at index (malloc'd copy in *leaf). */
SP_MUST_CHECK sp_err sp_log_store_entry(sp_log_store *s, uint64_t index, uint8_t **leaf,
                                        size_t *len);

/* Root hash of the tree of the first `size` entries (size 0: SHA-256 of nothing). */
SP_MUST_CHECK sp_err sp_log_store_root(sp_log_store *s, uint64_t size,
                                       uint8_t root[SP_SHA256_BYTES]);

/* RFC 9162 inclusion proof of entry `index` in the tree of `size` entries, leaf side
 * first, into proof[0..SP_MAX_PROOF_HASHES). */
SP_MUST_CHECK sp_err sp_log_store_inclusion(sp_log_store *s, uint64_t index, uint64_t size,
                                            uint8_t (*proof)[SP_SHA256_BYTES], size_t *n);

/* RFC 9162 consistency proof from size1 to size2 (empty when size1 is 0 or equals size2),
 * into proof[0..SP_MAX_PROOF_HASHES). */
SP_MUST_CHECK sp_err sp_log_store_consistency(sp_log_store *s, uint64_t size1, uint64_t size2,
                                              uint8_t (*proof)[SP_SHA256_BYTES], size_t *n);

/* Hash tile (level, n) of width hashes (1..256) into out[0..width*32): SP_ERR_NOT_FOUND
 * unless the tree already holds that many hashes in that tile. */
SP_MUST_CHECK sp_err sp_log_store_hash_tile(sp_log_store *s, uint32_t level, uint64_t n,
                                            uint32_t width, uint8_t *out);

/* Entry bundle n of width entries (malloc'd in *out); SP_ERR_NOT_FOUND as above. */
SP_MUST_CHECK sp_err sp_log_store_entry_bundle(sp_log_store *s, uint64_t n, uint32_t width,
                                               uint8_t **out, size_t *len);

/* The resource for a tlog-tiles path: hash tile or entry bundle t (host/tlog_tiles.h),
 * malloc'd in *out.  SP_ERR_NOT_FOUND as above. */
struct sp_tile;
SP_MUST_CHECK sp_err sp_log_store_tile(sp_log_store *s, const struct sp_tile *t, uint8_t **out,
                                       size_t *len);

/* Record a published checkpoint note for tree size `size`. */
SP_MUST_CHECK sp_err sp_log_store_put_checkpoint(sp_log_store *s, uint64_t size,
                                                 const uint8_t *note, size_t len);

/* The latest checkpoint (malloc'd note); SP_ERR_NOT_FOUND if none yet. */
SP_MUST_CHECK sp_err sp_log_store_latest_checkpoint(sp_log_store *s, uint64_t *size,
                                                    uint8_t **note, size_t *len);

/* Visit the checkpoint history, oldest first; a visitor's non-SP_OK return stops the
 * walk and is returned.  The visitor must not call back into the store (the reader
 * connection is held during the walk). */
typedef sp_err (*sp_log_checkpoint_visitor)(void *ctx, uint64_t size, const uint8_t *note,
                                            size_t len);
SP_MUST_CHECK sp_err sp_log_store_checkpoints(sp_log_store *s, sp_log_checkpoint_visitor fn,
                                              void *ctx);

/* ---- the policy chain (protocol.md section 18.7) ----------------------------------------
 * The log's policies in version order: the root (the policy it was started with; entry
 * UINT64_MAX) and each policy an update moved it to (entry = the update's leaf index;
 * adopted once the update bundle proving its publication under the previous policy is
 * stored).  At most one link, the newest, is not adopted: the log is updating. */
typedef struct sp_log_chain_link {
    uint64_t version;
    uint8_t hash[SP_SHA256_BYTES];
    const uint8_t *policy;          /* canonical bytes (valid during the visit only) */
    size_t policy_len;
    uint64_t entry;                 /* UINT64_MAX for the root */
    int adopted;                    /* the update bundle is stored (1 for the root: 0) */
} sp_log_chain_link;

/* Visit the chain, oldest first (nothing for a chain not yet started, or a v1 database
 * opened to read); a visitor's non-SP_OK return stops the walk and is returned.  The
 * visitor must not call back into the store. */
typedef sp_err (*sp_log_chain_visitor)(void *ctx, const sp_log_chain_link *link);
SP_MUST_CHECK sp_err sp_log_store_chain(sp_log_store *s, sp_log_chain_visitor fn, void *ctx);

/* Start the chain at this policy: SP_ERR_EXISTS if it has a link already. */
SP_MUST_CHECK sp_err sp_log_store_chain_root(sp_log_store *s, uint64_t version,
                                             const uint8_t hash[SP_SHA256_BYTES],
                                             const uint8_t *policy, size_t len);

/* Append an update leaf and its chain link (not adopted) in one transaction: both or
 * neither.  An already logged text stores nothing (*existed = 1, its index). */
SP_MUST_CHECK sp_err sp_log_store_append_update(sp_log_store *s, const uint8_t *leaf,
                                                size_t len, size_t text_len,
                                                uint64_t version,
                                                const uint8_t hash[SP_SHA256_BYTES],
                                                const uint8_t *policy, size_t policy_len,
                                                uint64_t *index, int *existed);

/* Store the update bundle of link `version` (which must be an update not yet adopted, else
 * SP_ERR_NOT_FOUND): the link is adopted. */
SP_MUST_CHECK sp_err sp_log_store_chain_adopt(sp_log_store *s, uint64_t version,
                                              const uint8_t *bundle, size_t len);

/* The update bundle moving version - 1 to version (malloc'd); SP_ERR_NOT_FOUND if none. */
SP_MUST_CHECK sp_err sp_log_store_update_bundle(sp_log_store *s, uint64_t version,
                                                uint8_t **bundle, size_t *len);

#endif /* SOFTPAUSE_HOST_LOG_STORE_H */
