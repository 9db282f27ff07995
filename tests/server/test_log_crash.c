/*
 * test_log_crash.c -- kill -9 the log server at random moments while clients append and
 * read over HTTP, then check from the database that nothing acknowledged was lost and
 * that every checkpoint ever served or stored is consistent with every other.
 *
 *   test_log_crash [KILLS]      default 10 (the suite); tests/soak/log_crash.sh runs more
 *   SP_SEED=N                   repeat a run (the seed is printed)
 *
 * Processes (the parent stays single-threaded, so every fork is safe):
 *   witnesses  one process running the three test witnesses (support/fake_witness.h); it
 *              outlives every log, so restarted logs meet witnesses that remember sizes
 *   log        per round: sp_log_serve on a free port over the same database, SIGKILLed
 *              after a random 20..250 ms -- mid-append, mid-round, mid-anything
 *   appenders  APPENDERS processes POSTing fresh statements to /add; a 200 "<index>\n" is
 *              an acknowledgement, reported to the parent
 *   readers    READERS processes reading /checkpoint (verified with the witness quorum)
 *              and, through the tiles, an inclusion proof of a random entry under it;
 *              every checkpoint they see is reported to the parent
 *
 * After each kill the parent opens the database and checks: every acknowledged index
 * holds exactly the statement acknowledged; every checkpoint served (seen by a reader)
 * and every checkpoint in the stored history has the root the tree has at that size, its
 * log signature and witness quorum verify, and a consistency proof from each to the next
 * larger one verifies (sp_merkle_verify_consistency).
 *
 * Export beside serve (test_export_beside_serve; `test_log_crash export ROUNDS`): per round
 * the log serves and appenders append; two `log export` processes (sp_log_store_open +
 * sp_log_export, as the command does) run at once, against the live database, while the
 * appends go on; more appends; kill -9; the checks above; then the log restarts and must
 * publish a witness-cosigned checkpoint of its whole tree again (the witnesses remember
 * every size they cosigned, so a log that lost acknowledged entries is refused for good),
 * and every exported directory must verify: each entry's inclusion proof, read from the
 * exported tiles, leads to the exported checkpoint's root.  (The bug this catches: an
 * open()/close() of the database file beside a live SQLite connection drops the process's
 * POSIX locks, so the exporter's last close deleted the WAL the server still wrote to.)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "support/fake_witness.h"
#include "support/policy_fixture.h"
#include "support/scratch.h"
#include "softpause/checkpoint.h"
#include "softpause/encoding.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/tile_reader.h"
#include "softpause/merkle.h"
#include "softpause/server/log.h"

#define APPENDERS 2
#define READERS 2
#define EPOCHS_PER_ROUND 100000u

enum { REC_ACK = 1, REC_SEEN = 2, REC_BAD = 3 };

/* One report from a client, written atomically (< PIPE_BUF). */
typedef struct rec {
    uint32_t kind;
    uint32_t pad;
    uint64_t a;            /* ACK: index; SEEN: size */
    uint64_t b;            /* ACK: epoch */
    uint8_t root[32];      /* SEEN */
} rec;

static pf_world world;
static sp_signer_key log_key;
static char db[1024];

static void die(const char *what)
{
    fprintf(stderr, "test_log_crash: %s\n", what);
    exit(1);
}

static void put_rec(int fd, const rec *r)
{
    if (write(fd, r, sizeof *r) != (ssize_t)sizeof *r)
        _exit(0); /* the parent is gone */
}

/* A child with a pipe to the parent: in the child p[1] is open, in the parent p[0]. */
static pid_t fork_with_pipe(int p[2])
{
    if (pipe(p) != 0)
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    close(pid == 0 ? p[0] : p[1]);
    return pid;
}

/* ---- the witnesses' process ----------------------------------------------------------- */

static volatile sig_atomic_t witnesses_stop;
static void on_sigterm(int sig)
{
    (void)sig;
    witnesses_stop = 1;
}

/* The witnesses' process; stop_witnesses ends it (SIGTERM: it stops the witnesses, which
 * remove their databases). */
