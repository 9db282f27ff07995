/*
 * cmd_device.c -- `softpause device init|apply|consume|status`: a simulated device.
 *
 * The device logic is the freestanding verifier's (sp_device_*); this file only wires it
 * to file-backed storage (softpause/host/devfile.h) and prints.  Each invocation is a
 * boot: the RAM-only allowance reservation does not survive between invocations, exactly
 * as it would not survive a power cycle.  Each holds the device's lock (FILE.lock) from
 * before its first read to its exit, so concurrent invocations never interleave.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dacc/json.h"
#include "softpause/device.h"
#include "softpause/encoding.h"
#include "softpause/host/devfile.h"
#include "softpause/host/fileio.h"
#include "softpause/host/utc.h"

static const char device_usage[] =
    "usage: softpause device init --policy POLICY --state FILE [--json]\n"
    "       softpause device apply --state FILE [--json] BUNDLE...\n"
    "       softpause device consume --state FILE [--json] SECONDS\n"
    "       softpause device status --state FILE [--json]\n"
    "\n"
    "A simulated device.  FILE is its external flash (two policy slots, two state-record\n"
    "slots); FILE.chip stands for what lives inside the chip (write-once policy anchor,\n"
    "monotonic counter, device MAC key).\n"
    "init     Provision: anchor POLICY (the root of its policy chain).  Only a\n"
    "         factory-fresh device can be provisioned.\n"
    "apply    Apply each BUNDLE in order, stopping at the first refusal (exit 1; nothing\n"
    "         after it applied).  A bundle ('softpause bundle make': the logged entry,\n"
    "         its inclusion proof and a witness-cosigned checkpoint) is verified against\n"
    "         the device's current policy.  The witnesses' quorum time moves the\n"
    "         device's attested time forward.  An authorisation: a statement too old\n"
    "         for the attested time (freeze) or too far ahead (fast-forward) is\n"
    "         refused; if its epoch is newer than any accepted, persist it: allowance\n"
    "         set to the policy's per-epoch allowance, mode from the statement; prints\n"
    "         'accepted epoch N: ...'.  A policy update (the next version, signed by\n"
    "         both quorums; 'softpause policy verify'): adopted -- epoch, mode and\n"
    "         allowance carry over -- and prints 'accepted policy update to version N\n"
    "         (policy HASH)'.  A bare statement is refused.\n"
    "consume  Ask to work SECONDS (>= 1) of powered-on time.  Prints 'RUN GRANTED',\n"
    "         'THROTTLE PERMILLE GRANTED' (GRANTED: seconds granted, less than asked when\n"
    "         the allowance runs out) or 'PAUSE', with the reason on stderr.  The debit is\n"
    "         persisted before RUN/THROTTLE is printed.  Exit 0 if work is granted, 1 on\n"
    "         PAUSE.\n"
    "status   Print the device state -- the current policy, the anchor (the policy it\n"
    "         was provisioned with) -- and the decision it would take now (RUN,\n"
    "         THROTTLE PERMILLE or PAUSE and why; --json for scripts).  Exit as consume\n"
    "         would: 0 if work would be granted, 1 if the device would PAUSE.\n"
    "--json   One JSON object on stdout, a failure too: init the policy anchored, apply\n"
    "         the bundle report (as 'bundle verify --json') and the new allowance, one\n"
    "         object per line per BUNDLE (an update's with \"type\":\"policy-update\",\n"
    "         \"policy_version\" and \"policy\"), consume the decision, status the state.  A failure carries \"error\" (the\n"
    "         error's name) and \"message\"; consume's PAUSE is {\"decision\":\"pause\",...}.\n"
    "\n"
    "Every subcommand holds FILE.lock while it runs; another process using the same\n"
    "device makes it fail at once (SP_ERR_DEV_BUSY, naming the holder's pid, exit 3).\n"
    "A device whose storage fails pauses; the error names the file and the OS error\n"
    "(exit 3).\n";

static sp_device dev;
static sp_devfile df;
static sp_devlock lock;

static void print_status(const sp_device_state *s, const uint8_t anchor[32],
                         const sp_decision *d, int json)
{
    char hex[65], when[SP_UTC_BYTES];
    if (json) {
        dacc_json j;
        cli_json_begin(&j);
        dacc_json_key(&j, "policy");
        dacc_json_string(&j, cli_hex(hex, s->policy_hash, 32));
        dacc_json_key(&j, "policy_version");
        dacc_json_uint(&j, s->policy_version);
        dacc_json_key(&j, "anchor");
        dacc_json_string(&j, cli_hex(hex, anchor, 32));
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
        dacc_json_key(&j, "decision");
        dacc_json_object_begin(&j);
        dacc_json_key(&j, "mode");
        dacc_json_string(&j, cli_mode_name(d->mode));
        dacc_json_key(&j, "permille");
        dacc_json_uint(&j, d->permille);
        dacc_json_key(&j, "available");
        dacc_json_uint(&j, d->granted);
        dacc_json_key(&j, "reason");
        if (d->reason == SP_OK)
            dacc_json_null(&j);
        else
            dacc_json_string(&j, sp_err_name(d->reason));
        dacc_json_object_end(&j);
        dacc_json_key(&j, "last_decision");
        dacc_json_string(&j, cli_mode_name(s->last_decision));
        dacc_json_key(&j, "last_reason"); /* null when the last decision granted work */
        if (s->last_reason == SP_OK)
            dacc_json_null(&j);
        else
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
    printf("anchor          %s\n", cli_hex(hex, anchor, 32));
    if (s->has_epoch)
        printf("highest epoch   %llu\n", (unsigned long long)s->highest_epoch);
    else
        printf("highest epoch   none accepted yet\n");
    printf("allowance       %llu s\n", (unsigned long long)s->allowance);
    printf("mode            %s", cli_mode_name(s->mode));
    if (s->mode == SP_MODE_THROTTLE)
        printf(" %u permille", (unsigned)s->permille);
    if (d->mode == SP_MODE_RUN)
        printf("\ndecision now    RUN (%llu s available)", (unsigned long long)d->granted);
    else if (d->mode == SP_MODE_THROTTLE)
        printf("\ndecision now    THROTTLE %u (%llu s available)", (unsigned)d->permille,
               (unsigned long long)d->granted);
    else
        printf("\ndecision now    PAUSE (%s: %s)", sp_err_name(d->reason),
               sp_err_message(d->reason));
    printf("\nlast decision   %s (%s)\n", cli_mode_name(s->last_decision),
           s->last_reason == SP_OK ? "granted" : sp_err_message(s->last_reason));
    if (s->attested_time == 0)
        printf("attested time   none (no witnessed checkpoint yet)\n");
    else
        printf("attested time   %s\n", sp_utc_format(when, s->attested_time));
    printf("record stamp    %llu\n", (unsigned long long)s->stamp);
}

