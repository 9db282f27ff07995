/*
 * policy_internal.h -- helpers shared by policy.c, quorum.c and statement.c (verifier only).
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

#include "softpause/policy.h"

/* 1 iff s[0..len) is a deployment name: [A-Za-z0-9._:/-]{1,SP_MAX_DEPLOYMENT_BYTES}. */
int sp_deployment_valid(const uint8_t *s, size_t len);

/* Number of bits set. */
uint32_t sp_popcount32(uint32_t v);

/* Mask with the low n bits set (n <= 32). */
uint32_t sp_low_mask(uint32_t n);

/*
 * Group policy->signers[0..signer_count) into classes of equal public keys.  The
 * representative of a class is its lowest signer index; class_mask[rep] has one bit per
 * signer carrying that key, and class_mask[i] is 0 for every non-representative i.
 * Returns the mask of representatives.  The caller guarantees signer_count <= SP_MAX_SIGNERS.
 */
uint32_t sp_policy_key_classes(const sp_policy *policy, uint32_t class_mask[SP_MAX_SIGNERS]);

#endif /* SOFTPAUSE_VERIFIER_POLICY_INTERNAL_H */
