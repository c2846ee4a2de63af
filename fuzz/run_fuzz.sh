#!/usr/bin/env bash
# fuzz/run_fuzz.sh SECONDS [target...]     explore: each target for SECONDS (default 60) with a
#                                          random seed, keeping what it finds
# fuzz/run_fuzz.sh --runs N [target...]    reproduce: each target for exactly N inputs with seed
#                                          QUEUEMON_FUZZ_SEED (default 1), from the committed seeds
#                                          only; the result depends on the tree alone, so a failure
#                                          in ./test.sh (which uses this) fails the same way on
#                                          any machine with the same command
# Builds the libFuzzer targets in build/asan (clang-14, ASan + UBSan, QUEUEMON_FUZZ=ON: the tree
# ./test.sh's asan stage uses; configured by scripts/sanitizer-tree.sh when it does not exist yet).
# Seeds come from fuzz/corpus/<target>/ (read-only); new inputs go to build/asan/fuzz/corpus/<target>/
# when exploring (a scratch directory, emptied first, when reproducing), crashes to
# build/asan/fuzz/artifacts/. Prints one summary line per target (executions, coverage, features)
# and exits non-zero if any target found a crash, leak or UBSan error.
#   QUEUEMON_FUZZ_JOBS      build parallelism (default 2)
#   QUEUEMON_FUZZ_CXX       compiler of a new build/asan (default clang++-14)
#   QUEUEMON_FUZZ_NO_BUILD  1: the caller built the targets already (./test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=""
seconds=60
if [ "${1:-}" = --runs ]; then
  runs=${2:?usage: fuzz/run_fuzz.sh --runs N [target...]}
  shift 2
elif [ $# -gt 0 ]; then
  seconds=$1
  shift
fi
all_targets=(fuzz_http_request fuzz_config fuzz_pidbox fuzz_events fuzz_redis_reply fuzz_redis_url
  fuzz_keyspace)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
tree=build/asan
build=$tree/fuzz  # the targets' binaries, and this script's corpora, artifacts and logs
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}

if [ "${QUEUEMON_FUZZ_NO_BUILD:-}" != 1 ]; then
  QUEUEMON_ASAN_CXX=${QUEUEMON_FUZZ_CXX:-${QUEUEMON_ASAN_CXX:-clang++-14}} scripts/sanitizer-tree.sh asan
  cmake --build "$tree" -j "${QUEUEMON_FUZZ_JOBS:-2}" --target "${targets[@]}"
fi

# Reproducing runs also switch off address-space randomisation: with it, a few targets reach
# slightly different coverage from the same seed (pointer values feed libFuzzer's compare tables).
same_addresses=()
if [ -n "$runs" ] && setarch "$(uname -m)" -R true 2>/dev/null; then
  same_addresses=(setarch "$(uname -m)" -R)
fi

mkdir -p "$build/artifacts"
failed=0
summary="$build/summary.txt"
: >"$summary"
for t in "${targets[@]}"; do
  log="$build/$t.log"
  if [ -n "$runs" ]; then
    # -max_total_time only guards against a pathological slowdown; the runs count ends the run.
    # -reload=0: no timed re-reading of the corpus directories, another source of variation.
    corpus="$build/scratch-corpus/$t"
    rm -rf "$corpus"
    bound=(-runs="$runs" -seed="${QUEUEMON_FUZZ_SEED:-1}" -reload=0 -max_total_time=600)
    what="runs=$runs seed=${QUEUEMON_FUZZ_SEED:-1}"
  else
    corpus="$build/corpus/$t"
    bound=(-max_total_time="$seconds")
    what="seconds=$seconds"
  fi
  mkdir -p "$corpus"
  status=ok
  # First directory receives new inputs; the seed directory is only read.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "${same_addresses[@]}" "$build/$t" "${bound[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
    "$corpus" "fuzz/corpus/$t" >"$log" 2>&1 || status=FAILED
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  found=$(ls "$corpus" | wc -l)
  line="$t: $status execs=${execs:-?} cov=${cov:-?} ft=${ft:-?} new_corpus=$found $what"
  echo "$line" | tee -a "$summary"
  if [ "$status" != ok ]; then
    failed=1
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
  fi
done
exit $failed
