/*
 * bench/verify.c -- what statement verification costs beyond the signatures themselves.
 *
 * For k = 3, 5, 7 and 16 signers (policy "k of all", a statement signed by all k), times
 *   (a) sp_statement_verify: note parse, statement parse and checks, k Ed25519 verifies
 *       through the crypto interface, quorum evaluation;
 *   (b) the floor: k bare libsodium crypto_sign_verify_detached calls on the same inputs.
 * The two are measured interleaved, batch by batch, in one process (the machines are
 * shared and noisy); each is reported as the minimum over batches (the least-disturbed
 * run), with their ratio.  Because a ratio of two noisy minima still wobbles by a percent
 * or so, the table also measures the non-signature work directly: (c) sp_statement_verify
 * with a crypto interface whose ed25519_verify returns "valid" at once, which is exactly
 * everything but the signature arithmetic.  Goal: ratio <= 1.02 at k = 3.
 *
 * Then policy-update verification (issue 9): sp_update_verify of the fixture's P1 -> P2
 * (tests/support/update_fixture.h: 5 signer keys, one re-keyed; the note signed by all
 * six keys of both policies) against its floor: exactly the Ed25519 verifications and
 * key checks (crypto_core_ed25519_is_valid_point) the verifier makes -- recorded once
 * through a recording crypto interface, then replayed as bare libsodium calls -- and
 * the overhead directly, as sp_update_verify with both checks answering "valid" at once.
 * Goal: ratio <= 1.05.
 *
 * usage: build/bench/verify [ROUNDS]     (make bench runs it with the default, 101)
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#include "softpause/host/policy_build.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/note.h"
#include "softpause/statement.h"
#include "softpause/update.h"
#include "support/fixture.h"
#include "support/pub_fixture.h"
#include "support/update_fixture.h"

#define ITER 25

/* Everything real except the signature check itself. */

static void die(const char *what, sp_err e)
{
    fprintf(stderr, "bench: %s: %s\n", what, sp_err_name(e));
    exit(1);
}

/* The series of per-call times: batch r took t[1]-t[0] (verify), t[2]-t[1] (floor) and
 * t[3]-t[2] (stub) for ITER calls each; their minima over `rounds` batches into m. */
static double *t_verify, *t_floor, *t_stub;
static void batch_done(int r, const double t[4])
{
    t_verify[r] = (t[1] - t[0]) / ITER;
    t_floor[r] = (t[2] - t[1]) / ITER;
    t_stub[r] = (t[3] - t[2]) / ITER;
}
static void minima(int rounds, double m[3])
{
    m[0] = bench_minimum(t_verify, rounds);
    m[1] = bench_minimum(t_floor, rounds);
    m[2] = bench_minimum(t_stub, rounds);
}

/* ---- the update's floor: the crypto calls sp_update_verify makes, recorded ---------- */

enum { MAX_CALLS = 128 };
static struct {
    int nverify, ncheck;
    uint8_t sig[MAX_CALLS][64], vpk[MAX_CALLS][32], cpk[MAX_CALLS][32];
    const uint8_t *msg[MAX_CALLS];
    size_t len[MAX_CALLS];
} rec;

static int record_verify(void *ctx, const uint8_t sig[64], const uint8_t *msg, size_t len,
                         const uint8_t pk[32])
{
    (void)ctx;
    if (rec.nverify < MAX_CALLS) {
        memcpy(rec.sig[rec.nverify], sig, 64);
        memcpy(rec.vpk[rec.nverify], pk, 32);
        rec.msg[rec.nverify] = msg; /* the note's text: in the caller's buffer */
        rec.len[rec.nverify++] = len;
    }
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : -1;
}

static int record_check_key(void *ctx, const uint8_t pk[32])
{
    (void)ctx;
    if (rec.ncheck < MAX_CALLS)
        memcpy(rec.cpk[rec.ncheck++], pk, 32);
    return crypto_core_ed25519_is_valid_point(pk) == 1 ? 0 : -1;
}

/* The stub's key check: "valid" at once (with bench_accept_all: no crypto arithmetic). */
static int accept_key(void *ctx, const uint8_t pk[32])
{
    (void)ctx;
    (void)pk;
    return 0;
}

