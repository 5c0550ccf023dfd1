#!/usr/bin/env bash
# Builds the gateway at HEAD with one bound patch applied, in a worktree of its own, and prints the binary's path:
#   loadtests/bounds/build.sh loadtests/bounds/no-signature.patch
# The patch is a measurement (what a design could save at most), never merged; README.md here says how to run it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
patch="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
name="$(basename "$patch" .patch)"
tree="${BOUND_WORKTREE:-/tmp/gateway-bound-$name}"
# A worktree left by an earlier build is replaced; anything else at that path is left alone.
git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || true
git -C "$root" worktree prune
if [[ -e "$tree" ]]; then
  echo "bounds: $tree exists and is not a worktree of this repository (set BOUND_WORKTREE to another path)" >&2
  exit 1
fi
git -C "$root" worktree add --detach -q "$tree" HEAD
git -C "$tree" apply "$patch"
dotnet build "$tree/proxy/Gateway.Proxy" -c Release -nologo -v:q >&2
echo "$tree/artifacts/bin/Gateway.Proxy/release/gateway"
