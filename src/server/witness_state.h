/*
 * witness_state.h -- the witness's durable state in SQLite (internal to src/server/):
 * one row per log origin with the tree head last cosigned, and the evidence table.
 *
 *   witness_log(origin TEXT PRIMARY KEY, size INTEGER, root BLOB(32), cosigned_at INTEGER)
 *   witness_evidence(origin, kind, old_size, size, root, received_at, request BLOB)
 *   witness_meta(key TEXT PRIMARY KEY, value): 'format' = 'softpause-witness/v1',
 *                'logs_seen' = how many origins have ever had a row
 *   witness_seen(origin TEXT PRIMARY KEY): every origin that has ever had a row
 *
 * A witness's state is its whole value, so it is never silently recreated: the database
 * is created only on request (create = 1, refused if anything is there), and an existing
 * one must carry the format mark (a database of the first format, without it, is marked
 * at open: every origin with a row counts as seen) and hold exactly one row per origin
 * seen.  An origin without a row that is in witness_seen, or any difference between the
 * row count and logs_seen, means rows were lost: SP_ERR_WITNESS_STATE, never a fresh start.
 *
 * A trigger refuses any UPDATE that lowers witness_log.size, so not even a bug in the
 * caller can roll a log back.  Callers bracket get/put/evidence in
 * witness_state_begin (BEGIN IMMEDIATE: the write lock is taken before the row is read)
 * and witness_state_commit / witness_state_rollback.
 */
#ifndef SOFTPAUSE_SERVER_WITNESS_STATE_H
#define SOFTPAUSE_SERVER_WITNESS_STATE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "softpause/checkpoint.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"

typedef struct witness_head {
    int found;                      /* 0: nothing cosigned for this origin */
    uint64_t size;
    uint8_t root[SP_SHA256_BYTES];
    uint64_t cosigned_at;           /* the time of the last cosignature for this origin */
} witness_head;

/* SP_ERR_WITNESS_STATE, with "PATH: WHY" in err. */
sp_err witness_state_fail(char *err, size_t errcap, const char *path, const char *why);

/* Open (sp_db_open) an existing witness database and check it as above; with create,
 * first create it holding the heads start[0..nstart) (cosigned_at = now), whole or not at
 * all.  SP_ERR_WITNESS_STATE: no database, not a witness database, or rows lost;
 * SP_ERR_EXISTS: create, but something is at path (or path-wal, path-shm). */
SP_MUST_CHECK sp_err witness_state_open(sqlite3 **db, const char *path,
                                        const sp_checkpoint *start, size_t nstart, int create,
                                        uint64_t now, char *err, size_t errcap);

/* For an origin that has no row (inside the transaction): SP_OK if the database has never
 * seen it and no row is missing, SP_ERR_WITNESS_STATE if rows were lost. */
SP_MUST_CHECK sp_err witness_state_check_unseen(sqlite3 *db, const char *origin,
                                                size_t origin_len);

/* Finalize the statements kept on db (see witness_state.c: each is prepared once per
 * connection) and close it. */
void witness_state_close(sqlite3 *db);

SP_MUST_CHECK sp_err witness_state_begin(sqlite3 *db);
SP_MUST_CHECK sp_err witness_state_commit(sqlite3 *db);
void witness_state_rollback(sqlite3 *db);

SP_MUST_CHECK sp_err witness_state_get(sqlite3 *db, const char *origin, size_t origin_len,
                                       witness_head *head);
/* Store the head; a first head for origin also records origin as seen. */
SP_MUST_CHECK sp_err witness_state_put(sqlite3 *db, const char *origin, size_t origin_len,
                                       uint64_t size, const uint8_t root[SP_SHA256_BYTES],
                                       uint64_t now);

/* Keep a refused request as evidence, unless the origin already has
 * SP_MAX_WITNESS_EVIDENCE records or this (origin, size, root) is already kept. */
SP_MUST_CHECK sp_err witness_state_evidence(sqlite3 *db, const char *origin, size_t origin_len,
                                            const char *kind, uint64_t old_size, uint64_t size,
                                            const uint8_t root[SP_SHA256_BYTES], uint64_t now,
                                            const uint8_t *request, size_t request_len);

SP_MUST_CHECK sp_err witness_state_evidence_count(sqlite3 *db, const char *origin,
                                                  uint64_t *count);

#endif
