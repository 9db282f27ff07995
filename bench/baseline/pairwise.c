/*
 * bench/baseline/pairwise.c -- the previous implementation of src/fund/pairwise.c (commit 4fa73b6, before
 * issue 13 section 3), kept verbatim below the renames so that bench/fund's "scale" part and
 * tests/fund/test_pairwise_scale.c can run it side by side with the current code as the
 * baseline.  Built a second time with -DBASELINE_KEEP_NAMES into build/bench/fund-baseline (the
 * fund command as it was, for whole-process timings).  Do not edit the code below the renames.
 */
#ifndef BASELINE_KEEP_NAMES
#define fund_pairwise fund_pairwise_baseline
#endif
#include "baseline.h"

/*
 * pairwise.c -- sparse pairwise-bounded QF (see include/fund/pairwise.h).
 *
 * Layout: the round's contributions are sorted by (project, voter), so each project's
 * donors are a slice in ascending voter order.  A second index sorted by (voter, project)
 * gives each donor's projects.  For donor i:
 *   pass 1  for each project q of i, for each donor j > i of q:  w[j] += s_iq * s_jq
 *           then, for each j touched, w[j] := k_ij = M / (M + w[j])
 *   pass 2  for each project p of i, for each donor j > i of p:
 *               subsidy[p] += 2 * s_ip * sum_j w[j] * s_jp
 *   pass 3  clear w[j] for the j touched
 * where s = sqrt(c).  Donors j > i of a project are found by binary search in its slice
 * (once per donor and project, shared by passes 1 and 2).  When donor i's terms are at
 * least twice the span [i+1, last donor touched] (big rounds, popular projects), pass 1
 * runs without the touched-list branch and k is computed over the whole span (dense);
 * otherwise through the touched list (sparse).  Both give bit-identical results: the same
 * sums in the same order and the same k = M / (M + w).
 */
#include "fund/pairwise.h"
#include "dacc/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const fund_contrib *cmp_base;
static int cmp_by_voter(const void *a, const void *b)
{
    const fund_contrib *x = &cmp_base[*(const size_t *)a], *y = &cmp_base[*(const size_t *)b];
    if (x->voter != y->voter)
        return x->voter < y->voter ? -1 : 1;
    return x->project < y->project ? -1 : x->project > y->project;
}

/* First index in [lo, hi) of the project slice whose voter is > v. */
static size_t first_after(const fund_contrib *c, size_t lo, size_t hi, uint32_t v)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c[mid].voter <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

fund_err fund_pairwise(const fund_round *r, double M, double *subsidy, fund_pairwise_stats *st,
                       char *msg)
{
    if (!r->finished || r->exact) {
        snprintf(msg, FUND_MSG_MAX, "pairwise QF needs a finished float round");
        return FUND_ERR_ARG;
    }
    if (!(M > 0) || !isfinite(M)) {
        snprintf(msg, FUND_MSG_MAX, "expected M > 0 and finite, got %g", M);
        return FUND_ERR_ARG;
    }
    size_t n = r->n, np = fund_round_nprojects(r), nv = fund_round_nvoters(r);
    const fund_contrib *c = r->c;
    fund_pairwise_stats s;
    memset(&s, 0, sizeof s);
    memset(subsidy, 0, np * sizeof *subsidy);
    /* project-order arrays: donor index and sqrt(c), packed for the inner loops */
    double *sq = dacc_xcalloc(n, sizeof *sq);
    uint32_t *pv = dacc_xcalloc(n, sizeof *pv);
    size_t *byv = dacc_xcalloc(n, sizeof *byv);
    for (size_t k = 0; k < n; k++) {
        sq[k] = sqrt(c[k].amount);
        pv[k] = c[k].voter;
        byv[k] = k;
    }
    cmp_base = c;
    dacc_qsort(byv, n, sizeof *byv, cmp_by_voter);
    cmp_base = NULL;
    /* w[j]: during pass 1 the running w_ij, after it k_ij.  stamp[j] == i + 1 marks j as
     * touched for donor i (not w[j] != 0: a product of tiny amounts can underflow to 0),
     * so touched[] holds each j at most once and never exceeds nv entries. */
    double *w = dacc_xcalloc(nv, sizeof *w);
    uint32_t *touched = dacc_xcalloc(nv, sizeof *touched);
    uint32_t *stamp = dacc_xcalloc(nv, sizeof *stamp);
    size_t *first = dacc_xcalloc(np + 1, sizeof *first); /* per project of the donor */
    size_t k0 = 0;
    while (k0 < n) {
        uint32_t i = c[byv[k0]].voter;
        size_t k1 = k0;
        while (k1 < n && c[byv[k1]].voter == i)
            k1++;
        /* first donor > i in each of i's project slices, and the pass's term count */
        size_t ntouched = 0, terms = 0;
        uint32_t jmax = i;
        for (size_t a = k0; a < k1; a++) {
            uint32_t q = c[byv[a]].project;
            size_t end = r->proj_start[q + 1];
            first[a - k0] = first_after(c, r->proj_start[q], end, i);
            terms += end - first[a - k0];
            if (end > first[a - k0] && pv[end - 1] > jmax)
                jmax = pv[end - 1];
        }
        s.pair_terms += terms;
        size_t lo = (size_t)i + 1, hi = (size_t)jmax + 1;
        if (terms >= 2 * (hi - lo) && hi > lo) {
            /* dense: many terms over few donors.  Pass 1 without the touched branch; k over
             * the whole range [lo, hi) (untouched entries become 1 and are never read:
             * pass 2 reads exactly the donors pass 1 touched); touched counted by stamp. */
            for (size_t a = k0; a < k1; a++) {
                size_t ki = byv[a];
                size_t end = r->proj_start[c[ki].project + 1];
                double si = sq[ki];
                for (size_t kj = first[a - k0]; kj < end; kj++) {
                    uint32_t j = pv[kj];
                    stamp[j] = i + 1;
                    w[j] += si * sq[kj];
                }
            }
            for (size_t j = lo; j < hi; j++) {
                ntouched += stamp[j] == i + 1;
                w[j] = M / (M + w[j]);
            }
        } else {
            for (size_t a = k0; a < k1; a++) {
                size_t ki = byv[a];
                size_t end = r->proj_start[c[ki].project + 1];
                double si = sq[ki];
                for (size_t kj = first[a - k0]; kj < end; kj++) {
                    uint32_t j = pv[kj];
                    if (stamp[j] != i + 1) {
                        stamp[j] = i + 1;
                        touched[ntouched++] = j;
                    }
                    w[j] += si * sq[kj];
                }
            }
            for (size_t t = 0; t < ntouched; t++)
                w[touched[t]] = M / (M + w[touched[t]]);
        }
        for (size_t a = k0; a < k1; a++) {
            size_t ki = byv[a];
            uint32_t p = c[ki].project;
            size_t end = r->proj_start[p + 1];
            double acc = 0;
            for (size_t kj = first[a - k0]; kj < end; kj++)
                acc += w[pv[kj]] * sq[kj];
            subsidy[p] += 2 * sq[ki] * acc;
        }
        if (terms >= 2 * (hi - lo) && hi > lo)
            memset(w + lo, 0, (hi - lo) * sizeof *w);
        else
            for (size_t t = 0; t < ntouched; t++)
                w[touched[t]] = 0;
        s.pairs += ntouched;
        k0 = k1;
    }
    free(sq);
    free(pv);
    free(byv);
    free(w);
    free(touched);
    free(stamp);
    free(first);
    if (st != NULL)
        *st = s;
    return FUND_OK;
}
