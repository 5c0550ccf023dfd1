#!/usr/bin/env bash
# The image's base root file system, made from Debian's own packages with no registry and no container:
#   build/image-base.sh DIR      writes DIR/rootfs (and DIR/debs, the .deb files it was made from)
#
# Not a whole Debian (debootstrap --variant=minbase brings a shell, apt, dpkg and their libraries, and needs a
# mirror named on its command line): only what the self-contained gateway loads (`ldd` of its native
# files: libc, libgcc_s, libstdc++, libm; OpenSSL for TLS and hashing), CA certificates for TLS to
# upstreams, time zones, base-files (/etc/os-release, so that image scanners know it is Debian) and
# coreutils (the chart's preStop hook runs /bin/sleep). No ICU: the gateway is built with
# InvariantGlobalization (Directory.Build.props). No zlib: .NET 9+ carries its own (zlib-ng).
#
# The packages come from the machine's own apt sources (`apt-get download`), are unpacked with
# `dpkg-deb -x`, and recorded in /var/lib/dpkg/status as installed, so that scanners and the SBOM
# (build/image-sbom.py) see exactly the Debian packages and versions in the image. Maintainer scripts
# are not run; what they would do that matters here is done below: the CA bundle, the users.
#
# The result is cached: DIR/rootfs is rebuilt only when this file or the package versions change.
#
# The base's digest: sha256 of DIR/debs.sha256 (each .deb's SHA-256 and file name, sorted), the same for the same
# packages at the same versions on any machine. Each .deb is downloaded into a fresh folder only root and apt's sandbox
# user can write, and checked before anything is unpacked (build/verify-debs.sh): the folder holds exactly the files
# asked for, each with the SHA256 of `apt-cache show PACKAGE=VERSION` (the archive's signed index, which apt
# verified). The digest pins the set: with IMAGE_BASE_DIGEST=sha256:<hex> (what an earlier build printed) any other
# set is refused.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: image-base.sh DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# The Debian packages in the image. Dependencies are named, not resolved: the list is the closure of what
# the gateway needs (coreutils' own libraries included), without debconf/perl/awk that only maintainer
# scripts use. Debian 13 renamed libssl3 to libssl3t64.
openssl_lib=libssl3
apt-cache show libssl3t64 >/dev/null 2>&1 && openssl_lib=libssl3t64
packages=(base-files libc6 libgcc-s1 gcc-12-base libstdc++6 "$openssl_lib" ca-certificates tzdata
  coreutils libacl1 libattr1 libgmp10 libselinux1 libpcre2-8-0)
# gcc-12-base is bookworm's; newer releases pair libstdc++6 with their own gcc-N-base.
base="$(apt-cache depends libstdc++6 2>/dev/null | sed -nE 's/^ *Depends: (gcc-[0-9]+-base)$/\1/p' | head -1)"
[[ -z "$base" ]] || packages=("${packages[@]/gcc-12-base/$base}")

# The versions apt would download now: the cache key, with this script's own hash.
versions="$(apt-cache policy "${packages[@]}" | awk '/^[^ ]/ {p=$1} /Candidate:/ {print p, $2}')"
if grep -q "Candidate: (none)" <<<"$(apt-cache policy "${packages[@]}")" || [[ -z "$versions" ]]; then
  echo "image-base: apt knows no candidate for some of: ${packages[*]} (run 'apt-get update' first)" >&2
  exit 1
fi
key="$( { sha256sum "$0" | cut -d' ' -f1; echo "$versions"; } | sha256sum | cut -d' ' -f1)"
# The digest of the packages in DIR/debs, printed; refused when IMAGE_BASE_DIGEST pins another.
base_digest() {
  (cd "$out/debs" && sha256sum -- *.deb | LC_ALL=C sort -k2) > "$out/debs.sha256"
  local digest="sha256:$(sha256sum "$out/debs.sha256" | cut -d' ' -f1)"
  echo "$digest" > "$out/base.digest"
  if [[ -n "${IMAGE_BASE_DIGEST:-}" && "$IMAGE_BASE_DIGEST" != "$digest" ]]; then
    echo "image-base: the Debian packages are $digest, not the pinned IMAGE_BASE_DIGEST $IMAGE_BASE_DIGEST ($out/debs.sha256 lists them)" >&2
    exit 1
  fi
  echo "image-base: base $digest (${#packages[@]} Debian packages, each .deb's SHA-256 in $out/debs.sha256)"
}

if [[ -f "$out/rootfs.key" && "$(cat "$out/rootfs.key")" == "$key" && -d "$out/rootfs" ]]; then
  echo "image-base: $out/rootfs is current (${#packages[@]} Debian packages)"
  base_digest
  exit 0
fi

echo "image-base: downloading ${#packages[@]} Debian packages"
rm -rf "$out/debs" "$out/rootfs" "$out/rootfs.key" "$out/debs.sha256" "$out/base.digest"
# What apt is asked for (each package at the version of the cache key) and what each file must be: its name as
# `apt-get download` writes it (an epoch's ':' as %3a) and the SHA256 that apt's signed index gives for that version.
wanted=()
expected=""
while read -r pkg version; do
  pkg="${pkg%:}"
  record="$(apt-cache show "$pkg=$version" | awk -v RS= 'NR == 1')"
  sha256="$(sed -n 's/^SHA256: //p' <<<"$record")" arch="$(sed -n 's/^Architecture: //p' <<<"$record")"
  if [[ ! "$sha256" =~ ^[0-9a-f]{64}$ || -z "$arch" ]]; then
    echo "image-base: apt's index gives no SHA256 for $pkg $version" >&2
    exit 1
  fi
  wanted+=("$pkg=$version")
  expected+="$sha256  ${pkg}_${version//:/%3a}_$arch.deb"$'\n'
