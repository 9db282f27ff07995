/*
 * softpause/host/policy_build.h -- build a canonical policy from a human description.
 *
 * Used by `softpause policy init` and by the demo, so both produce policies the same way:
 * assemble an sp_policy, let the verifier validate and encode it (sp_policy_format), and
 * re-parse the bytes (sp_policy_parse), so the result is exactly what devices accept.
 *
 * The witness policy is given as a stand-alone C2SP tlog-policy file and stored in the
 * deployment policy in canonical form.
 *
 * Rules are written "K of all", "K of TAG" / "K of tag:TAG", "K of signers:NAME,NAME".
 */
#ifndef SOFTPAUSE_HOST_POLICY_BUILD_H
#define SOFTPAUSE_HOST_POLICY_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/errors.h"
#include "softpause/key.h"
#include "softpause/policy.h"

typedef struct sp_policy_signer_spec {
    const char *body;
    const char *tags;      /* "civil,un" or "-" or "" */
    sp_vkey key;
} sp_policy_signer_spec;

typedef struct sp_policy_spec {
    const char *deployment;
    uint64_t version, genesis, epoch_length, allowance, max_staleness;
    const sp_policy_signer_spec *signers;
    size_t signer_count;
    const char *const *tags;     /* extra declared tags */
    size_t tag_count;
    const char *const *rules;
    size_t rule_count;
    const uint8_t *witness_policy;  /* a C2SP tlog-policy file (comments, any spacing) */
    size_t witness_policy_len;
} sp_policy_spec;

/* Build, validate, encode and re-parse.  On failure, detail (cap bytes) says which item. */
SP_MUST_CHECK sp_err sp_policy_build(const sp_policy_spec *spec, sp_policy *out, uint8_t *bytes,
                                     size_t cap, size_t *len, char *detail, size_t detail_cap);

#endif
