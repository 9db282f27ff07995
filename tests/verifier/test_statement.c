/*
 * test_statement.c -- sp_statement_parse / _format / _check / _verify and sp_epoch_start.
 *
 * Statement texts are written out by hand (or by policy_fixture's snprintf), never by the
 * library's formatter, so parse and format are checked against an independent spelling.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/statement.h"
#include "support/fixture.h"
#include "support/policy_fixture.h"

#define QUORUM (PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B))

static pf_world W;
static sp_policy P;
static sp_statement st;
static sp_note work;
static sp_quorum_report report;
static char text[2048], note[16384];
static uint8_t out[1024];

static sp_err parse(const char *t, uint32_t *line)
{
    return sp_statement_parse(&st, (const uint8_t *)t, strlen(t), line);
}

static sp_err verify(const sp_policy *p, size_t n, uint32_t *line)
{
    return sp_statement_verify(p, (const uint8_t *)note, n, sp_sodium_crypto(), &work, &st,
                               &report, line);
}

/* Mutate the epoch-7 statement text and expect WANT at LINE, with *st zeroed. */
#define TEXT_VARIANT(from, to, want, want_line)                                              \
    do {                                                                                     \
        uint32_t l_ = 999;                                                                   \
        (void)pf_statement_text(text, sizeof text, &W.policy, 7, "run");                     \
        (void)pf_replace(text, sizeof text, (from), (to));                                   \
        memset(&st, 0x5A, sizeof st);                                                        \
        CHECK_ERR(parse(text, &l_), (want));                                                 \
        if (l_ != (uint32_t)(want_line))                                                     \
            printf("  line %u, expected %u\n", (unsigned)l_, (unsigned)(want_line));        \
        CHECK(l_ == (uint32_t)(want_line));                                                  \
        CHECK(harness_all_zero(&st, sizeof st));                                                     \
    } while (0)

/* ---- parse and format --------------------------------------------------------------- */

static void test_parse_modes_and_round_trip(void)
{
    static const char *const modes[] = {"run", "pause", "throttle 1", "throttle 250",
                                        "throttle 999"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        size_t tl = pf_statement_text(text, sizeof text, &W.policy, 7, modes[i]), len = 0;
        uint32_t line = 9;
        CHECK_OK(parse(text, &line));
        CHECK(line == 0);
        CHECK(st.type == SP_STMT_AUTHORISATION);
        CHECK(strcmp(st.deployment, PF_DEPLOYMENT) == 0);
        CHECK(memcmp(st.policy_hash, W.policy.hash, 32) == 0);
        CHECK(st.epoch == 7 && st.start == PF_GENESIS + 7ull * PF_EPOCH_LENGTH);
        CHECK_OK(sp_statement_check(&st, &W.policy));
        CHECK_OK(sp_statement_format(&st, out, sizeof out, &len));
        CHECK(len == tl && memcmp(out, text, tl) == 0);
    }
    (void)pf_statement_text(text, sizeof text, &W.policy, 7, "run");
    CHECK_OK(parse(text, NULL));
    CHECK(st.mode == SP_MODE_RUN && st.permille == 0);
    (void)pf_statement_text(text, sizeof text, &W.policy, 7, "throttle 250");
    CHECK_OK(parse(text, NULL));
    CHECK(st.mode == SP_MODE_THROTTLE && st.permille == 250);
    (void)pf_statement_text(text, sizeof text, &W.policy, 7, "pause");
    CHECK_OK(parse(text, NULL));
    CHECK(st.mode == SP_MODE_PAUSE);
}

