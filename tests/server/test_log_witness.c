/*
 * test_log_witness.c -- the log (server/log.h) against the project's own witnesses
 * (server/witness.h) over HTTP: the two servers were written separately from the C2SP
 * tlog-witness text, so this is where they must agree -- first contact (old 0), growth
 * with consistency proofs, re-cosigning without growth, a restarted log that learns the
 * witnesses' sizes from their 409 answers, and a log that shows the witnesses a second
 * tree of the same size (split view), which they refuse; and the log keeps one
 * connection alive to each witness.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "support/policy_fixture.h"
#include "support/scratch.h"
#include "softpause/checkpoint.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/server/log.h"
#include "softpause/server/witness.h"

static pf_world world;
static sp_signer_key log_key;
static sp_witness_service *services[PUB_NWITNESSES];
static sp_http_server *servers[PUB_NWITNESSES];

#define QUORUM (PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B))

/* Three witnesses on free ports; the policy names their URLs. */
static int setup(void)
{
    uint16_t ports[PUB_NWITNESSES] = {0};
    pf_world_make(&world);
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        char db[1024], name[16], err[256];
        sp_signer_key k;
        pub_cosigner_key(&k, &world.pub, i);
        snprintf(name, sizeof name, "w%d.db", i);
        scratch_path(db, sizeof db, name);
        sp_witness_config cfg = {&k, world.policy.witness.logs, world.policy.witness.log_count,
                                 db, NULL, NULL, NULL, 1, NULL, 0};
        if (sp_witness_open(&services[i], &cfg, err, sizeof err) != SP_OK ||
            sp_http_server_start(&servers[i], NULL, 0, 1 << 16, sp_witness_http, services[i],
                                 &ports[i]) != SP_OK) {
            printf("witness %d does not start: %s\n", i, err);
            return 0;
        }
    }
    pf_world_set_witness_ports(&world, ports);
    return sp_signer_key_parse(&log_key, world.pub.log.skey, strlen(world.pub.log.skey)) ==
           SP_OK;
}

static sp_log_server *open_log(const char *name)
{
    char db[1024];
    scratch_path(db, sizeof db, name);
    sp_log_config cfg = {&world.policy, &log_key, db, 0, 3000, NULL, NULL, 0, 0};
    sp_log_server *s = NULL;
    CHECK_OK(sp_log_server_open(&s, &cfg));
    return s;
}

/* Append statements for epochs from..to-1 in `mode` ("run", "pause", ...). */
static void add(sp_log_server *s, uint64_t from, uint64_t to, const char *mode)
{
    for (uint64_t e = from; e < to; e++) {
        char note[8192];
        uint64_t index;
        int existed;
        size_t len = pf_statement_note(note, sizeof note, &world, e, mode, QUORUM);
        CHECK_OK(sp_log_add(s, (const uint8_t *)note, len, &index, &existed, NULL));
    }
}

/* What the witnesses remember for the log. */
static uint64_t witness_size(int i)
{
    int found = 0;
    uint64_t size = 0;
    uint8_t root[32];
    CHECK_OK(sp_witness_latest(services[i], PUB_LOG_ORIGIN, &found, &size, root));
    return found ? size : UINT64_MAX;
}

