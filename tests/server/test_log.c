/*
 * test_log.c -- the log server (softpause/server/log.h): the acceptance rule, the HTTP
 * handler (called directly, no sockets), publication rounds against three witnesses, the
 * run loop over real HTTP, and `log export`.
 *
 * The witnesses are the project's real witness handler (server/witness.h) in process,
 * behind tests/support/fake_witness.h, which can make one fail, sign badly, answer with
 * another witness's line, run its clock fast, answer as tlog-witness v1.0.0, or hold a
 * forked tree.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "support/fake_witness.h"
#include "support/log_call.h"
#include "support/gzip.h"
#include "support/policy_fixture.h"
#include "support/scratch.h"
#include "softpause/checkpoint.h"
#include "softpause/host/bundle_make.h"
#include "softpause/host/fileio.h"
#include "softpause/host/http.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/tile_reader.h"
#include "softpause/host/tlog_tiles.h"
#include "softpause/merkle.h"
#include "softpause/server/log.h"
#include "softpause/tlog_proof.h"

static pf_world world;
static fake_witness witnesses[PUB_NWITNESSES];
static sp_signer_key log_key;

/* Cosignatures witness i has given (its handler threads update the count). */
static unsigned cosignatures(int i)
{
    pthread_mutex_lock(&witnesses[i].lock);
    unsigned n = witnesses[i].cosigned;
    pthread_mutex_unlock(&witnesses[i].lock);
    return n;
}

static void witnesses_reset(void)
{
    for (int i = 0; i < PUB_NWITNESSES; i++)
        fw_reset(&witnesses[i]);
}

/* The standard policy with the test witnesses' URLs on their lines (a new policy hash). */
static void world_make(void)
{
    pf_world_make(&world);
    uint16_t ports[PUB_NWITNESSES];
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        fw_start(&witnesses[i], &world.pub, &world.policy.witness, i);
        ports[i] = witnesses[i].port;
    }
    pf_world_set_witness_ports(&world, ports);
    if (sp_signer_key_parse(&log_key, world.pub.log.skey, strlen(world.pub.log.skey)) != SP_OK) {
        fprintf(stderr, "test world does not load\n");
        exit(1);
    }
}

static sp_log_server *open_log(uint64_t interval)
{
    char db[1024];
    scratch_path(db, sizeof db, "log.db");
    sp_log_config cfg = {&world.policy, &log_key, db, interval, 3000, NULL, NULL, 0, 0};
    sp_log_server *s = NULL;
    CHECK_OK(sp_log_server_open(&s, &cfg));
    return s;
}

/* A statement for epoch e signed by civ-alpha, mil-alpha, mil-beta (a quorum). */
#define QUORUM (PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B))
static size_t statement(char *out, size_t cap, uint64_t epoch, uint32_t mask)
{
    return pf_statement_note(out, cap, &world, epoch, "run", mask);
}

static uint64_t log_size(sp_log_server *s)
{
    uint64_t size = 0;
    CHECK_OK(sp_log_store_size(sp_log_server_store(s), &size));
    return size;
}

/* ---- acceptance ---------------------------------------------------------------------- */

static void test_add_accepts_and_deduplicates(void)
{
    scratch_make("log");
    sp_log_server *s = open_log(0);
    char note[8192];
    uint64_t index = 9;
    int existed = 9;
    size_t len = statement(note, sizeof note, 1, QUORUM);
    CHECK_OK(sp_log_add(s, (const uint8_t *)note, len, &index, &existed, NULL));
    CHECK(index == 0 && existed == 0);
    len = statement(note, sizeof note, 2, QUORUM);
    CHECK_OK(sp_log_add(s, (const uint8_t *)note, len, &index, &existed, NULL));
    CHECK(index == 1 && existed == 0);
    /* Epoch 1 again, signed by other bodies: the same text, its existing index. */
    len = statement(note, sizeof note, 1, PF_BIT(PF_CIV_B) | PF_ALL_MILITARY);
    CHECK_OK(sp_log_add(s, (const uint8_t *)note, len, &index, &existed, NULL));
    CHECK(index == 0 && existed == 1);
    CHECK(log_size(s) == 2);
    sp_log_server_close(s);
    scratch_remove();
}

