#!/bin/sh
# test_policy_update.sh -- the policy-update commands (issue 9 section 4, protocol.md
# section 18): policy propose, sign, collect and verify, with real keys made here.
#
# P1 (5 bodies; rules 3 of all, 1 of civil; witnesses 2 of 3) -> P2: civ-b re-keyed
# (civ-b2), allowance changed.  Signed by P1's quorum and civ-b2 (proof of possession).
set -u
. tests/support/cli_lib.sh
cli_setup "policy update" sp-pu

test_keys mil-a mil-b mil-c civ-a civ-b civ-b2 civ-c
witness_policy "$K/log.test.example%2Flog.pub" "$K" > "$T/witnesses"
# two witnesses only, 2 of 2: does not survive the loss of one
{ echo "log $(cat "$K/log.test.example%2Flog.pub")"
  echo "witness w1 $(cat "$K/w1.test.example.pub")"
  echo "witness w2 $(cat "$K/w2.test.example.pub")"
  echo "group witnesses 2 w1 w2"; echo "quorum witnesses"; } > "$T/witnesses-2of2"

# policy VERSION OUT CIV-B-KEY [ALLOWANCE]  (a one-value option may be given only once)
policy() {
    v=$1 out=$2 civb=$3 allowance=${4:-691200}; shift 3; [ $# -gt 0 ] && shift
    $SP policy init --deployment test.example/pause --genesis 1700000000 \
        --epoch-length 604800 --allowance $allowance --witness-policy "$T/witnesses" --version $v \
        --signer mil-a:military:$K/mil-a.pub --signer mil-b:military:$K/mil-b.pub \
        --signer mil-c:military:$K/mil-c.pub --signer civ-a:civil:$K/civ-a.pub \
        --signer civ-b:civil:$K/$civb.pub --rule '3 of all' --rule '1 of civil' "$@" \
        --out "$out" > "$T/out" 2> "$T/err" || bad "policy init $out"
}
policy 1 "$T/p1" civ-b
policy 2 "$T/p2" civ-b2 700000
policy 3 "$T/p3" civ-b2 700000

# ---- propose -----------------------------------------------------------------------------
run 0 "propose" $SP policy propose --policy "$T/p1" --new "$T/p2" --out "$T/u12"
contains "propose names the re-keyed signer" "signer re-keyed: civ-b" "$T/err"
contains "propose names the allowance" "allowance: 691200 s -> 700000 s" "$T/err"
if head -1 "$T/u12" | grep -q '^softpause/v1 policy-update test.example/pause$'; then ok; else bad "update header"; fi
run 0 "propose to stdout" $SP policy propose --policy "$T/p1" --new "$T/p2"
if cmp -s "$T/out" "$T/u12"; then ok; else bad "stdout and --out agree"; fi
expect_err SP_ERR_EXISTS "propose never overwrites" $SP policy propose --policy "$T/p1" --new "$T/p2" --out "$T/u12"
expect_err SP_ERR_UPDATE_NOT_NEWER "propose a version not newer" $SP policy propose --policy "$T/p2" --new "$T/p2"
expect_err SP_ERR_UPDATE_SKIPPED "propose a skip" $SP policy propose --policy "$T/p1" --new "$T/p3"
$SP policy init --deployment test.example/pause --genesis 1700000000 --epoch-length 604800 \
    --allowance 691200 --witness-policy "$T/witnesses" --version 2 \
    --signer mil-a:military:$K/mil-a.pub --signer mil-b:military:$K/mil-b.pub \
    --signer mil-c:military:$K/mil-c.pub --signer civ-a:civil:$K/civ-a.pub \
    --signer civ-b:civil:$K/civ-b.pub --rule '3 of all' --out "$T/p2-dropped" 2> /dev/null
expect_err SP_ERR_UPDATE_RULE_DROPPED "propose drops the civil rule" $SP policy propose --policy "$T/p1" --new "$T/p2-dropped"
$SP policy init --deployment test.example/pause --genesis 1700000000 --epoch-length 604800 \
    --allowance 691200 --witness-policy "$T/witnesses-2of2" --version 2 \
    --signer mil-a:military:$K/mil-a.pub --signer mil-b:military:$K/mil-b.pub \
    --signer mil-c:military:$K/mil-c.pub --signer civ-a:civil:$K/civ-a.pub \
    --signer civ-b:civil:$K/civ-b.pub --rule '3 of all' --rule '1 of civil' --out "$T/p2-w2" 2> /dev/null
expect_err SP_ERR_UPDATE_WITNESS_QUORUM "propose witnesses 2 of 2" $SP policy propose --policy "$T/p1" --new "$T/p2-w2"
# Too large: P1's 5 keys plus 28 new ones are 33 signature lines, over SP_MAX_SIG_LINES.
big=""
for i in $(seq 28); do $SP key generate big-$i --out "$K" > /dev/null; big="$big --signer big-$i:military:$K/big-$i.pub"; done
$SP policy init --deployment test.example/pause --genesis 1700000000 --epoch-length 604800 \
    --allowance 691200 --witness-policy "$T/witnesses" --version 2 \
    --signer civ-a:civil:$K/civ-c.pub --signer civ-b:civil:$K/civ-b2.pub $big \
    --rule '3 of all' --rule '1 of civil' --out "$T/p2-big" > /dev/null 2>&1 || bad "big policy"
expect_err SP_ERR_UPDATE_TOO_LARGE "propose too large" $SP policy propose --policy "$T/p1" --new "$T/p2-big"
contains "too large says how many lines" "35 signature lines" "$T/err"

# ---- sign, collect, verify -----------------------------------------------------------------
for b in mil-a civ-a mil-b civ-b2; do
    run 0 "sign $b" $SP policy sign --key $K/$b.key "$T/u12"; cp "$T/out" "$T/s-$b"
done
run 0 "sign with --policy prints the changes" $SP policy sign --key $K/civ-b.key --policy "$T/p1" "$T/u12"
contains "sign --policy summary" "signer re-keyed: civ-b" "$T/err"
cp "$T/out" "$T/s-civ-b"
expect_err SP_ERR_UPDATE_UNSIGNED_KEY "collect refuses an update a device would refuse" \
    $SP policy collect --policy "$T/p1" "$T/s-mil-a" "$T/s-civ-a" "$T/s-mil-b"
same "collect: nothing written on refusal" "$(wc -c < "$T/out" | tr -d ' ')" 0
run 0 "collect the current quorum (--partial)" $SP policy collect --partial --policy "$T/p1" "$T/s-mil-a" "$T/s-civ-a" "$T/s-mil-b"
contains "collect --partial says a device would refuse it" "a device would refuse it yet (--partial)" "$T/err"
contains "collect: both quorums met (the proof of possession missing)" "collected 3 signatures (current quorum met, new quorum met)" "$T/err"
cp "$T/out" "$T/old-only"
run 0 "collect both" $SP policy collect --policy "$T/p1" "$T/s-mil-a" "$T/s-civ-a" "$T/s-mil-b" "$T/s-civ-b2" "$T/s-mil-a"
contains "collect: both met" "collected 4 signatures (current quorum met, new quorum met)" "$T/err"
cp "$T/out" "$T/full"
# propose's size accounting is exact: the note signed by all six keys of both policies
# (P1's five, civ-b2) is as long as it said.
for b in mil-c civ-b; do $SP note sign --key $K/$b.key "$T/u12" > "$T/s-$b.all" 2> /dev/null; done
$SP policy collect --policy "$T/p1" "$T/full" "$T/s-mil-c.all" "$T/s-civ-b.all" > "$T/all-keys" 2> "$T/err"
contains "collect all six" "collected 6 signatures" "$T/err"
$SP policy propose --policy "$T/p1" --new "$T/p2" > /dev/null 2> "$T/err"
same "propose's size of the fully signed note" "$(sed -n 's/^signed by all 6 signer keys of both policies: \([0-9]*\) bytes.*/\1/p' "$T/err")" "$(wc -c < "$T/all-keys" | tr -d ' ')"
run 0 "verify accepted" $SP policy verify --policy "$T/p1" "$T/full"
contains "verify says accepted" "accepted: policy update test.example/pause version 2" "$T/out"
contains "verify: line under the new policy" "under the new policy" "$T/out"
run 0 "verify --json" $SP policy verify --policy "$T/p1" --json "$T/full"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["accepted"] and d["version"]==2 and d["failed_rule_current"] is None and d["failed_rule_new"] is None; l=d["lines"]; assert len(l)==4; assert [x["status_current"] for x in l]==["valid","valid","valid","unknown"]; assert [x["status_new"] for x in l]==["valid","valid","valid","valid"]' "$T/out"; then ok; else bad "verify --json fields"; fi
expect_err SP_ERR_UPDATE_UNSIGNED_KEY "verify: the added key unsigned" $SP policy verify --policy "$T/p1" "$T/old-only"
contains "unsigned key named" "added key civ-b2" "$T/err"
expect_err SP_ERR_UPDATE_OLD_QUORUM "collect names the current policy's unmet rule" \
    $SP policy collect --policy "$T/p1" "$T/s-civ-b2" "$T/s-mil-a" "$T/s-civ-a"
contains "collect: current rule named" "the current policy's rule 2 not met: at least 3 of all signers" "$T/err"
$SP policy collect --partial --policy "$T/p1" "$T/s-civ-b2" "$T/s-mil-a" "$T/s-civ-a" > "$T/new-only" 2> "$T/err"
contains "collect: current not met" "collected 3 signatures (current quorum not met, new quorum met)" "$T/err"
expect_err SP_ERR_UPDATE_OLD_QUORUM "verify: current quorum short" $SP policy verify --policy "$T/p1" "$T/new-only"
run 1 "verify --json refused" $SP policy verify --policy "$T/p1" --json "$T/new-only"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not d["accepted"] and d["error"]=="SP_ERR_UPDATE_OLD_QUORUM" and d["failed_rule_current"]==2 and d["failed_rule_new"] is None and d["lines"][0]["status_current"]=="unknown"' "$T/out"; then ok; else bad "refused --json"; fi
# New quorum short: civ-b's old key counts only for P1 (civil), so P2 lacks a civil key.
$SP policy collect --policy "$T/p1" "$T/s-mil-a" "$T/s-civ-b" "$T/s-mil-b" "$T/s-civ-b2" > /dev/null 2>&1
expect_err SP_ERR_UPDATE_NEW_QUORUM "collect names the new policy's unmet rule" \
    $SP policy collect --policy "$T/p1" "$T/s-mil-a" "$T/s-civ-b" "$T/s-mil-b"
contains "collect: new rule named" "the new policy's rule 1 not met: at least 1 of tag civil" "$T/err"
$SP policy collect --partial --policy "$T/p1" "$T/s-mil-a" "$T/s-civ-b" "$T/s-mil-b" > "$T/new-short" 2> "$T/err"
expect_err SP_ERR_UPDATE_NEW_QUORUM "verify: new quorum short" $SP policy verify --policy "$T/p1" "$T/new-short"
policy 1 "$T/p1-fork" civ-b 650000
expect_err SP_ERR_UPDATE_NOT_CURRENT "verify against another version-1 policy (a fork)" $SP policy verify --policy "$T/p1-fork" "$T/full"
expect_err SP_ERR_UPDATE_NOT_NEWER "verify: replay on P2" $SP policy verify --policy "$T/p2" "$T/full"

# ---- the signing record: one text per version -----------------------------------------
policy 2 "$T/p2b" civ-b2 800000
run 0 "propose a second version-2 text" $SP policy propose --policy "$T/p1" --new "$T/p2b" --out "$T/u12b"
expect_err SP_ERR_EQUIVOCATION "a second text of one version" $SP policy sign --key $K/mil-a.key "$T/u12b"
contains "equivocation names the version" "version 2 already signed" "$T/err"
expect_err SP_ERR_EQUIVOCATION "note sign is guarded too" $SP note sign --key $K/mil-a.key "$T/u12b"
run 0 "re-signing the same text is fine" $SP policy sign --key $K/mil-a.key "$T/u12"

# ---- --previous-key: a re-keyed body's new key starts from the old key's records ----------
# civ-b (old key) signed this week's statement; civ-c stands for a new key of civ-b here
# (it has no records yet).  Imported, its record refuses an older epoch.
NOW_EPOCH=$(( ($(date +%s) - 1700000000) / 604800 ))
$SP statement new --policy "$T/p1" --epoch $NOW_EPOCH --mode run > "$T/st-now"
$SP statement new --policy "$T/p1" --epoch $((NOW_EPOCH - 1)) --mode run > "$T/st-before"
run 0 "old key signs this week" $SP note sign --key $K/civ-b.key "$T/st-now"
expect_err SP_ERR_IO "--previous-key missing" $SP policy sign --key $K/civ-c.key --previous-key "$T/nothing.pub" "$T/u12"
run 0 "policy sign --previous-key imports" $SP policy sign --key $K/civ-c.key --previous-key $K/civ-b.pub "$T/u12"
contains "imports both records" "2 signing records of the previous key imported" "$T/err"
expect_err SP_ERR_EQUIVOCATION "the new key refuses an epoch below the old key's" $SP note sign --key $K/civ-c.key "$T/st-before"
expect_err SP_ERR_EQUIVOCATION "and another version-2 update text" $SP policy sign --key $K/civ-c.key "$T/u12b"
run 0 "the same epoch and text is fine" $SP note sign --key $K/civ-c.key "$T/st-now"
run 0 "without --previous-key nothing is imported" $SP note sign --key $K/mil-c.key "$T/st-before"

# ---- refusals of the commands themselves ---------------------------------------------------
printf 'hello\n' > "$T/not-update"
expect_err SP_ERR_UPDATE_FORMAT "sign a non-update" $SP policy sign --key $K/mil-a.key "$T/not-update"
expect_err SP_ERR_UPDATE_NOT_NEWER "sign --policy checks the update" $SP policy sign --key $K/mil-c.key --policy "$T/p2" "$T/u12"
$SP note sign --key $K/mil-a.key "$T/not-update" > "$T/not-update.signed" 2> /dev/null
expect_err SP_ERR_UPDATE_FORMAT "collect a non-update" $SP policy collect --policy "$T/p1" "$T/not-update.signed"
expect_err SP_ERR_UPDATE_FORMAT "verify a non-update" $SP policy verify --policy "$T/p1" "$T/not-update.signed"
# Every option is refused where it is not declared (exit 2, naming the subcommand).
refused() { n=$1; shift; run 2 "$n" "$@"; contains "$n names the option" "takes no option" "$T/err"; }
refused "propose --key" $SP policy propose --key $K/mil-a.key --policy "$T/p1" --new "$T/p2"
refused "propose --json" $SP policy propose --json --policy "$T/p1" --new "$T/p2"
refused "propose --state-dir" $SP policy propose --state-dir "$T" --policy "$T/p1" --new "$T/p2"
refused "sign --json" $SP policy sign --json --key $K/mil-a.key "$T/u12"
refused "sign --out" $SP policy sign --out "$T/x" --key $K/mil-a.key "$T/u12"
refused "collect --previous-key" $SP policy collect --previous-key $K/civ-b.pub --policy "$T/p1" "$T/s-mil-a"
refused "collect --json" $SP policy collect --json --policy "$T/p1" "$T/s-mil-a"
refused "collect --new" $SP policy collect --new "$T/p2" --policy "$T/p1" "$T/s-mil-a"
refused "verify --key" $SP policy verify --key $K/mil-a.pub --policy "$T/p1" "$T/full"
refused "verify --out" $SP policy verify --out "$T/x" --policy "$T/p1" "$T/full"
run 2 "propose without --new" $SP policy propose --policy "$T/p1"
run 2 "verify two inputs" $SP policy verify --policy "$T/p1" "$T/full" "$T/full"
# stdout on /dev/full: exit 3 for every command that prints
run 3 "propose to /dev/full" sh -c "$SP policy propose --policy '$T/p1' --new '$T/p2' > /dev/full"
run 3 "verify to /dev/full" sh -c "$SP policy verify --policy '$T/p1' '$T/full' > /dev/full"
run 3 "collect to /dev/full" sh -c "$SP policy collect --partial --policy '$T/p1' '$T/s-mil-a' > /dev/full"
run 3 "collect of a full set to /dev/full" sh -c "$SP policy collect --policy '$T/p1' '$T/full' > /dev/full"
run 3 "verify --json to /dev/full" sh -c "$SP policy verify --json --policy '$T/p1' '$T/full' > /dev/full"
run 3 "sign to /dev/full" sh -c "$SP policy sign --key '$K/mil-a.key' '$T/u12' > /dev/full"

# ---- publish and fetch through real logs and witnesses (protocol.md sections 18.7-18.8) ------------
# Deployment test.example/rotate (its own signing records).  R1: log L1, witnesses w1..w3.
# R2: civ-b re-keyed, witnesses w4..w6 (rounds move to them).  R3: log L2 instead of L1
# (L1 retires).  R4, R5: allowance changed, published on L2.  Logs listen on ports picked here,
# so that the policies can name their URLs.
for w in w4 w5 w6; do $SP key generate --cosigner $w.test.example --out "$K" > /dev/null; done
$SP key generate log2.test.example/log --out "$K" > /dev/null
L1KEY=$K/log.test.example%2Flog L2KEY=$K/log2.test.example%2Flog
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
P1=$(free_port) P2=$(free_port)
L1=http://127.0.0.1:$P1 L2=http://127.0.0.1:$P2
# Every server started here is stopped however the script ends.
SERVERS=""
trap 'for p in $SERVERS; do kill $p 2> /dev/null; done; rm -rf "$T"' EXIT
wserve() { # wserve NAME INIT... : start witness NAME following both logs
    n=$1; shift
    $SP witness serve "$@" --key "$K/$n.test.example.key" --db "$T/$n.db" --log "$L1KEY.pub" \
        --log "$L2KEY.pub" --port-file "$T/$n.port" > /dev/null 2> "$T/$n.err" &
    eval "PID_$n=$!"; SERVERS="$SERVERS $!"
}
wait_file() { for i in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }
for w in w1 w2 w3 w4 w5 w6; do wserve $w --init; done
for w in w1 w2 w3 w4 w5 w6; do wait_file "$T/$w.port" || bad "witness $w starts"; done
wblock() { # wblock LOG.pub LOGURL WA WB WC
    echo "log $(cat "$1") $2"
    for w in $3 $4 $5; do echo "witness $w $(cat "$K/$w.test.example.pub") http://127.0.0.1:$(cat "$T/$w.port")"; done
    echo "group witnesses 2 $3 $4 $5"; echo "quorum witnesses"
}
wblock "$L1KEY.pub" $L1 w1 w2 w3 > "$T/wr1"
wblock "$L1KEY.pub" $L1 w4 w5 w6 > "$T/wr2"
wblock "$L2KEY.pub" $L2 w4 w5 w6 > "$T/wr3"
rpolicy() { # rpolicy VERSION OUT WITNESSES CIV-B-KEY ALLOWANCE
    $SP policy init --deployment test.example/rotate --genesis 1700000000 --epoch-length 604800 \
        --allowance $5 --witness-policy "$3" --version $1 \
        --signer mil-a:military:$K/mil-a.pub --signer mil-b:military:$K/mil-b.pub \
        --signer mil-c:military:$K/mil-c.pub --signer civ-a:civil:$K/civ-a.pub \
        --signer civ-b:civil:$K/$4.pub --rule '3 of all' --rule '1 of civil' \
        --out "$2" > /dev/null 2> "$T/err" || bad "policy init $2"
}
rpolicy 1 "$T/r1" "$T/wr1" civ-b 691200
rpolicy 2 "$T/r2" "$T/wr2" civ-b2 691200
rpolicy 3 "$T/r3" "$T/wr3" civ-b2 691200
rpolicy 4 "$T/r4" "$T/wr3" civ-b2 700000
rpolicy 5 "$T/r5" "$T/wr3" civ-b2 710000
rpolicy 1 "$T/r1-fork" "$T/wr1" civ-b 650000
rupdate() { # rupdate FROM TO OUT SIGNERS...
    f=$1 t=$2 o=$3; shift 3
    $SP policy propose --policy "$f" --new "$t" --out "$o.txt" 2> /dev/null || bad "propose $o"
    for b in "$@"; do $SP policy sign --key $K/$b.key "$o.txt" > "$o.$b" 2> /dev/null || bad "sign $o $b"; done
    $SP policy collect --policy "$f" $(for b in "$@"; do echo "$o.$b"; done) > "$o" 2> "$T/err" || bad "collect $o"
}
rupdate "$T/r1" "$T/r2" "$T/ru2" mil-a civ-a mil-b civ-b2
rupdate "$T/r2" "$T/r3" "$T/ru3" mil-a civ-a mil-b
rupdate "$T/r3" "$T/r4" "$T/ru4" mil-a civ-a mil-b
rupdate "$T/r4" "$T/r5" "$T/ru5" mil-a civ-a mil-b
rstatement() { # rstatement POLICY EPOCH OUT: signed by mil-a, mil-b, civ-a
    $SP statement new --policy "$1" --epoch $2 --mode run > "$3.txt" 2> /dev/null
    for b in mil-a mil-b civ-a; do $SP note sign --key $K/$b.key "$3.txt" > "$3.$b" 2> /dev/null; done
    $SP statement collect --policy "$1" "$3.mil-a" "$3.mil-b" "$3.civ-a" > "$3" 2> /dev/null || bad "statement $3"
}
lserve() { # lserve NAME PORT POLICY : start log NAME (L1 or L2)
    k=$L1KEY; [ $1 = L2 ] && k=$L2KEY
    rm -f "$T/$1.port"
    $SP log serve --policy "$3" --key "$k.key" --db "$T/$1.db" --listen 127.0.0.1:$2 \
        --witness-interval 1 --port-file "$T/$1.port" > /dev/null 2> "$T/$1.err" &
    eval "PID_$1=$!"; SERVERS="$SERVERS $!"
    wait_file "$T/$1.port" || bad "log $1 starts"
}
lserve L1 $P1 "$T/r1"
# Epochs are this week's (E) and the next, so that a device takes the bundles (freshness).
E=$NOW_EPOCH
rstatement "$T/r1" $E "$T/rs1"
run 0 "a statement under R1" $SP bundle publish --policy "$T/r1" --log $L1 --out "$T/rb1" --timeout 60 "$T/rs1"

# R1 -> R2 with R1's witnesses down: logged, never cosigned -- the log is updating.
for w in w1 w2 w3; do eval "kill \$PID_$w; wait \$PID_$w" 2> /dev/null; done
expect_err SP_ERR_NOT_FOUND "publish: no update bundle while R1's witnesses are down" \
    $SP policy publish --policy "$T/r1" --log $L1 --timeout 2 --out "$T/pu2" "$T/ru2"
contains "publish named the index" "logged at index 1" "$T/err"
if [ ! -e "$T/pu2" ]; then ok; else bad "nothing written on timeout"; fi
rstatement "$T/r1" $((E + 1)) "$T/rs2"
expect_err SP_ERR_LOG_UPDATING "appends wait while the log is updating" $SP bundle publish --log $L1 "$T/rs2"
contains "503" "HTTP 503" "$T/err"
run 0 "fetch: no update bundle yet" $SP policy fetch --policy "$T/r1" --log $L1 --out "$T/f0"
contains "fetch found none" "at policy version 1 .*: 0 updates fetched" "$T/err"
# kill -9 while updating, restart: still updating.
kill -9 $PID_L1; wait $PID_L1 2> /dev/null
lserve L1 $P1 "$T/r2"
expect_err SP_ERR_LOG_UPDATING "the UPDATING state survives kill -9 and a restart" $SP bundle publish --log $L1 "$T/rs2"
# R1's witnesses back: the covering checkpoint is cosigned, the log switches.
for w in w1 w2 w3; do wserve $w --listen 127.0.0.1:$(cat "$T/$w.port"); done
for w in w1 w2 w3; do wait_file "$T/$w.port" || bad "witness $w restarts"; done
run 0 "policy publish (the retried submission gets its index)" \
    $SP policy publish --policy "$T/r1" --log $L1 --timeout 60 --out "$T/pu2" "$T/ru2"
contains "publish prints index and file" "logged at index 1; update bundle $T/pu2" "$T/out"
expect_err SP_ERR_EXISTS "publish never overwrites" $SP policy publish --policy "$T/r1" --log $L1 --out "$T/pu2" "$T/ru2"
run 3 "publish (again) to /dev/full" sh -c "$SP policy publish --policy '$T/r1' --log $L1 --timeout 60 --out '$T/pu2-again' '$T/ru2' > /dev/full"
if cmp -s "$T/pu2-again" "$T/pu2"; then ok; else bad "the bundle is written all the same"; fi
python3 -c 'import sys, urllib.request as u; r = u.urlopen(sys.argv[1]); open(sys.argv[2], "wb").write(r.read()); open(sys.argv[3], "w").write(str(r.headers))' \
    $L1/policy-update/2 "$T/served2" "$T/hdr" && ok || bad "GET /policy-update/2"
if cmp -s "$T/served2" "$T/pu2"; then ok; else bad "served bundle = written bundle"; fi
contains "immutable" "immutable" "$T/hdr"
expect_err SP_ERR_STMT_POLICY "after the switch an R1 statement is refused" $SP bundle publish --log $L1 "$T/rs2"
# Epoch E+1 was signed under R1 (mode run): under R2 the same mode is signed again (the
# texts differ in the policy line only), another mode is equivocation.
rstatement "$T/r2" $((E + 1)) "$T/rs2b"
$SP statement new --policy "$T/r2" --epoch $((E + 1)) --mode pause > "$T/rs2p.txt" 2> /dev/null
expect_err SP_ERR_EQUIVOCATION "epoch E+1 under R2 with another mode" $SP note sign --key $K/mil-a.key "$T/rs2p.txt"
run 0 "an R2 statement is cosigned by R2's witnesses" \
    $SP bundle publish --policy "$T/r2" --log $L1 --out "$T/rb2" --timeout 60 "$T/rs2b"
# A competing version-2 update (signed with other signing records: a fork's signers).
rpolicy 2 "$T/r2b" "$T/wr2" civ-b2 650000
(SOFTPAUSE_STATE_DIR=$T/fork-state; export SOFTPAUSE_STATE_DIR
 rupdate "$T/r1" "$T/r2b" "$T/ru2b" mil-a civ-a mil-b civ-b2)
expect_err SP_ERR_UPDATE_NOT_NEWER "a second update from version 1" $SP bundle publish --log $L1 "$T/ru2b"
run 0 "the adopted update submitted again gets its index" $SP bundle publish --log $L1 "$T/ru2"
contains "its index" "index 1" "$T/out"
expect_err SP_ERR_LOG_POLICY "another chain's policy" \
    $SP log serve --policy "$T/p1" --key "$L1KEY.key" --db "$T/L1.db" --listen 127.0.0.1:0

# R2 -> R3 drops L1: it retires; L2 starts at R3; R3 -> R4 -> R5 on L2, a statement under
# each of R3 and R4 before the next update.
run 0 "publish R2 -> R3" $SP policy publish --json --policy "$T/r2" --log $L1 --timeout 60 --out "$T/pu3" "$T/ru3"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["version"] != 3 or d["index"] != 3 or d["out"] != sys.argv[2])' "$T/out" "$T/pu3" && ok || bad "publish --json"
rstatement "$T/r3" $((E + 1)) "$T/rs3"
expect_err SP_ERR_LOG_RETIRED "a retired log refuses appends" $SP bundle publish --log $L1 "$T/rs3"
contains "403" "HTTP 403" "$T/err"
run 0 "policy publish retried at the retired log gets the update's bundle" \
    $SP policy publish --policy "$T/r2" --log $L1 --timeout 60 --out "$T/pu3-again" "$T/ru3"
