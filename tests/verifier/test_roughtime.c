/*
 * test_roughtime.c -- Roughtime (RFC 10049 v1) requests and response checks
 * (softpause/roughtime.h, protocol.md section 19).
 *
 * RFC Appendix B (tests/vectors/roughtime/, provenance in its SOURCE.md): each request
 * rebuilt byte for byte, each response verified, a flipped signature byte refused.  Then a
 * small responder (tests/support/rt_responder.c, libsodium keys) builds valid responses and
 * each negative test changes one field, so only the targeted check fires.
 */
#include <sodium.h>

#include "harness.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/roughtime.h"
#include "support/rt_responder.h"
#include "support/vectors.h"

#define NOW 1790000000ull

static const sp_crypto *crypto;
static rt_server srv;
static uint8_t nonce[32];
static uint8_t pkt[2048];

/* ---- RFC 10049 Appendix B ------------------------------------------------------------- */

/* The base64 string after "key": at or after *pos in json; decodes it into out. */
static size_t json_b64(const char *json, const char **pos, const char *key, uint8_t *out,
                       size_t cap)
{
    char pat[32];
    const char *p, *q;
    size_t len = 0;
    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    p = strstr(*pos, pat);
    if (p == NULL)
        return 0;
    p += strlen(pat);
    q = strchr(p, '"');
    if (q == NULL || sodium_base642bin(out, cap, p, (size_t)(q - p), NULL, &len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL) != 0)
        return 0;
    (void)json;
    return len;
}

static void test_appendix_b(void)
{
    static char json[16384];
    static uint8_t req[3][1100], resp[3][600], rebuilt[SP_RT_REQUEST_BYTES];
    uint8_t pk[3][32], rnd[32], n[32];
    size_t reqlen[3], resplen[3];
    const char *pos;
    sp_rt_time t;
    size_t jl = vec_read("tests/vectors/roughtime/appendix-b-malfeasance.json", json,
                         sizeof json - 1);
    if (jl == (size_t)-1) {
        printf("SKIP appendix B: tests/vectors/roughtime/appendix-b-malfeasance.json not found\n");
        return;
    }
    json[jl] = 0;
    pos = json;
    for (int i = 0; i < 3; i++) {
        const char *entry = strstr(pos, "\"publicKey\"");
        CHECK(entry != NULL);
        if (entry == NULL)
            return;
        pos = entry;
        CHECK(json_b64(json, &pos, "publicKey", pk[i], 32) == 32);
        if (i == 0) {
            reqlen[0] = json_b64(json, &pos, "request", req[0], sizeof req[0]);
            CHECK(reqlen[0] == SP_RT_REQUEST_BYTES);
            memcpy(n, req[0] + 88, 32); /* the client's own nonce */
        } else {
            uint8_t full[64];
            crypto_hash_sha512_state st;
            CHECK(json_b64(json, &pos, "rand", rnd, 32) == 32);
            reqlen[i] = json_b64(json, &pos, "request", req[i], sizeof req[i]);
            /* nonce = H(previous response || rand) (RFC 10049 section 8.2) */
            crypto_hash_sha512_init(&st);
            crypto_hash_sha512_update(&st, resp[i - 1], resplen[i - 1]);
            crypto_hash_sha512_update(&st, rnd, 32);
            crypto_hash_sha512_final(&st, full);
            memcpy(n, full, 32);
        }
        resplen[i] = json_b64(json, &pos, "response", resp[i], sizeof resp[i]);
        CHECK(resplen[i] == 416);
        CHECK_OK(sp_rt_request(crypto, rebuilt, pk[i], n));
        CHECK(reqlen[i] == SP_RT_REQUEST_BYTES && memcmp(rebuilt, req[i], reqlen[i]) == 0);
        CHECK_OK(sp_rt_response_verify(crypto, &t, pk[i], n, resp[i], resplen[i]));
        CHECK(t.radius > 0 && t.mint <= t.midpoint && t.midpoint <= t.maxt);
        /* A flipped byte of the top-level SIG (its value starts the message's values,
         * 12 + 8 * 7 bytes in). */
        resp[i][12 + 56 + 5] ^= 0x01;
        CHECK_ERR(sp_rt_response_verify(crypto, &t, pk[i], n, resp[i], resplen[i]),
                  SP_ERR_RT_SIGNATURE);
        CHECK(harness_all_zero(&t, sizeof t));
        resp[i][12 + 56 + 5] ^= 0x01;
        pos = strstr(pos, "}");
    }
}

/* ---- the responder ---------------------------------------------------------------------- */

