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

/* The step between gridlines: 1, 2 or 5 times a power of ten, giving at most 6 steps. */
static double axis_step(double max)
{
    double raw = max / 5, p = pow(10, floor(log10(raw)));
    static const double mult[] = {1, 2, 5, 10};
    for (size_t k = 0; k < sizeof mult / sizeof mult[0]; k++)
        if (mult[k] * p >= raw)
            return mult[k] * p;
    return 10 * p;
}

static const char *const colours[DACC_SVG_MAX_SERIES] = {
    "#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb", "#000000"};

int dacc_svg_chart(const char *path, const dacc_svg_chart_spec *c, char *err, size_t errlen)
{
    size_t n = c->n, ns = c->nseries;
    if (ns == 0 || ns > DACC_SVG_MAX_SERIES) {
        snprintf(err, errlen, "%s: a chart holds 1 to %u series, not %zu", path,
                 DACC_SVG_MAX_SERIES, ns);
        return -1;
    }
    dacc_outfile out;
    FILE *f = dacc_outfile_open(&out, path, err, errlen);
    if (f == NULL)
        return -1;
    size_t *order = dacc_xcalloc(n, sizeof *order);
    double max = 0;
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        for (size_t s = 0; s < ns; s++)
            if (isfinite(c->values[s][i]) && c->values[s][i] > max)
                max = c->values[s][i];
    }
    sort_vals = c->values[0];
    dacc_qsort(order, n, sizeof *order, cmp_desc);
    sort_vals = NULL;
    /* the axis runs from 0 to a whole number of steps at or above the largest value */
    double step = max > 0 ? axis_step(max) : 1, top_value = max > 0 ? ceil(max / step) * step : 1;
    const int label_w = 300, bar_w = 560, value_w = 120, legend_h = ns > 1 ? 18 : 0;
    const int axis_y = 44 + legend_h, top = axis_y + 10;
    const int row = DACC_SVG_ROW * (int)ns + (ns > 1 ? 6 : 0);
    int width = label_w + bar_w + value_w, height = top + (int)n * row + 20;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n", width, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\">");
    put_text(f, c->title, 200);
    fprintf(f, "</text>\n");
    for (size_t s = 0; ns > 1 && s < ns; s++) {
        int x = label_w + (int)s * 110;
        fprintf(f, "<rect x=\"%d\" y=\"32\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                   "<text x=\"%d\" y=\"41\">", x, colours[s], x + 14);
        put_text(f, c->series_names != NULL ? c->series_names[s] : "", 16);
        fputs("</text>\n", f);
    }
    /* the value axis: gridlines and round numbers, its name at the right */
    fprintf(f, "<g class=\"axis\" stroke=\"#dddddd\">\n");
    for (int k = 0; k * step <= top_value * (1 + 1e-12); k++) {
        double x = label_w + k * step / top_value * bar_w;
        fprintf(f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\"/>\n", x, axis_y, x,
                height - 20);
        fprintf(f, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\" "
                   "fill=\"#555555\">%.6g</text>\n", x, axis_y - 2, k * step);
    }
    fputs("</g>\n", f);
    if (c->axis != NULL) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#555555\">", width - 6,
                axis_y - 2);
        put_text(f, c->axis, 40);
        fputs("</text>\n", f);
    }
    for (size_t r = 0; r < n; r++) {
        size_t i = order[r];
        int y = top + (int)r * row;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 6,
                y + row / 2 + 4);
        put_text(f, c->labels[i], DACC_SVG_MAX_LABEL);
        fputs("</text>\n", f);
        for (size_t s = 0; s < ns; s++) {
            double v = c->values[s][i];
            double len = (isfinite(v) && v > 0) ? v / top_value * bar_w : 0;
            int yb = y + (int)s * DACC_SVG_ROW;
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>\n",
                    label_w, yb + 2, len, DACC_SVG_ROW - 4, colours[s]);
            fprintf(f, "<text x=\"%.2f\" y=\"%d\">%.6g</text>\n", label_w + len + 4, yb + 13,
                    isfinite(v) ? v : 0.0);
        }
    }
    fputs("</svg>\n", f);
    free(order);
    return dacc_outfile_commit(&out, err, errlen);
}

int dacc_svg_bars(const char *path, const char *title, const char *const *labels,
                  const double *values, size_t n, char *err, size_t errlen)
{
    const double *v[1] = {values};
    dacc_svg_chart_spec c = {title, NULL, labels, n, 1, NULL, v};
    return dacc_svg_chart(path, &c, err, errlen);
}
