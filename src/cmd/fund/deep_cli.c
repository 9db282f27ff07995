/*
 * deep_cli.c -- small helpers for the deep-funding subcommands (see deep_cli.h).
 */
#include "deep_cli.h"

#include <stdlib.h>
#include <string.h>

#include "dacc/csv.h"
#include "dacc/svg.h"
#include "dacc/xalloc.h"

int deep_error(const char *cmd, const char *msg)
{
    fund_cli_eline("fund %s: error: %s", cmd, msg);
    return FUND_EXIT_DATA;
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
        fund_cli_eline("fund %s: error: out of memory", cmd);
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
        fund_cli_eline("fund %s: error: %s", cmd, err);
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
                               double **weights)
{
    fund_diag d;
    if (fund_deep_load_pairs(dd, pairs, &d) != 0)
        return deep_error(cmd, d.msg), -1;
    for (size_t s = 0; s < nsubs; s++)
        if (fund_deep_load_sub(dd, subs[s], &ls[s], &d) != 0)
            return deep_error(cmd, d.msg), -1;
    if (fund_deep_labels(dd) != 0)
        return deep_error(cmd, "out of memory"), -1;
    for (size_t s = 0; s < nsubs; s++)
        if ((weights[s] = fund_deep_weights(dd, &ls[s])) == NULL)
            return deep_error(cmd, "out of memory"), -1;
    return 0;
}
