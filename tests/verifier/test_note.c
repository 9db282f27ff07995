/*
 * test_note.c -- C2SP signed notes (softpause/note.h).
 *
 * Conformance: tests/vectors/note/open.txt + *.note, the data of Go's TestOpen and
 * ExampleOpen (golang.org/x/mod/sumdb/note, golang.org/x/mod v0.7.0, Debian package
 * golang-golang-x-mod-dev), with Go's outcome and ours side by side.  Notes signed by
 * tests/support/fixture.c (libsodium directly) are a second, independent source.
 * Robustness: every prefix of a valid note, and single-byte substitutions at every offset.
 */
#include <sodium.h>

#include "harness.h"
#include "softpause/encoding.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/note.h"
#include "support/fixture.h"
#include "support/vectors.h"

static const sp_crypto *crypto;

/* ---- helpers ----------------------------------------------------------------------- */

static void vkey_of(sp_vkey *k, const fx_key *fk)
{
    sp_err e = sp_vkey_parse(k, fk->vkey, strlen(fk->vkey), crypto);
    if (e != SP_OK) {
        printf("fixture key does not parse: %s\n", sp_err_name(e));
        exit(1);
    }
}

/* Parse then open; the combined result, as a device would see it. */
static sp_err parse_open(const void *bytes, size_t len, const sp_vkey *keys, size_t nkeys,
                         sp_note *note, sp_note_open_result *res)
{
    sp_err e = sp_note_parse(note, bytes, len, NULL);
    if (e != SP_OK) {
        memset(res, 0, sizeof *res);
        return e;
    }
    return sp_note_open(note, keys, nkeys, crypto, res);
}

static fx_key ka, kb, kc;
static sp_vkey va, vb, vc;

/* ---- Go vectors -------------------------------------------------------------------- */

static int load_vkey(const char *label, sp_vkey *out)
{
    char line[512], key[64], val[256];
    FILE *f = vec_open("tests/vectors/note/keys.txt");
    int found = 0;
    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        char want[80];
        snprintf(want, sizeof want, "%s.vkey", label);
        if (line[0] != '#' && sscanf(line, "%63s %255s", key, val) == 2 &&
            strcmp(key, want) == 0)
            found = sp_vkey_parse(out, val, strlen(val), crypto) == SP_OK;
    }
    fclose(f);
    return found;
}

static void test_go_open_vectors(void)
{
    char line[512];
    FILE *m = vec_open("tests/vectors/note/open.txt");
    int rows = 0;
    static uint8_t buf[SP_MAX_NOTE_BYTES * 2];
    CHECK(m != NULL);
    if (m == NULL)
        return;
    while (fgets(line, sizeof line, m) != NULL) {
        char file[128], keyl[128], want_c[64], want_go[32], names[256], path[256];
        sp_vkey keys[8];
        size_t nkeys = 0, len;
        sp_note note;
        sp_note_open_result res;
        sp_err e;
        char got_names[256] = "";
        if (line[0] == '#' || sscanf(line, "%127s %127s %63s %31s %255s", file, keyl, want_c,
                                     want_go, names) != 5)
            continue;
        rows++;
        if (strcmp(keyl, "-") != 0) {
            for (char *tok = strtok(keyl, ","); tok != NULL && nkeys < 8; tok = strtok(NULL, ","))
                CHECK(load_vkey(tok, &keys[nkeys++]));
        }
        snprintf(path, sizeof path, "tests/vectors/note/%s", file);
        len = vec_read(path, buf, sizeof buf);
        CHECK(len != (size_t)-1);
        if (len == (size_t)-1)
            continue;
        e = parse_open(buf, len, keys, nkeys, &note, &res);
        harness_saw(e);
        if (strcmp(sp_err_name(e), want_c) != 0) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s with keys %s: got %s, want %s", file, keyl,
                     sp_err_name(e), want_c);
            harness_fail(__FILE__, __LINE__, msg);
        }
        /* Go accepts exactly when we do, for every Go vector. */
        CHECK((e == SP_OK) == (strcmp(want_go, "ok") == 0));
        if (e == SP_OK) {
            for (uint32_t i = 0; i < note.sig_count; i++) {
                if (res.line_status[i] != SP_LINE_VERIFIED)
                    continue;
                if (got_names[0])
                    strcat(got_names, ",");
                strncat(got_names, (const char *)buf + note.sigs[i].name_offset,
                        note.sigs[i].name_len);
            }
        } else {
            strcpy(got_names, "-");
        }
        CHECK(strcmp(got_names, names) == 0);
    }
    fclose(m);
    CHECK(rows == 17);
}

static void test_go_example_open(void)
{
    /* example_test.go ExampleOpen: prints "PeterNeumann (c74f20a3):" and the text. */
    static uint8_t buf[1024];
    sp_vkey peter;
    sp_note note;
    sp_note_open_result res;
    size_t len = vec_read("tests/vectors/note/peter.note", buf, sizeof buf);
    CHECK(load_vkey("peter", &peter));
    CHECK_OK(parse_open(buf, len, &peter, 1, &note, &res));
    CHECK(note.sig_count == 1 && note.sigs[0].key_id == 0xc74f20a3u);
    CHECK(note.text_len == 99 && memcmp(buf, "If you think", 12) == 0);
    CHECK(buf[note.text_len - 1] == '\n' && buf[note.text_len] == '\n');
    CHECK(res.verified_count == 1 && res.verified_keys == 1);
    CHECK(res.line_status[0] == SP_LINE_VERIFIED);
}

