/*
 * fuzz_policy.c -- libFuzzer target for sp_policy_parse (and, on success, the policy's
 * other operations).  Oracles, each an abort() on violation:
 *
 *   - a refused input leaves the output policy all zero (fail closed, nothing half-filled);
 *   - an accepted policy validates, formats back to exactly the input bytes (canonical-only:
 *     one encoding per policy), and re-parses to the identical struct;
 *   - the quorum never accepts a signer set that leaves a rule below its k distinct keys
 *     (checked against a plain recount for a few signer sets derived from the input).
 *
 * Corpus: fuzz/corpus/policy/ (fuzz/gen/gen_corpus.c made the seeds).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/host/sodium_crypto.h"
#include "softpause/policy.h"

#include "../fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rules met with each distinct public key counted once: the plain definition. */
static int quorum_by_definition(const sp_policy *p, uint32_t valid)
{
    for (uint32_t r = 0; r < p->rule_count; r++) {
        uint32_t count = 0;
        for (uint32_t i = 0; i < p->signer_count; i++) {
            int first = 1, carrier_valid = 0, carrier_member = 0;
            for (uint32_t j = 0; j < p->signer_count; j++) {
                if (memcmp(p->signers[j].key.public_key, p->signers[i].key.public_key, 32) != 0)
                    continue;
                if (j < i)
                    first = 0;
                if (valid & (1u << j))
                    carrier_valid = 1;
                if (p->rules[r].members & (1u << j))
                    carrier_member = 1;
            }
            if (first && carrier_valid && carrier_member)
                count++;
        }
        if (p->rules[r].k < 1 || count < p->rules[r].k)
            return 0;
    }
    return p->rule_count > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sp_policy p, q;
    static uint8_t out[SP_MAX_POLICY_BYTES];
    const sp_crypto *crypto;
    uint32_t line = 0;
    size_t len = 0;

    if (sp_sodium_init() != SP_OK)
        abort();
    crypto = sp_sodium_crypto();
    if (sp_policy_parse(&p, data, size, crypto, &line) != SP_OK) {
        if (!fuzz_all_zero(&p, sizeof p))
            abort();
        return 0;
    }
    if (line != 0 || sp_policy_validate(&p, crypto, NULL) != SP_OK)
        abort();
    if (sp_policy_format(&p, out, sizeof out, &len) != SP_OK || len != size ||
        memcmp(out, data, size) != 0)
        abort();
    if (sp_policy_parse(&q, out, len, crypto, NULL) != SP_OK || memcmp(&p, &q, sizeof p) != 0)
        abort();
    for (uint32_t round = 0; round < 8; round++) {
        uint32_t valid = (uint32_t)p.hash[4 * round] | (uint32_t)p.hash[4 * round + 1] << 8 |
                         (uint32_t)p.hash[4 * round + 2] << 16 |
                         (uint32_t)p.hash[4 * round + 3] << 24;
        uint32_t failed = 0;
        int ok = sp_quorum_evaluate(&p, valid, &failed) == SP_OK;
        if (ok != quorum_by_definition(&p, valid & (p.signer_count >= 32 ? ~0u : (1u << p.signer_count) - 1u)))
            abort();
        if (ok != (failed == UINT32_MAX))
            abort();
    }
    return 0;
}
