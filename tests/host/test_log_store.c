/*
 * test_log_store.c -- the log's SQLite storage (softpause/host/log_store.h).
 *
 * The store's roots and proofs are checked against the verifier (sp_merkle_verify_*) and
 * against a plain recursive RFC 9162 MTH written here from the leaf hashes, so a mistake
 * would have to be made twice, the same way, to pass.  Entries are arbitrary bytes
 * "text\n\n— sig\n" whose text part is the dedup key.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "harness.h"
#include "support/scratch.h"
#include "softpause/host/fileio.h"
#include "softpause/host/log_store.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/tlog_tiles.h"
#include "softpause/merkle.h"

#define N_SMALL 80u
#define N_TILES 520u /* two full level-0 tiles and a partial one; a level-1 tile of 2 */

typedef uint8_t hash_t[SP_SHA256_BYTES];

static hash_t leaf_hashes[N_TILES];

/* Entry i: its text is "entry <i>\n", signed by `sig` (so two copies can differ). */
static size_t make_entry(uint8_t *out, size_t cap, unsigned i, const char *sig,
                         size_t *text_len)
{
    int t = snprintf((char *)out, cap, "entry %u\n", i);
    int n = snprintf((char *)out + t, cap - (size_t)t, "\n\xE2\x80\x94 %s\n", sig);
    *text_len = (size_t)t;
    return (size_t)t + (size_t)n;
}

/* Reference MTH(D[lo:hi]) over leaf_hashes, recursive as RFC 9162 writes it. */
static void mth(uint64_t lo, uint64_t hi, uint8_t out[32])
{
    if (hi - lo == 1) {
        memcpy(out, leaf_hashes[lo], 32);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < hi - lo)
        k *= 2;
    hash_t l, r;
    mth(lo, lo + k, l);
    mth(lo + k, hi, r);
    CHECK_OK(sp_merkle_node_hash(out, l, r, sp_sodium_crypto()));
}

static sp_log_store *open_store(void)
{
    char p[1024];
    sp_log_store *s = NULL;
    scratch_path(p, sizeof p, "log.db");
    CHECK_OK(sp_log_store_open(&s, p));
    return s;
}

/* Append entries from..to-1, checking indexes; records their leaf hashes. */
static void fill(sp_log_store *s, unsigned from, unsigned to)
{
    for (unsigned i = from; i < to; i++) {
        uint8_t buf[128];
        size_t text_len, len = make_entry(buf, sizeof buf, i, "a sig", &text_len);
        uint64_t index = 99;
        int existed = 7;
        CHECK_OK(sp_log_store_append(s, buf, len, text_len, &index, &existed));
        CHECK(index == i && existed == 0);
        CHECK_OK(sp_merkle_leaf_hash(leaf_hashes[i], buf, len, sp_sodium_crypto()));
    }
}

static void test_empty_store(void)
{
    scratch_make("logstore");
    sp_log_store *s = open_store();
    uint64_t size = 9;
    hash_t root, proof[SP_MAX_PROOF_HASHES];
    size_t n = 5;
    CHECK_OK(sp_log_store_size(s, &size));
    CHECK(size == 0);
    CHECK_OK(sp_log_store_root(s, 0, root));
    CHECK(memcmp(root, "\xe3\xb0\xc4\x42\x98\xfc\x1c\x14\x9a\xfb\xf4\xc8\x99\x6f\xb9\x24"
                       "\x27\xae\x41\xe4\x64\x9b\x93\x4c\xa4\x95\x99\x1b\x78\x52\xb8\x55",
                 32) == 0);
    CHECK_ERR(sp_log_store_root(s, 1, root), SP_ERR_MERKLE_SIZE);
    CHECK(harness_all_zero(root, sizeof root));
    CHECK_ERR(sp_log_store_inclusion(s, 0, 0, proof, &n), SP_ERR_MERKLE_SIZE);
    CHECK(n == 0);
    CHECK_OK(sp_log_store_consistency(s, 0, 0, proof, &n));
    CHECK(n == 0);
    uint8_t *note;
    size_t len;
    CHECK_ERR(sp_log_store_latest_checkpoint(s, &size, &note, &len), SP_ERR_NOT_FOUND);
    CHECK(note == NULL);
    uint8_t tile[32];
    CHECK_ERR(sp_log_store_hash_tile(s, 0, 0, 1, tile), SP_ERR_NOT_FOUND);
    CHECK_ERR(sp_log_store_entry(s, 0, &note, &len), SP_ERR_NOT_FOUND);
    sp_log_store_close(s);
    sp_log_store_close(NULL);
    /* The database file is private. */
    char p[1024];
    scratch_path(p, sizeof p, "log.db");
    CHECK((scratch_mode(p) & 077) == 0);
    scratch_remove();
}