static void test_add_refusals_store_nothing(void)
{
    scratch_make("log");
    sp_log_server *s = open_log(0);
    char note[8192], extra[512];
    uint64_t index;
    int existed;
    uint32_t line = 0;
    size_t len;

    /* Too few signers. */
    len = statement(note, sizeof note, 1, PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    CHECK_ERR(sp_log_add(s, (const uint8_t *)note, len, &index, &existed, NULL),
              SP_ERR_QUORUM_NOT_MET);
    /* A quorum plus a line of a key the policy does not know. */
    fx_key junk;
    fx_key_make(&junk, "junk.example", 0x99);
    len = statement(note, sizeof note, 1, QUORUM);
    size_t text_len = (size_t)(strstr(note, "\n\n") - note) + 1;
    size_t n = fx_sign_line(&junk, note, text_len, extra, sizeof extra);
    memcpy(note + len, extra, n + 1);
    CHECK_ERR(sp_log_add(s, (const uint8_t *)note, len + n, &index, &existed, NULL),
              SP_ERR_LOG_SIGNATURE_LINE);
    /* A quorum plus a repeated line. */
    len = statement(note, sizeof note, 1, QUORUM);
    const char *last = note + len - 1;
    while (last > note && last[-1] != '\n')
        last--;
    n = (size_t)(note + len - last);
    memcpy(extra, last, n);
    memcpy(note + len, extra, n);
    CHECK_ERR(sp_log_add(s, (const uint8_t *)note, len + n, &index, &existed, NULL),
              SP_ERR_LOG_SIGNATURE_LINE);
    /* A quorum plus an invalid signature by a fourth policy key. */
    len = statement(note, sizeof note, 1, QUORUM | PF_BIT(PF_MIL_C));
    /* Flip a character well inside the base64 (the last ones carry padding bits, whose
     * flip would be a base64 error rather than a bad signature). */
    note[len - 12] = note[len - 12] == 'A' ? 'B' : 'A';
    CHECK_ERR(sp_log_add(s, (const uint8_t *)note, len, &index, &existed, NULL),
              SP_ERR_LOG_SIGNATURE_LINE);
    /* Malformed notes. */
    CHECK_ERR(sp_log_add(s, (const uint8_t *)"hello\n", 6, &index, &existed, &line),
              SP_ERR_NOTE_NO_SIGNATURES);
    len = statement(note, sizeof note, 1, QUORUM);
    note[3] = '\r';
    CHECK_ERR(sp_log_add(s, (const uint8_t *)note, len, &index, &existed, &line),
              SP_ERR_NOTE_CARRIAGE_RETURN);
    CHECK(line == 1);
    /* Another deployment's statement. */
    len = statement(note, sizeof note, 1, QUORUM);
    pf_replace(note, sizeof note, PF_DEPLOYMENT, "other.example/softpause");
    CHECK(sp_log_add(s, (const uint8_t *)note, strlen(note), &index, &existed, NULL) != SP_OK);
    /* Over the cap. */
    static uint8_t big[SP_LOG_MAX_ADD_BYTES + 1];
    CHECK_ERR(sp_log_add(s, big, sizeof big, &index, &existed, NULL), SP_ERR_LOG_FULL);
    CHECK(log_size(s) == 0 && index == 0 && existed == 0);
    sp_log_server_close(s);
    scratch_remove();
}

static void test_key_must_be_the_policy_log(void)
{
    scratch_make("log");
    char db[1024];
    scratch_path(db, sizeof db, "log.db");
    sp_signer_key other;
    CHECK_OK(sp_signer_key_parse(&other, world.keys[0].skey, strlen(world.keys[0].skey)));
    sp_log_config cfg = {&world.policy, &other, db, 0, 0, NULL, NULL, 0, 0};
    sp_log_server *s = (sp_log_server *)1;
    CHECK_ERR(sp_log_server_open(&s, &cfg), SP_ERR_CKPT_ORIGIN);
    CHECK(s == NULL);
    cfg.key = &log_key;
    cfg.db_path = "/nonexistent-dir/x/log.db";
    CHECK_ERR(sp_log_server_open(&s, &cfg), SP_ERR_IO);
    scratch_remove();
}

/* ---- the HTTP handler, without sockets -------------------------------------------------- */


/* 4xx with "SP_ERR_...: " and a reason. */
static int refused(log_answer *a, int status, const char *name)
{
    int ok = a->status == status && a->body != NULL &&
             strncmp((char *)a->body, name, strlen(name)) == 0 && a->len > strlen(name) + 4 &&
             a->body[a->len - 1] == '\n';
    if (!ok)
        printf("  got %d %s\n", a->status, a->body ? (char *)a->body : "(null)");
    free(a->body);
    return ok;
}

static void test_handler_paths(void)
{
    scratch_make("log");
    witnesses_reset();
    sp_log_server *s = open_log(0);
    char note[8192];
    log_answer a;
    size_t len = statement(note, sizeof note, 1, QUORUM);

    a = log_call(s, "GET", "/checkpoint", NULL, 0);
    CHECK(refused(&a, 404, "SP_ERR_NOT_FOUND"));
    a = log_call(s, "POST", "/add", note, len);
    CHECK(a.status == 200 && a.len == 2 && memcmp(a.body, "0\n", 2) == 0);
    free(a.body);
    a = log_call(s, "POST", "/add", note, len);
    CHECK(a.status == 200 && memcmp(a.body, "0\n", 2) == 0);
    free(a.body);
    a = log_call(s, "GET", "/add", NULL, 0);
    CHECK(refused(&a, 405, "SP_ERR_NOT_FOUND"));
    a = log_call(s, "POST", "/checkpoint", "x", 1);
    CHECK(refused(&a, 405, "SP_ERR_NOT_FOUND"));
    a = log_call(s, "POST", "/add", "junk\n", 5);
    CHECK(refused(&a, 400, "SP_ERR_NOTE_NO_SIGNATURES"));
    note[3] = '\r';
    a = log_call(s, "POST", "/add", note, len);
    CHECK(refused(&a, 400, "SP_ERR_NOTE_CARRIAGE_RETURN"));
    a = log_call(s, "POST", "/add", note, len);
    CHECK(strstr((char *)a.body, "(line 1)") != NULL);
    free(a.body);

    /* Tiles: level 0 of width 1 exists; nothing else does. */
    a = log_call(s, "GET", "/tile/0/000.p/1", NULL, 0);
    CHECK(a.status == 200 && a.len == 32 && strcmp(a.type, "application/octet-stream") == 0);
    CHECK(strstr(a.cache, "immutable") == NULL);
    free(a.body);
    a = log_call(s, "GET", "/tile/entries/000.p/1", NULL, 0);
    CHECK(a.status == 200 && a.len == 2 + len && a.body[0] == (uint8_t)(len >> 8));
    free(a.body);
    a = log_call(s, "GET", "/tile/0/000.p/2", NULL, 0);
    CHECK(refused(&a, 404, "SP_ERR_NOT_FOUND"));
    a = log_call(s, "GET", "/tile/0/000", NULL, 0);
    CHECK(refused(&a, 404, "SP_ERR_NOT_FOUND"));
    static const char *noncanonical[] = {"/tile/0/0", "/tile/0/x000/000.p/1",
                                         "/tile/00/000.p/1", "/tile/0/000.p/01",
                                         "/tile/entries/000.p/1/", "/tile//000",
                                         "/tile/64/000", "/tile/0/000.p/256"};
    for (size_t i = 0; i < sizeof noncanonical / sizeof noncanonical[0]; i++) {
        a = log_call(s, "GET", noncanonical[i], NULL, 0);
        CHECK(refused(&a, 404, "SP_ERR_NOT_FOUND"));
    }
    static const char *unknown[] = {"/", "/add/", "/checkpoint/", "/tiles/0/000", "/..",
                                    "/add-checkpoint", "//add"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        a = log_call(s, "GET", unknown[i], NULL, 0);
        CHECK(refused(&a, 404, "SP_ERR_NOT_FOUND"));
    }
    CHECK(log_size(s) == 1);
    sp_log_server_close(s);
    scratch_remove();
}

/* ---- publication -------------------------------------------------------------------------- */

/* The served checkpoint verifies under the policy with size `size`; returns cosigners. */
static uint32_t check_served(sp_log_server *s, uint64_t size)
{
    static sp_checkpoint_work work;
    sp_checkpoint cp;
    sp_checkpoint_result r;
    log_answer a = log_call(s, "GET", "/checkpoint", NULL, 0);
    CHECK(a.status == 200 && strncmp(a.type, "text/plain", 10) == 0);
    CHECK_OK(sp_checkpoint_verify_witnessed(&world.policy.witness, a.body, a.len,
                                            sp_sodium_crypto(), &work, &cp, &r));
    CHECK(cp.size == size);
    uint8_t root[32];
    CHECK_OK(sp_log_store_root(sp_log_server_store(s), size, root));
    CHECK(memcmp(root, cp.root, 32) == 0);
    CHECK(strncmp((char *)a.body, PUB_LOG_ORIGIN "\n", strlen(PUB_LOG_ORIGIN) + 1) == 0);
    free(a.body);
    return r.cosigned;
}

static void add_epochs(sp_log_server *s, uint64_t from, uint64_t to)
{
    for (uint64_t e = from; e < to; e++) {
        char note[8192];
        uint64_t index;
        int existed;
        size_t len = statement(note, sizeof note, e, QUORUM);
        CHECK_OK(sp_log_add(s, (const uint8_t *)note, len, &index, &existed, NULL));
    }
}

static void test_publish_rounds(void)
{
    scratch_make("log");
    witnesses_reset();
    sp_log_server *s = open_log(0);
    sp_log_round r;
    /* The empty tree is published too (old 0, size 0). */
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.published == 1 && r.size == 0 && r.cosigned == PUB_ALL_WITNESSES);
    CHECK(check_served(s, 0) == PUB_ALL_WITNESSES);
    add_epochs(s, 1, 4);
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.size == 3 && r.cosigned == PUB_ALL_WITNESSES && r.witness_count == 3);
    CHECK(r.ed25519_checks == 4); /* the log's signature once, each cosignature once */
    CHECK(r.witnesses[0].size == 3 && r.witnesses[0].http_status == 200);
    CHECK(check_served(s, 3) == PUB_ALL_WITNESSES);
    /* No growth: the same checkpoint cosigned again (fresh timestamps). */
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(cosignatures(0) == 3 && r.size == 3);

    /* One witness down: 2 of 3 still publish. */
    fw_set_mode(&witnesses[2], FW_DOWN);
    add_epochs(s, 4, 6);
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.cosigned == 0x3 && r.witnesses[2].http_status == 503 &&
          r.witnesses[2].err == SP_ERR_HTTP);
    CHECK(check_served(s, 5) == 0x3);
    /* It comes back knowing size 3: a consistency proof from 3 gets it to 7. */
    fw_set_mode(&witnesses[2], FW_OK);
    add_epochs(s, 6, 8);
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.cosigned == PUB_ALL_WITNESSES && r.witnesses[2].size == 7);

    /* Two bad witnesses: a bad signature, another witness's line.  No quorum: the served
     * checkpoint stays the last good one. */
    fw_set_mode(&witnesses[0], FW_BAD_SIGNATURE);
    fw_set_mode(&witnesses[1], FW_OTHER_WITNESS);
    add_epochs(s, 8, 9);
    CHECK_ERR(sp_log_publish(s, &r), SP_ERR_WITNESS_QUORUM);
    CHECK(r.published == 0 && r.cosigned == 0x4);
    CHECK(r.witnesses[0].err == SP_ERR_COSIG_INVALID);
    CHECK(r.witnesses[1].err == SP_ERR_COSIG_FORMAT);
    CHECK(check_served(s, 7) == PUB_ALL_WITNESSES);
    fw_set_mode(&witnesses[0], FW_OK);
    fw_set_mode(&witnesses[1], FW_OK);
    sp_log_server_close(s);

    /* A restarted log does not know the witnesses' sizes: old 0 -> 409 "8\n" -> retry. */
    s = open_log(0);
    CHECK(check_served(s, 7) == PUB_ALL_WITNESSES);
    add_epochs(s, 9, 10);
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.size == 9 && r.cosigned == PUB_ALL_WITNESSES);
    CHECK(r.witnesses[0].size == 9 && r.witnesses[1].size == 9);
    CHECK(check_served(s, 9) == PUB_ALL_WITNESSES);

    /* A witness that holds another tree of the same size: split view, answered 422
     * (tlog-witness today) or 409 (its v1.0.0 text); the log names both a split view. */
    fw_fork(&witnesses[1], 9);
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.cosigned == 0x5 && r.witnesses[1].err == SP_ERR_WITNESS_SPLIT_VIEW);
    CHECK(r.witnesses[1].http_status == 422);
    fw_fork(&witnesses[2], 9);
    fw_set_mode(&witnesses[2], FW_V1);
    CHECK_ERR(sp_log_publish(s, &r), SP_ERR_WITNESS_QUORUM);
    CHECK(r.cosigned == 0x1 && r.witnesses[2].err == SP_ERR_WITNESS_SPLIT_VIEW);
    CHECK(r.witnesses[2].http_status == 409);
    sp_log_server_close(s);
    scratch_remove();
}

