/*
 * test_attacks.c -- the attack suite: the threats of the brief's section 4 (TUF's attack
 * list adapted to the soft pause) and the attacks on publication (issue 3, section 4),
 * each a named test.
 *
 * The rule of this file: every attack input is otherwise complete and valid, so that ONLY
 * the check under test can reject it, and each test asserts that check's error code.
 *   - Statements carry a quorum from the device's own policy keys (3 of 5 with a civil
 *     one).
 *   - They are delivered the way a device receives them: inside a bundle (C2SP
 *     tlog-proof, tests/support/pub_fixture.h) with a valid inclusion proof in the
 *     world's log, the log's signature, and cosignatures from all three witnesses dated
 *     an hour into the statement's epoch -- so the freshness defences (freeze,
 *     fast-forward) stay quiet unless the attack is on freshness.  Statement-level
 *     attacks also check report.checkpoint_verified: the publication layer passed and
 *     the statement check is the one that fired.
 *   - Publication attacks change exactly one thing about such a bundle.
 * Where an attack is on the device (rollback, freeze, torn records, power cuts), it runs
 * against the real device state machine over in-memory storage with fault injection
 * (tests/support/memio.h).
 */
#include <sodium.h>

#include "harness.h"
#include "softpause/bundle.h"
#include "softpause/device.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/statement.h"
#include "softpause/update.h"
#include "support/memio.h"
#include "support/policy_fixture.h"
#include "support/update_fixture.h"

#define QUORUM (PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B))
#define EPOCH 3u    /* the epoch of the statement-level attacks */
#define DAY 86400ull
#define WEEK (7 * DAY)

static pf_world w;
static char note[SP_MAX_NOTE_BYTES * 2];
static char bundle[SP_MAX_BUNDLE_BYTES * 2];
static char text[1024];
static sp_statement st;
static sp_bundle_report report;
static sp_bundle_work work;
static uint32_t line;

/* ---- bundles ---------------------------------------------------------------------------- */

static uint64_t epoch_time(uint64_t epoch)
{
    return pf_epoch_time(&w.policy, epoch);
}

/* Wrap n[0..len) in a valid bundle cosigned at t, into `bundle`. */
static size_t wrap_at(const char *n, size_t len, uint64_t t)
{
    return pub_bundle_at(bundle, sizeof bundle, &w.pub, t, n, len);
}

static sp_err verify_bundle(const sp_policy *p, size_t blen)
{
    return sp_bundle_verify(p, (const uint8_t *)bundle, blen, sp_sodium_crypto(), &work, &st,
                            &report, &line);
}

/* A statement-level attack: the note, published and witnessed as the device would get it.
 * Whatever the verdict, publication itself must have passed. */
static sp_err verify(const sp_policy *p, const char *n, size_t len)
{
    sp_err e = verify_bundle(p, wrap_at(n, len, epoch_time(EPOCH)));
    CHECK(report.checkpoint_verified == 1 && report.witnesses.quorum_met == 1);
    return e;
}

/* The checkpoint note inside a bundle: after the first empty line. */
static char *bundle_checkpoint(void)
{
    return strstr(bundle, "\n\n") + 2;
}

/* The checkpoint's note text (origin, size, root): up to its own empty line. */
static size_t checkpoint_text_len(void)
{
    const char *cp = bundle_checkpoint();
    return (size_t)(strstr(cp, "\n\n") - cp) + 1;
}

/* Replace the bundle's checkpoint note by cp[0..len). */
static size_t splice_checkpoint(const char *cp, size_t len)
{
    char *at = bundle_checkpoint();
    memmove(at, cp, len);
    at[len] = '\0';
    return (size_t)(at - bundle) + len;
}

/* Append raw text (signature lines) to the bundle, i.e. to its checkpoint note. */
static size_t append(size_t blen, const char *s, size_t len)
{
    memcpy(bundle + blen, s, len);
    bundle[blen + len] = '\0';
    return blen + len;
}

/* Start of 1-based line `no` of the bundle. */
static char *bundle_line(int no)
{
    char *p = bundle;
    for (int i = 1; i < no; i++)
        p = strchr(p, '\n') + 1;
    return p;
}

/* Insert `s` as a new line `no` (pushing the old line `no` down), or delete line `no`. */
static size_t insert_line(size_t blen, int no, const char *s)
{
    char *at = bundle_line(no);
    size_t sl = strlen(s);
    memmove(at + sl, at, blen - (size_t)(at - bundle) + 1);
    memcpy(at, s, sl);
    return blen + sl;
}

static size_t delete_line(size_t blen, int no)
{
    char *at = bundle_line(no);
    size_t ll = (size_t)(strchr(at, '\n') - at) + 1;
    memmove(at, at + ll, blen - (size_t)(at - bundle) - ll + 1);
    return blen - ll;
}

static void b64(char *out, size_t cap, const void *bin, size_t len)
{
    sodium_bin2base64(out, cap, bin, len, sodium_base64_VARIANT_ORIGINAL);
}

/* ---- the device ----------------------------------------------------------------------- */

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

static sp_err device_apply(const char *b, size_t blen)
{
    return sp_device_apply(&dev, (const uint8_t *)b, blen, &report, &line);
}

/* The weekly cycle: epoch's statement in its bundle, cosigned an hour into the epoch. */
static sp_err device_apply_epoch(uint64_t epoch, const char *mode)
{
    size_t n = pf_statement_bundle(bundle, sizeof bundle, &w, epoch, mode, QUORUM);
    return device_apply(bundle, n);
}

/* The same statement, cosigned at time t. */
static sp_err device_apply_epoch_at(uint64_t epoch, const char *mode, uint64_t t)
{
    size_t n = pf_statement_note(note, sizeof note, &w, epoch, mode, QUORUM);
    return device_apply(bundle, wrap_at(note, n, t));
}

/* Sanity: the baseline quorum used by every attack is accepted. */
static void baseline_quorum_is_accepted(void)
{
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run", QUORUM);
    CHECK_OK(verify(&w.policy, note, n));
    CHECK(report.quorum.distinct_keys == 3);
}

/* ---- arbitrary authorisation / counting ------------------------------------------------ */

static void attack_fewer_than_k_keys(void)
{
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run",
                                 PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.quorum.distinct_keys == 2);
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
    size_t tl = pf_statement_text(text, sizeof text, &w.policy, EPOCH, "run");
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
    CHECK(report.quorum.distinct_keys == 2);
    CHECK(report.quorum.duplicate_lines == 1);
}

static void attack_key_counted_twice_two_key_ids(void)
{
    uint32_t other_id = w.keys[PF_MIL_A].id ^ 0x00010000u;
    make_alias_policy(w.keys[PF_MIL_A].name, other_id);
    size_t n = note_with_alias(w.keys[PF_MIL_A].name, other_id);
    CHECK_ERR(verify(&aliased, note, n), SP_ERR_QUORUM_KEY_COUNTED_TWICE);
    CHECK(report.quorum.distinct_keys == 2);
}

static void attack_key_counted_twice_duplicate_line(void)
{
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run",
                                 PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    /* Repeat the last signature line verbatim. */
    size_t last = n - 1;
    while (last > 0 && note[last - 1] != '\n')
        last--;
    memcpy(note + n, note + last, n - last);
    n += n - last;
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_QUORUM_KEY_COUNTED_TWICE);
    CHECK(report.quorum.distinct_keys == 2);
    CHECK(report.quorum.duplicate_lines == 1);
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
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run", PF_ALL_MILITARY);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.quorum.distinct_keys == 3);
    CHECK(report.quorum.failed_rule < w.policy.rule_count);
    CHECK(w.policy.rules[report.quorum.failed_rule].kind == SP_SET_TAG);
    CHECK(strcmp(w.policy.tags[w.policy.rules[report.quorum.failed_rule].tag], "civil") == 0);
}

/* ---- mix-and-match -------------------------------------------------------------------- */

static void attack_mix_and_match_signature(void)
{
    static char other[4096];
    /* mil-beta signed epoch 2; its line is attached to epoch 3's statement. */
    size_t on = pf_statement_note(other, sizeof other, &w, 2, "run", PF_BIT(PF_MIL_B));
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run",
                                 PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    const char *sig = strstr(other, "\n\n") + 2;
    memcpy(note + n, sig, on - (size_t)(sig - other));
    n += on - (size_t)(sig - other);
    note[n] = '\0';
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.quorum.invalid_lines == 1);
    CHECK(report.quorum.line_status[2] == SP_LINE_INVALID);
}

