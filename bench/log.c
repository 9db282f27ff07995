/*
 * bench/log.c -- what publication costs on the log's side (issue 3 section 7): durable
 * appends, append-to-cosigned-checkpoint latency, and tile reads as a ratio to nginx.
 *
 * One process, one temp dir (tests/support/scratch.h: under $TMPDIR, else /tmp).  Parts
 * 1 and 2 are bound by the disk's fsync, so the temp dir's file system and device are
 * printed with the figures.  The world is the standard test world
 * (tests/support/policy_fixture.h) with the witnesses' loopback URLs in its policy; the
 * log's entries are statements for epochs 1, 2, 3, ... ("run", signed by civ-alpha,
 * mil-alpha and mil-beta: a quorum), every note made before any timing starts.
 *
 * 1. Durable appends.  A fresh log (sp_log_server_open: SQLite, WAL, synchronous=FULL).
 *    Each append is timed on its own, in interleaved batches of BATCH (the order of the
 *    five paths rotates from batch to batch):
 *      (a) sp_log_add, in process: sp_statement_verify (3 Ed25519 verifications), the
 *          log's every-line-valid rule, the append transaction and its COMMIT;
 *      (b) POST /add to the same log over loopback HTTP (sp_log_handle behind
 *          sp_http_server, libmicrohttpd; one libcurl client keeping its connection
 *          alive): (a) plus HTTP;
 *      (b') the same from CLIENTS clients at once (one thread and one kept-alive
 *          connection each, BATCH statements each per batch; the threads are started
 *          per batch and the batch's wall time counts): what the store's group commit
 *          (log_store.h) makes of concurrent writers;
 *      (c) the floor: a bare SQLite commit -- one 500-byte row inserted (autocommit) into
 *          a database of its own with the log's settings (WAL, synchronous=FULL) in the
 *          same directory: what any durable append through SQLite costs;
 *      (d) the disk: overwrite 4 KiB of a preallocated file in the same directory
 *          (cycling through it, so its size never changes) and fdatasync: the least any
 *          durable write costs on this disk (below what a SQLite commit can reach).
 *    (a), (b) and (b') append to the same log, which grows by (2 + CLIENTS) x APPENDS; its
 *    size is checked against the acknowledged appends at the end.  Reported per path:
 *    appends/s (appends / time spent in them), the best batch's rate (the least-disturbed
 *    stretch: on a shared machine the fsync time swings by 10x as other tenants write),
 *    latency median, p99 (nearest rank), max.
 * 2. Append to cosigned checkpoint.  Three of the project's witnesses (sp_witness_open,
 *    SQLite state in the temp dir, each on its own loopback sp_http_server; quorum 2 of
 *    3).  One untimed round first (first contact: each witness learns the log).  Then
 *    COSIGN times: sp_log_add of a new statement, then sp_log_publish (sign the
 *    checkpoint, POST add-checkpoint with the consistency proof to the three witnesses in
 *    parallel -- each commits its new state durably before it cosigns --, verify their
 *    cosignatures, store the cosigned checkpoint durably), which must return with
 *    published == 1 for the new size.  Timed: the add, the publication, and the whole;
 *    then the floor, three bare SQLite commits, in the same round, and the round minus
 *    that floor (paired); CPU per round (CLOCK_PROCESS_CPUTIME_ID: log and witnesses).
 * 3. Tile reads.  The log is grown to TILE_ENTRIES leaves (default 10,000; 1,000,000 for
 *    the large case) by sp_log_store_append from BUILD_THREADS threads at once (raw entries
 *    of 480 bytes, about a statement's size; the build's time is printed), published,
 *    and exported (sp_log_export) into a directory that nginx serves from a generated
 *    minimal config: one process (daemon off, master_process off), access_log off,
 *    sendfile on, keep-alive without a request limit.  Three servers: the log
 *    (sp_log_handle behind sp_http_server, its tile cache capped at TILE_CACHE MiB),
 *    the same database behind a second log server with the cache off (the uncached path,
 *    SQLite per request), and nginx.  Request lists: the full hash tiles, the partial hash
 *    tiles, the full entry bundles, the partial entry bundle, the whole tree (every tile and
 *    bundle once, what a mirror or monitor reading the log fetches), and the recent mix
 *    (the last 16 full tiles of each level, the last 16 full entry bundles, every partial
 *    tile and /checkpoint: what clients fetch).  Before timing, every path and the
 *    checkpoint are fetched from the three servers and compared byte for byte.  Timed:
 *    per round and list, REQUESTS GETs against each server, all reading the same slice of
 *    the list (the slice moves on from round to round, so long lists are covered), in
 *    rotating order, ROUNDS rounds.  ONE client thread, one kept-alive libcurl connection
 *    per server (checked: connections opened are counted), so the client's cost is in
 *    every figure and what differs is the server.  Reported: median requests/s per
 *    server, and the paired per-round ratios (log / nginx, uncached / nginx, log /
 *    uncached) as median and min-max; the cache's fill, hits and evictions, and the
 *    process's RSS.  Without nginx (--nginx PATH, default /usr/sbin/nginx) its columns
 *    are skipped with a SKIP line; log / uncached is still printed.
 *
 * usage: build/bench/log [--appends N] [--batch N] [--clients N] [--cosign N] [--rounds N]
 *                        [--requests N] [--tile-entries N] [--tile-cache MIB]
 *                        [--build-threads N] [--nginx PATH]
 *        (make bench runs it with the defaults: 1000, 10, 4, 100, 30, 50, 10000, 64, 4,
 *        /usr/sbin/nginx)
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/tlog_tiles.h"
#include "softpause/server/log.h"
#include "softpause/server/witness.h"
#include "support/policy_fixture.h"
#include "support/scratch.h"

#define QUORUM (PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B))
/* The floor's file: FLOOR_FILE bytes written and synced before timing, then overwritten
 * FLOOR_BLOCK bytes at a time, cycling (no size change, as in SQLite's reused WAL). */
