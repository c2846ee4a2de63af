#!/usr/bin/env bash
# scripts/sanitizer-tree.sh asan|tsan — configures build/asan or build/tsan, the two sanitizer
# build trees that ./test.sh, fuzz/run_fuzz.sh and scripts/soak.sh share (one definition, so that
# none of them reconfigures — and rebuilds — the tree the others left behind):
#   asan  clang++-14, Debug at -O1, ASan + UBSan, libFuzzer targets on (QUEUEMON_FUZZ=ON): the unit
#         tests, the fuzz targets and the ASan soak all use this one tree
#   tsan  g++, -O1 (builds 40 % faster than -O2), TSan: the cache concurrency tests and the TSan soak
# Both keep line tables only (cmake/sanitizers.cmake): enough for every report's file:line.
# -Werror: QUEUEMON_WERROR=ON|OFF if set; else what the tree has; else ON under CI=true.
# Environment: QUEUEMON_ASAN_CXX (default clang++-14).
set -euo pipefail
cd "$(dirname "$0")/.."
tree=${1:?usage: scripts/sanitizer-tree.sh asan|tsan}
dir=build/$tree
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}

cached() {  # cached VAR: its value in the tree's CMakeCache.txt, or nothing
  sed -n "s/^$1:[A-Z]*=//p" "$dir/CMakeCache.txt" 2>/dev/null || true
}

case "$tree" in
  asan)
    cxx=$(command -v "${QUEUEMON_ASAN_CXX:-clang++-14}") ||
      { echo "sanitizer-tree: ${QUEUEMON_ASAN_CXX:-clang++-14} is missing (scripts/install-deps.sh test)" >&2; exit 1; }
    args=(-DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1"
          -DQUEUEMON_SANITIZE=address,undefined -DQUEUEMON_FUZZ=ON -DQUEUEMON_BUILD_BENCH=OFF) ;;
  tsan)
    cxx=$(command -v g++)
    args=(-DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo
          -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -DNDEBUG" -DQUEUEMON_SANITIZE=thread -DQUEUEMON_BUILD_BENCH=OFF) ;;
  *) echo "sanitizer-tree: unknown tree '$tree' (asan|tsan)" >&2; exit 2 ;;
esac

# A tree configured with another compiler (e.g. the g++ ASan tree of older checkouts) cannot be
# switched in place: start it afresh.
old_cxx=$(cached CMAKE_CXX_COMPILER)
if [ -n "$old_cxx" ] && [ "$(readlink -f "$old_cxx")" != "$(readlink -f "$cxx")" ]; then
  echo "sanitizer-tree: $dir was configured with $old_cxx; reconfiguring it with $cxx"
  rm -rf "$dir"
fi

werror=${QUEUEMON_WERROR:-$(cached QUEUEMON_WERROR)}
if [ -z "$werror" ]; then
  werror=OFF
  [ "${CI:-}" = "true" ] && werror=ON
fi
cmake -S . -B "$dir" -G Ninja -DQUEUEMON_WERROR="$werror" "${args[@]}" >/dev/null
