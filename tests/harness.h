/*
 * harness.h -- the project's minimal unit-test harness (header-only).
 *
 * A test is a `static void test_x(void)`; main() calls RUN_TEST(test_x) for each and
 * returns harness_finish().  A test passes when none of its CHECKs failed.
 *
 * Error-code coverage: every sp_err seen by CHECK_ERR/CHECK_OK (or passed to
 * harness_saw) is appended to the file named by $SP_CODES_FILE, so tools/run-tests.sh can
 * prove that every code in the list is produced by some test.  Tallies are appended to
 * $SP_TALLY_FILE as "passed failed".
 */
#ifndef DACC_TESTS_HARNESS_H
#define DACC_TESTS_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/errors.h"

static int harness_passed, harness_failed, harness_current_failed;
static const char *harness_current = "?";

static inline void harness_saw(sp_err e)
{
    const char *path = getenv("SP_CODES_FILE");
    if (path == NULL)
        return;
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return;
    fprintf(f, "%s\n", sp_err_name(e));
    fclose(f);
}

static inline void harness_fail(const char *file, int line, const char *what)
{
    if (!harness_current_failed)
        printf("FAIL %s\n", harness_current);
    printf("  %s:%d: %s\n", file, line, what);
    harness_current_failed = 1;
}

static inline void harness_fail_err(const char *file, int line, const char *expr, sp_err got,
                             sp_err want)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s returned %s, expected %s", expr, sp_err_name(got),
             sp_err_name(want));
    harness_fail(file, line, buf);
}

/* 1 if p[0..n) is all zero bytes: for "outputs are zeroed on failure" checks. */
static inline int harness_all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond))                                                                         \
            harness_fail(__FILE__, __LINE__, "CHECK(" #cond ")");                            \
    } while (0)

#define CHECK_ERR(expr, want)                                                                \
    do {                                                                                     \
        sp_err harness_e_ = (expr);                                                          \
        harness_saw(harness_e_);                                                             \
        if (harness_e_ != (want))                                                            \
            harness_fail_err(__FILE__, __LINE__, #expr, harness_e_, (want));                 \
    } while (0)

#define CHECK_OK(expr) CHECK_ERR(expr, SP_OK)

#define RUN_TEST(fn)                                                                         \
    do {                                                                                     \
        harness_current = #fn;                                                               \
        harness_current_failed = 0;                                                          \
        fn();                                                                                \
        if (harness_current_failed)                                                          \
            harness_failed++;                                                                \
        else                                                                                 \
            harness_passed++;                                                                \
    } while (0)

static inline int harness_finish(const char *suite)
{
    const char *path = getenv("SP_TALLY_FILE");
    printf("%s: %d passed, %d failed\n", suite, harness_passed, harness_failed);
    if (path != NULL) {
        FILE *f = fopen(path, "a");
        if (f != NULL) {
            fprintf(f, "%d %d\n", harness_passed, harness_failed);
            fclose(f);
        }
    }
    return harness_failed == 0 ? 0 : 1;
}

#endif
