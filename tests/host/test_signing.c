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
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "support/scratch.h"
#include "softpause/host/fileio.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/note.h"
#include "softpause/statement.h"
#include "softpause/update.h"
#include "support/fixture.h"
#include "support/policy_fixture.h"
#include "support/pub_fixture.h"
#include "support/update_fixture.h"

static pf_world W;
static sp_signer_key signer[PF_NKEYS]; /* signer[i] = the world's key i, via the library */
static fx_key outsider;                 /* not a policy key */

static uint8_t out[SP_SIGNED_NOTE_CAP];
static char expect[SP_SIGNED_NOTE_CAP];
static char input[SP_SIGNED_NOTE_CAP];

/* The 16-hex suffix of a record for (deployment, type), computed here independently:
 * SHA-256("softpause/signing-record\n" || deployment || LF || type)[:8]. */
static void suffix_of(char hex[17], const char *deployment, const char *type)
{
    char text[512];
    uint8_t h[32];
    int n = snprintf(text, sizeof text, "softpause/signing-record\n%s\n%s", deployment, type);
    crypto_hash_sha256(h, (const uint8_t *)text, (unsigned long long)n);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
}

/* The record a key's signatures live in: "<state dir>/<SHA-256 hex of the verifier key
 * text>.<suffix>.signed". */
static void record_of(char *o, size_t cap, const char *state, const char *vkey,
                      const char *deployment, const char *type)
{
    char suffix[17];
    uint8_t h[32];
    int n = snprintf(o, cap, "%s/", state);
    crypto_hash_sha256(h, (const uint8_t *)vkey, strlen(vkey));
    for (int i = 0; i < 32; i++)
        n += snprintf(o + n, cap - (size_t)n, "%02x", h[i]);
    suffix_of(suffix, deployment, type);
    snprintf(o + n, cap - (size_t)n, ".%s.signed", suffix);
}

/* The record an earlier version kept beside a key: "<prefix>.<suffix>.signed". */
static void legacy_of(char *o, size_t cap, const char *prefix, const char *deployment)
{
    char suffix[17];
    suffix_of(suffix, deployment, "authorisation");
    if ((size_t)snprintf(o, cap, "%s.%s.signed", prefix, suffix) >= cap)
        o[0] = '\0';
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

/* ---- sp_note_sign_guarded: the signing record ---------------------------------------- */

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

/* o = a followed by b (paths in the tests: the sizes are checked, not assumed). */
static void join(char *o, size_t cap, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + lb >= cap) {
        o[0] = '\0';
        return;
    }
    memcpy(o, a, la);
    memcpy(o + la, b, lb + 1);
}

static char state[1024];          /* the state directory of the current test */
static sp_sign_report srep;
static size_t signed_len;         /* the length of the last note signed into out */

/* Sign text (a plain text) with key under the state directory `state`, any start allowed. */
static sp_err sign_as(const sp_signer_key *key, const char *key_path, const char *text,
                      size_t len)
{
    sp_sign_guard g = {state, key_path, 0, UINT64_MAX, NULL};
    size_t out_len = 99, tl = 0;
    sp_err e = sp_note_sign_guarded(key, &g, (const uint8_t *)text, len, 1, out, sizeof out,
                                    &out_len, &tl, &srep, NULL);
    signed_len = out_len;
    if (e != SP_OK && (out_len != 0 || tl != 0))
        return SP_ERR_ARGUMENT; /* a refused signature is never handed out */
    return e;
}

static sp_err sign(int who, const char *text, size_t len)
{
    return sign_as(&signer[who], NULL, text, len);
}

static void state_in_scratch(void)
{
    scratch_make("signing");
    scratch_path(state, sizeof state, "state");
}

static void test_guard_non_statement(void)
{
    state_in_scratch();
    CHECK_OK(sign(PF_CIV_A, "hello\n", 6));
    CHECK(srep.is_statement == 0 && srep.record_path[0] == '\0');
    CHECK(verified_by(out, signed_len, &signer[PF_CIV_A].pub) == 1);
    CHECK(scratch_entries(NULL, 0) == 0); /* not even the state directory */
    /* A text that only looks like a policy update (sp_update_parse refuses it) passes
     * unrecorded too; real updates are guarded (test_guard_policy_updates). */
    static const char upd[] = "softpause/v1 policy-update test.example/softpause\nepoch 1\n";
    CHECK_OK(sign(PF_CIV_A, upd, sizeof upd - 1));
    CHECK(srep.is_statement == 0);
    CHECK(scratch_entries(NULL, 0) == 0);
    scratch_remove();
}

