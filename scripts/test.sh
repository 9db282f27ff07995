#!/bin/sh
# test.sh -- install what is needed (scripts/setup.sh), then build and run the whole suite.
# Ends with make test's "N passed, N failed".  Extra arguments go to make, e.g.
#   ./scripts/test.sh CC=clang BUILD=build-clang
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
exec make test "$@"
