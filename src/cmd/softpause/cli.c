/*
 * cli.c -- shared command-line plumbing (cli.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dacc/utf8.h"
#include "softpause/encoding.h"
#include "softpause/host/bundle_make.h"
#include "softpause/host/fileio.h"
#include "softpause/host/http.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/utc.h"
#include "softpause/note.h"
#include "softpause/update.h"

int cli_exit_status(sp_err e)
{
    switch (e) {
    case SP_OK:
        return EXIT_OK;
    case SP_ERR_USAGE:
        return EXIT_USAGE;
    case SP_ERR_IO:
    case SP_ERR_EXISTS:
    case SP_ERR_FILE_FORMAT:
    case SP_ERR_DB:
    case SP_ERR_DISK_FULL:
    case SP_ERR_HTTP:
    case SP_ERR_DEV_BUSY:
        return EXIT_IO;
    default:
        return EXIT_REJECTED;
    }
}

/* The last failure, for JSON: its name and the text after "NAME: ". */
static struct {
    int json;
    void (*members)(dacc_json *j);
    char message[2048];
    size_t where_len;      /* message starts with "FILE[:LINE]: " of this length */
    int stdout_errno;      /* first failure writing stdout */
    int stdout_reported;
} cli;

int cli_json_mode(void)
{
    return cli.json;
}

void cli_json_failure_members(void (*add)(dacc_json *j))
{
    cli.members = add;
}

void cli_json_error_members(dacc_json *j, sp_err e)
{
    dacc_json_key(j, "error");
    if (e == SP_OK)
        dacc_json_null(j);
    else
        dacc_json_string(j, sp_err_name(e));
    dacc_json_key(j, "message");
    if (e == SP_OK)
        dacc_json_null(j);
    else
        dacc_json_string(j, cli.message);
}

void cli_json_begin(dacc_json *j)
{
    dacc_json_init(j, stdout);
    dacc_json_object_begin(j);
}

void cli_json_end(dacc_json *j)
{
    dacc_json_object_end(j);
    (void)dacc_json_end(j);
}

