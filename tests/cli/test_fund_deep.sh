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

cli_finish
