#!/usr/bin/env bash
# The cycle: 10,000 workloads in 200 namespaces, 1,000 images x 50 tags over the OCI API; first and steady cycle on H2 and PostgreSQL
# Sourced by bin/bench (JAVA_HOME set, jar built, su_bench_java available). Targets (2 cores): first cycle <= 10 s on
# H2 and <= 15 s on PostgreSQL, steady cycle <= 3 s with 0 decision rows, heap <= 200 MiB.
# Options: WORKLOADS NAMESPACES IMAGES TAGS. The mock API server and the registry stand-in run in their own JVM.
# Environment: SU_BENCH_CYCLE_DB=h2|postgres runs one database only (PostgreSQL then in a fresh JVM);
# SU_BENCH_CYCLE_WARM=1 also runs H2's cycles again on a new database in the then warm JVM (reported, not the
# headline); SU_BENCH_CYCLE_JAVA_OPTS adds JVM flags to the benchmark's JVM, for experiments (docs/cycle.md#cost).
# The benchmark's JVM starts as bin/safe-updater and the container image start the server (bin/bench: their flags, the
# jar's class path, the AOT cache trained for the jar); SAFE_UPDATER_AOT=off runs it without the cache.
set -euo pipefail
workloads=${1:-10000}
namespaces=${2:-200}
images=${3:-1000}
tags=${4:-50}
heap_mb=${SU_BENCH_HEAP_MB:-200}
tmp=$(mktemp -d /tmp/safe-updater-bench.XXXXXX)
mock_pid=
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -d "$SU_ROOT/server/target/test-classes/dev/safeupdater/testing" ]; then
  (cd "$SU_ROOT" && mvn -q -B -o test-compile) >&2
fi
(cd "$SU_ROOT" && mvn -q -B -o -f server/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$tmp/cp.txt") >&2
test_cp="$SU_ROOT/server/target/test-classes:$(cat "$tmp/cp.txt")"

echo "starting the mock API server ($workloads workloads, $namespaces namespaces) and the registry stand-in ($images images x $tags tags) ..." >&2
# shellcheck disable=SC2046
"$JAVA_HOME/bin/java" $(su_java_opts) -Xmx2g -cp "$SU_JAR:$test_cp" "$SU_ROOT/bench/CycleMockServer.java" \
  "$workloads" "$namespaces" "$images" "$tags" >"$tmp/mock.out" 2>"$tmp/mock.err" &
mock_pid=$!
for _ in $(seq 1 900); do
  grep -q '^READY' "$tmp/mock.out" 2>/dev/null && break
  kill -0 "$mock_pid" 2>/dev/null || { cat "$tmp/mock.err" >&2; exit 1; }
  sleep 0.1
done
read -r _ api registry < <(grep '^READY' "$tmp/mock.out")

pg_args=()
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  pg_args=("${SAFE_UPDATER_TEST_PG_URL:-jdbc:postgresql://127.0.0.1:5432/test}" "${SAFE_UPDATER_TEST_PG_USER:-postgres}")
else
  echo "PostgreSQL is not answering on 127.0.0.1:5432: H2 only" >&2
fi

SU_BENCH_JAVA_OPTS="-Xmx${heap_mb}m -Dsafeupdater.log.level=WARN -Dsafeupdater.log.format=text -Dsafeupdater.log.target=System.err ${SU_BENCH_CYCLE_JAVA_OPTS:-}" \
  su_bench_java CycleBench.java "$api" "$registry" "$SU_ROOT" "${pg_args[@]}" | tee "$tmp/bench.out" | grep -v '^RESULT'

kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true; mock_pid=
read -r _ api_requests registry_requests < <(grep '^REQUESTS' "$tmp/mock.out")
echo "requests seen over all cycles: $api_requests Kubernetes API, $registry_requests registry"
h2_first=$(awk '$1=="RESULT" {print $2}' "$tmp/bench.out")
echo "cycle: $(printf '%.2f' "$h2_first") s"
