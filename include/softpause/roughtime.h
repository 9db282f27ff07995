/*
 * softpause/roughtime.h -- Roughtime (RFC 10049, version 1 only) in the verifier: the one
 * request form a device sends, and the checks of one response.  docs/protocol.md section 19.
 *
 * Profile.  H(x) = the first 32 bytes of SHA-512(x) (sp_crypto.sha512).  Packets are
 * "ROUGHTIM" || uint32 length || message; uint32/uint64 little-endian.  A message is
 * N, N-1 offsets, N tags, then the values (RFC section 4):
 *
 *   +---------+------------------+-----------------+----------------------------+
 *   | N (u32) | offsets (N-1)x4  | tags  N x 4     | values (offset 0 = here)   |
 *   +---------+------------------+-----------------+----------------------------+
 *
 * The parser is strict: N >= 1 and the header inside the message; tags in strictly
 * ascending uint32 order (so no tag twice), each one to four capital letters then zero
 * padding; offsets multiples of four, non-decreasing and inside the values; every tag this
 * profile reads present with its exact length.  Tags it does not read are skipped (the RFC's
 * grease rules: "clients MUST properly ignore undefined tags").  A packet longer than
 * SP_MAX_RT_PACKET_BYTES is refused before a byte of it is read.
 *
 * Request (sp_rt_request): the one form the verifier sends and rebuilds -- VER 1,
 * SRV = H(0xff || long-term key), NONC, TYPE 0 and ZZZZ zeros up to a 1024-byte message,
 * 1036 bytes on the wire (RFC Appendix B's requests are exactly this form).
 *
 * Response (sp_rt_response_verify), checks in this order, the first failure wins:
 *   1. syntax (SP_ERR_RT_FORMAT): the packet, the top-level SIG NONC TYPE PATH SREP CERT
 *      INDX, SREP's VER RADI MIDP VERS ROOT, CERT's SIG DELE, DELE's PUBK MINT MAXT;
 *      TYPE = 1; PATH a multiple of 32 bytes, at most SP_RT_MAX_PATH hashes; VERS 1..32
 *      strictly ascending versions; SREP and DELE at most SP_MAX_RT_SIGNED_BYTES;
 *      0 < RADI <= SP_RT_MAX_RADIUS; RADI <= MIDP and MIDP - RADI <= SP_COSIG_TIME_LIMIT
 *      (the attested-time ceiling);
 *   2. NONC equals the nonce of the request (SP_ERR_RT_NONCE);
 *   3. SREP's VER is 1 and VERS contains 1 (SP_ERR_RT_VERSION);
 *   4. CERT's SIG is the long-term key's signature of "RoughTime v1 delegation
 *      signature\0" || DELE, and the top-level SIG is PUBK's signature of "RoughTime v1
 *      response signature\0" || SREP (SP_ERR_RT_SIGNATURE);
 *   5. MINT <= MIDP <= MAXT (SP_ERR_RT_DELEGATION);
 *   6. the Merkle path: h = H(0x00 || the rebuilt request packet), then per PATH hash
 *      H(0x01 || h || node) when the INDX bit is 0, else H(0x01 || node || h); h equals ROOT
 *      and the INDX bits beyond PATH are zero (SP_ERR_RT_MERKLE).
 * Missing sp_crypto.sha512 or ed25519_verify: SP_ERR_ARGUMENT (a device without time
 * servers may leave sha512 NULL); a failing hash: SP_ERR_CRYPTO.  Outputs are zeroed on
 * every failure.  No heap, no recursion; the largest frame holds one signed value.
 */
#ifndef SOFTPAUSE_ROUGHTIME_H
#define SOFTPAUSE_ROUGHTIME_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/config.h"
#include "softpause/crypto.h"
#include "softpause/errors.h"

#define SP_RT_VERSION 1u
#define SP_RT_HASH_BYTES 32u             /* H: SHA-512 cut to 32 bytes */
#define SP_RT_NONCE_BYTES 32u
#define SP_RT_REQUEST_MESSAGE_BYTES 1024u
#define SP_RT_REQUEST_BYTES (12u + SP_RT_REQUEST_MESSAGE_BYTES) /* framing + message */

/* What a valid response attests: the true time was in (midpoint - radius, midpoint +
 * radius) when the server signed it, under a delegation valid over [mint, maxt]. */
typedef struct sp_rt_time {
    uint64_t midpoint;
    uint32_t radius;
    uint64_t mint;
    uint64_t maxt;
} sp_rt_time;

/* SRV value of a long-term key: H(0xff || key). */
SP_MUST_CHECK sp_err sp_rt_srv(const sp_crypto *crypto, uint8_t out[SP_RT_HASH_BYTES],
                               const uint8_t server_key[SP_ED25519_PUBLIC_KEY_BYTES]);

/* Writes the request packet for `server_key` and `nonce` to out (exactly
 * SP_RT_REQUEST_BYTES).  Zeroes out on failure. */
SP_MUST_CHECK sp_err sp_rt_request(const sp_crypto *crypto, uint8_t out[SP_RT_REQUEST_BYTES],
                                   const uint8_t server_key[SP_ED25519_PUBLIC_KEY_BYTES],
                                   const uint8_t nonce[SP_RT_NONCE_BYTES]);

/* Verifies `response` (a whole packet, framing included) as the answer of `server_key` to
 * the request sp_rt_request(server_key, nonce) builds; the checks and their order are in
 * the comment above.  On success fills *out; on failure zeroes it. */
SP_MUST_CHECK sp_err sp_rt_response_verify(const sp_crypto *crypto, sp_rt_time *out,
                                           const uint8_t server_key[SP_ED25519_PUBLIC_KEY_BYTES],
                                           const uint8_t nonce[SP_RT_NONCE_BYTES],
                                           const uint8_t *response, size_t response_len);

#endif /* SOFTPAUSE_ROUGHTIME_H */
