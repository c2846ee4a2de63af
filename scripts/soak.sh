#!/usr/bin/env bash
# scripts/soak.sh SECONDS [asan|tsan] — load soak of a sanitizer build of queuemond (issue 7,
# "Load"). Builds queuemond in build/asan or build/tsan (the trees ./test.sh uses; see
# scripts/sanitizer-tree.sh), starts a private redis-server, two real Celery workers and a task
# trickle on free loopback ports, waits until the HIT paths answer, then for SECONDS:
#   - wrk holds SOAK_CONNECTIONS (default 1000) keep-alive connections on the HIT paths
#     (workers/queues status, metrics summary), round-robin (scripts/soak.lua counts every
#     status and X-Cache value);
#   - the broker flaps: redis-server is SIGKILLed every SOAK_UP_SECONDS (6) and restarted on the
#     same port after SOAK_DOWN_SECONDS (2);
#   - after each restart, once queuemond collects again (a use_cache=false probe answers 200),
#     one cache invalidation (POST .../cache/invalidate, all caches or one, in turn);
#   - queuemond's RSS is sampled every SOAK_RSS_INTERVAL seconds (default SECONDS/60, >= 1).
# Then SIGTERM. It fails (exit 1, the reason on stderr) on:
#   - any sanitizer report (ASan/UBSan/LSan/TSan log files, or a report in the daemon's log);
#   - any wrk socket error (connect/read/write, or a timeout: no response within 30 s — a hang
#     detector, not a speed limit: on the shared 2-core machine the ASan build at c=1000 has a
#     p99 of seconds) or any status other than 200;
#   - an invalidation not answered 200, or queuemond not collecting again within 60 s of a
#     broker restart;
#   - queuemond dying, or not exiting with 0 within 30 s of SIGTERM;
#   - /metrics not answering after the load, or counting refused connections;
#   - redis-server found dead (by itself) when a flap was to kill it;
#   - RSS not flat: the samples after a warm-up (the first fifth) are cut in thirds; the largest
#     of the last third must be <= the largest of the first third + SOAK_RSS_MARGIN_PCT (10) % +
#     SOAK_RSS_MARGIN_MB (8) MiB.
# Why only 200 is right: every cache has stale_for 600 s (longer than any outage here), so while
# the broker is down an expired entry is served STALE (200), never 503/504; and invalidations
# happen only while the broker is up and queuemond can collect, so the MISS after one is a 200.
# A 503/504 therefore means stale data was not served when it should have been. The config's
# request_timeout_ms is 10 s (default 2 s): on the shared, overloaded 2-core machine one
# collection by the ASan build (an inspect round waits up to 1 s for the Python workers) can take
# over 2 s, and the MISS right after an invalidation would then be a 504 that says nothing about
# the daemon. Deadlines themselves are covered by the fault tests (tests/api/hostile_* and tests/e2e/hostile_*).
# Output (kept after the run): build/<flavor>/soak/ — summary.txt, wrk.txt, rss.txt, flaps.txt,
# queuemond.log, the sanitizer logs, redis and worker logs.
# Environment: SOAK_CONNECTIONS, SOAK_UP_SECONDS, SOAK_DOWN_SECONDS, SOAK_RSS_INTERVAL,
# SOAK_RSS_MARGIN_PCT, SOAK_RSS_MARGIN_MB, SOAK_NO_BUILD=1 (the caller built queuemond already),
# SOAK_QUEUEMOND (another binary, e.g. a Release one, to try the script itself),
# QUEUEMON_SOAK_JOBS (build parallelism, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
duration=${1:?usage: scripts/soak.sh SECONDS [asan|tsan]}
flavor=${2:-asan}
case "$flavor" in asan|tsan) ;; *) echo "soak: flavor must be asan or tsan" >&2; exit 2 ;; esac
conns=${SOAK_CONNECTIONS:-1000}
up_s=${SOAK_UP_SECONDS:-6}
down_s=${SOAK_DOWN_SECONDS:-2}
rss_every=${SOAK_RSS_INTERVAL:-$(( duration / 60 > 1 ? duration / 60 : 1 ))}
py=/usr/bin/python3  # owns python3-celery (Debian)
for tool in wrk redis-server redis-cli curl jq; do
  command -v $tool >/dev/null || { echo "soak: $tool is missing (scripts/install-deps.sh test)" >&2; exit 1; }
