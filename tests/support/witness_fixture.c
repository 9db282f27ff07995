/*
 * witness_fixture.c -- see witness_fixture.h.
 */
#include <stdio.h>

#include "support/witness_fixture.h"

void wf_world_make(wf_world *wf)
{
    fx_key_make(&wf->log, "example.org/log", 1);
    fx_key_make(&wf->other_log, "other.example/log", 2);
    fx_key_make(&wf->stranger, "stranger.example", 3);
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "w%d.example", i);
        fx_key_make(&wf->w[i], name, (uint8_t)(30 + i));
        fx_cosigner_vkey(&wf->w[i], wf->wvkey[i], sizeof wf->wvkey[i]);
    }
    snprintf(wf->policy, sizeof wf->policy,
             "log %s\nwitness a %s\nwitness b %s\nwitness c %s\ngroup g 2 a b c\nquorum g\n",
             wf->log.vkey, wf->wvkey[0], wf->wvkey[1], wf->wvkey[2]);
    fx_checkpoint_text(wf->ckpt, sizeof wf->ckpt, "example.org/log", 5, 0xAB);
    fx_checkpoint_text(wf->ckpt_other, sizeof wf->ckpt_other, "example.org/log", 6, 0xCD);
    fx_checkpoint_text(wf->ckpt_foreign, sizeof wf->ckpt_foreign, "other.example/log", 5, 0xAB);
}
