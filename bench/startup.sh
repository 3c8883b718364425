# shellcheck shell=bash
# Launch to first healthy answer: `safe-updater serve` on a fresh embedded database, shipped rules (5 runs).
runs=${1:-5}
best=""
for i in $(seq 1 "$runs"); do
  work=$(mktemp -d /tmp/su-bench.XXXXXX)
  : >"$work/log"
  start=$(date +%s%N)
  # shellcheck disable=SC2046
  (cd "$work" && exec "$JAVA_HOME/bin/java" $(su_java_opts) -jar "$SU_JAR" serve --port 0 \
     --rules "$SU_ROOT/rules" --policies "$SU_ROOT/policies" --log-level WARN) >"$work/log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
  port=""
  while [ -z "$port" ]; do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log" | head -1)
    kill -0 $pid 2>/dev/null || { cat "$work/log" >&2; exit 1; }
    [ -n "$port" ] || sleep 0.02
  done
  until curl -sf "http://127.0.0.1:$port/observe/health" >/dev/null; do sleep 0.02; done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  echo "run $i: ready in ${ms} ms"
  kill $pid; wait $pid 2>/dev/null || true; rm -rf "$work"
  if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
done
echo "startup: $best ms (best of $runs, launch to healthy, fresh H2 database)"
