/*
 * test_log_update.c -- the log's policy chain (softpause/server/log.h; protocol.md section
 * 18.6): an update is accepted under both quorums, appends wait (SP_ERR_LOG_UPDATING)
 * until a checkpoint carrying the current witness quorum covers it, the update bundle is
 * served at /policy-update/<v> (and exported), and the log switches -- statements under
 * the new hash, rounds to the new witnesses.  A policy that drops the log retires it
 * (SP_ERR_LOG_RETIRED); a restart resumes the chain, in the UPDATING state too; a policy
 * outside the chain is SP_ERR_LOG_POLICY; a second update from the same version is
 * refused; and no refusal stores anything.
 *
 * Policies (the standard world, tests/support/policy_fixture.h, with the witnesses of
 * tests/support/fake_witness.h):
 *   P1   the standard policy, its witnesses at the ports of `old_w`
 *   P2   version 2: the same keys, the witnesses at the ports of `new_w` (same witness
 *        keys, other servers: where rounds go shows which policy the log serves)
 *   P2b  version 2: P1 with mil-gamma's tags changed (a competing update from version 1)
 *   P2d  version 2: the log's key replaced (this log dropped)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "harness.h"
#include "support/fake_witness.h"
#include "support/log_call.h"
#include "support/policy_fixture.h"
#include "support/scratch.h"
#include "support/update_fixture.h"
#include "softpause/bundle.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/server/log.h"

#define QUORUM (PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B))
#define ALL_KEYS 0x1fu

static pf_world world;
static fake_witness old_w[PUB_NWITNESSES], new_w[PUB_NWITNESSES];
static sp_signer_key log_key;
static char p2_text[12288], p2b_text[12288], p2d_text[12288];
static sp_policy p2, p2b, p2d;

static void load(sp_policy *p, const char *text)
{
    uint32_t line = 0;
    if (sp_policy_parse(p, (const uint8_t *)text, strlen(text), sp_sodium_crypto(), &line) !=
        SP_OK) {
        fprintf(stderr, "test policy does not load (line %u)\n", line);
        exit(1);
    }
}

static void world_make(void)
{
    uint16_t ports[PUB_NWITNESSES];
    char from[64], to[64];
    fx_key other_log;
    pf_world_make(&world);
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        fw_start(&old_w[i], &world.pub, &world.policy.witness, i);
        fw_start(&new_w[i], &world.pub, &world.policy.witness, i);
        ports[i] = old_w[i].port;
    }
    pf_world_set_witness_ports(&world, ports);
    uf_variant(p2_text, sizeof p2_text, world.policy_text, "\nversion 1\n", "\nversion 2\n");
    memcpy(p2b_text, p2_text, sizeof p2b_text);
    memcpy(p2d_text, p2_text, sizeof p2d_text);
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        snprintf(from, sizeof from, "127.0.0.1:%u\n", old_w[i].port);
        snprintf(to, sizeof to, "127.0.0.1:%u\n", new_w[i].port);
        pf_replace(p2_text, sizeof p2_text, from, to);
    }
    pf_replace(p2b_text, sizeof p2b_text, "signer mil-gamma military", "signer mil-gamma civil");
    fx_key_make(&other_log, PUB_LOG_ORIGIN, 0x6e);
    pf_replace(p2d_text, sizeof p2d_text, world.pub.log.vkey, other_log.vkey);
    load(&p2, p2_text);
    load(&p2b, p2b_text);
    load(&p2d, p2d_text);
    if (sp_signer_key_parse(&log_key, world.pub.log.skey, strlen(world.pub.log.skey)) != SP_OK) {
        fprintf(stderr, "test world does not load\n");
        exit(1);
    }
}

static void witnesses_reset(void)
{
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        fw_reset(&old_w[i]);
        fw_reset(&new_w[i]);
    }
}

static unsigned cosigned(fake_witness *w)
{
    unsigned n = 0;
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        pthread_mutex_lock(&w[i].lock);
        n += w[i].cosigned;
        pthread_mutex_unlock(&w[i].lock);
    }
    return n;
}

/* The log's progress lines (the switch names the new policy's hash). */
static char said[16384];
static pthread_mutex_t said_lock = PTHREAD_MUTEX_INITIALIZER;
static void keep_line(void *ctx, const char *line)
{
    (void)ctx;
    pthread_mutex_lock(&said_lock);
    size_t n = strlen(said);
    if (n + strlen(line) + 2 < sizeof said)
        snprintf(said + n, sizeof said - n, "%s\n", line);
    pthread_mutex_unlock(&said_lock);
}

