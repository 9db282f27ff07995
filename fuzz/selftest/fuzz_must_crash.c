/*
 * fuzz_must_crash.c -- a target that MUST crash: proves the fuzzing harness works.
 *
 * Inputs starting with "SPBOOM" make it read one byte past a heap buffer.  Each prefix byte
 * is its own branch, so coverage feedback finds the prefix in seconds, and the read is
 * caught only if AddressSanitizer is really active.  `make -f fuzz/Makefile selftest`
 * passes iff libFuzzer reports this crash; if it ever stops crashing, fuzzing in CI has
 * silently stopped meaning anything.  Never add this file to fuzz/targets/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 6 && data[0] == 'S')
        if (data[1] == 'P')
            if (data[2] == 'B')
                if (data[3] == 'O')
                    if (data[4] == 'O')
                        if (data[5] == 'M') {
                            uint8_t *copy = malloc(size);
                            if (copy == NULL)
                                return 0;
                            memcpy(copy, data, size);
                            sink = copy[size]; /* one past the end: ASan must stop here */
                            free(copy);
                        }
    return 0;
}
