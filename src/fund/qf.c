/*
 * qf.c -- plain QF / CLR (float and exact integer), clr.fund's alpha mode, and the pool
 * distribution with caps shared by every mechanism.  Formulas: include/fund/qf.h and
 * docs/fund.md.
 */
#include "fund/qf.h"
#include "dacc/u128.h"
#include "dacc/xalloc.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define E18 1000000000000000000ull

void fund_qf_opts_default(fund_qf_opts *o)
{
    memset(o, 0, sizeof *o);
    o->scale = FUND_SCALE_SATURATE;
}

uint64_t fund_isqrt(uint64_t x, uint64_t *rem)
{
    dacc_u128 r;
    uint64_t s = (uint64_t)dacc_u128_isqrt(x, &r);
    if (rem != NULL)
        *rem = (uint64_t)r;
    return s;
}

static fund_err check_opts(const fund_qf_opts *o, int exact, char *msg)
{
    if (o->has_pool && !exact && !(o->pool >= 0 && isfinite(o->pool))) {
        snprintf(msg, FUND_MSG_MAX, "expected a non-negative pool, got %g", o->pool);
        return FUND_ERR_ARG;
    }
    if (o->has_cap && o->cap_is_fraction) {
        if (!o->has_pool) {
            snprintf(msg, FUND_MSG_MAX, "a cap as a fraction of the pool needs a pool");
            return FUND_ERR_ARG;
        }
        if (!exact && !(o->cap_fraction > 0 && o->cap_fraction <= 1)) {
            snprintf(msg, FUND_MSG_MAX, "expected a cap fraction in (0, 1], got %g", o->cap_fraction);
            return FUND_ERR_ARG;
        }
        if (exact && !(o->cap_fraction_e18 > 0 && o->cap_fraction_e18 <= E18)) {
            snprintf(msg, FUND_MSG_MAX, "expected a cap fraction in (0, 1]");
            return FUND_ERR_ARG;
        }
    }
    if (o->has_cap && !o->cap_is_fraction && !exact && !(o->cap >= 0 && isfinite(o->cap))) {
        snprintf(msg, FUND_MSG_MAX, "expected a non-negative cap, got %g", o->cap);
        return FUND_ERR_ARG;
    }
    if (o->scale == FUND_SCALE_NORMALISE && !o->has_pool) {
        snprintf(msg, FUND_MSG_MAX, "normalising to the pool needs a pool");
        return FUND_ERR_ARG;
    }
    return FUND_OK;
}

fund_err fund_distribute(const double *raw, size_t n, const fund_qf_opts *o, double *out,
                         int *capped_out, fund_dist_info *info, char *msg)
{
    fund_err e = check_opts(o, 0, msg);
    if (e != FUND_OK)
        return e;
    fund_dist_info inf;
    memset(&inf, 0, sizeof inf);
    double total = 0;
    for (size_t p = 0; p < n; p++) {
        if (!(raw[p] >= 0) || !isfinite(raw[p])) {
            snprintf(msg, FUND_MSG_MAX, "raw match %zu is %g, expected a finite value >= 0", p, raw[p]);
            return isfinite(raw[p]) ? FUND_ERR_ARG : FUND_ERR_RANGE;
        }
        total += raw[p];
        if (!isfinite(total)) {
            snprintf(msg, FUND_MSG_MAX,
                     "the total of raw matches exceeds the largest double (1.8e308) at match %zu",
                     p);
            return FUND_ERR_RANGE;
        }
    }
    if (!o->has_pool)
        inf.budget = total;
    else if (o->scale == FUND_SCALE_NORMALISE)
        inf.budget = o->pool;
    else
        inf.budget = total < o->pool ? total : o->pool;
    inf.saturated = o->has_pool && total >= o->pool;
    double cap = o->has_cap ? (o->cap_is_fraction ? o->cap_fraction * o->pool : o->cap) : 0;
    if (o->has_cap && o->cap_is_fraction && o->pool > 0 && !(cap >= DBL_MIN)) {
        snprintf(msg, FUND_MSG_MAX,
                 "the cap, %g of the pool %g, is below the smallest double (2.2e-308): it "
                 "would be 0", o->cap_fraction, o->pool);
        return FUND_ERR_RANGE;
    }
    int *capped = dacc_xcalloc(n, sizeof *capped);
    double remaining = inf.budget, share = total;
    for (;;) {
        inf.iterations++;
        int newly = 0;
        for (size_t p = 0; p < n; p++) {
            if (capped[p])
                continue;
            if (share <= 0)
                out[p] = 0;
            else if (remaining == share)
                out[p] = raw[p];             /* unscaled: exactly the raw match */
            else if (isfinite(raw[p] * remaining))
                out[p] = raw[p] * remaining / share;
            else /* the product alone overflows; the share itself is at most remaining */
                out[p] = raw[p] / share * remaining;
            if (o->has_cap && out[p] > cap) {
                capped[p] = 1;
                newly++;
            }
        }
        if (newly == 0)
            break;
        remaining = inf.budget;
        share = 0;
        for (size_t p = 0; p < n; p++) {
            if (capped[p]) {
                out[p] = cap;
                remaining -= cap;
            } else {
                share += raw[p];
            }
        }
        if (remaining < 0)
            remaining = 0;
    }
    inf.total = 0;
    for (size_t p = 0; p < n; p++)
        inf.total += out[p];
    inf.unallocated = inf.budget - inf.total;
    if (fabs(inf.unallocated) <= 1e-9 * (inf.budget > 1 ? inf.budget : 1))
        inf.unallocated = 0; /* rounding, not money */
    if (capped_out != NULL)
        memcpy(capped_out, capped, n * sizeof *capped);
    free(capped);
    if (info != NULL)
        *info = inf;
    return FUND_OK;
}

