/*
 * softpause/config.h -- every fixed maximum of the freestanding verifier, in one place.
 *
 * The verifier never allocates: every context is a caller-allocated struct whose size
 * follows from these constants.  A firmware port changes them here (or with -D at build
 * time) and nowhere else.  Each limit is also a defence against "endless data" (brief §4):
 * inputs larger than these are refused with a specific error before any work is done.
 *
 * Constraints checked at compile time at the bottom of this file.
 */
#ifndef SOFTPAUSE_CONFIG_H
#define SOFTPAUSE_CONFIG_H

/* ---- signed notes (C2SP signed-note) ---------------------------------------------- */

/* Largest whole note (text + blank line + signature lines) the verifier reads. */
#ifndef SP_MAX_NOTE_BYTES
#define SP_MAX_NOTE_BYTES 16384u
#endif

/* Longest single line (text or signature line, without its '\n'). */
#ifndef SP_MAX_LINE_BYTES
#define SP_MAX_LINE_BYTES 1024u
#endif

/* Most signature lines in one note.  The issue fixes the range 16..100 (Go's limit is 100). */
#ifndef SP_MAX_SIG_LINES
#define SP_MAX_SIG_LINES 32u
#endif

/* Longest key name (bytes of UTF-8). */
#ifndef SP_MAX_NAME_BYTES
#define SP_MAX_NAME_BYTES 128u
#endif

/* Largest decoded signature-line payload (4-byte key ID + signature).  Lines of other
 * algorithms (e.g. cosignature/v1: 4 + 8 + 64 bytes) are parsed but never verified. */
#ifndef SP_MAX_SIG_BYTES
#define SP_MAX_SIG_BYTES 256u
#endif

/* ---- policies ------------------------------------------------------------------------ */

#ifndef SP_MAX_POLICY_BYTES
#define SP_MAX_POLICY_BYTES 16384u
#endif

/* Signer sets are 32-bit masks: SP_MAX_SIGNERS must not exceed 32. */
#ifndef SP_MAX_SIGNERS
#define SP_MAX_SIGNERS 32u
#endif

#ifndef SP_MAX_TAGS
#define SP_MAX_TAGS 16u
#endif

#ifndef SP_MAX_TAG_BYTES
#define SP_MAX_TAG_BYTES 32u
#endif

#ifndef SP_MAX_RULES
#define SP_MAX_RULES 16u
#endif

#ifndef SP_MAX_BODY_BYTES
#define SP_MAX_BODY_BYTES 64u
#endif

#ifndef SP_MAX_DEPLOYMENT_BYTES
#define SP_MAX_DEPLOYMENT_BYTES 64u
#endif

/* ---- numbers ------------------------------------------------------------------------- */

/* Epochs, times and allowances are at most 2^53 so that JSON consumers stay exact. */
#define SP_MAX_EPOCH ((unsigned long long)1 << 53)
#define SP_MAX_TIME ((unsigned long long)1 << 53)

/* ---- device state ------------------------------------------------------------------- */

/*
 * Counter endurance budget.  A hardware monotonic counter (OTP-backed or a TPM-style NV
 * counter) is typically rated for 10^5..10^6 increments.  We budget 2^20 increments over a
 * 10-year service life: at most 52 applies a year plus one reservation per chunk of
 * powered-on time.  With a 600 s chunk, continuous operation costs 52,560 increments a
 * year; with the 52 applies that is 52,612 a year, 526,120 in ten years: 50.2 % of the
 * budget, leaving the rest for reboots (each boot may finish one pending increment) and
 * margin.  A power cut loses at most one chunk of
 * allowance (fail closed), never gives any back.
 */
#ifndef SP_COUNTER_ENDURANCE
#define SP_COUNTER_ENDURANCE 1048576u
#endif
#ifndef SP_CONSUME_CHUNK_SECONDS
#define SP_CONSUME_CHUNK_SECONDS 600u
#endif

/*
 * Shortest epoch a policy may set.  Every accepted statement costs one counter increment,
 * so the epoch length bounds how fast signed statements alone can wear the counter out:
 * with hourly epochs, 8,760 applies a year plus 52,560 reservations a year of continuous
 * work is 61,320 increments a year, 17 years of SP_COUNTER_ENDURANCE.  The weekly default
 * uses 52 a year.  A shorter epoch would let a (legitimate) quorum brick its own fleet.
 */
#ifndef SP_MIN_EPOCH_LENGTH
#define SP_MIN_EPOCH_LENGTH 3600u
#endif
/* The longest epoch a policy may have (2^32 s, about 136 years). */
#define SP_MAX_EPOCH_LENGTH ((unsigned long long)1 << 32)

/* Size of one encoded state record (see device.h for the layout). */
#define SP_STATE_RECORD_BYTES 128u


/* ---- publication: logs, witnesses, proofs (issue 3) --------------------------------- */

/* Hashes in one inclusion or consistency proof.  A tree of up to 2^63 leaves needs at
 * most 63 hashes for inclusion; the C2SP witness protocol caps consistency proofs at 63
 * lines.  Longer proofs are refused before any hashing (SP_ERR_MERKLE_PROOF_TOO_LONG). */
#define SP_MAX_PROOF_HASHES 63u

/* Witness policy (C2SP tlog-policy) limits: the spec's recommended 32 logs, 32 witnesses
 * and 32 groups.  Witness and group sets are 32-bit masks.  Each log costs an sp_policy
 * 320 bytes; the device context plus the second sp_policy a policy update needs stay
 * within the budget of protocol.md section 12 (tests/verifier/test_device.c checks it). */
