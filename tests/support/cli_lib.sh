# cli_lib.sh -- what every end-to-end script in tests/cli/ shares (sourced, not run).
#
#   . tests/support/cli_lib.sh
#   cli_setup "fund cli" fund-cli      # suite name for messages, scratch-dir prefix
#   run 0 "name" CMD...                # exit status; stdout in $T/out, stderr in $T/err
#   cli_finish                         # prints "SUITE: N passed, N failed", tallies, exit
#
# Sets SP (the softpause binary, $SOFTPAUSE), FUND (the fund binary beside it),
# FORGE_BUNDLE ($BUILD/tests/tools/forge_bundle, from tests/tools/forge_bundle.c), D (fund
# fixtures), SHARED (../shared/vectors/funding) and T (a scratch directory removed at exit),
# and exports SOFTPAUSE_STATE_DIR=$T/signing-state (signing records stay in the scratch).
# Every "SP_ERR_X" a command prints on stderr is recorded in $SP_CODES_FILE, for the
# error-code coverage check of tools/run-tests.sh.

cli_setup() {
    SUITE=$1
    SP=${SOFTPAUSE:-build/softpause}
    FUND=$(dirname "$SP")/fund
    FORGE_BUNDLE=$(dirname "$SP")/tests/tools/forge_bundle
    D=tests/fund/data
    SHARED=../shared/vectors/funding
    T=$(mktemp -d "${TMPDIR:-/tmp}/$2.XXXXXX")
    trap 'rm -rf "$T"' EXIT
    # Signing records go to the scratch directory, never to ~/.local/state/softpause.
    export SOFTPAUSE_STATE_DIR="$T/signing-state"
    pass=0 fail=0
}

cli_finish() {
    echo "$SUITE: $pass passed, $fail failed"
    [ -n "${SP_TALLY_FILE:-}" ] && echo "$pass $fail" >> "$SP_TALLY_FILE"
    [ "$fail" -eq 0 ]
    exit $?
}

record_codes() { # record error codes named in a stderr file
    [ -n "${SP_CODES_FILE:-}" ] && grep -o 'SP_ERR_[A-Z0-9_]*' "$1" >> "$SP_CODES_FILE" 2>/dev/null
    return 0
}
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $SUITE: $1"; [ -f "$T/err" ] && sed 's/^/    /' "$T/err" | head -5; }

# run EXPECTED_STATUS NAME CMD...
run() {
    want=$1 name=$2; shift 2
    "$@" > "$T/out" 2> "$T/err"; got=$?
    record_codes "$T/err"
    if [ "$got" -eq "$want" ]; then ok; else bad "$name: exit $got, expected $want"; fi
}
# expect_err CODE NAME CMD... : must fail and name CODE on stderr
expect_err() {
    code=$1 name=$2; shift 2
    "$@" > "$T/out" 2> "$T/err"; got=$?
    record_codes "$T/err"
    if [ "$got" -ne 0 ] && grep -q "$code" "$T/err"; then ok; else bad "$name: exit $got, wanted $code"; fi
}
contains() { if grep -q -- "$2" "$3"; then ok; else bad "$1: '$2' not in $3"; fi; }
same() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', expected '$3'"; fi; }
near() { if awk -v a="$2" -v b="$3" 'BEGIN{d=a-b; if(d<0)d=-d; exit !(d <= 1e-9 * (b < 0 ? -b : b) + 1e-12)}'; then ok; else bad "$1: got '$2', expected about '$3'"; fi; }
# col NAME P: column NAME of the row whose first field is P, from CSV $T/out
col() { awk -F, -v c="$1" -v p="$2" 'NR==1{for(i=1;i<=NF;i++) if($i==c) k=i; next} $1==p{print $k}' "$T/out"; }
# colsum NAME [FORMAT]: sum of column NAME of $T/out, printed with FORMAT (default %.6f)
colsum() { awk -F, -v c="$1" -v f="${2:-%.6f}" 'NR==1{for(i=1;i<=NF;i++) if($i==c) k=i; next} {s+=$k} END{printf f "\n", s}' "$T/out"; }

# small_disk DIR [SIZE]: mount a tmpfs of SIZE (default 256k) at DIR, for disk-full tests;
# fill_disk DIR fills it; small_disk_end DIR unmounts it.  Mounting needs root (as in CI):
# otherwise small_disk prints a SKIP line and returns 1.  (SQLITE_FULL itself is also
# produced without root by tests/host/test_db.c.)
small_disk() {
    if [ "$(id -u)" != 0 ]; then echo "SKIP $SUITE: disk-full tests need root (a small tmpfs)"; return 1; fi
    mkdir -p "$1"
    if ! mount -t tmpfs -o "size=${2:-256k},mode=0755" tmpfs "$1" 2> /dev/null; then
        echo "SKIP $SUITE: disk-full tests: cannot mount a tmpfs here"; rmdir "$1"; return 1
    fi
    return 0
}
fill_disk() { dd if=/dev/zero of="$1/filler" bs=4k > /dev/null 2>&1; return 0; }
small_disk_end() { umount "$1" 2> /dev/null; rmdir "$1" 2> /dev/null; return 0; }

# Commands that must exist before anything else runs.
cli_require() {
    if [ ! -x "$1" ]; then echo "FAIL $SUITE: $1 not built"; echo "0 1" >> "${SP_TALLY_FILE:-/dev/null}"; exit 1; fi
}

# cli_need WHAT TOOL...: end the suite here (its checks so far counted) unless every TOOL
# is installed; WHAT names what is skipped ("skipped", "serving tests skipped").
cli_need() {
    what=$1; shift
    for tool in "$@"; do
        if ! command -v "$tool" > /dev/null 2>&1; then
            echo "$SUITE: $what ($tool not installed)"; cli_finish
        fi
    done
}

# test_keys [BODY...]: the keys of a log test in K=$T/keys: the bodies named (by default
# mil-a, mil-b and civ-a), the log's key LOGKEY (log.test.example/log, no extension) and
# cosigners w1..w3.test.example.
test_keys() {
    K=$T/keys
    mkdir -p "$K"
    [ $# -gt 0 ] || set -- mil-a mil-b civ-a
    for b in "$@"; do $SP key generate "$b" --out "$K" > /dev/null; done
    $SP key generate log.test.example/log --out "$K" > /dev/null
    LOGKEY=$K/log.test.example%2Flog
    for w in w1 w2 w3; do $SP key generate --cosigner $w.test.example --out "$K" > /dev/null; done
}

# witness_policy LOG.pub KEYDIR [URL1 URL2 URL3]: print a C2SP tlog-policy with that log and
# the witnesses w1..w3.test.example of KEYDIR (cosigner .pub files), quorum 2 of 3; witness
# i gets URLi when it is given and not empty.
witness_policy() {
    echo "log $(cat "$1")"
    wp_keys=$2; shift 2
    for w in w1 w2 w3; do
        echo "witness $w $(cat "$wp_keys/$w.test.example.pub")${1:+ $1}"
        [ $# -gt 0 ] && shift
    done
    echo "group witnesses 2 w1 w2 w3"
    echo "quorum witnesses"
}
