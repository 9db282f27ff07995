/*
 * devfile.c -- file-backed storage callbacks for a simulated device (devfile.h).
 *
 * Each callback reads the whole (small: at most ~17 KiB, kept on the stack so the functions
 * stay reentrant) file, changes its part, and writes the file back atomically, so a crash at any point leaves the previous or the next image.  That is
 * kinder than real flash; torn writes are exercised in the verifier's unit tests with an
 * in-memory store that can tear them (tests/support/memio.c).
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "softpause/host/devfile.h"
#include "softpause/host/fileio.h"

#define FLASH_MAGIC "SPFLASH1"
#define CHIP_MAGIC "SPCHIP01"
#define FLASH_FIXED (8u + 4u + 2u * (1u + SP_STATE_RECORD_BYTES))
#define FLASH_CAP (FLASH_FIXED + SP_MAX_POLICY_BYTES)
#define CHIP_BYTES (8u + 1u + 32u + 8u + 32u)

typedef struct flash_image {
    uint32_t policy_len;
    uint8_t policy[SP_MAX_POLICY_BYTES];
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

static int flash_load(const sp_devfile *df, flash_image *img)
{
    uint8_t buf[FLASH_CAP];
    size_t len, p = 12;
    if (sp_file_read(df->flash_path, buf, sizeof buf, &len) != SP_OK || len < FLASH_FIXED ||
        memcmp(buf, FLASH_MAGIC, 8) != 0)
        return -1;
    img->policy_len = (uint32_t)get_be(buf + 8, 4);
    if (img->policy_len > SP_MAX_POLICY_BYTES || len != FLASH_FIXED + img->policy_len)
        return -1;
    memcpy(img->policy, buf + p, img->policy_len);
    p += img->policy_len;
    for (int s = 0; s < 2; s++) {
        img->present[s] = buf[p++];
        memcpy(img->slot[s], buf + p, SP_STATE_RECORD_BYTES);
        p += SP_STATE_RECORD_BYTES;
    }
    return 0;
}

static int flash_store(const sp_devfile *df, const flash_image *img)
{
    uint8_t buf[FLASH_CAP];
    size_t p = 12;
    memcpy(buf, FLASH_MAGIC, 8);
    put_be(buf + 8, img->policy_len, 4);
    memcpy(buf + p, img->policy, img->policy_len);
    p += img->policy_len;
    for (int s = 0; s < 2; s++) {
        buf[p++] = img->present[s];
        memcpy(buf + p, img->slot[s], SP_STATE_RECORD_BYTES);
        p += SP_STATE_RECORD_BYTES;
    }
    return sp_file_write_atomic(df->flash_path, buf, p, 0600, 1) == SP_OK ? 0 : -1;
}

static int chip_load(const char *path, chip_image *img)
{
    uint8_t buf[CHIP_BYTES + 1];
    size_t len;
    if (sp_file_read(path, buf, sizeof buf, &len) != SP_OK || len != CHIP_BYTES ||
        memcmp(buf, CHIP_MAGIC, 8) != 0 || buf[8] > 1)
        return -1;
    img->anchor_set = buf[8];
    memcpy(img->anchor, buf + 9, 32);
    img->counter = get_be(buf + 41, 8);
    memcpy(img->key, buf + 49, 32);
    sodium_memzero(buf, sizeof buf);
    return 0;
}

static int chip_store(const char *path, const chip_image *img, int overwrite)
{
    uint8_t buf[CHIP_BYTES];
    memcpy(buf, CHIP_MAGIC, 8);
    buf[8] = img->anchor_set;
    memcpy(buf + 9, img->anchor, 32);
    put_be(buf + 41, img->counter, 8);
    memcpy(buf + 49, img->key, 32);
    int rc = sp_file_write_atomic(path, buf, sizeof buf, 0600, overwrite) == SP_OK ? 0 : -1;
    sodium_memzero(buf, sizeof buf);
    return rc;
}

/* ---- sp_device_io callbacks ---------------------------------------------------------- */

static int cb_slot_read(void *ctx, uint32_t slot, uint8_t rec[SP_STATE_RECORD_BYTES])
{
    flash_image img;
    if (slot > 1 || flash_load(ctx, &img) != 0 || !img.present[slot])
        return -1;
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
    return flash_store(ctx, &img);
}

static int cb_policy_read(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
    flash_image img;
    if (flash_load(ctx, &img) != 0 || img.policy_len > cap)
        return -1;
    memcpy(buf, img.policy, img.policy_len);
    *len = img.policy_len;
    return 0;
}

static int cb_policy_write(void *ctx, const uint8_t *buf, size_t len)
{
    flash_image img;
    if (len > SP_MAX_POLICY_BYTES || flash_load(ctx, &img) != 0)
        return -1;
    memcpy(img.policy, buf, len);
    img.policy_len = (uint32_t)len;
    return flash_store(ctx, &img);
}

static int cb_anchor_read(void *ctx, uint8_t hash[32], int *is_set)
{
    const sp_devfile *df = ctx;
    chip_image img;
    if (chip_load(df->chip_path, &img) != 0)
        return -1;
    memcpy(hash, img.anchor, 32);
    *is_set = img.anchor_set;
    sodium_memzero(&img, sizeof img);
    return 0;
}

static int cb_anchor_write(void *ctx, const uint8_t hash[32])
{
    const sp_devfile *df = ctx;
    chip_image img;
    int rc = -1;
    if (chip_load(df->chip_path, &img) == 0 && !img.anchor_set) { /* write-once */
        img.anchor_set = 1;
        memcpy(img.anchor, hash, 32);
        rc = chip_store(df->chip_path, &img, 1);
    }
    sodium_memzero(&img, sizeof img);
    return rc;
}

static int cb_counter_read(void *ctx, uint64_t *value)
{
    const sp_devfile *df = ctx;
    chip_image img;
    if (chip_load(df->chip_path, &img) != 0)
        return -1;
    *value = img.counter;
    sodium_memzero(&img, sizeof img);
    return 0;
}

static int cb_counter_increment(void *ctx)
{
    const sp_devfile *df = ctx;
    chip_image img;
    int rc = -1;
    if (chip_load(df->chip_path, &img) == 0 && img.counter < SP_COUNTER_ENDURANCE) {
        img.counter++;
        rc = chip_store(df->chip_path, &img, 1);
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
    sp_err e = sp_file_not_dir(df->flash_path); /* EISDIR, not "no device here" */
    if (e == SP_OK)
        e = sp_file_not_dir(df->chip_path);
    return e == SP_OK ? sp_sodium_init() : e;
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
    if (chip_store(df->chip_path, &chip, 0) != 0 || flash_store(df, &img) != 0)
        e = SP_ERR_IO;
    if (e == SP_OK)
        sp_sodium_device_setup(&df->crypto, chip.key);
    sodium_memzero(&chip, sizeof chip);
    return e;
}

sp_err sp_devfile_open(sp_devfile *df, const char *state_path)
{
    chip_image chip;
    sp_err e = setup(df, state_path);
    if (e != SP_OK)
        return e;
    if (!sp_file_exists(df->flash_path) || !sp_file_exists(df->chip_path))
        return sp_file_fail(ENOENT);
    if (chip_load(df->chip_path, &chip) != 0)
        return SP_ERR_FILE_FORMAT;
    sp_sodium_device_setup(&df->crypto, chip.key);
    sodium_memzero(&chip, sizeof chip);
    return SP_OK;
}
