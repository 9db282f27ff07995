/*
 * cmd_policy.c -- `softpause policy init|check|show|hash`.
 *
 * `policy init` builds an sp_policy from options, lets the verifier validate and encode
 * it, and re-parses the result: the file it writes is exactly what every device accepts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dacc/json.h"
#include "softpause/encoding.h"
#include "softpause/host/fileio.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/policy_build.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/utc.h"

static const char policy_usage[] =
    "usage: softpause policy init --deployment NAME --genesis UNIX --epoch-length SECONDS\n"
    "                             --allowance SECONDS --signer BODY:TAGS:FILE.pub ...\n"
    "                             --rule 'K of SET' ... --witness-policy FILE\n"
    "                             [--max-staleness SECONDS] [--tag TAG ...] [--version N]\n"
    "                             [--out FILE]\n"
    "       softpause policy check [--json] POLICY\n"
    "       softpause policy show [--json] POLICY\n"
    "       softpause policy hash [--json] POLICY\n"
    "\n"
    "init   Write a canonical policy (stdout, or FILE, never overwriting).  TAGS is a\n"
    "       comma-separated list or '-'.  SET is 'all', a tag ('civil' or 'tag:civil'),\n"
    "       or 'signers:NAME,NAME'.  Example:\n"
    "         --rule '3 of all' --rule '1 of civil'\n"
    "       --witness-policy is a C2SP tlog-policy file: the logs that may publish\n"
    "       statements and the witnesses that must cosign (log, witness, group and\n"
    "       quorum lines; witness keys from 'key generate --cosigner').  It is stored\n"
    "       in canonical form and covered by the policy hash.  --max-staleness\n"
    "       (default: one epoch length) is how long after its epoch ends a statement is\n"
    "       still accepted, by witness-attested time.\n"
    "check  Exit 0 if POLICY is canonical and satisfies every invariant, else name the\n"
    "       line and the problem.\n"
    "show   Describe the policy (or --json).\n"
    "hash   Print the policy hash (hex), which every statement names.\n"
    "POLICY may also be given as --policy POLICY, as the other commands take it.\n";

static uint8_t policy_bytes[SP_MAX_POLICY_BYTES + 1];
static sp_policy policy;

#define MAX_OPT 64

/* BODY:TAGS:FILE.pub */
static int parse_signer(const char *spec, sp_policy_signer_spec *s, char *body, char *tags)
{
    const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL || c1 == spec) /* (cli_usage escapes what it prints) */
        return cli_usage("--signer '%s': expected BODY:TAGS:FILE.pub", spec);
    if ((size_t)(c1 - spec) > SP_MAX_BODY_BYTES)
        return cli_error(SP_ERR_POLICY_LIMIT, NULL, 0, "--signer: body name '%.*s' is %zu bytes, "
                         "at most %u", (int)(c1 - spec), spec, (size_t)(c1 - spec),
                         SP_MAX_BODY_BYTES);
    if ((size_t)(c2 - c1 - 1) > SP_MAX_TAGS * (SP_MAX_TAG_BYTES + 1))
        return cli_error(SP_ERR_POLICY_LIMIT, NULL, 0, "--signer '%.*s': the tag list is %zu "
                         "bytes, at most %u (%u tags of at most %u bytes)", (int)(c1 - spec), spec,
                         (size_t)(c2 - c1 - 1), SP_MAX_TAGS * (SP_MAX_TAG_BYTES + 1), SP_MAX_TAGS,
                         SP_MAX_TAG_BYTES);
    memcpy(body, spec, (size_t)(c1 - spec));
    body[c1 - spec] = '\0';
    memcpy(tags, c1 + 1, (size_t)(c2 - c1 - 1));
    tags[c2 - c1 - 1] = '\0';
    s->body = body;
    s->tags = tags;
    sp_err e = sp_vkey_load(&s->key, c2 + 1);
    if (e != SP_OK)
        return cli_error(e, c2 + 1, 0, "verifier key of signer '%s'", body);
    return EXIT_OK;
}

