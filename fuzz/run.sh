#!/bin/sh
# run.sh [--expect-crash] X... -- fuzz $BUILD/fuzz_X for $SECONDS each (fuzz/Makefile's run).
#
# Each target starts from a COPY of fuzz/corpus/X in $BUILD/run/X (new inputs go there, never
# into the committed corpus).  With MERGE=1, inputs that add coverage are then merged into
# fuzz/corpus/X with -merge=1 (nothing already committed is removed: every committed input
# stays a regression test).  Crash reproducers land in $BUILD/artifacts/.
#
# --expect-crash: the harness self-test; a target passes iff libFuzzer reports a crash.
# Ends with "N passed, N failed"; exit status non-zero if any target failed.
set -u
BUILD=${BUILD:-build-fuzz}
SECONDS_EACH=${SECONDS:-60}
MERGE=${MERGE:-}
expect_crash=0
if [ "${1:-}" = "--expect-crash" ]; then expect_crash=1; shift; fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0; failed=0
mkdir -p "$BUILD/artifacts"

if [ $# -eq 0 ]; then echo "fuzz: no targets (fuzz/targets/fuzz_*.c)"; fi
for x in "$@"; do
    bin="$BUILD/fuzz_$x"
    if [ ! -x "$bin" ]; then echo "FAIL fuzz $x: $bin not built"; failed=$((failed + 1)); continue; fi
    work="$BUILD/run/$x"
    rm -rf "$work"; mkdir -p "$work"; rm -f "$BUILD/artifacts/$x-"*
    if [ -d "fuzz/corpus/$x" ]; then cp -R "fuzz/corpus/$x/." "$work/"
    elif [ "$expect_crash" -eq 0 ]; then echo "fuzz $x: note: no committed corpus fuzz/corpus/$x (make test will fail)"; fi
    dict=""
    if [ -f "fuzz/targets/fuzz_$x.dict" ]; then dict="-dict=fuzz/targets/fuzz_$x.dict"; fi
    log="$BUILD/run/$x.log"
    echo "fuzz $x: ${SECONDS_EACH}s from $(ls "$work" | wc -l) corpus inputs (log: $log)"
    "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$BUILD/artifacts/$x-" $dict "$work" > "$log" 2>&1
    rc=$?
    if [ "$expect_crash" -eq 1 ]; then
        if [ "$rc" -ne 0 ] && grep -q "ERROR: AddressSanitizer\|ERROR: libFuzzer" "$log" \
                && ls "$BUILD/artifacts/$x-"crash-* > /dev/null 2>&1; then
            echo "fuzz $x: crashed as it must ($(grep -m1 'ERROR:' "$log" | cut -c1-100))"
            passed=$((passed + 1))
        else
            echo "FAIL fuzz $x: the harness did not find the planted crash (rc $rc)"
            tail -20 "$log"; failed=$((failed + 1))
        fi
        continue
    fi
    if [ "$rc" -eq 0 ]; then
        echo "fuzz $x: ok, $(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}') runs," \
             "$(ls "$work" | wc -l) corpus inputs"
        passed=$((passed + 1))
        if [ "$MERGE" = "1" ]; then
            mkdir -p "fuzz/corpus/$x"
            before=$(ls "fuzz/corpus/$x" | wc -l)
            if "$bin" -merge=1 "fuzz/corpus/$x" "$work" > "$log.merge" 2>&1; then
                echo "fuzz $x: merged into fuzz/corpus/$x ($before -> $(ls "fuzz/corpus/$x" | wc -l) inputs)"
            else
                echo "FAIL fuzz $x: merge failed"; tail -20 "$log.merge"; failed=$((failed + 1))
            fi
        fi
    else
        echo "FAIL fuzz $x: exit $rc; reproducer(s): $(ls "$BUILD/artifacts/$x-"* 2>/dev/null | tr '\n' ' ')"
        grep -m1 'runtime error:\|ERROR:' "$log"; grep -m1 '^SUMMARY:' "$log"
        echo "--- first lines of the report (whole log: $log)"
        grep -A 25 -m1 'runtime error:\|ERROR:' "$log" | head -26
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