static void test_guard_records_and_refuses(void)
{
    char want_path[1100], t5[1024], t5b[1024], t4[1024], t6[1024], rec[2048];
    size_t rl;
    state_in_scratch();
    record_of(want_path, sizeof want_path, state, W.keys[PF_CIV_A].vkey, PF_DEPLOYMENT,
              "authorisation");
    size_t n5 = statement(t5, sizeof t5, &W.policy, 5, "run");
    size_t n5b = statement(t5b, sizeof t5b, &W.policy, 5, "pause");
    size_t n4 = statement(t4, sizeof t4, &W.policy, 4, "run");
    size_t n6 = statement(t6, sizeof t6, &W.policy, 6, "throttle 250");

    /* First statement: recorded, in a state directory created 0700. */
    CHECK_OK(sign(PF_CIV_A, t5, n5));
    CHECK(srep.is_statement == 1 && srep.statement.epoch == 5);
    CHECK(strcmp(srep.record_path, want_path) == 0);
    CHECK(strcmp(srep.state_dir, state) == 0);
    CHECK(scratch_mode(state) == 0700);
    CHECK(scratch_mode(want_path) == 0600);
    record_bytes(rec, sizeof rec, &rl, 5, t5);
    CHECK(scratch_holds(want_path, rec, rl));

    /* The same text again: fine (re-signing is idempotent). */
    CHECK_OK(sign(PF_CIV_A, t5, n5));
    CHECK(scratch_holds(want_path, rec, rl));

    /* A different text for the same epoch: equivocation, naming what was signed; the
     * record keeps the first. */
    CHECK_ERR(sign(PF_CIV_A, t5b, n5b), SP_ERR_EQUIVOCATION);
    CHECK(srep.recorded.epoch == 5 && srep.recorded.mode == SP_MODE_RUN);
    CHECK(scratch_holds(want_path, rec, rl));
    /* A lower epoch: refused, naming the epoch that was signed. */
    CHECK_ERR(sign(PF_CIV_A, t4, n4), SP_ERR_EQUIVOCATION);
    CHECK(srep.recorded.epoch == 5);
    CHECK(scratch_holds(want_path, rec, rl));

    /* A higher epoch: fine, and the record moves on. */
    CHECK_OK(sign(PF_CIV_A, t6, n6));
    record_bytes(rec, sizeof rec, &rl, 6, t6);
    CHECK(scratch_holds(want_path, rec, rl));
    CHECK(scratch_mode(want_path) == 0600);
    /* ... after which epoch 5, even its first text, is refused. */
    CHECK_ERR(sign(PF_CIV_A, t5, n5), SP_ERR_EQUIVOCATION);
    CHECK(srep.recorded.epoch == 6 && srep.recorded.mode == SP_MODE_THROTTLE &&
          srep.recorded.permille == 250);

    /* Another key has its own record; the directory holds records and the lock only. */
    CHECK_OK(sign(PF_CIV_B, t5b, n5b));
    CHECK(strcmp(srep.record_path, want_path) != 0);
    char names[4096];
    int n = 0;
    DIR *d = opendir(state);
    struct dirent *ent;
    while (d != NULL && (ent = readdir(d)) != NULL)
        if (ent->d_name[0] != '.')
            n += strcmp(ent->d_name, "signing.lock") == 0 ? 100 : 1;
    if (d != NULL)
        closedir(d);
    CHECK(n == 102); /* two records, the lock, no temporaries */
    (void)names;
    scratch_remove();
}

/* Policy updates are recorded like statements, type "policy-update", with the version as
 * the epoch (issue 9: the guard used to sign them unrecorded). */
/* Across a policy update (protocol.md 9): epoch n signed under the old policy may be
 * signed under the new one with the identical mode only; another mode is equivocation. */
static void test_guard_across_policy_update(void)
{
    static uf_world U;
    char old5[1024], new5[1024], pause5[1024], thr5[1024], new4[1024], new6[1024];
    uf_world_make(&U);
    state_in_scratch();
    size_t n_old5 = statement(old5, sizeof old5, &U.p[0], 5, "run");
    size_t n_new5 = statement(new5, sizeof new5, &U.p[1], 5, "run");
    size_t n_pause5 = statement(pause5, sizeof pause5, &U.p[1], 5, "pause");
    size_t n_thr5 = statement(thr5, sizeof thr5, &U.p[1], 5, "throttle 250");
    size_t n_new4 = statement(new4, sizeof new4, &U.p[1], 4, "run");
    size_t n_new6 = statement(new6, sizeof new6, &U.p[1], 6, "pause");
    CHECK_OK(sign(PF_CIV_A, old5, n_old5));
    CHECK_OK(sign(PF_CIV_A, new5, n_new5)); /* the policy line alone differs */
    CHECK_ERR(sign(PF_CIV_A, pause5, n_pause5), SP_ERR_EQUIVOCATION);
    CHECK_ERR(sign(PF_CIV_A, thr5, n_thr5), SP_ERR_EQUIVOCATION);
    CHECK_ERR(sign(PF_CIV_A, new4, n_new4), SP_ERR_EQUIVOCATION); /* lower, any policy */
    CHECK_OK(sign(PF_CIV_A, old5, n_old5)); /* back to the old policy's text: same mode */
    CHECK_OK(sign(PF_CIV_A, new6, n_new6));
    CHECK_ERR(sign(PF_CIV_A, new5, n_new5), SP_ERR_EQUIVOCATION);
    scratch_remove();
}