/* ---- parse: structure ------------------------------------------------------------------ */

static void test_parse_structure(void)
{
    static char buf[4096];
    const fx_key *signers[2] = {&ka, &kb};
    sp_note note;
    uint32_t line;
    size_t len = fx_note(buf, sizeof buf, "line one\nline two\n", signers, 2);
    CHECK_OK(sp_note_parse(&note, (const uint8_t *)buf, len, &line));
    CHECK(line == 0);
    CHECK(note.bytes == (const uint8_t *)buf && note.len == len);
    CHECK(note.text_len == 18 && note.sig_count == 2);
    CHECK(note.sigs[0].line_offset == 19);
    CHECK(memcmp(buf + note.sigs[0].line_offset, "\xE2\x80\x94 ", 4) == 0);
    CHECK(note.sigs[0].name_len == strlen(ka.name));
    CHECK(memcmp(buf + note.sigs[0].name_offset, ka.name, note.sigs[0].name_len) == 0);
    CHECK(note.sigs[0].key_id == ka.id && note.sigs[1].key_id == kb.id);
    CHECK(note.sigs[0].payload_len == 68 && note.sigs[0].b64_len == 92);
    CHECK(note.sigs[1].line_offset == note.sigs[0].line_offset + note.sigs[0].line_len + 1);
    CHECK(buf[note.sigs[1].line_offset + note.sigs[1].line_len] == '\n');
}

/* Go splits at the LAST "\n\n": a text may itself contain blank lines (Go accepts). */
static void test_parse_split_at_last_blank_line(void)
{
    static char buf[4096];
    const fx_key *signers[1] = {&ka};
    sp_note note;
    sp_note_open_result res;
    size_t len = fx_note(buf, sizeof buf, "a\n\nb\n", signers, 1);
    CHECK_OK(parse_open(buf, len, &va, 1, &note, &res));
    CHECK(note.text_len == 5);
    /* The smallest text Go accepts is a single empty line. */
    len = fx_note(buf, sizeof buf, "\n", signers, 1);
    CHECK_OK(parse_open(buf, len, &va, 1, &note, &res));
    CHECK(note.text_len == 1);
    /* A text ending in a blank line: the last "\n\n" is the one before the signatures. */
    len = fx_note(buf, sizeof buf, "a\n\n", signers, 1);
    CHECK_OK(parse_open(buf, len, &va, 1, &note, &res));
    CHECK(note.text_len == 3);
}

/* ---- parse: every error code, with its line --------------------------------------- */

struct bad_note {
    const char *bytes;
    size_t len; /* 0: strlen */
    sp_err want;
    uint32_t line;
};

#define SIG "\xE2\x80\x94 a AAAAAAAAAAAAAAAAAAAA\n"

