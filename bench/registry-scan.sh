#!/usr/bin/env bash
# Registry scan: 200 repositories x 100 tags in a local registry, cold and warm cache: wall time and requests made.
# Usage: bin/bench registry-scan [REPOS] [TAGS]   (starts its own docker-registry on a free 127.0.0.1 port)
set -euo pipefail
. "$SU_ROOT/bin/infra/registry.sh"
su_bench_java RegistryScanBench.java "$SAFE_UPDATER_TEST_REGISTRY_BIN" "$@"
