/*
 * policy.c -- the signer policy: canonical parsing, invariants, canonical formatting, hash.
 *
 * The only accepted encoding (softpause/policy.h), one LF-terminated line each:
 *
 *   line 1   softpause-policy/v1
 *   line 2   deployment <deployment>          [A-Za-z0-9._:/-]{1,64}
 *   line 3   version <n>                      1..2^53
 *   line 4   genesis <unix seconds>           0..2^53
 *   line 5   epoch-length <seconds>           1..2^32
 *   line 6   allowance <seconds>              1..2^53
 *   line 7   max-staleness <seconds>          0..SP_MAX_STALENESS_LIMIT
 *   line 8   tags[ <tag>]*                    [a-z0-9-]{1,32}, not "-", strictly increasing
 *   line 9+i signer <body> <tags> <vkey>      i = 0..n-1, bodies non-decreasing (equal bodies
 *                                            are a DUPLICATE_BODY, found by validation)
 *   then     rule <k> all | rule <k> tag <t> | rule <k> signers <a>,<b>,...
 *                                            lines strictly increasing bytewise, >= 1
 *   then     log / witness / group / quorum   the witness policy, handed whole to
 *                                            sp_wpolicy_parse (canonical mode)
 *
 *   e.g.   softpause-policy/v1
 *          deployment example.org/fleet
 *          version 1
 *          genesis 1735689600
 *          epoch-length 604800
 *          allowance 648000
 *          max-staleness 604800
 *          tags civil military
 *          signer civ-a civil civ-a.example+1a2b3c4d+AQ...=
 *          signer mil-a military mil-a.example+5e6f7a8b+AQ...=
 *          rule 1 tag civil
 *          rule 2 all
 *          log log.example/softpause+...+AQ...=
 *          witness w1 w1.example+...+BA...=
 *          witness w2 w2.example+...+BA...=
 *          witness w3 w3.example+...+BA...=
 *          group witnesses 2 w1 w2 w3
 *          quorum witnesses
 *
 * Why canonical-only: the policy hash is what a device anchors in fuses and what every
 * statement names.  If two byte strings could mean the same policy, two devices could
 * anchor different hashes for one policy, or one hash could be argued to mean two policies.
 * So there is exactly one encoding, and the parser rejects every other (extra spaces, CR,
 * comments, blank lines, unsorted or duplicate entries, leading zeros, reordered fields).
 *
 * Parsing and validation are separate on purpose: sp_policy_validate() checks the
 * invariants of an in-memory policy (one that a governance tool built), and the parser runs
 * exactly the same checks after it has checked the syntax, so the two cannot disagree.
 *
 * Freestanding: no heap, no libc beyond mem*, no recursion.  The ~10 KiB sp_policy is always
 * the caller's; helpers take pointers into it and keep only small index arrays on the stack.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "softpause/encoding.h"
#include "softpause/key.h"
#include "softpause/policy.h"

#include "bits.h"
#include "policy_internal.h"
#include "text.h"

/* Maxima of the numeric fields (policy.h, config.h). */
#define MAX_EPOCH_LENGTH ((uint64_t)SP_MAX_EPOCH_LENGTH)

/* Line numbers of the fixed header, 1-based; signer i sits on line FIRST_SIGNER_LINE + i. */
#define FIRST_SIGNER_LINE 9u

/* What a validation error points at (policy.h), so the parser can turn it into a line
 * number and the host layer into a name. */
enum {
    AT_NONE = SP_POLICY_AT_NONE,
    AT_SIGNER = SP_POLICY_AT_SIGNER,
    AT_RULE = SP_POLICY_AT_RULE,
    AT_FIELD = SP_POLICY_AT_FIELD
};

/* Keywords in the order they must appear; the header fields are KW_MAGIC..KW_TAGS. */
enum {
    KW_MAGIC = 0,
    KW_DEPLOYMENT,
    KW_VERSION,
    KW_GENESIS,
    KW_EPOCH_LENGTH,
    KW_ALLOWANCE,
    KW_MAX_STALENESS,
    KW_TAGS,
    KW_SIGNER,
    KW_RULE,
    KW_COUNT,
    KW_UNKNOWN = 99
};

static const char *const keywords[KW_COUNT] = {
    SP_POLICY_MAGIC_LINE, "deployment", "version", "genesis", "epoch-length",
    "allowance",          "max-staleness", "tags", "signer", "rule",
};

/* ---- small shared helpers --------------------------------------------------------- */

static int is_deployment_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
}

static int is_body_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

static int is_tag_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int all_chars(const uint8_t *s, size_t len, int (*ok)(uint8_t))
{
    for (size_t i = 0; i < len; i++)
        if (!ok(s[i]))
            return 0;
    return 1;
}

int sp_deployment_valid(const uint8_t *s, size_t len)
{
    return len >= 1 && len <= SP_MAX_DEPLOYMENT_BYTES && all_chars(s, len, is_deployment_char);
}

/* A tag is [a-z0-9-]{1,32} but never "-" alone: "-" is the signer line's "no tags". */
static int tag_syntax_ok(const uint8_t *s, size_t len)
{
    return len >= 1 && len <= SP_MAX_TAG_BYTES && all_chars(s, len, is_tag_char) &&
           !(len == 1 && s[0] == '-');
}

static int body_syntax_ok(const uint8_t *s, size_t len)
{
    return len >= 1 && len <= SP_MAX_BODY_BYTES && all_chars(s, len, is_body_char);
}

int sp_policy_name_valid(uint32_t kind, const uint8_t *s, size_t len)
{
    switch (kind) {
    case SP_POLICY_NAME_DEPLOYMENT:
        return sp_deployment_valid(s, len);
    case SP_POLICY_NAME_BODY:
        return body_syntax_ok(s, len);
    case SP_POLICY_NAME_TAG:
        return tag_syntax_ok(s, len);
    default:
        return 0;
    }
}

