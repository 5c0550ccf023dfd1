#!/usr/bin/env bash
# `make image`: the gateway's OCI image, built from source on a Debian machine with no registry and no
# container engine, written as an OCI archive:
#   artifacts/image/gateway-VERSION.oci.tar      the image (push it: skopeo copy oci-archive:... docker://...)
#   artifacts/image/gateway-VERSION.cdx.json     its SBOM (CycloneDX: the Debian and NuGet packages in it)
#
# How: a self-contained publish of the gateway (build/image-publish.sh: the .NET runtime packs come from
# NuGet), a root file system of the few Debian packages it needs (build/image-base.sh, cached under
# artifacts/image/base), each put into an image layer with umoci, no RUN step, no base image pulled.
#
#   VERSION (default: the chart's appVersion)    the image's version label and tag
#   OUTPUT  (default artifacts/image/gateway-VERSION.oci.tar)
#   SOURCE_URL (default: the git remote, when it is a URL)   org.opencontainers.image.source
#   IMAGE_BASE_DIGEST=sha256:… the base (the Debian packages' digest, printed by every build) to insist on
#   IMAGE_BUILDER=dockerfile   build the Dockerfile instead (buildah, podman or docker; needs the
#                              mcr.microsoft.com base images, pulled by digest: SDK_IMAGE_DIGEST and
#                              RUNTIME_DEPS_IMAGE_DIGEST, or resolved from the tags with skopeo and printed).
#
# Runs as root. Needs, and installs when missing: umoci, python3; apt-get and dpkg-deb (any Debian or Ubuntu). The image holds the same paths, user, entrypoint and environment as
# the Dockerfile's; docs/operations.md, section 1, walks through building, pushing and installing it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
version="${VERSION:-$(sed -nE 's/^appVersion: *"?([^"]*)"?$/\1/p' charts/gateway/Chart.yaml)}"
work="$root/artifacts/image"
output="${OUTPUT:-$work/gateway-$version.oci.tar}"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD 2>/dev/null || revision="$revision-dirty"
source_url="${SOURCE_URL:-$(git config --get remote.origin.url 2>/dev/null || true)}"
[[ "$source_url" == *://* || "$source_url" == git@* ]] || source_url=""
licenses="Apache-2.0"
created="$(date -u -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)" +%Y-%m-%dT%H:%M:%SZ)"

if [[ "${IMAGE_BUILDER:-debian}" == dockerfile ]]; then
  image="${IMAGE:-gateway:$version}"
  mkdir -p "$(dirname "$output")"
  # The base images by digest: given, or the tags' current digests as skopeo resolves them (printed either way).
  pinned=()
  for base in SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0 RUNTIME_DEPS_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0; do
    name="${base%%=*}" ref="${base#*=}" given="${base%%=*}_DIGEST"
    digest="${!given:-}"
    if [[ -z "$digest" ]] && command -v skopeo >/dev/null 2>&1; then
      digest="$(skopeo inspect --format '{{.Digest}}' "docker://$ref")"
    fi
    [[ "$digest" == sha256:* ]] || { echo "image: set ${given}=sha256:… (the digest of $ref), or install skopeo to resolve it" >&2; exit 1; }
    echo "image: base $ref@$digest"
    pinned+=(--build-arg "$name=$ref@$digest")
  done
  args=(-f Dockerfile "${pinned[@]}" --build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "SOURCE=$source_url" -t "$image" .)
  if command -v buildah >/dev/null 2>&1; then
    buildah bud --layers "${args[@]}"
    buildah push "$image" "oci-archive:$output:$version"
  elif command -v podman >/dev/null 2>&1; then
    podman build "${args[@]}"
    podman save --format oci-archive -o "$output" "$image"
  elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    DOCKER_BUILDKIT=1 docker build "${args[@]}"
  else
    echo "image: IMAGE_BUILDER=dockerfile needs buildah, podman or docker; 'make image' alone needs none of them" >&2
    exit 1
  fi
  echo "image: built $image from the Dockerfile"
  exit 0
fi

# Root: the layers' files must be owned by root (umoci records the owners it finds), and apt-get installs.
if [[ $(id -u) -ne 0 ]]; then
  echo "image: run as root (a CI runner or build VM; or sudo make image): the image's files must be owned by root" >&2
  exit 1
fi
# The tools: installed from Debian's packages when missing.
need=()
command -v umoci >/dev/null 2>&1 || need+=(umoci)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
  echo "image: needs a Debian or Ubuntu machine (apt-get and dpkg-deb make the image's root file system)" >&2
  exit 1
fi
if ((${#need[@]})); then
  echo "image: installing ${need[*]}"
  "$root/build/retry.sh" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "$root/build/retry.sh" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# apt-get download needs package lists; a fresh machine may have none yet.
apt-cache show libc6 >/dev/null 2>&1 || "$root/build/retry.sh" apt-get update -qq

mkdir -p "$work"
started=$(date +%s)
echo "image: the Debian root file system (build/image-base.sh)"
"$root/build/image-base.sh" "$work/base"
# The data directory (Gateway__DataDirectory) is the app user's, as in the Dockerfile: a volume mounted there without
# the chart (a named volume takes the directory's owner) is writable by it.
chown 1654:1654 "$work/base/rootfs/var/lib/gateway"
echo "image: publishing the gateway, self-contained for linux-x64 (build/image-publish.sh)"
"$root/build/image-publish.sh" "$work/publish"

# The app layer: the published files at /app, owned by root and not writable by the app user.
rm -rf "$work/app" && mkdir -p "$work/app"
cp -R "$work/publish/." "$work/app/"
chown -R 0:0 "$work/app"
chmod -R u=rwX,go=rX "$work/app"
chmod 0755 "$work/app/gateway"

# The layout, the same as the Dockerfile's (keep the two in step).
env_vars=(
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  "APP_UID=1654"
  "DOTNET_RUNNING_IN_CONTAINER=true"
  "DOTNET_GCGen1MaxBudget=0x400000"
  "ASPNETCORE_URLS=http://+:8080"
  "ASPNETCORE_HTTP_PORTS="
  "ASPNETCORE_ENVIRONMENT=Production"
  "Gateway__Policy__BundlePath=/etc/gateway/bundle"
  "Gateway__DataDirectory=/var/lib/gateway"
  "Gateway__Metrics__Port=9464"
)
labels=(
  "org.opencontainers.image.title=gateway"
  "org.opencontainers.image.description=Enforcement gateway for AI agents (ASP.NET Core + YARP)"
  "org.opencontainers.image.version=$version"
  "org.opencontainers.image.revision=$revision"
  "org.opencontainers.image.licenses=$licenses"
  "org.opencontainers.image.created=$created"
)
[[ -z "$source_url" ]] || labels+=("org.opencontainers.image.source=$source_url")

layout="$work/oci"
rm -rf "$layout"
umoci init --layout "$layout"
umoci new --image "$layout:$version"
umoci insert --image "$layout:$version" --history.created "$created" \
  --history.created_by "build/image-base.sh: Debian packages, CA certificates, the app user (1654)" "$work/base/rootfs" /
umoci insert --image "$layout:$version" --history.created "$created" \
  --history.created_by "build/image-publish.sh: the gateway, self-contained (linux-x64)" "$work/app" /app
config=(--config.user 1654:1654 --config.workingdir /app --config.entrypoint /app/gateway
  --config.exposedports 8080/tcp --config.exposedports 9464/tcp --config.stopsignal SIGTERM
  --architecture amd64 --os linux --created "$created" --author "Gateway contributors"
  --history.created "$created" --history.created_by "build/image.sh: user, entrypoint, environment, labels")
for value in "${env_vars[@]}"; do config+=(--config.env "$value"); done
for value in "${labels[@]}"; do config+=(--config.label "$value" --manifest.annotation "$value"); done
umoci config --image "$layout:$version" "${config[@]}"
umoci gc --layout "$layout"

# The OCI archive: a tar of the layout (what skopeo's and podman's oci-archive: read).
mkdir -p "$(dirname "$output")"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$created" -C "$layout" -cf "$output.tmp" .
mv "$output.tmp" "$output"

sbom="${output%.oci.tar}.cdx.json"
[[ "$sbom" != "$output" ]] || sbom="$output.cdx.json"
SOURCE_DATE_EPOCH="$(date -u -d "$created" +%s)" python3 "$root/build/image-sbom.py" \
  "$work/base/rootfs" "$work/publish/gateway.deps.json" gateway "$version" "$revision" > "$sbom.tmp"
mv "$sbom.tmp" "$sbom"

rm -rf "$work/app"
manifest="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$layout/index.json")"
echo "image: base $(cat "$work/base/base.digest") (the Debian packages, $work/base/debs.sha256; pin it with IMAGE_BASE_DIGEST)"
echo "image: manifest $manifest"
echo "image: wrote $output ($(du -m "$output" | cut -f1) MiB, $(( $(date +%s) - started )) s), tag $version, user 1654, revision $revision"
echo "image: SBOM $sbom"
echo "image: push it with: skopeo copy oci-archive:$output docker://REGISTRY/gateway:$version"
