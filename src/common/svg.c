/* svg.c -- horizontal bar chart (see dacc/svg.h). */
#include "dacc/svg.h"
#include "dacc/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_text(FILE *f, const char *s, size_t max)
{
    size_t n = 0;
    for (; *s != '\0' && n < max; s++, n++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)*s < 0x20)
                fputc('?', f);
            else
                fputc(*s, f);
        }
    }
    if (*s != '\0')
        fputs("...", f);
}

static const double *sort_vals;
static int cmp_desc(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    double vx = isfinite(sort_vals[x]) ? sort_vals[x] : -INFINITY;
    double vy = isfinite(sort_vals[y]) ? sort_vals[y] : -INFINITY;
    if (vx != vy)
        return vx > vy ? -1 : 1;
    return x < y ? -1 : x > y;
}

int dacc_svg_bars(const char *path, const char *title, const char *const *labels,
                  const double *values, size_t n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    size_t *order = dacc_xcalloc(n, sizeof *order);
    double max = 0;
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        if (isfinite(values[i]) && values[i] > max)
            max = values[i];
    }
    sort_vals = values;
    qsort(order, n, sizeof *order, cmp_desc);
    sort_vals = NULL;
    const int label_w = 300, bar_w = 560, value_w = 120, top = 40;
    int width = label_w + bar_w + value_w, height = top + (int)n * DACC_SVG_ROW + 20;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n", width, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\">");
    put_text(f, title, 200);
    fprintf(f, "</text>\n");
    for (size_t r = 0; r < n; r++) {
        size_t i = order[r];
        double v = values[i];
        double len = (isfinite(v) && v > 0 && max > 0) ? v / max * bar_w : 0;
        int y = top + (int)r * DACC_SVG_ROW;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 6, y + 13);
        put_text(f, labels[i], DACC_SVG_MAX_LABEL);
        fprintf(f, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"#4477aa\"/>\n",
                label_w, y + 2, len, DACC_SVG_ROW - 4);
        fprintf(f, "<text x=\"%.2f\" y=\"%d\">%.6g</text>\n", label_w + len + 4, y + 13,
                isfinite(v) ? v : 0.0);
    }
    fputs("</svg>\n", f);
    free(order);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "%s: write error", path);
        return -1;
    }
    return 0;
}
