#!/bin/sh
# test_witness.sh -- end-to-end tests of the witness side of publication: cosigner keys
# (`softpause key generate --cosigner`) and `softpause witness serve`.  Run by
# tools/run-tests.sh against $SOFTPAUSE.
set -u
. tests/support/cli_lib.sh
cli_setup "witness cli" sp-witness
cli_require "$SP"

# ---- cosigner keys --------------------------------------------------------------------------
K=$T/keys
mkdir -p "$K"
run 0 "cosigner key" $SP key generate --cosigner witness.example/w1 --out "$K"
W=$K/witness.example%2Fw1
if [ -f "$W.key" ] && [ -f "$W.pub" ]; then ok; else bad "cosigner key files"; fi
contains "cosigner key paths printed" "witness.example%2Fw1.pub" "$T/out"
# base64 of 0x04 || 32 bytes starts with "B"; of 0x01 || ... with "A".
contains "cosigner vkey type 0x04" '^witness.example/w1+[0-9a-f]\{8\}+B' "$W.pub"
contains "cosigner skey type 0x04" '^PRIVATE+KEY+witness.example/w1+[0-9a-f]\{8\}+B' "$W.key"
mode=$(stat -c %a "$W.key")
same "cosigner key mode" "$mode" 600
run 0 "signer key" $SP key generate log.example --out "$K"
mkdir -p "$K/impostor"
for n in mil-a civ-a other.example/log; do $SP key generate $n --out "$K" > /dev/null; done
for w in w1 w2 w3; do $SP key generate --cosigner $w.test.example --out "$K" > /dev/null; done
$SP key generate log.example --out "$K/impostor" > /dev/null
contains "signer vkey type 0x01" '^log.example+[0-9a-f]\{8\}+A' "$K/log.example.pub"
expect_err SP_ERR_EXISTS "cosigner key overwrite refused" $SP key generate --cosigner witness.example/w1 --out "$K"
printf 'some text\n' > "$T/text"
expect_err SP_ERR_KEY_ALGORITHM "a cosigner key does not sign notes" $SP note sign --key "$W.key" --text "$T/text"


# ---- witness serve: the command's own errors ----------------------------------------------
LOG=$K/log.example
run 0 "witness --help" $SP witness --help
contains "usage names serve" "witness serve --key" "$T/out"
run 2 "witness without subcommand" $SP witness
run 2 "serve without --db" $SP witness serve --key "$W.key" --log "$LOG.pub"
run 2 "serve without logs" $SP witness serve --key "$W.key" --db "$T/w.db"
run 2 "serve with --log and --policy" $SP witness serve --key "$W.key" --db "$T/w.db" --log "$LOG.pub" --policy "$T/nothing"
run 2 "bad --listen" $SP witness serve --key "$W.key" --db "$T/w.db" --log "$LOG.pub" --listen nowhere
expect_err SP_ERR_KEY_ALGORITHM "a signer key as witness key" $SP witness serve --key "$LOG.key" --db "$T/w.db" --log "$LOG.pub"
expect_err SP_ERR_KEY_ALGORITHM "a cosigner key as log" $SP witness serve --key "$W.key" --db "$T/w.db" --log "$W.pub"
expect_err SP_ERR_KEY_FORMAT "a --log that is no key" $SP witness serve --key "$W.key" --db "$T/w.db" --log "not+a+key"
expect_err SP_ERR_IO "a --log file that does not exist" $SP witness serve --key "$W.key" --db "$T/w.db" --log "$K/missing.pub"
expect_err SP_ERR_IO "database in a missing directory" $SP witness serve --init --key "$W.key" --db "$T/no/such/w.db" --log "$LOG.pub"
expect_err SP_ERR_ARGUMENT "prefix without a slash" $SP witness serve --key "$W.key" --db "$T/w.db" --log "$LOG.pub" --prefix w1
expect_err SP_ERR_WITNESS_STATE "no database without --init" $SP witness serve --key "$W.key" --db "$T/w.db" --log "$LOG.pub"
if [ ! -e "$T/w.db" ]; then ok; else bad "a refused start creates no database"; fi
expect_err SP_ERR_IO "--init-from a missing file" $SP witness serve --key "$W.key" --db "$T/w.db" --log "$LOG.pub" --init-from "$T/missing"
head -c 20000 /dev/zero > "$T/huge"
expect_err SP_ERR_NOTE_TOO_LARGE "--init-from a file over the note limit" $SP witness serve --key "$W.key" --db "$T/w.db" --log "$LOG.pub" --init-from "$T/huge"
contains "the limit is named" "huge.*at most 16384 bytes" "$T/err"
printf 'not a note\n' > "$T/junk"
expect_err SP_ERR_NOTE_NO_SIGNATURES "--init-from junk names the file" $SP witness serve --key "$W.key" --db "$T/w.db" --log "$LOG.pub" --init-from "$T/junk"
contains "the file is named" "signature lines: $T/junk" "$T/err"
if [ ! -e "$T/w.db" ]; then ok; else bad "a refused --init-from creates no database"; fi

cli_need "serving tests skipped" curl openssl

