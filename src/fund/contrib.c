/*
 * contrib.c -- contributions: CSV loading, per-(voter, project) aggregation, eligibility.
 * See include/fund/contrib.h for the contract and the order of operations.
 */
#include "fund/contrib.h"
#include "dacc/csv.h"
#include "dacc/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <math.h>
#include <string.h>

void fund_round_init(fund_round *r, int exact, unsigned decimals)
{
    memset(r, 0, sizeof *r);
    r->exact = exact != 0;
    r->decimals = decimals;
    dacc_strmap_init(&r->voters);
    dacc_strmap_init(&r->projects);
}

void fund_round_free(fund_round *r)
{
    dacc_strmap_free(&r->voters);
    dacc_strmap_free(&r->projects);
    free(r->c);
    free(r->proj_start);
    free(r->excluded_voter_hit);
    free(r->excluded_project_hit);
    memset(r, 0, sizeof *r);
}

/* Whether name is in the exclusion list ex (NULL: none), marking it in *hit. */
static int excluded(const dacc_strmap *ex, unsigned char **hit, const char *name)
{
    int64_t i = ex != NULL ? dacc_strmap_find(ex, name) : -1;
    if (i < 0)
        return 0;
    if (*hit == NULL)
        *hit = dacc_xcalloc(dacc_strmap_size(ex), 1);
    (*hit)[i] = 1;
    return 1;
}

fund_err fund_namelist_load(const char *path, dacc_strmap *m, char *msg)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(msg, FUND_MSG_MAX, "%s: cannot open: %s", path, strerror(errno));
        return FUND_ERR_IO;
    }
    char line[DACC_CSV_MAX_FIELD + 2];
    long lineno = 0;
    fund_err e = FUND_OK;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        else if (!feof(f)) {
            snprintf(msg, FUND_MSG_MAX, "%s:%ld: expected a name of at most %u bytes", path,
                     lineno, DACC_CSV_MAX_FIELD);
            e = FUND_ERR_FORMAT;
            break;
        }
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        dacc_strmap_intern(m, line, NULL);
    }
    if (e == FUND_OK && ferror(f)) {
        snprintf(msg, FUND_MSG_MAX, "%s: cannot read: %s", path, strerror(errno));
        e = FUND_ERR_IO;
    }
    fclose(f);
    return e;
}

fund_err fund_round_add(fund_round *r, const char *voter, const char *project, double amount,
                        dacc_u128 units, char *msg)
{
    if (r->finished) {
        snprintf(msg, FUND_MSG_MAX, "round already finished");
        return FUND_ERR_ARG;
    }
    if (!r->exact && !(amount >= 0)) {
        snprintf(msg, FUND_MSG_MAX, "expected a non-negative amount, got %g", amount);
        return FUND_ERR_FORMAT;
    }
    if (excluded(r->exclude_voters, &r->excluded_voter_hit, voter) |
        excluded(r->exclude_projects, &r->excluded_project_hit, project)) {
        r->rows++;
        r->excluded_rows++;
        return FUND_OK;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->c = dacc_xrealloc(r->c, r->cap, sizeof *r->c);
    }
    fund_contrib *c = &r->c[r->n++];
    c->voter = dacc_strmap_intern(&r->voters, voter, NULL);
    c->project = dacc_strmap_intern(&r->projects, project, NULL);
    c->amount = r->exact ? 0 : amount;
    c->units = r->exact ? units : 0;
    r->rows++;
    return FUND_OK;
}

