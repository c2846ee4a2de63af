#!/usr/bin/env bash
# ./test.sh — installs what is missing, builds, and runs every test:
#   1. Release build (warnings are errors under CI=true): every test (unit, integration, e2e)
#   2. ASan + UBSan build: the unit tests
#   3. TSan build: the cache concurrency tests
#   fuzz (not by default: a second full build with clang): each libFuzzer target for 20 s
# Exits non-zero on any failure. QUEUEMON_TEST_STAGES="release asan tsan" picks stages.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh test

stages=${QUEUEMON_TEST_STAGES:-release asan tsan}
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
jobs=$(nproc)

configure() {  # configure DIR extra-args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DQUEUEMON_WERROR=$werror "$@" >/dev/null
}

for stage in $stages; do
  echo "=== test.sh: $stage ==="
  case "$stage" in
    release)
      configure build/release -DCMAKE_BUILD_TYPE=Release
      cmake --build build/release -j "$jobs"
      ctest --test-dir build/release --output-on-failure -j 2 --timeout 600 -LE fuzz
      ;;
    asan)
      configure build/asan -DCMAKE_BUILD_TYPE=Debug -DQUEUEMON_SANITIZE=address,undefined \
        -DQUEUEMON_BUILD_BENCH=OFF
      cmake --build build/asan -j "$jobs" --target unit_tests
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --test-dir build/asan --output-on-failure -j 2 -L unit
      ;;
    tsan)
      configure build/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUEUEMON_SANITIZE=thread \
        -DQUEUEMON_BUILD_BENCH=OFF
      cmake --build build/tsan -j "$jobs" --target tsan_tests
      TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
        ctest --test-dir build/tsan --output-on-failure -j 2 -L tsan
      ;;
    fuzz)
      fuzz/run_fuzz.sh 20
      ;;
    *) echo "test.sh: unknown stage '$stage'" >&2; exit 2 ;;
  esac
done
echo "=== test.sh: all stages passed ($stages) ==="
