/*
 * keyfile.c -- Ed25519 key generation, key files, signer-key derivation (keyfile.h).
 *
 * Key encodings are the verifier's (src/verifier/key.c); this file only adds what needs
 * libsodium (derivation from a seed, randomness) and the file system.
 *
 * Cosigner keys (type 0x04) differ from note signer keys only in the type byte under the
 * base64 and in the key ID rule: the verifier parses both (sp_skey_parse_fields_typed) and
 * the ID is checked with the role's type byte (sp_key_id_typed).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "softpause/encoding.h"
#include "softpause/host/fileio.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/sodium_crypto.h"

/* The alg a key struct means (0 is read as Ed25519, as sp_vkey says). */
static uint8_t key_alg(const sp_vkey *k)
{
    return k->alg == 0 ? SP_KEY_ALG_ED25519 : k->alg;
}

static int alg_known(uint8_t alg)
{
    return alg == SP_KEY_ALG_ED25519 || alg == SP_KEY_ALG_COSIGNER;
}

/* "PRIVATE+KEY+<name>+<8 hex ID>+base64(alg || seed[32])" into out (NUL-terminated); the
 * verifier key's form is sp_vkey_format's. */
static sp_err skey_text(char *out, size_t cap, const sp_vkey *k, const uint8_t seed[32])
{
    uint8_t raw[33];
    char b64[SP_BASE64_KEY_LEN + 1];
    size_t b64_len;
    raw[0] = key_alg(k);
    memcpy(raw + 1, seed, 32);
    sp_err e = sp_base64_encode(b64, sizeof b64 - 1, &b64_len, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    if (e != SP_OK)
        return e;
    b64[b64_len] = '\0';
    int n = snprintf(out, cap, "PRIVATE+KEY+%s+%08x+%s", k->name, (unsigned)k->key_id, b64);
    sodium_memzero(b64, sizeof b64);
    return n < 0 || (size_t)n >= cap ? SP_ERR_BUFFER_TOO_SMALL : SP_OK;
}


void sp_signer_key_wipe(sp_signer_key *key)
{
    sodium_memzero(key, sizeof *key);
}

sp_err sp_key_file_stem(const char *name, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    if (name[0] == '\0')
        return SP_ERR_KEY_NAME;
    for (size_t i = 0; name[i] != '\0'; i++) {
        unsigned char c = (unsigned char)name[i];
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '-' || (c == '.' && i > 0);
        if (o + 4 > cap)
            return SP_ERR_BUFFER_TOO_SMALL;
        if (keep) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return o > SP_KEY_FILE_STEM_MAX ? SP_ERR_KEY_NAME : SP_OK;
}

sp_err sp_signer_key_format(const sp_signer_key *key, char *out, size_t cap)
{
    return skey_text(out, cap, &key->pub, key->sk); /* libsodium's sk starts with the seed */
}

sp_err sp_signer_key_parse_typed(sp_signer_key *out, const char *text, size_t len,
                                 uint8_t alg)
{
    sp_skey_fields f;
    uint32_t id;
    sp_err e;
    memset(out, 0, sizeof *out);
    if (!alg_known(alg))
        return SP_ERR_ARGUMENT;
    if ((e = sp_sodium_init()) != SP_OK)
        return e;
    if ((e = sp_skey_parse_fields_typed(&f, text, len, alg)) != SP_OK)
        return e;
    crypto_sign_seed_keypair(out->pub.public_key, out->sk, f.seed);
    e = sp_key_id_typed(&id, f.name, f.name_len, alg, out->pub.public_key, sp_sodium_crypto());
    if (e == SP_OK && id != f.key_id)
        e = SP_ERR_KEY_ID; /* the ID names another key: refuse, as Go's NewSigner does */
    if (e == SP_OK) {
        memcpy(out->pub.name, f.name, f.name_len + 1);
        out->pub.name_len = f.name_len;
        out->pub.key_id = id;
        out->pub.alg = alg;
    }
    sodium_memzero(&f, sizeof f);
    if (e != SP_OK)
        sp_signer_key_wipe(out);
    return e;
}

sp_err sp_signer_key_parse(sp_signer_key *out, const char *text, size_t len)
{
    return sp_signer_key_parse_typed(out, text, len, SP_KEY_ALG_ED25519);
}

/* Read a one-line key file into buf (NUL-terminated, final '\n' removed). */
static sp_err read_key_line(const char *path, char *buf, size_t cap, size_t *len)
{
    sp_err e = sp_file_read(path, (uint8_t *)buf, cap - 1, len);
    if (e == SP_ERR_BUFFER_TOO_SMALL)
        return SP_ERR_KEY_FORMAT;
    if (e != SP_OK)
        return e;
    if (*len > 0 && buf[*len - 1] == '\n')
        (*len)--;
    buf[*len] = '\0';
    if (memchr(buf, '\n', *len) != NULL)
        return SP_ERR_KEY_FORMAT; /* one line only */
    return SP_OK;
}

sp_err sp_signer_key_load_typed(sp_signer_key *out, const char *path, uint8_t alg)
{
    char buf[SP_MAX_SKEY_TEXT + 2];
    size_t len;
    memset(out, 0, sizeof *out);
    sp_err e = read_key_line(path, buf, sizeof buf, &len);
    if (e == SP_OK)
        e = sp_signer_key_parse_typed(out, buf, len, alg);
    sodium_memzero(buf, sizeof buf);
    return e;
}

sp_err sp_signer_key_load(sp_signer_key *out, const char *path)
{
    return sp_signer_key_load_typed(out, path, SP_KEY_ALG_ED25519);
}

sp_err sp_vkey_load(sp_vkey *out, const char *path)
{
    return sp_vkey_load_typed(out, path, SP_KEY_ALG_ED25519);
}

sp_err sp_vkey_load_typed(sp_vkey *out, const char *path, uint8_t alg)
{
    char buf[SP_MAX_VKEY_TEXT + 2];
    size_t len;
    memset(out, 0, sizeof *out);
    sp_err e = sp_sodium_init();
    if (e == SP_OK)
        e = read_key_line(path, buf, sizeof buf, &len);
    if (e == SP_OK)
        e = sp_vkey_parse_typed(out, buf, len, alg, sp_sodium_crypto());
    return e;
}

sp_err sp_key_generate_typed(const char *name, uint8_t alg, const char *dir, char *key_path,
                             char *pub_path, size_t cap)
{
    sp_signer_key key;
    char stem[3 * SP_MAX_NAME_BYTES + 1], skey[SP_MAX_SKEY_TEXT + 2], vkey[SP_MAX_VKEY_TEXT + 2];
    char kpath[4096], ppath[4096];
    uint8_t seed[32];
    size_t vlen, nlen = strlen(name);
    sp_err e;

    if (!alg_known(alg))
        return SP_ERR_ARGUMENT;
    if ((e = sp_sodium_init()) != SP_OK)
        return e;
    if ((e = sp_key_name_check(name, nlen)) != SP_OK)
        return e;
    if ((e = sp_key_file_stem(name, stem, sizeof stem)) != SP_OK)
        return e;
    if (snprintf(kpath, sizeof kpath, "%s/%s.key", dir, stem) >= (int)sizeof kpath ||
        snprintf(ppath, sizeof ppath, "%s/%s.pub", dir, stem) >= (int)sizeof ppath)
        return SP_ERR_BUFFER_TOO_SMALL;
    if (sp_file_exists(kpath) || sp_file_exists(ppath))
        return SP_ERR_EXISTS;

    memset(&key, 0, sizeof key);
    randombytes_buf(seed, sizeof seed);
    crypto_sign_seed_keypair(key.pub.public_key, key.sk, seed);
    sodium_memzero(seed, sizeof seed);
    memcpy(key.pub.name, name, nlen + 1);
    key.pub.name_len = nlen;
    key.pub.alg = alg;
    e = sp_key_id_typed(&key.pub.key_id, name, nlen, alg, key.pub.public_key,
                        sp_sodium_crypto());
    if (e == SP_OK)
        e = sp_signer_key_format(&key, skey, sizeof skey - 1);
    if (e == SP_OK)
        e = sp_vkey_format(&key.pub, vkey, sizeof vkey - 2, &vlen);
    if (e == SP_OK) {
        size_t slen = strlen(skey);
        skey[slen] = '\n';
        vkey[vlen] = '\n';
        e = sp_file_write_atomic(kpath, skey, slen + 1, 0600, 0);
        if (e == SP_OK) {
            /* a verifier key is public: others (a log, a witness) read it */
            e = sp_file_write_atomic(ppath, vkey, vlen + 1, 0644, 0);
            if (e != SP_OK)
                unlink(kpath); /* the pair appears whole or not at all */
        }
    }
    sodium_memzero(skey, sizeof skey);
    sp_signer_key_wipe(&key);
    if (e == SP_OK && key_path != NULL)
        snprintf(key_path, cap, "%s", kpath);
    if (e == SP_OK && pub_path != NULL)
        snprintf(pub_path, cap, "%s", ppath);
    return e;
}

sp_err sp_key_generate(const char *name, const char *dir, char *key_path, char *pub_path,
                       size_t cap)
{
    return sp_key_generate_typed(name, SP_KEY_ALG_ED25519, dir, key_path, pub_path, cap);
}
