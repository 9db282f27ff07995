/*
 * witness_policy.c -- which logs and witnesses make a checkpoint count (contract:
 * softpause/witness_policy.h): the C2SP tlog-policy syntax, softpause's extra refusals,
 * canonical formatting and quorum evaluation.
 *
 *   log <vkey> [<url>]                        vkey type 0x01; key name = checkpoint origin
 *   witness <name> <vkey> [<url>]             vkey type 0x04 (cosignature/v1)
 *   group <name> <k>|all|any <member>+        members defined on earlier lines
 *   quorum <name>                             exactly one
 *
 * One line scanner serves both readers.  SP_WPOLICY_FILE reads a policy file as the spec
 * allows it: items separated by runs of spaces and tabs, leading and trailing white space,
 * blank lines and '#' comment lines, lines in any order that defines names before use.
 * SP_WPOLICY_CANONICAL reads the block inside the deployment policy, whose bytes are hashed
 * and anchored: every line is exactly "item SP item SP ...", no blank or comment lines, log
 * lines, then witness lines, then group lines, then the quorum line, and group members in
 * definition order (witnesses, then groups) -- exactly what sp_wpolicy_format writes.
 * Anything else there is SP_ERR_POLICY_NOT_CANONICAL.
 *
 * Names and URLs are opaque octet strings as the spec says (bytes 0x21..0x7E and
 * 0x80..0xFF); key names inside vkeys follow the signed-note rules (sp_vkey_parse_typed).
 *
 * Parsing only checks syntax and resolves names; every invariant lives in validate_at(),
 * which sp_wpolicy_validate() runs for in-memory policies and the parser runs at the end,
 * so the two can never disagree.  validate_at() also says which entry failed, so the
 * parser can report its line.
 *
 * Why the extra refusals (beyond the spec): the device trusts no checkpoint without a
 * witness quorum, so `quorum none` and quorums one witness could meet alone are refused;
 * and a member listed twice anywhere (not just within one group) is refused, so the
 * groups form a tree and no witness contributes to the quorum along two paths.
 *
 * Evaluation is one forward pass over the groups: a group's members are always defined on
 * earlier lines, so group j depends only on groups < j.  No recursion, no scratch.
 */
#include "softpause/witness_policy.h"

#include <string.h>

#include "softpause/encoding.h"
#include "bits.h"
#include "text.h"

_Static_assert(SP_MAX_WITNESSES <= 32u && SP_MAX_WITNESS_GROUPS <= 32u,
               "witness and group sets are 32-bit masks");
_Static_assert(SP_MAX_LOGS <= 32u, "log line numbers use small arrays");

/* What a validation error points at, so the parser can turn it into a line number. */
enum { AT_WHOLE = 0, AT_LOG = 1, AT_WITNESS = 2, AT_GROUP = 3, AT_QUORUM = 4 };

/* Line kinds, in canonical order. */
enum { KIND_LOG = 0, KIND_WITNESS = 1, KIND_GROUP = 2, KIND_QUORUM = 3, KIND_NONE = 9 };

/* The reserved name (tlog-policy: "none" is predefined, never a member). */
static const char none_name[] = "none";

/* ---- bytes and names ---------------------------------------------------------------- */

/* A byte allowed inside a name or URL: printable ASCII other than space, or any high byte. */
static int item_byte(uint8_t c)
{
    return (c > 0x20 && c < 0x7F) || c >= 0x80;
}

static int all_item_bytes(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!item_byte(s[i]))
            return 0;
    return 1;
}

/* 1 iff the stored name s (in a char[cap]) equals t[0..n). */
static int stored_eq(const char *s, size_t cap, const uint8_t *t, size_t n)
{
    return n < cap && s[n] == '\0' && (n == 0 || memcmp(s, t, n) == 0);
}

/* A policy-local witness or group name in a char[SP_MAX_NAME_BYTES + 1]. */
static int local_name_ok(const char *s)
{
    size_t n = sp_text_bounded_len(s, SP_MAX_NAME_BYTES + 1u);
    return n >= 1 && n <= SP_MAX_NAME_BYTES && all_item_bytes((const uint8_t *)s, n) &&
           !stored_eq(s, SP_MAX_NAME_BYTES + 1u, (const uint8_t *)none_name,
                      sizeof none_name - 1u);
}

