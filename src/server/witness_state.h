/*
 * witness_state.h -- the witness's durable state in SQLite (internal to src/server/):
 * one row per log origin with the tree head last cosigned, and the evidence table.
 *
 *   witness_log(origin TEXT PRIMARY KEY, size INTEGER, root BLOB(32), cosigned_at INTEGER)
 *   witness_evidence(origin, kind, old_size, size, root, received_at, request BLOB)
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

#include "softpause/crypto.h"
#include "softpause/errors.h"

typedef struct witness_head {
    int found;                      /* 0: nothing cosigned for this origin */
    uint64_t size;
    uint8_t root[SP_SHA256_BYTES];
    uint64_t cosigned_at;           /* the time of the last cosignature for this origin */
} witness_head;

/* Open (sp_db_open) and create the schema if missing. */
SP_MUST_CHECK sp_err witness_state_open(sqlite3 **db, const char *path, char *err,
                                        size_t errcap);

SP_MUST_CHECK sp_err witness_state_begin(sqlite3 *db);
SP_MUST_CHECK sp_err witness_state_commit(sqlite3 *db);
void witness_state_rollback(sqlite3 *db);

SP_MUST_CHECK sp_err witness_state_get(sqlite3 *db, const char *origin, size_t origin_len,
                                       witness_head *head);
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
