/*
 * softpause/errors.h -- the one error list of the whole project.
 *
 * Every fallible function in the verifier, the host layer and the commands returns an
 * sp_err.  The list below is the single source: it generates the enum, the names and
 * messages the commands print (sp_err_name, sp_err_message), and docs/errors.md
 * (tools/gen_errors_doc.c).  Rules, after OpenTitan's ROM:
 *
 *   - The list is extend-only.  A code's number never changes and is never reused.
 *   - SP_OK is not zero and sits at Hamming distance >= 6 from every error code (checked
 *     by tests/verifier/test_errors.c), so a single flipped bit or a zeroed register can
 *     never turn a failure into success.
 *   - Callers test `== SP_OK`, never truthiness.
 *   - Every code is produced by at least one test (the error-coverage step of
 *     tools/run-tests.sh, run by `make test`, fails otherwise).
 *
 * Format: X(NAME, number, "message").  Messages are one lower-case sentence fragment.
 * Retired numbers (never to be reused): 134.
 */
#ifndef SOFTPAUSE_ERRORS_H
#define SOFTPAUSE_ERRORS_H

#define SP_OK_VALUE 0x739CE5A6

#define SP_ERROR_LIST(X)                                                                     \
    /* generic */                                                                            \
    X(SP_ERR_ARGUMENT, 1, "invalid argument (NULL pointer or out-of-range value)")           \
    X(SP_ERR_BUFFER_TOO_SMALL, 2, "output buffer too small")                                 \
    X(SP_ERR_CRYPTO, 3, "the crypto backend failed")                                         \
    /* encodings */                                                                          \
    X(SP_ERR_BASE64, 10, "invalid or non-canonical base64")                                  \
    X(SP_ERR_HEX, 11, "invalid hexadecimal")                                                 \
    X(SP_ERR_NUMBER, 12, "invalid decimal number (empty, leading zero, sign or junk)")       \
    X(SP_ERR_NUMBER_RANGE, 13, "number out of range (above 2^53 or the field's limit)")      \
    /* keys (C2SP signed-note key encodings) */                                             \
    X(SP_ERR_KEY_FORMAT, 20, "malformed key: expected name+hexid+base64")                    \
    X(SP_ERR_KEY_NAME, 21, "invalid key name (empty, too long, '+', white space, bad UTF-8)") \
    X(SP_ERR_KEY_ID, 22, "key ID does not match the key name and public key")                \
    X(SP_ERR_KEY_ALGORITHM, 23, "wrong key type for its role (0x01 signer/log, 0x04 cosigner)") \
    X(SP_ERR_KEY_LENGTH, 24, "wrong key length for the algorithm")                           \
    X(SP_ERR_KEY_WEAK, 25, "public key is small-order or not canonically encoded")           \
    X(SP_ERR_KEY_NOT_PRIVATE, 26, "not a signer key (missing PRIVATE+KEY+ prefix)")          \
    /* signed notes (C2SP signed-note) */                                                    \
    X(SP_ERR_NOTE_TOO_LARGE, 30, "note larger than SP_MAX_NOTE_BYTES")                       \
    X(SP_ERR_NOTE_LINE_TOO_LONG, 31, "a line is longer than SP_MAX_LINE_BYTES")              \
    X(SP_ERR_NOTE_CONTROL_CHAR, 32, "control character (byte < 0x20 other than newline)")    \
    X(SP_ERR_NOTE_CARRIAGE_RETURN, 33, "carriage return (CR) in note")                       \
    X(SP_ERR_NOTE_UTF8, 34, "invalid UTF-8")                                                 \
    X(SP_ERR_NOTE_NO_FINAL_NEWLINE, 35, "note does not end with a newline")                  \
    X(SP_ERR_NOTE_NO_SIGNATURES, 36, "no blank line followed by signature lines")            \
    X(SP_ERR_NOTE_ASCII_DASH, 37, "signature line starts with ASCII '-' instead of U+2014")  \
    X(SP_ERR_NOTE_SIG_LINE, 38, "malformed signature line (expected \"— name base64\")")     \
    X(SP_ERR_NOTE_TOO_MANY_SIGS, 39, "more signature lines than SP_MAX_SIG_LINES")           \
    X(SP_ERR_NOTE_BAD_SIGNATURE, 40, "a known key's signature does not verify")              \
    X(SP_ERR_NOTE_UNVERIFIED, 41, "no signature from a known key")                           \
    X(SP_ERR_NOTE_AMBIGUOUS_KEY, 42, "two known keys share a name and key ID")               \
    X(SP_ERR_NOTE_TEXT, 43, "note text is not a valid note text (empty or blank line)")      \
    /* statements */                                                                         \
    X(SP_ERR_STMT_HEADER, 50, "not a softpause statement (wrong first line)")                \
    X(SP_ERR_STMT_VERSION, 51, "unsupported statement protocol version")                     \
    X(SP_ERR_STMT_TYPE, 52, "unknown statement type")                                        \
    X(SP_ERR_STMT_FORMAT, 53, "malformed statement line")                                    \
    X(SP_ERR_STMT_MODE, 54, "invalid mode (expected run, throttle PERMILLE 1..999, pause)")  \
    X(SP_ERR_STMT_DEPLOYMENT, 55, "statement is for another deployment")                     \
    X(SP_ERR_STMT_POLICY, 56, "statement names another policy hash")                         \
    X(SP_ERR_STMT_EPOCH_RANGE, 57, "epoch out of range (above 2^53)")                        \
    X(SP_ERR_STMT_START, 58, "start time is not genesis + epoch x epoch-length")             \
    X(SP_ERR_STMT_START_RANGE, 59, "epoch start would exceed 2^53 seconds")                  \
    X(SP_ERR_STMT_WRONG_TYPE, 60, "statement type not accepted here")                        \
    /* policies */                                                                           \
    X(SP_ERR_POLICY_FORMAT, 70, "malformed policy line")                                     \
    X(SP_ERR_POLICY_NOT_CANONICAL, 71, "policy is not in canonical form")                    \
    X(SP_ERR_POLICY_LIMIT, 72, "policy exceeds a configured maximum")                        \
    X(SP_ERR_POLICY_TAG_UNDECLARED, 73, "tag used but not declared")                         \
    X(SP_ERR_POLICY_THRESHOLD, 74, "rule threshold k < 1 or larger than its set")            \
    X(SP_ERR_POLICY_EMPTY_SET, 75, "rule set is empty")                                      \
    X(SP_ERR_POLICY_DUPLICATE_KEY, 76, "two signers, logs or witnesses share a public key")  \
    X(SP_ERR_POLICY_DUPLICATE_BODY, 77, "more than one key for one body")                    \
    X(SP_ERR_POLICY_DUPLICATE_NAME, 78, "two signers share a key name")                      \
    X(SP_ERR_POLICY_SINGLE_BODY, 79, "the keys of a single body could satisfy every rule")   \
    X(SP_ERR_POLICY_UNKNOWN_SIGNER, 80, "rule names a signer not in the policy")             \
    X(SP_ERR_POLICY_NO_RULES, 81, "policy has no rules")                                     \
    X(SP_ERR_POLICY_PARAMETER, 82, "a numeric policy field is out of its range")             \
    X(SP_ERR_POLICY_NO_LOG, 83, "witness policy has no log line")                            \
    X(SP_ERR_POLICY_QUORUM_NONE, 84, "witness quorum is none or missing: publication is required") \
    X(SP_ERR_POLICY_SINGLE_WITNESS, 85, "one witness alone could satisfy the witness quorum") \
    X(SP_ERR_POLICY_KEY_ROLES, 86, "a public key appears in two roles (signer, log, witness)") \
    X(SP_ERR_POLICY_WITNESS_NAME, 87, "witness or group name undefined, reserved or defined twice") \
    X(SP_ERR_POLICY_GROUP, 88, "invalid witness group (threshold, or a member listed twice)") \
    /* quorum */                                                                             \
    X(SP_ERR_QUORUM_NOT_MET, 90, "a policy rule is not satisfied by the valid signatures")   \
    X(SP_ERR_QUORUM_KEY_COUNTED_TWICE, 91, "quorum met only if one key were counted twice")  \
    /* device */                                                                             \
    X(SP_ERR_DEV_NOT_FACTORY, 100, "init refused: monotonic counter is not at factory value") \
    X(SP_ERR_DEV_ANCHOR_MISMATCH, 101, "policy bytes do not match the write-once anchor")    \
    X(SP_ERR_DEV_NO_RECORD, 102, "no valid state record (erased or corrupt storage)")        \
    X(SP_ERR_DEV_ROLLBACK, 103, "state record older than the monotonic counter")             \
    X(SP_ERR_DEV_RECORD_MAC, 104, "state record authentication failed")                      \
    X(SP_ERR_DEV_RECORD_FORMAT, 105, "malformed state record")                               \
    X(SP_ERR_DEV_RECORD_VERSION, 106, "unknown state record format version")                 \
    X(SP_ERR_DEV_STORAGE, 107, "storage callback failed")                                    \
    X(SP_ERR_DEV_READBACK, 108, "state write did not read back identically")                 \
    X(SP_ERR_DEV_COUNTER, 109, "monotonic counter failed or is exhausted")                   \
    X(SP_ERR_DEV_EPOCH_NOT_NEWER, 110, "epoch not higher than the highest accepted epoch")   \
    X(SP_ERR_DEV_PAUSED, 111, "device is paused by a signed pause statement")                \
    X(SP_ERR_DEV_EXHAUSTED, 112, "allowance exhausted: no fresh authorisation")              \
    X(SP_ERR_DEV_NO_AUTHORISATION, 113, "no authorisation accepted yet")                     \
    X(SP_ERR_DEV_NOT_LOADED, 114, "device context not initialised or loaded")                \
    X(SP_ERR_DEV_FROZEN, 115, "statement too old for the attested time (freeze defence)")   \
    X(SP_ERR_DEV_FAST_FORWARD, 116, "epoch too far ahead of the attested time (fast-forward defence)") \
    X(SP_ERR_DEV_BUSY, 117, "device state is locked by another process")                \
    X(SP_ERR_DEV_POLICY_MISSING, 213, "no policy slot holds the policy the state record names") \
    /* Merkle trees (RFC 9162) */                                                           \
    X(SP_ERR_MERKLE_SIZE, 140, "index or tree sizes out of range (index >= size, old > new, 0)") \
    X(SP_ERR_MERKLE_PROOF_LENGTH, 141, "proof has the wrong number of hashes for its sizes") \
    X(SP_ERR_MERKLE_ROOT_MISMATCH, 142, "proof does not lead to the expected root hash")   \
    X(SP_ERR_MERKLE_PROOF_TOO_LONG, 143, "proof longer than SP_MAX_PROOF_HASHES")          \
    /* checkpoints and cosignatures (C2SP tlog-checkpoint, tlog-cosignature) */             \
    X(SP_ERR_CKPT_FORMAT, 150, "malformed checkpoint (expected origin, size, base64 root hash)") \
    X(SP_ERR_CKPT_ORIGIN, 151, "checkpoint origin is not a log of the policy")               \
    X(SP_ERR_CKPT_LOG_SIGNATURE, 152, "checkpoint has no valid signature from its log")      \
    X(SP_ERR_COSIG_FORMAT, 153, "malformed cosignature (expected key ID, 8-byte time, signature)") \
    X(SP_ERR_COSIG_INVALID, 154, "a known witness's cosignature does not verify")            \
    X(SP_ERR_COSIG_DUPLICATE, 155, "two cosignature lines from one witness")                 \
    X(SP_ERR_COSIG_TIME_ZERO, 156, "cosignature timestamp is 0")                             \
    X(SP_ERR_COSIG_TIME_RANGE, 157, "cosignature timestamp is 2^52 (the attested-time ceiling) or later") \
    X(SP_ERR_WITNESS_QUORUM, 158, "checkpoint not cosigned by the policy's witness quorum")  \
    /* proofs and bundles (C2SP tlog-proof) */                                               \
    X(SP_ERR_PROOF_FORMAT, 170, "malformed tlog-proof (header, extra, index, hashes, checkpoint)") \
    X(SP_ERR_BUNDLE_BARE_STATEMENT, 171, "a bare statement: a bundle with publication proof is required") \
    X(SP_ERR_BUNDLE_NO_STATEMENT, 172, "bundle has no extra line carrying the logged statement") \
    /* witness protocol (C2SP tlog-witness) */                                               \
    X(SP_ERR_WITNESS_REQUEST, 190, "malformed add-checkpoint request")                       \
    X(SP_ERR_WITNESS_UNKNOWN_LOG, 191, "checkpoint origin unknown to this witness")          \
    X(SP_ERR_WITNESS_CONFLICT, 192, "old size is not the size this witness last cosigned")   \
    X(SP_ERR_WITNESS_SPLIT_VIEW, 193, "same size, different root hash: the log showed two trees") \
    /* log */                                                                                \
    X(SP_ERR_LOG_SIGNATURE_LINE, 194, "entry has a signature line that is not a valid, distinct policy-key signature") \
    X(SP_ERR_LOG_FULL, 195, "log is full or the request is over a size cap")                 \
    X(SP_ERR_WITNESS_CLOCK, 196, "witness clock at or above the time ceiling or behind its last cosignature") \
    X(SP_ERR_LOG_COSIG_AHEAD, 197, "a witness cosignature is dated too far ahead of the log's clock") \
    X(SP_ERR_LOG_UPDATING, 214, "log is adopting a policy update: appends wait until a checkpoint covering it is cosigned") \
    X(SP_ERR_LOG_RETIRED, 215, "log is retired: the current policy no longer names this log's key and origin") \
    X(SP_ERR_LOG_POLICY, 216, "policy is not one of this log's policy chain") \
    X(SP_ERR_WITNESS_STATE, 198, "witness database missing, replaced, or not matching the logs it has seen") \
    X(SP_ERR_SIGN_FUTURE, 199, "statement starts too far past the host clock (--allow-future overrides)") \
    /* host layer */                                                                         \
    X(SP_ERR_IO, 130, "file or system I/O failed")                                           \
    X(SP_ERR_EXISTS, 131, "refusing to overwrite an existing file")                          \
    X(SP_ERR_EQUIVOCATION, 132, "refusing to sign: this key signed a later epoch, or another text for this one") \
    X(SP_ERR_COLLECT_MISMATCH, 133, "notes to collect carry different texts")                \
    X(SP_ERR_USAGE, 135, "invalid command-line usage")                                       \
    X(SP_ERR_FILE_FORMAT, 136, "malformed file")                                              \
    X(SP_ERR_DB, 137, "embedded database (SQLite) failed")                                   \
    X(SP_ERR_HTTP, 138, "HTTP server or client failed")                                      \
    X(SP_ERR_NOT_FOUND, 139, "no such entry, tile or resource")                            \
    X(SP_ERR_DISK_FULL, 200, "disk full")                                             \
    /* policy updates (protocol.md section 18) */                                          \
    X(SP_ERR_UPDATE_FORMAT, 201, "malformed policy update (header lines, or the carried policy's version)") \
    X(SP_ERR_UPDATE_NOT_NEWER, 202, "policy update version not above the current policy's (replay or rollback)") \
    X(SP_ERR_UPDATE_SKIPPED, 203, "policy update skips a version (more than current + 1)") \
    X(SP_ERR_UPDATE_NOT_CURRENT, 204, "policy update names another current policy hash (a fork)") \
    X(SP_ERR_UPDATE_HASH, 205, "new-policy line does not match the hash of the carried policy") \
    X(SP_ERR_UPDATE_IMMUTABLE, 206, "policy update changes deployment, genesis or epoch-length") \
    X(SP_ERR_UPDATE_RULE_DROPPED, 207, "policy update drops a tag rule of the current policy") \
    X(SP_ERR_UPDATE_WITNESS_QUORUM, 208, "new witness quorum does not survive the loss of one witness") \
    X(SP_ERR_UPDATE_OLD_QUORUM, 209, "policy update not signed by the current policy's quorum") \
    X(SP_ERR_UPDATE_NEW_QUORUM, 210, "policy update not signed by the new policy's quorum") \
    X(SP_ERR_UPDATE_UNSIGNED_KEY, 211, "a signer key the update adds has no valid signature line") \
    X(SP_ERR_UPDATE_TOO_LARGE, 212, "update text plus one signature line per signer key of both policies exceeds the note limits") \
    /* Roughtime (protocol.md section 19) */                                               \
    X(SP_ERR_RT_FORMAT, 217, "malformed Roughtime packet or response, or a radius over the cap") \
    X(SP_ERR_RT_VERSION, 218, "Roughtime response is not version 1") \
    X(SP_ERR_RT_NONCE, 219, "Roughtime response answers another nonce") \
    X(SP_ERR_RT_SIGNATURE, 220, "Roughtime delegation or response signature invalid") \
    X(SP_ERR_RT_DELEGATION, 221, "Roughtime midpoint outside the delegation's MINT..MAXT") \
    X(SP_ERR_RT_MERKLE, 222, "Roughtime Merkle path does not lead from the request to ROOT")

typedef enum sp_err {
    SP_OK = SP_OK_VALUE,
#define SP_X_ENUM(name, value, msg) name = value,
    SP_ERROR_LIST(SP_X_ENUM)
#undef SP_X_ENUM
} sp_err;

/* Fallible functions are marked must-check: ignoring an sp_err is a compile error (-Werror). */
#if defined(__GNUC__) || defined(__clang__)
#define SP_MUST_CHECK __attribute__((warn_unused_result))
#else
#define SP_MUST_CHECK
#endif

/* "SP_ERR_NOTE_UTF8", or "SP_OK"; "SP_ERR_UNKNOWN" for values not in the list. */
const char *sp_err_name(sp_err e);
/* The one-line message from the list; "unknown error" for values not in the list. */
const char *sp_err_message(sp_err e);

#endif /* SOFTPAUSE_ERRORS_H */
