/*
 * softpause/policy.h -- the signer policy: who may authorise, and what makes a quorum.
 *
 * Canonical text (the only accepted encoding; LF line ends, no comments, no blank lines,
 * fields in exactly this order, single spaces):
 *
 *   softpause-policy/v1
 *   deployment <deployment>            [A-Za-z0-9._:/-]{1,SP_MAX_DEPLOYMENT_BYTES}
 *   version <n>                        decimal, 1..2^53
 *   genesis <unix seconds>             decimal, 0..2^53
 *   epoch-length <seconds>             decimal, SP_MIN_EPOCH_LENGTH (3600)..2^32
 *   allowance <seconds>                decimal, 1..2^53: powered-on seconds per epoch
 *   max-staleness <seconds>            decimal, 0..SP_MAX_STALENESS_LIMIT: how long after
 *                                      its epoch ends a statement is still accepted, by
 *                                      quorum-attested time (freeze defence, device.h)
 *   tags[ <tag>]*                      [a-z0-9-]{1,SP_MAX_TAG_BYTES}, sorted, unique, not "-"
 *                                      (which means "no tags" on a signer line)
 *   signer <body> <tags> <verifier-key>    one per signer, sorted by body, unique bodies;
 *                                      body [A-Za-z0-9._-]{1,SP_MAX_BODY_BYTES};
 *                                      tags "-" or comma-separated sorted unique tags;
 *                                      the key's name is the signer's name and
 *                                      contains no ',' (the signers-list separator)
 *   rule <k> all                       rule lines sorted bytewise, unique, at least one
 *   rule <k> tag <tag>
 *   rule <k> signers <name>[,<name>]*  names sorted bytewise, unique
 *   log <vkey> [<url>]                 the witness policy: C2SP tlog-policy lines in the
 *   witness <name> <vkey> [<url>]      canonical form of softpause/witness_policy.h
 *   group <name> <k>|all|any <m>...    (publication, R6: which logs may publish and which
 *   quorum <name>                      witnesses must cosign their checkpoints)
 *
 * The rules are an AND of "at least k distinct keys of SET" thresholds (TUF TAP 3 style).
 *
 * Policy hash = SHA-256(SP_POLICY_HASH_DOMAIN || canonical bytes).
 *
 * Loading (sp_policy_parse) refuses anything not canonical, and every policy that
 * sp_policy_validate refuses: undeclared tags; k < 1 or k > |SET|; empty sets; two signers
 * with the same public key (under any names or IDs); two signers with the same body or
 * name; a rule set that the keys of one body could satisfy; weak Ed25519 keys; every
 * witness policy sp_wpolicy_validate refuses (no log, quorum none, a quorum one witness
 * could satisfy, ...); one public key in two roles -- signer, log, witness
 * (SP_ERR_POLICY_KEY_ROLES), so no party's signature can count twice in two capacities.
 */
#ifndef SOFTPAUSE_POLICY_H
#define SOFTPAUSE_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"
#include "softpause/key.h"
#include "softpause/witness_policy.h"

#define SP_POLICY_MAGIC_LINE "softpause-policy/v1"
#define SP_POLICY_HASH_DOMAIN "softpause/policy-hash/v1\n"

typedef struct sp_signer {
    sp_vkey key;                           /* name, key ID, public key */
    char body[SP_MAX_BODY_BYTES + 1];      /* NUL-terminated */
    uint32_t tags;                         /* bit t: declared tag t */
} sp_signer;

enum { SP_SET_ALL = 1, SP_SET_TAG = 2, SP_SET_SIGNERS = 3 };

typedef struct sp_rule {
    uint32_t k;
    uint32_t kind;                         /* SP_SET_* */
    uint32_t tag;                          /* for SP_SET_TAG: index into tags[] */
    uint32_t members;                      /* bit i: signers[i] is in the set */
} sp_rule;

typedef struct sp_policy {
    char deployment[SP_MAX_DEPLOYMENT_BYTES + 1];
    uint64_t version;
    uint64_t genesis;
    uint64_t epoch_length;
    uint64_t allowance;
    uint64_t max_staleness;
    uint32_t tag_count;
    char tags[SP_MAX_TAGS][SP_MAX_TAG_BYTES + 1];
    uint32_t signer_count;
    sp_signer signers[SP_MAX_SIGNERS];
    uint32_t rule_count;
    sp_rule rules[SP_MAX_RULES];
    sp_wpolicy witness;                    /* logs, witnesses and the witness quorum */
    uint8_t hash[SP_SHA256_BYTES];         /* set by sp_policy_parse */
} sp_policy;

