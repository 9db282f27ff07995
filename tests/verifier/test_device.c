/*
 * test_device.c -- the device state machine (softpause/device.h) over in-memory storage
 * with fault injection (tests/support/memio.h).
 *
 * Policies and statements are built here from the text formats of policy.h and
 * statement.h, signed with libsodium through tests/support/fixture.h -- independently of
 * the library's own formatters, so the device must accept what an outside signer made.
 * Every statement reaches the device as it would in the field: inside a bundle
 * (tests/support/pub_fixture.h: inclusion proof, log signature, witness cosignatures),
 * cosigned an hour into the statement's epoch unless a test is about the attested time.
 *
 * Power-cut properties are checked at EVERY storage operation of a scenario
 * (memio_cut_sweep), with clean cuts and with torn slot writes.
 */
#include <sodium.h>
#include <stdio.h>

#include "harness.h"
#include "softpause/device.h"
#include "softpause/host/sodium_crypto.h"
#include "support/fixture.h"
#include "support/memio.h"
#include "support/pub_fixture.h"
#include "support/state_v1.h"

#define DEPLOYMENT "dacc-test"
#define GENESIS 1700000000ull
#define EPOCH_LENGTH 604800ull
#define ALLOWANCE 604800ull
#define MAX_STALENESS 604800ull
#define HOUR 3600ull

static sp_sodium_device holder;
static const sp_crypto *crypto;
static fx_key keys[5];
static pub_world PW; /* the log and witnesses of the policy's witness block */
static const char *const bodies[5] = { "body-a", "body-b", "body-c", "body-d", "body-e" };
static const char *const body_tags[5] = { "civil", "military", "civil", "military", "civil" };

/* The device under test and its storage: far too big for the stack. */
static memio M;
static sp_device D;

static char policy_text[8192];
static size_t policy_len;
static uint8_t policy_hash[32];

/* ---- building policies and statements ------------------------------------------------ */

static size_t make_policy(char *out, size_t cap, uint64_t allowance)
{
    size_t n = 0;
    n += (size_t)snprintf(out + n, cap - n,
                          "softpause-policy/v1\ndeployment " DEPLOYMENT "\nversion 1\n"
                          "genesis %llu\nepoch-length %llu\nallowance %llu\n"
                          "max-staleness %llu\ntags civil military\n",
                          GENESIS, EPOCH_LENGTH, (unsigned long long)allowance, MAX_STALENESS);
    for (int i = 0; i < 5; i++)
        n += (size_t)snprintf(out + n, cap - n, "signer %s %s %s\n", bodies[i], body_tags[i],
                              keys[i].vkey);
    n += (size_t)snprintf(out + n, cap - n, "rule 1 tag civil\nrule 3 all\n");
    if (n >= cap)
        abort();
    return n + pub_witness_policy_text(out + n, cap - n, &PW);
}

static void hash_policy(uint8_t out[32], const char *text, size_t len)
{
    crypto_hash_sha256_state st;
    static const char domain[] = "softpause/policy-hash/v1\n";
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)domain, sizeof domain - 1);
    crypto_hash_sha256_update(&st, (const uint8_t *)text, len);
    crypto_hash_sha256_final(&st, out);
}

static void use_policy(uint64_t allowance)
{
    policy_len = make_policy(policy_text, sizeof policy_text, allowance);
    hash_policy(policy_hash, policy_text, policy_len);
}

static char note_buf[8192];

/* A statement for the current policy, signed by the first `nsig` keys. */
static size_t make_statement(uint64_t epoch, uint32_t mode, uint32_t permille, size_t nsig)
{
    char text[1024], hex[65], mode_line[32];
    const fx_key *signers[5];
    sodium_bin2hex(hex, sizeof hex, policy_hash, 32);
    if (mode == SP_MODE_RUN)
        snprintf(mode_line, sizeof mode_line, "mode run");
    else if (mode == SP_MODE_THROTTLE)
        snprintf(mode_line, sizeof mode_line, "mode throttle %u", (unsigned)permille);
    else
        snprintf(mode_line, sizeof mode_line, "mode pause");
    snprintf(text, sizeof text,
             "softpause/v1 authorisation " DEPLOYMENT "\npolicy %s\nepoch %llu\nstart %llu\n%s\n",
             hex, (unsigned long long)epoch, (unsigned long long)(GENESIS + epoch * EPOCH_LENGTH),
             mode_line);
    for (size_t i = 0; i < nsig; i++)
        signers[i] = &keys[i];
    return fx_note(note_buf, sizeof note_buf, text, signers, nsig);
}

/* When the statement for `epoch` is published: an hour into the epoch. */
static uint64_t epoch_time(uint64_t epoch)
{
    return GENESIS + epoch * EPOCH_LENGTH + HOUR;
}

static char bundle_buf[SP_MAX_BUNDLE_BYTES];
static sp_bundle_report report;

/* Wrap note_buf[0..n) in a valid bundle whose witnesses all cosign at `time`, and apply. */
static sp_err apply_note_at(size_t n, uint64_t time)
{
    uint32_t line;
    size_t len = pub_bundle_at(bundle_buf, sizeof bundle_buf, &PW, time, note_buf, n);
    return sp_device_apply(&D, (const uint8_t *)bundle_buf, len, &report, &line);
}

static sp_err apply_signed_at(uint64_t epoch, uint32_t mode, uint32_t permille, uint64_t time)
{
    return apply_note_at(make_statement(epoch, mode, permille, 3), time);
}

static sp_err apply_signed(uint64_t epoch, uint32_t mode, uint32_t permille)
{
    return apply_signed_at(epoch, mode, permille, epoch_time(epoch));
}

static sp_err reboot(void)
{
    return sp_device_load(&D, &M.io, crypto);
}

/* A fresh device provisioned with the current policy. */
static void provision(void)
{
    memio_init(&M);
    CHECK_OK(sp_device_init(&D, &M.io, crypto, (const uint8_t *)policy_text, policy_len));
}

static sp_device_state status(void)
{
    sp_device_state st;
    CHECK_OK(sp_device_status(&D, &st));
    return st;
}

/* Consume and return the grant (0 on any refusal), checking that refusals say PAUSE. */
static uint64_t consume(uint64_t seconds, sp_err *err_out)
{
    sp_decision d;
    sp_err e = sp_device_consume(&D, seconds, &d);
    if (err_out != NULL)
        *err_out = e;
    if (e != SP_OK) {
        CHECK(d.mode == SP_MODE_PAUSE && d.granted == 0 && d.permille == 0 && d.reason == e);
        return 0;
    }
    CHECK(d.reason == SP_OK && d.granted >= 1 && d.granted <= seconds);
    return d.granted;
}

static void expect_pause(uint64_t seconds, sp_err want)
{
    sp_decision d;
    memset(&d, 0xAB, sizeof d);
    CHECK_ERR(sp_device_consume(&D, seconds, &d), want);
    CHECK(d.mode == SP_MODE_PAUSE);
    CHECK(d.permille == 0 && d.granted == 0 && d.reason == want);
}

/* ---- init ---------------------------------------------------------------------------- */

static void test_init_factory_state(void)
{
    sp_device_state st;
    use_policy(ALLOWANCE);
    provision();
    st = status();
    CHECK(st.stamp == 1 && M.counter == 1);
    CHECK(st.has_epoch == 0 && st.highest_epoch == 0 && st.allowance == 0);
    CHECK(st.mode == SP_MODE_PAUSE && st.permille == 0);
    CHECK(st.last_decision == SP_MODE_PAUSE && st.last_reason == SP_ERR_DEV_NO_AUTHORISATION);
    CHECK(memcmp(st.policy_hash, policy_hash, 32) == 0 && st.policy_version == 1);
    CHECK(M.anchor_set && memcmp(M.anchor, policy_hash, 32) == 0);
    CHECK(M.ext.policy_len[0] == policy_len && memcmp(M.ext.policy[0], policy_text, policy_len) == 0);
    CHECK(!M.ext.policy_written[1]); /* provisioning fills policy slot 0 only */
    CHECK(M.ext.slot_written[0] && !M.ext.slot_written[1]);
    expect_pause(1, SP_ERR_DEV_NO_AUTHORISATION);
    /* Survives a reboot unchanged. */
    CHECK_OK(reboot());
    st = status();
    CHECK(st.stamp == 1 && st.has_epoch == 0 && st.mode == SP_MODE_PAUSE);
    expect_pause(1, SP_ERR_DEV_NO_AUTHORISATION);
}

