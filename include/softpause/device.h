/*
 * softpause/device.h -- the device verifier: the state machine a chip runs.
 *
 * The device keeps running only while it holds a fresh authorisation.  It has no trusted
 * clock and no nonce (R4), so freshness is a strictly increasing epoch, and the work it
 * may do per epoch is an allowance of powered-on seconds counted by its own monotonic
 * timer, SET (never added) by each accepted statement and debited at the same rate in
 * every mode.  Everything is persisted before anything is granted.
 *
 * Storage model (sp_device_io, filled by the host simulator or a chip's firmware):
 *   - anchor: write-once storage INSIDE the trust boundary (fuses/OTP) holding the hash of
 *     the provisioned policy (whatever its version): the root of the policy chain;
 *   - two policy slots: canonical policy bytes kept beside the state (may be outside).
 *     The current record names the current policy (bytes 16..55: hash and version); on
 *     every load the slot whose bytes hash to that hash is the policy, hashed before it is
 *     parsed.  A policy update (softpause/update.h) is adopted by writing the new bytes
 *     into the OTHER slot, reading them back, and then persisting a record that names the
 *     new hash and version (protocol.md section 18);
 *   - two record slots: non-volatile storage OUTSIDE the trust boundary (external flash);
 *     records are therefore authenticated with HMAC-SHA-256 under a device-unique key
 *     (sp_crypto.device_mac);
 *   - a hardware monotonic counter inside the boundary: factory value 0, increment-only,
 *     endurance SP_COUNTER_ENDURANCE.
 *
 * State record, format version 2, SP_STATE_RECORD_BYTES = 128, all integers big-endian
 * (version 1, which kept a 4-byte permille and flags and a reserved word where version 2
 * keeps the attested time, is still decoded and migrated on the next write):
 *
 *   off len  field
 *     0   4  magic "SPST"
 *     4   2  format version (2)
 *     6   2  record length (128)
 *     8   8  stamp: the counter value this record belongs to
 *    16  32  policy hash: the current policy (the anchor's, or an adopted update's)
 *    48   8  policy version (the current policy's)
 *    56   8  highest accepted epoch (meaningful iff flags bit 0)
 *    64   8  remaining allowance, seconds
 *    72   4  mode (SP_MODE_*)
 *    76   4  last decision (SP_MODE_*)
 *    80   4  last reason (sp_err value)
 *    84   2  throttle permille (0 unless mode is throttle)
 *    86   2  flags: bit 0 = an epoch has been accepted; other bits zero
 *    88   8  attested time T_att (latest time a witness quorum vouched for), below
 *            SP_COSIG_TIME_LIMIT (2^52); an older record's larger value (< 2^63) decodes
 *            clamped to SP_COSIG_TIME_LIMIT - 1
 *    96  32  HMAC-SHA-256(device key, bytes 0..95)
 *
 * Write order (every state change): encode the new record stamped counter+1 into the slot
 * NOT holding the current record, read it back and compare, increment the counter, and
 * only then report success or grant RUN/THROTTLE.  Load: accept the newest valid record
 * stamped counter or counter+1 (a record stamped counter+1 finishes its pending
 * increment); a valid record stamped lower is a rolled-back image (SP_ERR_DEV_ROLLBACK,
 * also across a policy update); no valid record at all is SP_ERR_DEV_NO_RECORD.  The
 * chosen record's policy hash then selects the policy slot whose bytes hash to it (none:
 * SP_ERR_DEV_POLICY_MISSING), and the parsed policy's version must equal the record's
 * (SP_ERR_DEV_POLICY_MISSING otherwise).  Both fail closed: the device pauses and
 * init never re-opens (it requires the counter at its factory value).  Records stamped
 * above counter+1 and two different authentic records with the same stamp are never
 * candidates.  A record's policy hash is not filtered by the anchor: the device wrote
 * every authentic record, and it writes only the anchored policy or one it adopted
 * through a verified update chain.  Decoding dispatches on the
 * format version, so a later firmware keeps the older decoders and MIGRATES an old record
 * on its next write; an unknown version is never "reset".
 *
 * Failures: storage callbacks fail with SP_ERR_DEV_STORAGE, the counter's with
 * SP_ERR_DEV_COUNTER (also when an increment would pass SP_COUNTER_ENDURANCE, and when
 * the counter does not read back as exactly one more).  Any failure while persisting
 * unloads the context (RAM and flash may disagree; only sp_device_load() can tell which
 * record is current), so every later call pauses until the next boot.  Refused statements
 * and refused consume() calls are never persisted -- a write per refusal would let anyone
 * holding junk or stale statements burn the counter's endurance -- their last decision and
 * reason are kept in RAM and reach flash with the next real write.
 *
 * Allowance reservation: consume() persists a debit of at least SP_CONSUME_CHUNK_SECONDS
 * (the reservation), serves later consume() calls from the in-RAM remainder without a
 * write, and loses the remainder on power loss: never gives allowance back.
 *
 * No exemption path (R5): nothing here lowers the epoch or grants allowance except
 * sp_device_apply() with a published statement (a bundle, R6) that satisfies the current
 * policy, and nothing replaces the current policy except a published policy update that
 * satisfies it (softpause/update.h).
 */
