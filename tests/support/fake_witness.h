/*
 * fake_witness.h -- the project's real witness (softpause/server/witness.h, handled in
 * process over loopback HTTP) on one of the pub_fixture.h witness keys, with a thin layer
 * that stages the misbehaviours a log must survive.  What a witness decides (the old size,
 * consistency proofs, split views, what it remembers) is the real handler's, on its own
 * SQLite database in a scratch directory; the layer only changes what goes over the wire:
 *
 *   FW_DOWN           answer 503 without asking the witness
 *   FW_BAD_SIGNATURE  the witness's cosignature with its signature corrupted
 *   FW_OTHER_WITNESS  the witness cosigns, but the answer is the next witness's line
 *   FW_AHEAD          the witness's clock runs `ahead` seconds fast (its clock hook)
 *   FW_V1             a split view answered as tlog-witness v1.0.0 did: 409, not 422
 *
 * fw_fork makes the witness hold another tree of a given size (a real split view: its
 * database re-initialised from a log-signed checkpoint of that size with another root).
 */
#ifndef DACC_TESTS_FAKE_WITNESS_H
#define DACC_TESTS_FAKE_WITNESS_H

#include <pthread.h>
#include <stdint.h>

#include "softpause/host/http.h"
#include "softpause/server/witness.h"
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
    pthread_mutex_t lock;            /* service, cosigned */
    sp_witness_service *service;     /* the real witness */
    unsigned cosigned;               /* cosignatures given */
    char dir[512];                   /* its scratch directory (the database: DIR/w.db) */
    sp_http_server *http;
    uint16_t port;
    char url[64];                    /* http://127.0.0.1:PORT */
} fake_witness;

/* Start witness `index` of pw, accepting the logs of wp (both must outlive it), with a new
 * database.  Exits the test binary if it cannot start. */
void fw_start(fake_witness *fw, const pub_world *pw, const sp_wpolicy *wp, int index);
/* Stop it and remove its database. */
void fw_stop(fake_witness *fw);

/* Change the behaviour (safe while requests run). */
void fw_set_mode(fake_witness *fw, int mode);

/* Date every cosignature `seconds` after the real clock (mode FW_AHEAD). */
void fw_set_ahead(fake_witness *fw, uint64_t seconds);

/* Forget everything cosigned (a new database) and behave again. */
void fw_reset(fake_witness *fw);

/* Hold another tree of `size` leaves (size >= 1) than the log's: the database is made anew
 * from a checkpoint of that size signed by pw's log, with a root no real tree has (32
 * bytes 0xEE).  Behaves again. */
void fw_fork(fake_witness *fw, uint64_t size);

#endif
