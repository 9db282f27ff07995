/*
 * fake_witness.c -- see fake_witness.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "softpause/checkpoint.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/merkle.h"
#include "softpause/tlog_proof.h"
#include "support/fake_witness.h"

static void respond(sp_http_response *resp, int status, const char *type, const char *text)
{
    sp_http_respond_text(resp, status, text);
    if (type != NULL)
        resp->content_type = type;
}

/* The status C2SP tlog-witness gives a request from old size `old` for checkpoint cp,
 * given the witness's state; 200 updates the state.  Called with fw->lock held.  A split
 * view (same size, another root) is 422, or 409 in FW_V1 mode (tlog-witness v1.0.0). */
static int judge(fake_witness *fw, const sp_witness_request *req, const sp_checkpoint *cp,
                 int mode)
{
    if (req->old_size > cp->size)
        return 400;
    if (req->old_size == cp->size && fw->cosigned > 0) {
        if (memcmp(fw->root, cp->root, 32) == 0 && req->hash_count == 0)
            return 200;
        return mode == FW_V1 ? 409 : 422;
    }
    if (req->old_size == 0)
        return req->hash_count == 0 ? 200 : 422;
    return sp_merkle_verify_consistency(sp_sodium_crypto(), req->old_size, cp->size, fw->root,
                                        32, cp->root, 32,
                                        (const uint8_t(*)[32])req->hashes,
                                        req->hash_count) == SP_OK
               ? 200
               : 422;
}

static void handle(void *ctx, const char *method, const char *path, const uint8_t *body,
                   size_t len, sp_http_response *resp)
{
    fake_witness *fw = ctx;
    int mode = __atomic_load_n(&fw->mode, __ATOMIC_SEQ_CST);
    static _Thread_local sp_witness_request req;
    static _Thread_local sp_checkpoint_work work;
    sp_checkpoint cp;
    uint32_t log_index;
    if (strcmp(method, "POST") != 0 || strcmp(path, "/add-checkpoint") != 0) {
        respond(resp, 404, NULL, "no such path\n");
        return;
    }
    if (mode == FW_DOWN) {
        respond(resp, 503, NULL, "down for the test\n");
        return;
    }
    if (sp_witness_request_parse(&req, body, len, NULL) != SP_OK) {
        respond(resp, 400, NULL, "bad request\n");
        return;
    }
    if (sp_checkpoint_verify_log(fw->wp->logs, fw->wp->log_count, req.checkpoint,
                                 req.checkpoint_len, sp_sodium_crypto(), &work, &cp,
                                 &log_index) != SP_OK) {
        respond(resp, 403, NULL, "log signature\n");
        return;
    }
    pthread_mutex_lock(&fw->lock);
    if (req.old_size != fw->size) {
        char text[32];
        snprintf(text, sizeof text, "%llu\n", (unsigned long long)fw->size);
        pthread_mutex_unlock(&fw->lock);
        respond(resp, 409, "text/x.tlog.size", text);
        return;
    }
    int status = judge(fw, &req, &cp, mode);
    if (status == 200) {
        fw->size = cp.size;
        memcpy(fw->root, cp.root, 32);
        fw->cosigned++;
    }
    pthread_mutex_unlock(&fw->lock);
    if (status != 200) {
        respond(resp, status, NULL, "refused\n");
        return;
    }
    char line[512];
    int signer = mode == FW_OTHER_WITNESS ? (fw->index + 1) % PUB_NWITNESSES : fw->index;
    uint64_t when = (uint64_t)time(NULL);
    if (mode == FW_AHEAD)
        when += __atomic_load_n(&fw->ahead, __ATOMIC_SEQ_CST);
    size_t n = pub_cosign_line(line, sizeof line, fw->pw, signer, when,
                               (const char *)req.checkpoint, cp.text_len);
    if (mode == FW_BAD_SIGNATURE)
        line[n - 10] = line[n - 10] == 'A' ? 'B' : 'A'; /* inside the signature */
    respond(resp, 200, NULL, line);
}

void fw_start(fake_witness *fw, const pub_world *pw, const sp_wpolicy *wp, int index)
{
    memset(fw, 0, sizeof *fw);
    fw->index = index;
    fw->pw = pw;
    fw->wp = wp;
    pthread_mutex_init(&fw->lock, NULL);
    if (sp_http_server_start(&fw->http, NULL, 0, 1 << 16, handle, fw, &fw->port) != SP_OK) {
        fprintf(stderr, "cannot start a test witness\n");
        exit(1);
    }
    snprintf(fw->url, sizeof fw->url, "http://127.0.0.1:%u", (unsigned)fw->port);
}

void fw_stop(fake_witness *fw)
{
    sp_http_server_stop(fw->http);
    fw->http = NULL;
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
    pthread_mutex_lock(&fw->lock);
    fw->size = 0;
    fw->cosigned = 0;
    memset(fw->root, 0, sizeof fw->root);
    pthread_mutex_unlock(&fw->lock);
}
