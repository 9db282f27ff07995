/*
 * test_signing.c -- adding signatures, the equivocation guard, collecting signed copies
 * (softpause/host/signing.h).
 *
 * Ed25519 is deterministic, so a signature line made by sp_note_add_signature must be
 * byte-identical to the one tests/support/fixture.c makes with libsodium directly: the
 * tests compare bytes, not just "it verifies".  Statements and the policy come from the
 * standard test world (tests/support/policy_fixture.h).
 */
#include <sodium.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "support/scratch.h"
#include "softpause/host/fileio.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/note.h"
#include "softpause/statement.h"
#include "support/fixture.h"
#include "support/policy_fixture.h"
#include "support/pub_fixture.h"

static pf_world W;
static sp_signer_key signer[PF_NKEYS]; /* signer[i] = the world's key i, via the library */
static fx_key outsider;                 /* not a policy key */

static uint8_t out[SP_SIGNED_NOTE_CAP];
static char expect[SP_SIGNED_NOTE_CAP];
static char input[SP_SIGNED_NOTE_CAP];

/* The record file expected for a key-path prefix, deployment and type, computed here
 * independently: "<prefix>.<hex of SHA-256(domain || deployment || LF || type)[:8]>.signed". */
static void record_in(char *o, size_t cap, const char *prefix, const char *deployment,
                      const char *type)
{
    char name[512], text[512];
    uint8_t h[32];
    int n = snprintf(text, sizeof text, "softpause/signing-record\n%s\n%s", deployment, type);
    crypto_hash_sha256(h, (const uint8_t *)text, (unsigned long long)n);
    snprintf(name, sizeof name, "%s.%02x%02x%02x%02x%02x%02x%02x%02x.signed", prefix, h[0], h[1],
             h[2], h[3], h[4], h[5], h[6], h[7]);
    scratch_path(o, cap, name);
}


/* Open out[0..len) against one verifier key; returns the number of verified keys. */
static uint32_t verified_by(const uint8_t *note_bytes, size_t len, const sp_vkey *key)
{
    static sp_note note;
    sp_note_open_result r;
    if (sp_note_parse(&note, note_bytes, len, NULL) != SP_OK)
        return 0;
    if (sp_note_open(&note, key, 1, sp_sodium_crypto(), &r) != SP_OK)
        return 0;
    return r.verified_count;
}

/* ---- sp_note_add_signature ------------------------------------------------------------ */

static void test_sign_plain_text(void)
{
    static const char text[] = "hello\nworld \xE2\x80\x94 with UTF-8\n";
    size_t tl = sizeof text - 1, out_len = 0, text_len = 0;
    uint32_t line = 99;
    const fx_key *k = &W.keys[PF_CIV_A];
    size_t el = fx_note(expect, sizeof expect, text, &k, 1);

    CHECK_OK(sp_note_add_signature(&signer[PF_CIV_A], (const uint8_t *)text, tl, 1, out,
                                   sizeof out, &out_len, &text_len, &line));
    CHECK(out_len == el && memcmp(out, expect, el) == 0);
    CHECK(text_len == tl);
    CHECK(line == 0);
    CHECK(verified_by(out, out_len, &signer[PF_CIV_A].pub) == 1);
    CHECK(verified_by(out, out_len, &signer[PF_CIV_B].pub) == 0);

    /* Auto-detected: no blank line, so it is a plain text. */
    out_len = 0;
    CHECK_OK(sp_note_add_signature(&signer[PF_CIV_A], (const uint8_t *)text, tl, 0, out,
                                   sizeof out, &out_len, &text_len, NULL));
    CHECK(out_len == el && memcmp(out, expect, el) == 0);
    CHECK(text_len == tl);
}

static void test_sign_text_errors(void)
{
    size_t out_len = 7, text_len = 7;
    uint32_t line = 0;
    const sp_signer_key *k = &signer[PF_CIV_A];
    CHECK_ERR(sp_note_add_signature(k, (const uint8_t *)"a\n\nb\n", 5, 1, out, sizeof out,
                                    &out_len, &text_len, &line),
              SP_ERR_NOTE_TEXT);
    CHECK(out_len == 0 && text_len == 0);
    CHECK_ERR(sp_note_add_signature(k, (const uint8_t *)"", 0, 1, out, sizeof out, &out_len,
                                    &text_len, &line),
              SP_ERR_NOTE_TEXT);
    CHECK_ERR(sp_note_add_signature(k, (const uint8_t *)"no newline", 10, 1, out, sizeof out,
                                    &out_len, &text_len, &line),
              SP_ERR_NOTE_NO_FINAL_NEWLINE);
    CHECK_ERR(sp_note_add_signature(k, (const uint8_t *)"a\rb\n", 4, 0, out, sizeof out,
                                    &out_len, &text_len, &line),
              SP_ERR_NOTE_CARRIAGE_RETURN);
    /* Not enough room for the signed note. */
    CHECK_ERR(sp_note_add_signature(k, (const uint8_t *)"short\n", 6, 1, out, 20, &out_len,
                                    &text_len, &line),
              SP_ERR_NOTE_TOO_LARGE);
    CHECK(out_len == 0);
}

