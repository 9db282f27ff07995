/*
 * softpause/update.h -- quorum-signed policy updates (R10; protocol.md section 18).
 *
 * A policy update is a C2SP signed note whose text is exactly (LF, single spaces):
 *
 *   softpause/v1 policy-update <deployment>
 *   policy <64 lower-case hex>         hash of the CURRENT policy (the one being replaced)
 *   version <n+1>                      decimal, 1..2^53: the new policy's version
 *   new-policy <64 lower-case hex>     hash of the carried policy (policy.h's hash)
 *   [time-reset]                       optional; any other line here is SP_ERR_UPDATE_FORMAT
 *   softpause-policy/v1                the new policy's canonical bytes, verbatim, to the end
 *   ...                                of the text (so the log entry publishes it)
 *
 * The note limits stay (SP_MAX_NOTE_BYTES, SP_MAX_LINE_BYTES, SP_MAX_SIG_LINES): a policy
 * is adoptable only if it fits.  sp_statement_parse refuses this type
 * (SP_ERR_STMT_WRONG_TYPE); a device dispatches on the header's type token.
 *
 * sp_update_verify checks, cheapest first, and the first failure wins:
 *   1. note syntax (SP_ERR_NOTE_*);
 *   2. the header lines (SP_ERR_UPDATE_FORMAT);
 *   3. deployment = the current policy's (SP_ERR_STMT_DEPLOYMENT);
 *   4. version <= current (SP_ERR_UPDATE_NOT_NEWER: replay, rollback) or > current + 1
 *      (SP_ERR_UPDATE_SKIPPED);
 *   5. `policy` = the current policy's hash (SP_ERR_UPDATE_NOT_CURRENT: a fork);
 *   6. `new-policy` = the hash of the carried bytes (SP_ERR_UPDATE_HASH);
 *   7. the carried policy parses and validates (its own SP_ERR_POLICY_* / SP_ERR_KEY_*, at
 *      note line numbers), and its version equals the header's (SP_ERR_UPDATE_FORMAT);
 *   8. the invariants of sp_policy_update_check;
 *   9. signatures.  Every line naming a signer key of either policy is verified, a line
 *      carried by one key in both policies only once; unknown and invalid lines are
 *      ignored and reported, as for statements.  Then, in this order: the current policy's
 *      quorum (SP_ERR_UPDATE_OLD_QUORUM), the new policy's (SP_ERR_UPDATE_NEW_QUORUM) --
 *      each a shortfall even when every valid line is counted separately -- then
 *      SP_ERR_QUORUM_KEY_COUNTED_TWICE where either quorum holds only by counting one key
 *      twice, then proof of possession: every signer public key of the new policy that
 *      no signer of the current policy carries needs a valid line
 *      (SP_ERR_UPDATE_UNSIGNED_KEY).
 *
 * Where the second policy lives: in the caller's sp_update_result (`out->policy`), next to
 * the parsed header; the verifier allocates nothing and its own frames stay within the
 * stack budget (protocol.md section 12).  `work` is the parsed note, as for statements.
 * The carried bytes are read in place from the caller's buffer.
 *
 * Callers: sp_bundle_verify_update (bundle.h: publication under the current policy, then
 * this check), which sp_device_apply uses to adopt an update (device.h, protocol.md
 * section 18.6); the log, which follows its policy chain (server/log.h, section 18.7); and
 * the CLI's policy commands.
 */
#ifndef SOFTPAUSE_UPDATE_H
#define SOFTPAUSE_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"
#include "softpause/note.h"
#include "softpause/policy.h"
#include "softpause/statement.h"

