/*
 * witness.c -- the C2SP tlog-witness add-checkpoint handler (contract:
 * softpause/server/witness.h).
 *
 * Every check of bytes is the verifier's -- the request envelope (sp_witness_request_parse),
 * the checkpoint note and the log's signature (sp_checkpoint_verify_log), the consistency
 * proof (sp_merkle_verify_consistency), the cosigned message (sp_cosignature_message, inside
 * sp_cosignature_line) -- so a witness and a device can never disagree about what a
 * checkpoint says.  This file adds the witness's memory (witness_state.c) and the mapping of
 * errors to the spec's HTTP statuses.
 *
 * One request, in order:
 *
 *   parse body --400--> verify log signature --404/403--> old <= size? --400-->
 *   read clock (0, or at or above 2^52) --503--> lock; BEGIN IMMEDIATE;
 *   read (last size, last root, last cosignature time)
 *     clock before the last cosignature time             --> 503 (nothing written)
 *     old != last size                                   --> 409 "<last>\n" (nothing written)
 *     old == 0 and a non-empty proof                      --> evidence; COMMIT; 422
 *     old == 0 == size and root != SHA-256("")            --> evidence; COMMIT; 422
 *     old == size == last, root != last root              --> evidence; COMMIT; 422 split view
 *     old > 0 and no consistency proof last -> checkpoint --> evidence; COMMIT; 422
 *     store (size, root); COMMIT                          --> 500 if COMMIT fails
 *   unlock; sign --> 200 with the cosignature line
 *
 * The transaction makes "compare the old size, store the new head" atomic (the spec's
 * rollback race), and COMMIT returns only once the head is on disk (synchronous=FULL), so
 * the witness never hands out a cosignature it could forget in a crash.
 *
 * Losing that memory must never look like a fresh start (a witness that forgot a log
 * cosigns a rollback or a fork from old 0).  Before every transaction the database path
 * and its -wal and -shm paths must still name the files opened (device and inode; an
 * unlinked file has no path; a head may live only in the WAL until a checkpoint), the
 * database must keep its SQLite header and length (truncation), and
 * inside it an origin without a row must be one the database has never seen
 * (witness_state_check_unseen).  Either failure is a 500 SP_ERR_WITNESS_STATE, and the
 * witness refuses every later request too, until an operator restarts it.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "softpause/checkpoint.h"
#include "softpause/host/db.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/utc.h"
#include "softpause/merkle.h"
#include "softpause/server/witness.h"
#include "softpause/tlog_proof.h"
#include "witness_state.h"

struct sp_witness_service {
    pthread_mutex_t lock;
    sqlite3 *db;
    const sp_crypto *crypto;
    sp_signer_key key;
    sp_wlog logs[SP_MAX_LOGS];
    size_t nlogs;
    char path[SP_WITNESS_MAX_PREFIX + sizeof SP_WITNESS_ADD_CHECKPOINT];
    uint8_t empty_root[SP_SHA256_BYTES];       /* SHA-256(""): the root of the empty tree */
    sp_witness_clock clock;
    void *clock_ctx;
    char *db_path;
    sp_db_files files;                         /* the files opened (fd -1 until noted) */
    int db_fd;                                 /* read-only, from before SQLite; -1: none */
    int broken;                                /* its state was lost: refuse everything */
};

/* Per-request scratch (about 5 KiB: the proof hashes and the parsed note). */
typedef struct request_work {
    sp_witness_request req;
    sp_checkpoint_work cw;
    sp_checkpoint cp;
} request_work;

/* A cosignature line: em dash, space, name, space, base64(4 + 8 + 64 bytes), newline. */
#define COSIG_LINE_CAP (4u + SP_MAX_NAME_BYTES + 1u + 104u + 1u)

static uint64_t wall_clock(void *ctx)
{
    time_t t = time(NULL);
    (void)ctx;
    return t > 0 ? (uint64_t)t : 0;
}

/* Answer status with one line "NAME: message[: detail]\n"; returns e. */
static sp_err refuse(sp_http_response *resp, int status, sp_err e, const char *detail)
{
    char text[512];
    snprintf(text, sizeof text, "%s: %s%s%s\n", sp_err_name(e), sp_err_message(e),
             detail != NULL ? ": " : "", detail != NULL ? detail : "");
    sp_http_respond_text(resp, status, text);
    return e;
}

/* 503 SP_ERR_WITNESS_CLOCK: the clock reads `now`, at or above the attested-time ceiling
 * (last == 0) or before `last`, the time of the last cosignature for the log.  The body is
 * the line `witness serve` logs. */
