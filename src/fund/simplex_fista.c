/*
 * simplex_fista.c -- the reference solver for min w^T H w - 2 g^T w + c on the simplex:
 * accelerated projected gradient, then an exact polish on the support found.
 *
 * This was `fund blend`'s only solver; the active-set method (simplex_active.c) replaced
 * it as the default because on 50 similar submissions it needed ~48,000 iterations.  It
 * stays as an independent check (tests compare the two optima) and as the fallback when
 * the active-set method cannot finish.
 *
 * FISTA (Beck & Teboulle 2009) with step 1/Lip, Lip = 2 trace(H) >= 2 lambda_max(H) (a
 * bound that needs no eigenvalue computation); Euclidean projection onto the simplex by
 * sorting (Held, Wolfe & Crowder 1974; Duchi et al. 2008).  Stop when a plain projected
 * gradient step from the iterate changes no weight by more than 1e-15 (momentum is
 * restarted when only the accelerated step stalled) or after 200000 iterations.  Then the
 * face polish: on the support S = {w > 1e-9} the equality-constrained optimum (the face
 * system of simplex_qp.c) replaces the iterate when it is feasible, its KKT violation is no
 * larger, and its value no worse (to 1e-12 (1 + |c|)).
 */
#include <math.h>
#include <string.h>

#include "fund/simplex_qp.h"
#include "simplex_internal.h"

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

/* out = proj(from - step * 2 (H at - g)): one projected gradient step evaluated at `at`. */
static void pg_step(size_t k, const double *H, const double *g, double step, const double *at,
                    const double *from, double *out, double *tmp)
{
    for (size_t a = 0; a < k; a++) {
        double s = -g[a];
        for (size_t b = 0; b < k; b++)
            s += H[a * k + b] * at[b];
        out[a] = from[a] - step * 2 * s;
    }
    project_simplex(k, out, tmp);
}

static double max_change(size_t k, const double *x, const double *y)
{
    double m = 0;
    for (size_t a = 0; a < k; a++)
        m = fmax(m, fabs(x[a] - y[a]));
    return m;
}

static void polish(size_t k, const double *H, const double *g, double c, double *w, double *wn,
                   double *grad, double *A, double *rhs, size_t *S)
{
    size_t ns = 0;
    for (size_t a = 0; a < k; a++)
        if (w[a] > 1e-9)
            S[ns++] = a;
    if (ns == 0 || fund_qp_face_solve(k, H, g, S, ns, NULL, grad, A, rhs) != 0)
        return;
    for (size_t p = 0; p < ns; p++)
        if (grad[p] < 0)
            return;
    memset(wn, 0, k * sizeof *wn);
    for (size_t p = 0; p < ns; p++)
        wn[S[p]] = grad[p];
    double mu1, mu2;
    double v_new = fund_simplex_kkt(k, H, g, wn, grad, &mu1);
    double v_old = fund_simplex_kkt(k, H, g, w, grad, &mu2);
    if (v_new <= v_old &&
        fund_qp_value(k, H, g, wn) <= fund_qp_value(k, H, g, w) + 1e-12 * (1 + fabs(c)))
        memcpy(w, wn, k * sizeof *w);
}

int fund_qp_fista(size_t k, const double *H, const double *g, double c, double *w, double *work,
                  size_t *F)
{
    double *y = work, *wn = y + k, *grad = wn + k, *tmp = grad + k, *rhs = tmp + k,
           *A = rhs + k + 1;
    double tr = 0;
    for (size_t a = 0; a < k; a++)
        tr += H[a * k + a];
    double step = tr > 0 ? 1 / (2 * tr) : 1;
    for (size_t a = 0; a < k; a++)
        w[a] = y[a] = 1 / (double)k;
    double tk = 1;
    int it = 0;
    for (; it < 200000 && tr > 0; it++) {
        pg_step(k, H, g, step, y, y, wn, tmp);
        double tn = (1 + sqrt(1 + 4 * tk * tk)) / 2, change = max_change(k, wn, w);
        for (size_t a = 0; a < k; a++) {
            y[a] = wn[a] + (tk - 1) / tn * (wn[a] - w[a]);
            w[a] = wn[a];
        }
        tk = tn;
        if (change > 1e-15)
            continue;
        /* The momentum point y can be snapped back onto the same face by the projection
         * while w is not optimal: accept only a fixed point of the plain step from w,
         * else restart the momentum there. */
        pg_step(k, H, g, step, w, w, wn, tmp);
        if (max_change(k, wn, w) <= 1e-15)
            break;
        memcpy(y, w, k * sizeof *y);
        tk = 1;
    }
    polish(k, H, g, c, w, wn, grad, A, rhs, F);
    return it;
}
