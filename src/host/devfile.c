/*
 * devfile.c -- file-backed storage callbacks for a simulated device (devfile.h).
 *
 * Each callback reads the whole (small: at most ~17 KiB, kept on the stack so the functions
 * stay reentrant) file, changes its part, and writes the file back atomically, so a crash at any point leaves the previous or the next image.  That is
 * kinder than real flash; torn writes are exercised in the verifier's unit tests with an
 * in-memory store that can tear them (tests/support/memio.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "softpause/host/devfile.h"
#include "softpause/host/fileio.h"

/* SPFLASH2 (written since policy updates): two policy slots.  SPFLASH1 (one policy) is
 * still read, as policy slot 0 with slot 1 erased, and rewritten as SPFLASH2 at its first
 * write. */
#define FLASH_MAGIC "SPFLASH2"
#define FLASH_MAGIC_V1 "SPFLASH1"
#define CHIP_MAGIC "SPCHIP01"
#define FLASH_RECORDS (2u * (1u + SP_STATE_RECORD_BYTES))
#define FLASH_FIXED_V1 (8u + 4u + FLASH_RECORDS)
#define FLASH_FIXED (8u + 2u * 4u + FLASH_RECORDS)
#define FLASH_CAP (FLASH_FIXED + 2u * SP_MAX_POLICY_BYTES)
#define CHIP_BYTES (8u + 1u + 32u + 8u + 32u)

typedef struct flash_image {
    uint32_t policy_len[2];            /* 0: the policy slot is erased */
    uint8_t policy[2][SP_MAX_POLICY_BYTES];
    uint8_t present[2];
    uint8_t slot[2][SP_STATE_RECORD_BYTES];
} flash_image;

typedef struct chip_image {
    uint8_t anchor_set;
    uint8_t anchor[32];
    uint64_t counter;
    uint8_t key[32];
} chip_image;

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Remember why the storage failed, for messages (devfile.h: fail_*); returns -1. */
__attribute__((format(printf, 4, 5))) static int storage_fail(sp_devfile *df,
                                                              const char *path, int os_error,
                                                              const char *fmt, ...)
{
    va_list ap;
    df->fail_path = path;
    df->fail_errno = os_error;
    va_start(ap, fmt);
    vsnprintf(df->fail_what, sizeof df->fail_what, fmt, ap);
    va_end(ap);
    return -1;
}

/* Read a whole device file of at most cap bytes; a failure is recorded as what. */
static int file_load(sp_devfile *df, const char *path, const char *what, uint8_t *buf,
                     size_t cap, size_t *len)
{
    sp_err e = sp_file_read(path, buf, cap, len);
    if (e == SP_ERR_BUFFER_TOO_SMALL)
        return storage_fail(df, path, 0, "%s larger than %zu bytes", what, cap - 1);
    if (e != SP_OK)
        return storage_fail(df, path, sp_file_last_errno(), "cannot read the %s", what);
    return 0;
}

static int file_store(sp_devfile *df, const char *path, const char *what, const void *buf,
                      size_t len, int overwrite)
{
    sp_err e = sp_file_write_atomic(path, buf, len, 0600, overwrite);
    if (e == SP_ERR_EXISTS)
        return storage_fail(df, path, EEXIST, "cannot create the %s", what);
    if (e != SP_OK)
        return storage_fail(df, path, sp_file_last_errno(), "cannot write the %s", what);
    return 0;
}

