#!/usr/bin/env bash
# `make run`: the gateway on http://127.0.0.1:8080 with the embedded store and the example bundle,
# plus stand-ins for the example's upstreams on 127.0.0.1:9100–9300. Everything here is demo-only:
# Development keys are generated into .gateway-data/, and the admin token below is public.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/artifacts/bin"
gateway="$bin/Gateway.Proxy/release/gateway.dll"
upstreams="$bin/DemoUpstreams/release/demo-upstreams.dll"
for dll in "$gateway" "$upstreams"; do
  [[ -f "$dll" ]] || { echo "run-demo: $dll is missing; run 'make build' first" >&2; exit 1; }
done

demo_admin_token="${GATEWAY_DEMO_ADMIN_TOKEN:-demo-admin-token-do-not-use-in-production}"
token_hash="$(printf '%s' "$demo_admin_token" | sha256sum | awk '{print $1}')"

dotnet "$upstreams" --urls "" >/tmp/gateway-demo-upstreams.log 2>&1 &
upstreams_pid=$!
trap 'kill "$upstreams_pid" 2>/dev/null || true' EXIT INT TERM

echo "Demo upstreams on 127.0.0.1:9100-9300 (log: /tmp/gateway-demo-upstreams.log)"
echo "Gateway on http://127.0.0.1:8080 — demo admin token: $demo_admin_token"
cd "$root"
dotnet "$gateway" --environment Development --urls http://127.0.0.1:8080 \
  --contentRoot "$root" \
  --Gateway:Policy:BundlePath="$root/examples/bundle" \
  --Gateway:DataDirectory="$root/.gateway-data" \
  --Gateway:Admin:BootstrapTokenSha256="$token_hash"