#define FLOOR_BLOCK 4096u
#define FLOOR_FILE (1024u * FLOOR_BLOCK)
#define NGINX_START_MS 5000
#define MAX_CLIENTS 64

typedef struct params {
    int appends, batch, clients, cosign, rounds, requests;
    int tile_entries, tile_cache_mib, build_threads;
    const char *nginx;
} params;

static double now_ms(void)
{
    return bench_now_us() / 1e3;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench/log: %s: %s\n", what, why);
    scratch_remove();
    exit(1);
}

static void check(sp_err e, const char *what)
{
    if (e != SP_OK)
        die(what, sp_err_name(e));
}

/* ---- statistics --------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct stats {
    double sum, median, p99, max;
} stats;

/* Sorts v.  Nearest-rank percentiles: p99 of 100 samples is the 99th smallest. */
static stats summarise(double *v, int n)
{
    stats s = {0, 0, 0, 0};
    for (int i = 0; i < n; i++)
        s.sum += v[i];
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    s.p99 = v[(99 * n + 99) / 100 - 1];
    s.max = v[n - 1];
    return s;
}

/* ---- the temp dir's file system ---------------------------------------------------------- */

static const char *fs_type_name(long type)
{
    switch ((unsigned long)type) {
    case 0xEF53ul: return "ext2/3/4";
    case 0x58465342ul: return "xfs";
    case 0x9123683Eul: return "btrfs";
    case 0x01021994ul: return "tmpfs (fsync is a no-op: durability figures mean nothing)";
    case 0x794C7630ul: return "overlayfs";
    case 0x2FC12FC1ul: return "zfs";
    default: return "other";
    }
}

/* "<type> (<device> on <mount point>, <fs type in /proc/mounts>)" for dir. */
static void describe_fs(const char *dir, char *out, size_t cap)
{
    struct statfs sf;
    char line[1024], best[600] = "?";
    size_t best_len = 0;
    char real[4096];
    FILE *f = fopen("/proc/mounts", "r");
    if (realpath(dir, real) == NULL)
        snprintf(real, sizeof real, "%s", dir);
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        char dev[256], mnt[256], type[64];
        if (sscanf(line, "%255s %255s %63s", dev, mnt, type) != 3)
            continue;
        size_t l = strlen(mnt);
        int under = strncmp(real, mnt, l) == 0 &&
                    (real[l] == '/' || real[l] == '\0' || strcmp(mnt, "/") == 0);
        if (under && l >= best_len) {
            best_len = l;
            snprintf(best, sizeof best, "%s on %s, %s", dev, mnt, type);
        }
    }
    if (f != NULL)
        fclose(f);
    snprintf(out, cap, "%s (%s)", statfs(dir, &sf) == 0 ? fs_type_name((long)sf.f_type) : "?",
             best);
}

/* ---- HTTP client (libcurl, one kept-alive connection per handle) ------------------------- */

/* The largest body either server can send: a full entry bundle of maximal notes. */
#define BODY_MAX ((size_t)SP_TILE_WIDTH * (2 + SP_MAX_NOTE_BYTES))

typedef struct sink {
    uint8_t *buf;       /* BODY_MAX bytes; filled only when keep != 0 */
    size_t len;
    int keep;
} sink;

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    sink *s = ctx;
    size_t len = size * n;
    if (len > BODY_MAX - s->len)
        return 0; /* curl stops with a write error */
    if (s->keep)
        memcpy(s->buf + s->len, p, len);
    s->len += len;
    return len;
}

typedef struct client {
    CURL *curl;
    struct curl_slist *headers;
    sink body;
    char base[64];       /* http://127.0.0.1:PORT */
} client;

static void client_open(client *c, uint16_t port)
{
    memset(c, 0, sizeof *c);
    snprintf(c->base, sizeof c->base, "http://127.0.0.1:%u", (unsigned)port);
    c->curl = curl_easy_init();
    c->body.buf = malloc(BODY_MAX);
    /* No "Expect: 100-continue" round trip on POST. */
    c->headers = curl_slist_append(NULL, "Expect:");
    if (c->curl == NULL || c->headers == NULL || c->body.buf == NULL)
        die("libcurl", "cannot make a handle");
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->body);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 30000L);
}

static void client_close(client *c)
{
    curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    free(c->body.buf);
}

/* One request on c (GET when body is NULL, else POST); the status, or 0 when the
 * transport failed.  *connects (may be NULL) gets the connections it opened. */
static long request(client *c, const char *path, const char *body, size_t body_len, int keep,
                    long *connects)
{
    char url[256];
    long status = 0, n = 0;
    snprintf(url, sizeof url, "%s/%s", c->base, path);
    c->body.len = 0;
    c->body.keep = keep;
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    if (body != NULL) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    if (curl_easy_perform(c->curl) != CURLE_OK)
        return 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &n);
    if (connects != NULL)
        *connects += n;
    return status;
}

/* ---- the world: witnesses, policy, log ------------------------------------------------- */

typedef struct bench_world {
    pf_world w;
    sp_signer_key log_key;
    sp_witness_service *witness[PUB_NWITNESSES];
    sp_http_server *witness_http[PUB_NWITNESSES];
    sp_log_server *log;
    sp_http_server *log_http;
    uint16_t log_port;
    char **notes;          /* statement notes for epochs 1.. (notes[i]: epoch i + 1) */
    size_t *note_len;
    int note_count, next_note;
} bench_world;

