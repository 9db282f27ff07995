/*
 * log.c -- the transparency log server (see softpause/server/log.h): the acceptance rule
 * for entries, the HTTP handler, publication rounds with the witnesses, the run loop.
 *
 * Nothing here parses or checks a statement, note, checkpoint or cosignature by hand: the
 * log accepts an entry by calling the verifier a device runs (sp_statement_verify), and
 * keeps a witness's cosignature only when sp_checkpoint_verify_witnessed counts it.
 *
 * The policy chain (protocol.md section 18.7): the log serves under one policy of its chain
 * at a time.  An accepted policy update is appended together with its chain link, and
 * the log is UPDATING: every other append waits (503 SP_ERR_LOG_UPDATING) until a round
 * publishes a checkpoint that covers the update and carries the current witness quorum.
 * That checkpoint, the update and its inclusion proof are the update bundle; it is checked
 * as a device at the current policy would (sp_bundle_verify_update), stored (the link is
 * adopted), and the log moves to the new policy -- statements under its hash, rounds to
 * its witnesses -- or, where the new policy no longer names this log's key and origin, is
 * RETIRED: appends are refused (403 SP_ERR_LOG_RETIRED) and rounds go on with the
 * witnesses of the last policy that names it, so its final checkpoint stays cosigned.
 *
 * Concurrency: HTTP handlers run on libmicrohttpd's threads and touch only the store
 * (thread-safe), the published checkpoint (under `lock`) and the chain state (under
 * `chain_lock`: statements hold it shared from their check to their append, updates and
 * the switch hold it exclusively, so no statement is appended after an update).
 * Publication rounds are serialised by `round_lock`, which also guards the per-witness
 * sizes and the round's scratch buffers (the switch happens inside a round); within a
 * round, one thread per witness makes the HTTP calls, each over that witness's own
 * client, whose connection stays alive from round to round.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "softpause/bundle.h"
#include "softpause/checkpoint.h"
#include "softpause/encoding.h"
#include "softpause/host/db.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/tlog_tiles.h"
#include "softpause/host/utc.h"
#include "softpause/note.h"
#include "softpause/server/log.h"
#include "softpause/statement.h"
#include "softpause/tlog_proof.h"
#include "softpause/update.h"

#define UNKNOWN_SIZE UINT64_MAX

/* Attempts per witness per round: the first guess of its size, then its 409 answer. */
#define WITNESS_ATTEMPTS 3

/* Room for an add-checkpoint request: "old <20 digits>\n", the proof lines, "\n", note. */
#define REQUEST_CAP (32u + SP_MAX_PROOF_HASHES * 46u + SP_LOG_CHECKPOINT_MAX)

static const char type_text[] = "text/plain; charset=utf-8";
static const char type_binary[] = "application/octet-stream";
static const char cache_immutable[] = "public, max-age=31536000, immutable";
static const char cache_partial[] = "public, max-age=60";
static const char cache_checkpoint[] = "no-cache";

enum { LOG_OPEN = 0, LOG_UPDATING = 1, LOG_RETIRED = 2 };

/* The Ed25519 checks of one publication round, each distinct (key, signature, message)
 * done once.  The log's own signature is in every witness's candidate note and in the
 * combined one, and each kept cosignature is checked again in the combined note; through
 * this cache a round with 3 witnesses makes 4 checks (the log's signature, 3 cosignatures)
 * instead of 10, while sp_checkpoint_verify_witnessed stays the only judge.  Only successes
 * are kept (a failing signature is checked, and fails, every time), keyed by the SHA-256
 * of the message, for one round (round_locked empties it). */
#define ROUND_CHECKS_MAX (2 * SP_MAX_WITNESSES + 2)
typedef struct round_checks {
    const sp_crypto *inner;
    uint32_t kept, made; /* successes remembered; checks actually made this round */
    struct {
        uint8_t key[SP_ED25519_PUBLIC_KEY_BYTES], sig[SP_ED25519_SIGNATURE_BYTES],
            msg[SP_SHA256_BYTES];
    } ok[ROUND_CHECKS_MAX];
} round_checks;

struct sp_log_server;
typedef struct log_worker {
    struct sp_log_server *s;
    uint32_t i; /* the witness slot it serves */
} log_worker;

struct sp_log_server {
    sp_policy *policy;               /* the policy it serves under (rounds, statements) */
    pthread_rwlock_t chain_lock;     /* policy, next, state, update_index */
    int state;                       /* LOG_* */
    sp_policy *next;                 /* UPDATING: the policy the logged update moves to */
    uint64_t update_index;           /* UPDATING: the update's leaf index */
    sp_signer_key key;
    uint64_t interval;
    uint64_t max_skew;               /* seconds a cosignature may be ahead of the clock */
    long timeout_ms;
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
    sp_log_store *store;
    sp_tile_cache *tiles;            /* tiles in memory; NULL when off */
    sp_db_files files;               /* the database's files, checked before each write */
    int broken;                      /* they were unlinked, replaced or truncated: atomic */

    pthread_mutex_t lock;            /* published checkpoint, adds, wake */
    pthread_cond_t wake;
    uint64_t adds;                   /* entries appended since start (wakes the loop) */
    uint8_t *published;
    size_t published_len;
    uint64_t published_size;

    pthread_mutex_t round_lock;      /* one round at a time; everything below */
    uint64_t witness_size[SP_MAX_WITNESSES];
    sp_http_client *clients[SP_MAX_WITNESSES]; /* kept-alive connection to each witness */
    /* A long-lived thread per witness slot, started at the slot's first round
     * (witness_worker): a round hands each its call and waits for all of them, instead of
     * starting and joining a thread per witness per round.  pool_lock guards jobs,
     * pending and stopping. */
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_work, pool_done;
    pthread_t workers[SP_MAX_WITNESSES];
    int worker_up[SP_MAX_WITNESSES];
    log_worker worker_arg[SP_MAX_WITNESSES];
    struct witness_call *jobs[SP_MAX_WITNESSES];
    uint32_t pending;
    int stopping;
    sp_checkpoint_work cwork;
    round_checks checks; /* the round's Ed25519 checks, each once (round_crypto) */
    uint8_t signed_note[SP_LOG_CHECKPOINT_MAX];
    uint8_t combined[SP_LOG_CHECKPOINT_MAX];
    uint8_t candidate[SP_LOG_CHECKPOINT_MAX];
};

