/* cmd_pairwise.c -- `fund pairwise`: pairwise-bounded QF (see include/fund/pairwise.h). */
#include "dacc/csv.h"
#include "dacc/json.h"
#include "fund/pairwise.h"
#include "fund/qf.h"
#include "fund_cli.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: fund pairwise [-M X] [OPTIONS] FILE\n"
    "\n"
    "Pairwise-bounded quadratic funding (Buterin, ethresear.ch/t/5553): each pair of donors\n"
    "i, j adds 2 k_ij sqrt(c_ip c_jp) to project p, k_ij = M / (M + sum_q sqrt(c_iq c_jq)),\n"
    "so one colluding pair extracts at most 2M.  Sparse: only co-donating pairs cost time.\n"
    "Floating point only.\n"
    "\n"
    "  -M X, --M X           the bound parameter M > 0 (default 1, in amount units)\n"
    FUND_POOL_USAGE FUND_ROUND_USAGE
    FUND_OUT_USAGE
    "  CSV columns: project,match,contributions,donors,subsidy,capped\n";

typedef struct {
    double M;
    size_t pairs;
} pairwise_members_arg;

static void pairwise_members(dacc_json *j, const void *arg)
{
    const pairwise_members_arg *a = arg;
    dacc_json_key(j, "M");
    dacc_json_number(j, a->M);
    dacc_json_key(j, "pairs");
    dacc_json_uint(j, a->pairs);
}

int fund_cmd_pairwise(int argc, char **argv)
{
    fund_round_args ra;
    fund_pool_args pa;
    memset(&ra, 0, sizeof ra);
    memset(&pa, 0, sizeof pa);
    const char *m_text = NULL;
    fund_out_args out;
    memset(&out, 0, sizeof out);
    const fund_opt opts[] = {
        FUND_ROUND_OPTS(ra),
        FUND_POOL_OPTS(pa),
        {"-M", &m_text, NULL},
        {"--M", &m_text, NULL},
        FUND_OUT_OPTS(out),
        {NULL, NULL, NULL},
    };
    const char *pos[1];
    size_t npos;
    fund_cli_parse(argc, argv, opts, pos, 1, &npos, usage);
    if (npos != 1)
        return fund_cli_usage_error("expected one contributions FILE (fund pairwise --help)");
    double M;
    if (fund_cli_pairwise_m(m_text, &M) != 0)
        return FUND_EXIT_USAGE;
    fund_qf_opts o;
    fund_round r;
    int rc = fund_cli_load_float(&pa, &ra, pos[0], &o, &r);
    if (rc != 0)
        return rc;
    fund_subsidy_table table;
    fund_cli_subsidy_init(&table, &r);
    char msg[FUND_MSG_MAX];
    fund_pairwise_stats st;
    fund_err e = fund_pairwise(&r, M, table.sub, &st, msg);
    if (e == FUND_OK)
        e = fund_cli_subsidy_distribute(&table, &o, msg);
    if (e != FUND_OK) {
        rc = fund_cli_error(e, msg);
        goto out;
    }
    pairwise_members_arg arg = {M, st.pairs};
    fund_cli_result res;
    fund_cli_subsidy_result(&table, "pairwise", &o, &res);
    res.members = pairwise_members;
    res.arg = &arg;
    rc = fund_cli_print(&res, &out, &ra);
out:
    fund_cli_subsidy_free(&table);
    fund_cli_round_free(&ra, &r);
    return rc;
}