static int log_said(const char *before, const uint8_t hash[32], const char *after)
{
    char hex[65], want[256];
    pf_hex(hex, hash, 32);
    snprintf(want, sizeof want, "%s%s%s", before, hex, after);
    pthread_mutex_lock(&said_lock);
    int found = strstr(said, want) != NULL;
    said[0] = '\0';
    pthread_mutex_unlock(&said_lock);
    if (!found)
        printf("  the log did not say '%s'\n", want);
    return found;
}

static sp_log_server *open_with(const sp_policy *p, sp_err *err)
{
    char db[1024];
    scratch_path(db, sizeof db, "log.db");
    sp_log_config cfg = {p, &log_key, db, 0, 3000, keep_line, NULL, 0, 0};
    sp_log_server *s = NULL;
    *err = sp_log_server_open(&s, &cfg);
    return s;
}

static sp_log_server *open_log(const sp_policy *p)
{
    sp_err e;
    sp_log_server *s = open_with(p, &e);
    CHECK_OK(e);
    return s;
}

/* The update from P1 to `text` (version 2), signed by mask (+ an extra line if given). */
static size_t update_note(char *out, size_t cap, const char *text, uint32_t mask)
{
    char body[12288 + 512];
    uf_update_text(body, sizeof body, &world.policy, 2, text, 0);
    return pf_sign_mask(out, cap, body, world.keys, PF_NKEYS, mask);
}

/* A statement for epoch under policy p, signed by the quorum. */
static size_t statement_under(char *out, size_t cap, const sp_policy *p, uint64_t epoch)
{
    char text[2048];
    pf_statement_text(text, sizeof text, p, epoch, "run");
    return pf_sign_mask(out, cap, text, world.keys, PF_NKEYS, QUORUM);
}

static sp_err add(sp_log_server *s, const char *note, size_t len, uint64_t *index)
{
    uint64_t i = 0;
    int existed = 0;
    sp_err e = sp_log_add(s, (const uint8_t *)note, len, &i, &existed, NULL);
    if (index != NULL)
        *index = i;
    return e;
}

static uint64_t log_size(sp_log_server *s)
{
    uint64_t size = 0;
    CHECK_OK(sp_log_store_size(sp_log_server_store(s), &size));
    return size;
}


/* An HTTP refusal with this status and error name. */
static int refused(sp_log_server *s, const char *method, const char *path, const char *body,
                   size_t len, int status, const char *name)
{
    log_answer a = log_call(s, method, path, body, len);
    int ok = a.status == status && a.body != NULL &&
             strncmp((char *)a.body, name, strlen(name)) == 0;
    if (!ok)
        printf("  got %d %s\n", a.status, a.body ? (char *)a.body : "(null)");
    free(a.body);
    return ok;
}

/* GET /policy-update/2 verifies as a device at P1 would, moving to `want`. */
static int served_update(sp_log_server *s, const sp_policy *want)
{
    static sp_bundle_work work;
    static sp_update_result res;
    sp_update_report ur;
    sp_bundle_report br;
    uint32_t line = 0;
    log_answer a = log_call(s, "GET", "/policy-update/2", NULL, 0);
    int ok = a.status == 200 && strstr(a.cache, "immutable") != NULL &&
             sp_bundle_verify_update(&world.policy, a.body, a.len, sp_sodium_crypto(), &work,
                                     &res, &ur, &br, &line) == SP_OK &&
             memcmp(res.policy.hash, want->hash, 32) == 0 && res.update.version == 2;
    free(a.body);
    return ok;
}

