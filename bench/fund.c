/*
 * bench/fund.c -- the fund wing's benchmarks (issue 4 section 5), on seeded synthetic rounds.
 *
 *   build/bench/fund [--quick] [--seed N] [--reps N] [--budget S] [--votes N[,N...]]
 *                    [--donors N] [--projects N] [--parts qf,deep,scale] [--cocm-og]
 *                    [--grow] [--big] [--no-process] [--no-sweep]
 *
 * Parts: plain QF (float, exact), pairwise (M = 1), COCM (groups = projects, markov, harsh:
 * the defaults; --cocm-og adds the og similarity, slower, off by default) when
 * include/fund/cocm.h is in the tree (else "cocm: not built in this tree").
 * Defaults are the sizes: 40,000 donors x 300 projects at 200,000 and 1,000,000
 * votes, and deep funding on the full dependency graph with 1,000 jury answers and 50
 * submissions.  --quick: 4,000 donors x 20,000 votes only, and 2 repetitions (a smoke run; nothing uses
 * it automatically).
 *
 * The round generator (seeded splitmix64; the same seed gives the same round):
 *   - project popularity is Zipf-like: project of rank r (1..P) is drawn with probability
 *     proportional to 1 / r^1.1, ranks assigned to project names by a seeded shuffle;
 *   - each donor gives to K distinct projects, K geometric with mean votes/donors (5 at
 *     200k votes over 40k donors), at least 1 and at most P/2; the totals are then nudged
 *     (random donors +-1) so that the rows add up to exactly the requested votes;
 *   - 3 % of the donors are in cliques of 5..50 (uniform); a clique shares a set of 3..8
 *     projects drawn uniformly (so mostly unpopular ones), which every member gives to
 *     (in addition to their own Zipf picks, K counting both);
 *   - amounts: log-normal, median 2.00 (sigma 1.2), clique members 1.00..5.00 uniform,
 *     rounded to cents, at least 0.01; 3 % of the rows repeat an earlier (donor, project)
 *     pair of the same donor (a second donation) and are aggregated by the library;
 *   - names: donors "0x" + 40 hex digits, projects "project-NNNN".
 * The round is added in memory through fund_round_add (float and exact, 2 decimals) and
 * finished; separately it is written to a temporary CSV and loaded through
 * fund_round_load_csv + fund_round_finish, timed as parsing.
 *
 * Scale (--parts scale; not run by default): pairwise (M = 1) and COCM (defaults) against
 * the previous implementation, bench/baseline/ (pairwise.c, cocm.c), in paired rounds (--reps rounds, each
 * timing baseline and current back to back, the order alternating; reported: the medians
 * and the median and min-max of the per-round ratio baseline / current), both as
 * computation (in process, the same loaded round) and as the whole process: wall time of
 * `fund pairwise|cocm FILE` (build/fund) against the same command linked with the baseline
 * (build/bench/fund-baseline), on the generated round's CSV (--no-process skips that).
 * Sizes: 1,000,000 votes (or --votes); --big adds 5,000,000 (always 2 paired rounds); donors --donors (40,000), or
 * with --grow 2/5 of the votes (400,000 at 1M: donors growing with the votes, not only their
 * density).  Then pairwise on one thread at each dense/sparse crossover (dense_factor;
 * --no-sweep skips it).
 *
 * Deep funding: the dependency graph ROOT/../shared/vectors/funding/dependency-graph/
 * repo_parent_weight_graph.csv (ROOT from $DACC_ROOT, else found from argv[0] as the tests
 * do), or when absent a synthetic graph of the same size (said in the output).  Synthetic
 * jury answers compare two children of one parent: a hidden truth t = exp(N(0,1)) per
 * edge, d = log(t_a / t_b) + N(0, 0.5^2); submissions are t * exp(N(0, s^2)) with s from
 * 0.2 to 1.2.  Answers and submissions are written as CSV and loaded through fund/deepio.h.
 *
 * Each timing is repeated (--reps, default 5, stopping early once a part has used more
 * than --budget seconds, default 6, after at least 2 runs); minimum and median are
 * reported.  Peak RSS is getrusage's ru_maxrss after the phase: the maximum so far in
 * the process, not the phase's own.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fund/blend.h"
#include "fund/contrib.h"
#include "fund/deepio.h"
#include "fund/flow.h"
#include "fund/pairwise.h"
#include "fund/qf.h"
#include "fund/score.h"
#include "baseline/baseline.h"

#if defined(__has_include)
#if __has_include("fund/cocm.h")
#define BENCH_HAVE_COCM 1
#include "fund/cocm.h"
#endif
#endif

/* ---- small helpers ---- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double unif(void) { return ((double)(rnd() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
static double gauss(void) { return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif()); }
static size_t below(size_t n) { return (size_t)(rnd() % n); }

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* Linux: KiB */
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "bench/fund: out of memory\n");
        exit(1);
    }
    return p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int opt_reps = 5;
static double opt_budget = 6.0;
static int opt_cocm_og = 0;

