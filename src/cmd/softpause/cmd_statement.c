/*
 * cmd_statement.c -- `softpause statement new|collect|verify`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dacc/json.h"
#include "softpause/encoding.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/utc.h"

static const char statement_usage[] =
    "usage: softpause statement new --policy POLICY --epoch N --mode run|throttle:PERMILLE|pause\n"
    "                               [--allow-future] [--json]\n"
    "       softpause statement collect [--policy POLICY] [--partial] [--json] SIGNED...\n"
    "       softpause statement verify --policy POLICY [--json] STATEMENT\n"
    "\n"
    "new      Print the statement text for epoch N (start = genesis + N x epoch-length).\n"
    "         Sign it with `softpause note sign --key BODY.key`.  An epoch after the\n"
    "         next one by the host clock is refused unless --allow-future.  --json: its\n"
    "         fields and the text (\"text\").\n"
    "collect  Merge signed copies of one statement into one note.  Every line is\n"
    "         verified against the policy; only valid lines are kept, one per key.\n"
    "         Copies with different texts are refused.  POLICY defaults to\n"
    "         $SOFTPAUSE_POLICY.  A merged note that does not meet the policy (as a\n"
    "         device checks it) is refused, exit 1, naming the unmet rule, unless\n"
    "         --partial (collecting in stages: written anyway, exit 0, its shortfall\n"
    "         noted on stderr).  --json: the note (\"note\"), the counts and\n"
    "         \"meets_policy\".\n"
    "verify   Check a signed statement as a device would: syntax, deployment, policy\n"
    "         hash, epoch and start, and the quorum rules (each distinct key counted once;\n"
    "         invalid and unknown lines ignored and reported).  Exit 0 if accepted.\n";

static uint8_t policy_bytes[SP_MAX_POLICY_BYTES + 1];
static sp_policy policy;

/* Signing a future epoch by mistake would lock a body out of the current one (its record
 * refuses lower epochs): refuse an epoch after the next one by the host clock. */
static int epoch_too_far(uint64_t epoch, const char *epoch_s)
{
    char when[SP_UTC_BYTES];
    uint64_t now = (uint64_t)time(NULL);
    uint64_t current = now <= policy.genesis ? 0 : (now - policy.genesis) / policy.epoch_length;
    if (epoch <= current + 1)
        return EXIT_OK;
    return cli_error(SP_ERR_SIGN_FUTURE, NULL, 0,
                     "--epoch %s: the host clock (%s) is in epoch %llu; at most epoch %llu",
                     epoch_s, sp_utc_format(when, now), (unsigned long long)current,
                     (unsigned long long)(current + 1));
}

void cli_json_text(dacc_json *j, const uint8_t *text, size_t len)
{
    static char z[SP_SIGNED_NOTE_CAP + 1];
    memcpy(z, text, len < SP_SIGNED_NOTE_CAP ? len : SP_SIGNED_NOTE_CAP);
    z[len < SP_SIGNED_NOTE_CAP ? len : SP_SIGNED_NOTE_CAP] = '\0';
    dacc_json_string(j, z);
}

static int statement_new(const char *policy_path, const char *epoch_s, const char *mode_s,
                         int allow_future, int json)
{
    sp_statement st;
    uint8_t text[SP_MAX_STATEMENT_TEXT];
    size_t len;
    int rc;

    if (epoch_s == NULL || mode_s == NULL)
        return cli_usage("statement new needs --policy, --epoch and --mode");
    if ((rc = cli_load_policy(policy_path, &policy, policy_bytes, sizeof policy_bytes, &len)))
        return rc;
    uint64_t epoch, permille = 0;
    uint32_t mode;
    if ((rc = cli_number(epoch_s, SP_MAX_EPOCH, &epoch, "--epoch")) != 0)
        return rc;
    if (!allow_future && (rc = epoch_too_far(epoch, epoch_s)) != EXIT_OK)
        return rc;
    if (strcmp(mode_s, "run") == 0) {
        mode = SP_MODE_RUN;
    } else if (strcmp(mode_s, "pause") == 0) {
        mode = SP_MODE_PAUSE;
    } else if (strncmp(mode_s, "throttle:", 9) == 0) {
        if ((rc = cli_number_range(mode_s + 9, 1, 999, &permille,
                                   "--mode throttle:PERMILLE")) != 0)
            return rc;
        mode = SP_MODE_THROTTLE;
    } else {
        return cli_usage("--mode: expected run, throttle:PERMILLE or pause, got '%s'", mode_s);
    }
    sp_err e = sp_statement_for_epoch(&st, &policy, epoch, mode, (uint32_t)permille);
    if (e == SP_OK)
        e = sp_statement_format(&st, text, sizeof text, &len);
    if (e == SP_ERR_STMT_START_RANGE) /* name the limit in epochs, as the option counts */
        return cli_error(e, NULL, 0, "--epoch %s: this policy's last epoch is %llu", epoch_s,
                         (unsigned long long)((SP_MAX_TIME - policy.genesis) /
                                              policy.epoch_length));
    if (e != SP_OK)
        return cli_error(e, NULL, 0, "epoch %s, mode %s", epoch_s, mode_s);
    if (json) {
        char hex[65];
        dacc_json j;
        cli_json_begin(&j);
        dacc_json_key(&j, "deployment");
        dacc_json_string(&j, st.deployment);
        dacc_json_key(&j, "policy");
        dacc_json_string(&j, cli_hex(hex, st.policy_hash, 32));
        dacc_json_key(&j, "epoch");
        dacc_json_uint(&j, st.epoch);
        dacc_json_key(&j, "start");
        dacc_json_uint(&j, st.start);
        dacc_json_key(&j, "mode");
        dacc_json_string(&j, cli_mode_name(st.mode));
        dacc_json_key(&j, "permille");
        dacc_json_uint(&j, cli_permille(st.mode, st.permille));
        dacc_json_key(&j, "text");
        cli_json_text(&j, text, len);
        cli_json_end(&j);
    } else {
        fwrite(text, 1, len, stdout);
    }
    return EXIT_OK;
}

