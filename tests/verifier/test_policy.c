/*
 * test_policy.c -- sp_policy_parse / _validate / _format / _hash.
 *
 * Every policy here is canonical text built from fixture keys (libsodium directly), then
 * mutated one deviation at a time; each deviation must be refused with its own code and the
 * line it sits on.  Line map of the standard policy (policy_fixture.h):
 *    1 magic  2 deployment  3 version  4 genesis  5 epoch-length  6 allowance
 *    7 max-staleness  8 tags
 *    9 civ-alpha  10 civ-beta  11 mil-alpha  12 mil-beta  13 mil-gamma
 *   14 rule 1 tag civil  15 rule 3 all
 *   16 log  17 witness w1  18 witness w2  19 witness w3  20 group witnesses  21 quorum
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/policy.h"
#include "support/fixture.h"
#include "support/policy_fixture.h"

static pf_world W;
static sp_policy P, Q;
static char buf[40000];
static uint8_t out[SP_MAX_POLICY_BYTES + 64];

static const sp_crypto *C(void)
{
    return sp_sodium_crypto();
}

static sp_err parse_str(sp_policy *p, const char *text, uint32_t *line)
{
    return sp_policy_parse(p, (const uint8_t *)text, strlen(text), C(), line);
}

/* Mutate the standard text (first occurrence of FROM -> TO) and expect WANT at LINE; the
 * output must be zeroed on failure. */
#define VARIANT(from, to, want, want_line)                                                   \
    do {                                                                                     \
        uint32_t l_ = 12345;                                                                 \
        strcpy(buf, W.policy_text);                                                          \
        (void)pf_replace(buf, sizeof buf, (from), (to));                                     \
        memset(&P, 0xA5, sizeof P);                                                          \
        CHECK_ERR(parse_str(&P, buf, &l_), (want));                                          \
        if (l_ != (uint32_t)(want_line))                                                     \
            printf("  line %u, expected %u\n", (unsigned)l_, (unsigned)(want_line));        \
        CHECK(l_ == (uint32_t)(want_line));                                                  \
        CHECK(harness_all_zero(&P, sizeof P));                                               \
    } while (0)

#define TEXT_ERR(text, want, want_line)                                                      \
    do {                                                                                     \
        uint32_t l_ = 12345;                                                                 \
        CHECK_ERR(parse_str(&P, (text), &l_), (want));                                       \
        if (l_ != (uint32_t)(want_line))                                                     \
            printf("  line %u, expected %u\n", (unsigned)l_, (unsigned)(want_line));        \
        CHECK(l_ == (uint32_t)(want_line));                                                  \
    } while (0)

/* ---- the standard policy ----------------------------------------------------------- */

static void test_standard_policy_parses(void)
{
    uint32_t line = 99;
    CHECK_OK(parse_str(&P, W.policy_text, &line));
    CHECK(line == 0);
    CHECK(strcmp(P.deployment, PF_DEPLOYMENT) == 0);
    CHECK(P.version == PF_VERSION && P.genesis == PF_GENESIS);
    CHECK(P.epoch_length == PF_EPOCH_LENGTH && P.allowance == PF_ALLOWANCE);
    CHECK(P.tag_count == 2 && strcmp(P.tags[0], "civil") == 0 &&
          strcmp(P.tags[1], "military") == 0);
    CHECK(P.signer_count == 5);
    for (int i = 0; i < PF_NKEYS; i++) {
        CHECK(strcmp(P.signers[i].body, pf_body(i)) == 0);
        CHECK(strcmp(P.signers[i].key.name, W.keys[i].name) == 0);
        CHECK(P.signers[i].key.key_id == W.keys[i].id);
        CHECK(memcmp(P.signers[i].key.public_key, W.keys[i].pk, 32) == 0);
        CHECK(P.signers[i].tags == (i < 2 ? 1u : 2u));
    }
    CHECK(P.rule_count == 2);
    CHECK(P.rules[0].k == 1 && P.rules[0].kind == SP_SET_TAG && P.rules[0].tag == 0 &&
          P.rules[0].members == PF_ALL_CIVIL);
    CHECK(P.rules[1].k == 3 && P.rules[1].kind == SP_SET_ALL && P.rules[1].members == 0x1Fu);
    CHECK(P.max_staleness == PF_MAX_STALENESS);
    CHECK(P.witness.log_count == 1 && P.witness.witness_count == 3 &&
          P.witness.group_count == 1);
    CHECK(strcmp(P.witness.logs[0].key.name, PUB_LOG_ORIGIN) == 0);
    CHECK(memcmp(P.witness.logs[0].key.public_key, W.pub.log.pk, 32) == 0);
    for (int i = 0; i < PUB_NWITNESSES; i++)
        CHECK(memcmp(P.witness.witnesses[i].key.public_key, W.pub.witnesses[i].pk, 32) == 0);
    CHECK(P.witness.groups[0].k == 2 && P.witness.groups[0].witness_members == 0x7u);
    CHECK(P.witness.quorum_kind == SP_QUORUM_GROUP && P.witness.quorum_index == 0);
}

/* The hash is SHA-256(domain || bytes), computed here with libsodium directly. */
static void test_hash_is_domain_separated_sha256(void)
{
    crypto_hash_sha256_state st;
    uint8_t want[32], got[32];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)"softpause/policy-hash/v1\n", 25);
    crypto_hash_sha256_update(&st, (const uint8_t *)W.policy_text, W.policy_len);
    crypto_hash_sha256_final(&st, want);
    CHECK(memcmp(W.policy.hash, want, 32) == 0);
    CHECK_OK(sp_policy_hash(got, (const uint8_t *)W.policy_text, W.policy_len, C()));
    CHECK(memcmp(got, want, 32) == 0);
    CHECK_ERR(sp_policy_hash(got, NULL, 5, C()), SP_ERR_ARGUMENT);
    CHECK(harness_all_zero(got, 32));
    CHECK_ERR(sp_policy_hash(got, (const uint8_t *)"x", 1, NULL), SP_ERR_ARGUMENT);
}

static void test_format_round_trip(void)
{
    size_t len = 0;
    CHECK_OK(sp_policy_format(&W.policy, out, sizeof out, &len));
    CHECK(len == W.policy_len && memcmp(out, W.policy_text, len) == 0);
    CHECK_OK(sp_policy_parse(&Q, out, len, C(), NULL));
    CHECK(memcmp(&Q, &W.policy, sizeof Q) == 0);
}

