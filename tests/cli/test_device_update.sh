#!/bin/sh
# test_device_update.sh -- a simulated device adopting policy updates (issue 9 sections 2
# and 4, protocol.md section 18): policy apply, device apply with bundles of both types,
# device status's anchor, bundle verify of an update's bundle, the simulated flash's
# policy slots (SPFLASH2, SPFLASH1 still loaded), and the device lock.
#
# P1 -> P2 (civ-b re-keyed as civ-b2) -> P3 (allowance changed).  Bundles are made by
# tests/tools/forge_bundle (a one-entry log, cosigned now by w1 and w2), so no log server
# runs here.
set -u
. tests/support/cli_lib.sh
cli_setup "device update" sp-du
cli_need "SKIP: the device-update suite needs python3 (JSON checks, flash images)" python3
[ -x "$FORGE_BUNDLE" ] || { echo "$SUITE: SKIP (no $FORGE_BUNDLE)"; cli_finish; }

test_keys mil-a mil-b mil-c civ-a civ-b civ-b2
LOGKEY=$K/log.test.example%2Flog.key
witness_policy "$K/log.test.example%2Flog.pub" "$K" > "$T/witnesses"

# policy VERSION OUT CIV-B-KEY ALLOWANCE
policy() {
    $SP policy init --deployment test.example/pause --genesis 1700000000 \
        --epoch-length 604800 --allowance $4 --witness-policy "$T/witnesses" --version $1 \
        --signer mil-a:military:$K/mil-a.pub --signer mil-b:military:$K/mil-b.pub \
        --signer mil-c:military:$K/mil-c.pub --signer civ-a:civil:$K/civ-a.pub \
        --signer civ-b:civil:$K/$3.pub --rule '3 of all' --rule '1 of civil' \
        --out "$2" > "$T/out" 2> "$T/err" || bad "policy init $2"
}
policy 1 "$T/p1" civ-b 691200
policy 2 "$T/p2" civ-b2 691200
policy 3 "$T/p3" civ-b2 700000
H1=$($SP policy hash "$T/p1") H2=$($SP policy hash "$T/p2") H3=$($SP policy hash "$T/p3")

# update FROM TO OUT SIGNERS...: proposed, signed, collected, in a bundle
update() {
    from=$1 to=$2 out=$3; shift 3
    $SP policy propose --policy "$from" --new "$to" --out "$out.txt" 2> /dev/null || bad "propose $out"
    signed=""
    for b in "$@"; do
        $SP policy sign --key $K/$b.key "$out.txt" > "$out.$b" 2> /dev/null || bad "sign $out by $b"
        signed="$signed $out.$b"
    done
    $SP policy collect --policy "$from" $signed > "$out.note" 2> /dev/null || bad "collect $out"
    "$FORGE_BUNDLE" "$LOGKEY" "$out.note" $K/w1.test.example.key $K/w2.test.example.key \
        > "$out" 2> "$T/err" || bad "forge $out"
}
update "$T/p1" "$T/p2" "$T/b12" mil-a civ-a mil-b civ-b2
update "$T/p2" "$T/p3" "$T/b23" mil-a civ-a mil-b

