/*
 * test_checkpoint.c -- checkpoints and cosignatures (softpause/checkpoint.h).
 *
 * Notes are signed by tests/support/fixture.c with libsodium directly, and the
 * cosignature/v1 message is built there independently of sp_cosignature_message, so an
 * accepted note is one an independent signer made.  Every refusal of
 * sp_checkpoint_verify_witnessed is produced, each from an otherwise valid note.
 */
#include <sodium.h>

#include "harness.h"
#include "softpause/checkpoint.h"
#include "softpause/host/sodium_crypto.h"
#include "support/fixture.h"
#include "support/witness_fixture.h"

static const sp_crypto *crypto;

/* Keys, policy (quorum 2 of a b c; witness w3 is in no policy) and checkpoint texts. */
static wf_world W;
static sp_wpolicy wp;
static sp_checkpoint_work work;
static sp_checkpoint cp;
static sp_checkpoint_result res;

/* A note under construction. */
static char nb[8192];
static size_t nl;

static void nb_start(const char *text)
{
    nl = (size_t)snprintf(nb, sizeof nb, "%s\n", text);
}

static void nb_log(const fx_key *k, const char *text)
{
    nl += fx_sign_line(k, text, strlen(text), nb + nl, sizeof nb - nl);
}

static void nb_cosig(int w, uint64_t time, const char *text)
{
    nl += fx_cosign_line(&W.w[w], time, text, strlen(text), nb + nl, sizeof nb - nl);
}

static sp_err verify(void)
{
    return sp_checkpoint_verify_witnessed(&wp, (const uint8_t *)nb, nl, crypto, &work, &cp,
                                          &res);
}

static void setup(void)
{
    wf_world_make(&W);
    if (sp_wpolicy_parse(&wp, (const uint8_t *)W.policy, strlen(W.policy), SP_WPOLICY_CANONICAL,
                         crypto, NULL) != SP_OK) {
        printf("test policy does not parse\n");
        exit(1);
    }
}

/* ---- text ---------------------------------------------------------------------------- */

static void test_parse_and_format_text(void)
{
    static const char ext[] = "example.org/log\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n"
                              "extension one\nextension \xC3\xA9\n";
    uint8_t out[512];
    size_t n = 0;

    CHECK_OK(sp_checkpoint_parse_text(&cp, (const uint8_t *)W.ckpt, strlen(W.ckpt)));
    CHECK(strcmp(cp.origin, "example.org/log") == 0 && cp.origin_len == 15);
    CHECK(cp.size == 5 && cp.root[0] == 0xAB && cp.root[31] == 0xAB);
    CHECK(cp.text_len == strlen(W.ckpt));
    CHECK_OK(sp_checkpoint_format_text(&cp, out, sizeof out, &n));
    CHECK(n == strlen(W.ckpt) && memcmp(out, W.ckpt, n) == 0);
    CHECK_ERR(sp_checkpoint_format_text(&cp, out, n - 1, &n), SP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 0);

    /* Extension lines are kept in text_len (signed), given no meaning. */
    CHECK_OK(sp_checkpoint_parse_text(&cp, (const uint8_t *)ext, strlen(ext)));
    CHECK(cp.text_len == strlen(ext) && cp.size == 5);

    /* The largest size, 2^63 - 1, and size 0. */
    {
        static const char max[] =
            "o\n9223372036854775807\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n";
        CHECK_OK(sp_checkpoint_parse_text(&cp, (const uint8_t *)max, sizeof max - 1));
        CHECK(cp.size == 9223372036854775807ull);
        CHECK_OK(sp_checkpoint_format_text(&cp, out, sizeof out, &n));
        CHECK(n == sizeof max - 1 && memcmp(out, max, n) == 0);
    }

    static const char *const bad[] = {
        "",
        "example.org/log\n",
        "example.org/log\n5\n",
        "example.org/log\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=",   /* no final \n */
        "example.org/log\n05\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", /* leading 0 */
        "example.org/log\n-5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
        "example.org/log\n9223372036854775808\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
        "example.org/log\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6t=\n", /* pad bits */
        "example.org/log\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urqw==\n", /* 31 bytes */
        "example.org/log\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\nx\n", /* blank */
        "\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",                  /* no origin */
        "has space\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",         /* bad name */
        "a+b\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
        "example.org/log\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\x01\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&cp, 0x5A, sizeof cp);
        CHECK_ERR(sp_checkpoint_parse_text(&cp, (const uint8_t *)bad[i], strlen(bad[i])),
                  SP_ERR_CKPT_FORMAT);
        CHECK(harness_all_zero(&cp, sizeof cp));
    }
    {
        static char big[SP_MAX_CHECKPOINT_TEXT_BYTES + 64];
        size_t m = (size_t)snprintf(big, sizeof big, "%s", W.ckpt);
        while (m + 10 < sizeof big)
            m += (size_t)snprintf(big + m, sizeof big - m, "ext line\n");
        CHECK_ERR(sp_checkpoint_parse_text(&cp, (const uint8_t *)big, m), SP_ERR_CKPT_FORMAT);
    }
    CHECK_ERR(sp_checkpoint_parse_text(NULL, (const uint8_t *)W.ckpt, 3), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_checkpoint_parse_text(&cp, NULL, 3), SP_ERR_ARGUMENT);
    memset(&cp, 0, sizeof cp);
    strcpy(cp.origin, "bad origin");
    cp.origin_len = 10;
    CHECK_ERR(sp_checkpoint_format_text(&cp, out, sizeof out, &n), SP_ERR_CKPT_FORMAT);
}

