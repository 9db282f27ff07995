/*
 * signing.c -- adding signature lines, the equivocation guard, collecting (signing.h).
 *
 * All parsing is the verifier's: notes through sp_note_parse, statements through
 * sp_statement_parse / sp_statement_verify, cosigned messages through
 * sp_cosignature_message, so a signer and a device can never disagree about what a text
 * says or what a signature covers.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "softpause/checkpoint.h"
#include "softpause/encoding.h"
#include "softpause/host/fileio.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/note.h"

static const uint8_t em_dash_space[4] = {0xE2, 0x80, 0x94, ' '};

/* Append bytes to out[*pos..cap). */
static sp_err put(uint8_t *out, size_t cap, size_t *pos, const void *p, size_t n)
{
    if (n > cap - *pos)
        return SP_ERR_NOTE_TOO_LARGE;
    memcpy(out + *pos, p, n);
    *pos += n;
    return SP_OK;
}

/* Write "— name base64(key ID || prefix || Ed25519 signature of msg)\n": a note signature
 * line (no prefix, msg = the note text) or a cosignature/v1 line (prefix = the 8-byte
 * timestamp, msg = the cosigned message). */
static sp_err put_sig_line(const sp_signer_key *key, const uint8_t *prefix, size_t prefix_len,
                           const uint8_t *msg, size_t msg_len, uint8_t *out, size_t cap,
                           size_t *pos)
{
    uint8_t payload[4 + 8 + 64];
    char b64[SP_BASE64_ENCODED_LEN(sizeof payload)];
    size_t b64_len, n = 4 + prefix_len;
    sp_err e;
    if (prefix_len > 8)
        return SP_ERR_ARGUMENT;
    payload[0] = (uint8_t)(key->pub.key_id >> 24);
    payload[1] = (uint8_t)(key->pub.key_id >> 16);
    payload[2] = (uint8_t)(key->pub.key_id >> 8);
    payload[3] = (uint8_t)key->pub.key_id;
    if (prefix_len > 0)
        memcpy(payload + 4, prefix, prefix_len);
    if (crypto_sign_detached(payload + n, NULL, msg, msg_len, key->sk) != 0)
        return SP_ERR_CRYPTO;
    n += 64;
    if ((e = sp_base64_encode(b64, sizeof b64, &b64_len, payload, n)) != SP_OK)
        return e;
    if ((e = put(out, cap, pos, em_dash_space, sizeof em_dash_space)) != SP_OK ||
        (e = put(out, cap, pos, key->pub.name, key->pub.name_len)) != SP_OK ||
        (e = put(out, cap, pos, " ", 1)) != SP_OK ||
        (e = put(out, cap, pos, b64, b64_len)) != SP_OK)
        return e;
    return put(out, cap, pos, "\n", 1);
}

static sp_err put_signature_line(const sp_signer_key *key, const uint8_t *text, size_t text_len,
                                 uint8_t *out, size_t cap, size_t *pos)
{
    return put_sig_line(key, NULL, 0, text, text_len, out, cap, pos);
}

sp_err sp_cosignature_line(const sp_signer_key *key, uint64_t timestamp, const uint8_t *text,
                           size_t text_len, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t msg[SP_MAX_COSIGNED_MESSAGE_BYTES], ts[8];
    size_t msg_len = 0;
    sp_err e;
    *out_len = 0;
    if (key->pub.alg != SP_KEY_ALG_COSIGNER)
        return SP_ERR_KEY_ALGORITHM;
    if (timestamp == 0)
        return SP_ERR_COSIG_TIME_ZERO;
    if (timestamp >= SP_COSIG_TIME_LIMIT)
        return SP_ERR_COSIG_TIME_RANGE;
    if ((e = sp_cosignature_message(msg, sizeof msg, &msg_len, timestamp, text, text_len)) !=
        SP_OK)
        return e;
    for (int b = 0; b < 8; b++)
        ts[b] = (uint8_t)(timestamp >> (56 - 8 * b)); /* u64, big-endian */
    return put_sig_line(key, ts, sizeof ts, msg, msg_len, out, cap, out_len);
}

/* Does the input end in a signature block: a blank line followed by lines that start like
 * signature lines (the em dash, or an ASCII '-' that the parser will refuse by name)?  If
 * not, the input is a plain text to be signed. */
static int has_signature_block(const uint8_t *p, size_t n)
{
    size_t i = n;
    while (i >= 2 && !(p[i - 1] == '\n' && p[i - 2] == '\n'))
        i--;
    if (i < 2 || i >= n)
        return 0;
    return p[i] == '-' || (n - i >= 3 && p[i] == 0xE2 && p[i + 1] == 0x80 && p[i + 2] == 0x94);
}

