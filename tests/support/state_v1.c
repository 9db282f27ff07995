/*
 * state_v1.c -- see state_v1.h.  Written field by field, independently of state_record.c.
 */
#include <sodium.h>
#include <string.h>

#include "support/state_v1.h"

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

void sv1_record(uint8_t rec[SP_STATE_RECORD_BYTES], const sp_device_state *st,
                const uint8_t key[32])
{
    memset(rec, 0, SP_STATE_RECORD_BYTES);
    memcpy(rec, "SPST", 4);
    put_be(rec + 4, 1, 2);
    put_be(rec + 6, SP_STATE_RECORD_BYTES, 2);
    put_be(rec + 8, st->stamp, 8);
    memcpy(rec + 16, st->policy_hash, 32);
    put_be(rec + 48, st->policy_version, 8);
    put_be(rec + 56, st->highest_epoch, 8);
    put_be(rec + 64, st->allowance, 8);
    put_be(rec + 72, st->mode, 4);
    put_be(rec + 76, st->permille, 4);
    put_be(rec + 80, st->last_decision, 4);
    put_be(rec + 84, (uint32_t)st->last_reason, 4);
    put_be(rec + 88, st->has_epoch, 4);
    crypto_auth_hmacsha256(rec + 96, rec, 96, key);
}
