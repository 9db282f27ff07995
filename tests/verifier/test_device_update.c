/*
 * test_device_update.c -- a device adopting policy updates (device.h; protocol.md section
 * 18): dispatch on the leaf's type, adoption into the other policy slot, what carries over,
 * statements after an update, a power cut at every adoption step, a chain of updates
 * after a long time offline, rolled-back and corrupt images, time reset, and devices
 * provisioned before updates existed.
 *
 * Updates come from tests/support/update_fixture.c (P1 -> P2 -> P3, real keys), extended
 * here to P4..P6 (each the previous policy with the next version), in bundles built by
 * tests/support/pub_fixture.c, never by the library.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "softpause/device.h"
#include "softpause/host/sodium_crypto.h"
#include "support/memio.h"
#include "support/pub_fixture.h"
#include "support/state_v1.h"
#include "support/update_fixture.h"

enum { NPOL = 6 };
/* Signs every statement of the chain: civ-alpha (civil), mil-alpha, mil-beta. */
#define QUORUM (PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B))
#define DAY 86400u

static uf_world W;
static char ptext[NPOL][UF_POLICY_CAP]; /* P1..P6 */
static size_t plen[NPOL];
static sp_policy pol[NPOL];
static memio M;
static sp_device D;
static sp_sodium_device K;
static const sp_crypto *crypto;
static sp_bundle_report rep;
static char text[SP_MAX_NOTE_BYTES], note[SP_MAX_NOTE_BYTES * 2];
static char bundle[SP_MAX_BUNDLE_BYTES * 2];
static const uint8_t device_key[32] = {0x42, 0x17};

static void make_chain(void)
{
    char from[32], to[32];
    for (int i = 0; i < 3; i++) {
        memcpy(ptext[i], W.text[i], W.len[i] + 1);
        plen[i] = W.len[i];
    }
    for (int i = 3; i < NPOL; i++) {
        snprintf(from, sizeof from, "\nversion %d\n", i);
        snprintf(to, sizeof to, "\nversion %d\n", i + 1);
        plen[i] = uf_variant(ptext[i], UF_POLICY_CAP, ptext[i - 1], from, to);
    }
    for (int i = 0; i < NPOL; i++)
        if (sp_policy_parse(&pol[i], (const uint8_t *)ptext[i], plen[i], sp_sodium_crypto(),
                            NULL) != SP_OK) {
            fprintf(stderr, "policy %d does not parse\n", i + 1);
            abort();
        }
}

/* Signer keys of P1 (index 0) and of P2 onwards. */
static uint32_t keys_of(int i)
{
    return i == 0 ? UF_P1_KEYS : i == 1 ? UF_P2_KEYS : UF_P3_KEYS;
}

/* The update P[from] -> P[from + 1] signed by both quorums, in a bundle cosigned at t. */
static size_t update_bundle(int from, uint64_t t, int time_reset)
{
    size_t n = uf_update_text(text, sizeof text, &pol[from], (uint64_t)from + 2, ptext[from + 1],
                              time_reset);
    (void)n;
    n = uf_sign(note, sizeof note, &W, text, keys_of(from) | keys_of(from + 1));
    return pub_bundle_at(bundle, sizeof bundle, &W.pf.pub, t, note, n);
}

/* The statement for epoch under P[i], signed by QUORUM, cosigned at t. */
static size_t statement_bundle_at(int i, uint64_t epoch, const char *mode, uint64_t t)
{
    size_t n = pf_statement_text(text, sizeof text, &pol[i], epoch, mode);
    (void)n;
    n = pf_sign_mask(note, sizeof note, text, W.keys, UF_NKEYS, QUORUM);
    return pub_bundle_at(bundle, sizeof bundle, &W.pf.pub, t, note, n);
}

static size_t statement_bundle(int i, uint64_t epoch, const char *mode)
{
    return statement_bundle_at(i, epoch, mode, pf_epoch_time(&pol[i], epoch));
}

static sp_err apply(size_t n)
{
    uint32_t line = 0;
    return sp_device_apply(&D, (const uint8_t *)bundle, n, &rep, &line);
}

