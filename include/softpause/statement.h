/*
 * softpause/statement.h -- the weekly authorisation statement.
 *
 * A statement is a C2SP signed note whose text is exactly these lines (LF, single spaces):
 *
 *   softpause/v1 authorisation <deployment>
 *   policy <64 lower-case hex: the policy hash>
 *   epoch <n>                          decimal, 0..2^53
 *   start <unix seconds>               decimal; MUST equal genesis + epoch * epoch-length
 *   mode run | mode throttle <p> | mode pause      p decimal 1..999 (permille of capacity)
 *
 * It names no device, serial or nonce (R4): one statement is valid for every device under
 * the policy.  The type token `policy-update` is signer-set governance (R10): such texts are
 * refused here with SP_ERR_STMT_WRONG_TYPE and parsed only by softpause/update.h.
 *
 * Verification (sp_statement_verify) differs from Go's note.Open on purpose, for
 * robustness against relays: every line whose name and key ID match a policy signer is
 * verified; invalid lines and unknown lines are ignored (and reported); each distinct
 * public key counts once however many lines, names or IDs carry it; every rule must hold.
 * A refusal is SP_ERR_QUORUM_KEY_COUNTED_TWICE (not _NOT_MET) when counting every valid line
 * separately -- a repeated line, one key under two names or IDs -- would have met every rule.
 * Check order: note syntax, statement syntax, deployment, policy hash, epoch range, start,
 * signatures and quorum.  A quorum that would hold only if one key were counted twice --
 * under two names or key IDs, or through a duplicated line -- is refused with
 * SP_ERR_QUORUM_KEY_COUNTED_TWICE, any other shortfall with SP_ERR_QUORUM_NOT_MET.
 */
#ifndef SOFTPAUSE_STATEMENT_H
#define SOFTPAUSE_STATEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"
#include "softpause/note.h"
#include "softpause/policy.h"

#define SP_STATEMENT_PREFIX "softpause/"
#define SP_STATEMENT_VERSION 1u

enum { SP_STMT_AUTHORISATION = 1, SP_STMT_POLICY_UPDATE = 2 };

/* Modes are hardened values (pairwise Hamming distance >= 8), never 0/1/2. */
#define SP_MODE_RUN 0x5AC3A53Cu
#define SP_MODE_THROTTLE 0x3C5A69C6u
#define SP_MODE_PAUSE 0xA5963C69u

/* Longest statement text this library formats. */
#define SP_MAX_STATEMENT_TEXT 512u

typedef struct sp_statement {
    uint32_t type;                               /* SP_STMT_* */
    char deployment[SP_MAX_DEPLOYMENT_BYTES + 1];
    uint8_t policy_hash[SP_SHA256_BYTES];
    uint64_t epoch;
    uint64_t start;
    uint32_t mode;                               /* SP_MODE_* */
    uint32_t permille;                           /* 1..999 for throttle, else 0 */
} sp_statement;

/* Parse statement text (syntax only; no policy checks).  *err_line as elsewhere. */
SP_MUST_CHECK sp_err sp_statement_parse(sp_statement *out, const uint8_t *text, size_t len,
                                        uint32_t *err_line);

/* Write the statement text (no NUL). */
SP_MUST_CHECK sp_err sp_statement_format(const sp_statement *st, uint8_t *out, size_t cap,
                                         size_t *out_len);

/* start = genesis + epoch * epoch_length, with overflow checks; SP_ERR_STMT_EPOCH_RANGE if
 * epoch > 2^53, SP_ERR_STMT_START_RANGE if the result would exceed 2^53. */
SP_MUST_CHECK sp_err sp_epoch_start(const sp_policy *policy, uint64_t epoch, uint64_t *start);

/* When a device accepts `epoch` by its quorum-attested time T_att (device.h, protocol.md's
 * freeze and fast-forward defences, as sp_device_apply decides them):
 *   start, end      genesis + epoch * epoch_length (sp_epoch_start), and start + epoch_length;
 *   frozen_after    start + epoch_length + max_staleness: refused as stale
 *                   (SP_ERR_DEV_FROZEN) once T_att > frozen_after;
 *   ahead_before    genesis + (epoch - 1) * epoch_length, 0 for epoch 0: refused as too far
 *                   ahead (SP_ERR_DEV_FAST_FORWARD) while T_att < ahead_before, i.e. while
 *                   epoch > (T_att - genesis) / epoch_length + 1 (epoch 0 never is).
 * The errors of sp_epoch_start; *out zeroed on failure. */
typedef struct sp_epoch_window {
    uint64_t epoch;
    uint64_t start;
    uint64_t end;
    uint64_t frozen_after;
    uint64_t ahead_before;
} sp_epoch_window;
SP_MUST_CHECK sp_err sp_epoch_window_of(const sp_policy *policy, uint64_t epoch,
                                        sp_epoch_window *out);

/* The last epoch whose start sp_epoch_start accepts (at most 2^53). */
uint64_t sp_epoch_last(const sp_policy *policy);

/* The authorisation statement for `epoch` under `policy`: its deployment and hash, the
 * start computed by sp_epoch_start, and the mode (permille 1..999 for throttle, 0
 * otherwise; else SP_ERR_STMT_MODE).  What bodies sign each week.  *out zeroed on failure. */
SP_MUST_CHECK sp_err sp_statement_for_epoch(sp_statement *out, const sp_policy *policy,
                                            uint64_t epoch, uint32_t mode, uint32_t permille);

/* Check a parsed statement against a policy: deployment, policy hash, epoch range, start. */
SP_MUST_CHECK sp_err sp_statement_check(const sp_statement *st, const sp_policy *policy);

/* What signature checking found, line by line (SP_LINE_* statuses from note.h). */
typedef struct sp_quorum_report {
    uint32_t line_count;
    uint32_t verified_lines;     /* valid, counted */
    uint32_t duplicate_lines;    /* valid, but the key was already counted */
    uint32_t invalid_lines;      /* name+ID of a policy signer, signature invalid */
    uint32_t unknown_lines;      /* no policy signer with this name+ID */
    uint32_t valid_signers;      /* bit i: policy signer i has a valid line */
    uint32_t distinct_keys;      /* distinct public keys among valid_signers */
    uint32_t failed_rule;        /* first unmet rule, UINT32_MAX if none */
    uint8_t line_status[SP_MAX_SIG_LINES];
} sp_quorum_report;

/*
 * Verify a signed statement against a policy.  `work` is caller-allocated scratch (the
 * parsed note).  On success *out holds the statement.  On failure *out is zeroed; *report
 * is filled as far as checking got (it is always safe to print).
 */
SP_MUST_CHECK sp_err sp_statement_verify(const sp_policy *policy, const uint8_t *bytes,
                                         size_t len, const sp_crypto *crypto, sp_note *work,
                                         sp_statement *out, sp_quorum_report *report,
                                         uint32_t *err_line);

#endif /* SOFTPAUSE_STATEMENT_H */