static void world_start(bench_world *b, int note_count, int cache_mib)
{
    uint16_t ports[PUB_NWITNESSES] = {0};
    pf_world_make(&b->w);
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        char db[1024], name[16], err[256] = "";
        sp_signer_key k;
        pub_cosigner_key(&k, &b->w.pub, i);
        snprintf(name, sizeof name, "witness%d.db", i + 1);
        scratch_path(db, sizeof db, name);
        sp_witness_config cfg = {&k, b->w.policy.witness.logs, b->w.policy.witness.log_count,
                                 db, NULL, NULL, NULL, 1, NULL, 0};
        if (sp_witness_open(&b->witness[i], &cfg, err, sizeof err) != SP_OK ||
            sp_http_server_start(&b->witness_http[i], NULL, 0, SP_MAX_WITNESS_REQUEST_BYTES,
                                 sp_witness_http, b->witness[i], &ports[i]) != SP_OK)
            die("witness does not start", err);
    }
    pf_world_set_witness_ports(&b->w, ports);
    check(sp_signer_key_parse(&b->log_key, b->w.pub.log.skey, strlen(b->w.pub.log.skey)),
          "log key");

    char db[1024];
    scratch_path(db, sizeof db, "log.db");
    sp_log_config cfg = {&b->w.policy, &b->log_key, db, 0, 0, NULL, NULL, 0,
                         (uint64_t)cache_mib << 20};
    check(sp_log_server_open(&b->log, &cfg), "log does not open");
    /* Every client of the benchmark connects from 127.0.0.1: the per-address limit is raised
     * to let all of them (up to MAX_CLIENTS, and the tile readers) in at once. */
    const sp_http_limits limits = {0, MAX_CLIENTS + 8u, 0, 0};
    check(sp_http_server_start_limited(&b->log_http, NULL, 0, SP_LOG_MAX_ADD_BYTES,
                                       sp_log_handle, b->log, &limits, &b->log_port),
          "log HTTP server");

    /* Signing is not timed: every note is made now. */
    b->notes = calloc((size_t)note_count, sizeof *b->notes);
    b->note_len = calloc((size_t)note_count, sizeof *b->note_len);
    if (b->notes == NULL || b->note_len == NULL)
        die("notes", "out of memory");
    for (int i = 0; i < note_count; i++) {
        char note[SP_MAX_NOTE_BYTES];
        b->note_len[i] = pf_statement_note(note, sizeof note, &b->w, (uint64_t)i + 1, "run",
                                           QUORUM);
        b->notes[i] = malloc(b->note_len[i]);
        if (b->notes[i] == NULL)
            die("notes", "out of memory");
        memcpy(b->notes[i], note, b->note_len[i]);
    }
    b->note_count = note_count;
}

static void world_stop(bench_world *b)
{
    sp_http_server_stop(b->log_http);
    sp_log_server_close(b->log);
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        sp_http_server_stop(b->witness_http[i]);
        sp_witness_close(b->witness[i]);
    }
    for (int i = 0; i < b->note_count; i++)
        free(b->notes[i]);
    free(b->notes);
    free(b->note_len);
    sp_signer_key_wipe(&b->log_key);
}

/* The index of the next prepared statement. */
static int take_note(bench_world *b)
{
    if (b->next_note >= b->note_count)
        die("notes", "ran out of prepared statements");
    return b->next_note++;
}

/* ---- 1. durable appends ------------------------------------------------------------------ */

enum { PATH_DIRECT, PATH_HTTP, PATH_CONCURRENT, PATH_SQLITE, PATH_FLOOR, PATHS };

static double append_direct(bench_world *b, uint64_t expect)
{
    int i = take_note(b);
    uint64_t index = 0;
    int existed = 1;
    double t0 = now_ms();
    check(sp_log_add(b->log, (const uint8_t *)b->notes[i], b->note_len[i], &index, &existed,
                     NULL),
          "sp_log_add");
    double t = now_ms() - t0;
    if (existed || index != expect)
        die("sp_log_add", "unexpected index");
    return t;
}

static double append_http(bench_world *b, client *c, uint64_t expect)
{
    int i = take_note(b);
    char want[32];
    double t0 = now_ms();
    long status = request(c, "add", b->notes[i], b->note_len[i], 1, NULL);
    double t = now_ms() - t0;
    snprintf(want, sizeof want, "%llu\n", (unsigned long long)expect);
    if (status != 200 || c->body.len != strlen(want) || memcmp(c->body.buf, want, c->body.len))
        die("POST /add", "not answered 200 with the expected index");
    return t;
}

static int floor_open(void)
{
    static const uint8_t block[FLOOR_BLOCK];
    char path[1024];
    scratch_path(path, sizeof path, "floor.bin");
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    for (unsigned off = 0; fd >= 0 && off < FLOOR_FILE; off += FLOOR_BLOCK)
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block)
            die(path, strerror(errno));
    if (fd < 0 || fsync(fd) != 0)
        die(path, strerror(errno));
    return fd;
}

static double append_floor(int fd, int i)
{
    static const uint8_t block[FLOOR_BLOCK];
    off_t off = (off_t)((unsigned)i % (FLOOR_FILE / FLOOR_BLOCK)) * FLOOR_BLOCK;
    double t0 = now_ms();
    if (pwrite(fd, block, sizeof block, off) != (ssize_t)sizeof block || fdatasync(fd) != 0)
        die("floor file", strerror(errno));
    return now_ms() - t0;
}

/* The durable floor of an append: a bare SQLite commit of one statement-sized row, in a
 * database of its own set up as the log's (WAL, synchronous=FULL), same directory. */
static sqlite3 *sqlite_floor_open(const char *name)
{
    char path[1024];
    sqlite3 *db = NULL;
    scratch_path(path, sizeof path, name);
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                         "CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK)
        die(path, sqlite3_errmsg(db));
    return db;
}

static double append_sqlite_floor(sqlite3 *db, int i)
{
    static const uint8_t row[500];
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "INSERT INTO t(k, v) VALUES (?1, ?2)", -1, &st, NULL) !=
        SQLITE_OK)
        die("floor.db", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, i);
    sqlite3_bind_blob(st, 2, row, sizeof row, SQLITE_STATIC);
    double t0 = now_ms();
    int rc = sqlite3_step(st);
    double t = now_ms() - t0;
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        die("floor.db", sqlite3_errmsg(db));
    return t;
}

/* One client of the concurrent path: posts notes[first .. first + count). */
typedef struct post_job {
    bench_world *b;
    client c;
    int first, count;
    double *lat;          /* count latencies */
    int failed;
    pthread_t thread;
} post_job;

