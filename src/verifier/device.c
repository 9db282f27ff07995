/*
 * device.c -- the device state machine (softpause/device.h): provision, boot, apply a
 * signed statement, spend allowance.
 *
 * Storage, and which side of the trust boundary each piece is on:
 *
 *       inside the chip (trusted)            |   external flash (attacker can image,
 *                                            |   restore, erase, corrupt)
 *   +-----------------------------+          |   +-------------------------------+
 *   | anchor: SHA-256 of the      | write-   |   | policy slot 0 | policy slot 1 |
 *   | provisioned policy (OTP)    | once     |   | (canonical)   | (canonical)   |
 *   +-----------------------------+          |   +-------------------------------+
 *   +-----------------------------+          |   +---------------+---------------+
 *   | monotonic counter c         | incr-    |   | slot 0 (128B) | slot 1 (128B) |
 *   | (factory 0, endurance 2^20) | only     |   | record "SPST" | record "SPST" |
 *   +-----------------------------+          |   +---------------+---------------+
 *   | device MAC key (crypto)     |          |   each record: stamp, policy hash,
 *   +-----------------------------+          |   epoch, allowance, mode, ... , HMAC
 *
 *   (record layout: the diagram in state_record.c and device.h)
 *
 * Why this shape:
 *   - The MAC makes records unforgeable, but not fresh: a saved flash image is a set of
 *     perfectly authentic records.  Freshness comes from the counter: every record is
 *     stamped with the counter value it belongs to, and a boot accepts only records
 *     stamped c or c+1.  Restoring an old image yields records stamped < c: ROLLBACK.
 *   - Two slots, written alternately, so that a torn write never destroys the current
 *     record: the new record goes to the OTHER slot, is read back, and only then is the
 *     counter incremented -- the increment is the commit point.  A power cut before it
 *     leaves the old record current (stamp c) or the new one pending (stamp c+1, which
 *     the next boot commits by finishing the increment).  Both are safe, because
 *     nothing is granted before the commit.
 *   - Allowance is powered-on seconds of the device's own work, SET (never added) by
 *     each accepted epoch, so hoarding power cycles or slowing a clock buys nothing.
 *     Debits are persisted BEFORE the work is granted, in chunks (the "reservation") so
 *     that the counter lasts the device's life (see config.h); the RAM remainder of a
 *     chunk is lost on power loss -- a power cut can only ever cost allowance.
 *   - Refusals are never persisted: a write per refused statement or refused consume()
 *     would let anyone holding a stack of junk (or stale) statements burn the counter's
 *     endurance and brick the device.  Refusals are returned and reported; last
 *     decision/reason are updated in RAM and reach flash with the next real write.
 *   - Every error leaves the device paused: consume() answers PAUSE unless the context
 *     is loaded and the persisted state grants work.  A persist failure unloads the
 *     context (RAM and flash may disagree until the next sp_device_load).
 *   - The policy bytes are hashed and compared with the hash the current record names
 *     BEFORE they are parsed, so the parser only ever sees bytes the device provisioned
 *     or adopted, never attacker input.  The record (MAC'd, counter-stamped) names the
 *     current policy; the anchor is the root of the chain of adopted updates.
 *   - Policy updates use the same commit point as every other write: the new policy's
 *     bytes go to the policy slot NOT holding the current policy and are read back; then
 *     the record naming the new hash and version is persisted.  A power cut before the
 *     counter moves leaves the old record (old policy, still in its slot) or the pending
 *     new one (new policy, already in the other slot): the old or the new policy, never
 *     neither.
 *
 * Firmware rules: no heap, no libc beyond mem*, no recursion; large objects (policy, note
 * scratch) live in the caller-allocated sp_device, never on the stack.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/device.h"
#include "softpause/errors.h"
#include "softpause/policy.h"
#include "softpause/statement.h"

/* ---- helpers ------------------------------------------------------------------------ */

