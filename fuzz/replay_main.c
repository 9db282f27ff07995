/*
 * replay_main.c -- runs a libFuzzer target over files without libFuzzer, so the committed
 * corpora are replayed in every normal test run (and under ASan+UBSan in CI).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    static uint8_t buf[1 << 20];
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            perror(argv[i]);
            return 1;
        }
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        (void)LLVMFuzzerTestOneInput(buf, n);
    }
    return 0;
}