/* The parsed header of an update text (syntax only). */
typedef struct sp_update {
    char deployment[SP_MAX_DEPLOYMENT_BYTES + 1];  /* NUL-terminated */
    uint8_t policy_hash[SP_SHA256_BYTES];          /* the current policy's hash */
    uint64_t version;                              /* the new policy's version, 1..2^53 */
    uint8_t new_policy_hash[SP_SHA256_BYTES];
    uint32_t time_reset;                           /* 1: the `time-reset` line is present */
    uint32_t policy_line;                          /* 1-based text line of the carried
                                                      policy's first line (5 or 6) */
    size_t policy_offset;                          /* carried policy: text[policy_offset..
                                                      policy_offset + policy_len) */
    size_t policy_len;
} sp_update;

/* What sp_update_verify produces: the header and the new policy, parsed (hash set). */
typedef struct sp_update_result {
    sp_update update;
    sp_policy policy;
} sp_update_result;

/* Signature checking under each policy (line statuses as for statements). */
typedef struct sp_update_report {
    sp_quorum_report current;   /* the lines against the current policy */
    sp_quorum_report next;      /* the lines against the new policy */
    uint32_t unsigned_signer;   /* new-policy signer index of the first added key without a
                                   valid line; UINT32_MAX if none (or not checked) */
} sp_update_report;

/*
 * Parse update text (the note's text, final LF included): syntax only, canonical only.
 * Every deviation is SP_ERR_UPDATE_FORMAT; the carried policy is not parsed here, only
 * located (it must start with the policy magic line).  On failure *out is zeroed and
 * *err_line (may be NULL) is the 1-based line of the problem.
 */
SP_MUST_CHECK sp_err sp_update_parse(sp_update *out, const uint8_t *text, size_t len,
                                     uint32_t *err_line);

/*
 * The invariants every new policy keeps against the current one `old` (steps 7-8 above,
 * without the version):
 *   - everything sp_policy_validate refuses (its own codes);
 *   - deployment, genesis and epoch-length unchanged (SP_ERR_UPDATE_IMMUTABLE);
 *   - entrenched tag rules: every `rule k tag T` of `old` appears again as `rule k' tag T`,
 *     k' >= 1 (SP_ERR_UPDATE_RULE_DROPPED); other rules may change or go;
 *   - the witness quorum survives one loss: met by all its witnesses minus any one, and
 *     never by a single witness (SP_ERR_UPDATE_WITNESS_QUORUM).
 * `old` is not validated (a loaded genesis policy is never refused retroactively); it must
 * be in range (counts within the maxima, else SP_ERR_ARGUMENT).
 */
SP_MUST_CHECK sp_err sp_policy_update_check(const sp_policy *old, const sp_policy *next,
                                            const sp_crypto *crypto);

/*
 * Verify a signed update note against the current policy, in the order above.  `work` is
 * caller scratch (the parsed note).  On success *out holds the header and the new policy;
 * on failure *out is zeroed.  *report is filled as far as checking got (always safe to
 * print).  *err_line (may be NULL) as for sp_update_parse; for the carried policy's own
 * errors it is the note line.
 */
SP_MUST_CHECK sp_err sp_update_verify(const sp_policy *current, const uint8_t *bytes,
                                      size_t len, const sp_crypto *crypto, sp_note *work,
                                      sp_update_result *out, sp_update_report *report,
                                      uint32_t *err_line);

/*
 * Write the text of an update that moves `current` to the policy whose canonical bytes are
 * next_bytes[0..next_len) (already parsed, validated and hashed into *next: its version and
 * hash go into the header), with the `time-reset` line when time_reset is 1.  The text is
 * not checked against the invariants (sp_update_verify does that, signatures aside, for a
 * proposal); it must fit SP_MAX_NOTE_BYTES, else SP_ERR_UPDATE_TOO_LARGE.  On failure
 * *out_len is 0.
 */
SP_MUST_CHECK sp_err sp_update_format(const sp_policy *current, const sp_policy *next,
                                      const uint8_t *next_bytes, size_t next_len,
                                      uint32_t time_reset, uint8_t *out, size_t cap,
                                      size_t *out_len);

#endif /* SOFTPAUSE_UPDATE_H */