fund_err fund_round_load_csv(fund_round *r, const char *path, const fund_columns *cols,
                             char *msg)
{
    char err[DACC_CSV_ERR_MAX];
    dacc_csv *csv = dacc_csv_open(path, err, sizeof err);
    if (csv == NULL) {
        snprintf(msg, FUND_MSG_MAX, "%s", err);
        return strstr(err, "cannot open") != NULL ? FUND_ERR_IO : FUND_ERR_FORMAT;
    }
    const char *vn = cols && cols->voter_col ? cols->voter_col : "voter";
    const char *pn = cols && cols->project_col ? cols->project_col : "project";
    const char *an = cols && cols->amount_col ? cols->amount_col : "amount";
    int vc = dacc_csv_require(csv, vn), pc = vc < 0 ? -1 : dacc_csv_require(csv, pn);
    int ac = pc < 0 ? -1 : dacc_csv_require(csv, an);
    fund_err e = FUND_OK;
    if (ac < 0) {
        snprintf(msg, FUND_MSG_MAX, "%s%s%s", dacc_csv_error(csv), cols && cols->hint ? "; " : "",
                 cols && cols->hint ? cols->hint : "");
        dacc_csv_close(csv);
        return FUND_ERR_FORMAT;
    }
    int rc;
    while ((rc = dacc_csv_next(csv)) == DACC_CSV_RECORD) {
        const char *v = dacc_csv_field(csv, (size_t)vc), *p = dacc_csv_field(csv, (size_t)pc);
        if (*v == '\0') {
            dacc_csv_fail(csv, vc, "expected a voter in column '%s', got an empty field", vn);
            goto bad;
        }
        if (*p == '\0') {
            dacc_csv_fail(csv, pc, "expected a project in column '%s', got an empty field", pn);
            goto bad;
        }
        double amount = 0;
        dacc_u128 units = 0;
        if (r->exact) {
            if (dacc_parse_units128(dacc_csv_field(csv, (size_t)ac), r->decimals, &units) != 0) {
                dacc_csv_fail(csv, ac,
                              "expected a non-negative amount with at most %u decimals (fitting "
                              "128 bits in units) in column '%s', got \"%.60s\"",
                              r->decimals, an, dacc_csv_field(csv, (size_t)ac));
                goto bad;
            }
        } else {
            if (dacc_csv_number(csv, (size_t)ac, &amount) != 0)
                goto bad;
            if (amount < 0) {
                dacc_csv_fail(csv, ac, "expected a non-negative amount in column '%s', got %s",
                              an, dacc_csv_field(csv, (size_t)ac));
                goto bad;
            }
        }
        e = fund_round_add(r, v, p, amount, units, msg);
        if (e != FUND_OK) {
            dacc_csv_close(csv);
            return e;
        }
    }
    if (rc == DACC_CSV_ERROR)
        goto bad;
    dacc_csv_close(csv);
    return FUND_OK;
bad:
    snprintf(msg, FUND_MSG_MAX, "%s", dacc_csv_error(csv));
    dacc_csv_close(csv);
    return FUND_ERR_FORMAT;
}

/* Re-intern a map's names in byte order; old_to_new[i] = new index of old name i. */
static const dacc_strmap *sort_map_ctx;
static int cmp_name_idx(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return strcmp(sort_map_ctx->keys[x], sort_map_ctx->keys[y]);
}

static uint32_t *sort_map(dacc_strmap *m)
{
    size_t n = m->n;
    uint32_t *order = dacc_xcalloc(n, sizeof *order);
    uint32_t *old_to_new = dacc_xcalloc(n, sizeof *old_to_new);
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    sort_map_ctx = m;
    dacc_qsort(order, n, sizeof *order, cmp_name_idx);
    sort_map_ctx = NULL;
    dacc_strmap sorted;
    dacc_strmap_init(&sorted);
    for (size_t i = 0; i < n; i++) {
        dacc_strmap_intern(&sorted, m->keys[order[i]], NULL);
        old_to_new[order[i]] = (uint32_t)i;
    }
    dacc_strmap_free(m);
    *m = sorted;
    free(order);
    return old_to_new;
}

static int cmp_contrib(const void *a, const void *b)
{
    const fund_contrib *x = a, *y = b;
    if (x->project != y->project)
        return x->project < y->project ? -1 : 1;
    if (x->voter != y->voter)
        return x->voter < y->voter ? -1 : 1;
    if (x->units != y->units)
        return x->units < y->units ? -1 : 1;
    if (x->amount != y->amount)
        return x->amount < y->amount ? -1 : 1;
    return 0;
}

static int is_zero(const fund_round *r, const fund_contrib *c)
{
    return r->exact ? c->units == 0 : c->amount == 0;
}

