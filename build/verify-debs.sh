#!/usr/bin/env bash
# Checks the .deb files build/image-base.sh downloaded, before any of them is unpacked as root:
#   build/verify-debs.sh DIR EXPECTED
# EXPECTED lists, as sha256sum writes it ("<sha256>  <file name>"), each file apt was asked for, with the SHA256 that
# `apt-cache show PACKAGE=VERSION` gives (the archive's signed index, which apt verified). DIR must hold exactly those
# files, each a regular file with that hash, and DIR and its files must be writable by their owner (this user) only.
# Anything else (a file apt did not name, a swapped or missing one, a symbolic link, a folder others can write) is
# refused: exit 1, each problem named on standard error.
set -euo pipefail
usage="usage: verify-debs.sh DIR EXPECTED"
dir="${1:?$usage}"
expected="${2:?$usage}"
me="$(id -u)"
problems=()

# Writable by its owner only, and that owner this user: nobody else can add, swap or change a file once checked.
private() { # PATH WHAT
  local mode owner
  mode="$(stat -c %a "$1")" owner="$(stat -c %u "$1")"
  (( (8#$mode & 8#022) == 0 )) || problems+=("$2 is writable by others than its owner (mode $mode)")
  [[ "$owner" == "$me" ]] || problems+=("$2 is owned by UID $owner, not $me")
}
if [[ -L "$dir" || ! -d "$dir" ]]; then
  echo "verify-debs: $dir is not a folder" >&2
  exit 1
fi
private "$dir" "$dir"

declare -A want=()
while read -r hash name; do
  [[ -z "$hash$name" ]] && continue
  if [[ "$hash" =~ ^[0-9a-f]{64}$ && "$name" =~ ^[A-Za-z0-9][A-Za-z0-9.+~%_-]*\.deb$ ]]; then
    want["$name"]="$hash"
  else
    problems+=("the expected list's line '$hash $name' is not '<sha256>  <name>.deb'")
  fi
done <"$expected"
(( ${#want[@]} > 0 )) || problems+=("the expected list names no .deb")

shopt -s nullglob dotglob
for path in "$dir"/*; do
  name="${path##*/}"
  if [[ -z "${want[$name]+set}" ]]; then
    problems+=("$name: not a file apt was asked for")
  elif [[ -L "$path" || ! -f "$path" ]]; then
    problems+=("$name: not a regular file")
  else
    private "$path" "$name"
    actual="$(sha256sum <"$path" | cut -d' ' -f1)"
    [[ "$actual" == "${want[$name]}" ]] || problems+=("$name: SHA-256 $actual, apt's index says ${want[$name]}")
  fi
done
for name in "${!want[@]}"; do
  [[ -e "$dir/$name" || -L "$dir/$name" ]] || problems+=("$name: missing")
done

if (( ${#problems[@]} > 0 )); then
  printf 'verify-debs: %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "verify-debs: ${#want[@]} .deb files, each the SHA-256 apt's index names, nothing else in $dir"
