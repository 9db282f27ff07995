/*
 * pairwise.c -- sparse pairwise-bounded QF (see include/fund/pairwise.h).
 *
 * Layout: the round's contributions are sorted by (project, voter), so each project's
 * donors are a slice in ascending voter order.  A second index by (voter, project), built
 * by a counting sort, gives each donor's projects.  For donor i:
 *   pass 1  for each project q of i, for each donor j > i of q:  w[j] += s_iq * s_jq
 *           then, for each j touched, w[j] := k_ij = M / (M + w[j])
 *   pass 2  for each project p of i, for each donor j > i of p:
 *               term[i,p] = 2 * s_ip * sum_j w[j] * s_jp
 *   pass 3  clear w[j] for the j touched
 * where s = sqrt(c); afterwards subsidy[p] = sum of term[i,p] over i in donor order.
 * Donors j > i of a project are found by binary search in its slice (once per donor and
 * project, shared by passes 1 and 2).  When donor i's terms are at least dense_factor
 * times the span [i+1, last donor touched] (big rounds, popular projects), pass 1 runs
 * without the touched-list branch and k is computed over the whole span (dense); otherwise
 * through the touched list (sparse).  Both give bit-identical results: the same sums in
 * the same order and the same k = M / (M + w).
 *
 * Speed (issue 13 section 3; bench/fund --parts scale against bench/baseline/pairwise.c):
 *   - pass 2's sum runs in four independent partial sums (added (s0 + s1) + (s2 + s3)), so
 *     it is not one dependent chain of additions: that changes the last bits of a term,
 *     within 1e-12 relative of the single-chain sum, the same for every thread count;
 *   - w[j] and its touched stamp share one 16-byte slot, so pass 1's scatter touches one
 *     cache line per donor j instead of two;
 *   - donors are handed out in chunks to fund_parallel_run's threads, each with its own
 *     slots; the terms land in term[] by (donor, project) position and are added up in
 *     donor order on one thread, so the result does not depend on the thread count.
 */
#include "fund/pairwise.h"
#include "dacc/xalloc.h"
#include "parallel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fund_pairwise_opts_default(fund_pairwise_opts *o)
{
    o->threads = 0;
    o->dense_factor = FUND_PAIRWISE_DENSE_FACTOR;
}

/* First index in [lo, hi) of the project slice whose voter is > v. */
static size_t first_after(const uint32_t *pv, size_t lo, size_t hi, uint32_t v)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pv[mid] <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct {
    double w;        /* pass 1: the running w_ij; then k_ij */
    uint32_t stamp;  /* == i + 1: j touched for donor i */
} slot;

enum { DONOR_CHUNK = 64 };

typedef struct {
    const fund_round *r;
    double M, dense_factor;
    const double *sq;    /* project order: sqrt(c) */
    const uint32_t *pv;  /* project order: donor */
    const size_t *byv;   /* donor order -> project-order index */
    const size_t *vs;    /* donor i's entries: byv[vs[i] .. vs[i+1]) */
    size_t nv;
    double *term;        /* donor order: term[i,p] */
    atomic_size_t next;
    size_t pairs[FUND_PAIRWISE_MAX_THREADS], terms[FUND_PAIRWISE_MAX_THREADS];
} job;

static void donor_rows(const job *jb, uint32_t i, slot *ws, uint32_t *touched, size_t *first,
                       size_t *pairs_out, size_t *terms_out)
{
    const size_t *ps = jb->r->proj_start;
    const double *sq = jb->sq;
    const uint32_t *pv = jb->pv;
    double M = jb->M;
    size_t k0 = jb->vs[i], k1 = jb->vs[i + 1];
    /* first donor > i in each of i's project slices, and the pass's term count */
    size_t ntouched = 0, terms = 0;
    uint32_t jmax = i;
    for (size_t a = k0; a < k1; a++) {
        uint32_t q = jb->r->c[jb->byv[a]].project;
        size_t end = ps[q + 1];
        first[a - k0] = first_after(pv, ps[q], end, i);
        terms += end - first[a - k0];
        if (end > first[a - k0] && pv[end - 1] > jmax)
            jmax = pv[end - 1];
    }
    size_t lo = (size_t)i + 1, hi = (size_t)jmax + 1;
    int dense = hi > lo && (double)terms >= jb->dense_factor * (double)(hi - lo);
    if (dense) {
        /* many terms over few donors: pass 1 without the touched branch; k over the whole
         * span (untouched entries become 1 and are never read: pass 2 reads exactly the
         * donors pass 1 touched); touched counted by stamp. */
        for (size_t a = k0; a < k1; a++) {
            size_t ki = jb->byv[a], end = ps[jb->r->c[ki].project + 1];
            double si = sq[ki];
            for (size_t kj = first[a - k0]; kj < end; kj++) {
                slot *sl = &ws[pv[kj]];
                sl->stamp = i + 1;
                sl->w += si * sq[kj];
            }
        }
        for (size_t j = lo; j < hi; j++) {
            ntouched += ws[j].stamp == i + 1;
            ws[j].w = M / (M + ws[j].w);
        }
    } else {
        for (size_t a = k0; a < k1; a++) {
            size_t ki = jb->byv[a], end = ps[jb->r->c[ki].project + 1];
            double si = sq[ki];
            for (size_t kj = first[a - k0]; kj < end; kj++) {
                uint32_t j = pv[kj];
                slot *sl = &ws[j];
                if (sl->stamp != i + 1) {
                    sl->stamp = i + 1;
                    touched[ntouched++] = j;
                }
                sl->w += si * sq[kj];
            }
        }
        for (size_t t = 0; t < ntouched; t++)
            ws[touched[t]].w = M / (M + ws[touched[t]].w);
    }
    for (size_t a = k0; a < k1; a++) {
        size_t ki = jb->byv[a], end = ps[jb->r->c[ki].project + 1], kj = first[a - k0];
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (; kj + 4 <= end; kj += 4) {
            s0 += ws[pv[kj]].w * sq[kj];
            s1 += ws[pv[kj + 1]].w * sq[kj + 1];
            s2 += ws[pv[kj + 2]].w * sq[kj + 2];
            s3 += ws[pv[kj + 3]].w * sq[kj + 3];
        }
        for (; kj < end; kj++)
            s0 += ws[pv[kj]].w * sq[kj];
        jb->term[a] = 2 * sq[ki] * ((s0 + s1) + (s2 + s3));
    }
    if (dense)
        for (size_t j = lo; j < hi; j++)
            ws[j].w = 0;
    else
        for (size_t t = 0; t < ntouched; t++)
            ws[touched[t]].w = 0;
    *pairs_out += ntouched;
    *terms_out += terms;
}

