#!/bin/sh
# test_epoch.sh -- `softpause epoch` (issue 13 §1, "Time in human form"), run by
# tools/run-tests.sh against $SOFTPAUSE: the current epoch, epoch N and the epoch at --at
# (Unix seconds or ISO 8601 UTC, parsed strictly), their windows as protocol.md's freeze and
# fast-forward rules define them (tests/verifier/test_device.c checks the same window
# against sp_device_apply), every numeric bound, --json, stdout on /dev/full, and options
# that are not the command's.
set -u
. tests/support/cli_lib.sh
cli_setup "epoch" sp-epoch
cli_require "$SP"
cli_need skipped python3
# jcheck NAME EXPR: stdout is exactly one JSON object d (one line) and the Python EXPR holds.
jcheck() {
    if python3 - "$2" "$T/out" <<'PY' 2> /dev/null; then ok; else bad "$1: '$2' on $(head -c 300 "$T/out")"; fi
import json, sys
text = open(sys.argv[2], encoding="utf-8").read()
d = json.loads(text)
sys.exit(0 if isinstance(d, dict) and text.count("\n") == 1 and eval(sys.argv[1]) else 1)
PY
}

test_keys civ-a mil-a
witness_policy "$K/log.test.example%2Flog.pub" "$K" > "$T/witnesses"
# policy_at GENESIS FILE: a weekly policy with a day of staleness
policy_at() {
    $SP policy init --deployment epoch.test --genesis "$1" --epoch-length 604800 \
        --allowance 10 --max-staleness 86400 --witness-policy "$T/witnesses" \
        --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule "2 of all" \
        --out "$2" > /dev/null
}
G=1700000000 L=604800 S=86400
policy_at $G "$T/p"
P=$T/p
policy_at 4102444800 "$T/future" # 2100-01-01: not started yet

# ---- epoch N ---------------------------------------------------------------------------------
run 0 "epoch 0" $SP epoch --policy $P 0
contains "epoch 0 named" "^epoch 0 of epoch.test$" "$T/out"
contains "start in ISO 8601 with Unix seconds" "starts  *2023-11-14T22:13:20Z  (1700000000)$" "$T/out"
contains "end" "ends  *2023-11-21T22:13:20Z  (1700604800)$" "$T/out"
contains "freeze bound: start + L + S" "stale (freeze) after  *2023-11-22T22:13:20Z  (1700691200)$" "$T/out"
contains "epoch 0 is never too far ahead" "ahead (fast-forward) before  *never (epoch 0)$" "$T/out"
run 0 "epoch 0 --json" $SP epoch --policy $P --json 0
jcheck "epoch 0 window" "d['epoch'] == 0 and d['start'] == $G and d['end'] == $G + $L and d['stale_after'] == $G + $L + $S and d['ahead_before'] == 0 and d['at'] is None and d['started'] is None"
run 0 "epoch 15 --json" $SP epoch --policy $P --json 15
jcheck "epoch 15 window" "d['start'] == $G + 15 * $L and d['end'] == d['start'] + $L and d['stale_after'] == d['end'] + $S and d['ahead_before'] == $G + 14 * $L"
LAST=$(python3 -c "print((2**53 - $G) // $L)")
run 0 "the last epoch" $SP epoch --policy $P --json "$LAST"
jcheck "last epoch: start <= 2^53 < its successor's" "d['epoch'] == d['last_epoch'] == $LAST and d['start'] <= 2**53 < d['start'] + $L"
run 0 "the last epoch in text" $SP epoch --policy $P "$LAST"
for n in $((LAST + 1)) 9007199254740992 9007199254740993 9223372036854775808 \
    18446744073709551616 +1 1.5 0x10 " 1" "1 " abc "" 01; do
    run 2 "epoch '$n' refused" $SP epoch --policy $P "$n"
    contains "epoch '$n': the range named" "expected a decimal number 0..$LAST" "$T/err"
done
run 2 "a negative epoch refused" $SP epoch --policy $P -1
contains "a negative epoch named" "'-1'" "$T/err"
run 2 "two epochs" $SP epoch --policy $P 1 2

# ---- --at: Unix seconds and ISO 8601 UTC, the same epoch ------------------------------------
run 0 "--at ISO" $SP epoch --policy $P --json --at 2024-02-29T12:00:00Z
cp "$T/out" "$T/iso.json"
jcheck "--at ISO on a leap day" "d['at'] == 1709208000 and d['started'] is True and d['epoch'] == (1709208000 - $G) // $L"
run 0 "--at Unix" $SP epoch --policy $P --json --at 1709208000
if cmp -s "$T/out" "$T/iso.json"; then ok; else bad "--at Unix and ISO give the same answer"; fi
run 0 "--at=ISO" $SP epoch --policy $P --at=2024-02-29T12:00:00Z --json
if cmp -s "$T/out" "$T/iso.json"; then ok; else bad "--at=VALUE is --at VALUE"; fi
run 0 "--at text" $SP epoch --policy $P --at 2024-02-29T12:00:00Z
contains "the time shown in ISO 8601" "contains 2024-02-29T12:00:00Z  (1709208000)$" "$T/out"
# the boundaries of an epoch: its first second is in it, its end is the next one's
S15=$((G + 15 * L))
run 0 "--at an epoch's start" $SP epoch --policy $P --json --at $S15
jcheck "first second" "d['epoch'] == 15"
run 0 "--at an epoch's last second" $SP epoch --policy $P --json --at $((S15 - 1))
jcheck "last second" "d['epoch'] == 14"
for t in 2000-02-29T00:00:00Z 2024-02-29T23:59:59Z 1970-01-01T00:00:00Z 9999-12-31T23:59:59Z \
    2023-11-14T22:13:20Z; do
    unix=$(python3 -c "import calendar,time; print(calendar.timegm(time.strptime('$t','%Y-%m-%dT%H:%M:%SZ')))")
    run 0 "--at $t" $SP epoch --policy $P --json --at $t
    jcheck "--at $t is $unix" "d['at'] == $unix"