static void test_guard_policy_updates(void)
{
    static uf_world U;
    static char t12[SP_MAX_NOTE_BYTES], t12b[SP_MAX_NOTE_BYTES], t23[SP_MAX_NOTE_BYTES];
    static char fork[UF_POLICY_CAP], rec[SP_MAX_NOTE_BYTES + 128];
    char want[1100], auth[1100], st5[1024];
    size_t rl;
    uf_world_make(&U);
    state_in_scratch();
    record_of(want, sizeof want, state, W.keys[PF_CIV_A].vkey, PF_DEPLOYMENT, "policy-update");
    record_of(auth, sizeof auth, state, W.keys[PF_CIV_A].vkey, PF_DEPLOYMENT, "authorisation");
    size_t n12 = uf_update_text(t12, sizeof t12, &U.p[0], 2, U.text[1], 0);
    /* Another version-2 text: P2 with another allowance. */
    size_t nf = uf_variant(fork, sizeof fork, U.text[1], "\nallowance ", "\nallowance 1");
    (void)nf;
    size_t n12b = uf_update_text(t12b, sizeof t12b, &U.p[0], 2, fork, 0);
    size_t n23 = uf_update_text(t23, sizeof t23, &U.p[1], 3, U.text[2], 0);
    CHECK(n12 > SP_MAX_STATEMENT_TEXT); /* larger than any statement: the buffers must fit */

    CHECK_OK(sign(PF_CIV_A, t12, n12));
    CHECK(srep.is_statement == 1 && srep.statement.type == SP_STMT_POLICY_UPDATE &&
          srep.statement.epoch == 2);
    CHECK(strcmp(srep.record_path, want) == 0);
    record_bytes(rec, sizeof rec, &rl, 2, t12);
    CHECK(scratch_holds(want, rec, rl));
    /* The same text again: fine; another text for version 2: equivocation, naming it. */
    CHECK_OK(sign(PF_CIV_A, t12, n12));
    CHECK_ERR(sign(PF_CIV_A, t12b, n12b), SP_ERR_EQUIVOCATION);
    CHECK(srep.recorded.type == SP_STMT_POLICY_UPDATE && srep.recorded.epoch == 2);
    CHECK(scratch_holds(want, rec, rl));
    /* Version 3 moves the record on; version 2 is then refused, even its first text. */
    CHECK_OK(sign(PF_CIV_A, t23, n23));
    CHECK_ERR(sign(PF_CIV_A, t12, n12), SP_ERR_EQUIVOCATION);
    CHECK(srep.recorded.epoch == 3);
    /* Statements keep their own record: epoch 1 after update version 3 is fine. */
    size_t n5 = statement(st5, sizeof st5, &W.policy, 1, "run");
    CHECK_OK(sign(PF_CIV_A, st5, n5));
    CHECK(strcmp(srep.record_path, auth) == 0);
    /* Signing a signed copy (note sign's usual input) is guarded the same way. */
    static uint8_t signed_copy[SP_SIGNED_NOTE_CAP];
    size_t sl = uf_sign((char *)signed_copy, sizeof signed_copy, &U, t12b, PF_BIT(PF_MIL_A));
    sp_sign_guard g = {state, NULL, 0, UINT64_MAX, NULL};
    size_t ol = 0, tl = 0;
    CHECK_ERR(sp_note_sign_guarded(&signer[PF_CIV_A], &g, signed_copy, sl, 0, out, sizeof out,
                                   &ol, &tl, &srep, NULL),
              SP_ERR_EQUIVOCATION);
    CHECK(ol == 0);
    scratch_remove();
}

/* Across a policy update (issue 9 section 2.6): epoch n signed under P1 may be signed
 * again under P2 only with the identical mode line (the texts differ in the policy line
 * alone); any other mode, or a lower epoch, is equivocation; the record then holds the
 * P2 text, and the P1 text is still the same mode (signed again, fine). */
static void test_guard_same_epoch_across_an_update(void)
{
    static uf_world U;
    char a1[1024], a2[1024], p2[1024], t2[1024], e4[1024], rec[2048], path[1100];
    size_t rl;
    uf_world_make(&U);
    state_in_scratch();
    record_of(path, sizeof path, state, W.keys[PF_CIV_A].vkey, PF_DEPLOYMENT, "authorisation");
    size_t n1 = statement(a1, sizeof a1, &U.p[0], 5, "throttle 250");
    size_t n2 = statement(a2, sizeof a2, &U.p[1], 5, "throttle 250");
    size_t np = statement(p2, sizeof p2, &U.p[1], 5, "pause");
    size_t nt = statement(t2, sizeof t2, &U.p[1], 5, "throttle 251");
    size_t n4 = statement(e4, sizeof e4, &U.p[1], 4, "throttle 250");
    CHECK_OK(sign(PF_CIV_A, a1, n1));
    CHECK_ERR(sign(PF_CIV_A, p2, np), SP_ERR_EQUIVOCATION);
    CHECK_ERR(sign(PF_CIV_A, t2, nt), SP_ERR_EQUIVOCATION);
    CHECK_ERR(sign(PF_CIV_A, e4, n4), SP_ERR_EQUIVOCATION);
    CHECK_OK(sign(PF_CIV_A, a2, n2));
    record_bytes(rec, sizeof rec, &rl, 5, a2);
    CHECK(scratch_holds(path, rec, rl));
    CHECK_ERR(sign(PF_CIV_A, p2, np), SP_ERR_EQUIVOCATION);
    CHECK_OK(sign(PF_CIV_A, a1, n1));
    scratch_remove();
}

/* A re-keyed body: the new key takes over the old key's records (both types, the higher
 * epoch winning), under the lock, before its own check. */
