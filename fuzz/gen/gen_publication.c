/*
 * gen_publication.c -- writes the seed corpora of the publication targets
 * (fuzz/corpus/{checkpoint,cosignature,tlog_proof,witness_request,witness_policy}/) and
 * prints the fixed witness policy and checkpoint text that fuzz/witness_setup.h embeds.
 *
 * `make test` builds it (build/fuzz/gen_publication) so that it cannot rot; run by hand:
 *
 *   build/fuzz/gen_publication fuzz/corpus      # writes the files
 *   build/fuzz/gen_publication --literal        # the strings in fuzz/witness_setup.h
 *
 * Keys are deterministic (tests/support/witness_fixture.c, fixed seeds) and signatures are
 * Ed25519 (deterministic), so the output is reproducible byte for byte.  The seeds carry
 * real log signatures and cosignatures, so the fuzzer starts on the accept path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "support/fixture.h"
#include "support/witness_fixture.h"
#include "gen_util.h"

static const char *dir;
static wf_world W;
static char buf[16384];
static size_t len;

static void put(const char *sub, const char *name, const char *data, size_t n)
{
    gen_put(dir, sub, name, data, n);
}

/* ---- notes: "text \n" then lines -------------------------------------------------- */

static void start(const char *text)
{
    len = (size_t)snprintf(buf, sizeof buf, "%s\n", text);
}

static void sig(const fx_key *k, const char *text)
{
    len += fx_sign_line(k, text, strlen(text), buf + len, sizeof buf - len);
}

static void cosig(int w, uint64_t time, const char *text)
{
    len += fx_cosign_line(&W.w[w], time, text, strlen(text), buf + len, sizeof buf - len);
}

/* Write the note (checkpoint corpus) and its signature lines alone (cosignature corpus:
 * that target appends them to the fixed checkpoint text). */
static void both(const char *name, const char *text)
{
    size_t skip = strlen(text) + 1;
    put("checkpoint", name, buf, len);
    if (strcmp(text, W.ckpt) == 0)
        put("cosignature", name, buf + skip, len - skip);
}

static void checkpoints(void)
{
    start(W.ckpt), sig(&W.log, W.ckpt), cosig(0, 1000, W.ckpt), cosig(1, 2000, W.ckpt);
    both("valid-two", W.ckpt);
    cosig(2, 3000, W.ckpt);
    both("valid-three", W.ckpt);
    start(W.ckpt), cosig(3, 5, W.ckpt), sig(&W.stranger, W.ckpt), sig(&W.log, W.ckpt);
    cosig(2, 3000, W.ckpt), cosig(0, 1000, W.ckpt);
    both("valid-unknown-lines", W.ckpt);
    start(W.ckpt), sig(&W.log, W.ckpt), cosig(0, 1000, W.ckpt);
    both("too-few", W.ckpt);
    start(W.ckpt), sig(&W.log, W.ckpt), cosig(0, 1000, W.ckpt), cosig(0, 1001, W.ckpt);
    cosig(1, 1000, W.ckpt);
    both("duplicate", W.ckpt);
    start(W.ckpt), sig(&W.log, W.ckpt), cosig(0, 1000, W.ckpt_other), cosig(1, 1000, W.ckpt);
    both("moved-cosignature", W.ckpt);
    start(W.ckpt), sig(&W.log, W.ckpt), cosig(0, 0, W.ckpt), cosig(1, 1000, W.ckpt);
    both("time-zero", W.ckpt);
    start(W.ckpt), sig(&W.log, W.ckpt), cosig(0, (uint64_t)1 << 63, W.ckpt), cosig(1, 1000, W.ckpt);
    both("time-range", W.ckpt);
    start(W.ckpt), sig(&W.log, W.ckpt_other), cosig(0, 1000, W.ckpt), cosig(1, 1000, W.ckpt);
    both("bad-log-signature", W.ckpt);
    start(W.ckpt), cosig(0, 1000, W.ckpt), cosig(1, 1000, W.ckpt);
    both("no-log-signature", W.ckpt);
    start(W.ckpt), sig(&W.log, W.ckpt), cosig(1, 1000, W.ckpt);
    len += fx_sign_line_as(&W.w[0], W.w[0].name, fx_key_id_typed(W.w[0].name, 4, W.w[0].pk), W.ckpt,
                           strlen(W.ckpt), buf + len, sizeof buf - len);
    both("cosignature-format", W.ckpt);
    start(W.ckpt_foreign), sig(&W.log, W.ckpt_foreign), cosig(0, 1, W.ckpt_foreign);
    cosig(1, 1, W.ckpt_foreign);
    both("foreign-origin", W.ckpt_foreign);
    start("example.org/log\nfive\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n");
    sig(&W.log, "example.org/log\nfive\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n");
    both("bad-text", "x");
}

/* ---- bundles and requests ---------------------------------------------------------- */

