/*
 * fuzz_state.c -- the device state record, two ways:
 *
 *   input[0] even: RECORD mode.  input[1..] (cut or padded with 0xFF to 128 bytes, like an
 *       erased flash page) goes to sp_state_decode under a fixed device key.  Checks: on
 *       failure the output is all zero; on success a current-format record re-encodes
 *       byte-identically (one state, one encoding: the decoder accepts nothing the encoder
 *       cannot write) -- except a T_att of 2^52..2^63-1, written before the attested-time
 *       ceiling, which decodes clamped to 2^52 - 1 and re-encodes so -- and a format-1
 *       record re-encodes as the current format with the same state (migration, never a
 *       reset).
 *
 *   input[0] odd: DEVICE mode.  A whole device boots from fuzzed external flash:
 *
 *       off  len  field
 *         0    1  selector (odd)
 *         1    1  hardware counter value
 *         2    1  flags: bit 0 apply the embedded bundle after boot,
 *                        bit 1 erased/missing slots fail to read
 *         3    2  seconds to consume after boot, big-endian (0: none)
 *         5  128  slot 0 (cut or padded with 0xFF)
 *       133  128  slot 1
 *
 *       The anchor is the hash of the embedded standard test policy (the 5-body world of
 *       tests/support/policy_fixture.h), the policy bytes are intact.  Checks: a successful
 *       boot picked a record stamped counter or counter+1 and committed the counter to it;
 *       a failed boot leaves the context unusable (consume says PAUSE); the embedded bundle
 *       (fuzz/standard_bundle.h) is accepted or refused only as not newer or as stale
 *       (the record's attested time may be anything), an accepted one sets the allowance
 *       to exactly the policy's, and the attested time never goes backwards nor past
 *       max(record, bundle); nothing is ever granted beyond what was asked or what the
 *       persisted allowance covered.
 *
 * The storage is static memory inside this file (the fuzz build links the library only,
 * not tests/support), reset for every input.  The corpus generator is
 * fuzz/gen/gen_state.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/device.h"
#include "softpause/host/sodium_crypto.h"

#include "../standard_bundle.h"
#include "../standard_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixed device key of the corpus ("softpause-fuzz-device-key-00001"). */
static const uint8_t fuzz_device_key[32] = {
    's', 'o', 'f', 't', 'p', 'a', 'u', 's', 'e', '-', 'f', 'u', 'z', 'z', '-', 'd',
    'e', 'v', 'i', 'c', 'e', '-', 'k', 'e', 'y', '-', '0', '0', '0', '0', '1', 0,
};


#define FUZZ_ALLOWANCE 648000u

/* ---- static storage (external flash + in-chip anchor and counter) ---------------- */

static struct {
    uint8_t slots[2][SP_STATE_RECORD_BYTES];
    int present[2];
    int missing_fails;
    uint8_t anchor[SP_SHA256_BYTES];
    uint64_t counter;
} fz;

static int fz_slot_read(void *ctx, uint32_t slot, uint8_t rec[SP_STATE_RECORD_BYTES])
{
    (void)ctx;
    if (slot > 1 || (!fz.present[slot] && fz.missing_fails))
        return -1;
    memcpy(rec, fz.slots[slot], SP_STATE_RECORD_BYTES);
    return 0;
}

static int fz_slot_write(void *ctx, uint32_t slot, const uint8_t rec[SP_STATE_RECORD_BYTES])
{
    (void)ctx;
    if (slot > 1)
        return -1;
    memcpy(fz.slots[slot], rec, SP_STATE_RECORD_BYTES);
    fz.present[slot] = 1;
    return 0;
}

static int fz_policy_read(void *ctx, uint32_t slot, uint8_t *buf, size_t cap, size_t *len)
{
    (void)ctx;
    if (slot != 0 || cap < sizeof fuzz_standard_policy - 1)
        return -1;
    memcpy(buf, fuzz_standard_policy, sizeof fuzz_standard_policy - 1);
    *len = sizeof fuzz_standard_policy - 1;
    return 0;
}

static int fz_policy_write(void *ctx, uint32_t slot, const uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)slot;
    (void)buf;
    (void)len;
    return -1; /* provisioning is not fuzzed here */
}

static int fz_anchor_read(void *ctx, uint8_t hash[SP_SHA256_BYTES], int *is_set)
{
    (void)ctx;
    memcpy(hash, fz.anchor, SP_SHA256_BYTES);
    *is_set = 1;
    return 0;
}

static int fz_anchor_write(void *ctx, const uint8_t hash[SP_SHA256_BYTES])
{
    (void)ctx;
    (void)hash;
    return -1;
}

static int fz_counter_read(void *ctx, uint64_t *value)
{
    (void)ctx;
    *value = fz.counter;
    return 0;
}

static int fz_counter_increment(void *ctx)
{
    (void)ctx;
    fz.counter++;
    return 0;
}

static const sp_device_io fz_io = {
    NULL,           fz_slot_read,    fz_slot_write,   fz_policy_read,       fz_policy_write,
    fz_anchor_read, fz_anchor_write, fz_counter_read, fz_counter_increment,
};

static sp_sodium_device holder;
static sp_device dev;
static int ready;

static void setup(void)
{
    sp_bytes parts[2];
    if (ready)
        return;
    if (sp_sodium_init() != SP_OK)
        abort();
    sp_sodium_device_setup(&holder, fuzz_device_key);
    parts[0].ptr = (const uint8_t *)SP_POLICY_HASH_DOMAIN;
    parts[0].len = sizeof SP_POLICY_HASH_DOMAIN - 1;
    parts[1].ptr = (const uint8_t *)fuzz_standard_policy;
    parts[1].len = sizeof fuzz_standard_policy - 1;
    if (holder.crypto.sha256(NULL, fz.anchor, parts, 2) != 0)
        abort();
    ready = 1;
}

