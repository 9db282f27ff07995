/*
 * jury.c -- `fund jury`: turn a jury's pairwise answers into weights.
 *
 * Source: Buterin, "AI as the engine, humans as the steering wheel" (2025) and the Deep
 * Funding trial's analysis: a juror's answer (A, B, r) -- "B deserves r times A's credit"
 * -- is one equation y_B - y_A = log r on log-weights y.  Here each comparison is stored
 * as (a, b, d) with target y_a - y_b = d.
 *
 * Least squares (default).  Minimise  C(y) = sum_e w_e (y_a - y_b - d_e)^2.  The normal
 * equations are the graph-Laplacian system  L y = g  with
 *     L = sum_e w_e (e_a - e_b)(e_a - e_b)^T,     g = sum_e w_e d_e (e_a - e_b).
 * L is positive semidefinite; its null space is spanned by the indicator vectors of the
 * connected components of the comparison graph, and g is orthogonal to it, so the system
 * is consistent and the solution is unique once each component's mean is fixed (here: 0).
 * Solved by conjugate gradients on the whole (block-diagonal) system starting from y = 0:
 * every iterate stays in range(L), so CG converges to the minimum-norm solution, which
 * has mean 0 on every component; the means are then subtracted again to remove rounding
 * drift.  Stop: ||g - L y||_2 <= cg_tol * ||g||_2 (cg_tol default 1e-14), at most 10 n + 100
 * iterations (CG is exact in at most n steps in exact arithmetic; if rounding keeps the
 * residual above cg_tol the iteration cap ends it and the reached residual is reported).
 *
 * Weights: softmax of y within each component, w_i = exp(y_i) / sum_{j in comp} exp(y_j),
 * so ratios are exp(y_a - y_b) and weights sum to 1 in each component.
 *
 * Huber (option).  Minimise sum_e rho(y_a - y_b - d_e), rho(r) = r^2/2 for |r| <= delta,
 * delta(|r| - delta/2) beyond (Huber 1964), by iteratively reweighted least squares:
 * w_e = 1 if |r_e| <= delta else delta/|r_e|, re-solve the weighted Laplacian system,
 * until max_i |y_i - y_i_prev| <= tol_outer (1e-10) or max_iter rounds.  Default delta =
 * 1.0 in natural-log units: disagreements up to a factor e count quadratically, larger
 * ones linearly.  Data-scaled threshold (option huber_mad, `--delta mad`): delta =
 * 1.345 sigma with sigma = MAD(d) / Phi^-1(3/4) = MAD(d) / 0.6744897501960817, the normal-
 * consistent robust scale of the answers' log ratios (MAD(d) = median_e |d_e - median(d)|,
 * the median of an even count being the mean of the two middle values) and 1.345 Huber's
 * tuning constant for 95% efficiency under normal errors.  This is the threshold of the
 * Deep Funding trial analysis's "huber-log" weights.  The d are taken as oriented in the
 * input (repo_a against repo_b), so the median -- and with it MAD -- can depend on which
 * repository of a pair is listed first; MAD 0 (more than half the answers equal) is
 * refused rather than guessed.
 *
 * Bradley-Terry (option).  P(a preferred to b) = p_a / (p_a + p_b).  An answer "a deserves
 * m times b" is read as fractional wins m/(1+m) for a and 1/(1+m) for b (the only split
 * whose BT maximum-likelihood fit of that single pair is p_a/p_b = m).  Fitted by Hunter's
 * MM algorithm (Hunter 2004, "MM algorithms for generalized Bradley-Terry models"):
 *     p_i <- W_i / sum_{comparisons e touching i} 1 / (p_i + p_j(e)),
 * W_i the total fractional wins of i, p renormalised to sum 1 per component after each
 * round, starting from the least-squares solution (the fixed point itself when the answers
 * are consistent); stop when max_i |p_i^new / p_i - 1| <= tol (1e-12) or max_iter rounds
 * (100000; MM converges linearly, slowly on sparse comparison graphs).
 * Because every answer gives both sides a positive fractional win, every node in a
 * connected component has wins and losses inside it and the maximum exists.  y = log p
 * shifted to mean 0 per component.
 */
