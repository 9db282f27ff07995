/*
 * tlog_proof.c -- the two envelopes around a checkpoint (contract: softpause/tlog_proof.h):
 * the C2SP tlog-proof bundle and the C2SP tlog-witness add-checkpoint request body.
 *
 *   bundle                                      add-checkpoint request
 *   c2sp.org/tlog-proof@v1\n                    old <decimal>\n
 *   extra <base64 statement note>\n             <base64 hash>\n * 0..63
 *   index <decimal>\n                           \n
 *   <base64 hash>\n * 0..63                     <checkpoint note>
 *   \n
 *   <checkpoint note>
 *
 * Both end in the same shape -- hash lines, one empty line, a note -- so one scanner
 * (scan_proof_tail) reads that part of both, and one writer (write_proof_tail) writes it;
 * each envelope only adds its header lines and its own format error code.
 *
 * Strictness (each refuses more than the specs require): exact keywords followed by one
 * space, canonical decimals below 2^63, canonical base64 of exactly 32 bytes on each hash
 * line, '\n' line ends.  Bytes are not otherwise checked here: the checkpoint note is
 * parsed by the checkpoint verifier and the extra line's content by the statement
 * verifier, and the structures only point into the caller's buffer.
 *
 * A softpause statement sent where a bundle is expected gets its own code
 * (SP_ERR_BUNDLE_BARE_STATEMENT): since publication is required, the most likely mistake
 * is a pre-publication tool or a forgotten log step, and it should say so.
 */
#include "softpause/tlog_proof.h"

#include <string.h>

#include "softpause/encoding.h"
#include "softpause/statement.h"
#include "text.h"

#define MAX_INDEX (((uint64_t)1 << 63) - 1u)
#define HASH_B64_LEN SP_BASE64_ENCODED_LEN(SP_SHA256_BYTES)
/* An add-checkpoint body: "old " and 19 digits, 63 hash lines, the blank line, a note. */
#define MAX_REQUEST_BYTES (24u + SP_MAX_PROOF_HASHES * (HASH_B64_LEN + 1u) + 1u + SP_MAX_NOTE_BYTES)

/* The shared tail: hash lines, the empty line, the checkpoint note. */
typedef struct proof_tail {
    uint32_t hash_count;
    uint8_t (*hashes)[SP_SHA256_BYTES];
    const uint8_t *checkpoint;
    size_t checkpoint_len;
} proof_tail;

/* Read "<keyword> <value>" from line[0..n): *value is the rest after the single space. */
static int keyword_line(const uint8_t *line, size_t n, const char *kw, size_t kw_len,
                        const uint8_t **value, size_t *value_len)
{
    if (n <= kw_len || memcmp(line, kw, kw_len) != 0 || line[kw_len] != ' ')
        return 0;
    *value = line + kw_len + 1u;
    *value_len = n - kw_len - 1u;
    return 1;
}

#define KEYWORD_LINE(line, n, kw, v, vl) keyword_line((line), (n), (kw), sizeof(kw) - 1u, (v), (vl))

/*
 * Scan from *pos: hash lines until an empty line, then the checkpoint (the rest, not
 * empty).  *line counts lines read, for the caller's error line.
 */
static sp_err scan_proof_tail(const uint8_t *b, size_t len, size_t *pos, uint32_t *line,
                              proof_tail *t, sp_err format_err)
{
    t->hash_count = 0;
    for (;;) {
        sp_span s;
        size_t n = 0;
        sp_err e;

        ++*line;
        if (*pos >= len)
            return format_err; /* no empty line before the end */
        if (sp_text_next_line(b, len, pos, &s) != SP_OK)
            return format_err;
        if (s.len == 0)
            break;
        if (t->hash_count == SP_MAX_PROOF_HASHES)
            return SP_ERR_MERKLE_PROOF_TOO_LONG; /* before decoding any more */
        e = sp_base64_check((const char *)b + s.off, s.len, &n);
        if (e != SP_OK)
            return e;
        if (n != SP_SHA256_BYTES)
            return format_err;
        e = sp_base64_decode(t->hashes[t->hash_count], SP_SHA256_BYTES, &n,
                             (const char *)b + s.off, s.len);
        if (e != SP_OK)
            return e;
        t->hash_count++;
    }
    if (*pos >= len) {
        ++*line;
        return format_err; /* no checkpoint after the empty line */
    }
    t->checkpoint = b + *pos;
    t->checkpoint_len = len - *pos;
    return SP_OK;
}

/* A canonical decimal below 2^63 (the index of an entry, a tree size). */
static sp_err parse_u63(uint64_t *v, const uint8_t *p, size_t n)
{
    return sp_decimal_parse(v, (const char *)p, n, MAX_INDEX);
}

