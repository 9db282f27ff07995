/*
 * cmd_bundle.c -- `softpause bundle publish|make|verify`: the weekly bundle a device
 * consumes (softpause/bundle.h), assembled from a public log by any party.
 *
 * `make` speaks only public formats: the log's checkpoint and its tiles (C2SP tlog-tiles),
 * read from the log itself or from any static mirror of it, so whoever carries bundles to
 * offline devices needs no access to the log's database.  It refuses to write a bundle the
 * verifier would refuse: the result is checked with sp_bundle_verify before it is saved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dacc/json.h"
#include "softpause/bundle.h"
#include "softpause/host/bundle_make.h"
#include "softpause/host/fileio.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/utc.h"
#include "softpause/note.h"

static const char bundle_usage[] =
    "usage: softpause bundle publish --log URL [--policy POLICY [--out FILE\n"
    "                                [--timeout SECONDS]]] [--json] STATEMENT\n"
    "       softpause bundle make --policy POLICY --log URL|DIR [--index N]\n"
    "                             [--out FILE [--json]] STATEMENT\n"
    "       softpause bundle verify --policy POLICY [--json] BUNDLE\n"
    "\n"
    "publish  Submit a signed statement to the log at URL (POST URL/add).  The log\n"
    "         appends it only if it satisfies the policy and every signature line is a\n"
    "         valid policy signature; a statement text already logged gets its existing\n"
    "         index.  Prints the index (--json: {\"index\":N}).  With --policy, a\n"
    "         statement that does not meet POLICY (as a device checks it) is refused\n"
    "         before it is sent, naming the unmet rule.  With --out (needs --policy),\n"
    "         then wait until a witness-cosigned checkpoint of the log covers the entry\n"
    "         and write its bundle to FILE, exactly as 'bundle make --index' would\n"
    "         (verified first; never overwriting); --json then adds what was written.\n"
    "         --timeout bounds the wait (1..86400 seconds, default 300): past it, exit\n"
    "         1 (SP_ERR_NOT_FOUND) naming the index and the time waited.\n"
    "make     Build the bundle a device consumes: the logged copy of STATEMENT, its\n"
    "         inclusion proof and the log's newest witness-cosigned checkpoint, as a C2SP\n"
    "         tlog-proof.  URL|DIR is the log's prefix or a directory written by\n"
    "         'softpause log export' (any static mirror).  The statement is found by its\n"
    "         text (newest first) unless --index N is given, in which case entry N must\n"
    "         be STATEMENT byte for byte.  The bundle is verified before it is written\n"
    "         (stdout, or FILE, never overwriting; --json then prints what was written:\n"
    "         index, tree size, epoch, witnesses, attested time).\n"
    "verify   Check a bundle against POLICY as a device would, without device state\n"
    "         (epochs and attested time are the device's).  A policy update's bundle\n"
    "         is checked as a device at POLICY would adopt it: its publication under\n"
    "         POLICY's log and witness quorum, then the update (policy verify's checks);\n"
    "         prints 'accepted: policy update ... version N (new policy HASH)'.\n"
    "         --json for scripts (an update adds \"type\":\"policy-update\", \"version\",\n"
    "         \"new_policy\" and \"time_reset\").\n"
    "\n"
    "exit status: 0 success, 1 refused, 2 usage error, 3 I/O or network error\n";

static uint8_t policy_bytes[SP_MAX_POLICY_BYTES + 1];
static sp_policy policy;
static uint8_t bundle_buf[SP_MAX_BUNDLE_BYTES + 1];
static sp_bundle_work work;
static sp_bundle_report report;

/* How long bundle publish --out waits for a cosigned checkpoint by default, and at most. */
#define PUBLISH_WAIT_DEFAULT 300u
#define PUBLISH_WAIT_MAX 86400u

/* What a bundle that was written holds, on stderr, and with --json as one object (with
 * the log index first when the bundle came from bundle publish). */
