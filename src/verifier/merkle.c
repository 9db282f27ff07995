/*
 * merkle.c -- RFC 9162 Merkle hashing, inclusion and consistency proof verification.
 *
 * Both walks are the RFC's own loops (sections 2.1.3.2 and 2.1.4.2), sharing one climb
 * (walk() below: consistency also carries the old root along), with two refinements
 * that only sharpen the error code: running out of tree while proof hashes remain, or
 * ending the proof before the walk reaches the root, is SP_ERR_MERKLE_PROOF_LENGTH
 * (over-long and truncated proofs) rather than a root mismatch.  Intermediate hashes live
 * in the caller's stack frame (a few 32-byte arrays); nothing recurses.
 */
#include "softpause/merkle.h"

#include <string.h>

sp_err sp_merkle_leaf_hash(uint8_t out[SP_SHA256_BYTES], const uint8_t *leaf, size_t len,
                           const sp_crypto *crypto)
{
    static const uint8_t prefix = SP_MERKLE_LEAF_PREFIX;
    sp_bytes parts[2];

    if (out == NULL || crypto == NULL || crypto->sha256 == NULL || (leaf == NULL && len != 0))
        return SP_ERR_ARGUMENT;
    parts[0].ptr = &prefix;
    parts[0].len = 1;
    parts[1].ptr = leaf;
    parts[1].len = len;
    if (crypto->sha256(crypto->ctx, out, parts, len == 0 ? 1u : 2u) != 0)
        return SP_ERR_CRYPTO;
    return SP_OK;
}

sp_err sp_merkle_node_hash(uint8_t out[SP_SHA256_BYTES], const uint8_t left[SP_SHA256_BYTES],
                           const uint8_t right[SP_SHA256_BYTES], const sp_crypto *crypto)
{
    static const uint8_t prefix = SP_MERKLE_NODE_PREFIX;
    uint8_t l[SP_SHA256_BYTES];
    uint8_t r[SP_SHA256_BYTES];
    sp_bytes parts[3];

    if (out == NULL || left == NULL || right == NULL || crypto == NULL ||
        crypto->sha256 == NULL)
        return SP_ERR_ARGUMENT;
    /* Copies, so out may alias an input whatever the backend does with its output. */
    memcpy(l, left, sizeof l);
    memcpy(r, right, sizeof r);
    parts[0].ptr = &prefix;
    parts[0].len = 1;
    parts[1].ptr = l;
    parts[1].len = sizeof l;
    parts[2].ptr = r;
    parts[2].len = sizeof r;
    if (crypto->sha256(crypto->ctx, out, parts, 3) != 0)
        return SP_ERR_CRYPTO;
    return SP_OK;
}

/* Constant-length comparison of a computed 32-byte hash with an expected byte string. */
static int hash_matches(const uint8_t computed[SP_SHA256_BYTES], const uint8_t *expected,
                        size_t expected_len)
{
    uint8_t diff = 0;
    size_t i;

    if (expected == NULL || expected_len != SP_SHA256_BYTES)
        return 0;
    for (i = 0; i < SP_SHA256_BYTES; i++)
        diff |= (uint8_t)(computed[i] ^ expected[i]);
    return diff == 0;
}

/*
 * The walk both verifications share (RFC 9162 2.1.3.2 step 4 and 2.1.4.2 step 5): climb
 * from node fn of the last-leaf path sn, combining proof[i..n) into sr -- and into fr,
 * the old tree's root, when fr is not NULL (consistency) -- and check that the walk ends
 * exactly at the root: proof hashes left over once sn reached 0 (over-long), or sn not 0
 * when the proof ends (truncated), are SP_ERR_MERKLE_PROOF_LENGTH.
 */
