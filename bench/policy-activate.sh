#!/usr/bin/env bash
# compile and activate a 200-rule set with the shipped policies: cold (first in a JVM) and warm (ms)
set -euo pipefail
su_bench_java PolicyActivateBench.java "$SU_ROOT/policies" "${1:-20}"
