#!/bin/sh
# check-freestanding.sh BUILD_DIR -- the verifier's library discipline, checked by the build.
#
#   1. symbols: `nm -u` on BUILD_DIR/libspverify.a names nothing beyond memcpy, memset,
#      memmove, memcmp (no allocator, no stdio, no sanitizer or stack-protector runtime).
#   2. stack:   the verifier is rebuilt with gcc -fcallgraph-info=su -fstack-usage into
#      build-stack/ (the Makefile's verifier flags, via EXTRA_VERIFIER_FLAGS) and
#      tools/stack-depth.py checks the worst-case stack of every entry point against its
#      budget, and that there is no recursion, VLA or alloca.  gcc only: skipped with clang.
#   3. selftest: tools/stack-depth-selftest.sh proves step 2 catches what it must.
#   4. no exemption path (R5): every global symbol the verifier defines is a public sp_*
#      function or table, and none is named like a test hook, debug switch or override.
#   5. layering: src/verifier/ and the public verifier headers include only <stddef.h>,
#      <stdint.h>, <string.h> and verifier headers -- never a host header; and the softpause
#      and fund wings include nothing of each other.
#   6. no import circle: the objects of the verifier archive call each other without a cycle.
#
# Ends with "N passed, N failed"; exit status non-zero if any check failed.
# Run it through `make check-freestanding` (which builds the archive first); CC is taken from
# the environment (make exports it when given on the command line).
set -u
BUILD=${1:-build}
CC=${CC:-cc}
STACK_BUILD=${STACK_BUILD:-build-stack}
ALLOWED="memcpy memset memmove memcmp"
passed=0; failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

# ---- 1. undefined symbols ----------------------------------------------------------------
lib="$BUILD/libspverify.a"
if [ ! -f "$lib" ]; then
    fail "symbols: $lib does not exist (run make first)"
else
    # Undefined in some member minus defined in some member = needed from outside.
    undef=$(nm -u "$lib" 2>/dev/null | awk 'NF == 2 && $1 == "U" {print $2}' | sort -u)
    defined=$(nm --defined-only "$lib" 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u)
    bad=""
    for s in $undef; do
        case " $ALLOWED " in *" $s "*) continue ;; esac
        if printf '%s\n' "$defined" | grep -qx -- "$s"; then continue; fi
        bad="$bad $s"
    done
    if [ -z "$bad" ]; then
        pass "symbols: $lib needs nothing beyond {$ALLOWED}"
    else
        fail "symbols: $lib needs symbols a freestanding build must not use:"
        for s in $bad; do
            echo "       $s    (used by: $(nm -A -u "$lib" 2>/dev/null | awk -v s="$s" '$NF == s {n = split($1, a, ":"); print a[n - 1]}' | sort -u | tr '\n' ' '))"
        done
    fi
fi

# ---- 4 (cheap, so first). no exemption path ------------------------------------------------
if [ -f "$lib" ]; then
    globals=$(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u)
    odd=$(printf '%s\n' "$globals" | grep -v '^sp_' || true)
    hooks=$(printf '%s\n' "$globals" | grep -iE 'test|debug|bypass|exempt|override|backdoor|unsafe|force' || true)
    if [ -z "$odd$hooks" ]; then
        pass "exemption: $(printf '%s\n' "$globals" | wc -l) global symbols, all sp_*, no test/debug/override hooks"
    else
        fail "exemption: unexpected global symbols in $lib: $odd $hooks"
    fi
fi

