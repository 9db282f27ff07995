/* json.c -- minimal streaming JSON writer (see dacc/json.h). */
#include "dacc/json.h"
#include "dacc/utf8.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void dacc_json_init(dacc_json *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
}

/* Before any value: separator, and check that a value is allowed here. */
static void before_value(dacc_json *j)
{
    if (j->want_value) {
        j->want_value = 0;
        return;
    }
    if (j->depth == 0) {
        if (j->count[0]) /* a second top-level value */
            j->error = 1;
        j->count[0] = 1;
        return;
    }
    if (j->is_object[j->depth]) { /* a value where a key is due */
        j->error = 1;
        return;
    }
    if (j->count[j->depth])
        fputc(',', j->f);
    j->count[j->depth] = 1;
}

/* A JSON string (RFC 8259 section 7): quote, backslash, control characters and bidi
 * overrides (dacc_utf8_is_unsafe) escaped;
 * bytes that are not well-formed UTF-8 become U+FFFD, one per byte, so the output is valid
 * UTF-8 JSON whatever the input (names from files, arguments and the network). */
static void put_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    fputc('"', f);
    while (n > 0) {
        uint32_t cp;
        size_t k = dacc_utf8_decode(p, n, &cp);
        if (k == 0) {
            fputs("\\ufffd", f);
            k = 1;
        } else if (cp == '"') {
            fputs("\\\"", f);
        } else if (cp == '\\') {
            fputs("\\\\", f);
        } else if (cp == '\n') {
            fputs("\\n", f);
        } else if (cp == '\r') {
            fputs("\\r", f);
        } else if (cp == '\t') {
            fputs("\\t", f);
        } else if (dacc_utf8_is_unsafe(cp)) { /* controls, DEL, C1, bidi overrides */
            fprintf(f, "\\u%04x", (unsigned)cp);
        } else {
            fwrite(p, 1, k, f);
        }
        p += k;
        n -= k;
    }
    fputc('"', f);
}

static void open_level(dacc_json *j, int is_object, char c)
{
    before_value(j);
    if (j->depth + 1 >= DACC_JSON_MAX_DEPTH) {
        j->error = 1;
        return;
    }
    j->depth++;
    j->count[j->depth] = 0;
    j->is_object[j->depth] = (unsigned char)is_object;
    fputc(c, j->f);
}

static void close_level(dacc_json *j, int is_object, char c)
{
    if (j->depth == 0 || j->is_object[j->depth] != is_object || j->want_value) {
        j->error = 1;
        return;
    }
    j->depth--;
    fputc(c, j->f);
}

void dacc_json_object_begin(dacc_json *j) { open_level(j, 1, '{'); }
void dacc_json_object_end(dacc_json *j) { close_level(j, 1, '}'); }
void dacc_json_array_begin(dacc_json *j) { open_level(j, 0, '['); }
void dacc_json_array_end(dacc_json *j) { close_level(j, 0, ']'); }

void dacc_json_key(dacc_json *j, const char *key)
{
    if (j->depth == 0 || !j->is_object[j->depth] || j->want_value) {
        j->error = 1;
        return;
    }
    if (j->count[j->depth])
        fputc(',', j->f);
    j->count[j->depth] = 1;
    put_string(j->f, key);
    fputc(':', j->f);
    j->want_value = 1;
}

void dacc_json_string(dacc_json *j, const char *s)
{
    before_value(j);
    put_string(j->f, s);
}

void dacc_json_number(dacc_json *j, double v)
{
    before_value(j);
    if (!isfinite(v)) {
        fputs("null", j->f);
        j->nonfinite = j->error = 1;
    }
    else if (v == 0)
        fputs("0", j->f); /* also for -0 */
    else
        fprintf(j->f, "%.17g", v);
}

void dacc_json_int(dacc_json *j, int64_t v)
{
    before_value(j);
    fprintf(j->f, "%" PRId64, v);
}

void dacc_json_uint(dacc_json *j, uint64_t v)
{
    before_value(j);
    fprintf(j->f, "%" PRIu64, v);
}

void dacc_json_number_text(dacc_json *j, const char *text)
{
    before_value(j);
    fputs(text, j->f);
}

void dacc_json_bool(dacc_json *j, int v)
{
    before_value(j);
    fputs(v ? "true" : "false", j->f);
}

void dacc_json_null(dacc_json *j)
{
    before_value(j);
    fputs("null", j->f);
}

int dacc_json_end(dacc_json *j)
{
    fputc('\n', j->f);
    if (j->depth != 0 || j->want_value || !j->count[0])
        j->error = 1;
    if (ferror(j->f))
        j->error = 1;
    return j->error ? -1 : 0;
}
