/* cli.c -- shared option parsing and error reporting for the fund command. */
#include "fund_cli.h"
#include "dacc/csv.h"
#include "dacc/svg.h"
#include "dacc/u128.h"
#include "dacc/utf8.h"
#include "dacc/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void fund_cli_eline(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t len = n > 0 ? (size_t)n : 0;
    char *text = dacc_xmalloc(len + 1);
    vsnprintf(text, len + 1, fmt, ap2);
    va_end(ap2);
    size_t cap = 6 * len + 4; /* the longest escape, \u00XX, for every byte */
    char *shown = dacc_xmalloc(cap);
    fprintf(stderr, "%s\n", dacc_utf8_escape(shown, cap, text, len));
    free(shown);
    free(text);
}

/* "fund: usage error: WHAT 'ARG'", the usage, exit 2. */
static void usage_exit(const char *usage, const char *what, const char *arg)
{
    fund_cli_eline("fund: usage error: %s '%s'", what, arg);
    fputs(usage, stderr);
    exit(FUND_EXIT_USAGE);
}

void fund_cli_parse(int argc, char **argv, const fund_opt *opts, const char **pos,
                    size_t max_pos, size_t *npos, const char *usage)
{
    *npos = 0;
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            fputs(usage, stdout);
            exit(fund_cli_finish_stdout(FUND_EXIT_OK));
        }
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (*npos == max_pos)
                usage_exit(usage, "unexpected argument", a);
            pos[(*npos)++] = a;
            continue;
        }
        const fund_opt *o = NULL;
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        for (size_t k = 0; opts[k].name != NULL; k++)
            if (strlen(opts[k].name) == len && strncmp(opts[k].name, a, len) == 0)
                o = &opts[k];
        if (o == NULL)
            usage_exit(usage, "unknown option", a);
        if (o->value == NULL) {
            if (eq != NULL)
                usage_exit(usage, "this option takes no value:", a);
            *o->flag = 1;
        } else if (eq != NULL) {
            *o->value = eq + 1;
        } else {
            if (i + 1 >= argc)
                usage_exit(usage, "this option needs a value:", a);
            *o->value = argv[++i];
        }
    }
}

int fund_cli_json_end(dacc_json *j)
{
    if (dacc_json_end(j) == 0)
        return FUND_EXIT_OK;
    if (j->nonfinite)
        fund_cli_eline("fund: error: FUND_ERR_RANGE: a number in the JSON output is not "
                       "finite (written as null)");
    else if (!ferror(j->f))
        fund_cli_eline("fund: error: internal: the JSON output is malformed");
    return FUND_EXIT_DATA; /* a write error: the final flush of stdout names the errno */
}

/* The errno of the first failed flush before the end (fund_cli_flush_stdout). */
static int early_flush_errno;

void fund_cli_flush_stdout(void)
{
    errno = 0;
    if (fflush(stdout) != 0 && early_flush_errno == 0)
        early_flush_errno = errno;
}

int fund_cli_finish_stdout(int rc)
{
    /* glibc keeps unwritten data in the buffer after a failed write, so a failure earlier
     * in the run fails this flush again, with its errno */
    errno = 0;
    int bad = fflush(stdout) != 0;
    int e = errno;
    if (!bad && ferror(stdout))
        bad = 1;
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad)
        return rc;
    if (e == 0)
        e = early_flush_errno;
    fprintf(stderr, "fund: error: FUND_ERR_IO: cannot write the standard output: %s\n",
            e != 0 ? strerror(e) : "an earlier write failed");
    return FUND_EXIT_DATA;
}

int fund_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    char msg[FUND_MSG_MAX];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fund_cli_eline("fund: usage error: %s", msg);
    return FUND_EXIT_USAGE;
}

int fund_cli_error(fund_err e, const char *msg)
{
    fund_cli_eline("fund: error: %s: %s", fund_err_name(e), msg);
    return e == FUND_ERR_ARG ? FUND_EXIT_USAGE : FUND_EXIT_DATA;
}

int fund_cli_number(const char *opt, const char *text, double *out)
{
    int rc = dacc_parse_decimal(text, out);
    if (rc != 0) {
        fund_cli_usage_error("%s expects a decimal number%s, got '%s'", opt,
                             rc == -2 ? DACC_DOUBLE_RANGE : "", text);
        return -1;
    }
    return 0;
}