/* A URL in a char[SP_MAX_URL_BYTES + 1]: empty (absent) or opaque item bytes. */
static int url_ok(const char *s)
{
    size_t n = sp_text_bounded_len(s, SP_MAX_URL_BYTES + 1u);
    return n <= SP_MAX_URL_BYTES && all_item_bytes((const uint8_t *)s, n);
}

/* An ID-checked vkey of type alg (0 counts as 0x01) with a valid, terminated name. */
static sp_err vkey_ok(const sp_vkey *k, uint8_t alg)
{
    uint8_t a = k->alg == 0 ? SP_KEY_ALG_ED25519 : k->alg;
    if (a != alg)
        return SP_ERR_KEY_ALGORITHM;
    if (k->name_len > SP_MAX_NAME_BYTES || k->name[k->name_len] != '\0')
        return SP_ERR_KEY_NAME;
    return sp_key_name_check(k->name, k->name_len);
}

/* Two vkeys a note signature line could not tell apart: same name and key ID. */
static int same_line_key(const sp_vkey *a, const sp_vkey *b)
{
    return a->key_id == b->key_id && a->name_len == b->name_len &&
           memcmp(a->name, b->name, a->name_len) == 0;
}

static int same_public_key(const sp_vkey *a, const sp_vkey *b)
{
    return memcmp(a->public_key, b->public_key, SP_ED25519_PUBLIC_KEY_BYTES) == 0;
}

/* ---- validation --------------------------------------------------------------------- */

static sp_err validate_logs(const sp_wpolicy *wp, uint32_t *index)
{
    for (uint32_t i = 0; i < wp->log_count; i++) {
        const sp_wlog *l = &wp->logs[i];
        sp_err e = vkey_ok(&l->key, SP_KEY_ALG_ED25519);
        *index = i;
        if (e != SP_OK)
            return e;
        if (!url_ok(l->url))
            return SP_ERR_POLICY_FORMAT;
        for (uint32_t j = 0; j < i; j++)
            if (same_public_key(&l->key, &wp->logs[j].key) ||
                same_line_key(&l->key, &wp->logs[j].key))
                return SP_ERR_POLICY_DUPLICATE_KEY;
    }
    return SP_OK;
}

static sp_err validate_witnesses(const sp_wpolicy *wp, uint32_t *index)
{
    for (uint32_t i = 0; i < wp->witness_count; i++) {
        const sp_witness *w = &wp->witnesses[i];
        sp_err e;
        *index = i;
        if (!local_name_ok(w->name))
            return SP_ERR_POLICY_WITNESS_NAME;
        e = vkey_ok(&w->key, SP_KEY_ALG_COSIGNER);
        if (e != SP_OK)
            return e;
        if (!url_ok(w->url))
            return SP_ERR_POLICY_FORMAT;
        for (uint32_t j = 0; j < i; j++) {
            const sp_witness *o = &wp->witnesses[j];
            if (stored_eq(o->name, sizeof o->name, (const uint8_t *)w->name,
                          sp_text_bounded_len(w->name, sizeof w->name)))
                return SP_ERR_POLICY_WITNESS_NAME;
            if (same_public_key(&w->key, &o->key) || same_line_key(&w->key, &o->key))
                return SP_ERR_POLICY_DUPLICATE_KEY;
        }
        /* A log cosigning its own checkpoints is no witness. */
        for (uint32_t j = 0; j < wp->log_count; j++)
            if (same_public_key(&w->key, &wp->logs[j].key))
                return SP_ERR_POLICY_KEY_ROLES;
    }
    return SP_OK;
}

