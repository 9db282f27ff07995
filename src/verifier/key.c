/*
 * key.c -- C2SP signed-note key encodings for Ed25519 (contract: softpause/key.h).
 *
 * Layouts (C2SP signed-note, "Verifier keys"; Go: note.go NewVerifier, NewSigner):
 *
 *   verifier key   <name> '+' <8 hex> '+' <base64( type | public key[32] )>
 *                   |          |           44 chars, one '=' (33 bytes)
 *                   |          key ID, big-endian, either case, exactly 8 digits
 *                   non-empty UTF-8, no '+', no Unicode space, <= SP_MAX_NAME_BYTES
 *
 *   signer key     "PRIVATE" '+' "KEY" '+' <name> '+' <8 hex> '+' <base64( 0x01 | seed[32] )>
 *
 *   key ID         SHA-256( name | 0x0A | type | public key[32] )[0..4), big-endian
 *
 *   type           0x01 Ed25519 note signer (statement signers, logs); 0x04 Ed25519
 *                  cosigner (witnesses, C2SP tlog-cosignature).  The same Ed25519 key
 *                  material either way; the type byte is part of the vkey and of the ID,
 *                  so a vkey names its role and a log key cannot pass as a witness key.
 *
 * Splitting: Go's chop() cuts at the FIRST '+' each time, so a verifier key is cut at its
 * first two '+' and a signer key at its first four; whatever follows (the base64, which
 * may itself contain '+') is taken whole.  A name can never contain '+', so this is
 * unambiguous.  A missing '+' leaves the later fields empty, which then fail their own
 * checks (an empty hex field is SP_ERR_KEY_FORMAT, as Go's len(hash16) != 8).
 *
 * Divergences from Go, each stricter (a key we accept, Go accepts identically):
 *   - base64 must be canonical (encoding.h): Go's StdEncoding also accepts non-zero pad
 *     bits and skips '\r'/'\n' inside the base64;
 *   - names are limited to SP_MAX_NAME_BYTES and may not contain C0 control bytes (such a
 *     key could never match a signature line: notes refuse control bytes).
 * Go checks the key ID before the algorithm byte; we report the algorithm and length
 * first (more useful messages).  Both refuse the same keys; only the code differs.
 */
#include "softpause/key.h"

#include <string.h>

#include "softpause/encoding.h"
#include "text.h"

_Static_assert(SP_BASE64_ENCODED_LEN(33u) == SP_BASE64_KEY_LEN, "33 key bytes are 44 chars");

sp_err sp_key_name_check(const char *name, size_t len)
{
    if (name == NULL)
        return SP_ERR_ARGUMENT;
    return sp_text_name_check((const uint8_t *)name, len, SP_MAX_NAME_BYTES, SP_ERR_KEY_NAME);
}

/* The key types this file knows: note signers (and logs) and cosigners (witnesses). */
static int alg_known(uint8_t alg)
{
    return alg == SP_KEY_ALG_ED25519 || alg == SP_KEY_ALG_COSIGNER;
}

sp_err sp_key_id(uint32_t *id, const char *name, size_t name_len,
                 const uint8_t public_key[SP_ED25519_PUBLIC_KEY_BYTES], const sp_crypto *crypto)
{
    return sp_key_id_typed(id, name, name_len, SP_KEY_ALG_ED25519, public_key, crypto);
}

sp_err sp_key_id_typed(uint32_t *id, const char *name, size_t name_len, uint8_t alg,
                       const uint8_t public_key[SP_ED25519_PUBLIC_KEY_BYTES],
                       const sp_crypto *crypto)
{
    uint8_t sep[2];
    uint8_t h[SP_SHA256_BYTES];
    sp_bytes parts[3];
    sp_err e;

    if (id == NULL)
        return SP_ERR_ARGUMENT;
    *id = 0;
    if (name == NULL || public_key == NULL || crypto == NULL || crypto->sha256 == NULL)
        return SP_ERR_ARGUMENT;
    if (!alg_known(alg))
        return SP_ERR_KEY_ALGORITHM;
    e = sp_key_name_check(name, name_len);
    if (e != SP_OK)
        return e;
    sep[0] = '\n';
    sep[1] = alg; /* the type byte is hashed, so one key has a different ID per role */
    parts[0].ptr = (const uint8_t *)name;
    parts[0].len = name_len;
    parts[1].ptr = sep;
    parts[1].len = sizeof sep;
    parts[2].ptr = public_key;
    parts[2].len = SP_ED25519_PUBLIC_KEY_BYTES;
    memset(h, 0, sizeof h);
    if (crypto->sha256(crypto->ctx, h, parts, 3) != 0) /* any non-zero is failure */
        return SP_ERR_CRYPTO;
    *id = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | (uint32_t)h[3];
    return SP_OK;
}

