/*
 * cmd_witness.c -- `softpause witness serve`: run a C2SP tlog-witness
 * (softpause/server/witness.h) over HTTP until SIGINT or SIGTERM.
 *
 * The logs it follows come from a deployment policy's witness block (its `log` lines) or
 * from --log options.  It prints "witness: listening on http://ADDR:PORT" on stdout once
 * the socket accepts connections (and writes PORT to --port-file), then one line per
 * request on stderr.  SIGINT and SIGTERM are blocked in every thread and taken with
 * sigwait, so the server threads never run a signal handler and shutdown is orderly:
 * stop accepting, finish running requests, close the database.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "softpause/host/fileio.h"
#include "softpause/host/http.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/server/witness.h"

static const char witness_usage[] =
    "usage: softpause witness serve --key WITNESS.key --db FILE\n"
    "                               (--policy POLICY | --log VKEY ...)\n"
    "                               [--init | --init-from CHECKPOINT ...]\n"
    "                               [--listen ADDR:PORT] [--prefix PATH] [--port-file FILE]\n"
    "                               [--max-conns-per-address N]\n"
    "\n"
    "Run a transparency-log witness (C2SP tlog-witness): POST PATH/add-checkpoint takes\n"
    "\"old SIZE\", a consistency proof and a log-signed checkpoint, and answers with a\n"
    "cosignature (C2SP tlog-cosignature, cosignature/v1) only if the checkpoint is\n"
    "consistent with the last one this witness cosigned for that log, which it keeps in\n"
    "the SQLite database FILE.  That memory is the witness's whole value: serve refuses\n"
    "to start without it, or with a database that lost rows, and refuses every request\n"
    "once the file is unlinked, replaced or truncated under it (SP_ERR_WITNESS_STATE).\n"
    "\n"
    "  --key FILE       the witness's cosigner key (softpause key generate --cosigner);\n"
    "                   its name is the name in the cosignature lines\n"
    "  --db FILE        state: the latest cosigned tree head of each log, and evidence\n"
    "  --init           create FILE (a new witness; refused if FILE, FILE-wal or\n"
    "                   FILE-shm exists)\n"
    "  --init-from CHECKPOINT\n"
    "                   create FILE starting from this checkpoint of one of the logs\n"
    "                   (signed by it; e.g. the newest one the witness cosigned, from\n"
    "                   the log or other witnesses): a witness that lost its database\n"
    "                   then refuses any tree smaller than it or inconsistent with it;\n"
    "                   one per log, repeatable; implies --init\n"
    "  --policy FILE    follow the logs of this deployment policy's witness block\n"
    "  --log VKEY       follow this log (verifier key of type 0x01, as text or a .pub\n"
    "                   file; its name is the checkpoint origin); repeatable\n"
    "  --listen A:P     address and port (default 127.0.0.1:0; port 0 picks a free port)\n"
    "  --prefix PATH    submission prefix, e.g. /w1 (default: none)\n"
    "  --port-file FILE write the bound port to FILE\n"
    "  --max-conns-per-address N\n"
    "                   connections one client address (IPv4, or IPv6 /64) may hold at\n"
    "                   once, 1..512 (default 32); 512 in all.  A request must arrive\n"
    "                   whole within 10 s, or its connection is closed\n"
    "\n"
    "Prints 'witness: listening on URL'; stops on SIGINT or SIGTERM.\n"
    "exit status: 0 stopped by a signal, 2 usage error, 1 or 3 cannot start\n";

/* Log one request on stderr: time, method, path, status, and the reason of a refusal. */
static void handle_and_log(void *ctx, const char *method, const char *path,
                           const uint8_t *body, size_t body_len, sp_http_response *resp)
{
    char when[32];
    struct tm tm;
    time_t now = time(NULL);
    int reason;
    sp_witness_http(ctx, method, path, body, body_len, resp);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    /* A refusal is one line of text (witness.h); the 409 size body is one line too. */
    reason = resp->status != 200 && resp->body_len > 0 &&
             memchr(resp->body, '\n', resp->body_len) == resp->body + resp->body_len - 1;
    fprintf(stderr, "%s witness: %s %s %d%s%.*s", when, method, path, resp->status,
            reason ? " " : "\n", reason ? (int)resp->body_len : 0,
            reason ? (const char *)resp->body : "");
}

