/*
 * test_witness_policy.c -- witness policies (softpause/witness_policy.h): the C2SP
 * tlog-policy file syntax, the canonical block, softpause's extra refusals, quorum
 * evaluation and the quorum-attested time.
 *
 * Keys come from tests/support/fixture.c (libsodium, independent of key.c).  The quorum
 * evaluator is checked exhaustively against a hand-written formula for the spec's own
 * two-level example.
 */
#include <sodium.h>

#include "harness.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/witness_policy.h"
#include "support/fixture.h"

static const sp_crypto *crypto;

static fx_key klog, klog2, kw[7];
static char wv[7][256];  /* cosigner (0x04) vkeys of kw[] */
static sp_wpolicy wp, wp2; /* large: static */

#define TEXT_CAP 16384
static char text[TEXT_CAP];
static uint8_t out[TEXT_CAP];

static void setup(void)
{
    static const char *const names[7] = {"x1.example", "x2.example", "x3.example", "y1.example",
                                         "y2.example", "y3.example", "z.example"};
    fx_key_make(&klog, "example.org/log", 1);
    fx_key_make(&klog2, "example.org/log2", 2);
    for (int i = 0; i < 7; i++) {
        fx_key_make(&kw[i], names[i], (uint8_t)(20 + i));
        fx_cosigner_vkey(&kw[i], wv[i], sizeof wv[i]);
    }
}

static sp_err parse(const char *t, uint32_t mode, uint32_t *line)
{
    return sp_wpolicy_parse(&wp, (const uint8_t *)t, strlen(t), mode, crypto, line);
}

/* "log L\nwitness a W0\nwitness b W1\nwitness c W2\n" followed by `rest`. */
static const char *three(const char *rest)
{
    snprintf(text, sizeof text, "log %s\nwitness a %s\nwitness b %s\nwitness c %s\n%s",
             klog.vkey, wv[0], wv[1], wv[2], rest);
    return text;
}

/* The spec's example (tlog-policy "Example policy"), in file syntax. */
static const char *spec_example(void)
{
    snprintf(text, sizeof text,
             "# spec example\n"
             "log %s https://log.example/\n"
             "\n"
             "witness X1 %s\n"
             "witness X2 %s\n"
             "witness X3 %s\n"
             "group X-witnesses 2 X1 X2 X3\n"
             "\n"
             "\twitness  Y1\t%s   \n"
             "witness Y2 %s https://y2.example/add\n"
             "witness Y3 %s\n"
             "   # indented comment\n"
             "group Y-witnesses any Y1 Y2 Y3\n"
             "\n"
             "group X-and-Y all X-witnesses Y-witnesses\n"
             "quorum X-and-Y\n",
             klog.vkey, wv[0], wv[1], wv[2], wv[3], wv[4], wv[5]);
    return text;
}

