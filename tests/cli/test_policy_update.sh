#!/bin/sh
# test_policy_update.sh -- the policy-update commands (issue 9 section 4, protocol.md
# section 18): policy propose, sign, collect and verify, with real keys made here.
#
# P1 (5 bodies; rules 3 of all, 1 of civil; witnesses 2 of 3) -> P2: civ-b re-keyed
# (civ-b2), allowance changed.  Signed by P1's quorum and civ-b2 (proof of possession).
set -u
. tests/support/cli_lib.sh
cli_setup "policy update" sp-pu

K=$T/keys
mkdir -p "$K"
for n in mil-a mil-b mil-c civ-a civ-b civ-b2 civ-c; do $SP key generate $n --out "$K" > /dev/null; done
$SP key generate log.test.example/log --out "$K" > /dev/null
for w in w1 w2 w3; do $SP key generate --cosigner $w.test.example --out "$K" > /dev/null; done
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
cli_finish
