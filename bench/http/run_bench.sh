#!/usr/bin/env bash
# bench/http/run_bench.sh [--duration S] [--quick] [more run_bench.py options]
# One command: installs the tools it needs (idempotently), builds queuemond (Release) unless
# QUEUEMOND is set, then starts Redis, two Celery workers, queuemond, nginx and the original
# design on loopback free ports and measures them side by side (see bench/notes/http.md).
# Writes bench/results/http-YYYY-MM-DD.md (and prints it).
#   QUEUEMOND=/path/to/queuemond   use this binary instead of building one
#   QUEUEMON_BENCH_NO_DAEMON=1     dry run of the references only (no queuemond)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

"$root/scripts/install-deps.sh" run
bench_pkgs=(wrk nginx-light python3-fastapi python3-uvicorn python3-httptools python3-uvloop
  util-linux)
missing=()
for p in "${bench_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run_bench.sh: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The nginx package may start the system service; this benchmark runs its own instance only.
  if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then
    "${sudo_cmd[@]}" systemctl stop nginx || true
  fi
fi

daemon_args=()
if [ -z "${QUEUEMON_BENCH_NO_DAEMON:-}" ]; then
  if [ -z "${QUEUEMOND:-}" ]; then
    export CCACHE_DIR=${CCACHE_DIR:-$root/.cache/ccache}
    cmake -S "$root" -B "$root/build/rel" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DQUEUEMON_BUILD_TESTS=OFF -DQUEUEMON_BUILD_BENCH=OFF >/dev/null
    cmake --build "$root/build/rel" -j 2 --target queuemond
    QUEUEMOND=$root/build/rel/daemon/queuemond
  fi
  daemon_args=(--queuemond "$QUEUEMOND")
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec /usr/bin/python3 "$here/run_bench.py" "${daemon_args[@]}" "$@"