static sp_err walk(const sp_crypto *crypto, uint64_t fn, uint64_t sn, uint8_t *fr,
                   uint8_t sr[SP_SHA256_BYTES], const uint8_t (*proof)[SP_SHA256_BYTES],
                   size_t i, size_t n)
{
    sp_err err;

    for (; i < n; i++) {
        if (sn == 0)
            return SP_ERR_MERKLE_PROOF_LENGTH; /* over-long: the root was already reached */
        if ((fn & 1u) != 0 || fn == sn) {
            err = fr == NULL ? SP_OK : sp_merkle_node_hash(fr, proof[i], fr, crypto);
            if (err == SP_OK)
                err = sp_merkle_node_hash(sr, proof[i], sr, crypto);
            if (err != SP_OK)
                return err;
            while ((fn & 1u) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            err = sp_merkle_node_hash(sr, sr, proof[i], crypto);
            if (err != SP_OK)
                return err;
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 ? SP_OK : SP_ERR_MERKLE_PROOF_LENGTH; /* else truncated */
}

sp_err sp_merkle_verify_inclusion(const sp_crypto *crypto, uint64_t index, uint64_t size,
                                  const uint8_t leaf_hash[SP_SHA256_BYTES],
                                  const uint8_t (*proof)[SP_SHA256_BYTES], size_t n,
                                  const uint8_t *root, size_t root_len)
{
    uint8_t r[SP_SHA256_BYTES];
    sp_err err;

    if (crypto == NULL || leaf_hash == NULL || (proof == NULL && n != 0))
        return SP_ERR_ARGUMENT;
    if (n > SP_MAX_PROOF_HASHES)
        return SP_ERR_MERKLE_PROOF_TOO_LONG;
    if (index >= size)
        return SP_ERR_MERKLE_SIZE;
    memcpy(r, leaf_hash, sizeof r);
    err = walk(crypto, index, size - 1u, NULL, r, proof, 0, n);
    if (err != SP_OK)
        return err;
    return hash_matches(r, root, root_len) ? SP_OK : SP_ERR_MERKLE_ROOT_MISMATCH;
}

sp_err sp_merkle_verify_consistency(const sp_crypto *crypto, uint64_t size1, uint64_t size2,
                                    const uint8_t *root1, size_t root1_len,
                                    const uint8_t *root2, size_t root2_len,
                                    const uint8_t (*proof)[SP_SHA256_BYTES], size_t n)
{
    uint8_t fr[SP_SHA256_BYTES];
    uint8_t sr[SP_SHA256_BYTES];
    uint64_t fn;
    uint64_t sn;
    size_t i;
    sp_err err;

    if (crypto == NULL || (proof == NULL && n != 0))
        return SP_ERR_ARGUMENT;
    if (n > SP_MAX_PROOF_HASHES)
        return SP_ERR_MERKLE_PROOF_TOO_LONG;
    if (size1 > size2 || size1 == 0)
        return SP_ERR_MERKLE_SIZE;
    if (size1 == size2) {
        if (n != 0)
            return SP_ERR_MERKLE_PROOF_LENGTH;
        if (root1 == NULL || root2 == NULL || root1_len != root2_len ||
            memcmp(root1, root2, root1_len) != 0)
            return SP_ERR_MERKLE_ROOT_MISMATCH;
        return SP_OK;
    }
    if (n == 0)
        return SP_ERR_MERKLE_PROOF_LENGTH;

    /* Step 1: a power-of-two old tree is itself a node of the new one; its root seeds the
     * walk (the RFC "prepends" it to the path).  Otherwise the path's first hash does.  A
     * root1 that is no hash seeds zeros: the walk still runs, so a proof of the wrong
     * length is still reported as such, and the final comparison then fails. */
    i = 0;
    if ((size1 & (size1 - 1u)) == 0) {
        if (root1 != NULL && root1_len == SP_SHA256_BYTES)
            memcpy(fr, root1, sizeof fr);
        else
            memset(fr, 0, sizeof fr);
    } else {
        memcpy(fr, proof[0], sizeof fr);
        i = 1;
    }
    memcpy(sr, fr, sizeof sr);
    fn = size1 - 1u;
    sn = size2 - 1u;
    while ((fn & 1u) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    err = walk(crypto, fn, sn, fr, sr, proof, i, n);
    if (err != SP_OK)
        return err;
    if (!hash_matches(fr, root1, root1_len) || !hash_matches(sr, root2, root2_len))
        return SP_ERR_MERKLE_ROOT_MISMATCH;
    return SP_OK;
}