static sp_err clock_refusal(sp_http_response *resp, uint64_t now, uint64_t last)
{
    char detail[160], a[SP_UTC_BYTES], b[SP_UTC_BYTES];
    sp_utc_format(a, now);
    sp_utc_format(b, last);
    if (last == 0)
        snprintf(detail, sizeof detail,
                 "the clock reads %s, at or above the attested-time ceiling (2^52 s)", a);
    else
        snprintf(detail, sizeof detail,
                 "the clock reads %s, before the last cosignature for this log (%s)", a, b);
    return refuse(resp, 503, SP_ERR_WITNESS_CLOCK, detail);
}

/* The spec's one exception to "a reason in the body": 409 with the last cosigned size. */
static sp_err conflict(sp_http_response *resp, uint64_t last)
{
    char text[24];
    snprintf(text, sizeof text, "%llu\n", (unsigned long long)last);
    sp_http_respond_text(resp, 409, text);
    if (resp->status == 409) /* (a 500 if the body could not be allocated) */
        resp->content_type = SP_WITNESS_SIZE_CONTENT_TYPE;
    return SP_ERR_WITNESS_CONFLICT;
}

/* Status for a failure of the checkpoint's note or log signature. */
static int log_check_status(sp_err e)
{
    switch (e) {
    case SP_ERR_CKPT_ORIGIN:
        return 404;
    case SP_ERR_CKPT_LOG_SIGNATURE:
        return 403;
    case SP_ERR_ARGUMENT:
    case SP_ERR_CRYPTO:
    case SP_ERR_BUFFER_TOO_SMALL:
        return 500; /* ours, not the client's */
    default:
        return 400; /* note syntax, checkpoint text */
    }
}

/*
 * Is the checkpoint a tree this witness may cosign after `head`?  (old == head size was
 * checked by the caller.)  SP_OK, SP_ERR_WITNESS_SPLIT_VIEW, a Merkle error (422) or
 * SP_ERR_CRYPTO.
 */
static sp_err check_tree(const sp_witness_service *w, const request_work *rw,
                         const witness_head *head)
{
    const sp_witness_request *rq = &rw->req;
    const sp_checkpoint *cp = &rw->cp;

    if (rq->old_size == 0) {
        /* First contact (or only the empty tree so far): nothing to be consistent with, so
         * the proof must be empty, and a size-0 checkpoint can only have the empty tree's
         * root (tlog-witness: both 422). */
        if (rq->hash_count != 0)
            return SP_ERR_MERKLE_PROOF_LENGTH;
        if (cp->size == 0 && sodium_memcmp(cp->root, w->empty_root, SP_SHA256_BYTES) != 0)
            return SP_ERR_MERKLE_ROOT_MISMATCH;
        return SP_OK;
    }
    if (cp->size == rq->old_size && sodium_memcmp(cp->root, head->root, SP_SHA256_BYTES) != 0)
        return SP_ERR_WITNESS_SPLIT_VIEW; /* two signed trees of one size */
    return sp_merkle_verify_consistency(w->crypto, rq->old_size, cp->size, head->root,
                                        SP_SHA256_BYTES, cp->root, SP_SHA256_BYTES,
                                        (const uint8_t(*)[SP_SHA256_BYTES])rq->hashes,
                                        rq->hash_count);
}

/* Do the database path and its -wal and -shm paths still name the files the witness's
 * connection uses, the database with its contents? (sp_db_files_same) */
static int same_file(const sp_witness_service *w)
{
    return sp_db_files_same(&w->files);
}

/* The witness's memory is gone or damaged: refuse this request and every later one. */
static sp_err state_lost(sp_witness_service *w, sp_http_response *resp, const char *why)
{
    char detail[320];
    w->broken = 1;
    snprintf(detail, sizeof detail, "%s (%.160s); no more cosignatures until an operator"
             " restarts the witness", why, w->db_path);
    return refuse(resp, 500, SP_ERR_WITNESS_STATE, detail);
}