#define MAX_COLLECT 64

int cli_collect(const sp_policy *p, int update, const char **files, size_t n, uint8_t *out,
                size_t cap, size_t *out_len, sp_collect_result *res)
{
    static uint8_t bufs[MAX_COLLECT][SP_MAX_NOTE_BYTES + 1];
    const uint8_t *notes[MAX_COLLECT];
    size_t lens[MAX_COLLECT], bad;
    uint32_t line = 0;
    int rc;

    if (n == 0 || n > MAX_COLLECT)
        return cli_usage("%s takes 1..%d signed notes", cli_sub_name(), MAX_COLLECT);
    for (size_t i = 0; i < n; i++) {
        if ((rc = cli_read(files[i], bufs[i], sizeof bufs[i], &lens[i], &cli_note_input)) != 0)
            return rc;
        notes[i] = bufs[i];
    }
    sp_err e = update ? sp_update_collect(p, notes, lens, n, out, cap, out_len, res, &bad, &line)
                      : sp_collect(p, notes, lens, n, out, cap, out_len, res, &bad, &line);
    if (e != SP_OK)
        return cli_error(e, files[bad], line,
                         e == SP_ERR_COLLECT_MISMATCH ? "its text differs from %s" : NULL,
                         files[0]);
    return EXIT_OK;
}

/* Whether a collected note meets the policy, for --partial's report (nothing printed). */
static int statement_meets_quietly(const uint8_t *note, size_t len)
{
    static sp_note work;
    sp_quorum_report report;
    sp_statement st;
    return sp_statement_verify(&policy, note, len, sp_sodium_crypto(), &work, &st, &report,
                               NULL) == SP_OK;
}

int cli_statement_meets(const sp_policy *p, const uint8_t *note, size_t len, const char *where)
{
    static sp_note work;
    sp_quorum_report report;
    sp_statement st;
    char rule[CLI_RULE_TEXT];
    uint32_t line = 0;

    memset(&report, 0, sizeof report);
    sp_err e = sp_statement_verify(p, note, len, sp_sodium_crypto(), &work, &st, &report, &line);
    if (e == SP_OK)
        return EXIT_OK;
    int rc = report.failed_rule < p->rule_count
                 ? cli_error(e, where, line, "valid signatures from %u of %u policy keys; %s",
                             (unsigned)report.distinct_keys, (unsigned)p->signer_count,
                             cli_rule_unmet(rule, p, report.failed_rule))
                 : cli_error(e, where, line, NULL);
    if (!cli_json_mode())
        cli_print_report(stderr, p, note, len, &report);
    return rc;
}

