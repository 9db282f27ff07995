/*
 * log_store.c -- the log's SQLite storage (see log_store.h).
 *
 * Schema (format "softpause-log/v2" in table meta):
 *
 *   entries(idx INTEGER PRIMARY KEY, leaf BLOB, text_hash BLOB UNIQUE)
 *   nodes(level, idx, hash; PRIMARY KEY (level, idx)) WITHOUT ROWID
 *        level 0 = leaf hashes; (level j, index k) = the complete subtree over entries
 *        k*2^j .. (k+1)*2^j - 1
 *   checkpoints(size INTEGER PRIMARY KEY, note BLOB)
 *   policies(version INTEGER PRIMARY KEY, hash BLOB UNIQUE, policy BLOB, entry INTEGER,
 *            bundle BLOB)                                       (v2: the policy chain)
 *        one row per policy of the log's chain (protocol.md section 18.7): the root (the
 *        policy the log was first started with, or first started with after the migration)
 *        has entry NULL; a policy an update moved to has entry = the update's leaf index
 *        and, once a checkpoint carrying the then-current witness quorum covered it, bundle
 *        = the tlog-proof of that (NULL while the log is updating).
 *
 * Migration: a "softpause-log/v1" database (no policies table) is brought to v2 when it is
 * opened for writing, in one transaction (the table created, the mark changed), so an
 * older program refuses it instead of serving it without its chain; reading (export)
 * takes either.
 *
 * Append (one IMMEDIATE transaction): look the text hash up; if new, insert the entry at
 * index i = size, its leaf hash at (0, i), and for every j with 2^j dividing i+1 the node
 * (j, (i+1)/2^j - 1) = H(node(j-1, 2k), node(j-1, 2k+1)) -- on average two rows per leaf.
 *
 * Reading any range hash MTH(D[lo:hi]) needs only stored nodes: with lo aligned (as every
 * range in RFC 9162's proofs is), D[lo:hi] splits into complete subtrees following the
 * binary digits of hi - lo, largest first, and the RFC's right-leaning tree folds them
 * from the right.  Proofs follow RFC 9162 2.1.3.1 and 2.1.4.1 as loops: walk down from
 * the root, collecting the sibling range at each split, then reverse (leaf side first).
 *
 * Two connections: the writer (appends, checkpoints) and the reader (everything else),
 * each behind its own mutex, so tile and proof reads never wait for an append's fsync.
 * Nodes are immutable once written and reads first check the committed size, so a read
 * needs no transaction of its own.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "softpause/host/db.h"
#include "softpause/host/log_store.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/tlog_tiles.h"
#include "softpause/merkle.h"

enum {
    Q_SIZE,
    Q_FIND,
    Q_ENTRY,
    Q_NODE,
    Q_PUT_ENTRY,
    Q_PUT_NODE,
    Q_NODES,
    Q_ENTRIES,
    Q_CKPT_MAX,
    Q_PUT_CKPT,
    Q_CKPT_LATEST,
    Q_CKPT_ALL,
    Q_CHAIN,
    Q_PUT_LINK,
    Q_ADOPT,
    Q_UPDATE_BUNDLE,
    Q_COUNT
};

static const char *const sql_text[Q_COUNT] = {
    [Q_SIZE] = "SELECT COALESCE(MAX(idx) + 1, 0) FROM entries",
    [Q_FIND] = "SELECT idx FROM entries WHERE text_hash = ?1",
    [Q_ENTRY] = "SELECT leaf FROM entries WHERE idx = ?1",
    [Q_NODE] = "SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2",
    [Q_PUT_ENTRY] = "INSERT INTO entries(idx, leaf, text_hash) VALUES (?1, ?2, ?3)",
    [Q_PUT_NODE] = "INSERT INTO nodes(level, idx, hash) VALUES (?1, ?2, ?3)",
    [Q_NODES] = "SELECT hash FROM nodes WHERE level = ?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx",
    /* ?1 (the level) is unused: both tile queries bind alike (tile_query). */
    [Q_ENTRIES] = "SELECT leaf FROM entries WHERE idx >= ?2 AND idx < ?3 ORDER BY idx",
    [Q_CKPT_MAX] = "SELECT COALESCE(MAX(size), -1) FROM checkpoints",
    [Q_PUT_CKPT] = "INSERT OR REPLACE INTO checkpoints(size, note) VALUES (?1, ?2)",
    [Q_CKPT_LATEST] = "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
    [Q_CKPT_ALL] = "SELECT size, note FROM checkpoints ORDER BY size",
    [Q_CHAIN] = "SELECT version, hash, policy, entry, bundle IS NOT NULL FROM policies"
                " ORDER BY version",
    [Q_PUT_LINK] = "INSERT INTO policies(version, hash, policy, entry) VALUES (?1, ?2, ?3, ?4)",
    [Q_ADOPT] = "UPDATE policies SET bundle = ?2 WHERE version = ?1 AND entry IS NOT NULL"
                " AND bundle IS NULL",
    [Q_UPDATE_BUNDLE] = "SELECT bundle FROM policies WHERE version = ?1 AND bundle IS NOT NULL",
};

#define FORMAT_V1 "softpause-log/v1"
#define FORMAT_V2 "softpause-log/v2"

