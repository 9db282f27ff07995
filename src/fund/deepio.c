/*
 * deepio.c -- deep-funding input files, read with the strict CSV reader (dacc/csv.h).
 *
 * Formats (header row first; columns found by name, others ignored):
 *
 *   jury pairs   timestamp,juror,repo_a,repo_b,parent,choice,multiplier
 *                choice 1: repo_a deserves `multiplier` times repo_b's credit; choice 2:
 *                the reverse.  Stored as an answer (a, b, d) with d = +log m or -log m,
 *                a and b being the keys (repo_a, parent) and (repo_b, parent).
 *   submission   repo,parent,weight      one weight per (repo, parent) key
 *   edges        repo,parent,weight      the dependency graph: parent -> repo
 *   originality  repo,originality        share a node keeps, in [0, 1]
 *
 * Errors come from the CSV reader ("FILE:LINE:COL: expected ...") or are raised through
 * dacc_csv_fail() for the checks made here, so every message has the same shape.
 */
#include "fund/deepio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dacc/csv.h"

static int oom(fund_diag *d)
{
    return fund_fail(d, "out of memory");
}

static int csv_err(dacc_csv *r, fund_diag *d)
{
    fund_fail(d, "%s", dacc_csv_error(r));
    dacc_csv_close(r);
    return -1;
}

/* p grown to hold need elements (capacity doubling); NULL when out of memory (p kept). */
static void *grow_to(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(p, c * elem);
    if (q == NULL)
        return NULL;
    *cap = c;
    return q;
}

/* GROW(ptr, cap, need): 0, or -1 when out of memory; needs `void *tmpp` in scope. */
#define GROW(ptr, capv, need)                                                                      \
    ((tmpp = grow_to((ptr), &(capv), (need), sizeof *(ptr))) != NULL ? ((ptr) = tmpp, 0) : -1)

void fund_deep_init(fund_deep *dd)
{
    memset(dd, 0, sizeof *dd);
}

static void free_labels(fund_deep *dd)
{
    if (dd->label != NULL)
        for (size_t i = 0; i < dd->keys.count; i++)
            free(dd->label[i]);
    free(dd->label);
    dd->label = NULL;
}

void fund_deep_free(fund_deep *dd)
{
    free_labels(dd);
    fund_names_free(&dd->jurors);
    fund_names_free(&dd->repos);
    fund_names_free(&dd->parents);
    fund_names_free(&dd->keys);
    free(dd->key_repo);
    free(dd->key_parent);
    free(dd->ans);
    free(dd->ans_line);
    memset(dd, 0, sizeof *dd);
}

/* Intern the pair (a, b) as one name in t: "LEN:" a b, LEN the decimal length of a, so
 * no two pairs share a name whatever bytes the names hold (with a separator byte, which
 * a name may contain, ("a\x1fb", "c") and ("a", "b\x1fc") were one pair).  *added is 1
 * when the pair is new.  Returns 0, or -1 when out of memory. */
static int intern_pair(fund_names *t, const char *a, const char *b, uint32_t *id, int *added)
{
    size_t la = strlen(a), lb = strlen(b);
    char len[24];
    int ll = snprintf(len, sizeof len, "%zu:", la);
    char *k = malloc((size_t)ll + la + lb + 1);
    if (k == NULL)
        return -1;
    memcpy(k, len, (size_t)ll);
    memcpy(k + ll, a, la);
    memcpy(k + ll + la, b, lb + 1);
    size_t before = t->count;
    int rc = fund_names_intern(t, k, (size_t)ll + la + lb, id);
    free(k);
    *added = t->count != before;
    return rc;
}

/* Intern the key (repo, parent). */
static int intern_key(fund_deep *dd, const char *repo, const char *parent, uint32_t *key)
{
    uint32_t rid, pid;
    int added;
    if (intern_pair(&dd->keys, repo, parent, key, &added) != 0)
        return -1;
    if (!added)
        return 0;
    if (fund_names_intern(&dd->repos, repo, strlen(repo), &rid) != 0 ||
        fund_names_intern(&dd->parents, parent, strlen(parent), &pid) != 0)
        return -1;
    void *tmpp;
    size_t cap = dd->key_cap;
    if (GROW(dd->key_repo, cap, dd->keys.count) != 0)
        return -1;
    cap = dd->key_cap;
    if (GROW(dd->key_parent, cap, dd->keys.count) != 0)
        return -1;
    dd->key_cap = cap;
    dd->key_repo[*key] = rid;
    dd->key_parent[*key] = pid;
    return 0;
}

