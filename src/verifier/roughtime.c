/*
 * roughtime.c -- Roughtime (RFC 10049, version 1) requests and response checks: the
 * contract, the profile and the check order are in softpause/roughtime.h; protocol.md
 * section 19 explains them.
 *
 * Packet and message (RFC 10049 sections 4 and 5; little-endian throughout):
 *
 *   "ROUGHTIM" | len u32 | N u32 | offset[1..N-1] u32 | tag[0..N-1] u32 | values ...
 *                          \_______________ message: len bytes ______________________/
 *
 * The request this profile sends (1036 bytes; 124 bytes of prefix, then 912 zero bytes):
 *
 *   ROUGHTIM 00040000 | 05000000 | 04 24 44 48 | VER SRV NONC TYPE ZZZZ |
 *   01000000 | SRV (32) | NONC (32) | 00000000 | ZZZZ: 912 zero bytes
 *
 * A response (tags in uint32 order):  SIG NONC TYPE PATH SREP CERT INDX, with
 * SREP = {VER RADI MIDP VERS ROOT}, CERT = {SIG DELE}, DELE = {PUBK MINT MAXT}.
 *
 * Messages nest, but the parser never recurses: rt_message reads one level and the
 * verifier calls it once per nested value it needs.  Nothing is allocated; values are
 * spans of the caller's packet.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "softpause/roughtime.h"

#include "bits.h"

/* Tags as uint32, the first octet least significant (so "VER" < "RADI" < "MIDP" < "VERS" <
 * "ROOT", and "PUBK" < "MINT" < "MAXT"). */
#define RT_TAG(a, b, c, d)                                                                     \
    ((uint32_t)(uint8_t)(a) | (uint32_t)(uint8_t)(b) << 8 | (uint32_t)(uint8_t)(c) << 16 |      \
     (uint32_t)(uint8_t)(d) << 24)
#define T_SIG RT_TAG('S', 'I', 'G', 0)
#define T_VER RT_TAG('V', 'E', 'R', 0)
#define T_SRV RT_TAG('S', 'R', 'V', 0)
#define T_NONC RT_TAG('N', 'O', 'N', 'C')
#define T_MINT RT_TAG('M', 'I', 'N', 'T')
#define T_ROOT RT_TAG('R', 'O', 'O', 'T')
#define T_PUBK RT_TAG('P', 'U', 'B', 'K')
#define T_MIDP RT_TAG('M', 'I', 'D', 'P')
#define T_RADI RT_TAG('R', 'A', 'D', 'I')
#define T_TYPE RT_TAG('T', 'Y', 'P', 'E')
#define T_MAXT RT_TAG('M', 'A', 'X', 'T')
#define T_PATH RT_TAG('P', 'A', 'T', 'H')
#define T_DELE RT_TAG('D', 'E', 'L', 'E')
#define T_VERS RT_TAG('V', 'E', 'R', 'S')
#define T_SREP RT_TAG('S', 'R', 'E', 'P')
#define T_CERT RT_TAG('C', 'E', 'R', 'T')
#define T_INDX RT_TAG('I', 'N', 'D', 'X')
#define T_ZZZZ RT_TAG('Z', 'Z', 'Z', 'Z')

#define RT_MAGIC "ROUGHTIM"
#define RT_FRAME_BYTES 12u
#define RT_REQUEST_PREFIX_BYTES 124u
#define RT_MAX_VERSIONS 32u
#define RT_ANY_LENGTH 0xffffffffu /* a wanted tag whose length the caller checks */

static const char ctx_dele[] = "RoughTime v1 delegation signature"; /* sizeof includes NUL */
static const char ctx_srep[] = "RoughTime v1 response signature";
#define RT_MAX_CONTEXT_BYTES 34u
_Static_assert(sizeof ctx_dele <= RT_MAX_CONTEXT_BYTES && sizeof ctx_srep <= RT_MAX_CONTEXT_BYTES,
               "signature contexts fit the signing buffer");

