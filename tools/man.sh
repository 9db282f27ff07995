#!/bin/sh
# man.sh PAGE.1.md -- the roff manual page of a markdown page source, on standard output.
#
# The sources (docs/softpause.1.md, docs/fund.1.md) open with "# NAME(1)", which reads
# well as markdown; go-md2man (Debian package go-md2man, installed by scripts/setup.sh)
# wants the title line of .TH instead, so the first line is rewritten before conversion.
# `make man` writes docs/NAME.1 with this; tests/cli/test_man_pages.sh checks they agree.
set -eu
sed '1s/^# \([A-Z][A-Z]*\)(\([1-9]\))$/# \1 \2 "" "dacc" "User Commands"/' "$1" | go-md2man