static void test_update_accepted_appends_wait_then_switch(void)
{
    char note[16384], other[16384];
    uint64_t index = 0;
    scratch_make("logupd");
    witnesses_reset();
    sp_log_server *s = open_log(&world.policy);
    size_t n = statement_under(note, sizeof note, &world.policy, 1);
    CHECK_OK(add(s, note, n, NULL));
    CHECK(refused(s, "GET", "/policy-update/2", NULL, 0, 404, "SP_ERR_NOT_FOUND"));

    /* Accepted under both quorums; it is entry 1. */
    size_t un = update_note(note, sizeof note, p2_text, ALL_KEYS);
    CHECK_OK(add(s, note, un, &index));
    CHECK(index == 1 && log_size(s) == 2);
    /* A retried submission of the same update gets its index. */
    CHECK_OK(add(s, note, un, &index));
    CHECK(index == 1);

    /* Appends wait: statements, and a competing update from the same version. */
    n = statement_under(other, sizeof other, &world.policy, 2);
    CHECK_ERR(add(s, other, n, NULL), SP_ERR_LOG_UPDATING);
    CHECK(refused(s, "POST", "/add", other, n, 503, "SP_ERR_LOG_UPDATING"));
    n = update_note(other, sizeof other, p2b_text, ALL_KEYS);
    CHECK_ERR(add(s, other, n, NULL), SP_ERR_LOG_UPDATING);
    CHECK(log_size(s) == 2);
    CHECK(refused(s, "GET", "/policy-update/2", NULL, 0, 404, "SP_ERR_NOT_FOUND"));

    /* The round with P1's witnesses publishes the covering checkpoint: the switch. */
    unsigned old_before = cosigned(old_w), new_before = cosigned(new_w);
    CHECK_OK(sp_log_publish(s, NULL));
    CHECK(cosigned(old_w) > old_before && cosigned(new_w) == new_before);
    CHECK(served_update(s, &p2));
    CHECK(log_said("policy update to version 2 (", p2.hash, ") adopted at tree size 2"));

    /* Rounds now go to P2's witnesses. */
    old_before = cosigned(old_w);
    sp_log_round r;
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.cosigned == PUB_ALL_WITNESSES);
    CHECK(cosigned(new_w) == new_before + PUB_NWITNESSES && cosigned(old_w) == old_before);

    /* Statements under P1's hash are refused now; under P2's accepted. */
    n = statement_under(other, sizeof other, &world.policy, 2);
    CHECK_ERR(add(s, other, n, NULL), SP_ERR_STMT_POLICY);
    n = statement_under(other, sizeof other, &p2, 2);
    CHECK_OK(add(s, other, n, &index));
    CHECK(index == 2);

    /* A second update from version 1 is refused; the adopted one, submitted again (policy
     * publish retried after a timeout, the switch made meanwhile), gets its index. */
    n = update_note(other, sizeof other, p2b_text, ALL_KEYS);
    CHECK_ERR(add(s, other, n, NULL), SP_ERR_UPDATE_NOT_NEWER);
    index = 0;
    CHECK_OK(add(s, note, un, &index));
    CHECK(index == 1);
    CHECK(log_size(s) == 3);

    /* Exported beside the tiles, byte for byte what is served. */
    char dir[1024], file[1100];
    scratch_path(dir, sizeof dir, "mirror");
    CHECK_OK(sp_log_publish(s, NULL));
    CHECK_OK(sp_log_export(sp_log_server_store(s), dir, NULL));
    log_answer a = log_call(s, "GET", "/policy-update/2", NULL, 0);
    snprintf(file, sizeof file, "%s/policy-update/2", dir);
    CHECK(a.status == 200 && scratch_holds(file, a.body, a.len));
    free(a.body);
    CHECK(refused(s, "GET", "/policy-update/3", NULL, 0, 404, "SP_ERR_NOT_FOUND"));
    CHECK(refused(s, "GET", "/policy-update/02", NULL, 0, 404, "SP_ERR_NOT_FOUND"));
    CHECK(refused(s, "POST", "/policy-update/2", NULL, 0, 405, "SP_ERR_NOT_FOUND"));
    sp_log_server_close(s);
    scratch_remove();
}