fund_err fund_distribute_exact(const dacc_u128 *raw, size_t n, const fund_qf_opts *o,
                               dacc_u128 *out, int *capped_out, fund_dist_uinfo *info, char *msg)
{
    fund_err e = check_opts(o, 1, msg);
    if (e != FUND_OK)
        return e;
    fund_dist_uinfo inf;
    memset(&inf, 0, sizeof inf);
    dacc_u128 total = 0;
    for (size_t p = 0; p < n; p++) {
        if (raw[p] > DACC_U128_MAX - total) {
            snprintf(msg, FUND_MSG_MAX, "the sum of raw matches overflows 128-bit units");
            return FUND_ERR_RANGE;
        }
        total += raw[p];
    }
    if (!o->has_pool)
        inf.budget = total;
    else if (o->scale == FUND_SCALE_NORMALISE)
        inf.budget = o->pool_units;
    else
        inf.budget = total < o->pool_units ? total : o->pool_units;
    inf.saturated = o->has_pool && total >= o->pool_units;
    dacc_u128 cap = 0;
    if (o->has_cap) {
        cap = o->cap_units;
        if (o->cap_is_fraction) /* fraction <= 1, so the result fits */
            (void)dacc_u128_muldiv(o->pool_units, o->cap_fraction_e18, E18, &cap);
    }
    int *capped = dacc_xcalloc(n, sizeof *capped);
    /* shares of the budget: floor(raw * budget / total) through a 256-bit product (the
     * quotient is at most the budget), or raw itself when unscaled */
    for (size_t p = 0; p < n; p++) {
        if (total == 0)
            out[p] = 0;
        else if (inf.budget == total)
            out[p] = raw[p];
        else
            (void)dacc_u128_muldiv(raw[p], inf.budget, total, &out[p]);
    }
    /* caps, with pluralistic.js's rounding: clip every share above the cap, then top up
     * each share below the cap by floor(share * overflow / sum of shares below the cap);
     * repeat until nothing overflows (or nothing is left below the cap).  All sums stay
     * within the budget, and each top-up is at most the overflow. */
    for (int more = o->has_cap; more;) {
        inf.iterations++;
        dacc_u128 overflow = 0, below = 0;
        for (size_t p = 0; p < n; p++) {
            if (out[p] > cap) {
                overflow += out[p] - cap;
                out[p] = cap;
                capped[p] = 1;
            } else if (out[p] < cap) {
                below += out[p];
            }
        }
        more = overflow > 0 && below > 0;
        for (size_t p = 0; more && p < n; p++) {
            dacc_u128 add = 0;
            if (out[p] < cap)
                (void)dacc_u128_muldiv(out[p], overflow, below, &add);
            out[p] += add;
        }
    }
    if (!o->has_cap)
        inf.iterations = 1;
    dacc_u128 sum = 0;
    for (size_t p = 0; p < n; p++)
        sum += out[p];
    inf.total = sum;
    inf.unallocated = inf.budget - inf.total;
    if (capped_out != NULL)
        memcpy(capped_out, capped, n * sizeof *capped);
    free(capped);
    if (info != NULL)
        *info = inf;
    return FUND_OK;
}

