#!/usr/bin/env bash
# The shipped unit: `systemd-analyze verify` passes, and the hardening keeps the exposure score
# of `systemd-analyze security --offline=yes` at or below 1.5. ExecStart points at the freshly
# built binary (verify checks that the command exists); nothing else in the unit is changed.
# usage: systemd_unit_test.sh SOURCE_DIR BINARY_DIR
set -euo pipefail
src=$1 bin=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/bin/queuemond|$bin/daemon/queuemond|" "$src/systemd/queuemond.service" \
  > "$work/queuemond.service"
systemd-analyze verify "$work/queuemond.service"
# --threshold takes exposure x 10; the command fails above it.
systemd-analyze security --offline=yes --threshold=15 "$work/queuemond.service" > "$work/security.txt"
grep -E "Overall exposure level" "$work/security.txt"
grep -q "^Type=notify$" "$work/queuemond.service"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$work/queuemond.service"
echo "systemd_unit_test: OK"
