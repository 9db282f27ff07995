/*
 * simplex_qp.c -- minimise f(w) = w^T H w - 2 g^T w + c over the probability simplex:
 * the dispatcher, the KKT check, and the linear algebra both solvers share.
 *
 * Optimality (Karush-Kuhn-Tucker; f convex, constraints linear, so necessary and
 * sufficient): with G = H w - g (half the gradient) there is a mu with
 *     G_a + mu = 0 where w_a > 0,   G_a + mu >= 0 where w_a = 0.
 * At a point of the simplex mu = -sum_a w_a G_a (the weighted mean of G on the support);
 * fund_simplex_kkt reports the largest violation of those conditions.
 *
 * The face system.  On a face F (the indices allowed to be non-zero) the minimiser of f
 * over {sum_F w = 1} solves the saddle-point system
 *     [ H_FF  1 ] [ v  ]   [ g_F ]
 *     [ 1^T   0 ] [ mu ] = [ 1   ],
 * non-singular exactly when H is positive definite on {x supported on F, sum x = 0}.  The
 * border is scaled by sigma = the largest diagonal entry of H_FF (v unchanged, mu scaled),
 * so that the pivots of the border and of H are of one size and the singularity threshold
 * of the elimination is meaningful.
 */
#include "fund/simplex_qp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simplex_internal.h"

int fund_qp_gauss_solve(size_t n, double *A, double *b)
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

int fund_qp_face_solve(size_t k, const double *H, const double *g, const size_t *F, size_t nf,
                       const size_t *col, double *v, double *A, double *rhs)
{
    size_t n1 = nf + 1;
    double sigma = 0;
    for (size_t p = 0; p < nf; p++)
        sigma = fmax(sigma, H[F[p] * k + F[p]]);
    if (!(sigma > 0))
        sigma = 1;
    for (size_t p = 0; p < nf; p++) {
        for (size_t q = 0; q < nf; q++)
            A[p * n1 + q] = H[F[p] * k + F[q]];
        A[p * n1 + nf] = sigma;
        A[nf * n1 + p] = sigma;
        rhs[p] = col == NULL ? g[F[p]] : -H[F[p] * k + *col];
    }
    A[nf * n1 + nf] = 0;
    rhs[nf] = col == NULL ? sigma : -sigma;
    if (fund_qp_gauss_solve(n1, A, rhs) != 0)
        return -1;
    memcpy(v, rhs, nf * sizeof *v);
    return 0;
}

double fund_qp_value(size_t k, const double *H, const double *g, const double *w)
{
    double s = 0;
    for (size_t a = 0; a < k; a++) {
        s -= 2 * g[a] * w[a];
        for (size_t b = 0; b < k; b++)
            s += w[a] * H[a * k + b] * w[b];
    }
    return s;
}

double fund_simplex_kkt(size_t k, const double *H, const double *g, const double *w, double *grad,
                        double *mu_out)
{
    for (size_t a = 0; a < k; a++) {
        double s = -g[a];
        for (size_t b = 0; b < k; b++)
            s += H[a * k + b] * w[b];
        grad[a] = s;
    }
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

int fund_simplex_qp(size_t k, const double *H, const double *g, double c, fund_qp_method method,
                    double *w, fund_qp_info *info)
{
    fund_qp_info local;
    if (info == NULL)
        info = &local;
    memset(info, 0, sizeof *info);
    double *work = malloc((6 * k + (k + 1) * (k + 1) + 1) * sizeof *work);
    size_t *F = malloc(2 * k * sizeof *F + 1);
    if (work == NULL || F == NULL || k == 0) {
        free(work);
        free(F);
        if (k > 0)
            memset(w, 0, k * sizeof *w);
        return -1;
    }
    int steps = 0;
    if (method == FUND_QP_ACTIVE_SET &&
        fund_qp_active_set(k, H, g, w, &steps, work, F, F + k) == 0) {
        info->method = FUND_QP_ACTIVE_SET;
    } else {
        steps = fund_qp_fista(k, H, g, c, w, work, F);
        info->method = FUND_QP_FISTA;
    }
    info->iterations = steps;
    double mu;
    info->kkt = fund_simplex_kkt(k, H, g, w, work, &mu);
    free(work);
    free(F);
    return 0;
}