static sp_err reboot(void)
{
    return sp_device_load(&D, &M.io, crypto);
}

static void provision(void)
{
    memio_init(&M);
    CHECK_OK(sp_device_init(&D, &M.io, crypto, (const uint8_t *)ptext[0], plen[0]));
}

static sp_device_state status(void)
{
    sp_device_state st;
    CHECK_OK(sp_device_status(&D, &st));
    return st;
}

/* The device runs policy i (0-based) and says so after a reboot too. */
static void expect_policy(int i)
{
    sp_device_state st = status();
    uint8_t anchor[32];
    CHECK(st.policy_version == (uint64_t)i + 1 && memcmp(st.policy_hash, pol[i].hash, 32) == 0);
    CHECK(D.policy.version == (uint64_t)i + 1 && memcmp(D.policy.hash, pol[i].hash, 32) == 0);
    CHECK_OK(sp_device_anchor(&D, anchor));
    CHECK(memcmp(anchor, pol[0].hash, 32) == 0); /* the anchor never moves */
}

/* ---- adoption ------------------------------------------------------------------------ */

static void update_adopted_state_carries_over(void)
{
    sp_device_state before, after;
    sp_decision dec;
    uint64_t t1 = pf_epoch_time(&pol[0], 1);
    provision();
    CHECK_OK(apply(statement_bundle(0, 1, "throttle 250")));
    CHECK_OK(sp_device_consume(&D, 10, &dec));
    before = status();
    /* Published a day into epoch 1: T_att rises with the checkpoint. */
    CHECK_OK(apply(update_bundle(0, t1 + DAY, 0)));
    after = status();
    expect_policy(1);
    CHECK(after.highest_epoch == 1 && after.has_epoch == 1);
    CHECK(after.mode == SP_MODE_THROTTLE && after.permille == 250);
    CHECK(after.allowance == before.allowance);
    CHECK(after.attested_time == t1 + DAY && after.stamp == before.stamp + 1);
    /* The new bytes went into the other policy slot; the old ones are untouched. */
    CHECK(M.ext.policy_written[1] && M.ext.policy_len[1] == plen[1]);
    CHECK(memcmp(M.ext.policy[1], ptext[1], plen[1]) == 0);
    CHECK(memcmp(M.ext.policy[0], ptext[0], plen[0]) == 0);
    /* The held authorisation keeps running, from the RAM reservation too. */
    CHECK_OK(sp_device_consume(&D, 10, &dec));
    CHECK(dec.mode == SP_MODE_THROTTLE && dec.granted == 10);
    CHECK_OK(reboot());
    expect_policy(1);
    CHECK(status().highest_epoch == 1);
    CHECK_OK(sp_device_decide(&D, &dec));
    CHECK(dec.mode == SP_MODE_THROTTLE);
    /* A statement naming the old policy is refused; the new policy's is accepted. */
    CHECK_ERR(apply(statement_bundle(0, 2, "run")), SP_ERR_STMT_POLICY);
    CHECK_OK(apply(statement_bundle(1, 2, "run")));
    CHECK(status().highest_epoch == 2 && status().mode == SP_MODE_RUN);
    /* Replaying the update: not newer.  The next one goes back into slot 0. */
    CHECK_ERR(apply(update_bundle(0, t1 + DAY, 0)), SP_ERR_UPDATE_NOT_NEWER);
    CHECK_OK(apply(update_bundle(1, pf_epoch_time(&pol[1], 2) + DAY, 0)));
    expect_policy(2);
    CHECK(M.ext.policy_len[0] == plen[2] && memcmp(M.ext.policy[0], ptext[2], plen[2]) == 0);
    CHECK_OK(reboot());
    expect_policy(2);
}