static void attack_other_deployment(void)
{
    pf_statement_text(text, sizeof text, &w.policy, EPOCH, "run");
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
    pf_statement_text(text, sizeof text, &w.policy, EPOCH, "run");
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
    pf_statement_text(text, sizeof text, &w.policy, EPOCH, "run");
    pf_replace(text, sizeof text, "authorisation", "policy-update");
    size_t n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_STMT_WRONG_TYPE);
}

/* ---- freshness: rollback, fast-forward, freeze ----------------------------------------- */

static void attack_rollback_to_older_epoch(void)
{
    device_fresh();
    CHECK_OK(device_apply_epoch(5, "run"));
    /* Epoch 4's bundle as published (cosigned a week before epoch 5's): inside the
     * freeze window, so the epoch check is what refuses it. */
    CHECK_ERR(device_apply_epoch(4, "run"), SP_ERR_DEV_EPOCH_NOT_NEWER);
    /* Re-published under a fresh checkpoint (the log still holds it): refused too. */
    CHECK_ERR(device_apply_epoch_at(4, "run", epoch_time(5)), SP_ERR_DEV_EPOCH_NOT_NEWER);
    CHECK(dev.state.highest_epoch == 5);
}

/* Fast-forward: a correctly signed, correctly published statement for an epoch far
 * ahead of the time the witnesses vouch for (a signer quorum pre-signing next year, or a
 * stolen signing key run forward) is refused: at most one epoch ahead of T_att. */
static void attack_fast_forward_far_future_epoch(void)
{
    device_fresh();
    CHECK_OK(device_apply_epoch(EPOCH, "run"));
    CHECK_ERR(device_apply_epoch_at(EPOCH + 52, "run", epoch_time(EPOCH)),
              SP_ERR_DEV_FAST_FORWARD);
    CHECK_ERR(device_apply_epoch_at(EPOCH + 2, "run", epoch_time(EPOCH)),
              SP_ERR_DEV_FAST_FORWARD);
    CHECK(report.checkpoint_verified == 1); /* everything else about it was valid */
    /* Nothing changed: the pre-signed epochs are worth nothing until their time. */
    CHECK(dev.state.highest_epoch == EPOCH && dev.state.allowance == PF_ALLOWANCE);
    /* The next week's statement, published early, is fine. */
    CHECK_OK(device_apply_epoch_at(EPOCH + 1, "run", epoch_time(EPOCH)));
}

static void attack_fast_forward_out_of_range(void)
{
    /* Epoch 2^53 + 1: fully signed, start written as genesis + epoch*length would be. */
    pf_statement_text(text, sizeof text, &w.policy, EPOCH, "run");
    pf_replace(text, sizeof text, "epoch 3\n", "epoch 9007199254740993\n");
    size_t n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_STMT_EPOCH_RANGE);
}

static void attack_fast_forward_start_beyond_range(void)
{
    /* An epoch <= 2^53 whose start would pass 2^53 seconds. */
    char start[64];
    pf_statement_text(text, sizeof text, &w.policy, EPOCH, "run");
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
    pf_statement_text(text, sizeof text, &w.policy, EPOCH, "run");
    snprintf(start, sizeof start, "start %llu\n",
             (unsigned long long)(PF_GENESIS + 3ull * PF_EPOCH_LENGTH));
    snprintf(wrong, sizeof wrong, "start %llu\n",
             (unsigned long long)(PF_GENESIS + 3ull * PF_EPOCH_LENGTH + 1));
    pf_replace(text, sizeof text, start, wrong);
    size_t n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_STMT_START);
}