/* Length of a NUL-terminated string inside an array of `cap` bytes; cap if unterminated. */

/* Bytewise order, a proper prefix first (the order of the sorted lines and names). */
static int bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n == 0 ? 0 : memcmp(a, b, n);
    if (c != 0)
        return c < 0 ? -1 : 1;
    if (alen == blen)
        return 0;
    return alen < blen ? -1 : 1;
}

static int str_cmp(const char *a, size_t acap, const char *b, size_t bcap)
{
    return bytes_cmp((const uint8_t *)a, sp_text_bounded_len(a, acap), (const uint8_t *)b,
                     sp_text_bounded_len(b, bcap));
}

static int bytes_eq(const uint8_t *a, size_t alen, const char *b, size_t bcap)
{
    size_t blen = sp_text_bounded_len(b, bcap);
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int name_has_comma(const sp_vkey *key)
{
    for (size_t i = 0; i < key->name_len && i < SP_MAX_NAME_BYTES; i++)
        if (key->name[i] == ',')
            return 1;
    return 0;
}

/* ---- tokenising one line ------------------------------------------------------------
 * By the time a line is split, check_line() has proved it has no leading, trailing or
 * doubled space, so every token is non-empty and tokens are separated by exactly one ' '
 * (bits.h: sp_tok_split). */

static uint32_t count_tokens(const uint8_t *line, size_t n)
{
    uint32_t count = 1;
    for (size_t i = 0; i < n; i++)
        if (line[i] == ' ')
            count++;
    return count;
}

/* Byte-level rules of a canonical line: non-empty, no comment, single spaces, ASCII except
 * inside the key (whose name may be UTF-8; sp_vkey_parse checks it). */
static sp_err check_line(const uint8_t *line, size_t n)
{
    if (n == 0 || line[0] == '#' || line[0] == ' ' || line[n - 1] == ' ')
        return SP_ERR_POLICY_NOT_CANONICAL;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = line[i];
        if (c == '\r' || c == '\t')
            return SP_ERR_POLICY_NOT_CANONICAL;
        if (c == ' ' && line[i + 1] == ' ') /* i + 1 < n: line[n - 1] != ' ' */
            return SP_ERR_POLICY_NOT_CANONICAL;
        if (c < 0x20 || c == 0x7F)
            return SP_ERR_POLICY_FORMAT;
    }
    return SP_OK;
}

/* The first token of a witness-policy line (softpause/witness_policy.h). */
static int is_witness_keyword(const sp_tok *tok)
{
    static const char *const words[4] = {"log", "witness", "group", "quorum"};
    for (uint32_t k = 0; k < 4; k++) {
        if (sp_tok_is(tok, words[k], sp_text_bounded_len(words[k], 8)))
            return 1;
    }
    return 0;
}

static uint32_t keyword_of(const sp_tok *tok)
{
    for (uint32_t k = 0; k < KW_COUNT; k++) {
        if (sp_tok_is(tok, keywords[k], sp_text_bounded_len(keywords[k], 32)))
            return k;
    }
    return KW_UNKNOWN;
}

/* Canonical decimal <= max.  A leading zero is a canonical-form error, not a format one. */
static sp_err parse_number(const sp_tok *tok, uint64_t max, uint64_t *out, sp_err range_err)
{
    sp_err e;
    *out = 0;
    if (tok->n > 1 && tok->p[0] == '0')
        return SP_ERR_POLICY_NOT_CANONICAL;
    e = sp_decimal_parse(out, (const char *)tok->p, tok->n, max);
    if (e == SP_OK)
        return SP_OK;
    *out = 0;
    return e == SP_ERR_NUMBER_RANGE ? range_err : SP_ERR_POLICY_FORMAT;
}

static int find_tag(const sp_policy *p, const sp_tok *tok, uint32_t *index)
{
    for (uint32_t t = 0; t < p->tag_count; t++) {
        if (bytes_eq(tok->p, tok->n, p->tags[t], sizeof p->tags[t])) {
            *index = t;
            return 1;
        }
    }
    return 0;
}

static int find_signer_by_name(const sp_policy *p, const sp_tok *tok, uint32_t *index)
{
    for (uint32_t i = 0; i < p->signer_count; i++) {
        const sp_vkey *k = &p->signers[i].key;
        if (k->name_len == tok->n && tok->n <= SP_MAX_NAME_BYTES &&
            memcmp(k->name, tok->p, tok->n) == 0) {
            *index = i;
            return 1;
        }
    }
    return 0;
}

/* ---- parsing the lines ----------------------------------------------------------------- */

