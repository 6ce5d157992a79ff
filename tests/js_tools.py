"""Node packages the tests drive (tests/js/package.json), installed on first use.

`npm ci` installs exactly the locked versions into tests/js/node_modules (ignored by git;
npm's own cache makes a re-install quick). Tests that need them skip, saying so, only where
node or npm is missing; .ci/run installs both.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"
NODE = shutil.which("node")
NPM = shutil.which("npm")
_STAMP = JS_DIR / "node_modules" / ".snapfeed-lock-sha256"


def _lock_digest() -> str:
    return hashlib.sha256((JS_DIR / "package-lock.json").read_bytes()).hexdigest()


def node_packages() -> Path:
    """tests/js/node_modules, installed from the lock file unless already there."""
    if NODE is None or NPM is None:
        pytest.skip("needs node and npm (Debian's nodejs and npm; .ci/run installs them)")
    digest = _lock_digest()
    if not (_STAMP.exists() and _STAMP.read_text() == digest):
        done = subprocess.run(
            [NPM, "ci", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
        _STAMP.write_text(digest)
    return JS_DIR / "node_modules"