void fund_qf_result_free(fund_qf_result *res)
{
    free(res->donors);
    free(res->contrib);
    free(res->sum_sqrt);
    free(res->ideal);
    free(res->raw);
    free(res->match);
    free(res->ucontrib);
    free(res->usum_sqrt);
    free(res->urem);
    free(res->uraw);
    free(res->umatch);
    free(res->capped);
    memset(res, 0, sizeof *res);
}

static fund_err range_error(const fund_round *r, size_t p, const char *what, char *msg)
{
    snprintf(msg, FUND_MSG_MAX, "project '%s': %s overflows 128-bit units",
             fund_round_project(r, p), what);
    return FUND_ERR_RANGE;
}

/* Float mode: an intermediate past the largest double is an error, never inf or NaN in
 * the output (nor a NaN hidden by a comparison). */
static fund_err float_range_error(const fund_round *r, size_t p, const char *what,
                                  fund_qf_result *res, char *msg)
{
    snprintf(msg, FUND_MSG_MAX,
             "project '%s': %s exceeds the largest double (1.8e308): amounts too large for "
             "float mode (use --decimals)", fund_round_project(r, p), what);
    fund_qf_result_free(res);
    return FUND_ERR_RANGE;
}

static fund_err qf_exact(const fund_round *r, const fund_qf_opts *o, fund_qf_result *res,
                         char *msg)
{
    size_t n = res->n;
    res->ucontrib = dacc_xcalloc(n, sizeof(dacc_u128));
    res->usum_sqrt = dacc_xcalloc(n, sizeof(dacc_u128));
    res->urem = dacc_xcalloc(n, sizeof(dacc_u128));
    res->uraw = dacc_xcalloc(n, sizeof(dacc_u128));
    res->umatch = dacc_xcalloc(n, sizeof(dacc_u128));
    for (size_t p = 0; p < n; p++) {
        dacc_u128 sum = 0, sq = 0, rem = 0;
        for (size_t k = r->proj_start[p]; k < r->proj_start[p + 1]; k++) {
            dacc_u128 rm, c = r->c[k].units;
            dacc_u128 s = dacc_u128_isqrt(c, &rm);
            if (c > DACC_U128_MAX - sum)
                return range_error(r, p, "the sum of contributions", msg);
            if (s > DACC_U128_MAX - sq || rm > DACC_U128_MAX - rem)
                return range_error(r, p, "the sum of square roots", msg);
            sum += c;
            sq += s;
            rem += rm;
        }
        if (sq > (dacc_u128)UINT64_MAX)
            return range_error(r, p, "(sum of square roots)^2", msg);
        dacc_u128 s2 = sq * sq; /* sq < 2^64, so no wrap */
        res->ucontrib[p] = sum;
        res->usum_sqrt[p] = sq;
        res->urem[p] = rem;
        res->uraw[p] = s2 > sum ? s2 - sum : 0;
    }
    fund_dist_uinfo inf;
    fund_err e = fund_distribute_exact(res->uraw, n, o, res->umatch, res->capped, &inf, msg);
    if (e != FUND_OK)
        return e;
    dacc_u128 tr = 0;
    for (size_t p = 0; p < n; p++)
        tr += res->uraw[p]; /* checked above by fund_distribute_exact */
    res->utotal_raw = tr;
    res->utotal_match = inf.total;
    res->uunallocated = inf.unallocated;
    res->ubudget = inf.budget;
    res->saturated = inf.saturated;
    res->iterations = inf.iterations;
    return FUND_OK;
}

