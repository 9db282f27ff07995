/*
 * update.c -- quorum-signed policy updates: parse, invariants, verify (update.h,
 * protocol.md section 18).
 *
 * The text of the signed note:
 *
 *   softpause/v1 policy-update example.org/fleet        line 1  header
 *   policy 3f1c...e9                                    line 2  current policy hash
 *   version 2                                           line 3  new version = current + 1
 *   new-policy 8a0b...41                                line 4  hash of the carried bytes
 *   time-reset                                          line 5  optional
 *   softpause-policy/v1                                 line 5 or 6: the new policy,
 *   deployment example.org/fleet                        canonical bytes, verbatim, to the
 *   ...                                                 end of the text
 *   <blank line, then "— name base64" signature lines: the note envelope, note.c>
 *
 * Reuse, not copies: the note envelope is note.c's, the hash lines and the signature tally
 * (every line naming a signer verified; distinct keys; the "counted twice" refinement) are
 * statement.c's, the carried policy is parsed and validated by policy.c, and the quorums are
 * quorum.c's sp_quorum_evaluate and witness_policy.c's sp_wpolicy_quorum_met.  The tally
 * runs twice (current policy, then new); the second reuses the first's result for every
 * line it already checked with the same public key, so each line is verified once per key.
 *
 * The second sp_policy lives in the caller's sp_update_result; nothing here is larger than
 * a few hundred bytes of stack.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "softpause/encoding.h"
#include "softpause/note.h"
#include "softpause/policy.h"
#include "softpause/statement.h"
#include "softpause/update.h"

#include "policy_internal.h"
#include "text.h"

#define HEADER_PREFIX SP_STATEMENT_PREFIX "v1 policy-update "
#define LIT_LEN(lit) (sizeof(lit) - 1u)

/* The next LF-terminated line from *pos, or 0 if none is left (or it lacks its LF). */
static int take_line(const uint8_t *text, size_t len, size_t *pos, sp_span *line)
{
    return *pos < len && sp_text_next_line(text, len, pos, line) == SP_OK;
}

static int line_is(const uint8_t *text, const sp_span *l, const char *lit, size_t n)
{
    return sp_text_equal(text + l->off, l->len, (const uint8_t *)lit, n);
}

/* One header line (lines 1..5); the line number is the caller's. */
static int parse_line(sp_update *u, uint32_t line_no, const uint8_t *s, size_t n)
{
    switch (line_no) {
    case 1:
        if (n < LIT_LEN(HEADER_PREFIX) || memcmp(s, HEADER_PREFIX, LIT_LEN(HEADER_PREFIX)) != 0 ||
            !sp_deployment_valid(s + LIT_LEN(HEADER_PREFIX), n - LIT_LEN(HEADER_PREFIX)))
            return 0;
        memcpy(u->deployment, s + LIT_LEN(HEADER_PREFIX), n - LIT_LEN(HEADER_PREFIX));
        return 1;
    case 2:
        return sp_hash_line_parse(u->policy_hash, s, n, "policy ", LIT_LEN("policy "));
    case 3:
        return n > LIT_LEN("version ") && memcmp(s, "version ", LIT_LEN("version ")) == 0 &&
               sp_decimal_parse(&u->version, (const char *)s + LIT_LEN("version "),
                                n - LIT_LEN("version "), SP_MAX_EPOCH) == SP_OK &&
               u->version >= 1;
    default:
        return sp_hash_line_parse(u->new_policy_hash, s, n, "new-policy ",
                                  LIT_LEN("new-policy "));
    }
}

