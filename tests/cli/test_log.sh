#!/bin/sh
# test_log.sh -- end-to-end tests of `softpause log serve|export` against the real binary:
# a log on a free loopback port, submissions through `bundle publish` and raw HTTP (curl),
# refusals that store nothing, tiles, and the command's own errors.  The policy names
# witnesses at unreachable URLs, so no checkpoint is ever cosigned here (the witnessed path
# runs in tests/server/test_log.c).  Run by tools/run-tests.sh against $SOFTPAUSE.
set -u
. tests/support/cli_lib.sh
cli_setup "log cli" sp-log
cli_require "$SP"
cli_need skipped curl

test_keys
witness_policy "$LOGKEY.pub" "$K" http://127.0.0.1:9 http://127.0.0.1:9 http://127.0.0.1:9 \
    > "$T/witnesses"
run 0 "policy with a witness block" $SP policy init --deployment test.example/log \
    --genesis 1798416000 --epoch-length 604800 --allowance 691200 \
    --signer mil-a:military:$K/mil-a.pub --signer mil-b:military:$K/mil-b.pub \
    --signer civ-a:civil:$K/civ-a.pub --rule '2 of all' --rule '1 of civil' \
    --witness-policy "$T/witnesses" --out "$T/policy"
P=$T/policy

# The policy's genesis is fixed (2026-12-28), so its epochs may lie ahead of the clock: the
# signers are told so (--allow-future).  The log accepts statements whatever their start
# (a device, not the log, decides freshness).
statement() { # statement EPOCH SIGNERS... -> $T/s.EPOCH
    $SP statement new --policy $P --epoch "$1" --mode run --allow-future > "$T/s.txt"; e=$1; shift
    cp "$T/s.txt" "$T/s.$e"
    for b in "$@"; do $SP note sign --allow-future --key "$K/$b.key" "$T/s.$e" > "$T/s.tmp" && mv "$T/s.tmp" "$T/s.$e"; done
}

# ---- the command's own errors ---------------------------------------------------------------
run 0 "log --help" $SP log --help
contains "usage names serve" "log serve --policy" "$T/out"
run 2 "log without subcommand" $SP log
run 2 "serve without key" $SP log serve --policy $P --db "$T/log.db"
run 2 "bad --listen" $SP log serve --policy $P --key "$LOGKEY.key" --db "$T/log.db" --listen nowhere
run 2 "zero interval" $SP log serve --policy $P --key "$LOGKEY.key" --db "$T/log.db" --witness-interval 0
run 2 "zero cosignature skew" $SP log serve --policy $P --key "$LOGKEY.key" --db "$T/log.db" --max-cosig-skew 0
run 2 "cosignature skew over a day" $SP log serve --policy $P --key "$LOGKEY.key" --db "$T/log.db" --max-cosig-skew 86401
run 2 "tile cache over 64 GiB" $SP log serve --policy $P --key "$LOGKEY.key" --db "$T/log.db" --tile-cache 65537
run 2 "tile cache not a number" $SP log serve --policy $P --key "$LOGKEY.key" --db "$T/log.db" --tile-cache 64M
expect_err SP_ERR_CKPT_ORIGIN "a key that is not the policy's log" \
    $SP log serve --policy $P --key "$K/mil-a.key" --db "$T/log.db"
expect_err SP_ERR_KEY_ALGORITHM "a cosigner key as log key" \
    $SP log serve --policy $P --key "$K/w1.test.example.key" --db "$T/log.db"
expect_err SP_ERR_IO "database in a missing directory" \
    $SP log serve --policy $P --key "$LOGKEY.key" --db "$T/no/such/dir/log.db"

# ---- serving --------------------------------------------------------------------------------
$SP log serve --policy $P --key "$LOGKEY.key" --db "$T/log.db" --witness-interval 1 --tile-cache 1 \
    --port-file "$T/port" > "$T/serve.out" 2> "$T/serve.err" &
PID=$!
for i in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
PORT=$(cat "$T/port" 2>/dev/null)
URL=http://127.0.0.1:$PORT
contains "serve prints its URL" "log: listening on $URL" "$T/serve.out"

statement 1 mil-b civ-a
mv "$T/s.1" "$T/s.1-other"
statement 1 mil-a civ-a
run 0 "publish a statement" $SP bundle publish --log "$URL" "$T/s.1"
contains "first index" "logged at index 0" "$T/out"
statement 2 mil-b civ-a
run 0 "publish another" $SP bundle publish --log "$URL/" "$T/s.2"
contains "second index" "logged at index 1" "$T/out"
run 0 "same text, other signers" $SP bundle publish --log "$URL" "$T/s.1-other"
contains "existing index" "logged at index 0" "$T/out"