fund_err fund_qf(const fund_round *r, const fund_qf_opts *o, fund_qf_result *res, char *msg)
{
    memset(res, 0, sizeof *res);
    if (!r->finished) {
        snprintf(msg, FUND_MSG_MAX, "round not finished");
        return FUND_ERR_ARG;
    }
    if (o->alpha && (r->exact || !o->has_pool || o->has_cap || o->scale != FUND_SCALE_SATURATE)) {
        snprintf(msg, FUND_MSG_MAX,
                 "the alpha (clr.fund) mode needs a pool and takes no cap, normalisation or "
                 "exact mode");
        return FUND_ERR_ARG;
    }
    fund_err e = check_opts(o, r->exact, msg);
    if (e != FUND_OK)
        return e;
    size_t n = fund_round_nprojects(r);
    res->n = n;
    res->exact = r->exact;
    res->donors = dacc_xcalloc(n, sizeof *res->donors);
    res->capped = dacc_xcalloc(n, sizeof *res->capped);
    for (size_t p = 0; p < n; p++)
        res->donors[p] = r->proj_start[p + 1] - r->proj_start[p];
    if (r->exact) {
        e = qf_exact(r, o, res, msg);
        if (e != FUND_OK)
            fund_qf_result_free(res);
        return e;
    }
    res->contrib = dacc_xcalloc(n, sizeof(double));
    res->sum_sqrt = dacc_xcalloc(n, sizeof(double));
    res->ideal = dacc_xcalloc(n, sizeof(double));
    res->raw = dacc_xcalloc(n, sizeof(double));
    res->match = dacc_xcalloc(n, sizeof(double));
    for (size_t p = 0; p < n; p++) {
        double sum = 0, s = 0, own = 0;
        for (size_t k = r->proj_start[p]; k < r->proj_start[p + 1]; k++) {
            double q = sqrt(r->c[k].amount);
            s += q;
            own += q * q;
            sum += r->c[k].amount;
        }
        if (!isfinite(sum) || !isfinite(s * s))
            return float_range_error(r, p, !isfinite(sum) ? "the sum of contributions"
                                                          : "(sum of square roots)^2",
                                     res, msg);
        res->contrib[p] = sum;
        res->sum_sqrt[p] = s;
        res->ideal[p] = s * s;
        /* (sum sqrt)^2 - sum c, written as the cross terms so one donor gives exactly 0 */
        double raw = s * s - own;
        res->raw[p] = raw > 0 ? raw : 0;
        res->total_raw += res->raw[p];
        if (!isfinite(res->total_raw))
            return float_range_error(r, p, "the total of raw matches, with this project,", res,
                                     msg);
    }
    if (o->alpha) {
        double c = 0, v2 = 0;
        for (size_t p = 0; p < n; p++) {
            c += res->contrib[p];
            v2 += res->ideal[p];
            if (!isfinite(c) || !isfinite(v2))
                return float_range_error(r, p, "the round's totals, with this project,", res,
                                         msg);
        }
        double denom = v2 - c;
        double alpha = denom > 0 ? o->pool / denom : 1; /* (B - C) / (sum V^2 - C), B = pool + C */
        if (alpha > 1)
            alpha = 1;
        res->alpha = alpha;
        res->budget = o->pool;
        for (size_t p = 0; p < n; p++) {
            /* alpha * V^2 + (1 - alpha) * C - C, as alpha * (V^2 - C): the difference of
             * two large amounts cancelled a small alpha's match to 0 (1e200 donations, a
             * pool of 1: every match 0, the pool unallocated) */
            double m = alpha * res->raw[p];
            res->match[p] = m > 0 ? m : 0;
            res->total_match += res->match[p];
        }
        res->saturated = alpha < 1;
        res->unallocated = o->pool - res->total_match;
        if (fabs(res->unallocated) <= 1e-9 * (o->pool > 1 ? o->pool : 1))
            res->unallocated = 0;
        res->iterations = 1;
        return FUND_OK;
    }
    fund_dist_info inf;
    e = fund_distribute(res->raw, n, o, res->match, res->capped, &inf, msg);
    if (e != FUND_OK) {
        fund_qf_result_free(res);
        return e;
    }
    res->total_match = inf.total;
    res->unallocated = inf.unallocated;
    res->budget = inf.budget;
    res->saturated = inf.saturated;
    res->iterations = inf.iterations;
    return FUND_OK;
}