/* Domain separation: a C2SP checkpoint is not a statement, whatever signs it. */
static void test_checkpoint_is_not_a_statement(void)
{
    static const char checkpoint[] =
        "example.org/log\n42\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n";
    uint32_t line = 0;
    size_t n;
    CHECK_ERR(parse(checkpoint, &line), SP_ERR_STMT_HEADER);
    CHECK(line == 1 && harness_all_zero(&st, sizeof st));
    /* ... even as a note cosigned by a full policy quorum */
    n = pf_sign_mask(note, sizeof note, checkpoint, W.keys, PF_NKEYS, 0x1F);
    CHECK_ERR(verify(&W.policy, n, &line), SP_ERR_STMT_HEADER);
    CHECK(line == 1 && harness_all_zero(&st, sizeof st));
    CHECK(report.verified_lines == 0 && report.valid_signers == 0);
}

static void test_first_line_precedence(void)
{
    TEXT_VARIANT("softpause/v1 authorisation", "softpause/v2 authorisation", SP_ERR_STMT_VERSION,
                 1);
    TEXT_VARIANT("softpause/v1 authorisation", "softpause/v10 authorisation",
                 SP_ERR_STMT_VERSION, 1);
    TEXT_VARIANT("softpause/v1 authorisation", "softpause/V1 authorisation", SP_ERR_STMT_VERSION,
                 1);
    TEXT_VARIANT("softpause/v1 authorisation", "softpause/v1 authorization", SP_ERR_STMT_TYPE, 1);
    TEXT_VARIANT("softpause/v1 authorisation", "softpause/v1 revocation", SP_ERR_STMT_TYPE, 1);
    TEXT_VARIANT("softpause/v1 authorisation", "softpause/v1 policy-update",
                 SP_ERR_STMT_WRONG_TYPE, 1);
    TEXT_VARIANT("softpause/v1 authorisation", "Softpause/v1 authorisation", SP_ERR_STMT_HEADER,
                 1);
    TEXT_VARIANT("softpause/v1 authorisation", "softpause-v1 authorisation", SP_ERR_STMT_HEADER,
                 1);
    CHECK_ERR(parse("", NULL), SP_ERR_STMT_HEADER);
    /* version beats type beats format */
    CHECK_ERR(parse("softpause/v3 nonsense \x01\n", NULL), SP_ERR_STMT_VERSION);
    CHECK_ERR(parse("softpause/v1 nonsense \x01\n", NULL), SP_ERR_STMT_TYPE);
}

