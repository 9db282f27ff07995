/*
 * test_state_record.c -- the device state record codec (sp_state_encode/decode):
 * round trips, the exact byte layout of format version 2 (state_record.c), format
 * version 1 records (written by firmware before publication) still decoded and migrated,
 * and every decode error of both versions.
 *
 * Version 1 records are built by hand (tests/support/state_v1.h): the codec can no
 * longer write them, and a device in the field still holds them.
 */
#include <sodium.h>

#include "harness.h"
#include "softpause/device.h"
#include "softpause/host/sodium_crypto.h"
#include "support/state_v1.h"

static sp_sodium_device holder;
static const sp_crypto *crypto;

static void setup(void)
{
    static const uint8_t key[32] = {
        0x6b, 0x65, 0x79, 0x2d, 0x66, 0x6f, 0x72, 0x2d, 0x74, 0x65, 0x73,
        0x74, 0x73, 0x2d, 0x6f, 0x6e, 0x6c, 0x79, 0x00, 0x01, 0x02, 0x03,
        0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
    };
    if (sp_sodium_init() != SP_OK)
        abort();
    sp_sodium_device_setup(&holder, key);
    crypto = &holder.crypto;
}

static sp_device_state running_state(void)
{
    sp_device_state st;
    memset(&st, 0, sizeof st);
    st.stamp = 0x0102030405060708ull;
    for (int i = 0; i < 32; i++)
        st.policy_hash[i] = (uint8_t)(0xA0 + i);
    st.policy_version = 7;
    st.has_epoch = 1;
    st.highest_epoch = 0x1122334455ull;
    st.allowance = 604800;
    st.mode = SP_MODE_THROTTLE;
    st.permille = 250;
    st.last_decision = SP_MODE_THROTTLE;
    st.last_reason = SP_OK;
    st.attested_time = 0x0000000066778899ull;
    return st;
}

