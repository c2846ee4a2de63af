#!/usr/bin/env bash
# ./run.sh — the whole local stack on loopback, for trying queuemon out:
#   installs what is missing, builds queuemond (Release), starts a private redis-server, two real
#   Celery workers (w1 with task events, w2 without) and a trickle of demo tasks, then runs
#   queuemond in the foreground. Ctrl-C stops everything it started.
#   With --all-kinds (or QUEUEMON_ALL_KINDS=1) it also starts an RQ worker and a Sidekiq process
#   with a trickle of jobs each (Redis db 1 and 2), and queuemond serves all three sources.
#   With --rabbitmq (or QUEUEMON_RABBITMQ=1) it also starts a private rabbitmq-server (own node
#   name, epmd, data dir; loopback ports) with a Celery worker r1 and a trickle on it (results in
#   Redis db 3), served as the source "rabbit" beside the Redis one.
# Environment: QUEUEMON_PORT (default 8080), QUEUEMON_REDIS_PORT (default 6390),
# QUEUEMON_AMQP_PORT (default 5690; management on +10000, Erlang distribution on +20000, epmd
# on 4390).
set -euo pipefail
all_kinds=${QUEUEMON_ALL_KINDS:-0}
rabbitmq=${QUEUEMON_RABBITMQ:-0}
for arg in "$@"; do
  case "$arg" in
    --all-kinds) all_kinds=1 ;;
    --rabbitmq) rabbitmq=1 ;;
    *) echo "usage: ./run.sh [--all-kinds] [--rabbitmq]" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")"
source scripts/lib/stop_processes.sh
root=$PWD
http_port=${QUEUEMON_PORT:-8080}
redis_port=${QUEUEMON_REDIS_PORT:-6390}
broker="redis://127.0.0.1:${redis_port}/0"

scripts/install-deps.sh run
export CCACHE_DIR=${CCACHE_DIR:-$root/.cache/ccache}
[ -x build/run/daemon/queuemond ] ||
  echo "run.sh: first build of queuemond (Release): a few minutes on 2 cores; later runs take seconds"
cmake -S . -B build/run -G Ninja -DCMAKE_BUILD_TYPE=Release -DQUEUEMON_BUILD_TESTS=OFF \
  -DQUEUEMON_BUILD_BENCH=OFF >/dev/null
cmake --build build/run -j "$(nproc)" --target queuemond

