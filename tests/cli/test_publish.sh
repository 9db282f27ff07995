#!/bin/sh
# test_publish.sh -- `bundle publish --policy --out --timeout` (publish and wait for a
# cosigned checkpoint), collect refusing a note no device would accept (--partial), the
# "empty note" message, and .pub modes.  Three real witnesses and a log on free loopback
# ports.  Run by tools/run-tests.sh against $SOFTPAUSE.
set -u
. tests/support/cli_lib.sh
cli_setup "publish cli" sp-publish
cli_require "$SP"

test_keys

# ---- .pub files are public, private keys are not ----------------------------------------------
(umask 077; $SP key generate modes --out "$K" > /dev/null) # the mode is exact, not umask-dependent
same "a .pub file is 0644" "$(stat -c %a "$K/modes.pub")" 644
same "a .key file stays 0600" "$(stat -c %a "$K/modes.key")" 600
same "a cosigner .pub is 0644" "$(stat -c %a "$K/w1.test.example.pub")" 644

# ---- witnesses first (port 0), then the policy naming them, then the log ---------------------
PIDS=""
for w in w1 w2 w3; do
    $SP witness serve --init --key "$K/$w.test.example.key" --db "$T/$w.db" --log "$LOGKEY.pub" \
        --port-file "$T/$w.port" > /dev/null 2> "$T/$w.err" &
    PIDS="$PIDS $!"
done
for w in w1 w2 w3; do for i in $(seq 100); do [ -s "$T/$w.port" ] && break; sleep 0.05; done; done
witness_policy "$LOGKEY.pub" "$K" http://127.0.0.1:$(cat "$T/w1.port") \
    http://127.0.0.1:$(cat "$T/w2.port") http://127.0.0.1:$(cat "$T/w3.port") > "$T/witnesses"
$SP policy init --deployment test.example/publish --genesis 1798416000 --epoch-length 604800 \
    --allowance 691200 --signer mil-a:military:$K/mil-a.pub --signer mil-b:military:$K/mil-b.pub \
    --signer civ-a:civil:$K/civ-a.pub --rule '2 of all' --rule '1 of civil' \
    --witness-policy "$T/witnesses" --out "$T/policy" > /dev/null
P=$T/policy
statement() { # statement EPOCH SIGNERS... -> $T/s.EPOCH (and $T/s.EPOCH.B per body)
    $SP statement new --policy $P --epoch "$1" --mode run --allow-future > "$T/s.txt"; e=$1; shift
    for b in "$@"; do $SP note sign --allow-future --state-dir "$T/state" --key "$K/$b.key" \
        --text "$T/s.txt" > "$T/s.$e.$b"; done
}

# ---- statement collect: a note no device would accept is refused unless --partial ------------
statement 1 mil-a mil-b civ-a
run 0 "collect a quorum" $SP statement collect --policy $P "$T/s.1.mil-a" "$T/s.1.civ-a"
cp "$T/out" "$T/s.1"
run 0 "collect --json of a quorum" $SP statement collect --json --policy $P "$T/s.1.mil-a" "$T/s.1.civ-a"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["meets_policy"] is not True or d["merged"] != 2)' "$T/out" && ok || bad "collect --json: meets_policy true"
expect_err SP_ERR_QUORUM_NOT_MET "collect short of a rule" \
    $SP statement collect --policy $P "$T/s.1.mil-a" "$T/s.1.mil-b"
contains "collect names the unmet rule" "rule 1 not met: at least 1 of tag civil" "$T/err"
same "nothing written on refusal" "$(wc -c < "$T/out" | tr -d ' ')" 0
expect_err SP_ERR_QUORUM_NOT_MET "collect of one copy" $SP statement collect --policy $P "$T/s.1.civ-a"
contains "one copy: rule 2 named" "rule 2 not met: at least 2 of all signers" "$T/err"
run 0 "collect --partial writes a short note" \
    $SP statement collect --partial --policy $P "$T/s.1.mil-a" "$T/s.1.mil-b"
