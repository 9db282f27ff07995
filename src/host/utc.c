/*
 * utc.c -- ISO 8601 UTC for people (see utc.h).
 */
#include <stdio.h>
#include <time.h>

#include "softpause/host/utc.h"

const char *sp_utc_format(char out[SP_UTC_BYTES], uint64_t t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if ((uint64_t)tt != t || tt < 0 || gmtime_r(&tt, &tm) == NULL ||
        strftime(out, SP_UTC_BYTES, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, SP_UTC_BYTES, "%llu s since 1970", (unsigned long long)t);
    return out;
}

/* Digits text[0..n) as a number; -1 unless all are ASCII digits. */
static long digits(const char *text, int n)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        v = v * 10 + (text[i] - '0');
    }
    return v;
}

int sp_utc_parse(const char *text, uint64_t *t)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long y, mo, d, h, mi, s, days;
    int leap;

    *t = 0;
    for (size_t i = 0; i < sizeof shape; i++) /* the NUL too: nothing after the Z */
        if (shape[i] == 'd' ? text[i] < '0' || text[i] > '9' : text[i] != shape[i])
            return -1;
    y = digits(text, 4), mo = digits(text + 5, 2), d = digits(text + 8, 2);
    h = digits(text + 11, 2), mi = digits(text + 14, 2), s = digits(text + 17, 2);
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) ||
        h > 23 || mi > 59 || s > 59)
        return -1;
    /* Days since 1970-01-01 (the proleptic Gregorian calendar, by whole years then months). */
    days = (y - 1970) * 365 + ((y - 1969) / 4 - (y - 1901) / 100 + (y - 1601) / 400);
    for (long m = 1; m < mo; m++)
        days += mdays[m - 1] + (m == 2 && leap);
    days += d - 1;
    *t = (uint64_t)days * 86400u + (uint64_t)(h * 3600 + mi * 60 + s);
    return 0;
}