static sp_err validate_groups(const sp_wpolicy *wp, uint32_t *index)
{
    uint32_t used_w = 0, used_g = 0;

    for (uint32_t j = 0; j < wp->group_count; j++) {
        const sp_witness_group *g = &wp->groups[j];
        size_t n = sp_text_bounded_len(g->name, sizeof g->name);
        uint32_t members;
        *index = j;
        if (!local_name_ok(g->name))
            return SP_ERR_POLICY_WITNESS_NAME;
        for (uint32_t i = 0; i < wp->witness_count; i++)
            if (stored_eq(wp->witnesses[i].name, sizeof wp->witnesses[i].name,
                          (const uint8_t *)g->name, n))
                return SP_ERR_POLICY_WITNESS_NAME;
        for (uint32_t i = 0; i < j; i++)
            if (stored_eq(wp->groups[i].name, sizeof wp->groups[i].name,
                          (const uint8_t *)g->name, n))
                return SP_ERR_POLICY_WITNESS_NAME;
        /* Members must be defined before the group: witnesses that exist, earlier groups. */
        if ((g->witness_members & ~sp_low_mask(wp->witness_count)) != 0 ||
            (g->group_members & ~sp_low_mask(j)) != 0)
            return SP_ERR_POLICY_WITNESS_NAME;
        members = sp_popcount32(g->witness_members) + sp_popcount32(g->group_members);
        if (g->n != members || g->n == 0 || g->k < 1 || g->k > g->n || g->k_form > 2 ||
            (g->k_form == 1 && g->k != g->n) || (g->k_form == 2 && g->k != 1))
            return SP_ERR_POLICY_GROUP;
        if ((g->witness_members & used_w) != 0 || (g->group_members & used_g) != 0)
            return SP_ERR_POLICY_GROUP; /* a name listed as a member twice */
        used_w |= g->witness_members;
        used_g |= g->group_members;
    }
    return SP_OK;
}

SP_NOINLINE static sp_err validate_at(const sp_wpolicy *wp, uint32_t *at, uint32_t *index)
{
    sp_err e;

    *at = AT_WHOLE;
    *index = 0;
    if (wp->log_count > SP_MAX_LOGS || wp->witness_count > SP_MAX_WITNESSES ||
        wp->group_count > SP_MAX_WITNESS_GROUPS)
        return SP_ERR_POLICY_LIMIT;
    if (wp->log_count == 0)
        return SP_ERR_POLICY_NO_LOG;
    *at = AT_LOG;
    e = validate_logs(wp, index);
    if (e != SP_OK)
        return e;
    *at = AT_WITNESS;
    e = validate_witnesses(wp, index);
    if (e != SP_OK)
        return e;
    *at = AT_GROUP;
    e = validate_groups(wp, index);
    if (e != SP_OK)
        return e;
    *at = AT_QUORUM;
    *index = 0;
    if (wp->quorum_kind == SP_QUORUM_NONE)
        return SP_ERR_POLICY_QUORUM_NONE;
    if (!((wp->quorum_kind == SP_QUORUM_WITNESS && wp->quorum_index < wp->witness_count) ||
          (wp->quorum_kind == SP_QUORUM_GROUP && wp->quorum_index < wp->group_count)))
        return SP_ERR_POLICY_WITNESS_NAME;
    for (uint32_t i = 0; i < wp->witness_count; i++)
        if (sp_wpolicy_quorum_met(wp, (uint32_t)1 << i))
            return SP_ERR_POLICY_SINGLE_WITNESS;
    return SP_OK;
}

sp_err sp_wpolicy_validate(const sp_wpolicy *wp)
{
    uint32_t at, index;
    if (wp == NULL)
        return SP_ERR_ARGUMENT;
    return validate_at(wp, &at, &index);
}

/* ---- evaluation --------------------------------------------------------------------- */

int sp_wpolicy_quorum_met(const sp_wpolicy *wp, uint32_t cosigned)
{
    uint32_t met = 0;

    if (wp == NULL || wp->witness_count > SP_MAX_WITNESSES ||
        wp->group_count > SP_MAX_WITNESS_GROUPS)
        return 0;
    cosigned &= sp_low_mask(wp->witness_count);
    /* Group j's members are witnesses and groups < j: one forward pass suffices. */
    for (uint32_t j = 0; j < wp->group_count; j++) {
        const sp_witness_group *g = &wp->groups[j];
        uint32_t c = sp_popcount32(g->witness_members & cosigned) +
                     sp_popcount32(g->group_members & met & sp_low_mask(j));
        if (g->k >= 1 && c >= g->k) /* k == 0 never holds: fail closed */
            met |= (uint32_t)1 << j;
    }
    if (wp->quorum_kind == SP_QUORUM_WITNESS && wp->quorum_index < wp->witness_count)
        return (int)((cosigned >> wp->quorum_index) & 1u);
    if (wp->quorum_kind == SP_QUORUM_GROUP && wp->quorum_index < wp->group_count)
        return (int)((met >> wp->quorum_index) & 1u);
    return 0;
}