/* Remove zero pairs and rebuild proj_start. */
static void compact(fund_round *r)
{
    size_t w = 0;
    for (size_t i = 0; i < r->n; i++)
        if (!is_zero(r, &r->c[i]))
            r->c[w++] = r->c[i];
    r->n = w;
    size_t np = r->projects.n;
    free(r->proj_start);
    r->proj_start = dacc_xcalloc(np + 1, sizeof *r->proj_start);
    for (size_t i = 0; i < r->n; i++)
        r->proj_start[r->c[i].project + 1]++;
    for (size_t p = 0; p < np; p++)
        r->proj_start[p + 1] += r->proj_start[p];
}

fund_err fund_round_finish(fund_round *r, char *msg)
{
    if (r->finished) {
        snprintf(msg, FUND_MSG_MAX, "round already finished");
        return FUND_ERR_ARG;
    }
    uint32_t *vmap = sort_map(&r->voters), *pmap = sort_map(&r->projects);
    for (size_t i = 0; i < r->n; i++) {
        r->c[i].voter = vmap[r->c[i].voter];
        r->c[i].project = pmap[r->c[i].project];
    }
    free(vmap);
    free(pmap);
    dacc_qsort(r->c, r->n, sizeof *r->c, cmp_contrib);
    size_t w = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (w > 0 && r->c[w - 1].project == r->c[i].project && r->c[w - 1].voter == r->c[i].voter) {
            if (r->exact) {
                if (r->c[w - 1].units > DACC_U128_MAX - r->c[i].units) {
                    snprintf(msg, FUND_MSG_MAX,
                             "contributions of '%s' to '%s' overflow 128-bit units",
                             fund_round_voter(r, r->c[i].voter),
                             fund_round_project(r, r->c[i].project));
                    return FUND_ERR_RANGE;
                }
                r->c[w - 1].units += r->c[i].units;
            } else {
                r->c[w - 1].amount += r->c[i].amount;
                if (!isfinite(r->c[w - 1].amount)) {
                    snprintf(msg, FUND_MSG_MAX,
                             "contributions of '%s' to '%s' sum past the largest double "
                             "(1.8e308): amounts too large for float mode",
                             fund_round_voter(r, r->c[i].voter),
                             fund_round_project(r, r->c[i].project));
                    return FUND_ERR_RANGE;
                }
            }
        } else {
            r->c[w++] = r->c[i];
        }
    }
    r->n = w;
    compact(r);
    r->finished = 1;
    return FUND_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static fund_err need_finished(const fund_round *r, char *msg)
{
    if (!r->finished) {
        snprintf(msg, FUND_MSG_MAX, "round not finished");
        return FUND_ERR_ARG;
    }
    return FUND_OK;
}

static fund_err csv_fail(dacc_csv *csv, char *msg)
{
    snprintf(msg, FUND_MSG_MAX, "%s", dacc_csv_error(csv));
    dacc_csv_close(csv);
    return FUND_ERR_FORMAT;
}

static dacc_csv *open_csv(const char *path, char *msg, fund_err *e)
{
    char err[DACC_CSV_ERR_MAX];
    dacc_csv *csv = dacc_csv_open(path, err, sizeof err);
    if (csv == NULL) {
        snprintf(msg, FUND_MSG_MAX, "%s", err);
        *e = strstr(err, "cannot open") != NULL ? FUND_ERR_IO : FUND_ERR_FORMAT;
    }
    return csv;
}

fund_err fund_round_drop_self(fund_round *r, const char *owners_csv, char *msg)
{
    fund_err e = need_finished(r, msg);
    if (e != FUND_OK)
        return e;
    dacc_csv *csv = open_csv(owners_csv, msg, &e);
    if (csv == NULL)
        return e;
    int pc = dacc_csv_require(csv, "project"), oc = pc < 0 ? -1 : dacc_csv_require(csv, "owner");
    if (oc < 0)
        return csv_fail(csv, msg);
    uint64_t *pairs = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = dacc_csv_next(csv)) == DACC_CSV_RECORD) {
        int64_t p = dacc_strmap_find(&r->projects, dacc_csv_field(csv, (size_t)pc));
        int64_t v = dacc_strmap_find(&r->voters, dacc_csv_field(csv, (size_t)oc));
        if (p < 0 || v < 0)
            continue; /* no contributions it could affect */
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            pairs = dacc_xrealloc(pairs, cap, sizeof *pairs);
        }
        pairs[n++] = ((uint64_t)p << 32) | (uint64_t)v;
    }
    if (rc == DACC_CSV_ERROR) {
        free(pairs);
        return csv_fail(csv, msg);
    }
    dacc_csv_close(csv);
    dacc_qsort(pairs, n, sizeof *pairs, cmp_u64);
    for (size_t i = 0; i < r->n && n > 0; i++) {
        uint64_t key = ((uint64_t)r->c[i].project << 32) | r->c[i].voter;
        if (bsearch(&key, pairs, n, sizeof *pairs, cmp_u64) != NULL) {
            r->c[i].amount = 0;
            r->c[i].units = 0;
            r->dropped_self++;
        }
    }
    free(pairs);
    compact(r);
    return FUND_OK;
}

