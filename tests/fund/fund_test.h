/*
 * fund_test.h -- the test harness for the fund wing (header-only; no softpause imports).
 *
 * Same shape as tests/harness.h: each test is a void function run by RUN_TEST; it passes
 * when none of its CHECKs failed; fund_test_finish() prints "suite: N passed, M failed"
 * and appends "N M" to $SP_TALLY_FILE for tools/run-tests.sh.
 *
 * Paths: tests run from a scratch directory, so the repository root is found from
 * $DACC_ROOT if set, else by walking up from argv[0] (tools/run-tests.sh runs each test by
 * its absolute path) to the first directory holding tests/fund/fund_test.h.  Real data lives in
 * ROOT/../shared/vectors/funding/ when present; fund_test_shared() returns NULL (and the
 * caller prints a SKIP line) when it is not.
 *
 * Property tests take their seed from $FUND_TEST_SEED or the clock, and print it.
 */
#ifndef DACC_TESTS_FUND_TEST_H
#define DACC_TESTS_FUND_TEST_H

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fund/contrib.h"
#include "fund/errors.h"

static int ft_passed, ft_failed, ft_current_failed;
static const char *ft_current = "?";
static char ft_root[4096];

static inline void ft_fail(const char *file, int line, const char *what)
{
    if (!ft_current_failed)
        printf("FAIL %s\n", ft_current);
    printf("  %s:%d: %s\n", file, line, what);
    ft_current_failed = 1;
}

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond))                                                                         \
            ft_fail(__FILE__, __LINE__, "CHECK(" #cond ")");                                 \
    } while (0)

/* |got - want| <= tol * max(1, |want|) */
#define CHECK_NEAR(got, want, tol)                                                           \
    do {                                                                                     \
        double ft_g_ = (got), ft_w_ = (want);                                                \
        double ft_s_ = fabs(ft_w_) > 1 ? fabs(ft_w_) : 1;                                    \
        if (!(fabs(ft_g_ - ft_w_) <= (tol) * ft_s_)) {                                       \
            char ft_b_[256];                                                                 \
            snprintf(ft_b_, sizeof ft_b_, "%s = %.17g, expected %.17g", #got, ft_g_, ft_w_); \
            ft_fail(__FILE__, __LINE__, ft_b_);                                              \
        }                                                                                    \
    } while (0)

#define CHECK_U64(got, want)                                                                 \
    do {                                                                                     \
        uint64_t ft_g_ = (got), ft_w_ = (want);                                              \
        if (ft_g_ != ft_w_) {                                                                \
            char ft_b_[256];                                                                 \
            snprintf(ft_b_, sizeof ft_b_, "%s = %" PRIu64 ", expected %" PRIu64, #got,      \
                     ft_g_, ft_w_);                                                          \
            ft_fail(__FILE__, __LINE__, ft_b_);                                              \
        }                                                                                    \
    } while (0)

#define RUN_TEST(fn)                                                                         \
    do {                                                                                     \
        ft_current = #fn;                                                                    \
        ft_current_failed = 0;                                                               \
        fn();                                                                                \
        if (ft_current_failed)                                                               \
            ft_failed++;                                                                     \
        else                                                                                 \
            ft_passed++;                                                                     \
    } while (0)

static inline int ft_is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static inline int ft_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Find the repository root (see the header comment).  Returns 0, or -1. */
static inline int fund_test_init(const char *argv0)
{
    const char *env = getenv("DACC_ROOT");
    char probe[4200];
    if (env != NULL && *env != '\0') {
        snprintf(ft_root, sizeof ft_root, "%s", env);
        return 0;
    }
    snprintf(ft_root, sizeof ft_root, "%s", argv0);
    for (;;) {
        char *slash = strrchr(ft_root, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
        snprintf(probe, sizeof probe, "%s/tests/fund/fund_test.h", ft_root[0] ? ft_root : "");
        if (ft_exists(probe))
            return 0;
    }
    if (ft_exists("tests/fund/fund_test.h")) {
        snprintf(ft_root, sizeof ft_root, ".");
        return 0;
    }
    printf("fund tests: cannot find the repository root (set DACC_ROOT)\n");
    ft_root[0] = '\0';
    return -1;
}

/* ROOT/rel in buf (static storage, one per call site is fine for tests). */
static inline const char *fund_test_path(char *buf, size_t cap, const char *rel)
{
    snprintf(buf, cap, "%s/%s", ft_root, rel);
    return buf;
}

/* ROOT/../shared/vectors/funding/rel if that directory exists, else NULL. */
static inline const char *fund_test_shared(char *buf, size_t cap, const char *rel)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/../shared/vectors/funding", ft_root);
    if (!ft_is_dir(dir))
        return NULL;
    snprintf(buf, cap, "%s/%s", dir, rel);
    return buf;
}

/* Load the real partial GR3 round (columns address,grant_id,amount_in_usdt) into r,
 * finished.  Returns 1 after printing a SKIP line for `test` when ../shared is absent;
 * otherwise 0, with a load failure recorded as a failed check. */
static inline int fund_test_load_gr3(fund_round *r, const char *test)
{
    char path[4300], m[FUND_MSG_MAX];
    fund_round_init(r, 0, 0);
    if (fund_test_shared(path, sizeof path, "gitcoin-gr3/GR03_contributions.csv") == NULL) {
        printf("SKIP %s: ../shared/vectors/funding not present\n", test);
        return 1;
    }
    fund_columns cols = {"address", "grant_id", "amount_in_usdt", NULL};
    CHECK(fund_round_load_csv(r, path, &cols, m) == FUND_OK);
    CHECK(fund_round_finish(r, m) == FUND_OK);
    return 0;
}

static inline uint64_t fund_test_seed(const char *suite)
{
    const char *env = getenv("FUND_TEST_SEED");
    uint64_t seed = env != NULL ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
    printf("%s: seed %" PRIu64 " (rerun with FUND_TEST_SEED=%" PRIu64 ")\n", suite, seed, seed);
    return seed;
}

/* splitmix64: small, seedable, good enough for property tests. */
static inline uint64_t ft_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline int fund_test_finish(const char *suite)
{
    const char *path = getenv("SP_TALLY_FILE");
    printf("%s: %d passed, %d failed\n", suite, ft_passed, ft_failed);
    if (path != NULL) {
        FILE *f = fopen(path, "a");
        if (f != NULL) {
            fprintf(f, "%d %d\n", ft_passed, ft_failed);
            fclose(f);
        }
    }
    return ft_failed == 0 ? 0 : 1;
}

#endif