static void test_resign_replaces_in_place(void)
{
    static const char text[] = "statement of record\nsecond line\n";
    size_t tl = sizeof text - 1, pos, out_len, text_len;
    char la[256], lb_stale[256], lb[256], lc[256];
    const fx_key *A = &W.keys[PF_CIV_A], *B = &W.keys[PF_MIL_A], *C = &W.keys[PF_MIL_B];
    /* A's line, B's line over ANOTHER text (stale), an outsider's line, C's line. */
    size_t na = fx_sign_line(A, text, tl, la, sizeof la);
    fx_sign_line(B, "older text\n", 11, lb_stale, sizeof lb_stale);
    size_t nb = fx_sign_line(B, text, tl, lb, sizeof lb);
    size_t nc = fx_sign_line(C, text, tl, lc, sizeof lc);
    char lo[256];
    size_t no = fx_sign_line(&outsider, text, tl, lo, sizeof lo);
    pos = (size_t)snprintf(input, sizeof input, "%s\n%s%s%s%s", text, la, lb_stale, lo, lc);

    CHECK_OK(sp_note_add_signature(&signer[PF_MIL_A], (const uint8_t *)input, pos, 0, out,
                                   sizeof out, &out_len, &text_len, NULL));
    size_t el = (size_t)snprintf(expect, sizeof expect, "%s\n%s%s%s%s", text, la, lb, lo, lc);
    CHECK(out_len == el && memcmp(out, expect, el) == 0);
    CHECK(text_len == tl);
    CHECK(na + nb + no + nc + tl + 1 == el);
    CHECK(verified_by(out, out_len, &signer[PF_MIL_A].pub) == 1);

    /* Signing the result again changes nothing (Ed25519 is deterministic). */
    size_t again_len;
    static uint8_t again[SP_SIGNED_NOTE_CAP];
    CHECK_OK(sp_note_add_signature(&signer[PF_MIL_A], out, out_len, 0, again, sizeof again,
                                   &again_len, &text_len, NULL));
    CHECK(again_len == out_len && memcmp(again, out, out_len) == 0);

    /* Repeats of our own line: the first is replaced, later ones dropped. */
    pos = (size_t)snprintf(input, sizeof input, "%s\n%s%s%s%s", text, lb_stale, la, lb, lc);
    CHECK_OK(sp_note_add_signature(&signer[PF_MIL_A], (const uint8_t *)input, pos, 0, out,
                                   sizeof out, &out_len, &text_len, NULL));
    el = (size_t)snprintf(expect, sizeof expect, "%s\n%s%s%s", text, lb, la, lc);
    CHECK(out_len == el && memcmp(out, expect, el) == 0);

    /* A line with our name but another key ID is someone else's: kept, ours appended. */
    char lfake[256];
    fx_sign_line_as(C, B->name, B->id ^ 1u, text, tl, lfake, sizeof lfake);
    pos = (size_t)snprintf(input, sizeof input, "%s\n%s", text, lfake);
    CHECK_OK(sp_note_add_signature(&signer[PF_MIL_A], (const uint8_t *)input, pos, 0, out,
                                   sizeof out, &out_len, &text_len, NULL));
    el = (size_t)snprintf(expect, sizeof expect, "%s\n%s%s", text, lfake, lb);
    CHECK(out_len == el && memcmp(out, expect, el) == 0);
}

static void test_second_key_appends(void)
{
    static const char text[] = "two signers\n";
    size_t tl = sizeof text - 1, out1_len, out2_len, text_len;
    static uint8_t out1[SP_SIGNED_NOTE_CAP];
    const fx_key *both[2] = {&W.keys[PF_CIV_B], &W.keys[PF_MIL_C]};
    CHECK_OK(sp_note_add_signature(&signer[PF_CIV_B], (const uint8_t *)text, tl, 1, out1,
                                   sizeof out1, &out1_len, &text_len, NULL));
    CHECK_OK(sp_note_add_signature(&signer[PF_MIL_C], out1, out1_len, 0, out, sizeof out,
                                   &out2_len, &text_len, NULL));
    size_t el = fx_note(expect, sizeof expect, text, both, 2);
    CHECK(out2_len == el && memcmp(out, expect, el) == 0);
    CHECK(text_len == tl);
    /* The first key's line is untouched: out1 is a prefix of out. */
    CHECK(memcmp(out, out1, out1_len) == 0);
    CHECK(verified_by(out, out2_len, &signer[PF_CIV_B].pub) == 1);
    CHECK(verified_by(out, out2_len, &signer[PF_MIL_C].pub) == 1);
}