/* An in-memory policy in any order formats to the one canonical text. */
static void test_format_sorts_everything(void)
{
    size_t len = 0;
    sp_signer tmp;
    sp_rule rtmp;
    char t[SP_MAX_TAG_BYTES + 1];
    P = W.policy;
    /* reverse signers 0 <-> 4, 1 <-> 3, fixing rule masks */
    tmp = P.signers[0];
    P.signers[0] = P.signers[4];
    P.signers[4] = tmp;
    tmp = P.signers[1];
    P.signers[1] = P.signers[3];
    P.signers[3] = tmp;
    P.rules[0].members = (1u << 4) | (1u << 3);
    /* swap the tags, fixing signer bits and the rule's tag index */
    memcpy(t, P.tags[0], sizeof t);
    memcpy(P.tags[0], P.tags[1], sizeof t);
    memcpy(P.tags[1], t, sizeof t);
    for (uint32_t i = 0; i < P.signer_count; i++)
        P.signers[i].tags = P.signers[i].tags == 1u ? 2u : 1u;
    P.rules[0].tag = 1;
    /* swap the rules */
    rtmp = P.rules[0];
    P.rules[0] = P.rules[1];
    P.rules[1] = rtmp;
    CHECK_OK(sp_policy_validate(&P, C(), NULL));
    CHECK_OK(sp_policy_format(&P, out, sizeof out, &len));
    CHECK(len == W.policy_len && memcmp(out, W.policy_text, len) == 0);
}

/* Rules of different lengths and kinds are sorted bytewise (in place, by rotation). */
static void test_format_sorts_rules_bytewise(void)
{
    static const char *const want[] = {
        "rule 1 signers civ-alpha.example,mil-beta.example\n",
        "rule 1 tag civil\n",
        "rule 10 all\n",
        "rule 2 signers civ-beta.example,mil-alpha.example,mil-gamma.example\n",
        "rule 3 all\n",
    };
    size_t len = 0, pos;
    P = W.policy;
    P.rule_count = 5;
    P.rules[0] = (sp_rule){3, SP_SET_ALL, 0, 0x1F};
    P.rules[1] = (sp_rule){2, SP_SET_SIGNERS, 0, (1u << 1) | (1u << 2) | (1u << 4)};
    P.rules[2] = (sp_rule){10, SP_SET_ALL, 0, 0x1F};
    P.rules[3] = (sp_rule){1, SP_SET_TAG, 0, PF_ALL_CIVIL};
    P.rules[4] = (sp_rule){1, SP_SET_SIGNERS, 0, (1u << 0) | (1u << 3)};
    CHECK_OK(sp_policy_format(&P, out, sizeof out, &len));
    out[len] = '\0';
    pos = strstr((const char *)out, "rule ") - (const char *)out;
    for (size_t i = 0; i < 5; i++) {
        size_t wl = strlen(want[i]);
        CHECK(pos + wl <= len && memcmp(out + pos, want[i], wl) == 0);
        pos += wl;
    }
    /* the rules end where the witness block begins */
    CHECK(pos + 4 <= len && memcmp(out + pos, "log ", 4) == 0);
    /* k = 10 > 5 signers: format writes it, validation and the parser refuse it */
    CHECK_ERR(sp_policy_parse(&Q, out, len, C(), NULL), SP_ERR_POLICY_THRESHOLD);
}

static void test_format_small_buffers(void)
{
    size_t len = 1;
    for (size_t cap = 0; cap < W.policy_len; cap += (cap < 40 ? 1 : 37)) {
        memset(out, 0x5A, sizeof out);
        CHECK_ERR(sp_policy_format(&W.policy, out, cap, &len), SP_ERR_BUFFER_TOO_SMALL);
        CHECK(len == 0 && harness_all_zero(out, cap));
    }
    CHECK_OK(sp_policy_format(&W.policy, out, W.policy_len, &len));
    CHECK_ERR(sp_policy_format(NULL, out, sizeof out, &len), SP_ERR_ARGUMENT);
    P = W.policy;
    P.rules[0].kind = 9;
    CHECK_ERR(sp_policy_format(&P, out, sizeof out, &len), SP_ERR_ARGUMENT);
    P = W.policy;
    P.signer_count = SP_MAX_SIGNERS + 1;
    CHECK_ERR(sp_policy_format(&P, out, sizeof out, &len), SP_ERR_POLICY_LIMIT);
}

/* ---- canonical form: every deviation refused --------------------------------------- */

static void test_not_canonical(void)
{
    VARIANT("version 1\n", "version 1\r\n", SP_ERR_POLICY_NOT_CANONICAL, 3);
    VARIANT("genesis", "# a comment\ngenesis", SP_ERR_POLICY_NOT_CANONICAL, 4);
    VARIANT("genesis", "\ngenesis", SP_ERR_POLICY_NOT_CANONICAL, 4);
    VARIANT("version 1", "version  1", SP_ERR_POLICY_NOT_CANONICAL, 3);
    VARIANT("version 1", "version 1 ", SP_ERR_POLICY_NOT_CANONICAL, 3);
    VARIANT("version 1", " version 1", SP_ERR_POLICY_NOT_CANONICAL, 3);
    VARIANT("version 1", "version\t1", SP_ERR_POLICY_NOT_CANONICAL, 3);
    VARIANT("version 1", "version 01", SP_ERR_POLICY_NOT_CANONICAL, 3);
    VARIANT("allowance 648000", "allowance 0648000", SP_ERR_POLICY_NOT_CANONICAL, 6);
    VARIANT("rule 3 all", "rule 03 all", SP_ERR_POLICY_NOT_CANONICAL, 15);
    /* wrong field order, a repeated field, a missing field */
    VARIANT("version 1\ngenesis 1735689600\n", "genesis 1735689600\nversion 1\n",
            SP_ERR_POLICY_NOT_CANONICAL, 3);
    VARIANT("version 1\n", "version 1\nversion 1\n", SP_ERR_POLICY_NOT_CANONICAL, 4);
    VARIANT("allowance 648000\n", "", SP_ERR_POLICY_NOT_CANONICAL, 6);
    /* tags unsorted or repeated */
    VARIANT("tags civil military", "tags military civil", SP_ERR_POLICY_NOT_CANONICAL, 8);
    VARIANT("tags civil military", "tags civil civil military", SP_ERR_POLICY_NOT_CANONICAL, 8);
    /* a signer's tags unsorted or repeated */
    VARIANT("signer civ-alpha civil", "signer civ-alpha military,civil",
            SP_ERR_POLICY_NOT_CANONICAL, 9);
    VARIANT("signer civ-alpha civil", "signer civ-alpha civil,civil",
            SP_ERR_POLICY_NOT_CANONICAL, 9);
    /* rules unsorted, repeated; signers after rules */
    VARIANT("rule 1 tag civil\nrule 3 all\n", "rule 3 all\nrule 1 tag civil\n",
            SP_ERR_POLICY_NOT_CANONICAL, 15);
    VARIANT("rule 3 all\n", "rule 3 all\nrule 3 all\n", SP_ERR_POLICY_NOT_CANONICAL, 16);
    VARIANT("rule 3 all\n", "rule 3 all\nsigner zzz - x+00000000+AA==\n",
            SP_ERR_POLICY_NOT_CANONICAL, 16);
    VARIANT("rule 3 all\n", "rule 3 all\nversion 2\n", SP_ERR_POLICY_NOT_CANONICAL, 16);
    /* rule signer list unsorted or repeated */
    VARIANT("rule 3 all", "rule 3 all\nrule 3 signers mil-beta.example,civ-alpha.example",
            SP_ERR_POLICY_NOT_CANONICAL, 16);
    VARIANT("rule 3 all", "rule 3 all\nrule 3 signers civ-alpha.example,civ-alpha.example",
            SP_ERR_POLICY_NOT_CANONICAL, 16);
    /* no final newline */
    strcpy(buf, W.policy_text);
    buf[strlen(buf) - 1] = '\0';
    TEXT_ERR(buf, SP_ERR_POLICY_NOT_CANONICAL, 21); /* the quorum line, in the witness block */
}

