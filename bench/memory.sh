# shellcheck shell=bash
# Resident memory (RSS) of `safe-updater serve` with the launcher's JVM settings: idle after start, then after loads.
# Args (optional): ASSETS (default 2000). The last line is the idle figure (target: <= 200 MiB).
assets=${1:-2000}
work=$(mktemp -d /tmp/su-bench.XXXXXX)
log="$work/server.log"
: >"$log"
{
  echo "assets:"
  for i in $(seq 1 "$assets"); do
    echo "  - {kind: Appliance, name: box-$i, image: registry.example.com/acme/app-$((i % 50)), tag: 1.$((i % 7)).$((i % 13))}"
  done
} >"$work/assets.yaml"
printf 'sources:\n  - {name: fleet, type: static, file: assets.yaml}\n' >"$work/inventory.yaml"
# shellcheck disable=SC2046
(cd "$work" && SAFE_UPDATER_INVENTORY_FILE="$work/inventory.yaml" exec "$JAVA_HOME/bin/java" $(su_java_opts) \
   -jar "$SU_JAR" serve --port 0 --rules "$SU_ROOT/rules" --policies "$SU_ROOT/policies" --log-level WARN) >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
port=""
for _ in $(seq 1 600); do
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$port" ] && break
  kill -0 $server 2>/dev/null || { cat "$log" >&2; exit 1; }
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

# Loads, one call each; a new one (e.g. a cycle over 10,000 assets) is one function and one line below.
load_scan() {
  curl -sf -X POST "http://127.0.0.1:$port/api/v1/scan" -H 'Content-Type: application/json' -d '{}' >/dev/null
}
load_evaluations() {
  su_bench_java EvaluateApiLoad.java "$port" 8 10 10 >/dev/null || true
}

measure "idle after start"
idle=$(rss_mib)
load_scan
measure "after a scan of $assets assets"
load_evaluations
measure "after evaluate load (8 clients, 10 s)"
echo "memory: idle RSS $idle MiB (target <= 200 MiB)"
