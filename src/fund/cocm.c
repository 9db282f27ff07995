/*
 * cocm.c -- connection-oriented cluster match (see include/fund/cocm.h, docs/fund.md).
 *
 * Work plan (per project p, only over the nr groups its donors touch):
 *   for each donor i of p: k_i (i's connectedness to every group, independent of p),
 *   K_i = f(k_i, c_ip), and M_g. += N_ig K_i for each group g of i; then the subsidy.
 * k_i costs deg(i) x groups and is the same for every project i gave to, so it is
 * computed once per donor into a cache (donors with two or more contributions, most
 * contributions first, up to opts.cache_bytes) and gathered per project: that
 * halves the work at Gitcoin scale (1M votes: donors give to 25 projects on average).
 * Donors outside the cache are computed per project as before.  The arithmetic, and its
 * order, is the same either way, so the result does not depend on the cache.
 * The inner loops (row += w * row) go through axpy()/vmax() below, written so that the
 * compiler vectorises them at -O2 (element-wise, so results are bit-identical).
 * Threads (issue 13 section 3): the cache is filled first, donors handed out in chunks;
 * then projects are handed out one at a time, each thread with its own M block and
 * scratch.  Every project's subsidy is computed by one thread in the same order as on one
 * thread, so the result is bit-identical for every thread count (and to
 * bench/baseline/cocm.c, the single-threaded version, which the tests hold it to).
 */
#include "fund/cocm.h"

