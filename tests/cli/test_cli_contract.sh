#!/bin/sh
# test_cli_contract.sh -- what every softpause subcommand promises about its options and its
# output, run by tools/run-tests.sh against $SOFTPAUSE (issue 8, items 9 and 11):
#
#   options    every subcommand honours the options it declares and refuses every other
#              option of its command with exit 2 (the lists come from the binary's own
#              tables, through `softpause COMMAND SUB --help`, so they cannot drift)
#   --json     every subcommand that takes --json prints one JSON object on stdout, a
#              failure too ({"error": NAME, "message": TEXT})
#   output     with stdout on /dev/full, on a full file system, past a file-size limit or
#              into a closed pipe, every subcommand that prints exits 3 naming the errno;
#              files written with --out appear whole or not at all
#   inputs     a directory given as an input file is refused naming the file and EISDIR
set -u
. tests/support/cli_lib.sh
cli_setup "cli contract" sp-contract
cli_require "$SP"
export SOFTPAUSE_STATE_DIR="$T/state" # signing records (never the user's home)
cli_need skipped python3
# json_ok EXPR FILE: FILE is exactly one JSON object d (one line) and the Python EXPR holds.
json_ok() {
    python3 - "$1" "$2" <<'PY' 2> /dev/null
import json, sys
text = open(sys.argv[2], encoding="utf-8").read()
d = json.loads(text)
sys.exit(0 if isinstance(d, dict) and text.count("\n") == 1 and eval(sys.argv[1]) else 1)
PY
}
json_get() { python3 -c 'import json,sys; print(json.load(open(sys.argv[2]))[sys.argv[1]], end="")' "$1" "$2"; }
MNT=$T/full
cleanup() {
    for f in "$T"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2> /dev/null; done
    mountpoint -q "$MNT" 2> /dev/null && umount "$MNT"
    rm -rf "$T"
}
trap cleanup EXIT

# ---- fixtures: keys, a policy, a statement, a log and three witnesses, a bundle --------------
test_keys
wait_file() { for i in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }
# A witness that must be told to create its database says so in its usage.
WINIT=
$SP witness --help | grep -q -- '--init\b' && WINIT=--init
for w in w1 w2 w3; do
    $SP witness serve $WINIT --key "$K/$w.test.example.key" --db "$T/$w.db" \
        --log "$(cat "$LOGKEY.pub")" --port-file "$T/$w.port" > /dev/null 2> "$T/$w.err" &
    echo $! > "$T/$w.pid"
done
for w in w1 w2 w3; do if wait_file "$T/$w.port"; then ok; else bad "witness $w starts"; fi; done
witness_policy "$LOGKEY.pub" "$K" "http://127.0.0.1:$(cat "$T/w1.port")" \
    "http://127.0.0.1:$(cat "$T/w2.port")" "http://127.0.0.1:$(cat "$T/w3.port")" > "$T/witnesses"
WEEK=604800
GENESIS=$(( $(date +%s) / WEEK * WEEK - 2 * WEEK ))
policy_init() { # policy_init ALLOWANCE EXTRA...: the fixture policy, to stdout or --out
    a=$1; shift
    $SP policy init --deployment test.example/contract --genesis $GENESIS --epoch-length $WEEK \
        --allowance $a --witness-policy "$T/witnesses" \
        --signer mil-a:military:$K/mil-a.pub --signer mil-b:military:$K/mil-b.pub \
        --signer civ-a:civil:$K/civ-a.pub --rule '2 of all' --rule '1 of civil' "$@"
}
run 0 "policy" policy_init 691200 --out "$T/policy"
P=$T/policy
$SP statement new --policy $P --epoch 1 --mode run > "$T/s1.txt"
for b in mil-a civ-a; do $SP note sign --key $K/$b.key "$T/s1.txt" > "$T/s1.$b"; done
$SP statement collect --policy $P "$T/s1.mil-a" "$T/s1.civ-a" > "$T/s1.note" 2> /dev/null
# A policy update P -> P2 (version 2, another allowance), signed by mil-a and civ-a.
policy_init 700000 --version 2 --out "$T/policy2" 2> /dev/null
$SP policy propose --policy $P --new "$T/policy2" --out "$T/u2.txt" 2> /dev/null
for b in mil-a civ-a; do $SP policy sign --key $K/$b.key "$T/u2.txt" > "$T/u2.$b" 2> /dev/null; done
$SP policy collect --policy $P "$T/u2.mil-a" "$T/u2.civ-a" > "$T/u2.note" 2> /dev/null
# ... in a bundle (forged: a one-entry log under the test keys), for policy apply
$(dirname "$SP")/tests/tools/forge_bundle "$LOGKEY.key" "$T/u2.note" $K/w1.test.example.key \
    $K/w2.test.example.key > "$T/ub2" 2> /dev/null
