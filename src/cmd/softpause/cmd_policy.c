/*
 * cmd_policy.c -- `softpause policy init|check|show|hash` and the policy-update commands
 * `policy propose|sign|collect|verify` (protocol.md section 18).
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
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/utc.h"
#include "softpause/note.h"
#include "softpause/update.h"

static const char policy_usage[] =
    "usage: softpause policy init --deployment NAME --genesis TIME --epoch-length SECONDS\n"
    "                             --allowance SECONDS --signer BODY:TAGS:FILE.pub ...\n"
    "                             --rule 'K of SET' ... --witness-policy FILE\n"
    "                             [--max-staleness SECONDS] [--tag TAG ...] [--version N]\n"
    "                             [--out FILE]\n"
    "       softpause policy check [--json] POLICY\n"
    "       softpause policy show [--json] POLICY\n"
    "       softpause policy hash [--json] POLICY\n"
    "       softpause policy propose --policy CURRENT --new NEW [--out FILE]\n"
    "       softpause policy sign --key BODY.key [--policy CURRENT] [--previous-key OLD.pub]\n"
    "                             UPDATE\n"
    "       softpause policy collect --policy CURRENT [--partial] SIGNED...\n"
    "       softpause policy verify --policy CURRENT [--json] UPDATE\n"
    "       softpause policy publish --policy CURRENT --log URL [--timeout SECONDS]\n"
    "                                [--out FILE] [--json] UPDATE\n"
    "       softpause policy fetch --policy CURRENT --log URL|DIR [--out DIR] [--json]\n"
    "       softpause policy apply --state FILE [--json] UPDATE-BUNDLE...\n"
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
    "POLICY may also be given as --policy POLICY, as the other commands take it.\n"
    "\n"
    "Policy updates (protocol.md section 18): CURRENT is the policy in force, NEW the next\n"
    "version (CURRENT's version + 1).\n"
    "propose  Check NEW against CURRENT (header, version, hashes, the invariants: all but\n"
    "         signatures), print what changes on stderr, and write the update text\n"
    "         (stdout, or FILE, never overwriting).  Refused if the text plus one\n"
    "         signature line per signer key of both policies exceeds the note limits.\n"
    "sign     Sign an update (a text or a signed copy) like `note sign`, after checking it\n"
    "         is one; with --policy, check it against CURRENT and print the changes first.\n"
    "         The signing record refuses another text for a signed version, or a lower\n"
    "         one.  --previous-key: a re-keyed body's old key; the new key takes over its\n"
    "         signing records.\n"
    "collect  Merge signed copies of one update (lines valid under either policy, one per\n"
    "         key).  One a device would refuse is refused (exit 1, naming the unmet\n"
    "         rule) unless --partial (collecting in stages: written anyway).\n"
    "verify   Check a signed update as a device would (without its publication): exit 0\n"
    "         if accepted; each line's status under each policy.\n"
    "publish  POST the update to the log at URL, wait for URL/policy-update/<version>,\n"
    "         verify it as a device at CURRENT would, write it to FILE (default\n"
    "         policy-update-<version>, never overwriting).  --timeout 1..86400 s (300).\n"
    "fetch    Download policy-update/<v> from CURRENT's version + 1 on (log URL or a\n"
    "         'log export' DIR), each verified against the policy before it; write\n"
    "         DIR/policy-update/<v> and DIR/policy-<v>.txt (--out, default '.').\n"
    "apply    Apply update bundles to the simulated device FILE in order, each against\n"
    "         its current policy; stops at the first refusal (exit 1).  An\n"
    "         authorisation's bundle is SP_ERR_STMT_WRONG_TYPE ('device apply' takes both).\n"
    "See softpause(1) for the details of each.\n";

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
        (st = cli_time(genesis, &spec.genesis, "--genesis")) ||
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

/* "at least K distinct keys of all signers|tag T|NAME, NAME" into out. */
static const char *describe_rule(char *out, size_t cap, const sp_policy *p, const sp_rule *rule)
{
    int n = snprintf(out, cap, "at least %u distinct keys of ", (unsigned)rule->k);
    if (rule->kind == SP_SET_ALL)
        snprintf(out + n, cap - (size_t)n, "all signers");
    else if (rule->kind == SP_SET_TAG)
        snprintf(out + n, cap - (size_t)n, "tag %s", p->tags[rule->tag]);
    else
        for (uint32_t i = 0, first = 1; i < p->signer_count && (size_t)n < cap; i++)
            if (rule->members & (1u << i)) {
                char a[CLI_SHOWN_NAME];
                n += snprintf(out + n, cap - (size_t)n, "%s%s", first ? "" : ", ",
                              SHOWN(a, p->signers[i].key.name));
                first = 0;
            }
    return out;
}