static void test_every_proof_verifies(void)
{
    const sp_crypto *cr = sp_sodium_crypto();
    scratch_make("logstore");
    sp_log_store *s = open_store();
    hash_t roots[N_SMALL + 1], proof[SP_MAX_PROOF_HASHES];
    CHECK_OK(sp_log_store_root(s, 0, roots[0]));
    for (unsigned size = 1; size <= N_SMALL; size++) {
        fill(s, size - 1, size);
        CHECK_OK(sp_log_store_root(s, size, roots[size]));
        hash_t want;
        mth(0, size, want);
        CHECK(memcmp(want, roots[size], 32) == 0);
    }
    /* Roots of earlier sizes stay what they were. */
    for (unsigned size = 1; size <= N_SMALL; size++) {
        hash_t r;
        CHECK_OK(sp_log_store_root(s, size, r));
        CHECK(memcmp(r, roots[size], 32) == 0);
    }
    unsigned inclusion = 0, consistency = 0;
    for (unsigned size = 1; size <= N_SMALL; size++) {
        for (unsigned i = 0; i < size; i++) {
            size_t n = 0;
            CHECK_OK(sp_log_store_inclusion(s, i, size, proof, &n));
            CHECK_OK(sp_merkle_verify_inclusion(cr, i, size, leaf_hashes[i],
                                                (const uint8_t(*)[32])proof, n, roots[size],
                                                32));
            inclusion++;
        }
        for (unsigned old = 1; old <= size; old++) {
            size_t n = 0;
            CHECK_OK(sp_log_store_consistency(s, old, size, proof, &n));
            CHECK_OK(sp_merkle_verify_consistency(cr, old, size, roots[old], 32, roots[size],
                                                  32, (const uint8_t(*)[32])proof, n));
            consistency++;
        }
    }
    CHECK(inclusion == N_SMALL * (N_SMALL + 1) / 2 && consistency == inclusion);
    /* Out of range. */
    size_t n = 3;
    CHECK_ERR(sp_log_store_inclusion(s, 5, 5, proof, &n), SP_ERR_MERKLE_SIZE);
    CHECK_ERR(sp_log_store_inclusion(s, 0, N_SMALL + 1, proof, &n), SP_ERR_MERKLE_SIZE);
    CHECK_ERR(sp_log_store_consistency(s, 6, 5, proof, &n), SP_ERR_MERKLE_SIZE);
    CHECK_ERR(sp_log_store_consistency(s, 1, N_SMALL + 1, proof, &n), SP_ERR_MERKLE_SIZE);
    CHECK(n == 0);
    /* old 0 (the witness's first request) has the empty proof. */
    CHECK_OK(sp_log_store_consistency(s, 0, N_SMALL, proof, &n));
    CHECK(n == 0);
    sp_log_store_close(s);
    scratch_remove();
}