static void *post_thread(void *arg)
{
    post_job *j = arg;
    for (int i = 0; i < j->count; i++) {
        int k = j->first + i;
        double t0 = now_ms();
        long status = request(&j->c, "add", j->b->notes[k], j->b->note_len[k], 0, NULL);
        j->lat[i] = now_ms() - t0;
        j->failed |= status != 200;
    }
    return NULL;
}

/* `clients` clients post n new statements each, all at once; latencies into
 * lat[0 .. clients * n); returns the wall time from the first start to the last answer. */
static double append_concurrent(bench_world *b, post_job *jobs, int clients, int n, double *lat)
{
    int first = b->next_note;
    if (first + clients * n > b->note_count)
        die("notes", "ran out of prepared statements");
    b->next_note += clients * n;
    double t0 = now_ms();
    for (int t = 0; t < clients; t++) {
        jobs[t].b = b;
        jobs[t].first = first + t * n;
        jobs[t].count = n;
        jobs[t].lat = lat + t * n;
        jobs[t].failed = 0; /* each round's own (the jobs are reused) */
        if (pthread_create(&jobs[t].thread, NULL, post_thread, &jobs[t]) != 0)
            die("pthread_create", strerror(errno));
    }
    for (int t = 0; t < clients; t++)
        pthread_join(jobs[t].thread, NULL);
    double wall = now_ms() - t0;
    for (int t = 0; t < clients; t++)
        if (jobs[t].failed)
            die("POST /add (concurrent)", "not answered 200");
    return wall;
}

static void bench_appends(bench_world *b, const params *p)
{
    char concurrent[64];
    const char *names[PATHS] = {"sp_log_add (in process)", "POST /add (loopback HTTP)",
                                concurrent, "floor: bare SQLite commit (one row)",
                                "disk: 4 KiB overwrite + fdatasync"};
    double *lat[PATHS], best[PATHS] = {0}, wall[PATHS] = {0};
    int batches = (p->appends + p->batch - 1) / p->batch, count[PATHS] = {0};
    uint64_t size = 0, stored = 0;
    client c;
    post_job jobs[MAX_CLIENTS];
    int fd = floor_open();
    sqlite3 *floor_db = sqlite_floor_open("floor.db");
    snprintf(concurrent, sizeof concurrent, "POST /add, %d clients at once", p->clients);
    for (int k = 0; k < PATHS; k++) {
        size_t n = (size_t)p->appends * (size_t)(k == PATH_CONCURRENT ? p->clients : 1);
        if ((lat[k] = calloc(n, sizeof(double))) == NULL)
            die("latencies", "out of memory");
    }
    client_open(&c, b->log_port);
    for (int t = 0; t < p->clients; t++)
        client_open(&jobs[t].c, b->log_port);
    for (int r = 0; r < batches; r++) {
        int n = p->appends - r * p->batch < p->batch ? p->appends - r * p->batch : p->batch;
        for (int step = 0; step < PATHS; step++) {
            int k = (step + r) % PATHS, m = n;
            double spent = 0;
            if (k == PATH_CONCURRENT) {
                spent = append_concurrent(b, jobs, p->clients, n, lat[k] + count[k]);
                m = n * p->clients;
                count[k] += m;
                size += (uint64_t)m;
            }
            for (int i = 0; k != PATH_CONCURRENT && i < n; i++) {
                double t = k == PATH_DIRECT ? append_direct(b, size)
                           : k == PATH_HTTP ? append_http(b, &c, size)
                           : k == PATH_SQLITE ? append_sqlite_floor(floor_db, count[k])
                                              : append_floor(fd, count[k]);
                lat[k][count[k]++] = t;
                spent += t;
                size += k != PATH_FLOOR && k != PATH_SQLITE;
            }
            wall[k] += spent;
            if (m / (spent / 1e3) > best[k])
                best[k] = m / (spent / 1e3);
        }
    }
    close(fd);
    sqlite3_close(floor_db);
    client_close(&c);
    for (int t = 0; t < p->clients; t++)
        client_close(&jobs[t].c);
    check(sp_log_store_size(sp_log_server_store(b->log), &stored), "log size");
    if (stored != size)
        die("durable appends", "the log does not hold every acknowledged entry");

    printf("\n1. durable appends: a fresh log, %d appends per path (the concurrent one: %d "
           "clients x %d) in %d interleaved batches of up to %d (log grows to %llu entries)\n",
           p->appends, p->clients, p->appends, batches, p->batch, (unsigned long long)size);
    printf("   %-36s %10s %12s %12s %10s %10s\n", "path", "appends/s", "best batch/s",
           "median (ms)", "p99 (ms)", "max (ms)");
    for (int k = 0; k < PATHS; k++) {
        stats s = summarise(lat[k], count[k]);
        printf("   %-36s %10.1f %12.1f %12.2f %10.2f %10.2f\n", names[k],
               count[k] / (wall[k] / 1e3), best[k], s.median, s.p99, s.max);
        free(lat[k]);
    }
}

/* ---- 2. append to cosigned checkpoint ------------------------------------------------- */