static int io_complete(const sp_device_io *io)
{
    return io != NULL && io->slot_read != NULL && io->slot_write != NULL &&
           io->policy_read != NULL && io->policy_write != NULL && io->anchor_read != NULL &&
           io->anchor_write != NULL && io->counter_read != NULL && io->counter_increment != NULL;
}

static int crypto_complete(const sp_crypto *crypto)
{
    return crypto != NULL && crypto->sha256 != NULL && crypto->device_mac != NULL &&
           crypto->ed25519_verify != NULL && crypto->ed25519_check_key != NULL;
}

/* The context is usable only while `loaded` holds the hardened constant; any other value
 * (zero from memset, a glitched word) reads as "not loaded" and pauses. */
static int is_loaded(const sp_device *dev)
{
    return dev->loaded == SP_DEVICE_LOADED;
}

static void unload(sp_device *dev)
{
    dev->loaded = 0;
    dev->reserved = 0;
}

/*
 * Persist `next` as the new current state.  The commit protocol (see the top of the file):
 *   1. refuse if the counter has no increment left in its endurance budget;
 *   2. stamp counter+1, encode (MAC) into the slot NOT holding the current record;
 *   3. read back and compare byte for byte (flash can fail silently);
 *   4. increment the counter (the commit point), and confirm it moved by exactly one;
 *   5. only then adopt the state in RAM.
 * Any failure unloads the context: flash may now hold a pending record, and only a fresh
 * sp_device_load() can say which record is current.
 */
static sp_err persist(sp_device *dev, sp_device_state *next)
{
    uint8_t rec[SP_STATE_RECORD_BYTES];
    uint8_t back[SP_STATE_RECORD_BYTES];
    const sp_device_io *io = dev->io;
    uint32_t target = dev->slot ^ 1u;
    uint64_t after = 0;
    sp_err err;

    if (dev->counter >= SP_COUNTER_ENDURANCE) {
        err = SP_ERR_DEV_COUNTER;
        goto fail;
    }
    next->stamp = dev->counter + 1u;
    /* Every write carries the newest attested time seen (it never goes backwards). */
    if (next->attested_time < dev->attested_ram)
        next->attested_time = dev->attested_ram;
    memcpy(next->policy_hash, dev->policy.hash, SP_SHA256_BYTES);
    next->policy_version = dev->policy.version;

    err = sp_state_encode(next, rec, dev->crypto);
    if (err != SP_OK)
        goto fail;
    if (io->slot_write(io->ctx, target, rec) != 0) {
        err = SP_ERR_DEV_STORAGE;
        goto fail;
    }
    if (io->slot_read(io->ctx, target, back) != 0) {
        err = SP_ERR_DEV_STORAGE;
        goto fail;
    }
    if (memcmp(rec, back, SP_STATE_RECORD_BYTES) != 0) {
        err = SP_ERR_DEV_READBACK;
        goto fail;
    }
    if (io->counter_increment(io->ctx) != 0) {
        err = SP_ERR_DEV_COUNTER;
        goto fail;
    }
    if (io->counter_read(io->ctx, &after) != 0 || after != next->stamp) {
        err = SP_ERR_DEV_COUNTER;
        goto fail;
    }
    dev->counter = after;
    dev->slot = target;
    dev->state = *next;
    memset(rec, 0, sizeof rec);
    memset(back, 0, sizeof back);
    return SP_OK;

fail:
    memset(rec, 0, sizeof rec);
    memset(back, 0, sizeof back);
    unload(dev);
    return err;
}

/* ---- init --------------------------------------------------------------------------- */