static void test_duplicates_and_reopen(void)
{
    scratch_make("logstore");
    sp_log_store *s = open_store();
    fill(s, 0, 10);
    uint8_t buf[128];
    size_t text_len, len = make_entry(buf, sizeof buf, 3, "another signer's copy", &text_len);
    uint64_t index = 0, size = 0;
    int existed = 0;
    CHECK_OK(sp_log_store_append(s, buf, len, text_len, &index, &existed));
    CHECK(index == 3 && existed == 1);
    CHECK_OK(sp_log_store_size(s, &size));
    CHECK(size == 10);
    /* The stored copy is the first one. */
    uint8_t *leaf;
    size_t leaf_len;
    CHECK_OK(sp_log_store_entry(s, 3, &leaf, &leaf_len));
    CHECK(leaf_len > 12 && memcmp(leaf + leaf_len - 6, "a sig\n", 6) == 0);
    free(leaf);
    CHECK_OK(sp_log_store_find(s, buf, text_len, &index));
    CHECK(index == 3);
    CHECK_ERR(sp_log_store_find(s, (const uint8_t *)"nope\n", 5, &index), SP_ERR_NOT_FOUND);
    /* Over-long entries and a text longer than the entry are refused. */
    static uint8_t big[SP_BUNDLE_ENTRY_MAX + 1];
    CHECK_ERR(sp_log_store_append(s, big, sizeof big, 1, &index, &existed), SP_ERR_LOG_FULL);
    CHECK_ERR(sp_log_store_append(s, buf, len, len + 1, &index, &existed), SP_ERR_LOG_FULL);

    hash_t root10;
    CHECK_OK(sp_log_store_root(s, 10, root10));
    const uint8_t note[] = "checkpoint 10\n";
    CHECK_OK(sp_log_store_put_checkpoint(s, 10, note, sizeof note - 1));
    /* Smaller than the latest, or beyond the tree: refused. */
    CHECK_ERR(sp_log_store_put_checkpoint(s, 9, note, 3), SP_ERR_MERKLE_SIZE);
    CHECK_ERR(sp_log_store_put_checkpoint(s, 11, note, 3), SP_ERR_MERKLE_SIZE);
    sp_log_store_close(s);

    s = open_store();
    CHECK_OK(sp_log_store_size(s, &size));
    CHECK(size == 10);
    hash_t r;
    CHECK_OK(sp_log_store_root(s, 10, r));
    CHECK(memcmp(r, root10, 32) == 0);
    uint8_t *got;
    size_t got_len;
    CHECK_OK(sp_log_store_latest_checkpoint(s, &size, &got, &got_len));
    CHECK(size == 10 && got_len == sizeof note - 1 && memcmp(got, note, got_len) == 0);
    free(got);
    /* The same size again replaces the note (fresher cosignatures). */
    CHECK_OK(sp_log_store_put_checkpoint(s, 10, (const uint8_t *)"newer\n", 6));
    CHECK_OK(sp_log_store_latest_checkpoint(s, &size, &got, &got_len));
    CHECK(size == 10 && got_len == 6 && memcmp(got, "newer\n", 6) == 0);
    free(got);
    /* Appends continue where they stopped; duplicates still found. */
    fill(s, 10, 12);
    CHECK_OK(sp_log_store_append(s, buf, len, text_len, &index, &existed));
    CHECK(index == 3 && existed == 1);
    sp_log_store_close(s);
    scratch_remove();
}

typedef struct walk {
    unsigned seen, stop_after;
} walk;

static sp_err count_checkpoints(void *ctx, uint64_t size, const uint8_t *note, size_t len)
{
    walk *w = ctx;
    CHECK(size == 2u * w->seen + 1 && len == 2 && note[0] == (uint8_t)('a' + w->seen));
    w->seen++;
    return w->seen == w->stop_after ? SP_ERR_IO : SP_OK;
}

static void test_checkpoint_history(void)
{
    scratch_make("logstore");
    sp_log_store *s = open_store();
    fill(s, 0, 6);
    CHECK_OK(sp_log_store_put_checkpoint(s, 1, (const uint8_t *)"a\n", 2));
    CHECK_OK(sp_log_store_put_checkpoint(s, 3, (const uint8_t *)"b\n", 2));
    CHECK_OK(sp_log_store_put_checkpoint(s, 5, (const uint8_t *)"c\n", 2));
    walk w = {0, 0};
    CHECK_OK(sp_log_store_checkpoints(s, count_checkpoints, &w));
    CHECK(w.seen == 3);
    w = (walk){0, 2};
    CHECK_ERR(sp_log_store_checkpoints(s, count_checkpoints, &w), SP_ERR_IO);
    CHECK(w.seen == 2);
    sp_log_store_close(s);
    scratch_remove();
}