SP_NOINLINE static sp_err parse_header_field(sp_policy *p, uint32_t kw, const uint8_t *line, size_t n)
{
    sp_tok_cursor c = {line, n, 0};
    sp_tok tok;
    uint32_t ntok = count_tokens(line, n);

    (void)sp_tok_split(&c, ' ', &tok); /* the keyword */
    switch (kw) {
    case KW_MAGIC:
        return ntok == 1 ? SP_OK : SP_ERR_POLICY_FORMAT;
    case KW_DEPLOYMENT:
        if (ntok != 2)
            return SP_ERR_POLICY_FORMAT;
        (void)sp_tok_split(&c, ' ', &tok);
        if (tok.n > SP_MAX_DEPLOYMENT_BYTES)
            return SP_ERR_POLICY_LIMIT;
        if (!sp_deployment_valid(tok.p, tok.n))
            return SP_ERR_POLICY_FORMAT;
        memcpy(p->deployment, tok.p, tok.n);
        return SP_OK;
    case KW_VERSION:
    case KW_GENESIS:
    case KW_EPOCH_LENGTH:
    case KW_ALLOWANCE:
    case KW_MAX_STALENESS: {
        uint64_t *field = kw == KW_VERSION   ? &p->version
                          : kw == KW_GENESIS ? &p->genesis
                          : kw == KW_EPOCH_LENGTH ? &p->epoch_length
                          : kw == KW_ALLOWANCE    ? &p->allowance
                                                  : &p->max_staleness;
        if (ntok != 2)
            return SP_ERR_POLICY_FORMAT;
        (void)sp_tok_split(&c, ' ', &tok);
        /* Ranges are checked by validation (shared with in-memory policies). */
        return parse_number(&tok, SP_MAX_EPOCH, field, SP_ERR_POLICY_PARAMETER);
    }
    case KW_TAGS:
        while (sp_tok_split(&c, ' ', &tok)) {
            if (p->tag_count == SP_MAX_TAGS)
                return SP_ERR_POLICY_LIMIT;
            if (tok.n > SP_MAX_TAG_BYTES)
                return SP_ERR_POLICY_LIMIT;
            if (!tag_syntax_ok(tok.p, tok.n))
                return SP_ERR_POLICY_FORMAT;
            /* Strictly increasing: sorted, and no duplicates. */
            if (p->tag_count > 0) {
                const char *prev = p->tags[p->tag_count - 1];
                if (bytes_cmp((const uint8_t *)prev, sp_text_bounded_len(prev, SP_MAX_TAG_BYTES + 1),
                              tok.p, tok.n) >= 0)
                    return SP_ERR_POLICY_NOT_CANONICAL;
            }
            memcpy(p->tags[p->tag_count], tok.p, tok.n);
            p->tag_count++;
        }
        return SP_OK;
    default:
        return SP_ERR_POLICY_FORMAT;
    }
}

/* "-" or comma-separated declared tags in declaration (= sorted) order. */
static sp_err parse_signer_tags(const sp_policy *p, const sp_tok *field, uint32_t *mask)
{
    sp_tok_cursor c = {field->p, field->n, 0};
    sp_tok tok;
    uint32_t prev = 0, have_prev = 0;
    *mask = 0;
    if (field->n == 1 && field->p[0] == '-')
        return SP_OK;
    while (sp_tok_split(&c, ',', &tok)) {
        uint32_t t;
        if (!tag_syntax_ok(tok.p, tok.n))
            return SP_ERR_POLICY_FORMAT;
        if (!find_tag(p, &tok, &t))
            return SP_ERR_POLICY_TAG_UNDECLARED;
        if (have_prev && t <= prev) /* tags[] is sorted, so index order is name order */
            return SP_ERR_POLICY_NOT_CANONICAL;
        *mask |= 1u << t;
        prev = t;
        have_prev = 1;
    }
    return SP_OK;
}

SP_NOINLINE static sp_err parse_signer(sp_policy *p, const uint8_t *line, size_t n, const sp_crypto *crypto)
{
    sp_tok_cursor c = {line, n, 0};
    sp_tok tok, body, tags, key;
    sp_signer *s;
    sp_err e;

    if (count_tokens(line, n) != 4)
        return SP_ERR_POLICY_FORMAT;
    if (p->signer_count == SP_MAX_SIGNERS)
        return SP_ERR_POLICY_LIMIT;
    (void)sp_tok_split(&c, ' ', &tok);
    (void)sp_tok_split(&c, ' ', &body);
    (void)sp_tok_split(&c, ' ', &tags);
    (void)sp_tok_split(&c, ' ', &key);

    if (body.n > SP_MAX_BODY_BYTES)
        return SP_ERR_POLICY_LIMIT;
    if (!body_syntax_ok(body.p, body.n))
        return SP_ERR_POLICY_FORMAT;
    if (p->signer_count > 0) {
        const char *prev = p->signers[p->signer_count - 1].body;
        /* Equal bodies pass here and are reported as DUPLICATE_BODY by validation. */
        if (bytes_cmp((const uint8_t *)prev, sp_text_bounded_len(prev, SP_MAX_BODY_BYTES + 1), body.p,
                      body.n) > 0)
            return SP_ERR_POLICY_NOT_CANONICAL;
    }
    s = &p->signers[p->signer_count];
    e = parse_signer_tags(p, &tags, &s->tags);
    if (e != SP_OK)
        return e;
    e = sp_vkey_parse(&s->key, (const char *)key.p, key.n, crypto);
    if (e != SP_OK)
        return e;
    if (!sp_vkey_spelled_canonically(&s->key, (const char *)key.p, key.n))
        return SP_ERR_POLICY_NOT_CANONICAL;
    /* A ',' in a key name would make "rule k signers a,b" ambiguous. */
    if (name_has_comma(&s->key))
        return SP_ERR_POLICY_FORMAT;
    memcpy(s->body, body.p, body.n);
    p->signer_count++;
    return SP_OK;
}