#define RULE_TEXT (SP_MAX_SIGNERS * (CLI_SHOWN_NAME + 2) + 64)

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
        static char rule[RULE_TEXT];
        printf("  %s\n", describe_rule(rule, sizeof rule, p, &p->rules[r]));
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

/* ---- policy updates (protocol.md section 18) ------------------------------------------ */

static uint8_t next_bytes[SP_MAX_POLICY_BYTES + 1];
static sp_policy next_policy;          /* NEW (propose) or the policy an update carries */
static uint8_t note_buf[SP_MAX_NOTE_BYTES + 1];
static uint8_t text_buf[SP_MAX_NOTE_BYTES + 1];
static sp_note work;
static sp_update_result result;

/* A signature line's length for a key: "— NAME base64(key ID || Ed25519 signature)\n". */
static size_t sig_line_bytes(const sp_vkey *k)
{
    return 4u + k->name_len + 1u + SP_BASE64_ENCODED_LEN(4u + 64u) + 1u;
}

/* Whether the update text, signed by every distinct signer key of both policies (one line
 * each), stays within the note limits. */
static int fits_all_signatures(size_t text_len, const sp_policy *cur, const sp_policy *nxt,
                               size_t *need, uint32_t *keys)
{
    size_t total = text_len + 1u;
    uint32_t n = 0;
    for (int side = 0; side < 2; side++) {
        const sp_policy *p = side == 0 ? cur : nxt;
        for (uint32_t i = 0; i < p->signer_count; i++) {
            int seen = 0;
            for (uint32_t k = 0; side == 1 && k < cur->signer_count && !seen; k++)
                seen = memcmp(cur->signers[k].key.public_key, p->signers[i].key.public_key,
                              SP_ED25519_PUBLIC_KEY_BYTES) == 0;
            if (!seen) {
                total += sig_line_bytes(&p->signers[i].key);
                n++;
            }
        }
    }
    *need = total;
    *keys = n;
    return total <= SP_MAX_NOTE_BYTES && n <= SP_MAX_SIG_LINES;
}

/* Steps 2-8 of sp_update_verify for an update text against `cur`: the verifier itself runs
 * them, on the text with one placeholder signature line that names no policy key, so a
 * refusal at step 9 (signatures) means steps 2-8 passed -- no second copy of the checks.
 * On success next_policy holds the carried policy.  Errors are printed (where: the input). */
static int check_update_text(const sp_policy *cur, const uint8_t *text, size_t len,
                             const char *where)
{
    static const char placeholder[] = "\xE2\x80\x94 softpause-unsigned "
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
    static uint8_t note[SP_MAX_NOTE_BYTES + sizeof placeholder + 1];
    static sp_update_report report;
    uint32_t line = 0;
    sp_update u;
    sp_err e = sp_update_parse(&u, text, len, &line);
    if (e != SP_OK)
        return cli_error(e, where, line, "not a policy update");
    memcpy(note, text, len);
    note[len] = '\n';
    memcpy(note + len + 1, placeholder, sizeof placeholder - 1);
    e = sp_update_verify(cur, note, len + sizeof placeholder, sp_sodium_crypto(), &work, &result,
                         &report, &line);
    if (e == SP_ERR_NOTE_TOO_LARGE)
        return cli_error(SP_ERR_UPDATE_TOO_LARGE, where, 0, "the text alone is %zu bytes", len);
    if (e != SP_ERR_UPDATE_OLD_QUORUM)
        return cli_error(e == SP_OK ? SP_ERR_ARGUMENT : e, where, line, NULL);
    /* The carried policy, parsed again (sp_update_verify zeroes *out on any refusal). */
    uint32_t pl = 0;
    e = sp_policy_parse(&next_policy, text + u.policy_offset, u.policy_len, sp_sodium_crypto(),
                        &pl);
    return e == SP_OK ? EXIT_OK : cli_error(e, where, u.policy_line - 1u + pl, NULL);
}