static void test_init_only_at_factory(void)
{
    use_policy(ALLOWANCE);
    provision();
    CHECK_ERR(sp_device_init(&D, &M.io, crypto, (const uint8_t *)policy_text, policy_len),
              SP_ERR_DEV_NOT_FACTORY);
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);
    /* Erasing the flash does not re-open provisioning: the counter remembers. */
    memio_erase(&M, 3);
    CHECK_ERR(sp_device_init(&D, &M.io, crypto, (const uint8_t *)policy_text, policy_len),
              SP_ERR_DEV_NOT_FACTORY);
    CHECK_ERR(reboot(), SP_ERR_DEV_NO_RECORD); /* records gone (and the policy bytes) */
    CHECK(M.anchor_set && M.counter == 1);
}

static void test_init_anchor_mismatch(void)
{
    char other[8192];
    size_t other_len;
    use_policy(ALLOWANCE);
    other_len = make_policy(other, sizeof other, 3600);
    /* A device whose anchor was burnt for another policy, with the counter still 0 (power
     * was cut right after the anchor write). */
    memio_init(&M);
    memio_cut_after(&M, 3); /* counter read, anchor read, anchor write */
    CHECK(sp_device_init(&D, &M.io, crypto, (const uint8_t *)other, other_len) != SP_OK);
    memio_power_on(&M);
    CHECK(M.anchor_set && M.counter == 0);
    CHECK_ERR(sp_device_init(&D, &M.io, crypto, (const uint8_t *)policy_text, policy_len),
              SP_ERR_DEV_ANCHOR_MISMATCH);
    CHECK(M.anchor_set && M.counter == 0 && !M.ext.slot_written[0]);
    /* The anchored policy itself is still accepted (the retry path). */
    CHECK_OK(sp_device_init(&D, &M.io, crypto, (const uint8_t *)other, other_len));
}

static void test_init_refuses_bad_policy_before_anchoring(void)
{
    static const char junk[] = "softpause-policy/v1\nthis is not a policy\n";
    memio_init(&M);
    CHECK(sp_device_init(&D, &M.io, crypto, (const uint8_t *)junk, sizeof junk - 1) != SP_OK);
    CHECK(!M.anchor_set && M.counter == 0 && !M.ext.policy_written[0]);
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);
}

static void test_init_arguments(void)
{
    static uint8_t big[SP_MAX_POLICY_BYTES + 1];
    sp_device_io partial;
    use_policy(ALLOWANCE);
    memio_init(&M);
    partial = M.io;
    partial.counter_increment = NULL;
    CHECK_ERR(sp_device_init(NULL, &M.io, crypto, (const uint8_t *)policy_text, policy_len),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_device_init(&D, NULL, crypto, (const uint8_t *)policy_text, policy_len),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_device_init(&D, &partial, crypto, (const uint8_t *)policy_text, policy_len),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_device_init(&D, &M.io, NULL, (const uint8_t *)policy_text, policy_len),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_device_init(&D, &M.io, crypto, NULL, policy_len), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_device_init(&D, &M.io, crypto, big, sizeof big), SP_ERR_POLICY_LIMIT);
    /* A crypto interface without a device key cannot keep state. */
    CHECK_ERR(
        sp_device_init(&D, &M.io, sp_sodium_crypto(), (const uint8_t *)policy_text, policy_len),
        SP_ERR_CRYPTO);
    CHECK(M.counter == 0);
    CHECK_ERR(sp_device_load(NULL, &M.io, crypto), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_device_load(&D, &partial, crypto), SP_ERR_ARGUMENT);
}

static void test_init_storage_failures(void)
{
    static const enum memio_op ops[] = { MEMIO_ANCHOR_READ, MEMIO_ANCHOR_WRITE, MEMIO_POLICY_WRITE,
                                         MEMIO_SLOT_WRITE, MEMIO_SLOT_READ };
    use_policy(ALLOWANCE);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        memio_init(&M);
        memio_fail_nth(&M, ops[i], 1);
        CHECK_ERR(sp_device_init(&D, &M.io, crypto, (const uint8_t *)policy_text, policy_len),
                  SP_ERR_DEV_STORAGE);
        expect_pause(1, SP_ERR_DEV_NOT_LOADED);
        /* The retry succeeds: nothing irreversible happened to a different policy. */
        CHECK(M.counter == 0);
        CHECK_OK(sp_device_init(&D, &M.io, crypto, (const uint8_t *)policy_text, policy_len));
    }
    memio_init(&M);
    memio_fail_nth(&M, MEMIO_COUNTER_READ, 1);
    CHECK_ERR(sp_device_init(&D, &M.io, crypto, (const uint8_t *)policy_text, policy_len),
              SP_ERR_DEV_COUNTER);
    memio_init(&M);
    memio_fail_nth(&M, MEMIO_COUNTER_INCREMENT, 1);
    CHECK_ERR(sp_device_init(&D, &M.io, crypto, (const uint8_t *)policy_text, policy_len),
              SP_ERR_DEV_COUNTER);
    /* The record is pending (stamp 1, counter 0): boot commits it. */
    CHECK_OK(reboot());
    CHECK(M.counter == 1 && status().stamp == 1);
}

/* Power cut at every step of init: afterwards, either a retry of init or a boot brings
 * the device to its factory state -- never to anything else, never bricked. */
static uint64_t init_run(memio *m, void *arg)
{
    (void)arg;
    return sp_device_init(&D, &m->io, crypto, (const uint8_t *)policy_text, policy_len) == SP_OK;
}
static void init_check(memio *m, long cut, uint64_t result, void *arg)
{
    sp_err e;
    (void)arg;
    (void)cut;
    if (result)
        CHECK(m->counter == 1);
    if (m->counter == 0) {
        CHECK(reboot() != SP_OK || status().stamp == 1); /* pending record may be there */
        if (m->counter == 0)
            CHECK_OK(sp_device_init(&D, &m->io, crypto, (const uint8_t *)policy_text, policy_len));
    } else {
        e = sp_device_init(&D, &m->io, crypto, (const uint8_t *)policy_text, policy_len);
        CHECK_ERR(e, SP_ERR_DEV_NOT_FACTORY);
        CHECK_OK(reboot());
    }
    CHECK(m->counter == 1);
    CHECK(status().stamp == 1 && status().has_epoch == 0 && status().mode == SP_MODE_PAUSE);
}
static void test_init_power_cut_retry(void)
{
    memio_sweep sw = { NULL, init_run, init_check, NULL };
    unsigned long points;
    use_policy(ALLOWANCE);
    memio_init(&M);
    points = memio_cut_sweep(&M, &sw);
    CHECK(points >= 8);
    memio_init(&M);
    M.tear_bytes = 40;
    CHECK(memio_cut_sweep(&M, &sw) == points);
}

/* ---- load ---------------------------------------------------------------------------- */

static void test_load_blank_and_erased(void)
{
    use_policy(ALLOWANCE);
    memio_init(&M);
    CHECK_ERR(reboot(), SP_ERR_DEV_NO_RECORD); /* never provisioned */
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    memio_erase(&M, 2);
    CHECK_ERR(reboot(), SP_ERR_DEV_NO_RECORD);
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);
    M.erased_read_fails = 1;
    CHECK_ERR(reboot(), SP_ERR_DEV_NO_RECORD);
}

static void test_load_corrupt_both(void)
{
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    memio_corrupt(&M, 0, 70, 0x01);
    memio_corrupt(&M, 1, 20, 0x80);
    CHECK_ERR(reboot(), SP_ERR_DEV_NO_RECORD);
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);
    sp_device_state st;
    CHECK_ERR(sp_device_status(&D, &st), SP_ERR_DEV_NOT_LOADED);
}

static void test_load_one_corrupt_slot(void)
{
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0)); /* slot 1, stamp 2 */
    /* The older slot damaged: the current one is still used. */
    memio_corrupt(&M, 0, 90, 0x04);
    CHECK_OK(reboot());
    CHECK(status().highest_epoch == 1 && D.slot == 1);
    /* The current slot unreadable: the older record is stamped counter-1: rollback. */
    memio_corrupt(&M, 0, 90, 0x04);
    memio_fail_nth(&M, MEMIO_SLOT_READ, 2);
    CHECK_ERR(reboot(), SP_ERR_DEV_ROLLBACK);
}