SP_NOINLINE static sp_err parse_rule(sp_policy *p, const uint8_t *line, size_t n)
{
    sp_tok_cursor c = {line, n, 0};
    sp_tok tok, kind, arg;
    uint32_t ntok = count_tokens(line, n);
    uint64_t k;
    sp_rule *r;
    sp_err e;

    if (ntok != 3 && ntok != 4)
        return SP_ERR_POLICY_FORMAT;
    if (p->rule_count == SP_MAX_RULES)
        return SP_ERR_POLICY_LIMIT;
    r = &p->rules[p->rule_count];
    (void)sp_tok_split(&c, ' ', &tok);
    (void)sp_tok_split(&c, ' ', &tok);
    e = parse_number(&tok, 0xFFFFFFFFu, &k, SP_ERR_POLICY_THRESHOLD);
    if (e != SP_OK)
        return e;
    (void)sp_tok_split(&c, ' ', &kind);

    if (ntok == 3 && kind.n == 3 && memcmp(kind.p, "all", 3) == 0) {
        r->kind = SP_SET_ALL;
        r->members = sp_low_mask(p->signer_count);
    } else if (ntok == 4 && kind.n == 3 && memcmp(kind.p, "tag", 3) == 0) {
        uint32_t t;
        (void)sp_tok_split(&c, ' ', &arg);
        if (!tag_syntax_ok(arg.p, arg.n))
            return SP_ERR_POLICY_FORMAT;
        if (!find_tag(p, &arg, &t))
            return SP_ERR_POLICY_TAG_UNDECLARED;
        r->kind = SP_SET_TAG;
        r->tag = t;
        r->members = 0;
        for (uint32_t i = 0; i < p->signer_count; i++)
            if (p->signers[i].tags & (1u << t))
                r->members |= 1u << i;
    } else if (ntok == 4 && kind.n == 7 && memcmp(kind.p, "signers", 7) == 0) {
        sp_tok_cursor names;
        sp_tok name, prev = {NULL, 0};
        (void)sp_tok_split(&c, ' ', &arg);
        names.p = arg.p;
        names.n = arg.n;
        names.pos = 0;
        r->kind = SP_SET_SIGNERS;
        r->members = 0;
        while (sp_tok_split(&names, ',', &name)) {
            uint32_t i;
            if (name.n == 0)
                return SP_ERR_POLICY_FORMAT;
            if (prev.p != NULL && bytes_cmp(prev.p, prev.n, name.p, name.n) >= 0)
                return SP_ERR_POLICY_NOT_CANONICAL;
            if (!find_signer_by_name(p, &name, &i))
                return SP_ERR_POLICY_UNKNOWN_SIGNER;
            r->members |= 1u << i;
            prev = name;
        }
    } else {
        return SP_ERR_POLICY_FORMAT;
    }
    r->k = (uint32_t)k;
    p->rule_count++;
    return SP_OK;
}

/*
 * One forward pass over the lines.  *line_no is the line being examined when an error is
 * returned (0 for problems of the whole file: missing header fields, no rules).
 */
SP_NOINLINE static sp_err parse_lines(sp_policy *p, const uint8_t *b, size_t len, const sp_crypto *crypto,
                          uint32_t *line_no, int *witness_seen)
{
    uint32_t expect = KW_MAGIC; /* next header keyword, then KW_SIGNER, then KW_RULE */
    const uint8_t *prev_rule = NULL;
    size_t prev_rule_len = 0;
    size_t pos = 0;
    sp_err e;

    while (pos < len) {
        size_t start = pos, n;
        sp_tok_cursor c;
        sp_tok tok;
        uint32_t kw;

        while (pos < len && b[pos] != '\n')
            pos++;
        (*line_no)++;
        n = pos - start;
        e = check_line(b + start, n);
        if (e != SP_OK)
            return e;
        if (pos == len) /* no final newline */
            return SP_ERR_POLICY_NOT_CANONICAL;
        pos++;

        c.p = b + start;
        c.n = n;
        c.pos = 0;
        (void)sp_tok_split(&c, ' ', &tok);
        kw = keyword_of(&tok);
        if (kw == KW_UNKNOWN && expect > KW_TAGS && is_witness_keyword(&tok)) {
            uint32_t wline = 0;
            if (expect != KW_RULE) { /* the witness block starts where the rules should */
                *line_no = 0;
                return SP_ERR_POLICY_NO_RULES;
            }
            /* The rest of the file is the witness policy: one parser for tlog-policy
             * lines, whether they sit in a deployment policy or stand alone. */
            e = sp_wpolicy_parse(&p->witness, b + start, len - start, SP_WPOLICY_CANONICAL,
                                 crypto, &wline);
            if (e != SP_OK)
                *line_no = wline == 0 ? 0 : *line_no - 1u + wline;
            else
                *witness_seen = 1;
            return e;
        }
        if (kw == KW_UNKNOWN)
            return SP_ERR_POLICY_FORMAT;

        if (expect <= KW_TAGS) {
            /* A known keyword out of place is a reordered, repeated or missing field. */
            if (kw != expect)
                return SP_ERR_POLICY_NOT_CANONICAL;
            e = parse_header_field(p, kw, b + start, n);
            expect++;
        } else if (kw == KW_SIGNER && expect == KW_SIGNER) {
            e = parse_signer(p, b + start, n, crypto);
        } else if (kw == KW_RULE) {
            expect = KW_RULE;
            if (prev_rule != NULL && bytes_cmp(prev_rule, prev_rule_len, b + start, n) >= 0)
                return SP_ERR_POLICY_NOT_CANONICAL;
            e = parse_rule(p, b + start, n);
            prev_rule = b + start;
            prev_rule_len = n;
        } else {
            return SP_ERR_POLICY_NOT_CANONICAL;
        }
        if (e != SP_OK)
            return e;
    }
    if (expect <= KW_TAGS) {
        *line_no = 0;
        return SP_ERR_POLICY_FORMAT;
    }
    if (expect != KW_RULE) {
        *line_no = 0;
        return SP_ERR_POLICY_NO_RULES;
    }
    return SP_OK;
}

/* ---- validation --------------------------------------------------------------------- */

static int rule_same(const sp_rule *a, const sp_rule *b)
{
    if (a->k != b->k || a->kind != b->kind)
        return 0;
    if (a->kind == SP_SET_TAG)
        return a->tag == b->tag;
    if (a->kind == SP_SET_SIGNERS)
        return a->members == b->members;
    return 1;
}

