/*
 * cocm.h -- connection-oriented cluster match (Miller, Weyl, Erichsen 2022, "Beyond
 * Collusion Resistance: Leveraging Social Information for Plural Funding and Voting";
 * Gitcoin's production calculator since GG19).  docs/fund.md has the formula step by step.
 *
 * Donors i, groups g.  Membership weights W_ig >= 0: by default the groups are the projects
 * and W_ig = c_ig (the donation matrix); with explicit clusters W_ig = 1 for each listed
 * (donor, group).  T_i = sum_g W_ig, N_ig = W_ig / T_i (a donor's weight in each group).
 *
 * Connectedness k_ih in [0, 1] of donor i to group h:
 *   og      k_ih = 1 if some group g of i (W_ig > 0) shares a member with h (or g = h),
 *                  else 0  ("has a friend in h");
 *   markov  k_ih = max([W_ih > 0], sum_g N_ig S_gh),  S_gh = sum_j (W_jg / sum_l W_lg) N_jh:
 *                  the two-step walk i -> g -> j -> h over normalised weights.
 * Per project p, with c_ip the donor's aggregated contribution:
 *   harsh (default)  K_ih = (1 - k_ih) c_ip
 *   non-harsh        K_ih = k_ih sqrt(c_ip) + (1 - k_ih) c_ip   (the paper's K(i, h))
 *   M_gh = sum_i N_ig K_ih
 *   subsidy_p = sum over ordered pairs g != h of sqrt(M_gh M_hg)
 * (the paper's funding is sum_i c_ip + subsidy_p; the subsidy is the raw match).
 *
 * Sparse: no donors x donors matrix.  Memory O(contributions + memberships + groups^2)
 * plus a cache of each repeat donor's connectedness vector (k_i. over all groups) of at
 * most FUND_COCM_CACHE_BYTES; time O(groups^2 (groups_touched) + sum over contributions
 * of deg(donor) x groups_touched), the connectedness part once per cached donor rather
 * than once per contribution.  Results do not depend on the cache (same arithmetic).
 */
#ifndef FUND_COCM_H
#define FUND_COCM_H

#include <stddef.h>
#include <stdint.h>

#include "dacc/strmap.h"
#include "fund/contrib.h"
#include "fund/errors.h"

typedef enum { FUND_COCM_MARKOV = 0, FUND_COCM_OG = 1 } fund_cocm_similarity;

/* The connectedness cache's budget: 64 MiB, 27,900 donors' vectors over 300 groups (the
 * most-contributing donors, who gain most).  At 1M votes over 40,000 donors 32, 64 and
 * 128 MiB measured 8.0, 7.4 and 7-9 s against 11.6-14.2 s without it (docs/benchmarks.md). */
#define FUND_COCM_CACHE_BYTES ((size_t)64 << 20)

typedef struct {
    fund_cocm_similarity similarity; /* default markov */
    int harsh;                       /* default 1 */
    size_t cache_bytes;              /* connectedness cache budget (speed only, never the
                                        result); default FUND_COCM_CACHE_BYTES, 0 = none */
    unsigned threads;                /* projects split across threads (speed only, never
                                        the result); default 0 = one per online CPU, at most
                                        FUND_COCM_MAX_THREADS */
} fund_cocm_opts;

#define FUND_COCM_MAX_THREADS 64u

/* Explicit binary clusters over a round's voters: per voter (round index) its groups. */
typedef struct {
    dacc_strmap groups;     /* group names, in order of first appearance */
    size_t nvoters;
    size_t *start;          /* nvoters + 1 offsets into group[] */
    uint32_t *group;        /* each voter's groups, ascending, distinct */
    size_t rows, ignored;   /* CSV rows read; rows naming voters absent from the round */
} fund_cocm_clusters;

/* At most this many groups (two groups x groups matrices of doubles are kept). */
#define FUND_COCM_MAX_GROUPS 4096u

typedef struct {
    size_t groups, memberships;
} fund_cocm_stats;

void fund_cocm_opts_default(fund_cocm_opts *o);

/* Build clusters from n (voter name, group name) pairs; every voter of the round must be in
 * at least one group (FUND_ERR_FORMAT naming the first that is not); pairs naming voters
 * absent from the round are ignored (counted in ignored).  Duplicates are fine. */
fund_err fund_cocm_clusters_from_pairs(const fund_round *r, const char *const *voter,
                                       const char *const *group, size_t n,
                                       fund_cocm_clusters *cl, char *msg);
/* The same from a CSV with columns donor,group (voter_col/group_col: NULL = defaults). */
fund_err fund_cocm_clusters_load(const fund_round *r, const char *path, const char *donor_col,
                                 const char *group_col, fund_cocm_clusters *cl, char *msg);
void fund_cocm_clusters_free(fund_cocm_clusters *cl);

/* subsidy[0..nprojects) := the raw COCM subsidies.  cl NULL: groups = projects, weighted
 * by the donation matrix.  Float rounds only. */
fund_err fund_cocm(const fund_round *r, const fund_cocm_opts *o, const fund_cocm_clusters *cl,
                   double *subsidy, fund_cocm_stats *st, char *msg);

#endif
