/*
 * test_simplex_qp.c -- the simplex QP behind `fund blend`: the active-set method (the
 * default) against the FISTA reference it replaced.
 *
 * The claim under test (docs/fund-deep.md, "fund blend"): both reach the same optimum --
 * objective within 1e-12 relative (an absolute floor of 1e-12 d^T d where the optimum fits
 * the jury exactly) and, where the optimum is unique and well conditioned, shares within
 * 1e-9 -- and the active-set method finishes without falling back.  Instances are
 * least-squares problems min |D^T w - d|^2 like the blender's, drawn (seed printed) from
 * five families: noisy copies of one truth (the benchmark's shape), general Gaussian ones
 * with fewer answers than submissions (singular H), exact duplicates and convex mixes of
 * submissions (singular H), exact fits (a degenerate optimum, cost 0), and badly scaled
 * ones.  Hand cases pin the corners: one submission, H = 0, H of rank one.
 */
#include <math.h>

#include "fund/simplex_qp.h"
#include "fund_test.h"

enum { KMAX = 50, MMAX = 400, ROUNDS = 60 };

typedef struct inst {
    size_t k, m;
    double D[KMAX][MMAX], d[MMAX];
    double H[KMAX * KMAX], g[KMAX], dd;
} inst;

static double unif01(uint64_t *s)
{
    return ((double)(ft_rand(s) >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(uint64_t *s)
{
    return sqrt(-2 * log(unif01(s))) * cos(6.283185307179586 * unif01(s));
}

static void gram(inst *p)
{
    p->dd = 0;
    for (size_t i = 0; i < p->m; i++)
        p->dd += p->d[i] * p->d[i];
    for (size_t a = 0; a < p->k; a++) {
        double s = 0;
        for (size_t i = 0; i < p->m; i++)
            s += p->D[a][i] * p->d[i];
        p->g[a] = s;
        for (size_t b = 0; b <= a; b++) {
            double h = 0;
            for (size_t i = 0; i < p->m; i++)
                h += p->D[a][i] * p->D[b][i];
            p->H[a * p->k + b] = p->H[b * p->k + a] = h;
        }
    }
}

/* |D^T w - d|^2, summed directly as the blender reports it. */
static double cost(const inst *p, const double *w)
{
    double c = 0;
    for (size_t i = 0; i < p->m; i++) {
        double r = -p->d[i];
        for (size_t a = 0; a < p->k; a++)
            r += w[a] * p->D[a][i];
        c += r * r;
    }
    return c;
}

/* One instance of family fam; returns 1 when its optimum is unique and well conditioned
 * by construction (independent Gaussian data with at least twice as many answers). */
static int draw(inst *p, int fam, uint64_t *s)
{
    /* the FISTA reference needs ~10^4..10^5 iterations of O(k^2): keep most instances small */
    size_t k = 2 + ft_rand(s) % (fam == 0 ? KMAX - 1 : 24), m;
    int well = 0;
    double t[MMAX];
    switch (fam) {
    case 1: /* general, often fewer answers than submissions */
        m = 1 + ft_rand(s) % (2 * k + 1);
        for (size_t a = 0; a < k; a++)
            for (size_t i = 0; i < m; i++)
                p->D[a][i] = gauss(s);
        for (size_t i = 0; i < m; i++)
            p->d[i] = 2 * gauss(s);
        well = m >= 2 * k;
        break;
    default: /* 0, 2, 3, 4: noisy copies of a truth t */
        m = k / 2 + 1 + ft_rand(s) % (MMAX - k / 2 - 1);
        for (size_t i = 0; i < m; i++) {
            t[i] = gauss(s);
            p->d[i] = t[i] + 0.5 * gauss(s);
        }
        for (size_t a = 0; a < k; a++) {
            double sig = 0.2 + unif01(s);
            for (size_t i = 0; i < m; i++)
                p->D[a][i] = t[i] + sig * gauss(s);
        }
        well = fam == 0 && m >= 2 * k;
        break;
    }
    if (fam == 2) /* exact copies and convex mixes of other submissions */
        for (size_t a = 1; a < k; a++) {
            size_t b = ft_rand(s) % a, c = ft_rand(s) % a;
            double l = unif01(s);
            if (ft_rand(s) % 3 == 0)
                for (size_t i = 0; i < m; i++)
                    p->D[a][i] = l * p->D[b][i] + (1 - l) * p->D[c][i];
        }
    if (fam == 3) { /* the jury agrees exactly with a sparse mix */
        double wt[KMAX] = { 0 }, tot = 0;
        for (size_t a = 0; a < k; a++)
            if (ft_rand(s) % 4 == 0)
                tot += wt[a] = unif01(s);
        if (tot == 0)
            tot = wt[0] = 1;
        for (size_t i = 0; i < m; i++) {
            p->d[i] = 0;
            for (size_t a = 0; a < k; a++)
                p->d[i] += wt[a] / tot * p->D[a][i];
        }
    }
    if (fam == 4) { /* badly scaled */
        double sc = pow(10, 6 * unif01(s) - 3);
        for (size_t i = 0; i < m; i++) {
            p->d[i] *= sc;
            for (size_t a = 0; a < k; a++)
                p->D[a][i] *= sc;
        }
    }
    p->k = k;
    p->m = m;
    gram(p);
    return well;
}

static void test_matches_fista(void)
{
    uint64_t seed = fund_test_seed("fund simplex qp");
    static inst p;
    double worst_cost = 0, worst_share = 0;
    int fallbacks = 0, wellcount = 0;
    long steps = 0, iters = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int fam = round % 5, well = draw(&p, fam, &seed);
        double wa[KMAX], wf[KMAX];
        fund_qp_info ia, iff;
        CHECK(fund_simplex_qp(p.k, p.H, p.g, p.dd, FUND_QP_ACTIVE_SET, wa, &ia) == 0);
        CHECK(fund_simplex_qp(p.k, p.H, p.g, p.dd, FUND_QP_FISTA, wf, &iff) == 0);
        fallbacks += ia.method != FUND_QP_ACTIVE_SET;
        steps += ia.iterations;
        iters += iff.iterations;
        double sum = 0, dw = 0;
        for (size_t a = 0; a < p.k; a++) {
            CHECK(wa[a] >= 0);
            sum += wa[a];
            dw = fmax(dw, fabs(wa[a] - wf[a]));
        }
        CHECK_NEAR(sum, 1, 1e-13);
        double ca = cost(&p, wa), cf = cost(&p, wf);
        double rel = fabs(ca - cf) / fmax(cf, 1e-12 * p.dd);
        worst_cost = fmax(worst_cost, rel);
        if (!(rel <= 1e-12))
            printf("  round %d family %d k %zu m %zu: cost %.17g vs FISTA %.17g\n", round, fam,
                   p.k, p.m, ca, cf);
        CHECK(rel <= 1e-12);
        if (well) {
            wellcount++;
            worst_share = fmax(worst_share, dw);
            CHECK(dw <= 1e-9);
        }
    }
    printf("  %d instances: cost differs by at most %.2g relative, shares by at most %.2g on "
           "the %d well-conditioned ones; %ld active-set steps, %ld FISTA iterations; %d "
           "fallbacks\n",
           ROUNDS, worst_cost, worst_share, wellcount, steps, iters, fallbacks);
    CHECK(fallbacks == 0);
}

/* Corners: one submission; H = 0 (the best g wins); H of rank one (every mix is optimal:
 * the method stays at its first vertex, the first submission of least cost). */
static void test_corners(void)
{
    double w[3], one = 4, g1 = 1;
    fund_qp_info info;
    CHECK(fund_simplex_qp(1, &one, &g1, 0, FUND_QP_ACTIVE_SET, w, &info) == 0);
    CHECK(w[0] == 1 && info.kkt == 0);
    double H0[9] = { 0 }, g0[3] = { 1, 3, 2 };
    CHECK(fund_simplex_qp(3, H0, g0, 0, FUND_QP_ACTIVE_SET, w, &info) == 0);
    CHECK(w[0] == 0 && w[1] == 1 && w[2] == 0);
    CHECK(info.method == FUND_QP_ACTIVE_SET && info.kkt == 0);
    double H1[9] = { 4, 4, 4, 4, 4, 4, 4, 4, 4 }, gr[3] = { 2, 2, 2 };
    CHECK(fund_simplex_qp(3, H1, gr, 1, FUND_QP_ACTIVE_SET, w, &info) == 0);
    CHECK(w[0] == 1 && w[1] == 0 && w[2] == 0);
    CHECK(info.method == FUND_QP_ACTIVE_SET && info.kkt == 0);
    /* H = I, g = 0: the centre, reached by freeing every weight */
    double I3[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, z[3] = { 0, 0, 0 };
    CHECK(fund_simplex_qp(3, I3, z, 0, FUND_QP_ACTIVE_SET, w, &info) == 0);
    for (int a = 0; a < 3; a++)
        CHECK_NEAR(w[a], 1.0 / 3, 1e-15);
    CHECK(info.kkt < 1e-15);
}

int main(int argc, char **argv)
{
    (void)argc;
    fund_test_init(argv[0]);
    RUN_TEST(test_corners);
    RUN_TEST(test_matches_fista);
    return fund_test_finish("fund simplex qp");
}
