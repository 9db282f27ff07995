/* cmd_pairwise.c -- `fund pairwise`: pairwise-bounded QF (see include/fund/pairwise.h). */
#include "dacc/csv.h"
#include "dacc/json.h"
#include "fund/pairwise.h"
#include "fund/qf.h"
#include "fund_cli.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_M 1.0

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
    "output:\n"
    "  --json                JSON instead of CSV\n"
    "  --plot FILE.svg       also draw the matches as a bar chart\n"
    "  CSV columns: project,match,contributions,donors,subsidy,capped\n";

int fund_cmd_pairwise(int argc, char **argv)
{
    fund_round_args ra;
    fund_pool_args pa;
    memset(&ra, 0, sizeof ra);
    memset(&pa, 0, sizeof pa);
    const char *m_text = NULL, *plot = NULL;
    int json = 0;
    const fund_opt opts[] = {
        FUND_ROUND_OPTS(ra),
        FUND_POOL_OPTS(pa),
        {"-M", &m_text, NULL},
        {"--M", &m_text, NULL},
        {"--json", NULL, &json},
        {"--plot", &plot, NULL},
        {NULL, NULL, NULL},
    };
    const char *pos[1];
    size_t npos;
    fund_cli_parse(argc, argv, opts, pos, 1, &npos, usage);
    if (npos != 1)
        return fund_cli_usage_error("expected one contributions FILE (fund pairwise --help)");
    double M = DEFAULT_M;
    if (m_text != NULL && fund_cli_number("-M", m_text, &M) != 0)
        return FUND_EXIT_USAGE;
    if (!(M > 0))
        return fund_cli_usage_error("-M expects a number > 0, got '%s'", m_text);
    fund_qf_opts o;
    int rc = fund_cli_pool_opts(&pa, 0, 0, &o);
    if (rc != 0)
        return rc;
    fund_round r;
    rc = fund_cli_load_round(&ra, pos[0], 0, 0, &r);
    if (rc != 0)
        return rc;
    fund_subsidy_table table;
    fund_cli_subsidy_init(&table, &r);
    char msg[FUND_MSG_MAX];
    fund_pairwise_stats st;
    fund_dist_info info;
    fund_err e = fund_pairwise(&r, M, table.sub, &st, msg);
    if (e == FUND_OK)
        e = fund_cli_subsidy_distribute(&table, &o, &info, msg);
    if (e != FUND_OK) {
        rc = fund_cli_error(e, msg);
        goto out;
    }
    if (plot != NULL &&
        (rc = fund_cli_plot(plot, "fund pairwise: matches", &r, table.match, NULL)) != 0)
        goto out;
    if (json) {
        dacc_json j;
        dacc_json_init(&j, stdout);
        dacc_json_object_begin(&j);
        dacc_json_key(&j, "command");
        dacc_json_string(&j, "pairwise");
        dacc_json_key(&j, "M");
        dacc_json_number(&j, M);
        dacc_json_key(&j, "pairs");
        dacc_json_uint(&j, st.pairs);
        fund_cli_json_subsidy(&j, &o, &info, &table);
        dacc_json_object_end(&j);
        rc = fund_cli_json_end(&j);
    } else {
        fund_cli_csv_subsidy(&table);
    }
out:
    fund_cli_subsidy_free(&table);
    fund_round_free(&r);
    return rc;
}
