/*
 * softpause/witness_policy.h -- which logs and witnesses make a checkpoint count:
 * the C2SP tlog-policy syntax (https://c2sp.org/tlog-policy), as a block of the deployment
 * policy and covered by its hash.
 *
 *   log <vkey> [<url>]                  vkey of type 0x01 (Ed25519 note signer); its key
 *                                       name is the log's checkpoint origin
 *   witness <name> <vkey> [<url>]       vkey of type 0x04 (Ed25519 cosigner, cosignature/v1)
 *   group <name> <k>|all|any <member>+  members: witnesses or groups defined on earlier lines
 *   quorum <name>                       exactly one, last
 *
 * Two readers share one parser:
 *   - sp_wpolicy_parse(..., SP_WPOLICY_FILE): a stand-alone tlog-policy file as the spec
 *     allows it (comments, blank lines, runs of spaces and tabs, lines in any order that
 *     respects "defined before use");
 *   - SP_WPOLICY_CANONICAL, inside the deployment policy: no comments, no blank lines,
 *     single spaces, log lines first, then witness lines, then group lines, then the
 *     quorum line; sp_wpolicy_format() writes exactly this form.
 *
 * Beyond the spec, softpause refuses (sp_wpolicy_validate, run by both readers):
 * no log line (SP_ERR_POLICY_NO_LOG); `quorum none` or no quorum line
 * (SP_ERR_POLICY_QUORUM_NONE); a quorum that some single witness could satisfy alone
 * (SP_ERR_POLICY_SINGLE_WITNESS); two logs or two witnesses with one public key, or with
 * one key name and key ID, which no signature line could tell apart
 * (SP_ERR_POLICY_DUPLICATE_KEY); a witness key that is also a log key
 * (SP_ERR_POLICY_KEY_ROLES); a name defined twice, reserved ("none") or undefined
 * (SP_ERR_POLICY_WITNESS_NAME); k outside 1..n, or a name listed as a member twice --
 * anywhere in the policy, so the groups form a tree and each witness contributes to the
 * quorum in exactly one way (SP_ERR_POLICY_GROUP); keys of the wrong type
 * (SP_ERR_KEY_ALGORITHM).  Keys shared with the statement signers are refused by the
 * deployment policy loader (SP_ERR_POLICY_KEY_ROLES).
 *
 * Evaluation is one forward pass over the groups (members are always defined earlier),
 * so there is no recursion.
 */
#ifndef SOFTPAUSE_WITNESS_POLICY_H
#define SOFTPAUSE_WITNESS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"
#include "softpause/key.h"

enum { SP_WPOLICY_FILE = 1, SP_WPOLICY_CANONICAL = 2 };
enum { SP_QUORUM_NONE = 0, SP_QUORUM_WITNESS = 1, SP_QUORUM_GROUP = 2 };

typedef struct sp_wlog {
    sp_vkey key;                                /* alg 0x01; key.name is the origin */
    char url[SP_MAX_URL_BYTES + 1];             /* "" when absent */
} sp_wlog;

typedef struct sp_witness {
    char name[SP_MAX_NAME_BYTES + 1];           /* policy-local name */
    sp_vkey key;                                /* alg 0x04 */
    char url[SP_MAX_URL_BYTES + 1];             /* submission prefix, "" when absent */
} sp_witness;

typedef struct sp_witness_group {
    char name[SP_MAX_NAME_BYTES + 1];
    uint32_t k;                                 /* threshold, 1..n */
    uint32_t n;                                 /* number of members */
    uint32_t witness_members;                   /* bit i: witnesses[i] is a member */
    uint32_t group_members;                     /* bit j: groups[j] (j < this) is a member */
    uint8_t k_form;                             /* 0 numeric, 1 "all", 2 "any": kept so
                                                   formatting reproduces the input */
} sp_witness_group;

typedef struct sp_wpolicy {
    uint32_t log_count;
    sp_wlog logs[SP_MAX_LOGS];
    uint32_t witness_count;
    sp_witness witnesses[SP_MAX_WITNESSES];
    uint32_t group_count;
    sp_witness_group groups[SP_MAX_WITNESS_GROUPS];
    uint32_t quorum_kind;                       /* SP_QUORUM_* */
    uint32_t quorum_index;                      /* into witnesses[] or groups[] */
} sp_wpolicy;

/* Parse (mode SP_WPOLICY_FILE or SP_WPOLICY_CANONICAL) and validate.  On failure *out is
 * zeroed and *err_line (if not NULL) is the 1-based line of the problem, 0 for the whole
 * text.  Errors: the policy and key errors above, SP_ERR_POLICY_FORMAT,
 * SP_ERR_POLICY_LIMIT, SP_ERR_POLICY_NOT_CANONICAL (canonical mode only). */
SP_MUST_CHECK sp_err sp_wpolicy_parse(sp_wpolicy *out, const uint8_t *text, size_t len,
                                      uint32_t mode, const sp_crypto *crypto,
                                      uint32_t *err_line);

/* The validation both readers apply (also for in-memory policies). */
SP_MUST_CHECK sp_err sp_wpolicy_validate(const sp_wpolicy *wp);

/* Write the canonical lines (no NUL). */
SP_MUST_CHECK sp_err sp_wpolicy_format(const sp_wpolicy *wp, uint8_t *out, size_t cap,
                                       size_t *out_len);

/* 1 iff the witnesses in `cosigned` (bit i = witnesses[i]) satisfy the quorum. */
int sp_wpolicy_quorum_met(const sp_wpolicy *wp, uint32_t cosigned);

/*
 * Quorum-attested time: the largest t such that the witnesses in `cosigned` whose
 * times[i] >= t satisfy the quorum (each witness counted once, with its own timestamp).
 * SP_ERR_WITNESS_QUORUM when `cosigned` does not satisfy the quorum at all.
 */
SP_MUST_CHECK sp_err sp_wpolicy_quorum_time(const sp_wpolicy *wp, uint32_t cosigned,
                                            const uint64_t times[SP_MAX_WITNESSES],
                                            uint64_t *t);

/* Index of the log whose key name is origin[0..len), or UINT32_MAX. */
uint32_t sp_wpolicy_find_log(const sp_wpolicy *wp, const char *origin, size_t len);

#endif /* SOFTPAUSE_WITNESS_POLICY_H */
