#!/bin/sh
# run-tests.sh -- the whole suite, as `make test` runs it.  Ends with "N passed, N failed".
#
#   unit tests      every $BUILD/tests/*/test_* binary (C harness, tests/harness.h)
#   cli tests       every tests/cli/*.sh, against $BUILD/softpause
#   fuzz corpora    every committed fuzz/corpus/<target>/ file replayed through its target
#   interop         tests/interop/run.sh (Go's sumdb/note; skipped with a notice without go)
#   error coverage  every code in the error list produced by some test
#   docs            docs/errors.md matches the error list
set -u
BUILD=${BUILD:-build}
ROOT=$(pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export SP_CODES_FILE="$WORK/codes" SP_TALLY_FILE="$WORK/tally"
export SOFTPAUSE="$ROOT/$BUILD/softpause"
# No test may write signing records into the home directory: each CLI suite sets its own
# (tests/support/cli_lib.sh); anything else that signs lands here.
export SOFTPAUSE_STATE_DIR="$WORK/signing-state"
: > "$SP_CODES_FILE"; : > "$SP_TALLY_FILE"

suite_fail() { echo "0 1" >> "$SP_TALLY_FILE"; echo "FAIL $1"; }
suite_pass() { echo "1 0" >> "$SP_TALLY_FILE"; }

for t in $(find "$BUILD/tests" -type f -name 'test_*' | sort); do
    (cd "$WORK" && "$ROOT/$t") || true
done

for s in $(ls tests/cli/*.sh 2>/dev/null | sort); do
    if TMPDIR="$WORK" sh "$s"; then :; else echo "FAIL $s (exit $?)"; fi
done

for r in $(find "$BUILD/fuzz" -type f -name 'replay_*' 2>/dev/null | sort); do
    name=$(basename "$r" | sed 's/^replay_fuzz_//')
    dir="fuzz/corpus/$name"
    if [ ! -d "$dir" ]; then suite_fail "fuzz corpus $dir missing"; continue; fi
    if "$r" "$dir"/* > "$WORK/replay.log" 2>&1; then
        suite_pass; echo "fuzz corpus $name: $(ls "$dir" | wc -l) inputs replayed"
    else
        suite_fail "fuzz corpus $name"; cat "$WORK/replay.log"
    fi
done

if [ -x tests/interop/run.sh ] || [ -f tests/interop/run.sh ]; then
    sh tests/interop/run.sh
fi

# Every error code in the list must have been produced by some test.
missing=0
for code in $(sed -n 's/^ *X(\(SP_ERR_[A-Z0-9_]*\),.*/\1/p' include/softpause/errors.h); do
    if ! grep -qx "$code" "$SP_CODES_FILE"; then
        echo "error coverage: $code is produced by no test"; missing=$((missing + 1))
    fi
done
if [ "$missing" -eq 0 ]; then suite_pass; echo "error coverage: every code produced"; else suite_fail "error coverage ($missing codes)"; fi

if "$BUILD/tools/gen_errors_doc" | cmp -s - docs/errors.md; then suite_pass; else
    suite_fail "docs/errors.md is stale: run make docs"; fi

# docs/test-matrix.md: a row for every code, and every `file.c:function` it names exists
# (rows were lost, and tests named that were never there, when branches were merged).
bad_rows=0
for code in $(sed -n 's/^ *X(\(SP_ERR_[A-Z0-9_]*\),.*/\1/p' include/softpause/errors.h); do
    if ! grep -q "^| [0-9]* | \`$code\` |" docs/test-matrix.md; then
        echo "test-matrix: no row for $code"; bad_rows=$((bad_rows + 1))
    fi
done
for ref in $(grep -o '`[a-z_/]*\.c:[a-z0-9_]*`' docs/test-matrix.md | tr -d '`' | sort -u); do
    f=tests/${ref%%:*}; [ -f "$f" ] || f=$(ls tests/*/"${ref%%:*}" 2>/dev/null | head -n 1)
    if ! grep -qE "^[a-z].*[ *]${ref#*:}\(" "${f:-/dev/null}"; then
        echo "test-matrix: names $ref, which does not exist"; bad_rows=$((bad_rows + 1))
    fi
done
if [ "$bad_rows" -eq 0 ]; then suite_pass; echo "test-matrix: every code has a row, every named test exists"; else
    suite_fail "docs/test-matrix.md ($bad_rows)"; fi

awk '{p += $1; f += $2} END {printf "%d passed, %d failed\n", p, f; exit (f > 0)}' "$SP_TALLY_FILE"
