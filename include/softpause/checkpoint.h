/*
 * softpause/checkpoint.h -- C2SP tlog-checkpoint and tlog-cosignature (cosignature/v1).
 *
 * Checkpoint note text (https://c2sp.org/tlog-checkpoint):
 *
 *   <origin>\n                 the log key's name, so a valid key name (key.h): non-empty,
 *                              at most SP_MAX_NAME_BYTES, no '+', no white space
 *   <size>\n                   decimal, no leading zeros, 0..2^63-1
 *   <base64 root hash>\n       32 bytes, canonical base64
 *   [<extension line>\n]*      non-empty lines, kept and signed, given no meaning
 *
 * at most SP_MAX_CHECKPOINT_TEXT_BYTES in all.  The log signs it as a signed note with an
 * Ed25519 key (type 0x01) whose name is the origin.
 *
 * A cosignature (https://c2sp.org/tlog-cosignature, Ed25519 type 0x04) is a note signature
 * line whose key ID is SHA-256(name || "\n" || 0x04 || public key)[:4] and whose payload
 * after the key ID is timestamp (u64 big-endian) || Ed25519 signature (64 bytes), over
 *
 *   "cosignature/v1\n" "time " <decimal timestamp> "\n" <checkpoint note text>
 *
 * sp_checkpoint_verify_witnessed() checks, in this order: note syntax; checkpoint text
 * (SP_ERR_CKPT_FORMAT); origin is a policy log (SP_ERR_CKPT_ORIGIN); a valid signature by
 * that log's key (the first line with its name and ID; SP_ERR_CKPT_LOG_SIGNATURE if that
 * line fails or none exists); then every line whose name and 0x04 key ID match a policy
 * witness: payload length 72 after the ID (SP_ERR_COSIG_FORMAT), not a second line of the
 * same witness (SP_ERR_COSIG_DUPLICATE), timestamp not 0 (SP_ERR_COSIG_TIME_ZERO) and
 * below SP_COSIG_TIME_LIMIT, 2^52 (SP_ERR_COSIG_TIME_RANGE), signature valid
 * (SP_ERR_COSIG_INVALID); lines of unknown keys are ignored; finally the witness quorum
 * (SP_ERR_WITNESS_QUORUM) and the quorum-attested time.  Each witness key counts once: the policy loader refuses two
 * witnesses sharing a key, and a second line of one witness is refused, not skipped.
 */
#ifndef SOFTPAUSE_CHECKPOINT_H
#define SOFTPAUSE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"
#include "softpause/note.h"
#include "softpause/witness_policy.h"

#define SP_COSIGNATURE_HEADER "cosignature/v1\n"
#define SP_COSIGNATURE_PAYLOAD_BYTES 72u      /* 8-byte timestamp + 64-byte signature */
/* SP_COSIG_TIME_LIMIT (2^52, the attested-time ceiling): softpause/config.h. */

typedef struct sp_checkpoint {
    char origin[SP_MAX_NAME_BYTES + 1];       /* NUL-terminated */
    size_t origin_len;
    uint64_t size;
    uint8_t root[SP_SHA256_BYTES];
    size_t text_len;                          /* whole note text, extension lines included */
} sp_checkpoint;

/* What verification found (always safe to print, filled as far as checking got). */
typedef struct sp_checkpoint_result {
    uint32_t log_index;                       /* policy log that signed; UINT32_MAX if none */
    uint32_t cosigned;                        /* bit i: witnesses[i] cosigned validly */
    uint64_t cosig_time[SP_MAX_WITNESSES];    /* timestamp of each valid cosignature */
    uint32_t unknown_lines;                   /* lines of keys the policy does not know */
    uint32_t quorum_met;                      /* 1 iff the witness quorum holds */
    uint64_t quorum_time;                     /* sp_wpolicy_quorum_time, 0 unless met */
} sp_checkpoint_result;

/* Caller-allocated scratch (no heap, and too large for a firmware stack). */
typedef struct sp_checkpoint_work {
    sp_note note;
    uint8_t msg[SP_MAX_COSIGNED_MESSAGE_BYTES];
} sp_checkpoint_work;

/* Parse a checkpoint note text (as above; the text ends with '\n'). */
SP_MUST_CHECK sp_err sp_checkpoint_parse_text(sp_checkpoint *out, const uint8_t *text,
                                              size_t len);

/* Write origin, size and root lines (no extension lines, no NUL). */
SP_MUST_CHECK sp_err sp_checkpoint_format_text(const sp_checkpoint *cp, uint8_t *out,
                                               size_t cap, size_t *out_len);

/* The cosignature/v1 signed message for `timestamp` over a checkpoint note text.  The
 * witness signs exactly these bytes and the verifier checks exactly these bytes. */
SP_MUST_CHECK sp_err sp_cosignature_message(uint8_t *out, size_t cap, size_t *out_len,
                                            uint64_t timestamp, const uint8_t *text,
                                            size_t text_len);

/* Verify only the log's signature on a checkpoint note, against logs[0..nlogs): what a
 * witness checks before cosigning.  *log_index gets the signing log. */
SP_MUST_CHECK sp_err sp_checkpoint_verify_log(const sp_wlog *logs, size_t nlogs,
                                              const uint8_t *note, size_t len,
                                              const sp_crypto *crypto,
                                              sp_checkpoint_work *work, sp_checkpoint *out,
                                              uint32_t *log_index);

/* Verify a checkpoint note completely against a witness policy (order above). */
SP_MUST_CHECK sp_err sp_checkpoint_verify_witnessed(const sp_wpolicy *wp, const uint8_t *note,
                                                    size_t len, const sp_crypto *crypto,
                                                    sp_checkpoint_work *work,
                                                    sp_checkpoint *out,
                                                    sp_checkpoint_result *result);

#endif /* SOFTPAUSE_CHECKPOINT_H */