static void test_update_refusals_store_nothing(void)
{
    char note[16384], text[16384];
    fx_key stranger;
    scratch_make("logupd");
    witnesses_reset();
    sp_log_server *s = open_log(&world.policy);
    fx_key_make(&stranger, "stranger.example", 0x7e);

    /* An extra line of a key neither policy names. */
    size_t n = update_note(note, sizeof note, p2_text, ALL_KEYS);
    n += fx_sign_line(&stranger, note, strstr(note, "\n\n") + 1 - note, note + n,
                      sizeof note - n);
    CHECK_ERR(add(s, note, n, NULL), SP_ERR_LOG_SIGNATURE_LINE);
    /* A policy key's line that does not verify. */
    n = update_note(note, sizeof note, p2_text, ALL_KEYS);
    char *last = strrchr(note, ' ');
    last[3] = last[3] == 'A' ? 'B' : 'A';
    CHECK_ERR(add(s, note, n, NULL), SP_ERR_LOG_SIGNATURE_LINE);
    /* One key on two lines: civ-beta's key, which P2r names under another name. */
    {
        static char p2r_text[12288];
        static sp_policy p2r;
        char from[300], to[300], vk[256];
        memcpy(p2r_text, p2_text, sizeof p2r_text);
        pf_vkey_text(vk, sizeof vk, "civ-beta-renamed.example", world.keys[PF_CIV_B].pk);
        snprintf(from, sizeof from, "%s\n", world.keys[PF_CIV_B].vkey);
        snprintf(to, sizeof to, "%s\n", vk);
        pf_replace(p2r_text, sizeof p2r_text, from, to);
        load(&p2r, p2r_text);
        n = update_note(note, sizeof note, p2r_text, ALL_KEYS);
        uint32_t id = p2r.signers[PF_CIV_B].key.key_id;
        size_t tl = (size_t)(strstr(note, "\n\n") + 1 - note);
        size_t with = n + fx_sign_line_as(&world.keys[PF_CIV_B], "civ-beta-renamed.example", id,
                                          note, tl, note + n, sizeof note - n);
        CHECK_ERR(add(s, note, with, NULL), SP_ERR_LOG_SIGNATURE_LINE);
        /* The verifier itself takes it (one key per policy, no quorum counts it twice). */
        static sp_note w;
        static sp_update_result res;
        sp_update_report ur;
        CHECK_OK(sp_update_verify(&world.policy, (const uint8_t *)note, with, sp_sodium_crypto(),
                                  &w, &res, &ur, NULL));
    }
    /* Short of the current quorum. */
    n = update_note(note, sizeof note, p2_text, PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    CHECK_ERR(add(s, note, n, NULL), SP_ERR_UPDATE_OLD_QUORUM);
    /* A skipped version. */
    char p3[12288];
    uf_variant(p3, sizeof p3, p2_text, "\nversion 2\n", "\nversion 3\n");
    uf_update_text(text, sizeof text, &world.policy, 3, p3, 0);
    n = pf_sign_mask(note, sizeof note, text, world.keys, PF_NKEYS, ALL_KEYS);
    CHECK_ERR(add(s, note, n, NULL), SP_ERR_UPDATE_SKIPPED);
    CHECK(log_size(s) == 0);
    CHECK(refused(s, "POST", "/add", note, n, 400, "SP_ERR_UPDATE_SKIPPED"));

    /* Nothing stored: not updating, no chain link (a restart is not updating either). */
    sp_log_server_close(s);
    s = open_log(&world.policy);
    n = statement_under(note, sizeof note, &world.policy, 1);
    CHECK_OK(add(s, note, n, NULL));
    CHECK(log_size(s) == 1);
    sp_log_server_close(s);
    scratch_remove();
}

static void test_dropped_log_retires(void)
{
    char note[16384], upd[16384];
    uint64_t index = 99;
    scratch_make("logupd");
    witnesses_reset();
    sp_log_server *s = open_log(&world.policy);
    size_t un = update_note(upd, sizeof upd, p2d_text, ALL_KEYS);
    size_t n;
    CHECK_OK(add(s, upd, un, NULL));
    CHECK_OK(sp_log_publish(s, NULL));
    CHECK(served_update(s, &p2d));
    CHECK(log_said("policy version 2 (", p2d.hash,
                   ") does not name this log: retired at tree size 1"));
    n = statement_under(note, sizeof note, &world.policy, 1);
    CHECK_ERR(add(s, note, n, NULL), SP_ERR_LOG_RETIRED);
    CHECK(refused(s, "POST", "/add", note, n, 403, "SP_ERR_LOG_RETIRED"));
    n = statement_under(note, sizeof note, &p2d, 1);
    CHECK_ERR(add(s, note, n, NULL), SP_ERR_LOG_RETIRED);
    CHECK(log_size(s) == 1);
    /* The update that retired it, submitted again, gets its index (nothing stored). */
    CHECK_OK(add(s, upd, un, &index));
    CHECK(index == 0 && log_size(s) == 1);
    /* It keeps serving, its final checkpoint cosigned by P1's witnesses. */
    unsigned before = cosigned(old_w);
    sp_log_round r;
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.size == 1 && r.published && cosigned(old_w) == before + PUB_NWITNESSES);
    sp_log_server_close(s);
    /* Restarted with the policy that dropped it: still retired. */
    s = open_log(&p2d);
    CHECK_ERR(add(s, note, n, NULL), SP_ERR_LOG_RETIRED);
    index = 99;
    CHECK_OK(add(s, upd, un, &index));
    CHECK(index == 0 && log_size(s) == 1);
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.published && r.size == 1);
    CHECK(served_update(s, &p2d));
    sp_log_server_close(s);
    scratch_remove();
}

