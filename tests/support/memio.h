/*
 * memio.h -- an in-memory sp_device_io for tests, with fault injection.
 *
 * Models the storage of softpause/device.h:
 *   - two record slots and two policy slots: EXTERNAL flash (an attacker can image,
 *     restore, erase or corrupt it);
 *   - the write-once anchor and the monotonic counter: INSIDE the trust boundary
 *     (snapshots of the external image never touch them).
 *
 * Faults:
 *   - memio_fail_nth(m, op, n): the n-th call of `op` from now fails (no effect, -1);
 *   - memio_corrupt_nth_write(m, n): the n-th slot write stores a bit-flipped record but
 *     reports success (what read-back verification exists to catch);
 *   - power cut: memio_cut_after(m, k): the first k storage operations from now run, then
 *     power is lost: every later operation has no effect and fails until
 *     memio_power_on().  With m->tear_bytes > 0, a slot write hit by the cut stores
 *     only its first tear_bytes bytes (a torn page) before power goes, and so does a
 *     policy write (its first tear_bytes bytes, the rest erased);
 *   - counter endurance: m->counter_limit (increments past it fail);
 *   - erased slots read as 0xFF (or fail, with m->erased_read_fails).
 */
#ifndef DACC_TESTS_MEMIO_H
#define DACC_TESTS_MEMIO_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/device.h"

enum memio_op {
    MEMIO_SLOT_READ,
    MEMIO_SLOT_WRITE,
    MEMIO_POLICY_READ,
    MEMIO_POLICY_WRITE,
    MEMIO_ANCHOR_READ,
    MEMIO_ANCHOR_WRITE,
    MEMIO_COUNTER_READ,
    MEMIO_COUNTER_INCREMENT,
    MEMIO_OP_COUNT
};

/* The external image: what an attacker with a flash programmer can copy and restore. */
typedef struct memio_image {
    uint8_t slots[2][SP_STATE_RECORD_BYTES];
    int slot_written[2];
    uint8_t policy[2][SP_MAX_POLICY_BYTES]; /* the two policy slots */
    size_t policy_len[2];
    int policy_written[2];
} memio_image;

typedef struct memio {
    /* external flash */
    memio_image ext;
    /* inside the trust boundary */
    uint8_t anchor[SP_SHA256_BYTES];
    int anchor_set;
    uint64_t counter;
    uint64_t counter_limit; /* increments past this fail; default SP_COUNTER_ENDURANCE */

    /* behaviour */
    int erased_read_fails; /* erased slot: read fails instead of returning 0xFF */

    /* statistics: calls that took effect (or were attempted while powered) per op */
    unsigned long count[MEMIO_OP_COUNT];

    /* faults */
    unsigned long fail_in[MEMIO_OP_COUNT]; /* countdown; 0 = armed off */
    unsigned long corrupt_write_in;        /* countdown; 0 = off */
    long cut_in;                           /* ops left before power loss; < 0 = off */
    int power_lost;
    size_t tear_bytes; /* torn-write prefix when a cut hits a write */

    sp_device_io io;
} memio;

/* A blank device: erased flash, blank anchor, counter 0. */
void memio_init(memio *m);

/* Faults (see above). */
void memio_fail_nth(memio *m, enum memio_op op, unsigned long n);
void memio_corrupt_nth_write(memio *m, unsigned long n);
void memio_cut_after(memio *m, long k);
void memio_power_on(memio *m); /* restore power, disarm the cut */

/* External image: snapshot/restore slots + policy bytes, NOT the anchor or counter. */
void memio_snapshot(const memio *m, memio_image *img);
void memio_restore(memio *m, const memio_image *img);

/* Erase one slot (0/1), both slots (2), or slots and both policy slots (3). */
void memio_erase(memio *m, int what);
/* XOR one byte of a slot. */
void memio_corrupt(memio *m, uint32_t slot, size_t offset, uint8_t xor_mask);

/* Total storage operations so far (all ops). */
unsigned long memio_ops(const memio *m);

/*
 * Power-cut sweep.  For k = 0, 1, 2, ...: put the whole device (including counter and
 * anchor) back as it was when the sweep began; call prepare() (e.g. boot the device
 * context); arm memio_cut_after(k); call run() (the scenario, which fails once power is
 * gone); restore power; call check() (which reboots with sp_device_load and asserts).
 * Stops after the first k at which run() completed without hitting the cut, leaving the
 * device as that completed run (and check's reboot) left it.  Returns the number of cut
 * points exercised (>= 1).  memio itself never calls the device API, so that it links
 * into tests that do not use it.
 */
typedef struct memio_sweep {
    void (*prepare)(memio *m, void *arg);
    uint64_t (*run)(memio *m, void *arg);
    void (*check)(memio *m, long cut, uint64_t result, void *arg);
    void *arg;
} memio_sweep;
unsigned long memio_cut_sweep(memio *m, const memio_sweep *sweep);

#endif