static void test_format_errors(void)
{
    char hash[65];
    pf_hex(hash, W.policy.hash, 32);
    /* header line */
    TEXT_VARIANT("authorisation test", "authorisation  test", SP_ERR_STMT_FORMAT, 1);
    TEXT_VARIANT("authorisation test.example/softpause", "authorisation", SP_ERR_STMT_FORMAT, 1);
    TEXT_VARIANT("test.example/softpause", "test.example/soft pause", SP_ERR_STMT_FORMAT, 1);
    TEXT_VARIANT("test.example/softpause", "test.example/softpause ", SP_ERR_STMT_FORMAT, 1);
    TEXT_VARIANT("softpause/v1 authorisation test.example/softpause", "softpause/v1",
                 SP_ERR_STMT_FORMAT, 1);
    /* policy line: upper case, short, long, missing */
    {
        char upper[65];
        strcpy(upper, hash);
        for (char *c = upper; *c; c++)
            if (*c >= 'a' && *c <= 'f')
                *c = (char)(*c - 'a' + 'A');
        if (strcmp(upper, hash) != 0)
            TEXT_VARIANT(hash, upper, SP_ERR_STMT_FORMAT, 2);
    }
    TEXT_VARIANT(hash + 2, hash + 3, SP_ERR_STMT_FORMAT, 2);
    TEXT_VARIANT("policy ", "policy 00", SP_ERR_STMT_FORMAT, 2);
    TEXT_VARIANT("policy ", "policy  ", SP_ERR_STMT_FORMAT, 2);
    TEXT_VARIANT("policy ", "policy: ", SP_ERR_STMT_FORMAT, 2);
    /* numbers: leading zero, sign, junk, empty */
    TEXT_VARIANT("epoch 7", "epoch 07", SP_ERR_STMT_FORMAT, 3);
    TEXT_VARIANT("epoch 7", "epoch +7", SP_ERR_STMT_FORMAT, 3);
    TEXT_VARIANT("epoch 7", "epoch 7x", SP_ERR_STMT_FORMAT, 3);
    TEXT_VARIANT("epoch 7", "epoch ", SP_ERR_STMT_FORMAT, 3);
    TEXT_VARIANT("start ", "start 0", SP_ERR_STMT_FORMAT, 4);
    /* misordered, missing, extra lines; CR; no final newline */
    (void)pf_statement_text(text, sizeof text, &W.policy, 7, "run");
    {
        char *ep = strstr(text, "epoch 7\n"), *sp = strstr(text, "start ");
        char tmp[64], *nl = strchr(sp, '\n');
        size_t el = 8, sl = (size_t)(nl - sp) + 1;
        memcpy(tmp, sp, sl);
        memmove(ep + sl, ep, el);
        memcpy(ep, tmp, sl);
        CHECK_ERR(parse(text, NULL), SP_ERR_STMT_FORMAT);
    }
    TEXT_VARIANT("epoch 7\n", "", SP_ERR_STMT_FORMAT, 3);
    TEXT_VARIANT("mode run\n", "", SP_ERR_STMT_FORMAT, 5);
    TEXT_VARIANT("mode run\n", "mode run\nmode run\n", SP_ERR_STMT_FORMAT, 6);
    TEXT_VARIANT("mode run\n", "mode run\ndevice 1234\n", SP_ERR_STMT_FORMAT, 6);
    TEXT_VARIANT("mode run\n", "mode run", SP_ERR_STMT_FORMAT, 5);
    TEXT_VARIANT("mode run\n", "mode run\n\n", SP_ERR_STMT_FORMAT, 6);
    TEXT_VARIANT("epoch 7\n", "epoch 7\r\n", SP_ERR_STMT_FORMAT, 3);
    TEXT_VARIANT("mode run\n", "mode run\njunk", SP_ERR_STMT_FORMAT, 6);
}

static void test_mode_errors(void)
{
    TEXT_VARIANT("mode run", "mode fast", SP_ERR_STMT_MODE, 5);
    TEXT_VARIANT("mode run", "mode Run", SP_ERR_STMT_MODE, 5);
    TEXT_VARIANT("mode run", "mode run ", SP_ERR_STMT_MODE, 5);
    TEXT_VARIANT("mode run", "mode throttle 0", SP_ERR_STMT_MODE, 5);
    TEXT_VARIANT("mode run", "mode throttle 1000", SP_ERR_STMT_MODE, 5);
    TEXT_VARIANT("mode run", "mode throttle 050", SP_ERR_STMT_MODE, 5);
    TEXT_VARIANT("mode run", "mode throttle", SP_ERR_STMT_MODE, 5);
    TEXT_VARIANT("mode run", "mode throttle ", SP_ERR_STMT_MODE, 5);
    TEXT_VARIANT("mode run", "mode pause 5", SP_ERR_STMT_MODE, 5);
    TEXT_VARIANT("mode run", "mode", SP_ERR_STMT_FORMAT, 5);
}

static void test_number_ranges(void)
{
    /* beyond uint64: out of range at parse time */
    TEXT_VARIANT("epoch 7", "epoch 18446744073709551616", SP_ERR_STMT_EPOCH_RANGE, 3);
    TEXT_VARIANT("start ", "start 99999999999999999999", SP_ERR_STMT_START_RANGE, 4);
    /* above 2^53: syntactically fine, refused by the check */
    (void)pf_statement_text(text, sizeof text, &W.policy, 7, "run");
    (void)pf_replace(text, sizeof text, "epoch 7", "epoch 9007199254740993");
    CHECK_OK(parse(text, NULL));
    CHECK_ERR(sp_statement_check(&st, &W.policy), SP_ERR_STMT_EPOCH_RANGE);
}