#include "fund/jury.h"
#include "dacc/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fund_jury_opts_default(fund_jury_opts *o)
{
    o->method = FUND_JURY_LSQ;
    o->huber_delta = 1.0;
    o->huber_mad = 0;
    o->tol = 1e-12;
    o->cg_tol = 1e-14;
    o->max_iter = 100000;
}

void fund_jury_result_free(fund_jury_result *r)
{
    if (r == NULL)
        return;
    free(r->y);
    free(r->weight);
    free(r->comp);
    memset(r, 0, sizeof *r);
}

double fund_jury_cost(size_t m, const fund_cmp *c, const double *y)
{
    double s = 0;
    for (size_t e = 0; e < m; e++) {
        double r = y[c[e].a] - y[c[e].b] - c[e].d;
        s += r * r;
    }
    return s;
}

/* out = L x for the weighted Laplacian of the comparisons. */
static void lap_mul(size_t n, size_t m, const fund_cmp *c, const double *w, const double *x,
                    double *out)
{
    memset(out, 0, n * sizeof *out);
    for (size_t e = 0; e < m; e++) {
        double t = w[e] * (x[c[e].a] - x[c[e].b]);
        out[c[e].a] += t;
        out[c[e].b] -= t;
    }
}

static double dot(size_t n, const double *x, const double *y)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

/* Subtract each component's mean from y. */
static void center(size_t n, const uint32_t *comp, size_t ncomp, double *y, double *sum,
                   double *cnt)
{
    memset(sum, 0, ncomp * sizeof *sum);
    memset(cnt, 0, ncomp * sizeof *cnt);
    for (size_t i = 0; i < n; i++) {
        sum[comp[i]] += y[i];
        cnt[comp[i]] += 1;
    }
    for (size_t i = 0; i < n; i++)
        y[i] -= sum[comp[i]] / cnt[comp[i]];
}

/* Weighted least squares by CG; y is overwritten.  scratch: 4 n doubles.
 * Returns iterations used; *rel gets the final relative residual. */