static int signer_by_body(const sp_policy *p, const char *body)
{
    for (uint32_t i = 0; i < p->signer_count; i++)
        if (strcmp(p->signers[i].body, body) == 0)
            return (int)i;
    return -1;
}

static int rule_in(const sp_policy *p, const char *text)
{
    static char r[RULE_TEXT];
    for (uint32_t i = 0; i < p->rule_count; i++)
        if (strcmp(describe_rule(r, sizeof r, p, &p->rules[i]), text) == 0)
            return 1;
    return 0;
}

static int witness_in(const sp_wpolicy *wp, const sp_vkey *k)
{
    for (uint32_t i = 0; i < wp->witness_count; i++)
        if (memcmp(wp->witnesses[i].key.public_key, k->public_key, 32) == 0)
            return 1;
    return 0;
}

static int log_in(const sp_wpolicy *wp, const sp_vkey *k)
{
    for (uint32_t i = 0; i < wp->log_count; i++)
        if (memcmp(wp->logs[i].key.public_key, k->public_key, 32) == 0 &&
            strcmp(wp->logs[i].key.name, k->name) == 0)
            return 1;
    return 0;
}

/* What the update changes, on stderr: signers, rules, witnesses, logs, parameters. */
static void print_changes(const sp_policy *a, const sp_policy *b)
{
    static char r[RULE_TEXT];
    char x[CLI_SHOWN_NAME], y[CLI_SHOWN_NAME], hex[65];
    unsigned n = 0;
    fprintf(stderr, "policy update %s: version %llu -> %llu, new policy %s\n",
            SHOWN(x, a->deployment), (unsigned long long)a->version,
            (unsigned long long)b->version, cli_hex(hex, b->hash, 32));
    for (uint32_t i = 0; i < a->signer_count; i++) {
        int j = signer_by_body(b, a->signers[i].body);
        const sp_vkey *ka = &a->signers[i].key;
        if (j < 0)
            n += (unsigned)fprintf(stderr, "  signer removed: %s (key %s %08x)\n",
                                   SHOWN(x, a->signers[i].body), SHOWN(y, ka->name),
                                   (unsigned)ka->key_id) > 0;
        else if (memcmp(b->signers[j].key.public_key, ka->public_key, 32) != 0 ||
                 strcmp(b->signers[j].key.name, ka->name) != 0)
            n += (unsigned)fprintf(stderr, "  signer re-keyed: %s (key %s %08x -> %s %08x)\n",
                                   SHOWN(x, a->signers[i].body), SHOWN(y, ka->name),
                                   (unsigned)ka->key_id, b->signers[j].key.name,
                                   (unsigned)b->signers[j].key.key_id) > 0;
    }
    for (uint32_t j = 0; j < b->signer_count; j++)
        if (signer_by_body(a, b->signers[j].body) < 0)
            n += (unsigned)fprintf(stderr, "  signer added: %s (key %s %08x)\n",
                                   SHOWN(x, b->signers[j].body), SHOWN(y, b->signers[j].key.name),
                                   (unsigned)b->signers[j].key.key_id) > 0;
    for (uint32_t i = 0; i < a->rule_count; i++)
        if (!rule_in(b, describe_rule(r, sizeof r, a, &a->rules[i])))
            n += (unsigned)fprintf(stderr, "  rule removed: %s\n", r) > 0;
    for (uint32_t i = 0; i < b->rule_count; i++)
        if (!rule_in(a, describe_rule(r, sizeof r, b, &b->rules[i])))
            n += (unsigned)fprintf(stderr, "  rule added: %s\n", r) > 0;
    for (int side = 0; side < 2; side++) {
        const sp_wpolicy *from = side == 0 ? &a->witness : &b->witness;
        const sp_wpolicy *to = side == 0 ? &b->witness : &a->witness;
        for (uint32_t i = 0; i < from->witness_count; i++)
            if (!witness_in(to, &from->witnesses[i].key))
                n += (unsigned)fprintf(stderr, "  witness %s: %s (key %08x)\n",
                                       side == 0 ? "removed" : "added",
                                       SHOWN(x, from->witnesses[i].name),
                                       (unsigned)from->witnesses[i].key.key_id) > 0;
        for (uint32_t i = 0; i < from->log_count; i++)
            if (!log_in(to, &from->logs[i].key))
                n += (unsigned)fprintf(stderr, "  log %s: %s (key %08x)\n",
                                       side == 0 ? "removed" : "added",
                                       SHOWN(x, from->logs[i].key.name),
                                       (unsigned)from->logs[i].key.key_id) > 0;
    }
    if (a->allowance != b->allowance)
        n += (unsigned)fprintf(stderr, "  allowance: %llu s -> %llu s\n",
                               (unsigned long long)a->allowance,
                               (unsigned long long)b->allowance) > 0;
    if (a->max_staleness != b->max_staleness)
        n += (unsigned)fprintf(stderr, "  max-staleness: %llu s -> %llu s\n",
                               (unsigned long long)a->max_staleness,
                               (unsigned long long)b->max_staleness) > 0;
    if (a->tag_count != b->tag_count)
        n += (unsigned)fprintf(stderr, "  tags: %u -> %u declared\n", (unsigned)a->tag_count,
                               (unsigned)b->tag_count) > 0;
    if (n == 0)
        fputs("  no change to signers, rules, witnesses, logs or parameters\n", stderr);
}

