/*
 * softpause/host/keyfile.h -- key generation and key files.
 *
 * A key file holds one line: the C2SP signer key (NAME.key, mode 0600) or verifier key
 * (NAME.pub, mode 0600 too: both are written the same careful way), ending in '\n'.
 * Files are never silently overwritten (SP_ERR_EXISTS).
 *
 * File names from key names: key names may be URL-like ("example.org/log"), so the file
 * name is the key name with every byte outside [A-Za-z0-9._-] written as %XX (upper-case
 * hex), and a leading '.' written as %2E so no key file is hidden or a path component
 * ("..").  Example: "example.org/log" -> "example.org%2Flog.key".  The mapping is
 * injective, so two names never share a file.  A stem longer than SP_KEY_FILE_STEM_MAX
 * bytes is refused (SP_ERR_KEY_NAME): with its extension and the signing record's suffix it
 * must still fit a 255-byte file name.
 *
 * Key types (the type byte of C2SP signed-note keys): SP_KEY_ALG_ED25519 (0x01) for
 * statement signers and logs, SP_KEY_ALG_COSIGNER (0x04, C2SP tlog-cosignature) for
 * witnesses.  A cosigner key uses the same texts with 0x04 as the first byte under the
 * base64 and in the key-ID hash:
 *
 *   PRIVATE+KEY+<name>+<8 hex ID>+base64(0x04 || seed[32])      NAME.key
 *   <name>+<8 hex ID>+base64(0x04 || public key[32])             NAME.pub
 *   ID = SHA-256(name || 0x0A || 0x04 || public key)[:4]
 *
 * A loader is told which type it expects; a key of the other type is SP_ERR_KEY_ALGORITHM,
 * so a witness key can never sign a statement and a signer key never cosigns.
 */
#ifndef SOFTPAUSE_HOST_KEYFILE_H
#define SOFTPAUSE_HOST_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/errors.h"
#include "softpause/key.h"

/* A loaded signer key: fields, derived public key and libsodium secret key. */
typedef struct sp_signer_key {
    sp_vkey pub;          /* name, key ID, public key (ID checked); pub.alg is the type */
    uint8_t sk[64];       /* libsodium secret key (seed || public key) */
} sp_signer_key;

#define SP_KEY_FILE_STEM_MAX 200u

/* Map a key name to a file-name stem (no extension).  NUL-terminated. */
SP_MUST_CHECK sp_err sp_key_file_stem(const char *name, char *out, size_t cap);

/* Generate a fresh Ed25519 key named `name`; write DIR/STEM.key and DIR/STEM.pub.  On
 * success the paths written are copied to key_path/pub_path (each cap bytes) if not NULL. */
SP_MUST_CHECK sp_err sp_key_generate(const char *name, const char *dir, char *key_path,
                                     char *pub_path, size_t cap);

/* The same for a key of type alg (SP_KEY_ALG_ED25519 or SP_KEY_ALG_COSIGNER). */
SP_MUST_CHECK sp_err sp_key_generate_typed(const char *name, uint8_t alg, const char *dir,
                                           char *key_path, char *pub_path, size_t cap);

/* Derive a signer key from its encoded text (checks the key ID after derivation). */
SP_MUST_CHECK sp_err sp_signer_key_parse(sp_signer_key *out, const char *text, size_t len);

/* The same for a key of type alg; another type is SP_ERR_KEY_ALGORITHM. */
SP_MUST_CHECK sp_err sp_signer_key_parse_typed(sp_signer_key *out, const char *text,
                                               size_t len, uint8_t alg);

/* Load a signer key file / verifier key file (one line, optional final '\n'). */
SP_MUST_CHECK sp_err sp_signer_key_load(sp_signer_key *out, const char *path);
SP_MUST_CHECK sp_err sp_signer_key_load_typed(sp_signer_key *out, const char *path,
                                              uint8_t alg);
SP_MUST_CHECK sp_err sp_vkey_load(sp_vkey *out, const char *path);
SP_MUST_CHECK sp_err sp_vkey_load_typed(sp_vkey *out, const char *path, uint8_t alg);

/* Encode a signer key's text form "PRIVATE+KEY+..." with its type byte (NUL-terminated). */
SP_MUST_CHECK sp_err sp_signer_key_format(const sp_signer_key *key, char *out, size_t cap);

/* Wipe a signer key. */
void sp_signer_key_wipe(sp_signer_key *key);

#endif
