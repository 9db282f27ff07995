/*
 * bits.h -- the verifier's small internal helpers: bit sets, line tokens, SP_NOINLINE.
 * Not a public header: nothing outside src/verifier/ includes it.
 *
 * Why a header of their own: the policy parser (policy.c), the quorum evaluator (quorum.c)
 * and the witness-policy parser (witness_policy.c) all count and mask 32-bit member sets
 * and split lines into tokens.  When these helpers lived in policy.c, quorum.c and
 * witness_policy.c called back into the file that calls them (an import circle: no one of
 * the three could be read, tested or linked without the others).  Here they are static
 * inline and depend on nothing; tools/check-freestanding.sh checks that the verifier's
 * objects call each other without a cycle.
 *
 * Tokens are spans of a line the caller owns (public data; no copying, no NUL):
 *
 *   line     "signer mil-a military ed25519..."      sp_tok_split(c, ' ', t): by one byte,
 *            ^p                        pos^   ^n      empty tokens kept ("a,,b" -> 3)
 *   line     "witness  w1\tvkey url"                 sp_tok_item(c, t): runs of ' ' or
 *                                                     '\t' separate, never empty
 */
#ifndef SOFTPAUSE_VERIFIER_BITS_H
#define SOFTPAUSE_VERIFIER_BITS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Helpers that hold parsing or formatting scratch stay out of line, so that each frame
 * stays under the per-frame limit (-Wframe-larger-than=1024) even with ASan's redzones, and
 * the stack-depth check sees the real call chain instead of one merged frame. */
#if defined(__GNUC__) || defined(__clang__)
#define SP_NOINLINE __attribute__((noinline))
#else
#define SP_NOINLINE
#endif

/* Number of bits set. */
static inline uint32_t sp_popcount32(uint32_t v)
{
    uint32_t n = 0;
    while (v != 0) {
        v &= v - 1u;
        n++;
    }
    return n;
}

/* Mask with the low n bits set (n >= 32: all 32). */
static inline uint32_t sp_low_mask(uint32_t n)
{
    return n >= 32u ? 0xFFFFFFFFu : ((1u << n) - 1u);
}

/* A token: p[0..n) inside a line. */
typedef struct sp_tok {
    const uint8_t *p;
    size_t n;
} sp_tok;

/* Where the next token of line p[0..n) starts. */
typedef struct sp_tok_cursor {
    const uint8_t *p;
    size_t n;
    size_t pos;
} sp_tok_cursor;

/* Next token up to the byte `sep` (or the end); 0 when the line is exhausted.  Empty tokens
 * are returned as such: "a  b" split by ' ' is "a", "", "b". */
static inline int sp_tok_split(sp_tok_cursor *c, uint8_t sep, sp_tok *t)
{
    size_t start;
    t->p = c->p;
    t->n = 0;
    if (c->pos > c->n)
        return 0;
    start = c->pos;
    while (c->pos < c->n && c->p[c->pos] != sep)
        c->pos++;
    t->p = c->p + start;
    t->n = c->pos - start;
    c->pos++; /* past the separator, or to n + 1 at the end */
    return 1;
}

/* Next item separated by runs of blanks (' ' or '\t'); 0 when none is left. */
static inline int sp_tok_item(sp_tok_cursor *c, sp_tok *t)
{
    while (c->pos < c->n && (c->p[c->pos] == ' ' || c->p[c->pos] == '\t'))
        c->pos++;
    t->p = c->p + c->pos;
    t->n = 0;
    if (c->pos >= c->n)
        return 0;
    while (c->pos < c->n && c->p[c->pos] != ' ' && c->p[c->pos] != '\t')
        c->pos++;
    t->n = (size_t)(c->p + c->pos - t->p);
    return 1;
}

/* 1 iff the token is exactly lit[0..lit_len). */
static inline int sp_tok_is(const sp_tok *t, const char *lit, size_t lit_len)
{
    return t->n == lit_len && memcmp(t->p, lit, lit_len) == 0;
}

#endif /* SOFTPAUSE_VERIFIER_BITS_H */