static void test_guard_previous_key(void)
{
    static uf_world U;
    static char t12[SP_MAX_NOTE_BYTES], t12b[SP_MAX_NOTE_BYTES], fork[UF_POLICY_CAP];
    char s4[1024], s6[1024], s3[1024];
    size_t ol = 0, tl = 0;
    uf_world_make(&U);
    state_in_scratch();
    size_t n12 = uf_update_text(t12, sizeof t12, &U.p[0], 2, U.text[1], 0);
    uf_variant(fork, sizeof fork, U.text[1], "\nallowance ", "\nallowance 1");
    size_t n12b = uf_update_text(t12b, sizeof t12b, &U.p[0], 2, fork, 0);
    size_t n4 = statement(s4, sizeof s4, &W.policy, 4, "run");
    size_t n6 = statement(s6, sizeof s6, &W.policy, 6, "pause");
    size_t n3 = statement(s3, sizeof s3, &W.policy, 3, "run");
    /* The old key (civ-beta) signed epoch 6 and update text t12; the new key epoch 4. */
    CHECK_OK(sign(PF_CIV_B, s6, n6));
    CHECK_OK(sign(PF_CIV_B, t12, n12));
    CHECK_OK(sign(PF_MIL_C, s4, n4));
    sp_sign_guard g = {state, NULL, 0, UINT64_MAX, NULL}; /* previous: civ-beta's key */
    for (uint32_t i = 0; i < W.policy.signer_count; i++)
        if (memcmp(W.policy.signers[i].key.public_key, signer[PF_CIV_B].pub.public_key, 32) == 0)
            g.previous_key = &W.policy.signers[i].key;
    if (g.previous_key == NULL) {
        CHECK(g.previous_key != NULL);
        return;
    }
    /* Another version-2 text, by the new key with the old key's records: refused, and both
     * records were imported first (they stay imported). */
    CHECK_ERR(sp_note_sign_guarded(&signer[PF_MIL_C], &g, (const uint8_t *)t12b, n12b, 1, out,
                                   sizeof out, &ol, &tl, &srep, NULL),
              SP_ERR_EQUIVOCATION);
    CHECK(srep.imported == 2 && ol == 0);
    CHECK_ERR(sign(PF_MIL_C, s3, n3), SP_ERR_EQUIVOCATION);          /* below 6 now */
    CHECK(srep.recorded.epoch == 6 && srep.recorded.mode == SP_MODE_PAUSE);
    CHECK_OK(sign(PF_MIL_C, s6, n6));                                 /* the same text */
    /* t12 itself is fine; importing again changes nothing (not ahead any more). */
    CHECK_OK(sp_note_sign_guarded(&signer[PF_MIL_C], &g, (const uint8_t *)t12, n12, 1, out,
                                  sizeof out, &ol, &tl, &srep, NULL));
    CHECK(srep.imported == 0);
    scratch_remove();
}

static void test_guard_per_deployment(void)
{
    static sp_policy other;
    char rp1[1100], want[1100], ta[1024], tb[1024], tb2[1024], rec[2048];
    size_t rl;
    state_in_scratch();
    other = W.policy;
    snprintf(other.deployment, sizeof other.deployment, "%s", "other.example/fleet");
    size_t na = statement(ta, sizeof ta, &W.policy, 9, "run");
    size_t nb = statement(tb, sizeof tb, &other, 9, "pause");
    size_t nb2 = statement(tb2, sizeof tb2, &other, 3, "run");
    CHECK_OK(sign(PF_MIL_A, ta, na));
    join(rp1, sizeof rp1, srep.record_path, "");
    /* Same epoch, different text, other deployment: a separate record, no equivocation. */
    CHECK_OK(sign(PF_MIL_A, tb, nb));
    record_of(want, sizeof want, state, W.keys[PF_MIL_A].vkey, "other.example/fleet",
              "authorisation");
    CHECK(strcmp(srep.record_path, want) == 0 && strcmp(rp1, want) != 0);
    /* Each record guards its own deployment. */
    CHECK_ERR(sign(PF_MIL_A, tb2, nb2), SP_ERR_EQUIVOCATION);
    record_bytes(rec, sizeof rec, &rl, 9, ta);
    CHECK(scratch_holds(rp1, rec, rl));
    record_bytes(rec, sizeof rec, &rl, 9, tb);
    CHECK(scratch_holds(want, rec, rl));
    scratch_remove();
}

static void test_guard_corrupt_record(void)
{
    static char bad[SP_MAX_NOTE_BYTES + 256]; /* over a record's limit (update texts fit) */
    char rp[1100], t[1024];
    state_in_scratch();
    size_t n = statement(t, sizeof t, &W.policy, 2, "run");
    CHECK_OK(sign(PF_CIV_A, t, n));
    join(rp, sizeof rp, srep.record_path, "");
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
        {"softpause-signing-record/v1\nepoch 3\nnot a statement\n", 0}, /* refusal unnamed */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t bl = strlen(cases[i].what);
        CHECK_OK(sp_file_write_atomic(rp, cases[i].what, bl, 0600, 1));
        CHECK_ERR(sign(PF_CIV_A, t, n), SP_ERR_FILE_FORMAT);
        CHECK(scratch_holds(rp, cases[i].what, bl)); /* never "repaired" */
    }
    /* An over-long record. */
    memset(bad, 'x', sizeof bad);
    memcpy(bad, "softpause-signing-record/v1\nepoch 1\n", 36);
    CHECK_OK(sp_file_write_atomic(rp, bad, sizeof bad, 0600, 1));
    CHECK_ERR(sign(PF_CIV_A, t, n), SP_ERR_FILE_FORMAT);
    /* A record path that is a directory: an I/O error, not "no record yet". */
    CHECK(unlink(rp) == 0);
    CHECK(mkdir(rp, 0700) == 0);
    CHECK_ERR(sign(PF_CIV_A, t, n), SP_ERR_IO);
    CHECK(rmdir(rp) == 0);
    scratch_remove();
}