#ifndef SOFTPAUSE_DEVICE_H
#define SOFTPAUSE_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/bundle.h"
#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"
#include "softpause/note.h"
#include "softpause/policy.h"
#include "softpause/statement.h"
#include "softpause/update.h"

#define SP_STATE_FORMAT_VERSION 2u

/* Storage callbacks.  Every function returns 0 on success, non-zero on failure.
 * Port-API change (policy updates): policy_read/policy_write take a policy slot, 0 or 1;
 * a port that had one policy area keeps it as slot 0 and adds slot 1 (a device
 * provisioned before updates has its policy in slot 0 and slot 1 erased). */
typedef struct sp_device_io {
    void *ctx;
    /* Read slot 0 or 1.  An erased or missing slot may fail or return any bytes. */
    int (*slot_read)(void *ctx, uint32_t slot, uint8_t rec[SP_STATE_RECORD_BYTES]);
    int (*slot_write)(void *ctx, uint32_t slot, const uint8_t rec[SP_STATE_RECORD_BYTES]);
    /* Canonical policy bytes kept beside the state, slot 0 or 1.  An erased slot may fail
     * or return any bytes. */
    int (*policy_read)(void *ctx, uint32_t slot, uint8_t *buf, size_t cap, size_t *len);
    int (*policy_write)(void *ctx, uint32_t slot, const uint8_t *buf, size_t len);
    /* Write-once anchor.  *is_set = 0 while blank.  anchor_write fails once set. */
    int (*anchor_read)(void *ctx, uint8_t hash[SP_SHA256_BYTES], int *is_set);
    int (*anchor_write)(void *ctx, const uint8_t hash[SP_SHA256_BYTES]);
    /* Hardware monotonic counter. */
    int (*counter_read)(void *ctx, uint64_t *value);
    int (*counter_increment)(void *ctx);
} sp_device_io;

/* Inspectable state (R9). */
typedef struct sp_device_state {
    uint64_t stamp;
    uint8_t policy_hash[SP_SHA256_BYTES];
    uint64_t policy_version;
    uint32_t has_epoch;
    uint64_t highest_epoch;
    uint64_t allowance;          /* persisted remaining allowance, seconds */
    uint32_t mode;               /* SP_MODE_* */
    uint32_t permille;
    uint32_t last_decision;      /* SP_MODE_* */
    sp_err last_reason;          /* SP_OK or why the last decision was PAUSE */
    uint64_t attested_time;      /* T_att: latest time a witness quorum vouched for */
} sp_device_state;

/* What consume() lets the device do now. */
typedef struct sp_decision {
    uint32_t mode;               /* SP_MODE_*: PAUSE on every error */
    uint32_t permille;           /* 1000 for RUN, p for THROTTLE, 0 for PAUSE */
    uint64_t granted;            /* seconds of work granted by this call */
    sp_err reason;               /* SP_OK, or why PAUSE */
} sp_decision;

/* Caller-allocated device context.  Treat as opaque. */
typedef struct sp_device {
    uint32_t loaded;             /* SP_DEVICE_LOADED when usable */
    uint32_t slot;               /* slot of the current record */
    uint64_t counter;            /* last read value of the hardware counter */
    uint64_t reserved;           /* RAM-only reservation, seconds */
    const sp_crypto *crypto;
    const sp_device_io *io;
    sp_device_state state;
    uint64_t attested_ram;       /* T_att seen (>= state.attested_time), RAM only */
    uint32_t policy_slot;        /* policy slot holding the current policy's bytes */
    uint8_t anchor[SP_SHA256_BYTES]; /* the write-once anchor, as read at init/load */
    sp_policy policy;            /* the current policy */
    sp_bundle_work work;
    uint8_t policy_bytes[SP_MAX_POLICY_BYTES];
    /* The second policy a policy update needs during verification (the new one, with the
     * update's header), and the update's per-policy signature report: here, not on the
     * stack (protocol.md section 13). */
    sp_update_result update;
    sp_update_report update_report;
} sp_device;

#define SP_DEVICE_LOADED 0x6D5A93C5u

/* Provision a device: only while the counter is at its factory value 0.  Anchors the
 * policy hash (write-once; an identical hash already anchored is accepted, so a power cut
 * during init can be retried), stores the policy bytes, writes the first record (no epoch,
 * no allowance, mode PAUSE, reason SP_ERR_DEV_NO_AUTHORISATION).  Leaves *dev loaded. */
