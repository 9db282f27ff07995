/*
 * quorum.c -- does a set of valid signers satisfy every rule of a policy?
 *
 *   input   valid_signers: bit i set  <=>  policy->signers[i] has a valid signature
 *   classes signers grouped by PUBLIC KEY (not by name, not by key ID):
 *
 *             signers   0 alice(K1)  1 bob(K2)  2 alice-2(K1)  3 carol(K3)
 *             classes   {0,2}: K1    {1}: K2    {3}: K3          representatives 0,1,3
 *
 *   rule r  holds  <=>  #{ key classes C : C has a valid signer AND C meets r's set } >= k
 *
 * Why by public key: the loader refuses two signers with one key, but a policy can be built
 * in memory (a governance tool, a test, a future loader bug), and "the same key counted
 * twice" under two names, two key IDs, or a repeated line is the bug that six real TUF
 * clients shipped.  Counting key classes here makes the quorum right whatever the policy's
 * history.  A key is in a rule's set if ANY signer carrying it is (the rule names the key).
 *
 * Hardening (after OpenTitan's ROM): the decision is the accept/reject point of the whole
 * device, so it is computed twice by two different loops (class-major, then signer-major in
 * reverse order) and the two per-rule bitmaps must agree; a single glitched branch or
 * skipped instruction then yields disagreement, which fails closed.  Success is not a
 * constant returned by a branch: the return value is SP_OK_VALUE XOR the "unmet rules"
 * words of both passes, so it equals SP_OK only when both passes computed "every rule met".
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "softpause/policy.h"

#include "bits.h"
#include "policy_internal.h"

uint32_t sp_policy_key_classes(const sp_policy *policy, uint32_t class_mask[SP_MAX_SIGNERS])
{
    uint32_t reps = 0;
    uint32_t n = policy->signer_count;
    memset(class_mask, 0, SP_MAX_SIGNERS * sizeof class_mask[0]);
    for (uint32_t i = 0; i < n && i < SP_MAX_SIGNERS; i++) {
        uint32_t rep = i;
        for (uint32_t j = 0; j < i; j++) {
            if ((reps & (1u << j)) &&
                memcmp(policy->signers[j].key.public_key, policy->signers[i].key.public_key,
                       SP_ED25519_PUBLIC_KEY_BYTES) == 0) {
                rep = j;
                break;
            }
        }
        if (rep == i)
            reps |= 1u << i;
        class_mask[rep] |= 1u << i;
    }
    return reps;
}

/* Pass 1, class-major: for each key class, is it valid, and does it meet the set? */
static uint32_t rules_met_by_class(const sp_policy *p, uint32_t valid, uint32_t reps,
                                   const uint32_t class_mask[SP_MAX_SIGNERS])
{
    uint32_t met = 0;
    for (uint32_t r = 0; r < p->rule_count; r++) {
        uint32_t count = 0;
        for (uint32_t c = 0; c < p->signer_count; c++) {
            if ((reps & (1u << c)) && (class_mask[c] & valid) != 0 &&
                (class_mask[c] & p->rules[r].members) != 0)
                count++;
        }
        if (p->rules[r].k >= 1 && count >= p->rules[r].k)
            met |= 1u << r;
    }
    return met;
}

/* Pass 2, signer-major and in reverse: collect the representative of every member signer
 * whose class has a valid signature, then count the collected representatives. */
static uint32_t rules_met_by_signer(const sp_policy *p, uint32_t valid,
                                    const uint32_t class_mask[SP_MAX_SIGNERS])
{
    uint32_t met = 0;
    for (uint32_t r = p->rule_count; r-- > 0;) {
        uint32_t seen = 0;
        for (uint32_t i = p->signer_count; i-- > 0;) {
            if (!(p->rules[r].members & (1u << i)))
                continue;
            for (uint32_t c = 0; c < p->signer_count; c++) {
                if ((class_mask[c] & (1u << i)) && (class_mask[c] & valid) != 0)
                    seen |= 1u << c;
            }
        }
        /* Written as "not below" rather than ">=" so the two passes compile differently. */
        if (!(sp_popcount32(seen) < p->rules[r].k) && p->rules[r].k != 0)
            met |= 1u << r;
    }
    return met;
}

/* What a client that counted signers (names), not keys, would conclude. */
static uint32_t rules_met_counting_signers(const sp_policy *p, uint32_t valid)
{
    uint32_t met = 0;
    for (uint32_t r = 0; r < p->rule_count; r++) {
        uint32_t count = sp_popcount32(valid & p->rules[r].members);
        if (p->rules[r].k >= 1 && count >= p->rules[r].k)
            met |= 1u << r;
    }
    return met;
}

static uint32_t first_zero_bit(uint32_t v, uint32_t n)
{
    for (uint32_t r = 0; r < n; r++)
        if (!(v & (1u << r)))
            return r;
    return 0;
}

sp_err sp_quorum_evaluate(const sp_policy *policy, uint32_t valid_signers, uint32_t *failed_rule)
{
    uint32_t class_mask[SP_MAX_SIGNERS];
    uint32_t reps, all, met1, met2, unmet;

    /* Fail closed: until the very end, "failed rule 0". */
    if (failed_rule != NULL)
        *failed_rule = 0;
    if (policy == NULL || policy->signer_count > SP_MAX_SIGNERS ||
        policy->rule_count > SP_MAX_RULES)
        return SP_ERR_ARGUMENT;
    if (policy->rule_count == 0) /* an empty AND is true: never let it authorise */
        return SP_ERR_QUORUM_NOT_MET;

    valid_signers &= sp_low_mask(policy->signer_count);
    all = sp_low_mask(policy->rule_count);
    reps = sp_policy_key_classes(policy, class_mask);
    met1 = rules_met_by_class(policy, valid_signers, reps, class_mask);
    met2 = rules_met_by_signer(policy, valid_signers, class_mask);

    unmet = (met1 ^ all) | (met2 ^ all) | (met1 ^ met2);
    if (unmet == 0) {
        if (failed_rule != NULL)
            *failed_rule = UINT32_MAX;
        /* Derived from the data: equals SP_OK only if both passes said "all met". */
        return (sp_err)((uint32_t)SP_OK_VALUE ^ (met1 ^ all) ^ (met2 ^ all));
    }
    if (failed_rule != NULL)
        *failed_rule = first_zero_bit(met1 & met2, policy->rule_count);
    if (rules_met_counting_signers(policy, valid_signers) == all)
        return SP_ERR_QUORUM_KEY_COUNTED_TWICE;
    return SP_ERR_QUORUM_NOT_MET;
}
