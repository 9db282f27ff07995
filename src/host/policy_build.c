/*
 * policy_build.c -- a policy from a human description (policy_build.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/host/policy_build.h"
#include "softpause/host/sodium_crypto.h"

static int find_tag(const sp_policy *p, const char *t, size_t len)
{
    for (uint32_t i = 0; i < p->tag_count; i++)
        if (strlen(p->tags[i]) == len && memcmp(p->tags[i], t, len) == 0)
            return (int)i;
    return -1;
}

/* Call fn(p, tag, len, arg) for each tag of a comma-separated list ("-" is empty). */
static sp_err each_tag(sp_policy *p, const char *list,
                       sp_err (*fn)(sp_policy *, const char *, size_t, void *), void *arg)
{
    if (list == NULL || strcmp(list, "-") == 0)
        return SP_OK;
    for (const char *t = list; *t != '\0';) {
        size_t len = strcspn(t, ",");
        sp_err e = fn(p, t, len, arg);
        if (e != SP_OK)
            return e;
        t += len;
        if (*t == ',')
            t++;
    }
    return SP_OK;
}

static sp_err declare_tag(sp_policy *p, const char *t, size_t len, void *arg)
{
    (void)arg;
    if (find_tag(p, t, len) >= 0)
        return SP_OK;
    if (len == 0 || len > SP_MAX_TAG_BYTES || p->tag_count >= SP_MAX_TAGS)
        return SP_ERR_POLICY_LIMIT;
    if (!sp_policy_name_valid(SP_POLICY_NAME_TAG, (const uint8_t *)t, len))
        return SP_ERR_POLICY_FORMAT;
    memcpy(p->tags[p->tag_count], t, len);
    p->tags[p->tag_count][len] = '\0';
    p->tag_count++;
    return SP_OK;
}

static sp_err set_tag_bit(sp_policy *p, const char *t, size_t len, void *arg)
{
    int i = find_tag(p, t, len);
    if (i < 0)
        return SP_ERR_POLICY_TAG_UNDECLARED;
    *(uint32_t *)arg |= 1u << i;
    return SP_OK;
}

/* The size errors: "signers: 40, at most 32"; "body name 'x...' is 70 bytes, at most 64". */
static sp_err too_many(char *detail, size_t cap, const char *what, size_t n, unsigned max)
{
    snprintf(detail, cap, "%zu %s, at most %u", n, what, max);
    return SP_ERR_POLICY_LIMIT;
}

static sp_err too_long(char *detail, size_t cap, const char *what, const char *text,
                       unsigned max)
{
    snprintf(detail, cap, "%s '%.*s...' is %zu bytes, at most %u", what, (int)max, text,
             strlen(text), max);
    return SP_ERR_POLICY_LIMIT;
}

/* The syntax of names (sp_policy_name_valid), as refusals state it ("%u": the limit). */
#define TAG_SYNTAX "1..%u characters of a-z 0-9 - (not '-' alone)"
#define NAME_CHARS(extra) "1..%u characters of A-Z a-z 0-9 . _ " extra "-"

/* Why declare_tag refused tag t[0..n) (of signer body, or declared with --tag). */
static sp_err tag_detail(const sp_policy *p, const char *t, size_t n, const char *body,
                         char *detail, size_t cap, sp_err e)
{
    char who[SP_MAX_BODY_BYTES + 16];
    snprintf(who, sizeof who, body != NULL ? " of signer '%s'" : "%s", body != NULL ? body : "");
    if (n == 0)
        snprintf(detail, cap, "an empty tag%s", who);
    else if (n > SP_MAX_TAG_BYTES)
        snprintf(detail, cap, "tag '%.*s...'%s is %zu bytes, at most %u", (int)SP_MAX_TAG_BYTES,
                 t, who, n, SP_MAX_TAG_BYTES);
    else if (e == SP_ERR_POLICY_FORMAT)
        snprintf(detail, cap, "tag '%.*s'%s: expected " TAG_SYNTAX, (int)n, t, who,
                 SP_MAX_TAG_BYTES);
    else if (p->tag_count >= SP_MAX_TAGS)
        snprintf(detail, cap, "tag '%.*s'%s: more than %u tags", (int)n, t, who, SP_MAX_TAGS);
    else
        snprintf(detail, cap, "tag '%.*s'%s", (int)n, t, who);
    return e;
}

