/*
 * policy_fixture.c -- see policy_fixture.h.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/host/sodium_crypto.h"
#include "support/policy_fixture.h"

static const char *const pf_bodies[PF_NKEYS] = {"civ-alpha", "civ-beta", "mil-alpha",
                                                "mil-beta", "mil-gamma"};
static const char *const pf_tag_fields[PF_NKEYS] = {"civil", "civil", "military", "military",
                                                    "military"};

static void pf_die(const char *what)
{
    fprintf(stderr, "policy_fixture: %s\n", what);
    abort();
}

const char *pf_body(int i)
{
    return pf_bodies[i];
}

const char *pf_tags(int i)
{
    return pf_tag_fields[i];
}

void pf_hex(char *out, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", in[i]);
    out[2 * n] = '\0';
}

size_t pf_policy_text(char *out, size_t cap, const fx_key keys[PF_NKEYS], const pub_world *pw)
{
    size_t pos = 0;
    int n = snprintf(out, cap,
                     "softpause-policy/v1\ndeployment %s\nversion %u\ngenesis %u\n"
                     "epoch-length %u\nallowance %u\nmax-staleness %u\ntags civil military\n",
                     PF_DEPLOYMENT, PF_VERSION, PF_GENESIS, PF_EPOCH_LENGTH, PF_ALLOWANCE,
                     PF_MAX_STALENESS);
    if (n < 0 || (size_t)n >= cap)
        pf_die("policy text does not fit");
    pos = (size_t)n;
    for (int i = 0; i < PF_NKEYS; i++) {
        n = snprintf(out + pos, cap - pos, "signer %s %s %s\n", pf_bodies[i], pf_tag_fields[i],
                     keys[i].vkey);
        if (n < 0 || (size_t)n >= cap - pos)
            pf_die("policy text does not fit");
        pos += (size_t)n;
    }
    n = snprintf(out + pos, cap - pos, "rule 1 tag civil\nrule 3 all\n");
    if (n < 0 || (size_t)n >= cap - pos)
        pf_die("policy text does not fit");
    pos += (size_t)n;
    return pos + pub_witness_policy_text(out + pos, cap - pos, pw);
}

void pf_world_make(pf_world *w)
{
    static const char *const names[PF_NKEYS] = {"civ-alpha.example", "civ-beta.example",
                                                "mil-alpha.example", "mil-beta.example",
                                                "mil-gamma.example"};
    uint32_t line = 0;
    memset(w, 0, sizeof *w);
    if (sp_sodium_init() != SP_OK)
        pf_die("sp_sodium_init");
    for (int i = 0; i < PF_NKEYS; i++)
        fx_key_make(&w->keys[i], names[i], (uint8_t)(PF_SEED_BASE + i));
    pub_world_make(&w->pub);
    w->policy_len = pf_policy_text(w->policy_text, sizeof w->policy_text, w->keys, &w->pub);
    if (sp_policy_parse(&w->policy, (const uint8_t *)w->policy_text, w->policy_len,
                        sp_sodium_crypto(), &line) != SP_OK) {
        fprintf(stderr, "policy_fixture: standard policy refused at line %u\n", line);
        abort();
    }
}

void pf_world_set_witness_ports(pf_world *w, const uint16_t ports[PUB_NWITNESSES])
{
    uint32_t line = 0;
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        char from[300], to[400];
        snprintf(from, sizeof from, "%s\n", w->pub.witness_vkeys[i]);
        snprintf(to, sizeof to, "%s http://127.0.0.1:%u\n", w->pub.witness_vkeys[i],
                 (unsigned)ports[i]);
        w->policy_len = pf_replace(w->policy_text, sizeof w->policy_text, from, to);
    }
    if (sp_policy_parse(&w->policy, (const uint8_t *)w->policy_text, w->policy_len,
                        sp_sodium_crypto(), &line) != SP_OK) {
        fprintf(stderr, "policy_fixture: policy with witness URLs refused at line %u\n", line);
        abort();
    }
}

size_t pf_statement_text(char *out, size_t cap, const sp_policy *p, uint64_t epoch,
                         const char *mode)
{
    char hex[65];
    unsigned long long start = (unsigned long long)p->genesis +
                               (unsigned long long)epoch * (unsigned long long)p->epoch_length;
    int n;
    pf_hex(hex, p->hash, 32);
    n = snprintf(out, cap, "softpause/v1 authorisation %s\npolicy %s\nepoch %llu\nstart %llu\nmode %s\n",
                 p->deployment, hex, (unsigned long long)epoch, start, mode);
    if (n < 0 || (size_t)n >= cap)
        pf_die("statement text does not fit");
    return (size_t)n;
}

size_t pf_sign_mask(char *out, size_t cap, const char *text, const fx_key *keys, size_t nkeys,
                    uint32_t mask)
{
    size_t tl = strlen(text), pos;
    if (tl + 2 > cap)
        pf_die("note does not fit");
    memcpy(out, text, tl);
    out[tl] = '\n';
    pos = tl + 1;
    for (size_t i = 0; i < nkeys && i < 32; i++)
        if (mask & (1u << i))
            pos += fx_sign_line(&keys[i], text, tl, out + pos, cap - pos);
    if (pos >= cap)
        pf_die("note does not fit");
    out[pos] = '\0';
    return pos;
}

size_t pf_statement_note(char *out, size_t cap, const pf_world *w, uint64_t epoch,
                         const char *mode, uint32_t mask)
{
    char text[1024];
    (void)pf_statement_text(text, sizeof text, &w->policy, epoch, mode);
    return pf_sign_mask(out, cap, text, w->keys, PF_NKEYS, mask);
}

uint64_t pf_epoch_time(const sp_policy *p, uint64_t epoch)
{
    return p->genesis + epoch * p->epoch_length + PF_PUBLISH_DELAY;
}

size_t pf_statement_bundle(char *out, size_t cap, const pf_world *w, uint64_t epoch,
                           const char *mode, uint32_t mask)
{
    char note[SP_MAX_NOTE_BYTES];
    size_t n = pf_statement_note(note, sizeof note, w, epoch, mode, mask);
    return pub_bundle_at(out, cap, &w->pub, pf_epoch_time(&w->policy, epoch), note, n);
}

size_t pf_vkey_text(char *out, size_t cap, const char *name, const uint8_t pk[32])
{
    uint8_t buf[33];
    char b64[64];
    int n;
    buf[0] = 1;
    memcpy(buf + 1, pk, 32);
    sodium_bin2base64(b64, sizeof b64, buf, sizeof buf, sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(out, cap, "%s+%08x+%s", name, (unsigned)fx_key_id(name, pk), b64);
    if (n < 0 || (size_t)n >= cap)
        pf_die("key text does not fit");
    return (size_t)n;
}

size_t pf_replace(char *buf, size_t cap, const char *from, const char *to)
{
    char *at = strstr(buf, from);
    size_t len = strlen(buf), fl = strlen(from), tl = strlen(to);
    if (at == NULL) {
        fprintf(stderr, "policy_fixture: \"%s\" not found\n", from);
        abort();
    }
    if (len - fl + tl + 1 > cap)
        pf_die("replacement does not fit");
    memmove(at + tl, at + fl, len - (size_t)(at - buf) - fl + 1);
    memcpy(at, to, tl);
    return len - fl + tl;
}