static uint32_t publish(bench_world *b, uint64_t size, uint32_t *cosigned)
{
    sp_log_round round;
    check(sp_log_publish(b->log, &round), "sp_log_publish");
    if (!round.published || round.size != size)
        die("sp_log_publish", "returned without publishing the new size");
    *cosigned &= round.cosigned;
    return round.ed25519_checks;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Each round: sp_log_add, sp_log_publish, then the floor -- three bare SQLite commits (the
 * round's durable writes: the append, a witness's state, the cosigned checkpoint; the three
 * witnesses commit in parallel) -- timed in the same round, so "above the floor" is a paired
 * difference.  CPU per round: CLOCK_PROCESS_CPUTIME_ID over add + publish (the log and its
 * three witnesses run in this process). */
static void bench_cosign(bench_world *b, const params *p)
{
    enum { ADD, PUB, ALL, FLOOR, ABOVE, CPU, NV };
    double *v[NV];
    for (int k = 0; k < NV; k++)
        if ((v[k] = calloc((size_t)p->cosign, sizeof(double))) == NULL)
            die("latencies", "out of memory");
    uint32_t cosigned = PUB_ALL_WITNESSES;
    uint64_t size = 0;
    uint32_t checks = 0;
    sqlite3 *floor_db = sqlite_floor_open("floor2.db");
    check(sp_log_store_size(sp_log_server_store(b->log), &size), "log size");
    publish(b, size, &cosigned); /* first contact, untimed */
    for (int r = 0; r < p->cosign; r++) {
        double c0 = cpu_ms(), t0 = now_ms();
        (void)append_direct(b, size);
        double t1 = now_ms();
        checks += publish(b, ++size, &cosigned);
        double t2 = now_ms(), c1 = cpu_ms();
        double fl = 0;
        for (int k = 0; k < 3; k++)
            fl += append_sqlite_floor(floor_db, 3 * r + k);
        v[ADD][r] = t1 - t0;
        v[PUB][r] = t2 - t1;
        v[ALL][r] = t2 - t0;
        v[FLOOR][r] = fl;
        v[ABOVE][r] = (t2 - t0) - fl;
        v[CPU][r] = c1 - c0;
    }
    sqlite3_close(floor_db);
    int n = 0;
    for (int i = 0; i < PUB_NWITNESSES; i++)
        n += (cosigned >> i) & 1;
    printf("\n2. append to cosigned checkpoint: %d rounds of sp_log_add + sp_log_publish "
           "(3 witnesses on loopback, quorum 2 of 3; %d of 3 cosigned every round; log size "
           "%llu at the end; the log's Ed25519 checks of the answers: %.1f per round)\n",
           p->cosign, n, (unsigned long long)size, (double)checks / p->cosign);
    printf("   %-40s %12s %10s %10s %10s\n", "", "median (ms)", "p99 (ms)", "max (ms)",
           "first (ms)");
    const char *names[NV] = {"sp_log_add",
                             "sp_log_publish (published)",
                             "round: add -> cosigned",
                             "floor: 3 bare SQLite commits",
                             "round above the floor (paired)",
                             "CPU per round (process: log+witnesses)"};
    for (int k = 0; k < NV; k++) {
        double first = v[k][0];
        stats s = summarise(v[k], p->cosign);
        printf("   %-40s %12.2f %10.2f %10.2f %10.2f\n", names[k], s.median, s.p99, s.max,
               first);
        free(v[k]);
    }
}

/* ---- nginx ---------------------------------------------------------------------------- */

static uint16_t free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    uint16_t port = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Start nginx serving root on a free loopback port; 0 and a reason in why on failure. */
static pid_t nginx_start(const char *nginx, const char *root, uint16_t *port, char *why,
                         size_t whycap)
{
    char conf[1024], errlog[1024], text[4096];
    const char *d = scratch_dir;
    if (access(nginx, X_OK) != 0) {
        snprintf(why, whycap, "%s: %s", nginx, strerror(errno));
        return 0;
    }
    if ((*port = free_port()) == 0) {
        snprintf(why, whycap, "no free port");
        return 0;
    }
    scratch_path(conf, sizeof conf, "nginx.conf");
    scratch_path(errlog, sizeof errlog, "nginx-error.log");
    int n = snprintf(text, sizeof text,
                     "daemon off;\nmaster_process off;\nworker_processes 1;\n"
                     "pid %s/nginx.pid;\nerror_log %s warn;\n"
                     "events { worker_connections 64; }\n"
                     "http {\n  access_log off;\n  default_type application/octet-stream;\n"
                     "  sendfile on;\n  tcp_nopush on;\n  tcp_nodelay on;\n"
                     "  keepalive_timeout 65;\n  keepalive_requests 1000000;\n"
                     "  client_body_temp_path %s/nginx-body;\n  proxy_temp_path %s/nginx-proxy;\n"
                     "  fastcgi_temp_path %s/nginx-fastcgi;\n  uwsgi_temp_path %s/nginx-uwsgi;\n"
                     "  scgi_temp_path %s/nginx-scgi;\n"
                     "  server { listen 127.0.0.1:%u; root %s; }\n}\n",
                     d, errlog, d, d, d, d, d, (unsigned)*port, root);
    FILE *f = fopen(conf, "w");
    if (n < 0 || (size_t)n >= sizeof text || f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        snprintf(why, whycap, "cannot write %s", conf);
        return 0;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execl(nginx, "nginx", "-p", d, "-e", errlog, "-c", conf, (char *)NULL);
        _exit(127);
    }
    if (pid < 0) {
        snprintf(why, whycap, "fork: %s", strerror(errno));
        return 0;
    }
    /* Ready once it answers; gone if it exits (then its error log says why). */
    client c;
    client_open(&c, *port);
    curl_easy_setopt(c.curl, CURLOPT_CONNECTTIMEOUT_MS, 200L);
    for (double t0 = now_ms(); now_ms() - t0 < NGINX_START_MS;) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            FILE *e = fopen(errlog, "r");
            char line[512] = "";
            if (e != NULL) {
                if (fgets(line, sizeof line, e) == NULL)
                    line[0] = '\0';
                fclose(e);
            }
            line[strcspn(line, "\n")] = '\0';
            snprintf(why, whycap, "%s exited (%s %d) before answering: %s", nginx,
                     WIFEXITED(st) ? "exit code" : "signal",
                     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
                     line[0] != '\0' ? line : "its error log is empty");
            client_close(&c);
            return 0;
        }
        if (request(&c, "checkpoint", NULL, 0, 0, NULL) == 200) {
            client_close(&c);
            return pid;
        }
        usleep(20000);
    }
    client_close(&c);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    snprintf(why, whycap, "nginx did not answer within %d ms", NGINX_START_MS);
    return 0;
}

