/*
 * csv.h -- a strict RFC 4180 CSV reader, and strict number parsing, for host code.
 *
 * Format accepted (RFC 4180, with the two tolerances noted):
 *
 *     file    = [BOM] header *(EOL record) [EOL]
 *     header  = record                      (first row: column names, must be unique)
 *     record  = field *("," field)          (every record has exactly as many fields
 *                                            as the header)
 *     field   = quoted / bare
 *     quoted  = DQUOTE *(any byte but DQUOTE, or DQUOTE DQUOTE) DQUOTE
 *     bare    = *(any byte but "," DQUOTE CR LF)
 *     EOL     = CRLF / LF                   (tolerance: bare LF as well as CRLF)
 *     BOM     = EF BB BF                    (tolerance: a UTF-8 byte-order mark is skipped)
 *
 * Rejected, with "FILE:LINE: expected ...": a quote inside a bare field, bytes after a
 * closing quote other than "," or EOL, an unterminated quoted field, a lone CR, a NUL
 * byte, a record with the wrong number of fields, a field longer than DACC_CSV_MAX_FIELD,
 * a record longer than DACC_CSV_MAX_RECORD bytes, more than DACC_CSV_MAX_COLUMNS columns,
 * a duplicate or empty header name, an empty file (no header).
 *
 * Line numbers are 1-based physical lines; a record's line is the line it starts on
 * (a quoted field may span lines).  Column numbers in messages are 1-based field indexes.
 *
 * Contract: the reader owns a copy of the input; field pointers returned by
 * dacc_csv_field() stay valid until the next dacc_csv_next() or dacc_csv_close().
 * After an error, dacc_csv_error() holds the message and every further dacc_csv_next()
 * returns DACC_CSV_ERROR.  Functions never print.
 */
#ifndef DACC_CSV_H
#define DACC_CSV_H

#include <stddef.h>
#include <stdint.h>

#define DACC_CSV_MAX_FIELD   4096u       /* bytes in one field, after unquoting */
#define DACC_CSV_MAX_RECORD  65536u      /* bytes in one record as written */
#define DACC_CSV_MAX_COLUMNS 256u        /* fields in one record */
#define DACC_CSV_MAX_FILE    (1u << 30)  /* bytes in one file (1 GiB) */
#define DACC_CSV_ERR_MAX     512u        /* bytes in an error message, with its NUL */

enum { DACC_CSV_ERROR = -1, DACC_CSV_END = 0, DACC_CSV_RECORD = 1 };

typedef struct dacc_csv dacc_csv;

/* Open FILE ("-": standard input, named "<stdin>" in messages) and read its header.  Returns NULL on failure with the message in err
 * (at least DACC_CSV_ERR_MAX bytes). */
dacc_csv *dacc_csv_open(const char *path, char *err, size_t errlen);
/* Read a whole text file ("-": standard input) as dacc_csv_open does -- at most
 * DACC_CSV_MAX_FILE bytes, no NUL byte, well-formed UTF-8 -- into a NUL-terminated
 * buffer the caller frees; *len gets its length.  NULL with the message in err. */
char *dacc_read_text(const char *path, size_t *len, char *err, size_t errlen);
/* The same over a memory buffer; name is used in messages. */
dacc_csv *dacc_csv_open_mem(const char *name, const char *data, size_t len, char *err,
                            size_t errlen);
void dacc_csv_close(dacc_csv *r);

/* Advance to the next record: DACC_CSV_RECORD, DACC_CSV_END or DACC_CSV_ERROR. */
int dacc_csv_next(dacc_csv *r);

size_t dacc_csv_columns(const dacc_csv *r);            /* header's column count */
const char *dacc_csv_header(const dacc_csv *r, size_t col);
/* Index of the column named name, or -1. */
int dacc_csv_col(const dacc_csv *r, const char *name);
/* Same, but a missing column is an error: sets the message ("FILE: expected a column
 * named 'x' in the header (columns: a, b, c)") and returns -1. */
int dacc_csv_require(dacc_csv *r, const char *name);

const char *dacc_csv_field(const dacc_csv *r, size_t col);  /* NUL-terminated */
size_t dacc_csv_field_len(const dacc_csv *r, size_t col);
long dacc_csv_line(const dacc_csv *r);                     /* current record's line */
const char *dacc_csv_name(const dacc_csv *r);
const char *dacc_csv_error(const dacc_csv *r);

/* Set the error to "FILE:LINE:COL: <printf message>" for the current record's column col
 * (col < 0: "FILE:LINE: ...").  Returns DACC_CSV_ERROR. */
int dacc_csv_fail(dacc_csv *r, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Field col as a strict decimal number (see dacc_parse_decimal); on failure sets the error
 * "FILE:LINE:COL: expected a decimal number in column 'name', got "..."" and returns -1.
 * Returns 0 on success. */
int dacc_csv_number(dacc_csv *r, size_t col, double *out);
/* Field col as an exact non-negative amount in integer units of 10^-decimals (see
 * dacc_parse_units).  Returns 0, or -1 with the error set. */
int dacc_csv_units(dacc_csv *r, size_t col, unsigned decimals, uint64_t *out);

/* Writing: one field, quoted (with "" escapes) only when it holds a comma, quote, CR or
 * LF, or starts or ends with a space; each byte that is not well-formed UTF-8 written as
 * U+FFFD, so the output is always text the reader accepts. */
#include <stdio.h>
void dacc_csv_put(FILE *f, const char *s);
/* A double in the shortest of "%.15g", "%.16g", "%.17g" that reads back to the same
 * value (so 21.6 prints as 21.6, and nothing is lost); -0 as 0. */
void dacc_csv_put_number(FILE *f, double v);

/*
 * Strict decimal: [+-] (digits [. digits*] | . digits) [(e|E) [+-] digits], nothing else:
 * no spaces, no hex, no inf/nan, no empty string.  The value must be representable: a
 * number past the largest double (overflow) or one that is not zero but rounds to zero or
 * to a subnormal (underflow, e.g. 1e-400) is refused, never changed; "-0" reads as 0.
 * Returns 0 with *out set; -1 (not a decimal) or -2 (outside DACC_DOUBLE_RANGE), with
 * *out = 0.
 */
#define DACC_DOUBLE_RANGE " (between 2.2250738585072014e-308 and 1.7976931348623157e308, or 0)"
int dacc_parse_decimal(const char *s, double *out);

/*
 * Exact amount: digits [. digits], at most `decimals` significant fraction digits (extra
 * trailing zeros are fine), no sign, no exponent; value * 10^decimals must fit in
 * uint64_t.  decimals <= 18.  Returns 0 with *out set, or -1 (and *out = 0).
 */
int dacc_parse_units(const char *s, unsigned decimals, uint64_t *out);

#endif