sp_err sp_device_init(sp_device *dev, const sp_device_io *io, const sp_crypto *crypto,
                      const uint8_t *policy, size_t policy_len)
{
    uint8_t anchor[SP_SHA256_BYTES];
    int is_set = 0;
    uint64_t counter = 1;
    sp_device_state first;
    sp_err err;

    if (dev == NULL)
        return SP_ERR_ARGUMENT;
    memset(dev, 0, sizeof *dev);
    if (!io_complete(io) || !crypto_complete(crypto) || policy == NULL)
        return SP_ERR_ARGUMENT;
    if (policy_len > SP_MAX_POLICY_BYTES)
        return SP_ERR_POLICY_LIMIT;

    /* Init never re-opens: once a record has been committed the counter is >= 1, so
     * erasing flash can never be turned into a fresh provisioning. */
    if (io->counter_read(io->ctx, &counter) != 0) {
        err = SP_ERR_DEV_COUNTER;
        goto fail;
    }
    if (counter != 0) {
        err = SP_ERR_DEV_NOT_FACTORY;
        goto fail;
    }

    /* Validate before anchoring: a policy the loader would refuse must never be burnt
     * into write-once storage. */
    memcpy(dev->policy_bytes, policy, policy_len);
    err = sp_policy_parse(&dev->policy, dev->policy_bytes, policy_len, crypto, NULL);
    if (err != SP_OK)
        goto fail;

    if (io->anchor_read(io->ctx, anchor, &is_set) != 0) {
        err = SP_ERR_DEV_STORAGE;
        goto fail;
    }
    if (is_set) {
        /* A retry after a power cut during init: the same policy is fine, another is not
         * (write-once means a device is bound to its first policy forever). */
        if (memcmp(anchor, dev->policy.hash, SP_SHA256_BYTES) != 0) {
            err = SP_ERR_DEV_ANCHOR_MISMATCH;
            goto fail;
        }
    } else {
        if (io->anchor_write(io->ctx, dev->policy.hash) != 0) {
            err = SP_ERR_DEV_STORAGE;
            goto fail;
        }
        /* Fuses can fail to blow: confirm what the device will trust from now on. */
        if (io->anchor_read(io->ctx, anchor, &is_set) != 0 || !is_set) {
            err = SP_ERR_DEV_STORAGE;
            goto fail;
        }
        if (memcmp(anchor, dev->policy.hash, SP_SHA256_BYTES) != 0) {
            err = SP_ERR_DEV_ANCHOR_MISMATCH;
            goto fail;
        }
    }
    if (io->policy_write(io->ctx, 0u, dev->policy_bytes, policy_len) != 0) {
        err = SP_ERR_DEV_STORAGE;
        goto fail;
    }

    dev->io = io;
    dev->policy_slot = 0u;
    memcpy(dev->anchor, dev->policy.hash, SP_SHA256_BYTES);
    dev->crypto = crypto;
    dev->counter = 0;
    dev->slot = 1u; /* "current" is slot 1, so the first record goes to slot 0 */
    dev->reserved = 0;

    memset(&first, 0, sizeof first);
    first.has_epoch = 0;
    first.highest_epoch = 0;
    first.allowance = 0;
    first.mode = SP_MODE_PAUSE;
    first.permille = 0;
    first.last_decision = SP_MODE_PAUSE;
    first.last_reason = SP_ERR_DEV_NO_AUTHORISATION;
    err = persist(dev, &first);
    if (err != SP_OK)
        goto fail;
    dev->loaded = SP_DEVICE_LOADED;
    return SP_OK;

fail:
    memset(dev, 0, sizeof *dev);
    return err;
}

/* ---- load --------------------------------------------------------------------------- */

/* The policy the chosen record names: the slot whose bytes hash to `want`, hashed before
 * it is parsed (only bytes the device provisioned or adopted reach the parser); its
 * version must be the record's.  An unreadable, erased or foreign slot is not a
 * candidate; none at all is SP_ERR_DEV_POLICY_MISSING. */
