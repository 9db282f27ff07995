/*
 * softpause/host/db.h -- opening an SQLite database that holds durable server state (the
 * witness's cosigned tree heads; usable by any server whose answer must survive a crash).
 *
 * sp_db_open() creates the file with mode 0600 if it is missing (SQLite would use 0644),
 * then sets, and checks:
 *   journal_mode=WAL     readers never block the writer, and a crash rolls back to the last
 *                        COMMIT;
 *   synchronous=FULL     the WAL is fsync'ed at every COMMIT, so a COMMIT that has returned
 *                        survives power loss -- a server may answer once COMMIT returns;
 *   busy timeout         busy_ms: another process holding the write lock is waited for,
 *                        not reported as an error.
 * Failures are SP_ERR_DB (or SP_ERR_IO if the file cannot be created); err (errcap bytes,
 * may be NULL) gets SQLite's message.
 */
#ifndef SOFTPAUSE_HOST_DB_H
#define SOFTPAUSE_HOST_DB_H

#include <sqlite3.h>
#include <stddef.h>

#include "softpause/errors.h"

SP_MUST_CHECK sp_err sp_db_open(sqlite3 **out, const char *path, int busy_ms, char *err,
                                size_t errcap);

/* Run SQL without results (several statements allowed).  SP_ERR_DB on failure, with
 * SQLite's message in err if not NULL. */
SP_MUST_CHECK sp_err sp_db_exec(sqlite3 *db, const char *sql, char *err, size_t errcap);

#endif
