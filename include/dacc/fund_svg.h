/*
 * fund_svg.h -- a horizontal bar chart as a hand-written SVG file.
 *
 * Contract: bars are drawn largest first (ties by input order), at most max_bars of them
 * (0 = all); labels are XML-escaped and shortened (a leading "https://github.com/" is
 * dropped, then anything past 60 bytes is cut with "..."); each bar carries its value as
 * text.  Returns 0, or -1 when writing failed or a value is negative or not finite.
 */
#ifndef DACC_FUND_SVG_H
#define DACC_FUND_SVG_H

#include <stddef.h>
#include <stdio.h>

int fund_svg_bars(FILE *f, const char *title, const char *value_name, size_t n,
                  const char *const *label, const double *value, size_t max_bars);

#endif