static int policy_propose(const char *cur_path, const char *new_path, const char *out)
{
    size_t len, new_len, need;
    uint32_t keys;
    int st;

    if (cur_path == NULL || new_path == NULL)
        return cli_usage("policy propose needs --policy CURRENT and --new NEW");
    if ((st = cli_load_policy(cur_path, &policy, policy_bytes, sizeof policy_bytes, &len)) ||
        (st = cli_load_policy(new_path, &next_policy, next_bytes, sizeof next_bytes, &new_len)))
        return st;
    sp_err fe = sp_update_format(&policy, &next_policy, next_bytes, new_len, 0, text_buf,
                                 sizeof text_buf, &len);
    if (fe == SP_ERR_UPDATE_TOO_LARGE)
        return cli_error(fe, new_path, 0, "the text alone is over %u bytes, a note's limit",
                         SP_MAX_NOTE_BYTES);
    if (fe != SP_OK)
        return cli_error(fe, new_path, 0, "cannot write the update text");
    if (!fits_all_signatures(len, &policy, &next_policy, &need, &keys))
        return cli_error(SP_ERR_UPDATE_TOO_LARGE, new_path, 0,
                         "%zu-byte text, %u signer keys: %zu bytes signed (at most %u), %u "
                         "signature lines (at most %u)", len, (unsigned)keys, need,
                         SP_MAX_NOTE_BYTES, (unsigned)keys, SP_MAX_SIG_LINES);
    if ((st = check_update_text(&policy, text_buf, len, new_path)) != EXIT_OK)
        return st;
    print_changes(&policy, &next_policy);
    fprintf(stderr, "signed by all %u signer keys of both policies: %zu bytes (at most %u), "
            "%u signature lines (at most %u)\n", (unsigned)keys, need, SP_MAX_NOTE_BYTES,
            (unsigned)keys, SP_MAX_SIG_LINES);
    if (out == NULL) {
        fwrite(text_buf, 1, len, stdout);
        return EXIT_OK;
    }
    sp_err e = sp_file_write_atomic(out, text_buf, len, 0644, 0);
    return e == SP_OK ? EXIT_OK : cli_error(e, out, 0, NULL);
}