/* The request's ZZZZ padding: H(0x00 || request) hashes it from here, never from a copy. */
static const uint8_t rt_zeros[SP_RT_REQUEST_BYTES - RT_REQUEST_PREFIX_BYTES];

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* A tag is one to four capital letters, then zero padding (RFC 10049 section 4.1.3). */
static int tag_well_formed(uint32_t tag)
{
    int letters = 1;
    for (unsigned i = 0; i < 4; i++) {
        uint8_t c = (uint8_t)(tag >> (8 * i));
        if (letters && c >= 'A' && c <= 'Z')
            continue;
        if (i == 0 || c != 0)
            return 0;
        letters = 0;
    }
    return 1;
}

typedef struct rt_span {
    const uint8_t *ptr;
    size_t len;
} rt_span;

/* One wanted tag: its exact length (or RT_ANY_LENGTH) and, once found, its value. */
typedef struct rt_want {
    uint32_t tag;
    uint32_t len;
    rt_span val;
} rt_want;

/*
 * Reads one message of `len` bytes and finds the `n` wanted tags (given in ascending tag
 * order).  Every header rule is checked for every tag, wanted or not; a tag not wanted is
 * skipped.  SP_ERR_RT_FORMAT if the header is malformed or a wanted tag is missing or has
 * the wrong length.
 */
SP_MUST_CHECK static sp_err rt_message(const uint8_t *msg, size_t len, rt_want *want, size_t n)
{
    uint32_t count, prev_tag = 0;
    size_t header, values_len, w = 0;
    if (len < 4)
        return SP_ERR_RT_FORMAT;
    count = rd32(msg);
    /* N >= 1; the header (4 + 4(N-1) + 4N = 8N bytes) inside the message.  len <= 1036, so
     * the comparison is made before 8N could overflow. */
    if (count == 0 || count > len / 8)
        return SP_ERR_RT_FORMAT;
    header = (size_t)count * 8u;
    values_len = len - header;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t tag = rd32(msg + 4u * count + 4u * i);
        uint32_t start = i == 0 ? 0 : rd32(msg + 4u * i);
        uint32_t end = i + 1 == count ? (uint32_t)values_len : rd32(msg + 4u * (i + 1));
        if (!tag_well_formed(tag) || (i > 0 && tag <= prev_tag))
            return SP_ERR_RT_FORMAT;
        /* Offsets are multiples of four, non-decreasing, inside the values. */
        if (start % 4 != 0 || start > end || end > values_len ||
            (i + 1 < count && end % 4 != 0))
            return SP_ERR_RT_FORMAT;
        prev_tag = tag;
        if (w < n && want[w].tag < tag)
            return SP_ERR_RT_FORMAT; /* a wanted tag sorts before this one: missing */
        if (w < n && want[w].tag == tag) {
            if (want[w].len != RT_ANY_LENGTH && want[w].len != end - start)
                return SP_ERR_RT_FORMAT;
            want[w].val.ptr = msg + header + start;
            want[w].val.len = end - start;
            w++;
        }
    }
    return w == n ? SP_OK : SP_ERR_RT_FORMAT;
}

/* The first 32 bytes of SHA-512 over parts. */
SP_MUST_CHECK static sp_err rt_hash(const sp_crypto *crypto, uint8_t out[SP_RT_HASH_BYTES],
                                    const sp_bytes *parts, size_t n)
{
    uint8_t full[SP_SHA512_BYTES];
    int rc = crypto->sha512(crypto->ctx, full, parts, n);
    memcpy(out, full, SP_RT_HASH_BYTES);
    memset(full, 0, sizeof full);
    return rc == 0 ? SP_OK : SP_ERR_CRYPTO;
}

sp_err sp_rt_srv(const sp_crypto *crypto, uint8_t out[SP_RT_HASH_BYTES],
                 const uint8_t server_key[SP_ED25519_PUBLIC_KEY_BYTES])
{
    static const uint8_t ff = 0xff;
    sp_bytes parts[2];
    sp_err err;
    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, SP_RT_HASH_BYTES);
    if (crypto == NULL || crypto->sha512 == NULL || server_key == NULL)
        return SP_ERR_ARGUMENT;
    parts[0].ptr = &ff;
    parts[0].len = 1;
    parts[1].ptr = server_key;
    parts[1].len = SP_ED25519_PUBLIC_KEY_BYTES;
    err = rt_hash(crypto, out, parts, 2);
    if (err != SP_OK)
        memset(out, 0, SP_RT_HASH_BYTES);
    return err;
}