# ---- 6. no import circle ------------------------------------------------------------------
# The verifier's objects call each other along a partial order: member A needing a symbol
# that member B defines is an edge A -> B, and tsort(1) finds any loop (issue 13: policy.c,
# quorum.c and witness_policy.c once called each other through shared bit helpers; those
# live in src/verifier/bits.h now).
if [ -f "$lib" ]; then
    edges=$(nm -A "$lib" 2>/dev/null | awk '
        { n = split($1, a, ":"); m = a[n - 1] }
        NF == 3 && $2 == "U" { need[m, $3] = 1; members[m] = 1 }
        NF == 3 && $2 ~ /^[TDRB]$/ { def[$3] = m; members[m] = 1 }
        END {
            for (m in members) print m, m            # every member is a node
            for (k in need) { split(k, p, SUBSEP); if ((p[2] in def) && def[p[2]] != p[1]) print p[1], def[p[2]] }
        }')
    loop=$(printf '%s\n' "$edges" | tsort 2>&1 > /dev/null | sed -n 's/^tsort: //p' | grep -v 'input contains a loop' | sort -u | tr '\n' ' ')
    if [ -z "$loop" ]; then
        pass "no import circle: the verifier's objects depend on each other without a cycle"
    else
        fail "import circle among the verifier's objects: $loop"
    fi
fi

# ---- 5. layering ------------------------------------------------------------------------
bad_inc=$(grep -Hn '^[[:space:]]*#[[:space:]]*include' src/verifier/*.c src/verifier/*.h include/softpause/*.h |
    grep -v -E '#[[:space:]]*include[[:space:]]*(<(stddef|stdint|string)\.h>|"softpause/[a-z_]+\.h"|"[a-z_]+\.h")' || true)
host_inc=$(grep -Hn 'softpause/host/' src/verifier/*.c src/verifier/*.h include/softpause/*.h || true)
if [ -z "$bad_inc$host_inc" ]; then
    pass "layering: the verifier includes only <stddef.h> <stdint.h> <string.h> and verifier headers"
else
    fail "layering: the verifier includes what it must not:"
    printf '%s\n%s\n' "$bad_inc" "$host_inc" | sed '/^$/d; s/^/       /'
fi

# The two wings stay apart: softpause code never includes fund headers, fund code never
# includes softpause headers, and the shared helpers include neither.
wings=$( (grep -Hn '#[[:space:]]*include[[:space:]]*"fund/' src/verifier/* src/host/* src/cmd/softpause/* include/softpause/*.h include/softpause/host/*.h src/common/* include/dacc/*.h 2>/dev/null;
          grep -Hn '#[[:space:]]*include[[:space:]]*"softpause/' src/fund/* src/cmd/fund/* include/fund/*.h src/common/* include/dacc/*.h 2>/dev/null) || true)
if [ -z "$wings" ]; then
    pass "wings: softpause and fund include nothing of each other; src/common includes neither"
else
    fail "wings: includes across the wings:"
    printf '%s\n' "$wings" | sed 's/^/       /'
fi

# ---- 2. worst-case stack -----------------------------------------------------------------
if ! $CC --version 2>/dev/null | grep -qi 'gcc\|Free Software'; then
    echo "skip stack: CC=$CC is not gcc; the worst-case stack check needs gcc's" \
         "-fcallgraph-info (run: make CC=gcc check-freestanding)"
elif ! (t=$(mktemp -d) && echo 'int f(void); int f(void) { return 0; }' > "$t/p.c" && \
        $CC -fcallgraph-info=su -c -o "$t/p.o" "$t/p.c" 2>/dev/null; rc=$?; rm -rf "$t"; exit $rc); then
    echo "skip stack: $CC does not support -fcallgraph-info (gcc 10 or later needed)"
else
    rm -rf "$STACK_BUILD"
    # A clean sub-make: none of the caller's command-line variables (SAN=1, BUILD=...).
    if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory CC="$CC" SAN= \
            BUILD="$STACK_BUILD" EXTRA_VERIFIER_FLAGS="-fcallgraph-info=su -fstack-usage" \
            "$STACK_BUILD/libspverify.a" > "$STACK_BUILD.log" 2>&1; then
        cat "$STACK_BUILD.log"
        fail "stack: cannot rebuild the verifier into $STACK_BUILD/"
    elif python3 tools/stack-depth.py "$STACK_BUILD/src/verifier"; then
        pass "stack: worst case within budget, no recursion, no dynamic frames"
    else
        fail "stack: see the table above"
    fi
    rm -f "$STACK_BUILD.log"

    # ---- 3. the stack checker's own self-test ---------------------------------------------
    if CC="$CC" sh tools/stack-depth-selftest.sh; then
        pass "stack selftest: tools/stack-depth.py catches chains, recursion, VLA, alloca"
    else
        fail "stack selftest"
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
