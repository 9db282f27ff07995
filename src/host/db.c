/*
 * db.c -- durable SQLite databases for servers (contract: softpause/host/db.h).
 *
 * Why each setting: WAL + synchronous=FULL is the combination under which SQLite promises
 * durability of every committed transaction (https://sqlite.org/wal.html, "Durability");
 * WAL mode is asked for and then read back, because SQLite silently keeps the old journal
 * mode where WAL is impossible (e.g. some network file systems).
 *
 * No descriptor of an existing database file is opened and closed here (sp_db_files keeps
 * its descriptor until after the last connection is closed): POSIX drops
 * every lock a process holds on a file when it closes any descriptor of that file
 * (https://sqlite.org/howtocorrupt.html, 2.2), so an open()/close() beside a live
 * connection -- of this process, e.g. the log's second connection -- lets another process
 * (`log export` beside `log serve`) believe it is the last connection and delete the WAL
 * the server still writes to.  A file is created (O_EXCL, mode 0600) and closed only when
 * it did not exist, so no connection can hold a lock on it yet; everything else goes
 * through stat() and SQLite.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "softpause/host/db.h"
#include "softpause/host/fileio.h"

sp_err sp_db_error(sqlite3 *db)
{
    if (db != NULL &&
        ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_FULL || sqlite3_system_errno(db) == ENOSPC))
        return SP_ERR_DISK_FULL;
    return SP_ERR_DB;
}

static sp_err db_fail(sqlite3 *db, const char *what, char *err, size_t errcap)
{
    sp_err e = sp_db_error(db);
    if (err != NULL && errcap > 0)
        snprintf(err, errcap, "%s: %s%s", what, db != NULL ? sqlite3_errmsg(db) : "cannot open",
                 e == SP_ERR_DISK_FULL ? " (disk full)" : "");
    return e;
}

sp_err sp_db_exec(sqlite3 *db, const char *sql, char *err, size_t errcap)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? SP_OK
                                                                : db_fail(db, sql, err, errcap);
}

/* A file-system failure on path (errno errnum) as e, with the reason in err. */
static sp_err path_fail(sp_err e, const char *path, int errnum, char *err, size_t errcap)
{
    (void)sp_file_fail(errnum); /* the reason stays readable by sp_file_last_error */
    if (err != NULL && errcap > 0)
        snprintf(err, errcap, "%s: %s", path, strerror(errnum));
    return errnum == ENOSPC ? SP_ERR_DISK_FULL : e;
}

/* SP_ERR_EXISTS if path-SUFFIX exists (for a WAL or shared-memory file: one that SQLite
 * would adopt into a new database). */
static sp_err no_leftover(const char *path, const char *suffix, char *err, size_t errcap)
{
    char side[4096];
    struct stat st;
    int n = snprintf(side, sizeof side, "%s%s", path, suffix);
    if (n < 0 || (size_t)n >= sizeof side)
        return path_fail(SP_ERR_IO, path, ENAMETOOLONG, err, errcap);
    if (lstat(side, &st) == 0)
        return S_ISDIR(st.st_mode) ? path_fail(SP_ERR_IO, side, EISDIR, err, errcap)
                                   : path_fail(SP_ERR_EXISTS, side, EEXIST, err, errcap);
    return errno == ENOENT ? SP_OK : path_fail(SP_ERR_IO, side, errno, err, errcap);
}

sp_err sp_db_absent(const char *path, char *err, size_t errcap)
{
    sp_err e = no_leftover(path, "", err, errcap);
    if (e == SP_OK)
        e = no_leftover(path, "-wal", err, errcap);
    return e == SP_OK ? no_leftover(path, "-shm", err, errcap) : e;
}

/* A database must be a regular file; a directory says so (EISDIR), anything else EINVAL. */
static sp_err regular_file(const char *path, const struct stat *st, char *err, size_t errcap)
{
    if (S_ISREG(st->st_mode))
        return SP_OK;
    return path_fail(SP_ERR_IO, path, S_ISDIR(st->st_mode) ? EISDIR : EINVAL, err, errcap);
}

/* Make sure path exists as `how` requires, without opening an existing file. */
static sp_err prepare_file(const char *path, sp_db_create how, char *err, size_t errcap)
{
    struct stat st;
    sp_err e;
    int fd;

    if (how == SP_DB_MUST_EXIST) {
        if (stat(path, &st) != 0)
            return path_fail(errno == ENOENT ? SP_ERR_NOT_FOUND : SP_ERR_IO, path, errno, err,
                             errcap);
        return regular_file(path, &st, err, errcap);
    }
    if (how == SP_DB_MUST_BE_NEW && (e = sp_db_absent(path, err, errcap)) != SP_OK)
        return e;
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd); /* new: nothing can hold a lock on it yet */
        return SP_OK;
    }
    if (errno == EEXIST && how == SP_DB_CREATE_IF_MISSING)
        return stat(path, &st) == 0 ? regular_file(path, &st, err, errcap)
                                    : path_fail(SP_ERR_IO, path, errno, err, errcap);
    return path_fail(errno == EEXIST ? SP_ERR_EXISTS : SP_ERR_IO, path, errno, err, errcap);
}

