/*
 * cli.h -- what every softpause subcommand shares: argument parsing, error reporting,
 * exit statuses, reading inputs, JSON output.  Commands stay thin: parse, call the
 * library, print.
 *
 * Exit statuses (docs/softpause.1.md):
 *   0  success (a note verified, a statement accepted, work granted)
 *   1  rejected: the input was read and refused, or the device decided PAUSE
 *   2  usage error
 *   3  I/O error, or a file that could not be read or written
 */
#ifndef SOFTPAUSE_CMD_CLI_H
#define SOFTPAUSE_CMD_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dacc/json.h"
#include "softpause/errors.h"
#include "softpause/bundle.h"
#include "softpause/policy.h"
#include "softpause/statement.h"

enum { EXIT_OK = 0, EXIT_REJECTED = 1, EXIT_USAGE = 2, EXIT_IO = 3 };

/* One option: --name VALUE (has_arg), --name=VALUE, or a --name flag.  Repeatable options
 * append to list (up to max).  Each subcommand has its own table of exactly the options it
 * honours (adding one is one line); every other option is refused with exit 2. */
typedef struct cli_opt {
    const char *name;
    int has_arg;
    const char **value;   /* single-valued: last one wins unless repeatable */
    int *flag;
    const char **list;    /* repeatable */
    size_t *count;
    size_t max;
} cli_opt;

#define CLI_END {NULL, 0, NULL, NULL, NULL, NULL, 0}

/* Parse argv[0..argc) (argv[0] is the first argument after the subcommand name) for the
 * subcommand `name` ("statement new"), which takes exactly the options of opts.
 * Positional arguments go to pos (up to max_pos).  --help prints usage and a line
 * "options of NAME: --a ARG, --b" (generated from opts) and exits 0; an option not in
 * opts, and other usage errors, exit 2 naming the subcommand and the options it takes.
 * If opts has --json and it is given, JSON mode is on from the start (cli_error). */
void cli_parse(int argc, char **argv, const char *name, const cli_opt *opts, const char **pos,
               size_t max_pos, size_t *npos, const char *usage);

/* Print "softpause: error: [where: ]NAME: message[: detail]" to stderr and return the exit
 * status for e.  where may be NULL; line 0 means no line.  In JSON mode (--json given) a
 * failure is also one JSON object on stdout: {"error":NAME,"message":TEXT}, TEXT being
 * the line after "NAME: " (with "where: " in front), preceded by the members that
 * cli_json_failure_members added, if any. */
