/*
 * pub_fixture.h -- the standard publication world for tests: one log, three witnesses
 * (quorum: 2 of 3), and bundles (C2SP tlog-proof with the statement in `extra`) built
 * from scratch with libsodium -- Merkle hashing, checkpoint text, log signature,
 * cosignature/v1 lines and the proof text are all written here by hand, none by the
 * library's own encoders, so whatever the verifier accepts was made independently.
 *
 *   log       pub.test.example/log          Ed25519 note key (0x01), seed 0x61
 *   witnesses w1 w1.test.example            cosigner keys (0x04), seeds 0x71, 0x72, 0x73
 *             w2 w2.test.example
 *             w3 w3.test.example
 *   witness policy:  group witnesses 2 w1 w2 w3 / quorum witnesses
 *
 * A bundle puts the statement at index PUB_INDEX of a PUB_TREE_SIZE-leaf tree whose other
 * leaves are fixed filler notes.  Every helper aborts on failure.
 */
#ifndef DACC_TESTS_PUB_FIXTURE_H
#define DACC_TESTS_PUB_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/host/keyfile.h"
#include "support/fixture.h"

enum { PUB_NWITNESSES = 3, PUB_TREE_SIZE = 5, PUB_INDEX = 3 };
#define PUB_ALL_WITNESSES 0x7u
#define PUB_LOG_ORIGIN "pub.test.example/log"

typedef struct pub_world {
    fx_key log;
    fx_key witnesses[PUB_NWITNESSES];
    char witness_vkeys[PUB_NWITNESSES][256];    /* "name+id+base64(0x04||pk)" */
    uint32_t witness_ids[PUB_NWITNESSES];       /* 0x04 key IDs */
} pub_world;

/* What a bundle is made of; pub_bundle_defaults() fills a valid one. */
typedef struct pub_bundle_opts {
    const fx_key *log;                 /* signs the checkpoint (NULL: no log signature) */
    const char *origin;                /* checkpoint origin (default: log key's name) */
    uint32_t witness_mask;             /* which witnesses cosign, in order */
    uint64_t times[PUB_NWITNESSES];    /* their cosignature timestamps */
    uint64_t tree_size;                /* leaves in the tree (statement at index) */
    uint64_t index;
    int omit_extra;                    /* no extra line */
} pub_bundle_opts;

void pub_world_make(pub_world *pw);

/* The witness-policy block of the deployment policy (canonical lines), NUL-terminated. */
size_t pub_witness_policy_text(char *out, size_t cap, const pub_world *pw);

/* Defaults: log signs, origin = log name, all witnesses cosign at time `t`, tree of
 * PUB_TREE_SIZE leaves, statement at PUB_INDEX. */
void pub_bundle_defaults(pub_bundle_opts *o, const pub_world *pw, uint64_t t);

/* Build a bundle around note[0..note_len).  NUL-terminated; returns its length. */
size_t pub_bundle(char *out, size_t cap, const pub_world *pw, const pub_bundle_opts *o,
                  const char *note, size_t note_len);

/* The usual case: a valid bundle (the defaults) whose witnesses all cosign at time t. */
size_t pub_bundle_at(char *out, size_t cap, const pub_world *pw, uint64_t t, const char *note,
                     size_t note_len);

/* Pieces, for attacks: the checkpoint note (text + log line + cosignature lines) for a tree
 * of `size` leaves with root `root`; a cosignature line by witness i over `text`. */
size_t pub_checkpoint_note(char *out, size_t cap, const pub_world *pw,
                           const pub_bundle_opts *o, uint64_t size, const uint8_t root[32]);
size_t pub_cosign_line(char *out, size_t cap, const pub_world *pw, int i, uint64_t time,
                       const char *text, size_t text_len);

/* Merkle helpers computed with libsodium: the leaf hash of a byte string, the RFC 6962
 * root of leaves[0..n), and the inclusion proof for `index` (returns hash count).  The
 * tree's leaves are filler notes except leaf `index`, which is note. */
void pub_leaf_hash(uint8_t out[32], const void *leaf, size_t len);
void pub_tree(const char *note, size_t note_len, uint64_t size, uint64_t index,
              uint8_t root[32], uint8_t proof[][32], size_t *proof_len);

/* Witness i of pw as the library's cosigner signer key (pub.alg 0x04, its 0x04 key ID),
 * for code that cosigns (the witness, sp_cosignature_line). */
void pub_cosigner_key(sp_signer_key *out, const pub_world *pw, int i);

/* The filler tree (leaf i is the filler note i, no statement), for witness tests: its root
 * at `size` leaves (size 0: SHA-256 of nothing) and the RFC 6962 consistency proof from its
 * first m leaves to its first n (0 < m <= n <= PUB_FILLER_MAX; returns the hash count, at
 * most 63). */
#define PUB_FILLER_MAX ((uint64_t)1 << 20)
void pub_filler_root(uint64_t size, uint8_t root[32]);
size_t pub_consistency(uint64_t m, uint64_t n, uint8_t proof[][32]);

#endif