/* Append to the message, truncating silently (it is a diagnostic). */
static void message_vadd(size_t *n, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void message_vadd(size_t *n, const char *fmt, va_list ap)
{
    if (*n >= sizeof cli.message - 1)
        return;
    int k = vsnprintf(cli.message + *n, sizeof cli.message - *n, fmt, ap);
    if (k > 0)
        *n += (size_t)k < sizeof cli.message - *n ? (size_t)k : sizeof cli.message - 1 - *n;
}

static void message_add(size_t *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void message_add(size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    message_vadd(n, fmt, ap);
    va_end(ap);
}

/* Print "softpause: error: NAME: TEXT" on stderr and, in JSON mode unless the caller
 * reports it itself, {members..., "error":NAME, "message":TEXT} on stdout. */
static int report(sp_err e, int json_object)
{
    /* Escaped once, whole: file names and details may carry names from inputs (control
     * characters, bidi overrides, bytes that are not UTF-8).  JSON escapes the same. */
    char where[4 * sizeof cli.message], rest[4 * sizeof cli.message];
    size_t len = strlen(cli.message);
    fprintf(stderr, "softpause: error: %s%s: %s\n",
            dacc_utf8_escape(where, sizeof where, cli.message, cli.where_len), sp_err_name(e),
            dacc_utf8_escape(rest, sizeof rest, cli.message + cli.where_len,
                             len - cli.where_len));
    if (cli.json && json_object) {
        dacc_json j;
        cli_json_begin(&j);
        if (cli.members != NULL)
            cli.members(&j);
        cli_json_error_members(&j, e);
        cli_json_end(&j);
    }
    return cli_exit_status(e);
}

static int verror(int json_object, sp_err e, const char *file, uint32_t line,
                  const char *detail_fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static int verror(int json_object, sp_err e, const char *file, uint32_t line,
                  const char *detail_fmt, va_list ap)
{
    size_t n = 0;
    cli.message[0] = '\0';
    if (file != NULL && line != 0)
        message_add(&n, "%s:%u: ", file, (unsigned)line);
    else if (file != NULL)
        message_add(&n, "%s: ", file);
    cli.where_len = n;
    message_add(&n, "%s", sp_err_message(e));
    if (detail_fmt != NULL) {
        message_add(&n, ": ");
        message_vadd(&n, detail_fmt, ap);
    }
    if (e == SP_ERR_IO && file != NULL)
        message_add(&n, " (%s)", sp_file_last_error());
    return report(e, json_object);
}

sp_err cli_err_named(const char *text, sp_err fallback)
{
    static const sp_err all[] = {
#define SP_X_VALUE(name, value, msg) name,
        SP_ERROR_LIST(SP_X_VALUE)
#undef SP_X_VALUE
    };
    size_t n = strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strlen(sp_err_name(all[i])) == n && strncmp(text, sp_err_name(all[i]), n) == 0)
            return all[i];
    return fallback;
}

int cli_error(sp_err e, const char *file, uint32_t line, const char *detail_fmt, ...)
{
    va_list ap;
    va_start(ap, detail_fmt);
    int st = verror(1, e, file, line, detail_fmt, ap);
    va_end(ap);
    return st;
}

int cli_error_in_report(sp_err e, const char *file, uint32_t line, const char *detail_fmt, ...)
{
    va_list ap;
    va_start(ap, detail_fmt);
    int st = verror(0, e, file, line, detail_fmt, ap);
    va_end(ap);
    return st;
}

int cli_usage(const char *fmt, ...)
{
    va_list ap;
    size_t n = 0;
    va_start(ap, fmt);
    cli.where_len = 0;
    message_vadd(&n, fmt, ap);
    va_end(ap);
    /* The usage line keeps its established form: "softpause: error: TEXT". */
    char shown[4 * sizeof cli.message];
    fprintf(stderr, "softpause: error: %s\n",
            dacc_utf8_escape(shown, sizeof shown, cli.message, strlen(cli.message)));
    if (cli.json) {
        dacc_json j;
        cli_json_begin(&j);
        cli_json_error_members(&j, SP_ERR_USAGE);
        cli_json_end(&j);
    }
    return EXIT_USAGE;
}

const char *cli_shown(char *out, size_t cap, const char *s, size_t n)
{
    return dacc_utf8_escape(out, cap, s, n);
}

const char *cli_shown_path(const char *path)
{
    static char shown[6 * 4096 + 4];
    return cli_shown(shown, sizeof shown, path, strlen(path));
}

static void usage_exit(const char *usage, int status)
{
    fputs(usage, status == 0 ? stdout : stderr);
    exit(cli_finish(status));
}

/* "--a ARG, --b" into f: the options a subcommand takes. */
static void print_options(FILE *f, const char *name, const cli_opt *opts)
{
    fprintf(f, "options of %s:", name);
    if (opts == NULL || opts->name == NULL)
        fputs(" none", f);
    for (const cli_opt *p = opts; p != NULL && p->name != NULL; p++)
        fprintf(f, "%s %s%s", p == opts ? "" : ",", p->name, p->has_arg ? " ARG" : "");
    fputc('\n', f);
}

static const cli_opt *find_opt(const cli_opt *opts, const char *a, size_t nl)
{
    for (const cli_opt *p = opts; p != NULL && p->name != NULL; p++)
        if (strncmp(a, p->name, nl) == 0 && p->name[nl] == '\0')
            return p;
    return NULL;
}

void cli_parse(int argc, char **argv, const char *name, const cli_opt *opts, const char **pos,
               size_t max_pos, size_t *npos, const char *usage)
{
    int only_positional = 0;
    unsigned char given[64] = {0}; /* one-value options seen (a second would be ignored) */
    *npos = 0;
    /* JSON mode first, so that every error of this run, even one about an earlier
     * argument, is a JSON object. */
    for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--json") == 0 && find_opt(opts, "--json", 6) != NULL)
            cli.json = 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (only_positional || a[0] != '-' || strcmp(a, "-") == 0) {
            if (*npos >= max_pos) {
                cli_usage("%s: unexpected argument '%s'", name, a);
                usage_exit(usage, EXIT_USAGE);
            }
            pos[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            print_options(stdout, name, opts);
            exit(cli_finish(EXIT_OK));
        }
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        const cli_opt *o = find_opt(opts, a, nl);
        if (o == NULL) {
            cli_usage("%s takes no option '%.*s'", name, (int)nl, a);
            print_options(stderr, name, opts);
            exit(cli_finish(EXIT_USAGE));
        }
        const char *val = NULL;
        if (o->has_arg) {
            if (eq != NULL)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else {
                cli_usage("option %s needs a value", o->name);
                usage_exit(usage, EXIT_USAGE);
            }
        } else if (eq != NULL) {
            cli_usage("option %s takes no value", o->name);
            usage_exit(usage, EXIT_USAGE);
        }
        if (o->flag != NULL)
            *o->flag = 1;
        if (o->value != NULL) {
            size_t k = (size_t)(o - opts);
            if (k < sizeof given && given[k]) { /* last-wins would silently drop the first */
                cli_usage("option %s given twice", o->name);
                usage_exit(usage, EXIT_USAGE);
            }
            if (k < sizeof given)
                given[k] = 1;
            *o->value = val;
        }
        if (o->list != NULL) {
            if (*o->count >= o->max) {
                cli_usage("too many %s options (at most %zu)", o->name, o->max);
                usage_exit(usage, EXIT_USAGE);
            }
            o->list[(*o->count)++] = val;
        }
    }
}

const cli_input cli_note_input = {"a note", "empty note", SP_MAX_NOTE_BYTES,
                                  SP_ERR_NOTE_TOO_LARGE, SP_ERR_NOTE_TEXT};
const cli_input cli_policy_input = {"a policy", "empty policy", SP_MAX_POLICY_BYTES,
                                    SP_ERR_POLICY_LIMIT, SP_ERR_POLICY_FORMAT};
const cli_input cli_witness_policy_input = {"a witness policy file", "empty witness policy file",
                                            SP_MAX_POLICY_BYTES, SP_ERR_POLICY_LIMIT,
                                            SP_ERR_POLICY_FORMAT};
const cli_input cli_bundle_input = {"a bundle", "empty bundle", SP_MAX_BUNDLE_BYTES,
                                    SP_ERR_PROOF_FORMAT, SP_ERR_PROOF_FORMAT};

int cli_too_large(const char *file, const cli_input *what, size_t size)
{
    struct stat st;
    if (size == 0 && file != NULL && strcmp(file, "<stdin>") != 0 && stat(file, &st) == 0 &&
        S_ISREG(st.st_mode))
        size = (size_t)st.st_size;
    if (size > what->limit)
        return cli_error(what->too_large, file, 0, "%s is at most %zu bytes, this one is %zu",
                         what->name, what->limit, size);
    return cli_error(what->too_large, file, 0, "%s is at most %zu bytes, this one is larger",
                     what->name, what->limit);
}

int cli_read(const char *path, uint8_t *buf, size_t cap, size_t *len, const cli_input *what)
{
    const char *p = path == NULL ? "-" : path;
    const char *shown = strcmp(p, "-") == 0 ? "<stdin>" : p;
    /* read at most the object's own limit: a larger buffer must not raise it */
    sp_err e = sp_file_read(p, buf, cap < what->limit ? cap : what->limit, len);
    if (e == SP_ERR_BUFFER_TOO_SMALL)
        return cli_too_large(shown, what, 0);
    if (e != SP_OK)
        return cli_error(e, shown, 0, NULL);
    /* Nothing at all is not a malformed object: say so, whatever the parser would trip on
     * first (a missing final newline, for a note). */
    if (*len == 0)
        return cli_error(what->empty, shown, 0, "%s", what->empty_text);
    return EXIT_OK;
}

int cli_load_policy(const char *path, sp_policy *policy, uint8_t *bytes, size_t cap,
                    size_t *len)
{
    uint32_t line = 0;
    int st;
    if (path == NULL)
        return cli_usage("--policy FILE is required");
    if ((st = cli_read(path, bytes, cap, len, &cli_policy_input)) != EXIT_OK)
        return st;
    sp_err e = sp_sodium_init();
    if (e == SP_OK)
        e = sp_policy_parse(policy, bytes, *len, sp_sodium_crypto(), &line);
    if (e != SP_OK)
        return cli_error(e, path, line, NULL);
    return EXIT_OK;
}

int cli_number_range(const char *text, uint64_t min, uint64_t max, uint64_t *out,
                     const char *what)
{
    sp_err e = sp_decimal_parse(out, text, strlen(text), max);
    if (e != SP_OK || *out < min) /* (cli_usage escapes the text it prints) */
        return cli_usage("%s: expected a decimal number %llu..%llu, got '%s'", what,
                         (unsigned long long)min, (unsigned long long)max, text);
    return EXIT_OK;
}

int cli_number(const char *text, uint64_t max, uint64_t *out, const char *what)
{
    return cli_number_range(text, 0, max, out, what);
}

int cli_time(const char *text, uint64_t *out, const char *what)
{
    if (sp_decimal_parse(out, text, strlen(text), SP_MAX_TIME) == SP_OK)
        return EXIT_OK;
    if (sp_utc_parse(text, out) == 0 && *out <= SP_MAX_TIME)
        return EXIT_OK;
    *out = 0;
    return cli_usage("%s: expected Unix seconds 0..%llu or an ISO 8601 UTC time "
                     "YYYY-MM-DDTHH:MM:SSZ (a real date, 1970..9999), got '%s'",
                     what, (unsigned long long)SP_MAX_TIME, text);
}

const char *cli_hex(char out[65], const uint8_t *p, size_t n)
{
    out[0] = '\0';
    if (n <= 32 && sp_hex_encode(out, 64, p, n) == SP_OK)
        out[2 * n] = '\0';
    return out;
}

unsigned cli_permille(uint32_t mode, uint32_t permille)
{
    return mode == SP_MODE_RUN ? 1000u : mode == SP_MODE_THROTTLE ? (unsigned)permille : 0u;
}

const char *cli_mode_name(uint32_t mode)
{
    switch (mode) {
    case SP_MODE_RUN:
        return "run";
    case SP_MODE_THROTTLE:
        return "throttle";
    default:
        return "pause";
    }
}

int cli_sign_error(sp_err e, const char *where, uint32_t line, const sp_sign_guard *g,
                   const sp_sign_report *rep)
{
    char when[SP_UTC_BYTES], clock[SP_UTC_BYTES], mode[32];
    const sp_statement *r = &rep->recorded;
    if (e == SP_ERR_EQUIVOCATION && r->type == SP_STMT_POLICY_UPDATE)
        return cli_error(e, where, 0, "policy update version %llu already signed (another "
                                      "text, or this version is below it); record %s",
                         (unsigned long long)r->epoch, rep->record_path);
    if (e == SP_ERR_EQUIVOCATION) {
        if (r->mode == SP_MODE_THROTTLE)
            snprintf(mode, sizeof mode, "throttle %u", (unsigned)r->permille);
        else
            snprintf(mode, sizeof mode, "%s", cli_mode_name(r->mode));
        return cli_error(e, where, 0, "epoch %llu already signed, mode %s; record %s",
                         (unsigned long long)r->epoch, mode, rep->record_path);
    }
    if (e == SP_ERR_SIGN_FUTURE)
        return cli_error(e, where, 0, "epoch %llu starts %s, more than %llu s (--max-ahead) "
                                      "after the host clock, %s",
                         (unsigned long long)rep->statement.epoch,
                         sp_utc_format(when, rep->statement.start),
                         (unsigned long long)g->max_ahead, sp_utc_format(clock, g->now));
    if (rep->why != NULL)
        return cli_error(e, rep->state_dir[0] ? rep->state_dir : NULL, 0, "%s", rep->why);
    if (rep->record_path[0] != '\0')
        return cli_error(e, rep->record_path, 0, "signing record");
    return cli_error(e, where, line, NULL);
}

static const char *line_status_name(uint8_t s)
{
    switch (s) {
    case SP_LINE_VERIFIED:
        return "valid";
    case SP_LINE_DUPLICATE:
        return "valid, key already counted (ignored)";
    case SP_LINE_INVALID:
        return "INVALID signature (ignored)";
    case SP_LINE_UNKNOWN:
        return "not a policy key (ignored)";
    default:
        return "not checked";
    }
}

void cli_print_report(FILE *f, const sp_policy *policy, const uint8_t *note, size_t len,
                      const sp_quorum_report *r)
{
    static sp_note parsed;
    if (sp_note_parse(&parsed, note, len, NULL) != SP_OK)
        return;
    for (uint32_t i = 0; i < parsed.sig_count && i < r->line_count; i++) {
        const sp_note_sig *s = &parsed.sigs[i];
        char name[CLI_SHOWN_NAME];
        fprintf(f, "  line %u: %s %08x: %s\n", (unsigned)i + 1,
                cli_shown(name, sizeof name, (const char *)note + s->name_offset, s->name_len),
                (unsigned)s->key_id, line_status_name(r->line_status[i]));
    }
    fprintf(f, "  distinct policy keys with a valid signature: %u of %u\n",
            (unsigned)r->distinct_keys, (unsigned)policy->signer_count);
    if (r->failed_rule < policy->rule_count) {
        char rule[CLI_RULE_TEXT];
        fprintf(f, "  %s\n", cli_rule_unmet(rule, policy, r->failed_rule));
    }
}

const char *cli_rule_unmet(char out[CLI_RULE_TEXT], const sp_policy *policy, uint32_t i)
{
    const sp_rule *rule = &policy->rules[i];
    char tag[CLI_SHOWN_NAME];
    if (rule->kind == SP_SET_TAG)
        (void)cli_shown(tag, sizeof tag, policy->tags[rule->tag], strlen(policy->tags[rule->tag]));
    snprintf(out, CLI_RULE_TEXT, "rule %u not met: at least %u of %s%s", (unsigned)i + 1,
             (unsigned)rule->k,
             rule->kind == SP_SET_ALL   ? "all signers"
             : rule->kind == SP_SET_TAG ? "tag "
                                        : "the listed signers",
             rule->kind == SP_SET_TAG ? tag : "");
    return out;
}

void cli_print_bundle_report(FILE *f, const sp_policy *policy, const uint8_t *leaf,
                             const sp_bundle_report *r)
{
    const sp_wpolicy *wp = &policy->witness;
    if (!r->checkpoint_verified) {
        fputs("  checkpoint: not verified (see the error above)\n", f);
        return;
    }
    char a[CLI_SHOWN_NAME], b[CLI_SHOWN_NAME], when[SP_UTC_BYTES];
    fprintf(f, "  checkpoint: %s, %llu entries; statement at index %llu\n",
            cli_shown(a, sizeof a, r->checkpoint.origin, strlen(r->checkpoint.origin)),
            (unsigned long long)r->checkpoint.size, (unsigned long long)r->index);
    for (uint32_t w = 0; w < wp->witness_count; w++)
        if (r->witnesses.cosigned & (1u << w))
            fprintf(f, "  cosigned by %s (%s) at %s\n",
                    cli_shown(a, sizeof a, wp->witnesses[w].name, strlen(wp->witnesses[w].name)),
                    cli_shown(b, sizeof b, wp->witnesses[w].key.name, wp->witnesses[w].key.name_len),
                    sp_utc_format(when, r->witnesses.cosig_time[w]));
    if (r->witnesses.quorum_met)
        fprintf(f, "  witness quorum met; attested time %s\n",
                sp_utc_format(when, r->witnesses.quorum_time));
    if (r->quorum.line_count > 0)
        cli_print_report(f, policy, leaf, r->leaf_len, &r->quorum);
}

void cli_json_bundle_report(dacc_json *j, const sp_policy *policy, const sp_bundle_report *r,
                            sp_err e, const sp_statement *st)
{
    char hex[65];
    dacc_json_key(j, "accepted");
    dacc_json_bool(j, e == SP_OK);
    cli_json_error_members(j, e);
    dacc_json_key(j, "checkpoint_verified");
    dacc_json_bool(j, r->checkpoint_verified != 0);
    if (r->checkpoint_verified) {
        dacc_json_key(j, "origin");
        dacc_json_string(j, r->checkpoint.origin);
        dacc_json_key(j, "tree_size");
        dacc_json_uint(j, r->checkpoint.size);
        dacc_json_key(j, "root");
        dacc_json_string(j, cli_hex(hex, r->checkpoint.root, 32));
        dacc_json_key(j, "index");
        dacc_json_uint(j, r->index);
        dacc_json_key(j, "witnesses");
        dacc_json_array_begin(j);
        for (uint32_t w = 0; w < policy->witness.witness_count; w++) {
            if (!(r->witnesses.cosigned & (1u << w)))
                continue;
            dacc_json_object_begin(j);
            dacc_json_key(j, "name");
            dacc_json_string(j, policy->witness.witnesses[w].name);
            dacc_json_key(j, "time");
            dacc_json_uint(j, r->witnesses.cosig_time[w]);
            dacc_json_object_end(j);
        }
        dacc_json_array_end(j);
        dacc_json_key(j, "attested_time");
        dacc_json_uint(j, r->witnesses.quorum_time);
    }
    if (e == SP_OK && st != NULL) {
        dacc_json_key(j, "epoch");
        dacc_json_uint(j, st->epoch);
        dacc_json_key(j, "mode");
        dacc_json_string(j, cli_mode_name(st->mode));
    }
}

void cli_print_update_accepted(FILE *f, const sp_update *u)
{
    char hex[65];
    fprintf(f, "accepted: policy update %s version %llu (new policy %s)%s\n", u->deployment,
            (unsigned long long)u->version, cli_hex(hex, u->new_policy_hash, 32),
            u->time_reset ? ", time-reset" : "");
}

void cli_json_update_members(dacc_json *j, const sp_update *u)
{
    char hex[65];
    dacc_json_key(j, "version");
    dacc_json_uint(j, u->version);
    dacc_json_key(j, "new_policy");
    dacc_json_string(j, cli_hex(hex, u->new_policy_hash, 32));
    dacc_json_key(j, "time_reset");
    dacc_json_bool(j, u->time_reset != 0);
}

int cli_parse_listen(const char *text, const char *what, char *host, size_t cap,
                     uint16_t *port)
{
    const char *colon = strrchr(text, ':');
    const char *h = text;
    uint64_t p = 0;
    size_t n;
    if (colon == NULL)
        return cli_usage("%s: expected ADDR:PORT, got '%s'", what, text);
    if (cli_number(colon + 1, 65535, &p, what) != EXIT_OK)
        return EXIT_USAGE; /* (printed) */
    n = (size_t)(colon - text);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= cap)
        return cli_usage("%s: expected ADDR:PORT, got '%s'", what, text);
    memcpy(host, h, n);
    host[n] = '\0';
    *port = (uint16_t)p;
    return EXIT_OK;
}

/* (the usage texts of log serve and witness serve quote these numbers) */
_Static_assert(SP_HTTP_MAX_CONNS == 512u && SP_HTTP_MAX_CONNS_PER_ADDRESS == 32u &&
                   SP_HTTP_REQUEST_DEADLINE_MS == 10000u,
               "usage texts");

int cli_max_conns_per_address(const char *text, uint32_t *out)
{
    uint64_t n = SP_HTTP_MAX_CONNS_PER_ADDRESS;
    int rc = text == NULL ? EXIT_OK
                          : cli_number_range(text, 1, SP_HTTP_MAX_CONNS, &n,
                                             "--max-conns-per-address");
    *out = (uint32_t)n;
    return rc;
}

/* Room for all a one-shot command prints (a bundle is the largest). */
static char stdout_buf[4 * SP_MAX_BUNDLE_BYTES];

void cli_stdout_setup(void)
{
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
    /* Past a file-size limit (ulimit -f), write() must fail with EFBIG, which is reported,
     * instead of the default SIGXFSZ killing the process halfway through a file; and a
     * reader that closed the pipe is EPIPE, reported the same way (exit 3), instead of
     * SIGPIPE killing the process without a word. */
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
}

static void stdout_record(int err)
{
    if (cli.stdout_errno == 0)
        cli.stdout_errno = err != 0 ? err : EIO;
}

/* Report the recorded failure once; EXIT_IO. */
static int stdout_failed(void)
{
    if (!cli.stdout_reported) {
        cli.stdout_reported = 1;
        cli.json = 0; /* no JSON: stdout is what failed */
        (void)sp_file_fail(cli.stdout_errno);
        cli_error(SP_ERR_IO, "<stdout>", 0, "cannot write the output");
    }
    return EXIT_IO;
}

int cli_flush(void)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        stdout_record(errno);
        return -1;
    }
    return 0;
}

