"""The README's configuration table and docker-compose.yml stay in step with Settings."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import yaml

from storage.settings import PREFIX, Settings

ROOT = Path(__file__).resolve().parent.parent


def _setting_names() -> set[str]:
    return {PREFIX + f.name.upper() for f in fields(Settings)}


def test_readme_documents_every_setting_and_no_other() -> None:
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `(SNAPFEED_[A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    assert table == _setting_names()


def test_compose_sets_only_known_settings() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    shared = compose["x-snapfeed-env"]
    assert set(shared) <= _setting_names()
    assert {"SNAPFEED_DATABASE_URL", "SNAPFEED_REDIS_URL"} <= set(shared)
    for name in ("api", "worker", "migrate"):
        assert compose["services"][name]["environment"] == shared
    # With compose's `${VAR:-default}` interpolated to the defaults, every value parses.
    defaults = {k: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(v)) for k, v in shared.items()}
    Settings.from_env(defaults)


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    command = (
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest"
    )
    assert command in readme
    assert command in (ROOT / ".ci" / "run").read_text()