/* Hold the device's lock for the rest of the process (devfile.h): a second process
 * fails at once, naming the holder. */
static int take_lock(const char *state, int provisioning)
{
    long holder = 0;
    sp_err e = sp_devfile_lock(&lock, state, provisioning, &holder);
    if (e == SP_OK)
        return EXIT_OK;
    if (e == SP_ERR_DEV_BUSY && holder > 0)
        return cli_error(e, lock.path, 0, "held by pid %ld; try again when it is done", holder);
    if (e == SP_ERR_DEV_BUSY)
        return cli_error(e, lock.path, 0, "held by a process whose pid is not visible here");
    if (!provisioning && sp_file_last_errno() == ENOENT)
        return cli_error(e, state, 0, "no simulated device here (run device init first?)");
    if (!provisioning && sp_file_last_errno() == EISDIR)
        return cli_error(e, state, 0, "a directory, not a simulated device's flash image");
    return cli_error(e, lock.path, 0, "cannot create or open the device's lock file");
}

/* Report a device error.  A storage failure blames the storage -- the file and the OS
 * error (exit 3), or what is malformed in it -- never the input being applied. */
static int device_error(sp_err e, const char *input, uint32_t line, const char *detail)
{
    if ((e == SP_ERR_DEV_STORAGE || e == SP_ERR_DEV_COUNTER) && df.fail_path != NULL) {
        if (df.fail_errno == 0)
            return cli_error(e, df.fail_path, 0, "%s; the device decides PAUSE", df.fail_what);
        (void)sp_file_fail(df.fail_errno);
        return cli_error(SP_ERR_IO, df.fail_path, 0, "%s, so the device decides PAUSE (%s)",
                         df.fail_what, sp_err_name(e));
    }
    if (detail == NULL)
        return cli_error(e, input, line, NULL);
    return cli_error(e, input, line, "%s", detail);
}