sp_err sp_note_add_signature(const sp_signer_key *key, const uint8_t *in, size_t in_len,
                             int as_text, uint8_t *out, size_t cap, size_t *out_len,
                             size_t *text_len, uint32_t *err_line)
{
    sp_note note; /* about 1 KiB: fine on a host stack, and keeps the function reentrant */
    size_t pos = 0;
    int replaced = 0;
    sp_err e;

    *out_len = 0;
    *text_len = 0;
    if (err_line != NULL)
        *err_line = 0;
    if (key->pub.alg != 0 && key->pub.alg != SP_KEY_ALG_ED25519)
        return SP_ERR_KEY_ALGORITHM; /* a witness key cosigns checkpoints, nothing else */
    if (as_text || !has_signature_block(in, in_len)) {
        if ((e = sp_note_text_check(in, in_len, err_line)) != SP_OK)
            return e;
        if ((e = put(out, cap, &pos, in, in_len)) != SP_OK ||
            (e = put(out, cap, &pos, "\n", 1)) != SP_OK ||
            (e = put_signature_line(key, in, in_len, out, cap, &pos)) != SP_OK)
            return e;
        *text_len = in_len;
    } else {
        if ((e = sp_note_parse(&note, in, in_len, err_line)) != SP_OK)
            return e;
        if ((e = put(out, cap, &pos, in, note.text_len + 1)) != SP_OK)
            return e;
        for (uint32_t i = 0; i < note.sig_count; i++) {
            const sp_note_sig *s = &note.sigs[i];
            int mine = s->key_id == key->pub.key_id && s->name_len == key->pub.name_len &&
                       memcmp(in + s->name_offset, key->pub.name, s->name_len) == 0;
            if (mine && replaced)
                continue; /* one line per key: later repeats of our own line are dropped */
            if (mine) {
                e = put_signature_line(key, in, note.text_len, out, cap, &pos);
                replaced = 1;
            } else {
                e = put(out, cap, &pos, in + s->line_offset, s->line_len + 1u);
            }
            if (e != SP_OK)
                return e;
        }
        if (!replaced && (e = put_signature_line(key, in, note.text_len, out, cap, &pos)) != SP_OK)
            return e;
        *text_len = note.text_len;
    }
    if (pos > SP_MAX_NOTE_BYTES)
        return SP_ERR_NOTE_TOO_LARGE;
    /* The result must itself be a valid note: re-parse it (catches too many lines). */
    if ((e = sp_note_parse(&note, out, pos, err_line)) != SP_OK)
        return e;
    *out_len = pos;
    return SP_OK;
}

/* ---- equivocation guard ------------------------------------------------------------- */

#define RECORD_MAGIC "softpause-signing-record/v1\n"

static const char *type_name(uint32_t type)
{
    return type == SP_STMT_POLICY_UPDATE ? "policy-update" : "authorisation";
}

/* "<key path without .key>.<16 hex>.signed": the hex is the first 8 bytes of
 * SHA-256("softpause/signing-record\n" || deployment || "\n" || type).  A hash rather than
 * the names themselves keeps the file name short and the mapping injective: no key stem
 * followed by '.' and 16 hex digits can be read as another key's stem. */
static sp_err record_path_for(const char *key_path, const sp_statement *st, char *out,
                              size_t cap)
{
    static const char domain[] = "softpause/signing-record\n";
    const char *type = type_name(st->type);
    crypto_hash_sha256_state h;
    uint8_t digest[32];
    char hex[17];
    size_t kl = strlen(key_path);
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *)domain, sizeof domain - 1);
    crypto_hash_sha256_update(&h, (const uint8_t *)st->deployment, strlen(st->deployment));
    crypto_hash_sha256_update(&h, (const uint8_t *)"\n", 1);
    crypto_hash_sha256_update(&h, (const uint8_t *)type, strlen(type));
    crypto_hash_sha256_final(&h, digest);
    if (sp_hex_encode(hex, sizeof hex - 1, digest, 8) != SP_OK)
        return SP_ERR_CRYPTO;
    hex[16] = '\0';
    if (kl > 4 && strcmp(key_path + kl - 4, ".key") == 0)
        kl -= 4;
    int n = snprintf(out, cap, "%.*s.%s.signed", (int)kl, key_path, hex);
    return n < 0 || (size_t)n >= cap ? SP_ERR_BUFFER_TOO_SMALL : SP_OK;
}

