/*
 * softpause/tlog_proof.h -- two line-based envelopes around a checkpoint: the C2SP
 * tlog-proof (the weekly bundle a device consumes) and the C2SP tlog-witness
 * add-checkpoint request body.  Both are "header lines, base64 hash lines, an empty line,
 * then a checkpoint note", so one scanner reads both.
 *
 * Bundle = c2sp.org/tlog-proof@v1 (revision named in docs/protocol.md) whose `extra`
 * line carries base64 of the logged leaf -- the whole signed statement note, exactly the
 * bytes the log appended -- so any tlog-proof verifier can recompute the leaf hash:
 *
 *   c2sp.org/tlog-proof@v1\n
 *   extra <base64 of the statement note>\n        (required by softpause)
 *   index <decimal>\n
 *   <base64 hash>\n * 0..SP_MAX_PROOF_HASHES      inclusion proof, leaf side first
 *   \n
 *   <checkpoint note, signatures and cosignatures included>
 *
 * add-checkpoint request (https://c2sp.org/tlog-witness):
 *
 *   old <decimal>\n
 *   <base64 hash>\n * 0..SP_MAX_PROOF_HASHES      consistency proof (at most 63 lines)
 *   \n
 *   <checkpoint note>
 *
 * Parsing is strict: exact keywords and single spaces, canonical decimals (no leading
 * zeros, below 2^63) and canonical base64 of exactly 32 bytes per hash line; no '\r'.
 * Errors: SP_ERR_PROOF_FORMAT / SP_ERR_WITNESS_REQUEST for the envelope, SP_ERR_NUMBER,
 * SP_ERR_BASE64, SP_ERR_MERKLE_PROOF_TOO_LONG; SP_ERR_BUNDLE_BARE_STATEMENT when the
 * bytes are a signed statement rather than a bundle, SP_ERR_BUNDLE_NO_STATEMENT when a
 * tlog-proof has no extra line.  The checkpoint note is NOT parsed here (the checkpoint
 * verifier does that); the structures point into the caller's buffer.
 */
#ifndef SOFTPAUSE_TLOG_PROOF_H
#define SOFTPAUSE_TLOG_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"

#define SP_TLOG_PROOF_HEADER "c2sp.org/tlog-proof@v1"

typedef struct sp_tlog_proof {
    const uint8_t *extra_b64;                 /* base64 text of the extra line */
    size_t extra_b64_len;
    uint64_t index;
    uint32_t hash_count;
    uint8_t hashes[SP_MAX_PROOF_HASHES][SP_SHA256_BYTES];
    const uint8_t *checkpoint;                /* the checkpoint note */
    size_t checkpoint_len;
} sp_tlog_proof;

typedef struct sp_witness_request {
    uint64_t old_size;
    uint32_t hash_count;
    uint8_t hashes[SP_MAX_PROOF_HASHES][SP_SHA256_BYTES];
    const uint8_t *checkpoint;
    size_t checkpoint_len;
} sp_witness_request;

/* Parse a bundle.  *err_line: 1-based line of the problem, 0 for the whole input. */
SP_MUST_CHECK sp_err sp_tlog_proof_parse(sp_tlog_proof *out, const uint8_t *bytes, size_t len,
                                         uint32_t *err_line);

/* Write a bundle (extra is raw bytes, base64-encoded here). */
SP_MUST_CHECK sp_err sp_tlog_proof_format(const uint8_t *extra, size_t extra_len,
                                          uint64_t index,
                                          const uint8_t (*hashes)[SP_SHA256_BYTES], size_t n,
                                          const uint8_t *checkpoint, size_t checkpoint_len,
                                          uint8_t *out, size_t cap, size_t *out_len);

/* Parse an add-checkpoint request body. */
SP_MUST_CHECK sp_err sp_witness_request_parse(sp_witness_request *out, const uint8_t *bytes,
                                              size_t len, uint32_t *err_line);

/* Write an add-checkpoint request body. */
SP_MUST_CHECK sp_err sp_witness_request_format(uint64_t old_size,
                                               const uint8_t (*hashes)[SP_SHA256_BYTES],
                                               size_t n, const uint8_t *checkpoint,
                                               size_t checkpoint_len, uint8_t *out,
                                               size_t cap, size_t *out_len);

#endif /* SOFTPAUSE_TLOG_PROOF_H */
