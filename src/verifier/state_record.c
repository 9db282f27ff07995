/*
 * state_record.c -- the device state record codec (softpause/device.h).
 *
 * The record lives in external flash, OUTSIDE the trust boundary, so everything in it is
 * attacker-controlled until the MAC has been checked.  It is a fixed 128-byte frame so that
 * a slot write is one flash page and a torn write can never look like a shorter record.
 *
 * Format version 2 (written since publication landed) -- as version 1 up to byte 72, then:
 *
 *   72     76     80     84   86   88              96
 *   +------+------+------+----+----+---------------+----------------------------------+
 *   | mode | last | last |perm|flag| attested time | HMAC-SHA-256(device key, 0..95)  |
 *   | (u32)| dec  | why  |u16 |u16 | T_att (u64)   |                                  |
 *   +------+------+------+----+----+---------------+----------------------------------+
 *
 * (the permille, at most 999, and the flags fit 16 bits, which makes room for the
 * quorum-attested time without growing the frame).  T_att is written below
 * SP_COSIG_TIME_LIMIT (2^52, config.h); a record from firmware before that ceiling may hold
 * up to 2^63 - 1, which decodes clamped to SP_COSIG_TIME_LIMIT - 1 (and is written so on
 * the next write).  Format version 1, still decoded so that
 * a device updated in the field migrates its record on the next write:
 *
 *    0        4      6      8               16                              48
 *   +--------+------+------+---------------+-------------------------------+
 *   | "SPST" | ver  | len  | stamp (u64)   | policy hash (32)              |
 *   +--------+------+------+---------------+-------------------------------+
 *   48              56              64              72     76     80     84
 *   +---------------+---------------+---------------+------+------+------+------+
 *   | policy ver    | highest epoch | allowance (s) | mode | perm | last | last |
 *   |     (u64)     |     (u64)     |     (u64)     | (u32)| (u32)| dec  | why  |
 *   +---------------+---------------+---------------+------+------+------+------+
 *   88     92     96                                                     128
 *   +------+------+-------------------------------------------------------+
 *   | flags| rsvd | HMAC-SHA-256(device key, bytes 0..95)                 |
 *   +------+------+-------------------------------------------------------+
 *
 * All integers are big-endian, written and read byte by byte (never by casting the
 * buffer), so the encoding does not depend on the chip's endianness or alignment.
 *
 * Decoding order and why:
 *   1. magic         -- cheap rejection of erased (0xFF) or foreign pages: RECORD_FORMAT;
 *   2. version       -- a DISPATCH, not a check: each known version has its own decoder
 *                       producing the in-memory sp_device_state, so a firmware that
 *                       introduces version 2 keeps decode_v1 and MIGRATES a v1 record on
 *                       its next write.  A record must never be "reset" because its
 *                       version is unfamiliar: resetting would re-open the allowance.
 *                       Unknown versions are RECORD_VERSION (before the MAC, whose
 *                       coverage is itself defined by the version);
 *   3. length        -- per-version, RECORD_FORMAT;
 *   4. MAC           -- constant-time comparison, RECORD_MAC;
 *   5. fields        -- reserved bits and word, and the state invariants
 *                       (state_check below), RECORD_FORMAT.  Only states that
 *                       sp_state_encode could have produced are accepted, so the device
 *                       logic never sees a combination it was not written for.
 *
 * On failure the output is zeroed (fail closed: a caller that ignores the error still
 * holds "no epoch, no allowance, PAUSE"-shaped zeros, never a half-decoded state).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/device.h"
#include "softpause/errors.h"
#include "softpause/statement.h"

#define REC_MAGIC_0 0x53u /* 'S' */
#define REC_MAGIC_1 0x50u /* 'P' */
#define REC_MAGIC_2 0x53u /* 'S' */
#define REC_MAGIC_3 0x54u /* 'T' */

/* Field offsets of format version 1 (see the diagram above). */
enum {
    V1_OFF_MAGIC = 0,
    V1_OFF_VERSION = 4,
    V1_OFF_LENGTH = 6,
    V1_OFF_STAMP = 8,
    V1_OFF_POLICY_HASH = 16,
    V1_OFF_POLICY_VERSION = 48,
    V1_OFF_EPOCH = 56,
    V1_OFF_ALLOWANCE = 64,
    V1_OFF_MODE = 72,
    V1_OFF_PERMILLE = 76,
    V1_OFF_LAST_DECISION = 80,
    V1_OFF_LAST_REASON = 84,
    V1_OFF_FLAGS = 88,
    V1_OFF_RESERVED = 92,
    V1_OFF_MAC = 96,
    V1_LENGTH = 128
};

