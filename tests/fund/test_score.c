/*
 * test_score.c -- `fund score`: hand-computed costs and breakdowns; real trial models when
 * present (see the I/O part below).
 */
#include <math.h>
#include <unistd.h>

#include "fund/score.h"
#include "fund/deepio.h"
#include "fund_test.h"

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol * (1 + fabs(b));
}

/* keys 0,1,2 under one parent; x = (4, 2, 1).  Answers: juror 0 says a=2b (exact),
 * juror 1 says b = 4c (residual log2 - log4 = -log2), juror 1 says c = a (residual
 * log(1/4) - 0). */
static void test_hand_cost(void)
{
    double x[] = { 4, 2, 1 };
    fund_sub s = { "sub", 3, x };
    fund_answer a[] = { { 0, 0, 1, log(2.0) }, { 1, 1, 2, log(4.0) }, { 1, 2, 0, 0.0 } };
    fund_score_result r;
    char dmsg[FUND_MSG_MAX];
    CHECK(fund_score(3, a, 2, &s, NULL, &r, dmsg) == 0);
    double l2 = log(2.0);
    CHECK(near(r.residual[0], 0, 1e-15));
    CHECK(near(r.residual[1], -l2, 1e-14));
    CHECK(near(r.residual[2], -2 * l2, 1e-14));
    CHECK(near(r.total, 5 * l2 * l2, 1e-14));
    CHECK(near(r.mean, 5 * l2 * l2 / 3, 1e-14));
    CHECK(r.juror_count[0] == 1 && r.juror_count[1] == 2);
    CHECK(near(r.juror_total[1], 5 * l2 * l2, 1e-14));
    fund_score_result_free(&r);
    /* scaling the whole submission changes nothing */
    double y[] = { 40, 20, 10 };
    fund_sub t = { "sub10", 3, y };
    CHECK(fund_score(3, a, 2, &t, NULL, &r, dmsg) == 0);
    CHECK(near(r.total, 5 * l2 * l2, 1e-14));
    fund_score_result_free(&r);
}

static void test_refusals(void)
{
    double x[] = { 4, NAN, 0 };
    fund_sub s = { "sub.csv", 3, x };
    const char *names[] = { "r0", "r1", "r2" };
    fund_answer a1[] = { { 0, 0, 1, 0.0 } };
    fund_answer a2[] = { { 0, 0, 2, 0.0 } };
    fund_score_result r;
    char dmsg[FUND_MSG_MAX];
    CHECK(fund_score(1, a1, 1, &s, names, &r, dmsg) == FUND_ERR_FORMAT);
    CHECK(strstr(dmsg, "sub.csv") != NULL && strstr(dmsg, "no weight for r1") != NULL);
    CHECK(r.residual == NULL);
    CHECK(fund_score(1, a2, 1, &s, names, &r, dmsg) == FUND_ERR_FORMAT);
    CHECK(strstr(dmsg, "r2") != NULL && strstr(dmsg, "positive") != NULL);
}