/* A --log value: a verifier key's text, or a file holding one. */
static int load_log(const char *arg, sp_wlog *out)
{
    sp_err e;
    memset(out, 0, sizeof *out);
    e = sp_vkey_parse(&out->key, arg, strlen(arg), sp_sodium_crypto());
    if (e != SP_OK && (strchr(arg, '+') == NULL || sp_file_exists(arg))) {
        e = sp_vkey_load(&out->key, arg); /* not a key's text: a file holding one */
        if (e != SP_OK)
            return cli_error(e, arg, 0, "--log");
    }
    if (e != SP_OK)
        return cli_error(e, NULL, 0, "--log '%s'", arg);
    return EXIT_OK;
}

/* The --init-from files, read into bufs[i] (freed by the caller). */
static int load_starts(const char *const *paths, size_t n, uint8_t **bufs,
                       sp_witness_start *starts)
{
    for (size_t i = 0; i < n; i++) {
        sp_err e;
        bufs[i] = malloc(SP_MAX_NOTE_BYTES + 1);
        if (bufs[i] == NULL)
            return cli_error(SP_ERR_IO, NULL, 0, "out of memory");
        e = sp_file_read(paths[i], bufs[i], SP_MAX_NOTE_BYTES + 1, &starts[i].len);
        if ((e == SP_OK && starts[i].len > SP_MAX_NOTE_BYTES) || e == SP_ERR_BUFFER_TOO_SMALL)
            return cli_error(SP_ERR_NOTE_TOO_LARGE, paths[i], 0,
                             "--init-from: a checkpoint note is at most %u bytes",
                             (unsigned)SP_MAX_NOTE_BYTES);
        if (e != SP_OK)
            return cli_error(e, paths[i], 0, "--init-from");
        starts[i].note = bufs[i];
        starts[i].name = paths[i];
    }
    return EXIT_OK;
}