static void bench_update(int rounds)
{
    static uf_world uw;
    static char unote[SP_MAX_NOTE_BYTES * 2];
    static sp_note uwork;
    static sp_update_result res;
    static sp_update_report urep;
    sp_crypto recording = *sp_sodium_crypto(), stub = *sp_sodium_crypto();
    uint32_t line;
    sp_err e;

    uf_world_make(&uw);
    size_t n = uf_update_note(unote, sizeof unote, &uw, 0, UF_P1_P2_KEYS);
    const uint8_t *u = (const uint8_t *)unote;
    recording.ed25519_verify = record_verify;
    recording.ed25519_check_key = record_check_key;
    stub.ed25519_verify = bench_accept_all;
    stub.ed25519_check_key = accept_key;
    memset(&rec, 0, sizeof rec);
    if ((e = sp_update_verify(&uw.p[0], u, n, &recording, &uwork, &res, &urep, &line)) != SP_OK)
        die("update verify", e);
    if (rec.nverify >= MAX_CALLS || rec.ncheck >= MAX_CALLS)
        die("update: more crypto calls than recorded", SP_ERR_ARGUMENT);
    for (int it = 0; it < 4 * ITER; it++)
        if (sp_update_verify(&uw.p[0], u, n, &stub, &uwork, &res, &urep, &line) != SP_OK)
            die("warm-up", SP_ERR_CRYPTO);
    for (int r = 0; r < rounds; r++) {
        double t[4];
        t[0] = bench_now_us();
        for (int it = 0; it < ITER; it++)
            if (sp_update_verify(&uw.p[0], u, n, sp_sodium_crypto(), &uwork, &res, &urep,
                                 &line) != SP_OK)
                die("update verify", SP_ERR_CRYPTO);
        t[1] = bench_now_us();
        for (int it = 0; it < ITER; it++) {
            for (int i = 0; i < rec.nverify; i++)
                if (crypto_sign_verify_detached(rec.sig[i], rec.msg[i], rec.len[i],
                                                rec.vpk[i]) != 0)
                    die("update floor", SP_ERR_CRYPTO);
            for (int i = 0; i < rec.ncheck; i++)
                if (crypto_core_ed25519_is_valid_point(rec.cpk[i]) != 1)
                    die("update floor (keys)", SP_ERR_CRYPTO);
        }
        t[2] = bench_now_us();
        for (int it = 0; it < ITER; it++)
            if (sp_update_verify(&uw.p[0], u, n, &stub, &uwork, &res, &urep, &line) != SP_OK)
                die("update verify (stub)", SP_ERR_CRYPTO);
        t[3] = bench_now_us();
        batch_done(r, t);
    }
    double m[3];
    minima(rounds, m);
    double mv = m[0], mf = m[1], ms = m[2];
    printf("\npolicy-update verification vs its floor (P1 -> P2, %zu-byte note, minimum over "
           "%d interleaved batches of %d)\n", n, rounds, ITER);
    printf("%12s  %10s  %7s  %14s  %17s\n", "verify (us)", "floor (us)", "ratio",
           "overhead (us)", "(floor+ovh)/floor");
    printf("%12.1f  %10.1f  %7.3f  %14.2f  %17.4f\n", mv, mf, mv / mf, ms, (mf + ms) / mf);
    printf("floor: %d Ed25519 verifications + %d key checks, the calls sp_update_verify "
           "makes\n", rec.nverify, rec.ncheck);
}

