/*
 * cmd_policy_log.c -- `softpause policy publish|fetch`: a policy update through the log
 * (protocol.md section 18.7).
 *
 * publish  POST the update to the log, wait for the log's update bundle at
 *          /policy-update/<v> (served once a checkpoint covering the update carries the
 *          current witness quorum), verify it as a device at CURRENT would
 *          (sp_bundle_verify_update) and write it, never overwriting.
 * fetch    From CURRENT's version + 1 on, download /policy-update/<v> (a log URL or a
 *          `log export` directory) until there is none, verifying each against the
 *          policy before it, and write OUT/policy-update/<v> and OUT/policy-<v>.txt.
 *          Where an adopted policy no longer names the log a bundle came from, the next
 *          version is looked for at the logs that policy names (their URLs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dacc/json.h"
#include "softpause/bundle.h"
#include "softpause/host/bundle_make.h"
#include "softpause/host/fileio.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/tile_reader.h"
#include "softpause/update.h"

/* How long publish waits for the update bundle by default, and at most. */
#define UPDATE_WAIT_DEFAULT 300u
#define UPDATE_WAIT_MAX 86400u

static uint8_t cur_bytes[SP_MAX_POLICY_BYTES + 1];
static sp_policy cur;                  /* the policy the next update is checked against */
static uint8_t note[SP_MAX_NOTE_BYTES + 1];
static sp_note note_work;
static sp_update_result submitted;
static sp_bundle_work bwork;
static sp_update_result adopted;       /* what the last verified bundle moved to */
static sp_bundle_report breport;

/* Verify an update bundle as a device at `cur` would; on success `adopted` holds it. */
static sp_err verify_bundle(const uint8_t *b, size_t len, uint32_t *line)
{
    sp_update_report ur;
    return sp_bundle_verify_update(&cur, b, len, sp_sodium_crypto(), &bwork, &adopted, &ur,
                                   &breport, line);
}

static void update_path(char *out, size_t cap, uint64_t version)
{
    snprintf(out, cap, "policy-update/%llu", (unsigned long long)version);
}

