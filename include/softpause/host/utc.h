/*
 * softpause/host/utc.h -- times shown to people: ISO 8601 UTC.
 */
#ifndef SOFTPAUSE_HOST_UTC_H
#define SOFTPAUSE_HOST_UTC_H

#include <stdint.h>

/* Room for any output of sp_utc_format, NUL included. */
#define SP_UTC_BYTES 40u

/* Unix seconds t as "YYYY-MM-DDTHH:MM:SSZ" (more year digits far in the future), or as
 * "<t> s since 1970" when the C library cannot break t down.  Always NUL-terminated;
 * returns out, so a call can sit in a printf argument list. */
const char *sp_utc_format(char out[SP_UTC_BYTES], uint64_t t);

/* Parse exactly "YYYY-MM-DDTHH:MM:SSZ" (years 1970..9999, a real calendar day, leap
 * days included, hours 00..23, minutes and seconds 00..59; nothing before or after) into
 * Unix seconds.  Returns 0, or -1 with *t zeroed for any other text. */
int sp_utc_parse(const char *text, uint64_t *t);

#endif /* SOFTPAUSE_HOST_UTC_H */
