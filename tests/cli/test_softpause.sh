#!/bin/sh
# test_softpause.sh -- end-to-end tests of the softpause command, run by tools/run-tests.sh.
#
# Drives the real binary ($SOFTPAUSE) through the signer and device workflow and its error
# paths.  Every "error: ... SP_ERR_X:" the command prints is recorded in $SP_CODES_FILE
# (error-code coverage); the tally goes to $SP_TALLY_FILE.
set -u
. tests/support/cli_lib.sh
cli_setup "cli" sp-cli

# ---- help and usage --------------------------------------------------------------------
for c in "" key note policy statement bundle log witness device demo; do
    run 0 "help $c" $SP $c --help
    contains "help $c" "usage:" "$T/out"
done
run 2 "no command" $SP
run 2 "unknown command" $SP frobnicate
run 2 "unknown option" $SP key generate x --bogus
run 2 "missing value" $SP key generate x --out

# ---- keys ---------------------------------------------------------------------------------
mkdir -p "$T/keys"
for n in mil-a mil-b mil-c civ-a civ-b; do run 0 "key generate $n" $SP key generate $n --out "$T/keys"; done
run 0 "url-like key" $SP key generate example.org/log --out "$T/keys"
if [ -f "$T/keys/example.org%2Flog.key" ] && [ -f "$T/keys/example.org%2Flog.pub" ]; then ok; else bad "url-like key file names"; fi
mode=$(stat -c %a "$T/keys/mil-a.key")
if [ "$mode" = 600 ]; then ok; else bad "key mode $mode"; fi
expect_err SP_ERR_EXISTS "key overwrite refused" $SP key generate mil-a --out "$T/keys"
expect_err SP_ERR_KEY_NAME "bad key name" $SP key generate "has space" --out "$T/keys"
printf 'PRIVATE+KEY+x+00000000+AQ==\n' > "$T/keys/broken.key"
expect_err SP_ERR_KEY "broken signer key" $SP note sign --key "$T/keys/broken.key" --text /dev/null
K=$T/keys

# ---- notes ---------------------------------------------------------------------------------
printf 'hello world\nsecond line\n' > "$T/text"
run 0 "sign text" $SP note sign --key $K/mil-a.key --text "$T/text"; cp "$T/out" "$T/n1"
run 0 "sign again (other key)" $SP note sign --key $K/mil-b.key "$T/n1"; cp "$T/out" "$T/n2"
run 0 "verify two keys" $SP note verify --key $K/mil-a.pub --key $K/mil-b.pub "$T/n2"
contains "verify names" "mil-a" "$T/out"; contains "verify names" "mil-b" "$T/out"
run 0 "re-sign replaces line" $SP note sign --key $K/mil-a.key "$T/n2"
if [ "$(grep -c '^— mil-a ' "$T/out")" = 1 ] && [ "$(sed -n 4p "$T/out" | cut -c1-9)" = "$(sed -n 4p "$T/n2" | cut -c1-9)" ]; then ok; else bad "re-sign keeps one line in place"; fi
if [ "$(sed -n 5p "$T/out")" = "$(sed -n 5p "$T/n2")" ]; then ok; else bad "other line keeps bytes"; fi
cat "$T/text" | $SP note sign --key $K/mil-a.key > "$T/n3" 2> "$T/err"
if cmp -s "$T/n3" "$T/n1"; then ok; else bad "stdin signing is deterministic and equal"; fi
expect_err SP_ERR_NOTE_UNVERIFIED "unknown key only" $SP note verify --key $K/civ-a.pub "$T/n2"
sed 's/hello/HELLO/' "$T/n2" > "$T/tampered"
expect_err SP_ERR_NOTE_BAD_SIGNATURE "tampered text" $SP note verify --key $K/mil-a.pub "$T/tampered"
sed 's/^— /- /' "$T/n2" > "$T/dash"
expect_err SP_ERR_NOTE_ASCII_DASH "ascii dash" $SP note verify --key $K/mil-a.pub "$T/dash"
expect_err SP_ERR_NOTE_ASCII_DASH "malformed block refused by sign" $SP note sign --key $K/mil-a.key "$T/dash"
printf 'para1\n\npara2\n' > "$T/para"
expect_err SP_ERR_NOTE_TEXT "text with a blank line, no signature block" $SP note sign --key $K/mil-a.key "$T/para"
contains "blank line named" "para:2:" "$T/err"
printf 'no newline' > "$T/nonl"
expect_err SP_ERR_NOTE_NO_FINAL_NEWLINE "text without final newline" $SP note sign --key $K/mil-a.key --text "$T/nonl"
printf 'a\r\nb\n' > "$T/cr"
expect_err SP_ERR_NOTE_CARRIAGE_RETURN "carriage return" $SP note sign --key $K/mil-a.key "$T/cr"
expect_err SP_ERR_IO "missing input file" $SP note verify --key $K/mil-a.pub "$T/does-not-exist"
run 2 "verify without keys" $SP note verify "$T/n2"
head -c 40000 /dev/zero | tr '\0' a > "$T/huge"
expect_err SP_ERR_NOTE_TOO_LARGE "huge note" $SP note verify --key $K/mil-a.pub "$T/huge"
contains "huge note names the file" "huge" "$T/err"

