/* test_csv.c -- the strict CSV reader, number parsing and the JSON writer. */
#include "dacc/csv.h"
#include "dacc/json.h"
#include "dacc/strmap.h"
#include "dacc/svg.h"
#include "dacc/utf8.h"
#include "fund_test.h"

static char err[DACC_CSV_ERR_MAX];

static dacc_csv *open_s(const char *s)
{
    return dacc_csv_open_mem("t.csv", s, strlen(s), err, sizeof err);
}

/* Read every record; return the error message (or "" at a clean end). */
static const char *drain(dacc_csv *r, int *records)
{
    int rc;
    *records = 0;
    while ((rc = dacc_csv_next(r)) == DACC_CSV_RECORD)
        (*records)++;
    return rc == DACC_CSV_END ? "" : dacc_csv_error(r);
}

static void test_basic_lf_crlf_bom(void)
{
    const char *inputs[] = {
        "voter,project,amount\na,p,1\nb,q,2.5\n",
        "voter,project,amount\r\na,p,1\r\nb,q,2.5\r\n",
        "\xEF\xBB\xBFvoter,project,amount\na,p,1\nb,q,2.5",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        dacc_csv *r = open_s(inputs[i]);
        CHECK(r != NULL);
        if (r == NULL)
            continue;
        CHECK(dacc_csv_columns(r) == 3);
        CHECK(dacc_csv_col(r, "voter") == 0);
        CHECK(dacc_csv_col(r, "amount") == 2);
        CHECK(dacc_csv_col(r, "nope") == -1);
        CHECK(dacc_csv_next(r) == DACC_CSV_RECORD);
        CHECK(strcmp(dacc_csv_field(r, 0), "a") == 0);
        CHECK(dacc_csv_line(r) == 2);
        CHECK(dacc_csv_next(r) == DACC_CSV_RECORD);
        double v;
        CHECK(dacc_csv_number(r, 2, &v) == 0 && v == 2.5);
        CHECK(dacc_csv_line(r) == 3);
        CHECK(dacc_csv_next(r) == DACC_CSV_END);
        dacc_csv_close(r);
    }
}

static void test_quoted(void)
{
    dacc_csv *r = open_s("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"multi\nline\",\"\"\nlast,1\n");
    CHECK(r != NULL);
    if (r == NULL)
        return;
    CHECK(dacc_csv_next(r) == DACC_CSV_RECORD);
    CHECK(strcmp(dacc_csv_field(r, 0), "x,y") == 0);
    CHECK(strcmp(dacc_csv_field(r, 1), "say \"hi\"") == 0);
    CHECK(dacc_csv_next(r) == DACC_CSV_RECORD);
    CHECK(strcmp(dacc_csv_field(r, 0), "multi\nline") == 0);
    CHECK(dacc_csv_field_len(r, 1) == 0);
    CHECK(dacc_csv_line(r) == 3);
    CHECK(dacc_csv_next(r) == DACC_CSV_RECORD);
    CHECK(dacc_csv_line(r) == 5); /* the quoted newline counted */
    CHECK(dacc_csv_next(r) == DACC_CSV_END);
    dacc_csv_close(r);
}

static void expect_error(const char *input, const char *fragment)
{
    dacc_csv *r = open_s(input);
    const char *msg;
    int n;
    if (r == NULL) {
        msg = err;
    } else {
        msg = drain(r, &n);
    }
    if (strstr(msg, fragment) == NULL || msg[0] == '\0') {
        char b[700];
        snprintf(b, sizeof b, "input %.40s: error \"%s\" lacks \"%s\"", input, msg, fragment);
        ft_fail(__FILE__, __LINE__, b);
    }
    dacc_csv_close(r);
}

static void test_rejects(void)
{
    expect_error("", "t.csv:1: expected a header row");
    expect_error("\xEF\xBB\xBF", "empty file");
    expect_error("a,b\n1\n", "t.csv:2: expected 2 fields (as in the header), got 1");
    expect_error("a,b\n1,2,3\n", "t.csv:2: expected 2 fields");
    expect_error("a,b\n1,2\n\n", "t.csv:3: expected 2 fields");
    expect_error("a,b\n1,x\"y\n", "t.csv:2:2: expected a quote only at the start");
    expect_error("a,b\n1,\"xy\"z\n", "t.csv:2:2: expected ',' or end of line after a closing quote");
    expect_error("a,b\n1,\"open\n\n", "t.csv:2: expected a closing quote");
    expect_error("a,b\r1,2\n", "t.csv:1: expected CRLF or LF, got a lone CR");
    expect_error("a,a\n", "t.csv:1:2: expected unique column names");
    expect_error("a,,c\n", "t.csv:1:2: expected a column name");
    char nul[] = "a,b\n1,\0\n";
    dacc_csv *r = dacc_csv_open_mem("t.csv", nul, sizeof nul - 1, err, sizeof err);
    CHECK(r == NULL && strstr(err, "t.csv:2:3: expected UTF-8 text, got a NUL byte") != NULL);
    dacc_csv_close(r);
}

