/*
 * test_device.c -- the device state machine (softpause/device.h) over in-memory storage
 * with fault injection (tests/support/memio.h).
 *
 * Policies and statements are built here from the text formats of policy.h and
 * statement.h, signed with libsodium through tests/support/fixture.h -- independently of
 * the library's own formatters, so the device must accept what an outside signer made.
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

#define DEPLOYMENT "dacc-test"
#define GENESIS 1700000000ull
#define EPOCH_LENGTH 604800ull
#define ALLOWANCE 604800ull

static sp_sodium_device holder;
static const sp_crypto *crypto;
static fx_key keys[5];
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
                          "tags civil military\n",
                          GENESIS, EPOCH_LENGTH, (unsigned long long)allowance);
    for (int i = 0; i < 5; i++)
        n += (size_t)snprintf(out + n, cap - n, "signer %s %s %s\n", bodies[i], body_tags[i],
                              keys[i].vkey);
    n += (size_t)snprintf(out + n, cap - n, "rule 1 tag civil\nrule 3 all\n");
    if (n >= cap)
        abort();
    return n;
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

static sp_err apply_signed(uint64_t epoch, uint32_t mode, uint32_t permille)
{
    size_t n = make_statement(epoch, mode, permille, 3);
    sp_quorum_report report;
    uint32_t line;
    return sp_device_apply(&D, (const uint8_t *)note_buf, n, &report, &line);
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
    CHECK(M.ext.policy_len == policy_len && memcmp(M.ext.policy, policy_text, policy_len) == 0);
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
    CHECK_ERR(reboot(), SP_ERR_DEV_STORAGE); /* policy bytes gone */
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
    CHECK(!M.anchor_set && M.counter == 0 && !M.ext.policy_written);
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
    M.ext.policy[policy_len - 2] ^= 0x01; /* e.g. a rule weakened in flash */
    CHECK_ERR(reboot(), SP_ERR_DEV_ANCHOR_MISMATCH);
    expect_pause(1, SP_ERR_DEV_NOT_LOADED);
    M.ext.policy[policy_len - 2] ^= 0x01;
    M.ext.policy_len--;
    CHECK_ERR(reboot(), SP_ERR_DEV_ANCHOR_MISMATCH);
    M.ext.policy_len++;
    CHECK_OK(reboot());
}

static void test_load_storage_failures(void)
{
    use_policy(ALLOWANCE);
    provision();
    CHECK_OK(apply_signed(1, SP_MODE_RUN, 0));
    memio_fail_nth(&M, MEMIO_ANCHOR_READ, 1);
    CHECK_ERR(reboot(), SP_ERR_DEV_STORAGE);
    memio_fail_nth(&M, MEMIO_POLICY_READ, 1);
    CHECK_ERR(reboot(), SP_ERR_DEV_STORAGE);
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
    /* A record for another policy (same device key) is not a candidate either. */
    memio_erase(&M, 0);
    st.allowance = ALLOWANCE;
    st.policy_hash[0] ^= 1;
    CHECK_OK(sp_state_encode(&st, rec, crypto));
    memcpy(M.ext.slots[1], rec, sizeof rec);
    CHECK_ERR(reboot(), SP_ERR_DEV_NO_RECORD);
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
    CHECK_ERR(apply_signed(1, SP_MODE_THROTTLE, 100), SP_ERR_DEV_EPOCH_NOT_NEWER);
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
    sp_quorum_report report;
    uint32_t line;
    use_policy(ALLOWANCE);
    provision();
    writes = M.count[MEMIO_SLOT_WRITE];
    /* Too few signatures: the quorum ("3 of all") is not met. */
    n = make_statement(1, SP_MODE_RUN, 0, 2);
    CHECK_ERR(sp_device_apply(&D, (const uint8_t *)note_buf, n, &report, &line),
              SP_ERR_QUORUM_NOT_MET);
    /* A tampered text: signatures no longer verify. */
    n = make_statement(1, SP_MODE_RUN, 0, 3);
    note_buf[strlen("softpause/v1 authorisation " DEPLOYMENT "\npolicy 0")] ^= 0x01;
    CHECK(sp_device_apply(&D, (const uint8_t *)note_buf, n, &report, &line) != SP_OK);
    /* Junk. */
    CHECK(sp_device_apply(&D, (const uint8_t *)"hello\n", 6, NULL, NULL) != SP_OK);
    CHECK_ERR(sp_device_apply(&D, NULL, 0, NULL, NULL), SP_ERR_ARGUMENT);
    /* Nothing refused was persisted, and the device still has no authorisation. */
    CHECK(M.count[MEMIO_SLOT_WRITE] == writes && M.counter == 1);
    CHECK(status().has_epoch == 0);
    expect_pause(1, SP_ERR_DEV_NO_AUTHORISATION);
    /* A statement for another policy (the rest of it valid for this one). */
    use_policy(3600);
    n = make_statement(1, SP_MODE_RUN, 0, 3);
    use_policy(ALLOWANCE);
    CHECK_ERR(sp_device_apply(&D, (const uint8_t *)note_buf, n, NULL, NULL), SP_ERR_STMT_POLICY);
    /* Not loaded. */
    memset(&D, 0, sizeof D);
    n = make_statement(1, SP_MODE_RUN, 0, 3);
    CHECK_ERR(sp_device_apply(&D, (const uint8_t *)note_buf, n, NULL, NULL), SP_ERR_DEV_NOT_LOADED);
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
    RUN_TEST(test_consume_power_cut_never_gives_back);
    RUN_TEST(test_apply_power_cut);
    RUN_TEST(test_persist_failures);
    RUN_TEST(test_counter_endurance);
    RUN_TEST(test_not_loaded);
    return harness_finish("device");
}
