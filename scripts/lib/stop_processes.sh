# Sourced by run.sh and scripts/soak.sh. stop_processes SECONDS ID...: sends SIGTERM to each ID
# (a pid, or -PGID for a whole process group), waits up to SECONDS for all of them to be gone,
# then SIGKILLs what is left. Bounded on purpose: a Celery worker in warm shutdown waits for its
# running task and for the broker, which may already be gone, so an unbounded `wait` can hang.
stop_processes() {
  local seconds=$1; shift
  local id deadline=$((SECONDS + seconds))
  for id in "$@"; do kill -TERM -- "$id" 2>/dev/null || true; done
  while [ "$SECONDS" -lt "$deadline" ]; do
    local alive=0
    for id in "$@"; do kill -0 -- "$id" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.2
  done
  for id in "$@"; do kill -KILL -- "$id" 2>/dev/null || true; done
}
