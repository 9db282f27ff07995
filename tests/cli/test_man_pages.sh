#!/bin/sh
# test_man_pages.sh -- the manual pages: their EXAMPLES do what they show, and the roff
# pages `make install` puts in share/man/man1 render.
#
#   1. every "$ COMMAND" of the EXAMPLES sections of docs/softpause.1.md and docs/fund.1.md
#      is run in order (tests/support/man_examples.py; what changes run to run -- keys,
#      hashes, ports, times -- is masked) and must print what the page shows and exit with
#      the status it shows;
#   2. docs/softpause.1 and docs/fund.1 (roff, generated from the .md sources by `make man`
#      with go-md2man) are what go-md2man makes of the sources today, when go-md2man is
#      installed (scripts/setup.sh installs it);
#   3. `man -l` renders each, with its NAME and EXAMPLES sections.
set -u
. tests/support/cli_lib.sh
cli_setup "man pages" sp-man

# (one tally line per command, written by the script itself)
python3 tests/support/man_examples.py docs/softpause.1.md docs/fund.1.md > "$T/examples" 2>&1
head -n 80 "$T/examples"

for page in softpause fund; do
    if command -v go-md2man > /dev/null 2>&1; then
        sh tools/man.sh "docs/$page.1.md" > "$T/$page.1"
        if cmp -s "$T/$page.1" "docs/$page.1"; then ok; else bad "docs/$page.1 is stale: run make man"; fi
    else
        echo "SKIP docs/$page.1 up to date: go-md2man not installed (scripts/setup.sh)"
    fi
    if MANWIDTH=80 man -l "docs/$page.1" > "$T/$page.txt" 2> "$T/$page.err"; then ok; else bad "man -l docs/$page.1"; fi
    contains "$page.1 renders its NAME" "^NAME" "$T/$page.txt"
    contains "$page.1 renders its EXAMPLES" "^EXAMPLES" "$T/$page.txt"
done

cli_finish
