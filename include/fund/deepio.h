/*
 * fund_deepio.h -- reading deep-funding inputs (jury pairs, submissions, dependency
 * edges, originality) into the in-memory forms the solvers take, through the strict CSV
 * reader (dacc/csv.h).
 *
 * Contract:
 *   - every error names FILE:LINE (and the column where there is one) and says what was
 *     expected; a number must parse as a strict decimal (so "0.0285C" is refused, never
 *     read as 0 or NaN).
 *   - keys are (repo, parent) pairs, interned in first-seen order across all files loaded
 *     into the same fund_deep; a submission's weights are materialised over the key
 *     table as it stands when fund_deep_weights() is called (NAN where absent).
 *   - jury rows: choice must be exactly "1" or "2"; multiplier a strict decimal > 0;
 *     repo_a != repo_b; names non-empty.  Submission rows: weight >= 0, (repo, parent)
 *     not repeated.  Edge rows: weight >= 0, (repo, parent) not repeated.  Originality
 *     rows: value in [0, 1], repo not repeated.
 */
#ifndef DACC_FUND_DEEPIO_H
#define DACC_FUND_DEEPIO_H

#include "fund/flow.h"
#include "fund/score.h"

typedef struct fund_keyw {
    uint32_t key;
    double w;
} fund_keyw;

typedef struct fund_loaded_sub {
    char *path;
    fund_keyw *row;
    size_t n;
} fund_loaded_sub;

typedef struct fund_deep {
    dacc_strmap jurors, repos, parents;
    dacc_strmap keys;                 /* "LEN:" repo parent (LEN = strlen(repo)) */
    uint32_t *key_repo, *key_parent; /* per key */
    size_t key_cap;
    char **label; /* per key, after fund_deep_labels(): "repo" when one
                                       parent is used, else "repo (parent P)" */
    fund_answer *ans;
    long *ans_line;
    size_t nans, ans_cap;
} fund_deep;

void fund_deep_init(fund_deep *dd);
void fund_deep_free(fund_deep *dd);
fund_err fund_deep_load_pairs(fund_deep *dd, const char *path, char *msg) FUND_MUST_CHECK;
fund_err fund_deep_load_sub(fund_deep *dd, const char *path, fund_loaded_sub *out,
                       char *msg) FUND_MUST_CHECK;
void fund_loaded_sub_free(fund_loaded_sub *s);
/* weight[key] over the current key table, NAN where the submission has no row. */
double *fund_deep_weights(const fund_deep *dd, const fund_loaded_sub *s);
/* (Re)build label[]; returns -1 when out of memory. */
int fund_deep_labels(fund_deep *dd) FUND_MUST_CHECK;

typedef struct fund_depgraph {
    dacc_strmap nodes;
    fund_edge *e;
    size_t m, cap;
} fund_depgraph;

void fund_depgraph_init(fund_depgraph *g);
void fund_depgraph_free(fund_depgraph *g);
/* Rows repo,parent,weight: an edge parent -> repo carrying weight. */
fund_err fund_depgraph_load(fund_depgraph *g, const char *path, char *msg) FUND_MUST_CHECK;
/* Rows repo,originality: *orig (allocated, sized to the node table after loading, NAN
 * where absent).  Unknown repos are added as isolated nodes. */
fund_err fund_depgraph_load_originality(fund_depgraph *g, const char *path, double **orig,
                                   char *msg) FUND_MUST_CHECK;

#endif