sp_err sp_wpolicy_quorum_time(const sp_wpolicy *wp, uint32_t cosigned,
                              const uint64_t times[SP_MAX_WITNESSES], uint64_t *t)
{
    uint64_t best = 0;
    int found = 0;

    if (t == NULL)
        return SP_ERR_ARGUMENT;
    *t = 0;
    if (wp == NULL || times == NULL || wp->witness_count > SP_MAX_WITNESSES)
        return SP_ERR_ARGUMENT;
    cosigned &= sp_low_mask(wp->witness_count);
    if (!sp_wpolicy_quorum_met(wp, cosigned))
        return SP_ERR_WITNESS_QUORUM;
    /* The answer is one of the cosigners' times: try each as the threshold t, keeping the
     * witnesses whose own time is >= t (monotone: a lower t only adds witnesses). */
    for (uint32_t i = 0; i < wp->witness_count; i++) {
        uint32_t at_least = 0;
        if (((cosigned >> i) & 1u) == 0 || (found && times[i] <= best))
            continue;
        for (uint32_t j = 0; j < wp->witness_count; j++)
            if (((cosigned >> j) & 1u) != 0 && times[j] >= times[i])
                at_least |= (uint32_t)1 << j;
        if (sp_wpolicy_quorum_met(wp, at_least)) {
            best = times[i];
            found = 1;
        }
    }
    if (!found) /* cannot happen: the lowest cosigner time keeps every cosigner */
        return SP_ERR_WITNESS_QUORUM;
    *t = best;
    return SP_OK;
}

uint32_t sp_wpolicy_find_log(const sp_wpolicy *wp, const char *origin, size_t len)
{
    if (wp == NULL || origin == NULL || wp->log_count > SP_MAX_LOGS)
        return UINT32_MAX;
    for (uint32_t i = 0; i < wp->log_count; i++)
        if (wp->logs[i].key.name_len == len && len <= SP_MAX_NAME_BYTES &&
            memcmp(wp->logs[i].key.name, origin, len) == 0)
            return i;
    return UINT32_MAX;
}

/* ---- parsing ------------------------------------------------------------------------ */

/* Items of one line, separated by runs of blanks (bits.h: sp_tok_item; the canonical check
 * has already made sure that, in canonical mode, every separator is exactly one space). */
#define TOK_IS(t, lit) sp_tok_is((t), (lit), sizeof(lit) - 1u)

/* Byte rules of every line (tlog-policy "Character set"), then, in canonical mode, the
 * exact spacing and no blank or comment lines. */
static sp_err check_line_bytes(const uint8_t *line, size_t n, uint32_t mode)
{
    for (size_t i = 0; i < n; i++)
        if (line[i] != '\t' && !(line[i] >= 0x20 && line[i] != 0x7F))
            return SP_ERR_POLICY_FORMAT;
    if (mode != SP_WPOLICY_CANONICAL)
        return SP_OK;
    if (n == 0 || line[0] == ' ' || line[0] == '#' || line[n - 1] == ' ')
        return SP_ERR_POLICY_NOT_CANONICAL;
    for (size_t i = 0; i < n; i++)
        if (line[i] == '\t' || (line[i] == ' ' && line[i + 1] == ' '))
            return SP_ERR_POLICY_NOT_CANONICAL; /* i + 1 < n: line[n - 1] != ' ' */
    return SP_OK;
}

/* Copy an optional URL item into url[SP_MAX_URL_BYTES + 1]. */
static sp_err take_url(char *url, const sp_tok *t)
{
    if (t->n > SP_MAX_URL_BYTES)
        return SP_ERR_POLICY_LIMIT;
    memcpy(url, t->p, t->n);
    url[t->n] = '\0';
    return SP_OK;
}

