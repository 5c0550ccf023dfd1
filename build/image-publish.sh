#!/usr/bin/env bash
# The gateway as the image runs it: a self-contained publish for linux-x64 (the .NET runtime packs come from
# NuGet, so no Microsoft base image is needed), used by both build/image.sh and the Dockerfile so that the
# two images hold the same files.
#   build/image-publish.sh OUT_DIR
# See docs/operations.md ("Size and start") for why these settings and not trimming or ReadyToRun.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: image-publish.sh OUT_DIR}"
rm -rf "$out"
# Its own build tree beside the gateway's: a linux-x64 restore in artifacts/obj would have the next `make build` compile
# every project again (about 3 minutes on 2 cores, against a 12-second no-op).
export GATEWAY_ARTIFACTS="${GATEWAY_ARTIFACTS:-$root/artifacts}/publish-linux-x64"
"$root/build/retry.sh" "${DOTNET:-dotnet}" restore "$root/proxy/Gateway.Proxy/Gateway.Proxy.csproj" -r linux-x64 -nologo -v:q
"${DOTNET:-dotnet}" publish "$root/proxy/Gateway.Proxy/Gateway.Proxy.csproj" -c Release -r linux-x64 --self-contained \
  --no-restore -nologo -v:q -o "$out" \
  -p:DebugType=embedded
# The projects' XML documentation files: read by IDEs, never at run time.
for xml in "$out"/*.xml; do [[ -f "${xml%.xml}.dll" ]] && rm -f "$xml"; done
# The LTTng trace provider: it loads only when liblttng-ust is present, which the image does not have.
rm -f "$out/libcoreclrtraceptprovider.so"