$SP log serve --policy $P --key "$LOGKEY.key" --db "$T/log.db" --witness-interval 1 \
    --port-file "$T/log.port" > /dev/null 2> "$T/log.err" &
echo $! > "$T/log.pid"
if wait_file "$T/log.port"; then ok; else bad "log starts"; fi
URL=http://127.0.0.1:$(cat "$T/log.port")
run 0 "publish --json" $SP bundle publish --log "$URL" --json "$T/s1.note"
if json_ok 'd["index"] == 0' "$T/out"; then ok; else bad "publish --json gives the index"; fi
made=0
for i in $(seq 100); do
    $SP bundle make --policy $P --log "$URL" --out "$T/b1" "$T/s1.note" > /dev/null 2>&1 && { made=1; break; }
    sleep 0.1
done
if [ $made = 1 ]; then ok; else bad "a bundle once the witnesses cosign"; fi
run 0 "log export" $SP log export --db "$T/log.db" "$T/mirror"
$SP device init --policy $P --state "$T/dev" > /dev/null
$SP device apply --state "$T/dev" "$T/b1" > /dev/null

# ---- item 9: options -------------------------------------------------------------------------
subs_of() { # the subcommands a command's usage lists
    $SP "$1" --help | sed -n "s/^\(usage:\)\{0,1\} *softpause $1 \([a-z][a-z]*\).*/\2/p" | sort -u
}
opts_of() { # the options a subcommand's own table declares, one a line ("--x ARG" or "--x")
    $SP "$1" "$2" --help 2> /dev/null | sed -n "s/^options of $1 $2: //p" | tr ',' '\n' |
        sed 's/^ *//; /^none$/d'
}
for c in note policy statement bundle log device; do
    : > "$T/union"
    for s in $(subs_of $c); do
        opts_of $c $s > "$T/opts.$c.$s"
        if [ -s "$T/opts.$c.$s" ] || $SP $c $s --help | grep -q "^options of $c $s: none"; then ok
        else bad "$c $s --help lists its options"; fi
        cat "$T/opts.$c.$s" >> "$T/union"
    done
    sort -u "$T/union" -o "$T/union"
    for s in $(subs_of $c); do
        while read -r opt arg; do
            [ -n "$arg" ] && a="$opt=$T/nothing-here" || a=$opt
            if grep -qx -- "$opt${arg:+ $arg}" "$T/opts.$c.$s"; then
                # declared: honoured, never refused as unknown (it fails later, for want of
                # the other arguments, or does its work)
                timeout 20 $SP $c $s "$a" < /dev/null > "$T/out" 2> "$T/err"
                if grep -q "takes no option" "$T/err"; then bad "$c $s refuses its own $opt"; else ok; fi
            else
                timeout 20 $SP $c $s "$a" < /dev/null > "$T/out" 2> "$T/err"; got=$?
                if [ $got = 2 ] && grep -q "$c $s takes no option '$opt'" "$T/err"; then ok
                else bad "$c $s $opt: exit $got, expected a refusal (exit 2)"; fi
            fi
        done < "$T/union"
    done
