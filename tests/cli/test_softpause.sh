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
printf 'some text\n' > "$T/keys/text"
expect_err SP_ERR_KEY "broken signer key" $SP note sign --key "$T/keys/broken.key" --text "$T/keys/text"
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
    $SP witness serve --init --key "$K/$w.test.example.key" --db "$T/$w.db" \
        --log "$(cat "$LOGKEY.pub")" --port-file "$T/$w.port" > "$T/$w.out" 2> "$T/$w.err" &
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
contains "policy show: genesis in ISO 8601 UTC" "^genesis       [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z$" "$T/out"
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
# A name the policy format refuses is named, with the syntax it must have (issue 8 item 8);
# what the name holds is shown escaped.
BIDI=$(printf '\342\200\256')
pinit() { $SP policy init --genesis 0 --epoch-length 3600 --allowance 10 $W "$@"; }
expect_err SP_ERR_POLICY_FORMAT "upper-case tag refused" pinit --deployment d \
    --signer a:Civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule '2 of all'
contains "bad tag named with its signer and syntax" "tag 'Civil' of signer 'a': expected 1\.\.32 characters of a-z 0-9 -" "$T/err"
expect_err SP_ERR_POLICY_FORMAT "bidi tag refused" pinit --deployment d --tag "x${BIDI}y" \
    --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule '2 of all'
contains "bidi tag named, escaped" "tag 'x\\\\u202ey': expected" "$T/err"
expect_err SP_ERR_POLICY_FORMAT "body with a space refused" pinit --deployment d \
    --signer "a b:civil:$K/civ-a.pub" --signer b:military:$K/mil-a.pub --rule '2 of all'
contains "bad body named" "body name 'a b' (key civ-a): expected 1\.\.64 characters" "$T/err"
expect_err SP_ERR_POLICY_FORMAT "deployment with a space refused" pinit --deployment "my d" \
    --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule '2 of all'
contains "bad deployment named" "deployment name 'my d': expected 1\.\.64 characters" "$T/err"
expect_err SP_ERR_POLICY_UNKNOWN_SIGNER "a rule naming a body, not a key" pinit --deployment d \
    --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule '2 of signers:civ-a,b'
contains "the unknown signer is named" "no signer's key is named 'b' (a rule names signers by key name, not by body)" "$T/err"
run 2 "--signer with a bidi name" pinit --deployment d --signer "x${BIDI}y" --rule '1 of all'
contains "--signer escaped" "signer 'x\\\\u202ey': expected BODY:TAGS:FILE.pub" "$T/err"
if grep -q "$BIDI" "$T/err"; then bad "a raw bidi override in the --signer error"; else ok; fi
# Names a policy may hold in any bytes (tlog-policy group names) and file names from the
# command line are shown escaped in text output too.
sed "s/witnesses/wit${BIDI}nesses/" "$T/witnesses" > "$T/witnesses-bidi"
mkdir -p "$T/d${BIDI}ir"
run 0 "policy with a bidi group name" $SP policy init --deployment d --genesis 0 \
    --epoch-length 3600 --allowance 10 --witness-policy "$T/witnesses-bidi" \
    --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule '2 of all' \
    --out "$T/d${BIDI}ir/policy"
run 0 "policy show: bidi group name" $SP policy show "$T/d${BIDI}ir/policy"
contains "group name escaped" 'group wit\\u202enesses: 2 of 3' "$T/out"
contains "quorum name escaped" 'witness quorum: wit\\u202enesses' "$T/out"
run 0 "policy check: bidi file name" $SP policy check "$T/d${BIDI}ir/policy"
contains "checked file name escaped" 'd\\u202eir/policy: ok' "$T/out"
run 0 "key generate into a bidi directory" $SP key generate x --out "$T/d${BIDI}ir"
contains "key file name escaped" 'd\\u202eir/x.pub' "$T/out"
run 0 "device init at a bidi path" $SP device init --policy "$T/d${BIDI}ir/policy" --state "$T/d${BIDI}ir/dev"
contains "device path escaped" 'provisioned .*d\\u202eir/dev' "$T/out"
if grep -rq "$BIDI" "$T/out"; then bad "a raw bidi override in the text output"; else ok; fi
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
# issue 8: refusals explained right -- each names the object and its actual limit
I8="$SP policy init --deployment d --genesis 0 --epoch-length 3600 --allowance 10"
for r in '01 of all' '+2 of all' '2  of all' '2 of all ' ' 2 of all' '2 of  all'; do
    expect_err SP_ERR_USAGE "rule '$r' refused" $I8 $W --signer a:civil:$K/civ-a.pub \
        --signer b:military:$K/mil-a.pub --rule "$r"