# ---- publication: a log key, three witnesses on free loopback ports ------------------------
# Witnesses timestamp their cosignatures with the real clock, and devices measure epochs
# against that attested time, so the policy's genesis is two weeks before this week began:
# epoch 1 is then last week, and still fresh (max-staleness defaults to one epoch).
WEEK=604800
GENESIS=$(( $(date +%s) / WEEK * WEEK - 2 * WEEK ))
$SP key generate log.test.example/log --out "$K" > /dev/null
LOGKEY=$K/log.test.example%2Flog
for w in w1 w2 w3; do $SP key generate --cosigner $w.test.example --out "$K" > /dev/null; done
wait_file() { for i in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }
for w in w1 w2 w3; do
    $SP witness serve --key "$K/$w.test.example.key" --db "$T/$w.db" --log "$(cat "$LOGKEY.pub")" \
        --port-file "$T/$w.port" > "$T/$w.out" 2> "$T/$w.err" &
    echo $! > "$T/$w.pid"
done
for w in w1 w2 w3; do if wait_file "$T/$w.port"; then ok; else bad "witness $w starts"; fi; done
{
    echo "# the deployment's log and its witnesses (C2SP tlog-policy)"
    witness_policy "$LOGKEY.pub" "$K" "http://127.0.0.1:$(cat "$T/w1.port")" \
        "http://127.0.0.1:$(cat "$T/w2.port")" "http://127.0.0.1:$(cat "$T/w3.port")"
} > "$T/witnesses"
W="--witness-policy $T/witnesses"
stop_servers() { for f in "$T"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2> /dev/null; rm -f "$f"; done; }
trap stop_servers EXIT

# ---- policy --------------------------------------------------------------------------------
run 0 "policy init" $SP policy init --deployment test.example/pause --genesis $GENESIS \
    --epoch-length 604800 --allowance 691200 $W \
    --signer mil-a:military:$K/mil-a.pub --signer mil-b:military:$K/mil-b.pub \
    --signer mil-c:military:$K/mil-c.pub --signer civ-a:civil:$K/civ-a.pub \
    --signer civ-b:civil:$K/civ-b.pub --rule '3 of all' --rule '1 of civil' --out "$T/policy"
run 0 "policy check" $SP policy check "$T/policy"
run 0 "policy hash" $SP policy hash "$T/policy"
if [ "$(wc -c < "$T/out")" = 65 ]; then ok; else bad "hash is 64 hex digits"; fi
run 0 "policy show" $SP policy show "$T/policy"
contains "policy show" "civil" "$T/out"
run 0 "policy show json" $SP policy show --json "$T/policy"
contains "policy json" '"rules":\[' "$T/out"
(cat "$T/policy"; echo '# comment') > "$T/policy-comment"
expect_err SP_ERR_POLICY "comment refused" $SP policy check "$T/policy-comment"
contains "error names file:line" "policy-comment:" "$T/err"
expect_err SP_ERR_POLICY_LIMIT "huge policy" $SP policy check "$T/huge"
expect_err SP_ERR_POLICY_SINGLE_BODY "single-body quorum refused" $SP policy init \
    --deployment d --genesis 0 --epoch-length 3600 --allowance 10 $W \
    --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule '1 of all'