static int policy_init(int argc, char **argv, const char *name)
{
    const char *deployment = NULL, *genesis = NULL, *epoch_length = NULL, *allowance = NULL;
    const char *max_staleness = NULL, *witness_policy = NULL;
    const char *version = "1", *out = NULL, *signers[MAX_OPT], *rules[MAX_OPT], *tags[MAX_OPT];
    const char *pos[1];
    size_t nsigners = 0, nrules = 0, ntags = 0, npos, len;
    static sp_policy_signer_spec specs[MAX_OPT];
    static char bodies[MAX_OPT][SP_MAX_BODY_BYTES + 1];
    static char signer_tags[MAX_OPT][SP_MAX_TAGS * (SP_MAX_TAG_BYTES + 1) + 1];
    char detail[256];
    sp_policy_spec spec;
    const cli_opt opts[] = {
        {"--deployment", 1, &deployment, NULL, NULL, NULL, 0},
        {"--genesis", 1, &genesis, NULL, NULL, NULL, 0},
        {"--epoch-length", 1, &epoch_length, NULL, NULL, NULL, 0},
        {"--allowance", 1, &allowance, NULL, NULL, NULL, 0},
        {"--version", 1, &version, NULL, NULL, NULL, 0},
        {"--max-staleness", 1, &max_staleness, NULL, NULL, NULL, 0},
        {"--witness-policy", 1, &witness_policy, NULL, NULL, NULL, 0},
        {"--out", 1, &out, NULL, NULL, NULL, 0},
        {"--signer", 1, NULL, NULL, signers, &nsigners, MAX_OPT},
        {"--rule", 1, NULL, NULL, rules, &nrules, MAX_OPT},
        {"--tag", 1, NULL, NULL, tags, &ntags, MAX_OPT},
        CLI_END};
    int st;

    cli_parse(argc, argv, name, opts, pos, 0, &npos, policy_usage);
    if (deployment == NULL || genesis == NULL || epoch_length == NULL || allowance == NULL ||
        witness_policy == NULL || nsigners == 0 || nrules == 0) {
        fputs("softpause: error: policy init needs --deployment, --genesis, --epoch-length, "
              "--allowance, --witness-policy, at least one --signer and one --rule\n", stderr);
        return EXIT_USAGE;
    }
    memset(&spec, 0, sizeof spec);
    spec.deployment = deployment;
    /* the ranges sp_policy_validate enforces (policy.h, SP_POLICY_FIELD_*) */
    if ((st = cli_number_range(version, 1, SP_MAX_EPOCH, &spec.version, "--version")) ||
        (st = cli_number(genesis, SP_MAX_TIME, &spec.genesis, "--genesis")) ||
        (st = cli_number_range(epoch_length, SP_MIN_EPOCH_LENGTH, SP_MAX_EPOCH_LENGTH,
                               &spec.epoch_length, "--epoch-length")) ||
        (st = cli_number_range(allowance, 1, SP_MAX_TIME, &spec.allowance, "--allowance")))
        return st;
    spec.max_staleness = spec.epoch_length;
    if (max_staleness != NULL &&
        (st = cli_number(max_staleness, SP_MAX_STALENESS_LIMIT, &spec.max_staleness,
                         "--max-staleness")))
        return st;
    {
        static uint8_t wp_text[SP_MAX_POLICY_BYTES];
        size_t wp_len = 0;
        if ((st = cli_read(witness_policy, wp_text, sizeof wp_text, &wp_len,
                           &cli_witness_policy_input)) != EXIT_OK)
            return st;
        spec.witness_policy = wp_text;
        spec.witness_policy_len = wp_len;
    }
    for (size_t i = 0; i < nsigners; i++)
        if ((st = parse_signer(signers[i], &specs[i], bodies[i], signer_tags[i])) != EXIT_OK)
            return st;
    spec.signers = specs;
    spec.signer_count = nsigners;
    spec.tags = tags;
    spec.tag_count = ntags;
    spec.rules = rules;
    spec.rule_count = nrules;
    sp_err e = sp_policy_build(&spec, &policy, policy_bytes, sizeof policy_bytes, &len, detail,
                               sizeof detail);
    if (e != SP_OK)
        return cli_error(e, NULL, 0, "%s", detail);
    if (out == NULL) {
        fwrite(policy_bytes, 1, len, stdout);
        return EXIT_OK;
    }
    e = sp_file_write_atomic(out, policy_bytes, len, 0644, 0);
    return e == SP_OK ? EXIT_OK : cli_error(e, out, 0, NULL);
}