/* Invalid UTF-8 anywhere (a name, a header, a quoted field) is refused at its line and
 * byte, so no writer ever sees it; a header alone is refused as an empty input. */
static void test_utf8_and_header_only(void)
{
    expect_error("voter,project,amount\na,p\xff,1\n", "t.csv:2:4: expected UTF-8 text, got the byte 0xFF");
    expect_error("a,b\n\"x\ny\xc3\",1\n", "t.csv:3:2: expected UTF-8 text, got the byte 0xC3");
    expect_error("a\xc0\xaf,b\n1,2\n", "t.csv:1:2: expected UTF-8 text, got the byte 0xC0");   /* overlong '/' */
    expect_error("a,b\n\xed\xa0\x80,2\n", "t.csv:2:1: expected UTF-8 text, got the byte 0xED"); /* surrogate */
    expect_error("a,b\n\xf4\x90\x80\x80,2\n", "t.csv:2:1: expected UTF-8");                    /* > U+10FFFF */
    expect_error("a,b\n1,\xe2\x82", "t.csv:2:3: expected UTF-8 text");                           /* cut short */
    expect_error("voter,project,amount\n", "t.csv:2: expected at least one row after the header");
    expect_error("voter,project,amount", "t.csv:1: expected at least one row after the header");
    /* well-formed multi-byte text passes, bidi and all (escaping is the writers' job) */
    dacc_csv *r = open_s("a,b\n\xc3\xa9\xe2\x80\xae,\xf0\x9f\x98\x80\n");
    int n = 0;
    CHECK(r != NULL && strcmp(drain(r, &n), "") == 0 && n == 1);
    dacc_csv_close(r);
    /* a file is checked as it is read: a character split across read chunks is fine, and
     * a stream of NUL bytes fails at once instead of after DACC_CSV_MAX_FILE bytes */
    char path[] = "fund-test-utf8.csv";
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs("a,b\n", f);
        for (int i = 0; i < 40000; i++)
            fputs("\xc3\xa9,\xe2\x82\xac\n", f); /* 3 + 4 + ... bytes: chunks split characters */
        fclose(f);
        r = dacc_csv_open(path, err, sizeof err);
        CHECK(r != NULL && strcmp(drain(r, &n), "") == 0 && n == 40000);
        dacc_csv_close(r);
    }
    remove(path);
    r = dacc_csv_open("/dev/zero", err, sizeof err);
    CHECK(r == NULL && strstr(err, "/dev/zero:1:1: expected UTF-8 text, got a NUL byte") != NULL);
    /* a directory names the errno */
    r = dacc_csv_open(".", err, sizeof err);
    CHECK(r == NULL && strstr(err, ".: cannot read: Is a directory") != NULL);
}

