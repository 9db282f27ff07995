/*
 * bench/witness.c -- what a witness pays per add-checkpoint (softpause/server/witness.h),
 * handler level (no HTTP), on the machine's real disk.
 *
 * Requests for the pub_fixture "filler" log are built before timing (the log's work, not
 * the witness's), then handled one after the other:
 *   (a) cosigned: old = the last size, the tree grown by one leaf, a consistency proof --
 *       parse, log signature, proof, BEGIN IMMEDIATE, read, write, COMMIT with fsync of the
 *       WAL (synchronous=FULL), cosign;
 *   (b) refused with 409 (old size stale): the same up to the read, then ROLLBACK -- the
 *       cost of everything but the durable write and the cosignature.
 * Reported: requests per second and the median and 99th-percentile latency of each.
 * The database lives in $TMPDIR (default /tmp): its file system decides what fsync costs.
 *
 * usage: build/bench/witness [REQUESTS]     (default 300)
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "softpause/host/sodium_crypto.h"
#include "softpause/server/witness.h"
#include "support/pub_fixture.h"
#include "support/scratch.h"

#define START_SIZE 1000u

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static uint64_t bench_clock(void *ctx)
{
    (void)ctx;
    return 1700000000u;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* "old OLD\n" + proof + "\n" + the log-signed filler checkpoint at SIZE; malloc'd. */
static char *request(const pub_world *pw, uint64_t old, uint64_t size, size_t *len)
{
    uint8_t root[32], proof[64][32];
    char note[2048], b64[64];
    pub_bundle_opts o;
    size_t n = old > 0 ? pub_consistency(old, size, proof) : 0, pos;
    char *out = malloc(SP_MAX_WITNESS_REQUEST_BYTES);
    if (out == NULL)
        abort();
    pub_filler_root(size, root);
    pub_bundle_defaults(&o, pw, 1);
    o.witness_mask = 0;
    pub_checkpoint_note(note, sizeof note, pw, &o, size, root);
    pos = (size_t)snprintf(out, SP_MAX_WITNESS_REQUEST_BYTES, "old %llu\n",
                           (unsigned long long)old);
    for (size_t i = 0; i < n; i++) {
        sodium_bin2base64(b64, sizeof b64, proof[i], 32, sodium_base64_VARIANT_ORIGINAL);
        pos += (size_t)snprintf(out + pos, SP_MAX_WITNESS_REQUEST_BYTES - pos, "%s\n", b64);
    }
    pos += (size_t)snprintf(out + pos, SP_MAX_WITNESS_REQUEST_BYTES - pos, "\n%s", note);
    *len = pos;
    return out;
}

/* Handle reqs[0..n) in order; every answer must be `status`.  Latencies in lat[]. */
static int run(sp_witness_service *w, char **reqs, const size_t *lens, int n, int status,
               double *lat, double *total_s)
{
    double t0 = now_us();
    for (int i = 0; i < n; i++) {
        sp_http_response resp;
        double a = now_us();
        sp_err e = sp_witness_add_checkpoint(w, (const uint8_t *)reqs[i], lens[i], &resp);
        lat[i] = now_us() - a;
        if (!resp.body_static)
            free(resp.body);
        if (resp.status != status) {
            fprintf(stderr, "request %d: status %d (%s), expected %d\n", i, resp.status,
                    sp_err_name(e), status);
            return 1;
        }
    }
    *total_s = (now_us() - t0) / 1e6;
    qsort(lat, (size_t)n, sizeof lat[0], cmp_double);
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 300;
    pub_world pw;
    sp_signer_key key;
    sp_wlog log;
    sp_witness_service *w = NULL;
    char db[1024], err[256];
    double total;
    if (n < 10 || sp_sodium_init() != SP_OK)
        return 2;
    pub_world_make(&pw);
    pub_cosigner_key(&key, &pw, 0);
    memset(&log, 0, sizeof log);
    if (sp_vkey_parse(&log.key, pw.log.vkey, strlen(pw.log.vkey), sp_sodium_crypto()) != SP_OK)
        return 1;

    char **grow = malloc((size_t)n * sizeof *grow), **stale = malloc((size_t)n * sizeof *stale);
    size_t *glen = malloc((size_t)n * sizeof *glen), *slen = malloc((size_t)n * sizeof *slen);
    double *lat = malloc((size_t)n * sizeof *lat);
    if (grow == NULL || stale == NULL || glen == NULL || slen == NULL || lat == NULL)
        return 1;
    for (int i = 0; i < n; i++) {
        grow[i] = request(&pw, START_SIZE + (uint64_t)i, START_SIZE + (uint64_t)i + 1, &glen[i]);
        stale[i] = request(&pw, START_SIZE, START_SIZE + (uint64_t)i + 1, &slen[i]);
    }

    scratch_make("bench-witness");
    scratch_path(db, sizeof db, "w.db");
    sp_witness_config cfg = {&key, &log, 1, db, NULL, bench_clock, NULL, 1, NULL, 0};
    if (sp_witness_open(&w, &cfg, err, sizeof err) != SP_OK) {
        fprintf(stderr, "cannot open the witness: %s\n", err);
        return 1;
    }
    size_t first_len;
    char *first = request(&pw, 0, START_SIZE, &first_len);
    sp_http_response resp;
    if (sp_witness_add_checkpoint(w, (const uint8_t *)first, first_len, &resp) != SP_OK)
        return 1;
    free(resp.body);
    free(first);

    printf("witness add-checkpoint, handler level, %d requests each, database in %s\n", n,
           scratch_dir);
    if (run(w, grow, glen, n, 200, lat, &total) != 0)
        return 1;
    printf("  cosigned (durable COMMIT, cosignature): %7.0f req/s  median %7.1f us  p99 %7.1f us\n",
           n / total, lat[n / 2], lat[n * 99 / 100]);
    if (run(w, stale, slen, n, 409, lat, &total) != 0)
        return 1;
    printf("  refused 409 (read, no write):           %7.0f req/s  median %7.1f us  p99 %7.1f us\n",
           n / total, lat[n / 2], lat[n * 99 / 100]);

    sp_witness_close(w);
    scratch_remove();
    for (int i = 0; i < n; i++) {
        free(grow[i]);
        free(stale[i]);
    }
    free(grow);
    free(stale);
    free(glen);
    free(slen);
    free(lat);
    sp_signer_key_wipe(&key);
    return 0;
}