expect_err SP_ERR_POLICY_DUPLICATE_KEY "same key twice refused" $SP policy init \
    --deployment d --genesis 0 --epoch-length 3600 --allowance 10 $W \
    --signer a:civil:$K/civ-a.pub --signer b:civil:$K/civ-a.pub --rule '2 of all'
expect_err SP_ERR_POLICY_TAG_UNDECLARED "undeclared tag in rule" $SP policy init \
    --deployment d --genesis 0 --epoch-length 3600 --allowance 10 $W \
    --signer a:civil:$K/civ-a.pub --signer b:civil:$K/mil-a.pub --rule '2 of navy'
run 2 "policy init missing options" $SP policy init --deployment d
run 0 "policy shows its witnesses" $SP policy show "$T/policy"
contains "witness quorum shown" "witness quorum: witnesses" "$T/out"
printf 'log %s\nquorum none\n' "$(cat "$LOGKEY.pub")" > "$T/no-witnesses"
expect_err SP_ERR_POLICY_QUORUM_NONE "publication without witnesses refused" $SP policy init \
    --deployment d --genesis 0 --epoch-length 3600 --allowance 10 \
    --witness-policy "$T/no-witnesses" \
    --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule '2 of all'
printf 'log %s\nwitness w1 %s\nwitness w2 %s\ngroup g 2 w1 w2\nquorum g\n' "$(cat "$LOGKEY.pub")" \
    "$(cat "$K/w1.test.example.pub")" "$(cat "$K/w2.test.example.pub")" > "$T/two-witnesses"
expect_err SP_ERR_POLICY_KEY_ROLES "a signer that is also the log refused" $SP policy init \
    --deployment d --genesis 0 --epoch-length 3600 --allowance 10 \
    --witness-policy "$T/two-witnesses" \
    --signer a:civil:$K/civ-a.pub --signer b:military:$LOGKEY.pub --rule '2 of all'
expect_err SP_ERR_IO "missing witness policy file" $SP policy init \
    --deployment d --genesis 0 --epoch-length 3600 --allowance 10 \
    --witness-policy "$T/nowhere" --signer a:civil:$K/civ-a.pub --rule '1 of all'
expect_err SP_ERR_USAGE "rule syntax" $SP policy init \
    --deployment d --genesis 0 --epoch-length 3600 --allowance 10 $W \
    --signer a:civil:$K/civ-a.pub --signer b:civil:$K/mil-a.pub --rule 'three of all'

# ---- statements ----------------------------------------------------------------------------
P=$T/policy
run 0 "statement new" $SP statement new --policy $P --epoch 1 --mode run; cp "$T/out" "$T/s1.txt"
contains "statement header" "^softpause/v1 authorisation test.example/pause" "$T/s1.txt"
contains "statement start" "^start $((GENESIS + WEEK))" "$T/s1.txt"
for b in mil-a civ-a mil-b; do
    run 0 "sign s1 $b" $SP note sign --key $K/$b.key "$T/s1.txt"; cp "$T/out" "$T/s1.$b"
