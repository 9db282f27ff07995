/*
 * statement.c -- the weekly authorisation statement: parse, format, check, verify.
 *
 * A statement is the text of a C2SP signed note, exactly five LF-terminated lines:
 *
 *   softpause/v1 authorisation example.org/fleet        header: version, type, deployment
 *   policy 3f1c...e9 (64 lower-case hex)               which policy (its hash)
 *   epoch 42                                           0..2^53, strictly increasing on a device
 *   start 1761004800                                   = genesis + epoch * epoch-length
 *   mode run | mode throttle 250 | mode pause          permille 1..999
 *   <blank line, then "— name base64" signature lines: the note envelope, note.c>
 *
 * First-line precedence is deliberate (domain separation, brief §4): a text that does not
 * start with "softpause/" is not a statement at all (SP_ERR_STMT_HEADER) -- that is what a
 * C2SP checkpoint ("example.org/log\n42\n<hash>\n") gets, so a cosigned checkpoint can never
 * be mistaken for an authorisation; then the protocol version (SP_ERR_STMT_VERSION), then
 * the type (SP_ERR_STMT_TYPE, or SP_ERR_STMT_WRONG_TYPE for the reserved "policy-update").
 * Everything else that deviates is SP_ERR_STMT_FORMAT (SP_ERR_STMT_MODE for the mode line).
 * Parsing is canonical-only: sp_statement_format(sp_statement_parse(t)) == t byte for byte.
 *
 * Verification is not Go's note.Open (statement.h): every line naming a policy signer is
 * verified, bad and unknown lines are reported and ignored (a relay that appends junk cannot
 * veto a statement), and the quorum counts distinct public keys (quorum.c).  The statement
 * names no device (R4): nothing here reads device state.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "softpause/encoding.h"
#include "softpause/note.h"
#include "softpause/policy.h"
#include "softpause/statement.h"

#include "policy_internal.h"
#include "text.h"

#define PREFIX_LEN (sizeof SP_STATEMENT_PREFIX - 1u)

typedef struct line_cursor {
    const uint8_t *text;
    size_t len;
    size_t pos;
    uint32_t line_no;
} line_cursor;

/* Next LF-terminated line (without its LF).  SP_ERR_STMT_FORMAT if none is left or the
 * last one lacks its newline: a missing line and a truncated line are the same fault. */
static sp_err next_line(line_cursor *c, const uint8_t **line, size_t *n)
{
    size_t start = c->pos;
    c->line_no++;
    if (c->pos >= c->len)
        return SP_ERR_STMT_FORMAT;
    while (c->pos < c->len && c->text[c->pos] != '\n')
        c->pos++;
    if (c->pos == c->len)
        return SP_ERR_STMT_FORMAT;
    *line = c->text + start;
    *n = c->pos - start;
    c->pos++;
    return SP_OK;
}

static int has_prefix(const uint8_t *s, size_t n, const char *prefix, size_t plen)
{
    return n >= plen && memcmp(s, prefix, plen) == 0;
}

static int equals(const uint8_t *s, size_t n, const char *lit, size_t llen)
{
    return n == llen && memcmp(s, lit, llen) == 0;
}

#define EQUALS(s, n, lit) equals((s), (n), (lit), sizeof(lit) - 1u)
#define HAS_PREFIX(s, n, lit) has_prefix((s), (n), (lit), sizeof(lit) - 1u)

static size_t bounded_len(const char *s, size_t cap)
{
    size_t n = 0;
    while (n < cap && s[n] != '\0')
        n++;
    return n;
}