/* Name on stderr the exclusions that matched no row (a misspelt address, most likely). */
static void warn_unmatched(const char *opt, const dacc_strmap *m, const unsigned char *hit,
                           const char *file)
{
    size_t miss = 0;
    for (size_t i = 0; i < dacc_strmap_size(m); i++)
        if (hit == NULL || !hit[i]) {
            if (miss < 5)
                fund_cli_eline("fund: warning: %s: '%s' matches no row of %s", opt,
                               dacc_strmap_key(m, i), file);
            miss++;
        }
    if (miss > 5)
        fund_cli_eline("fund: warning: %s: %zu more names match no row", opt, miss - 5);
}

int fund_cli_load_float(const fund_pool_args *pa, fund_round_args *ra, const char *file,
                        fund_qf_opts *o, fund_round *r)
{
    int rc = fund_cli_pool_opts(pa, 0, 0, o);
    return rc != 0 ? rc : fund_cli_load_round(ra, file, 0, 0, r);
}

int fund_cli_pairwise_m(const char *text, double *M)
{
    *M = 1.0;
    if (text != NULL && fund_cli_number("-M", text, M) != 0)
        return FUND_EXIT_USAGE;
    if (!(*M > 0))
        return fund_cli_usage_error("-M expects a number > 0, got '%s'", text);
    return 0;
}

void fund_cli_round_free(fund_round_args *a, fund_round *r)
{
    fund_round_free(r);
    dacc_strmap_free(&a->ex_voters);
    dacc_strmap_free(&a->ex_projects);
}

int fund_cli_load_round(fund_round_args *a, const char *file, int exact, unsigned decimals,
                        fund_round *r)
{
    char msg[FUND_MSG_MAX];
    double lo = 0, hi = 0, min = 0;
    dacc_u128 min_units = 0;
    dacc_strmap_init(&a->ex_voters);
    dacc_strmap_init(&a->ex_projects);
    if (a->scores != NULL && (a->trust_low == NULL || a->trust_high == NULL))
        return fund_cli_usage_error("--scores needs --trust-low and --trust-high");
    if (a->scores == NULL && (a->trust_low != NULL || a->trust_high != NULL))
        return fund_cli_usage_error("--trust-low/--trust-high need --scores");
    if (a->scores != NULL && (fund_cli_number("--trust-low", a->trust_low, &lo) != 0 ||
                              fund_cli_number("--trust-high", a->trust_high, &hi) != 0))
        return FUND_EXIT_USAGE;
    if (a->min != NULL) {
        if (exact) {
            if (dacc_parse_units128(a->min, decimals, &min_units) != 0)
                return fund_cli_usage_error("--min expects an amount with at most %u decimals that "
                                            "fits 128-bit units, got '%s'", decimals, a->min);
        } else if (fund_cli_number("--min", a->min, &min) != 0) {
            return FUND_EXIT_USAGE;
        }
    }
    fund_round_init(r, exact, decimals);
    fund_err e = FUND_OK;
    if (a->exclude_voters != NULL) {
        e = fund_namelist_load(a->exclude_voters, &a->ex_voters, msg);
        r->exclude_voters = &a->ex_voters;
    }
    if (e == FUND_OK && a->exclude_projects != NULL) {
        e = fund_namelist_load(a->exclude_projects, &a->ex_projects, msg);
        r->exclude_projects = &a->ex_projects;
    }
    fund_columns cols = {a->voter_col, a->project_col, a->amount_col,
                         "the options --voter-col, --project-col and --amount-col name the "
                         "donor, project and amount columns"};
    if (e == FUND_OK)
        e = fund_round_load_csv(r, file, &cols, msg);
    if (e == FUND_OK)
        e = fund_round_finish(r, msg);
    if (e == FUND_OK && a->owners != NULL)
        e = fund_round_drop_self(r, a->owners, msg);
    if (e == FUND_OK && a->min != NULL)
        e = fund_round_apply_min(r, min, min_units, msg);
    if (e == FUND_OK && a->scores != NULL)
        e = fund_round_apply_trust(r, a->scores, lo, hi, msg);
    if (e != FUND_OK) {
        fund_cli_round_free(a, r);
        return fund_cli_error(e, msg);
    }
    if (a->exclude_voters != NULL)
        warn_unmatched("--exclude-voters", &a->ex_voters, r->excluded_voter_hit, file);
    if (a->exclude_projects != NULL)
        warn_unmatched("--exclude-projects", &a->ex_projects, r->excluded_project_hit, file);
    return 0;
}