static int lsq_cg(size_t n, size_t m, const fund_cmp *c, const double *w, double tol, double *y,
                  double *scratch, double *rel)
{
    double *g = scratch, *r = scratch + n, *p = scratch + 2 * n, *q = scratch + 3 * n;
    memset(g, 0, n * sizeof *g);
    for (size_t e = 0; e < m; e++) {
        g[c[e].a] += w[e] * c[e].d;
        g[c[e].b] -= w[e] * c[e].d;
    }
    memset(y, 0, n * sizeof *y);
    memcpy(r, g, n * sizeof *r);
    memcpy(p, g, n * sizeof *p);
    double gnorm = sqrt(dot(n, g, g));
    double rr = gnorm * gnorm;
    int it = 0;
    int max_it = (int)(10 * n + 100);
    *rel = 0;
    if (gnorm == 0)
        return 0;
    while (it < max_it) {
        if (sqrt(rr) <= tol * gnorm)
            break;
        lap_mul(n, m, c, w, p, q);
        double pq = dot(n, p, q);
        if (!(pq > 0))
            break;
        double alpha = rr / pq;
        for (size_t i = 0; i < n; i++) {
            y[i] += alpha * p[i];
            r[i] -= alpha * q[i];
        }
        double rr_new = dot(n, r, r);
        double beta = rr_new / rr;
        rr = rr_new;
        for (size_t i = 0; i < n; i++)
            p[i] = r[i] + beta * p[i];
        it++;
    }
    /* The true residual, not the recurrence's. */
    lap_mul(n, m, c, w, y, q);
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (g[i] - q[i]) * (g[i] - q[i]);
    *rel = sqrt(s) / gnorm;
    return it;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Median of v[0..m-1] (m >= 1), sorting v in place. */
static double median(size_t m, double *v)
{
    dacc_qsort(v, m, sizeof *v, cmp_double);
    return m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

/* MAD of the log ratios; scratch holds m doubles. */
static double mad(size_t m, const fund_cmp *c, double *scratch)
{
    for (size_t e = 0; e < m; e++)
        scratch[e] = c[e].d;
    double med = median(m, scratch);
    for (size_t e = 0; e < m; e++)
        scratch[e] = fabs(c[e].d - med);
    return median(m, scratch);
}

static int solve_bt(size_t n, size_t m, const fund_cmp *c, const fund_jury_opts *o,
                    const uint32_t *comp, size_t ncomp, double *y, double *scratch, int *iters,
                    double *change)
{
    double *p = y, *wins = scratch, *den = scratch + n, *csum = scratch + 2 * n;
    memset(wins, 0, n * sizeof *wins);
    for (size_t e = 0; e < m; e++) {
        double ratio = exp(c[e].d); /* a deserves ratio times b */
        double fa = ratio / (1 + ratio);
        if (!isfinite(ratio))
            fa = 1;
        wins[c[e].a] += fa;
        wins[c[e].b] += 1 - fa;
    }
    /* start from the least-squares solution already in y (exact for consistent data) */
    memset(csum, 0, ncomp * sizeof *csum);
    for (size_t i = 0; i < n; i++) {
        p[i] = exp(y[i]);
        csum[comp[i]] += p[i];
    }
    for (size_t i = 0; i < n; i++)
        p[i] /= csum[comp[i]];
    int it = 0;
    double worst = 0;
    while (it < o->max_iter) {
        memset(den, 0, n * sizeof *den);
        for (size_t e = 0; e < m; e++) {
            double t = 1 / (p[c[e].a] + p[c[e].b]);
            den[c[e].a] += t;
            den[c[e].b] += t;
        }
        memset(csum, 0, ncomp * sizeof *csum);
        for (size_t i = 0; i < n; i++) {
            double np = den[i] > 0 ? wins[i] / den[i] : 1;
            den[i] = np; /* reuse: new p */
            csum[comp[i]] += np;
        }
        worst = 0;
        for (size_t i = 0; i < n; i++) {
            double np = den[i] / csum[comp[i]];
            if (!(np > 0))
                return -1;
            double ch = fabs(np / p[i] - 1);
            if (ch > worst)
                worst = ch;
            p[i] = np;
        }
        it++;
        if (worst <= o->tol)
            break;
    }
    for (size_t i = 0; i < n; i++)
        y[i] = log(p[i]);
    *iters = it;
    *change = worst;
    return 0;
}

fund_err fund_jury_solve(size_t n, size_t m, const fund_cmp *c, const fund_jury_opts *o,
                    fund_jury_result *out, char *msg)
{
    fund_jury_opts def;
    if (o == NULL) {
        fund_jury_opts_default(&def);
        o = &def;
    }
    memset(out, 0, sizeof *out);
    if (n == 0)
        return fund_fail(msg, FUND_ERR_FORMAT, "no repositories to weigh");
    if (!(o->tol > 0) || !(o->cg_tol > 0) || o->max_iter < 1 ||
        (o->method == FUND_JURY_HUBER && !o->huber_mad && !(o->huber_delta > 0)))
        return fund_fail(msg, FUND_ERR_ARG, "bad solver options (tolerance, iterations, delta must be > 0)");
    for (size_t e = 0; e < m; e++) {
        if (c[e].a >= n || c[e].b >= n)
            return fund_fail(msg, FUND_ERR_ARG, "comparison %zu names a repository out of range", e + 1);
        if (c[e].a == c[e].b)
            return fund_fail(msg, FUND_ERR_ARG, "comparison %zu compares a repository with itself", e + 1);
        if (!isfinite(c[e].d))
            return fund_fail(msg, FUND_ERR_ARG, "comparison %zu has a non-finite log ratio", e + 1);
    }
    uint32_t *u = malloc((m ? m : 1) * sizeof *u), *v = malloc((m ? m : 1) * sizeof *v);
    double *w = malloc((m ? m : 1) * sizeof *w);
    double *scratch = malloc(5 * n * sizeof *scratch);
    double *yprev = malloc(n * sizeof *yprev);
    out->y = calloc(n, sizeof *out->y);
    out->weight = calloc(n, sizeof *out->weight);
    out->comp = calloc(n, sizeof *out->comp);
    fund_err rc = FUND_ERR_NOMEM;
    if (u == NULL || v == NULL || w == NULL || scratch == NULL || yprev == NULL || out->y == NULL ||
        out->weight == NULL || out->comp == NULL) {
        rc = fund_fail(msg, FUND_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t e = 0; e < m; e++) {
        u[e] = c[e].a;
        v[e] = c[e].b;
        w[e] = 1;
    }
    out->n = n;
    out->ncomp = fund_components(n, m, u, v, out->comp);
    if (out->ncomp == (size_t)-1) {
        rc = fund_fail(msg, FUND_ERR_NOMEM, "out of memory");
        goto done;
    }
    double *csum = malloc(2 * out->ncomp * sizeof *csum);
    if (csum == NULL) {
        rc = fund_fail(msg, FUND_ERR_NOMEM, "out of memory");
        goto done;
    }
    double *ccnt = csum + out->ncomp;
    if (o->method == FUND_JURY_LSQ) {
        out->iterations = lsq_cg(n, m, c, w, o->cg_tol, out->y, scratch, &out->residual);
    } else if (o->method == FUND_JURY_HUBER) {
        int round = 0;
        double change = 0, delta = o->huber_delta;
        if (o->huber_mad && m > 0) {
            double s = mad(m, c, w); /* w is reset to 1 just below */
            if (!(s > 0)) {
                free(csum);
                rc = fund_fail(msg, FUND_ERR_FORMAT, "Huber threshold from MAD: more than half the answers have the "
                             "same log ratio (MAD 0); give an explicit delta");
                goto done;
            }
            delta = 1.345 * s / 0.6744897501960817;
        }
        for (size_t e = 0; e < m; e++)
            w[e] = 1;
        out->delta = delta;
        (void)lsq_cg(n, m, c, w, o->cg_tol, out->y, scratch, &out->residual);
        while (round < o->max_iter) {
            for (size_t e = 0; e < m; e++) {
                double r = fabs(out->y[c[e].a] - out->y[c[e].b] - c[e].d);
                w[e] = r <= delta ? 1 : delta / r;
            }
            memcpy(yprev, out->y, n * sizeof *yprev);
            (void)lsq_cg(n, m, c, w, o->cg_tol, out->y, scratch, &out->residual);
            round++;
            change = 0;
            for (size_t i = 0; i < n; i++)
                if (fabs(out->y[i] - yprev[i]) > change)
                    change = fabs(out->y[i] - yprev[i]);
            if (change <= 1e-10)
                break;
        }
        out->iterations = round;
        if (change > 1e-10) {
            free(csum);
            rc = fund_fail(msg, FUND_ERR_CONVERGE, "Huber IRLS did not converge in %d rounds (last change %g)", round,
                      change);
            goto done;
        }
    } else {
        double lsq_res;
        (void)lsq_cg(n, m, c, w, o->cg_tol, out->y, scratch, &lsq_res);
        center(n, out->comp, out->ncomp, out->y, csum, ccnt);
        if (solve_bt(n, m, c, o, out->comp, out->ncomp, out->y, scratch, &out->iterations,
                     &out->residual) != 0 ||
            out->residual > o->tol) {
            free(csum);
            rc = fund_fail(msg, FUND_ERR_CONVERGE, "Bradley-Terry MM did not converge in %d rounds", out->iterations);
            goto done;
        }
    }
    center(n, out->comp, out->ncomp, out->y, csum, ccnt);
    /* softmax per component, shifted by the component's max for range safety */
    for (size_t k = 0; k < out->ncomp; k++)
        csum[k] = -HUGE_VAL;
    for (size_t i = 0; i < n; i++)
        if (out->y[i] > csum[out->comp[i]])
            csum[out->comp[i]] = out->y[i];
    memset(ccnt, 0, out->ncomp * sizeof *ccnt);
    for (size_t i = 0; i < n; i++) {
        out->weight[i] = exp(out->y[i] - csum[out->comp[i]]);
        ccnt[out->comp[i]] += out->weight[i];
    }
    for (size_t i = 0; i < n; i++)
        out->weight[i] /= ccnt[out->comp[i]];
    free(csum);
    rc = FUND_OK;
done:
    free(u);
    free(v);
    free(w);
    free(scratch);
    free(yprev);
    if (rc != 0)
        fund_jury_result_free(out);
    return rc;
}
