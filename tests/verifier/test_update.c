/*
 * test_update.c -- policy updates (update.h): sp_update_parse, sp_policy_update_check,
 * sp_update_verify -- accept and refuse cases, every check, and the order of the checks
 * (an input failing two checks gets the earlier one's code).
 *
 * Update texts are built by tests/support/update_fixture.c with snprintf and libsodium's
 * SHA-256, never by the library, over the chain P1 -> P2 -> P3 with real keys.  The attack
 * suite (tests/attack/test_attacks.c) has the attack list on the same fixture.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/statement.h"
#include "softpause/update.h"
#include "support/update_fixture.h"

static uf_world W;
static sp_update u;
static sp_update_result res;
static sp_update_report rep;
static sp_note work;
static sp_statement st;
static sp_quorum_report qrep;
static char text[SP_MAX_NOTE_BYTES], note[SP_MAX_NOTE_BYTES * 2], pol[UF_POLICY_CAP];
static sp_policy tmp;

static sp_err parse_text(const char *t, uint32_t *line)
{
    return sp_update_parse(&u, (const uint8_t *)t, strlen(t), line);
}

static sp_err verify_on(const sp_policy *current, const sp_crypto *crypto, uint32_t *line)
{
    return sp_update_verify(current, (const uint8_t *)note, strlen(note), crypto, &work, &res,
                            &rep, line);
}

static sp_err verify(const sp_policy *current, uint32_t *line)
{
    return verify_on(current, sp_sodium_crypto(), line);
}

/* The honest P1 -> P2 text into `text`. */
static size_t p1_p2_text(void)
{
    return uf_update_text(text, sizeof text, &W.p[0], 2, W.text[1], 0);
}

/* An update from P1 carrying policy text `p` as version 2, signed by mask. */
static void sign_p1_to(const char *p, uint32_t mask)
{
    (void)uf_update_text(text, sizeof text, &W.p[0], 2, p, 0);
    (void)uf_sign(note, sizeof note, &W, text, mask);
}

/* ---- parsing ------------------------------------------------------------------------ */

static void parse_accepts_update(void)
{
    uint32_t line = 99;
    size_t n = p1_p2_text();
    uint8_t h[32];
    CHECK_OK(parse_text(text, &line));
    CHECK(line == 0);
    CHECK(strcmp(u.deployment, PF_DEPLOYMENT) == 0);
    CHECK(memcmp(u.policy_hash, W.p[0].hash, 32) == 0);
    CHECK(u.version == 2 && u.time_reset == 0 && u.policy_line == 5);
    uf_policy_hash(h, W.text[1], W.len[1]);
    CHECK(memcmp(u.new_policy_hash, h, 32) == 0);
    CHECK(u.policy_len == W.len[1] && u.policy_offset + u.policy_len == n);
    CHECK(memcmp(text + u.policy_offset, W.text[1], W.len[1]) == 0);
}

static void parse_accepts_time_reset(void)
{
    uint32_t line = 99;
    (void)uf_update_text(text, sizeof text, &W.p[0], 2, W.text[1], 1);
    CHECK_OK(parse_text(text, &line));
    CHECK(u.time_reset == 1 && u.policy_line == 6 && u.policy_len == W.len[1]);
}

/* Replace `from` by `to` in the honest text; expect SP_ERR_UPDATE_FORMAT at want_line. */
static void refuse_variant(const char *from, const char *to, uint32_t want_line)
{
    uint32_t line = 0;
    (void)p1_p2_text();
    (void)pf_replace(text, sizeof text, from, to);
    CHECK_ERR(parse_text(text, &line), SP_ERR_UPDATE_FORMAT);
    if (line != want_line)
        printf("  variant \"%s\" -> \"%s\": line %u, expected %u\n", from, to, line, want_line);
    CHECK(line == want_line);
    CHECK(harness_all_zero(&u, sizeof u));
}