/* v1 -> v2 in one transaction (a no-op on a v2 database). */
static const char migrate_v2[] =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE IF NOT EXISTS policies(version INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE,"
    " policy BLOB NOT NULL, entry INTEGER, bundle BLOB);"
    "UPDATE meta SET value = '" FORMAT_V2 "' WHERE key = 'format';"
    "COMMIT;";

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('format', '" FORMAT_V2 "');"
    "CREATE TABLE IF NOT EXISTS entries(idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL,"
    " text_hash BLOB NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS nodes(level INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS checkpoints(size INTEGER PRIMARY KEY, note BLOB NOT NULL);";

typedef struct conn {
    sqlite3 *db;
    pthread_mutex_t lock;
    sqlite3_stmt *q[Q_COUNT];
} conn;

/* One append waiting for a group commit (lives on the appending thread's stack). */
typedef struct pending {
    const uint8_t *leaf;
    size_t len;
    uint8_t key[SP_SHA256_BYTES];
    uint64_t index;
    int existed;
    sp_err err;
    int done;
    struct pending *next;
} pending;

struct sp_log_store {
    conn w, r;
    const sp_crypto *crypto;
    pthread_mutex_t err_lock;
    char err[256];
    /* Group commit: appends queue here; one of them commits the whole queue. */
    pthread_mutex_t qlock;
    pthread_cond_t qdone;
    pending *queue, **queue_tail;
    int committing;
    int v1;          /* opened read-only on a v1 database: no policies table */
};

typedef uint8_t hash_t[SP_SHA256_BYTES];

const char *sp_log_store_error(sp_log_store *s)
{
    return s->err;
}

/* Record the connection's error message; SP_ERR_DB, or SP_ERR_DISK_FULL (sp_db_error). */
static sp_err db_fail(sp_log_store *s, conn *c)
{
    pthread_mutex_lock(&s->err_lock);
    snprintf(s->err, sizeof s->err, "%s", c->db ? sqlite3_errmsg(c->db) : "cannot open");
    pthread_mutex_unlock(&s->err_lock);
    return sp_db_error(c->db);
}

/* The prepared statement for query id, reset and ready for binding; NULL on failure. */
static sqlite3_stmt *query(conn *c, int id)
{
    if (c->q[id] == NULL &&
        sqlite3_prepare_v3(c->db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT, &c->q[id],
                           NULL) != SQLITE_OK)
        return NULL;
    sqlite3_reset(c->q[id]);
    sqlite3_clear_bindings(c->q[id]);
    return c->q[id];
}

static sp_err exec(sp_log_store *s, conn *c, const char *sql)
{
    return sqlite3_exec(c->db, sql, NULL, NULL, NULL) == SQLITE_OK ? SP_OK : db_fail(s, c);
}

/* Run a statement that returns one integer row into *v. */
static sp_err one_int(sp_log_store *s, conn *c, sqlite3_stmt *st, int64_t *v)
{
    if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
        return db_fail(s, c);
    *v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return SP_OK;
}

/* A durable connection (host/db.h: WAL, synchronous=FULL, busy timeout, mode 0600). */
static sp_err conn_open(sp_log_store *s, conn *c, const char *path, sp_db_create how)
{
    pthread_mutex_init(&c->lock, NULL);
    return sp_db_open(&c->db, path, how, SP_LOG_DB_BUSY_MS, s->err, sizeof s->err);
}

/* Is the writer's database a log database (its format mark), or, where `may_be_new`, one
 * with no tables yet?  Checked before the schema is written, so a file of another kind (a
 * witness's database, say) is never changed. */
static sp_err check_format(sp_log_store *s, int may_be_new)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(s->w.db,
                                "SELECT (SELECT count(*) FROM sqlite_master),"
                                " (SELECT count(*) FROM sqlite_master WHERE name = 'meta'"
                                "  AND type = 'table')",
                                -1, &st, NULL) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_ROW;
    int64_t tables = ok ? sqlite3_column_int64(st, 0) : 0;
    int64_t meta = ok ? sqlite3_column_int64(st, 1) : 0;
    sqlite3_finalize(st);
    st = NULL;
    if (!ok)
        return db_fail(s, &s->w);
    if (tables == 0 && may_be_new)
        return SP_OK;
    ok = meta == 1 &&
         sqlite3_prepare_v2(s->w.db, "SELECT value FROM meta WHERE key = 'format'", -1, &st,
                            NULL) == SQLITE_OK &&
         sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT &&
         (strcmp((const char *)sqlite3_column_text(st, 0), FORMAT_V1) == 0 ||
          strcmp((const char *)sqlite3_column_text(st, 0), FORMAT_V2) == 0);
    if (ok && strcmp((const char *)sqlite3_column_text(st, 0), FORMAT_V1) == 0)
        s->v1 = 1;
    sqlite3_finalize(st);
    if (ok)
        return SP_OK;
    pthread_mutex_lock(&s->err_lock);
    snprintf(s->err, sizeof s->err,
             "not a softpause log database (no " FORMAT_V1 " or " FORMAT_V2 " mark)");
    pthread_mutex_unlock(&s->err_lock);
    return SP_ERR_DB;
}

static void conn_close(conn *c)
{
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(c->q[i]);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->lock);
}

/* Open path as a log database: `existing`, it must exist and carry the format mark, and
 * nothing is written; else it is created if absent, and an existing file must be empty
 * or a log database.  err (errcap bytes, may be NULL) gets the reason of a failure. */
