/*
 * test_policy_build.c -- policies from a human description (softpause/host/policy_build.h).
 *
 * The standard world's policy text (tests/support/policy_fixture.c) is written by hand with
 * snprintf; a spec describing the same bodies, keys and rules ("3 of all", "1 of civil",
 * as in the demo), the same max-staleness, and the same log and witnesses given as a
 * stand-alone C2SP tlog-policy file (comments, blank lines, runs of blanks, lines in any
 * order that defines names before use) must build exactly those bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "softpause/host/policy_build.h"
#include "softpause/host/sodium_crypto.h"
#include "support/fixture.h"
#include "support/policy_fixture.h"

static pf_world W;
static sp_policy P, Q;
static uint8_t bytes[SP_MAX_POLICY_BYTES], bytes2[SP_MAX_POLICY_BYTES];
static sp_policy_signer_spec signers[PF_NKEYS + 2];
static fx_key extra;
static char wfile[4096];   /* the world's witness policy as a tlog-policy file */
static size_t wfile_len;

/* The standard log and witnesses in the file syntax an operator would write: not the
 * canonical form (which sp_policy_build must produce). */
static void make_witness_file(void)
{
    int n = snprintf(wfile, sizeof wfile,
                     "# softpause test deployment: one log, three witnesses\n"
                     "witness w1 %s\n"
                     "\n"
                     "log   %s\n"
                     "witness\tw2 %s   \n"
                     "  witness w3 %s\n"
                     "# any two of them\n"
                     "group witnesses 2 w1 w2 w3\n"
                     "quorum witnesses\n",
                     W.pub.witness_vkeys[0], W.pub.log.vkey, W.pub.witness_vkeys[1],
                     W.pub.witness_vkeys[2]);
    if (n < 0 || (size_t)n >= sizeof wfile)
        exit(1);
    wfile_len = (size_t)n;
}

/* A spec like the demo's, over the world's keys. */
static void demo_spec(sp_policy_spec *spec, const char *const *rules, size_t rule_count)
{
    memset(spec, 0, sizeof *spec);
    spec->deployment = PF_DEPLOYMENT;
    spec->version = PF_VERSION;
    spec->genesis = PF_GENESIS;
    spec->epoch_length = PF_EPOCH_LENGTH;
    spec->allowance = PF_ALLOWANCE;
    spec->max_staleness = PF_MAX_STALENESS;
    spec->witness_policy = (const uint8_t *)wfile;
    spec->witness_policy_len = wfile_len;
    spec->signers = signers;
    spec->signer_count = PF_NKEYS;
    spec->rules = rules;
    spec->rule_count = rule_count;
}

static void reset_signers(void)
{
    for (int i = 0; i < PF_NKEYS; i++) {
        signers[i].body = pf_body(i);
        signers[i].tags = pf_tags(i);
        if (sp_vkey_parse(&signers[i].key, W.keys[i].vkey, strlen(W.keys[i].vkey),
                          sp_sodium_crypto()) != SP_OK) {
            printf("cannot parse the world's key %d\n", i);
            exit(1);
        }
    }
}

static const char *const demo_rules[] = {"3 of all", "1 of civil"};

static void test_demo_spec_builds_the_fixture_policy(void)
{
    sp_policy_spec spec;
    char detail[256] = "";
    size_t len = 0;
    uint32_t line = 0;
    reset_signers();
    demo_spec(&spec, demo_rules, 2);
    CHECK_OK(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail));
    /* Byte-identical to the hand-written canonical text. */
    CHECK(len == W.policy_len && memcmp(bytes, W.policy_text, len) == 0);
    CHECK(memcmp(P.hash, W.policy.hash, 32) == 0);
    /* The bytes re-parse to the same hash. */
    CHECK_OK(sp_policy_parse(&Q, bytes, len, sp_sodium_crypto(), &line));
    CHECK(memcmp(Q.hash, P.hash, 32) == 0);
    uint8_t h[32];
    CHECK_OK(sp_policy_hash(h, bytes, len, sp_sodium_crypto()));
    CHECK(memcmp(h, P.hash, 32) == 0);
    CHECK(P.signer_count == PF_NKEYS && P.rule_count == 2 && P.tag_count == 2);

    /* "K of tag:TAG" is the same as "K of TAG". */
    static const char *const tag_rules[] = {"1 of tag:civil", "3 of all"};
    demo_spec(&spec, tag_rules, 2);
    size_t len2 = 0;
    CHECK_OK(sp_policy_build(&spec, &Q, bytes2, sizeof bytes2, &len2, detail, sizeof detail));
    CHECK(len2 == len && memcmp(bytes2, bytes, len) == 0);
}

