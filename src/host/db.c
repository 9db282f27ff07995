/*
 * db.c -- durable SQLite databases for servers (contract: softpause/host/db.h).
 *
 * Why each setting: WAL + synchronous=FULL is the combination under which SQLite promises
 * durability of every committed transaction (https://sqlite.org/wal.html, "Durability");
 * WAL mode is asked for and then read back, because SQLite silently keeps the old journal
 * mode where WAL is impossible (e.g. some network file systems).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "softpause/host/db.h"
#include "softpause/host/fileio.h"

static sp_err db_fail(sqlite3 *db, const char *what, char *err, size_t errcap)
{
    if (err != NULL && errcap > 0)
        snprintf(err, errcap, "%s: %s", what, db != NULL ? sqlite3_errmsg(db) : "cannot open");
    return SP_ERR_DB;
}

sp_err sp_db_exec(sqlite3 *db, const char *sql, char *err, size_t errcap)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? SP_OK
                                                                : db_fail(db, sql, err, errcap);
}

sp_err sp_db_open(sqlite3 **out, const char *path, int busy_ms, char *err, size_t errcap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    sp_err e;
    int fd, wal;

    *out = NULL;
    if (err != NULL && errcap > 0)
        err[0] = '\0';
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        e = sp_file_fail(errno); /* the reason stays readable by sp_file_last_error */
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "%s: %s", path, sp_file_last_error());
        return e;
    }
    close(fd);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        e = db_fail(db, path, err, errcap);
        sqlite3_close(db);
        return e;
    }
    sqlite3_busy_timeout(db, busy_ms);
    wal = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW &&
          strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    sqlite3_finalize(st);
    e = wal ? sp_db_exec(db, "PRAGMA synchronous=FULL", err, errcap)
            : db_fail(db, "journal_mode=WAL", err, errcap);
    if (e != SP_OK) {
        sqlite3_close(db);
        return e;
    }
    *out = db;
    return SP_OK;
}