sp_err sp_equivocation_guard(const char *key_path, const uint8_t *text, size_t text_len,
                             int *is_statement, char *record_path, size_t cap)
{
    uint8_t rec[SP_MAX_STATEMENT_TEXT + 128];
    uint8_t fresh[SP_MAX_STATEMENT_TEXT + 128];
    char path[4096];
    sp_statement st;
    size_t rec_len, fresh_len;
    sp_err e;

    *is_statement = 0;
    if (sp_statement_parse(&st, text, text_len, NULL) != SP_OK)
        return SP_OK; /* not a statement: nothing to guard */
    *is_statement = 1;
    if ((e = record_path_for(key_path, &st, path, sizeof path)) != SP_OK)
        return e;
    if (record_path != NULL)
        snprintf(record_path, cap, "%s", path);

    e = sp_file_read(path, rec, sizeof rec, &rec_len);
    if (e == SP_OK) {
        /* Parse the record: magic, "epoch N", then the text last signed. */
        size_t ml = sizeof RECORD_MAGIC - 1, p = ml;
        uint64_t last;
        if (rec_len < ml + 8 || memcmp(rec, RECORD_MAGIC, ml) != 0 || memcmp(rec + p, "epoch ", 6) != 0)
            return SP_ERR_FILE_FORMAT;
        p += 6;
        size_t q = p;
        while (q < rec_len && rec[q] != '\n')
            q++;
        if (q >= rec_len || sp_decimal_parse(&last, (const char *)rec + p, q - p, SP_MAX_EPOCH) != SP_OK)
            return SP_ERR_FILE_FORMAT;
        const uint8_t *last_text = rec + q + 1;
        size_t last_len = rec_len - (q + 1);
        if (st.epoch < last)
            return SP_ERR_EQUIVOCATION;
        if (st.epoch == last)
            return last_len == text_len && memcmp(last_text, text, text_len) == 0
                       ? SP_OK
                       : SP_ERR_EQUIVOCATION;
    } else if (e != SP_ERR_IO || sp_file_exists(path)) {
        return e == SP_ERR_BUFFER_TOO_SMALL ? SP_ERR_FILE_FORMAT : e;
    }

    int n = snprintf((char *)fresh, sizeof fresh, RECORD_MAGIC "epoch %llu\n",
                     (unsigned long long)st.epoch);
    if (n < 0 || (size_t)n + text_len > sizeof fresh)
        return SP_ERR_BUFFER_TOO_SMALL;
    memcpy(fresh + n, text, text_len);
    fresh_len = (size_t)n + text_len;
    return sp_file_write_atomic(path, fresh, fresh_len, 0600, 1);
}

/* ---- collect ------------------------------------------------------------------------ */

/* Index of the policy signer with this line's name and key ID, or -1. */
static int signer_of_line(const sp_policy *policy, const sp_note *note, const sp_note_sig *s)
{
    for (uint32_t i = 0; i < policy->signer_count; i++) {
        const sp_vkey *k = &policy->signers[i].key;
        if (k->key_id == s->key_id && k->name_len == s->name_len &&
            memcmp(k->name, note->bytes + s->name_offset, s->name_len) == 0)
            return (int)i;
    }
    return -1;
}

sp_err sp_collect(const sp_policy *policy, const uint8_t *const *notes, const size_t *lens,
                  size_t n, uint8_t *out, size_t cap, size_t *out_len, sp_collect_result *result,
                  size_t *bad_input, uint32_t *err_line)
{
    sp_note note;
    sp_quorum_report report;
    sp_statement st;
    uint8_t have_keys[SP_MAX_SIGNERS][32];
    uint32_t nkeys = 0;
    size_t pos = 0, text_len = 0;
    sp_err e;

    memset(result, 0, sizeof *result);
    *out_len = 0;
    *bad_input = 0;
    if (n == 0)
        return SP_ERR_ARGUMENT;
    for (size_t i = 0; i < n; i++) {
        *bad_input = i;
        e = sp_statement_verify(policy, notes[i], lens[i], sp_sodium_crypto(), &note, &st,
                                &report, err_line);
        /* Each copy usually carries only part of the quorum: that is what collect is for. */
        if (e != SP_OK && e != SP_ERR_QUORUM_NOT_MET && e != SP_ERR_QUORUM_KEY_COUNTED_TWICE)
            return e;
        if (i == 0) {
            text_len = note.text_len;
            if ((e = put(out, cap, &pos, notes[0], text_len + 1)) != SP_OK)
                return e;
        } else if (note.text_len != text_len || memcmp(notes[i], notes[0], text_len) != 0) {
            return SP_ERR_COLLECT_MISMATCH;
        }
        for (uint32_t l = 0; l < note.sig_count; l++) {
            const sp_note_sig *s = &note.sigs[l];
            uint8_t status = report.line_status[l];
            if (status == SP_LINE_UNKNOWN) {
                result->unknown++;
                continue;
            }
            if (status == SP_LINE_INVALID) {
                result->invalid++;
                continue;
            }
            int who = signer_of_line(policy, &note, s);
            if (who < 0)
                return SP_ERR_ARGUMENT; /* verified lines always match a signer */
            const uint8_t *pk = policy->signers[who].key.public_key;
            int dup = 0;
            for (uint32_t k = 0; k < nkeys; k++)
                dup |= memcmp(have_keys[k], pk, 32) == 0;
            if (dup) {
                result->duplicates++;
                continue;
            }
            memcpy(have_keys[nkeys++], pk, 32);
            if ((e = put(out, cap, &pos, notes[i] + s->line_offset, s->line_len + 1u)) != SP_OK)
                return e;
            result->merged++;
        }
    }
    *bad_input = 0;
    if (result->merged == 0)
        return SP_ERR_NOTE_UNVERIFIED;
    *out_len = pos;
    return SP_OK;
}