done
# A one-value option given twice is refused: last-wins would silently drop the first.
for args in "device status --state A --state B" "policy hash --policy A --policy=B" \
    "log serve --db A --db B" "note sign --key A --key B" "statement new --epoch 1 --epoch 2" \
    "witness serve --db A --db B" "bundle make --index 1 --index 2"; do
    run 2 "$args" $SP $args
    contains "$args: named" "option --[a-z]* given twice" "$T/err"
done
run 2 "an option of no subcommand" $SP device status --state "$T/dev" --bogus
contains "refusal lists what it takes" "options of device status: --state ARG" "$T/err"
# --policy names the policy where a policy is what the command works on
run 0 "policy hash --policy" $SP policy hash --policy $P
cp "$T/out" "$T/hash.opt"
run 0 "policy hash POLICY" $SP policy hash $P
if cmp -s "$T/out" "$T/hash.opt"; then ok; else bad "--policy and POLICY name the same policy"; fi
run 2 "POLICY and --policy together" $SP policy check --policy $P $P
run 0 "policy check --policy" $SP policy check --policy $P

# ---- item 9: --json, successes and failures ----------------------------------------------
json_sub() { # json_sub NAME FILTER CMD...: exit 0 and FILTER holds on stdout
    n=$1 f=$2; shift 2
    run 0 "$n" "$@"
    if json_ok "$f" "$T/out"; then ok; else bad "$n: '$f' on $(head -c 300 "$T/out")"; fi
}
json_fail() { # json_fail STATUS NAME CODE CMD...: that exit, {"error":CODE,"message":...}
    st=$1 n=$2 code=$3; shift 3
    run "$st" "$n" "$@"
    if json_ok "d['error'] == '$code' and len(d['message']) > 0" "$T/out"; then ok; else bad "$n: JSON failure on $(head -c 300 "$T/out")"; fi
}
json_sub "statement new --json" 'd["epoch"] == 1 and d["mode"] == "run"' $SP statement new --policy $P --epoch 1 --mode run --json
if [ "$(json_get text "$T/out")" = "$(cat "$T/s1.txt")" ]; then ok; else bad "statement new --json carries the text"; fi
json_sub "statement collect --json" 'd["merged"] == 2 and d["invalid"] == 0' $SP statement collect --policy $P --json "$T/s1.mil-a" "$T/s1.civ-a"
if [ "$(json_get note "$T/out")" = "$(cat "$T/s1.note")" ]; then ok; else bad "statement collect --json carries the note"; fi
json_sub "statement verify --json" 'd["accepted"] == True and d["error"] == None and d["message"] == None' $SP statement verify --policy $P --json "$T/s1.note"
json_sub "policy check --json" 'd["ok"] == True and d["signers"] == 3' $SP policy check --json $P
json_sub "policy hash --json" "d['hash'] == '$(cat "$T/hash.opt")'" $SP policy hash --json $P
json_sub "policy show --json" 'len(d["signers"]) == 3' $SP policy show --json $P
json_sub "policy verify --json" 'd["accepted"] == True and d["version"] == 2 and d["error"] == None' $SP policy verify --policy $P --json "$T/u2.note"
json_sub "bundle make --json" 'd["index"] == 0 and d["epoch"] == 1 and d["witnesses"] >= 2' $SP bundle make --policy $P --log "$T/mirror" --out "$T/b1.json-made" --json "$T/s1.note"
json_fail 2 "bundle make --json without --out" SP_ERR_USAGE $SP bundle make --policy $P --log "$T/mirror" --json "$T/s1.note"
json_sub "bundle verify --json" 'd["accepted"] == True' $SP bundle verify --policy $P --json "$T/b1"
json_sub "device init --json" "d['policy'] == '$(cat "$T/hash.opt")'" $SP device init --policy $P --state "$T/dev2" --json
json_fail 1 "device consume --json before any bundle" SP_ERR_DEV_NO_AUTHORISATION $SP device consume --state "$T/dev2" --json 60
if json_ok 'd["decision"] == "pause" and d["granted"] == 0' "$T/out"; then ok; else bad "a PAUSE is a decision"; fi
json_sub "device apply --json" 'd["accepted"] == True and d["epoch"] == 1 and d["allowance"] == 691200' $SP device apply --state "$T/dev2" --json "$T/b1"
json_fail 1 "device apply --json refused" SP_ERR_DEV_EPOCH_NOT_NEWER $SP device apply --state "$T/dev2" --json "$T/b1"
if json_ok 'd["accepted"] == False and d["checkpoint_verified"] == True' "$T/out"; then ok; else bad "a refused bundle is reported"; fi
json_sub "device consume --json" 'd["decision"] == "run" and d["granted"] == 60' $SP device consume --state "$T/dev2" --json 60
json_sub "device status --json" 'd["allowance"] <= 691140' $SP device status --state "$T/dev2" --json
json_fail 1 "bundle publish --json refused" SP_ERR_QUORUM_NOT_MET $SP bundle publish --log "$URL" --json "$T/s1.mil-a"
# Every subcommand that takes --json: a usage error and a missing input file are JSON too.
cat > "$T/missing-cases" <<EOF
policy check|policy check --json $T/missing
policy show|policy show --json $T/missing
policy hash|policy hash --json $T/missing
statement new|statement new --json --policy $T/missing --epoch 1 --mode run
statement collect|statement collect --json --policy $P $T/missing
statement verify|statement verify --json --policy $P $T/missing
policy verify|policy verify --json --policy $P $T/missing
policy publish|policy publish --json --policy $P --log $URL $T/missing
policy fetch|policy fetch --json --policy $T/missing --log $URL
bundle publish|bundle publish --json --log $URL $T/missing
bundle make|bundle make --json --policy $P --log $T/mirror --out $T/b.none $T/missing
bundle verify|bundle verify --json --policy $P $T/missing
device init|device init --json --policy $T/missing --state $T/dev.none
device apply|device apply --json --state $T/dev2 $T/missing
policy apply|policy apply --json --state $T/dev2 $T/missing
device consume|device consume --json --state $T/missing 60
device status|device status --json --state $T/missing
EOF
for c in note policy statement bundle log device; do
    for s in $(subs_of $c); do
        grep -qx -- "--json" "$T/opts.$c.$s" || continue
        json_fail 2 "$c $s --json usage error" SP_ERR_USAGE $SP $c $s --json < /dev/null
        if grep -q "^$c $s|" "$T/missing-cases"; then ok; else bad "no missing-file case for $c $s"; fi
    done
