# shellcheck shell=bash
# Resident memory (RSS) of `safe-updater serve` with the launcher's JVM settings: idle, after a cycle of 10,000 assets, after a scan and an evaluate load.
# Args (optional): ASSETS (static assets scanned, default 2000), WORKLOADS (the cycle's Kubernetes workloads, default
# 10000, in 200 namespaces, 1,000 images x 50 tags). The cycle's Kubernetes API and registry stand-in are
# bench/CycleMockServer.java, in their own JVM (as for `bin/bench cycle`). The last line gives the idle figure
# (target: <= 200 MiB) and the one after the cycle.
assets=${1:-2000}
workloads=${2:-10000}
work=$(mktemp -d /tmp/su-bench.XXXXXX)
log="$work/server.log"
: >"$log"
server=
mock_pid=
cleanup() {
  # a killed process's status (143) must not become the benchmark's (bin/bench runs it with set -e)
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

{
  echo "assets:"
  for i in $(seq 1 "$assets"); do
    echo "  - {kind: Appliance, name: box-$i, image: registry.example.com/acme/app-$((i % 50)), tag: 1.$((i % 7)).$((i % 13))}"
  done
} >"$work/assets.yaml"

# the mock Kubernetes API (WORKLOADS Deployments) and the registry stand-in, started as bench/cycle.sh starts them
if [ ! -d "$SU_ROOT/server/target/test-classes/dev/safeupdater/testing" ]; then
  (cd "$SU_ROOT" && mvn -q -B -o test-compile) >&2
fi
(cd "$SU_ROOT" && mvn -q -B -o -f server/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$work/cp.txt") >&2
# shellcheck disable=SC2046
"$JAVA_HOME/bin/java" $(su_java_opts) -Xmx2g -cp "$SU_JAR:$SU_ROOT/server/target/test-classes:$(cat "$work/cp.txt")" \
  "$SU_ROOT/bench/CycleMockServer.java" "$workloads" 200 1000 50 >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
for _ in $(seq 1 900); do
  grep -q '^READY' "$work/mock.out" 2>/dev/null && break
  kill -0 "$mock_pid" 2>/dev/null || { cat "$work/mock.err" >&2; exit 1; }
  sleep 0.1
done
read -r _ api registry < <(grep '^READY' "$work/mock.out")
[ -n "$registry" ] || { echo "the mock servers did not start" >&2; exit 1; }
cat >"$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: mock, cluster: {server: "$api"}}]
users: [{name: bench, user: {token: bench}}]
contexts: [{name: mock, context: {cluster: mock, user: bench}}]
current-context: mock
EOF
# politeness is for real registries: the stand-in is measured for what the server holds, not how it waits
printf 'registries:\n  "%s": {insecure: true, rate: 100000, burst: 100000, maxConcurrent: 32}\n' "$registry" \
  >"$work/registries.yaml"
# The server reads the inventory file again at every scan: the cycle sees only the cluster (its registry is the
# stand-in; registry.example.com is not reachable), the static assets are added to the file after it.
cluster_source='  - {name: cluster, type: kubernetes, kubeconfig: kubeconfig, kinds: [Deployment], pageSize: 500, requestTimeout: 60s}'
printf 'sources:\n%s\n' "$cluster_source" >"$work/inventory.yaml"

# shellcheck disable=SC2046
(cd "$work" && SAFE_UPDATER_INVENTORY_FILE="$work/inventory.yaml" SAFE_UPDATER_REGISTRY_CONFIG="$work/registries.yaml" \
   SAFE_UPDATER_REGISTRY_DOCKER_CONFIG="" exec "$JAVA_HOME/bin/java" $(su_java_opts) \
   -jar "$SU_JAR" serve --port 0 --rules "$SU_ROOT/rules" --policies "$SU_ROOT/policies" --log-level WARN) >"$log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 600); do
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start" >&2; exit 1; }
until curl -sf "http://127.0.0.1:$port/observe/health" >/dev/null; do sleep 0.1; done
echo "server on port $port ($(su_memory_opts)), MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX"

rss_mib() { echo $(( $(awk '/VmRSS/{print $2}' "/proc/$server/status") / 1024 )); }
# Waits for the server to settle, then prints one "RSS <label>: N MiB" line.
measure() {
  sleep 10
  echo "RSS $1: $(rss_mib) MiB"
}

# Loads, one call each; a new one is one function and one line below.
# A cycle (scan, discover, propose, decide, plan) over the cluster's WORKLOADS assets, waited for until it ends.
load_cycle() {
  local created id state=RUNNING
  created=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/cycles" -H 'Content-Type: application/json' -d '{}') \
    || { echo "POST /api/v1/cycles failed" >&2; return 1; }
  id=$(grep -o '"id":[0-9]*' <<<"$created" | head -1 | cut -d: -f2)
  [ -n "$id" ] || { echo "no cycle id in: $created" >&2; return 1; }
  local cycle_json=""
  for _ in $(seq 1 1200); do
    cycle_json=$(curl -sf "http://127.0.0.1:$port/api/v1/cycles/$id")
    state=$(grep -o '"state":"[A-Z_]*"' <<<"$cycle_json" | head -1 | cut -d'"' -f4)
    [ "$state" != "RUNNING" ] && break
    sleep 0.5
  done
  echo "cycle $id: ${state:-unknown} $(grep -o '"counts":{[^}]*}' <<<"$cycle_json")" >&2
  [ "$state" = "SUCCEEDED" ] || [ "$state" = "PARTIAL" ] || { echo "the cycle ended $state" >&2; return 1; }
}
load_scan() {
  printf 'sources:\n%s\n  - {name: fleet, type: static, file: assets.yaml}\n' "$cluster_source" >"$work/inventory.yaml"
  curl -sf -X POST "http://127.0.0.1:$port/api/v1/scan?source=fleet" -H 'Content-Type: application/json' -d '{}' >/dev/null
}
load_evaluations() {
  su_bench_java EvaluateApiLoad.java "$port" 8 10 10 >/dev/null || true
}

measure "idle after start"
idle=$(rss_mib)
load_cycle
measure "after a cycle of $workloads assets"
cycle=$(rss_mib)
load_scan
measure "after a scan of $assets assets"
load_evaluations
measure "after evaluate load (8 clients, 10 s)"
echo "memory: idle RSS $idle MiB (target <= 200 MiB), $cycle MiB after a cycle of $workloads assets"
