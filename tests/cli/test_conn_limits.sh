#!/bin/sh
# test_conn_limits.sh -- `--max-conns-per-address` of `softpause log serve` and `softpause
# witness serve` (issue 8 item 3): the value is checked (0, 512, 513 and junk), the servers
# bind loopback by default, and the option is applied, not just accepted: with a limit of
# 2, two idle connections from 127.0.0.2 (curl's telnet mode, reading a FIFO that stays
# empty, holds a connection open and sends nothing) make a third one from that address be
# closed unanswered, while 127.0.0.1 is still answered within 2 s.  Loops are bounded; only 127.0.0.0/8 is used.  The limits
# themselves (80 idle and byte-a-second clients) are tested in tests/host/test_http_starve.c.
# Run by tools/run-tests.sh against $SOFTPAUSE.
set -u
. tests/support/cli_lib.sh
cli_setup "conn-limits cli" sp-conn
cli_require "$SP"

test_keys mil-a civ-a
W=$K/w1.test.example
witness_policy "$LOGKEY.pub" "$K" http://127.0.0.1:9 http://127.0.0.1:9 http://127.0.0.1:9 \
    > "$T/witnesses"
run 0 "policy" $SP policy init --deployment test.example/conn \
    --genesis 1798416000 --epoch-length 604800 --allowance 691200 \
    --signer mil-a:military:$K/mil-a.pub --signer civ-a:civil:$K/civ-a.pub \
    --rule '2 of all' --rule '1 of civil' --witness-policy "$T/witnesses" --out "$T/policy"

# The witness creates its database on first start (a witness that must be told to create
# one, --init, gets it when its usage offers it).
WINIT=
$SP witness serve --help 2>&1 | grep -q -- '--init' && WINIT=--init

# start WHAT ARGS... : start server WHAT (log or witness) on a free port; sets PID, PORT, URL
start() {
    what=$1; shift
    rm -f "$T/port" "$T/w.db" "$T/log.db"*
    if [ "$what" = log ]; then
        $SP log serve --policy "$T/policy" --key "$LOGKEY.key" --db "$T/log.db" \
            --port-file "$T/port" "$@" > "$T/serve.out" 2> "$T/serve.err" &
    else
        $SP witness serve --key "$W.key" --db "$T/w.db" --log "$LOGKEY.pub" $WINIT \
            --port-file "$T/port" "$@" > "$T/serve.out" 2> "$T/serve.err" &
    fi
    PID=$!
    for i in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
    PORT=$(cat "$T/port" 2>/dev/null)
    URL=http://127.0.0.1:$PORT
}
stop() {
    kill -TERM "$PID" 2> /dev/null; wait "$PID"; st=$?
    same "$1 stops on SIGTERM with status 0" "$st" 0
}

for srv in log witness; do
    if [ "$srv" = log ]; then
        base="$SP log serve --policy $T/policy --key $LOGKEY.key --db $T/log.db"
    else
        base="$SP witness serve --key $W.key --db $T/w.db --log $LOGKEY.pub $WINIT"
    fi
    run 0 "$srv serve --help names the option" $SP $srv serve --help
    contains "$srv usage: --max-conns-per-address" "--max-conns-per-address N" "$T/out"
    contains "$srv usage: the range and default" "1..512 (default 32)" "$T/out"
    for bad in 0 513 4294967297 12x "" -1 +3 " 3"; do
        run 2 "$srv serve --max-conns-per-address '$bad'" $base --max-conns-per-address "$bad"
        contains "$srv '$bad': the message gives the range" \
            "error: --max-conns-per-address: expected a decimal number 1..512, got '$bad'" "$T/err"
    done
    run 2 "$srv serve --max-conns-per-address without a value" $base --max-conns-per-address

    # The largest value is accepted; the default address is loopback.
    start $srv --max-conns-per-address 512
    contains "$srv binds 127.0.0.1 by default" "$srv: listening on http://127.0.0.1:$PORT" \
        "$T/serve.out"
    stop "$srv (512)"

    if ! command -v curl > /dev/null 2>&1; then
        echo "$SUITE: $srv connection test skipped (curl not installed)"; continue
    fi
    start $srv --max-conns-per-address 2
    # Two holders: curl in telnet mode, its input a FIFO this script keeps open (so it
    # sends nothing and stays connected until killed).  The third connection from
    # 127.0.0.2 is then closed unanswered (curl: exit 52, empty reply).  A probe made while
    # a holder is still connecting takes its place (and the holder is the one closed), so
    # missing holders are started again and the probe repeated, a bounded number of times.
    rm -f "$T/fifo"; mkfifo "$T/fifo"
    exec 3<> "$T/fifo"
    h1= h2= third= tries=
    for i in $(seq 10); do
        for h in 1 2; do
            eval "pid=\$h$h"
            if [ -z "$pid" ] || ! kill -0 "$pid" 2> /dev/null; then
                curl -s --interface 127.0.0.2 "telnet://127.0.0.1:$PORT" < "$T/fifo" \
                    > /dev/null 2>&1 &
                eval "h$h=\$!"
            fi
        done
        sleep 0.5
        curl -s --max-time 2 --interface 127.0.0.2 -o /dev/null "$URL/checkpoint"; third=$?
        tries="$tries $third"
        [ "$third" -eq 52 ] && break
    done
    same "$srv: a third connection from 127.0.0.2 is closed unanswered (curl exits:$tries)" \
        "$third" 52
    code=$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$URL/checkpoint")
    case $code in 000) bad "$srv: 127.0.0.1 not answered within 2 s";; *) ok;; esac
    kill $h1 $h2 2> /dev/null
    wait $h1 $h2 2> /dev/null
    exec 3>&-
    stop "$srv (2)"
done
wait
cli_finish
