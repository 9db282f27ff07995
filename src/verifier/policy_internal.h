/*
 * policy_internal.h -- what policy.c, quorum.c, statement.c and update.c share (verifier only).
 *
 * Why a header and not copies: the deployment character set and the "distinct public key"
 * classes are security definitions.  The statement parser and the policy parser must agree
 * on what a deployment name is, and the quorum evaluator and the statement verifier must
 * agree on which signers share a key; one definition each keeps them from drifting.
 */
#ifndef SOFTPAUSE_VERIFIER_POLICY_INTERNAL_H
#define SOFTPAUSE_VERIFIER_POLICY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/note.h"
#include "softpause/policy.h"
#include "softpause/statement.h"

#include "bits.h" /* SP_NOINLINE, sp_popcount32, sp_low_mask (also for its includers) */

/* 1 iff s[0..len) is a deployment name: [A-Za-z0-9._:/-]{1,SP_MAX_DEPLOYMENT_BYTES}. */
int sp_deployment_valid(const uint8_t *s, size_t len);

/*
 * Group policy->signers[0..signer_count) into classes of equal public keys.  The
 * representative of a class is its lowest signer index; class_mask[rep] has one bit per
 * signer carrying that key, and class_mask[i] is 0 for every non-representative i.
 * Returns the mask of representatives.  The caller guarantees signer_count <= SP_MAX_SIGNERS.
 */
uint32_t sp_policy_key_classes(const sp_policy *policy, uint32_t class_mask[SP_MAX_SIGNERS]);

/* 1 iff line[0..n) is exactly kw[0..kwlen) followed by 64 lower-case hex digits; out gets
 * the 32 bytes.  The one spelling of a hash line (statements' and updates' `policy`,
 * updates' `new-policy`). */
int sp_hash_line_parse(uint8_t out[SP_SHA256_BYTES], const uint8_t *line, size_t n,
                       const char *kw, size_t kwlen);

/* Per-line results of one signature tally over a note, for a second tally over the same
 * note (against another policy) to reuse instead of verifying a line twice. */
typedef struct sp_line_checks {
    uint32_t tried[SP_MAX_SIG_LINES];  /* bit j: signer j's key was checked against line i */
    uint32_t ok[SP_MAX_SIG_LINES];     /* bit j: ... and the signature verified */
} sp_line_checks;

/*
 * Signature checking and quorum of a parsed note against one policy (statement.c): every
 * line naming a policy signer (name and key ID) is verified -- or, where `prior` and
 * `prior_checks` (may be NULL) show that an earlier tally checked this line with the same
 * public key, its result is reused; *report (zeroed first) gets the line statuses;
 * *checks (may be NULL) gets this tally's per-line results.  Returns sp_quorum_evaluate's
 * decision, with SP_ERR_QUORUM_NOT_MET refined to SP_ERR_QUORUM_KEY_COUNTED_TWICE where
 * counting every valid line separately would have met every rule.  The caller checked
 * crypto->ed25519_verify.
 */
SP_MUST_CHECK sp_err sp_quorum_tally(const sp_policy *policy, const sp_note *note,
                                     const sp_crypto *crypto, const sp_policy *prior,
                                     const sp_line_checks *prior_checks,
                                     sp_line_checks *checks, sp_quorum_report *report);

#endif /* SOFTPAUSE_VERIFIER_POLICY_INTERNAL_H */