static int statement_collect(const char *policy_path, int json, int partial, const char **files,
                             size_t n)
{
    static uint8_t out[SP_SIGNED_NOTE_CAP];
    size_t out_len, len;
    sp_collect_result res;
    int rc;

    if (policy_path == NULL)
        policy_path = getenv("SOFTPAUSE_POLICY");
    if (policy_path == NULL)
        return cli_usage("statement collect needs --policy POLICY (or $SOFTPAUSE_POLICY) to "
                         "verify each line");
    if (n == 0 || n > MAX_COLLECT)
        return cli_usage("statement collect takes 1..%d signed notes", MAX_COLLECT);
    if ((rc = cli_load_policy(policy_path, &policy, policy_bytes, sizeof policy_bytes, &len)))
        return rc;
    if ((rc = cli_collect(&policy, 0, files, n, out, sizeof out, &out_len, &res)) != EXIT_OK)
        return rc;
    /* A merged note that no device would accept is an error unless asked for (a body
     * collecting in stages): then the statement is written and its shortfall noted. */
    if (!partial && (rc = cli_statement_meets(&policy, out, out_len, "collected note")) != 0)
        return rc;
    if (json) {
        dacc_json j;
        cli_json_begin(&j);
        dacc_json_key(&j, "note");
        cli_json_text(&j, out, out_len);
        dacc_json_key(&j, "merged");
        dacc_json_uint(&j, res.merged);
        dacc_json_key(&j, "duplicates");
        dacc_json_uint(&j, res.duplicates);
        dacc_json_key(&j, "invalid");
        dacc_json_uint(&j, res.invalid);
        dacc_json_key(&j, "unknown");
        dacc_json_uint(&j, res.unknown);
        dacc_json_key(&j, "meets_policy"); /* false only with --partial */
        dacc_json_bool(&j, !partial || statement_meets_quietly(out, out_len));
        cli_json_end(&j);
    } else {
        fwrite(out, 1, out_len, stdout);
    }
    fprintf(stderr,
            "collected %u signatures (dropped: %u duplicate, %u invalid, %u unknown)%s\n",
            (unsigned)res.merged, (unsigned)res.duplicates, (unsigned)res.invalid,
            (unsigned)res.unknown,
            !partial ? ""
            : statement_meets_quietly(out, out_len)
                ? "; it meets the policy"
                : "; it does NOT meet the policy yet (--partial)");
    return EXIT_OK;
}

static const char *json_line_status(uint8_t s)
{
    static const char *status[] = {"unchecked", "valid", "unknown", "invalid", "duplicate"};
    return status[s <= 4 ? s : 0];
}

static void json_failed_rule(dacc_json *j, const char *key, const sp_policy *p,
                             const sp_quorum_report *r)
{
    dacc_json_key(j, key);
    if (p != NULL && r->failed_rule < p->rule_count)
        dacc_json_uint(j, r->failed_rule + 1u);
    else
        dacc_json_null(j);
}

void cli_json_quorum_report(dacc_json *j, const sp_policy *p, const sp_quorum_report *r,
                            const sp_policy *p_new, const sp_quorum_report *r_new,
                            const uint8_t *note, size_t len)
{
    static sp_note parsed;
    char text[SP_MAX_NAME_BYTES + 1];
    dacc_json_key(j, "distinct_keys");
    dacc_json_uint(j, r->distinct_keys);
    dacc_json_key(j, "lines");
    dacc_json_array_begin(j);
    if (sp_note_parse(&parsed, note, len, NULL) == SP_OK)
        for (uint32_t i = 0; i < parsed.sig_count && i < r->line_count; i++) {
            uint8_t s = r->line_status[i];
            char id[9];
            if (r_new != NULL && s == SP_LINE_UNKNOWN)
                s = r_new->line_status[i];
            memcpy(text, note + parsed.sigs[i].name_offset, parsed.sigs[i].name_len);
            text[parsed.sigs[i].name_len] = '\0';
            snprintf(id, sizeof id, "%08x", (unsigned)parsed.sigs[i].key_id);
            dacc_json_object_begin(j);
            dacc_json_key(j, "name");
            dacc_json_string(j, text);
            dacc_json_key(j, "key_id");
            dacc_json_string(j, id);
            dacc_json_key(j, "status");
            dacc_json_string(j, json_line_status(s));
            if (r_new != NULL) {
                dacc_json_key(j, "status_current");
                dacc_json_string(j, json_line_status(r->line_status[i]));
                dacc_json_key(j, "status_new");
                dacc_json_string(j, json_line_status(r_new->line_status[i]));
            }
            dacc_json_object_end(j);
        }
    dacc_json_array_end(j);
    if (r_new == NULL || (p != NULL && r->failed_rule < p->rule_count))
        json_failed_rule(j, "failed_rule", p, r);
    else
        json_failed_rule(j, "failed_rule", p_new, r_new);
    if (r_new != NULL) {
        json_failed_rule(j, "failed_rule_current", p, r);
        json_failed_rule(j, "failed_rule_new", p_new, r_new);
    }
}

void cli_json_verdict_begin(dacc_json *j, sp_err e, const char *deployment,
                            const uint8_t *policy_hash)
{
    char hex[65];
    cli_json_begin(j);
    dacc_json_key(j, "accepted");
    dacc_json_bool(j, e == SP_OK);
    cli_json_error_members(j, e);
    if (e == SP_OK) {
        dacc_json_key(j, "deployment");
        dacc_json_string(j, deployment);
        dacc_json_key(j, "policy");
        dacc_json_string(j, cli_hex(hex, policy_hash, 32));
    }
}