static int cmp_tag(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int cmp_spec(const void *a, const void *b)
{
    const sp_policy_signer_spec *const *x = a, *const *y = b;
    return strcmp((*x)->body, (*y)->body);
}

/* "K of SET", exactly: K in 0..SP_MAX_SIGNERS + 1 written without sign or leading zero
 * (0 and K > |SET| are refused by validation, as thresholds), one space on each side of
 * "of", SET non-empty and without spaces.  Returns 0 with *k and *set, or -1. */
static int split_rule(const char *spec, unsigned long long *k, const char **set)
{
    const char *p = spec;
    unsigned long long v = 0;
    if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10u + (unsigned)(*p - '0');
        if (v > SP_MAX_SIGNERS + 1u)
            return -1;
    }
    if (strncmp(p, " of ", 4) != 0 || p[4] == '\0' || strpbrk(p + 4, " \t\r\n\v\f") != NULL)
        return -1;
    *k = v;
    *set = p + 4;
    return 0;
}

/* A rule as written into r.  A signer name not in the policy: SP_ERR_POLICY_UNKNOWN_SIGNER,
 * *unknown and *unknown_len say which. */
static sp_err parse_rule(sp_policy *p, const char *spec, sp_rule *r, const char **unknown,
                         size_t *unknown_len)
{
    const char *set;
    unsigned long long k;
    memset(r, 0, sizeof *r);
    if (split_rule(spec, &k, &set) != 0)
        return SP_ERR_USAGE;
    r->k = (uint32_t)k;
    if (strcmp(set, "all") == 0) {
        r->kind = SP_SET_ALL;
        for (uint32_t i = 0; i < p->signer_count; i++)
            r->members |= 1u << i;
        return SP_OK;
    }
    if (strncmp(set, "signers:", 8) == 0) {
        r->kind = SP_SET_SIGNERS;
        for (const char *n = set + 8; *n != '\0';) {
            size_t len = strcspn(n, ","), i;
            for (i = 0; i < p->signer_count; i++)
                if (p->signers[i].key.name_len == len &&
                    memcmp(p->signers[i].key.name, n, len) == 0)
                    break;
            if (i == p->signer_count) {
                *unknown = n;
                *unknown_len = len;
                return SP_ERR_POLICY_UNKNOWN_SIGNER;
            }
            r->members |= 1u << i;
            n += len;
            if (*n == ',')
                n++;
        }
        return SP_OK;
    }
    const char *tag = strncmp(set, "tag:", 4) == 0 ? set + 4 : set;
    int t = find_tag(p, tag, strlen(tag));
    if (t < 0)
        return SP_ERR_POLICY_TAG_UNDECLARED;
    r->kind = SP_SET_TAG;
    r->tag = (uint32_t)t;
    for (uint32_t i = 0; i < p->signer_count; i++)
        if (p->signers[i].tags & (1u << t))
            r->members |= 1u << i;
    return SP_OK;
}

/* A log's or witness's URL, which the host will connect to: empty (absent), or
 * http(s)://HOST[:PORT][/PATH] with a non-empty HOST (a name, an IPv4 address or [IPv6])
 * and, when the colon is there, a PORT in 1..65535.  The verifier keeps URLs opaque
 * (C2SP tlog-policy); this is the host's check of what it will use.  0 or -1. */
static int url_usable(const char *u)
{
    const char *h;
    if (u[0] == '\0')
        return 0;
    if (strncmp(u, "http://", 7) == 0)
        h = u + 7;
    else if (strncmp(u, "https://", 8) == 0)
        h = u + 8;
    else
        return -1;
    const char *end = h + strcspn(h, "/?#");
    const char *port = NULL;
    if (h[0] == '[') {
        const char *close = memchr(h, ']', (size_t)(end - h));
        if (close == NULL || close == h + 1)
            return -1;
        if (close + 1 < end) {
            if (close[1] != ':')
                return -1;
            port = close + 2;
        }
    } else {
        const char *colon = memchr(h, ':', (size_t)(end - h));
        if ((colon != NULL ? colon : end) == h || memchr(h, '@', (size_t)(end - h)) != NULL)
            return -1;
        if (colon != NULL)
            port = colon + 1;
    }
    if (port != NULL) {
        unsigned long v = 0;
        if (port == end || port[0] == '0')
            return -1;
        for (const char *c = port; c < end; c++) {
            if (*c < '0' || *c > '9' || (v = v * 10u + (unsigned)(*c - '0')) > 65535u)
                return -1;
        }
    }
    return 0;
}