int fund_cli_pool_opts(const fund_pool_args *a, int exact, unsigned decimals, fund_qf_opts *o)
{
    fund_qf_opts_default(o);
    if (a->pool != NULL) {
        o->has_pool = 1;
        if (exact) {
            if (dacc_parse_units128(a->pool, decimals, &o->pool_units) != 0)
                return fund_cli_usage_error("--pool expects an amount with at most %u decimals that "
                                            "fits 128-bit units, got '%s'", decimals, a->pool);
        } else if (fund_cli_number("--pool", a->pool, &o->pool) != 0) {
            return FUND_EXIT_USAGE;
        }
    }
    if (a->normalise || a->normalize)
        o->scale = FUND_SCALE_NORMALISE;
    if (a->cap != NULL && a->cap_fraction != NULL)
        return fund_cli_usage_error("give --cap or --cap-fraction, not both");
    if (a->cap != NULL) {
        o->has_cap = 1;
        if (exact) {
            if (dacc_parse_units128(a->cap, decimals, &o->cap_units) != 0)
                return fund_cli_usage_error("--cap expects an amount with at most %u decimals that "
                                            "fits 128-bit units, got '%s'", decimals, a->cap);
        } else if (fund_cli_number("--cap", a->cap, &o->cap) != 0) {
            return FUND_EXIT_USAGE;
        }
    }
    if (a->cap_fraction != NULL) {
        o->has_cap = 1;
        o->cap_is_fraction = 1;
        if (fund_cli_number("--cap-fraction", a->cap_fraction, &o->cap_fraction) != 0)
            return FUND_EXIT_USAGE;
        if (exact && dacc_parse_units(a->cap_fraction, 18, &o->cap_fraction_e18) != 0)
            return fund_cli_usage_error("--cap-fraction expects a plain decimal in (0, 1], got '%s'",
                                        a->cap_fraction);
    }
    return 0;
}

/* --names FILE: CSV id,name.  labels[p] = the name of project p, or its id. */
static int load_names(const char *path, const fund_round *r, const char **labels,
                      dacc_strmap *store)
{
    char err[DACC_CSV_ERR_MAX];
    size_t n = fund_round_nprojects(r);
    for (size_t p = 0; p < n; p++)
        labels[p] = fund_round_project(r, p);
    if (path == NULL)
        return 0;
    dacc_csv *csv = dacc_csv_open(path, err, sizeof err);
    int ic = -1, nc = -1, rc;
    if (csv == NULL) {
        fund_cli_eline("fund: error: %s: %s", strstr(err, "cannot open") ? "FUND_ERR_IO"
                                                                          : "FUND_ERR_FORMAT", err);
        return FUND_EXIT_DATA;
    }
    if ((ic = dacc_csv_require(csv, "id")) < 0 || (nc = dacc_csv_require(csv, "name")) < 0)
        goto bad;
    while ((rc = dacc_csv_next(csv)) == DACC_CSV_RECORD) {
        int64_t p = dacc_strmap_find(&r->projects, dacc_csv_field(csv, (size_t)ic));
        if (p >= 0 && *dacc_csv_field(csv, (size_t)nc) != '\0')
            labels[p] = dacc_strmap_key(store, dacc_strmap_intern(store,
                                                dacc_csv_field(csv, (size_t)nc), NULL));
    }
    if (rc == DACC_CSV_ERROR)
        goto bad;
    dacc_csv_close(csv);
    return 0;
bad:
    fund_cli_eline("fund: error: FUND_ERR_FORMAT: %s", dacc_csv_error(csv));
    dacc_csv_close(csv);
    return FUND_EXIT_DATA;
}

/* A number of the result as text: %.17g, or 128-bit units in decimal. */
static const char *num_text(char *buf, size_t len, int exact, double d, dacc_u128 u)
{
    if (exact)
        return dacc_u128_dec(u, buf);
    snprintf(buf, len, "%.17g", d);
    return buf;
}

