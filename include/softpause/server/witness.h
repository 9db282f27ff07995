/*
 * softpause/server/witness.h -- a transparency-log witness (C2SP tlog-witness,
 * https://c2sp.org/tlog-witness): it cosigns a log's checkpoint only if the checkpoint is
 * consistent with every checkpoint it cosigned before for that log, and it remembers,
 * crash-safely, the latest one.
 *
 * The protocol is one call, handled here as a plain function (testable without sockets):
 *
 *   POST <prefix>/add-checkpoint      body: old <size>\n, 0..63 base64 consistency-proof
 *                                     lines, \n, a checkpoint note (softpause/tlog_proof.h)
 *
 * Answers, checked in this order (the spec's order):
 *
 *   400  malformed body (sp_witness_request_parse, or a malformed checkpoint note)
 *   404  the checkpoint's origin is not a configured log          SP_ERR_WITNESS_UNKNOWN_LOG
 *   403  no valid signature by a configured key of that log       SP_ERR_CKPT_LOG_SIGNATURE
 *   400  old size > checkpoint size                               SP_ERR_MERKLE_SIZE
 *   409  old size != the size last cosigned for the origin (0 if none); body exactly
 *        "<last size>\n", Content-Type text/x.tlog.size           SP_ERR_WITNESS_CONFLICT
 *   422  "old 0" with a non-empty proof (it MUST be empty)        SP_ERR_MERKLE_PROOF_LENGTH
 *   422  a size-0 checkpoint whose root is not the empty tree's   SP_ERR_MERKLE_ROOT_MISMATCH
 *   422  old size == checkpoint size == last size, different root (split view)
 *                                                                 SP_ERR_WITNESS_SPLIT_VIEW
 *   422  consistency proof from (last size, last root) does not verify  SP_ERR_MERKLE_*
 *        (every 422 keeps the log-signed request as evidence)
 *   413  body over SP_MAX_WITNESS_REQUEST_BYTES                   SP_ERR_LOG_FULL
 *   503  the witness's clock reads 0 (SP_ERR_COSIG_TIME_ZERO), at or above the
 *        attested-time ceiling SP_COSIG_TIME_LIMIT (2^52), or earlier than the time of its
 *        last cosignature for that log (the clock went backwards): SP_ERR_WITNESS_CLOCK;
 *        nothing is cosigned or stored, and the body says both times
 *   500  the database failed; nothing was cosigned              SP_ERR_DB, SP_ERR_DISK_FULL
 *   500  the database file was unlinked or replaced, or a tree head the database has seen
 *        is missing; this and every later request           SP_ERR_WITNESS_STATE
 *   200  one cosignature line, "— <name> base64(key ID || u64 BE time || Ed25519 sig)\n"
 *        (sp_cosignature_line), time = the clock, never 0
 *
 * Every answer other than 200 and the 409 size reply is one line of text/plain: the error's
 * name and message (and detail), so a log operator can tell why.
 *
 * State (SQLite, sp_db_open: WAL, synchronous=FULL), one row per origin: the size and root
 * last cosigned, and the time of that cosignature.  The check of the old size against that row and the update are one
 * BEGIN IMMEDIATE transaction, committed before the cosignature is made, so two racing
 * requests can never roll the size back (the race the spec describes) and an answered
 * cosignature is always on disk.  The stored size never decreases (also enforced by a
 * trigger), so the witness never cosigns a smaller tree, and every tree it cosigns is
 * proved consistent with the last one (split-view defence).  "old 0" with an empty proof
 * is accepted only while the origin has no row, or its row is the empty tree.
 *
 * The database is never created implicitly: a lost or emptied database would otherwise
 * look like a witness that has never seen the log, which would then cosign a rollback or
 * a fork from "old 0".  sp_witness_open creates one only when asked (create, and it
 * refuses to overwrite anything), and checks an existing one (witness_state.h): it must be
 * a witness database whose rows match the record of every log it has seen.  A witness that
 * lost its state is re-initialised from checkpoints the operator supplies (start): each is
 * stored as if it had been cosigned, so the witness then refuses anything smaller than it
 * or inconsistent with it.
 *
 * Thread safety: handlers may run concurrently (one connection, serialised by a mutex;
 * several processes on one database file are serialised by SQLite's write lock).
 */