static sp_err check_urls(const sp_wpolicy *wp, char *detail, size_t cap)
{
    for (uint32_t l = 0; l < wp->log_count; l++)
        if (url_usable(wp->logs[l].url) != 0) {
            snprintf(detail, cap, "witness policy: log %s: URL '%s': expected "
                     "http(s)://HOST[:PORT][/PATH] with PORT 1..65535",
                     wp->logs[l].key.name, wp->logs[l].url);
            return SP_ERR_POLICY_FORMAT;
        }
    for (uint32_t w = 0; w < wp->witness_count; w++)
        if (url_usable(wp->witnesses[w].url) != 0) {
            snprintf(detail, cap, "witness policy: witness %s: URL '%s': expected "
                     "http(s)://HOST[:PORT][/PATH] with PORT 1..65535",
                     wp->witnesses[w].name, wp->witnesses[w].url);
            return SP_ERR_POLICY_FORMAT;
        }
    return SP_OK;
}

static int same_public_key(const sp_vkey *a, const sp_vkey *b)
{
    return memcmp(a->public_key, b->public_key, SP_ED25519_PUBLIC_KEY_BYTES) == 0;
}

/* A key in two roles: which signer, log or witness shares it with which. */
static void explain_roles(const sp_policy *p, char *detail, size_t cap)
{
    const sp_wpolicy *wp = &p->witness;
    for (uint32_t i = 0; i < p->signer_count; i++) {
        for (uint32_t l = 0; l < wp->log_count; l++)
            if (same_public_key(&p->signers[i].key, &wp->logs[l].key)) {
                snprintf(detail, cap, "signer '%s' (key %s) has the public key of log %s",
                         p->signers[i].body, p->signers[i].key.name, wp->logs[l].key.name);
                return;
            }
        for (uint32_t w = 0; w < wp->witness_count; w++)
            if (same_public_key(&p->signers[i].key, &wp->witnesses[w].key)) {
                snprintf(detail, cap, "signer '%s' (key %s) has the public key of witness %s",
                         p->signers[i].body, p->signers[i].key.name, wp->witnesses[w].name);
                return;
            }
    }
    for (uint32_t l = 0; l < wp->log_count; l++)
        for (uint32_t w = 0; w < wp->witness_count; w++)
            if (same_public_key(&wp->logs[l].key, &wp->witnesses[w].key)) {
                snprintf(detail, cap, "log %s has the public key of witness %s",
                         wp->logs[l].key.name, wp->witnesses[w].name);
                return;
            }
}

/* Turn what sp_policy_validate_at points at into words: the field and its range, the
 * signer by body and key name (and the one it collides with), the rule as written. */
