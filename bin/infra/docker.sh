# shellcheck shell=bash
# Sourced by bin/test: a real Docker engine (Debian docker.io, API <= 1.41) on a private socket, no bridge,
# no iptables (INFRA.md), plus busybox-static for building test images with `docker import`.
# Exports SAFE_UPDATER_TEST_DOCKER_HOST (unix://...) and SAFE_UPDATER_TEST_BUSYBOX; stops the engine at exit.
if ! command -v dockerd >/dev/null || [ ! -x /bin/busybox ]; then
  echo "bin/test: installing docker.io and busybox-static ..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker.io busybox-static >/dev/null
fi
su_docker_run="$SU_RUN_DIR/docker"
mkdir -p "$su_docker_run"
dockerd --host "unix://$su_docker_run/docker.sock" --bridge=none --iptables=false --ip6tables=false \
  --ip-forward=false --storage-driver=overlay2 --data-root "$su_docker_run/data" \
  --exec-root "$su_docker_run/exec" --pidfile "$su_docker_run/docker.pid" >"$su_docker_run/dockerd.log" 2>&1 &
for _ in $(seq 1 100); do
  curl -sf --unix-socket "$su_docker_run/docker.sock" http://localhost/_ping >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf --unix-socket "$su_docker_run/docker.sock" http://localhost/_ping >/dev/null \
  || { echo "bin/test: dockerd did not start:"; tail -20 "$su_docker_run/dockerd.log"; exit 1; } >&2
su_docker_stop() {
  local pid
  pid=$(cat "$1/docker.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null; for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  umount "$1/exec/netns/default" 2>/dev/null || true
  umount -R "$1/data/overlay2" 2>/dev/null || true
}
su_on_exit "su_docker_stop '$su_docker_run'"
export SAFE_UPDATER_TEST_DOCKER_HOST="unix://$su_docker_run/docker.sock"
export SAFE_UPDATER_TEST_BUSYBOX=/bin/busybox