static int require(dacc_csv *r, const char *const *names, int *col, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((col[i] = dacc_csv_require(r, names[i])) < 0)
            return -1;
    return 0;
}

static int nonempty(dacc_csv *r, int col)
{
    if (dacc_csv_field_len(r, (size_t)col) == 0)
        return dacc_csv_fail(r, col, "expected a non-empty name in column '%s'",
                             dacc_csv_header(r, (size_t)col));
    return 0;
}

/* A "name,name,weight" row (submissions, dependency edges): both names non-empty, the
 * weight a strict decimal >= 0.  what names the weight in the error ("a weight"). */
static int weighted_row(dacc_csv *r, const int *col, const char *what, double *w)
{
    if (nonempty(r, col[0]) != 0 || nonempty(r, col[1]) != 0)
        return -1;
    if (dacc_csv_number(r, (size_t)col[2], w) != 0)
        return -1;
    if (*w < 0)
        return dacc_csv_fail(r, col[2], "expected %s >= 0, got %g", what, *w), -1;
    return 0;
}

int fund_deep_load_pairs(fund_deep *dd, const char *path, fund_diag *d)
{
    char err[DACC_CSV_ERR_MAX];
    dacc_csv *r = dacc_csv_open(path, err, sizeof err);
    if (r == NULL)
        return fund_fail(d, "%s", err);
    static const char *const need[] = { "juror",  "repo_a", "repo_b",
                                        "parent", "choice", "multiplier" };
    int col[6];
    if (require(r, need, col, 6) != 0)
        return csv_err(r, d);
    int st;
    while ((st = dacc_csv_next(r)) == DACC_CSV_RECORD) {
        for (int i = 0; i < 4; i++)
            if (nonempty(r, col[i]) != 0)
                return csv_err(r, d);
        const char *juror = dacc_csv_field(r, (size_t)col[0]);
        const char *ra = dacc_csv_field(r, (size_t)col[1]);
        const char *rb = dacc_csv_field(r, (size_t)col[2]);
        const char *parent = dacc_csv_field(r, (size_t)col[3]);
        const char *choice = dacc_csv_field(r, (size_t)col[4]);
        double mult;
        if (strcmp(choice, "1") != 0 && strcmp(choice, "2") != 0) {
            dacc_csv_fail(r, col[4], "expected choice 1 or 2, got \"%.40s\"", choice);
            return csv_err(r, d);
        }
        if (dacc_csv_number(r, (size_t)col[5], &mult) != 0)
            return csv_err(r, d);
        if (!(mult > 0)) {
            dacc_csv_fail(r, col[5], "expected a multiplier > 0, got %g", mult);
            return csv_err(r, d);
        }
        if (strcmp(ra, rb) == 0) {
            dacc_csv_fail(r, col[2], "expected two different repositories, got %.200s twice", ra);
            return csv_err(r, d);
        }
        fund_answer a;
        uint32_t jid;
        if (fund_names_intern(&dd->jurors, juror, strlen(juror), &jid) != 0 ||
            intern_key(dd, ra, parent, &a.a) != 0 || intern_key(dd, rb, parent, &a.b) != 0) {
            dacc_csv_close(r);
            return oom(d);
        }
        a.juror = jid;
        a.d = choice[0] == '1' ? log(mult) : -log(mult);
        void *tmpp;
        size_t cap = dd->ans_cap;
        if (GROW(dd->ans, cap, dd->nans + 1) != 0) {
            dacc_csv_close(r);
            return oom(d);
        }
        cap = dd->ans_cap;
        if (GROW(dd->ans_line, cap, dd->nans + 1) != 0) {
            dacc_csv_close(r);
            return oom(d);
        }
        dd->ans_cap = cap;
        dd->ans[dd->nans] = a;
        dd->ans_line[dd->nans] = dacc_csv_line(r);
        dd->nans++;
    }
    if (st == DACC_CSV_ERROR)
        return csv_err(r, d);
    dacc_csv_close(r);
    return 0;
}