done
run 0 "collect" $SP statement collect --policy $P "$T/s1.mil-a" "$T/s1.civ-a" "$T/s1.mil-b"
cp "$T/out" "$T/s1.note"
run 0 "verify collected" $SP statement verify --policy $P "$T/s1.note"
contains "verify accepted" "accepted" "$T/out"
run 0 "verify json" $SP statement verify --policy $P --json "$T/s1.note"
contains "json accepted" '"accepted":true' "$T/out"
SOFTPAUSE_POLICY=$P run 0 "collect with env policy" $SP statement collect "$T/s1.mil-a" "$T/s1.civ-a"
run 2 "collect without policy" env -u SOFTPAUSE_POLICY $SP statement collect "$T/s1.mil-a"
# military-only quorum
for b in mil-a mil-b mil-c; do $SP note sign --key $K/$b.key "$T/s1.txt" > "$T/m.$b" 2>/dev/null; done
run 0 "collect military" $SP statement collect --policy $P "$T/m.mil-a" "$T/m.mil-b" "$T/m.mil-c"
cp "$T/out" "$T/military.note"
expect_err SP_ERR_QUORUM_NOT_MET "military-only quorum" $SP statement verify --policy $P "$T/military.note"
run 1 "json rejection" $SP statement verify --policy $P --json "$T/military.note"
contains "json failed rule" '"failed_rule":1' "$T/out"
# equivocation
$SP statement new --policy $P --epoch 1 --mode pause > "$T/s1-pause.txt"
expect_err SP_ERR_EQUIVOCATION "different text same epoch" $SP note sign --key $K/mil-a.key "$T/s1-pause.txt"
$SP statement new --policy $P --epoch 0 --mode run > "$T/s0.txt"
expect_err SP_ERR_EQUIVOCATION "older epoch" $SP note sign --key $K/mil-a.key "$T/s0.txt"
run 0 "same text again is fine" $SP note sign --key $K/mil-a.key "$T/s1.txt"
REC=$(ls $K/mil-a.*.signed 2>/dev/null)
if [ -n "$REC" ] && [ "$(stat -c %a "$REC")" = 600 ]; then ok; else bad "signing record beside key, mode 0600"; fi
# collect refuses different texts
$SP note sign --key $K/civ-b.key "$T/s1-pause.txt" > "$T/s1p.civ-b"
expect_err SP_ERR_COLLECT_MISMATCH "collect different texts" $SP statement collect --policy $P "$T/s1.mil-a" "$T/s1p.civ-b"
expect_err SP_ERR_STMT_MODE "throttle 0" $SP statement new --policy $P --epoch 2 --mode throttle:0
run 2 "bad mode" $SP statement new --policy $P --epoch 2 --mode fast

# ---- the log: publish, wait for the witnesses, build bundles ---------------------------------
$SP log serve --policy $P --key "$LOGKEY.key" --db "$T/log.db" --witness-interval 1 \
    --port-file "$T/log.port" > "$T/log.out" 2> "$T/log.err" &
echo $! > "$T/log.pid"
if wait_file "$T/log.port"; then ok; else bad "log starts"; fi
URL=http://127.0.0.1:$(cat "$T/log.port")
run 0 "publish epoch 1" $SP bundle publish --log "$URL" "$T/s1.note"
contains "published at index 0" "logged at index 0" "$T/out"
expect_err SP_ERR_QUORUM_NOT_MET "the log refuses a military-only quorum" \
    $SP bundle publish --log "$URL" "$T/military.note"
# The log sends each new checkpoint to the witnesses; wait until 2 of 3 have cosigned it.
made=0
for i in $(seq 100); do
    if $SP bundle make --policy $P --log "$URL" --out "$T/b1" "$T/s1.note" > /dev/null 2>&1; then
        made=1; break
    fi
    sleep 0.1
done
if [ $made = 1 ]; then ok; else bad "bundle for epoch 1 once the witnesses cosign"; fi
run 0 "bundle verify" $SP bundle verify --policy $P "$T/b1"
contains "bundle names its witnesses" "cosigned by w" "$T/out"
contains "bundle shows attested time" "attested time" "$T/out"
run 0 "bundle verify json" $SP bundle verify --policy $P --json "$T/b1"
contains "json bundle accepted" '"accepted":true' "$T/out"
expect_err SP_ERR_BUNDLE_BARE_STATEMENT "a bare statement is no bundle" \
    $SP bundle verify --policy $P "$T/s1.note"
