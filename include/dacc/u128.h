/*
 * u128.h -- 128-bit unsigned integers for exact money arithmetic (GCC and clang, the two
 * compilers this project builds with; __extension__ keeps -pedantic quiet).
 *
 * dacc_u128_muldiv computes floor(a * b / c) through a 256-bit product, so scaling a
 * match by pool / total never overflows an intermediate; the result must fit 128 bits.
 */
#ifndef DACC_U128_H
#define DACC_U128_H

#include <stddef.h>

__extension__ typedef unsigned __int128 dacc_u128;

#define DACC_U128_MAX (~(dacc_u128)0)
#define DACC_U128_DEC_MAX 40 /* 39 digits and a NUL */

/* floor(a * b / c) into *out; returns 0, or -1 if c == 0 or the result exceeds 128 bits. */
int dacc_u128_muldiv(dacc_u128 a, dacc_u128 b, dacc_u128 c, dacc_u128 *out);
/* floor(sqrt(x)), and the remainder x - floor(sqrt(x))^2 when rem != NULL. */
dacc_u128 dacc_u128_isqrt(dacc_u128 x, dacc_u128 *rem);
/* Decimal digits of v into buf (at least DACC_U128_DEC_MAX bytes); returns buf. */
char *dacc_u128_dec(dacc_u128 v, char *buf);
/* Exact amount as in dacc_parse_units (digits [. digits], at most `decimals` significant
 * fraction digits, decimals <= 36) into 128-bit units.  Returns 0, or -1 (*out = 0). */
int dacc_parse_units128(const char *s, unsigned decimals, dacc_u128 *out);

#endif
