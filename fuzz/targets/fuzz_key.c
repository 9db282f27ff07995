/*
 * fuzz_key.c -- libFuzzer target for the C2SP key parsers (softpause/key.h).
 *
 * Feeds the input to sp_vkey_parse, sp_skey_parse_fields and sp_key_name_check and checks
 * the properties a parser must keep on any input: outputs zeroed on failure; a parsed
 * verifier key formats back to text that parses to the same key; a parsed name obeys the
 * name rules.  Corpus: fuzz/corpus/key/ (replayed by `make test`).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/host/sodium_crypto.h"
#include "softpause/key.h"

#include "../fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    const sp_crypto *crypto;
    const char *text = (const char *)data;
    sp_vkey k, k2;
    sp_skey_fields f;
    char out[SP_MAX_VKEY_TEXT];
    size_t n;

    if (!ready) {
        if (sp_sodium_init() != SP_OK)
            abort();
        ready = 1;
    }
    crypto = sp_sodium_crypto();

    if (sp_vkey_parse(&k, text, size, crypto) == SP_OK) {
        if (sp_key_name_check(k.name, k.name_len) != SP_OK || k.name[k.name_len] != '\0')
            abort();
        if (sp_vkey_format(&k, out, sizeof out, &n) != SP_OK)
            abort();
        /* Canonical form: equal to the input except for the case of the hex key ID. */
        if (n != size)
            abort();
        if (sp_vkey_parse(&k2, out, n, crypto) != SP_OK || memcmp(&k, &k2, sizeof k) != 0)
            abort();
    } else if (!fuzz_all_zero(&k, sizeof k)) {
        abort();
    }

    if (sp_skey_parse_fields(&f, text, size) == SP_OK) {
        if (sp_key_name_check(f.name, f.name_len) != SP_OK)
            abort();
    } else if (!fuzz_all_zero(&f, sizeof f)) {
        abort();
    }

    if (sp_key_name_check(text, size) == SP_OK && (size == 0 || memchr(text, '+', size) != NULL))
        abort();
    return 0;
}