int cli_error(sp_err e, const char *file, uint32_t line, const char *detail_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* cli_error for a command whose --json output is a report that carries the error itself
 * (cli_json_error_members): prints the stderr line only, keeping the text for the report. */
int cli_error_in_report(sp_err e, const char *file, uint32_t line, const char *detail_fmt,
                        ...) __attribute__((format(printf, 4, 5)));

/* A usage error: "softpause: error: TEXT" (JSON mode: SP_ERR_USAGE object); EXIT_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* JSON mode: whether --json was given (cli_parse turns it on). */
int cli_json_mode(void);

/* The members every --json report and failure object shares: "error" (the error's name,
 * null on success) and "message" (the text of the last cli_error*, null on success). */
void cli_json_error_members(dacc_json *j, sp_err e);

/* One JSON object on stdout: cli_json_begin opens it, cli_json_end closes it (a failed
 * write is cli_finish's to report). */
void cli_json_begin(dacc_json *j);
void cli_json_end(dacc_json *j);

/* JSON mode: members written before "error" in a failure object (e.g. device consume's
 * "decision":"pause"), by add(j); NULL for none. */
void cli_json_failure_members(void (*add)(dacc_json *j));

/* Standard output.  cli_flush: flush now (a long-running command that prints progress);
 * 0, or -1 after recording the first failure's errno.  cli_finish: at exit, flush and
 * close stdout; a failed write anywhere (a full disk, /dev/full, EFBIG, EPIPE) is reported
 * as SP_ERR_IO naming the errno, and turns exit 0 into EXIT_IO.  cli_stdout_setup: at
 * start, buffer all of a one-shot command's output (not on a terminal), so that the one
 * write that can fail is cli_finish's, which knows its errno; and ignore SIGXFSZ and
 * SIGPIPE, so that those failures are errnos, not deaths. */
int cli_flush(void);
int cli_finish(int status);
void cli_stdout_setup(void);
/* The start every "softpause COMMAND SUB ..." shares: no subcommand prints usage to
 * stderr (EXIT_USAGE), --help or -h prints it to stdout (EXIT_OK), an unknown SUB is a
 * usage error.  Returns the index of argv[0] in subs (NULL-terminated), or, when the
 * command is done, -1 - its exit status.  cli_sub_name is then "COMMAND SUB". */
int cli_subcommand(int argc, char **argv, const char *usage, const char *command,
                   const char *const *subs);
const char *cli_sub_name(void);

/* Positional arguments that do not fit the subcommand: a usage error naming it, then the
 * usage on stderr; EXIT_USAGE. */
int cli_bad_args(const char *usage);

/* The error whose name text starts with ("SP_ERR_X: ..." from a server), else fallback. */
sp_err cli_err_named(const char *text, sp_err fallback);

/* The exit status that corresponds to an error. */
int cli_exit_status(sp_err e);

/* What an input is, for size errors: its name, its limit in bytes, the error code. */
typedef struct cli_input {
    const char *name;        /* "a note" */
    const char *empty_text;  /* "empty note" */
    size_t limit;            /* SP_MAX_NOTE_BYTES */
    sp_err too_large;        /* SP_ERR_NOTE_TOO_LARGE */
    sp_err empty;            /* SP_ERR_NOTE_TEXT: an input of 0 bytes */
} cli_input;
extern const cli_input cli_note_input, cli_policy_input, cli_witness_policy_input,
    cli_bundle_input;

/* Read a whole input file ("-" or NULL: stdin) into buf, at most what->limit bytes (and
 * at most cap).  A larger input is reported by cli_too_large, an empty one as
 * what->empty, "empty note". */
int cli_read(const char *path, uint8_t *buf, size_t cap, size_t *len, const cli_input *what);

/* The one size error: "FILE: CODE: ...: a note is at most 16384 bytes, this one is N"
 * (N from the file's size, or from size when not 0).  Returns the exit status. */
int cli_too_large(const char *file, const cli_input *what, size_t size);

/* s[0..n) escaped for a person (dacc_utf8_escape) into out; returns out.  Every name from
 * an input printed in text goes through it; cli_error escapes its whole line. */
#define CLI_SHOWN_NAME (6 * SP_MAX_NAME_BYTES + 4)
const char *cli_shown(char *out, size_t cap, const char *s, size_t n);

/* A file name from the command line escaped for a person, as cli_shown, into a static
 * buffer that the next call overwrites (one per printf). */
const char *cli_shown_path(const char *path);

/* Load and parse a policy file; on failure prints the error (file:line) and returns the
 * exit status (0 on success). */
int cli_load_policy(const char *path, sp_policy *policy, uint8_t *bytes, size_t cap,
                    size_t *len);

/* Parse a decimal argument in min..max; prints a usage error naming what and the range on
 * failure.  cli_number is the same with min 0. */
int cli_number_range(const char *text, uint64_t min, uint64_t max, uint64_t *out,
                     const char *what);
int cli_number(const char *text, uint64_t max, uint64_t *out, const char *what);

/* Parse a time argument: Unix seconds 0..SP_MAX_TIME, or ISO 8601 UTC YYYY-MM-DDTHH:MM:SSZ
 * (as times are shown); prints a usage error naming what on failure. */
int cli_time(const char *text, uint64_t *out, const char *what);

/* Lower-case hex of n <= 32 bytes into out (65 bytes), NUL-terminated; returns out. */
const char *cli_hex(char out[65], const uint8_t *p, size_t n);

/* Capacity a mode grants, in permille: 1000 run, p throttle, 0 pause. */
unsigned cli_permille(uint32_t mode, uint32_t permille);

/* "run", "throttle", "pause" for a mode. */
const char *cli_mode_name(uint32_t mode);


/* Report a failed guarded signature (sp_note_sign_guarded under guard g): which epoch and
 * mode the record holds, how far ahead a statement starts, what is wrong with the state
 * directory.  `where` names the input.  Returns the exit status. */
struct sp_sign_guard;
struct sp_sign_report;
int cli_sign_error(sp_err e, const char *where, uint32_t line, const struct sp_sign_guard *g,
                   const struct sp_sign_report *rep);

/* Sign in[0..in_len) with the key at key_path under the signing record (note sign's
 * core; sp_note_sign_guarded with the state directory, max_ahead and previous_key given)
 * and print the signed note.  `where` names the input.  Returns the exit status. */
struct sp_vkey;
int cli_note_sign(const char *key_path, const uint8_t *in, size_t in_len, int as_text,
                  const char *where, const char *state_dir, uint64_t max_ahead,
                  const struct sp_vkey *previous_key);

/* Read the signed copies files[0..n) and merge them (statement collect's core): update 0
 * sp_collect against policy, 1 sp_update_collect against it as the current policy.  The
 * note goes to out; errors are printed.  Returns the exit status. */
struct sp_collect_result;
int cli_collect(const sp_policy *policy, int update, const char **files, size_t n,
                uint8_t *out, size_t cap, size_t *out_len, struct sp_collect_result *res);

/* Open a verify report (statement, policy update): "accepted", "error", "message", and
 * when accepted (e == SP_OK) "deployment" and "policy" (hex). */
void cli_json_verdict_begin(dacc_json *j, sp_err e, const char *deployment,
                            const uint8_t *policy_hash);

/* JSON members of a quorum report: "distinct_keys", then "lines" (name, key_id, status
 * under r); with r_new (a policy update), each line also carries "status_current" (r) and
 * "status_new" (r_new), and "status" is the current policy's unless the line names no key
 * of it.  Then "failed_rule" (1-based, or null) of policy (r), or where that rule holds, of
 * p_new (r_new); with r_new also "failed_rule_current" and "failed_rule_new". */
void cli_json_quorum_report(dacc_json *j, const sp_policy *policy, const sp_quorum_report *r,
                            const sp_policy *p_new, const sp_quorum_report *r_new,
                            const uint8_t *note, size_t len);

/* A statement or note (UTF-8 text, no NUL) as a JSON string. */
void cli_json_text(dacc_json *j, const uint8_t *text, size_t len);

/* "rule N not met: at least K of all signers|tag T|the listed signers" for policy rule i
 * (0-based) into out; returns out. */
#define CLI_RULE_TEXT (CLI_SHOWN_NAME + 96)
const char *cli_rule_unmet(char out[CLI_RULE_TEXT], const sp_policy *policy, uint32_t i);

/* A signed statement that must meet the policy before it goes anywhere (statement collect,
 * bundle publish --policy): verified as a device would; on failure prints the error naming
 * the unmet rule (and, in text mode, the per-line report) and returns its exit status. */
int cli_statement_meets(const sp_policy *policy, const uint8_t *note, size_t len,
                        const char *where);

/* Print the per-line verdicts of a quorum report (human form) to f. */
void cli_print_report(FILE *f, const sp_policy *policy, const uint8_t *note, size_t len,
                      const sp_quorum_report *r);

/* What a bundle check found: the checkpoint and its witnesses, then the statement's
 * signature lines (leaf = the statement the bundle carried). */
void cli_print_bundle_report(FILE *f, const sp_policy *policy, const uint8_t *leaf,
                             const sp_bundle_report *r);

/* The same as JSON members (bundle verify --json, device apply --json): "accepted",
 * "error", "message", the checkpoint and its witnesses, and the statement's epoch and mode
 * when accepted (e == SP_OK and st not NULL: a policy update's bundle passes NULL). */
void cli_json_bundle_report(dacc_json *j, const sp_policy *policy, const sp_bundle_report *r,
                            sp_err e, const sp_statement *st);

/* A policy update's header (sp_update, softpause/update.h), accepted: the line
 * "accepted: policy update DEPLOYMENT version N (new policy HASH)[, time-reset]" on f, and
 * its JSON members "version", "new_policy" (hex) and "time_reset" (policy verify, bundle
 * verify). */
struct sp_update;
void cli_print_update_accepted(FILE *f, const struct sp_update *u);
void cli_json_update_members(dacc_json *j, const struct sp_update *u);

/* Bundles one device apply or policy apply takes. */
#define CLI_MAX_BUNDLES 64

/* device apply / policy apply (cmd_device.c): apply files[0..n) in order to the simulated
 * device at state, stopping at the first refusal; updates_only: policy apply, where an
 * authorisation bundle is SP_ERR_STMT_WRONG_TYPE.  Returns the exit status. */
int cli_device_apply(const char *state, const char **files, size_t n, int json,
                     int updates_only);

/* Servers.  Split "ADDR:PORT" ("[v6]:PORT" for IPv6) into host (NUL-terminated, cap
 * bytes) and port; prints a usage error naming `what` and returns EXIT_USAGE on failure. */
int cli_parse_listen(const char *text, const char *what, char *host, size_t cap,
                     uint16_t *port);

/* --max-conns-per-address of the servers: 1..SP_HTTP_MAX_CONNS; NULL: the default. */
int cli_max_conns_per_address(const char *text, uint32_t *out);

/* Polling a server until something appears, with a backoff from 0.2 s doubling to 5 s
 * (bundle publish --out, policy publish).  cli_wait_more sleeps before the next poll and
 * returns 1, or returns 0 once `timeout` seconds have passed; *waited (may be NULL) gets
 * the seconds waited so far. */
typedef struct cli_wait {
    double start, delay;
    uint64_t timeout;
} cli_wait;
void cli_wait_start(cli_wait *w, uint64_t timeout);
int cli_wait_more(cli_wait *w, double *waited);

/* POST a signed note (a statement or an update: `what`, for messages) to the log at URL
 * and read the index it answers.  An unreachable log, a refusal (exit 1, the log's reason
 * and its code named) and an answer that is no index are printed, naming `input`.
 * Returns EXIT_OK or the exit status. */
int cli_log_submit(const char *log, const uint8_t *note, size_t len, const char *input,
                   const char *what, uint64_t *index);

/* Once a server accepts connections: print "<name>: listening on http://HOST:PORT" on
 * stdout, and write "PORT\n" to port_file (if not NULL) so that scripts that started it on
 * port 0 can find it.  Returns EXIT_OK or the error's exit status (printed). */
int cli_announce_listening(const char *name, const char *host, uint16_t port,
                           const char *port_file);

/* Subcommands. */
int cmd_key(int argc, char **argv);
int cmd_note(int argc, char **argv);
int cmd_policy(int argc, char **argv);
/* policy publish | fetch (cmd_policy_log.c), called by cmd_policy with parsed options. */
int policy_publish(const char *cur_path, const char *log, const char *timeout_text,
                   const char *out, int json, const char *input);
int policy_fetch(const char *cur_path, const char *log, const char *out_dir, int json);
int cmd_statement(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_witness(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_epoch(int argc, char **argv);

#endif