static sp_err load_policy(sp_device *dev, const sp_device_io *io, const sp_crypto *crypto,
                          const uint8_t want[SP_SHA256_BYTES], uint64_t version)
{
    uint8_t hash[SP_SHA256_BYTES];
    size_t len;
    sp_err err;

    for (uint32_t s = 0; s < 2u; s++) {
        len = 0;
        if (io->policy_read(io->ctx, s, dev->policy_bytes, SP_MAX_POLICY_BYTES, &len) != 0 ||
            len > SP_MAX_POLICY_BYTES)
            continue;
        if (sp_policy_hash(hash, dev->policy_bytes, len, crypto) != SP_OK ||
            memcmp(hash, want, SP_SHA256_BYTES) != 0)
            continue;
        err = sp_policy_parse(&dev->policy, dev->policy_bytes, len, crypto, NULL);
        if (err != SP_OK)
            return err;
        if (memcmp(dev->policy.hash, want, SP_SHA256_BYTES) != 0 ||
            dev->policy.version != version)
            return SP_ERR_DEV_POLICY_MISSING;
        dev->policy_slot = s;
        return SP_OK;
    }
    return SP_ERR_DEV_POLICY_MISSING;
}

sp_err sp_device_load(sp_device *dev, const sp_device_io *io, const sp_crypto *crypto)
{
    uint8_t anchor[SP_SHA256_BYTES];
    uint8_t rec[SP_STATE_RECORD_BYTES];
    sp_device_state cand[2];
    int valid[2];
    int is_set = 0;
    int best = -1;
    int saw_older = 0;
    int ambiguous = 0;
    uint64_t counter = 0;
    uint64_t after = 0;
    sp_err err;

    if (dev == NULL)
        return SP_ERR_ARGUMENT;
    memset(dev, 0, sizeof *dev);
    if (!io_complete(io) || !crypto_complete(crypto))
        return SP_ERR_ARGUMENT;

    if (io->anchor_read(io->ctx, anchor, &is_set) != 0) {
        err = SP_ERR_DEV_STORAGE;
        goto fail;
    }
    if (!is_set) {
        /* Never provisioned: nothing to trust, nothing to run on. */
        err = SP_ERR_DEV_NO_RECORD;
        goto fail;
    }

    if (io->counter_read(io->ctx, &counter) != 0) {
        err = SP_ERR_DEV_COUNTER;
        goto fail;
    }

    /* Both slots.  An unreadable, erased, torn or forged slot is simply not a candidate:
     * the other slot may still hold the current record.  No filter on the anchor's hash
     * and version: the current policy may be an adopted update (its record is authentic,
     * and the counter orders it like every other record). */
    for (int s = 0; s < 2; s++) {
        valid[s] = 0;
        if (io->slot_read(io->ctx, (uint32_t)s, rec) != 0)
            continue;
        if (sp_state_decode(&cand[s], rec, crypto) != SP_OK)
            continue;
        valid[s] = 1;
    }
    memset(rec, 0, sizeof rec);

    /* Freshness.  stamp >= 1 after decode, so stamp - 1 cannot wrap. */
    for (int s = 0; s < 2; s++) {
        if (!valid[s])
            continue;
        if (cand[s].stamp == counter || cand[s].stamp - 1u == counter) {
            if (best < 0 || cand[s].stamp > cand[best].stamp)
                best = s;
            else if (cand[s].stamp == cand[best].stamp)
                ambiguous = 1;
        } else if (cand[s].stamp < counter) {
            saw_older = 1;
        }
        /* stamp > counter + 1 cannot be written by this code (the counter moves before any
         * later record is stamped): not a candidate. */
    }
    if (best < 0) {
        err = saw_older ? SP_ERR_DEV_ROLLBACK : SP_ERR_DEV_NO_RECORD;
        goto fail;
    }
    if (ambiguous) {
        /* Two authentic records with the same stamp: this code never writes that, so do
         * not guess which one is current. */
        err = SP_ERR_DEV_NO_RECORD;
        goto fail;
    }

    /* The policy the record names, before anything is committed. */
    err = load_policy(dev, io, crypto, cand[best].policy_hash, cand[best].policy_version);
    if (err != SP_OK)
        goto fail;

    if (cand[best].stamp != counter) {
        /* Pending: written and read back, but power went before the commit.  Commit now;
         * the record may hold a debit whose work was never granted (fail closed). */
        if (io->counter_increment(io->ctx) != 0) {
            err = SP_ERR_DEV_COUNTER;
            goto fail;
        }
        if (io->counter_read(io->ctx, &after) != 0 || after != cand[best].stamp) {
            err = SP_ERR_DEV_COUNTER;
            goto fail;
        }
        counter = after;
    }

    dev->io = io;
    dev->crypto = crypto;
    dev->counter = counter;
    dev->slot = (uint32_t)best;
    dev->reserved = 0;
    dev->state = cand[best];
    dev->attested_ram = dev->state.attested_time;
    memcpy(dev->anchor, anchor, SP_SHA256_BYTES);
    memset(cand, 0, sizeof cand);
    dev->loaded = SP_DEVICE_LOADED;
    return SP_OK;

fail:
    memset(cand, 0, sizeof cand);
    memset(rec, 0, sizeof rec);
    memset(dev, 0, sizeof *dev);
    return err;
}

