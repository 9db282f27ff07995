#!/bin/sh
# log_export_crash.sh -- the long version of "kill -9 after export": ROUNDS times (default
# 30), the log serves concurrent appends, two `log export` processes run against its live
# database (twice), more appends are acknowledged, the log is killed with SIGKILL; then
# every acknowledged entry must be in the database, the restarted log must be cosigned
# again for its whole tree, and every exported tile must verify against the exported
# checkpoint's root (tests/server/test_log_crash.c, test_export_beside_serve).  Not part
# of `make test` (which runs 2 rounds).  Each round verifies every exported entry, so
# rounds slow as the tree grows (20 rounds: about 2.5 minutes).  Run by hand:
#
#   make && sh tests/soak/log_export_crash.sh [ROUNDS]
#   BUILD=build-san sh tests/soak/log_export_crash.sh    the same under ASan+UBSan
set -eu
BUILD=${BUILD:-build}
make -s BUILD="$BUILD" "$BUILD/tests/server/test_log_crash"
exec "$BUILD/tests/server/test_log_crash" export "${1:-30}"