done

build=build/$flavor
if [ "${SOAK_NO_BUILD:-}" != 1 ]; then
  scripts/sanitizer-tree.sh "$flavor"
  cmake --build "$build" -j "${QUEUEMON_SOAK_JOBS:-2}" --target queuemond
fi
daemon_bin=${SOAK_QUEUEMOND:-$root/$build/daemon/queuemond}
out=$root/$build/soak
rm -rf "$out"; mkdir -p "$out"
state=$(mktemp -d /tmp/queuemon-soak.XXXXXX)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((conns + 200)) ] || { echo "soak: ulimit -n $(ulimit -n) is too low for $conns connections" >&2; exit 1; }

free_port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
http_port=$(free_port)
broker="redis://127.0.0.1:$redis_port/0"
base="http://127.0.0.1:$http_port"
api="$base/api/v1/celery"
paths=(/api/v1/celery/workers/status /api/v1/celery/queues/status /api/v1/celery/metrics/summary)

source "$root/scripts/lib/stop_processes.sh"
pids=()        # started here, stopped by cleanup (process groups: the workers fork children)
daemon_pid=""
wrk_pid=""
cleanup() {
  trap - EXIT INT TERM
  touch "$state/stop"
  # (|| true: the trap must not turn a passed run into exit 1 because one of them is gone.)
  [ -n "$wrk_pid" ] && kill -TERM "$wrk_pid" 2>/dev/null || true
  [ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null || true
  # Workers and trickle first, while the broker still answers their warm shutdown.
  local groups=() i
  for ((i=${#pids[@]}-1; i>=0; i--)); do groups+=("-${pids[$i]}"); done
  [ ${#groups[@]} -gt 0 ] && stop_processes 10 "${groups[@]}"
  [ -s "$state/redis.pid" ] && kill -KILL "$(cat "$state/redis.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT INT TERM
fail() { echo "soak: FAILED: $*" >&2; echo "FAILED: $*" >>"$out/summary.txt"; exit 1; }

wait_for() {  # wait_for SECONDS COMMAND...: polls COMMAND until it succeeds (false at the deadline)
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2  # poll interval of a condition with a deadline
  done
}

start_redis() {  # the broker, always on the same port; its pid in $state/redis.pid
  # Started from a subshell, so that its SIGKILLs are no job of this shell (no "Killed" noise).
  (redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$state" \
    --logfile "$out/redis.log" >/dev/null 2>&1 & echo $! >"$state/redis.pid")
  wait_for 10 redis-cli -p "$redis_port" ping
}

redis_down() { ! redis-cli -p "$redis_port" ping; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
http_status() {  # http_status [curl args...] URL: prints the status code (000: no answer)
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" || true
}
collects_again() {  # one probe; every probe's status and time go to probes.txt
  local t0 code; t0=$(date +%s.%N)
  code=$(http_status --max-time 30 "$api/queues/status?use_cache=false")
  echo "$(date +%T.%N | cut -c1-12) use_cache=false -> $code in $(since "$t0") s" >>"$out/probes.txt"
  [ "$code" = 200 ]
}
all_paths_200() {
  local p
  for p in "${paths[@]}"; do [ "$(http_status "$base$p")" = 200 ] || return 1; done
}

# --- the stack -------------------------------------------------------------------------------
start_redis || fail "redis-server did not start on 127.0.0.1:$redis_port"
export PYTHONPATH=$root/tests/celery_app QUEUEMON_CELERY_BROKER=$broker PYTHONDONTWRITEBYTECODE=1
host=$(hostname)
for w in soak1 soak2; do
  events=(); [ $w = soak1 ] && events=(-E)
  (cd tests/celery_app && exec setsid $py -m celery -A tasks worker -n "$w@$host" -c 1 -P prefork \
    --without-mingle --without-gossip -Q celery,reports "${events[@]}" -l warning \
    --logfile "$out/$w.log" >>"$out/$w.log" 2>&1) &
  pids+=($!)
done
(cd tests/celery_app && $py ctl.py wait-ready "soak1@$host" "soak2@$host" --timeout 60) \
  >"$out/wait-ready.log" 2>&1 || fail "the Celery workers did not come up (see $out)"
setsid $py scripts/trickle.py --interval 1 >"$out/trickle.log" 2>&1 &
pids+=($!)

cat >"$out/queuemond.json" <<EOF
{
  "listen": "127.0.0.1:$http_port", "threads": 2, "log_level": "info",
  "http": {"max_connections": $((conns + 100)), "max_connections_per_address": 0,
           "drain_timeout_ms": 5000,
           "request_timeout_ms": 10000},
  "caches": {
    "worker_status":   {"stale_for_seconds": 600},
    "queue_status":    {"stale_for_seconds": 600},
    "metrics_summary": {"stale_for_seconds": 600},
    "task_status":     {"stale_for_seconds": 600},
    "health_check":    {"stale_for_seconds": 600}
  },
  "sources": [{"name": "celery", "broker": "$broker"}]
}
EOF
# Sanitizer reports go to files (one per process: <prefix>.<pid>); an error stops the daemon.
# ASan's quarantine (freed memory held back to catch use-after-free) is 256 MiB by default and
# fills for the first minutes of load, which would read as RSS growth; 32 MiB (still thousands of
# requests' worth of frees) lets the RSS check see the daemon's own memory.
export ASAN_OPTIONS="log_path=$out/asan:detect_leaks=1:abort_on_error=1:quarantine_size_mb=32"
export UBSAN_OPTIONS="log_path=$out/ubsan:print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="log_path=$out/tsan:halt_on_error=0:second_deadlock_stack=1:suppressions=$root/scripts/tsan.supp"
"$daemon_bin" --config "$out/queuemond.json" >"$out/queuemond.log" 2>&1 &
daemon_pid=$!
unset ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
wait_for 60 all_paths_200 || fail "queuemond did not serve the HIT paths within 60 s (see $out/queuemond.log)"

# --- the flapping broker, invalidations, RSS samples -------------------------------------------
pause() {  # pause SECONDS: the flap schedule (not synchronisation); ends early at the stop
  local end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ] && [ ! -e "$state/stop" ]; do sleep 0.5; done
}
flapper() {
  local cycle=0 names=("" worker_status queue_status metrics_summary) t0 q code
  while [ ! -e "$state/stop" ]; do
    pause "$up_s"
    [ -e "$state/stop" ] && break
    # errexit would end the flapping silently here if redis-server died by itself: recorded.
    kill -KILL "$(cat "$state/redis.pid")" 2>/dev/null ||
      echo "cycle $cycle: redis-server was already gone at the kill" >>"$state/flap-errors"
    wait_for 10 redis_down || { echo "cycle $cycle: redis-server did not die" >>"$state/flap-errors"; return; }
    pause "$down_s"
    cycle=$((cycle + 1)); t0=$(date +%s.%N)
    start_redis || { echo "cycle $cycle: redis-server did not restart" >>"$state/flap-errors"; return; }
    if ! wait_for 60 collects_again; then  # recorded; the flapping goes on
      echo "cycle $cycle: queuemond did not collect within 60 s of the restart" >>"$state/flap-errors"
      continue
    fi
    q=${names[$((cycle % 4))]}
    code=$(http_status -X POST "$api/cache/invalidate${q:+?cache_name=$q}")
    [ "$code" = 200 ] || echo "cycle $cycle: invalidate ${q:-all} answered $code" >>"$state/flap-errors"
    echo "cycle $cycle: collecting again after $(since "$t0") s, invalidate ${q:-all} -> $code" \
      >>"$out/flaps.txt"
  done
}
rss_sampler() {  # also ends the load early (wrk prints its summary on SIGINT) if queuemond dies
  local start=$SECONDS
  while [ ! -e "$state/stop" ]; do
    kill -0 "$daemon_pid" 2>/dev/null || { kill -INT "$wrk_pid" 2>/dev/null; return; }
    echo "$((SECONDS - start)) $(awk '/^VmRSS/ {print $2}' "/proc/$daemon_pid/status")" >>"$out/rss.txt"
    sleep "$rss_every"  # sampling period
  done
}
: >"$out/flaps.txt"; : >"$out/rss.txt"

echo "soak: $flavor, ${duration} s, c=$conns on $base (broker 127.0.0.1:$redis_port flapping ${up_s}s up/${down_s}s down); output in $out"
wrk -t 2 -c "$conns" -d "${duration}s" --timeout 30s -s scripts/soak.lua "$base" -- "${paths[@]}" \
  >"$out/wrk.txt" 2>&1 &
wrk_pid=$!
flapper & flap_pid=$!
rss_sampler & rss_pid=$!
wait "$wrk_pid" || fail "wrk failed: $(tail -3 "$out/wrk.txt")"
touch "$state/stop"
wait "$flap_pid" "$rss_pid" || true
kill -0 "$daemon_pid" 2>/dev/null || fail "queuemond died during the soak (see $out/queuemond.log)"

# --- after the load: fresh answers, SIGTERM, verdicts --------------------------------------------
[ -s "$state/flap-errors" ] && flap_errors=$(cat "$state/flap-errors") || flap_errors=""
final=""
for p in "${paths[@]}"; do final+="$p=$(http_status "$base$p") "; done
metrics_answered=yes
rm -f "$out/metrics.txt"
curl -sf --max-time 10 -o "$out/metrics.txt" "$base/metrics" || metrics_answered=no
# No /metrics answer leaves no file: awk's failure must not end the script under errexit.
# Summed over the reasons (max_connections, per_address, shutting_down).
refused=$(awk '/^queuemon_http_connections_refused_total/ {s += $2; n++} END {if (n) print s}' \
  "$out/metrics.txt" 2>/dev/null || true)
kill -TERM "$daemon_pid"
exit_code=timeout
for _ in $(seq 300); do  # up to 30 s: the drain deadline is 5 s
  kill -0 "$daemon_pid" 2>/dev/null || { wait "$daemon_pid" && exit_code=0 || exit_code=$?; break; }
  sleep 0.1  # poll interval of a condition with a deadline
done
[ "$exit_code" = timeout ] && { kill -KILL "$daemon_pid" 2>/dev/null || true; }
daemon_pid=""

# Sanitizer reports: the log files, plus anything the runtime printed to the daemon's stderr.
reports=$(cat "$out"/asan.* "$out"/ubsan.* "$out"/tsan.* 2>/dev/null | grep -cE \
  '^(==[0-9]+==ERROR|WARNING: ThreadSanitizer|SUMMARY: |.*runtime error:)' || true)
reports=$((reports + $(grep -cE '==[0-9]+==ERROR|WARNING: ThreadSanitizer|runtime error:' \
  "$out/queuemond.log" || true)))

wrk_json=$(sed -n 's/^SOAK_JSON //p' "$out/wrk.txt")
[ -n "$wrk_json" ] || fail "wrk printed no SOAK_JSON line: $(tail -5 "$out/wrk.txt")"
# RSS flat: warm-up = the first fifth of the samples; then first third vs last third of the rest.
rss_verdict=$(awk -v pct="${SOAK_RSS_MARGIN_PCT:-10}" -v mb="${SOAK_RSS_MARGIN_MB:-8}" '
  { kb[n++] = $2 }
  END {
    w = int(n / 5); m = n - w; t = int(m / 3)
    if (t < 1) { print "too few samples (" n ")"; exit }
    for (i = w; i < w + t; i++) if (kb[i] > first) first = kb[i]
    for (i = n - t; i < n; i++) if (kb[i] > last) last = kb[i]
    limit = first * (1 + pct / 100) + mb * 1024
    printf "%s: max of the first third %.1f MiB, of the last third %.1f MiB (limit %.1f MiB)",
      (last <= limit ? "flat" : "GROWING"), first / 1024, last / 1024, limit / 1024
  }' "$out/rss.txt")

{
  echo "soak: $flavor build, ${duration} s, c=$conns, broker flapping ${up_s} s up / ${down_s} s down"
  echo "command: scripts/soak.sh $duration $flavor"
  jq -r '"requests: \(.requests) in \(.duration_us / 1e6 | floor) s (\(.requests / (.duration_us / 1e6) | floor) req/s), p50 \(.p50_us / 1000) ms, p99 \(.p99_us / 1000) ms, max \(.max_us / 1000) ms",
         "statuses: \(.status | tojson), X-Cache: \(.x_cache | tojson)",
         "socket errors: connect \(.connect), read \(.read), write \(.write), timeout \(.timeout); non-2xx/3xx \(.non_2xx_3xx)"' <<<"$wrk_json"
  echo "broker restarts: $(grep -c '^cycle' "$out/flaps.txt"); invalidations answered 200: $(grep -c -- '-> 200$' "$out/flaps.txt"); longest time to collect again: $(awk '{ sub(/ s,.*/, ""); v = $NF + 0; if (v > m) m = v } END { print m + 0 }' "$out/flaps.txt") s"
  echo "after the load: $final; connections refused: ${refused:-?}"
  echo "RSS samples (KiB, every $rss_every s): $(awk '{ printf "%s ", $2 }' "$out/rss.txt")"
  echo "RSS $rss_verdict"
  echo "SIGTERM: exit code $exit_code; sanitizer reports: $reports"
} | tee "$out/summary.txt"

problems=()
[ "$reports" -eq 0 ] || problems+=("$reports sanitizer report line(s): $(ls "$out" | grep -E '^(asan|ubsan|tsan)\.' | tr '\n' ' ')")
[ "$exit_code" = 0 ] || problems+=("queuemond exit code after SIGTERM: $exit_code")
jq -e '.connect + .read + .write + .timeout == 0' <<<"$wrk_json" >/dev/null || problems+=("wrk socket errors")
jq -e '.non_2xx_3xx == 0 and (.status | keys == ["200"])' <<<"$wrk_json" >/dev/null ||
  problems+=("statuses other than 200: $(jq -c .status <<<"$wrk_json")")
[ -z "$flap_errors" ] || problems+=("broker flaps: $flap_errors")
[ "$(grep -c '^cycle' "$out/flaps.txt")" -ge 1 ] || problems+=("the broker never flapped (SECONDS too short?)")
[ "$(grep -o '=200' <<<"$final" | wc -l)" -eq ${#paths[@]} ] || problems+=("after the load: $final")
if [ "$metrics_answered" = no ]; then
  problems+=("GET /metrics did not answer after the load (connections refused unknown)")
elif [ -z "$refused" ]; then
  problems+=("/metrics after the load has no queuemon_http_connections_refused_total")
elif [ "$refused" != 0 ]; then
  problems+=("$refused connections refused")
fi
[[ "$rss_verdict" == flat* ]] || problems+=("RSS $rss_verdict")
if [ ${#problems[@]} -gt 0 ]; then
  for p in "${problems[@]}"; do echo "FAILED: $p" >>"$out/summary.txt"; echo "soak: FAILED: $p" >&2; done
  exit 1
fi
echo "soak: passed" | tee -a "$out/summary.txt"
