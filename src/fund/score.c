/*
 * score.c -- `fund score`: how far a submission is from the jury.
 *
 * Source: Buterin, "AI as the engine, humans as the steering wheel" (2025), and the Deep
 * Funding competitions: for a jury answer (A, B, r), "B deserves r times A's credit", the
 * submission x pays (log x[B] - log x[A] - log r)^2; the score is the sum over answers,
 * reported also as the mean.  Stored as (a, b, d) with d = log(credit a / credit b) this
 * is (log x[a] - log x[b] - d)^2, the same number.
 *
 * Both repositories of an answer are children of the same parent, so any per-parent
 * normalisation of x (dividing by a sibling group's total) adds the same constant to
 * log x[a] and log x[b] and cancels: raw weights are scored as given.
 *
 * Breakdown: the residual of every answer (so a submitter sees where it lost) and, per
 * juror, the sum and count of squared residuals.
 */
#include "fund/score.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *key_label(const char *const *keyname, uint32_t k, char *buf, size_t n)
{
    if (keyname != NULL)
        return keyname[k];
    snprintf(buf, n, "key %u", (unsigned)k);
    return buf;
}

fund_err fund_score_logdiff(size_t nans, const fund_answer *ans, const fund_sub *s,
                       const char *const *keyname, double *out, char *msg)
{
    const char *sn = s->name != NULL ? s->name : "submission";
    for (size_t i = 0; i < nans; i++) {
        uint32_t k[2] = { ans[i].a, ans[i].b };
        double lx[2];
        for (int j = 0; j < 2; j++) {
            char buf[32];
            if (k[j] >= s->nkeys || isnan(s->weight[k[j]]))
                return fund_fail(msg, FUND_ERR_FORMAT, "%s: no weight for %s (jury answer %zu)", sn,
                                 key_label(keyname, k[j], buf, sizeof buf), i + 1);
            double w = s->weight[k[j]];
            if (!(w > 0) || !isfinite(w))
                return fund_fail(msg, FUND_ERR_FORMAT,
                                 "%s: weight %g for %s must be positive and finite to be "
                                 "scored (jury answer %zu)",
                                 sn, w, key_label(keyname, k[j], buf, sizeof buf), i + 1);
            lx[j] = log(w);
        }
        out[i] = lx[0] - lx[1];
    }
    return FUND_OK;
}

void fund_score_result_free(fund_score_result *r)
{
    if (r == NULL)
        return;
    free(r->residual);
    free(r->juror_total);
    free(r->juror_count);
    memset(r, 0, sizeof *r);
}

fund_err fund_score(size_t nans, const fund_answer *ans, size_t njurors, const fund_sub *s,
               const char *const *keyname, fund_score_result *out, char *msg)
{
    memset(out, 0, sizeof *out);
    out->residual = malloc((nans ? nans : 1) * sizeof *out->residual);
    out->juror_total = calloc(njurors ? njurors : 1, sizeof *out->juror_total);
    out->juror_count = calloc(njurors ? njurors : 1, sizeof *out->juror_count);
    if (out->residual == NULL || out->juror_total == NULL || out->juror_count == NULL) {
        fund_score_result_free(out);
        return fund_fail(msg, FUND_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < nans; i++)
        if (ans[i].juror >= njurors || !isfinite(ans[i].d)) {
            fund_score_result_free(out);
            return fund_fail(msg, FUND_ERR_ARG, "jury answer %zu: bad juror or non-finite ratio", i + 1);
        }
    fund_err e = fund_score_logdiff(nans, ans, s, keyname, out->residual, msg);
    if (e != FUND_OK) {
        fund_score_result_free(out);
        return e;
    }
    out->nans = nans;
    out->njurors = njurors;
    for (size_t i = 0; i < nans; i++) {
        double r = out->residual[i] - ans[i].d;
        out->residual[i] = r;
        out->total += r * r;
        out->juror_total[ans[i].juror] += r * r;
        out->juror_count[ans[i].juror]++;
    }
    out->mean = nans ? out->total / (double)nans : 0;
    return FUND_OK;
}
