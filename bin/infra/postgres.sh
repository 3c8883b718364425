# shellcheck shell=bash
# Sourced by bin/test: makes sure PostgreSQL answers on 127.0.0.1:5432 and tells the tests where it is.
# Tests create a fresh schema per run in database `test` and drop it afterwards.
su_pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! su_pg_ready; then
  if ! command -v pg_ctlcluster >/dev/null; then
    echo "bin/test: PostgreSQL is not installed; installing postgresql ..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  echo "bin/test: starting PostgreSQL ..." >&2
  pg_ctlcluster --skip-systemctl-redirect "$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)" main start || true
  for _ in $(seq 1 60); do su_pg_ready && break; sleep 0.5; done
  su_pg_ready || { echo "bin/test: PostgreSQL did not start" >&2; exit 1; }
fi
# the `test` database is there on this machine kind; create it elsewhere
if ! psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d postgres -c 'CREATE DATABASE test' >/dev/null
fi
export SAFE_UPDATER_TEST_PG_URL="${SAFE_UPDATER_TEST_PG_URL:-jdbc:postgresql://127.0.0.1:5432/test}"
export SAFE_UPDATER_TEST_PG_USER="${SAFE_UPDATER_TEST_PG_USER:-postgres}"