statement 3 mil-a
expect_err SP_ERR_QUORUM_NOT_MET "too few signers refused" $SP bundle publish --log "$URL" "$T/s.3"
statement 3 mil-a civ-a
printf '\342\200\224 stranger.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n' >> "$T/s.3"
expect_err SP_ERR_LOG_SIGNATURE_LINE "a junk line beside a quorum refused" \
    $SP bundle publish --log "$URL" "$T/s.3"

http() { # http NAME WANT_STATUS CURL_ARGS...  (body in $T/body)
    name=$1 want=$2; shift 2
    got=$(curl -s -o "$T/body" -w '%{http_code}' "$@")
    if [ "$got" = "$want" ]; then ok; else bad "$name: HTTP $got, expected $want"; fi
}
http "no cosigned checkpoint yet" 404 "$URL/checkpoint"
contains "404 names the reason" "SP_ERR_NOT_FOUND" "$T/body"
http "level-0 tile of width 2" 200 "$URL/tile/0/000.p/2"
same "tile is two hashes" "$(wc -c < "$T/body" | tr -d ' ')" 64
http "entry bundle" 200 "$URL/tile/entries/000.p/2"
contains "entry bundle holds the statement" "softpause/v1 authorisation" "$T/body"
http "tile beyond the tree" 404 "$URL/tile/0/000.p/3"
http "non-canonical tile path" 404 "$URL/tile/0/x000/000.p/2"
contains "non-canonical names the reason" "canonical" "$T/body"
http "unknown path" 404 "$URL/nothing"
http "GET /add" 405 "$URL/add"
http "malformed note" 400 --data-binary "not a note" "$URL/add"
contains "malformed note names the error" "SP_ERR_NOTE" "$T/body"
head -c 70000 /dev/zero | tr '\0' a > "$T/huge"
http "oversized body" 413 --data-binary @"$T/huge" "$URL/add"
http "tile still width 2" 404 "$URL/tile/0/000.p/3"
statement 600 mil-a civ-a # starts in 2038: far past any clock that runs this test
run 0 "the log accepts a statement far past the clock" $SP bundle publish --log "$URL" "$T/s.600"
contains "far-future statement logged" "logged at index 2" "$T/out"

sleep 1.5 # a witness round or two, against unreachable witnesses
kill -TERM $PID
wait $PID; st=$?
same "serve stops cleanly on SIGTERM" "$st" 0
contains "serve reports the missing quorum" "SP_ERR_WITNESS_QUORUM" "$T/serve.err"
record_codes "$T/serve.err"

expect_err SP_ERR_NOT_FOUND "export without a cosigned checkpoint" $SP log export --db "$T/log.db" "$T/mirror"
expect_err SP_ERR_NOT_FOUND "export of a database that does not exist" $SP log export --db "$T/typo.db" "$T/mirror"
contains "export: no database named" "typo.db: .*no log database here" "$T/err"
if [ ! -e "$T/typo.db" ] && [ ! -e "$T/mirror" ]; then ok; else bad "export of a missing database creates nothing"; fi
# Another kind of database (a witness's): refused by both, and left as it was.
$SP witness serve --init --key "$K/w1.test.example.key" --db "$T/w.db" --log "$LOGKEY.pub" \
    --port-file "$T/wport" > /dev/null 2>&1 &
WPID=$!
for i in $(seq 100); do [ -s "$T/wport" ] && break; sleep 0.05; done
kill "$WPID"; wait "$WPID"
cp "$T/w.db" "$T/w.db.before"
expect_err SP_ERR_DB "serve refuses a witness database" $SP log serve --policy $P --key "$LOGKEY.key" --db "$T/w.db"
contains "serve says why" "not a softpause log database" "$T/err"
expect_err SP_ERR_DB "export refuses a witness database" $SP log export --db "$T/w.db" "$T/mirror"
contains "export says why" "not a softpause log database (no softpause-log/v1 or softpause-log/v2 mark)" "$T/err"
if cmp -s "$T/w.db" "$T/w.db.before"; then ok; else bad "the witness database was changed"; fi
run 2 "export without DIR" $SP log export --db "$T/log.db"

# ---- a full disk says so ------------------------------------------------------------------------
if small_disk "$T/small" 512k; then
    $SP log serve --policy $P --key "$LOGKEY.key" --db "$T/small/log.db" --port-file "$T/port2" \
        > "$T/serve2.out" 2> "$T/serve2.err" &
    PID=$!
    for i in $(seq 100); do [ -s "$T/port2" ] && break; sleep 0.05; done
    URL=http://127.0.0.1:$(cat "$T/port2" 2>/dev/null)
    fill_disk "$T/small"
    statement 700 mil-a civ-a
    http "full disk: 500" 500 --data-binary @"$T/s.700" "$URL/add"
    contains "full disk: SP_ERR_DISK_FULL" "^SP_ERR_DISK_FULL: disk full" "$T/body"
    record_codes "$T/body"
    kill -TERM $PID; wait $PID
    small_disk_end "$T/small"
fi

cli_finish