SP_MUST_CHECK sp_err sp_device_init(sp_device *dev, const sp_device_io *io,
                                    const sp_crypto *crypto, const uint8_t *policy,
                                    size_t policy_len);

/* Boot: read the anchor, the counter, both record slots, then the policy slot the chosen
 * record names, as described above. */
SP_MUST_CHECK sp_err sp_device_load(sp_device *dev, const sp_device_io *io,
                                    const sp_crypto *crypto);

/*
 * The one state-changing entry (R5, R6): verify a bundle (softpause/bundle.h: witnessed
 * checkpoint, inclusion, statement) against the CURRENT policy.  A bare statement is
 * refused (SP_ERR_BUNDLE_BARE_STATEMENT).  The leaf's type decides the path
 * (sp_bundle_kind):
 *
 * A policy update (softpause/update.h) gets sp_bundle_verify_update against the current
 * policy (its log and witness quorum prove publication), T_att rises with the checkpoint
 * as below, and it is adopted: the new bytes are written into the other policy slot and
 * read back (SP_ERR_DEV_READBACK), then a record naming the new hash and version is
 * persisted.  Epoch, mode, allowance, the RAM reservation and T_att carry over; updates
 * are exempt from the freeze and fast-forward defences (the version chain orders them).
 * With the `time-reset` line, T_att is lowered to the checkpoint's quorum time when it
 * exceeds that time by more than the new policy's epoch-length + max-staleness (a
 * poisoned attested time); otherwise the line changes nothing.  The highest epoch is kept.
 *
 * Any other leaf takes the statement path, in this order:
 *   - once the checkpoint and its witness quorum verify, T_att = max(T_att, the
 *     checkpoint's quorum time); if the bundle is refused after that point, the raised
 *     T_att is still persisted when it moved by at least SP_ATTESTED_TIME_PERSIST_STEP
 *     since the persisted value (bounded counter wear), and kept in RAM otherwise;
 *   - freeze defence: start + epoch_length + max_staleness < T_att is SP_ERR_DEV_FROZEN;
 *   - fast-forward defence: epoch > (T_att - genesis) / epoch_length + 1 is
 *     SP_ERR_DEV_FAST_FORWARD (every epoch while T_att < genesis except 0);
 *   - replay: an epoch not above the highest accepted is SP_ERR_DEV_EPOCH_NOT_NEWER;
 * and finally persist the new state: highest epoch, allowance SET to the policy's
 * per-epoch allowance (0 for pause), mode, T_att.  The RAM reservation is dropped.
 */
SP_MUST_CHECK sp_err sp_device_apply(sp_device *dev, const uint8_t *bundle, size_t len,
                                     sp_bundle_report *report, uint32_t *err_line);

/* Ask to do `seconds` of work.  Returns SP_OK with RUN or THROTTLE (granted = seconds, or
 * what remained of the allowance) once the debit is persisted; otherwise an error and a
 * PAUSE decision.  seconds must be >= 1. */
SP_MUST_CHECK sp_err sp_device_consume(sp_device *dev, uint64_t seconds, sp_decision *out);

/* What consume() would decide now, changing nothing (R9): PAUSE with the reason
 * (SP_ERR_DEV_NOT_LOADED, _NO_AUTHORISATION, _PAUSED, _EXHAUSTED) returned and in
 * out->reason, or SP_OK with RUN or THROTTLE, its permille, and in out->granted the
 * seconds that remain (persisted allowance plus the RAM reservation). */
SP_MUST_CHECK sp_err sp_device_decide(const sp_device *dev, sp_decision *out);

/* Copy the current state out. */
SP_MUST_CHECK sp_err sp_device_status(const sp_device *dev, sp_device_state *out);

/* The write-once anchor (the provisioned policy's hash, the root of the policy chain). */
SP_MUST_CHECK sp_err sp_device_anchor(const sp_device *dev, uint8_t out[SP_SHA256_BYTES]);

/* State record codec (exposed for tests and fuzzing).  decode checks magic, version,
 * length, reserved bits and the MAC, and clamps a T_att of 2^52..2^63-1 (written before
 * the attested-time ceiling) to SP_COSIG_TIME_LIMIT - 1; encode refuses a T_att at or
 * above SP_COSIG_TIME_LIMIT (SP_ERR_ARGUMENT). */
SP_MUST_CHECK sp_err sp_state_encode(const sp_device_state *st,
                                     uint8_t rec[SP_STATE_RECORD_BYTES],
                                     const sp_crypto *crypto);
SP_MUST_CHECK sp_err sp_state_decode(sp_device_state *out,
                                     const uint8_t rec[SP_STATE_RECORD_BYTES],
                                     const sp_crypto *crypto);

#endif /* SOFTPAUSE_DEVICE_H */