static sp_err store_open(sp_log_store **out, const char *path, int existing, char *err,
                         size_t errcap)
{
    *out = NULL;
    if (err != NULL && errcap > 0)
        err[0] = '\0';
    if (sp_sodium_init() != SP_OK)
        return SP_ERR_CRYPTO;
    sp_log_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return SP_ERR_DB;
    pthread_mutex_init(&s->err_lock, NULL);
    pthread_mutex_init(&s->qlock, NULL);
    pthread_cond_init(&s->qdone, NULL);
    s->queue_tail = &s->queue;
    s->crypto = sp_sodium_crypto();
    sp_db_create how = existing ? SP_DB_MUST_EXIST : SP_DB_CREATE_IF_MISSING;
    sp_err e = conn_open(s, &s->w, path, how);
    if (e == SP_OK)
        e = check_format(s, !existing);
    if (e == SP_OK && !existing)
        e = exec(s, &s->w, schema);
    if (e == SP_OK && !existing) {
        e = exec(s, &s->w, migrate_v2);
        if (e != SP_OK)
            sqlite3_exec(s->w.db, "ROLLBACK", NULL, NULL, NULL);
        s->v1 = 0;
    }
    if (e == SP_OK)
        e = conn_open(s, &s->r, path, SP_DB_MUST_EXIST);
    if (e != SP_OK) {
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "%s", s->err);
        sp_log_store_close(s);
        return e;
    }
    *out = s;
    return SP_OK;
}

sp_err sp_log_store_open(sp_log_store **out, const char *path)
{
    return store_open(out, path, 0, NULL, 0);
}

sp_err sp_log_store_open_existing(sp_log_store **out, const char *path, char *err,
                                  size_t errcap)
{
    return store_open(out, path, 1, err, errcap);
}

void sp_log_store_close(sp_log_store *s)
{
    if (s == NULL)
        return;
    conn_close(&s->w);
    conn_close(&s->r);
    pthread_mutex_destroy(&s->err_lock);
    pthread_mutex_destroy(&s->qlock);
    pthread_cond_destroy(&s->qdone);
    free(s);
}

/* ---- reading nodes and ranges -------------------------------------------------------- */

static sp_err node_get(sp_log_store *s, conn *c, uint32_t level, uint64_t idx, uint8_t out[32])
{
    sqlite3_stmt *st = query(c, Q_NODE);
    if (st == NULL)
        return db_fail(s, c);
    sqlite3_bind_int64(st, 1, level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return SP_ERR_NOT_FOUND;
    if (rc != SQLITE_ROW || sqlite3_column_bytes(st, 0) != SP_SHA256_BYTES)
        return db_fail(s, c);
    memcpy(out, sqlite3_column_blob(st, 0), SP_SHA256_BYTES);
    sqlite3_reset(st);
    return SP_OK;
}

/* MTH(D[lo:hi]) for lo aligned to the largest power of two <= hi - lo (see above). */
static sp_err range_hash(sp_log_store *s, conn *c, uint64_t lo, uint64_t hi, uint8_t out[32])
{
    hash_t parts[64];
    size_t n = 0;
    uint64_t pos = lo;
    if (hi <= lo)
        return SP_ERR_MERKLE_SIZE;
    for (int j = 63; j >= 0; j--) {
        uint64_t chunk = (uint64_t)1 << j;
        if (((hi - lo) & chunk) == 0)
            continue;
        if ((pos & (chunk - 1)) != 0)
            return SP_ERR_USAGE; /* unaligned: a bug in the caller */
        sp_err e = node_get(s, c, (uint32_t)j, pos >> j, parts[n]);
        if (e != SP_OK)
            return e == SP_ERR_NOT_FOUND ? db_fail(s, c) : e;
        n++;
        pos += chunk;
    }
    while (n > 1) {
        if (sp_merkle_node_hash(parts[n - 2], parts[n - 2], parts[n - 1], s->crypto) != SP_OK)
            return SP_ERR_CRYPTO;
        n--;
    }
    memcpy(out, parts[0], SP_SHA256_BYTES);
    return SP_OK;
}

static sp_err size_get(sp_log_store *s, conn *c, uint64_t *size)
{
    int64_t v = 0;
    sp_err e = one_int(s, c, query(c, Q_SIZE), &v);
    *size = e == SP_OK ? (uint64_t)v : 0;
    return e;
}

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

static void reverse(hash_t *h, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        hash_t t;
        memcpy(t, h[i], sizeof t);
        memcpy(h[i], h[n - 1 - i], sizeof t);
        memcpy(h[n - 1 - i], t, sizeof t);
    }
}

/* ---- public reads -------------------------------------------------------------------- */

sp_err sp_log_store_size(sp_log_store *s, uint64_t *size)
{
    pthread_mutex_lock(&s->r.lock);
    sp_err e = size_get(s, &s->r, size);
    pthread_mutex_unlock(&s->r.lock);
    return e;
}

static sp_err text_key(sp_log_store *s, const uint8_t *text, size_t len, uint8_t out[32])
{
    sp_bytes part = {text, len};
    return s->crypto->sha256(s->crypto->ctx, out, &part, 1) == 0 ? SP_OK : SP_ERR_CRYPTO;
}