run 0 "export a static mirror" $SP log export --db "$T/log.db" "$T/mirror"
run 0 "bundle from the mirror" $SP bundle make --policy $P --log "$T/mirror" --out "$T/b1-mirror" "$T/s1.note"
# The same statement, index and proof; the checkpoint's cosignatures may be newer (the log
# asks its witnesses again every second), so compare the proof part before the blank line.
sed '/^$/q' "$T/b1" > "$T/b1.head"; sed '/^$/q' "$T/b1-mirror" > "$T/b1-mirror.head"
if cmp -s "$T/b1.head" "$T/b1-mirror.head"; then ok; else bad "the mirror gives the same proof"; fi
run 0 "the mirror's bundle verifies" $SP bundle verify --policy $P "$T/b1-mirror"
$SP statement new --policy $P --epoch 2 --mode run > "$T/s2.txt"
for b in mil-b civ-b mil-c; do $SP note sign --key $K/$b.key "$T/s2.txt" > "$T/s2.$b"; done
$SP statement collect --policy $P "$T/s2.mil-b" "$T/s2.civ-b" "$T/s2.mil-c" > "$T/s2.note"
expect_err SP_ERR_NOT_FOUND "bundle for a statement never logged" \
    $SP bundle make --policy $P --log "$URL" "$T/s2.note"
# --index N names where STATEMENT is logged: entry N must be STATEMENT byte for byte.
run 0 "bundle make --index of the statement" \
    $SP bundle make --policy $P --log "$URL" --index 0 --out "$T/b1-index" "$T/s1.note"
run 0 "the --index bundle verifies" $SP bundle verify --policy $P "$T/b1-index"
expect_err SP_ERR_NOT_FOUND "bundle make --index of another statement refused" \
    $SP bundle make --policy $P --log "$URL" --index 0 --out "$T/b2-wrong" "$T/s2.note"
contains "--index mismatch names the index" "index 0 of" "$T/err"
contains "--index mismatch names the file" "s2.note" "$T/err"
contains "--index mismatch says why" "another statement" "$T/err"
if [ -e "$T/b2-wrong" ]; then bad "no bundle written for a mismatched --index"; else ok; fi
expect_err SP_ERR_NOT_FOUND "bundle make --index: same text, other signatures refused" \
    $SP bundle make --policy $P --log "$URL" --index 0 "$T/military.note"
contains "--index same text named" "other signature lines" "$T/err"
expect_err SP_ERR_NOT_FOUND "bundle make --index beyond the log" \
    $SP bundle make --policy $P --log "$URL" --index 7 "$T/s1.note"
contains "--index beyond the log says so" "not an entry" "$T/err"

# ---- device --------------------------------------------------------------------------------
D=$T/dev.state
run 3 "status before init" $SP device status --state $D
contains "missing device names the OS reason" "No such file or directory" "$T/err"
if [ -e "$D.lock" ]; then bad "status of no device creates no lock file"; else ok; fi
# A refused init creates nothing, so the device can still be provisioned.
expect_err SP_ERR_POLICY "device init with a bad policy refused" \
    $SP device init --policy "$T/policy-comment" --state $D
contains "bad policy named with its line" "policy-comment:" "$T/err"
if [ -e "$D" ] || [ -e "$D.chip" ] || [ -e "$D.lock" ]; then bad "refused init left files"; else ok; fi
run 0 "device init" $SP device init --policy $P --state $D
if [ -f "$D.lock" ] && [ "$(stat -c %a "$D.lock")" = 600 ]; then ok; else bad "lock file, mode 0600"; fi
expect_err SP_ERR_EXISTS "init twice" $SP device init --policy $P --state $D
if [ -f "$D.lock" ]; then ok; else bad "a refused init keeps the lock file it did not create"; fi
run 1 "status fresh: the device would pause" $SP device status --state $D --json
contains "fresh device has no epoch" '"highest_epoch":null' "$T/out"
contains "fresh device decides pause" '"decision":{"mode":"pause","permille":0,"available":0,"reason":"SP_ERR_DEV_NO_AUTHORISATION"}' "$T/out"
expect_err SP_ERR_DEV_NO_AUTHORISATION "consume before any statement" $SP device consume --state $D 60
contains "pause printed" "PAUSE" "$T/out"
expect_err SP_ERR_BUNDLE_BARE_STATEMENT "device refuses a bare statement" $SP device apply --state $D "$T/s1.note"
expect_err SP_ERR_BUNDLE_BARE_STATEMENT "device refuses military-only" $SP device apply --state $D "$T/military.note"
run 0 "apply epoch 1" $SP device apply --state $D "$T/b1"
contains "allowance set" "allowance set to 691200" "$T/out"
cp $D "$T/dev.state.epoch1"   # an attacker images the external flash now
run 0 "consume" $SP device consume --state $D 3600
contains "run granted" "^RUN 3600" "$T/out"
expect_err SP_ERR_DEV_EPOCH_NOT_NEWER "replay epoch 1" $SP device apply --state $D "$T/b1"
run 0 "status" $SP device status --state $D
contains "status allowance" "687600 s" "$T/out"
contains "status decision" "decision now    RUN (687600 s available)" "$T/out"
run 0 "status json" $SP device status --state $D --json
if grep -q '"attested_time":0' "$T/out"; then bad "attested time set by the bundle"; else ok; fi

