/*
 * fileio.c -- bounded file reads and crash-safe atomic writes (see fileio.h).
 *
 * Atomic write: <dir>/.<base>.tmp.<pid> is created with O_EXCL and the final mode, written
 * in full, fsync'd, renamed over <path> (or linked, when overwriting is refused, so that an
 * existing file is never replaced), and the directory is fsync'd so the rename itself is
 * durable.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "softpause/host/fileio.h"

static int saved_errno;

const char *sp_file_last_error(void)
{
    return strerror(saved_errno);
}

static sp_err io_fail(void)
{
    saved_errno = errno;
    return SP_ERR_IO;
}

int sp_file_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

sp_err sp_file_read(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    *len = 0;
    if (fd < 0)
        return io_fail();
    for (;;) {
        uint8_t extra;
        ssize_t n = got < cap ? read(fd, buf + got, cap - got) : read(fd, &extra, 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            sp_err e = io_fail();
            if (fd != STDIN_FILENO)
                close(fd);
            return e;
        }
        if (n == 0)
            break;
        if (got >= cap) {
            if (fd != STDIN_FILENO)
                close(fd);
            return SP_ERR_BUFFER_TOO_SMALL;
        }
        got += (size_t)n;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    *len = got;
    return SP_OK;
}

static sp_err fsync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return SP_ERR_NO_MEMORY;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return io_fail();
    int rc = fsync(fd);
    sp_err e = rc == 0 ? SP_OK : io_fail();
    close(fd);
    return e;
}

sp_err sp_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                            int overwrite)
{
    char *copy = strdup(path), *tmp = NULL;
    sp_err e = SP_ERR_NO_MEMORY;
    int fd = -1;
    if (copy == NULL)
        return e;
    if (!overwrite && sp_file_exists(path)) {
        free(copy);
        return SP_ERR_EXISTS;
    }
    const char *dir = dirname(copy);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t need = strlen(dir) + strlen(base) + 48;
    tmp = malloc(need);
    if (tmp == NULL)
        goto out;
    snprintf(tmp, need, "%s/.%s.tmp.%ld", dir, base, (long)getpid());
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        e = io_fail();
        goto out;
    }
    if (fchmod(fd, mode) != 0) { /* umask must not loosen or tighten the stated mode */
        e = io_fail();
        goto out;
    }
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, (const uint8_t *)data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            e = io_fail();
            goto out;
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0) {
        e = io_fail();
        goto out;
    }
    close(fd);
    fd = -1;
    if (overwrite) {
        if (rename(tmp, path) != 0) {
            e = io_fail();
            goto out;
        }
    } else {
        /* link() fails with EEXIST if someone created path meanwhile: never replace it. */
        if (link(tmp, path) != 0) {
            e = errno == EEXIST ? SP_ERR_EXISTS : io_fail();
            goto out;
        }
        unlink(tmp);
    }
    e = fsync_dir_of(path);
out:
    if (fd >= 0)
        close(fd);
    if (tmp != NULL && e != SP_OK)
        unlink(tmp);
    free(tmp);
    free(copy);
    return e;
}