static void parse_refuses_non_canonical(void)
{
    char hex[65], upper[65];
    refuse_variant("policy-update ", "policy-updates ", 1);
    refuse_variant("softpause/v1 ", "softpause/v2 ", 1);
    refuse_variant("softpause/v1 policy-update", "softpause/v1 authorisation", 1);
    refuse_variant("policy-update " PF_DEPLOYMENT, "policy-update ", 1);
    refuse_variant(PF_DEPLOYMENT "\npolicy", "test example\npolicy", 1);
    refuse_variant(PF_DEPLOYMENT "\npolicy", PF_DEPLOYMENT " \npolicy", 1);
    refuse_variant("\npolicy ", "\npolicy  ", 2);
    refuse_variant("\npolicy ", "\nPolicy ", 2);
    pf_hex(hex, W.p[0].hash, 32);
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
    refuse_variant(hex, upper, 2);
    hex[63] = '\0';
    refuse_variant(hex, hex + 1, 2); /* 63 digits */
    refuse_variant("\nversion 2\n", "\nversion 02\n", 3);
    refuse_variant("\nversion 2\n", "\nversion 0\n", 3);
    refuse_variant("\nversion 2\n", "\nversion +2\n", 3);
    refuse_variant("\nversion 2\n", "\nversion 9007199254740993\n", 3);
    refuse_variant("\nversion 2\n", "\nversion 2 \n", 3);
    refuse_variant("\nversion 2\n", "\nversion\n", 3);
    refuse_variant("\nnew-policy ", "\nnew_policy ", 4);
    refuse_variant("\nnew-policy ", "\nnew-policy \n", 4);
    refuse_variant("\nsoftpause-policy/v1\n", "\ntime-reset \nsoftpause-policy/v1\n", 5);
    refuse_variant("\nsoftpause-policy/v1\n", "\nextra\nsoftpause-policy/v1\n", 5);
    refuse_variant("\nsoftpause-policy/v1\n", "\ntime-reset\ntime-reset\nsoftpause-policy/v1\n", 6);
    refuse_variant("\nsoftpause-policy/v1\n", "\n\nsoftpause-policy/v1\n", 5);
    refuse_variant("\nsoftpause-policy/v1\n", "\nsoftpause-policy/v2\n", 5);
    refuse_variant("\nversion 2\n", "\nversion 2\r\n", 3);
}

static void parse_refuses_truncated(void)
{
    uint32_t line = 0;
    static const struct {
        const char *t;
        uint32_t line;
    } cases[] = {
        {"", 1},
        {"softpause/v1 policy-update " PF_DEPLOYMENT, 1},
        {"softpause/v1 policy-update " PF_DEPLOYMENT "\n", 2},
        {"softpause/v1 authorisation " PF_DEPLOYMENT "\n", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_ERR(parse_text(cases[i].t, &line), SP_ERR_UPDATE_FORMAT);
        CHECK(line == cases[i].line);
    }
    /* header lines complete, no policy */
    (void)p1_p2_text();
    text[strstr(text, "softpause-policy/v1") - text] = '\0';
    CHECK_ERR(parse_text(text, &line), SP_ERR_UPDATE_FORMAT);
    CHECK(line == 5);
    (void)p1_p2_text();
    strcpy(strstr(text, "softpause-policy/v1"), "time-reset\n");
    CHECK_ERR(parse_text(text, &line), SP_ERR_UPDATE_FORMAT);
    CHECK(line == 6);
    CHECK_ERR(sp_update_parse(NULL, (const uint8_t *)text, 1, &line), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_update_parse(&u, NULL, 1, &line), SP_ERR_ARGUMENT);
}

/* The statement path keeps refusing the type; the update path refuses a statement. */
static void statement_path_refuses_update(void)
{
    uint32_t line = 0;
    size_t n = uf_update_note(note, sizeof note, &W, 0, UF_P1_P2_KEYS);
    (void)p1_p2_text();
    CHECK_ERR(sp_statement_parse(&st, (const uint8_t *)text, strlen(text), &line),
              SP_ERR_STMT_WRONG_TYPE);
    CHECK_ERR(sp_statement_verify(&W.p[0], (const uint8_t *)note, n, sp_sodium_crypto(), &work,
                                  &st, &qrep, &line),
              SP_ERR_STMT_WRONG_TYPE);
    (void)pf_statement_note(note, sizeof note, &W.pf, 3, "run", UF_P1_KEYS);
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_FORMAT);
    CHECK(line == 1);
}