state=$(mktemp -d /tmp/queuemon-run.XXXXXX)
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo; echo "run.sh: stopping the stack"
  # Everything else first, while redis (pids[0]) still answers the workers' warm shutdown.
  [ ${#pids[@]} -gt 1 ] && stop_processes 15 "${pids[@]:1}"
  [ ${#pids[@]} -gt 0 ] && stop_processes 5 "${pids[0]}"
  wait 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT INT TERM

wait_for() {  # wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND until it succeeds
  local what=$1 limit=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then echo "run.sh: $what did not come up" >&2; exit 1; fi
    sleep 0.2
  done
}

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$state" --logfile "$state/redis.log" &
pids+=($!)
wait_for "redis-server on 127.0.0.1:$redis_port" 10 redis-cli -p "$redis_port" ping

export PYTHONPATH="$root/tests/celery_app" QUEUEMON_CELERY_BROKER="$broker"
cd "$root/tests/celery_app"
/usr/bin/python3 -m celery -A tasks worker -n w1@%h -c 2 -Q celery,reports -E \
  --loglevel=WARNING --logfile "$state/w1.log" &
pids+=($!)
/usr/bin/python3 -m celery -A tasks worker -n w2@%h -c 2 -Q celery,reports \
  --loglevel=WARNING --logfile "$state/w2.log" &
pids+=($!)
wait_for "the Celery workers" 60 /usr/bin/python3 ctl.py wait-ready "w1@$(hostname)" "w2@$(hostname)" --timeout 5
/usr/bin/python3 "$root/scripts/trickle.py" --interval 0.5 &
pids+=($!)
cd "$root"

sources=("{\"name\": \"celery\", \"kind\": \"celery\", \"broker\": \"$broker\"}")
if [ "$rabbitmq" = 1 ]; then
  amqp_port=${QUEUEMON_AMQP_PORT:-5690}
  mgmt_port=$((amqp_port + 10000))
  amqp="amqp://guest:guest@127.0.0.1:${amqp_port}//"
  management="http://guest:guest@127.0.0.1:${mgmt_port}/api"
  mkdir -p "$state/rabbitmq"
  printf 'listeners.tcp.1 = 127.0.0.1:%s\nmanagement.tcp.ip = 127.0.0.1\nmanagement.tcp.port = %s\n' \
    "$amqp_port" "$mgmt_port" >"$state/rabbitmq/rabbitmq.conf"
  echo "[rabbitmq_management]." >"$state/rabbitmq/enabled_plugins"
  export ERL_EPMD_PORT=4390 ERL_EPMD_ADDRESS=127.0.0.1
  epmd -port "$ERL_EPMD_PORT" -address 127.0.0.1 &
  pids+=($!)
  (HOME="$state/rabbitmq" RABBITMQ_NODENAME="queuemon-run@localhost" \
    RABBITMQ_CONFIG_FILE="$state/rabbitmq/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$state/rabbitmq/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$state/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$state/rabbitmq/log" \
    RABBITMQ_DIST_PORT=$((amqp_port + 20000)) \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    exec /usr/lib/rabbitmq/bin/rabbitmq-server >"$state/rabbitmq.log" 2>&1) &
  pids+=($!)
  wait_for "rabbitmq-server on 127.0.0.1:$amqp_port" 60 curl -sf -u guest:guest "http://127.0.0.1:${mgmt_port}/api/overview"
  (cd tests/celery_app && QUEUEMON_CELERY_BROKER=$amqp QUEUEMON_CELERY_BACKEND="redis://127.0.0.1:${redis_port}/3" \
    exec /usr/bin/python3 -m celery -A tasks worker -n r1@%h -c 2 -Q celery,reports -E \
    --loglevel=WARNING --logfile "$state/r1.log") &
  pids+=($!)
  (cd tests/celery_app && QUEUEMON_CELERY_BROKER=$amqp QUEUEMON_CELERY_BACKEND="redis://127.0.0.1:${redis_port}/3" \
    exec /usr/bin/python3 "$root/scripts/trickle.py" --interval 1) &
  pids+=($!)
  sources+=("{\"name\": \"rabbit\", \"broker\": \"$amqp\", \"management_url\": \"$management\", \"result_backend\": \"redis://127.0.0.1:${redis_port}/3\"}")
  echo "run.sh: also RabbitMQ on 127.0.0.1:${amqp_port} (management ${mgmt_port}) with worker r1 and a trickle: source rabbit"
fi
if [ "$all_kinds" = 1 ]; then
  rq_redis="redis://127.0.0.1:${redis_port}/1"
  sidekiq_redis="redis://127.0.0.1:${redis_port}/2"
  (cd tests/rq_app && QUEUEMON_RQ_REDIS=$rq_redis PYTHONPATH=$PWD \
    exec /usr/bin/rqworker --url "$rq_redis" --name rq1 --quiet default high >"$state/rq1.log" 2>&1) &
  pids+=($!)
  (cd tests/sidekiq_app && QUEUEMON_SIDEKIQ_REDIS=$sidekiq_redis \
    exec /usr/bin/sidekiq -r ./app.rb -c 3 -q default -q high >"$state/sidekiq.log" 2>&1) &
  pids+=($!)
  (cd tests/rq_app && QUEUEMON_RQ_REDIS=$rq_redis PYTHONPATH=$PWD \
    exec /usr/bin/python3 ctl.py trickle 31536000 >>"$state/rq1.log" 2>&1) &
  pids+=($!)
  (cd tests/sidekiq_app && QUEUEMON_SIDEKIQ_REDIS=$sidekiq_redis \
    exec /usr/bin/ruby ctl.rb trickle 31536000 >>"$state/sidekiq.log" 2>&1) &
  pids+=($!)
  sources+=("{\"name\": \"rq\", \"kind\": \"rq\", \"broker\": \"$rq_redis\"}"
            "{\"name\": \"sidekiq\", \"kind\": \"sidekiq\", \"broker\": \"$sidekiq_redis\"}")
  echo "run.sh: also an RQ worker (rq1) and a Sidekiq process with job trickles: sources rq, sidekiq"
fi
(IFS=,; echo "{\"sources\": [${sources[*]}]}") >"$state/queuemond.json"

base="http://127.0.0.1:${http_port}"
cat <<EOT
run.sh: Redis on 127.0.0.1:${redis_port}, workers w1 and w2, a task trickle; logs in $state
run.sh: queuemond on ${base} — try:
  curl -i ${base}/api/v1/celery/workers/status
  curl -i ${base}/api/v1/celery/queues/status
  curl -i ${base}/api/v1/celery/tasks/status
  curl -i ${base}/api/v1/celery/tasks/<task_id>      (ids: tasks/status, or celery's output)
  curl -i ${base}/api/v1/celery/metrics/summary
  curl -i ${base}/api/v1/celery/health
  curl -i ${base}/api/v1/celery/cache/stats
  curl -i -X POST ${base}/api/v1/celery/cache/invalidate
  curl -s ${base}/metrics
  curl -i ${base}/healthz    curl -i ${base}/readyz
  (with --all-kinds: the same views under /api/v1/rq/... and /api/v1/sidekiq/...;
   with --rabbitmq: under /api/v1/rabbit/...)
Ctrl-C stops everything.
EOT
build/run/daemon/queuemond --listen "127.0.0.1:${http_port}" --config "$state/queuemond.json" &
pids+=($!)
wait "${pids[-1]}"