typedef struct {
    double min, med;
    int runs;
} timing;

static timing summarise(double *t, int n)
{
    timing r;
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    r.min = t[0];
    r.med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
    r.runs = n;
    return r;
}

static void row(const char *what, timing t, double goal_s, double rss)
{
    char g[64] = "";
    if (goal_s > 0)
        snprintf(g, sizeof g, "< %g s  %s", goal_s, t.min < goal_s ? "PASS" : "MISS");
    printf("  %-34s %10.4f %10.4f %4d %9.1f  %s\n", what, t.min, t.med, t.runs, rss, g);
    fflush(stdout);
}

static void header(void)
{
    printf("  %-34s %10s %10s %4s %9s  %s\n", "phase", "min (s)", "median (s)", "runs",
           "peak MiB", "goal (on the minimum)");
}

static void die(const char *what, const char *msg)
{
    fflush(stdout);
    fprintf(stderr, "bench/fund: %s: %s\n", what, msg);
    exit(1);
}

/* ---- the round generator ---- */

typedef struct {
    size_t ndonors, nprojects, nrows;
    uint32_t *voter, *project;
    uint64_t *cents;
    char (*vname)[43];
    char (*pname)[32];
    size_t clique_donors, ncliques;
} gen_round;

static void gen(gen_round *g, size_t nd, size_t np, size_t votes, uint64_t seed)
{
    rng_state = seed;
    memset(g, 0, sizeof *g);
    g->ndonors = nd;
    g->nprojects = np;
    g->vname = xmalloc(nd * sizeof *g->vname);
    g->pname = xmalloc(np * sizeof *g->pname);
    for (size_t i = 0; i < nd; i++)
        snprintf(g->vname[i], sizeof g->vname[i], "0x%016llx%016llx%08lx",
                 (unsigned long long)rnd(), (unsigned long long)rnd(),
                 (unsigned long)(rnd() & 0xffffffffu));
    for (size_t p = 0; p < np; p++)
        snprintf(g->pname[p], sizeof g->pname[p], "project-%04u", (unsigned)p);
    /* Zipf CDF over ranks; rank -> project by a shuffle */
    double *cdf = xmalloc(np * sizeof *cdf);
    uint32_t *perm = xmalloc(np * sizeof *perm);
    double acc = 0;
    for (size_t r = 0; r < np; r++) {
        acc += 1.0 / pow((double)(r + 1), 1.1);
        cdf[r] = acc;
        perm[r] = (uint32_t)r;
    }
    for (size_t r = np; r > 1; r--) {
        size_t k = below(r);
        uint32_t t = perm[r - 1];
        perm[r - 1] = perm[k];
        perm[k] = t;
    }
    /* projects per donor: geometric, mean m, in [1, np/2]; then exact total */
    size_t kmax = np / 2 ? np / 2 : 1;
    size_t *k = xmalloc(nd * sizeof *k);
    double m = (double)votes / (double)nd, pgeo = 1.0 / m;
    size_t total = 0;
    for (size_t i = 0; i < nd; i++) {
        size_t x = 1;
        if (pgeo < 1)
            x = 1 + (size_t)floor(log(unif()) / log(1 - pgeo));
        k[i] = x > kmax ? kmax : x;
        total += k[i];
    }
    if (votes < nd || votes > nd * kmax)
        die("generator", "votes must be between donors and donors * projects / 2");
    while (total < votes) {
        size_t i = below(nd);
        if (k[i] < kmax)
            k[i]++, total++;
    }
    while (total > votes) {
        size_t i = below(nd);
        if (k[i] > 1)
            k[i]--, total--;
    }
    /* cliques: 3 % of donors */
    int32_t *clique = xmalloc(nd * sizeof *clique);
    for (size_t i = 0; i < nd; i++)
        clique[i] = -1;
    size_t want = nd * 3 / 100, in = 0, nc = 0;
    uint32_t (*cset)[8] = xmalloc((want / 5 + 1) * sizeof *cset);
    size_t *csize = xmalloc((want / 5 + 1) * sizeof *csize);
    while (in + 5 <= want) {
        size_t sz = 5 + below(46);
        if (in + sz > want)
            sz = want - in;
        csize[nc] = 3 + below(6);
        if (csize[nc] > np)
            csize[nc] = np;
        for (size_t a = 0; a < csize[nc]; a++) {
            uint32_t p;
            int dup;
            do {
                p = (uint32_t)below(np);
                dup = 0;
                for (size_t b = 0; b < a; b++)
                    dup |= cset[nc][b] == p;
            } while (dup);
            cset[nc][a] = p;
        }
        for (size_t s = 0; s < sz;) { /* members: random donors not yet in a clique */
            size_t i = below(nd);
            if (clique[i] < 0) {
                clique[i] = (int32_t)nc;
                s++;
            }
        }
        in += sz;
        nc++;
    }
    g->clique_donors = in;
    g->ncliques = nc;
    g->voter = xmalloc(votes * sizeof *g->voter);
    g->project = xmalloc(votes * sizeof *g->project);
    g->cents = xmalloc(votes * sizeof *g->cents);
    unsigned char *mark = calloc(np, 1);
    uint32_t *mine = xmalloc(np * sizeof *mine);
    size_t n = 0;
    for (size_t i = 0; i < nd; i++) {
        size_t nmine = 0;
        int c = clique[i];
        if (c >= 0)
            for (size_t a = 0; a < csize[c] && nmine + 1 < k[i]; a++) {
                mark[cset[c][a]] = 1;
                mine[nmine++] = cset[c][a];
            }
        /* the rest distinct Zipf picks; about 3 % of rows repeat an earlier pair */
        while (nmine < k[i]) {
            if (nmine > 0 && unif() < 0.03) {
                mine[nmine] = mine[below(nmine)];
                nmine++;
                continue;
            }
            double u = unif() * acc;
            size_t lo = 0, hi = np - 1;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (cdf[mid] < u)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            uint32_t p = perm[lo];
            if (!mark[p]) {
                mark[p] = 1;
                mine[nmine++] = p;
            }
        }
        for (size_t a = 0; a < nmine; a++) {
            double amt = c >= 0 ? 1 + 4 * unif() : 2 * exp(1.2 * gauss());
            uint64_t cents = (uint64_t)llround(amt * 100);
            g->voter[n] = (uint32_t)i;
            g->project[n] = mine[a];
            g->cents[n] = cents ? cents : 1;
            mark[mine[a]] = 0;
            n++;
        }
    }
    g->nrows = n;
    free(cdf);
    free(perm);
    free(k);
    free(clique);
    free(cset);
    free(csize);
    free(mark);
    free(mine);
}