/* ---- verification: acceptance ------------------------------------------------------- */

static void verify_accepts_chain(void)
{
    uint32_t line = 99;
    (void)uf_update_note(note, sizeof note, &W, 0, UF_P1_P2_KEYS);
    CHECK_OK(verify(&W.p[0], &line));
    CHECK(line == 0);
    CHECK(memcmp(res.policy.hash, W.p[1].hash, 32) == 0 && res.policy.version == 2);
    CHECK(res.update.version == 2 && rep.unsigned_signer == UINT32_MAX);
    /* 6 lines: civ-beta's old line is unknown to P2, its new line unknown to P1 */
    CHECK(rep.current.line_count == 6 && rep.current.verified_lines == 5 &&
          rep.current.unknown_lines == 1 && rep.current.failed_rule == UINT32_MAX);
    CHECK(rep.next.line_count == 6 && rep.next.verified_lines == 5 &&
          rep.next.unknown_lines == 1 && rep.next.distinct_keys == 5);

    (void)uf_update_note(note, sizeof note, &W, 1, UF_P2_P3_KEYS);
    CHECK_OK(verify(&W.p[1], &line));
    CHECK(memcmp(res.policy.hash, W.p[2].hash, 32) == 0 && res.policy.version == 3);

    /* the time-reset line is carried through */
    (void)uf_update_text(text, sizeof text, &W.p[0], 2, W.text[1], 1);
    (void)uf_sign(note, sizeof note, &W, text, UF_P1_P2_KEYS);
    CHECK_OK(verify(&W.p[0], &line));
    CHECK(res.update.time_reset == 1);

    /* exactly a quorum of each suffices: civ-a, mil-a, mil-b are in both; civ-b2 is added */
    (void)uf_update_note(note, sizeof note, &W, 0,
                         PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B) |
                             PF_BIT(UF_CIV_B2));
    CHECK_OK(verify(&W.p[0], &line));

    /* lines of keys in neither policy are ignored, as for statements */
    {
        fx_key stranger;
        char extra[600];
        fx_key_make(&stranger, "stranger.example", 0x5c);
        (void)p1_p2_text();
        (void)uf_sign(note, sizeof note, &W, text, UF_P1_P2_KEYS);
        (void)fx_sign_line(&stranger, text, strlen(text), extra, sizeof extra);
        strcat(note, extra);
    }
    CHECK_OK(verify(&W.p[0], &line));
    CHECK(rep.current.unknown_lines == 2);
}

/* Each line is verified once per public key: the second tally reuses the first. */
static int verify_calls;
static int counting_verify(void *ctx, const uint8_t sig[64], const uint8_t *msg, size_t len,
                           const uint8_t pk[32])
{
    verify_calls++;
    return sp_sodium_crypto()->ed25519_verify(ctx, sig, msg, len, pk);
}

static void verify_checks_each_line_once(void)
{
    sp_crypto c = *sp_sodium_crypto();
    uint32_t line = 0;
    c.ed25519_verify = counting_verify;
    (void)uf_update_note(note, sizeof note, &W, 0, UF_P1_P2_KEYS);
    verify_calls = 0;
    CHECK_OK(verify_on(&W.p[0], &c, &line));
    /* 6 lines, 6 keys: 5 verified under P1, of which 4 reused under P2, plus civ-beta's new */
    CHECK(verify_calls == 6);
}

/* ---- verification: every check and its line ----------------------------------------- */