/* An update skipping a version is refused and nothing is written. */
static void update_skipped_changes_nothing(void)
{
    unsigned long writes;
    provision();
    CHECK_OK(apply(statement_bundle(0, 1, "run")));
    writes = M.count[MEMIO_SLOT_WRITE] + M.count[MEMIO_POLICY_WRITE];
    /* P2 -> P3 on a P1 device: P3's header names P2's hash and version 3. */
    CHECK_ERR(apply(update_bundle(1, pf_epoch_time(&pol[0], 1), 0)), SP_ERR_UPDATE_SKIPPED);
    CHECK(M.count[MEMIO_SLOT_WRITE] + M.count[MEMIO_POLICY_WRITE] == writes);
    expect_policy(0);
}

/* Updates are exempt from the freeze defence: an update published long before T_att
 * still applies (the version chain orders updates, not time). */
static void update_exempt_from_freeze(void)
{
    provision();
    CHECK_OK(apply(update_bundle(0, PF_GENESIS + DAY, 0))); /* not yet applied ... */
    provision();
    CHECK_OK(apply(statement_bundle(0, 20, "run"))); /* ... by a device at epoch 20 */
    CHECK_OK(apply(update_bundle(0, PF_GENESIS + DAY, 0)));
    expect_policy(1);
    CHECK(status().attested_time == pf_epoch_time(&pol[0], 20)); /* T_att never falls */
}

/* ---- power cuts ---------------------------------------------------------------------- */

static size_t sweep_len;
static int sweep_saw[2];

static void sweep_prepare(memio *m, void *arg)
{
    (void)arg;
    CHECK_OK(sp_device_load(&D, &m->io, crypto));
}

static uint64_t sweep_run(memio *m, void *arg)
{
    uint32_t line = 0;
    (void)m;
    (void)arg;
    return (uint64_t)sp_device_apply(&D, (const uint8_t *)bundle, sweep_len, &rep, &line);
}

static void sweep_check(memio *m, long cut, uint64_t result, void *arg)
{
    sp_device_state st;
    int completed = !m->power_lost && (sp_err)result == SP_OK;
    (void)arg;
    (void)cut;
    /* Boots, always, into exactly the old or the new policy. */
    CHECK_OK(sp_device_load(&D, &m->io, crypto));
    CHECK_OK(sp_device_status(&D, &st));
    CHECK(st.policy_version == 1 || st.policy_version == 2);
    if (st.policy_version != 1 && st.policy_version != 2)
        return;
    CHECK(memcmp(st.policy_hash, pol[st.policy_version - 1].hash, 32) == 0);
    CHECK(memcmp(D.policy.hash, pol[st.policy_version - 1].hash, 32) == 0);
    CHECK(st.highest_epoch == 1 && st.mode == SP_MODE_RUN);
    sweep_saw[st.policy_version - 1] = 1;
    if (completed)
        CHECK(st.policy_version == 2);
    /* The old policy can always still take the update. */
    if (st.policy_version == 1) {
        uint32_t line = 0;
        CHECK_OK(sp_device_apply(&D, (const uint8_t *)bundle, sweep_len, &rep, &line));
        CHECK_OK(sp_device_load(&D, &m->io, crypto));
        CHECK(D.state.policy_version == 2);
    }
}

static void update_power_cut_at_every_step(void)
{
    static const size_t tears[] = {0, 1, 64};
    for (size_t i = 0; i < sizeof tears / sizeof tears[0]; i++) {
        memio_sweep sw = {sweep_prepare, sweep_run, sweep_check, NULL};
        unsigned long points;
        provision();
        CHECK_OK(apply(statement_bundle(0, 1, "run")));
        sweep_len = update_bundle(0, pf_epoch_time(&pol[0], 1) + DAY, 0);
        M.tear_bytes = tears[i];
        sweep_saw[0] = sweep_saw[1] = 0;
        points = memio_cut_sweep(&M, &sw);
        /* cut before: the policy write, its read-back, the record write, its read-back,
         * the counter increment, its read; then a run that completes */
        CHECK(points == 7);
        CHECK(sweep_saw[0] && sweep_saw[1]);
    }
}

/* ---- a long time offline ------------------------------------------------------------- */

