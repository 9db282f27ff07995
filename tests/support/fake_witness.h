/*
 * fake_witness.h -- a small C2SP tlog-witness server for tests, on the pub_fixture.h
 * witness keys.  It parses add-checkpoint requests with the library's parser, checks the
 * log signature and the consistency proof with the verifier, keeps its latest cosigned
 * size and root (in memory), answers 409 with "<size>\n" (text/x.tlog.size) when the old
 * size is not that size, and signs cosignature/v1 lines with pub_cosign_line (libsodium
 * directly).  Modes make it misbehave on purpose.  Loopback, port picked by the kernel.
 */
#ifndef DACC_TESTS_FAKE_WITNESS_H
#define DACC_TESTS_FAKE_WITNESS_H

#include <pthread.h>
#include <stdint.h>

#include "softpause/host/http.h"
#include "softpause/witness_policy.h"
#include "support/pub_fixture.h"

enum {
    FW_OK = 0,            /* behave */
    FW_DOWN,              /* answer 503 */
    FW_BAD_SIGNATURE,     /* cosign with a corrupted signature */
    FW_OTHER_WITNESS,     /* answer with the next witness's cosignature line */
    FW_AHEAD,             /* date cosignatures `ahead` seconds after the clock */
    FW_V1                 /* behave as tlog-witness v1.0.0: a split view is 409, not 422 */
};

typedef struct fake_witness {
    int index;                       /* pub_world witness 0..PUB_NWITNESSES-1 */
    int mode;                        /* FW_*: fw_set_mode (read by handler threads) */
    uint64_t ahead;                  /* FW_AHEAD: seconds; fw_set_ahead */
    const pub_world *pw;
    const sp_wpolicy *wp;            /* the logs it accepts */
    pthread_mutex_t lock;            /* size, root, cosigned */
    uint64_t size;                   /* latest cosigned size (0: never) */
    uint8_t root[32];
    unsigned cosigned;               /* cosignatures given */
    sp_http_server *http;
    uint16_t port;
    char url[64];                    /* http://127.0.0.1:PORT */
} fake_witness;

/* Start witness `index` of pw, accepting the logs of wp (both must outlive it).  Exits
 * the test binary if the server cannot start. */
void fw_start(fake_witness *fw, const pub_world *pw, const sp_wpolicy *wp, int index);
void fw_stop(fake_witness *fw);

/* Change the behaviour (safe while requests run). */
void fw_set_mode(fake_witness *fw, int mode);

/* Date every cosignature `seconds` after the real clock (mode FW_AHEAD). */
void fw_set_ahead(fake_witness *fw, uint64_t seconds);

/* Forget everything cosigned and behave again. */
void fw_reset(fake_witness *fw);

#endif