static void plot_title(const fund_cli_result *res, const fund_round_args *ra, char *title,
                       size_t tlen, char *unit, size_t ulen)
{
    const char *amount = ra->amount_col != NULL ? ra->amount_col : "amount";
    if (res->r->exact)
        snprintf(unit, ulen, "%s (units of 1e-%u)", amount, res->r->decimals);
    else
        snprintf(unit, ulen, "%s", amount);
    char pool[DACC_U128_DEC_MAX + 8];
    if (res->o->has_pool)
        num_text(pool, sizeof pool, res->r->exact, res->o->pool, res->o->pool_units);
    snprintf(title, tlen, "fund %s: %s, %s%s, in %s", res->command, res->plot_what,
             res->o->has_pool ? "pool " : "no pool (raw matches)",
             res->o->has_pool ? pool : "", unit);
}

static int plot(const fund_cli_result *res, const fund_out_args *out, const fund_round_args *ra)
{
    size_t n = fund_round_nprojects(res->r);
    const char **labels = dacc_xcalloc(n, sizeof *labels);
    const char *series[4];
    const double *values[4];
    double *conv[4] = {NULL, NULL, NULL, NULL};
    dacc_strmap store;
    dacc_strmap_init(&store);
    int rc = load_names(out->names, res->r, labels, &store);
    for (size_t s = 0; rc == 0 && s < res->nplot; s++) {
        const fund_cli_col *c = &res->col[res->plot_col[s]];
        series[s] = c->name;
        values[s] = c->d;
        if (c->u != NULL) {
            conv[s] = dacc_xcalloc(n, sizeof *conv[s]);
            for (size_t p = 0; p < n; p++)
                conv[s][p] = (double)c->u[p];
            values[s] = conv[s];
        }
    }
    if (rc == 0) {
        char title[256], unit[96], err[512];
        plot_title(res, ra, title, sizeof title, unit, sizeof unit);
        dacc_svg_chart_spec spec = {title, unit, labels, n, res->nplot, series, values};
        if (dacc_svg_chart(out->plot, &spec, err, sizeof err) != 0) {
            fund_cli_eline("fund: error: FUND_ERR_IO: %s", err);
            rc = FUND_EXIT_DATA;
        }
    }
    for (size_t s = 0; s < 4; s++)
        free(conv[s]);
    free(labels);
    dacc_strmap_free(&store);
    return rc;
}

void fund_cli_result_init(fund_cli_result *res, const char *command, const fund_round *r,
                          const fund_qf_opts *o)
{
    memset(res, 0, sizeof *res);
    res->command = command;
    res->mode = r->exact ? "exact" : "float";
    res->r = r;
    res->o = o;
    res->totals = 1;
    res->plot_what = "matches";
}

void fund_cli_result_col(fund_cli_result *res, fund_cli_col c)
{
    if (res->ncol < FUND_CLI_MAX_COLS)
        res->col[res->ncol++] = c;
}

/* pool - matched (0 when matched is over the pool: alpha's rounding), and the rounding
 * dust: in float mode what the unallocated figure hides as rounding (budget - matched -
 * unallocated), in exact mode the unallocated units unless every project is capped. */
static void pool_left(const fund_cli_result *res, double *left, double *dust, dacc_u128 *uleft,
                      dacc_u128 *udust)
{
    const fund_qf_opts *o = res->o;
    size_t n = fund_round_nprojects(res->r), ncapped = 0;
    for (size_t p = 0; res->capped != NULL && p < n; p++)
        ncapped += res->capped[p] != 0;
    *left = o->pool - res->total_match;
    *dust = res->budget - res->total_match - res->unallocated;
    *uleft = o->pool_units > res->utotal_match ? o->pool_units - res->utotal_match : 0;
    *udust = n > 0 && ncapped == n ? 0 : res->uunallocated;
}

void fund_cli_pool_line(const fund_cli_result *res, char *buf, size_t len)
{
    double left, dust;
    dacc_u128 uleft, udust;
    pool_left(res, &left, &dust, &uleft, &udust);
    int x = res->r->exact;
    char a[48], b[48], c[48], d[48], e[48];
    snprintf(buf, len, "pool %s, matched %s, left %s (unallocated %s, rounding dust %s)",
             num_text(a, sizeof a, x, res->o->pool, res->o->pool_units),
             num_text(b, sizeof b, x, res->total_match, res->utotal_match),
             num_text(c, sizeof c, x, left, uleft),
             num_text(d, sizeof d, x, res->unallocated, res->uunallocated),
             num_text(e, sizeof e, x, dust, udust));
}