#define V1_FLAG_HAS_EPOCH 0x00000001u

/* Format version 2: bytes 0..71 as version 1. */
enum {
    V2_OFF_MODE = 72,
    V2_OFF_LAST_DECISION = 76,
    V2_OFF_LAST_REASON = 80,
    V2_OFF_PERMILLE = 84,
    V2_OFF_FLAGS = 86,
    V2_OFF_ATTESTED = 88,
    V2_OFF_MAC = 96,
    V2_LENGTH = 128
};

#define V2_FLAG_HAS_EPOCH 0x0001u
/* No firmware ever wrote a T_att of 2^63 or more (cosignature times were below 2^63). */
#define V2_ATTESTED_LIMIT ((uint64_t)1 << 63)

_Static_assert((int)V2_OFF_MAC == (int)V1_OFF_MAC && V2_LENGTH == SP_STATE_RECORD_BYTES,
               "v2 keeps the frame and the MAC position");

_Static_assert(V1_LENGTH == SP_STATE_RECORD_BYTES, "v1 record fills the slot");
_Static_assert(V1_OFF_MAC + SP_MAC_BYTES == V1_LENGTH, "MAC ends the record");
_Static_assert(V1_OFF_POLICY_VERSION - V1_OFF_POLICY_HASH == SP_SHA256_BYTES,
               "policy hash field holds one SHA-256");

/* ---- big-endian helpers ------------------------------------------------------------- */

static void put_u16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t)(v >> 32));
    put_u32(p + 4, (uint32_t)v);
}

static uint32_t get_u16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | (uint32_t)p[1];
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) << 32 | (uint64_t)get_u32(p + 4);
}

/* Constant-time comparison: the MAC is a secret-keyed value, and a byte-by-byte early exit
 * would let an attacker with flash access forge a record one byte at a time by timing. */
static uint32_t ct_differ(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (uint32_t)(a[i] ^ b[i]);
    return acc;
}

static int is_mode(uint32_t m)
{
    return m == SP_MODE_RUN || m == SP_MODE_THROTTLE || m == SP_MODE_PAUSE;
}

/*
 * The invariants of a device state, whatever its encoding: every state the device can
 * reach satisfies them, and the codec refuses every state that does not, in both
 * directions.  Returns 1 when they hold.
 */
static int state_check(const sp_device_state *st)
{
    if (st->stamp == 0) /* records are stamped counter+1 >= 1 */
        return 0;
    if (st->policy_version == 0 || st->policy_version > SP_MAX_EPOCH)
        return 0;
    if (st->has_epoch != 0 && st->has_epoch != 1)
        return 0;
    if (st->highest_epoch > SP_MAX_EPOCH || st->allowance > SP_MAX_TIME)
        return 0;
    if (st->attested_time >= SP_COSIG_TIME_LIMIT) /* a quorum can attest no later time */
        return 0;
    if (!is_mode(st->mode) || !is_mode(st->last_decision))
        return 0;
    if (st->mode == SP_MODE_THROTTLE) {
        if (st->permille < 1 || st->permille > 999)
            return 0;
    } else if (st->permille != 0) {
        return 0;
    }
    /* A pause statement sets the allowance to 0: a paused state holding allowance would be
     * one mode-word glitch away from running. */
    if (st->mode == SP_MODE_PAUSE && st->allowance != 0)
        return 0;
    /* Before the first accepted statement there is nothing to run on. */
    if (st->has_epoch == 0 &&
        (st->highest_epoch != 0 || st->allowance != 0 || st->mode != SP_MODE_PAUSE))
        return 0;
    /* A RUN/THROTTLE decision is a success; only PAUSE carries a reason. */
    if (st->last_decision != SP_MODE_PAUSE && st->last_reason != SP_OK)
        return 0;
    if (st->last_decision == SP_MODE_PAUSE && st->last_reason == SP_OK)
        return 0;
    return 1;
}

