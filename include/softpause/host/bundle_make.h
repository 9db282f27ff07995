/*
 * softpause/host/bundle_make.h -- assemble the weekly bundle from a public log.
 *
 * Shared by `softpause bundle publish|make` and the demo.  Submitting: POST the statement
 * to the log.  Making: read the log's newest checkpoint (from
 * its URL prefix or a static mirror directory, softpause/host/tile_reader.h), check it
 * against the policy's witness block, find the logged copy of a statement by its text
 * (newest entry first) unless an index is given, prove its inclusion from the hash tiles,
 * write a C2SP tlog-proof, and verify the result exactly as a device would
 * (sp_bundle_verify) before handing it out.
 */
#ifndef SOFTPAUSE_HOST_BUNDLE_MAKE_H
#define SOFTPAUSE_HOST_BUNDLE_MAKE_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/bundle.h"
#include "softpause/errors.h"
#include "softpause/policy.h"

typedef struct sp_bundle_made {
    uint64_t index;                  /* the statement's leaf index */
    uint64_t tree_size;              /* size of the checkpoint proved against */
    sp_checkpoint_result witnesses;  /* who cosigned it, and the quorum time */
    sp_statement statement;          /* the verified statement */
} sp_bundle_made;

/*
 * Build the bundle for `statement` (a signed note) into out[0..cap).  index: UINT64_MAX
 * to find the logged copy by its text (newest first); otherwise the entry at index, which
 * must be byte-identical to `statement` (else SP_ERR_NOT_FOUND, *what saying whether it
 * is another statement or the same text with other signature lines).  work is scratch.
 * Errors: the log's (SP_ERR_HTTP, SP_ERR_IO, SP_ERR_NOT_FOUND: no checkpoint, or the
 * statement is not covered by the newest cosigned checkpoint), the checkpoint's
 * (witness quorum...), and sp_bundle_verify's.  *what (if not NULL) names the step that
 * failed, for messages.
 */
SP_MUST_CHECK sp_err sp_bundle_make(const sp_policy *policy, const char *log,
                                    const uint8_t *statement, size_t statement_len,
                                    uint64_t index, sp_bundle_work *work, uint8_t *out,
                                    size_t cap, size_t *out_len, sp_bundle_made *made,
                                    const char **what);

/* Bound on a log's answer to a submission (an index, or a one-line reason). */
#define SP_LOG_SUBMIT_MAX_REPLY 65536u

/*
 * Submit a signed statement to the log whose URL prefix is log_url: POST <log_url>/add
 * (a trailing '/' on the prefix is allowed).  On SP_OK the log answered: *status is the
 * HTTP status (200: appended or already logged) and reply[0..cap) its body as text,
 * NUL-terminated, without the final newline (the index, or the log's reason for a
 * refusal).  SP_ERR_HTTP when the log could not be reached.
 */
SP_MUST_CHECK sp_err sp_log_submit(const char *log_url, const uint8_t *note, size_t len,
                                   long timeout_ms, int *status, char *reply, size_t cap);

#endif /* SOFTPAUSE_HOST_BUNDLE_MAKE_H */
