/*
 * svg.h -- a horizontal bar chart as a standalone SVG file, for host code.
 *
 * One row per label, drawn in descending order of the first series' value (ties in input
 * order); each row holds one bar per series (several series: grouped bars in distinct
 * colours, with a legend), each labelled with its value ("%.6g"); negative and non-finite
 * values are drawn as empty bars.  Under the title, a value axis with gridlines at round
 * numbers (1, 2 or 5 times a power of ten), named by the axis label when one is given.  Labels are XML-escaped (& < > " ' as entities; bytes that are not UTF-8
 * and characters XML 1.0 forbids, controls and bidi overrides as U+FFFD) and cut to
 * DACC_SVG_MAX_LABEL bytes on a character boundary.  The image is sized to its content
 * (DACC_SVG_ROW px per bar).  The file appears whole or not at all (dacc/outfile.h).
 * Returns 0, or -1 with a message naming the errno in err.
 */
#ifndef DACC_SVG_H
#define DACC_SVG_H

#include <stddef.h>

#define DACC_SVG_MAX_LABEL 48u
#define DACC_SVG_ROW 18

#define DACC_SVG_MAX_SERIES 8u

typedef struct {
    const char *title;
    const char *axis;                 /* the value axis's name (e.g. the unit); may be NULL */
    const char *const *labels;        /* n row labels */
    size_t n;
    size_t nseries;                   /* 1..DACC_SVG_MAX_SERIES */
    const char *const *series_names;  /* nseries names (the legend); may be NULL for one */
    const double *const *values;      /* values[s][i] */
} dacc_svg_chart_spec;

int dacc_svg_chart(const char *path, const dacc_svg_chart_spec *c, char *err, size_t errlen);

/* One series, no axis name. */
int dacc_svg_bars(const char *path, const char *title, const char *const *labels,
                  const double *values, size_t n, char *err, size_t errlen);

#endif