static void worker(void *ctx, unsigned t)
{
    job *jb = ctx;
    size_t np = fund_round_nprojects(jb->r);
    slot *ws = dacc_xcalloc(jb->nv ? jb->nv : 1, sizeof *ws);
    uint32_t *touched = dacc_xcalloc(jb->nv ? jb->nv : 1, sizeof *touched);
    size_t *first = dacc_xcalloc(np + 1, sizeof *first);
    size_t lo, hi, pairs = 0, terms = 0;
    while (fund_parallel_next(&jb->next, DONOR_CHUNK, jb->nv, &lo, &hi))
        for (size_t i = lo; i < hi; i++)
            donor_rows(jb, (uint32_t)i, ws, touched, first, &pairs, &terms);
    jb->pairs[t] = pairs;
    jb->terms[t] = terms;
    free(ws);
    free(touched);
    free(first);
}

fund_err fund_pairwise(const fund_round *r, double M, double *subsidy, fund_pairwise_stats *st,
                       char *msg)
{
    fund_pairwise_opts o;
    fund_pairwise_opts_default(&o);
    return fund_pairwise_ex(r, M, &o, subsidy, st, msg);
}

fund_err fund_pairwise_ex(const fund_round *r, double M, const fund_pairwise_opts *o,
                          double *subsidy, fund_pairwise_stats *st, char *msg)
{
    if (!r->finished || r->exact) {
        snprintf(msg, FUND_MSG_MAX, "pairwise QF needs a finished float round");
        return FUND_ERR_ARG;
    }
    if (!(M > 0) || !isfinite(M)) {
        snprintf(msg, FUND_MSG_MAX, "expected M > 0 and finite, got %g", M);
        return FUND_ERR_ARG;
    }
    if (!(o->dense_factor >= 0)) {
        snprintf(msg, FUND_MSG_MAX, "expected dense_factor >= 0, got %g", o->dense_factor);
        return FUND_ERR_ARG;
    }
    size_t n = r->n, np = fund_round_nprojects(r), nv = fund_round_nvoters(r);
    const fund_contrib *c = r->c;
    /* project-order arrays: donor index and sqrt(c), packed for the inner loops */
    double *sq = dacc_xcalloc(n ? n : 1, sizeof *sq);
    uint32_t *pv = dacc_xcalloc(n ? n : 1, sizeof *pv);
    size_t *byv = dacc_xcalloc(n ? n : 1, sizeof *byv);
    size_t *vs = dacc_xcalloc(nv + 2, sizeof *vs);
    double *term = dacc_xcalloc(n ? n : 1, sizeof *term);
    for (size_t k = 0; k < n; k++) {
        sq[k] = sqrt(c[k].amount);
        pv[k] = c[k].voter;
        vs[c[k].voter + 2]++;
    }
    /* counting sort by donor; c[] is by (project, voter), so each donor's projects ascend */
    for (size_t v = 0; v < nv; v++)
        vs[v + 2] += vs[v + 1];
    for (size_t k = 0; k < n; k++)
        byv[vs[c[k].voter + 1]++] = k;
    job *jb = dacc_xcalloc(1, sizeof *jb);
    jb->r = r;
    jb->M = M;
    jb->dense_factor = o->dense_factor;
    jb->sq = sq;
    jb->pv = pv;
    jb->byv = byv;
    jb->vs = vs;
    jb->nv = nv;
    jb->term = term;
    atomic_init(&jb->next, 0);
    unsigned nt = fund_parallel_threads(o->threads, FUND_PAIRWISE_MAX_THREADS);
    if (nt > nv / DONOR_CHUNK + 1)
        nt = (unsigned)(nv / DONOR_CHUNK + 1);
    fund_parallel_run(nt, worker, jb);
    fund_pairwise_stats s;
    memset(&s, 0, sizeof s);
    for (unsigned t = 0; t < nt; t++) {
        s.pairs += jb->pairs[t];
        s.pair_terms += jb->terms[t];
    }
    memset(subsidy, 0, np * sizeof *subsidy);
    for (size_t a = 0; a < n; a++)
        subsidy[c[byv[a]].project] += term[a];
    free(jb);
    free(sq);
    free(pv);
    free(byv);
    free(vs);
    free(term);
    if (st != NULL)
        *st = s;
    return FUND_OK;
}