static void test_parse_errors(void)
{
    static const struct bad_note cases[] = {
        {"", 0, SP_ERR_NOTE_NO_FINAL_NEWLINE, 1},
        {"text", 0, SP_ERR_NOTE_NO_FINAL_NEWLINE, 1},
        {"text\n\n" SIG "\xE2\x80\x94 a AAAA", 0, SP_ERR_NOTE_NO_FINAL_NEWLINE, 4},
        {"text\n", 0, SP_ERR_NOTE_NO_SIGNATURES, 0},
        {"\n", 0, SP_ERR_NOTE_NO_SIGNATURES, 0},
        {"text\n\n", 0, SP_ERR_NOTE_NO_SIGNATURES, 0},
        {"text\n" SIG, 0, SP_ERR_NOTE_NO_SIGNATURES, 0},
        {"text\n\n" SIG "\n", 0, SP_ERR_NOTE_NO_SIGNATURES, 0},
        {"te\rxt\n\n" SIG, 0, SP_ERR_NOTE_CARRIAGE_RETURN, 1},
        {"text\r\n\r\n" SIG, 0, SP_ERR_NOTE_CARRIAGE_RETURN, 1},
        {"text\n\n" SIG "\xE2\x80\x94 a AAAAAAAAAAAAAAAAAAAA\r\n", 0, SP_ERR_NOTE_CARRIAGE_RETURN, 4},
        {"te\txt\n\n" SIG, 0, SP_ERR_NOTE_CONTROL_CHAR, 1},
        {"text\n\x01\n" SIG, 0, SP_ERR_NOTE_CONTROL_CHAR, 2},
        {"te\0xt\n\n" SIG, 7 + sizeof SIG - 1, SP_ERR_NOTE_CONTROL_CHAR, 1},
        {"text\n\n\xE2\x80\x94\x0b" "a AAAAAAAAAAAAAAAAAAAA\n", 0, SP_ERR_NOTE_CONTROL_CHAR, 3},
        {"\xff" "text\n\n" SIG, 0, SP_ERR_NOTE_UTF8, 1},
        {"t\xC0\x80\n\n" SIG, 0, SP_ERR_NOTE_UTF8, 1},     /* overlong NUL */
        {"t\xED\xA0\x80\n\n" SIG, 0, SP_ERR_NOTE_UTF8, 1}, /* surrogate */
        {"t\xE2\x80\n\n" SIG, 0, SP_ERR_NOTE_UTF8, 1},     /* truncated em dash */
        {"t\n\n\xE2\x80 a AAAAAAAAAAAAAAAAAAAA\n", 0, SP_ERR_NOTE_UTF8, 3},
        {"t\n\n- a AAAAAAAAAAAAAAAAAAAA\n", 0, SP_ERR_NOTE_ASCII_DASH, 3},
        {"t\n\n" SIG "- a AAAAAAAAAAAAAAAAAAAA\n", 0, SP_ERR_NOTE_ASCII_DASH, 4},
        {"t\n\n-- a AAAAAAAAAAAAAAAAAAAA\n", 0, SP_ERR_NOTE_SIG_LINE, 3},
        {"t\n\nUnexpected line.\n", 0, SP_ERR_NOTE_SIG_LINE, 3},
        {"t\n\n\xE2\x80\x94" "a AAAAAAAAAAAAAAAAAAAA\n", 0, SP_ERR_NOTE_SIG_LINE, 3},  /* no space */
        {"t\n\n\xE2\x80\x94 aAAAAAAAAAAAAAAAAAAAA\n", 0, SP_ERR_NOTE_SIG_LINE, 3},    /* no b64 */
        {"t\n\n\xE2\x80\x94 a \n", 0, SP_ERR_NOTE_SIG_LINE, 3},                       /* empty b64 */
        {"t\n\n\xE2\x80\x94  AAAAAAAAAAAAAAAAAAAA\n", 0, SP_ERR_NOTE_SIG_LINE, 3},    /* no name */
        {"t\n\n\xE2\x80\x94 a+b AAAAAAAAAAAAAAAAAAAA\n", 0, SP_ERR_NOTE_SIG_LINE, 3}, /* '+' */
        {"t\n\n\xE2\x80\x94 a\xC2\xA0" "b AAAAAAAAAAAAAAAAAAAA\n", 0, SP_ERR_NOTE_SIG_LINE, 3},
        {"t\n\n\xE2\x80\x94 a AAAAAA==\n", 0, SP_ERR_NOTE_SIG_LINE, 3},               /* 4 bytes */
        {"t\n\n\xE2\x80\x94 a AAAA\n", 0, SP_ERR_NOTE_SIG_LINE, 3},                   /* 3 bytes */
        {"t\n\n\xE2\x80\x94 a AAAAAAAAAAAAAAAAAAAA AAAA\n", 0, SP_ERR_BASE64, 3},    /* 2nd space */
        {"t\n\n\xE2\x80\x94 a AAAAAAAAAAAAAAAAAAA\n", 0, SP_ERR_BASE64, 3},           /* length */
        {"t\n\n\xE2\x80\x94 a AAAAAAAAAAAAAAAAAAB=\n", 0, SP_ERR_BASE64, 3},          /* pad bits */
        {"t\n\n\xE2\x80\x94 a AAAAAAAAAAAAAAAAAB==\n", 0, SP_ERR_BASE64, 3},          /* pad bits */
        {"t\n\n\xE2\x80\x94 a AAAAAAAAAAAAAAAAAAAA\xE2\x80\x83\n", 0, SP_ERR_BASE64, 3},
        {"t\n\n" SIG "\xE2\x80\x94 a AAAAAAAA_AAAAAAAAAAA\n", 0, SP_ERR_BASE64, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sp_note note;
        uint32_t line = 99;
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].bytes);
        memset(&note, 0xAA, sizeof note);
        sp_err e = sp_note_parse(&note, (const uint8_t *)cases[i].bytes, len, &line);
        harness_saw(e);
        if (e != cases[i].want || line != cases[i].line) {
            char msg[200];
            snprintf(msg, sizeof msg, "case %zu: got %s line %u, want %s line %u", i,
                     sp_err_name(e), line, sp_err_name(cases[i].want), cases[i].line);
            harness_fail(__FILE__, __LINE__, msg);
        }
        CHECK(harness_all_zero(&note, sizeof note));
    }
    CHECK_ERR(sp_note_parse(NULL, (const uint8_t *)"t\n\n" SIG, 3 + sizeof SIG - 1, NULL),
              SP_ERR_ARGUMENT);
    {
        sp_note note;
        CHECK_ERR(sp_note_parse(&note, NULL, 5, NULL), SP_ERR_ARGUMENT);
        CHECK_ERR(sp_note_parse(&note, NULL, 0, NULL), SP_ERR_NOTE_NO_FINAL_NEWLINE);
    }
}

/* ---- limits (our deliberate divergences D1-D3, D7, D8) ----------------------------------- */

