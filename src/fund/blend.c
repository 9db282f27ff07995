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
 * Solver: accelerated projected gradient (FISTA, Beck & Teboulle 2009) with step 1/Lip,
 * Lip = 2 trace(H) >= 2 lambda_max(H); Euclidean projection onto the simplex by sorting
 * (Held, Wolfe & Crowder 1974; Duchi et al. 2008); stop when a plain projected-gradient
 * step from the iterate changes no weight by more than 1e-15 (momentum is restarted when
 * only the accelerated step stalled) or after 200000 iterations.  Then a face polish: on the support S the
 * equality-constrained optimum solves  H_SS w_S + mu 1 = g_S, 1^T w_S = 1  (Gaussian
 * elimination with partial pivoting); it replaces the iterate when it is feasible and
 * satisfies the KKT conditions  (H w - g)_j + mu >= 0  off the support (to 1e-9 relative).
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

void fund_blend_result_free(fund_blend_result *r)
{
    if (r == NULL)
        return;
    free(r->share);
    free(r->merged_into);
    free(r->alone);
    memset(r, 0, sizeof *r);
}

static int same_submission(const fund_sub *x, const fund_sub *y, const double *nx, const double *ny)
{
    if (x->nkeys != y->nkeys)
        return 0;
    for (size_t j = 0; j < x->nkeys; j++) {
        int px = !isnan(x->weight[j]), py = !isnan(y->weight[j]);
        if (px != py)
            return 0;
        if (!px)
            continue;
        double a = nx[j], b = ny[j];
        if (fabs(a - b) > FUND_BLEND_DUP_RTOL * fmax(fabs(a), fabs(b)))
            return 0;
    }
    return 1;
}

/* Weights normalised to sum 1 within each parent (absent keys stay NAN). */
static int normalise(const fund_sub *s, const uint32_t *key_parent, double *out, double *psum,
                     size_t nparents)
{
    memset(psum, 0, nparents * sizeof *psum);
    for (size_t j = 0; j < s->nkeys; j++)
        if (!isnan(s->weight[j]))
            psum[key_parent[j]] += s->weight[j];
    for (size_t j = 0; j < s->nkeys; j++) {
        if (isnan(s->weight[j]))
            out[j] = NAN;
        else
            out[j] = psum[key_parent[j]] != 0 ? s->weight[j] / psum[key_parent[j]] : 0;
    }
    return 0;
}

