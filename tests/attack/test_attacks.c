/*
 * test_attacks.c -- the attack suite: the threats of the brief's section 4 (TUF's attack
 * list adapted to the soft pause), each a named test.
 *
 * The rule of this file: every attack input carries an otherwise complete, valid quorum
 * from the device's own policy keys (3 of 5 with a civil one), so that ONLY the check under
 * test can reject it, and each test asserts that check's error code.  Where an attack is on
 * the device (rollback, freeze, torn records, power cuts), it runs against the real device
 * state machine over in-memory storage with fault injection (tests/support/memio.h).
 */
#include <sodium.h>

#include "harness.h"
#include "softpause/device.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/statement.h"
#include "support/memio.h"
#include "support/policy_fixture.h"

#define QUORUM (PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B))

static pf_world w;
static sp_note work;
static char note[SP_MAX_NOTE_BYTES * 2];
static char text[1024];
static sp_statement st;
static sp_quorum_report report;
static uint32_t line;

static sp_err verify(const sp_policy *p, const char *n, size_t len)
{
    return sp_statement_verify(p, (const uint8_t *)n, len, sp_sodium_crypto(), &work, &st,
                               &report, &line);
}

/* A fresh device provisioned with the standard policy. */
static memio mem;
static sp_device dev;
static sp_sodium_device devkey;

static void device_fresh(void)
{
    static const uint8_t key[32] = {7, 7, 7};
    memio_init(&mem);
    sp_sodium_device_setup(&devkey, key);
    CHECK_OK(sp_device_init(&dev, &mem.io, &devkey.crypto, (const uint8_t *)w.policy_text,
                            w.policy_len));
}

static sp_err device_apply_epoch(uint64_t epoch, const char *mode)
{
    size_t n = pf_statement_note(note, sizeof note, &w, epoch, mode, QUORUM);
    return sp_device_apply(&dev, (const uint8_t *)note, n, &report, &line);
}

/* Sanity: the baseline quorum used by every attack is accepted. */
static void baseline_quorum_is_accepted(void)
{
    size_t n = pf_statement_note(note, sizeof note, &w, 3, "run", QUORUM);
    CHECK_OK(verify(&w.policy, note, n));
    CHECK(report.distinct_keys == 3);
}

/* ---- arbitrary authorisation / counting ------------------------------------------------ */

static void attack_fewer_than_k_keys(void)
{
    size_t n = pf_statement_note(note, sizeof note, &w, 3, "run",
                                 PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.distinct_keys == 2);
}

/* An in-memory policy that bypasses the loader's duplicate-key check: mil-alpha's public
 * key appears a second time, under another name (alias_name) or another key ID. */
static sp_policy aliased;
static void make_alias_policy(const char *alias_name, uint32_t alias_id)
{
    aliased = w.policy;
    sp_signer *s = &aliased.signers[aliased.signer_count];
    *s = w.policy.signers[PF_MIL_A];
    strcpy(s->key.name, alias_name);
    s->key.name_len = strlen(alias_name);
    s->key.key_id = alias_id;
    strcpy(s->body, "mil-alias");
    for (uint32_t r = 0; r < aliased.rule_count; r++)
        if (aliased.rules[r].kind == SP_SET_ALL ||
            (aliased.rules[r].members & PF_BIT(PF_MIL_A)))
            aliased.rules[r].members |= 1u << aliased.signer_count;
    aliased.signer_count++;
}

static size_t note_with_alias(const char *alias_name, uint32_t alias_id)
{
    size_t tl = pf_statement_text(text, sizeof text, &w.policy, 3, "run");
    size_t n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS,
                            PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    n += fx_sign_line_as(&w.keys[PF_MIL_A], alias_name, alias_id, text, tl, note + n,
                         sizeof note - n);
    return n;
}

static void attack_key_counted_twice_two_names(void)
{
    uint32_t id = fx_key_id("mil-alias.example", w.keys[PF_MIL_A].pk);
    make_alias_policy("mil-alias.example", id);
    size_t n = note_with_alias("mil-alias.example", id);
    CHECK_ERR(verify(&aliased, note, n), SP_ERR_QUORUM_KEY_COUNTED_TWICE);
    CHECK(report.distinct_keys == 2);
    CHECK(report.duplicate_lines == 1);
}