#include "dacc/csv.h"
#include "dacc/xalloc.h"
#include "parallel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fund_cocm_opts_default(fund_cocm_opts *o)
{
    o->similarity = FUND_COCM_MARKOV;
    o->harsh = 1;
    o->cache_bytes = FUND_COCM_CACHE_BYTES;
    o->threads = 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* y += a x over n entries; in fours so that gcc -O2 (very cheap cost model) and clang
 * vectorise it: no epilogue inside the vector loop, no aliasing (restrict). */
static void axpy(size_t n, double a, const double *restrict x, double *restrict y)
{
    size_t t = 0;
    for (; t + 4 <= n; t += 4) {
        y[t] += a * x[t];
        y[t + 1] += a * x[t + 1];
        y[t + 2] += a * x[t + 2];
        y[t + 3] += a * x[t + 3];
    }
    for (; t < n; t++)
        y[t] += a * x[t];
}

/* y = max(y, x) element-wise (og similarity), vectorisable as axpy. */
static void vmax(size_t n, const double *restrict x, double *restrict y)
{
    size_t t = 0;
    for (; t + 4 <= n; t += 4) {
        y[t] = y[t] > x[t] ? y[t] : x[t];
        y[t + 1] = y[t + 1] > x[t + 1] ? y[t + 1] : x[t + 1];
        y[t + 2] = y[t + 2] > x[t + 2] ? y[t + 2] : x[t + 2];
        y[t + 3] = y[t + 3] > x[t + 3] ? y[t + 3] : x[t + 3];
    }
    for (; t < n; t++)
        y[t] = y[t] > x[t] ? y[t] : x[t];
}

/* Donor i's connectedness before clamping into kv[0..n): the walk (markov) or the friend
 * test (og) from each of i's groups through the rows of Srows (n columns; row of group g
 * at Srows + at(g) * n), then 1 at i's own groups (own(g) its column, or n if absent). */
typedef struct {
    const size_t *ms;
    const uint32_t *mg;
    const double *mn;
    int og;
} members;

static void connectedness(const members *m, size_t i, const double *Srows, size_t n,
                          const uint32_t *at, double *kv)
{
    memset(kv, 0, n * sizeof *kv);
    for (size_t a = m->ms[i]; a < m->ms[i + 1]; a++) {
        if (m->mn[a] == 0)
            continue;
        const double *srow = Srows + (size_t)(at ? at[m->mg[a]] : m->mg[a]) * n;
        if (m->og)
            vmax(n, srow, kv);
        else
            axpy(n, m->mn[a], srow, kv);
    }
    for (size_t a = m->ms[i]; a < m->ms[i + 1]; a++)
        if (m->mn[a] > 0)
            kv[at ? at[m->mg[a]] : m->mg[a]] = 1;
}

/* Cache slots: donors with >= 2 contributions, most contributions first (ties by index),
 * as many as cap allows; slot[i] = its row or SIZE_MAX.  Returns the number of slots. */
static size_t cache_slots(const fund_round *r, size_t nv, size_t cap, size_t *slot)
{
    size_t *deg = dacc_xcalloc(nv ? nv : 1, sizeof *deg), maxd = 0, used = 0;
    for (size_t k = 0; k < r->n; k++)
        deg[r->c[k].voter]++;
    for (size_t v = 0; v < nv; v++) {
        slot[v] = SIZE_MAX;
        maxd = deg[v] > maxd ? deg[v] : maxd;
    }
    for (size_t d = maxd; d >= 2 && used < cap; d--)
        for (size_t v = 0; v < nv && used < cap; v++)
            if (deg[v] == d)
                slot[v] = used++;
    free(deg);
    return used;
}

void fund_cocm_clusters_free(fund_cocm_clusters *cl)
{
    dacc_strmap_free(&cl->groups);
    free(cl->start);
    free(cl->group);
    memset(cl, 0, sizeof *cl);
}

/* pairs: (voter << 32 | group); sorted, deduplicated, turned into the CSR. */
static fund_err build(const fund_round *r, uint64_t *pairs, size_t n, fund_cocm_clusters *cl,
                      char *msg)
{
    size_t nv = fund_round_nvoters(r);
    dacc_qsort(pairs, n, sizeof *pairs, cmp_u64);
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (m == 0 || pairs[k] != pairs[m - 1])
            pairs[m++] = pairs[k];
    cl->nvoters = nv;
    cl->start = dacc_xcalloc(nv + 1, sizeof *cl->start);
    cl->group = dacc_xcalloc(m ? m : 1, sizeof *cl->group);
    for (size_t k = 0; k < m; k++) {
        cl->start[(pairs[k] >> 32) + 1]++;
        cl->group[k] = (uint32_t)pairs[k];
    }
    for (size_t v = 0; v < nv; v++)
        cl->start[v + 1] += cl->start[v];
    for (size_t v = 0; v < nv; v++)
        if (cl->start[v + 1] == cl->start[v]) {
            snprintf(msg, FUND_MSG_MAX, "donor '%s' is in no cluster (every donor of the "
                     "round needs at least one group)", fund_round_voter(r, v));
            return FUND_ERR_FORMAT;
        }
    if (cl->groups.n > FUND_COCM_MAX_GROUPS) {
        snprintf(msg, FUND_MSG_MAX, "%zu groups; at most %u are supported", cl->groups.n,
                 FUND_COCM_MAX_GROUPS);
        return FUND_ERR_ARG;
    }
    return FUND_OK;
}

static fund_err need_float(const fund_round *r, char *msg)
{
    if (!r->finished) {
        snprintf(msg, FUND_MSG_MAX, "the round is not finished");
        return FUND_ERR_ARG;
    }
    if (r->exact) {
        snprintf(msg, FUND_MSG_MAX, "COCM is computed in floating point only");
        return FUND_ERR_ARG;
    }
    return FUND_OK;
}

fund_err fund_cocm_clusters_from_pairs(const fund_round *r, const char *const *voter,
                                       const char *const *group, size_t n,
                                       fund_cocm_clusters *cl, char *msg)
{
    memset(cl, 0, sizeof *cl);
    dacc_strmap_init(&cl->groups);
    fund_err e = need_float(r, msg);
    if (e != FUND_OK)
        return e;
    uint64_t *pairs = dacc_xcalloc(n ? n : 1, sizeof *pairs);
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        cl->rows++;
        int64_t v = dacc_strmap_find(&r->voters, voter[k]);
        if (v < 0) {
            cl->ignored++;
            continue;
        }
        uint32_t g = dacc_strmap_intern(&cl->groups, group[k], NULL);
        pairs[m++] = ((uint64_t)v << 32) | g;
    }
    e = build(r, pairs, m, cl, msg);
    free(pairs);
    return e;
}

