#!/bin/sh
# test_walkthrough.sh -- the README's walkthrough, run as written (issue 13).
#
# Every ```sh block of README.md's "A five-minute walkthrough" section runs, in order, in
# one shell with `set -e`, with HOME a scratch directory, the built commands first on PATH
# (the README's `export PATH=$PWD/build:$PATH` line, pointed at the build under test) and
# PORT_BASE a free range of loopback ports.  Left out: a block right after a line
# `<!-- walkthrough: skip (REASON) -->` (one that needs a GPU, an HSM token or a benchmark
# run); the two set-up commands (scripts/demo.sh, scripts/test.sh) are in another section.
# Checked: the blocks succeed; keys and databases land in ~/softpause-walkthrough and
# nothing in the clone changes (`git status --porcelain --ignored`, build folders aside);
# the restarted witness is back on its port; no time is shown in Unix seconds outside
# --json; no server is left running.
. tests/support/cli_lib.sh
cli_setup "walkthrough" walkthrough
cli_require "$SP"

BIN=$(cd "$(dirname "$SP")" && pwd)
ROOT=$(pwd)
HOME_DIR=$T/home
WALK=$HOME_DIR/softpause-walkthrough

# The blocks, as one script.
awk -v bin="$BIN" '
    /^## / { inside = ($0 == "## A five-minute walkthrough") }
    !inside { next }
    /^<!-- walkthrough: skip/ { skip = 1; next }
    /^```sh$/ { code = 1; if (skip) code = 2; skip = 0; next }
    /^```$/ { code = 0; next }
    code == 1 {
        line = $0
        if (index(line, "PATH=$PWD/build:")) sub(/PATH=\$PWD\/build:/, "PATH=" bin ":", line)
        print line
    }
' README.md > "$T/walkthrough.sh"
blocks=$(awk '/^## /{i=($0=="## A five-minute walkthrough")} i && /^```sh$/{n++} END{print n+0}' README.md)
if [ "$blocks" -ge 6 ] && grep -q "PATH=$BIN:" "$T/walkthrough.sh"; then ok; else
    bad "README: expected the walkthrough's sh blocks and its PATH line (found $blocks blocks)"; fi

# A free range of four loopback ports: a random base, each port checked with a bind.
free_ports() {
    python3 - "$1" << 'EOF' 2> /dev/null
import socket, sys
base = int(sys.argv[1])
for p in range(base, base + 4):
    s = socket.socket(); s.bind(("127.0.0.1", p)); s.close()
EOF
}
# pick_ports N: set PORT_BASE to a free-looking range (try N picks another).
pick_ports() {
    PORT_BASE=
    for try in 1 2 3 4 5 6 7 8; do
        base=$(( (($$ * 7919 + ($1 * 8 + try) * 104729 + $(date +%s)) % 2000) * 4 + 20000 ))
        if ! command -v python3 > /dev/null 2>&1 || free_ports "$base"; then PORT_BASE=$base; break; fi
    done
    [ -n "$PORT_BASE" ] || PORT_BASE=$base
}

# What git sees in the clone before (the build folders aside: other builds may run).
tree_state() {
    if git -C "$ROOT" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
        git -C "$ROOT" status --porcelain --ignored --untracked-files=all |
            grep -v -E '^(..) (build[^/]*|fuzz/(crash|leak|timeout)-[^/]*)(/|$)' || true
    else
        echo "no git"
    fi
}
before=$(tree_state)

{
    echo "set -e"
    cat "$T/walkthrough.sh"
} > "$T/run.sh"
# Its own process group (timeout's), so that whatever it leaves behind can be stopped.  A
# port taken by someone else between the pick and the bind (tests run side by side) gets a
# new range and a new HOME, up to three times.
for attempt in 1 2 3; do
    pick_ports $attempt
    rm -rf "$HOME_DIR" && mkdir -p "$HOME_DIR"
    (cd "$ROOT" && HOME=$HOME_DIR PORT_BASE=$PORT_BASE exec timeout 240 sh "$T/run.sh") \
        > "$T/out" 2> "$T/err" &
    group=$!
    wait $group; got=$?
    env kill -TERM -- -$group 2> /dev/null
    [ "$got" -ne 0 ] && grep -q "in use" "$T/err" || break
    echo "walkthrough: a port of $PORT_BASE..$((PORT_BASE + 3)) was taken; again"
done
record_codes "$T/err"
if [ "$got" -eq 0 ]; then ok; else
    bad "the walkthrough's blocks: exit $got (PORT_BASE=$PORT_BASE)"
    tail -15 "$T/out" | sed 's/^/    out: /'
fi

# Everything it wrote is in the scratch directory it names, private keys at 0600.
for f in keys/mil-a.key keys/log.example%2Fpause.key w1.db log.db policy.txt \
         week1.tlog-proof dev.state signing-state; do
    if [ -e "$WALK/$f" ]; then ok; else bad "~/softpause-walkthrough/$f missing"; fi
done
same "mode of a signer key" "$(stat -c %a "$WALK/keys/mil-a.key" 2> /dev/null)" 600
same "mode of a verifier key" "$(stat -c %a "$WALK/keys/mil-a.pub" 2> /dev/null)" 644
same "nothing new in the clone" "$(tree_state)" "$before"

# Fixed ports: the policy names them, and witness w1 came back on its own after a restart.
contains "the policy names the log's fixed URL" "http://127.0.0.1:$PORT_BASE\$" "$WALK/policy.txt"
contains "the policy names w1's fixed URL" "http://127.0.0.1:$((PORT_BASE + 1))\$" "$WALK/policy.txt"
same "restarted w1 listens on its port" "$(cat "$WALK/w1.port" 2> /dev/null)" "$((PORT_BASE + 1))"
same "w1 announced on the same URL twice" \
    "$(grep -c "witness: listening on http://127.0.0.1:$((PORT_BASE + 1))" "$T/out")" 2
contains "the bundle was published and applied" "allowance set to" "$T/out"

# Times in human form: outside --json (a line that is a JSON object), a Unix time (9 digits
# or more) appears only in parentheses after the same time in ISO 8601 UTC.
bare=$(cat "$T/out" "$T/err" | grep -v '^{' | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z +\([0-9]+\)//g' |
       grep -E '(^|[^0-9A-Za-z_])[0-9]{9,}([^0-9A-Za-z_]|$)' || true)
same "no bare Unix time shown to people" "$bare" ""
contains "device status --json: attested time in Unix seconds" '"attested_time":[0-9]\{10\}' "$T/out"

# No server outlives the walkthrough (given a moment to stop; a zombie has stopped).
running() { kill -0 "$1" 2> /dev/null && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2> /dev/null; }
for wait_tenths in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
    left=""
    for f in "$WALK"/*.pid; do
        [ -f "$f" ] && running "$(cat "$f")" && left="$left $(cat "$f")"
    done
    [ -z "$left" ] && break
    sleep 0.1
done
same "no server left running (the last block stops them)" "$left" ""

cli_finish
