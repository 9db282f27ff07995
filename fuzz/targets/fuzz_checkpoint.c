/*
 * fuzz_checkpoint.c -- libFuzzer target for sp_checkpoint_verify_witnessed: the input is a
 * whole checkpoint note, verified against the fixed witness policy of
 * fuzz/witness_setup.h (one log, quorum 2 of witnesses a b c), with that file's oracle.
 * The input is also read as a bare checkpoint text: an accepted text formats back to
 * exactly its first three lines.
 *
 * Corpus: fuzz/corpus/checkpoint/ (fuzz/gen/gen_publication.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../witness_setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sp_checkpoint cp;
    static uint8_t out[SP_MAX_CHECKPOINT_TEXT_BYTES];
    size_t n = 0;

    fuzz_check_witnessed(data, size);
    if (sp_checkpoint_parse_text(&cp, data, size) != SP_OK) {
        if (!fuzz_all_zero(&cp, sizeof cp))
            abort();
        return 0;
    }
    if (cp.text_len != size || sp_checkpoint_format_text(&cp, out, sizeof out, &n) != SP_OK ||
        n > size || memcmp(out, data, n) != 0)
        abort();
    return 0;
}