/* Resolve a defined witness or group name.  Returns SP_QUORUM_WITNESS, SP_QUORUM_GROUP or
 * SP_QUORUM_NONE (undefined). */
static uint32_t find_name(const sp_wpolicy *wp, const sp_tok *t, uint32_t *index)
{
    for (uint32_t i = 0; i < wp->witness_count; i++)
        if (stored_eq(wp->witnesses[i].name, sizeof wp->witnesses[i].name, t->p, t->n)) {
            *index = i;
            return SP_QUORUM_WITNESS;
        }
    for (uint32_t j = 0; j < wp->group_count; j++)
        if (stored_eq(wp->groups[j].name, sizeof wp->groups[j].name, t->p, t->n)) {
            *index = j;
            return SP_QUORUM_GROUP;
        }
    *index = 0;
    return SP_QUORUM_NONE;
}

/* A name being defined: within limits, not reserved, not yet defined. */
static sp_err new_name(const sp_wpolicy *wp, const sp_tok *t, char name[SP_MAX_NAME_BYTES + 1])
{
    uint32_t index;
    if (t->n > SP_MAX_NAME_BYTES)
        return SP_ERR_POLICY_LIMIT;
    if (TOK_IS(t, none_name) || find_name(wp, t, &index) != SP_QUORUM_NONE)
        return SP_ERR_POLICY_WITNESS_NAME;
    memcpy(name, t->p, t->n);
    name[t->n] = '\0';
    return SP_OK;
}

/* The rest of a log or witness line: "<vkey> [<url>]", nothing after. */
static sp_err key_and_url(sp_tok_cursor *c, uint8_t alg, uint32_t mode, sp_vkey *key,
                          char *url, const sp_crypto *crypto)
{
    sp_tok t;
    sp_err e;

    if (!sp_tok_item(c, &t))
        return SP_ERR_POLICY_FORMAT;
    e = sp_vkey_parse_typed(key, (const char *)t.p, t.n, alg, crypto);
    /* A file-mode policy is the operator's own text; the deployment's copy must have one
     * spelling per key, or one policy would have two hashes. */
    if (e == SP_OK && mode == SP_WPOLICY_CANONICAL &&
        !sp_vkey_spelled_canonically(key, (const char *)t.p, t.n))
        e = SP_ERR_POLICY_NOT_CANONICAL;
    if (e == SP_OK && sp_tok_item(c, &t))
        e = take_url(url, &t);
    if (e == SP_OK && sp_tok_item(c, &t))
        e = SP_ERR_POLICY_FORMAT;
    return e;
}

SP_NOINLINE static sp_err parse_log(sp_wpolicy *wp, sp_tok_cursor *c, uint32_t mode,
                                    const sp_crypto *crypto)
{
    sp_wlog *l;
    sp_err e;

    if (wp->log_count == SP_MAX_LOGS)
        return SP_ERR_POLICY_LIMIT;
    l = &wp->logs[wp->log_count];
    e = key_and_url(c, SP_KEY_ALG_ED25519, mode, &l->key, l->url, crypto);
    if (e != SP_OK) {
        memset(l, 0, sizeof *l);
        return e;
    }
    wp->log_count++;
    return SP_OK;
}

SP_NOINLINE static sp_err parse_witness(sp_wpolicy *wp, sp_tok_cursor *c, uint32_t mode,
                                        const sp_crypto *crypto)
{
    sp_witness *w;
    sp_tok name;
    sp_err e;

    if (wp->witness_count == SP_MAX_WITNESSES)
        return SP_ERR_POLICY_LIMIT;
    w = &wp->witnesses[wp->witness_count];
    if (!sp_tok_item(c, &name))
        return SP_ERR_POLICY_FORMAT;
    e = new_name(wp, &name, w->name);
    if (e == SP_OK)
        e = key_and_url(c, SP_KEY_ALG_COSIGNER, mode, &w->key, w->url, crypto);
    if (e != SP_OK) {
        memset(w, 0, sizeof *w);
        return e;
    }
    wp->witness_count++;
    return SP_OK;
}