/* ---- apply -------------------------------------------------------------------------- */

/* Freshness by quorum-attested time (device.h): the freeze and fast-forward defences.  The
 * bounds are sp_epoch_window_of's, the same numbers `softpause epoch` shows: refused as
 * stale once T_att passes frozen_after; as too far ahead while T_att is before
 * ahead_before (start - epoch-length; epoch 0 never), which is the same as epoch >
 * floor((T_att - genesis) / epoch-length) + 1. */
static sp_err check_attested_time(const sp_device *dev, const sp_statement *st)
{
    sp_epoch_window w;
    uint64_t t = dev->attested_ram;
    sp_err e = sp_epoch_window_of(&dev->policy, st->epoch, &w);

    if (e != SP_OK) /* (the statement's start was checked against the same rule) */
        return e;
    if (w.frozen_after < t)
        return SP_ERR_DEV_FROZEN;
    if (t < w.ahead_before)
        return SP_ERR_DEV_FAST_FORWARD;
    return SP_OK;
}

/* A refused bundle whose checkpoint verified still moves T_att; persist it only in steps
 * of SP_ATTESTED_TIME_PERSIST_STEP (refusals must not wear the counter out). */
static sp_err keep_attested_time(sp_device *dev)
{
    sp_device_state next;

    if (dev->attested_ram < dev->state.attested_time + SP_ATTESTED_TIME_PERSIST_STEP)
        return SP_OK;
    next = dev->state; /* persist() writes the raised attested time */
    return persist(dev, &next);
}

/* T_att = max(T_att, the checkpoint's quorum time) once the checkpoint and its witness
 * quorum verified, whatever happens to the leaf.  The checkpoint check refused every
 * cosignature at or above the attested-time ceiling; the bound is checked again here. */
static void raise_attested_time(sp_device *dev, const sp_bundle_report *report)
{
    if (report->checkpoint_verified && report->witnesses.quorum_met &&
        report->witnesses.quorum_time > dev->attested_ram &&
        report->witnesses.quorum_time < SP_COSIG_TIME_LIMIT)
        dev->attested_ram = report->witnesses.quorum_time;
}

/* A refusal: keep the raised attested time (in steps), report the first error. */
static sp_err refused(sp_device *dev, sp_err err)
{
    sp_err kept = keep_attested_time(dev);
    return kept != SP_OK ? kept : err;
}

/* Adopt the verified update in dev->update (its bytes in dev->work.leaf): new bytes into
 * the other policy slot, read back, then the record naming the new hash and version (the
 * commit point, persist()).  Any failure unloads: only sp_device_load() can tell which
 * policy is current. */