/* Load pairs and submissions; returns the number of submissions loaded before a failure. */
static size_t load_all(fund_deep *dd, const char *pairs, const char *const *subs, size_t n,
                       fund_loaded_sub *ls, char *dmsg)
{
    fund_deep_init(dd);
    if (fund_deep_load_pairs(dd, pairs, dmsg) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (fund_deep_load_sub(dd, subs[i], &ls[i], dmsg) != 0)
            return i;
    return n;
}

static double score_file(fund_deep *dd, const fund_loaded_sub *ls, fund_score_result *r)
{
    double *w = fund_deep_weights(dd, ls);
    fund_sub s = { ls->path, dd->keys.n, w };
    char dmsg[FUND_MSG_MAX];
    fund_err rc = w != NULL ? fund_score(dd->nans, dd->ans, dd->jurors.n, &s, NULL, r, dmsg)
                            : FUND_ERR_NOMEM;
    free(w);
    return rc == 0 ? r->mean : NAN;
}

static void test_fixture_files(void)
{
    char p[8448], a[8448], b[8448], c[8448];
    const char *subs[] = { fund_test_path(a, sizeof a, "tests/fund/data/deep_sub_exact.csv"),
                           fund_test_path(b, sizeof b, "tests/fund/data/deep_sub_flat.csv"),
                           fund_test_path(c, sizeof c, "tests/fund/data/deep_sub_corrupt.csv") };
    fund_deep dd;
    fund_loaded_sub ls[3];
    char dmsg[FUND_MSG_MAX];
    memset(ls, 0, sizeof ls);
    size_t got = load_all(&dd, fund_test_path(p, sizeof p, "tests/fund/data/deep_pairs.csv"), subs,
                          3, ls, dmsg);
    CHECK(got == 2);
    CHECK(strstr(dmsg, "deep_sub_corrupt.csv:4:3: expected a decimal number") != NULL);
    CHECK(ls[2].row == NULL);
    fund_score_result r;
    CHECK(score_file(&dd, &ls[0], &r) == 0.0 || fabs(r.total) < 1e-28);
    fund_score_result_free(&r);
    double l2 = log(2.0), l3 = log(3.0), l4 = log(4.0), l6 = log(6.0);
    CHECK_NEAR(score_file(&dd, &ls[1], &r), (l2 * l2 + l3 * l3 + l6 * l6 + l4 * l4) / 4, 1e-14);
    CHECK(r.juror_count[0] == 2 && r.juror_count[1] == 2);
    fund_score_result_free(&r);
    for (int i = 0; i < 3; i++)
        fund_loaded_sub_free(&ls[i]);
    fund_deep_free(&dd);
}

/* The trial's three models: two score (means computed by this code and checked against
 * an independent script), the third is refused at its corrupt line 21. */
static void test_trial_models(void)
{
    char p[8448], a[8448], b[8448], c[8448];
    if (fund_test_shared(p, sizeof p, "deepfunding-trial/pairs.csv") == NULL) {
        printf("SKIP test_trial_models: ../shared/vectors/funding not present\n");
        return;
    }
    const char *subs[] = {
        fund_test_shared(a, sizeof a, "deepfunding-trial/models/arbitron.csv"),
        fund_test_shared(b, sizeof b, "deepfunding-trial/models/composite_model.csv"),
        fund_test_shared(c, sizeof c, "deepfunding-trial/models/final_seer_weights.csv")
    };
    fund_deep dd;
    fund_loaded_sub ls[3];
    char dmsg[FUND_MSG_MAX];
    memset(ls, 0, sizeof ls);
    CHECK(load_all(&dd, p, subs, 3, ls, dmsg) == 2);
    CHECK(strstr(dmsg, "final_seer_weights.csv:21:3:") != NULL);
    CHECK(strstr(dmsg, "0.02853076603930131C") != NULL);
    fund_score_result r;
    double m0 = score_file(&dd, &ls[0], &r);
    fund_score_result_free(&r);
    double m1 = score_file(&dd, &ls[1], &r);
    fund_score_result_free(&r);
    printf("trial models: arbitron mean %.15g, composite_model mean %.15g\n", m0, m1);
    CHECK_NEAR(m0, 5.6475194550435859, 1e-12);
    CHECK_NEAR(m1, 5.351827181511422, 1e-12);
    for (int i = 0; i < 3; i++)
        fund_loaded_sub_free(&ls[i]);
    fund_deep_free(&dd);
}

/* issue 8 item 11 (review): a key is the pair (repo, parent) whatever bytes the names
 * hold.  Keys were "repo\x1fparent", so ("a\x1fb", "c") and ("a", "b\x1fc") were one
 * key: a submission's weight for one scored the other, or a valid file was refused as
 * repeating a row. */
static void test_keys_any_bytes(void)
{
    char pairs[] = "fund_test_keys_XXXXXX";
    int fd = mkstemp(pairs);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    const char jury[] = "timestamp,juror,repo_a,repo_b,parent,choice,multiplier\n"
                        "1,j,\"a\x1f" "b\",d,c,1,2\n";
    CHECK(write(fd, jury, sizeof jury - 1) == (ssize_t)(sizeof jury - 1));
    close(fd);
    char sub[] = "fund_test_keys_sub_XXXXXX";
    fd = mkstemp(sub);
    CHECK(fd >= 0);
    if (fd < 0) {
        unlink(pairs);
        return;
    }
    const char rows[] = "repo,parent,weight\n"
                        "a,\"b\x1f" "c\",5\n" /* another key, listed first */
                        "d,c,1\n"
                        "\"a\x1f" "b\",c,2\n";
    CHECK(write(fd, rows, sizeof rows - 1) == (ssize_t)(sizeof rows - 1));
    close(fd);
    fund_deep dd;
    fund_loaded_sub ls;
    char dmsg[FUND_MSG_MAX];
    fund_deep_init(&dd);
    CHECK(fund_deep_load_pairs(&dd, pairs, dmsg) == 0);
    CHECK(fund_deep_load_sub(&dd, sub, &ls, dmsg) == 0);
    CHECK(dd.keys.n == 3);
    double *w = fund_deep_weights(&dd, &ls);
    CHECK(w != NULL);
    fund_sub s = { "sub", dd.keys.n, w };
    fund_score_result r;
    CHECK(fund_score(dd.nans, dd.ans, dd.jurors.n, &s, NULL, &r, dmsg) == 0);
    CHECK(fabs(r.total) < 1e-28); /* weight 2 against 1: exactly the jury's ratio */
    fund_score_result_free(&r);
    free(w);
    fund_loaded_sub_free(&ls);
    fund_deep_free(&dd);
    unlink(pairs);
    unlink(sub);
}

int main(int argc, char **argv)
{
    (void)argc;
    fund_test_init(argv[0]);
    RUN_TEST(test_hand_cost);
    RUN_TEST(test_refusals);
    RUN_TEST(test_fixture_files);
    RUN_TEST(test_trial_models);
    RUN_TEST(test_keys_any_bytes);
    return fund_test_finish("fund score");
}
