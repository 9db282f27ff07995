/*
 * blend.c -- `fund blend`: the best simplex mix of submissions and the payouts it implies.
 *
 * Source: Buterin, "AI as the engine, humans as the steering wheel" (2025): find weights
 * w >= 0, sum w = 1, minimising the jury cost of the geometric mix
 * x_w = exp(sum_k w_k log x_k), and pay submitters by w.
 *
 * For answer i (keys a_i, b_i, jury log-ratio d_i) let D_ki = log x_k[a_i] - log x_k[b_i].
 * The mix's residual is sum_k w_k D_ki - d_i, so the cost is the convex quadratic
 *     f(w) = w^T H w - 2 g^T w + d^T d,   H = D D^T (k x k, PSD),  g = D d.
 *
 * Duplicates first: two submissions are identical when they list the same keys and their
 * weights, normalised to sum 1 within each parent's children, agree to a relative
 * FUND_BLEND_DUP_RTOL.  Each duplicate is merged into the earliest identical submission,
 * which alone enters the optimisation and receives the merged share, so resubmitting a
 * copy earns nothing (and copies would otherwise make the optimum non-unique).
 *
 * Solver: the simplex QP of fund/simplex_qp.h on H and g -- by default the active-set
 * method (simplex_active.c: exact up to rounding, a few dozen steps of O(k^3) on the
 * representatives), with the accelerated projected gradient (simplex_fista.c) as its
 * fallback and as the reference fund_blend_with can select.  H and g are formed once,
 * O(k^2 answers); nothing after that touches the answers again until the final cost.
 *
 * Uniqueness: the minimiser is unique iff H is positive definite on the directions
 * {v : sum v = 0, v supported on T}, T = the support plus every zero weight whose KKT
 * multiplier is (numerically) zero.  Tested by Cholesky of Z^T H_TT Z with
 * Z = [I; -1^T] (pivot <= 1e-10 times the largest diagonal entry means "not unique").
 */
#include "fund/blend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fund/simplex_qp.h"

void fund_blend_result_free(fund_blend_result *r)
{
    if (r == NULL)
        return;
    free(r->share);
    free(r->merged_into);
    free(r->alone);
    memset(r, 0, sizeof *r);
}

/* nx, ny: log-normalised weights (log_normalise); equal within FUND_BLEND_DUP_RTOL relative,
 * which for logs is an absolute difference; a weight 0 (-inf) only equals a weight 0. */
static int same_submission(const fund_sub *x, const fund_sub *y, const double *nx, const double *ny)
{
    if (x->nkeys != y->nkeys)
        return 0;
    for (size_t j = 0; j < x->nkeys; j++) {
        int px = !isnan(x->weight[j]), py = !isnan(y->weight[j]);
        if (px != py)
            return 0;
        if (!px || nx[j] == ny[j])
            continue;
        if (!(fabs(nx[j] - ny[j]) <= FUND_BLEND_DUP_RTOL))
            return 0;
    }
    return 1;
}

/* The log of each weight normalised to sum 1 within its parent: -inf for a weight 0 (or a
 * parent whose weights are all 0), NAN where absent.  Sums are taken relative to each
 * parent's largest weight, so weights up to the largest double neither overflow the sum
 * (which made every normalised weight 0 and unrelated submissions "identical") nor
 * underflow a small share to 0.  pmax, psum: nparents scratch doubles each. */
static void log_normalise(const fund_sub *s, const uint32_t *key_parent, double *out,
                          double *pmax, double *psum, size_t nparents)
{
    memset(pmax, 0, nparents * sizeof *pmax);
    memset(psum, 0, nparents * sizeof *psum);
    for (size_t j = 0; j < s->nkeys; j++)
        if (!isnan(s->weight[j]))
            pmax[key_parent[j]] = fmax(pmax[key_parent[j]], s->weight[j]);
    for (size_t j = 0; j < s->nkeys; j++)
        if (!isnan(s->weight[j]) && pmax[key_parent[j]] > 0)
            psum[key_parent[j]] += s->weight[j] / pmax[key_parent[j]];
    for (size_t j = 0; j < s->nkeys; j++) {
        double w = s->weight[j], m = pmax[key_parent[j]];
        if (isnan(w))
            out[j] = NAN;
        else if (!(w > 0) || !(m > 0))
            out[j] = -INFINITY;
        else
            out[j] = log(w) - log(m) - log(psum[key_parent[j]]);
    }
}