static void fill_record(uint8_t rec[SP_STATE_RECORD_BYTES], const uint8_t *p, size_t n)
{
    memset(rec, 0xFF, SP_STATE_RECORD_BYTES);
    memcpy(rec, p, n < SP_STATE_RECORD_BYTES ? n : SP_STATE_RECORD_BYTES);
}

/* Bytes 88..95 of a format-2 record, big-endian: the attested time as stored. */
static uint64_t stored_attested_time(const uint8_t rec[SP_STATE_RECORD_BYTES])
{
    uint64_t t = 0;
    for (int i = 88; i < 96; i++)
        t = t << 8 | rec[i];
    return t;
}

static void record_mode(const uint8_t *data, size_t size)
{
    uint8_t rec[SP_STATE_RECORD_BYTES], again[SP_STATE_RECORD_BYTES];
    sp_device_state st;
    fill_record(rec, data, size);
    if (sp_state_decode(&st, rec, &holder.crypto) != SP_OK) {
        const uint8_t *b = (const uint8_t *)&st;
        for (size_t i = 0; i < sizeof st; i++)
            if (b[i] != 0)
                abort(); /* outputs zeroed on failure */
        return;
    }
    if (sp_state_encode(&st, again, &holder.crypto) != SP_OK)
        abort(); /* decoded, so it must be encodable */
    if (rec[4] == 0 && rec[5] == 1) {
        /* format 1: migrated to the current format, the state unchanged */
        sp_device_state back;
        if (again[5] != SP_STATE_FORMAT_VERSION || st.attested_time != 0 ||
            sp_state_decode(&back, again, &holder.crypto) != SP_OK ||
            memcmp(&back, &st, sizeof st) != 0)
            abort();
    } else if (stored_attested_time(rec) >= SP_COSIG_TIME_LIMIT) {
        /* a T_att at or above the ceiling, written before it: decoded clamped, and the
         * re-encoding differs only there (and in the MAC) */
        if (st.attested_time != SP_COSIG_TIME_LIMIT - 1 || memcmp(rec, again, 88) != 0)
            abort();
    } else if (memcmp(rec, again, sizeof rec) != 0) {
        abort(); /* canonical: one state, one encoding */
    }
}

static void device_mode(const uint8_t *data, size_t size)
{
    uint8_t head[5] = { 0, 0, 0, 0, 0 };
    sp_device_state st;
    sp_decision d;
    uint64_t counter, seconds;
    sp_err e;

    memcpy(head, data, size < sizeof head ? size : sizeof head);
    data += size < sizeof head ? size : sizeof head;
    size -= size < sizeof head ? size : sizeof head;
    memset(fz.present, 0, sizeof fz.present);
    fz.missing_fails = (head[2] & 2) != 0;
    fz.counter = counter = head[1];
    seconds = (uint64_t)head[3] << 8 | head[4];
    for (int s = 0; s < 2; s++) {
        size_t n = size < SP_STATE_RECORD_BYTES ? size : SP_STATE_RECORD_BYTES;
        fill_record(fz.slots[s], data, n);
        fz.present[s] = n > 0;
        data += n;
        size -= n;
    }

    e = sp_device_load(&dev, &fz_io, &holder.crypto);
    if (e != SP_OK) {
        if (sp_device_consume(&dev, 1, &d) == SP_OK || d.mode != SP_MODE_PAUSE || d.granted)
            abort(); /* a failed boot must pause */
        return;
    }
    if (sp_device_status(&dev, &st) != SP_OK)
        abort();
    if ((st.stamp != counter && st.stamp != counter + 1) || fz.counter != st.stamp)
        abort();
    if (memcmp(st.policy_hash, fz.anchor, SP_SHA256_BYTES) != 0)
        abort();

    if (head[2] & 1) {
        uint64_t before = st.attested_time;
        uint64_t most = before > FUZZ_BUNDLE_TIME ? before : FUZZ_BUNDLE_TIME;
        e = sp_device_apply(&dev, (const uint8_t *)fuzz_standard_bundle,
                            sizeof fuzz_standard_bundle - 1, NULL, NULL);
        if (e == SP_OK) {
            if (sp_device_status(&dev, &st) != SP_OK || st.allowance != FUZZ_ALLOWANCE ||
                st.highest_epoch != 1 || st.mode != SP_MODE_RUN || st.attested_time != most)
                abort();
        } else if (e != SP_ERR_DEV_EPOCH_NOT_NEWER && e != SP_ERR_DEV_FROZEN) {
            abort(); /* the embedded bundle is valid for this policy */
        } else if (sp_device_status(&dev, &st) != SP_OK || st.attested_time < before ||
                   st.attested_time > most) {
            abort(); /* T_att never goes backwards, nor past what was vouched for */
        }
    }
    if (seconds > 0) {
        sp_device_state before;
        if (sp_device_status(&dev, &before) != SP_OK)
            abort();
        e = sp_device_consume(&dev, seconds, &d);
        if (e == SP_OK) {
            if (d.granted == 0 || d.granted > seconds || d.granted > before.allowance ||
                (d.mode != SP_MODE_RUN && d.mode != SP_MODE_THROTTLE))
                abort();
            if (sp_device_status(&dev, &st) != SP_OK || st.allowance + d.granted > before.allowance)
                abort(); /* debited before granted */
        } else if (d.mode != SP_MODE_PAUSE || d.granted != 0) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0)
        record_mode(data + 1, size - 1);
    else
        device_mode(data, size);
    return 0;
}
