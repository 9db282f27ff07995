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

static int cmp_tag(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int cmp_spec(const void *a, const void *b)
{
    const sp_policy_signer_spec *const *x = a, *const *y = b;
    return strcmp((*x)->body, (*y)->body);
}

static sp_err parse_rule(sp_policy *p, const char *spec, sp_rule *r)
{
    char set[1024];
    unsigned long long k;
    int used = 0;
    memset(r, 0, sizeof *r);
    if (sscanf(spec, "%llu of %1023s%n", &k, set, &used) != 2 || spec[used] != '\0' ||
        k > SP_MAX_SIGNERS + 1u)
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
            if (i == p->signer_count)
                return SP_ERR_POLICY_UNKNOWN_SIGNER;
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

sp_err sp_policy_build(const sp_policy_spec *spec, sp_policy *p, uint8_t *bytes, size_t cap,
                       size_t *len, char *detail, size_t detail_cap)
{
    const sp_policy_signer_spec *order[SP_MAX_SIGNERS];
    uint32_t line = 0, index = 0;
    sp_err e;

    snprintf(detail, detail_cap, "policy");
    memset(p, 0, sizeof *p);
    *len = 0;
    if ((e = sp_sodium_init()) != SP_OK)
        return e;
    if (spec->signer_count > SP_MAX_SIGNERS || spec->rule_count > SP_MAX_RULES ||
        strlen(spec->deployment) > SP_MAX_DEPLOYMENT_BYTES) {
        snprintf(detail, detail_cap, "at most %u signers, %u rules, %u-byte deployment name",
                 SP_MAX_SIGNERS, SP_MAX_RULES, SP_MAX_DEPLOYMENT_BYTES);
        return SP_ERR_POLICY_LIMIT;
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

    /* Tags: declared extras plus every signer's, sorted so that tag bits are final. */
    for (size_t i = 0; i < spec->tag_count; i++)
        if ((e = declare_tag(p, spec->tags[i], strlen(spec->tags[i]), NULL)) != SP_OK) {
            snprintf(detail, detail_cap, "tag '%s'", spec->tags[i]);
            return e;
        }
    for (size_t i = 0; i < spec->signer_count; i++)
        if ((e = each_tag(p, spec->signers[i].tags, declare_tag, NULL)) != SP_OK) {
            snprintf(detail, detail_cap, "tags of signer '%s'", spec->signers[i].body);
            return e;
        }
    qsort(p->tags, p->tag_count, sizeof p->tags[0], cmp_tag);

    /* Signers, sorted by body (the canonical order). */
    for (size_t i = 0; i < spec->signer_count; i++)
        order[i] = &spec->signers[i];
    qsort(order, spec->signer_count, sizeof order[0], cmp_spec);
    for (size_t i = 0; i < spec->signer_count; i++) {
        sp_signer *s = &p->signers[i];
        if (strlen(order[i]->body) > SP_MAX_BODY_BYTES) {
            snprintf(detail, detail_cap, "body name '%s' too long", order[i]->body);
            return SP_ERR_POLICY_LIMIT;
        }
        strcpy(s->body, order[i]->body);
        s->key = order[i]->key;
        if ((e = each_tag(p, order[i]->tags, set_tag_bit, &s->tags)) != SP_OK)
            return e;
    }
    p->signer_count = (uint32_t)spec->signer_count;

    for (size_t i = 0; i < spec->rule_count; i++)
        if ((e = parse_rule(p, spec->rules[i], &p->rules[i])) != SP_OK) {
            snprintf(detail, detail_cap, "rule '%s'%s", spec->rules[i],
                     e == SP_ERR_USAGE ? ": expected 'K of all', 'K of TAG' or "
                                         "'K of signers:NAME,...'" : "");
            return e;
        }
    p->rule_count = (uint32_t)spec->rule_count;

    if ((e = sp_policy_validate(p, sp_sodium_crypto(), &index)) != SP_OK) {
        snprintf(detail, detail_cap, "item %u", (unsigned)index + 1);
        return e;
    }
    if ((e = sp_policy_format(p, bytes, cap, len)) != SP_OK)
        return e;
    if ((e = sp_policy_parse(p, bytes, *len, sp_sodium_crypto(), &line)) != SP_OK)
        snprintf(detail, detail_cap, "generated policy, line %u", (unsigned)line);
    return e;
}
