#!/usr/bin/env bash
# Installs exactly the Debian packages queuemon needs, idempotently: nothing is fetched when all
# are present, and `apt-get update` runs once, only when something is missing.
# usage: scripts/install-deps.sh [build|run|test]   (test is a superset of run, run of build)
set -euo pipefail
profile=${1:-test}

build_pkgs=(cmake g++ ninja-build ccache pkg-config
  libboost1.81-dev libboost-url1.81-dev libhiredis-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libsystemd-dev zlib1g-dev librabbitmq-dev)
run_pkgs=(redis-server redis-tools python3-celery python3-redis python3-rq ruby-sidekiq
  rabbitmq-server)
test_pkgs=(libgtest-dev libgmock-dev libbenchmark-dev prometheus clang-14 libclang-rt-14-dev
  systemd dpkg-dev file curl wrk jq chromium chromium-driver fonts-dejavu-core)

pkgs=("${build_pkgs[@]}")
case "$profile" in
  build) ;;
  run) pkgs+=("${run_pkgs[@]}") ;;
  test) pkgs+=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "install-deps.sh: unknown profile '$profile' (build|run|test)" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
# rabbitmq-server's package would start a system node (and Erlang's epmd) listening on every
# interface; queuemon's scripts and tests start their own, on loopback only. A policy-rc.d that
# refuses those two services keeps the install from starting them (invoke-rc.d and
# deb-systemd-invoke both ask it); one that already exists is left alone.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
  own_policy=1
  printf '#!/bin/sh\ncase "$1" in rabbitmq-server*|epmd*) exit 101;; esac\nexit 0\n' |
    "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod 755 "$policy"
fi
cleanup_policy() { [ -z "$own_policy" ] || "${sudo_cmd[@]}" rm -f "$policy"; }
trap cleanup_policy EXIT
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