void fund_loaded_sub_free(fund_loaded_sub *s)
{
    if (s == NULL)
        return;
    free(s->path);
    free(s->row);
    memset(s, 0, sizeof *s);
}

int fund_deep_load_sub(fund_deep *dd, const char *path, fund_loaded_sub *out, fund_diag *d)
{
    memset(out, 0, sizeof *out);
    char err[DACC_CSV_ERR_MAX];
    dacc_csv *r = dacc_csv_open(path, err, sizeof err);
    if (r == NULL)
        return fund_fail(d, "%s", err);
    static const char *const need[] = { "repo", "parent", "weight" };
    int col[3];
    if (require(r, need, col, 3) != 0)
        return csv_err(r, d);
    void *tmpp;
    size_t cap = 0;
    long *seen_line = NULL; /* line of each key's row in this file, by key, 0 = none */
    size_t seen_cap = 0;
    out->path = malloc(strlen(path) + 1);
    if (out->path == NULL)
        goto nomem;
    strcpy(out->path, path);
    int st;
    while ((st = dacc_csv_next(r)) == DACC_CSV_RECORD) {
        double w;
        if (weighted_row(r, col, "a weight", &w) != 0)
            goto bad;
        uint32_t key;
        if (intern_key(dd, dacc_csv_field(r, (size_t)col[0]), dacc_csv_field(r, (size_t)col[1]),
                       &key) != 0)
            goto nomem;
        size_t old = seen_cap;
        if (GROW(seen_line, seen_cap, dd->keys.count) != 0)
            goto nomem;
        memset(seen_line + old, 0, (seen_cap - old) * sizeof *seen_line);
        if (seen_line[key] != 0) {
            dacc_csv_fail(r, col[0],
                          "expected each (repo, parent) once; this one is also on "
                          "line %ld",
                          seen_line[key]);
            goto bad;
        }
        seen_line[key] = dacc_csv_line(r);
        if (GROW(out->row, cap, out->n + 1) != 0)
            goto nomem;
        out->row[out->n].key = key;
        out->row[out->n].w = w;
        out->n++;
    }
    if (st == DACC_CSV_ERROR)
        goto bad;
    free(seen_line);
    dacc_csv_close(r);
    return 0;
nomem:
    free(seen_line);
    dacc_csv_close(r);
    fund_loaded_sub_free(out);
    return oom(d);
bad:
    free(seen_line);
    fund_loaded_sub_free(out);
    return csv_err(r, d);
}

