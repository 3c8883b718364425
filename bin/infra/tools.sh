# shellcheck shell=bash
# Sourced by bin/test: linters from Debian packages, unpacked (not installed) into ~/.cache/safe-updater/tools
# (INFRA.md): promtool (Prometheus 2.42: `check metrics`, `check rules`) and shellcheck 0.9.
# Exports SAFE_UPDATER_TEST_PROMTOOL and SAFE_UPDATER_TEST_SHELLCHECK.
su_tools_dir="$HOME/.cache/safe-updater/tools"
if [ ! -x "$su_tools_dir/usr/bin/promtool" ] || [ ! -x "$su_tools_dir/usr/bin/shellcheck" ]; then
  echo "bin/test: fetching promtool and shellcheck (Debian packages prometheus, shellcheck) ..." >&2
  su_tmp=$(mktemp -d)
  chmod 777 "$su_tmp"
  if ! (cd "$su_tmp" && { apt-get download prometheus shellcheck >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get download prometheus shellcheck >/dev/null 2>&1; }; }); then
    echo "bin/test: could not download the prometheus and shellcheck packages" >&2
    exit 1
  fi
  mkdir -p "$su_tools_dir"
  for deb in "$su_tmp"/*.deb; do dpkg-deb -x "$deb" "$su_tools_dir"; done
  rm -rf "$su_tmp"
fi
export SAFE_UPDATER_TEST_PROMTOOL="$su_tools_dir/usr/bin/promtool"
export SAFE_UPDATER_TEST_SHELLCHECK="$su_tools_dir/usr/bin/shellcheck"