cp "$T/out" "$T/s.1.short"
contains "--partial says it falls short" "does NOT meet the policy yet" "$T/err"
contains "--partial wrote the note" "^— mil-b " "$T/s.1.short"
run 0 "collect --partial of a quorum" $SP statement collect --partial --policy $P "$T/s.1.mil-a" "$T/s.1.civ-a"
contains "--partial of a quorum says it meets" "it meets the policy" "$T/err"
run 0 "collect --partial --json" $SP statement collect --partial --json --policy $P "$T/s.1.mil-a"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["meets_policy"] is not False or d["merged"] != 1)' "$T/out" && ok || bad "--partial --json meets_policy false"
run 1 "collect --json refused" $SP statement collect --json --policy $P "$T/s.1.mil-a"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["error"] != "SP_ERR_QUORUM_NOT_MET" or "rule 1" not in d["message"])' "$T/out" && ok || bad "collect --json failure object names the rule"
run 0 "collect --partial --partial" $SP statement collect --partial --partial --policy $P "$T/s.1.mil-a"
run 3 "collect to /dev/full" sh -c "$SP statement collect --policy '$P' '$T/s.1.mil-a' '$T/s.1.civ-a' > /dev/full"

# ---- empty input is "empty note" everywhere -----------------------------------------------------
: > "$T/empty"
expect_err SP_ERR_NOTE_TEXT "note verify of an empty file" $SP note verify --key "$K/mil-a.pub" "$T/empty"
contains "note verify: empty note" "empty: SP_ERR_NOTE_TEXT: .*empty note" "$T/err"
expect_err SP_ERR_NOTE_TEXT "note sign of an empty file" $SP note sign --key "$K/mil-a.key" --state-dir "$T/state" "$T/empty"
contains "note sign: empty note" "empty note" "$T/err"
expect_err SP_ERR_NOTE_TEXT "statement verify of an empty file" $SP statement verify --policy $P "$T/empty"
contains "statement verify: empty note" "empty note" "$T/err"
expect_err SP_ERR_NOTE_TEXT "statement collect of an empty file" $SP statement collect --policy $P "$T/empty"
contains "statement collect: empty note" "empty note" "$T/err"
expect_err SP_ERR_NOTE_TEXT "empty note from stdin" sh -c "$SP statement verify --policy '$P' < /dev/null"
contains "stdin named" "<stdin>: SP_ERR_NOTE_TEXT: .*empty note" "$T/err"
expect_err SP_ERR_NOTE_TEXT "bundle publish of an empty note, before sending" \
    $SP bundle publish --log http://127.0.0.1:9 "$T/empty"
contains "bundle publish: empty note" "empty note" "$T/err"
expect_err SP_ERR_PROOF_FORMAT "bundle verify of an empty file" $SP bundle verify --policy $P "$T/empty"
contains "bundle verify: empty bundle" "empty bundle" "$T/err"
expect_err SP_ERR_POLICY_FORMAT "an empty policy" $SP statement verify --policy "$T/empty" "$T/s.1"
contains "empty policy" "empty policy" "$T/err"

# ---- bundle publish: refusals before anything is sent (the log URL is unreachable) ------------
NOLOG=http://127.0.0.1:9
expect_err SP_ERR_QUORUM_NOT_MET "publish --policy refuses a short statement before sending" \
    $SP bundle publish --policy $P --log $NOLOG "$T/s.1.short"
contains "publish names the unmet rule" "rule 1 not met" "$T/err"
run 2 "--out without --policy" $SP bundle publish --log $NOLOG --out "$T/b" "$T/s.1"
run 2 "--timeout without --out" $SP bundle publish --policy $P --log $NOLOG --timeout 5 "$T/s.1"
for t in 0 86401 -1 junk 5s 18446744073709551616 ""; do
    run 2 "--timeout '$t'" $SP bundle publish --policy $P --log $NOLOG --out "$T/b" --timeout "$t" "$T/s.1"
done
$SP bundle publish --json --policy $P --log $NOLOG --out "$T/b" --timeout 0 "$T/s.1" > "$T/out" 2> /dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["error"] != "SP_ERR_USAGE")' "$T/out" && ok || bad "--timeout 0 --json: one SP_ERR_USAGE object"
echo x > "$T/exists"
expect_err SP_ERR_EXISTS "--out never overwrites (checked before sending)" \
    $SP bundle publish --policy $P --log $NOLOG --out "$T/exists" "$T/s.1"
same "existing file kept" "$(cat "$T/exists")" x
expect_err SP_ERR_HTTP "an unreachable log" $SP bundle publish --policy $P --log $NOLOG --out "$T/b" "$T/s.1"
if [ ! -e "$T/b" ]; then ok; else bad "nothing written when the log is unreachable"; fi

# ---- bundle publish --out against a log and three witnesses -------------------------------------
$SP log serve --policy $P --key "$LOGKEY.key" --db "$T/log.db" --witness-interval 1 \
    --port-file "$T/log.port" > /dev/null 2> "$T/log.err" &