static void explain(const sp_policy *p, const sp_policy_spec *spec, sp_err e, uint32_t at,
                    uint32_t index, char *detail, size_t cap)
{
    static const struct {
        const char *name;
        unsigned long long min, max;
    } fields[] = {
        [SP_POLICY_FIELD_VERSION] = {"version", 1, SP_MAX_EPOCH},
        [SP_POLICY_FIELD_GENESIS] = {"genesis", 0, SP_MAX_TIME},
        [SP_POLICY_FIELD_EPOCH_LENGTH] = {"epoch length", SP_MIN_EPOCH_LENGTH, SP_MAX_EPOCH_LENGTH},
        [SP_POLICY_FIELD_ALLOWANCE] = {"allowance", 1, SP_MAX_TIME},
        [SP_POLICY_FIELD_MAX_STALENESS] = {"max staleness", 0, SP_MAX_STALENESS_LIMIT},
    };
    if (at == SP_POLICY_AT_FIELD && index < sizeof fields / sizeof fields[0]) {
        const uint64_t value[] = {p->version, p->genesis, p->epoch_length, p->allowance,
                                  p->max_staleness};
        snprintf(detail, cap, "%s is %llu, expected %llu..%llu", fields[index].name,
                 (unsigned long long)value[index], fields[index].min, fields[index].max);
        return;
    }
    if (at == SP_POLICY_AT_RULE && index < spec->rule_count) {
        snprintf(detail, cap, "rule '%s'", spec->rules[index]);
        return;
    }
    if (at == SP_POLICY_AT_SIGNER && index < p->signer_count) {
        const sp_signer *s = &p->signers[index];
        int n = snprintf(detail, cap, "signer '%s' (key %s)", s->body, s->key.name);
        size_t used = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
        for (uint32_t j = 0; j < index; j++) {
            const sp_signer *o = &p->signers[j];
            const char *what = e == SP_ERR_POLICY_DUPLICATE_KEY &&
                                       same_public_key(&o->key, &s->key)
                                   ? "the public key"
                               : e == SP_ERR_POLICY_DUPLICATE_BODY && strcmp(o->body, s->body) == 0
                                   ? "the body"
                               : e == SP_ERR_POLICY_DUPLICATE_NAME &&
                                       strcmp(o->key.name, s->key.name) == 0
                                   ? "the key name"
                                   : NULL;
            if (what != NULL) {
                snprintf(detail + used, cap - used, " has %s of signer '%s' (key %s)", what,
                         o->body, o->key.name);
                return;
            }
        }
        if (e == SP_ERR_POLICY_SINGLE_BODY)
            snprintf(detail + used, cap - used, ": body '%s' alone could meet every rule",
                     s->body);
        return;
    }
    if (e == SP_ERR_POLICY_KEY_ROLES) {
        explain_roles(p, detail, cap);
        return;
    }
    snprintf(detail, cap, "policy of deployment '%s'", p->deployment);
}