static void attack_key_counted_twice_two_key_ids(void)
{
    uint32_t other_id = w.keys[PF_MIL_A].id ^ 0x00010000u;
    make_alias_policy(w.keys[PF_MIL_A].name, other_id);
    size_t n = note_with_alias(w.keys[PF_MIL_A].name, other_id);
    CHECK_ERR(verify(&aliased, note, n), SP_ERR_QUORUM_KEY_COUNTED_TWICE);
    CHECK(report.distinct_keys == 2);
}

static void attack_key_counted_twice_duplicate_line(void)
{
    size_t n = pf_statement_note(note, sizeof note, &w, 3, "run",
                                 PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    /* Repeat the last signature line verbatim. */
    size_t last = n - 1;
    while (last > 0 && note[last - 1] != '\n')
        last--;
    memcpy(note + n, note + last, n - last);
    n += n - last;
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_QUORUM_KEY_COUNTED_TWICE);
    CHECK(report.distinct_keys == 2);
    CHECK(report.duplicate_lines == 1);
}

/* The counter itself, on the in-memory policy, without any note: both aliases valid. */
static void attack_key_counted_twice_counter_direct(void)
{
    uint32_t failed;
    make_alias_policy("mil-alias.example", 0x12345678u);
    uint32_t valid = PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | (1u << (aliased.signer_count - 1));
    CHECK_ERR(sp_quorum_evaluate(&aliased, valid, &failed), SP_ERR_QUORUM_KEY_COUNTED_TWICE);
    CHECK(failed < aliased.rule_count);
    CHECK_OK(sp_quorum_evaluate(&aliased, valid | PF_BIT(PF_MIL_B), &failed));
}

static void attack_military_only_quorum(void)
{
    size_t n = pf_statement_note(note, sizeof note, &w, 3, "run", PF_ALL_MILITARY);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.distinct_keys == 3);
    CHECK(report.failed_rule < w.policy.rule_count);
    CHECK(w.policy.rules[report.failed_rule].kind == SP_SET_TAG);
    CHECK(strcmp(w.policy.tags[w.policy.rules[report.failed_rule].tag], "civil") == 0);
}

/* ---- mix-and-match -------------------------------------------------------------------- */

static void attack_mix_and_match_signature(void)
{
    static char other[4096];
    /* mil-beta signed epoch 2; its line is attached to epoch 3's statement. */
    size_t on = pf_statement_note(other, sizeof other, &w, 2, "run", PF_BIT(PF_MIL_B));
    size_t n = pf_statement_note(note, sizeof note, &w, 3, "run",
                                 PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    const char *sig = strstr(other, "\n\n") + 2;
    memcpy(note + n, sig, on - (size_t)(sig - other));
    n += on - (size_t)(sig - other);
    note[n] = '\0';
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.invalid_lines == 1);
    CHECK(report.line_status[2] == SP_LINE_INVALID);
}

static void attack_other_deployment(void)
{
    pf_statement_text(text, sizeof text, &w.policy, 3, "run");
    pf_replace(text, sizeof text, PF_DEPLOYMENT, "other.example/softpause");
    size_t n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_STMT_DEPLOYMENT);
}

static void attack_other_policy(void)
{
    char hex[65], zeros[65];
    pf_hex(hex, w.policy.hash, 32);
    memset(zeros, 'a', 64);
    zeros[64] = '\0';
    pf_statement_text(text, sizeof text, &w.policy, 3, "run");
    pf_replace(text, sizeof text, hex, zeros);
    size_t n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_STMT_POLICY);
}

/* ---- domain confusion ------------------------------------------------------------------ */

static void attack_checkpoint_as_statement(void)
{
    /* A C2SP tlog-checkpoint (origin, size, root hash) signed by the policy's own keys. */
    const char *checkpoint = "test.example/softpause-log\n42\n"
                             "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    size_t n = pf_sign_mask(note, sizeof note, checkpoint, w.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_STMT_HEADER);
}

static void attack_policy_update_presented_as_authorisation(void)
{
    pf_statement_text(text, sizeof text, &w.policy, 3, "run");
    pf_replace(text, sizeof text, "authorisation", "policy-update");
    size_t n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_STMT_WRONG_TYPE);
}

/* ---- freshness: rollback, fast-forward, freeze ----------------------------------------- */

static void attack_rollback_to_older_epoch(void)
{
    device_fresh();
    CHECK_OK(device_apply_epoch(5, "run"));
    CHECK_ERR(device_apply_epoch(4, "run"), SP_ERR_DEV_EPOCH_NOT_NEWER);
    CHECK(dev.state.highest_epoch == 5);
}

