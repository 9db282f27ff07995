/*
 * test_tlog_proof.c -- the tlog-proof bundle and the add-checkpoint request body
 * (softpause/tlog_proof.h): canonical round trips, the spec's example shape, and every
 * refusal of the shared scanner with its line number.
 */
#include <sodium.h>

#include "harness.h"
#include "softpause/encoding.h"
#include "softpause/tlog_proof.h"

static const char statement[] = "softpause/v1 run\nsome statement text\n\n\xE2\x80\x94 k AAAA\n";
static const char checkpoint[] =
    "example.org/log\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\n"
    "\xE2\x80\x94 example.org/log AAAAAAAA\n";

static uint8_t hashes[SP_MAX_PROOF_HASHES + 1][SP_SHA256_BYTES];
static sp_tlog_proof proof;
static sp_witness_request req;
static uint8_t buf[SP_MAX_BUNDLE_BYTES + 16];
static char text[8192];

static void setup(void)
{
    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
        for (size_t j = 0; j < SP_SHA256_BYTES; j++)
            hashes[i][j] = (uint8_t)(i * 7 + j);
}

static sp_err parse_bundle(const char *t, uint32_t *line)
{
    return sp_tlog_proof_parse(&proof, (const uint8_t *)t, strlen(t), line);
}

static sp_err parse_req(const char *t, uint32_t *line)
{
    return sp_witness_request_parse(&req, (const uint8_t *)t, strlen(t), line);
}

static void test_bundle_round_trip(void)
{
    static uint8_t again[8192];
    uint8_t extra[256];
    size_t n = 0, m = 0, en = 0;
    uint32_t line = 9;

    CHECK_OK(sp_tlog_proof_format((const uint8_t *)statement, sizeof statement - 1, 73894,
                                  (const uint8_t(*)[SP_SHA256_BYTES])hashes, 5,
                                  (const uint8_t *)checkpoint, sizeof checkpoint - 1, buf,
                                  sizeof buf, &n));
    CHECK(n > 23 && memcmp(buf, "c2sp.org/tlog-proof@v1\nextra ", 29) == 0);
    CHECK_OK(sp_tlog_proof_parse(&proof, buf, n, &line));
    CHECK(line == 0);
    CHECK(proof.index == 73894 && proof.hash_count == 5);
    CHECK(memcmp(proof.hashes, hashes, 5 * SP_SHA256_BYTES) == 0);
    CHECK(proof.checkpoint_len == sizeof checkpoint - 1 &&
          memcmp(proof.checkpoint, checkpoint, proof.checkpoint_len) == 0);
    CHECK_OK(sp_base64_decode(extra, sizeof extra, &en, (const char *)proof.extra_b64,
                              proof.extra_b64_len));
    CHECK(en == sizeof statement - 1 && memcmp(extra, statement, en) == 0);
    /* Formatting what was parsed gives the same bytes. */
    CHECK_OK(sp_tlog_proof_format(extra, en, proof.index,
                                  (const uint8_t(*)[SP_SHA256_BYTES])proof.hashes,
                                  proof.hash_count, proof.checkpoint, proof.checkpoint_len,
                                  again, sizeof again, &m));
    CHECK(m == n && memcmp(again, buf, n) == 0);
    /* No proof hashes (a tree of one entry), and the most the format allows. */
    CHECK_OK(sp_tlog_proof_format((const uint8_t *)statement, 5, 0, NULL, 0,
                                  (const uint8_t *)checkpoint, sizeof checkpoint - 1, buf,
                                  sizeof buf, &n));
    CHECK_OK(sp_tlog_proof_parse(&proof, buf, n, NULL));
    CHECK(proof.hash_count == 0 && proof.index == 0);
    CHECK_OK(sp_tlog_proof_format((const uint8_t *)statement, 5, ((uint64_t)1 << 63) - 1,
                                  (const uint8_t(*)[SP_SHA256_BYTES])hashes,
                                  SP_MAX_PROOF_HASHES, (const uint8_t *)checkpoint,
                                  sizeof checkpoint - 1, buf, sizeof buf, &n));
    CHECK_OK(sp_tlog_proof_parse(&proof, buf, n, NULL));
    CHECK(proof.hash_count == SP_MAX_PROOF_HASHES && proof.index == ((uint64_t)1 << 63) - 1);

    /* Formatting refusals. */
    CHECK_ERR(sp_tlog_proof_format(NULL, 0, 1, NULL, 0, (const uint8_t *)checkpoint, 5, buf,
                                   sizeof buf, &n),
              SP_ERR_BUNDLE_NO_STATEMENT);
    CHECK_ERR(sp_tlog_proof_format((const uint8_t *)statement, 5, 1,
                                   (const uint8_t(*)[SP_SHA256_BYTES])hashes,
                                   SP_MAX_PROOF_HASHES + 1, (const uint8_t *)checkpoint, 5, buf,
                                   sizeof buf, &n),
              SP_ERR_MERKLE_PROOF_TOO_LONG);
    CHECK_ERR(sp_tlog_proof_format((const uint8_t *)statement, 5, (uint64_t)1 << 63, NULL, 0,
                                   (const uint8_t *)checkpoint, 5, buf, sizeof buf, &n),
              SP_ERR_NUMBER_RANGE);
    CHECK_ERR(sp_tlog_proof_format((const uint8_t *)statement, 5, 1, NULL, 0, NULL, 0, buf,
                                   sizeof buf, &n),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_tlog_proof_format((const uint8_t *)statement, SP_MAX_NOTE_BYTES + 1, 1, NULL,
                                   0, (const uint8_t *)checkpoint, 5, buf, sizeof buf, &n),
              SP_ERR_PROOF_FORMAT);
    CHECK_ERR(sp_tlog_proof_format((const uint8_t *)statement, 5, 1, NULL, 0,
                                   (const uint8_t *)checkpoint, 5, buf, 40, &n),
              SP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 0 && harness_all_zero(buf, 40));
}