/* "softpause/v1 authorisation <deployment>" -- see the precedence note at the top. */
SP_NOINLINE static sp_err parse_header(sp_statement *st, const uint8_t *text, size_t len)
{
    const uint8_t *p;
    size_t n = 0, i = 0, tok;

    if (!has_prefix(text, len, SP_STATEMENT_PREFIX, PREFIX_LEN))
        return SP_ERR_STMT_HEADER;
    while (n < len && text[n] != '\n')
        n++;
    p = text + PREFIX_LEN;
    n -= PREFIX_LEN;

    /* version token */
    while (i < n && p[i] != ' ')
        i++;
    if (!EQUALS(p, i, "v1"))
        return SP_ERR_STMT_VERSION;
    if (i == n)
        return SP_ERR_STMT_FORMAT;
    p += i + 1;
    n -= i + 1;

    /* type token */
    tok = 0;
    while (tok < n && p[tok] != ' ')
        tok++;
    if (EQUALS(p, tok, "policy-update"))
        return SP_ERR_STMT_WRONG_TYPE;
    if (!EQUALS(p, tok, "authorisation"))
        return SP_ERR_STMT_TYPE;
    if (tok == n)
        return SP_ERR_STMT_FORMAT;
    p += tok + 1;
    n -= tok + 1;

    /* deployment: the rest of the line */
    if (!sp_deployment_valid(p, n))
        return SP_ERR_STMT_FORMAT;
    st->type = SP_STMT_AUTHORISATION;
    memcpy(st->deployment, p, n);
    return SP_OK;
}

/* "<keyword> <canonical decimal>"; overflow of uint64 is reported as `range_err`. */
static sp_err parse_number_line(const uint8_t *line, size_t n, const char *kw, size_t kwlen,
                                uint64_t *out, sp_err range_err)
{
    sp_err e;
    if (!has_prefix(line, n, kw, kwlen))
        return SP_ERR_STMT_FORMAT;
    e = sp_decimal_parse(out, (const char *)line + kwlen, n - kwlen, UINT64_MAX);
    if (e == SP_OK)
        return SP_OK;
    *out = 0;
    return e == SP_ERR_NUMBER_RANGE ? range_err : SP_ERR_STMT_FORMAT;
}

int sp_hash_line_parse(uint8_t out[SP_SHA256_BYTES], const uint8_t *line, size_t n,
                       const char *kw, size_t kwlen)
{
    const uint8_t *hex;
    if (!has_prefix(line, n, kw, kwlen) || n != kwlen + 2u * SP_SHA256_BYTES)
        return 0;
    hex = line + kwlen;
    /* Lower case only: sp_hex_decode also takes upper case, which would give one hash two
     * spellings. */
    for (size_t i = 0; i < 2u * SP_SHA256_BYTES; i++)
        if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
            return 0;
    return sp_hex_decode(out, SP_SHA256_BYTES, (const char *)hex, 2u * SP_SHA256_BYTES) ==
           SP_OK;
}

static sp_err parse_policy_line(sp_statement *st, const uint8_t *line, size_t n)
{
    return sp_hash_line_parse(st->policy_hash, line, n, "policy ", 7) ? SP_OK
                                                                        : SP_ERR_STMT_FORMAT;
}

static sp_err parse_mode_line(sp_statement *st, const uint8_t *line, size_t n)
{
    uint64_t p = 0;
    if (!HAS_PREFIX(line, n, "mode "))
        return SP_ERR_STMT_FORMAT;
    line += 5;
    n -= 5;
    if (EQUALS(line, n, "run")) {
        st->mode = SP_MODE_RUN;
        return SP_OK;
    }
    if (EQUALS(line, n, "pause")) {
        st->mode = SP_MODE_PAUSE;
        return SP_OK;
    }
    if (!HAS_PREFIX(line, n, "throttle "))
        return SP_ERR_STMT_MODE;
    if (sp_decimal_parse(&p, (const char *)line + 9, n - 9, 999) != SP_OK || p < 1)
        return SP_ERR_STMT_MODE;
    st->mode = SP_MODE_THROTTLE;
    st->permille = (uint32_t)p;
    return SP_OK;
}