static void print_json_report(const sp_policy *p, const sp_statement *st, sp_err e,
                              const uint8_t *note, size_t len, const sp_quorum_report *r)
{
    dacc_json j;
    cli_json_verdict_begin(&j, e, st->deployment, st->policy_hash);
    if (e == SP_OK) {
        dacc_json_key(&j, "epoch");
        dacc_json_uint(&j, st->epoch);
        dacc_json_key(&j, "start");
        dacc_json_uint(&j, st->start);
        dacc_json_key(&j, "mode");
        dacc_json_string(&j, cli_mode_name(st->mode));
        dacc_json_key(&j, "permille");
        dacc_json_uint(&j, cli_permille(st->mode, st->permille));
    }
    cli_json_quorum_report(&j, p, r, NULL, NULL, note, len);
    cli_json_end(&j);
}

static int statement_verify(const char *policy_path, int json, const char *input)
{
    static uint8_t buf[SP_MAX_NOTE_BYTES + 1];
    static sp_note work;
    sp_quorum_report report;
    sp_statement st;
    size_t len;
    uint32_t line = 0;
    int rc;
    const char *where = input == NULL ? "<stdin>" : input;

    if ((rc = cli_load_policy(policy_path, &policy, policy_bytes, sizeof policy_bytes, &len)))
        return rc;
    if ((rc = cli_read(input, buf, sizeof buf, &len, &cli_note_input)) != 0)
        return rc;
    memset(&report, 0, sizeof report);
    sp_err e = sp_statement_verify(&policy, buf, len, sp_sodium_crypto(), &work, &st, &report,
                                   &line);
    if (e != SP_OK) {
        rc = cli_error_in_report(e, where, line, NULL);
        if (!json)
            cli_print_report(stderr, &policy, buf, len, &report);
    }
    if (json) {
        print_json_report(&policy, &st, e, buf, len, &report);
        return cli_exit_status(e);
    }
    if (e != SP_OK)
        return rc;
    char when[SP_UTC_BYTES];
    printf("accepted: %s epoch %llu (start %s), mode %s", st.deployment,
           (unsigned long long)st.epoch, sp_utc_format(when, st.start), cli_mode_name(st.mode));
    if (st.mode == SP_MODE_THROTTLE)
        printf(" %u permille", (unsigned)st.permille);
    putchar('\n');
    cli_print_report(stdout, &policy, buf, len, &report);
    return EXIT_OK;
}

int cmd_statement(int argc, char **argv)
{
    const char *policy_path = NULL, *epoch = NULL, *mode = NULL, *pos[MAX_COLLECT];
    size_t npos;
    int json = 0, allow_future = 0, partial = 0;
    const cli_opt new_opts[] = {{"--policy", 1, &policy_path, NULL, NULL, NULL, 0},
                                {"--epoch", 1, &epoch, NULL, NULL, NULL, 0},
                                {"--mode", 1, &mode, NULL, NULL, NULL, 0},
                                {"--json", 0, NULL, &json, NULL, NULL, 0},
                                {"--allow-future", 0, NULL, &allow_future, NULL, NULL, 0},
                                CLI_END};
    const cli_opt collect_opts[] = {{"--policy", 1, &policy_path, NULL, NULL, NULL, 0},
                                    {"--json", 0, NULL, &json, NULL, NULL, 0},
                                    {"--partial", 0, NULL, &partial, NULL, NULL, 0},
                                    CLI_END};
    const cli_opt verify_opts[] = {{"--policy", 1, &policy_path, NULL, NULL, NULL, 0},
                                   {"--json", 0, NULL, &json, NULL, NULL, 0},
                                   CLI_END};
    static const char *const subs[] = {"new", "collect", "verify", NULL};
    const cli_opt *const sub_opts[] = {new_opts, collect_opts, verify_opts};

    int sub = cli_subcommand(argc, argv, statement_usage, "statement", subs);
    if (sub < 0)
        return -1 - sub;
    cli_parse(argc - 1, argv + 1, cli_sub_name(), sub_opts[sub], pos, MAX_COLLECT, &npos,
              statement_usage);
    if (sp_sodium_init() != SP_OK)
        return cli_error(SP_ERR_CRYPTO, NULL, 0, "libsodium failed to start");
    if (sub == 0 && npos == 0)
        return statement_new(policy_path, epoch, mode, allow_future, json);
    if (sub == 1)
        return statement_collect(policy_path, json, partial, pos, npos);
    if (sub == 2 && npos <= 1)
        return statement_verify(policy_path, json, npos ? pos[0] : NULL);
    return cli_bad_args(statement_usage);
}
