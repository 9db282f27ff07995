/*
 * svg.h -- a horizontal bar chart as a standalone SVG file, for host code.
 *
 * One bar per (label, value), drawn in descending order of value (ties in input order),
 * labelled with the name and the value ("%.6g"); negative and non-finite values are drawn
 * as empty bars.  Labels are XML-escaped (& < > " ' as entities; bytes that are not UTF-8
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

int dacc_svg_bars(const char *path, const char *title, const char *const *labels,
                  const double *values, size_t n, char *err, size_t errlen);

#endif