#define SP_MAX_LOGS 32u
/* Longest URL on a log or witness line of a witness policy. */
#define SP_MAX_URL_BYTES 128u
#define SP_MAX_WITNESSES 32u
#define SP_MAX_WITNESS_GROUPS 32u

/* A checkpoint's note text (origin, size, root, extension lines).  The cosigned message
 * is "cosignature/v1\ntime <20 digits>\n" + this text and must fit a caller-allocated
 * buffer of SP_MAX_COSIGNED_MESSAGE_BYTES. */
#define SP_MAX_CHECKPOINT_TEXT_BYTES 1024u
#define SP_MAX_COSIGNED_MESSAGE_BYTES (SP_MAX_CHECKPOINT_TEXT_BYTES + 48u)

/* A whole bundle (C2SP tlog-proof carrying the statement in its extra line): the base64
 * statement, index, proof lines and the cosigned checkpoint note. */
#define SP_MAX_BUNDLE_BYTES (((SP_MAX_NOTE_BYTES + 2u) / 3u) * 4u + 8192u)

/*
 * Attested-time ceiling.  Cosignature timestamps, and so the quorum-attested time T_att a
 * device keeps, are below 2^52 seconds (about 142 million years): a cosignature dated at
 * or above it is refused (SP_ERR_COSIG_TIME_RANGE) while the checkpoint is verified,
 * before the device raises or persists anything.  The ceiling sits below the epoch-start
 * bound SP_MAX_TIME (2^53), so every sum of a time with an epoch length and max-staleness
 * keeps headroom, and a quorum that dates its cosignatures as far ahead as it can still
 * leaves the device a bounded, computable set of epochs (docs/threat-model.md 5.4).  A
 * state record written before the ceiling with a larger T_att is clamped to
 * SP_COSIG_TIME_LIMIT - 1 when it is decoded (docs/protocol.md 8.2).  Witnesses refuse to
 * cosign at or above it (softpause/server/witness.h).
 */
#define SP_COSIG_TIME_LIMIT ((unsigned long long)1 << 52)

/* Largest accepted max-staleness in a policy (seconds): one year. */
#define SP_MAX_STALENESS_LIMIT 31536000u

/* The device persists a rise of its quorum-attested time on a refused bundle only when it
 * moved by at least this many seconds since the persisted value, so a stream of valid,
 * ever newer checkpoints attached to refused statements costs at most 8,760 counter
 * increments a year (accepted bundles always persist it). */
#define SP_ATTESTED_TIME_PERSIST_STEP 3600u

/* Largest add-checkpoint request body a witness reads (C2SP tlog-witness): "old " and 19
 * digits, SP_MAX_PROOF_HASHES base64 hash lines, the empty line, a checkpoint note.  The
 * HTTP layer answers 413 above it. */
#define SP_MAX_WITNESS_REQUEST_BYTES \
    (24u + SP_MAX_PROOF_HASHES * (SP_BASE64_HASH_LINE_BYTES) + 1u + SP_MAX_NOTE_BYTES)
#define SP_BASE64_HASH_LINE_BYTES 45u          /* 44 base64 characters and '\n' */

/* Evidence a witness keeps per log origin: requests it refused although the log signed
 * them (split views, failing consistency proofs).  Only the log's key can make such
 * requests, so the cap only bounds what a misbehaving log can make the witness store. */
#define SP_MAX_WITNESS_EVIDENCE 1024u

/* ---- Roughtime (RFC 10049; protocol.md section 19) ---------------------------------- */

/* Largest Roughtime packet read: a request's 12-byte framing plus its 1024-byte message.
 * A server never answers with more than the request (RFC 10049 section 5.2), so a longer
 * response is refused before it is read (SP_ERR_RT_FORMAT). */
#define SP_MAX_RT_PACKET_BYTES 1036u
/* Largest signed value (SREP, DELE): the verifier copies it after its signature context
 * into one stack buffer to hand it to ed25519_verify. */
#define SP_MAX_RT_SIGNED_BYTES 512u
/* Most hashes in a response's PATH (RFC 10049 section 5.2.4). */
#define SP_RT_MAX_PATH 32u
/* Widest radius accepted (seconds).  A wider one is SP_ERR_RT_FORMAT: else one server
 * answering with a huge radius would hold the device's Roughtime time down. */
#define SP_RT_MAX_RADIUS 60u

/* ---- compile-time checks ----------------------------------------------------------- */

_Static_assert(SP_MAX_SIG_LINES >= 16 && SP_MAX_SIG_LINES <= 100,
               "SP_MAX_SIG_LINES must be between 16 and 100");
_Static_assert(SP_MAX_SIGNERS >= 1 && SP_MAX_SIGNERS <= 32, "signer sets are 32-bit masks");
_Static_assert(SP_MAX_TAGS >= 1 && SP_MAX_TAGS <= 32, "tag sets are 32-bit masks");
_Static_assert(SP_MAX_LINE_BYTES <= SP_MAX_NOTE_BYTES, "a line fits in a note");
_Static_assert(SP_MAX_SIG_BYTES >= 68, "an Ed25519 signature line needs 68 bytes");
_Static_assert(SP_CONSUME_CHUNK_SECONDS >= 1, "chunk must be positive");
_Static_assert(SP_COSIG_TIME_LIMIT < SP_MAX_TIME, "the attested-time ceiling is below the epoch-start bound");

#endif /* SOFTPAUSE_CONFIG_H */
