/*
 * test_bundle.c -- sp_bundle_verify: envelope, witnessed checkpoint, inclusion, statement,
 * in that order, on bundles built independently by tests/support/pub_fixture.c; and for
 * policy updates sp_leaf_kind_of, sp_bundle_kind and sp_bundle_verify_update.
 *
 * The device-level consequences (attested time, freeze, fast-forward) are in
 * test_device.c and the attack suite; this file pins the verification order and the
 * report a bundle check leaves behind.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "softpause/bundle.h"
#include "softpause/host/sodium_crypto.h"
#include "support/policy_fixture.h"
#include "support/pub_fixture.h"
#include "support/update_fixture.h"

#define QUORUM (PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B))
#define T_EPOCH7 (PF_GENESIS + 7ull * PF_EPOCH_LENGTH + 3600u)

static pf_world W;
static sp_bundle_work work;
static sp_bundle_report report;
static sp_statement st;
static char note[16384], bundle[65536];
static size_t note_len, bundle_len;

static sp_err verify(void)
{
    return sp_bundle_verify(&W.policy, (const uint8_t *)bundle, bundle_len, sp_sodium_crypto(),
                            &work, &st, &report, NULL);
}

static void make(const pub_bundle_opts *o)
{
    bundle_len = pub_bundle(bundle, sizeof bundle, &W.pub, o, note, note_len);
}

static void test_valid_bundle(void)
{
    pub_bundle_opts o;
    pub_bundle_defaults(&o, &W.pub, T_EPOCH7);
    make(&o);
    CHECK_OK(verify());
    CHECK(st.epoch == 7 && st.mode == SP_MODE_RUN);
    CHECK(report.checkpoint_verified == 1 && report.checkpoint.size == PUB_TREE_SIZE);
    CHECK(report.index == PUB_INDEX && report.leaf_len == note_len);
    CHECK(report.witnesses.cosigned == PUB_ALL_WITNESSES);
    CHECK(report.witnesses.quorum_met == 1 && report.witnesses.quorum_time == T_EPOCH7);
    CHECK(report.quorum.distinct_keys == 3);
    /* The statement at every position of trees of several shapes. */
    for (uint64_t size = 1; size <= 9; size++)
        for (uint64_t i = 0; i < size; i++) {
            o.tree_size = size;
            o.index = i;
            make(&o);
            CHECK_OK(verify());
        }
}

static void test_quorum_time_is_the_quorums(void)
{
    pub_bundle_opts o;
    pub_bundle_defaults(&o, &W.pub, T_EPOCH7);
    /* 2 of 3: the attested time is the second newest timestamp, which two vouch for. */
    o.times[0] = T_EPOCH7 + 500;
    o.times[1] = T_EPOCH7 + 100;
    o.times[2] = T_EPOCH7 + 900;
    make(&o);
    CHECK_OK(verify());
    CHECK(report.witnesses.quorum_time == T_EPOCH7 + 500);
}

static void test_order_and_report(void)
{
    pub_bundle_opts o;
    char copy[65536];
    pub_bundle_defaults(&o, &W.pub, T_EPOCH7);

    /* A bare statement is not a bundle. */
    memcpy(bundle, note, note_len);
    bundle_len = note_len;
    CHECK_ERR(verify(), SP_ERR_BUNDLE_BARE_STATEMENT);
    CHECK(report.checkpoint_verified == 0 && harness_all_zero(&st, sizeof st));

    /* No extra line: nothing to check inclusion of. */
    o.omit_extra = 1;
    make(&o);
    CHECK_ERR(verify(), SP_ERR_BUNDLE_NO_STATEMENT);
    o.omit_extra = 0;

    /* Too few witnesses: stops at the checkpoint, before inclusion. */
    o.witness_mask = 0x1u;
    make(&o);
    CHECK_ERR(verify(), SP_ERR_WITNESS_QUORUM);
    CHECK(report.checkpoint_verified == 0);
    o.witness_mask = PUB_ALL_WITNESSES;

    /* A statement under a valid checkpoint of a tree that does not contain it: the
     * checkpoint verified (and a device may keep its time), inclusion fails. */
    make(&o);
    memcpy(copy, bundle, bundle_len + 1);
    {
        char other[16384];
        size_t other_len = pf_statement_note(other, sizeof other, &W, 8, "run", QUORUM);
        pub_bundle_opts o2 = o;
        size_t n = pub_bundle(bundle, sizeof bundle, &W.pub, &o2, other, other_len);
        /* Swap in the first bundle's extra line (epoch 7) over the epoch-8 tree. */
        const char *e1 = strstr(copy, "\nindex "), *e2 = strstr(bundle, "\nindex ");
        size_t head1 = (size_t)(e1 - copy), tail2 = n - (size_t)(e2 - bundle);
        memmove(bundle + head1, e2, tail2 + 1);
        memcpy(bundle, copy, head1);
        bundle_len = head1 + tail2;
    }
    CHECK_ERR(verify(), SP_ERR_MERKLE_ROOT_MISMATCH);
    CHECK(report.checkpoint_verified == 1 && report.witnesses.quorum_met == 1);
    CHECK(harness_all_zero(&st, sizeof st));

    /* Published, witnessed, included -- but signed by too few bodies. */
    note_len = pf_statement_note(note, sizeof note, &W, 7, "run", PF_BIT(PF_CIV_A));
    make(&o);
    CHECK_ERR(verify(), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.checkpoint_verified == 1 && report.quorum.distinct_keys == 1);
    note_len = pf_statement_note(note, sizeof note, &W, 7, "run", QUORUM);
}

