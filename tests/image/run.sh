#!/usr/bin/env bash
# Image suite: builds the OCI image (`make image`), checks what `skopeo inspect` shows (labels, a non-root
# numeric user, the entrypoint) and the SBOM, then boots the archive's own root file system as the image
# says (its entrypoint, environment, working directory and user, from the image config) with the root
# read-only and /tmp a tmpfs, the mounts the chart makes (bundle, receipt key, data), and passes /readyz,
# /metrics and the first win (examples/first-win.sh) against it: once with the embedded store, once with
# Redis. Then SIGTERM must stop it cleanly.
#
#   tests/image/run.sh [RESULTS_DIR]     writes RESULTS_DIR/image.count: "image: N passed, M failed"
#   IMAGE_ARCHIVE=path tests/image/run.sh  tests that archive instead of building one
#
# No container engine runs here, so the boot is what one would do, by hand: a private network namespace (the
# image's own ports 8080 and 9464; the demo upstreams and redis-server started inside it from the host), a
# private mount and PID namespace, the root file system bind-mounted read-only, chroot, setuid (what a runtime
# does, less cgroups and seccomp; `podman run` is refused by the project's sandbox, so it is not tried). The
# suite skips, and says why, when the machine cannot build or boot it: not root, no namespaces, not Debian.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

if [[ "${1:-}" == --inside ]]; then
  # Inside the private network, mount and PID namespaces (see boot() below); everything here dies with it.
  exec "$root/tests/image/boot.sh" "${@:2}"
fi

results="$(mkdir -p "${1:-$root/artifacts/test-results}" && cd "${1:-$root/artifacts/test-results}" && pwd)"
work="$(mktemp -d -t gateway-image-test.XXXXXX)"
passed=0
failed=0
skipped=""
finish() {
  if [[ -n "$skipped" ]]; then
    echo "image: 0 passed, 0 failed (skipped: $skipped)" > "$results/image.count"
  else
    echo "image: $passed passed, $failed failed" > "$results/image.count"
  fi
  cat "$results/image.count"
  # The unpacked root file system holds root-owned files; the namespaces' mounts died with them.
  rm -rf "$work"
}
trap finish EXIT
ok() { passed=$((passed + 1)); echo "ok   $*"; }
not_ok() { failed=$((failed + 1)); echo "FAIL $*"; }
skip() { skipped="$*"; echo "image: skipped: $*"; exit 0; }

# What the suite needs, checked before anything is built.
[[ "$(uname -s)/$(uname -m)" == Linux/x86_64 ]] || skip "the image is linux/amd64; this is $(uname -s)/$(uname -m)"
[[ $(id -u) -eq 0 ]] || skip "booting the root file system needs root (chroot, mount namespaces); run as root"
command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 \
  || skip "make image needs a Debian or Ubuntu machine (apt-get, dpkg-deb)"
command -v python3 >/dev/null 2>&1 || skip "python3 is missing (build/install-test-deps.sh installs it)"
unshare --net --mount --pid --fork --propagation private true 2>/dev/null \
  || skip "this machine refuses network, mount and PID namespaces (unshare)"
command -v umoci >/dev/null 2>&1 || skip "umoci is missing (apt-get install umoci; build/install-test-deps.sh installs it)"

