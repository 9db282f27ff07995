/*
 * softpause/host/fileio.h -- bounded reads and crash-safe writes.
 *
 * Every file the tools write that matters (keys, signing records, device state) goes
 * through sp_file_write_atomic: write a temporary file in the same directory, fsync it,
 * rename it over the target, fsync the directory.  A crash leaves either the old or the
 * new file, never a torn one.
 */
#ifndef SOFTPAUSE_HOST_FILEIO_H
#define SOFTPAUSE_HOST_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "softpause/errors.h"

/* Read at most cap bytes of path ("-" is stdin).  More than cap → SP_ERR_BUFFER_TOO_SMALL
 * (so a caller with a fixed maximum reports "too large" instead of truncating). Missing or
 * unreadable → SP_ERR_IO. */
SP_MUST_CHECK sp_err sp_file_read(const char *path, uint8_t *buf, size_t cap, size_t *len);

/* Write data to path atomically with the given mode.  If !overwrite and path exists:
 * SP_ERR_EXISTS.  Every failure (a full disk, EFBIG past a file-size limit, a directory
 * at path) leaves path as it was and no temporary file behind. */
SP_MUST_CHECK sp_err sp_file_write_atomic(const char *path, const void *data, size_t len,
                                          mode_t mode, int overwrite);

/* Create directory path and any missing parents with mode (like mkdir -p); existing
 * directories are fine.  SP_ERR_IO otherwise. */
SP_MUST_CHECK sp_err sp_file_make_dirs(const char *path, mode_t mode);

/* SP_OK unless path is a directory: then SP_ERR_IO with EISDIR (sp_file_last_error), for
 * a path that must name a file. */
SP_MUST_CHECK sp_err sp_file_not_dir(const char *path);

/* fsync the directory that holds path, so that a name created or removed in it is
 * durable.  SP_ERR_IO on failure. */
SP_MUST_CHECK sp_err sp_file_sync_dir(const char *path);

/* 1 if path exists (any type), else 0. */
int sp_file_exists(const char *path);

/* The last OS error text of a failed call above (strerror of the saved errno). */
const char *sp_file_last_error(void);
/* ... and its errno value (0 if no call has failed yet). */
int sp_file_last_errno(void);

/* e, or SP_ERR_DISK_FULL when e is the SP_ERR_IO of a call above that failed with ENOSPC
 * (for servers and exports, whose operators must be told the disk is full). */
sp_err sp_file_disk_full(sp_err e);

/* Record errnum as the reason of an SP_ERR_IO found without a failing system call (e.g. a
 * file that must exist does not), so that sp_file_last_error never reports a stale errno.
 * Returns SP_ERR_IO. */
sp_err sp_file_fail(int errnum);

#endif