static void json_num(dacc_json *j, int exact, double d, dacc_u128 u)
{
    char buf[DACC_U128_DEC_MAX];
    if (exact)
        dacc_json_number_text(j, dacc_u128_dec(u, buf));
    else
        dacc_json_number(j, d);
}

void fund_cli_json_totals(dacc_json *j, const fund_cli_result *res)
{
    int x = res->r->exact;
    double left, dust;
    dacc_u128 uleft, udust;
    pool_left(res, &left, &dust, &uleft, &udust);
    dacc_json_key(j, "saturated");
    dacc_json_bool(j, res->saturated);
    dacc_json_key(j, "total_raw");
    json_num(j, x, res->total_raw, res->utotal_raw);
    dacc_json_key(j, "total_match");
    json_num(j, x, res->total_match, res->utotal_match);
    dacc_json_key(j, "unallocated");
    json_num(j, x, res->unallocated, res->uunallocated);
    dacc_json_key(j, "pool_left");
    if (res->o->has_pool)
        json_num(j, x, left, uleft);
    else
        dacc_json_null(j);
}

void fund_cli_json_cell(dacc_json *j, const fund_cli_col *c, size_t i)
{
    if (c->d != NULL)
        dacc_json_number(j, c->d[i]);
    else if (c->u != NULL)
        json_num(j, 1, 0, c->u[i]);
    else if (c->z != NULL)
        dacc_json_uint(j, c->z[i]);
    else if (c->b != NULL)
        dacc_json_bool(j, c->b[i]);
    else if (c->s[i] != NULL)
        dacc_json_string(j, c->s[i]);
    else
        dacc_json_null(j);
}

void fund_cli_csv_cell(const fund_cli_col *c, size_t i)
{
    char buf[DACC_U128_DEC_MAX];
    if (c->d != NULL)
        dacc_csv_put_number(stdout, c->d[i]);
    else if (c->u != NULL)
        fputs(dacc_u128_dec(c->u[i], buf), stdout);
    else if (c->z != NULL)
        printf("%zu", c->z[i]);
    else if (c->b != NULL)
        printf("%d", c->b[i]);
    else if (c->s[i] != NULL)
        dacc_csv_put(stdout, c->s[i]);
}

void fund_cli_table_csv(const fund_cli_table *t)
{
    fputs(t->first, stdout);
    for (size_t k = 0; k < t->ncol; k++)
        printf(",%s", t->col[k].name);
    fputc('\n', stdout);
    for (size_t i = 0; i < t->n; i++) {
        dacc_csv_put(stdout, t->rows[i]);
        for (size_t k = 0; k < t->ncol; k++) {
            fputc(',', stdout);
            fund_cli_csv_cell(&t->col[k], i);
        }
        fputc('\n', stdout);
    }
}

void fund_cli_table_json(dacc_json *j, const char *key, const fund_cli_table *t)
{
    dacc_json_key(j, key);
    dacc_json_array_begin(j);
    for (size_t i = 0; i < t->n; i++) {
        dacc_json_object_begin(j);
        dacc_json_key(j, t->first);
        dacc_json_string(j, t->rows[i]);
        for (size_t k = 0; k < t->ncol; k++) {
            dacc_json_key(j, t->col[k].name);
            fund_cli_json_cell(j, &t->col[k], i);
        }
        if (t->row_members != NULL)
            t->row_members(j, i, t->arg);
        dacc_json_object_end(j);
    }
    dacc_json_array_end(j);
}

static fund_cli_table result_table(const fund_cli_result *res)
{
    fund_cli_table t = {"project", (const char *const *)res->r->projects.keys,
                        fund_round_nprojects(res->r), res->col, res->ncol, NULL, NULL};
    return t;
}