/* The publication part: which logs, which witnesses, what quorum. */
/* A policy string escaped for the terminal (cli_shown). */
#define SHOWN(buf, s) cli_shown(buf, sizeof buf, s, strlen(s))

static void show_witness_human(const sp_wpolicy *wp)
{
    char a[CLI_SHOWN_NAME], b[CLI_SHOWN_NAME], u[6 * SP_MAX_URL_BYTES + 4];
    printf("logs (%u):\n", (unsigned)wp->log_count);
    for (uint32_t l = 0; l < wp->log_count; l++)
        printf("  %s  key %08x%s%s\n", SHOWN(a, wp->logs[l].key.name),
               (unsigned)wp->logs[l].key.key_id, wp->logs[l].url[0] ? "  " : "",
               SHOWN(u, wp->logs[l].url));
    printf("witnesses (%u):\n", (unsigned)wp->witness_count);
    for (uint32_t w = 0; w < wp->witness_count; w++)
        printf("  %-12s key %s %08x%s%s\n", SHOWN(a, wp->witnesses[w].name),
               SHOWN(b, wp->witnesses[w].key.name), (unsigned)wp->witnesses[w].key.key_id,
               wp->witnesses[w].url[0] ? "  " : "", SHOWN(u, wp->witnesses[w].url));
    for (uint32_t g = 0; g < wp->group_count; g++) /* (group names may hold any high byte) */
        printf("  group %s: %u of %u\n", SHOWN(a, wp->groups[g].name), (unsigned)wp->groups[g].k,
               (unsigned)wp->groups[g].n);
    printf("witness quorum: %s\n",
           SHOWN(a, wp->quorum_kind == SP_QUORUM_GROUP ? wp->groups[wp->quorum_index].name
                    : wp->quorum_kind == SP_QUORUM_WITNESS ? wp->witnesses[wp->quorum_index].name
                                                           : "none"));
}

static void show_witness_json(dacc_json *j, const sp_wpolicy *wp)
{
    char id[9];
    dacc_json_key(j, "logs");
    dacc_json_array_begin(j);
    for (uint32_t l = 0; l < wp->log_count; l++) {
        snprintf(id, sizeof id, "%08x", (unsigned)wp->logs[l].key.key_id);
        dacc_json_object_begin(j);
        dacc_json_key(j, "origin");
        dacc_json_string(j, wp->logs[l].key.name);
        dacc_json_key(j, "key_id");
        dacc_json_string(j, id);
        dacc_json_key(j, "url");
        dacc_json_string(j, wp->logs[l].url);
        dacc_json_object_end(j);
    }
    dacc_json_array_end(j);
    dacc_json_key(j, "witnesses");
    dacc_json_array_begin(j);
    for (uint32_t w = 0; w < wp->witness_count; w++) {
        snprintf(id, sizeof id, "%08x", (unsigned)wp->witnesses[w].key.key_id);
        dacc_json_object_begin(j);
        dacc_json_key(j, "name");
        dacc_json_string(j, wp->witnesses[w].name);
        dacc_json_key(j, "key_name");
        dacc_json_string(j, wp->witnesses[w].key.name);
        dacc_json_key(j, "key_id");
        dacc_json_string(j, id);
        dacc_json_key(j, "url");
        dacc_json_string(j, wp->witnesses[w].url);
        dacc_json_object_end(j);
    }
    dacc_json_array_end(j);
    dacc_json_key(j, "quorum");
    dacc_json_string(j, wp->quorum_kind == SP_QUORUM_GROUP ? wp->groups[wp->quorum_index].name
                        : wp->quorum_kind == SP_QUORUM_WITNESS
                            ? wp->witnesses[wp->quorum_index].name
                            : "none");
}