static void test_spec_example_and_round_trip(void)
{
    static uint8_t again[TEXT_CAP];
    size_t n = 0, m = 0;
    uint32_t line = 99;

    CHECK_OK(parse(spec_example(), SP_WPOLICY_FILE, &line));
    CHECK(line == 0);
    CHECK(wp.log_count == 1 && wp.witness_count == 6 && wp.group_count == 3);
    CHECK(strcmp(wp.logs[0].url, "https://log.example/") == 0);
    CHECK(strcmp(wp.witnesses[4].url, "https://y2.example/add") == 0);
    CHECK(wp.witnesses[0].key.alg == SP_KEY_ALG_COSIGNER);
    CHECK(wp.groups[0].k == 2 && wp.groups[0].n == 3 && wp.groups[0].k_form == 0);
    CHECK(wp.groups[1].k == 1 && wp.groups[1].k_form == 2);
    CHECK(wp.groups[2].k == 2 && wp.groups[2].k_form == 1 && wp.groups[2].group_members == 3u);
    CHECK(wp.quorum_kind == SP_QUORUM_GROUP && wp.quorum_index == 2);
    CHECK(sp_wpolicy_find_log(&wp, "example.org/log", 15) == 0);
    CHECK(sp_wpolicy_find_log(&wp, "example.org/lo", 14) == UINT32_MAX);

    /* Canonical form: parse it back in canonical mode and get the same bytes again. */
    CHECK_OK(sp_wpolicy_format(&wp, out, sizeof out, &n));
    CHECK_OK(sp_wpolicy_parse(&wp2, out, n, SP_WPOLICY_CANONICAL, crypto, &line));
    CHECK_OK(sp_wpolicy_format(&wp2, again, sizeof again, &m));
    CHECK(n == m && memcmp(out, again, n) == 0);
    CHECK(memcmp(&wp, &wp2, sizeof wp) == 0);
    /* ... and in file mode too (canonical is a subset of the file syntax). */
    CHECK_OK(sp_wpolicy_parse(&wp2, out, n, SP_WPOLICY_FILE, crypto, &line));
    /* Too small an output buffer: refused and zeroed. */
    CHECK_ERR(sp_wpolicy_format(&wp, again, n - 1, &m), SP_ERR_BUFFER_TOO_SMALL);
    CHECK(m == 0 && harness_all_zero(again, n - 1));
    CHECK_ERR(sp_wpolicy_format(NULL, again, n, &m), SP_ERR_ARGUMENT);
}

/* The spec example's quorum, written out by hand: >= 2 of X1..X3 and >= 1 of Y1..Y3. */
static int spec_formula(uint32_t s)
{
    int x = (int)(s & 1u) + (int)((s >> 1) & 1u) + (int)((s >> 2) & 1u);
    int y = (int)((s >> 3) & 1u) + (int)((s >> 4) & 1u) + (int)((s >> 5) & 1u);
    return x >= 2 && y >= 1;
}

static void test_quorum_exhaustive(void)
{
    int bad = 0;
    CHECK_OK(parse(spec_example(), SP_WPOLICY_FILE, NULL));
    for (uint32_t s = 0; s < 64; s++)
        bad += sp_wpolicy_quorum_met(&wp, s) != spec_formula(s);
    CHECK(bad == 0);
    /* Bits beyond the witness count are ignored, never counted. */
    CHECK(!sp_wpolicy_quorum_met(&wp, 0xFFFFFFC0u | 1u));
    CHECK(!sp_wpolicy_quorum_met(NULL, 0x3F));
}

static void test_quorum_time(void)
{
    uint64_t times[SP_MAX_WITNESSES] = {0}, t = 99;

    CHECK_OK(parse(spec_example(), SP_WPOLICY_FILE, NULL));
    times[0] = 100; /* X1 */
    times[1] = 300; /* X2 */
    times[2] = 200; /* X3 */
    times[3] = 50;  /* Y1 */
    times[4] = 400; /* Y2 */
    /* X1 X2 Y1: every one is needed, so the oldest (50) is what the quorum attests. */
    CHECK_OK(sp_wpolicy_quorum_time(&wp, 0x0Bu, times, &t));
    CHECK(t == 50);
    /* All of X and Y1 Y2: t = 200 keeps X2 X3 Y2 (2 of X, 1 of Y). */
    CHECK_OK(sp_wpolicy_quorum_time(&wp, 0x1Fu, times, &t));
    CHECK(t == 200);
    /* Not a quorum at all. */
    t = 7;
    CHECK_ERR(sp_wpolicy_quorum_time(&wp, 0x07u, times, &t), SP_ERR_WITNESS_QUORUM);
    CHECK(t == 0);
    CHECK_ERR(sp_wpolicy_quorum_time(&wp, 0x07u, NULL, &t), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_wpolicy_quorum_time(&wp, 0x07u, times, NULL), SP_ERR_ARGUMENT);
}

