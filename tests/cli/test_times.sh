#!/bin/sh
# test_times.sh -- times in human form (issue 13 §1, the audit): a time a person types or
# reads is ISO 8601 UTC, and --json carries Unix seconds.  `policy init --genesis` takes
# either spelling (as `epoch --at` does) and both give the same policy; `policy show` prints
# the genesis in ISO 8601 and --json in seconds.  (The walkthrough's and the demo's outputs
# are checked for bare Unix times by test_walkthrough.sh and test_demo.sh.)
set -u
. tests/support/cli_lib.sh
cli_setup "times" sp-times
cli_require "$SP"

test_keys civ-a mil-a
witness_policy "$K/log.test.example%2Flog.pub" "$K" > "$T/witnesses"
# init GENESIS FILE
init() {
    $SP policy init --deployment times.test --genesis "$1" --epoch-length 604800 \
        --allowance 10 --witness-policy "$T/witnesses" \
        --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule "2 of all" \
        --out "$2"
}

run 0 "--genesis in Unix seconds" init 1700000000 "$T/p-unix"
run 0 "--genesis in ISO 8601 UTC" init 2023-11-14T22:13:20Z "$T/p-iso"
if cmp -s "$T/p-unix" "$T/p-iso"; then ok; else bad "the two spellings of one genesis give one policy"; fi
for bad_time in 2023-02-29T00:00:00Z 2023-11-14T22:13:20 2023-11-14 "2023-11-14 22:13:20Z" \
                1969-12-31T23:59:59Z 2023-11-14T24:00:00Z -1 9007199254740993; do
    run 2 "--genesis '$bad_time' refused" init "$bad_time" "$T/p-bad"
    contains "--genesis '$bad_time': what is expected" \
        "--genesis: expected Unix seconds 0..9007199254740992 or an ISO 8601 UTC time" "$T/err"
done
if [ -e "$T/p-bad" ]; then bad "no policy written for a bad --genesis"; else ok; fi

run 0 "policy show" $SP policy show "$T/p-iso"
contains "policy show: genesis in ISO 8601 UTC" "^genesis  *2023-11-14T22:13:20Z$" "$T/out"
run 0 "policy show --json" $SP policy show --json "$T/p-iso"
contains "policy show --json: genesis in Unix seconds" '"genesis":1700000000' "$T/out"

cli_finish
