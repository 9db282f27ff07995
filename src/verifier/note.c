/*
 * note.c -- C2SP signed notes: parse, and open exactly as Go's note.Open does
 * (contract: softpause/note.h).
 *
 * A note on the wire (C2SP signed-note, "Format"; Go: note.go Open):
 *
 *   +---------------------------------------------+
 *   | text line 1                            '\n' |  \
 *   | ...                                         |   > text: signed, final '\n' included
 *   | text line n                            '\n' |  /
 *   | '\n'                                        |  blank line: the split is the LAST "\n\n"
 *   | E2 80 94 20 <name> 20 <base64>         '\n' |  \
 *   | ...                                         |   > one or more signature lines
 *   | E2 80 94 20 <name> 20 <base64>         '\n' |  /
 *   +---------------------------------------------+
 *
 *   E2 80 94 = U+2014 EM DASH, 20 = space.
 *   <name>   = key name: non-empty UTF-8, no '+', no Unicode space (isValidName).
 *   <base64> = base64( key ID[4, big-endian] || signature bytes ), payload >= 5 bytes.
 *              An Ed25519 line (alg 0x01) has 4 + 64 = 68 payload bytes; lines of other
 *              algorithms (cosignature/v1: 4 + 8 + 64) share the syntax and are parsed,
 *              never verified here.
 *
 * Parsing is one forward scan over the bytes (control bytes, '\r', UTF-8, line lengths,
 * final newline), then the split at the last "\n\n", then each signature line in order.
 * The parsed note only records offsets into the caller's buffer; nothing is copied.
 *
 * Opening follows Go's Open line by line: a line whose name and key ID match no known
 * key is ignored; the FIRST line for a known name+ID is verified and, if it fails, the
 * whole note is refused; later lines for that name+ID are skipped unverified; a line
 * naming a name+ID that two known keys share is refused as ambiguous (Go's VerifierList
 * reports this only when such a line is present, and so do we); and a note with no
 * verified line is refused.  Signatures are checked only through crypto->ed25519_verify.
 * A known key with a payload that is not exactly 68 bytes is an invalid signature, as Go's
 * ed25519.Verify returns false for a signature that is not 64 bytes.
 *
 * DELIBERATE DIVERGENCES FROM GO (each refuses more; a note we accept, Go accepts with
 * the same verified signers).  docs/protocol.md is written from this list.
 *
 *   D1 size:   notes over SP_MAX_NOTE_BYTES (16 KiB) -> SP_ERR_NOTE_TOO_LARGE.
 *              Go has no limit.
 *   D2 lines:  a line (text or signature, without '\n') over SP_MAX_LINE_BYTES (1024)
 *              -> SP_ERR_NOTE_LINE_TOO_LONG.  Go has no limit.
 *   D3 count:  more than SP_MAX_SIG_LINES (32) signature lines
 *              -> SP_ERR_NOTE_TOO_MANY_SIGS.  Go allows 100.
 *   D4 base64: signature base64 must be canonical (zero pad bits) -> SP_ERR_BASE64.
 *              Go's StdEncoding accepts non-zero pad bits.
 *   D5 '\r':   refused by both (Go: as a control character); we give it its own code,
 *              SP_ERR_NOTE_CARRIAGE_RETURN, because CRLF damage is the common cause.
 *   D6 dash:   a signature line starting "- " (ASCII hyphen) instead of U+2014 is refused
 *              by both; we name it SP_ERR_NOTE_ASCII_DASH.
 *   D7 names:  a signature-line name longer than SP_MAX_NAME_BYTES (128)
 *              -> SP_ERR_NOTE_SIG_LINE.  Go has no limit.
 *   D8 payload: a signature payload over SP_MAX_SIG_BYTES (256 bytes)
 *              -> SP_ERR_NOTE_SIG_LINE, so every line's bytes fit a fixed buffer.
 *              Go has no limit.
 *   D9 Ed25519: verification is libsodium's (or the chip's, same contract): it refuses
 *              non-canonical S, small-order R, small-order or non-canonical public keys.
 *              Go's crypto/ed25519 refuses only non-canonical S.  Honest signatures
 *              verify under both.
 *   Error codes: Go reports "malformed note" for every syntax problem; we report which
 *              one.  Where a note has several problems, which code wins may differ from
 *              the order Go would meet them in; accept/reject never does.
 */