/* The request's first 124 bytes (framing, header, VER, SRV, NONC, TYPE); the rest of the
 * 1036 bytes is ZZZZ's zeros. */
SP_MUST_CHECK static sp_err rt_request_prefix(const sp_crypto *crypto,
                                              uint8_t out[RT_REQUEST_PREFIX_BYTES],
                                              const uint8_t server_key[SP_ED25519_PUBLIC_KEY_BYTES],
                                              const uint8_t nonce[SP_RT_NONCE_BYTES])
{
    static const uint32_t offsets[4] = {4, 36, 68, 72};
    static const uint32_t tags[5] = {T_VER, T_SRV, T_NONC, T_TYPE, T_ZZZZ};
    uint8_t *p = out;
    memcpy(p, RT_MAGIC, 8);
    wr32(p + 8, SP_RT_REQUEST_MESSAGE_BYTES);
    wr32(p + 12, 5);
    for (unsigned i = 0; i < 4; i++)
        wr32(p + 16 + 4 * i, offsets[i]);
    for (unsigned i = 0; i < 5; i++)
        wr32(p + 32 + 4 * i, tags[i]);
    wr32(p + 52, SP_RT_VERSION);
    memcpy(p + 88, nonce, SP_RT_NONCE_BYTES);
    wr32(p + 120, 0); /* TYPE 0: a request */
    return sp_rt_srv(crypto, p + 56, server_key);
}

sp_err sp_rt_request(const sp_crypto *crypto, uint8_t out[SP_RT_REQUEST_BYTES],
                     const uint8_t server_key[SP_ED25519_PUBLIC_KEY_BYTES],
                     const uint8_t nonce[SP_RT_NONCE_BYTES])
{
    sp_err err;
    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, SP_RT_REQUEST_BYTES);
    if (nonce == NULL)
        return SP_ERR_ARGUMENT;
    err = rt_request_prefix(crypto, out, server_key, nonce);
    if (err != SP_OK)
        memset(out, 0, SP_RT_REQUEST_BYTES);
    return err;
}

/* The parsed response: spans of the caller's packet and the decoded numbers. */
typedef struct rt_response {
    rt_span sig, nonc, path, srep, dele, dele_sig, pubk, root, vers;
    uint32_t indx, ver, radi;
    uint64_t midp, mint, maxt;
} rt_response;

/* Step 1 of the checks: every syntax rule (SP_ERR_RT_FORMAT).  Out of line: its want
 * tables stay out of the verifying frame. */