# 0. build/verify-debs.sh, which build/image-base.sh runs before it unpacks any .deb as root, against fabricated packages
# and an expected list: the exact set passes; a stray .deb, a swapped one or a folder others can write is refused.
fake_deb() { # NAME: builds $work/fake/NAME_1.0_all.deb, a package holding /etc/NAME-marker
  mkdir -p "$work/fake/$1/DEBIAN" "$work/fake/$1/etc"
  printf 'Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: test <test@example.invalid>\nDescription: test\n' "$1" \
    >"$work/fake/$1/DEBIAN/control"
  echo "$1" >"$work/fake/$1/etc/$1-marker"
  dpkg-deb --root-owner-group --build "$work/fake/$1" "$work/fake/${1}_1.0_all.deb" >/dev/null
}
fake_deb named && fake_deb stray
(cd "$work/fake" && sha256sum named_1.0_all.deb) >"$work/fake/expected"
verify_case() { # WHAT REFUSAL-TEXT (empty: must pass) SETUP-COMMAND
  rm -rf "$work/fake/debs" && mkdir -m 0755 "$work/fake/debs" && cp "$work/fake/named_1.0_all.deb" "$work/fake/debs/"
  eval "$3"
  local status=0
  "$root/build/verify-debs.sh" "$work/fake/debs" "$work/fake/expected" >"$work/fake/verify.log" 2>&1 || status=$?
  if { [[ -z "$2" && $status -eq 0 ]] || { [[ -n "$2" && $status -ne 0 ]] && grep -qF -- "$2" "$work/fake/verify.log"; }; }; then
    ok "build/verify-debs.sh: $1"
  else
    not_ok "build/verify-debs.sh: $1 (exit $status): $(tr '\n' ' ' <"$work/fake/verify.log")"
  fi
}
verify_case "accepts exactly the .deb files apt named, at their index's SHA-256" "" ":"
verify_case "refuses a .deb apt did not name" "stray_1.0_all.deb: not a file apt was asked for" \
  'cp "$work/fake/stray_1.0_all.deb" "$work/fake/debs/"'
verify_case "refuses a .deb whose SHA-256 is not apt's" "named_1.0_all.deb: SHA-256" \
  'cp "$work/fake/stray_1.0_all.deb" "$work/fake/debs/named_1.0_all.deb"'
verify_case "refuses a downloads folder others can write" "writable by others than its owner (mode 777)" \
  'chmod 0777 "$work/fake/debs"'

# 1. make image (or the archive given).
archive="${IMAGE_ARCHIVE:-}"
if [[ -z "$archive" ]]; then
  started=$(date +%s)
  if (cd "$root" && make --no-print-directory image) >"$work/image.log" 2>&1; then
    archive="$(sed -nE 's/^image: wrote (.*\.oci\.tar) .*/\1/p' "$work/image.log" | tail -1)"
    ok "make image wrote $archive in $(( $(date +%s) - started )) s: $(grep '^image: wrote' "$work/image.log" | sed 's/^image: wrote [^ ]* //')"
  else
    not_ok "make image:"
    tail -40 "$work/image.log"
    exit 1
  fi
fi
[[ -f "$archive" ]] || { not_ok "no OCI archive at '$archive'"; exit 1; }

# The base build itself with a stand-in apt-get first on PATH: its `download` records the folder it is to write into,
# puts the packages there (those make image just fetched, else apt-get's), then adds a .deb apt never named or swaps
# one. The folder must be fresh and writable by root and apt's sandbox user only; the build must refuse to unpack.
mkdir -p "$work/apt-bin"
real_apt_get="$(command -v apt-get)"
cat >"$work/apt-bin/apt-get" <<STANDIN
#!/usr/bin/env bash
[[ "\${1:-}" == download ]] || exec "$real_apt_get" "\$@"
stat -c '%a %U' . >>"$work/apt-download-folders"
skip=""
for spec in "\${@:2}"; do
  [[ -n "\$skip" ]] && { skip=""; continue; }
  [[ "\$spec" == -o ]] && { skip=1; continue; }
  [[ "\$spec" == -* ]] && continue
  cached=("$root/artifacts/image/base/debs/\${spec%%=*}"_*.deb)
  if [[ -f "\${cached[0]}" ]]; then cp "\${cached[0]}" .; else "$real_apt_get" download -q "\$spec" || exit 1; fi
done
case "\$TAMPER" in
  stray) cp "$work/fake/stray_1.0_all.deb" . ;;
  swap) victims=(libc6_*.deb); cp "$work/fake/stray_1.0_all.deb" "\${victims[0]}" ;;
