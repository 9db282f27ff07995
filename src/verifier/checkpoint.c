/*
 * checkpoint.c -- C2SP tlog-checkpoint notes and tlog-cosignature (cosignature/v1)
 * verification (contract: softpause/checkpoint.h).
 *
 *   note text    <origin>\n <size>\n <base64 root>\n [<extension>\n]*
 *   log line     — <origin> base64( keyID[4] || Ed25519 sig[64] )           key type 0x01
 *   cosig line   — <witness key name> base64( keyID[4] || time[8] || sig[64] )  type 0x04
 *   cosigned     "cosignature/v1\n" "time " <decimal time> "\n" <note text>
 *
 * The note syntax is note.c's; this file adds the checkpoint meaning.  The log signature
 * is checked as Go's note.Open checks a known key: the first line with the log's name and
 * key ID decides, a bad one rejects the note.  Cosignature lines are matched to policy
 * witnesses by name and 0x04 key ID; unlike note.Open, a second line of one witness is an
 * error (SP_ERR_COSIG_DUPLICATE) rather than skipped, so a witness can never be counted
 * twice and a bundle carrying two differing cosignatures of one witness is visibly wrong.
 * Lines of keys the policy does not know are ignored (counted in the result): a checkpoint
 * may carry cosignatures for other verifiers' policies.
 *
 * The cosigned message is built in the caller's sp_checkpoint_work (it is up to 1 KiB);
 * this file's frames hold only a 72-byte payload.
 */
#include "softpause/checkpoint.h"

#include <string.h>

#include "softpause/encoding.h"
#include "bits.h"
#include "text.h"

_Static_assert(SP_MAX_COSIGNED_MESSAGE_BYTES >=
                   SP_MAX_CHECKPOINT_TEXT_BYTES + sizeof SP_COSIGNATURE_HEADER - 1u + 5u + 20u +
                       1u,
               "the cosigned message of the largest checkpoint fits the work buffer");
_Static_assert(SP_MAX_SIG_LINES <= 32u, "seen-line masks are 32-bit");

#define LOG_PAYLOAD_BYTES (4u + SP_ED25519_SIGNATURE_BYTES)
#define COSIG_LINE_PAYLOAD_BYTES (4u + SP_COSIGNATURE_PAYLOAD_BYTES)
#define MAX_SIZE (((uint64_t)1 << 63) - 1u)

/* Decimal field up to max, any failure being a checkpoint format error. */
static sp_err parse_decimal_line(const uint8_t *p, size_t n, uint64_t *v)
{
    return sp_decimal_parse(v, (const char *)p, n, MAX_SIZE) == SP_OK ? SP_OK
                                                                      : SP_ERR_CKPT_FORMAT;
}

sp_err sp_checkpoint_parse_text(sp_checkpoint *out, const uint8_t *text, size_t len)
{
    sp_span origin, size, root;
    size_t pos = 0, n = 0;
    uint32_t line;
    sp_err e;

    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (text == NULL && len != 0)
        return SP_ERR_ARGUMENT;
    /* Byte rules of a note text: UTF-8, no control characters, final '\n', no blank line
     * (so every extension line is non-empty). */
    if (len > SP_MAX_CHECKPOINT_TEXT_BYTES || sp_note_text_check(text, len, &line) != SP_OK)
        return SP_ERR_CKPT_FORMAT;
    e = sp_text_next_line(text, len, &pos, &origin);
    if (e == SP_OK && pos < len)
        e = sp_text_next_line(text, len, &pos, &size);
    else
        e = SP_ERR_CKPT_FORMAT;
    if (e == SP_OK && pos < len)
        e = sp_text_next_line(text, len, &pos, &root);
    else
        e = SP_ERR_CKPT_FORMAT;
    /* The origin is the log key's name (tlog-policy), so it obeys the key name rules. */
    if (e == SP_OK)
        e = sp_text_name_check(text + origin.off, origin.len, SP_MAX_NAME_BYTES,
                               SP_ERR_CKPT_FORMAT);
    if (e == SP_OK)
        e = parse_decimal_line(text + size.off, size.len, &out->size);
    if (e == SP_OK && (sp_base64_decode(out->root, sizeof out->root, &n,
                                        (const char *)text + root.off, root.len) != SP_OK ||
                       n != SP_SHA256_BYTES))
        e = SP_ERR_CKPT_FORMAT;
    if (e != SP_OK) {
        memset(out, 0, sizeof *out);
        return SP_ERR_CKPT_FORMAT;
    }
    memcpy(out->origin, text + origin.off, origin.len);
    out->origin[origin.len] = '\0';
    out->origin_len = origin.len;
    out->text_len = len;
    return SP_OK;
}