int policy_publish(const char *cur_path, const char *log, const char *timeout_text,
                   const char *out_arg, int json, const char *input)
{
    char out_buf[64], path[64], hex[65];
    size_t len = 0;
    uint64_t timeout = UPDATE_WAIT_DEFAULT, index = 0;
    uint32_t line = 0;
    int st;
    sp_update_report report;

    if (cur_path == NULL || log == NULL || input == NULL)
        return cli_usage("policy publish needs --policy CURRENT, --log URL and an UPDATE");
    if (timeout_text != NULL &&
        (st = cli_number_range(timeout_text, 1, UPDATE_WAIT_MAX, &timeout, "--timeout")))
        return st;
    if ((st = cli_load_policy(cur_path, &cur, cur_bytes, sizeof cur_bytes, &len)) ||
        (st = cli_read(input, note, sizeof note, &len, &cli_note_input)))
        return st;
    /* Refused here what a device (and the log) would refuse. */
    sp_err e = sp_update_verify(&cur, note, len, sp_sodium_crypto(), &note_work, &submitted,
                                &report, &line);
    if (e != SP_OK)
        return cli_error(e, input, line, "not an update a device at %s accepts "
                         "(softpause policy verify says why)", cur_path);
    const uint64_t version = submitted.update.version;
    if (out_arg == NULL)
        snprintf(out_buf, sizeof out_buf, "policy-update-%llu", (unsigned long long)version);
    const char *out = out_arg != NULL ? out_arg : out_buf;
    if (sp_file_exists(out))
        return cli_error(SP_ERR_EXISTS, out, 0, "refusing to overwrite");

    if ((st = cli_log_submit(log, note, len, input, "update", &index)) != EXIT_OK)
        return st;
    fprintf(stderr, "logged at index %llu; waiting for %s/%s\n", (unsigned long long)index,
            log, (update_path(path, sizeof path, version), path));

    uint8_t *body = NULL;
    size_t body_len = 0;
    double waited = 0;
    cli_wait w;
    cli_wait_start(&w, timeout);
    while ((e = sp_tile_fetch(log, path, &body, &body_len)) == SP_ERR_NOT_FOUND) {
        if (!cli_wait_more(&w, &waited))
            return cli_error(e, log, 0, "no update bundle for version %llu after waiting "
                             "%.0f s (the log adopts it once a checkpoint covering index "
                             "%llu carries the witness quorum); --timeout %llu",
                             (unsigned long long)version, waited, (unsigned long long)index,
                             (unsigned long long)timeout);
    }
    if (e != SP_OK)
        return cli_error(e, log, 0, "cannot fetch %s", path);
    line = 0;
    e = body_len > SP_MAX_BUNDLE_BYTES ? SP_ERR_PROOF_FORMAT : verify_bundle(body, body_len, &line);
    if (e == SP_OK && (breport.index != index ||
                       memcmp(adopted.update.new_policy_hash, submitted.update.new_policy_hash,
                              SP_SHA256_BYTES) != 0))
        e = SP_ERR_NOT_FOUND;
    if (e == SP_OK)
        e = sp_file_write_atomic(out, body, body_len, 0644, 0);
    free(body);
    if (e != SP_OK)
        return cli_error(e, e == SP_ERR_EXISTS || e == SP_ERR_IO ? out : log, line,
                         e == SP_ERR_NOT_FOUND ? "the log's %s is another update than the "
                                                 "one it logged at index %llu"
                                               : "the log's %s (index %llu)",
                         path, (unsigned long long)index);
    fprintf(json ? stderr : stdout, "logged at index %llu; update bundle %s\n",
            (unsigned long long)index, out);
    if (json) {
        dacc_json j;
        cli_json_begin(&j);
        dacc_json_key(&j, "index");
        dacc_json_uint(&j, index);
        dacc_json_key(&j, "version");
        dacc_json_uint(&j, version);
        dacc_json_key(&j, "new_policy");
        dacc_json_string(&j, cli_hex(hex, submitted.update.new_policy_hash, SP_SHA256_BYTES));
        dacc_json_key(&j, "out");
        dacc_json_string(&j, out);
        cli_json_end(&j);
    }
    return EXIT_OK;
}

/* Write data at dir/name unless the same bytes are there already; other bytes there are
 * SP_ERR_EXISTS (never overwritten). */
