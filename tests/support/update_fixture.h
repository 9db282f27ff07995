/*
 * update_fixture.h -- policy updates over the standard world (policy_fixture.h): the chain
 * P1 -> P2 -> P3 with real keys, and helpers that build update texts independently of the
 * library (snprintf and libsodium's SHA-256), so what the verifier accepts was made
 * independently.  Shared by tests/verifier/test_update.c, the attack suite and the
 * fuzz corpus generator (fuzz/gen/gen_update.c).
 *
 *   P1  the standard policy (version 1; 5 bodies; rule 1 tag civil AND rule 3 all)
 *   P2  version 2: civ-beta re-keyed (key UF_CIV_B2, the same key name, a new key ID)
 *   P3  version 3: P2 plus a third civil body civ-gamma (key UF_CIV_C)
 *
 * Keys: keys[0..4] are the standard keys (PF_*), keys[5] civ-beta's new key, keys[6]
 * civ-gamma's.  A mask selects signers as in pf_sign_mask (bit i = keys[i]).
 */
#ifndef DACC_TESTS_UPDATE_FIXTURE_H
#define DACC_TESTS_UPDATE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/policy.h"
#include "support/policy_fixture.h"

enum { UF_CIV_B2 = 5, UF_CIV_C = 6, UF_NKEYS = 7 };

#define UF_P1_KEYS 0x1fu                                  /* every signer key of P1 */
#define UF_P2_KEYS (0x1du | PF_BIT(UF_CIV_B2))            /* ... of P2 */
#define UF_P3_KEYS (UF_P2_KEYS | PF_BIT(UF_CIV_C))        /* ... of P3 */
#define UF_P1_P2_KEYS (UF_P1_KEYS | UF_P2_KEYS)           /* both quorums of P1 -> P2 */
#define UF_P2_P3_KEYS (UF_P2_KEYS | UF_P3_KEYS)           /* both quorums of P2 -> P3 */

#define UF_POLICY_CAP 12288u

typedef struct uf_world {
    pf_world pf;                        /* the standard world; pf.policy is P1 */
    fx_key keys[UF_NKEYS];
    char text[3][UF_POLICY_CAP];        /* canonical P1, P2, P3 (NUL-terminated) */
    size_t len[3];
    sp_policy p[3];                     /* parsed P1, P2, P3 */
} uf_world;

/* Make the world (aborts on failure). */
void uf_world_make(uf_world *w);

/* Copy policy text `base` into out, replacing the first `from` by `to` (from NULL: none).
 * Aborts if `from` is absent.  Returns the length. */
size_t uf_variant(char *out, size_t cap, const char *base, const char *from, const char *to);

/* SHA-256(SP_POLICY_HASH_DOMAIN || bytes), by libsodium directly. */
void uf_policy_hash(uint8_t out[32], const char *bytes, size_t len);

/* Update text with every field given (for attack variants): header deployment, `policy`
 * hash, version, `new-policy` hash, the time-reset line if time_reset, then policy_text. */
size_t uf_update_text_raw(char *out, size_t cap, const char *deployment,
                          const uint8_t cur_hash[32], uint64_t version,
                          const uint8_t new_hash[32], int time_reset, const char *policy_text);

/* The honest update text from `current` to policy_text (its hash computed), as `version`. */
size_t uf_update_text(char *out, size_t cap, const sp_policy *current, uint64_t version,
                      const char *policy_text, int time_reset);

/* Sign text as a note by keys[i] for each bit i of mask. */
size_t uf_sign(char *out, size_t cap, const uf_world *w, const char *text, uint32_t mask);

/* The honest update P[from] -> P[from + 1] (from 0 or 1), signed by mask. */
size_t uf_update_note(char *out, size_t cap, const uf_world *w, int from, uint32_t mask);

#endif