static int flash_load(sp_devfile *df, flash_image *img)
{
    uint8_t buf[FLASH_CAP + 1];
    size_t len, p, fixed;
    int nslots;
    if (file_load(df, df->flash_path, "flash image", buf, sizeof buf, &len) != 0)
        return -1;
    if (len >= FLASH_FIXED && memcmp(buf, FLASH_MAGIC, 8) == 0)
        nslots = 2, fixed = FLASH_FIXED;
    else if (len >= FLASH_FIXED_V1 && memcmp(buf, FLASH_MAGIC_V1, 8) == 0)
        nslots = 1, fixed = FLASH_FIXED_V1;
    else
        return storage_fail(df, df->flash_path, 0,
                            "not a flash image (%zu bytes; expected \"" FLASH_MAGIC
                            "\" and at least %u bytes)",
                            len, (unsigned)FLASH_FIXED);
    memset(img->policy_len, 0, sizeof img->policy_len);
    size_t need = fixed;
    for (int i = 0; i < nslots; i++) {
        img->policy_len[i] = (uint32_t)get_be(buf + 8 + 4 * i, 4);
        if (img->policy_len[i] > SP_MAX_POLICY_BYTES)
            return storage_fail(df, df->flash_path, 0,
                                "policy slot %d of %lu bytes, more than %u", i,
                                (unsigned long)img->policy_len[i],
                                (unsigned)SP_MAX_POLICY_BYTES);
        need += img->policy_len[i];
    }
    if (len != need)
        return storage_fail(df, df->flash_path, 0,
                            "flash image of %zu bytes, but its policy lengths need %zu", len,
                            need);
    p = 8u + 4u * (size_t)nslots;
    for (int i = 0; i < nslots; i++) {
        memcpy(img->policy[i], buf + p, img->policy_len[i]);
        p += img->policy_len[i];
    }
    for (int s = 0; s < 2; s++) {
        img->present[s] = buf[p++];
        memcpy(img->slot[s], buf + p, SP_STATE_RECORD_BYTES);
        p += SP_STATE_RECORD_BYTES;
    }
    return 0;
}

static int flash_store(sp_devfile *df, const flash_image *img, int overwrite)
{
    uint8_t buf[FLASH_CAP];
    size_t p = 16;
    memcpy(buf, FLASH_MAGIC, 8);
    for (int i = 0; i < 2; i++) {
        put_be(buf + 8 + 4 * i, img->policy_len[i], 4);
        memcpy(buf + p, img->policy[i], img->policy_len[i]);
        p += img->policy_len[i];
    }
    for (int s = 0; s < 2; s++) {
        buf[p++] = img->present[s];
        memcpy(buf + p, img->slot[s], SP_STATE_RECORD_BYTES);
        p += SP_STATE_RECORD_BYTES;
    }
    return file_store(df, df->flash_path, "flash image", buf, p, overwrite);
}

static int chip_load(sp_devfile *df, chip_image *img)
{
    uint8_t buf[CHIP_BYTES + 1];
    size_t len;
    int rc = 0;
    if (file_load(df, df->chip_path, "chip file", buf, sizeof buf, &len) != 0)
        return -1;
    if (len != CHIP_BYTES || memcmp(buf, CHIP_MAGIC, 8) != 0)
        rc = storage_fail(df, df->chip_path, 0,
                          "not a chip file (%zu bytes; expected \"" CHIP_MAGIC
                          "\" and %u bytes)",
                          len, (unsigned)CHIP_BYTES);
    else if (buf[8] > 1)
        rc = storage_fail(df, df->chip_path, 0, "anchor flag %u (expected 0 or 1)",
                          (unsigned)buf[8]);
    if (rc == 0) {
        img->anchor_set = buf[8];
        memcpy(img->anchor, buf + 9, 32);
        img->counter = get_be(buf + 41, 8);
        memcpy(img->key, buf + 49, 32);
    }
    sodium_memzero(buf, sizeof buf);
    return rc;
}

static int chip_store(sp_devfile *df, const chip_image *img, int overwrite)
{
    uint8_t buf[CHIP_BYTES];
    memcpy(buf, CHIP_MAGIC, 8);
    buf[8] = img->anchor_set;
    memcpy(buf + 9, img->anchor, 32);
    put_be(buf + 41, img->counter, 8);
    memcpy(buf + 49, img->key, 32);
    int rc = file_store(df, df->chip_path, "chip file", buf, sizeof buf, overwrite);
    sodium_memzero(buf, sizeof buf);
    return rc;
}

/* ---- sp_device_io callbacks ---------------------------------------------------------- */

static int cb_slot_read(void *ctx, uint32_t slot, uint8_t rec[SP_STATE_RECORD_BYTES])
{
    flash_image img;
    if (slot > 1 || flash_load(ctx, &img) != 0 || !img.present[slot])
        return -1; /* an erased slot is no storage failure: not recorded */
    memcpy(rec, img.slot[slot], SP_STATE_RECORD_BYTES);
    return 0;
}

static int cb_slot_write(void *ctx, uint32_t slot, const uint8_t rec[SP_STATE_RECORD_BYTES])
{
    flash_image img;
    if (slot > 1 || flash_load(ctx, &img) != 0)
        return -1;
    img.present[slot] = 1;
    memcpy(img.slot[slot], rec, SP_STATE_RECORD_BYTES);
    return flash_store(ctx, &img, 1);
}

