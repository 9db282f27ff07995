/*
 * softpause/key.h -- C2SP signed-note key encodings (Ed25519), as Go's
 * golang.org/x/mod/sumdb/note reads and writes them.
 *
 *   verifier key:  <name>+<8 hex key ID>+<base64(0x01 || 32-byte public key)>
 *   signer key:    PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 || 32-byte seed)>
 *   key ID:        first 4 bytes, big-endian, of SHA-256(name || 0x0A || 0x01 || public key)
 *
 * The base64 part may itself contain '+': a verifier key is split at its first two '+',
 * a signer key at its first four.  A name is non-empty, valid UTF-8, at most
 * SP_MAX_NAME_BYTES, and contains no '+' and no Unicode white space (Go's unicode.IsSpace).
 * The key ID is always checked against the name and key.
 *
 * Parsing a signer key (which needs Ed25519 key derivation to check its ID) is split: the
 * freestanding sp_skey_parse_fields() checks the syntax; the host derives the public key
 * and compares IDs (src/host/keyfile.c).
 */
#ifndef SOFTPAUSE_KEY_H
#define SOFTPAUSE_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"

#define SP_KEY_ALG_ED25519 0x01u

/* Longest encoded verifier key: name + '+' + 8 + '+' + base64(33 bytes). */
#define SP_MAX_VKEY_TEXT (SP_MAX_NAME_BYTES + 1u + 8u + 1u + SP_BASE64_KEY_LEN)
#define SP_MAX_SKEY_TEXT (12u + SP_MAX_VKEY_TEXT)
#define SP_BASE64_KEY_LEN 44u

/* A parsed, ID-checked Ed25519 verifier key.  name is NUL-terminated. */
typedef struct sp_vkey {
    char name[SP_MAX_NAME_BYTES + 1];
    size_t name_len;
    uint32_t key_id;
    uint8_t alg;                           /* SP_KEY_ALG_*; 0 is read as Ed25519 (0x01) */
    uint8_t public_key[SP_ED25519_PUBLIC_KEY_BYTES];
} sp_vkey;

/* The syntactic fields of a signer key; the ID is NOT yet checked (needs key derivation). */
typedef struct sp_skey_fields {
    char name[SP_MAX_NAME_BYTES + 1];
    size_t name_len;
    uint32_t key_id;
    uint8_t seed[32];
} sp_skey_fields;

/* Cosigner keys (C2SP tlog-cosignature, cosignature/v1): the same Ed25519 key material,
 * type byte 0x04 in the vkey and in the key ID hash. */
#define SP_KEY_ALG_COSIGNER 0x04u

/* SP_OK iff name[0..len) is a valid key name (rules above); else SP_ERR_KEY_NAME. */
SP_MUST_CHECK sp_err sp_key_name_check(const char *name, size_t len);

/* Compute the C2SP key ID of an Ed25519 public key under `name`. */
SP_MUST_CHECK sp_err sp_key_id(uint32_t *id, const char *name, size_t name_len,
                               const uint8_t public_key[SP_ED25519_PUBLIC_KEY_BYTES],
                               const sp_crypto *crypto);

/* Parse and ID-check a verifier key.  Errors: SP_ERR_KEY_FORMAT, _NAME, _ID, _ALGORITHM,
 * _LENGTH, SP_ERR_BASE64, SP_ERR_HEX.  Weak keys are NOT refused here (policy loading
 * does that); Go does not refuse them either. */
SP_MUST_CHECK sp_err sp_vkey_parse(sp_vkey *out, const char *text, size_t len,
                                   const sp_crypto *crypto);

/* As sp_key_id and sp_vkey_parse for a given key type byte (SP_KEY_ALG_ED25519 or
 * SP_KEY_ALG_COSIGNER).  A vkey of another type is SP_ERR_KEY_ALGORITHM. */
SP_MUST_CHECK sp_err sp_key_id_typed(uint32_t *id, const char *name, size_t name_len,
                                     uint8_t alg,
                                     const uint8_t public_key[SP_ED25519_PUBLIC_KEY_BYTES],
                                     const sp_crypto *crypto);
SP_MUST_CHECK sp_err sp_vkey_parse_typed(sp_vkey *out, const char *text, size_t len,
                                         uint8_t alg, const sp_crypto *crypto);

/* Encode a verifier key (its type byte is key->alg) (no NUL written). */
SP_MUST_CHECK sp_err sp_vkey_format(const sp_vkey *key, char *out, size_t cap, size_t *out_len);

/* 1 when text[0..len) is the one spelling sp_vkey_format writes for key, else 0.  The key
 * parser accepts what Go accepts (an upper-case key ID among them); a canonical document
 * (policy, deployment witness policy) admits only this spelling, or one document would have
 * two hashes. */
SP_MUST_CHECK int sp_vkey_spelled_canonically(const sp_vkey *key, const char *text, size_t len);

/* Parse the syntax of a signer key.  Errors as sp_vkey_parse, plus SP_ERR_KEY_NOT_PRIVATE. */
SP_MUST_CHECK sp_err sp_skey_parse_fields(sp_skey_fields *out, const char *text, size_t len);

/* The same for a signer key of type alg (SP_KEY_ALG_ED25519 or SP_KEY_ALG_COSIGNER): the
 * type byte inside the base64 field must be alg, else SP_ERR_KEY_ALGORITHM. */
SP_MUST_CHECK sp_err sp_skey_parse_fields_typed(sp_skey_fields *out, const char *text,
                                                size_t len, uint8_t alg);

#endif /* SOFTPAUSE_KEY_H */