static void gen_free(gen_round *g)
{
    free(g->voter);
    free(g->project);
    free(g->cents);
    free(g->vname);
    free(g->pname);
}

static void build_round(const gen_round *g, fund_round *r, int exact)
{
    char msg[FUND_MSG_MAX];
    fund_round_init(r, exact, 2);
    for (size_t k = 0; k < g->nrows; k++)
        if (fund_round_add(r, g->vname[g->voter[k]], g->pname[g->project[k]],
                           (double)g->cents[k] / 100, (dacc_u128)g->cents[k], msg) != FUND_OK)
            die("fund_round_add", msg);
    if (fund_round_finish(r, msg) != FUND_OK)
        die("fund_round_finish", msg);
}

static void write_csv(const gen_round *g, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        die("cannot write", path);
    fputs("voter,project,amount\n", f);
    for (size_t k = 0; k < g->nrows; k++)
        fprintf(f, "%s,%s,%llu.%02llu\n", g->vname[g->voter[k]], g->pname[g->project[k]],
                (unsigned long long)(g->cents[k] / 100), (unsigned long long)(g->cents[k] % 100));
    if (fclose(f) != 0)
        die("cannot write", path);
}

/* Time fn() under the repetition rule. */
#define TIMED(out, setup, body, teardown)                                                  \
    do {                                                                                   \
        double ts_[64];                                                                    \
        int n_ = 0;                                                                        \
        double used_ = 0;                                                                  \
        while (n_ < opt_reps && n_ < 64 && (n_ < 2 || used_ < opt_budget)) {               \
            setup;                                                                         \
            double t0_ = now();                                                            \
            body;                                                                          \
            ts_[n_] = now() - t0_;                                                         \
            used_ += ts_[n_];                                                              \
            n_++;                                                                          \
            teardown;                                                                      \
        }                                                                                  \
        out = summarise(ts_, n_);                                                          \
    } while (0)

static char tmpdir[256];