done
while IFS='|' read -r what args; do
    json_fail 3 "$what --json on a missing file" SP_ERR_IO $SP $args
    if json_ok '"missing" in d["message"] and "No such file" in d["message"]' "$T/out"; then ok
    else bad "$what: the message names the file and the errno"; fi
done < "$T/missing-cases"

# ---- item 11: output failures ----------------------------------------------------------------
# Every subcommand that prints, with stdout on /dev/full: exit 3, SP_ERR_IO naming ENOSPC.
# One line each: "COMMAND SUB|ARGS..." (cases for every subcommand the usages list).
cat > "$T/printing" <<EOF
key generate|key generate k1 --out $T
note sign|note sign --key $K/mil-a.key $T/s1.txt
note verify|note verify --key $K/mil-a.pub $T/s1.mil-a
policy init|policy init --deployment d --genesis 0 --epoch-length 3600 --allowance 10 --witness-policy $T/witnesses --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule 2-of-all
policy check|policy check $P
policy show|policy show $P
policy hash|policy hash $P
statement new|statement new --policy $P --epoch 1 --mode run
statement collect|statement collect --policy $P $T/s1.mil-a $T/s1.civ-a
statement verify|statement verify --policy $P $T/s1.note
policy propose|policy propose --policy $P --new $T/policy2
policy sign|policy sign --key $K/mil-a.key $T/u2.txt
policy collect|policy collect --policy $P $T/u2.mil-a $T/u2.civ-a
policy verify|policy verify --policy $P $T/u2.note
bundle publish|bundle publish --log $URL $T/s1.note
bundle make|bundle make --policy $P --log $T/mirror $T/s1.note
bundle verify|bundle verify --policy $P $T/b1
log serve|log serve --policy $P --key $LOGKEY.key --db $T/log2.db
log export|log export --db $T/log.db $T/mirror2
device init|device init --policy $P --state $T/dev3
device apply|device apply --state $T/dev3 $T/b1
policy apply|policy apply --state $T/dev3 $T/ub2
device consume|device consume --state $T/dev2 5
device status|device status --state $T/dev2
witness serve|witness serve $WINIT --key $K/w1.test.example.key --db $T/w9.db --log $K/log.test.example%2Flog.pub
demo demo|demo --dir $T/demo
epoch epoch|epoch --policy $P 1
policy publish|policy publish --policy $P --log $URL --out $T/pu2 --timeout 120 $T/u2.note
policy fetch|policy fetch --policy $P --log $URL --out $T/fetched
EOF
sed -i 's/--rule 2-of-all/--rule "2 of all"/' "$T/printing"
for c in key note policy statement bundle log device witness demo epoch; do
    for s in $(subs_of $c) $( [ $c = demo ] && echo demo ) $( [ $c = epoch ] && echo epoch ) \
        $( [ $c = witness ] && echo serve ); do
        grep -q "^$c $s|" "$T/printing" && ok || bad "no /dev/full case for $c $s"
    done
