#!/bin/sh
# check-install.sh -- `make install PREFIX=...` into a scratch prefix, then build a program
# against the installed headers and library through pkg-config, run the commands, and find
# and render their manual pages where man looks (PREFIX/share/man/man1).
set -eu
PREFIX=$(mktemp -d)
trap 'rm -rf "$PREFIX"' EXIT
make -s install PREFIX="$PREFIX" > /dev/null
cat > "$PREFIX/probe.c" << 'C'
#include <softpause/host/sodium_crypto.h>
#include <softpause/statement.h>
#include <stdio.h>
int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    puts(sp_err_name(SP_ERR_QUORUM_NOT_MET));
    return 0;
}
C
flags=$(PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --cflags --libs --static softpause)
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -Wall -Werror "$PREFIX/probe.c" $flags -o "$PREFIX/probe"
man_ok=1
for page in softpause fund; do
    found=$(MANPATH="$PREFIX/share/man" man -w "$page" 2> /dev/null || true)
    if [ "$found" != "$PREFIX/share/man/man1/$page.1" ] ||
        ! MANWIDTH=80 man -l "$found" 2> /dev/null | grep -q '^EXAMPLES'; then
        echo "install: man does not find or render $page(1) under $PREFIX/share/man"
        man_ok=0
    fi
done
if [ "$("$PREFIX/probe")" = SP_ERR_QUORUM_NOT_MET ] && "$PREFIX/bin/softpause" --version > /dev/null &&
    "$PREFIX/bin/fund" --help > /dev/null && [ $man_ok = 1 ]; then
    echo "install: headers, library, pkg-config file, the softpause and fund commands and their manual pages work from $PREFIX"
    echo "1 passed, 0 failed"
else
    echo "install: the installed files do not work"
    echo "0 passed, 1 failed"
    exit 1
fi