static void bench_qf(size_t nd, size_t np, size_t votes, uint64_t seed)
{
    gen_round g;
    char msg[FUND_MSG_MAX];
    timing t;
    double t0 = now();
    gen(&g, nd, np, votes, seed);
    double tgen = now() - t0;
    printf("\nQF round: %zu donors x %zu projects x %zu votes (seed %llu; %zu donors in %zu "
           "cliques; generated in %.2f s)\n",
           nd, np, g.nrows, (unsigned long long)seed, g.clique_donors, g.ncliques, tgen);
    header();
    fund_round rf, rx;
    TIMED(t, (void)0, build_round(&g, &rf, 0), fund_round_free(&rf));
    row("build in memory (add + finish)", t, 0, rss_mib());
    char path[300];
    snprintf(path, sizeof path, "%s/round.csv", tmpdir);
    write_csv(&g, path);
    struct stat st;
    stat(path, &st);
    TIMED(t, fund_round_init(&rf, 0, 2), {
        if (fund_round_load_csv(&rf, path, NULL, msg) != FUND_OK ||
            fund_round_finish(&rf, msg) != FUND_OK)
            die("load", msg);
    }, fund_round_free(&rf));
    row("parse CSV, float (load + finish)", t, 0, rss_mib());
    TIMED(t, fund_round_init(&rx, 1, 2), {
        if (fund_round_load_csv(&rx, path, NULL, msg) != FUND_OK ||
            fund_round_finish(&rx, msg) != FUND_OK)
            die("load", msg);
    }, fund_round_free(&rx));
    row("parse CSV, exact (load + finish)", t, 0, rss_mib());
    build_round(&g, &rf, 0);
    build_round(&g, &rx, 1);
    remove(path);
    size_t pairs = rf.n;
    fund_qf_opts o;
    fund_qf_opts_default(&o);
    fund_qf_result res;
    double *sub = xmalloc(np * sizeof *sub);
    TIMED(t, (void)0, {
        if (fund_qf(&rf, &o, &res, msg) != FUND_OK)
            die("qf", msg);
    }, fund_qf_result_free(&res));
    row("QF float", t, 0.1, rss_mib());
    TIMED(t, (void)0, {
        if (fund_qf(&rx, &o, &res, msg) != FUND_OK)
            die("qf exact", msg);
    }, fund_qf_result_free(&res));
    row("QF exact (128-bit)", t, 0.1, rss_mib());
    fund_pairwise_stats ps;
    TIMED(t, (void)0, {
        if (fund_pairwise(&rf, 1.0, sub, &ps, msg) != FUND_OK)
            die("pairwise", msg);
    }, (void)0);
    row("pairwise (M = 1, the default)", t, 5, rss_mib());
#ifdef BENCH_HAVE_COCM
    {
        fund_cocm_opts co;
        fund_cocm_stats cs;
        fund_cocm_opts_default(&co);
        TIMED(t, (void)0, {
            if (fund_cocm(&rf, &co, NULL, sub, &cs, msg) != FUND_OK)
                die("cocm", msg);
        }, (void)0);
        row("COCM (markov, harsh: the defaults)", t, 1, rss_mib());
        if (opt_cocm_og) {
            co.similarity = FUND_COCM_OG;
            TIMED(t, (void)0, {
                if (fund_cocm(&rf, &co, NULL, sub, &cs, msg) != FUND_OK)
                    die("cocm", msg);
            }, (void)0);
            row("COCM (og, harsh)", t, 1, rss_mib());
        }
    }
#else
    printf("  cocm: not built in this tree\n");
#endif
    printf("  (%zu rows -> %zu (donor, project) pairs; pairwise: %zu co-donating pairs, "
           "%zu pair terms; CSV %.1f MiB)\n",
           g.nrows, pairs, ps.pairs, ps.pair_terms, (double)st.st_size / 1048576.0);
    free(sub);
    fund_round_free(&rf);
    fund_round_free(&rx);
    gen_free(&g);
}

/* ---- scale: pairwise and COCM against the previous implementation (issue 13 section 3) ---- */

static char bindir[4096]; /* the directory of this binary: fund-baseline here, fund in .. */

static void median_range(double *x, int n, double *med, double *lo, double *hi)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    *med = n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
    *lo = x[0];
    *hi = x[n - 1];
}