static void test_restart_resumes_the_chain(void)
{
    char note[16384];
    sp_err e;
    scratch_make("logupd");
    witnesses_reset();
    sp_log_server *s = open_log(&world.policy);
    size_t un = update_note(note, sizeof note, p2_text, ALL_KEYS);
    CHECK_OK(add(s, note, un, NULL));
    sp_log_server_close(s);

    /* Restarted while updating: still updating, under either policy of the chain. */
    s = open_log(&p2);
    size_t n = statement_under(note, sizeof note, &p2, 1);
    CHECK_ERR(add(s, note, n, NULL), SP_ERR_LOG_UPDATING);
    sp_log_server_close(s);
    s = open_log(&world.policy);
    CHECK_ERR(add(s, note, n, NULL), SP_ERR_LOG_UPDATING);
    CHECK_OK(sp_log_publish(s, NULL));
    CHECK_OK(add(s, note, n, NULL));
    sp_log_server_close(s);

    /* Restarted after the switch with P1: resumes at P2. */
    s = open_log(&world.policy);
    CHECK(served_update(s, &p2));
    n = statement_under(note, sizeof note, &world.policy, 2);
    CHECK_ERR(add(s, note, n, NULL), SP_ERR_STMT_POLICY);
    n = statement_under(note, sizeof note, &p2, 2);
    CHECK_OK(add(s, note, n, NULL));
    sp_log_server_close(s);

    /* Another chain's policy (P2b was never adopted here): refused, nothing changed. */
    s = open_with(&p2b, &e);
    CHECK(s == NULL && e == SP_ERR_LOG_POLICY);
    s = open_log(&p2);
    CHECK(log_size(s) == 3);
    sp_log_server_close(s);
    scratch_remove();
}

/* Killed after publishing the checkpoint that covers the update, before storing the
 * update bundle (the switch's two writes): restarted, the log makes the switch from the
 * stored checkpoint at once -- no round, so it does not depend on witnesses that may be
 * gone -- and serves the same proof. */