static void say(sp_log_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(sp_log_server *s, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (s->log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->log(s->log_ctx, line);
}

sp_log_store *sp_log_server_store(sp_log_server *s)
{
    return s->store;
}

void sp_log_tile_cache_stats(sp_log_server *s, sp_tile_cache_stats *st)
{
    sp_tile_cache_stats_get(s->tiles, st);
}

/* The policy's log line for key: same name and public key (and so the same key ID). */
static sp_err find_log_line(const sp_policy *policy, const sp_signer_key *key)
{
    uint32_t i = sp_wpolicy_find_log(&policy->witness, key->pub.name, key->pub.name_len);
    if (i == UINT32_MAX || i >= policy->witness.log_count)
        return SP_ERR_CKPT_ORIGIN;
    const sp_vkey *v = &policy->witness.logs[i].key;
    if (memcmp(v->public_key, key->pub.public_key, sizeof v->public_key) != 0 ||
        v->key_id != key->pub.key_id)
        return SP_ERR_CKPT_ORIGIN;
    return SP_OK;
}

static void check_stored(sp_log_server *s);
static void maybe_switch(sp_log_server *s, uint64_t size, size_t combined_len);

/* ---- the policy chain at start-up -------------------------------------------------------- */

/* What the walk over the stored chain finds. */
typedef struct chain_walk {
    const sp_signer_key *key;
    const uint8_t *given;            /* hash of the --policy given */
    int given_found;
    uint64_t links, newest;          /* count; version of the newest link */
    sp_policy *serving;              /* the newest adopted policy that names this log */
    int newest_names_log;            /* the newest adopted policy names it */
    sp_policy *pending;              /* a link not adopted (the newest) */
    uint64_t pending_entry;
    sp_err err;
} chain_walk;

static sp_err chain_visit(void *ctx, const sp_log_chain_link *link)
{
    chain_walk *w = ctx;
    sp_policy *p = malloc(sizeof *p);
    uint32_t line = 0;
    if (p == NULL)
        return SP_ERR_IO;
    sp_err e = sp_policy_parse(p, link->policy, link->policy_len, sp_sodium_crypto(), &line);
    if (e == SP_OK && (memcmp(p->hash, link->hash, SP_SHA256_BYTES) != 0 ||
                       p->version != link->version || w->pending != NULL))
        e = SP_ERR_DB; /* a stored chain that is not one: fail closed */
    if (e != SP_OK) {
        free(p);
        return SP_ERR_DB;
    }
    w->links++;
    w->newest = link->version;
    if (memcmp(link->hash, w->given, SP_SHA256_BYTES) == 0)
        w->given_found = 1;
    if (link->entry != UINT64_MAX && !link->adopted) {
        w->pending = p;
        w->pending_entry = link->entry;
        return SP_OK;
    }
    w->newest_names_log = find_log_line(p, w->key) == SP_OK;
    if (w->newest_names_log) {
        free(w->serving);
        w->serving = p;
    } else {
        free(p);
    }
    return SP_OK;
}

/* Load the chain (starting it at cfg->policy for a database without one) into s. */
static sp_err chain_load(sp_log_server *s, const sp_log_config *cfg)
{
    chain_walk w;
    memset(&w, 0, sizeof w);
    w.key = &s->key;
    w.given = cfg->policy->hash;
    sp_err e = sp_log_store_chain(s->store, chain_visit, &w);
    if (e == SP_OK && w.links == 0) {
        /* A new database, or one from before the chain: the given policy is its root. */
        static const size_t cap = SP_MAX_POLICY_BYTES;
        uint8_t *bytes = malloc(cap);
        size_t len = 0;
        e = bytes == NULL ? SP_ERR_IO : find_log_line(cfg->policy, &s->key);
        if (e == SP_OK)
            e = sp_policy_format(cfg->policy, bytes, cap, &len);
        if (e == SP_OK)
            e = sp_log_store_chain_root(s->store, cfg->policy->version, cfg->policy->hash,
                                        bytes, len);
        free(bytes);
        if (e == SP_OK)
            e = sp_log_store_chain(s->store, chain_visit, &w);
    }
    if (e == SP_OK && !w.given_found)
        e = SP_ERR_LOG_POLICY;
    if (e == SP_OK && w.serving == NULL)
        e = SP_ERR_CKPT_ORIGIN;
    if (e != SP_OK) {
        free(w.serving);
        free(w.pending);
        return e;
    }
    s->policy = w.serving;
    s->next = w.pending;
    s->update_index = w.pending_entry;
    s->state = w.pending != NULL ? LOG_UPDATING : w.newest_names_log ? LOG_OPEN : LOG_RETIRED;
    return SP_OK;
}

/* Opened while updating, with a published checkpoint that covers the update: the log
 * stopped (kill -9, power) after publishing it and before storing the update bundle.  The
 * checkpoint carries the current witness quorum (only such are published), so it is the
 * proof: the switch is made now, as the round would have made it, without waiting for
 * another round of witnesses that may be gone by now. */
static void resume_switch(sp_log_server *s)
{
    if (s->state != LOG_UPDATING || s->published == NULL ||
        s->published_size <= s->update_index || s->published_len > sizeof s->combined)
        return;
    memcpy(s->combined, s->published, s->published_len);
    maybe_switch(s, s->published_size, s->published_len);
}

sp_err sp_log_server_open(sp_log_server **out, const sp_log_config *cfg)
{
    *out = NULL;
    if (cfg->policy == NULL || cfg->key == NULL || cfg->db_path == NULL)
        return SP_ERR_USAGE;
    if (cfg->key->pub.alg != 0 && cfg->key->pub.alg != SP_KEY_ALG_ED25519)
        return SP_ERR_KEY_ALGORITHM;
    sp_log_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return SP_ERR_IO;
    s->key = *cfg->key;
    s->interval = cfg->witness_interval ? cfg->witness_interval : SP_LOG_WITNESS_INTERVAL_DEFAULT;
    s->timeout_ms = cfg->witness_timeout_ms ? cfg->witness_timeout_ms : SP_LOG_WITNESS_TIMEOUT_MS;
    s->max_skew = cfg->max_cosig_skew ? cfg->max_cosig_skew : SP_LOG_MAX_COSIG_SKEW_DEFAULT;
    s->log = cfg->log;
    s->log_ctx = cfg->log_ctx;
    s->files.fd = -1;
    for (size_t i = 0; i < SP_MAX_WITNESSES; i++)
        s->witness_size[i] = UNKNOWN_SIZE;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->round_lock, NULL);
    pthread_rwlock_init(&s->chain_lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    pthread_mutex_init(&s->pool_lock, NULL);
    pthread_cond_init(&s->pool_work, NULL);
    pthread_cond_init(&s->pool_done, NULL);
    sp_err e = SP_OK;
    if (cfg->tile_cache_bytes != SP_LOG_TILE_CACHE_OFF)
        e = sp_tile_cache_new(&s->tiles, cfg->tile_cache_bytes ? cfg->tile_cache_bytes
                                                                : SP_LOG_TILE_CACHE_DEFAULT);
    if (e == SP_OK)
        e = sp_log_store_open(&s->store, cfg->db_path);
    if (e == SP_OK)
        e = chain_load(s, cfg);
    if (e == SP_OK)
        e = sp_db_files_note(&s->files, cfg->db_path, -1, NULL, 0);
    if (e == SP_OK) {
        e = sp_log_store_latest_checkpoint(s->store, &s->published_size, &s->published,
                                           &s->published_len);
        if (e == SP_ERR_NOT_FOUND)
            e = SP_OK;
        else if (e == SP_OK)
            check_stored(s);
    }
    if (e == SP_OK)
        resume_switch(s);
    if (e != SP_OK) {
        sp_log_server_close(s);
        return e;
    }
    *out = s;
    return SP_OK;
}

void sp_log_server_close(sp_log_server *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->pool_lock);
    s->stopping = 1;
    pthread_cond_broadcast(&s->pool_work);
    pthread_mutex_unlock(&s->pool_lock);
    for (uint32_t i = 0; i < SP_MAX_WITNESSES; i++)
        if (s->worker_up[i])
            pthread_join(s->workers[i], NULL);
    sp_log_store_close(s->store);
    sp_tile_cache_free(s->tiles);
    sp_db_files_free(&s->files); /* after the store's connections (db.h) */
    for (uint32_t i = 0; i < SP_MAX_WITNESSES; i++)
        sp_http_client_free(s->clients[i]);
    free(s->published);
    free(s->policy);
    free(s->next);
    sp_signer_key_wipe(&s->key);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->round_lock);
    pthread_rwlock_destroy(&s->chain_lock);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->pool_lock);
    pthread_cond_destroy(&s->pool_work);
    pthread_cond_destroy(&s->pool_done);
    free(s);
}