static int cb_policy_read(void *ctx, uint32_t slot, uint8_t *buf, size_t cap, size_t *len)
{
    sp_devfile *df = ctx;
    flash_image img;
    if (slot > 1 || flash_load(df, &img) != 0 || img.policy_len[slot] == 0)
        return -1; /* an erased policy slot is no storage failure: not recorded */
    if (img.policy_len[slot] > cap)
        return storage_fail(df, df->flash_path, 0, "policy of %lu bytes, more than %zu",
                            (unsigned long)img.policy_len[slot], cap);
    memcpy(buf, img.policy[slot], img.policy_len[slot]);
    *len = img.policy_len[slot];
    return 0;
}

static int cb_policy_write(void *ctx, uint32_t slot, const uint8_t *buf, size_t len)
{
    sp_devfile *df = ctx;
    flash_image img;
    if (slot > 1 || len > SP_MAX_POLICY_BYTES)
        return storage_fail(df, df->flash_path, 0,
                            "policy slot %lu of %zu bytes (slots 0 and 1, at most %u bytes)",
                            (unsigned long)slot, len, (unsigned)SP_MAX_POLICY_BYTES);
    if (flash_load(df, &img) != 0)
        return -1;
    memcpy(img.policy[slot], buf, len);
    img.policy_len[slot] = (uint32_t)len;
    return flash_store(df, &img, 1);
}

static int cb_anchor_read(void *ctx, uint8_t hash[32], int *is_set)
{
    sp_devfile *df = ctx;
    chip_image img;
    if (chip_load(df, &img) != 0)
        return -1;
    memcpy(hash, img.anchor, 32);
    *is_set = img.anchor_set;
    sodium_memzero(&img, sizeof img);
    return 0;
}

static int cb_anchor_write(void *ctx, const uint8_t hash[32])
{
    sp_devfile *df = ctx;
    chip_image img;
    int rc = chip_load(df, &img);
    if (rc == 0 && img.anchor_set) /* write-once */
        rc = storage_fail(df, df->chip_path, 0, "the anchor is already written (write-once)");
    else if (rc == 0) {
        img.anchor_set = 1;
        memcpy(img.anchor, hash, 32);
        rc = chip_store(df, &img, 1);
    }
    sodium_memzero(&img, sizeof img);
    return rc;
}

static int cb_counter_read(void *ctx, uint64_t *value)
{
    sp_devfile *df = ctx;
    chip_image img;
    if (chip_load(df, &img) != 0)
        return -1;
    *value = img.counter;
    sodium_memzero(&img, sizeof img);
    return 0;
}

static int cb_counter_increment(void *ctx)
{
    sp_devfile *df = ctx;
    chip_image img;
    int rc = chip_load(df, &img);
    if (rc == 0 && img.counter >= SP_COUNTER_ENDURANCE)
        rc = storage_fail(df, df->chip_path, 0, "the counter is at its endurance limit %lu",
                          (unsigned long)SP_COUNTER_ENDURANCE);
    else if (rc == 0) {
        img.counter++;
        rc = chip_store(df, &img, 1);
    }
    sodium_memzero(&img, sizeof img);
    return rc;
}

static sp_err setup(sp_devfile *df, const char *state_path)
{
    memset(df, 0, sizeof *df);
    if (snprintf(df->flash_path, sizeof df->flash_path, "%s", state_path) >=
            (int)sizeof df->flash_path ||
        snprintf(df->chip_path, sizeof df->chip_path, "%s.chip", state_path) >=
            (int)sizeof df->chip_path)
        return SP_ERR_ARGUMENT;
    df->io.ctx = df;
    df->io.slot_read = cb_slot_read;
    df->io.slot_write = cb_slot_write;
    df->io.policy_read = cb_policy_read;
    df->io.policy_write = cb_policy_write;
    df->io.anchor_read = cb_anchor_read;
    df->io.anchor_write = cb_anchor_write;
    df->io.counter_read = cb_counter_read;
    df->io.counter_increment = cb_counter_increment;
    /* EISDIR, not "no device here", naming the file that is a directory */
    const char *const paths[2] = {df->flash_path, df->chip_path};
    for (int i = 0; i < 2; i++) {
        sp_err e = sp_file_not_dir(paths[i]);
        if (e != SP_OK) {
            (void)storage_fail(df, paths[i], sp_file_last_errno(), "cannot read the %s",
                               i == 0 ? "flash image" : "chip file");
            return e;
        }
    }
    return sp_sodium_init();
}