static void test_malformed_block_is_error(void)
{
    size_t out_len = 5, text_len = 5;
    uint32_t line = 0;
    const sp_signer_key *k = &signer[PF_CIV_A];
    static const char dash[] = "text\n\n- civ-alpha.example AAAA\n";
    CHECK_ERR(sp_note_add_signature(k, (const uint8_t *)dash, sizeof dash - 1, 0, out,
                                    sizeof out, &out_len, &text_len, &line),
              SP_ERR_NOTE_ASCII_DASH);
    CHECK(line == 3);
    CHECK(out_len == 0 && text_len == 0);
    static const char noname[] = "text\n\n\xE2\x80\x94 civ-alpha.example\n";
    CHECK_ERR(sp_note_add_signature(k, (const uint8_t *)noname, sizeof noname - 1, 0, out,
                                    sizeof out, &out_len, &text_len, &line),
              SP_ERR_NOTE_SIG_LINE);
    CHECK(line == 3);
    /* A blank line followed by prose is no signature block: the input is a plain text,
     * and a plain text may not contain a blank line (line 2 is the blank one). */
    static const char prose[] = "para one\n\npara two\n";
    CHECK_ERR(sp_note_add_signature(k, (const uint8_t *)prose, sizeof prose - 1, 0, out,
                                    sizeof out, &out_len, &text_len, &line),
              SP_ERR_NOTE_TEXT);
    /* ... and as_text says the same. */
    CHECK_ERR(sp_note_add_signature(k, (const uint8_t *)prose, sizeof prose - 1, 1, out,
                                    sizeof out, &out_len, &text_len, &line),
              SP_ERR_NOTE_TEXT);
}

static void test_too_many_signatures(void)
{
    static const char text[] = "crowded\n";
    size_t tl = sizeof text - 1, pos, out_len, text_len;
    uint32_t line = 0;
    pos = (size_t)snprintf(input, sizeof input, "%s\n", text);
    for (unsigned i = 0; i < SP_MAX_SIG_LINES - 1u; i++) {
        char name[16];
        snprintf(name, sizeof name, "k%02u", i);
        pos += fx_sign_line_as(&outsider, name, fx_key_id(name, outsider.pk), text, tl,
                               input + pos, sizeof input - pos);
    }
    /* SP_MAX_SIG_LINES - 1 lines + ours = SP_MAX_SIG_LINES: fine. */
    CHECK_OK(sp_note_add_signature(&signer[PF_CIV_A], (const uint8_t *)input, pos, 0, out,
                                   sizeof out, &out_len, &text_len, &line));
    memcpy(input, out, out_len);
    pos = out_len;
    /* Re-signing a full note replaces our line: still fine. */
    CHECK_OK(sp_note_add_signature(&signer[PF_CIV_A], (const uint8_t *)input, pos, 0, out,
                                   sizeof out, &out_len, &text_len, &line));
    CHECK(out_len == pos && memcmp(out, input, pos) == 0);
    /* A new key would make SP_MAX_SIG_LINES + 1. */
    CHECK_ERR(sp_note_add_signature(&signer[PF_CIV_B], (const uint8_t *)input, pos, 0, out,
                                    sizeof out, &out_len, &text_len, &line),
              SP_ERR_NOTE_TOO_MANY_SIGS);
    CHECK(out_len == 0);
}

/* ---- sp_equivocation_guard ------------------------------------------------------------ */

static size_t statement(char *o, size_t cap, const sp_policy *p, uint64_t epoch,
                        const char *mode)
{
    return pf_statement_text(o, cap, p, epoch, mode);
}

static void record_bytes(char *o, size_t cap, size_t *len, uint64_t epoch, const char *text)
{
    *len = (size_t)snprintf(o, cap, "softpause-signing-record/v1\nepoch %llu\n%s",
                            (unsigned long long)epoch, text);
}

