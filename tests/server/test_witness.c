/*
 * test_witness.c -- the witness (softpause/server/witness.h): the C2SP tlog-witness
 * add-checkpoint handler, its statuses and bodies, its durable state, and a crash test.
 *
 * Everything the witness is given is made independently of the library by
 * tests/support/pub_fixture.c (libsodium): the log's checkpoint notes and signatures, the
 * Merkle roots and consistency proofs (RFC 6962, recursive), and the expected cosignature
 * lines -- Ed25519 is deterministic, so a correct cosignature is byte-identical to the one
 * the fixture makes for the same timestamp.  Requests are written here with snprintf.
 *
 * The log is the fixture's "filler tree" (leaf i = filler note i); "evil" trees put
 * another leaf in it, for split views.  A test clock dates cosignatures.
 *
 * Crash test: a child process handles add-checkpoint requests for an ever growing tree and
 * reports each cosignature it got back through a pipe; the parent kills it with SIGKILL at
 * a random moment, reopens the database and checks that the stored size never went
 * backwards, that it covers every cosignature ever returned, and that every returned
 * cosignature is valid and for a tree consistent with the final state.  The suite runs
 * CRASH_ROUNDS_DEFAULT rounds; `test_witness crash N` runs N (tests/soak/witness_crash.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "softpause/checkpoint.h"
#include "softpause/host/http.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/merkle.h"
#include "softpause/server/witness.h"
#include "softpause/witness_policy.h"
#include "support/pub_fixture.h"
#include "support/scratch.h"

#define CRASH_ROUNDS_DEFAULT 10
#define T0 1700000000u

static pub_world PW;
static sp_signer_key WKEY[PUB_NWITNESSES]; /* the world's witnesses as cosigner keys */
static sp_wlog LOG;                         /* the world's log, as a witness trusts it */
static uint64_t clock_now = T0;

static uint64_t test_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static void db_path(char *out, size_t cap, const char *name)
{
    scratch_path(out, cap, name);
}

static sp_witness_service *open_witness(const char *db, int i);

/* Every test: a fresh scratch directory, witness w1 on DB (its path), the clock at T0. */
static char DB[1024];
static sp_witness_service *setup(void)
{
    scratch_make("witness");
    db_path(DB, sizeof DB, "w.db");
    clock_now = T0;
    sp_witness_service *w = open_witness(DB, 0);
    if (w == NULL)
        harness_fail(__FILE__, __LINE__, "cannot open the witness");
    return w;
}

/* setup(), then the filler tree at `size` cosigned on first contact (old 0). */
static sp_witness_service *setup_cosigned(uint64_t size);

static void teardown(sp_witness_service *w)
{
    sp_witness_close(w);
    scratch_remove();
}

static sp_witness_service *open_witness(const char *db, int i)
{
    /* A new database the first time (`witness serve --init`), the same one after. */
    sp_witness_config cfg = {&WKEY[i], &LOG, 1, db, NULL, test_clock, NULL,
                             access(db, F_OK) != 0, NULL, 0};
    sp_witness_service *w = NULL;
    char err[256];
    sp_err e = sp_witness_open(&w, &cfg, err, sizeof err);
    if (e != SP_OK) {
        fprintf(stderr, "sp_witness_open(%s): %s %s\n", db, sp_err_name(e), err);
        return NULL;
    }
    return w;
}

/* ---- building requests ----------------------------------------------------------------- */

/* A checkpoint note for (size, root) signed by `signer` (NULL: the log) under `origin`
 * (NULL: the log's); no cosignatures.  Returns its length; *text_len the note text's. */
static size_t checkpoint_as(char *out, size_t cap, uint64_t size, const uint8_t root[32],
                            const fx_key *signer, const char *origin, size_t *text_len)
{
    pub_bundle_opts o;
    size_t n;
    pub_bundle_defaults(&o, &PW, 1);
    o.witness_mask = 0;
    o.log = signer != NULL ? signer : &PW.log;
    o.origin = origin;
    n = pub_checkpoint_note(out, cap, &PW, &o, size, root);
    if (text_len != NULL)
        *text_len = (size_t)(strstr(out, "\n\n") - out) + 1;
    return n;
}

/* "old <old>\n" + proof lines + "\n" + note. */
static size_t request(char *out, size_t cap, uint64_t old, const uint8_t (*proof)[32], size_t n,
                      const char *note)
{
    int k = snprintf(out, cap, "old %llu\n", (unsigned long long)old);
    size_t pos = (size_t)k;
    for (size_t i = 0; i < n; i++) {
        sodium_bin2base64(out + pos, cap - pos, proof[i], 32, sodium_base64_VARIANT_ORIGINAL);
        pos += strlen(out + pos);
        out[pos++] = '\n';
    }
    k = snprintf(out + pos, cap - pos, "\n%s", note);
    return pos + (size_t)k;
}

/* The honest request from the filler tree at `old` to the filler tree at `size`. */
static size_t honest(char *out, size_t cap, uint64_t old, uint64_t size)
{
    uint8_t root[32], proof[64][32];
    char note[2048];
    size_t n = old > 0 && old <= size ? pub_consistency(old, size, proof) : 0;
    pub_filler_root(size, root);
    checkpoint_as(note, sizeof note, size, root, NULL, NULL, NULL);
    return request(out, cap, old, (const uint8_t(*)[32])proof, n, note);
}

/* ---- submitting ------------------------------------------------------------------------- */

typedef struct reply {
    sp_err err;
    int status;
    char ctype[64];
    char body[1024];
    size_t len;
} reply;

static void submit(sp_witness_service *w, const char *req, size_t len, reply *r)
{
    sp_http_response resp;
    memset(r, 0, sizeof *r);
    r->err = sp_witness_add_checkpoint(w, (const uint8_t *)req, len, &resp);
    harness_saw(r->err);
    r->status = resp.status;
    snprintf(r->ctype, sizeof r->ctype, "%s", resp.content_type ? resp.content_type : "");
    r->len = resp.body_len < sizeof r->body - 1 ? resp.body_len : sizeof r->body - 1;
    memcpy(r->body, resp.body, r->len);
    r->body[r->len] = '\0';
    if (!resp.body_static)
        free(resp.body);
}

static void grow(sp_witness_service *w, uint64_t old, uint64_t size, reply *r)
{
    static char req[SP_MAX_WITNESS_REQUEST_BYTES];
    submit(w, req, honest(req, sizeof req, old, size), r);
}

/* A 4xx carries one line naming the error. */
static int reason_is(const reply *r, int status, sp_err e)
{
    const char *name = sp_err_name(e);
    return r->status == status && r->err == e && strncmp(r->body, name, strlen(name)) == 0 &&
           r->len > 0 && r->body[r->len - 1] == '\n' &&
           strchr(r->body, '\n') == r->body + r->len - 1;
}

#define CHECK_REFUSED(r_, st_, e_)                                                           \
    do {                                                                                     \
        if (!reason_is(&(r_), (st_), (e_))) {                                                \
            char m_[1400];                                                                   \
            snprintf(m_, sizeof m_, "got %d %s \"%s\", expected %d %s", (r_).status,         \
                     sp_err_name((r_).err), (r_).body, (st_), sp_err_name(e_));              \
            harness_fail(__FILE__, __LINE__, m_);                                            \
        }                                                                                    \
    } while (0)