/* The threshold item: "all", "any" or a canonical decimal (checked against n later). */
static sp_err parse_threshold(sp_witness_group *g, const sp_tok *t)
{
    uint64_t k = 0;
    sp_err e;

    if (TOK_IS(t, "all")) {
        g->k_form = 1;
        return SP_OK;
    }
    if (TOK_IS(t, "any")) {
        g->k_form = 2;
        g->k = 1;
        return SP_OK;
    }
    e = sp_decimal_parse(&k, (const char *)t->p, t->n, UINT32_MAX);
    if (e == SP_ERR_NUMBER_RANGE)
        return SP_ERR_POLICY_GROUP; /* k above any possible n */
    if (e != SP_OK)
        return SP_ERR_POLICY_FORMAT;
    g->k = (uint32_t)k;
    return SP_OK;
}

/* One member: a defined name, not "none", not twice in this group; in canonical mode in
 * definition order (*last is the previous member's position, witnesses before groups). */
static sp_err add_member(const sp_wpolicy *wp, sp_witness_group *g, const sp_tok *t,
                         uint32_t mode, uint32_t *last)
{
    uint32_t index, kind = find_name(wp, t, &index), position, bit;

    if (kind == SP_QUORUM_NONE)
        return SP_ERR_POLICY_WITNESS_NAME; /* undefined, or "none" */
    bit = (uint32_t)1 << index;
    if ((kind == SP_QUORUM_WITNESS ? g->witness_members : g->group_members) & bit)
        return SP_ERR_POLICY_GROUP;
    if (kind == SP_QUORUM_WITNESS)
        g->witness_members |= bit;
    else
        g->group_members |= bit;
    g->n++;
    position = (kind == SP_QUORUM_WITNESS ? 0u : SP_MAX_WITNESSES) + index + 1u;
    if (mode == SP_WPOLICY_CANONICAL && position < *last)
        return SP_ERR_POLICY_NOT_CANONICAL;
    *last = position;
    return SP_OK;
}

SP_NOINLINE static sp_err parse_group(sp_wpolicy *wp, sp_tok_cursor *c, uint32_t mode)
{
    sp_witness_group *g;
    uint32_t last = 0;
    sp_tok name, t;
    sp_err e;

    if (wp->group_count == SP_MAX_WITNESS_GROUPS)
        return SP_ERR_POLICY_LIMIT;
    g = &wp->groups[wp->group_count];
    if (!sp_tok_item(c, &name) || !sp_tok_item(c, &t))
        return SP_ERR_POLICY_FORMAT;
    e = new_name(wp, &name, g->name);
    if (e == SP_OK)
        e = parse_threshold(g, &t);
    while (e == SP_OK && sp_tok_item(c, &t))
        e = add_member(wp, g, &t, mode, &last);
    if (e == SP_OK && g->k_form == 1)
        g->k = g->n;
    if (e == SP_OK && (g->n == 0 || g->k < 1 || g->k > g->n))
        e = SP_ERR_POLICY_GROUP;
    if (e != SP_OK) {
        memset(g, 0, sizeof *g);
        return e;
    }
    wp->group_count++;
    return SP_OK;
}

static sp_err parse_quorum(sp_wpolicy *wp, sp_tok_cursor *c)
{
    uint32_t index;
    sp_tok name, extra;

    if (!sp_tok_item(c, &name) || sp_tok_item(c, &extra))
        return SP_ERR_POLICY_FORMAT;
    if (TOK_IS(&name, none_name))
        return SP_ERR_POLICY_QUORUM_NONE;
    wp->quorum_kind = find_name(wp, &name, &index);
    wp->quorum_index = index;
    return wp->quorum_kind == SP_QUORUM_NONE ? SP_ERR_POLICY_WITNESS_NAME : SP_OK;
}

/* The kind of a line from its keyword, KIND_NONE if unknown. */
static uint32_t kind_of(const sp_tok *kw)
{
    if (TOK_IS(kw, "log"))
        return KIND_LOG;
    if (TOK_IS(kw, "witness"))
        return KIND_WITNESS;
    if (TOK_IS(kw, "group"))
        return KIND_GROUP;
    if (TOK_IS(kw, "quorum"))
        return KIND_QUORUM;
    return KIND_NONE;
}

