/*
 * witness_setup.h -- the fixed witness policy (one log, witnesses a b c, quorum 2 of 3) and
 * checkpoint text that the publication fuzz targets embed, and the oracle they share for
 * sp_checkpoint_verify_witnessed.  The strings are printed by
 * `build/fuzz/gen_publication --literal` (tests/support/witness_fixture.c), which also
 * signs the seed corpora with those keys, so the accept path is reachable.
 *
 * Oracle (abort() on violation):
 *   - refusal leaves the checkpoint all zero and the result without a quorum;
 *   - acceptance means, by plain recount for "2 of a b c": the log (index 0) signed, at
 *     least two of the three witnesses cosigned and no one else counted, every counted
 *     timestamp is in 1..2^63-1, and the attested time is the second newest of them;
 *   - the log-only check accepts the same note with the same checkpoint, whose first three
 *     lines format back to exactly the note's first three lines.
 */
#ifndef DACC_FUZZ_WITNESS_SETUP_H
#define DACC_FUZZ_WITNESS_SETUP_H

#include <stdlib.h>
#include <string.h>

#include "softpause/checkpoint.h"
#include "softpause/host/sodium_crypto.h"

#include "fuzz_util.h"

static const char fuzz_witness_policy[] =
    "log example.org/log+8f13f9e4+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c\n"
    "witness a w0.example+88845c1d+BKzbDil0PwzLhobQoQTLluBavv7BU4dl51lYaffcjEmq\n"
    "witness b w1.example+d8d13caf+BEMEa/5AkrPpSZTq2hXcwg2Kqge2WP05VOuODvuL3KXe\n"
    "witness c w2.example+80601a96+BE7TL2O/NfDu78sl8oouH73Ic64oNWcbDJRg9fEuRVao\n"
    "group g 2 a b c\n"
    "quorum g\n";
static const char fuzz_checkpoint_text[] =
    "example.org/log\n"
    "5\n"
    "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n";

static inline const sp_wpolicy *fuzz_witness_policy_get(const sp_crypto *crypto)
{
    static sp_wpolicy wp;
    static int loaded;
    if (!loaded) {
        if (sp_wpolicy_parse(&wp, (const uint8_t *)fuzz_witness_policy,
                             sizeof fuzz_witness_policy - 1, SP_WPOLICY_CANONICAL, crypto,
                             NULL) != SP_OK)
            abort();
        loaded = 1;
    }
    return &wp;
}

/* The attested time of "2 of 3" by definition: the second newest cosignature. */
static inline uint64_t fuzz_second_newest(const uint64_t *t, uint32_t cosigned)
{
    uint64_t first = 0, second = 0;
    for (uint32_t i = 0; i < 3; i++) {
        if (((cosigned >> i) & 1u) == 0)
            continue;
        if (t[i] >= first) {
            second = first;
            first = t[i];
        } else if (t[i] > second)
            second = t[i];
    }
    return second;
}

static inline void fuzz_check_witnessed(const uint8_t *note, size_t len)
{
    static sp_checkpoint_work work;
    static sp_checkpoint cp, cp2;
    static sp_checkpoint_result r;
    static uint8_t text[SP_MAX_CHECKPOINT_TEXT_BYTES];
    const sp_crypto *crypto;
    const sp_wpolicy *wp;
    uint32_t log_index = 0;
    size_t n = 0;

    if (sp_sodium_init() != SP_OK)
        abort();
    crypto = sp_sodium_crypto();
    wp = fuzz_witness_policy_get(crypto);
    if (sp_checkpoint_verify_witnessed(wp, note, len, crypto, &work, &cp, &r) != SP_OK) {
        if (!fuzz_all_zero(&cp, sizeof cp) || r.quorum_met != 0 || r.quorum_time != 0)
            abort();
        return;
    }
    if (r.log_index != 0 || r.quorum_met != 1 || (r.cosigned & ~7u) != 0 ||
        fuzz_popcount32(r.cosigned) < 2 || !sp_wpolicy_quorum_met(wp, r.cosigned))
        abort();
    for (uint32_t i = 0; i < 3; i++)
        if (((r.cosigned >> i) & 1u) && (r.cosig_time[i] == 0 || r.cosig_time[i] >> 63))
            abort();
    if (r.quorum_time != fuzz_second_newest(r.cosig_time, r.cosigned))
        abort();
    if (sp_checkpoint_verify_log(wp->logs, wp->log_count, note, len, crypto, &work, &cp2,
                                 &log_index) != SP_OK ||
        log_index != 0 || memcmp(&cp, &cp2, sizeof cp) != 0)
        abort();
    if (sp_checkpoint_format_text(&cp, text, sizeof text, &n) != SP_OK || n > cp.text_len ||
        memcmp(text, note, n) != 0 || (n < cp.text_len && note[n - 1] != '\n'))
        abort();
}

#endif
