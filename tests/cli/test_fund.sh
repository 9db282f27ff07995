#!/bin/sh
# test_fund.sh -- end-to-end tests of the fund command, run by tools/run-tests.sh.
#
# The fund binary sits beside $SOFTPAUSE (the build directory's softpause); fixtures are
# tests/fund/data/ (run from the repository root); real data in ../shared/vectors/funding
# is used when present.  The tally goes to $SP_TALLY_FILE as "passed failed".
set -u
. tests/support/cli_lib.sh
cli_setup "fund cli" fund-cli

cli_require "$FUND"

# ---- help and usage ------------------------------------------------------------------------
run 0 "help" $FUND --help; contains "help" "usage:" "$T/out"
for c in qf pairwise; do run 0 "help $c" $FUND $c --help; contains "help $c" "usage: fund $c" "$T/out"; done
run 2 "no command" $FUND
run 2 "unknown command" $FUND frobnicate
run 2 "unknown option" $FUND qf --bogus $D/gitcoin_vector.csv
run 2 "missing value" $FUND qf $D/gitcoin_vector.csv --pool
run 2 "no file" $FUND qf
run 2 "two files" $FUND qf $D/gitcoin_vector.csv $D/gitcoin_vector.csv
run 2 "bad pool" $FUND qf --pool 1x00 $D/gitcoin_vector.csv
run 2 "normalise without pool" $FUND qf --normalise $D/gitcoin_vector.csv
run 2 "cap fraction without pool" $FUND qf --cap-fraction 0.5 $D/gitcoin_vector.csv
run 2 "cap and cap fraction" $FUND qf --pool 1 --cap 1 --cap-fraction 0.5 $D/gitcoin_vector.csv
run 2 "alpha needs pool" $FUND qf --alpha $D/gitcoin_vector.csv
run 2 "alpha is float" $FUND qf --alpha --pool 1 --decimals 6 $D/gitcoin_vector.csv
run 2 "bad decimals" $FUND qf --decimals 37 $D/gitcoin_vector.csv
run 2 "scores need thresholds" $FUND qf --scores $D/scores.csv $D/gitcoin_vector.csv
run 2 "M must be positive" $FUND pairwise -M 0 $D/gitcoin_vector.csv
run 2 "M must be a number" $FUND pairwise -M abc $D/gitcoin_vector.csv

# ---- bad data: exit 1 with file:line:column ---------------------------------------------------
run 1 "corrupt number" $FUND qf $D/bad_amount.csv
contains "corrupt number" "bad_amount.csv:3:3: expected a decimal number in column 'amount', got \"0.0x5\"" "$T/err"
run 1 "missing file" $FUND qf "$T/nope.csv"; contains "missing file" "cannot open" "$T/err"
run 1 "missing column" $FUND qf --amount-col amount_in_usdt $D/gitcoin_vector.csv
contains "missing column" "expected a column named 'amount_in_usdt'" "$T/err"
run 1 "too many decimals" $FUND qf --decimals 2 $D/negative.csv
run 1 "negative amount" $FUND qf $D/negative.csv; contains "negative" "negative.csv:2:3" "$T/err"