/* Next line of the header, or format_err at the end of input or without '\n'. */
static sp_err header_line(const uint8_t *b, size_t len, size_t *pos, uint32_t *line,
                          sp_span *s, sp_err format_err)
{
    ++*line;
    if (*pos >= len || sp_text_next_line(b, len, pos, s) != SP_OK)
        return format_err;
    return SP_OK;
}

/* The bundle's header lines: magic, extra, index. */
static sp_err parse_bundle_head(sp_tlog_proof *out, const uint8_t *b, size_t len, size_t *pos,
                                uint32_t *line)
{
    static const char magic[] = SP_TLOG_PROOF_HEADER;
    static const char stmt[] = SP_STATEMENT_PREFIX;
    const uint8_t *v = NULL;
    size_t vl = 0, n = 0;
    sp_span s;
    sp_err e;

    if (len >= sizeof stmt - 1u && memcmp(b, stmt, sizeof stmt - 1u) == 0) {
        *line = 1;
        return SP_ERR_BUNDLE_BARE_STATEMENT;
    }
    e = header_line(b, len, pos, line, &s, SP_ERR_PROOF_FORMAT);
    if (e != SP_OK)
        return e;
    if (!sp_text_equal(b + s.off, s.len, (const uint8_t *)magic, sizeof magic - 1u))
        return SP_ERR_PROOF_FORMAT;
    e = header_line(b, len, pos, line, &s, SP_ERR_PROOF_FORMAT);
    if (e != SP_OK)
        return e;
    if (KEYWORD_LINE(b + s.off, s.len, "index", &v, &vl))
        return SP_ERR_BUNDLE_NO_STATEMENT; /* a valid tlog-proof, but nothing to apply */
    if (!KEYWORD_LINE(b + s.off, s.len, "extra", &v, &vl))
        return SP_ERR_PROOF_FORMAT;
    e = sp_base64_check((const char *)v, vl, &n);
    if (e != SP_OK)
        return e;
    if (n == 0 || n > SP_MAX_NOTE_BYTES)
        return SP_ERR_PROOF_FORMAT;
    out->extra_b64 = v;
    out->extra_b64_len = vl;
    e = header_line(b, len, pos, line, &s, SP_ERR_PROOF_FORMAT);
    if (e != SP_OK)
        return e;
    if (!KEYWORD_LINE(b + s.off, s.len, "index", &v, &vl))
        return SP_ERR_PROOF_FORMAT;
    return parse_u63(&out->index, v, vl);
}

/* The request's header line: "old <size>". */
static sp_err parse_request_head(sp_witness_request *out, const uint8_t *b, size_t len,
                                 size_t *pos, uint32_t *line)
{
    const uint8_t *v = NULL;
    size_t vl = 0;
    sp_span s;
    sp_err e;

    e = header_line(b, len, pos, line, &s, SP_ERR_WITNESS_REQUEST);
    if (e != SP_OK)
        return e;
    if (!KEYWORD_LINE(b + s.off, s.len, "old", &v, &vl))
        return SP_ERR_WITNESS_REQUEST;
    return parse_u63(&out->old_size, v, vl);
}

/*
 * Both parsers: the envelope's own header lines, then the shared tail.  Exactly one of
 * proof (a bundle) and req (an add-checkpoint body) is non-NULL.  On failure the output
 * is zeroed and *err_line is the line of the problem.
 */
static sp_err parse_envelope(sp_tlog_proof *proof, sp_witness_request *req,
                             const uint8_t *bytes, size_t len, uint32_t *err_line)
{
    sp_err format_err = proof != NULL ? SP_ERR_PROOF_FORMAT : SP_ERR_WITNESS_REQUEST;
    size_t max = proof != NULL ? SP_MAX_BUNDLE_BYTES : MAX_REQUEST_BYTES;
    proof_tail t;
    uint32_t line = 0;
    size_t pos = 0;
    sp_err e;

    if (err_line != NULL)
        *err_line = 0;
    if (proof != NULL)
        memset(proof, 0, sizeof *proof);
    else
        memset(req, 0, sizeof *req);
    if (bytes == NULL && len != 0)
        return SP_ERR_ARGUMENT;
    if (len > max)
        return format_err;
    if (proof != NULL) {
        e = parse_bundle_head(proof, bytes, len, &pos, &line);
        t.hashes = proof->hashes;
    } else {
        e = parse_request_head(req, bytes, len, &pos, &line);
        t.hashes = req->hashes;
    }
    if (e == SP_OK)
        e = scan_proof_tail(bytes, len, &pos, &line, &t, format_err);
    if (e == SP_OK && t.checkpoint_len > SP_MAX_NOTE_BYTES)
        e = format_err; /* no checkpoint note is larger than a note */
    if (e != SP_OK) {
        if (proof != NULL)
            memset(proof, 0, sizeof *proof);
        else
            memset(req, 0, sizeof *req);
        if (err_line != NULL)
            *err_line = line;
        return e;
    }
    if (proof != NULL) {
        proof->hash_count = t.hash_count;
        proof->checkpoint = t.checkpoint;
        proof->checkpoint_len = t.checkpoint_len;
    } else {
        req->hash_count = t.hash_count;
        req->checkpoint = t.checkpoint;
        req->checkpoint_len = t.checkpoint_len;
    }
    return SP_OK;
}

