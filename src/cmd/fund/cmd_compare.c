/* cmd_compare.c -- `fund compare`: QF, pairwise and COCM allocations of one round side by
 * side (as Gitcoin's qf-calculator shows them), each at its defaults and under the same
 * pool, cap and eligibility options. */
#include "dacc/json.h"
#include "fund/cocm.h"
#include "fund/pairwise.h"
#include "fund/qf.h"
#include "fund_cli.h"

#include <string.h>

static const char usage[] =
    "usage: fund compare [-M X] [OPTIONS] FILE\n"
    "\n"
    "QF, pairwise-bounded QF and COCM on the same contributions, one row per project:\n"
    "each mechanism's match under the same pool and cap options (as fund qf, fund pairwise\n"
    "-M X and fund cocm print them; COCM at its defaults: markov, harsh, the projects as\n"
    "groups).  Floating point only.\n"
    "\n"
    "  -M X, --M X           pairwise's bound parameter M > 0 (default 1)\n"
    FUND_POOL_USAGE FUND_ROUND_USAGE FUND_OUT_USAGE
    "  CSV columns: project,contributions,donors,qf,pairwise,cocm\n"
    "  (JSON: per mechanism its totals, as fund qf --json prints them, under \"mechanisms\")\n";

enum { QF, PAIRWISE, COCM, NMECH };
static const char *const mech_name[NMECH] = {"qf", "pairwise", "cocm"};

typedef struct {
    double M;
    const fund_cli_result *sub[NMECH];
} compare_arg;

static void compare_members(dacc_json *j, const void *arg)
{
    const compare_arg *a = arg;
    dacc_json_key(j, "M");
    dacc_json_number(j, a->M);
    dacc_json_key(j, "mechanisms");
    dacc_json_object_begin(j);
    for (int m = 0; m < NMECH; m++) {
        dacc_json_key(j, mech_name[m]);
        dacc_json_object_begin(j);
        fund_cli_json_totals(j, a->sub[m]);
        dacc_json_object_end(j);
    }
    dacc_json_object_end(j);
}

int fund_cmd_compare(int argc, char **argv)
{
    fund_round_args ra;
    fund_pool_args pa;
    fund_out_args out;
    memset(&ra, 0, sizeof ra);
    memset(&pa, 0, sizeof pa);
    memset(&out, 0, sizeof out);
    const char *m_text = NULL;
    const fund_opt opts[] = {
        FUND_ROUND_OPTS(ra), FUND_POOL_OPTS(pa), FUND_OUT_OPTS(out),
        {"-M", &m_text, NULL}, {"--M", &m_text, NULL}, {NULL, NULL, NULL},
    };
    const char *pos[1];
    size_t npos;
    fund_cli_parse(argc, argv, opts, pos, 1, &npos, usage);
    if (npos != 1)
        return fund_cli_usage_error("expected one contributions FILE (fund compare --help)");
    double M;
    if (fund_cli_pairwise_m(m_text, &M) != 0)
        return FUND_EXIT_USAGE;
    fund_qf_opts o;
    fund_round r;
    int rc = fund_cli_load_float(&pa, &ra, pos[0], &o, &r);
    if (rc != 0)
        return rc;
    char msg[FUND_MSG_MAX];
    fund_qf_result q;
    fund_subsidy_table pw, cc;
    fund_cli_subsidy_init(&pw, &r);
    fund_cli_subsidy_init(&cc, &r);
    fund_pairwise_stats pst;
    fund_cocm_stats cst;
    fund_cocm_opts co;
    fund_cocm_opts_default(&co);
    int have_q = 0;
    fund_err e = fund_qf(&r, &o, &q, msg);
    have_q = e == FUND_OK;
    if (e == FUND_OK)
        e = fund_pairwise(&r, M, pw.sub, &pst, msg);
    if (e == FUND_OK)
        e = fund_cli_subsidy_distribute(&pw, &o, msg);
    if (e == FUND_OK)
        e = fund_cocm(&r, &co, NULL, cc.sub, &cst, msg);
    if (e == FUND_OK)
        e = fund_cli_subsidy_distribute(&cc, &o, msg);
    if (e != FUND_OK) {
        rc = fund_cli_error(e, msg);
        goto out;
    }
    fund_cli_result sub[NMECH], res;
    fund_cli_qf_result(&r, &o, &q, &sub[QF]);
    fund_cli_subsidy_result(&pw, "pairwise", &o, &sub[PAIRWISE]);
    fund_cli_subsidy_result(&cc, "cocm", &o, &sub[COCM]);
    compare_arg arg = {M, {&sub[QF], &sub[PAIRWISE], &sub[COCM]}};
    fund_cli_result_init(&res, "compare", &r, &o);
    res.members = compare_members;
    res.arg = &arg;
    res.totals = 0;
    res.plot_what = "QF, pairwise and COCM matches";
    fund_cli_result_col(&res, (fund_cli_col){"contributions", pw.contrib, NULL, NULL, NULL, NULL});
    fund_cli_result_col(&res, (fund_cli_col){"donors", NULL, NULL, pw.donors, NULL, NULL});
    const double *match[NMECH] = {q.match, pw.match, cc.match};
    for (int m = 0; m < NMECH; m++) {
        res.plot_col[m] = res.ncol;
        fund_cli_result_col(&res, (fund_cli_col){mech_name[m], match[m], NULL, NULL, NULL, NULL});
    }
    res.nplot = NMECH;
    rc = fund_cli_print(&res, &out, &ra);
    fund_cli_flush_stdout();
    if (rc == 0 && !out.json && o.has_pool)
        for (int m = 0; m < NMECH; m++) {
            char line[512];
            fund_cli_pool_line(&sub[m], line, sizeof line);
            fund_cli_eline("fund compare: %s: %s", mech_name[m], line);
        }
out:
    if (have_q)
        fund_qf_result_free(&q);
    fund_cli_subsidy_free(&pw);
    fund_cli_subsidy_free(&cc);
    fund_cli_round_free(&ra, &r);
    return rc;
}