static void test_guard_non_statement(void)
{
    char key_path[1024], rp[1024] = "untouched";
    int is_statement = 7;
    scratch_make("signing");
    scratch_path(key_path, sizeof key_path, "civ-alpha.example.key");
    CHECK_OK(sp_equivocation_guard(key_path, (const uint8_t *)"hello\n", 6, &is_statement, rp,
                                   sizeof rp));
    CHECK(is_statement == 0);
    CHECK(strcmp(rp, "untouched") == 0);
    CHECK(scratch_entries(NULL, 0) == 0);
    /* A policy-update text is not (yet) a statement the verifier parses: it passes
     * unrecorded too. */
    static const char upd[] = "softpause/v1 policy-update test.example/softpause\nepoch 1\n";
    CHECK_OK(sp_equivocation_guard(key_path, (const uint8_t *)upd, sizeof upd - 1,
                                   &is_statement, NULL, 0));
    CHECK(is_statement == 0);
    CHECK(scratch_entries(NULL, 0) == 0);
    scratch_remove();
}

static void test_guard_records_and_refuses(void)
{
    char key_path[1024], rp[1024], want_path[1024], t5[1024], t5b[1024], t4[1024], t6[1024];
    char rec[2048];
    size_t rl;
    int is_statement = 0;
    scratch_make("signing");
    scratch_path(key_path, sizeof key_path, "civ-alpha.example.key");
    record_in(want_path, sizeof want_path, "civ-alpha.example", PF_DEPLOYMENT, "authorisation");
    size_t n5 = statement(t5, sizeof t5, &W.policy, 5, "run");
    size_t n5b = statement(t5b, sizeof t5b, &W.policy, 5, "pause");
    size_t n4 = statement(t4, sizeof t4, &W.policy, 4, "run");
    size_t n6 = statement(t6, sizeof t6, &W.policy, 6, "throttle 250");

    /* First statement: recorded before anything else. */
    CHECK_OK(sp_equivocation_guard(key_path, (const uint8_t *)t5, n5, &is_statement, rp,
                                   sizeof rp));
    CHECK(is_statement == 1);
    CHECK(strcmp(rp, want_path) == 0);
    CHECK(scratch_mode(want_path) == 0600);
    record_bytes(rec, sizeof rec, &rl, 5, t5);
    CHECK(scratch_holds(want_path, rec, rl));
    CHECK(scratch_entries(NULL, 0) == 1);

    /* The same text again: fine (re-signing is idempotent). */
    is_statement = 0;
    CHECK_OK(sp_equivocation_guard(key_path, (const uint8_t *)t5, n5, &is_statement, NULL, 0));
    CHECK(is_statement == 1);
    CHECK(scratch_holds(want_path, rec, rl));

    /* A different text for the same epoch: equivocation; the record keeps the first. */
    CHECK_ERR(sp_equivocation_guard(key_path, (const uint8_t *)t5b, n5b, &is_statement, NULL,
                                    0),
              SP_ERR_EQUIVOCATION);
    CHECK(is_statement == 1);
    CHECK(scratch_holds(want_path, rec, rl));
    /* A lower epoch: refused. */
    CHECK_ERR(sp_equivocation_guard(key_path, (const uint8_t *)t4, n4, &is_statement, NULL, 0),
              SP_ERR_EQUIVOCATION);
    CHECK(scratch_holds(want_path, rec, rl));

    /* A higher epoch: fine, and the record moves on. */
    CHECK_OK(sp_equivocation_guard(key_path, (const uint8_t *)t6, n6, &is_statement, NULL, 0));
    record_bytes(rec, sizeof rec, &rl, 6, t6);
    CHECK(scratch_holds(want_path, rec, rl));
    CHECK(scratch_mode(want_path) == 0600);
    /* ... after which epoch 5, even its first text, is refused. */
    CHECK_ERR(sp_equivocation_guard(key_path, (const uint8_t *)t5, n5, &is_statement, NULL, 0),
              SP_ERR_EQUIVOCATION);
    CHECK(scratch_entries(NULL, 0) == 1); /* no temporaries */

    /* Another key in the same directory has its own record. */
    char other_key[1024];
    scratch_path(other_key, sizeof other_key, "civ-beta.example.key");
    CHECK_OK(sp_equivocation_guard(other_key, (const uint8_t *)t5b, n5b, &is_statement, rp,
                                   sizeof rp));
    CHECK(strcmp(rp, want_path) != 0);
    CHECK(scratch_entries(NULL, 0) == 2);
    scratch_remove();
}

