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

#include "cli.h"
#include "dacc/json.h"
#include "softpause/bundle.h"
#include "softpause/host/bundle_make.h"
#include "softpause/host/fileio.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/note.h"

static const char bundle_usage[] =
    "usage: softpause bundle publish --log URL STATEMENT\n"
    "       softpause bundle make --policy POLICY --log URL|DIR [--index N] [--out FILE]\n"
    "                             STATEMENT\n"
    "       softpause bundle verify --policy POLICY [--json] BUNDLE\n"
    "\n"
    "publish  Submit a signed statement to the log at URL (POST URL/add).  The log\n"
    "         appends it only if it satisfies the policy and every signature line is a\n"
    "         valid policy signature; a statement text already logged gets its existing\n"
    "         index.  Prints the index.\n"
    "make     Build the bundle a device consumes: the logged copy of STATEMENT, its\n"
    "         inclusion proof and the log's newest witness-cosigned checkpoint, as a C2SP\n"
    "         tlog-proof.  URL|DIR is the log's prefix or a directory written by\n"
    "         'softpause log export' (any static mirror).  The statement is found by its\n"
    "         text (newest first) unless --index N is given, in which case entry N must\n"
    "         be STATEMENT byte for byte.  The bundle is verified before it is written\n"
    "         (stdout, or FILE, never overwriting).\n"
    "verify   Check a bundle against POLICY as a device would, without device state\n"
    "         (epochs and attested time are the device's).  --json for scripts.\n"
    "\n"
    "exit status: 0 success, 1 refused, 2 usage error, 3 I/O or network error\n";

static uint8_t policy_bytes[SP_MAX_POLICY_BYTES + 1];
static sp_policy policy;
static uint8_t bundle_buf[SP_MAX_BUNDLE_BYTES + 1];
static sp_bundle_work work;
static sp_bundle_report report;

static int bundle_publish(const char *log, const char *input)
{
    static uint8_t note[SP_MAX_NOTE_BYTES + 1];
    char reply[1024];
    size_t len = 0;
    int status = 0, rc;

    if (log == NULL || input == NULL) {
        fputs("softpause: error: bundle publish needs --log URL and a STATEMENT\n", stderr);
        return EXIT_USAGE;
    }
    if ((rc = cli_read(input, note, sizeof note, &len, SP_ERR_NOTE_TOO_LARGE)) != 0)
        return rc;
    sp_err e = sp_log_submit(log, note, len, 30000, &status, reply, sizeof reply);
    if (e != SP_OK)
        return cli_error(e, log, 0, "log unreachable");
    if (status != 200) {
        fprintf(stderr, "softpause: error: %s: the log refused the statement (HTTP %d): %s\n",
                input, status, reply);
        return EXIT_REJECTED;
    }
    printf("logged at index %s\n", reply);
    return EXIT_OK;
}

static int bundle_make(const char *policy_path, const char *log, const char *index_text,
                       const char *out, const char *input)
{
    static uint8_t note[SP_MAX_NOTE_BYTES + 1];
    sp_bundle_made made;
    uint64_t index = UINT64_MAX;
    size_t len = 0, bundle_len = 0;
    const char *what = NULL;
    int rc;
    sp_err e;

    if (log == NULL || input == NULL) {
        fputs("softpause: error: bundle make needs --log URL|DIR and a STATEMENT\n", stderr);
        return EXIT_USAGE;
    }
    if ((rc = cli_load_policy(policy_path, &policy, policy_bytes, sizeof policy_bytes, &len)))
        return rc;
    if ((rc = cli_read(input, note, sizeof note, &len, SP_ERR_NOTE_TOO_LARGE)) != 0)
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
    e = sp_file_write_atomic(out, bundle_buf, bundle_len, 0644, 0);
    if (e != SP_OK)
        return cli_error(e, out, 0, NULL);
    fprintf(stderr, "bundle: epoch %llu at index %llu of %llu, %u witnesses, attested %llu\n",
            (unsigned long long)made.statement.epoch, (unsigned long long)made.index,
            (unsigned long long)made.tree_size,
            (unsigned)__builtin_popcount(made.witnesses.cosigned),
            (unsigned long long)made.witnesses.quorum_time);
    return EXIT_OK;
}