fund_err fund_blend(size_t nans, const fund_answer *ans, size_t k, const fund_sub *subs,
               const uint32_t *key_parent, const char *const *keyname, fund_blend_result *out,
               char *msg)
{
    return fund_blend_with(nans, ans, k, subs, key_parent, keyname, FUND_QP_ACTIVE_SET, out, msg);
}

fund_err fund_blend_with(size_t nans, const fund_answer *ans, size_t k, const fund_sub *subs,
                    const uint32_t *key_parent, const char *const *keyname, fund_qp_method method,
                    fund_blend_result *out, char *msg)
{
    memset(out, 0, sizeof *out);
    if (k == 0)
        return fund_fail(msg, FUND_ERR_ARG, "no submissions to blend");
    size_t nkeys = subs[0].nkeys, nparents = 0;
    for (size_t j = 0; j < nkeys; j++)
        if (key_parent[j] + (size_t)1 > nparents)
            nparents = key_parent[j] + (size_t)1;
    out->k = k;
    out->share = calloc(k, sizeof *out->share);
    out->merged_into = calloc(k, sizeof *out->merged_into);
    out->alone = calloc(k, sizeof *out->alone);
    double *norm = malloc((k * nkeys + 1) * sizeof *norm);
    double *psum = malloc((2 * nparents + 1) * sizeof *psum);
    double *D = malloc((k * nans + 1) * sizeof *D);
    size_t *rep = malloc(k * sizeof *rep); /* representatives, in order */
    size_t *idx = malloc(k * sizeof *idx);
    double *work = malloc((3 * k + 2 * k * k + 1) * sizeof *work);
    fund_err rc = FUND_ERR_NOMEM;
    if (out->share == NULL || out->merged_into == NULL || out->alone == NULL || norm == NULL ||
        psum == NULL || D == NULL || rep == NULL || idx == NULL || work == NULL) {
        rc = fund_fail(msg, FUND_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t s = 0; s < k; s++) {
        if (subs[s].nkeys != nkeys) {
            rc = fund_fail(msg, FUND_ERR_ARG, "submissions use different key tables");
            goto done;
        }
        if ((rc = fund_score_logdiff(nans, ans, &subs[s], keyname, D + s * nans, msg)) != FUND_OK)
            goto done;
        rc = FUND_ERR_NOMEM;
        log_normalise(&subs[s], key_parent, norm + s * nkeys, psum, psum + nparents, nparents);
    }
    size_t kr = 0;
    for (size_t s = 0; s < k; s++) {
        out->merged_into[s] = (uint32_t)s;
        for (size_t t = 0; t < kr; t++)
            if (same_submission(&subs[rep[t]], &subs[s], norm + rep[t] * nkeys, norm + s * nkeys)) {
                out->merged_into[s] = (uint32_t)rep[t];
                break;
            }
        if (out->merged_into[s] == s)
            rep[kr++] = s;
    }
    /* H, g over representatives */
    double *H = work, *g = H + k * k, *w = g + k, *grad = w + k, *M = grad + k;
    fund_qp_info info;
    double dd = 0;
    for (size_t i = 0; i < nans; i++)
        dd += ans[i].d * ans[i].d;
    for (size_t a = 0; a < kr; a++) {
        const double *Da = D + rep[a] * nans;
        double s = 0;
        for (size_t i = 0; i < nans; i++)
            s += Da[i] * ans[i].d;
        g[a] = s;
        for (size_t b = 0; b <= a; b++) {
            const double *Db = D + rep[b] * nans;
            double h = 0;
            for (size_t i = 0; i < nans; i++)
                h += Da[i] * Db[i];
            H[a * kr + b] = H[b * kr + a] = h;
        }
    }
    for (size_t s = 0; s < k; s++) {
        double c = 0;
        for (size_t i = 0; i < nans; i++)
            c += (D[s * nans + i] - ans[i].d) * (D[s * nans + i] - ans[i].d);
        out->alone[s] = c;
    }
    if (fund_simplex_qp(kr, H, g, dd, method, w, &info) != 0) {
        rc = fund_fail(msg, FUND_ERR_NOMEM, "out of memory");
        goto done;
    }
    out->method = info.method;
    out->iterations = info.iterations;
    double mu;
    out->kkt = fund_simplex_kkt(kr, H, g, w, grad, &mu);
    /* uniqueness: T = support + zero weights with a zero multiplier */
    {
        size_t *T = idx;
        size_t nt = 0;
        double hscale = 0;
        for (size_t a = 0; a < kr; a++)
            hscale = fmax(hscale, H[a * kr + a]);
        for (size_t a = 0; a < kr; a++)
            if (w[a] > 0 || grad[a] + mu <= 1e-9 * (1 + hscale))
                T[nt++] = a;
        int unique = 1;
        if (nt > 1) {
            size_t m = nt - 1, l = T[nt - 1];
            double dmax = 0;
            for (size_t p = 0; p < m; p++)
                for (size_t q = 0; q < m; q++) {
                    size_t a = T[p], b = T[q];
                    M[p * m + q] = H[a * kr + b] - H[a * kr + l] - H[l * kr + b] + H[l * kr + l];
                    if (p == q)
                        dmax = fmax(dmax, M[p * m + q]);
                }
            for (size_t c = 0; c < m && unique; c++) {
                double piv = M[c * m + c];
                for (size_t j = 0; j < c; j++)
                    piv -= M[c * m + j] * M[c * m + j];
                if (!(piv > 1e-10 * dmax)) {
                    unique = 0;
                    break;
                }
                piv = sqrt(piv);
                M[c * m + c] = piv;
                for (size_t r = c + 1; r < m; r++) {
                    double s = M[r * m + c];
                    for (size_t j = 0; j < c; j++)
                        s -= M[r * m + j] * M[c * m + j];
                    M[r * m + c] = s / piv;
                }
            }
        }
        out->unique = unique;
    }
    for (size_t a = 0; a < kr; a++)
        out->share[rep[a]] = w[a];
    {
        double c = 0;
        for (size_t i = 0; i < nans; i++) {
            double r = -ans[i].d;
            for (size_t a = 0; a < kr; a++)
                r += w[a] * D[rep[a] * nans + i];
            c += r * r;
        }
        out->cost = c;
        out->mean = nans ? c / (double)nans : 0;
    }
    rc = FUND_OK;
done:
    free(norm);
    free(psum);
    free(D);
    free(rep);
    free(idx);
    free(work);
    if (rc != 0)
        fund_blend_result_free(out);
    return rc;
}

int fund_blend_mix(size_t k, const fund_sub *subs, const double *share, const uint32_t *key_parent,
                   double *out)
{
    if (k == 0)
        return -1;
    size_t nkeys = subs[0].nkeys, nparents = 0;
    for (size_t j = 0; j < nkeys; j++)
        if (key_parent[j] + (size_t)1 > nparents)
            nparents = key_parent[j] + (size_t)1;
    double *psum = malloc((2 * nparents + 1) * sizeof *psum);
    double *norm = malloc((nkeys + 1) * sizeof *norm);
    if (psum == NULL || norm == NULL) {
        free(psum);
        free(norm);
        return -1;
    }
    double *pmax = psum + nparents;
    for (size_t j = 0; j < nkeys; j++)
        out[j] = 0; /* the log of the mix, accumulated */
    for (size_t s = 0; s < k; s++) {
        if (!(share[s] > 0))
            continue;
        log_normalise(&subs[s], key_parent, norm, psum, pmax, nparents);
        for (size_t j = 0; j < nkeys; j++)
            out[j] += share[s] * norm[j]; /* NAN stays NAN, -inf (weight 0) stays -inf */
    }
    /* exp relative to each parent's largest log, so the mix neither overflows nor
     * underflows to all zeros, then normalised per parent */
    for (size_t p = 0; p < nparents; p++)
        pmax[p] = -INFINITY;
    for (size_t j = 0; j < nkeys; j++)
        if (isfinite(out[j]))
            pmax[key_parent[j]] = fmax(pmax[key_parent[j]], out[j]);
    memset(psum, 0, nparents * sizeof *psum);
    for (size_t j = 0; j < nkeys; j++)
        if (!isnan(out[j])) {
            out[j] = isfinite(out[j]) ? exp(out[j] - pmax[key_parent[j]]) : 0;
            psum[key_parent[j]] += out[j];
        }
    for (size_t j = 0; j < nkeys; j++)
        if (!isnan(out[j]) && psum[key_parent[j]] > 0)
            out[j] /= psum[key_parent[j]];
    free(psum);
    free(norm);
    return 0;
}