/* A slot write torn by a power cut: the previous record stays current. */
static void test_load_torn_write(void)
{
    sp_device_state before;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0)); /* slot 1, stamp 2 */
    before = status();
    M.tear_bytes = 50;
    memio_cut_after(&M, 0); /* the very next operation is the slot write */
    CHECK(consume(1, NULL) == 0);
    memio_power_on(&M);
    CHECK(M.ext.slot_written[0] && M.ext.slots[0][60] == 0xFF); /* torn page */
    CHECK_OK(reboot());
    CHECK(D.slot == 1 && status().stamp == before.stamp && status().allowance == ALLOWANCE);
    CHECK(consume(1, NULL) == 1);
}

static void test_load_rollback(void)
{
    memio_image img;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    memio_snapshot(&M, &img);
    CHECK_OK(apply_signed(2, SP_MODE_PAUSE, 0));
    /* Restore the flash image from before the pause: every record in it is authentic,
     * but older than the counter. */
    memio_restore(&M, &img);
    CHECK_ERR(reboot(), SP_ERR_DEV_ROLLBACK);
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);

    /* The same against a debit: allowance cannot be bought back by restoring flash. */
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    memio_snapshot(&M, &img);
    CHECK(consume(100, NULL) == 100);
    CHECK(consume(600, NULL) == 600);
    memio_restore(&M, &img);
    CHECK_ERR(reboot(), SP_ERR_DEV_ROLLBACK);
}

static void test_load_finishes_pending_increment(void)
{
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    /* Power lost after the slot write and its read-back, before the counter moved. */
    memio_cut_after(&M, 2);
    CHECK_ERR(apply_signed(2, SP_MODE_THROTTLE, 500), SP_ERR_DEV_COUNTER);
    memio_power_on(&M);
    CHECK(M.counter == 2);
    CHECK_OK(reboot());
    CHECK(M.counter == 3 && status().stamp == 3 && status().highest_epoch == 2);
    CHECK(status().mode == SP_MODE_THROTTLE && status().permille == 500);
    /* The commit must itself succeed, or the boot fails closed. */
    memio_cut_after(&M, 2);
    CHECK_ERR(apply_signed(3, SP_MODE_RUN, 0), SP_ERR_DEV_COUNTER);
    memio_power_on(&M);
    memio_fail_nth(&M, MEMIO_COUNTER_INCREMENT, 1);
    CHECK_ERR(reboot(), SP_ERR_DEV_COUNTER);
    CHECK_OK(reboot());
    CHECK(status().highest_epoch == 3 && M.counter == 4);
}

static void test_load_wrong_device_key(void)
{
    static const uint8_t other_key[32] = { 0xEE, 0xEE };
    sp_sodium_device other;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    /* The flash moved to another chip (or a forger without the key). */
    sp_sodium_device_setup(&other, other_key);
    CHECK_ERR(sp_device_load(&D, &M.io, &other.crypto), SP_ERR_DEV_NO_RECORD);
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);
    CHECK_OK(reboot());
}

static void test_load_policy_bytes_checked(void)
{
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    M.ext.policy[0][policy_len - 2] ^= 0x01; /* e.g. a rule weakened in flash */
    CHECK_ERR(reboot(), SP_ERR_DEV_POLICY_MISSING);
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);
    M.ext.policy[0][policy_len - 2] ^= 0x01;
    M.ext.policy_len[0]--;
    CHECK_ERR(reboot(), SP_ERR_DEV_POLICY_MISSING);
    M.ext.policy_len[0]++;
    CHECK_OK(reboot());
}

static void test_load_storage_failures(void)
{
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    memio_fail_nth(&M, MEMIO_ANCHOR_READ, 1);
    CHECK_ERR(reboot(), SP_ERR_DEV_STORAGE);
    /* An unreadable policy slot is no candidate (slot 1 is erased): no policy, pause. */
    memio_fail_nth(&M, MEMIO_POLICY_READ, 1);
    CHECK_ERR(reboot(), SP_ERR_DEV_POLICY_MISSING);
    memio_fail_nth(&M, MEMIO_COUNTER_READ, 1);
    CHECK_ERR(reboot(), SP_ERR_DEV_COUNTER);
    /* One unreadable slot holding the older record: the current one still loads. */
    memio_fail_nth(&M, MEMIO_SLOT_READ, 1);
    CHECK_OK(reboot());
    CHECK(status().highest_epoch == 1);
}

static void test_load_odd_stamps(void)
{
    uint8_t rec[SP_STATE_RECORD_BYTES];
    sp_device_state st;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0)); /* slot 1 stamp 2, slot 0 stamp 1 */
    st = status();
    /* A record from "the future" (stamp > counter + 1) is never a candidate. */
    memio_erase(&M, 0);
    st.stamp = M.counter + 2;
    CHECK_OK(sp_state_encode(&st, rec, crypto));
    memcpy(M.ext.slots[1], rec, sizeof rec);
    CHECK_ERR(reboot(), SP_ERR_DEV_NO_RECORD);
    /* Two authentic records with the same stamp but different contents: no guessing. */
    st.stamp = M.counter;
    CHECK_OK(sp_state_encode(&st, rec, crypto));
    memcpy(M.ext.slots[1], rec, sizeof rec);
    st.allowance = 1;
    CHECK_OK(sp_state_encode(&st, rec, crypto));
    memcpy(M.ext.slots[0], rec, sizeof rec);
    M.ext.slot_written[0] = 1;
    CHECK_ERR(reboot(), SP_ERR_DEV_NO_RECORD);
    /* A record naming a policy that no policy slot holds (same device key): the record is
     * current, its policy is missing, the device pauses. */
    memio_erase(&M, 0);
    st.allowance = ALLOWANCE;
    st.policy_hash[0] ^= 1;
    CHECK_OK(sp_state_encode(&st, rec, crypto));
    memcpy(M.ext.slots[1], rec, sizeof rec);
    CHECK_ERR(reboot(), SP_ERR_DEV_POLICY_MISSING);
    /* ... and so is one naming the right hash with another version. */
    st.policy_hash[0] ^= 1;
    st.policy_version = 2;
    CHECK_OK(sp_state_encode(&st, rec, crypto));
    memcpy(M.ext.slots[1], rec, sizeof rec);
    CHECK_ERR(reboot(), SP_ERR_DEV_POLICY_MISSING);
}

/* ---- apply --------------------------------------------------------------------------- */

static void test_apply_sets_not_adds(void)
{
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    CHECK(status().allowance == ALLOWANCE && status().highest_epoch == 1);
    CHECK(status().has_epoch == 1 && status().last_reason == SP_OK);
    CHECK(consume(1000, NULL) == 1000);
    CHECK(status().allowance == ALLOWANCE - 1000);
    CHECK_OK(apply_signed(2, SP_MODE_RUN, 0));
    CHECK(status().allowance == ALLOWANCE); /* not ALLOWANCE + leftovers */
    /* A backlog of stored statements is worth one allowance. */
    CHECK_OK(apply_signed(3, SP_MODE_RUN, 0));
    CHECK_OK(apply_signed(4, SP_MODE_RUN, 0));
    CHECK(status().allowance == ALLOWANCE);
    CHECK_OK(reboot());
    CHECK(status().allowance == ALLOWANCE && status().highest_epoch == 4);
}

static void test_apply_epoch_must_increase(void)
{
    unsigned long writes;
    uint64_t counter;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(0, SP_MODE_RUN, 0)); /* first statement: any epoch, even 0 */
    CHECK(status().highest_epoch == 0 && status().has_epoch == 1);
    CHECK_ERR(apply_signed(0, SP_MODE_RUN, 0), SP_ERR_DEV_EPOCH_NOT_NEWER);
    CHECK_OK(apply_signed(5, SP_MODE_RUN, 0));
    writes = M.count[MEMIO_SLOT_WRITE];
    counter = M.counter;
    /* Replay, rollback, and equivocation on the same epoch: refused, not persisted. */
    CHECK_ERR(apply_signed(5, SP_MODE_RUN, 0), SP_ERR_DEV_EPOCH_NOT_NEWER);
    CHECK_ERR(apply_signed(5, SP_MODE_PAUSE, 0), SP_ERR_DEV_EPOCH_NOT_NEWER);
    CHECK_ERR(apply_signed(4, SP_MODE_RUN, 0), SP_ERR_DEV_EPOCH_NOT_NEWER);
    /* Also in a bundle cosigned now (the log still holds the old statement). */
    CHECK_ERR(apply_signed_at(4, SP_MODE_RUN, 0, epoch_time(5)), SP_ERR_DEV_EPOCH_NOT_NEWER);
    /* An epoch older than the freeze window is refused by the freeze defence first
     * (epoch 1 ended with epoch 2, plus a week of staleness: before T_att = epoch 5). */
    CHECK_ERR(apply_signed(1, SP_MODE_THROTTLE, 100), SP_ERR_DEV_FROZEN);
    CHECK(M.count[MEMIO_SLOT_WRITE] == writes && M.counter == counter);
    CHECK(status().highest_epoch == 5 && status().mode == SP_MODE_RUN);
    CHECK_OK(apply_signed(6, SP_MODE_RUN, 0));
    CHECK(status().highest_epoch == 6);
    /* Replay after a reboot is refused as well. */
    CHECK_OK(reboot());
    CHECK_ERR(apply_signed(6, SP_MODE_RUN, 0), SP_ERR_DEV_EPOCH_NOT_NEWER);
}

