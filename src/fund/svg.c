/*
 * svg.c -- `--plot FILE.svg`: a readable horizontal bar chart, written by hand.
 *
 * Layout (user units = px):
 *
 *     +-------------------------------------------------------------+
 *     | title                                    (y = 24)           |
 *     | label (right-aligned at x = LABEL_W-8) |#########   0.1234   |  one row per bar,
 *     | label                                  |#####       0.0712   |  ROW_H apart
 *     | ...                                                         |
 *     | "N more not shown" when bars were cut                        |
 *     +-------------------------------------------------------------+
 *
 * Bar length is value / max(value) * BAR_W; values printed with %.6g.  Sorting is a
 * stable merge of indices (largest first, ties in input order) so output is deterministic.
 */
#include "dacc/fund_svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { LABEL_W = 420, BAR_W = 420, ROW_H = 22, TOP = 44, VALUE_W = 110 };

static void put_escaped(FILE *f, const char *s, size_t max)
{
    const char *prefix = "https://github.com/";
    if (strncmp(s, prefix, strlen(prefix)) == 0)
        s += strlen(prefix);
    size_t len = strlen(s);
    size_t cut = len > max ? max - 3 : len;
    for (size_t i = 0; i < cut; i++) {
        switch (s[i]) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        default:
            if ((unsigned char)s[i] < 0x20)
                fputc('?', f);
            else
                fputc(s[i], f);
        }
    }
    if (cut < len)
        fputs("...", f);
}

/* Stable descending sort of idx[0..n) by value (bottom-up merge sort). */
static void sort_desc(size_t n, size_t *idx, size_t *tmp, const double *v)
{
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = v[idx[j]] > v[idx[i]] ? idx[j++] : idx[i++];
            while (i < mid)
                tmp[k++] = idx[i++];
            while (j < hi)
                tmp[k++] = idx[j++];
        }
        memcpy(idx, tmp, n * sizeof *idx);
    }
}

int fund_svg_bars(FILE *f, const char *title, const char *value_name, size_t n,
                  const char *const *label, const double *value, size_t max_bars)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(value[i]) || value[i] < 0)
            return -1;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx), *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (idx == NULL || tmp == NULL) {
        free(idx);
        free(tmp);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    sort_desc(n, idx, tmp, value);
    size_t shown = max_bars != 0 && max_bars < n ? max_bars : n;
    double vmax = shown > 0 ? value[idx[0]] : 0;
    int width = LABEL_W + BAR_W + VALUE_W;
    int height = TOP + (int)shown * ROW_H + (shown < n ? ROW_H : 0) + 16;
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "<text x=\"8\" y=\"24\" font-size=\"16\" font-weight=\"bold\">",
            width, height, width, height);
    put_escaped(f, title, 200);
    fputs(" (", f);
    put_escaped(f, value_name, 40);
    fprintf(f, ", %zu of %zu)</text>\n", shown, n);
    for (size_t r = 0; r < shown; r++) {
        size_t i = idx[r];
        int y = TOP + (int)r * ROW_H;
        double len = vmax > 0 ? value[i] / vmax * BAR_W : 0;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W - 8, y + 15);
        put_escaped(f, label[i], 60);
        fprintf(f,
                "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%.2f\" height=\"%d\" "
                "fill=\"#4878a8\"/>\n",
                LABEL_W, y + 3, len, ROW_H - 6);
        fprintf(f, "<text x=\"%.2f\" y=\"%d\">%.6g</text>\n", LABEL_W + len + 6, y + 15, value[i]);
    }
    if (shown < n)
        fprintf(f, "<text x=\"8\" y=\"%d\" font-style=\"italic\">%zu more not shown</text>\n",
                TOP + (int)shown * ROW_H + 15, n - shown);
    fputs("</svg>\n", f);
    free(idx);
    free(tmp);
    return ferror(f) ? -1 : 0;
}