static sp_err answer(const rt_answer *a, sp_rt_time *t)
{
    size_t len = rt_respond(&srv, a, nonce, pkt, sizeof pkt);
    CHECK(len > 0);
    return sp_rt_response_verify(crypto, t, srv.pk, nonce, pkt, len);
}

static void test_valid(void)
{
    rt_answer a;
    sp_rt_time t;
    rt_answer_default(&a, NOW);
    CHECK_OK(answer(&a, &t));
    CHECK(t.midpoint == NOW && t.radius == 5 && t.mint == NOW - 86400 && t.maxt == NOW + 86400);
    /* A batch of 32 at every index (PATH of 5 hashes, INDX bits used). */
    a.depth = 5;
    for (a.index = 0; a.index < 32; a.index += 7)
        CHECK_OK(answer(&a, &t));
    /* More versions (2 is unknown here), a radius at the cap, an undefined tag. */
    rt_answer_default(&a, NOW);
    a.vers[0] = 1;
    a.vers[1] = 2;
    a.nvers = 2;
    a.radi = SP_RT_MAX_RADIUS;
    a.grease_len = 64;
    CHECK_OK(answer(&a, &t));
    CHECK(t.radius == SP_RT_MAX_RADIUS);
    /* MIDP - RADI exactly at the attested-time ceiling. */
    rt_answer_default(&a, SP_COSIG_TIME_LIMIT + 5);
    CHECK_OK(answer(&a, &t));
}

static void test_request_form(void)
{
    uint8_t r[SP_RT_REQUEST_BYTES], srvh[32];
    static const uint8_t head[52] = {'R', 'O', 'U', 'G', 'H', 'T', 'I', 'M', 0, 4, 0, 0,
                                     5, 0, 0, 0, 4, 0, 0, 0, 36, 0, 0, 0, 68, 0, 0, 0, 72, 0, 0, 0,
                                     'V', 'E', 'R', 0, 'S', 'R', 'V', 0, 'N', 'O', 'N', 'C',
                                     'T', 'Y', 'P', 'E', 'Z', 'Z', 'Z', 'Z'};
    uint8_t full[64], ff = 0xff;
    crypto_hash_sha512_state st;
    CHECK_OK(sp_rt_request(crypto, r, srv.pk, nonce));
    CHECK(memcmp(r, head, sizeof head) == 0);
    CHECK(r[52] == 1 && r[53] == 0 && r[54] == 0 && r[55] == 0);
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, &ff, 1);
    crypto_hash_sha512_update(&st, srv.pk, 32);
    crypto_hash_sha512_final(&st, full);
    CHECK_OK(sp_rt_srv(crypto, srvh, srv.pk));
    CHECK(memcmp(srvh, full, 32) == 0 && memcmp(r + 56, full, 32) == 0);
    CHECK(memcmp(r + 88, nonce, 32) == 0);
    CHECK(harness_all_zero(r + 120, SP_RT_REQUEST_BYTES - 120));
}

/* No sha512 (a device without time servers): SP_ERR_ARGUMENT, outputs zeroed. */
static void test_no_sha512(void)
{
    sp_crypto c = *crypto;
    uint8_t r[SP_RT_REQUEST_BYTES];
    rt_answer a;
    sp_rt_time t;
    size_t len;
    c.sha512 = NULL;
    rt_answer_default(&a, NOW);
    len = rt_respond(&srv, &a, nonce, pkt, sizeof pkt);
    memset(r, 0xaa, sizeof r);
    CHECK_ERR(sp_rt_request(&c, r, srv.pk, nonce), SP_ERR_ARGUMENT);
    CHECK(harness_all_zero(r, sizeof r));
    CHECK_ERR(sp_rt_response_verify(&c, &t, srv.pk, nonce, pkt, len), SP_ERR_ARGUMENT);
    CHECK(harness_all_zero(&t, sizeof t));
}

