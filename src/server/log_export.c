/*
 * log_export.c -- `softpause log export`: the log as static files (see sp_log_export in
 * softpause/server/log.h), byte for byte what the server answers at the same paths, so
 * any static HTTP server, CDN or object store can mirror the log:
 *
 *   DIR/checkpoint                    the newest witness-cosigned checkpoint
 *   DIR/tile/<L>/<N>[.p/<W>]          every hash tile of that tree
 *   DIR/tile/entries/<N>[.p/<W>]      every entry bundle of that tree
 *   DIR/policy-update/<v>             every update bundle of the log's policy chain
 *                                     (protocol.md section 18.7), immutable like full tiles
 *
 * Tiles are written before the checkpoint, so a mirror read while an export runs never
 * shows a checkpoint whose tiles are missing.  Full tiles never change: one that exists
 * already is kept (repeated exports only add what is new); partial tiles are rewritten.
 * Every file is written atomically (host/fileio.h), mode 0644.
 *
 * Exports into one DIR run one at a time: each holds flock(LOCK_EX) on DIR itself (no
 * lock file for a mirror to serve) and reads the newest checkpoint only once it holds it.
 * Overlapping exports (a slow one and the next cron run) therefore never write an older
 * checkpoint over a newer one: the database's newest checkpoint only grows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "softpause/host/fileio.h"
#include "softpause/host/tlog_tiles.h"
#include "softpause/server/log.h"

#define EXPORT_MODE 0644
#define EXPORT_DIR_MODE 0755

/* Write one resource at DIR/path, creating its directory. */
static sp_err put(const char *dir, const char *path, const uint8_t *data, size_t len)
{
    char full[4096];
    int n = snprintf(full, sizeof full, "%s/%s", dir, path);
    if (n < 0 || (size_t)n >= sizeof full)
        return sp_file_fail(ENAMETOOLONG);
    char *slash = strrchr(full, '/');
    *slash = '\0';
    sp_err e = sp_file_make_dirs(full, EXPORT_DIR_MODE);
    *slash = '/';
    if (e == SP_OK)
        e = sp_file_write_atomic(full, data, len, EXPORT_MODE, 1);
    return sp_file_disk_full(e);
}

/* Export tile t (hash tile or entry bundle) unless it is full and already there. */
static sp_err export_tile(sp_log_store *store, const char *dir, const sp_tile *t)
{
    char path[SP_TILE_PATH_MAX], full[4096];
    uint8_t *body = NULL;
    size_t len = 0;
    sp_err e = sp_tile_path_format(t, path, sizeof path);
    if (e != SP_OK)
        return e;
    snprintf(full, sizeof full, "%s/%s", dir, path);
    if (t->width == SP_TILE_WIDTH && sp_file_exists(full))
        return SP_OK;
    e = sp_log_store_tile(store, t, &body, &len);
    if (e == SP_OK)
        e = put(dir, path, body, len);
    free(body);
    return e;
}

/* The first adopted update whose bundle the export lacks. */
typedef struct missing {
    const char *dir;
    int found;
    uint64_t version;
} missing;

static void update_path(char *out, size_t cap, uint64_t version)
{
    snprintf(out, cap, "policy-update/%llu", (unsigned long long)version);
}

static sp_err first_missing(void *ctx, const sp_log_chain_link *link)
{
    missing *m = ctx;
    char path[64], full[4096];
    if (!link->adopted)
        return SP_OK;
    update_path(path, sizeof path, link->version);
    snprintf(full, sizeof full, "%s/%s", m->dir, path);
    if (sp_file_exists(full))
        return SP_OK;
    m->found = 1;
    m->version = link->version;
    return SP_ERR_EXISTS; /* stops the walk */
}

/* Every update bundle, each written once (it never changes).  The chain walk holds the
 * store's reader, so each missing one is found by a walk and written after it. */
static sp_err export_updates(sp_log_store *store, const char *dir)
{
    for (;;) {
        missing m = {dir, 0, 0};
        uint8_t *bundle = NULL;
        size_t len = 0;
        char path[64];
        sp_err e = sp_log_store_chain(store, first_missing, &m);
        if (!m.found)
            return e;
        e = sp_log_store_update_bundle(store, m.version, &bundle, &len);
        update_path(path, sizeof path, m.version);
        if (e == SP_OK)
            e = put(dir, path, bundle, len);
        free(bundle);
        if (e != SP_OK)
            return e;
    }
}

/* Create dir and take the exclusive lock on it: its descriptor, or -1 with *e set. */
static int lock_dir(const char *dir, sp_err *e)
{
    int fd = -1;
    *e = sp_file_disk_full(sp_file_make_dirs(dir, EXPORT_DIR_MODE));
    if (*e == SP_OK && (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        *e = sp_file_fail(errno);
    while (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            *e = sp_file_fail(errno);
            close(fd);
            fd = -1;
        }
    }
    return fd;
}

sp_err sp_log_export(sp_log_store *store, const char *dir, uint64_t *size_out)
{
    uint64_t size = 0;
    uint8_t *note = NULL;
    size_t note_len = 0;
    if (size_out != NULL)
        *size_out = 0;
    /* Nothing is created for a log without a checkpoint; the one exported is read again
     * under the lock. */
    sp_err e = sp_log_store_latest_checkpoint(store, &size, &note, &note_len);
    if (e != SP_OK)
        return e;
    free(note);
    note = NULL;
    int lock = lock_dir(dir, &e);
    if (lock < 0)
        return e;
    e = sp_log_store_latest_checkpoint(store, &size, &note, &note_len);
    /* Hash tiles level by level, then the entry bundles (level 0's entries). */
    for (uint32_t level = 0; e == SP_OK && level <= SP_TILE_MAX_LEVEL; level++) {
        if (sp_tile_width(level, 0, size) == 0)
            break;
        for (uint64_t n = 0; e == SP_OK; n++) {
            sp_tile t = {0, level, n, sp_tile_width(level, n, size)};
            if (t.width == 0)
                break;
            e = export_tile(store, dir, &t);
            if (e == SP_OK && level == 0) {
                t.entries = 1;
                e = export_tile(store, dir, &t);
            }
        }
    }
    if (e == SP_OK)
        e = export_updates(store, dir);
    if (e == SP_OK)
        e = put(dir, "checkpoint", note, note_len);
    close(lock); /* (the lock's only descriptor: no other lock of this process is dropped) */
    free(note);
    if (e == SP_OK && size_out != NULL)
        *size_out = size;
    return e;
}
