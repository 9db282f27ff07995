#!/bin/sh
# test_fund_organiser.sh -- issue 13 section 2: fund as a round organiser meets it.  One
# block per item: og+harsh refused and no silent all-zero allocation, pool accounting,
# score --skip-invalid and the column names, flow over a JSON graph, the column options
# named, compare and the exclusions, readable plots, --version.  Fixtures: tests/fund/data;
# ../shared/vectors/funding when present (SKIP otherwise).
set -u
. tests/support/cli_lib.sh
cli_setup "fund organiser" fund-org
cli_require "$FUND"
V=$D/gitcoin_vector.csv
json_ok() { python3 -c "import json,sys; d=json.load(open(sys.argv[2])); sys.exit(0 if ($1) else 1)" "$1" "$2"; }
json_check() { if json_ok "$2" "$T/out"; then ok; else bad "$1: '$2' on $(head -c 300 "$T/out")"; fi; }

# ---- cocm: og in harsh mode with the projects as groups is always 0: refused ------------------
run 2 "cocm og harsh refused" $FUND cocm --similarity og $D/cocm_hand.csv
contains "cocm og harsh explained" "gives every project 0" "$T/err"
contains "cocm og harsh remedies" "--no-harsh" "$T/err"
run 0 "cocm og no-harsh allowed" $FUND cocm --similarity og --no-harsh $D/cocm_hand.csv
run 0 "cocm og harsh with clusters allowed" $FUND cocm --similarity og --clusters $D/cocm_groups.csv $D/cocm_hand.csv
# any mechanism: an all-zero allocation is said on stderr (one donor per project: no match)
printf 'voter,project,amount\na,p1,5\nb,p2,7\n' > "$T/lonely.csv"
for m in qf pairwise cocm; do
    run 0 "all zero $m" $FUND $m "$T/lonely.csv"
    contains "all zero $m warned" "warning: every project's match is 0" "$T/err"
done
run 0 "not all zero: no warning" $FUND qf $V
if grep -q "warning" "$T/err"; then bad "not all zero: a warning was printed"; else ok; fi

# ---- pool accounting: pool, total_match, unallocated, pool_left; the CSV summary ---------------
# raw matches 34 + 54 + 162 = 250 under a pool of 1000: 750 of the pool is left
run 0 "pool json" $FUND qf --pool 1000 --json $V
json_check "pool json" 'd["pool"] == 1000 and d["total_match"] == 250 and d["unallocated"] == 0 and d["pool_left"] == 750'
run 0 "pool csv" $FUND qf --pool 1000 $V
contains "pool csv summary" "^fund qf: pool 1000, matched 250, left 750 (unallocated 0, rounding dust 0)$" "$T/err"
run 0 "no pool: no summary" $FUND qf $V
if grep -q "pool" "$T/err"; then bad "no pool: a summary was printed"; else ok; fi
run 0 "no pool json" $FUND qf --json $V; json_check "no pool json" 'd["pool"] is None and d["pool_left"] is None'
# exact mode: units; flooring leaves dust (1000 units over raw 1:1:1 at a pool of 1000 -> 999 paid)
printf 'voter,project,amount\na,p1,1\nb,p1,1\na,p2,1\nb,p2,1\na,p3,1\nb,p3,1\n' > "$T/thirds.csv"
run 0 "pool exact dust" $FUND qf --decimals 0 --pool 1000 --normalise "$T/thirds.csv"
contains "pool exact dust" "pool 1000, matched 999, left 1 (unallocated 1, rounding dust 1)" "$T/err"
run 0 "pool exact json" $FUND qf --decimals 0 --pool 1000 --normalise --json "$T/thirds.csv"
json_check "pool exact json" 'd["pool_left"] == 1 and d["unallocated"] == 1 and d["total_match"] == 999'
for m in pairwise cocm; do
    run 0 "pool $m json" $FUND $m --pool 1000 --json $V
    json_check "pool $m json" 'd["pool"] == 1000 and abs(d["pool_left"] - (1000 - d["total_match"])) < 1e-9 and "unallocated" in d'
    run 0 "pool $m csv" $FUND $m --pool 1000 $V
    contains "pool $m csv summary" "^fund $m: pool 1000, matched .*, left .* (unallocated .*, rounding dust .*)$" "$T/err"