sp_err sp_devfile_create(sp_devfile *df, const char *state_path)
{
    flash_image img;
    chip_image chip;
    sp_err e = setup(df, state_path);
    if (e != SP_OK)
        return e;
    if (sp_file_exists(df->flash_path) || sp_file_exists(df->chip_path))
        return SP_ERR_EXISTS;
    memset(&chip, 0, sizeof chip);
    randombytes_buf(chip.key, sizeof chip.key);
    memset(&img, 0, sizeof img);
    if (chip_store(df, &chip, 0) != 0)
        e = df->fail_errno == EEXIST ? SP_ERR_EXISTS : sp_file_fail(df->fail_errno);
    else if (flash_store(df, &img, 0) != 0) {
        e = df->fail_errno == EEXIST ? SP_ERR_EXISTS : sp_file_fail(df->fail_errno);
        unlink(df->chip_path); /* both files or neither */
    }
    if (e == SP_OK)
        sp_sodium_device_setup(&df->crypto, chip.key);
    sodium_memzero(&chip, sizeof chip);
    return e;
}

/* Provisioning works on staged files, STATE.provisioning and STATE.provisioning.chip, and
 * publishes them whole at the end: first the flash image as STATE, then the chip file as
 * STATE.chip.  The chip file is what makes a device (it stands for the chip itself), so a
 * process killed at any step leaves either no device -- staged files, or a complete flash
 * image without its chip, which the next init replaces -- or a provisioned one. */
#define STAGE_SUFFIX ".provisioning"

static void unlink_stage(const sp_devfile *df)
{
    unlink(df->flash_path);
    unlink(df->chip_path);
}

/* A flash image published by an init that was killed before its chip file: STATE starts
 * with the flash magic and there is no STATE.chip.  Anything else at STATE is never
 * replaced. */
