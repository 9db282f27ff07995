/*
 * fuzz_tlog_proof.c -- libFuzzer target for sp_tlog_proof_parse.  Oracles (abort()):
 *
 *   - refusal leaves the bundle all zero;
 *   - an accepted bundle points into the input (extra, checkpoint), has at most
 *     SP_MAX_PROOF_HASHES hashes, and formats back to exactly the input bytes (the parser
 *     is strict, so there is one encoding per bundle).
 *
 * Corpus: fuzz/corpus/tlog_proof/ (fuzz/gen/gen_publication.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/encoding.h"
#include "softpause/tlog_proof.h"

#include "../fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sp_tlog_proof p;
    static uint8_t extra[SP_MAX_NOTE_BYTES + 3];
    static uint8_t out[SP_MAX_BUNDLE_BYTES];
    size_t n = 0, m = 0;

    if (sp_tlog_proof_parse(&p, data, size, NULL) != SP_OK) {
        if (!fuzz_all_zero(&p, sizeof p))
            abort();
        return 0;
    }
    if (p.hash_count > SP_MAX_PROOF_HASHES || p.extra_b64 < data ||
        p.extra_b64 + p.extra_b64_len > data + size || p.checkpoint < data ||
        p.checkpoint + p.checkpoint_len != data + size || p.checkpoint_len == 0)
        abort();
    if (sp_base64_decode(extra, sizeof extra, &n, (const char *)p.extra_b64,
                         p.extra_b64_len) != SP_OK)
        abort();
    if (sp_tlog_proof_format(extra, n, p.index, (const uint8_t(*)[SP_SHA256_BYTES])p.hashes,
                             p.hash_count, p.checkpoint, p.checkpoint_len, out, sizeof out,
                             &m) != SP_OK ||
        m != size || memcmp(out, data, size) != 0)
        abort();
    return 0;
}