static void test_canonical_refusals(void)
{
    uint32_t line = 0;

    CHECK_OK(parse(three("group g 2 a b c\nquorum g\n"), SP_WPOLICY_CANONICAL, &line));

    /* Each variant is a valid file-mode policy but not canonical. */
    static const char *const variants[] = {
        "group g 2 a b c\n# comment\nquorum g\n",
        "group g 2 a b c\n\nquorum g\n",
        "group g 2  a b c\nquorum g\n",
        "group g 2 a b c \nquorum g\n",
        " group g 2 a b c\nquorum g\n",
        "group\tg 2 a b c\nquorum g\n",
        "group g 2 b a c\nquorum g\n", /* members out of definition order */
    };
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        CHECK_OK(parse(three(variants[i]), SP_WPOLICY_FILE, &line));
        CHECK_ERR(parse(three(variants[i]), SP_WPOLICY_CANONICAL, &line), SP_ERR_POLICY_NOT_CANONICAL);
        CHECK(line == 5 || line == 6);
    }
    /* Line order: a witness line before the log line. */
    snprintf(text, sizeof text, "witness a %s\nlog %s\nwitness b %s\ngroup g all a b\nquorum g\n",
             wv[0], klog.vkey, wv[1]);
    CHECK_OK(parse(text, SP_WPOLICY_FILE, &line));
    CHECK_ERR(parse(text, SP_WPOLICY_CANONICAL, &line), SP_ERR_POLICY_NOT_CANONICAL);
    CHECK(line == 2);
    /* The quorum line before a group it does not use (fine in a file, not canonical). */
    snprintf(text, sizeof text,
             "log %s\nwitness a %s\nwitness b %s\ngroup g all a b\nquorum g\ngroup h any a\n",
             klog.vkey, wv[0], wv[1]);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_POLICY_GROUP); /* a listed twice */
    snprintf(text, sizeof text,
             "log %s\nwitness a %s\nwitness b %s\nwitness c %s\ngroup g all a b\nquorum g\n"
             "group h any c\n",
             klog.vkey, wv[0], wv[1], wv[2]);
    CHECK_OK(parse(text, SP_WPOLICY_FILE, &line));
    CHECK_ERR(parse(text, SP_WPOLICY_CANONICAL, &line), SP_ERR_POLICY_NOT_CANONICAL);
    CHECK(line == 7);
}