static void five_updates_after_long_offline(void)
{
    uint64_t now = 60; /* the epoch the world has reached */
    provision();
    CHECK_OK(apply(statement_bundle(0, 1, "run")));
    /* Offline for a year; meanwhile five updates were published, at epochs 10, 20, ... */
    for (int i = 0; i < NPOL - 1; i++) {
        uint64_t t = pf_epoch_time(&pol[i], (uint64_t)(i + 1) * 10);
        if (i == 2) /* out of order: the next-but-one first is a skip */
            CHECK_ERR(apply(update_bundle(i + 1, t, 0)), SP_ERR_UPDATE_SKIPPED);
        CHECK_OK(apply(update_bundle(i, t, 0)));
        expect_policy(i + 1);
        CHECK(status().attested_time == t);
    }
    CHECK_OK(reboot());
    expect_policy(NPOL - 1);
    /* The old policies' statements are refused, the current one's accepted. */
    CHECK_ERR(apply(statement_bundle(0, now, "run")), SP_ERR_STMT_POLICY);
    CHECK_ERR(apply(statement_bundle(NPOL - 2, now, "run")), SP_ERR_STMT_POLICY);
    CHECK_OK(apply(statement_bundle(NPOL - 1, now, "run")));
    CHECK(status().highest_epoch == now && status().allowance == PF_ALLOWANCE);
    CHECK_ERR(apply(update_bundle(NPOL - 2, pf_epoch_time(&pol[0], now), 0)),
              SP_ERR_UPDATE_NOT_NEWER);
}

/* ---- images -------------------------------------------------------------------------- */

static void rolled_back_image_across_update(void)
{
    memio_image before;
    provision();
    CHECK_OK(apply(statement_bundle(0, 1, "run")));
    memio_snapshot(&M, &before); /* records and policy slots before the update */
    CHECK_OK(apply(update_bundle(0, pf_epoch_time(&pol[0], 1) + DAY, 0)));
    CHECK_OK(reboot());
    expect_policy(1);
    memio_restore(&M, &before);
    CHECK_ERR(reboot(), SP_ERR_DEV_ROLLBACK);
    CHECK_ERR(apply(update_bundle(0, pf_epoch_time(&pol[0], 1) + DAY, 0)), SP_ERR_DEV_NOT_LOADED);
}

static void corrupt_policy_slot_is_missing(void)
{
    provision();
    CHECK_OK(apply(statement_bundle(0, 1, "run")));
    CHECK_OK(apply(update_bundle(0, pf_epoch_time(&pol[0], 1) + DAY, 0)));
    /* The old policy's slot may go: it is no longer current. */
    M.ext.policy[0][10] ^= 0x20;
    CHECK_OK(reboot());
    expect_policy(1);
    /* The current one may not: hashed before parsing, no slot holds it, pause. */
    M.ext.policy[1][plen[1] - 3] ^= 0x01;
    CHECK_ERR(reboot(), SP_ERR_DEV_POLICY_MISSING);
    M.ext.policy[1][plen[1] - 3] ^= 0x01;
    CHECK_OK(reboot());
    /* The new policy's bytes copied over the old slot too: found by hash, wherever. */
    memcpy(M.ext.policy[0], M.ext.policy[1], plen[1]);
    M.ext.policy_len[0] = plen[1];
    memset(M.ext.policy[1], 0xFF, plen[1]);
    M.ext.policy_written[1] = 0;
    CHECK_OK(reboot());
    expect_policy(1);
}

/* A policy write or its read-back failing: nothing adopted, the old policy boots. */
static void adoption_write_failures(void)
{
    static const struct {
        enum memio_op op;
        sp_err want;
    } f[] = {{MEMIO_POLICY_WRITE, SP_ERR_DEV_STORAGE}, {MEMIO_POLICY_READ, SP_ERR_DEV_STORAGE}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        size_t n;
        provision();
        CHECK_OK(apply(statement_bundle(0, 1, "run")));
        n = update_bundle(0, pf_epoch_time(&pol[0], 1) + DAY, 0);
        memio_fail_nth(&M, f[i].op, 1);
        CHECK_ERR(apply(n), f[i].want);
        CHECK_ERR(apply(n), SP_ERR_DEV_NOT_LOADED); /* unloaded until the next boot */
        CHECK_OK(reboot());
        expect_policy(0);
        CHECK_OK(apply(n));
        expect_policy(1);
    }
}

