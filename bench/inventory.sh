#!/usr/bin/env bash
# 10,000 workloads in 200 namespaces (mock API server): full scan and no-change rescan into H2 and PostgreSQL
# Sourced by bin/bench (JAVA_HOME set, jar built, su_bench_java available). Targets: full scan <= 5 s on H2 and
# <= 8 s on PostgreSQL, rescan with no changes <= 2 s, heap after GC <= 150 MB. Options: WORKLOADS NAMESPACES.
set -euo pipefail
workloads=${1:-10000}
namespaces=${2:-200}
heap_mb=${SU_BENCH_HEAP_MB:-150}
tmp=$(mktemp -d /tmp/safe-updater-bench.XXXXXX)
mock_pid=
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# The mock server (fabric8 kubernetes-server-mock) and the fixture helpers are test-scope: their classpath comes
# from Maven (offline), the helpers from the compiled test classes.
if [ ! -d "$SU_ROOT/server/target/test-classes/dev/safeupdater/testing" ]; then
  (cd "$SU_ROOT" && mvn -q -B -o test-compile) >&2
fi
(cd "$SU_ROOT" && mvn -q -B -o -f server/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$tmp/cp.txt") >&2
test_cp="$SU_ROOT/server/target/test-classes:$(cat "$tmp/cp.txt")"

echo "starting the mock API server with $workloads workloads in $namespaces namespaces ..." >&2
# shellcheck disable=SC2046
"$JAVA_HOME/bin/java" $(su_java_opts) -Xmx2g -cp "$SU_JAR:$test_cp" "$SU_ROOT/bench/InventoryMockServer.java" \
  "$workloads" "$namespaces" >"$tmp/mock.out" 2>"$tmp/mock.err" &
mock_pid=$!
for _ in $(seq 1 600); do
  grep -q '^READY' "$tmp/mock.out" 2>/dev/null && break
  kill -0 "$mock_pid" 2>/dev/null || { cat "$tmp/mock.err" >&2; exit 1; }
  sleep 0.1
done
read -r _ api load_s < <(grep '^READY' "$tmp/mock.out")
echo "fixtures: $workloads workloads in $namespaces namespaces loaded into the CRUD store in ${load_s} s" >&2

pg_args=()
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  pg_args=("${SAFE_UPDATER_TEST_PG_URL:-jdbc:postgresql://127.0.0.1:5432/test}" "${SAFE_UPDATER_TEST_PG_USER:-postgres}")
else
  echo "PostgreSQL is not answering on 127.0.0.1:5432: H2 only" >&2
fi

SU_BENCH_JAVA_OPTS="-Xmx${heap_mb}m -Dsafeupdater.log.level=WARN -Dsafeupdater.log.format=text -Dsafeupdater.log.target=System.err" \
  su_bench_java InventoryBench.java "$api" "${pg_args[@]}" | tee "$tmp/bench.out" | grep -v '^RESULT'

kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true; mock_pid=
echo "API requests seen by the mock server over all scans: $(sed -n 's/^REQUESTS //p' "$tmp/mock.out")"
h2_full=$(awk '$1=="RESULT" && $2=="h2" {print $3}' "$tmp/bench.out")
echo "inventory: $(printf '%.2f' "$h2_full") s"