static void test_unsorted_signers(void)
{
    /* swap the lines of civ-alpha and civ-beta */
    char a[512], b[512];
    snprintf(a, sizeof a, "signer civ-alpha civil %s\n", W.keys[0].vkey);
    snprintf(b, sizeof b, "signer civ-beta civil %s\n", W.keys[1].vkey);
    strcpy(buf, W.policy_text);
    (void)pf_replace(buf, sizeof buf, a, "@@A@@");
    (void)pf_replace(buf, sizeof buf, b, a);
    (void)pf_replace(buf, sizeof buf, "@@A@@", b);
    TEXT_ERR(buf, SP_ERR_POLICY_NOT_CANONICAL, 10);
}

static void test_format_errors(void)
{
    VARIANT("softpause-policy/v1", "softpause-policy/v2", SP_ERR_POLICY_FORMAT, 1);
    VARIANT("softpause-policy/v1", "softpause-policy/v1 x", SP_ERR_POLICY_FORMAT, 1);
    VARIANT("version 1", "version 1\x01", SP_ERR_POLICY_FORMAT, 3);
    VARIANT("version 1", "version x", SP_ERR_POLICY_FORMAT, 3);
    VARIANT("version 1", "version -1", SP_ERR_POLICY_FORMAT, 3);
    VARIANT("version 1", "version 1 2", SP_ERR_POLICY_FORMAT, 3);
    VARIANT("version 1", "version", SP_ERR_POLICY_FORMAT, 3);
    VARIANT("deployment test", "deployment te$t", SP_ERR_POLICY_FORMAT, 2);
    VARIANT("deployment test.example/softpause", "deployment a b", SP_ERR_POLICY_FORMAT, 2);
    VARIANT("tags civil military", "tags Civil military", SP_ERR_POLICY_FORMAT, 8);
    VARIANT("tags civil military", "tags - civil military", SP_ERR_POLICY_FORMAT, 8);
    VARIANT("genesis", "colour blue\ngenesis", SP_ERR_POLICY_FORMAT, 4);
    VARIANT("signer civ-alpha civil", "signer civ+alpha civil", SP_ERR_POLICY_FORMAT, 9);
    VARIANT("signer civ-alpha civil", "signer civ-alpha civil,", SP_ERR_POLICY_FORMAT, 9);
    VARIANT("signer civ-alpha civil", "signer civ-alpha", SP_ERR_POLICY_FORMAT, 9);
    VARIANT("rule 3 all", "rule 3 any", SP_ERR_POLICY_FORMAT, 15);
    VARIANT("rule 3 all", "rule 3 all x", SP_ERR_POLICY_FORMAT, 15);
    VARIANT("rule 3 all", "rule x all", SP_ERR_POLICY_FORMAT, 15);
    VARIANT("rule 3 all", "rule 3 signers civ-alpha.example,", SP_ERR_POLICY_FORMAT, 15);
    VARIANT("rule 1 tag civil", "rule 1 tag Civil", SP_ERR_POLICY_FORMAT, 14);
    /* header cut short: missing fields are a whole-file problem */
    TEXT_ERR("softpause-policy/v1\ndeployment x\n", SP_ERR_POLICY_FORMAT, 0);
    TEXT_ERR("", SP_ERR_POLICY_FORMAT, 0);
    /* non-ASCII outside a key name */
    VARIANT("deployment test", "deployment t\xC3\xA9st", SP_ERR_POLICY_FORMAT, 2);
}

/* A ',' in a key name would make "rule k signers a,b" ambiguous. */
static void test_comma_in_key_name(void)
{
    fx_key k;
    char line[512];
    fx_key_make(&k, "mil,gamma", 0x77);
    snprintf(line, sizeof line, "signer mil-gamma military %s", k.vkey);
    strcpy(buf, W.policy_text);
    {
        char old[512];
        snprintf(old, sizeof old, "signer mil-gamma military %s", W.keys[4].vkey);
        (void)pf_replace(buf, sizeof buf, old, line);
    }
    TEXT_ERR(buf, SP_ERR_POLICY_FORMAT, 13);
}

/* Key errors from the key parser pass through with their own codes. */
static void test_key_errors_pass_through(void)
{
    char bad[512];
    strcpy(bad, W.keys[2].vkey);
    {
        char *d = &bad[strlen("mil-alpha.example+")]; /* the key ID's first hex digit */
        *d = *d == '0' ? '1' : '0';
    }
    VARIANT(W.keys[2].vkey, bad, SP_ERR_KEY_ID, 11);
}

/* Upper-case the hex letters of the key ID in the vkey text at v ("name+id+..."); 1 when
 * at least one letter changed. */
