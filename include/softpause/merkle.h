/*
 * softpause/merkle.h -- RFC 6962 / RFC 9162 Merkle tree hashing and proof verification.
 *
 *   leaf hash  = SHA-256(0x00 || leaf bytes)
 *   node hash  = SHA-256(0x01 || left || right)
 *   empty tree = SHA-256("")
 *
 * Inclusion proofs follow RFC 9162 section 2.1.3.2, consistency proofs section 2.1.4.2,
 * step for step, without recursion.  Proof hashes are fixed 32-byte arrays (a hash of
 * another length cannot be represented and is refused by the parsers that produce them);
 * expected root hashes are byte strings compared by length and content, so a root of the
 * wrong length simply does not match (as in transparency-dev/merkle, whose vectors run in
 * tests/verifier/test_merkle_vectors.c).
 *
 * Error precedence: SP_ERR_MERKLE_PROOF_TOO_LONG (more than SP_MAX_PROOF_HASHES, before
 * any hashing), SP_ERR_MERKLE_SIZE (index >= size; size1 > size2; size1 == 0 -- a
 * consistency proof from the empty tree proves nothing, the witness handles "old 0"
 * itself), SP_ERR_MERKLE_PROOF_LENGTH (the walk runs out of tree before the proof ends,
 * or the proof ends before the walk reaches the root; an empty proof for size1 < size2),
 * SP_ERR_MERKLE_ROOT_MISMATCH, SP_ERR_CRYPTO.
 */
#ifndef SOFTPAUSE_MERKLE_H
#define SOFTPAUSE_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"

#define SP_MERKLE_LEAF_PREFIX 0x00u
#define SP_MERKLE_NODE_PREFIX 0x01u

/* SHA-256(0x00 || leaf[0..len)). */
SP_MUST_CHECK sp_err sp_merkle_leaf_hash(uint8_t out[SP_SHA256_BYTES], const uint8_t *leaf,
                                         size_t len, const sp_crypto *crypto);

/* SHA-256(0x01 || left || right).  out may alias left or right. */
SP_MUST_CHECK sp_err sp_merkle_node_hash(uint8_t out[SP_SHA256_BYTES],
                                         const uint8_t left[SP_SHA256_BYTES],
                                         const uint8_t right[SP_SHA256_BYTES],
                                         const sp_crypto *crypto);

/* Verify that leaf_hash is leaf `index` of the tree of `size` leaves whose root is
 * root[0..root_len), given proof[0..n). */
SP_MUST_CHECK sp_err sp_merkle_verify_inclusion(const sp_crypto *crypto, uint64_t index,
                                                uint64_t size,
                                                const uint8_t leaf_hash[SP_SHA256_BYTES],
                                                const uint8_t (*proof)[SP_SHA256_BYTES],
                                                size_t n, const uint8_t *root,
                                                size_t root_len);

/* Verify that the tree of size2 leaves with root2 extends the tree of size1 leaves with
 * root1, given proof[0..n).  size1 == size2 needs an empty proof and equal roots. */
SP_MUST_CHECK sp_err sp_merkle_verify_consistency(const sp_crypto *crypto, uint64_t size1,
                                                  uint64_t size2, const uint8_t *root1,
                                                  size_t root1_len, const uint8_t *root2,
                                                  size_t root2_len,
                                                  const uint8_t (*proof)[SP_SHA256_BYTES],
                                                  size_t n);

#endif /* SOFTPAUSE_MERKLE_H */