done
run 0 "--at 2^53" $SP epoch --policy $P --json --at 9007199254740992
jcheck "--at 2^53 is in the last epoch" "d['epoch'] == $LAST"
for t in 9007199254740993 9223372036854775808 -1 +5 1.5 "" abc 2024-02-30T00:00:00Z \
    2023-02-29T00:00:00Z 1900-02-29T00:00:00Z 2100-02-29T00:00:00Z 1969-12-31T23:59:59Z \
    2024-13-01T00:00:00Z 2024-00-10T00:00:00Z 2024-01-32T00:00:00Z 2024-04-31T00:00:00Z \
    2024-01-00T00:00:00Z 2024-01-01T24:00:00Z 2024-01-01T00:60:00Z 2024-01-01T00:00:60Z \
    2024-01-01T00:00:00 2024-01-01t00:00:00z "2024-01-01 00:00:00Z" 2024-1-01T00:00:00Z \
    2024-01-01T00:00:00+00:00 2024-01-01T00:00:00.5Z 2024-01-01 " 2024-01-01T00:00:00Z" \
    2024-01-01T00:00:00Zx 12024-01-01T00:00:00Z; do
    run 2 "--at '$t' refused" $SP epoch --policy $P --at "$t"
    contains "--at '$t': what was expected" "expected Unix seconds 0..9007199254740992 or an ISO 8601 UTC time YYYY-MM-DDTHH:MM:SSZ" "$T/err"
done
run 2 "--at and EPOCH" $SP epoch --policy $P --at 1709208000 3
run 2 "--at and now" $SP epoch --policy $P now --at 1709208000
run 2 "--at given twice" $SP epoch --policy $P --at 1 --at 2

# ---- now, and before genesis -----------------------------------------------------------------
before=$(date +%s)
run 0 "now --json" $SP epoch --policy $P --json now
after=$(date +%s)
jcheck "now is the current epoch" "$before <= d['at'] <= $after and d['epoch'] == (d['at'] - $G) // $L and d['start'] <= d['at'] < d['end']"
run 0 "now is the default" $SP epoch --policy $P --json
jcheck "default" "$before <= d['at'] and d['started'] is True"
run 0 "now in text" $SP epoch --policy $P now
contains "now in text" "^epoch [0-9]* of epoch.test contains 20[0-9-]*T[0-9:]*Z  ([0-9]*)$" "$T/out"
run 0 "now before genesis" $SP epoch --policy "$T/future" now
contains "not started" "^epoch.test has not started at .*: genesis is 2100-01-01T00:00:00Z; epoch 0 is shown$" "$T/out"
contains "epoch 0's window" "starts  *2100-01-01T00:00:00Z  (4102444800)$" "$T/out"
run 0 "now before genesis --json" $SP epoch --policy "$T/future" --json
jcheck "not started, epoch 0" "d['started'] is False and d['epoch'] == 0 and d['start'] == 4102444800"
run 0 "--at before genesis" $SP epoch --policy $P --json --at 0
jcheck "--at 0" "d['started'] is False and d['epoch'] == 0 and d['at'] == 0"

# ---- failures, --json, output -----------------------------------------------------------------
run 2 "no --policy" $SP epoch 0
contains "--policy named" "--policy FILE is required" "$T/err"
run 3 "a missing policy" $SP epoch --policy "$T/missing" 0
contains "the file named" "missing" "$T/err"
run 3 "a directory as the policy" $SP epoch --policy "$K" 0
contains "EISDIR named" "keys.*SP_ERR_IO: .*(Is a directory)" "$T/err"
run 1 "a policy that does not parse" $SP epoch --policy "$T/witnesses" 0
run 2 "--json usage error" $SP epoch --policy $P --json 9007199254740993
jcheck "--json failure is JSON" "d['error'] == 'SP_ERR_USAGE' and '9007199254740993' in d['message']"
run 3 "--json missing file" $SP epoch --policy "$T/missing" --json 0
jcheck "--json I/O failure is JSON" "d['error'] == 'SP_ERR_IO' and 'No such file' in d['message']"
for args in "0" "--json 0" "now" "--at 2024-02-29T12:00:00Z"; do
    $SP epoch --policy $P $args > /dev/full 2> "$T/err" < /dev/null; got=$?
    record_codes "$T/err"
    if [ $got = 3 ] && grep -q "<stdout>: SP_ERR_IO: .*(No space left on device)" "$T/err"; then ok
    else bad "epoch $args on /dev/full: exit $got"; fi
done
# options that are not the command's (its siblings' among them) are refused, not ignored
for opt in --bogus --state=x --key=x --epoch=1 --mode=run --out=x --log=x --dir=x --text -x; do
    run 2 "epoch $opt refused" $SP epoch --policy $P "$opt" 0
    contains "epoch $opt: named" "epoch takes no option" "$T/err"
done
run 0 "epoch --help" $SP epoch --help
contains "--help lists the options" "^options of epoch: --policy ARG, --at ARG, --json$" "$T/out"
run 0 "listed in softpause --help" $SP --help
contains "epoch in the command list" "^  epoch --policy" "$T/out"

cli_finish