static void test_limits(void)
{
    static char buf[SP_MAX_NOTE_BYTES + 4096];
    static char text[SP_MAX_NOTE_BYTES + 4096];
    const fx_key *one[1] = {&ka};
    sp_note note;
    sp_note_open_result res;
    uint32_t line;
    size_t len, pos, sl;

    /* D2: a text line of exactly SP_MAX_LINE_BYTES is fine, one more byte is not. */
    memset(text, 'x', SP_MAX_LINE_BYTES);
    strcpy(text + SP_MAX_LINE_BYTES, "\n");
    len = fx_note(buf, sizeof buf, text, one, 1);
    CHECK_OK(parse_open(buf, len, &va, 1, &note, &res));
    memset(text, 'x', SP_MAX_LINE_BYTES + 1);
    strcpy(text + SP_MAX_LINE_BYTES + 1, "\n");
    len = fx_note(buf, sizeof buf, text, one, 1);
    CHECK_ERR(sp_note_parse(&note, (const uint8_t *)buf, len, &line), SP_ERR_NOTE_LINE_TOO_LONG);
    CHECK(line == 1);
    /* ... measured in bytes: a 3-byte character that ends past the limit. */
    memset(text, 'x', SP_MAX_LINE_BYTES - 2);
    strcpy(text + SP_MAX_LINE_BYTES - 2, "\xE2\x80\x94\n");
    len = fx_note(buf, sizeof buf, text, one, 1);
    CHECK_ERR(sp_note_parse(&note, (const uint8_t *)buf, len, &line), SP_ERR_NOTE_LINE_TOO_LONG);
    memset(text, 'x', SP_MAX_LINE_BYTES - 3);
    strcpy(text + SP_MAX_LINE_BYTES - 3, "\xE2\x80\x94\n");
    len = fx_note(buf, sizeof buf, text, one, 1);
    CHECK_OK(sp_note_parse(&note, (const uint8_t *)buf, len, &line));
    /* ... and without a final newline. */
    memset(buf, 'x', SP_MAX_LINE_BYTES + 1);
    CHECK_ERR(sp_note_parse(&note, (const uint8_t *)buf, SP_MAX_LINE_BYTES + 1, &line),
              SP_ERR_NOTE_LINE_TOO_LONG);

    /* D1: a note of exactly SP_MAX_NOTE_BYTES parses; one byte more does not. */
    len = fx_note(buf, sizeof buf, "x\n", one, 1);
    sl = len - 3; /* the signature line */
    pos = 0;
    while (pos + 100 + 3 + sl < SP_MAX_NOTE_BYTES) {
        memset(text + pos, 'y', 99);
        text[pos + 99] = '\n';
        pos += 100;
    }
    {
        size_t fill = SP_MAX_NOTE_BYTES - 1 - sl - pos - 1; /* last text line, without '\n' */
        memset(text + pos, 'z', fill);
        text[pos + fill] = '\n';
        text[pos + fill + 1] = '\0';
    }
    len = fx_note(buf, sizeof buf, text, one, 1);
    CHECK(len == SP_MAX_NOTE_BYTES);
    CHECK_OK(parse_open(buf, len, &va, 1, &note, &res));
    CHECK_ERR(sp_note_parse(&note, (const uint8_t *)buf, len + 1, &line), SP_ERR_NOTE_TOO_LARGE);
    CHECK(line == 0);

    /* D3: SP_MAX_SIG_LINES lines are fine, one more is refused (Go allows 100). */
    {
        char sigline[256];
        size_t n = fx_sign_line(&ka, "t\n", 2, sigline, sizeof sigline);
        memcpy(buf, "t\n\n", 3);
        pos = 3;
        for (unsigned i = 0; i < SP_MAX_SIG_LINES; i++) {
            memcpy(buf + pos, sigline, n);
            pos += n;
        }
        CHECK_OK(parse_open(buf, pos, &va, 1, &note, &res));
        CHECK(note.sig_count == SP_MAX_SIG_LINES && res.verified_count == 1);
        CHECK(res.line_status[0] == SP_LINE_VERIFIED);
        CHECK(res.line_status[SP_MAX_SIG_LINES - 1] == SP_LINE_DUPLICATE);
        memcpy(buf + pos, sigline, n);
        CHECK_ERR(sp_note_parse(&note, (const uint8_t *)buf, pos + n, &line),
                  SP_ERR_NOTE_TOO_MANY_SIGS);
        CHECK(line == 3 + SP_MAX_SIG_LINES);
    }

    /* D7: signature-line names up to SP_MAX_NAME_BYTES. */
    {
        char name[SP_MAX_NAME_BYTES + 2];
        memset(name, 'n', sizeof name);
        name[SP_MAX_NAME_BYTES] = '\0';
        snprintf(buf, sizeof buf, "t\n\n\xE2\x80\x94 %s AAAAAAAAAAAAAAAAAAAA\n", name);
        CHECK_OK(sp_note_parse(&note, (const uint8_t *)buf, strlen(buf), &line));
        name[SP_MAX_NAME_BYTES] = 'n';
        name[SP_MAX_NAME_BYTES + 1] = '\0';
        snprintf(buf, sizeof buf, "t\n\n\xE2\x80\x94 %s AAAAAAAAAAAAAAAAAAAA\n", name);
        CHECK_ERR(sp_note_parse(&note, (const uint8_t *)buf, strlen(buf), &line),
                  SP_ERR_NOTE_SIG_LINE);
    }

    /* D8: payload up to SP_MAX_SIG_BYTES. */
    {
        char b64[SP_BASE64_ENCODED_LEN(SP_MAX_SIG_BYTES + 3) + 1];
        uint8_t zeros[SP_MAX_SIG_BYTES + 3];
        memset(zeros, 0, sizeof zeros);
        sodium_bin2base64(b64, sizeof b64, zeros, SP_MAX_SIG_BYTES, sodium_base64_VARIANT_ORIGINAL);
        snprintf(buf, sizeof buf, "t\n\n\xE2\x80\x94 n %s\n", b64);
        CHECK_OK(sp_note_parse(&note, (const uint8_t *)buf, strlen(buf), &line));
        CHECK(note.sigs[0].payload_len == SP_MAX_SIG_BYTES);
        sodium_bin2base64(b64, sizeof b64, zeros, SP_MAX_SIG_BYTES + 1,
                          sodium_base64_VARIANT_ORIGINAL);
        snprintf(buf, sizeof buf, "t\n\n\xE2\x80\x94 n %s\n", b64);
        CHECK_ERR(sp_note_parse(&note, (const uint8_t *)buf, strlen(buf), &line),
                  SP_ERR_NOTE_SIG_LINE);
    }
}