static void test_tiles_match_nodes(void)
{
    scratch_make("logstore");
    sp_log_store *s = open_store();
    fill(s, 0, N_TILES);
    static uint8_t tile[SP_TILE_WIDTH * 32];
    /* Level 0: leaf hashes; full tiles 0 and 1, partial tile 2 of width 8. */
    CHECK(sp_tile_width(0, 2, N_TILES) == 8);
    for (uint64_t t = 0; t < 3; t++) {
        uint32_t w = sp_tile_width(0, t, N_TILES);
        CHECK_OK(sp_log_store_hash_tile(s, 0, t, w, tile));
        CHECK(memcmp(tile, leaf_hashes[t * 256], (size_t)w * 32) == 0);
        /* Any narrower partial tile is a prefix. */
        CHECK_OK(sp_log_store_hash_tile(s, 0, t, 1, tile));
        CHECK(memcmp(tile, leaf_hashes[t * 256], 32) == 0);
    }
    CHECK_ERR(sp_log_store_hash_tile(s, 0, 2, 9, tile), SP_ERR_NOT_FOUND);
    CHECK_ERR(sp_log_store_hash_tile(s, 0, 3, 1, tile), SP_ERR_NOT_FOUND);
    CHECK_ERR(sp_log_store_hash_tile(s, 0, 0, 0, tile), SP_ERR_USAGE);
    /* Level 1: MTH of each full level-0 tile. */
    CHECK_OK(sp_log_store_hash_tile(s, 1, 0, 2, tile));
    hash_t want;
    mth(0, 256, want);
    CHECK(memcmp(tile, want, 32) == 0);
    mth(256, 512, want);
    CHECK(memcmp(tile + 32, want, 32) == 0);
    CHECK_ERR(sp_log_store_hash_tile(s, 1, 0, 3, tile), SP_ERR_NOT_FOUND);
    CHECK_ERR(sp_log_store_hash_tile(s, 2, 0, 1, tile), SP_ERR_NOT_FOUND);

    /* Entry bundles hold the entries, each hashing to its level-0 tile hash. */
    uint8_t *bundle;
    size_t len;
    CHECK_OK(sp_log_store_entry_bundle(s, 2, 8, &bundle, &len));
    size_t pos = 0;
    unsigned count = 0;
    const uint8_t *e;
    size_t elen;
    while (sp_entry_bundle_next(bundle, len, &pos, &e, &elen) == SP_OK) {
        hash_t h;
        CHECK_OK(sp_merkle_leaf_hash(h, e, elen, sp_sodium_crypto()));
        CHECK(memcmp(h, leaf_hashes[512 + count], 32) == 0);
        count++;
    }
    CHECK(count == 8 && pos == len);
    free(bundle);
    CHECK_OK(sp_log_store_entry_bundle(s, 0, 256, &bundle, &len));
    pos = 0;
    count = 0;
    while (sp_entry_bundle_next(bundle, len, &pos, &e, &elen) == SP_OK)
        count++;
    CHECK(count == 256);
    free(bundle);
    CHECK_ERR(sp_log_store_entry_bundle(s, 2, 9, &bundle, &len), SP_ERR_NOT_FOUND);
    CHECK(bundle == NULL && len == 0);

    /* Proofs in a tree spanning several tiles still verify. */
    hash_t root, proof[SP_MAX_PROOF_HASHES], old;
    size_t n;
    CHECK_OK(sp_log_store_root(s, N_TILES, root));
    for (unsigned i = 0; i < N_TILES; i += 37) {
        CHECK_OK(sp_log_store_inclusion(s, i, N_TILES, proof, &n));
        CHECK_OK(sp_merkle_verify_inclusion(sp_sodium_crypto(), i, N_TILES, leaf_hashes[i],
                                            (const uint8_t(*)[32])proof, n, root, 32));
        CHECK_OK(sp_log_store_root(s, i + 1, old));
        CHECK_OK(sp_log_store_consistency(s, i + 1, N_TILES, proof, &n));
        CHECK_OK(sp_merkle_verify_consistency(sp_sodium_crypto(), i + 1, N_TILES, old, 32,
                                              root, 32, (const uint8_t(*)[32])proof, n));
    }
    sp_log_store_close(s);
    scratch_remove();
}

/* Group commit: threads appending at once, half of their texts shared, so duplicates meet
 * inside one batch.  Each text gets exactly one index, every thread learns that index, and
 * the tree holds each text once. */
#define GC_THREADS 8
#define GC_EACH 40
#define GC_TEXTS (GC_THREADS * GC_EACH / 2)

typedef struct gc_arg {
    sp_log_store *s;
    int id;
    uint64_t index[GC_EACH];
    unsigned text[GC_EACH];
    int existed[GC_EACH];
    sp_err err;
} gc_arg;

static void *gc_worker(void *p)
{
    gc_arg *a = p;
    for (unsigned k = 0; k < GC_EACH; k++) {
        uint8_t buf[128];
        size_t text_len;
        /* Even k: a text only this thread has; odd k: one every thread shares. */
        a->text[k] = k % 2 ? k / 2 : GC_TEXTS / 2 + (unsigned)a->id * (GC_EACH / 2) + k / 2;
        size_t len = make_entry(buf, sizeof buf, a->text[k], a->id ? "b" : "a", &text_len);
        sp_err e = sp_log_store_append(a->s, buf, len, text_len, &a->index[k], &a->existed[k]);
        if (e != SP_OK)
            a->err = e;
    }
    return NULL;
}

