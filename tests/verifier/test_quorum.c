/*
 * test_quorum.c -- sp_quorum_evaluate, and the quorum as sp_statement_verify applies it.
 *
 * The "same key counted twice" family (brief §4) is tested on in-memory policies built by
 * hand, which bypass the loader's duplicate-key refusal: the counter must be right on its
 * own, whatever policy reaches it.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/policy.h"
#include "softpause/statement.h"
#include "support/fixture.h"
#include "support/policy_fixture.h"

static pf_world W;
static sp_policy aliased;
static sp_note work;
static sp_statement st;
static sp_quorum_report report;
static char note[16384];

#define ALIAS 5 /* index of the extra signer in the aliased policy */

static sp_err verify(const sp_policy *p, size_t n)
{
    return sp_statement_verify(p, (const uint8_t *)note, n, sp_sodium_crypto(), &work, &st,
                               &report, NULL);
}

/* The standard policy plus signer 5: `name`/`id` carrying mil-alpha's public key, in the
 * "all" set.  The loader would refuse this (DUPLICATE_KEY); a hand-built one gets through. */
static void make_alias_policy(const char *name, uint32_t id)
{
    aliased = W.policy;
    sp_signer *s = &aliased.signers[ALIAS];
    *s = aliased.signers[PF_MIL_A];
    memset(s->key.name, 0, sizeof s->key.name);
    strcpy(s->key.name, name);
    s->key.name_len = strlen(name);
    s->key.key_id = id;
    strcpy(s->body, "mil-alias");
    aliased.signer_count = 6;
    aliased.rules[1].members |= 1u << ALIAS; /* "3 all" */
}

/* Statement signed by civ-alpha, mil-alpha, and mil-alpha's key again as name/id. */
static size_t note_with_alias(const char *name, uint32_t id)
{
    char text[1024];
    size_t tl = pf_statement_text(text, sizeof text, &aliased, 7, "run");
    size_t n = pf_sign_mask(note, sizeof note, text, W.keys, PF_NKEYS,
                            PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    n += fx_sign_line_as(&W.keys[PF_MIL_A], name, id, text, tl, note + n, sizeof note - n);
    return n;
}

/* ---- the counter on the standard policy ------------------------------------------- */

static void test_standard_quorums(void)
{
    uint32_t failed = 7;
    /* 3 of 5 with a civil: met */
    CHECK_OK(sp_quorum_evaluate(&W.policy, PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B),
                                &failed));
    CHECK(failed == UINT32_MAX);
    CHECK_OK(sp_quorum_evaluate(&W.policy, 0x1F, &failed));
    CHECK_OK(sp_quorum_evaluate(&W.policy, PF_ALL_CIVIL | PF_BIT(PF_MIL_C), &failed));
    /* military only: the civil rule (rule 0) fails */
    CHECK_ERR(sp_quorum_evaluate(&W.policy, PF_ALL_MILITARY, &failed), SP_ERR_QUORUM_NOT_MET);
    CHECK(failed == 0);
    /* two of five: "3 all" (rule 1) fails */
    CHECK_ERR(sp_quorum_evaluate(&W.policy, PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_C), &failed),
              SP_ERR_QUORUM_NOT_MET);
    CHECK(failed == 1);
    CHECK_ERR(sp_quorum_evaluate(&W.policy, 0, &failed), SP_ERR_QUORUM_NOT_MET);
    CHECK(failed == 0);
    /* bits beyond the signer list count for nothing */
    CHECK_ERR(sp_quorum_evaluate(&W.policy, ~0x1Fu | PF_BIT(PF_CIV_A), &failed),
              SP_ERR_QUORUM_NOT_MET);
    CHECK(failed == 1);
}

/* Every subset of the five signers, against the rule written out by hand. */
static void test_every_subset(void)
{
    for (uint32_t m = 0; m < 32; m++) {
        uint32_t failed = 0;
        int want = __builtin_popcount(m) >= 3 && (m & PF_ALL_CIVIL) != 0;
        sp_err e = sp_quorum_evaluate(&W.policy, m, &failed);
        CHECK((e == SP_OK) == want);
        CHECK(e == SP_OK || e == SP_ERR_QUORUM_NOT_MET);
        CHECK((failed == UINT32_MAX) == want);
    }
}