static void test_arguments(void)
{
    CHECK_ERR(sp_bundle_verify(NULL, (const uint8_t *)bundle, 1, sp_sodium_crypto(), &work, &st,
                               &report, NULL),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_bundle_verify(&W.policy, (const uint8_t *)bundle, SP_MAX_BUNDLE_BYTES + 1,
                               sp_sodium_crypto(), &work, &st, &report, NULL),
              SP_ERR_PROOF_FORMAT);
}

/* ---- policy updates: the leaf's kind, and sp_bundle_verify_update ------------------ */

static uf_world U;
static sp_update_result ures;
static sp_update_report urep;
static char unote[SP_MAX_NOTE_BYTES * 2];

static sp_err verify_update(const sp_policy *current)
{
    return sp_bundle_verify_update(current, (const uint8_t *)bundle, bundle_len,
                                   sp_sodium_crypto(), &work, &ures, &urep, &report, NULL);
}

static void test_leaf_kind_of(void)
{
    static const char up[] = "softpause/v1 policy-update x\n";
    static const char head[] = "softpause/v1 policy-update ";
    static const char auth[] = "softpause/v1 authorisation x\n";
    static const char near[] = "softpause/v1 policy-updates x\n";
    CHECK(sp_leaf_kind_of((const uint8_t *)up, sizeof up - 1) == SP_LEAF_UPDATE);
    CHECK(sp_leaf_kind_of((const uint8_t *)auth, sizeof auth - 1) == SP_LEAF_STATEMENT);
    CHECK(sp_leaf_kind_of((const uint8_t *)near, sizeof near - 1) == SP_LEAF_STATEMENT);
    /* the type token and its space alone, nothing after: not an update */
    CHECK(sp_leaf_kind_of((const uint8_t *)head, sizeof head - 1) == SP_LEAF_STATEMENT);
    CHECK(sp_leaf_kind_of((const uint8_t *)up, 5) == SP_LEAF_STATEMENT);
    CHECK(sp_leaf_kind_of(NULL, 40) == SP_LEAF_STATEMENT);
}

static void test_bundle_kind(void)
{
    sp_leaf_kind kind = SP_LEAF_UPDATE;
    pub_bundle_opts o;
    size_t n = uf_update_note(unote, sizeof unote, &U, 0, UF_P1_P2_KEYS);
    bundle_len = pub_bundle_at(bundle, sizeof bundle, &W.pub, T_EPOCH7, unote, n);
    CHECK_OK(sp_bundle_kind((const uint8_t *)bundle, bundle_len, &work, &kind));
    CHECK(kind == SP_LEAF_UPDATE);
    pub_bundle_defaults(&o, &W.pub, T_EPOCH7);
    make(&o);
    CHECK_OK(sp_bundle_kind((const uint8_t *)bundle, bundle_len, &work, &kind));
    CHECK(kind == SP_LEAF_STATEMENT);
    /* No signature, proof or quorum is checked: a bundle nobody cosigned has a kind too. */
    o.witness_mask = 0;
    make(&o);
    CHECK_OK(sp_bundle_kind((const uint8_t *)bundle, bundle_len, &work, &kind));
    /* The envelope's own errors; kind left at "statement". */
    kind = SP_LEAF_UPDATE;
    CHECK_ERR(sp_bundle_kind((const uint8_t *)unote, n, &work, &kind),
              SP_ERR_BUNDLE_BARE_STATEMENT);
    CHECK(kind == SP_LEAF_STATEMENT);
    pub_bundle_defaults(&o, &W.pub, T_EPOCH7);
    o.omit_extra = 1;
    make(&o);
    CHECK_ERR(sp_bundle_kind((const uint8_t *)bundle, bundle_len, &work, &kind),
              SP_ERR_BUNDLE_NO_STATEMENT);
    CHECK_ERR(sp_bundle_kind(NULL, 1, &work, &kind), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_bundle_kind((const uint8_t *)bundle, 1, NULL, &kind), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_bundle_kind((const uint8_t *)bundle, 1, &work, NULL), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_bundle_kind((const uint8_t *)bundle, SP_MAX_BUNDLE_BYTES + 1, &work, &kind),
              SP_ERR_PROOF_FORMAT);
}

