#!/bin/sh
# test_demo.sh -- `softpause demo` cleans up after itself (issue 13 §1): the directory it
# creates (under $TMPDIR) is removed at the end unless --keep, a --dir it is given is never
# removed, and the "try:" inspection lines appear only when the files are kept.
. tests/support/cli_lib.sh
cli_setup "demo" demo
cli_require "$SP"

mkdir -p "$T/tmp"
TMPDIR=$T/tmp run 0 "demo, plain" $SP demo
contains "demo, plain: completes" "demo complete" "$T/out"
same "demo, plain: its directory is removed" "$(ls -A "$T/tmp")" ""
if grep -q "try" "$T/out"; then bad "demo, plain: no try: lines for files that are gone"; else ok; fi
contains "demo, plain: times are ISO 8601 UTC" "epochs from 20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:00:00Z" "$T/out"
if grep -q " UTC" "$T/out"; then bad "demo, plain: a time not in ISO 8601"; else ok; fi
if grep -qE '(^|[^0-9A-Za-z_])[0-9]{9,}([^0-9A-Za-z_]|$)' "$T/out"; then bad "demo, plain: a bare Unix time"; else ok; fi

TMPDIR=$T/tmp run 0 "demo --keep" $SP demo --keep
kept=$(ls -d "$T/tmp"/softpause-demo.* 2> /dev/null)
if [ -n "$kept" ] && [ -f "$kept/device.state" ] && [ -f "$kept/epoch-19.tlog-proof" ]; then ok; else
    bad "demo --keep: the directory and its files are kept ($kept)"; fi
contains "demo --keep: try: lines" "try (build/softpause" "$T/out"
contains "demo --keep: they name the kept directory" "device status --state $kept/device.state" "$T/out"
# The rotation week (issue 9 §5): every refusal it narrates, and the files it leaves.
for want in "REFUSED.*SP_ERR_DEV_FROZEN" "policy verify: SP_ERR_UPDATE_UNSIGNED_KEY" \
    "log: refused with HTTP 4[0-9][0-9]: SP_ERR_UPDATE_UNSIGNED_KEY" \
    "device: accepted policy update to version 2" \
    "REFUSED the update again (replay): SP_ERR_UPDATE_NOT_NEWER" \
    "log: refused with HTTP 4[0-9][0-9]: SP_ERR_QUORUM_NOT_MET" \
    "device: accepted epoch-21 (signed with the new key)" \
    "device B: accepted policy update to version 2" \
    "device B: REFUSED epoch-20 (version 1): SP_ERR_STMT_POLICY" \
    "device B: accepted epoch-21" "REFUSED epoch 40 (far future): SP_ERR_DEV_FAST_FORWARD"; do
    contains "demo rotation week: $want" "$want" "$T/out"
done
# ...and they work.
run 0 "demo --keep: its try: line runs" $SP bundle verify --policy "$kept/policy.txt" "$kept/epoch-19.tlog-proof"

run 0 "demo --keep: the update bundle verifies under version 1" $SP bundle verify \
    --policy "$kept/policy.txt" "$kept/policy-update-2.tlog-proof"
run 0 "demo --keep: device B's status" $SP device status --json --state "$kept/device-b.state"
contains "demo --keep: device B is at version 2" '"policy_version":2' "$T/out"
contains "demo --keep: device B's anchor is version 1's hash" \
    "\"anchor\":\"$($SP policy hash "$kept/policy.txt")\"" "$T/out"

mkdir -p "$T/given"
echo mine > "$T/given/note.txt"
run 0 "demo --dir" $SP demo --dir "$T/given"
if [ -f "$T/given/device.state" ] && [ "$(cat "$T/given/note.txt")" = mine ]; then ok; else
    bad "demo --dir: the directory given is kept, with what was there"; fi
contains "demo --dir: try: lines" "device status --state $T/given/device.state" "$T/out"

run 2 "demo --dir with --keep is a usage error" $SP demo --dir "$T/other" --keep
contains "demo --dir --keep: why" "a --dir is always kept" "$T/err"
if [ -e "$T/other" ]; then bad "demo --dir --keep: nothing created"; else ok; fi

cli_finish
