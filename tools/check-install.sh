#!/bin/sh
# check-install.sh -- `make install PREFIX=...` into a scratch prefix, then build a program
# against the installed headers and library through pkg-config, and run the command.
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
if [ "$("$PREFIX/probe")" = SP_ERR_QUORUM_NOT_MET ] && "$PREFIX/bin/softpause" --version > /dev/null &&
    "$PREFIX/bin/fund" --help > /dev/null; then
    echo "install: headers, library, pkg-config file and the softpause and fund commands work from $PREFIX"
    echo "1 passed, 0 failed"
else
    echo "install: the installed files do not work"
    echo "0 passed, 1 failed"
    exit 1
fi