sp_err sp_update_parse(sp_update *out, const uint8_t *text, size_t len, uint32_t *err_line)
{
    sp_span line = {0, 0};
    size_t pos = 0;
    uint32_t line_no = 0;
    int ok = 1;

    if (err_line != NULL)
        *err_line = 0;
    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (text == NULL && len != 0)
        return SP_ERR_ARGUMENT;

    while (ok && line_no < 4) {
        line_no++;
        ok = take_line(text, len, &pos, &line) &&
             parse_line(out, line_no, text + line.off, line.len);
    }
    if (ok) { /* line 5: `time-reset` or the carried policy's magic line */
        line_no++;
        ok = take_line(text, len, &pos, &line);
        if (ok && line_is(text, &line, "time-reset", LIT_LEN("time-reset"))) {
            out->time_reset = 1;
            line_no++;
            ok = take_line(text, len, &pos, &line);
        }
        ok = ok && line_is(text, &line, SP_POLICY_MAGIC_LINE, LIT_LEN(SP_POLICY_MAGIC_LINE));
    }
    if (!ok) {
        memset(out, 0, sizeof *out);
        if (err_line != NULL)
            *err_line = line_no;
        return SP_ERR_UPDATE_FORMAT;
    }
    out->policy_line = line_no;
    out->policy_offset = line.off;
    out->policy_len = len - line.off;
    return SP_OK;
}

/* ---- invariants --------------------------------------------------------------------- */

static int old_in_range(const sp_policy *p)
{
    if (p->tag_count > SP_MAX_TAGS || p->rule_count > SP_MAX_RULES ||
        p->signer_count > SP_MAX_SIGNERS)
        return 0;
    for (uint32_t r = 0; r < p->rule_count; r++)
        if (p->rules[r].kind == SP_SET_TAG && p->rules[r].tag >= p->tag_count)
            return 0;
    return 1;
}

static int same_tag(const sp_policy *a, uint32_t ta, const sp_policy *b, uint32_t tb)
{
    size_t la = sp_text_bounded_len(a->tags[ta], sizeof a->tags[ta]);
    size_t lb = sp_text_bounded_len(b->tags[tb], sizeof b->tags[tb]);
    return sp_text_equal((const uint8_t *)a->tags[ta], la, (const uint8_t *)b->tags[tb], lb);
}

/* Every `rule k tag T` of old appears again in next as `rule k' tag T`, k' >= 1. */
static int tag_rules_kept(const sp_policy *old, const sp_policy *next)
{
    for (uint32_t r = 0; r < old->rule_count; r++) {
        int found = 0;
        if (old->rules[r].kind != SP_SET_TAG)
            continue;
        for (uint32_t q = 0; q < next->rule_count && !found; q++)
            found = next->rules[q].kind == SP_SET_TAG && next->rules[q].k >= 1 &&
                    next->rules[q].tag < next->tag_count &&
                    same_tag(old, old->rules[r].tag, next, next->rules[q].tag);
        if (!found)
            return 0;
    }
    return 1;
}

/* The witness quorum is met by all witnesses, by all minus any one, and by no single one. */
static int witness_quorum_survives_loss(const sp_wpolicy *wp)
{
    uint32_t all = sp_low_mask(wp->witness_count);
    if (!sp_wpolicy_quorum_met(wp, all))
        return 0;
    for (uint32_t i = 0; i < wp->witness_count; i++)
        if (!sp_wpolicy_quorum_met(wp, all & ~((uint32_t)1 << i)) ||
            sp_wpolicy_quorum_met(wp, (uint32_t)1 << i))
            return 0;
    return 1;
}

sp_err sp_policy_update_check(const sp_policy *old, const sp_policy *next,
                              const sp_crypto *crypto)
{
    size_t lo, ln;
    sp_err e;

    if (old == NULL || next == NULL || !old_in_range(old))
        return SP_ERR_ARGUMENT;
    e = sp_policy_validate(next, crypto, NULL);
    if (e != SP_OK)
        return e;
    lo = sp_text_bounded_len(old->deployment, sizeof old->deployment);
    ln = sp_text_bounded_len(next->deployment, sizeof next->deployment);
    if (!sp_text_equal((const uint8_t *)old->deployment, lo, (const uint8_t *)next->deployment,
                       ln) ||
        old->genesis != next->genesis || old->epoch_length != next->epoch_length)
        return SP_ERR_UPDATE_IMMUTABLE;
    if (!tag_rules_kept(old, next))
        return SP_ERR_UPDATE_RULE_DROPPED;
    if (!witness_quorum_survives_loss(&next->witness))
        return SP_ERR_UPDATE_WITNESS_QUORUM;
    return SP_OK;
}

/* ---- verification ------------------------------------------------------------------- */