if cmp -s "$T/pu3-again" "$T/pu3"; then ok; else bad "the retried publish wrote the same bundle"; fi
run 0 "the retired log's checkpoint stays cosigned by R2's witnesses" \
    $SP bundle make --policy "$T/r2" --log $L1 --index 2 --out "$T/rb2-later" "$T/rs2b"
lserve L2 $P2 "$T/r3"
run 0 "an R3 statement published on L2" $SP bundle publish --policy "$T/r3" --log $L2 --out "$T/rb3" --timeout 60 "$T/rs3"
run 0 "publish R3 -> R4 on L2" $SP policy publish --policy "$T/r3" --log $L2 --timeout 60 --out "$T/pu4" "$T/ru4"
rstatement "$T/r4" $((E + 1)) "$T/rs4"
run 0 "an R4 statement published on L2" $SP bundle publish --policy "$T/r4" --log $L2 --out "$T/rb4" --timeout 60 "$T/rs4"
run 0 "publish R4 -> R5 on L2" $SP policy publish --policy "$T/r4" --log $L2 --timeout 60 --out "$T/pu5" "$T/ru5"
run 0 "log export of L1" $SP log export --db "$T/L1.db" "$T/exp1"
for v in 2 3; do if cmp -s "$T/exp1/policy-update/$v" "$T/pu$v"; then ok; else bad "exported policy-update/$v"; fi; done