static pid_t start_witnesses(uint16_t ports[PUB_NWITNESSES])
{
    int p[2];
    pid_t pid = fork_with_pipe(p);
    if (pid == 0) {
        static fake_witness w[PUB_NWITNESSES];
        sigset_t term, old;
        sigemptyset(&term);
        sigaddset(&term, SIGTERM);
        sigprocmask(SIG_BLOCK, &term, &old); /* delivered only inside sigsuspend */
        signal(SIGTERM, on_sigterm);
        for (int i = 0; i < PUB_NWITNESSES; i++) {
            fw_start(&w[i], &world.pub, &world.policy.witness, i);
            if (write(p[1], &w[i].port, sizeof w[i].port) != (ssize_t)sizeof w[i].port)
                _exit(1);
        }
        while (!witnesses_stop)
            sigsuspend(&old);
        for (int i = 0; i < PUB_NWITNESSES; i++)
            fw_stop(&w[i]);
        _exit(0);
    }
    for (int i = 0; i < PUB_NWITNESSES; i++)
        if (read(p[0], &ports[i], sizeof ports[i]) != (ssize_t)sizeof ports[i])
            die("witness process did not start");
    close(p[0]);
    return pid;
}

/* The standard policy, with the witnesses' URLs. */
static void world_make(const uint16_t ports[PUB_NWITNESSES])
{
    pf_world_set_witness_ports(&world, ports);
    if (sp_signer_key_parse(&log_key, world.pub.log.skey, strlen(world.pub.log.skey)) != SP_OK)
        die("test world does not load");
}

/* ---- the log's process -------------------------------------------------------------------- */

static int port_fd;

static void report_port(void *ctx, uint16_t port)
{
    (void)ctx;
    if (write(port_fd, &port, sizeof port) != (ssize_t)sizeof port)
        _exit(1);
}

static pid_t start_log(uint16_t *port)
{
    int p[2];
    pid_t pid = fork_with_pipe(p);
    if (pid == 0) {
        static volatile sig_atomic_t never;
        sp_log_config cfg = {&world.policy, &log_key, db, 1, 2000, NULL, NULL, 0, 0};
        sp_log_server *s = NULL;
        port_fd = p[1];
        if (sp_log_server_open(&s, &cfg) != SP_OK)
            _exit(2);
        _exit(sp_log_serve(s, NULL, 0, &never, report_port, NULL) == SP_OK ? 0 : 3);
    }
    struct pollfd pf = {p[0], POLLIN, 0};
    if (poll(&pf, 1, 10000) != 1 || read(p[0], port, sizeof *port) != (ssize_t)sizeof *port)
        die("log process did not start");
    close(p[0]);
    return pid;
}

/* ---- clients ------------------------------------------------------------------------------ */

