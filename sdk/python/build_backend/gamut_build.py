"""A PEP 517 build backend of the standard library only, for this one pure-Python package: it writes the
wheel (src/gamut_agent + dist-info) and the sdist itself, so installing needs no build tools from an index."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME, DIST, VERSION = "gamut-agent", "gamut_agent", "0.1.0"
TAG = "py3-none-any"


def _metadata() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8") if (ROOT / "README.md").exists() else ""
    return (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n"
            "Summary: Agent SDK for the Gamut gateway (standard library only).\n"
            "License: Apache-2.0\nRequires-Python: >=3.10\nProvides-Extra: httpx\nRequires-Dist: httpx; extra == \"httpx\"\n"
            f"Description-Content-Type: text/markdown\n\n{readme}")


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _files() -> list[tuple[str, bytes]]:
    package = ROOT / "src" / DIST
    return [(f"{DIST}/{p.relative_to(package).as_posix()}", p.read_bytes())
            for p in sorted(package.rglob("*.py"))]


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    info = f"{DIST}-{VERSION}.dist-info"
    entries = _files() + [
        (f"{info}/METADATA", _metadata().encode()),
        (f"{info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: gamut_build\nRoot-Is-Purelib: true\nTag: {TAG}\n".encode()),
        (f"{info}/top_level.txt", f"{DIST}\n".encode()),
    ]
    record = "".join(f"{name},{_digest(data)},{len(data)}\n" for name, data in entries) + f"{info}/RECORD,,\n"
    filename = f"{DIST}-{VERSION}-{TAG}.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in entries:
            wheel.writestr(name, data)
        wheel.writestr(f"{info}/RECORD", record)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    base = f"{DIST}-{VERSION}"
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as sdist:
        for path in ["pyproject.toml", "README.md", "build_backend/gamut_build.py",
                     *[f"src/{name}" for name, _ in _files()]]:
            if (ROOT / path).exists():
                sdist.add(ROOT / path, arcname=f"{base}/{path}")
        pkg_info = _metadata().encode()
        entry = tarfile.TarInfo(f"{base}/PKG-INFO")
        entry.size = len(pkg_info)
        sdist.addfile(entry, io.BytesIO(pkg_info))
    return filename