static void test_extra_refusals(void)
{
    uint32_t line = 0;

    /* No log line. */
    snprintf(text, sizeof text, "witness a %s\nwitness b %s\ngroup g all a b\nquorum g\n",
             wv[0], wv[1]);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_POLICY_NO_LOG);
    CHECK(line == 0);
    CHECK(harness_all_zero(&wp, sizeof wp));
    /* quorum none, and no quorum line. */
    CHECK_ERR(parse(three("quorum none\n"), SP_WPOLICY_FILE, &line), SP_ERR_POLICY_QUORUM_NONE);
    CHECK(line == 5);
    CHECK_ERR(parse(three("group g all a b\n"), SP_WPOLICY_FILE, &line),
              SP_ERR_POLICY_QUORUM_NONE);
    CHECK(line == 0);
    /* A quorum one witness satisfies: a witness itself, `any`, `1`, or a nested any. */
    CHECK_ERR(parse(three("quorum a\n"), SP_WPOLICY_FILE, &line), SP_ERR_POLICY_SINGLE_WITNESS);
    CHECK(line == 5);
    CHECK_ERR(parse(three("group g any a b\nquorum g\n"), SP_WPOLICY_FILE, &line),
              SP_ERR_POLICY_SINGLE_WITNESS);
    CHECK(line == 6);
    CHECK_ERR(parse(three("group g 1 a b c\nquorum g\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_SINGLE_WITNESS);
    CHECK_ERR(parse(three("group g all a b\ngroup h any g c\nquorum h\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_SINGLE_WITNESS);
    CHECK_OK(parse(three("group g all a b\ngroup h all g c\nquorum h\n"), SP_WPOLICY_FILE, NULL));
}

static void test_names_and_groups(void)
{
    uint32_t line = 0;

    /* Undefined, defined twice, reserved. */
    CHECK_ERR(parse(three("group g 2 a b d\nquorum g\n"), SP_WPOLICY_FILE, &line),
              SP_ERR_POLICY_WITNESS_NAME);
    CHECK(line == 5);
    CHECK_ERR(parse(three("group g 2 a b c\nquorum h\n"), SP_WPOLICY_FILE, &line),
              SP_ERR_POLICY_WITNESS_NAME);
    CHECK(line == 6);
    CHECK_ERR(parse(three("group a 2 b c\nquorum a\n"), SP_WPOLICY_FILE, &line),
              SP_ERR_POLICY_WITNESS_NAME);
    CHECK(line == 5);
    CHECK_ERR(parse(three("group none 2 b c\nquorum none\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_WITNESS_NAME);
    CHECK_ERR(parse(three("group g 2 b c none\nquorum g\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_WITNESS_NAME);
    snprintf(text, sizeof text, "log %s\nwitness a %s\nwitness a %s\ngroup g all a\nquorum g\n",
             klog.vkey, wv[0], wv[1]);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_POLICY_WITNESS_NAME);
    CHECK(line == 3);
    /* A group may not use a group defined after it (defined before use). */
    CHECK_ERR(parse(three("group g all a h\ngroup h all b c\nquorum g\n"), SP_WPOLICY_FILE,
                    NULL),
              SP_ERR_POLICY_WITNESS_NAME);

    /* Thresholds and members. */
    CHECK_ERR(parse(three("group g 0 a b c\nquorum g\n"), SP_WPOLICY_FILE, &line),
              SP_ERR_POLICY_GROUP);
    CHECK(line == 5);
    CHECK_ERR(parse(three("group g 4 a b c\nquorum g\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_GROUP);
    CHECK_ERR(parse(three("group g 99999999999 a b c\nquorum g\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_GROUP);
    CHECK_ERR(parse(three("group g all\nquorum g\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_GROUP);
    CHECK_ERR(parse(three("group g 2 a b a\nquorum g\n"), SP_WPOLICY_FILE, &line),
              SP_ERR_POLICY_GROUP); /* member listed twice in one group */
    CHECK(line == 5);
    CHECK_ERR(parse(three("group g all a b\ngroup h all a c\ngroup q all g h\nquorum q\n"),
                    SP_WPOLICY_FILE, &line),
              SP_ERR_POLICY_GROUP); /* member listed in two groups */
    CHECK(line == 6);
    CHECK_ERR(parse(three("group g 02 a b c\nquorum g\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_FORMAT);
    CHECK_ERR(parse(three("group g two a b c\nquorum g\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_FORMAT);
}

static void test_keys(void)
{
    char vkey01_as_witness[600];
    uint32_t line = 0;

    /* Wrong key type for the role: a 0x01 vkey as a witness, a 0x04 vkey as a log. */
    snprintf(text, sizeof text, "log %s\nwitness a %s\nwitness b %s\ngroup g all a b\nquorum g\n",
             klog.vkey, kw[0].vkey, wv[1]);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_KEY_ALGORITHM);
    CHECK(line == 2);
    fx_cosigner_vkey(&klog, vkey01_as_witness, sizeof vkey01_as_witness);
    snprintf(text, sizeof text, "log %s\nwitness a %s\nwitness b %s\ngroup g all a b\nquorum g\n",
             vkey01_as_witness, wv[0], wv[1]);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_KEY_ALGORITHM);
    CHECK(line == 1);
    /* A log key also used as a witness key (under the cosigner type). */
    snprintf(text, sizeof text, "log %s\nwitness a %s\nwitness b %s\ngroup g all a b\nquorum g\n",
             klog.vkey, vkey01_as_witness, wv[1]);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_POLICY_KEY_ROLES);
    CHECK(line == 2);
    /* Two witnesses with one key; two logs with one key. */
    snprintf(text, sizeof text, "log %s\nwitness a %s\nwitness b %s\ngroup g all a b\nquorum g\n",
             klog.vkey, wv[0], wv[0]);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_POLICY_DUPLICATE_KEY);
    CHECK(line == 3);
    snprintf(text, sizeof text,
             "log %s\nlog %s\nwitness a %s\nwitness b %s\ngroup g all a b\nquorum g\n",
             klog.vkey, klog.vkey, wv[0], wv[1]);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_POLICY_DUPLICATE_KEY);
    CHECK(line == 2);
    /* Two logs with different keys are fine. */
    snprintf(text, sizeof text,
             "log %s\nlog %s\nwitness a %s\nwitness b %s\ngroup g all a b\nquorum g\n",
             klog.vkey, klog2.vkey, wv[0], wv[1]);
    CHECK_OK(parse(text, SP_WPOLICY_FILE, &line));
    CHECK(sp_wpolicy_find_log(&wp, "example.org/log2", 16) == 1);
    /* A broken vkey reports the key error: here a key ID that does not match. */
    {
        char rest[400];
        char *plus;
        snprintf(rest, sizeof rest, "witness d %s\ngroup g all a b\nquorum g\n", wv[3]);
        plus = strchr(rest, '+');
        memcpy(plus + 1, plus[1] == '0' ? "11111111" : "00000000", 8);
        CHECK_ERR(parse(three(rest), SP_WPOLICY_FILE, &line), SP_ERR_KEY_ID);
    }
    CHECK(line == 5);
}

static void test_format_errors_and_limits(void)
{
    char big[400];
    uint32_t line = 0;

    CHECK_ERR(parse(three("grope g all a b\nquorum g\n"), SP_WPOLICY_FILE, &line),
              SP_ERR_POLICY_FORMAT);
    CHECK(line == 5);
    CHECK_ERR(parse(three("group g all a b\nquorum g g\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_FORMAT);
    CHECK_ERR(parse(three("group g all a b\nquorum g\nquorum g\n"), SP_WPOLICY_FILE, &line),
              SP_ERR_POLICY_FORMAT);
    CHECK(line == 7);
    CHECK_ERR(parse(three("group g all a b\nquorum g"), SP_WPOLICY_FILE, &line),
              SP_ERR_POLICY_FORMAT); /* no final newline */
    CHECK_ERR(parse(three("group g all a b\r\nquorum g\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_FORMAT);
    CHECK_ERR(parse(three("group g all a b\x7f\nquorum g\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_FORMAT);
    CHECK_ERR(parse(three("group\nquorum g\n"), SP_WPOLICY_FILE, NULL), SP_ERR_POLICY_FORMAT);
    CHECK_ERR(parse(three("witness d\nquorum g\n"), SP_WPOLICY_FILE, NULL),
              SP_ERR_POLICY_FORMAT);
    CHECK_ERR(parse(three("log\nquorum g\n"), SP_WPOLICY_FILE, NULL), SP_ERR_POLICY_FORMAT);
    CHECK_ERR(parse(three("quorum\n"), SP_WPOLICY_FILE, NULL), SP_ERR_POLICY_FORMAT);
    snprintf(text, sizeof text, "log %s u1 u2\nquorum g\n", klog.vkey);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, NULL), SP_ERR_POLICY_FORMAT);
    snprintf(text, sizeof text, "log %s\nwitness a %s u1 u2\nquorum g\n", klog.vkey, wv[0]);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, NULL), SP_ERR_POLICY_FORMAT);
    /* Non-ASCII names are opaque bytes (and distinct from their ASCII look-alikes). */
    CHECK_OK(parse(three("group \xE2\x84\xAA all a b\ngroup K all \xE2\x84\xAA c\nquorum K\n"),
                   SP_WPOLICY_FILE, NULL));

    /* Limits: a URL and a name over their maxima, 33 witnesses. */
    memset(big, 'u', sizeof big);
    big[SP_MAX_URL_BYTES + 1] = '\0';
    snprintf(text, sizeof text, "log %s %s\nquorum g\n", klog.vkey, big);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_POLICY_LIMIT);
    CHECK(line == 1);
    big[SP_MAX_URL_BYTES] = '\0';
    snprintf(text, sizeof text, "log %s %s\nquorum g\n", klog.vkey, big);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_POLICY_WITNESS_NAME); /* URL fits */
    memset(big, 'n', sizeof big);
    big[SP_MAX_NAME_BYTES + 1] = '\0';
    snprintf(text, sizeof text, "log %s\nwitness %s %s\nquorum g\n", klog.vkey, big, wv[0]);
    CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_POLICY_LIMIT);
    CHECK(line == 2);
    {
        size_t n = (size_t)snprintf(text, sizeof text, "log %s\n", klog.vkey);
        for (int i = 0; i <= (int)SP_MAX_WITNESSES; i++) {
            fx_key k;
            char v[256];
            char name[32];
            snprintf(name, sizeof name, "w%d.example", i);
            fx_key_make(&k, name, (uint8_t)(100 + i));
            fx_cosigner_vkey(&k, v, sizeof v);
            n += (size_t)snprintf(text + n, sizeof text - n, "witness w%d %s\n", i, v);
        }
        snprintf(text + n, sizeof text - n, "quorum w0\n");
        CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_POLICY_LIMIT);
        CHECK(line == SP_MAX_WITNESSES + 2);
    }
    {
        /* tlog-policy's recommended 32 logs are supported; the 33rd is over the limit. */
        static const char tail[] = "witness a %s\nwitness b %s\ngroup g all a b\nquorum g\n";
        size_t n = 0;
        CHECK(SP_MAX_LOGS == 32);
        for (int i = 0; i <= (int)SP_MAX_LOGS; i++) {
            fx_key k;
            char name[32];
            snprintf(name, sizeof name, "log%d.example/l", i);
            fx_key_make(&k, name, (uint8_t)(150 + i));
            if (i == (int)SP_MAX_LOGS) {
                snprintf(text + n, sizeof text - n, tail, wv[0], wv[1]);
                CHECK_OK(parse(text, SP_WPOLICY_FILE, NULL));
                CHECK(wp.log_count == SP_MAX_LOGS);
            }
            n += (size_t)snprintf(text + n, sizeof text - n, "log %s\n", k.vkey);
        }
        snprintf(text + n, sizeof text - n, tail, wv[0], wv[1]);
        CHECK_ERR(parse(text, SP_WPOLICY_FILE, &line), SP_ERR_POLICY_LIMIT);
        CHECK(line == SP_MAX_LOGS + 1);
    }
    {
        static char huge[SP_MAX_POLICY_BYTES + 2];
        memset(huge, '#', sizeof huge - 1);
        huge[sizeof huge - 1] = '\0';
        CHECK_ERR(parse(huge, SP_WPOLICY_FILE, NULL), SP_ERR_POLICY_LIMIT);
    }
    /* Arguments. */
    CHECK_ERR(sp_wpolicy_parse(NULL, (const uint8_t *)"x", 1, SP_WPOLICY_FILE, crypto, NULL),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_wpolicy_parse(&wp, (const uint8_t *)"x", 1, 7, crypto, NULL), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_wpolicy_parse(&wp, NULL, 1, SP_WPOLICY_FILE, crypto, NULL), SP_ERR_ARGUMENT);
}

/* sp_wpolicy_validate on in-memory policies a tool could build wrongly. */
static void test_validate_in_memory(void)
{
    CHECK_OK(parse(three("group g 2 a b c\ngroup h all g\nquorum h\n"), SP_WPOLICY_FILE, NULL));
    CHECK_OK(sp_wpolicy_validate(&wp));
    CHECK_ERR(sp_wpolicy_validate(NULL), SP_ERR_ARGUMENT);

    wp2 = wp;
    wp2.groups[0].k_form = 1; /* "all" with k = 2 of 3 */
    CHECK_ERR(sp_wpolicy_validate(&wp2), SP_ERR_POLICY_GROUP);
    wp2 = wp;
    wp2.groups[0].n = 2; /* n disagrees with the members */
    CHECK_ERR(sp_wpolicy_validate(&wp2), SP_ERR_POLICY_GROUP);
    wp2 = wp;
    wp2.groups[0].witness_members |= 1u << 5; /* a witness that does not exist */
    CHECK_ERR(sp_wpolicy_validate(&wp2), SP_ERR_POLICY_WITNESS_NAME);
    wp2 = wp;
    wp2.groups[1].group_members = 1u << 1; /* itself: not defined before */
    CHECK_ERR(sp_wpolicy_validate(&wp2), SP_ERR_POLICY_WITNESS_NAME);
    wp2 = wp;
    wp2.quorum_index = 9;
    CHECK_ERR(sp_wpolicy_validate(&wp2), SP_ERR_POLICY_WITNESS_NAME);
    wp2 = wp;
    wp2.quorum_kind = SP_QUORUM_NONE;
    CHECK_ERR(sp_wpolicy_validate(&wp2), SP_ERR_POLICY_QUORUM_NONE);
    wp2 = wp;
    wp2.witnesses[1].key.alg = SP_KEY_ALG_ED25519;
    CHECK_ERR(sp_wpolicy_validate(&wp2), SP_ERR_KEY_ALGORITHM);
    wp2 = wp;
    wp2.logs[0].key.alg = 0; /* 0 reads as 0x01 */
    CHECK_OK(sp_wpolicy_validate(&wp2));
    wp2 = wp;
    strcpy(wp2.witnesses[1].name, "has space");
    CHECK_ERR(sp_wpolicy_validate(&wp2), SP_ERR_POLICY_WITNESS_NAME);
    wp2 = wp;
    strcpy(wp2.groups[0].name, "a");
    CHECK_ERR(sp_wpolicy_validate(&wp2), SP_ERR_POLICY_WITNESS_NAME);
    wp2 = wp;
    strcpy(wp2.logs[0].url, "bad url");
    CHECK_ERR(sp_wpolicy_validate(&wp2), SP_ERR_POLICY_FORMAT);
    wp2 = wp;
    wp2.log_count = SP_MAX_LOGS + 1;
    CHECK_ERR(sp_wpolicy_validate(&wp2), SP_ERR_POLICY_LIMIT);
    CHECK(!sp_wpolicy_quorum_met(&wp2, 7) || wp2.witness_count <= SP_MAX_WITNESSES);
    wp2 = wp;
    wp2.witness_count = SP_MAX_WITNESSES + 1;
    CHECK(!sp_wpolicy_quorum_met(&wp2, 7));
    {
        size_t n;
        wp2 = wp;
        wp2.groups[0].k = 0;
        CHECK(!sp_wpolicy_quorum_met(&wp2, 7)); /* k = 0 never holds */
        CHECK_ERR(sp_wpolicy_format(&wp2, out, sizeof out, &n), SP_ERR_POLICY_GROUP);
    }
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    crypto = sp_sodium_crypto();
    setup();
    RUN_TEST(test_spec_example_and_round_trip);
    RUN_TEST(test_quorum_exhaustive);
    RUN_TEST(test_quorum_time);
    RUN_TEST(test_canonical_refusals);
    RUN_TEST(test_extra_refusals);
    RUN_TEST(test_names_and_groups);
    RUN_TEST(test_keys);
    RUN_TEST(test_format_errors_and_limits);
    RUN_TEST(test_validate_in_memory);
    return harness_finish("witness_policy");
}