static void report_written(const char *out, const sp_bundle_made *made, int json)
{
    char when[SP_UTC_BYTES];
    fprintf(stderr, "bundle: epoch %llu at index %llu of %llu, %u witnesses, attested %s\n",
            (unsigned long long)made->statement.epoch, (unsigned long long)made->index,
            (unsigned long long)made->tree_size,
            (unsigned)__builtin_popcount(made->witnesses.cosigned),
            sp_utc_format(when, made->witnesses.quorum_time));
    if (!json)
        return;
    dacc_json j;
    cli_json_begin(&j);
    dacc_json_key(&j, "index");
    dacc_json_uint(&j, made->index);
    dacc_json_key(&j, "out");
    dacc_json_string(&j, out);
    dacc_json_key(&j, "epoch");
    dacc_json_uint(&j, made->statement.epoch);
    dacc_json_key(&j, "tree_size");
    dacc_json_uint(&j, made->tree_size);
    dacc_json_key(&j, "witnesses");
    dacc_json_uint(&j, (uint64_t)__builtin_popcount(made->witnesses.cosigned));
    dacc_json_key(&j, "attested_time");
    dacc_json_uint(&j, made->witnesses.quorum_time);
    cli_json_end(&j);
}

/* The one way a made bundle is saved: FILE, never overwriting, atomically. */
static int save_bundle(const char *out, size_t len, const sp_bundle_made *made, int json)
{
    sp_err e = sp_file_write_atomic(out, bundle_buf, len, 0644, 0);
    if (e != SP_OK)
        return cli_error(e, out, 0, NULL);
    report_written(out, made, json);
    return EXIT_OK;
}

/* Wait until a cosigned checkpoint of the log covers entry `index` (which must be note
 * itself), then build, verify and save its bundle.  Polls the log's checkpoint with a
 * backoff (cli_wait), until `timeout` seconds have passed. */
static int publish_wait(const char *log, const uint8_t *note, size_t len, uint64_t index,
                        uint64_t timeout, const char *out, int json, const char *input)
{
    sp_bundle_made made;
    const char *what = NULL;
    size_t bundle_len = 0;
    double waited = 0;
    cli_wait w;
    cli_wait_start(&w, timeout);
    for (;;) {
        sp_err e = sp_bundle_make(&policy, log, note, len, index, &work, bundle_buf,
                                  sizeof bundle_buf, &bundle_len, &made, &what);
        if (e == SP_OK)
            return save_bundle(out, bundle_len, &made, json);
        /* Only "not covered yet" is worth waiting for: no cosigned checkpoint at all, or
         * one older than the entry.  Anything else (the entry at index is not this
         * statement, a checkpoint the policy refuses, a broken tile) will not change. */
        if (e != SP_ERR_NOT_FOUND || made.tree_size > index)
            return cli_error(e, e == SP_ERR_NOT_FOUND ? input : log, 0, "index %llu: %s",
                             (unsigned long long)index, what);
        if (!cli_wait_more(&w, &waited))
            return cli_error(e, input, 0,
                             "index %llu: no cosigned checkpoint of %s covers it after "
                             "waiting %.0f s (the newest has %llu entries); --timeout %llu",
                             (unsigned long long)index, log, waited,
                             (unsigned long long)made.tree_size, (unsigned long long)timeout);
    }
}

static int bundle_publish(const char *policy_path, const char *log, const char *out,
                          const char *timeout_text, int json, const char *input)
{
    static uint8_t note[SP_MAX_NOTE_BYTES + 1];
    size_t len = 0;
    uint64_t timeout = PUBLISH_WAIT_DEFAULT;
    int rc;

    if (log == NULL || input == NULL)
        return cli_usage("bundle publish needs --log URL and a STATEMENT");
    if (out != NULL && policy_path == NULL)
        return cli_usage("bundle publish --out needs --policy POLICY (to check the bundle "
                         "as a device would)");
    if (timeout_text != NULL && out == NULL)
        return cli_usage("bundle publish --timeout bounds the wait for --out FILE; give "
                         "--out too");
    if (timeout_text != NULL &&
        (rc = cli_number_range(timeout_text, 1, PUBLISH_WAIT_MAX, &timeout, "--timeout")))
        return rc;
    if (policy_path != NULL &&
        (rc = cli_load_policy(policy_path, &policy, policy_bytes, sizeof policy_bytes, &len)))
        return rc;
    if ((rc = cli_read(input, note, sizeof note, &len, &cli_note_input)) != 0)
        return rc;
    /* Refuse before sending what no device would accept (the log would refuse most of it
     * too, but only after the round trip, and without naming the rule). */
    if (policy_path != NULL && (rc = cli_statement_meets(&policy, note, len, input)) != 0)
        return rc;
    if (out != NULL && sp_file_exists(out))
        return cli_error(SP_ERR_EXISTS, out, 0, "refusing to overwrite");
    uint64_t index;
    if ((rc = cli_log_submit(log, note, len, input, "statement", &index)) != EXIT_OK)
        return rc;
    if (out != NULL) {
        fprintf(stderr, "logged at index %llu; waiting for a cosigned checkpoint\n",
                (unsigned long long)index);
        return publish_wait(log, note, len, index, timeout, out, json, input);
    }
    if (json) {
        dacc_json j;
        cli_json_begin(&j);
        dacc_json_key(&j, "index");
        dacc_json_uint(&j, index);
        cli_json_end(&j);
    } else {
        printf("logged at index %llu\n", (unsigned long long)index);
    }
    return EXIT_OK;
}

