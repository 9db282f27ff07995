/*
 * rt_responder.h -- a small Roughtime (RFC 10049 v1) responder for tests: libsodium keys,
 * valid responses to the request sp_rt_request builds, and one knob per check of
 * sp_rt_response_verify so that a test changes one field and only the targeted check fires.
 */
#ifndef SP_TEST_RT_RESPONDER_H
#define SP_TEST_RT_RESPONDER_H

#include <stddef.h>
#include <stdint.h>

typedef struct rt_server {
    uint8_t pk[32], sk[64];   /* long-term key */
    uint8_t dpk[32], dsk[64]; /* delegated key (DELE's PUBK) */
} rt_server;

typedef struct rt_answer {
    uint64_t midp, mint, maxt;
    uint32_t radi, ver, type;
    uint32_t vers[4];
    size_t nvers;
    unsigned depth, index;    /* a batch of 2^depth requests, this one at `index` */
    uint32_t indx_xor;        /* bits flipped in INDX (not signed: INDX is outside SREP) */
    int root_xor;             /* flip a bit of ROOT before signing */
    int bad_dele_sig, bad_srep_sig;
    int swap_tags;            /* top-level NONC and TYPE swapped in the header (unsorted) */
    int omit_indx;            /* leave INDX out */
    size_t grease_len;        /* >0: an undefined top-level tag "GRSZ" of this many zero bytes */
} rt_answer;

/* Deterministic keys from one byte. */
void rt_server_init(rt_server *s, uint8_t seed);
/* A valid answer at `midp`: RADI 5, MINT midp - 1 day, MAXT midp + 1 day, VER 1, VERS {1},
 * one request per batch. */
void rt_answer_default(rt_answer *a, uint64_t midp);
/* Writes the response packet to out; returns its length (0 if cap is too small). */
size_t rt_respond(const rt_server *s, const rt_answer *a, const uint8_t nonce[32],
                  uint8_t *out, size_t cap);
/* A Roughtime message from n (tag, value) pairs in the order given; returns its length. */
size_t rt_message_write(uint8_t *out, size_t cap, const uint32_t *tags, const uint8_t *const *vals,
                        const size_t *lens, size_t n);

#endif