SP_NOINLINE SP_MUST_CHECK static sp_err rt_parse(rt_response *r, const uint8_t *packet,
                                                 size_t len)
{
    /* Ascending tag order within each table. */
    rt_want top[7] = {{T_SIG, 64, {0}}, {T_NONC, 32, {0}}, {T_TYPE, 4, {0}},
                      {T_PATH, RT_ANY_LENGTH, {0}}, {T_SREP, RT_ANY_LENGTH, {0}},
                      {T_CERT, RT_ANY_LENGTH, {0}}, {T_INDX, 4, {0}}};
    rt_want srep[5] = {{T_VER, 4, {0}}, {T_RADI, 4, {0}}, {T_MIDP, 8, {0}},
                       {T_VERS, RT_ANY_LENGTH, {0}}, {T_ROOT, 32, {0}}};
    rt_want cert[2] = {{T_SIG, 64, {0}}, {T_DELE, RT_ANY_LENGTH, {0}}};
    rt_want dele[3] = {{T_PUBK, 32, {0}}, {T_MINT, 8, {0}}, {T_MAXT, 8, {0}}};
    sp_err err;
    if (len < RT_FRAME_BYTES || memcmp(packet, RT_MAGIC, 8) != 0 ||
        rd32(packet + 8) != len - RT_FRAME_BYTES)
        return SP_ERR_RT_FORMAT;
    if ((err = rt_message(packet + RT_FRAME_BYTES, len - RT_FRAME_BYTES, top, 7)) != SP_OK)
        return err;
    if (rd32(top[2].val.ptr) != 1) /* TYPE 1: a response */
        return SP_ERR_RT_FORMAT;
    if (top[3].val.len % SP_RT_HASH_BYTES != 0 ||
        top[3].val.len / SP_RT_HASH_BYTES > SP_RT_MAX_PATH)
        return SP_ERR_RT_FORMAT;
    if (top[4].val.len > SP_MAX_RT_SIGNED_BYTES)
        return SP_ERR_RT_FORMAT;
    if ((err = rt_message(top[4].val.ptr, top[4].val.len, srep, 5)) != SP_OK ||
        (err = rt_message(top[5].val.ptr, top[5].val.len, cert, 2)) != SP_OK)
        return err;
    if (cert[1].val.len > SP_MAX_RT_SIGNED_BYTES)
        return SP_ERR_RT_FORMAT;
    if ((err = rt_message(cert[1].val.ptr, cert[1].val.len, dele, 3)) != SP_OK)
        return err;
    /* VERS: 1..32 versions, strictly ascending (RFC 10049 section 5.2.5). */
    if (srep[3].val.len == 0 || srep[3].val.len % 4 != 0 ||
        srep[3].val.len / 4 > RT_MAX_VERSIONS)
        return SP_ERR_RT_FORMAT;
    for (size_t i = 4; i < srep[3].val.len; i += 4)
        if (rd32(srep[3].val.ptr + i) <= rd32(srep[3].val.ptr + i - 4))
            return SP_ERR_RT_FORMAT;
    r->sig = top[0].val;
    r->nonc = top[1].val;
    r->path = top[3].val;
    r->srep = top[4].val;
    r->indx = rd32(top[6].val.ptr);
    r->ver = rd32(srep[0].val.ptr);
    r->radi = rd32(srep[1].val.ptr);
    r->midp = rd64(srep[2].val.ptr);
    r->vers = srep[3].val;
    r->root = srep[4].val;
    r->dele_sig = cert[0].val;
    r->dele = cert[1].val;
    r->pubk = dele[0].val;
    r->mint = rd64(dele[1].val.ptr);
    r->maxt = rd64(dele[2].val.ptr);
    /* 0 < RADI <= the cap; the lower end MIDP - RADI neither below zero nor above the
     * attested-time ceiling. */
    if (r->radi == 0 || r->radi > SP_RT_MAX_RADIUS || r->midp < r->radi ||
        r->midp - r->radi > SP_COSIG_TIME_LIMIT)
        return SP_ERR_RT_FORMAT;
    return SP_OK;
}

/* sig over context || value under key; value at most SP_MAX_RT_SIGNED_BYTES (rt_parse). */
SP_NOINLINE SP_MUST_CHECK static sp_err rt_signed(const sp_crypto *crypto, const char *context,
                                                  size_t context_len, rt_span value,
                                                  const uint8_t *sig, const uint8_t *key)
{
    uint8_t buf[RT_MAX_CONTEXT_BYTES + SP_MAX_RT_SIGNED_BYTES];
    int rc;
    if (context_len > RT_MAX_CONTEXT_BYTES || value.len > SP_MAX_RT_SIGNED_BYTES)
        return SP_ERR_RT_FORMAT;
    memcpy(buf, context, context_len);
    memcpy(buf + context_len, value.ptr, value.len);
    rc = crypto->ed25519_verify(crypto->ctx, sig, buf, context_len + value.len, key);
    return rc == 0 ? SP_OK : SP_ERR_RT_SIGNATURE;
}