static int upper_key_id(char *v)
{
    char *id = strchr(v, '+');
    int changed = 0;
    if (id == NULL)
        return 0;
    for (int i = 1; i <= 8; i++)
        if (id[i] >= 'a' && id[i] <= 'f') {
            id[i] = (char)(id[i] - 'a' + 'A');
            changed = 1;
        }
    return changed;
}

/* Found by fuzz_policy (twice): an upper-case key ID is a valid key (Go reads it) but not
 * the canonical spelling, so the policy would have two encodings and two hashes.  Signer
 * keys, the log key and the witness keys of the witness block are all held to it. */
static void test_key_must_be_canonical(void)
{
    static const struct {
        const char *line_start; /* the policy line whose first vkey is mutated */
        uint32_t line;
    } at[] = {{"signer mil-alpha ", 11}, {"\nlog ", 16},         {"\nwitness w1 ", 17},
              {"\nwitness w2 ", 18},     {"\nwitness w3 ", 19}};
    int tried = 0;

    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        char from[512], to[512];
        const char *line = strstr(W.policy_text, at[i].line_start), *v, *end;
        CHECK(line != NULL);
        if (line == NULL)
            continue;
        v = strchr(line + strlen(at[i].line_start) - 1, '+');
        while (v > line && v[-1] != ' ')
            v--; /* back to the start of the vkey token */
        end = strpbrk(v, " \n");
        CHECK(end != NULL && (size_t)(end - v) < sizeof from);
        if (end == NULL || (size_t)(end - v) >= sizeof from)
            continue;
        memcpy(from, v, (size_t)(end - v));
        from[end - v] = '\0';
        strcpy(to, from);
        if (!upper_key_id(to))
            continue; /* this fixture key ID has no hex letter */
        tried++;
        VARIANT(from, to, SP_ERR_POLICY_NOT_CANONICAL, at[i].line);
    }
    CHECK(tried >= 3); /* the fixture keys give letters to most IDs */
}

static void replace_signer_key(char *text, size_t cap, int i, const char *new_vkey)
{
    (void)pf_replace(text, cap, W.keys[i].vkey, new_vkey);
}

static void test_weak_keys(void)
{
    /* The identity (0100..00, order 1) and y = 0 (00..00, order 4): small-order points. */
    uint8_t identity[32] = {1}, zero_y[32] = {0};
    uint8_t noncanonical[32];
    char vk[256];
    (void)pf_vkey_text(vk, sizeof vk, "mil-gamma.example", identity);
    strcpy(buf, W.policy_text);
    replace_signer_key(buf, sizeof buf, 4, vk);
    TEXT_ERR(buf, SP_ERR_KEY_WEAK, 13);

    (void)pf_vkey_text(vk, sizeof vk, "civ-alpha.example", zero_y);
    strcpy(buf, W.policy_text);
    replace_signer_key(buf, sizeof buf, 0, vk);
    TEXT_ERR(buf, SP_ERR_KEY_WEAK, 9);

    /* y = p (2^255 - 19), a non-canonical encoding of y = 0 */
    memset(noncanonical, 0xFF, 32);
    noncanonical[0] = 0xED;
    noncanonical[31] = 0x7F;
    (void)pf_vkey_text(vk, sizeof vk, "civ-beta.example", noncanonical);
    strcpy(buf, W.policy_text);
    replace_signer_key(buf, sizeof buf, 1, vk);
    TEXT_ERR(buf, SP_ERR_KEY_WEAK, 10);
}

/* ---- invariants (shared by parse and validate) --------------------------------------- */

static void test_invariants_via_parse(void)
{
    char vk[256];
    fx_key other;
    /* undeclared tags, in a signer and in a rule */
    VARIANT("signer civ-alpha civil", "signer civ-alpha civil,un", SP_ERR_POLICY_TAG_UNDECLARED,
            9);
    VARIANT("rule 1 tag civil", "rule 1 tag un", SP_ERR_POLICY_TAG_UNDECLARED, 14);
    /* thresholds */
    VARIANT("rule 1 tag civil\nrule 3 all", "rule 0 all\nrule 1 tag civil", SP_ERR_POLICY_THRESHOLD,
            14);
    VARIANT("rule 3 all", "rule 6 all", SP_ERR_POLICY_THRESHOLD, 15);
    VARIANT("rule 1 tag civil\nrule 3 all", "rule 3 all\nrule 3 tag civil", SP_ERR_POLICY_THRESHOLD,
            15);
    VARIANT("rule 3 all", "rule 99999999999 all", SP_ERR_POLICY_THRESHOLD, 15);
    /* a declared tag nobody carries: empty set */
    strcpy(buf, W.policy_text);
    (void)pf_replace(buf, sizeof buf, "tags civil military", "tags civil military un");
    (void)pf_replace(buf, sizeof buf, "rule 3 all", "rule 1 tag un\nrule 3 all");
    TEXT_ERR(buf, SP_ERR_POLICY_EMPTY_SET, 15);
    /* unknown signer in a list */
    VARIANT("rule 3 all", "rule 3 all\nrule 3 signers civ-alpha.example,nobody.example",
            SP_ERR_POLICY_UNKNOWN_SIGNER, 16);
    /* no rules at all (and so no witness block, which follows the rules) */
    strcpy(buf, W.policy_text);
    *strstr(buf, "rule 1 tag civil\n") = '\0';
    TEXT_ERR(buf, SP_ERR_POLICY_NO_RULES, 0);
    /* no rules, but the witness block where they should be: still "no rules" */
    strcpy(buf, W.policy_text);
    (void)pf_replace(buf, sizeof buf, "rule 1 tag civil\nrule 3 all\n", "");
    TEXT_ERR(buf, SP_ERR_POLICY_NO_RULES, 0);
    /* the same public key under another name (and body) */
    (void)pf_vkey_text(vk, sizeof vk, "mil-gamma.example", W.keys[PF_MIL_B].pk);
    strcpy(buf, W.policy_text);
    replace_signer_key(buf, sizeof buf, 4, vk);
    TEXT_ERR(buf, SP_ERR_POLICY_DUPLICATE_KEY, 13);
    /* two signers for one body */
    VARIANT("signer mil-gamma", "signer mil-beta", SP_ERR_POLICY_DUPLICATE_BODY, 13);
    /* two keys with one name */
    fx_key_make(&other, "mil-beta.example", 0x99);
    strcpy(buf, W.policy_text);
    replace_signer_key(buf, sizeof buf, 4, other.vkey);
    TEXT_ERR(buf, SP_ERR_POLICY_DUPLICATE_NAME, 13);
    /* one body could satisfy every rule */
    VARIANT("rule 1 tag civil\nrule 3 all\n", "rule 1 all\n", SP_ERR_POLICY_SINGLE_BODY, 9);
    VARIANT("rule 1 tag civil\nrule 3 all\n",
            "rule 1 signers civ-beta.example,mil-alpha.example\nrule 1 tag civil\n",
            SP_ERR_POLICY_SINGLE_BODY, 10);
}

