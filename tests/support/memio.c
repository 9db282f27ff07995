/*
 * memio.c -- see memio.h.  Every callback goes through gate(), which implements the
 * power-cut and fail-the-n-th faults in one place so that every operation is a possible
 * cut point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/memio.h"

/* Returns 1 if the operation may take effect; 0 if it must fail without effect.
 * *cut_now is set when THIS operation is the one power is lost in (for torn writes). */
static int gate(memio *m, enum memio_op op, int *cut_now)
{
    if (cut_now != NULL)
        *cut_now = 0;
    if (m->power_lost)
        return 0;
    if (m->cut_in == 0) {
        m->power_lost = 1;
        if (cut_now != NULL)
            *cut_now = 1;
        return 0;
    }
    if (m->cut_in > 0)
        m->cut_in--;
    m->count[op]++;
    if (m->fail_in[op] > 0 && --m->fail_in[op] == 0)
        return 0;
    return 1;
}

static int mem_slot_read(void *ctx, uint32_t slot, uint8_t rec[SP_STATE_RECORD_BYTES])
{
    memio *m = ctx;
    if (!gate(m, MEMIO_SLOT_READ, NULL) || slot > 1)
        return -1;
    if (!m->ext.slot_written[slot] && m->erased_read_fails)
        return -1;
    memcpy(rec, m->ext.slots[slot], SP_STATE_RECORD_BYTES);
    return 0;
}

static int mem_slot_write(void *ctx, uint32_t slot, const uint8_t rec[SP_STATE_RECORD_BYTES])
{
    memio *m = ctx;
    int cut_now;
    if (!gate(m, MEMIO_SLOT_WRITE, &cut_now) || slot > 1) {
        if (cut_now && slot <= 1 && m->tear_bytes > 0) {
            /* A page program interrupted part-way: the prefix landed, the rest is still
             * erased (flash programs towards 0 from an erased 0xFF page). */
            size_t n =
                m->tear_bytes < SP_STATE_RECORD_BYTES ? m->tear_bytes : SP_STATE_RECORD_BYTES;
            memset(m->ext.slots[slot], 0xFF, SP_STATE_RECORD_BYTES);
            memcpy(m->ext.slots[slot], rec, n);
            m->ext.slot_written[slot] = 1;
        }
        return -1;
    }
    memcpy(m->ext.slots[slot], rec, SP_STATE_RECORD_BYTES);
    m->ext.slot_written[slot] = 1;
    if (m->corrupt_write_in > 0 && --m->corrupt_write_in == 0)
        m->ext.slots[slot][SP_STATE_RECORD_BYTES / 2] ^= 0x10;
    return 0;
}

static int mem_policy_read(void *ctx, uint32_t slot, uint8_t *buf, size_t cap, size_t *len)
{
    memio *m = ctx;
    if (!gate(m, MEMIO_POLICY_READ, NULL) || slot > 1 || !m->ext.policy_written[slot] ||
        m->ext.policy_len[slot] > cap)
        return -1;
    memcpy(buf, m->ext.policy[slot], m->ext.policy_len[slot]);
    *len = m->ext.policy_len[slot];
    return 0;
}

static int mem_policy_write(void *ctx, uint32_t slot, const uint8_t *buf, size_t len)
{
    memio *m = ctx;
    int cut_now;
    if (!gate(m, MEMIO_POLICY_WRITE, &cut_now) || slot > 1 || len > sizeof m->ext.policy[0]) {
        if (cut_now && slot <= 1 && len <= sizeof m->ext.policy[0] && m->tear_bytes > 0) {
            /* An interrupted program: the prefix landed, the rest reads erased. */
            size_t n = m->tear_bytes < len ? m->tear_bytes : len;
            memset(m->ext.policy[slot], 0xFF, len);
            memcpy(m->ext.policy[slot], buf, n);
            m->ext.policy_len[slot] = len;
            m->ext.policy_written[slot] = 1;
        }
        return -1;
    }
    memcpy(m->ext.policy[slot], buf, len);
    m->ext.policy_len[slot] = len;
    m->ext.policy_written[slot] = 1;
    return 0;
}

static int mem_anchor_read(void *ctx, uint8_t hash[SP_SHA256_BYTES], int *is_set)
{
    memio *m = ctx;
    if (!gate(m, MEMIO_ANCHOR_READ, NULL))
        return -1;
    memcpy(hash, m->anchor, SP_SHA256_BYTES);
    *is_set = m->anchor_set;
    return 0;
}