static void attack_fast_forward_out_of_range(void)
{
    /* Epoch 2^53 + 1: fully signed, start written as genesis + epoch*length would be. */
    snprintf(text, sizeof text, "softpause/v1 authorisation %s\n", PF_DEPLOYMENT);
    size_t tl = pf_statement_text(text, sizeof text, &w.policy, 3, "run");
    (void)tl;
    pf_replace(text, sizeof text, "epoch 3\n", "epoch 9007199254740993\n");
    size_t n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_STMT_EPOCH_RANGE);
}

static void attack_fast_forward_start_beyond_range(void)
{
    /* An epoch <= 2^53 whose start would pass 2^53 seconds. */
    char start[64];
    pf_statement_text(text, sizeof text, &w.policy, 3, "run");
    snprintf(start, sizeof start, "start %llu\n",
             (unsigned long long)(PF_GENESIS + 3ull * PF_EPOCH_LENGTH));
    pf_replace(text, sizeof text, "epoch 3\n", "epoch 9007199254740000\n");
    pf_replace(text, sizeof text, start, "start 9007199254740992\n");
    size_t n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_STMT_START_RANGE);
}

static void attack_start_time_mismatch(void)
{
    char start[64], wrong[64];
    pf_statement_text(text, sizeof text, &w.policy, 3, "run");
    snprintf(start, sizeof start, "start %llu\n",
             (unsigned long long)(PF_GENESIS + 3ull * PF_EPOCH_LENGTH));
    snprintf(wrong, sizeof wrong, "start %llu\n",
             (unsigned long long)(PF_GENESIS + 3ull * PF_EPOCH_LENGTH + 1));
    pf_replace(text, sizeof text, start, wrong);
    size_t n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_STMT_START);
}

/* Indefinite freeze: replaying the last bundle forever buys exactly one allowance. */
static void attack_freeze_by_replaying_last_bundle(void)
{
    sp_decision d;
    uint64_t granted = 0;
    device_fresh();
    CHECK_OK(device_apply_epoch(7, "run"));
    for (int i = 0; i < 1000; i++) {
        CHECK_ERR(device_apply_epoch(7, "run"), SP_ERR_DEV_EPOCH_NOT_NEWER);
        sp_err e = sp_device_consume(&dev, 86400, &d);
        if (e != SP_OK) {
            CHECK_ERR(e, SP_ERR_DEV_EXHAUSTED);
            CHECK(d.mode == SP_MODE_PAUSE);
            break;
        }
        granted += d.granted;
    }
    CHECK(granted == PF_ALLOWANCE);
}

/* ---- endless data and malformed text ---------------------------------------------------- */

static size_t quorum_note(void)
{
    return pf_statement_note(note, sizeof note, &w, 3, "run", QUORUM);
}

static void attack_oversized_note(void)
{
    size_t n = quorum_note();
    /* Pad with unknown-key lines until past SP_MAX_NOTE_BYTES (not just many lines). */
    memset(note + n, 'x', SP_MAX_NOTE_BYTES);
    n += SP_MAX_NOTE_BYTES;
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_NOTE_TOO_LARGE);
}

static void attack_oversized_line(void)
{
    size_t n = quorum_note();
    char *p = note + n;
    memcpy(p, "\xE2\x80\x94 junk ", 9);
    memset(p + 9, 'A', SP_MAX_LINE_BYTES);
    p[9 + SP_MAX_LINE_BYTES] = '\n';
    n += 10 + SP_MAX_LINE_BYTES;
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_NOTE_LINE_TOO_LONG);
}

static void attack_too_many_signature_lines(void)
{
    size_t n = quorum_note();
    const char *first = strstr(note, "\n\n") + 2;
    size_t len = (size_t)(strchr(first, '\n') - first) + 1;
    for (unsigned i = 3; i <= SP_MAX_SIG_LINES; i++) {
        memmove(note + n, first, len);
        n += len;
    }
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_NOTE_TOO_MANY_SIGS);
}

/* A text modification that every signer signed: only the syntax check can refuse it. */
static void signed_text_variant(const char *from, const char *to, sp_err want)
{
    pf_statement_text(text, sizeof text, &w.policy, 3, "run");
    pf_replace(text, sizeof text, from, to);
    size_t n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&w.policy, note, n), want);
}

static void attack_malformed_carriage_return(void)
{
    signed_text_variant("epoch 3\n", "epoch 3\r\n", SP_ERR_NOTE_CARRIAGE_RETURN);
}