static sp_device_state factory_state(void)
{
    sp_device_state st;
    memset(&st, 0, sizeof st);
    st.stamp = 1;
    memset(st.policy_hash, 0x5A, sizeof st.policy_hash);
    st.policy_version = 1;
    st.mode = SP_MODE_PAUSE;
    st.last_decision = SP_MODE_PAUSE;
    st.last_reason = SP_ERR_DEV_NO_AUTHORISATION;
    return st;
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

/* Recompute the record's HMAC with libsodium directly (independent of the codec), so
 * tests can build authentic records that break a non-MAC rule. */
static void remac(uint8_t rec[SP_STATE_RECORD_BYTES])
{
    crypto_auth_hmacsha256(rec + 96, rec, 96, holder.key);
}

static int states_equal(const sp_device_state *a, const sp_device_state *b)
{
    return a->stamp == b->stamp && memcmp(a->policy_hash, b->policy_hash, 32) == 0 &&
           a->policy_version == b->policy_version && a->has_epoch == b->has_epoch &&
           a->highest_epoch == b->highest_epoch && a->allowance == b->allowance &&
           a->mode == b->mode && a->permille == b->permille &&
           a->last_decision == b->last_decision && a->last_reason == b->last_reason &&
           a->attested_time == b->attested_time;
}

static void test_round_trip(void)
{
    sp_device_state states[4];
    states[0] = running_state();
    states[1] = factory_state();
    states[2] = running_state();
    states[2].mode = states[2].last_decision = SP_MODE_RUN;
    states[2].permille = 0;
    states[2].allowance = 1ull << 53;
    states[2].highest_epoch = 1ull << 53;
    states[3] = running_state();
    states[3].mode = SP_MODE_PAUSE;
    states[3].permille = 0;
    states[3].allowance = 0;
    states[3].last_decision = SP_MODE_PAUSE;
    states[3].last_reason = SP_ERR_DEV_PAUSED;
    for (int i = 0; i < 4; i++) {
        uint8_t rec[SP_STATE_RECORD_BYTES];
        sp_device_state back;
        CHECK_OK(sp_state_encode(&states[i], rec, crypto));
        CHECK_OK(sp_state_decode(&back, rec, crypto));
        CHECK(states_equal(&states[i], &back));
    }
}

/* The byte layout of format version 2 (state_record.c), field by field (big-endian). */
static void test_layout(void)
{
    sp_device_state st = running_state();
    uint8_t rec[SP_STATE_RECORD_BYTES], mac[32];
    CHECK_OK(sp_state_encode(&st, rec, crypto));
    CHECK(memcmp(rec, "SPST", 4) == 0);
    CHECK(rec[4] == 0 && rec[5] == 2 && SP_STATE_FORMAT_VERSION == 2);
    CHECK(rec[6] == 0 && rec[7] == 128);
    CHECK(rec[8] == 0x01 && rec[15] == 0x08);
    CHECK(be64(rec + 8) == st.stamp);
    CHECK(memcmp(rec + 16, st.policy_hash, 32) == 0);
    CHECK(be64(rec + 48) == 7);
    CHECK(be64(rec + 56) == 0x1122334455ull);
    CHECK(be64(rec + 64) == 604800);
    CHECK(be32(rec + 72) == SP_MODE_THROTTLE);
    CHECK(be32(rec + 76) == SP_MODE_THROTTLE);
    CHECK(be32(rec + 80) == (uint32_t)SP_OK);
    CHECK(be16(rec + 84) == 250);
    CHECK(be16(rec + 86) == 1);
    CHECK(be64(rec + 88) == 0x66778899ull);
    crypto_auth_hmacsha256(mac, rec, 96, holder.key);
    CHECK(memcmp(rec + 96, mac, 32) == 0);

    st = factory_state();
    CHECK_OK(sp_state_encode(&st, rec, crypto));
    CHECK(be16(rec + 86) == 0);
    CHECK(be64(rec + 88) == 0);
    CHECK(be32(rec + 80) == (uint32_t)SP_ERR_DEV_NO_AUTHORISATION);
}

/* The attested time round-trips over its whole range, below SP_COSIG_TIME_LIMIT (2^52,
 * the attested-time ceiling); the encoder refuses a value at or above it. */
static void test_attested_time(void)
{
    static const uint64_t times[] = { 0, 1, 1735689600ull, SP_COSIG_TIME_LIMIT - 1 };
    static const uint64_t refused[] = { SP_COSIG_TIME_LIMIT, (1ull << 53) + 1, 1ull << 63 };
    sp_device_state st = running_state(), back;
    uint8_t rec[SP_STATE_RECORD_BYTES];
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        st.attested_time = times[i];
        CHECK_OK(sp_state_encode(&st, rec, crypto));
        CHECK(be64(rec + 88) == times[i]);
        CHECK_OK(sp_state_decode(&back, rec, crypto));
        CHECK(back.attested_time == times[i] && states_equal(&st, &back));
    }
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        st.attested_time = refused[i];
        CHECK_ERR(sp_state_encode(&st, rec, crypto), SP_ERR_ARGUMENT);
        CHECK(harness_all_zero(rec, sizeof rec));
    }
    st.attested_time = 5;
    CHECK_OK(sp_state_encode(&st, rec, crypto));
    rec[88] = 0x80; /* authentic, but 2^63 + 5: no firmware ever wrote it */
    remac(rec);
    memset(&back, 0xAA, sizeof back);
    CHECK_ERR(sp_state_decode(&back, rec, crypto), SP_ERR_DEV_RECORD_FORMAT);
    CHECK(harness_all_zero(&back, sizeof back));
}

/* A record written before the attested-time ceiling may hold a T_att of 2^52 .. 2^63 - 1
 * (a poisoned time, or one that was simply told): it decodes, clamped to the ceiling
 * SP_COSIG_TIME_LIMIT - 1, everything else unchanged, and is written clamped next time. */
static void test_attested_time_above_ceiling_clamped(void)
{
    static const uint64_t stored[] = { SP_COSIG_TIME_LIMIT, (1ull << 53) + 1,
                                       (1ull << 63) - 1 };
    sp_device_state st = running_state(), back, again;
    uint8_t rec[SP_STATE_RECORD_BYTES], rec2[SP_STATE_RECORD_BYTES];
    for (size_t i = 0; i < sizeof stored / sizeof stored[0]; i++) {
        st.attested_time = 5;
        CHECK_OK(sp_state_encode(&st, rec, crypto));
        for (int b = 0; b < 8; b++) /* what the old encoder wrote: authentic */
            rec[88 + b] = (uint8_t)(stored[i] >> (56 - 8 * b));
        remac(rec);
        memset(&back, 0xAA, sizeof back);
        CHECK_OK(sp_state_decode(&back, rec, crypto));
        CHECK(back.attested_time == SP_COSIG_TIME_LIMIT - 1);
        back.attested_time = st.attested_time;
        CHECK(states_equal(&st, &back));
        back.attested_time = SP_COSIG_TIME_LIMIT - 1;
        CHECK_OK(sp_state_encode(&back, rec2, crypto));
        CHECK(be64(rec2 + 88) == SP_COSIG_TIME_LIMIT - 1);
        CHECK_OK(sp_state_decode(&again, rec2, crypto));
        CHECK(states_equal(&back, &again));
    }
}

