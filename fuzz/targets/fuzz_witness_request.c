/*
 * fuzz_witness_request.c -- libFuzzer target for sp_witness_request_parse (the tlog-witness
 * add-checkpoint body).  Oracles (abort()): refusal leaves the request all zero; an
 * accepted request points into the input, has at most SP_MAX_PROOF_HASHES hashes and
 * formats back to exactly the input bytes.
 *
 * Corpus: fuzz/corpus/witness_request/ (fuzz/gen/gen_publication.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/tlog_proof.h"

#include "../fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sp_witness_request r;
    static uint8_t out[SP_MAX_NOTE_BYTES + 8192];
    size_t m = 0;

    if (sp_witness_request_parse(&r, data, size, NULL) != SP_OK) {
        if (!fuzz_all_zero(&r, sizeof r))
            abort();
        return 0;
    }
    if (r.hash_count > SP_MAX_PROOF_HASHES || r.checkpoint < data || r.checkpoint_len == 0 ||
        r.checkpoint + r.checkpoint_len != data + size)
        abort();
    if (sp_witness_request_format(r.old_size, (const uint8_t(*)[SP_SHA256_BYTES])r.hashes,
                                  r.hash_count, r.checkpoint, r.checkpoint_len, out, sizeof out,
                                  &m) != SP_OK ||
        m != size || memcmp(out, data, size) != 0)
        abort();
    return 0;
}
