/*
 * cmd_note.c -- `softpause note sign` and `softpause note verify` (C2SP signed notes).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/note.h"

static const char note_usage[] =
    "usage: softpause note sign --key FILE.key [--text] [NOTE]\n"
    "       softpause note verify --key FILE.pub [--key FILE.pub ...] [NOTE]\n"
    "\n"
    "sign    Read a signed note (or a plain text ending in a newline) from NOTE or stdin\n"
    "        and print it with this key's signature added.  Input is a plain text with\n"
    "        --text, or when it does not end in a signature block (a blank line, then\n"
    "        lines starting with '\xE2\x80\x94' or '-'); a block that is present must be\n"
    "        well formed.  Re-signing replaces this key's line; other lines keep their\n"
    "        bytes and order.  If the text is a softpause statement, the key refuses to\n"
    "        sign a different text for an epoch it already signed or an older one\n"
    "        (record kept beside the key file).\n"
    "verify  Open the note as Go's note.Open does with the given verifier keys: exit 0\n"
    "        and print the names that signed; a known key's bad signature, or no known\n"
    "        signature, is an error (exit 1).\n";

static uint8_t in_buf[SP_MAX_NOTE_BYTES + 1];
static uint8_t out_buf[SP_SIGNED_NOTE_CAP];

static int note_sign(const char *key_path, int as_text, const char *input)
{
    sp_signer_key key;
    size_t in_len, out_len, text_len;
    uint32_t line = 0;
    int is_statement, st;
    char record[4200];
    const char *where = input == NULL ? "<stdin>" : input;

    if (key_path == NULL)
        return cli_usage("note sign needs --key FILE.key");
    sp_err e = sp_signer_key_load(&key, key_path);
    if (e != SP_OK)
        return cli_error(e, key_path, 0, NULL);
    if ((st = cli_read(input, in_buf, sizeof in_buf, &in_len, SP_ERR_NOTE_TOO_LARGE)) != EXIT_OK) {
        sp_signer_key_wipe(&key);
        return st;
    }
    e = sp_note_add_signature(&key, in_buf, in_len, as_text, out_buf, sizeof out_buf, &out_len,
                              &text_len, &line);
    sp_signer_key_wipe(&key);
    if (e != SP_OK)
        return cli_error(e, where, line, NULL);
    e = sp_equivocation_guard(key_path, out_buf, text_len, &is_statement, record, sizeof record);
    if (e == SP_ERR_EQUIVOCATION)
        return cli_error(e, where, 0, "see %s", record);
    if (e != SP_OK)
        return cli_error(e, record, 0, "signing record");
    fwrite(out_buf, 1, out_len, stdout); /* checked by cli_finish */
    return EXIT_OK;
}

#define MAX_VERIFY_KEYS 32

static int note_verify(const char **keys, size_t nkeys, const char *input)
{
    static sp_vkey vkeys[MAX_VERIFY_KEYS];
    static sp_note note;
    sp_note_open_result res;
    size_t len;
    uint32_t line = 0;
    int st;
    const char *where = input == NULL ? "<stdin>" : input;

    if (nkeys == 0)
        return cli_usage("note verify needs at least one --key FILE.pub");
    for (size_t i = 0; i < nkeys; i++) {
        sp_err e = sp_vkey_load(&vkeys[i], keys[i]);
        if (e != SP_OK)
            return cli_error(e, keys[i], 0, NULL);
    }
    if ((st = cli_read(input, in_buf, sizeof in_buf, &len, SP_ERR_NOTE_TOO_LARGE)) != EXIT_OK)
        return st;
    sp_err e = sp_note_parse(&note, in_buf, len, &line);
    if (e != SP_OK)
        return cli_error(e, where, line, NULL);
    e = sp_note_open(&note, vkeys, nkeys, sp_sodium_crypto(), &res);
    if (e != SP_OK)
        return cli_error(e, where, 0, NULL);
    for (size_t i = 0; i < nkeys; i++)
        if (res.verified_keys & (1u << i))
            printf("%s\n", vkeys[i].name);
    return EXIT_OK;
}

int cmd_note(int argc, char **argv)
{
    const char *key = NULL, *keys[MAX_VERIFY_KEYS], *pos[2];
    size_t nkeys = 0, npos;
    int as_text = 0;
    const cli_opt sign_opts[] = {{"--key", 1, &key, NULL, NULL, NULL, 0},
                                 {"--text", 0, NULL, &as_text, NULL, NULL, 0},
                                 CLI_END};
    const cli_opt verify_opts[] = {{"--key", 1, NULL, NULL, keys, &nkeys, MAX_VERIFY_KEYS},
                                   CLI_END};
    static const char *const subs[] = {"sign", "verify", NULL};
    const cli_opt *const sub_opts[] = {sign_opts, verify_opts};

    int sub = cli_subcommand(argc, argv, note_usage, "note", subs);
    if (sub < 0)
        return -1 - sub;
    cli_parse(argc - 1, argv + 1, cli_sub_name(), sub_opts[sub], pos, 1, &npos, note_usage);
    if (sub == 0)
        return note_sign(key, as_text, npos ? pos[0] : NULL);
    return note_verify(keys, nkeys, npos ? pos[0] : NULL);
}