int cli_finish(int status)
{
    int failed = cli_flush() != 0 || cli.stdout_errno != 0;
    errno = 0;
    /* close() reports what a delayed write-back found (NFS); EBADF only means stdout was
     * closed before we started, which matters only if something was written (above). */
    if (fclose(stdout) != 0 && errno != EBADF) {
        stdout_record(errno);
        failed = 1;
    }
    if (!failed)
        return status;
    int st = stdout_failed();
    return status == EXIT_OK ? st : status;
}

int cli_announce_listening(const char *name, const char *host, uint16_t port,
                           const char *port_file)
{
    int v6 = strchr(host, ':') != NULL;
    printf("%s: listening on http://%s%s%s:%u\n", name, v6 ? "[" : "", host, v6 ? "]" : "",
           (unsigned)port);
    if (cli_flush() != 0)
        return stdout_failed(); /* nobody saw the line: stop */
    if (port_file != NULL) {
        char text[16];
        int n = snprintf(text, sizeof text, "%u\n", (unsigned)port);
        sp_err e = sp_file_write_atomic(port_file, text, (size_t)n, 0644, 1);
        if (e != SP_OK)
            return cli_error(e, port_file, 0, "cannot write the port file");
    }
    return EXIT_OK;
}

static char sub_name[64];

