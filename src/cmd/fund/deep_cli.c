/*
 * deep_cli.c -- small helpers for the deep-funding subcommands (see deep_cli.h).
 */
#include "deep_cli.h"

#include <stdlib.h>
#include <string.h>

#include "dacc/csv.h"
#include "dacc/svg.h"
#include "dacc/xalloc.h"

int deep_error(const char *cmd, fund_err e, const char *msg)
{
    fund_cli_eline("fund %s: error: %s: %s", cmd, fund_err_name(e), msg);
    return FUND_EXIT_DATA;
}

void deep_skipped_init(deep_skipped *sk, size_t nsubs)
{
    sk->n = 0;
    sk->file = dacc_xcalloc(nsubs, sizeof *sk->file);
    sk->err = dacc_xcalloc(nsubs, sizeof *sk->err);
    sk->msg = dacc_xcalloc(nsubs, sizeof *sk->msg);
}

void deep_skip(const char *cmd, deep_skipped *sk, const char *file, fund_err e, const char *msg)
{
    fund_cli_eline("fund %s: skipped %s: %s: %s", cmd, file, fund_err_name(e), msg);
    sk->file[sk->n] = file;
    sk->err[sk->n] = e;
    snprintf(sk->msg[sk->n], FUND_MSG_MAX, "%s", msg);
    sk->n++;
}

void deep_skipped_free(deep_skipped *sk)
{
    free(sk->file);
    free(sk->err);
    free(sk->msg);
}

int deep_print_json(size_t nans, void (*members)(dacc_json *j, const void *arg),
                    const void *arg, const fund_cli_table *subs, const deep_skipped *skipped)
{
    dacc_json j;
    dacc_json_init(&j, stdout);
    dacc_json_object_begin(&j);
    dacc_json_key(&j, "answers");
    dacc_json_uint(&j, nans);
    if (members != NULL)
        members(&j, arg);
    fund_cli_table_json(&j, "submissions", subs);
    if (skipped != NULL) {
        dacc_json_key(&j, "skipped");
        dacc_json_array_begin(&j);
        for (size_t s = 0; s < skipped->n; s++) {
            dacc_json_object_begin(&j);
            dacc_json_key(&j, "submission");
            dacc_json_string(&j, skipped->file[s]);
            dacc_json_key(&j, "error");
            dacc_json_string(&j, fund_err_name(skipped->err[s]));
            dacc_json_key(&j, "message");
            dacc_json_string(&j, skipped->msg[s]);
            dacc_json_object_end(&j);
        }
        dacc_json_array_end(&j);
    }
    dacc_json_object_end(&j);
    return fund_cli_json_end(&j);
}

static const double *g_plot_v;

static int plot_desc(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    if (g_plot_v[a] != g_plot_v[b])
        return g_plot_v[a] > g_plot_v[b] ? -1 : 1;
    return a < b ? -1 : a > b;
}

int deep_plot(const char *cmd, const char *path, const char *title, size_t n,
              const char *const *label, const double *value, size_t max_bars)
{
    static const char prefix[] = "https://github.com/";
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    const char **lab = malloc((n ? n : 1) * sizeof *lab);
    double *val = malloc((n ? n : 1) * sizeof *val);
    char err[512];
    int rc = -1;
    if (idx == NULL || lab == NULL || val == NULL) {
        fund_cli_eline("fund %s: error: FUND_ERR_NOMEM: out of memory", cmd);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    g_plot_v = value;
    dacc_qsort(idx, n, sizeof *idx, plot_desc);
    size_t shown = max_bars != 0 && max_bars < n ? max_bars : n;
    for (size_t r = 0; r < shown; r++) {
        const char *l = label[idx[r]];
        lab[r] = strncmp(l, prefix, sizeof prefix - 1) == 0 ? l + sizeof prefix - 1 : l;
        val[r] = value[idx[r]];
    }
    if (dacc_svg_bars(path, title, lab, val, shown, err, sizeof err) != 0) {
        fund_cli_eline("fund %s: error: FUND_ERR_IO: %s", cmd, err);
        goto out;
    }
    fund_cli_eline("%s: chart of %zu bar%s written to %s", cmd, shown, shown == 1 ? "" : "s",
            path);
    rc = 0;
out:
    free(idx);
    free(lab);
    free(val);
    return rc;
}

int deep_load_answers_and_subs(const char *cmd, fund_deep *dd, const char *pairs,
                               const char *const *subs, size_t nsubs, fund_loaded_sub *ls,
                               double **weights, deep_skipped *skip)
{
    char dmsg[FUND_MSG_MAX];
    fund_err e = fund_deep_load_pairs(dd, pairs, dmsg);
    if (e != FUND_OK)
        return deep_error(cmd, e, dmsg), -1;
    unsigned char *bad = dacc_xcalloc(nsubs, 1);
    for (size_t s = 0; s < nsubs; s++)
        if ((e = fund_deep_load_sub(dd, subs[s], &ls[s], dmsg)) != FUND_OK) {
            if (skip == NULL) {
                free(bad);
                return deep_error(cmd, e, dmsg), -1;
            }
            deep_skip(cmd, skip, subs[s], e, dmsg);
            bad[s] = 1;
        }
    int rc = 0;
    if (fund_deep_labels(dd) != 0)
        rc = (deep_error(cmd, FUND_ERR_NOMEM, "out of memory"), -1);
    for (size_t s = 0; rc == 0 && s < nsubs; s++)
        if (!bad[s] && (weights[s] = fund_deep_weights(dd, &ls[s])) == NULL)
            rc = (deep_error(cmd, FUND_ERR_NOMEM, "out of memory"), -1);
    free(bad);
    return rc;
}