#include "softpause/note.h"

#include <string.h>

#include "softpause/encoding.h"
#include "text.h"

_Static_assert(SP_MAX_NOTE_BYTES <= 0xFFFFFFFFu, "note offsets are 32-bit");
_Static_assert(SP_MAX_SIG_LINES <= 32u, "verified_keys and line bookkeeping use 32-bit masks");
_Static_assert(SP_MAX_SIG_BYTES >= 68u && SP_MAX_SIG_BYTES <= 512u,
               "a payload buffer lives on the stack");

/* U+2014 EM DASH + space: the signature-line prefix (C2SP signed-note; Go: sigPrefix). */
static const uint8_t sig_prefix[4] = {0xE2, 0x80, 0x94, 0x20};
#define ED25519_PAYLOAD_BYTES (4u + SP_ED25519_SIGNATURE_BYTES)

/*
 * The byte rules shared by notes and note texts, in one forward scan.  The first problem
 * met wins; *line is the 1-based line it is on.  Go: Open's first loop refuses runes
 * < 0x20 other than '\n' and undecodable bytes (utf8.RuneError with size 1).
 */
static sp_err scan_bytes(const uint8_t *b, size_t len, uint32_t *line)
{
    size_t pos = 0, line_start = 0, n;
    uint32_t cp, ln = 1;

    *line = 0;
    while (pos < len) {
        uint8_t c = b[pos];
        /* Fast path: a run of printable ASCII (nearly every byte of a note).  The line
         * limit is checked once per run instead of once per byte. */
        if (c >= 0x20 && c < 0x80) {
            size_t run = pos + 1;
            while (run < len && b[run] >= 0x20 && b[run] < 0x80)
                run++;
            if (run - line_start > SP_MAX_LINE_BYTES) {
                *line = ln;
                return SP_ERR_NOTE_LINE_TOO_LONG;
            }
            pos = run;
            continue;
        }
        if (c == '\n') {
            pos++;
            line_start = pos;
            ln++;
            continue;
        }
        /* D2: refuse as soon as the line holds more than the limit, before reading on. */
        if (pos - line_start >= SP_MAX_LINE_BYTES) {
            *line = ln;
            return SP_ERR_NOTE_LINE_TOO_LONG;
        }
        if (c == '\r') { /* D5 */
            *line = ln;
            return SP_ERR_NOTE_CARRIAGE_RETURN;
        }
        if (c < 0x20) {
            *line = ln;
            return SP_ERR_NOTE_CONTROL_CHAR;
        }
        if (c < 0x80) {
            pos++;
            continue;
        }
        if (sp_utf8_decode(b + pos, len - pos, &cp, &n) != SP_OK) {
            *line = ln;
            return SP_ERR_NOTE_UTF8;
        }
        /* A multi-byte character that crosses the line limit is caught at its next byte
         * or at '\n'; check here too so a line ending in one is measured exactly. */
        pos += n;
        if (pos - line_start > SP_MAX_LINE_BYTES) {
            *line = ln;
            return SP_ERR_NOTE_LINE_TOO_LONG;
        }
    }
    /* Go: sigs[len(sigs)-1] != '\n' is malformed; text must end in '\n' (Sign). */
    if (len == 0 || b[len - 1] != '\n') {
        *line = ln;
        return SP_ERR_NOTE_NO_FINAL_NEWLINE;
    }
    return SP_OK;
}

