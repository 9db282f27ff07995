/*
 * pub_fixture.c -- see pub_fixture.h.  Merkle trees by the RFC 6962 recursive definition
 * (fine in a test, and a different shape of code from the verifier's iterative walk),
 * base64 by libsodium, texts by snprintf.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/pub_fixture.h"

static void pub_die(const char *what)
{
    fprintf(stderr, "pub_fixture: %s\n", what);
    abort();
}

static const char *const witness_names[PUB_NWITNESSES] = {"w1.test.example", "w2.test.example",
                                                          "w3.test.example"};


void pub_world_make(pub_world *pw)
{
    memset(pw, 0, sizeof *pw);
    if (sodium_init() < 0)
        pub_die("sodium_init");
    fx_key_make(&pw->log, PUB_LOG_ORIGIN, 0x61);
    for (int i = 0; i < PUB_NWITNESSES; i++) {
        fx_key *k = &pw->witnesses[i];
        fx_key_make(k, witness_names[i], (uint8_t)(0x71 + i));
        pw->witness_ids[i] = fx_key_id_typed(k->name, 0x04, k->pk);
        fx_cosigner_vkey(k, pw->witness_vkeys[i], sizeof pw->witness_vkeys[i]);
    }
}

void pub_cosigner_key(sp_signer_key *out, const pub_world *pw, int i)
{
    const fx_key *f = &pw->witnesses[i];
    memset(out, 0, sizeof *out);
    memcpy(out->pub.name, f->name, strlen(f->name) + 1);
    out->pub.name_len = strlen(f->name);
    out->pub.key_id = pw->witness_ids[i];
    out->pub.alg = 0x04;
    memcpy(out->pub.public_key, f->pk, 32);
    memcpy(out->sk, f->sk, 64);
}

size_t pub_witness_policy_text(char *out, size_t cap, const pub_world *pw)
{
    int n = snprintf(out, cap,
                     "log %s\nwitness w1 %s\nwitness w2 %s\nwitness w3 %s\n"
                     "group witnesses 2 w1 w2 w3\nquorum witnesses\n",
                     pw->log.vkey, pw->witness_vkeys[0], pw->witness_vkeys[1],
                     pw->witness_vkeys[2]);
    if (n < 0 || (size_t)n >= cap)
        pub_die("witness policy does not fit");
    return (size_t)n;
}

void pub_bundle_defaults(pub_bundle_opts *o, const pub_world *pw, uint64_t t)
{
    memset(o, 0, sizeof *o);
    o->log = &pw->log;
    o->origin = NULL;
    o->witness_mask = PUB_ALL_WITNESSES;
    for (int i = 0; i < PUB_NWITNESSES; i++)
        o->times[i] = t;
    o->tree_size = PUB_TREE_SIZE;
    o->index = PUB_INDEX;
}

void pub_leaf_hash(uint8_t out[32], const void *leaf, size_t len)
{
    crypto_hash_sha256_state st;
    uint8_t zero = 0;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &zero, 1);
    crypto_hash_sha256_update(&st, leaf, len);
    crypto_hash_sha256_final(&st, out);
}

static void node_hash(uint8_t out[32], const uint8_t l[32], const uint8_t r[32])
{
    crypto_hash_sha256_state st;
    uint8_t one = 1;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &one, 1);
    crypto_hash_sha256_update(&st, l, 32);
    crypto_hash_sha256_update(&st, r, 32);
    crypto_hash_sha256_final(&st, out);
}

typedef struct tree_src {
    const char *note;
    size_t note_len;
    uint64_t index;
} tree_src;

static void leaf_at(const tree_src *t, uint64_t i, uint8_t out[32])
{
    char filler[64];
    int n;
    if (i == t->index) {
        pub_leaf_hash(out, t->note, t->note_len);
        return;
    }
    n = snprintf(filler, sizeof filler, "filler leaf %llu\n", (unsigned long long)i);
    pub_leaf_hash(out, filler, (size_t)n);
}

static uint64_t split_point(uint64_t n) /* largest power of two < n (n >= 2) */
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

static void mth(const tree_src *t, uint64_t lo, uint64_t hi, uint8_t out[32])
{
    uint8_t l[32], r[32];
    uint64_t k;
    if (hi - lo == 1) {
        leaf_at(t, lo, out);
        return;
    }
    k = split_point(hi - lo);
    mth(t, lo, lo + k, l);
    mth(t, lo + k, hi, r);
    node_hash(out, l, r);
}

static void path(const tree_src *t, uint64_t m, uint64_t lo, uint64_t hi, uint8_t proof[][32],
                 size_t *n)
{
    uint64_t k;
    if (hi - lo == 1)
        return;
    k = split_point(hi - lo);
    if (m < k) {
        path(t, m, lo, lo + k, proof, n);
        mth(t, lo + k, hi, proof[(*n)++]);
    } else {
        path(t, m - k, lo + k, hi, proof, n);
        mth(t, lo, lo + k, proof[(*n)++]);
    }
}

void pub_tree(const char *note, size_t note_len, uint64_t size, uint64_t index,
              uint8_t root[32], uint8_t proof[][32], size_t *proof_len)
{
    tree_src t = {note, note_len, index};
    if (size == 0 || size > 4096)
        pub_die("tree size");
    mth(&t, 0, size, root);
    *proof_len = 0;
    if (index < size)
        path(&t, index, 0, size, proof, proof_len);
}