static void test_apply_refuses_bad_statements(void)
{
    size_t n;
    unsigned long writes;
    uint32_t line;
    use_policy(ALLOWANCE);
    provision();
    /* Too few signatures: the quorum ("3 of all") is not met.  The checkpoint verified,
     * so the device keeps its witnesses' time (one write: the first attested time). */
    n = make_statement(1, SP_MODE_RUN, 0, 2);
    CHECK_ERR(apply_note_at(n, epoch_time(1)), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.checkpoint_verified == 1 && report.quorum.distinct_keys == 2);
    CHECK(M.counter == 2 && status().attested_time == epoch_time(1));
    writes = M.count[MEMIO_SLOT_WRITE];
    /* A tampered text: signatures no longer verify. */
    n = make_statement(1, SP_MODE_RUN, 0, 3);
    note_buf[strlen("softpause/v1 authorisation " DEPLOYMENT "\npolicy 0")] ^= 0x01;
    CHECK(apply_note_at(n, epoch_time(1)) != SP_OK);
    /* A bare statement: correctly signed, never published. */
    n = make_statement(1, SP_MODE_RUN, 0, 3);
    CHECK_ERR(sp_device_apply(&D, (const uint8_t *)note_buf, n, &report, &line),
              SP_ERR_BUNDLE_BARE_STATEMENT);
    CHECK(report.checkpoint_verified == 0);
    /* Junk. */
    CHECK(sp_device_apply(&D, (const uint8_t *)"hello\n", 6, NULL, NULL) != SP_OK);
    CHECK_ERR(sp_device_apply(&D, NULL, 0, NULL, NULL), SP_ERR_ARGUMENT);
    /* Nothing else refused was persisted, and the device still has no authorisation. */
    CHECK(M.count[MEMIO_SLOT_WRITE] == writes && M.counter == 2);
    CHECK(status().has_epoch == 0);
    expect_pause(1, SP_ERR_DEV_NO_AUTHORISATION);
    /* A statement for another policy (the rest of it valid for this one). */
    use_policy(3600);
    n = make_statement(1, SP_MODE_RUN, 0, 3);
    use_policy(ALLOWANCE);
    CHECK_ERR(apply_note_at(n, epoch_time(1)), SP_ERR_STMT_POLICY);
    /* Not loaded. */
    memset(&D, 0, sizeof D);
    n = make_statement(1, SP_MODE_RUN, 0, 3);
    CHECK_ERR(apply_note_at(n, epoch_time(1)), SP_ERR_DEV_NOT_LOADED);
}

static void test_pause_pauses_at_once_and_run_resumes(void)
{
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    CHECK(consume(10, NULL) == 10); /* 590 s now reserved in RAM */
    CHECK(D.reserved == SP_CONSUME_CHUNK_SECONDS - 10);
    CHECK_OK(apply_signed(2, SP_MODE_PAUSE, 0));
    CHECK(D.reserved == 0); /* the reservation does not outlive the pause */
    expect_pause(1, SP_ERR_DEV_PAUSED);
    CHECK(status().allowance == 0 && status().mode == SP_MODE_PAUSE);
    CHECK(status().last_decision == SP_MODE_PAUSE && status().last_reason == SP_ERR_DEV_PAUSED);
    CHECK_OK(reboot());
    expect_pause(1, SP_ERR_DEV_PAUSED);
    CHECK_OK(apply_signed(3, SP_MODE_RUN, 0));
    CHECK(consume(10, NULL) == 10);
    CHECK(status().mode == SP_MODE_RUN && status().last_decision == SP_MODE_RUN);
}

static void test_throttle(void)
{
    sp_decision d;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_THROTTLE, 250));
    CHECK(status().mode == SP_MODE_THROTTLE && status().permille == 250);
    CHECK_OK(sp_device_consume(&D, 7, &d));
    CHECK(d.mode == SP_MODE_THROTTLE && d.permille == 250 && d.granted == 7);
    /* The same debit rate as RUN: throttling limits capacity, it does not stretch time. */
    CHECK(status().allowance == ALLOWANCE - SP_CONSUME_CHUNK_SECONDS);
    CHECK_OK(apply_signed(2, SP_MODE_RUN, 0));
    CHECK_OK(sp_device_consume(&D, 7, &d));
    CHECK(d.mode == SP_MODE_RUN && d.permille == 1000 && d.granted == 7);
    CHECK(status().permille == 0);
    CHECK_OK(apply_signed(3, SP_MODE_THROTTLE, 999));
    CHECK_OK(sp_device_consume(&D, 1, &d));
    CHECK(d.mode == SP_MODE_THROTTLE && d.permille == 999);
}

/* ---- consume ------------------------------------------------------------------------- */

static void test_consume_reservation(void)
{
    unsigned long writes;
    uint64_t total = 0;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    writes = M.count[MEMIO_SLOT_WRITE];
    CHECK(consume(1, NULL) == 1);
    CHECK(M.count[MEMIO_SLOT_WRITE] == writes + 1);
    CHECK(status().allowance == ALLOWANCE - SP_CONSUME_CHUNK_SECONDS);
    /* The rest of the chunk is served from RAM: no writes, no counter increments. */
    for (unsigned i = 1; i < SP_CONSUME_CHUNK_SECONDS; i++)
        total += consume(1, NULL);
    CHECK(total == SP_CONSUME_CHUNK_SECONDS - 1);
    CHECK(M.count[MEMIO_SLOT_WRITE] == writes + 1 && M.counter == 3);
    CHECK(D.reserved == 0);
    /* The next second needs a new chunk. */
    CHECK(consume(1, NULL) == 1);
    CHECK(M.count[MEMIO_SLOT_WRITE] == writes + 2 && M.counter == 4);
    /* A request larger than a chunk is debited whole, not chunk by chunk. */
    CHECK(consume(5000, NULL) == 5000);
    CHECK(M.count[MEMIO_SLOT_WRITE] == writes + 3);
    CHECK(status().allowance == ALLOWANCE - 2 * SP_CONSUME_CHUNK_SECONDS - (5000 - 599));
    CHECK(D.reserved == 0);
    CHECK(status().last_decision == SP_MODE_RUN && status().last_reason == SP_OK);
    expect_pause(0, SP_ERR_ARGUMENT);
    CHECK_ERR(sp_device_consume(&D, 1, NULL), SP_ERR_ARGUMENT);
}

static void test_consume_exhaustion(void)
{
    sp_decision d;
    use_policy(700);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    CHECK(consume(1, NULL) == 1); /* debit 600, reserve 599 */
    CHECK(status().allowance == 100);
    CHECK(consume(650, NULL) == 650); /* debit the last 100: reserve 49 */
    CHECK(status().allowance == 0 && D.reserved == 49);
    CHECK_OK(sp_device_consume(&D, 100, &d)); /* only 49 left: a partial grant */
    CHECK(d.granted == 49 && d.mode == SP_MODE_RUN);
    expect_pause(1, SP_ERR_DEV_EXHAUSTED);
    CHECK(status().last_decision == SP_MODE_PAUSE && status().last_reason == SP_ERR_DEV_EXHAUSTED);
    CHECK_OK(reboot());
    expect_pause(1, SP_ERR_DEV_EXHAUSTED);
    /* A fresh epoch restores exactly one allowance. */
    CHECK_OK(apply_signed(2, SP_MODE_RUN, 0));
    CHECK_OK(sp_device_consume(&D, 10000, &d));
    CHECK(d.granted == 700);
    expect_pause(1, SP_ERR_DEV_EXHAUSTED);
    use_policy(ALLOWANCE);
}