static void test_statement_format_refusals(void)
{
    size_t len = 5;
    sp_statement s;
    (void)pf_statement_text(text, sizeof text, &W.policy, 7, "throttle 250");
    CHECK_OK(parse(text, NULL));
    s = st;
    s.type = SP_STMT_POLICY_UPDATE;
    CHECK_ERR(sp_statement_format(&s, out, sizeof out, &len), SP_ERR_STMT_WRONG_TYPE);
    CHECK(len == 0 && harness_all_zero(out, sizeof out));
    s = st;
    s.type = 0;
    CHECK_ERR(sp_statement_format(&s, out, sizeof out, &len), SP_ERR_STMT_TYPE);
    s = st;
    strcpy(s.deployment, "a b");
    CHECK_ERR(sp_statement_format(&s, out, sizeof out, &len), SP_ERR_STMT_FORMAT);
    s = st;
    s.epoch = SP_MAX_EPOCH + 1;
    CHECK_ERR(sp_statement_format(&s, out, sizeof out, &len), SP_ERR_STMT_EPOCH_RANGE);
    s = st;
    s.start = SP_MAX_TIME + 1;
    CHECK_ERR(sp_statement_format(&s, out, sizeof out, &len), SP_ERR_STMT_START_RANGE);
    s = st;
    s.permille = 1000;
    CHECK_ERR(sp_statement_format(&s, out, sizeof out, &len), SP_ERR_STMT_MODE);
    s = st;
    s.mode = 2; /* a plain small integer is never a mode */
    CHECK_ERR(sp_statement_format(&s, out, sizeof out, &len), SP_ERR_STMT_MODE);
    s = st;
    s.mode = SP_MODE_RUN; /* run with a permille: inconsistent */
    CHECK_ERR(sp_statement_format(&s, out, sizeof out, &len), SP_ERR_STMT_MODE);
    for (size_t cap = 0; cap < strlen(text); cap++) {
        memset(out, 0x77, sizeof out);
        CHECK_ERR(sp_statement_format(&st, out, cap, &len), SP_ERR_BUFFER_TOO_SMALL);
        CHECK(len == 0 && harness_all_zero(out, cap));
    }
    CHECK_ERR(sp_statement_format(NULL, out, sizeof out, &len), SP_ERR_ARGUMENT);
}

/* ---- epoch arithmetic ------------------------------------------------------------- */

static void test_epoch_start(void)
{
    uint64_t start = 1;
    P = W.policy;
    CHECK_OK(sp_epoch_start(&P, 0, &start));
    CHECK(start == PF_GENESIS);
    CHECK_OK(sp_epoch_start(&P, 100, &start));
    CHECK(start == PF_GENESIS + 100ull * PF_EPOCH_LENGTH);
    CHECK_ERR(sp_epoch_start(&P, SP_MAX_EPOCH + 1, &start), SP_ERR_STMT_EPOCH_RANGE);
    CHECK(start == 0);
    CHECK_ERR(sp_epoch_start(&P, SP_MAX_EPOCH, &start), SP_ERR_STMT_START_RANGE);
    CHECK_ERR(sp_epoch_start(&P, UINT64_MAX, &start), SP_ERR_STMT_EPOCH_RANGE);
    /* exactly 2^53 is allowed, one more second is not */
    P.genesis = 0;
    P.epoch_length = 1;
    CHECK_OK(sp_epoch_start(&P, SP_MAX_EPOCH, &start));
    CHECK(start == SP_MAX_EPOCH);
    P.genesis = 1;
    CHECK_ERR(sp_epoch_start(&P, SP_MAX_EPOCH, &start), SP_ERR_STMT_START_RANGE);
    /* the largest epoch-length, near the top: no wrap-around */
    P.genesis = SP_MAX_TIME - 5;
    P.epoch_length = (uint64_t)1 << 32;
    CHECK_OK(sp_epoch_start(&P, 0, &start));
    CHECK_ERR(sp_epoch_start(&P, 1, &start), SP_ERR_STMT_START_RANGE);
    P.genesis = 0;
    CHECK_OK(sp_epoch_start(&P, (uint64_t)1 << 21, &start));
    CHECK(start == SP_MAX_TIME);
    CHECK_ERR(sp_epoch_start(&P, ((uint64_t)1 << 21) + 1, &start), SP_ERR_STMT_START_RANGE);
    CHECK_ERR(sp_epoch_start(NULL, 1, &start), SP_ERR_ARGUMENT);
}

