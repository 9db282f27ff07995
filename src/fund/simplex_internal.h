/*
 * simplex_internal.h -- pieces shared by the two simplex QP solvers (simplex_active.c,
 * simplex_fista.c) and their dispatcher (simplex_qp.c).  Not installed.
 *
 * Conventions: H is k x k row-major; a "face" is a list F[0..nf) of indices allowed to be
 * non-zero.  Scratch arrays are passed in so that one allocation in fund_simplex_qp serves
 * every step.
 */
#ifndef DACC_FUND_SIMPLEX_INTERNAL_H
#define DACC_FUND_SIMPLEX_INTERNAL_H

#include <stddef.h>

/* Solve A x = b in place (A n x n row-major, destroyed; b becomes x) by Gaussian
 * elimination with partial pivoting; -1 when a pivot is below 1e-13 times A's largest
 * entry (numerically singular). */
int fund_qp_gauss_solve(size_t n, double *A, double *b);

/* The optimum of f on the affine hull of face F, ignoring w >= 0: solves
 *     H_FF v + mu 1 = r,  1^T v = s
 * for v (into v[0..nf)), with (r, s) = (g_F, 1) when col is NULL -- the face's minimiser --
 * or (-H_F,col, -1) -- the direction that moves weight onto index col at the least
 * curvature.  A needs (nf + 1)^2 doubles, rhs nf + 1.  -1 when the system is singular. */
int fund_qp_face_solve(size_t k, const double *H, const double *g, const size_t *F, size_t nf,
                       const size_t *col, double *v, double *A, double *rhs);

/* f(w) without its constant: w^T H w - 2 g^T w. */
double fund_qp_value(size_t k, const double *H, const double *g, const double *w);

/* Accelerated projected gradient with its face polish (simplex_fista.c): w gets the
 * optimum, the return value is the iteration count.  work needs 6k + (k + 1)^2 doubles and
 * F k entries. */
int fund_qp_fista(size_t k, const double *H, const double *g, double c, double *w, double *work,
                  size_t *F);

/* The active-set method (simplex_active.c): 0 with w optimal and *steps set, or -1 when it
 * could not finish (w then undefined).  work needs 3k + (k + 1)^2 + 1 doubles, F and pos k
 * entries. */
int fund_qp_active_set(size_t k, const double *H, const double *g, double *w, int *steps,
                       double *work, size_t *F, size_t *pos);

#endif
