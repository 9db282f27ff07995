#!/bin/sh
# run.sh -- differential test of our signed-note verifier against Go's reference
# implementation, golang.org/x/mod/sumdb/note (Debian: golang-go, golang-golang-x-mod-dev).
# Invoked from the repository root by tools/run-tests.sh; BUILD names the build directory.
#
#   1. Go's outcome for every row of tests/vectors/note/open.txt is what the manifest says.
#   2. Keys made by Go's note.GenerateKey parse in C (verifier and signer keys), keys made
#      by C parse in Go; notes signed by C verify in Go and notes signed by Go verify in C.
#   3. Thousands of deterministic mutations (seeded; the seed is printed; override with
#      SP_INTEROP_SEED and SP_INTEROP_CASES) of multi-signer notes are opened by both with
#      the same keys; they must agree on accept/reject and on the set of verified signers.
#      The only tolerated disagreements are the classified, deliberate divergences in
#      tests/interop/gonote/main.go (classify), where C refuses what Go accepts.
#
# Appends "passed failed" to $SP_TALLY_FILE.  Without `go`, prints SKIP and counts nothing.
set -u
BUILD=${BUILD:-build}
TALLY=${SP_TALLY_FILE:-/dev/null}
SEED=${SP_INTEROP_SEED:-20250105}
CASES=${SP_INTEROP_CASES:-6000}

if ! command -v go >/dev/null 2>&1; then
    echo "SKIP interop: go not installed (tests/interop/run.sh needs golang-go and golang-golang-x-mod-dev)"
    exit 0
fi
if [ ! -f /usr/share/gocode/src/golang.org/x/mod/sumdb/note/note.go ]; then
    echo "SKIP interop: golang.org/x/mod/sumdb/note not found under /usr/share/gocode"
    exit 0
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
passed=0
failed=0
step() { # step NAME COMMAND...
    name=$1; shift
    if "$@" > "$W/step.log" 2>&1; then
        passed=$((passed + 1)); sed 's/^/  /' "$W/step.log"
    else
        failed=$((failed + 1)); echo "FAIL interop: $name"; sed 's/^/  /' "$W/step.log"
    fi
}
finish() {
    echo "$passed $failed" >> "$TALLY"
    echo "interop: $passed passed, $failed failed"
    exit 0
}

# Build both drivers.  Offline, GOPATH mode (Debian ships x/mod as GOPATH source).
export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$W/gocache" GOFLAGS= GOTOOLCHAIN=local
if ! go build -o "$W/gonote" ./tests/interop/gonote > "$W/build.log" 2>&1; then
    cat "$W/build.log"; failed=$((failed + 1)); echo "FAIL interop: go build"; finish
fi
CFLAGS="-std=c11 -Wall -Wextra -Werror -O2 -Iinclude -D_POSIX_C_SOURCE=200809L"
if ! cc $CFLAGS -o "$W/cnote" tests/interop/cnote.c "$BUILD/libsoftpause.a" -lsodium > "$W/build.log" 2>&1 &&
   ! cc $CFLAGS -fsanitize=address,undefined -o "$W/cnote" tests/interop/cnote.c \
        "$BUILD/libsoftpause.a" -lsodium > "$W/build.log" 2>&1; then
    cat "$W/build.log"; failed=$((failed + 1)); echo "FAIL interop: cc cnote"; finish
fi

step "Go outcome of the vector manifest" "$W/gonote" vectors tests/vectors/note
step "Go keygen" "$W/gonote" keygen "$W"
step "C keygen" "$W/cnote" keygen "$W"
step "C parses Go keys and signs" "$W/cnote" check "$W"
step "Go parses C keys, verifies C, signs" "$W/gonote" check "$W"
step "C verifies Go's signatures" "$W/cnote" open "$W"

echo "interop: mutation differential, seed $SEED, $CASES cases (SP_INTEROP_SEED=$SEED to reproduce)"
step "generate cases" "$W/gonote" gen "$W" "$SEED" "$CASES"
if "$W/cnote" cases "$W" > "$W/c.results" 2> "$W/c.err"; then
    step "Go and C agree on every case" "$W/gonote" compare "$W" "$SEED"
else
    failed=$((failed + 1)); echo "FAIL interop: cnote cases"; cat "$W/c.err"
fi
finish