/* The transaction (caller holds w->lock).  SP_OK: the new head is committed. */
static sp_err update_head(sp_witness_service *w, const request_work *rw, const uint8_t *body,
                          size_t len, uint64_t now, sp_http_response *resp)
{
    const sp_checkpoint *cp = &rw->cp;
    uint64_t old = rw->req.old_size;
    witness_head head;
    char detail[128];
    sp_err e, verdict;

    if (w->broken)
        return state_lost(w, resp, "the database was lost earlier");
    if (!same_file(w))
        return state_lost(w, resp, "the database file (or its -wal or -shm) was unlinked, "
                                   "replaced or truncated");
    if ((e = witness_state_begin(w->db)) != SP_OK)
        return refuse(resp, 500, e, "cannot begin a transaction");
    if ((e = witness_state_get(w->db, cp->origin, cp->origin_len, &head)) != SP_OK) {
        witness_state_rollback(w->db);
        return refuse(resp, 500, e, "cannot read the cosigned tree head");
    }
    if (!head.found && (e = witness_state_check_unseen(w->db, cp->origin, cp->origin_len)) !=
                           SP_OK) {
        witness_state_rollback(w->db);
        return e == SP_ERR_WITNESS_STATE
                   ? state_lost(w, resp, "a tree head the database has seen is missing")
                   : refuse(resp, 500, e, "cannot read the logs seen");
    }
    if (head.found && now < head.cosigned_at) {
        witness_state_rollback(w->db);
        return clock_refusal(resp, now, head.cosigned_at);
    }
    if (old != (head.found ? head.size : 0)) {
        witness_state_rollback(w->db);
        return conflict(resp, head.found ? head.size : 0);
    }
    verdict = check_tree(w, rw, &head);
    if (verdict == SP_ERR_CRYPTO) {
        witness_state_rollback(w->db);
        return refuse(resp, 500, verdict, NULL);
    }
    if (verdict != SP_OK) {
        /* Signed by the log yet refused: keep it (the spec allows it; a split view is proof
         * of misbehaviour).  Losing the evidence must not turn the refusal into a 500. */
        const char *kind = verdict == SP_ERR_WITNESS_SPLIT_VIEW ? "split-view" : "inconsistent";
        if (witness_state_evidence(w->db, cp->origin, cp->origin_len, kind, old, cp->size,
                                   cp->root, now, body, len) != SP_OK ||
            witness_state_commit(w->db) != SP_OK)
            witness_state_rollback(w->db);
        snprintf(detail, sizeof detail, "old size %llu, checkpoint size %llu",
                 (unsigned long long)old, (unsigned long long)cp->size);
        return refuse(resp, 422, verdict, detail);
    }
    e = witness_state_put(w->db, cp->origin, cp->origin_len, cp->size, cp->root, now);
    if (e == SP_OK)
        e = witness_state_commit(w->db);
    else
        witness_state_rollback(w->db);
    return e == SP_OK ? SP_OK : refuse(resp, 500, e, "cannot store the new tree head");
}

static sp_err handle(sp_witness_service *w, request_work *rw, const uint8_t *body, size_t len,
                     sp_http_response *resp)
{
    const sp_witness_request *rq = &rw->req;
    const sp_checkpoint *cp = &rw->cp;
    uint32_t line = 0, log_index = 0;
    uint64_t now;
    char detail[128];
    uint8_t *out;
    size_t out_len = 0;
    sp_err e;

    e = sp_witness_request_parse(&rw->req, body, len, &line);
    if (e != SP_OK) {
        snprintf(detail, sizeof detail, "request line %u", (unsigned)line);
        return refuse(resp, e == SP_ERR_ARGUMENT ? 500 : 400, e, line > 0 ? detail : NULL);
    }
    e = sp_checkpoint_verify_log(w->logs, w->nlogs, rq->checkpoint, rq->checkpoint_len,
                                 w->crypto, &rw->cw, &rw->cp, &log_index);
    if (e == SP_ERR_CKPT_ORIGIN)
        return refuse(resp, 404, SP_ERR_WITNESS_UNKNOWN_LOG, NULL);
    if (e != SP_OK)
        return refuse(resp, log_check_status(e), e, NULL);
    if (rq->old_size > cp->size) {
        snprintf(detail, sizeof detail, "old size %llu > checkpoint size %llu",
                 (unsigned long long)rq->old_size, (unsigned long long)cp->size);
        return refuse(resp, 400, SP_ERR_MERKLE_SIZE, detail);
    }
    now = w->clock(w->clock_ctx);
    if (now == 0)
        return refuse(resp, 503, SP_ERR_COSIG_TIME_ZERO, "the witness's clock");
    if (now >= SP_COSIG_TIME_LIMIT)
        return clock_refusal(resp, now, 0);

    pthread_mutex_lock(&w->lock);
    e = update_head(w, rw, body, len, now, resp);
    pthread_mutex_unlock(&w->lock);
    if (e != SP_OK)
        return e;

    out = malloc(COSIG_LINE_CAP);
    if (out == NULL)
        return refuse(resp, 500, SP_ERR_IO, "out of memory");
    e = sp_cosignature_line(&w->key, now, rq->checkpoint, cp->text_len, out, COSIG_LINE_CAP,
                            &out_len);
    if (e != SP_OK) {
        free(out);
        return refuse(resp, 500, e, "cannot cosign");
    }
    resp->status = 200;
    resp->content_type = NULL;
    resp->cache_control = NULL;
    resp->body = out;
    resp->body_len = out_len;
    resp->body_static = 0;
    return SP_OK;
}

