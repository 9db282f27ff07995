/*
 * fuzz_statement.c -- libFuzzer target for sp_statement_parse and sp_statement_verify,
 * against a fixed embedded policy (the standard 5-body test policy of
 * tests/support/policy_fixture.h: 3 of all AND 1 civil).
 *
 * Each input is tried twice: as a statement TEXT (sp_statement_parse) and as a signed NOTE
 * (sp_statement_verify).  Oracles, each an abort() on violation:
 *
 *   - refusal leaves the statement all zero;
 *   - a parsed text formats back to exactly the input bytes (canonical-only);
 *   - an accepted note satisfies the policy by plain recount: the report's valid signers
 *     include a civil one and at least three distinct keys, the statement passes
 *     sp_statement_check, and the report's line counts add up;
 *   - the report never claims a valid signer outside the policy.
 *
 * Corpus: fuzz/corpus/statement/ (fuzz/gen/gen_corpus.c made the seeds, with signatures by
 * the fixture keys, so the accept path is reachable).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/host/sodium_crypto.h"
#include "softpause/statement.h"

#include "../fuzz_util.h"
#include "../standard_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sp_policy policy;
    static int loaded;
    static sp_note work;
    static sp_statement st;
    static sp_quorum_report report;
    static uint8_t out[SP_MAX_STATEMENT_TEXT];
    const sp_crypto *crypto;
    uint32_t line = 0;
    size_t len = 0;
    sp_err e;

    if (sp_sodium_init() != SP_OK)
        abort();
    crypto = sp_sodium_crypto();
    if (!loaded) {
        if (sp_policy_parse(&policy, (const uint8_t *)fuzz_standard_policy,
                            sizeof fuzz_standard_policy - 1,
                            crypto, NULL) != SP_OK)
            abort();
        loaded = 1;
    }

    /* as statement text */
    e = sp_statement_parse(&st, data, size, &line);
    if (e != SP_OK) {
        if (!fuzz_all_zero(&st, sizeof st) || line == 0)
            abort();
    } else {
        if (sp_statement_format(&st, out, sizeof out, &len) != SP_OK || len != size ||
            memcmp(out, data, size) != 0)
            abort();
    }

    /* as a signed note */
    e = sp_statement_verify(&policy, data, size, crypto, &work, &st, &report, &line);
    if ((report.valid_signers & ~((1u << policy.signer_count) - 1u)) != 0)
        abort();
    if (e != SP_OK) {
        if (!fuzz_all_zero(&st, sizeof st))
            abort();
        return 0;
    }
    if (fuzz_popcount32(report.valid_signers) < 3 || (report.valid_signers & 0x3u) == 0 ||
        report.distinct_keys < 3 || report.failed_rule != UINT32_MAX)
        abort();
    if (report.verified_lines + report.duplicate_lines + report.invalid_lines +
            report.unknown_lines != report.line_count)
        abort();
    if (sp_statement_check(&st, &policy) != SP_OK)
        abort();
    return 0;
}