/* A round checks each distinct signature once (the log's own, then one per cosignature:
 * 4 with 3 witnesses, not 10), and only successes are remembered: a bad cosignature beside
 * good ones is still checked, refused and left out of the published checkpoint, round
 * after round. */
static void test_publish_checks_once(void)
{
    scratch_make("log");
    witnesses_reset();
    sp_log_server *s = open_log(0);
    sp_log_round r;
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.published == 1 && r.ed25519_checks == 4);
    add_epochs(s, 1, 3);
    fw_set_mode(&witnesses[1], FW_BAD_SIGNATURE);
    for (int round = 0; round < 2; round++) {
        CHECK_OK(sp_log_publish(s, &r));
        CHECK(r.published == 1 && r.size == 2 && r.cosigned == 0x5);
        CHECK(r.witnesses[1].err == SP_ERR_COSIG_INVALID);
        CHECK(r.ed25519_checks == 4); /* the bad one checked too */
        CHECK(check_served(s, 2) == 0x5);
    }
    fw_set_mode(&witnesses[1], FW_OK);
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.cosigned == PUB_ALL_WITNESSES && r.ed25519_checks == 4);
    CHECK(check_served(s, 2) == PUB_ALL_WITNESSES);
    sp_log_server_close(s);
    scratch_remove();
}

/* The threads of this process (/proc/self/task), or -1 without /proc. */
static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    if (d == NULL)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* The log keeps one thread per witness from round to round (it started and joined one
 * per witness per round before), and closing the log ends them. */
static void test_publish_keeps_witness_threads(void)
{
    scratch_make("log");
    witnesses_reset();
    int before = thread_count();
    if (before < 0) {
        printf("SKIP test_publish_keeps_witness_threads: no /proc/self/task\n");
        scratch_remove();
        return;
    }
    sp_log_server *s = open_log(0);
    sp_log_round r;
    int opened = thread_count();
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.cosigned == PUB_ALL_WITNESSES);
    CHECK(thread_count() == opened + 3);
    for (int round = 0; round < 3; round++) {
        add_epochs(s, 1 + round, 2 + round);
        CHECK_OK(sp_log_publish(s, &r));
        CHECK(r.cosigned == PUB_ALL_WITNESSES && r.size == (uint64_t)round + 1);
        CHECK(thread_count() == opened + 3);
    }
    sp_log_server_close(s);
    CHECK(thread_count() == before);
    scratch_remove();
}

/* The test witnesses are the real witness (server/witness.h), not a re-implementation of
 * it: what they answer is what `softpause witness serve` answers -- a checkpoint of a log
 * they do not follow is 404 SP_ERR_WITNESS_UNKNOWN_LOG (a stand-in that checks only the
 * signature says 403), and a first contact that does not start from 0 is 409 with the
 * size in text/x.tlog.size; each keeps its state in its own database. */