double *fund_deep_weights(const fund_deep *dd, const fund_loaded_sub *s)
{
    size_t n = dd->keys.count;
    double *w = malloc((n ? n : 1) * sizeof *w);
    if (w == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        w[i] = NAN;
    for (size_t i = 0; i < s->n; i++)
        w[s->row[i].key] = s->row[i].w;
    return w;
}

int fund_deep_labels(fund_deep *dd)
{
    free_labels(dd);
    size_t n = dd->keys.count;
    dd->label = calloc(n ? n : 1, sizeof *dd->label);
    if (dd->label == NULL)
        return -1;
    int several = dd->parents.count > 1;
    for (size_t i = 0; i < n; i++) {
        const char *repo = dd->repos.name[dd->key_repo[i]];
        const char *parent = dd->parents.name[dd->key_parent[i]];
        size_t len = strlen(repo) + (several ? strlen(parent) + 12 : 0) + 1;
        dd->label[i] = malloc(len);
        if (dd->label[i] == NULL)
            return -1;
        if (several)
            snprintf(dd->label[i], len, "%s (parent %s)", repo, parent);
        else
            snprintf(dd->label[i], len, "%s", repo);
    }
    return 0;
}

void fund_depgraph_init(fund_depgraph *g)
{
    memset(g, 0, sizeof *g);
}

void fund_depgraph_free(fund_depgraph *g)
{
    fund_names_free(&g->nodes);
    free(g->e);
    memset(g, 0, sizeof *g);
}

int fund_depgraph_load(fund_depgraph *g, const char *path, fund_diag *d)
{
    char err[DACC_CSV_ERR_MAX];
    dacc_csv *r = dacc_csv_open(path, err, sizeof err);
    if (r == NULL)
        return fund_fail(d, "%s", err);
    static const char *const need[] = { "repo", "parent", "weight" };
    int col[3];
    if (require(r, need, col, 3) != 0)
        return csv_err(r, d);
    fund_names pairs; /* (parent, repo), for the duplicate check */
    fund_names_init(&pairs);
    long *line = NULL;
    size_t line_cap = 0;
    void *tmpp;
    int st;
    while ((st = dacc_csv_next(r)) == DACC_CSV_RECORD) {
        double w;
        if (weighted_row(r, col, "an edge weight", &w) != 0)
            goto bad;
        const char *repo = dacc_csv_field(r, (size_t)col[0]);
        const char *parent = dacc_csv_field(r, (size_t)col[1]);
        size_t lr = strlen(repo), lp = strlen(parent);
        uint32_t from, to, pk;
        if (fund_names_intern(&g->nodes, parent, lp, &from) != 0 ||
            fund_names_intern(&g->nodes, repo, lr, &to) != 0)
            goto nomem;
        int added;
        if (intern_pair(&pairs, parent, repo, &pk, &added) != 0)
            goto nomem;
        if (!added) {
            dacc_csv_fail(r, col[0],
                          "expected each (repo, parent) edge once; this one is "
                          "also on line %ld",
                          line[pk]);
            goto bad;
        }
        if (GROW(line, line_cap, pairs.count) != 0)
            goto nomem;
        line[pk] = dacc_csv_line(r);
        if (GROW(g->e, g->cap, g->m + 1) != 0)
            goto nomem;
        g->e[g->m].from = from;
        g->e[g->m].to = to;
        g->e[g->m].w = w;
        g->m++;
    }
    if (st == DACC_CSV_ERROR)
        goto bad;
    fund_names_free(&pairs);
    free(line);
    dacc_csv_close(r);
    return 0;
nomem:
    fund_names_free(&pairs);
    free(line);
    dacc_csv_close(r);
    return oom(d);
bad:
    fund_names_free(&pairs);
    free(line);
    return csv_err(r, d);
}

int fund_depgraph_load_originality(fund_depgraph *g, const char *path, double **orig, fund_diag *d)
{
    *orig = NULL;
    char err[DACC_CSV_ERR_MAX];
    dacc_csv *r = dacc_csv_open(path, err, sizeof err);
    if (r == NULL)
        return fund_fail(d, "%s", err);
    static const char *const need[] = { "repo", "originality" };
    int col[2];
    if (require(r, need, col, 2) != 0)
        return csv_err(r, d);
    double *o = NULL;
    long *line = NULL;
    size_t cap = 0, lcap = 0;
    void *tmpp;
    int st;
    while ((st = dacc_csv_next(r)) == DACC_CSV_RECORD) {
        if (nonempty(r, col[0]) != 0)
            goto bad;
        double v;
        if (dacc_csv_number(r, (size_t)col[1], &v) != 0)
            goto bad;
        if (!(v >= 0 && v <= 1)) {
            dacc_csv_fail(r, col[1], "expected an originality in [0, 1], got %g", v);
            goto bad;
        }
        const char *repo = dacc_csv_field(r, (size_t)col[0]);
        uint32_t id;
        if (fund_names_intern(&g->nodes, repo, strlen(repo), &id) != 0)
            goto nomem;
        size_t old = cap;
        if (GROW(o, cap, g->nodes.count) != 0)
            goto nomem;
        for (size_t i = old; i < cap; i++)
            o[i] = NAN;
        old = lcap;
        if (GROW(line, lcap, g->nodes.count) != 0)
            goto nomem;
        memset(line + old, 0, (lcap - old) * sizeof *line);
        if (!isnan(o[id])) {
            dacc_csv_fail(r, col[0], "expected each repo once; this one is also on line %ld",
                          line[id]);
            goto bad;
        }
        o[id] = v;
        line[id] = dacc_csv_line(r);
    }
    if (st == DACC_CSV_ERROR)
        goto bad;
    {
        size_t n = g->nodes.count;
        double *full = malloc((n ? n : 1) * sizeof *full);
        if (full == NULL)
            goto nomem;
        for (size_t i = 0; i < n; i++)
            full[i] = i < cap ? o[i] : NAN;
        free(o);
        free(line);
        dacc_csv_close(r);
        *orig = full;
        return 0;
    }
nomem:
    free(o);
    free(line);
    dacc_csv_close(r);
    return oom(d);
bad:
    free(o);
    free(line);
    return csv_err(r, d);
}