static void verify_note_syntax_first(void)
{
    uint32_t line = 0;
    (void)p1_p2_text();
    strcpy(note, text); /* no signatures */
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_NOTE_NO_SIGNATURES);
    CHECK(harness_all_zero(&res, sizeof res));
}

static void verify_carried_policy_errors_at_note_lines(void)
{
    uint32_t line = 0;
    /* the carried policy's allowance line is its line 6, the note's line 10 */
    (void)uf_variant(pol, sizeof pol, W.text[1], "allowance 648000", "allowance 0648000");
    sign_p1_to(pol, UF_P1_P2_KEYS);
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_POLICY_NOT_CANONICAL);
    CHECK(line == 10);
    CHECK(harness_all_zero(&res, sizeof res));
    /* with time-reset, one line further */
    (void)uf_update_text(text, sizeof text, &W.p[0], 2, pol, 1);
    (void)uf_sign(note, sizeof note, &W, text, UF_P1_P2_KEYS);
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_POLICY_NOT_CANONICAL);
    CHECK(line == 11);
    /* a weak key in the carried policy: its own SP_ERR_KEY_* code */
    {
        uint8_t small[32] = {1};
        char vk[256], from[400], to[400];
        pf_vkey_text(vk, sizeof vk, "civ-beta.example", small);
        snprintf(from, sizeof from, "%s\n", W.keys[UF_CIV_B2].vkey);
        snprintf(to, sizeof to, "%s\n", vk);
        (void)uf_variant(pol, sizeof pol, W.text[1], from, to);
        sign_p1_to(pol, UF_P1_P2_KEYS);
        CHECK_ERR(verify(&W.p[0], &line), SP_ERR_KEY_WEAK);
    }
}

static void verify_carried_version_must_match(void)
{
    uint32_t line = 0;
    /* header version 2, carried policy says 3 */
    (void)uf_variant(pol, sizeof pol, W.text[1], "\nversion 2\n", "\nversion 3\n");
    sign_p1_to(pol, UF_P1_P2_KEYS);
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_FORMAT);
    CHECK(line == 3);
}