static sp_err write_once(const char *dir, const char *name, const uint8_t *data, size_t len,
                         char *full, size_t cap)
{
    static uint8_t have[SP_MAX_BUNDLE_BYTES + 1];
    size_t have_len = 0;
    int n = snprintf(full, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return sp_file_fail(ENAMETOOLONG);
    if (sp_file_exists(full))
        return sp_file_read(full, have, sizeof have, &have_len) == SP_OK && have_len == len &&
                       memcmp(have, data, len) == 0
                   ? SP_OK
                   : SP_ERR_EXISTS;
    char *slash = strrchr(full, '/');
    *slash = '\0';
    sp_err e = sp_file_make_dirs(full, 0755);
    *slash = '/';
    return e == SP_OK ? sp_file_write_atomic(full, data, len, 0644, 0) : e;
}

/* Where the next update is looked for: the log sources in use, or, once the policy just
 * adopted no longer names the log that proved it, the URLs of the logs it names. */
typedef struct sources {
    const char *list[SP_MAX_LOGS + 1];
    uint32_t n;
    char urls[SP_MAX_LOGS][SP_MAX_URL_BYTES + 1];
} sources;

static void follow_logs(sources *src, const sp_policy *old, const sp_policy *next,
                        const char *origin)
{
    uint32_t a = sp_wpolicy_find_log(&old->witness, origin, strlen(origin));
    uint32_t b = sp_wpolicy_find_log(&next->witness, origin, strlen(origin));
    if (a < old->witness.log_count && b < next->witness.log_count &&
        memcmp(old->witness.logs[a].key.public_key, next->witness.logs[b].key.public_key,
               32) == 0)
        return; /* still a log of the new policy: keep asking it */
    uint32_t n = 0;
    for (uint32_t i = 0; i < next->witness.log_count && n < SP_MAX_LOGS; i++)
        if (next->witness.logs[i].url[0] != '\0')
            snprintf(src->urls[n++], sizeof src->urls[0], "%s", next->witness.logs[i].url);
    if (n == 0) {
        fprintf(stderr, "softpause: warning: policy version %llu does not name log %s and "
                        "gives no log URL: looking for the next update where this one was\n",
                (unsigned long long)next->version, origin);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        src->list[i] = src->urls[i];
    src->n = n;
}

int policy_fetch(const char *cur_path, const char *log, const char *out_dir, int json)
{
    static sources src;
    char path[64], name[64], full[4096], hex[65];
    size_t len = 0;
    uint64_t fetched = 0;
    int st;

    if (cur_path == NULL || log == NULL)
        return cli_usage("policy fetch needs --policy CURRENT and --log URL|DIR");
    if (out_dir == NULL)
        out_dir = ".";
    if ((st = cli_load_policy(cur_path, &cur, cur_bytes, sizeof cur_bytes, &len)))
        return st;
    src.list[0] = log;
    src.n = 1;
    for (;;) {
        const uint64_t version = cur.version + 1;
        uint8_t *body = NULL;
        size_t body_len = 0;
        uint32_t line = 0, from = 0;
        sp_err e = SP_ERR_NOT_FOUND;
        update_path(path, sizeof path, version);
        for (from = 0; from < src.n && e == SP_ERR_NOT_FOUND; from++)
            e = sp_tile_fetch(src.list[from], path, &body, &body_len);
        if (e == SP_ERR_NOT_FOUND)
            break;
        const char *where = src.list[from - 1];
        if (e != SP_OK)
            return cli_error(e, where, 0, "cannot fetch %s", path);
        e = body_len > SP_MAX_BUNDLE_BYTES ? SP_ERR_PROOF_FORMAT
                                           : verify_bundle(body, body_len, &line);
        if (e != SP_OK) {
            free(body);
            return cli_error(e, where, line, "%s does not move version %llu to %llu as a "
                             "device at version %llu checks it", path,
                             (unsigned long long)cur.version, (unsigned long long)version,
                             (unsigned long long)cur.version);
        }
        const uint8_t *pol = bwork.leaf + adopted.update.policy_offset;
        snprintf(name, sizeof name, "policy-%llu.txt", (unsigned long long)version);
        e = write_once(out_dir, path, body, body_len, full, sizeof full);
        free(body);
        if (e == SP_OK)
            e = write_once(out_dir, name, pol, adopted.update.policy_len, full, sizeof full);
        if (e != SP_OK)
            return cli_error(e, full, 0, e == SP_ERR_EXISTS ? "holds other bytes: refusing "
                                                              "to overwrite"
                                                            : NULL);
        fprintf(json ? stderr : stdout, "policy version %llu (%s): %s/%s, %s/%s\n",
               (unsigned long long)version,
               cli_hex(hex, adopted.policy.hash, SP_SHA256_BYTES), out_dir, path, out_dir,
               name);
        follow_logs(&src, &cur, &adopted.policy, breport.checkpoint.origin);
        cur = adopted.policy;
        fetched++;
    }
    fprintf(stderr, "at policy version %llu (%s): %llu update%s fetched\n",
            (unsigned long long)cur.version, cli_hex(hex, cur.hash, SP_SHA256_BYTES),
            (unsigned long long)fetched, fetched == 1 ? "" : "s");
    if (json) {
        dacc_json j;
        cli_json_begin(&j);
        dacc_json_key(&j, "version");
        dacc_json_uint(&j, cur.version);
        dacc_json_key(&j, "policy");
        dacc_json_string(&j, cli_hex(hex, cur.hash, SP_SHA256_BYTES));
        dacc_json_key(&j, "fetched");
        dacc_json_uint(&j, fetched);
        cli_json_end(&j);
    }
    return EXIT_OK;
}