sp_err sp_statement_parse(sp_statement *out, const uint8_t *text, size_t len, uint32_t *err_line)
{
    line_cursor c;
    const uint8_t *line = NULL;
    size_t n = 0;
    sp_err e;

    if (err_line != NULL)
        *err_line = 0;
    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (text == NULL && len != 0)
        return SP_ERR_ARGUMENT;

    c.text = text;
    c.len = len;
    c.pos = 0;
    c.line_no = 0;

    e = parse_header(out, text, len);
    if (e == SP_OK)
        e = next_line(&c, &line, &n);
    if (e == SP_OK)
        e = next_line(&c, &line, &n);
    if (e == SP_OK)
        e = parse_policy_line(out, line, n);
    if (e == SP_OK)
        e = next_line(&c, &line, &n);
    if (e == SP_OK)
        e = parse_number_line(line, n, "epoch ", 6, &out->epoch, SP_ERR_STMT_EPOCH_RANGE);
    if (e == SP_OK)
        e = next_line(&c, &line, &n);
    if (e == SP_OK)
        e = parse_number_line(line, n, "start ", 6, &out->start, SP_ERR_STMT_START_RANGE);
    if (e == SP_OK)
        e = next_line(&c, &line, &n);
    if (e == SP_OK)
        e = parse_mode_line(out, line, n);
    if (e == SP_OK && c.pos != c.len) { /* trailing lines or junk */
        c.line_no++;
        e = SP_ERR_STMT_FORMAT;
    }
    if (e != SP_OK) {
        memset(out, 0, sizeof *out);
        if (err_line != NULL)
            *err_line = c.line_no == 0 ? 1u : c.line_no;
        return e;
    }
    return SP_OK;
}

/* ---- formatting --------------------------------------------------------------------- */

static int mode_valid(const sp_statement *st)
{
    if (st->mode == SP_MODE_RUN || st->mode == SP_MODE_PAUSE)
        return st->permille == 0;
    if (st->mode == SP_MODE_THROTTLE)
        return st->permille >= 1 && st->permille <= 999;
    return 0;
}

#define W_LIT(w, lit) sp_writer_put((w), (lit), sizeof(lit) - 1u)

sp_err sp_statement_format(const sp_statement *st, uint8_t *out, size_t cap, size_t *out_len)
{
    char hex[2u * SP_SHA256_BYTES];
    size_t dl;
    sp_writer w;
    sp_err e;

    if (out_len != NULL)
        *out_len = 0;
    if (out != NULL && cap != 0)
        memset(out, 0, cap);
    if (st == NULL || out == NULL || out_len == NULL)
        return SP_ERR_ARGUMENT;
    if (st->type == SP_STMT_POLICY_UPDATE)
        return SP_ERR_STMT_WRONG_TYPE;
    if (st->type != SP_STMT_AUTHORISATION)
        return SP_ERR_STMT_TYPE;
    dl = bounded_len(st->deployment, sizeof st->deployment);
    if (!sp_deployment_valid((const uint8_t *)st->deployment, dl))
        return SP_ERR_STMT_FORMAT;
    if (st->epoch > SP_MAX_EPOCH)
        return SP_ERR_STMT_EPOCH_RANGE;
    if (st->start > SP_MAX_TIME)
        return SP_ERR_STMT_START_RANGE;
    if (!mode_valid(st))
        return SP_ERR_STMT_MODE;
    e = sp_hex_encode(hex, sizeof hex, st->policy_hash, SP_SHA256_BYTES);
    if (e != SP_OK)
        return e;

    sp_writer_init(&w, out, cap);
    W_LIT(&w, SP_STATEMENT_PREFIX "v1 authorisation ");
    sp_writer_put(&w, st->deployment, dl);
    W_LIT(&w, "\npolicy ");
    sp_writer_put(&w, hex, sizeof hex);
    W_LIT(&w, "\nepoch ");
    sp_writer_decimal(&w, st->epoch);
    W_LIT(&w, "\nstart ");
    sp_writer_decimal(&w, st->start);
    if (st->mode == SP_MODE_RUN) {
        W_LIT(&w, "\nmode run\n");
    } else if (st->mode == SP_MODE_PAUSE) {
        W_LIT(&w, "\nmode pause\n");
    } else {
        W_LIT(&w, "\nmode throttle ");
        sp_writer_decimal(&w, st->permille);
        W_LIT(&w, "\n");
    }
    return sp_writer_finish(&w, out_len);
}

/* ---- checks against a policy -------------------------------------------------------- */

