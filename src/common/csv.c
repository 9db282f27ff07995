/*
 * csv.c -- strict RFC 4180 reader (see dacc/csv.h for the grammar and the contract).
 *
 * The whole input is copied into memory once (bounded by DACC_CSV_MAX_FILE); records are
 * cut from it one at a time into a fixed-size field buffer:
 *
 *     data:  a,"b ""q""",c\r\n1,2,3\n ...        (raw bytes, pos walks forward)
 *     fbuf:  a\0b "q"\0c\0                       (unquoted fields, NUL-terminated)
 *     off:   0  2        8                       (field starts in fbuf)
 *
 * The field buffer can never overflow: every byte written to it was consumed from a raw
 * record of at most DACC_CSV_MAX_RECORD bytes, plus one NUL per field.
 */
#include "dacc/csv.h"
#include "dacc/utf8.h"
#include "dacc/xalloc.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FBUF_CAP (DACC_CSV_MAX_RECORD + DACC_CSV_MAX_COLUMNS + 1u)

struct dacc_csv {
    char *name;
    char *data;                 /* owned copy of the input, NUL-terminated */
    size_t len, pos;
    long line;                  /* physical line at pos */
    long rec_line;              /* line the current record starts on */
    size_t records;             /* records returned so far */
    int failed;
    size_t ncols;
    char **cols;                /* header names */
    size_t nf;                  /* fields in the current record */
    size_t off[DACC_CSV_MAX_COLUMNS];
    size_t flen[DACC_CSV_MAX_COLUMNS];
    char fbuf[FBUF_CAP];
    char err[DACC_CSV_ERR_MAX];
};

static void set_err(dacc_csv *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void set_err(dacc_csv *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->failed = 1;
}

/* Cut one record starting at r->pos.  Returns 0 or -1 (error set). */
static int parse_record(dacc_csv *r)
{
    const char *d = r->data;
    size_t start = r->pos, out = 0;
    r->rec_line = r->line;
    r->nf = 0;
    for (;;) {
        if (r->nf == DACC_CSV_MAX_COLUMNS) {
            set_err(r, "%s:%ld: expected at most %u fields in a record", r->name, r->line,
                    DACC_CSV_MAX_COLUMNS);
            return -1;
        }
        size_t fstart = out;
        r->off[r->nf] = out;
        if (r->pos < r->len && d[r->pos] == '"') {
            r->pos++;
            for (;;) {
                if (r->pos >= r->len) {
                    set_err(r, "%s:%ld: expected a closing quote for the field opened on this line",
                            r->name, r->rec_line);
                    return -1;
                }
                char c = d[r->pos];
                if (c == '"') {
                    if (r->pos + 1 < r->len && d[r->pos + 1] == '"') {
                        r->pos += 2;
                    } else {
                        r->pos++;
                        break;
                    }
                } else {
                    if (c == '\n')
                        r->line++;
                    r->pos++;
                }
                if (r->pos - start > DACC_CSV_MAX_RECORD || out - fstart >= DACC_CSV_MAX_FIELD) {
                    set_err(r, "%s:%ld: expected a record of at most %u bytes and fields of at most %u",
                            r->name, r->rec_line, DACC_CSV_MAX_RECORD, DACC_CSV_MAX_FIELD);
                    return -1;
                }
                r->fbuf[out++] = c;
            }
            if (r->pos < r->len && d[r->pos] != ',' && d[r->pos] != '\n' && d[r->pos] != '\r') {
                set_err(r, "%s:%ld:%zu: expected ',' or end of line after a closing quote",
                        r->name, r->line, r->nf + 1);
                return -1;
            }
        } else {
            while (r->pos < r->len) {
                char c = d[r->pos];
                if (c == ',' || c == '\n' || c == '\r')
                    break;
                if (c == '"') {
                    set_err(r, "%s:%ld:%zu: expected a quote only at the start of a field",
                            r->name, r->line, r->nf + 1);
                    return -1;
                }
                if (r->pos - start >= DACC_CSV_MAX_RECORD || out - fstart >= DACC_CSV_MAX_FIELD) {
                    set_err(r, "%s:%ld: expected a record of at most %u bytes and fields of at most %u",
                            r->name, r->rec_line, DACC_CSV_MAX_RECORD, DACC_CSV_MAX_FIELD);
                    return -1;
                }
                r->fbuf[out++] = c;
                r->pos++;
            }
        }
        r->flen[r->nf] = out - fstart;
        r->fbuf[out++] = '\0';
        r->nf++;
        if (r->pos >= r->len)
            return 0;
        char c = d[r->pos];
        if (c == ',') {
            r->pos++;
            continue;
        }
        if (c == '\r') {
            if (r->pos + 1 < r->len && d[r->pos + 1] == '\n') {
                r->pos += 2;
                r->line++;
                return 0;
            }
            set_err(r, "%s:%ld: expected CRLF or LF, got a lone CR", r->name, r->line);
            return -1;
        }
        /* c == '\n' */
        r->pos++;
        r->line++;
        return 0;
    }
}

static dacc_csv *open_owned(const char *name, char *data, size_t len, char *err, size_t errlen)
{
    dacc_csv *r = dacc_xcalloc(1, sizeof *r);
    r->name = dacc_xstrdup(name);
    r->data = data;
    r->len = len;
    r->line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
    if (r->pos >= r->len) {
        set_err(r, "%s:1: expected a header row, got an empty file", r->name);
        goto fail;
    }
    if (parse_record(r) != 0)
        goto fail;
    r->ncols = r->nf;
    r->cols = dacc_xcalloc(r->ncols, sizeof *r->cols);
    for (size_t i = 0; i < r->ncols; i++) {
        r->cols[i] = dacc_xstrdup(r->fbuf + r->off[i]);
        if (r->cols[i][0] == '\0') {
            set_err(r, "%s:1:%zu: expected a column name, got an empty one", r->name, i + 1);
            goto fail;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->cols[i], r->cols[j]) == 0) {
                set_err(r, "%s:1:%zu: expected unique column names, '%s' repeats column %zu",
                        r->name, i + 1, r->cols[i], j + 1);
                goto fail;
            }
    }
    r->nf = 0;
    return r;
fail:
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", r->err);
    dacc_csv_close(r);
    return NULL;
}

