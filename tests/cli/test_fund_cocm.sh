#!/bin/sh
# test_fund_cocm.sh -- end-to-end tests of `fund cocm`, run by tools/run-tests.sh (same
# conventions and tally as test_fund.sh).  Fixtures: tests/fund/data/cocm_*.csv (the hand
# example of tests/fund/test_cocm.c); real data in ../shared/vectors/funding when present.
set -u
. tests/support/cli_lib.sh
cli_setup "fund cocm cli" fund-cocm

cli_require "$FUND"

# ---- help and usage ---------------------------------------------------------------------------
run 0 "help" $FUND cocm --help; contains "help" "usage: fund cocm" "$T/out"
run 0 "listed" $FUND --help; contains "listed" "cocm" "$T/out"
run 2 "bad similarity" $FUND cocm --similarity pct $D/cocm_hand.csv
run 2 "no file" $FUND cocm
run 2 "unknown option" $FUND cocm --harshest $D/cocm_hand.csv
run 2 "normalise without pool" $FUND cocm --normalise $D/cocm_hand.csv

# ---- the paper's formula (og, non-harsh, explicit groups), by hand ------------------------------
run 0 "hand og" $FUND cocm --similarity og --no-harsh --clusters $D/cocm_groups.csv $D/cocm_hand.csv
same "hand header" "$(head -1 "$T/out")" "project,match,contributions,donors,subsidy,capped"
near "hand X" "$(col match X)" "$(awk 'BEGIN{printf "%.15g", 2*(sqrt(22.75)+sqrt(136)+sqrt(472))}')"
near "hand Y" "$(col match Y)" 2
run 0 "hand og harsh" $FUND cocm --similarity og --clusters $D/cocm_groups.csv $D/cocm_hand.csv
near "hand X harsh" "$(col match X)" "$(awk 'BEGIN{printf "%.15g", 2*(sqrt(136)+sqrt(472))}')"
run 0 "hand json" $FUND cocm --json --similarity og --no-harsh --clusters $D/cocm_groups.csv $D/cocm_hand.csv
contains "hand json" '"similarity":"og","harsh":false' "$T/out"
contains "hand json" '"project":"Y","match":2,' "$T/out"
run 0 "pool" $FUND cocm --similarity og --no-harsh --clusters $D/cocm_groups.csv --pool 50 --normalise $D/cocm_hand.csv
same "pool sum" "$(colsum match)" 50.000000
run 0 "plot" $FUND cocm --plot "$T/c.svg" $D/cocm_hand.csv; contains "plot" "fund cocm: matches" "$T/c.svg"

# ---- bad data ------------------------------------------------------------------------------------
run 1 "donor in no group" $FUND cocm --clusters $D/cocm_groups_missing.csv $D/cocm_hand.csv
contains "donor in no group" "donor 'c' is in no cluster" "$T/err"
run 1 "missing clusters" $FUND cocm --clusters "$T/nope.csv" $D/cocm_hand.csv
contains "missing clusters" "cannot open" "$T/err"
run 1 "clusters columns" $FUND cocm --clusters $D/cocm_hand.csv $D/cocm_hand.csv
contains "clusters columns" "expected a column named 'donor'" "$T/err"

# ---- real data -----------------------------------------------------------------------------------
GR3=$SHARED/gitcoin-gr3/GR03_contributions.csv
if [ -f "$GR3" ]; then
    for mode in "" "--no-harsh" "--similarity og --no-harsh"; do
        # shellcheck disable=SC2086
        run 0 "gr3 cocm $mode" $FUND cocm $mode --voter-col address --project-col grant_id \
            --amount-col amount_in_usdt --pool 100000 --normalise $GR3
        same "gr3 cocm $mode projects" "$(($(wc -l < "$T/out") - 1))" 75
        same "gr3 cocm $mode sum" "$(colsum match)" 100000.000000
    done
else
    echo "SKIP fund cocm cli real data: $SHARED not present"
fi

cli_finish
