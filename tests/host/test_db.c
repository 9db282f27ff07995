/*
 * test_db.c -- durable SQLite databases (softpause/host/db.h): how sp_db_open finds or
 * creates the file, that opening a second connection never drops the locks of the first
 * (issue 8, item 2: closing any descriptor of a file drops every POSIX lock the process
 * holds on it, so `log export` beside `log serve` deleted the live WAL), and that a full
 * database says "disk full".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "support/scratch.h"
#include "softpause/host/db.h"

static void test_open_modes(void)
{
    char p[1024], side[1100], err[256];
    sqlite3 *db = NULL;
    scratch_make("db");
    scratch_path(p, sizeof p, "a.db");
    CHECK_ERR(sp_db_open(&db, p, SP_DB_MUST_EXIST, 1000, err, sizeof err), SP_ERR_NOT_FOUND);
    CHECK(db == NULL && access(p, F_OK) != 0 && strstr(err, p) != NULL);
    CHECK_OK(sp_db_open(&db, p, SP_DB_CREATE_IF_MISSING, 1000, err, sizeof err));
    CHECK(scratch_mode(p) == 0600);
    CHECK_OK(sp_db_exec(db, "CREATE TABLE t(x)", err, sizeof err));
    sqlite3 *other = NULL;
    CHECK_ERR(sp_db_open(&other, p, SP_DB_MUST_BE_NEW, 1000, err, sizeof err), SP_ERR_EXISTS);
    CHECK(other == NULL);
    sqlite3_close(db);
    CHECK_OK(sp_db_open(&db, p, SP_DB_MUST_EXIST, 1000, err, sizeof err));
    CHECK_OK(sp_db_exec(db, "INSERT INTO t VALUES (1)", err, sizeof err));
    sqlite3_close(db);
    CHECK_OK(sp_db_open(&db, p, SP_DB_CREATE_IF_MISSING, 1000, err, sizeof err));
    sqlite3_close(db);

    /* A new database is refused beside a WAL or shared-memory file SQLite would adopt. */
    scratch_path(p, sizeof p, "b.db");
    for (int i = 0; i < 2; i++) {
        snprintf(side, sizeof side, "%s%s", p, i == 0 ? "-wal" : "-shm");
        FILE *f = fopen(side, "w");
        if (f != NULL)
            fclose(f);
        CHECK_ERR(sp_db_open(&db, p, SP_DB_MUST_BE_NEW, 1000, err, sizeof err), SP_ERR_EXISTS);
        CHECK(access(p, F_OK) != 0 && strstr(err, side) != NULL);
        unlink(side);
    }
    CHECK_OK(sp_db_open(&db, p, SP_DB_MUST_BE_NEW, 1000, err, sizeof err));
    sqlite3_close(db);
    scratch_path(p, sizeof p, "no/such/dir.db");
    CHECK_ERR(sp_db_open(&db, p, SP_DB_CREATE_IF_MISSING, 1000, err, sizeof err), SP_ERR_IO);
    scratch_remove();
}

/* In another process: does anyone hold a lock on any byte of SQLite's lock region of path
 * (the pending, reserved and shared bytes from 2^30)? */
static int locked_elsewhere(const char *path)
{
    pid_t pid = fork();
    int st = 0;
    if (pid == 0) {
        int fd = open(path, O_RDWR);
        struct flock fl;
        memset(&fl, 0, sizeof fl);
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        fl.l_start = 0x40000000;
        fl.l_len = 512;
        _exit(fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0 ? fl.l_type != F_UNLCK : 2);
    }
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

/* A WAL-mode connection holds a shared lock on the database file for its life; opening a
 * second connection (as the log store does, and `log export`) must not drop it. */
static void test_second_open_keeps_locks(void)
{
    char p[1024];
    sqlite3 *a = NULL, *b = NULL;
    scratch_make("db");
    scratch_path(p, sizeof p, "l.db");
    CHECK_OK(sp_db_open(&a, p, SP_DB_CREATE_IF_MISSING, 1000, NULL, 0));
    CHECK_OK(sp_db_exec(a, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, 0));
    CHECK(locked_elsewhere(p) == 1);
    CHECK_OK(sp_db_open(&b, p, SP_DB_CREATE_IF_MISSING, 1000, NULL, 0));
    CHECK(locked_elsewhere(p) == 1);
    sqlite3_close(b);
    CHECK_OK(sp_db_open(&b, p, SP_DB_MUST_EXIST, 1000, NULL, 0));
    CHECK(locked_elsewhere(p) == 1);
    sqlite3_close(b);
    sqlite3_close(a);
    scratch_remove();
}

/* SQLITE_FULL (here from max_page_count; from ENOSPC on a full disk in the CLI tests) is
 * SP_ERR_DISK_FULL, and the message says so. */
static void test_full_database_says_disk_full(void)
{
    char p[1024], err[256];
    sqlite3 *db = NULL;
    sp_err e = SP_OK;
    scratch_make("db");
    scratch_path(p, sizeof p, "f.db");
    CHECK_OK(sp_db_open(&db, p, SP_DB_CREATE_IF_MISSING, 1000, err, sizeof err));
    CHECK_OK(sp_db_exec(db, "CREATE TABLE t(x); PRAGMA max_page_count = 8", err, sizeof err));
    for (int i = 0; i < 64 && e == SP_OK; i++)
        e = sp_db_exec(db, "INSERT INTO t VALUES (randomblob(1000))", err, sizeof err);
    CHECK_ERR(e, SP_ERR_DISK_FULL);
    CHECK(strstr(err, "disk full") != NULL);
    CHECK(sp_db_error(NULL) == SP_ERR_DB);
    sqlite3_close(db);
    scratch_remove();
}

/* sp_db_files: the same files, then each way of losing them. */
static void test_files_lost_under_a_connection(void)
{
    char p[1024], q[1100], err[256];
    for (int way = 0; way < 4; way++) {
        sqlite3 *db = NULL;
        sp_db_files f;
        scratch_make("db");
        scratch_path(p, sizeof p, "s.db");
        CHECK_OK(sp_db_open(&db, p, SP_DB_MUST_BE_NEW, 1000, err, sizeof err));
        CHECK_OK(sp_db_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (zeroblob(20000));"
                                "PRAGMA wal_checkpoint(FULL);",
                            err, sizeof err));
        CHECK_OK(sp_db_files_note(&f, p, -1, err, sizeof err));
        CHECK(sp_db_files_same(&f) == 1);
        snprintf(q, sizeof q, "%s%s", p, way == 1 ? "-wal" : way == 2 ? "-shm" : "");
        if (way < 3)
            CHECK(unlink(q) == 0);
        else
            CHECK(truncate(p, 4096) == 0); /* page 1 kept, the rest gone */
        CHECK(sp_db_files_same(&f) == 0);
        sqlite3_close(db);
        sp_db_files_free(&f);
        scratch_remove();
    }
}

int main(void)
{
    RUN_TEST(test_open_modes);
    RUN_TEST(test_second_open_keeps_locks);
    RUN_TEST(test_full_database_says_disk_full);
    RUN_TEST(test_files_lost_under_a_connection);
    return harness_finish("host/db");
}