/* Read an update (a text or a signed copy) into note_buf; its text length into *text_len. */
static int read_update(const char *input, size_t *len, size_t *text_len)
{
    uint32_t line = 0;
    int st = cli_read(input, note_buf, sizeof note_buf, len, &cli_note_input);
    if (st != EXIT_OK)
        return st;
    *text_len = *len;
    if (sp_note_parse(&work, note_buf, *len, NULL) == SP_OK)
        *text_len = work.text_len;
    sp_update u;
    sp_err e = sp_update_parse(&u, note_buf, *text_len, &line);
    return e == SP_OK ? EXIT_OK : cli_error(e, input ? input : "<stdin>", line,
                                            "not a policy update");
}

static int policy_sign(const char *key_path, const char *cur_path, const char *previous,
                       const char *input)
{
    static sp_vkey previous_key;
    size_t len, text_len, plen;
    const char *where = input == NULL ? "<stdin>" : input;
    int st;

    if (key_path == NULL)
        return cli_usage("policy sign needs --key BODY.key");
    if ((st = read_update(input, &len, &text_len)) != EXIT_OK)
        return st;
    if (cur_path != NULL) {
        if ((st = cli_load_policy(cur_path, &policy, policy_bytes, sizeof policy_bytes,
                                  &plen)) != EXIT_OK ||
            (st = check_update_text(&policy, note_buf, text_len, where)) != EXIT_OK)
            return st;
        print_changes(&policy, &next_policy);
    }
    if (previous != NULL) {
        sp_err e = sp_vkey_load(&previous_key, previous);
        if (e != SP_OK)
            return cli_error(e, previous, 0, "--previous-key: the body's verifier key before "
                                             "the update");
    }
    return cli_note_sign(key_path, note_buf, len, 0, where, NULL, UINT64_MAX,
                         previous != NULL ? &previous_key : NULL);
}

/* Whether a quorum report says every rule held (checking reached the signatures). */
static const char *met(const sp_quorum_report *r)
{
    return r->failed_rule == UINT32_MAX && r->distinct_keys > 0 ? "met" : "not met";
}

static int carried_policy(const uint8_t *note, size_t len);

static int policy_collect(const char *cur_path, int partial, const char **files, size_t n)
{
    static uint8_t out[SP_SIGNED_NOTE_CAP];
    static sp_update_report report;
    sp_collect_result res;
    size_t len, out_len;
    int st;

    if (cur_path == NULL)
        return cli_usage("policy collect needs --policy CURRENT");
    if ((st = cli_load_policy(cur_path, &policy, policy_bytes, sizeof policy_bytes, &len)) ||
        (st = cli_collect(&policy, 1, files, n, out, sizeof out, &out_len, &res)))
        return st;
    /* Only for the two quorums' verdicts: both tallies run whenever steps 1-8 pass, which
     * they did for every copy. */
    sp_err e = sp_update_verify(&policy, out, out_len, sp_sodium_crypto(), &work, &result,
                                &report, NULL);
    /* An update no device would accept is an error unless --partial (collecting in
     * stages): name the unmet rule of the quorum that falls short. */
    if (e != SP_OK && !partial) {
        char rule[CLI_RULE_TEXT];
        if (e == SP_ERR_UPDATE_OLD_QUORUM && report.current.failed_rule < policy.rule_count)
            return cli_error(e, "collected update", 0, "the current policy's %s",
                             cli_rule_unmet(rule, &policy, report.current.failed_rule));
        if (e == SP_ERR_UPDATE_NEW_QUORUM && carried_policy(out, out_len) &&
            report.next.failed_rule < next_policy.rule_count)
            return cli_error(e, "collected update", 0, "the new policy's %s",
                             cli_rule_unmet(rule, &next_policy, report.next.failed_rule));
        return cli_error(e, "collected update", 0, NULL);
    }
    fwrite(out, 1, out_len, stdout);
    fprintf(stderr, "collected %u signatures (current quorum %s, new quorum %s)%s\n",
            (unsigned)res.merged, e == SP_ERR_UPDATE_OLD_QUORUM ? "not met" : met(&report.current),
            e == SP_ERR_UPDATE_NEW_QUORUM ? "not met" : met(&report.next),
            e == SP_OK ? "" : "; a device would refuse it yet (--partial)");
    return EXIT_OK;
}

