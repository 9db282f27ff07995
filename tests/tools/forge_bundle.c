/*
 * forge_bundle.c -- a test-only tool: the bundle a log would make for NOTE if it had logged
 * it, so that a device's own checks can be reached with an entry no real log accepts (the
 * log refuses, for instance, a statement whose quorum fails).
 *
 *   forge_bundle LOG.key NOTE WITNESS.key... > BUNDLE
 *
 * The tree has one entry, NOTE's bytes: its root is the leaf hash and the inclusion proof
 * is empty.  The checkpoint "<origin>\n1\n<root>\n" (origin = the log key's name) is
 * signed by LOG.key and cosigned by each WITNESS.key (cosigner keys) at the current time;
 * the bundle is the C2SP tlog-proof a log's `bundle make` writes.  Exit 0, or 1 with a
 * message.  Built by `make test` into BUILD/tests/tools/; never installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "softpause/checkpoint.h"
#include "softpause/host/fileio.h"
#include "softpause/host/keyfile.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/merkle.h"
#include "softpause/tlog_proof.h"

static int fail(const char *what, sp_err e)
{
    fprintf(stderr, "forge_bundle: %s: %s\n", what, sp_err_name(e));
    return 1;
}

int main(int argc, char **argv)
{
    static uint8_t note[SP_MAX_NOTE_BYTES], text[SP_MAX_CHECKPOINT_TEXT_BYTES];
    static uint8_t signed_cp[SP_MAX_NOTE_BYTES], bundle[SP_MAX_BUNDLE_BYTES];
    sp_signer_key key;
    sp_checkpoint cp;
    size_t note_len = 0, text_len = 0, cp_len = 0, signed_text_len = 0, out_len = 0;
    uint32_t line = 0;
    sp_err e;

    if (argc < 4) {
        fprintf(stderr, "usage: forge_bundle LOG.key NOTE WITNESS.key... > BUNDLE\n");
        return 2;
    }
    if ((e = sp_sodium_init()) != SP_OK)
        return fail("libsodium", e);
    if ((e = sp_signer_key_load(&key, argv[1])) != SP_OK)
        return fail(argv[1], e);
    if ((e = sp_file_read(argv[2], note, sizeof note, &note_len)) != SP_OK)
        return fail(argv[2], e);
    memset(&cp, 0, sizeof cp);
    memcpy(cp.origin, key.pub.name, key.pub.name_len);
    cp.origin_len = key.pub.name_len;
    cp.size = 1;
    if ((e = sp_merkle_leaf_hash(cp.root, note, note_len, sp_sodium_crypto())) != SP_OK ||
        (e = sp_checkpoint_format_text(&cp, text, sizeof text, &text_len)) != SP_OK ||
        (e = sp_note_add_signature(&key, text, text_len, 1, signed_cp, sizeof signed_cp,
                                   &cp_len, &signed_text_len, &line)) != SP_OK)
        return fail("signing the checkpoint", e);
    for (int i = 3; i < argc; i++) {
        sp_signer_key w;
        size_t n = 0;
        if ((e = sp_signer_key_load_typed(&w, argv[i], SP_KEY_ALG_COSIGNER)) != SP_OK)
            return fail(argv[i], e);
        if ((e = sp_cosignature_line(&w, (uint64_t)time(NULL), text, text_len, signed_cp + cp_len,
                                     sizeof signed_cp - cp_len, &n)) != SP_OK)
            return fail("cosigning", e);
        cp_len += n;
    }
    if ((e = sp_tlog_proof_format(note, note_len, 0, NULL, 0, signed_cp, cp_len, bundle,
                                  sizeof bundle, &out_len)) != SP_OK)
        return fail("writing the bundle", e);
    return fwrite(bundle, 1, out_len, stdout) == out_len && fflush(stdout) == 0 ? 0 : 1;
}