/* ---- checks against the policy ------------------------------------------------------ */

static void test_check(void)
{
    sp_statement s;
    (void)pf_statement_text(text, sizeof text, &W.policy, 7, "run");
    CHECK_OK(parse(text, NULL));
    s = st;
    strcpy(s.deployment, "other.example/softpause");
    CHECK_ERR(sp_statement_check(&s, &W.policy), SP_ERR_STMT_DEPLOYMENT);
    s = st;
    s.policy_hash[31] ^= 1;
    CHECK_ERR(sp_statement_check(&s, &W.policy), SP_ERR_STMT_POLICY);
    s = st;
    s.start += 1;
    CHECK_ERR(sp_statement_check(&s, &W.policy), SP_ERR_STMT_START);
    s = st;
    s.epoch = SP_MAX_EPOCH + 1;
    CHECK_ERR(sp_statement_check(&s, &W.policy), SP_ERR_STMT_EPOCH_RANGE);
    s = st;
    s.epoch = SP_MAX_EPOCH;
    CHECK_ERR(sp_statement_check(&s, &W.policy), SP_ERR_STMT_START_RANGE);
    s = st;
    s.type = SP_STMT_POLICY_UPDATE;
    CHECK_ERR(sp_statement_check(&s, &W.policy), SP_ERR_STMT_WRONG_TYPE);
    s = st;
    s.type = 77;
    CHECK_ERR(sp_statement_check(&s, &W.policy), SP_ERR_STMT_TYPE);
    s = st;
    s.mode = 0;
    CHECK_ERR(sp_statement_check(&s, &W.policy), SP_ERR_STMT_MODE);
    CHECK_ERR(sp_statement_check(NULL, &W.policy), SP_ERR_ARGUMENT);
    /* check order: deployment before policy hash before start */
    s = st;
    strcpy(s.deployment, "other");
    s.policy_hash[0] ^= 1;
    s.start = 0;
    CHECK_ERR(sp_statement_check(&s, &W.policy), SP_ERR_STMT_DEPLOYMENT);
    s = st;
    s.policy_hash[0] ^= 1;
    s.start = 0;
    CHECK_ERR(sp_statement_check(&s, &W.policy), SP_ERR_STMT_POLICY);
}

/* ---- full verification ------------------------------------------------------------ */

static void test_verify_quorum(void)
{
    size_t n = pf_statement_note(note, sizeof note, &W, 7, "throttle 250", QUORUM);
    uint32_t line = 5;
    CHECK_OK(verify(&W.policy, n, &line));
    CHECK(line == 0);
    CHECK(st.epoch == 7 && st.mode == SP_MODE_THROTTLE && st.permille == 250);
    CHECK(report.line_count == 3 && report.verified_lines == 3 && report.duplicate_lines == 0 &&
          report.invalid_lines == 0 && report.unknown_lines == 0);
    CHECK(report.valid_signers == QUORUM && report.distinct_keys == 3);
    CHECK(report.failed_rule == UINT32_MAX);
    for (int i = 0; i < 3; i++)
        CHECK(report.line_status[i] == SP_LINE_VERIFIED);
    /* all five */
    n = pf_statement_note(note, sizeof note, &W, 8, "pause", 0x1F);
    CHECK_OK(verify(&W.policy, n, NULL));
    CHECK(st.mode == SP_MODE_PAUSE && report.distinct_keys == 5);
}