done
while IFS='|' read -r what args; do
    eval "set -- $args"
    timeout 60 $SP "$@" > /dev/full 2> "$T/err" < /dev/null; got=$?
    record_codes "$T/err"
    if [ $got = 3 ] && grep -q "<stdout>: SP_ERR_IO: .*(No space left on device)" "$T/err"; then ok
    else bad "$what on /dev/full: exit $got"; fi
done < "$T/printing"
# JSON mode too, and a failure's own output.
run 3 "--json on /dev/full" sh -c "$SP device status --state $T/dev2 --json > /dev/full"
contains "no JSON on stderr" "SP_ERR_IO" "$T/err"
run 1 "a refusal on /dev/full keeps its status" sh -c "$SP device apply --state $T/dev2 --json $T/b1 > /dev/full"
contains "and says the output was lost" "<stdout>: SP_ERR_IO" "$T/err"

# A reader that closed the pipe: EPIPE reported, exit 3 -- not a silent death by SIGPIPE
# (141).  The reader is gone long before the command writes.
( sleep 0.3; $SP policy show $P 2> "$T/err"; echo $? > "$T/rc" ) | true
same "closed pipe: exit 3" "$(cat "$T/rc")" 3
contains "closed pipe: EPIPE named" "<stdout>: SP_ERR_IO: .*(Broken pipe)" "$T/err"

# Past a file-size limit: EFBIG, not SIGXFSZ; --out leaves nothing behind.
mkdir -p "$T/small"
run 3 "policy init --out past ulimit -f" sh -c "ulimit -f 1; exec \"\$@\"" sh $SP policy init \
    --deployment d --genesis 0 --epoch-length 3600 --allowance 10 --witness-policy "$T/witnesses" \
    --signer a:civil:$K/civ-a.pub --signer b:military:$K/mil-a.pub --rule '2 of all' \
    --out "$T/small/policy"
