/*
 * witness_state.c -- the witness's SQLite state (see witness_state.h).
 *
 * Sizes are below 2^63 (the checkpoint parser's limit), so they fit SQLite's signed
 * 64-bit integers unchanged; times likewise (cosignature times are below 2^52).
 */
#include <string.h>

#include "softpause/config.h"
#include "softpause/host/db.h"
#include "softpause/server/witness.h"
#include "witness_state.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS witness_log ("
    " origin TEXT PRIMARY KEY NOT NULL,"
    " size INTEGER NOT NULL CHECK (size >= 0),"
    " root BLOB NOT NULL CHECK (length(root) = 32),"
    " cosigned_at INTEGER NOT NULL);"
    "CREATE TRIGGER IF NOT EXISTS witness_log_never_shrinks"
    " BEFORE UPDATE OF size ON witness_log WHEN NEW.size < OLD.size"
    " BEGIN SELECT RAISE(ABORT, 'a witness never rolls a log back'); END;"
    "CREATE TABLE IF NOT EXISTS witness_evidence ("
    " id INTEGER PRIMARY KEY,"
    " origin TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " old_size INTEGER NOT NULL,"
    " size INTEGER NOT NULL,"
    " root BLOB NOT NULL,"
    " received_at INTEGER NOT NULL,"
    " request BLOB NOT NULL,"
    " UNIQUE (origin, size, root));";

sp_err witness_state_open(sqlite3 **db, const char *path, char *err, size_t errcap)
{
    sp_err e = sp_db_open(db, path, SP_WITNESS_DB_BUSY_MS, err, errcap);
    if (e == SP_OK && (e = sp_db_exec(*db, schema, err, errcap)) != SP_OK) {
        sqlite3_close(*db);
        *db = NULL;
    }
    return e;
}

sp_err witness_state_begin(sqlite3 *db)
{
    return sp_db_exec(db, "BEGIN IMMEDIATE", NULL, 0);
}

sp_err witness_state_commit(sqlite3 *db)
{
    sp_err e = sp_db_exec(db, "COMMIT", NULL, 0);
    if (e != SP_OK)
        witness_state_rollback(db);
    return e;
}

void witness_state_rollback(sqlite3 *db)
{
    /* Fails harmlessly when SQLite has already rolled back (e.g. after an I/O error). */
    (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* Prepare sql with origin bound as ?1. */
static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, const char *origin, size_t len)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, origin, (int)len, SQLITE_TRANSIENT) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

sp_err witness_state_get(sqlite3 *db, const char *origin, size_t origin_len, witness_head *head)
{
    sqlite3_stmt *st = prepare(db,
                               "SELECT size, root, cosigned_at FROM witness_log WHERE origin = ?1",
                               origin, origin_len);
    sp_err e = SP_ERR_DB;
    int rc;
    memset(head, 0, sizeof *head);
    if (st == NULL)
        return SP_ERR_DB;
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        e = SP_OK;
    } else if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) >= 0 &&
               sqlite3_column_bytes(st, 1) == SP_SHA256_BYTES &&
               sqlite3_column_int64(st, 2) >= 0) {
        head->found = 1;
        head->size = (uint64_t)sqlite3_column_int64(st, 0);
        memcpy(head->root, sqlite3_column_blob(st, 1), SP_SHA256_BYTES);
        head->cosigned_at = (uint64_t)sqlite3_column_int64(st, 2);
        e = SP_OK;
    }
    sqlite3_finalize(st);
    return e;
}

sp_err witness_state_put(sqlite3 *db, const char *origin, size_t origin_len, uint64_t size,
                         const uint8_t root[SP_SHA256_BYTES], uint64_t now)
{
    sqlite3_stmt *st = prepare(db,
                               "INSERT INTO witness_log (origin, size, root, cosigned_at)"
                               " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (origin) DO UPDATE SET"
                               " size = excluded.size, root = excluded.root,"
                               " cosigned_at = excluded.cosigned_at",
                               origin, origin_len);
    int ok = st != NULL && sqlite3_bind_int64(st, 2, (sqlite3_int64)size) == SQLITE_OK &&
             sqlite3_bind_blob(st, 3, root, SP_SHA256_BYTES, SQLITE_TRANSIENT) == SQLITE_OK &&
             sqlite3_bind_int64(st, 4, (sqlite3_int64)now) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? SP_OK : SP_ERR_DB;
}

sp_err witness_state_evidence_count(sqlite3 *db, const char *origin, uint64_t *count)
{
    sqlite3_stmt *st = prepare(db, "SELECT count(*) FROM witness_evidence WHERE origin = ?1",
                               origin, strlen(origin));
    int ok = st != NULL && sqlite3_step(st) == SQLITE_ROW;
    *count = ok ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return ok ? SP_OK : SP_ERR_DB;
}

sp_err witness_state_evidence(sqlite3 *db, const char *origin, size_t origin_len,
                              const char *kind, uint64_t old_size, uint64_t size,
                              const uint8_t root[SP_SHA256_BYTES], uint64_t now,
                              const uint8_t *request, size_t request_len)
{
    /* The cap is part of the INSERT, so it is checked inside the caller's transaction. */
    sqlite3_stmt *st = prepare(
        db,
        "INSERT OR IGNORE INTO witness_evidence"
        " (origin, kind, old_size, size, root, received_at, request)"
        " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7"
        " WHERE (SELECT count(*) FROM witness_evidence WHERE origin = ?1) < ?8",
        origin, origin_len);
    int ok = st != NULL && request_len <= SP_MAX_WITNESS_REQUEST_BYTES &&
             sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_bind_int64(st, 3, (sqlite3_int64)old_size) == SQLITE_OK &&
             sqlite3_bind_int64(st, 4, (sqlite3_int64)size) == SQLITE_OK &&
             sqlite3_bind_blob(st, 5, root, SP_SHA256_BYTES, SQLITE_TRANSIENT) == SQLITE_OK &&
             sqlite3_bind_int64(st, 6, (sqlite3_int64)now) == SQLITE_OK &&
             sqlite3_bind_blob(st, 7, request, (int)request_len, SQLITE_TRANSIENT) == SQLITE_OK &&
             sqlite3_bind_int64(st, 8, SP_MAX_WITNESS_EVIDENCE) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? SP_OK : SP_ERR_DB;
}