/* Parse one signature line b[0..len) (no '\n'); offsets in *sig are relative to b. */
static sp_err parse_sig_line(const uint8_t *b, size_t len, sp_note_sig *sig)
{
    size_t name_len = 0, b64_off, b64_len, payload_len, head_len;
    uint8_t head[6];
    sp_err e;

    /* D6: the most common hand-typed mistake gets its own code. */
    if (len >= 2 && b[0] == '-' && b[1] == ' ')
        return SP_ERR_NOTE_ASCII_DASH;
    /* Go: bytes.HasPrefix(line, sigPrefix). */
    if (len < sizeof sig_prefix || memcmp(b, sig_prefix, sizeof sig_prefix) != 0)
        return SP_ERR_NOTE_SIG_LINE;
    /* Go: name, b64 := chop(line, " ") -- cut at the first space after the prefix. */
    while (sizeof sig_prefix + name_len < len && b[sizeof sig_prefix + name_len] != ' ')
        name_len++;
    if (sizeof sig_prefix + name_len == len) /* no space: b64 == "" */
        return SP_ERR_NOTE_SIG_LINE;
    /* Go: isValidName(name); D7: at most SP_MAX_NAME_BYTES. */
    e = sp_text_name_check(b + sizeof sig_prefix, name_len, SP_MAX_NAME_BYTES,
                           SP_ERR_NOTE_SIG_LINE);
    if (e != SP_OK)
        return e;
    b64_off = sizeof sig_prefix + name_len + 1;
    b64_len = len - b64_off;
    if (b64_len == 0) /* Go: b64 == "" */
        return SP_ERR_NOTE_SIG_LINE;
    /* Go: base64.StdEncoding.DecodeString; D4: canonical only. */
    e = sp_base64_check((const char *)b + b64_off, b64_len, &payload_len);
    if (e != SP_OK)
        return e;
    /* Go: len(sig) < 5 is malformed (a key ID and at least one signature byte). D8. */
    if (payload_len < 5 || payload_len > SP_MAX_SIG_BYTES)
        return SP_ERR_NOTE_SIG_LINE;
    /* The key ID is the first 4 payload bytes: the first 8 symbols decode to 6 bytes
     * (payload >= 5 means b64_len >= 8, and a prefix of whole groups is canonical). */
    e = sp_base64_decode(head, sizeof head, &head_len, (const char *)b + b64_off, 8);
    if (e != SP_OK)
        return e;
    sig->name_offset = (uint32_t)sizeof sig_prefix;
    sig->name_len = (uint32_t)(b64_off - 1 - sizeof sig_prefix);
    sig->b64_offset = (uint32_t)b64_off;
    sig->b64_len = (uint32_t)b64_len;
    sig->key_id = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 |
                  (uint32_t)head[3];
    sig->payload_len = (uint32_t)payload_len;
    return SP_OK;
}

sp_err sp_note_parse(sp_note *note, const uint8_t *bytes, size_t len, uint32_t *err_line)
{
    size_t split, pos, i;
    uint32_t line = 0, count = 0;
    sp_span span;
    sp_err e;

    if (err_line != NULL)
        *err_line = 0;
    if (note == NULL)
        return SP_ERR_ARGUMENT;
    memset(note, 0, sizeof *note);
    if (bytes == NULL && len != 0)
        return SP_ERR_ARGUMENT;
    if (len > SP_MAX_NOTE_BYTES) { /* D1: before reading any byte */
        e = SP_ERR_NOTE_TOO_LARGE;
        goto fail;
    }
    e = scan_bytes(bytes, len, &line);
    if (e != SP_OK)
        goto fail;

    /* Go: split := bytes.LastIndex(msg, "\n\n"); text = msg[:split+1]; sigs = msg[split+2:].
     * len >= 1 and bytes[len-1] == '\n' here. */
    split = len;
    for (i = len - 1; i >= 1; i--) {
        if (bytes[i] == '\n' && bytes[i - 1] == '\n') {
            split = i - 1;
            break;
        }
    }
    line = 0;
    if (split == len || split + 2 == len) { /* no blank line, or nothing after it */
        e = SP_ERR_NOTE_NO_SIGNATURES;
        goto fail;
    }
    /* Line number of the first signature line: newlines before it, plus one. */
    line = 1;
    for (i = 0; i < split + 2; i++)
        line += bytes[i] == '\n';

    pos = split + 2;
    while (pos < len) {
        size_t start = pos;
        /* Cannot fail: the note ends in '\n' (scan_bytes). */
        e = sp_text_next_line(bytes, len, &pos, &span);
        if (e != SP_OK)
            goto fail;
        if (count == SP_MAX_SIG_LINES) { /* D3: refuse before parsing further lines */
            e = SP_ERR_NOTE_TOO_MANY_SIGS;
            goto fail;
        }
        e = parse_sig_line(bytes + start, span.len, &note->sigs[count]);
        if (e != SP_OK)
            goto fail;
        note->sigs[count].line_offset = (uint32_t)start;
        note->sigs[count].line_len = (uint32_t)span.len;
        note->sigs[count].name_offset += (uint32_t)start;
        note->sigs[count].b64_offset += (uint32_t)start;
        count++;
        line++;
    }
    note->bytes = bytes;
    note->len = len;
    note->text_len = split + 1;
    note->sig_count = count;
    return SP_OK;

fail:
    memset(note, 0, sizeof *note);
    if (err_line != NULL)
        *err_line = line;
    return e;
}