/* Where the text check stands: bytes before pos are well-formed UTF-8 without NUL. */
typedef struct {
    size_t pos;
    long line;
    size_t line_start;
} text_check;

/* Check d[tc->pos..len) as text: well-formed UTF-8 (dacc/utf8.h), no NUL byte.  Unless
 * final, a character cut by the end of the buffer is left for the next call.  Returns 0,
 * or -1 with "NAME:LINE:BYTE: ..." in err (BYTE: the 1-based byte position in the line),
 * so a reader stops at the first malformed byte instead of after reading everything. */
static int check_text(const char *name, const char *d, size_t len, int final, text_check *tc,
                      char *err, size_t errlen)
{
    const unsigned char *u = (const unsigned char *)d;
    while (tc->pos < len) {
        uint32_t cp;
        size_t k = dacc_utf8_decode(u + tc->pos, len - tc->pos, &cp);
        if (k == 0 && !final && dacc_utf8_incomplete(u + tc->pos, len - tc->pos) != 0)
            return 0;
        if (k == 0 || cp == 0) {
            char got[24];
            snprintf(got, sizeof got, k == 1 ? "a NUL byte" : "the byte 0x%02X", u[tc->pos]);
            snprintf(err, errlen, "%s:%ld:%zu: expected UTF-8 text, got %s at byte %zu of the line",
                     name, tc->line, tc->pos - tc->line_start + 1, got,
                     tc->pos - tc->line_start + 1);
            return -1;
        }
        tc->pos += k;
        if (cp == '\n') {
            tc->line++;
            tc->line_start = tc->pos;
        }
    }
    return 0;
}

dacc_csv *dacc_csv_open_mem(const char *name, const char *data, size_t len, char *err,
                            size_t errlen)
{
    if (len > DACC_CSV_MAX_FILE) {
        snprintf(err, errlen, "%s: expected at most %u bytes", name, DACC_CSV_MAX_FILE);
        return NULL;
    }
    text_check tc = {0, 1, 0};
    if (check_text(name, data, len, 1, &tc, err, errlen) != 0)
        return NULL;
    char *copy = dacc_xmalloc(len + 1);
    memcpy(copy, data, len);
    copy[len] = '\0';
    return open_owned(name, copy, len, err, errlen);
}