static void print_json(sp_err e, const sp_statement *st)
{
    dacc_json j;
    char hex[65];
    dacc_json_init(&j, stdout);
    dacc_json_object_begin(&j);
    dacc_json_key(&j, "accepted");
    dacc_json_bool(&j, e == SP_OK);
    dacc_json_key(&j, "error");
    if (e == SP_OK)
        dacc_json_null(&j);
    else
        dacc_json_string(&j, sp_err_name(e));
    dacc_json_key(&j, "checkpoint_verified");
    dacc_json_bool(&j, report.checkpoint_verified != 0);
    if (report.checkpoint_verified) {
        dacc_json_key(&j, "origin");
        dacc_json_string(&j, report.checkpoint.origin);
        dacc_json_key(&j, "tree_size");
        dacc_json_uint(&j, report.checkpoint.size);
        dacc_json_key(&j, "root");
        dacc_json_string(&j, cli_hex(hex, report.checkpoint.root, 32));
        dacc_json_key(&j, "index");
        dacc_json_uint(&j, report.index);
        dacc_json_key(&j, "witnesses");
        dacc_json_array_begin(&j);
        for (uint32_t w = 0; w < policy.witness.witness_count; w++) {
            if (!(report.witnesses.cosigned & (1u << w)))
                continue;
            dacc_json_object_begin(&j);
            dacc_json_key(&j, "name");
            dacc_json_string(&j, policy.witness.witnesses[w].name);
            dacc_json_key(&j, "time");
            dacc_json_uint(&j, report.witnesses.cosig_time[w]);
            dacc_json_object_end(&j);
        }
        dacc_json_array_end(&j);
        dacc_json_key(&j, "attested_time");
        dacc_json_uint(&j, report.witnesses.quorum_time);
    }
    if (e == SP_OK) {
        dacc_json_key(&j, "epoch");
        dacc_json_uint(&j, st->epoch);
        dacc_json_key(&j, "mode");
        dacc_json_string(&j, cli_mode_name(st->mode));
    }
    dacc_json_object_end(&j);
    (void)dacc_json_end(&j);
}

static int bundle_verify(const char *policy_path, int json, const char *input)
{
    sp_statement st;
    size_t len = 0;
    uint32_t line = 0;
    int rc;
    const char *where = input == NULL ? "<stdin>" : input;

    if ((rc = cli_load_policy(policy_path, &policy, policy_bytes, sizeof policy_bytes, &len)))
        return rc;
    if ((rc = cli_read(input, bundle_buf, sizeof bundle_buf, &len, SP_ERR_PROOF_FORMAT)) != 0)
        return rc;
    sp_err e = sp_bundle_verify(&policy, bundle_buf, len, sp_sodium_crypto(), &work, &st,
                                &report, &line);
    if (json) {
        print_json(e, &st);
        return cli_exit_status(e);
    }
    if (e != SP_OK) {
        rc = cli_error(e, where, line, "bundle refused");
        cli_print_bundle_report(stderr, &policy, work.leaf, &report);
        return rc;
    }
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
    const cli_opt opts[] = {{"--policy", 1, &policy_path, NULL, NULL, NULL, 0},
                            {"--log", 1, &log, NULL, NULL, NULL, 0},
                            {"--index", 1, &index, NULL, NULL, NULL, 0},
                            {"--out", 1, &out, NULL, NULL, NULL, 0},
                            {"--json", 0, NULL, &json, NULL, NULL, 0},
                            {NULL, 0, NULL, NULL, NULL, NULL, 0}};

    int early = cli_subcommand_start(argc, argv, bundle_usage);
    if (early != CLI_CONTINUE)
        return early;
    cli_parse(argc - 1, argv + 1, opts, pos, 1, &npos, bundle_usage);
    if (sp_sodium_init() != SP_OK)
        return cli_error(SP_ERR_CRYPTO, NULL, 0, "libsodium failed to start");
    if (strcmp(argv[0], "publish") == 0 && npos == 1)
        return bundle_publish(log, pos[0]);
    if (strcmp(argv[0], "make") == 0 && npos == 1)
        return bundle_make(policy_path, log, index, out, pos[0]);
    if (strcmp(argv[0], "verify") == 0 && npos <= 1)
        return bundle_verify(policy_path, json, npos ? pos[0] : NULL);
    fputs(bundle_usage, stderr);
    return EXIT_USAGE;
}
