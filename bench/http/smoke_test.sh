#!/usr/bin/env bash
# bench/http/smoke_test.sh QUEUEMOND_BINARY — a bounded smoke run of the HTTP benchmark harness
# (ctest: http_bench_smoke, label e2e). Tiny durations, queuemond (+ nginx when installed) only.
# It asserts that the harness runs end to end and produces numbers — never a timing.
# Needs wrk (scripts/install-deps.sh test installs it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:?usage: smoke_test.sh QUEUEMOND_BINARY}
command -v wrk >/dev/null || { echo "smoke_test: wrk is missing (scripts/install-deps.sh test)" >&2; exit 1; }
targets=queuemond
command -v nginx >/dev/null && targets=queuemond,nginx
out=$(mktemp -d /tmp/qm-bench-smoke.XXXXXX)
trap 'rm -rf "$out"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
/usr/bin/python3 "$here/run_bench.py" --queuemond "$binary" --quick --duration 1 --rounds 1 \
  --targets "$targets" --shield-counts 1,10 --shield-duration 2 --task-ids 2000 \
  --output "$out/report.md" --json "$out/figures.json" >"$out/log.txt" 2>&1 || {
  echo "smoke_test: run_bench.py failed; its output:" >&2; cat "$out/log.txt" >&2; exit 1; }
/usr/bin/python3 "$here/check_figures.py" "$out/figures.json" "$out/report.md" "$targets"