static void test_log_and_witnesses_agree(void)
{
    sp_log_server *s = open_log("log.db");
    sp_log_round r;
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.size == 0 && r.cosigned == PUB_ALL_WITNESSES);
    add(s, 1, 6, "run");
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.size == 5 && r.cosigned == PUB_ALL_WITNESSES);
    for (int i = 0; i < PUB_NWITNESSES; i++)
        CHECK(witness_size(i) == 5);
    /* No growth: cosigned again (old 5, no proof). */
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.cosigned == PUB_ALL_WITNESSES);
    sp_log_server_close(s);

    /* Restarted: old 0 -> 409 "5\n" -> old 5 with the proof to 7. */
    s = open_log("log.db");
    add(s, 6, 8, "run");
    CHECK_OK(sp_log_publish(s, &r));
    CHECK(r.size == 7 && r.cosigned == PUB_ALL_WITNESSES);
    CHECK(r.witnesses[0].size == 7 && witness_size(2) == 7);

    /* The served checkpoint: log signature, three cosignatures, quorum time. */
    static sp_checkpoint_work work;
    sp_checkpoint cp;
    sp_checkpoint_result res;
    sp_http_response resp = {0};
    sp_log_handle(s, "GET", "/checkpoint", NULL, 0, &resp);
    CHECK(resp.status == 200);
    CHECK_OK(sp_checkpoint_verify_witnessed(&world.policy.witness, resp.body, resp.body_len,
                                            sp_sodium_crypto(), &work, &cp, &res));
    CHECK(cp.size == 7 && res.cosigned == PUB_ALL_WITNESSES && res.quorum_time > 0);
    free(resp.body);
    sp_log_server_close(s);
}

static void test_second_tree_is_refused(void)
{
    /* Same key, another database: seven different statements, a tree of the size the
     * witnesses hold with another root.  They learn nothing new and cosign nothing. */
    sp_log_server *s = open_log("forked.db");
    sp_log_round r;
    add(s, 1, 8, "pause");
    CHECK_ERR(sp_log_publish(s, &r), SP_ERR_WITNESS_QUORUM);
    CHECK(r.cosigned == 0 && r.published == 0);
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        CHECK(r.witnesses[i].err == SP_ERR_WITNESS_SPLIT_VIEW);
        CHECK(r.witnesses[i].http_status == 422); /* tlog-witness: old == size, other root */
        CHECK(witness_size(i) == 7);
    }
    uint64_t evidence = 0;
    CHECK_OK(sp_witness_evidence_count(services[0], PUB_LOG_ORIGIN, &evidence));
    CHECK(evidence >= 1);
    /* A shorter second tree is a conflict: the witnesses are ahead of it. */
    sp_log_server_close(s);
    s = open_log("short.db");
    add(s, 1, 3, "pause");
    CHECK_ERR(sp_log_publish(s, &r), SP_ERR_WITNESS_QUORUM);
    CHECK(r.witnesses[1].err == SP_ERR_WITNESS_CONFLICT && r.witnesses[1].size == 7);
    sp_log_server_close(s);
}

/* Witnesses and the log keep connections alive to each other: a restarted log (a 409
 * round trip to learn the witnesses' size first) and five rounds of growth open one
 * connection per witness in all (before, every request opened its own). */
static void test_log_keeps_one_connection_per_witness(void)
{
    uint64_t before[PUB_NWITNESSES];
    for (int i = 0; i < PUB_NWITNESSES; i++)
        before[i] = sp_http_server_connections(servers[i]);
    sp_log_server *s = open_log("log.db");
    sp_log_round r;
    for (uint64_t size = 8; size < 14; size++) {
        add(s, size, size + 1, "run");
        CHECK_OK(sp_log_publish(s, &r));
        CHECK(r.size == size && r.cosigned == PUB_ALL_WITNESSES);
    }
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        uint64_t opened = sp_http_server_connections(servers[i]) - before[i];
        CHECK(opened == 1);
        if (opened != 1)
            printf("  witness %d: %llu connections\n", i, (unsigned long long)opened);
    }
    sp_log_server_close(s);
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    scratch_make("logwitness");
    if (!setup()) {
        CHECK(0);
    } else {
        RUN_TEST(test_log_and_witnesses_agree);
        RUN_TEST(test_second_tree_is_refused);
        RUN_TEST(test_log_keeps_one_connection_per_witness);
    }
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        sp_http_server_stop(servers[i]);
        sp_witness_close(services[i]);
    }
    scratch_remove();
    return harness_finish("test_log_witness");
}