/* First item of a line, 0 for a blank or comment line. */
static int first_item(const uint8_t *text, const sp_span *span, sp_tok_cursor *c, sp_tok *first)
{
    c->p = text + span->off;
    c->n = span->len;
    c->pos = 0;
    return sp_tok_item(c, first) && first->p[0] != '#';
}

/*
 * The line of the index-th entry of kind `at` (validate_at's answer) in a text that has
 * parsed, found by scanning it again: only on an error, and it keeps a per-entry line
 * table off the stack.  0 for the whole text, or when there is no such line.
 */
static uint32_t line_of(const uint8_t *text, size_t len, uint32_t at, uint32_t index)
{
    static const uint32_t kind_at[5] = {KIND_NONE, KIND_LOG, KIND_WITNESS, KIND_GROUP,
                                        KIND_QUORUM};
    uint32_t line = 0, seen = 0;
    size_t pos = 0;

    if (at >= 5 || kind_at[at] == KIND_NONE)
        return 0;
    while (pos < len) {
        sp_tok_cursor c;
        sp_span span;
        sp_tok first;
        line++;
        if (sp_text_next_line(text, len, &pos, &span) != SP_OK)
            return 0;
        if (first_item(text, &span, &c, &first) && kind_of(&first) == kind_at[at] &&
            seen++ == index)
            return line;
    }
    return 0;
}

/* Parse one non-skipped line of the given kind; *last_kind enforces canonical order. */
SP_NOINLINE static sp_err parse_line(sp_wpolicy *wp, sp_tok_cursor *c, uint32_t mode,
                                     const sp_crypto *crypto, uint32_t *last_kind,
                                     uint32_t *quorum_seen)
{
    uint32_t kind;
    sp_tok kw;

    if (!sp_tok_item(c, &kw))
        return SP_ERR_POLICY_FORMAT;
    kind = kind_of(&kw);
    if (kind == KIND_NONE)
        return SP_ERR_POLICY_FORMAT;
    if (kind == KIND_QUORUM && *quorum_seen)
        return SP_ERR_POLICY_FORMAT; /* exactly one quorum line */
    if (mode == SP_WPOLICY_CANONICAL && *last_kind != KIND_NONE && kind < *last_kind)
        return SP_ERR_POLICY_NOT_CANONICAL;
    *last_kind = kind;
    switch (kind) {
    case KIND_LOG:
        return parse_log(wp, c, mode, crypto);
    case KIND_WITNESS:
        return parse_witness(wp, c, mode, crypto);
    case KIND_GROUP:
        return parse_group(wp, c, mode);
    default:
        *quorum_seen = 1;
        return parse_quorum(wp, c);
    }
}

sp_err sp_wpolicy_parse(sp_wpolicy *out, const uint8_t *text, size_t len, uint32_t mode,
                        const sp_crypto *crypto, uint32_t *err_line)
{
    uint32_t line = 0, last_kind = KIND_NONE, quorum_seen = 0, at, index;
    size_t pos = 0;
    sp_err e = SP_OK;

    if (err_line != NULL)
        *err_line = 0;
    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if ((text == NULL && len != 0) || crypto == NULL ||
        (mode != SP_WPOLICY_FILE && mode != SP_WPOLICY_CANONICAL))
        return SP_ERR_ARGUMENT;
    if (len > SP_MAX_POLICY_BYTES)
        return SP_ERR_POLICY_LIMIT;
    while (e == SP_OK && pos < len) {
        sp_tok_cursor c;
        sp_span span;
        sp_tok first;

        line++;
        if (sp_text_next_line(text, len, &pos, &span) != SP_OK) {
            /* the last line has no '\n' (in the deployment policy: not canonical) */
            e = mode == SP_WPOLICY_CANONICAL ? SP_ERR_POLICY_NOT_CANONICAL : SP_ERR_POLICY_FORMAT;
            break;
        }
        e = check_line_bytes(text + span.off, span.len, mode);
        if (e != SP_OK)
            break;
        /* Blank and comment lines (file mode only: canonical mode refused them above). */
        if (!first_item(text, &span, &c, &first))
            continue;
        c.pos = 0;
        e = parse_line(out, &c, mode, crypto, &last_kind, &quorum_seen);
    }
    if (e == SP_OK) {
        e = validate_at(out, &at, &index);
        line = e == SP_OK ? 0 : line_of(text, len, at, index);
    }
    if (e != SP_OK) {
        memset(out, 0, sizeof *out);
        if (err_line != NULL)
            *err_line = line;
    }
    return e;
}

