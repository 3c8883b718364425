# Auditors' API over 1,000,000 update runs in PostgreSQL: p50/p95 per query, CSV export time and server heap.
# shellcheck shell=bash
# Loads 1 M runs (+ events, decisions, audit events) into database su_bench_history on 127.0.0.1:5432 (created and
# migrated here; SU_BENCH_HISTORY_REUSE=1 keeps and reuses a loaded one), starts the server on it with a 128 MB heap,
# then times each listing (first and deep pages, typical filters) one request at a time. Args: ITERATIONS (200).
# Target (2 cores): p95 <= 50 ms per query; the export's peak heap does not grow from 100 k to 1 M rows (the 1 M
# export is ~290 MB of CSV: more than the server's whole heap).
iterations=${1:-200}
. "$SU_ROOT/bin/infra/postgres.sh"
dbname=su_bench_history
url="jdbc:postgresql://127.0.0.1:5432/$dbname"
work=$(mktemp -d /tmp/su-bench.XXXXXX)
log="$work/server.log"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; fi
  if [ "${SU_BENCH_HISTORY_REUSE:-0}" != 1 ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $dbname" >/dev/null 2>&1
  fi
  rm -rf "$work"
  return 0
}
trap cleanup EXIT
loaded=$(psql -h 127.0.0.1 -U postgres -d "$dbname" -Atc "SELECT COUNT(*) FROM update_run" 2>/dev/null || echo 0)
if [ "${SU_BENCH_HISTORY_REUSE:-0}" = 1 ] && [ "$loaded" -ge 1000000 ] 2>/dev/null; then
  echo "reusing $dbname ($loaded runs)"
else
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $dbname" >/dev/null
  psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $dbname" >/dev/null
  # shellcheck disable=SC2046
  "$JAVA_HOME/bin/java" $(su_java_opts) -jar "$SU_JAR" migrate --db-url "$url" --db-user postgres --log-level WARN
  start=$(date +%s.%N)
  psql -h 127.0.0.1 -U postgres -d "$dbname" -q -f "$SU_ROOT/bench/history-load.sql" >/dev/null
  end=$(date +%s.%N)
  psql -h 127.0.0.1 -U postgres -d "$dbname" -Atc "SELECT 'loaded ' || (SELECT COUNT(*) FROM update_run) || ' runs, '
    || (SELECT COUNT(*) FROM run_event) || ' run events, ' || (SELECT COUNT(*) FROM decision) || ' decisions, '
    || (SELECT COUNT(*) FROM audit_event) || ' audit events, database ' || pg_size_pretty(pg_database_size('$dbname'))"
  awk -v s="$start" -v e="$end" 'BEGIN { printf "load took %.1f s\n", e - s }'
fi
: >"$log"
# shellcheck disable=SC2046
(cd "$work" && exec "$JAVA_HOME/bin/java" $(su_java_opts) -Xmx128m -jar "$SU_JAR" serve --port 0 --db-url "$url" \
   --db-user postgres --rules "$SU_ROOT/rules" --policies "$SU_ROOT/policies" --log-level WARN) >"$log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$port" ] && break
  kill -0 $server 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start" >&2; cat "$log" >&2; exit 1; }
echo "server on port $port (PostgreSQL $dbname, -Xmx128m), $iterations requests per query, one at a time"
su_bench_java HistoryBench.java "$port" "$server" "$iterations"
