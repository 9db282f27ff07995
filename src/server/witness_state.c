/*
 * witness_state.c -- the witness's SQLite state (see witness_state.h).
 *
 * Sizes are below 2^63 (the checkpoint parser's limit), so they fit SQLite's signed
 * 64-bit integers unchanged; times likewise (cosignature times are below 2^52).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "softpause/config.h"
#include "softpause/host/db.h"
#include "softpause/server/witness.h"
#include "witness_state.h"

#define FORMAT "softpause-witness/v1"

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
    " UNIQUE (origin, size, root));"
    "CREATE TABLE IF NOT EXISTS witness_meta (key TEXT PRIMARY KEY NOT NULL, value NOT NULL);"
    "CREATE TABLE IF NOT EXISTS witness_seen (origin TEXT PRIMARY KEY NOT NULL);";

/* A new database: the format mark and a count of 0 logs seen. */
static const char mark_new[] =
    "INSERT INTO witness_meta (key, value) VALUES ('format', '" FORMAT "'), ('logs_seen', 0);";

/* A database of the first format (witness_log only, from before the format mark): every
 * origin with a row has been seen. */
static const char mark_legacy[] =
    "INSERT INTO witness_seen (origin) SELECT origin FROM witness_log;"
    "INSERT INTO witness_meta (key, value) VALUES ('format', '" FORMAT "'),"
    " ('logs_seen', (SELECT count(*) FROM witness_log));";

/* Run a query that returns one row of integers into v[0..n); SQLite's error otherwise. */
static sp_err ints(sqlite3 *db, const char *sql, const char *origin, size_t origin_len,
                   int64_t *v, int n)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
             (origin == NULL ||
              sqlite3_bind_text(st, 1, origin, (int)origin_len, SQLITE_TRANSIENT) == SQLITE_OK) &&
             sqlite3_step(st) == SQLITE_ROW;
    for (int i = 0; i < n; i++)
        v[i] = ok && sqlite3_column_type(st, i) != SQLITE_NULL ? sqlite3_column_int64(st, i) : -1;
    sqlite3_finalize(st);
    return ok ? SP_OK : sp_db_error(db);
}

sp_err witness_state_fail(char *err, size_t errcap, const char *path, const char *why)
{
    if (err != NULL && errcap > 0)
        snprintf(err, errcap, "%s: %s", path, why);
    return SP_ERR_WITNESS_STATE;
}

/* The checks of an existing database at open: it is a witness database (or one of the
 * first format, marked now), and its rows match its record of the logs it has seen. */