static void test_cosignature_message(void)
{
    uint8_t msg[SP_MAX_COSIGNED_MESSAGE_BYTES];
    char want[1200];
    size_t n = 0;
    int wl;

    wl = snprintf(want, sizeof want, "cosignature/v1\ntime 1700000000\n%s", W.ckpt);
    CHECK_OK(sp_cosignature_message(msg, sizeof msg, &n, 1700000000u, (const uint8_t *)W.ckpt,
                                    strlen(W.ckpt)));
    CHECK(n == (size_t)wl && memcmp(msg, want, n) == 0);
    /* The largest time a valid cosignature can carry. */
    CHECK_OK(sp_cosignature_message(msg, sizeof msg, &n, SP_COSIG_TIME_LIMIT - 1u,
                                    (const uint8_t *)W.ckpt, strlen(W.ckpt)));
    CHECK(memcmp(msg, "cosignature/v1\ntime 4503599627370495\n", 36) == 0);
    CHECK_ERR(sp_cosignature_message(msg, 20, &n, 1, (const uint8_t *)W.ckpt, strlen(W.ckpt)),
              SP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 0 && harness_all_zero(msg, 20));
    CHECK_ERR(sp_cosignature_message(msg, sizeof msg, NULL, 1, (const uint8_t *)W.ckpt, 3),
              SP_ERR_ARGUMENT);
}

/* ---- verification ------------------------------------------------------------------- */

static void test_valid(void)
{
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt);
    nb_cosig(0, 1000, W.ckpt);
    nb_cosig(1, 2000, W.ckpt);
    CHECK_OK(verify());
    CHECK(res.log_index == 0 && res.cosigned == 3u && res.quorum_met == 1);
    CHECK(res.cosig_time[0] == 1000 && res.cosig_time[1] == 2000);
    CHECK(res.quorum_time == 1000 && res.unknown_lines == 0);
    CHECK(cp.size == 5 && strcmp(cp.origin, "example.org/log") == 0);

    /* Three cosigners: the two newest already make the quorum. */
    nb_cosig(2, 3000, W.ckpt);
    CHECK_OK(verify());
    CHECK(res.cosigned == 7u && res.quorum_time == 2000);

    /* Lines of keys the policy does not know are ignored (and counted): a stranger's
     * note signature, an unlisted witness, and a listed witness's key under the note
     * signer type (0x01), whose key ID differs from its cosigner ID. */
    nb_start(W.ckpt);
    nb_cosig(3, 5, W.ckpt);
    nb_log(&W.stranger, W.ckpt);
    nb_log(&W.log, W.ckpt);
    nb_log(&W.w[0], W.ckpt);
    nb_cosig(2, 3000, W.ckpt);
    nb_cosig(0, 1000, W.ckpt);
    CHECK_OK(verify());
    CHECK(res.unknown_lines == 3 && res.cosigned == 5u && res.quorum_time == 1000);

    /* The log check alone (what a witness does before cosigning). */
    {
        uint32_t li = 7;
        CHECK_OK(sp_checkpoint_verify_log(wp.logs, wp.log_count, (const uint8_t *)nb, nl,
                                          crypto, &work, &cp, &li));
        CHECK(li == 0 && cp.size == 5);
        CHECK_ERR(sp_checkpoint_verify_log(wp.logs, 0, (const uint8_t *)nb, nl, crypto, &work,
                                           &cp, &li),
                  SP_ERR_CKPT_ORIGIN);
        CHECK(li == UINT32_MAX && harness_all_zero(&cp, sizeof cp));
        CHECK_ERR(sp_checkpoint_verify_log(wp.logs, 1, (const uint8_t *)nb, nl, crypto, NULL,
                                           &cp, &li),
                  SP_ERR_ARGUMENT);
    }
}