esac
STANDIN
chmod +x "$work/apt-bin/apt-get"
for tamper in stray swap; do
  what="a .deb apt did not name"; [[ $tamper == swap ]] && what="a .deb whose SHA-256 is not apt's"
  status=0
  PATH="$work/apt-bin:$PATH" TAMPER=$tamper "$root/build/image-base.sh" "$work/base-$tamper" >"$work/base-$tamper.log" 2>&1 || status=$?
  unpacked=""; [[ -e "$work/base-$tamper/rootfs/etc/stray-marker" ]] && unpacked=", and unpacked it into the root file system"
  if [[ $status -ne 0 && -z "$unpacked" ]] && grep -q '^verify-debs: ' "$work/base-$tamper.log"; then
    ok "build/image-base.sh refuses to unpack a download holding $what"
  else
    not_ok "build/image-base.sh with $what in its download: exit $status$unpacked; $(grep -v '^ *$' "$work/base-$tamper.log" | tail -2 | tr '\n' ' ')"
  fi
done
folders="$(sort -u "$work/apt-download-folders" 2>/dev/null | paste -sd ' ' - || true)"
if [[ -n "$folders" ]] && ! grep -qvE '^[0-7]?[0-7][0145][0145] (root|_apt)$' "$work/apt-download-folders"; then
  ok "build/image-base.sh downloads into a folder only root and apt's sandbox user can write (mode and owner: $folders)"
else
  not_ok "build/image-base.sh's download folder (mode and owner): '${folders:-apt-get download never called}'; others can write it"
fi

# 2. What a registry and Kubernetes see: the image config (skopeo inspect when present, else the layout itself).
mkdir -p "$work/layout"
tar -xf "$archive" -C "$work/layout"
python3 - "$work/layout" > "$work/config.json" <<'EOF'
import json, os, sys
layout = sys.argv[1]
def blob(digest):
    algorithm, value = digest.split(":")
    with open(os.path.join(layout, "blobs", algorithm, value), encoding="utf-8") as f:
        return json.load(f)
index = json.load(open(os.path.join(layout, "index.json"), encoding="utf-8"))
manifest = blob(index["manifests"][0]["digest"])
json.dump({"config": blob(manifest["config"]["digest"]), "annotations": manifest.get("annotations", {}),
           "tag": index["manifests"][0].get("annotations", {}).get("org.opencontainers.image.ref.name", "")}, sys.stdout)
EOF
cfg() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$work/config.json" "$1"; }
if [[ -z "${IMAGE_ARCHIVE:-}" ]]; then
  # The digests make image printed (issue #68): the base's is that of the .deb files it was made from, the manifest's the archive's.
  printed_base="$(sed -nE 's/^image: base (sha256:[0-9a-f]{64}) .*/\1/p' "$work/image.log" | tail -1)"
  base_list="$root/artifacts/image/base/debs.sha256"
  printed_manifest="$(sed -nE 's/^image: manifest (sha256:[0-9a-f]{64})$/\1/p' "$work/image.log" | tail -1)"
  archive_manifest="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$work/layout/index.json")"
  if [[ -n "$printed_base" && -f "$base_list" && "$printed_base" == "sha256:$(sha256sum "$base_list" | cut -d' ' -f1)" ]] \
    && (cd "$root/artifacts/image/base/debs" && sha256sum --quiet -c "$base_list") && [[ "$printed_manifest" == "$archive_manifest" ]]; then
    ok "make image printed the base's digest ($printed_base, its .deb files verify) and the manifest's ($printed_manifest)"
  else
    not_ok "make image's digests: base '$printed_base', manifest '$printed_manifest' (the archive's: $archive_manifest)"
  fi
fi
if command -v skopeo >/dev/null 2>&1; then
  if skopeo inspect "oci-archive:$archive" > "$work/skopeo.json" 2>"$work/skopeo.err" \
    && python3 - "$work/skopeo.json" <<'EOF'
import json, sys
labels = json.load(open(sys.argv[1]))["Labels"]
for name in ("version", "revision", "licenses"):
    assert labels.get(f"org.opencontainers.image.{name}"), name
EOF
  then
    ok "skopeo inspect oci-archive: shows the version, revision and licence labels"
  else
    not_ok "skopeo inspect oci-archive:$archive:"; cat "$work/skopeo.err" "$work/skopeo.json" 2>/dev/null | head -20
  fi