static void test_witnesses_are_the_real_handler(void)
{
    static char note[1024], body[1200];
    char type[64] = "", db[600];
    uint8_t *resp = NULL, root[32] = {0};
    size_t resp_len = 0;
    int status = 0;
    pub_bundle_opts o;
    witnesses_reset();
    pub_bundle_defaults(&o, &world.pub, (uint64_t)time(NULL));
    o.witness_mask = 0;
    o.origin = "unknown.example/log";
    pub_checkpoint_note(note, sizeof note, &world.pub, &o, 1, root);
    int n = snprintf(body, sizeof body, "old 0\n\n%s", note);
    char url[128];
    snprintf(url, sizeof url, "%s/add-checkpoint", witnesses[0].url);
    CHECK_OK(sp_http_request("POST", url, (const uint8_t *)body, (size_t)n, 5000, 4096, &status,
                             &resp, &resp_len, type, sizeof type));
    CHECK(status == 404 && resp != NULL &&
          strncmp((const char *)resp, "SP_ERR_WITNESS_UNKNOWN_LOG: ", 28) == 0);
    free(resp);
    resp = NULL;

    o.origin = NULL; /* the log's own checkpoint, from a size the witness never cosigned */
    pub_checkpoint_note(note, sizeof note, &world.pub, &o, 1, root);
    n = snprintf(body, sizeof body, "old 1\n\n%s", note);
    CHECK_OK(sp_http_request("POST", url, (const uint8_t *)body, (size_t)n, 5000, 4096, &status,
                             &resp, &resp_len, type, sizeof type));
    CHECK(status == 409 && resp_len == 2 && memcmp(resp, "0\n", 2) == 0 &&
          strcmp(type, SP_WITNESS_SIZE_CONTENT_TYPE) == 0);
    free(resp);
    snprintf(db, sizeof db, "%s/w.db", witnesses[0].dir);
    CHECK(sp_file_exists(db));
    CHECK(cosignatures(0) == 0);
}

/* Progress lines of a log under test, kept for inspection. */
static char said[4096];
static void keep_line(void *ctx, const char *line)
{
    size_t n = strlen(said);
    (void)ctx;
    snprintf(said + n, sizeof said - n, "%s\n", line);
}

/* A fresh scratch log whose progress lines go to `said` (emptied), with the given skew. */
static sp_log_server *open_log_saying(uint64_t skew)
{
    static char db[1024];
    sp_log_server *s = NULL;
    scratch_make("log");
    witnesses_reset();
    scratch_path(db, sizeof db, "log.db");
    sp_log_config cfg = {&world.policy, &log_key, db, 0, 3000, keep_line, NULL, skew, 0};
    CHECK_OK(sp_log_server_open(&s, &cfg));
    said[0] = '\0';
    return s;
}

/* A witness whose cosignatures are dated more than the skew ahead of the log's clock: its
 * cosignature is refused and reported, and the log never publishes a quorum time that far
 * ahead (here: only with the other two, and not at all when two are ahead). */
static void test_cosignature_dated_ahead_is_refused(void)
{
    sp_log_round r;
    sp_log_server *s = open_log_saying(60);
    if (s == NULL)
        return;
    fw_set_ahead(&witnesses[0], 3600);
    fw_set_ahead(&witnesses[1], 20); /* within the skew: an honest clock's drift */
    add_epochs(s, 1, 3);
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.published == 1 && r.cosigned == 0x6);
    CHECK(r.witnesses[0].http_status == 200);
    CHECK_ERR(r.witnesses[0].err, SP_ERR_LOG_COSIG_AHEAD);
    CHECK(strstr(said, "the cosignature of witness ") != NULL);
    CHECK(strstr(said, " s ahead of the log's clock (") != NULL);
    CHECK(strstr(said, "max skew 60 s): refused") != NULL);
    CHECK(check_served(s, 2) == 0x6);
    /* Two of three ahead: no quorum within the skew, nothing published. */
    fw_set_ahead(&witnesses[2], 7200);
    add_epochs(s, 3, 4);
    CHECK_ERR(sp_log_publish(s, &r), SP_ERR_WITNESS_QUORUM);
    CHECK(r.published == 0 && r.cosigned == 0x2);
    CHECK_ERR(r.witnesses[2].err, SP_ERR_LOG_COSIG_AHEAD);
    CHECK(check_served(s, 2) == 0x6);
    sp_log_server_close(s);
    witnesses_reset();
    scratch_remove();
}

/* A checkpoint stored by an earlier run whose quorum time is now more than the skew ahead
 * of the log's clock (the clock was set back, or the skew lowered): not served at start-up
 * (404, said in a progress line) until a round publishes a new one. */
static void test_stored_checkpoint_ahead_not_served(void)
{
    sp_log_round r;
    sp_log_server *s = open_log_saying(600);
    if (s == NULL)
        return;
    for (int i = 0; i < PUB_NWITNESSES; i++)
        fw_set_ahead(&witnesses[i], 300); /* within a skew of 600 s */
    add_epochs(s, 1, 3);
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(check_served(s, 2) == PUB_ALL_WITNESSES);
    sp_log_server_close(s);

    /* Restarted with a skew of 60 s: the stored quorum time is 300 s ahead. */
    char db[1024];
    scratch_path(db, sizeof db, "log.db");
    sp_log_config cfg = {&world.policy, &log_key, db, 0, 3000, keep_line, NULL, 60, 0};
    said[0] = '\0';
    CHECK_OK(sp_log_server_open(&s, &cfg));
    if (s == NULL)
        return;
    log_answer a = log_call(s, "GET", "/checkpoint", NULL, 0);
    CHECK(a.status == 404);
    free(a.body);
    CHECK(strstr(said, "the stored checkpoint's quorum time dated ") != NULL);
    CHECK(strstr(said, "the stored checkpoint 2 is not served until a round publishes") != NULL);
    /* Honest clocks again: the next round publishes and serves (and says when, in UTC). */
    witnesses_reset();
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(check_served(s, 2) == PUB_ALL_WITNESSES);
    const char *line = strstr(said, "checkpoint 2 published, quorum time ");
    CHECK(line != NULL);
    if (line != NULL) {
        line += strlen("checkpoint 2 published, quorum time ");
        CHECK(strlen(line) == 21 && line[4] == '-' && line[10] == 'T' && line[19] == 'Z');
    }
    sp_log_server_close(s);

    /* Within the skew, a stored checkpoint is served at once. */
    said[0] = '\0';
    CHECK_OK(sp_log_server_open(&s, &cfg));
    if (s != NULL)
        CHECK(check_served(s, 2) == PUB_ALL_WITNESSES && said[0] == '\0');
    sp_log_server_close(s);
    witnesses_reset();
    scratch_remove();
}

/* ---- the run loop over HTTP, and export ------------------------------------------------------ */

typedef struct loop {
    sp_log_server *s;
    volatile sig_atomic_t stop;
    uint16_t port;             /* set by the serving thread (atomically) */
    sp_err result;
} loop;

static void on_ready(void *ctx, uint16_t port)
{
    __atomic_store_n(&((loop *)ctx)->port, port, __ATOMIC_SEQ_CST);
}

static void *run_loop(void *arg)
{
    loop *l = arg;
    l->result = sp_log_serve(l->s, NULL, 0, &l->stop, on_ready, l);
    return NULL;
}

static int get(const char *base, const char *path, int *status, uint8_t **body, size_t *len)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    return sp_http_request("GET", url, NULL, 0, 5000, 1 << 22, status, body, len, NULL, 0) ==
           SP_OK;
}