sp_err sp_checkpoint_format_text(const sp_checkpoint *cp, uint8_t *out, size_t cap,
                                 size_t *out_len)
{
    sp_writer w;

    if (out_len != NULL)
        *out_len = 0;
    if (cp == NULL || out_len == NULL || (out == NULL && cap != 0))
        return SP_ERR_ARGUMENT;
    if (cp->origin_len > SP_MAX_NAME_BYTES || cp->size > MAX_SIZE ||
        sp_text_name_check((const uint8_t *)cp->origin, cp->origin_len, SP_MAX_NAME_BYTES,
                           SP_ERR_CKPT_FORMAT) != SP_OK)
        return SP_ERR_CKPT_FORMAT;
    sp_writer_init(&w, out, cap);
    sp_writer_put(&w, cp->origin, cp->origin_len);
    sp_writer_put(&w, "\n", 1);
    sp_writer_decimal(&w, cp->size);
    sp_writer_put(&w, "\n", 1);
    sp_writer_base64(&w, cp->root, sizeof cp->root);
    sp_writer_put(&w, "\n", 1);
    return sp_writer_finish(&w, out_len);
}

sp_err sp_cosignature_message(uint8_t *out, size_t cap, size_t *out_len, uint64_t timestamp,
                              const uint8_t *text, size_t text_len)
{
    sp_writer w;

    if (out_len != NULL)
        *out_len = 0;
    if (out_len == NULL || (out == NULL && cap != 0) || (text == NULL && text_len != 0))
        return SP_ERR_ARGUMENT;
    sp_writer_init(&w, out, cap);
    sp_writer_put(&w, SP_COSIGNATURE_HEADER, sizeof SP_COSIGNATURE_HEADER - 1u);
    sp_writer_put(&w, "time ", 5);
    sp_writer_decimal(&w, timestamp);
    sp_writer_put(&w, "\n", 1);
    sp_writer_put(&w, text, text_len);
    return sp_writer_finish(&w, out_len);
}

/* 1 iff signature line i carries key k's name and key ID.  (A name_len beyond the name
 * array, possible only in a caller-built struct, matches nothing: never read past it.) */
static int line_is(const sp_note *note, uint32_t i, const sp_vkey *k)
{
    const sp_note_sig *s = &note->sigs[i];
    return s->key_id == k->key_id && k->name_len <= SP_MAX_NAME_BYTES &&
           sp_text_equal(note->bytes + s->name_offset, s->name_len, (const uint8_t *)k->name,
                         k->name_len);
}

/* Verify line i as an Ed25519 note signature by key k over the note text. */
SP_NOINLINE static int log_line_valid(const sp_note *note, uint32_t i, const sp_vkey *k,
                                      const sp_crypto *crypto)
{
    uint8_t sig[SP_ED25519_SIGNATURE_BYTES];
    size_t n = 0;

    if (note->sigs[i].payload_len != LOG_PAYLOAD_BYTES ||
        sp_note_sig_bytes(note, i, sig, sizeof sig, &n) != SP_OK || n != sizeof sig)
        return 0;
    return crypto->ed25519_verify(crypto->ctx, sig, note->bytes, note->text_len,
                                  k->public_key) == 0;
}

/* Parse the note and its text into work->note and *out, and find the signing log.  The
 * shared first half of both verifiers. */
static sp_err verify_log_impl(const sp_wlog *logs, size_t nlogs, const uint8_t *bytes,
                              size_t len, const sp_crypto *crypto, sp_checkpoint_work *work,
                              sp_checkpoint *out, uint32_t *log_index)
{
    const sp_note *note = &work->note;
    int known_origin = 0;
    sp_err e;

    *log_index = UINT32_MAX;
    e = sp_note_parse(&work->note, bytes, len, NULL);
    if (e != SP_OK)
        return e;
    e = sp_checkpoint_parse_text(out, bytes, note->text_len);
    if (e != SP_OK)
        return e;
    /* Logs sharing the origin (a key rotation) are tried in policy order. */
    for (size_t l = 0; l < nlogs; l++) {
        const sp_vkey *k = &logs[l].key;
        if (k->name_len > SP_MAX_NAME_BYTES ||
            !sp_text_equal((const uint8_t *)k->name, k->name_len,
                           (const uint8_t *)out->origin, out->origin_len))
            continue;
        known_origin = 1;
        for (uint32_t i = 0; i < note->sig_count; i++) {
            if (!line_is(note, i, k))
                continue;
            /* The first line of a known key decides (Go's note.Open). */
            if (!log_line_valid(note, i, k, crypto))
                return SP_ERR_CKPT_LOG_SIGNATURE;
            *log_index = (uint32_t)l;
            return SP_OK;
        }
    }
    return known_origin ? SP_ERR_CKPT_LOG_SIGNATURE : SP_ERR_CKPT_ORIGIN;
}

static int crypto_ok(const sp_crypto *crypto)
{
    return crypto != NULL && crypto->ed25519_verify != NULL && crypto->sha256 != NULL;
}

sp_err sp_checkpoint_verify_log(const sp_wlog *logs, size_t nlogs, const uint8_t *note,
                                size_t len, const sp_crypto *crypto, sp_checkpoint_work *work,
                                sp_checkpoint *out, uint32_t *log_index)
{
    sp_err e;

    if (log_index != NULL)
        *log_index = UINT32_MAX;
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (out == NULL || log_index == NULL || work == NULL || !crypto_ok(crypto) ||
        (logs == NULL && nlogs != 0) || nlogs > SP_MAX_LOGS || (note == NULL && len != 0))
        return SP_ERR_ARGUMENT;
    e = verify_log_impl(logs, nlogs, note, len, crypto, work, out, log_index);
    if (e != SP_OK) {
        memset(out, 0, sizeof *out);
        *log_index = UINT32_MAX;
    }
    return e;
}

