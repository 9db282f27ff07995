/*
 * fuzz_note.c -- libFuzzer target for the signed-note layer (softpause/note.h).
 *
 * Parses the input as a note, opens it against the Go conformance keys (PeterNeumann,
 * EnochRoot; tests/vectors/note/keys.txt) plus one ambiguous twin, decodes every
 * signature line, and runs sp_note_text_check on the same bytes.  Properties checked:
 * outputs zeroed on failure; offsets inside the input; a verified open has consistent
 * counts and line states.  Corpus: fuzz/corpus/note/ (replayed by `make test`).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/host/sodium_crypto.h"
#include "softpause/note.h"

#include "../fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const vkeys[] = {
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    static sp_vkey keys[3];
    static sp_note note;
    const sp_crypto *crypto;
    sp_note_open_result res;
    uint32_t line;
    uint8_t sig[SP_MAX_SIG_BYTES];
    size_t n;

    if (!ready) {
        if (sp_sodium_init() != SP_OK)
            abort();
        for (int i = 0; i < 2; i++)
            if (sp_vkey_parse(&keys[i], vkeys[i], strlen(vkeys[i]), sp_sodium_crypto()) != SP_OK)
                abort();
        ready = 1;
    }
    crypto = sp_sodium_crypto();

    if (sp_note_parse(&note, data, size, &line) != SP_OK) {
        if (!fuzz_all_zero(&note, sizeof note))
            abort();
    } else {
        if (note.text_len == 0 || note.text_len >= size || note.sig_count == 0 ||
            note.sig_count > SP_MAX_SIG_LINES || data[note.text_len - 1] != '\n' ||
            data[note.text_len] != '\n')
            abort();
        for (uint32_t i = 0; i < note.sig_count; i++) {
            const sp_note_sig *s = &note.sigs[i];
            if (s->line_offset + s->line_len >= size || data[s->line_offset + s->line_len] != '\n')
                abort();
            if (sp_note_sig_bytes(&note, i, sig, sizeof sig, &n) != SP_OK ||
                n + 4 != s->payload_len)
                abort();
        }
        /* Two keys, then the same two plus a twin of the first (ambiguous). */
        for (size_t nk = 2; nk <= 3; nk++) {
            if (nk == 3) {
                keys[2] = keys[0];
                keys[2].public_key[31] ^= 0x40;
            }
            sp_err e = sp_note_open(&note, keys, nk, crypto, &res);
            if (e == SP_OK) {
                uint32_t v = 0;
                if (res.verified_count == 0 ||
                    res.verified_count != fuzz_popcount32(res.verified_keys))
                    abort();
                for (uint32_t i = 0; i < note.sig_count; i++)
                    v += res.line_status[i] == SP_LINE_VERIFIED;
                if (v != res.verified_count)
                    abort();
            } else if (!fuzz_all_zero(&res, sizeof res)) {
                abort();
            }
        }
    }

    /* A valid note text ends in '\n' and has no blank line. */
    if (sp_note_text_check(data, size, &line) == SP_OK) {
        if (size == 0 || data[size - 1] != '\n' || data[0] == '\n')
            abort();
        for (size_t i = 1; i < size; i++)
            if (data[i] == '\n' && data[i - 1] == '\n')
                abort();
    }
    return 0;
}
