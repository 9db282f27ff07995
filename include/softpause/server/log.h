/*
 * softpause/server/log.h -- the transparency log server: accepts statements, keeps them in
 * an append-only Merkle tree (host/log_store.h), signs C2SP checkpoints, gets them
 * cosigned by the policy's witnesses (C2SP tlog-witness) and serves everything in the C2SP
 * tlog-tiles layout.
 *
 * HTTP interface (sp_log_handle; paths are relative to the log's URL prefix):
 *
 *   POST /add            body: a signed statement note (<= SP_LOG_MAX_ADD_BYTES).
 *                        200 "<index>\n" when appended, or when its text was already
 *                        logged (the existing index).  Accepted only if sp_statement_verify
 *                        accepts it under the deployment policy AND every signature line
 *                        is a valid signature of a distinct policy key (no unknown,
 *                        invalid or repeated lines: SP_ERR_LOG_SIGNATURE_LINE).  Refusals:
 *                        4xx, body "<ERROR_NAME>: <message>[ (line N)]\n"; nothing stored.
 *                        Also a policy update (softpause/update.h), accepted only if
 *                        sp_update_verify accepts it under the current policy and every
 *                        line verifies under one of the two policies (a key in both once).
 *                        503 SP_ERR_LOG_UPDATING while an update waits for its covering
 *                        checkpoint (its own resubmission gets its index); 403
 *                        SP_ERR_LOG_RETIRED once a policy dropped this log.
 *   GET  /policy-update/<v>
 *                        the update bundle (C2SP tlog-proof) moving version v-1 to v,
 *                        immutable; 404 until the log adopted it (protocol.md 18.7)
 *   GET  /checkpoint     the newest checkpoint carrying the witness quorum (text/plain;
 *                        404 until one exists)
 *   GET  /tile/<L>/<N>[.p/<W>], /tile/entries/<N>[.p/<W>]
 *                        hash tiles and entry bundles (application/octet-stream; full
 *                        tiles are immutable and say so in Cache-Control).  Every tile
 *                        is served from an in-memory cache of tile_cache_bytes
 *                        (host/tile_cache.h) once read: a tile of a given width never
 *                        changes
 *   anything else        404 (405 for a known path with the wrong method), with a reason
 *
 * Publication (sp_log_publish): the log signs "<origin>\n<size>\n<root>\n" (origin = the
 * log key's name, which the policy's witness block must list as a log with the same key)
 * as a signed note, and sends it to every witness of the policy that has a URL:
 * POST <url>/add-checkpoint with "old <n>", the consistency proof from n, and the note.
 * n is the size that witness last cosigned (remembered per witness; 0 until known).  A
 * 409 answer carries the witness's size (text/x.tlog.size): n is corrected and the request
 * sent again with the right proof.  Each witness's cosignature lines are verified
 * (sp_checkpoint_verify_witnessed) before they are kept, and a cosignature dated more
 * than max_cosig_skew seconds ahead of the log's own clock is refused
 * (SP_ERR_LOG_COSIG_AHEAD, reported in a progress line); once the kept ones satisfy the
 * witness quorum, and the quorum time is not ahead of the clock by more than that skew
 * either, the combined note is stored and becomes /checkpoint.  So honest witnesses and
 * an honest log never publish a time devices would take as a freeze; stolen witness keys
 * are not stopped by this (anyone can add cosignature lines to a public log-signed
 * checkpoint; docs/threat-model.md 5.4).  Witnesses are asked in parallel.
 *
 * The policy chain (protocol.md section 18.7; kept in the database, log_store.h): the log
 * serves under one policy of it.  After an update is appended (with its chain link, in one
 * transaction) the log is UPDATING; the first round that publishes a checkpoint covering
 * it, cosigned by the current witness quorum, makes the update bundle, verifies it with
 * sp_bundle_verify_update, stores it, and moves the log to the new policy -- or RETIRES
 * it where the new policy has no log line with this key's name and public key (rounds
 * then stay with the last policy that names it).  sp_log_server_open resumes the chain at
 * its newest policy, updating or retired as it was; cfg->policy must be one of the chain
 * (SP_ERR_LOG_POLICY otherwise), and starts it when the database has none.
 *
 * The run loop (sp_log_serve) publishes after every growth of the tree, and every
 * witness_interval seconds even without growth, so the cosignatures' timestamps (the
 * devices' attested time) keep moving.  A failed round is retried after
 * SP_LOG_RETRY_SECONDS.
 */
