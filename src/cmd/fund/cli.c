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

int fund_cli_load_round(const fund_round_args *a, const char *file, int exact,
                        unsigned decimals, fund_round *r)
{
    char msg[FUND_MSG_MAX];
    double lo = 0, hi = 0, min = 0;
    dacc_u128 min_units = 0;
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
    fund_columns cols = {a->voter_col, a->project_col, a->amount_col};
    fund_err e = fund_round_load_csv(r, file, &cols, msg);
    if (e == FUND_OK)
        e = fund_round_finish(r, msg);
    if (e == FUND_OK && a->owners != NULL)
        e = fund_round_drop_self(r, a->owners, msg);
    if (e == FUND_OK && a->min != NULL)
        e = fund_round_apply_min(r, min, min_units, msg);
    if (e == FUND_OK && a->scores != NULL)
        e = fund_round_apply_trust(r, a->scores, lo, hi, msg);
    if (e != FUND_OK) {
        fund_round_free(r);
        return fund_cli_error(e, msg);
    }
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

int fund_cli_plot(const char *path, const char *title, const fund_round *r,
                  const double *match, const dacc_u128 *umatch)
{
    size_t n = fund_round_nprojects(r);
    const char **labels = dacc_xcalloc(n, sizeof *labels);
    double *v = dacc_xcalloc(n, sizeof *v);
    for (size_t p = 0; p < n; p++) {
        labels[p] = fund_round_project(r, p);
        v[p] = match != NULL ? match[p] : (double)umatch[p];
    }
    char err[512];
    int rc = dacc_svg_bars(path, title, labels, v, n, err, sizeof err);
    free(labels);
    free(v);
    if (rc != 0) {
        fund_cli_eline("fund: error: FUND_ERR_IO: %s", err);
        return FUND_EXIT_DATA;
    }
    return 0;
}

void fund_cli_subsidy_init(fund_subsidy_table *t, const fund_round *r)
{
    size_t n = fund_round_nprojects(r); /* dacc_xcalloc copes with 0 */
    t->r = r;
    t->sub = dacc_xcalloc(n, sizeof *t->sub);
    t->match = dacc_xcalloc(n, sizeof *t->match);
    t->contrib = dacc_xcalloc(n, sizeof *t->contrib);
    t->capped = dacc_xcalloc(n, sizeof *t->capped);
}

fund_err fund_cli_subsidy_distribute(fund_subsidy_table *t, const fund_qf_opts *o,
                                     fund_dist_info *info, char *msg)
{
    size_t np = fund_round_nprojects(t->r);
    for (size_t p = 0; p < np; p++) {
        t->contrib[p] = 0;
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
    return fund_distribute(t->sub, np, o, t->match, t->capped, info, msg);
}

void fund_cli_subsidy_free(fund_subsidy_table *t)
{
    free(t->sub);
    free(t->match);
    free(t->contrib);
    free(t->capped);
}

void fund_cli_json_subsidy(dacc_json *j, const fund_qf_opts *o, const fund_dist_info *info,
                           const fund_subsidy_table *t)
{
    dacc_json_key(j, "scale");
    dacc_json_string(j, o->scale == FUND_SCALE_NORMALISE ? "normalise" : "saturate");
    dacc_json_key(j, "pool");
    if (o->has_pool)
        dacc_json_number(j, o->pool);
    else
        dacc_json_null(j);
    dacc_json_key(j, "total_match");
    dacc_json_number(j, info->total);
    dacc_json_key(j, "unallocated");
    dacc_json_number(j, info->unallocated);
    dacc_json_key(j, "projects");
    dacc_json_array_begin(j);
    for (size_t p = 0; p < fund_round_nprojects(t->r); p++) {
        dacc_json_object_begin(j);
        dacc_json_key(j, "project");
        dacc_json_string(j, fund_round_project(t->r, p));
        dacc_json_key(j, "match");
        dacc_json_number(j, t->match[p]);
        dacc_json_key(j, "contributions");
        dacc_json_number(j, t->contrib[p]);
        dacc_json_key(j, "donors");
        dacc_json_uint(j, t->r->proj_start[p + 1] - t->r->proj_start[p]);
        dacc_json_key(j, "subsidy");
        dacc_json_number(j, t->sub[p]);
        dacc_json_key(j, "capped");
        dacc_json_bool(j, t->capped[p]);
        dacc_json_object_end(j);
    }
    dacc_json_array_end(j);
}

void fund_cli_csv_subsidy(const fund_subsidy_table *t)
{
    fputs("project,match,contributions,donors,subsidy,capped\n", stdout);
    for (size_t p = 0; p < fund_round_nprojects(t->r); p++) {
        dacc_csv_put(stdout, fund_round_project(t->r, p));
        fputc(',', stdout);
        dacc_csv_put_number(stdout, t->match[p]);
        fputc(',', stdout);
        dacc_csv_put_number(stdout, t->contrib[p]);
        printf(",%zu,", t->r->proj_start[p + 1] - t->r->proj_start[p]);
        dacc_csv_put_number(stdout, t->sub[p]);
        printf(",%d\n", t->capped[p]);
    }
}
