/*
 * state_v1.h -- device state records in format version 1 (the layout before publication
 * added the attested time), built by hand for tests: the codec no longer writes them, but
 * devices in the field hold them, and the decoder must keep reading them (device.h).
 *
 *   0 "SPST" | 4 version 1 (u16) | 6 length 128 (u16) | 8 stamp | 16 policy hash (32) |
 *   48 policy version | 56 highest epoch | 64 allowance | 72 mode (u32) |
 *   76 permille (u32) | 80 last decision (u32) | 84 last reason (u32) |
 *   88 flags (u32, bit 0 = has epoch) | 92 reserved (u32, 0) | 96 HMAC-SHA-256(key, 0..95)
 *
 * All integers big-endian.  st->attested_time has no place in it and is ignored.
 */
#ifndef DACC_TESTS_STATE_V1_H
#define DACC_TESTS_STATE_V1_H

#include <stdint.h>

#include "softpause/device.h"

/* Encode st as a version 1 record, MAC'd with libsodium under the 32-byte device key. */
void sv1_record(uint8_t rec[SP_STATE_RECORD_BYTES], const sp_device_state *st,
                const uint8_t key[32]);

#endif
