/*
 * cmd_epoch.c -- `softpause epoch`: which epoch it is, and when devices accept it.
 *
 * The window is the verifier's own (sp_epoch_window_of): its start and end, and the
 * attested times past which sp_device_apply refuses the epoch as stale (the freeze defence)
 * or before which it refuses it as too far ahead (the fast-forward defence).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "softpause/config.h"
#include "softpause/encoding.h"
#include "softpause/host/utc.h"

static const char epoch_usage[] =
    "usage: softpause epoch --policy POLICY [now | EPOCH | --at UNIX|ISO] [--json]\n"
    "\n"
    "Print an epoch of the policy: the current one (now, the default), epoch number EPOCH\n"
    "(0..the policy's last epoch, whose start is at most 2^53), or the one that contains\n"
    "the time given by --at, as Unix seconds or ISO 8601 UTC (YYYY-MM-DDTHH:MM:SSZ).  It\n"
    "shows the epoch's start and end, the attested time after which a device refuses it\n"
    "as stale (freeze: start + epoch-length + max-staleness < T_att), and the attested\n"
    "time before which a device refuses it as too far ahead (fast-forward: epoch >\n"
    "(T_att - genesis) / epoch-length + 1; never for epoch 0).  Times are ISO 8601 UTC\n"
    "with Unix seconds alongside; --json carries Unix seconds.  Before genesis the\n"
    "deployment has not started: epoch 0 is shown.\n";

/* The two text columns of one time. */
static void print_time(const char *label, uint64_t t)
{
    char when[SP_UTC_BYTES];
    printf("  %-38s %s  (%llu)\n", label, sp_utc_format(when, t), (unsigned long long)t);
}

int cmd_epoch(int argc, char **argv)
{
    static uint8_t buf[SP_MAX_POLICY_BYTES + 1];
    static sp_policy policy;
    const char *policy_path = NULL, *at_text = NULL, *pos[1];
    int json = 0;
    const cli_opt opts[] = {{"--policy", 1, &policy_path, NULL, NULL, NULL, 0},
                            {"--at", 1, &at_text, NULL, NULL, NULL, 0},
                            {"--json", 0, NULL, &json, NULL, NULL, 0},
                            CLI_END};
    char name[CLI_SHOWN_NAME], when[SP_UTC_BYTES], genesis[SP_UTC_BYTES];
    sp_epoch_window w;
    uint64_t at = 0, epoch = 0, last;
    int have_at = 1, started = 1, rc;
    size_t npos, len;

    cli_parse(argc, argv, "epoch", opts, pos, 1, &npos, epoch_usage);
    if (at_text != NULL && npos != 0)
        return cli_usage("epoch takes either --at TIME or now or EPOCH, not both");
    if ((rc = cli_load_policy(policy_path, &policy, buf, sizeof buf, &len)) != EXIT_OK)
        return rc;
    last = sp_epoch_last(&policy);
    if (at_text != NULL) {
        if ((rc = cli_time(at_text, &at, "--at")) != EXIT_OK)
            return rc;
    } else if (npos == 0 || strcmp(pos[0], "now") == 0) {
        at = (uint64_t)time(NULL);
    } else {
        have_at = 0;
        if ((rc = cli_number(pos[0], last, &epoch, "EPOCH (or now)")) != EXIT_OK)
            return rc;
    }
    if (have_at) {
        started = at >= policy.genesis;
        /* at <= 2^53, so epoch <= last (sp_epoch_last) */
        epoch = started ? (at - policy.genesis) / policy.epoch_length : 0;
    }
    sp_err e = sp_epoch_window_of(&policy, epoch, &w);
    if (e != SP_OK) /* (epoch <= last: not reached) */
        return cli_error(e, policy_path, 0, "epoch %llu", (unsigned long long)epoch);
    cli_shown(name, sizeof name, policy.deployment, strlen(policy.deployment));
    if (json) {
        dacc_json j;
        cli_json_begin(&j);
        dacc_json_key(&j, "deployment");
        dacc_json_string(&j, policy.deployment);
        dacc_json_key(&j, "at");
        if (have_at)
            dacc_json_uint(&j, at);
        else
            dacc_json_null(&j);
        dacc_json_key(&j, "started");
        if (have_at)
            dacc_json_bool(&j, started);
        else
            dacc_json_null(&j);
        dacc_json_key(&j, "genesis");
        dacc_json_uint(&j, policy.genesis);
        dacc_json_key(&j, "epoch");
        dacc_json_uint(&j, w.epoch);
        dacc_json_key(&j, "last_epoch");
        dacc_json_uint(&j, last);
        dacc_json_key(&j, "start");
        dacc_json_uint(&j, w.start);
        dacc_json_key(&j, "end");
        dacc_json_uint(&j, w.end);
        dacc_json_key(&j, "stale_after");
        dacc_json_uint(&j, w.frozen_after);
        dacc_json_key(&j, "ahead_before");
        dacc_json_uint(&j, w.ahead_before);
        cli_json_end(&j);
        return EXIT_OK;
    }
    if (!have_at)
        printf("epoch %llu of %s\n", (unsigned long long)w.epoch, name);
    else if (started)
        printf("epoch %llu of %s contains %s  (%llu)\n", (unsigned long long)w.epoch, name,
               sp_utc_format(when, at), (unsigned long long)at);
    else
        printf("%s has not started at %s  (%llu): genesis is %s; epoch 0 is shown\n", name,
               sp_utc_format(when, at), (unsigned long long)at,
               sp_utc_format(genesis, policy.genesis));
    print_time("starts", w.start);
    print_time("ends", w.end);
    print_time("refused as stale (freeze) after", w.frozen_after);
    if (w.epoch == 0)
        printf("  %-38s never (epoch 0)\n", "refused as ahead (fast-forward) before");
    else
        print_time("refused as ahead (fast-forward) before", w.ahead_before);
    return EXIT_OK;
}