/* sp_device_decide says what consume() would decide, and changes nothing: after an
 * exhausted allowance the persisted mode is still RUN, but the decision is PAUSE. */
static void expect_decision(uint32_t mode, uint32_t permille, uint64_t granted, sp_err why)
{
    sp_decision d;
    sp_device_state before, after;
    unsigned long writes = M.count[MEMIO_SLOT_WRITE];
    memset(&d, 0xAB, sizeof d);
    memset(&before, 0, sizeof before);
    if (sp_device_status(&D, &before) != SP_OK)
        memset(&before, 0, sizeof before);
    CHECK(sp_device_decide(&D, &d) == why);
    CHECK(d.mode == mode && d.permille == permille && d.granted == granted && d.reason == why);
    memset(&after, 0, sizeof after);
    if (sp_device_status(&D, &after) != SP_OK)
        memset(&after, 0, sizeof after);
    CHECK(memcmp(&before, &after, sizeof before) == 0 && M.count[MEMIO_SLOT_WRITE] == writes);
}

static void test_decide_is_consume_without_effect(void)
{
    memset(&D, 0, sizeof D);
    expect_decision(SP_MODE_PAUSE, 0, 0, SP_ERR_DEV_NOT_LOADED);
    CHECK(sp_device_decide(&D, NULL) == SP_ERR_ARGUMENT);
    expect_decision(SP_MODE_PAUSE, 0, 0, SP_ERR_DEV_NOT_LOADED);
    use_policy(700);
    provision();
    expect_decision(SP_MODE_PAUSE, 0, 0, SP_ERR_DEV_NO_AUTHORISATION);
    CHECK_OK(apply_signed(1, SP_MODE_THROTTLE, 250));
    expect_decision(SP_MODE_THROTTLE, 250, 700, SP_OK);
    CHECK(consume(1, NULL) == 1); /* debit 600, reserve 599 */
    expect_decision(SP_MODE_THROTTLE, 250, 100 + 599, SP_OK);
    CHECK(consume(699, NULL) == 699);
    CHECK(status().mode == SP_MODE_THROTTLE && status().allowance == 0);
    expect_decision(SP_MODE_PAUSE, 0, 0, SP_ERR_DEV_EXHAUSTED);
    CHECK_OK(reboot());
    expect_decision(SP_MODE_PAUSE, 0, 0, SP_ERR_DEV_EXHAUSTED);
    expect_pause(1, SP_ERR_DEV_EXHAUSTED);
    CHECK_OK(apply_signed(2, SP_MODE_PAUSE, 0));
    expect_decision(SP_MODE_PAUSE, 0, 0, SP_ERR_DEV_PAUSED);
    CHECK_OK(apply_signed(3, SP_MODE_RUN, 0));
    expect_decision(SP_MODE_RUN, 1000, 700, SP_OK);
    use_policy(ALLOWANCE);
}

/* Power cut at every storage operation of a run of consume() calls: whatever happens,
 * after the reboot the persisted allowance is at most what it was minus what was
 * granted.  Power cycling never buys work. */
typedef struct consume_arg {
    uint64_t before;
    const uint64_t *asks;
    size_t nasks;
    unsigned long failures;
} consume_arg;

static void consume_prepare(memio *m, void *arg)
{
    consume_arg *a = arg;
    (void)m;
    CHECK_OK(reboot());
    a->before = status().allowance;
}

static uint64_t consume_run(memio *m, void *arg)
{
    consume_arg *a = arg;
    uint64_t granted = 0;
    (void)m;
    for (size_t i = 0; i < a->nasks; i++) {
        sp_decision d;
        if (sp_device_consume(&D, a->asks[i], &d) == SP_OK)
            granted += d.granted;
        else
            CHECK(d.mode == SP_MODE_PAUSE && d.granted == 0);
    }
    return granted;
}

static void consume_check(memio *m, long cut, uint64_t granted, void *arg)
{
    consume_arg *a = arg;
    sp_err e = reboot();
    (void)m;
    if (e != SP_OK) {
        printf("  cut %ld: reboot failed: %s\n", cut, sp_err_name(e));
        a->failures++;
        return;
    }
    if (status().allowance + granted > a->before) {
        printf("  cut %ld: allowance %llu + granted %llu > before %llu\n", cut,
               (unsigned long long)status().allowance, (unsigned long long)granted,
               (unsigned long long)a->before);
        a->failures++;
    }
}

static void test_consume_power_cut_never_gives_back(void)
{
    static const uint64_t asks[] = { 1, 300, 400, 2000, 5, 599, 1 };
    consume_arg arg = { 0, asks, sizeof asks / sizeof asks[0], 0 };
    memio_sweep sw = { consume_prepare, consume_run, consume_check, &arg };
    unsigned long points;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    points = memio_cut_sweep(&M, &sw);
    CHECK(points > 10);
    CHECK(arg.failures == 0);
    /* Torn writes at every cut point too. */
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    M.tear_bytes = 77;
    CHECK(memio_cut_sweep(&M, &sw) == points);
    CHECK(arg.failures == 0);
}

/* Power cut at every step of an apply: the device boots into the old state or the new
 * one, nothing else, and never loses its epoch. */
static void apply_prepare(memio *m, void *arg)
{
    (void)m;
    (void)arg;
    CHECK_OK(reboot());
}

static uint64_t apply_run(memio *m, void *arg)
{
    (void)m;
    (void)arg;
    return apply_signed(8, SP_MODE_THROTTLE, 123) == SP_OK;
}

static void apply_check(memio *m, long cut, uint64_t ok, void *arg)
{
    sp_device_state st;
    (void)m;
    (void)arg;
    (void)cut;
    CHECK_OK(reboot());
    st = status();
    if (ok)
        CHECK(st.highest_epoch == 8);
    if (st.highest_epoch == 8)
        CHECK(st.mode == SP_MODE_THROTTLE && st.permille == 123 && st.allowance == ALLOWANCE);
    else
        CHECK(st.highest_epoch == 7 && st.mode == SP_MODE_RUN);
}

static void test_apply_power_cut(void)
{
    memio_sweep sw = { apply_prepare, apply_run, apply_check, NULL };
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(7, SP_MODE_RUN, 0));
    CHECK(consume(50, NULL) == 50);
    CHECK(memio_cut_sweep(&M, &sw) >= 5);
    CHECK(status().highest_epoch == 8);
    provision();
    CHECK_OK(apply_signed(7, SP_MODE_RUN, 0));
    M.tear_bytes = 3;
    CHECK(memio_cut_sweep(&M, &sw) >= 5);
    CHECK(status().highest_epoch == 8);
}

/* ---- persist failures ---------------------------------------------------------------- */

static void test_persist_failures(void)
{
    sp_device_state before;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    before = status();

    memio_fail_nth(&M, MEMIO_SLOT_WRITE, 1);
    expect_pause(1, SP_ERR_DEV_STORAGE);
    expect_pause(1, SP_ERR_DEV_NOT_LOADED); /* unusable until the next boot */
    CHECK_OK(reboot());
    CHECK(status().stamp == before.stamp && status().allowance == before.allowance);

    memio_fail_nth(&M, MEMIO_SLOT_READ, 1); /* the read-back */
    expect_pause(1, SP_ERR_DEV_STORAGE);
    /* The record did land: the boot commits the debit, though nothing was granted. */
    CHECK_OK(reboot());
    CHECK(status().allowance == before.allowance - SP_CONSUME_CHUNK_SECONDS);
    before = status();

    memio_corrupt_nth_write(&M, 1); /* flash stored something else, silently */
    expect_pause(1, SP_ERR_DEV_READBACK);
    CHECK_OK(reboot());
    CHECK(status().stamp == before.stamp && status().allowance == before.allowance);

    memio_fail_nth(&M, MEMIO_COUNTER_INCREMENT, 1);
    expect_pause(1, SP_ERR_DEV_COUNTER);
    CHECK_OK(reboot()); /* the debit was written: the boot commits it, nothing granted */
    CHECK(status().allowance == before.allowance - SP_CONSUME_CHUNK_SECONDS);

    memio_fail_nth(&M, MEMIO_COUNTER_READ, 1); /* the confirmation after the increment */
    CHECK_ERR(apply_signed(2, SP_MODE_RUN, 0), SP_ERR_DEV_COUNTER);
    CHECK_OK(reboot());
    CHECK(status().highest_epoch == 2);

    memio_fail_nth(&M, MEMIO_SLOT_WRITE, 1);
    CHECK_ERR(apply_signed(3, SP_MODE_RUN, 0), SP_ERR_DEV_STORAGE);
    CHECK_OK(reboot());
    CHECK(status().highest_epoch == 2);
    CHECK(consume(1, NULL) == 1);
}