/* The one escaping of untrusted names for people (softpause's text output and errors). */
static void test_utf8_escape(void)
{
    char out[64];
    const char in[] = "a\\b\x01\x7f\xc2\x85\xe2\x80\xae\xe2\x81\xa9\xff\xc3\xa9z";
    CHECK(strcmp(dacc_utf8_escape(out, sizeof out, in, sizeof in - 1),
                 "a\\\\b\\u0001\\u007f\\u0085\\u202e\\u2069\\xff\xc3\xa9z") == 0);
    /* cut on a character boundary, "..." marking it */
    CHECK(strcmp(dacc_utf8_escape(out, 8, "abc\xe2\x80\xae" "def", 9), "abc...") == 0);
    CHECK(strcmp(dacc_utf8_escape(out, 8, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8), "\xc3\xa9\xc3\xa9...") == 0);
    CHECK(strcmp(dacc_utf8_escape(out, 8, "abcdefg", 7), "abcdefg") == 0);
    /* the decoder: shortest forms only, no surrogates, nothing past U+10FFFF */
    uint32_t cp;
    CHECK(dacc_utf8_decode((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp) == 4 && cp == 0x10FFFF);
    CHECK(dacc_utf8_decode((const unsigned char *)"\xe0\x80\x80", 3, &cp) == 0);
    CHECK(dacc_utf8_decode((const unsigned char *)"\xed\xbf\xbf", 3, &cp) == 0);
    CHECK(dacc_utf8_incomplete((const unsigned char *)"\xf0\x9f", 2) == 2);
    CHECK(dacc_utf8_incomplete((const unsigned char *)"\xf0\x20", 2) == 0);
}

static void test_limits(void)
{
    size_t big = DACC_CSV_MAX_FIELD + 10;
    char *s = malloc(big + 16);
    memcpy(s, "a\n", 2);
    memset(s + 2, 'x', big);
    memcpy(s + 2 + big, "\n", 2);
    dacc_csv *r = open_s(s);
    int n;
    CHECK(r != NULL && strstr(drain(r, &n), "at most") != NULL);
    dacc_csv_close(r);
    /* exactly the maximum field is fine */
    memset(s + 2, 'x', DACC_CSV_MAX_FIELD);
    memcpy(s + 2 + DACC_CSV_MAX_FIELD, "\n", 2);
    r = open_s(s);
    CHECK(r != NULL && strcmp(drain(r, &n), "") == 0 && n == 1);
    dacc_csv_close(r);
    free(s);
    /* too many columns */
    size_t cols = DACC_CSV_MAX_COLUMNS + 1;
    char *h = malloc(cols * 2 + 2);
    for (size_t i = 0; i < cols; i++) {
        h[2 * i] = 'a';
        h[2 * i + 1] = ',';
    }
    h[cols * 2 - 1] = '\n';
    h[cols * 2] = '\0';
    r = open_s(h);
    CHECK(r == NULL && strstr(err, "at most") != NULL);
    free(h);
}

static void test_require_and_number_errors(void)
{
    dacc_csv *r = open_s("voter,project,amount\na,p,0.0x5\nb,p,\n");
    CHECK(r != NULL);
    if (r == NULL)
        return;
    CHECK(dacc_csv_require(r, "grant_id") == -1);
    CHECK(strstr(dacc_csv_error(r), "t.csv:1: expected a column named 'grant_id'") != NULL);
    CHECK(strstr(dacc_csv_error(r), "columns: voter, project, amount") != NULL);
    dacc_csv_close(r);
    r = open_s("voter,project,amount\na,p,0.0x5\nb,p,\n");
    double v = 7;
    CHECK(dacc_csv_next(r) == DACC_CSV_RECORD);
    CHECK(dacc_csv_number(r, 2, &v) == -1 && v == 0);
    CHECK(strstr(dacc_csv_error(r),
                 "t.csv:2:3: expected a decimal number in column 'amount', got \"0.0x5\"") != NULL);
    dacc_csv_close(r);
    r = open_s("voter,project,amount\nb,p,\n");
    CHECK(dacc_csv_next(r) == DACC_CSV_RECORD);
    CHECK(dacc_csv_number(r, 2, &v) == -1);
    CHECK(strstr(dacc_csv_error(r), "t.csv:2:3: expected a decimal number in column 'amount', got an empty field") != NULL);
    CHECK(dacc_csv_next(r) == DACC_CSV_ERROR); /* sticky */
    dacc_csv_close(r);
}

static void test_parse_decimal(void)
{
    const char *good[] = {"0", "1", "-2", "+3", "1.5", ".5", "5.", "1e3", "1E-3", "2.5e+2",
                          "0.000001", "123456789012345678901234567890"};
    const double want[] = {0, 1, -2, 3, 1.5, .5, 5, 1000, 0.001, 250, 0.000001, 1.2345678901234568e29};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        double v = -1;
        CHECK(dacc_parse_decimal(good[i], &v) == 0);
        CHECK(v == want[i]);
    }
    const char *bad[] = {"", " 1", "1 ", "0.0x5", "0x10", "nan", "inf", "-", ".", "e5", "1e",
                         "1e+", "1,5", "1..2", "--1", "١"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = -1;
        CHECK(dacc_parse_decimal(bad[i], &v) == -1);
        CHECK(v == 0);
    }
    /* decimals a double cannot hold: overflow, and underflow to 0 or to a subnormal */
    const char *range[] = {"1e999", "-1e309", "1e-400", "0.1e-323", "1e-310", "-2e-320"};
    for (size_t i = 0; i < sizeof range / sizeof range[0]; i++) {
        double v = -1;
        CHECK(dacc_parse_decimal(range[i], &v) == -2);
        CHECK(v == 0);
    }
    double v = -1;
    CHECK(dacc_parse_decimal("0e-400", &v) == 0 && v == 0);     /* zero is zero */
    CHECK(dacc_parse_decimal("0.000e999", &v) == 0 && v == 0);
    CHECK(dacc_parse_decimal("2.2250738585072014e-308", &v) == 0 && v > 0);
    CHECK(dacc_parse_decimal("1.7976931348623157e308", &v) == 0 && isfinite(v));
}

