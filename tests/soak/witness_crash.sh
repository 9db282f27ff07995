#!/bin/sh
# witness_crash.sh -- the witness crash soak: SIGKILL a witness at random moments while it
# cosigns a growing tree, ROUNDS times (default 200), then check the stored head never went
# backwards and every cosignature ever returned is valid and consistent with the final head
# (tests/server/test_witness.c, run_crash_rounds).  Not part of `make test` (which runs 10).
#
# Run:  make build/tests/server/test_witness && sh tests/soak/witness_crash.sh [ROUNDS]
set -eu
BUILD=${BUILD:-build}
exec "$BUILD/tests/server/test_witness" crash "${1:-200}"
