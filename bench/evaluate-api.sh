# shellcheck shell=bash
# 32 concurrent clients on POST /api/v1/evaluate against a running server (embedded H2, shipped rules): warmed up
# until the throughput is stable (at most 90 s: the JIT needs about 80 s under this load), then 20 s measured in
# slices alternating with a no-op route (GET /api/v1/no-op, the catch-all's 404) under the same load. Also prints the
# server's CPU time per request of each route: with closed-loop clients on busy cores the p99 ratio follows that
# cost ratio. Args (optional): CLIENTS SECONDS.
# Targets (2 cores): evaluate p99 <= 1.5 x the no-op p99, >= 2,000 requests/s.
clients=${1:-32}
seconds=${2:-20}
work=$(mktemp -d /tmp/su-bench.XXXXXX)
log="$work/server.log"
: >"$log"
# shellcheck disable=SC2046
(cd "$work" && exec "$JAVA_HOME/bin/java" $(su_java_opts) -jar "$SU_JAR" serve --port 0 \
   --rules "$SU_ROOT/rules" --policies "$SU_ROOT/policies" --log-level WARN) >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$port" ] && break
  kill -0 $server 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start" >&2; cat "$log" >&2; exit 1; }
echo "server on port $port (H2 in $work), $clients clients, ${seconds}s after a warm-up until throughput is stable"
su_bench_java EvaluateApiLoad.java "$port" "$clients" "$seconds" 90 "$server"
