/*
 * bench/bundle.c -- what a device pays to check a weekly bundle, beyond the signatures.
 *
 * The standard test world (tests/support/policy_fixture.h): 5 bodies, "3 of all and 1
 * civil"; one log; witness quorum 2 of 3.  A bundle carries a statement signed by 3
 * bodies, an inclusion proof in a tree of SIZE leaves, and a checkpoint signed by the log
 * and cosigned by all 3 witnesses: 7 Ed25519 verifications in all (3 statement
 * signatures, 1 log signature, 3 cosignatures).  Timed interleaved in one process:
 *   (a) sp_bundle_verify (envelope parse, base64 of the statement, checkpoint and
 *       cosignature checks, witness quorum and attested time, leaf hash and inclusion
 *       proof, statement verification);
 *   (b) the floor: the 7 bare libsodium crypto_sign_verify_detached calls it contains;
 *   (c) sp_bundle_verify with an accept-all ed25519_verify: everything but the signature
 *       arithmetic (hashing included).
 * Reported as minima over batches, with (a)/(b) and (floor + (c)) / floor.
 *
 * usage: build/bench/bundle [ROUNDS]
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#include "softpause/bundle.h"
#include "softpause/host/sodium_crypto.h"
#include "support/policy_fixture.h"
#include "support/pub_fixture.h"

#define ITER 20
#define QUORUM (PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B))

/* The 7 signatures a bundle contains, as (sig, message, key) triples for the floor. */
typedef struct floor_item {
    uint8_t sig[64];
    uint8_t *msg;
    size_t len;
    const uint8_t *pk;
} floor_item;

static void sign_item(floor_item *f, const fx_key *k, const void *msg, size_t len)
{
    f->msg = malloc(len);
    if (f->msg == NULL)
        exit(1);
    memcpy(f->msg, msg, len);
    f->len = len;
    f->pk = k->pk;
    crypto_sign_detached(f->sig, NULL, f->msg, len, k->sk);
}

int main(int argc, char **argv)
{
    static const uint64_t sizes[] = {1, 1000, 4096};
    static pf_world W;
    static sp_bundle_work work;
    static sp_bundle_report report;
    static char note[16384], bundle[65536];
    int rounds = argc > 1 ? atoi(argv[1]) : 101;
    if (rounds < 3)
        rounds = 3;
    double *ta = calloc((size_t)rounds, sizeof(double));
    double *tb = calloc((size_t)rounds, sizeof(double));
    double *tc = calloc((size_t)rounds, sizeof(double));
    if (ta == NULL || tb == NULL || tc == NULL || sp_sodium_init() != SP_OK)
        return 1;
    pf_world_make(&W);
    sp_crypto stub = *sp_sodium_crypto();
    stub.ed25519_verify = bench_accept_all;

    printf("bundle verification vs its 7 bare Ed25519 verifications (minimum over %d "
           "interleaved batches of %d)\n", rounds, ITER);
    printf("%9s  %6s  %12s  %16s  %7s  %14s  %17s\n", "tree size", "proof", "bundle (us)",
           "7 x libsodium (us)", "ratio", "overhead (us)", "(floor+ovh)/floor");
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        pub_bundle_opts o;
        floor_item items[7];
        char text[1024], cp_text[512];
        uint8_t root[32], proof[64][32];
        size_t nproof = 0, note_len, bundle_len, text_len;
        uint64_t t = PF_GENESIS + 7ull * PF_EPOCH_LENGTH + 3600u;
        sp_statement st;
        int ni = 0;

        /* The statement is the newest leaf (where a weekly statement sits); the tree's
         * other leaves are fixed filler.  Tree size only changes the proof length. */
        pub_bundle_defaults(&o, &W.pub, t);
        o.tree_size = sizes[si];
        o.index = o.tree_size - 1;
        note_len = pf_statement_note(note, sizeof note, &W, 7, "run", QUORUM);
        bundle_len = pub_bundle(bundle, sizeof bundle, &W.pub, &o, note, note_len);
        pub_tree(note, note_len, o.tree_size, o.index, root, proof, &nproof);
        if (sp_bundle_verify(&W.policy, (const uint8_t *)bundle, bundle_len, sp_sodium_crypto(),
                             &work, &st, &report, NULL) != SP_OK)
            return 1;

        /* The floor: the same 7 signatures over the same messages. */
        text_len = pf_statement_text(text, sizeof text, &W.policy, 7, "run");
        for (int i = 0; i < PF_NKEYS; i++)
            if (QUORUM & (1u << i))
                sign_item(&items[ni++], &W.keys[i], text, text_len);
        {
            char root64[64];
            sodium_bin2base64(root64, sizeof root64, root, 32, sodium_base64_VARIANT_ORIGINAL);
            int n = snprintf(cp_text, sizeof cp_text, "%s\n%llu\n%s\n", PUB_LOG_ORIGIN,
                             (unsigned long long)o.tree_size, root64);
            sign_item(&items[ni++], &W.pub.log, cp_text, (size_t)n);
            for (int w = 0; w < PUB_NWITNESSES; w++) {
                char msg[640];
                int m = snprintf(msg, sizeof msg, "cosignature/v1\ntime %llu\n%s",
                                 (unsigned long long)t, cp_text);
                sign_item(&items[ni++], &W.pub.witnesses[w], msg, (size_t)m);
            }
        }

        for (int it = 0; it < 4 * ITER; it++)
            if (sp_bundle_verify(&W.policy, (const uint8_t *)bundle, bundle_len, &stub, &work,
                                 &st, &report, NULL) != SP_OK)
                return 1;
        for (int r = 0; r < rounds; r++) {
            double t0 = bench_now_us();
            for (int it = 0; it < ITER; it++)
                if (sp_bundle_verify(&W.policy, (const uint8_t *)bundle, bundle_len,
                                     sp_sodium_crypto(), &work, &st, &report, NULL) != SP_OK)
                    return 1;
            double t1 = bench_now_us();
            for (int it = 0; it < ITER; it++)
                for (int i = 0; i < ni; i++)
                    if (crypto_sign_verify_detached(items[i].sig, items[i].msg, items[i].len,
                                                    items[i].pk) != 0)
                        return 1;
            double t2 = bench_now_us();
            for (int it = 0; it < ITER; it++)
                if (sp_bundle_verify(&W.policy, (const uint8_t *)bundle, bundle_len, &stub,
                                     &work, &st, &report, NULL) != SP_OK)
                    return 1;
            double t3 = bench_now_us();
            ta[r] = (t1 - t0) / ITER;
            tb[r] = (t2 - t1) / ITER;
            tc[r] = (t3 - t2) / ITER;
        }
        double ma = bench_minimum(ta, rounds), mb = bench_minimum(tb, rounds), mc = bench_minimum(tc, rounds);
        printf("%9llu  %6zu  %12.1f  %16.1f  %7.3f  %14.2f  %17.4f\n",
               (unsigned long long)o.tree_size, nproof, ma, mb, ma / mb, mc, (mb + mc) / mb);
        for (int i = 0; i < ni; i++)
            free(items[i].msg);
    }
    free(ta);
    free(tb);
    free(tc);
    return 0;
}
