/*
 * cli.c -- shared command-line plumbing (cli.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "softpause/encoding.h"
#include "softpause/host/fileio.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/note.h"

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
    case SP_ERR_HTTP:
    case SP_ERR_DEV_BUSY:
        return EXIT_IO;
    default:
        return EXIT_REJECTED;
    }
}

int cli_error(sp_err e, const char *file, uint32_t line, const char *detail_fmt, ...)
{
    fputs("softpause: error: ", stderr);
    if (file != NULL && line != 0)
        fprintf(stderr, "%s:%u: ", file, (unsigned)line);
    else if (file != NULL)
        fprintf(stderr, "%s: ", file);
    fprintf(stderr, "%s: %s", sp_err_name(e), sp_err_message(e));
    if (detail_fmt != NULL) {
        va_list ap;
        va_start(ap, detail_fmt);
        fputs(": ", stderr);
        vfprintf(stderr, detail_fmt, ap);
        va_end(ap);
    }
    if (e == SP_ERR_IO && file != NULL)
        fprintf(stderr, " (%s)", sp_file_last_error());
    fputc('\n', stderr);
    return cli_exit_status(e);
}

static void usage_exit(const char *usage, int status)
{
    fputs(usage, status == 0 ? stdout : stderr);
    exit(status);
}

void cli_parse(int argc, char **argv, const cli_opt *opts, const char **pos, size_t max_pos,
               size_t *npos, const char *usage)
{
    int only_positional = 0;
    *npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (only_positional || a[0] != '-' || strcmp(a, "-") == 0) {
            if (*npos >= max_pos) {
                fprintf(stderr, "softpause: error: unexpected argument '%s'\n", a);
                usage_exit(usage, EXIT_USAGE);
            }
            pos[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            usage_exit(usage, EXIT_OK);
        const cli_opt *o = NULL;
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        for (const cli_opt *p = opts; p != NULL && p->name != NULL; p++)
            if (strncmp(a, p->name, nl) == 0 && p->name[nl] == '\0')
                o = p;
        if (o == NULL) {
            fprintf(stderr, "softpause: error: unknown option '%.*s'\n", (int)nl, a);
            usage_exit(usage, EXIT_USAGE);
        }
        const char *val = NULL;
        if (o->has_arg) {
            if (eq != NULL)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else {
                fprintf(stderr, "softpause: error: option %s needs a value\n", o->name);
                usage_exit(usage, EXIT_USAGE);
            }
        } else if (eq != NULL) {
            fprintf(stderr, "softpause: error: option %s takes no value\n", o->name);
            usage_exit(usage, EXIT_USAGE);
        }
        if (o->flag != NULL)
            *o->flag = 1;
        if (o->value != NULL)
            *o->value = val;
        if (o->list != NULL) {
            if (*o->count >= o->max) {
                fprintf(stderr, "softpause: error: too many %s options (at most %zu)\n",
                        o->name, o->max);
                usage_exit(usage, EXIT_USAGE);
            }
            o->list[(*o->count)++] = val;
        }
    }
}

int cli_read(const char *path, uint8_t *buf, size_t cap, size_t *len, sp_err too_large)
{
    const char *p = path == NULL ? "-" : path;
    sp_err e = sp_file_read(p, buf, cap, len);
    if (e == SP_ERR_BUFFER_TOO_SMALL)
        return cli_error(too_large, strcmp(p, "-") == 0 ? "<stdin>" : p, 0,
                         "input larger than %zu bytes", cap);
    if (e != SP_OK)
        return cli_error(e, strcmp(p, "-") == 0 ? "<stdin>" : p, 0, NULL);
    return EXIT_OK;
}

int cli_load_policy(const char *path, sp_policy *policy, uint8_t *bytes, size_t cap,
                    size_t *len)
{
    uint32_t line = 0;
    int st;
    if (path == NULL) {
        fprintf(stderr, "softpause: error: --policy FILE is required\n");
        return EXIT_USAGE;
    }
    if ((st = cli_read(path, bytes, cap, len, SP_ERR_POLICY_LIMIT)) != EXIT_OK)
        return st;
    sp_err e = sp_sodium_init();
    if (e == SP_OK)
        e = sp_policy_parse(policy, bytes, *len, sp_sodium_crypto(), &line);
    if (e != SP_OK)
        return cli_error(e, path, line, NULL);
    return EXIT_OK;
}

int cli_number(const char *text, uint64_t max, uint64_t *out, const char *what)
{
    sp_err e = sp_decimal_parse(out, text, strlen(text), max);
    if (e != SP_OK) {
        fprintf(stderr, "softpause: error: %s: expected a decimal number 0..%llu, got '%s'\n",
                what, (unsigned long long)max, text);
        return EXIT_USAGE;
    }
    return EXIT_OK;
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
        fprintf(f, "  line %u: %.*s %08x: %s\n", (unsigned)i + 1, (int)s->name_len,
                (const char *)note + s->name_offset, (unsigned)s->key_id,
                line_status_name(r->line_status[i]));
    }
    fprintf(f, "  distinct policy keys with a valid signature: %u of %u\n",
            (unsigned)r->distinct_keys, (unsigned)policy->signer_count);
    if (r->failed_rule < policy->rule_count) {
        const sp_rule *rule = &policy->rules[r->failed_rule];
        fprintf(f, "  rule %u not met: at least %u of ", (unsigned)r->failed_rule + 1,
                (unsigned)rule->k);
        if (rule->kind == SP_SET_ALL)
            fputs("all signers", f);
        else if (rule->kind == SP_SET_TAG)
            fprintf(f, "tag %s", policy->tags[rule->tag]);
        else
            fputs("the listed signers", f);
        fputc('\n', f);
    }
}

void cli_print_bundle_report(FILE *f, const sp_policy *policy, const uint8_t *leaf,
                             const sp_bundle_report *r)
{
    const sp_wpolicy *wp = &policy->witness;
    if (!r->checkpoint_verified) {
        fputs("  checkpoint: not verified (see the error above)\n", f);
        return;
    }
    fprintf(f, "  checkpoint: %s, %llu entries; statement at index %llu\n",
            r->checkpoint.origin, (unsigned long long)r->checkpoint.size,
            (unsigned long long)r->index);
    for (uint32_t w = 0; w < wp->witness_count; w++)
        if (r->witnesses.cosigned & (1u << w))
            fprintf(f, "  cosigned by %s (%s) at %llu\n", wp->witnesses[w].name,
                    wp->witnesses[w].key.name, (unsigned long long)r->witnesses.cosig_time[w]);
    if (r->witnesses.quorum_met)
        fprintf(f, "  witness quorum met; attested time %llu\n",
                (unsigned long long)r->witnesses.quorum_time);
    if (r->quorum.line_count > 0)
        cli_print_report(f, policy, leaf, r->leaf_len, &r->quorum);
}

int cli_parse_listen(const char *text, const char *what, char *host, size_t cap,
                     uint16_t *port)
{
    const char *colon = strrchr(text, ':');
    const char *h = text;
    uint64_t p = 0;
    size_t n;
    if (colon == NULL) {
        fprintf(stderr, "softpause: error: %s: expected ADDR:PORT, got '%s'\n", what, text);
        return EXIT_USAGE;
    }
    if (cli_number(colon + 1, 65535, &p, what) != EXIT_OK)
        return EXIT_USAGE; /* (printed) */
    n = (size_t)(colon - text);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= cap) {
        fprintf(stderr, "softpause: error: %s: expected ADDR:PORT, got '%s'\n", what, text);
        return EXIT_USAGE;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    *port = (uint16_t)p;
    return EXIT_OK;
}

int cli_announce_listening(const char *name, const char *host, uint16_t port,
                           const char *port_file)
{
    int v6 = strchr(host, ':') != NULL;
    printf("%s: listening on http://%s%s%s:%u\n", name, v6 ? "[" : "", host, v6 ? "]" : "",
           (unsigned)port);
    fflush(stdout);
    if (port_file != NULL) {
        char text[16];
        int n = snprintf(text, sizeof text, "%u\n", (unsigned)port);
        sp_err e = sp_file_write_atomic(port_file, text, (size_t)n, 0644, 1);
        if (e != SP_OK)
            return cli_error(e, port_file, 0, "cannot write the port file");
    }
    return EXIT_OK;
}

int cli_subcommand_start(int argc, char **argv, const char *usage)
{
    if (argc < 1) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    return CLI_CONTINUE;
}