done <<<"$versions"
# A fresh folder (mktemp: 0700, a name nobody can take first) that only root and apt's sandbox user (_apt, whom
# apt-get download runs as when it can) write; once the download ends only root does, before the check and the unpack.
# Where _apt cannot reach the folder (a private parent), apt is told to download as root, into the folder left root's.
download="$(mktemp -d "$out/debs.download.XXXXXX")"
trap 'rm -rf "$download"' EXIT
sandbox=(-o APT::Sandbox::User=root)
if id -u _apt >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1; then
  chown _apt:root "$download"
  if runuser -u _apt -- test -w "$download" 2>/dev/null; then sandbox=(); else chown root:root "$download"; fi
fi
(cd "$download" && "$here/retry.sh" apt-get download -q "${sandbox[@]}" "${wanted[@]}" >/dev/null)
chown -R root:root "$download" && chmod 0755 "$download"
"$here/verify-debs.sh" "$download" <(printf '%s' "$expected") \
  || { echo "image-base: refusing to unpack $download: not exactly the .deb files apt named, at their index's SHA-256" >&2; exit 1; }
mv "$download" "$out/debs"
base_digest

rootfs="$out/rootfs"
mkdir -p "$rootfs/var/lib/dpkg/info"
: > "$rootfs/var/lib/dpkg/status"
for deb in "$out"/debs/*.deb; do
  dpkg-deb -x "$deb" "$rootfs"
  name="$(dpkg-deb -f "$deb" Package)"
  # The package's control fields, as dpkg records an installed package (scanners read this file).
  dpkg-deb -f "$deb" | awk 'NR == 1 { print; print "Status: install ok installed"; next } { print }' >> "$rootfs/var/lib/dpkg/status"
  echo >> "$rootfs/var/lib/dpkg/status"
  dpkg-deb -c "$deb" | awk '{ sub(/^\./, "", $6); if ($6 == "") $6 = "/."; print $6 }' \
    | sed -E 's#/$##; s#^$#/.#' > "$rootfs/var/lib/dpkg/info/$name.list"
done

# The usr-merge links Debian's installer makes (bookworm's packages still ship /bin, /lib paths).
for dir in bin sbin lib lib64; do
  if [[ -d "$rootfs/$dir" && ! -L "$rootfs/$dir" ]]; then
    mkdir -p "$rootfs/usr/$dir"
    cp -a "$rootfs/$dir/." "$rootfs/usr/$dir/"
    rm -rf "${rootfs:?}/$dir"
  fi
  [[ -d "$rootfs/usr/$dir" ]] && ln -sfn "usr/$dir" "$rootfs/$dir"
done

# ca-certificates' postinst (update-ca-certificates): every Mozilla certificate into one bundle, the file
# OpenSSL (and so .NET) reads; /usr/lib/ssl's links are the openssl package's, made here without it.
mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/usr/lib/ssl"
find "$rootfs/usr/share/ca-certificates/mozilla" -name '*.crt' -print0 | sort -z | xargs -0 cat \
  > "$rootfs/etc/ssl/certs/ca-certificates.crt"
ln -sfn /etc/ssl/certs "$rootfs/usr/lib/ssl/certs"
ln -sfn /etc/ssl/certs/ca-certificates.crt "$rootfs/usr/lib/ssl/cert.pem"
[[ -s "$rootfs/etc/ssl/certs/ca-certificates.crt" ]] || { echo "image-base: no CA certificates" >&2; exit 1; }

# Users: root, and the gateway's `app` (UID/GID 1654, the same as the aspnet and runtime-deps images, so the
# chart's podSecurityContext fits either image), with no shell and no password.
mkdir -p "$rootfs/etc" "$rootfs/home/app" "$rootfs/root"
printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' 'app:x:1654:1654:app:/home/app:/usr/sbin/nologin' > "$rootfs/etc/passwd"
printf '%s\n' 'root:x:0:' 'app:x:1654:' > "$rootfs/etc/group"
printf '%s\n' 'hosts: files dns' > "$rootfs/etc/nsswitch.conf"
chown 1654:1654 "$rootfs/home/app"
ln -sfn /usr/share/zoneinfo/Etc/UTC "$rootfs/etc/localtime"
echo "Etc/UTC" > "$rootfs/etc/timezone"

# Where the chart mounts things (read-only root: the mount points must exist in the image).
mkdir -p "$rootfs/tmp" "$rootfs/run" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" \
  "$rootfs/etc/gateway/bundle" "$rootfs/var/lib/gateway" "$rootfs/run/gateway/receipt-keys" "$rootfs/run/gateway/credentials"
chmod 1777 "$rootfs/tmp"
rm -rf "$rootfs/var/run" && ln -s /run "$rootfs/var/run"
# Documentation and manuals: nothing in the image reads them (copyright files stay: the licences).
rm -rf "$rootfs/usr/share/man" "$rootfs/usr/share/info" "$rootfs/usr/share/lintian" "$rootfs/usr/share/locale"
find "$rootfs/usr/share/doc" -type f ! -name copyright -delete 2>/dev/null || true

echo "$key" > "$out/rootfs.key"
echo "image-base: $rootfs ($(du -sh "$rootfs" | cut -f1), ${#packages[@]} Debian packages)"
