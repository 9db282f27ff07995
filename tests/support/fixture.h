/*
 * fixture.h -- deterministic keys and signed notes for tests and benchmarks.
 *
 * Built directly on libsodium (not on the library's own key or note code), so tests that
 * use it are differential: the verifier must accept what an independent signer made.
 */
#ifndef DACC_TESTS_FIXTURE_H
#define DACC_TESTS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

typedef struct fx_key {
    char name[129];
    uint8_t seed[32];
    uint8_t pk[32];
    uint8_t sk[64];
    uint32_t id;
    char vkey[256];   /* "name+hexid+base64" */
    char skey[256];   /* "PRIVATE+KEY+name+hexid+base64" */
} fx_key;

/* Make a key whose seed is 32 copies of seed_byte. Aborts on failure. */
void fx_key_make(fx_key *k, const char *name, uint8_t seed_byte);

/* Write "— name base64(id||sig)\n" signing text[0..len) into out; returns bytes written. */
size_t fx_sign_line(const fx_key *k, const void *text, size_t len, char *out, size_t cap);

/* Same, but under another name and key ID than the key's own (for duplicate-key attacks). */
size_t fx_sign_line_as(const fx_key *k, const char *name, uint32_t id, const void *text,
                       size_t len, char *out, size_t cap);

/* Build text + "\n" + one signature line per key.  Returns total length; NUL-terminates. */
size_t fx_note(char *out, size_t cap, const char *text, const fx_key *const *keys, size_t n);

/* C2SP key ID computed with libsodium directly. */
uint32_t fx_key_id(const char *name, const uint8_t pk[32]);

#endif