/* The 409 the spec fixes byte for byte. */
static int size_conflict(const reply *r, uint64_t last)
{
    char want[32];
    snprintf(want, sizeof want, "%llu\n", (unsigned long long)last);
    return r->status == 409 && r->err == SP_ERR_WITNESS_CONFLICT &&
           strcmp(r->ctype, "text/x.tlog.size") == 0 && r->len == strlen(want) &&
           memcmp(r->body, want, r->len) == 0;
}

/* r is the cosignature by witness i, at time t, of the filler checkpoint at `size`: byte
 * for byte the line the fixture makes with libsodium. */
static int cosigned(const reply *r, int i, uint64_t size, uint64_t t)
{
    char note[2048], want[512];
    uint8_t root[32];
    size_t tl, wl;
    pub_filler_root(size, root);
    checkpoint_as(note, sizeof note, size, root, NULL, NULL, &tl);
    wl = pub_cosign_line(want, sizeof want, &PW, i, t, note, tl);
    return r->status == 200 && r->err == SP_OK && r->len == wl && memcmp(r->body, want, wl) == 0;
}

static sp_witness_service *setup_cosigned(uint64_t size)
{
    reply r;
    sp_witness_service *w = setup();
    if (w != NULL) {
        grow(w, 0, size, &r);
        if (!cosigned(&r, 0, size, T0))
            harness_fail(__FILE__, __LINE__, "first contact not cosigned");
    }
    return w;
}

/* Decode a cosignature line "— name base64\n" (len bytes): key ID, timestamp and the
 * 64-byte signature into payload[76]; 1 on success. */