static void test_parameters(void)
{
    VARIANT("epoch-length 604800", "epoch-length 0", SP_ERR_POLICY_PARAMETER, 0);
    VARIANT("epoch-length 604800", "epoch-length 3599", SP_ERR_POLICY_PARAMETER, 0);
    VARIANT("epoch-length 604800", "epoch-length 4294967297", SP_ERR_POLICY_PARAMETER, 0);
    VARIANT("allowance 648000", "allowance 0", SP_ERR_POLICY_PARAMETER, 0);
    VARIANT("version 1", "version 0", SP_ERR_POLICY_PARAMETER, 0);
    VARIANT("genesis 1735689600", "genesis 9007199254740993", SP_ERR_POLICY_PARAMETER, 4);
    VARIANT("version 1", "version 99999999999999999999999", SP_ERR_POLICY_PARAMETER, 3);
    /* boundaries that are allowed */
    strcpy(buf, W.policy_text);
    (void)pf_replace(buf, sizeof buf, "epoch-length 604800", "epoch-length 4294967296");
    (void)pf_replace(buf, sizeof buf, "genesis 1735689600", "genesis 9007199254740992");
    CHECK_OK(parse_str(&P, buf, NULL));
}

static void test_limits(void)
{
    static char big[SP_MAX_POLICY_BYTES + 2];
    char dep[SP_MAX_DEPLOYMENT_BYTES + 2], tagl[512], body[SP_MAX_BODY_BYTES + 2], tag[40];
    uint32_t line = 7;
    memset(big, 'a', sizeof big);
    CHECK_ERR(sp_policy_parse(&P, (const uint8_t *)big, sizeof big - 1, C(), &line),
              SP_ERR_POLICY_LIMIT);
    CHECK(line == 0);

    memset(dep, 'd', sizeof dep - 1);
    dep[sizeof dep - 1] = '\0';
    VARIANT("test.example/softpause", dep, SP_ERR_POLICY_LIMIT, 2);
    dep[sizeof dep - 2] = '\0'; /* exactly the maximum: fine */
    strcpy(buf, W.policy_text);
    (void)pf_replace(buf, sizeof buf, "test.example/softpause", dep);
    CHECK_OK(parse_str(&P, buf, NULL));

    strcpy(tagl, "tags civil military");
    for (int i = 0; i < (int)SP_MAX_TAGS - 1; i++) {
        snprintf(tag, sizeof tag, " x%02d", i);
        strcat(tagl, tag);
    }
    VARIANT("tags civil military", tagl, SP_ERR_POLICY_LIMIT, 8);
    {
        char t2[80];
        snprintf(t2, sizeof t2, "tags civil military %.*s", 33, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
        VARIANT("tags civil military", t2, SP_ERR_POLICY_LIMIT, 8);
    }
    memset(body, 'b', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    memcpy(body, "mil-gamma", 9);
    {
        char from[] = "signer mil-gamma ";
        char to[128];
        snprintf(to, sizeof to, "signer %s ", body);
        VARIANT(from, to, SP_ERR_POLICY_LIMIT, 13);
    }
}

/* 33 signers, and 17 rules: one over each maximum. */
static void test_limit_counts(void)
{
    static fx_key keys[SP_MAX_SIGNERS + 1];
    size_t pos;
    int n;
    uint32_t line = 0;
    pos = (size_t)snprintf(buf, sizeof buf,
                           "softpause-policy/v1\ndeployment d\nversion 1\ngenesis 0\n"
                           "epoch-length 3600\nallowance 10\nmax-staleness 0\ntags\n");
    for (int i = 0; i < (int)SP_MAX_SIGNERS + 1; i++) {
        char name[32];
        snprintf(name, sizeof name, "k%02d", i);
        fx_key_make(&keys[i], name, (uint8_t)(0x20 + i));
        n = snprintf(buf + pos, sizeof buf - pos, "signer b%02d - %s\n", i, keys[i].vkey);
        pos += (size_t)n;
    }
    pos += (size_t)snprintf(buf + pos, sizeof buf - pos, "rule 2 all\n");
    pos += pub_witness_policy_text(buf + pos, sizeof buf - pos, &W.pub);
    CHECK_ERR(parse_str(&P, buf, &line), SP_ERR_POLICY_LIMIT);
    CHECK(line == 9 + SP_MAX_SIGNERS); /* the 33rd signer line */
    /* 32 signers are fine */
    {
        char *cut = strstr(buf, "signer b32");
        pos = (size_t)(cut - buf);
        pos += (size_t)snprintf(cut, sizeof buf - pos, "rule 2 all\n");
        pos += pub_witness_policy_text(buf + pos, sizeof buf - pos, &W.pub);
        CHECK_OK(parse_str(&P, buf, NULL));
        CHECK(P.signer_count == SP_MAX_SIGNERS && P.rules[0].members == 0xFFFFFFFFu);
    }
    /* 17 rules: "rule 2 signers k00,kNN" sorted by NN */
    {
        char *rules = strstr(buf, "rule 2 all");
        pos = (size_t)(rules - buf);
        for (int i = 1; i <= (int)SP_MAX_RULES + 1; i++) {
            n = snprintf(buf + pos, sizeof buf - pos, "rule 2 signers k00,k%02d\n", i);
            pos += (size_t)n;
        }
        pos += pub_witness_policy_text(buf + pos, sizeof buf - pos, &W.pub);
        CHECK_ERR(parse_str(&P, buf, &line), SP_ERR_POLICY_LIMIT);
        CHECK(line == 8 + SP_MAX_SIGNERS + SP_MAX_RULES + 1);
    }
}

/* ---- max-staleness (line 7) ----------------------------------------------------------- */

static void test_max_staleness(void)
{
    char line[64];
    /* range: 0 (no grace after the epoch) .. SP_MAX_STALENESS_LIMIT (one year) */
    snprintf(line, sizeof line, "max-staleness %u", SP_MAX_STALENESS_LIMIT);
    strcpy(buf, W.policy_text);
    (void)pf_replace(buf, sizeof buf, "max-staleness 604800", line);
    CHECK_OK(parse_str(&P, buf, NULL));
    CHECK(P.max_staleness == SP_MAX_STALENESS_LIMIT);
    strcpy(buf, W.policy_text);
    (void)pf_replace(buf, sizeof buf, "max-staleness 604800", "max-staleness 0");
    CHECK_OK(parse_str(&P, buf, NULL));
    CHECK(P.max_staleness == 0);
    snprintf(line, sizeof line, "max-staleness %u", SP_MAX_STALENESS_LIMIT + 1u);
    VARIANT("max-staleness 604800", line, SP_ERR_POLICY_PARAMETER, 0);
    VARIANT("max-staleness 604800", "max-staleness 99999999999999999999999",
            SP_ERR_POLICY_PARAMETER, 7);
    /* canonical decimal only */
    VARIANT("max-staleness 604800", "max-staleness 0604800", SP_ERR_POLICY_NOT_CANONICAL, 7);
    VARIANT("max-staleness 604800", "max-staleness 00", SP_ERR_POLICY_NOT_CANONICAL, 7);
    VARIANT("max-staleness 604800", "max-staleness -1", SP_ERR_POLICY_FORMAT, 7);
    VARIANT("max-staleness 604800", "max-staleness", SP_ERR_POLICY_FORMAT, 7);
    VARIANT("max-staleness 604800", "max-staleness 1 2", SP_ERR_POLICY_FORMAT, 7);
    /* missing (a core policy without it), or out of place */
    VARIANT("max-staleness 604800\n", "", SP_ERR_POLICY_NOT_CANONICAL, 7);
    VARIANT("allowance 648000\nmax-staleness 604800\n",
            "max-staleness 604800\nallowance 648000\n", SP_ERR_POLICY_NOT_CANONICAL, 6);
    VARIANT("max-staleness 604800\n", "max-staleness 604800\nmax-staleness 604800\n",
            SP_ERR_POLICY_NOT_CANONICAL, 8);
    /* an in-memory policy is held to the same range */
    P = W.policy;
    P.max_staleness = SP_MAX_STALENESS_LIMIT + 1u;
    CHECK_ERR(sp_policy_validate(&P, C(), NULL), SP_ERR_POLICY_PARAMETER);
}

/* ---- the witness block (lines 16..21) ------------------------------------------------- */

/* Publication is required (R6): a deployment policy without a witness block, or whose
 * block names no log, is refused. */
static void test_witness_block_required(void)
{
    char *log_line;
    strcpy(buf, W.policy_text);
    *strstr(buf, "log ") = '\0';
    TEXT_ERR(buf, SP_ERR_POLICY_NO_LOG, 0);
    /* witnesses and a quorum, but no log line */
    strcpy(buf, W.policy_text);
    log_line = strstr(buf, "log ");
    memmove(log_line, strchr(log_line, '\n') + 1, strlen(strchr(log_line, '\n') + 1) + 1);
    TEXT_ERR(buf, SP_ERR_POLICY_NO_LOG, 0);
    /* no quorum line */
    VARIANT("quorum witnesses\n", "", SP_ERR_POLICY_QUORUM_NONE, 0);
    VARIANT("quorum witnesses\n", "quorum none\n", SP_ERR_POLICY_QUORUM_NONE, 21);
}

/* A problem inside the witness block is reported at its line of the whole policy file. */
static void test_witness_block_errors_report_file_lines(void)
{
    char other[512];
    VARIANT("group witnesses 2 w1 w2 w3", "group witnesses 2 w1 w2 w4",
            SP_ERR_POLICY_WITNESS_NAME, 20);
    VARIANT("group witnesses 2 w1 w2 w3", "group witnesses 4 w1 w2 w3", SP_ERR_POLICY_GROUP,
            20);
    VARIANT("group witnesses 2 w1 w2 w3", "group witnesses 1 w1 w2 w3",
            SP_ERR_POLICY_SINGLE_WITNESS, 21);
    VARIANT("quorum witnesses", "quorum nobody", SP_ERR_POLICY_WITNESS_NAME, 21);
    VARIANT("witness w2 ", "witness  w2 ", SP_ERR_POLICY_NOT_CANONICAL, 18);
    VARIANT("witness w2 ", "# comment\nwitness w2 ", SP_ERR_POLICY_NOT_CANONICAL, 18);
    VARIANT("group witnesses", "grope witnesses", SP_ERR_POLICY_FORMAT, 20);
    VARIANT("quorum witnesses\n", "quorum witnesses\nrule 3 all\n", SP_ERR_POLICY_FORMAT, 22);
    /* out of canonical order: the log line after the witness lines */
    strcpy(buf, W.policy_text);
    snprintf(other, sizeof other, "log %s\n", W.pub.log.vkey);
    (void)pf_replace(buf, sizeof buf, other, "");
    strcat(other, "group witnesses");
    (void)pf_replace(buf, sizeof buf, "group witnesses", other);
    TEXT_ERR(buf, SP_ERR_POLICY_NOT_CANONICAL, 19);
    /* group members out of definition order (w1 defined after w3) */
    strcpy(buf, W.policy_text);
    snprintf(other, sizeof other, "witness w1 %s\n", W.pub.witness_vkeys[0]);
    (void)pf_replace(buf, sizeof buf, other, "");
    strcat(other, "group witnesses");
    (void)pf_replace(buf, sizeof buf, "group witnesses", other);
    TEXT_ERR(buf, SP_ERR_POLICY_NOT_CANONICAL, 20);
    /* key errors inside the block: a note-signer (0x01) key on a witness line */
    snprintf(other, sizeof other, "witness w1 %s", W.keys[PF_CIV_A].vkey);
    {
        char from[512];
        snprintf(from, sizeof from, "witness w1 %s", W.pub.witness_vkeys[0]);
        VARIANT(from, other, SP_ERR_KEY_ALGORITHM, 17);
    }
}

/* One public key, one role: signer, log, witness (SP_ERR_POLICY_KEY_ROLES), whatever the
 * names and key types around it. */
static void test_key_roles(void)
{
    fx_key k;
    char vk[256], from[512], to[512];

    /* a signer's key as a witness (cosigner key type 0x04, its own name) */
    k = W.keys[PF_MIL_B];
    strcpy(k.name, "w2.test.example");
    fx_cosigner_vkey(&k, vk, sizeof vk);
    snprintf(from, sizeof from, "witness w2 %s", W.pub.witness_vkeys[1]);
    snprintf(to, sizeof to, "witness w2 %s", vk);
    VARIANT(from, to, SP_ERR_POLICY_KEY_ROLES, 0);

    /* a signer's key as the log */
    (void)pf_vkey_text(vk, sizeof vk, PUB_LOG_ORIGIN, W.keys[PF_CIV_A].pk);
    VARIANT(W.pub.log.vkey, vk, SP_ERR_POLICY_KEY_ROLES, 0);

    /* the log's key as a witness */
    k = W.pub.log;
    strcpy(k.name, "w3.test.example");
    fx_cosigner_vkey(&k, vk, sizeof vk);
    snprintf(from, sizeof from, "witness w3 %s", W.pub.witness_vkeys[2]);
    snprintf(to, sizeof to, "witness w3 %s", vk);
    VARIANT(from, to, SP_ERR_POLICY_KEY_ROLES, 19); /* found by the witness-policy check */

    /* the same in memory: validate refuses it too */
    P = W.policy;
    memcpy(P.witness.witnesses[0].key.public_key, P.signers[PF_CIV_B].key.public_key, 32);
    CHECK_ERR(sp_policy_validate(&P, C(), NULL), SP_ERR_POLICY_KEY_ROLES);
    P = W.policy;
    memcpy(P.witness.logs[0].key.public_key, P.witness.witnesses[1].key.public_key, 32);
    CHECK_ERR(sp_policy_validate(&P, C(), NULL), SP_ERR_POLICY_KEY_ROLES);
}

/* A richer witness block (two logs, URLs, nested groups, "any") survives
 * parse -> format -> parse byte for byte, and the canonical form is the only one. */
static void test_witness_block_round_trip(void)
{
    fx_key log2, w4;
    char vk4[256], block[4096], from[64];
    size_t len = 0;
    fx_key_make(&log2, "second.test.example/log", 0x62);
    fx_key_make(&w4, "w4.test.example", 0x74);
    fx_cosigner_vkey(&w4, vk4, sizeof vk4);
    snprintf(block, sizeof block,
             "log %s https://log.test.example/\nlog %s\n"
             "witness w1 %s\nwitness w2 %s https://w2.test.example/\nwitness w3 %s\n"
             "witness w4 %s\n"
             "group eu any w1 w2\ngroup us all w3 w4\ngroup witnesses 2 eu us\n"
             "quorum witnesses\n",
             W.pub.log.vkey, log2.vkey, W.pub.witness_vkeys[0], W.pub.witness_vkeys[1],
             W.pub.witness_vkeys[2], vk4);
    strcpy(buf, W.policy_text);
    strcpy(strstr(buf, "log "), block);
    CHECK_OK(parse_str(&P, buf, NULL));
    CHECK(P.witness.log_count == 2 && P.witness.witness_count == 4 &&
          P.witness.group_count == 3);
    CHECK(strcmp(P.witness.logs[0].url, "https://log.test.example/") == 0);
    CHECK_OK(sp_policy_format(&P, out, sizeof out, &len));
    CHECK(len == strlen(buf) && memcmp(out, buf, len) == 0);
    CHECK_OK(sp_policy_parse(&Q, out, len, C(), NULL));
    CHECK(memcmp(&Q, &P, sizeof Q) == 0);
    /* max-staleness 0 round-trips as well */
    P = W.policy;
    P.max_staleness = 0;
    CHECK_OK(sp_policy_format(&P, out, sizeof out, &len));
    out[len] = '\0';
    CHECK(strstr((const char *)out, "\nmax-staleness 0\ntags ") != NULL);
    CHECK_OK(sp_policy_parse(&Q, out, len, C(), NULL));
    CHECK(Q.max_staleness == 0);
    /* "any" and "1" mean the same but are kept apart, so the hash covers what was
     * written; a group listed before its members is not canonical */
    snprintf(from, sizeof from, "group eu any w1 w2");
    strcpy(buf, W.policy_text);
    strcpy(strstr(buf, "log "), block);
    (void)pf_replace(buf, sizeof buf, from, "group eu 1 w1 w2");
    CHECK_OK(parse_str(&Q, buf, NULL));
    CHECK(memcmp(Q.hash, P.hash, 32) != 0);
}

/* ---- validate on in-memory policies ------------------------------------------------ */

static void test_validate_in_memory(void)
{
    uint32_t idx = 0;
    CHECK_OK(sp_policy_validate(&W.policy, C(), &idx));
    CHECK(idx == UINT32_MAX);
    CHECK_ERR(sp_policy_validate(NULL, C(), &idx), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_policy_validate(&W.policy, NULL, &idx), SP_ERR_ARGUMENT);

    P = W.policy;
    P.rule_count = 0;
    CHECK_ERR(sp_policy_validate(&P, C(), NULL), SP_ERR_POLICY_NO_RULES);
    P = W.policy;
    P.rule_count = SP_MAX_RULES + 1;
    CHECK_ERR(sp_policy_validate(&P, C(), NULL), SP_ERR_POLICY_LIMIT);
    P = W.policy;
    P.allowance = SP_MAX_TIME + 1;
    CHECK_ERR(sp_policy_validate(&P, C(), NULL), SP_ERR_POLICY_PARAMETER);

    /* a rule naming signer bits beyond the signer list */
    P = W.policy;
    P.rules[1].kind = SP_SET_SIGNERS;
    P.rules[1].members = 0x3F;
    CHECK_ERR(sp_policy_validate(&P, C(), &idx), SP_ERR_POLICY_UNKNOWN_SIGNER);
    CHECK(idx == 1);
    /* "all" whose members are not all signers: the text would lie */
    P = W.policy;
    P.rules[1].members = 0x0F;
    CHECK_ERR(sp_policy_validate(&P, C(), &idx), SP_ERR_POLICY_FORMAT);
    /* a tag index past the declared tags */
    P = W.policy;
    P.rules[0].tag = 5;
    CHECK_ERR(sp_policy_validate(&P, C(), &idx), SP_ERR_POLICY_TAG_UNDECLARED);
    CHECK(idx == 0);
    P = W.policy;
    P.signers[2].tags |= 1u << 7;
    CHECK_ERR(sp_policy_validate(&P, C(), &idx), SP_ERR_POLICY_TAG_UNDECLARED);
    CHECK(idx == 2);
    /* empty signers set */
    P = W.policy;
    P.rules[1].kind = SP_SET_SIGNERS;
    P.rules[1].members = 0;
    CHECK_ERR(sp_policy_validate(&P, C(), &idx), SP_ERR_POLICY_EMPTY_SET);
    /* two identical rules */
    P = W.policy;
    P.rules[0] = P.rules[1];
    CHECK_ERR(sp_policy_validate(&P, C(), &idx), SP_ERR_POLICY_NOT_CANONICAL);
    /* the same key under a second name, with a correct ID: caught */
    P = W.policy;
    P.signers[3].key = P.signers[2].key;
    strcpy(P.signers[3].key.name, "mil-beta.example");
    P.signers[3].key.name_len = strlen("mil-beta.example");
    P.signers[3].key.key_id = fx_key_id("mil-beta.example", P.signers[3].key.public_key);
    CHECK_ERR(sp_policy_validate(&P, C(), &idx), SP_ERR_POLICY_DUPLICATE_KEY);
    CHECK(idx == 3);
    /* a stale key ID */
    P = W.policy;
    P.signers[1].key.key_id ^= 1;
    CHECK_ERR(sp_policy_validate(&P, C(), &idx), SP_ERR_KEY_ID);
    /* a bad body */
    P = W.policy;
    strcpy(P.signers[1].body, "a b");
    CHECK_ERR(sp_policy_validate(&P, C(), &idx), SP_ERR_POLICY_FORMAT);
    /* a single-body quorum built in memory */
    P = W.policy;
    P.rules[1] = (sp_rule){1, SP_SET_SIGNERS, 0, 1u << PF_CIV_B};
    CHECK_ERR(sp_policy_validate(&P, C(), &idx), SP_ERR_POLICY_SINGLE_BODY);
    CHECK(idx == PF_CIV_B);
}

/* A body holding two keys (in memory only): reported as a duplicate body first. */
static void test_two_keys_one_body(void)
{
    P = W.policy;
    /* mil-gamma's body renamed to civ-alpha: civ-alpha now holds two keys */
    strcpy(P.signers[4].body, "civ-alpha");
    P.rules[1].k = 2;
    /* civ-alpha's two keys meet "1 civil" and "2 of all": duplicate body is found first */
    CHECK_ERR(sp_policy_validate(&P, C(), NULL), SP_ERR_POLICY_DUPLICATE_BODY);
}

static void test_arguments(void)
{
    CHECK_ERR(sp_policy_parse(NULL, (const uint8_t *)"x", 1, C(), NULL), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_policy_parse(&P, NULL, 1, C(), NULL), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_policy_parse(&P, (const uint8_t *)"x", 1, NULL, NULL), SP_ERR_ARGUMENT);
}

/* The name syntax tools check before building a policy is the one the parser enforces. */
static void test_name_syntax(void)
{
    static const struct {
        uint32_t kind;
        const char *name;
        int ok;
    } cases[] = {
        {SP_POLICY_NAME_DEPLOYMENT, "softpause.example/global:1_a-B", 1},
        {SP_POLICY_NAME_DEPLOYMENT, "my deployment", 0},
        {SP_POLICY_NAME_DEPLOYMENT, "", 0},
        {SP_POLICY_NAME_DEPLOYMENT, "d\xe2\x80\xae", 0},
        {SP_POLICY_NAME_BODY, "un-panel.2_B", 1},
        {SP_POLICY_NAME_BODY, "a/b", 0},
        {SP_POLICY_NAME_BODY, "a b", 0},
        {SP_POLICY_NAME_TAG, "civil-2", 1},
        {SP_POLICY_NAME_TAG, "Civil", 0},
        {SP_POLICY_NAME_TAG, "-", 0},
        {SP_POLICY_NAME_TAG, "", 0},
        {SP_POLICY_NAME_TAG, "a\xff", 0},
        {3, "civil", 0}, /* no such kind */
    };
    char longest[SP_MAX_BODY_BYTES + SP_MAX_DEPLOYMENT_BYTES + SP_MAX_TAG_BYTES + 1];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(sp_policy_name_valid(cases[i].kind, (const uint8_t *)cases[i].name,
                                   strlen(cases[i].name)) == cases[i].ok);
    static const struct {
        uint32_t kind;
        size_t max;
    } limits[] = {{SP_POLICY_NAME_TAG, SP_MAX_TAG_BYTES},
                  {SP_POLICY_NAME_BODY, SP_MAX_BODY_BYTES},
                  {SP_POLICY_NAME_DEPLOYMENT, SP_MAX_DEPLOYMENT_BYTES}};
    memset(longest, 'a', sizeof longest);
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        CHECK(sp_policy_name_valid(limits[i].kind, (const uint8_t *)longest, limits[i].max));
        CHECK(!sp_policy_name_valid(limits[i].kind, (const uint8_t *)longest, limits[i].max + 1));
    }
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    pf_world_make(&W);
    RUN_TEST(test_standard_policy_parses);
    RUN_TEST(test_hash_is_domain_separated_sha256);
    RUN_TEST(test_format_round_trip);
    RUN_TEST(test_format_sorts_everything);
    RUN_TEST(test_format_sorts_rules_bytewise);
    RUN_TEST(test_format_small_buffers);
    RUN_TEST(test_not_canonical);
    RUN_TEST(test_unsorted_signers);
    RUN_TEST(test_format_errors);
    RUN_TEST(test_comma_in_key_name);
    RUN_TEST(test_key_errors_pass_through);
    RUN_TEST(test_key_must_be_canonical);
    RUN_TEST(test_weak_keys);
    RUN_TEST(test_invariants_via_parse);
    RUN_TEST(test_parameters);
    RUN_TEST(test_limits);
    RUN_TEST(test_limit_counts);
    RUN_TEST(test_max_staleness);
    RUN_TEST(test_witness_block_required);
    RUN_TEST(test_witness_block_errors_report_file_lines);
    RUN_TEST(test_key_roles);
    RUN_TEST(test_witness_block_round_trip);
    RUN_TEST(test_validate_in_memory);
    RUN_TEST(test_two_keys_one_body);
    RUN_TEST(test_arguments);
    RUN_TEST(test_name_syntax);
    return harness_finish("policy");
}