static void test_verify_update(void)
{
    pub_bundle_opts o;
    size_t n = uf_update_note(unote, sizeof unote, &U, 0, UF_P1_P2_KEYS);
    pub_bundle_defaults(&o, &W.pub, T_EPOCH7);
    bundle_len = pub_bundle(bundle, sizeof bundle, &W.pub, &o, unote, n);
    CHECK_OK(verify_update(&U.p[0]));
    CHECK(ures.update.version == 2 && memcmp(ures.policy.hash, U.p[1].hash, 32) == 0);
    CHECK(report.checkpoint_verified == 1 && report.index == PUB_INDEX);
    CHECK(report.witnesses.quorum_met == 1 && report.witnesses.quorum_time == T_EPOCH7);
    CHECK(report.leaf_len == n && urep.current.distinct_keys == 5 && urep.next.distinct_keys == 5);
    /* The carried bytes are the leaf's, in place in the work area. */
    CHECK(memcmp(work.leaf + ures.update.policy_offset, U.text[1], U.len[1]) == 0);
    /* Publication under the current policy comes first: too few witnesses. */
    o.witness_mask = 0x1u;
    bundle_len = pub_bundle(bundle, sizeof bundle, &W.pub, &o, unote, n);
    CHECK_ERR(verify_update(&U.p[0]), SP_ERR_WITNESS_QUORUM);
    CHECK(report.checkpoint_verified == 0 && ures.update.version == 0);
    /* Then the update itself, against the same policy: the checkpoint verified. */
    bundle_len = pub_bundle_at(bundle, sizeof bundle, &W.pub, T_EPOCH7, unote, n);
    CHECK_ERR(verify_update(&U.p[1]), SP_ERR_UPDATE_NOT_NEWER);
    CHECK(report.checkpoint_verified == 1 && ures.update.version == 0);
    /* An authorisation's bundle on the update path. */
    pub_bundle_defaults(&o, &W.pub, T_EPOCH7);
    make(&o);
    CHECK_ERR(verify_update(&U.p[0]), SP_ERR_UPDATE_FORMAT);
    /* An update's bundle on the statement path. */
    bundle_len = pub_bundle_at(bundle, sizeof bundle, &W.pub, T_EPOCH7, unote, n);
    CHECK_ERR(verify(), SP_ERR_STMT_WRONG_TYPE);
    /* Arguments. */
    CHECK_ERR(sp_bundle_verify_update(&U.p[0], (const uint8_t *)bundle, bundle_len,
                                      sp_sodium_crypto(), &work, NULL, &urep, &report, NULL),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_bundle_verify_update(&U.p[0], (const uint8_t *)bundle, bundle_len,
                                      sp_sodium_crypto(), &work, &ures, NULL, &report, NULL),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_bundle_verify_update(NULL, (const uint8_t *)bundle, bundle_len,
                                      sp_sodium_crypto(), &work, &ures, &urep, &report, NULL),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_bundle_verify_update(&U.p[0], (const uint8_t *)bundle, SP_MAX_BUNDLE_BYTES + 1,
                                      sp_sodium_crypto(), &work, &ures, &urep, &report, NULL),
              SP_ERR_PROOF_FORMAT);
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    pf_world_make(&W);
    note_len = pf_statement_note(note, sizeof note, &W, 7, "run", QUORUM);
    RUN_TEST(test_valid_bundle);
    RUN_TEST(test_quorum_time_is_the_quorums);
    RUN_TEST(test_order_and_report);
    RUN_TEST(test_arguments);
    uf_world_make(&U);
    RUN_TEST(test_leaf_kind_of);
    RUN_TEST(test_bundle_kind);
    RUN_TEST(test_verify_update);
    return harness_finish("bundle");
}
