#!/usr/bin/env python3
"""The image's SBOM, CycloneDX 1.5 JSON, from what the image holds (no tool downloaded):
  - the Debian packages: the root file system's /var/lib/dpkg/status (build/image-base.sh writes it)
  - the NuGet packages and the gateway's own assemblies: the publish's gateway.deps.json

  build/image-sbom.py ROOTFS DEPS_JSON NAME VERSION REVISION > gateway-VERSION.cdx.json
"""
import base64
import json
import os
import sys
import uuid
from datetime import datetime, timezone
from urllib.parse import quote


def dpkg_packages(rootfs):
    """Each stanza of the dpkg status file, as a dict of its fields."""
    with open(os.path.join(rootfs, "var/lib/dpkg/status"), encoding="utf-8") as status:
        stanza = {}
        field = None
        for line in status:
            line = line.rstrip("\n")
            if not line:
                if stanza:
                    yield stanza
                stanza, field = {}, None
            elif line[0] in " \t" and field:
                stanza[field] += "\n" + line.strip()
            else:
                field, _, value = line.partition(":")
                stanza[field] = value.strip()
        if stanza:
            yield stanza


def os_release(rootfs):
    values = {}
    path = os.path.join(rootfs, "usr/lib/os-release")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as release:
            for line in release:
                key, _, value = line.strip().partition("=")
                values[key] = value.strip('"')
    return values


def debian_component(package, distro):
    name, version, arch = package["Package"], package["Version"], package.get("Architecture", "all")
    purl = f"pkg:deb/debian/{name}@{quote(version, safe='')}?arch={arch}"
    if distro:
        purl += f"&distro={distro}"
    component = {
        "type": "library" if name.startswith("lib") else "application",
        "bom-ref": purl,
        "name": name,
        "version": version,
        "purl": purl,
        "supplier": {"name": package.get("Maintainer", "Debian")},
        "properties": [{"name": "debian:source", "value": package.get("Source", name).split(" ")[0]}],
    }
    if package.get("Description"):
        component["description"] = package["Description"].split("\n")[0]
    return component


def nuget_components(deps_path):
    """Every library in the publish: NuGet packages (type package) and the gateway's own projects."""
    with open(deps_path, encoding="utf-8") as deps_file:
        deps = json.load(deps_file)
    for key, library in sorted(deps.get("libraries", {}).items()):
        name, _, version = key.partition("/")
        if library.get("type") == "package":
            purl = f"pkg:nuget/{name}@{version}"
            component = {"type": "library", "bom-ref": purl, "name": name, "version": version, "purl": purl}
            algorithm, _, value = library.get("sha512", "").partition("-")
            if algorithm == "sha512" and value:
                component["hashes"] = [{"alg": "SHA-512", "content": base64.b64decode(value).hex()}]
            yield component
        elif library.get("type") == "runtimepack":
            # The .NET runtime itself: deps.json names the pack "runtimepack.<package id>".
            name = name.removeprefix("runtimepack.")
            purl = f"pkg:nuget/{name}@{version}"
            yield {"type": "framework", "bom-ref": purl, "name": name, "version": version, "purl": purl}
        elif library.get("type") == "project":
            yield {"type": "library", "bom-ref": f"project:{name}@{version}", "name": name, "version": version,
                   "properties": [{"name": "gateway:project", "value": "built from this repository"}]}


def main():
    rootfs, deps_path, name, version, revision = sys.argv[1:6]
    release = os_release(rootfs)
    distro = f"{release.get('ID', 'debian')}-{release['VERSION_ID']}" if release.get("VERSION_ID") else ""
    components = [debian_component(p, distro) for p in sorted(dpkg_packages(rootfs), key=lambda p: p["Package"])]
    components += list(nuget_components(deps_path))
    created = os.environ.get("SOURCE_DATE_EPOCH")
    timestamp = datetime.fromtimestamp(int(created), timezone.utc) if created else datetime.now(timezone.utc)
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'gateway-image/{version}/{revision}')}",
        "version": 1,
        "metadata": {
            "timestamp": timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": {"components": [{"type": "application", "name": "build/image-sbom.py"}]},
            "component": {
                "type": "container",
                "bom-ref": f"{name}:{version}",
                "name": name,
                "version": version,
                "properties": [{"name": "org.opencontainers.image.revision", "value": revision},
                               {"name": "os", "value": release.get("PRETTY_NAME", "")}],
            },
        },
        "components": components,
    }
    json.dump(bom, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
