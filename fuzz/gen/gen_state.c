/*
 * gen_state.c -- writes the seed corpus of fuzz_state (fuzz/corpus/state/), records MAC'd
 * under the target's fixed device key and bound to its embedded policy.  It includes the
 * target itself, so key, policy and layout cannot drift apart, and replays every file it
 * writes through the target before exiting.
 *
 *   make test builds it; run: build/fuzz/gen_state fuzz/corpus/state
 */
#include <stdio.h>

#include "../targets/fuzz_state.c"
#include "support/state_v1.h"

static const char *dir;

static void emit(const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    (void)LLVMFuzzerTestOneInput(p, n);
}

static sp_device_state base(uint64_t stamp)
{
    sp_device_state st;
    memset(&st, 0, sizeof st);
    st.stamp = stamp;
    memcpy(st.policy_hash, fz.anchor, SP_SHA256_BYTES);
    st.policy_version = 1;
    st.mode = SP_MODE_PAUSE;
    st.last_decision = SP_MODE_PAUSE;
    st.last_reason = SP_ERR_DEV_NO_AUTHORISATION;
    return st;
}

static sp_device_state running(uint64_t stamp, uint32_t mode, uint32_t permille, uint64_t allowance)
{
    sp_device_state st = base(stamp);
    st.has_epoch = 1;
    st.highest_epoch = 0;
    st.mode = mode;
    st.permille = permille;
    st.allowance = mode == SP_MODE_PAUSE ? 0 : allowance;
    st.last_decision = mode;
    st.last_reason = mode == SP_MODE_PAUSE ? SP_ERR_DEV_PAUSED : SP_OK;
    return st;
}

static void encode(const sp_device_state *st, uint8_t rec[SP_STATE_RECORD_BYTES])
{
    if (sp_state_encode(st, rec, &holder.crypto) != SP_OK)
        abort();
}

static void remac(uint8_t rec[SP_STATE_RECORD_BYTES])
{
    if (holder.crypto.device_mac(holder.crypto.ctx, rec + 96, rec, 96) != 0)
        abort();
}

/* Record mode: selector 0x00 + record bytes. */
static void record(const char *name, const uint8_t rec[SP_STATE_RECORD_BYTES], size_t n)
{
    uint8_t buf[1 + SP_STATE_RECORD_BYTES];
    buf[0] = 0x00;
    memcpy(buf + 1, rec, n);
    emit(name, buf, 1 + n);
}

/* Device mode: selector 0x01, counter, flags, seconds, slot 0, slot 1. */
static void device(const char *name, uint8_t counter, uint8_t flags, uint16_t seconds,
                   const uint8_t *s0, const uint8_t *s1)
{
    uint8_t buf[5 + 2 * SP_STATE_RECORD_BYTES];
    buf[0] = 0x01;
    buf[1] = counter;
    buf[2] = flags;
    buf[3] = (uint8_t)(seconds >> 8);
    buf[4] = (uint8_t)seconds;
    memset(buf + 5, 0xFF, 2 * SP_STATE_RECORD_BYTES);
    if (s0 != NULL)
        memcpy(buf + 5, s0, SP_STATE_RECORD_BYTES);
    if (s1 != NULL)
        memcpy(buf + 5 + SP_STATE_RECORD_BYTES, s1, SP_STATE_RECORD_BYTES);
    emit(name, buf, sizeof buf);
}