static int cosig_payload(const char *line, size_t len, uint8_t payload[76], uint32_t *id,
                         uint64_t *t)
{
    const char *sp = len > 5 ? memchr(line + 4, ' ', len - 4) : NULL;
    size_t plen = 0;
    *id = 0;
    *t = 0;
    if (sp == NULL || line[len - 1] != '\n' ||
        sodium_base642bin(payload, 76, sp + 1, len - (size_t)(sp + 1 - line) - 1, NULL, &plen,
                          NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        plen != 76)
        return 0;
    *id = (uint32_t)payload[0] << 24 | (uint32_t)payload[1] << 16 | (uint32_t)payload[2] << 8 |
          payload[3];
    for (int b = 0; b < 8; b++)
        *t = *t << 8 | payload[4 + b];
    return 1;
}

/* The stored head is the filler tree at `size` (or nothing). */
static void expect_head(sp_witness_service *w, int found, uint64_t size)
{
    int f = -1;
    uint64_t s = 99;
    uint8_t root[32], want[32];
    CHECK_OK(sp_witness_latest(w, PUB_LOG_ORIGIN, &f, &s, root));
    CHECK(f == found && s == (found ? size : 0));
    if (found) {
        pub_filler_root(size, want);
        CHECK(memcmp(root, want, 32) == 0);
    }
}

/* ---- the 200 path ------------------------------------------------------------------------ */

static void test_cosigns_growing_tree(void)
{
    reply r;
    sp_witness_service *w = setup();
    if (w == NULL)
        return;
    expect_head(w, 0, 0);
    clock_now = T0;
    grow(w, 0, 5, &r); /* first contact: old 0, empty proof */
    CHECK(cosigned(&r, 0, 5, T0));
    expect_head(w, 1, 5);
    clock_now = T0 + 60;
    grow(w, 5, 8, &r);
    CHECK(cosigned(&r, 0, 8, T0 + 60));
    clock_now = T0 + 120;
    grow(w, 8, 8, &r); /* the same tree again: a fresh timestamp */
    CHECK(cosigned(&r, 0, 8, T0 + 120));
    for (uint64_t s = 8; s < 300; s += 37) {
        grow(w, s, s + 37, &r);
        CHECK(cosigned(&r, 0, s + 37, T0 + 120));
    }
    expect_head(w, 1, 304);
    teardown(w);
}

/* The cosignature verified by hand: key ID, big-endian time, Ed25519 over the spec's
 * message -- and by the device's verifier, with two witnesses making the quorum. */
static void test_cosignature_verifies(void)
{
    char db0[1024], db1[1024], note[4096], req[8192], pol[2048];
    uint8_t root[32], payload[76], msg[2048];
    size_t tl, n;
    reply r0, r1;
    scratch_make("witness");
    db_path(db0, sizeof db0, "w1.db");
    db_path(db1, sizeof db1, "w2.db");
    sp_witness_service *w0 = open_witness(db0, 0), *w1 = open_witness(db1, 1);
    CHECK(w0 != NULL && w1 != NULL);
    if (w0 == NULL || w1 == NULL)
        return;
    clock_now = T0 + 5;
    pub_filler_root(13, root);
    n = checkpoint_as(note, sizeof note, 13, root, NULL, NULL, &tl);
    size_t rl = request(req, sizeof req, 0, NULL, 0, note);
    submit(w0, req, rl, &r0);
    clock_now = T0 + 7;
    submit(w1, req, rl, &r1);
    CHECK(r0.status == 200 && r1.status == 200);

    /* By hand. */
    uint32_t id = 0;
    uint64_t t = 0;
    CHECK(strncmp(r0.body, "\xE2\x80\x94 w1.test.example ", 20) == 0);
    CHECK(cosig_payload(r0.body, r0.len, payload, &id, &t));
    CHECK(id == PW.witness_ids[0] && t == T0 + 5);
    int hl = snprintf((char *)msg, sizeof msg, "cosignature/v1\ntime %llu\n",
                      (unsigned long long)t);
    memcpy(msg + hl, note, tl);
    CHECK(crypto_sign_verify_detached(payload + 12, msg, (size_t)hl + tl, PW.witnesses[0].pk) ==
          0);

    /* By the verifier: the log's note plus both cosignatures meets "2 of w1 w2 w3". */
    sp_wpolicy wp;
    sp_checkpoint cp;
    sp_checkpoint_result res;
    static sp_checkpoint_work work;
    size_t pl = pub_witness_policy_text(pol, sizeof pol, &PW);
    CHECK_OK(sp_wpolicy_parse(&wp, (const uint8_t *)pol, pl, SP_WPOLICY_CANONICAL,
                              sp_sodium_crypto(), NULL));
    memcpy(note + n, r0.body, r0.len);
    memcpy(note + n + r0.len, r1.body, r1.len);
    n += r0.len + r1.len;
    CHECK_OK(sp_checkpoint_verify_witnessed(&wp, (const uint8_t *)note, n, sp_sodium_crypto(),
                                            &work, &cp, &res));
    CHECK(res.quorum_met == 1 && res.cosigned == 3 && res.quorum_time == T0 + 5);
    CHECK(cp.size == 13 && memcmp(cp.root, root, 32) == 0);
    sp_witness_close(w0);
    sp_witness_close(w1);
    scratch_remove();
}

/* ---- old 0 -------------------------------------------------------------------------------- */

static void test_old_zero_rules(void)
{
    char req[8192], note[2048];
    uint8_t root[32], proof[64][32];
    reply r;
    sp_witness_service *w = setup();
    if (w == NULL)
        return;

    /* old 0 with a proof: refused even on first contact, 422 (tlog-witness after C2SP
     * change #280; v1.0.0 said 400). */
    pub_filler_root(6, root);
    checkpoint_as(note, sizeof note, 6, root, NULL, NULL, NULL);
    size_t n = pub_consistency(2, 6, proof);
    submit(w, req, request(req, sizeof req, 0, (const uint8_t(*)[32])proof, n, note), &r);
    CHECK_REFUSED(r, 422, SP_ERR_MERKLE_PROOF_LENGTH);
    expect_head(w, 0, 0);

    /* A size-0 checkpoint must carry the empty tree's root. */
    memset(root, 0x5A, 32);
    checkpoint_as(note, sizeof note, 0, root, NULL, NULL, NULL);
    submit(w, req, request(req, sizeof req, 0, NULL, 0, note), &r);
    CHECK_REFUSED(r, 422, SP_ERR_MERKLE_ROOT_MISMATCH);
    expect_head(w, 0, 0);
    grow(w, 0, 0, &r); /* the empty tree itself is fine */
    CHECK(cosigned(&r, 0, 0, T0));
    expect_head(w, 1, 0);

    /* Having cosigned only the empty tree, old 0 still fits; after that it does not. */
    grow(w, 0, 3, &r);
    CHECK(cosigned(&r, 0, 3, T0));
    grow(w, 0, 4, &r);
    CHECK(size_conflict(&r, 3));
    grow(w, 0, 3, &r);
    CHECK(size_conflict(&r, 3));
    /* The old size is compared first: old 0 with a proof at a witness holding 3 is 409. */
    pub_filler_root(6, root);
    checkpoint_as(note, sizeof note, 6, root, NULL, NULL, NULL);
    n = pub_consistency(2, 6, proof);
    submit(w, req, request(req, sizeof req, 0, (const uint8_t(*)[32])proof, n, note), &r);
    CHECK(size_conflict(&r, 3));
    expect_head(w, 1, 3);
    grow(w, 3, 4, &r);
    CHECK(cosigned(&r, 0, 4, T0));
    teardown(w);
}

/* ---- each refusal -------------------------------------------------------------------------- */

static void test_status_codes(void)
{
    char req[8192], note[2048];
    uint8_t root[32], proof[64][32];
    fx_key impostor, other;
    reply r;
    size_t n;
    sp_witness_service *w = setup_cosigned(10);
    if (w == NULL)
        return;

    /* 404: an origin the witness does not know (properly signed by its own key). */
    fx_key_make(&other, "other.example/log", 0x55);
    pub_filler_root(12, root);
    checkpoint_as(note, sizeof note, 12, root, &other, "other.example/log", NULL);
    submit(w, req, request(req, sizeof req, 0, NULL, 0, note), &r);
    CHECK_REFUSED(r, 404, SP_ERR_WITNESS_UNKNOWN_LOG);

    /* 403: the log's name, another key (an unknown key ID: ignored, so nothing verifies). */
    fx_key_make(&impostor, PUB_LOG_ORIGIN, 0x66);
    checkpoint_as(note, sizeof note, 12, root, &impostor, NULL, NULL);
    n = pub_consistency(10, 12, proof);
    submit(w, req, request(req, sizeof req, 10, (const uint8_t(*)[32])proof, n, note), &r);
    CHECK_REFUSED(r, 403, SP_ERR_CKPT_LOG_SIGNATURE);

    /* 403: the log's name and key ID, a signature over other bytes. */
    checkpoint_as(note, sizeof note, 12, root, NULL, NULL, NULL);
    char *sig = strstr(note, "\xE2\x80\x94 ");
    CHECK(sig != NULL);
    if (sig != NULL) {
        char *b64 = strchr(sig + 4, ' ') + 1;
        b64[20] = b64[20] == 'A' ? 'B' : 'A';
        submit(w, req, request(req, sizeof req, 10, (const uint8_t(*)[32])proof, n, note), &r);
        CHECK_REFUSED(r, 403, SP_ERR_CKPT_LOG_SIGNATURE);
    }

    /* 400: old size above the checkpoint's. */
    submit(w, req, honest(req, sizeof req, 12, 11), &r);
    CHECK_REFUSED(r, 400, SP_ERR_MERKLE_SIZE);

    /* 409: the old size is not the last cosigned one -- exact body and content type. */
    grow(w, 9, 12, &r);
    CHECK(size_conflict(&r, 10));
    grow(w, 11, 12, &r);
    CHECK(size_conflict(&r, 10));

    /* 422: a proof that does not lead to the new root (one hash changed), one hash short,
     * one hash too many. */
    checkpoint_as(note, sizeof note, 12, root, NULL, NULL, NULL);
    proof[0][3] ^= 1;
    submit(w, req, request(req, sizeof req, 10, (const uint8_t(*)[32])proof, n, note), &r);
    CHECK_REFUSED(r, 422, SP_ERR_MERKLE_ROOT_MISMATCH);
    proof[0][3] ^= 1;
    submit(w, req, request(req, sizeof req, 10, (const uint8_t(*)[32])proof, n - 1, note), &r);
    CHECK_REFUSED(r, 422, SP_ERR_MERKLE_PROOF_LENGTH);
    memcpy(proof[n], proof[0], 32);
    submit(w, req, request(req, sizeof req, 10, (const uint8_t(*)[32])proof, n + 1, note), &r);
    CHECK_REFUSED(r, 422, SP_ERR_MERKLE_PROOF_LENGTH);
    /* Same size, same root, but a (pointless) proof. */
    pub_filler_root(10, root);
    checkpoint_as(note, sizeof note, 10, root, NULL, NULL, NULL);
    submit(w, req, request(req, sizeof req, 10, (const uint8_t(*)[32])proof, 1, note), &r);
    CHECK_REFUSED(r, 422, SP_ERR_MERKLE_PROOF_LENGTH);

    /* 413 before anything is parsed. */
    static char huge[SP_MAX_WITNESS_REQUEST_BYTES + 1];
    memset(huge, '\n', sizeof huge);
    submit(w, huge, sizeof huge, &r);
    CHECK_REFUSED(r, 413, SP_ERR_LOG_FULL);

    /* None of it changed the state, and the honest request still works. */
    expect_head(w, 1, 10);
    grow(w, 10, 12, &r);
    CHECK(cosigned(&r, 0, 12, T0));
    teardown(w);
}

/* Malformed bodies: every one a 400 naming the parser's error, none changing the state. */
static void test_malformed_requests(void)
{
    char good[8192], bad[8192], note[2048];
    uint8_t root[32], proof[64][32];
    reply r;
    sp_witness_service *w = setup_cosigned(7);
    if (w == NULL)
        return;

    pub_filler_root(9, root);
    checkpoint_as(note, sizeof note, 9, root, NULL, NULL, NULL);
    size_t n = pub_consistency(7, 9, proof);
    size_t glen = request(good, sizeof good, 7, (const uint8_t(*)[32])proof, n, note);
    const char *tail = strchr(good, '\n'); /* everything after the old line */

    static const struct {
        const char *old_line;
        sp_err want;
    } olds[] = {
        {"old 07", SP_ERR_NUMBER}, {"old +7", SP_ERR_NUMBER},      {"old -7", SP_ERR_NUMBER},
        {"old 7 ", SP_ERR_NUMBER}, {"old  7", SP_ERR_NUMBER},      {"old 0x7", SP_ERR_NUMBER},
        {"old ", SP_ERR_WITNESS_REQUEST}, {"old", SP_ERR_WITNESS_REQUEST},
        {"Old 7", SP_ERR_WITNESS_REQUEST}, {"old\t7", SP_ERR_WITNESS_REQUEST},
        {"old 9223372036854775808", SP_ERR_NUMBER_RANGE},
        {"old 99999999999999999999", SP_ERR_NUMBER_RANGE},
    };
    for (size_t i = 0; i < sizeof olds / sizeof olds[0]; i++) {
        int k = snprintf(bad, sizeof bad, "%s%s", olds[i].old_line, tail);
        submit(w, bad, (size_t)k, &r);
        if (!(r.status == 400 && strstr(r.body, "SP_ERR_") == r.body)) {
            char m[1400];
            snprintf(m, sizeof m, "\"%s\": %d %s", olds[i].old_line, r.status, r.body);
            harness_fail(__FILE__, __LINE__, m);
        }
        (void)olds[i].want; /* the exact code is the parser's business (its own tests) */
    }

    /* A proof line of 31 bytes, a line that is not base64, a CR, no empty line, nothing
     * after the empty line, a truncated checkpoint, 64 proof lines, an empty body. */
    char short_hash[64];
    sodium_bin2base64(short_hash, sizeof short_hash, proof[0], 31, sodium_base64_VARIANT_ORIGINAL);
    int k = snprintf(bad, sizeof bad, "old 7\n%s\n\n%s", short_hash, note);
    submit(w, bad, (size_t)k, &r);
    CHECK(r.status == 400);
    k = snprintf(bad, sizeof bad, "old 7\nnot base64 at all\n\n%s", note);
    submit(w, bad, (size_t)k, &r);
    CHECK(r.status == 400);
    k = snprintf(bad, sizeof bad, "old 7\r\n\n%s", note);
    submit(w, bad, (size_t)k, &r);
    CHECK(r.status == 400);
    k = snprintf(bad, sizeof bad, "old 7\n%s", note);
    submit(w, bad, (size_t)k, &r);
    CHECK(r.status == 400);
    submit(w, "old 7\n\n", 7, &r);
    CHECK(r.status == 400);
    for (size_t cut = glen - 1; cut > glen - 60; cut -= 7) {
        submit(w, good, cut, &r); /* cut inside the signature line or the checkpoint */
        CHECK(r.status == 400 || r.status == 403);
    }
    submit(w, good, (size_t)(strstr(good, "\n\n") - good) + 2 + 10, &r);
    CHECK(r.status == 400);
    static uint8_t many[64][32];
    size_t ml = request(bad, sizeof bad, 7, (const uint8_t(*)[32])many, 64, note);
    submit(w, bad, ml, &r);
    CHECK_REFUSED(r, 400, SP_ERR_MERKLE_PROOF_TOO_LONG);
    submit(w, "", 0, &r);
    CHECK(r.status == 400);

    expect_head(w, 1, 7);
    submit(w, good, glen, &r);
    CHECK(cosigned(&r, 0, 9, T0));
    teardown(w);
}

/* ---- attacks ------------------------------------------------------------------------------- */

/* The log shows two different trees of one size: the second is refused (422, tlog-witness
 * after C2SP change #280; v1.0.0 said 409) and kept as evidence; growing the other branch
 * does not help (422); nothing of it is cosigned. */
static void test_split_view_attack(void)
{
    char req[8192], note[2048];
    uint8_t evil_root[32], evil_big[32], proof[64][32];
    size_t np;
    static const char evil_leaf[] = "a statement the log shows to this witness only\n";
    reply r;
    uint64_t ev = 99;
    sp_witness_service *w = setup_cosigned(8);
    if (w == NULL)
        return;

    /* Tree B: leaf 5 replaced.  Same size 8, another root, signed by the real log. */
    pub_tree(evil_leaf, sizeof evil_leaf - 1, 8, 5, evil_root, proof, &np);
    checkpoint_as(note, sizeof note, 8, evil_root, NULL, NULL, NULL);
    size_t len = request(req, sizeof req, 8, NULL, 0, note);
    submit(w, req, len, &r);
    CHECK_REFUSED(r, 422, SP_ERR_WITNESS_SPLIT_VIEW);
    CHECK(strcmp(r.ctype, "text/x.tlog.size") != 0);
    CHECK_OK(sp_witness_evidence_count(w, PUB_LOG_ORIGIN, &ev));
    CHECK(ev == 1);
    submit(w, req, len, &r); /* the same evidence twice is kept once */
    CHECK_REFUSED(r, 422, SP_ERR_WITNESS_SPLIT_VIEW);
    CHECK_OK(sp_witness_evidence_count(w, PUB_LOG_ORIGIN, &ev));
    CHECK(ev == 1);

    /* B grown to 11, with the honest tree's proof (no proof can link A8 to B11). */
    pub_tree(evil_leaf, sizeof evil_leaf - 1, 11, 5, evil_big, proof, &np);
    checkpoint_as(note, sizeof note, 11, evil_big, NULL, NULL, NULL);
    np = pub_consistency(8, 11, proof);
    submit(w, req, request(req, sizeof req, 8, (const uint8_t(*)[32])proof, np, note), &r);
    CHECK_REFUSED(r, 422, SP_ERR_MERKLE_ROOT_MISMATCH);
    CHECK_OK(sp_witness_evidence_count(w, PUB_LOG_ORIGIN, &ev));
    CHECK(ev == 2);

    /* The witness still follows tree A only. */
    expect_head(w, 1, 8);
    grow(w, 8, 11, &r);
    CHECK(cosigned(&r, 0, 11, T0));
    teardown(w);
}

/* A witness never cosigns a smaller tree: not with the true old size, not with a lie. */
static void test_refuses_smaller_tree(void)
{
    reply r;
    sp_witness_service *w = setup_cosigned(20);
    if (w == NULL)
        return;
    grow(w, 20, 15, &r);
    CHECK_REFUSED(r, 400, SP_ERR_MERKLE_SIZE);
    grow(w, 15, 15, &r);
    CHECK(size_conflict(&r, 20));
    grow(w, 0, 15, &r);
    CHECK(size_conflict(&r, 20));
    grow(w, 10, 15, &r);
    CHECK(size_conflict(&r, 20));
    expect_head(w, 1, 20);
    teardown(w);
}

static void test_restart_keeps_state(void)
{
    reply r;
    uint64_t ev = 0;
    sp_witness_service *w = setup();
    if (w == NULL)
        return;
    grow(w, 0, 6, &r);
    grow(w, 6, 9, &r);
    CHECK(r.status == 200);
    sp_witness_close(w);

    w = open_witness(DB, 0);
    CHECK(w != NULL);
    if (w == NULL)
        return;
    expect_head(w, 1, 9);
    grow(w, 0, 12, &r); /* a log that lost its memory learns the size */
    CHECK(size_conflict(&r, 9));
    grow(w, 9, 12, &r);
    CHECK(cosigned(&r, 0, 12, T0));
    CHECK_OK(sp_witness_evidence_count(w, PUB_LOG_ORIGIN, &ev));
    CHECK(ev == 0);
    teardown(w);
}

/* ---- the spec's race: two witnesses processes on one state ------------------------------- */

typedef struct racer {
    sp_witness_service *w;
    uint64_t old, size;
    reply r;
} racer;

static void *race_run(void *arg)
{
    racer *x = arg;
    static __thread char req[SP_MAX_WITNESS_REQUEST_BYTES];
    sp_http_response resp;
    size_t len = honest(req, sizeof req, x->old, x->size);
    x->r.err = sp_witness_add_checkpoint(x->w, (const uint8_t *)req, len, &resp);
    x->r.status = resp.status;
    x->r.len = resp.body_len < sizeof x->r.body ? resp.body_len : sizeof x->r.body - 1;
    memcpy(x->r.body, resp.body, x->r.len);
    if (!resp.body_static)
        free(resp.body);
    return NULL;
}

/* Two connections (as two processes would have) race from the same old size to two new
 * sizes: exactly one wins, the other gets 409 with the winner's size, and the stored size
 * is the winner's -- never the rollback the spec warns of. */
static void test_concurrent_requests_are_atomic(void)
{
    char db[1024];
    reply r;
    scratch_make("witness");
    db_path(db, sizeof db, "w.db");
    sp_witness_service *a = open_witness(db, 0), *b = open_witness(db, 0);
    CHECK(a != NULL && b != NULL);
    if (a == NULL || b == NULL)
        return;
    clock_now = T0;
    grow(a, 0, 4, &r);
    uint64_t cur = 4;
    for (int round = 0; round < 20; round++) {
        racer x = {a, cur, cur + 3, {0}}, y = {b, cur, cur + 5, {0}};
        pthread_t tx, ty;
        pthread_create(&tx, NULL, race_run, &x);
        pthread_create(&ty, NULL, race_run, &y);
        pthread_join(tx, NULL);
        pthread_join(ty, NULL);
        int wins = (x.r.status == 200) + (y.r.status == 200);
        CHECK(wins == 1);
        uint64_t winner = x.r.status == 200 ? x.size : y.size;
        const reply *loser = x.r.status == 200 ? &y.r : &x.r;
        char want[32];
        snprintf(want, sizeof want, "%llu\n", (unsigned long long)winner);
        CHECK(loser->status == 409 && strcmp(loser->body, want) == 0);
        expect_head(a, 1, winner);
        cur = winner;
    }
    sp_witness_close(a);
    sp_witness_close(b);
    scratch_remove();
}

/* ---- a witness that loses its state (issue 8, item 3b) ------------------------------------ */

/* Open DB with the given create flag and starting checkpoints; the error. */
static sp_err open_as(sp_witness_service **w, int create, const sp_witness_start *start,
                      size_t nstart)
{
    sp_witness_config cfg = {&WKEY[0], &LOG, 1, DB, NULL, test_clock, NULL,
                             create, start, nstart};
    char err[256];
    *w = NULL;
    sp_err e = sp_witness_open(w, &cfg, err, sizeof err);
    harness_saw(e);
    CHECK(e == SP_OK || e == SP_ERR_ARGUMENT || strlen(err) > 0); /* a refusal says why */
    return e;
}

/* Run SQL on DB through a connection of its own (an operator's mistake, a bad restore). */
static void sql_on_db(const char *sql)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open_v2(DB, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
}

static void remove_db(void)
{
    char side[1100];
    unlink(DB);
    snprintf(side, sizeof side, "%s-wal", DB);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", DB);
    unlink(side);
}

/* Without its database the witness does not start, unless told to create one; --init never
 * overwrites a database, nor adopts a WAL left beside it. */
static void test_database_is_never_recreated(void)
{
    sp_witness_service *w = NULL, *w2 = NULL;
    reply r;
    char side[1100];
    scratch_make("witness");
    db_path(DB, sizeof DB, "w.db");
    clock_now = T0;
    CHECK_ERR(open_as(&w, 0, NULL, 0), SP_ERR_WITNESS_STATE);
    CHECK(w == NULL && access(DB, F_OK) != 0); /* nothing created */
    CHECK_OK(open_as(&w, 1, NULL, 0));
    if (w == NULL)
        return;
    grow(w, 0, 5, &r);
    CHECK(cosigned(&r, 0, 5, T0));
    CHECK_ERR(open_as(&w2, 1, NULL, 0), SP_ERR_EXISTS); /* --init over a live database */
    sp_witness_close(w);
    CHECK_ERR(open_as(&w2, 1, NULL, 0), SP_ERR_EXISTS);
    CHECK_OK(open_as(&w2, 0, NULL, 0)); /* restart */
    if (w2 != NULL)
        expect_head(w2, 1, 5);
    sp_witness_close(w2);

    /* Deleted: refused; --init beside a leftover WAL: refused, and nothing created. */
    remove_db();
    CHECK_ERR(open_as(&w, 0, NULL, 0), SP_ERR_WITNESS_STATE);
    snprintf(side, sizeof side, "%s-wal", DB);
    FILE *f = fopen(side, "w");
    if (f != NULL)
        fclose(f);
    CHECK_ERR(open_as(&w, 1, NULL, 0), SP_ERR_EXISTS);
    CHECK(access(DB, F_OK) != 0);
    unlink(side);
    scratch_remove();
}

/* Truncated to nothing, or emptied of its rows: refused at start, never a fresh witness
 * that would cosign "old 0" for a forked log. */
static void test_lost_database_refused_at_start(void)
{
    sp_witness_service *w = setup_cosigned(7);
    if (w == NULL)
        return;
    sp_witness_close(w);
    CHECK(truncate(DB, 0) == 0);
    CHECK_ERR(open_as(&w, 0, NULL, 0), SP_ERR_WITNESS_STATE);
    scratch_remove();

    w = setup_cosigned(7);
    if (w == NULL)
        return;
    sp_witness_close(w);
    sql_on_db("DELETE FROM witness_log");
    CHECK_ERR(open_as(&w, 0, NULL, 0), SP_ERR_WITNESS_STATE);
    sql_on_db("DELETE FROM witness_seen"); /* the record of logs seen, too: the count stays */
    CHECK_ERR(open_as(&w, 0, NULL, 0), SP_ERR_WITNESS_STATE);
    scratch_remove();

    /* A database of the first format (no format mark) is adopted with its rows. */
    w = setup_cosigned(7);
    if (w == NULL)
        return;
    sp_witness_close(w);
    sql_on_db("DROP TABLE witness_meta; DROP TABLE witness_seen");
    CHECK_OK(open_as(&w, 0, NULL, 0));
    sp_witness_close(w);
    sql_on_db("DELETE FROM witness_log");
    CHECK_ERR(open_as(&w, 0, NULL, 0), SP_ERR_WITNESS_STATE); /* now its rows are counted */
    scratch_remove();
}

/* While running: a row deleted under the witness, the file unlinked or replaced -- 500
 * SP_ERR_WITNESS_STATE for this request and every later one. */
static void test_lost_database_refused_while_running(void)
{
    reply r;
    sp_witness_service *w = setup_cosigned(7);
    if (w == NULL)
        return;
    sql_on_db("DELETE FROM witness_log");
    grow(w, 0, 3, &r); /* a forked log starting over */
    CHECK_REFUSED(r, 500, SP_ERR_WITNESS_STATE);
    grow(w, 7, 9, &r); /* and the witness stays stopped */
    CHECK_REFUSED(r, 500, SP_ERR_WITNESS_STATE);
    teardown(w);

    w = setup_cosigned(7);
    if (w == NULL)
        return;
    remove_db();
    grow(w, 7, 9, &r);
    CHECK_REFUSED(r, 500, SP_ERR_WITNESS_STATE);
    CHECK(strstr(r.body, "unlinked, replaced or truncated") != NULL);
    teardown(w);

    /* Replaced by another witness database (renamed over it). */
    char other[1024];
    w = setup_cosigned(7);
    if (w == NULL)
        return;
    db_path(other, sizeof other, "other.db");
    sp_witness_service *o = open_witness(other, 1);
    sp_witness_close(o);
    CHECK(rename(other, DB) == 0);
    grow(w, 7, 9, &r);
    CHECK_REFUSED(r, 500, SP_ERR_WITNESS_STATE);
    teardown(w);
}

/* --init-from: a witness re-initialised from a checkpoint the operator supplies refuses
 * anything smaller or inconsistent with it, and follows the log from there. */
static void test_init_from_checkpoint(void)
{
    char note[2048], req[8192];
    uint8_t root[32], evil[32], proof[64][32];
    size_t np;
    static const char evil_leaf[] = "a statement of a forked log\n";
    sp_witness_service *w = NULL;
    reply r;
    scratch_make("witness");
    db_path(DB, sizeof DB, "w.db");
    clock_now = T0;

    /* Not signed by the log: refused, nothing created. */
    pub_filler_root(10, root);
    sp_witness_start start = {(const uint8_t *)note, 0, NULL};
    start.len = checkpoint_as(note, sizeof note, 10, root, &PW.witnesses[0], NULL, NULL);
    CHECK(open_as(&w, 1, &start, 1) != SP_OK);
    CHECK(w == NULL && access(DB, F_OK) != 0);
    CHECK_ERR(open_as(&w, 0, &start, 1), SP_ERR_ARGUMENT); /* only with create */

    /* Signed by the log, but a tree of size 0 with another root than the empty tree's (the
     * witness answers 422 to it), or two for its one log: refused, named, nothing created. */
    char err[256];
    sp_witness_start two[2] = {{(const uint8_t *)note, 0, "cp.0"}, {NULL, 0, "cp.1"}};
    two[0].len = checkpoint_as(note, sizeof note, 0, root, NULL, NULL, NULL);
    sp_witness_config cfg = {&WKEY[0], &LOG, 1, DB, NULL, test_clock, NULL, 1, two, 1};
    CHECK_ERR(sp_witness_open(&w, &cfg, err, sizeof err), SP_ERR_MERKLE_ROOT_MISMATCH);
    CHECK(strcmp(err, "cp.0: a tree of size 0 whose root is not the empty tree's") == 0);
    start.len = checkpoint_as(note, sizeof note, 10, root, NULL, NULL, NULL);
    two[0] = two[1] = start;
    two[1].name = "cp.1";
    cfg.nstart = 2;
    CHECK_ERR(sp_witness_open(&w, &cfg, err, sizeof err), SP_ERR_ARGUMENT);
    CHECK(strcmp(err, "cp.1: a second one for its log") == 0);
    CHECK(w == NULL && access(DB, F_OK) != 0);

    start.len = checkpoint_as(note, sizeof note, 10, root, NULL, NULL, NULL);
    CHECK_OK(open_as(&w, 1, &start, 1));
    if (w == NULL)
        return;
    expect_head(w, 1, 10);
    grow(w, 0, 3, &r); /* a forked log from scratch */
    CHECK(size_conflict(&r, 10));
    grow(w, 10, 8, &r); /* smaller */
    CHECK_REFUSED(r, 400, SP_ERR_MERKLE_SIZE);
    pub_tree(evil_leaf, sizeof evil_leaf - 1, 12, 4, evil, proof, &np);
    checkpoint_as(note, sizeof note, 12, evil, NULL, NULL, NULL);
    np = pub_consistency(10, 12, proof);
    submit(w, req, request(req, sizeof req, 10, (const uint8_t(*)[32])proof, np, note), &r);
    CHECK_REFUSED(r, 422, SP_ERR_MERKLE_ROOT_MISMATCH); /* inconsistent */
    grow(w, 10, 12, &r);
    CHECK(cosigned(&r, 0, 12, T0));
    sp_witness_close(w);
    CHECK_OK(open_as(&w, 0, NULL, 0)); /* and it restarts like any witness */
    if (w != NULL)
        expect_head(w, 1, 12);
    teardown(w);
}

/* ---- configuration and HTTP ----------------------------------------------------------------- */

static void test_open_refuses_bad_config(void)
{
    char db[1024], err[256];
    sp_witness_service *w = NULL;
    sp_signer_key signer = WKEY[0];
    sp_wlog cosigner_log = LOG;
    scratch_make("witness");
    db_path(db, sizeof db, "w.db");
    sp_witness_config cfg = {&WKEY[0], &LOG, 1, db, NULL, test_clock, NULL, 1, NULL, 0};

    signer.pub.alg = SP_KEY_ALG_ED25519;
    cfg.key = &signer;
    CHECK_ERR(sp_witness_open(&w, &cfg, err, sizeof err), SP_ERR_KEY_ALGORITHM);
    cfg.key = &WKEY[0];
    cfg.nlogs = 0;
    CHECK_ERR(sp_witness_open(&w, &cfg, err, sizeof err), SP_ERR_ARGUMENT);
    cfg.nlogs = 1;
    cosigner_log.key.alg = SP_KEY_ALG_COSIGNER;
    cfg.logs = &cosigner_log;
    CHECK_ERR(sp_witness_open(&w, &cfg, err, sizeof err), SP_ERR_KEY_ALGORITHM);
    cfg.logs = &LOG;
    cfg.prefix = "no-slash";
    CHECK_ERR(sp_witness_open(&w, &cfg, err, sizeof err), SP_ERR_ARGUMENT);
    cfg.prefix = "/trailing/";
    CHECK_ERR(sp_witness_open(&w, &cfg, err, sizeof err), SP_ERR_ARGUMENT);
    cfg.prefix = NULL;
    CHECK(scratch_entries(NULL, 0) == 0); /* nothing was created */

    /* Databases: a directory that does not exist; a file that is not a database. */
    char p[1024];
    scratch_path(p, sizeof p, "missing/w.db");
    cfg.db_path = p;
    CHECK_ERR(sp_witness_open(&w, &cfg, err, sizeof err), SP_ERR_IO);
    scratch_path(p, sizeof p, "junk.db");
    FILE *f = fopen(p, "w");
    if (f != NULL) {
        for (int i = 0; i < 512; i++)
            fputs("this is not an SQLite database\n", f);
        fclose(f);
    }
    CHECK_ERR(sp_witness_open(&w, &cfg, err, sizeof err), SP_ERR_EXISTS); /* --init */
    cfg.create = 0;
    CHECK_ERR(sp_witness_open(&w, &cfg, err, sizeof err), SP_ERR_WITNESS_STATE);
    CHECK(strstr(err, "no SQLite header") != NULL && strstr(err, "--init-from") != NULL);
    CHECK(w == NULL);
    sp_witness_close(NULL);
    scratch_remove();
}

/* A clock that says 0, or at or above the attested-time ceiling (2^52), makes no
 * cosignature and changes nothing: 503, the witness's own fault, and the body (the line
 * `witness serve` logs) says why. */
static void test_bad_clock(void)
{
    reply r;
    sp_witness_service *w = setup();
    if (w == NULL)
        return;
    clock_now = 0;
    grow(w, 0, 3, &r);
    CHECK_REFUSED(r, 503, SP_ERR_COSIG_TIME_ZERO);
    clock_now = SP_COSIG_TIME_LIMIT;
    grow(w, 0, 3, &r);
    CHECK_REFUSED(r, 503, SP_ERR_WITNESS_CLOCK);
    CHECK(strstr(r.body, "at or above the attested-time ceiling") != NULL);
    clock_now = (uint64_t)1 << 63;
    grow(w, 0, 3, &r);
    CHECK_REFUSED(r, 503, SP_ERR_WITNESS_CLOCK);
    expect_head(w, 0, 0);
    clock_now = SP_COSIG_TIME_LIMIT - 1;
    grow(w, 0, 3, &r);
    CHECK(cosigned(&r, 0, 3, SP_COSIG_TIME_LIMIT - 1));
    clock_now = T0;
    teardown(w);
}

/* A clock that went backwards: no cosignature dated before the witness's last one for the
 * log (its database keeps that time, so a restart changes nothing), nothing stored, and
 * both times in the answer.  The same second again is fine. */
static void test_clock_behind_last_cosignature(void)
{
    reply r;
    sp_witness_service *w = setup_cosigned(3);
    if (w == NULL)
        return;
    clock_now = T0 + 100;
    grow(w, 3, 5, &r);
    CHECK(cosigned(&r, 0, 5, T0 + 100));
    clock_now = T0 + 99;
    grow(w, 5, 7, &r);
    CHECK_REFUSED(r, 503, SP_ERR_WITNESS_CLOCK);
    CHECK(strstr(r.body, "the clock reads 2023-11-14T22:14:59Z, before the last cosignature"
                         " for this log (2023-11-14T22:15:00Z)") != NULL);
    expect_head(w, 1, 5);
    sp_witness_close(w);
    w = open_witness(DB, 0);
    if (w == NULL) {
        scratch_remove();
        return;
    }
    grow(w, 5, 7, &r);
    CHECK_REFUSED(r, 503, SP_ERR_WITNESS_CLOCK);
    grow(w, 5, 5, &r); /* not even the tree it already cosigned */
    CHECK_REFUSED(r, 503, SP_ERR_WITNESS_CLOCK);
    expect_head(w, 1, 5);
    clock_now = T0 + 100;
    grow(w, 5, 7, &r);
    CHECK(cosigned(&r, 0, 7, T0 + 100));
    clock_now = T0;
    teardown(w);
}

/* The handler behind a real libmicrohttpd server, through the libcurl client: the spec's
 * path, statuses and the 409 content type on the wire. */
static void test_over_http(void)
{
    char db[1024], url[256], base[128], ctype[128];
    static char req[SP_MAX_WITNESS_REQUEST_BYTES];
    sp_witness_config cfg = {&WKEY[0], &LOG, 1, NULL, "/w1", test_clock, NULL, 1, NULL, 0};
    sp_witness_service *w = NULL;
    sp_http_server *srv = NULL;
    uint16_t port = 0;
    uint8_t *body = NULL;
    size_t blen = 0, len;
    int status = 0;
    scratch_make("witness");
    db_path(db, sizeof db, "w.db");
    cfg.db_path = db;
    CHECK_OK(sp_witness_open(&w, &cfg, NULL, 0));
    CHECK_OK(sp_http_server_start(&srv, NULL, 0, SP_MAX_WITNESS_REQUEST_BYTES, sp_witness_http,
                                  w, &port));
    if (w == NULL || srv == NULL) {
        sp_http_server_stop(srv);
        sp_witness_close(w);
        return;
    }
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)port);
    clock_now = T0;

    snprintf(url, sizeof url, "%s/w1/add-checkpoint", base);
    len = honest(req, sizeof req, 0, 5);
    CHECK_OK(sp_http_request("POST", url, (const uint8_t *)req, len, 10000, 1 << 16, &status,
                             &body, &blen, ctype, sizeof ctype));
    reply r = {SP_OK, status, "", "", blen < 1023 ? blen : 1023};
    memcpy(r.body, body, r.len);
    free(body);
    CHECK(cosigned(&r, 0, 5, T0));

    len = honest(req, sizeof req, 0, 7);
    CHECK_OK(sp_http_request("POST", url, (const uint8_t *)req, len, 10000, 1 << 16, &status,
                             &body, &blen, ctype, sizeof ctype));
    CHECK(status == 409 && blen == 2 && memcmp(body, "5\n", 2) == 0);
    CHECK(strcmp(ctype, "text/x.tlog.size") == 0);
    free(body);

    CHECK_OK(sp_http_request("GET", url, NULL, 0, 10000, 1 << 16, &status, &body, &blen, NULL, 0));
    CHECK(status == 405);
    free(body);
    snprintf(url, sizeof url, "%s/add-checkpoint", base);
    CHECK_OK(sp_http_request("POST", url, (const uint8_t *)req, len, 10000, 1 << 16, &status,
                             &body, &blen, NULL, 0));
    CHECK(status == 404 && strncmp((char *)body, "SP_ERR_NOT_FOUND", 16) == 0);
    free(body);
    static char big[SP_MAX_WITNESS_REQUEST_BYTES + 10];
    memset(big, 'x', sizeof big);
    snprintf(url, sizeof url, "%s/w1/add-checkpoint", base);
    CHECK_OK(sp_http_request("POST", url, (const uint8_t *)big, sizeof big, 10000, 1 << 16,
                             &status, &body, &blen, NULL, 0));
    CHECK(status == 413);
    free(body);
    expect_head(w, 1, 5);
    sp_http_server_stop(srv);
    teardown(w);
}

