/* update_fixture.c -- see update_fixture.h. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/host/sodium_crypto.h"
#include "support/update_fixture.h"

static void uf_die(const char *what)
{
    fprintf(stderr, "update_fixture: %s\n", what);
    abort();
}

size_t uf_variant(char *out, size_t cap, const char *base, const char *from, const char *to)
{
    size_t n = strlen(base);
    if (n + 1 > cap)
        uf_die("variant does not fit");
    memcpy(out, base, n + 1);
    return from == NULL ? n : pf_replace(out, cap, from, to);
}

void uf_policy_hash(uint8_t out[32], const char *bytes, size_t len)
{
    static const char domain[] = SP_POLICY_HASH_DOMAIN;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)domain, sizeof domain - 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)bytes, len);
    crypto_hash_sha256_final(&st, out);
}

static void load(uf_world *w, int i)
{
    uint32_t line = 0;
    if (sp_policy_parse(&w->p[i], (const uint8_t *)w->text[i], w->len[i], sp_sodium_crypto(),
                        &line) != SP_OK) {
        fprintf(stderr, "update_fixture: P%d refused at line %u\n", i + 1, line);
        abort();
    }
}

void uf_world_make(uf_world *w)
{
    char from[600], to[600];
    memset(w, 0, sizeof *w);
    pf_world_make(&w->pf);
    memcpy(w->keys, w->pf.keys, sizeof w->pf.keys);
    fx_key_make(&w->keys[UF_CIV_B2], "civ-beta.example", 0x5a);
    fx_key_make(&w->keys[UF_CIV_C], "civ-gamma.example", 0x5b);

    w->len[0] = uf_variant(w->text[0], UF_POLICY_CAP, w->pf.policy_text, NULL, NULL);
    w->len[1] = uf_variant(w->text[1], UF_POLICY_CAP, w->text[0], "\nversion 1\n",
                           "\nversion 2\n");
    snprintf(from, sizeof from, "signer civ-beta civil %s\n", w->keys[PF_CIV_B].vkey);
    snprintf(to, sizeof to, "signer civ-beta civil %s\n", w->keys[UF_CIV_B2].vkey);
    w->len[1] = pf_replace(w->text[1], UF_POLICY_CAP, from, to);
    w->len[2] = uf_variant(w->text[2], UF_POLICY_CAP, w->text[1], "\nversion 2\n",
                           "\nversion 3\n");
    snprintf(from, sizeof from, "signer civ-beta civil %s\n", w->keys[UF_CIV_B2].vkey);
    snprintf(to, sizeof to, "signer civ-beta civil %s\nsigner civ-gamma civil %s\n",
             w->keys[UF_CIV_B2].vkey, w->keys[UF_CIV_C].vkey);
    w->len[2] = pf_replace(w->text[2], UF_POLICY_CAP, from, to);
    for (int i = 0; i < 3; i++)
        load(w, i);
}

size_t uf_update_text_raw(char *out, size_t cap, const char *deployment,
                          const uint8_t cur_hash[32], uint64_t version,
                          const uint8_t new_hash[32], int time_reset, const char *policy_text)
{
    char cur[65], nxt[65];
    int n;
    pf_hex(cur, cur_hash, 32);
    pf_hex(nxt, new_hash, 32);
    n = snprintf(out, cap, "softpause/v1 policy-update %s\npolicy %s\nversion %llu\n"
                 "new-policy %s\n%s%s",
                 deployment, cur, (unsigned long long)version, nxt,
                 time_reset ? "time-reset\n" : "", policy_text);
    if (n < 0 || (size_t)n >= cap)
        uf_die("update text does not fit");
    return (size_t)n;
}

size_t uf_update_text(char *out, size_t cap, const sp_policy *current, uint64_t version,
                      const char *policy_text, int time_reset)
{
    uint8_t h[32];
    uf_policy_hash(h, policy_text, strlen(policy_text));
    return uf_update_text_raw(out, cap, current->deployment, current->hash, version, h,
                              time_reset, policy_text);
}

size_t uf_sign(char *out, size_t cap, const uf_world *w, const char *text, uint32_t mask)
{
    return pf_sign_mask(out, cap, text, w->keys, UF_NKEYS, mask);
}

size_t uf_update_note(char *out, size_t cap, const uf_world *w, int from, uint32_t mask)
{
    static char text[SP_MAX_NOTE_BYTES];
    if (from < 0 || from > 1)
        uf_die("no such update");
    (void)uf_update_text(text, sizeof text, &w->p[from], w->p[from].version + 1,
                         w->text[from + 1], 0);
    return uf_sign(out, cap, w, text, mask);
}