LPID=$!
for i in $(seq 100); do [ -s "$T/log.port" ] && break; sleep 0.05; done
LOG=http://127.0.0.1:$(cat "$T/log.port")
run 0 "publish and wait" $SP bundle publish --policy $P --log $LOG --out "$T/b1" --timeout 60 "$T/s.1"
contains "waits, naming the index" "logged at index 0; waiting" "$T/err"
contains "reports the bundle" "bundle: epoch 1 at index 0" "$T/err"
same "no stdout in text mode with --out" "$(wc -c < "$T/out" | tr -d ' ')" 0
same "bundle is 0644" "$(stat -c %a "$T/b1")" 644
run 0 "the bundle verifies as a device would" $SP bundle verify --policy $P "$T/b1"
run 0 "bundle make gives the same bundle" $SP bundle make --policy $P --log $LOG --index 0 "$T/s.1"
# The same bundle up to the checkpoint's signatures (the witnesses cosign anew every second,
# so a later checkpoint of the same tree may carry newer timestamps).
unsigned() { awk '/^$/ { if (++n == 2) exit } { print }' "$1"; }
if [ "$(unsigned "$T/out")" = "$(unsigned "$T/b1")" ] && [ -n "$(unsigned "$T/b1")" ]; then ok
else bad "publish --out and make --index agree"; fi
ls "$T" | grep -q '\.tmp' && bad "a temporary file was left" || ok
statement 2 mil-b civ-a
$SP statement collect --policy $P "$T/s.2.mil-b" "$T/s.2.civ-a" > "$T/s.2" 2> /dev/null
run 0 "publish --out --json" $SP bundle publish --json --policy $P --log $LOG --out "$T/b2" "$T/s.2"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["index"] != 1 or d["out"] != sys.argv[2] or d["epoch"] != 2 or d["witnesses"] < 2 or d["tree_size"] < 2)' "$T/out" "$T/b2" && ok || bad "publish --json reports index and what was written"
run 0 "publish --json without --out" $SP bundle publish --json --policy $P --log $LOG "$T/s.2"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d != {"index": 1})' "$T/out" && ok || bad "publish --json without --out: the index"
run 0 "publish without --out prints the index" $SP bundle publish --log $LOG "$T/s.2"
contains "index printed" "logged at index 1" "$T/out"
expect_err SP_ERR_EXISTS "publish --out refuses an existing bundle" \
    $SP bundle publish --policy $P --log $LOG --out "$T/b2" "$T/s.2"
run 3 "publish --out --json to /dev/full" sh -c "$SP bundle publish --json --policy '$P' --log $LOG --out '$T/b3' '$T/s.2' > /dev/full"
# The same text with other signature lines: the log answers with the existing index, whose
# entry is not this statement byte for byte -- refused at once, not waited for.
$SP statement collect --policy $P "$T/s.1.mil-b" "$T/s.1.civ-a" > "$T/s.1-other" 2> /dev/null
expect_err SP_ERR_NOT_FOUND "another copy of a logged text is refused, not waited for" \
    $SP bundle publish --policy $P --log $LOG --out "$T/b4" --timeout 30 "$T/s.1-other"
contains "names the index and why" "index 0: that entry is this statement's text with other signature lines" "$T/err"

# Witnesses gone: the entry is logged but never cosigned; the wait ends at --timeout.
for p in $PIDS; do kill "$p"; wait "$p" 2> /dev/null; done
statement 3 mil-a civ-a
$SP statement collect --policy $P "$T/s.3.mil-a" "$T/s.3.civ-a" > "$T/s.3" 2> /dev/null
t0=$(date +%s)
expect_err SP_ERR_NOT_FOUND "timeout without witnesses" \
    $SP bundle publish --policy $P --log $LOG --out "$T/b5" --timeout 2 "$T/s.3"
t1=$(date +%s)
contains "timeout names the index and the wait" "index 2: no cosigned checkpoint of .* covers it after waiting 2 s" "$T/err"
if [ $((t1 - t0)) -le 5 ]; then ok; else bad "the wait is bounded by --timeout ($((t1 - t0)) s)"; fi
if [ ! -e "$T/b5" ]; then ok; else bad "nothing written on timeout"; fi
$SP bundle publish --json --policy $P --log $LOG --out "$T/b5" --timeout 1 "$T/s.3" > "$T/out" 2> /dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["error"] != "SP_ERR_NOT_FOUND" or "index 2" not in d["message"])' "$T/out" && ok || bad "timeout --json: one failure object"
kill "$LPID"; wait "$LPID" 2> /dev/null
record_codes "$T/log.err"
cli_finish