static sp_err validate_header(const sp_policy *p, uint32_t *at, uint32_t *index)
{
    size_t dl = sp_text_bounded_len(p->deployment, sizeof p->deployment);
    if (p->signer_count > SP_MAX_SIGNERS || p->tag_count > SP_MAX_TAGS ||
        p->rule_count > SP_MAX_RULES)
        return SP_ERR_POLICY_LIMIT;
    if (p->rule_count == 0)
        return SP_ERR_POLICY_NO_RULES;
    /* each numeric field against its range (policy.h: SP_POLICY_FIELD_*), the first one
     * out of range named */
    *at = AT_FIELD;
    *index = SP_POLICY_FIELD_VERSION;
    if (p->version < 1 || p->version > SP_MAX_EPOCH)
        return SP_ERR_POLICY_PARAMETER;
    *index = SP_POLICY_FIELD_GENESIS;
    if (p->genesis > SP_MAX_TIME)
        return SP_ERR_POLICY_PARAMETER;
    *index = SP_POLICY_FIELD_EPOCH_LENGTH;
    if (p->epoch_length < SP_MIN_EPOCH_LENGTH || p->epoch_length > MAX_EPOCH_LENGTH)
        return SP_ERR_POLICY_PARAMETER;
    *index = SP_POLICY_FIELD_ALLOWANCE;
    if (p->allowance < 1 || p->allowance > SP_MAX_TIME)
        return SP_ERR_POLICY_PARAMETER;
    *index = SP_POLICY_FIELD_MAX_STALENESS;
    if (p->max_staleness > SP_MAX_STALENESS_LIMIT)
        return SP_ERR_POLICY_PARAMETER;
    *at = AT_NONE;
    *index = UINT32_MAX;
    if (dl > SP_MAX_DEPLOYMENT_BYTES)
        return SP_ERR_POLICY_LIMIT;
    if (!sp_deployment_valid((const uint8_t *)p->deployment, dl))
        return SP_ERR_POLICY_FORMAT;
    for (uint32_t t = 0; t < p->tag_count; t++) {
        size_t tl = sp_text_bounded_len(p->tags[t], sizeof p->tags[t]);
        if (tl > SP_MAX_TAG_BYTES)
            return SP_ERR_POLICY_LIMIT;
        if (!tag_syntax_ok((const uint8_t *)p->tags[t], tl))
            return SP_ERR_POLICY_FORMAT;
        for (uint32_t u = 0; u < t; u++)
            if (str_cmp(p->tags[u], sizeof p->tags[u], p->tags[t], sizeof p->tags[t]) == 0)
                return SP_ERR_POLICY_NOT_CANONICAL;
    }
    return SP_OK;
}

static sp_err validate_signer(const sp_policy *p, uint32_t i, const sp_crypto *crypto)
{
    const sp_signer *s = &p->signers[i];
    size_t bl = sp_text_bounded_len(s->body, sizeof s->body);
    uint32_t id = 0;
    sp_err e;

    if (s->key.name_len > SP_MAX_NAME_BYTES ||
        sp_text_bounded_len(s->key.name, sizeof s->key.name) != s->key.name_len)
        return SP_ERR_KEY_NAME;
    e = sp_key_name_check(s->key.name, s->key.name_len);
    if (e != SP_OK)
        return e;
    if (name_has_comma(&s->key))
        return SP_ERR_POLICY_FORMAT;
    if (bl > SP_MAX_BODY_BYTES)
        return SP_ERR_POLICY_LIMIT;
    if (!body_syntax_ok((const uint8_t *)s->body, bl))
        return SP_ERR_POLICY_FORMAT;
    if ((s->tags & ~sp_low_mask(p->tag_count)) != 0)
        return SP_ERR_POLICY_TAG_UNDECLARED;
    /* The ID must be the one C2SP derives, or format() would write an unparsable key. */
    e = sp_key_id(&id, s->key.name, s->key.name_len, s->key.public_key, crypto);
    if (e != SP_OK)
        return e;
    if (id != s->key.key_id)
        return SP_ERR_KEY_ID;
    if (crypto->ed25519_check_key(crypto->ctx, s->key.public_key) != 0)
        return SP_ERR_KEY_WEAK;
    for (uint32_t j = 0; j < i; j++) {
        const sp_signer *o = &p->signers[j];
        if (memcmp(o->key.public_key, s->key.public_key, SP_ED25519_PUBLIC_KEY_BYTES) == 0)
            return SP_ERR_POLICY_DUPLICATE_KEY;
        if (str_cmp(o->body, sizeof o->body, s->body, sizeof s->body) == 0)
            return SP_ERR_POLICY_DUPLICATE_BODY;
        if (o->key.name_len == s->key.name_len &&
            memcmp(o->key.name, s->key.name, s->key.name_len) == 0)
            return SP_ERR_POLICY_DUPLICATE_NAME;
    }
    return SP_OK;
}

static sp_err validate_rule(const sp_policy *p, uint32_t r)
{
    const sp_rule *rule = &p->rules[r];
    uint32_t all = sp_low_mask(p->signer_count);

    if (rule->kind != SP_SET_ALL && rule->kind != SP_SET_TAG && rule->kind != SP_SET_SIGNERS)
        return SP_ERR_POLICY_FORMAT;
    if (rule->kind == SP_SET_TAG && rule->tag >= p->tag_count)
        return SP_ERR_POLICY_TAG_UNDECLARED;
    if ((rule->members & ~all) != 0)
        return SP_ERR_POLICY_UNKNOWN_SIGNER;
    /* "all" and "tag" sets are derived data; a mismatch means the text would say one
     * thing and the quorum would count another. */
    if (rule->kind == SP_SET_ALL && rule->members != all)
        return SP_ERR_POLICY_FORMAT;
    if (rule->kind == SP_SET_TAG) {
        uint32_t want = 0;
        for (uint32_t i = 0; i < p->signer_count; i++)
            if (p->signers[i].tags & (1u << rule->tag))
                want |= 1u << i;
        if (rule->members != want)
            return SP_ERR_POLICY_FORMAT;
    }
    if (rule->members == 0)
        return SP_ERR_POLICY_EMPTY_SET;
    if (rule->k < 1 || rule->k > sp_popcount32(rule->members))
        return SP_ERR_POLICY_THRESHOLD;
    for (uint32_t q = 0; q < r; q++)
        if (rule_same(&p->rules[q], rule))
            return SP_ERR_POLICY_NOT_CANONICAL;
    return SP_OK;
}