static sp_err adopt_policy(sp_device *dev, sp_device_state *next)
{
    const sp_device_io *io = dev->io;
    const sp_update *h = &dev->update.update;
    const uint8_t *bytes = dev->work.leaf + h->policy_offset;
    uint32_t target = dev->policy_slot ^ 1u;
    size_t back = 0;
    sp_err err;

    if (io->policy_write(io->ctx, target, bytes, h->policy_len) != 0) {
        err = SP_ERR_DEV_STORAGE;
        goto fail;
    }
    /* The current policy is parsed already: its bytes buffer takes the read-back. */
    if (io->policy_read(io->ctx, target, dev->policy_bytes, SP_MAX_POLICY_BYTES, &back) != 0) {
        err = SP_ERR_DEV_STORAGE;
        goto fail;
    }
    if (back != h->policy_len || memcmp(dev->policy_bytes, bytes, back) != 0) {
        err = SP_ERR_DEV_READBACK;
        goto fail;
    }
    dev->policy = dev->update.policy; /* persist() names dev->policy's hash and version */
    dev->policy_slot = target;
    return persist(dev, next);

fail:
    unload(dev);
    return err;
}

/* The update path of sp_device_apply (device.h). */
static sp_err apply_update(sp_device *dev, const uint8_t *bundle, size_t len,
                           sp_bundle_report *report, uint32_t *err_line)
{
    sp_update_result *u = &dev->update;
    sp_device_state next;
    uint64_t q;
    uint64_t window;
    sp_err err;

    err = sp_bundle_verify_update(&dev->policy, bundle, len, dev->crypto, &dev->work, u,
                                  &dev->update_report, report, err_line);
    raise_attested_time(dev, report);
    /* Re-check what adoption relies on, whatever the lower layers guarantee. */
    if (err == SP_OK &&
        (u->policy.version != dev->policy.version + 1u ||
         memcmp(u->update.policy_hash, dev->policy.hash, SP_SHA256_BYTES) != 0 ||
         memcmp(u->update.new_policy_hash, u->policy.hash, SP_SHA256_BYTES) != 0 ||
         u->update.policy_len > report->leaf_len ||
         u->update.policy_offset > report->leaf_len - u->update.policy_len))
        err = SP_ERR_UPDATE_FORMAT;
    if (err != SP_OK) {
        memset(u, 0, sizeof *u);
        return refused(dev, err);
    }

    next = dev->state; /* epoch, mode, allowance carry over; T_att as raised */
    if (u->update.time_reset) {
        /* Recovery from a poisoned attested time: down to the quorum time of the
         * checkpoint that proves this update's publication, only when T_att is beyond
         * anything an honest epoch could need (epoch-length + max-staleness past it). */
        q = report->witnesses.quorum_time;
        window = u->policy.epoch_length + u->policy.max_staleness;
        if (dev->attested_ram > q && dev->attested_ram - q > window) {
            dev->attested_ram = q;
            next.attested_time = q;
        }
    }
    err = adopt_policy(dev, &next);
    memset(u, 0, sizeof *u);
    return err;
}