done
if [ -f "$SHARED/gitcoin-gr3/GR03_contributions.csv" ]; then
    G="$SHARED/gitcoin-gr3/GR03_contributions.csv"; C="--voter-col address --project-col grant_id --amount-col amount_in_usdt"
    run 0 "GR3 pool left" $FUND qf $C --pool 4000000 --json "$G"
    json_check "GR3 pool left: 68% of the pool unused is reported" 'd["unallocated"] == 0 and d["pool_left"] > 0.68 * 4000000'
else
    echo "SKIP $SUITE: GR3 pool accounting ($SHARED not present)"
fi

# ---- score --skip-invalid; the column names ---------------------------------------------------
run 1 "score corrupt stops" $FUND score $D/deep_pairs.csv $D/deep_sub_exact.csv $D/deep_sub_corrupt.csv
run 0 "score skip invalid" $FUND score --skip-invalid $D/deep_pairs.csv $D/deep_sub_corrupt.csv $D/deep_sub_exact.csv
contains "score skip: header" "^submission,answers,total,mean$" "$T/out"
contains "score skip: the rest scored" "^$D/deep_sub_exact.csv," "$T/out"
if grep -q "deep_sub_corrupt" "$T/out"; then bad "score skip: the corrupt file was scored"; else ok; fi
contains "score skip: listed with its error" "skipped $D/deep_sub_corrupt.csv: FUND_ERR_FORMAT: $D/deep_sub_corrupt.csv:" "$T/err"
run 0 "score skip json" $FUND score --skip-invalid --json $D/deep_pairs.csv $D/deep_sub_corrupt.csv $D/deep_sub_exact.csv
json_check "score skip json" 'len(d["submissions"]) == 1 and d["submissions"][0]["submission"].endswith("deep_sub_exact.csv") and d["skipped"][0]["error"] == "FUND_ERR_FORMAT" and "deep_sub_corrupt.csv:" in d["skipped"][0]["message"]'
run 1 "score skip: none left" $FUND score --skip-invalid $D/deep_pairs.csv $D/deep_sub_corrupt.csv
contains "score skip: none left" "no submission left" "$T/err"
run 0 "blend columns" $FUND blend $D/deep_pairs.csv $D/deep_sub_flat.csv $D/deep_sub_exact.csv $D/deep_sub_copy.csv
contains "blend header" "^submission,share,merged_into,alone_total,alone_mean$" "$T/out"
same "blend: not merged is empty" "$(awk -F, -v f=$D/deep_sub_flat.csv '$1==f{print $3}' "$T/out")" ""
run 0 "blend json" $FUND blend --json $D/deep_pairs.csv $D/deep_sub_flat.csv $D/deep_sub_exact.csv
json_check "blend json names" 'all(s["merged_into"] is None and "submission" in s for s in d["submissions"])'
if [ -d "$SHARED/deepfunding-trial/models" ]; then
    M="$SHARED/deepfunding-trial/models"
    run 0 "trial skip invalid" $FUND score --skip-invalid "$SHARED/deepfunding-trial/pairs.csv" "$M/arbitron.csv" "$M/composite_model.csv" "$M/final_seer_weights.csv"
    same "trial: two scored" "$(tail -n +2 "$T/out" | wc -l | tr -d ' ')" 2
    contains "trial: the corrupt weight named" "final_seer_weights.csv:21:3: expected a decimal number" "$T/err"
else
    echo "SKIP $SUITE: trial --skip-invalid ($SHARED not present)"
fi