static void appender(const char *base, int fd, uint64_t first_epoch)
{
    char url[128], note[8192];
    snprintf(url, sizeof url, "%s/add", base);
    for (uint64_t epoch = first_epoch;;) {
        size_t len = pf_statement_note(note, sizeof note, &world, epoch, "run",
                                       PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
        int status = 0;
        uint8_t *body = NULL;
        size_t blen = 0;
        uint64_t index;
        if (sp_http_request("POST", url, (const uint8_t *)note, len, 5000, 256, &status, &body,
                            &blen, NULL, 0) != SP_OK) {
            usleep(2000); /* not up yet, or gone: the same statement again */
            continue;
        }
        if (status == 200 && blen >= 2 && body[blen - 1] == '\n' &&
            sp_decimal_parse(&index, (const char *)body, blen - 1, UINT64_MAX) == SP_OK) {
            rec r = {REC_ACK, 0, index, epoch, {0}};
            put_rec(fd, &r);
            epoch++;
        } else {
            rec r = {REC_BAD, 0, (uint64_t)status, epoch, {0}};
            put_rec(fd, &r);
            _exit(1);
        }
        free(body);
    }
}

static void reader(const char *base, int fd, unsigned seed)
{
    static sp_checkpoint_work work;
    char url[128];
    snprintf(url, sizeof url, "%s/checkpoint", base);
    for (;;) {
        int status = 0;
        uint8_t *body = NULL;
        size_t len = 0;
        sp_checkpoint cp;
        sp_checkpoint_result result;
        if (sp_http_request("GET", url, NULL, 0, 5000, 1 << 16, &status, &body, &len, NULL,
                            0) != SP_OK ||
            status == 404) {
            free(body);
            usleep(2000);
            continue;
        }
        sp_err e = status == 200 ? sp_checkpoint_verify_witnessed(&world.policy.witness, body,
                                                                   len, sp_sodium_crypto(),
                                                                   &work, &cp, &result)
                                 : SP_ERR_HTTP;
        free(body);
        rec r = {e == SP_OK ? REC_SEEN : REC_BAD, 0, cp.size, (uint64_t)e, {0}};
        memcpy(r.root, cp.root, 32);
        if (e == SP_OK && cp.size > 0) {
            /* An inclusion proof from the tiles under this checkpoint. */
            uint64_t index = (uint64_t)rand_r(&seed) % cp.size;
            uint8_t proof[SP_MAX_PROOF_HASHES][32], leaf[32], *entry = NULL;
            size_t n = 0, elen = 0;
            e = sp_tile_inclusion_proof(base, index, cp.size, sp_sodium_crypto(), proof, &n);
            if (e == SP_OK)
                e = sp_tile_read_entry(base, index, cp.size, &entry, &elen);
            if (e == SP_OK)
                e = sp_merkle_leaf_hash(leaf, entry, elen, sp_sodium_crypto());
            if (e == SP_OK)
                e = sp_merkle_verify_inclusion(sp_sodium_crypto(), index, cp.size, leaf,
                                               (const uint8_t(*)[32])proof, n, cp.root, 32);
            free(entry);
            /* The log may die mid-read; only a wrong answer is a failure. */
            if (e != SP_OK && e != SP_ERR_HTTP) {
                r.kind = REC_BAD;
                r.b = (uint64_t)e;
            }
        }
        put_rec(fd, &r);
        if (r.kind == REC_BAD)
            _exit(1);
        usleep(1000);
    }
}

static pid_t start_client(int is_reader, const char *base, int fd, uint64_t arg)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        if (is_reader)
            reader(base, fd, (unsigned)arg);
        else
            appender(base, fd, arg);
        _exit(0);
    }
    return pid;
}

/* ---- the parent's records and checks ------------------------------------------------------- */

typedef struct seen {
    uint64_t size;
    uint8_t root[32];
} seen;

static rec *acks;
static size_t nacks, cap_acks;
static seen *served;
static size_t nserved, cap_served;
static unsigned bad_reports;

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 1024;
    p = realloc(p, *cap * size);
    if (p == NULL)
        die("out of memory");
    return p;
}

static void take(const rec *r)
{
    if (r->kind == REC_ACK) {
        acks = grow(acks, &cap_acks, nacks, sizeof *acks);
        acks[nacks++] = *r;
    } else if (r->kind == REC_SEEN) {
        for (size_t i = 0; i < nserved; i++)
            if (served[i].size == r->a) {
                if (memcmp(served[i].root, r->root, 32) != 0) {
                    printf("  two roots served for size %llu\n", (unsigned long long)r->a);
                    bad_reports++;
                }
                return;
            }
        served = grow(served, &cap_served, nserved, sizeof *served);
        served[nserved].size = r->a;
        memcpy(served[nserved].root, r->root, 32);
        nserved++;
    } else {
        printf("  a client saw a wrong answer: %llu %s\n", (unsigned long long)r->a,
               sp_err_name((sp_err)r->b));
        bad_reports++;
    }
}