static void update_check_invariants(void)
{
    const sp_crypto *c = sp_sodium_crypto();
    uint32_t line = 0;
    CHECK_OK(sp_policy_update_check(&W.p[0], &W.p[1], c));
    CHECK_OK(sp_policy_update_check(&W.p[1], &W.p[2], c));
    /* the invariants do not look at versions: a same-version policy passes them */
    CHECK_OK(sp_policy_update_check(&W.p[0], &W.p[0], c));

#define LOAD_VARIANT(from, to)                                                               \
    do {                                                                                     \
        size_t n_ = uf_variant(pol, sizeof pol, W.text[1], (from), (to));                    \
        CHECK_OK(sp_policy_parse(&tmp, (const uint8_t *)pol, n_, c, &line));                 \
    } while (0)

    /* a tag rule may be re-thresholded (k' >= 1), other rules may change or go */
    LOAD_VARIANT("rule 1 tag civil\nrule 3 all\n", "rule 2 tag civil\nrule 3 all\n");
    CHECK_OK(sp_policy_update_check(&W.p[0], &tmp, c));
    LOAD_VARIANT("rule 3 all\n", "rule 2 tag military\nrule 3 all\n");
    CHECK_OK(sp_policy_update_check(&W.p[0], &tmp, c));
    {
        sp_policy two = tmp; /* rule 1 tag civil, rule 2 tag military, rule 3 all */
        LOAD_VARIANT("rule 3 all\n", "rule 4 all\n");
        CHECK_OK(sp_policy_update_check(&W.p[0], &tmp, c));
        CHECK_ERR(sp_policy_update_check(&two, &tmp, c), SP_ERR_UPDATE_RULE_DROPPED);
        CHECK_OK(sp_policy_update_check(&tmp, &two, c));
    }
    /* the civil tag rule replaced by a signers rule over the same bodies: dropped */
    LOAD_VARIANT("rule 1 tag civil\n", "rule 1 signers civ-alpha.example,civ-beta.example\n");
    CHECK_ERR(sp_policy_update_check(&W.p[0], &tmp, c), SP_ERR_UPDATE_RULE_DROPPED);

    /* immutable fields */
    LOAD_VARIANT("deployment " PF_DEPLOYMENT "\n", "deployment other.example/softpause\n");
    CHECK_ERR(sp_policy_update_check(&W.p[0], &tmp, c), SP_ERR_UPDATE_IMMUTABLE);
    LOAD_VARIANT("genesis 1735689600\n", "genesis 1735689601\n");
    CHECK_ERR(sp_policy_update_check(&W.p[0], &tmp, c), SP_ERR_UPDATE_IMMUTABLE);
    LOAD_VARIANT("epoch-length 604800\n", "epoch-length 86400\n");
    CHECK_ERR(sp_policy_update_check(&W.p[0], &tmp, c), SP_ERR_UPDATE_IMMUTABLE);
    /* allowance and max-staleness may change */
    LOAD_VARIANT("allowance 648000\n", "allowance 86400\n");
    CHECK_OK(sp_policy_update_check(&W.p[0], &tmp, c));
    LOAD_VARIANT("max-staleness 604800\n", "max-staleness 0\n");
    CHECK_OK(sp_policy_update_check(&W.p[0], &tmp, c));

    /* the witness quorum must survive one loss: 3 of 3 does not, 2 of 3 does */
    LOAD_VARIANT("group witnesses 2 ", "group witnesses 3 ");
    CHECK_ERR(sp_policy_update_check(&W.p[0], &tmp, c), SP_ERR_UPDATE_WITNESS_QUORUM);
    LOAD_VARIANT("group witnesses 2 ", "group witnesses all ");
    CHECK_ERR(sp_policy_update_check(&W.p[0], &tmp, c), SP_ERR_UPDATE_WITNESS_QUORUM);

    /* whatever sp_policy_validate refuses (an in-memory policy) */
    tmp = W.p[1];
    tmp.rules[0].k = 0;
    CHECK_ERR(sp_policy_update_check(&W.p[0], &tmp, c), SP_ERR_POLICY_THRESHOLD);
    /* a single-witness quorum in memory: refused by validation before the invariant */
    tmp = W.p[1];
    tmp.witness.groups[0].k = 1;
    CHECK_ERR(sp_policy_update_check(&W.p[0], &tmp, c), SP_ERR_POLICY_SINGLE_WITNESS);

    /* arguments; an out-of-range current policy */
    CHECK_ERR(sp_policy_update_check(NULL, &W.p[1], c), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_policy_update_check(&W.p[0], NULL, c), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_policy_update_check(&W.p[0], &W.p[1], NULL), SP_ERR_ARGUMENT);
    tmp = W.p[0];
    tmp.rules[0].tag = SP_MAX_TAGS;
    CHECK_ERR(sp_policy_update_check(&tmp, &W.p[1], c), SP_ERR_ARGUMENT);
    tmp = W.p[0];
    tmp.rule_count = SP_MAX_RULES + 1;
    CHECK_ERR(sp_policy_update_check(&tmp, &W.p[1], c), SP_ERR_ARGUMENT);
#undef LOAD_VARIANT
}