static void test_killed_before_the_bundle_is_stored(void)
{
    char note[16384], db[1024];
    scratch_make("logupd");
    witnesses_reset();
    sp_log_server *s = open_log(&world.policy);
    size_t n = update_note(note, sizeof note, p2_text, ALL_KEYS);
    CHECK_OK(add(s, note, n, NULL));
    CHECK_OK(sp_log_publish(s, NULL));
    log_answer before = log_call(s, "GET", "/policy-update/2", NULL, 0);
    CHECK(before.status == 200);
    sp_log_server_close(s);
    /* The state of the crash: the covering checkpoint stored, the link not adopted. */
    sqlite3 *h = NULL;
    scratch_path(db, sizeof db, "log.db");
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, "UPDATE policies SET bundle = NULL WHERE version = 2;", NULL, NULL,
                       NULL) == SQLITE_OK);
    sqlite3_close(h);
    unsigned cosigned_before = cosigned(old_w) + cosigned(new_w);
    s = open_log(&world.policy);
    CHECK(served_update(s, &p2));
    log_answer after = log_call(s, "GET", "/policy-update/2", NULL, 0);
    CHECK(after.status == 200 && after.len == before.len &&
          memcmp(after.body, before.body, before.len) == 0);
    free(before.body);
    free(after.body);
    n = statement_under(note, sizeof note, &p2, 1);
    CHECK_OK(add(s, note, n, NULL));
    CHECK(cosigned(old_w) + cosigned(new_w) == cosigned_before); /* no round was needed */
    sp_log_server_close(s);
    scratch_remove();
}

/* A database of the format before the chain (softpause-log/v1) is migrated in place. */
static void test_v1_database_migrates(void)
{
    char note[16384], db[1024];
    scratch_make("logupd");
    witnesses_reset();
    sp_log_server *s = open_log(&world.policy);
    size_t n = statement_under(note, sizeof note, &world.policy, 1);
    CHECK_OK(add(s, note, n, NULL));
    sp_log_server_close(s);
    /* Make it a v1 database: no policies table, the v1 mark. */
    sqlite3 *h = NULL;
    scratch_path(db, sizeof db, "log.db");
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, "DROP TABLE policies; UPDATE meta SET value = 'softpause-log/v1'"
                          " WHERE key = 'format';",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    /* Read as it is (export), then migrated by the log: its chain starts at P1. */
    sp_log_store *st = NULL;
    char why[256];
    CHECK_OK(sp_log_store_open_existing(&st, db, why, sizeof why));
    uint8_t *b = NULL;
    size_t len = 0;
    CHECK_ERR(sp_log_store_update_bundle(st, 2, &b, &len), SP_ERR_NOT_FOUND);
    sp_log_store_close(st);
    s = open_log(&world.policy);
    CHECK(log_size(s) == 1);
    n = update_note(note, sizeof note, p2_text, ALL_KEYS);
    CHECK_OK(add(s, note, n, NULL));
    CHECK_OK(sp_log_publish(s, NULL));
    CHECK(served_update(s, &p2));
    sp_log_server_close(s);
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    sqlite3_stmt *q = NULL;
    CHECK(sqlite3_prepare_v2(h, "SELECT value FROM meta WHERE key = 'format'", -1, &q, NULL) ==
          SQLITE_OK);
    CHECK(sqlite3_step(q) == SQLITE_ROW &&
          strcmp((const char *)sqlite3_column_text(q, 0), "softpause-log/v2") == 0);
    sqlite3_finalize(q);
    sqlite3_close(h);
    scratch_remove();
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    world_make();
    RUN_TEST(test_update_accepted_appends_wait_then_switch);
    RUN_TEST(test_update_refusals_store_nothing);
    RUN_TEST(test_dropped_log_retires);
    RUN_TEST(test_restart_resumes_the_chain);
    RUN_TEST(test_killed_before_the_bundle_is_stored);
    RUN_TEST(test_v1_database_migrates);
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        fw_stop(&old_w[i]);
        fw_stop(&new_w[i]);
    }
    return harness_finish("test_log_update");
}