static int print_json(const fund_cli_result *res)
{
    const fund_round *r = res->r;
    const fund_qf_opts *o = res->o;
    int x = r->exact;
    dacc_json j;
    dacc_json_init(&j, stdout);
    dacc_json_object_begin(&j);
    dacc_json_key(&j, "command");
    dacc_json_string(&j, res->command);
    dacc_json_key(&j, "mode");
    dacc_json_string(&j, res->mode);
    if (x) {
        dacc_json_key(&j, "decimals");
        dacc_json_uint(&j, r->decimals);
    }
    dacc_json_key(&j, "scale");
    dacc_json_string(&j, o->scale == FUND_SCALE_NORMALISE ? "normalise" : "saturate");
    dacc_json_key(&j, "pool");
    if (o->has_pool)
        json_num(&j, x, o->pool, o->pool_units);
    else
        dacc_json_null(&j);
    dacc_json_key(&j, "rows");
    dacc_json_uint(&j, r->rows);
    dacc_json_key(&j, "voters");
    dacc_json_uint(&j, fund_round_nvoters(r));
    dacc_json_key(&j, "dropped");
    dacc_json_object_begin(&j);
    dacc_json_key(&j, "self");
    dacc_json_uint(&j, r->dropped_self);
    dacc_json_key(&j, "min");
    dacc_json_uint(&j, r->dropped_min);
    dacc_json_key(&j, "trust");
    dacc_json_uint(&j, r->dropped_trust);
    dacc_json_key(&j, "excluded");
    dacc_json_uint(&j, r->excluded_rows);
    dacc_json_object_end(&j);
    if (res->members != NULL)
        res->members(&j, res->arg);
    if (res->totals)
        fund_cli_json_totals(&j, res);
    fund_cli_table t = result_table(res);
    fund_cli_table_json(&j, "projects", &t);
    dacc_json_object_end(&j);
    return fund_cli_json_end(&j);
}

int fund_cli_print(const fund_cli_result *res, const fund_out_args *out,
                   const fund_round_args *ra)
{
    int rc = 0;
    if (out->names != NULL && out->plot == NULL) /* no option accepted and ignored */
        return fund_cli_usage_error("--names labels the --plot chart: give --plot too");
    if (out->plot != NULL && (rc = plot(res, out, ra)) != 0)
        return rc;
    if (out->json) {
        rc = print_json(res);
    } else {
        fund_cli_table t = result_table(res);
        fund_cli_table_csv(&t);
        if (res->totals && res->o->has_pool) {
            char line[512];
            fund_cli_pool_line(res, line, sizeof line);
            fund_cli_flush_stdout(); /* the table first, as a terminal shows it */
            fund_cli_eline("fund %s: %s", res->command, line);
        }
    }
    /* every plotted allocation is checked: an all-zero one is never printed silently */
    fund_cli_flush_stdout();
    size_t n = fund_round_nprojects(res->r);
    for (size_t s = 0; n > 0 && s < res->nplot; s++) {
        const fund_cli_col *c = &res->col[res->plot_col[s]];
        size_t p = 0;
        while (p < n && (c->d != NULL ? c->d[p] == 0 : c->u[p] == 0))
            p++;
        if (p == n)
            fund_cli_eline("fund %s: warning: every project's %s is 0: nothing is allocated "
                           "(see docs/fund.md on when a mechanism gives no match)",
                           res->command, c->name);
    }
    return rc;
}

static void alpha_member(dacc_json *j, const void *arg)
{
    dacc_json_key(j, "alpha");
    dacc_json_number(j, *(const double *)arg);
}

