#!/bin/sh
# demo.sh -- install what is needed (scripts/setup.sh), build, and run the end-to-end demo:
# five bodies, the policy "3 of all AND 1 of civil", weekly statements applied by a
# simulated device, refused attacks, a throttle week, and the pause when signing stops.
# Extra arguments go to `softpause demo` (e.g. --dir DIR to keep the files somewhere).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
make -s all
exec build/softpause demo "$@"
