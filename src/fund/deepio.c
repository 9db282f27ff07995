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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dacc/csv.h"

static fund_err oom(char *msg)
{
    return fund_fail(msg, FUND_ERR_NOMEM, "out of memory");
}

/* dacc_csv_open's failure: a file that cannot be opened or read, or a bad header. */
static fund_err open_err(const char *err, char *msg)
{
    return fund_fail(msg, strstr(err, "cannot open") != NULL || strstr(err, "cannot read") != NULL
                              ? FUND_ERR_IO : FUND_ERR_FORMAT, "%s", err);
}

static fund_err csv_err(dacc_csv *r, char *msg)
{
    fund_fail(msg, FUND_ERR_FORMAT, "%s", dacc_csv_error(r));
    dacc_csv_close(r);
    return FUND_ERR_FORMAT;
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
        for (size_t i = 0; i < dd->keys.n; i++)
            free(dd->label[i]);
    free(dd->label);
    dd->label = NULL;
}

void fund_deep_free(fund_deep *dd)
{
    free_labels(dd);
    dacc_strmap_free(&dd->jurors);
    dacc_strmap_free(&dd->repos);
    dacc_strmap_free(&dd->parents);
    dacc_strmap_free(&dd->keys);
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
static int intern_pair(dacc_strmap *t, const char *a, const char *b, uint32_t *id, int *added)
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
    *id = dacc_strmap_intern(t, k, added);
    free(k);
    return 0;
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
    rid = dacc_strmap_intern(&dd->repos, repo, NULL);
    pid = dacc_strmap_intern(&dd->parents, parent, NULL);
    void *tmpp;
    size_t cap = dd->key_cap;
    if (GROW(dd->key_repo, cap, dd->keys.n) != 0)
        return -1;
    cap = dd->key_cap;
    if (GROW(dd->key_parent, cap, dd->keys.n) != 0)
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

fund_err fund_deep_load_pairs(fund_deep *dd, const char *path, char *msg)
{
    char err[DACC_CSV_ERR_MAX];
    dacc_csv *r = dacc_csv_open(path, err, sizeof err);
    if (r == NULL)
        return open_err(err, msg);
    static const char *const need[] = { "juror",  "repo_a", "repo_b",
                                        "parent", "choice", "multiplier" };
    int col[6];
    if (require(r, need, col, 6) != 0)
        return csv_err(r, msg);
    int st;
    while ((st = dacc_csv_next(r)) == DACC_CSV_RECORD) {
        for (int i = 0; i < 4; i++)
            if (nonempty(r, col[i]) != 0)
                return csv_err(r, msg);
        const char *juror = dacc_csv_field(r, (size_t)col[0]);
        const char *ra = dacc_csv_field(r, (size_t)col[1]);
        const char *rb = dacc_csv_field(r, (size_t)col[2]);
        const char *parent = dacc_csv_field(r, (size_t)col[3]);
        const char *choice = dacc_csv_field(r, (size_t)col[4]);
        double mult;
        if (strcmp(choice, "1") != 0 && strcmp(choice, "2") != 0) {
            dacc_csv_fail(r, col[4], "expected choice 1 or 2, got \"%.40s\"", choice);
            return csv_err(r, msg);
        }
        if (dacc_csv_number(r, (size_t)col[5], &mult) != 0)
            return csv_err(r, msg);
        if (!(mult > 0)) {
            dacc_csv_fail(r, col[5], "expected a multiplier > 0, got %g", mult);
            return csv_err(r, msg);
        }
        if (strcmp(ra, rb) == 0) {
            dacc_csv_fail(r, col[2], "expected two different repositories, got %.200s twice", ra);
            return csv_err(r, msg);
        }
        fund_answer a;
        uint32_t jid;
        jid = dacc_strmap_intern(&dd->jurors, juror, NULL);
        if (intern_key(dd, ra, parent, &a.a) != 0 || intern_key(dd, rb, parent, &a.b) != 0) {
            dacc_csv_close(r);
            return oom(msg);
        }
        a.juror = jid;
        a.d = choice[0] == '1' ? log(mult) : -log(mult);
        void *tmpp;
        size_t cap = dd->ans_cap;
        if (GROW(dd->ans, cap, dd->nans + 1) != 0) {
            dacc_csv_close(r);
            return oom(msg);
        }
        cap = dd->ans_cap;
        if (GROW(dd->ans_line, cap, dd->nans + 1) != 0) {
            dacc_csv_close(r);
            return oom(msg);
        }
        dd->ans_cap = cap;
        dd->ans[dd->nans] = a;
        dd->ans_line[dd->nans] = dacc_csv_line(r);
        dd->nans++;
    }
    if (st == DACC_CSV_ERROR)
        return csv_err(r, msg);
    dacc_csv_close(r);
    return FUND_OK;
}

void fund_loaded_sub_free(fund_loaded_sub *s)
{
    if (s == NULL)
        return;
    free(s->path);
    free(s->row);
    memset(s, 0, sizeof *s);
}

fund_err fund_deep_load_sub(fund_deep *dd, const char *path, fund_loaded_sub *out, char *msg)
{
    memset(out, 0, sizeof *out);
    char err[DACC_CSV_ERR_MAX];
    dacc_csv *r = dacc_csv_open(path, err, sizeof err);
    if (r == NULL)
        return open_err(err, msg);
    static const char *const need[] = { "repo", "parent", "weight" };
    int col[3];
    if (require(r, need, col, 3) != 0)
        return csv_err(r, msg);
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
        if (GROW(seen_line, seen_cap, dd->keys.n) != 0)
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
    return FUND_OK;
nomem:
    free(seen_line);
    dacc_csv_close(r);
    fund_loaded_sub_free(out);
    return oom(msg);
bad:
    free(seen_line);
    fund_loaded_sub_free(out);
    return csv_err(r, msg);
}

double *fund_deep_weights(const fund_deep *dd, const fund_loaded_sub *s)
{
    size_t n = dd->keys.n;
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
    size_t n = dd->keys.n;
    dd->label = calloc(n ? n : 1, sizeof *dd->label);
    if (dd->label == NULL)
        return -1;
    int several = dd->parents.n > 1;
    for (size_t i = 0; i < n; i++) {
        const char *repo = dd->repos.keys[dd->key_repo[i]];
        const char *parent = dd->parents.keys[dd->key_parent[i]];
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
    dacc_strmap_free(&g->nodes);
    free(g->e);
    memset(g, 0, sizeof *g);
}


/* Add the edge parent -> repo of weight w, refusing a repeated pair (pairs, line[] by pair
 * id: where each was first given). */
static fund_err add_edge(fund_depgraph *g, dacc_strmap *pairs, long **line, size_t *line_cap,
                         const char *parent, const char *repo, double w, long at, long *first)
{
    void *tmpp;
    uint32_t pk, from = dacc_strmap_intern(&g->nodes, parent, NULL);
    uint32_t to = dacc_strmap_intern(&g->nodes, repo, NULL);
    int added;
    (void)intern_pair(pairs, parent, repo, &pk, &added);
    if (!added) {
        *first = (*line)[pk];
        return FUND_ERR_FORMAT;
    }
    if (GROW(*line, *line_cap, pairs->n) != 0 || GROW(g->e, g->cap, g->m + 1) != 0)
        return FUND_ERR_NOMEM;
    (*line)[pk] = at;
    g->e[g->m].from = from;
    g->e[g->m].to = to;
    g->e[g->m].w = w;
    g->m++;
    return FUND_OK;
}

static fund_err depgraph_csv(fund_depgraph *g, dacc_csv *r, char *msg)
{
    static const char *const need[] = { "repo", "parent", "weight" };
    int col[3];
    if (require(r, need, col, 3) != 0)
        return csv_err(r, msg);
    dacc_strmap pairs; /* (parent, repo), for the duplicate check */
    dacc_strmap_init(&pairs);
    long *line = NULL, first = 0;
    size_t line_cap = 0;
    fund_err e = FUND_OK;
    int st;
    while ((st = dacc_csv_next(r)) == DACC_CSV_RECORD) {
        double w;
        if (weighted_row(r, col, "an edge weight", &w) != 0)
            break;
        e = add_edge(g, &pairs, &line, &line_cap, dacc_csv_field(r, (size_t)col[1]),
                     dacc_csv_field(r, (size_t)col[0]), w, dacc_csv_line(r), &first);
        if (e == FUND_ERR_FORMAT)
            dacc_csv_fail(r, col[0], "expected each (repo, parent) edge once; this one is "
                                     "also on line %ld", first);
        if (e != FUND_OK)
            break;
    }
    dacc_strmap_free(&pairs);
    free(line);
    if (e == FUND_ERR_NOMEM) {
        dacc_csv_close(r);
        return oom(msg);
    }
    if (e != FUND_OK || st != DACC_CSV_END)
        return csv_err(r, msg);
    dacc_csv_close(r);
    return FUND_OK;
}

/*
 * The dependency graph as JSON (deepfunding/dependency-graph's seedReposWithDependencies):
 *
 *     { "PARENT": ["REPO", ...], ... }          each listed repo an edge of weight 1
 *     { "PARENT": {"REPO": WEIGHT, ...}, ... }  weights given (strict numbers >= 0)
 *
 * Strict RFC 8259 for this shape: strings with the standard escapes (\uXXXX, surrogate
 * pairs joined, NUL refused), numbers by the JSON grammar, nothing after the object.
 */
typedef struct {
    const char *path, *p, *end, *line_start;
    long line;
    char *msg;
} jread;

static fund_err jfail(jread *j, const char *fmt, ...) FUND_PRINTF(2, 3);
static fund_err jfail(jread *j, const char *fmt, ...)
{
    char text[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return fund_fail(j->msg, FUND_ERR_FORMAT, "%s:%ld:%ld: expected %s", j->path, j->line,
                     (long)(j->p - j->line_start) + 1, text);
}

static void jws(jread *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) {
        if (*j->p == '\n') {
            j->line++;
            j->line_start = j->p + 1;
        }
        j->p++;
    }
}

static int jis(jread *j, char c)
{
    jws(j);
    if (j->p < j->end && *j->p == c) {
        j->p++;
        return 1;
    }
    return 0;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
        if (d == 16)
            return -1;
        *v = *v * 16 + d;
    }
    return 0;
}

/* A JSON string into buf (at most cap - 1 bytes, UTF-8). */
static fund_err jstring(jread *j, char *buf, size_t cap)
{
    if (!jis(j, '"'))
        return jfail(j, "%s", "a string");
    size_t n = 0;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        char tmp[4];
        size_t k = 1;
        if (c < 0x20)
            return jfail(j, "%s", "no control character inside a string");
        if (c != '\\') {
            tmp[0] = (char)c;
            j->p++;
        } else {
            if (j->end - j->p < 2)
                return jfail(j, "%s", "an escape");
            char e = j->p[1];
            j->p += 2;
            const char *simple = strchr("\"\\/bfnrt", e);
            if (e != '\0' && simple != NULL) {
                tmp[0] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
            } else if (e == 'u') {
                unsigned u, lo;
                if (j->end - j->p < 4 || hex4(j->p, &u) != 0)
                    return jfail(j, "%s", "four hex digits after \\u");
                j->p += 4;
                if (u >= 0xD800 && u < 0xDC00) {
                    if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
                        hex4(j->p + 2, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
                        return jfail(j, "%s", "a low surrogate after a high one");
                    j->p += 6;
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                } else if (u >= 0xDC00 && u < 0xE000) {
                    return jfail(j, "%s", "no lone low surrogate");
                } else if (u == 0) {
                    return jfail(j, "%s", "no NUL character in a name");
                }
                if (u < 0x80) {
                    tmp[0] = (char)u;
                } else if (u < 0x800) {
                    tmp[0] = (char)(0xC0 | (u >> 6));
                    tmp[1] = (char)(0x80 | (u & 0x3F));
                    k = 2;
                } else if (u < 0x10000) {
                    tmp[0] = (char)(0xE0 | (u >> 12));
                    tmp[1] = (char)(0x80 | ((u >> 6) & 0x3F));
                    tmp[2] = (char)(0x80 | (u & 0x3F));
                    k = 3;
                } else {
                    tmp[0] = (char)(0xF0 | (u >> 18));
                    tmp[1] = (char)(0x80 | ((u >> 12) & 0x3F));
                    tmp[2] = (char)(0x80 | ((u >> 6) & 0x3F));
                    tmp[3] = (char)(0x80 | (u & 0x3F));
                    k = 4;
                }
            } else {
                j->p--;
                return jfail(j, "%s", "a JSON escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
            }
        }
        if (n + k >= cap)
            return jfail(j, "a name of at most %u bytes", DACC_CSV_MAX_FIELD);
        memcpy(buf + n, tmp, k);
        n += k;
    }
    if (j->p == j->end)
        return jfail(j, "%s", "a closing quote");
    j->p++;
    buf[n] = '\0';
    if (n == 0)
        return jfail(j, "%s", "a non-empty name");
    return FUND_OK;
}

/* A JSON number (RFC 8259 grammar), >= 0 and finite. */
static fund_err jweight(jread *j, double *w)
{
    jws(j);
    const char *q = j->p;
    if (q < j->end && *q == '-')
        q++;
    const char *digits = q;
    while (q < j->end && *q >= '0' && *q <= '9')
        q++;
    int ok = q > digits && !(q - digits > 1 && *digits == '0');
    if (ok && q < j->end && *q == '.') {
        const char *f = ++q;
        while (q < j->end && *q >= '0' && *q <= '9')
            q++;
        ok = q > f;
    }
    if (ok && q < j->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < j->end && (*q == '+' || *q == '-'))
            q++;
        const char *x = q;
        while (q < j->end && *q >= '0' && *q <= '9')
            q++;
        ok = q > x;
    }
    char text[64];
    if (!ok || (size_t)(q - j->p) >= sizeof text)
        return jfail(j, "%s", "a JSON number as an edge weight");
    memcpy(text, j->p, (size_t)(q - j->p));
    text[q - j->p] = '\0';
    *w = strtod(text, NULL);
    if (!(*w >= 0) || !isfinite(*w))
        return jfail(j, "an edge weight >= 0 and finite, got %s", text);
    j->p = q;
    return FUND_OK;
}

static fund_err depgraph_json(fund_depgraph *g, const char *path, const char *text, size_t len,
                              char *msg)
{
    jread j = {path, text, text + len, text, 1, msg};
    dacc_strmap pairs;
    dacc_strmap_init(&pairs);
    long *line = NULL, first = 0;
    size_t line_cap = 0;
    char *parent = malloc(DACC_CSV_MAX_FIELD + 1), *repo = malloc(DACC_CSV_MAX_FIELD + 1);
    fund_err e = parent == NULL || repo == NULL ? oom(msg) : FUND_OK;
    if (e == FUND_OK && !jis(&j, '{'))
        e = jfail(&j, "%s", "a JSON object {\"parent\": [\"repo\", ...], ...}");
    int more = e == FUND_OK && !jis(&j, '}');
    while (e == FUND_OK && more) {
        if ((e = jstring(&j, parent, DACC_CSV_MAX_FIELD + 1)) != FUND_OK)
            break;
        (void)dacc_strmap_intern(&g->nodes, parent, NULL); /* a node even without edges */
        if (!jis(&j, ':')) {
            e = jfail(&j, "%s", "':' after a parent's name");
            break;
        }
        int is_obj = jis(&j, '{');
        if (!is_obj && !jis(&j, '[')) {
            e = jfail(&j, "%s", "the parent's dependencies: [\"repo\", ...] or {\"repo\": weight}");
            break;
        }
        int items = !jis(&j, is_obj ? '}' : ']');
        while (items) {
            jws(&j);
            long at = j.line;
            double w = 1;
            if ((e = jstring(&j, repo, DACC_CSV_MAX_FIELD + 1)) != FUND_OK)
                break;
            if (is_obj && !jis(&j, ':')) {
                e = jfail(&j, "%s", "':' after a repo's name");
                break;
            }
            if (is_obj && (e = jweight(&j, &w)) != FUND_OK)
                break;
            e = add_edge(g, &pairs, &line, &line_cap, parent, repo, w, at, &first);
            if (e == FUND_ERR_NOMEM) {
                oom(msg);
                break;
            }
            if (e != FUND_OK) {
                fund_fail(msg, e, "%s:%ld: expected each (repo, parent) edge once; %.200s -> "
                          "%.200s is also on line %ld", path, at, parent, repo, first);
                break;
            }
            if (jis(&j, ','))
                continue;
            if (!jis(&j, is_obj ? '}' : ']'))
                e = jfail(&j, "%s", is_obj ? "',' or '}'" : "',' or ']'");
            break;
        }
        if (e != FUND_OK)
            break;
        if (jis(&j, ','))
            continue;
        if (!jis(&j, '}'))
            e = jfail(&j, "%s", "',' or '}'");
        more = 0;
    }
    if (e == FUND_OK) {
        jws(&j);
        if (j.p != j.end)
            e = jfail(&j, "%s", "nothing after the JSON object");
    }
    free(parent);
    free(repo);
    free(line);
    dacc_strmap_free(&pairs);
    return e;
}

fund_err fund_depgraph_load(fund_depgraph *g, const char *path, char *msg)
{
    char err[DACC_CSV_ERR_MAX];
    size_t len;
    char *text = dacc_read_text(path, &len, err, sizeof err);
    if (text == NULL)
        return open_err(err, msg);
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    size_t k = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r'))
        k++;
    fund_err e;
    if (k < len && text[k] == '{') {
        e = depgraph_json(g, name, text + k, len - k, msg);
    } else {
        dacc_csv *r = dacc_csv_open_mem(name, text, len, err, sizeof err);
        e = r == NULL ? open_err(err, msg) : depgraph_csv(g, r, msg);
    }
    free(text);
    return e;
}

fund_err fund_depgraph_load_originality(fund_depgraph *g, const char *path, double **orig, char *msg)
{
    *orig = NULL;
    char err[DACC_CSV_ERR_MAX];
    dacc_csv *r = dacc_csv_open(path, err, sizeof err);
    if (r == NULL)
        return open_err(err, msg);
    static const char *const need[] = { "repo", "originality" };
    int col[2];
    if (require(r, need, col, 2) != 0)
        return csv_err(r, msg);
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
        id = dacc_strmap_intern(&g->nodes, repo, NULL);
        size_t old = cap;
        if (GROW(o, cap, g->nodes.n) != 0)
            goto nomem;
        for (size_t i = old; i < cap; i++)
            o[i] = NAN;
        old = lcap;
        if (GROW(line, lcap, g->nodes.n) != 0)
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
        size_t n = g->nodes.n;
        double *full = malloc((n ? n : 1) * sizeof *full);
        if (full == NULL)
            goto nomem;
        for (size_t i = 0; i < n; i++)
            full[i] = i < cap ? o[i] : NAN;
        free(o);
        free(line);
        dacc_csv_close(r);
        *orig = full;
        return FUND_OK;
    }
nomem:
    free(o);
    free(line);
    dacc_csv_close(r);
    return oom(msg);
bad:
    free(o);
    free(line);
    return csv_err(r, msg);
}
