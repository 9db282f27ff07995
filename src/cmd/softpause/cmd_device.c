/*
 * cmd_device.c -- `softpause device init|apply|consume|status`: a simulated device.
 *
 * The device logic is the freestanding verifier's (sp_device_*); this file only wires it
 * to file-backed storage (softpause/host/devfile.h) and prints.  Each invocation is a
 * boot: the RAM-only allowance reservation does not survive between invocations, exactly
 * as it would not survive a power cycle.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dacc/json.h"
#include "softpause/device.h"
#include "softpause/encoding.h"
#include "softpause/host/devfile.h"

static const char device_usage[] =
    "usage: softpause device init --policy POLICY --state FILE [--json]\n"
    "       softpause device apply --state FILE [--json] BUNDLE\n"
    "       softpause device consume --state FILE [--json] SECONDS\n"
    "       softpause device status --state FILE [--json]\n"
    "\n"
    "A simulated device.  FILE is its external flash (policy bytes, two state-record\n"
    "slots); FILE.chip stands for what lives inside the chip (write-once policy anchor,\n"
    "monotonic counter, device MAC key).\n"
    "init     Provision: anchor POLICY.  Only a factory-fresh device can be provisioned.\n"
    "apply    Verify a bundle (from 'softpause bundle make': the statement, its\n"
    "         inclusion proof and a witness-cosigned checkpoint) against the anchored\n"
    "         policy.  The witnesses' quorum time moves the device's attested time\n"
    "         forward; a statement too old for it (freeze) or too far ahead (fast-\n"
    "         forward) is refused.  If its epoch is newer than any accepted, persist it:\n"
    "         allowance set to the policy's per-epoch allowance, mode from the\n"
    "         statement.  A bare statement is refused.  Exit 1 if refused.\n"
    "consume  Ask to work SECONDS (>= 1) of powered-on time.  Prints 'RUN GRANTED',\n"
    "         'THROTTLE PERMILLE GRANTED' (GRANTED: seconds granted, less than asked when\n"
    "         the allowance runs out) or 'PAUSE', with the reason on stderr.  The debit is\n"
    "         persisted before RUN/THROTTLE is printed.  Exit 0 if work is granted, 1 on\n"
    "         PAUSE.\n"
    "status   Print the device state.  Exit 1 if the stored state is unusable (the\n"
    "         device is paused).\n"
    "--json   One JSON object on stdout, a failure too: init the policy anchored, apply\n"
    "         the bundle report (as 'bundle verify --json') and the new allowance,\n"
    "         consume the decision, status the state.  A failure carries \"error\" (the\n"
    "         error's name) and \"message\"; consume's PAUSE is {\"decision\":\"pause\",...}.\n";

static sp_device dev;
static sp_devfile df;

static void print_status(const sp_device_state *s, int json)
{
    char hex[65];
    if (json) {
        dacc_json j;
        cli_json_begin(&j);
        dacc_json_key(&j, "policy");
        dacc_json_string(&j, cli_hex(hex, s->policy_hash, 32));
        dacc_json_key(&j, "policy_version");
        dacc_json_uint(&j, s->policy_version);
        dacc_json_key(&j, "highest_epoch");
        if (s->has_epoch)
            dacc_json_uint(&j, s->highest_epoch);
        else
            dacc_json_null(&j);
        dacc_json_key(&j, "allowance");
        dacc_json_uint(&j, s->allowance);
        dacc_json_key(&j, "mode");
        dacc_json_string(&j, cli_mode_name(s->mode));
        dacc_json_key(&j, "permille");
        dacc_json_uint(&j, cli_permille(s->mode, s->permille));
        dacc_json_key(&j, "last_decision");
        dacc_json_string(&j, cli_mode_name(s->last_decision));
        dacc_json_key(&j, "last_reason");
        dacc_json_string(&j, sp_err_name(s->last_reason));
        dacc_json_key(&j, "attested_time");
        dacc_json_uint(&j, s->attested_time);
        dacc_json_key(&j, "record_stamp");
        dacc_json_uint(&j, s->stamp);
        cli_json_end(&j);
        return;
    }
    printf("policy          %s (version %llu)\n", cli_hex(hex, s->policy_hash, 32),
           (unsigned long long)s->policy_version);
    if (s->has_epoch)
        printf("highest epoch   %llu\n", (unsigned long long)s->highest_epoch);
    else
        printf("highest epoch   none accepted yet\n");
    printf("allowance       %llu s\n", (unsigned long long)s->allowance);
    printf("mode            %s", cli_mode_name(s->mode));
    if (s->mode == SP_MODE_THROTTLE)
        printf(" %u permille", (unsigned)s->permille);
    printf("\nlast decision   %s (%s)\n", cli_mode_name(s->last_decision),
           s->last_reason == SP_OK ? "granted" : sp_err_message(s->last_reason));
    printf("attested time   %llu%s\n", (unsigned long long)s->attested_time,
           s->attested_time == 0 ? " (no witnessed checkpoint yet)" : "");
    printf("record stamp    %llu\n", (unsigned long long)s->stamp);
}

static int boot(const char *state)
{
    sp_err e = sp_devfile_open(&df, state);
    if (e != SP_OK)
        return cli_error(e, state, 0, "no simulated device here (run device init first?)");
    e = sp_device_load(&dev, &df.io, &df.crypto.crypto);
    if (e != SP_OK) {
        cli_error(e, state, 0, "device decides PAUSE");
        return EXIT_REJECTED;
    }
    return EXIT_OK;
}

/* consume --json: what a PAUSE adds to the failure object. */
static void pause_members(dacc_json *j)
{
    dacc_json_key(j, "decision");
    dacc_json_string(j, "pause");
    dacc_json_key(j, "permille");
    dacc_json_uint(j, 0);
    dacc_json_key(j, "granted");
    dacc_json_uint(j, 0);
}