fund_err fund_cocm_clusters_load(const fund_round *r, const char *path, const char *donor_col,
                                 const char *group_col, fund_cocm_clusters *cl, char *msg)
{
    memset(cl, 0, sizeof *cl);
    dacc_strmap_init(&cl->groups);
    fund_err e = need_float(r, msg);
    if (e != FUND_OK)
        return e;
    char err[DACC_CSV_ERR_MAX];
    dacc_csv *csv = dacc_csv_open(path, err, sizeof err);
    if (csv == NULL) {
        snprintf(msg, FUND_MSG_MAX, "%s", err);
        return strstr(err, "cannot open") != NULL ? FUND_ERR_IO : FUND_ERR_FORMAT;
    }
    int dc = dacc_csv_require(csv, donor_col ? donor_col : "donor");
    int gc = dc < 0 ? -1 : dacc_csv_require(csv, group_col ? group_col : "group");
    uint64_t *pairs = NULL;
    size_t m = 0, cap = 0;
    int rc = gc < 0 ? DACC_CSV_ERROR : DACC_CSV_END;
    while (gc >= 0 && (rc = dacc_csv_next(csv)) == DACC_CSV_RECORD) {
        cl->rows++;
        const char *g = dacc_csv_field(csv, (size_t)gc);
        if (*g == '\0') {
            rc = dacc_csv_fail(csv, gc, "expected a group name, got an empty field");
            break;
        }
        int64_t v = dacc_strmap_find(&r->voters, dacc_csv_field(csv, (size_t)dc));
        if (v < 0) {
            cl->ignored++;
            continue;
        }
        if (m == cap) {
            cap = cap ? cap * 2 : 256;
            pairs = dacc_xrealloc(pairs, cap, sizeof *pairs);
        }
        pairs[m++] = ((uint64_t)v << 32) | dacc_strmap_intern(&cl->groups, g, NULL);
    }
    if (rc == DACC_CSV_ERROR) {
        snprintf(msg, FUND_MSG_MAX, "%s", dacc_csv_error(csv));
        dacc_csv_close(csv);
        free(pairs);
        return FUND_ERR_FORMAT;
    }
    dacc_csv_close(csv);
    e = build(r, pairs, m, cl, msg);
    free(pairs);
    return e;
}

/* The per-project phase, shared by its threads (read-only but for the counters and each
 * project's own subsidy[p]). */
typedef struct {
    const fund_round *r;
    const members *mem;
    int harsh;
    const double *S;       /* ng x ng */
    size_t ng;
    const size_t *slot;    /* donor -> cache row or SIZE_MAX */
    double *cache;         /* filled by fill_cache before the projects start */
    double *subsidy;
    atomic_size_t next_donor, next_project;
} cocm_job;

enum { COCM_DONOR_CHUNK = 64 };

/* k_i over all groups for every cached donor (the same call the project loop made lazily
 * at the donor's first project: same arithmetic, same result). */
static void fill_cache(void *ctx, unsigned t)
{
    cocm_job *jb = ctx;
    size_t nv = fund_round_nvoters(jb->r), lo, hi;
    (void)t;
    while (fund_parallel_next(&jb->next_donor, COCM_DONOR_CHUNK, nv, &lo, &hi))
        for (size_t i = lo; i < hi; i++)
            if (jb->slot[i] != SIZE_MAX)
                connectedness(jb->mem, i, jb->S, jb->ng, NULL, jb->cache + jb->slot[i] * jb->ng);
}

/* Per project only the groups of its donors matter (M_gh M_hg = 0 unless both g and h
 * have members among p's donors): they are listed ascending in rows[], pos[] maps a group
 * to its place there, and M is kept as a rows x rows block. */
