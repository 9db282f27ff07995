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
 */
#ifndef SOFTPAUSE_HOST_KEYFILE_H
#define SOFTPAUSE_HOST_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/errors.h"
#include "softpause/key.h"

/* A loaded signer key: fields, derived public key and libsodium secret key. */
typedef struct sp_signer_key {
    sp_vkey pub;          /* name, key ID, public key (ID checked) */
    uint8_t sk[64];       /* libsodium secret key (seed || public key) */
} sp_signer_key;

#define SP_KEY_FILE_STEM_MAX 200u

/* Map a key name to a file-name stem (no extension).  NUL-terminated. */
SP_MUST_CHECK sp_err sp_key_file_stem(const char *name, char *out, size_t cap);

/* Generate a fresh Ed25519 key named `name`; write DIR/STEM.key and DIR/STEM.pub.  On
 * success the paths written are copied to key_path/pub_path (each cap bytes) if not NULL. */
SP_MUST_CHECK sp_err sp_key_generate(const char *name, const char *dir, char *key_path,
                                     char *pub_path, size_t cap);

/* Derive a signer key from its encoded text (checks the key ID after derivation). */
SP_MUST_CHECK sp_err sp_signer_key_parse(sp_signer_key *out, const char *text, size_t len);

/* Load a signer key file / verifier key file (one line, optional final '\n'). */
SP_MUST_CHECK sp_err sp_signer_key_load(sp_signer_key *out, const char *path);
SP_MUST_CHECK sp_err sp_vkey_load(sp_vkey *out, const char *path);

/* Encode a signer key's text form "PRIVATE+KEY+..." (NUL-terminated). */
SP_MUST_CHECK sp_err sp_signer_key_format(const sp_signer_key *key, char *out, size_t cap);

/* Wipe a signer key. */
void sp_signer_key_wipe(sp_signer_key *key);

#endif