/*
 * No single body may satisfy the rule set on its own (R10: no single-party quorum).  Computed
 * generically from the same "distinct key" counting the quorum uses, so it stays right even
 * if a body one day holds several keys: for each body, take the keys of its signers, and ask
 * whether every rule's k is met by those keys within the rule's set.
 */
static int body_satisfies_all(const sp_policy *p, uint32_t body_signers, uint32_t reps,
                              const uint32_t class_mask[SP_MAX_SIGNERS])
{
    for (uint32_t r = 0; r < p->rule_count; r++) {
        uint32_t count = 0;
        for (uint32_t c = 0; c < p->signer_count; c++) {
            if (!(reps & (1u << c)))
                continue;
            if ((class_mask[c] & body_signers) != 0 && (class_mask[c] & p->rules[r].members) != 0)
                count++;
        }
        if (count < p->rules[r].k)
            return 0;
    }
    return 1;
}

static int same_key(const sp_vkey *a, const sp_vkey *b)
{
    return memcmp(a->public_key, b->public_key, SP_ED25519_PUBLIC_KEY_BYTES) == 0;
}

/* One Ed25519 public key, one role: a statement signer's key must not also sign
 * checkpoints or cosign them (and a log must not witness itself), or one party's key
 * would count in two capacities.  Within a role, duplicates are refused elsewhere. */
static sp_err check_key_roles(const sp_policy *p)
{
    const sp_wpolicy *wp = &p->witness;
    for (uint32_t l = 0; l < wp->log_count && l < SP_MAX_LOGS; l++) {
        for (uint32_t i = 0; i < p->signer_count; i++)
            if (same_key(&wp->logs[l].key, &p->signers[i].key))
                return SP_ERR_POLICY_KEY_ROLES;
        for (uint32_t w = 0; w < wp->witness_count && w < SP_MAX_WITNESSES; w++)
            if (same_key(&wp->logs[l].key, &wp->witnesses[w].key))
                return SP_ERR_POLICY_KEY_ROLES;
    }
    for (uint32_t w = 0; w < wp->witness_count && w < SP_MAX_WITNESSES; w++)
        for (uint32_t i = 0; i < p->signer_count; i++)
            if (same_key(&wp->witnesses[w].key, &p->signers[i].key))
                return SP_ERR_POLICY_KEY_ROLES;
    return SP_OK;
}

SP_NOINLINE static sp_err validate_impl(const sp_policy *p, const sp_crypto *crypto, uint32_t *at,
                            uint32_t *index)
{
    uint32_t class_mask[SP_MAX_SIGNERS];
    uint32_t reps;
    sp_err e;

    *at = AT_NONE;
    *index = UINT32_MAX;
    e = validate_header(p, at, index);
    if (e != SP_OK)
        return e;
    for (uint32_t i = 0; i < p->signer_count; i++) {
        e = validate_signer(p, i, crypto);
        if (e != SP_OK) {
            *at = AT_SIGNER;
            *index = i;
            return e;
        }
    }
    for (uint32_t r = 0; r < p->rule_count; r++) {
        e = validate_rule(p, r);
        if (e != SP_OK) {
            *at = AT_RULE;
            *index = r;
            return e;
        }
    }
    e = sp_wpolicy_validate(&p->witness);
    if (e != SP_OK)
        return e;
    e = check_key_roles(p);
    if (e != SP_OK)
        return e;
    reps = sp_policy_key_classes(p, class_mask);
    for (uint32_t i = 0; i < p->signer_count; i++) {
        uint32_t body_signers = 0;
        for (uint32_t j = 0; j < p->signer_count; j++)
            if (str_cmp(p->signers[j].body, sizeof p->signers[j].body, p->signers[i].body,
                        sizeof p->signers[i].body) == 0)
                body_signers |= 1u << j;
        if (body_satisfies_all(p, body_signers, reps, class_mask)) {
            *at = AT_SIGNER;
            *index = i;
            return SP_ERR_POLICY_SINGLE_BODY;
        }
    }
    return SP_OK;
}

static int crypto_ok(const sp_crypto *crypto)
{
    return crypto != NULL && crypto->sha256 != NULL && crypto->ed25519_check_key != NULL;
}

sp_err sp_policy_validate_at(const sp_policy *policy, const sp_crypto *crypto, uint32_t *err_at,
                             uint32_t *err_index)
{
    uint32_t at = AT_NONE, index = UINT32_MAX;
    sp_err e;
    if (err_at != NULL)
        *err_at = AT_NONE;
    if (err_index != NULL)
        *err_index = UINT32_MAX;
    if (policy == NULL || !crypto_ok(crypto))
        return SP_ERR_ARGUMENT;
    e = validate_impl(policy, crypto, &at, &index);
    if (e == SP_OK) {
        at = AT_NONE;
        index = UINT32_MAX;
    }
    if (err_at != NULL)
        *err_at = at;
    if (err_index != NULL)
        *err_index = at == AT_SIGNER || at == AT_RULE || at == AT_FIELD ? index : UINT32_MAX;
    return e;
}

sp_err sp_policy_validate(const sp_policy *policy, const sp_crypto *crypto, uint32_t *err_index)
{
    uint32_t at = AT_NONE, index = UINT32_MAX;
    sp_err e = sp_policy_validate_at(policy, crypto, &at, &index);
    if (err_index != NULL)
        *err_index = at == AT_SIGNER || at == AT_RULE ? index : UINT32_MAX;
    return e;
}

sp_err sp_policy_hash(uint8_t out[SP_SHA256_BYTES], const uint8_t *bytes, size_t len,
                      const sp_crypto *crypto)
{
    sp_bytes parts[2];
    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, SP_SHA256_BYTES);
    if ((bytes == NULL && len != 0) || crypto == NULL || crypto->sha256 == NULL)
        return SP_ERR_ARGUMENT;
    /* Domain-separated, hashed in parts: nothing is copied into a scratch buffer. */
    parts[0].ptr = (const uint8_t *)SP_POLICY_HASH_DOMAIN;
    parts[0].len = sizeof SP_POLICY_HASH_DOMAIN - 1u;
    parts[1].ptr = bytes;
    parts[1].len = len;
    if (crypto->sha256(crypto->ctx, out, parts, 2) != 0) {
        memset(out, 0, SP_SHA256_BYTES);
        return SP_ERR_CRYPTO;
    }
    return SP_OK;
}