static int mem_anchor_write(void *ctx, const uint8_t hash[SP_SHA256_BYTES])
{
    memio *m = ctx;
    if (!gate(m, MEMIO_ANCHOR_WRITE, NULL) || m->anchor_set)
        return -1;
    memcpy(m->anchor, hash, SP_SHA256_BYTES);
    m->anchor_set = 1;
    return 0;
}

static int mem_counter_read(void *ctx, uint64_t *value)
{
    memio *m = ctx;
    if (!gate(m, MEMIO_COUNTER_READ, NULL))
        return -1;
    *value = m->counter;
    return 0;
}

static int mem_counter_increment(void *ctx)
{
    memio *m = ctx;
    if (!gate(m, MEMIO_COUNTER_INCREMENT, NULL) || m->counter >= m->counter_limit)
        return -1;
    m->counter++;
    return 0;
}

void memio_init(memio *m)
{
    memset(m, 0, sizeof *m);
    memset(m->ext.slots, 0xFF, sizeof m->ext.slots);
    m->counter_limit = SP_COUNTER_ENDURANCE;
    m->cut_in = -1;
    m->io.ctx = m;
    m->io.slot_read = mem_slot_read;
    m->io.slot_write = mem_slot_write;
    m->io.policy_read = mem_policy_read;
    m->io.policy_write = mem_policy_write;
    m->io.anchor_read = mem_anchor_read;
    m->io.anchor_write = mem_anchor_write;
    m->io.counter_read = mem_counter_read;
    m->io.counter_increment = mem_counter_increment;
}

void memio_fail_nth(memio *m, enum memio_op op, unsigned long n)
{
    m->fail_in[op] = n;
}

void memio_corrupt_nth_write(memio *m, unsigned long n)
{
    m->corrupt_write_in = n;
}

void memio_cut_after(memio *m, long k)
{
    m->cut_in = k;
    m->power_lost = 0;
}

void memio_power_on(memio *m)
{
    m->cut_in = -1;
    m->power_lost = 0;
}

void memio_snapshot(const memio *m, memio_image *img)
{
    memcpy(img, &m->ext, sizeof *img);
}

void memio_restore(memio *m, const memio_image *img)
{
    memcpy(&m->ext, img, sizeof *img);
}

void memio_erase(memio *m, int what)
{
    for (int s = 0; s < 2; s++) {
        if (what == s || what >= 2) {
            memset(m->ext.slots[s], 0xFF, SP_STATE_RECORD_BYTES);
            m->ext.slot_written[s] = 0;
        }
    }
    if (what >= 3) {
        memset(m->ext.policy, 0xFF, sizeof m->ext.policy);
        memset(m->ext.policy_len, 0, sizeof m->ext.policy_len);
        memset(m->ext.policy_written, 0, sizeof m->ext.policy_written);
    }
}

void memio_corrupt(memio *m, uint32_t slot, size_t offset, uint8_t xor_mask)
{
    if (slot <= 1 && offset < SP_STATE_RECORD_BYTES)
        m->ext.slots[slot][offset] ^= xor_mask;
}

unsigned long memio_ops(const memio *m)
{
    unsigned long n = 0;
    for (int i = 0; i < MEMIO_OP_COUNT; i++)
        n += m->count[i];
    return n;
}

unsigned long memio_cut_sweep(memio *m, const memio_sweep *sweep)
{
    memio *start = malloc(sizeof *start);
    unsigned long points = 0;
    if (start == NULL) {
        fprintf(stderr, "memio_cut_sweep: out of memory\n");
        abort();
    }
    *start = *m; /* io.ctx still points at m: we only ever restore into m */
    for (long k = 0;; k++) {
        uint64_t result;
        int completed;

        *m = *start;
        if (sweep->prepare != NULL)
            sweep->prepare(m, sweep->arg);
        memio_cut_after(m, k);
        result = sweep->run(m, sweep->arg);
        completed = !m->power_lost;
        memio_power_on(m);
        sweep->check(m, k, result, sweep->arg);
        points++;
        if (completed)
            break;
        if (k > 100000) {
            fprintf(stderr, "memio_cut_sweep: scenario never completes\n");
            abort();
        }
    }
    /* m is left as the completed run (and check's reboot) left it. */
    free(start);
    return points;
}