static int bundle_make(const char *policy_path, const char *log, const char *index_text,
                       const char *out, int json, const char *input)
{
    static uint8_t note[SP_MAX_NOTE_BYTES + 1];
    sp_bundle_made made;
    uint64_t index = UINT64_MAX;
    size_t len = 0, bundle_len = 0;
    const char *what = NULL;
    int rc;
    sp_err e;

    if (log == NULL || input == NULL)
        return cli_usage("bundle make needs --log URL|DIR and a STATEMENT");
    if (json && out == NULL)
        return cli_usage("bundle make --json needs --out FILE (the bundle itself goes to "
                         "stdout otherwise)");
    if ((rc = cli_load_policy(policy_path, &policy, policy_bytes, sizeof policy_bytes, &len)))
        return rc;
    if ((rc = cli_read(input, note, sizeof note, &len, &cli_note_input)) != 0)
        return rc;
    if (index_text != NULL && (rc = cli_number(index_text, SP_MAX_EPOCH, &index, "--index")))
        return rc;
    e = sp_bundle_make(&policy, log, note, len, index, &work, bundle_buf, sizeof bundle_buf,
                       &bundle_len, &made, &what);
    if (e == SP_ERR_NOT_FOUND && index == UINT64_MAX && made.tree_size > 0)
        return cli_error(e, input, 0,
                         "not among the %llu entries of the log's newest cosigned checkpoint "
                         "(publish it first, or wait for the witnesses)",
                         (unsigned long long)made.tree_size);
    if (e == SP_ERR_NOT_FOUND && index != UINT64_MAX && made.tree_size > 0)
        return cli_error(e, input, 0,
                         "--index %llu of %s (%llu entries in its newest cosigned "
                         "checkpoint): %s",
                         (unsigned long long)index, log, (unsigned long long)made.tree_size,
                         what);
    if (e != SP_OK)
        return cli_error(e, log, 0, "%s", what);
    if (out == NULL) {
        fwrite(bundle_buf, 1, bundle_len, stdout);
        return EXIT_OK;
    }
    return save_bundle(out, bundle_len, &made, json);
}

/* bundle verify of a policy update's bundle: publication under POLICY (the current
 * policy), then the update against it, as a device at POLICY would check it. */
static int bundle_verify_update(int json, const char *where, size_t len)
{
    static sp_update_result upd;
    static sp_update_report urep;
    uint32_t line = 0;
    int rc = EXIT_OK;
    sp_err e = sp_bundle_verify_update(&policy, bundle_buf, len, sp_sodium_crypto(), &work, &upd,
                                       &urep, &report, &line);
    if (e != SP_OK) {
        rc = cli_error_in_report(e, where, line, "policy update refused");
        if (!json)
            cli_print_bundle_report(stderr, &policy, work.leaf, &report);
    }
    if (json) {
        dacc_json j;
        cli_json_begin(&j);
        cli_json_bundle_report(&j, &policy, &report, e, NULL);
        dacc_json_key(&j, "type");
        dacc_json_string(&j, "policy-update");
        if (e == SP_OK)
            cli_json_update_members(&j, &upd.update);
        cli_json_end(&j);
    }
    if (e != SP_OK || json)
        return rc;
    cli_print_update_accepted(stdout, &upd.update);
    cli_print_bundle_report(stdout, &policy, work.leaf, &report);
    return EXIT_OK;
}