char *dacc_read_text(const char *path, size_t *lenp, char *err, size_t errlen)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (is_stdin)
        path = "<stdin>";
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, len = 0;
    char *buf = dacc_xmalloc(cap);
    text_check tc = {0, 1, 0};
    int bad = 0;
    for (;;) {
        if (len > DACC_CSV_MAX_FILE) { /* one byte past the limit is enough to refuse */
            snprintf(err, errlen, "%s: expected at most %u bytes", path, DACC_CSV_MAX_FILE);
            bad = 1;
            break;
        }
        if (len == cap - 1) {
            cap = cap > DACC_CSV_MAX_FILE / 2 ? (size_t)DACC_CSV_MAX_FILE + 2 : 2 * cap;
            buf = dacc_xrealloc(buf, cap, 1);
        }
        size_t n = fread(buf + len, 1, cap - 1 - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
                bad = 1;
            }
            break;
        }
        if (check_text(path, buf, len, 0, &tc, err, errlen) != 0) {
            bad = 1;
            break;
        }
    }
    if (!bad && len > DACC_CSV_MAX_FILE) {
        snprintf(err, errlen, "%s: expected at most %u bytes", path, DACC_CSV_MAX_FILE);
        bad = 1;
    }
    if (!bad && check_text(path, buf, len, 1, &tc, err, errlen) != 0)
        bad = 1;
    if (!is_stdin)
        fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    *lenp = len;
    return buf;
}

dacc_csv *dacc_csv_open(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *buf = dacc_read_text(path, &len, err, errlen);
    if (buf == NULL)
        return NULL;
    return open_owned(strcmp(path, "-") == 0 ? "<stdin>" : path, buf, len, err, errlen);
}

void dacc_csv_close(dacc_csv *r)
{
    if (r == NULL)
        return;
    if (r->cols != NULL)
        for (size_t i = 0; i < r->ncols; i++)
            free(r->cols[i]);
    free(r->cols);
    free(r->data);
    free(r->name);
    free(r);
}

int dacc_csv_next(dacc_csv *r)
{
    if (r->failed)
        return DACC_CSV_ERROR;
    if (r->pos >= r->len) {
        r->nf = 0;
        if (r->records == 0) {
            /* every reader needs rows: a header alone is a mistake, not an empty input */
            set_err(r, "%s:%ld: expected at least one row after the header, got none", r->name,
                    r->line);
            return DACC_CSV_ERROR;
        }
        return DACC_CSV_END;
    }
    if (parse_record(r) != 0)
        return DACC_CSV_ERROR;
    if (r->nf != r->ncols) {
        set_err(r, "%s:%ld: expected %zu fields (as in the header), got %zu", r->name,
                r->rec_line, r->ncols, r->nf);
        return DACC_CSV_ERROR;
    }
    r->records++;
    return DACC_CSV_RECORD;
}

size_t dacc_csv_columns(const dacc_csv *r) { return r->ncols; }
const char *dacc_csv_header(const dacc_csv *r, size_t col)
{
    return col < r->ncols ? r->cols[col] : NULL;
}
const char *dacc_csv_name(const dacc_csv *r) { return r->name; }
const char *dacc_csv_error(const dacc_csv *r) { return r->err; }
long dacc_csv_line(const dacc_csv *r) { return r->rec_line; }

int dacc_csv_col(const dacc_csv *r, const char *name)
{
    for (size_t i = 0; i < r->ncols; i++)
        if (strcmp(r->cols[i], name) == 0)
            return (int)i;
    return -1;
}

int dacc_csv_require(dacc_csv *r, const char *name)
{
    int c = dacc_csv_col(r, name);
    if (c >= 0)
        return c;
    char list[256];
    size_t n = 0;
    list[0] = '\0';
    for (size_t i = 0; i < r->ncols && n < sizeof list; i++) {
        int w = snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", r->cols[i]);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    set_err(r, "%s:1: expected a column named '%s' in the header (columns: %s)", r->name, name,
            list);
    return -1;
}

const char *dacc_csv_field(const dacc_csv *r, size_t col)
{
    return col < r->nf ? r->fbuf + r->off[col] : NULL;
}

size_t dacc_csv_field_len(const dacc_csv *r, size_t col)
{
    return col < r->nf ? r->flen[col] : 0;
}