/* RFC 6962 SUBPROOF(m, D[lo:hi], b), appended to proof. */
static void subproof(const tree_src *t, uint64_t m, uint64_t lo, uint64_t hi, int b,
                     uint8_t proof[][32], size_t *n)
{
    uint64_t k;
    if (m == hi - lo) {
        if (!b)
            mth(t, lo, hi, proof[(*n)++]);
        return;
    }
    k = split_point(hi - lo);
    if (m <= k) {
        subproof(t, m, lo, lo + k, b, proof, n);
        mth(t, lo + k, hi, proof[(*n)++]);
    } else {
        subproof(t, m - k, lo + k, hi, 0, proof, n);
        mth(t, lo, lo + k, proof[(*n)++]);
    }
}

/* The filler tree: no statement leaf (its index is past every size). */
static const tree_src filler_tree = {NULL, 0, UINT64_MAX};

void pub_filler_root(uint64_t size, uint8_t root[32])
{
    if (size > PUB_FILLER_MAX)
        pub_die("filler tree size");
    if (size == 0)
        crypto_hash_sha256(root, NULL, 0);
    else
        mth(&filler_tree, 0, size, root);
}

size_t pub_consistency(uint64_t m, uint64_t n, uint8_t proof[][32])
{
    size_t len = 0;
    if (m == 0 || m > n || n > PUB_FILLER_MAX)
        pub_die("consistency proof sizes");
    if (m < n)
        subproof(&filler_tree, m, 0, n, 1, proof, &len);
    return len;
}

size_t pub_cosign_line(char *out, size_t cap, const pub_world *pw, int i, uint64_t time,
                       const char *text, size_t text_len)
{
    return fx_cosign_line(&pw->witnesses[i], time, text, text_len, out, cap);
}

size_t pub_checkpoint_note(char *out, size_t cap, const pub_world *pw,
                           const pub_bundle_opts *o, uint64_t size, const uint8_t root[32])
{
    char root64[64];
    size_t pos, tl;
    int n;
    sodium_bin2base64(root64, sizeof root64, root, 32, sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(out, cap, "%s\n%llu\n%s\n", o->origin ? o->origin : pw->log.name,
                 (unsigned long long)size, root64);
    if (n < 0 || (size_t)n + 2 >= cap)
        pub_die("checkpoint does not fit");
    tl = (size_t)n;
    out[tl] = '\n';
    pos = tl + 1;
    if (o->log != NULL)
        pos += fx_sign_line(o->log, out, tl, out + pos, cap - pos);
    for (int i = 0; i < PUB_NWITNESSES; i++)
        if (o->witness_mask & (1u << i))
            pos += pub_cosign_line(out + pos, cap - pos, pw, i, o->times[i], out, tl);
    if (pos >= cap)
        pub_die("checkpoint does not fit");
    out[pos] = '\0';
    return pos;
}

size_t pub_bundle(char *out, size_t cap, const pub_world *pw, const pub_bundle_opts *o,
                  const char *note, size_t note_len)
{
    uint8_t root[32], proof[64][32];
    size_t nproof = 0, pos;
    int n;
    char *b64;
    size_t b64cap = sodium_base64_ENCODED_LEN(note_len, sodium_base64_VARIANT_ORIGINAL);

    pub_tree(note, note_len, o->tree_size, o->index, root, proof, &nproof);
    b64 = malloc(b64cap);
    if (b64 == NULL)
        pub_die("out of memory");
    sodium_bin2base64(b64, b64cap, (const uint8_t *)note, note_len,
                      sodium_base64_VARIANT_ORIGINAL);
    if (o->omit_extra)
        n = snprintf(out, cap, "c2sp.org/tlog-proof@v1\nindex %llu\n",
                     (unsigned long long)o->index);
    else
        n = snprintf(out, cap, "c2sp.org/tlog-proof@v1\nextra %s\nindex %llu\n", b64,
                     (unsigned long long)o->index);
    free(b64);
    if (n < 0 || (size_t)n >= cap)
        pub_die("bundle does not fit");
    pos = (size_t)n;
    for (size_t i = 0; i < nproof; i++) {
        char h64[64];
        sodium_bin2base64(h64, sizeof h64, proof[i], 32, sodium_base64_VARIANT_ORIGINAL);
        n = snprintf(out + pos, cap - pos, "%s\n", h64);
        if (n < 0 || (size_t)n >= cap - pos)
            pub_die("bundle does not fit");
        pos += (size_t)n;
    }
    if (pos + 1 >= cap)
        pub_die("bundle does not fit");
    out[pos++] = '\n';
    pos += pub_checkpoint_note(out + pos, cap - pos, pw, o, o->tree_size, root);
    return pos;
}

size_t pub_bundle_at(char *out, size_t cap, const pub_world *pw, uint64_t t, const char *note,
                     size_t note_len)
{
    pub_bundle_opts o;
    pub_bundle_defaults(&o, pw, t);
    return pub_bundle(out, cap, pw, &o, note, note_len);
}
