#!/usr/bin/env bash
# ./test.sh — installs what is missing, builds, and runs every test:
#   1. release  Release build (g++): every test (unit, integration, e2e)
#   2. asan     build/asan, clang-14 with ASan + UBSan and the libFuzzer targets (one tree):
#               the unit tests; each fuzz target for QUEUEMON_FUZZ_RUNS (20000) inputs from a
#               fixed seed (fuzz/run_fuzz.sh --runs: reproducible, so a CI failure reproduces
#               with the same command; QUEUEMON_FUZZ_SECONDS=N explores N s per target instead);
#               a load soak of QUEUEMON_SOAK_SECONDS (25) s (scripts/soak.sh: c=1000, a flapping
#               broker, invalidations; fails on any sanitizer report, error, non-200 or RSS growth)
#   3. tsan     build/tsan, g++ with TSan: the cache concurrency tests (what TSan has found here:
#               the single-flight race). The TSan soak of the whole daemon, which in ten
#               sessions reported only one false positive (scripts/tsan.supp), runs when
#               QUEUEMON_TSAN_SOAK_SECONDS is set (it also builds queuemond under TSan: ~4 min)
#   fuzz        (a subset of asan, for running alone) the fuzz targets only
# Warnings are errors under CI=true. Exits non-zero on any failure.
# QUEUEMON_TEST_STAGES="release asan tsan" picks stages. Longer runs: fuzz/run_fuzz.sh SECONDS,
# scripts/soak.sh SECONDS asan|tsan (see FUZZING.md, BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh test

stages=${QUEUEMON_TEST_STAGES:-release asan tsan}
fuzz_bound=(--runs "${QUEUEMON_FUZZ_RUNS:-20000}")
[ -n "${QUEUEMON_FUZZ_SECONDS:-}" ] && fuzz_bound=("$QUEUEMON_FUZZ_SECONDS")
soak_seconds=${QUEUEMON_SOAK_SECONDS:-25}
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
export QUEUEMON_WERROR=$werror  # read by scripts/sanitizer-tree.sh
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
jobs=$(nproc)

timed() {  # timed LABEL COMMAND...: runs COMMAND and prints how long it took
  local label=$1 start=$SECONDS; shift
  "$@"
  echo "--- test.sh: $label took $((SECONDS - start)) s"
}

for stage in $stages; do
  echo "=== test.sh: $stage ==="
  case "$stage" in
    release)
      # The benchmarks are not built here (a cold build is 75 s shorter): nothing runs them, and
      # BENCHMARKS.md says how to build them (-DQUEUEMON_BUILD_BENCH=ON).
      cmake -S . -B build/release -G Ninja -DQUEUEMON_WERROR=$werror -DCMAKE_BUILD_TYPE=Release \
        -DQUEUEMON_BUILD_BENCH=OFF >/dev/null
      timed "release build" cmake --build build/release -j "$jobs"
      timed "release tests" ctest --test-dir build/release --output-on-failure -j 2 --timeout 600
      ;;
    asan)
      scripts/sanitizer-tree.sh asan
      timed "asan build" cmake --build build/asan -j "$jobs" --target unit_tests fuzz_targets queuemond
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        timed "asan unit tests" ctest --test-dir build/asan --output-on-failure -j 2 -L unit
      QUEUEMON_FUZZ_NO_BUILD=1 timed "fuzz (${fuzz_bound[*]})" fuzz/run_fuzz.sh "${fuzz_bound[@]}"
      SOAK_NO_BUILD=1 timed "asan soak" scripts/soak.sh "$soak_seconds" asan
      ;;
    tsan)
      scripts/sanitizer-tree.sh tsan
      tsan_soak_seconds=${QUEUEMON_TSAN_SOAK_SECONDS:-0}
      tsan_targets=(tsan_tests)
      [ "$tsan_soak_seconds" != 0 ] && tsan_targets+=(queuemond)
      timed "tsan build" cmake --build build/tsan -j "$jobs" --target "${tsan_targets[@]}"
      TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp \
        timed "tsan tests" ctest --test-dir build/tsan --output-on-failure -j 2 -L tsan
      if [ "$tsan_soak_seconds" != 0 ]; then
        SOAK_NO_BUILD=1 timed "tsan soak" scripts/soak.sh "$tsan_soak_seconds" tsan
      fi
      ;;
    fuzz)
      timed "fuzz (${fuzz_bound[*]})" fuzz/run_fuzz.sh "${fuzz_bound[@]}"
      ;;
    *) echo "test.sh: unknown stage '$stage'" >&2; exit 2 ;;
  esac
done
echo "=== test.sh: all stages passed ($stages) ==="
