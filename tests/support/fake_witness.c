/*
 * fake_witness.c -- see fake_witness.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "softpause/checkpoint.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/tlog_proof.h"
#include "support/fake_witness.h"

/* The witness's clock: the real one, `ahead` seconds fast in FW_AHEAD mode. */
static uint64_t fw_clock(void *ctx)
{
    fake_witness *fw = ctx;
    uint64_t now = (uint64_t)time(NULL);
    if (__atomic_load_n(&fw->mode, __ATOMIC_SEQ_CST) == FW_AHEAD)
        now += __atomic_load_n(&fw->ahead, __ATOMIC_SEQ_CST);
    return now;
}

static void fw_die(const fake_witness *fw, const char *what, sp_err e, const char *err)
{
    fprintf(stderr, "test witness %d: %s: %s %s\n", fw->index, what, sp_err_name(e), err);
    exit(1);
}

static void db_path(const fake_witness *fw, char *out, size_t cap, const char *suffix)
{
    snprintf(out, cap, "%s/w.db%s", fw->dir, suffix);
}

/* Remove the database (and its -wal and -shm files). */
static void remove_db(const fake_witness *fw)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char path[600];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        db_path(fw, path, sizeof path, suffixes[i]);
        unlink(path);
    }
}

/* A new database, empty or (start != NULL) starting from that checkpoint note.  Called with
 * fw->lock held, or before the server starts. */
static void open_service(fake_witness *fw, const char *start)
{
    char path[600], err[256] = "";
    sp_signer_key key;
    sp_witness_start from = {(const uint8_t *)start, start ? strlen(start) : 0, "fork"};
    pub_cosigner_key(&key, fw->pw, fw->index);
    db_path(fw, path, sizeof path, "");
    sp_witness_config cfg = {&key,    fw->wp->logs, fw->wp->log_count, path, NULL, fw_clock, fw,
                             1,       start ? &from : NULL, start ? 1u : 0u};
    sp_err e = sp_witness_open(&fw->service, &cfg, err, sizeof err);
    sp_signer_key_wipe(&key);
    if (e != SP_OK)
        fw_die(fw, "cannot open its database", e, err);
}

static void replace_service(fake_witness *fw, const char *start)
{
    pthread_mutex_lock(&fw->lock);
    sp_witness_close(fw->service);
    fw->service = NULL;
    remove_db(fw);
    fw->cosigned = 0;
    open_service(fw, start);
    pthread_mutex_unlock(&fw->lock);
}

/* FW_OTHER_WITNESS: the next witness's cosignature line over the request's checkpoint, in
 * place of this witness's own. */
static void answer_as_other(const fake_witness *fw, const uint8_t *body, size_t len,
                            sp_http_response *resp)
{
    static _Thread_local sp_witness_request req;
    static _Thread_local sp_checkpoint_work work;
    sp_checkpoint cp;
    uint32_t log_index;
    char line[512];
    if (sp_witness_request_parse(&req, body, len, NULL) != SP_OK ||
        sp_checkpoint_verify_log(fw->wp->logs, fw->wp->log_count, req.checkpoint,
                                 req.checkpoint_len, sp_sodium_crypto(), &work, &cp,
                                 &log_index) != SP_OK)
        return; /* the witness has answered 200 to it: cannot happen */
    pub_cosign_line(line, sizeof line, fw->pw, (fw->index + 1) % PUB_NWITNESSES,
                    (uint64_t)time(NULL), (const char *)req.checkpoint, cp.text_len);
    if (!resp->body_static)
        free(resp->body);
    sp_http_respond_text(resp, 200, line);
}

static void handle(void *ctx, const char *method, const char *path, const uint8_t *body,
                   size_t len, sp_http_response *resp)
{
    static const char split[] = "SP_ERR_WITNESS_SPLIT_VIEW:"; /* how its answer starts */
    fake_witness *fw = ctx;
    int mode = __atomic_load_n(&fw->mode, __ATOMIC_SEQ_CST);
    if (mode == FW_DOWN) {
        sp_http_respond_text(resp, 503, "down for the test\n");
        return;
    }
    pthread_mutex_lock(&fw->lock);
    sp_witness_http(fw->service, method, path, body, len, resp);
    if (resp->status == 200)
        fw->cosigned++;
    pthread_mutex_unlock(&fw->lock);
    if (resp->status == 200 && mode == FW_BAD_SIGNATURE && resp->body_len > 12) {
        uint8_t *c = resp->body + resp->body_len - 10; /* inside the signature */
        *c = *c == 'A' ? 'B' : 'A';
    } else if (resp->status == 200 && mode == FW_OTHER_WITNESS) {
        answer_as_other(fw, body, len, resp);
    } else if (resp->status == 422 && mode == FW_V1 && resp->body_len >= sizeof split - 1 &&
               memcmp(resp->body, split, sizeof split - 1) == 0) {
        resp->status = 409; /* tlog-witness v1.0.0 answered a split view 409 */
    }
}

void fw_start(fake_witness *fw, const pub_world *pw, const sp_wpolicy *wp, int index)
{
    const char *tmp = getenv("TMPDIR");
    memset(fw, 0, sizeof *fw);
    fw->index = index;
    fw->pw = pw;
    fw->wp = wp;
    pthread_mutex_init(&fw->lock, NULL);
    snprintf(fw->dir, sizeof fw->dir, "%s/fake-witness.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(fw->dir) == NULL)
        fw_die(fw, "cannot make its directory", SP_ERR_IO, fw->dir);
    open_service(fw, NULL);
    sp_err e = sp_http_server_start(&fw->http, NULL, 0, 1 << 16, handle, fw, &fw->port);
    if (e != SP_OK)
        fw_die(fw, "cannot listen", e, "");
    snprintf(fw->url, sizeof fw->url, "http://127.0.0.1:%u", (unsigned)fw->port);
}

void fw_stop(fake_witness *fw)
{
    sp_http_server_stop(fw->http);
    fw->http = NULL;
    sp_witness_close(fw->service);
    fw->service = NULL;
    remove_db(fw);
    rmdir(fw->dir);
    pthread_mutex_destroy(&fw->lock);
}

void fw_set_mode(fake_witness *fw, int mode)
{
    __atomic_store_n(&fw->mode, mode, __ATOMIC_SEQ_CST);
}

void fw_set_ahead(fake_witness *fw, uint64_t seconds)
{
    __atomic_store_n(&fw->ahead, seconds, __ATOMIC_SEQ_CST);
    fw_set_mode(fw, FW_AHEAD);
}

void fw_reset(fake_witness *fw)
{
    fw_set_mode(fw, FW_OK);
    replace_service(fw, NULL);
}

void fw_fork(fake_witness *fw, uint64_t size)
{
    static char note[1024];
    uint8_t root[32];
    pub_bundle_opts o;
    memset(root, 0xEE, sizeof root);
    pub_bundle_defaults(&o, fw->pw, (uint64_t)time(NULL));
    o.witness_mask = 0; /* the log's signature only */
    pub_checkpoint_note(note, sizeof note, fw->pw, &o, size, root);
    replace_service(fw, note);
}