static void test_log_signature(void)
{
    /* From a different origin (a log the policy does not list). */
    nb_start(W.ckpt_foreign);
    nb_log(&W.other_log, W.ckpt_foreign);
    nb_cosig(0, 1000, W.ckpt_foreign);
    nb_cosig(1, 1000, W.ckpt_foreign);
    CHECK_ERR(verify(), SP_ERR_CKPT_ORIGIN);
    CHECK(harness_all_zero(&cp, sizeof cp) && res.log_index == UINT32_MAX);

    /* No log signature at all, only cosignatures. */
    nb_start(W.ckpt);
    nb_cosig(0, 1000, W.ckpt);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_CKPT_LOG_SIGNATURE);

    /* The log's line signs another checkpoint. */
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt_other);
    nb_cosig(0, 1000, W.ckpt);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_CKPT_LOG_SIGNATURE);

    /* The first line of the log's key decides (as Go's note.Open): a bad one, then a good
     * one, is refused. */
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt_other);
    nb_log(&W.log, W.ckpt);
    nb_cosig(0, 1000, W.ckpt);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_CKPT_LOG_SIGNATURE);

    /* Another key claiming the log's name and key ID. */
    nb_start(W.ckpt);
    nl += fx_sign_line_as(&W.stranger, W.log.name, W.log.id, W.ckpt, strlen(W.ckpt), nb + nl,
                          sizeof nb - nl);
    nb_cosig(0, 1000, W.ckpt);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_CKPT_LOG_SIGNATURE);

    /* A log line with a cosignature-sized payload is not a valid Ed25519 note signature. */
    nb_start(W.ckpt);
    nl += fx_cosign_line_as(&W.log, W.log.name, W.log.id, 5, W.ckpt, strlen(W.ckpt), nb + nl,
                            sizeof nb - nl);
    nb_cosig(0, 1000, W.ckpt);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_CKPT_LOG_SIGNATURE);
}

static void test_cosignature_refusals(void)
{
    /* Too few witnesses (1 of the 2 the group needs). */
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt);
    nb_cosig(0, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_WITNESS_QUORUM);
    CHECK(res.cosigned == 1u && res.quorum_met == 0 && res.quorum_time == 0);
    CHECK(res.log_index == 0 && harness_all_zero(&cp, sizeof cp));

    /* Duplicate cosignature lines of one witness -- even two valid ones. */
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt);
    nb_cosig(0, 1000, W.ckpt);
    nb_cosig(0, 1001, W.ckpt);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_COSIG_DUPLICATE);

    /* A cosignature moved from another checkpoint of the same log. */
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt);
    nb_cosig(0, 1000, W.ckpt_other);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_COSIG_INVALID);

    /* A witness's line signed by another key. */
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt);
    nl += fx_cosign_line_as(&W.stranger, W.w[0].name, fx_key_id_typed(W.w[0].name, 4, W.w[0].pk),
                            1000, W.ckpt, strlen(W.ckpt), nb + nl, sizeof nb - nl);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_COSIG_INVALID);

    /* Timestamps 0, 2^52 (the attested-time ceiling), 2^63 - 1 (accepted before the
     * ceiling) and 2^64 - 1, validly signed: refused for the value, not the signature. */
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt);
    nb_cosig(0, 0, W.ckpt);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_COSIG_TIME_ZERO);
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt);
    nb_cosig(0, SP_COSIG_TIME_LIMIT, W.ckpt);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_COSIG_TIME_RANGE);
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt);
    nb_cosig(0, ((uint64_t)1 << 63) - 1u, W.ckpt);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_COSIG_TIME_RANGE);
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt);
    nb_cosig(0, UINT64_MAX, W.ckpt);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_COSIG_TIME_RANGE);
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt);
    nb_cosig(0, SP_COSIG_TIME_LIMIT - 1u, W.ckpt);
    nb_cosig(1, 1, W.ckpt);
    CHECK_OK(verify());
    CHECK(res.quorum_time == 1);

    /* A witness's name and cosigner key ID on a 68-byte (note signature) payload. */
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt);
    nl += fx_sign_line_as(&W.w[0], W.w[0].name, fx_key_id_typed(W.w[0].name, 4, W.w[0].pk), W.ckpt,
                          strlen(W.ckpt), nb + nl, sizeof nb - nl);
    nb_cosig(1, 1000, W.ckpt);
    CHECK_ERR(verify(), SP_ERR_COSIG_FORMAT);
}

