/*
 * cmd_demo.c -- `softpause demo`: the whole story in one run, on embedded defaults.
 *
 * Everything runs here, on loopback: three witnesses (C2SP tlog-witness) and a
 * transparency log (C2SP tlog-tiles) on free ports, five bodies (three military, two
 * civil) under the policy "3 of all AND 1 of civil, published in the log and cosigned by
 * 2 of the 3 witnesses", and a simulated device.  Each epoch the bodies sign a statement,
 * it is published (POST /add), the log gets its checkpoint cosigned, a bundle is built
 * from the log's public tiles, and the device applies it and works through the epoch.
 *
 * Witnesses sign with the real clock, and the device measures freshness against the time
 * they attest.  To show many epochs in a minute, epochs last one hour (a week in the
 * default policy) and the policy's genesis is 20 hours ago, with a max-staleness of 12
 * hours: every epoch from 7 to 21 is then inside the window a device accepts now.
 *
 * Shown being refused: a military-only quorum and a duplicated signature (by the log,
 * which only appends what the policy accepts, and by the device); a replayed bundle; a
 * correctly signed statement that was never logged; a checkpoint cosigned by too few
 * witnesses; a stale statement (freeze) and a far-future one (fast-forward).  Two witnesses
 * go down and nothing can be published until they return.  The bodies stop signing and the
 * device pauses when its allowance runs out; a later RUN statement resumes it.
 *
 * Then a rotation week (protocol.md section 18): one civil body's key is declared
 * compromised; the body makes a new key, the current quorum and the new key sign a policy
 * update that re-keys it (refused first without the new key's proof of possession), the
 * log publishes it and switches, and the device adopts version 2.  Refused on the way: the
 * update replayed, a statement whose civil signature is the retired key's, and on a
 * second device that missed the week, that week's (version-1) statement after the update;
 * the next week's, signed with the new key, is accepted by both.
 *
 * Every step goes through the same library calls as the individual commands, and every
 * outcome is checked: the demo exits 1 if the story does not happen as told.
 *
 * Its files go to a new directory under $TMPDIR (or /tmp), removed at the end unless --keep; a --dir
 * given is created if needed and never removed.  The "try:" lines that show how to inspect
 * the files are printed only when they are kept.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <sys/stat.h>

#include "cli.h"
#include "softpause/device.h"
#include "softpause/host/bundle_make.h"
#include "softpause/host/devfile.h"
#include "softpause/host/fileio.h"
#include "softpause/host/http.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/policy_build.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/utc.h"
#include "softpause/server/log.h"
#include "softpause/server/witness.h"
#include "softpause/tlog_proof.h"
#include "softpause/update.h"

static const char demo_usage[] =
    "usage: softpause demo [--dir DIR | --keep]\n"
    "\n"
    "Run the end-to-end story on loopback: three witnesses and a transparency log on free\n"
    "ports, five bodies (three military, two civil), the policy \"3 of all AND 1 of\n"
    "civil, logged and cosigned by 2 of 3 witnesses\", one-hour epochs (standing for\n"
    "weeks) of RUN, refused attacks (unbalanced quorums, replays, an unlogged statement,\n"
    "too few witnesses, stale and far-future epochs), a witness outage, a THROTTLE epoch,\n"
    "the bodies stop signing and the device pauses, then resumes; then a rotation week\n"
    "(a civil body's key replaced by a quorum-signed policy update, adopted by two\n"
    "devices).  Files (keys, policies, witness and log databases, statements, bundles,\n"
    "device states, and the bodies' signing records in DIR/signing-state) go to DIR,\n"
    "which is kept, so each step can be repeated with the individual commands; without\n"
    "--dir, to a new directory under $TMPDIR (or /tmp) that is removed at the end unless\n"
    "--keep.  Exit 0 if every step happened as narrated.\n"
    "\n"
    "  --dir DIR   write the files to DIR (created if absent; never removed)\n"
    "  --keep      keep the new directory, and print how to inspect it\n";

#define BODIES 5
#define WITNESSES 3
#define EPOCH 3600ull                  /* one hour stands for one week */
#define HOURS_BACK 20ull               /* genesis: the top of the hour, 20 hours ago */
#define STALENESS (12ull * 3600ull)    /* max-staleness of the demo policy */
#define ALLOWANCE (80ull * 60ull)      /* 80 minutes of powered-on time per epoch */
#define STEP 600ull                    /* the device asks for work in 10-minute slices */

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
/* After the rotation week, slot ISB_BODY holds intl-standards-body's new key and slot
 * RETIRED its compromised one, which still signs for the attack that shows it is useless. */
enum { ISB_BODY = 4, RETIRED_SLOT = BODIES, ISB_RETIRED = 1 << BODIES };
#define QUORUM (NDC | SJC | UNSP)

static const char *const witness_names[3][2] = {
    {"w1", "witness-a.example/w"}, {"w2", "witness-b.example/w"}, {"w3", "witness-c.example/w"}};

static struct {
    const char *name;             /* policy-local witness name */
    const char *key_name;
    char key_path[4200];
    char db[1200];
    sp_signer_key key;
    sp_witness_service *svc;
    sp_http_server *http;
    uint16_t port;
} wit[WITNESSES];