else
  echo "note: skopeo is not installed; the labels are read from the archive's layout instead"
  if [[ -n "$(cfg 'd["config"]["config"]["Labels"].get("org.opencontainers.image.revision", "")')" ]]; then
    ok "the image config carries the version, revision and licence labels"
  else
    not_ok "the image config's labels: $(cfg 'd["config"]["config"].get("Labels")')"
  fi
fi
user="$(cfg 'd["config"]["config"].get("User", "")')"
uid="${user%%:*}" gid="${user#*:}"
[[ "$gid" != "$user" ]] || gid="$uid"
if [[ "$uid" =~ ^[0-9]+$ && "$uid" != 0 && "$gid" =~ ^[0-9]+$ ]]; then
  ok "the image runs as the numeric non-root user $user (runAsNonRoot can verify it)"
else
  not_ok "the image's user is '$user': Kubernetes' runAsNonRoot needs a numeric non-zero UID"
fi
chart_uid="$(sed -nE 's/^  runAsUser: ([0-9]+).*/\1/p' "$root/charts/gateway/values.yaml" | head -1)"
if [[ "$chart_uid" == "$uid" ]]; then
  ok "the chart's podSecurityContext.runAsUser ($chart_uid) is the image's user"
else
  not_ok "the chart runs as UID $chart_uid, the image as $uid"
