#!/usr/bin/env bash
# scripts/slow_clients.sh SECONDS [QUEUEMOND] — measures queuemond under Debian's slowhttptest
# (issue 19), on loopback only: a private redis-server and queuemond (a Release build by default)
# on free ports; then, for each of two configurations, two attacks of SECONDS each from
# 127.0.0.1 while a client on 127.0.0.2 polls GET .../workers/status every 0.2 s on a new
# connection (curl --interface 127.0.0.2):
#   slowloris  slowhttptest -H: 3000 connections at 600 per second, a header line every second
#   slow read  slowhttptest -X: 1000 connections at 200 per second, 1-byte receive window
# Configurations: "defaults" (max_connections 1024, per address 256, header_timeout 5 s), and
# "unprotected" (no per-address limit, header deadline = read timeout 10 s: the behaviour before
# issue 19). Prints one line per run: polls answered 200 / sent, the slowest poll, and the
# refusal and cutoff counters of /metrics. Results: build/slow-clients/summary.txt.
# Needs slowhttptest (apt-get install slowhttptest; not a ./test.sh dependency: the suite proves
# the same with its own bounded attack in tests/api/slow_client_test.cc).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/stop_processes.sh
duration=${1:?usage: scripts/slow_clients.sh SECONDS [QUEUEMOND]}
binary=${2:-build/release/daemon/queuemond}
for tool in slowhttptest redis-server redis-cli curl; do
  command -v $tool >/dev/null || { echo "slow_clients: $tool is missing" >&2; exit 1; }
done
[ -x "$binary" ] || { echo "slow_clients: $binary not built" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"  # slowhttptest and queuemond each hold thousands of sockets

out=build/slow-clients
rm -rf "$out"; mkdir -p "$out"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --logfile "$out/redis.log" &
pids=($!)
trap 'stop_processes 5 "${pids[@]}"' EXIT
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done

# poll URL SECONDS FILE: one GET every 0.2 s from 127.0.0.2, "status seconds" per line.
poll() {
  local url=$1 end=$((SECONDS + $2)) file=$3
  while [ $SECONDS -lt $end ]; do
    curl -s -o /dev/null --interface 127.0.0.2 --max-time 5 -w '%{http_code} %{time_total}\n' \
      "$url" >>"$file" || echo "000 5" >>"$file"
    sleep 0.2  # the poller's pace
  done
}

counter() {  # counter METRICS_FILE FAMILY REASON
  awk -v s="$2{reason=\"$3\"}" '$1 == s {print $2}' "$1"
}

run() {  # run NAME HTTP_JSON
  local name=$1 http_json=$2 port
  port=$(free_port)
  cat >"$out/$name.json" <<EOF
{"listen": "127.0.0.1:$port", "log_level": "warn", "http": $http_json,
 "sources": [{"broker": "redis://127.0.0.1:$redis_port/0"}]}
EOF
  "$binary" --config "$out/$name.json" >"$out/$name.log" 2>&1 &
  local daemon=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.1; done
  local url="http://127.0.0.1:$port/api/v1/celery/workers/status"
  for attack in slowloris slowread; do
    local args=(-H -c 3000 -r 600 -i 1 -x 24)
    [ $attack = slowread ] && args=(-X -c 1000 -r 200 -w 1 -y 1 -n 5 -z 32 -k 3)
    slowhttptest "${args[@]}" -l "$duration" -p 3 -u "$url" >"$out/$name-$attack.txt" 2>&1 &
    local attacker=$!
    sleep 2  # let the attack build up before the first poll (pace, not a sync)
    : >"$out/$name-$attack-polls.txt"
    poll "$url" "$((duration - 4))" "$out/$name-$attack-polls.txt"
    wait $attacker || true
    curl -s "http://127.0.0.1:$port/metrics" >"$out/$name-$attack-metrics.txt"
    local m=$out/$name-$attack-metrics.txt
    awk -v run="$name $attack" \
      -v refused="per_address=$(counter "$m" queuemon_http_connections_refused_total per_address) max_connections=$(counter "$m" queuemon_http_connections_refused_total max_connections)" \
      -v cut="header_timeout=$(counter "$m" queuemon_http_connections_closed_total header_timeout) idle_evicted=$(counter "$m" queuemon_http_connections_closed_total idle_evicted) write_timeout=$(counter "$m" queuemon_http_connections_closed_total write_timeout)" \
      '{n++; if ($1 == 200) ok++; if ($2 > max) max = $2}
       END {printf "%-22s polls 200: %d/%d, slowest %.3f s; refused %s; closed %s\n",
            run, ok, n, max, refused, cut}' "$out/$name-$attack-polls.txt" | tee -a "$out/summary.txt"
  done
  stop_processes 10 "$daemon"
}

run defaults '{}'
run unprotected '{"max_connections_per_address": 0, "header_timeout_ms": 10000}'