sp_err sp_epoch_start(const sp_policy *policy, uint64_t epoch, uint64_t *start)
{
    uint64_t room;
    if (start == NULL)
        return SP_ERR_ARGUMENT;
    *start = 0;
    if (policy == NULL)
        return SP_ERR_ARGUMENT;
    if (epoch > SP_MAX_EPOCH)
        return SP_ERR_STMT_EPOCH_RANGE;
    if (policy->genesis > SP_MAX_TIME)
        return SP_ERR_STMT_START_RANGE;
    /* genesis + epoch * len <= 2^53  <=>  len <= (2^53 - genesis) / epoch  (integers):
     * checked by division before any multiplication can overflow. */
    room = SP_MAX_TIME - policy->genesis;
    if (epoch != 0 && policy->epoch_length > room / epoch)
        return SP_ERR_STMT_START_RANGE;
    *start = policy->genesis + epoch * policy->epoch_length;
    return SP_OK;
}

sp_err sp_epoch_window_of(const sp_policy *policy, uint64_t epoch, sp_epoch_window *out)
{
    uint64_t start;
    sp_err e;
    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if ((e = sp_epoch_start(policy, epoch, &start)) != SP_OK)
        return e;
    /* start <= 2^53, epoch_length <= 2^32, max_staleness <= one year: no overflow. */
    out->epoch = epoch;
    out->start = start;
    out->end = start + policy->epoch_length;
    out->frozen_after = out->end + policy->max_staleness;
    out->ahead_before = epoch == 0 ? 0 : start - policy->epoch_length;
    return SP_OK;
}

uint64_t sp_epoch_last(const sp_policy *policy)
{
    uint64_t last;
    if (policy == NULL || policy->genesis > SP_MAX_TIME || policy->epoch_length == 0)
        return 0;
    last = (SP_MAX_TIME - policy->genesis) / policy->epoch_length;
    return last > SP_MAX_EPOCH ? SP_MAX_EPOCH : last;
}

sp_err sp_statement_for_epoch(sp_statement *out, const sp_policy *policy, uint64_t epoch,
                              uint32_t mode, uint32_t permille)
{
    sp_err e;
    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (policy == NULL)
        return SP_ERR_ARGUMENT;
    out->type = SP_STMT_AUTHORISATION;
    memcpy(out->deployment, policy->deployment, sizeof out->deployment);
    memcpy(out->policy_hash, policy->hash, sizeof out->policy_hash);
    out->epoch = epoch;
    out->mode = mode;
    out->permille = permille;
    e = mode_valid(out) ? sp_epoch_start(policy, epoch, &out->start) : SP_ERR_STMT_MODE;
    if (e != SP_OK)
        memset(out, 0, sizeof *out);
    return e;
}

sp_err sp_statement_check(const sp_statement *st, const sp_policy *policy)
{
    uint64_t start = 0;
    size_t dl, pl;
    sp_err e;

    if (st == NULL || policy == NULL)
        return SP_ERR_ARGUMENT;
    if (st->type == SP_STMT_POLICY_UPDATE)
        return SP_ERR_STMT_WRONG_TYPE;
    if (st->type != SP_STMT_AUTHORISATION)
        return SP_ERR_STMT_TYPE;
    if (!mode_valid(st))
        return SP_ERR_STMT_MODE;
    dl = bounded_len(st->deployment, sizeof st->deployment);
    pl = bounded_len(policy->deployment, sizeof policy->deployment);
    /* Another deployment's statement (mix-and-match across deployments) stops here. */
    if (dl != pl || dl == sizeof st->deployment || memcmp(st->deployment, policy->deployment, dl) != 0)
        return SP_ERR_STMT_DEPLOYMENT;
    if (memcmp(st->policy_hash, policy->hash, SP_SHA256_BYTES) != 0)
        return SP_ERR_STMT_POLICY;
    if (st->epoch > SP_MAX_EPOCH)
        return SP_ERR_STMT_EPOCH_RANGE;
    e = sp_epoch_start(policy, st->epoch, &start);
    if (e != SP_OK)
        return e;
    if (st->start != start)
        return SP_ERR_STMT_START;
    return SP_OK;
}

/* ---- signatures and quorum ---------------------------------------------------------- */