# ---- flow over the dependency graph in JSON ---------------------------------------------------
run 0 "flow csv" $FUND flow --source S --amount 1 --originality $D/deep_originality.csv $D/deep_edges.csv
cp "$T/out" "$T/flow_csv.out"
run 0 "flow json graph" $FUND flow --source S --amount 1 --originality $D/deep_originality.csv $D/deep_edges.json
if cmp -s "$T/out" "$T/flow_csv.out"; then ok; else bad "flow json graph: not the CSV graph's payouts"; fi
printf '{"S": ["A", "B"], "A": [], "B\\u00e9": ["C"]}\n' > "$T/list.json"
run 0 "flow json lists" $FUND flow --source S --amount 10 --originality-default 0 "$T/list.json"
same "flow json lists: equal shares" "$(col payout A),$(col payout B)" "5,5"
run 0 "flow json escapes" $FUND flow --source "Bé" --amount 1 --originality-default 0 "$T/list.json"
same "flow json escapes" "$(col payout C)" 1
printf '{"S": ["A", "A"]}' > "$T/dup.json"
run 1 "flow json duplicate edge" $FUND flow --source S --amount 1 "$T/dup.json"
contains "flow json duplicate edge" "dup.json:1: expected each (repo, parent) edge once" "$T/err"
printf '{"S": ["A",\n  3]}' > "$T/bad.json"
run 1 "flow json malformed" $FUND flow --source S --amount 1 "$T/bad.json"
contains "flow json malformed" "FUND_ERR_FORMAT: $T/bad.json:2:3: expected a string" "$T/err"
printf '{"S": {"A": -1}}' > "$T/neg.json"
run 1 "flow json negative weight" $FUND flow --source S --amount 1 "$T/neg.json"
contains "flow json negative weight" "expected an edge weight >= 0 and finite, got -1" "$T/err"
printf '{"S": ["A"]} x' > "$T/trail.json"
run 1 "flow json trailing bytes" $FUND flow --source S --amount 1 "$T/trail.json"
J="$SHARED/dependency-graph/gg24_seed_dependencies_pruned.json"
if [ -f "$J" ]; then
    run 0 "gg24 json graph" $FUND flow --source https://github.com/0xmiden/miden-vm --amount 100 --originality-default 0.2 "$J"
    contains "gg24 json graph: nodes" "flow: 2036 nodes, 5314 edges" "$T/err"
    near "gg24 json graph: conserved" "$(colsum payout %.9f)" 100
else
    echo "SKIP $SUITE: gg24 JSON graph ($SHARED not present)"
fi

# ---- a wrong column name lists the columns and the --*-col options ----------------------------
run 1 "wrong column" $FUND qf --amount-col amount_usd $V
contains "wrong column: the columns" "(columns: voter, project, amount)" "$T/err"
contains "wrong column: the options" "--voter-col, --project-col and --amount-col" "$T/err"
printf 'address,grant_id,usd\nx,1,2\n' > "$T/other.csv"
run 1 "wrong default column" $FUND pairwise "$T/other.csv"
contains "wrong default column" "expected a column named 'voter'.*(columns: address, grant_id, usd).*--voter-col" "$T/err"

# ---- compare, and the exclusions ---------------------------------------------------------------
run 0 "compare" $FUND compare --pool 100 $V
contains "compare header" "^project,contributions,donors,qf,pairwise,cocm$" "$T/out"
cp "$T/out" "$T/cmp.csv"
for m in qf pairwise cocm; do
    run 0 "compare: $m alone" $FUND $m --pool 100 $V
    for p in p1 p2 p3; do
        same "compare $m $p" "$(awk -F, -v c=$m -v p=$p 'NR==1{for(i=1;i<=NF;i++) if($i==c) k=i; next} $1==p{print $k}' "$T/cmp.csv")" "$(col match $p)"
    done
done
run 0 "compare json" $FUND compare --pool 100 --json $V
json_check "compare json" 'sorted(d["mechanisms"]) == ["cocm", "pairwise", "qf"] and all(abs(m["total_match"] + m["pool_left"] - 100) < 1e-9 for m in d["mechanisms"].values()) and set(d["projects"][0]) >= {"project", "qf", "pairwise", "cocm"}'
run 0 "compare csv summaries" $FUND compare --pool 100 $V
same "compare csv summaries" "$(grep -c '^fund compare: [a-z]*: pool 100, matched' "$T/err")" 3
run 0 "compare plot" $FUND compare --pool 100 --plot "$T/cmp.svg" --names $D/names.csv $V
contains "compare plot: legend" ">pairwise</text>" "$T/cmp.svg"
same "compare plot: three bars a project" "$(grep -c '<rect x="300" y="[0-9]*" width="[0-9.]*" height="14"' "$T/cmp.svg")" 9
# exclusions: the same as the file without those rows
awk -F, '$1 != "g"' $V > "$T/no_g.csv"
awk -F, '$2 != "p3"' $V > "$T/no_p3.csv"
for m in qf pairwise cocm compare; do
    run 0 "exclude voters $m" $FUND $m --exclude-voters $D/exclude_voters.txt $V
    cp "$T/out" "$T/ex.out"
    contains "exclude voters $m: unmatched name warned" "warning: --exclude-voters: 'nobody' matches no row" "$T/err"
    run 0 "without g $m" $FUND $m "$T/no_g.csv"
    if cmp -s "$T/out" "$T/ex.out"; then ok; else bad "exclude voters $m: not the round without g"; fi
    run 0 "exclude projects $m" $FUND $m --exclude-projects $D/exclude_projects.txt $V
    cp "$T/out" "$T/ex.out"
    run 0 "without p3 $m" $FUND $m "$T/no_p3.csv"
    if cmp -s "$T/out" "$T/ex.out"; then ok; else bad "exclude projects $m: not the round without p3"; fi