/* Index of the first '+' in s[from..len), or len if none (Go's strings.Index in chop). */
static size_t find_plus(const char *s, size_t from, size_t len)
{
    for (size_t i = from; i < len; i++)
        if (s[i] == '+')
            return i;
    return len;
}

/* Parse the 8-hex-digit key ID field (Go: len(hash16) == 8 && strconv.ParseUint(.., 16, 32)). */
static sp_err parse_key_id(uint32_t *id, const char *s, size_t len)
{
    uint8_t b[4];
    sp_err e;

    *id = 0;
    if (len != 8)
        return SP_ERR_KEY_FORMAT;
    e = sp_hex_decode(b, sizeof b, s, len);
    if (e != SP_OK)
        return e;
    *id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
    return SP_OK;
}

/*
 * Decode the "alg || 32 bytes" base64 field into key[32].  Go refuses an empty decoding
 * (len(key) == 0) with the same error as a bad field, which we call SP_ERR_KEY_FORMAT.
 * For a wrong length we still decode the first group, to tell an unknown algorithm from a
 * wrong-length Ed25519 key.
 */
static sp_err parse_key_bytes(uint8_t key[32], const char *s, size_t len, uint8_t alg)
{
    uint8_t buf[33];
    size_t n;
    sp_err e;

    memset(key, 0, 32);
    e = sp_base64_check(s, len, &n);
    if (e != SP_OK)
        return e;
    if (n == 0)
        return SP_ERR_KEY_FORMAT;
    /* n >= 1 means len >= 4 and the first group is itself canonical base64 of >= 1 byte. */
    e = sp_base64_decode(buf, sizeof buf, &n, s, n == 33 ? len : 4);
    if (e != SP_OK) {
        sp_wipe(buf, sizeof buf);
        return e;
    }
    if (buf[0] != alg)
        e = SP_ERR_KEY_ALGORITHM;
    else if (n != 33)
        e = SP_ERR_KEY_LENGTH;
    else
        memcpy(key, buf + 1, 32);
    sp_wipe(buf, sizeof buf); /* may hold a signer seed */
    return e;
}

sp_err sp_vkey_parse(sp_vkey *out, const char *text, size_t len, const sp_crypto *crypto)
{
    return sp_vkey_parse_typed(out, text, len, SP_KEY_ALG_ED25519, crypto);
}

sp_err sp_vkey_parse_typed(sp_vkey *out, const char *text, size_t len, uint8_t alg,
                           const sp_crypto *crypto)
{
    size_t p1, p2;
    uint32_t want;
    sp_err e;

    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if ((text == NULL && len != 0) || crypto == NULL)
        return SP_ERR_ARGUMENT;
    if (!alg_known(alg))
        return SP_ERR_KEY_ALGORITHM;
    if (len > SP_MAX_VKEY_TEXT) /* endless data: refuse before scanning */
        return SP_ERR_KEY_FORMAT;
    /* name '+' hash16 '+' key64 -- cut at the first two '+' (Go: chop, chop). */
    p1 = find_plus(text, 0, len);
    p2 = p1 < len ? find_plus(text, p1 + 1, len) : len;
    if (p1 == len || p2 == len)
        return SP_ERR_KEY_FORMAT;
    e = sp_key_name_check(text, p1);
    if (e == SP_OK)
        e = parse_key_id(&out->key_id, text + p1 + 1, p2 - p1 - 1);
    if (e == SP_OK)
        e = parse_key_bytes(out->public_key, text + p2 + 1, len - p2 - 1, alg);
    if (e == SP_OK)
        e = sp_key_id_typed(&want, text, p1, alg, out->public_key, crypto);
    if (e == SP_OK && want != out->key_id)
        e = SP_ERR_KEY_ID; /* Go: errVerifierHash */
    if (e != SP_OK) {
        memset(out, 0, sizeof *out);
        return e;
    }
    memcpy(out->name, text, p1); /* p1 <= SP_MAX_NAME_BYTES: checked by the name rule */
    out->name[p1] = '\0';
    out->name_len = p1;
    out->alg = alg;
    return SP_OK;
}

