/*
 * fuzz_cosignature.c -- libFuzzer target for the signature-line half of checkpoint
 * verification: the input is appended, as the signature lines, to the fixed valid
 * checkpoint text of fuzz/witness_setup.h ("text \n input"), so every mutation lands in
 * the log signature and cosignature payloads (key IDs, timestamps, signatures, names)
 * rather than in the checkpoint text.  Oracle: fuzz/witness_setup.h.
 *
 * Corpus: fuzz/corpus/cosignature/ (fuzz/gen/gen_publication.c: the signature lines of
 * the valid and refused seeds of the checkpoint corpus).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../witness_setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t note[SP_MAX_NOTE_BYTES + 1];
    size_t head = sizeof fuzz_checkpoint_text - 1;

    if (size > sizeof note - head - 1)
        size = sizeof note - head - 1; /* longer inputs are refused for size anyway */
    memcpy(note, fuzz_checkpoint_text, head);
    note[head] = '\n';
    memcpy(note + head + 1, data, size);
    fuzz_check_witnessed(note, head + 1 + size);
    return 0;
}
