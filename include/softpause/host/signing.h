/*
 * softpause/host/signing.h -- adding signatures to notes, the signing record (equivocation
 * guard), and collecting signed copies of one statement.
 */
#ifndef SOFTPAUSE_HOST_SIGNING_H
#define SOFTPAUSE_HOST_SIGNING_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/errors.h"
#include "softpause/host/keyfile.h"
#include "softpause/policy.h"
#include "softpause/statement.h"

/* Room for a note with every signature line. */
#define SP_SIGNED_NOTE_CAP (SP_MAX_NOTE_BYTES + 1u)

/*
 * Add key's signature to `in`, writing the signed note to out.
 *   - as_text: `in` is a plain text (sp_note_text_check rules) to be signed;
 *   - otherwise: if `in` ends in a signature block (a blank line followed by lines starting
 *     with the em dash, or with an ASCII '-'), it must parse as a signed note: a block that
 *     is present but malformed is an error; if not, `in` is a plain text.
 * Re-signing with the same key (name and key ID) replaces its line in place; all other
 * lines keep their bytes and order; a new line is appended.  key must be a note-signer key
 * (type 0x01; a cosigner key is SP_ERR_KEY_ALGORITHM).  *text_len gets the length of
 * the signed text (a prefix of out).  err_line as in sp_note_parse.
 */
SP_MUST_CHECK sp_err sp_note_add_signature(const sp_signer_key *key, const uint8_t *in,
                                           size_t in_len, int as_text, uint8_t *out,
                                           size_t cap, size_t *out_len, size_t *text_len,
                                           uint32_t *err_line);

/*
 * A witness's cosignature line (C2SP tlog-cosignature, cosignature/v1) over a checkpoint
 * note text (signature lines excluded, final '\n' included):
 *
 *   "— " <key name> " " base64( key ID[4] || timestamp (u64 big-endian) || Ed25519 sig[64] ) "\n"
 *
 * where the signature covers sp_cosignature_message(timestamp, text).  key must be a
 * cosigner key (pub.alg SP_KEY_ALG_COSIGNER, else SP_ERR_KEY_ALGORITHM); timestamp
 * 1..SP_COSIG_TIME_LIMIT-1, i.e. below 2^52 (SP_ERR_COSIG_TIME_ZERO, SP_ERR_COSIG_TIME_RANGE).  Written to out[0..cap) (no NUL).
 */
SP_MUST_CHECK sp_err sp_cosignature_line(const sp_signer_key *key, uint64_t timestamp,
                                         const uint8_t *text, size_t text_len, uint8_t *out,
                                         size_t cap, size_t *out_len);

/*
 * The signing record: a signer never signs two texts for one epoch, nor an epoch below
 * one it signed.
 *
 * One state directory per signer (sp_signing_state_dir) holds one record per (verifier
 * key, deployment, statement type), named after the PUBLIC key, so that the same key
 * reached through a symlink, a copy or a hard link finds the same record:
 *
 *   <state dir>/<64 hex>.<16 hex>.signed
 *     64 hex = SHA-256 of the verifier key text (sp_vkey_format: "name+id+base64", no LF)
 *     16 hex = the first 8 bytes of SHA-256("softpause/signing-record\n" || deployment ||
 *              "\n" || type), type "authorisation" or "policy-update"
 *   contents (mode 0600): "softpause-signing-record/v1\n" "epoch <n>\n" <text signed>
 *
 * A policy update (update.h) is recorded like a statement, type "policy-update", with its
 * version as the epoch: another update text for a signed version, or a lower version, is
 * SP_ERR_EQUIVOCATION.
 *
 * Every check and write happens under an exclusive flock(2) on <state dir>/signing.lock, a
 * file that is never renamed or removed (the record itself is replaced by rename, so a lock
 * on it would exclude nothing); the record is durable (file and directory fsync'd) before
 * the signature is handed to the caller.
 *
 * Records kept by earlier versions beside the key file ("<key path without .key>.<16
 * hex>.signed", for the path as given and for the path it resolves to) are honoured and
 * migrated: the record with the higher epoch wins and is written into the state
 * directory; the old file is left in place.
 */

#define SP_SIGN_PATH_MAX 4096u
/* A statement may start at most this long after the host clock unless told otherwise. */
#define SP_SIGN_MAX_AHEAD_DEFAULT (8ull * 86400ull)
#define SP_SIGN_LOCK_FILE "signing.lock"

/*
 * The state directory into out (cap bytes): explicit_dir if not NULL (--state-dir), else
 * $SOFTPAUSE_STATE_DIR, else $XDG_STATE_HOME/softpause (an absolute $XDG_STATE_HOME), else
 * $HOME/.local/state/softpause.  Created (with missing parents) mode 0700 if absent, its
 * parent fsync'd.  Refused (SP_ERR_IO, *why says which): none can be named, it cannot be
 * created, it is a symbolic link (also when named "LINK/." or "LINK/"; its parents may be
 * links, since every name of the directory reaches the same lock and records) or not a
 * directory, its name ends in "..", it is owned by another user, or it is writable by
 * group or others.
 */