/* Look a text hash up on connection c: SP_OK with *index, SP_ERR_NOT_FOUND, SP_ERR_DB. */
static sp_err find_key(sp_log_store *s, conn *c, const uint8_t key[32], uint64_t *index)
{
    sqlite3_stmt *st = query(c, Q_FIND);
    if (st == NULL)
        return db_fail(s, c);
    sqlite3_bind_blob(st, 1, key, SP_SHA256_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return SP_ERR_NOT_FOUND;
    if (rc != SQLITE_ROW)
        return db_fail(s, c);
    *index = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return SP_OK;
}

sp_err sp_log_store_find(sp_log_store *s, const uint8_t *text, size_t len, uint64_t *index)
{
    uint8_t key[32];
    *index = 0;
    sp_err e = text_key(s, text, len, key);
    if (e != SP_OK)
        return e;
    pthread_mutex_lock(&s->r.lock);
    e = find_key(s, &s->r, key, index);
    pthread_mutex_unlock(&s->r.lock);
    return e;
}

static sp_err blob_copy(sqlite3_stmt *st, int col, uint8_t **out, size_t *len)
{
    int n = sqlite3_column_bytes(st, col);
    const void *p = sqlite3_column_blob(st, col);
    *out = malloc(n > 0 ? (size_t)n : 1);
    if (*out == NULL)
        return SP_ERR_DB;
    if (n > 0)
        memcpy(*out, p, (size_t)n);
    *len = (size_t)n;
    return SP_OK;
}

sp_err sp_log_store_entry(sp_log_store *s, uint64_t index, uint8_t **leaf, size_t *len)
{
    *leaf = NULL;
    *len = 0;
    if (index > INT64_MAX)
        return SP_ERR_NOT_FOUND;
    pthread_mutex_lock(&s->r.lock);
    sp_err e;
    sqlite3_stmt *st = query(&s->r, Q_ENTRY);
    if (st == NULL) {
        e = db_fail(s, &s->r);
    } else {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
        int rc = sqlite3_step(st);
        e = rc == SQLITE_DONE  ? SP_ERR_NOT_FOUND
            : rc == SQLITE_ROW ? blob_copy(st, 0, leaf, len)
                               : db_fail(s, &s->r);
        sqlite3_reset(st);
    }
    pthread_mutex_unlock(&s->r.lock);
    return e;
}

static sp_err root_locked(sp_log_store *s, conn *c, uint64_t size, uint8_t root[32])
{
    uint64_t have;
    sp_err e = size_get(s, c, &have);
    if (e != SP_OK)
        return e;
    if (size > have)
        return SP_ERR_MERKLE_SIZE;
    if (size == 0)
        return s->crypto->sha256(s->crypto->ctx, root, NULL, 0) == 0 ? SP_OK : SP_ERR_CRYPTO;
    return range_hash(s, c, 0, size, root);
}

sp_err sp_log_store_root(sp_log_store *s, uint64_t size, uint8_t root[SP_SHA256_BYTES])
{
    pthread_mutex_lock(&s->r.lock);
    sp_err e = root_locked(s, &s->r, size, root);
    pthread_mutex_unlock(&s->r.lock);
    if (e != SP_OK)
        memset(root, 0, SP_SHA256_BYTES);
    return e;
}

static sp_err inclusion_locked(sp_log_store *s, conn *c, uint64_t index, uint64_t size,
                               hash_t *proof, size_t *n)
{
    uint64_t have, lo = 0, hi = size;
    sp_err e = size_get(s, c, &have);
    if (e != SP_OK)
        return e;
    if (index >= size || size > have)
        return SP_ERR_MERKLE_SIZE;
    while (hi - lo > 1) {
        uint64_t k = split_point(hi - lo);
        if (*n == SP_MAX_PROOF_HASHES)
            return SP_ERR_MERKLE_PROOF_TOO_LONG;
        if (index < lo + k) {
            e = range_hash(s, c, lo + k, hi, proof[*n]);
            hi = lo + k;
        } else {
            e = range_hash(s, c, lo, lo + k, proof[*n]);
            lo += k;
        }
        if (e != SP_OK)
            return e;
        (*n)++;
    }
    reverse(proof, *n);
    return SP_OK;
}

typedef sp_err (*proof_fn)(sp_log_store *s, conn *c, uint64_t a, uint64_t b, hash_t *proof,
                           size_t *n);

/* Run a proof builder on the reader; on failure the proof is cleared. */
static sp_err build_proof(sp_log_store *s, proof_fn fn, uint64_t a, uint64_t b, hash_t *proof,
                          size_t *n)
{
    *n = 0;
    pthread_mutex_lock(&s->r.lock);
    sp_err e = fn(s, &s->r, a, b, proof, n);
    pthread_mutex_unlock(&s->r.lock);
    if (e != SP_OK) {
        memset(proof, 0, *n * SP_SHA256_BYTES);
        *n = 0;
    }
    return e;
}

sp_err sp_log_store_inclusion(sp_log_store *s, uint64_t index, uint64_t size,
                              uint8_t (*proof)[SP_SHA256_BYTES], size_t *n)
{
    return build_proof(s, inclusion_locked, index, size, proof, n);
}

/* RFC 9162 SUBPROOF(m, D[0:size2], true) as a loop; m is relative to lo. */
static sp_err consistency_locked(sp_log_store *s, conn *c, uint64_t size1, uint64_t size2,
                                 hash_t *proof, size_t *n)
{
    uint64_t have, lo = 0, hi = size2, m = size1;
    int whole = 1; /* b in the RFC: the old tree is a complete subtree so far */
    sp_err e = size_get(s, c, &have);
    if (e != SP_OK)
        return e;
    if (size1 > size2 || size2 > have)
        return SP_ERR_MERKLE_SIZE;
    if (size1 == 0 || size1 == size2)
        return SP_OK;
    for (;;) {
        if (m == hi - lo) {
            if (!whole) {
                if (*n == SP_MAX_PROOF_HASHES)
                    return SP_ERR_MERKLE_PROOF_TOO_LONG;
                e = range_hash(s, c, lo, hi, proof[(*n)++]);
            }
            break;
        }
        uint64_t k = split_point(hi - lo);
        if (*n == SP_MAX_PROOF_HASHES)
            return SP_ERR_MERKLE_PROOF_TOO_LONG;
        if (m <= k) {
            e = range_hash(s, c, lo + k, hi, proof[(*n)++]);
            hi = lo + k;
        } else {
            e = range_hash(s, c, lo, lo + k, proof[(*n)++]);
            lo += k;
            m -= k;
            whole = 0;
        }
        if (e != SP_OK)
            return e;
    }
    if (e != SP_OK)
        return e;
    reverse(proof, *n);
    return SP_OK;
}

sp_err sp_log_store_consistency(sp_log_store *s, uint64_t size1, uint64_t size2,
                                uint8_t (*proof)[SP_SHA256_BYTES], size_t *n)
{
    return build_proof(s, consistency_locked, size1, size2, proof, n);
}

/* The rows of tile (level, n) of `width` -- query Q_NODES or Q_ENTRIES, bound and ready to
 * step -- once the committed tree is known to hold that many. */
static sp_err tile_query(sp_log_store *s, conn *c, int id, uint32_t level, uint64_t n,
                         uint32_t width, sqlite3_stmt **out)
{
    uint64_t have;
    *out = NULL;
    sp_err e = size_get(s, c, &have);
    if (e != SP_OK)
        return e;
    if (width == 0 || width > SP_TILE_WIDTH || level > SP_TILE_MAX_LEVEL)
        return SP_ERR_USAGE;
    if (width > sp_tile_width(level, n, have))
        return SP_ERR_NOT_FOUND;
    sqlite3_stmt *st = query(c, id);
    if (st == NULL)
        return db_fail(s, c);
    uint64_t first = n * SP_TILE_WIDTH;
    sqlite3_bind_int64(st, 1, sp_tile_tree_level(level));
    sqlite3_bind_int64(st, 2, (sqlite3_int64)first);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)(first + width));
    *out = st;
    return SP_OK;
}