int main(int argc, char **argv)
{
    uint8_t fac[128], run[128], thr[128], pau[128], r[128], erased[128], v1[128];
    sp_device_state st;
    static const uint8_t other_key[32] = { 9 };
    sp_sodium_device other;

    if (argc != 2) {
        fprintf(stderr, "usage: gen_state DIR\n");
        return 2;
    }
    dir = argv[1];
    setup();
    memset(erased, 0xFF, sizeof erased);

    st = base(1);
    encode(&st, fac);
    st = running(2, SP_MODE_RUN, 0, 648000);
    st.highest_epoch = 0;
    encode(&st, run);
    st = running(3, SP_MODE_THROTTLE, 250, 1000);
    st.highest_epoch = 7;
    encode(&st, thr);
    st = running(4, SP_MODE_PAUSE, 0, 0);
    st.highest_epoch = 9;
    encode(&st, pau);

    record("rec-valid-factory", fac, 128);
    record("rec-valid-run", run, 128);
    record("rec-valid-throttle", thr, 128);
    record("rec-valid-pause", pau, 128);
    record("rec-truncated-64", run, 64);
    record("rec-truncated-0", run, 0);
    record("rec-erased", erased, 128);
    memcpy(r, run, 128);
    r[0] = 'X';
    record("rec-bad-magic", r, 128);
    memcpy(r, run, 128);
    r[5] = 3;
    remac(r);
    record("rec-bad-version-3", r, 128);
    memcpy(r, run, 128);
    r[7] = 127;
    remac(r);
    record("rec-bad-length", r, 128);
    memcpy(r, run, 128);
    r[127] ^= 1;
    record("rec-bad-mac", r, 128);
    memcpy(r, run, 128);
    r[88] = 0x80; /* attested time >= 2^63 */
    remac(r);
    record("rec-attested-too-big", r, 128);
    memcpy(r, run, 128);
    r[89] = 0x10; /* attested time 2^52: written before the ceiling, decodes clamped */
    remac(r);
    record("rec-attested-above-ceiling", r, 128);
    memcpy(r, run, 128);
    r[87] = 3;
    remac(r);
    record("rec-bad-flags", r, 128);
    memcpy(r, run, 128);
    r[75] ^= 0x40;
    remac(r);
    record("rec-bad-mode", r, 128);
    sp_sodium_device_setup(&other, other_key);
    if (sp_state_encode(&st, r, &other.crypto) != SP_OK)
        abort();
    record("rec-wrong-key", r, 128);

    /* format 1 (before publication): decoded and migrated */
    st = running(2, SP_MODE_RUN, 0, 648000);
    sv1_record(v1, &st, holder.key);
    record("rec-valid-v1-run", v1, 128);
    memcpy(r, v1, 128);
    r[95] = 1;
    remac(r);
    record("rec-v1-reserved-nonzero", r, 128);

    device("dev-factory-apply-consume", 1, 1, 700, fac, NULL);
    device("dev-v1-current-apply-consume", 2, 1, 700, fac, v1);
    /* the record's attested time against the bundle's (FUZZ_BUNDLE_TIME, epoch 1) */
    st = base(1);
    st.attested_time = FUZZ_BUNDLE_TIME - 3600;
    encode(&st, r);
    device("dev-attested-earlier-apply", 1, 1, 0, r, NULL);
    st.attested_time = FUZZ_BUNDLE_TIME + 30 * 86400;
    encode(&st, r);
    device("dev-attested-stale-apply", 1, 1, 0, r, NULL);
    r[88] = 0x7f; /* 2^63 - 2^56 + ...: written before the ceiling, clamped at boot */
    remac(r);
    device("dev-attested-above-ceiling-apply", 1, 1, 0, r, NULL);
    device("dev-pending-increment", 1, 0, 10, fac, run);
    device("dev-current-and-older", 2, 0, 1, fac, run);
    device("dev-rollback", 9, 1, 1, fac, run);
    device("dev-future-stamp", 0, 0, 1, NULL, thr);
    device("dev-throttle-partial", 3, 0, 2000, thr, NULL);
    device("dev-paused", 4, 1, 5, pau, thr);
    device("dev-erased", 0, 0, 1, NULL, NULL);
    device("dev-erased-read-fails", 2, 2, 1, NULL, run);
    memcpy(r, run, 128);
    r[120] ^= 0x80;
    device("dev-corrupt-current", 2, 0, 1, fac, r);
    st = running(2, SP_MODE_RUN, 0, 5);
    encode(&st, r);
    device("dev-same-stamp", 2, 0, 1, r, run);
    return 0;
}