#ifndef SOFTPAUSE_SERVER_LOG_H
#define SOFTPAUSE_SERVER_LOG_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/errors.h"
#include "softpause/host/http.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/log_store.h"
#include "softpause/host/tile_cache.h"
#include "softpause/policy.h"

/* Largest POST /add body: one signed note. */
#define SP_LOG_MAX_ADD_BYTES SP_MAX_NOTE_BYTES
/* Default seconds between witness rounds when the log does not grow. */
#define SP_LOG_WITNESS_INTERVAL_DEFAULT 60u
/* Seconds before a failed witness round is tried again. */
#define SP_LOG_RETRY_SECONDS 5u
/* Per-request timeout for witness calls (milliseconds). */
#define SP_LOG_WITNESS_TIMEOUT_MS 10000L
/* Largest witness response read (cosignature lines). */
#define SP_LOG_WITNESS_MAX_RESPONSE 8192u
/* Largest signed checkpoint (log signature and cosignatures included). */
#define SP_LOG_CHECKPOINT_MAX SP_MAX_NOTE_BYTES
/* Default of the largest time, in seconds, by which a witness's cosignature may be dated
 * ahead of the log's clock (clocks of honest, NTP-synchronised hosts agree far better);
 * `log serve --max-cosig-skew` sets it, up to SP_LOG_MAX_COSIG_SKEW_LIMIT. */
#define SP_LOG_MAX_COSIG_SKEW_DEFAULT 300u
#define SP_LOG_MAX_COSIG_SKEW_LIMIT 86400u
/* Default cap of the tile cache (bytes; `log serve --tile-cache MIB` sets it), and the
 * sp_log_config value that turns the cache off. */
#define SP_LOG_TILE_CACHE_DEFAULT (64u * 1024u * 1024u)
#define SP_LOG_TILE_CACHE_OFF UINT64_MAX

typedef struct sp_log_config {
    const sp_policy *policy;       /* a policy of the log's chain (copied) */
    const sp_signer_key *key;      /* the log's key (type 0x01); copied */
    const char *db_path;           /* SQLite database (created if absent) */
    uint64_t witness_interval;     /* seconds; 0 means SP_LOG_WITNESS_INTERVAL_DEFAULT */
    long witness_timeout_ms;       /* 0 means SP_LOG_WITNESS_TIMEOUT_MS */
    /* Where progress lines go (one line, no '\n'); NULL: silent. */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
    uint64_t max_cosig_skew;       /* seconds; 0 means SP_LOG_MAX_COSIG_SKEW_DEFAULT */
    uint64_t tile_cache_bytes;     /* cap of the tile cache; 0 means
                                    * SP_LOG_TILE_CACHE_DEFAULT, SP_LOG_TILE_CACHE_OFF none */
} sp_log_config;

typedef struct sp_log_server sp_log_server;

/* What one witness said in the last round. */
typedef struct sp_log_witness_status {
    int http_status;               /* 0 when unreachable, or when the witness has no URL */
    sp_err err;                    /* SP_OK when its cosignature was kept */
    uint64_t size;                 /* size it last cosigned, UINT64_MAX while unknown */
} sp_log_witness_status;

/* Outcome of a publication round. */
typedef struct sp_log_round {
    uint64_t size;                 /* tree size of the checkpoint */
    uint32_t cosigned;             /* bit i: witnesses[i]'s cosignature kept */
    int published;                 /* 1 iff the quorum held and the checkpoint is served */
    uint32_t witness_count;
    sp_log_witness_status witnesses[SP_MAX_WITNESSES];
    uint32_t ed25519_checks; /* signature checks the round made on the answers (each distinct
                              * key, signature and message once: 1 + one per cosignature) */
} sp_log_round;