static void test_parse_units(void)
{
    uint64_t u;
    CHECK(dacc_parse_units("1", 6, &u) == 0 && u == 1000000);
    CHECK(dacc_parse_units("0.5", 6, &u) == 0 && u == 500000);
    CHECK(dacc_parse_units("12.345678", 6, &u) == 0 && u == 12345678);
    CHECK(dacc_parse_units("12.34567800", 6, &u) == 0 && u == 12345678);
    CHECK(dacc_parse_units(".25", 2, &u) == 0 && u == 25);
    CHECK(dacc_parse_units("7", 0, &u) == 0 && u == 7);
    CHECK(dacc_parse_units("18446744073709551615", 0, &u) == 0 && u == UINT64_MAX);
    CHECK(dacc_parse_units("18446744073709551616", 0, &u) == -1);
    CHECK(dacc_parse_units("18446744073709.551616", 6, &u) == -1);
    CHECK(dacc_parse_units("1.2345678", 6, &u) == -1 && u == 0);
    CHECK(dacc_parse_units("-1", 6, &u) == -1);
    CHECK(dacc_parse_units("1e6", 6, &u) == -1);
    CHECK(dacc_parse_units("", 6, &u) == -1);
    CHECK(dacc_parse_units(".", 6, &u) == -1);
    CHECK(dacc_parse_units("1", 19, &u) == -1);
}

static void test_open_file(void)
{
    char path[4300];
    dacc_csv *r = dacc_csv_open(fund_test_path(path, sizeof path, "tests/fund/data/gitcoin_vector.csv"),
                                err, sizeof err);
    CHECK(r != NULL);
    int n = 0;
    if (r != NULL)
        CHECK(strcmp(drain(r, &n), "") == 0 && n == 18);
    dacc_csv_close(r);
    r = dacc_csv_open("/nonexistent/x.csv", err, sizeof err);
    CHECK(r == NULL && strstr(err, "/nonexistent/x.csv: cannot open") != NULL);
}

static void test_json(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    dacc_json j;
    dacc_json_init(&j, f);
    dacc_json_object_begin(&j);
    dacc_json_key(&j, "name");
    dacc_json_string(&j, "a\"b\\c\n\x01");
    dacc_json_key(&j, "xs");
    dacc_json_array_begin(&j);
    dacc_json_number(&j, 0.1);
    dacc_json_number(&j, 1.0 / 0.0 > 0 ? NAN : 0);
    dacc_json_int(&j, -3);
    dacc_json_uint(&j, UINT64_MAX);
    dacc_json_bool(&j, 1);
    dacc_json_null(&j);
    dacc_json_array_end(&j);
    dacc_json_object_end(&j);
    /* still valid JSON, but a non-finite number is an error the caller must report
     * (issue 8 item 11, review: no output carries one silently) */
    CHECK(dacc_json_end(&j) == -1 && j.nonfinite == 1);
    fclose(f);
    CHECK(strcmp(buf, "{\"name\":\"a\\\"b\\\\c\\n\\u0001\",\"xs\":[0.10000000000000001,null,-3,"
                      "18446744073709551615,true,null]}\n") == 0);
    double back = strtod("0.10000000000000001", NULL);
    CHECK(back == 0.1);
    free(buf);
    /* bytes that are not UTF-8 become U+FFFD, DEL is escaped, good UTF-8 passes */
    f = open_memstream(&buf, &len);
    dacc_json_init(&j, f);
    dacc_json_string(&j, "p\xff\xfe\x7f\xc3\xa9\xe2\x80\xae\xe2\x80");
    CHECK(dacc_json_end(&j) == 0);
    fclose(f);
    CHECK(strcmp(buf, "\"p\\ufffd\\ufffd\\u007f\xc3\xa9\\u202e\\ufffd\\ufffd\"\n") == 0);
    free(buf);
    /* misuse: a value where a key is due, an unclosed object */
    f = open_memstream(&buf, &len);
    dacc_json_init(&j, f);
    dacc_json_object_begin(&j);
    dacc_json_number(&j, 1);
    CHECK(dacc_json_end(&j) == -1);
    fclose(f);
    free(buf);
}