sp_err sp_log_store_hash_tile(sp_log_store *s, uint32_t level, uint64_t n, uint32_t width,
                              uint8_t *out)
{
    pthread_mutex_lock(&s->r.lock);
    conn *c = &s->r;
    sqlite3_stmt *st;
    sp_err e = tile_query(s, c, Q_NODES, level, n, width, &st);
    if (e == SP_OK) {
        uint32_t got = 0;
        while (got < width && sqlite3_step(st) == SQLITE_ROW &&
               sqlite3_column_bytes(st, 0) == SP_SHA256_BYTES) {
            memcpy(out + (size_t)got * SP_SHA256_BYTES, sqlite3_column_blob(st, 0),
                   SP_SHA256_BYTES);
            got++;
        }
        sqlite3_reset(st);
        if (got != width)
            e = db_fail(s, c);
    }
    pthread_mutex_unlock(&s->r.lock);
    return e;
}

sp_err sp_log_store_entry_bundle(sp_log_store *s, uint64_t n, uint32_t width, uint8_t **out,
                                 size_t *len)
{
    *out = NULL;
    *len = 0;
    pthread_mutex_lock(&s->r.lock);
    conn *c = &s->r;
    uint8_t *buf = NULL;
    size_t pos = 0, cap = 0;
    sqlite3_stmt *st;
    sp_err e = tile_query(s, c, Q_ENTRIES, 0, n, width, &st);
    if (e == SP_OK) {
        uint32_t got = 0;
        while (e == SP_OK && sqlite3_step(st) == SQLITE_ROW) {
            size_t m = (size_t)sqlite3_column_bytes(st, 0);
            if (cap - pos < m + 2) {
                size_t ncap = cap ? cap : 4096;
                while (ncap - pos < m + 2)
                    ncap *= 2;
                uint8_t *b = realloc(buf, ncap);
                if (b == NULL) {
                    e = SP_ERR_DB;
                    break;
                }
                buf = b;
                cap = ncap;
            }
            e = sp_entry_bundle_put(buf, cap, &pos, sqlite3_column_blob(st, 0), m);
            got++;
        }
        sqlite3_reset(st);
        if (e == SP_OK && got != width)
            e = db_fail(s, c);
    }
    pthread_mutex_unlock(&s->r.lock);
    if (e != SP_OK) {
        free(buf);
        return e;
    }
    *out = buf;
    *len = pos;
    return SP_OK;
}

sp_err sp_log_store_tile(sp_log_store *s, const sp_tile *t, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (t->entries)
        return sp_log_store_entry_bundle(s, t->n, t->width, out, len);
    if (t->width == 0 || t->width > SP_TILE_WIDTH)
        return SP_ERR_USAGE;
    uint8_t *body = malloc((size_t)t->width * SP_SHA256_BYTES);
    if (body == NULL)
        return SP_ERR_DB;
    sp_err e = sp_log_store_hash_tile(s, t->level, t->n, t->width, body);
    if (e != SP_OK) {
        free(body);
        return e;
    }
    *out = body;
    *len = (size_t)t->width * SP_SHA256_BYTES;
    return SP_OK;
}