# fetch: R1 -> R2 -> R3 from L1 (URL, then its export), R4 and R5 from L2, which R3 names.
run 0 "policy fetch from the log" $SP policy fetch --policy "$T/r1" --log $L1 --out "$T/f1"
for v in 2 3 4 5; do
    if cmp -s "$T/f1/policy-$v.txt" "$T/r$v" && cmp -s "$T/f1/policy-update/$v" "$T/pu$v"; then ok; else bad "fetched version $v"; fi
done
contains "fetch ends at version 5" "at policy version 5" "$T/err"
run 0 "policy fetch again (the same files)" $SP policy fetch --policy "$T/r1" --log $L1 --out "$T/f1"
run 0 "policy fetch from an export, --json" $SP policy fetch --json --policy "$T/r1" --log "$T/exp1" --out "$T/f2"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["version"] != 5 or d["fetched"] != 4)' "$T/out" && ok || bad "fetch --json"
run 3 "policy fetch --json to /dev/full" sh -c "$SP policy fetch --json --policy '$T/r1' --log '$T/exp1' --out '$T/f2' > /dev/full"
run 0 "policy fetch from R3 on L2" $SP policy fetch --policy "$T/r3" --log $L2 --out "$T/f3"
if [ -e "$T/f3/policy-4.txt" ] && [ ! -e "$T/f3/policy-3.txt" ]; then ok; else bad "fetch starts at current + 1"; fi
echo other > "$T/f3/policy-4.txt"
expect_err SP_ERR_EXISTS "fetch never overwrites other bytes" $SP policy fetch --policy "$T/r3" --log $L2 --out "$T/f3"
cp "$T/pu3" "$T/bad"; sed -i '2s/^./X/' "$T/bad"; mkdir -p "$T/badexp/policy-update"; cp "$T/bad" "$T/badexp/policy-update/3"
expect_err SP_ERR_ "fetch verifies each step" $SP policy fetch --policy "$T/r2" --log "$T/badexp" --out "$T/f4"
expect_err SP_ERR_UPDATE_NOT_CURRENT "publish checks the update against CURRENT first" \
    $SP policy publish --policy "$T/r1-fork" --log $L1 "$T/ru2"