/* The policy slot reads back other bytes than were written: SP_ERR_DEV_READBACK. */
static int flip_policy_reads;
static int flipping_policy_read(void *ctx, uint32_t slot, uint8_t *buf, size_t cap, size_t *len)
{
    int r = M.io.policy_read(ctx, slot, buf, cap, len);
    if (r == 0 && flip_policy_reads && *len > 0)
        buf[*len - 1] ^= 0x01;
    return r;
}

static void adoption_read_back_differs(void)
{
    sp_device_io io;
    size_t n;
    provision();
    CHECK_OK(apply(statement_bundle(0, 1, "run")));
    io = M.io;
    io.policy_read = flipping_policy_read;
    CHECK_OK(sp_device_load(&D, &io, crypto));
    n = update_bundle(0, pf_epoch_time(&pol[0], 1) + DAY, 0);
    flip_policy_reads = 1;
    CHECK_ERR(apply(n), SP_ERR_DEV_READBACK);
    flip_policy_reads = 0;
    CHECK_OK(reboot());
    expect_policy(0);
    CHECK(status().highest_epoch == 1);
}

/* ---- time reset ---------------------------------------------------------------------- */

/* A device whose attested time a bad witness quorum pushed to the ceiling. */
static void poison(void)
{
    const uint64_t ceiling = SP_COSIG_TIME_LIMIT - 1;
    provision();
    CHECK_OK(apply(statement_bundle(0, 1, "run")));
    CHECK_ERR(apply(statement_bundle_at(0, 2, "run", ceiling)), SP_ERR_DEV_FROZEN);
    CHECK(status().attested_time == ceiling);
}

static void time_reset_recovers_poisoned_device(void)
{
    const uint64_t now = 30;
    const uint64_t t = pf_epoch_time(&pol[0], now);
    poison();
    CHECK_ERR(apply(statement_bundle(0, now, "run")), SP_ERR_DEV_FROZEN); /* frozen */
    /* Without the line, an update changes no time: still frozen under P2. */
    CHECK_OK(apply(update_bundle(0, t, 0)));
    CHECK(status().attested_time == SP_COSIG_TIME_LIMIT - 1);
    CHECK_ERR(apply(statement_bundle(1, now, "run")), SP_ERR_DEV_FROZEN);
    /* With it: T_att down to the update's checkpoint time, the current epoch accepted. */
    CHECK_OK(apply(update_bundle(1, t, 1)));
    expect_policy(2);
    CHECK(status().attested_time == t && status().highest_epoch == 1);
    CHECK_OK(reboot());
    CHECK(status().attested_time == t && D.attested_ram == t);
    CHECK_OK(apply(statement_bundle(2, now, "run")));
    CHECK(status().highest_epoch == now);
    /* Replaying it: not newer (and no time moves). */
    CHECK_ERR(apply(update_bundle(1, t, 1)), SP_ERR_UPDATE_NOT_NEWER);
    CHECK(status().attested_time == t);
}

static void time_reset_on_honest_device_changes_no_time(void)
{
    const uint64_t t5 = pf_epoch_time(&pol[0], 5);
    provision();
    CHECK_OK(apply(statement_bundle(0, 5, "run")));
    /* T_att = t5; the update's checkpoint a day older, within epoch-length + max-staleness */
    CHECK_OK(apply(update_bundle(0, t5 - DAY, 1)));
    expect_policy(1);
    CHECK(status().attested_time == t5 && D.attested_ram == t5);
    /* ... and one newer simply raises it, as every checkpoint does. */
    CHECK_OK(apply(update_bundle(1, t5 + DAY, 1)));
    CHECK(status().attested_time == t5 + DAY);
    /* The highest epoch is kept: no older statement can be replayed. */
    CHECK_ERR(apply(statement_bundle(2, 5, "run")), SP_ERR_DEV_EPOCH_NOT_NEWER);
}

