#!/usr/bin/env bash
# `make image`: builds the gateway's container image from the Dockerfile, daemonless when it can.
#   IMAGE (default gateway:0.1.0)   the tag; VERSION (default 0.1.0) the image's version label
#   OUTPUT (optional)               also write the image as an OCI archive to this path (buildah/podman)
# Builders, first found wins: buildah (no daemon: `apt-get install buildah`), podman (no daemon),
# docker with a running daemon (BuildKit). Each needs the base images (mcr.microsoft.com/dotnet/sdk
# and aspnet) from a registry or its local cache. Nothing is pushed: see docs/operations.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${VERSION:-0.1.0}"
image="${IMAGE:-gateway:$version}"
cd "$root"

if command -v buildah >/dev/null 2>&1; then
  echo "image: buildah bud -t $image (no daemon)"
  buildah bud --layers -f Dockerfile --build-arg "VERSION=$version" -t "$image" .
  [[ -z "${OUTPUT:-}" ]] || buildah push "$image" "oci-archive:$OUTPUT:$image"
elif command -v podman >/dev/null 2>&1; then
  echo "image: podman build -t $image (no daemon)"
  podman build -f Dockerfile --build-arg "VERSION=$version" -t "$image" .
  [[ -z "${OUTPUT:-}" ]] || podman save --format oci-archive -o "$OUTPUT" "$image"
elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  echo "image: docker build -t $image"
  DOCKER_BUILDKIT=1 docker build -f Dockerfile --build-arg "VERSION=$version" -t "$image" .
else
  cat >&2 <<'HELP'
image: no image builder here. Without a daemon, install buildah and run `make image` again:
  sudo apt-get install -y buildah      # Debian/Ubuntu; rootless works with subuid/subgid set up
  make image                           # IMAGE=registry.example/gateway:0.1.0 OUTPUT=gateway.oci.tar make image
Or with Docker: docker build -t gateway:0.1.0 .
HELP
  exit 1
fi
echo "image: built $image"
