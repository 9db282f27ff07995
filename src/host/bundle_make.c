/*
 * bundle_make.c -- the weekly bundle from public log data (host/bundle_make.h).
 */
#include <stdlib.h>
#include <string.h>

#include "softpause/host/bundle_make.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/tile_reader.h"
#include "softpause/note.h"
#include "softpause/tlog_proof.h"

/* Index of the newest entry whose note text equals text[0..text_len). */
static sp_err find_entry(const char *log, uint64_t size, const uint8_t *text, size_t text_len,
                         sp_note *parsed, uint64_t *index)
{
    for (uint64_t i = size; i-- > 0;) {
        uint8_t *entry = NULL;
        size_t len = 0;
        sp_err e = sp_tile_read_entry(log, i, size, &entry, &len);
        if (e != SP_OK)
            return e;
        if (sp_note_parse(parsed, entry, len, NULL) == SP_OK && parsed->text_len == text_len &&
            memcmp(entry, text, text_len) == 0) {
            free(entry);
            *index = i;
            return SP_OK;
        }
        free(entry);
    }
    return SP_ERR_NOT_FOUND;
}

sp_err sp_bundle_make(const sp_policy *policy, const char *log, const uint8_t *statement,
                      size_t statement_len, uint64_t index, sp_bundle_work *work,
                      uint8_t *out, size_t cap, size_t *out_len, sp_bundle_made *made,
                      const char **what)
{
    uint8_t proof[SP_MAX_PROOF_HASHES][SP_SHA256_BYTES];
    uint8_t *checkpoint = NULL, *leaf = NULL;
    size_t cp_len = 0, leaf_len = 0, nproof = 0;
    const char *local_what;
    sp_bundle_report *report;
    sp_checkpoint cp;
    sp_err e;

    if (what == NULL)
        what = &local_what;
    *what = "arguments";
    *out_len = 0;
    memset(made, 0, sizeof *made);
    if (policy == NULL || log == NULL || statement == NULL || work == NULL || out == NULL)
        return SP_ERR_ARGUMENT;
    report = malloc(sizeof *report);
    if (report == NULL)
        return SP_ERR_IO;

    *what = "reading the statement";
    e = sp_note_parse(&work->note, statement, statement_len, NULL);
    if (e != SP_OK)
        goto done;
    *what = "reading the log's checkpoint";
    e = sp_tile_fetch(log, "checkpoint", &checkpoint, &cp_len);
    if (e != SP_OK)
        goto done;
    *what = "checking the log's checkpoint against the policy";
    e = sp_checkpoint_verify_witnessed(&policy->witness, checkpoint, cp_len, sp_sodium_crypto(),
                                       &work->checkpoint, &cp, &made->witnesses);
    if (e != SP_OK)
        goto done;
    made->tree_size = cp.size;
    if (index == UINT64_MAX) {
        *what = "finding the statement among the checkpoint's entries";
        /* parse the statement again into the scratch the search will reuse */
        size_t text_len = work->note.text_len;
        e = find_entry(log, cp.size, statement, text_len, &work->note, &index);
        if (e != SP_OK)
            goto done;
    }
    made->index = index;
    *what = "reading the logged statement and its inclusion proof";
    if ((e = sp_tile_read_entry(log, index, cp.size, &leaf, &leaf_len)) != SP_OK ||
        (e = sp_tile_inclusion_proof(log, index, cp.size, sp_sodium_crypto(), proof,
                                     &nproof)) != SP_OK)
        goto done;
    *what = "writing the bundle";
    e = sp_tlog_proof_format(leaf, leaf_len, index, (const uint8_t(*)[SP_SHA256_BYTES])proof,
                             nproof, checkpoint, cp_len, out, cap, out_len);
    if (e != SP_OK)
        goto done;
    /* Never hand out a bundle a device would refuse for reasons the bundle controls. */
    *what = "verifying the bundle as a device would";
    e = sp_bundle_verify(policy, out, *out_len, sp_sodium_crypto(), work, &made->statement,
                         report, NULL);
done:
    if (e != SP_OK)
        *out_len = 0;
    free(checkpoint);
    free(leaf);
    free(report);
    return e;
}