static void show_human(const sp_policy *p)
{
    char hex[65], when[SP_UTC_BYTES];
    printf("deployment    %s\nversion       %llu\n", p->deployment, (unsigned long long)p->version);
    printf("genesis       %s\nepoch length  %llu s\nallowance     %llu s per epoch\n",
           sp_utc_format(when, p->genesis), (unsigned long long)p->epoch_length,
           (unsigned long long)p->allowance);
    printf("max staleness %llu s\n", (unsigned long long)p->max_staleness);
    printf("hash          %s\n", cli_hex(hex, p->hash, 32));
    printf("signers (%u):\n", (unsigned)p->signer_count);
    for (uint32_t i = 0; i < p->signer_count; i++) {
        char a[CLI_SHOWN_NAME], b[CLI_SHOWN_NAME];
        printf("  %-24s key %s %08x  tags:", SHOWN(a, p->signers[i].body),
               SHOWN(b, p->signers[i].key.name), (unsigned)p->signers[i].key.key_id);
        for (uint32_t t = 0; t < p->tag_count; t++)
            if (p->signers[i].tags & (1u << t))
                printf(" %s", p->tags[t]);
        putchar('\n');
    }
    printf("rules (all must hold):\n");
    for (uint32_t r = 0; r < p->rule_count; r++) {
        const sp_rule *rule = &p->rules[r];
        printf("  at least %u distinct keys of ", (unsigned)rule->k);
        if (rule->kind == SP_SET_ALL)
            printf("all signers");
        else if (rule->kind == SP_SET_TAG)
            printf("tag %s", p->tags[rule->tag]);
        else
            for (uint32_t i = 0, first = 1; i < p->signer_count; i++)
                if (rule->members & (1u << i)) {
                    char a[CLI_SHOWN_NAME];
                    printf("%s%s", first ? "" : ", ", SHOWN(a, p->signers[i].key.name));
                    first = 0;
                }
        putchar('\n');
    }
    show_witness_human(&p->witness);
}

static void show_json(const sp_policy *p)
{
    dacc_json j;
    char hex[65];
    cli_json_begin(&j);
    dacc_json_key(&j, "deployment");
    dacc_json_string(&j, p->deployment);
    dacc_json_key(&j, "version");
    dacc_json_uint(&j, p->version);
    dacc_json_key(&j, "genesis");
    dacc_json_uint(&j, p->genesis);
    dacc_json_key(&j, "epoch_length");
    dacc_json_uint(&j, p->epoch_length);
    dacc_json_key(&j, "allowance");
    dacc_json_uint(&j, p->allowance);
    dacc_json_key(&j, "max_staleness");
    dacc_json_uint(&j, p->max_staleness);
    dacc_json_key(&j, "hash");
    dacc_json_string(&j, cli_hex(hex, p->hash, 32));
    dacc_json_key(&j, "tags");
    dacc_json_array_begin(&j);
    for (uint32_t t = 0; t < p->tag_count; t++)
        dacc_json_string(&j, p->tags[t]);
    dacc_json_array_end(&j);
    dacc_json_key(&j, "signers");
    dacc_json_array_begin(&j);
    for (uint32_t i = 0; i < p->signer_count; i++) {
        char id[9];
        snprintf(id, sizeof id, "%08x", (unsigned)p->signers[i].key.key_id);
        dacc_json_object_begin(&j);
        dacc_json_key(&j, "body");
        dacc_json_string(&j, p->signers[i].body);
        dacc_json_key(&j, "name");
        dacc_json_string(&j, p->signers[i].key.name);
        dacc_json_key(&j, "key_id");
        dacc_json_string(&j, id);
        dacc_json_key(&j, "tags");
        dacc_json_array_begin(&j);
        for (uint32_t t = 0; t < p->tag_count; t++)
            if (p->signers[i].tags & (1u << t))
                dacc_json_string(&j, p->tags[t]);
        dacc_json_array_end(&j);
        dacc_json_object_end(&j);
    }
    dacc_json_array_end(&j);
    dacc_json_key(&j, "rules");
    dacc_json_array_begin(&j);
    for (uint32_t r = 0; r < p->rule_count; r++) {
        const sp_rule *rule = &p->rules[r];
        dacc_json_object_begin(&j);
        dacc_json_key(&j, "k");
        dacc_json_uint(&j, rule->k);
        dacc_json_key(&j, "set");
        if (rule->kind == SP_SET_ALL) {
            dacc_json_string(&j, "all");
        } else if (rule->kind == SP_SET_TAG) {
            dacc_json_object_begin(&j);
            dacc_json_key(&j, "tag");
            dacc_json_string(&j, p->tags[rule->tag]);
            dacc_json_object_end(&j);
        } else {
            dacc_json_object_begin(&j);
            dacc_json_key(&j, "signers");
            dacc_json_array_begin(&j);
            for (uint32_t i = 0; i < p->signer_count; i++)
                if (rule->members & (1u << i))
                    dacc_json_string(&j, p->signers[i].key.name);
            dacc_json_array_end(&j);
            dacc_json_object_end(&j);
        }
        dacc_json_object_end(&j);
    }
    dacc_json_array_end(&j);
    show_witness_json(&j, &p->witness);
    cli_json_end(&j);
}