static void test_verify_check_order(void)
{
    sp_policy other;
    size_t n;
    uint32_t line = 0;
    /* another deployment's statement, fully signed */
    other = W.policy;
    strcpy(other.deployment, "elsewhere.example");
    n = pf_statement_note(note, sizeof note, &W, 7, "run", QUORUM);
    CHECK_ERR(verify(&other, n, &line), SP_ERR_STMT_DEPLOYMENT);
    CHECK(harness_all_zero(&st, sizeof st));
    /* a statement naming another policy */
    other = W.policy;
    other.hash[5] ^= 0x10;
    CHECK_ERR(verify(&other, n, NULL), SP_ERR_STMT_POLICY);
    /* wrong start */
    (void)pf_statement_text(text, sizeof text, &W.policy, 7, "run");
    {
        char s[64];
        snprintf(s, sizeof s, "start %llu", (unsigned long long)(PF_GENESIS + 7ull * PF_EPOCH_LENGTH));
        (void)pf_replace(text, sizeof text, s, "start 1");
    }
    n = pf_sign_mask(note, sizeof note, text, W.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&W.policy, n, NULL), SP_ERR_STMT_START);
    /* fast-forward to a huge epoch */
    (void)pf_statement_text(text, sizeof text, &W.policy, 7, "run");
    (void)pf_replace(text, sizeof text, "epoch 7", "epoch 9007199254740993");
    n = pf_sign_mask(note, sizeof note, text, W.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&W.policy, n, NULL), SP_ERR_STMT_EPOCH_RANGE);
    /* malformed statement text inside a valid note: line number from the text */
    (void)pf_statement_text(text, sizeof text, &W.policy, 7, "run");
    (void)pf_replace(text, sizeof text, "mode run", "mode walk");
    n = pf_sign_mask(note, sizeof note, text, W.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&W.policy, n, &line), SP_ERR_STMT_MODE);
    CHECK(line == 5);
    /* note-level failures come first and pass through */
    n = pf_statement_note(note, sizeof note, &W, 7, "run", QUORUM);
    CHECK_ERR(verify(&W.policy, n - 1, NULL), SP_ERR_NOTE_NO_FINAL_NEWLINE);
    /* a policy-update statement is refused here */
    (void)pf_statement_text(text, sizeof text, &W.policy, 7, "run");
    (void)pf_replace(text, sizeof text, "authorisation", "policy-update");
    n = pf_sign_mask(note, sizeof note, text, W.keys, PF_NKEYS, QUORUM);
    CHECK_ERR(verify(&W.policy, n, NULL), SP_ERR_STMT_WRONG_TYPE);
}

/* Invalid and unknown lines are reported and ignored: a relay cannot veto a statement. */
static void test_verify_ignores_bad_lines(void)
{
    static fx_key stranger;
    size_t tl = pf_statement_text(text, sizeof text, &W.policy, 7, "run");
    size_t n = pf_sign_mask(note, sizeof note, text, W.keys, PF_NKEYS, QUORUM);
    fx_key_make(&stranger, "stranger.example", 0xEE);
    n += fx_sign_line(&stranger, text, tl, note + n, sizeof note - n);
    /* civ-beta's name and ID, signature over other text */
    n += fx_sign_line(&W.keys[PF_CIV_B], "other\n", 6, note + n, sizeof note - n);
    CHECK_OK(verify(&W.policy, n, NULL));
    CHECK(report.line_count == 5 && report.verified_lines == 3 && report.unknown_lines == 1 &&
          report.invalid_lines == 1);
    CHECK(report.line_status[3] == SP_LINE_UNKNOWN && report.line_status[4] == SP_LINE_INVALID);
    CHECK(report.valid_signers == QUORUM);
}