/* ---- encode ------------------------------------------------------------------------- */

sp_err sp_state_encode(const sp_device_state *st, uint8_t rec[SP_STATE_RECORD_BYTES],
                       const sp_crypto *crypto)
{
    uint8_t mac[SP_MAC_BYTES];

    if (rec == NULL)
        return SP_ERR_ARGUMENT;
    memset(rec, 0, SP_STATE_RECORD_BYTES);
    if (st == NULL || crypto == NULL || crypto->device_mac == NULL)
        return SP_ERR_ARGUMENT;
    /* Never write a state we would refuse to read back: that would brick the device. */
    if (!state_check(st))
        return SP_ERR_ARGUMENT;

    /* Always the newest format: older records are migrated on their next write. */
    rec[V1_OFF_MAGIC + 0] = REC_MAGIC_0;
    rec[V1_OFF_MAGIC + 1] = REC_MAGIC_1;
    rec[V1_OFF_MAGIC + 2] = REC_MAGIC_2;
    rec[V1_OFF_MAGIC + 3] = REC_MAGIC_3;
    put_u16(rec + V1_OFF_VERSION, SP_STATE_FORMAT_VERSION);
    put_u16(rec + V1_OFF_LENGTH, V2_LENGTH);
    put_u64(rec + V1_OFF_STAMP, st->stamp);
    memcpy(rec + V1_OFF_POLICY_HASH, st->policy_hash, SP_SHA256_BYTES);
    put_u64(rec + V1_OFF_POLICY_VERSION, st->policy_version);
    put_u64(rec + V1_OFF_EPOCH, st->highest_epoch);
    put_u64(rec + V1_OFF_ALLOWANCE, st->allowance);
    put_u32(rec + V2_OFF_MODE, st->mode);
    put_u32(rec + V2_OFF_LAST_DECISION, st->last_decision);
    put_u32(rec + V2_OFF_LAST_REASON, (uint32_t)st->last_reason);
    put_u16(rec + V2_OFF_PERMILLE, st->permille);
    put_u16(rec + V2_OFF_FLAGS, st->has_epoch ? V2_FLAG_HAS_EPOCH : 0u);
    put_u64(rec + V2_OFF_ATTESTED, st->attested_time);

    if (crypto->device_mac(crypto->ctx, mac, rec, V2_OFF_MAC) != 0) {
        memset(rec, 0, SP_STATE_RECORD_BYTES);
        memset(mac, 0, sizeof mac);
        return SP_ERR_CRYPTO;
    }
    memcpy(rec + V2_OFF_MAC, mac, SP_MAC_BYTES);
    memset(mac, 0, sizeof mac);
    return SP_OK;
}

/* ---- decode ------------------------------------------------------------------------- */

/* Length and MAC, the same in both versions (the MAC covers bytes 0..95). */
static sp_err check_length_and_mac(const uint8_t rec[SP_STATE_RECORD_BYTES],
                                   const sp_crypto *crypto)
{
    uint8_t mac[SP_MAC_BYTES];
    uint32_t differ;

    if (get_u16(rec + V1_OFF_LENGTH) != V1_LENGTH)
        return SP_ERR_DEV_RECORD_FORMAT;
    if (crypto->device_mac(crypto->ctx, mac, rec, V1_OFF_MAC) != 0) {
        memset(mac, 0, sizeof mac);
        return SP_ERR_CRYPTO;
    }
    differ = ct_differ(mac, rec + V1_OFF_MAC, SP_MAC_BYTES);
    memset(mac, 0, sizeof mac);
    return differ != 0 ? SP_ERR_DEV_RECORD_MAC : SP_OK;
}

/* The fields both versions share (bytes 8..71). */
static void decode_common(sp_device_state *out, const uint8_t rec[SP_STATE_RECORD_BYTES])
{
    out->stamp = get_u64(rec + V1_OFF_STAMP);
    memcpy(out->policy_hash, rec + V1_OFF_POLICY_HASH, SP_SHA256_BYTES);
    out->policy_version = get_u64(rec + V1_OFF_POLICY_VERSION);
    out->highest_epoch = get_u64(rec + V1_OFF_EPOCH);
    out->allowance = get_u64(rec + V1_OFF_ALLOWANCE);
}