/* The columns: match,contributions,donors,sum_sqrt[,sqrt_remainder],raw_match,capped. */
void fund_cli_qf_result(const fund_round *r, const fund_qf_opts *o, const fund_qf_result *res,
                      fund_cli_result *out)
{
    fund_cli_result_init(out, "qf", r, o);
    out->mode = res->exact ? "exact" : o->alpha ? "alpha" : "float";
    if (o->alpha) {
        out->members = alpha_member;
        out->arg = &res->alpha;
    }
    out->saturated = res->saturated;
    out->total_raw = res->total_raw;
    out->total_match = res->total_match;
    out->unallocated = res->unallocated;
    out->budget = res->budget;
    out->utotal_raw = res->utotal_raw;
    out->utotal_match = res->utotal_match;
    out->uunallocated = res->uunallocated;
    out->ubudget = res->ubudget;
    out->capped = res->capped;
    int x = res->exact;
    fund_cli_result_col(out, (fund_cli_col){"match", x ? NULL : res->match, x ? res->umatch : NULL, NULL, NULL, NULL});
    fund_cli_result_col(out, (fund_cli_col){"contributions", x ? NULL : res->contrib, x ? res->ucontrib : NULL, NULL, NULL, NULL});
    fund_cli_result_col(out, (fund_cli_col){"donors", NULL, NULL, res->donors, NULL, NULL});
    fund_cli_result_col(out, (fund_cli_col){"sum_sqrt", x ? NULL : res->sum_sqrt, x ? res->usum_sqrt : NULL, NULL, NULL, NULL});
    if (x)
        fund_cli_result_col(out, (fund_cli_col){"sqrt_remainder", NULL, res->urem, NULL, NULL, NULL});
    fund_cli_result_col(out, (fund_cli_col){"raw_match", x ? NULL : res->raw, x ? res->uraw : NULL, NULL, NULL, NULL});
    fund_cli_result_col(out, (fund_cli_col){"capped", NULL, NULL, NULL, res->capped, NULL});
    out->plot_col[0] = 0;
    out->nplot = 1;
}

void fund_cli_subsidy_init(fund_subsidy_table *t, const fund_round *r)
{
    size_t n = fund_round_nprojects(r); /* dacc_xcalloc copes with 0 */
    memset(t, 0, sizeof *t);
    t->r = r;
    t->sub = dacc_xcalloc(n, sizeof *t->sub);
    t->match = dacc_xcalloc(n, sizeof *t->match);
    t->contrib = dacc_xcalloc(n, sizeof *t->contrib);
    t->donors = dacc_xcalloc(n, sizeof *t->donors);
    t->capped = dacc_xcalloc(n, sizeof *t->capped);
}

fund_err fund_cli_subsidy_distribute(fund_subsidy_table *t, const fund_qf_opts *o, char *msg)
{
    size_t np = fund_round_nprojects(t->r);
    for (size_t p = 0; p < np; p++) {
        t->contrib[p] = 0;
        t->donors[p] = t->r->proj_start[p + 1] - t->r->proj_start[p];
        for (size_t k = t->r->proj_start[p]; k < t->r->proj_start[p + 1]; k++)
            t->contrib[p] += t->r->c[k].amount;
        if (!isfinite(t->contrib[p]) || !isfinite(t->sub[p])) {
            snprintf(msg, FUND_MSG_MAX,
                     "project '%s': %s exceeds the largest double (1.8e308) or is not a "
                     "number: amounts too large for float mode", fund_round_project(t->r, p),
                     !isfinite(t->contrib[p]) ? "the sum of contributions" : "the subsidy");
            return FUND_ERR_RANGE;
        }
    }
    return fund_distribute(t->sub, np, o, t->match, t->capped, &t->info, msg);
}

void fund_cli_subsidy_free(fund_subsidy_table *t)
{
    free(t->sub);
    free(t->match);
    free(t->contrib);
    free(t->donors);
    free(t->capped);
}

void fund_cli_subsidy_result(const fund_subsidy_table *t, const char *command,
                             const fund_qf_opts *o, fund_cli_result *res)
{
    fund_cli_result_init(res, command, t->r, o);
    res->saturated = t->info.saturated;
    for (size_t p = 0; p < fund_round_nprojects(t->r); p++)
        res->total_raw += t->sub[p];
    res->total_match = t->info.total;
    res->unallocated = t->info.unallocated;
    res->budget = t->info.budget;
    res->capped = t->capped;
    fund_cli_result_col(res, (fund_cli_col){"match", t->match, NULL, NULL, NULL, NULL});
    fund_cli_result_col(res, (fund_cli_col){"contributions", t->contrib, NULL, NULL, NULL, NULL});
    fund_cli_result_col(res, (fund_cli_col){"donors", NULL, NULL, t->donors, NULL, NULL});
    fund_cli_result_col(res, (fund_cli_col){"subsidy", t->sub, NULL, NULL, NULL, NULL});
    fund_cli_result_col(res, (fund_cli_col){"capped", NULL, NULL, NULL, t->capped, NULL});
    res->plot_col[0] = 0;
    res->nplot = 1;
}