/* Read every record available on fd, waiting up to ms for the first. */
static void drain(int fd, int ms)
{
    struct pollfd pf = {fd, POLLIN, 0};
    rec r;
    while (poll(&pf, 1, ms) == 1 && read(fd, &r, sizeof r) == (ssize_t)sizeof r) {
        take(&r);
        ms = 0;
    }
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int cmp_seen(const void *a, const void *b)
{
    const seen *x = a, *y = b;
    return x->size < y->size ? -1 : x->size > y->size;
}

static sp_err collect_history(void *ctx, uint64_t size, const uint8_t *note, size_t len)
{
    static sp_checkpoint_work work;
    sp_checkpoint cp;
    sp_checkpoint_result result;
    (void)ctx;
    sp_err e = sp_checkpoint_verify_witnessed(&world.policy.witness, note, len,
                                              sp_sodium_crypto(), &work, &cp, &result);
    CHECK_OK(e);
    CHECK(e != SP_OK || cp.size == size);
    rec r = {REC_SEEN, 0, size, 0, {0}};
    memcpy(r.root, cp.root, 32);
    take(&r);
    return SP_OK;
}

static void check_database(void)
{
    sp_log_store *s = NULL;
    uint64_t size = 0;
    CHECK_OK(sp_log_store_open(&s, db));
    if (s == NULL)
        return;
    CHECK_OK(sp_log_store_size(s, &size));
    /* Every acknowledged entry is there, holding the acknowledged statement. */
    for (size_t i = 0; i < nacks; i++) {
        char text[1024];
        uint8_t *leaf = NULL;
        size_t len = 0, tl = pf_statement_text(text, sizeof text, &world.policy, acks[i].b, "run");
        CHECK_OK(sp_log_store_entry(s, acks[i].a, &leaf, &len));
        if (leaf == NULL || len <= tl || memcmp(leaf, text, tl) != 0 || leaf[tl] != '\n') {
            printf("  acknowledged entry %llu (epoch %llu) lost\n",
                   (unsigned long long)acks[i].a, (unsigned long long)acks[i].b);
            CHECK(0);
        }
        free(leaf);
    }
    /* Stored checkpoints join the served ones; all must lie on this tree. */
    CHECK_OK(sp_log_store_checkpoints(s, collect_history, NULL));
    qsort(served, nserved, sizeof *served, cmp_seen);
    for (size_t i = 0; i < nserved; i++) {
        uint8_t root[32], proof[SP_MAX_PROOF_HASHES][32];
        size_t n = 0;
        CHECK(served[i].size <= size);
        CHECK_OK(sp_log_store_root(s, served[i].size, root));
        CHECK(memcmp(root, served[i].root, 32) == 0);
        if (i + 1 < nserved && served[i].size > 0) {
            CHECK_OK(sp_log_store_consistency(s, served[i].size, served[i + 1].size, proof, &n));
            CHECK_OK(sp_merkle_verify_consistency(sp_sodium_crypto(), served[i].size,
                                                  served[i + 1].size, served[i].root, 32,
                                                  served[i + 1].root, 32,
                                                  (const uint8_t(*)[32])proof, n));
        }
    }
    CHECK(bad_reports == 0);
    sp_log_store_close(s);
}

/* One round: start the log and the clients, kill the log after `ms`, stop the clients. */
static void round_once(unsigned k, unsigned ms, unsigned seed)
{
    int p[2];
    uint16_t port = 0;
    pid_t clients[APPENDERS + READERS];
    char base[64];
    if (pipe(p) != 0)
        die("pipe");
    pid_t log = start_log(&port);
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)port);
    for (int i = 0; i < APPENDERS; i++)
        clients[i] = start_client(0, base, p[1],
                                  1 + (uint64_t)k * EPOCHS_PER_ROUND +
                                      (uint64_t)i * (EPOCHS_PER_ROUND / APPENDERS));
    for (int i = 0; i < READERS; i++)
        clients[APPENDERS + i] = start_client(1, base, p[1], seed + (unsigned)i);
    close(p[1]);
    uint64_t until = now_ms() + ms;
    while (now_ms() < until)
        drain(p[0], (int)(until - now_ms()));
    kill(log, SIGKILL);
    waitpid(log, NULL, 0);
    for (int i = 0; i < APPENDERS + READERS; i++) {
        kill(clients[i], SIGKILL);
        waitpid(clients[i], NULL, 0);
    }
    drain(p[0], 0);
    close(p[0]);
}

/* ---- log export beside a serving log ------------------------------------------------------ */

/* A `log export` process: open the live database and export it to dir. */
static pid_t start_export(const char *dir)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        sp_log_store *s = NULL;
        sp_err e = sp_log_store_open(&s, db);
        if (e == SP_OK)
            e = sp_log_export(s, dir, NULL);
        sp_log_store_close(s);
        _exit(e == SP_OK ? 0 : e == SP_ERR_NOT_FOUND ? 4 : 5);
    }
    return pid;
}