static void envelopes(void)
{
    static char note[4096], b64[4096], out[16384];
    const char *statement = "softpause/v1 statement\nline\n\n\xE2\x80\x94 k AAAAAAAA\n";
    const char *h = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    size_t nl, n;

    start(W.ckpt), sig(&W.log, W.ckpt), cosig(0, 1000, W.ckpt), cosig(1, 2000, W.ckpt);
    memcpy(note, buf, len);
    nl = len;
    note[nl] = '\0';
    sodium_bin2base64(b64, sizeof b64, (const uint8_t *)statement, strlen(statement),
                      sodium_base64_VARIANT_ORIGINAL);
    n = (size_t)snprintf(out, sizeof out, "c2sp.org/tlog-proof@v1\nextra %s\nindex 3\n%s\n%s\n\n%s",
                         b64, h, h, note);
    put("tlog_proof", "valid", out, n);
    n = (size_t)snprintf(out, sizeof out, "c2sp.org/tlog-proof@v1\nextra %s\nindex 0\n\n%s", b64,
                         note);
    put("tlog_proof", "valid-no-hashes", out, n);
    n = (size_t)snprintf(out, sizeof out, "c2sp.org/tlog-proof@v1\nindex 3\n%s\n\n%s", h, note);
    put("tlog_proof", "no-extra", out, n);
    put("tlog_proof", "bare-statement", statement, strlen(statement));
    n = (size_t)snprintf(out, sizeof out, "c2sp.org/tlog-proof@v1\nextra %s\nindex 03\n\n%s", b64,
                         note);
    put("tlog_proof", "leading-zero", out, n);
    n = (size_t)snprintf(out, sizeof out, "c2sp.org/tlog-proof@v1\nextra %s\nindex 3\n%s\n%s", b64,
                         h, note);
    put("tlog_proof", "no-blank-line", out, n);

    n = (size_t)snprintf(out, sizeof out, "old 4\n%s\n%s\n\n%s", h, h, note);
    put("witness_request", "valid", out, n);
    n = (size_t)snprintf(out, sizeof out, "old 0\n\n%s", note);
    put("witness_request", "valid-old-zero", out, n);
    n = (size_t)snprintf(out, sizeof out, "old 4\nAAEC\n\n%s", note);
    put("witness_request", "short-hash", out, n);
    n = (size_t)snprintf(out, sizeof out, "new 4\n\n%s", note);
    put("witness_request", "wrong-keyword", out, n);
    n = (size_t)snprintf(out, sizeof out, "old 4\n%s\n", h);
    put("witness_request", "no-checkpoint", out, n);
}

/* ---- witness policies -------------------------------------------------------------- */

static void wpolicy(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void wpolicy(const char *name, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    put("witness_policy", name, buf, (size_t)n);
}

static void policies(void)
{
    put("witness_policy", "valid-canonical", W.policy, strlen(W.policy));
    wpolicy("valid-file",
            "# a comment\nlog %s https://log.example/\n\n\twitness  a\t%s  \nwitness b %s "
            "https://b.example/\nwitness c %s\nwitness d %s\ngroup g any a b\n"
            "group h 2 c d\n  # nested\ngroup q all g h\nquorum q\n",
            W.log.vkey, W.wvkey[0], W.wvkey[1], W.wvkey[2], W.wvkey[3]);
    wpolicy("quorum-none", "log %s\nwitness a %s\nquorum none\n", W.log.vkey, W.wvkey[0]);
    wpolicy("single-witness", "log %s\nwitness a %s\nwitness b %s\ngroup g any a b\nquorum g\n",
            W.log.vkey, W.wvkey[0], W.wvkey[1]);
    wpolicy("no-log", "witness a %s\nwitness b %s\ngroup g all a b\nquorum g\n", W.wvkey[0], W.wvkey[1]);
    wpolicy("member-twice",
            "log %s\nwitness a %s\nwitness b %s\ngroup g all a b\ngroup h all a g\nquorum h\n",
            W.log.vkey, W.wvkey[0], W.wvkey[1]);
    wpolicy("undefined", "log %s\nwitness a %s\ngroup g all a b\nquorum g\n", W.log.vkey, W.wvkey[0]);
    wpolicy("wrong-key-type", "log %s\nwitness a %s\nwitness b %s\ngroup g all a b\nquorum g\n",
            W.log.vkey, W.w[0].vkey, W.wvkey[1]);
    wpolicy("duplicate-key", "log %s\nwitness a %s\nwitness b %s\ngroup g all a b\nquorum g\n",
            W.log.vkey, W.wvkey[0], W.wvkey[0]);
}


int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    wf_world_make(&W);
    if (argc == 2 && strcmp(argv[1], "--literal") == 0) {
        gen_print_literal("fuzz_witness_policy", W.policy);
        gen_print_literal("fuzz_checkpoint_text", W.ckpt);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: gen_publication DIR | --literal\n");
        return 2;
    }
    dir = argv[1];
    checkpoints();
    envelopes();
    policies();
    return 0;
}