/* Wait (up to 10 s) until GET /checkpoint is a checkpoint of `size`. */
static int wait_for_checkpoint(const char *base, uint64_t size)
{
    char want[64];
    snprintf(want, sizeof want, PUB_LOG_ORIGIN "\n%llu\n", (unsigned long long)size);
    for (int i = 0; i < 1000; i++) {
        int status = 0;
        uint8_t *body = NULL;
        size_t len = 0;
        int ok = get(base, "/checkpoint", &status, &body, &len) && status == 200 &&
                 strncmp((char *)body, want, strlen(want)) == 0;
        free(body);
        if (ok)
            return 1;
        usleep(10000);
    }
    return 0;
}

static void test_serve_and_export(void)
{
    scratch_make("log");
    witnesses_reset();
    loop l = {open_log(1), 0, 0, SP_OK};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run_loop, &l) == 0);
    while (__atomic_load_n(&l.port, __ATOMIC_SEQ_CST) == 0)
        usleep(1000);
    char base[64], url[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)l.port);
    snprintf(url, sizeof url, "%s/add", base);
    CHECK(wait_for_checkpoint(base, 0));

    /* Submissions over HTTP are published without being asked. */
    for (uint64_t e = 1; e <= 3; e++) {
        char note[8192];
        int status = 0;
        uint8_t *body = NULL;
        size_t len = statement(note, sizeof note, e, QUORUM), blen = 0;
        CHECK_OK(sp_http_request("POST", url, (const uint8_t *)note, len, 5000, 1024, &status,
                                 &body, &blen, NULL, 0));
        char want[16];
        snprintf(want, sizeof want, "%llu\n", (unsigned long long)(e - 1));
        CHECK(status == 200 && strcmp((char *)body, want) == 0);
        free(body);
    }
    CHECK(wait_for_checkpoint(base, 3));
    /* Over the body cap: 413 from the HTTP layer, nothing stored. */
    static uint8_t big[SP_LOG_MAX_ADD_BYTES + 1];
    int status = 0;
    uint8_t *body = NULL;
    size_t blen = 0;
    CHECK_OK(sp_http_request("POST", url, big, sizeof big, 5000, 1024, &status, &body, &blen,
                             NULL, 0));
    CHECK(status == 413 && strstr((char *)body, "too large") != NULL);
    free(body);
    CHECK(log_size(l.s) == 3);

    /* Without growth, the interval (1 s here) keeps cosigned time moving. */
    unsigned before = cosignatures(0);
    for (int i = 0; i < 400 && cosignatures(0) < before + 2; i++)
        usleep(10000);
    CHECK(cosignatures(0) >= before + 2);

    /* Export: every file equals what the server serves at the same path. */
    char dir[1024];
    uint64_t size = 0;
    scratch_path(dir, sizeof dir, "mirror");
    CHECK_OK(sp_log_export(sp_log_server_store(l.s), dir, &size));
    CHECK(size == 3);
    static const char *paths[] = {"tile/0/000.p/3", "tile/entries/000.p/3"};
    for (size_t i = 0; i < 2; i++) {
        uint8_t *file = NULL, *served = NULL;
        size_t flen = 0, slen = 0;
        char p[64];
        snprintf(p, sizeof p, "/%s", paths[i]);
        CHECK_OK(sp_tile_fetch(dir, paths[i], &file, &flen));
        CHECK(get(base, p, &status, &served, &slen) && status == 200);
        CHECK(flen == slen && flen > 0 && memcmp(file, served, flen) == 0);
        free(file);
        free(served);
    }
    /* A reader of the mirror gets proofs that verify against the exported checkpoint. */
    uint8_t proof[SP_MAX_PROOF_HASHES][32], root[32], leaf_hash[32], *entry = NULL;
    size_t n = 0, elen = 0;
    CHECK_OK(sp_tile_inclusion_proof(dir, 1, 3, sp_sodium_crypto(), proof, &n));
    CHECK_OK(sp_tile_read_entry(dir, 1, 3, &entry, &elen));
    CHECK_OK(sp_merkle_leaf_hash(leaf_hash, entry, elen, sp_sodium_crypto()));
    CHECK_OK(sp_log_store_root(sp_log_server_store(l.s), 3, root));
    CHECK_OK(sp_merkle_verify_inclusion(sp_sodium_crypto(), 1, 3, leaf_hash,
                                        (const uint8_t(*)[32])proof, n, root, 32));
    free(entry);

    __atomic_store_n(&l.stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(t, NULL);
    CHECK_OK(l.result);
    sp_log_server_close(l.s);
    scratch_remove();
}

/* A log that serves every log_answer gzip-encoded (tlog-tiles allows it without negotiation;
 * Sunlight does): the client asks "gzip, identity", decodes, and a bundle is made from it;
 * a gzip bomb is refused at the reader's limit, which counts decoded bytes. */
static void test_gzip_tiles(void)
{
    scratch_make("log");
    witnesses_reset();
    sp_log_server *s = open_log(0);
    char note[8192], base[64], seen[128];
    uint64_t index = 0;
    int existed = 0;
    size_t len = 0;
    for (uint64_t e = 1; e <= 3; e++) {
        len = statement(note, sizeof note, e, QUORUM);
        CHECK_OK(sp_log_add(s, (const uint8_t *)note, len, &index, &existed, NULL));
    }
    sp_log_round r;
    CHECK_OK(sp_log_publish(s, &r));
    uint16_t port = 0;
    gzip_server *g = gzip_server_start(sp_log_handle, s, &port);
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)port);

    /* A tile arrives decoded, byte for byte what the log holds. */
    uint8_t *tile = NULL;
    size_t tlen = 0;
    sp_http_response plain = {0};
    sp_log_handle(s, "GET", "/tile/0/000.p/3", NULL, 0, &plain);
    CHECK_OK(sp_tile_fetch(base, "tile/0/000.p/3", &tile, &tlen));
    CHECK(plain.status == 200 && tlen == 3 * 32 && plain.body_len == tlen &&
          memcmp(tile, plain.body, tlen) == 0);
    free(tile);
    sp_http_response_done(&plain);
    gzip_server_accept_encoding(g, seen, sizeof seen);
    CHECK(strcmp(seen, "gzip, identity") == 0);

    /* The whole bundle (checkpoint, hash tiles, entry bundle) over gzip. */
    static sp_bundle_work work;
    static uint8_t bundle[SP_MAX_BUNDLE_BYTES];
    size_t blen = 0;
    sp_bundle_made made;
    const char *what = NULL;
    CHECK_OK(sp_bundle_make(&world.policy, base, (const uint8_t *)note, len, UINT64_MAX, &work,
                            bundle, sizeof bundle, &blen, &made, &what));
    CHECK(made.index == 2 && made.tree_size == 3);

    /* Entry bundles that decode to the limit are read; one byte more is refused, though
     * each is only some 26 KiB on the wire. */
    uint8_t *body = NULL;
    size_t blen2 = 0;
    gzip_server_bomb(g, "/tile/entries/", SP_TILE_READER_MAX_BYTES);
    CHECK_OK(sp_tile_fetch(base, "tile/entries/000.p/3", &body, &blen2));
    CHECK(blen2 == SP_TILE_READER_MAX_BYTES);
    free(body);
    gzip_server_bomb(g, "/tile/entries/", SP_TILE_READER_MAX_BYTES + 1);
    CHECK_ERR(sp_tile_fetch(base, "tile/entries/000.p/3", &body, &blen2), SP_ERR_HTTP);
    CHECK_ERR(sp_bundle_make(&world.policy, base, (const uint8_t *)note, len, UINT64_MAX,
                             &work, bundle, sizeof bundle, &blen, &made, &what),
              SP_ERR_HTTP);

    gzip_server_stop(g);
    sp_log_server_close(s);
    scratch_remove();
}