# ---- the brief's Gitcoin vector --------------------------------------------------------------
run 0 "vector exact" $FUND qf --decimals 6 --pool 100 $D/gitcoin_vector.csv
contains "vector exact header" "^project,match," "$T/out"
same "vector exact p1" "$(col match p1)" 13600000
same "vector exact p2" "$(col match p2)" 21600000
same "vector exact p3" "$(col match p3)" 64800000
# the same vector at token scale: amounts x100 in 18-decimal units (past 64 bits; x100
# keeps every amount a perfect square, so the integer square roots are exact)
awk -F, 'NR==1{print; next}{print $1","$2","$3*100}' $D/gitcoin_vector.csv > "$T/wei.csv"
run 0 "vector 18 decimals" $FUND qf --decimals 18 --pool 10000 $T/wei.csv
same "vector 18 decimals p1" "$(col match p1)" 1360000000000000000000
same "vector 18 decimals p3" "$(col match p3)" 6480000000000000000000
same "vector 18 decimals raw p3" "$(col raw_match p3)" 16200000000000000000000
run 0 "vector 18 decimals json" $FUND qf --decimals 18 --pool 10000 --cap 5000 --json $T/wei.csv
contains "18 decimals json" '"project":"p3","match":5000000000000000000000,' "$T/out"
# x1000 is not a perfect square in wei: floor square roots, remainders reported
awk -F, 'NR==1{print; next}{print $1","$2","$3*1000}' $D/gitcoin_vector.csv > "$T/wei2.csv"
run 0 "vector 18 decimals floors" $FUND qf --decimals 18 $T/wei2.csv
same "floored raw p3" "$(col raw_match p3)" 161999999997721674401241  # checked with Python's math.isqrt
same "floored remainder p3" "$(col sqrt_remainder p3)" 205483087113
run 0 "vector float" $FUND qf --pool 100 $D/gitcoin_vector.csv
same "vector float p1" "$(col match p1)" 13.6
same "vector float sum" "$(colsum match)" 100.000000
run 0 "vector raw" $FUND qf $D/gitcoin_vector.csv
same "vector raw p3" "$(col match p3)" 162
run 0 "vector under-saturated" $FUND qf --pool 1000 $D/gitcoin_vector.csv
same "under-saturated raw" "$(col match p2)" 54
run 0 "vector normalised" $FUND qf --pool 1000 --normalise $D/gitcoin_vector.csv
same "normalised" "$(col match p3)" 648
run 0 "vector capped" $FUND qf --pool 100 --cap 40 $D/gitcoin_vector.csv
same "capped p3" "$(col match p3)" 40
same "capped p3 flag" "$(col capped p3)" 1
same "capped sum" "$(colsum match)" 100.000000
run 0 "vector alpha" $FUND qf --alpha --pool 100 $D/gitcoin_vector.csv
near "alpha p1" "$(col match p1)" 13.6
run 0 "json" $FUND qf --decimals 6 --pool 100 --json $D/gitcoin_vector.csv
contains "json" '"project":"p3","match":64800000' "$T/out"
contains "json" '"unallocated":0' "$T/out"
run 0 "eligibility" $FUND qf --owners $D/owners.csv --min 2 $D/gitcoin_vector.csv
same "eligibility p1 alone" "$(col match p1)" 0
run 0 "trust" $FUND qf --scores $D/scores.csv --trust-low 10 --trust-high 30 --json $D/gitcoin_vector.csv
contains "trust" '"trust":7' "$T/out"
run 0 "pairwise" $FUND pairwise -M 5 $D/gitcoin_vector.csv
contains "pairwise header" "^project,match," "$T/out"
run 0 "pairwise huge M is QF" $FUND pairwise -M 1e300 $D/gitcoin_vector.csv
same "pairwise huge M p3" "$(col match p3)" 162
run 0 "pairwise pool" $FUND pairwise --M=5 --pool 100 --normalise --json $D/gitcoin_vector.csv
contains "pairwise json" '"total_match":100' "$T/out"

# ---- stdin and plots -------------------------------------------------------------------------
printf 'voter,project,amount\na,p,1\nb,p,4\n' > "$T/in.csv"
run 0 "stdin" sh -c "$FUND qf - < '$T/in.csv'"
same "stdin match" "$(col match p)" 4
printf 'voter,project,amount\na,p,x\n' > "$T/bad.csv"
run 1 "stdin bad" sh -c "$FUND qf - < '$T/bad.csv'"
contains "stdin bad" "<stdin>:2:3" "$T/err"
run 0 "plot" $FUND qf --pool 100 --plot "$T/q.svg" $D/gitcoin_vector.csv
contains "plot svg" "<svg" "$T/q.svg"
contains "plot bar" ">p3</text>" "$T/q.svg"
run 0 "plot exact" $FUND qf --decimals 6 --pool 100 --plot "$T/e.svg" $D/gitcoin_vector.csv
contains "plot exact value" ">6.48e+07</text>" "$T/e.svg"
run 0 "plot pairwise" $FUND pairwise --plot "$T/p.svg" $D/gitcoin_vector.csv
contains "plot pairwise" "fund pairwise: matches" "$T/p.svg"
run 1 "plot unwritable" $FUND qf --plot "$T/no/such/dir.svg" $D/gitcoin_vector.csv

# ---- issue 8 item 11: overflow, encoding, header-only inputs, write errors --------------------
# amounts near the largest double: an error naming the project, never inf/null/0 (exit 0)
printf 'voter,project,amount\na,p,1e308\nb,p,1e308\nc,p,1e308\n' > "$T/big.csv"
for c in qf pairwise cocm; do
    run 1 "overflow $c" $FUND $c "$T/big.csv"
    contains "overflow $c" "FUND_ERR_RANGE: project 'p': the sum of contributions exceeds the largest double" "$T/err"