static void test_arguments_fail_closed(void)
{
    uint32_t failed = UINT32_MAX;
    sp_policy *p = &aliased;
    CHECK_ERR(sp_quorum_evaluate(NULL, 0x1F, &failed), SP_ERR_ARGUMENT);
    CHECK(failed != UINT32_MAX);
    *p = W.policy;
    p->rule_count = 0; /* an empty AND would be vacuously true */
    failed = UINT32_MAX;
    CHECK_ERR(sp_quorum_evaluate(p, 0x1F, &failed), SP_ERR_QUORUM_NOT_MET);
    CHECK(failed != UINT32_MAX);
    *p = W.policy;
    p->signer_count = 33;
    CHECK_ERR(sp_quorum_evaluate(p, 0x1F, NULL), SP_ERR_ARGUMENT);
    *p = W.policy;
    p->rules[1].k = 0; /* never "met" by zero signatures, whatever validation missed */
    CHECK_ERR(sp_quorum_evaluate(p, PF_BIT(PF_CIV_A), NULL), SP_ERR_QUORUM_NOT_MET);
}

/* ---- the same key counted twice (in-memory policies) ------------------------------ */

static void test_counter_same_key_two_names(void)
{
    uint32_t failed = 0;
    make_alias_policy("mil-alias.example", fx_key_id("mil-alias.example", W.keys[PF_MIL_A].pk));
    /* civ-alpha + mil-alpha + its alias: 3 signers, 2 keys */
    CHECK_ERR(sp_quorum_evaluate(&aliased,
                                 PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(ALIAS), &failed),
              SP_ERR_QUORUM_KEY_COUNTED_TWICE);
    CHECK(failed == 1);
    /* a third distinct key makes it a real quorum */
    CHECK_OK(sp_quorum_evaluate(&aliased,
                                PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(ALIAS) |
                                    PF_BIT(PF_MIL_C),
                                &failed));
    /* the alias alone stands for mil-alpha's key: a key is in "3 all" through any carrier */
    aliased.rules[1].members &= ~(1u << PF_MIL_A);
    CHECK_OK(sp_quorum_evaluate(&aliased, PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_C),
                                &failed));
}

static void test_verify_same_key_two_names(void)
{
    const char *name = "mil-alias.example";
    uint32_t id = fx_key_id(name, W.keys[PF_MIL_A].pk);
    size_t n;
    make_alias_policy(name, id);
    n = note_with_alias(name, id);
    CHECK_ERR(verify(&aliased, n), SP_ERR_QUORUM_KEY_COUNTED_TWICE);
    CHECK(report.line_count == 3 && report.verified_lines == 2 && report.duplicate_lines == 1);
    CHECK(report.line_status[0] == SP_LINE_VERIFIED && report.line_status[1] == SP_LINE_VERIFIED &&
          report.line_status[2] == SP_LINE_DUPLICATE);
    CHECK(report.valid_signers == (PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(ALIAS)));
    CHECK(report.distinct_keys == 2);
    CHECK(report.failed_rule == 1);
    CHECK(st.epoch == 0 && st.mode == 0); /* zeroed on failure */
}

static void test_verify_same_key_two_key_ids(void)
{
    /* the same name, the same key, a different (wrong) key ID: a separate policy entry */
    const char *name = W.keys[PF_MIL_A].name;
    uint32_t id = W.keys[PF_MIL_A].id ^ 0x00800000u;
    size_t n;
    make_alias_policy(name, id);
    CHECK_ERR(sp_quorum_evaluate(&aliased, PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(ALIAS),
                                 NULL),
              SP_ERR_QUORUM_KEY_COUNTED_TWICE);
    n = note_with_alias(name, id);
    CHECK_ERR(verify(&aliased, n), SP_ERR_QUORUM_KEY_COUNTED_TWICE);
    CHECK(report.distinct_keys == 2 && report.duplicate_lines == 1);
}

static size_t repeat_last_line(size_t n)
{
    size_t last = n - 1;
    while (last > 0 && note[last - 1] != '\n')
        last--;
    memcpy(note + n, note + last, n - last);
    note[n + (n - last)] = '\0';
    return n + (n - last);
}