static void test_note_and_text_errors(void)
{
    /* Note syntax first: no signature block. */
    nb_start(W.ckpt);
    CHECK_ERR(verify(), SP_ERR_NOTE_NO_SIGNATURES);
    /* A note whose text is no checkpoint. */
    nb_start("example.org/log\nfive\n");
    nb_log(&W.log, "example.org/log\nfive\n");
    CHECK_ERR(verify(), SP_ERR_CKPT_FORMAT);
    CHECK(res.log_index == UINT32_MAX);
    /* A caller-built policy whose key name length runs past its array matches nothing
     * (and is never read past: SAN build). */
    {
        static sp_wpolicy bent;
        bent = wp;
        bent.witnesses[0].key.name_len = 100000;
        nb_start(W.ckpt);
        nb_log(&W.log, W.ckpt);
        nb_cosig(0, 1000, W.ckpt);
        nb_cosig(1, 1000, W.ckpt);
        CHECK_OK(verify());
        CHECK_ERR(sp_checkpoint_verify_witnessed(&bent, (const uint8_t *)nb, nl, crypto, &work,
                                                 &cp, &res),
                  SP_ERR_WITNESS_QUORUM);
        CHECK(res.unknown_lines == 1);
        bent = wp;
        bent.logs[0].key.name_len = 100000;
        CHECK_ERR(sp_checkpoint_verify_witnessed(&bent, (const uint8_t *)nb, nl, crypto, &work,
                                                 &cp, &res),
                  SP_ERR_CKPT_ORIGIN);
    }
    /* Arguments. */
    CHECK_ERR(sp_checkpoint_verify_witnessed(NULL, (const uint8_t *)nb, nl, crypto, &work, &cp,
                                             &res),
              SP_ERR_ARGUMENT);
    CHECK_ERR(sp_checkpoint_verify_witnessed(&wp, (const uint8_t *)nb, nl, NULL, &work, &cp,
                                             &res),
              SP_ERR_ARGUMENT);
}

/* Every single-byte change of a valid note is refused or verifies to the same result. */
static void test_mutations(void)
{
    size_t changed_ok = 0;
    nb_start(W.ckpt);
    nb_log(&W.log, W.ckpt);
    nb_cosig(0, 1000, W.ckpt);
    nb_cosig(1, 2000, W.ckpt);
    for (size_t i = 0; i < nl; i++) {
        char saved = nb[i];
        nb[i] = (char)(saved ^ 0x01);
        if (verify() == SP_OK)
            changed_ok++;
        nb[i] = saved;
    }
    /* Every byte is covered: the text by every signature, a signature line by the
     * signature it carries or the name it claims, and canonical base64 leaves no free
     * bits; so no change may verify. */
    CHECK(changed_ok == 0);
    CHECK_OK(verify());
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    crypto = sp_sodium_crypto();
    setup();
    RUN_TEST(test_parse_and_format_text);
    RUN_TEST(test_cosignature_message);
    RUN_TEST(test_valid);
    RUN_TEST(test_log_signature);
    RUN_TEST(test_cosignature_refusals);
    RUN_TEST(test_note_and_text_errors);
    RUN_TEST(test_mutations);
    return harness_finish("checkpoint");
}
