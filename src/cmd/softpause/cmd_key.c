/*
 * cmd_key.c -- `softpause key generate [--cosigner] NAME [--out DIR]`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "softpause/host/keyfile.h"

static const char key_usage[] =
    "usage: softpause key generate [--cosigner] NAME [--out DIR]\n"
    "\n"
    "Generate an Ed25519 key pair in the C2SP signed-note encodings and write\n"
    "DIR/NAME.key (signer key, PRIVATE+KEY+..., mode 0600) and DIR/NAME.pub\n"
    "(verifier key, mode 0644: a log or witness reads it).  Existing files are\n"
    "never overwritten.  Key names may be URL-like (example.org/log); the file\n"
    "name maps every byte outside [A-Za-z0-9._-] (and a leading '.') to %XX:\n"
    "example.org%2Flog.key.\n"
    "\n"
    "  --cosigner  a witness key (C2SP tlog-cosignature, key type 0x04) instead of\n"
    "              a statement-signer or log key (type 0x01)\n"
    "  --out DIR   directory to write to (default: .)\n";

int cmd_key(int argc, char **argv)
{
    const char *out = ".", *pos[2];
    size_t npos;
    char kpath[4200], ppath[4200];
    int cosigner = 0;
    const cli_opt opts[] = {{"--out", 1, &out, NULL, NULL, NULL, 0},
                            {"--cosigner", 0, NULL, &cosigner, NULL, NULL, 0},
                            CLI_END};

    cli_parse(argc, argv, "key generate", opts, pos, 2, &npos, key_usage);
    if (npos != 2 || strcmp(pos[0], "generate") != 0) {
        fputs(key_usage, stderr);
        return EXIT_USAGE;
    }
    sp_err e = sp_key_generate_typed(pos[1], cosigner ? SP_KEY_ALG_COSIGNER : SP_KEY_ALG_ED25519,
                                     out, kpath, ppath, sizeof kpath);
    if (e != SP_OK)
        return cli_error(e, e == SP_ERR_EXISTS || e == SP_ERR_IO ? out : NULL, 0,
                         "key '%s'", pos[1]);
    printf("%s\n", cli_shown_path(kpath)); /* (--out may name any bytes) */
    printf("%s\n", cli_shown_path(ppath));
    return EXIT_OK;
}