# Concurrent consume/apply/status on one device: each holds FILE.lock, so no allowance is
# granted twice and the device never sees a torn state (which would brick it: ROLLBACK).
D2=$T/dev2.state
$SP device init --policy $P --state $D2 > /dev/null
run 0 "second device: apply epoch 1" $SP device apply --state $D2 "$T/b1"
granted=0 busy=0 succeeded=0 torn=0
for round in $(seq 40); do
    pids=""
    for i in 1 2 3 4; do
        $SP device consume --state $D2 50000 > "$T/c$i.out" 2> "$T/c$i.err" & pids="$pids $!"
    done
    $SP device apply --state $D2 "$T/b1" > "$T/c5.out" 2> "$T/c5.err" & pids="$pids $!"
    $SP device status --state $D2 > "$T/c6.out" 2> "$T/c6.err" & pids="$pids $!"
    wait $pids   # only these: the servers run in the background too
    for i in 1 2 3 4; do
        g=$(sed -n 's/^RUN \([0-9]*\)$/\1/p' "$T/c$i.out")
        if [ -n "$g" ]; then granted=$((granted + g)); succeeded=$((succeeded + 1)); fi
    done
    for i in 1 2 3 4 5 6; do
        record_codes "$T/c$i.err"
        if grep -q SP_ERR_DEV_BUSY "$T/c$i.err"; then
            busy=$((busy + 1))
            grep -q "held by pid [1-9]" "$T/c$i.err" || torn=$((torn + 1))
        fi
        if grep -q -e SP_ERR_DEV_ROLLBACK -e SP_ERR_DEV_NO_RECORD -e SP_ERR_DEV_COUNTER \
            -e SP_ERR_DEV_STORAGE -e SP_ERR_IO "$T/c$i.err"; then torn=$((torn + 1)); fi
    done
done
echo "cli: concurrent device: $succeeded grants, $granted s granted, $busy busy refusals"
if [ "$granted" -le 691200 ]; then ok; else bad "concurrent consume granted $granted s > 691200"; fi
if [ "$succeeded" -ge 1 ]; then ok; else bad "some concurrent consume succeeds"; fi
if [ "$torn" -eq 0 ]; then ok; else bad "$torn storage failures, or busy without the holder's pid"; fi
run 1 "after the trials the device loads, its allowance spent" $SP device status --state $D2
contains "spent allowance is PAUSE now" "decision now    PAUSE (SP_ERR_DEV_EXHAUSTED" "$T/out"
contains "the last statement's mode is still shown" "^mode            run" "$T/out"
run 1 "status json after exhaustion" $SP device status --state $D2 --json
contains "json decision pause" '"decision":{"mode":"pause","permille":0,"available":0,"reason":"SP_ERR_DEV_EXHAUSTED"}' "$T/out"
contains "json persisted mode run" '"mode":"run","permille":1000' "$T/out"
expect_err SP_ERR_DEV_EXHAUSTED "consume after exhaustion" $SP device consume --state $D2 1
if [ "$granted" -eq 691200 ]; then ok; else bad "all of the allowance was granted once: $granted"; fi
# A process holding the lock makes every other one fail at once, naming its pid.
if command -v python3 > /dev/null 2>&1; then
    python3 -c 'import fcntl,os,sys,time
