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
    "                        connected donor adds nothing\n"
    "  --clusters FILE       explicit binary groups: CSV donor,group (a donor may be in\n"
    "                        several); every donor of the round must appear; rows for\n"
    "                        donors absent from the round are ignored\n"
    FUND_POOL_USAGE FUND_ROUND_USAGE
    "output:\n"
    "  --json                JSON instead of CSV\n"
    "  --plot FILE.svg       also draw the matches as a bar chart\n"
    "  CSV columns: project,match,contributions,donors,subsidy,capped\n";

int fund_cmd_cocm(int argc, char **argv)
{
    fund_round_args ra;
    fund_pool_args pa;
    memset(&ra, 0, sizeof ra);
    memset(&pa, 0, sizeof pa);
    const char *sim_text = NULL, *clusters = NULL, *plot = NULL;
    int json = 0, no_harsh = 0;
    const fund_opt opts[] = {
        FUND_ROUND_OPTS(ra),
        FUND_POOL_OPTS(pa),
        {"--similarity", &sim_text, NULL},
        {"--no-harsh", NULL, &no_harsh},
        {"--clusters", &clusters, NULL},
        {"--json", NULL, &json},
        {"--plot", &plot, NULL},
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
    fund_cocm_clusters cl;
    int have_cl = 0;
    fund_cocm_stats st;
    fund_dist_info info;
    fund_err e = FUND_OK;
    if (clusters != NULL) {
        e = fund_cocm_clusters_load(&r, clusters, NULL, NULL, &cl, msg);
        have_cl = 1;
    }
    if (e == FUND_OK)
        e = fund_cocm(&r, &co, have_cl ? &cl : NULL, table.sub, &st, msg);
    if (e == FUND_OK)
        e = fund_cli_subsidy_distribute(&table, &o, &info, msg);
    if (e != FUND_OK) {
        rc = fund_cli_error(e, msg);
        goto out;
    }
    if (plot != NULL &&
        (rc = fund_cli_plot(plot, "fund cocm: matches", &r, table.match, NULL)) != 0)
        goto out;
    if (json) {
        dacc_json j;
        dacc_json_init(&j, stdout);
        dacc_json_object_begin(&j);
        dacc_json_key(&j, "command");
        dacc_json_string(&j, "cocm");
        dacc_json_key(&j, "similarity");
        dacc_json_string(&j, co.similarity == FUND_COCM_OG ? "og" : "markov");
        dacc_json_key(&j, "harsh");
        dacc_json_bool(&j, co.harsh);
        dacc_json_key(&j, "clusters");
        if (clusters != NULL)
            dacc_json_string(&j, clusters);
        else
            dacc_json_string(&j, "projects");
        dacc_json_key(&j, "groups");
        dacc_json_uint(&j, st.groups);
        fund_cli_json_subsidy(&j, &o, &info, &table);
        dacc_json_object_end(&j);
        rc = fund_cli_json_end(&j);
    } else {
        fund_cli_csv_subsidy(&table);
    }
out:
    if (have_cl)
        fund_cocm_clusters_free(&cl);
    fund_cli_subsidy_free(&table);
    fund_round_free(&r);
    return rc;
}