static void attack_malformed_control_character(void)
{
    signed_text_variant("epoch 3\n", "epoch 3\t\n", SP_ERR_NOTE_CONTROL_CHAR);
}

static void attack_malformed_invalid_utf8(void)
{
    signed_text_variant("mode run", "mode run\xC0\xAF", SP_ERR_NOTE_UTF8);
}

static void attack_malformed_trailing_text_line(void)
{
    signed_text_variant("mode run\n", "mode run\nextra trailing line\n", SP_ERR_STMT_FORMAT);
}

static void attack_malformed_missing_blank_line(void)
{
    size_t n = quorum_note();
    char *blank = strstr(note, "\n\n");
    memmove(blank + 1, blank + 2, n - (size_t)(blank + 2 - note));
    n--;
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_NOTE_NO_SIGNATURES);
}

static void attack_malformed_ascii_dash(void)
{
    size_t n = quorum_note();
    char *sig = strstr(note, "\n\n") + 2;
    /* Replace the 3-byte em dash of the first line by '-' (shorter: shift the rest). */
    sig[0] = '-';
    memmove(sig + 1, sig + 3, n - (size_t)(sig + 3 - note));
    n -= 2;
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_NOTE_ASCII_DASH);
}

static void attack_malformed_no_final_newline(void)
{
    size_t n = quorum_note();
    CHECK_ERR(verify(&w.policy, note, n - 1), SP_ERR_NOTE_NO_FINAL_NEWLINE);
}

static void attack_malformed_trailing_junk(void)
{
    size_t n = quorum_note();
    memcpy(note + n, "junk\n", 5);
    CHECK_ERR(verify(&w.policy, note, n + 5), SP_ERR_NOTE_SIG_LINE);
}

/* Relays may add junk signature lines from unknown keys: ignored and reported, never fatal. */
static void relay_junk_lines_are_ignored(void)
{
    size_t n = quorum_note();
    n += (size_t)snprintf(note + n, sizeof note - n,
                          "\xE2\x80\x94 stranger.example AAAAAAAAAAAA\n");
    CHECK_OK(verify(&w.policy, note, n));
    CHECK(report.unknown_lines == 1);
}

/* ---- device state: torn and rolled-back records, power cuts ----------------------------- */

static void attack_rolled_back_storage_image(void)
{
    memio_image old;
    device_fresh();
    CHECK_OK(device_apply_epoch(1, "run"));
    memio_snapshot(&mem, &old);          /* image the external flash */
    CHECK_OK(device_apply_epoch(2, "pause"));
    memio_restore(&mem, &old);           /* put the epoch-1 image back */
    CHECK_ERR(sp_device_load(&dev, &mem.io, &devkey.crypto), SP_ERR_DEV_ROLLBACK);
    sp_decision d;
    CHECK_ERR(sp_device_consume(&dev, 60, &d), SP_ERR_DEV_NOT_LOADED);
    CHECK(d.mode == SP_MODE_PAUSE);
}

static void attack_erased_storage_does_not_reopen_init(void)
{
    device_fresh();
    CHECK_OK(device_apply_epoch(1, "run"));
    memio_corrupt(&mem, 0, 20, 0xFF);
    memio_corrupt(&mem, 1, 20, 0xFF);
    CHECK_ERR(sp_device_load(&dev, &mem.io, &devkey.crypto), SP_ERR_DEV_NO_RECORD);
    CHECK_ERR(sp_device_init(&dev, &mem.io, &devkey.crypto, (const uint8_t *)w.policy_text,
                             w.policy_len),
              SP_ERR_DEV_NOT_FACTORY);
}

static void attack_forged_record_without_device_key(void)
{
    static const uint8_t other_key[32] = {9};
    sp_sodium_device forger;
    sp_device_state s;
    uint8_t rec[SP_STATE_RECORD_BYTES];
    device_fresh();
    CHECK_OK(device_apply_epoch(1, "run"));
    CHECK_OK(sp_device_status(&dev, &s));
    s.allowance = 1000000000ull; /* wants a huge allowance */
    s.stamp = mem.counter + 1;
    sp_sodium_device_setup(&forger, other_key);
    CHECK_OK(sp_state_encode(&s, rec, &forger.crypto));
    CHECK(mem.io.slot_write(mem.io.ctx, 0, rec) == 0);
    CHECK(mem.io.slot_write(mem.io.ctx, 1, rec) == 0);
    CHECK_ERR(sp_state_decode(&s, rec, &devkey.crypto), SP_ERR_DEV_RECORD_MAC);
    CHECK_ERR(sp_device_load(&dev, &mem.io, &devkey.crypto), SP_ERR_DEV_NO_RECORD);
}