/* ---- open: Go's semantics ------------------------------------------------------------- */

static void test_open_multi_signer(void)
{
    static char buf[4096];
    const fx_key *signers[3] = {&ka, &kb, &kc};
    sp_vkey keys[3] = {vc, va, vb};
    sp_note note;
    sp_note_open_result res;
    size_t len = fx_note(buf, sizeof buf, "epoch 7\n", signers, 3);
    CHECK_OK(parse_open(buf, len, keys, 3, &note, &res));
    CHECK(res.verified_count == 3 && res.verified_keys == 7);
    /* Only the keys we know count; others are ignored. */
    CHECK_OK(parse_open(buf, len, &vb, 1, &note, &res));
    CHECK(res.verified_count == 1 && res.verified_keys == 1);
    CHECK(res.line_status[0] == SP_LINE_UNKNOWN && res.line_status[1] == SP_LINE_VERIFIED &&
          res.line_status[2] == SP_LINE_UNKNOWN);
    /* No known key at all. */
    CHECK_ERR(parse_open(buf, len, NULL, 0, &note, &res), SP_ERR_NOTE_UNVERIFIED);
    CHECK(harness_all_zero(&res, sizeof res));
}

static void test_open_duplicates_and_bad_signatures(void)
{
    static char buf[4096];
    char good[256], bad[256], other_text[256];
    const char *text = "text\n";
    size_t gl = fx_sign_line(&ka, text, 5, good, sizeof good);
    size_t ol = fx_sign_line(&ka, "other\n", 6, other_text, sizeof other_text);
    sp_note note;
    sp_note_open_result res;
    size_t len;
    (void)ol;
    memcpy(bad, good, gl + 1);
    bad[gl - 10] = bad[gl - 10] == 'A' ? 'B' : 'A'; /* one signature symbol changed */

    /* Good first, garbage repeat: Go verifies the first and skips the rest. */
    len = (size_t)snprintf(buf, sizeof buf, "%s\n%s%s", text, good, bad);
    CHECK_OK(parse_open(buf, len, &va, 1, &note, &res));
    CHECK(res.line_status[0] == SP_LINE_VERIFIED && res.line_status[1] == SP_LINE_DUPLICATE);
    /* Bad first: the whole note fails, even though a good line follows. */
    len = (size_t)snprintf(buf, sizeof buf, "%s\n%s%s", text, bad, good);
    CHECK_ERR(parse_open(buf, len, &va, 1, &note, &res), SP_ERR_NOTE_BAD_SIGNATURE);
    CHECK(harness_all_zero(&res, sizeof res));
    /* A signature of another text. */
    len = (size_t)snprintf(buf, sizeof buf, "%s\n%s", text, other_text);
    CHECK_ERR(parse_open(buf, len, &va, 1, &note, &res), SP_ERR_NOTE_BAD_SIGNATURE);
    /* A bad line from an unknown key is ignored. */
    len = (size_t)snprintf(buf, sizeof buf, "%s\n%s%s", text, bad, good);
    CHECK_ERR(parse_open(buf, len, &vb, 1, &note, &res), SP_ERR_NOTE_UNVERIFIED);
    /* Known name+ID with a payload that is not 68 bytes: invalid (Go's ed25519.Verify). */
    {
        char line[512];
        uint8_t payload[72];
        char b64[128];
        memset(payload, 0, sizeof payload);
        payload[0] = (uint8_t)(ka.id >> 24);
        payload[1] = (uint8_t)(ka.id >> 16);
        payload[2] = (uint8_t)(ka.id >> 8);
        payload[3] = (uint8_t)ka.id;
        sodium_bin2base64(b64, sizeof b64, payload, sizeof payload, sodium_base64_VARIANT_ORIGINAL);
        snprintf(line, sizeof line, "\xE2\x80\x94 %s %s\n", ka.name, b64);
        len = (size_t)snprintf(buf, sizeof buf, "%s\n%s%s", text, line, good);
        CHECK_ERR(parse_open(buf, len, &va, 1, &note, &res), SP_ERR_NOTE_BAD_SIGNATURE);
        /* 5-byte payload: the shortest line Go parses. */
        sodium_bin2base64(b64, sizeof b64, payload, 5, sodium_base64_VARIANT_ORIGINAL);
        snprintf(line, sizeof line, "\xE2\x80\x94 %s %s\n", ka.name, b64);
        len = (size_t)snprintf(buf, sizeof buf, "%s\n%s", text, line);
        CHECK_ERR(parse_open(buf, len, &va, 1, &note, &res), SP_ERR_NOTE_BAD_SIGNATURE);
        /* The same line from an unknown key (e.g. a cosignature/v1 line) is ignored. */
        len = (size_t)snprintf(buf, sizeof buf, "%s\n%s%s", text, line, good);
        CHECK_ERR(parse_open(buf, len, &vb, 1, &note, &res), SP_ERR_NOTE_UNVERIFIED);
    }
    /* The same key under another name (with that name's key ID): unknown, ignored. */
    {
        char line[256];
        uint32_t id = fx_key_id("alias", ka.pk);
        fx_sign_line_as(&ka, "alias", id, text, 5, line, sizeof line);
        len = (size_t)snprintf(buf, sizeof buf, "%s\n%s%s", text, line, good);
        CHECK_OK(parse_open(buf, len, &va, 1, &note, &res));
        CHECK(res.verified_count == 1 && res.line_status[0] == SP_LINE_UNKNOWN);
    }
}