static void time_reset_boundary(void)
{
    const uint64_t window = PF_EPOCH_LENGTH + PF_MAX_STALENESS;
    const uint64_t t = pf_epoch_time(&pol[0], 3);
    /* T_att exactly window past the checkpoint: not "more than", nothing changes. */
    provision();
    CHECK_ERR(apply(statement_bundle_at(0, 3, "run", t + window)), SP_ERR_DEV_FROZEN);
    CHECK(status().attested_time == t + window);
    CHECK_OK(apply(update_bundle(0, t, 1)));
    CHECK(status().attested_time == t + window);
    /* One second more: lowered. */
    provision();
    CHECK_ERR(apply(statement_bundle_at(0, 3, "run", t + window + 1)), SP_ERR_DEV_FROZEN);
    CHECK(status().attested_time == t + window + 1);
    CHECK_OK(apply(update_bundle(0, t, 1)));
    CHECK(status().attested_time == t);
}

/* ---- devices from before updates ----------------------------------------------------- */

/* A device provisioned before policy updates: its policy in the one area a port had (slot
 * 0), slot 1 never written, a version 1 record.  It loads unchanged and takes updates. */
static void pre_existing_device_loads_and_updates(void)
{
    sp_device_state st;
    memset(&st, 0, sizeof st);
    memio_init(&M);
    memcpy(M.anchor, pol[0].hash, 32);
    M.anchor_set = 1;
    memcpy(M.ext.policy[0], ptext[0], plen[0]);
    M.ext.policy_len[0] = plen[0];
    M.ext.policy_written[0] = 1;
    st.stamp = 7;
    memcpy(st.policy_hash, pol[0].hash, 32);
    st.policy_version = 1;
    st.has_epoch = 1;
    st.highest_epoch = 4;
    st.allowance = 1000;
    st.mode = SP_MODE_RUN;
    st.last_decision = SP_MODE_RUN;
    st.last_reason = SP_OK;
    sv1_record(M.ext.slots[0], &st, device_key);
    M.ext.slot_written[0] = 1;
    M.counter = 7;
    CHECK_OK(reboot());
    expect_policy(0);
    CHECK(status().highest_epoch == 4 && status().allowance == 1000);
    CHECK_OK(apply(update_bundle(0, pf_epoch_time(&pol[0], 4) + DAY, 0)));
    expect_policy(1);
    CHECK(status().highest_epoch == 4 && status().allowance == 1000);
    CHECK(M.ext.policy_written[1] && memcmp(M.ext.policy[0], ptext[0], plen[0]) == 0);
    CHECK_OK(reboot());
    expect_policy(1);
}

/* sp_device_anchor on an unloaded context. */
static void anchor_needs_loaded_device(void)
{
    uint8_t a[32];
    sp_device blank;
    memset(&blank, 0, sizeof blank);
    CHECK_ERR(sp_device_anchor(&blank, a), SP_ERR_DEV_NOT_LOADED);
    CHECK_ERR(sp_device_anchor(NULL, a), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_device_anchor(&blank, NULL), SP_ERR_ARGUMENT);
}

int main(void)
{
    uf_world_make(&W);
    make_chain();
    sp_sodium_device_setup(&K, device_key);
    crypto = &K.crypto;
    RUN_TEST(update_adopted_state_carries_over);
    RUN_TEST(update_skipped_changes_nothing);
    RUN_TEST(update_exempt_from_freeze);
    RUN_TEST(update_power_cut_at_every_step);
    RUN_TEST(five_updates_after_long_offline);
    RUN_TEST(rolled_back_image_across_update);
    RUN_TEST(corrupt_policy_slot_is_missing);
    RUN_TEST(adoption_write_failures);
    RUN_TEST(adoption_read_back_differs);
    RUN_TEST(time_reset_recovers_poisoned_device);
    RUN_TEST(time_reset_on_honest_device_changes_no_time);
    RUN_TEST(time_reset_boundary);
    RUN_TEST(pre_existing_device_loads_and_updates);
    RUN_TEST(anchor_needs_loaded_device);
    return harness_finish("device-update");
}
