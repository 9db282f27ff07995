/*
 * witness_fixture.h -- one deterministic publication world for the checkpoint tests and
 * the publication corpus generator (fuzz/gen/gen_publication.c), so the fuzz targets'
 * embedded policy (fuzz/witness_setup.h) and the tests sign with the same keys:
 *
 *   log        example.org/log (note key, seed 1); another log, other.example/log (seed 2)
 *   witnesses  w0..w3.example (seeds 30..33); a b c = w0 w1 w2 are in the policy, w3 is not
 *   stranger   stranger.example (seed 3), known to nobody
 *   policy     canonical: log, witnesses a b c, "group g 2 a b c", "quorum g"
 *   texts      ckpt (size 5, root 0xAB..), ckpt_other (size 6, root 0xCD..) of the log;
 *              ckpt_foreign (size 5) of other.example/log
 */
#ifndef DACC_TESTS_WITNESS_FIXTURE_H
#define DACC_TESTS_WITNESS_FIXTURE_H

#include "support/fixture.h"

typedef struct wf_world {
    fx_key log, other_log, stranger, w[4];
    char wvkey[4][256];              /* cosigner (0x04) vkeys of w[] */
    char policy[4096];
    char ckpt[256], ckpt_other[256], ckpt_foreign[256];
} wf_world;

void wf_world_make(wf_world *wf);

#endif