done
run 2 "version 0" $I8 --version 0 $W --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule '2 of all'
contains "version 0 names version" "--version: expected a decimal number 1\.\.9007199254740992, got '0'" "$T/err"
run 2 "epoch length below the minimum" $SP policy init --deployment d --genesis 0 --epoch-length 60 \
    --allowance 10 $W --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule '2 of all'
contains "epoch length range" "--epoch-length: expected a decimal number 3600\.\.4294967296" "$T/err"
expect_err SP_ERR_POLICY_DUPLICATE_KEY "duplicate key names both signers" $I8 $W \
    --signer a:civil:$K/civ-a.pub --signer b:civil:$K/civ-a.pub --rule '2 of all'
contains "duplicate key names both signers" "signer 'b' (key civ-a) has the public key of signer 'a' (key civ-a)" "$T/err"
expect_err SP_ERR_POLICY_KEY_ROLES "key roles names both roles" $I8 $W \
    --signer a:civil:$K/civ-a.pub --signer b:military:$LOGKEY.pub --rule '2 of all'
contains "key roles names both roles" "signer 'b' (key log.test.example/log) has the public key of log log.test.example/log" "$T/err"
sed "s|^\(witness w1 [^ ]*\).*|\1 http://127.0.0.1:|" "$T/witnesses" > "$T/witnesses-noport"
expect_err SP_ERR_POLICY_FORMAT "witness URL without a port" $I8 --witness-policy "$T/witnesses-noport" \
    --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule '2 of all'
contains "witness URL names the witness" "witness w1: URL 'http://127.0.0.1:'" "$T/err"
(cat "$T/witnesses"; i=0; while [ $i -lt 400 ]; do echo "# padding to pass the witness policy file limit, line $i"; i=$((i + 1)); done) > "$T/witnesses-big"
size=$(wc -c < "$T/witnesses-big" | tr -d ' ')
expect_err SP_ERR_POLICY_LIMIT "oversized witness policy" $I8 --witness-policy "$T/witnesses-big" \
    --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule '2 of all'
contains "oversized witness policy: its limit and size" "a witness policy file is at most 16384 bytes, this one is $size" "$T/err"
expect_err SP_ERR_NOTE_TOO_LARGE "huge note: the note limit" $SP note verify --key $K/mil-a.pub "$T/huge"
contains "huge note: the note limit" "a note is at most 16384 bytes, this one is 40000" "$T/err"
expect_err SP_ERR_POLICY_LIMIT "huge policy: the policy limit" $SP policy check "$T/huge"
contains "huge policy: the policy limit" "a policy is at most 16384 bytes, this one is 40000" "$T/err"
expect_err SP_ERR_POLICY_LIMIT "device init huge policy: the policy limit" $SP device init --policy "$T/huge" --state "$T/nodev"
contains "device init huge policy: the policy limit" "a policy is at most 16384 bytes, this one is 40000" "$T/err"

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
contains "statement verify: start in ISO 8601 UTC" "(start [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z)" "$T/out"
contains "verify accepted" "accepted" "$T/out"
run 0 "verify json" $SP statement verify --policy $P --json "$T/s1.note"
contains "json accepted" '"accepted":true' "$T/out"
SOFTPAUSE_POLICY=$P run 0 "collect with env policy" $SP statement collect --partial "$T/s1.mil-a" "$T/s1.civ-a"
run 2 "collect without policy" env -u SOFTPAUSE_POLICY $SP statement collect "$T/s1.mil-a"
# military-only quorum
for b in mil-a mil-b mil-c; do $SP note sign --key $K/$b.key "$T/s1.txt" > "$T/m.$b" 2>/dev/null; done
run 0 "collect military (--partial: a device would refuse it)" $SP statement collect --partial --policy $P "$T/m.mil-a" "$T/m.mil-b" "$T/m.mil-c"
cp "$T/out" "$T/military.note"
expect_err SP_ERR_QUORUM_NOT_MET "military-only quorum" $SP statement verify --policy $P "$T/military.note"
run 1 "json rejection" $SP statement verify --policy $P --json "$T/military.note"
contains "json failed rule" '"failed_rule":1' "$T/out"
# issue 8: throttle's range is 1..999 (0 was said to be allowed)
for m in throttle:0 throttle:1000; do
    run 2 "mode $m" $SP statement new --policy $P --epoch 1 --mode $m
    contains "mode $m range" "--mode throttle:PERMILLE: expected a decimal number 1\.\.999" "$T/err"
