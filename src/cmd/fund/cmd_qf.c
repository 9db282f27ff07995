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
    "output:\n"
    "  --json                JSON instead of CSV\n"
    "  --plot FILE.svg       also draw the matches as a bar chart\n"
    "  CSV columns: project,match,contributions,donors,sum_sqrt,raw_match,capped and, in\n"
    "  exact mode, sqrt_remainder\n";

static void print_csv(const fund_round *r, const fund_qf_result *res)
{
    fputs(res->exact ? "project,match,contributions,donors,sum_sqrt,sqrt_remainder,raw_match,capped\n"
                     : "project,match,contributions,donors,sum_sqrt,raw_match,capped\n",
          stdout);
    for (size_t p = 0; p < res->n; p++) {
        dacc_csv_put(stdout, fund_round_project(r, p));
        if (res->exact) {
            char a[DACC_U128_DEC_MAX], b[DACC_U128_DEC_MAX], c[DACC_U128_DEC_MAX],
                d[DACC_U128_DEC_MAX], e[DACC_U128_DEC_MAX];
            printf(",%s,%s,%zu,%s,%s,%s,%d\n", dacc_u128_dec(res->umatch[p], a),
                   dacc_u128_dec(res->ucontrib[p], b), res->donors[p],
                   dacc_u128_dec(res->usum_sqrt[p], c), dacc_u128_dec(res->urem[p], d),
                   dacc_u128_dec(res->uraw[p], e), res->capped[p]);
            continue;
        }
        fputc(',', stdout);
        dacc_csv_put_number(stdout, res->match[p]);
        fputc(',', stdout);
        dacc_csv_put_number(stdout, res->contrib[p]);
        printf(",%zu,", res->donors[p]);
        dacc_csv_put_number(stdout, res->sum_sqrt[p]);
        fputc(',', stdout);
        dacc_csv_put_number(stdout, res->raw[p]);
        printf(",%d\n", res->capped[p]);
    }
}

static void json_u128(dacc_json *j, dacc_u128 v)
{
    char buf[DACC_U128_DEC_MAX];
    dacc_json_number_text(j, dacc_u128_dec(v, buf));
}

static int print_json(const fund_round *r, const fund_qf_opts *o, const fund_qf_result *res,
                      unsigned decimals)
{
    dacc_json j;
    dacc_json_init(&j, stdout);
    dacc_json_object_begin(&j);
    dacc_json_key(&j, "command");
    dacc_json_string(&j, "qf");
    dacc_json_key(&j, "mode");
    dacc_json_string(&j, res->exact ? "exact" : o->alpha ? "alpha" : "float");
    if (res->exact) {
        dacc_json_key(&j, "decimals");
        dacc_json_uint(&j, decimals);
    }
    dacc_json_key(&j, "scale");
    dacc_json_string(&j, o->scale == FUND_SCALE_NORMALISE ? "normalise" : "saturate");
    dacc_json_key(&j, "pool");
    if (!o->has_pool)
        dacc_json_null(&j);
    else if (res->exact)
        json_u128(&j, o->pool_units);
    else
        dacc_json_number(&j, o->pool);
    dacc_json_key(&j, "rows");
    dacc_json_uint(&j, r->rows);
    dacc_json_key(&j, "voters");
    dacc_json_uint(&j, fund_round_nvoters(r));
    dacc_json_key(&j, "dropped");
    dacc_json_object_begin(&j);
    dacc_json_key(&j, "self");
    dacc_json_uint(&j, r->dropped_self);
    dacc_json_key(&j, "min");
    dacc_json_uint(&j, r->dropped_min);
    dacc_json_key(&j, "trust");
    dacc_json_uint(&j, r->dropped_trust);
    dacc_json_object_end(&j);
    if (o->alpha) {
        dacc_json_key(&j, "alpha");
        dacc_json_number(&j, res->alpha);
    }
    dacc_json_key(&j, "saturated");
    dacc_json_bool(&j, res->saturated);
    dacc_json_key(&j, "total_raw");
    if (res->exact)
        json_u128(&j, res->utotal_raw);
    else
        dacc_json_number(&j, res->total_raw);
    dacc_json_key(&j, "total_match");
    if (res->exact)
        json_u128(&j, res->utotal_match);
    else
        dacc_json_number(&j, res->total_match);
    dacc_json_key(&j, "unallocated");
    if (res->exact)
        json_u128(&j, res->uunallocated);
    else
        dacc_json_number(&j, res->unallocated);
    dacc_json_key(&j, "projects");
    dacc_json_array_begin(&j);
    for (size_t p = 0; p < res->n; p++) {
        dacc_json_object_begin(&j);
        dacc_json_key(&j, "project");
        dacc_json_string(&j, fund_round_project(r, p));
        dacc_json_key(&j, "match");
        if (res->exact)
            json_u128(&j, res->umatch[p]);
        else
            dacc_json_number(&j, res->match[p]);
        dacc_json_key(&j, "contributions");
        if (res->exact)
            json_u128(&j, res->ucontrib[p]);
        else
            dacc_json_number(&j, res->contrib[p]);
        dacc_json_key(&j, "donors");
        dacc_json_uint(&j, res->donors[p]);
        dacc_json_key(&j, "sum_sqrt");
        if (res->exact)
            json_u128(&j, res->usum_sqrt[p]);
        else
            dacc_json_number(&j, res->sum_sqrt[p]);
        if (res->exact) {
            dacc_json_key(&j, "sqrt_remainder");
            json_u128(&j, res->urem[p]);
        }
        dacc_json_key(&j, "raw_match");
        if (res->exact)
            json_u128(&j, res->uraw[p]);
        else
            dacc_json_number(&j, res->raw[p]);
        dacc_json_key(&j, "capped");
        dacc_json_bool(&j, res->capped[p]);
        dacc_json_object_end(&j);
    }
    dacc_json_array_end(&j);
    dacc_json_object_end(&j);
    return fund_cli_json_end(&j);
}

int fund_cmd_qf(int argc, char **argv)
{
    fund_round_args ra;
    fund_pool_args pa;
    memset(&ra, 0, sizeof ra);
    memset(&pa, 0, sizeof pa);
    const char *decimals_text = NULL;
    const char *plot = NULL;
    int exact = 0, alpha = 0, json = 0;
    const fund_opt opts[] = {
        FUND_ROUND_OPTS(ra),
        FUND_POOL_OPTS(pa),
        {"--decimals", &decimals_text, NULL},
        {"--exact", NULL, &exact},
        {"--alpha", NULL, &alpha},
        {"--json", NULL, &json},
        {"--plot", &plot, NULL},
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
        fund_round_free(&r);
        return fund_cli_error(e, msg);
    }
    if (plot != NULL)
        rc = fund_cli_plot(plot, "fund qf: matches", &r, res.exact ? NULL : res.match,
                           res.exact ? res.umatch : NULL);
    if (rc == 0 && json)
        rc = print_json(&r, &o, &res, decimals);
    else if (rc == 0)
        print_csv(&r, &res);
    fund_qf_result_free(&res);
    fund_round_free(&r);
    return rc;
}