static void test_order_does_not_matter(void)
{
    sp_policy_spec spec;
    char detail[256];
    size_t len = 0, len2 = 0;
    static const int perms[][PF_NKEYS] = {
        {4, 3, 2, 1, 0}, {2, 0, 4, 1, 3}, {1, 0, 3, 2, 4}, {3, 4, 0, 2, 1}};
    static sp_policy_signer_spec shuffled[PF_NKEYS];
    reset_signers();
    demo_spec(&spec, demo_rules, 2);
    CHECK_OK(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail));
    for (size_t k = 0; k < sizeof perms / sizeof perms[0]; k++) {
        for (int i = 0; i < PF_NKEYS; i++)
            shuffled[i] = signers[perms[k][i]];
        spec.signers = shuffled;
        CHECK_OK(sp_policy_build(&spec, &Q, bytes2, sizeof bytes2, &len2, detail,
                                 sizeof detail));
        CHECK(len2 == len && memcmp(bytes2, bytes, len) == 0);
        CHECK(memcmp(Q.hash, P.hash, 32) == 0);
    }
    /* Rule order, and declaring a signer's tag again, change nothing either. */
    static const char *const rev_rules[] = {"1 of civil", "3 of all"};
    static const char *const tags[] = {"military", "civil"};
    demo_spec(&spec, rev_rules, 2);
    spec.tags = tags;
    spec.tag_count = 2;
    CHECK_OK(sp_policy_build(&spec, &Q, bytes2, sizeof bytes2, &len2, detail, sizeof detail));
    CHECK(len2 == len && memcmp(bytes2, bytes, len) == 0);
}

static void test_signers_rule(void)
{
    sp_policy_spec spec;
    char detail[256];
    size_t len = 0;
    static const char *const rules[] = {"3 of all",
                                        "2 of signers:mil-beta.example,civ-alpha.example"};
    reset_signers();
    demo_spec(&spec, rules, 2);
    CHECK_OK(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail));
    bytes[len] = 0;
    CHECK(strstr((const char *)bytes,
                 "\nrule 2 signers civ-alpha.example,mil-beta.example\nrule 3 all\n") != NULL);
    CHECK(P.rules[0].kind == SP_SET_SIGNERS);
    CHECK(P.rules[0].members == (PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_B)));
}

static void test_bad_rule_text(void)
{
    /* issue 8: "01", "+2" and stray spaces were accepted by sscanf */
    static const char *const bad[] = {
        "three of all", "3 of", "3 all", "3 of all extra", "", "of all", "99 of all",
        "18446744073709551616 of all", "03 of all", "+3 of all", "-3 of all", " 3 of all",
        "3 of all ", "3  of all", "3 of  all", "3 of\tall", "3\tof all", "3 of ",
    };
    sp_policy_spec spec;
    char detail[256], want[256];
    size_t len = 7;
    reset_signers();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *rules[2] = {"3 of all", bad[i]};
        demo_spec(&spec, rules, 2);
        detail[0] = '\0';
        CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
                  SP_ERR_USAGE);
        CHECK(len == 0);
        snprintf(want, sizeof want, "rule '%s'", bad[i]);
        CHECK(strncmp(detail, want, strlen(want)) == 0);
        CHECK(strstr(detail, "expected 'K of all'") != NULL);
    }
}

