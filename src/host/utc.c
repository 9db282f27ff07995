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
