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

/* Decode the envelope and its leaf into work->leaf (no signature checked yet). */
static sp_err decode_leaf(const uint8_t *bundle, size_t len, sp_bundle_work *work,
                          size_t *leaf_len, uint64_t *index, uint32_t *err_line)
{
    sp_tlog_proof *proof = &work->proof;
    sp_err err;

    err = sp_tlog_proof_parse(proof, bundle, len, err_line);
    if (err != SP_OK)
        return err;
    if (proof->extra_b64 == NULL || proof->extra_b64_len == 0)
        return SP_ERR_BUNDLE_NO_STATEMENT;
    /* sp_tlog_proof_parse bounds `extra` to SP_MAX_NOTE_BYTES decoded: it fits work->leaf. */
    err = sp_base64_decode(work->leaf, sizeof work->leaf, leaf_len,
                           (const char *)proof->extra_b64, proof->extra_b64_len);
    if (err != SP_OK)
        return err;
    *index = proof->index;
    return SP_OK;
}

/* Steps 1-3: everything up to (and including) inclusion of the leaf. */
static sp_err verify_publication(const sp_policy *policy, const uint8_t *bundle, size_t len,
                                 const sp_crypto *crypto, sp_bundle_work *work,
                                 sp_bundle_report *report, uint32_t *err_line)
{
    uint8_t leaf_hash[SP_SHA256_BYTES];
    sp_tlog_proof *proof = &work->proof;
    sp_err err;

    err = decode_leaf(bundle, len, work, &report->leaf_len, &report->index, err_line);
    if (err != SP_OK)
        return err;

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

/* No pointers into the caller's buffer survive a call. */
static void forget_bundle(sp_bundle_work *work)
{
    memset(&work->proof, 0, sizeof work->proof);
    memset(&work->checkpoint.note, 0, sizeof work->checkpoint.note);
    memset(&work->note, 0, sizeof work->note);
}

/* Argument checks and zeroed outputs, shared by both verify entry points. */
static sp_err bundle_begin(const sp_policy *policy, const uint8_t *bundle, size_t len,
                           const sp_crypto *crypto, const sp_bundle_work *work,
                           sp_bundle_report *report, uint32_t *err_line)
{
    *err_line = 0;
    if (report != NULL)
        memset(report, 0, sizeof *report);
    if (policy == NULL || bundle == NULL || crypto == NULL || work == NULL || report == NULL)
        return SP_ERR_ARGUMENT;
    if (len > SP_MAX_BUNDLE_BYTES)
        return SP_ERR_PROOF_FORMAT;
    return SP_OK;
}

sp_err sp_bundle_verify(const sp_policy *policy, const uint8_t *bundle, size_t len,
                        const sp_crypto *crypto, sp_bundle_work *work, sp_statement *out,
                        sp_bundle_report *report, uint32_t *err_line)
{
    uint32_t local_line = 0;
    sp_err err;

    if (err_line == NULL)
        err_line = &local_line;
    if (out != NULL)
        memset(out, 0, sizeof *out);
    err = bundle_begin(policy, bundle, len, crypto, work, report, err_line);
    if (err == SP_OK && out == NULL)
        err = SP_ERR_ARGUMENT;
    if (err != SP_OK)
        return err;

    err = verify_publication(policy, bundle, len, crypto, work, report, err_line);
    if (err == SP_OK) {
        *err_line = 0;
        err = sp_statement_verify(policy, work->leaf, report->leaf_len, crypto, &work->note,
                                  out, &report->quorum, err_line);
    }
    forget_bundle(work);
    if (err != SP_OK)
        memset(out, 0, sizeof *out);
    return err;
}

sp_err sp_bundle_verify_update(const sp_policy *policy, const uint8_t *bundle, size_t len,
                               const sp_crypto *crypto, sp_bundle_work *work,
                               sp_update_result *out, sp_update_report *ureport,
                               sp_bundle_report *report, uint32_t *err_line)
{
    uint32_t local_line = 0;
    sp_err err;

    if (err_line == NULL)
        err_line = &local_line;
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (ureport != NULL)
        memset(ureport, 0, sizeof *ureport);
    err = bundle_begin(policy, bundle, len, crypto, work, report, err_line);
    if (err == SP_OK && (out == NULL || ureport == NULL))
        err = SP_ERR_ARGUMENT;
    if (err != SP_OK)
        return err;

    err = verify_publication(policy, bundle, len, crypto, work, report, err_line);
    if (err == SP_OK) {
        *err_line = 0;
        err = sp_update_verify(policy, work->leaf, report->leaf_len, crypto, &work->note, out,
                               ureport, err_line);
    }
    forget_bundle(work);
    if (err != SP_OK)
        memset(out, 0, sizeof *out);
    return err;
}

sp_leaf_kind sp_leaf_kind_of(const uint8_t *text, size_t len)
{
    static const char update_head[] = "softpause/v1 policy-update ";
    size_t n = sizeof update_head - 1u;

    if (text != NULL && len > n && memcmp(text, update_head, n) == 0)
        return SP_LEAF_UPDATE;
    return SP_LEAF_STATEMENT;
}

sp_err sp_bundle_kind(const uint8_t *bundle, size_t len, sp_bundle_work *work,
                      sp_leaf_kind *kind)
{
    size_t leaf_len = 0;
    uint64_t index = 0;
    uint32_t line = 0;
    sp_err err;

    if (kind != NULL)
        *kind = SP_LEAF_STATEMENT;
    if (bundle == NULL || work == NULL || kind == NULL)
        return SP_ERR_ARGUMENT;
    if (len > SP_MAX_BUNDLE_BYTES)
        return SP_ERR_PROOF_FORMAT;
    err = decode_leaf(bundle, len, work, &leaf_len, &index, &line);
    if (err == SP_OK)
        *kind = sp_leaf_kind_of(work->leaf, leaf_len);
    forget_bundle(work);
    return err;
}
