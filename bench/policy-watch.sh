# shellcheck shell=bash
# policy test --watch: from saving a rule, policy or test file to the re-run's report (shipped set, median ms)
# shellcheck disable=SC2046
su_bench_java PolicyWatchBench.java "$JAVA_HOME/bin/java" "$SU_JAR" "$SU_ROOT/rules" "$SU_ROOT/policies" "${1:-30}" \
  $(su_java_opts)