/* Does signature line i carry the name and key ID of policy signer j? */
static int line_names_signer(const sp_note *note, uint32_t i, const sp_signer *s)
{
    const sp_note_sig *sig = &note->sigs[i];
    return sig->key_id == s->key.key_id && sig->name_len == s->key.name_len &&
           s->key.name_len <= SP_MAX_NAME_BYTES && sig->name_offset <= note->len &&
           sig->name_len <= note->len - sig->name_offset &&
           memcmp(note->bytes + sig->name_offset, s->key.name, sig->name_len) == 0;
}

/* Did an earlier tally over this note already check line i with this public key?  A line
 * names a signer by name and key ID, so a prior signer tried on the same line with the same
 * public key had exactly this verification: *ok gets its result. */
static int prior_result(const sp_policy *prior, const sp_line_checks *prior_checks, uint32_t i,
                        const sp_signer *s, int *ok)
{
    if (prior == NULL || prior_checks == NULL)
        return 0;
    for (uint32_t k = 0; k < prior->signer_count && k < SP_MAX_SIGNERS; k++) {
        if (!((prior_checks->tried[i] >> k) & 1u) ||
            memcmp(prior->signers[k].key.public_key, s->key.public_key,
                   SP_ED25519_PUBLIC_KEY_BYTES) != 0)
            continue;
        *ok = (int)((prior_checks->ok[i] >> k) & 1u);
        return 1;
    }
    return 0;
}

/*
 * Verify line i against every policy signer it names (a hand-built policy may carry one name
 * and ID twice).  Returns the signers whose key verified the line's signature; *matched
 * tells whether any signer was named at all, *tried which signers were checked.
 */
SP_NOINLINE static uint32_t verify_line(const sp_policy *policy, const sp_note *note, uint32_t i,
                                        const sp_crypto *crypto, const sp_policy *prior,
                                        const sp_line_checks *prior_checks, uint32_t *tried,
                                        int *matched)
{
    uint8_t sig[SP_MAX_SIG_BYTES];
    size_t sig_len = 0;
    uint32_t ok = 0;
    int decoded = 0, reused = 0;

    *matched = 0;
    *tried = 0;
    for (uint32_t j = 0; j < policy->signer_count; j++) {
        const sp_signer *s = &policy->signers[j];
        if (!line_names_signer(note, i, s))
            continue;
        *matched = 1;
        *tried |= 1u << j;
        if (prior_result(prior, prior_checks, i, s, &reused)) {
            if (reused)
                ok |= 1u << j;
            continue;
        }
        if (!decoded) {
            decoded = 1;
            if (sp_note_sig_bytes(note, i, sig, sizeof sig, &sig_len) != SP_OK)
                sig_len = 0;
        }
        if (sig_len != SP_ED25519_SIGNATURE_BYTES)
            continue; /* not an Ed25519 signature: invalid for this key */
        if (crypto->ed25519_verify(crypto->ctx, sig, note->bytes, note->text_len,
                                   s->key.public_key) == 0)
            ok |= 1u << j;
    }
    memset(sig, 0, sizeof sig);
    return ok;
}