/* Lock, open the files and load the state: a boot. */
static int boot(const char *state)
{
    int rc = take_lock(state, 0);
    if (rc != EXIT_OK)
        return rc;
    sp_err e = sp_devfile_open(&df, state);
    if (e == SP_ERR_IO && df.fail_errno == ENOENT)
        return cli_error(e, df.fail_path, 0, "no simulated device here (run device init first?)");
    if (e != SP_OK)
        return cli_error(e, df.fail_path != NULL ? df.fail_path : state, 0, "%s",
                         df.fail_path != NULL ? df.fail_what : "cannot open the device");
    df.fail_path = NULL;
    e = sp_device_load(&dev, &df.io, &df.crypto.crypto);
    if (e != SP_OK) {
        rc = device_error(e, state, 0, "device decides PAUSE");
        return rc == EXIT_IO ? rc : EXIT_REJECTED;
    }
    return EXIT_OK;
}

/* The outcome of one applied bundle: text, or one JSON object (a line) per bundle. */
static void print_applied(const char *input, const sp_bundle_report *report, sp_err e,
                          int update, int json)
{
    sp_device_state st;
    sp_statement accepted;
    char hex[65];
    if (e != SP_OK || sp_device_status(&dev, &st) != SP_OK)
        memset(&st, 0, sizeof st);
    if (json) {
        dacc_json j;
        memset(&accepted, 0, sizeof accepted);
        accepted.epoch = st.highest_epoch;
        accepted.mode = st.mode;
        cli_json_begin(&j);
        dacc_json_key(&j, "bundle");
        dacc_json_string(&j, input);
        cli_json_bundle_report(&j, &dev.policy, report, e, update ? NULL : &accepted);
        if (update) {
            dacc_json_key(&j, "type");
            dacc_json_string(&j, "policy-update");
        }
        if (e == SP_OK && update) {
            dacc_json_key(&j, "policy_version");
            dacc_json_uint(&j, st.policy_version);
            dacc_json_key(&j, "policy");
            dacc_json_string(&j, cli_hex(hex, st.policy_hash, 32));
        } else if (e == SP_OK) {
            dacc_json_key(&j, "permille");
            dacc_json_uint(&j, cli_permille(st.mode, st.permille));
            dacc_json_key(&j, "allowance");
            dacc_json_uint(&j, st.allowance);
        }
        cli_json_end(&j);
        return;
    }
    if (e != SP_OK) {
        cli_print_bundle_report(stderr, &dev.policy, dev.work.leaf, report);
        if (update && dev.update_report.current.line_count > 0) {
            fprintf(stderr, " the update's lines under the current policy (version %llu):\n",
                    (unsigned long long)dev.policy.version);
            cli_print_report(stderr, &dev.policy, dev.work.leaf, report->leaf_len,
                             &dev.update_report.current);
        }
        return;
    }
    if (update) {
        printf("accepted policy update to version %llu (policy %s)\n",
               (unsigned long long)st.policy_version, cli_hex(hex, st.policy_hash, 32));
        return;
    }
    printf("accepted epoch %llu: mode %s", (unsigned long long)st.highest_epoch,
           cli_mode_name(st.mode));
    if (st.mode == SP_MODE_THROTTLE)
        printf(" %u permille", (unsigned)st.permille);
    printf(", allowance set to %llu s\n", (unsigned long long)st.allowance);
}

