/*
 * cmd_demo.c -- `softpause demo`: the whole story in one run, on embedded defaults.
 *
 * Five bodies (three military, two civil) and the policy "3 of all AND 1 of civil".  Each
 * week the bodies sign a statement, the copies are collected into one bundle, and a
 * simulated device applies it and works through the week.  Shown being refused: a
 * military-only quorum, a duplicated signature that would make a quorum only if counted
 * twice, and a replayed old week.  Then a throttle week, then the bodies stop signing and
 * the device pauses when its allowance runs out; a later RUN statement resumes it.
 *
 * Everything goes through the same library calls as the individual commands (key files,
 * note signing with the equivocation guard, collect, the file-backed device), and every
 * outcome is checked: the demo exits 1 if the story does not happen as told.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <sys/stat.h>

#include "cli.h"
#include "softpause/device.h"
#include "softpause/host/devfile.h"
#include "softpause/host/fileio.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/policy_build.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"

static const char demo_usage[] =
    "usage: softpause demo [--dir DIR]\n"
    "\n"
    "Run the end-to-end story: five bodies (three military, two civil), the policy\n"
    "\"3 of all AND 1 of civil\", four weeks of RUN, refused attacks, a THROTTLE 100\n"
    "week, the bodies stop signing and the device pauses, then resumes.  Files (keys,\n"
    "policy, signed statements, device state) go to DIR (default: a new directory\n"
    "under /tmp), so each step can be repeated with the individual commands.\n"
    "Exit 0 if every step happened as narrated.\n";

#define BODIES 5
#define GENESIS 1798416000ull          /* Monday 2026-12-28 00:00 UTC */
#define WEEK 604800ull
#define ALLOWANCE (8ull * 86400ull)    /* eight days of powered-on time per epoch */
#define STEP (4ull * 3600ull)          /* the device asks for work in 4-hour slices */

static const struct {
    const char *body, *name, *tags;
} bodies[BODIES] = {
    {"northern-defence-council", "ndc.example/softpause", "military"},
    {"southern-joint-command", "sjc.example/softpause", "military"},
    {"eastern-defence-agency", "eda.example/softpause", "military"},
    {"un-science-panel", "unsp.example/softpause", "civil"},
    {"intl-standards-body", "isb.example/softpause", "civil"},
};
enum { NDC = 1, SJC = 2, EDA = 4, UNSP = 8, ISB = 16 };

static char dir[1024];
static char key_paths[BODIES][4200];
static sp_signer_key keys[BODIES];
static sp_policy policy;
static uint8_t policy_bytes[SP_MAX_POLICY_BYTES];
static size_t policy_len;
static sp_devfile df;
static sp_device dev;
static int story_broken;
static uint64_t worked_seconds;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static void expect(int ok, const char *what)
{
    if (!ok) {
        printf("  !! demo: unexpected outcome: %s\n", what);
        story_broken = 1;
    }
}

static const char *date_of(uint64_t t)
{
    static char buf[32];
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof buf, "%a %Y-%m-%d %H:%M", &tm);
    return buf;
}

/* Each body in `who` signs the statement text separately (as it would, in its own
 * office); the copies are then collected into one bundle.  Returns the bundle's length. */
static size_t sign_statement(uint64_t epoch, uint32_t mode, uint32_t permille, unsigned who,
                             uint8_t *bundle, size_t cap)
{
    static uint8_t copies[BODIES][SP_SIGNED_NOTE_CAP];
    const uint8_t *notes[BODIES];
    size_t lens[BODIES], n = 0, text_len, out_len = 0, bad;
    uint8_t text[SP_MAX_STATEMENT_TEXT];
    sp_statement st;
    sp_collect_result res;
    int is_statement;
    uint32_t line;

    if (sp_statement_for_epoch(&st, &policy, epoch, mode, permille) != SP_OK ||
        sp_statement_format(&st, text, sizeof text, &text_len) != SP_OK)
        return 0;
    for (int b = 0; b < BODIES; b++) {
        if (!(who & (1u << b)))
            continue;
        if (sp_equivocation_guard(key_paths[b], text, text_len, &is_statement, NULL, 0) != SP_OK ||
            sp_note_add_signature(&keys[b], text, text_len, 1, copies[n], sizeof copies[n],
                                  &lens[n], &text_len, &line) != SP_OK)
            return 0;
        notes[n] = copies[n];
        n++;
    }
    if (sp_collect(&policy, notes, lens, n, bundle, cap, &out_len, &res, &bad, &line) != SP_OK)
        return 0;
    return out_len;
}