done
run 0 "exclude json" $FUND qf --json --exclude-voters $D/exclude_voters.txt $V
json_check "exclude json: rows counted" 'd["dropped"]["excluded"] == 2 and d["rows"] == 18'
run 1 "exclude file missing" $FUND qf --exclude-voters "$T/nope.txt" $V
contains "exclude file missing" "FUND_ERR_IO: $T/nope.txt: cannot open" "$T/err"
if [ -f "$SHARED/gitcoin-gr3/GR03_contributions.csv" ]; then
    G="$SHARED/gitcoin-gr3/GR03_contributions.csv"; C="--voter-col address --project-col grant_id --amount-col amount_in_usdt"
    run 0 "GR3 compare" $FUND compare $C --pool 100000 --json "$G"
    json_check "GR3 compare" 'len(d["projects"]) == 75 and abs(d["mechanisms"]["qf"]["total_match"] - 100000) < 1e-6'
    echo 101 > "$T/ex101"
    run 0 "GR3 compare excluding a grant" $FUND compare $C --pool 100000 --exclude-projects "$T/ex101" "$G"
    same "GR3 compare excluding a grant" "$(tail -n +2 "$T/out" | wc -l | tr -d ' ')" 74
else
    echo "SKIP $SUITE: GR3 compare ($SHARED not present)"
fi

# ---- plots: a title with mechanism, pool and unit; a value axis; names -------------------------
run 0 "plot title" $FUND qf --pool 100 --plot "$T/q.svg" $V
contains "plot title" "fund qf: matches, pool 100, in amount</text>" "$T/q.svg"
contains "plot value axis" '<g class="axis"' "$T/q.svg"
contains "plot axis gridline numbers" '>20</text>' "$T/q.svg"
run 0 "plot exact unit" $FUND qf --decimals 6 --plot "$T/e.svg" $V
contains "plot exact unit" "no pool (raw matches), in amount (units of 1e-6)" "$T/e.svg"
run 0 "plot names" $FUND pairwise --plot "$T/n.svg" --names $D/names.csv $V
contains "plot names: named" ">Alpha project</text>" "$T/n.svg"
contains "plot names: escaped" ">Beta &amp; &lt;Co&gt;</text>" "$T/n.svg"
contains "plot names: an id without a name" ">p3</text>" "$T/n.svg"
if grep -q ">p1</text>" "$T/n.svg"; then bad "plot names: the bare id is still shown"; else ok; fi
run 0 "plot cocm unit" $FUND cocm --amount-col amount --plot "$T/c.svg" $D/cocm_hand.csv
contains "plot cocm title" "fund cocm: matches, no pool (raw matches), in amount" "$T/c.svg"
run 2 "names without plot" $FUND qf --names $D/names.csv $V
contains "names without plot" "give --plot too" "$T/err"
printf 'id\np1\n' > "$T/badnames.csv"
run 1 "plot names without a name column" $FUND qf --plot "$T/x.svg" --names "$T/badnames.csv" $V
contains "plot names without a name column" "expected a column named 'name'" "$T/err"

# ---- --version: one version string for the project ---------------------------------------------
ver=$(sed -n 's/^#define DACC_VERSION "\(.*\)"$/\1/p' include/dacc/version.h)
run 0 "fund --version" $FUND --version; same "fund --version" "$(cat "$T/out")" "fund $ver"
run 0 "softpause --version" $SP --version; same "softpause --version" "$(cat "$T/out")" "softpause $ver"
if grep -rn '"[0-9]\+\.[0-9]\+\.[0-9]\+"' src/cmd/softpause/main.c src/cmd/fund/main.c > /dev/null; then
    bad "a version literal outside include/dacc/version.h"; else ok; fi

# ---- the deep-funding library's errors are fund_err names ----------------------------------------
run 1 "deep errors named" $FUND score $D/deep_pairs_badchoice.csv $D/deep_sub_exact.csv
contains "deep errors named" "fund score: error: FUND_ERR_FORMAT: " "$T/err"

cli_finish