sp_err sp_device_apply(sp_device *dev, const uint8_t *bundle, size_t len,
                       sp_bundle_report *report, uint32_t *err_line)
{
    sp_bundle_report local_report;
    uint32_t local_line = 0;
    sp_leaf_kind kind = SP_LEAF_STATEMENT;
    sp_statement st;
    sp_device_state next;
    sp_err err;

    if (report == NULL)
        report = &local_report;
    if (err_line == NULL)
        err_line = &local_line;
    memset(report, 0, sizeof *report);
    *err_line = 0;
    if (dev == NULL || bundle == NULL)
        return SP_ERR_ARGUMENT;
    if (!is_loaded(dev))
        return SP_ERR_DEV_NOT_LOADED;

    /* Dispatch on the leaf's type.  An envelope that does not decode takes the statement
     * path, which names what is wrong with it. */
    if (sp_bundle_kind(bundle, len, &dev->work, &kind) == SP_OK && kind == SP_LEAF_UPDATE)
        return apply_update(dev, bundle, len, report, err_line);

    /* Only the current policy decides: this is the one path to allowance (R5), and only
     * for statements that were published and witnessed (R6). */
    err = sp_bundle_verify(&dev->policy, bundle, len, dev->crypto, &dev->work, &st, report,
                           err_line);
    raise_attested_time(dev, report);
    if (err == SP_OK) {
        /* Re-check what the device relies on, whatever the lower layers guarantee. */
        if (st.type != SP_STMT_AUTHORISATION)
            err = SP_ERR_STMT_WRONG_TYPE;
        else if (memcmp(st.policy_hash, dev->policy.hash, SP_SHA256_BYTES) != 0)
            err = SP_ERR_STMT_POLICY;
        else if (st.epoch > SP_MAX_EPOCH)
            err = SP_ERR_STMT_EPOCH_RANGE;
        else if (!((st.mode == SP_MODE_RUN && st.permille == 0) ||
                   (st.mode == SP_MODE_THROTTLE && st.permille >= 1 && st.permille <= 999) ||
                   (st.mode == SP_MODE_PAUSE && st.permille == 0)))
            err = SP_ERR_STMT_MODE;
    }
    if (err == SP_OK)
        err = check_attested_time(dev, &st);
    /* Replay protection without a clock: strictly increasing epochs.  The same epoch is
     * refused too, even with another mode: that is equivocation by the signers, and the
     * first statement seen stands. */
    if (err == SP_OK && dev->state.has_epoch && st.epoch <= dev->state.highest_epoch)
        err = SP_ERR_DEV_EPOCH_NOT_NEWER;
    if (err != SP_OK)
        return refused(dev, err);

    next = dev->state;
    next.has_epoch = 1u;
    next.highest_epoch = st.epoch;
    next.mode = st.mode;
    next.permille = st.mode == SP_MODE_THROTTLE ? st.permille : 0u;
    /* SET, never add: a backlog of statements is worth one allowance, not many. */
    next.allowance = st.mode == SP_MODE_PAUSE ? 0u : dev->policy.allowance;
    if (st.mode == SP_MODE_PAUSE) {
        next.last_decision = SP_MODE_PAUSE;
        next.last_reason = SP_ERR_DEV_PAUSED;
    } else {
        next.last_decision = st.mode;
        next.last_reason = SP_OK;
    }

    /* The old epoch's reservation dies with it, even if the write below fails. */
    dev->reserved = 0;
    return persist(dev, &next);
}

/* ---- consume ------------------------------------------------------------------------ */

/* Record a refusal in RAM only (see the top of the file) and report PAUSE. */
static sp_err refuse(sp_device *dev, sp_decision *out, sp_err why)
{
    dev->state.last_decision = SP_MODE_PAUSE;
    dev->state.last_reason = why;
    out->reason = why;
    return why;
}

/* The PAUSE decision for `why` (every field set, so no caller can read a stale grant). */
static sp_err pause_decision(sp_decision *out, sp_err why)
{
    out->mode = SP_MODE_PAUSE;
    out->permille = 0;
    out->granted = 0;
    out->reason = why;
    return why;
}

sp_err sp_device_decide(const sp_device *dev, sp_decision *out)
{
    uint32_t mode;

    if (out == NULL)
        return SP_ERR_ARGUMENT;
    if (dev == NULL)
        return pause_decision(out, SP_ERR_ARGUMENT);
    if (!is_loaded(dev))
        return pause_decision(out, SP_ERR_DEV_NOT_LOADED);
    if (!dev->state.has_epoch)
        return pause_decision(out, SP_ERR_DEV_NO_AUTHORISATION);
    mode = dev->state.mode;
    if (mode != SP_MODE_RUN && mode != SP_MODE_THROTTLE)
        return pause_decision(out, SP_ERR_DEV_PAUSED); /* PAUSE, or any unexpected word */
    if (dev->state.allowance == 0 && dev->reserved == 0)
        return pause_decision(out, SP_ERR_DEV_EXHAUSTED);
    out->mode = mode;
    out->permille = mode == SP_MODE_RUN ? 1000u : dev->state.permille;
    out->granted = dev->state.allowance > UINT64_MAX - dev->reserved
                       ? UINT64_MAX
                       : dev->state.allowance + dev->reserved;
    out->reason = SP_OK;
    return SP_OK;
}