sp_err sp_vkey_format(const sp_vkey *key, char *out, size_t cap, size_t *out_len)
{
    uint8_t raw[33];
    uint8_t id[4];
    uint8_t alg;
    size_t need, n;
    sp_err e;

    if (out_len != NULL)
        *out_len = 0;
    if (key == NULL || out_len == NULL || (out == NULL && cap != 0))
        return SP_ERR_ARGUMENT;
    alg = key->alg == 0 ? SP_KEY_ALG_ED25519 : key->alg; /* 0: a struct from before typing */
    if (!alg_known(alg))
        return SP_ERR_KEY_ALGORITHM;
    if (key->name_len > SP_MAX_NAME_BYTES)
        return SP_ERR_KEY_NAME;
    e = sp_key_name_check(key->name, key->name_len);
    if (e != SP_OK)
        return e;
    need = key->name_len + 1u + 8u + 1u + SP_BASE64_KEY_LEN; /* small: name_len <= 128 */
    if (need > cap) {
        if (cap != 0)
            memset(out, 0, cap);
        return SP_ERR_BUFFER_TOO_SMALL;
    }
    memcpy(out, key->name, key->name_len);
    n = key->name_len;
    out[n++] = '+';
    id[0] = (uint8_t)(key->key_id >> 24);
    id[1] = (uint8_t)(key->key_id >> 16);
    id[2] = (uint8_t)(key->key_id >> 8);
    id[3] = (uint8_t)key->key_id;
    e = sp_hex_encode(out + n, cap - n, id, sizeof id);
    if (e == SP_OK) {
        n += 8;
        out[n++] = '+';
        raw[0] = alg;
        memcpy(raw + 1, key->public_key, 32);
        e = sp_base64_encode(out + n, cap - n, &need, raw, sizeof raw);
    }
    if (e != SP_OK) {
        memset(out, 0, cap);
        return e;
    }
    *out_len = n + need;
    return SP_OK;
}

int sp_vkey_spelled_canonically(const sp_vkey *key, const char *text, size_t len)
{
    char canon[SP_MAX_VKEY_TEXT];
    size_t canon_len = 0;

    if (key == NULL || (text == NULL && len != 0))
        return 0;
    return sp_vkey_format(key, canon, sizeof canon, &canon_len) == SP_OK && canon_len == len &&
           memcmp(canon, text, len) == 0;
}

sp_err sp_skey_parse_fields(sp_skey_fields *out, const char *text, size_t len)
{
    return sp_skey_parse_fields_typed(out, text, len, SP_KEY_ALG_ED25519);
}

sp_err sp_skey_parse_fields_typed(sp_skey_fields *out, const char *text, size_t len,
                                  uint8_t alg)
{
    static const char priv[] = "PRIVATE";
    static const char keyw[] = "KEY";
    size_t p1, p2, p3, p4;
    sp_err e;

    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (text == NULL && len != 0)
        return SP_ERR_ARGUMENT;
    if (len > SP_MAX_SKEY_TEXT)
        return SP_ERR_KEY_FORMAT;
    /* "PRIVATE" '+' "KEY" '+' name '+' hash16 '+' key64 -- cut at the first four '+'. */
    p1 = find_plus(text, 0, len);
    p2 = p1 < len ? find_plus(text, p1 + 1, len) : len;
    if (!sp_text_equal((const uint8_t *)text, p1, (const uint8_t *)priv, sizeof priv - 1) ||
        p1 == len ||
        !sp_text_equal((const uint8_t *)text + p1 + 1, p2 - p1 - 1, (const uint8_t *)keyw,
                       sizeof keyw - 1))
        return SP_ERR_KEY_NOT_PRIVATE;
    p3 = p2 < len ? find_plus(text, p2 + 1, len) : len;
    p4 = p3 < len ? find_plus(text, p3 + 1, len) : len;
    if (p2 == len || p3 == len || p4 == len)
        return SP_ERR_KEY_FORMAT;
    e = sp_key_name_check(text + p2 + 1, p3 - p2 - 1);
    if (e == SP_OK)
        e = parse_key_id(&out->key_id, text + p3 + 1, p4 - p3 - 1);
    if (e == SP_OK)
        e = alg == SP_KEY_ALG_ED25519 || alg == SP_KEY_ALG_COSIGNER
                ? parse_key_bytes(out->seed, text + p4 + 1, len - p4 - 1, alg)
                : SP_ERR_KEY_ALGORITHM;
    if (e != SP_OK) {
        sp_wipe(out, sizeof *out);
        return e;
    }
    out->name_len = p3 - p2 - 1;
    memcpy(out->name, text + p2 + 1, out->name_len);
    out->name[out->name_len] = '\0';
    return SP_OK;
}