/* Replaying the last bundle forever buys exactly one allowance. */
static void attack_freeze_by_replaying_last_bundle(void)
{
    static char last[SP_MAX_BUNDLE_BYTES];
    sp_decision d;
    uint64_t granted = 0;
    size_t n;
    device_fresh();
    n = pf_statement_bundle(last, sizeof last, &w, 7, "run", QUORUM);
    CHECK_OK(device_apply(last, n));
    for (int i = 0; i < 1000; i++) {
        CHECK_ERR(device_apply(last, n), SP_ERR_DEV_EPOCH_NOT_NEWER);
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

/*
 * Indefinite freeze, the real one: the attacker sits between the device and the world,
 * withholds every newer statement (the fleet-wide pause among them) and feeds the device
 * old, correctly signed and published ones.  Epochs alone cannot stop a statement the
 * device has never seen (epoch 8 while it holds 7); the witnesses' attested time does.
 * Order matters (device.h): freeze is checked BEFORE the epoch, so an old bundle is
 * refused as stale, not merely as not newer.
 */
static void attack_freeze_stale_bundle_after_newer_accepted(void)
{
    static char b7[SP_MAX_BUNDLE_BYTES], b8[SP_MAX_BUNDLE_BYTES];
    size_t n7, n8;
    device_fresh();
    n7 = pf_statement_bundle(b7, sizeof b7, &w, 7, "run", QUORUM);
    n8 = pf_statement_bundle(b8, sizeof b8, &w, 8, "run", QUORUM); /* hoarded */
    CHECK_OK(device_apply(b7, n7));
    /* Three weeks later the device gets through once: epoch 10, cosigned in week 10. */
    CHECK_OK(device_apply_epoch(10, "run"));
    CHECK(dev.state.attested_time == epoch_time(10));
    /* The old bundle, replayed: stale (epoch 7 ended with epoch 8, plus max-staleness). */
    CHECK_ERR(device_apply(b7, n7), SP_ERR_DEV_FROZEN);
    /* The hoarded one: stale too, and so not merely "not newer". */
    CHECK_ERR(device_apply(b8, n8), SP_ERR_DEV_FROZEN);
    CHECK(report.checkpoint_verified == 1);
    CHECK(dev.state.highest_epoch == 10);
}

/* The device never accepted anything newer, but it saw a newer checkpoint once, in a
 * bundle it refused (another deployment's statement in the same log): that is enough
 * for the hoarded statement to be stale -- and the time survives a reboot. */
static void attack_freeze_stale_bundle_after_refused_newer_checkpoint(void)
{
    static char b8[SP_MAX_BUNDLE_BYTES];
    size_t n8, n;
    n8 = pf_statement_bundle(b8, sizeof b8, &w, 8, "run", QUORUM); /* withheld */
    /* Control: without the newer checkpoint, the hoarded bundle would be accepted. */
    device_fresh();
    CHECK_OK(device_apply_epoch(7, "run"));
    CHECK_OK(device_apply(b8, n8));
    /* The attack. */
    device_fresh();
    CHECK_OK(device_apply_epoch(7, "run"));
    /* Weeks later, a bundle the device refuses, but whose checkpoint verifies. */
    pf_statement_text(text, sizeof text, &w.policy, 11, "run");
    pf_replace(text, sizeof text, PF_DEPLOYMENT, "other.example/softpause");
    n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(device_apply(bundle, wrap_at(note, n, epoch_time(11))), SP_ERR_STMT_DEPLOYMENT);
    CHECK(report.checkpoint_verified == 1);
    CHECK(dev.state.attested_time == epoch_time(11)); /* persisted: moved by >= 1 hour */
    CHECK_OK(sp_device_load(&dev, &mem.io, &devkey.crypto));
    CHECK_ERR(device_apply(b8, n8), SP_ERR_DEV_FROZEN);
    CHECK(dev.state.highest_epoch == 7);
}

/* The EPOCH statement in a bundle whose witnesses w1, w2, w3 cosign at t1, t2, t3. */
static size_t bundle_with_times(uint64_t t1, uint64_t t2, uint64_t t3)
{
    pub_bundle_opts o;
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run", QUORUM);
    pub_bundle_defaults(&o, &w.pub, t1);
    o.times[1] = t2;
    o.times[2] = t3;
    return pub_bundle(bundle, sizeof bundle, &w.pub, &o, note, n);
}

/* One witness dating its cosignature a year ahead cannot move the device's time: T_att
 * is what the QUORUM vouches for.  The fleet keeps running. */
static void attack_one_witness_dates_the_future(void)
{
    uint64_t t = epoch_time(EPOCH);
    device_fresh();
    CHECK_OK(device_apply(bundle, bundle_with_times(t + 365 * DAY, t, t)));
    CHECK(dev.attested_ram == epoch_time(EPOCH));
    CHECK_OK(device_apply_epoch(EPOCH + 1, "run"));
}

/* A colluding witness QUORUM dating a year ahead pauses the fleet early: the current
 * statement looks stale (docs/threat-model.md, section 5: the accepted residual risk --
 * it fails toward pause, needs a quorum of independent witnesses, and is public in the
 * cosignatures). */
static void attack_witness_quorum_dates_the_future(void)
{
    uint64_t t = epoch_time(EPOCH);
    device_fresh();
    CHECK_ERR(device_apply(bundle, bundle_with_times(t + 365 * DAY, t + 365 * DAY, t)),
              SP_ERR_DEV_FROZEN);
    CHECK(dev.state.has_epoch == 0 && dev.state.mode == SP_MODE_PAUSE);
}

/* A quorum-dated time at or above the attested-time ceiling (2^52, and anything up to the
 * 2^63 that was accepted before the ceiling) is refused while the checkpoint is checked:
 * the device neither raises T_att nor writes anything, and keeps running. */
static void attack_cosignature_beyond_ceiling_moves_nothing(void)
{
    static const uint64_t beyond[] = { SP_COSIG_TIME_LIMIT, ((uint64_t)1 << 63) - 1 };
    uint64_t t = epoch_time(EPOCH), counter;
    unsigned long writes;
    device_fresh();
    CHECK_OK(device_apply_epoch(EPOCH - 1, "run"));
    counter = mem.counter;
    writes = mem.count[MEMIO_SLOT_WRITE];
    for (size_t i = 0; i < sizeof beyond / sizeof beyond[0]; i++) {
        CHECK_ERR(device_apply(bundle, bundle_with_times(beyond[i], beyond[i], t)),
                  SP_ERR_COSIG_TIME_RANGE);
        CHECK(report.checkpoint_verified == 0);
        CHECK(dev.attested_ram == epoch_time(EPOCH - 1));
        CHECK(mem.counter == counter && mem.count[MEMIO_SLOT_WRITE] == writes);
    }
    CHECK_OK(device_apply(bundle, bundle_with_times(t, t, t)));
    CHECK(dev.state.highest_epoch == EPOCH && dev.state.attested_time == t);
}

/*
 * Time poisoned as far as it goes: a witness quorum (stolen keys, or its clocks gone wrong
 * together with the log's) dates a checkpoint at time `poison` <= the ceiling
 * 2^52 - 1, carried by a bundle the device refuses.  Honest statements are then stale
 * for good (honest witnesses never move T_att further), and renumbering -- the signers
 * signing the epoch numbers the device now believes in, published and cosigned honestly
 * at the real time -- buys exactly the epochs e with
 *     start(e) + epoch-length + max-staleness >= T_att      (the freeze window)
 *     e <= floor((T_att - genesis) / epoch-length) + 1      (the fast-forward bound),
 * i.e. 3 + floor(S/L) - [X mod L > S mod L] statements, X = T_att - genesis, L the epoch
 * length, S max-staleness (docs/threat-model.md 5.4).  The attacker here tries every
 * epoch from well below the window up; returns how many the device accepted before the
 * first SP_ERR_DEV_FAST_FORWARD, which must come at the bound + 1.
 */
static uint64_t renumbered_after_poison(uint64_t poison)
{
    const uint64_t L = PF_EPOCH_LENGTH, newest = (poison - PF_GENESIS) / L + 1;
    const uint64_t honest = epoch_time(EPOCH + 1); /* the real time, as witnesses say */
    uint64_t accepted = 0, e;
    sp_err r;
    device_fresh();
    CHECK_OK(device_apply_epoch(EPOCH, "run"));
    CHECK_ERR(device_apply(bundle, bundle_with_times(poison, poison, honest)),
              SP_ERR_DEV_FROZEN);
    CHECK(report.checkpoint_verified == 1 && dev.state.attested_time == poison);
    CHECK_OK(sp_device_load(&dev, &mem.io, &devkey.crypto)); /* it survives a reboot */
    CHECK(dev.attested_ram == poison);
    CHECK_ERR(device_apply_epoch(EPOCH + 1, "run"), SP_ERR_DEV_FROZEN); /* honest: stale */
    for (e = newest - 8; (r = device_apply_epoch_at(e, "run", honest)) != SP_ERR_DEV_FAST_FORWARD;
         e++) {
        if (r == SP_OK)
            accepted++;
        else
            CHECK_ERR(r, accepted == 0 ? SP_ERR_DEV_FROZEN : SP_OK);
        if (e > newest + 1) /* the bound did not hold: stop */
            break;
    }
    CHECK(e == newest + 1);
    CHECK(report.checkpoint_verified == 1);
    CHECK(dev.state.highest_epoch == newest && dev.attested_ram == poison);
    CHECK_ERR(device_apply_epoch_at(newest + 52, "run", honest), SP_ERR_DEV_FAST_FORWARD);
    CHECK(dev.state.attested_time == poison);
    return accepted;
}

static void attack_time_poisoned_to_the_ceiling(void)
{
    const uint64_t L = PF_EPOCH_LENGTH, S = PF_MAX_STALENESS;
    const uint64_t ceiling = SP_COSIG_TIME_LIMIT - 1, x = ceiling - PF_GENESIS;
    /* genesis 1735689600, one-week epochs, one week of max-staleness: X mod L = 272895 >
     * S mod L = 0, so 3 + 1 - 1 = 3 statements (epochs 7446425084..7446425086). */
    CHECK(x % L == 272895u && S % L == 0u);
    CHECK(renumbered_after_poison(ceiling) == 3u);
    CHECK(dev.state.highest_epoch == 7446425086ull);
    /* The bound 3 + floor(S/L) is reached when T_att falls early enough in its epoch: the
     * last epoch start below the ceiling gives 4. */
    CHECK(renumbered_after_poison(PF_GENESIS + x / L * L) == 3u + S / L);
}

/* ---- endless data and malformed text ---------------------------------------------------- */

static size_t quorum_note(void)
{
    return pf_statement_note(note, sizeof note, &w, EPOCH, "run", QUORUM);
}

static void attack_oversized_note(void)
{
    size_t n = quorum_note();
    /* Pad with unknown-key lines until past SP_MAX_NOTE_BYTES (not just many lines). */
    memset(note + n, 'x', SP_MAX_NOTE_BYTES);
    n += SP_MAX_NOTE_BYTES;
    /* As a statement the note is too large ... */
    CHECK_ERR(sp_statement_verify(&w.policy, (const uint8_t *)note, n, sp_sodium_crypto(),
                                  &work.note, &st, &report.quorum, &line),
              SP_ERR_NOTE_TOO_LARGE);
    /* ... and in a bundle the envelope refuses its extra line before decoding it. */
    CHECK_ERR(verify_bundle(&w.policy, wrap_at(note, n, epoch_time(EPOCH))),
              SP_ERR_PROOF_FORMAT);
    CHECK(line == 2 && report.checkpoint_verified == 0);
}

/* A bundle past SP_MAX_BUNDLE_BYTES (here: junk cosignature lines) is refused unread. */
static void attack_oversized_bundle(void)
{
    static const char junk[] = "\xE2\x80\x94 junk.example AAAAAAAAAAAA\n";
    size_t blen = wrap_at(note, quorum_note(), epoch_time(EPOCH));
    while (blen <= SP_MAX_BUNDLE_BYTES)
        blen = append(blen, junk, sizeof junk - 1);
    CHECK_ERR(verify_bundle(&w.policy, blen), SP_ERR_PROOF_FORMAT);
    CHECK(report.checkpoint_verified == 0);
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
    pf_statement_text(text, sizeof text, &w.policy, EPOCH, "run");
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
    CHECK(report.quorum.unknown_lines == 1);
}

/* ---- publication (issue 3, section 4) -------------------------------------------------- */

/* Sanity: the baseline bundle passes every publication check, and the device takes it. */
static void baseline_bundle_is_accepted(void)
{
    size_t n = pf_statement_bundle(bundle, sizeof bundle, &w, EPOCH, "run", QUORUM);
    CHECK_OK(verify_bundle(&w.policy, n));
    CHECK(report.checkpoint_verified == 1 && report.witnesses.quorum_met == 1);
    CHECK(report.witnesses.cosigned == PUB_ALL_WITNESSES && report.index == PUB_INDEX);
    CHECK(report.witnesses.quorum_time == epoch_time(EPOCH));
    CHECK(report.checkpoint.size == PUB_TREE_SIZE);
    device_fresh();
    CHECK_OK(device_apply(bundle, n));
}

/* A statement nobody published, on its own: refused before anything else is read. */
static void attack_unlogged_statement_bare(void)
{
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run", QUORUM);
    CHECK_ERR(sp_bundle_verify(&w.policy, (const uint8_t *)note, n, sp_sodium_crypto(), &work,
                               &st, &report, &line),
              SP_ERR_BUNDLE_BARE_STATEMENT);
    device_fresh();
    CHECK_ERR(device_apply(note, n), SP_ERR_BUNDLE_BARE_STATEMENT);
    CHECK(dev.state.has_epoch == 0 && mem.counter == 1);
}

/* A correctly signed statement that was never logged, in the bundle of one that was (the
 * proof and the witnessed checkpoint are for a tree that does not contain it). */
static void attack_unlogged_statement_in_logged_bundle(void)
{
    static char decoy[SP_MAX_NOTE_BYTES];
    char *extra, *end;
    size_t dn = pf_statement_note(decoy, sizeof decoy, &w, EPOCH, "pause", QUORUM);
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run", QUORUM);
    size_t blen = wrap_at(decoy, dn, epoch_time(EPOCH)); /* the log holds the pause */
    char enc[SP_MAX_NOTE_BYTES * 2];
    b64(enc, sizeof enc, note, n);
    extra = bundle_line(2) + strlen("extra ");
    end = strchr(extra, '\n');
    memmove(extra + strlen(enc), end, blen - (size_t)(end - bundle) + 1);
    memcpy(extra, enc, strlen(enc));
    blen = strlen(bundle);
    CHECK_ERR(verify_bundle(&w.policy, blen), SP_ERR_MERKLE_ROOT_MISMATCH);
    CHECK(report.checkpoint_verified == 1);
    device_fresh();
    CHECK_ERR(device_apply(bundle, blen), SP_ERR_MERKLE_ROOT_MISMATCH);
    CHECK(dev.state.has_epoch == 0);
}

/* The signatures a device counts are the published ones: an extra signature line added
 * after logging (here a fourth, valid one) changes the leaf, and the proof fails. */
static void attack_unlogged_signature_line(void)
{
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run", QUORUM);
    size_t blen = wrap_at(note, n, epoch_time(EPOCH));
    char enc[SP_MAX_NOTE_BYTES * 2], *extra, *end;
    pf_statement_text(text, sizeof text, &w.policy, EPOCH, "run");
    n += fx_sign_line(&w.keys[PF_CIV_B], text, strlen(text), note + n, sizeof note - n);
    b64(enc, sizeof enc, note, n);
    extra = bundle_line(2) + strlen("extra ");
    end = strchr(extra, '\n');
    memmove(extra + strlen(enc), end, blen - (size_t)(end - bundle) + 1);
    memcpy(extra, enc, strlen(enc));
    CHECK_ERR(verify_bundle(&w.policy, strlen(bundle)), SP_ERR_MERKLE_ROOT_MISMATCH);
}

/* A tlog-proof without the statement: nothing to apply. */
static void attack_bundle_without_statement(void)
{
    pub_bundle_opts o;
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run", QUORUM);
    pub_bundle_defaults(&o, &w.pub, epoch_time(EPOCH));
    o.omit_extra = 1;
    CHECK_ERR(verify_bundle(&w.policy, pub_bundle(bundle, sizeof bundle, &w.pub, &o, note, n)),
              SP_ERR_BUNDLE_NO_STATEMENT);
}

/* A second log's checkpoint for a tree (same size) that does not hold the statement,
 * signed by `log` under `origin`, cosigned by every witness: cp[]. */
static char cp[4096];
static size_t other_log_checkpoint(const fx_key *log, const char *origin)
{
    static char decoy[SP_MAX_NOTE_BYTES];
    uint8_t root[32], proof[64][32];
    size_t np, dn;
    pub_bundle_opts o;
    dn = pf_statement_note(decoy, sizeof decoy, &w, EPOCH, "pause", QUORUM);
    pub_tree(decoy, dn, PUB_TREE_SIZE, PUB_INDEX, root, proof, &np);
    pub_bundle_defaults(&o, &w.pub, epoch_time(EPOCH));
    o.log = log;
    o.origin = origin;
    return pub_checkpoint_note(cp, sizeof cp, &w.pub, &o, PUB_TREE_SIZE, root);
}

/* A proof from log A with log B's checkpoint, B not in the policy. */
static void attack_proof_with_unknown_logs_checkpoint(void)
{
    fx_key log_b, impostor;
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run", QUORUM);
    size_t cl;
    fx_key_make(&log_b, "other.test.example/log", 0x62);
    /* B under its own name: not a log of this policy. */
    wrap_at(note, n, epoch_time(EPOCH));
    cl = other_log_checkpoint(&log_b, log_b.name);
    CHECK_ERR(verify_bundle(&w.policy, splice_checkpoint(cp, cl)), SP_ERR_CKPT_ORIGIN);
    CHECK(report.checkpoint_verified == 0);
    /* B claiming A's origin: no valid signature by A's key. */
    wrap_at(note, n, epoch_time(EPOCH));
    cl = other_log_checkpoint(&log_b, PUB_LOG_ORIGIN);
    CHECK_ERR(verify_bundle(&w.policy, splice_checkpoint(cp, cl)), SP_ERR_CKPT_LOG_SIGNATURE);
    /* A key of A's very name (and so a signature line that names A): the key ID differs. */
    fx_key_make(&impostor, PUB_LOG_ORIGIN, 0x63);
    wrap_at(note, n, epoch_time(EPOCH));
    cl = other_log_checkpoint(&impostor, NULL);
    CHECK_ERR(verify_bundle(&w.policy, splice_checkpoint(cp, cl)), SP_ERR_CKPT_LOG_SIGNATURE);
    /* No log signature at all, only the witnesses'. */
    wrap_at(note, n, epoch_time(EPOCH));
    cl = other_log_checkpoint(NULL, NULL);
    CHECK_ERR(verify_bundle(&w.policy, splice_checkpoint(cp, cl)), SP_ERR_CKPT_LOG_SIGNATURE);
}

/* A proof from log A with log B's checkpoint, both logs in the policy: B's checkpoint is
 * genuine and witnessed, but B's tree does not hold the statement. */
static void attack_proof_with_other_policy_logs_checkpoint(void)
{
    static char two_text[16384];
    static sp_policy two_logs;
    char a_line[512], ab_lines[1024];
    fx_key log_b;
    size_t tl, n, cl;
    uint32_t pl = 0;
    fx_key_make(&log_b, "other.test.example/log", 0x62);
    strcpy(two_text, w.policy_text);
    snprintf(a_line, sizeof a_line, "log %s\n", w.pub.log.vkey);
    snprintf(ab_lines, sizeof ab_lines, "log %s\nlog %s\n", w.pub.log.vkey, log_b.vkey);
    tl = pf_replace(two_text, sizeof two_text, a_line, ab_lines);
    CHECK_OK(sp_policy_parse(&two_logs, (const uint8_t *)two_text, tl, sp_sodium_crypto(), &pl));
    CHECK(two_logs.witness.log_count == 2);
    /* A statement fully valid under the two-log policy. */
    pf_statement_text(text, sizeof text, &two_logs, EPOCH, "run");
    n = pf_sign_mask(note, sizeof note, text, w.keys, PF_NKEYS, QUORUM);
    /* Control: published in A, or in B, it verifies. */
    CHECK_OK(verify_bundle(&two_logs, wrap_at(note, n, epoch_time(EPOCH))));
    {
        pub_bundle_opts o;
        pub_bundle_defaults(&o, &w.pub, epoch_time(EPOCH));
        o.log = &log_b;
        o.origin = log_b.name;
        CHECK_OK(verify_bundle(&two_logs, pub_bundle(bundle, sizeof bundle, &w.pub, &o, note, n)));
    }
    /* A's proof, B's checkpoint of a tree without the statement. */
    wrap_at(note, n, epoch_time(EPOCH));
    cl = other_log_checkpoint(&log_b, log_b.name);
    CHECK_ERR(verify_bundle(&two_logs, splice_checkpoint(cp, cl)), SP_ERR_MERKLE_ROOT_MISMATCH);
    CHECK(report.checkpoint_verified == 1 && report.witnesses.log_index == 1);
}

/* The cosignature line of witness `i` over another checkpoint of the same log: the tree
 * one leaf earlier (what w1 really cosigned last time), dated t. */
static size_t moved_cosignature(char *out, size_t cap, int i, uint64_t t)
{
    uint8_t root[32], proof[64][32];
    char older[256], r64[64];
    size_t np, n = pf_statement_note(note, sizeof note, &w, EPOCH, "run", QUORUM);
    pub_tree(note, n, PUB_TREE_SIZE - 1, PUB_INDEX, root, proof, &np);
    b64(r64, sizeof r64, root, 32);
    snprintf(older, sizeof older, "%s\n%u\n%s\n", PUB_LOG_ORIGIN, PUB_TREE_SIZE - 1, r64);
    return pub_cosign_line(out, cap, &w.pub, i, t, older, strlen(older));
}

static size_t bundle_with_witnesses(uint32_t mask, uint64_t t)
{
    pub_bundle_opts o;
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run", QUORUM);
    pub_bundle_defaults(&o, &w.pub, t);
    o.witness_mask = mask;
    return pub_bundle(bundle, sizeof bundle, &w.pub, &o, note, n);
}

/* A cosignature moved from another checkpoint: refused outright, even when the quorum
 * holds without it, and not merely left uncounted when it is needed. */
static void attack_cosignature_moved_from_other_checkpoint(void)
{
    char line_w1[256];
    uint64_t t = epoch_time(EPOCH);
    size_t ll = moved_cosignature(line_w1, sizeof line_w1, 0, t);
    size_t blen = bundle_with_witnesses(0x6, t); /* w2, w3 */
    CHECK_ERR(verify_bundle(&w.policy, append(blen, line_w1, ll)), SP_ERR_COSIG_INVALID);
    blen = bundle_with_witnesses(0x2, t); /* w2 only: the moved w1 line would complete it */
    CHECK_ERR(verify_bundle(&w.policy, append(blen, line_w1, ll)), SP_ERR_COSIG_INVALID);
    CHECK(report.checkpoint_verified == 0);
}

/* A cosignature re-dated (its timestamp changed to look fresh): the signature covers the
 * time, so it no longer verifies.  Or cut short to its key ID and time. */
static void attack_cosignature_redated(void)
{
    uint8_t payload[76];
    size_t plen = 0, blen = bundle_with_witnesses(PUB_ALL_WITNESSES, epoch_time(EPOCH));
    char *sig = strstr(bundle_checkpoint(), "\xE2\x80\x94 w1.test.example ") + 20;
    char *end = strchr(sig, '\n');
    char enc[128];
    uint64_t t = epoch_time(EPOCH) + 3 * WEEK;
    CHECK(sodium_base642bin(payload, sizeof payload, sig, (size_t)(end - sig), NULL, &plen, NULL,
                            sodium_base64_VARIANT_ORIGINAL) == 0 &&
          plen == sizeof payload);
    for (int b = 0; b < 8; b++)
        payload[4 + b] = (uint8_t)(t >> (56 - 8 * b));
    b64(enc, sizeof enc, payload, sizeof payload);
    CHECK(strlen(enc) == (size_t)(end - sig));
    memcpy(sig, enc, strlen(enc));
    CHECK_ERR(verify_bundle(&w.policy, blen), SP_ERR_COSIG_INVALID);
    /* Cut short instead (the timestamp without its signature): malformed. */
    b64(enc, sizeof enc, payload, 12);
    memcpy(sig, enc, strlen(enc));
    memmove(sig + strlen(enc), end, blen - (size_t)(end - bundle) + 1);
    CHECK_ERR(verify_bundle(&w.policy, strlen(bundle)), SP_ERR_COSIG_FORMAT);
}

/* A witness that cosigns twice is refused (not counted twice, not silently counted once),
 * whether the second line is a copy or another valid cosignature with another time. */
static void attack_witness_cosigns_twice(void)
{
    char again[256];
    uint64_t t = epoch_time(EPOCH);
    size_t ctl, ll, blen;
    /* w1 alone would need a second witness; w1's second line must not be it. */
    blen = bundle_with_witnesses(0x1, t);
    ctl = checkpoint_text_len();
    ll = pub_cosign_line(again, sizeof again, &w.pub, 0, t + 60, bundle_checkpoint(), ctl);
    CHECK_ERR(verify_bundle(&w.policy, append(blen, again, ll)), SP_ERR_COSIG_DUPLICATE);
    /* With the quorum already met, the duplicate is still refused. */
    blen = bundle_with_witnesses(0x3, t);
    ll = pub_cosign_line(again, sizeof again, &w.pub, 0, t, bundle_checkpoint(), ctl);
    CHECK_ERR(verify_bundle(&w.policy, append(blen, again, ll)), SP_ERR_COSIG_DUPLICATE);
}

/* Too few witnesses: one of the two needed, none, or one plus a stranger (a valid
 * cosignature by a key the policy does not know is ignored, not counted). */
static void attack_too_few_witnesses(void)
{
    fx_key stranger;
    char sline[256];
    uint64_t t = epoch_time(EPOCH);
    size_t blen;
    CHECK_ERR(verify_bundle(&w.policy, bundle_with_witnesses(0x4, t)), SP_ERR_WITNESS_QUORUM);
    CHECK(report.checkpoint_verified == 0 && report.witnesses.cosigned == 0x4);
    CHECK_ERR(verify_bundle(&w.policy, bundle_with_witnesses(0, t)), SP_ERR_WITNESS_QUORUM);
    fx_key_make(&stranger, "w4.test.example", 0x74);
    blen = bundle_with_witnesses(0x1, t);
    blen = append(blen, sline,
                  fx_cosign_line(&stranger, t, bundle_checkpoint(), checkpoint_text_len(), sline,
                                 sizeof sline));
    CHECK_ERR(verify_bundle(&w.policy, blen), SP_ERR_WITNESS_QUORUM);
    CHECK(report.witnesses.unknown_lines == 1);
    device_fresh();
    CHECK_ERR(device_apply(bundle, blen), SP_ERR_WITNESS_QUORUM);
    CHECK(dev.attested_ram == 0); /* an unwitnessed checkpoint says nothing about time */
}

/* Proofs of the wrong length: one hash too many, one too few (truncated), the index moved,
 * a hash altered, past SP_MAX_PROOF_HASHES, or an index outside the tree.  Lines 4..6 of
 * the standard bundle are its three proof hashes (index 3 of 5). */
static void attack_proof_wrong_length(void)
{
    static const char extra_hash[] = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    size_t blen = bundle_with_witnesses(PUB_ALL_WITNESSES, epoch_time(EPOCH));
    CHECK(strncmp(bundle_line(3), "index 3\n", 8) == 0 && strncmp(bundle_line(7), "\n", 1) == 0);
    /* over-long by one */
    CHECK_ERR(verify_bundle(&w.policy, insert_line(blen, 7, extra_hash)),
              SP_ERR_MERKLE_PROOF_LENGTH);
    CHECK(report.checkpoint_verified == 1);
    /* truncated by one, and empty */
    blen = bundle_with_witnesses(PUB_ALL_WITNESSES, epoch_time(EPOCH));
    CHECK_ERR(verify_bundle(&w.policy, delete_line(blen, 6)), SP_ERR_MERKLE_PROOF_LENGTH);
    blen = bundle_with_witnesses(PUB_ALL_WITNESSES, epoch_time(EPOCH));
    blen = delete_line(delete_line(delete_line(blen, 4), 4), 4);
    CHECK_ERR(verify_bundle(&w.policy, blen), SP_ERR_MERKLE_PROOF_LENGTH);
}

static void attack_proof_too_long(void)
{
    static const char extra_hash[] = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    size_t blen = bundle_with_witnesses(PUB_ALL_WITNESSES, epoch_time(EPOCH));
    for (unsigned i = 3; i < SP_MAX_PROOF_HASHES + 1; i++)
        blen = insert_line(blen, 7, extra_hash);
    CHECK_ERR(verify_bundle(&w.policy, blen), SP_ERR_MERKLE_PROOF_TOO_LONG);
    CHECK(report.checkpoint_verified == 0); /* refused by the envelope, before hashing */
    /* SP_MAX_PROOF_HASHES exactly is a length problem for this tree, not an envelope one */
    blen = delete_line(blen, 7);
    CHECK_ERR(verify_bundle(&w.policy, blen), SP_ERR_MERKLE_PROOF_LENGTH);
}

static void attack_proof_wrong_index_or_hash(void)
{
    size_t blen = bundle_with_witnesses(PUB_ALL_WITNESSES, epoch_time(EPOCH));
    char *h = bundle_line(5);
    h[0] = h[0] == 'A' ? 'B' : 'A'; /* another 32-byte hash */
    CHECK_ERR(verify_bundle(&w.policy, blen), SP_ERR_MERKLE_ROOT_MISMATCH);
    blen = bundle_with_witnesses(PUB_ALL_WITNESSES, epoch_time(EPOCH));
    bundle_line(3)[6] = '2'; /* "index 2": the proof is for index 3 */
    CHECK_ERR(verify_bundle(&w.policy, blen), SP_ERR_MERKLE_ROOT_MISMATCH);
    blen = bundle_with_witnesses(PUB_ALL_WITNESSES, epoch_time(EPOCH));
    bundle_line(3)[6] = '5'; /* past the tree's last leaf */
    CHECK_ERR(verify_bundle(&w.policy, blen), SP_ERR_MERKLE_SIZE);
}

/* Cosignature timestamps at the edges: 0, 2^52 (the attested-time ceiling) and 2^64 - 1,
 * correctly signed. */
static void attack_cosignature_time_out_of_range(void)
{
    uint64_t t = epoch_time(EPOCH);
    CHECK_ERR(verify_bundle(&w.policy, bundle_with_times(0, t, t)), SP_ERR_COSIG_TIME_ZERO);
    CHECK_ERR(verify_bundle(&w.policy, bundle_with_times(SP_COSIG_TIME_LIMIT, t, t)),
              SP_ERR_COSIG_TIME_RANGE);
    CHECK_ERR(verify_bundle(&w.policy, bundle_with_times(UINT64_MAX, t, t)),
              SP_ERR_COSIG_TIME_RANGE);
    /* the largest valid timestamp is accepted by the checkpoint (and freezes the statement) */
    device_fresh();
    CHECK_ERR(device_apply(bundle, bundle_with_times(SP_COSIG_TIME_LIMIT - 1,
                                                     SP_COSIG_TIME_LIMIT - 1, t)),
              SP_ERR_DEV_FROZEN);
    CHECK(report.checkpoint_verified == 1);
}

/* Domain confusion between the two kinds of signed note a device sees. */
static void attack_log_checkpoint_as_statement(void)
{
    /* The log's own checkpoint note (log signature and cosignatures) logged as a leaf and
     * presented as the statement. */
    size_t blen = bundle_with_witnesses(PUB_ALL_WITNESSES, epoch_time(EPOCH));
    size_t cl = blen - (size_t)(bundle_checkpoint() - bundle);
    memcpy(cp, bundle_checkpoint(), cl);
    CHECK_ERR(verify_bundle(&w.policy, wrap_at(cp, cl, epoch_time(EPOCH))), SP_ERR_STMT_HEADER);
    CHECK(report.checkpoint_verified == 1);
    /* A checkpoint given where a bundle belongs. */
    device_fresh();
    CHECK_ERR(device_apply(cp, cl), SP_ERR_PROOF_FORMAT);
}

static void attack_statement_as_checkpoint(void)
{
    /* A statement text signed by the log and cosigned by every witness (as if they could
     * be tricked into signing it), in the checkpoint's place. */
    size_t tl, cl;
    bundle_with_witnesses(PUB_ALL_WITNESSES, epoch_time(EPOCH));
    tl = pf_statement_text(text, sizeof text, &w.policy, EPOCH, "run");
    memcpy(cp, text, tl);
    cp[tl] = '\n';
    cl = tl + 1;
    cl += fx_sign_line(&w.pub.log, text, tl, cp + cl, sizeof cp - cl);
    for (int i = 0; i < PUB_NWITNESSES; i++)
        cl += pub_cosign_line(cp + cl, sizeof cp - cl, &w.pub, i, epoch_time(EPOCH), text, tl);
    CHECK_ERR(verify_bundle(&w.policy, splice_checkpoint(cp, cl)), SP_ERR_CKPT_FORMAT);
}

/*
 * Split view: the log shows the public one tree (the fleet-wide pause at index 3) and one
 * device another tree of the same size (a run statement there).  A device sees one bundle
 * and cannot compare trees; it relies on the witness quorum: an honest witness never
 * cosigns two roots for one size (it answers 409 and keeps the evidence -- the witness
 * server's tests, tests/server/test_witness.c), so the second tree carries at most the
 * cosignatures of colluding witnesses, fewer than the quorum.
 */
static void attack_split_view(void)
{
    static char paused[SP_MAX_NOTE_BYTES];
    pub_bundle_opts o;
    size_t pn = pf_statement_note(paused, sizeof paused, &w, EPOCH, "pause", QUORUM);
    size_t n = pf_statement_note(note, sizeof note, &w, EPOCH, "run", QUORUM);
    size_t blen;
    /* The public view, cosigned by everyone. */
    CHECK_OK(verify_bundle(&w.policy, wrap_at(paused, pn, epoch_time(EPOCH))));
    /* The hidden view: same size, another root; w2 and w3 refused it, w1 colludes. */
    pub_bundle_defaults(&o, &w.pub, epoch_time(EPOCH));
    o.witness_mask = 0x1;
    blen = pub_bundle(bundle, sizeof bundle, &w.pub, &o, note, n);
    CHECK_ERR(verify_bundle(&w.policy, blen), SP_ERR_WITNESS_QUORUM);
    CHECK(report.checkpoint_verified == 0);
    device_fresh();
    CHECK_ERR(device_apply(bundle, blen), SP_ERR_WITNESS_QUORUM);
    CHECK(dev.state.has_epoch == 0);
    /* The trust boundary, stated: a colluding quorum (w1 and w2) could cosign it. */
    o.witness_mask = 0x3;
    CHECK_OK(verify_bundle(&w.policy, pub_bundle(bundle, sizeof bundle, &w.pub, &o, note, n)));
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

/* ---- policy updates (issue 9 section 1, library level) ---------------------------------
 *
 * The chain P1 -> P2 -> P3 of tests/support/update_fixture.h (P2 re-keys civ-beta, P3 adds
 * civ-gamma).  Every input is a complete update signed by every key of both quorums --
 * unless the attack is on the signatures -- so only the targeted check can refuse it.
 * Each goes through sp_update_verify AND through a device (sp_device_apply) at the
 * policy it targets, published in a bundle cosigned by the current witness quorum: the
 * device must refuse with the same code and adopt nothing (issue 9 section 6). */

static uf_world uw;
static sp_update_result ures;
static sp_update_report urep;
static sp_note uwork;
static char utext[SP_MAX_NOTE_BYTES], upol[UF_POLICY_CAP];

static char ubundle[SP_MAX_BUNDLE_BYTES * 2];
static char unote[SP_MAX_NOTE_BYTES * 2];

/* n[0..len) as a device gets it: logged, in a bundle cosigned by the standard (current)
 * witnesses a day into epoch EPOCH. */
static size_t update_bundle(const char *n, size_t len)
{
    return pub_bundle_at(ubundle, sizeof ubundle, &w.pub, epoch_time(EPOCH) + DAY, n, len);
}

/* A fresh device brought to policy P[at] (0: P1) by the honest updates. */
static void device_at(int at)
{
    device_fresh();
    for (int i = 0; i < at; i++) {
        size_t m = uf_update_note(unote, sizeof unote, &uw, i, i == 0 ? UF_P1_P2_KEYS : UF_P2_P3_KEYS);
        CHECK_OK(device_apply(ubundle, update_bundle(unote, m)));
    }
    CHECK(dev.state.policy_version == (uint64_t)at + 1);
}

/* The update note n through a device at P[at]: its code, and nothing adopted on refusal. */
static sp_err device_update(int at, const char *n)
{
    sp_err e;
    device_at(at);
    e = device_apply(ubundle, update_bundle(n, strlen(n)));
    CHECK(report.checkpoint_verified == 1 && report.witnesses.quorum_met == 1);
    if (e != SP_OK)
        CHECK(dev.state.policy_version == (uint64_t)at + 1 &&
              memcmp(dev.policy.hash, uw.p[at].hash, 32) == 0);
    return e;
}

/* sp_update_verify against `current`, and -- where current is P1, P2 or P3 -- the same
 * update through a device at that policy, which must give the same verdict. */
static sp_err update_verify(const sp_policy *current, const char *n)
{
    uint32_t lib_line;
    sp_err e = sp_update_verify(current, (const uint8_t *)n, strlen(n), sp_sodium_crypto(),
                                &uwork, &ures, &urep, &line);
    lib_line = line;
    for (int at = 0; at < 3; at++)
        if (current == &uw.p[at])
            CHECK_ERR(device_update(at, n), e);
    line = lib_line;
    return e;
}

/* P1 -> (P2 with `from` replaced by `to`), version 2, signed by every key of P1 and P2
 * and, if extra is not NULL, by that key too (a key the variant adds). */
static sp_err update_p2_variant(const char *from, const char *to, const fx_key *extra)
{
    (void)uf_variant(upol, sizeof upol, uw.text[1], from, to);
    (void)uf_update_text(utext, sizeof utext, &uw.p[0], 2, upol, 0);
    (void)uf_sign(note, sizeof note, &uw, utext, UF_P1_P2_KEYS);
    if (extra != NULL)
        (void)fx_sign_line(extra, utext, strlen(utext), note + strlen(note),
                           sizeof note - strlen(note));
    return update_verify(&uw.p[0], note);
}

static void attack_update_baseline_accepted(void)
{
    /* the device suite's standard world is the fixture's P1 */
    CHECK(memcmp(w.policy.hash, uw.p[0].hash, 32) == 0);
    (void)uf_update_note(note, sizeof note, &uw, 0, UF_P1_P2_KEYS);
    CHECK_OK(update_verify(&uw.p[0], note));
    (void)uf_update_note(note, sizeof note, &uw, 1, UF_P2_P3_KEYS);
    CHECK_OK(update_verify(&uw.p[1], note));
    /* the variant helper's honest case, and one whose new rules need civ-beta's new key */
    CHECK_OK(update_p2_variant(NULL, NULL, NULL));
    CHECK_OK(update_p2_variant("rule 1 tag civil\n", "rule 2 tag civil\n", NULL));
}

/* The current quorum alone cannot install a policy whose rules its keys do not meet. */
static void attack_update_old_quorum_only(void)
{
    (void)uf_variant(upol, sizeof upol, uw.text[1], "rule 1 tag civil\n", "rule 2 tag civil\n");
    (void)uf_update_text(utext, sizeof utext, &uw.p[0], 2, upol, 0);
    (void)uf_sign(note, sizeof note, &uw, utext, UF_P1_KEYS);
    CHECK_ERR(update_verify(&uw.p[0], note), SP_ERR_UPDATE_NEW_QUORUM);
}

/* A full quorum of the new policy that is no quorum of the current one. */
static void attack_update_new_quorum_only(void)
{
    (void)uf_update_note(note, sizeof note, &uw, 0,
                         PF_BIT(UF_CIV_B2) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    CHECK_ERR(update_verify(&uw.p[0], note), SP_ERR_UPDATE_OLD_QUORUM);
}

static void attack_update_skip(void)
{
    (void)uf_update_note(note, sizeof note, &uw, 1, UF_P1_KEYS | UF_P2_P3_KEYS);
    CHECK_ERR(update_verify(&uw.p[0], note), SP_ERR_UPDATE_SKIPPED);
}

static void attack_update_rollback_and_replay(void)
{
    /* P1 -> P2 on a P3 device */
    (void)uf_update_note(note, sizeof note, &uw, 0, UF_P1_P2_KEYS | UF_P3_KEYS);
    CHECK_ERR(update_verify(&uw.p[2], note), SP_ERR_UPDATE_NOT_NEWER);
    /* replay: P1 -> P2 on a P2 device */
    CHECK_ERR(update_verify(&uw.p[1], note), SP_ERR_UPDATE_NOT_NEWER);
    /* an update carrying P1 itself as version 1 */
    (void)uf_update_text(utext, sizeof utext, &uw.p[0], 1, uw.text[0], 0);
    (void)uf_sign(note, sizeof note, &uw, utext, UF_P1_P2_KEYS);
    CHECK_ERR(update_verify(&uw.p[0], note), SP_ERR_UPDATE_NOT_NEWER);
}

/* A fork: an update from a sibling of P1 (same version, another hash) offered to P1. */
static void attack_update_fork(void)
{
    sp_policy sibling;
    size_t n = uf_variant(upol, sizeof upol, uw.text[0], "allowance 648000\n",
                          "allowance 86400\n");
    CHECK_OK(sp_policy_parse(&sibling, (const uint8_t *)upol, n, sp_sodium_crypto(), &line));
    (void)uf_update_text(utext, sizeof utext, &sibling, 2, uw.text[1], 0);
    (void)uf_sign(note, sizeof note, &uw, utext, UF_P1_P2_KEYS);
    CHECK_ERR(update_verify(&uw.p[0], note), SP_ERR_UPDATE_NOT_CURRENT);
}

static void attack_update_other_deployment(void)
{
    uint8_t h[32];
    uf_policy_hash(h, uw.text[1], uw.len[1]);
    (void)uf_update_text_raw(utext, sizeof utext, "other.example/softpause", uw.p[0].hash, 2, h,
                             0, uw.text[1]);
    (void)uf_sign(note, sizeof note, &uw, utext, UF_P1_P2_KEYS);
    CHECK_ERR(update_verify(&uw.p[0], note), SP_ERR_STMT_DEPLOYMENT);
}

static void attack_update_invalid_new_policy(void)
{
    char from[600], to[1200];
    fx_key dup, roles;
    /* single-body quorum: the civil rule alone */
    CHECK_ERR(update_p2_variant("rule 1 tag civil\nrule 3 all\n", "rule 1 tag civil\n", NULL),
              SP_ERR_POLICY_SINGLE_BODY);
    /* duplicate key: a new body under civ-alpha's public key */
    fx_key_make(&dup, "civ-gamma.example", PF_SEED_BASE + PF_CIV_A);
    snprintf(from, sizeof from, "signer mil-alpha ");
    snprintf(to, sizeof to, "signer civ-gamma civil %s\nsigner mil-alpha ", dup.vkey);
    CHECK_ERR(update_p2_variant(from, to, &dup), SP_ERR_POLICY_DUPLICATE_KEY);
    /* one key in two roles: a new signer under the log's key */
    fx_key_make(&roles, "civ-gamma.example", uw.pf.pub.log.seed[0]);
    snprintf(to, sizeof to, "signer civ-gamma civil %s\nsigner mil-alpha ", roles.vkey);
    CHECK_ERR(update_p2_variant(from, to, &roles), SP_ERR_POLICY_KEY_ROLES);
}

static void attack_update_civil_rule_removed(void)
{
    CHECK_ERR(update_p2_variant("rule 1 tag civil\n",
                                "rule 1 signers civ-alpha.example,civ-beta.example\n", NULL),
              SP_ERR_UPDATE_RULE_DROPPED);
}

static void attack_update_two_of_two_witnesses(void)
{
    char from[400];
    (void)uf_variant(upol, sizeof upol, uw.text[1], "group witnesses 2 w1 w2 w3\n",
                     "group witnesses 2 w1 w2\n");
    snprintf(from, sizeof from, "witness w3 %s\n", uw.pf.pub.witness_vkeys[2]);
    (void)pf_replace(upol, sizeof upol, from, "");
    (void)uf_update_text(utext, sizeof utext, &uw.p[0], 2, upol, 0);
    (void)uf_sign(note, sizeof note, &uw, utext, UF_P1_P2_KEYS);
    CHECK_ERR(update_verify(&uw.p[0], note), SP_ERR_UPDATE_WITNESS_QUORUM);
}

static void attack_update_immutable_fields(void)
{
    CHECK_ERR(update_p2_variant("genesis 1735689600\n", "genesis 1735084800\n", NULL),
              SP_ERR_UPDATE_IMMUTABLE);
    CHECK_ERR(update_p2_variant("epoch-length 604800\n", "epoch-length 302400\n", NULL),
              SP_ERR_UPDATE_IMMUTABLE);
}

static void attack_update_wrong_hash_line(void)
{
    (void)uf_update_text_raw(utext, sizeof utext, PF_DEPLOYMENT, uw.p[0].hash, 2, uw.p[2].hash,
                             0, uw.text[1]);
    (void)uf_sign(note, sizeof note, &uw, utext, UF_P1_P2_KEYS);
    CHECK_ERR(update_verify(&uw.p[0], note), SP_ERR_UPDATE_HASH);
}

/* Mix and match: the current quorum's lines from update A pasted under update B. */
static void attack_update_mixed_signature_lines(void)
{
    static char a[SP_MAX_NOTE_BYTES * 2];
    char b2[600];
    (void)uf_update_note(a, sizeof a, &uw, 0, UF_P1_KEYS);
    (void)uf_variant(upol, sizeof upol, uw.text[1], "allowance 648000\n", "allowance 86400\n");
    (void)uf_update_text(utext, sizeof utext, &uw.p[0], 2, upol, 0);
    snprintf(note, sizeof note, "%s\n%s", utext, strstr(a, "\n\n") + 2);
    (void)fx_sign_line(&uw.keys[UF_CIV_B2], utext, strlen(utext), b2, sizeof b2);
    strcat(note, b2);
    CHECK_ERR(update_verify(&uw.p[0], note), SP_ERR_UPDATE_OLD_QUORUM);
    CHECK(urep.current.invalid_lines == 5);
}

/* Proof of possession: civ-beta's new key is installed without ever having signed. */
static void attack_update_added_key_unsigned(void)
{
    (void)uf_update_note(note, sizeof note, &uw, 0, UF_P1_KEYS);
    CHECK_ERR(update_verify(&uw.p[0], note), SP_ERR_UPDATE_UNSIGNED_KEY);
}

/* A real update, published and witnessed, on the statement (bundle) path. */
static void attack_update_on_statement_path(void)
{
    size_t n = uf_update_note(note, sizeof note, &uw, 0, UF_P1_P2_KEYS);
    CHECK_ERR(verify(&w.policy, note, n), SP_ERR_STMT_WRONG_TYPE);
}

/* The device path (issue 9 section 2): a bare update, with no publication proof. */
static void attack_update_bare(void)
{
    size_t n = uf_update_note(note, sizeof note, &uw, 0, UF_P1_P2_KEYS);
    device_at(0);
    CHECK_OK(device_apply(ubundle, update_bundle(note, n))); /* control: published, adopted */
    device_at(0);
    CHECK_ERR(device_apply(note, n), SP_ERR_BUNDLE_BARE_STATEMENT);
    CHECK(dev.state.policy_version == 1);
}

/* An update whose new policy rotates every witness, "published" under a checkpoint that
 * only the NEW witnesses cosigned: publication must be proven under the current policy. */
static void attack_update_cosigned_by_new_witnesses_only(void)
{
    static pub_world nw;
    char from[400], to[400];
    size_t n;
    nw = w.pub;
    memcpy(upol, uw.text[1], uw.len[1] + 1);
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        fx_key *k = &nw.witnesses[i];
        fx_key_make(k, w.pub.witnesses[i].name, (uint8_t)(0xA1 + i));
        nw.witness_ids[i] = fx_key_id_typed(k->name, 0x04, k->pk);
        fx_cosigner_vkey(k, nw.witness_vkeys[i], sizeof nw.witness_vkeys[i]);
        snprintf(from, sizeof from, " %s\n", w.pub.witness_vkeys[i]);
        snprintf(to, sizeof to, " %s\n", nw.witness_vkeys[i]);
        (void)pf_replace(upol, sizeof upol, from, to);
    }
    (void)uf_update_text(utext, sizeof utext, &uw.p[0], 2, upol, 0);
    n = uf_sign(note, sizeof note, &uw, utext, UF_P1_P2_KEYS);
    /* control: the same update under the current witnesses is adopted */
    device_at(0);
    CHECK_OK(device_apply(ubundle, update_bundle(note, n)));
    CHECK(dev.policy.witness.witness_count == 3 &&
          memcmp(dev.policy.witness.witnesses[0].key.public_key, nw.witnesses[0].pk, 32) == 0);
    device_at(0);
    n = pub_bundle_at(ubundle, sizeof ubundle, &nw, epoch_time(EPOCH) + DAY, note, n);
    CHECK_ERR(device_apply(ubundle, n), SP_ERR_WITNESS_QUORUM);
    CHECK(dev.state.policy_version == 1);
}

/* After an update, a statement naming the old policy is refused; the new policy's is
 * accepted, and the authorisation already held keeps running meanwhile. */
static void attack_old_policy_statement_after_update(void)
{
    sp_decision d;
    size_t n;
    device_at(0);
    CHECK_OK(device_apply_epoch(EPOCH, "run"));
    n = uf_update_note(note, sizeof note, &uw, 0, UF_P1_P2_KEYS);
    CHECK_OK(device_apply(ubundle, update_bundle(note, n)));
    CHECK_OK(sp_device_consume(&dev, 60, &d)); /* the held authorisation */
    CHECK(d.mode == SP_MODE_RUN);
    /* EPOCH + 1 under P1, published and witnessed as usual */
    CHECK_ERR(device_apply_epoch(EPOCH + 1, "run"), SP_ERR_STMT_POLICY);
    /* control: the same epoch under P2 */
    n = pf_statement_text(text, sizeof text, &uw.p[1], EPOCH + 1, "run");
    n = pf_sign_mask(note, sizeof note, text, uw.keys, UF_NKEYS, QUORUM);
    CHECK_OK(device_apply(bundle, pub_bundle_at(bundle, sizeof bundle, &w.pub,
                                                epoch_time(EPOCH + 1), note, n)));
    CHECK(dev.state.highest_epoch == EPOCH + 1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    pf_world_make(&w);
    /* the core attacks, delivered in bundles */
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
    RUN_TEST(attack_fast_forward_far_future_epoch);
    RUN_TEST(attack_fast_forward_out_of_range);
    RUN_TEST(attack_fast_forward_start_beyond_range);
    RUN_TEST(attack_start_time_mismatch);
    RUN_TEST(attack_freeze_by_replaying_last_bundle);
    RUN_TEST(attack_freeze_stale_bundle_after_newer_accepted);
    RUN_TEST(attack_freeze_stale_bundle_after_refused_newer_checkpoint);
    RUN_TEST(attack_one_witness_dates_the_future);
    RUN_TEST(attack_witness_quorum_dates_the_future);
    RUN_TEST(attack_oversized_note);
    RUN_TEST(attack_oversized_bundle);
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
    /* publication */
    RUN_TEST(baseline_bundle_is_accepted);
    RUN_TEST(attack_unlogged_statement_bare);
    RUN_TEST(attack_unlogged_statement_in_logged_bundle);
    RUN_TEST(attack_unlogged_signature_line);
    RUN_TEST(attack_bundle_without_statement);
    RUN_TEST(attack_proof_with_unknown_logs_checkpoint);
    RUN_TEST(attack_proof_with_other_policy_logs_checkpoint);
    RUN_TEST(attack_cosignature_moved_from_other_checkpoint);
    RUN_TEST(attack_cosignature_redated);
    RUN_TEST(attack_witness_cosigns_twice);
    RUN_TEST(attack_too_few_witnesses);
    RUN_TEST(attack_proof_wrong_length);
    RUN_TEST(attack_proof_too_long);
    RUN_TEST(attack_proof_wrong_index_or_hash);
    RUN_TEST(attack_cosignature_time_out_of_range);
    RUN_TEST(attack_cosignature_beyond_ceiling_moves_nothing);
    RUN_TEST(attack_time_poisoned_to_the_ceiling);
    RUN_TEST(attack_log_checkpoint_as_statement);
    RUN_TEST(attack_statement_as_checkpoint);
    RUN_TEST(attack_split_view);
    /* device state */
    RUN_TEST(attack_rolled_back_storage_image);
    RUN_TEST(attack_erased_storage_does_not_reopen_init);
    RUN_TEST(attack_forged_record_without_device_key);
    RUN_TEST(attack_torn_record_during_apply);
    RUN_TEST(attack_power_cut_between_debit_and_work);
    /* policy updates (library level) */
    uf_world_make(&uw);
    RUN_TEST(attack_update_baseline_accepted);
    RUN_TEST(attack_update_old_quorum_only);
    RUN_TEST(attack_update_new_quorum_only);
    RUN_TEST(attack_update_skip);
    RUN_TEST(attack_update_rollback_and_replay);
    RUN_TEST(attack_update_fork);
    RUN_TEST(attack_update_other_deployment);
    RUN_TEST(attack_update_invalid_new_policy);
    RUN_TEST(attack_update_civil_rule_removed);
    RUN_TEST(attack_update_two_of_two_witnesses);
    RUN_TEST(attack_update_immutable_fields);
    RUN_TEST(attack_update_wrong_hash_line);
    RUN_TEST(attack_update_mixed_signature_lines);
    RUN_TEST(attack_update_added_key_unsigned);
    RUN_TEST(attack_update_on_statement_path);
    RUN_TEST(attack_update_bare);
    RUN_TEST(attack_update_cosigned_by_new_witnesses_only);
    RUN_TEST(attack_old_policy_statement_after_update);
    return harness_finish("attacks");
}