sp_err sp_device_consume(sp_device *dev, uint64_t seconds, sp_decision *out)
{
    sp_device_state next;
    sp_decision now;
    uint64_t grant;
    uint32_t mode;
    sp_err err;

    if (out == NULL)
        return SP_ERR_ARGUMENT;
    /* Default decision: PAUSE.  Only the success path below overwrites it. */
    (void)pause_decision(out, SP_ERR_ARGUMENT);
    if (dev == NULL || seconds == 0)
        return SP_ERR_ARGUMENT;
    /* The same decision sp_device_decide reports; refusals are kept in RAM only. */
    err = sp_device_decide(dev, &now);
    if (err == SP_ERR_DEV_NOT_LOADED)
        return pause_decision(out, err);
    if (err != SP_OK)
        return refuse(dev, out, err);
    mode = now.mode;

    if (dev->reserved >= seconds) {
        /* Already paid for: served from RAM, no write. */
        dev->reserved -= seconds;
        grant = seconds;
    } else if (dev->state.allowance == 0) {
        grant = dev->reserved; /* the last of the allowance: a partial grant */
        dev->reserved = 0;
    } else {
        /* Reserve a chunk: one counter increment per SP_CONSUME_CHUNK_SECONDS, not per
         * call.  The same rate in every mode: throttling limits capacity, not the
         * clock, so a throttled device cannot stretch an epoch. */
        uint64_t need = seconds - dev->reserved;
        uint64_t debit = need < SP_CONSUME_CHUNK_SECONDS ? SP_CONSUME_CHUNK_SECONDS : need;
        uint64_t total;
        if (debit > dev->state.allowance)
            debit = dev->state.allowance;
        next = dev->state;
        next.allowance -= debit;
        next.last_decision = mode;
        next.last_reason = SP_OK;
        err = persist(dev, &next); /* before anything is granted */
        if (err != SP_OK) {
            out->reason = err;
            return err;
        }
        total = dev->reserved + debit;
        grant = total < seconds ? total : seconds;
        dev->reserved = total - grant;
    }

    dev->state.last_decision = mode;
    dev->state.last_reason = SP_OK;

    /* Derive the decision from the state once more, so that a single skipped branch
     * cannot turn a paused or unloaded context into RUN. */
    if (!is_loaded(dev) || !dev->state.has_epoch || dev->state.mode != mode ||
        (mode != SP_MODE_RUN && mode != SP_MODE_THROTTLE) || grant == 0) {
        unload(dev);
        out->reason = SP_ERR_DEV_NOT_LOADED;
        return SP_ERR_DEV_NOT_LOADED;
    }
    out->mode = dev->state.mode;
    out->permille = dev->state.mode == SP_MODE_RUN ? 1000u : dev->state.permille;
    out->granted = grant;
    out->reason = SP_OK;
    return SP_OK;
}

/* ---- status ------------------------------------------------------------------------- */

sp_err sp_device_status(const sp_device *dev, sp_device_state *out)
{
    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (dev == NULL)
        return SP_ERR_ARGUMENT;
    if (!is_loaded(dev))
        return SP_ERR_DEV_NOT_LOADED;
    *out = dev->state;
    return SP_OK;
}

sp_err sp_device_anchor(const sp_device *dev, uint8_t out[SP_SHA256_BYTES])
{
    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, SP_SHA256_BYTES);
    if (dev == NULL)
        return SP_ERR_ARGUMENT;
    if (!is_loaded(dev))
        return SP_ERR_DEV_NOT_LOADED;
    memcpy(out, dev->anchor, SP_SHA256_BYTES);
    return SP_OK;
}