/* "c2sp.org/tlog-proof@v1\n" + middle + "\n" + checkpoint. */
static const char *bundle(const char *middle)
{
    snprintf(text, sizeof text, "c2sp.org/tlog-proof@v1\n%s\n%s", middle, checkpoint);
    return text;
}

#define H1 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static void test_bundle_refusals(void)
{
    uint32_t line = 0;

    CHECK_OK(parse_bundle(bundle("extra c29m\nindex 3\n" H1 "\n" H1 "\n"), &line));
    CHECK(proof.hash_count == 2 && proof.hashes[1][31] == 31 && proof.index == 3);

    /* A bare statement, signed or not. */
    CHECK_ERR(parse_bundle(statement, &line), SP_ERR_BUNDLE_BARE_STATEMENT);
    CHECK(line == 1 && harness_all_zero(&proof, sizeof proof));
    CHECK_ERR(parse_bundle("softpause/", &line), SP_ERR_BUNDLE_BARE_STATEMENT);
    /* A tlog-proof without extra: valid for the spec, but carries nothing to apply. */
    CHECK_ERR(parse_bundle(bundle("index 3\n" H1 "\n"), &line), SP_ERR_BUNDLE_NO_STATEMENT);
    CHECK(line == 2);

    struct {
        const char *middle;
        sp_err want;
        uint32_t line;
    } cases[] = {
        {"extra c29m\nindex 3\n" H1 "x\n", SP_ERR_BASE64, 4},
        {"extra c29m\nindex 3\nAAEC\n", SP_ERR_PROOF_FORMAT, 4},     /* 3-byte hash */
        {"extra c29m\nindex 03\n", SP_ERR_NUMBER, 3},
        {"extra c29m\nindex 9223372036854775808\n", SP_ERR_NUMBER_RANGE, 3},
        {"extra c29m\nindex  3\n", SP_ERR_NUMBER, 3},
        {"extra c29m\nIndex 3\n", SP_ERR_PROOF_FORMAT, 3},
        {"extra c29m\n", SP_ERR_PROOF_FORMAT, 3},                    /* blank line as index */
        {"extra c29\nindex 3\n", SP_ERR_BASE64, 2},
        {"extra \nindex 3\n", SP_ERR_PROOF_FORMAT, 2},
        {"extra\tc29m\nindex 3\n", SP_ERR_PROOF_FORMAT, 2},
        {"extras c29m\nindex 3\n", SP_ERR_PROOF_FORMAT, 2},
        {"extra c29m\r\nindex 3\n", SP_ERR_BASE64, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_ERR(parse_bundle(bundle(cases[i].middle), &line), cases[i].want);
        if (line != cases[i].line)
            printf("  case %zu: line %u, expected %u\n", i, (unsigned)line,
                   (unsigned)cases[i].line);
        CHECK(line == cases[i].line);
        CHECK(harness_all_zero(&proof, sizeof proof));
    }
    /* Header problems. */
    CHECK_ERR(parse_bundle("c2sp.org/tlog-proof@v2\nextra c29m\nindex 3\n\nx\n", &line),
              SP_ERR_PROOF_FORMAT);
    CHECK(line == 1);
    CHECK_ERR(parse_bundle("", &line), SP_ERR_PROOF_FORMAT);
    CHECK_ERR(parse_bundle("c2sp.org/tlog-proof@v1", &line), SP_ERR_PROOF_FORMAT);
    CHECK_ERR(parse_bundle("c2sp.org/tlog-proof@v1\n", &line), SP_ERR_PROOF_FORMAT);
    CHECK(line == 2);
    /* No empty line, or nothing after it. */
    CHECK_ERR(parse_bundle("c2sp.org/tlog-proof@v1\nextra c29m\nindex 3\n" H1 "\n", &line),
              SP_ERR_PROOF_FORMAT);
    CHECK(line == 5);
    CHECK_ERR(parse_bundle("c2sp.org/tlog-proof@v1\nextra c29m\nindex 3\n" H1, &line),
              SP_ERR_PROOF_FORMAT);
    CHECK_ERR(parse_bundle("c2sp.org/tlog-proof@v1\nextra c29m\nindex 3\n\n", &line),
              SP_ERR_PROOF_FORMAT);
    CHECK(line == 5);
    /* 64 hash lines: refused on the 64th, before decoding it. */
    {
        size_t n = (size_t)snprintf(text, sizeof text, "c2sp.org/tlog-proof@v1\nextra c29m\nindex 3\n");
        for (int i = 0; i < 64; i++)
            n += (size_t)snprintf(text + n, sizeof text - n, H1 "\n");
        snprintf(text + n, sizeof text - n, "\n%s", checkpoint);
        CHECK_ERR(parse_bundle(text, &line), SP_ERR_MERKLE_PROOF_TOO_LONG);
        CHECK(line == 3 + 64);
    }
    /* Over the size limit. */
    memset(buf, 'A', sizeof buf);
    CHECK_ERR(sp_tlog_proof_parse(&proof, buf, SP_MAX_BUNDLE_BYTES + 1, &line),
              SP_ERR_PROOF_FORMAT);
    /* An extra line decoding to more than a note. */
    {
        static char big[SP_MAX_BUNDLE_BYTES];
        size_t n = (size_t)snprintf(big, sizeof big, "c2sp.org/tlog-proof@v1\nextra ");
        size_t b64 = SP_BASE64_ENCODED_LEN(SP_MAX_NOTE_BYTES + 3u);
        memset(big + n, 'A', b64);
        n += b64;
        n += (size_t)snprintf(big + n, sizeof big - n, "\nindex 0\n\n%s", checkpoint);
        CHECK_ERR(sp_tlog_proof_parse(&proof, (const uint8_t *)big, n, &line),
                  SP_ERR_PROOF_FORMAT);
        CHECK(line == 2);
    }
    CHECK_ERR(sp_tlog_proof_parse(NULL, buf, 3, &line), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_tlog_proof_parse(&proof, NULL, 3, &line), SP_ERR_ARGUMENT);
}

static void test_request(void)
{
    uint32_t line = 0;
    size_t n = 0, m = 0;
    static uint8_t again[8192];

    CHECK_OK(sp_witness_request_format(4, (const uint8_t(*)[SP_SHA256_BYTES])hashes, 3,
                                       (const uint8_t *)checkpoint, sizeof checkpoint - 1, buf,
                                       sizeof buf, &n));
    CHECK(memcmp(buf, "old 4\n", 6) == 0);
    CHECK_OK(sp_witness_request_parse(&req, buf, n, &line));
    CHECK(req.old_size == 4 && req.hash_count == 3 && line == 0);
    CHECK(memcmp(req.hashes, hashes, 3 * SP_SHA256_BYTES) == 0);
    CHECK(req.checkpoint_len == sizeof checkpoint - 1);
    CHECK_OK(sp_witness_request_format(req.old_size,
                                       (const uint8_t(*)[SP_SHA256_BYTES])req.hashes,
                                       req.hash_count, req.checkpoint, req.checkpoint_len,
                                       again, sizeof again, &m));
    CHECK(m == n && memcmp(again, buf, n) == 0);
    /* "old 0" with no proof: the first checkpoint a witness sees of a log. */
    snprintf(text, sizeof text, "old 0\n\n%s", checkpoint);
    CHECK_OK(parse_req(text, &line));
    CHECK(req.old_size == 0 && req.hash_count == 0);

    struct {
        const char *head;
        sp_err want;
        uint32_t line;
    } cases[] = {
        {"old 4\n" H1 "\n", SP_OK, 0},
        {"old 04\n", SP_ERR_NUMBER, 1},
        {"old -1\n", SP_ERR_NUMBER, 1},
        {"old 9223372036854775808\n", SP_ERR_NUMBER_RANGE, 1},
        {"old\n", SP_ERR_WITNESS_REQUEST, 1},
        {"new 4\n", SP_ERR_WITNESS_REQUEST, 1},
        {"old 4\nAAEC\n", SP_ERR_WITNESS_REQUEST, 2},
        {"old 4\n" H1 "=\n", SP_ERR_BASE64, 2},
        {"\n", SP_ERR_WITNESS_REQUEST, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "%s\n%s", cases[i].head, checkpoint);
        CHECK_ERR(parse_req(text, &line), cases[i].want);
        CHECK(line == cases[i].line);
    }
    CHECK_ERR(parse_req("old 4\n", &line), SP_ERR_WITNESS_REQUEST);
    CHECK(line == 2);
    CHECK_ERR(parse_req("old 4\n\n", &line), SP_ERR_WITNESS_REQUEST);
    CHECK_ERR(parse_req("", &line), SP_ERR_WITNESS_REQUEST);
    CHECK_ERR(parse_req("old 4", &line), SP_ERR_WITNESS_REQUEST);
    CHECK(harness_all_zero(&req, sizeof req));
    {
        size_t k = (size_t)snprintf(text, sizeof text, "old 4\n");
        for (int i = 0; i < 64; i++)
            k += (size_t)snprintf(text + k, sizeof text - k, H1 "\n");
        snprintf(text + k, sizeof text - k, "\n%s", checkpoint);
        CHECK_ERR(parse_req(text, &line), SP_ERR_MERKLE_PROOF_TOO_LONG);
        CHECK(line == 65);
    }
    /* A note larger than any checkpoint note may be. */
    {
        static uint8_t big[SP_MAX_NOTE_BYTES + 64];
        memcpy(big, "old 4\n\n", 7);
        memset(big + 7, 'x', sizeof big - 7);
        CHECK_ERR(sp_witness_request_parse(&req, big, sizeof big, &line),
                  SP_ERR_WITNESS_REQUEST);
        CHECK_ERR(sp_witness_request_parse(&req, buf, sizeof buf, &line),
                  SP_ERR_WITNESS_REQUEST);
    }
    CHECK_ERR(sp_witness_request_format(4, NULL, 1, (const uint8_t *)checkpoint, 5, buf,
                                        sizeof buf, &n),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_witness_request_format((uint64_t)1 << 63, NULL, 0,
                                        (const uint8_t *)checkpoint, 5, buf, sizeof buf, &n),
              SP_ERR_NUMBER_RANGE);
    CHECK_ERR(sp_witness_request_format(4, (const uint8_t(*)[SP_SHA256_BYTES])hashes,
                                        SP_MAX_PROOF_HASHES + 1, (const uint8_t *)checkpoint,
                                        5, buf, sizeof buf, &n),
              SP_ERR_MERKLE_PROOF_TOO_LONG);
    CHECK_ERR(sp_witness_request_format(4, NULL, 0, (const uint8_t *)checkpoint, 5, buf, 8, &n),
              SP_ERR_BUFFER_TOO_SMALL);
    CHECK_ERR(sp_witness_request_parse(NULL, buf, 3, &line), SP_ERR_ARGUMENT);
}

int main(void)
{
    setup();
    RUN_TEST(test_bundle_round_trip);
    RUN_TEST(test_bundle_refusals);
    RUN_TEST(test_request);
    return harness_finish("tlog_proof");
}
