/*
 * cmd_log.c -- `softpause log serve|export`: run the transparency log
 * (softpause/server/log.h) and write it out as a static mirror.
 *
 * serve prints "log: listening on http://ADDR:PORT" on stdout once the socket accepts
 * connections (and writes PORT to --port-file, for scripts that start it on port 0), then
 * progress lines on stderr, until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "softpause/host/fileio.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/server/log.h"

static const char log_usage[] =
    "usage: softpause log serve --policy POLICY --key LOG.key --db FILE\n"
    "                           [--listen ADDR:PORT] [--witness-interval SECONDS]\n"
    "                           [--port-file FILE] [--max-cosig-skew SECONDS]\n"
    "                           [--max-conns-per-address N] [--tile-cache MIB]\n"
    "       softpause log export --db FILE DIR\n"
    "\n"
    "serve   Run the transparency log of the deployment POLICY, signing checkpoints with\n"
    "        LOG.key (its name is the log's origin; the policy's witness block must list\n"
    "        it as a log) and keeping entries in the SQLite database FILE (created if\n"
    "        absent).  POST /add takes a signed statement: it is appended only if the\n"
    "        policy accepts it and every signature line is a valid signature of a\n"
    "        distinct policy key.  /checkpoint and /tile/... follow C2SP tlog-tiles.\n"
    "        After each growth, and every --witness-interval seconds (default 60) even\n"
    "        without growth, the checkpoint is sent to the policy's witnesses (C2SP\n"
    "        tlog-witness) and served once their quorum has cosigned it.\n"
    "        The log follows the policy chain (protocol.md 18.7): POST /add also takes a\n"
    "        policy update signed by both quorums; until a cosigned checkpoint covers it,\n"
    "        other appends get 503 (SP_ERR_LOG_UPDATING); then GET /policy-update/<v>\n"
    "        serves its update bundle and the log serves under the new policy (its hash,\n"
    "        its witnesses).  A policy that no longer names this log's key retires it:\n"
    "        appends get 403 (SP_ERR_LOG_RETIRED), rounds go on with the last witnesses.\n"
    "        The chain is kept in FILE: POLICY may be any policy of it (the log resumes\n"
    "        at the newest); another chain's is refused (SP_ERR_LOG_POLICY).\n"
    "        --listen   address and port (default 127.0.0.1:0; port 0 picks a free port)\n"
    "        --port-file FILE  write the bound port to FILE\n"
    "        --max-cosig-skew S  refuse a witness cosignature dated more than S seconds\n"
    "                   after this host's clock, and never publish such a time\n"
    "                   (default 300, at most 86400)\n"
    "        --max-conns-per-address N  connections one client address (IPv4, or IPv6\n"
    "                   /64) may hold at once, 1..512 (default 32); 512 in all.  A request\n"
    "                   must arrive whole within 10 s, or its connection is closed\n"
    "        --tile-cache MIB  keep up to MIB MiB of hash tiles and entry bundles (a tile\n"
    "                   of a given width never changes) in memory, 0..65536 (default\n"
    "                   64; 0: none)\n"
    "        Prints 'log: listening on URL'; stops on SIGINT or SIGTERM.\n"
    "export  Write the newest cosigned checkpoint, its hash tiles and entry bundles, and\n"
    "        the update bundles (policy-update/<v>) under DIR in the same layout, as\n"
    "        static files any web server can mirror.\n"
    "\n"
    "exit status: 0 success, 1 refused, 2 usage error, 3 I/O, database or network error\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void log_line(void *ctx, const char *line)
{
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    (void)ctx;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    fprintf(stderr, "%s log: %s\n", when, line);
}

typedef struct ready {
    const char *host;
    const char *port_file;
    int failed;
} ready;

static void on_ready(void *ctx, uint16_t port)
{
    ready *r = ctx;
    if (cli_announce_listening("log", r->host, port, r->port_file) != EXIT_OK) {
        r->failed = 1;
        stop_requested = 1;
    }
}

static int log_serve(const char *policy_path, const char *key_path, const char *db,
                     const char *listen, const char *interval_text, const char *port_file,
                     const char *skew_text, const char *per_address, const char *cache_text)
{
    static uint8_t policy_bytes[SP_MAX_POLICY_BYTES + 1];
    static sp_policy policy;
    sp_signer_key key;
    size_t policy_len = 0;
    char host[64];
    uint16_t port = 0;
    uint64_t interval = SP_LOG_WITNESS_INTERVAL_DEFAULT;
    uint64_t max_skew = SP_LOG_MAX_COSIG_SKEW_DEFAULT;
    uint64_t cache_mib = SP_LOG_TILE_CACHE_DEFAULT >> 20;
    sp_http_limits limits = {0, 0, 0, 0};
    int rc;

    if (key_path == NULL || db == NULL) {
        fputs("softpause: error: log serve needs --policy, --key and --db\n", stderr);
        return EXIT_USAGE;
    }
    if ((rc = cli_parse_listen(listen, "--listen", host, sizeof host, &port)) != EXIT_OK)
        return rc;
    if (interval_text != NULL && (rc = cli_number_range(interval_text, 1, 86400, &interval,
                                                        "--witness-interval")) != EXIT_OK)
        return rc;
    if ((rc = cli_max_conns_per_address(per_address, &limits.max_conns_per_address)) != EXIT_OK)
        return rc;
    if (skew_text != NULL &&
        (rc = cli_number_range(skew_text, 1, SP_LOG_MAX_COSIG_SKEW_LIMIT, &max_skew,
                               "--max-cosig-skew")) != EXIT_OK)
        return rc;
    if (cache_text != NULL &&
        (rc = cli_number_range(cache_text, 0, 65536, &cache_mib, "--tile-cache")) != EXIT_OK)
        return rc;
    if ((rc = cli_load_policy(policy_path, &policy, policy_bytes, sizeof policy_bytes,
                              &policy_len)) != EXIT_OK)
        return rc;
    sp_err e = sp_signer_key_load_typed(&key, key_path, SP_KEY_ALG_ED25519);
    if (e != SP_OK)
        return cli_error(e, key_path, 0, "cannot load the log key");
    sp_log_config cfg = {&policy, &key, db, interval, 0, log_line, NULL, max_skew,
                         cache_mib ? cache_mib << 20 : SP_LOG_TILE_CACHE_OFF};
    sp_log_server *s = NULL;
    e = sp_log_server_open(&s, &cfg);
    sp_signer_key_wipe(&key);
    if (e != SP_OK)
        return cli_error(e, e == SP_ERR_CKPT_ORIGIN ? key_path : e == SP_ERR_LOG_POLICY ? policy_path : db, 0,
                         e == SP_ERR_CKPT_ORIGIN ? "the policy has no log line for this key"
                         : e == SP_ERR_DB ? "not a softpause log database, or SQLite failed"
                         : e == SP_ERR_LOG_POLICY ? "not a policy of the chain kept in %s"
                                          : NULL, db);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    ready r = {host, port_file, 0};
    e = sp_log_serve_limited(s, host, port, &limits, &stop_requested, on_ready, &r);
    int why = errno;
    sp_log_server_close(s);
    if (e != SP_OK)
        return cli_error(e, listen, 0, "cannot serve: %s", strerror(why));
    return r.failed ? EXIT_IO : EXIT_OK;
}

static int log_export(const char *db, const char *dir)
{
    sp_log_store *store = NULL;
    uint64_t size = 0;
    if (db == NULL) {
        fputs("softpause: error: log export needs --db FILE and DIR\n", stderr);
        return EXIT_USAGE;
    }
    char why[256];
    sp_err e = sp_log_store_open_existing(&store, db, why, sizeof why);
    if (e != SP_OK)
        return cli_error(e, db, 0, "%s", e == SP_ERR_NOT_FOUND ? "no log database here" : why);
    e = sp_log_export(store, dir, &size);
    if (e != SP_OK) {
        int rc = cli_error(e, e == SP_ERR_NOT_FOUND || e == SP_ERR_DB ? db : dir, 0,
                           e == SP_ERR_NOT_FOUND ? "no witness-cosigned checkpoint yet"
                           : e == SP_ERR_DB      ? "%s"
                           : e == SP_ERR_DISK_FULL ? "no space left on the export's file system"
                                                 : NULL,
                           sp_log_store_error(store));
        sp_log_store_close(store);
        return rc;
    }
    sp_log_store_close(store);
    printf("exported tree size %llu to %s\n", (unsigned long long)size, dir);
    return EXIT_OK;
}

int cmd_log(int argc, char **argv)
{
    const char *policy_path = NULL, *key = NULL, *db = NULL, *listen = "127.0.0.1:0";
    const char *interval = NULL, *port_file = NULL, *skew = NULL, *per_address = NULL, *pos[1];
    const char *cache = NULL;
    size_t npos = 0;
    const cli_opt serve_opts[] = {{"--policy", 1, &policy_path, NULL, NULL, NULL, 0},
                                  {"--key", 1, &key, NULL, NULL, NULL, 0},
                                  {"--db", 1, &db, NULL, NULL, NULL, 0},
                                  {"--listen", 1, &listen, NULL, NULL, NULL, 0},
                                  {"--witness-interval", 1, &interval, NULL, NULL, NULL, 0},
                                  {"--port-file", 1, &port_file, NULL, NULL, NULL, 0},
                                  {"--max-cosig-skew", 1, &skew, NULL, NULL, NULL, 0},
                                  {"--max-conns-per-address", 1, &per_address, NULL, NULL,
                                   NULL, 0},
                                  {"--tile-cache", 1, &cache, NULL, NULL, NULL, 0},
                                  CLI_END};
    const cli_opt export_opts[] = {{"--db", 1, &db, NULL, NULL, NULL, 0}, CLI_END};
    static const char *const subs[] = {"serve", "export", NULL};
    const cli_opt *const sub_opts[] = {serve_opts, export_opts};

    int sub = cli_subcommand(argc, argv, log_usage, "log", subs);
    if (sub < 0)
        return -1 - sub;
    cli_parse(argc - 1, argv + 1, cli_sub_name(), sub_opts[sub], pos, 1, &npos, log_usage);
    if (sp_sodium_init() != SP_OK)
        return cli_error(SP_ERR_CRYPTO, NULL, 0, "libsodium failed to start");
    if (sub == 0 && npos == 0)
        return log_serve(policy_path, key, db, listen, interval, port_file, skew,
                         per_address, cache);
    if (sub == 1 && npos == 1)
        return log_export(db, pos[0]);
    return cli_bad_args(log_usage);
}
