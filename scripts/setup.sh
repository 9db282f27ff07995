#!/bin/sh
# setup.sh -- install the Debian 12 packages softpause needs to build and test.
#
# Idempotent: does nothing when every package is already installed.  Otherwise runs
# apt-get update and apt-get install (as root, or through sudo).  On a system without
# dpkg it only prints the list: install the equivalents yourself.
#
#   gcc, make, binutils        build-essential (gcc ASan/UBSan runtimes come with gcc)
#   clang + libFuzzer          clang, libclang-rt-14-dev (compiler-rt: fuzzer, sanitizers)
#   llvm-symbolizer            llvm (file:line in sanitizer reports)
#   crypto                     libsodium-dev, pkg-config
#   log and witness servers    libsqlite3-dev, libmicrohttpd-dev, libcurl4-openssl-dev
#   tile-serving benchmark     nginx-light (bench/tiles compares against it)
#   HTTP tests                 curl (raw requests to the servers)
#   checks and interop tests   python3 (stack check), golang-go + golang-golang-x-mod-dev
#                              (Go's sumdb/note, offline), git, ca-certificates
#   manual pages               go-md2man (make man; the pages are tested with man-db's man)
set -eu
PACKAGES="build-essential make clang libclang-rt-14-dev llvm libsodium-dev pkg-config
libsqlite3-dev libmicrohttpd-dev libcurl4-openssl-dev nginx-light curl
python3 golang-go golang-golang-x-mod-dev git ca-certificates go-md2man man-db"

if ! command -v dpkg-query > /dev/null 2>&1; then
    echo "setup: not a Debian system; make sure these (or equivalents) are installed:"
    echo "$PACKAGES" | tr '\n' ' '; echo
    exit 0
fi

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    echo "setup: all packages present"
    exit 0
fi

echo "setup: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo > /dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: not root and no sudo; run as root: apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $missing