static int bundle_verify(const char *policy_path, int json, const char *input)
{
    sp_leaf_kind kind = SP_LEAF_STATEMENT;
    sp_statement st;
    size_t len = 0;
    uint32_t line = 0;
    int rc;
    const char *where = input == NULL ? "<stdin>" : input;

    if ((rc = cli_load_policy(policy_path, &policy, policy_bytes, sizeof policy_bytes, &len)))
        return rc;
    if ((rc = cli_read(input, bundle_buf, sizeof bundle_buf, &len, &cli_bundle_input)) != 0)
        return rc;
    /* The leaf's type picks the check (an envelope that does not decode takes the
     * statement path, which names what is wrong with it). */
    if (sp_bundle_kind(bundle_buf, len, &work, &kind) == SP_OK && kind == SP_LEAF_UPDATE)
        return bundle_verify_update(json, where, len);
    sp_err e = sp_bundle_verify(&policy, bundle_buf, len, sp_sodium_crypto(), &work, &st,
                                &report, &line);
    if (e != SP_OK) {
        rc = cli_error_in_report(e, where, line, "bundle refused");
        if (!json)
            cli_print_bundle_report(stderr, &policy, work.leaf, &report);
    }
    if (json) {
        dacc_json j;
        cli_json_begin(&j);
        cli_json_bundle_report(&j, &policy, &report, e, &st);
        cli_json_end(&j);
    }
    if (e != SP_OK || json)
        return e != SP_OK ? rc : EXIT_OK;
    printf("accepted: %s epoch %llu, mode %s\n", st.deployment, (unsigned long long)st.epoch,
           cli_mode_name(st.mode));
    cli_print_bundle_report(stdout, &policy, work.leaf, &report);
    return EXIT_OK;
}

int cmd_bundle(int argc, char **argv)
{
    const char *policy_path = NULL, *log = NULL, *index = NULL, *out = NULL, *pos[1];
    size_t npos = 0;
    int json = 0;
    const char *timeout = NULL;
    const cli_opt publish_opts[] = {{"--log", 1, &log, NULL, NULL, NULL, 0},
                                    {"--policy", 1, &policy_path, NULL, NULL, NULL, 0},
                                    {"--out", 1, &out, NULL, NULL, NULL, 0},
                                    {"--timeout", 1, &timeout, NULL, NULL, NULL, 0},
                                    {"--json", 0, NULL, &json, NULL, NULL, 0},
                                    CLI_END};
    const cli_opt make_opts[] = {{"--policy", 1, &policy_path, NULL, NULL, NULL, 0},
                                 {"--log", 1, &log, NULL, NULL, NULL, 0},
                                 {"--index", 1, &index, NULL, NULL, NULL, 0},
                                 {"--out", 1, &out, NULL, NULL, NULL, 0},
                                 {"--json", 0, NULL, &json, NULL, NULL, 0},
                                 CLI_END};
    const cli_opt verify_opts[] = {{"--policy", 1, &policy_path, NULL, NULL, NULL, 0},
                                   {"--json", 0, NULL, &json, NULL, NULL, 0},
                                   CLI_END};
    static const char *const subs[] = {"publish", "make", "verify", NULL};
    const cli_opt *const sub_opts[] = {publish_opts, make_opts, verify_opts};

    int sub = cli_subcommand(argc, argv, bundle_usage, "bundle", subs);
    if (sub < 0)
        return -1 - sub;
    cli_parse(argc - 1, argv + 1, cli_sub_name(), sub_opts[sub], pos, 1, &npos, bundle_usage);
    if (sp_sodium_init() != SP_OK)
        return cli_error(SP_ERR_CRYPTO, NULL, 0, "libsodium failed to start");
    if (sub == 0 && npos == 1)
        return bundle_publish(policy_path, log, out, timeout, json, pos[0]);
    if (sub == 1 && npos == 1)
        return bundle_make(policy_path, log, index, out, json, pos[0]);
    if (sub == 2 && npos <= 1)
        return bundle_verify(policy_path, json, npos ? pos[0] : NULL);
    return cli_bad_args(bundle_usage);
}