contains "EFBIG named" "File too large" "$T/err"
run 3 "bundle make --out past ulimit -f" sh -c "ulimit -f 1; exec \"\$@\"" sh $SP bundle make \
    --policy $P --log "$T/mirror" --out "$T/small/bundle" "$T/s1.note"
contains "EFBIG named" "small/bundle: SP_ERR_IO: .*(File too large)" "$T/err"
run 3 "stdout past ulimit -f" sh -c "ulimit -f 1; exec \"\$@\" > $T/small/stdout" sh $SP policy show $P
contains "EFBIG on stdout" "<stdout>: SP_ERR_IO: .*(File too large)" "$T/err"
if [ -z "$(ls -A "$T/small" | grep -v '^stdout$')" ]; then ok; else bad "partial files left: $(ls -A "$T/small")"; fi

# A full file system (a small tmpfs; needs root and mount).
mkdir -p "$MNT"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k tmpfs "$MNT" 2> /dev/null; then
    dd if=/dev/zero of="$MNT/fill" bs=4096 count=64 2> /dev/null
    run 3 "policy init --out on a full disk" policy_init 691200 --out "$MNT/policy"
    contains "ENOSPC named" "policy: SP_ERR_IO: .*(No space left on device)" "$T/err"
    run 3 "key generate on a full disk" $SP key generate k2 --out "$MNT"
    run 3 "bundle make --out on a full disk" $SP bundle make --policy $P --log "$T/mirror" \
        --out "$MNT/bundle" "$T/s1.note"
    run 3 "stdout to a full disk" sh -c "$SP statement new --policy $P --epoch 1 --mode run > $MNT/s"
    contains "ENOSPC on stdout" "<stdout>: SP_ERR_IO: .*(No space left on device)" "$T/err"
    left=$(ls -A "$MNT" | grep -v -x -e fill -e s)
    if [ -z "$left" ]; then ok; else bad "a full disk left files: $left"; fi
    umount "$MNT"
else
    echo "$SUITE: SKIP full file system (needs root and tmpfs)"
fi

# ---- item 11: a directory as an input file -----------------------------------------------
DIR=$T/a-directory
mkdir -p "$DIR"
while IFS='|' read -r what args; do
    eval "set -- $args"
    timeout 20 $SP "$@" > "$T/out" 2> "$T/err" < /dev/null; got=$?
    record_codes "$T/err"
    if [ $got = 3 ] && grep -q "a-directory.*SP_ERR_IO: .*(Is a directory)" "$T/err"; then ok
    else bad "$what: exit $got, wanted EISDIR naming the directory"; fi
done <<EOF
note sign input|note sign --key $K/mil-a.key $DIR
note sign key|note sign --key $DIR $T/s1.txt
note verify key|note verify --key $DIR $T/s1.note
policy check|policy check $DIR
policy init witness policy|policy init --deployment d --genesis 0 --epoch-length 3600 --allowance 10 --witness-policy $DIR --signer a:civil:$K/civ-a.pub --rule "1 of all"
policy init signer key|policy init --deployment d --genesis 0 --epoch-length 3600 --allowance 10 --witness-policy $T/witnesses --signer a:civil:$DIR --rule "1 of all"
statement new policy|statement new --policy $DIR --epoch 1 --mode run
statement collect|statement collect --policy $P $DIR
statement verify|statement verify --policy $P $DIR
bundle publish|bundle publish --log $URL $DIR
bundle make statement|bundle make --policy $P --log $T/mirror $DIR
bundle verify|bundle verify --policy $P $DIR
device init policy|device init --policy $DIR --state $T/dev4
device init state|device init --policy $P --state $DIR
device apply bundle|device apply --state $T/dev2 $DIR
device status state|device status --state $DIR
log export db|log export --db $DIR $T/mirror3
log serve db|log serve --policy $P --key $LOGKEY.key --db $DIR
witness serve db|witness serve $WINIT --key $K/w1.test.example.key --db $DIR --log $LOGKEY.pub
EOF

cli_finish
