/* cmd_qf.c -- `fund qf`: plain quadratic funding (see include/fund/qf.h, docs/fund.md). */
#include "dacc/csv.h"
#include "dacc/json.h"
#include "dacc/svg.h"
#include "dacc/u128.h"
#include "dacc/xalloc.h"
#include "fund/qf.h"
#include "fund_cli.h"

#include <inttypes.h>
#include <string.h>

static const char usage[] =
    "usage: fund qf [OPTIONS] FILE\n"
    "\n"
    "Quadratic funding (CLR) from a contributions CSV: for each project,\n"
    "match = (sum over donors of sqrt(c))^2 - sum of c, then shared out of the pool.\n"
    "With no options: floating point, no minimum, no cap, no trust scaling, raw matches.\n"
    "\n"
    "mode:\n"
    "  --decimals D          exact integer mode (Gitcoin's pluralistic.js): amounts, --pool,\n"
    "                        --cap and --min are read exactly as integer units of 10^-D\n"
    "                        (0 <= D <= 36, 128-bit units); floor square roots, their\n"
    "                        remainders reported; outputs are integer units\n"
    "  --exact               the same as --decimals 0\n"
    "  --alpha               clr.fund's capital-constrained mode: alpha = (B - C)/(sum V^2 - C)\n"
    "                        <= 1 with B = pool + C; needs --pool, no cap, float only\n"
    FUND_POOL_USAGE FUND_ROUND_USAGE
    FUND_OUT_USAGE
    "  CSV columns: project,match,contributions,donors,sum_sqrt,raw_match,capped and, in\n"
    "  exact mode, sqrt_remainder\n";

int fund_cmd_qf(int argc, char **argv)
{
    fund_round_args ra;
    fund_pool_args pa;
    memset(&ra, 0, sizeof ra);
    memset(&pa, 0, sizeof pa);
    const char *decimals_text = NULL;
    fund_out_args out;
    memset(&out, 0, sizeof out);
    int exact = 0, alpha = 0;
    const fund_opt opts[] = {
        FUND_ROUND_OPTS(ra),
        FUND_POOL_OPTS(pa),
        {"--decimals", &decimals_text, NULL},
        {"--exact", NULL, &exact},
        {"--alpha", NULL, &alpha},
        FUND_OUT_OPTS(out),
        {NULL, NULL, NULL},
    };
    const char *pos[1];
    size_t npos;
    fund_cli_parse(argc, argv, opts, pos, 1, &npos, usage);
    if (npos != 1)
        return fund_cli_usage_error("expected one contributions FILE (fund qf --help)");
    unsigned decimals = 0;
    if (exact && decimals_text != NULL)
        return fund_cli_usage_error("--exact is --decimals 0: give one of them");
    if (decimals_text != NULL) {
        uint64_t d;
        if (dacc_parse_units(decimals_text, 0, &d) != 0 || d > FUND_MAX_DECIMALS)
            return fund_cli_usage_error("--decimals expects 0..%u, got '%s'", FUND_MAX_DECIMALS,
                                        decimals_text);
        decimals = (unsigned)d;
        exact = 1;
    }
    if (alpha && exact)
        return fund_cli_usage_error("--alpha is float only (drop --decimals/--exact)");
    fund_qf_opts o;
    int rc = fund_cli_pool_opts(&pa, exact, decimals, &o);
    if (rc != 0)
        return rc;
    o.alpha = alpha;
    fund_round r;
    rc = fund_cli_load_round(&ra, pos[0], exact, decimals, &r);
    if (rc != 0)
        return rc;
    char msg[FUND_MSG_MAX];
    fund_qf_result res;
    fund_err e = fund_qf(&r, &o, &res, msg);
    if (e != FUND_OK) {
        fund_cli_round_free(&ra, &r);
        return fund_cli_error(e, msg);
    }
    fund_cli_result out_res;
    fund_cli_qf_result(&r, &o, &res, &out_res);
    rc = fund_cli_print(&out_res, &out, &ra);
    fund_qf_result_free(&res);
    fund_cli_round_free(&ra, &r);
    return rc;
}