/* The lock file cannot be opened (here: a symbolic link in its place, refused by
 * O_NOFOLLOW): the error blames the lock file, not a record, and nothing is signed. */
static void test_guard_lock_file_unusable(void)
{
    char t[1024], lock[1100], elsewhere[1100];
    size_t n = statement(t, sizeof t, &W.policy, 2, "run");
    scratch_make("signing");
    scratch_path(state, sizeof state, "state");
    CHECK(mkdir(state, 0700) == 0);
    join(lock, sizeof lock, state, "/" SP_SIGN_LOCK_FILE);
    scratch_path(elsewhere, sizeof elsewhere, "elsewhere");
    CHECK(symlink(elsewhere, lock) == 0);
    CHECK_ERR(sign(PF_CIV_A, t, n), SP_ERR_IO);
    CHECK(srep.why != NULL && strstr(srep.why, "lock file") != NULL);
    CHECK(srep.record_path[0] == '\0' && signed_len == 0);
    CHECK(unlink(lock) == 0);
    CHECK_OK(sign(PF_CIV_A, t, n));
    scratch_remove();
}

/* The state directory: made 0700 with its parents; refused when it is a symbolic link, not
 * a directory, writable by others or someone else's; found from the environment. */
static void test_guard_state_directory(void)
{
    char t[1024], real[1100], link_path[1100];
    const char *why = NULL;
    size_t n = statement(t, sizeof t, &W.policy, 2, "run");
    scratch_make("signing");
    scratch_path(state, sizeof state, "a/b/state");
    CHECK_OK(sign(PF_CIV_A, t, n));
    CHECK(scratch_mode(state) == 0700);

    scratch_path(real, sizeof real, "real");
    scratch_path(link_path, sizeof link_path, "link");
    CHECK(mkdir(real, 0700) == 0 && symlink(real, link_path) == 0);
    join(state, sizeof state, link_path, "");
    CHECK_ERR(sign(PF_CIV_A, t, n), SP_ERR_IO);
    CHECK(srep.why != NULL && strstr(srep.why, "symbolic link") != NULL);
    CHECK(srep.record_path[0] == '\0');
    join(state, sizeof state, link_path, "/"); /* a trailing slash does not hide it */
    CHECK_ERR(sign(PF_CIV_A, t, n), SP_ERR_IO);
    /* ... nor "/." or "/./" (lstat would follow the link through them) */
    static const char *const through[] = {"/.", "/./", "/.//./", "//."};
    for (size_t i = 0; i < sizeof through / sizeof through[0]; i++) {
        join(state, sizeof state, link_path, through[i]);
        CHECK_ERR(sign(PF_CIV_A, t, n), SP_ERR_IO);
        CHECK(srep.why != NULL && strstr(srep.why, "symbolic link") != NULL);
    }
    /* A name ending in ".." names another directory's entry: refused. */
    join(state, sizeof state, real, "/..");
    CHECK_ERR(sign(PF_CIV_A, t, n), SP_ERR_IO);
    CHECK(srep.why != NULL && strstr(srep.why, "'..'") != NULL);
    join(state, sizeof state, real, "/./"); /* the real directory, however spelt, is fine */
    CHECK_OK(sign(PF_CIV_A, t, n));

    join(state, sizeof state, real, "");
    CHECK(chmod(real, 0770) == 0);
    CHECK_ERR(sign(PF_CIV_A, t, n), SP_ERR_IO);
    CHECK(srep.why != NULL && strstr(srep.why, "group or others") != NULL);
    CHECK(chmod(real, 0703) == 0);
    CHECK_ERR(sign(PF_CIV_A, t, n), SP_ERR_IO);
    CHECK(chmod(real, 0755) == 0); /* readable by others is fine */
    CHECK_OK(sign(PF_CIV_A, t, n));
    if (geteuid() == 0) { /* only root can give a directory away */
        CHECK(chown(real, 65534, 65534) == 0);
        CHECK_ERR(sign(PF_CIV_A, t, n), SP_ERR_IO);
        CHECK(srep.why != NULL && strstr(srep.why, "another user") != NULL);
        CHECK(chown(real, 0, 0) == 0);
    }
    scratch_path(state, sizeof state, "file");
    CHECK_OK(sp_file_write_atomic(state, "x", 1, 0600, 0));
    CHECK_ERR(sign(PF_CIV_A, t, n), SP_ERR_IO);

    /* Where it is when not given: $SOFTPAUSE_STATE_DIR, $XDG_STATE_HOME/softpause (absolute
     * only), $HOME/.local/state/softpause. */
    char got[1100], want[1100], home[1100];
    const char *saved[3] = {getenv("SOFTPAUSE_STATE_DIR"), getenv("XDG_STATE_HOME"),
                            getenv("HOME")};
    char keep[3][1100];
    for (int i = 0; i < 3; i++)
        join(keep[i], sizeof keep[i], saved[i] != NULL ? saved[i] : "", "");
    scratch_path(home, sizeof home, "home");
    setenv("HOME", home, 1);
    unsetenv("SOFTPAUSE_STATE_DIR");
    setenv("XDG_STATE_HOME", "relative/ignored", 1);
    CHECK_OK(sp_signing_state_dir(NULL, got, sizeof got, &why));
    join(want, sizeof want, home, "/.local/state/softpause");
    CHECK(strcmp(got, want) == 0 && scratch_mode(want) == 0700);
    scratch_path(want, sizeof want, "xdg");
    setenv("XDG_STATE_HOME", want, 1);
    CHECK_OK(sp_signing_state_dir(NULL, got, sizeof got, &why));
    strcat(want, "/softpause");
    CHECK(strcmp(got, want) == 0);
    scratch_path(want, sizeof want, "env-state");
    setenv("SOFTPAUSE_STATE_DIR", want, 1);
    CHECK_OK(sp_signing_state_dir(NULL, got, sizeof got, &why));
    CHECK(strcmp(got, want) == 0);
    scratch_path(want, sizeof want, "explicit");
    CHECK_OK(sp_signing_state_dir(want, got, sizeof got, &why));
    CHECK(strcmp(got, want) == 0);
    unsetenv("SOFTPAUSE_STATE_DIR");
    unsetenv("XDG_STATE_HOME");
    unsetenv("HOME");
    CHECK_ERR(sp_signing_state_dir(NULL, got, sizeof got, &why), SP_ERR_IO);
    CHECK(why != NULL);
    CHECK_ERR(sp_signing_state_dir("", got, sizeof got, &why), SP_ERR_IO);
    const char *names[3] = {"SOFTPAUSE_STATE_DIR", "XDG_STATE_HOME", "HOME"};
    for (int i = 0; i < 3; i++)
        if (saved[i] != NULL)
            setenv(names[i], keep[i], 1);
    scratch_remove();
}