sp_err sp_policy_parse(sp_policy *out, const uint8_t *bytes, size_t len, const sp_crypto *crypto,
                       uint32_t *err_line)
{
    uint32_t line_no = 0, at = AT_NONE, index = UINT32_MAX;
    int witness_seen = 0;
    sp_err e;

    if (err_line != NULL)
        *err_line = 0;
    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if ((bytes == NULL && len != 0) || !crypto_ok(crypto))
        return SP_ERR_ARGUMENT;
    if (len > SP_MAX_POLICY_BYTES)
        return SP_ERR_POLICY_LIMIT;

    e = parse_lines(out, bytes, len, crypto, &line_no, &witness_seen);
    if (e == SP_OK && !witness_seen) {
        line_no = 0;
        e = SP_ERR_POLICY_NO_LOG; /* publication is required (R6) */
    }
    if (e == SP_OK) {
        e = validate_impl(out, crypto, &at, &index);
        if (e != SP_OK) {
            /* Parsed arrays are in line order, so an index is a line number. */
            if (at == AT_SIGNER)
                line_no = FIRST_SIGNER_LINE + index;
            else if (at == AT_RULE)
                line_no = FIRST_SIGNER_LINE + out->signer_count + index;
            else
                line_no = 0;
        }
    }
    if (e == SP_OK) {
        line_no = 0;
        e = sp_policy_hash(out->hash, bytes, len, crypto);
    }
    if (e != SP_OK) {
        memset(out, 0, sizeof *out);
        if (err_line != NULL)
            *err_line = line_no;
        return e;
    }
    return SP_OK;
}

/* ---- formatting ------------------------------------------------------------------------ */

static void w_cstr(sp_writer *w, const char *s, size_t cap)
{
    sp_writer_put(w, s, sp_text_bounded_len(s, cap));
}

static void w_lit(sp_writer *w, const char *s)
{
    sp_writer_put(w, s, sp_text_bounded_len(s, 64));
}

/* Which string an index array is sorted by. */
enum { BY_TAG = 1, BY_BODY = 2, BY_NAME = 3 };

static int index_cmp(const sp_policy *p, uint32_t by, uint8_t a, uint8_t b)
{
    if (by == BY_TAG)
        return str_cmp(p->tags[a], sizeof p->tags[a], p->tags[b], sizeof p->tags[b]);
    if (by == BY_BODY)
        return str_cmp(p->signers[a].body, sizeof p->signers[a].body, p->signers[b].body,
                       sizeof p->signers[b].body);
    return bytes_cmp((const uint8_t *)p->signers[a].key.name, p->signers[a].key.name_len,
                     (const uint8_t *)p->signers[b].key.name, p->signers[b].key.name_len);
}