/* A version 1 record (from firmware before publication) still decodes, with attested
 * time 0, and the next encode writes it as version 2: migrated, never reset.  (The
 * device-level migration, through sp_device_load and the next write, is in
 * test_device.c.) */
static void test_v1_record_decoded_and_migrated(void)
{
    sp_device_state states[3], back, again;
    uint8_t rec[SP_STATE_RECORD_BYTES], rec2[SP_STATE_RECORD_BYTES];
    states[0] = running_state();
    states[1] = factory_state();
    states[2] = running_state();
    states[2].mode = states[2].last_decision = SP_MODE_RUN;
    states[2].permille = 0;
    for (int i = 0; i < 3; i++) {
        states[i].attested_time = 0; /* v1 has no such field */
        sv1_record(rec, &states[i], holder.key);
        memset(&back, 0xAA, sizeof back);
        CHECK_OK(sp_state_decode(&back, rec, crypto));
        CHECK(states_equal(&states[i], &back) && back.attested_time == 0);
        /* The next write (the device re-encodes its whole state on every change). */
        back.stamp++;
        back.attested_time = 1735693200ull;
        CHECK_OK(sp_state_encode(&back, rec2, crypto));
        CHECK(rec2[4] == 0 && rec2[5] == 2);
        CHECK_OK(sp_state_decode(&again, rec2, crypto));
        CHECK(states_equal(&back, &again));
    }
}

/* Version 1's own field rules still apply to version 1 records. */
static void test_v1_bad_fields(void)
{
    sp_device_state st = running_state(), out;
    uint8_t rec[SP_STATE_RECORD_BYTES], good[SP_STATE_RECORD_BYTES];
    static const struct {
        size_t off;
        uint8_t val;
    } v1_pokes[] = {
        { 91, 0x03 }, /* unknown flag bit */
        { 88, 0x80 }, /* high flag bit */
        { 95, 0x01 }, /* reserved word */
        { 92, 0x80 }, /* reserved word */
        { 79, 0x00 }, /* throttle permille 0 */
        { 78, 0x03 }, /* permille >= 1000 */
        { 87, 0x01 }, /* throttle decision with a non-OK reason */
    };
    sv1_record(good, &st, holder.key);
    CHECK_OK(sp_state_decode(&out, good, crypto));
    for (size_t i = 0; i < sizeof v1_pokes / sizeof v1_pokes[0]; i++) {
        memcpy(rec, good, sizeof rec);
        rec[v1_pokes[i].off] = v1_pokes[i].val;
        remac(rec);
        memset(&out, 0xAA, sizeof out);
        CHECK_ERR(sp_state_decode(&out, rec, crypto), SP_ERR_DEV_RECORD_FORMAT);
        CHECK(harness_all_zero(&out, sizeof out));
    }
    /* Unauthentic v1 records and v1 records of another length are refused as in v2. */
    memcpy(rec, good, sizeof rec);
    rec[60] ^= 1;
    CHECK_ERR(sp_state_decode(&out, rec, crypto), SP_ERR_DEV_RECORD_MAC);
    memcpy(rec, good, sizeof rec);
    rec[7] = 96;
    remac(rec);
    CHECK_ERR(sp_state_decode(&out, rec, crypto), SP_ERR_DEV_RECORD_FORMAT);
}