static void test_open_ambiguous(void)
{
    static char buf[4096];
    const fx_key *signers[2] = {&ka, &kb};
    sp_vkey keys[3] = {va, vb, va};
    sp_vkey twin = vb; /* same name and ID as vb, another public key: an ID collision */
    sp_note note;
    sp_note_open_result res;
    size_t len = fx_note(buf, sizeof buf, "t\n", signers, 2);
    CHECK_ERR(parse_open(buf, len, keys, 3, &note, &res), SP_ERR_NOTE_AMBIGUOUS_KEY);
    /* Go reports ambiguity only for a line that names the pair (TestOpen: "unused
     * duplicated verifier"). */
    keys[0] = vb;
    keys[1] = va;
    keys[2] = vb;
    len = fx_note(buf, sizeof buf, "t\n", signers, 1);
    CHECK_OK(parse_open(buf, len, keys, 3, &note, &res));
    twin.public_key[0] ^= 1;
    keys[0] = va;
    keys[1] = vb;
    keys[2] = twin;
    len = fx_note(buf, sizeof buf, "t\n", signers, 2);
    CHECK_ERR(parse_open(buf, len, keys, 3, &note, &res), SP_ERR_NOTE_AMBIGUOUS_KEY);
    CHECK_OK(parse_open(buf, len, keys, 2, &note, &res));
}

static void test_open_arguments(void)
{
    static char buf[4096];
    const fx_key *signers[1] = {&ka};
    sp_note note, broken;
    sp_note_open_result res;
    sp_vkey many[33], badkey = va;
    sp_crypto nover = *crypto;
    size_t len = fx_note(buf, sizeof buf, "t\n", signers, 1);
    CHECK_OK(sp_note_parse(&note, (const uint8_t *)buf, len, NULL));
    CHECK_ERR(sp_note_open(&note, &va, 1, crypto, NULL), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_note_open(NULL, &va, 1, crypto, &res), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_note_open(&note, NULL, 1, crypto, &res), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_note_open(&note, &va, 1, NULL, &res), SP_ERR_ARGUMENT);
    nover.ed25519_verify = NULL;
    CHECK_ERR(sp_note_open(&note, &va, 1, &nover, &res), SP_ERR_ARGUMENT);
    for (int i = 0; i < 33; i++)
        many[i] = vb;
    many[32] = va;
    CHECK_ERR(sp_note_open(&note, many, 33, crypto, &res), SP_ERR_ARGUMENT);
    badkey.name_len = SP_MAX_NAME_BYTES + 1;
    CHECK_ERR(sp_note_open(&note, &badkey, 1, crypto, &res), SP_ERR_ARGUMENT);
    /* A struct that does not describe its bytes is refused, never read past. */
    broken = note;
    broken.text_len = note.len;
    CHECK_ERR(sp_note_open(&broken, &va, 1, crypto, &res), SP_ERR_ARGUMENT);
    broken = note;
    broken.sigs[0].b64_offset = (uint32_t)note.len;
    CHECK_ERR(sp_note_open(&broken, &va, 1, crypto, &res), SP_ERR_ARGUMENT);
    broken = note;
    broken.sigs[0].b64_len -= 4; /* decodes, but not to payload_len bytes */
    CHECK_ERR(sp_note_open(&broken, &va, 1, crypto, &res), SP_ERR_ARGUMENT);
    broken = note;
    broken.sig_count = SP_MAX_SIG_LINES + 1;
    CHECK_ERR(sp_note_open(&broken, &va, 1, crypto, &res), SP_ERR_ARGUMENT);
    memset(&broken, 0, sizeof broken);
    CHECK_ERR(sp_note_open(&broken, &va, 1, crypto, &res), SP_ERR_ARGUMENT);
    CHECK(harness_all_zero(&res, sizeof res));
}