run 2 "publish without --log" $SP policy publish --policy "$T/r1" "$T/ru2"
run 2 "fetch with an UPDATE" $SP policy fetch --policy "$T/r1" --log $L1 "$T/ru2"
refused "fetch --timeout" $SP policy fetch --timeout 5 --policy "$T/r1" --log $L1
refused "publish --key" $SP policy publish --key $K/mil-a.key --policy "$T/r1" --log $L1 "$T/ru2"

# ---- devices follow the chain (issue 9, "Done when" 1) ----------------------------------
# Everything a device takes here came from the real logs: the updates fetched from L1's
# export (f2; R3 names L2, whence versions 4 and 5), the statements published above.  A
# bundle is checked against the device's current log and witnesses first, so the update
# codes show where consecutive policies share them (R3 -> R4 -> R5 on L2, w4..w6).
H1=$($SP policy hash "$T/r1") H3=$($SP policy hash "$T/r3") H4=$($SP policy hash "$T/r4")
DA=$T/dev-a DB=$T/dev-b
F=$T/f2/policy-update
run 0 "device init at R1" $SP device init --policy "$T/r1" --state "$DA"
run 0 "device apply: R1 -> R2 -> R3 fetched from the export" $SP device apply --state "$DA" "$F/2" "$F/3"
contains "device apply names version 3" "accepted policy update to version 3 (policy $H3)" "$T/out"
run 1 "device status --json at R3 (no statement yet: paused)" $SP device status --state "$DA" --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["policy_version"]==3 and d["policy"]==sys.argv[2] and d["anchor"]==sys.argv[3]' "$T/out" "$H3" "$H1"; then ok; else bad "status --json: version 3, R3's hash, anchor R1's"; fi
run 0 "the R3 statement published on L2" $SP device apply --state "$DA" "$T/rb3"
contains "R3 statement accepted" "accepted epoch $((E + 1)): mode run" "$T/out"
expect_err SP_ERR_UPDATE_SKIPPED "R4 -> R5 first on an R3 device" $SP device apply --state "$DA" "$F/5"
run 0 "policy apply: R3 -> R4" $SP policy apply --state "$DA" "$F/4"
contains "version 4" "accepted policy update to version 4 (policy $H4)" "$T/out"
expect_err SP_ERR_UPDATE_NOT_NEWER "a re-applied update" $SP device apply --state "$DA" "$F/4"
expect_err SP_ERR_UPDATE_NOT_NEWER "policy apply: the same, re-applied" $SP policy apply --state "$DA" "$F/4"
expect_err SP_ERR_STMT_POLICY "an R3 statement after the update" $SP device apply --state "$DA" "$T/rb3"
# A second device: this week's R1 statement, then the updates, then the R4 statement.
$SP device init --policy "$T/r1" --state "$DB" > /dev/null 2>&1 || bad "init dev-b"
run 0 "the R1 statement on an R1 device" $SP device apply --state "$DB" "$T/rb1"
run 0 "device apply: R1 -> R4" $SP device apply --state "$DB" "$F/2" "$F/3" "$F/4"
expect_err SP_ERR_STMT_POLICY "the R3 statement on an R4 device (never applied there)" $SP device apply --state "$DB" "$T/rb3"
run 0 "the R4 statement published on L2" $SP device apply --state "$DB" "$T/rb4"
run 0 "device status of dev-b" $SP device status --state "$DB" --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["policy_version"]==4 and d["policy"]==sys.argv[2] and d["anchor"]==sys.argv[3] and d["highest_epoch"]==int(sys.argv[4])' "$T/out" "$H4" "$H1" "$((E + 1))"; then ok; else bad "dev-b at R4, anchor R1, epoch E+1"; fi
# Output on /dev/full: exit 3, the update applied all the same (it is in flash first).
DC=$T/dev-c
$SP device init --policy "$T/r1" --state "$DC" > /dev/null 2>&1 || bad "init dev-c"
run 3 "policy apply to /dev/full" sh -c "$SP policy apply --state '$DC' '$F/2' > /dev/full"
run 3 "device apply --json of an update to /dev/full" sh -c "$SP device apply --json --state '$DC' '$F/3' > /dev/full"
run 1 "dev-c at R3" $SP device status --state "$DC"
contains "dev-c took both" "(version 3)" "$T/out"
# Across a change of witnesses or log an old bundle fails at its checkpoint already.
expect_err SP_ERR_CKPT_ORIGIN "the R1 statement on an R4 device (L1 is not R4's log)" $SP device apply --state "$DB" "$T/rb1"
expect_err SP_ERR_CKPT_ORIGIN "R2 -> R3 re-applied on an R4 device" $SP device apply --state "$DB" "$F/3"
for w in w1 w2 w3 w4 w5 w6 L1 L2; do eval "kill \$PID_$w; wait \$PID_$w" 2> /dev/null; done
record_codes "$T/L1.err"
cli_finish
