#!/usr/bin/env bash
# 100,000 candidates through the shipped rules and policy scopes in one batch (decisions/s)
set -euo pipefail
# A 100,000-candidate batch allocates about 400 MB; a young generation that holds it avoids collections in the
# middle of a batch (with the JVM's default heap sizing the figure is lower: see docs/policy-authoring.md).
SU_BENCH_JAVA_OPTS="${SU_BENCH_JAVA_OPTS:--Xms3g -Xmx3g -Xmn2g}" \
  su_bench_java PolicyBench.java "$SU_ROOT/rules" "$SU_ROOT/policies" "${1:-100000}" "${2:-20}"