int main(int argc, char **argv)
{
    static const int ks[] = {3, 5, 7, 16};
    static fx_key keys[16];
    static sp_policy policy;
    static sp_note work;
    static uint8_t policy_bytes[SP_MAX_POLICY_BYTES];
    static char note[SP_MAX_NOTE_BYTES];
    static pub_world pw;
    static char witness_policy[4096];
    int rounds = argc > 1 ? atoi(argv[1]) : 101;
    if (rounds < 3)
        rounds = 3;
    t_verify = calloc((size_t)rounds, sizeof(double));
    t_floor = calloc((size_t)rounds, sizeof(double));
    t_stub = calloc((size_t)rounds, sizeof(double));
    if (t_verify == NULL || t_floor == NULL || t_stub == NULL || sp_sodium_init() != SP_OK)
        return 1;
    pub_world_make(&pw);
    size_t wp_len = pub_witness_policy_text(witness_policy, sizeof witness_policy, &pw);
    sp_crypto stub = *sp_sodium_crypto();
    stub.ed25519_verify = bench_accept_all;

    printf("statement verification vs the libsodium floor (minimum over %d interleaved "
           "batches of %d)\n", rounds, ITER);
    printf("%4s  %12s  %18s  %7s  %14s  %15s\n", "k", "verify (us)", "k x libsodium (us)",
           "ratio", "overhead (us)", "(floor+ovh)/floor");
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        int k = ks[ki];
        sp_policy_signer_spec specs[16];
        char names[16][32], bodies[16][32], rule[32], detail[128], text[512];
        const char *rules[1] = {rule};
        const fx_key *signers[16];
        uint8_t sigs[16][64];
        sp_policy_spec spec;
        size_t plen, nlen, tlen;
        sp_err e;

        for (int i = 0; i < k; i++) {
            snprintf(names[i], sizeof names[i], "body-%02d.example/sp", i);
            snprintf(bodies[i], sizeof bodies[i], "body-%02d", i);
            fx_key_make(&keys[i], names[i], (uint8_t)(i + 1));
            if ((e = sp_vkey_parse(&specs[i].key, keys[i].vkey, strlen(keys[i].vkey),
                                   sp_sodium_crypto())) != SP_OK)
                die("key", e);
            specs[i].body = bodies[i];
            specs[i].tags = "-";
            signers[i] = &keys[i];
        }
        snprintf(rule, sizeof rule, "%d of all", k);
        memset(&spec, 0, sizeof spec);
        spec.deployment = "bench.example/pause";
        spec.version = 1;
        spec.genesis = 1798416000;
        spec.epoch_length = 604800;
        spec.allowance = 691200;
        spec.signers = specs;
        spec.signer_count = (size_t)k;
        spec.rules = rules;
        spec.rule_count = 1;
        spec.max_staleness = spec.epoch_length;
        spec.witness_policy = (const uint8_t *)witness_policy;
        spec.witness_policy_len = wp_len;
        if ((e = sp_policy_build(&spec, &policy, policy_bytes, sizeof policy_bytes, &plen, detail,
                                 sizeof detail)) != SP_OK)
            die(detail, e);

        sp_statement st;
        if ((e = sp_statement_for_epoch(&st, &policy, 42, SP_MODE_RUN, 0)) != SP_OK ||
            (e = sp_statement_format(&st, (uint8_t *)text, sizeof text - 1, &tlen)) != SP_OK)
            die("statement", e);
        text[tlen] = '\0';
        nlen = fx_note(note, sizeof note, text, signers, (size_t)k);
        for (int i = 0; i < k; i++)
            crypto_sign_detached(sigs[i], NULL, (const uint8_t *)text, tlen, keys[i].sk);

        sp_statement out;
        sp_quorum_report report;
        uint32_t line;
        if ((e = sp_statement_verify(&policy, (const uint8_t *)note, nlen, sp_sodium_crypto(),
                                     &work, &out, &report, &line)) != SP_OK)
            die("verify", e);

        /* Warm up (caches, branch predictors, CPU frequency) before measuring. */
        for (int it = 0; it < 4 * ITER; it++)
            if (sp_statement_verify(&policy, (const uint8_t *)note, nlen, &stub, &work, &out,
                                    &report, &line) != SP_OK ||
                crypto_sign_verify_detached(sigs[0], (const uint8_t *)note, tlen, keys[0].pk) != 0)
                die("warm-up", SP_ERR_CRYPTO);
        for (int r = 0; r < rounds; r++) {
            double t[4];
            t[0] = bench_now_us();
            for (int it = 0; it < ITER; it++)
                if (sp_statement_verify(&policy, (const uint8_t *)note, nlen, sp_sodium_crypto(),
                                        &work, &out, &report, &line) != SP_OK)
                    die("verify", SP_ERR_CRYPTO);
            t[1] = bench_now_us();
            for (int it = 0; it < ITER; it++)
                for (int i = 0; i < k; i++)
                    if (crypto_sign_verify_detached(sigs[i], (const uint8_t *)note, tlen,
                                                    keys[i].pk) != 0)
                        die("floor", SP_ERR_CRYPTO);
            t[2] = bench_now_us();
            for (int it = 0; it < ITER; it++)
                if (sp_statement_verify(&policy, (const uint8_t *)note, nlen, &stub, &work, &out,
                                        &report, &line) != SP_OK)
                    die("verify (stub)", SP_ERR_CRYPTO);
            t[3] = bench_now_us();
            batch_done(r, t);
        }
        double m[3];
        minima(rounds, m);
        double mv = m[0], mf = m[1], ms = m[2];
        printf("%4d  %12.1f  %18.1f  %7.3f  %14.2f  %15.4f\n", k, mv, mf, mv / mf, ms,
               (mf + ms) / mf);
    }
    bench_update(rounds);
    free(t_verify);
    free(t_floor);
    free(t_stub);
    return 0;
}