static void save(const char *name, const uint8_t *p, size_t n)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (sp_file_write_atomic(path, p, n, 0644, 1) != SP_OK)
        expect(0, "could not save a bundle");
}

static sp_err apply(const uint8_t *note, size_t len, const char *label)
{
    static sp_bundle_report report;
    uint32_t line;
    memset(&report, 0, sizeof report);
    sp_err e = sp_device_apply(&dev, note, len, &report, &line);
    if (e == SP_OK) {
        say("  device: accepted %s; allowance set to %llu h\n", label,
            (unsigned long long)(dev.state.allowance / 3600));
    } else {
        say("  device: REFUSED %s: %s (%s)\n", label, sp_err_name(e), sp_err_message(e));
        if (e == SP_ERR_QUORUM_NOT_MET || e == SP_ERR_QUORUM_KEY_COUNTED_TWICE)
            cli_print_bundle_report(stdout, &policy, dev.work.leaf, &report);
    }
    return e;
}

/* Work through `seconds` of powered-on time; returns the decision that ended it. */
static sp_err work(uint64_t from, uint64_t seconds, uint64_t *paused_at)
{
    uint64_t done = 0;
    sp_decision d;
    while (done < seconds) {
        sp_err e = sp_device_consume(&dev, STEP, &d);
        if (e != SP_OK) {
            *paused_at = from + done;
            return e;
        }
        /* A short grant means the allowance ran out: the next request is refused. */
        done += d.granted;
        worked_seconds += d.granted;
    }
    return SP_OK;
}

static void run_week(uint64_t epoch, const char *mode_label)
{
    uint64_t start = GENESIS + epoch * WEEK, paused_at = 0;
    sp_err e = work(start, WEEK, &paused_at);
    if (e == SP_OK)
        say("  %s .. worked the full week at %s; %llu h of allowance left\n",
            date_of(start), mode_label, (unsigned long long)(dev.state.allowance / 3600));
    else
        say("  %s: device PAUSED: %s\n", date_of(paused_at), sp_err_message(e));
    expect(e == SP_OK, "a week should run through");
}

static int setup(void)
{
    static sp_policy_signer_spec specs[BODIES];
    static const char *const rules[] = {"3 of all", "1 of civil"};
    sp_policy_spec spec;
    char detail[256], pub[4200], path[1200];
    sp_err e;

    say("== Setting up in %s\n", dir);
    for (int b = 0; b < BODIES; b++) {
        if ((e = sp_key_generate(bodies[b].name, dir, key_paths[b], pub, sizeof pub)) != SP_OK ||
            (e = sp_signer_key_load(&keys[b], key_paths[b])) != SP_OK ||
            (e = sp_vkey_load(&specs[b].key, pub)) != SP_OK)
            return cli_error(e, dir, 0, "key for %s", bodies[b].body);
        specs[b].body = bodies[b].body;
        specs[b].tags = bodies[b].tags;
        say("  %-26s %-9s key %s\n", bodies[b].body, bodies[b].tags, pub);
    }
    memset(&spec, 0, sizeof spec);
    spec.deployment = "softpause.example/global";
    spec.version = 1;
    spec.genesis = GENESIS;
    spec.epoch_length = WEEK;
    spec.allowance = ALLOWANCE;
    spec.signers = specs;
    spec.signer_count = BODIES;
    spec.rules = rules;
    spec.rule_count = 2;
    if ((e = sp_policy_build(&spec, &policy, policy_bytes, sizeof policy_bytes, &policy_len,
                             detail, sizeof detail)) != SP_OK)
        return cli_error(e, NULL, 0, "%s", detail);
    save("policy.txt", policy_bytes, policy_len);
    say("  policy %s/policy.txt: 3 of all AND 1 of civil; epochs of one week from %s;\n"
        "         %llu h of powered-on time per epoch\n",
        dir, date_of(GENESIS), (unsigned long long)(ALLOWANCE / 3600));

    snprintf(path, sizeof path, "%s/device.state", dir);
    if ((e = sp_devfile_create(&df, path)) != SP_OK ||
        (e = sp_device_init(&dev, &df.io, &df.crypto.crypto, policy_bytes, policy_len)) != SP_OK)
        return cli_error(e, path, 0, "provisioning");
    say("  device %s provisioned: policy hash anchored, paused until authorised\n\n", path);
    return EXIT_OK;
}