/* ---- crash test ---------------------------------------------------------------------------- */

/* What the child reports for each cosignature it got back (one atomic pipe write). */
typedef struct crash_record {
    uint64_t size;
    uint32_t len;
    char line[244];
} crash_record;
_Static_assert(sizeof(crash_record) <= 512, "a record is one atomic pipe write");

static void crash_child(const char *db, int fd, unsigned seed)
{
    static char req[SP_MAX_WITNESS_REQUEST_BYTES];
    sp_witness_service *w = open_witness(db, 0);
    sp_http_response resp;
    uint64_t cur = 0;
    srandom(seed);
    if (w == NULL)
        _exit(2);
    /* What does the witness hold?  Ask as a log would: old 0, and read the 409. */
    for (;;) {
        uint64_t next = cur + 1 + (uint64_t)(random() % 4);
        size_t len = honest(req, sizeof req, cur, next);
        clock_now++;
        sp_err e = sp_witness_add_checkpoint(w, (const uint8_t *)req, len, &resp);
        if (e == SP_OK) {
            crash_record rec;
            memset(&rec, 0, sizeof rec);
            rec.size = next;
            rec.len = (uint32_t)resp.body_len;
            if (resp.body_len > sizeof rec.line)
                _exit(4);
            memcpy(rec.line, resp.body, resp.body_len);
            if (write(fd, &rec, sizeof rec) != (ssize_t)sizeof rec)
                _exit(5);
            cur = next;
        } else if (e == SP_ERR_WITNESS_CONFLICT && cur == 0) {
            cur = strtoull((const char *)resp.body, NULL, 10);
        } else {
            _exit(3);
        }
        if (!resp.body_static)
            free(resp.body);
        if (cur + 8 > PUB_FILLER_MAX)
            _exit(0);
    }
}

