/*
 * rt_responder.c -- see rt_responder.h.  Independent of src/verifier/roughtime.c except for
 * sp_rt_request (the request it answers; tests check that against RFC Appendix B).
 */
#include <string.h>

#include <sodium.h>

#include "softpause/host/sodium_crypto.h"
#include "softpause/roughtime.h"
#include "support/rt_responder.h"

#define TAG(s) ((uint32_t)(uint8_t)(s)[0] | (uint32_t)(uint8_t)(s)[1] << 8 | \
                (uint32_t)(uint8_t)(s)[2] << 16 | (uint32_t)(uint8_t)(s)[3] << 24)

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void h32(uint8_t out[32], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                const uint8_t *c, size_t clen)
{
    crypto_hash_sha512_state st;
    uint8_t full[64];
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, a, alen);
    if (b != NULL)
        crypto_hash_sha512_update(&st, b, blen);
    if (c != NULL)
        crypto_hash_sha512_update(&st, c, clen);
    crypto_hash_sha512_final(&st, full);
    memcpy(out, full, 32);
}

void rt_server_init(rt_server *s, uint8_t seed)
{
    uint8_t sd[32];
    memset(sd, seed, sizeof sd);
    crypto_sign_seed_keypair(s->pk, s->sk, sd);
    sd[0] ^= 0x5a;
    crypto_sign_seed_keypair(s->dpk, s->dsk, sd);
}

void rt_answer_default(rt_answer *a, uint64_t midp)
{
    memset(a, 0, sizeof *a);
    a->midp = midp;
    a->mint = midp - 86400;
    a->maxt = midp + 86400;
    a->radi = 5;
    a->ver = 1;
    a->type = 1;
    a->vers[0] = 1;
    a->nvers = 1;
}

size_t rt_message_write(uint8_t *out, size_t cap, const uint32_t *tags, const uint8_t *const *vals,
                        const size_t *lens, size_t n)
{
    size_t header = 8 * n, off = 0, total = header;
    for (size_t i = 0; i < n; i++)
        total += lens[i];
    if (total > cap || n == 0)
        return 0;
    put32(out, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            put32(out + 4 * i, (uint32_t)off);
        put32(out + 4 * n + 4 * i, tags[i]);
        memcpy(out + header + off, vals[i], lens[i]);
        off += lens[i];
    }
    return total;
}

static void sign_ctx(uint8_t sig[64], const char *ctx, const uint8_t *m, size_t len,
                     const uint8_t sk[64], int corrupt)
{
    uint8_t buf[1100];
    size_t cl = strlen(ctx) + 1;
    memcpy(buf, ctx, cl);
    memcpy(buf + cl, m, len);
    crypto_sign_detached(sig, NULL, buf, cl + len, sk);
    if (corrupt)
        sig[10] ^= 0x01;
}

size_t rt_respond(const rt_server *s, const rt_answer *a, const uint8_t nonce[32],
                  uint8_t *out, size_t cap)
{
    static const uint8_t zero = 0, one = 1;
    uint8_t req[SP_RT_REQUEST_BYTES], level[32][32], path[32 * 8], root[32];
    uint8_t b_ver[4], b_radi[4], b_midp[8], b_vers[16], b_mint[8], b_maxt[8], b_type[4], b_indx[4];
    uint8_t dele[128], cert[256], srep[256], dsig[64], ssig[64], grease[1100];
    size_t n = (size_t)1 << a->depth, dl, cl, sl, len;
    if (sp_rt_request(sp_sodium_crypto(), req, s->pk, nonce) != SP_OK || a->depth > 5 ||
        a->grease_len > sizeof grease)
        return 0;
    /* Leaves: this request at a->index, others for other nonces. */
    for (size_t i = 0; i < n; i++) {
        uint8_t other[SP_RT_REQUEST_BYTES], on[32];
        memset(on, (int)(0x40 + i), sizeof on);
        if (i == a->index)
            h32(level[i], &zero, 1, req, sizeof req, NULL, 0);
        else if (sp_rt_request(sp_sodium_crypto(), other, s->pk, on) == SP_OK)
            h32(level[i], &zero, 1, other, sizeof other, NULL, 0);
    }
    for (unsigned d = 0, idx = a->index; d < a->depth; d++, idx >>= 1) {
        memcpy(path + 32 * d, level[idx ^ 1u], 32);
        for (size_t i = 0; i < (n >> (d + 1)); i++)
            h32(level[i], &one, 1, level[2 * i], 32, level[2 * i + 1], 32);
    }
    memcpy(root, level[0], 32);
    if (a->root_xor)
        root[0] ^= 0x80;
    put32(b_ver, a->ver);
    put32(b_radi, a->radi);
    put64(b_midp, a->midp);
    for (size_t i = 0; i < a->nvers; i++)
        put32(b_vers + 4 * i, a->vers[i]);
    put64(b_mint, a->mint);
    put64(b_maxt, a->maxt);
    put32(b_type, a->type);
    put32(b_indx, a->index ^ a->indx_xor);
    {
        const uint32_t t[3] = {TAG("PUBK"), TAG("MINT"), TAG("MAXT")};
        const uint8_t *v[3] = {s->dpk, b_mint, b_maxt};
        const size_t l[3] = {32, 8, 8};
        dl = rt_message_write(dele, sizeof dele, t, v, l, 3);
    }
    sign_ctx(dsig, "RoughTime v1 delegation signature", dele, dl, s->sk, a->bad_dele_sig);
    {
        const uint32_t t[2] = {TAG("SIG\0"), TAG("DELE")};
        const uint8_t *v[2] = {dsig, dele};
        const size_t l[2] = {64, dl};
        cl = rt_message_write(cert, sizeof cert, t, v, l, 2);
    }
    {
        const uint32_t t[5] = {TAG("VER\0"), TAG("RADI"), TAG("MIDP"), TAG("VERS"), TAG("ROOT")};
        const uint8_t *v[5] = {b_ver, b_radi, b_midp, b_vers, root};
        const size_t l[5] = {4, 4, 8, 4 * a->nvers, 32};
        sl = rt_message_write(srep, sizeof srep, t, v, l, 5);
    }
    sign_ctx(ssig, "RoughTime v1 response signature", srep, sl, s->dsk, a->bad_srep_sig);
    memset(grease, 0, sizeof grease);
    {
        /* SIG NONC TYPE PATH SREP CERT INDX, then the undefined tag GRSZ (0x5a535247 sorts
         * after INDX 0x58444e49). */
        uint32_t t[8] = {TAG("SIG\0"), TAG("NONC"), TAG("TYPE"), TAG("PATH"), TAG("SREP"),
                         TAG("CERT"), TAG("INDX"), TAG("GRSZ")};
        const uint8_t *v[8] = {ssig, nonce, b_type, path, srep, cert, b_indx, grease};
        size_t l[8] = {64, 32, 4, 32u * a->depth, sl, cl, 4, a->grease_len};
        size_t k = a->grease_len > 0 ? 8 : 7;
        if (a->omit_indx) { /* INDX out, GRSZ (if any) in its place */
            t[6] = t[7]; v[6] = v[7]; l[6] = l[7];
            k--;
        }
        if (a->swap_tags) {
            uint32_t tt = t[1];
            t[1] = t[2];
            t[2] = tt;
        }
        if (cap < 12)
            return 0;
        len = rt_message_write(out + 12, cap - 12, t, v, l, k);
    }
    if (len == 0)
        return 0;
    memcpy(out, "ROUGHTIM", 8);
    put32(out + 8, (uint32_t)len);
    return len + 12;
}
