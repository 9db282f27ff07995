#!/bin/sh
# demo.sh -- install what is needed (scripts/setup.sh), build, and run the end-to-end demo:
# five bodies, the policy "3 of all AND 1 of civil", weekly statements applied by a
# simulated device, refused attacks, a throttle week, the pause when signing stops, and a
# rotation week (a body re-keyed by a quorum-signed policy update).
# Extra arguments go to `softpause demo`: its files go to a temporary directory removed at
# the end; --keep keeps it (and prints commands to inspect it), --dir DIR uses DIR instead.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
make -s all
exec build/softpause demo "$@"