/* Wall time of `exe sub FILE` (stdout to /dev/null), the whole process. */
static double run_process(const char *exe, const char *sub, const char *file)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0)
        die("fork", exe);
    if (pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL)
            _exit(126);
        execl(exe, exe, sub, file, (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("whole-process run failed", exe);
    return now() - t0;
}

typedef struct {
    const fund_round *r;
    double *sub;
    int which; /* 0 pairwise, 1 cocm */
} scale_ctx;

static double compute(const scale_ctx *x, int baseline, unsigned threads)
{
    char msg[FUND_MSG_MAX];
    double t0 = now();
    fund_err e;
    if (x->which == 0) {
        fund_pairwise_opts o;
        fund_pairwise_opts_default(&o);
        o.threads = threads;
        e = baseline ? fund_pairwise_baseline(x->r, 1.0, x->sub, NULL, msg)
                     : fund_pairwise_ex(x->r, 1.0, &o, x->sub, NULL, msg);
    } else {
        fund_cocm_opts o;
        fund_cocm_opts_default(&o);
        o.threads = threads;
        e = baseline ? fund_cocm_baseline(x->r, &o, NULL, x->sub, NULL, msg)
                     : fund_cocm(x->r, &o, NULL, x->sub, NULL, msg);
    }
    if (e != FUND_OK)
        die("scale", msg);
    return now() - t0;
}

/* Paired rounds: each round times the baseline and the current code back to back (the order
 * alternating), and the per-round ratio baseline / current is summarised. */
static void paired(const char *what, int rounds, double (*one)(void *, int), void *ctx)
{
    double tb[64], tn[64], ratio[64], bm, bl, bh, nm, nl, nh, rm, rl, rh;
    for (int k = 0; k < rounds; k++) {
        if (k % 2 == 0) {
            tb[k] = one(ctx, 1);
            tn[k] = one(ctx, 0);
        } else {
            tn[k] = one(ctx, 0);
            tb[k] = one(ctx, 1);
        }
        ratio[k] = tb[k] / tn[k];
    }
    median_range(tb, rounds, &bm, &bl, &bh);
    median_range(tn, rounds, &nm, &nl, &nh);
    median_range(ratio, rounds, &rm, &rl, &rh);
    printf("  %-40s %8.3f %8.3f %7.2fx  %5.2f-%5.2f  %d\n", what, bm, nm, rm, rl, rh, rounds);
    fflush(stdout);
}

static double one_compute(void *ctx, int baseline)
{
    return compute(ctx, baseline, 0);
}

static double one_compute1(void *ctx, int baseline)
{
    return compute(ctx, baseline, 1);
}

typedef struct {
    const char *sub, *file;
    char base[4200], cur[4200];
} proc_ctx;

static double one_process(void *ctx, int baseline)
{
    proc_ctx *p = ctx;
    return run_process(baseline ? p->base : p->cur, p->sub, p->file);
}

static int opt_scale_process = 1, opt_scale_sweep = 1;

static void bench_scale(size_t nd, size_t np, size_t votes, uint64_t seed)
{
    gen_round g;
    char path[300];
    double t0 = now();
    gen(&g, nd, np, votes, seed);
    fund_round r;
    build_round(&g, &r, 0);
    snprintf(path, sizeof path, "%s/round.csv", tmpdir);
    write_csv(&g, path);
    size_t nv = fund_round_nvoters(&r), npj = fund_round_nprojects(&r);
    printf("\nscale round: %zu donors x %zu projects x %zu votes (seed %llu; %zu (donor, "
           "project) pairs, density %.4f; generated and written in %.1f s)\n",
           nd, np, g.nrows, (unsigned long long)seed, r.n,
           (double)r.n / (double)nv / (double)npj, now() - t0);
    int rounds = votes >= 5000000 ? 2 : opt_reps; /* the opt-in 5M size: a fixed 2 pairs */
    printf("  %-40s %8s %8s %8s  %11s  %s\n", "paired rounds (M = 1; cocm: defaults)",
           "base (s)", "now (s)", "ratio", "min-max", "rounds");
    double *sb = xmalloc(npj * sizeof *sb), *sn = xmalloc(npj * sizeof *sn);
    for (int which = 0; which < 2; which++) {
        scale_ctx x = { &r, sb, which };
        const char *name = which ? "cocm" : "pairwise";
        char label[80];
        compute(&x, 1, 0);
        x.sub = sn;
        compute(&x, 0, 0);
        double worst = 0;
        for (size_t p = 0; p < npj; p++) {
            double m = fabs(sb[p]) > fabs(sn[p]) ? fabs(sb[p]) : fabs(sn[p]);
            double d = m > 0 ? fabs(sb[p] - sn[p]) / m : 0;
            worst = d > worst ? d : worst;
        }
        snprintf(label, sizeof label, "%s computation, 1 thread", name);
        paired(label, rounds, one_compute1, &x);
        snprintf(label, sizeof label, "%s computation, %ld threads", name,
                 sysconf(_SC_NPROCESSORS_ONLN));
        paired(label, rounds, one_compute, &x);
        if (opt_scale_process) {
            proc_ctx pc;
            pc.sub = name;
            pc.file = path;
            snprintf(pc.base, sizeof pc.base, "%s/fund-baseline", bindir);
            snprintf(pc.cur, sizeof pc.cur, "%s/../fund", bindir);
            snprintf(label, sizeof label, "fund %s FILE (whole process)", name);
            paired(label, rounds, one_process, &pc);
        }
        printf("    %s: largest relative difference to the baseline %.3g\n", name, worst);
        if (which == 0 && opt_scale_sweep) { /* the dense/sparse crossover, one thread */
            static const double factor[] = { 0, 0.5, 1, 2, 4, 8, 1e300 };
            printf("    pairwise on 1 thread, dense_factor (0 = always dense, 1e300 = always "
                   "sparse):");
            for (size_t f = 0; f < sizeof factor / sizeof *factor; f++) {
                char m[FUND_MSG_MAX];
                fund_pairwise_opts o;
                fund_pairwise_opts_default(&o);
                o.threads = 1;
                o.dense_factor = factor[f];
                double best = 1e300;
                for (int k = 0; k < (rounds < 2 ? rounds : 2); k++) {
                    double t1 = now();
                    if (fund_pairwise_ex(&r, 1.0, &o, sn, NULL, m) != FUND_OK)
                        die("pairwise", m);
                    t1 = now() - t1;
                    best = t1 < best ? t1 : best;
                }
                printf(" %g: %.3f s%s", factor[f], best, f + 1 < sizeof factor / sizeof *factor ? "," : "\n");
            }
        }
    }
    free(sb);
    free(sn);
    remove(path);
    fund_round_free(&r);
    gen_free(&g);
}

/* ---- deep funding ---- */

static char root[4096];

static void find_root(const char *argv0)
{
    const char *env = getenv("DACC_ROOT");
    char probe[4200];
    struct stat st;
    if (env != NULL && *env != '\0') {
        snprintf(root, sizeof root, "%s", env);
        return;
    }
    snprintf(root, sizeof root, "%s", argv0);
    for (;;) {
        char *slash = strrchr(root, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
        snprintf(probe, sizeof probe, "%s/tests/fund/fund_test.h", root[0] ? root : "");
        if (stat(probe, &st) == 0)
            return;
    }
    snprintf(root, sizeof root, ".");
}

static void synth_graph(const char *path, size_t nn, size_t m)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        die("cannot write", path);
    fputs("repo,parent,weight\n", f);
    /* node 0 "ethereum" -> 30 ecosystem nodes; the rest from a lower to a higher id */
    size_t e = 0;
    for (size_t v = 1; v <= 30 && v < nn; v++, e++)
        fprintf(f, "repo-%zu,ethereum,%.17g\n", v, 1.0 / 30);
    /* each (from, to) once: an open-addressing set of from * nn + to (+1) */
    size_t nslot = 1;
    while (nslot < 4 * m)
        nslot *= 2;
    uint64_t *set = calloc(nslot, sizeof *set);
    if (set == NULL)
        die("synthetic graph", "out of memory");
    while (e < m) {
        size_t to = 31 + below(nn - 31);
        size_t from = 1 + below(to - 1);
        uint64_t key = (uint64_t)from * nn + to + 1;
        size_t h = (size_t)(key * 0x9E3779B97F4A7C15ull) & (nslot - 1);
        while (set[h] != 0 && set[h] != key)
            h = (h + 1) & (nslot - 1);
        if (set[h] == key)
            continue;
        set[h] = key;
        fprintf(f, "repo-%zu,repo-%zu,%.17g\n", to, from, unif());
        e++;
    }
    free(set);
    fclose(f);
}

static void bench_deep(const char *argv0, uint64_t seed)
{
    char gpath[4400], ppath[300];
    struct stat st;
    int synthetic = 0;
    rng_state = seed ^ 0xdeefull;
    find_root(argv0);
    snprintf(gpath, sizeof gpath,
             "%s/../shared/vectors/funding/dependency-graph/repo_parent_weight_graph.csv", root);
    if (stat(gpath, &st) != 0) {
        synthetic = 1;
        snprintf(gpath, sizeof gpath, "%s/graph.csv", tmpdir);
        synth_graph(gpath, 5025, 14961);
    }
    char dmsg[FUND_MSG_MAX];
    fund_depgraph g;
    timing t;
    TIMED(t, fund_depgraph_init(&g), {
        if (fund_depgraph_load(&g, gpath, dmsg) != 0)
            die("depgraph", dmsg);
    }, fund_depgraph_free(&g));
    fund_depgraph_init(&g);
    if (fund_depgraph_load(&g, gpath, dmsg) != 0)
        die("depgraph", dmsg);
    printf("\nDeep funding: %s dependency graph (%zu nodes, %zu edges), 1000 synthetic jury "
           "answers, 50 synthetic submissions (seed %llu)\n",
           synthetic ? "SYNTHETIC (the real one is absent)" : "the full real", g.nodes.n,
           g.m, (unsigned long long)seed);
    header();
    row("parse graph CSV", t, 0, rss_mib());
    /* truth per edge; answers between siblings (edges with the same parent = e.from) */
    size_t m = g.m;
    double *truth = xmalloc(m * sizeof *truth);
    for (size_t e = 0; e < m; e++)
        truth[e] = exp(gauss());
    uint32_t *byfrom = xmalloc(m * sizeof *byfrom);
    size_t *cnt = calloc(g.nodes.n + 1, sizeof *cnt);
    for (size_t e = 0; e < m; e++)
        cnt[g.e[e].from + 1]++;
    for (size_t v = 0; v < g.nodes.n; v++)
        cnt[v + 1] += cnt[v];
    size_t *pos = xmalloc((g.nodes.n + 1) * sizeof *pos);
    memcpy(pos, cnt, (g.nodes.n + 1) * sizeof *pos);
    for (size_t e = 0; e < m; e++)
        byfrom[pos[g.e[e].from]++] = (uint32_t)e;
    snprintf(ppath, sizeof ppath, "%s/pairs.csv", tmpdir);
    FILE *f = fopen(ppath, "w");
    if (f == NULL)
        die("cannot write", ppath);
    fputs("juror,repo_a,repo_b,parent,choice,multiplier\n", f);
    for (int a = 0; a < 1000;) {
        uint32_t e1 = (uint32_t)below(m);
        uint32_t par = g.e[e1].from;
        size_t lo = cnt[par], hi = cnt[par + 1];
        if (hi - lo < 2)
            continue;
        uint32_t e2 = byfrom[lo + below(hi - lo)];
        if (e2 == e1 || g.e[e2].to == g.e[e1].to)
            continue;
        double dd = log(truth[e1] / truth[e2]) + 0.5 * gauss();
        fprintf(f, "juror-%d,%s,%s,%s,%d,%.6f\n", (int)below(40), g.nodes.keys[g.e[e1].to],
                g.nodes.keys[g.e[e2].to], g.nodes.keys[par], dd >= 0 ? 1 : 2, exp(fabs(dd)));
        a++;
    }
    fclose(f);
    /* fund_deep keys are (repo, parent) pairs; a repeated (repo, parent) edge would be
     * refused by the submission loader, so write each key once */
    char subp[50][300];
    for (int s = 0; s < 50; s++) {
        snprintf(subp[s], sizeof subp[s], "%s/sub%02d.csv", tmpdir, s);
        f = fopen(subp[s], "w");
        if (f == NULL)
            die("cannot write", subp[s]);
        fputs("repo,parent,weight\n", f);
        double sig = 0.2 + 1.0 * s / 49;
        for (size_t e = 0; e < m; e++)
            fprintf(f, "%s,%s,%.17g\n", g.nodes.keys[g.e[e].to], g.nodes.keys[g.e[e].from],
                    truth[e] * exp(sig * gauss()));
        fclose(f);
    }
    fund_deep dd;
    fund_loaded_sub ls[50];
    TIMED(t, (fund_deep_init(&dd), memset(ls, 0, sizeof ls)), {
        if (fund_deep_load_pairs(&dd, ppath, dmsg) != 0)
            die("pairs", dmsg);
        for (int s = 0; s < 50; s++)
            if (fund_deep_load_sub(&dd, subp[s], &ls[s], dmsg) != 0)
                die("sub", dmsg);
    }, {
        for (int s = 0; s < 50; s++)
            fund_loaded_sub_free(&ls[s]);
        fund_deep_free(&dd);
    });
    row("parse answers + 50 submissions", t, 0, rss_mib());
    fund_deep_init(&dd);
    if (fund_deep_load_pairs(&dd, ppath, dmsg) != 0)
        die("pairs", dmsg);
    for (int s = 0; s < 50; s++)
        if (fund_deep_load_sub(&dd, subp[s], &ls[s], dmsg) != 0)
            die("sub", dmsg);
    double *w[50];
    fund_sub sv[50];
    for (int s = 0; s < 50; s++) {
        w[s] = fund_deep_weights(&dd, &ls[s]);
        if (w[s] == NULL)
            die("weights", "out of memory");
        sv[s].name = subp[s];
        sv[s].nkeys = dd.keys.n;
        sv[s].weight = w[s];
    }
    timing ts, tb, tf, tall;
    fund_score_result sr;
    TIMED(ts, (void)0, {
        for (int s = 0; s < 50; s++) {
            if (fund_score(dd.nans, dd.ans, dd.jurors.n, &sv[s], NULL, &sr, dmsg) != 0)
                die("score", dmsg);
            fund_score_result_free(&sr);
        }
    }, (void)0);
    row("score x 50", ts, 0, rss_mib());
    fund_blend_result br;
    TIMED(tb, (void)0, {
        if (fund_blend(dd.nans, dd.ans, 50, sv, dd.key_parent, NULL, &br, dmsg) != 0)
            die("blend", dmsg);
    }, fund_blend_result_free(&br));
    row("blend of 50", tb, 0, rss_mib());
    long src = dacc_strmap_find(&g.nodes, "ethereum");
    if (src < 0)
        src = 0;
    fund_flow_opts fo;
    fund_flow_opts_default(&fo);
    fund_flow_result fr;
    TIMED(tf, (void)0, {
        if (fund_flow(g.nodes.n, g.m, g.e, NULL, 0.2, (uint32_t)src, 1e6,
                      (const char *const *)g.nodes.keys, &fo, &fr, dmsg) != 0)
            die("flow", dmsg);
    }, fund_flow_result_free(&fr));
    row("flow (originality default 0.2)", tf, 0, rss_mib());
    TIMED(tall, (void)0, {
        for (int s = 0; s < 50; s++) {
            if (fund_score(dd.nans, dd.ans, dd.jurors.n, &sv[s], NULL, &sr, dmsg) != 0)
                die("score", dmsg);
            fund_score_result_free(&sr);
        }
        if (fund_blend(dd.nans, dd.ans, 50, sv, dd.key_parent, NULL, &br, dmsg) != 0)
            die("blend", dmsg);
        if (fund_flow(g.nodes.n, g.m, g.e, NULL, 0.2, (uint32_t)src, 1e6,
                      (const char *const *)g.nodes.keys, &fo, &fr, dmsg) != 0)
            die("flow", dmsg);
    }, { fund_blend_result_free(&br); fund_flow_result_free(&fr); });
    row("score + blend + flow", tall, 0.1, rss_mib());
    /* the reference solver once, untimed: how far the fast one's optimum is from it */
    fund_blend_result ref;
    if (fund_blend(dd.nans, dd.ans, 50, sv, dd.key_parent, NULL, &br, dmsg) != 0 ||
        fund_blend_with(dd.nans, dd.ans, 50, sv, dd.key_parent, NULL, FUND_QP_FISTA, &ref, dmsg) != 0)
        die("blend", dmsg);
    double dw = 0;
    size_t support = 0;
    for (int s = 0; s < 50; s++) {
        dw = fmax(dw, fabs(br.share[s] - ref.share[s]));
        support += br.share[s] > 0;
    }
    printf("  (%zu answers, %zu jurors, %zu keys; blend: %s, %d steps, %zu of 50 weights > 0, "
           "%s; FISTA reference: %d iterations, cost differs by %.1e relative, shares by at "
           "most %.1e)\n",
           dd.nans, dd.jurors.n, dd.keys.n,
           br.method == FUND_QP_ACTIVE_SET ? "active set" : "FISTA fallback", br.iterations,
           support, br.unique ? "unique" : "not unique", ref.iterations,
           fabs(br.cost - ref.cost) / ref.cost, dw);
    fund_blend_result_free(&br);
    fund_blend_result_free(&ref);
    for (int s = 0; s < 50; s++) {
        free(w[s]);
        fund_loaded_sub_free(&ls[s]);
        remove(subp[s]);
    }
    remove(ppath);
    if (synthetic)
        remove(gpath);
    fund_deep_free(&dd);
    fund_depgraph_free(&g);
    free(truth);
    free(byfrom);
    free(cnt);
    free(pos);
}

static void usage(void)
{
    fputs("usage: bench/fund [--quick] [--seed N] [--reps N] [--budget S] [--votes N[,N...]]\n"
          "                  [--donors N] [--projects N] [--parts qf,deep,scale] [--cocm-og]\n"
          "                  [--grow] [--big] [--no-process] [--no-sweep]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    uint64_t seed = 20261125;
    size_t nd = 40000, np = 300;
    size_t votes[8] = { 200000, 1000000 };
    size_t nvotes = 2;
    int do_qf = 1, do_deep = 1, do_scale = 0, votes_given = 0, grow = 0, big = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--quick") == 0) {
            nd = 4000;
            votes[0] = 20000;
            nvotes = 1;
            opt_reps = 2;
        } else if (strcmp(a, "--grow") == 0) {
            grow = 1;
        } else if (strcmp(a, "--big") == 0) {
            big = 1;
        } else if (strcmp(a, "--no-process") == 0) {
            opt_scale_process = 0;
        } else if (strcmp(a, "--no-sweep") == 0) {
            opt_scale_sweep = 0;
        } else if (strcmp(a, "--cocm-og") == 0) {
            opt_cocm_og = 1;
        } else if (strcmp(a, "--seed") == 0 && more) {
            seed = strtoull(argv[++i], NULL, 0);
        } else if (strcmp(a, "--reps") == 0 && more) {
            opt_reps = atoi(argv[++i]);
            if (opt_reps < 1 || opt_reps > 64)
                usage();
        } else if (strcmp(a, "--budget") == 0 && more) {
            opt_budget = atof(argv[++i]);
        } else if (strcmp(a, "--donors") == 0 && more) {
            nd = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(a, "--projects") == 0 && more) {
            np = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(a, "--votes") == 0 && more) {
            char *p = argv[++i];
            nvotes = 0;
            votes_given = 1;
            while (*p && nvotes < 8) {
                votes[nvotes++] = strtoull(p, &p, 10);
                if (*p == ',')
                    p++;
            }
        } else if (strcmp(a, "--parts") == 0 && more) {
            const char *p = argv[++i];
            do_qf = strstr(p, "qf") != NULL;
            do_deep = strstr(p, "deep") != NULL;
            do_scale = strstr(p, "scale") != NULL;
        } else {
            usage();
        }
    }
    if (nd == 0 || np < 2)
        usage();
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/fundbench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(tmpdir) == NULL)
        die("mkdtemp", tmpdir);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    printf("fund benchmarks (nproc %ld; times are computation only unless the phase says "
           "parse/build; up to %d runs per phase, min and median; peak MiB = ru_maxrss so far "
           "in the process)\n",
           ncpu, opt_reps);
    if (do_qf)
        for (size_t v = 0; v < nvotes; v++)
            bench_qf(nd, np, votes[v], seed + v);
    if (do_scale) {
        snprintf(bindir, sizeof bindir, "%s", argv[0]);
        char *slash = strrchr(bindir, '/');
        if (slash != NULL)
            *slash = '\0';
        else
            snprintf(bindir, sizeof bindir, ".");
        if (!votes_given) {
            votes[0] = 1000000;
            nvotes = 1;
        }
        if (big && nvotes < 8)
            votes[nvotes++] = 5000000;
        for (size_t v = 0; v < nvotes; v++)
            bench_scale(grow ? votes[v] * 2 / 5 : nd, np, votes[v], seed + v);
    }
    if (do_deep)
        bench_deep(argv[0], seed);
    rmdir(tmpdir);
    return 0;
}
