/*
 * simplex_active.c -- the default solver for min f(w) = w^T H w - 2 g^T w + c on the
 * probability simplex, H positive semi-definite: a primal active-set method (Nocedal &
 * Wright, "Numerical Optimization", 2nd ed., algorithm 16.3) in the inertia-controlling
 * form of Gill & Murray that keeps every linear system non-singular although H may be
 * singular (submissions that agree on every jury pair give identical rows of H).
 *
 * State: a face F (the weights allowed to be non-zero; the others are exactly 0) and a
 * feasible w on it.  Invariant: H is positive definite on the face, i.e. the face system of
 * simplex_qp.c is non-singular.  It starts at the best vertex (the single submission of
 * least cost), where the face is one index and the invariant is trivial.
 *
 *  1. Not yet at the face's minimiser: solve the face system for the minimiser v.  If v >= 0
 *     move there; else move from w towards v until the first weight reaches 0, drop that
 *     index from F (a sub-face of a definite face is definite) and repeat.
 *  2. At the face's minimiser: G = H w - g, mu = -sum w G.  If every index q off the face
 *     has G_q + mu >= -tol the KKT conditions hold: stop.  Else take q with the most
 *     negative multiplier and the direction p (p_q = 1, sum p = 0) that solves the face
 *     system with right-hand side (-H_Fq, -1): the path of least curvature that moves weight
 *     onto q.  f falls along it at the rate G_q + mu < 0 with curvature c = p^T H p.  If
 *     c > 0 the step is t = -(G_q + mu) / c, else unbounded; a ratio test stops it where a
 *     weight on F reaches 0.  A full step adds q to F (still definite: c > 0 is the Schur
 *     complement); a blocked step adds q and drops the blocking index (definite again: the
 *     only zero-curvature direction of F + q was p, which the blocked index leaves).
 *     Either way go to 1, which also re-solves the face exactly so rounding errors of the
 *     step do not accumulate.
 *
 * Every step lowers f or shrinks the face, so the method ends after finitely many steps
 * in exact arithmetic; it gives up (the caller falls back to FISTA) after 10 k + 100 steps,
 * or if a face system it relies on is numerically singular (pivot below 1e-13 of the
 * largest entry).
 *
 * Tolerances: multipliers count as negative below -1e-12 (max diag H + max |g|), about
 * 10^4 times the rounding error of G; curvature counts as zero at or below
 * 1e-12 max diag H |p|^2.
 */
#include <math.h>
#include <string.h>

#include "simplex_internal.h"

/* Remove F[i] (its weight already set to 0). */
static void drop(size_t *F, size_t *nf, size_t i, size_t *infree)
{
    infree[F[i]] = 0;
    F[i] = F[--*nf];
}

/* Largest t <= tmax with w_F + t dir >= 0; *blk gets the position that limits it, or nf. */
static double ratio_test(const double *w, const size_t *F, size_t nf, const double *dir,
                         double tmax, size_t *blk)
{
    *blk = nf;
    for (size_t i = 0; i < nf; i++)
        if (dir[i] < 0 && w[F[i]] / -dir[i] < tmax) {
            tmax = w[F[i]] / -dir[i];
            *blk = i;
        }
    return tmax;
}

int fund_qp_active_set(size_t k, const double *H, const double *g, double *w, int *steps,
                       double *work, size_t *F, size_t *infree)
{
    double *G = work, *p = G + k, *v = p + k, *rhs = v + k, *A = rhs + k + 1;
    double hs = 0, gs = 0;
    size_t j0 = 0;
    for (size_t a = 0; a < k; a++) {
        hs = fmax(hs, H[a * k + a]);
        gs = fmax(gs, fabs(g[a]));
        if (H[a * k + a] - 2 * g[a] < H[j0 * k + j0] - 2 * g[j0])
            j0 = a;
    }
    double mtol = 1e-12 * (hs + gs), ctol = 1e-12 * hs;
    memset(w, 0, k * sizeof *w);
    memset(infree, 0, k * sizeof *infree);
    w[j0] = 1;
    F[0] = j0;
    infree[j0] = 1;
    size_t nf = 1, blk;
    int at_min = 1; /* w is the minimiser of f on the face */
    for (int it = 0; it < 10 * (int)k + 100; it++) {
        *steps = it + 1;
        if (!at_min) { /* 1. */
            if (fund_qp_face_solve(k, H, g, F, nf, NULL, v, A, rhs) != 0)
                return -1;
            for (size_t i = 0; i < nf; i++)
                p[i] = v[i] - w[F[i]];
            double t = ratio_test(w, F, nf, p, 1, &blk);
            if (blk == nf) {
                for (size_t i = 0; i < nf; i++)
                    w[F[i]] = v[i];
                at_min = 1;
            } else {
                for (size_t i = 0; i < nf; i++)
                    w[F[i]] = fmax(0, w[F[i]] + t * p[i]);
                w[F[blk]] = 0;
                drop(F, &nf, blk, infree);
            }
            continue;
        }
        /* 2. */
        double mu = 0;
        for (size_t a = 0; a < k; a++) {
            double s = -g[a];
            for (size_t i = 0; i < nf; i++)
                s += H[a * k + F[i]] * w[F[i]];
            G[a] = s;
        }
        for (size_t i = 0; i < nf; i++)
            mu -= w[F[i]] * G[F[i]];
        size_t q = k;
        double mq = -mtol;
        for (size_t a = 0; a < k; a++)
            if (!infree[a] && G[a] + mu < mq) {
                mq = G[a] + mu;
                q = a;
            }
        if (q == k)
            return 0;
        if (fund_qp_face_solve(k, H, g, F, nf, &q, p, A, rhs) != 0)
            return -1;
        double c = H[q * k + q], pn2 = 1;
        for (size_t i = 0; i < nf; i++) {
            double s = 2 * H[F[i] * k + q];
            for (size_t j = 0; j < nf; j++)
                s += H[F[i] * k + F[j]] * p[j];
            c += p[i] * s;
            pn2 += p[i] * p[i];
        }
        double t = ratio_test(w, F, nf, p, c > ctol * pn2 ? -mq / c : INFINITY, &blk);
        if (!isfinite(t)) /* sum p = -1 on F, so some p < 0: only NaNs get here */
            return -1;
        for (size_t i = 0; i < nf; i++)
            w[F[i]] = fmax(0, w[F[i]] + t * p[i]);
        if (blk < nf) {
            w[F[blk]] = 0;
            drop(F, &nf, blk, infree);
        }
        w[q] = t;
        F[nf++] = q;
        infree[q] = 1;
        at_min = 0;
    }
    return -1;
}
