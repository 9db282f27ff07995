/*
 * softpause/encoding.h -- the project's one copy of base64, hex and decimal handling.
 *
 * Freestanding (src/verifier/encoding.c); the host layer and commands use these too, so
 * there is exactly one definition of what "canonical" means for each encoding:
 *
 *   base64: RFC 4648 standard alphabet with '=' padding, length a multiple of 4, and the
 *       unused low bits of the last symbol zero.  Anything else is SP_ERR_BASE64.  (Go's
 *       base64.StdEncoding is laxer: it ignores '\r'/'\n' and non-zero trailing bits.  This
 *       is a documented divergence; see docs/protocol.md.)
 *   hex: exactly 2 digits per byte; decoding accepts upper and lower case (as Go's
 *       strconv.ParseUint(s, 16, 32) does for key IDs); encoding writes lower case.
 *   decimal: "0" or a digit 1-9 followed by digits; no sign, no leading zero, no space;
 *       value <= max.  Anything else is SP_ERR_NUMBER; too large is SP_ERR_NUMBER_RANGE.
 *
 * Outputs are zeroed on failure.
 */
#ifndef SOFTPAUSE_ENCODING_H
#define SOFTPAUSE_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/errors.h"

/* Length of the base64 encoding of n bytes (with padding). */
#define SP_BASE64_ENCODED_LEN(n) ((((n) + 2u) / 3u) * 4u)

/* Encode in[0..len) into out (no NUL written); *out_len = encoded length. */
SP_MUST_CHECK sp_err sp_base64_encode(char *out, size_t cap, size_t *out_len,
                                      const uint8_t *in, size_t len);

/* Decode canonical base64 text[0..len) into out; *out_len = decoded length. */
SP_MUST_CHECK sp_err sp_base64_decode(uint8_t *out, size_t cap, size_t *out_len,
                                      const char *text, size_t len);

/* Check that text[0..len) is canonical base64 and report its decoded length, without
 * writing the decoded bytes anywhere. */
SP_MUST_CHECK sp_err sp_base64_check(const char *text, size_t len, size_t *decoded_len);

/* Encode bytes as lower-case hex: out gets 2*len chars (no NUL written). */
SP_MUST_CHECK sp_err sp_hex_encode(char *out, size_t cap, const uint8_t *in, size_t len);

/* Decode exactly 2*len hex digits (either case) into out[0..len). */
SP_MUST_CHECK sp_err sp_hex_decode(uint8_t *out, size_t len, const char *text, size_t text_len);

/* Parse a canonical decimal number <= max. */
SP_MUST_CHECK sp_err sp_decimal_parse(uint64_t *out, const char *text, size_t len, uint64_t max);

/* Format v in decimal into out (no NUL written); *out_len = digits written. */
SP_MUST_CHECK sp_err sp_decimal_format(char *out, size_t cap, size_t *out_len, uint64_t v);

#endif /* SOFTPAUSE_ENCODING_H */