/* A quorum that holds only by counting one key twice, then proof of possession. */
static void verify_counted_twice_and_proof_of_possession(void)
{
    uint32_t line = 0;
    char dup[600];
    size_t tl;
    /* civ-a, mil-a and civ-b2, with mil-a's line twice: P2 has 3 distinct keys (met), P1
     * only 2 (civ-a, mil-a) unless mil-a is counted twice */
    (void)p1_p2_text();
    tl = strlen(text);
    (void)uf_sign(note, sizeof note, &W, text,
                  PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(UF_CIV_B2));
    (void)fx_sign_line(&W.keys[PF_MIL_A], text, tl, dup, sizeof dup);
    strcat(note, dup);
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_QUORUM_KEY_COUNTED_TWICE);
    CHECK(rep.current.duplicate_lines == 1 && rep.current.distinct_keys == 2);
    CHECK(harness_all_zero(&res, sizeof res));

    /* every key of P1, not civ-beta's new key: both quorums hold, the added key is unsigned */
    (void)uf_update_note(note, sizeof note, &W, 0, UF_P1_KEYS);
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_UNSIGNED_KEY);
    CHECK(rep.unsigned_signer == PF_CIV_B);
    /* a key added where another leaves (P2 -> P3: civ-gamma) */
    (void)uf_update_note(note, sizeof note, &W, 1, UF_P2_KEYS);
    CHECK_ERR(verify(&W.p[1], &line), SP_ERR_UPDATE_UNSIGNED_KEY);
    CHECK(rep.unsigned_signer == 2); /* civ-gamma sorts third */
    /* an invalid line for the added key does not prove possession */
    (void)uf_update_note(note, sizeof note, &W, 1, UF_P2_KEYS);
    {
        char other[600];
        fx_key forged = W.keys[PF_MIL_C];
        (void)fx_sign_line_as(&forged, W.keys[UF_CIV_C].name, W.keys[UF_CIV_C].id, "x\n", 2,
                              other, sizeof other);
        strcat(note, other);
    }
    CHECK_ERR(verify(&W.p[1], &line), SP_ERR_UPDATE_UNSIGNED_KEY);
    CHECK(rep.next.invalid_lines == 1);
}

/* ---- the order of the checks -------------------------------------------------------- */

