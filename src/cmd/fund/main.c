/*
 * main.c -- the fund command: dispatch to one subcommand per file (cmd_*.c).
 * To add a subcommand, add a line to `commands` and its declaration to fund_cli.h.
 */
#include "fund_cli.h"
#include "dacc/version.h"

#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} fund_command;

static const fund_command commands[] = {
    {"qf", fund_cmd_qf, "quadratic funding (CLR): float, exact integer, clr.fund alpha"},
    {"pairwise", fund_cmd_pairwise, "pairwise-bounded quadratic funding (sparse)"},
    {"cocm", fund_cmd_cocm, "connection-oriented cluster match (markov, harsh; og option)"},
    {"jury", fund_cmd_jury, "deep funding: jury comparisons to weights (per component)"},
    {"score", fund_cmd_score, "deep funding: score submissions against the jury"},
    {"blend", fund_cmd_blend, "deep funding: best simplex mix of submissions, payout shares"},
    {"flow", fund_cmd_flow, "deep funding: money flow through a dependency graph"},
    {"compare", fund_cmd_compare, "QF, pairwise and COCM allocations side by side"},
};

static void usage(FILE *f)
{
    fputs("usage: fund COMMAND [OPTIONS] FILE...   (fund COMMAND --help for details)\n\n"
          "commands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\noutput: CSV on stdout, first column project, the allocation in column 'match';\n"
          "        --json for the same as JSON.\n"
          "        fund --version prints the version.\n"
          "exit status: 0 success, 1 bad data, 2 usage error\n", f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return FUND_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return fund_cli_finish_stdout(FUND_EXIT_OK);
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts("fund " DACC_VERSION);
        return fund_cli_finish_stdout(FUND_EXIT_OK);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return fund_cli_finish_stdout(commands[i].run(argc - 1, argv + 1));
    fund_cli_eline("fund: usage error: unknown command '%s'", argv[1]);
    usage(stderr);
    return FUND_EXIT_USAGE;
}