/* Write signer[who]'s key file at path. */
static void write_key(const char *path, int who)
{
    char text[512];
    CHECK_OK(sp_signer_key_format(&signer[who], text, sizeof text));
    strcat(text, "\n");
    CHECK_OK(sp_file_write_atomic(path, text, strlen(text), 0600, 0));
}

/* Sign as the key in the file at key_path, as `note sign --key` does. */
static sp_err sign_with_file(const char *key_path, const char *text, size_t len)
{
    sp_signer_key k;
    sp_err e = sp_signer_key_load(&k, key_path);
    if (e == SP_OK)
        e = sign_as(&k, key_path, text, len);
    sp_signer_key_wipe(&k);
    return e;
}

/* The record is the public key's: the same key through a symbolic link, a copy or a hard
 * link finds the record its first signature made. */
static void test_guard_same_key_other_paths(void)
{
    char key[1100], sym[1100], copy[1100], hard[1100], run1[1024], pause1[1024], first[1100];
    state_in_scratch();
    scratch_path(key, sizeof key, "mil-a.key");
    scratch_path(sym, sizeof sym, "via-link.key");
    scratch_path(copy, sizeof copy, "copy.key");
    scratch_path(hard, sizeof hard, "hard.key");
    write_key(key, PF_MIL_A);
    write_key(copy, PF_MIL_A);
    CHECK(symlink(key, sym) == 0);
    CHECK(link(key, hard) == 0);
    size_t nr = statement(run1, sizeof run1, &W.policy, 1, "run");
    size_t np = statement(pause1, sizeof pause1, &W.policy, 1, "pause");
    CHECK_OK(sign_with_file(key, run1, nr));
    join(first, sizeof first, srep.record_path, "");
    const char *others[3] = {sym, copy, hard};
    for (int i = 0; i < 3; i++) {
        CHECK_ERR(sign_with_file(others[i], pause1, np), SP_ERR_EQUIVOCATION);
        CHECK(strcmp(srep.record_path, first) == 0);
        CHECK(srep.recorded.epoch == 1 && srep.recorded.mode == SP_MODE_RUN);
        CHECK_OK(sign_with_file(others[i], run1, nr)); /* the same text: fine */
    }
    scratch_remove();
}

/* Records beside the key (earlier versions) are honoured and migrated: the higher epoch
 * wins, is written into the state directory, and the old file stays. */
