/* u128.c -- 128-bit helpers for exact money arithmetic (see dacc/u128.h). */
#include "dacc/u128.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define LO64(x) ((dacc_u128)(uint64_t)(x))

int dacc_u128_muldiv(dacc_u128 a, dacc_u128 b, dacc_u128 c, dacc_u128 *out)
{
    *out = 0;
    if (c == 0)
        return -1;
    /* 256-bit product hi:lo from 64-bit limbs */
    dacc_u128 a0 = LO64(a), a1 = a >> 64, b0 = LO64(b), b1 = b >> 64;
    dacc_u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    dacc_u128 mid = (p00 >> 64) + LO64(p01) + LO64(p10);
    dacc_u128 lo = (mid << 64) | LO64(p00);
    dacc_u128 hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    if (hi >= c)
        return -1; /* quotient >= 2^128 */
    if (hi == 0) {
        *out = lo / c;
        return 0;
    }
    /* restoring long division of hi:lo by c, one bit of lo at a time; r < c throughout */
    dacc_u128 r = hi, q = 0;
    for (int i = 127; i >= 0; i--) {
        int carry = (int)(r >> 127);
        r = (r << 1) | ((lo >> i) & 1);
        q <<= 1;
        if (carry || r >= c) {
            r -= c;
            q |= 1;
        }
    }
    *out = q;
    return 0;
}

dacc_u128 dacc_u128_isqrt(dacc_u128 x, dacc_u128 *rem)
{
    const dacc_u128 max_root = (dacc_u128)UINT64_MAX; /* floor(sqrt(2^128 - 1)) */
    dacc_u128 s;
    if (x < 2) {
        s = x;
    } else {
        /* start above the root (the double estimate is within 2^12 of it), then Newton
         * steps, which decrease monotonically to the floor */
        double est = sqrt((double)x);
        s = est >= 18446744073709549568.0 ? max_root : (dacc_u128)est + 4096;
        if (s > max_root)
            s = max_root;
        for (;;) {
            dacc_u128 t = (s + x / s) >> 1;
            if (t >= s)
                break;
            s = t;
        }
        while (s * s > x)
            s--;
        while (s < max_root && (s + 1) * (s + 1) <= x)
            s++;
    }
    if (rem != NULL)
        *rem = x - s * s;
    return s;
}

char *dacc_u128_dec(dacc_u128 v, char *buf)
{
    char tmp[DACC_U128_DEC_MAX];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int dacc_parse_units128(const char *s, unsigned decimals, dacc_u128 *out)
{
    *out = 0;
    if (decimals > 36)
        return -1;
    const char *p = s;
    dacc_u128 v = 0;
    size_t digits = 0;
    unsigned frac = 0;
    int in_frac = 0;
    for (;; p++) {
        if (*p == '.' && !in_frac) {
            in_frac = 1;
            continue;
        }
        if (!is_digit(*p))
            break;
        digits++;
        unsigned d = (unsigned)(*p - '0');
        if (in_frac && frac == decimals) {
            if (d != 0)
                return -1;
            continue;
        }
        if (v > (DACC_U128_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        if (in_frac)
            frac++;
    }
    if (digits == 0 || *p != '\0')
        return -1;
    for (; frac < decimals; frac++) {
        if (v > DACC_U128_MAX / 10)
            return -1;
        v *= 10;
    }
    *out = v;
    return 0;
}