static void test_decode_bad_magic(void)
{
    sp_device_state st = running_state(), out;
    uint8_t rec[SP_STATE_RECORD_BYTES];
    for (int i = 0; i < 4; i++) {
        CHECK_OK(sp_state_encode(&st, rec, crypto));
        rec[i] ^= 0x20;
        remac(rec);
        memset(&out, 0xAA, sizeof out);
        CHECK_ERR(sp_state_decode(&out, rec, crypto), SP_ERR_DEV_RECORD_FORMAT);
        CHECK(harness_all_zero(&out, sizeof out));
    }
    /* An erased flash page. */
    memset(rec, 0xFF, sizeof rec);
    CHECK_ERR(sp_state_decode(&out, rec, crypto), SP_ERR_DEV_RECORD_FORMAT);
    memset(rec, 0x00, sizeof rec);
    CHECK_ERR(sp_state_decode(&out, rec, crypto), SP_ERR_DEV_RECORD_FORMAT);
}

static void test_decode_bad_version(void)
{
    sp_device_state st = running_state(), out;
    uint8_t rec[SP_STATE_RECORD_BYTES];
    static const uint16_t versions[] = { 0, 3, 0x0100, 0x0200, 0xFFFF };
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        CHECK_OK(sp_state_encode(&st, rec, crypto));
        rec[4] = (uint8_t)(versions[i] >> 8);
        rec[5] = (uint8_t)versions[i];
        remac(rec); /* authentic, but from a format this firmware does not know */
        memset(&out, 0xAA, sizeof out);
        CHECK_ERR(sp_state_decode(&out, rec, crypto), SP_ERR_DEV_RECORD_VERSION);
        CHECK(harness_all_zero(&out, sizeof out));
    }
}

static void test_decode_bad_length(void)
{
    sp_device_state st = running_state(), out;
    uint8_t rec[SP_STATE_RECORD_BYTES];
    static const uint16_t lengths[] = { 0, 96, 127, 129, 256, 0x8080 };
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        CHECK_OK(sp_state_encode(&st, rec, crypto));
        rec[6] = (uint8_t)(lengths[i] >> 8);
        rec[7] = (uint8_t)lengths[i];
        remac(rec);
        CHECK_ERR(sp_state_decode(&out, rec, crypto), SP_ERR_DEV_RECORD_FORMAT);
    }
}

/* Flip every bit of the authenticated part and of the MAC: always refused. */
static void test_decode_every_bit_flip(void)
{
    sp_device_state st = running_state(), out;
    uint8_t rec[SP_STATE_RECORD_BYTES], good[SP_STATE_RECORD_BYTES];
    int ok = 1;
    CHECK_OK(sp_state_encode(&st, good, crypto));
    for (size_t i = 0; i < SP_STATE_RECORD_BYTES * 8; i++) {
        memcpy(rec, good, sizeof rec);
        rec[i / 8] ^= (uint8_t)(1u << (i % 8));
        sp_err e = sp_state_decode(&out, rec, crypto);
        if (e == SP_OK || !harness_all_zero(&out, sizeof out))
            ok = 0;
        /* Past magic/version/length, the MAC is what catches it. */
        if (i >= 64 && e != SP_ERR_DEV_RECORD_MAC)
            ok = 0;
    }
    CHECK(ok);
    memcpy(rec, good, sizeof rec);
    rec[100] ^= 1;
    CHECK_ERR(sp_state_decode(&out, rec, crypto), SP_ERR_DEV_RECORD_MAC);
}

static void test_decode_wrong_key(void)
{
    static const uint8_t other_key[32] = { 1, 2, 3 };
    sp_sodium_device other;
    sp_device_state st = running_state(), out;
    uint8_t rec[SP_STATE_RECORD_BYTES];
    sp_sodium_device_setup(&other, other_key);
    CHECK_OK(sp_state_encode(&st, rec, crypto));
    CHECK_ERR(sp_state_decode(&out, rec, &other.crypto), SP_ERR_DEV_RECORD_MAC);
    /* A crypto interface without a device key fails closed. */
    CHECK_ERR(sp_state_decode(&out, rec, sp_sodium_crypto()), SP_ERR_CRYPTO);
    CHECK_ERR(sp_state_encode(&st, rec, sp_sodium_crypto()), SP_ERR_CRYPTO);
    CHECK(harness_all_zero(rec, sizeof rec));
}

