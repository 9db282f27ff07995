/*
 * fuzz_policy_update.c -- libFuzzer target for sp_update_parse and sp_update_verify (and,
 * through it, sp_policy_update_check), against a fixed current policy: the standard 5-body
 * test policy (fuzz/standard_policy.h, P1 of tests/support/update_fixture.h).
 *
 * Each input is tried twice: as update TEXT (sp_update_parse) and as a signed NOTE
 * (sp_update_verify).  Oracles, each an abort() on violation:
 *
 *   - a refusal leaves the output all zero and names a line (parse);
 *   - a parsed text is canonical: its header lines written back from the parsed fields
 *     are exactly the input's bytes before the carried policy, which runs to the end;
 *   - an accepted note: version = current + 1, the carried policy's hash is the
 *     new-policy line's, the invariants hold (sp_policy_update_check), both quorums hold
 *     on the report's valid signers (sp_quorum_evaluate), every added signer key has a
 *     valid line, and the report's line counts add up;
 *   - the report never claims a valid signer outside either policy.
 *
 * Corpus: fuzz/corpus/policy_update/ (fuzz/gen/gen_update.c: valid updates P1 -> P2 signed
 * by the fixture keys, so the accept path is reachable, and the attack variants).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/host/sodium_crypto.h"
#include "softpause/update.h"

#include "../fuzz_util.h"
#include "../standard_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void hex(char out[65], const uint8_t h[32])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void check_canonical(const sp_update *u, const uint8_t *data, size_t size)
{
    char header[512], a[65], b[65];
    int n;
    hex(a, u->policy_hash);
    hex(b, u->new_policy_hash);
    n = snprintf(header, sizeof header,
                 "softpause/v1 policy-update %s\npolicy %s\nversion %llu\nnew-policy %s\n%s",
                 u->deployment, a, (unsigned long long)u->version, b,
                 u->time_reset ? "time-reset\n" : "");
    if (n < 0 || (size_t)n != u->policy_offset || u->policy_offset > size ||
        memcmp(header, data, (size_t)n) != 0 || u->policy_offset + u->policy_len != size ||
        u->policy_line != (u->time_reset ? 6u : 5u))
        abort();
}

static uint32_t low_mask(uint32_t n)
{
    return n >= 32 ? 0xffffffffu : (1u << n) - 1u;
}

static void check_report_line_counts(const sp_quorum_report *r)
{
    if (r->verified_lines + r->duplicate_lines + r->invalid_lines + r->unknown_lines !=
        r->line_count)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sp_policy current;
    static int loaded;
    static sp_note work;
    static sp_update u;
    static sp_update_result res;
    static sp_update_report rep;
    const sp_crypto *crypto;
    uint32_t line = 0, failed = 0;
    sp_err e;

    if (sp_sodium_init() != SP_OK)
        abort();
    crypto = sp_sodium_crypto();
    if (!loaded) {
        if (sp_policy_parse(&current, (const uint8_t *)fuzz_standard_policy,
                            sizeof fuzz_standard_policy - 1, crypto, NULL) != SP_OK)
            abort();
        loaded = 1;
    }

    /* as update text */
    e = sp_update_parse(&u, data, size, &line);
    if (e != SP_OK) {
        if (!fuzz_all_zero(&u, sizeof u) || line == 0)
            abort();
    } else {
        check_canonical(&u, data, size);
    }

    /* as a signed note */
    e = sp_update_verify(&current, data, size, crypto, &work, &res, &rep, &line);
    if ((rep.current.valid_signers & ~low_mask(current.signer_count)) != 0)
        abort();
    if (e != SP_OK) {
        if (!fuzz_all_zero(&res, sizeof res))
            abort();
        return 0;
    }
    if ((rep.next.valid_signers & ~low_mask(res.policy.signer_count)) != 0)
        abort();
    if (res.update.version != current.version + 1 || res.policy.version != res.update.version ||
        memcmp(res.policy.hash, res.update.new_policy_hash, 32) != 0 ||
        memcmp(res.update.policy_hash, current.hash, 32) != 0)
        abort();
    if (sp_policy_update_check(&current, &res.policy, crypto) != SP_OK ||
        sp_quorum_evaluate(&current, rep.current.valid_signers, &failed) != SP_OK ||
        sp_quorum_evaluate(&res.policy, rep.next.valid_signers, &failed) != SP_OK ||
        rep.unsigned_signer != UINT32_MAX)
        abort();
    for (uint32_t j = 0; j < res.policy.signer_count; j++) {
        int known = 0;
        for (uint32_t k = 0; k < current.signer_count; k++)
            known |= memcmp(current.signers[k].key.public_key,
                            res.policy.signers[j].key.public_key, 32) == 0;
        if (!known && !(rep.next.valid_signers & (1u << j)))
            abort();
    }
    check_report_line_counts(&rep.current);
    check_report_line_counts(&rep.next);
    return 0;
}
