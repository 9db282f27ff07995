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
 * Keys are deterministic (tests/support/fixture.c, fixed seeds) and signatures are
 * Ed25519 (deterministic), so the output is reproducible byte for byte.  The seeds carry
 * real log signatures and cosignatures, so the fuzzer starts on the accept path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "support/fixture.h"

static const char *dir;
static fx_key klog, kw[4], kstranger;
static char wv[4][256];
static char policy[4096], ckpt[256], ckpt_other[256], ckpt_foreign[256];
static char buf[16384];
static size_t len;

static void put(const char *sub, const char *name, const char *data, size_t n)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void make_text(char *out, size_t cap, const char *origin, unsigned size, uint8_t fill)
{
    uint8_t root[32];
    char b64[64];
    memset(root, fill, sizeof root);
    sodium_bin2base64(b64, sizeof b64, root, sizeof root, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, cap, "%s\n%u\n%s\n", origin, size, b64);
}

static void setup(void)
{
    fx_key_make(&klog, "example.org/log", 1);
    fx_key_make(&kstranger, "stranger.example", 3);
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "w%d.example", i);
        fx_key_make(&kw[i], name, (uint8_t)(30 + i));
        fx_cosigner_vkey(&kw[i], wv[i], sizeof wv[i]);
    }
    /* Canonical form: the policy the targets embed. */
    snprintf(policy, sizeof policy,
             "log %s\nwitness a %s\nwitness b %s\nwitness c %s\ngroup g 2 a b c\nquorum g\n",
             klog.vkey, wv[0], wv[1], wv[2]);
    make_text(ckpt, sizeof ckpt, "example.org/log", 5, 0xAB);
    make_text(ckpt_other, sizeof ckpt_other, "example.org/log", 6, 0xCD);
    make_text(ckpt_foreign, sizeof ckpt_foreign, "other.example/log", 5, 0xAB);
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
    len += fx_cosign_line(&kw[w], time, text, strlen(text), buf + len, sizeof buf - len);
}

/* Write the note (checkpoint corpus) and its signature lines alone (cosignature corpus:
 * that target appends them to the fixed checkpoint text). */
static void both(const char *name, const char *text)
{
    size_t skip = strlen(text) + 1;
    put("checkpoint", name, buf, len);
    if (strcmp(text, ckpt) == 0)
        put("cosignature", name, buf + skip, len - skip);
}

static void checkpoints(void)
{
    start(ckpt), sig(&klog, ckpt), cosig(0, 1000, ckpt), cosig(1, 2000, ckpt);
    both("valid-two", ckpt);
    cosig(2, 3000, ckpt);
    both("valid-three", ckpt);
    start(ckpt), cosig(3, 5, ckpt), sig(&kstranger, ckpt), sig(&klog, ckpt);
    cosig(2, 3000, ckpt), cosig(0, 1000, ckpt);
    both("valid-unknown-lines", ckpt);
    start(ckpt), sig(&klog, ckpt), cosig(0, 1000, ckpt);
    both("too-few", ckpt);
    start(ckpt), sig(&klog, ckpt), cosig(0, 1000, ckpt), cosig(0, 1001, ckpt);
    cosig(1, 1000, ckpt);
    both("duplicate", ckpt);
    start(ckpt), sig(&klog, ckpt), cosig(0, 1000, ckpt_other), cosig(1, 1000, ckpt);
    both("moved-cosignature", ckpt);
    start(ckpt), sig(&klog, ckpt), cosig(0, 0, ckpt), cosig(1, 1000, ckpt);
    both("time-zero", ckpt);
    start(ckpt), sig(&klog, ckpt), cosig(0, (uint64_t)1 << 63, ckpt), cosig(1, 1000, ckpt);
    both("time-range", ckpt);
    start(ckpt), sig(&klog, ckpt_other), cosig(0, 1000, ckpt), cosig(1, 1000, ckpt);
    both("bad-log-signature", ckpt);
    start(ckpt), cosig(0, 1000, ckpt), cosig(1, 1000, ckpt);
    both("no-log-signature", ckpt);
    start(ckpt), sig(&klog, ckpt), cosig(1, 1000, ckpt);
    len += fx_sign_line_as(&kw[0], kw[0].name, fx_key_id_typed(kw[0].name, 4, kw[0].pk), ckpt,
                           strlen(ckpt), buf + len, sizeof buf - len);
    both("cosignature-format", ckpt);
    start(ckpt_foreign), sig(&klog, ckpt_foreign), cosig(0, 1, ckpt_foreign);
    cosig(1, 1, ckpt_foreign);
    both("foreign-origin", ckpt_foreign);
    start("example.org/log\nfive\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n");
    sig(&klog, "example.org/log\nfive\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n");
    both("bad-text", "x");
}

/* ---- bundles and requests ---------------------------------------------------------- */

static void envelopes(void)
{
    static char note[4096], b64[4096], out[16384];
    const char *statement = "softpause/v1 statement\nline\n\n\xE2\x80\x94 k AAAAAAAA\n";
    const char *h = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    size_t nl, n;

    start(ckpt), sig(&klog, ckpt), cosig(0, 1000, ckpt), cosig(1, 2000, ckpt);
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
    put("witness_policy", "valid-canonical", policy, strlen(policy));
    wpolicy("valid-file",
            "# a comment\nlog %s https://log.example/\n\n\twitness  a\t%s  \nwitness b %s "
            "https://b.example/\nwitness c %s\nwitness d %s\ngroup g any a b\n"
            "group h 2 c d\n  # nested\ngroup q all g h\nquorum q\n",
            klog.vkey, wv[0], wv[1], wv[2], wv[3]);
    wpolicy("quorum-none", "log %s\nwitness a %s\nquorum none\n", klog.vkey, wv[0]);
    wpolicy("single-witness", "log %s\nwitness a %s\nwitness b %s\ngroup g any a b\nquorum g\n",
            klog.vkey, wv[0], wv[1]);
    wpolicy("no-log", "witness a %s\nwitness b %s\ngroup g all a b\nquorum g\n", wv[0], wv[1]);
    wpolicy("member-twice",
            "log %s\nwitness a %s\nwitness b %s\ngroup g all a b\ngroup h all a g\nquorum h\n",
            klog.vkey, wv[0], wv[1]);
    wpolicy("undefined", "log %s\nwitness a %s\ngroup g all a b\nquorum g\n", klog.vkey, wv[0]);
    wpolicy("wrong-key-type", "log %s\nwitness a %s\nwitness b %s\ngroup g all a b\nquorum g\n",
            klog.vkey, kw[0].vkey, wv[1]);
    wpolicy("duplicate-key", "log %s\nwitness a %s\nwitness b %s\ngroup g all a b\nquorum g\n",
            klog.vkey, wv[0], wv[0]);
}

static void literal(const char *name, const char *s)
{
    printf("static const char %s[] =\n    \"", name);
    for (; *s; s++) {
        if (*s == '\n')
            printf(s[1] ? "\\n\"\n    \"" : "\\n\"");
        else
            putchar(*s);
    }
    printf(";\n");
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    setup();
    if (argc == 2 && strcmp(argv[1], "--literal") == 0) {
        literal("fuzz_witness_policy", policy);
        literal("fuzz_checkpoint_text", ckpt);
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
