#!/bin/sh
# log_crash.sh -- the long crash test of the transparency log: kill -9 the log server at
# random moments during concurrent appends and reads, KILLS times (default 150), checking
# after every kill that no acknowledged entry was lost and that every checkpoint served or
# stored is consistent with every other (tests/server/test_log_crash.c).  Not part of
# `make test` (which runs 10 kills); run by hand:
#
#   make && sh tests/soak/log_crash.sh [KILLS]        SP_SEED=N to repeat a run
#   BUILD=build-san sh tests/soak/log_crash.sh         the same under ASan+UBSan
set -eu
BUILD=${BUILD:-build}
make -s BUILD="$BUILD" "$BUILD/tests/server/test_log_crash"
exec "$BUILD/tests/server/test_log_crash" "${1:-150}"
