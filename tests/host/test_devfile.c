/*
 * test_devfile.c -- a simulated device's storage in two files (softpause/host/devfile.h).
 *
 * The storage callbacks are exercised directly, and the device state machine runs on top
 * of them with the standard test world (tests/support/policy_fixture.h).  The file layouts
 * checked byte by byte are the ones devfile.h documents.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "support/scratch.h"
#include "softpause/device.h"
#include "softpause/host/devfile.h"
#include "softpause/host/fileio.h"
#include "softpause/host/sodium_crypto.h"
#include "support/policy_fixture.h"

#define FLASH_FIXED (8u + 2u * 4u + 2u * (1u + SP_STATE_RECORD_BYTES))     /* SPFLASH2 */
#define FLASH_FIXED_V1 (8u + 4u + 2u * (1u + SP_STATE_RECORD_BYTES))  /* SPFLASH1 */
#define CHIP_BYTES (8u + 1u + 32u + 8u + 32u)

static pf_world W;
static sp_device D;
static sp_devfile DF, DF2;
static char bundle[SP_MAX_BUNDLE_BYTES];   /* what `softpause device apply` reads */
static sp_bundle_report rep;

static size_t file_len(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return (size_t)-1;
    return (size_t)st.st_size;
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Read the chip file into buf (CHIP_BYTES); 1 on success. */
static int read_chip(const char *state, uint8_t buf[CHIP_BYTES])
{
    char p[1100];
    size_t len;
    snprintf(p, sizeof p, "%s.chip", state);
    return sp_file_read(p, buf, CHIP_BYTES, &len) == SP_OK && len == CHIP_BYTES;
}

static const sp_crypto *dev_crypto(sp_devfile *df)
{
    return &df->crypto.crypto;
}

/* ---- create / open -------------------------------------------------------------------- */

static void test_create_layout_and_modes(void)
{
    char state[1024], chip[1100];
    uint8_t c[CHIP_BYTES];
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    snprintf(chip, sizeof chip, "%s.chip", state);
    CHECK_OK(sp_devfile_create(&DF, state));
    CHECK(strcmp(DF.flash_path, state) == 0);
    CHECK(strcmp(DF.chip_path, chip) == 0);
    CHECK(scratch_entries(NULL, 0) == 2);
    CHECK(scratch_mode(state) == 0600);
    CHECK(scratch_mode(chip) == 0600);
    CHECK(file_len(state) == FLASH_FIXED); /* two erased policy slots, two erased slots */
    CHECK(file_len(chip) == CHIP_BYTES);

    CHECK(read_chip(state, c));
    CHECK(memcmp(c, "SPCHIP01", 8) == 0);
    CHECK(c[8] == 0);                          /* anchor blank */
    CHECK(harness_all_zero(c + 9, 32));
    CHECK(be64(c + 41) == 0);                  /* factory counter */
    CHECK(memcmp(c + 49, DF.crypto.key, 32) == 0);
    CHECK(!harness_all_zero(c + 49, 32));      /* a random device key */

    /* Opening gives the same device key. */
    CHECK_OK(sp_devfile_open(&DF2, state));
    CHECK(memcmp(DF2.crypto.key, DF.crypto.key, 32) == 0);

    /* A second device gets another key. */
    char state2[1024];
    scratch_path(state2, sizeof state2, "other.state");
    CHECK_OK(sp_devfile_create(&DF2, state2));
    CHECK(memcmp(DF2.crypto.key, DF.crypto.key, 32) != 0);
    scratch_remove();
}

static void test_create_refuses_existing(void)
{
    char state[1024], chip[1100];
    uint8_t before[CHIP_BYTES], after[CHIP_BYTES];
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    snprintf(chip, sizeof chip, "%s.chip", state);
    CHECK_OK(sp_devfile_create(&DF, state));
    CHECK(read_chip(state, before));
    CHECK_ERR(sp_devfile_create(&DF2, state), SP_ERR_EXISTS);
    CHECK(read_chip(state, after));
    CHECK(memcmp(before, after, CHIP_BYTES) == 0); /* the device key was not replaced */

    /* Either file alone blocks creation. */
    CHECK(unlink(state) == 0);
    CHECK_ERR(sp_devfile_create(&DF2, state), SP_ERR_EXISTS);
    CHECK(!sp_file_exists(state));
    CHECK(unlink(chip) == 0);
    CHECK_OK(sp_file_write_atomic(state, "x", 1, 0600, 0));
    CHECK_ERR(sp_devfile_create(&DF2, state), SP_ERR_EXISTS);
    CHECK(!sp_file_exists(chip));
    scratch_remove();
}

static void test_open_missing(void)
{
    char state[1024], chip[1100];
    scratch_make("devfile");
    scratch_path(state, sizeof state, "nothing.state");
    CHECK_ERR(sp_file_fail(EACCES), SP_ERR_IO); /* a stale reason must not survive */
    CHECK_ERR(sp_devfile_open(&DF, state), SP_ERR_IO);
    CHECK(strcmp(sp_file_last_error(), "No such file or directory") == 0);

    /* Only the chip file missing (or only the flash file). */
    scratch_path(state, sizeof state, "half.state");
    snprintf(chip, sizeof chip, "%s.chip", state);
    CHECK_OK(sp_devfile_create(&DF, state));
    CHECK(unlink(chip) == 0);
    CHECK_ERR(sp_file_fail(EACCES), SP_ERR_IO);
    CHECK_ERR(sp_devfile_open(&DF, state), SP_ERR_IO);
    CHECK(strcmp(sp_file_last_error(), strerror(ENOENT)) == 0);
    scratch_path(state, sizeof state, "half2.state");
    CHECK_OK(sp_devfile_create(&DF, state));
    CHECK(unlink(state) == 0);
    CHECK_ERR(sp_devfile_open(&DF, state), SP_ERR_IO);
    CHECK(strcmp(sp_file_last_error(), strerror(ENOENT)) == 0);
    scratch_remove();
}

static void test_open_corrupt_chip(void)
{
    char state[1024], chip[1100];
    uint8_t c[CHIP_BYTES], bad[CHIP_BYTES + 1];
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    snprintf(chip, sizeof chip, "%s.chip", state);
    CHECK_OK(sp_devfile_create(&DF, state));
    CHECK(read_chip(state, c));

    /* Truncated, one byte too long, wrong magic, anchor flag not 0/1, garbage. */
    CHECK_OK(sp_file_write_atomic(chip, c, CHIP_BYTES - 1, 0600, 1));
    CHECK_ERR(sp_devfile_open(&DF, state), SP_ERR_FILE_FORMAT);
    memcpy(bad, c, CHIP_BYTES);
    bad[CHIP_BYTES] = 0;
    CHECK_OK(sp_file_write_atomic(chip, bad, CHIP_BYTES + 1, 0600, 1));
    CHECK_ERR(sp_devfile_open(&DF, state), SP_ERR_FILE_FORMAT);
    memcpy(bad, c, CHIP_BYTES);
    bad[7] = '2';
    CHECK_OK(sp_file_write_atomic(chip, bad, CHIP_BYTES, 0600, 1));
    CHECK_ERR(sp_devfile_open(&DF, state), SP_ERR_FILE_FORMAT);
    memcpy(bad, c, CHIP_BYTES);
    bad[8] = 2;
    CHECK_OK(sp_file_write_atomic(chip, bad, CHIP_BYTES, 0600, 1));
    CHECK_ERR(sp_devfile_open(&DF, state), SP_ERR_FILE_FORMAT);
    CHECK_OK(sp_file_write_atomic(chip, "not a chip\n", 11, 0600, 1));
    CHECK_ERR(sp_devfile_open(&DF, state), SP_ERR_FILE_FORMAT);
    /* The original is fine again. */
    CHECK_OK(sp_file_write_atomic(chip, c, CHIP_BYTES, 0600, 1));
    CHECK_OK(sp_devfile_open(&DF, state));
    scratch_remove();
}

/* ---- the callbacks -------------------------------------------------------------------- */

static void test_anchor_write_once(void)
{
    char state[1024];
    uint8_t h1[32], h2[32], got[32];
    int is_set = 7;
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    CHECK_OK(sp_devfile_create(&DF, state));
    const sp_device_io *io = &DF.io;
    memset(h1, 0x11, sizeof h1);
    memset(h2, 0x22, sizeof h2);
    CHECK(io->anchor_read(io->ctx, got, &is_set) == 0);
    CHECK(is_set == 0);
    CHECK(harness_all_zero(got, 32));
    CHECK(io->anchor_write(io->ctx, h1) == 0);
    CHECK(io->anchor_read(io->ctx, got, &is_set) == 0);
    CHECK(is_set == 1 && memcmp(got, h1, 32) == 0);
    CHECK(io->anchor_write(io->ctx, h2) != 0);
    CHECK(io->anchor_write(io->ctx, h1) != 0); /* write-once, even for the same value */
    CHECK(io->anchor_read(io->ctx, got, &is_set) == 0);
    CHECK(is_set == 1 && memcmp(got, h1, 32) == 0);
    /* Persisted, and the rest of the chip is untouched. */
    uint8_t c[CHIP_BYTES];
    CHECK(read_chip(state, c));
    CHECK(c[8] == 1 && memcmp(c + 9, h1, 32) == 0);
    CHECK(be64(c + 41) == 0);
    CHECK(memcmp(c + 49, DF.crypto.key, 32) == 0);
    CHECK_OK(sp_devfile_open(&DF2, state));
    CHECK(DF2.io.anchor_write(DF2.io.ctx, h2) != 0);
    scratch_remove();
}

static void test_counter(void)
{
    char state[1024], chip[1100];
    uint64_t v = 99;
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    snprintf(chip, sizeof chip, "%s.chip", state);
    CHECK_OK(sp_devfile_create(&DF, state));
    const sp_device_io *io = &DF.io;
    CHECK(io->counter_read(io->ctx, &v) == 0 && v == 0);
    for (uint64_t i = 1; i <= 3; i++) {
        CHECK(io->counter_increment(io->ctx) == 0);
        CHECK(io->counter_read(io->ctx, &v) == 0 && v == i);
    }
    CHECK_OK(sp_devfile_open(&DF2, state));
    CHECK(DF2.io.counter_read(DF2.io.ctx, &v) == 0 && v == 3);
    CHECK(scratch_mode(chip) == 0600);

    /* At the endurance limit the counter refuses to move. */
    uint8_t c[CHIP_BYTES];
    CHECK(read_chip(state, c));
    for (int i = 0; i < 8; i++)
        c[41 + i] = (uint8_t)((uint64_t)SP_COUNTER_ENDURANCE >> (56 - 8 * i));
    CHECK_OK(sp_file_write_atomic(chip, c, CHIP_BYTES, 0600, 1));
    CHECK(io->counter_read(io->ctx, &v) == 0 && v == SP_COUNTER_ENDURANCE);
    CHECK(io->counter_increment(io->ctx) != 0);
    CHECK(io->counter_read(io->ctx, &v) == 0 && v == SP_COUNTER_ENDURANCE);
    /* A broken chip file fails the callbacks. */
    CHECK_OK(sp_file_write_atomic(chip, "junk", 4, 0600, 1));
    CHECK(io->counter_read(io->ctx, &v) != 0);
    CHECK(io->counter_increment(io->ctx) != 0);
    int is_set;
    uint8_t h[32];
    CHECK(io->anchor_read(io->ctx, h, &is_set) != 0);
    CHECK(io->anchor_write(io->ctx, h) != 0);
    scratch_remove();
}

static void test_slots_and_policy(void)
{
    char state[1024];
    uint8_t rec[SP_STATE_RECORD_BYTES], rec2[SP_STATE_RECORD_BYTES], got[SP_STATE_RECORD_BYTES];
    static uint8_t pbuf[SP_MAX_POLICY_BYTES + 1];
    size_t plen = 99;
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    CHECK_OK(sp_devfile_create(&DF, state));
    const sp_device_io *io = &DF.io;
    for (size_t i = 0; i < sizeof rec; i++) {
        rec[i] = (uint8_t)(i * 7 + 1);
        rec2[i] = (uint8_t)(255 - i);
    }
    /* Erased slots fail to read; slots other than 0 and 1 do not exist. */
    CHECK(io->slot_read(io->ctx, 0, got) != 0);
    CHECK(io->slot_read(io->ctx, 1, got) != 0);
    CHECK(io->slot_read(io->ctx, 2, got) != 0);
    CHECK(io->slot_write(io->ctx, 2, rec) != 0);
    /* Both policy slots erased at first (an erased slot fails to read); no slot 2. */
    CHECK(io->policy_read(io->ctx, 0, pbuf, sizeof pbuf, &plen) != 0);
    CHECK(io->policy_read(io->ctx, 1, pbuf, sizeof pbuf, &plen) != 0);
    CHECK(io->policy_read(io->ctx, 2, pbuf, sizeof pbuf, &plen) != 0);
    CHECK(io->policy_write(io->ctx, 2, pbuf, 10) != 0);

    CHECK(io->slot_write(io->ctx, 1, rec) == 0);
    CHECK(io->slot_read(io->ctx, 1, got) == 0 && memcmp(got, rec, sizeof rec) == 0);
    CHECK(io->slot_read(io->ctx, 0, got) != 0);
    CHECK(io->slot_write(io->ctx, 0, rec2) == 0);
    CHECK(io->slot_read(io->ctx, 0, got) == 0 && memcmp(got, rec2, sizeof rec2) == 0);
    CHECK(io->slot_read(io->ctx, 1, got) == 0 && memcmp(got, rec, sizeof rec) == 0);

    /* Policy bytes: round trip, the slots survive, the file grows by exactly the policy. */
    CHECK(io->policy_write(io->ctx, 0, (const uint8_t *)W.policy_text, W.policy_len) == 0);
    CHECK(io->policy_read(io->ctx, 0, pbuf, sizeof pbuf, &plen) == 0);
    CHECK(plen == W.policy_len && memcmp(pbuf, W.policy_text, plen) == 0);
    CHECK(file_len(state) == FLASH_FIXED + W.policy_len);
    CHECK(io->policy_read(io->ctx, 1, pbuf, sizeof pbuf, &plen) != 0); /* still erased */
    CHECK(io->policy_read(io->ctx, 0, pbuf, W.policy_len - 1, &plen) != 0); /* no room */
    CHECK(io->policy_write(io->ctx, 0, pbuf, SP_MAX_POLICY_BYTES + 1) != 0);
    /* The second policy slot: independent of the first, the file grows by it. */
    CHECK(io->policy_write(io->ctx, 1, (const uint8_t *)"softpause-policy/v1\n", 20) == 0);
    CHECK(io->policy_read(io->ctx, 1, pbuf, sizeof pbuf, &plen) == 0 && plen == 20);
    CHECK(io->policy_read(io->ctx, 0, pbuf, sizeof pbuf, &plen) == 0 && plen == W.policy_len);
    CHECK(file_len(state) == FLASH_FIXED + W.policy_len + 20);
    CHECK(io->slot_read(io->ctx, 1, got) == 0 && memcmp(got, rec, sizeof rec) == 0);
    CHECK(scratch_mode(state) == 0600);

    /* Everything persists across open. */
    CHECK_OK(sp_devfile_open(&DF2, state));
    CHECK(DF2.io.slot_read(DF2.io.ctx, 0, got) == 0 && memcmp(got, rec2, sizeof rec2) == 0);
    CHECK(DF2.io.policy_read(DF2.io.ctx, 0, pbuf, sizeof pbuf, &plen) == 0);
    CHECK(plen == W.policy_len);
    CHECK(DF2.io.policy_read(DF2.io.ctx, 1, pbuf, sizeof pbuf, &plen) == 0 && plen == 20);

    /* A corrupt flash file fails every flash callback (and is never rewritten). */
    CHECK_OK(sp_file_write_atomic(state, "SPFLASH1junk", 12, 0600, 1));
    CHECK(io->slot_read(io->ctx, 0, got) != 0);
    CHECK(io->slot_write(io->ctx, 0, rec) != 0);
    CHECK(io->policy_read(io->ctx, 0, pbuf, sizeof pbuf, &plen) != 0);
    CHECK(io->policy_write(io->ctx, 0, pbuf, 10) != 0);
    CHECK(file_len(state) == 12);
    /* A length field that disagrees with the file's size. */
    static uint8_t img[FLASH_FIXED];
    memset(img, 0, sizeof img);
    memcpy(img, "SPFLASH1", 8);
    img[11] = 1; /* policy_len 1, but no policy byte */
    CHECK_OK(sp_file_write_atomic(state, img, FLASH_FIXED_V1, 0600, 1));
    CHECK(io->policy_read(io->ctx, 0, pbuf, sizeof pbuf, &plen) != 0);
    CHECK(io->slot_read(io->ctx, 0, got) != 0);
    memcpy(img, "SPFLASH2", 8);
    img[15] = 1; /* policy slot 1 of 1 byte, but no policy byte */
    CHECK_OK(sp_file_write_atomic(state, img, sizeof img, 0600, 1));
    CHECK(io->policy_read(io->ctx, 0, pbuf, sizeof pbuf, &plen) != 0);
    CHECK(io->slot_read(io->ctx, 0, got) != 0);
    scratch_remove();
}

/* ---- the device on files -------------------------------------------------------------- */

static void test_device_on_files(void)
{
    char state[1024];
    uint8_t c[CHIP_BYTES];
    sp_device_state st;
    uint32_t line = 0;
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    CHECK_OK(sp_devfile_create(&DF, state));
    CHECK_OK(sp_device_init(&D, &DF.io, dev_crypto(&DF), (const uint8_t *)W.policy_text,
                            W.policy_len));
    CHECK(read_chip(state, c));
    CHECK(c[8] == 1 && memcmp(c + 9, W.policy.hash, 32) == 0);
    CHECK(be64(c + 41) == D.counter && D.counter >= 1);
    CHECK(file_len(state) == FLASH_FIXED + W.policy_len);

    /* Init again on the same files: refused (counter no longer at its factory value). */
    CHECK_ERR(sp_device_init(&D, &DF.io, dev_crypto(&DF), (const uint8_t *)W.policy_text,
                             W.policy_len),
              SP_ERR_DEV_NOT_FACTORY);

    /* Reboot from the files. */
    CHECK_OK(sp_devfile_open(&DF2, state));
    CHECK_OK(sp_device_load(&D, &DF2.io, dev_crypto(&DF2)));
    CHECK_OK(sp_device_status(&D, &st));
    CHECK(memcmp(st.policy_hash, W.policy.hash, 32) == 0);
    CHECK(st.has_epoch == 0);

    /* Apply a bundle, reboot, and find it, with the witnesses' attested time. */
    size_t n = pf_statement_bundle(bundle, sizeof bundle, &W, 1, "run",
                                   PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    CHECK_OK(sp_device_apply(&D, (const uint8_t *)bundle, n, &rep, &line));
    CHECK_OK(sp_devfile_open(&DF, state));
    CHECK_OK(sp_device_load(&D, &DF.io, dev_crypto(&DF)));
    CHECK_OK(sp_device_status(&D, &st));
    CHECK(st.has_epoch == 1 && st.highest_epoch == 1);
    CHECK(st.allowance == PF_ALLOWANCE);
    CHECK(st.attested_time == pf_epoch_time(&W.policy, 1));
    CHECK(scratch_mode(state) == 0600);
    CHECK(scratch_entries(NULL, 0) == 2);

    /* Another device's key cannot read this device's records. */
    char other[1024];
    scratch_path(other, sizeof other, "other.state");
    CHECK_OK(sp_devfile_create(&DF2, other));
    memcpy(DF2.flash_path, DF.flash_path, sizeof DF2.flash_path);
    memcpy(DF2.chip_path, DF.chip_path, sizeof DF2.chip_path);
    CHECK_ERR(sp_device_load(&D, &DF2.io, dev_crypto(&DF2)), SP_ERR_DEV_NO_RECORD);
    scratch_remove();
}

/* A flash image written before policy updates (SPFLASH1: one policy) loads unchanged, is
 * not rewritten by reading, and becomes SPFLASH2 at its first write. */
static void test_spflash1_loads_and_migrates(void)
{
    char state[1024];
    static uint8_t img[FLASH_FIXED + 2 * SP_MAX_POLICY_BYTES], v1[sizeof img];
    size_t len = 0;
    uint32_t line = 0;
    sp_device_state st;
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    CHECK_OK(sp_devfile_create(&DF, state));
    CHECK_OK(sp_device_init(&D, &DF.io, dev_crypto(&DF), (const uint8_t *)W.policy_text,
                            W.policy_len));
    size_t n = pf_statement_bundle(bundle, sizeof bundle, &W, 1, "run",
                                   PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    CHECK_OK(sp_device_apply(&D, (const uint8_t *)bundle, n, &rep, &line));
    /* SPFLASH2 with policy slot 1 empty -> the same image as SPFLASH1 */
    CHECK_OK(sp_file_read(state, img, sizeof img, &len));
    CHECK(len == FLASH_FIXED + W.policy_len && memcmp(img, "SPFLASH2", 8) == 0);
    CHECK(img[12] == 0 && img[13] == 0 && img[14] == 0 && img[15] == 0);
    memcpy(v1, "SPFLASH1", 8);
    memcpy(v1 + 8, img + 8, 4);
    memcpy(v1 + 12, img + 16, len - 16);
    CHECK_OK(sp_file_write_atomic(state, v1, len - 4, 0600, 1));
    CHECK_OK(sp_devfile_open(&DF, state));
    CHECK_OK(sp_device_load(&D, &DF.io, dev_crypto(&DF)));
    CHECK_OK(sp_device_status(&D, &st));
    CHECK(st.has_epoch == 1 && st.highest_epoch == 1 && st.allowance == PF_ALLOWANCE);
    CHECK(memcmp(st.policy_hash, W.policy.hash, 32) == 0 && D.policy_slot == 0);
    CHECK(file_len(state) == FLASH_FIXED_V1 + W.policy_len); /* reading rewrites nothing */
    n = pf_statement_bundle(bundle, sizeof bundle, &W, 2, "run",
                            PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    CHECK_OK(sp_device_apply(&D, (const uint8_t *)bundle, n, &rep, &line));
    CHECK_OK(sp_file_read(state, img, sizeof img, &len));
    CHECK(len == FLASH_FIXED + W.policy_len && memcmp(img, "SPFLASH2", 8) == 0);
    CHECK_OK(sp_device_load(&D, &DF.io, dev_crypto(&DF)));
    CHECK(D.state.highest_epoch == 2);
    scratch_remove();
}

static void test_rollback_detected(void)
{
    char state[1024];
    static uint8_t snapshot[FLASH_FIXED + 2 * SP_MAX_POLICY_BYTES];
    size_t snap_len = 0;
    uint32_t line = 0;
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    CHECK_OK(sp_devfile_create(&DF, state));
    CHECK_OK(sp_device_init(&D, &DF.io, dev_crypto(&DF), (const uint8_t *)W.policy_text,
                            W.policy_len));
    /* The attacker copies the external flash image... */
    CHECK_OK(sp_file_read(state, snapshot, sizeof snapshot, &snap_len));
    size_t n = pf_statement_bundle(bundle, sizeof bundle, &W, 2, "pause",
                                   PF_BIT(PF_CIV_B) | PF_BIT(PF_MIL_B) | PF_BIT(PF_MIL_C));
    CHECK_OK(sp_device_apply(&D, (const uint8_t *)bundle, n, &rep, &line));
    CHECK_OK(sp_devfile_open(&DF, state));
    CHECK_OK(sp_device_load(&D, &DF.io, dev_crypto(&DF)));
    CHECK(D.state.mode == SP_MODE_PAUSE && D.state.highest_epoch == 2);
    /* ... and puts the old one back after the pause was applied. */
    CHECK_OK(sp_file_write_atomic(state, snapshot, snap_len, 0600, 1));
    CHECK_OK(sp_devfile_open(&DF, state));
    CHECK_ERR(sp_device_load(&D, &DF.io, dev_crypto(&DF)), SP_ERR_DEV_ROLLBACK);
    scratch_remove();
}

/* ---- failures name the storage ------------------------------------------------------ */

/* Provision a device at state (DF, D) and apply the epoch-1 RUN bundle (left in `bundle`);
 * returns the bundle's length. */
static size_t provision_with_epoch_1(const char *state)
{
    uint32_t line = 0;
    CHECK_OK(sp_devfile_provision(&DF, state, &D, (const uint8_t *)W.policy_text, W.policy_len,
                                  &line));
    size_t n = pf_statement_bundle(bundle, sizeof bundle, &W, 1, "run",
                                   PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    CHECK_OK(sp_device_apply(&D, (const uint8_t *)bundle, n, &rep, &line));
    return n;
}

static void test_provision_checks_before_creating(void)
{
    static char bad_policy[sizeof W.policy_text + 16];
    char state[1024], chip[1100];
    uint32_t line = 0;
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    snprintf(chip, sizeof chip, "%s.chip", state);
    /* A policy the device refuses (not canonical: a comment line) creates nothing... */
    memcpy(bad_policy, W.policy_text, W.policy_len);
    memcpy(bad_policy + W.policy_len, "# x\n", 4);
    CHECK_ERR(sp_devfile_provision(&DF, state, &D, (const uint8_t *)bad_policy,
                                   W.policy_len + 4, &line),
              SP_ERR_POLICY_NOT_CANONICAL);
    CHECK(scratch_entries(NULL, 0) == 0);
    CHECK_ERR(sp_devfile_provision(&DF, state, &D, (const uint8_t *)bad_policy,
                                   SP_MAX_POLICY_BYTES + 1, &line),
              SP_ERR_POLICY_LIMIT);
    CHECK(scratch_entries(NULL, 0) == 0);
    /* ... so the device can still be provisioned, once. */
    CHECK_OK(sp_devfile_provision(&DF, state, &D, (const uint8_t *)W.policy_text, W.policy_len,
                                  &line));
    CHECK(scratch_entries(NULL, 0) == 2);
    CHECK_ERR(sp_devfile_provision(&DF2, state, &D, (const uint8_t *)W.policy_text,
                                   W.policy_len, &line),
              SP_ERR_EXISTS);
    CHECK(scratch_entries(NULL, 0) == 2);
    CHECK_OK(sp_devfile_open(&DF2, state));
    CHECK_OK(sp_device_load(&D, &DF2.io, dev_crypto(&DF2)));
    scratch_remove();
}

/* An init killed at any step (kill -9: no cleanup runs) leaves no half-provisioned device:
 * what it leaves -- staged files, or a complete flash image without its chip file -- is
 * replaced by the next init; a chip file, or anything at STATE that is no flash image, is
 * never replaced. */
static void test_provision_after_a_killed_init(void)
{
    static uint8_t flash[8192];
    char state[1024], chip[1100], stage[1100], stage_chip[1100], names[256];
    size_t flash_len = 0;
    uint32_t line = 0;
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    snprintf(chip, sizeof chip, "%s.chip", state);
    snprintf(stage, sizeof stage, "%s.provisioning", state);
    snprintf(stage_chip, sizeof stage_chip, "%s.provisioning.chip", state);
    /* A complete device, taken apart as a killed init would leave it. */
    CHECK_OK(sp_devfile_provision(&DF, state, &D, (const uint8_t *)W.policy_text, W.policy_len,
                                  &line));
    CHECK(scratch_entries(names, sizeof names) == 2);
    CHECK_OK(sp_file_read(state, flash, sizeof flash, &flash_len));
    /* killed while staging: the staged files only */
    CHECK(rename(state, stage) == 0 && rename(chip, stage_chip) == 0);
    CHECK_OK(sp_devfile_provision(&DF, state, &D, (const uint8_t *)W.policy_text, W.policy_len,
                                  &line));
    CHECK(scratch_entries(names, sizeof names) == 2 && !sp_file_exists(stage) &&
          !sp_file_exists(stage_chip));
    /* killed between publishing the flash image and the chip file */
    CHECK(unlink(chip) == 0);
    CHECK_OK(sp_devfile_provision(&DF, state, &D, (const uint8_t *)W.policy_text, W.policy_len,
                                  &line));
    CHECK_OK(sp_devfile_open(&DF2, state));
    CHECK_OK(sp_device_load(&D, &DF2.io, dev_crypto(&DF2)));
    /* a chip file is a device, whatever the flash holds (an erased flash included) */
    CHECK(unlink(state) == 0);
    CHECK_ERR(sp_devfile_provision(&DF2, state, &D, (const uint8_t *)W.policy_text,
                                   W.policy_len, &line),
              SP_ERR_EXISTS);
    /* a file at STATE that is no flash image is never replaced */
    CHECK(unlink(chip) == 0);
    CHECK_OK(sp_file_write_atomic(state, "not a device\n", 13, 0600, 0));
    CHECK_ERR(sp_devfile_provision(&DF2, state, &D, (const uint8_t *)W.policy_text,
                                   W.policy_len, &line),
              SP_ERR_EXISTS);
    CHECK(scratch_entries(names, sizeof names) == 1);
    scratch_remove();
}

static void test_failures_name_the_file(void)
{
    char state[1024], chip[1100];
    uint8_t c[CHIP_BYTES];
    uint32_t line = 0;
    sp_decision d;
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    snprintf(chip, sizeof chip, "%s.chip", state);
    CHECK_OK(sp_devfile_provision(&DF, state, &D, (const uint8_t *)W.policy_text, W.policy_len,
                                  &line));
    CHECK(read_chip(state, c));
    /* A malformed chip file says which file and what is wrong with it. */
    CHECK_OK(sp_file_write_atomic(chip, c, CHIP_BYTES - 1, 0600, 1));
    CHECK_ERR(sp_devfile_open(&DF2, state), SP_ERR_FILE_FORMAT);
    CHECK(DF2.fail_path == DF2.chip_path && DF2.fail_errno == 0);
    CHECK(strstr(DF2.fail_what, "not a chip file (80 bytes") != NULL);
    c[8] = 7;
    CHECK_OK(sp_file_write_atomic(chip, c, CHIP_BYTES, 0600, 1));
    CHECK_ERR(sp_devfile_open(&DF2, state), SP_ERR_FILE_FORMAT);
    CHECK(strstr(DF2.fail_what, "anchor flag 7") != NULL);
    c[8] = 1;
    CHECK_OK(sp_file_write_atomic(chip, c, CHIP_BYTES, 0600, 1));
    CHECK_OK(sp_devfile_open(&DF2, state));
    CHECK(DF2.fail_path == NULL);
    /* A missing file is named, with its errno. */
    CHECK(unlink(chip) == 0);
    CHECK_ERR(sp_devfile_open(&DF2, state), SP_ERR_IO);
    CHECK(DF2.fail_path == DF2.chip_path && DF2.fail_errno == ENOENT);
    scratch_remove();

    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    snprintf(chip, sizeof chip, "%s.chip", state);
    (void)provision_with_epoch_1(state);
    /* Storage that fails while the device runs: the device pauses, and the failure names
     * the file and the OS error, for the command to blame the storage. */
    CHECK(unlink(state) == 0);
    DF.fail_path = NULL;
    CHECK_ERR(sp_device_consume(&D, 60, &d), SP_ERR_DEV_STORAGE);
    CHECK(d.mode == SP_MODE_PAUSE);
    CHECK(DF.fail_path == DF.flash_path && DF.fail_errno == ENOENT);
    CHECK(strcmp(DF.fail_what, "cannot read the flash image") == 0);
    CHECK_ERR(sp_devfile_open(&DF2, state), SP_ERR_IO);
    CHECK(DF2.fail_path == DF2.flash_path && DF2.fail_errno == ENOENT);
    scratch_remove();
}

/* ---- the lock ------------------------------------------------------------------------- */

/* A child that takes the lock, reports its pid on `ready`, and holds the lock until
 * `release` is closed. */
static pid_t spawn_holder(const char *state, int *release_fd)
{
    int ready[2], release[2];
    pid_t pid;
    if (pipe(ready) != 0 || pipe(release) != 0)
        exit(1);
    pid = fork();
    if (pid == 0) {
        sp_devlock lk;
        long holder = 0;
        char b;
        close(ready[0]);
        close(release[1]);
        b = sp_devfile_lock(&lk, state, 0, &holder) == SP_OK ? 'L' : 'F';
        if (write(ready[1], &b, 1) != 1)
            _exit(2);
        while (read(release[0], &b, 1) > 0) {
        }
        _exit(0);
    }
    char b = 0;
    close(ready[1]);
    close(release[0]);
    if (pid < 0 || read(ready[0], &b, 1) != 1 || b != 'L')
        exit(1);
    close(ready[0]);
    *release_fd = release[1];
    return pid;
}

static void test_lock_excludes_other_processes(void)
{
    char state[1024], lockpath[1100];
    sp_devlock lk;
    long holder = -1;
    uint32_t line = 0;
    int release, status;
    struct stat before, after;
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    snprintf(lockpath, sizeof lockpath, "%s.lock", state);

    /* No device: no lock file is made for it (provisioning may make one). */
    CHECK_ERR(sp_devfile_lock(&lk, state, 0, &holder), SP_ERR_IO);
    CHECK(sp_file_last_errno() == ENOENT && !sp_file_exists(lockpath) && lk.fd == -1);
    CHECK_OK(sp_devfile_lock(&lk, state, 1, &holder));
    CHECK(lk.created == 1 && scratch_mode(lockpath) == 0600);
    CHECK(strcmp(lk.path, lockpath) == 0);
    CHECK_OK(sp_devfile_provision(&DF, state, &D, (const uint8_t *)W.policy_text, W.policy_len,
                                  &line));
    sp_devfile_unlock(&lk, 0);
    CHECK(lk.fd == -1 && sp_file_exists(lockpath));

    /* Another process holds it: fail at once, naming its pid. */
    pid_t child = spawn_holder(state, &release);
    CHECK_ERR(sp_devfile_lock(&lk, state, 0, &holder), SP_ERR_DEV_BUSY);
    CHECK(holder == (long)child);
    CHECK_ERR(sp_devfile_lock(&lk, state, 1, &holder), SP_ERR_DEV_BUSY);
    close(release);
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_OK(sp_devfile_lock(&lk, state, 0, &holder));
    CHECK(lk.created == 0);

    /* The lock file is never replaced, while the state files are on every write. */
    CHECK(stat(lockpath, &before) == 0);
    size_t n = pf_statement_bundle(bundle, sizeof bundle, &W, 1, "run",
                                   PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    CHECK_OK(sp_devfile_open(&DF, state));
    CHECK_OK(sp_device_load(&D, &DF.io, dev_crypto(&DF)));
    CHECK_OK(sp_device_apply(&D, (const uint8_t *)bundle, n, &rep, &line));
    CHECK(stat(lockpath, &after) == 0 && before.st_ino == after.st_ino);
    /* Discarding a lock that did not create the file leaves the file. */
    sp_devfile_unlock(&lk, 1);
    CHECK(sp_file_exists(lockpath));

    /* A failed provisioning discards the lock file it created; one who opened that file
     * before it went away does not hold the device's lock on it. */
    char other[1024], other_lock[1100];
    scratch_path(other, sizeof other, "other.state");
    snprintf(other_lock, sizeof other_lock, "%s.lock", other);
    CHECK_OK(sp_devfile_lock(&lk, other, 1, &holder));
    CHECK(lk.created == 1);
    sp_devfile_unlock(&lk, 1);
    CHECK(!sp_file_exists(other_lock) && !sp_file_exists(other));
    scratch_remove();
}

/* Many rounds of processes consuming and applying at once on one device: each holds the
 * lock for its whole boot-consume (or boot-apply), so no allowance is granted twice and
 * the device never sees another process's half-written state. */
enum { ROUNDS = 40, PROCS = 5, ASK = PF_ALLOWANCE / 10 + 1 };
enum { CHILD_GRANTED = 0, CHILD_BUSY = 10, CHILD_PAUSE = 11, CHILD_REFUSED = 12, CHILD_BROKEN = 13 };

static int child_run(const char *state, int apply, size_t bundle_len, int out)
{
    sp_devlock lk;
    long holder = 0;
    uint32_t line = 0;
    sp_decision d;
    sp_err e = sp_devfile_lock(&lk, state, 0, &holder);
    if (e == SP_ERR_DEV_BUSY)
        return holder > 0 ? CHILD_BUSY : CHILD_BROKEN;
    if (e != SP_OK || sp_devfile_open(&DF, state) != SP_OK ||
        sp_device_load(&D, &DF.io, dev_crypto(&DF)) != SP_OK)
        return CHILD_BROKEN;
    if (apply) {
        e = sp_device_apply(&D, (const uint8_t *)bundle, bundle_len, &rep, &line);
        return e == SP_ERR_DEV_EPOCH_NOT_NEWER ? CHILD_REFUSED : CHILD_BROKEN;
    }
    e = sp_device_consume(&D, ASK, &d);
    if (e == SP_ERR_DEV_EXHAUSTED)
        return CHILD_PAUSE;
    if (e != SP_OK || write(out, &d.granted, sizeof d.granted) != (ssize_t)sizeof d.granted)
        return CHILD_BROKEN;
    return CHILD_GRANTED;
}

static void test_concurrent_consume_never_double_grants(void)
{
    char state[1024];
    uint64_t granted = 0, g;
    unsigned counts[CHILD_BROKEN + 1] = {0};
    int fds[2];
    sp_device_state st;
    scratch_make("devfile");
    scratch_path(state, sizeof state, "dev.state");
    size_t n = provision_with_epoch_1(state);
    CHECK(pipe(fds) == 0);
    for (int round = 0; round < ROUNDS; round++) {
        pid_t pids[PROCS];
        for (int i = 0; i < PROCS; i++) {
            pids[i] = fork();
            if (pids[i] == 0)
                _exit(child_run(state, i == PROCS - 1, n, fds[1]));
        }
        for (int i = 0; i < PROCS; i++) {
            int status = 0;
            if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
                WEXITSTATUS(status) > CHILD_BROKEN)
                counts[CHILD_BROKEN]++;
            else
                counts[WEXITSTATUS(status)]++;
        }
    }
    close(fds[1]);
    while (read(fds[0], &g, sizeof g) == (ssize_t)sizeof g)
        granted += g;
    close(fds[0]);
    printf("  %d rounds of %d processes: %u granted (%llu s), %u busy, %u paused, %u refused\n",
           ROUNDS, PROCS, counts[CHILD_GRANTED], (unsigned long long)granted, counts[CHILD_BUSY],
           counts[CHILD_PAUSE], counts[CHILD_REFUSED]);
    CHECK(counts[CHILD_BROKEN] == 0);
    CHECK(counts[CHILD_GRANTED] >= 1);
    CHECK(granted <= PF_ALLOWANCE);
    /* The device loads afterwards, and holds exactly what was not granted. */
    CHECK_OK(sp_devfile_open(&DF, state));
    CHECK_OK(sp_device_load(&D, &DF.io, dev_crypto(&DF)));
    CHECK_OK(sp_device_status(&D, &st));
    CHECK(st.allowance == PF_ALLOWANCE - granted);
    scratch_remove();
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    pf_world_make(&W);
    RUN_TEST(test_create_layout_and_modes);
    RUN_TEST(test_create_refuses_existing);
    RUN_TEST(test_open_missing);
    RUN_TEST(test_open_corrupt_chip);
    RUN_TEST(test_anchor_write_once);
    RUN_TEST(test_counter);
    RUN_TEST(test_slots_and_policy);
    RUN_TEST(test_device_on_files);
    RUN_TEST(test_spflash1_loads_and_migrates);
    RUN_TEST(test_rollback_detected);
    RUN_TEST(test_provision_checks_before_creating);
    RUN_TEST(test_provision_after_a_killed_init);
    RUN_TEST(test_failures_name_the_file);
    RUN_TEST(test_lock_excludes_other_processes);
    RUN_TEST(test_concurrent_consume_never_double_grants);
    return harness_finish("host/devfile");
}