# statement POLICY EPOCH OUT: signed by mil-a, civ-a, mil-b (a quorum of all three policies)
NOW=$(( ($(date +%s) - 1700000000) / 604800 ))
statement() {
    $SP statement new --policy "$1" --epoch $2 --mode run > "$3.txt" 2> "$T/err" || bad "statement $3"
    for b in mil-a civ-a mil-b; do
        $SP note sign --key $K/$b.key "$3.txt" > "$3.$b" 2> "$T/err" || bad "sign $3 by $b"
    done
    $SP statement collect --policy "$1" "$3.mil-a" "$3.civ-a" "$3.mil-b" > "$3.note" 2> /dev/null || bad "collect $3"
    "$FORGE_BUNDLE" "$LOGKEY" "$3.note" $K/w1.test.example.key $K/w2.test.example.key > "$3" 2> "$T/err" || bad "forge $3"
}
statement "$T/p1" $NOW "$T/s1"
statement "$T/p1" $((NOW + 1)) "$T/s1-next"
statement "$T/p3" $((NOW + 1)) "$T/s3-next"
# The signing record across the update: epoch NOW+1 was signed "run" under P1 and again
# "run" under P3 (the policy line alone differs); another mode under P3 is equivocation.
$SP statement new --policy "$T/p3" --epoch $((NOW + 1)) --mode pause > "$T/s3-pause.txt" 2> /dev/null
expect_err SP_ERR_EQUIVOCATION "another mode for a signed epoch under the new policy" $SP note sign --key $K/mil-a.key "$T/s3-pause.txt"

# ---- bundle verify of an update's bundle -------------------------------------------------
run 0 "bundle verify: update under P1" $SP bundle verify --policy "$T/p1" "$T/b12"
contains "bundle verify names the update" "accepted: policy update test.example/pause version 2 (new policy $H2)" "$T/out"
contains "bundle verify shows the witnesses" "witness quorum met" "$T/out"
run 0 "bundle verify --json: update" $SP bundle verify --policy "$T/p1" --json "$T/b12"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["accepted"] and d["type"]=="policy-update" and d["version"]==2 and d["new_policy"]==sys.argv[2] and d["time_reset"] is False and d["checkpoint_verified"] and "epoch" not in d' "$T/out" "$H2"; then ok; else bad "bundle verify --json update fields"; fi
expect_err SP_ERR_UPDATE_SKIPPED "bundle verify: P2->P3 under P1" $SP bundle verify --policy "$T/p1" "$T/b23"
expect_err SP_ERR_UPDATE_NOT_NEWER "bundle verify: P1->P2 under P2" $SP bundle verify --policy "$T/p2" "$T/b12"
run 1 "bundle verify --json: refused update" $SP bundle verify --policy "$T/p2" --json "$T/b12"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not d["accepted"] and d["error"]=="SP_ERR_UPDATE_NOT_NEWER" and d["type"]=="policy-update"' "$T/out"; then ok; else bad "bundle verify --json refused update"; fi
expect_err SP_ERR_BUNDLE_BARE_STATEMENT "bundle verify: a bare update" $SP bundle verify --policy "$T/p1" "$T/b12.note"
run 0 "bundle verify: a statement still" $SP bundle verify --policy "$T/p1" "$T/s1"
contains "statement bundle" "accepted: test.example/pause epoch $NOW, mode run" "$T/out"