done
# An epoch past the policy's range names the policy's last epoch (not only 2^53 seconds).
expect_err SP_ERR_STMT_START_RANGE "epoch past the policy's range" \
    $SP statement new --policy $P --epoch 4503599627370496 --mode run --allow-future
contains "the last epoch is named" "--epoch 4503599627370496: this policy's last epoch is $(( (9007199254740992 - GENESIS) / 604800 ))$" "$T/err"
# issue 8: names from unknown signature lines are shown escaped, in text and JSON
mkdir -p "$T/evil"
$SP key generate "evil${BIDI}gro.example" --out "$T/evil" > /dev/null 2>&1
run 0 "sign with a bidi-named key" $SP note sign --key "$T/evil/evil%E2%80%AEgro.example.key" "$T/s1.note"
cp "$T/out" "$T/s1-evil.note"
run 0 "verify with an unknown bidi name" $SP statement verify --policy $P "$T/s1-evil.note"
contains "bidi name escaped in text" 'evil\\u202egro.example' "$T/out"
if grep -q "$BIDI" "$T/out"; then bad "a raw bidi override in the text output"; else ok; fi
run 0 "verify json with an unknown bidi name" $SP statement verify --policy $P --json "$T/s1-evil.note"
contains "bidi name escaped in json" 'evil\\u202egro.example' "$T/out"
if grep -q "$BIDI" "$T/out"; then bad "a raw bidi override in the JSON output"; else ok; fi
if command -v python3 > /dev/null; then
    if python3 -c 'import json,sys; json.load(open(sys.argv[1],encoding="utf-8"))' "$T/out"; then ok; else bad "statement verify --json is not valid JSON"; fi