/* The statement names no device: the same bytes verify for any number of verifiers. */
static void test_device_independent(void)
{
    static sp_policy copy;
    size_t n = pf_statement_note(note, sizeof note, &W, 9, "run", QUORUM);
    CHECK_OK(sp_policy_parse(&copy, (const uint8_t *)W.policy_text, W.policy_len,
                             sp_sodium_crypto(), NULL));
    CHECK_OK(verify(&copy, n, NULL));
    CHECK_OK(verify(&W.policy, n, NULL));
    CHECK(strstr(note, "device") == NULL && strstr(note, "serial") == NULL);
}

static void test_verify_arguments(void)
{
    size_t n = pf_statement_note(note, sizeof note, &W, 7, "run", QUORUM);
    CHECK_ERR(sp_statement_verify(NULL, (const uint8_t *)note, n, sp_sodium_crypto(), &work,
                                  &st, &report, NULL),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_statement_verify(&W.policy, (const uint8_t *)note, n, NULL, &work, &st,
                                  &report, NULL),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_statement_verify(&W.policy, (const uint8_t *)note, n, sp_sodium_crypto(), NULL,
                                  &st, &report, NULL),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_statement_parse(NULL, (const uint8_t *)"x", 1, NULL), SP_ERR_ARGUMENT);
}

/* sp_statement_for_epoch builds exactly the text the fixture writes by hand, and refuses
 * what the format would refuse. */
static void test_statement_for_epoch(void)
{
    size_t len, n;
    CHECK_OK(sp_statement_for_epoch(&st, &W.policy, 7, SP_MODE_THROTTLE, 250));
    CHECK_OK(sp_statement_format(&st, out, sizeof out, &len));
    n = pf_statement_text(text, sizeof text, &W.policy, 7, "throttle 250");
    CHECK(len == n && memcmp(out, text, n) == 0);
    CHECK_OK(sp_statement_check(&st, &W.policy));
    CHECK_ERR(sp_statement_for_epoch(&st, &W.policy, 7, SP_MODE_THROTTLE, 0), SP_ERR_STMT_MODE);
    CHECK(harness_all_zero(&st, sizeof st));
    CHECK_ERR(sp_statement_for_epoch(&st, &W.policy, 7, SP_MODE_RUN, 5), SP_ERR_STMT_MODE);
    CHECK_ERR(sp_statement_for_epoch(&st, &W.policy, 7, 12345u, 0), SP_ERR_STMT_MODE);
    CHECK_ERR(sp_statement_for_epoch(&st, &W.policy, SP_MAX_EPOCH + 1, SP_MODE_RUN, 0),
              SP_ERR_STMT_EPOCH_RANGE);
    CHECK(harness_all_zero(&st, sizeof st));
    CHECK_ERR(sp_statement_for_epoch(&st, NULL, 7, SP_MODE_RUN, 0), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_statement_for_epoch(NULL, &W.policy, 7, SP_MODE_RUN, 0), SP_ERR_ARGUMENT);
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    pf_world_make(&W);
    RUN_TEST(test_parse_modes_and_round_trip);
    RUN_TEST(test_checkpoint_is_not_a_statement);
    RUN_TEST(test_first_line_precedence);
    RUN_TEST(test_format_errors);
    RUN_TEST(test_mode_errors);
    RUN_TEST(test_number_ranges);
    RUN_TEST(test_statement_format_refusals);
    RUN_TEST(test_epoch_start);
    RUN_TEST(test_check);
    RUN_TEST(test_verify_quorum);
    RUN_TEST(test_verify_check_order);
    RUN_TEST(test_verify_ignores_bad_lines);
    RUN_TEST(test_device_independent);
    RUN_TEST(test_verify_arguments);
    RUN_TEST(test_statement_for_epoch);
    return harness_finish("statement");
}