f=os.open(sys.argv[1],os.O_RDWR); fcntl.lockf(f,fcntl.LOCK_EX); print(os.getpid(),flush=True); time.sleep(30)' \
        "$D2.lock" > "$T/holder.pid" &
    echo $! > "$T/holder.pidfile"
    if wait_file "$T/holder.pid"; then ok; else bad "lock holder starts"; fi
    for sub in "consume --state $D2 1" "status --state $D2" "apply --state $D2 $T/b1"; do
        expect_err SP_ERR_DEV_BUSY "busy: device $sub" $SP device $sub
        if [ $got = 3 ]; then ok; else bad "busy exits 3, got $got"; fi
        contains "busy names the holder's pid" "held by pid $(cat "$T/holder.pid")" "$T/err"
    done
    kill "$(cat "$T/holder.pidfile")"; wait "$(cat "$T/holder.pidfile")" 2> /dev/null
    rm -f "$T/holder.pidfile"
    run 1 "free again once the holder is gone" $SP device status --state $D2
else
    echo "cli: SKIP lock holder test (no python3)"
fi

# Read-only storage: the error names the file and the OS error, not the bundle (exit 3).
RO=$(mktemp -d /tmp/sp-ro.XXXXXX)
$SP device init --policy $P --state "$RO/dev.state" > /dev/null && cp "$T/b1" "$RO/b1"
as_user=""
if [ "$(id -u)" = 0 ]; then
    if command -v setpriv > /dev/null 2>&1 && chown -R 65534:65534 "$RO" && chmod 755 "$RO"; then
        as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
    else as_user=skip; fi
fi
if [ "$as_user" = skip ] || ! $as_user test -x "$SP"; then
    echo "cli: SKIP read-only storage test (cannot run as an unprivileged user here)"
else
    chmod 555 "$RO"
    run 3 "read-only storage: apply" $as_user $SP device apply --state "$RO/dev.state" "$RO/b1"
    contains "read-only storage names the state file" "$RO/dev.state: SP_ERR_IO" "$T/err"
    contains "read-only storage names the errno" "Permission denied" "$T/err"
    if grep -q "bundle refused" "$T/err"; then bad "read-only storage blamed on the bundle"; else ok; fi
    chmod 755 "$RO"
    run 0 "writable again: apply" $as_user $SP device apply --state "$RO/dev.state" "$RO/b1"
fi
rm -rf "$RO"

# Two witnesses go down: epoch 2 is logged, but no checkpoint with a quorum covers it.
kill "$(cat "$T/w2.pid")" "$(cat "$T/w3.pid")"; rm -f "$T/w2.pid" "$T/w3.pid"
run 0 "publish epoch 2" $SP bundle publish --log "$URL" "$T/s2.note"
sleep 1.5
expect_err SP_ERR_NOT_FOUND "no cosigned checkpoint covers epoch 2 with one witness" \
    $SP bundle make --policy $P --log "$URL" "$T/s2.note"
stop_servers
cp "$T/dev.state.epoch1" $D   # ... and restores it to get the hour back
expect_err SP_ERR_DEV_ROLLBACK "rolled-back flash image" $SP device status --state $D
run 2 "consume needs a number" $SP device consume --state $D lots
run 2 "consume needs at least a second" $SP device consume --state $D 0
printf 'garbage' > $D.chip
expect_err SP_ERR_FILE_FORMAT "corrupt chip file" $SP device status --state $D
contains "corrupt chip file named" "$D.chip: SP_ERR_FILE_FORMAT" "$T/err"
contains "corrupt chip file: what is wrong" "not a chip file (7 bytes" "$T/err"
if grep -q "no simulated device" "$T/err"; then bad "a corrupt chip is not a missing device"; else ok; fi
printf 'not a record' > "$REC"
expect_err SP_ERR_FILE_FORMAT "corrupt signing record" $SP note sign --key $K/mil-a.key "$T/s1.txt"

# ---- demo ----------------------------------------------------------------------------------
run 0 "demo" $SP demo --dir "$T/demo"
contains "demo narrates the pause" "device PAUSED" "$T/out"
contains "demo completes" "demo complete" "$T/out"

cli_finish
