/*
 * softpause/bundle.h -- verify what a device consumes each week: a statement, proof that
 * it was published, and a witnessed checkpoint, all in one C2SP tlog-proof (R6, R8).
 *
 * sp_bundle_verify() checks, in this order, and stops at the first failure:
 *   1. the envelope (softpause/tlog_proof.h): a bare statement is
 *      SP_ERR_BUNDLE_BARE_STATEMENT, a proof without `extra` SP_ERR_BUNDLE_NO_STATEMENT;
 *      the extra line is decoded (canonical base64) into the caller's work buffer: the leaf;
 *   2. the checkpoint against the policy's witness block (softpause/checkpoint.h): its log,
 *      the log's signature, every known witness's cosignature, the witness quorum and the
 *      quorum-attested time.  From here on report->checkpoint_verified = 1, whatever
 *      happens next, so a device can keep the attested time even when it refuses the
 *      statement;
 *   3. inclusion: SHA-256(0x00 || leaf) is leaf `index` of the checkpointed tree
 *      (softpause/merkle.h) -- a statement nobody logged cannot pass, and neither can a
 *      proof from another log or another tree;
 *   4. the statement itself (softpause/statement.h), with the leaf as the signed note: the
 *      signatures a device counts are exactly the ones that were published.
 * Freshness against device state (epochs, attested time) is the device's job (device.h).
 */
#ifndef SOFTPAUSE_BUNDLE_H
#define SOFTPAUSE_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/checkpoint.h"
#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"
#include "softpause/note.h"
#include "softpause/policy.h"
#include "softpause/statement.h"
#include "softpause/tlog_proof.h"
#include "softpause/update.h"

/* Caller-allocated scratch: too large for a firmware stack. */
typedef struct sp_bundle_work {
    sp_tlog_proof proof;
    sp_checkpoint_work checkpoint;
    sp_note note;
    uint8_t leaf[SP_MAX_NOTE_BYTES];
} sp_bundle_work;

typedef struct sp_bundle_report {
    uint32_t checkpoint_verified;     /* 1 once step 2 passed */
    sp_checkpoint checkpoint;         /* origin, size, root (valid once verified) */
    sp_checkpoint_result witnesses;   /* who cosigned, when, and the quorum time */
    uint64_t index;                   /* the statement's leaf index */
    size_t leaf_len;
    sp_quorum_report quorum;          /* the statement's own signatures (step 4) */
} sp_bundle_report;

/* Verify a bundle against a policy (steps above).  On success *out is the statement; on
 * failure *out is zeroed, *report is filled as far as checking got, and *err_line (if not
 * NULL) is a 1-based line of the bundle (envelope problems) or of the statement (step 4),
 * 0 otherwise.  work holds no pointers into `bundle` after return. */
SP_MUST_CHECK sp_err sp_bundle_verify(const sp_policy *policy, const uint8_t *bundle,
                                      size_t len, const sp_crypto *crypto,
                                      sp_bundle_work *work, sp_statement *out,
                                      sp_bundle_report *report, uint32_t *err_line);

/* What a logged leaf is, by its header's type token alone (nothing else is checked): a
 * device dispatches on it (protocol.md section 18).  Anything that is not a policy update
 * takes the statement path, where sp_statement_verify names what is wrong with it. */
typedef enum sp_leaf_kind {
    SP_LEAF_STATEMENT = 1, /* "softpause/v1 authorisation ..." and everything unknown */
    SP_LEAF_UPDATE = 2     /* "softpause/v1 policy-update ..." */
} sp_leaf_kind;

sp_leaf_kind sp_leaf_kind_of(const uint8_t *text, size_t len);

/* Decode the bundle's envelope far enough to read its leaf's kind (no signature, proof or
 * quorum is checked: the caller then runs the matching verify).  Errors: the envelope's
 * (SP_ERR_PROOF_*, SP_ERR_BUNDLE_NO_STATEMENT, SP_ERR_BASE64).  work as for
 * sp_bundle_verify; it holds no pointers into `bundle` after return. */
SP_MUST_CHECK sp_err sp_bundle_kind(const uint8_t *bundle, size_t len, sp_bundle_work *work,
                                    sp_leaf_kind *kind);

/* As sp_bundle_verify, for a bundle whose leaf is a policy update: steps 1-3 against
 * `policy` (the CURRENT policy: its log and witness quorum prove publication), then
 * sp_update_verify against the same policy.  On success *out holds the update header and
 * the new policy; on failure it is zeroed.  *ureport as sp_update_verify fills it. */
SP_MUST_CHECK sp_err sp_bundle_verify_update(const sp_policy *policy, const uint8_t *bundle,
                                             size_t len, const sp_crypto *crypto,
                                             sp_bundle_work *work, sp_update_result *out,
                                             sp_update_report *ureport,
                                             sp_bundle_report *report, uint32_t *err_line);

#endif /* SOFTPAUSE_BUNDLE_H */