/* Bad input over real HTTP: every request is a 4xx with a reason, and afterwards the tree,
 * the served checkpoint and the tiles are byte for byte what they were. */
typedef struct bad_request {
    const char *method, *path;
    const char *body;        /* NULL: the statement variant below */
    const char *from, *to;   /* statement variant: replace from by to */
    size_t cut;              /* statement variant: drop this many final bytes */
} bad_request;

static int request(const char *base, const char *method, const char *path, const void *body,
                   size_t len, int *status, uint8_t **resp, size_t *resp_len)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    return sp_http_request(method, url, body, len, 5000, 1 << 20, status, resp, resp_len, NULL,
                           0) == SP_OK;
}

static void test_bad_http_input_changes_nothing(void)
{
    scratch_make("log");
    witnesses_reset();
    loop l = {open_log(3600), 0, 0, SP_OK};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run_loop, &l) == 0);
    while (__atomic_load_n(&l.port, __ATOMIC_SEQ_CST) == 0)
        usleep(1000);
    char base[64], note[8192];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)l.port);
    int status;
    uint8_t *before_cp = NULL, *before_tile = NULL, *body;
    size_t before_cp_len = 0, before_tile_len = 0, len;
    for (uint64_t e = 1; e <= 2; e++) {
        size_t n = statement(note, sizeof note, e, QUORUM);
        CHECK(request(base, "POST", "/add", note, n, &status, &body, &len) && status == 200);
        free(body);
    }
    CHECK(wait_for_checkpoint(base, 2));
    CHECK(request(base, "GET", "/checkpoint", NULL, 0, &status, &before_cp, &before_cp_len));
    CHECK(request(base, "GET", "/tile/0/000.p/2", NULL, 0, &status, &before_tile,
                  &before_tile_len));

    static const bad_request bad[] = {
        {"POST", "/add", "", NULL, NULL, 0},
        {"POST", "/add", "\x01\x02 binary junk", NULL, NULL, 0},
        {"POST", "/add", "softpause/v1 authorisation x\n\n", NULL, NULL, 0},
        {"POST", "/add", NULL, NULL, NULL, 7},                       /* truncated */
        {"POST", "/add", NULL, "epoch 3\n", "epoch 03\n", 0},        /* non-canonical */
        {"POST", "/add", NULL, "epoch 3\n", "epoch  3\n", 0},
        {"POST", "/add", NULL, "mode run\n", "mode RUN\n", 0},
        {"POST", "/add", NULL, "mode run\n", "mode pause\n", 0},     /* signatures fail */
        {"POST", "/add", NULL, "\n\n\xE2\x80\x94", "\n\n- ", 0},     /* ASCII dash */
        {"POST", "/add", NULL, "mode run\n", "mode run\r\n", 0},
        {"PUT", "/add", "x", NULL, NULL, 0},
        {"POST", "/checkpoint", "x", NULL, NULL, 0},
        {"DELETE", "/tile/0/000.p/2", NULL, NULL, NULL, 0},
        {"GET", "/tile/0/000.p/3", NULL, NULL, NULL, 0},
        {"GET", "/tile/0/000.p/02", NULL, NULL, NULL, 0},
        {"GET", "/tile/0/x000/000.p/2", NULL, NULL, NULL, 0},
        {"GET", "/tile/00/000.p/2", NULL, NULL, NULL, 0},
        {"GET", "/tile/entries/0.p/2", NULL, NULL, NULL, 0},
        {"GET", "/tile/entries/000.p/3", NULL, NULL, NULL, 0},
        {"GET", "/tile/-1/000", NULL, NULL, NULL, 0},
        {"GET", "/tile/0/18446744073709551616", NULL, NULL, NULL, 0},
        {"GET", "/nothing", NULL, NULL, NULL, 0},
        {"GET", "/checkpoint/extra", NULL, NULL, NULL, 0},
        {"GET", "/tile", NULL, NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const bad_request *b = &bad[i];
        const char *payload = b->body;
        size_t n = payload != NULL ? strlen(payload) : 0;
        if (payload == NULL && strcmp(b->method, "POST") == 0) {
            n = statement(note, sizeof note, 3, QUORUM);
            if (b->from != NULL)
                n = pf_replace(note, sizeof note, b->from, b->to);
            n -= b->cut;
            payload = note;
        }
        body = NULL;
        int ok = request(base, b->method, b->path, payload, n, &status, &body, &len);
        CHECK(ok && status >= 400 && status < 500 && len > 8 &&
              strncmp((char *)body, "SP_ERR_", 7) == 0 && body[len - 1] == '\n');
        if (!(ok && status >= 400 && status < 500))
            printf("  request %zu: HTTP %d %s\n", i, status, body ? (char *)body : "");
        free(body);
    }
    /* Far over the size cap. */
    size_t huge = 4u << 20;
    uint8_t *h = calloc(1, huge);
    CHECK(h != NULL && request(base, "POST", "/add", h, huge, &status, &body, &len) &&
          status == 413 && len > 0);
    free(h);
    free(body);

    CHECK(log_size(l.s) == 2);
    CHECK(request(base, "GET", "/checkpoint", NULL, 0, &status, &body, &len));
    CHECK(len == before_cp_len && memcmp(body, before_cp, len) == 0);
    free(body);
    CHECK(request(base, "GET", "/tile/0/000.p/2", NULL, 0, &status, &body, &len));
    CHECK(len == before_tile_len && memcmp(body, before_tile, len) == 0);
    free(body);
    free(before_cp);
    free(before_tile);
    __atomic_store_n(&l.stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(t, NULL);
    sp_log_server_close(l.s);
    scratch_remove();
}

typedef struct export_run {
    sp_log_server *s;
    const char *dir;
    uint64_t size;
    sp_err e;
} export_run;

static void *export_thread(void *arg)
{
    export_run *x = arg;
    x->e = sp_log_export(sp_log_server_store(x->s), x->dir, &x->size);
    return NULL;
}

/* Two exports into one directory overlap (a slow one and the next cron run): the second
 * waits for the first and reads the newest checkpoint only then, so the directory's
 * checkpoint never goes back to an older tree. */
static void test_overlapping_exports_never_go_back(void)
{
    char dir[1024], cp[1100];
    scratch_make("log");
    witnesses_reset();
    sp_log_server *s = open_log(0);
    sp_log_round r;
    add_epochs(s, 1, 3);
    CHECK_OK(sp_log_publish(s, &r));
    scratch_path(dir, sizeof dir, "mirror");
    snprintf(cp, sizeof cp, "%s/checkpoint", dir);
    CHECK(mkdir(dir, 0755) == 0);
    int held = open(dir, O_RDONLY | O_DIRECTORY); /* an export of size 2 in progress */
    CHECK(held >= 0 && flock(held, LOCK_EX) == 0);
    export_run x = {s, dir, 0, SP_ERR_IO};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, export_thread, &x) == 0);
    usleep(300000);
    CHECK(!sp_file_exists(cp)); /* it waits */
    add_epochs(s, 3, 5);
    CHECK_OK(sp_log_publish(s, &r));
    flock(held, LOCK_UN);
    close(held);
    pthread_join(t, NULL);
    CHECK_OK(x.e);
    CHECK(x.size == 4);
    uint8_t text[4096];
    size_t len = 0;
    CHECK_OK(sp_file_read(cp, text, sizeof text - 1, &len));
    text[len] = '\0';
    CHECK(strncmp((char *)text, PUB_LOG_ORIGIN "\n4\n", strlen(PUB_LOG_ORIGIN) + 3) == 0);
    sp_log_server_close(s);
    scratch_remove();
}

