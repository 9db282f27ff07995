/*
 * gen_corpus.c -- writes the seed corpora fuzz/corpus/policy/ and fuzz/corpus/statement/,
 * and prints the standard policy and a bundle for it as C strings (embedded by
 * fuzz_statement.c and fuzz_state.c).
 *
 * `make test` builds it (build/fuzz/gen_corpus) so that it cannot rot; it is run by hand:
 *
 *   build/fuzz/gen_corpus fuzz/corpus            # writes the files
 *   build/fuzz/gen_corpus --policy-literal       # the string in fuzz/standard_policy.h
 *   build/fuzz/gen_corpus --bundle-literal       # the string in fuzz/standard_bundle.h
 *
 * Keys are deterministic (policy_fixture.h), so the output is reproducible byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture.h"
#include "gen_util.h"
#include "support/policy_fixture.h"

static pf_world W;
static const char *dir;
static char buf[16384], text[2048];

static void put(const char *sub, const char *name, const char *data, size_t len)
{
    gen_put(dir, sub, name, data, len);
}

static void policy_variant(const char *name, const char *from, const char *to)
{
    size_t n;
    strcpy(buf, W.policy_text);
    n = from == NULL ? strlen(buf) : pf_replace(buf, sizeof buf, from, to);
    put("policy", name, buf, n);
}

static void policies(void)
{
    char vk[256], line[512];
    uint8_t identity[32] = {1};
    fx_key other;
    policy_variant("valid-standard", NULL, NULL);
    policy_variant("valid-signers-rule", "rule 3 all",
                   "rule 2 signers civ-beta.example,mil-alpha.example,mil-gamma.example\n"
                   "rule 3 all");
    policy_variant("valid-untagged-signer", "signer mil-gamma military", "signer mil-gamma -");
    policy_variant("crlf", "version 1\n", "version 1\r\n");
    policy_variant("comment", "genesis", "# comment\ngenesis");
    policy_variant("blank-line", "genesis", "\ngenesis");
    policy_variant("double-space", "version 1", "version  1");
    policy_variant("trailing-space", "version 1", "version 1 ");
    policy_variant("leading-zero", "allowance 648000", "allowance 0648000");
    policy_variant("field-order", "version 1\ngenesis 1735689600\n",
                   "genesis 1735689600\nversion 1\n");
    policy_variant("duplicate-line", "version 1\n", "version 1\nversion 1\n");
    policy_variant("missing-field", "allowance 648000\n", "");
    policy_variant("unsorted-tags", "tags civil military", "tags military civil");
    policy_variant("unsorted-rules", "rule 1 tag civil\nrule 3 all\n",
                   "rule 3 all\nrule 1 tag civil\n");
    policy_variant("duplicate-rule", "rule 3 all\n", "rule 3 all\nrule 3 all\n");
    policy_variant("wrong-magic", "softpause-policy/v1", "softpause-policy/v2");
    policy_variant("unknown-keyword", "genesis", "colour blue\ngenesis");
    policy_variant("bad-deployment", "deployment test", "deployment te$t");
    policy_variant("undeclared-tag", "signer civ-alpha civil", "signer civ-alpha civil,un");
    policy_variant("threshold-zero", "rule 1 tag civil\nrule 3 all",
                   "rule 0 all\nrule 1 tag civil");
    policy_variant("threshold-too-big", "rule 3 all", "rule 6 all");
    policy_variant("unknown-signer", "rule 3 all",
                   "rule 3 all\nrule 3 signers civ-alpha.example,nobody.example");
    policy_variant("no-rules", "rule 1 tag civil\nrule 3 all\n", "");
    policy_variant("single-body", "rule 1 tag civil\nrule 3 all\n", "rule 1 all\n");
    policy_variant("duplicate-body", "signer mil-gamma", "signer mil-beta");
    policy_variant("epoch-length-zero", "epoch-length 604800", "epoch-length 0");
    policy_variant("max-staleness-too-big", "max-staleness 604800", "max-staleness 31536001");
    policy_variant("max-staleness-missing", "max-staleness 604800\n", "");
    policy_variant("quorum-none", "quorum witnesses", "quorum none");
    policy_variant("single-witness-quorum", "group witnesses 2", "group witnesses 1");
    strcpy(buf, W.policy_text);
    *strstr(buf, "log ") = '\0';
    put("policy", "no-witness-block", buf, strlen(buf));
    policy_variant("huge-number", "version 1", "version 99999999999999999999999");
    (void)pf_vkey_text(vk, sizeof vk, "mil-gamma.example", W.keys[PF_MIL_B].pk);
    policy_variant("duplicate-key", W.keys[PF_MIL_C].vkey, vk);
    (void)pf_vkey_text(vk, sizeof vk, "mil-gamma.example", identity);
    policy_variant("weak-key-identity", W.keys[PF_MIL_C].vkey, vk);
    fx_key_make(&other, "mil-beta.example", 0x99);
    policy_variant("duplicate-name", W.keys[PF_MIL_C].vkey, other.vkey);
    snprintf(line, sizeof line, "signer civ-beta civil %s\n", W.keys[PF_CIV_B].vkey);
    policy_variant("valid-four-signers", line, "");
    {
        size_t n;
        char moved[600];
        strcpy(buf, W.policy_text);
        (void)pf_replace(buf, sizeof buf, line, "");
        snprintf(moved, sizeof moved, "%ssigner civ-alpha", line);
        n = pf_replace(buf, sizeof buf, "signer civ-alpha", moved);
        put("policy", "unsorted-signers", buf, n);
        strcpy(buf, W.policy_text);
        n = pf_replace(buf, sizeof buf, "rule 1 tag civil\n", line);
        n = pf_replace(buf, sizeof buf, "rule 3 all\n", "rule 1 tag civil\nrule 3 all\n");
        put("policy", "signer-after-signers", buf, n);
        n = strlen(W.policy_text) - 1;
        put("policy", "no-final-newline", W.policy_text, n);
        put("policy", "empty", "", 0);
    }
}

static void stmt_note(const char *name, uint64_t epoch, const char *mode, uint32_t mask)
{
    size_t n = pf_statement_note(buf, sizeof buf, &W, epoch, mode, mask);
    put("statement", name, buf, n);
}

/* The epoch-7 run text with one replacement, signed by a full quorum. */
static void stmt_variant(const char *name, const char *from, const char *to)
{
    size_t n;
    (void)pf_statement_text(text, sizeof text, &W.policy, 7, "run");
    if (from != NULL)
        (void)pf_replace(text, sizeof text, from, to);
    n = pf_sign_mask(buf, sizeof buf, text, W.keys, PF_NKEYS,
                     PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    put("statement", name, buf, n);
}

static void statements(void)
{
    const uint32_t q = PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B);
    size_t n, tl;
    char hash[65];
    stmt_note("valid-run", 7, "run", q);
    stmt_note("valid-throttle", 8, "throttle 250", q);
    stmt_note("valid-pause", 9, "pause", q);
    stmt_note("valid-all-five", 10, "run", 0x1F);
    stmt_note("military-only", 7, "run", PF_ALL_MILITARY);
    stmt_note("two-signers", 7, "run", PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    /* the statement text alone (exercises sp_statement_parse's success path) */
    tl = pf_statement_text(text, sizeof text, &W.policy, 7, "throttle 999");
    put("statement", "text-only", text, tl);
    /* a duplicated signature line */
    n = pf_statement_note(buf, sizeof buf, &W, 7, "run", PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A));
    {
        size_t last = n - 1;
        while (buf[last - 1] != '\n')
            last--;
        memcpy(buf + n, buf + last, n - last);
        n += n - last;
    }
    put("statement", "duplicate-line", buf, n);
    /* an unknown key's line and an invalid line from a policy key */
    {
        fx_key stranger;
        fx_key_make(&stranger, "stranger.example", 0xEE);
        tl = pf_statement_text(text, sizeof text, &W.policy, 7, "run");
        n = pf_sign_mask(buf, sizeof buf, text, W.keys, PF_NKEYS, q);
        n += fx_sign_line(&stranger, text, tl, buf + n, sizeof buf - n);
        n += fx_sign_line(&W.keys[PF_CIV_B], "other\n", 6, buf + n, sizeof buf - n);
        put("statement", "unknown-and-invalid-lines", buf, n);
    }
    /* a checkpoint, cosigned by every policy key */
    {
        static const char cp[] =
            "example.org/log\n42\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n";
        n = pf_sign_mask(buf, sizeof buf, cp, W.keys, PF_NKEYS, 0x1F);
        put("statement", "checkpoint", buf, n);
    }
    pf_hex(hash, W.policy.hash, 32);
    stmt_variant("version-2", "softpause/v1", "softpause/v2");
    stmt_variant("unknown-type", "authorisation", "revocation");
    stmt_variant("policy-update", "authorisation", "policy-update");
    stmt_variant("other-deployment", "test.example/softpause", "other.example/softpause");
    stmt_variant("upper-hex", hash, "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789");
    stmt_variant("other-policy", hash, "0000000000000000000000000000000000000000000000000000000000000000");
    stmt_variant("bad-mode", "mode run", "mode walk");
    stmt_variant("throttle-zero", "mode run", "mode throttle 0");
    stmt_variant("huge-epoch", "epoch 7", "epoch 9007199254740993");
    stmt_variant("epoch-leading-zero", "epoch 7", "epoch 07");
    stmt_variant("wrong-start", "start 17", "start 27");
    stmt_variant("missing-line", "epoch 7\n", "");
    stmt_variant("extra-line", "mode run\n", "mode run\ndevice 42\n");
    /* envelope damage */
    n = pf_statement_note(buf, sizeof buf, &W, 7, "run", q);
    put("statement", "no-final-newline", buf, n - 1);
    {
        char *dash = strstr(buf, "\xE2\x80\x94");
        size_t off = (size_t)(dash - buf);
        memmove(dash + 1, dash + 3, n - off - 3);
        dash[0] = '-';
        put("statement", "ascii-dash", buf, n - 2);
    }
    n = pf_statement_note(buf, sizeof buf, &W, 7, "run", q);
    {
        char *nl = strstr(buf, "epoch");
        memmove(nl + 1, nl, n - (size_t)(nl - buf));
        nl[-1] = '\r';
        nl[0] = '\n';
        put("statement", "carriage-return", buf, n + 1);
    }
    put("statement", "empty", "", 0);
}

int main(int argc, char **argv)
{
    pf_world_make(&W);
    if (argc == 2 && strcmp(argv[1], "--policy-literal") == 0) {
        gen_print_literal(NULL, W.policy_text);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--bundle-literal") == 0) {
        /* fuzz_state's bundle: epoch 1, run, by civ-alpha, mil-alpha and mil-beta */
        (void)pf_statement_bundle(buf, sizeof buf, &W, 1, "run",
                                  PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
        gen_print_literal(NULL, buf);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: gen_corpus DIR | --policy-literal | --bundle-literal\n");
        return 2;
    }
    dir = argv[1];
    policies();
    statements();
    return 0;
}