# ---- the attacks of issue 9 section 6, through the commands --------------------------------
# Each is a complete version-2 update of P1 signed by every key of both policies (its own
# signing records: these texts are attacks, not the bodies' work), in a bundle cosigned by
# P1's witnesses, so that only the targeted check can refuse it: policy verify and device
# apply refuse it with the same code (the library half is tests/attack/test_attacks.c).
phash() { { printf 'softpause/policy-hash/v1\n'; cat "$1"; } | sha256sum | cut -c1-64; }
# craft NAME POLICY-BYTES [SED-ON-THE-TEXT]: atk-NAME.txt and, signed, atk-NAME.note
craft() {
    n=$1 bytes=$2 edit=${3:-}
    { echo "softpause/v1 policy-update test.example/pause"; echo "policy $H1"; echo "version 2"
      echo "new-policy $(phash "$bytes")"; cat "$bytes"; } > "$T/atk-$n.txt"
    [ -z "$edit" ] || sed -i "$edit" "$T/atk-$n.txt"
    { cat "$T/atk-$n.txt"; echo
      for b in mil-a mil-b mil-c civ-a civ-b civ-b2; do
          SOFTPAUSE_STATE_DIR=$T/atk-state/$n $SP note sign --key $K/$b.key "$T/atk-$n.txt" 2> /dev/null | grep '^— '
      done; } > "$T/atk-$n.note"
}
attack() { craft "$1" "$3" "${4:-}"; attack_note "$1" "$2"; } # attack NAME CODE BYTES [SED]
attack_note() { # attack_note NAME CODE: atk-NAME.note through policy verify and device apply
    "$FORGE_BUNDLE" "$LOGKEY" "$T/atk-$1.note" $K/w1.test.example.key $K/w2.test.example.key \
        > "$T/atk-$1" 2> "$T/err" || bad "forge attack $1"
    expect_err $2 "policy verify: $1" $SP policy verify --policy "$T/p1" "$T/atk-$1.note"
    expect_err $2 "device apply: $1" $SP device apply --state "$T/dev-atk" "$T/atk-$1"
}
$SP device init --policy "$T/p1" --state "$T/dev-atk" > /dev/null 2>&1 || bad "init dev-atk"
cp "$T/p2" "$T/atk-p2"
craft control "$T/atk-p2"
run 0 "control: the crafted honest update verifies" $SP policy verify --policy "$T/p1" "$T/atk-control.note"
"$FORGE_BUNDLE" "$LOGKEY" "$T/atk-control.note" $K/w1.test.example.key $K/w2.test.example.key > "$T/atk-control" 2> /dev/null
$SP device init --policy "$T/p1" --state "$T/dev-ctl" > /dev/null 2>&1
run 0 "control: and is adopted" $SP device apply --state "$T/dev-ctl" "$T/atk-control"
attack deployment SP_ERR_STMT_DEPLOYMENT "$T/atk-p2" '1s|test.example/pause|other.example/pause|'
attack fork SP_ERR_UPDATE_NOT_CURRENT "$T/atk-p2" "2s/^policy .*/policy $H3/"
attack hash SP_ERR_UPDATE_HASH "$T/atk-p2" "4s/^new-policy .*/new-policy $H3/"
grep -v '^rule 3 all$' "$T/p2" > "$T/atk-p2-single"
attack single-body SP_ERR_POLICY_SINGLE_BODY "$T/atk-p2-single"
sed "s|^signer civ-b civil .*|signer civ-b civil $(cat $K/civ-a.pub)|" "$T/p2" > "$T/atk-p2-dup"
attack duplicate-key SP_ERR_POLICY_DUPLICATE_KEY "$T/atk-p2-dup"
sed "s|^signer civ-b civil .*|signer civ-b civil $(cat $K/log.test.example%2Flog.pub)|" "$T/p2" > "$T/atk-p2-roles"
attack key-roles SP_ERR_POLICY_KEY_ROLES "$T/atk-p2-roles"
sed 's/^rule 1 tag civil$/rule 1 signers civ-a,civ-b2/' "$T/p2" > "$T/atk-p2-dropped"
attack rule-dropped SP_ERR_UPDATE_RULE_DROPPED "$T/atk-p2-dropped"
grep -v '^witness w3 ' "$T/p2" | sed 's/^group witnesses 2 w1 w2 w3$/group witnesses 2 w1 w2/' > "$T/atk-p2-w2"
attack witnesses-2-of-2 SP_ERR_UPDATE_WITNESS_QUORUM "$T/atk-p2-w2"
sed 's/^genesis .*/genesis 1700604800/' "$T/p2" > "$T/atk-p2-genesis"
attack genesis SP_ERR_UPDATE_IMMUTABLE "$T/atk-p2-genesis"
sed 's/^epoch-length .*/epoch-length 302400/' "$T/p2" > "$T/atk-p2-epoch"
attack epoch-length SP_ERR_UPDATE_IMMUTABLE "$T/atk-p2-epoch"
# Mix and match: P1's quorum lines of the honest update under another text (civ-b2's own).
sed 's/^allowance .*/allowance 86400/' "$T/p2" > "$T/atk-p2-mix"
craft mix-base "$T/atk-p2-mix"
{ cat "$T/atk-mix-base.txt"; echo; grep '^— ' "$T/b12.note" | grep -v '^— civ-b2 '
  grep '^— civ-b2 ' "$T/atk-mix-base.note"; } > "$T/atk-mix.note"