/* A torn write while applying a new statement: reboot finds the previous record. */
static void attack_torn_record_during_apply(void)
{
    device_fresh();
    CHECK_OK(device_apply_epoch(1, "run"));
    uint64_t before = dev.state.highest_epoch;
    mem.tear_bytes = 40;
    /* Find the cut that hits the slot write: cut after every op count until apply fails
     * with the device unchanged on reboot. */
    memio_cut_after(&mem, 0);
    sp_err e = device_apply_epoch(2, "run");
    CHECK(e != SP_OK);
    memio_power_on(&mem);
    mem.tear_bytes = 0;
    CHECK_OK(sp_device_load(&dev, &mem.io, &devkey.crypto));
    CHECK(dev.state.highest_epoch == before);
    CHECK_OK(device_apply_epoch(2, "run")); /* and the device still works */
}

/* Power cut between debit and work, at every point of the consume write sequence: after
 * reboot the persisted allowance never exceeds what it was minus what was granted. */
static uint64_t allowance_before;
static void pc_prepare(memio *m, void *arg)
{
    (void)arg;
    CHECK_OK(sp_device_load(&dev, &m->io, &devkey.crypto));
    allowance_before = dev.state.allowance;
}
static uint64_t pc_run(memio *m, void *arg)
{
    sp_decision d;
    (void)m;
    (void)arg;
    if (sp_device_consume(&dev, 3600, &d) != SP_OK)
        return 0;
    return d.granted; /* work now happens; then power fails */
}
static void pc_check(memio *m, long cut, uint64_t granted, void *arg)
{
    (void)cut;
    (void)arg;
    sp_err e = sp_device_load(&dev, &m->io, &devkey.crypto);
    CHECK_OK(e);
    if (e == SP_OK)
        CHECK(dev.state.allowance + granted <= allowance_before);
}

static void attack_power_cut_between_debit_and_work(void)
{
    memio_sweep sweep = {pc_prepare, pc_run, pc_check, NULL};
    device_fresh();
    CHECK_OK(device_apply_epoch(1, "run"));
    unsigned long points = memio_cut_sweep(&mem, &sweep);
    CHECK(points >= 3);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    pf_world_make(&w);
    RUN_TEST(baseline_quorum_is_accepted);
    RUN_TEST(attack_fewer_than_k_keys);
    RUN_TEST(attack_key_counted_twice_two_names);
    RUN_TEST(attack_key_counted_twice_two_key_ids);
    RUN_TEST(attack_key_counted_twice_duplicate_line);
    RUN_TEST(attack_key_counted_twice_counter_direct);
    RUN_TEST(attack_military_only_quorum);
    RUN_TEST(attack_mix_and_match_signature);
    RUN_TEST(attack_other_deployment);
    RUN_TEST(attack_other_policy);
    RUN_TEST(attack_checkpoint_as_statement);
    RUN_TEST(attack_policy_update_presented_as_authorisation);
    RUN_TEST(attack_rollback_to_older_epoch);
    RUN_TEST(attack_fast_forward_out_of_range);
    RUN_TEST(attack_fast_forward_start_beyond_range);
    RUN_TEST(attack_start_time_mismatch);
    RUN_TEST(attack_freeze_by_replaying_last_bundle);
    RUN_TEST(attack_oversized_note);
    RUN_TEST(attack_oversized_line);
    RUN_TEST(attack_too_many_signature_lines);
    RUN_TEST(attack_malformed_carriage_return);
    RUN_TEST(attack_malformed_control_character);
    RUN_TEST(attack_malformed_invalid_utf8);
    RUN_TEST(attack_malformed_trailing_text_line);
    RUN_TEST(attack_malformed_missing_blank_line);
    RUN_TEST(attack_malformed_ascii_dash);
    RUN_TEST(attack_malformed_no_final_newline);
    RUN_TEST(attack_malformed_trailing_junk);
    RUN_TEST(relay_junk_lines_are_ignored);
    RUN_TEST(attack_rolled_back_storage_image);
    RUN_TEST(attack_erased_storage_does_not_reopen_init);
    RUN_TEST(attack_forged_record_without_device_key);
    RUN_TEST(attack_torn_record_during_apply);
    RUN_TEST(attack_power_cut_between_debit_and_work);
    return harness_finish("attacks");
}