static void test_counter_endurance(void)
{
    uint8_t rec[SP_STATE_RECORD_BYTES];
    sp_device_state st;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    /* The hardware counter gives out: the device stops, it does not run unrecorded. */
    M.counter_limit = M.counter + 1;
    CHECK(consume(1, NULL) == 1);
    CHECK(consume(SP_CONSUME_CHUNK_SECONDS, NULL) == 0);
    /* The pending debit cannot be committed either: the device stays paused. */
    CHECK_ERR(reboot(), SP_ERR_DEV_COUNTER);
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);

    /* A device at the end of its budget (stamp and counter at SP_COUNTER_ENDURANCE):
     * it loads and reports its state, but refuses to write, before touching flash. */
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    st = status();
    st.stamp = SP_COUNTER_ENDURANCE;
    CHECK_OK(sp_state_encode(&st, rec, crypto));
    memcpy(M.ext.slots[0], rec, sizeof rec);
    M.counter = SP_COUNTER_ENDURANCE;
    M.counter_limit = UINT64_MAX;
    CHECK_OK(reboot());
    CHECK(status().allowance == ALLOWANCE);
    unsigned long writes = M.count[MEMIO_SLOT_WRITE];
    expect_pause(1, SP_ERR_DEV_COUNTER);
    CHECK_OK(reboot());
    CHECK_ERR(apply_signed(2, SP_MODE_RUN, 0), SP_ERR_DEV_COUNTER);
    CHECK(M.count[MEMIO_SLOT_WRITE] == writes && M.counter == SP_COUNTER_ENDURANCE);
}

static void test_not_loaded(void)
{
    sp_device_state st;
    memset(&D, 0, sizeof D);
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);
    CHECK_ERR(sp_device_status(&D, &st), SP_ERR_DEV_NOT_LOADED);
    CHECK_ERR(sp_device_status(NULL, &st), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_device_status(&D, NULL), SP_ERR_ARGUMENT);
    /* A glitched "loaded" word is not loaded. */
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    D.loaded ^= 0x00010000u;
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);
    CHECK_OK(reboot());
    /* A glitched mode word in RAM is PAUSE, not RUN. */
    D.state.mode = 0;
    expect_pause(1, SP_ERR_DEV_PAUSED);
}

/* ---- quorum-attested time (T_att) ---------------------------------------------------- */

/* T_att is the time the witness QUORUM vouches for (2 of 3 here): the second newest
 * cosignature, not the newest -- one witness alone cannot move the device's clock. */
static void test_attested_time_is_the_quorum_time(void)
{
    pub_bundle_opts o;
    size_t n, len;
    uint64_t t = epoch_time(1);
    use_policy(ALLOWANCE);
    provision();
    CHECK(status().attested_time == 0);
    n = make_statement(1, SP_MODE_RUN, 0, 3);
    pub_bundle_defaults(&o, &PW, t);
    o.times[0] = t + 30 * 86400; /* w1 says a month later */
    o.times[1] = t;
    o.times[2] = t - 100;
    len = pub_bundle(bundle_buf, sizeof bundle_buf, &PW, &o, note_buf, n);
    CHECK_OK(sp_device_apply(&D, (const uint8_t *)bundle_buf, len, &report, NULL));
    CHECK(report.witnesses.quorum_met == 1 && report.witnesses.quorum_time == t);
    CHECK(report.witnesses.cosig_time[0] == t + 30 * 86400);
    CHECK(status().attested_time == t && D.attested_ram == t);
}

/* sp_wpolicy_quorum_time's rule at the device: one witness far ahead (at the attested-time
 * ceiling's last second), one far behind, one down -- T_att is the lagging witness's time,
 * whichever witness plays which part, and the statement of that time is accepted. */
static void test_attested_time_one_ahead_one_behind_one_down(void)
{
    static const int parts[6][3] = { /* ahead, behind, down */
        {0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0} };
    uint64_t behind = epoch_time(1), ahead = SP_COSIG_TIME_LIMIT - 1;
    pub_bundle_opts o;
    size_t n, len;
    use_policy(ALLOWANCE);
    for (int p = 0; p < 6; p++) {
        provision();
        n = make_statement(1, SP_MODE_RUN, 0, 3);
        pub_bundle_defaults(&o, &PW, behind);
        o.times[parts[p][0]] = ahead;
        o.times[parts[p][1]] = behind;
        o.witness_mask = PUB_ALL_WITNESSES & ~(1u << parts[p][2]);
        len = pub_bundle(bundle_buf, sizeof bundle_buf, &PW, &o, note_buf, n);
        CHECK_OK(sp_device_apply(&D, (const uint8_t *)bundle_buf, len, &report, NULL));
        CHECK(report.witnesses.quorum_met == 1 && report.witnesses.quorum_time == behind);
        CHECK(report.witnesses.cosig_time[parts[p][0]] == ahead);
        CHECK(status().attested_time == behind && D.attested_ram == behind);
        CHECK(status().highest_epoch == 1 && status().mode == SP_MODE_RUN);
        CHECK_OK(apply_signed(2, SP_MODE_RUN, 0)); /* the fleet keeps its week */
    }
}

/* A record written before the attested-time ceiling may hold a larger T_att: the device
 * boots, T_att is the ceiling's last second (it pauses toward the future just as it did),
 * everything else is the record's, and the next write stores the clamped value. */
static void test_attested_time_above_ceiling_clamped_at_load(void)
{
    sp_device_state before;
    uint8_t *rec;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    before = status();
    rec = M.ext.slots[D.slot];
    for (int b = 0; b < 8; b++) /* T_att = 2^60, as the old encoder wrote it */
        rec[88 + b] = (uint8_t)(((uint64_t)1 << 60) >> (56 - 8 * b));
    crypto_auth_hmacsha256(rec + 96, rec, 96, holder.key);
    CHECK_OK(reboot());
    CHECK(status().attested_time == SP_COSIG_TIME_LIMIT - 1);
    CHECK(D.attested_ram == SP_COSIG_TIME_LIMIT - 1);
    CHECK(status().stamp == before.stamp && status().highest_epoch == 1);
    CHECK(status().allowance == before.allowance && status().mode == SP_MODE_RUN);
    CHECK_ERR(apply_signed(2, SP_MODE_RUN, 0), SP_ERR_DEV_FROZEN);
    CHECK(consume(1, NULL) == 1);
    rec = M.ext.slots[D.slot];
    CHECK(rec[88] == 0x00 && rec[89] == 0x0f && rec[90] == 0xff && rec[95] == 0xff);
    CHECK_OK(reboot());
    CHECK(status().attested_time == SP_COSIG_TIME_LIMIT - 1);
}

static void test_attested_time_only_moves_forward(void)
{
    uint64_t t1 = epoch_time(1) + 4 * 86400;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed_at(1, SP_MODE_RUN, 0, t1));
    CHECK(status().attested_time == t1);
    /* Epoch 2, published early (before T_att): accepted, T_att stays. */
    CHECK_OK(apply_signed_at(2, SP_MODE_RUN, 0, epoch_time(1)));
    CHECK(status().highest_epoch == 2 && status().attested_time == t1);
    /* A refused bundle with an old checkpoint does not lower it either. */
    CHECK_ERR(apply_signed_at(2, SP_MODE_RUN, 0, epoch_time(0)), SP_ERR_DEV_EPOCH_NOT_NEWER);
    CHECK(status().attested_time == t1 && D.attested_ram == t1);
    CHECK_OK(reboot());
    CHECK(status().attested_time == t1);
}

static void test_attested_time_persisted_on_accept(void)
{
    uint64_t counter;
    use_policy(ALLOWANCE);
    provision();
    counter = M.counter;
    /* Even a step smaller than SP_ATTESTED_TIME_PERSIST_STEP: the accepted state is
     * written anyway, and T_att goes with it. */
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    CHECK(M.counter == counter + 1 && status().attested_time == epoch_time(1));
    CHECK_OK(apply_signed_at(2, SP_MODE_RUN, 0, epoch_time(1) + 1));
    CHECK(status().attested_time == epoch_time(1) + 1);
    CHECK_OK(reboot());
    CHECK(status().attested_time == epoch_time(1) + 1 && D.attested_ram == epoch_time(1) + 1);
    /* A consume() write carries it too (every write carries the newest T_att). */
    CHECK(consume(1, NULL) == 1);
    CHECK(status().attested_time == epoch_time(1) + 1);
}