# ---- witness serve over HTTP ----------------------------------------------------------------
# checkpoint SIZE ROOT64 KEY -> $T/cp: a checkpoint note for log.example signed by KEY
checkpoint() {
    printf 'log.example\n%s\n%s\n' "$1" "$2" > "$T/cp.txt"
    $SP note sign --key "$3" --text "$T/cp.txt" > "$T/cp"
}
# post OLD [PROOF_LINE] -> status in $T/status, content type in $T/ctype, body in $T/body
post() {
    { echo "old $1"; [ -n "${2:-}" ] && echo "$2"; echo; cat "$T/cp"; } > "$T/req"
    curl -s -o "$T/body" -w '%{http_code} %{content_type}' --data-binary "@$T/req" \
        "$URL/add-checkpoint" > "$T/answer"
    read -r status ctype < "$T/answer"
}
leaf_hash() { printf '\000%s' "$1" | openssl dgst -sha256 -binary | base64; }
EMPTY=$(printf '' | openssl dgst -sha256 -binary | base64)
R1=$(leaf_hash one)                                     # the tree [one]
R2=$( { printf '\001'; printf '\000one' | openssl dgst -sha256 -binary;
        printf '\000two' | openssl dgst -sha256 -binary; } | openssl dgst -sha256 -binary | base64)
P12=$(leaf_hash two)                                    # consistency proof 1 -> 2

serve() { # serve ARGS... : start a witness on ${DB:-$T/w.db}, wait for its port, set URL and PID
    rm -f "$T/port"
    $SP witness serve --key "$W.key" --db "${DB:-$T/w.db}" --port-file "$T/port" "$@" \
        > "$T/serve.out" 2> "$T/serve.err" &
    PID=$!
    for i in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
    URL=http://127.0.0.1:$(cat "$T/port" 2>/dev/null)
}
stop() {
    kill -TERM "$PID"; wait "$PID"; st=$?
    same "witness stops on SIGTERM with status 0" "$st" 0
}

serve --init --log "$LOG.pub"
contains "serve prints its URL" "witness: listening on $URL" "$T/serve.out"
checkpoint 1 "$R1" "$LOG.key"
post 0
same "first contact cosigned" "$status" 200
contains "cosignature line names the witness" '^— witness.example/w1 [A-Za-z0-9+/]\{102\}==$' "$T/body"
same "one line" "$(wc -l < "$T/body" | tr -d ' ')" 1
post 0
same "old 0 after a cosignature: 409" "$status" 409
same "409 content type" "$ctype" "text/x.tlog.size"
same "409 body" "$(od -An -c "$T/body" | tr -s ' ')" " 1 \n"
checkpoint 2 "$R2" "$LOG.key"
post 1 "$P12"
same "grown with a consistency proof" "$status" 200
post 2 "$P12"
same "proof for equal sizes: 422" "$status" 422
contains "422 names the error" "^SP_ERR_MERKLE_PROOF_LENGTH: " "$T/body"
checkpoint 2 "$R1" "$LOG.key"
post 2
same "split view: 422" "$status" 422
contains "split view named" "^SP_ERR_WITNESS_SPLIT_VIEW: " "$T/body"
checkpoint 3 "$R1" "$LOG.key"
post 2 "$P12"
same "inconsistent: 422" "$status" 422
checkpoint 3 "$R1" "$K/impostor/log.example.key"
post 2
same "signed by another key: 403" "$status" 403
printf 'other.example/log\n1\n%s\n' "$R1" > "$T/cp.txt"
$SP note sign --key "$K/other.example%2Flog.key" --text "$T/cp.txt" > "$T/cp"
post 0
same "unknown origin: 404" "$status" 404
printf 'old 01\n\n' > "$T/req"; cat "$T/cp" >> "$T/req"
status=$(curl -s -o "$T/body" -w '%{http_code}' --data-binary "@$T/req" "$URL/add-checkpoint")
same "non-canonical old size: 400" "$status" 400
status=$(curl -s -o /dev/null -w '%{http_code}' "$URL/add-checkpoint")
same "GET: 405" "$status" 405
status=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$T/req" "$URL/other")
same "unknown path: 404" "$status" 404
contains "requests are logged" "POST /add-checkpoint 422 SP_ERR_WITNESS_SPLIT_VIEW" "$T/serve.err"
stop

# Restarted from the same database (logs from a deployment policy, under a prefix): it
# remembers size 2.
witness_policy "$LOG.pub" "$K" > "$T/witnesses"
run 0 "policy with the log" $SP policy init --deployment test.example/witness \
    --genesis 1798416000 --epoch-length 604800 --allowance 691200 \
    --signer mil-a:military:$K/mil-a.pub --signer civ-a:civil:$K/civ-a.pub \
    --rule '2 of all' --rule '1 of civil' --witness-policy "$T/witnesses" --out "$T/policy"
serve --policy "$T/policy" --prefix /w1
URL=$URL/w1
checkpoint 2 "$R2" "$LOG.key"
post 0
same "restart keeps the size" "$status $(cat "$T/body")" "409 2"
post 2
same "same tree again" "$status" 200
stop