static void nginx_stop(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

/* ---- 3. tile reads ---------------------------------------------------------------------- */

enum {
    L_FULL_TILES, L_PARTIAL_TILES, L_FULL_BUNDLES, L_PARTIAL_BUNDLES, L_WHOLE, L_RECENT, LISTS
};
#define RECENT_FULL 16u /* the recent mix: the last 16 full tiles of each level, and bundles */
enum { S_CACHED, S_PLAIN, S_NGINX, SERVERS };

typedef struct path_list {
    char (*path)[SP_TILE_PATH_MAX];
    int n;
    double bytes;        /* total body bytes of one pass over the list */
} path_list;

static void list_add(path_list *l, const char *path)
{
    void *p = realloc(l->path, (size_t)(l->n + 1) * sizeof *l->path);
    if (p == NULL)
        die("paths", "out of memory");
    l->path = p;
    snprintf(l->path[l->n++], SP_TILE_PATH_MAX, "%s", path);
}

/* Every tile and bundle of a tree of `size` leaves, sorted into the lists; the recent mix
 * also gets the checkpoint. */
static void tree_paths(uint64_t size, path_list lists[LISTS])
{
    list_add(&lists[L_RECENT], "checkpoint");
    for (uint32_t level = 0; sp_tile_width(level, 0, size) != 0; level++) {
        uint64_t full_count = (size >> (SP_TILE_HEIGHT * level)) / SP_TILE_WIDTH;
        uint32_t width;
        for (uint64_t n = 0; (width = sp_tile_width(level, n, size)) != 0; n++) {
            for (uint32_t entries = 0; entries <= (level == 0); entries++) {
                sp_tile t = {entries, level, n, width};
                char path[SP_TILE_PATH_MAX];
                check(sp_tile_path_format(&t, path, sizeof path), "tile path");
                int full = width == SP_TILE_WIDTH;
                list_add(&lists[entries ? (full ? L_FULL_BUNDLES : L_PARTIAL_BUNDLES)
                                        : (full ? L_FULL_TILES : L_PARTIAL_TILES)],
                         path);
                list_add(&lists[L_WHOLE], path);
                if (!full || n + RECENT_FULL >= full_count)
                    list_add(&lists[L_RECENT], path);
            }
        }
    }
}

/* The three servers give the same bytes for every path (the checkpoint included); the
 * lists get their sizes. */
static void compare_servers(client *c[SERVERS], const path_list *whole, path_list *lists)
{
    for (int i = -1; i < whole->n; i++) {
        const char *path = i < 0 ? "checkpoint" : whole->path[i];
        for (int k = 0; k < SERVERS; k++)
            if (c[k] != NULL && request(c[k], path, NULL, 0, 1, NULL) != 200)
                die(path, "GET failed");
        for (int k = 1; k < SERVERS; k++)
            if (c[k] != NULL && (c[k]->body.len != c[0]->body.len ||
                                 memcmp(c[k]->body.buf, c[0]->body.buf, c[0]->body.len) != 0))
                die(path, k == S_PLAIN ? "the log serves other bytes from its cache"
                                       : "the log and nginx do not serve the same bytes");
        for (int k = 0; k < LISTS; k++)
            for (int j = 0; j < lists[k].n; j++)
                if (strcmp(lists[k].path[j], path) == 0)
                    lists[k].bytes += (double)c[0]->body.len;
    }
}

/* `requests` GETs cycling through l from `first`; requests per second. */
static double read_batch(client *c, const path_list *l, int first, int requests,
                         long *connects)
{
    double t0 = now_ms();
    for (int i = 0; i < requests; i++) {
        const char *path = l->path[(first + i) % l->n];
        if (request(c, path, NULL, 0, 0, connects) != 200)
            die(path, "GET failed");
    }
    return requests / ((now_ms() - t0) / 1e3);
}

/* Resident set size (VmRSS) in MiB, from /proc/self/status; -1 if unknown. */
static double rss_mib(const char *field)
{
    char line[256];
    double kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, field, strlen(field)) == 0)
            kib = atof(line + strlen(field));
    if (f != NULL)
        fclose(f);
    return kib < 0 ? -1 : kib / 1024;
}

/* Grow the log with raw entries (about note-sized) from `threads` appenders at once,
 * each taking every threads-th index, so the tree ends at `target` leaves. */
typedef struct grower {
    sp_log_store *store;
    uint64_t first, target, step;
} grower;

#define RAW_ENTRY_BYTES 480u

static void *grow(void *arg)
{
    grower *g = arg;
    char leaf[RAW_ENTRY_BYTES];
    for (uint64_t i = g->first; i < g->target; i += g->step) {
        int n = snprintf(leaf, sizeof leaf, "bench entry %llu\n", (unsigned long long)i);
        for (size_t k = (size_t)n; k < sizeof leaf - 1; k++)
            leaf[k] = (char)('a' + (i + k) % 26);
        leaf[sizeof leaf - 1] = '\n';
        uint64_t index = 0;
        int existed = 0;
        check(sp_log_store_append(g->store, (const uint8_t *)leaf, sizeof leaf, sizeof leaf,
                                  &index, &existed),
              "sp_log_store_append");
    }
    return NULL;
}

static void grow_log(bench_world *b, const params *p)
{
    sp_log_store *store = sp_log_server_store(b->log);
    uint64_t size = 0;
    check(sp_log_store_size(store, &size), "size");
    if (size >= (uint64_t)p->tile_entries)
        return;
    grower g[MAX_CLIENTS];
    pthread_t t[MAX_CLIENTS];
    double t0 = now_ms();
    for (int i = 0; i < p->build_threads; i++) {
        g[i] = (grower){store, size + (uint64_t)i, (uint64_t)p->tile_entries,
                        (uint64_t)p->build_threads};
        if (pthread_create(&t[i], NULL, grow, &g[i]) != 0)
            die("threads", "cannot start an appender");
    }
    for (int i = 0; i < p->build_threads; i++)
        pthread_join(t[i], NULL);
    double secs = (now_ms() - t0) / 1e3;
    sp_log_round r;
    check(sp_log_publish(b->log, &r), "sp_log_publish");
    if (!r.published || r.size != (uint64_t)p->tile_entries)
        die("sp_log_publish", "the grown tree was not published");
    printf("   build: the log grown from %llu to %d entries (new ones %u bytes each) by "
           "sp_log_store_append from %d threads in %.1f s (%.0f appends/s), then published\n",
           (unsigned long long)size, p->tile_entries, RAW_ENTRY_BYTES, p->build_threads, secs,
           (double)(p->tile_entries - (int)size) / secs);
}