/* A refused bundle whose checkpoint verified raises T_att in RAM; it is persisted only
 * once it moved by SP_ATTESTED_TIME_PERSIST_STEP since the persisted value, so a stream
 * of refusals cannot wear the counter out. */
static void test_attested_time_kept_on_refusal(void)
{
    uint64_t t0 = epoch_time(1), counter;
    unsigned long writes;
    size_t n;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed_at(1, SP_MODE_RUN, 0, t0));
    counter = M.counter;
    writes = M.count[MEMIO_SLOT_WRITE];
    n = make_statement(2, SP_MODE_RUN, 0, 2); /* too few signers: always refused */

    /* Just below the step: RAM only, no write, no counter increment. */
    CHECK_ERR(apply_note_at(n, t0 + SP_ATTESTED_TIME_PERSIST_STEP - 1), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.checkpoint_verified == 1);
    CHECK(D.attested_ram == t0 + SP_ATTESTED_TIME_PERSIST_STEP - 1);
    CHECK(status().attested_time == t0); /* status shows what is persisted */
    CHECK(M.counter == counter && M.count[MEMIO_SLOT_WRITE] == writes);
    /* Many more below the step: still nothing written. */
    for (uint64_t dt = 1; dt < 50; dt++)
        CHECK_ERR(apply_note_at(n, t0 + dt), SP_ERR_QUORUM_NOT_MET);
    CHECK(M.counter == counter && M.count[MEMIO_SLOT_WRITE] == writes);
    /* A reboot forgets the RAM value (test_attested_time_in_ram_counts: until then it
     * counts for freshness). */
    CHECK_OK(reboot());
    CHECK(D.attested_ram == t0 && status().attested_time == t0);

    /* A step of exactly SP_ATTESTED_TIME_PERSIST_STEP: persisted (one write). */
    CHECK_ERR(apply_note_at(n, t0 + SP_ATTESTED_TIME_PERSIST_STEP), SP_ERR_QUORUM_NOT_MET);
    CHECK(M.counter == counter + 1 && M.count[MEMIO_SLOT_WRITE] == writes + 1);
    CHECK(status().attested_time == t0 + SP_ATTESTED_TIME_PERSIST_STEP);
    /* ... and nothing else changed: epoch, mode, allowance are the accepted ones. */
    CHECK(status().highest_epoch == 1 && status().mode == SP_MODE_RUN);
    CHECK(status().allowance == ALLOWANCE);
    CHECK_OK(reboot());
    CHECK(status().attested_time == t0 + SP_ATTESTED_TIME_PERSIST_STEP);

    /* The same for refusals by the device's own checks (here: a replayed epoch). */
    counter = M.counter;
    CHECK_ERR(apply_signed_at(1, SP_MODE_RUN, 0, t0 + 3 * SP_ATTESTED_TIME_PERSIST_STEP),
              SP_ERR_DEV_EPOCH_NOT_NEWER);
    CHECK(M.counter == counter + 1);
    CHECK(status().attested_time == t0 + 3 * SP_ATTESTED_TIME_PERSIST_STEP);

    /* A raise kept in RAM reaches flash with the next accepted bundle, even one whose own
     * checkpoint is older. */
    CHECK_ERR(apply_note_at(n, t0 + 3 * SP_ATTESTED_TIME_PERSIST_STEP + 60),
              SP_ERR_QUORUM_NOT_MET);
    CHECK(status().attested_time == t0 + 3 * SP_ATTESTED_TIME_PERSIST_STEP);
    CHECK_OK(apply_signed_at(2, SP_MODE_RUN, 0, t0));
    CHECK(status().attested_time == t0 + 3 * SP_ATTESTED_TIME_PERSIST_STEP + 60);

    /* A persist failure while keeping T_att unloads the device, like any other. */
    memio_fail_nth(&M, MEMIO_SLOT_WRITE, 1);
    CHECK_ERR(apply_note_at(n, epoch_time(2) + 10 * SP_ATTESTED_TIME_PERSIST_STEP),
              SP_ERR_DEV_STORAGE);
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);
    CHECK_OK(reboot());
    CHECK(status().highest_epoch == 2);
}

/* A raise kept only in RAM is the device's time all the same: freshness uses it. */
static void test_attested_time_in_ram_counts(void)
{
    uint64_t edge = GENESIS + EPOCH_LENGTH + MAX_STALENESS; /* epoch 0's window closes */
    uint64_t counter;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed_at(2, SP_MODE_RUN, 0, edge - 10));
    CHECK_ERR(apply_signed_at(0, SP_MODE_RUN, 0, edge - 10), SP_ERR_DEV_EPOCH_NOT_NEWER);
    counter = M.counter;
    /* 20 s later, by a refused bundle: below the persist step, RAM only. */
    CHECK_ERR(apply_note_at(make_statement(3, SP_MODE_RUN, 0, 2), edge + 10),
              SP_ERR_QUORUM_NOT_MET);
    CHECK(M.counter == counter && status().attested_time == edge - 10);
    /* Epoch 0 is now past its window: the freeze defence fires first. */
    CHECK_ERR(apply_signed_at(0, SP_MODE_RUN, 0, edge - 10), SP_ERR_DEV_FROZEN);
}

/* A checkpoint that does not verify (too few witnesses, a bad cosignature) says nothing
 * about time: T_att does not move, however late its timestamps. */
static void test_attested_time_not_moved_by_unverified_checkpoint(void)
{
    pub_bundle_opts o;
    size_t n, len;
    uint64_t counter;
    uint64_t late = epoch_time(1) + 365ull * 86400;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    counter = M.counter;
    n = make_statement(2, SP_MODE_RUN, 0, 3);
    pub_bundle_defaults(&o, &PW, late);
    o.witness_mask = 0x1; /* one witness of the two needed */
    len = pub_bundle(bundle_buf, sizeof bundle_buf, &PW, &o, note_buf, n);
    CHECK_ERR(sp_device_apply(&D, (const uint8_t *)bundle_buf, len, &report, NULL),
              SP_ERR_WITNESS_QUORUM);
    CHECK(report.checkpoint_verified == 0);
    CHECK(D.attested_ram == epoch_time(1) && M.counter == counter);
    CHECK(status().highest_epoch == 1);
}

/* Freeze defence: start + epoch_length + max_staleness < T_att is refused; equality is
 * still fresh. */
static void test_freeze_window_boundary(void)
{
    uint64_t start5 = GENESIS + 5 * EPOCH_LENGTH;
    uint64_t last = start5 + EPOCH_LENGTH + MAX_STALENESS;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed_at(5, SP_MODE_RUN, 0, last));
    CHECK(status().highest_epoch == 5 && status().attested_time == last);
    provision();
    CHECK_ERR(apply_signed_at(5, SP_MODE_RUN, 0, last + 1), SP_ERR_DEV_FROZEN);
    CHECK(status().has_epoch == 0);
    /* The refusal still taught the device the time: persisted (a step >= 1 h from 0). */
    CHECK(status().attested_time == last + 1);
    /* A statement for the current epoch is fine. */
    CHECK_OK(apply_signed_at(7, SP_MODE_RUN, 0, last + 1));
    /* A device with T_att already past the window refuses the old bundle even with its
     * original, fresh-looking cosignatures. */
    CHECK_ERR(apply_signed(5, SP_MODE_RUN, 0), SP_ERR_DEV_FROZEN);
    CHECK(status().highest_epoch == 7);
}

/* Fast-forward defence: an epoch is accepted at most one ahead of the epoch T_att falls
 * in (signers may publish the next week's statement early), never further. */
static void test_fast_forward_boundary(void)
{
    uint64_t start4 = GENESIS + 4 * EPOCH_LENGTH;
    use_policy(ALLOWANCE);
    provision();
    /* T_att one second before epoch 4 starts: epoch 3 is current, 4 is the next. */
    CHECK_ERR(apply_signed_at(5, SP_MODE_RUN, 0, start4 - 1), SP_ERR_DEV_FAST_FORWARD);
    CHECK(status().has_epoch == 0);
    CHECK_OK(apply_signed_at(4, SP_MODE_RUN, 0, start4 - 1));
    /* At the start of epoch 4, epoch 5 becomes acceptable, and 6 still is not. */
    CHECK_ERR(apply_signed_at(6, SP_MODE_RUN, 0, start4), SP_ERR_DEV_FAST_FORWARD);
    CHECK_OK(apply_signed_at(5, SP_MODE_RUN, 0, start4));
    CHECK(status().highest_epoch == 5);
    /* Far in the future: refused before anything is persisted but the time. */
    CHECK_ERR(apply_signed_at(1000000, SP_MODE_RUN, 0, start4), SP_ERR_DEV_FAST_FORWARD);
    CHECK(status().highest_epoch == 5 && status().allowance == ALLOWANCE);
}

