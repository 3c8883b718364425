# shellcheck shell=bash
# Sourced by bin/test: makes the Debian OCI registry (CNCF distribution 2.8) and htpasswd available.
# Tests start their own registry processes (open / htpasswd / token / TLS) on free 127.0.0.1 ports with
# configs they write; this only installs the programs and says where they are.
if ! command -v docker-registry >/dev/null || ! command -v htpasswd >/dev/null; then
  echo "bin/test: installing docker-registry and apache2-utils ..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker-registry apache2-utils >/dev/null
fi
SAFE_UPDATER_TEST_REGISTRY_BIN="$(command -v docker-registry)"
SAFE_UPDATER_TEST_HTPASSWD_BIN="$(command -v htpasswd)"
export SAFE_UPDATER_TEST_REGISTRY_BIN SAFE_UPDATER_TEST_HTPASSWD_BIN