/* s2n-style invariant check of a parsed note, so that a caller-built or corrupted struct
 * can never make open() read outside the note's bytes. */
static int note_ok(const sp_note *note)
{
    if (note->bytes == NULL || note->len > SP_MAX_NOTE_BYTES || note->text_len == 0 ||
        note->text_len >= note->len || note->bytes[note->text_len - 1] != '\n' ||
        note->sig_count > SP_MAX_SIG_LINES)
        return 0;
    for (uint32_t i = 0; i < note->sig_count; i++) {
        const sp_note_sig *s = &note->sigs[i];
        if (s->name_offset > note->len || s->name_len > note->len - s->name_offset ||
            s->b64_offset > note->len || s->b64_len > note->len - s->b64_offset ||
            s->payload_len < 5 || s->payload_len > SP_MAX_SIG_BYTES)
            return 0;
    }
    return 1;
}

/* Decode line i's whole payload (key ID + signature) into buf[SP_MAX_SIG_BYTES]. */
static sp_err decode_payload(const sp_note *note, uint32_t i, uint8_t *buf, size_t *n)
{
    const sp_note_sig *s = &note->sigs[i];
    sp_err e = sp_base64_decode(buf, SP_MAX_SIG_BYTES, n,
                                (const char *)note->bytes + s->b64_offset, s->b64_len);
    /* sp_note_parse checked these bytes; a failure here means the struct does not
     * describe its bytes (built or modified by the caller). */
    if (e != SP_OK || *n != s->payload_len) {
        *n = 0;
        return SP_ERR_ARGUMENT;
    }
    return SP_OK;
}

sp_err sp_note_sig_bytes(const sp_note *note, uint32_t i, uint8_t *sig, size_t cap,
                         size_t *sig_len)
{
    uint8_t buf[SP_MAX_SIG_BYTES];
    size_t n;
    sp_err e;

    if (sig_len != NULL)
        *sig_len = 0;
    if (sig != NULL && cap != 0)
        memset(sig, 0, cap);
    if (note == NULL || sig_len == NULL || (sig == NULL && cap != 0) || !note_ok(note) ||
        i >= note->sig_count)
        return SP_ERR_ARGUMENT;
    if (note->sigs[i].payload_len - 4u > cap)
        return SP_ERR_BUFFER_TOO_SMALL;
    e = decode_payload(note, i, buf, &n);
    if (e != SP_OK)
        return e;
    memcpy(sig, buf + 4, n - 4);
    *sig_len = n - 4;
    return SP_OK;
}