static void test_guard_per_deployment(void)
{
    static sp_policy other;
    char key_path[1024], rp1[1024], rp2[1024], ta[1024], tb[1024], tb2[1024];
    int is_statement = 0;
    scratch_make("signing");
    scratch_path(key_path, sizeof key_path, "k.key");
    other = W.policy;
    snprintf(other.deployment, sizeof other.deployment, "%s", "other.example/fleet");
    size_t na = statement(ta, sizeof ta, &W.policy, 9, "run");
    size_t nb = statement(tb, sizeof tb, &other, 9, "pause");
    size_t nb2 = statement(tb2, sizeof tb2, &other, 3, "run");
    CHECK_OK(sp_equivocation_guard(key_path, (const uint8_t *)ta, na, &is_statement, rp1,
                                   sizeof rp1));
    /* Same epoch, different text, other deployment: a separate record, no equivocation. */
    CHECK_OK(sp_equivocation_guard(key_path, (const uint8_t *)tb, nb, &is_statement, rp2,
                                   sizeof rp2));
    CHECK(strcmp(rp1, rp2) != 0);
    char want[1024];
    record_in(want, sizeof want, "k", "other.example/fleet", "authorisation");
    CHECK(strcmp(rp2, want) == 0);
    CHECK(scratch_entries(NULL, 0) == 2);
    /* Each record guards its own deployment. */
    CHECK_ERR(sp_equivocation_guard(key_path, (const uint8_t *)tb2, nb2, &is_statement, NULL,
                                    0),
              SP_ERR_EQUIVOCATION);
    char rec[2048];
    size_t rl;
    record_bytes(rec, sizeof rec, &rl, 9, ta);
    CHECK(scratch_holds(rp1, rec, rl));
    record_bytes(rec, sizeof rec, &rl, 9, tb);
    CHECK(scratch_holds(rp2, rec, rl));

    /* A key path without ".key" is used as it is. */
    char bare[1024];
    scratch_path(bare, sizeof bare, "bare");
    CHECK_OK(sp_equivocation_guard(bare, (const uint8_t *)ta, na, &is_statement, rp1,
                                   sizeof rp1));
    record_in(want, sizeof want, "bare", PF_DEPLOYMENT, "authorisation");
    CHECK(strcmp(rp1, want) == 0);
    scratch_remove();
}

static void test_guard_corrupt_record(void)
{
    char key_path[1024], rp[1024], t[1024], bad[2048];
    int is_statement = 0;
    scratch_make("signing");
    scratch_path(key_path, sizeof key_path, "k.key");
    size_t n = statement(t, sizeof t, &W.policy, 2, "run");
    CHECK_OK(sp_equivocation_guard(key_path, (const uint8_t *)t, n, &is_statement, rp,
                                   sizeof rp));
    struct {
        const char *what;
        size_t len;
    } cases[] = {
        {"", 0},
        {"softpause-signing-record/v2\nepoch 2\n", 0},
        {"softpause-signing-record/v1\nepoch two\n", 0},
        {"softpause-signing-record/v1\nepoch 02\n", 0},
        {"softpause-signing-record/v1\nepoch -2\n", 0},
        {"softpause-signing-record/v1\nepoch 2", 0},            /* no end of line */
        {"softpause-signing-record/v1\nEPOCH 2\n", 0},
        {"softpause-signing-record/v1\nepoch 9007199254740993\n", 0}, /* > 2^53 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t bl = strlen(cases[i].what);
        CHECK_OK(sp_file_write_atomic(rp, cases[i].what, bl, 0600, 1));
        CHECK_ERR(sp_equivocation_guard(key_path, (const uint8_t *)t, n, &is_statement, NULL,
                                        0),
                  SP_ERR_FILE_FORMAT);
        CHECK(scratch_holds(rp, cases[i].what, bl)); /* never "repaired" */
    }
    /* An over-long record. */
    memset(bad, 'x', sizeof bad);
    memcpy(bad, "softpause-signing-record/v1\nepoch 1\n", 36);
    CHECK_OK(sp_file_write_atomic(rp, bad, sizeof bad, 0600, 1));
    CHECK_ERR(sp_equivocation_guard(key_path, (const uint8_t *)t, n, &is_statement, NULL, 0),
              SP_ERR_FILE_FORMAT);
    /* A record path that is a directory: an I/O error, not "no record yet". */
    CHECK(unlink(rp) == 0);
    CHECK(mkdir(rp, 0700) == 0);
    CHECK_ERR(sp_equivocation_guard(key_path, (const uint8_t *)t, n, &is_statement, NULL, 0),
              SP_ERR_IO);
    CHECK(rmdir(rp) == 0);
    scratch_remove();
}

static void test_guard_missing_directory(void)
{
    char key_path[1024], t[1024];
    int is_statement = 0;
    scratch_make("signing");
    scratch_path(key_path, sizeof key_path, "no-such-dir/k.key");
    size_t n = statement(t, sizeof t, &W.policy, 2, "run");
    /* The record cannot be written: the guard fails closed. */
    CHECK_ERR(sp_equivocation_guard(key_path, (const uint8_t *)t, n, &is_statement, NULL, 0),
              SP_ERR_IO);
    CHECK(is_statement == 1);
    scratch_remove();
}

/* ---- sp_collect ----------------------------------------------------------------------- */

static char copies[4][4096];
static size_t copy_len[4];
static const uint8_t *copy_ptr[4];