done
run 1 "overflow qf json" $FUND qf --json "$T/big.csv"
same "overflow qf json prints nothing" "$(wc -c < "$T/out" | tr -d ' ')" 0
printf 'voter,project,amount\na,p,1e308\nb,p,5e307\n' > "$T/big2.csv"
run 1 "overflow sum of square roots" $FUND qf "$T/big2.csv"; contains "overflow sqrt" "(sum of square roots)^2" "$T/err"
printf 'voter,project,amount\na,p,1e308\na,p,1e308\n' > "$T/big3.csv"
run 1 "overflow one pair" $FUND qf "$T/big3.csv"; contains "overflow one pair" "contributions of 'a' to 'p' sum past" "$T/err"
# underflow: refused like any amount a double cannot hold, at file:line:column
printf 'voter,project,amount\na,p,1\nb,p,1e-400\n' > "$T/tiny.csv"
run 1 "underflow" $FUND qf "$T/tiny.csv"
contains "underflow" "tiny.csv:3:3: expected a decimal number in column 'amount' (between 2.2250738585072014e-308 and 1.7976931348623157e308, or 0), got \"1e-400\"" "$T/err"
run 2 "underflow option" $FUND qf --pool 1e-400 $D/gitcoin_vector.csv
# invalid UTF-8 anywhere: refused at line and byte, before any writer sees it
printf 'voter,project,amount\na,p1,1\nb,"p\377x",4\n' > "$T/utf8.csv"
run 1 "invalid utf-8" $FUND qf --json "$T/utf8.csv"
contains "invalid utf-8" "utf8.csv:3:5: expected UTF-8 text, got the byte 0xFF at byte 5 of the line" "$T/err"
printf 'donor,group\na,G\355\240\200\n' > "$T/utf8g.csv"
run 1 "invalid utf-8 clusters" $FUND cocm --clusters "$T/utf8g.csv" $D/gitcoin_vector.csv
contains "invalid utf-8 clusters" "utf8g.csv:2:4: expected UTF-8 text" "$T/err"
# a NUL stream fails at the first byte, not after reading the 1 GiB limit
run 1 "dev zero" timeout 10 $FUND qf /dev/zero
contains "dev zero" "/dev/zero:1:1: expected UTF-8 text, got a NUL byte" "$T/err"
run 1 "directory" $FUND qf "$T"; contains "directory" "cannot read: Is a directory" "$T/err"
# names JSON and SVG must escape: quotes, markup, control characters, bidi overrides
printf 'voter,project,amount\na,"p<&>'"'"'""\001\342\200\256",1\nb,"p<&>'"'"'""\001\342\200\256",4\nc,q,9\nd,q,1\n' > "$T/esc.csv"
run 0 "escaped names" $FUND qf --json --plot "$T/esc.svg" "$T/esc.csv"
if command -v python3 > /dev/null; then
    if python3 -c 'import json,sys; d=json.load(open(sys.argv[1],encoding="utf-8")); assert d["projects"][0]["project"]=="p<&>'"'"'\"\x01\u202e"' "$T/out"; then ok; else bad "escaped names: JSON"; fi
fi
if command -v xmllint > /dev/null; then
    if xmllint --noout "$T/esc.svg" 2> "$T/err"; then ok; else bad "escaped names: SVG is not XML"; fi
fi
contains "svg escapes" '>p&lt;&amp;&gt;&apos;&quot;&#xFFFD;&#xFFFD;<' "$T/esc.svg"
ls "$T" | grep -q '\.tmp\.' && bad "plot left a temporary file" || ok
run 1 "plot unwritable" $FUND qf --plot "$T/nodir/x.svg" "$T/esc.csv"
contains "plot unwritable" "x.svg: cannot write: No such file or directory" "$T/err"
# header-only inputs: refused in every build (UBSan saw an empty qsort before)
printf 'voter,project,amount\n' > "$T/hdr.csv"
for c in qf pairwise cocm; do
    run 1 "header only $c" $FUND $c "$T/hdr.csv"
    contains "header only $c" "hdr.csv:2: expected at least one row after the header, got none" "$T/err"
