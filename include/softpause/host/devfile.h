/*
 * softpause/host/devfile.h -- a simulated device's storage, in two files.
 *
 * STATE      the external flash image (outside the trust boundary): the canonical policy
 *            bytes and the two record slots.  Copying an old STATE back over a new one is
 *            the "rolled-back storage image" attack, which the device detects.
 * STATE.chip what would live inside the chip: the write-once anchor (policy hash), the
 *            hardware monotonic counter, and the device-unique MAC key (a simulated fuse).
 *
 * Both files are written crash-safely (fileio.h) with mode 0600.  Layouts (big-endian):
 *
 *   STATE:      "SPFLASH1" | u32 policy_len | policy bytes
 *               | u8 slot0_present | 128 bytes | u8 slot1_present | 128 bytes
 *   STATE.chip: "SPCHIP01" | u8 anchor_set | 32 anchor | u64 counter | 32 device key
 */
#ifndef SOFTPAUSE_HOST_DEVFILE_H
#define SOFTPAUSE_HOST_DEVFILE_H

#include "softpause/device.h"
#include "softpause/host/sodium_crypto.h"

typedef struct sp_devfile {
    char flash_path[4096];
    char chip_path[4096 + 8];
    sp_device_io io;
    sp_sodium_device crypto;   /* libsodium + this device's MAC key */
} sp_devfile;

/* Create the two files for a new (factory-fresh) device: empty flash, blank anchor,
 * counter 0, a random device key.  Refuses to overwrite (SP_ERR_EXISTS). */
SP_MUST_CHECK sp_err sp_devfile_create(sp_devfile *df, const char *state_path);

/* Open an existing device's files (the chip file supplies the device key). */
SP_MUST_CHECK sp_err sp_devfile_open(sp_devfile *df, const char *state_path);

#endif
