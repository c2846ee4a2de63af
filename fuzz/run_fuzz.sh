#!/usr/bin/env bash
# fuzz/run_fuzz.sh [seconds-per-target] [target...] — builds the libFuzzer targets in build/asan
# (clang-14, ASan + UBSan, QUEUEMON_FUZZ=ON: the tree ./test.sh's asan stage uses; configured by
# scripts/sanitizer-tree.sh when it does not exist yet) and runs each for the given time (default
# 60 s). Seeds come from fuzz/corpus/<target>/ (read-only); new inputs go to
# build/asan/fuzz/corpus/<target>/, crashes to build/asan/fuzz/artifacts/. Prints one summary line
# per target (executions, coverage, features) and exits non-zero if any target found a crash,
# leak or UBSan error.
#   QUEUEMON_FUZZ_JOBS      build parallelism (default 2)
#   QUEUEMON_FUZZ_CXX       compiler of a new build/asan (default clang++-14)
#   QUEUEMON_FUZZ_NO_BUILD  1: the caller built the targets already (./test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
all_targets=(fuzz_http_request fuzz_config fuzz_pidbox fuzz_events fuzz_redis_reply fuzz_redis_url)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
tree=build/asan
build=$tree/fuzz  # the targets' binaries, and this script's corpora, artifacts and logs
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}

if [ "${QUEUEMON_FUZZ_NO_BUILD:-}" != 1 ]; then
  QUEUEMON_ASAN_CXX=${QUEUEMON_FUZZ_CXX:-${QUEUEMON_ASAN_CXX:-clang++-14}} scripts/sanitizer-tree.sh asan
  cmake --build "$tree" -j "${QUEUEMON_FUZZ_JOBS:-2}" --target "${targets[@]}"
fi

mkdir -p "$build/artifacts"
failed=0
summary="$build/summary.txt"
: >"$summary"
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  log="$build/$t.log"
  status=ok
  # First directory receives new inputs; the seed directory is only read.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
    "$build/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1 || status=FAILED
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  corpus=$(ls "$build/corpus/$t" | wc -l)
  line="$t: $status execs=${execs:-?} cov=${cov:-?} ft=${ft:-?} new_corpus=$corpus seconds=$seconds"
  echo "$line" | tee -a "$summary"
  if [ "$status" != ok ]; then
    failed=1
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
  fi
done
exit $failed