/* Paired per-round ratios a / b of lists k: median, min, max. */
static void ratio_stats(double *a, double *b, int rounds, double out[3])
{
    double *v = malloc((size_t)rounds * sizeof *v);
    if (v == NULL)
        die("ratios", "out of memory");
    for (int r = 0; r < rounds; r++)
        v[r] = a[r] / b[r];
    stats s = summarise(v, rounds);
    out[0] = s.median;
    out[1] = v[0];
    out[2] = s.max;
    free(v);
}

static void bench_tiles(bench_world *b, const params *p)
{
    static const char *const names[LISTS] = {
        "full hash tiles",       "partial hash tiles",     "full entry bundles",
        "partial entry bundles", "whole tree (each once)", "recent (what clients fetch)"};
    path_list lists[LISTS];
    char root[1024], why[1200] = "";
    uint64_t size = 0;
    uint16_t port = 0, plain_port = 0;
    client cl[SERVERS], *c[SERVERS] = {&cl[0], &cl[1], NULL};
    long connects[SERVERS] = {0, 0, 0};
    memset(lists, 0, sizeof lists);

    printf("\n3. tile reads\n");
    grow_log(b, p);
    double rss_built = rss_mib("VmRSS:");
    /* The same database behind a second log server without the cache: the uncached path,
     * timed in the same rounds. */
    char db[1024];
    scratch_path(db, sizeof db, "log.db");
    sp_log_config cfg = {&b->w.policy, &b->log_key, db, 0, 0, NULL, NULL, 0,
                         SP_LOG_TILE_CACHE_OFF};
    sp_log_server *plain = NULL;
    sp_http_server *plain_http = NULL;
    const sp_http_limits limits = {0, MAX_CLIENTS + 8u, 0, 0};
    check(sp_log_server_open(&plain, &cfg), "uncached log does not open");
    check(sp_http_server_start_limited(&plain_http, NULL, 0, SP_LOG_MAX_ADD_BYTES,
                                       sp_log_handle, plain, &limits, &plain_port),
          "uncached log's HTTP server");

    double e0 = now_ms();
    scratch_path(root, sizeof root, "export");
    check(sp_log_export(sp_log_server_store(b->log), root, &size), "sp_log_export");
    double export_s = (now_ms() - e0) / 1e3;
    tree_paths(size, lists);
    pid_t ngx = nginx_start(p->nginx, root, &port, why, sizeof why);
    client_open(&cl[S_CACHED], b->log_port);
    client_open(&cl[S_PLAIN], plain_port);
    if (ngx > 0) {
        client_open(&cl[S_NGINX], port);
        c[S_NGINX] = &cl[S_NGINX];
    }
    compare_servers(c, &lists[L_WHOLE], lists);

    double *rate[LISTS][SERVERS];
    for (int k = 0; k < LISTS; k++)
        for (int s = 0; s < SERVERS; s++)
            if ((rate[k][s] = calloc((size_t)p->rounds, sizeof(double))) == NULL)
                die("rates", "out of memory");
    for (int r = 0; r < p->rounds; r++)
        for (int k = 0; k < LISTS; k++) {
            if (lists[k].n == 0)
                continue;
            /* All servers read the same slice of the list this round, in rotating order. */
            int first = (int)(((long long)r * p->requests) % lists[k].n);
            for (int step = 0; step < SERVERS; step++) {
                int s = (step + r + k) % SERVERS;
                if (c[s] != NULL)
                    rate[k][s][r] = read_batch(c[s], &lists[k], first, p->requests,
                                               &connects[s]);
            }
        }

    sp_tile_cache_stats st;
    sp_log_tile_cache_stats(b->log, &st);
    printf("   tree of %llu entries exported in %.1f s; %d rounds x %d GETs per list and "
           "server (each round all servers read the same slice of the list, in rotating "
           "order); one client thread, one kept-alive connection per server\n",
           (unsigned long long)size, export_s, p->rounds, p->requests);
    printf("   servers: log = sp_log_handle with its tile cache (cap %d MiB) behind "
           "sp_http_server; uncached = the same database behind a second log server without "
           "the cache; nginx = the export\n", p->tile_cache_mib);
    if (ngx > 0)
        printf("   nginx: %s on 127.0.0.1:%u (daemon off, master_process off, sendfile on, "
               "access_log off)\n", p->nginx, (unsigned)port);
    else
        printf("   SKIP nginx ratio: %s\n", why);
    printf("   %-28s %5s %7s | %-26s | %-20s | %-20s | %-20s\n", "", "", "",
           "median requests/s", "log / nginx", "uncached / nginx", "log / uncached");
    printf("   %-28s %5s %7s | %8s %8s %8s | %6s %13s | %6s %13s | %6s %13s\n",
           "request list", "paths", "avg KiB", "log", "uncached", "nginx", "median", "min-max",
           "median", "min-max", "median", "min-max");
    for (int k = 0; k < LISTS; k++) {
        if (lists[k].n > 0) {
            double med[SERVERS], q[3][3];
            for (int s = 0; s < SERVERS; s++) {
                double *v = malloc((size_t)p->rounds * sizeof *v);
                if (v == NULL)
                    die("rates", "out of memory");
                memcpy(v, rate[k][s], (size_t)p->rounds * sizeof *v);
                med[s] = summarise(v, p->rounds).median;
                free(v);
            }
            ratio_stats(rate[k][S_CACHED], rate[k][S_PLAIN], p->rounds, q[2]);
            printf("   %-28s %5d %7.1f | %8.0f %8.0f ", names[k], lists[k].n,
                   lists[k].bytes / lists[k].n / 1024, med[S_CACHED], med[S_PLAIN]);
            if (ngx > 0) {
                ratio_stats(rate[k][S_CACHED], rate[k][S_NGINX], p->rounds, q[0]);
                ratio_stats(rate[k][S_PLAIN], rate[k][S_NGINX], p->rounds, q[1]);
                printf("%8.0f | %6.3f %6.3f-%-6.3f | %6.3f %6.3f-%-6.3f ", med[S_NGINX], q[0][0],
                       q[0][1], q[0][2], q[1][0], q[1][1], q[1][2]);
            } else {
                printf("%8s | %20s | %20s ", "-", "-", "-");
            }
            printf("| %6.3f %6.3f-%-6.3f\n", q[2][0], q[2][1], q[2][2]);
        }
        for (int s = 0; s < SERVERS; s++)
            free(rate[k][s]);
        free(lists[k].path);
    }
    printf("   connections opened while timing: log %ld, uncached %ld, nginx %ld\n",
           connects[S_CACHED], connects[S_PLAIN], connects[S_NGINX]);
    printf("   tile cache: %.1f MiB in %llu tiles (cap %.1f MiB), %llu hits, %llu misses, "
           "%llu evictions; process RSS %.0f MiB after the build, %.0f MiB now (peak %.0f MiB)\n",
           (double)st.bytes / 1048576, (unsigned long long)st.tiles, (double)st.cap / 1048576,
           (unsigned long long)st.hits, (unsigned long long)st.misses,
           (unsigned long long)st.evictions, rss_built, rss_mib("VmRSS:"), rss_mib("VmHWM:"));
    for (int s = 0; s < SERVERS; s++)
        if (c[s] != NULL)
            client_close(c[s]);
    nginx_stop(ngx);
    sp_http_server_stop(plain_http);
    sp_log_server_close(plain);
}