/* ---- accepting entries ----------------------------------------------------------------- */

static const char files_lost[] =
    "the database file (or its -wal or -shm) was unlinked, replaced or truncated; "
    "nothing more is acknowledged or published until the log is restarted";

/* Do the database's files still hold what the log acknowledged?  Once they do not, the
 * log refuses every append and round (what it would acknowledge could be lost in the next
 * crash, and witnesses would cosign a tree the restarted log does not have). */
static int files_intact(sp_log_server *s)
{
    if (__atomic_load_n(&s->broken, __ATOMIC_SEQ_CST))
        return 0;
    if (sp_db_files_same(&s->files))
        return 1;
    if (!__atomic_exchange_n(&s->broken, 1, __ATOMIC_SEQ_CST))
        say(s, "%s (%s)", files_lost, s->files.path[0]);
    return 0;
}

/* Wake the run loop: the tree grew. */
static void grew(sp_log_server *s)
{
    pthread_mutex_lock(&s->lock);
    s->adds++;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

/* Stricter than a device: nobody may fill the log with junk lines beside a quorum.  Every
 * line must verify under one of the policies and be invalid, unknown-beside-nothing or a
 * repeat under none (an update's lines are checked under both, a key in both once). */
static sp_err lines_all_valid(const sp_quorum_report *a, const sp_quorum_report *b)
{
    for (uint32_t i = 0; i < a->line_count && i < SP_MAX_SIG_LINES; i++) {
        uint8_t x = a->line_status[i], y = b != NULL ? b->line_status[i] : SP_LINE_UNKNOWN;
        if (x == SP_LINE_INVALID || x == SP_LINE_DUPLICATE || y == SP_LINE_INVALID ||
            y == SP_LINE_DUPLICATE || (x != SP_LINE_VERIFIED && y != SP_LINE_VERIFIED))
            return SP_ERR_LOG_SIGNATURE_LINE;
    }
    return a->line_count <= SP_MAX_SIG_LINES ? SP_OK : SP_ERR_LOG_SIGNATURE_LINE;
}

/* The distinct public keys among the signers of a (mask ma) and of b (mask mb). */
static uint32_t distinct_keys(const sp_policy *a, uint32_t ma, const sp_policy *b, uint32_t mb)
{
    const uint8_t *seen[2 * SP_MAX_SIGNERS];
    uint32_t n = 0;
    for (int side = 0; side < 2; side++) {
        const sp_policy *p = side == 0 ? a : b;
        uint32_t m = side == 0 ? ma : mb;
        for (uint32_t i = 0; i < p->signer_count && i < 32; i++) {
            if (!(m & (1u << i)))
                continue;
            const uint8_t *k = p->signers[i].key.public_key;
            uint32_t j = 0;
            while (j < n && memcmp(seen[j], k, 32) != 0)
                j++;
            if (j == n)
                seen[n++] = k;
        }
    }
    return n;
}

/* An update's lines: each valid under a policy (lines_all_valid), and no public key on
 * two lines -- a key both policies name under different names or IDs included. */
static sp_err update_lines_valid(const sp_policy *cur, const sp_update_result *res,
                                 const sp_update_report *r)
{
    sp_err e = lines_all_valid(&r->current, &r->next);
    uint32_t lines = 0;
    for (uint32_t i = 0; e == SP_OK && i < r->current.line_count; i++)
        lines += r->current.line_status[i] == SP_LINE_VERIFIED ||
                 r->next.line_status[i] == SP_LINE_VERIFIED;
    if (e == SP_OK && lines != distinct_keys(cur, r->current.valid_signers, &res->policy,
                                             r->next.valid_signers))
        e = SP_ERR_LOG_SIGNATURE_LINE;
    return e;
}

/* A statement, under the current policy; the chain lock is held shared. */
static sp_err add_statement(sp_log_server *s, const uint8_t *note, size_t len,
                            uint64_t *index, int *existed, uint32_t *line)
{
    sp_note work;
    sp_statement st;
    sp_quorum_report report;
    sp_err e = sp_statement_verify(s->policy, note, len, sp_sodium_crypto(), &work, &st, &report,
                                   line);
    if (e == SP_OK)
        e = lines_all_valid(&report, NULL);
    if (e == SP_OK && !files_intact(s))
        e = SP_ERR_DB;
    if (e == SP_OK)
        e = sp_log_store_append(s->store, note, len, work.text_len, index, existed);
    return e;
}

/* A policy update, under the current policy; the chain lock is held exclusively.  The
 * update and its chain link are stored together, and the log is updating. */
static sp_err add_update(sp_log_server *s, const uint8_t *note, size_t len, uint64_t *index,
                         int *existed, uint32_t *line)
{
    sp_note work;
    sp_update_report report;
    sp_update_result *res = malloc(sizeof *res);
    sp_policy *next = malloc(sizeof *next);
    sp_err e = res == NULL || next == NULL ? SP_ERR_IO : SP_OK;
    if (e == SP_OK)
        e = sp_update_verify(s->policy, note, len, sp_sodium_crypto(), &work, res, &report,
                             line);
    if (e == SP_OK)
        e = update_lines_valid(s->policy, res, &report);
    if (e == SP_OK && !files_intact(s))
        e = SP_ERR_DB;
    if (e == SP_OK) {
        const sp_update *u = &res->update;
        e = sp_log_store_append_update(s->store, note, len, work.text_len, u->version,
                                       u->new_policy_hash, note + u->policy_offset,
                                       u->policy_len, index, existed);
    }
    if (e == SP_OK && !*existed) {
        *next = res->policy;
        s->next = next;
        next = NULL;
        s->update_index = *index;
        s->state = LOG_UPDATING;
        say(s, "policy update to version %llu logged at index %llu; appends wait for a "
               "checkpoint covering it",
            (unsigned long long)res->update.version, (unsigned long long)*index);
    }
    free(next);
    free(res);
    return e;
}

/* An update already in the log -- pending, adopted, or the one that retired it -- is
 * answered with its index in every state (a retried submission: `policy publish` after a
 * timeout, by which time the log may have switched); nothing is checked or stored.  Only
 * updates that passed add_update are in the log as updates, so the index names a link of
 * the chain, whose bundle GET /policy-update/<v> serves once the switch stored it. */
static int update_logged(sp_log_server *s, const uint8_t *note, size_t len, uint64_t *index,
                         int *existed)
{
    sp_note work;
    uint64_t found = 0;
    if (sp_note_parse(&work, note, len, NULL) != SP_OK ||
        sp_log_store_find(s->store, note, work.text_len, &found) != SP_OK)
        return 0;
    *index = found;
    *existed = 1;
    return 1;
}

sp_err sp_log_add(sp_log_server *s, const uint8_t *note, size_t len, uint64_t *index,
                  int *existed, uint32_t *err_line)
{
    uint32_t line = 0;
    *index = 0;
    *existed = 0;
    if (err_line != NULL)
        *err_line = 0;
    if (len > SP_LOG_MAX_ADD_BYTES)
        return SP_ERR_LOG_FULL;
    int update = sp_leaf_kind_of(note, len) == SP_LEAF_UPDATE;
    if (update)
        pthread_rwlock_wrlock(&s->chain_lock);
    else
        pthread_rwlock_rdlock(&s->chain_lock);
    sp_err e = update && update_logged(s, note, len, index, existed) ? SP_OK
               : s->state == LOG_RETIRED                               ? SP_ERR_LOG_RETIRED
               : s->state == LOG_UPDATING                              ? SP_ERR_LOG_UPDATING
               : update ? add_update(s, note, len, index, existed, &line)
                        : add_statement(s, note, len, index, existed, &line);
    pthread_rwlock_unlock(&s->chain_lock);
    if (err_line != NULL)
        *err_line = line;
    if (e == SP_OK && !*existed)
        grew(s);
    if (e != SP_OK) {
        *index = 0;
        *existed = 0;
    }
    return e;
}

/* ---- HTTP -------------------------------------------------------------------------------- */

/* "<NAME>: <message>[ (line N)][: detail]\n" with an HTTP status. */
static void respond_error(sp_http_response *resp, int status, sp_err e, uint32_t line,
                          const char *detail)
{
    char text[512];
    int n = snprintf(text, sizeof text, "%s: %s", sp_err_name(e), sp_err_message(e));
    if (line != 0 && n > 0 && (size_t)n < sizeof text)
        n += snprintf(text + n, sizeof text - (size_t)n, " (line %u)", line);
    if (detail != NULL && n > 0 && (size_t)n < sizeof text)
        snprintf(text + n, sizeof text - (size_t)n, ": %s", detail);
    size_t len = strlen(text);
    if (len + 1 < sizeof text) {
        text[len] = '\n';
        text[len + 1] = '\0';
    }
    sp_http_respond_text(resp, status, text);
}

/* Status for an error: the server's own failures are 5xx, the request's are 4xx. */
static int error_status(sp_err e)
{
    switch (e) {
    case SP_ERR_DB:
    case SP_ERR_DISK_FULL:
    case SP_ERR_IO:
    case SP_ERR_CRYPTO:
        return 500;
    case SP_ERR_NOT_FOUND:
        return 404;
    case SP_ERR_LOG_FULL:
        return 413;
    case SP_ERR_LOG_RETIRED:
        return 403;
    case SP_ERR_LOG_UPDATING:
        return 503;
    default:
        return 400;
    }
}

static void handle_add(sp_log_server *s, const uint8_t *body, size_t len, sp_http_response *resp)
{
    uint64_t index = 0;
    int existed = 0;
    uint32_t line = 0;
    sp_err e = sp_log_add(s, body, len, &index, &existed, &line);
    if (e != SP_OK) {
        respond_error(resp, error_status(e), e, line,
                      __atomic_load_n(&s->broken, __ATOMIC_SEQ_CST) ? files_lost : NULL);
        return;
    }
    char text[32];
    snprintf(text, sizeof text, "%llu\n", (unsigned long long)index);
    sp_http_respond_text(resp, 200, text);
}

/* A resource read from the store: 200 with its body, or the error (404 saying `missing`). */
static void respond_stored(sp_http_response *resp, sp_err e, uint8_t *body, size_t len,
                           const char *type, const char *cache, const char *missing)
{
    if (e != SP_OK) {
        respond_error(resp, error_status(e), e, 0, e == SP_ERR_NOT_FOUND ? missing : NULL);
        return;
    }
    resp->status = 200;
    resp->content_type = type;
    resp->cache_control = cache;
    resp->body = body;
    resp->body_len = len;
}

static void handle_checkpoint(sp_log_server *s, sp_http_response *resp)
{
    pthread_mutex_lock(&s->lock);
    uint8_t *copy = s->published != NULL ? malloc(s->published_len) : NULL;
    size_t len = s->published_len;
    if (copy != NULL)
        memcpy(copy, s->published, len);
    int none = s->published == NULL;
    pthread_mutex_unlock(&s->lock);
    respond_stored(resp, copy != NULL ? SP_OK : none ? SP_ERR_NOT_FOUND : SP_ERR_IO, copy, len,
                   type_text, cache_checkpoint, "no witness-cosigned checkpoint yet");
}

/* GET /policy-update/<v>: the update bundle moving v-1 to v, immutable once it exists. */
static void handle_policy_update(sp_log_server *s, const char *v, sp_http_response *resp)
{
    uint64_t version = 0;
    uint8_t *body = NULL;
    size_t len = 0;
    sp_err e = sp_decimal_parse(&version, v, strlen(v), SP_MAX_EPOCH);
    if (e != SP_OK || version == 0) {
        respond_error(resp, 404, SP_ERR_NOT_FOUND, 0, "not a policy version");
        return;
    }
    e = sp_log_store_update_bundle(s->store, version, &body, &len);
    respond_stored(resp, e, body, len, type_text, cache_immutable,
                   "no adopted policy update to this version");
}

static void handle_tile(sp_log_server *s, const char *path, sp_http_response *resp)
{
    sp_tile t;
    uint8_t *body = NULL;
    size_t len = 0;
    sp_err e = sp_tile_path_parse(&t, path, strlen(path));
    if (e != SP_OK) {
        respond_error(resp, 404, e, 0, "not a canonical tlog-tiles path");
        return;
    }
    void *ref = NULL;
    e = sp_tile_cache_read(s->tiles, s->store, &t, &body, &len, &ref);
    respond_stored(resp, e, body, len, type_binary,
                   t.width == SP_TILE_WIDTH ? cache_immutable : cache_partial,
                   "the tree does not hold this tile");
    if (e == SP_OK && ref != NULL) {
        resp->release = sp_tile_cache_release; /* lent from the cache, not malloc'd */
        resp->release_ctx = ref;
    }
}

void sp_log_handle(void *ctx, const char *method, const char *path, const uint8_t *body,
                   size_t body_len, sp_http_response *resp)
{
    sp_log_server *s = ctx;
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    static const char tile_prefix[] = "/tile/";
    static const char update_prefix[] = "/policy-update/";
    if (strcmp(path, "/add") == 0) {
        if (strcmp(method, "POST") == 0)
            handle_add(s, body, body_len, resp);
        else
            respond_error(resp, 405, SP_ERR_NOT_FOUND, 0, "use POST for /add");
    } else if (strcmp(path, "/checkpoint") == 0 || strncmp(path, tile_prefix, 6) == 0) {
        if (!get)
            respond_error(resp, 405, SP_ERR_NOT_FOUND, 0, "use GET");
        else if (path[1] == 'c')
            handle_checkpoint(s, resp);
        else
            handle_tile(s, path + 1, resp);
    } else if (strncmp(path, update_prefix, sizeof update_prefix - 1) == 0) {
        if (!get)
            respond_error(resp, 405, SP_ERR_NOT_FOUND, 0, "use GET");
        else
            handle_policy_update(s, path + sizeof update_prefix - 1, resp);
    } else {
        respond_error(resp, 404, SP_ERR_NOT_FOUND, 0, "unknown path");
    }
}

/* ---- publication ------------------------------------------------------------------------- */

sp_err sp_log_sign_checkpoint(const sp_signer_key *key, sp_log_store *store, uint64_t *size,
                              uint8_t *out, size_t cap, size_t *out_len)
{
    sp_checkpoint cp;
    uint8_t text[SP_MAX_CHECKPOINT_TEXT_BYTES];
    size_t text_len = 0, signed_text_len = 0;
    uint32_t line = 0;
    *out_len = 0;
    memset(&cp, 0, sizeof cp);
    if (key->pub.name_len > SP_MAX_NAME_BYTES)
        return SP_ERR_USAGE;
    memcpy(cp.origin, key->pub.name, key->pub.name_len);
    cp.origin_len = key->pub.name_len;
    sp_err e = sp_log_store_size(store, &cp.size);
    if (e == SP_OK)
        e = sp_log_store_root(store, cp.size, cp.root);
    if (e == SP_OK)
        e = sp_checkpoint_format_text(&cp, text, sizeof text, &text_len);
    if (e == SP_OK)
        e = sp_note_add_signature(key, text, text_len, 1, out, cap, out_len, &signed_text_len,
                                  &line);
    *size = e == SP_OK ? cp.size : 0;
    return e;
}

/* The log's clock: Unix seconds (0 if the system has none). */
static uint64_t wall_clock(void)
{
    time_t t = time(NULL);
    return t > 0 ? (uint64_t)t : 0;
}

/* One witness's part of a round (run on the witness slot's thread: witness_worker). */
typedef struct witness_call {
    sp_log_server *s;
    const sp_witness *w;
    const uint8_t *note;             /* the log-signed checkpoint */
    size_t note_len;
    uint64_t size;
    uint64_t known;                  /* in/out: the size it last cosigned */
    int http_status;
    sp_err err;
    uint8_t *resp;                   /* its cosignature lines on success */
    size_t resp_len;
} witness_call;

/* Map a witness's refusal (C2SP tlog-witness status codes) to our error. */
static sp_err witness_refusal(int status)
{
    switch (status) {
    case 400:
        return SP_ERR_WITNESS_REQUEST;
    case 403:
        return SP_ERR_CKPT_LOG_SIGNATURE;
    case 404:
        return SP_ERR_WITNESS_UNKNOWN_LOG;
    case 409:
        return SP_ERR_WITNESS_CONFLICT;
    case 422:
        return SP_ERR_MERKLE_ROOT_MISMATCH;
    default:
        return SP_ERR_HTTP;
    }
}

/* A 409 body: "<size>\n" with Content-Type text/x.tlog.size. */
static int parse_size_body(const uint8_t *body, size_t len, const char *type, uint64_t *size)
{
    static const char want[] = "text/x.tlog.size";
    return strncmp(type, want, sizeof want - 1) == 0 && len >= 2 && body[len - 1] == '\n' &&
           sp_decimal_parse(size, (const char *)body, len - 1, UINT64_MAX >> 1) == SP_OK;
}

static void *witness_thread(void *arg)
{
    witness_call *c = arg;
    uint8_t (*proof)[SP_SHA256_BYTES] = malloc(SP_MAX_PROOF_HASHES * SP_SHA256_BYTES);
    uint8_t *req = malloc(REQUEST_CAP);
    char url[SP_MAX_URL_BYTES + 32];
    size_t ulen = strlen(c->w->url);
    while (ulen > 0 && c->w->url[ulen - 1] == '/')
        ulen--;
    snprintf(url, sizeof url, "%.*s/add-checkpoint", (int)ulen, c->w->url);
    /* This witness's client, kept from round to round (only this thread uses it now). */
    sp_http_client **client = &c->s->clients[c->w - c->s->policy->witness.witnesses];
    if (*client == NULL && sp_http_client_new(client) != SP_OK)
        *client = NULL; /* then a connection per request */
    c->err = proof == NULL || req == NULL ? SP_ERR_IO : SP_ERR_HTTP;
    for (int attempt = 0; proof != NULL && req != NULL && attempt < WITNESS_ATTEMPTS; attempt++) {
        uint64_t old = c->known == UNKNOWN_SIZE ? 0 : c->known;
        size_t n = 0, req_len = 0, len = 0;
        uint8_t *body = NULL;
        char type[64];
        if (old > c->size) {
            /* The witness has seen a larger tree than this log holds. */
            c->err = SP_ERR_WITNESS_CONFLICT;
            break;
        }
        c->err = sp_log_store_consistency(c->s->store, old, c->size, proof, &n);
        if (c->err == SP_OK)
            c->err = sp_witness_request_format(old, (const uint8_t(*)[SP_SHA256_BYTES])proof, n,
                                               c->note, c->note_len, req, REQUEST_CAP, &req_len);
        if (c->err == SP_OK)
            c->err = sp_http_client_request(*client, "POST", url, req, req_len,
                                            c->s->timeout_ms, SP_LOG_WITNESS_MAX_RESPONSE,
                                            &c->http_status, &body, &len, type, sizeof type);
        if (c->err != SP_OK)
            break;
        if (c->http_status == 200) {
            c->known = c->size;
            c->resp = body;
            c->resp_len = len;
            break;
        }
        uint64_t theirs = 0;
        int told = c->http_status == 409 && parse_size_body(body, len, type, &theirs);
        free(body);
        c->err = witness_refusal(c->http_status);
        if (old == c->size && (c->http_status == 422 ||
                               (c->http_status == 409 && (!told || theirs == old)))) {
            /* It cosigned this size with another root: the witness holds another tree
             * (tlog-witness answers 422; its v1.0.0 text answered 409 naming this size). */
            c->err = SP_ERR_WITNESS_SPLIT_VIEW;
            break;
        }
        if (!told || theirs == old)
            break;
        c->known = theirs; /* and try again with the proof from there */
    }
    free(proof);
    free(req);
    return NULL;
}

/* Is time t more than the allowed skew ahead of the log's clock `now`?  Says so if it is. */
static int too_far_ahead(sp_log_server *s, const char *what, uint64_t t, uint64_t now)
{
    char a[SP_UTC_BYTES], b[SP_UTC_BYTES];
    if (t <= now || t - now <= s->max_skew)
        return 0;
    sp_utc_format(a, t);
    sp_utc_format(b, now);
    say(s, "%s dated %s, %llu s ahead of the log's clock (%s; max skew %llu s): refused", what,
        a, (unsigned long long)(t - now), b, (unsigned long long)s->max_skew);
    return 1;
}

/* The checkpoint stored by an earlier run is served at start-up only as a round would
 * publish it: it carries the policy's witness quorum, with a quorum time not more than the
 * skew ahead of the clock (the clock may have been set back, or the policy or the skew
 * changed, since it was stored).  Otherwise nothing is served until a round publishes a
 * new one (the run loop starts one at once). */
static void check_stored(sp_log_server *s)
{
    sp_checkpoint cp;
    sp_checkpoint_result result;
    sp_err e = sp_checkpoint_verify_witnessed(&s->policy->witness, s->published,
                                              s->published_len, sp_sodium_crypto(), &s->cwork,
                                              &cp, &result);
    if (e == SP_OK &&
        !too_far_ahead(s, "the stored checkpoint's quorum time", result.quorum_time,
                       wall_clock()))
        return;
    if (e != SP_OK)
        say(s, "the stored checkpoint %llu does not carry the policy's witness quorum (%s)",
            (unsigned long long)s->published_size, sp_err_name(e));
    say(s, "the stored checkpoint %llu is not served until a round publishes a new one",
        (unsigned long long)s->published_size);
    free(s->published);
    s->published = NULL;
    s->published_len = 0;
    s->published_size = 0;
}

/* The first line of witness w in its response, checked: signed note + that line must make
 * the verifier count w's cosignature, dated no more than the skew after `now`.  On success
 * the line (with its '\n') is appended to s->combined at *combined_len. */
static sp_err keep_cosignature(sp_log_server *s, const sp_crypto *crypto, uint32_t wi,
                               const uint8_t *resp, size_t resp_len, size_t signed_len,
                               uint64_t now, size_t *combined_len)
{
    const sp_witness *w = &s->policy->witness.witnesses[wi];
    static const uint8_t no_line[1];
    sp_note *note = &s->cwork.note;
    sp_checkpoint cp;
    sp_checkpoint_result result;
    if (resp_len > sizeof s->candidate - signed_len)
        return SP_ERR_LOG_FULL;
    memcpy(s->candidate, s->signed_note, signed_len);
    memcpy(s->candidate + signed_len, resp_len ? resp : no_line, resp_len);
    sp_err e = sp_note_parse(note, s->candidate, signed_len + resp_len, NULL);
    if (e != SP_OK)
        return SP_ERR_COSIG_FORMAT;
    uint32_t first = UINT32_MAX;
    for (uint32_t k = 0; k < note->sig_count && first == UINT32_MAX; k++) {
        const sp_note_sig *g = &note->sigs[k];
        if (g->line_offset >= signed_len && g->key_id == w->key.key_id &&
            g->name_len == w->key.name_len &&
            memcmp(s->candidate + g->name_offset, w->key.name, g->name_len) == 0)
            first = k;
    }
    if (first == UINT32_MAX)
        return SP_ERR_COSIG_FORMAT;
    size_t off = note->sigs[first].line_offset, line_len = note->sigs[first].line_len + 1;
    memmove(s->candidate + signed_len, s->candidate + off, line_len);
    e = sp_checkpoint_verify_witnessed(&s->policy->witness, s->candidate, signed_len + line_len,
                                       crypto, &s->cwork, &cp, &result);
    if (e != SP_OK && e != SP_ERR_WITNESS_QUORUM)
        return e;
    if (!(result.cosigned & (1u << wi)))
        return SP_ERR_COSIG_INVALID;
    char what[SP_MAX_NAME_BYTES + 32];
    snprintf(what, sizeof what, "the cosignature of witness %s", w->name);
    if (too_far_ahead(s, what, result.cosig_time[wi], now))
        return SP_ERR_LOG_COSIG_AHEAD;
    if (line_len > sizeof s->combined - *combined_len)
        return SP_ERR_LOG_FULL;
    memcpy(s->combined + *combined_len, s->candidate + signed_len, line_len);
    *combined_len += line_len;
    return SP_OK;
}

/* Store and serve a checkpoint that carries the quorum. */
static sp_err publish(sp_log_server *s, uint64_t size, const uint8_t *note, size_t len)
{
    sp_err e = sp_log_store_put_checkpoint(s->store, size, note, len);
    uint8_t *copy = e == SP_OK ? malloc(len) : NULL;
    if (e == SP_OK && copy == NULL)
        e = SP_ERR_IO;
    if (e != SP_OK)
        return e;
    memcpy(copy, note, len);
    pthread_mutex_lock(&s->lock);
    free(s->published);
    s->published = copy;
    s->published_len = len;
    s->published_size = size;
    pthread_mutex_unlock(&s->lock);
    return SP_OK;
}

/* The update bundle: the logged update, its inclusion in the published checkpoint of
 * `size`, and that checkpoint (s->combined); verified as a device at the current policy
 * would, then stored.  The round lock is held. */
static sp_err store_update_bundle(sp_log_server *s, uint64_t size, size_t combined_len)
{
    uint8_t *leaf = NULL, *bundle = malloc(SP_MAX_BUNDLE_BYTES);
    uint8_t(*proof)[SP_SHA256_BYTES] = malloc(SP_MAX_PROOF_HASHES * SP_SHA256_BYTES);
    sp_bundle_work *work = malloc(sizeof *work);
    sp_update_result *res = malloc(sizeof *res);
    sp_update_report ureport;
    sp_bundle_report report;
    size_t leaf_len = 0, n = 0, bundle_len = 0;
    uint32_t line = 0;
    sp_err e = bundle == NULL || proof == NULL || work == NULL || res == NULL ? SP_ERR_IO
                                                                             : SP_OK;
    if (e == SP_OK)
        e = sp_log_store_entry(s->store, s->update_index, &leaf, &leaf_len);
    if (e == SP_OK)
        e = sp_log_store_inclusion(s->store, s->update_index, size, proof, &n);
    if (e == SP_OK)
        e = sp_tlog_proof_format(leaf, leaf_len, s->update_index,
                                 (const uint8_t(*)[SP_SHA256_BYTES])proof, n, s->combined,
                                 combined_len, bundle, SP_MAX_BUNDLE_BYTES, &bundle_len);
    if (e == SP_OK)
        e = sp_bundle_verify_update(s->policy, bundle, bundle_len, sp_sodium_crypto(), work,
                                    res, &ureport, &report, &line);
    if (e == SP_OK && memcmp(res->policy.hash, s->next->hash, SP_SHA256_BYTES) != 0)
        e = SP_ERR_DB; /* the stored link does not match the logged update */
    if (e == SP_OK)
        e = sp_log_store_chain_adopt(s->store, s->next->version, bundle, bundle_len);
    free(leaf);
    free(bundle);
    free(proof);
    free(work);
    free(res);
    return e;
}

/* After a published round: the switch, when the checkpoint covers the pending update. */
static void maybe_switch(sp_log_server *s, uint64_t size, size_t combined_len)
{
    char hex[2 * SP_SHA256_BYTES + 1];
    pthread_rwlock_wrlock(&s->chain_lock);
    if (s->state != LOG_UPDATING || size <= s->update_index) {
        pthread_rwlock_unlock(&s->chain_lock);
        return;
    }
    sp_err e = store_update_bundle(s, size, combined_len);
    if (e != SP_OK) {
        say(s, "policy update to version %llu not adopted: %s",
            (unsigned long long)s->next->version, sp_err_name(e));
        pthread_rwlock_unlock(&s->chain_lock);
        return;
    }
    sp_err he = sp_hex_encode(hex, sizeof hex, s->next->hash, SP_SHA256_BYTES);
    hex[he == SP_OK ? 2 * SP_SHA256_BYTES : 0] = '\0'; /* (it writes no NUL) */
    if (find_log_line(s->next, &s->key) != SP_OK) {
        /* Dropped: rounds stay with the witnesses of the last policy that names it. */
        say(s, "policy version %llu (%s) does not name this log: retired at tree size %llu",
            (unsigned long long)s->next->version, hex, (unsigned long long)size);
        s->state = LOG_RETIRED;
        free(s->next);
        s->next = NULL;
    } else {
        say(s, "policy update to version %llu (%s) adopted at tree size %llu",
            (unsigned long long)s->next->version, hex, (unsigned long long)size);
        free(s->policy);
        s->policy = s->next;
        s->next = NULL;
        s->state = LOG_OPEN;
        /* Its witnesses: new clients, sizes learned afresh. */
        for (uint32_t i = 0; i < SP_MAX_WITNESSES; i++) {
            sp_http_client_free(s->clients[i]);
            s->clients[i] = NULL;
            s->witness_size[i] = UNKNOWN_SIZE;
        }
    }
    pthread_rwlock_unlock(&s->chain_lock);
}

/* Witness slot a->i's thread: runs each call handed to it, until the log closes. */
static void *witness_worker(void *arg)
{
    log_worker *a = arg;
    sp_log_server *s = a->s;
    pthread_mutex_lock(&s->pool_lock);
    for (;;) {
        while (s->jobs[a->i] == NULL && !s->stopping)
            pthread_cond_wait(&s->pool_work, &s->pool_lock);
        if (s->jobs[a->i] == NULL)
            break;
        witness_call *c = s->jobs[a->i];
        pthread_mutex_unlock(&s->pool_lock);
        (void)witness_thread(c);
        pthread_mutex_lock(&s->pool_lock);
        s->jobs[a->i] = NULL;
        if (--s->pending == 0)
            pthread_cond_signal(&s->pool_done);
    }
    pthread_mutex_unlock(&s->pool_lock);
    return NULL;
}

/* Run calls[i] for each i with started[i] on the witness threads (a slot whose thread
 * cannot be started is left out: started[i] = 0), and wait for all of them. */
static void witness_calls(sp_log_server *s, witness_call *calls, int *started, uint32_t n)
{
    pthread_mutex_lock(&s->pool_lock);
    for (uint32_t i = 0; i < n; i++) {
        if (!started[i])
            continue;
        if (!s->worker_up[i]) {
            s->worker_arg[i] = (log_worker){s, i};
            s->worker_up[i] =
                pthread_create(&s->workers[i], NULL, witness_worker, &s->worker_arg[i]) == 0;
        }
        started[i] = s->worker_up[i];
        if (started[i]) {
            s->jobs[i] = &calls[i];
            s->pending++;
        }
    }
    pthread_cond_broadcast(&s->pool_work);
    while (s->pending > 0)
        pthread_cond_wait(&s->pool_done, &s->pool_lock);
    pthread_mutex_unlock(&s->pool_lock);
}

static int round_verify(void *ctx, const uint8_t sig[SP_ED25519_SIGNATURE_BYTES],
                        const uint8_t *msg, size_t len,
                        const uint8_t public_key[SP_ED25519_PUBLIC_KEY_BYTES])
{
    round_checks *c = ctx;
    const sp_crypto *in = c->inner;
    uint8_t h[SP_SHA256_BYTES];
    sp_bytes part = {msg, len};
    int hashed = in->sha256(in->ctx, h, &part, 1) == 0;
    for (uint32_t i = 0; hashed && i < c->kept; i++)
        if (memcmp(c->ok[i].key, public_key, SP_ED25519_PUBLIC_KEY_BYTES) == 0 &&
            memcmp(c->ok[i].sig, sig, SP_ED25519_SIGNATURE_BYTES) == 0 &&
            memcmp(c->ok[i].msg, h, sizeof h) == 0)
            return 0;
    c->made++;
    int r = in->ed25519_verify(in->ctx, sig, msg, len, public_key);
    if (r == 0 && hashed && c->kept < ROUND_CHECKS_MAX) {
        memcpy(c->ok[c->kept].key, public_key, SP_ED25519_PUBLIC_KEY_BYTES);
        memcpy(c->ok[c->kept].sig, sig, SP_ED25519_SIGNATURE_BYTES);
        memcpy(c->ok[c->kept].msg, h, sizeof h);
        c->kept++;
    }
    return r;
}

/* The crypto of one round: sodium's, with its Ed25519 checks through s->checks. */
static sp_crypto round_crypto(sp_log_server *s)
{
    sp_crypto c = *sp_sodium_crypto();
    s->checks.inner = sp_sodium_crypto();
    c.ctx = &s->checks;
    c.ed25519_verify = round_verify;
    return c;
}

static sp_err round_locked(sp_log_server *s, sp_log_round *round)
{
    const sp_wpolicy *wp = &s->policy->witness;
    witness_call calls[SP_MAX_WITNESSES];
    int started[SP_MAX_WITNESSES];
    size_t signed_len = 0, combined_len;
    uint64_t size = 0;
    if (!files_intact(s))
        return SP_ERR_DB;
    sp_err e = sp_log_sign_checkpoint(&s->key, s->store, &size, s->signed_note,
                                      sizeof s->signed_note, &signed_len);
    if (e != SP_OK)
        return e;
    round->size = size;
    round->witness_count = wp->witness_count;
    for (uint32_t i = 0; i < wp->witness_count; i++) {
        calls[i] = (witness_call){s, &wp->witnesses[i], s->signed_note, signed_len, size,
                                  s->witness_size[i], 0, SP_ERR_HTTP, NULL, 0};
        started[i] = wp->witnesses[i].url[0] != '\0';
    }
    witness_calls(s, calls, started, wp->witness_count);
    memcpy(s->combined, s->signed_note, signed_len);
    combined_len = signed_len;
    uint64_t now = wall_clock(); /* after every answer: no honest cosignature is later */
    sp_crypto crypto = round_crypto(s);
    s->checks.kept = s->checks.made = 0;
    for (uint32_t i = 0; i < wp->witness_count; i++) {
        s->witness_size[i] = calls[i].known;
        if (started[i] && calls[i].err == SP_OK)
            calls[i].err = keep_cosignature(s, &crypto, i, calls[i].resp, calls[i].resp_len,
                                            signed_len, now, &combined_len);
        free(calls[i].resp);
        round->witnesses[i] = (sp_log_witness_status){calls[i].http_status, calls[i].err,
                                                      calls[i].known};
        if (calls[i].err == SP_OK)
            round->cosigned |= 1u << i;
        else
            say(s, "witness %s (%s): %s (HTTP %d)", wp->witnesses[i].name,
                wp->witnesses[i].url[0] ? wp->witnesses[i].url : "no URL",
                sp_err_name(calls[i].err), calls[i].http_status);
    }
    sp_checkpoint cp;
    sp_checkpoint_result result;
    e = sp_checkpoint_verify_witnessed(wp, s->combined, combined_len, &crypto, &s->cwork, &cp,
                                       &result);
    round->ed25519_checks = s->checks.made;
    /* Implied by the check of each kept cosignature; checked again where it matters. */
    if (e == SP_OK && too_far_ahead(s, "the quorum time", result.quorum_time, now))
        e = SP_ERR_LOG_COSIG_AHEAD;
    if (e == SP_OK)
        e = publish(s, size, s->combined, combined_len);
    if (e == SP_OK) {
        char when[SP_UTC_BYTES];
        sp_utc_format(when, result.quorum_time);
        round->published = 1;
        say(s, "checkpoint %llu published, quorum time %s", (unsigned long long)size, when);
        maybe_switch(s, size, combined_len);
    } else {
        say(s, "checkpoint %llu not published: %s", (unsigned long long)size, sp_err_name(e));
    }
    return e;
}

sp_err sp_log_publish(sp_log_server *s, sp_log_round *round)
{
    sp_log_round ignored;
    if (round == NULL)
        round = &ignored;
    memset(round, 0, sizeof *round);
    pthread_mutex_lock(&s->round_lock);
    sp_err e = round_locked(s, round);
    pthread_mutex_unlock(&s->round_lock);
    return e;
}

/* ---- run loop ------------------------------------------------------------------------------ */

static uint64_t now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec;
}

