/*
 * fuzz_witness_policy.c -- libFuzzer target for sp_wpolicy_parse in both modes.  Oracles
 * (abort()):
 *
 *   - refusal leaves the policy all zero;
 *   - an accepted canonical block formats back to exactly the input bytes, and the file
 *     reader accepts it too, with the identical struct (canonical is a subset);
 *   - an accepted file formats to a canonical block that parses back to the identical
 *     struct;
 *   - an accepted policy validates, no single witness meets its quorum, all witnesses
 *     together do, and the quorum is monotone (adding a witness never breaks it), checked
 *     for a few witness sets derived from the input.
 *
 * Corpus: fuzz/corpus/witness_policy/ (fuzz/gen/gen_publication.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/host/sodium_crypto.h"
#include "softpause/witness_policy.h"

#include "../fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const sp_wpolicy *p, const uint8_t *data, size_t size)
{
    uint32_t all = p->witness_count >= 32 ? ~0u : (1u << p->witness_count) - 1u;
    if (sp_wpolicy_validate(p) != SP_OK || !sp_wpolicy_quorum_met(p, all))
        abort();
    for (uint32_t i = 0; i < p->witness_count; i++)
        if (sp_wpolicy_quorum_met(p, 1u << i))
            abort();
    for (size_t k = 0; k + 4 <= size && k < 64; k += 4) {
        uint32_t s = ((uint32_t)data[k] | (uint32_t)data[k + 1] << 8 |
                      (uint32_t)data[k + 2] << 16 | (uint32_t)data[k + 3] << 24) & all;
        if (sp_wpolicy_quorum_met(p, s))
            for (uint32_t i = 0; i < p->witness_count; i++)
                if (!sp_wpolicy_quorum_met(p, s | 1u << i))
                    abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sp_wpolicy canon, file, again;
    static uint8_t out[SP_MAX_POLICY_BYTES];
    const sp_crypto *crypto;
    size_t n = 0;
    int canon_ok, file_ok;

    if (sp_sodium_init() != SP_OK)
        abort();
    crypto = sp_sodium_crypto();
    canon_ok = sp_wpolicy_parse(&canon, data, size, SP_WPOLICY_CANONICAL, crypto, NULL) == SP_OK;
    file_ok = sp_wpolicy_parse(&file, data, size, SP_WPOLICY_FILE, crypto, NULL) == SP_OK;
    if ((!canon_ok && !fuzz_all_zero(&canon, sizeof canon)) ||
        (!file_ok && !fuzz_all_zero(&file, sizeof file)))
        abort();
    if (canon_ok) {
        if (!file_ok || memcmp(&canon, &file, sizeof canon) != 0)
            abort();
        if (sp_wpolicy_format(&canon, out, sizeof out, &n) != SP_OK || n != size ||
            memcmp(out, data, size) != 0)
            abort();
    }
    if (file_ok) {
        check_accepted(&file, data, size);
        if (sp_wpolicy_format(&file, out, sizeof out, &n) != SP_OK ||
            sp_wpolicy_parse(&again, out, n, SP_WPOLICY_CANONICAL, crypto, NULL) != SP_OK ||
            memcmp(&again, &file, sizeof again) != 0)
            abort();
    }
    return 0;
}
