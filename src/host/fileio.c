/*
 * fileio.c -- bounded file reads and crash-safe atomic writes (see fileio.h).
 *
 * Atomic write: <dir>/.sp-tmp.<pid>.<n> is created with O_EXCL and the final mode, written
 * in full, fsync'd, renamed over <path> (or linked, when overwriting is refused, so that an
 * existing file is never replaced), and the directory is fsync'd so the rename itself is
 * durable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "softpause/host/fileio.h"

static int saved_errno;

const char *sp_file_last_error(void)
{
    return strerror(saved_errno);
}

sp_err sp_file_disk_full(sp_err e)
{
    return e == SP_ERR_IO && saved_errno == ENOSPC ? SP_ERR_DISK_FULL : e;
}

int sp_file_last_errno(void)
{
    return saved_errno;
}

sp_err sp_file_fail(int errnum)
{
    saved_errno = errnum;
    return SP_ERR_IO;
}

static sp_err io_fail(void)
{
    return sp_file_fail(errno);
}

int sp_file_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

sp_err sp_file_not_dir(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return sp_file_fail(EISDIR);
    return SP_OK;
}

sp_err sp_file_make_dirs(const char *path, mode_t mode)
{
    char p[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof p)
        return sp_file_fail(ENAMETOOLONG);
    memcpy(p, path, n + 1);
    /* Each prefix ending before a '/', then the whole path. */
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char saved = p[i];
        p[i] = '\0';
        if (mkdir(p, mode) != 0) {
            int err = errno;
            struct stat st;
            if (err != EEXIST)
                return sp_file_fail(err);
            if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
                return sp_file_fail(ENOTDIR);
        }
        p[i] = saved;
    }
    return SP_OK;
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

#define PATH_CAP 4096

/* Directory part of path into out ("." if none); fails with ENAMETOOLONG when too long. */
static sp_err dir_of(const char *path, char *out)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    if (n >= PATH_CAP) {
        errno = ENAMETOOLONG;
        return io_fail();
    }
    memcpy(out, slash == NULL ? "." : path, n);
    out[n] = '\0';
    return SP_OK;
}

sp_err sp_file_sync_dir(const char *path)
{
    char dir[PATH_CAP];
    sp_err e = dir_of(path, dir);
    if (e != SP_OK)
        return e;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return io_fail();
    e = fsync(fd) == 0 ? SP_OK : io_fail();
    close(fd);
    return e;
}

sp_err sp_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                            int overwrite)
{
    char dir[PATH_CAP], tmp[PATH_CAP + 64];
    sp_err e;
    int fd = -1;
    if ((e = sp_file_not_dir(path)) != SP_OK)
        return e;
    if (!overwrite && sp_file_exists(path))
        return SP_ERR_EXISTS;
    if ((e = dir_of(path, dir)) != SP_OK)
        return e;
    /* A short name of our own, not derived from the target's: a target name near the file
     * system's NAME_MAX must not make its temporary file impossible to create. */
    static unsigned sequence;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/.sp-tmp.%ld.%u", dir, (long)getpid(),
                         sequence++) >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return io_fail();
    }
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return io_fail();
    e = SP_OK;
    if (fchmod(fd, mode) != 0) /* umask must not loosen or tighten the stated mode */
        e = io_fail();
    for (size_t off = 0; e == SP_OK && off < len;) {
        ssize_t n = write(fd, (const uint8_t *)data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            e = io_fail();
        else
            off += (size_t)n;
    }
    if (e == SP_OK && fsync(fd) != 0)
        e = io_fail();
    if (close(fd) != 0 && e == SP_OK) /* a delayed write-back error (NFS) */
        e = io_fail();
    if (e == SP_OK && overwrite && rename(tmp, path) != 0)
        e = io_fail();
    if (e == SP_OK && !overwrite) {
        /* link() fails with EEXIST if someone created path meanwhile: never replace it. */
        if (link(tmp, path) != 0)
            e = errno == EEXIST ? SP_ERR_EXISTS : io_fail();
        else
            unlink(tmp);
    }
    if (e != SP_OK) {
        unlink(tmp);
        return e;
    }
    return sp_file_sync_dir(path);
}