sp_err sp_tlog_proof_parse(sp_tlog_proof *out, const uint8_t *bytes, size_t len,
                           uint32_t *err_line)
{
    if (out == NULL) {
        if (err_line != NULL)
            *err_line = 0;
        return SP_ERR_ARGUMENT;
    }
    return parse_envelope(out, NULL, bytes, len, err_line);
}

sp_err sp_witness_request_parse(sp_witness_request *out, const uint8_t *bytes, size_t len,
                                uint32_t *err_line)
{
    if (out == NULL) {
        if (err_line != NULL)
            *err_line = 0;
        return SP_ERR_ARGUMENT;
    }
    return parse_envelope(NULL, out, bytes, len, err_line);
}

/* ---- writing ------------------------------------------------------------------------ */

static void write_proof_tail(sp_writer *w, const uint8_t (*hashes)[SP_SHA256_BYTES], size_t n,
                             const uint8_t *checkpoint, size_t checkpoint_len)
{
    for (size_t i = 0; i < n; i++) {
        sp_writer_base64(w, hashes[i], SP_SHA256_BYTES);
        sp_writer_put(w, "\n", 1);
    }
    sp_writer_put(w, "\n", 1);
    sp_writer_put(w, checkpoint, checkpoint_len);
}

/* Arguments both writers share: the tail's hashes and checkpoint. */
static sp_err tail_args(const uint8_t (*hashes)[SP_SHA256_BYTES], size_t n,
                        const uint8_t *checkpoint, size_t checkpoint_len)
{
    if ((hashes == NULL && n != 0) || checkpoint == NULL || checkpoint_len == 0)
        return SP_ERR_ARGUMENT;
    if (n > SP_MAX_PROOF_HASHES)
        return SP_ERR_MERKLE_PROOF_TOO_LONG;
    return SP_OK;
}

sp_err sp_tlog_proof_format(const uint8_t *extra, size_t extra_len, uint64_t index,
                            const uint8_t (*hashes)[SP_SHA256_BYTES], size_t n,
                            const uint8_t *checkpoint, size_t checkpoint_len, uint8_t *out,
                            size_t cap, size_t *out_len)
{
    sp_writer w;
    sp_err e;

    if (out_len != NULL)
        *out_len = 0;
    if (out_len == NULL || (out == NULL && cap != 0) || (extra == NULL && extra_len != 0))
        return SP_ERR_ARGUMENT;
    e = tail_args(hashes, n, checkpoint, checkpoint_len);
    if (e != SP_OK)
        return e;
    if (extra_len == 0)
        return SP_ERR_BUNDLE_NO_STATEMENT;
    if (extra_len > SP_MAX_NOTE_BYTES)
        return SP_ERR_PROOF_FORMAT;
    if (index > MAX_INDEX)
        return SP_ERR_NUMBER_RANGE;
    sp_writer_init(&w, out, cap);
    sp_writer_put(&w, SP_TLOG_PROOF_HEADER "\nextra ", sizeof SP_TLOG_PROOF_HEADER + 6u);
    sp_writer_base64(&w, extra, extra_len);
    sp_writer_put(&w, "\nindex ", 7);
    sp_writer_decimal(&w, index);
    sp_writer_put(&w, "\n", 1);
    write_proof_tail(&w, hashes, n, checkpoint, checkpoint_len);
    return sp_writer_finish(&w, out_len);
}

sp_err sp_witness_request_format(uint64_t old_size, const uint8_t (*hashes)[SP_SHA256_BYTES],
                                 size_t n, const uint8_t *checkpoint, size_t checkpoint_len,
                                 uint8_t *out, size_t cap, size_t *out_len)
{
    sp_writer w;
    sp_err e;

    if (out_len != NULL)
        *out_len = 0;
    if (out_len == NULL || (out == NULL && cap != 0))
        return SP_ERR_ARGUMENT;
    e = tail_args(hashes, n, checkpoint, checkpoint_len);
    if (e != SP_OK)
        return e;
    if (old_size > MAX_INDEX)
        return SP_ERR_NUMBER_RANGE;
    sp_writer_init(&w, out, cap);
    sp_writer_put(&w, "old ", 4);
    sp_writer_decimal(&w, old_size);
    sp_writer_put(&w, "\n", 1);
    write_proof_tail(&w, hashes, n, checkpoint, checkpoint_len);
    return sp_writer_finish(&w, out_len);
}