/* The new policy an update carries, for reports even when verification refused it: 1 if
 * it could be parsed (into next_policy). */
static int carried_policy(const uint8_t *note, size_t len)
{
    sp_update u;
    uint32_t pl = 0;
    if (sp_note_parse(&work, note, len, NULL) != SP_OK ||
        sp_update_parse(&u, note, work.text_len, NULL) != SP_OK)
        return 0;
    return sp_policy_parse(&next_policy, note + u.policy_offset, u.policy_len,
                           sp_sodium_crypto(), &pl) == SP_OK;
}

static void print_update_report(FILE *f, const uint8_t *note, size_t len, int have_new,
                                const sp_update_report *r)
{
    fprintf(f, " under the current policy (version %llu):\n", (unsigned long long)policy.version);
    cli_print_report(f, &policy, note, len, &r->current);
    if (!have_new)
        return;
    fprintf(f, " under the new policy (version %llu):\n", (unsigned long long)next_policy.version);
    cli_print_report(f, &next_policy, note, len, &r->next);
    if (r->unsigned_signer < next_policy.signer_count) {
        char a[CLI_SHOWN_NAME];
        const sp_vkey *k = &next_policy.signers[r->unsigned_signer].key;
        fprintf(f, "  added key %s %08x has no valid signature line\n",
                cli_shown(a, sizeof a, k->name, k->name_len), (unsigned)k->key_id);
    }
}

static int policy_verify(const char *cur_path, int json, const char *input)
{
    static sp_update_report report;
    size_t len;
    uint32_t line = 0;
    const char *where = input == NULL ? "<stdin>" : input;
    int st;

    if (cur_path == NULL)
        return cli_usage("policy verify needs --policy CURRENT");
    if ((st = cli_load_policy(cur_path, &policy, policy_bytes, sizeof policy_bytes, &len)) ||
        (st = cli_read(input, note_buf, sizeof note_buf, &len, &cli_note_input)))
        return st;
    sp_err e = sp_update_verify(&policy, note_buf, len, sp_sodium_crypto(), &work, &result,
                                &report, &line);
    int have_new = e == SP_OK ? (next_policy = result.policy, 1) : carried_policy(note_buf, len);
    if (e != SP_OK) {
        st = cli_error_in_report(e, where, line, NULL);
        if (!json)
            print_update_report(stderr, note_buf, len, have_new, &report);
    }
    if (json) {
        dacc_json j;
        cli_json_verdict_begin(&j, e, result.update.deployment, result.update.policy_hash);
        if (e == SP_OK)
            cli_json_update_members(&j, &result.update);
        cli_json_quorum_report(&j, &policy, &report.current, have_new ? &next_policy : NULL,
                               &report.next, note_buf, len);
        cli_json_end(&j);
        return cli_exit_status(e);
    }
    if (e != SP_OK)
        return st;
    cli_print_update_accepted(stdout, &result.update);
    print_update_report(stdout, note_buf, len, 1, &report);
    return EXIT_OK;
}