static void project_worker(void *ctx, unsigned t)
{
    cocm_job *jb = ctx;
    const fund_round *r = jb->r;
    const members *mem = jb->mem;
    const size_t *ms = mem->ms;
    const uint32_t *mg = mem->mg;
    const double *mn = mem->mn;
    size_t ng = jb->ng, np = fund_round_nprojects(r), p, hi;
    (void)t;
    /* M and Sp grow to the largest nr x nr this thread meets (not ng x ng per thread) */
    size_t cap = 0;
    double *M = NULL, *Sp = NULL;
    double *kv = dacc_xcalloc(ng ? ng : 1, sizeof *kv), *K = dacc_xcalloc(ng ? ng : 1, sizeof *K);
    uint32_t *pos = dacc_xcalloc(ng ? ng : 1, sizeof *pos);
    unsigned char *touched = dacc_xcalloc(ng ? ng : 1, 1);
    uint32_t *rows = dacc_xcalloc(ng ? ng : 1, sizeof *rows);
    while (fund_parallel_next(&jb->next_project, 1, np, &p, &hi)) {
        size_t nr = 0;
        for (size_t k = r->proj_start[p]; k < r->proj_start[p + 1]; k++) {
            size_t i = r->c[k].voter;
            for (size_t a = ms[i]; a < ms[i + 1]; a++)
                if (mn[a] > 0 && !touched[mg[a]]) {
                    touched[mg[a]] = 1;
                    rows[nr++] = mg[a];
                }
        }
        dacc_qsort(rows, nr, sizeof *rows, cmp_u32);
        if (nr * nr > cap || M == NULL) {
            cap = nr * nr > cap ? nr * nr : cap;
            free(M);
            free(Sp);
            M = dacc_xcalloc(cap ? cap : 1, sizeof *M);
            Sp = dacc_xcalloc(cap ? cap : 1, sizeof *Sp);
        }
        for (size_t t2 = 0; t2 < nr; t2++)
            pos[rows[t2]] = (uint32_t)t2;
        memset(M, 0, nr * nr * sizeof *M);
        for (size_t a = 0; a < nr; a++)   /* S restricted to rows x rows, contiguous */
            for (size_t b = 0; b < nr; b++)
                Sp[a * nr + b] = jb->S[(size_t)rows[a] * ng + rows[b]];
        for (size_t k = r->proj_start[p]; k < r->proj_start[p + 1]; k++) {
            size_t i = r->c[k].voter;
            double c = r->c[k].amount, sc = sqrt(c);
            if (jb->slot[i] != SIZE_MAX) { /* k_i over all groups, cached; gathered to rows */
                const double *full = jb->cache + jb->slot[i] * ng;
                for (size_t t2 = 0; t2 < nr; t2++)
                    kv[t2] = full[rows[t2]];
            } else {
                connectedness(mem, i, Sp, nr, pos, kv);
            }
            for (size_t t2 = 0; t2 < nr; t2++) {
                double kk = kv[t2] > 1 ? 1 : kv[t2] < 0 ? 0 : kv[t2];
                K[t2] = jb->harsh ? (1 - kk) * c : kk * sc + (1 - kk) * c;
            }
            for (size_t a = ms[i]; a < ms[i + 1]; a++)
                if (mn[a] != 0)
                    axpy(nr, mn[a], K, M + (size_t)pos[mg[a]] * nr);
        }
        /* ordered pairs g != h, summed over g < h in group order and doubled */
        double s = 0;
        for (size_t a = 0; a < nr; a++)
            for (size_t b = a + 1; b < nr; b++)
                s += sqrt(M[a * nr + b] * M[b * nr + a]);
        jb->subsidy[p] = 2 * s;
        for (size_t t2 = 0; t2 < nr; t2++)
            touched[rows[t2]] = 0;
    }
    free(M);
    free(Sp);
    free(kv);
    free(K);
    free(pos);
    free(touched);
    free(rows);
}

