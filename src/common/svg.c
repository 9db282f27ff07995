/* svg.c -- horizontal bar chart (see dacc/svg.h). */
#include "dacc/svg.h"
#include "dacc/outfile.h"
#include "dacc/utf8.h"
#include "dacc/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* XML character data or attribute text: & < > " ' as entities; well-formed UTF-8 that XML
 * 1.0 allows passed through; anything else (bytes that are not UTF-8, control characters,
 * characters XML 1.0 forbids, bidi overrides) as U+FFFD.  At most max bytes of s are
 * written, cut on a character boundary, "..." marking a cut. */
static void put_text(FILE *f, const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), used = 0;
    while (n > 0) {
        uint32_t cp;
        size_t k = dacc_utf8_decode(p, n, &cp);
        int bad = k == 0;
        if (bad)
            k = 1;
        if (used + k > max)
            break;
        if (bad)
            fputs("&#xFFFD;", f);
        else if (cp == '<')
            fputs("&lt;", f);
        else if (cp == '>')
            fputs("&gt;", f);
        else if (cp == '&')
            fputs("&amp;", f);
        else if (cp == '"')
            fputs("&quot;", f);
        else if (cp == '\'')
            fputs("&apos;", f);
        else if (!dacc_utf8_xml_char(cp) || dacc_utf8_is_unsafe(cp))
            fputs("&#xFFFD;", f);
        else
            fwrite(p, 1, k, f);
        p += k;
        n -= k;
        used += k;
    }
    if (n > 0)
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
    dacc_outfile out;
    FILE *f = dacc_outfile_open(&out, path, err, errlen);
    if (f == NULL)
        return -1;
    size_t *order = dacc_xcalloc(n, sizeof *order);
    double max = 0;
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        if (isfinite(values[i]) && values[i] > max)
            max = values[i];
    }
    sort_vals = values;
    dacc_qsort(order, n, sizeof *order, cmp_desc);
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
    return dacc_outfile_commit(&out, err, errlen);
}