static void verify_check_order(void)
{
    uint32_t line = 0;
    uint8_t h[32], other[32];
    memset(other, 0xab, sizeof other);
    uf_policy_hash(h, W.text[1], W.len[1]);

    /* 3 before 4: another deployment that also skips versions */
    (void)uf_update_text_raw(text, sizeof text, "other.example/softpause", W.p[0].hash, 9, h, 0,
                             W.text[1]);
    (void)uf_sign(note, sizeof note, &W, text, UF_P1_P2_KEYS);
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_STMT_DEPLOYMENT);
    CHECK(line == 1);
    CHECK(rep.current.line_count == 6 && rep.next.line_count == 6 &&
          rep.current.verified_lines == 0 && rep.unsigned_signer == UINT32_MAX);
    /* 4 before 5: not newer, and a fork */
    (void)uf_update_text_raw(text, sizeof text, PF_DEPLOYMENT, other, 1, h, 0, W.text[1]);
    (void)uf_sign(note, sizeof note, &W, text, UF_P1_P2_KEYS);
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_NOT_NEWER);
    CHECK(line == 3);
    (void)uf_update_text_raw(text, sizeof text, PF_DEPLOYMENT, other, 3, h, 0, W.text[1]);
    (void)uf_sign(note, sizeof note, &W, text, UF_P1_P2_KEYS);
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_SKIPPED);
    CHECK(line == 3);
    /* 5 before 6: a fork whose new-policy line is also wrong */
    (void)uf_update_text_raw(text, sizeof text, PF_DEPLOYMENT, other, 2, other, 0, W.text[1]);
    (void)uf_sign(note, sizeof note, &W, text, UF_P1_P2_KEYS);
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_NOT_CURRENT);
    CHECK(line == 2);
    /* 6 before 7: a wrong hash line over an unparsable policy */
    (void)uf_variant(pol, sizeof pol, W.text[1], "allowance 648000", "allowance 0648000");
    (void)uf_update_text_raw(text, sizeof text, PF_DEPLOYMENT, W.p[0].hash, 2, W.p[1].hash, 0,
                             pol);
    (void)uf_sign(note, sizeof note, &W, text, UF_P1_P2_KEYS);
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_HASH);
    CHECK(line == 4);
    /* 7 before 8: an invalid carried policy that also changes genesis */
    (void)uf_variant(pol, sizeof pol, W.text[1], "genesis 1735689600", "genesis 1735689601");
    (void)pf_replace(pol, sizeof pol, "rule 1 tag civil\nrule 3 all\n", "rule 1 tag civil\n");
    sign_p1_to(pol, 0);
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_NOTE_NO_SIGNATURES); /* 1 first of all */
    sign_p1_to(pol, PF_BIT(PF_CIV_A));
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_POLICY_SINGLE_BODY);
    /* 8 before 9, and within 8: immutable, then dropped rule, then witnesses */
    (void)uf_variant(pol, sizeof pol, W.text[1], "genesis 1735689600", "genesis 1735689601");
    (void)pf_replace(pol, sizeof pol, "rule 1 tag civil\n", "rule 1 signers civ-alpha.example\n");
    (void)pf_replace(pol, sizeof pol, "group witnesses 2 ", "group witnesses 3 ");
    sign_p1_to(pol, PF_BIT(PF_CIV_A));
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_IMMUTABLE);
    CHECK(line == 0);
    (void)pf_replace(pol, sizeof pol, "genesis 1735689601", "genesis 1735689600");
    sign_p1_to(pol, PF_BIT(PF_CIV_A));
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_RULE_DROPPED);
    (void)pf_replace(pol, sizeof pol, "rule 1 signers civ-alpha.example\n", "rule 1 tag civil\n");
    sign_p1_to(pol, PF_BIT(PF_CIV_A));
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_WITNESS_QUORUM);
    /* within 9: the old quorum before the new */
    (void)uf_update_note(note, sizeof note, &W, 0, PF_BIT(PF_CIV_A));
    CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_OLD_QUORUM);
    CHECK(rep.current.failed_rule != UINT32_MAX && rep.next.failed_rule != UINT32_MAX);
    /* the new quorum before counted-twice: P1 holds only by counting mil-a twice, P2 fails */
    {
        char dup[600];
        (void)p1_p2_text();
        (void)uf_sign(note, sizeof note, &W, text, PF_BIT(PF_CIV_B) | PF_BIT(PF_MIL_A));
        (void)fx_sign_line(&W.keys[PF_MIL_A], text, strlen(text), dup, sizeof dup);
        strcat(note, dup);
        CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_NEW_QUORUM);
    }
    /* counted-twice before proof of possession: civ-a and mil-a twice, no civ-b2 line --
     * each quorum holds only by counting mil-a twice, and the added key is unsigned */
    {
        char dup[600];
        (void)p1_p2_text();
        (void)uf_sign(note, sizeof note, &W, text, PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
        (void)fx_sign_line(&W.keys[PF_MIL_A], text, strlen(text), dup, sizeof dup);
        strcat(note, dup);
        CHECK_ERR(verify(&W.p[0], &line), SP_ERR_QUORUM_KEY_COUNTED_TWICE);
        /* with mil-b too, both quorums hold and only the added key is missing */
        (void)uf_sign(note, sizeof note, &W, text,
                      PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
        strcat(note, dup);
        CHECK_ERR(verify(&W.p[0], &line), SP_ERR_UPDATE_UNSIGNED_KEY);
    }
}

/* sp_update_format writes what the fixture's independent formatter writes, with and
 * without time-reset; too small a buffer, a text past the note limit and bad arguments
 * are refused with the output zeroed. */
static void format_matches_fixture(void)
{
    static uint8_t out[SP_MAX_NOTE_BYTES + 64], big[SP_MAX_NOTE_BYTES + 8];
    size_t len = 99, want;
    for (uint32_t reset = 0; reset <= 1; reset++) {
        want = uf_update_text(text, sizeof text, &W.p[0], 2, W.text[1], (int)reset);
        CHECK_OK(sp_update_format(&W.p[0], &W.p[1], (const uint8_t *)W.text[1], W.len[1], reset,
                                  out, sizeof out, &len));
        CHECK(len == want && memcmp(out, text, len) == 0);
    }
    CHECK_OK(sp_update_format(&W.p[1], &W.p[2], (const uint8_t *)W.text[2], W.len[2], 0, out,
                              sizeof out, &len));
    CHECK_OK(sp_update_parse(&u, out, len, NULL));
    CHECK(u.version == 3 && memcmp(u.policy_hash, W.p[1].hash, 32) == 0);
    CHECK_ERR(sp_update_format(&W.p[0], &W.p[1], (const uint8_t *)W.text[1], W.len[1], 0, out,
                               10, &len),
              SP_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 0 && harness_all_zero(out, 10));
    memset(big, 'x', sizeof big);
    CHECK_ERR(sp_update_format(&W.p[0], &W.p[1], big, SP_MAX_NOTE_BYTES - 100, 0, out,
                               sizeof out, &len),
              SP_ERR_UPDATE_TOO_LARGE);
    CHECK_ERR(sp_update_format(&W.p[0], &W.p[1], big, sizeof big, 0, out, sizeof out, &len),
              SP_ERR_UPDATE_TOO_LARGE);
    CHECK(len == 0);
    CHECK_ERR(sp_update_format(NULL, &W.p[1], big, 1, 0, out, sizeof out, &len), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_update_format(&W.p[0], &W.p[1], big, 1, 2, out, sizeof out, &len),
              SP_ERR_ARGUMENT);
}

static void verify_arguments(void)
{
    uint32_t line = 0;
    size_t n = uf_update_note(note, sizeof note, &W, 0, UF_P1_P2_KEYS);
    sp_crypto c = *sp_sodium_crypto();
    CHECK_ERR(sp_update_verify(NULL, (const uint8_t *)note, n, sp_sodium_crypto(), &work, &res,
                               &rep, &line),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_update_verify(&W.p[0], NULL, n, sp_sodium_crypto(), &work, &res, &rep, &line),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_update_verify(&W.p[0], (const uint8_t *)note, n, NULL, &work, &res, &rep,
                               &line),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_update_verify(&W.p[0], (const uint8_t *)note, n, sp_sodium_crypto(), NULL,
                               &res, &rep, &line),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_update_verify(&W.p[0], (const uint8_t *)note, n, sp_sodium_crypto(), &work,
                               NULL, &rep, &line),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_update_verify(&W.p[0], (const uint8_t *)note, n, sp_sodium_crypto(), &work,
                               &res, NULL, &line),
              SP_ERR_ARGUMENT);
    c.sha256 = NULL;
    CHECK_ERR(sp_update_verify(&W.p[0], (const uint8_t *)note, n, &c, &work, &res, &rep, &line),
              SP_ERR_ARGUMENT);
    tmp = W.p[0];
    tmp.signer_count = SP_MAX_SIGNERS + 1;
    CHECK_ERR(sp_update_verify(&tmp, (const uint8_t *)note, n, sp_sodium_crypto(), &work, &res,
                               &rep, &line),
              SP_ERR_ARGUMENT);
    CHECK(harness_all_zero(&res, sizeof res));
}

int main(void)
{
    uf_world_make(&W);
    RUN_TEST(parse_accepts_update);
    RUN_TEST(parse_accepts_time_reset);
    RUN_TEST(parse_refuses_non_canonical);
    RUN_TEST(parse_refuses_truncated);
    RUN_TEST(statement_path_refuses_update);
    RUN_TEST(verify_accepts_chain);
    RUN_TEST(verify_checks_each_line_once);
    RUN_TEST(verify_note_syntax_first);
    RUN_TEST(verify_carried_policy_errors_at_note_lines);
    RUN_TEST(verify_carried_version_must_match);
    RUN_TEST(update_check_invariants);
    RUN_TEST(verify_counted_twice_and_proof_of_possession);
    RUN_TEST(verify_check_order);
    RUN_TEST(verify_arguments);
    RUN_TEST(format_matches_fixture);
    return harness_finish("test_update");
}