static int verify_always_fails(void *ctx, const uint8_t sig[64], const uint8_t *msg, size_t len,
                               const uint8_t pk[32])
{
    (void)ctx, (void)sig, (void)msg, (void)len, (void)pk;
    return 7;
}

static int verify_calls;
static int verify_counting(void *ctx, const uint8_t sig[64], const uint8_t *msg, size_t len,
                           const uint8_t pk[32])
{
    verify_calls++;
    return sp_sodium_crypto()->ed25519_verify(ctx, sig, msg, len, pk);
}

static void test_open_uses_only_the_crypto_interface(void)
{
    static char buf[4096];
    const fx_key *signers[3] = {&ka, &kb, &kc};
    sp_vkey keys[2] = {va, vc};
    sp_crypto c = *crypto;
    sp_note note;
    sp_note_open_result res;
    size_t len = fx_note(buf, sizeof buf, "t\n", signers, 3);
    CHECK_OK(sp_note_parse(&note, (const uint8_t *)buf, len, NULL));
    c.ed25519_verify = verify_always_fails;
    CHECK_ERR(sp_note_open(&note, keys, 2, &c, &res), SP_ERR_NOTE_BAD_SIGNATURE);
    c.ed25519_verify = verify_counting;
    verify_calls = 0;
    CHECK_OK(sp_note_open(&note, keys, 2, &c, &res));
    CHECK(verify_calls == 2); /* one per known key, none for the unknown line */
}

/* ---- sp_note_sig_bytes ------------------------------------------------------------------ */

static void test_sig_bytes(void)
{
    static char buf[4096];
    const fx_key *signers[2] = {&ka, &kb};
    uint8_t sig[64], want[64];
    size_t n = 9;
    sp_note note;
    size_t len = fx_note(buf, sizeof buf, "t\n", signers, 2);
    crypto_sign_detached(want, NULL, (const uint8_t *)"t\n", 2, kb.sk);
    CHECK_OK(sp_note_parse(&note, (const uint8_t *)buf, len, NULL));
    CHECK_OK(sp_note_sig_bytes(&note, 1, sig, sizeof sig, &n));
    CHECK(n == 64 && memcmp(sig, want, 64) == 0);
    CHECK_ERR(sp_note_sig_bytes(&note, 1, sig, 63, &n), SP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 0 && harness_all_zero(sig, 63));
    CHECK_ERR(sp_note_sig_bytes(&note, 2, sig, sizeof sig, &n), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_note_sig_bytes(NULL, 0, sig, sizeof sig, &n), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_note_sig_bytes(&note, 0, sig, sizeof sig, NULL), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_note_sig_bytes(&note, 0, NULL, sizeof sig, &n), SP_ERR_ARGUMENT);
    /* Short payloads: 5 bytes give 1 signature byte. */
    {
        const char *t = "t\n\n\xE2\x80\x94 n AAECAwQ=\n";
        CHECK_OK(sp_note_parse(&note, (const uint8_t *)t, strlen(t), NULL));
        CHECK(note.sigs[0].key_id == 0x00010203u && note.sigs[0].payload_len == 5);
        CHECK_OK(sp_note_sig_bytes(&note, 0, sig, 1, &n));
        CHECK(n == 1 && sig[0] == 4);
    }
}

/* ---- sp_note_text_check ----------------------------------------------------------------- */

static void test_text_check(void)
{
    static char big[SP_MAX_NOTE_BYTES + 2];
    uint32_t line = 9;
    CHECK_OK(sp_note_text_check((const uint8_t *)"a\nb\n", 4, &line));
    CHECK(line == 0);
    CHECK_ERR(sp_note_text_check((const uint8_t *)"", 0, &line), SP_ERR_NOTE_TEXT);
    CHECK_ERR(sp_note_text_check((const uint8_t *)"\n", 1, &line), SP_ERR_NOTE_TEXT);
    CHECK(line == 1);
    CHECK_ERR(sp_note_text_check((const uint8_t *)"a\n\nb\n", 5, &line), SP_ERR_NOTE_TEXT);
    CHECK(line == 2);
    CHECK_ERR(sp_note_text_check((const uint8_t *)"a\nb\n\n", 5, &line), SP_ERR_NOTE_TEXT);
    CHECK(line == 3);
    CHECK_ERR(sp_note_text_check((const uint8_t *)"a", 1, &line), SP_ERR_NOTE_NO_FINAL_NEWLINE);
    CHECK(line == 1);
    CHECK_ERR(sp_note_text_check((const uint8_t *)"a\nb\tc\n", 6, &line),
              SP_ERR_NOTE_CONTROL_CHAR);
    CHECK(line == 2);
    CHECK_ERR(sp_note_text_check((const uint8_t *)"a\r\n", 3, &line),
              SP_ERR_NOTE_CARRIAGE_RETURN);
    CHECK_ERR(sp_note_text_check((const uint8_t *)"\xC1\xBF\n", 3, &line), SP_ERR_NOTE_UTF8);
    memset(big, 'x', SP_MAX_LINE_BYTES + 1);
    big[SP_MAX_LINE_BYTES + 1] = '\n';
    CHECK_ERR(sp_note_text_check((const uint8_t *)big, SP_MAX_LINE_BYTES + 2, &line),
              SP_ERR_NOTE_LINE_TOO_LONG);
    CHECK_ERR(sp_note_text_check((const uint8_t *)big, SP_MAX_NOTE_BYTES + 1, &line),
              SP_ERR_NOTE_TOO_LARGE);
    CHECK_ERR(sp_note_text_check(NULL, 3, &line), SP_ERR_ARGUMENT);
    CHECK_OK(sp_note_text_check((const uint8_t *)"x\n", 2, NULL));
}

