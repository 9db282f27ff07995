/*
 * softpause/host/signing.h -- adding signatures to notes, the equivocation guard, and
 * collecting signed copies of one statement.
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
 * The equivocation guard.  If text parses as a statement, look up the record kept beside
 * key_path for (deployment, type): refuse (SP_ERR_EQUIVOCATION) a text for an epoch below
 * the last one signed, or a different text for the same epoch; otherwise record this
 * epoch and text (crash-safely, mode 0600) BEFORE the caller emits the signature.  Texts
 * that are not statements pass (*is_statement = 0).  record_path (cap bytes, may be NULL)
 * receives the record's path.
 *
 * Record file, beside the key: "<key path without .key>.<16 hex>.signed", the hex being the
 * first 8 bytes of SHA-256("softpause/signing-record\n" || deployment || "\n" || type);
 * contents:
 *   softpause-signing-record/v1\n epoch <n>\n <statement text>
 */
SP_MUST_CHECK sp_err sp_equivocation_guard(const char *key_path, const uint8_t *text,
                                           size_t text_len, int *is_statement,
                                           char *record_path, size_t cap);

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

#endif