static void test_guard_migrates_old_records(void)
{
    char key[1100], old_rec[1100], t4[1024], t5[1024], t6[1024], t7[1024], t8[1024],
        rec[2048], old_bytes[2048], stem[1100];
    size_t rl, ol;
    state_in_scratch();
    scratch_path(key, sizeof key, "civ-b.key");
    scratch_path(stem, sizeof stem, "civ-b");
    write_key(key, PF_CIV_B);
    legacy_of(old_rec, sizeof old_rec, stem, PF_DEPLOYMENT);
    size_t n4 = statement(t4, sizeof t4, &W.policy, 4, "run");
    size_t n5 = statement(t5, sizeof t5, &W.policy, 5, "run");
    size_t n6 = statement(t6, sizeof t6, &W.policy, 6, "pause");
    size_t n7 = statement(t7, sizeof t7, &W.policy, 7, "run");
    size_t n8 = statement(t8, sizeof t8, &W.policy, 8, "run");
    record_bytes(old_bytes, sizeof old_bytes, &ol, 6, t6);
    CHECK_OK(sp_file_write_atomic(old_rec, old_bytes, ol, 0600, 0));

    /* No state record yet: the old one refuses epoch 5 and is copied into the state dir. */
    CHECK_ERR(sign_with_file(key, t5, n5), SP_ERR_EQUIVOCATION);
    CHECK(srep.recorded.epoch == 6 && srep.recorded.mode == SP_MODE_PAUSE);
    CHECK(strcmp(srep.migrated_from, old_rec) == 0);
    CHECK(scratch_holds(srep.record_path, old_bytes, ol));
    CHECK(scratch_holds(old_rec, old_bytes, ol)); /* never dropped */
    CHECK_OK(sign_with_file(key, t6, n6));        /* its own text still signs */
    CHECK(srep.migrated_from[0] == '\0');          /* nothing left to merge */

    /* The state record moves on; an old record with a lower epoch changes nothing. */
    CHECK_OK(sign_with_file(key, t8, n8));
    record_bytes(rec, sizeof rec, &rl, 8, t8);
    CHECK(scratch_holds(srep.record_path, rec, rl));
    CHECK_ERR(sign_with_file(key, t7, n7), SP_ERR_EQUIVOCATION);
    CHECK(srep.recorded.epoch == 8 && srep.migrated_from[0] == '\0');

    /* A symbolic link elsewhere: the old record beside the file it resolves to counts. */
    char other_state[1100], sym[1100];
    scratch_path(other_state, sizeof other_state, "state2");
    scratch_path(sym, sizeof sym, "sub");
    CHECK(mkdir(sym, 0700) == 0);
    scratch_path(sym, sizeof sym, "sub/link.key");
    CHECK(symlink(key, sym) == 0);
    join(state, sizeof state, other_state, "");
    CHECK_ERR(sign_with_file(sym, t4, n4), SP_ERR_EQUIVOCATION);
    CHECK(srep.recorded.epoch == 6 && strcmp(srep.migrated_from, old_rec) == 0);

    /* A malformed old record fails closed, naming it. */
    CHECK_OK(sp_file_write_atomic(old_rec, "garbage", 7, 0600, 1));
    scratch_path(state, sizeof state, "state3");
    CHECK_ERR(sign_with_file(key, t8, n8), SP_ERR_FILE_FORMAT);
    CHECK(strcmp(srep.record_path, old_rec) == 0);
    scratch_remove();
}

/* An authorisation starting more than max_ahead after the clock is refused before anything
 * is recorded; policy updates and other texts are not subject to it. */
static void test_guard_future(void)
{
    char t[1024];
    sp_statement st;
    size_t out_len, tl;
    state_in_scratch();
    size_t n = statement(t, sizeof t, &W.policy, 30, "run");
    CHECK_OK(sp_statement_parse(&st, (const uint8_t *)t, n, NULL));
    sp_sign_guard g = {state, NULL, st.start - 86400, 86400 - 1, NULL};
    CHECK_ERR(sp_note_sign_guarded(&signer[PF_CIV_A], &g, (const uint8_t *)t, n, 1, out,
                                   sizeof out, &out_len, &tl, &srep, NULL),
              SP_ERR_SIGN_FUTURE);
    CHECK(out_len == 0 && srep.statement.start == st.start);
    CHECK(scratch_entries(NULL, 0) == 0); /* nothing recorded, not even the directory */
    g.max_ahead = 86400; /* exactly max_ahead ahead: fine */
    CHECK_OK(sp_note_sign_guarded(&signer[PF_CIV_A], &g, (const uint8_t *)t, n, 1, out,
                                  sizeof out, &out_len, &tl, &srep, NULL));
    g.now = 0; /* --allow-future */
    g.max_ahead = UINT64_MAX;
    CHECK_OK(sp_note_sign_guarded(&signer[PF_CIV_B], &g, (const uint8_t *)t, n, 1, out,
                                  sizeof out, &out_len, &tl, &srep, NULL));
    g.now = st.start + 1000000; /* a start in the past is never "ahead" */
    g.max_ahead = 0;
    CHECK_OK(sp_note_sign_guarded(&signer[PF_MIL_A], &g, (const uint8_t *)t, n, 1, out,
                                  sizeof out, &out_len, &tl, &srep, NULL));
    scratch_remove();
}

/* Many rounds of two processes signing RUN and PAUSE for one epoch at the same moment:
 * exactly one of them may sign; the other is refused. */
#define CONCURRENT_ROUNDS 50

