/*
 * main.c -- the softpause command: dispatch to subcommands (one file each).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dacc/version.h"

static const char main_usage[] =
    "usage: softpause COMMAND [ARGS...]   (softpause COMMAND --help for details)\n"
    "\n"
    "A soft pause for industrial-scale AI hardware: devices keep running only while they\n"
    "hold a fresh weekly statement signed by a quorum of independent bodies.\n"
    "\n"
    "commands:\n"
    "  key generate [--cosigner] NAME          make an Ed25519 key pair (signer, log, witness)\n"
    "  note sign --key K.key [--text] [NOTE]   add a signature to a C2SP signed note\n"
    "  note verify --key K.pub... [NOTE]       verify a signed note (Go note.Open rules)\n"
    "  policy init|check|show|hash             write and inspect signer policies\n"
    "  statement new|collect|verify            make, merge and check weekly statements\n"
    "  bundle publish|make|verify              log a statement; build and check bundles\n"
    "  log serve|export                        run the transparency log; mirror it\n"
    "  epoch --policy P [now|N|--at TIME]      an epoch's window: start, end, stale, ahead\n"
    "  device init|apply|consume|status        a simulated device (applies bundles)\n"
    "  witness serve --key W.key --db FILE     cosign a log's checkpoints (C2SP tlog-witness)\n"
    "  demo [--dir DIR | --keep]               the end-to-end story in one run\n"
    "\n"
    "exit status: 0 success, 1 rejected (or PAUSE), 2 usage error, 3 I/O error\n";

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } commands[] = {{"key", cmd_key},             {"note", cmd_note},
                    {"policy", cmd_policy},       {"statement", cmd_statement},
                    {"device", cmd_device},       {"bundle", cmd_bundle},
                    {"log", cmd_log},             {"witness", cmd_witness},
                    {"demo", cmd_demo},
                    {"epoch", cmd_epoch}};

    cli_stdout_setup();
    if (argc < 2) {
        fputs(main_usage, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(main_usage, stdout);
        return cli_finish(EXIT_OK);
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts("softpause " DACC_VERSION);
        return cli_finish(EXIT_OK);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return cli_finish(commands[i].run(argc - 2, argv + 2));
    cli_usage("unknown command '%s'", argv[1]); /* (escaped: it may be any bytes) */
    fputs(main_usage, stderr);
    return cli_finish(EXIT_USAGE);
}