/* ---- formatting --------------------------------------------------------------------- */

static void w_str(sp_writer *w, const char *s, size_t cap)
{
    sp_writer_put(w, s, sp_text_bounded_len(s, cap));
}

/* A vkey written straight into the output (no stack copy). */
static void w_vkey(sp_writer *w, const sp_vkey *k)
{
    size_t n = 0;
    if (w->err != SP_OK)
        return;
    w->err = sp_vkey_format(k, (char *)w->out + w->len, w->cap - w->len, &n);
    if (w->err == SP_OK)
        w->len += n;
}

static void w_url(sp_writer *w, const char *url)
{
    if (url[0] != '\0') {
        sp_writer_put(w, " ", 1);
        w_str(w, url, SP_MAX_URL_BYTES + 1u);
    }
}

SP_NOINLINE static void format_group(sp_writer *w, const sp_wpolicy *wp,
                                     const sp_witness_group *g)
{
    sp_writer_put(w, "group ", 6);
    w_str(w, g->name, sizeof g->name);
    if (g->k_form == 1)
        sp_writer_put(w, " all", 4);
    else if (g->k_form == 2)
        sp_writer_put(w, " any", 4);
    else {
        sp_writer_put(w, " ", 1);
        sp_writer_decimal(w, g->k);
    }
    /* Members in definition order: witnesses, then groups (the canonical order). */
    for (uint32_t i = 0; i < wp->witness_count; i++)
        if ((g->witness_members >> i) & 1u) {
            sp_writer_put(w, " ", 1);
            w_str(w, wp->witnesses[i].name, sizeof wp->witnesses[i].name);
        }
    for (uint32_t j = 0; j < wp->group_count; j++)
        if ((g->group_members >> j) & 1u) {
            sp_writer_put(w, " ", 1);
            w_str(w, wp->groups[j].name, sizeof wp->groups[j].name);
        }
    sp_writer_put(w, "\n", 1);
}

sp_err sp_wpolicy_format(const sp_wpolicy *wp, uint8_t *out, size_t cap, size_t *out_len)
{
    sp_writer w;
    sp_err e;

    if (out_len != NULL)
        *out_len = 0;
    if (wp == NULL || out_len == NULL || (out == NULL && cap != 0))
        return SP_ERR_ARGUMENT;
    e = sp_wpolicy_validate(wp); /* write only what the parser would read back */
    if (e != SP_OK)
        return e;
    sp_writer_init(&w, out, cap);
    for (uint32_t i = 0; i < wp->log_count; i++) {
        sp_writer_put(&w, "log ", 4);
        w_vkey(&w, &wp->logs[i].key);
        w_url(&w, wp->logs[i].url);
        sp_writer_put(&w, "\n", 1);
    }
    for (uint32_t i = 0; i < wp->witness_count; i++) {
        const sp_witness *x = &wp->witnesses[i];
        sp_writer_put(&w, "witness ", 8);
        w_str(&w, x->name, sizeof x->name);
        sp_writer_put(&w, " ", 1);
        w_vkey(&w, &x->key);
        w_url(&w, x->url);
        sp_writer_put(&w, "\n", 1);
    }
    for (uint32_t j = 0; j < wp->group_count; j++)
        format_group(&w, wp, &wp->groups[j]);
    sp_writer_put(&w, "quorum ", 7);
    if (wp->quorum_kind == SP_QUORUM_WITNESS)
        w_str(&w, wp->witnesses[wp->quorum_index].name, SP_MAX_NAME_BYTES + 1u);
    else
        w_str(&w, wp->groups[wp->quorum_index].name, SP_MAX_NAME_BYTES + 1u);
    sp_writer_put(&w, "\n", 1);
    return sp_writer_finish(&w, out_len);
}