/* sp_epoch_window_of (what `softpause epoch` prints) against the device's own decisions:
 * at each epoch's frozen_after the bundle is accepted and a second later refused as
 * SP_ERR_DEV_FROZEN; at ahead_before accepted and a second earlier refused as
 * SP_ERR_DEV_FAST_FORWARD (epoch 0: accepted long before genesis).  Each probe on a fresh
 * device, so that only the freshness defences decide. */
static void test_epoch_window_matches_device(void)
{
    static const uint64_t epochs[] = {0, 1, 2, 5, 9};
    static sp_policy p;
    sp_epoch_window w;
    uint64_t last, start;
    uint32_t line = 0;

    use_policy(ALLOWANCE);
    CHECK_OK(sp_policy_parse(&p, (const uint8_t *)policy_text, policy_len, crypto, &line));
    for (size_t i = 0; i < sizeof epochs / sizeof epochs[0]; i++) {
        uint64_t e = epochs[i];
        CHECK_OK(sp_epoch_window_of(&p, e, &w));
        CHECK(w.epoch == e && w.start == GENESIS + e * EPOCH_LENGTH);
        CHECK(w.end == w.start + EPOCH_LENGTH);
        provision();
        CHECK_OK(apply_signed_at(e, SP_MODE_RUN, 0, w.frozen_after));
        provision();
        CHECK_ERR(apply_signed_at(e, SP_MODE_RUN, 0, w.frozen_after + 1), SP_ERR_DEV_FROZEN);
        if (e == 0) {
            CHECK(w.ahead_before == 0);
            provision();
            CHECK_OK(apply_signed_at(0, SP_MODE_RUN, 0, GENESIS - 365 * 86400ull));
            continue;
        }
        provision();
        CHECK_OK(apply_signed_at(e, SP_MODE_RUN, 0, w.ahead_before));
        provision();
        CHECK_ERR(apply_signed_at(e, SP_MODE_RUN, 0, w.ahead_before - 1),
                  SP_ERR_DEV_FAST_FORWARD);
    }
    /* The last epoch is the last one sp_epoch_start accepts. */
    last = sp_epoch_last(&p);
    CHECK(last == (SP_MAX_TIME - GENESIS) / EPOCH_LENGTH);
    CHECK_OK(sp_epoch_window_of(&p, last, &w));
    CHECK(w.start <= SP_MAX_TIME && w.frozen_after == w.start + EPOCH_LENGTH + MAX_STALENESS);
    CHECK_ERR(sp_epoch_start(&p, last + 1, &start), SP_ERR_STMT_START_RANGE);
    CHECK_ERR(sp_epoch_window_of(&p, last + 1, &w), SP_ERR_STMT_START_RANGE);
    CHECK(w.start == 0 && w.frozen_after == 0);
    CHECK_ERR(sp_epoch_window_of(&p, SP_MAX_EPOCH + 1, &w), SP_ERR_STMT_EPOCH_RANGE);
    CHECK_ERR(sp_epoch_window_of(&p, 0, NULL), SP_ERR_ARGUMENT);
}

/* Witnesses dating their cosignatures before genesis: only epoch 0 can be accepted. */
static void test_attested_time_before_genesis(void)
{
    use_policy(ALLOWANCE);
    provision();
    CHECK_ERR(apply_signed_at(1, SP_MODE_RUN, 0, GENESIS - 86400), SP_ERR_DEV_FAST_FORWARD);
    CHECK_OK(apply_signed_at(0, SP_MODE_RUN, 0, GENESIS - 86400));
    CHECK(status().highest_epoch == 0 && status().attested_time == GENESIS - 86400);
}

/* A device updated in the field boots from its format-version-1 record (attested time
 * 0) and writes version 2 on its next state change. */
static void test_v1_record_migrated_on_next_write(void)
{
    uint8_t rec[SP_STATE_RECORD_BYTES];
    sp_device_state st;
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    st = status();
    /* Replace the current record by its version-1 encoding (what the old firmware wrote). */
    sv1_record(rec, &st, holder.key);
    memcpy(M.ext.slots[D.slot], rec, sizeof rec);
    CHECK_OK(reboot());
    CHECK(status().attested_time == 0 && status().highest_epoch == 1);
    CHECK(status().allowance == ALLOWANCE && status().stamp == st.stamp);
    /* The next write is version 2 and carries the attested time from then on. */
    CHECK(consume(1, NULL) == 1);
    CHECK(M.ext.slots[D.slot][4] == 0 && M.ext.slots[D.slot][5] == 2);
    CHECK_OK(apply_signed(2, SP_MODE_RUN, 0));
    CHECK_OK(reboot());
    CHECK(status().attested_time == epoch_time(2) && status().highest_epoch == 2);
    CHECK(M.ext.slots[D.slot][5] == 2);
}

int main(void)
{
    static const uint8_t device_key[32] = {
        0x64, 0x65, 0x76, 0x69, 0x63, 0x65, 0x2d, 0x6b, 0x65, 0x79, 0x2d,
        0x31, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
        0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x10, 0x20, 0x30, 0x40,
    };
    if (sp_sodium_init() != SP_OK)
        return 1;
    sp_sodium_device_setup(&holder, device_key);
    crypto = &holder.crypto;
    for (int i = 0; i < 5; i++)
        fx_key_make(&keys[i], bodies[i], (uint8_t)(0x41 + i));
    pub_world_make(&PW);

    RUN_TEST(test_init_factory_state);
    RUN_TEST(test_init_only_at_factory);
    RUN_TEST(test_init_anchor_mismatch);
    RUN_TEST(test_init_refuses_bad_policy_before_anchoring);
    RUN_TEST(test_init_arguments);
    RUN_TEST(test_init_storage_failures);
    RUN_TEST(test_init_power_cut_retry);
    RUN_TEST(test_load_blank_and_erased);
    RUN_TEST(test_load_corrupt_both);
    RUN_TEST(test_load_one_corrupt_slot);
    RUN_TEST(test_load_torn_write);
    RUN_TEST(test_load_rollback);
    RUN_TEST(test_load_finishes_pending_increment);
    RUN_TEST(test_load_wrong_device_key);
    RUN_TEST(test_load_policy_bytes_checked);
    RUN_TEST(test_load_storage_failures);
    RUN_TEST(test_load_odd_stamps);
    RUN_TEST(test_apply_sets_not_adds);
    RUN_TEST(test_apply_epoch_must_increase);
    RUN_TEST(test_apply_refuses_bad_statements);
    RUN_TEST(test_pause_pauses_at_once_and_run_resumes);
    RUN_TEST(test_throttle);
    RUN_TEST(test_consume_reservation);
    RUN_TEST(test_consume_exhaustion);
    RUN_TEST(test_decide_is_consume_without_effect);
    RUN_TEST(test_consume_power_cut_never_gives_back);
    RUN_TEST(test_apply_power_cut);
    RUN_TEST(test_persist_failures);
    RUN_TEST(test_counter_endurance);
    RUN_TEST(test_not_loaded);
    RUN_TEST(test_attested_time_is_the_quorum_time);
    RUN_TEST(test_attested_time_one_ahead_one_behind_one_down);
    RUN_TEST(test_attested_time_above_ceiling_clamped_at_load);
    RUN_TEST(test_attested_time_only_moves_forward);
    RUN_TEST(test_attested_time_persisted_on_accept);
    RUN_TEST(test_attested_time_kept_on_refusal);
    RUN_TEST(test_attested_time_in_ram_counts);
    RUN_TEST(test_attested_time_not_moved_by_unverified_checkpoint);
    RUN_TEST(test_freeze_window_boundary);
    RUN_TEST(test_fast_forward_boundary);
    RUN_TEST(test_epoch_window_matches_device);
    RUN_TEST(test_attested_time_before_genesis);
    RUN_TEST(test_v1_record_migrated_on_next_write);
    return harness_finish("device");
}