sp_err sp_note_text_check(const uint8_t *text, size_t len, uint32_t *err_line)
{
    uint32_t line = 0;
    sp_err e;

    if (err_line != NULL)
        *err_line = 0;
    if (text == NULL && len != 0)
        return SP_ERR_ARGUMENT;
    if (len == 0)
        return SP_ERR_NOTE_TEXT;
    if (len > SP_MAX_NOTE_BYTES)
        return SP_ERR_NOTE_TOO_LARGE;
    e = scan_bytes(text, len, &line);
    if (e == SP_OK) {
        /* A blank line anywhere (first line empty, or "\n\n") would move or duplicate the
         * split point of the note built from this text. */
        line = 1;
        for (size_t i = 0; i < len; i++) {
            if (text[i] == '\n' && (i == 0 || text[i - 1] == '\n')) {
                e = SP_ERR_NOTE_TEXT;
                break;
            }
            line += text[i] == '\n';
        }
    }
    if (e != SP_OK && err_line != NULL)
        *err_line = line;
    return e;
}

sp_err sp_note_open(const sp_note *note, const sp_vkey *keys, size_t nkeys,
                    const sp_crypto *crypto, sp_note_open_result *result)
{
    uint8_t payload[SP_MAX_SIG_BYTES];
    uint32_t seen = 0, verified = 0, count = 0;
    sp_err e = SP_OK;

    if (result == NULL)
        return SP_ERR_ARGUMENT;
    memset(result, 0, sizeof *result);
    if (note == NULL || crypto == NULL || crypto->ed25519_verify == NULL ||
        (keys == NULL && nkeys != 0) || nkeys > 32u || !note_ok(note))
        return SP_ERR_ARGUMENT;
    for (size_t k = 0; k < nkeys; k++)
        if (keys[k].name_len == 0 || keys[k].name_len > SP_MAX_NAME_BYTES)
            return SP_ERR_ARGUMENT;

    for (uint32_t i = 0; i < note->sig_count && e == SP_OK; i++) {
        const sp_note_sig *s = &note->sigs[i];
        size_t match = 0, matches = 0, n;

        /* Go: known.Verifier(name, hash) -- VerifierList's map lookup. */
        for (size_t k = 0; k < nkeys; k++) {
            if (keys[k].key_id == s->key_id &&
                sp_text_equal(note->bytes + s->name_offset, s->name_len,
                              (const uint8_t *)keys[k].name, keys[k].name_len)) {
                match = k;
                matches++;
            }
        }
        if (matches == 0) { /* UnknownVerifierError: recorded, ignored */
            result->line_status[i] = SP_LINE_UNKNOWN;
            continue;
        }
        if (matches > 1) { /* ambiguousVerifierError */
            e = SP_ERR_NOTE_AMBIGUOUS_KEY;
            break;
        }
        /* Go: "Drop repeated signatures by a single verifier" -- skipped, not verified. */
        if (seen & (1u << match)) {
            result->line_status[i] = SP_LINE_DUPLICATE;
            continue;
        }
        seen |= 1u << match;
        /* Go: v.Verify(text, sig); ed25519.Verify is false unless len(sig) == 64. */
        if (s->payload_len != ED25519_PAYLOAD_BYTES) {
            result->line_status[i] = SP_LINE_INVALID;
            e = SP_ERR_NOTE_BAD_SIGNATURE;
            break;
        }
        e = decode_payload(note, i, payload, &n);
        if (e != SP_OK)
            break;
        if (crypto->ed25519_verify(crypto->ctx, payload + 4, note->bytes, note->text_len,
                                   keys[match].public_key) != 0) {
            result->line_status[i] = SP_LINE_INVALID;
            e = SP_ERR_NOTE_BAD_SIGNATURE; /* InvalidSignatureError: the whole note fails */
            break;
        }
        result->line_status[i] = SP_LINE_VERIFIED;
        verified |= 1u << match;
        count++;
    }
    /* Go: len(n.Sigs) == 0 is UnverifiedNoteError. */
    if (e == SP_OK && (verified == 0 || count == 0))
        e = SP_ERR_NOTE_UNVERIFIED;
    if (e != SP_OK) {
        memset(result, 0, sizeof *result);
        return e;
    }
    result->verified_keys = verified;
    result->verified_count = count;
    return SP_OK;
}