static void test_unknown_signer_and_tag(void)
{
    sp_policy_spec spec;
    char detail[256];
    size_t len = 7;
    reset_signers();

    /* Rules name key names; a body name, or a name not in the policy, is unknown. */
    static const char *const r1[] = {"3 of all", "2 of signers:civ-alpha.example,nobody"};
    demo_spec(&spec, r1, 2);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_UNKNOWN_SIGNER);
    CHECK(strcmp(detail, "rule '2 of signers:civ-alpha.example,nobody': no signer's key is "
                         "named 'nobody' (a rule names signers by key name, not by body)") == 0);
    CHECK(len == 0);
    static const char *const r2[] = {"3 of all", "1 of signers:civ-alpha"};
    demo_spec(&spec, r2, 2);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_UNKNOWN_SIGNER);
    CHECK(strstr(detail, "no signer's key is named 'civ-alpha'") != NULL);
    static const char *const r3[] = {"3 of all", "1 of signers:civ-alpha.example,,mil-beta.example"};
    demo_spec(&spec, r3, 2);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_UNKNOWN_SIGNER);

    /* Undeclared tags, with and without "tag:". */
    static const char *const r4[] = {"3 of all", "1 of navy"};
    demo_spec(&spec, r4, 2);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_TAG_UNDECLARED);
    CHECK(strcmp(detail, "rule '1 of navy'") == 0);
    static const char *const r5[] = {"3 of all", "1 of tag:navy"};
    demo_spec(&spec, r5, 2);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_TAG_UNDECLARED);
    CHECK(strcmp(detail, "rule '1 of tag:navy'") == 0);

    /* Declared but carried by no signer: the rule's set is empty. */
    static const char *const navy[] = {"navy"};
    demo_spec(&spec, r4, 2);
    spec.tags = navy;
    spec.tag_count = 1;
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_EMPTY_SET);
    CHECK(strcmp(detail, "rule '1 of navy'") == 0); /* issue 8: was "item 2" */
}

static void test_validation_errors(void)
{
    sp_policy_spec spec;
    char detail[256];
    size_t len = 7;
    reset_signers();

    /* A single body could satisfy every rule. */
    static const char *const one_of_all[] = {"1 of all"};
    demo_spec(&spec, one_of_all, 1);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_SINGLE_BODY);
    CHECK(strcmp(detail, "signer 'civ-alpha' (key civ-alpha.example): body 'civ-alpha' alone "
                         "could meet every rule") == 0);
    CHECK(len == 0);
    static const char *const one_civil[] = {"1 of civil", "2 of military"};
    demo_spec(&spec, one_civil, 1);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_SINGLE_BODY);
    /* Two rules that a single body cannot meet together are fine. */
    demo_spec(&spec, one_civil, 2);
    CHECK_OK(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail));

    /* The same rule twice, in two spellings: not canonical. */
    static const char *const twice[] = {"3 of all", "1 of civil", "1 of tag:civil"};
    demo_spec(&spec, twice, 3);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_NOT_CANONICAL);
    CHECK(len == 0);

    /* Thresholds larger than the set, or zero. */
    static const char *const six[] = {"6 of all"};
    demo_spec(&spec, six, 1);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_THRESHOLD);
    static const char *const three_civil[] = {"3 of all", "3 of civil"};
    demo_spec(&spec, three_civil, 2);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_THRESHOLD);
    static const char *const zero[] = {"3 of all", "0 of civil"};
    demo_spec(&spec, zero, 2);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_THRESHOLD);

    /* No rules. */
    demo_spec(&spec, demo_rules, 0);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_NO_RULES);

    /* Epochs shorter than SP_MIN_EPOCH_LENGTH. */
    demo_spec(&spec, demo_rules, 2);
    spec.epoch_length = SP_MIN_EPOCH_LENGTH - 1;
    spec.allowance = 60;
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_PARAMETER);
    CHECK(strcmp(detail, "epoch length is 3599, expected 3600..4294967296") == 0);
    /* issue 8: version 0 named itself (it blamed the epoch length) */
    demo_spec(&spec, demo_rules, 2);
    spec.version = 0;
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_PARAMETER);
    CHECK(strcmp(detail, "version is 0, expected 1..9007199254740992") == 0);
    demo_spec(&spec, demo_rules, 2);
    spec.allowance = 0;
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_PARAMETER);
    CHECK(strcmp(detail, "allowance is 0, expected 1..9007199254740992") == 0);

    /* Two keys for one body; one key for two bodies. */
    demo_spec(&spec, demo_rules, 2);
    signers[PF_NKEYS] = signers[PF_MIL_C];
    signers[PF_NKEYS].key = (sp_vkey){0};
    CHECK_OK(sp_vkey_parse(&signers[PF_NKEYS].key, extra.vkey, strlen(extra.vkey),
                           sp_sodium_crypto()));
    spec.signer_count = PF_NKEYS + 1;
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_DUPLICATE_BODY);
    CHECK(strncmp(detail, "signer 'mil-gamma' (key ", 24) == 0 &&
          strstr(detail, ") has the body of signer 'mil-gamma' (key mil-gamma.example)") != NULL);
    signers[PF_NKEYS] = signers[PF_MIL_C];
    signers[PF_NKEYS].body = "mil-delta";
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_DUPLICATE_KEY);
    /* issue 8: named both signers (it said "item 5") */
    CHECK(strcmp(detail, "signer 'mil-gamma' (key mil-gamma.example) has the public key of "
                         "signer 'mil-delta' (key mil-gamma.example)") == 0);
}