fi
chart_repository="$(sed -nE 's/^  repository: *"?([^" ]*)"?.*/\1/p' "$root/charts/gateway/values.yaml" | head -1)"
chart_version="$(sed -nE 's/^appVersion: *"?([^"]*)"?$/\1/p' "$root/charts/gateway/Chart.yaml")"
archive_tag="$(cfg 'd["tag"]')"
label_version="$(cfg 'd["config"]["config"]["Labels"].get("org.opencontainers.image.version", "")')"
# No image is published, so the chart names no repository (it refuses to render until one is set); its default tag is
# the chart's appVersion, which must be the tag make image gives the archive.
if [[ -z "$chart_repository" && "$chart_version" == "$archive_tag" && "$label_version" == "$archive_tag" ]]; then
  ok "the chart's default image tag ($chart_version, its appVersion) is what make image built (tag $archive_tag); it names no repository"
else
  not_ok "the chart's default image '$chart_repository':$chart_version (no repository expected); the archive: gateway:$archive_tag, version label $label_version"
fi
# The Dockerfile (for machines that can pull Microsoft's images) must give the same layout: its runtime stage's
# USER, ENTRYPOINT, WORKDIR, EXPOSE and ENV against this image's config (PATH comes from each base).
if python3 "$root/build/dockerfile-runtime.py" "$root/Dockerfile" > "$work/dockerfile.json" \
  && python3 - "$work/dockerfile.json" "$work/config.json" > "$work/dockerfile.diff" <<'EOF'
import json, sys
stage = json.load(open(sys.argv[1]))
image = json.load(open(sys.argv[2]))["config"]["config"]
wanted = {"User": stage["User"], "Entrypoint": stage["Entrypoint"], "WorkingDir": stage["WorkingDir"],
          "ExposedPorts": set(stage["ExposedPorts"]), "Env": set(stage["Env"])}
have = {"User": image.get("User"), "Entrypoint": image.get("Entrypoint"), "WorkingDir": image.get("WorkingDir"),
        "ExposedPorts": set(image.get("ExposedPorts", {})), "Env": {e for e in image.get("Env", []) if not e.startswith("PATH=")}}
diff = [f"{k}: Dockerfile {wanted[k]!r}, make image {have[k]!r}" for k in wanted if wanted[k] != have[k]]
print("; ".join(diff))
sys.exit(1 if diff else 0)
EOF
then
  ok "the Dockerfile's runtime stage has the same user, entrypoint, working directory, ports and environment"
else
  not_ok "the Dockerfile and make image differ: $(cat "$work/dockerfile.diff")"
fi
sbom="${archive%.oci.tar}.cdx.json"
if [[ -f "$sbom" ]] && python3 - "$sbom" <<'EOF'
import json, sys
purls = {c.get("purl", "").split("@")[0] for c in json.load(open(sys.argv[1]))["components"]}
for expected in ("pkg:nuget/Yarp.ReverseProxy", "pkg:nuget/StackExchange.Redis", "pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64",
                 "pkg:deb/debian/libc6", "pkg:deb/debian/libssl3", "pkg:deb/debian/ca-certificates"):
    assert any(p == expected or p.startswith(expected) for p in purls), expected
EOF
then
  ok "the SBOM beside the archive lists the gateway's NuGet packages and the image's Debian packages"
else
  not_ok "the SBOM $sbom (missing, or without the gateway's NuGet or Debian packages)"
fi

# 3. The root file system, unpacked as the runtime would (umoci applies the layers in order, owners kept).
tag="$(cfg 'd["tag"]')"
if umoci unpack --image "$work/layout:$tag" "$work/bundle" >"$work/unpack.log" 2>&1; then
  ok "umoci unpacks the archive's root file system ($(du -sm "$work/bundle/rootfs" | cut -f1) MiB)"
else
  not_ok "umoci unpack:"; cat "$work/unpack.log"; exit 1
fi

# TLS to upstreams: OpenSSL's default bundle (/usr/lib/ssl/cert.pem, what .NET reads) resolves inside the image
# to the Mozilla roots; the native libraries the runtime links are all there (ld.so --list, inside the root;
# libssl itself is loaded at run time, which the first win below exercises: its HMACs and hashes go through it).
bundle_file="$work/bundle/rootfs/etc/ssl/certs/ca-certificates.crt"
link="$(readlink "$work/bundle/rootfs/usr/lib/ssl/cert.pem" || true)"
roots="$(grep -c "BEGIN CERTIFICATE" "$bundle_file" 2>/dev/null || true)"
if [[ "$link" == /etc/ssl/certs/ca-certificates.crt && ${roots:-0} -gt 100 ]]; then
  ok "the image trusts the Mozilla roots ($roots certificates at OpenSSL's default path)"
else
  not_ok "the CA bundle: /usr/lib/ssl/cert.pem -> '$link', $roots certificates"
fi
missing="$(for f in "$work"/bundle/rootfs/app/*.so "$work/bundle/rootfs/app/gateway"; do
  chroot "$work/bundle/rootfs" /usr/lib64/ld-linux-x86-64.so.2 --list "/app/${f##*/}" 2>&1 | grep "not found"
done | grep -v liblttng || true)"
if [[ -z "$missing" ]]; then
  ok "every native library of the runtime finds its dependencies inside the image"
else
  not_ok "native libraries missing in the image: $(sort -u <<<"$missing" | tr '\n' ' ')"
fi

# The host side of the first win: the demo upstreams and gatewayctl (built by make build; built here otherwise).
for project in examples/DemoUpstreams/DemoUpstreams.csproj cli/Gateway.Cli/Gateway.Cli.csproj; do
  name="$(basename "$project" .csproj)"; dll=demo-upstreams.dll
  [[ "$name" == Gateway.Cli ]] && dll=gatewayctl.dll
  [[ -f "$root/artifacts/bin/$name/release/$dll" ]] || (cd "$root" && dotnet build "$project" -c Release -nologo -v:q >/dev/null)
done

# 4. The boots: tests/image/boot.sh inside fresh namespaces, once per store. It prints ok/FAIL lines.
python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["config"]["config"]
print("\0".join(c.get("Env", [])), end="")' "$work/config.json" > "$work/env"
python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["config"]["config"]
print("\0".join((c.get("Entrypoint") or []) + (c.get("Cmd") or [])), end="")' "$work/config.json" > "$work/argv"
cfg 'd["config"]["config"].get("WorkingDir") or "/"' > "$work/workdir"
echo "$uid:$gid" > "$work/user"
for store in memory redis; do
  unshare --net --mount --pid --fork --propagation private --kill-child \
    "$0" --inside "$work" "$store" 2>&1 | tee "$work/boot-$store.log" | sed "s/^/   [$store] /" || true
  passed=$((passed + $(grep -c '^ok ' "$work/boot-$store.log" || true)))
  failed=$((failed + $(grep -c '^FAIL ' "$work/boot-$store.log" || true)))
  grep -q '^done$' "$work/boot-$store.log" || not_ok "the $store boot stopped before its end"
done

[[ $failed -eq 0 ]]
