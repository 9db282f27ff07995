/*
 * vectors.h -- find committed test-vector files (tests/vectors/...) from a test binary.
 *
 * tools/run-tests.sh runs each test from a scratch directory, so a path relative to the
 * repository root is tried first as given, then under $SP_SOURCE_ROOT, then under the
 * root inferred from the binary's own location ($ROOT/<build>/tests/<dir>/test_x).
 */
#ifndef DACC_TESTS_VECTORS_H
#define DACC_TESTS_VECTORS_H

#include <stddef.h>
#include <stdio.h>

/* Find a file or directory by its path relative to the repository root (as vec_open
 * searches); writes the path that exists into out and returns 1, or returns 0. */
int vec_path(char *out, size_t cap, const char *relpath);

/* Open a vector file by its path relative to the repository root; NULL if not found. */
FILE *vec_open(const char *relpath);

/* Read a whole vector file into buf; returns its length, or (size_t)-1 if it cannot be
 * opened or does not fit. */
size_t vec_read(const char *relpath, void *buf, size_t cap);

#endif