sp_err sp_policy_build(const sp_policy_spec *spec, sp_policy *p, uint8_t *bytes, size_t cap,
                       size_t *len, char *detail, size_t detail_cap)
{
    const sp_policy_signer_spec *order[SP_MAX_SIGNERS];
    uint32_t line = 0, index = 0, at = 0;
    const char *unknown = NULL;
    size_t unknown_len = 0;
    sp_err e;

    snprintf(detail, detail_cap, "policy");
    memset(p, 0, sizeof *p);
    *len = 0;
    if ((e = sp_sodium_init()) != SP_OK)
        return e;
    if (spec->signer_count > SP_MAX_SIGNERS)
        return too_many(detail, detail_cap, "signers", spec->signer_count, SP_MAX_SIGNERS);
    if (spec->rule_count > SP_MAX_RULES)
        return too_many(detail, detail_cap, "rules", spec->rule_count, SP_MAX_RULES);
    if (strlen(spec->deployment) > SP_MAX_DEPLOYMENT_BYTES)
        return too_long(detail, detail_cap, "deployment name", spec->deployment,
                        SP_MAX_DEPLOYMENT_BYTES);
    if (!sp_policy_name_valid(SP_POLICY_NAME_DEPLOYMENT, (const uint8_t *)spec->deployment,
                              strlen(spec->deployment))) {
        snprintf(detail, detail_cap, "deployment name '%s': expected " NAME_CHARS(": / "),
                 spec->deployment, SP_MAX_DEPLOYMENT_BYTES);
        return SP_ERR_POLICY_FORMAT;
    }
    strcpy(p->deployment, spec->deployment);
    p->version = spec->version;
    p->genesis = spec->genesis;
    p->epoch_length = spec->epoch_length;
    p->allowance = spec->allowance;
    p->max_staleness = spec->max_staleness;
    if ((e = sp_wpolicy_parse(&p->witness, spec->witness_policy, spec->witness_policy_len,
                              SP_WPOLICY_FILE, sp_sodium_crypto(), &line)) != SP_OK) {
        snprintf(detail, detail_cap, "witness policy, line %u", (unsigned)line);
        return e;
    }
    if ((e = check_urls(&p->witness, detail, detail_cap)) != SP_OK)
        return e;

    /* Tags: declared extras plus every signer's, sorted so that tag bits are final. */
    for (size_t i = 0; i < spec->tag_count; i++)
        if ((e = declare_tag(p, spec->tags[i], strlen(spec->tags[i]), NULL)) != SP_OK)
            return tag_detail(p, spec->tags[i], strlen(spec->tags[i]), NULL, detail, detail_cap,
                              e);
    for (size_t i = 0; i < spec->signer_count; i++)
        if ((e = each_tag(p, spec->signers[i].tags, declare_tag, NULL)) != SP_OK) {
            /* find the tag each_tag stopped at: the first one declare_tag refuses */
            const char *t = spec->signers[i].tags;
            size_t n = strcspn(t, ",");
            while (t[n] == ',' && find_tag(p, t, n) >= 0 && n > 0) {
                t += n + 1;
                n = strcspn(t, ",");
            }
            return tag_detail(p, t, n, spec->signers[i].body, detail, detail_cap, e);
        }
    qsort(p->tags, p->tag_count, sizeof p->tags[0], cmp_tag);

    /* Signers, sorted by body (the canonical order). */
    for (size_t i = 0; i < spec->signer_count; i++)
        order[i] = &spec->signers[i];
    qsort(order, spec->signer_count, sizeof order[0], cmp_spec);
    for (size_t i = 0; i < spec->signer_count; i++) {
        sp_signer *s = &p->signers[i];
        if (strlen(order[i]->body) > SP_MAX_BODY_BYTES)
            return too_long(detail, detail_cap, "body name", order[i]->body, SP_MAX_BODY_BYTES);
        if (!sp_policy_name_valid(SP_POLICY_NAME_BODY, (const uint8_t *)order[i]->body,
                                  strlen(order[i]->body))) {
            snprintf(detail, detail_cap, "body name '%s' (key %s): expected " NAME_CHARS(""),
                     order[i]->body, order[i]->key.name, SP_MAX_BODY_BYTES);
            return SP_ERR_POLICY_FORMAT;
        }
        strcpy(s->body, order[i]->body);
        s->key = order[i]->key;
        if ((e = each_tag(p, order[i]->tags, set_tag_bit, &s->tags)) != SP_OK)
            return e;
    }
    p->signer_count = (uint32_t)spec->signer_count;

    for (size_t i = 0; i < spec->rule_count; i++)
        if ((e = parse_rule(p, spec->rules[i], &p->rules[i], &unknown, &unknown_len)) !=
            SP_OK) {
            int n = snprintf(detail, detail_cap, "rule '%s'%s", spec->rules[i],
                             e == SP_ERR_USAGE ? ": expected 'K of all', 'K of TAG' or "
                                                 "'K of signers:NAME,...'" : "");
            size_t used = n < 0 ? 0 : (size_t)n < detail_cap ? (size_t)n : detail_cap - 1;
            if (e == SP_ERR_POLICY_UNKNOWN_SIGNER) /* which name, and what names count */
                snprintf(detail + used, detail_cap - used,
                         ": no signer's key is named '%.*s' (a rule names signers by key "
                         "name, not by body)", (int)unknown_len, unknown);
            return e;
        }
    p->rule_count = (uint32_t)spec->rule_count;

    if ((e = sp_policy_validate_at(p, sp_sodium_crypto(), &at, &index)) != SP_OK) {
        explain(p, spec, e, at, index, detail, detail_cap);
        return e;
    }
    /* the encoded policy must fit its own limit, not just the caller's buffer */
    if ((e = sp_policy_format(p, bytes, cap < SP_MAX_POLICY_BYTES ? cap : SP_MAX_POLICY_BYTES,
                              len)) != SP_OK) {
        if (e == SP_ERR_BUFFER_TOO_SMALL && cap >= SP_MAX_POLICY_BYTES) {
            snprintf(detail, detail_cap, "the encoded policy would be larger than %u bytes "
                     "(SP_MAX_POLICY_BYTES)", SP_MAX_POLICY_BYTES);
            e = SP_ERR_POLICY_LIMIT;
        }
        *len = 0;
        return e;
    }
    if ((e = sp_policy_parse(p, bytes, *len, sp_sodium_crypto(), &line)) != SP_OK)
        snprintf(detail, detail_cap, "generated policy, line %u", (unsigned)line);
    return e;
}