fi
# ... and so are arguments that reach an error line before any option table: an unknown
# command, a --signer that is not BODY:TAGS:FILE.pub
run 2 "unknown command with a bidi name" $SP "x${BIDI}y"
contains "unknown command escaped" "unknown command 'x\\\\u202ey'" "$T/err"
if grep -q "$BIDI" "$T/err"; then bad "a raw bidi override in the unknown-command error"; else ok; fi
# equivocation: the record is the public key's, in the state directory
$SP statement new --policy $P --epoch 1 --mode pause > "$T/s1-pause.txt"
expect_err SP_ERR_EQUIVOCATION "different text same epoch" $SP note sign --key $K/mil-a.key "$T/s1-pause.txt"
contains "refusal names what was signed" "epoch 1 already signed, mode run" "$T/err"
$SP statement new --policy $P --epoch 0 --mode run > "$T/s0.txt"
expect_err SP_ERR_EQUIVOCATION "older epoch" $SP note sign --key $K/mil-a.key "$T/s0.txt"
contains "older epoch: names the epoch signed" "epoch 1 already signed, mode run" "$T/err"
run 0 "same text again is fine" $SP note sign --key $K/mil-a.key "$T/s1.txt"
STATE=$SOFTPAUSE_STATE_DIR
key_hash() { printf '%s' "$(cat "$1")" | sha256sum | cut -c1-64; }
SUFFIX=$(printf 'softpause/signing-record\n%s\n%s' test.example/pause authorisation | sha256sum | cut -c1-16)
REC=$STATE/$(key_hash $K/mil-a.pub).$SUFFIX.signed
if [ -f "$REC" ] && [ "$(stat -c %a "$REC")" = 600 ]; then ok; else bad "record named by the public key, mode 0600"; fi
same "state directory mode" "$(stat -c %a "$STATE")" 700
if ls $K/*.signed > /dev/null 2>&1; then bad "no record beside the key"; else ok; fi
# The same key through a symbolic link, a copy and a hard link: the same record.
mkdir "$T/elsewhere"
ln -s "$K/mil-a.key" "$T/elsewhere/link.key"; cp "$K/mil-a.key" "$T/elsewhere/copy.key"
ln "$K/mil-a.key" "$T/elsewhere/hard.key"
for how in link copy hard; do
    expect_err SP_ERR_EQUIVOCATION "key through a $how: same record" \
        $SP note sign --key "$T/elsewhere/$how.key" "$T/s1-pause.txt"
    contains "key through a $how: names what was signed" "epoch 1 already signed, mode run" "$T/err"
done
# Two signers at once, RUN and PAUSE for one epoch, each round in a fresh state directory:
# exactly one signs.
doubles=0 singles=0
for i in $(seq 20); do
    export SOFTPAUSE_STATE_DIR=$T/race.$i
    $SP note sign --key $K/mil-a.key "$T/s1.txt" > "$T/race.run" 2> /dev/null & p1=$!
    $SP note sign --key $K/mil-a.key "$T/s1-pause.txt" > "$T/race.pause" 2> /dev/null & p2=$!
    n=0; wait $p1 && n=$((n + 1)); wait $p2 && n=$((n + 1))
    [ $n = 2 ] && doubles=$((doubles + 1)); [ $n = 1 ] && singles=$((singles + 1))
done
export SOFTPAUSE_STATE_DIR=$STATE
same "concurrent note sign: one signature per round" "$doubles $singles" "0 20"
# The state directory: --state-dir wins over the environment; created 0700; refused when a
# symbolic link or writable by others; untouched by texts that are not statements.
run 0 "--state-dir" $SP note sign --key $K/mil-a.key --state-dir "$T/sd/nested" "$T/s1-pause.txt"
if [ -f "$T/sd/nested/$(key_hash $K/mil-a.pub).$SUFFIX.signed" ]; then ok; else bad "record in --state-dir"; fi
same "--state-dir mode" "$(stat -c %a "$T/sd/nested")" 700
ln -s "$T/sd/nested" "$T/sd-link"
expect_err SP_ERR_IO "state directory through a symbolic link" \
    $SP note sign --key $K/mil-a.key --state-dir "$T/sd-link" "$T/s1-pause.txt"
contains "symbolic link named" "symbolic link" "$T/err"
mkdir -m 777 "$T/sd-open"; chmod 777 "$T/sd-open"
expect_err SP_ERR_IO "world-writable state directory" \
    $SP note sign --key $K/mil-a.key --state-dir "$T/sd-open" "$T/s1-pause.txt"
contains "writable state directory named" "writable by group or others" "$T/err"
SOFTPAUSE_STATE_DIR=$T/never run 0 "a plain text needs no state directory" \
    $SP note sign --key $K/mil-a.key --text "$T/text"
if [ -e "$T/never" ]; then bad "no state directory made for a plain text"; else ok; fi
# A record an earlier version kept beside the key is honoured and migrated.
$SP key generate old-signer --out "$K" > /dev/null
$SP statement new --policy $P --epoch 6 --mode pause --allow-future > "$T/s6.txt"
{ printf 'softpause-signing-record/v1\nepoch 6\n'; cat "$T/s6.txt"; } > "$K/old-signer.$SUFFIX.signed"
expect_err SP_ERR_EQUIVOCATION "old record beside the key honoured" \
    $SP note sign --key $K/old-signer.key "$T/s1.txt"
contains "old record: names what was signed" "epoch 6 already signed, mode pause" "$T/err"
contains "migration reported" "migrated into" "$T/err"
if cmp -s "$K/old-signer.$SUFFIX.signed" "$STATE/$(key_hash $K/old-signer.pub).$SUFFIX.signed"; then ok; else bad "old record migrated into the state directory"; fi
if [ -f "$K/old-signer.$SUFFIX.signed" ]; then ok; else bad "old record kept"; fi
# Signing a future epoch by mistake: statement new refuses an epoch after the next by the
# host clock (this is epoch 2), note sign a start more than --max-ahead (8 days) ahead.
$SP key generate future-signer --out "$K" > /dev/null
run 0 "statement new: the next epoch" $SP statement new --policy $P --epoch 3 --mode run
cp "$T/out" "$T/s3.txt"
expect_err SP_ERR_SIGN_FUTURE "statement new: two epochs ahead" \
    $SP statement new --policy $P --epoch 4 --mode run
contains "statement new names the limit" "at most epoch 3" "$T/err"
run 0 "statement new --allow-future" $SP statement new --policy $P --epoch 5 --mode run --allow-future
cp "$T/out" "$T/s5.txt"
run 2 "--allow-future is statement new's" $SP statement verify --policy $P --allow-future "$T/s1.note"
expect_err SP_ERR_SIGN_FUTURE "note sign: a start 2 weeks ahead" \
    $SP note sign --key $K/future-signer.key "$T/s5.txt"
contains "note sign names the start" "starts $(date -u -d @$((GENESIS + 5 * WEEK)) +%Y-%m-%dT%H:%M:%SZ)" "$T/err"
if ls "$STATE/$(key_hash $K/future-signer.pub)".* > /dev/null 2>&1; then bad "nothing recorded for a refused future start"; else ok; fi
expect_err SP_ERR_SIGN_FUTURE "note sign: --max-ahead shorter" \
    $SP note sign --key $K/future-signer.key --max-ahead 3600 "$T/s3.txt"
run 2 "--max-ahead and --allow-future together" \
    $SP note sign --key $K/future-signer.key --max-ahead 3600 --allow-future "$T/s5.txt"
run 2 "--max-ahead needs a number" $SP note sign --key $K/future-signer.key --max-ahead soon "$T/s5.txt"
run 0 "note sign: the next epoch is within 8 days" $SP note sign --key $K/future-signer.key "$T/s3.txt"
run 0 "note sign --max-ahead longer" $SP note sign --key $K/future-signer.key --max-ahead 1900000 "$T/s5.txt"
run 0 "note sign --allow-future" $SP note sign --key $K/civ-a.key --allow-future "$T/s5.txt"
# collect refuses different texts
$SP note sign --key $K/civ-b.key "$T/s1-pause.txt" > "$T/s1p.civ-b"
expect_err SP_ERR_COLLECT_MISMATCH "collect different texts" $SP statement collect --policy $P "$T/s1.mil-a" "$T/s1p.civ-b"
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
# Times shown to people are ISO 8601 UTC (--json keeps Unix seconds).
contains "bundle verify: cosignature times in ISO 8601 UTC" "cosigned by w1 (w1.test.example) at [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z$" "$T/out"
contains "bundle verify: attested time in ISO 8601 UTC" "attested time [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z$" "$T/out"
run 0 "bundle verify json" $SP bundle verify --policy $P --json "$T/b1"
contains "json bundle accepted" '"accepted":true' "$T/out"
expect_err SP_ERR_BUNDLE_BARE_STATEMENT "a bare statement is no bundle" \
    $SP bundle verify --policy $P "$T/s1.note"
run 0 "export a static mirror" $SP log export --db "$T/log.db" "$T/mirror"
run 0 "bundle from the mirror" $SP bundle make --policy $P --log "$T/mirror" --out "$T/b1-mirror" "$T/s1.note"
contains "bundle make: attested time in ISO 8601 UTC" "^bundle: epoch 1 at index 0 of [0-9]*, [0-9] witnesses, attested [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z$" "$T/err"
# The same statement, index and proof; the checkpoint's cosignatures may be newer (the log
# asks its witnesses again every second), so compare the proof part before the blank line.
sed '/^$/q' "$T/b1" > "$T/b1.head"; sed '/^$/q' "$T/b1-mirror" > "$T/b1-mirror.head"
if cmp -s "$T/b1.head" "$T/b1-mirror.head"; then ok; else bad "the mirror gives the same proof"; fi
run 0 "the mirror's bundle verifies" $SP bundle verify --policy $P "$T/b1-mirror"
if small_disk "$T/small" 64k; then
    fill_disk "$T/small"
    expect_err SP_ERR_DISK_FULL "export to a full disk says so" \
        $SP log export --db "$T/log.db" "$T/small/mirror"
    small_disk_end "$T/small"
fi
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
mkdir "$T/dirdev"
expect_err SP_ERR_IO "a directory is no device" $SP device status --state "$T/dirdev"
contains "a directory as the device says so" "dirdev: SP_ERR_IO: .*a directory, not a simulated device's flash image (Is a directory)" "$T/err"
if [ -e "$T/dirdev.lock" ]; then bad "status of a directory creates no lock file"; else ok; fi
# A refused init creates nothing, so the device can still be provisioned.
expect_err SP_ERR_POLICY "device init with a bad policy refused" \
    $SP device init --policy "$T/policy-comment" --state $D
contains "bad policy named with its line" "policy-comment:" "$T/err"
if [ -e "$D" ] || [ -e "$D.chip" ] || [ -e "$D.lock" ]; then bad "refused init left files"; else ok; fi
run 0 "device init" $SP device init --policy $P --state $D
if [ -f "$D.lock" ] && [ "$(stat -c %a "$D.lock")" = 600 ]; then ok; else bad "lock file, mode 0600"; fi
expect_err SP_ERR_EXISTS "init twice" $SP device init --policy $P --state $D
contains "init twice names the chip file" "$D.chip: SP_ERR_EXISTS: .*a device's chip file is already here" "$T/err"
expect_err SP_ERR_EXISTS "init over a file that is no device" $SP device init --policy $P --state "$T/text"
contains "that file is named" "text: SP_ERR_EXISTS: .*a file that is no flash image is here" "$T/err"
if [ -f "$D.lock" ]; then ok; else bad "a refused init keeps the lock file it did not create"; fi
run 1 "status fresh: the device would pause" $SP device status --state $D --json
contains "fresh device has no epoch" '"highest_epoch":null' "$T/out"
contains "fresh device decides pause" '"decision":{"mode":"pause","permille":0,"available":0,"reason":"SP_ERR_DEV_NO_AUTHORISATION"}' "$T/out"
expect_err SP_ERR_DEV_NO_AUTHORISATION "consume before any statement" $SP device consume --state $D 60
contains "pause printed" "PAUSE" "$T/out"
expect_err SP_ERR_BUNDLE_BARE_STATEMENT "device refuses a bare statement" $SP device apply --state $D "$T/s1.note"
# The log refuses the military-only statement, so a test tool logs it in a tree of its own
# (signed by the log key, cosigned by the witnesses): the device's quorum check refuses it.
$FORGE_BUNDLE "$LOGKEY.key" "$T/military.note" "$K/w1.test.example.key" \
    "$K/w2.test.example.key" > "$T/military.bundle"
run 1 "the forged bundle's checkpoint and proof verify" $SP bundle verify --policy $P --json \
    "$T/military.bundle"
contains "only the statement fails" '"error":"SP_ERR_QUORUM_NOT_MET"' "$T/out"
expect_err SP_ERR_QUORUM_NOT_MET "device refuses military-only" $SP device apply --state $D "$T/military.bundle"
run 0 "apply epoch 1" $SP device apply --state $D "$T/b1"
contains "allowance set" "allowance set to 691200" "$T/out"
cp $D "$T/dev.state.epoch1"   # an attacker images the external flash now
run 0 "consume" $SP device consume --state $D 3600
contains "run granted" "^RUN 3600" "$T/out"
expect_err SP_ERR_DEV_EPOCH_NOT_NEWER "replay epoch 1" $SP device apply --state $D "$T/b1"
run 0 "status" $SP device status --state $D
contains "device status: attested time in ISO 8601 UTC" "^attested time   [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z$" "$T/out"
contains "status allowance" "687600 s" "$T/out"
contains "status decision" "decision now    RUN (687600 s available)" "$T/out"
run 0 "status json" $SP device status --state $D --json
if grep -q '"attested_time":0' "$T/out"; then bad "attested time set by the bundle"; else ok; fi
contains "status json: no reason after a grant" '"last_reason":null' "$T/out"

# kill -9 of device init at any moment (no cleanup runs) never leaves a device that can be
# neither provisioned nor used: the next init finishes the job, or the device works.
D3=$T/dev3.state stuck=0
for round in $(seq 20); do
    rm -f "$D3" "$D3".*
    $SP device init --policy $P --state "$D3" > /dev/null 2>&1 & kpid=$!
    sleep "0.00$((round % 8))"; kill -9 $kpid 2> /dev/null; wait $kpid 2> /dev/null
    $SP device init --policy $P --state "$D3" > /dev/null 2>&1
    $SP device apply --state "$D3" "$T/b1" > /dev/null 2> "$T/kill.err" || stuck=$((stuck + 1))
done
if [ "$stuck" -eq 0 ]; then ok; else bad "$stuck devices half-provisioned by a killed init"; fi

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
contains "consume: the range named is the one accepted" "expected a decimal number 1\.\.9007199254740992, got '0'" "$T/err"
mv $D.chip $D.chip.saved && mkdir $D.chip
expect_err SP_ERR_IO "a directory as the chip file" $SP device status --state $D
contains "the chip directory is named" "$D.chip: SP_ERR_IO: .*cannot read the chip file (Is a directory)" "$T/err"
rmdir $D.chip && mv $D.chip.saved $D.chip
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
if ls "$T/demo/signing-state/"*.signed > /dev/null 2>&1; then ok; else bad "demo keeps its signing records in DIR/signing-state"; fi

cli_finish
