#!/bin/sh
# stack-depth-selftest.sh -- proves tools/stack-depth.py catches what it must.
#
# Compiles the samples in tests/stackcheck/ with gcc -fcallgraph-info=su and checks:
#   chain.c       passes; reports the chain and the call through sp_crypto; fails a tiny budget;
#                 on x86-64 its bounded frame is listed, and fails with --strict-bounded
#   recursion.c   fails with "recursion"
#   alloca_vla.c  fails with "dynamic frame" for both the VLA and the alloca
# Exit status 0 iff every assertion holds.  Needs gcc (clang has no -fcallgraph-info).
set -u
CC=${CC:-gcc}
PY=${PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ok=0; bad=0

check() {   # check DESCRIPTION COMMAND... : the command must succeed
    d=$1; shift
    if "$@"; then ok=$((ok + 1)); else bad=$((bad + 1)); echo "stack-depth selftest FAIL: $d"; fi
}

run() {     # run SAMPLE [ARGS...] : writes $WORK/SAMPLE.out, status in $WORK/SAMPLE.rc
    s=$1; shift
    mkdir -p "$WORK/$s"
    if ! $CC -Iinclude -std=c11 -O2 -g -ffreestanding -fno-stack-protector \
            -fcallgraph-info=su -fstack-usage -c "tests/stackcheck/$s.c" -o "$WORK/$s/$s.o"; then
        echo "stack-depth selftest: cannot compile tests/stackcheck/$s.c"; echo 99 > "$WORK/$s.rc"
        : > "$WORK/$s.out"; return
    fi
    $PY tools/stack-depth.py "$@" "$WORK/$s" > "$WORK/$s.out" 2>&1
    echo $? > "$WORK/$s.rc"
}
rc_is() { [ "$(cat "$WORK/$1.rc")" = "$2" ]; }
says() { grep -Eq -- "$2" "$WORK/$1.out"; }

run chain
check "chain.c passes"                     rc_is chain 0
check "chain.c path reported"              says chain "sp_sample_verify > sample_middle[.a-z0-9]* > sample_leaf"
check "chain.c crypto call reported"       says chain "crypto.sha256"
cp "$WORK/chain.out" "$WORK/chain-ok.out"
if [ "$(uname -m)" = x86_64 ]; then
    check "chain.c bounded frame listed"   says chain "Bounded dynamic frames.*sp_sample_verify"
    run chain --strict-bounded
    check "chain.c fails --strict-bounded" rc_is chain 1
fi
run chain --budget 64
check "chain.c fails a 64-byte budget"     rc_is chain 1
check "chain.c over-budget message"        says chain "exceed the budget of 64"

run recursion
check "recursion.c fails"                  rc_is recursion 1
check "recursion.c cycle reported"         says recursion "recursion: sp_sample_"

run alloca_vla
check "alloca_vla.c fails"                 rc_is alloca_vla 1
check "alloca_vla.c VLA caught"            says alloca_vla "sp_sample_vla: dynamic"
check "alloca_vla.c alloca caught"         says alloca_vla "sp_sample_alloca: dynamic"

if [ "$bad" -ne 0 ]; then
    for f in chain-ok chain recursion alloca_vla; do echo "--- $f"; cat "$WORK/$f.out"; done
fi
echo "stack-depth selftest: $ok assertions held, $bad did not"
[ "$bad" -eq 0 ]