/* Parse canonical policy bytes, validate, and compute the hash.  On failure *out is zeroed
 * and *err_line (if not NULL) is the 1-based line of the problem (0: whole file). */
SP_MUST_CHECK sp_err sp_policy_parse(sp_policy *out, const uint8_t *bytes, size_t len,
                                     const sp_crypto *crypto, uint32_t *err_line);

/* Check the invariants of an in-memory policy (everything but canonical encoding):
 * the same checks sp_policy_parse applies after parsing.  *err_index (if not NULL) gets the
 * index of the offending rule, or the offending signer, where there is one (UINT32_MAX where
 * there is none). */
SP_MUST_CHECK sp_err sp_policy_validate(const sp_policy *policy, const sp_crypto *crypto,
                                        uint32_t *err_index);

/* What a validation error points at, for messages that name it. */
enum {
    SP_POLICY_AT_NONE = 0,   /* the policy as a whole, or its witness policy */
    SP_POLICY_AT_SIGNER = 1, /* index: the signer */
    SP_POLICY_AT_RULE = 2,   /* index: the rule */
    SP_POLICY_AT_FIELD = 3   /* index: the numeric field, SP_POLICY_FIELD_* */
};
enum {
    SP_POLICY_FIELD_VERSION = 0,       /* 1..SP_MAX_EPOCH */
    SP_POLICY_FIELD_GENESIS = 1,       /* 0..SP_MAX_TIME */
    SP_POLICY_FIELD_EPOCH_LENGTH = 2,  /* SP_MIN_EPOCH_LENGTH..SP_MAX_EPOCH_LENGTH */
    SP_POLICY_FIELD_ALLOWANCE = 3,     /* 1..SP_MAX_TIME */
    SP_POLICY_FIELD_MAX_STALENESS = 4  /* 0..SP_MAX_STALENESS_LIMIT */
};

/* The syntax sp_policy_validate requires of a policy's names, for tools that build one and
 * must say which name is wrong: a deployment is 1..SP_MAX_DEPLOYMENT_BYTES of
 * [A-Za-z0-9._:/-], a body 1..SP_MAX_BODY_BYTES of [A-Za-z0-9._-], a tag
 * 1..SP_MAX_TAG_BYTES of [a-z0-9-] other than "-".  1 iff s[0..len) is a name of that kind. */
enum { SP_POLICY_NAME_DEPLOYMENT = 0, SP_POLICY_NAME_BODY = 1, SP_POLICY_NAME_TAG = 2 };
SP_MUST_CHECK int sp_policy_name_valid(uint32_t kind, const uint8_t *s, size_t len);

/* sp_policy_validate, also saying what the error points at: *err_at (SP_POLICY_AT_*) and
 * *err_index (the signer, rule or field; UINT32_MAX for SP_POLICY_AT_NONE).  Either
 * pointer may be NULL. */
SP_MUST_CHECK sp_err sp_policy_validate_at(const sp_policy *policy, const sp_crypto *crypto,
                                           uint32_t *err_at, uint32_t *err_index);

/* Write the canonical encoding of a policy (sorting signers, tags and rules as the format
 * requires).  No NUL written. */
SP_MUST_CHECK sp_err sp_policy_format(const sp_policy *policy, uint8_t *out, size_t cap,
                                      size_t *out_len);

/* SHA-256(SP_POLICY_HASH_DOMAIN || bytes). */
SP_MUST_CHECK sp_err sp_policy_hash(uint8_t out[SP_SHA256_BYTES], const uint8_t *bytes,
                                    size_t len, const sp_crypto *crypto);

/*
 * Quorum: given the set of policy signers with a valid signature (bit i = signers[i]),
 * count each DISTINCT PUBLIC KEY once -- whatever names or key IDs carry it, even in an
 * in-memory policy that bypassed the loader's duplicate check -- and require every rule.
 * A key counts towards a rule's set if any signer carrying that key is in the set.
 * Returns SP_OK, SP_ERR_QUORUM_KEY_COUNTED_TWICE (the rules would hold only if signers
 * sharing a key were counted separately), or SP_ERR_QUORUM_NOT_MET.  *failed_rule gets
 * the index of the first unmet rule (UINT32_MAX on success).
 */
SP_MUST_CHECK sp_err sp_quorum_evaluate(const sp_policy *policy, uint32_t valid_signers,
                                        uint32_t *failed_rule);

#endif /* SOFTPAUSE_POLICY_H */