const char *cli_sub_name(void)
{
    return sub_name;
}

int cli_subcommand(int argc, char **argv, const char *usage, const char *command,
                   const char *const *subs)
{
    if (argc < 1) {
        fputs(usage, stderr);
        return -1 - EXIT_USAGE;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(usage, stdout);
        return -1 - EXIT_OK;
    }
    for (int i = 0; subs[i] != NULL; i++)
        if (strcmp(argv[0], subs[i]) == 0) {
            snprintf(sub_name, sizeof sub_name, "%s %s", command, subs[i]);
            return i;
        }
    cli_usage("unknown %s command '%s'", command, argv[0]);
    fputs(usage, stderr);
    return -1 - EXIT_USAGE;
}

int cli_bad_args(const char *usage)
{
    cli_usage("%s: wrong number of arguments", sub_name);
    fputs(usage, stderr);
    return EXIT_USAGE;
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_log_submit(const char *log, const uint8_t *note, size_t len, const char *input,
                   const char *what, uint64_t *index)
{
    char reply[1024];
    int status = 0;
    sp_err e = sp_log_submit(log, note, len, 30000, &status, reply, sizeof reply);
    *index = 0;
    if (e != SP_OK)
        return cli_error(e, log, 0, "log unreachable");
    reply[strcspn(reply, "\n")] = '\0';
    if (status != 200) {
        (void)cli_error(cli_err_named(reply, SP_ERR_HTTP), input, 0,
                        "the log refused the %s (HTTP %d): %s", what, status, reply);
        return EXIT_REJECTED;
    }
    if (cli_number(reply, UINT64_MAX, index, "the log's index") != EXIT_OK)
        return EXIT_IO;
    return EXIT_OK;
}

void cli_wait_start(cli_wait *w, uint64_t timeout)
{
    w->start = monotonic_seconds();
    w->delay = 0.2;
    w->timeout = timeout;
}

int cli_wait_more(cli_wait *w, double *waited_out)
{
    double waited = monotonic_seconds() - w->start;
    if (waited_out != NULL)
        *waited_out = waited;
    if (waited >= (double)w->timeout)
        return 0;
    double delay = w->delay > (double)w->timeout - waited ? (double)w->timeout - waited
                                                          : w->delay;
    struct timespec ts = {(time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9)};
    nanosleep(&ts, NULL);
    w->delay = w->delay * 2 > 5.0 ? 5.0 : w->delay * 2;
    return 1;
}