static void test_format(void)
{
    rt_answer a;
    sp_rt_time t;
    size_t len;
    /* Unsorted tags; a missing tag; TYPE 0; RADI 0, over the cap; MIDP - RADI over the
     * ceiling; a radius above MIDP. */
    rt_answer_default(&a, NOW); a.swap_tags = 1;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_FORMAT);
    CHECK(harness_all_zero(&t, sizeof t));
    rt_answer_default(&a, NOW); a.omit_indx = 1;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_FORMAT);
    rt_answer_default(&a, NOW); a.type = 0;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_FORMAT);
    rt_answer_default(&a, NOW); a.radi = 0;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_FORMAT);
    rt_answer_default(&a, NOW); a.radi = SP_RT_MAX_RADIUS + 1;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_FORMAT);
    rt_answer_default(&a, SP_COSIG_TIME_LIMIT + 6);
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_FORMAT);
    rt_answer_default(&a, 4); a.mint = 0;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_FORMAT);
    /* VERS unsorted. */
    rt_answer_default(&a, NOW); a.vers[0] = 2; a.vers[1] = 1; a.nvers = 2;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_FORMAT);
    /* Packet size: 1036 bytes verify, 1037 are refused unread. */
    rt_answer_default(&a, NOW);
    a.grease_len = 0;
    len = rt_respond(&srv, &a, nonce, pkt, sizeof pkt);
    a.grease_len = SP_MAX_RT_PACKET_BYTES - len - 8;
    CHECK(rt_respond(&srv, &a, nonce, pkt, sizeof pkt) == SP_MAX_RT_PACKET_BYTES);
    CHECK_OK(answer(&a, &t));
    a.grease_len++;
    CHECK(rt_respond(&srv, &a, nonce, pkt, sizeof pkt) == SP_MAX_RT_PACKET_BYTES + 1);
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_FORMAT);
    /* Framing: wrong magic, wrong length, truncated; a path not a multiple of 32. */
    rt_answer_default(&a, NOW);
    len = rt_respond(&srv, &a, nonce, pkt, sizeof pkt);
    pkt[0] ^= 1;
    CHECK_ERR(sp_rt_response_verify(crypto, &t, srv.pk, nonce, pkt, len), SP_ERR_RT_FORMAT);
    pkt[0] ^= 1;
    CHECK_ERR(sp_rt_response_verify(crypto, &t, srv.pk, nonce, pkt, len - 1), SP_ERR_RT_FORMAT);
    CHECK_ERR(sp_rt_response_verify(crypto, &t, srv.pk, nonce, pkt, 11), SP_ERR_RT_FORMAT);
    CHECK_OK(sp_rt_response_verify(crypto, &t, srv.pk, nonce, pkt, len));
}

/* Header rules, on hand-made packets (syntax is checked before any signature). */
static sp_err raw(const uint32_t *tags, const uint8_t *const *vals, const size_t *lens, size_t n)
{
    sp_rt_time t;
    size_t len = rt_message_write(pkt + 12, sizeof pkt - 12, tags, vals, lens, n);
    memcpy(pkt, "ROUGHTIM", 8);
    pkt[8] = (uint8_t)len;
    pkt[9] = (uint8_t)(len >> 8);
    pkt[10] = pkt[11] = 0;
    return sp_rt_response_verify(crypto, &t, srv.pk, nonce, pkt, len + 12);
}

static void test_format_header(void)
{
    static const uint8_t z[64];
    const uint8_t *v[2] = {z, z};
    size_t l[2] = {4, 4};
    uint32_t t[2] = {0x00474953u /* SIG */, 0x434e4f4eu /* NONC */};
    /* Well formed but incomplete: the response tags are missing. */
    CHECK_ERR(raw(t, v, l, 2), SP_ERR_RT_FORMAT);
    /* N = 0. */
    memcpy(pkt, "ROUGHTIM\x04\0\0\0\0\0\0\0", 16);
    CHECK_ERR(sp_rt_response_verify(crypto, &(sp_rt_time){0}, srv.pk, nonce, pkt, 16),
              SP_ERR_RT_FORMAT);
    /* N larger than the message can hold. */
    memcpy(pkt, "ROUGHTIM\x08\0\0\0\x02\0\0\0\0\0\0\0", 20);
    CHECK_ERR(sp_rt_response_verify(crypto, &(sp_rt_time){0}, srv.pk, nonce, pkt, 20),
              SP_ERR_RT_FORMAT);
    /* The undefined tag of a valid response (skipped: it verifies) spelled with a
     * lower-case letter, or with a letter after its padding: refused, though unread. */
    {
        rt_answer a;
        sp_rt_time t2;
        size_t len;
        uint8_t *tag8;
        rt_answer_default(&a, NOW);
        a.grease_len = 8;
        len = rt_respond(&srv, &a, nonce, pkt, sizeof pkt);
        tag8 = pkt + 12 + 4 * 8 + 4 * 7; /* the 8th tag: "GRSZ" */
        CHECK(memcmp(tag8, "GRSZ", 4) == 0);
        CHECK_OK(sp_rt_response_verify(crypto, &t2, srv.pk, nonce, pkt, len));
        memcpy(tag8, "GRSz", 4);
        CHECK_ERR(sp_rt_response_verify(crypto, &t2, srv.pk, nonce, pkt, len), SP_ERR_RT_FORMAT);
        memcpy(tag8, "GR\0Z", 4);
        CHECK_ERR(sp_rt_response_verify(crypto, &t2, srv.pk, nonce, pkt, len), SP_ERR_RT_FORMAT);
        memcpy(tag8, "GR\0\0", 4); /* "GR": well formed, sorts first: out of order */
        CHECK_ERR(sp_rt_response_verify(crypto, &t2, srv.pk, nonce, pkt, len), SP_ERR_RT_FORMAT);
        memcpy(tag8, "ZZZZ", 4); /* well formed and last: skipped */
        CHECK_OK(sp_rt_response_verify(crypto, &t2, srv.pk, nonce, pkt, len));
    }
    /* An offset that is not a multiple of four; one past the values. */
    t[0] = 0x00474953u;
    l[0] = 3;
    CHECK_ERR(raw(t, v, l, 2), SP_ERR_RT_FORMAT);
    l[0] = 4;
    rt_message_write(pkt + 12, sizeof pkt - 12, t, v, l, 2);
    pkt[12 + 4] = 64; /* offset[1] = 64 > 8 bytes of values */
    CHECK_ERR(sp_rt_response_verify(crypto, &(sp_rt_time){0}, srv.pk, nonce, pkt, 12 + 16 + 8),
              SP_ERR_RT_FORMAT);
}