/* The policy witness whose key signs line i, or UINT32_MAX. */
static uint32_t witness_of_line(const sp_wpolicy *wp, const sp_note *note, uint32_t i)
{
    for (uint32_t w = 0; w < wp->witness_count; w++)
        if (line_is(note, i, &wp->witnesses[w].key))
            return w;
    return UINT32_MAX;
}

static int log_of_line(const sp_wpolicy *wp, const sp_note *note, uint32_t i)
{
    for (uint32_t l = 0; l < wp->log_count; l++)
        if (line_is(note, i, &wp->logs[l].key))
            return 1;
    return 0;
}

/* Check cosignature line i of witness w: payload, time, signature over the cosigned
 * message (built in work->msg).  *time gets the timestamp. */
SP_NOINLINE static sp_err check_cosignature(const sp_witness *w, sp_checkpoint_work *work,
                                            uint32_t i, const sp_crypto *crypto,
                                            uint64_t *time)
{
    const sp_note *note = &work->note;
    uint8_t payload[SP_COSIGNATURE_PAYLOAD_BYTES];
    uint64_t t = 0;
    size_t n = 0, msg_len = 0;
    sp_err e;

    *time = 0;
    e = sp_note_sig_bytes(note, i, payload, sizeof payload, &n);
    if (e != SP_OK || n != sizeof payload)
        return SP_ERR_COSIG_FORMAT;
    for (size_t b = 0; b < 8; b++)
        t = t << 8 | payload[b];
    if (t == 0)
        return SP_ERR_COSIG_TIME_ZERO;
    if (t >= SP_COSIG_TIME_LIMIT)
        return SP_ERR_COSIG_TIME_RANGE;
    e = sp_cosignature_message(work->msg, sizeof work->msg, &msg_len, t, note->bytes,
                               note->text_len);
    if (e != SP_OK)
        return e;
    if (crypto->ed25519_verify(crypto->ctx, payload + 8, work->msg, msg_len,
                               w->key.public_key) != 0)
        return SP_ERR_COSIG_INVALID;
    *time = t;
    return SP_OK;
}

/* Every cosignature line of a policy witness, in line order; the first error wins. */
SP_NOINLINE static sp_err check_cosignatures(const sp_wpolicy *wp, sp_checkpoint_work *work,
                                             const sp_crypto *crypto,
                                             sp_checkpoint_result *r)
{
    const sp_note *note = &work->note;
    uint32_t seen = 0;

    for (uint32_t i = 0; i < note->sig_count; i++) {
        uint32_t w = witness_of_line(wp, note, i);
        uint64_t t = 0;
        sp_err e;

        if (w == UINT32_MAX) {
            if (!log_of_line(wp, note, i))
                r->unknown_lines++;
            continue;
        }
        if (note->sigs[i].payload_len != COSIG_LINE_PAYLOAD_BYTES)
            return SP_ERR_COSIG_FORMAT;
        if ((seen >> w) & 1u)
            return SP_ERR_COSIG_DUPLICATE;
        seen |= (uint32_t)1 << w;
        e = check_cosignature(&wp->witnesses[w], work, i, crypto, &t);
        if (e != SP_OK)
            return e;
        r->cosigned |= (uint32_t)1 << w;
        r->cosig_time[w] = t;
    }
    return SP_OK;
}

sp_err sp_checkpoint_verify_witnessed(const sp_wpolicy *wp, const uint8_t *note, size_t len,
                                      const sp_crypto *crypto, sp_checkpoint_work *work,
                                      sp_checkpoint *out, sp_checkpoint_result *result)
{
    sp_err e;

    if (result != NULL) {
        memset(result, 0, sizeof *result);
        result->log_index = UINT32_MAX;
    }
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (wp == NULL || out == NULL || result == NULL || work == NULL || !crypto_ok(crypto) ||
        (note == NULL && len != 0) || wp->log_count > SP_MAX_LOGS ||
        wp->witness_count > SP_MAX_WITNESSES || wp->group_count > SP_MAX_WITNESS_GROUPS)
        return SP_ERR_ARGUMENT;
    e = verify_log_impl(wp->logs, wp->log_count, note, len, crypto, work, out,
                        &result->log_index);
    if (e == SP_OK)
        e = check_cosignatures(wp, work, crypto, result);
    if (e == SP_OK) {
        result->quorum_met = (uint32_t)sp_wpolicy_quorum_met(wp, result->cosigned);
        if (!result->quorum_met)
            e = SP_ERR_WITNESS_QUORUM;
    }
    if (e == SP_OK)
        e = sp_wpolicy_quorum_time(wp, result->cosigned, result->cosig_time,
                                   &result->quorum_time);
    if (e != SP_OK) {
        memset(out, 0, sizeof *out);
        result->quorum_met = 0;
        result->quorum_time = 0;
    }
    return e;
}