static void set_copy(int i, const char *text, uint32_t mask)
{
    copy_len[i] = pf_sign_mask(copies[i], sizeof copies[i], text, W.keys, PF_NKEYS, mask);
    copy_ptr[i] = (const uint8_t *)copies[i];
}

/* Verify a collected note against the world's policy. */
static sp_err verify_collected(const uint8_t *note_bytes, size_t len, sp_quorum_report *rep)
{
    static sp_note work;
    sp_statement st;
    return sp_statement_verify(&W.policy, note_bytes, len, sp_sodium_crypto(), &work, &st, rep,
                               NULL);
}

static void test_collect_merges(void)
{
    char text[1024];
    size_t out_len = 0, bad = 99;
    sp_collect_result r;
    sp_quorum_report rep;
    statement(text, sizeof text, &W.policy, 3, "run");
    set_copy(0, text, PF_BIT(PF_CIV_A));
    set_copy(1, text, PF_BIT(PF_MIL_A));
    set_copy(2, text, PF_BIT(PF_MIL_B));
    /* Each copy alone is short of the quorum. */
    CHECK_ERR(verify_collected(copy_ptr[0], copy_len[0], &rep), SP_ERR_QUORUM_NOT_MET);

    CHECK_OK(sp_collect(&W.policy, copy_ptr, copy_len, 3, out, sizeof out, &out_len, &r, &bad,
                        NULL));
    CHECK(r.merged == 3 && r.duplicates == 0 && r.invalid == 0 && r.unknown == 0);
    CHECK(bad == 0);
    size_t el = pf_sign_mask(expect, sizeof expect, text, W.keys, PF_NKEYS,
                             PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    CHECK(out_len == el && memcmp(out, expect, el) == 0);
    CHECK_OK(verify_collected(out, out_len, &rep));
    CHECK(rep.verified_lines == 3);

    /* Order of first appearance is kept. */
    const uint8_t *rev[3] = {copy_ptr[2], copy_ptr[0], copy_ptr[1]};
    size_t rev_len[3] = {copy_len[2], copy_len[0], copy_len[1]};
    CHECK_OK(sp_collect(&W.policy, rev, rev_len, 3, out, sizeof out, &out_len, &r, &bad,
                        NULL));
    char lines[3][256];
    size_t tl = strlen(text);
    size_t l0 = fx_sign_line(&W.keys[PF_MIL_B], text, tl, lines[0], sizeof lines[0]);
    size_t l1 = fx_sign_line(&W.keys[PF_CIV_A], text, tl, lines[1], sizeof lines[1]);
    size_t l2 = fx_sign_line(&W.keys[PF_MIL_A], text, tl, lines[2], sizeof lines[2]);
    el = (size_t)snprintf(expect, sizeof expect, "%s\n%s%s%s", text, lines[0], lines[1],
                          lines[2]);
    CHECK(el == tl + 1 + l0 + l1 + l2);
    CHECK(out_len == el && memcmp(out, expect, el) == 0);

    /* A single copy collects to itself (and need not meet the quorum). */
    CHECK_OK(sp_collect(&W.policy, copy_ptr, copy_len, 1, out, sizeof out, &out_len, &r, &bad,
                        NULL));
    CHECK(out_len == copy_len[0] && memcmp(out, copies[0], out_len) == 0);
    CHECK(r.merged == 1);
}

static void test_collect_drops_duplicates_invalid_unknown(void)
{
    char text[1024];
    size_t out_len, bad, tl;
    sp_collect_result r;
    sp_quorum_report rep;
    tl = statement(text, sizeof text, &W.policy, 4, "throttle 500");
    set_copy(0, text, PF_BIT(PF_CIV_A));
    set_copy(1, text, PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    set_copy(2, text, PF_BIT(PF_MIL_B) | PF_BIT(PF_CIV_A));
    CHECK_OK(sp_collect(&W.policy, copy_ptr, copy_len, 3, out, sizeof out, &out_len, &r, &bad,
                        NULL));
    CHECK(r.merged == 3 && r.duplicates == 2 && r.invalid == 0 && r.unknown == 0);
    size_t el = pf_sign_mask(expect, sizeof expect, text, W.keys, PF_NKEYS,
                             PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    CHECK(out_len == el && memcmp(out, expect, el) == 0);

    /* An invalid line (MIL_C's name and ID over another text) and an unknown key's line. */
    set_copy(0, text, PF_BIT(PF_CIV_B));
    copy_len[0] += fx_sign_line(&W.keys[PF_MIL_C], "some other text\n", 16,
                                copies[0] + copy_len[0], sizeof copies[0] - copy_len[0]);
    copy_len[0] += fx_sign_line(&outsider, text, tl, copies[0] + copy_len[0],
                                sizeof copies[0] - copy_len[0]);
    set_copy(1, text, PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    CHECK_OK(sp_collect(&W.policy, copy_ptr, copy_len, 2, out, sizeof out, &out_len, &r, &bad,
                        NULL));
    CHECK(r.merged == 3 && r.duplicates == 0 && r.invalid == 1 && r.unknown == 1);
    el = pf_sign_mask(expect, sizeof expect, text, W.keys, PF_NKEYS,
                      PF_BIT(PF_CIV_B) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    CHECK(out_len == el && memcmp(out, expect, el) == 0);
    CHECK_OK(verify_collected(out, out_len, &rep));
    CHECK(rep.invalid_lines == 0 && rep.unknown_lines == 0);
}

static void test_collect_mismatch(void)
{
    char text[1024], other[1024];
    size_t out_len = 5, bad = 99;
    sp_collect_result r;
    statement(text, sizeof text, &W.policy, 5, "run");
    statement(other, sizeof other, &W.policy, 5, "pause");
    set_copy(0, text, PF_BIT(PF_CIV_A));
    set_copy(1, text, PF_BIT(PF_MIL_A));
    set_copy(2, other, PF_BIT(PF_MIL_B));
    CHECK_ERR(sp_collect(&W.policy, copy_ptr, copy_len, 3, out, sizeof out, &out_len, &r, &bad,
                         NULL),
              SP_ERR_COLLECT_MISMATCH);
    CHECK(bad == 2);
    CHECK(out_len == 0);
    /* Another epoch is another text too. */
    statement(other, sizeof other, &W.policy, 6, "run");
    set_copy(1, other, PF_BIT(PF_MIL_A));
    CHECK_ERR(sp_collect(&W.policy, copy_ptr, copy_len, 3, out, sizeof out, &out_len, &r, &bad,
                         NULL),
              SP_ERR_COLLECT_MISMATCH);
    CHECK(bad == 1);
}

static void test_collect_nothing_valid(void)
{
    char text[1024];
    size_t out_len = 5, bad = 99, tl;
    sp_collect_result r;
    tl = statement(text, sizeof text, &W.policy, 7, "run");
    /* Only an outsider's line and an invalid line. */
    copy_len[0] = (size_t)snprintf(copies[0], sizeof copies[0], "%s\n", text);
    copy_len[0] += fx_sign_line(&outsider, text, tl, copies[0] + copy_len[0],
                                sizeof copies[0] - copy_len[0]);
    copy_ptr[0] = (const uint8_t *)copies[0];
    copy_len[1] = (size_t)snprintf(copies[1], sizeof copies[1], "%s\n", text);
    copy_len[1] += fx_sign_line(&W.keys[PF_CIV_A], "not this\n", 9, copies[1] + copy_len[1],
                                sizeof copies[1] - copy_len[1]);
    copy_ptr[1] = (const uint8_t *)copies[1];
    CHECK_ERR(sp_collect(&W.policy, copy_ptr, copy_len, 2, out, sizeof out, &out_len, &r, &bad,
                         NULL),
              SP_ERR_NOTE_UNVERIFIED);
    CHECK(r.merged == 0 && r.unknown == 1 && r.invalid == 1);
    CHECK(out_len == 0);
    CHECK(bad == 0);
}

static void test_collect_statement_errors(void)
{
    static sp_policy other;
    char text[1024];
    size_t out_len = 5, bad = 99;
    uint32_t line = 0;
    sp_collect_result r;
    char good[1024];
    statement(good, sizeof good, &W.policy, 8, "run");
    set_copy(0, good, PF_BIT(PF_CIV_A));

    /* Another deployment's statement (signed by the same keys). */
    other = W.policy;
    snprintf(other.deployment, sizeof other.deployment, "%s", "other.example/fleet");
    statement(text, sizeof text, &other, 8, "run");
    set_copy(1, text, PF_BIT(PF_MIL_A));
    CHECK_ERR(sp_collect(&W.policy, copy_ptr, copy_len, 2, out, sizeof out, &out_len, &r, &bad,
                         &line),
              SP_ERR_STMT_DEPLOYMENT);
    CHECK(bad == 1);
    CHECK(out_len == 0);

    /* Another policy hash. */
    other = W.policy;
    other.hash[0] ^= 1;
    statement(text, sizeof text, &other, 8, "run");
    set_copy(1, text, PF_BIT(PF_MIL_A));
    CHECK_ERR(sp_collect(&W.policy, copy_ptr, copy_len, 2, out, sizeof out, &out_len, &r, &bad,
                         &line),
              SP_ERR_STMT_POLICY);
    CHECK(bad == 1);

    /* Not a signed note at all. */
    copy_ptr[1] = (const uint8_t *)"just text\n";
    copy_len[1] = 10;
    CHECK_ERR(sp_collect(&W.policy, copy_ptr, copy_len, 2, out, sizeof out, &out_len, &r, &bad,
                         &line),
              SP_ERR_NOTE_NO_SIGNATURES);
    CHECK(bad == 1);

    /* No inputs; no room. */
    CHECK_ERR(sp_collect(&W.policy, copy_ptr, copy_len, 0, out, sizeof out, &out_len, &r, &bad,
                         &line),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_collect(&W.policy, copy_ptr, copy_len, 1, out, 100, &out_len, &r, &bad,
                         &line),
              SP_ERR_NOTE_TOO_LARGE);
    CHECK(out_len == 0);
}

/* ---- cosignature lines ------------------------------------------------------------------ */

/* sp_cosignature_line is byte-identical to the line pub_fixture.c makes with libsodium. */
static void test_cosignature_line(void)
{
    static const char text[] = "pub.test.example/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
    pub_world pw;
    sp_signer_key w;
    uint8_t line[256];
    char want[256];
    size_t n = 0;
    pub_world_make(&pw);
    pub_cosigner_key(&w, &pw, 1);

    static const uint64_t times[] = {1, 1700000000u, SP_COSIG_TIME_LIMIT - 1};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        size_t wl = pub_cosign_line(want, sizeof want, &pw, 1, times[i], text, sizeof text - 1);
        CHECK_OK(sp_cosignature_line(&w, times[i], (const uint8_t *)text, sizeof text - 1, line,
                                     sizeof line, &n));
        CHECK(n == wl && memcmp(line, want, wl) == 0);
    }
    CHECK_ERR(sp_cosignature_line(&w, 0, (const uint8_t *)text, sizeof text - 1, line,
                                  sizeof line, &n), SP_ERR_COSIG_TIME_ZERO);
    CHECK_ERR(sp_cosignature_line(&w, SP_COSIG_TIME_LIMIT, (const uint8_t *)text,
                                  sizeof text - 1, line, sizeof line, &n),
              SP_ERR_COSIG_TIME_RANGE);
    CHECK_ERR(sp_cosignature_line(&w, (uint64_t)1 << 63, (const uint8_t *)text,
                                  sizeof text - 1, line, sizeof line, &n),
              SP_ERR_COSIG_TIME_RANGE);
    CHECK(n == 0);
    CHECK_ERR(sp_cosignature_line(&w, 5, (const uint8_t *)text, sizeof text - 1, line, 40, &n),
              SP_ERR_NOTE_TOO_LARGE);
    /* A note-signer key does not cosign, and a cosigner key does not sign notes. */
    CHECK_ERR(sp_cosignature_line(&signer[0], 5, (const uint8_t *)text, sizeof text - 1, line,
                                  sizeof line, &n), SP_ERR_KEY_ALGORITHM);
    size_t tl = 0;
    CHECK_ERR(sp_note_add_signature(&w, (const uint8_t *)text, sizeof text - 1, 1, out,
                                    sizeof out, &n, &tl, NULL), SP_ERR_KEY_ALGORITHM);
    sp_signer_key_wipe(&w);
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    pf_world_make(&W);
    for (int i = 0; i < PF_NKEYS; i++)
        if (sp_signer_key_parse(&signer[i], W.keys[i].skey, strlen(W.keys[i].skey)) != SP_OK) {
            printf("cannot parse the world's key %d\n", i);
            return 1;
        }
    fx_key_make(&outsider, "outsider.example", 0x99);
    RUN_TEST(test_sign_plain_text);
    RUN_TEST(test_sign_text_errors);
    RUN_TEST(test_resign_replaces_in_place);
    RUN_TEST(test_second_key_appends);
    RUN_TEST(test_malformed_block_is_error);
    RUN_TEST(test_too_many_signatures);
    RUN_TEST(test_guard_non_statement);
    RUN_TEST(test_guard_records_and_refuses);
    RUN_TEST(test_guard_per_deployment);
    RUN_TEST(test_guard_corrupt_record);
    RUN_TEST(test_guard_missing_directory);
    RUN_TEST(test_collect_merges);
    RUN_TEST(test_collect_drops_duplicates_invalid_unknown);
    RUN_TEST(test_collect_mismatch);
    RUN_TEST(test_collect_nothing_valid);
    RUN_TEST(test_collect_statement_errors);
    RUN_TEST(test_cosignature_line);
    for (int i = 0; i < PF_NKEYS; i++)
        sp_signer_key_wipe(&signer[i]);
    return harness_finish("host/signing");
}