/* Steps 3-7: the header against the current policy, then the carried policy. */
SP_NOINLINE static sp_err check_header(const sp_policy *current, const sp_note *work,
                                       const sp_crypto *crypto, sp_update_result *out,
                                       uint32_t *err_line)
{
    const sp_update *u = &out->update;
    const uint8_t *carried = work->bytes + u->policy_offset;
    uint8_t hash[SP_SHA256_BYTES];
    size_t dl = sp_text_bounded_len(current->deployment, sizeof current->deployment);
    uint32_t pl = 0;
    sp_err e;

    *err_line = 1;
    if (!sp_text_equal((const uint8_t *)u->deployment,
                       sp_text_bounded_len(u->deployment, sizeof u->deployment),
                       (const uint8_t *)current->deployment, dl))
        return SP_ERR_STMT_DEPLOYMENT;
    *err_line = 3;
    if (u->version <= current->version)
        return SP_ERR_UPDATE_NOT_NEWER;
    if (u->version - current->version > 1)
        return SP_ERR_UPDATE_SKIPPED;
    *err_line = 2;
    if (memcmp(u->policy_hash, current->hash, SP_SHA256_BYTES) != 0)
        return SP_ERR_UPDATE_NOT_CURRENT;
    *err_line = 4;
    e = sp_policy_hash(hash, carried, u->policy_len, crypto);
    if (e != SP_OK)
        return e;
    if (memcmp(hash, u->new_policy_hash, SP_SHA256_BYTES) != 0)
        return SP_ERR_UPDATE_HASH;
    e = sp_policy_parse(&out->policy, carried, u->policy_len, crypto, &pl);
    if (e != SP_OK) {
        *err_line = pl == 0 ? u->policy_line : u->policy_line - 1u + pl;
        return e;
    }
    *err_line = 3;
    if (out->policy.version != u->version)
        return SP_ERR_UPDATE_FORMAT;
    *err_line = 0;
    return SP_OK;
}

/* Signer public keys of `next` that no signer of `current` carries (bit j: next signer j). */
static uint32_t added_keys(const sp_policy *current, const sp_policy *next)
{
    uint32_t added = 0;
    for (uint32_t j = 0; j < next->signer_count && j < SP_MAX_SIGNERS; j++) {
        int known = 0;
        for (uint32_t k = 0; k < current->signer_count && !known; k++)
            known = memcmp(current->signers[k].key.public_key, next->signers[j].key.public_key,
                           SP_ED25519_PUBLIC_KEY_BYTES) == 0;
        if (!known)
            added |= 1u << j;
    }
    return added;
}

/* Step 9: both tallies, both quorums, the counted-twice refinement, proof of possession. */
SP_NOINLINE static sp_err check_signatures(const sp_policy *current, const sp_note *work,
                                           const sp_crypto *crypto, const sp_policy *next,
                                           sp_update_report *report)
{
    sp_line_checks checks;
    uint32_t missing;
    sp_err e_old, e_new;

    e_old = sp_quorum_tally(current, work, crypto, NULL, NULL, &checks, &report->current);
    e_new = sp_quorum_tally(next, work, crypto, current, &checks, NULL, &report->next);
    if (e_old == SP_ERR_QUORUM_NOT_MET)
        return SP_ERR_UPDATE_OLD_QUORUM;
    if (e_new == SP_ERR_QUORUM_NOT_MET)
        return SP_ERR_UPDATE_NEW_QUORUM;
    if (e_old != SP_OK)
        return e_old;
    if (e_new != SP_OK)
        return e_new;
    missing = added_keys(current, next) & ~report->next.valid_signers;
    for (uint32_t j = 0; j < next->signer_count; j++) {
        if (missing & (1u << j)) {
            report->unsigned_signer = j;
            return SP_ERR_UPDATE_UNSIGNED_KEY;
        }
    }
    return SP_OK;
}