static void test_guard_concurrent_signers(void)
{
    char run_t[1024], pause_t[1024];
    int doubles = 0, successes = 0, others = 0;
    state_in_scratch();
    for (int round = 0; round < CONCURRENT_ROUNDS; round++) {
        int go[2], res[2];
        pid_t pid[2];
        uint64_t epoch = 100 + (uint64_t)round;
        size_t nr = statement(run_t, sizeof run_t, &W.policy, epoch, "run");
        size_t np = statement(pause_t, sizeof pause_t, &W.policy, epoch, "pause");
        if (pipe(go) != 0 || pipe(res) != 0) {
            CHECK(0);
            break;
        }
        for (int c = 0; c < 2; c++) {
            pid[c] = fork();
            if (pid[c] == 0) {
                char b;
                close(go[1]);
                /* Both wait for the same signal, then race. */
                if (read(go[0], &b, 1) != 1)
                    _exit(3);
                sp_err e = c == 0 ? sign(PF_MIL_B, run_t, nr) : sign(PF_MIL_B, pause_t, np);
                char r = e == SP_OK ? 'S' : e == SP_ERR_EQUIVOCATION ? 'R' : 'E';
                _exit(write(res[1], &r, 1) == 1 ? 0 : 3);
            }
        }
        close(go[0]);
        close(res[1]);
        CHECK(write(go[1], "gg", 2) == 2);
        close(go[1]);
        char got[2] = {0, 0};
        ssize_t g = 0;
        while (g < 2) {
            ssize_t k = read(res[0], got + g, (size_t)(2 - g));
            if (k <= 0)
                break;
            g += k;
        }
        close(res[0]);
        for (int c = 0; c < 2; c++)
            waitpid(pid[c], NULL, 0);
        int signed_now = (got[0] == 'S') + (got[1] == 'S');
        doubles += signed_now == 2;
        successes += signed_now == 1;
        others += (got[0] != 'S' && got[0] != 'R') || (got[1] != 'S' && got[1] != 'R');
    }
    printf("  concurrent signers: %d rounds, %d signed once, %d signed twice, %d errors\n",
           CONCURRENT_ROUNDS, successes, doubles, others);
    CHECK(doubles == 0);
    CHECK(others == 0);
    CHECK(successes == CONCURRENT_ROUNDS);
    harness_saw(SP_ERR_EQUIVOCATION);
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

/* Update copies: lines valid under either policy are kept (civ-beta's new key is only in
 * the new one), one per key; a statement, or an update failing steps 2-8, is refused. */
static void test_update_collect(void)
{
    static uf_world U;
    static uint8_t c[3][SP_SIGNED_NOTE_CAP], merged[SP_SIGNED_NOTE_CAP];
    static char text[SP_MAX_NOTE_BYTES];
    static sp_note work;
    static sp_update_result res;
    sp_update_report rep;
    const uint8_t *ptr[3] = {c[0], c[1], c[2]};
    size_t len[3], out_len = 0, bad = 99;
    sp_collect_result r;
    uf_world_make(&U);
    uf_update_text(text, sizeof text, &U.p[0], 2, U.text[1], 0);
    len[0] = uf_sign((char *)c[0], sizeof c[0], &U, text,
                     PF_BIT(PF_MIL_A) | PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_B));
    len[1] = uf_sign((char *)c[1], sizeof c[1], &U, text, PF_BIT(UF_CIV_B2) | PF_BIT(PF_CIV_A));
    len[2] = uf_sign((char *)c[2], sizeof c[2], &U, text, PF_BIT(PF_CIV_B));
    /* With only the first copy, the proof of possession is missing. */
    CHECK_ERR(sp_update_verify(&U.p[0], c[0], len[0], sp_sodium_crypto(), &work, &res, &rep,
                               NULL),
              SP_ERR_UPDATE_UNSIGNED_KEY);
    CHECK_OK(sp_update_collect(&U.p[0], ptr, len, 3, merged, sizeof merged, &out_len, &r, &bad,
                               NULL));
    CHECK(r.merged == 5 && r.duplicates == 1 && r.invalid == 0 && r.unknown == 0);
    CHECK_OK(sp_update_verify(&U.p[0], merged, out_len, sp_sodium_crypto(), &work, &res, &rep,
                              NULL));
    /* A statement is no update; a copy of another update text is a mismatch. */
    static char st[1024], other[SP_MAX_NOTE_BYTES];
    statement(st, sizeof st, &W.policy, 3, "run");
    len[1] = pf_sign_mask((char *)c[1], sizeof c[1], st, W.keys, PF_NKEYS, PF_BIT(PF_CIV_A));
    CHECK_ERR(sp_update_collect(&U.p[0], ptr, len, 2, merged, sizeof merged, &out_len, &r,
                                &bad, NULL),
              SP_ERR_UPDATE_FORMAT);
    CHECK(bad == 1 && out_len == 0);
    uf_update_text(other, sizeof other, &U.p[0], 2, U.text[1], 1); /* with time-reset */
    len[1] = uf_sign((char *)c[1], sizeof c[1], &U, other, PF_BIT(PF_CIV_A));
    CHECK_ERR(sp_update_collect(&U.p[0], ptr, len, 2, merged, sizeof merged, &out_len, &r,
                                &bad, NULL),
              SP_ERR_COLLECT_MISMATCH);
    /* Against the wrong current policy (P2): the version is not newer. */
    CHECK_ERR(sp_update_collect(&U.p[1], ptr, len, 1, merged, sizeof merged, &out_len, &r,
                                &bad, NULL),
              SP_ERR_UPDATE_NOT_NEWER);
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
    RUN_TEST(test_guard_policy_updates);
    RUN_TEST(test_guard_across_policy_update);
    RUN_TEST(test_guard_previous_key);
    RUN_TEST(test_guard_same_epoch_across_an_update);
    RUN_TEST(test_guard_per_deployment);
    RUN_TEST(test_guard_corrupt_record);
    RUN_TEST(test_guard_state_directory);
    RUN_TEST(test_guard_lock_file_unusable);
    RUN_TEST(test_guard_same_key_other_paths);
    RUN_TEST(test_guard_migrates_old_records);
    RUN_TEST(test_guard_future);
    RUN_TEST(test_guard_concurrent_signers);
    RUN_TEST(test_collect_merges);
    RUN_TEST(test_update_collect);
    RUN_TEST(test_collect_drops_duplicates_invalid_unknown);
    RUN_TEST(test_collect_mismatch);
    RUN_TEST(test_collect_nothing_valid);
    RUN_TEST(test_collect_statement_errors);
    RUN_TEST(test_cosignature_line);
    for (int i = 0; i < PF_NKEYS; i++)
        sp_signer_key_wipe(&signer[i]);
    return harness_finish("host/signing");
}