/* check and hash: one line, or (--json) the file, signer and rule counts and the hash. */
static void print_summary(const char *path, int json, int full)
{
    char hex[65];
    cli_hex(hex, policy.hash, 32);
    if (json) {
        dacc_json j;
        cli_json_begin(&j);
        if (full) {
            dacc_json_key(&j, "file");
            dacc_json_string(&j, path);
            dacc_json_key(&j, "ok");
            dacc_json_bool(&j, 1);
            dacc_json_key(&j, "signers");
            dacc_json_uint(&j, policy.signer_count);
            dacc_json_key(&j, "rules");
            dacc_json_uint(&j, policy.rule_count);
        }
        dacc_json_key(&j, "hash");
        dacc_json_string(&j, hex);
        cli_json_end(&j);
    } else if (full) {
        printf("%s: ok: canonical, %u signers, %u rules, hash %s\n", cli_shown_path(path),
               (unsigned)policy.signer_count, (unsigned)policy.rule_count, hex);
    } else {
        printf("%s\n", hex);
    }
}

int cmd_policy(int argc, char **argv)
{
    const char *pos[1], *path = NULL;
    size_t npos, len;
    int json = 0, st;
    const cli_opt opts[] = {{"--policy", 1, &path, NULL, NULL, NULL, 0},
                            {"--json", 0, NULL, &json, NULL, NULL, 0},
                            CLI_END};
    static const char *const subs[] = {"init", "check", "show", "hash", NULL};

    int sub = cli_subcommand(argc, argv, policy_usage, "policy", subs);
    if (sub < 0)
        return -1 - sub;
    if (sub == 0)
        return policy_init(argc - 1, argv + 1, cli_sub_name());
    /* check, show and hash take the same options */
    cli_parse(argc - 1, argv + 1, cli_sub_name(), opts, pos, 1, &npos, policy_usage);
    if (npos + (path != NULL) != 1)
        return npos == 1 ? cli_usage("%s: give POLICY or --policy POLICY, not both",
                                     cli_sub_name())
                         : cli_bad_args(policy_usage);
    if (path == NULL)
        path = pos[0];
    if ((st = cli_load_policy(path, &policy, policy_bytes, sizeof policy_bytes, &len)) != 0)
        return st;
    if (sub == 2 && json)
        show_json(&policy);
    else if (sub == 2)
        show_human(&policy);
    else
        print_summary(path, json, sub == 1);
    return EXIT_OK;
}