/* ---- writes ---------------------------------------------------------------------------- */

static sp_err put_node(sp_log_store *s, conn *c, uint32_t level, uint64_t idx,
                       const uint8_t h[32])
{
    sqlite3_stmt *st = query(c, Q_PUT_NODE);
    if (st == NULL)
        return db_fail(s, c);
    sqlite3_bind_int64(st, 1, level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
    sqlite3_bind_blob(st, 3, h, SP_SHA256_BYTES, SQLITE_STATIC);
    return sqlite3_step(st) == SQLITE_DONE ? SP_OK : db_fail(s, c);
}

/* Inside the writer's transaction: insert entry i and the nodes it completes. */
static sp_err append_locked(sp_log_store *s, conn *c, const uint8_t *leaf, size_t len,
                            const uint8_t key[32], uint64_t i)
{
    hash_t h, left;
    sqlite3_stmt *st = query(c, Q_PUT_ENTRY);
    if (st == NULL)
        return db_fail(s, c);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
    sqlite3_bind_blob(st, 2, leaf, (int)len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, key, SP_SHA256_BYTES, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        return db_fail(s, c);
    if (sp_merkle_leaf_hash(h, leaf, len, s->crypto) != SP_OK)
        return SP_ERR_CRYPTO;
    sp_err e = put_node(s, c, 0, i, h);
    uint64_t k = i;
    for (uint32_t level = 1; e == SP_OK && (k & 1) == 1; level++) {
        /* node (level-1, k) is a right child: its sibling is (level-1, k-1). */
        e = node_get(s, c, level - 1, k - 1, left);
        if (e == SP_ERR_NOT_FOUND)
            e = db_fail(s, c);
        if (e == SP_OK && sp_merkle_node_hash(h, left, h, s->crypto) != SP_OK)
            e = SP_ERR_CRYPTO;
        k >>= 1;
        if (e == SP_OK)
            e = put_node(s, c, level, k, h);
    }
    return e;
}

/* One transaction for a batch of appends: each is found (logged before, or earlier in this
 * batch) or appended; all of them commit, or none does. */
static void commit_batch(sp_log_store *s, pending *batch)
{
    conn *c = &s->w;
    uint64_t size = 0;
    pthread_mutex_lock(&c->lock);
    sp_err e = exec(s, c, "BEGIN IMMEDIATE");
    if (e == SP_OK)
        e = size_get(s, c, &size);
    for (pending *p = batch; e == SP_OK && p != NULL; p = p->next) {
        e = find_key(s, c, p->key, &p->index);
        if (e == SP_OK) {
            p->existed = 1;
        } else if (e == SP_ERR_NOT_FOUND) {
            e = size >= (uint64_t)INT64_MAX ? SP_ERR_LOG_FULL
                                            : append_locked(s, c, p->leaf, p->len, p->key, size);
            p->index = size++;
        }
    }
    /* Acknowledged only once COMMIT has returned (synchronous=FULL: on disk). */
    if (e == SP_OK)
        e = exec(s, c, "COMMIT");
    if (e != SP_OK)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&c->lock);
    for (pending *p = batch; p != NULL; p = p->next) {
        p->err = e;
        if (e != SP_OK) {
            p->index = 0;
            p->existed = 0;
        }
    }
}

/*
 * Group commit: every append joins the queue; whichever appending thread finds no commit
 * in progress takes up to SP_LOG_BATCH_MAX queued appends (its own among them) and
 * commits them in one transaction -- one fsync for the lot -- while later arrivals queue
 * for the next one.  Each caller returns only when its own batch has committed.
 */
sp_err sp_log_store_append(sp_log_store *s, const uint8_t *leaf, size_t len, size_t text_len,
                           uint64_t *index, int *existed)
{
    pending me = {leaf, len, {0}, 0, 0, SP_OK, 0, NULL};
    *index = 0;
    *existed = 0;
    if (len > SP_BUNDLE_ENTRY_MAX || text_len > len)
        return SP_ERR_LOG_FULL;
    sp_err e = text_key(s, leaf, text_len, me.key);
    if (e != SP_OK)
        return e;
    pthread_mutex_lock(&s->qlock);
    *s->queue_tail = &me;
    s->queue_tail = &me.next;
    while (!me.done) {
        if (s->committing) {
            pthread_cond_wait(&s->qdone, &s->qlock);
            continue;
        }
        /* Lead: take a batch off the queue and commit it without the queue lock. */
        pending *batch = s->queue, **end = &s->queue;
        for (unsigned n = 0; *end != NULL && n < SP_LOG_BATCH_MAX; n++)
            end = &(*end)->next;
        s->queue = *end;
        if (s->queue == NULL)
            s->queue_tail = &s->queue;
        *end = NULL;
        s->committing = 1;
        pthread_mutex_unlock(&s->qlock);
        commit_batch(s, batch);
        pthread_mutex_lock(&s->qlock);
        for (pending *p = batch; p != NULL; p = p->next)
            p->done = 1;
        s->committing = 0;
        pthread_cond_broadcast(&s->qdone);
    }
    pthread_mutex_unlock(&s->qlock);
    *index = me.index;
    *existed = me.existed;
    return me.err;
}

sp_err sp_log_store_put_checkpoint(sp_log_store *s, uint64_t size, const uint8_t *note,
                                   size_t len)
{
    conn *c = &s->w;
    pthread_mutex_lock(&c->lock);
    sp_err e = exec(s, c, "BEGIN IMMEDIATE");
    if (e == SP_OK) {
        int64_t latest = -1;
        uint64_t have = 0;
        e = one_int(s, c, query(c, Q_CKPT_MAX), &latest);
        if (e == SP_OK)
            e = size_get(s, c, &have);
        if (e == SP_OK && (size > have || (latest >= 0 && size < (uint64_t)latest)))
            e = SP_ERR_MERKLE_SIZE;
        sqlite3_stmt *st = e == SP_OK ? query(c, Q_PUT_CKPT) : NULL;
        if (e == SP_OK && st == NULL)
            e = db_fail(s, c);
        if (e == SP_OK) {
            sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
            sqlite3_bind_blob(st, 2, note, (int)len, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                e = db_fail(s, c);
        }
        if (e == SP_OK)
            e = exec(s, c, "COMMIT");
        if (e != SP_OK)
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

sp_err sp_log_store_latest_checkpoint(sp_log_store *s, uint64_t *size, uint8_t **note,
                                      size_t *len)
{
    *size = 0;
    *note = NULL;
    *len = 0;
    conn *c = &s->r;
    pthread_mutex_lock(&c->lock);
    sp_err e;
    sqlite3_stmt *st = query(c, Q_CKPT_LATEST);
    if (st == NULL) {
        e = db_fail(s, c);
    } else {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *size = (uint64_t)sqlite3_column_int64(st, 0);
            e = blob_copy(st, 1, note, len);
        } else {
            e = rc == SQLITE_DONE ? SP_ERR_NOT_FOUND : db_fail(s, c);
        }
        sqlite3_reset(st);
    }
    pthread_mutex_unlock(&c->lock);
    if (e != SP_OK)
        *size = 0;
    return e;
}

/* Run query q on the reader and hand each row to row(st, ctx) until it returns non-SP_OK
 * (which is returned). */
static sp_err walk_rows(sp_log_store *s, int q, sp_err (*row)(sqlite3_stmt *st, void *ctx),
                        void *ctx)
{
    conn *c = &s->r;
    pthread_mutex_lock(&c->lock);
    sp_err e = SP_OK;
    sqlite3_stmt *st = query(c, q);
    if (st == NULL) {
        e = db_fail(s, c);
    } else {
        int rc = SQLITE_DONE;
        while (e == SP_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
            e = row(st, ctx);
        if (e == SP_OK && rc != SQLITE_DONE)
            e = db_fail(s, c);
        sqlite3_reset(st);
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

typedef struct ckpt_walk {
    sp_log_checkpoint_visitor fn;
    void *ctx;
} ckpt_walk;

static sp_err ckpt_row(sqlite3_stmt *st, void *ctx)
{
    const ckpt_walk *w = ctx;
    return w->fn(w->ctx, (uint64_t)sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
                 (size_t)sqlite3_column_bytes(st, 1));
}

sp_err sp_log_store_checkpoints(sp_log_store *s, sp_log_checkpoint_visitor fn, void *ctx)
{
    ckpt_walk w = {fn, ctx};
    return walk_rows(s, Q_CKPT_ALL, ckpt_row, &w);
}

/* ---- the policy chain ------------------------------------------------------------------- */

typedef struct chain_walk {
    sp_log_chain_visitor fn;
    void *ctx;
} chain_walk;

static sp_err chain_row(sqlite3_stmt *st, void *ctx)
{
    const chain_walk *w = ctx;
    sp_log_chain_link link;
    memset(&link, 0, sizeof link);
    link.version = (uint64_t)sqlite3_column_int64(st, 0);
    if (sqlite3_column_bytes(st, 1) != SP_SHA256_BYTES)
        return SP_ERR_DB;
    memcpy(link.hash, sqlite3_column_blob(st, 1), SP_SHA256_BYTES);
    link.policy = sqlite3_column_blob(st, 2);
    link.policy_len = (size_t)sqlite3_column_bytes(st, 2);
    link.entry = sqlite3_column_type(st, 3) == SQLITE_NULL ? UINT64_MAX
                                                           : (uint64_t)sqlite3_column_int64(st, 3);
    link.adopted = sqlite3_column_int(st, 4);
    return w->fn(w->ctx, &link);
}

sp_err sp_log_store_chain(sp_log_store *s, sp_log_chain_visitor fn, void *ctx)
{
    chain_walk w = {fn, ctx};
    if (s->v1)
        return SP_OK; /* a v1 database read as it is: no chain yet */
    return walk_rows(s, Q_CHAIN, chain_row, &w);
}

/* Insert a chain row on the writer (inside its transaction). */
static sp_err put_link(sp_log_store *s, conn *c, uint64_t version, const uint8_t hash[32],
                       const uint8_t *policy, size_t len, uint64_t entry)
{
    sqlite3_stmt *st = query(c, Q_PUT_LINK);
    if (st == NULL)
        return db_fail(s, c);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)version);
    sqlite3_bind_blob(st, 2, hash, SP_SHA256_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, policy, (int)len, SQLITE_STATIC);
    if (entry == UINT64_MAX)
        sqlite3_bind_null(st, 4);
    else
        sqlite3_bind_int64(st, 4, (sqlite3_int64)entry);
    return sqlite3_step(st) == SQLITE_DONE ? SP_OK : db_fail(s, c);
}

/* Run body(s, c, arg) in one IMMEDIATE transaction on the writer: committed or nothing. */
static sp_err in_transaction(sp_log_store *s, sp_err (*body)(sp_log_store *, conn *, void *),
                             void *arg)
{
    conn *c = &s->w;
    pthread_mutex_lock(&c->lock);
    sp_err e = exec(s, c, "BEGIN IMMEDIATE");
    if (e == SP_OK) {
        e = body(s, c, arg);
        if (e == SP_OK)
            e = exec(s, c, "COMMIT");
        if (e != SP_OK)
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

typedef struct root_args {
    uint64_t version;
    const uint8_t *hash, *policy;
    size_t len;
} root_args;

static sp_err root_body(sp_log_store *s, conn *c, void *arg)
{
    const root_args *a = arg;
    int64_t rows = 0;
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(c->db, "SELECT count(*) FROM policies", -1, &st, NULL) ==
             SQLITE_OK;
    sp_err e = ok ? one_int(s, c, st, &rows) : db_fail(s, c);
    sqlite3_finalize(st);
    if (e != SP_OK)
        return e;
    if (rows != 0)
        return SP_ERR_EXISTS;
    return put_link(s, c, a->version, a->hash, a->policy, a->len, UINT64_MAX);
}

sp_err sp_log_store_chain_root(sp_log_store *s, uint64_t version,
                               const uint8_t hash[SP_SHA256_BYTES], const uint8_t *policy,
                               size_t len)
{
    root_args a = {version, hash, policy, len};
    if (s->v1 || version > INT64_MAX || len > INT32_MAX)
        return SP_ERR_USAGE;
    return in_transaction(s, root_body, &a);
}

typedef struct update_args {
    const uint8_t *leaf;
    size_t len;
    uint8_t key[SP_SHA256_BYTES];
    uint64_t version;
    const uint8_t *hash, *policy;
    size_t policy_len;
    uint64_t index;
    int existed;
} update_args;

static sp_err update_body(sp_log_store *s, conn *c, void *arg)
{
    update_args *a = arg;
    uint64_t size = 0;
    sp_err e = find_key(s, c, a->key, &a->index);
    if (e == SP_OK) {
        a->existed = 1;
        return SP_OK;
    }
    if (e != SP_ERR_NOT_FOUND)
        return e;
    if ((e = size_get(s, c, &size)) != SP_OK)
        return e;
    if (size >= (uint64_t)INT64_MAX)
        return SP_ERR_LOG_FULL;
    if ((e = append_locked(s, c, a->leaf, a->len, a->key, size)) != SP_OK)
        return e;
    a->index = size;
    return put_link(s, c, a->version, a->hash, a->policy, a->policy_len, size);
}

sp_err sp_log_store_append_update(sp_log_store *s, const uint8_t *leaf, size_t len,
                                  size_t text_len, uint64_t version,
                                  const uint8_t hash[SP_SHA256_BYTES], const uint8_t *policy,
                                  size_t policy_len, uint64_t *index, int *existed)
{
    update_args a;
    memset(&a, 0, sizeof a);
    *index = 0;
    *existed = 0;
    if (len > SP_BUNDLE_ENTRY_MAX || text_len > len)
        return SP_ERR_LOG_FULL;
    if (s->v1 || version > INT64_MAX || policy_len > INT32_MAX)
        return SP_ERR_USAGE;
    sp_err e = text_key(s, leaf, text_len, a.key);
    if (e != SP_OK)
        return e;
    a.leaf = leaf;
    a.len = len;
    a.version = version;
    a.hash = hash;
    a.policy = policy;
    a.policy_len = policy_len;
    e = in_transaction(s, update_body, &a);
    if (e == SP_OK) {
        *index = a.index;
        *existed = a.existed;
    }
    return e;
}

typedef struct adopt_args {
    uint64_t version;
    const uint8_t *bundle;
    size_t len;
} adopt_args;

static sp_err adopt_body(sp_log_store *s, conn *c, void *arg)
{
    const adopt_args *a = arg;
    sqlite3_stmt *st = query(c, Q_ADOPT);
    if (st == NULL)
        return db_fail(s, c);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)a->version);
    sqlite3_bind_blob(st, 2, a->bundle, (int)a->len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        return db_fail(s, c);
    return sqlite3_changes(c->db) == 1 ? SP_OK : SP_ERR_NOT_FOUND;
}

sp_err sp_log_store_chain_adopt(sp_log_store *s, uint64_t version, const uint8_t *bundle,
                                size_t len)
{
    adopt_args a = {version, bundle, len};
    if (s->v1 || version > INT64_MAX || len > INT32_MAX)
        return SP_ERR_USAGE;
    return in_transaction(s, adopt_body, &a);
}

sp_err sp_log_store_update_bundle(sp_log_store *s, uint64_t version, uint8_t **bundle,
                                  size_t *len)
{
    *bundle = NULL;
    *len = 0;
    if (s->v1 || version > INT64_MAX)
        return SP_ERR_NOT_FOUND;
    conn *c = &s->r;
    pthread_mutex_lock(&c->lock);
    sp_err e;
    sqlite3_stmt *st = query(c, Q_UPDATE_BUNDLE);
    if (st == NULL) {
        e = db_fail(s, c);
    } else {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)version);
        int rc = sqlite3_step(st);
        e = rc == SQLITE_DONE  ? SP_ERR_NOT_FOUND
            : rc == SQLITE_ROW ? blob_copy(st, 0, bundle, len)
                               : db_fail(s, c);
        sqlite3_reset(st);
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}