/* ---- main ------------------------------------------------------------------------------- */

static void parse_args(int argc, char **argv, params *p)
{
    *p = (params){1000, 10, 4, 100, 30, 50, 10000, 64, 4, "/usr/sbin/nginx"};
    for (int i = 1; i < argc; i++) {
        int *num = strcmp(argv[i], "--appends") == 0    ? &p->appends
                   : strcmp(argv[i], "--batch") == 0    ? &p->batch
                   : strcmp(argv[i], "--clients") == 0  ? &p->clients
                   : strcmp(argv[i], "--cosign") == 0   ? &p->cosign
                   : strcmp(argv[i], "--rounds") == 0   ? &p->rounds
                   : strcmp(argv[i], "--requests") == 0 ? &p->requests
                   : strcmp(argv[i], "--tile-entries") == 0  ? &p->tile_entries
                   : strcmp(argv[i], "--tile-cache") == 0    ? &p->tile_cache_mib
                   : strcmp(argv[i], "--build-threads") == 0 ? &p->build_threads
                                                             : NULL;
        if (i + 1 < argc && num != NULL)
            *num = atoi(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--nginx") == 0)
            p->nginx = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--appends N] [--batch N] [--clients N] [--cosign N] "
                            "[--rounds N] [--requests N] [--tile-entries N] [--tile-cache MIB] "
                            "[--build-threads N] [--nginx PATH]\n", argv[0]);
            exit(2);
        }
    }
    if (p->appends < 1 || p->batch < 1 || p->clients < 1 || p->clients > MAX_CLIENTS ||
        p->cosign < 1 || p->rounds < 1 || p->requests < 1 || p->tile_entries < 1 ||
        p->tile_cache_mib < 1 || p->build_threads < 1 || p->build_threads > MAX_CLIENTS) {
        fprintf(stderr, "bench/log: every count must be at least 1 (clients and build threads "
                        "at most %d)\n", MAX_CLIENTS);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    static bench_world b;
    params p;
    char fs[1024];
    parse_args(argc, argv, &p);
    signal(SIGPIPE, SIG_IGN);
    if (sp_sodium_init() != SP_OK || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    double t0 = now_ms();
    scratch_make("benchlog");
    describe_fs(scratch_dir, fs, sizeof fs);
    printf("log publication benchmarks (issue 3 section 7): --appends %d --batch %d --clients %d "
           "--cosign %d --rounds %d --requests %d --tile-entries %d --tile-cache %d "
           "--build-threads %d --nginx %s\n",
           p.appends, p.batch, p.clients, p.cosign, p.rounds, p.requests, p.tile_entries,
           p.tile_cache_mib, p.build_threads, p.nginx);
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) < 0)
        load[0] = -1;
    printf("temp dir %s: %s\n%ld CPUs online, load average %.2f at the start; SQLite %s, "
           "libmicrohttpd %s, libcurl %s\n",
           scratch_dir, fs, sysconf(_SC_NPROCESSORS_ONLN), load[0], sqlite3_libversion(),
           MHD_get_version(), curl_version_info(CURLVERSION_NOW)->version);
    world_start(&b, (2 + p.clients) * p.appends + p.cosign, p.tile_cache_mib);
    double t1 = now_ms();
    bench_appends(&b, &p);
    double t2 = now_ms();
    bench_cosign(&b, &p);
    double t3 = now_ms();
    bench_tiles(&b, &p);
    double t4 = now_ms();
    world_stop(&b);
    scratch_remove();
    curl_global_cleanup();
    if (getloadavg(load, 3) < 0)
        load[0] = -1;
    printf("\n(load average %.2f at the end; wall time: setup %.1f s, part 1 %.1f s, "
           "part 2 %.1f s, part 3 %.1f s, total %.1f s)\n",
           load[0], (t1 - t0) / 1e3, (t2 - t1) / 1e3, (t3 - t2) / 1e3, (t4 - t3) / 1e3,
           (now_ms() - t0) / 1e3);
    return 0;
}