#ifndef SOFTPAUSE_SERVER_WITNESS_H
#define SOFTPAUSE_SERVER_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/errors.h"
#include "softpause/host/http.h"
#include "softpause/host/keyfile.h"
#include "softpause/witness_policy.h"

#define SP_WITNESS_SIZE_CONTENT_TYPE "text/x.tlog.size"
#define SP_WITNESS_ADD_CHECKPOINT "/add-checkpoint"
#define SP_WITNESS_DB_BUSY_MS 10000
#define SP_WITNESS_MAX_PREFIX 256u

/* The clock cosignatures are dated by: POSIX seconds, 1..2^52-1 and never earlier than
 * the log's last cosignature (anything else is refused with a 503 and nothing is
 * cosigned).  Tests pass their own. */
typedef uint64_t (*sp_witness_clock)(void *ctx);

/* A checkpoint note signed by one of the witness's logs (cosignature lines may follow). */
typedef struct sp_witness_start {
    const uint8_t *note;
    size_t len;
    const char *name;           /* what messages call it (its file); NULL: its number */
} sp_witness_start;

typedef struct sp_witness_config {
    const sp_signer_key *key;   /* cosigner key (pub.alg SP_KEY_ALG_COSIGNER); copied */
    const sp_wlog *logs;        /* trusted logs (key.name = origin); copied */
    size_t nlogs;               /* 1..SP_MAX_LOGS */
    const char *db_path;        /* the state database (see create) */
    const char *prefix;         /* submission prefix path ("" or NULL: none), e.g. "/w1" */
    sp_witness_clock clock;     /* NULL: the system's wall clock */
    void *clock_ctx;
    int create;                 /* 1: create a new database at db_path (SP_ERR_EXISTS if the
                                 * file, or a -wal or -shm file beside it, exists); 0: it must
                                 * exist and be intact (SP_ERR_WITNESS_STATE otherwise) */
    const sp_witness_start *start; /* with create: log-signed checkpoints to start from, at */
    size_t nstart;                 /* most one per log (0..nlogs) */
} sp_witness_config;

typedef struct sp_witness_service sp_witness_service;

/* Open the state database and copy the configuration.  Errors: SP_ERR_KEY_ALGORITHM (not
 * a cosigner key), SP_ERR_ARGUMENT (no logs, too many logs or starts, a log key that is not type 0x01, a
 * prefix that does not start with '/' or is too long, start without create, two starting
 * checkpoints for one log), a checkpoint error (a starting checkpoint not signed by its
 * log; SP_ERR_MERKLE_ROOT_MISMATCH: of size 0 with another root than the empty tree's),
 * SP_ERR_WITNESS_STATE (no database, not a witness database, rows lost),
 * SP_ERR_EXISTS (create over an existing file), SP_ERR_DB / SP_ERR_DISK_FULL / SP_ERR_IO
 * (database); nothing is left behind when create fails; err (errcap bytes, may be NULL)
 * gets a readable detail. */
SP_MUST_CHECK sp_err sp_witness_open(sp_witness_service **out, const sp_witness_config *cfg,
                                     char *err, size_t errcap);

/* Close the database and wipe the key.  NULL is a no-op. */
void sp_witness_close(sp_witness_service *w);

/* Handle one add-checkpoint request body: fill resp (as above) and return the error behind
 * the status (SP_OK for 200). */
SP_MUST_CHECK sp_err sp_witness_add_checkpoint(sp_witness_service *w, const uint8_t *body,
                                               size_t len, sp_http_response *resp);

/* The sp_http_handler of a witness (ctx: the sp_witness_service): POST
 * <prefix>/add-checkpoint goes to sp_witness_add_checkpoint; that path with another
 * method is 405, any other path 404. */
void sp_witness_http(void *ctx, const char *method, const char *path, const uint8_t *body,
                     size_t body_len, sp_http_response *resp);

/* The latest cosigned tree head for origin: *found = 0 (size 0, root zeroed) if none. */
SP_MUST_CHECK sp_err sp_witness_latest(sp_witness_service *w, const char *origin,
                                       int *found, uint64_t *size,
                                       uint8_t root[SP_SHA256_BYTES]);

/* How many refused-but-log-signed requests are kept as evidence for origin. */
SP_MUST_CHECK sp_err sp_witness_evidence_count(sp_witness_service *w, const char *origin,
                                               uint64_t *count);

#endif /* SOFTPAUSE_SERVER_WITNESS_H */
