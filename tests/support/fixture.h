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

/* The same for a given key type byte (0x01 note signer, 0x04 cosigner). */
uint32_t fx_key_id_typed(const char *name, uint8_t alg, const uint8_t pk[32]);

/* A checkpoint note text "origin\nsize\nbase64(32 bytes of fill)\n" (C2SP tlog-checkpoint). */
void fx_checkpoint_text(char *out, size_t cap, const char *origin, uint64_t size, uint8_t fill);

/* The key's cosigner vkey (C2SP tlog-cosignature, type 0x04): "name+hexid+base64". */
void fx_cosigner_vkey(const fx_key *k, char *out, size_t cap);

/* A cosignature/v1 line "— name base64(id04 || time || sig)\n" over the checkpoint note
 * text[0..len) at `time`; the signed message is built here, independently of the
 * library.  Returns bytes written. */
size_t fx_cosign_line(const fx_key *k, uint64_t time, const void *text, size_t len, char *out,
                      size_t cap);

/* Same, with the name and key ID given (for lines that claim another identity). */
size_t fx_cosign_line_as(const fx_key *k, const char *name, uint32_t id, uint64_t time,
                         const void *text, size_t len, char *out, size_t cap);

#endif