/* The database's files unlinked or replaced under a serving log: nothing more is
 * acknowledged (it could be lost in the next crash) or published (witnesses would cosign a
 * tree a restarted log does not hold); a 500 says why, once in the progress lines. */
static void test_database_lost_while_serving(void)
{
    static const char *const what[2] = {"log.db-wal", "log.db"};
    for (int k = 0; k < 2; k++) {
        char path[1024], copy[1100], note[8192];
        sp_log_round r;
        sp_log_server *s = open_log_saying(0);
        if (s == NULL)
            return;
        add_epochs(s, 1, 3);
        CHECK_OK(sp_log_publish(s, &r));
        scratch_path(path, sizeof path, what[k]);
        if (k == 0) {
            CHECK(unlink(path) == 0);
        } else { /* replaced by rename: a copy of itself, say a restored backup */
            snprintf(copy, sizeof copy, "%s.copy", path);
            uint8_t *buf = malloc(1 << 20);
            size_t len = 0;
            CHECK(buf != NULL && sp_file_read(path, buf, 1 << 20, &len) == SP_OK);
            CHECK(buf != NULL && sp_file_write_atomic(copy, buf, len, 0600, 1) == SP_OK);
            free(buf);
            CHECK(rename(copy, path) == 0);
        }
        size_t len = statement(note, sizeof note, 3, QUORUM);
        uint64_t index = 0;
        int existed = 0;
        CHECK_ERR(sp_log_add(s, (const uint8_t *)note, len, &index, &existed, NULL),
                  SP_ERR_DB);
        log_answer a = log_call(s, "POST", "/add", note, len);
        CHECK(a.status == 500 && strstr((char *)a.body, "was unlinked, replaced or truncated"));
        free(a.body);
        CHECK_ERR(sp_log_publish(s, &r), SP_ERR_DB);
        CHECK(r.published == 0);
        const char *first = strstr(said, "was unlinked, replaced or truncated");
        CHECK(first != NULL && strstr(first + 1, "was unlinked, replaced") == NULL);
        sp_log_server_close(s);
        scratch_remove();
    }
    witnesses_reset();
}

static void test_export_needs_a_checkpoint(void)
{
    scratch_make("log");
    sp_log_server *s = open_log(0);
    char dir[1024];
    uint64_t size = 5;
    scratch_path(dir, sizeof dir, "mirror");
    CHECK_ERR(sp_log_export(sp_log_server_store(s), dir, &size), SP_ERR_NOT_FOUND);
    CHECK(size == 0 && !sp_file_exists(dir));
    sp_log_server_close(s);
    scratch_remove();
}

/* ---- the full-tile cache ------------------------------------------------------------------ */

static sp_log_server *open_log_cache(uint64_t cache_bytes)
{
    char db[1024];
    scratch_path(db, sizeof db, "log.db");
    sp_log_config cfg = {&world.policy, &log_key, db, 0, 3000, NULL, NULL, 0, cache_bytes};
    sp_log_server *s = NULL;
    CHECK_OK(sp_log_server_open(&s, &cfg));
    return s;
}

/* Entries [from, to) as raw leaves straight into the store (the cache never looks inside). */
static void append_raw(sp_log_server *s, uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to; i++) {
        char leaf[64];
        int n = snprintf(leaf, sizeof leaf, "raw entry %llu\n", (unsigned long long)i);
        uint64_t index = 0;
        int existed = 0;
        CHECK_OK(sp_log_store_append(sp_log_server_store(s), (const uint8_t *)leaf, (size_t)n,
                                     (size_t)n, &index, &existed));
    }
}

/* Status, content type, Cache-Control and body of path the same from a and b. */
static int same_answer(sp_log_server *a, sp_log_server *b, const char *path)
{
    log_answer x = log_call(a, "GET", path, NULL, 0), y = log_call(b, "GET", path, NULL, 0);
    int same = x.status == y.status && strcmp(x.type, y.type) == 0 &&
               strcmp(x.cache, y.cache) == 0 && x.len == y.len &&
               (x.len == 0 || memcmp(x.body, y.body, x.len) == 0);
    if (!same)
        printf("  %s: %d %zu bytes vs %d %zu bytes\n", path, x.status, x.len, y.status, y.len);
    free(x.body);
    free(y.body);
    return same;
}

/* Tiles come from memory once read, byte for byte (and header for header) what a log
 * without the cache serves; a partial tile is never taken for the full one of the same
 * index (nor for another width), a tile the tree does not hold yet is not remembered as
 * missing, and the cap holds. */