/* Authentic records (MAC recomputed) that break a field rule: RECORD_FORMAT. */
static void test_decode_bad_fields(void)
{
    sp_device_state st = running_state(), out;
    uint8_t rec[SP_STATE_RECORD_BYTES], good[SP_STATE_RECORD_BYTES];
    struct {
        size_t off;
        uint8_t val;
    } pokes[] = {
        { 87, 0x03 }, /* unknown flag bit */
        { 86, 0x80 }, /* high flag bit */
        { 75, 0x00 }, /* mode not a hardened constant */
        { 85, 0x00 }, /* throttle permille 0 */
        { 84, 0x03 }, /* permille >= 1000 */
        { 79, 0x00 }, /* last decision not a mode */
        { 83, 0x01 }, /* throttle decision with a non-OK reason */
        { 15, 0x00 }, /* stamp 0 */
        { 56, 0x01 }, /* epoch > 2^53 */
        { 64, 0x01 }, /* allowance > 2^53 */
        { 55, 0x00 }, /* policy version 0 */
        { 88, 0x80 }, /* attested time >= 2^63 */
    };
    CHECK_OK(sp_state_encode(&st, good, crypto));
    /* stamp 0 needs the whole word zero; policy version 0 too. */
    for (size_t i = 0; i < sizeof pokes / sizeof pokes[0]; i++) {
        memcpy(rec, good, sizeof rec);
        if (pokes[i].off == 15)
            memset(rec + 8, 0, 8);
        else if (pokes[i].off == 55)
            memset(rec + 48, 0, 8);
        else
            rec[pokes[i].off] = pokes[i].val;
        remac(rec);
        memset(&out, 0xAA, sizeof out);
        CHECK_ERR(sp_state_decode(&out, rec, crypto), SP_ERR_DEV_RECORD_FORMAT);
        CHECK(harness_all_zero(&out, sizeof out));
    }
    /* Semantic combinations. */
    sp_device_state bad[5];
    for (int i = 0; i < 5; i++)
        bad[i] = running_state();
    bad[0].mode = SP_MODE_PAUSE; /* paused but with allowance/permille */
    bad[0].permille = 0;
    bad[1].has_epoch = 0;                 /* allowance before any epoch */
    bad[2].mode = SP_MODE_RUN;            /* run with a permille */
    bad[3].last_decision = SP_MODE_PAUSE; /* pause decision with reason OK */
    bad[4] = factory_state();
    bad[4].highest_epoch = 3; /* epoch without the flag */
    for (int i = 0; i < 5; i++) {
        /* The encoder refuses them too: never write what cannot be read back. */
        CHECK_ERR(sp_state_encode(&bad[i], rec, crypto), SP_ERR_ARGUMENT);
        CHECK(harness_all_zero(rec, sizeof rec));
    }
}

static void test_arguments(void)
{
    sp_device_state st = running_state(), out;
    uint8_t rec[SP_STATE_RECORD_BYTES];
    sp_crypto no_mac = *crypto;
    no_mac.device_mac = NULL;
    CHECK_ERR(sp_state_encode(NULL, rec, crypto), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_state_encode(&st, NULL, crypto), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_state_encode(&st, rec, NULL), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_state_encode(&st, rec, &no_mac), SP_ERR_ARGUMENT);
    CHECK_OK(sp_state_encode(&st, rec, crypto));
    CHECK_ERR(sp_state_decode(NULL, rec, crypto), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_state_decode(&out, NULL, crypto), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_state_decode(&out, rec, NULL), SP_ERR_ARGUMENT);
    CHECK_ERR(sp_state_decode(&out, rec, &no_mac), SP_ERR_ARGUMENT);
}

int main(void)
{
    setup();
    RUN_TEST(test_round_trip);
    RUN_TEST(test_layout);
    RUN_TEST(test_attested_time);
    RUN_TEST(test_attested_time_above_ceiling_clamped);
    RUN_TEST(test_v1_record_decoded_and_migrated);
    RUN_TEST(test_v1_bad_fields);
    RUN_TEST(test_decode_bad_magic);
    RUN_TEST(test_decode_bad_version);
    RUN_TEST(test_decode_bad_length);
    RUN_TEST(test_decode_every_bit_flip);
    RUN_TEST(test_decode_wrong_key);
    RUN_TEST(test_decode_bad_fields);
    RUN_TEST(test_arguments);
    return harness_finish("state_record");
}