static void test_nonce(void)
{
    rt_answer a;
    sp_rt_time t;
    size_t len;
    rt_answer_default(&a, NOW);
    len = rt_respond(&srv, &a, nonce, pkt, sizeof pkt);
    nonce[3] ^= 1;
    CHECK_ERR(sp_rt_response_verify(crypto, &t, srv.pk, nonce, pkt, len), SP_ERR_RT_NONCE);
    nonce[3] ^= 1;
}

static void test_version(void)
{
    rt_answer a;
    sp_rt_time t;
    rt_answer_default(&a, NOW); a.ver = 2; a.vers[0] = 1; a.vers[1] = 2; a.nvers = 2;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_VERSION);
    rt_answer_default(&a, NOW); a.vers[0] = 2;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_VERSION);
    /* The draft's test version is not version 1. */
    rt_answer_default(&a, NOW); a.ver = 0x8000000cu; a.vers[0] = 0x8000000cu;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_VERSION);
}

static void test_signature(void)
{
    rt_answer a;
    sp_rt_time t;
    rt_server other;
    size_t len;
    rt_answer_default(&a, NOW); a.bad_dele_sig = 1;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_SIGNATURE);
    rt_answer_default(&a, NOW); a.bad_srep_sig = 1;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_SIGNATURE);
    /* Another server's valid response, checked under this server's key. */
    rt_server_init(&other, 0x77);
    rt_answer_default(&a, NOW);
    len = rt_respond(&other, &a, nonce, pkt, sizeof pkt);
    CHECK_ERR(sp_rt_response_verify(crypto, &t, srv.pk, nonce, pkt, len), SP_ERR_RT_SIGNATURE);
}

static void test_delegation(void)
{
    rt_answer a;
    sp_rt_time t;
    rt_answer_default(&a, NOW); a.mint = NOW + 1;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_DELEGATION);
    rt_answer_default(&a, NOW); a.maxt = NOW - 1;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_DELEGATION);
    rt_answer_default(&a, NOW); a.mint = NOW; a.maxt = NOW;
    CHECK_OK(answer(&a, &t));
}

static void test_merkle(void)
{
    rt_answer a;
    sp_rt_time t;
    rt_answer_default(&a, NOW); a.root_xor = 1;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_MERKLE);
    /* The wrong side at one level. */
    rt_answer_default(&a, NOW); a.depth = 3; a.index = 5; a.indx_xor = 2;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_MERKLE);
    /* An INDX bit beyond PATH (the path itself right). */
    rt_answer_default(&a, NOW); a.depth = 3; a.index = 5; a.indx_xor = 8;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_MERKLE);
    rt_answer_default(&a, NOW); a.indx_xor = 0x80000000u;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_MERKLE);
    /* Another request's leaf: the response for index 2 of a batch claimed as index 3. */
    rt_answer_default(&a, NOW); a.depth = 2; a.index = 2; a.indx_xor = 1;
    CHECK_ERR(answer(&a, &t), SP_ERR_RT_MERKLE);
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    crypto = sp_sodium_crypto();
    rt_server_init(&srv, 0x21);
    memset(nonce, 0x3c, sizeof nonce);
    RUN_TEST(test_appendix_b);
    RUN_TEST(test_request_form);
    RUN_TEST(test_valid);
    RUN_TEST(test_no_sha512);
    RUN_TEST(test_format);
    RUN_TEST(test_format_header);
    RUN_TEST(test_nonce);
    RUN_TEST(test_version);
    RUN_TEST(test_signature);
    RUN_TEST(test_delegation);
    RUN_TEST(test_merkle);
    return harness_finish("roughtime");
}