/* Wait up to 200 ms for an append (or until stop is checked again). */
static void wait_for_growth(sp_log_server *s, uint64_t *seen_adds)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 200000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->lock);
    if (s->adds == *seen_adds)
        pthread_cond_timedwait(&s->wake, &s->lock, &until);
    *seen_adds = s->adds;
    pthread_mutex_unlock(&s->lock);
}

sp_err sp_log_serve(sp_log_server *s, const char *bind_addr, uint16_t port,
                    volatile sig_atomic_t *stop, void (*on_ready)(void *ctx, uint16_t port),
                    void *ready_ctx)
{
    return sp_log_serve_limited(s, bind_addr, port, NULL, stop, on_ready, ready_ctx);
}

sp_err sp_log_serve_limited(sp_log_server *s, const char *bind_addr, uint16_t port,
                            const sp_http_limits *limits, volatile sig_atomic_t *stop,
                            void (*on_ready)(void *ctx, uint16_t port), void *ready_ctx)
{
    sp_http_server *http = NULL;
    uint16_t bound = 0;
    sp_err e = sp_http_server_start_limited(&http, bind_addr, port, SP_LOG_MAX_ADD_BYTES,
                                            sp_log_handle, s, limits, &bound);
    if (e != SP_OK)
        return e;
    if (on_ready != NULL)
        on_ready(ready_ctx, bound);
    uint64_t last_size = UNKNOWN_SIZE, next = 0, seen_adds = 0;
    /* Read atomically: stop is set by a signal handler, or by another thread. */
    while (!__atomic_load_n(stop, __ATOMIC_SEQ_CST)) {
        uint64_t size = 0;
        if (sp_log_store_size(s->store, &size) == SP_OK &&
            (size != last_size || now_seconds() >= next)) {
            sp_log_round round;
            sp_err r = sp_log_publish(s, &round);
            last_size = size;
            next = now_seconds() + (r == SP_OK ? s->interval : SP_LOG_RETRY_SECONDS);
            continue;
        }
        wait_for_growth(s, &seen_adds);
    }
    sp_http_server_stop(http);
    return SP_OK;
}