static void test_group_commit(void)
{
    scratch_make("logstore");
    sp_log_store *s = open_store();
    static gc_arg args[GC_THREADS];
    pthread_t t[GC_THREADS];
    for (int i = 0; i < GC_THREADS; i++) {
        args[i] = (gc_arg){.s = s, .id = i, .err = SP_OK};
        CHECK(pthread_create(&t[i], NULL, gc_worker, &args[i]) == 0);
    }
    for (int i = 0; i < GC_THREADS; i++)
        pthread_join(t[i], NULL);
    uint64_t where[GC_TEXTS + GC_THREADS * GC_EACH];
    unsigned fresh[GC_TEXTS + GC_THREADS * GC_EACH];
    memset(where, 0xff, sizeof where);
    memset(fresh, 0, sizeof fresh);
    unsigned distinct = 0;
    for (int i = 0; i < GC_THREADS; i++) {
        CHECK_OK(args[i].err);
        for (unsigned k = 0; k < GC_EACH; k++) {
            unsigned x = args[i].text[k];
            if (where[x] == UINT64_MAX)
                distinct++, where[x] = args[i].index[k];
            CHECK(where[x] == args[i].index[k]);
            fresh[x] += !args[i].existed[k];
        }
    }
    uint64_t size = 0;
    CHECK_OK(sp_log_store_size(s, &size));
    CHECK(size == distinct);
    for (unsigned x = 0; x < sizeof fresh / sizeof fresh[0]; x++)
        CHECK(where[x] == UINT64_MAX || fresh[x] == 1);
    /* The stored entries carry the texts the appenders were told. */
    for (unsigned x = 0; x < sizeof where / sizeof where[0]; x++) {
        if (where[x] == UINT64_MAX)
            continue;
        uint8_t *leaf, want[64];
        size_t len, wl = (size_t)snprintf((char *)want, sizeof want, "entry %u\n", x);
        CHECK_OK(sp_log_store_entry(s, where[x], &leaf, &len));
        CHECK(len > wl && memcmp(leaf, want, wl) == 0);
        free(leaf);
    }
    sp_log_store_close(s);
    scratch_remove();
}

static void test_open_failure(void)
{
    sp_log_store *s = (sp_log_store *)1;
    CHECK_ERR(sp_log_store_open(&s, "/nonexistent-dir/x/log.db"), SP_ERR_IO);
    CHECK(s == NULL);
    /* Not a database. */
    scratch_make("logstore");
    char p[1024];
    scratch_path(p, sizeof p, "junk.db");
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs("this is not an SQLite database, not even close................\n", f);
        fclose(f);
    }
    CHECK_ERR(sp_log_store_open(&s, p), SP_ERR_DB);
    scratch_remove();
}

/* Opening another kind of SQLite database (a witness's, say) as a log changes nothing in
 * it; `log export` opens only an existing log database and writes nothing. */
static void test_only_log_databases(void)
{
    sp_log_store *s = NULL;
    char p[1024], q[1024], err[256];
    sqlite3 *db = NULL;
    scratch_make("logstore");
    scratch_path(p, sizeof p, "other.db");
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "CREATE TABLE witness_log (origin TEXT)", NULL, NULL, NULL) ==
          SQLITE_OK);
    sqlite3_close(db);
    CHECK_ERR(sp_log_store_open(&s, p), SP_ERR_DB);
    CHECK_ERR(sp_log_store_open_existing(&s, p, err, sizeof err), SP_ERR_DB);
    CHECK(s == NULL && strstr(err, "not a softpause log database") != NULL);
    int tables = -1;
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) ==
            SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        tables = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK(tables == 1); /* unchanged */

    /* No file: export's open creates none. */
    scratch_path(q, sizeof q, "typo.db");
    CHECK_ERR(sp_log_store_open_existing(&s, q, err, sizeof err), SP_ERR_NOT_FOUND);
    CHECK(s == NULL && !sp_file_exists(q));
    /* A log database opens either way. */
    CHECK_OK(sp_log_store_open(&s, q));
    sp_log_store_close(s);
    CHECK_OK(sp_log_store_open_existing(&s, q, err, sizeof err));
    uint64_t size = 1;
    CHECK_OK(sp_log_store_size(s, &size));
    CHECK(size == 0);
    sp_log_store_close(s);
    scratch_remove();
}

int main(void)
{
    RUN_TEST(test_empty_store);
    RUN_TEST(test_every_proof_verifies);
    RUN_TEST(test_duplicates_and_reopen);
    RUN_TEST(test_checkpoint_history);
    RUN_TEST(test_tiles_match_nodes);
    RUN_TEST(test_group_commit);
    RUN_TEST(test_open_failure);
    RUN_TEST(test_only_log_databases);
    return harness_finish("test_log_store");
}