static void test_verify_duplicated_line_counts_once(void)
{
    size_t n = pf_statement_note(note, sizeof note, &W, 7, "run",
                                 PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    n = repeat_last_line(n);
    CHECK_ERR(verify(&W.policy, n), SP_ERR_QUORUM_KEY_COUNTED_TWICE);
    CHECK(report.line_count == 3 && report.verified_lines == 2 && report.duplicate_lines == 1);
    CHECK(report.line_status[2] == SP_LINE_DUPLICATE);
    CHECK(report.distinct_keys == 2);
    /* ... on the hand-built aliased policy too, and with a real third key it passes */
    make_alias_policy("mil-alias.example", fx_key_id("mil-alias.example", W.keys[PF_MIL_A].pk));
    {
        char text[1024];
        (void)pf_statement_text(text, sizeof text, &aliased, 7, "run");
        n = pf_sign_mask(note, sizeof note, text, W.keys, PF_NKEYS,
                         PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
        n = repeat_last_line(n);
        n = repeat_last_line(n);
        CHECK_ERR(verify(&aliased, n), SP_ERR_QUORUM_KEY_COUNTED_TWICE);
        CHECK(report.duplicate_lines == 2 && report.distinct_keys == 2);
        n = pf_sign_mask(note, sizeof note, text, W.keys, PF_NKEYS,
                         PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
        n = repeat_last_line(n);
        CHECK_OK(verify(&aliased, n));
        CHECK(report.distinct_keys == 3 && report.duplicate_lines == 1);
    }
}

/* ---- other quorum attacks through verification -------------------------------------- */

static void test_military_only_quorum_rejected(void)
{
    size_t n = pf_statement_note(note, sizeof note, &W, 7, "run", PF_ALL_MILITARY);
    CHECK_ERR(verify(&W.policy, n), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.failed_rule == 0); /* "rule 1 tag civil" */
    CHECK(report.verified_lines == 3 && report.distinct_keys == 3);
}

static void test_fewer_than_k(void)
{
    size_t n = pf_statement_note(note, sizeof note, &W, 7, "run", PF_ALL_CIVIL);
    CHECK_ERR(verify(&W.policy, n), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.failed_rule == 1);
}

/* A valid signature line lifted from another statement verifies nothing here. */
static void test_mix_and_match_signature_line(void)
{
    static char other[4096];
    size_t on = pf_statement_note(other, sizeof other, &W, 6, "run", PF_BIT(PF_MIL_B));
    size_t n = pf_statement_note(note, sizeof note, &W, 7, "run",
                                 PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    const char *line = strstr(other, "\n\n") + 2;
    memcpy(note + n, line, (size_t)(other + on - line));
    n += (size_t)(other + on - line);
    CHECK_ERR(verify(&W.policy, n), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.invalid_lines == 1 && report.line_status[2] == SP_LINE_INVALID);
    CHECK(report.verified_lines == 2 && report.distinct_keys == 2);
    /* with a genuine third signature the stray line is ignored */
    n = pf_statement_note(note, sizeof note, &W, 7, "run",
                          PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_C));
    memcpy(note + n, line, (size_t)(other + on - line));
    n += (size_t)(other + on - line);
    CHECK_OK(verify(&W.policy, n));
    CHECK(report.invalid_lines == 1 && report.distinct_keys == 3);
}

/* Unknown keys add nothing, however many. */
static void test_unknown_keys_add_nothing(void)
{
    static fx_key strangers[3];
    char text[1024];
    size_t tl = pf_statement_text(text, sizeof text, &W.policy, 7, "run");
    size_t n = pf_sign_mask(note, sizeof note, text, W.keys, PF_NKEYS, PF_BIT(PF_CIV_A));
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "stranger%d.example", i);
        fx_key_make(&strangers[i], name, (uint8_t)(0xC0 + i));
        n += fx_sign_line(&strangers[i], text, tl, note + n, sizeof note - n);
    }
    CHECK_ERR(verify(&W.policy, n), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.unknown_lines == 3 && report.verified_lines == 1);
    /* a stranger using a policy signer's NAME but its own key: an invalid line */
    n = pf_sign_mask(note, sizeof note, text, W.keys, PF_NKEYS, PF_BIT(PF_CIV_A));
    n += fx_sign_line_as(&strangers[0], W.keys[PF_MIL_A].name, W.keys[PF_MIL_A].id, text, tl,
                         note + n, sizeof note - n);
    CHECK_ERR(verify(&W.policy, n), SP_ERR_QUORUM_NOT_MET);
    CHECK(report.invalid_lines == 1);
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    pf_world_make(&W);
    RUN_TEST(test_standard_quorums);
    RUN_TEST(test_every_subset);
    RUN_TEST(test_arguments_fail_closed);
    RUN_TEST(test_counter_same_key_two_names);
    RUN_TEST(test_verify_same_key_two_names);
    RUN_TEST(test_verify_same_key_two_key_ids);
    RUN_TEST(test_verify_duplicated_line_counts_once);
    RUN_TEST(test_military_only_quorum_rejected);
    RUN_TEST(test_fewer_than_k);
    RUN_TEST(test_mix_and_match_signature_line);
    RUN_TEST(test_unknown_keys_add_nothing);
    return harness_finish("quorum");
}