static void test_strmap(void)
{
    dacc_strmap m;
    dacc_strmap_init(&m);
    CHECK(dacc_strmap_find(&m, "x") == -1);
    char k[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        int is_new = 0;
        CHECK(dacc_strmap_intern(&m, k, &is_new) == (uint32_t)i && is_new);
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        int is_new = 1;
        CHECK(dacc_strmap_intern(&m, k, &is_new) == (uint32_t)i && !is_new);
        CHECK(dacc_strmap_find(&m, k) == i);
    }
    CHECK(dacc_strmap_size(&m) == 5000);
    CHECK(strcmp(dacc_strmap_key(&m, 42), "key42") == 0);
    CHECK(dacc_strmap_find(&m, "key5000") == -1);
    dacc_strmap_free(&m);
}

/* The file's first cap - 1 bytes into buf (NUL-terminated), then remove it. */
static size_t slurp_and_remove(const char *path, char *buf, size_t cap)
{
    memset(buf, 0, cap);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    if (f)
        fclose(f);
    remove(path);
    return n;
}

static void test_svg_and_put(void)
{
    char path[] = "fund-test.svg";
    const char *labels[] = {"a<b>&\"c\"", "zero", "big"};
    const double values[] = {1, 0, 3};
    char e[512];
    CHECK(dacc_svg_bars(path, "t & t", labels, values, 3, e, sizeof e) == 0);
    char buf[4096];
    size_t n = slurp_and_remove(path, buf, sizeof buf);
    CHECK(n > 0);
    CHECK(strstr(buf, "a&lt;b&gt;&amp;&quot;c&quot;") != NULL);
    CHECK(strstr(buf, "t &amp; t") != NULL);
    CHECK(strstr(buf, ">big<") < strstr(buf, ">a&lt;")); /* descending order */
    CHECK(dacc_svg_bars("/nonexistent/x.svg", "t", labels, values, 3, e, sizeof e) == -1);
    CHECK(strstr(e, "/nonexistent/x.svg: cannot write: No such file or directory") != NULL);
    /* what XML 1.0 cannot hold, or should not show, becomes U+FFFD; a label is cut on a
     * character boundary */
    char longl[DACC_SVG_MAX_LABEL + 8];
    memset(longl, 'x', DACC_SVG_MAX_LABEL - 1);
    memcpy(longl + DACC_SVG_MAX_LABEL - 1, "\xc3\xa9z", 4);
    const char *bad[] = {"q'\x01\xff\xe2\x80\xae\xef\xbf\xbe", longl};
    CHECK(dacc_svg_bars(path, "t", bad, values, 2, e, sizeof e) == 0);
    n = slurp_and_remove(path, buf, sizeof buf);
    CHECK(strstr(buf, ">q&apos;&#xFFFD;&#xFFFD;&#xFFFD;&#xFFFD;<") != NULL);
    CHECK(strstr(buf, "xxx...<") != NULL && strstr(buf, "\xc3") == NULL);
    /* issue 13: several series, a legend, an axis name and a value axis at round numbers */
    const double s1[] = {1, 0, 3}, s2[] = {2, 7, 0};
    const double *const series[] = {s1, s2};
    const char *const names[] = {"qf", "pairwise"};
    dacc_svg_chart_spec spec = {"two", "USD", labels, 3, 2, names, series};
    CHECK(dacc_svg_chart(path, &spec, e, sizeof e) == 0);
    n = slurp_and_remove(path, buf, sizeof buf);
    CHECK(strstr(buf, ">pairwise</text>") != NULL && strstr(buf, ">USD</text>") != NULL);
    CHECK(strstr(buf, "<g class=\"axis\"") != NULL && strstr(buf, ">8</text>") != NULL);
    CHECK(strstr(buf, ">big<") < strstr(buf, ">a&lt;")); /* ordered by the first series */
    spec.nseries = DACC_SVG_MAX_SERIES + 1;
    CHECK(dacc_svg_chart(path, &spec, e, sizeof e) == -1 && strstr(e, "1 to 8 series") != NULL);
    /* CSV writing quotes only when needed and round-trips through the reader */
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    fputs("a,b\n", m);
    dacc_csv_put(m, "x,\"y\"\nz");
    fputc(',', m);
    dacc_csv_put(m, "plain");
    fputc('\n', m);
    dacc_csv_put_number(m, 0.1);
    fputc(',', m);
    dacc_csv_put_number(m, -0.0);
    fputc('\n', m);
    dacc_csv_put(m, "sub\xff.csv"); /* a file name that is not UTF-8 (review, item 11) */
    fputs(",1\n", m);

    fclose(m);
    dacc_csv *r = open_s(out);
    CHECK(r != NULL);
    if (r != NULL) {
        CHECK(dacc_csv_next(r) == DACC_CSV_RECORD);
        CHECK(strcmp(dacc_csv_field(r, 0), "x,\"y\"\nz") == 0);
        CHECK(strcmp(dacc_csv_field(r, 1), "plain") == 0);
        double v;
        CHECK(dacc_csv_next(r) == DACC_CSV_RECORD);
        CHECK(dacc_csv_number(r, 0, &v) == 0 && v == 0.1);
        CHECK(strcmp(dacc_csv_field(r, 1), "0") == 0);
        CHECK(dacc_csv_next(r) == DACC_CSV_RECORD);
        CHECK(strcmp(dacc_csv_field(r, 0), "sub\xef\xbf\xbd.csv") == 0);
        dacc_csv_close(r);
    }
    free(out);
}