/* Insertion sort of idx[0..n) (n <= 32): stable, no recursion, no qsort. */
static void sort_indices(const sp_policy *p, uint32_t by, uint8_t *idx, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        idx[i] = (uint8_t)i;
    for (uint32_t i = 1; i < n; i++) {
        uint8_t v = idx[i];
        uint32_t j = i;
        while (j > 0 && index_cmp(p, by, idx[j - 1], v) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

static void reverse_bytes(uint8_t *b, size_t n)
{
    size_t i = 0, j = n;
    while (i + 1 < j) {
        uint8_t t = b[i];
        b[i] = b[j - 1];
        b[j - 1] = t;
        i++;
        j--;
    }
}

/* Rotate b[0..n) so that b[k..n) comes first (three reversals: no scratch buffer). */
static void rotate_bytes(uint8_t *b, size_t n, size_t k)
{
    reverse_bytes(b, k);
    reverse_bytes(b + k, n - k);
    reverse_bytes(b, n);
}

/*
 * The rule lines were written in array order at w->out[off[i] .. off[i] + len[i]) (each
 * followed by '\n', all contiguous).  Sort them bytewise in place: an insertion sort that
 * moves a line into place by rotating the block in front of it.  Comparing the written text
 * is simpler and surer than re-deriving the order from the structs.
 */
SP_NOINLINE static void sort_rule_lines(uint8_t *out, size_t off[SP_MAX_RULES], size_t len[SP_MAX_RULES],
                            uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t j = i;
        while (j > 0 && bytes_cmp(out + off[j - 1], len[j - 1], out + off[i], len[i]) > 0)
            j--;
        if (j == i)
            continue;
        {
            size_t start = off[j], moved = len[i] + 1u;
            size_t total = off[i] + moved - start;
            size_t li = len[i];
            rotate_bytes(out + start, total, off[i] - start);
            for (uint32_t m = i; m > j; m--) {
                off[m] = off[m - 1] + moved;
                len[m] = len[m - 1];
            }
            off[j] = start;
            len[j] = li;
        }
    }
}

static sp_err format_check(const sp_policy *p)
{
    if (p->signer_count > SP_MAX_SIGNERS || p->tag_count > SP_MAX_TAGS ||
        p->rule_count > SP_MAX_RULES)
        return SP_ERR_POLICY_LIMIT;
    if (sp_text_bounded_len(p->deployment, sizeof p->deployment) == sizeof p->deployment)
        return SP_ERR_ARGUMENT;
    for (uint32_t t = 0; t < p->tag_count; t++)
        if (sp_text_bounded_len(p->tags[t], sizeof p->tags[t]) == sizeof p->tags[t])
            return SP_ERR_ARGUMENT;
    for (uint32_t i = 0; i < p->signer_count; i++) {
        const sp_signer *s = &p->signers[i];
        if (sp_text_bounded_len(s->body, sizeof s->body) == sizeof s->body ||
            s->key.name_len > SP_MAX_NAME_BYTES || (s->tags & ~sp_low_mask(p->tag_count)) != 0)
            return SP_ERR_ARGUMENT;
    }
    for (uint32_t r = 0; r < p->rule_count; r++) {
        const sp_rule *rule = &p->rules[r];
        if (rule->kind != SP_SET_ALL && rule->kind != SP_SET_TAG && rule->kind != SP_SET_SIGNERS)
            return SP_ERR_ARGUMENT;
        if (rule->kind == SP_SET_TAG && rule->tag >= p->tag_count)
            return SP_ERR_ARGUMENT;
        if ((rule->members & ~sp_low_mask(p->signer_count)) != 0)
            return SP_ERR_ARGUMENT;
    }
    return SP_OK;
}

SP_NOINLINE static void format_signer(sp_writer *w, const sp_policy *p, const sp_signer *s,
                          const uint8_t tag_order[SP_MAX_TAGS])
{
    char key[SP_MAX_VKEY_TEXT];
    size_t key_len = 0;
    uint32_t written = 0;
    sp_err e;

    w_lit(w, "signer ");
    w_cstr(w, s->body, sizeof s->body);
    w_lit(w, " ");
    for (uint32_t t = 0; t < p->tag_count; t++) {
        if (!(s->tags & (1u << tag_order[t])))
            continue;
        if (written++ > 0)
            w_lit(w, ",");
        w_cstr(w, p->tags[tag_order[t]], sizeof p->tags[0]);
    }
    if (written == 0)
        w_lit(w, "-");
    w_lit(w, " ");
    e = sp_vkey_format(&s->key, key, sizeof key, &key_len);
    if (e != SP_OK && w->err == SP_OK)
        w->err = e;
    sp_writer_put(w, key, key_len);
    w_lit(w, "\n");
}

SP_NOINLINE static void format_rule(sp_writer *w, const sp_policy *p, const sp_rule *rule,
                        const uint8_t name_order[SP_MAX_SIGNERS])
{
    uint32_t written = 0;
    w_lit(w, "rule ");
    sp_writer_decimal(w, rule->k);
    if (rule->kind == SP_SET_ALL) {
        w_lit(w, " all");
    } else if (rule->kind == SP_SET_TAG) {
        w_lit(w, " tag ");
        w_cstr(w, p->tags[rule->tag], sizeof p->tags[0]);
    } else {
        w_lit(w, " signers ");
        for (uint32_t i = 0; i < p->signer_count; i++) {
            const sp_vkey *key = &p->signers[name_order[i]].key;
            if (!(rule->members & (1u << name_order[i])))
                continue;
            if (written++ > 0)
                w_lit(w, ",");
            sp_writer_put(w, key->name, key->name_len);
        }
    }
    /* the '\n' is written by the caller, after recording the line's length */
}

sp_err sp_policy_format(const sp_policy *p, uint8_t *out, size_t cap, size_t *out_len)
{
    /* One scratch object, not five: fewer stack objects, fewer ASan redzones. */
    struct {
        uint8_t tag_order[SP_MAX_TAGS], body_order[SP_MAX_SIGNERS], name_order[SP_MAX_SIGNERS];
        size_t off[SP_MAX_RULES], len[SP_MAX_RULES];
        sp_writer w;
    } f;
    sp_err e;

    if (out_len != NULL)
        *out_len = 0;
    if (out != NULL && cap != 0)
        memset(out, 0, cap);
    if (p == NULL || out == NULL || out_len == NULL)
        return SP_ERR_ARGUMENT;
    e = format_check(p);
    if (e != SP_OK)
        return e;

    sort_indices(p, BY_TAG, f.tag_order, p->tag_count);
    sort_indices(p, BY_BODY, f.body_order, p->signer_count);
    sort_indices(p, BY_NAME, f.name_order, p->signer_count);

    sp_writer_init(&f.w, out, cap);
    w_lit(&f.w, SP_POLICY_MAGIC_LINE "\ndeployment ");
    w_cstr(&f.w, p->deployment, sizeof p->deployment);
    w_lit(&f.w, "\nversion ");
    sp_writer_decimal(&f.w, p->version);
    w_lit(&f.w, "\ngenesis ");
    sp_writer_decimal(&f.w, p->genesis);
    w_lit(&f.w, "\nepoch-length ");
    sp_writer_decimal(&f.w, p->epoch_length);
    w_lit(&f.w, "\nallowance ");
    sp_writer_decimal(&f.w, p->allowance);
    w_lit(&f.w, "\nmax-staleness ");
    sp_writer_decimal(&f.w, p->max_staleness);
    w_lit(&f.w, "\ntags");
    for (uint32_t t = 0; t < p->tag_count; t++) {
        w_lit(&f.w, " ");
        w_cstr(&f.w, p->tags[f.tag_order[t]], sizeof p->tags[0]);
    }
    w_lit(&f.w, "\n");
    for (uint32_t i = 0; i < p->signer_count; i++)
        format_signer(&f.w, p, &p->signers[f.body_order[i]], f.tag_order);
    for (uint32_t r = 0; r < p->rule_count; r++) {
        f.off[r] = f.w.len;
        format_rule(&f.w, p, &p->rules[r], f.name_order);
        f.len[r] = f.w.len - f.off[r];
        w_lit(&f.w, "\n");
    }
    if (f.w.err == SP_OK) {
        size_t wlen = 0;
        e = sp_wpolicy_format(&p->witness, out + f.w.len, cap - f.w.len, &wlen);
        if (e != SP_OK)
            f.w.err = e;
        else
            f.w.len += wlen;
    }
    e = sp_writer_finish(&f.w, out_len);
    if (e == SP_OK)
        sort_rule_lines(out, f.off, f.len, p->rule_count);
    return e;
}