SP_MUST_CHECK sp_err sp_signing_state_dir(const char *explicit_dir, char *out, size_t cap,
                                          const char **why);

/* How a signature is guarded. */
typedef struct sp_sign_guard {
    const char *state_dir;  /* --state-dir, or NULL for the default (sp_signing_state_dir) */
    const char *key_path;   /* the key file as given, for old records; NULL: none */
    uint64_t now;           /* the host clock, Unix seconds */
    uint64_t max_ahead;     /* an authorisation may start at most now + max_ahead;
                               UINT64_MAX: any start (--allow-future) */
    const sp_vkey *previous_key; /* a body's key before a re-keying (policy sign
                               --previous-key): its records are imported first; NULL: none */
} sp_sign_guard;

/* What the guard found. */
typedef struct sp_sign_report {
    int is_statement;            /* the text is a statement or a policy update: the record
                                    was consulted */
    sp_statement statement;      /* the statement being signed (is_statement); for an
                                    update: type SP_STMT_POLICY_UPDATE, its deployment,
                                    epoch = its version, policy_hash = the current hash */
    sp_statement recorded;       /* SP_ERR_EQUIVOCATION: the statement the record holds */
    char state_dir[SP_SIGN_PATH_MAX];     /* the state directory used ("" if none) */
    const char *why;             /* SP_ERR_IO on the state directory: what is wrong */
    char record_path[SP_SIGN_PATH_MAX];   /* the record consulted ("" if none) */
    char migrated_from[SP_SIGN_PATH_MAX]; /* an old record merged into it ("" if none) */
    uint32_t imported;           /* records of g->previous_key imported (0..2) */
} sp_sign_report;

/*
 * sp_note_add_signature (same arguments), guarded: if the signed text is a statement,
 *   - an authorisation starting more than g->max_ahead after g->now: SP_ERR_SIGN_FUTURE
 *     (nothing recorded);
 *   - the state directory is prepared (sp_signing_state_dir(g->state_dir); rep->why);
 *   - under the lock, its record is read (and old records migrated): an epoch below the
 *     recorded one, or another text for the recorded epoch, is SP_ERR_EQUIVOCATION
 *     (rep->recorded says what was signed); otherwise the record is moved to this epoch
 *     and text, durably, before SP_OK is returned.
 * With g->previous_key, first (under the lock) that key's records for this deployment,
 * authorisation and policy-update, are imported: each replaces this key's record of its
 * type where it holds a higher epoch (or this key has none), so a re-keyed body's new key
 * starts where the old one stood (rep->imported counts them).
 * A policy update (sp_update_parse) is guarded the same way, its version as the epoch (no
 * clock check).  Other texts are signed without touching the state directory.  On any
 * failure out is wiped and *out_len is 0.
 */
SP_MUST_CHECK sp_err sp_note_sign_guarded(const sp_signer_key *key, const sp_sign_guard *g,
                                          const uint8_t *in, size_t in_len, int as_text,
                                          uint8_t *out, size_t cap, size_t *out_len,
                                          size_t *text_len, sp_sign_report *rep,
                                          uint32_t *err_line);

/* Outcome of collecting one statement's signed copies. */
typedef struct sp_collect_result {
    uint32_t merged;      /* lines in the output */
    uint32_t duplicates;  /* valid lines dropped because that key was already present */
    uint32_t invalid;     /* lines dropped: a policy key, signature invalid */
    uint32_t unknown;     /* lines dropped: not a policy key */
} sp_collect_result;

/*
 * Merge signed notes of the same statement into one: every input must parse and carry the
 * same text (else SP_ERR_COLLECT_MISMATCH, *bad_input = its index); every line is verified
 * against the policy and only valid lines are kept, one per distinct public key, in order
 * of first appearance.
 */
SP_MUST_CHECK sp_err sp_collect(const sp_policy *policy, const uint8_t *const *notes,
                                const size_t *lens, size_t n, uint8_t *out, size_t cap,
                                size_t *out_len, sp_collect_result *result, size_t *bad_input,
                                uint32_t *err_line);

/*
 * The same for signed copies of one policy update (update.h), checked against the current
 * policy: each copy must pass sp_update_verify's steps 1-8 (a shortfall of either quorum,
 * or a missing proof of possession, is expected); a line is kept when it is a valid
 * signature of a signer key of either policy, one per distinct public key.
 */
SP_MUST_CHECK sp_err sp_update_collect(const sp_policy *current, const uint8_t *const *notes,
                                       const size_t *lens, size_t n, uint8_t *out, size_t cap,
                                       size_t *out_len, sp_collect_result *result,
                                       size_t *bad_input, uint32_t *err_line);

#endif
