#!/usr/bin/env bash
# 100 Docker updates (busybox containers, host network, distinct ports) through the executor, apply.max-concurrent=20.
# Sourced by bin/bench (JAVA_HOME set, jar built). Starts its own dockerd and registry on 127.0.0.1 (bin/infra);
# reports total time, the overhead per update beyond the engine's own work, the most runs at once (<= 20), and that all
# ended SUCCEEDED. Options: UPDATES [MAX_CONCURRENT] [STABLE_FOR].
set -euo pipefail
updates=${1:-100}
concurrent=${2:-20}
stable=${3:-2s}
export SU_RUN_DIR
SU_RUN_DIR=$(mktemp -d /tmp/safe-updater-bench-apply.XXXXXX)
SU_CLEANUP=()
su_on_exit() { SU_CLEANUP+=("$1"); }
bench_cleanup() {
  local i
  for ((i=${#SU_CLEANUP[@]}-1; i>=0; i--)); do eval "${SU_CLEANUP[$i]}" || true; done
  rm -rf "$SU_RUN_DIR" 2>/dev/null || true
}
trap bench_cleanup EXIT
. "$SU_ROOT/bin/infra/docker.sh"
. "$SU_ROOT/bin/infra/registry.sh"

# the image and registry fixtures are the tests' (testing.DockerRollouts)
if [ ! -f "$SU_ROOT/server/target/test-classes/dev/safeupdater/testing/DockerRollouts.class" ] || \
   [ -n "$(find "$SU_ROOT/server/src/test/java/dev/safeupdater/testing" -newer \
       "$SU_ROOT/server/target/test-classes/dev/safeupdater/testing/DockerRollouts.class" -print -quit)" ]; then
  (cd "$SU_ROOT" && mvn -q -B -o test-compile) >&2
fi
# shellcheck disable=SC2046
"$JAVA_HOME/bin/java" $(su_base_java_opts) -Dsafeupdater.log.level=WARN -Dsafeupdater.log.format=text \
  -Dsafeupdater.log.target=System.err \
  -cp "$SU_JAR:$SU_ROOT/server/target/libs/*:$SU_ROOT/server/target/test-classes" \
  "$SU_ROOT/bench/ApplyBench.java" "$updates" "$concurrent" "$stable"