static int policy_update_command(int sub, int argc, char **argv, const char *name)
{
    const char *cur = NULL, *new_path = NULL, *out = NULL, *key = NULL, *previous = NULL;
    const char *state = NULL, *log = NULL, *timeout = NULL;
    const char *pos[CLI_MAX_BUNDLES];
    size_t npos;
    int json = 0, partial = 0;
    const cli_opt propose_opts[] = {{"--policy", 1, &cur, NULL, NULL, NULL, 0},
                                    {"--new", 1, &new_path, NULL, NULL, NULL, 0},
                                    {"--out", 1, &out, NULL, NULL, NULL, 0},
                                    CLI_END};
    const cli_opt sign_opts[] = {{"--key", 1, &key, NULL, NULL, NULL, 0},
                                 {"--policy", 1, &cur, NULL, NULL, NULL, 0},
                                 {"--previous-key", 1, &previous, NULL, NULL, NULL, 0},
                                 CLI_END};
    const cli_opt collect_opts[] = {{"--policy", 1, &cur, NULL, NULL, NULL, 0},
                                    {"--partial", 0, NULL, &partial, NULL, NULL, 0},
                                    CLI_END};
    const cli_opt verify_opts[] = {{"--policy", 1, &cur, NULL, NULL, NULL, 0},
                                   {"--json", 0, NULL, &json, NULL, NULL, 0},
                                   CLI_END};
    const cli_opt publish_opts[] = {{"--policy", 1, &cur, NULL, NULL, NULL, 0},
                                    {"--log", 1, &log, NULL, NULL, NULL, 0},
                                    {"--timeout", 1, &timeout, NULL, NULL, NULL, 0},
                                    {"--out", 1, &out, NULL, NULL, NULL, 0},
                                    {"--json", 0, NULL, &json, NULL, NULL, 0},
                                    CLI_END};
    const cli_opt fetch_opts[] = {{"--policy", 1, &cur, NULL, NULL, NULL, 0},
                                  {"--log", 1, &log, NULL, NULL, NULL, 0},
                                  {"--out", 1, &out, NULL, NULL, NULL, 0},
                                  {"--json", 0, NULL, &json, NULL, NULL, 0},
                                  CLI_END};
    const cli_opt apply_opts[] = {{"--state", 1, &state, NULL, NULL, NULL, 0},
                                  {"--json", 0, NULL, &json, NULL, NULL, 0},
                                  CLI_END};
    const cli_opt *const sub_opts[] = {propose_opts, sign_opts,  collect_opts, verify_opts,
                                       publish_opts, fetch_opts, apply_opts};

    cli_parse(argc, argv, name, sub_opts[sub - 4], pos, CLI_MAX_BUNDLES, &npos, policy_usage);
    if (sp_sodium_init() != SP_OK)
        return cli_error(SP_ERR_CRYPTO, NULL, 0, "libsodium failed to start");
    if (sub == 4 && npos == 0)
        return policy_propose(cur, new_path, out);
    if (sub == 5 && npos <= 1)
        return policy_sign(key, cur, previous, npos ? pos[0] : NULL);
    if (sub == 6)
        return policy_collect(cur, partial, pos, npos);
    if (sub == 7 && npos <= 1)
        return policy_verify(cur, json, npos ? pos[0] : NULL);
    if (sub == 8 && npos == 1)
        return policy_publish(cur, log, timeout, out, json, pos[0]);
    if (sub == 9 && npos == 0)
        return policy_fetch(cur, log, out, json);
    if (sub == 10 && state == NULL)
        return cli_usage("policy apply needs --state FILE");
    if (sub == 10 && npos >= 1)
        return cli_device_apply(state, pos, npos, json, 1);
    return cli_bad_args(policy_usage);
}

int cmd_policy(int argc, char **argv)
{
    const char *pos[1], *path = NULL;
    size_t npos, len;
    int json = 0, st;
    const cli_opt opts[] = {{"--policy", 1, &path, NULL, NULL, NULL, 0},
                            {"--json", 0, NULL, &json, NULL, NULL, 0},
                            CLI_END};
    static const char *const subs[] = {"init",    "check", "show",    "hash",
                                       "propose", "sign",  "collect", "verify",
                                       "publish", "fetch", "apply",   NULL};

    int sub = cli_subcommand(argc, argv, policy_usage, "policy", subs);
    if (sub < 0)
        return -1 - sub;
    if (sub == 0)
        return policy_init(argc - 1, argv + 1, cli_sub_name());
    if (sub >= 4)
        return policy_update_command(sub, argc - 1, argv + 1, cli_sub_name());
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