/* Check one reported cosignature: byte-identical to the fixture's for its size and time. */
static int crash_record_valid(const crash_record *rec)
{
    uint8_t payload[76];
    uint32_t id = 0;
    uint64_t t = 0;
    reply r;
    if (rec->len > sizeof rec->line || !cosig_payload(rec->line, rec->len, payload, &id, &t) ||
        id != PW.witness_ids[0])
        return 0;
    memset(&r, 0, sizeof r);
    r.status = 200;
    r.err = SP_OK;
    r.len = rec->len;
    memcpy(r.body, rec->line, rec->len);
    return cosigned(&r, 0, rec->size, t);
}

static void run_crash_rounds(int rounds)
{
    char db[1024];
    uint64_t last = 0, *returned = NULL;
    size_t nreturned = 0, cap = 0;
    int killed_mid = 0;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    printf("crash test: %d rounds, seed %u\n", rounds, seed);
    srandom(seed);
    scratch_make("witness-crash");
    db_path(db, sizeof db, "w.db");
    for (int round = 0; round < rounds; round++) {
        int fds[2];
        if (pipe(fds) != 0) {
            harness_fail(__FILE__, __LINE__, "pipe");
            break;
        }
        uint64_t clock_base = T0 + (uint64_t)round * 1000000u;
        clock_now = clock_base;
        unsigned child_seed = (unsigned)random();
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            crash_child(db, fds[1], child_seed);
            _exit(0);
        }
        close(fds[1]);
        /* Let it work for 5..60 ms, then kill it wherever it is (mostly inside SQLite). */
        struct timespec ts = {0, (long)(5 + random() % 56) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int st = 0;
        waitpid(pid, &st, 0);
        if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)) {
            char m[128];
            snprintf(m, sizeof m, "round %d: child ended on its own (status %d)", round, st);
            harness_fail(__FILE__, __LINE__, m);
        }
        uint64_t round_max = 0;
        crash_record rec;
        ssize_t got;
        while ((got = read(fds[0], &rec, sizeof rec)) == (ssize_t)sizeof rec) {
            if (!crash_record_valid(&rec))
                harness_fail(__FILE__, __LINE__, "a returned cosignature does not verify");
            if (nreturned == cap) {
                cap = cap ? cap * 2 : 1024;
                returned = realloc(returned, cap * sizeof *returned);
                if (returned == NULL)
                    abort();
            }
            returned[nreturned++] = rec.size;
            if (rec.size > round_max)
                round_max = rec.size;
        }
        CHECK(got == 0); /* no torn record */
        close(fds[0]);

        /* Reopen: the head never went backwards and covers every answered cosignature. */
        sp_witness_service *w = open_witness(db, 0);
        CHECK(w != NULL);
        if (w == NULL)
            break;
        int found = 0;
        uint64_t size = 0;
        uint8_t root[32], want[32];
        CHECK_OK(sp_witness_latest(w, PUB_LOG_ORIGIN, &found, &size, root));
        pub_filler_root(size, want);
        CHECK(found ? memcmp(root, want, 32) == 0 : size == 0 && nreturned == 0);
        CHECK(size >= last);
        CHECK(size >= round_max);
        /* committed, but killed before the answer got out: */
        killed_mid += size > (round_max > last ? round_max : last);
        last = size;
        sp_witness_close(w);
    }
    /* Every cosignature ever returned is for a prefix of the final tree. */
    uint8_t final_root[32];
    pub_filler_root(last, final_root);
    for (size_t i = 0; i < nreturned; i++) {
        uint8_t old_root[32], proof[64][32];
        size_t n = returned[i] > 0 ? pub_consistency(returned[i], last, proof) : 0;
        pub_filler_root(returned[i], old_root);
        CHECK(returned[i] <= last);
        if (returned[i] > 0)
            CHECK_OK(sp_merkle_verify_consistency(sp_sodium_crypto(), returned[i], last, old_root,
                                                  32, final_root, 32,
                                                  (const uint8_t(*)[32])proof, n));
    }
    printf("crash test: %zu cosignatures returned, final size %llu; in %d rounds the last head"
           " was stored but never answered (killed in or after COMMIT)\n",
           nreturned, (unsigned long long)last, killed_mid);
    free(returned);
    scratch_remove();
}