sp_err sp_quorum_tally(const sp_policy *policy, const sp_note *note, const sp_crypto *crypto,
                       const sp_policy *prior, const sp_line_checks *prior_checks,
                       sp_line_checks *checks, sp_quorum_report *report)
{
    uint32_t class_mask[SP_MAX_SIGNERS];
    uint32_t rep_of[SP_MAX_SIGNERS];
    uint32_t line_votes[SP_MAX_RULES]; /* valid lines meeting each rule's set, lines counted
                                        * separately: a diagnostic only, see below */
    uint32_t reps, counted = 0, failed = 0;
    sp_err e;

    memset(report, 0, sizeof *report);
    /* "no rule found unmet": only sp_quorum_evaluate ever names a failed rule, and the
     * return value, never the report, is the decision. */
    report->failed_rule = UINT32_MAX;
    if (checks != NULL)
        memset(checks, 0, sizeof *checks);
    if (policy->signer_count > SP_MAX_SIGNERS || policy->rule_count > SP_MAX_RULES ||
        (prior != NULL && prior->signer_count > SP_MAX_SIGNERS))
        return SP_ERR_ARGUMENT;
    report->line_count = note->sig_count;

    /* signatures: every line that names a policy signer is verified */
    memset(rep_of, 0, sizeof rep_of);
    memset(line_votes, 0, sizeof line_votes);
    reps = sp_policy_key_classes(policy, class_mask);
    for (uint32_t c = 0; c < policy->signer_count; c++)
        if (reps & (1u << c))
            for (uint32_t i = 0; i < policy->signer_count; i++)
                if (class_mask[c] & (1u << i))
                    rep_of[i] = c;

    for (uint32_t i = 0; i < note->sig_count && i < SP_MAX_SIG_LINES; i++) {
        int matched = 0;
        uint32_t tried = 0;
        uint32_t ok = verify_line(policy, note, i, crypto, prior, prior_checks, &tried,
                                  &matched);
        uint32_t fresh = 0;
        if (checks != NULL) {
            checks->tried[i] = tried;
            checks->ok[i] = ok;
        }
        if (!matched) {
            report->line_status[i] = SP_LINE_UNKNOWN;
            report->unknown_lines++;
            continue;
        }
        if (ok == 0) {
            report->line_status[i] = SP_LINE_INVALID;
            report->invalid_lines++;
            continue;
        }
        report->valid_signers |= ok;
        for (uint32_t r = 0; r < policy->rule_count; r++)
            if ((ok & policy->rules[r].members) != 0)
                line_votes[r]++;
        for (uint32_t j = 0; j < policy->signer_count; j++)
            if ((ok & (1u << j)) && !(counted & (1u << rep_of[j])))
                fresh |= 1u << rep_of[j];
        if (fresh != 0) {
            counted |= fresh;
            report->line_status[i] = SP_LINE_VERIFIED;
            report->verified_lines++;
        } else {
            report->line_status[i] = SP_LINE_DUPLICATE;
            report->duplicate_lines++;
        }
    }
    report->distinct_keys = sp_popcount32(counted);

    /* quorum.  The decision is sp_quorum_evaluate's alone.  Only the refusal's code is
     * refined: if counting every valid LINE separately (a verbatim repeated line, or one key
     * under two names or IDs) would have met every rule, say so -- that is exactly the
     * "same key counted twice" attack, and the report should name it. */
    e = sp_quorum_evaluate(policy, report->valid_signers, &failed);
    report->failed_rule = failed;
    if (e == SP_ERR_QUORUM_NOT_MET && policy->rule_count > 0) {
        uint32_t r = 0;
        while (r < policy->rule_count && policy->rules[r].k >= 1 &&
               line_votes[r] >= policy->rules[r].k)
            r++;
        if (r == policy->rule_count)
            e = SP_ERR_QUORUM_KEY_COUNTED_TWICE;
    }
    return e;
}

sp_err sp_statement_verify(const sp_policy *policy, const uint8_t *bytes, size_t len,
                           const sp_crypto *crypto, sp_note *work, sp_statement *out,
                           sp_quorum_report *report, uint32_t *err_line)
{
    sp_err e;

    if (err_line != NULL)
        *err_line = 0;
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (report != NULL) {
        memset(report, 0, sizeof *report);
        report->failed_rule = UINT32_MAX;
    }
    if (policy == NULL || (bytes == NULL && len != 0) || crypto == NULL ||
        crypto->ed25519_verify == NULL || work == NULL || out == NULL || report == NULL)
        return SP_ERR_ARGUMENT;
    if (policy->signer_count > SP_MAX_SIGNERS || policy->rule_count > SP_MAX_RULES)
        return SP_ERR_ARGUMENT;

    /* 1. note syntax */
    e = sp_note_parse(work, bytes, len, err_line);
    if (e != SP_OK)
        return e;
    report->line_count = work->sig_count;

    /* 2. statement syntax, 3-6. deployment, policy hash, epoch range, start */
    e = sp_statement_parse(out, work->bytes, work->text_len, err_line);
    if (e == SP_OK)
        e = sp_statement_check(out, policy);
    if (e != SP_OK) {
        memset(out, 0, sizeof *out);
        return e;
    }

    /* 7-8. signatures (every line naming a policy signer verified) and quorum */
    e = sp_quorum_tally(policy, work, crypto, NULL, NULL, NULL, report);
    if (e != SP_OK) {
        memset(out, 0, sizeof *out);
        return e;
    }
    return SP_OK;
}
