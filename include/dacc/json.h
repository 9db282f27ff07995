/*
 * json.h -- a minimal streaming JSON writer for host code.
 *
 * The caller drives the structure; the writer inserts commas and colons and escapes
 * strings (", \, control characters and bidi overrides as \uXXXX; well-formed UTF-8 passed through, each
 * byte that is not well-formed UTF-8 written as \ufffd, so the output is always valid
 * UTF-8).  Numbers are printed with "%.17g", which reads back to the same double;
 * a non-finite number is written as null (JSON has no NaN/Inf) and is an error that
 * dacc_json_end() reports (nonfinite set): no output carries it silently.  Nesting is bounded by
 * DACC_JSON_MAX_DEPTH; exceeding it, or a value where a key is due, sets the error flag,
 * which dacc_json_end() reports.  Output is compact, with a newline after the top value.
 */
#ifndef DACC_JSON_H
#define DACC_JSON_H

#include <stdint.h>
#include <stdio.h>

#define DACC_JSON_MAX_DEPTH 32

typedef struct {
    FILE *f;
    int depth;
    int error;
    unsigned char count[DACC_JSON_MAX_DEPTH]; /* 0: nothing written yet at this level */
    unsigned char is_object[DACC_JSON_MAX_DEPTH];
    int want_value;                           /* a key was just written */
    int nonfinite;                            /* a NaN or infinity was written (as null) */
} dacc_json;

void dacc_json_init(dacc_json *j, FILE *f);
void dacc_json_object_begin(dacc_json *j);
void dacc_json_object_end(dacc_json *j);
void dacc_json_array_begin(dacc_json *j);
void dacc_json_array_end(dacc_json *j);
void dacc_json_key(dacc_json *j, const char *key);
void dacc_json_string(dacc_json *j, const char *s);
void dacc_json_number(dacc_json *j, double v);
void dacc_json_int(dacc_json *j, int64_t v);
void dacc_json_uint(dacc_json *j, uint64_t v);
/* A number given as text, written as is: the caller guarantees it is a JSON number
 * (e.g. the decimal digits of a 128-bit integer). */
void dacc_json_number_text(dacc_json *j, const char *text);
void dacc_json_bool(dacc_json *j, int v);
void dacc_json_null(dacc_json *j);
/* Finish: writes the final newline; returns 0, or -1 if the structure was misused,
 * left open, or the stream reported an error. */
int dacc_json_end(dacc_json *j);

#endif