static void test_crash_safety(void)
{
    run_crash_rounds(CRASH_ROUNDS_DEFAULT);
}

int main(int argc, char **argv)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    pub_world_make(&PW);
    for (int i = 0; i < PUB_NWITNESSES; i++)
        pub_cosigner_key(&WKEY[i], &PW, i);
    memset(&LOG, 0, sizeof LOG);
    if (sp_vkey_parse(&LOG.key, PW.log.vkey, strlen(PW.log.vkey), sp_sodium_crypto()) != SP_OK)
        return 1;
    if (argc == 3 && strcmp(argv[1], "crash") == 0) {
        harness_current = "crash";
        run_crash_rounds(atoi(argv[2]));
        if (harness_current_failed)
            harness_failed++;
        else
            harness_passed++;
        return harness_finish("server/witness crash soak");
    }
    RUN_TEST(test_cosigns_growing_tree);
    RUN_TEST(test_cosignature_verifies);
    RUN_TEST(test_old_zero_rules);
    RUN_TEST(test_status_codes);
    RUN_TEST(test_malformed_requests);
    RUN_TEST(test_split_view_attack);
    RUN_TEST(test_refuses_smaller_tree);
    RUN_TEST(test_restart_keeps_state);
    RUN_TEST(test_concurrent_requests_are_atomic);
    RUN_TEST(test_database_is_never_recreated);
    RUN_TEST(test_lost_database_refused_at_start);
    RUN_TEST(test_lost_database_refused_while_running);
    RUN_TEST(test_init_from_checkpoint);
    RUN_TEST(test_open_refuses_bad_config);
    RUN_TEST(test_bad_clock);
    RUN_TEST(test_clock_behind_last_cosignature);
    RUN_TEST(test_over_http);
    RUN_TEST(test_crash_safety);
    return harness_finish("server/witness");
}