attack_note mix SP_ERR_UPDATE_OLD_QUORUM
# Short of a quorum, through the commands (the texts are the honest update's).
$SP policy collect --partial --policy "$T/p1" "$T/b12.mil-a" "$T/b12.civ-a" "$T/b12.mil-b" > "$T/atk-unsigned.note" 2> /dev/null
attack_note unsigned SP_ERR_UPDATE_UNSIGNED_KEY
$SP note sign --key $K/civ-b.key "$T/b12.txt" > "$T/b12.civ-b" 2> /dev/null
$SP policy collect --partial --policy "$T/p1" "$T/b12.mil-a" "$T/b12.civ-b" "$T/b12.mil-b" > "$T/atk-new-quorum.note" 2> /dev/null
attack_note new-quorum SP_ERR_UPDATE_NEW_QUORUM
# Publication proven only by the new policy's witnesses (w4, w5: no witnesses of P1).
for w in w4 w5; do $SP key generate --cosigner $w.test.example --out "$K" > /dev/null; done
"$FORGE_BUNDLE" "$LOGKEY" "$T/b12.note" $K/w4.test.example.key $K/w5.test.example.key > "$T/atk-new-witnesses" 2> /dev/null
expect_err SP_ERR_WITNESS_QUORUM "device apply: cosigned by other witnesses only" $SP device apply --state "$T/dev-atk" "$T/atk-new-witnesses"
expect_err SP_ERR_STMT_WRONG_TYPE "statement verify: an update" $SP statement verify --policy "$T/p1" "$T/b12.note"
run 1 "dev-atk adopted nothing" $SP device status --state "$T/dev-atk" --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["policy_version"]==1 and d["policy"]==sys.argv[2]' "$T/out" "$H1"; then ok; else bad "dev-atk still at P1"; fi

# ---- policy apply ------------------------------------------------------------------------
D=$T/dev
run 0 "device init" $SP device init --policy "$T/p1" --state "$D"
if [ "$(head -c 8 "$D")" = SPFLASH2 ]; then ok; else bad "a new flash image is SPFLASH2"; fi
run 0 "device apply: this week" $SP device apply --state "$D" "$T/s1"
expect_err SP_ERR_UPDATE_SKIPPED "policy apply: a skipped version" $SP policy apply --state "$D" "$T/b23"
# The new policy's quorum only (civ-b2, mil-a, civ-a: two of P1's keys), published.
$SP policy collect --partial --policy "$T/p1" "$T/b12.civ-b2" "$T/b12.mil-a" "$T/b12.civ-a" > "$T/new-only.note" 2> /dev/null
"$FORGE_BUNDLE" "$LOGKEY" "$T/new-only.note" $K/w1.test.example.key $K/w2.test.example.key > "$T/new-only" 2> /dev/null
expect_err SP_ERR_UPDATE_OLD_QUORUM "device apply: an update without the current quorum" $SP device apply --state "$D" "$T/new-only"
contains "the refusal shows the lines under the current policy" "lines under the current policy (version 1)" "$T/err"
contains "and the witnesses that proved its publication" "witness quorum met" "$T/err"
expect_err SP_ERR_STMT_WRONG_TYPE "policy apply: an authorisation's bundle" $SP policy apply --state "$D" "$T/s1"
contains "wrong type says what policy apply takes" "policy apply takes policy updates" "$T/err"
expect_err SP_ERR_BUNDLE_BARE_STATEMENT "policy apply: a bare update" $SP policy apply --state "$D" "$T/b12.note"
run 0 "policy apply: P1 -> P2 -> P3" $SP policy apply --state "$D" "$T/b12" "$T/b23"
contains "update to version 2" "accepted policy update to version 2 (policy $H2)" "$T/out"
contains "update to version 3" "accepted policy update to version 3 (policy $H3)" "$T/out"
same "two lines, one per update" "$(wc -l < "$T/out" | tr -d ' ')" 2
run 0 "device status --json after the updates" $SP device status --state "$D" --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["policy_version"]==3 and d["policy"]==sys.argv[2] and d["anchor"]==sys.argv[3] and d["highest_epoch"]==int(sys.argv[4]) and d["mode"]=="run" and d["allowance"]==691200' "$T/out" "$H3" "$H1" "$NOW"; then ok; else bad "status --json: version 3, P3, anchor P1, epoch and allowance carried over"; fi
run 0 "device status text" $SP device status --state "$D"
contains "status: the current policy" "^policy          $H3 (version 3)" "$T/out"
contains "status: the anchor" "^anchor          $H1" "$T/out"
expect_err SP_ERR_UPDATE_NOT_NEWER "policy apply: a re-applied update" $SP policy apply --state "$D" "$T/b12"
expect_err SP_ERR_STMT_POLICY "device apply: an old-policy statement after the update" $SP device apply --state "$D" "$T/s1-next"
run 0 "device apply: the new policy's statement" $SP device apply --state "$D" "$T/s3-next"
contains "next epoch under P3" "accepted epoch $((NOW + 1)): mode run, allowance set to 700000 s" "$T/out"
run 2 "policy apply without --state" $SP policy apply "$T/b12"
run 2 "policy apply without a bundle" $SP policy apply --state "$D"
run 2 "policy apply --policy is not an option of it" $SP policy apply --policy "$T/p1" --state "$D" "$T/b12"