/* Step 6: the Merkle path from H(0x00 || request) to ROOT (RFC 10049 section 5.3.1). */
SP_NOINLINE SP_MUST_CHECK static sp_err rt_merkle(const sp_crypto *crypto, const rt_response *r,
                                                  const uint8_t server_key[32],
                                                  const uint8_t nonce[32])
{
    static const uint8_t zero = 0x00, one = 0x01;
    uint8_t prefix[RT_REQUEST_PREFIX_BYTES], h[SP_RT_HASH_BYTES];
    size_t hashes = r->path.len / SP_RT_HASH_BYTES;
    sp_bytes parts[3];
    sp_err err = rt_request_prefix(crypto, prefix, server_key, nonce);
    if (err != SP_OK)
        return err;
    parts[0].ptr = &zero;
    parts[0].len = 1;
    parts[1].ptr = prefix;
    parts[1].len = sizeof prefix;
    parts[2].ptr = rt_zeros;
    parts[2].len = sizeof rt_zeros;
    if ((err = rt_hash(crypto, h, parts, 3)) != SP_OK)
        return err;
    for (size_t i = 0; i < hashes; i++) {
        const uint8_t *node = r->path.ptr + i * SP_RT_HASH_BYTES;
        int right = (r->indx >> i) & 1u; /* bit 1: h is the right child */
        parts[0].ptr = &one;
        parts[1].ptr = right ? node : h;
        parts[1].len = SP_RT_HASH_BYTES;
        parts[2].ptr = right ? h : node;
        parts[2].len = SP_RT_HASH_BYTES;
        if ((err = rt_hash(crypto, h, parts, 3)) != SP_OK)
            return err;
    }
    /* INDX bits beyond PATH must be zero (a path of 32 hashes uses all of them). */
    if (hashes < 32 && (r->indx >> hashes) != 0)
        return SP_ERR_RT_MERKLE;
    return memcmp(h, r->root.ptr, SP_RT_HASH_BYTES) == 0 ? SP_OK : SP_ERR_RT_MERKLE;
}

SP_MUST_CHECK static sp_err rt_verify(const sp_crypto *crypto, sp_rt_time *out,
                                      const uint8_t server_key[32], const uint8_t nonce[32],
                                      const uint8_t *response, size_t response_len)
{
    rt_response r;
    int has_v1 = 0;
    sp_err err;
    /* Refused unread: nothing longer than the largest request is an answer. */
    if (response_len > SP_MAX_RT_PACKET_BYTES)
        return SP_ERR_RT_FORMAT;
    memset(&r, 0, sizeof r);
    if ((err = rt_parse(&r, response, response_len)) != SP_OK)
        return err;
    if (memcmp(r.nonc.ptr, nonce, SP_RT_NONCE_BYTES) != 0)
        return SP_ERR_RT_NONCE;
    for (size_t i = 0; i < r.vers.len; i += 4)
        has_v1 |= rd32(r.vers.ptr + i) == SP_RT_VERSION;
    if (r.ver != SP_RT_VERSION || !has_v1)
        return SP_ERR_RT_VERSION;
    if ((err = rt_signed(crypto, ctx_dele, sizeof ctx_dele, r.dele, r.dele_sig.ptr,
                         server_key)) != SP_OK ||
        (err = rt_signed(crypto, ctx_srep, sizeof ctx_srep, r.srep, r.sig.ptr, r.pubk.ptr)) !=
            SP_OK)
        return err;
    if (r.mint > r.midp || r.midp > r.maxt)
        return SP_ERR_RT_DELEGATION;
    if ((err = rt_merkle(crypto, &r, server_key, nonce)) != SP_OK)
        return err;
    out->midpoint = r.midp;
    out->radius = r.radi;
    out->mint = r.mint;
    out->maxt = r.maxt;
    return SP_OK;
}

sp_err sp_rt_response_verify(const sp_crypto *crypto, sp_rt_time *out,
                             const uint8_t server_key[SP_ED25519_PUBLIC_KEY_BYTES],
                             const uint8_t nonce[SP_RT_NONCE_BYTES], const uint8_t *response,
                             size_t response_len)
{
    sp_err err;
    if (out == NULL)
        return SP_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (crypto == NULL || crypto->sha512 == NULL || crypto->ed25519_verify == NULL ||
        server_key == NULL || nonce == NULL || (response == NULL && response_len != 0))
        return SP_ERR_ARGUMENT;
    err = rt_verify(crypto, out, server_key, nonce, response, response_len);
    if (err != SP_OK)
        memset(out, 0, sizeof *out);
    return err;
}