/* Wait for a witness-cosigned checkpoint of at least `size` at base (up to ms). */
static int wait_cosigned(const char *base, uint64_t size, int ms)
{
    static sp_checkpoint_work work;
    char url[128];
    snprintf(url, sizeof url, "%s/checkpoint", base);
    for (uint64_t until = now_ms() + (uint64_t)ms; now_ms() < until; usleep(20000)) {
        int status = 0;
        uint8_t *body = NULL;
        size_t len = 0;
        sp_checkpoint cp;
        sp_checkpoint_result result;
        if (sp_http_request("GET", url, NULL, 0, 5000, 1 << 16, &status, &body, &len, NULL, 0) ==
                SP_OK &&
            status == 200 &&
            sp_checkpoint_verify_witnessed(&world.policy.witness, body, len, sp_sodium_crypto(),
                                           &work, &cp, &result) == SP_OK &&
            cp.size >= size) {
            free(body);
            return 1;
        }
        free(body);
    }
    return 0;
}

/* Every entry of the exported tree verifies, through the exported tiles, against the
 * exported checkpoint's root.  Returns the exported size. */
static uint64_t check_export(const char *dir)
{
    static sp_checkpoint_work work;
    uint8_t *note = NULL;
    size_t len = 0;
    sp_checkpoint cp;
    sp_checkpoint_result result;
    CHECK_OK(sp_tile_fetch(dir, "checkpoint", &note, &len));
    if (note == NULL)
        return 0;
    CHECK_OK(sp_checkpoint_verify_witnessed(&world.policy.witness, note, len,
                                            sp_sodium_crypto(), &work, &cp, &result));
    free(note);
    for (uint64_t i = 0; i < cp.size; i++) {
        uint8_t proof[SP_MAX_PROOF_HASHES][32], leaf[32], *entry = NULL;
        size_t n = 0, elen = 0;
        sp_err e = sp_tile_inclusion_proof(dir, i, cp.size, sp_sodium_crypto(), proof, &n);
        if (e == SP_OK)
            e = sp_tile_read_entry(dir, i, cp.size, &entry, &elen);
        if (e == SP_OK)
            e = sp_merkle_leaf_hash(leaf, entry, elen, sp_sodium_crypto());
        if (e == SP_OK)
            e = sp_merkle_verify_inclusion(sp_sodium_crypto(), i, cp.size, leaf,
                                           (const uint8_t(*)[32])proof, n, cp.root, 32);
        free(entry);
        if (e != SP_OK) {
            printf("  export %s: entry %llu of %llu: %s\n", dir, (unsigned long long)i,
                   (unsigned long long)cp.size, sp_err_name(e));
            CHECK_OK(e);
            break;
        }
    }
    return cp.size;
}

/* Drain the clients' reports for ms. */
static void drain_for(int fd, unsigned ms)
{
    uint64_t until = now_ms() + ms;
    while (now_ms() < until)
        drain(fd, (int)(until - now_ms()));
}

static unsigned export_rounds = 2;