/* Open the database, load its policy chain (or start it at cfg->policy) and check the key
 * against the log lines (SP_ERR_CKPT_ORIGIN if no policy of the chain has a log line with
 * this key's name and public key; SP_ERR_LOG_POLICY if cfg->policy is not in the chain;
 * SP_ERR_KEY_ALGORITHM for a key that is not type 0x01). */
SP_MUST_CHECK sp_err sp_log_server_open(sp_log_server **out, const sp_log_config *cfg);

/* Close; NULL is a no-op. */
void sp_log_server_close(sp_log_server *s);

/* The store behind the server (for export and tests). */
sp_log_store *sp_log_server_store(sp_log_server *s);

/* The tile cache's counters (all zero when it is off). */
void sp_log_tile_cache_stats(sp_log_server *s, sp_tile_cache_stats *st);

/* POST /add's logic: verify, then append (durably) or find the existing entry.
 * *err_line (may be NULL) gets the line of a syntax problem. */
SP_MUST_CHECK sp_err sp_log_add(sp_log_server *s, const uint8_t *note, size_t len,
                                uint64_t *index, int *existed, uint32_t *err_line);

/* The HTTP handler (an sp_http_handler; ctx is the sp_log_server). */
void sp_log_handle(void *ctx, const char *method, const char *path, const uint8_t *body,
                   size_t body_len, sp_http_response *resp);

/* One publication round for the current tree (see above).  SP_OK when the checkpoint was
 * published; SP_ERR_WITNESS_QUORUM when too few witnesses cosigned (round says who). */
SP_MUST_CHECK sp_err sp_log_publish(sp_log_server *s, sp_log_round *round);

/* Sign the checkpoint of the store's current tree with key (the log's signature only):
 * *size gets its size, out[0..*out_len) the signed note. */
SP_MUST_CHECK sp_err sp_log_sign_checkpoint(const sp_signer_key *key, sp_log_store *store,
                                            uint64_t *size, uint8_t *out, size_t cap,
                                            size_t *out_len);

/* Serve HTTP on bind_addr:port (NULL: 127.0.0.1; port 0: any free port) and publish as
 * described above until *stop becomes non-zero (set from a signal handler, or from another
 * thread with an atomic store).  on_ready (may be NULL) is called once
 * with the bound port, after the server accepts connections. */
SP_MUST_CHECK sp_err sp_log_serve(sp_log_server *s, const char *bind_addr, uint16_t port,
                                  volatile sig_atomic_t *stop,
                                  void (*on_ready)(void *ctx, uint16_t port), void *ready_ctx);

/* The same with the HTTP server's connection limits (softpause/host/http.h; NULL: the
 * defaults).  (The log's own requests to its witnesses keep one connection alive per
 * witness from round to round: sp_http_client.) */
SP_MUST_CHECK sp_err sp_log_serve_limited(sp_log_server *s, const char *bind_addr,
                                          uint16_t port, const sp_http_limits *limits,
                                          volatile sig_atomic_t *stop,
                                          void (*on_ready)(void *ctx, uint16_t port),
                                          void *ready_ctx);

/* Write the published checkpoint, every hash tile and every entry bundle of the tree it
 * covers, in the tlog-tiles layout, under dir (created if absent): a static mirror.
 * Full tiles and the partial tiles of that size, and every update bundle
 * (policy-update/<v>, written once); existing partial tiles and the checkpoint are replaced.
 * *size (may be NULL) gets the exported tree size.  SP_ERR_NOT_FOUND if no checkpoint was
 * published yet. */
SP_MUST_CHECK sp_err sp_log_export(sp_log_store *store, const char *dir, uint64_t *size);

#endif /* SOFTPAUSE_SERVER_LOG_H */
