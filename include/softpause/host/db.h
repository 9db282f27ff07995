/*
 * softpause/host/db.h -- opening an SQLite database that holds durable server state (the
 * witness's cosigned tree heads; usable by any server whose answer must survive a crash).
 *
 * sp_db_open() finds or creates the file as `how` says -- a new file gets mode 0600 (SQLite
 * would use 0644) -- without ever opening and closing a descriptor of an existing database
 * (which would drop this process's SQLite locks on it; see db.c), then sets, and checks:
 *   journal_mode=WAL     readers never block the writer, and a crash rolls back to the last
 *                        COMMIT;
 *   synchronous=FULL     the WAL is fsync'ed at every COMMIT, so a COMMIT that has returned
 *                        survives power loss -- a server may answer once COMMIT returns;
 *   busy timeout         busy_ms: another process holding the write lock is waited for,
 *                        not reported as an error.
 * Failures are SP_ERR_DB, SP_ERR_DISK_FULL (SQLITE_FULL, ENOSPC), SP_ERR_IO (the file cannot
 * be created or examined), SP_ERR_NOT_FOUND (SP_DB_MUST_EXIST, no file) or SP_ERR_EXISTS
 * (SP_DB_MUST_BE_NEW: the file, or a -wal or -shm file SQLite would adopt, exists); err
 * (errcap bytes, may be NULL) gets the reason (SQLite's message, or the file and errno).
 */
#ifndef SOFTPAUSE_HOST_DB_H
#define SOFTPAUSE_HOST_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <sys/types.h>

#include "softpause/errors.h"

typedef enum sp_db_create {
    SP_DB_CREATE_IF_MISSING, /* the log: an empty database is a valid start */
    SP_DB_MUST_EXIST,        /* the witness: its database is its memory, never recreated */
    SP_DB_MUST_BE_NEW        /* `witness serve --init`: never overwrite or adopt anything */
} sp_db_create;

SP_MUST_CHECK sp_err sp_db_open(sqlite3 **out, const char *path, sp_db_create how,
                                int busy_ms, char *err, size_t errcap);

/* SP_OK if nothing is at path, path-wal or path-shm; SP_ERR_EXISTS (naming it in err) or
 * SP_ERR_IO otherwise.  Opens nothing. */
SP_MUST_CHECK sp_err sp_db_absent(const char *path, char *err, size_t errcap);

/* The error behind db's last failure: SP_ERR_DISK_FULL when SQLite reports SQLITE_FULL or
 * the system said ENOSPC, else SP_ERR_DB.  (db NULL: SP_ERR_DB.) */
SP_MUST_CHECK sp_err sp_db_error(sqlite3 *db);

/* Run SQL without results (several statements allowed).  sp_db_error's code on failure, with
 * SQLite's message in err if not NULL. */
SP_MUST_CHECK sp_err sp_db_exec(sqlite3 *db, const char *sql, char *err, size_t errcap);

/* Which files a server's open database is: the database and its -wal and -shm (device and
 * inode each, taken once SQLite has opened them; SQLite keeps all three in place while a
 * connection is open), and a read-only descriptor of the database, to see its header.
 * A server asks sp_db_files_same before each write it will acknowledge: a file unlinked,
 * replaced or truncated under it would take acknowledged state with it (a committed
 * transaction may live only in the WAL until a checkpoint). */
typedef struct sp_db_files {
    char *path[3];           /* FILE, FILE-wal, FILE-shm */
    dev_t dev[3];
    ino_t ino[3];
    int fd;                  /* FILE, read-only; -1 when none */
} sp_db_files;

/* Take the identity of path's files, after sp_db_open.  fd: a read-only descriptor of
 * path the caller opened before (f takes it over, even on failure), or -1 to open one.
 * SP_ERR_IO (errno in err) if one is missing or not a regular file; SP_ERR_EXISTS if fd
 * is not the file path names now. */
SP_MUST_CHECK sp_err sp_db_files_note(sp_db_files *f, const char *path, int fd, char *err,
                                      size_t errcap);

/* 1 while path, path-wal and path-shm still name the files noted, and the database still
 * starts with an SQLite header and is as long as that header says; else 0.  A checkpoint
 * of another connection writes page 1, with the new size, before the pages that extend
 * the file: a file shorter than its header says is truncated only if it stays so for
 * 200 ms (checked again every 10 ms; the caller waits that long only then). */
int sp_db_files_same(const sp_db_files *f);

/* 1 if the file open as fd (size bytes) starts with an SQLite header and, when `whole`,
 * is at least as long as the header says.  Reads 100 bytes with pread. */
int sp_db_header_intact(int fd, off_t size, int whole);

/* Free; close the descriptor.  Call only after every SQLite connection of the process to
 * the file is closed (closing a descriptor drops the process's locks on the file).
 * Zeroed (fd -1) is a no-op. */
void sp_db_files_free(sp_db_files *f);

#endif