int cmd_device(int argc, char **argv)
{
    static uint8_t buf[SP_MAX_POLICY_BYTES > SP_MAX_BUNDLE_BYTES ? SP_MAX_POLICY_BYTES + 1
                                                                 : SP_MAX_BUNDLE_BYTES + 1];
    const char *policy = NULL, *state = NULL, *pos[1];
    size_t npos, len;
    int json = 0, rc;
    uint32_t line = 0;
    sp_device_state st;
    const cli_opt init_opts[] = {{"--policy", 1, &policy, NULL, NULL, NULL, 0},
                                 {"--state", 1, &state, NULL, NULL, NULL, 0},
                                 {"--json", 0, NULL, &json, NULL, NULL, 0},
                                 CLI_END};
    const cli_opt apply_opts[] = {{"--state", 1, &state, NULL, NULL, NULL, 0},
                                  {"--json", 0, NULL, &json, NULL, NULL, 0},
                                  CLI_END};
    const cli_opt consume_opts[] = {{"--state", 1, &state, NULL, NULL, NULL, 0},
                                    {"--json", 0, NULL, &json, NULL, NULL, 0},
                                    CLI_END};
    const cli_opt status_opts[] = {{"--state", 1, &state, NULL, NULL, NULL, 0},
                                   {"--json", 0, NULL, &json, NULL, NULL, 0},
                                   CLI_END};
    static const char *const subs[] = {"init", "apply", "consume", "status", NULL};
    const cli_opt *const sub_opts[] = {init_opts, apply_opts, consume_opts, status_opts};

    int sub = cli_subcommand(argc, argv, device_usage, "device", subs);
    if (sub < 0)
        return -1 - sub;
    cli_parse(argc - 1, argv + 1, cli_sub_name(), sub_opts[sub], pos, 1, &npos, device_usage);
    if (state == NULL)
        return cli_usage("--state FILE is required");
    if (sub == 0 && npos == 0) {
        if (policy == NULL)
            return cli_usage("device init needs --policy POLICY");
        if ((rc = cli_read(policy, buf, sizeof buf, &len, &cli_policy_input)) != 0)
            return rc;
        sp_err e = sp_devfile_create(&df, state);
        if (e != SP_OK)
            return cli_error(e, state, 0, NULL);
        e = sp_device_init(&dev, &df.io, &df.crypto.crypto, buf, len);
        if (e != SP_OK)
            return cli_error(e, policy, 0, "provisioning refused");
        if (json) {
            char hex[65];
            dacc_json j;
            if (sp_device_status(&dev, &st) != SP_OK)
                return cli_error(SP_ERR_DEV_NOT_LOADED, state, 0, NULL);
            cli_json_begin(&j);
            dacc_json_key(&j, "state");
            dacc_json_string(&j, state);
            dacc_json_key(&j, "policy");
            dacc_json_string(&j, cli_hex(hex, st.policy_hash, 32));
            dacc_json_key(&j, "policy_version");
            dacc_json_uint(&j, st.policy_version);
            cli_json_end(&j);
            return EXIT_OK;
        }
        printf("provisioned %s (policy anchored; paused until the first authorisation)\n", state);
        return EXIT_OK;
    }
    if (sub == 1 && npos == 1) {
        static sp_bundle_report report;
        sp_statement accepted;
        if ((rc = cli_read(pos[0], buf, sizeof buf, &len, &cli_bundle_input)) != 0 ||
            (rc = boot(state)) != 0)
            return rc;
        memset(&report, 0, sizeof report);
        sp_err e = sp_device_apply(&dev, buf, len, &report, &line);
        if (e == SP_OK && sp_device_status(&dev, &st) != SP_OK)
            return cli_error(SP_ERR_DEV_NOT_LOADED, state, 0, NULL);
        if (e != SP_OK) {
            rc = cli_error_in_report(e, pos[0], line, "bundle refused");
            if (!json)
                cli_print_bundle_report(stderr, &dev.policy, dev.work.leaf, &report);
        }
        if (json) {
            dacc_json j;
            memset(&accepted, 0, sizeof accepted);
            if (e == SP_OK) {
                accepted.epoch = st.highest_epoch;
                accepted.mode = st.mode;
            }
            cli_json_begin(&j);
            cli_json_bundle_report(&j, &dev.policy, &report, e, &accepted);
            if (e == SP_OK) {
                dacc_json_key(&j, "permille");
                dacc_json_uint(&j, cli_permille(st.mode, st.permille));
                dacc_json_key(&j, "allowance");
                dacc_json_uint(&j, st.allowance);
            }
            cli_json_end(&j);
        }
        if (e != SP_OK || json)
            return e != SP_OK ? rc : EXIT_OK;
        printf("accepted epoch %llu: mode %s", (unsigned long long)st.highest_epoch,
               cli_mode_name(st.mode));
        if (st.mode == SP_MODE_THROTTLE)
            printf(" %u permille", (unsigned)st.permille);
        printf(", allowance set to %llu s\n", (unsigned long long)st.allowance);
        return EXIT_OK;
    }
    if (sub == 2 && npos == 1) {
        uint64_t seconds;
        sp_decision d;
        if ((rc = cli_number(pos[0], SP_MAX_TIME, &seconds, "SECONDS")) != 0)
            return rc;
        if (seconds == 0)
            return cli_usage("SECONDS: ask for at least 1 second of work");
        cli_json_failure_members(pause_members);
        if ((rc = boot(state)) != 0) {
            if (!json)
                printf("PAUSE\n");
            return rc;
        }
        sp_err e = sp_device_consume(&dev, seconds, &d);
        if (e != SP_OK) {
            if (!json)
                printf("PAUSE\n");
            cli_error(e, state, 0, NULL);
            return EXIT_REJECTED;
        }
        if (json) {
            dacc_json j;
            cli_json_begin(&j);
            dacc_json_key(&j, "decision");
            dacc_json_string(&j, cli_mode_name(d.mode));
            dacc_json_key(&j, "permille");
            dacc_json_uint(&j, cli_permille(d.mode, d.permille));
            dacc_json_key(&j, "granted");
            dacc_json_uint(&j, d.granted);
            cli_json_end(&j);
        } else if (d.mode == SP_MODE_THROTTLE) {
            printf("THROTTLE %u %llu\n", (unsigned)d.permille, (unsigned long long)d.granted);
        } else {
            printf("RUN %llu\n", (unsigned long long)d.granted);
        }
        return EXIT_OK;
    }
    if (sub == 3 && npos == 0) {
        if ((rc = boot(state)) != 0)
            return rc;
        if (sp_device_status(&dev, &st) != SP_OK)
            return cli_error(SP_ERR_DEV_NOT_LOADED, state, 0, NULL);
        print_status(&st, json);
        return EXIT_OK;
    }
    return cli_bad_args(device_usage);
}