/* Mutated inputs: the reader never crashes (ASan/UBSan builds check memory), every record
 * it returns has the header's field count, and every error names t.csv and a line. */
static void test_mutations(void)
{
    uint64_t s = fund_test_seed("csv mutations");
    const char *base = "voter,project,amount\r\n\"a,b\",p,1.5\n\"x\"\"y\",q,2e3\nz,\"multi\nline\",.5\n";
    size_t blen = strlen(base);
    const char alphabet[] = {',', '"', '\r', '\n', 'a', '0', '.', 'e', '-', '\0', '\xEF', ' '};
    char buf[256];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = blen;
        memcpy(buf, base, n);
        int edits = 1 + (int)(ft_rand(&s) % 4);
        for (int e = 0; e < edits; e++) {
            size_t at = ft_rand(&s) % (n + 1);
            int op = (int)(ft_rand(&s) % 3);
            char c = alphabet[ft_rand(&s) % sizeof alphabet];
            if (op == 0 && n < sizeof buf - 1) { /* insert */
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = c;
                n++;
            } else if (op == 1 && at < n) { /* delete */
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
            } else if (at < n) { /* replace */
                buf[at] = c;
            }
        }
        dacc_csv *r = dacc_csv_open_mem("t.csv", buf, n, err, sizeof err);
        if (r == NULL) {
            CHECK(strncmp(err, "t.csv:", 6) == 0);
            continue;
        }
        int rc;
        while ((rc = dacc_csv_next(r)) == DACC_CSV_RECORD) {
            for (size_t c2 = 0; c2 < dacc_csv_columns(r); c2++) {
                const char *f = dacc_csv_field(r, c2);
                CHECK(f != NULL && strlen(f) == dacc_csv_field_len(r, c2));
                double v;
                if (dacc_csv_number(r, c2, &v) == 0)
                    CHECK(isfinite(v));
            }
            if (dacc_csv_error(r)[0] != '\0')
                break; /* a number error is sticky; stop like a caller would */
        }
        if (rc == DACC_CSV_ERROR)
            CHECK(strncmp(dacc_csv_error(r), "t.csv:", 6) == 0);
        dacc_csv_close(r);
        if (ft_current_failed) {
            printf("  at iteration %d\n", iter);
            break;
        }
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    fund_test_init(argv[0]);
    RUN_TEST(test_basic_lf_crlf_bom);
    RUN_TEST(test_quoted);
    RUN_TEST(test_rejects);
    RUN_TEST(test_utf8_and_header_only);
    RUN_TEST(test_utf8_escape);
    RUN_TEST(test_limits);
    RUN_TEST(test_require_and_number_errors);
    RUN_TEST(test_parse_decimal);
    RUN_TEST(test_parse_units);
    RUN_TEST(test_open_file);
    RUN_TEST(test_json);
    RUN_TEST(test_strmap);
    RUN_TEST(test_svg_and_put);
    RUN_TEST(test_mutations);
    return fund_test_finish("csv");
}