/* Format version 2.  The magic and version have been checked by the dispatcher. */
static sp_err decode_v2(sp_device_state *out, const uint8_t rec[SP_STATE_RECORD_BYTES],
                        const sp_crypto *crypto)
{
    uint32_t flags;
    sp_err err = check_length_and_mac(rec, crypto);

    if (err != SP_OK)
        return err;
    flags = get_u16(rec + V2_OFF_FLAGS);
    if ((flags & ~V2_FLAG_HAS_EPOCH) != 0)
        return SP_ERR_DEV_RECORD_FORMAT;
    decode_common(out, rec);
    out->has_epoch = (flags & V2_FLAG_HAS_EPOCH) ? 1u : 0u;
    out->mode = get_u32(rec + V2_OFF_MODE);
    out->last_decision = get_u32(rec + V2_OFF_LAST_DECISION);
    out->last_reason = (sp_err)get_u32(rec + V2_OFF_LAST_REASON);
    out->permille = get_u16(rec + V2_OFF_PERMILLE);
    out->attested_time = get_u64(rec + V2_OFF_ATTESTED);
    /* Firmware before the attested-time ceiling wrote T_att up to 2^63 - 1: clamped to
     * the ceiling, never refused (refusing would brick a device for a time it was told). */
    if (out->attested_time >= SP_COSIG_TIME_LIMIT && out->attested_time < V2_ATTESTED_LIMIT)
        out->attested_time = SP_COSIG_TIME_LIMIT - 1u;
    if (!state_check(out))
        return SP_ERR_DEV_RECORD_FORMAT;
    return SP_OK;
}

/* Format version 1 (no attested time: it decodes as 0 and is migrated on the next write). */
static sp_err decode_v1(sp_device_state *out, const uint8_t rec[SP_STATE_RECORD_BYTES],
                        const sp_crypto *crypto)
{
    uint32_t flags;
    sp_err err = check_length_and_mac(rec, crypto);

    if (err != SP_OK)
        return err;

    /* Authentic from here on; what remains are encoder invariants.  A MAC-valid record
     * that breaks them was written by a different (buggy or newer) encoder under the
     * same version number, and is refused rather than guessed at. */
    flags = get_u32(rec + V1_OFF_FLAGS);
    if ((flags & ~V1_FLAG_HAS_EPOCH) != 0 || get_u32(rec + V1_OFF_RESERVED) != 0)
        return SP_ERR_DEV_RECORD_FORMAT;

    decode_common(out, rec);
    out->has_epoch = (flags & V1_FLAG_HAS_EPOCH) ? 1u : 0u;
    out->mode = get_u32(rec + V1_OFF_MODE);
    out->permille = get_u32(rec + V1_OFF_PERMILLE);
    out->last_decision = get_u32(rec + V1_OFF_LAST_DECISION);
    out->last_reason = (sp_err)get_u32(rec + V1_OFF_LAST_REASON);
    if (!state_check(out))
        return SP_ERR_DEV_RECORD_FORMAT;
    return SP_OK;
}

sp_err sp_state_decode(sp_device_state *out, const uint8_t rec[SP_STATE_RECORD_BYTES],
                       const sp_crypto *crypto)
{
    sp_err err;

    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (rec == NULL || crypto == NULL || crypto->device_mac == NULL)
        return SP_ERR_ARGUMENT;

    if (rec[V1_OFF_MAGIC + 0] != REC_MAGIC_0 || rec[V1_OFF_MAGIC + 1] != REC_MAGIC_1 ||
        rec[V1_OFF_MAGIC + 2] != REC_MAGIC_2 || rec[V1_OFF_MAGIC + 3] != REC_MAGIC_3)
        return SP_ERR_DEV_RECORD_FORMAT;

    /* The magic and the version word sit at the same place in every format version. */
    switch (get_u16(rec + V1_OFF_VERSION)) {
    case 1u: /* migrated on the next write, never reset */
        err = decode_v1(out, rec, crypto);
        break;
    case 2u:
        err = decode_v2(out, rec, crypto);
        break;
    default:
        err = SP_ERR_DEV_RECORD_VERSION;
        break;
    }
    if (err != SP_OK)
        memset(out, 0, sizeof *out);
    return err;
}