sp_err sp_witness_add_checkpoint(sp_witness_service *w, const uint8_t *body, size_t len,
                                 sp_http_response *resp)
{
    request_work *rw;
    sp_err e;

    memset(resp, 0, sizeof *resp);
    if (len > SP_MAX_WITNESS_REQUEST_BYTES)
        return refuse(resp, 413, SP_ERR_LOG_FULL, "request body over SP_MAX_WITNESS_REQUEST_BYTES");
    rw = malloc(sizeof *rw);
    if (rw == NULL)
        return refuse(resp, 500, SP_ERR_IO, "out of memory");
    e = handle(w, rw, body, len, resp);
    free(rw);
    return e;
}

void sp_witness_http(void *ctx, const char *method, const char *path, const uint8_t *body,
                     size_t body_len, sp_http_response *resp)
{
    sp_witness_service *w = ctx;
    sp_err e; /* the status in resp says it all */
    memset(resp, 0, sizeof *resp);
    if (strcmp(path, w->path) != 0)
        e = refuse(resp, 404, SP_ERR_NOT_FOUND, NULL);
    else if (strcmp(method, "POST") != 0)
        e = refuse(resp, 405, SP_ERR_USAGE, "add-checkpoint takes POST");
    else
        e = sp_witness_add_checkpoint(w, body, body_len, resp);
    (void)e;
}

/* Open the database file read-only for the witness's life (w->db_fd, its device and inode),
 * before SQLite opens it or after; it is closed only after SQLite's connection, since
 * closing a descriptor drops every POSIX lock the process holds on the file (db.c).  A
 * file that exists but holds no SQLite header (zeroed, overwritten, truncated to a part)
 * is refused here with the recovery path; a missing or empty file is left to
 * witness_state_open, which names it. */
static sp_err open_db_file(sp_witness_service *w, char *err, size_t errcap)
{
    struct stat st;
    int fd = open(w->db_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SP_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd); /* not a database SQLite can have open */
        return SP_OK;
    }
    w->db_fd = fd;
    if (st.st_size > 0 && !sp_db_header_intact(fd, st.st_size, 0))
        return witness_state_fail(err, errcap, w->db_path,
                               "not a witness database (no SQLite header: overwritten or "
                               "truncated); a witness that lost its state restarts with "
                               "--init-from CHECKPOINT");
    return SP_OK;
}

/* Verify the --init-from checkpoints (cfg->start) against the configured logs into cps:
 * each signed by its log, one per origin, and a tree of size 0 only with the empty tree's
 * root (what the witness would answer 422 to, it does not start from either). */
static sp_err check_start(const sp_witness_service *w, const sp_witness_config *cfg,
                          sp_checkpoint *cps, char *err, size_t errcap)
{
    sp_checkpoint_work *cw = malloc(sizeof *cw);
    uint32_t log_index = 0;
    sp_err e = cw != NULL ? SP_OK : SP_ERR_IO;
    for (size_t i = 0; e == SP_OK && i < cfg->nstart; i++) {
        e = sp_checkpoint_verify_log(w->logs, w->nlogs, cfg->start[i].note, cfg->start[i].len,
                                     w->crypto, cw, &cps[i], &log_index);
        for (size_t j = 0; e == SP_OK && j < i; j++)
            if (strcmp(cps[j].origin, cps[i].origin) == 0)
                e = SP_ERR_ARGUMENT;
        if (e == SP_OK && cps[i].size == 0 &&
            sodium_memcmp(cps[i].root, w->empty_root, SP_SHA256_BYTES) != 0)
            e = SP_ERR_MERKLE_ROOT_MISMATCH;
        if (e != SP_OK && err != NULL && errcap > 0) {
            const char *why = e == SP_ERR_ARGUMENT ? ": a second one for its log"
                              : e == SP_ERR_MERKLE_ROOT_MISMATCH
                                  ? ": a tree of size 0 whose root is not the empty tree's"
                                  : "";
            if (cfg->start[i].name != NULL)
                snprintf(err, errcap, "%s%s", cfg->start[i].name, why);
            else
                snprintf(err, errcap, "starting checkpoint %zu%s", i + 1, why);
        }
    }
    free(cw);
    return e;
}

