/*
 * bundle_make.c -- submitting statements to a log, and the weekly bundle from public log
 * data (host/bundle_make.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/host/bundle_make.h"
#include "softpause/host/http.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/host/tile_reader.h"
#include "softpause/host/tlog_tiles.h"
#include "softpause/note.h"
#include "softpause/tlog_proof.h"

/* Index of the newest entry whose note text equals text[0..text_len): entry bundles from
 * the newest back, each fetched once and walked in order (the last match in a bundle is
 * its newest). */
static sp_err find_entry(const char *log, uint64_t size, const uint8_t *text, size_t text_len,
                         sp_note *parsed, uint64_t *index)
{
    for (uint64_t n = (size + SP_TILE_WIDTH - 1) / SP_TILE_WIDTH; n-- > 0;) {
        uint8_t *bundle = NULL;
        size_t len = 0, pos = 0, entry_len = 0;
        const uint8_t *entry = NULL;
        int found = 0;
        sp_err e = sp_tile_fetch_entry_bundle(log, n, size, &bundle, &len);
        if (e != SP_OK)
            return e;
        for (uint64_t i = n * SP_TILE_WIDTH; i < size && i < (n + 1) * SP_TILE_WIDTH; i++) {
            e = sp_entry_bundle_next(bundle, len, &pos, &entry, &entry_len);
            if (e != SP_OK) {
                free(bundle);
                return e == SP_ERR_NOT_FOUND ? SP_ERR_FILE_FORMAT : e;
            }
            if (sp_note_parse(parsed, entry, entry_len, NULL) == SP_OK &&
                parsed->text_len == text_len && memcmp(entry, text, text_len) == 0) {
                *index = i;
                found = 1;
            }
        }
        free(bundle);
        if (found)
            return SP_OK;
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
    int searched = index == UINT64_MAX;
    if (searched) {
        *what = "finding the statement among the checkpoint's entries";
        /* parse the statement again into the scratch the search will reuse */
        size_t text_len = work->note.text_len;
        e = find_entry(log, cp.size, statement, text_len, &work->note, &index);
        if (e != SP_OK)
            goto done;
    }
    made->index = index;
    if (index >= cp.size) {
        *what = "not an entry of the log's newest cosigned checkpoint";
        e = SP_ERR_NOT_FOUND;
        goto done;
    }
    *what = "reading the logged statement and its inclusion proof";
    if ((e = sp_tile_read_entry(log, index, cp.size, &leaf, &leaf_len)) != SP_OK)
        goto done;
    /* An index names where STATEMENT is logged: the entry there must be STATEMENT itself,
     * byte for byte, never whatever else the log holds at that index. */
    if (!searched && (leaf_len != statement_len || memcmp(leaf, statement, leaf_len) != 0)) {
        size_t text_len = work->note.text_len; /* STATEMENT's, parsed above */
        int same_text = sp_note_parse(&work->note, leaf, leaf_len, NULL) == SP_OK &&
                        work->note.text_len == text_len && memcmp(leaf, statement, text_len) == 0;
        *what = same_text ? "that entry is this statement's text with other signature lines, "
                            "not this statement byte for byte"
                          : "that entry is another statement, not this one";
        e = SP_ERR_NOT_FOUND;
        goto done;
    }
    if ((e = sp_tile_inclusion_proof(log, index, cp.size, sp_sodium_crypto(), proof,
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

sp_err sp_log_submit(const char *log_url, const uint8_t *note, size_t len, long timeout_ms,
                     int *status, char *reply, size_t cap)
{
    char url[2048];
    uint8_t *body = NULL;
    size_t body_len = 0, base_len;
    int n;
    sp_err e;

    *status = 0;
    if (cap > 0)
        reply[0] = '\0';
    if (log_url == NULL || note == NULL)
        return SP_ERR_ARGUMENT;
    base_len = strlen(log_url);
    while (base_len > 0 && log_url[base_len - 1] == '/')
        base_len--;
    n = snprintf(url, sizeof url, "%.*s/add", (int)base_len, log_url);
    if (n < 0 || (size_t)n >= sizeof url)
        return SP_ERR_ARGUMENT;
    e = sp_http_request("POST", url, note, len, timeout_ms, SP_LOG_SUBMIT_MAX_REPLY, status,
                        &body, &body_len, NULL, 0);
    if (e != SP_OK)
        return e;
    while (body_len > 0 && body[body_len - 1] == '\n')
        body_len--;
    if (cap > 0)
        snprintf(reply, cap, "%.*s", (int)body_len, (const char *)body);
    free(body);
    return SP_OK;
}