static char dir[1024];
static char key_paths[BODIES + 1][4200];
static sp_signer_key keys[BODIES + 1];
static sp_policy_signer_spec specs[BODIES]; /* the policy's signers (rebuilt at rotation) */
static sp_policy_spec spec;                 /* the policy as built (version 1, then 2) */
static char wpolicy[8192];                  /* its witness block */
static char device_b_path[1200];            /* a second device, offline for a while */
static sp_devfile df_b;
static sp_device dev_b;
static sp_signer_key log_key;
static sp_wlog log_entry;
static sp_log_server *log_srv;
static sp_http_server *log_http;
static char log_url[64];
static sp_policy policy;
static uint8_t policy_bytes[SP_MAX_POLICY_BYTES];
static size_t policy_len;
static uint64_t genesis;
static sp_devfile df;
static sp_device dev;
static sp_bundle_work bwork;
static int story_broken;
static uint64_t worked_seconds;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    (void)cli_flush(); /* a failure is reported by cli_finish */
}

static void expect(int ok, const char *what)
{
    if (!ok) {
        printf("  !! demo: unexpected outcome: %s\n", what);
        story_broken = 1;
    }
}

/* ISO 8601 UTC, as every command shows times (two buffers: a line may show two times). */
static const char *time_of(uint64_t t)
{
    static char buf[2][SP_UTC_BYTES];
    static unsigned next;
    return sp_utc_format(buf[next++ % 2u], t);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

/* Remove the directory the demo created under /tmp, with everything in it (not following
 * symbolic links).  0, or -1 with errno set. */
static int remove_demo_dir(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Each body in `who` signs `text` separately (as it would, in its own office), under its
 * own signing record as `note sign` keeps them (one per public key, in DIR: the demo's
 * keys are its own, so their records stay with them; with a policy at hand a statement
 * may start at most an epoch and a day past the clock).  notes/lens get the copies.
 * Returns how many, 0 on a refusal. */
static size_t sign_copies(const uint8_t *text, size_t text_len, unsigned who,
                          const uint8_t *notes[BODIES + 1], size_t lens[BODIES + 1])
{
    static uint8_t copies[BODIES + 1][SP_SIGNED_NOTE_CAP];
    static sp_sign_report rep;
    size_t n = 0, signed_len;
    uint32_t line;
    char state[1100];
    sp_sign_guard guard = {state, NULL, (uint64_t)time(NULL), EPOCH + 86400u, NULL};

    snprintf(state, sizeof state, "%s/signing-state", dir);
    for (int b = 0; b <= BODIES; b++) {
        if (!(who & (1u << b)))
            continue;
        guard.key_path = key_paths[b];
        sp_err e = sp_note_sign_guarded(&keys[b], &guard, text, text_len, 1, copies[n],
                                        sizeof copies[n], &lens[n], &signed_len, &rep, &line);
        if (e != SP_OK) {
            cli_sign_error(e, b < BODIES ? bodies[b].body : "a retired key", line, &guard, &rep);
            return 0;
        }
        notes[n] = copies[n];
        n++;
    }
    return n;
}

/* The statement for `epoch` under the current policy, signed by `who` and collected into
 * one note.  Returns the note's length (0: refused). */
static size_t sign_statement(uint64_t epoch, uint32_t mode, uint32_t permille, unsigned who,
                             uint8_t *bundle, size_t cap)
{
    const uint8_t *notes[BODIES + 1];
    size_t lens[BODIES + 1], n, text_len, out_len = 0, bad;
    uint8_t text[SP_MAX_STATEMENT_TEXT];
    sp_statement st;
    sp_collect_result res;
    uint32_t line;

    if (sp_statement_for_epoch(&st, &policy, epoch, mode, permille) != SP_OK ||
        sp_statement_format(&st, text, sizeof text, &text_len) != SP_OK)
        return 0;
    if ((n = sign_copies(text, text_len, who, notes, lens)) == 0 ||
        sp_collect(&policy, notes, lens, n, bundle, cap, &out_len, &res, &bad, &line) != SP_OK)
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


static sp_err apply_on(sp_device *d, const char *who, const uint8_t *bundle, size_t len,
                       const char *label)
{
    static sp_bundle_report report;
    char hex[2 * SP_SHA256_BYTES + 1];
    uint32_t line;
    uint64_t version = d->policy.version;
    memset(&report, 0, sizeof report);
    sp_err e = sp_device_apply(d, bundle, len, &report, &line);
    if (e == SP_OK && d->policy.version != version) {
        say("  %s: accepted policy update to version %llu (policy %s)\n", who,
            (unsigned long long)d->policy.version,
            cli_hex(hex, d->policy.hash, SP_SHA256_BYTES));
    } else if (e == SP_OK) {
        say("  %s: accepted %s; allowance set to %llu min; attested time %s\n", who, label,
            (unsigned long long)(d->state.allowance / 60), time_of(d->state.attested_time));
    } else {
        say("  %s: REFUSED %s: %s (%s)\n", who, label, sp_err_name(e), sp_err_message(e));
        if (e == SP_ERR_QUORUM_NOT_MET || e == SP_ERR_QUORUM_KEY_COUNTED_TWICE)
            cli_print_bundle_report(stdout, &d->policy, d->work.leaf, &report);
    }
    return e;
}

static sp_err apply(const uint8_t *bundle, size_t len, const char *label)
{
    return apply_on(&dev, "device", bundle, len, label);
}

/* ---- the servers ------------------------------------------------------------------- */

/* create: the first start makes the witness's database (`witness serve --init`); a
 * restart must find it. */
static sp_err start_witness(int i, int create)
{
    sp_witness_config cfg;
    char err[256];
    sp_err e;
    memset(&cfg, 0, sizeof cfg);
    cfg.key = &wit[i].key;
    cfg.logs = &log_entry;
    cfg.nlogs = 1;
    cfg.db_path = wit[i].db;
    cfg.create = create;
    if ((e = sp_witness_open(&wit[i].svc, &cfg, err, sizeof err)) != SP_OK)
        return e;
    /* The first start picks a free port; a restart takes the same one back (the policy
     * names the witness's URL). */
    e = sp_http_server_start(&wit[i].http, NULL, wit[i].port, SP_MAX_WITNESS_REQUEST_BYTES,
                             sp_witness_http, wit[i].svc, &wit[i].port);
    if (e != SP_OK) {
        sp_witness_close(wit[i].svc);
        wit[i].svc = NULL;
    }
    return e;
}

static void stop_witness(int i)
{
    sp_http_server_stop(wit[i].http);
    sp_witness_close(wit[i].svc);
    wit[i].http = NULL;
    wit[i].svc = NULL;
}

static void stop_all(void)
{
    sp_http_server_stop(log_http);
    sp_log_server_close(log_srv);
    log_http = NULL;
    log_srv = NULL;
    for (int i = 0; i < WITNESSES; i++)
        if (wit[i].svc != NULL)
            stop_witness(i);
}

/* POST the statement to the log.  Returns the HTTP status (0: unreachable); *reason gets
 * the log's answer. */
static int publish(const uint8_t *note, size_t len, char *reason, size_t cap)
{
    int status = 0;
    if (sp_log_submit(log_url, note, len, 10000, &status, reason, cap) != SP_OK)
        return 0;
    return status;
}

/* One publication round: the log signs a checkpoint and asks every witness to cosign. */
static sp_err round_of_witnessing(void)
{
    sp_log_round round;
    sp_err e = sp_log_publish(log_srv, &round);
    say("  log: checkpoint of %llu entries cosigned by", (unsigned long long)round.size);
    for (uint32_t i = 0; i < round.witness_count && i < SP_MAX_WITNESSES; i++)
        if (round.cosigned & (1u << i))
            say(" %s", policy.witness.witnesses[i].name);
    if (round.cosigned == 0)
        say(" nobody");
    say(e == SP_OK ? " -- quorum met, published\n" : " -- NO quorum: not published\n");
    return e;
}

/* Sign, publish, get witnessed and bundle one epoch's statement. */
static size_t statement_to_bundle(uint64_t epoch, uint32_t mode, uint32_t permille,
                                  unsigned who, uint8_t *bundle, size_t cap, const char *name)
{
    static uint8_t note[SP_SIGNED_NOTE_CAP];
    char reason[512], file[96];
    sp_bundle_made made;
    const char *what = NULL;
    size_t len = sign_statement(epoch, mode, permille, who, note, sizeof note), out = 0;
    expect(len > 0, "signing and collecting a statement");
    snprintf(file, sizeof file, "%s.note", name);
    save(file, note, len);
    expect(publish(note, len, reason, sizeof reason) == 200, "the log appends the statement");
    expect(round_of_witnessing() == SP_OK, "the witnesses cosign");
    sp_err e = sp_bundle_make(&policy, log_url, note, len, UINT64_MAX, &bwork, bundle, cap, &out,
                              &made, &what);
    if (e != SP_OK) {
        say("  bundle: %s: %s (%s)\n", what, sp_err_name(e), sp_err_message(e));
        expect(0, "a bundle can be made from the log");
        return 0;
    }
    snprintf(file, sizeof file, "%s.tlog-proof", name);
    save(file, bundle, out);
    say("  bundle %s/%s: statement at index %llu of %llu, attested %s\n", dir, file,
        (unsigned long long)made.index, (unsigned long long)made.tree_size,
        time_of(made.witnesses.quorum_time));
    return out;
}

static void run_epoch(uint64_t epoch, const char *mode_label)
{
    uint64_t start = genesis + epoch * EPOCH, paused_at = 0;
    sp_err e = work(start, EPOCH, &paused_at);
    if (e == SP_OK)
        say("  worked the full hour at %s; %llu min of allowance left\n", mode_label,
            (unsigned long long)(dev.state.allowance / 60));
    else
        say("  device PAUSED after %llu min: %s\n",
            (unsigned long long)((paused_at - start) / 60), sp_err_message(e));
    expect(e == SP_OK, "an epoch should run through");
}

/* ---- setting up ---------------------------------------------------------------------- */

static int read_vkey_text(const char *pub, char *out, size_t cap)
{
    size_t n = 0;
    if (sp_file_read(pub, (uint8_t *)out, cap - 1, &n) != SP_OK)
        return 0;
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        n--;
    out[n] = '\0';
    return 1;
}

static int setup(void)
{
    static const char *const rules[] = {"3 of all", "1 of civil"};
    char detail[256], pub[4200], path[1200], log_key_path[4200], vkey[512];
    size_t wlen = 0;
    sp_err e;

    say("== Setting up in %s\n", dir);
    for (int b = 0; b < BODIES; b++) {
        if ((e = sp_key_generate(bodies[b].name, dir, key_paths[b], pub, sizeof pub)) != SP_OK ||
            (e = sp_signer_key_load(&keys[b], key_paths[b])) != SP_OK ||
            (e = sp_vkey_load(&specs[b].key, pub)) != SP_OK)
            return cli_error(e, dir, 0, "key for %s", bodies[b].body);
        specs[b].body = bodies[b].body;
        specs[b].tags = bodies[b].tags;
        say("  body %-26s %-9s key %s\n", bodies[b].body, bodies[b].tags, pub);
    }

    /* The log's key first: witnesses must know which log they witness. */
    if ((e = sp_key_generate("log.softpause.example/global", dir, log_key_path, pub,
                             sizeof pub)) != SP_OK ||
        (e = sp_signer_key_load(&log_key, log_key_path)) != SP_OK || !read_vkey_text(pub, vkey, sizeof vkey))
        return cli_error(e, dir, 0, "the log's key");
    log_entry.key = log_key.pub;
    wlen += (size_t)snprintf(wpolicy + wlen, sizeof wpolicy - wlen,
                             "# the log that publishes statements\nlog %s\n"
                             "# witnesses: each cosigns only checkpoints consistent with what it saw\n",
                             vkey);
    for (int i = 0; i < WITNESSES; i++) {
        wit[i].name = witness_names[i][0];
        wit[i].key_name = witness_names[i][1];
        if ((e = sp_key_generate_typed(wit[i].key_name, SP_KEY_ALG_COSIGNER, dir, wit[i].key_path,
                                       pub, sizeof pub)) != SP_OK ||
            (e = sp_signer_key_load_typed(&wit[i].key, wit[i].key_path, SP_KEY_ALG_COSIGNER)) !=
                SP_OK ||
            !read_vkey_text(pub, vkey, sizeof vkey))
            return cli_error(e, dir, 0, "key of witness %s", wit[i].name);
        snprintf(wit[i].db, sizeof wit[i].db, "%s/%s.db", dir, wit[i].name);
        if ((e = start_witness(i, 1)) != SP_OK)
            return cli_error(e, wit[i].db, 0, "starting witness %s", wit[i].name);
        wlen += (size_t)snprintf(wpolicy + wlen, sizeof wpolicy - wlen,
                                 "witness %s %s http://127.0.0.1:%u\n", wit[i].name, vkey,
                                 (unsigned)wit[i].port);
        say("  witness %s (%s) listening on http://127.0.0.1:%u\n", wit[i].name,
            wit[i].key_name, (unsigned)wit[i].port);
    }
    snprintf(wpolicy + wlen, sizeof wpolicy - wlen,
             "group witnesses 2 w1 w2 w3\nquorum witnesses\n");
    save("witness-policy.txt", (const uint8_t *)wpolicy, strlen(wpolicy));

    genesis = ((uint64_t)time(NULL) / EPOCH - HOURS_BACK) * EPOCH;
    memset(&spec, 0, sizeof spec);
    spec.deployment = "softpause.example/global";
    spec.version = 1;
    spec.genesis = genesis;
    spec.epoch_length = EPOCH;
    spec.allowance = ALLOWANCE;
    spec.max_staleness = STALENESS;
    spec.signers = specs;
    spec.signer_count = BODIES;
    spec.rules = rules;
    spec.rule_count = 2;
    spec.witness_policy = (const uint8_t *)wpolicy;
    spec.witness_policy_len = strlen(wpolicy);
    if ((e = sp_policy_build(&spec, &policy, policy_bytes, sizeof policy_bytes, &policy_len,
                             detail, sizeof detail)) != SP_OK)
        return cli_error(e, NULL, 0, "%s", detail);
    save("policy.txt", policy_bytes, policy_len);
    say("  policy %s/policy.txt: 3 of all AND 1 of civil; logged, and cosigned by 2 of 3\n"
        "         witnesses; one-hour epochs from %s (20 hours ago), %llu min of work\n"
        "         per epoch, max-staleness 12 hours\n",
        dir, time_of(genesis), (unsigned long long)(ALLOWANCE / 60));

    {
        sp_log_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.policy = &policy;
        cfg.key = &log_key;
        snprintf(path, sizeof path, "%s/log.db", dir);
        cfg.db_path = path;
        uint16_t port = 0;
        if ((e = sp_log_server_open(&log_srv, &cfg)) != SP_OK ||
            (e = sp_http_server_start(&log_http, NULL, 0, SP_LOG_MAX_ADD_BYTES, sp_log_handle,
                                      log_srv, &port)) != SP_OK)
            return cli_error(e, path, 0, "starting the log");
        snprintf(log_url, sizeof log_url, "http://127.0.0.1:%u", (unsigned)port);
        say("  log %s listening on %s (tiles, checkpoint, POST /add)\n", log_key.pub.name,
            log_url);
    }

    snprintf(path, sizeof path, "%s/device.state", dir);
    /* The demo runs the device for its whole life, so it holds the device's lock as long. */
    static sp_devlock lock;
    long holder = 0;
    if ((e = sp_devfile_lock(&lock, path, 1, &holder)) != SP_OK ||
        (e = sp_devfile_provision(&df, path, &dev, policy_bytes, policy_len, NULL)) != SP_OK)
        return cli_error(e, path, 0, "provisioning");
    say("  device %s provisioned: policy hash anchored, paused until authorised\n", path);
    snprintf(device_b_path, sizeof device_b_path, "%s/device-b.state", dir);
    static sp_devlock lock_b;
    if ((e = sp_devfile_lock(&lock_b, device_b_path, 1, &holder)) != SP_OK ||
        (e = sp_devfile_provision(&df_b, device_b_path, &dev_b, policy_bytes, policy_len,
                                  NULL)) != SP_OK)
        return cli_error(e, device_b_path, 0, "provisioning");
    say("  device %s provisioned the same way; it stays offline until the rotation\n\n",
        device_b_path);
    return EXIT_OK;
}

/* ---- the story ------------------------------------------------------------------------- */

/* Replace the statement a bundle carries (its extra line) by another note: "a correctly
 * signed statement dressed in another statement's publication proof". */
static size_t swap_statement(const uint8_t *bundle, size_t len, const uint8_t *note,
                             size_t note_len, uint8_t *out, size_t cap)
{
    static sp_tlog_proof proof;
    size_t out_len = 0;
    if (sp_tlog_proof_parse(&proof, bundle, len, NULL) != SP_OK ||
        sp_tlog_proof_format(note, note_len, proof.index,
                             (const uint8_t(*)[SP_SHA256_BYTES])proof.hashes, proof.hash_count,
                             proof.checkpoint, proof.checkpoint_len, out, cap,
                             &out_len) != SP_OK)
        return 0;
    return out_len;
}

/* Keep only the first `keep` cosignature lines of a bundle's checkpoint (the log's own
 * line is the first signature line, cosignatures follow). */
static size_t strip_cosignatures(const uint8_t *bundle, size_t len, int keep, uint8_t *out)
{
    static const char dash[] = "\xe2\x80\x94 ";
    size_t o = 0, i = 0;
    int sig_lines = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && bundle[j] != '\n')
            j++;
        j = j < len ? j + 1 : j;
        int is_sig = j - i > 4 && memcmp(bundle + i, dash, 4) == 0;
        if (!is_sig || sig_lines++ <= keep) {
            memcpy(out + o, bundle + i, j - i);
            o += j - i;
        }
        i = j;
    }
    return o;
}

static void attacks(const uint8_t *current, size_t current_len)
{
    static uint8_t note[SP_SIGNED_NOTE_CAP], forged[SP_MAX_BUNDLE_BYTES];
    char reason[512];
    size_t len;
    int status;

    say("\n== Attacks (each uses otherwise valid signatures)\n");
    say("  1. three MILITARY bodies sign epoch 14 without any civil body\n");
    len = sign_statement(14, SP_MODE_RUN, 0, NDC | SJC | EDA, note, sizeof note);
    save("attack-military-only.note", note, len);
    status = publish(note, len, reason, sizeof reason);
    say("  log: refused with HTTP %d: %s\n", status, reason);
    expect(status == 422 || status == 400, "the log refuses a military-only quorum");
    expect(apply(note, len, "the bare military-only statement") == SP_ERR_BUNDLE_BARE_STATEMENT,
           "a bare statement is refused");

    say("  2. two valid signatures, one line duplicated to fake a third\n");
    len = sign_statement(14, SP_MODE_RUN, 0, NDC | UNSP, note, sizeof note);
    {
        size_t last = len - 1;
        while (last > 0 && note[last - 1] != '\n')
            last--;
        memcpy(note + len, note + last, len - last);
        len += len - last;
    }
    save("attack-duplicate-line.note", note, len);
    status = publish(note, len, reason, sizeof reason);
    say("  log: refused with HTTP %d: %s\n", status, reason);
    expect(status >= 400 && status < 500, "the log refuses a duplicated signature line");

    say("  3. a correctly signed epoch-14 statement that was never logged, carried in\n"
        "     epoch 13's publication proof\n");
    len = sign_statement(14, SP_MODE_RUN, 0, QUORUM, note, sizeof note);
    save("attack-unlogged.note", note, len);
    expect(apply(note, len, "the unlogged statement, bare") == SP_ERR_BUNDLE_BARE_STATEMENT,
           "an unlogged bare statement is refused");
    len = swap_statement(current, current_len, note, len, forged, sizeof forged);
    save("attack-unlogged.tlog-proof", forged, len);
    expect(apply(forged, len, "the unlogged statement in another's proof") ==
               SP_ERR_MERKLE_ROOT_MISMATCH,
           "an unlogged statement is refused");

    say("  4. epoch 13's bundle with its checkpoint cosigned by one witness only\n");
    len = strip_cosignatures(current, current_len, 1, forged);
    save("attack-one-witness.tlog-proof", forged, len);
    expect(apply(forged, len, "the checkpoint with one cosignature") == SP_ERR_WITNESS_QUORUM,
           "too few witnesses refused");

    say("  5. epoch 13's genuine bundle replayed\n");
    expect(apply(current, current_len, "epoch 13 again (replay)") == SP_ERR_DEV_EPOCH_NOT_NEWER,
           "replay refused");
}

/* ---- the rotation week (protocol.md section 18) ---------------------------------------- */

/* Sign an update text with `who` and collect the copies (lines valid under either policy).
 * Returns the note's length (0: refused). */
static size_t sign_update(const uint8_t *text, size_t text_len, unsigned who, uint8_t *out,
                          size_t cap)
{
    const uint8_t *notes[BODIES + 1];
    size_t lens[BODIES + 1], n, out_len = 0, bad;
    sp_collect_result res;
    uint32_t line;
    if ((n = sign_copies(text, text_len, who, notes, lens)) == 0 ||
        sp_update_collect(&policy, notes, lens, n, out, cap, &out_len, &res, &bad, &line) !=
            SP_OK)
        return 0;
    return out_len;
}

/* The log's answer to POST /add, checked for the refusal `want` (its code name in the
 * reason the log gives). */
static void log_refuses(const uint8_t *note, size_t len, sp_err want, const char *what)
{
    char reason[512];
    int status = publish(note, len, reason, sizeof reason);
    say("  log: refused with HTTP %d: %s\n", status, reason);
    expect(status >= 400 && status < 500 && strstr(reason, sp_err_name(want)) != NULL, what);
}

/* intl-standards-body's key is declared compromised: the body makes a new key, the
 * current quorum and the new key sign an update that re-keys it, the log publishes it,
 * devices adopt it, and the next week is signed with the new key. */
static void rotation_week(void)
{
    static uint8_t this_week[SP_MAX_BUNDLE_BYTES], next_week[SP_MAX_BUNDLE_BYTES];
    static uint8_t text[SP_MAX_NOTE_BYTES], note[SP_SIGNED_NOTE_CAP];
    static uint8_t next_bytes[SP_MAX_POLICY_BYTES];
    static sp_policy next;
    static sp_note nwork;
    static sp_update_result ures;
    static sp_update_report urep;
    char url[128], detail[256], pub[4200], newdir[1100], reason[512];
    uint8_t *update_bundle = NULL;
    size_t this_len, next_len, text_len = 0, len, next_bytes_len = 0, ub_len = 0;
    int status = 0;
    uint32_t line;
    sp_err e;

    say("\n== Rotation week: epoch 20, then intl-standards-body's key is declared compromised\n");
    this_len = statement_to_bundle(20, SP_MODE_RUN, 0, NDC | SJC | UNSP, this_week,
                                   sizeof this_week, "epoch-20");
    expect(apply(this_week, this_len, "epoch-20") == SP_OK, "epoch 20 accepted");

    /* The body makes a new key (a directory of its own: the name stays the same). */
    snprintf(newdir, sizeof newdir, "%s/isb-new-key", dir);
    memcpy(&keys[RETIRED_SLOT], &keys[ISB_BODY], sizeof keys[0]);
    memcpy(key_paths[RETIRED_SLOT], key_paths[ISB_BODY], sizeof key_paths[0]);
    if (mkdir(newdir, 0700) != 0 ||
        sp_key_generate(bodies[ISB_BODY].name, newdir, key_paths[ISB_BODY], pub, sizeof pub) !=
            SP_OK ||
        sp_signer_key_load(&keys[ISB_BODY], key_paths[ISB_BODY]) != SP_OK ||
        sp_vkey_load(&specs[ISB_BODY].key, pub) != SP_OK) {
        expect(0, "intl-standards-body makes a new key");
        return;
    }
    say("  intl-standards-body's new key %s\n", pub);

    /* Version 2: the same policy with the new key (the bodies would run `policy init`). */
    spec.version = 2;
    if ((e = sp_policy_build(&spec, &next, next_bytes, sizeof next_bytes, &next_bytes_len,
                             detail, sizeof detail)) != SP_OK ||
        (e = sp_update_format(&policy, &next, next_bytes, next_bytes_len, 0, text, sizeof text,
                              &text_len)) != SP_OK) {
        say("  update: %s (%s)\n", sp_err_name(e), detail);
        expect(0, "the update to version 2 can be written");
        return;
    }
    save("policy-2.txt", next_bytes, next_bytes_len);
    save("update-2.txt", text, text_len);
    say("  update %s/update-2.txt: version 2 re-keys intl-standards-body\n", dir);

    say("  the current quorum signs it, without the new key's proof of possession\n");
    len = sign_update(text, text_len, NDC | SJC | UNSP, note, sizeof note);
    expect(len > 0, "the update is signed by the current quorum");
    e = sp_update_verify(&policy, note, len, sp_sodium_crypto(), &nwork, &ures, &urep, &line);
    say("  policy verify: %s (%s)\n", sp_err_name(e), sp_err_message(e));
    expect(e == SP_ERR_UPDATE_UNSIGNED_KEY, "an update without the new key is refused");
    log_refuses(note, len, SP_ERR_UPDATE_UNSIGNED_KEY, "the log refuses the unsigned new key");

    say("  the new key signs too; the log appends the update and waits for its witnesses\n");
    len = sign_update(text, text_len, NDC | SJC | UNSP | ISB, note, sizeof note);
    save("update-2.note", note, len);
    expect(publish(note, len, reason, sizeof reason) == 200, "the log appends the update");
    expect(round_of_witnessing() == SP_OK, "the witnesses cosign the update");
    snprintf(url, sizeof url, "%s/policy-update/2", log_url);
    e = sp_http_request("GET", url, NULL, 0, 10000, SP_MAX_BUNDLE_BYTES, &status,
                        &update_bundle, &ub_len, NULL, 0);
    expect(e == SP_OK && status == 200, "the log serves the update bundle");
    if (e != SP_OK || status != 200) {
        free(update_bundle);
        return;
    }
    save("policy-update-2.tlog-proof", update_bundle, ub_len);
    say("  log: adopted version 2; update bundle %s/policy-update-2.tlog-proof\n", dir);
    expect(apply(update_bundle, ub_len, "the update") == SP_OK, "the device adopts version 2");
    expect(apply(update_bundle, ub_len, "the update again (replay)") == SP_ERR_UPDATE_NOT_NEWER,
           "a replayed update is refused");

    /* From here on the bodies sign under version 2. */
    memcpy(&policy, &next, sizeof policy);
    memcpy(policy_bytes, next_bytes, next_bytes_len);
    policy_len = next_bytes_len;

    say("\n== Epoch 21 under version 2\n");
    say("  the retired key supplies the civil signature\n");
    len = sign_statement(21, SP_MODE_RUN, 0, NDC | SJC | ISB_RETIRED, note, sizeof note);
    save("attack-retired-key.note", note, len);
    log_refuses(note, len, SP_ERR_QUORUM_NOT_MET, "the log refuses the retired key's quorum");
    next_len = statement_to_bundle(21, SP_MODE_RUN, 0, NDC | SJC | ISB, next_week,
                                   sizeof next_week, "epoch-21");
    expect(apply(next_week, next_len, "epoch-21 (signed with the new key)") == SP_OK,
           "the new key's statement is accepted");

    say("\n== Device B comes back online, having missed epoch 20\n");
    expect(apply_on(&dev_b, "device B", update_bundle, ub_len, "the update") == SP_OK,
           "device B adopts version 2");
    expect(apply_on(&dev_b, "device B", this_week, this_len, "epoch-20 (version 1)") ==
               SP_ERR_STMT_POLICY,
           "an old-policy statement after the update is refused");
    expect(apply_on(&dev_b, "device B", next_week, next_len, "epoch-21") == SP_OK,
           "device B accepts epoch 21");
    free(update_bundle);
}

/* The story, in dir; `kept`: the files stay afterwards, so the "try:" lines are shown. */
static int story(int kept)
{
    static uint8_t bundle[SP_MAX_BUNDLE_BYTES], old_bundle[SP_MAX_BUNDLE_BYTES];
    static uint8_t last_bundle[SP_MAX_BUNDLE_BYTES];
    size_t len, old_len = 0, last_len = 0;
    const unsigned signers_of[6] = {NDC | SJC | UNSP, SJC | EDA | ISB, NDC | EDA | UNSP,
                                    NDC | SJC | EDA | UNSP | ISB, SJC | UNSP | ISB,
                                    NDC | EDA | ISB};
    char name[64];
    int rc;

    if ((rc = setup()) != EXIT_OK) {
        stop_all();
        return rc;
    }

    say("== An old statement: epoch 5, signed and logged 15 hours late\n");
    old_len = statement_to_bundle(5, SP_MODE_RUN, 0, QUORUM, old_bundle, sizeof old_bundle,
                                  "epoch-5");

    /* Epochs 12..17: five of RUN, then THROTTLE. */
    for (uint64_t epoch = 12; epoch <= 17; epoch++) {
        int throttle = epoch == 17;
        say("\n== Epoch %llu, from %s\n", (unsigned long long)epoch,
            time_of(genesis + epoch * EPOCH));
        snprintf(name, sizeof name, "epoch-%llu", (unsigned long long)epoch);
        len = statement_to_bundle(epoch, throttle ? SP_MODE_THROTTLE : SP_MODE_RUN,
                                  throttle ? 100 : 0, signers_of[epoch - 12], bundle,
                                  sizeof bundle, name);
        expect(apply(bundle, len, name) == SP_OK, "a published, witnessed statement is accepted");
        memcpy(last_bundle, bundle, len);
        last_len = len;
        run_epoch(epoch, throttle ? "THROTTLE 100 permille" : "RUN");
        if (epoch == 13)
            attacks(last_bundle, last_len);
    }

    say("\n== The bodies stop signing after epoch 17\n");
    {
        uint64_t start = genesis + 18 * EPOCH, paused_at = 0;
        sp_err e = work(start, EPOCH, &paused_at);
        say("  the device runs on what is left of its epoch-17 allowance...\n");
        say("  after %llu min: device PAUSED: %s\n", (unsigned long long)((paused_at - start) / 60),
            sp_err_message(e));
        expect(e == SP_ERR_DEV_EXHAUSTED, "device pauses when the allowance runs out");
        expect(paused_at == start + (ALLOWANCE - EPOCH), "pause after the 20-minute grace");
        expect(apply(last_bundle, last_len, "epoch 17 again (replay)") ==
                   SP_ERR_DEV_EPOCH_NOT_NEWER,
               "replay refused while paused");
    }

    say("\n== Two witnesses go down; the bodies sign epoch 19\n");
    stop_witness(1);
    stop_witness(2);
    {
        static uint8_t note[SP_SIGNED_NOTE_CAP];
        char reason[512];
        sp_bundle_made made;
        const char *what = NULL;
        size_t out = 0;
        len = sign_statement(19, SP_MODE_RUN, 0, NDC | UNSP | ISB, note, sizeof note);
        save("epoch-19.note", note, len);
        expect(publish(note, len, reason, sizeof reason) == 200, "the log appends epoch 19");
        expect(round_of_witnessing() == SP_ERR_WITNESS_QUORUM, "one witness is not a quorum");
        sp_err e = sp_bundle_make(&policy, log_url, note, len, UINT64_MAX, &bwork, bundle,
                                  sizeof bundle, &out, &made, &what);
        say("  bundle for epoch 19: %s (%s)\n", sp_err_name(e),
            e == SP_OK ? "made" : "no cosigned checkpoint covers it yet");
        expect(e == SP_ERR_NOT_FOUND, "no bundle without the witness quorum");
        say("  the witnesses come back\n");
        for (int i = 1; i <= 2; i++)
            expect(start_witness(i, 0) == SP_OK, "witness restarts on its port");
        expect(round_of_witnessing() == SP_OK, "the witnesses cosign again");
        e = sp_bundle_make(&policy, log_url, note, len, UINT64_MAX, &bwork, bundle, sizeof bundle,
                           &out, &made, &what);
        expect(e == SP_OK, "the bundle for epoch 19 can now be made");
        save("epoch-19.tlog-proof", bundle, out);
        say("\n== Epoch 19: the bodies resume signing (a pause is reversible)\n");
        expect(apply(bundle, out, "epoch-19") == SP_OK, "resume statement accepted");
        run_epoch(19, "RUN");
    }

    say("\n== Freshness by witness time\n");
    say("  the witnesses attest it is %s; epoch 5 ended more than 12 hours before\n",
        time_of(dev.state.attested_time));
    expect(apply(old_bundle, old_len, "epoch 5 (stale)") == SP_ERR_DEV_FROZEN,
           "stale statement refused (freeze)");

    rotation_week();

    say("\n== A statement too far ahead\n");
    say("  a quorum signs epoch 40 (hours ahead), and it is logged and witnessed\n");
    len = statement_to_bundle(40, SP_MODE_RUN, 0, QUORUM, bundle, sizeof bundle, "epoch-40");
    expect(apply(bundle, len, "epoch 40 (far future)") == SP_ERR_DEV_FAST_FORWARD,
           "far-future epoch refused (fast-forward)");

    stop_all();
    for (int b = 0; b <= BODIES; b++)
        sp_signer_key_wipe(&keys[b]);
    sp_signer_key_wipe(&log_key);
    for (int i = 0; i < WITNESSES; i++)
        sp_signer_key_wipe(&wit[i].key);
    say("\n== Summary: %llu min of work granted in total\n",
        (unsigned long long)(worked_seconds / 60));
    if (kept) {
        say("   the files are kept in %s; try (build/softpause in the source tree):\n", dir);
        say("        softpause device status --state %s/device.state\n", dir);
        say("        softpause device status --state %s/device-b.state   (anchor: version 1)\n",
            dir);
        say("        softpause bundle verify --policy %s/policy.txt %s/policy-update-2.tlog-proof\n",
            dir, dir);
        say("        softpause bundle verify --policy %s/policy.txt %s/epoch-19.tlog-proof\n",
            dir, dir);
        say("        softpause bundle verify --policy %s/policy.txt "
            "%s/attack-one-witness.tlog-proof\n", dir, dir);
    }
    if (story_broken) {
        fputs("softpause: error: the demo did not go as narrated\n", stderr);
        return EXIT_REJECTED;
    }
    say("demo complete: every step happened as narrated\n");
    return EXIT_OK;
}

int cmd_demo(int argc, char **argv)
{
    const char *dir_opt = NULL, *pos[1];
    size_t npos;
    int keep = 0, rc;
    const cli_opt opts[] = {{"--dir", 1, &dir_opt, NULL, NULL, NULL, 0},
                            {"--keep", 0, NULL, &keep, NULL, NULL, 0},
                            CLI_END};

    cli_parse(argc, argv, "demo", opts, pos, 0, &npos, demo_usage);
    if (keep && dir_opt != NULL)
        return cli_usage("--keep: a --dir is always kept; give one or the other");
    if (sp_sodium_init() != SP_OK)
        return cli_error(SP_ERR_CRYPTO, NULL, 0, "libsodium failed to start");
    if (dir_opt != NULL) {
        snprintf(dir, sizeof dir, "%s", dir_opt);
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return cli_error(SP_ERR_IO, dir, 0, "cannot create the demo directory");
    } else {
        const char *tmp = getenv("TMPDIR");
        if (tmp == NULL || tmp[0] == '\0')
            tmp = "/tmp";
        if ((size_t)snprintf(dir, sizeof dir, "%s/softpause-demo.XXXXXX", tmp) >= sizeof dir ||
            mkdtemp(dir) == NULL)
            return cli_error(SP_ERR_IO, tmp, 0, "cannot create a demo directory");
    }
    rc = story(dir_opt != NULL || keep);
    /* Only the directory made here is removed; one the caller named is theirs. */
    if (dir_opt == NULL && !keep) {
        if (remove_demo_dir(dir) != 0) {
            int e = cli_error(SP_ERR_IO, dir, 0, "cannot remove the demo directory: %s",
                              strerror(errno));
            return rc != EXIT_OK ? rc : e;
        }
        if (rc != EXIT_OK)
            fprintf(stderr, "softpause: the demo's files were removed; run it with --keep "
                            "to inspect them\n");
    }
    return rc;
}