static void test_export_beside_serve(void)
{
    uint16_t ports[PUB_NWITNESSES], port = 0;
    unsigned exported = 0;
    char base[64], dir[2][1024];
    pf_world_make(&world);
    pid_t witnesses = start_witnesses(ports);
    world_make(ports);
    scratch_make("logexport");
    scratch_path(db, sizeof db, "log.db");
    scratch_path(dir[0], sizeof dir[0], "mirror-a");
    scratch_path(dir[1], sizeof dir[1], "mirror-b");
    for (unsigned k = 0; k < export_rounds && !harness_current_failed; k++) {
        int p[2];
        pid_t clients[APPENDERS], log = start_log(&port);
        if (pipe(p) != 0)
            die("pipe");
        snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)port);
        for (int i = 0; i < APPENDERS; i++)
            clients[i] = start_client(0, base, p[1],
                                      1 + (uint64_t)k * EPOCHS_PER_ROUND +
                                          (uint64_t)i * (EPOCHS_PER_ROUND / APPENDERS));
        close(p[1]);
        /* Append until the log has a cosigned checkpoint, then export twice at once while
         * the appends go on (twice in a row: the second export adds to the first). */
        drain_for(p[0], 200);
        CHECK(wait_cosigned(base, 1, 10000));
        for (int round = 0; round < 2; round++) {
            pid_t ex[2] = {start_export(dir[0]), start_export(dir[1])};
            for (int i = 0; i < 2; i++) {
                int st = 0;
                while (waitpid(ex[i], &st, WNOHANG) == 0)
                    drain(p[0], 10);
                CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
                exported += WIFEXITED(st) && WEXITSTATUS(st) == 0;
            }
        }
        drain_for(p[0], 300); /* acknowledged after the exports */
        kill(log, SIGKILL);
        waitpid(log, NULL, 0);
        for (int i = 0; i < APPENDERS; i++) {
            kill(clients[i], SIGKILL);
            waitpid(clients[i], NULL, 0);
        }
        drain(p[0], 0);
        close(p[0]);
        check_database();

        /* Restarted, the log is cosigned again for its whole tree. */
        uint64_t size = 0;
        sp_log_store *s = NULL;
        CHECK_OK(sp_log_store_open(&s, db));
        if (s != NULL)
            CHECK_OK(sp_log_store_size(s, &size));
        sp_log_store_close(s);
        log = start_log(&port);
        snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)port);
        if (!wait_cosigned(base, size, 15000)) {
            printf("  round %u: the restarted log of %llu entries is not cosigned again\n", k,
                   (unsigned long long)size);
            CHECK(0);
        }
        kill(log, SIGKILL);
        waitpid(log, NULL, 0);
        for (int i = 0; i < 2; i++)
            CHECK(check_export(dir[i]) > 0);
    }
    printf("test_log_crash: export beside serve: %u rounds, %u exports, %zu acknowledged"
           " entries\n", export_rounds, exported, nacks);
    CHECK(nacks > 0);
    kill(witnesses, SIGTERM);
    waitpid(witnesses, NULL, 0);
    scratch_remove();
    free(acks);
    free(served);
    acks = NULL;
    served = NULL;
    nacks = cap_acks = nserved = cap_served = 0;
}

static unsigned kills = 10;

static void test_kill_the_log(void)
{
    const char *seed_text = getenv("SP_SEED");
    unsigned seed = seed_text ? (unsigned)strtoul(seed_text, NULL, 10) : (unsigned)time(NULL);
    printf("test_log_crash: %u kills, SP_SEED=%u\n", kills, seed);
    uint16_t ports[PUB_NWITNESSES];
    pf_world_make(&world);
    pid_t witnesses = start_witnesses(ports);
    world_make(ports);
    scratch_make("logcrash");
    scratch_path(db, sizeof db, "log.db");
    for (unsigned k = 0; k < kills; k++) {
        unsigned ms = 20 + (unsigned)rand_r(&seed) % 231;
        round_once(k, ms, seed);
        check_database();
    }
    uint64_t size = 0;
    sp_log_store *s = NULL;
    if (sp_log_store_open(&s, db) == SP_OK) {
        if (sp_log_store_size(s, &size) != SP_OK)
            size = 0;
        sp_log_store_close(s);
    }
    printf("test_log_crash: %zu acknowledged entries (tree of %llu), %zu checkpoints checked\n",
           nacks, (unsigned long long)size, nserved);
    CHECK(nacks > 0 && nserved > 0);
    kill(witnesses, SIGTERM);
    waitpid(witnesses, NULL, 0);
    scratch_remove();
    free(acks);
    free(served);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (sp_sodium_init() != SP_OK)
        return 1;
    if (argc > 2 && strcmp(argv[1], "export") == 0) {
        export_rounds = (unsigned)strtoul(argv[2], NULL, 10);
        RUN_TEST(test_export_beside_serve);
        return harness_finish("test_log_crash export");
    }
    if (argc > 1)
        kills = (unsigned)strtoul(argv[1], NULL, 10);
    RUN_TEST(test_export_beside_serve);
    RUN_TEST(test_kill_the_log);
    return harness_finish("test_log_crash");
}