done
printf 'project,owner\n' > "$T/owners_hdr.csv"
run 1 "header only owners" $FUND qf --owners "$T/owners_hdr.csv" $D/gitcoin_vector.csv
contains "header only owners" "owners_hdr.csv:2: expected at least one row" "$T/err"
printf 'donor,group\n' > "$T/clusters_hdr.csv"
run 1 "header only clusters" $FUND cocm --clusters "$T/clusters_hdr.csv" $D/gitcoin_vector.csv
contains "header only clusters" "clusters_hdr.csv:2: expected at least one row" "$T/err"
# owners that match nothing: nothing to sort, still fine
printf 'project,owner\nnope,nobody\n' > "$T/owners_none.csv"
run 0 "owners matching nothing" $FUND qf --owners "$T/owners_none.csv" $D/gitcoin_vector.csv
# write errors: exit 1 naming the errno, for every output path
if [ -w /dev/full ]; then
    for c in "qf" "qf --json" "qf --decimals 6 --json" "qf --alpha --pool 10" "pairwise" \
        "pairwise --json" "cocm" "cocm --json" "qf --help"; do
        run 1 "stdout full: $c" sh -c "$FUND $c $D/gitcoin_vector.csv > /dev/full"
        contains "stdout full: $c" "FUND_ERR_IO: cannot write the standard output: No space left on device" "$T/err"
    done
fi

# ---- issue 8 item 11, review -------------------------------------------------------------------
run 2 "exact and decimals" $FUND qf --exact --decimals 6 $D/gitcoin_vector.csv
contains "exact and decimals" "give one of them" "$T/err"
# names in messages are escaped: a project name cannot rewrite the terminal
printf 'voter,project,amount\na,"p\033[2J\342\200\256",1e308\na,"p\033[2J\342\200\256",1e308\n' > "$T/escname.csv"
run 1 "escaped project name" $FUND qf "$T/escname.csv"
contains "escaped project name" "to 'p\\\\u001b\[2J\\\\u202e' sum past" "$T/err"
if LC_ALL=C grep -q "$(printf '\033')" "$T/err"; then bad "escaped project name: raw ESC"; else ok; fi
run 1 "plot into a directory" $FUND qf --plot "$T" $D/gitcoin_vector.csv
contains "plot into a directory" "cannot write: Is a directory" "$T/err"
if [ -w /dev/full ]; then
    run 1 "plot to /dev/full" $FUND qf --plot /dev/full $D/gitcoin_vector.csv
    contains "plot to /dev/full" "/dev/full: cannot write: No space left on device" "$T/err"
fi
# a cap fraction of a pool that underflows to 0 is refused, not every match 0
run 1 "cap underflow" $FUND qf --pool 1e-300 --cap-fraction 1e-300 $D/gitcoin_vector.csv
contains "cap underflow" "FUND_ERR_RANGE: the cap, 1e-300 of the pool 1e-300, is below the smallest double" "$T/err"
# trust thresholds whose difference passes the largest double (every factor was 0)
run 0 "trust thresholds far apart" $FUND qf --scores $D/scores.csv --trust-low -1e308 --trust-high 1e308 $D/gitcoin_vector.csv
same "trust thresholds far apart" "$(col match p1)" 17
# an existing chart is replaced whole or kept: a failed run leaves it as it was
printf 'old' > "$T/keep.svg"
run 1 "plot kept on failure" $FUND qf --plot "$T/keep.svg" "$T/escname.csv"
same "plot kept on failure" "$(cat "$T/keep.svg")" old

# ---- real data --------------------------------------------------------------------------------
GR3=$SHARED/gitcoin-gr3/GR03_contributions.csv
if [ -f "$GR3" ]; then
    run 0 "gr3 qf" $FUND qf --voter-col address --project-col grant_id --amount-col amount_in_usdt \
        --pool 100000 --normalise $GR3
    same "gr3 projects" "$(($(wc -l < "$T/out") - 1))" 75
    same "gr3 sum" "$(colsum match)" 100000.000000
    run 0 "gr3 pairwise" $FUND pairwise -M 0.01 --voter-col address --project-col grant_id \
        --amount-col amount_in_usdt --pool 100000 --normalise $GR3
    same "gr3 pairwise sum" "$(colsum match)" 100000.000000
else
    echo "SKIP fund cli real data: $SHARED not present"
fi

cli_finish