static void test_tile_cache_serves_the_store_bytes(void)
{
    scratch_make("log");
    witnesses_reset();
    sp_log_server *s = open_log_cache(0); /* the default cap */
    sp_log_round r;
    append_raw(s, 0, 259);
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.published == 1 && r.size == 259);
    sp_log_server *plain = open_log_cache(SP_LOG_TILE_CACHE_OFF);
    static const char *paths[] = {"/checkpoint",      "/tile/0/000",       "/tile/entries/000",
                                  "/tile/0/001.p/3",  "/tile/entries/001.p/3",
                                  "/tile/1/000.p/1",  "/tile/0/001",       "/tile/entries/001",
                                  "/tile/0/000.p/7",  "/tile/entries/000.p/255"};
    for (int round = 0; round < 2; round++) /* a miss, then a hit */
        for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
            CHECK(same_answer(s, plain, paths[i]));
    /* Held: the 7 tiles the tree has (2 full, 5 partial); the 2 it lacks missed twice. */
    uint64_t held_bytes = 0;
    for (size_t i = 1; i < sizeof paths / sizeof paths[0]; i++) {
        log_answer want = log_call(plain, "GET", paths[i], NULL, 0);
        held_bytes += want.status == 200 ? want.len + SP_TILE_CACHE_ENTRY_OVERHEAD : 0;
        free(want.body);
    }
    sp_tile_cache_stats st;
    sp_log_tile_cache_stats(s, &st);
    CHECK(st.cap == SP_LOG_TILE_CACHE_DEFAULT && st.tiles == 7 && st.hits == 7 &&
          st.misses == 11 && st.bytes == held_bytes);
    sp_log_tile_cache_stats(plain, &st);
    CHECK(st.cap == 0 && st.tiles == 0 && st.hits == 0 && st.misses == 0);

    /* The tree grows over tile 1: its full forms now exist and are the store's. */
    append_raw(s, 259, 512);
    for (int round = 0; round < 2; round++)
        for (size_t i = 1; i < sizeof paths / sizeof paths[0]; i++)
            CHECK(same_answer(s, plain, paths[i]));
    log_answer a = log_call(s, "GET", "/tile/0/001", NULL, 0);
    CHECK(a.status == 200 && a.len == 8192 && strstr(a.cache, "immutable") != NULL);
    free(a.body);
    sp_log_tile_cache_stats(s, &st);
    CHECK(st.tiles == 9);

    /* A cap of one hash tile and a bit: every read still right, the cap never passed. */
    sp_log_server *small = open_log_cache(8192 + SP_TILE_CACHE_ENTRY_OVERHEAD + 100);
    for (int round = 0; round < 3; round++)
        for (size_t i = 1; i < sizeof paths / sizeof paths[0]; i++) {
            CHECK(same_answer(small, plain, paths[i]));
            sp_log_tile_cache_stats(small, &st);
            CHECK(st.bytes <= st.cap);
        }
    CHECK(st.evictions > 0);
    CHECK(same_answer(small, plain, "/tile/entries/001")); /* held now, if it was not */
    sp_log_tile_cache_stats(small, &st);
    uint64_t hits = st.hits;
    CHECK(same_answer(small, plain, "/tile/entries/001"));
    sp_log_tile_cache_stats(small, &st);
    CHECK(st.hits == hits + 1 && st.bytes <= st.cap);
    /* A body lent out stays whole while its tile is evicted, until it is handed back. */
    sp_http_response held = {0};
    sp_log_handle(small, "GET", "/tile/0/000", NULL, 0, &held);
    CHECK(held.status == 200 && held.release != NULL);
    log_answer want = log_call(plain, "GET", "/tile/0/000", NULL, 0);
    uint64_t evicted = st.evictions;
    for (size_t i = 1; i < sizeof paths / sizeof paths[0]; i++)
        CHECK(same_answer(small, plain, paths[i]));
    sp_log_tile_cache_stats(small, &st);
    CHECK(st.evictions > evicted && st.bytes <= st.cap);
    CHECK(held.body_len == want.len && memcmp(held.body, want.body, want.len) == 0);
    sp_http_response_done(&held);
    CHECK(held.body == NULL);
    free(want.body);
    sp_log_server_close(small);
    sp_log_server_close(plain);
    sp_log_server_close(s);
    scratch_remove();
}

typedef struct cache_reader {
    sp_log_server *s;
    volatile int *done;
    int wrong;
    uint64_t reads;
} cache_reader;

/* Read every full tile the tree holds, over and over while appends go on, each answer
 * checked against the store's own read of it. */
static void *read_full_tiles(void *arg)
{
    cache_reader *r = arg;
    sp_log_store *store = sp_log_server_store(r->s);
    int last = 0;
    while (!last) {
        last = __atomic_load_n(r->done, __ATOMIC_SEQ_CST);
        uint64_t size = 0;
        if (sp_log_store_size(store, &size) != SP_OK)
            r->wrong++;
        for (uint64_t n = 0; n < size / SP_TILE_WIDTH; n++)
            for (uint32_t entries = 0; entries < 2; entries++) {
                sp_tile t = {entries, 0, n, SP_TILE_WIDTH};
                char path[SP_TILE_PATH_MAX + 1] = "/";
                uint8_t *want = NULL;
                size_t want_len = 0;
                if (sp_tile_path_format(&t, path + 1, sizeof path - 1) != SP_OK ||
                    sp_log_store_tile(store, &t, &want, &want_len) != SP_OK) {
                    r->wrong++;
                    continue;
                }
                log_answer a = log_call(r->s, "GET", path, NULL, 0);
                if (a.status != 200 || a.len != want_len || memcmp(a.body, want, want_len) != 0)
                    r->wrong++;
                r->reads++;
                free(a.body);
                free(want);
            }
    }
    return NULL;
}

typedef struct cache_writer {
    sp_log_server *s;
    uint64_t from, to;
} cache_writer;

static void *append_range(void *arg)
{
    cache_writer *w = arg;
    append_raw(w->s, w->from, w->to);
    return NULL;
}

/* Readers fill the cache while two writers grow the tree: no cached tile differs from the
 * store's, during or after. */
static void test_tile_cache_under_concurrent_appends(void)
{
    scratch_make("log");
    sp_log_server *s = open_log_cache(0);
    volatile int done = 0;
    cache_reader readers[2] = {{s, &done, 0, 0}, {s, &done, 0, 0}};
    cache_writer writers[2] = {{s, 0, 600}, {s, 600, 1200}};
    pthread_t rt[2], wt[2];
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&rt[i], NULL, read_full_tiles, &readers[i]) == 0);
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&wt[i], NULL, append_range, &writers[i]) == 0);
    for (int i = 0; i < 2; i++)
        pthread_join(wt[i], NULL);
    __atomic_store_n(&done, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 2; i++)
        pthread_join(rt[i], NULL);
    CHECK(log_size(s) == 1200);
    CHECK(readers[0].wrong == 0 && readers[1].wrong == 0);
    CHECK(readers[0].reads >= 8 && readers[1].reads >= 8); /* the last pass saw 4 + 4 */
    sp_tile_cache_stats st;
    sp_log_tile_cache_stats(s, &st);
    CHECK(st.tiles == 8 && st.hits > 0);
    sp_log_server_close(s);
    scratch_remove();
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    world_make();
    RUN_TEST(test_add_accepts_and_deduplicates);
    RUN_TEST(test_add_refusals_store_nothing);
    RUN_TEST(test_key_must_be_the_policy_log);
    RUN_TEST(test_handler_paths);
    RUN_TEST(test_publish_rounds);
    RUN_TEST(test_publish_checks_once);
    RUN_TEST(test_publish_keeps_witness_threads);
    RUN_TEST(test_witnesses_are_the_real_handler);
    RUN_TEST(test_cosignature_dated_ahead_is_refused);
    RUN_TEST(test_stored_checkpoint_ahead_not_served);
    RUN_TEST(test_serve_and_export);
    RUN_TEST(test_gzip_tiles);
    RUN_TEST(test_bad_http_input_changes_nothing);
    RUN_TEST(test_export_needs_a_checkpoint);
    RUN_TEST(test_overlapping_exports_never_go_back);
    RUN_TEST(test_database_lost_while_serving);
    RUN_TEST(test_tile_cache_serves_the_store_bytes);
    RUN_TEST(test_tile_cache_under_concurrent_appends);
    for (int i = 0; i < PUB_NWITNESSES; i++)
        fw_stop(&witnesses[i]);
    return harness_finish("test_log");
}