int cli_device_apply(const char *state, const char **files, size_t n, int json,
                     int updates_only)
{
    static uint8_t bundle[SP_MAX_BUNDLE_BYTES + 1];
    static sp_bundle_report report;
    size_t len;
    uint32_t line = 0;
    int rc;
    /* Every input readable before the device is touched. */
    for (size_t i = 0; i < n; i++)
        if ((rc = cli_read(files[i], bundle, sizeof bundle, &len, &cli_bundle_input)) != 0)
            return rc;
    if ((rc = boot(state)) != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        sp_leaf_kind kind = SP_LEAF_STATEMENT;
        if ((rc = cli_read(files[i], bundle, sizeof bundle, &len, &cli_bundle_input)) != 0)
            return rc;
        /* (an envelope that does not decode: sp_device_apply names what is wrong) */
        sp_err k = sp_bundle_kind(bundle, len, &dev.work, &kind);
        if (updates_only && k == SP_OK && kind != SP_LEAF_UPDATE)
            return cli_error(SP_ERR_STMT_WRONG_TYPE, files[i], 0,
                             "an authorisation's bundle: policy apply takes policy updates "
                             "(device apply takes both)");
        memset(&report, 0, sizeof report);
        df.fail_path = NULL;
        sp_err e = sp_device_apply(&dev, bundle, len, &report, &line);
        if (e == SP_ERR_DEV_STORAGE || e == SP_ERR_DEV_COUNTER)
            return device_error(e, state, 0, NULL);
        if (e != SP_OK)
            rc = cli_error_in_report(e, files[i], line,
                                     kind == SP_LEAF_UPDATE ? "policy update refused"
                                                            : "bundle refused");
        print_applied(files[i], &report, e, kind == SP_LEAF_UPDATE, json);
        if (e != SP_OK)
            return rc;
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
    const char *policy = NULL, *state = NULL, *pos[CLI_MAX_BUNDLES];
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
    cli_parse(argc - 1, argv + 1, cli_sub_name(), sub_opts[sub], pos,
              sub == 1 ? CLI_MAX_BUNDLES : 1, &npos, device_usage);
    if (state == NULL)
        return cli_usage("--state FILE is required");
    if (sub == 0 && npos == 0) {
        static sp_policy checked;
        if (policy == NULL)
            return cli_usage("device init needs --policy POLICY");
        /* Every input valid before anything is created (the lock file included). */
        if ((rc = cli_load_policy(policy, &checked, buf, sizeof buf, &len)) != 0 ||
            (rc = take_lock(state, 1)) != 0)
            return rc;
        sp_err e = sp_devfile_provision(&df, state, &dev, buf, len, &line);
        if (e != SP_OK) {
            sp_devfile_unlock(&lock, 1); /* a failed init leaves nothing behind */
            if ((e == SP_ERR_EXISTS || e == SP_ERR_IO) && df.fail_path != NULL)
                return cli_error(e, df.fail_path, 0, "%s", df.fail_what); /* which file */
            if (e == SP_ERR_EXISTS || e == SP_ERR_IO) /* the state's files, not the policy */
                return cli_error(e, state, 0, NULL);
            return device_error(e, policy, line, "provisioning refused");
        }
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
        printf("provisioned %s (policy anchored; paused until the first authorisation)\n",
               cli_shown_path(state));
        return EXIT_OK;
    }
    if (sub == 1 && npos >= 1)
        return cli_device_apply(state, pos, npos, json, 0);
    if (sub == 2 && npos == 1) {
        uint64_t seconds;
        sp_decision d;
        /* (the range printed on a refusal is the one accepted: 0 is not) */
        if ((rc = cli_number_range(pos[0], 1, SP_MAX_TIME, &seconds, "SECONDS")) != 0)
            return rc;
        cli_json_failure_members(pause_members);
        if ((rc = boot(state)) != 0) {
            if (!json)
                printf("PAUSE\n");
            return rc;
        }
        df.fail_path = NULL;
        sp_err e = sp_device_consume(&dev, seconds, &d);
        if (e != SP_OK) {
            if (!json)
                printf("PAUSE\n");
            rc = device_error(e, state, 0, NULL);
            return rc == EXIT_IO ? rc : EXIT_REJECTED;
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
        sp_decision d;
        if ((rc = boot(state)) != 0)
            return rc;
        if (sp_device_status(&dev, &st) != SP_OK)
            return cli_error(SP_ERR_DEV_NOT_LOADED, state, 0, NULL);
        /* What consume would decide now (the RAM reservation is empty at a boot). */
        uint8_t anchor[32];
        if (sp_device_anchor(&dev, anchor) != SP_OK)
            return cli_error(SP_ERR_DEV_NOT_LOADED, state, 0, NULL);
        sp_err e = sp_device_decide(&dev, &d);
        print_status(&st, anchor, &d, json);
        return e == SP_OK ? EXIT_OK : EXIT_REJECTED;
    }
    return cli_bad_args(device_usage);
}