int dacc_csv_fail(dacc_csv *r, int col, const char *fmt, ...)
{
    char msg[DACC_CSV_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (col >= 0)
        set_err(r, "%s:%ld:%d: %s", r->name, r->rec_line, col + 1, msg);
    else
        set_err(r, "%s:%ld: %s", r->name, r->rec_line, msg);
    return DACC_CSV_ERROR;
}

/* A field quoted for a message, cut at 60 bytes, control bytes shown as '?'. */
static void show_field(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s != '\0' && n + 4 < cap && n < 60; s++)
        out[n++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
    if (*s != '\0' && n + 4 < cap) {
        out[n++] = '.';
        out[n++] = '.';
        out[n++] = '.';
    }
    out[n] = '\0';
}

int dacc_csv_number(dacc_csv *r, size_t col, double *out)
{
    const char *s = dacc_csv_field(r, col);
    int rc = s != NULL ? dacc_parse_decimal(s, out) : -1;
    if (rc == 0)
        return 0;
    *out = 0;
    if (s == NULL || *s == '\0')
        return dacc_csv_fail(r, (int)col, "expected a decimal number in column '%s', got an empty field",
                             dacc_csv_header(r, col));
    char shown[72];
    show_field(s, shown, sizeof shown);
    dacc_csv_fail(r, (int)col, "expected a decimal number in column '%s'%s, got \"%s\"",
                  dacc_csv_header(r, col), rc == -2 ? DACC_DOUBLE_RANGE : "", shown);
    return -1;
}

int dacc_csv_units(dacc_csv *r, size_t col, unsigned decimals, uint64_t *out)
{
    const char *s = dacc_csv_field(r, col);
    if (s != NULL && dacc_parse_units(s, decimals, out) == 0)
        return 0;
    *out = 0;
    char shown[72];
    show_field(s == NULL ? "" : s, shown, sizeof shown);
    dacc_csv_fail(r, (int)col,
                  "expected a non-negative amount with at most %u decimals (fitting 64 bits in "
                  "units) in column '%s', got \"%s\"",
                  decimals, dacc_csv_header(r, col), shown);
    return -1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int dacc_parse_decimal(const char *s, double *out)
{
    const char *p = s;
    *out = 0;
    if (*p == '+' || *p == '-')
        p++;
    size_t mant = 0;
    while (is_digit(*p)) {
        p++;
        mant++;
    }
    if (*p == '.') {
        p++;
        while (is_digit(*p)) {
            p++;
            mant++;
        }
    }
    if (mant == 0)
        return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!is_digit(*p))
            return -1;
        while (is_digit(*p))
            p++;
    }
    if (*p != '\0')
        return -1;
    /* digits that are not all zeros must not round to 0 (underflow) or past the largest
     * double (overflow): an amount a double cannot hold is refused, not changed */
    int nonzero = 0;
    for (const char *q = s; q < p && *q != 'e' && *q != 'E'; q++)
        nonzero |= *q >= '1' && *q <= '9';
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end != p)
        return -1;
    if (!isfinite(v) || (nonzero && (v == 0 || (errno == ERANGE && fabs(v) < DBL_MIN))))
        return -2;
    *out = v == 0 ? 0.0 : v; /* "-0" is 0: a signed zero means nothing in an input */
    return 0;
}

int dacc_parse_units(const char *s, unsigned decimals, uint64_t *out)
{
    *out = 0;
    if (decimals > 18)
        return -1;
    const char *p = s;
    uint64_t v = 0;
    size_t digits = 0;
    for (; is_digit(*p); p++, digits++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    unsigned frac = 0;
    if (*p == '.') {
        p++;
        for (; is_digit(*p); p++, digits++) {
            unsigned d = (unsigned)(*p - '0');
            if (frac == decimals) {
                if (d != 0)
                    return -1;
                continue;
            }
            if (v > (UINT64_MAX - d) / 10)
                return -1;
            v = v * 10 + d;
            frac++;
        }
    }
    if (digits == 0 || *p != '\0')
        return -1;
    for (; frac < decimals; frac++) {
        if (v > UINT64_MAX / 10)
            return -1;
        v *= 10;
    }
    *out = v;
    return 0;
}

void dacc_csv_put(FILE *f, const char *s)
{
    size_t n = strlen(s);
    int quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote)
        fputc('"', f);
    const unsigned char *p = (const unsigned char *)s;
    while (n > 0) {
        uint32_t cp;
        size_t k = dacc_utf8_decode(p, n, &cp);
        if (k == 0) { /* not UTF-8 (a file name from the command line): U+FFFD, so the
                         output stays text the reader takes back */
            fputs("\xEF\xBF\xBD", f);
            k = 1;
        } else {
            if (quote && cp == '"')
                fputc('"', f);
            fwrite(p, 1, k, f);
        }
        p += k;
        n -= k;
    }
    if (quote)
        fputc('"', f);
}

void dacc_csv_put_number(FILE *f, double v)
{
    if (v == 0) {
        fputs("0", f);
        return;
    }
    /* the shortest of %.15g, %.16g, %.17g that reads back to v (%.17g always does) */
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
}
