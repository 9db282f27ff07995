/*
 * softpause/host/devfile.h -- a simulated device's storage, in two files.
 *
 * STATE      the external flash image (outside the trust boundary): the two policy slots
 *            (canonical policy bytes) and the two record slots.  Copying an old STATE back over a new one is
 *            the "rolled-back storage image" attack, which the device detects.
 * STATE.chip what would live inside the chip: the write-once anchor (policy hash), the
 *            hardware monotonic counter, and the device-unique MAC key (a simulated fuse).
 *
 * STATE.lock the lock every process holds while it uses the device (sp_devfile_lock).
 *
 * Both files are written crash-safely (fileio.h) with mode 0600.  Layouts (big-endian):
 *
 *   STATE:      "SPFLASH2" | u32 policy0_len | u32 policy1_len | policy 0 | policy 1
 *               | u8 slot0_present | 128 bytes | u8 slot1_present | 128 bytes
 *               (a policy length of 0: that policy slot is erased).  Files written before
 *               policy updates, "SPFLASH1" | u32 policy_len | policy bytes | the slots as
 *               above, load unchanged (their policy as slot 0, slot 1 erased) and are
 *               rewritten as SPFLASH2 at their first write.
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
    /* The last storage failure met by open or a callback, for messages (a caller clears
     * fail_path before an operation): the file, the OS error of the failed call (errno; 0
     * when the file was read but its contents are malformed), and what went wrong. */
    const char *fail_path;
    int fail_errno;
    char fail_what[192];
} sp_devfile;

/*
 * The device's lock: an exclusive POSIX record lock on STATE.lock, a file that is created
 * (mode 0600, empty) when missing and never renamed or rewritten -- STATE and STATE.chip
 * are replaced by rename on every write, so a lock on them would exclude nothing.  Every
 * command that reads or writes a device's files takes it before its first read and keeps
 * it until its last write (a host agent that runs the device keeps it for its life), so
 * no two processes ever interleave a read-modify-write of the state and chip files.
 *
 * Never waits: another holder is SP_ERR_DEV_BUSY at once, with its pid in *holder (0 when
 * the system cannot say).  provisioning: the device need not exist yet (device init);
 * otherwise a missing STATE is SP_ERR_IO (ENOENT), a directory SP_ERR_IO (EISDIR), and no lock
 * file is created for either.
 * A lock file that cannot be created or opened is SP_ERR_IO (sp_file_last_error; lk->path
 * names it).  Record locks belong to the process, and closing any descriptor of the file
 * drops them: take it once per process, and release it only with sp_devfile_unlock.
 */
typedef struct sp_devlock {
    int fd;                    /* -1 while not held */
    int created;               /* this lock created the lock file */
    char path[4096 + 8];       /* STATE.lock */
} sp_devlock;

SP_MUST_CHECK sp_err sp_devfile_lock(sp_devlock *lk, const char *state_path, int provisioning,
                                     long *holder);

/* Release the lock.  discard (a failed provisioning): first remove the lock file if this
 * lock created it, so that the failure leaves nothing behind. */
void sp_devfile_unlock(sp_devlock *lk, int discard);

/* Create the two files for a new (factory-fresh) device: empty flash, blank anchor,
 * counter 0, a random device key.  Refuses to overwrite (SP_ERR_EXISTS). */
SP_MUST_CHECK sp_err sp_devfile_create(sp_devfile *df, const char *state_path);

/*
 * Provision a device at state_path (device init; hold its lock): check the policy as the
 * device will (sp_policy_parse; *err_line names the line) before anything is created, then
 * sp_devfile_create and sp_device_init on staged files (STATE.provisioning and
 * STATE.provisioning.chip), published whole at the end, STATE.chip last.  A failure after
 * the files were created removes them, so a refused or failed provisioning can always be
 * retried; a process killed meanwhile leaves staged files or a flash image without its
 * chip file, which the next provisioning replaces.  SP_ERR_EXISTS if STATE.chip exists or
 * STATE exists and is not a flash image.  Leaves *dev loaded.
 */
SP_MUST_CHECK sp_err sp_devfile_provision(sp_devfile *df, const char *state_path,
                                          sp_device *dev, const uint8_t *policy,
                                          size_t policy_len, uint32_t *err_line);

/* Open an existing device's files (the chip file supplies the device key).  A missing or
 * unreadable file is SP_ERR_IO, a malformed chip file SP_ERR_FILE_FORMAT (fail_* say which
 * file and what is wrong). */
SP_MUST_CHECK sp_err sp_devfile_open(sp_devfile *df, const char *state_path);

#endif
