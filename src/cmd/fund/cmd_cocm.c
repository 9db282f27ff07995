/* cmd_cocm.c -- `fund cocm`: connection-oriented cluster match (see include/fund/cocm.h). */
#include "dacc/csv.h"
#include "dacc/json.h"
#include "fund/cocm.h"
#include "fund/qf.h"
#include "fund_cli.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: fund cocm [--similarity markov|og] [--no-harsh] [--clusters FILE] [OPTIONS] FILE\n"
    "\n"
    "Connection-oriented cluster match (Miller, Weyl, Erichsen 2022; Gitcoin's calculator\n"
    "since GG19).  Donors are grouped (by default the groups are the projects, each donor\n"
    "weighted by their donation row); support from two groups counts quadratically only\n"
    "when their donors are not connected.  Floating point only.  See docs/fund.md.\n"
    "\n"
    "  --similarity S        markov (default): connectedness is the two-step random walk\n"
    "                        donor -> group -> donor -> group over normalised weights;\n"
    "                        og: the paper's binary \"has a friend in the group\"\n"
    "  --no-harsh            a connected donor adds sqrt(c) to a pair's cross term, an\n"
    "                        unconnected one c (the paper's K); by default (harsh) a\n"
    "                        connected donor adds nothing (og in harsh mode needs\n"
    "                        --clusters: with the projects as groups it is always 0, refused)\n"
    "  --clusters FILE       explicit binary groups: CSV donor,group (a donor may be in\n"
    "                        several); every donor of the round must appear; rows for\n"
    "                        donors absent from the round are ignored\n"
    FUND_POOL_USAGE FUND_ROUND_USAGE
    FUND_OUT_USAGE
    "  CSV columns: project,match,contributions,donors,subsidy,capped\n";

typedef struct {
    const fund_cocm_opts *co;
    const char *clusters;
    size_t groups;
} cocm_members_arg;

static void cocm_members(dacc_json *j, const void *arg)
{
    const cocm_members_arg *a = arg;
    dacc_json_key(j, "similarity");
    dacc_json_string(j, a->co->similarity == FUND_COCM_OG ? "og" : "markov");
    dacc_json_key(j, "harsh");
    dacc_json_bool(j, a->co->harsh);
    dacc_json_key(j, "clusters");
    dacc_json_string(j, a->clusters != NULL ? a->clusters : "projects");
    dacc_json_key(j, "groups");
    dacc_json_uint(j, a->groups);
}

int fund_cmd_cocm(int argc, char **argv)
{
    fund_round_args ra;
    fund_pool_args pa;
    memset(&ra, 0, sizeof ra);
    memset(&pa, 0, sizeof pa);
    const char *sim_text = NULL, *clusters = NULL;
    int no_harsh = 0;
    fund_out_args out;
    memset(&out, 0, sizeof out);
    const fund_opt opts[] = {
        FUND_ROUND_OPTS(ra),
        FUND_POOL_OPTS(pa),
        {"--similarity", &sim_text, NULL},
        {"--no-harsh", NULL, &no_harsh},
        {"--clusters", &clusters, NULL},
        FUND_OUT_OPTS(out),
        {NULL, NULL, NULL},
    };
    const char *pos[1];
    size_t npos;
    fund_cli_parse(argc, argv, opts, pos, 1, &npos, usage);
    if (npos != 1)
        return fund_cli_usage_error("expected one contributions FILE (fund cocm --help)");
    fund_cocm_opts co;
    fund_cocm_opts_default(&co);
    co.harsh = !no_harsh;
    if (sim_text != NULL) {
        if (strcmp(sim_text, "markov") == 0)
            co.similarity = FUND_COCM_MARKOV;
        else if (strcmp(sim_text, "og") == 0)
            co.similarity = FUND_COCM_OG;
        else
            return fund_cli_usage_error("--similarity expects markov or og, got '%s'", sim_text);
    }
    if (co.similarity == FUND_COCM_OG && co.harsh && clusters == NULL)
        return fund_cli_usage_error(
            "--similarity og in harsh mode with the projects as groups gives every project 0: "
            "two donors of a project share that group, so each is connected to every group "
            "of the other and adds nothing to any cross term.  Add --no-harsh (the paper's "
            "K), give --clusters FILE, or use --similarity markov (docs/fund.md)");
    fund_qf_opts o;
    fund_round r;
    int rc = fund_cli_load_float(&pa, &ra, pos[0], &o, &r);
    if (rc != 0)
        return rc;
    fund_subsidy_table table;
    fund_cli_subsidy_init(&table, &r);
    char msg[FUND_MSG_MAX];
    fund_cocm_clusters cl;
    int have_cl = 0;
    fund_cocm_stats st;
    fund_err e = FUND_OK;
    if (clusters != NULL) {
        e = fund_cocm_clusters_load(&r, clusters, NULL, NULL, &cl, msg);
        have_cl = 1;
    }
    if (e == FUND_OK)
        e = fund_cocm(&r, &co, have_cl ? &cl : NULL, table.sub, &st, msg);
    if (e == FUND_OK)
        e = fund_cli_subsidy_distribute(&table, &o, msg);
    if (e != FUND_OK) {
        rc = fund_cli_error(e, msg);
        goto out;
    }
    cocm_members_arg arg = {&co, clusters, st.groups};
    fund_cli_result res;
    fund_cli_subsidy_result(&table, "cocm", &o, &res);
    res.members = cocm_members;
    res.arg = &arg;
    rc = fund_cli_print(&res, &out, &ra);
out:
    if (have_cl)
        fund_cocm_clusters_free(&cl);
    fund_cli_subsidy_free(&table);
    fund_cli_round_free(&ra, &r);
    return rc;
}