static int witness_serve(const char *key_path, const char *db, const char *policy_path,
                         const char *const *log_args, size_t nlog_args, const char *listen,
                         const char *prefix, const char *port_file, int init,
                         const char *const *start_paths, size_t nstart, const char *per_address)
{
    uint8_t *start_bufs[SP_MAX_LOGS] = {NULL};
    sp_witness_start starts[SP_MAX_LOGS];
    static uint8_t policy_bytes[SP_MAX_POLICY_BYTES + 1];
    static sp_policy policy;
    static sp_wlog logs[SP_MAX_LOGS];
    sp_witness_service *w = NULL;
    sp_http_server *srv = NULL;
    sp_signer_key key;
    size_t nlogs = 0, policy_len = 0;
    char host[64], err[512];
    uint16_t port = 0;
    sigset_t stop;
    sp_http_limits limits = {0, 0, 0, 0};
    int rc, sig = 0;
    sp_err e;

    if (key_path == NULL || db == NULL || (policy_path == NULL) == (nlog_args == 0)) {
        fputs("softpause: error: witness serve needs --key, --db, and either --policy or"
              " --log\n", stderr);
        return EXIT_USAGE;
    }
    if ((rc = cli_parse_listen(listen, "--listen", host, sizeof host, &port)) != EXIT_OK)
        return rc;
    if ((rc = cli_max_conns_per_address(per_address, &limits.max_conns_per_address)) != EXIT_OK)
        return rc;
    if ((e = sp_sodium_init()) != SP_OK)
        return cli_error(e, NULL, 0, NULL);
    if (policy_path != NULL) {
        if ((rc = cli_load_policy(policy_path, &policy, policy_bytes, sizeof policy_bytes,
                                  &policy_len)) != EXIT_OK)
            return rc;
        nlogs = policy.witness.log_count;
        memcpy(logs, policy.witness.logs, nlogs * sizeof logs[0]);
    }
    for (size_t i = 0; i < nlog_args; i++)
        if ((rc = load_log(log_args[i], &logs[nlogs++])) != EXIT_OK)
            return rc;

    e = sp_signer_key_load_typed(&key, key_path, SP_KEY_ALG_COSIGNER);
    if (e != SP_OK)
        return cli_error(e, key_path, 0, "cannot load the witness key");
    rc = load_starts(start_paths, nstart, start_bufs, starts);
    sp_witness_config cfg = {&key, logs, nlogs, db, prefix, NULL, NULL,
                             init || nstart > 0, starts, nstart};
    e = rc == EXIT_OK ? sp_witness_open(&w, &cfg, err, sizeof err) : SP_OK;
    sp_signer_key_wipe(&key);
    for (size_t i = 0; i < nstart; i++)
        free(start_bufs[i]);
    if (rc != EXIT_OK)
        return rc;
    if (e != SP_OK)
        return cli_error(e, e == SP_ERR_DB || e == SP_ERR_IO ? db : NULL, 0, "%s",
                         err[0] != '\0' ? err : "cannot start the witness");

    /* Block the stop signals before any server thread exists: the threads inherit the
     * mask, and this thread takes the signal with sigwait. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    e = sp_http_server_start_limited(&srv, host, port, SP_MAX_WITNESS_REQUEST_BYTES,
                                     handle_and_log, w, &limits, &port);
    if (e != SP_OK) {
        int why = errno;
        sp_witness_close(w);
        return cli_error(e, NULL, 0, "cannot listen on %s: %s", listen, strerror(why));
    }
    rc = cli_announce_listening("witness", host, port, port_file);
    if (rc == EXIT_OK)
        sigwait(&stop, &sig);
    sp_http_server_stop(srv);
    sp_witness_close(w);
    return rc;
}

int cmd_witness(int argc, char **argv)
{
    const char *key = NULL, *db = NULL, *policy = NULL, *listen = "127.0.0.1:0";
    const char *prefix = NULL, *port_file = NULL, *logs[SP_MAX_LOGS], *pos[1];
    const char *starts[SP_MAX_LOGS];
    size_t nlogs = 0, npos = 0, nstarts = 0;
    int init = 0;
    const char *per_address = NULL;
    const cli_opt opts[] = {{"--key", 1, &key, NULL, NULL, NULL, 0},
                            {"--db", 1, &db, NULL, NULL, NULL, 0},
                            {"--policy", 1, &policy, NULL, NULL, NULL, 0},
                            {"--log", 1, NULL, NULL, logs, &nlogs, SP_MAX_LOGS},
                            {"--listen", 1, &listen, NULL, NULL, NULL, 0},
                            {"--prefix", 1, &prefix, NULL, NULL, NULL, 0},
                            {"--port-file", 1, &port_file, NULL, NULL, NULL, 0},
                            {"--init", 0, NULL, &init, NULL, NULL, 0},
                            {"--init-from", 1, NULL, NULL, starts, &nstarts, SP_MAX_LOGS},
                            {"--max-conns-per-address", 1, &per_address, NULL, NULL, NULL, 0},
                            CLI_END};

    cli_parse(argc, argv, "witness serve", opts, pos, 1, &npos, witness_usage);
    if (npos != 1 || strcmp(pos[0], "serve") != 0) {
        fputs(witness_usage, stderr);
        return EXIT_USAGE;
    }
    return witness_serve(key, db, policy, logs, nlogs, listen, prefix, port_file, init, starts,
                         nstarts, per_address);
}