# ---- device apply: both types in order, stopping at the first refusal --------------------
D2=$T/dev2
$SP device init --policy "$T/p1" --state "$D2" > /dev/null 2>&1 || bad "init dev2"
run 0 "device apply: statement, updates, statement" $SP device apply --state "$D2" "$T/s1" "$T/b12" "$T/b23" "$T/s3-next"
contains "the statement" "accepted epoch $NOW: mode run" "$T/out"
contains "the first update" "accepted policy update to version 2 (policy $H2)" "$T/out"
contains "the second update" "accepted policy update to version 3 (policy $H3)" "$T/out"
contains "the next statement" "accepted epoch $((NOW + 1))" "$T/out"
D3=$T/dev3
$SP device init --policy "$T/p1" --state "$D3" > /dev/null 2>&1 || bad "init dev3"
expect_err SP_ERR_UPDATE_SKIPPED "device apply stops at the first refusal" $SP device apply --state "$D3" "$T/b23" "$T/b12"
same "nothing applied after the refusal" "$(wc -c < "$T/out" | tr -d ' ')" 0
run 1 "status of dev3" $SP device status --state "$D3" --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["policy_version"]==1 and d["policy"]==d["anchor"]' "$T/out"; then ok; else bad "dev3 still at P1"; fi
run 1 "device apply --json: an update, then a statement" $SP device apply --state "$D3" --json "$T/b12" "$T/s1"
if python3 -c '
import json,sys
l=[json.loads(x) for x in open(sys.argv[1])]
assert len(l)==2
assert l[0]["accepted"] and l[0]["type"]=="policy-update" and l[0]["policy_version"]==2 and l[0]["policy"]==sys.argv[2] and l[0]["bundle"].endswith("b12")
assert not l[1]["accepted"] and l[1]["error"]=="SP_ERR_STMT_POLICY"' "$T/out" "$H2"; then ok; else bad "device apply --json: one object per bundle"; fi
expect_err SP_ERR_IO "device apply: a missing bundle touches nothing" $SP device apply --state "$D3" "$T/b23" "$T/nothing"
run 0 "dev3 still at version 2" $SP device apply --state "$D3" "$T/b23"

