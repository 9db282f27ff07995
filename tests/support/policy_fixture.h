/*
 * policy_fixture.h -- the standard test world: a 5-body policy and statements signed by any
 * subset of its bodies.  Shared by the verifier unit tests, the device tests and the attack
 * suite, so every suite talks about the same policy.
 *
 *   bodies (sorted = policy signer index)      tags        key name
 *     0 PF_CIV_A   civ-alpha                   civil       civ-alpha.example
 *     1 PF_CIV_B   civ-beta                    civil       civ-beta.example
 *     2 PF_MIL_A   mil-alpha                   military    mil-alpha.example
 *     3 PF_MIL_B   mil-beta                    military    mil-beta.example
 *     4 PF_MIL_C   mil-gamma                   military    mil-gamma.example
 *   rules: "rule 1 tag civil" AND "rule 3 all"  (3 of 5, at least 1 civil)
 *   publication: the pub_fixture.h log and witnesses (2 of 3 must cosign)
 *
 * Keys come from fixture.h (libsodium directly), texts are built with snprintf: nothing here
 * uses the library's own encoders, so what the verifier accepts was made independently.
 * Every helper aborts on failure (a broken fixture is not a test result).
 */
#ifndef DACC_TESTS_POLICY_FIXTURE_H
#define DACC_TESTS_POLICY_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/policy.h"
#include "support/fixture.h"
#include "support/pub_fixture.h"

enum { PF_CIV_A = 0, PF_CIV_B = 1, PF_MIL_A = 2, PF_MIL_B = 3, PF_MIL_C = 4, PF_NKEYS = 5 };

/* Signer masks for pf_statement_note (bit i = signer i). */
#define PF_BIT(i) (1u << (i))
#define PF_ALL_CIVIL (PF_BIT(PF_CIV_A) | PF_BIT(PF_CIV_B))
#define PF_ALL_MILITARY (PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B) | PF_BIT(PF_MIL_C))

#define PF_DEPLOYMENT "test.example/softpause"
#define PF_VERSION 1u
#define PF_GENESIS 1735689600u
#define PF_EPOCH_LENGTH 604800u
#define PF_ALLOWANCE 648000u
#define PF_MAX_STALENESS 604800u

/* Seeds of the standard keys are PF_SEED_BASE + index. */
#define PF_SEED_BASE 0x51u

typedef struct pf_world {
    fx_key keys[PF_NKEYS];   /* keys[i] belongs to policy signer i */
    pub_world pub;           /* the log and witnesses of the policy's witness block */
    char policy_text[12288]; /* canonical policy, NUL-terminated */
    size_t policy_len;
    sp_policy policy;        /* parsed policy_text (hash set) */
} pf_world;

/* Make the standard keys, policy text and parsed policy. */
void pf_world_make(pf_world *w);

/* Give the policy's witnesses loopback URLs: each witness line of w->policy_text gets
 * " http://127.0.0.1:<ports[i]>" (the URL the log posts add-checkpoint to), and the
 * policy is parsed again (a new policy hash).  Aborts if it does not load. */
void pf_world_set_witness_ports(pf_world *w, const uint16_t ports[PUB_NWITNESSES]);

/* Body, tags field and key name of standard signer i. */
const char *pf_body(int i);
const char *pf_tags(int i);

/* Canonical text of the standard policy for `keys` (NUL-terminated); returns its length. */
size_t pf_policy_text(char *out, size_t cap, const fx_key keys[PF_NKEYS], const pub_world *pw);

/* Statement text for `epoch` under policy p ("mode" is e.g. "run", "throttle 250",
 * "pause"), start computed as genesis + epoch * epoch_length.  NUL-terminated. */
size_t pf_statement_text(char *out, size_t cap, const sp_policy *p, uint64_t epoch,
                         const char *mode);

/* Sign text (which must end in '\n') as a note by keys[i] for each bit i of mask, in index
 * order.  NUL-terminated; returns the note length. */
size_t pf_sign_mask(char *out, size_t cap, const char *text, const fx_key *keys, size_t nkeys,
                    uint32_t mask);

/* The usual one-liner: statement for epoch, signed by the world's signers in mask. */
size_t pf_statement_note(char *out, size_t cap, const pf_world *w, uint64_t epoch,
                         const char *mode, uint32_t mask);

/* When the weekly statement for `epoch` is published and cosigned in the standard world:
 * an hour after the epoch starts (genesis + epoch * epoch_length + PF_PUBLISH_DELAY), well
 * inside both freshness windows of device.h, so the freeze and fast-forward defences do
 * not fire unless a test means them to. */
#define PF_PUBLISH_DELAY 3600u
uint64_t pf_epoch_time(const sp_policy *p, uint64_t epoch);

/* pf_statement_note wrapped in a fully valid bundle (pub_bundle_at) of the world's log and
 * witnesses, cosigned at pf_epoch_time(epoch).  NUL-terminated; returns its length. */
size_t pf_statement_bundle(char *out, size_t cap, const pf_world *w, uint64_t epoch,
                           const char *mode, uint32_t mask);

/* Verifier-key text "name+hexid+base64(0x01||pk)" for an arbitrary 32-byte point (e.g. a
 * small-order point), with the correct C2SP key ID. */
size_t pf_vkey_text(char *out, size_t cap, const char *name, const uint8_t pk[32]);

/* Replace the first occurrence of `from` in the NUL-terminated buf by `to`.  Aborts if
 * absent or if the result does not fit.  Returns the new length. */
size_t pf_replace(char *buf, size_t cap, const char *from, const char *to);

/* Lower-case hex of n bytes into out (2n + 1 bytes with NUL). */
void pf_hex(char *out, const uint8_t *in, size_t n);

#endif