sp_err sp_update_verify(const sp_policy *current, const uint8_t *bytes, size_t len,
                        const sp_crypto *crypto, sp_note *work, sp_update_result *out,
                        sp_update_report *report, uint32_t *err_line)
{
    uint32_t line = 0;
    sp_err e;

    if (err_line != NULL)
        *err_line = 0;
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (report != NULL) {
        memset(report, 0, sizeof *report);
        report->current.failed_rule = UINT32_MAX;
        report->next.failed_rule = UINT32_MAX;
        report->unsigned_signer = UINT32_MAX;
    }
    if (current == NULL || (bytes == NULL && len != 0) || crypto == NULL ||
        crypto->ed25519_verify == NULL || crypto->sha256 == NULL ||
        crypto->ed25519_check_key == NULL || work == NULL || out == NULL || report == NULL ||
        !old_in_range(current))
        return SP_ERR_ARGUMENT;

    /* 1. note syntax */
    e = sp_note_parse(work, bytes, len, &line);
    if (e == SP_OK) {
        report->current.line_count = work->sig_count;
        report->next.line_count = work->sig_count;
    }
    /* 2. the header lines */
    if (e == SP_OK)
        e = sp_update_parse(&out->update, work->bytes, work->text_len, &line);
    /* 3-7. deployment, version, current hash, new hash, the carried policy */
    if (e == SP_OK)
        e = check_header(current, work, crypto, out, &line);
    /* 8. the invariants */
    if (e == SP_OK)
        e = sp_policy_update_check(current, &out->policy, crypto);
    /* 9. signatures and quorums */
    if (e == SP_OK)
        e = check_signatures(current, work, crypto, &out->policy, report);
    if (e != SP_OK) {
        memset(out, 0, sizeof *out);
        if (err_line != NULL)
            *err_line = line;
        return e;
    }
    return SP_OK;
}

/* "<label><64 lower-case hex>\n" into w (label includes its space). */
static sp_err put_hash_line(sp_writer *w, const char *label, size_t label_len,
                            const uint8_t hash[SP_SHA256_BYTES])
{
    char hex[2u * SP_SHA256_BYTES];
    sp_err e = sp_hex_encode(hex, sizeof hex, hash, SP_SHA256_BYTES);
    if (e != SP_OK)
        return e;
    sp_writer_put(w, label, label_len);
    sp_writer_put(w, hex, sizeof hex);
    sp_writer_put(w, "\n", 1u);
    return SP_OK;
}

sp_err sp_update_format(const sp_policy *current, const sp_policy *next,
                        const uint8_t *next_bytes, size_t next_len, uint32_t time_reset,
                        uint8_t *out, size_t cap, size_t *out_len)
{
    size_t dl;
    sp_writer w;
    sp_err e;

    if (out_len != NULL)
        *out_len = 0;
    if (current == NULL || next == NULL || (next_bytes == NULL && next_len != 0) ||
        out == NULL || out_len == NULL || time_reset > 1u)
        return SP_ERR_ARGUMENT;
    dl = sp_text_bounded_len(current->deployment, sizeof current->deployment);
    if (next_len > SP_MAX_NOTE_BYTES || dl > SP_MAX_DEPLOYMENT_BYTES)
        return SP_ERR_UPDATE_TOO_LARGE;
    sp_writer_init(&w, out, cap < SP_MAX_NOTE_BYTES ? cap : SP_MAX_NOTE_BYTES);
    sp_writer_put(&w, HEADER_PREFIX, sizeof HEADER_PREFIX - 1u);
    sp_writer_put(&w, current->deployment, dl);
    sp_writer_put(&w, "\n", 1u);
    e = put_hash_line(&w, "policy ", 7u, current->hash);
    sp_writer_put(&w, "version ", 8u);
    sp_writer_decimal(&w, next->version);
    sp_writer_put(&w, "\n", 1u);
    if (e == SP_OK)
        e = put_hash_line(&w, "new-policy ", 11u, next->hash);
    if (time_reset)
        sp_writer_put(&w, "time-reset\n", 11u);
    sp_writer_put(&w, next_bytes, next_len);
    if (e == SP_OK)
        e = sp_writer_finish(&w, out_len);
    /* Past the note limit is the update's own refusal, whatever the buffer. */
    if (e == SP_ERR_BUFFER_TOO_SMALL && cap >= SP_MAX_NOTE_BYTES)
        e = SP_ERR_UPDATE_TOO_LARGE;
    if (e != SP_OK) {
        memset(out, 0, cap);
        *out_len = 0;
    }
    return e;
}