static void test_limits(void)
{
    sp_policy_spec spec;
    char detail[256], long_text[128];
    size_t len = 7;
    reset_signers();

    demo_spec(&spec, demo_rules, 2);
    memset(long_text, 'd', sizeof long_text);
    long_text[SP_MAX_DEPLOYMENT_BYTES + 1] = '\0';
    spec.deployment = long_text;
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_LIMIT);
    CHECK(strstr(detail, "deployment name 'ddd") != NULL && strstr(detail, "...' is 65 bytes, at most 64") != NULL);

    demo_spec(&spec, demo_rules, 2);
    spec.signer_count = SP_MAX_SIGNERS + 1;
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_LIMIT);
    CHECK(strcmp(detail, "33 signers, at most 32") == 0);

    demo_spec(&spec, demo_rules, 2);
    memset(long_text, 'b', sizeof long_text);
    long_text[SP_MAX_BODY_BYTES + 1] = '\0';
    signers[PF_MIL_C].body = long_text;
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_LIMIT);
    CHECK(strncmp(detail, "body name 'bbbb", 15) == 0 && strstr(detail, "...' is 65 bytes, at most 64") != NULL);
    reset_signers();

    /* An empty tag in a signer's list; a tag too long. */
    signers[PF_CIV_B].tags = "civil,,un";
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_LIMIT);
    CHECK(strcmp(detail, "an empty tag of signer 'civ-beta'") == 0);
    reset_signers();
    memset(long_text, 't', sizeof long_text);
    long_text[SP_MAX_TAG_BYTES + 1] = '\0';
    const char *const long_tag[] = {long_text};
    spec.tags = long_tag;
    spec.tag_count = 1;
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_LIMIT);
    CHECK(strncmp(detail, "tag 'ttt", 8) == 0 && strstr(detail, "...' is 33 bytes, at most 32") != NULL);

    /* A signer with no tags ("-" and "") is fine. */
    demo_spec(&spec, demo_rules, 2);
    signers[PF_MIL_C].tags = "-";
    CHECK_OK(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail));
    CHECK(P.signers[PF_MIL_C].tags == 0);
    signers[PF_MIL_C].tags = "";
    size_t len2;
    CHECK_OK(sp_policy_build(&spec, &Q, bytes2, sizeof bytes2, &len2, detail, sizeof detail));
    CHECK(len2 == len && memcmp(bytes2, bytes, len) == 0);
    reset_signers();

    /* No room for the bytes. */
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, 100, &len, detail, sizeof detail),
              SP_ERR_BUFFER_TOO_SMALL);
}

static void test_max_staleness(void)
{
    sp_policy_spec spec;
    char detail[256];
    size_t len = 7;
    reset_signers();
    demo_spec(&spec, demo_rules, 2);
    spec.max_staleness = 0;
    CHECK_OK(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail));
    bytes[len] = 0;
    CHECK(P.max_staleness == 0 && strstr((const char *)bytes, "\nmax-staleness 0\n") != NULL);
    spec.max_staleness = SP_MAX_STALENESS_LIMIT;
    CHECK_OK(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail));
    CHECK(P.max_staleness == SP_MAX_STALENESS_LIMIT);
    spec.max_staleness = SP_MAX_STALENESS_LIMIT + 1u;
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_PARAMETER);
    CHECK(len == 0);
}