/* The SQLite file header (sqlite.org/fileformat.html 1.3): the magic string at 0, the page
 * size at 16, big-endian, 1 meaning 65536; the change counter at 24; the size in pages at
 * 28, valid while the number at 92 equals the change counter.  Only a checkpoint writes the
 * file, page 1 first: once the connection asking has finished one, the header never claims
 * pages beyond the end, so a file truncated under a server fails. */
int sp_db_header_intact(int fd, off_t size, int whole)
{
    static const uint8_t magic[16] = "SQLite format 3";
    uint8_t h[100];
    if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h || memcmp(h, magic, sizeof magic) != 0)
        return 0;
    uint32_t page = (uint32_t)h[16] << 8 | h[17];
    uint64_t pages = (uint64_t)h[28] << 24 | (uint64_t)h[29] << 16 | (uint64_t)h[30] << 8 | h[31];
    if (page == 1)
        page = 65536;
    return !whole || memcmp(h + 24, h + 92, 4) != 0 || pages * page <= (uint64_t)size;
}

static const char *const side_suffix[3] = {"", "-wal", "-shm"};

/* How long a database shorter than its header says may take to grow back (a checkpoint
 * in progress) before it counts as truncated. */
#define DB_FILES_SETTLE_MS 200

sp_err sp_db_files_note(sp_db_files *f, const char *path, int fd, char *err, size_t errcap)
{
    struct stat fst;
    memset(f, 0, sizeof *f);
    f->fd = fd;
    for (int i = 0; i < 3; i++) {
        struct stat st;
        size_t n = strlen(path) + strlen(side_suffix[i]) + 1;
        if ((f->path[i] = malloc(n)) == NULL)
            return path_fail(SP_ERR_IO, path, ENOMEM, err, errcap);
        snprintf(f->path[i], n, "%s%s", path, side_suffix[i]);
        if (stat(f->path[i], &st) != 0)
            return path_fail(SP_ERR_IO, f->path[i], errno, err, errcap);
        if (!S_ISREG(st.st_mode))
            return path_fail(SP_ERR_IO, f->path[i], EINVAL, err, errcap);
        f->dev[i] = st.st_dev;
        f->ino[i] = st.st_ino;
    }
    /* Closed only after SQLite's descriptors (sp_db_files_free). */
    if (f->fd < 0 && (f->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return path_fail(SP_ERR_IO, path, errno, err, errcap);
    if (fstat(f->fd, &fst) != 0)
        return path_fail(SP_ERR_IO, path, errno, err, errcap);
    if (fst.st_dev != f->dev[0] || fst.st_ino != f->ino[0])
        return path_fail(SP_ERR_EXISTS, path, ESTALE, err, errcap); /* replaced meanwhile */
    return SP_OK;
}

int sp_db_files_same(const sp_db_files *f)
{
    struct stat st;
    for (int i = 0; i < 3; i++)
        if (f->path[i] == NULL || stat(f->path[i], &st) != 0 || !S_ISREG(st.st_mode) ||
            st.st_nlink == 0 || st.st_dev != f->dev[i] || st.st_ino != f->ino[i])
            return 0;
    if (f->fd < 0 || fstat(f->fd, &st) != 0 || st.st_dev != f->dev[0] ||
        st.st_ino != f->ino[0] || !sp_db_header_intact(f->fd, st.st_size, 0))
        return 0;
    /* Shorter than the header says: truncated -- or a checkpoint of another connection
     * (another thread or process) has written page 1 and is still extending the file,
     * which takes milliseconds.  So the length must stay short for DB_FILES_SETTLE_MS. */
    for (int waited = 0; !sp_db_header_intact(f->fd, st.st_size, 1); waited += 10) {
        if (waited >= DB_FILES_SETTLE_MS)
            return 0;
        nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
        if (fstat(f->fd, &st) != 0)
            return 0;
    }
    return 1;
}

void sp_db_files_free(sp_db_files *f)
{
    for (int i = 0; i < 3; i++) {
        free(f->path[i]);
        f->path[i] = NULL;
    }
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

sp_err sp_db_open(sqlite3 **out, const char *path, sp_db_create how, int busy_ms, char *err,
                  size_t errcap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    sp_err e;
    int wal;

    *out = NULL;
    if (err != NULL && errcap > 0)
        err[0] = '\0';
    if ((e = prepare_file(path, how, err, errcap)) != SP_OK)
        return e;
    /* Without SQLITE_OPEN_CREATE: a file removed since prepare_file is an error, not a new
     * database with SQLite's default mode. */
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
