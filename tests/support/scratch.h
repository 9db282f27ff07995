/*
 * scratch.h -- a scratch directory for tests that touch the file system.
 *
 * One directory at a time, made under $TMPDIR (or /tmp) with mkdtemp and removed with
 * everything in it (files and subdirectories, depth first, links not followed) by
 * scratch_remove.
 */
#ifndef DACC_TESTS_SCRATCH_H
#define DACC_TESTS_SCRATCH_H

#include <stddef.h>

extern char scratch_dir[512];

/* Make a fresh scratch directory named after tag; exits the test binary on failure. */
void scratch_make(const char *tag);
void scratch_remove(void);

/* Number of entries in the directory; their names joined by ' ' go to names if not NULL. */
int scratch_entries(char *names, size_t cap);

/* "<scratch_dir>/<name>" into out. */
void scratch_path(char *out, size_t cap, const char *name);

/* Permission bits of path (0xFFFF if it cannot be stat'ed). */
unsigned scratch_mode(const char *path);

/* 1 if path holds exactly data[0..len). */
int scratch_holds(const char *path, const void *data, size_t len);

#endif