int cmd_demo(int argc, char **argv)
{
    static uint8_t bundle[SP_SIGNED_NOTE_CAP], week1[SP_SIGNED_NOTE_CAP];
    static uint8_t week5[SP_SIGNED_NOTE_CAP], forged[SP_SIGNED_NOTE_CAP];
    const char *dir_opt = NULL, *pos[1];
    size_t npos, len, week1_len = 0, week5_len = 0;
    const cli_opt opts[] = {{"--dir", 1, &dir_opt, NULL, NULL, NULL, 0},
                            {NULL, 0, NULL, NULL, NULL, NULL, 0}};
    const unsigned signers_of_week[5] = {NDC | SJC | UNSP, SJC | EDA | ISB, NDC | EDA | UNSP,
                                         NDC | SJC | EDA | UNSP | ISB, SJC | UNSP | ISB};
    char name[64];
    int rc;
    sp_err e;

    cli_parse(argc, argv, opts, pos, 0, &npos, demo_usage);
    if (sp_sodium_init() != SP_OK)
        return cli_error(SP_ERR_CRYPTO, NULL, 0, "libsodium failed to start");
    if (dir_opt != NULL) {
        snprintf(dir, sizeof dir, "%s", dir_opt);
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return cli_error(SP_ERR_IO, dir, 0, "cannot create the demo directory");
    } else {
        snprintf(dir, sizeof dir, "/tmp/softpause-demo.XXXXXX");
        if (mkdtemp(dir) == NULL)
            return cli_error(SP_ERR_IO, "/tmp", 0, "cannot create a demo directory");
    }
    if ((rc = setup()) != EXIT_OK)
        return rc;

    for (uint64_t epoch = 1; epoch <= 5; epoch++) {
        int throttle = epoch == 5;
        say("== Week %llu, from %s\n", (unsigned long long)epoch, date_of(GENESIS + epoch * WEEK));
        len = sign_statement(epoch, throttle ? SP_MODE_THROTTLE : SP_MODE_RUN, throttle ? 100 : 0,
                             signers_of_week[epoch - 1], bundle, sizeof bundle);
        expect(len > 0, "signing and collecting a statement");
        say("  \"epoch %llu: %s\" signed by", (unsigned long long)epoch,
            throttle ? "throttle to 100 permille (10 %% of capacity)" : "run");
        for (int b = 0, first = 1; b < BODIES; b++)
            if (signers_of_week[epoch - 1] & (1u << b)) {
                say("%s %s", first ? "" : ",", bodies[b].body);
                first = 0;
            }
        say("; copies collected into one bundle\n");
        snprintf(name, sizeof name, "epoch-%llu.note", (unsigned long long)epoch);
        save(name, bundle, len);
        if (epoch == 1) {
            memcpy(week1, bundle, len);
            week1_len = len;
        }
        if (epoch == 5) {
            memcpy(week5, bundle, len);
            week5_len = len;
        }
        expect(apply(bundle, len, name) == SP_OK, "a valid weekly statement is accepted");
        run_week(epoch, throttle ? "THROTTLE 100 permille" : "RUN");

        if (epoch == 2) {
            say("\n== Attacks during week 2 (each carries otherwise valid signatures)\n");
            say("  1. three MILITARY bodies sign epoch 3 without any civil body\n");
            len = sign_statement(3, SP_MODE_RUN, 0, NDC | SJC | EDA, forged, sizeof forged);
            save("attack-military-only.note", forged, len);
            expect(apply(forged, len, "military-only quorum") == SP_ERR_QUORUM_NOT_MET,
                   "military-only quorum refused");
            say("  2. two valid signatures, one line duplicated to fake a third\n");
            len = sign_statement(3, SP_MODE_RUN, 0, NDC | UNSP, forged, sizeof forged);
            {
                /* Duplicate the last signature line. */
                size_t last = len - 1;
                while (last > 0 && forged[last - 1] != '\n')
                    last--;
                memcpy(forged + len, forged + last, len - last);
                len += len - last;
            }
            save("attack-duplicate-line.note", forged, len);
            expect(apply(forged, len, "duplicated signature") == SP_ERR_QUORUM_KEY_COUNTED_TWICE,
                   "duplicate signature refused");
            say("  3. week 1's genuine bundle replayed\n");
            expect(apply(week1, week1_len, "epoch-1.note (replay)") == SP_ERR_DEV_EPOCH_NOT_NEWER,
                   "replay refused");
        }
        say("\n");
    }

    say("== The bodies stop signing after week 5\n");
    {
        uint64_t start = GENESIS + 6 * WEEK, paused_at = 0;
        e = work(start, WEEK, &paused_at);
        say("  the device runs on what is left of its week-5 allowance...\n");
        say("  %s: device PAUSED: %s\n", date_of(paused_at), sp_err_message(e));
        expect(e == SP_ERR_DEV_EXHAUSTED, "device pauses when the allowance runs out");
        expect(paused_at == start + (ALLOWANCE - WEEK), "pause after the 24 h grace");
        say("  an operator replays week 5's bundle to buy another week\n");
        expect(apply(week5, week5_len, "epoch-5.note (replay)") == SP_ERR_DEV_EPOCH_NOT_NEWER,
               "replay refused while paused");
        sp_decision d;
        e = sp_device_consume(&dev, STEP, &d);
        say("  device asks for work: %s (%s)\n", cli_mode_name(d.mode), sp_err_message(e));
        expect(e == SP_ERR_DEV_EXHAUSTED && d.mode == SP_MODE_PAUSE, "still paused");
    }

    say("  (weeks 6 and 7 pass without a statement: the device stays paused)\n");
    say("\n== Week 8: the bodies resume signing (a pause is reversible)\n");
    len = sign_statement(8, SP_MODE_RUN, 0, NDC | UNSP | ISB, bundle, sizeof bundle);
    save("epoch-8.note", bundle, len);
    expect(apply(bundle, len, "epoch-8.note") == SP_OK, "resume statement accepted");
    run_week(8, "RUN");

    for (int b = 0; b < BODIES; b++)
        sp_signer_key_wipe(&keys[b]);
    say("\n== Summary: %llu h of work granted in total; device state in %s/device.state\n",
        (unsigned long long)(worked_seconds / 3600), dir);
    say("   try (build/softpause in the source tree):\n");
    say("        softpause device status --state %s/device.state\n", dir);
    say("        softpause statement verify --policy %s/policy.txt %s/attack-military-only.note\n",
        dir, dir);
    if (story_broken) {
        fputs("softpause: error: the demo did not go as narrated\n", stderr);
        return EXIT_REJECTED;
    }
    say("demo complete: every step happened as narrated\n");
    return EXIT_OK;
}