/* ---- robustness: prefixes and single-byte substitutions ------------------------------- */

static void test_every_prefix(void)
{
    static char buf[4096];
    const fx_key *signers[3] = {&ka, &kb, &kc};
    sp_vkey keys[3] = {va, vb, vc};
    size_t len = fx_note(buf, sizeof buf, "softpause\nepoch 3\n", signers, 3);
    int verified_prefixes = 0;
    for (size_t n = 0; n <= len; n++) {
        static uint8_t copy[4096]; /* exact-size copy: ASan sees any over-read */
        uint8_t *p = copy + sizeof copy - n;
        sp_note note;
        sp_note_open_result res;
        sp_err e;
        memcpy(p, buf, n);
        memset(&note, 0xAA, sizeof note);
        e = sp_note_parse(&note, p, n, NULL);
        if (e != SP_OK) {
            CHECK(harness_all_zero(&note, sizeof note));
            continue;
        }
        e = sp_note_open(&note, keys, 3, crypto, &res);
        if (e == SP_OK) {
            verified_prefixes++;
            CHECK(res.verified_count == note.sig_count); /* whole lines only */
        } else {
            CHECK(harness_all_zero(&res, sizeof res));
        }
    }
    CHECK(verified_prefixes == 3); /* after line 1, line 2, line 3 */
}

static void test_single_byte_substitutions(void)
{
    static char orig[4096];
    static uint8_t buf[4096];
    const fx_key *signers[3] = {&ka, &kb, &kc};
    sp_vkey keys[3] = {va, vb, vc};
    static const uint8_t values[] = {0x00, 0x09, 0x0A, 0x0D, 0x20, '+', '-', '=', '/',
                                     'A', 0x7F, 0x80, 0xC0, 0xE2, 0xFF};
    size_t len = fx_note(orig, sizeof orig, "softpause\nepoch 3\n", signers, 3);
    size_t text_len = 18;
    long accepted = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t vals[sizeof values + 3];
        memcpy(vals, values, sizeof values);
        vals[sizeof values] = (uint8_t)(orig[i] ^ 1);
        vals[sizeof values + 1] = (uint8_t)(orig[i] ^ 0x20);
        vals[sizeof values + 2] = (uint8_t)(orig[i] + 1);
        for (size_t v = 0; v < sizeof vals; v++) {
            sp_note note;
            sp_note_open_result res;
            sp_err e;
            if (vals[v] == (uint8_t)orig[i])
                continue;
            memcpy(buf, orig, len);
            buf[i] = vals[v];
            e = parse_open(buf, len, keys, 3, &note, &res);
            if (e != SP_OK) {
                CHECK(harness_all_zero(&res, sizeof res));
                continue;
            }
            accepted++;
            /* Accepted only if the signed text is untouched and every verified line is
             * byte-identical to its original. */
            CHECK(i >= text_len + 1);
            CHECK(note.text_len == text_len);
            for (uint32_t l = 0; l < note.sig_count; l++) {
                const sp_note_sig *s = &note.sigs[l];
                if (res.line_status[l] == SP_LINE_VERIFIED)
                    CHECK(!(i >= s->line_offset && i <= s->line_offset + s->line_len));
            }
        }
    }
    CHECK(accepted > 0); /* mutating one line leaves the others verifying */
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    crypto = sp_sodium_crypto();
    fx_key_make(&ka, "alpha.example/body", 1);
    fx_key_make(&kb, "beta.example/body", 2);
    fx_key_make(&kc, "gamma\xE2\x80\x94" "body", 3);
    vkey_of(&va, &ka);
    vkey_of(&vb, &kb);
    vkey_of(&vc, &kc);
    RUN_TEST(test_go_open_vectors);
    RUN_TEST(test_go_example_open);
    RUN_TEST(test_parse_structure);
    RUN_TEST(test_parse_split_at_last_blank_line);
    RUN_TEST(test_parse_errors);
    RUN_TEST(test_limits);
    RUN_TEST(test_open_multi_signer);
    RUN_TEST(test_open_duplicates_and_bad_signatures);
    RUN_TEST(test_open_ambiguous);
    RUN_TEST(test_open_arguments);
    RUN_TEST(test_open_uses_only_the_crypto_interface);
    RUN_TEST(test_sig_bytes);
    RUN_TEST(test_text_check);
    RUN_TEST(test_every_prefix);
    RUN_TEST(test_single_byte_substitutions);
    return harness_finish("note");
}