sp_err sp_witness_open(sp_witness_service **out, const sp_witness_config *cfg, char *err,
                       size_t errcap)
{
    const char *prefix = cfg->prefix != NULL ? cfg->prefix : "";
    size_t plen = strlen(prefix);
    sp_witness_service *w;
    sp_err e;

    *out = NULL;
    if (err != NULL && errcap > 0)
        err[0] = '\0';
    if (cfg->key == NULL || cfg->key->pub.alg != SP_KEY_ALG_COSIGNER)
        return SP_ERR_KEY_ALGORITHM;
    if (cfg->logs == NULL || cfg->nlogs == 0 || cfg->nlogs > SP_MAX_LOGS ||
        cfg->db_path == NULL || plen > SP_WITNESS_MAX_PREFIX || cfg->nstart > SP_MAX_LOGS ||
        (cfg->nstart > 0 && (!cfg->create || cfg->start == NULL)) ||
        (plen > 0 && (prefix[0] != '/' || prefix[plen - 1] == '/')))
        return SP_ERR_ARGUMENT;
    for (size_t i = 0; i < cfg->nlogs; i++)
        if (cfg->logs[i].key.alg != 0 && cfg->logs[i].key.alg != SP_KEY_ALG_ED25519)
            return SP_ERR_KEY_ALGORITHM;
    if ((e = sp_sodium_init()) != SP_OK)
        return e;
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return SP_ERR_IO;
    w->crypto = sp_sodium_crypto();
    if (w->crypto->sha256(w->crypto->ctx, w->empty_root, NULL, 0) != 0) {
        free(w);
        return SP_ERR_CRYPTO;
    }
    pthread_mutex_init(&w->lock, NULL);
    w->key = *cfg->key;
    memcpy(w->logs, cfg->logs, cfg->nlogs * sizeof cfg->logs[0]);
    w->nlogs = cfg->nlogs;
    snprintf(w->path, sizeof w->path, "%s%s", prefix, SP_WITNESS_ADD_CHECKPOINT);
    w->clock = cfg->clock != NULL ? cfg->clock : wall_clock;
    w->clock_ctx = cfg->clock_ctx;
    w->db_path = strdup(cfg->db_path);
    w->db_fd = -1;
    w->files.fd = -1;
    sp_checkpoint *cps = calloc(cfg->nstart > 0 ? cfg->nstart : 1, sizeof *cps);
    e = w->db_path != NULL && cps != NULL ? check_start(w, cfg, cps, err, errcap) : SP_ERR_IO;
    if (e == SP_OK && !cfg->create)
        e = open_db_file(w, err, errcap);
    if (e == SP_OK)
        e = witness_state_open(&w->db, cfg->db_path, cps, cfg->nstart, cfg->create,
                               w->clock(w->clock_ctx), err, errcap);
    if (e == SP_OK) {
        e = sp_db_files_note(&w->files, cfg->db_path, w->db_fd, err, errcap);
        w->db_fd = -1; /* (w->files has it) */
        if (e != SP_OK)
            e = witness_state_fail(err, errcap, cfg->db_path, "gone or replaced while opened");
    }
    free(cps);
    if (e != SP_OK) {
        sp_witness_close(w);
        return e;
    }
    *out = w;
    return SP_OK;
}

void sp_witness_close(sp_witness_service *w)
{
    if (w == NULL)
        return;
    witness_state_close(w->db);
    sp_db_files_free(&w->files); /* after SQLite's last descriptor: no lock of its to drop */
    if (w->db_fd >= 0)
        close(w->db_fd);
    pthread_mutex_destroy(&w->lock);
    free(w->db_path);
    sodium_memzero(w, sizeof *w);
    free(w);
}

sp_err sp_witness_latest(sp_witness_service *w, const char *origin, int *found, uint64_t *size,
                         uint8_t root[SP_SHA256_BYTES])
{
    witness_head head;
    sp_err e;
    pthread_mutex_lock(&w->lock);
    e = witness_state_get(w->db, origin, strlen(origin), &head);
    pthread_mutex_unlock(&w->lock);
    *found = head.found;
    *size = head.size;
    memcpy(root, head.root, SP_SHA256_BYTES);
    return e;
}

sp_err sp_witness_evidence_count(sp_witness_service *w, const char *origin, uint64_t *count)
{
    sp_err e;
    pthread_mutex_lock(&w->lock);
    e = witness_state_evidence_count(w->db, origin, count);
    pthread_mutex_unlock(&w->lock);
    return e;
}