# ---- the simulated flash ----------------------------------------------------------------
# After two updates slot 0 holds P3 (P1 -> slot 0, P2 -> slot 1, P3 -> slot 0).  A byte of
# the current policy's slot flipped: no slot holds the policy the record names.
cp "$D" "$T/dev.saved"
python3 - "$D" << 'EOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
assert b[:8] == b'SPFLASH2'
n0 = int.from_bytes(b[8:12], 'big')
b[16 + n0 - 2] ^= 1
open(p, 'wb').write(b)
EOF
expect_err SP_ERR_DEV_POLICY_MISSING "a corrupt current policy slot" $SP device status --state "$D"
if [ $got = 1 ]; then ok; else bad "a missing policy pauses with exit 1, got $got"; fi
cp "$T/dev.saved" "$D"
run 0 "the saved image loads" $SP device status --state "$D"
# An image from before the updates, put back: rolled back.
D4=$T/dev4
$SP device init --policy "$T/p1" --state "$D4" > /dev/null 2>&1 || bad "init dev4"
cp "$D4" "$T/dev4.before"
$SP policy apply --state "$D4" "$T/b12" > /dev/null 2>&1 || bad "dev4 update"
cp "$T/dev4.before" "$D4"
expect_err SP_ERR_DEV_ROLLBACK "a rolled-back image across an update" $SP device status --state "$D4"

# A flash image written before policy updates (SPFLASH1: one policy) loads unchanged and is
# rewritten as SPFLASH2 at its first write.
D5=$T/dev5
$SP device init --policy "$T/p1" --state "$D5" > /dev/null 2>&1 || bad "init dev5"
$SP device apply --state "$D5" "$T/s1" > /dev/null 2>&1 || bad "dev5 statement"
python3 - "$D5" << 'EOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
n0 = int.from_bytes(b[8:12], 'big'); n1 = int.from_bytes(b[12:16], 'big')
assert b[:8] == b'SPFLASH2' and n1 == 0
open(p, 'wb').write(b'SPFLASH1' + b[8:12] + b[16:])
EOF
if [ "$(head -c 8 "$D5")" = SPFLASH1 ]; then ok; else bad "made an SPFLASH1 image"; fi
run 0 "an SPFLASH1 image loads" $SP device status --state "$D5" --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["policy_version"]==1 and d["highest_epoch"]==int(sys.argv[2])' "$T/out" "$NOW"; then ok; else bad "SPFLASH1 state unchanged"; fi
if [ "$(head -c 8 "$D5")" = SPFLASH1 ]; then ok; else bad "reading does not rewrite"; fi
run 0 "an SPFLASH1 device takes an update" $SP policy apply --state "$D5" "$T/b12"
if [ "$(head -c 8 "$D5")" = SPFLASH2 ]; then ok; else bad "rewritten as SPFLASH2 at its first write"; fi
run 0 "and loads after it" $SP device status --state "$D5"
contains "SPFLASH1 device at P2" "(version 2)" "$T/out"

# ---- the device lock ----------------------------------------------------------------------
python3 -c 'import fcntl,os,sys,time
f=os.open(sys.argv[1],os.O_RDWR); fcntl.lockf(f,fcntl.LOCK_EX); print(os.getpid(),flush=True); time.sleep(30)' \
    "$D.lock" > "$T/holder.pid" &
holder=$!
for i in $(seq 200); do [ -s "$T/holder.pid" ] && break; sleep 0.05; done
expect_err SP_ERR_DEV_BUSY "policy apply takes the device lock" $SP policy apply --state "$D" "$T/b12"
if [ $got = 3 ]; then ok; else bad "busy exits 3, got $got"; fi
contains "busy names the holder" "held by pid $(cat "$T/holder.pid")" "$T/err"
expect_err SP_ERR_DEV_BUSY "device apply of an update takes it too" $SP device apply --state "$D" "$T/b12"
kill $holder; wait $holder 2> /dev/null
cli_finish
