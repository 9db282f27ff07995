#!/bin/sh
# test_fund_deep.sh -- end-to-end tests of fund jury/score/blend/flow, run by
# tools/run-tests.sh from the repository root.  Fixtures: tests/fund/data/deep_*.csv; the
# real trial data in ../shared/vectors/funding is used when present.  The tally goes to
# $SP_TALLY_FILE as "passed failed".
set -u
. tests/support/cli_lib.sh
cli_setup "fund deep cli" fund-deep

cli_require "$FUND"

for c in jury score blend flow; do run 0 "help $c" $FUND $c --help; contains "help $c" "usage: fund $c" "$T/out"; done
run 2 "jury no file" $FUND jury
run 2 "jury bad method" $FUND jury --method nope $D/deep_pairs.csv
run 2 "flow no source" $FUND flow --amount 1 $D/deep_edges.csv
run 2 "flow bad amount" $FUND flow --source S --amount 1x $D/deep_edges.csv

# compsums NAME: every component's weights in $T/out sum to 1 (to 1e-12)
compsums() {
    if awk -F, 'NR>1{s[$3]+=$2} END{for(k in s){d=s[k]-1; if(d<0)d=-d; if(d>1e-12) exit 1} exit NR<2}' "$T/out"
    then ok; else bad "$1: some component's weights do not sum to 1"; fi
}
# published NAME METHOD: the weights in $T/out against the rows of METHOD in
# tests/fund/data/deep_trial_published.csv (published trial weights with their provenance),
# each to the row's absolute tolerance; prints the largest difference.
published() {
    if awk -F, -v m="$2" -v name="$1" '
        NR==FNR { if ($0 !~ /^#/ && $1==m) { want[$2]=$3; tol[$2]=$4; n++ } next }
        FNR>1 && ($1 in want) { d=$2-want[$1]; if (d<0) d=-d; if (d>max) max=d
                                if (d>tol[$1]) { print "  " $1 ": " $2 ", published " want[$1]; bad=1 }
                                seen++ }
        END { printf "%s: %d repos, max |diff| %.3g\n", name, seen, max; exit bad || seen!=n || n==0 }' \
        tests/fund/data/deep_trial_published.csv "$T/out"
    then ok; else bad "$1: differs from the published weights"; fi
}

# jury: two components, reported, weights per component
run 0 "jury fixture" $FUND jury --plot "$T/j.svg" $D/deep_pairs.csv
contains "jury header" "^repo,weight,component,parent$" "$T/out"
compsums "jury fixture sums"
near "jury ra" "$(col weight ra)" 0.6
near "jury ry" "$(col weight ry)" 0.8
contains "jury disconnected" "disconnected: 2 components" "$T/err"
contains "jury svg" "</svg>" "$T/j.svg"
run 0 "jury json" $FUND jury --json --method bt $D/deep_pairs.csv
contains "jury json" '"weights":\[' "$T/out"
run 0 "jury huber mad" $FUND jury --method huber --delta mad $D/deep_pairs.csv
contains "jury huber mad delta" "Huber threshold delta .*MAD" "$T/err"
compsums "jury huber mad sums"
run 2 "jury delta 0" $FUND jury --method huber --delta 0 $D/deep_pairs.csv
run 2 "jury delta word" $FUND jury --method huber --delta median $D/deep_pairs.csv
run 1 "jury bad choice" $FUND jury $D/deep_pairs_badchoice.csv
contains "jury bad choice" "deep_pairs_badchoice.csv:2:" "$T/err"

# score and blend
run 0 "score" $FUND score $D/deep_pairs.csv $D/deep_sub_exact.csv $D/deep_sub_flat.csv
near "score exact" "$(col mean $D/deep_sub_exact.csv)" 0
run 0 "score by pair" $FUND score --by pair $D/deep_pairs.csv $D/deep_sub_flat.csv
contains "score by pair" "^ra,rb,p,j1,2," "$T/out"
run 1 "score corrupt" $FUND score $D/deep_pairs.csv $D/deep_sub_corrupt.csv
contains "score corrupt" "deep_sub_corrupt.csv:4:3: expected a decimal number" "$T/err"
run 0 "blend" $FUND blend $D/deep_pairs.csv $D/deep_sub_flat.csv $D/deep_sub_exact.csv $D/deep_sub_copy.csv
near "blend exact share" "$(col share $D/deep_sub_exact.csv)" 1
near "blend copy share" "$(col share $D/deep_sub_copy.csv)" 0
contains "blend unique" "is unique" "$T/err"
run 0 "blend mix" $FUND blend --mix "$T/mix.csv" $D/deep_pairs.csv $D/deep_sub_flat.csv $D/deep_sub_exact.csv
run 0 "score the mix" $FUND score $D/deep_pairs.csv "$T/mix.csv"
near "the mix scores like the blend" "$(col mean "$T/mix.csv")" 0

# flow: Buterin's example
run 0 "flow" $FUND flow --source S --amount 1 --originality $D/deep_originality.csv --plot "$T/f.svg" $D/deep_edges.csv
near "flow T" "$(col payout T)" 0.04667736
near "flow sum" "$(colsum payout "%.12f")" 1
contains "flow svg" "</svg>" "$T/f.svg"
run 1 "flow trapped" $FUND flow --source a --amount 1 --originality $D/deep_originality_trap.csv $D/deep_edges_trap.csv
contains "flow trapped" "trapped.*b, c" "$T/err"
run 1 "flow missing originality" $FUND flow --source S --amount 1 $D/deep_edges.csv
contains "flow missing originality" "no originality for S" "$T/err"

if [ -d "$SHARED" ]; then
    P=$SHARED/deepfunding-trial/pairs.csv M=$SHARED/deepfunding-trial/models
    run 0 "trial jury" $FUND jury $P
    near "trial jury sum" "$(colsum weight "%.12f")" 1
    compsums "trial jury component sums"
    contains "trial jury connected" "connected (1 component)" "$T/err"
    published "trial jury vs published least-squares" lsq
    run 0 "trial jury huber mad" $FUND jury --method huber --delta mad $P
    compsums "trial huber component sums"
    published "trial huber --delta mad vs published huber-log" huber-mad
    run 0 "trial score" $FUND score $P $M/arbitron.csv $M/composite_model.csv
    near "trial arbitron" "$(col mean $M/arbitron.csv)" 5.6475194550435859
    run 0 "trial blend" $FUND blend --mix "$T/tmix.csv" $P $M/arbitron.csv $M/composite_model.csv
    near "trial blend share" "$(col share $M/composite_model.csv)" 0.7227303987147329
    run 0 "trial mix score" $FUND score $P "$T/tmix.csv"
    near "trial mix score" "$(col mean "$T/tmix.csv")" 5.300796073017057
    run 1 "trial seer" $FUND score $P $M/final_seer_weights.csv
    contains "trial seer" "final_seer_weights.csv:21:3" "$T/err"
    run 0 "trial flow" $FUND flow --source ethereum --amount 1000000 --originality-default 0.2 $SHARED/dependency-graph/repo_parent_weight_graph.csv
    near "trial flow sum" "$(colsum payout "%.12f")" 1000000
else
    echo "SKIP fund deep cli real data (trial jury against the published analysis, scores, blend, flow): $SHARED not present"
fi

# ---- issue 8 item 11: header-only jury file, overflow in flow, write errors ------------------
head -1 $D/deep_pairs.csv > "$T/pairs_hdr.csv"
run 1 "jury header only" $FUND jury "$T/pairs_hdr.csv"
contains "jury header only" "pairs_hdr.csv:2: expected at least one row after the header, got none" "$T/err"
printf 'repo,parent,weight\na,s,1e308\nb,s,1e308\nc,s,1e308\nd,s,1e308\ne,s,1e308\n' > "$T/big_edges.csv"
run 0 "flow weights near the largest double" $FUND flow --source s --amount 100 --originality-default 0 "$T/big_edges.csv"
for r in a b c d e; do same "flow big weights $r" "$(awk -F, -v r=$r '$1==r{print $2}' "$T/out")" 20; done
printf 'repo,parent,weight\nb,a,1\na,b,1\n' > "$T/ring.csv"
run 1 "flow overflow in a cycle" $FUND flow --source a --amount 1e306 --originality-default 0.001 "$T/ring.csv"
contains "flow overflow" "exceeds the largest double" "$T/err"
run 1 "flow conservation" $FUND flow --source a --amount 100 --originality-default 0.001 --tolerance 1e-3 "$T/ring.csv"
contains "flow conservation" "the payouts sum to" "$T/err"
if [ -w /dev/full ]; then
    run 1 "jury stdout full" sh -c "$FUND jury $D/deep_pairs.csv > /dev/full"
    contains "jury stdout full" "cannot write the standard output: No space left on device" "$T/err"
    run 1 "flow stdout full" sh -c "$FUND flow --source S --amount 1 --originality-default 0.5 $D/deep_edges.csv > /dev/full"
    contains "flow stdout full" "cannot write the standard output: No space left on device" "$T/err"
    run 1 "flow json stdout full" sh -c "$FUND flow --json --source S --amount 1 --originality-default 0.5 $D/deep_edges.csv > /dev/full"
    contains "flow json stdout full" "No space left on device" "$T/err"
fi

# ---- issue 8 item 11, review: what the first round missed ----------------------------------
# blend: weights near the largest double; per-parent sums overflowed, so two different
# submissions were "identical" (the better merged into the worse) and the mix all zeros
printf 'repo,parent,weight\nra,p,1e308\nrb,p,1e308\nrc,p,1\nrx,p,1\nry,p,1\n' > "$T/huge1.csv"
printf 'repo,parent,weight\nra,p,1e308\nrb,p,1e308\nrc,p,1e300\nrx,p,1\nry,p,1\n' > "$T/huge2.csv"
run 0 "blend huge weights" $FUND blend --mix "$T/hmix.csv" $D/deep_pairs.csv "$T/huge1.csv" "$T/huge2.csv"
same "blend huge weights: not merged" "$(col merged_into "$T/huge2.csv")" ""
near "blend huge weights: the better one" "$(col share "$T/huge2.csv")" 1
if awk -F, 'NR>1{s+=$3} END{d=s-1; if(d<0)d=-d; exit !(d < 1e-12)}' "$T/hmix.csv"; then ok; else bad "blend huge weights: the mix does not sum to 1"; fi
# keys are (repo, parent) whatever bytes the names hold (a 0x1F separator made
# ("a<US>b", "c") and ("a", "b<US>c") one key)
printf 'timestamp,juror,repo_a,repo_b,parent,choice,multiplier\n1,j,"a\037b",d,c,1,2\n' > "$T/us_pairs.csv"
printf 'repo,parent,weight\na,"b\037c",5\nd,c,1\n"a\037b",c,2\n' > "$T/us_sub.csv"
run 0 "keys with a 0x1F byte" $FUND score "$T/us_pairs.csv" "$T/us_sub.csv"
near "keys with a 0x1F byte: exact" "$(col mean "$T/us_sub.csv")" 0
printf 'repo,parent,weight\n"b\037c",a,1\nc,"a\037b",1\n' > "$T/us_edges.csv"
run 0 "edges with a 0x1F byte" $FUND flow --source a --amount 1 --originality-default 0.5 "$T/us_edges.csv"
# blend --mix appears whole or not at all and names the errno
run 1 "blend mix missing directory" $FUND blend --mix "$T/nodir/m.csv" $D/deep_pairs.csv $D/deep_sub_flat.csv
contains "blend mix missing directory" "m.csv: cannot write: No such file or directory" "$T/err"
run 1 "blend mix a directory" $FUND blend --mix "$T" $D/deep_pairs.csv $D/deep_sub_flat.csv
contains "blend mix a directory" "cannot write: Is a directory" "$T/err"
if [ -w /dev/full ]; then
    run 1 "blend mix full" $FUND blend --mix /dev/full $D/deep_pairs.csv $D/deep_sub_flat.csv
    contains "blend mix full" "/dev/full: cannot write: No space left on device" "$T/err"
fi
ls "$T" | grep -q '\.tmp\.' && bad "blend --mix left a temporary file" || ok
# no option accepted and ignored
run 2 "jury delta without huber" $FUND jury --delta 2 $D/deep_pairs.csv
contains "jury delta without huber" "needs --method huber" "$T/err"
run 2 "jury delta bt" $FUND jury --method bt --delta mad $D/deep_pairs.csv
run 2 "score by with json" $FUND score --by juror --json $D/deep_pairs.csv $D/deep_sub_flat.csv
# one refusal, one message
run 2 "flow originality out of range" $FUND flow --source S --amount 1 --originality-default 2 $D/deep_edges.csv
same "flow originality: one message" "$(wc -l < "$T/err" | tr -d ' ')" 1
run 2 "flow amount malformed" $FUND flow --source S --amount 1x $D/deep_edges.csv
same "flow amount malformed: one message" "$(wc -l < "$T/err" | tr -d ' ')" 1
# "-0" is 0: no "-0" in the output
run 0 "flow amount -0" $FUND flow --source S --amount -0 --originality-default -0 $D/deep_edges.csv
grep -q -- '-0' "$T/out" && bad "flow amount -0: printed -0" || ok
# names and file names in messages are escaped (no terminal control from the input)
esc=$(printf '%s/e\033[2J\342\200\256\377.csv' "$T")
printf 'timestamp,juror,repo_a,repo_b,parent,choice,multiplier\n1,j,a,b,p,3,2\n' > "$esc"
run 1 "escaped file name" $FUND jury "$esc"
contains "escaped file name" 'e\\u001b\[2J\\u202e\\xff.csv:2:6: expected choice 1 or 2' "$T/err"
if LC_ALL=C grep -q "$(printf '\033')" "$T/err"; then bad "escaped file name: raw ESC on stderr"; else ok; fi
printf 'repo,parent,weight\n"x\033]0;t\007",S,1\n' > "$T/esc_edges.csv"
run 1 "escaped node name" $FUND flow --source S --amount 1 "$T/esc_edges.csv"
contains "escaped node name" 'no originality for S' "$T/err"
run 1 "escaped source name" $FUND flow --source "$(printf 'q\033[2J')" --amount 1 "$T/esc_edges.csv"
contains "escaped source name" 'the source q\\u001b\[2J is not a node' "$T/err"
# stdout on /dev/full: every deep subcommand, every output format, names the errno
if [ -w /dev/full ]; then
    for c in "jury --json $D/deep_pairs.csv" "jury --method bt $D/deep_pairs.csv" \
        "score $D/deep_pairs.csv $D/deep_sub_flat.csv" "score --json $D/deep_pairs.csv $D/deep_sub_flat.csv" \
        "score --by juror $D/deep_pairs.csv $D/deep_sub_flat.csv" "score --by pair $D/deep_pairs.csv $D/deep_sub_flat.csv" \
        "blend $D/deep_pairs.csv $D/deep_sub_flat.csv $D/deep_sub_exact.csv" \
        "blend --json $D/deep_pairs.csv $D/deep_sub_flat.csv $D/deep_sub_exact.csv" "score --help"; do
        run 1 "stdout full: $c" sh -c "$FUND $c > /dev/full"
        contains "stdout full: $c" "FUND_ERR_IO: cannot write the standard output: No space left on device" "$T/err"
    done
fi
# every subcommand, every option a sibling takes: refused (exit 2, "unknown option")
# unless its own --help lists it
allopts="--voter-col --project-col --amount-col --owners --min --scores --trust-low --trust-high
--pool --cap --cap-fraction --normalise --normalize --decimals --exact --alpha --json --plot -M
--M --similarity --no-harsh --clusters --method --delta --by --mix --source --amount
--originality --originality-default --tolerance"
for c in qf pairwise cocm jury score blend flow; do
    $FUND $c --help > "$T/help" 2>&1
    for o in $allopts; do
        if grep -qE -- "(^|[ [,])$o([] ,=]|$)" "$T/help"; then continue; fi
        $FUND $c "$o=1" x.csv > "$T/out" 2> "$T/err"; got=$?
        if [ "$got" -eq 2 ] && grep -q "unknown option '$o=1'" "$T/err"; then ok
        else bad "fund $c $o: exit $got, not refused as unknown"; fi
    done
done

cli_finish
