/*
 * cmd_note.c -- `softpause note sign` and `softpause note verify` (C2SP signed notes).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dacc/utf8.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/note.h"

static const char note_usage[] =
    "usage: softpause note sign --key FILE.key [--text] [--state-dir DIR]\n"
    "                           [--max-ahead SECONDS | --allow-future] [NOTE]\n"
    "       softpause note verify --key FILE.pub [--key FILE.pub ...] [NOTE]\n"
    "\n"
    "sign    Read a signed note (or a plain text ending in a newline) from NOTE or stdin\n"
    "        and print it with this key's signature added.  Input is a plain text with\n"
    "        --text, or when it does not end in a signature block (a blank line, then\n"
    "        lines starting with '\xE2\x80\x94' or '-'); a block that is present must be\n"
    "        well formed.  Re-signing replaces this key's line; other lines keep their\n"
    "        bytes and order.  If the text is a softpause statement (or a policy update,\n"
    "        its version as the epoch), the key refuses to sign a different text for an\n"
    "        epoch it already signed or an older one: the\n"
    "        record, one per public key, is kept in the state directory (--state-dir,\n"
    "        else $SOFTPAUSE_STATE_DIR, else $XDG_STATE_HOME/softpause, else\n"
    "        ~/.local/state/softpause), and it refuses an authorisation that starts more\n"
    "        than --max-ahead seconds (default 691200, 8 days) after the host clock,\n"
    "        unless --allow-future.\n"
    "verify  Open the note as Go's note.Open does with the given verifier keys: exit 0\n"
    "        and print the names that signed; a known key's bad signature, or no known\n"
    "        signature, is an error (exit 1).\n";

static uint8_t in_buf[SP_MAX_NOTE_BYTES + 1];
static uint8_t out_buf[SP_SIGNED_NOTE_CAP];

int cli_note_sign(const char *key_path, const uint8_t *in, size_t in_len, int as_text,
                  const char *where, const char *state_dir, uint64_t max_ahead,
                  const sp_vkey *previous_key)
{
    static sp_sign_report rep;
    sp_signer_key key;
    sp_sign_guard guard = {state_dir, key_path, (uint64_t)time(NULL), max_ahead, previous_key};
    size_t out_len, text_len;
    uint32_t line = 0;

    sp_err e = sp_signer_key_load(&key, key_path);
    if (e != SP_OK)
        return cli_error(e, key_path, 0, NULL);
    e = sp_note_sign_guarded(&key, &guard, in, in_len, as_text, out_buf, sizeof out_buf,
                             &out_len, &text_len, &rep, &line);
    sp_signer_key_wipe(&key);
    if (rep.imported > 0)
        fprintf(stderr, "softpause: %u signing record%s of the previous key imported\n",
                (unsigned)rep.imported, rep.imported == 1 ? "" : "s");
    if (rep.migrated_from[0] != '\0') { /* (paths are escaped like every name shown) */
        static char from[4 * SP_SIGN_PATH_MAX], into[4 * SP_SIGN_PATH_MAX];
        fprintf(stderr, "softpause: signing record %s migrated into %s\n",
                dacc_utf8_escape(from, sizeof from, rep.migrated_from, strlen(rep.migrated_from)),
                dacc_utf8_escape(into, sizeof into, rep.record_path, strlen(rep.record_path)));
    }
    if (e != SP_OK)
        return cli_sign_error(e, where, line, &guard, &rep);
    fwrite(out_buf, 1, out_len, stdout); /* checked by cli_finish */
    return EXIT_OK;
}

static int note_sign(const char *key_path, int as_text, const char *input,
                     const char *state_dir, const char *max_ahead_s, int allow_future)
{
    uint64_t max_ahead = SP_SIGN_MAX_AHEAD_DEFAULT;
    size_t in_len;
    int st;

    if (key_path == NULL)
        return cli_usage("note sign needs --key FILE.key");
    if (max_ahead_s != NULL && allow_future)
        return cli_usage("--max-ahead and --allow-future exclude each other");
    if (max_ahead_s != NULL &&
        (st = cli_number(max_ahead_s, SP_MAX_EPOCH, &max_ahead, "--max-ahead")) != 0)
        return st;
    if (allow_future)
        max_ahead = UINT64_MAX;
    if ((st = cli_read(input, in_buf, sizeof in_buf, &in_len, &cli_note_input)) != EXIT_OK)
        return st;
    return cli_note_sign(key_path, in_buf, in_len, as_text, input == NULL ? "<stdin>" : input,
                         state_dir, max_ahead, NULL);
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
    if ((st = cli_read(input, in_buf, sizeof in_buf, &len, &cli_note_input)) != EXIT_OK)
        return st;
    sp_err e = sp_note_parse(&note, in_buf, len, &line);
    if (e != SP_OK)
        return cli_error(e, where, line, NULL);
    e = sp_note_open(&note, vkeys, nkeys, sp_sodium_crypto(), &res);
    if (e != SP_OK)
        return cli_error(e, where, 0, NULL);
    for (size_t i = 0; i < nkeys; i++)
        if (res.verified_keys & (1u << i)) {
            char shown[CLI_SHOWN_NAME];
            printf("%s\n", cli_shown(shown, sizeof shown, vkeys[i].name, vkeys[i].name_len));
        }
    return EXIT_OK;
}

int cmd_note(int argc, char **argv)
{
    const char *key = NULL, *keys[MAX_VERIFY_KEYS], *pos[2], *state_dir = NULL;
    const char *max_ahead = NULL;
    size_t nkeys = 0, npos;
    int as_text = 0, allow_future = 0;
    const cli_opt sign_opts[] = {{"--key", 1, &key, NULL, NULL, NULL, 0},
                                 {"--text", 0, NULL, &as_text, NULL, NULL, 0},
                                 {"--state-dir", 1, &state_dir, NULL, NULL, NULL, 0},
                                 {"--max-ahead", 1, &max_ahead, NULL, NULL, NULL, 0},
                                 {"--allow-future", 0, NULL, &allow_future, NULL, NULL, 0},
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
        return note_sign(key, as_text, npos ? pos[0] : NULL, state_dir, max_ahead,
                         allow_future);
    return note_verify(keys, nkeys, npos ? pos[0] : NULL);
}
