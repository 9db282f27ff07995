/*
 * test_merkle.c -- RFC 9162 Merkle proofs (softpause/merkle.h) against a reference.
 *
 * The reference is RFC 9162's own recursive definitions (MTH, PATH, SUBPROOF, sections
 * 2.1.1, 2.1.3.1, 2.1.4.1) computed with libsodium's SHA-256 -- recursion is fine here, the
 * verifier's loops are what is under test.  Every (index, size) up to 64 leaves and every
 * (size1, size2) pair up to 64 must verify; each mutation of each proof (a flipped bit,
 * one hash fewer, one more, two neighbours swapped, a wrong index, root or leaf) must be
 * refused with the documented code.
 */
#include <sodium.h>

#include "harness.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/merkle.h"

#define MAX_LEAVES 64

typedef uint8_t hash[32];

static const sp_crypto *crypto;
static hash leaves[MAX_LEAVES]; /* leaf hashes */

static void sha(hash out, uint8_t prefix, const uint8_t *a, size_t an, const uint8_t *b,
                size_t bn)
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &prefix, 1);
    crypto_hash_sha256_update(&st, a, an);
    if (b != NULL)
        crypto_hash_sha256_update(&st, b, bn);
    crypto_hash_sha256_final(&st, out);
}

/* Largest power of two smaller than n (n >= 2). */
static size_t split(size_t n)
{
    size_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

/* MTH(D[lo..lo+n)), n >= 1. */
static void mth(hash out, size_t lo, size_t n)
{
    hash l, r;
    size_t k;
    if (n == 1) {
        memcpy(out, leaves[lo], 32);
        return;
    }
    k = split(n);
    mth(l, lo, k);
    mth(r, lo + k, n - k);
    sha(out, 1, l, 32, r, 32);
}

/* PATH(m, D[lo..lo+n)) appended to p[*np]. */
static void path(hash *p, size_t *np, size_t m, size_t lo, size_t n)
{
    size_t k;
    if (n == 1)
        return;
    k = split(n);
    if (m < k) {
        path(p, np, m, lo, k);
        mth(p[(*np)++], lo + k, n - k);
    } else {
        path(p, np, m - k, lo + k, n - k);
        mth(p[(*np)++], lo, k);
    }
}

/* SUBPROOF(m, D[lo..lo+n), b) appended to p[*np]. */
static void subproof(hash *p, size_t *np, size_t m, size_t lo, size_t n, int b)
{
    size_t k;
    if (m == n) {
        if (!b)
            mth(p[(*np)++], lo, n);
        return;
    }
    k = split(n);
    if (m <= k) {
        subproof(p, np, m, lo, k, b);
        mth(p[(*np)++], lo + k, n - k);
    } else {
        subproof(p, np, m - k, lo + k, n - k, 0);
        mth(p[(*np)++], lo, k);
    }
}

static sp_err incl(size_t index, size_t size, const hash leaf, hash *p, size_t n,
                   const hash root)
{
    return sp_merkle_verify_inclusion(crypto, index, size, leaf, (const uint8_t(*)[32])p, n,
                                      root, 32);
}

static sp_err cons(size_t m, size_t n, const hash r1, const hash r2, hash *p, size_t np)
{
    return sp_merkle_verify_consistency(crypto, m, n, r1, 32, r2, 32, (const uint8_t(*)[32])p,
                                        np);
}

static void setup(void)
{
    for (size_t i = 0; i < MAX_LEAVES; i++) {
        char data[32];
        int n = snprintf(data, sizeof data, "leaf %zu", i);
        CHECK_OK(sp_merkle_leaf_hash(leaves[i], (const uint8_t *)data, (size_t)n, crypto));
    }
}

static void test_hashes(void)
{
    hash want, got, a, b;
    /* Leaf: SHA-256(0x00 || data); the empty leaf too. */
    sha(want, 0, (const uint8_t *)"leaf 0", 6, NULL, 0);
    CHECK(memcmp(want, leaves[0], 32) == 0);
    sha(want, 0, (const uint8_t *)"", 0, NULL, 0);
    CHECK_OK(sp_merkle_leaf_hash(got, NULL, 0, crypto));
    CHECK(memcmp(want, got, 32) == 0);
    /* Node, with the output aliasing either input. */
    sha(want, 1, leaves[1], 32, leaves[2], 32);
    memcpy(a, leaves[1], 32);
    CHECK_OK(sp_merkle_node_hash(a, a, leaves[2], crypto));
    CHECK(memcmp(want, a, 32) == 0);
    memcpy(b, leaves[2], 32);
    CHECK_OK(sp_merkle_node_hash(b, leaves[1], b, crypto));
    CHECK(memcmp(want, b, 32) == 0);
    CHECK_ERR(sp_merkle_leaf_hash(NULL, NULL, 0, crypto), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_merkle_node_hash(got, NULL, b, crypto), SP_ERR_ARGUMENT);
}

/* Every inclusion proof of every tree up to 64 leaves, then its mutations. */
static void test_inclusion_all(void)
{
    size_t ran = 0, bad = 0;
    for (size_t size = 1; size <= MAX_LEAVES; size++) {
        hash root;
        mth(root, 0, size);
        for (size_t i = 0; i < size; i++) {
            hash p[SP_MAX_PROOF_HASHES + 1], q[SP_MAX_PROOF_HASHES + 1];
            size_t n = 0;
            path(p, &n, i, 0, size);
            ran++;
            bad += incl(i, size, leaves[i], p, n, root) != SP_OK;
            /* A flipped bit in each hash. */
            for (size_t j = 0; j < n; j++) {
                memcpy(q, p, sizeof(hash) * n);
                q[j][j % 32] ^= 0x08;
                bad += incl(i, size, leaves[i], q, n, root) != SP_ERR_MERKLE_ROOT_MISMATCH;
            }
            /* One hash fewer, one more. */
            if (n > 0)
                bad += incl(i, size, leaves[i], p, n - 1, root) != SP_ERR_MERKLE_PROOF_LENGTH;
            memcpy(q, p, sizeof(hash) * n);
            memcpy(q[n], leaves[0], 32);
            bad += incl(i, size, leaves[i], q, n + 1, root) != SP_ERR_MERKLE_PROOF_LENGTH;
            /* Two neighbours swapped. */
            for (size_t j = 0; j + 1 < n; j++) {
                memcpy(q, p, sizeof(hash) * n);
                memcpy(q[j], p[j + 1], 32);
                memcpy(q[j + 1], p[j], 32);
                bad += incl(i, size, leaves[i], q, n, root) != SP_ERR_MERKLE_ROOT_MISMATCH;
            }
            /* Another leaf, another root, the index out of range. */
            if (size > 1)
                bad += incl(i, size, leaves[(i + 1) % size], p, n, root) !=
                       SP_ERR_MERKLE_ROOT_MISMATCH;
            memcpy(q[0], root, 32);
            q[0][7] ^= 0x80;
            bad += incl(i, size, leaves[i], p, n, q[0]) != SP_ERR_MERKLE_ROOT_MISMATCH;
            bad += incl(size, size, leaves[i], p, n, root) != SP_ERR_MERKLE_SIZE;
            /* Another index of the same tree that needs the same number of hashes. */
            if (i + 1 < size)
                bad += incl(i + 1, size, leaves[i], p, n, root) == SP_OK;
        }
    }
    printf("  inclusion: %zu proofs and their mutations\n", ran);
    CHECK(ran == MAX_LEAVES * (MAX_LEAVES + 1) / 2);
    CHECK(bad == 0);
    /* The codes, once each through CHECK_ERR for the coverage list. */
    {
        hash p[8], root;
        size_t n = 0;
        mth(root, 0, 5);
        path(p, &n, 3, 0, 5);
        CHECK_OK(incl(3, 5, leaves[3], p, n, root));
        CHECK_ERR(incl(3, 5, leaves[3], p, n - 1, root), SP_ERR_MERKLE_PROOF_LENGTH);
        CHECK_ERR(incl(3, 5, leaves[4], p, n, root), SP_ERR_MERKLE_ROOT_MISMATCH);
        CHECK_ERR(incl(5, 5, leaves[3], p, n, root), SP_ERR_MERKLE_SIZE);
        CHECK_ERR(incl(0, 0, leaves[3], p, 0, root), SP_ERR_MERKLE_SIZE);
        CHECK_ERR(sp_merkle_verify_inclusion(crypto, 3, 5, leaves[3], (const uint8_t(*)[32])p,
                                             n, root, 31),
                  SP_ERR_MERKLE_ROOT_MISMATCH);
        CHECK_ERR(sp_merkle_verify_inclusion(crypto, 3, 5, leaves[3], (const uint8_t(*)[32])p,
                                             n, NULL, 0),
                  SP_ERR_MERKLE_ROOT_MISMATCH);
        CHECK_ERR(sp_merkle_verify_inclusion(crypto, 3, 5, NULL, (const uint8_t(*)[32])p, n,
                                             root, 32),
                  SP_ERR_ARGUMENT);
        CHECK_ERR(sp_merkle_verify_inclusion(crypto, 3, 5, leaves[3], NULL, 1, root, 32),
                  SP_ERR_ARGUMENT);
    }
}

static void test_consistency_all(void)
{
    size_t ran = 0, bad = 0;
    for (size_t n2 = 1; n2 <= MAX_LEAVES; n2++) {
        hash r2;
        mth(r2, 0, n2);
        for (size_t n1 = 1; n1 <= n2; n1++) {
            hash r1, p[SP_MAX_PROOF_HASHES + 1], q[SP_MAX_PROOF_HASHES + 1];
            size_t n = 0;
            mth(r1, 0, n1);
            subproof(p, &n, n1, 0, n2, 1);
            ran++;
            bad += cons(n1, n2, r1, r2, p, n) != SP_OK;
            for (size_t j = 0; j < n; j++) {
                memcpy(q, p, sizeof(hash) * n);
                q[j][31 - j % 32] ^= 0x40;
                bad += cons(n1, n2, r1, r2, q, n) != SP_ERR_MERKLE_ROOT_MISMATCH;
            }
            if (n > 0)
                bad += cons(n1, n2, r1, r2, p, n - 1) != SP_ERR_MERKLE_PROOF_LENGTH;
            memcpy(q, p, sizeof(hash) * n);
            memcpy(q[n], leaves[0], 32);
            bad += cons(n1, n2, r1, r2, q, n + 1) != SP_ERR_MERKLE_PROOF_LENGTH;
            for (size_t j = 0; j + 1 < n; j++) {
                memcpy(q, p, sizeof(hash) * n);
                memcpy(q[j], p[j + 1], 32);
                memcpy(q[j + 1], p[j], 32);
                bad += cons(n1, n2, r1, r2, q, n) != SP_ERR_MERKLE_ROOT_MISMATCH;
            }
            /* Wrong roots; swapped roots; the sizes reversed. */
            bad += cons(n1, n2, leaves[5], r2, p, n) != SP_ERR_MERKLE_ROOT_MISMATCH;
            bad += cons(n1, n2, r1, leaves[5], p, n) != SP_ERR_MERKLE_ROOT_MISMATCH;
            if (n1 < n2) {
                bad += cons(n1, n2, r2, r1, p, n) == SP_OK;
                bad += cons(n2, n1, r1, r2, p, n) != SP_ERR_MERKLE_SIZE;
            }
        }
    }
    printf("  consistency: %zu proofs and their mutations\n", ran);
    CHECK(ran == MAX_LEAVES * (MAX_LEAVES + 1) / 2);
    CHECK(bad == 0);
    {
        hash p[8], r1, r2;
        size_t n = 0;
        mth(r1, 0, 3);
        mth(r2, 0, 7);
        subproof(p, &n, 3, 0, 7, 1);
        CHECK_OK(cons(3, 7, r1, r2, p, n));
        CHECK_ERR(cons(3, 7, r1, r2, p, 0), SP_ERR_MERKLE_PROOF_LENGTH);
        CHECK_ERR(cons(3, 7, r1, r2, p, n - 1), SP_ERR_MERKLE_PROOF_LENGTH);
        CHECK_ERR(cons(0, 7, r1, r2, p, n), SP_ERR_MERKLE_SIZE);
        CHECK_ERR(cons(0, 0, r1, r1, p, 0), SP_ERR_MERKLE_SIZE);
        CHECK_ERR(cons(8, 7, r1, r2, p, n), SP_ERR_MERKLE_SIZE);
        CHECK_ERR(cons(3, 7, r2, r2, p, n), SP_ERR_MERKLE_ROOT_MISMATCH);
        /* Equal sizes: an empty proof and equal roots, nothing else. */
        CHECK_OK(cons(7, 7, r2, r2, p, 0));
        CHECK_ERR(cons(7, 7, r2, r2, p, 1), SP_ERR_MERKLE_PROOF_LENGTH);
        CHECK_ERR(cons(7, 7, r1, r2, p, 0), SP_ERR_MERKLE_ROOT_MISMATCH);
        /* A root1 that is no hash: a wrong-length proof is still reported as such. */
        mth(r1, 0, 4);
        n = 0;
        subproof(p, &n, 4, 0, 7, 1);
        CHECK_ERR(sp_merkle_verify_consistency(crypto, 4, 7, r1, 31, r2, 32,
                                               (const uint8_t(*)[32])p, n),
                  SP_ERR_MERKLE_ROOT_MISMATCH);
        CHECK_ERR(sp_merkle_verify_consistency(crypto, 4, 7, r1, 31, r2, 32,
                                               (const uint8_t(*)[32])p, n + 1),
                  SP_ERR_MERKLE_PROOF_LENGTH);
        CHECK_ERR(sp_merkle_verify_consistency(crypto, 4, 7, NULL, 0, r2, 32,
                                               (const uint8_t(*)[32])p, n),
                  SP_ERR_MERKLE_ROOT_MISMATCH);
        CHECK_ERR(sp_merkle_verify_consistency(NULL, 4, 7, r1, 32, r2, 32,
                                               (const uint8_t(*)[32])p, n),
                  SP_ERR_ARGUMENT);
    }
}

/* The proof-length limit: 63 hashes (a tree of 2^63 - 1 leaves) is walked, 64 refused
 * before any hashing -- even for sizes the proof could never fit. */
static void test_limits(void)
{
    static hash p[SP_MAX_PROOF_HASHES + 1];
    uint64_t big = ((uint64_t)1 << 63) - 1u;
    for (size_t i = 0; i < SP_MAX_PROOF_HASHES + 1; i++)
        memset(p[i], (int)i, 32);
    /* Leaf 0 of 2^63 - 1 leaves needs exactly 63 hashes: the walk runs to the root. */
    CHECK_ERR(incl(0, big, leaves[0], p, SP_MAX_PROOF_HASHES, leaves[1]),
              SP_ERR_MERKLE_ROOT_MISMATCH);
    CHECK_ERR(incl(0, big, leaves[0], p, SP_MAX_PROOF_HASHES - 1, leaves[1]),
              SP_ERR_MERKLE_PROOF_LENGTH);
    CHECK_ERR(incl(big - 1, big, leaves[0], p, SP_MAX_PROOF_HASHES - 1, leaves[1]),
              SP_ERR_MERKLE_ROOT_MISMATCH); /* the last leaf of an odd tree: one fewer */
    CHECK_ERR(incl(0, big, leaves[0], p, SP_MAX_PROOF_HASHES + 1, leaves[1]),
              SP_ERR_MERKLE_PROOF_TOO_LONG);
    CHECK_ERR(incl(9, 2, leaves[0], p, SP_MAX_PROOF_HASHES + 1, leaves[1]),
              SP_ERR_MERKLE_PROOF_TOO_LONG); /* before the size check */
    CHECK_ERR(cons(1, big, leaves[0], leaves[1], p, SP_MAX_PROOF_HASHES),
              SP_ERR_MERKLE_ROOT_MISMATCH);
    CHECK_ERR(cons(1, big, leaves[0], leaves[1], p, SP_MAX_PROOF_HASHES + 1),
              SP_ERR_MERKLE_PROOF_TOO_LONG);
    CHECK_ERR(cons(5, 2, leaves[0], leaves[1], p, SP_MAX_PROOF_HASHES + 1),
              SP_ERR_MERKLE_PROOF_TOO_LONG);
}

static int failing_sha256(void *ctx, uint8_t out[32], const sp_bytes *parts, size_t n)
{
    (void)ctx;
    (void)parts;
    (void)n;
    memset(out, 0, 32);
    return -1;
}

static void test_crypto_failure(void)
{
    sp_crypto bad = *crypto;
    hash p[4], r1, r2, out;
    size_t n = 0;
    bad.sha256 = failing_sha256;
    mth(r1, 0, 3);
    mth(r2, 0, 5);
    subproof(p, &n, 3, 0, 5, 1);
    CHECK_ERR(sp_merkle_leaf_hash(out, (const uint8_t *)"x", 1, &bad), SP_ERR_CRYPTO);
    CHECK_ERR(sp_merkle_node_hash(out, r1, r2, &bad), SP_ERR_CRYPTO);
    CHECK_ERR(sp_merkle_verify_consistency(&bad, 3, 5, r1, 32, r2, 32,
                                           (const uint8_t(*)[32])p, n),
              SP_ERR_CRYPTO);
    n = 0;
    path(p, &n, 1, 0, 5);
    CHECK_ERR(sp_merkle_verify_inclusion(&bad, 1, 5, leaves[1], (const uint8_t(*)[32])p, n,
                                         r2, 32),
              SP_ERR_CRYPTO);
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    crypto = sp_sodium_crypto();
    setup();
    RUN_TEST(test_hashes);
    RUN_TEST(test_inclusion_all);
    RUN_TEST(test_consistency_all);
    RUN_TEST(test_limits);
    RUN_TEST(test_crypto_failure);
    return harness_finish("merkle");
}
