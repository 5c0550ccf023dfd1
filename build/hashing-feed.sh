#!/usr/bin/env bash
# Produces artifacts/feed/System.IO.Hashing.<version>.nupkg from the installed SDK (see
# ../shared/spec/dependencies.md): the public registry here lacks System.IO.Hashing, which
# Yarp.ReverseProxy needs. Idempotent; runs before every restore via the Makefile.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
feed="$root/artifacts/feed"
sdk_line="$(cd "$root" && dotnet --version)"
sdk_dir="$(dotnet --list-sdks | awk -v v="$sdk_line" '$1==v { gsub(/[\[\]]/, "", $2); print $2 "/" $1 }')"
dll="$sdk_dir/Sdks/Microsoft.Build.Tasks.Git/tools/net/System.IO.Hashing.dll"
if [[ ! -f "$dll" ]]; then
  echo "hashing-feed: System.IO.Hashing.dll not found in $sdk_dir" >&2
  exit 1
fi
# The assembly's product version is the runtime release it was built in (e.g. 10.0.12).
version="$(dotnet --list-runtimes | awk '$1=="Microsoft.NETCore.App" { v=$2 } END { print v }')"
mkdir -p "$feed"
if [[ -f "$feed/System.IO.Hashing.$version.nupkg" && -f "$feed/System.IO.Hashing.props" ]]; then
  exit 0
fi
rm -f "$feed"/*.nupkg
dotnet pack "$root/build/hashing-feed/HashingFeed.csproj" -nologo -v:q \
  -p:HashingDll="$dll" -p:PackageVersion="$version" -o "$feed" >/dev/null
cat > "$feed/System.IO.Hashing.props" <<PROPS
<Project>
  <PropertyGroup>
    <SystemIOHashingVersion>$version</SystemIOHashingVersion>
  </PropertyGroup>
</Project>
PROPS
echo "hashing-feed: packed System.IO.Hashing $version from $sdk_dir"
