/*
 * bundle.c -- verify a weekly bundle: envelope, witnessed checkpoint, inclusion, statement
 * (softpause/bundle.h).
 *
 * The order is the security argument.  The checkpoint is checked before anything is
 * hashed against it, so an unwitnessed tree can never make a leaf look published; the
 * leaf hash is computed over exactly the decoded `extra` bytes, and those same bytes are
 * then verified as the statement, so there is no second copy of the statement that could
 * differ from what was logged.  Everything the function reads is in the caller's buffer or
 * the caller's work area; nothing recurses and no frame holds a note.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "softpause/bundle.h"
#include "softpause/encoding.h"
#include "softpause/merkle.h"

/* Steps 1-3: everything up to (and including) inclusion of the leaf. */
static sp_err verify_publication(const sp_policy *policy, const uint8_t *bundle, size_t len,
                                 const sp_crypto *crypto, sp_bundle_work *work,
                                 sp_bundle_report *report, uint32_t *err_line)
{
    uint8_t leaf_hash[SP_SHA256_BYTES];
    sp_tlog_proof *proof = &work->proof;
    sp_err err;

    err = sp_tlog_proof_parse(proof, bundle, len, err_line);
    if (err != SP_OK)
        return err;
    if (proof->extra_b64 == NULL || proof->extra_b64_len == 0)
        return SP_ERR_BUNDLE_NO_STATEMENT;
    /* sp_tlog_proof_parse bounds `extra` to SP_MAX_NOTE_BYTES decoded: it fits work->leaf. */
    err = sp_base64_decode(work->leaf, sizeof work->leaf, &report->leaf_len,
                           (const char *)proof->extra_b64, proof->extra_b64_len);
    if (err != SP_OK)
        return err;
    report->index = proof->index;

    err = sp_checkpoint_verify_witnessed(&policy->witness, proof->checkpoint,
                                         proof->checkpoint_len, crypto, &work->checkpoint,
                                         &report->checkpoint, &report->witnesses);
    if (err != SP_OK)
        return err;
    report->checkpoint_verified = 1u;

    err = sp_merkle_leaf_hash(leaf_hash, work->leaf, report->leaf_len, crypto);
    if (err != SP_OK)
        return err;
    return sp_merkle_verify_inclusion(crypto, proof->index, report->checkpoint.size, leaf_hash,
                                      (const uint8_t(*)[SP_SHA256_BYTES])proof->hashes,
                                      proof->hash_count, report->checkpoint.root,
                                      SP_SHA256_BYTES);
}

sp_err sp_bundle_verify(const sp_policy *policy, const uint8_t *bundle, size_t len,
                        const sp_crypto *crypto, sp_bundle_work *work, sp_statement *out,
                        sp_bundle_report *report, uint32_t *err_line)
{
    uint32_t local_line = 0;
    sp_err err;

    if (err_line == NULL)
        err_line = &local_line;
    *err_line = 0;
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (report != NULL)
        memset(report, 0, sizeof *report);
    if (policy == NULL || bundle == NULL || crypto == NULL || work == NULL || out == NULL ||
        report == NULL)
        return SP_ERR_ARGUMENT;
    if (len > SP_MAX_BUNDLE_BYTES)
        return SP_ERR_PROOF_FORMAT;

    err = verify_publication(policy, bundle, len, crypto, work, report, err_line);
    if (err == SP_OK) {
        *err_line = 0;
        err = sp_statement_verify(policy, work->leaf, report->leaf_len, crypto, &work->note,
                                  out, &report->quorum, err_line);
    }
    /* No pointers into the caller's buffer survive the call. */
    memset(&work->proof, 0, sizeof work->proof);
    memset(&work->checkpoint.note, 0, sizeof work->checkpoint.note);
    memset(&work->note, 0, sizeof work->note);
    if (err != SP_OK)
        memset(out, 0, sizeof *out);
    return err;
}
