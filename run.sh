#!/usr/bin/env bash
# ./run.sh — installs what is missing, builds queuemond (Release), and runs it.
# (The full local stack — Redis, two Celery workers, a task trickle — lands with the daemon.)
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh run
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
cmake -S . -B build/run -G Ninja -DCMAKE_BUILD_TYPE=Release -DQUEUEMON_BUILD_TESTS=OFF \
  -DQUEUEMON_BUILD_BENCH=OFF >/dev/null
cmake --build build/run -j "$(nproc)"
echo "run.sh: queuemond is not built yet; the libraries built fine."