static void test_witness_policy_file(void)
{
    sp_policy_spec spec;
    char detail[256], bad[4096], vk[256];
    fx_key k;
    size_t len = 7;
    reset_signers();

    /* No witness policy at all: publication is required. */
    demo_spec(&spec, demo_rules, 2);
    spec.witness_policy = NULL;
    spec.witness_policy_len = 0;
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_NO_LOG);
    CHECK(strncmp(detail, "witness policy", 14) == 0);
    CHECK(len == 0);

    /* A problem in the file is reported at its line of the file. */
    memcpy(bad, wfile, wfile_len + 1);
    (void)pf_replace(bad, sizeof bad, "group witnesses 2 w1 w2 w3", "group witnesses 2 w1 w2 w9");
    demo_spec(&spec, demo_rules, 2);
    spec.witness_policy = (const uint8_t *)bad;
    spec.witness_policy_len = strlen(bad);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_WITNESS_NAME);
    CHECK(strcmp(detail, "witness policy, line 8") == 0);
    memcpy(bad, wfile, wfile_len + 1);
    (void)pf_replace(bad, sizeof bad, "quorum witnesses", "quorum none");
    spec.witness_policy_len = strlen(bad);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_QUORUM_NONE);
    CHECK(strcmp(detail, "witness policy, line 9") == 0);

    /* A statement signer's key reused as a witness: one key, one role. */
    k = W.keys[PF_CIV_A];
    strcpy(k.name, "w1.test.example");
    fx_cosigner_vkey(&k, vk, sizeof vk);
    memcpy(bad, wfile, wfile_len + 1);
    (void)pf_replace(bad, sizeof bad, W.pub.witness_vkeys[0], vk);
    spec.witness_policy_len = strlen(bad);
    CHECK_ERR(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail),
              SP_ERR_POLICY_KEY_ROLES);
    CHECK(len == 0);
    /* issue 8: the two roles are named (it said "item 0") */
    CHECK(strcmp(detail, "signer 'civ-alpha' (key civ-alpha.example) has the public key of "
                         "witness w1") == 0);

    /* issue 8: a URL the host cannot use is refused (a colon without a port was accepted);
     * the verifier keeps URLs opaque, the host checks what it will connect to */
    static const struct {
        const char *url;
        int ok;
    } urls[] = {{"http://127.0.0.1:", 0}, {"http://:80", 0},   {"ftp://h", 0},
                {"http://h:0", 0},        {"http://h:65536", 0}, {"http://h:8a", 0},
                {"http://[::1", 0},       {"http://u@h:80", 0},  {"127.0.0.1:80", 0},
                {"http://127.0.0.1:8080", 1}, {"https://w.example/x", 1},
                {"http://[::1]:80/", 1},  {"http://w.example", 1}};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        char with[300];
        snprintf(with, sizeof with, "%s %s", W.pub.witness_vkeys[1], urls[i].url);
        memcpy(bad, wfile, wfile_len + 1);
        (void)pf_replace(bad, sizeof bad, W.pub.witness_vkeys[1], with);
        demo_spec(&spec, demo_rules, 2);
        spec.witness_policy = (const uint8_t *)bad;
        spec.witness_policy_len = strlen(bad);
        detail[0] = '\0';
        sp_err e = sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail);
        CHECK(e == (urls[i].ok ? SP_OK : SP_ERR_POLICY_FORMAT));
        CHECK(urls[i].ok || strncmp(detail, "witness policy: witness w2: URL '", 33) == 0);
    }

    /* Whatever the file's layout, the policy holds the canonical block (checked byte for
     * byte against the fixture in test_demo_spec_builds_the_fixture_policy). */
    demo_spec(&spec, demo_rules, 2);
    CHECK_OK(sp_policy_build(&spec, &P, bytes, sizeof bytes, &len, detail, sizeof detail));
    bytes[len] = 0;
    CHECK(strstr((const char *)bytes, "\nrule 3 all\nlog ") != NULL);
    CHECK(strstr((const char *)bytes, "#") == NULL && strstr((const char *)bytes, "\t") == NULL);
    CHECK(P.witness.log_count == 1 && P.witness.witness_count == 3);
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    pf_world_make(&W);
    fx_key_make(&extra, "mil-delta.example", 0x77);
    make_witness_file();
    RUN_TEST(test_demo_spec_builds_the_fixture_policy);
    RUN_TEST(test_order_does_not_matter);
    RUN_TEST(test_signers_rule);
    RUN_TEST(test_bad_rule_text);
    RUN_TEST(test_unknown_signer_and_tag);
    RUN_TEST(test_validation_errors);
    RUN_TEST(test_limits);
    RUN_TEST(test_max_staleness);
    RUN_TEST(test_witness_policy_file);
    return harness_finish("host/policy_build");
}
