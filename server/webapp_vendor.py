"""Re-vendor the web app's npm packages: `python -m server.webapp_vendor` (needs npm).

Each pinned package is fetched with `npm pack`, its tarball checked against the registry's
integrity, and the listed files copied to server/webapp/vendor/<name>@<version>/. The files'
SHA-384 hashes go to vendor/packages.json and to the `modulepreload` links of index.html
(between the `vendor:begin` and `vendor:end` markers), which the browser checks on load;
tests/test_web_app.py checks that the committed bytes still match them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from server.web_app import WEBAPP_DIR

VENDOR_DIR = WEBAPP_DIR / "vendor"
MANIFEST = VENDOR_DIR / "packages.json"
INDEX = WEBAPP_DIR / "index.html"
_PRELOAD_BLOCK = re.compile(r"(<!-- vendor:begin -->\n)(.*?)([ \t]*<!-- vendor:end -->)", re.S)


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    files: tuple[str, ...]  # paths inside the package
    modules: tuple[str, ...]  # of those, the ES modules the page preloads


PACKAGES = (
    Package(
        "graphql-ws",
        "6.4.2",
        files=("dist/client.js", "dist/common-CGW11Fyb.js", "LICENSE.md"),
        modules=("dist/client.js", "dist/common-CGW11Fyb.js"),
    ),
    Package(
        "blurhash",
        "2.0.5",
        files=("dist/esm/index.js", "dist/esm/index.js.map", "package.json"),
        modules=("dist/esm/index.js",),
    ),
)


def sri(data: bytes) -> str:
    """A Subresource Integrity value (sha384)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def preload_links(manifest: dict[str, dict[str, object]]) -> str:
    lines = []
    for name, entry in manifest.items():
        files = entry["files"]
        modules = entry["modules"]
        assert isinstance(files, dict) and isinstance(modules, list)
        for path in modules:
            href = f"vendor/{name}@{entry['version']}/{path}"
            lines.append(f'    <link rel="modulepreload" href="{href}" integrity="{files[path]}">')
    return "\n".join(lines)


def with_preloads(index_html: str, manifest: dict[str, dict[str, object]]) -> str:
    replaced, count = _PRELOAD_BLOCK.subn(
        lambda m: m.group(1) + preload_links(manifest) + "\n" + m.group(3), index_html
    )
    if count != 1:
        raise ValueError("index.html needs one <!-- vendor:begin --> ... <!-- vendor:end --> block")
    return replaced


def _npm(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["npm", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def vendor(package: Package, work: Path) -> dict[str, object]:
    spec = f"{package.name}@{package.version}"
    expected = _npm("view", spec, "dist.integrity", cwd=work)
    tarball = work / _npm("pack", spec, "--silent", cwd=work).splitlines()[-1]
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if digest != expected:
        raise SystemExit(f"{spec}: tarball {digest} is not the registry's {expected}")
    target = VENDOR_DIR / spec
    shutil.rmtree(target, ignore_errors=True)
    hashes = {}
    with tarfile.open(tarball) as archive:
        for path in package.files:
            member = archive.extractfile(f"package/{path}")
            if member is None:
                raise SystemExit(f"{spec}: no {path}")
            data = member.read()
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            (target / path).write_bytes(data)
            hashes[path] = sri(data)
    return {
        "version": package.version,
        "tarball": digest,
        "files": hashes,
        "modules": list(package.modules),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        manifest = {p.name: vendor(p, Path(work)) for p in PACKAGES}
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    INDEX.write_text(with_preloads(INDEX.read_text(), manifest))
    print(f"vendored {', '.join(f'{p.name}@{p.version}' for p in PACKAGES)}")


if __name__ == "__main__":
    main()