/* Project v onto the probability simplex (in place); tmp has n doubles. */
static void project_simplex(size_t n, double *v, double *tmp)
{
    memcpy(tmp, v, n * sizeof *tmp);
    /* insertion sort, descending: n is the number of submissions (small) */
    for (size_t i = 1; i < n; i++) {
        double x = tmp[i];
        size_t j = i;
        while (j > 0 && tmp[j - 1] < x) {
            tmp[j] = tmp[j - 1];
            j--;
        }
        tmp[j] = x;
    }
    double cum = 0, theta = 0;
    for (size_t i = 0; i < n; i++) {
        cum += tmp[i];
        double t = (cum - 1) / (double)(i + 1);
        if (tmp[i] - t > 0)
            theta = t;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = v[i] > theta ? v[i] - theta : 0;
}

/* Solve A x = b (A n x n, row-major, destroyed); -1 when a pivot is tiny. */
static int gauss_solve(size_t n, double *A, double *b)
{
    double scale = 0;
    for (size_t i = 0; i < n * n; i++)
        scale = fmax(scale, fabs(A[i]));
    for (size_t c = 0; c < n; c++) {
        size_t p = c;
        for (size_t r = c + 1; r < n; r++)
            if (fabs(A[r * n + c]) > fabs(A[p * n + c]))
                p = r;
        if (!(fabs(A[p * n + c]) > 1e-13 * scale))
            return -1;
        if (p != c) {
            for (size_t j = 0; j < n; j++) {
                double t = A[c * n + j];
                A[c * n + j] = A[p * n + j];
                A[p * n + j] = t;
            }
            double t = b[c];
            b[c] = b[p];
            b[p] = t;
        }
        for (size_t r = c + 1; r < n; r++) {
            double f = A[r * n + c] / A[c * n + c];
            for (size_t j = c; j < n; j++)
                A[r * n + j] -= f * A[c * n + j];
            b[r] -= f * b[c];
        }
    }
    for (size_t c = n; c-- > 0;) {
        double s = b[c];
        for (size_t j = c + 1; j < n; j++)
            s -= A[c * n + j] * b[j];
        b[c] = s / A[c * n + c];
    }
    return 0;
}

static double quad_cost(size_t k, const double *H, const double *g, double dd, const double *w)
{
    double s = dd;
    for (size_t a = 0; a < k; a++) {
        s -= 2 * g[a] * w[a];
        for (size_t b = 0; b < k; b++)
            s += w[a] * H[a * k + b] * w[b];
    }
    return s;
}

/* KKT violation of w for min f on the simplex; *mu gets the multiplier. */
static double kkt_violation(size_t k, const double *H, const double *g, const double *w,
                            double *grad, double *mu_out)
{
    for (size_t a = 0; a < k; a++) {
        double s = -g[a];
        for (size_t b = 0; b < k; b++)
            s += H[a * k + b] * w[b];
        grad[a] = s; /* half the gradient */
    }
    /* mu = -(weighted mean of the gradient on the support) */
    double mu = 0, tot = 0;
    for (size_t a = 0; a < k; a++) {
        mu -= w[a] * grad[a];
        tot += w[a];
    }
    mu /= tot;
    double viol = 0;
    for (size_t a = 0; a < k; a++) {
        double r = grad[a] + mu;
        if (w[a] > 0)
            viol = fmax(viol, fabs(r));
        else
            viol = fmax(viol, -r);
    }
    *mu_out = mu;
    return viol;
}

int fund_blend(size_t nans, const fund_answer *ans, size_t k, const fund_sub *subs,
               const uint32_t *key_parent, const char *const *keyname, fund_blend_result *out,
               fund_diag *d)
{
    memset(out, 0, sizeof *out);
    if (k == 0)
        return fund_fail(d, "no submissions to blend");
    size_t nkeys = subs[0].nkeys, nparents = 0;
    for (size_t j = 0; j < nkeys; j++)
        if (key_parent[j] + (size_t)1 > nparents)
            nparents = key_parent[j] + (size_t)1;
    out->k = k;
    out->share = calloc(k, sizeof *out->share);
    out->merged_into = calloc(k, sizeof *out->merged_into);
    out->alone = calloc(k, sizeof *out->alone);
    double *norm = malloc((k * nkeys + 1) * sizeof *norm);
    double *psum = malloc((nparents + 1) * sizeof *psum);
    double *D = malloc((k * nans + 1) * sizeof *D);
    size_t *rep = malloc(k * sizeof *rep); /* representatives, in order */
    size_t *idx = malloc(k * sizeof *idx);
    double *work = malloc((8 * k + 4 + (k + 1) * (k + 1) + 2 * k * k) * sizeof *work);
    int rc = -1;
    if (out->share == NULL || out->merged_into == NULL || out->alone == NULL || norm == NULL ||
        psum == NULL || D == NULL || rep == NULL || idx == NULL || work == NULL) {
        fund_fail(d, "out of memory");
        goto done;
    }
    for (size_t s = 0; s < k; s++) {
        if (subs[s].nkeys != nkeys) {
            fund_fail(d, "submissions use different key tables");
            goto done;
        }
        if (fund_score_logdiff(nans, ans, &subs[s], keyname, D + s * nans, d) != 0)
            goto done;
        normalise(&subs[s], key_parent, norm + s * nkeys, psum, nparents);
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
    double *H = work, *g = H + k * k, *w = g + k, *y = w + k, *wn = y + k, *grad = wn + k,
           *tmp = grad + k, *A = tmp + k, *M = A + (k + 1) * (k + 1), *rhs = M + k * k;
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
    /* FISTA */
    double tr = 0;
    for (size_t a = 0; a < kr; a++)
        tr += H[a * kr + a];
    double step = tr > 0 ? 1 / (2 * tr) : 1;
    for (size_t a = 0; a < kr; a++)
        w[a] = y[a] = 1 / (double)kr;
    double tk = 1;
    int it = 0;
    for (; it < 200000 && tr > 0; it++) {
        for (size_t a = 0; a < kr; a++) {
            double s = -g[a];
            for (size_t b = 0; b < kr; b++)
                s += H[a * kr + b] * y[b];
            wn[a] = y[a] - step * 2 * s;
        }
        project_simplex(kr, wn, tmp);
        double tn = (1 + sqrt(1 + 4 * tk * tk)) / 2, change = 0;
        for (size_t a = 0; a < kr; a++) {
            change = fmax(change, fabs(wn[a] - w[a]));
            y[a] = wn[a] + (tk - 1) / tn * (wn[a] - w[a]);
            w[a] = wn[a];
        }
        tk = tn;
        if (change > 1e-15)
            continue;
        /* The momentum point y can be snapped back onto the same face by the projection
         * while w is not optimal: accept only a fixed point of the plain step from w,
         * else restart the momentum there. */
        for (size_t a = 0; a < kr; a++) {
            double g2 = -g[a];
            for (size_t b = 0; b < kr; b++)
                g2 += H[a * kr + b] * w[b];
            wn[a] = w[a] - step * 2 * g2;
        }
        project_simplex(kr, wn, tmp);
        change = 0;
        for (size_t a = 0; a < kr; a++)
            change = fmax(change, fabs(wn[a] - w[a]));
        if (change <= 1e-15)
            break;
        memcpy(y, w, kr * sizeof *y);
        tk = 1;
    }
    out->iterations = it;
    /* face polish */
    {
        size_t *S = idx;
        size_t ns = 0;
        for (size_t a = 0; a < kr; a++)
            if (w[a] > 1e-9)
                S[ns++] = a;
        size_t n1 = ns + 1;
        for (size_t p = 0; p < ns; p++) {
            for (size_t q = 0; q < ns; q++)
                A[p * n1 + q] = H[S[p] * kr + S[q]];
            A[p * n1 + ns] = 1;
            A[ns * n1 + p] = 1;
            rhs[p] = g[S[p]];
        }
        A[ns * n1 + ns] = 0;
        rhs[ns] = 1;
        if (ns > 0 && gauss_solve(n1, A, rhs) == 0) {
            int ok = 1;
            for (size_t p = 0; p < ns; p++)
                if (rhs[p] < 0)
                    ok = 0;
            if (ok) {
                for (size_t a = 0; a < kr; a++)
                    wn[a] = 0;
                for (size_t p = 0; p < ns; p++)
                    wn[S[p]] = rhs[p];
                double mu1, mu2;
                double v_new = kkt_violation(kr, H, g, wn, grad, &mu1);
                double v_old = kkt_violation(kr, H, g, w, grad, &mu2);
                if (v_new <= v_old &&
                    quad_cost(kr, H, g, dd, wn) <= quad_cost(kr, H, g, dd, w) + 1e-12 * (1 + dd))
                    memcpy(w, wn, kr * sizeof *w);
            }
        }
    }
    double mu;
    out->kkt = kkt_violation(kr, H, g, w, grad, &mu);
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
    rc = 0;
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
    double *psum = malloc((nparents + 1) * sizeof *psum);
    double *norm = malloc((nkeys + 1) * sizeof *norm);
    if (psum == NULL || norm == NULL) {
        free(psum);
        free(norm);
        return -1;
    }
    for (size_t j = 0; j < nkeys; j++)
        out[j] = 0; /* the log of the mix, accumulated */
    for (size_t s = 0; s < k; s++) {
        if (!(share[s] > 0))
            continue;
        normalise(&subs[s], key_parent, norm, psum, nparents);
        for (size_t j = 0; j < nkeys; j++)
            out[j] += isnan(norm[j]) ? NAN : norm[j] > 0 ? share[s] * log(norm[j]) : -HUGE_VAL;
    }
    memset(psum, 0, nparents * sizeof *psum);
    for (size_t j = 0; j < nkeys; j++)
        if (!isnan(out[j])) {
            out[j] = exp(out[j]);
            psum[key_parent[j]] += out[j];
        }
    for (size_t j = 0; j < nkeys; j++)
        if (!isnan(out[j]) && psum[key_parent[j]] > 0)
            out[j] /= psum[key_parent[j]];
    free(psum);
    free(norm);
    return 0;
}