static int orphan_flash(const char *flash_path)
{
    uint8_t head[8];
    size_t len = 0;
    int fd = open(flash_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    len = n > 0 ? (size_t)n : 0;
    return len == sizeof head &&
           (memcmp(head, FLASH_MAGIC, 8) == 0 || memcmp(head, FLASH_MAGIC_V1, 8) == 0);
}

/* Move the staged files of df to their names (flash, then chip; never over a file), and
 * point df at them. */
static sp_err publish(sp_devfile *df, const char *flash, const char *chip)
{
    const char *from[2] = {df->flash_path, df->chip_path}, *to[2] = {flash, chip};
    for (int i = 0; i < 2; i++) {
        if (link(from[i], to[i]) != 0) {
            int err = errno;
            if (i == 1)
                unlink(flash); /* no chip: no device, and no orphan left either */
            return err == EEXIST ? SP_ERR_EXISTS : sp_file_fail(err);
        }
        sp_err e = sp_file_sync_dir(to[i]);
        if (e != SP_OK)
            return e;
    }
    unlink_stage(df);
    snprintf(df->flash_path, sizeof df->flash_path, "%s", flash);
    snprintf(df->chip_path, sizeof df->chip_path, "%s", chip);
    return SP_OK;
}

sp_err sp_devfile_provision(sp_devfile *df, const char *state_path, sp_device *dev,
                            const uint8_t *policy, size_t policy_len, uint32_t *err_line)
{
    char stage[sizeof df->flash_path], flash[sizeof df->flash_path], chip[sizeof df->chip_path];
    sp_err e = sp_sodium_init();
    if (err_line != NULL)
        *err_line = 0;
    if (e != SP_OK)
        return e;
    /* Every input valid before anything is created (dev->policy is scratch until init). */
    if (policy_len > SP_MAX_POLICY_BYTES)
        return SP_ERR_POLICY_LIMIT;
    e = sp_policy_parse(&dev->policy, policy, policy_len, sp_sodium_crypto(), err_line);
    if (e != SP_OK)
        return e;
    if ((e = setup(df, state_path)) != SP_OK)
        return e;
    if (snprintf(stage, sizeof stage, "%s" STAGE_SUFFIX, state_path) >= (int)sizeof stage ||
        snprintf(flash, sizeof flash, "%s", df->flash_path) >= (int)sizeof flash ||
        snprintf(chip, sizeof chip, "%s", df->chip_path) >= (int)sizeof chip)
        return sp_file_fail(ENAMETOOLONG);
    if (sp_file_exists(chip)) {
        (void)storage_fail(df, df->chip_path, EEXIST, "a device's chip file is already here");
        return SP_ERR_EXISTS;
    }
    if (sp_file_exists(flash) && !orphan_flash(flash)) {
        (void)storage_fail(df, df->flash_path, EEXIST, "a file that is no flash image is here");
        return SP_ERR_EXISTS;
    }
    /* (the caller holds the device's lock: staged files and an orphan flash image are
     * leftovers of an init that was killed) */
    if (sp_file_exists(flash) && unlink(flash) != 0)
        return sp_file_fail(errno);
    if ((e = setup(df, stage)) != SP_OK)
        return e;
    unlink_stage(df);
    e = sp_devfile_create(df, stage);
    if (e == SP_OK)
        e = sp_device_init(dev, &df->io, &df->crypto.crypto, policy, policy_len);
    if (e == SP_OK)
        e = publish(df, flash, chip);
    if (e != SP_OK)
        unlink_stage(df); /* never provisioned: init can be retried */
    return e;
}

sp_err sp_devfile_open(sp_devfile *df, const char *state_path)
{
    chip_image chip;
    sp_err e = setup(df, state_path);
    if (e != SP_OK)
        return e;
    if (!sp_file_exists(df->flash_path) || !sp_file_exists(df->chip_path)) {
        storage_fail(df, sp_file_exists(df->flash_path) ? df->chip_path : df->flash_path,
                     ENOENT, "missing");
        return sp_file_fail(ENOENT);
    }
    if (chip_load(df, &chip) != 0)
        return df->fail_errno != 0 ? sp_file_fail(df->fail_errno) : SP_ERR_FILE_FORMAT;
    sp_sodium_device_setup(&df->crypto, chip.key);
    sodium_memzero(&chip, sizeof chip);
    return SP_OK;
}

/* ---- the lock ------------------------------------------------------------------------ */

sp_err sp_devfile_lock(sp_devlock *lk, const char *state_path, int provisioning, long *holder)
{
    *holder = 0;
    lk->fd = -1;
    lk->created = 0;
    if (snprintf(lk->path, sizeof lk->path, "%s.lock", state_path) >= (int)sizeof lk->path)
        return sp_file_fail(ENAMETOOLONG);
    /* Bounded: each retry means another process changed the lock file meanwhile. */
    for (int attempt = 0; attempt < 16; attempt++) {
        struct flock fl;
        struct stat held, named;
        int created = 0, fd;
        if (!provisioning && !sp_file_exists(state_path))
            return sp_file_fail(ENOENT); /* no device: create no lock file for it */
        if (!provisioning && sp_file_not_dir(state_path) != SP_OK)
            return SP_ERR_IO; /* EISDIR: a directory is no device either */
        fd = open(lk->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
            fd = open(lk->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd < 0 && errno == EEXIST)
                continue;
            created = fd >= 0;
        }
        if (fd < 0)
            return sp_file_fail(errno);
        memset(&fl, 0, sizeof fl);
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET; /* l_start 0, l_len 0: the whole file */
        if (fcntl(fd, F_SETLK, &fl) != 0) {
            int err = errno;
            if (err == EACCES || err == EAGAIN) {
                memset(&fl, 0, sizeof fl);
                fl.l_type = F_WRLCK;
                fl.l_whence = SEEK_SET;
                err = fcntl(fd, F_GETLK, &fl) != 0 ? errno : 0;
            }
            close(fd);
            if (err == 0 && fl.l_type == F_UNLCK)
                continue; /* released meanwhile */
            if (err != 0)
                return sp_file_fail(err);
            *holder = (long)fl.l_pid;
            return SP_ERR_DEV_BUSY;
        }
        /* A failed provisioning removes its lock file: the one locked must still be the
         * one the path names, or a process that opened it before could share the device. */
        if (fstat(fd, &held) != 0 || stat(lk->path, &named) != 0 ||
            held.st_dev != named.st_dev || held.st_ino != named.st_ino) {
            close(fd);
            continue;
        }
        lk->fd = fd;
        lk->created = created;
        return SP_OK;
    }
    return SP_ERR_DEV_BUSY;
}

void sp_devfile_unlock(sp_devlock *lk, int discard)
{
    if (lk->fd < 0)
        return;
    if (discard && lk->created)
        unlink(lk->path); /* while still held: the next locker sees it gone */
    close(lk->fd);
    lk->fd = -1;
    lk->created = 0;
}