static sp_err check_existing(sqlite3 *db, const char *path, char *err, size_t errcap)
{
    int64_t v[5];
    sp_err e = ints(db,
                    "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'witness_meta'),"
                    " (SELECT count(*) FROM sqlite_master WHERE name = 'witness_log')",
                    NULL, 0, v, 2);
    if (e != SP_OK)
        return e;
    if (v[0] == 0 && v[1] == 0)
        return witness_state_fail(err, errcap, path,
                          "not a witness database (empty, truncated or another file); "
                          "a witness that lost its state restarts with --init-from CHECKPOINT");
    if ((e = sp_db_exec(db, "BEGIN IMMEDIATE", err, errcap)) != SP_OK)
        return e;
    e = sp_db_exec(db, schema, err, errcap);
    if (e == SP_OK && v[0] == 0)
        e = sp_db_exec(db, mark_legacy, err, errcap);
    if (e == SP_OK)
        e = ints(db,
                 "SELECT (SELECT value FROM witness_meta WHERE key = 'format') = '" FORMAT "',"
                 " (SELECT value FROM witness_meta WHERE key = 'logs_seen'),"
                 " (SELECT count(*) FROM witness_seen), (SELECT count(*) FROM witness_log),"
                 " (SELECT count(*) FROM witness_log"
                 "  WHERE origin NOT IN (SELECT origin FROM witness_seen))",
                 NULL, 0, v, 5);
    if (e == SP_OK && v[0] != 1)
        e = witness_state_fail(err, errcap, path, "no softpause-witness/v1 format mark");
    else if (e == SP_OK && (v[1] < 0 || v[1] != v[2] || v[2] != v[3] || v[4] != 0)) {
        e = SP_ERR_WITNESS_STATE;
        if (err != NULL && errcap > 0)
            snprintf(err, errcap,
                     "%s: the database has seen %lld logs but holds %lld tree heads; "
                     "restore it, or restart with --init-from CHECKPOINT",
                     path, (long long)v[1], (long long)v[3]);
    }
    if (e == SP_OK)
        return sp_db_exec(db, "COMMIT", err, errcap);
    (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return e;
}

/* Remove a database file and its WAL and shared-memory files. */
static void remove_db(const char *path)
{
    char side[4200];
    unlink(path);
    if (strlen(path) < 4096) {
        snprintf(side, sizeof side, "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", path);
        unlink(side);
    }
}

/* A new database at path holding the starting heads, made whole under a temporary name
 * and linked into place (link never replaces a file), so a crash during --init leaves
 * either nothing or a complete database -- never an empty one that a restart would take
 * for a witness with nothing to remember. */
static sp_err create_db(const char *path, const sp_checkpoint *start, size_t nstart, uint64_t now,
                     char *err, size_t errcap)
{
    char tmp[4096];
    sqlite3 *db = NULL;
    sp_err e;
    int n = snprintf(tmp, sizeof tmp, "%s.init-%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return SP_ERR_ARGUMENT;
    /* Refuse what exists (path, path-wal, path-shm) before making anything. */
    if ((e = sp_db_absent(path, err, errcap)) != SP_OK)
        return e;
    remove_db(tmp);
    if ((e = sp_db_open(&db, tmp, SP_DB_MUST_BE_NEW, SP_WITNESS_DB_BUSY_MS, err, errcap)) !=
        SP_OK)
        return e;
    e = sp_db_exec(db, "BEGIN IMMEDIATE", err, errcap);
    if (e == SP_OK && (e = sp_db_exec(db, schema, err, errcap)) == SP_OK)
        e = sp_db_exec(db, mark_new, err, errcap);
    for (size_t i = 0; e == SP_OK && i < nstart; i++)
        e = witness_state_put(db, start[i].origin, start[i].origin_len, start[i].size,
                              start[i].root, now);
    if (e == SP_OK)
        e = sp_db_exec(db, "COMMIT", err, errcap);
    witness_state_close(db); /* the last connection: the WAL is checkpointed into tmp and removed */
    if (e == SP_OK && link(tmp, path) != 0) {
        e = errno == EEXIST ? SP_ERR_EXISTS : SP_ERR_IO;
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "%s: %s", path, strerror(errno));
    }
    remove_db(tmp);
    return e;
}

sp_err witness_state_open(sqlite3 **db, const char *path, const sp_checkpoint *start,
                          size_t nstart, int create, uint64_t now, char *err, size_t errcap)
{
    sp_err e;
    *db = NULL;
    if (create && (e = create_db(path, start, nstart, now, err, errcap)) != SP_OK)
        return e;
    e = sp_db_open(db, path, SP_DB_MUST_EXIST, SP_WITNESS_DB_BUSY_MS, err, errcap);
    if (e == SP_ERR_NOT_FOUND)
        return witness_state_fail(err, errcap, path,
                          "no witness database; `witness serve --init` creates one, "
                          "--init-from CHECKPOINT one that starts at a known checkpoint");
    if (e == SP_OK && (e = check_existing(*db, path, err, errcap)) != SP_OK) {
        witness_state_close(*db);
        *db = NULL;
    }
    return e;
}

sp_err witness_state_check_unseen(sqlite3 *db, const char *origin, size_t origin_len)
{
    int64_t v[2];
    sp_err e = ints(db,
                    "SELECT EXISTS (SELECT 1 FROM witness_seen WHERE origin = ?1),"
                    " (SELECT value FROM witness_meta WHERE key = 'logs_seen')"
                    " = (SELECT count(*) FROM witness_log)",
                    origin, origin_len, v, 2);
    if (e != SP_OK)
        return e;
    return v[0] == 0 && v[1] == 1 ? SP_OK : SP_ERR_WITNESS_STATE;
}

/* The statement for sql on db, prepared once per connection and kept there (SQLite lists a
 * connection's statements: sqlite3_next_stmt finds it again), reset with its bindings
 * cleared, and origin bound as ?1 when given.  Each use ends with sqlite3_reset (it holds
 * no lock after that); witness_state_close finalizes them with the connection. */
static sqlite3_stmt *statement(sqlite3 *db, const char *sql, const char *origin, size_t len)
{
    sqlite3_stmt *st = NULL;
    for (sqlite3_stmt *p = sqlite3_next_stmt(db, NULL); p != NULL && st == NULL;
         p = sqlite3_next_stmt(db, p))
        if (!sqlite3_stmt_busy(p) && strcmp(sqlite3_sql(p), sql) == 0)
            st = p;
    if (st == NULL &&
        sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    (void)sqlite3_reset(st);
    (void)sqlite3_clear_bindings(st);
    if (origin != NULL &&
        sqlite3_bind_text(st, 1, origin, (int)len, SQLITE_TRANSIENT) != SQLITE_OK)
        return NULL;
    return st;
}

/* A kept statement without parameters or rows (BEGIN IMMEDIATE, COMMIT), run once. */
static sp_err run(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = statement(db, sql, NULL, 0);
    int ok = st != NULL && sqlite3_step(st) == SQLITE_DONE;
    sp_err e = ok ? SP_OK : sp_db_error(db);
    (void)sqlite3_reset(st);
    return e;
}

void witness_state_close(sqlite3 *db)
{
    sqlite3_stmt *st;
    while (db != NULL && (st = sqlite3_next_stmt(db, NULL)) != NULL)
        sqlite3_finalize(st);
    sqlite3_close(db);
}

sp_err witness_state_begin(sqlite3 *db)
{
    return run(db, "BEGIN IMMEDIATE");
}

sp_err witness_state_commit(sqlite3 *db)
{
    sp_err e = run(db, "COMMIT");
    if (e != SP_OK)
        witness_state_rollback(db);
    return e;
}

void witness_state_rollback(sqlite3 *db)
{
    /* Fails harmlessly when SQLite has already rolled back (e.g. after an I/O error). */
    (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

sp_err witness_state_get(sqlite3 *db, const char *origin, size_t origin_len, witness_head *head)
{
    sqlite3_stmt *st =
        statement(db, "SELECT size, root, cosigned_at FROM witness_log WHERE origin = ?1",
                  origin, origin_len);
    sp_err e;
    int rc;
    memset(head, 0, sizeof *head);
    if (st == NULL)
        return sp_db_error(db);
    rc = sqlite3_step(st);
    e = sp_db_error(db);
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
    (void)sqlite3_reset(st);
    return e;
}

sp_err witness_state_put(sqlite3 *db, const char *origin, size_t origin_len, uint64_t size,
                         const uint8_t root[SP_SHA256_BYTES], uint64_t now)
{
    sqlite3_stmt *st = statement(db,
                                 "INSERT INTO witness_log (origin, size, root, cosigned_at)"
                                 " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (origin) DO UPDATE SET"
                                 " size = excluded.size, root = excluded.root,"
                                 " cosigned_at = excluded.cosigned_at",
                                 origin, origin_len);
    int ok = st != NULL && sqlite3_bind_int64(st, 2, (sqlite3_int64)size) == SQLITE_OK &&
             sqlite3_bind_blob(st, 3, root, SP_SHA256_BYTES, SQLITE_TRANSIENT) == SQLITE_OK &&
             sqlite3_bind_int64(st, 4, (sqlite3_int64)now) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_DONE;
    (void)sqlite3_reset(st);
    if (!ok)
        return sp_db_error(db);
    /* A first head for origin: it is seen for good (witness_state_check_unseen). */
    st = statement(db, "INSERT OR IGNORE INTO witness_seen (origin) VALUES (?1)", origin,
                   origin_len);
    ok = st != NULL && sqlite3_step(st) == SQLITE_DONE;
    (void)sqlite3_reset(st);
    if (ok && sqlite3_changes(db) == 1)
        return sp_db_exec(db, "UPDATE witness_meta SET value = value + 1 WHERE key = 'logs_seen'",
                          NULL, 0);
    return ok ? SP_OK : sp_db_error(db);
}

sp_err witness_state_evidence_count(sqlite3 *db, const char *origin, uint64_t *count)
{
    sqlite3_stmt *st = statement(db, "SELECT count(*) FROM witness_evidence WHERE origin = ?1",
                                 origin, strlen(origin));
    int ok = st != NULL && sqlite3_step(st) == SQLITE_ROW;
    *count = ok ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    (void)sqlite3_reset(st);
    return ok ? SP_OK : sp_db_error(db);
}

sp_err witness_state_evidence(sqlite3 *db, const char *origin, size_t origin_len,
                              const char *kind, uint64_t old_size, uint64_t size,
                              const uint8_t root[SP_SHA256_BYTES], uint64_t now,
                              const uint8_t *request, size_t request_len)
{
    /* The cap is part of the INSERT, so it is checked inside the caller's transaction. */
    sqlite3_stmt *st = statement(
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
    (void)sqlite3_reset(st);
    return ok ? SP_OK : sp_db_error(db);
}