# ---- a witness that loses its database ---------------------------------------------------------
expect_err SP_ERR_EXISTS "--init over an existing database" \
    $SP witness serve --init --key "$W.key" --db "$T/w.db" --log "$LOG.pub"
cp "$T/w.db" "$T/w.db.saved"
: > "$T/w.db"
expect_err SP_ERR_WITNESS_STATE "an emptied (truncated) database refused" \
    $SP witness serve --key "$W.key" --db "$T/w.db" --log "$LOG.pub"
rm -f "$T/w.db"
expect_err SP_ERR_WITNESS_STATE "a deleted database refused" \
    $SP witness serve --key "$W.key" --db "$T/w.db" --log "$LOG.pub"
if [ ! -e "$T/w.db" ]; then ok; else bad "a refused start recreates the database"; fi

# Unlinked while running: every later request is a 500 that says why.
cp "$T/w.db.saved" "$T/w.db"
serve --log "$LOG.pub"
rm -f "$T/w.db" "$T/w.db-wal" "$T/w.db-shm"
checkpoint 1 "$R1" "$LOG.key"
post 0
same "unlinked database: 500" "$status" 500
contains "500 names the state error" "^SP_ERR_WITNESS_STATE: .*unlinked, replaced" "$T/body"
stop
contains "the refusal is logged" "POST /add-checkpoint 500 SP_ERR_WITNESS_STATE" "$T/serve.err"

# Truncated while running (the same file, its contents gone: to nothing, or to its first
# page), then the same tree again: 500, not a cosignature from SQLite's cache.  What the
# server leaves behind has no header, and a restart says so.
for cut in 0 4096; do
    cp "$T/w.db.saved" "$T/w.db"
    serve --log "$LOG.pub"
    checkpoint 2 "$R2" "$LOG.key"
    post 2
    same "before truncation to $cut bytes: cosigned" "$status" 200
    truncate -s $cut "$T/w.db"
    post 2
    same "database truncated to $cut bytes while serving: 500" "$status" 500
    contains "truncation named" "^SP_ERR_WITNESS_STATE: .*unlinked, replaced or truncated" "$T/body"
    stop
done
# Its write-ahead log unlinked while running (the last heads may live only there, and would
# be lost at the next crash): 500 as well.
cp "$T/w.db.saved" "$T/w.db"
serve --log "$LOG.pub"
rm -f "$T/w.db-wal"
checkpoint 2 "$R2" "$LOG.key"
post 2
same "-wal unlinked while serving: 500" "$status" 500
contains "-wal named" "^SP_ERR_WITNESS_STATE: .*(or its -wal or -shm) was unlinked" "$T/body"
stop
rm -f "$T/w.db" "$T/w.db-wal" "$T/w.db-shm"
head -c 8192 /dev/zero > "$T/w.db"
rm -f "$T/w.db-wal" "$T/w.db-shm"
expect_err SP_ERR_WITNESS_STATE "a zeroed database refused at start" \
    $SP witness serve --key "$W.key" --db "$T/w.db" --log "$LOG.pub"
contains "zeroed: the recovery path named" "no SQLite header.*--init-from CHECKPOINT" "$T/err"
rm -f "$T/w.db" "$T/w.db-wal" "$T/w.db-shm"

# Re-initialised from the checkpoint of size 2 the operator supplies: a forked log starting
# over gets 409 "2", the same tree is cosigned again, an inconsistent one is refused.
checkpoint 2 "$R2" "$LOG.key"
cp "$T/cp" "$T/cp2"
checkpoint 2 "$R2" "$K/impostor/log.example.key"
expect_err SP_ERR_CKPT_LOG_SIGNATURE "--init-from a checkpoint the log did not sign" \
    $SP witness serve --init-from "$T/cp" --key "$W.key" --db "$T/w.db" --log "$LOG.pub"
if [ ! -e "$T/w.db" ]; then ok; else bad "a refused --init-from leaves a database"; fi
serve --init-from "$T/cp2" --log "$LOG.pub"
checkpoint 1 "$R1" "$LOG.key"
post 0
same "after --init-from: a smaller tree from old 0 is 409 with the size" "$status $(cat "$T/body")" "409 2"
checkpoint 3 "$R1" "$LOG.key"
post 2 "$P12"
same "after --init-from: an inconsistent tree is 422" "$status" 422
cp "$T/cp2" "$T/cp"
post 2
same "after --init-from: the same tree is cosigned" "$status" 200
stop

# ---- a full disk says so ------------------------------------------------------------------------
if small_disk "$T/small"; then
    DB=$T/small/w.db
    serve --init --log "$LOG.pub"
    DB=
    fill_disk "$T/small"
    checkpoint 1 "$R1" "$LOG.key"
    post 0
    same "full disk: 500" "$status" 500
    contains "full disk: SP_ERR_DISK_FULL" "^SP_ERR_DISK_FULL: disk full" "$T/body"
    stop
    record_codes "$T/serve.err"
    small_disk_end "$T/small"
fi

cli_finish