fund_err fund_cocm(const fund_round *r, const fund_cocm_opts *o, const fund_cocm_clusters *cl,
                   double *subsidy, fund_cocm_stats *st, char *msg)
{
    fund_err e = need_float(r, msg);
    if (e != FUND_OK)
        return e;
    if (o->similarity != FUND_COCM_MARKOV && o->similarity != FUND_COCM_OG) {
        snprintf(msg, FUND_MSG_MAX, "unknown similarity %d", (int)o->similarity);
        return FUND_ERR_ARG;
    }
    size_t nv = fund_round_nvoters(r), np = fund_round_nprojects(r);
    if (cl != NULL && cl->nvoters != nv) {
        snprintf(msg, FUND_MSG_MAX, "the clusters were built for another round");
        return FUND_ERR_ARG;
    }
    size_t ng = cl != NULL ? cl->groups.n : np;
    if (ng > FUND_COCM_MAX_GROUPS) {
        snprintf(msg, FUND_MSG_MAX, "%zu groups; at most %u are supported", ng,
                 FUND_COCM_MAX_GROUPS);
        return FUND_ERR_ARG;
    }

    /* Membership CSR per donor: mg[] groups, mn[] normalised weights N_ig, mw[] W_ig. */
    size_t *ms = dacc_xcalloc(nv + 1, sizeof *ms), nm;
    uint32_t *mg;
    double *mw, *mn;
    if (cl != NULL) {
        nm = cl->start[nv];
        mg = dacc_xcalloc(nm ? nm : 1, sizeof *mg);
        mw = dacc_xcalloc(nm ? nm : 1, sizeof *mw);
        memcpy(ms, cl->start, (nv + 1) * sizeof *ms);
        for (size_t k = 0; k < nm; k++) {
            mg[k] = cl->group[k];
            mw[k] = 1;
        }
    } else {
        /* transpose c[] (sorted by project, voter) into per-voter rows, projects ascending */
        nm = r->n;
        mg = dacc_xcalloc(nm ? nm : 1, sizeof *mg);
        mw = dacc_xcalloc(nm ? nm : 1, sizeof *mw);
        for (size_t k = 0; k < nm; k++)
            ms[r->c[k].voter + 1]++;
        for (size_t v = 0; v < nv; v++)
            ms[v + 1] += ms[v];
        size_t *fill = dacc_xcalloc(nv ? nv : 1, sizeof *fill);
        for (size_t k = 0; k < nm; k++) {
            size_t v = r->c[k].voter, at = ms[v] + fill[v]++;
            mg[at] = r->c[k].project;
            mw[at] = r->c[k].amount;
        }
        free(fill);
    }
    mn = dacc_xcalloc(nm ? nm : 1, sizeof *mn);
    for (size_t v = 0; v < nv; v++) {
        double t = 0;
        for (size_t k = ms[v]; k < ms[v + 1]; k++)
            t += mw[k];
        for (size_t k = ms[v]; k < ms[v + 1]; k++)
            mn[k] = t > 0 ? mw[k] / t : 0;
    }

    /* S (groups x groups): og: 1 where two groups share a member; markov: the walk
     * g -> j (probability W_jg / sum_l W_lg) -> h (probability N_jh). */
    double *S = dacc_xcalloc(ng > 0 ? ng * ng : 1, sizeof *S);
    double *colsum = dacc_xcalloc(ng ? ng : 1, sizeof *colsum);
    for (size_t k = 0; k < nm; k++)
        colsum[mg[k]] += mw[k];
    for (size_t v = 0; v < nv; v++)
        for (size_t a = ms[v]; a < ms[v + 1]; a++)
            for (size_t b = ms[v]; b < ms[v + 1]; b++) {
                if (o->similarity == FUND_COCM_OG)
                    S[(size_t)mg[a] * ng + mg[b]] = 1;
                else if (colsum[mg[a]] > 0)
                    S[(size_t)mg[a] * ng + mg[b]] += mw[a] / colsum[mg[a]] * mn[b];
            }
    free(colsum);

    members mem = { ms, mg, mn, o->similarity == FUND_COCM_OG };
    size_t *slot = dacc_xcalloc(nv ? nv : 1, sizeof *slot);
    size_t ncache = cache_slots(r, nv, ng ? o->cache_bytes / (ng * sizeof(double)) : 0, slot);
    cocm_job jb = { r, &mem, o->harsh, S, ng, slot, dacc_xcalloc(ncache ? ncache * ng : 1,
                    sizeof(double)), subsidy, 0, 0 };
    atomic_init(&jb.next_donor, 0);
    atomic_init(&jb.next_project, 0);
    unsigned nt = fund_parallel_threads(o->threads, FUND_COCM_MAX_THREADS);
    if (nt > np && np > 0)
        nt = (unsigned)np;
    fund_parallel_run(nt, fill_cache, &jb);
    fund_parallel_run(nt, project_worker, &jb);
    if (st != NULL) {
        st->groups = ng;
        st->memberships = nm;
    }
    free(ms);
    free(mg);
    free(mw);
    free(mn);
    free(S);
    free(slot);
    free(jb.cache);
    return FUND_OK;
}