fund_err fund_round_apply_min(fund_round *r, double min_amount, dacc_u128 min_units, char *msg)
{
    fund_err e = need_finished(r, msg);
    if (e != FUND_OK)
        return e;
    if (!r->exact && !(min_amount >= 0)) {
        snprintf(msg, FUND_MSG_MAX, "expected a non-negative minimum, got %g", min_amount);
        return FUND_ERR_ARG;
    }
    for (size_t i = 0; i < r->n; i++) {
        int below = r->exact ? r->c[i].units < min_units : r->c[i].amount < min_amount;
        if (below) {
            r->c[i].amount = 0;
            r->c[i].units = 0;
            r->dropped_min++;
        }
    }
    compact(r);
    return FUND_OK;
}

double fund_trust_factor(double score, double lo, double hi)
{
    if (score <= lo)
        return 0;
    if (score >= hi)
        return 1;
    double num = score - lo, den = hi - lo;
    if (!isfinite(den)) { /* thresholds far apart (-1e308, 1e308): halves cannot overflow */
        num = score / 2 - lo / 2;
        den = hi / 2 - lo / 2;
    }
    return num / den;
}

fund_err fund_round_apply_trust(fund_round *r, const char *scores_csv, double lo, double hi,
                                char *msg)
{
    fund_err e = need_finished(r, msg);
    if (e != FUND_OK)
        return e;
    if (r->exact) {
        snprintf(msg, FUND_MSG_MAX, "trust scaling is not available in exact integer mode");
        return FUND_ERR_ARG;
    }
    if (!(lo < hi)) {
        snprintf(msg, FUND_MSG_MAX, "expected trust thresholds low < high, got %g and %g", lo, hi);
        return FUND_ERR_ARG;
    }
    dacc_csv *csv = open_csv(scores_csv, msg, &e);
    if (csv == NULL)
        return e;
    int vc = dacc_csv_require(csv, "voter"), sc = vc < 0 ? -1 : dacc_csv_require(csv, "score");
    if (sc < 0)
        return csv_fail(csv, msg);
    size_t nv = r->voters.n;
    double *score = dacc_xcalloc(nv, sizeof *score);
    long *line = dacc_xcalloc(nv, sizeof *line);
    int rc;
    while ((rc = dacc_csv_next(csv)) == DACC_CSV_RECORD) {
        double s;
        if (dacc_csv_number(csv, (size_t)sc, &s) != 0)
            break;
        int64_t v = dacc_strmap_find(&r->voters, dacc_csv_field(csv, (size_t)vc));
        if (v < 0)
            continue;
        if (line[v] != 0) {
            rc = dacc_csv_fail(csv, vc, "expected each voter once, '%s' already on line %ld",
                               dacc_csv_field(csv, (size_t)vc), line[v]);
            break;
        }
        line[v] = dacc_csv_line(csv);
        score[v] = s;
    }
    if (rc != DACC_CSV_END) {
        free(score);
        free(line);
        return csv_fail(csv, msg);
    }
    dacc_csv_close(csv);
    for (size_t i = 0; i < r->n; i++) {
        double f = fund_trust_factor(score[r->c[i].voter], lo, hi);
        if (f == 0)
            r->dropped_trust++;
        r->c[i].amount *= f;
    }
    free(score);
    free(line);
    compact(r);
    return FUND_OK;
}
