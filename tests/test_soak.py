"""The soak's short mode (`python bench/soak.py --short`, about 90 s): 16 clients of mixed
traffic while a worker is SIGKILLed, Valkey restarts and PostgreSQL restarts; its audit
must pass, and its report must show each fault really happened and was felt."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _keep_logs(data_dir: Path, logs: Path) -> None:
    """The services' logs of a soak, kept in `logs` (small); its data dir (a database) goes."""
    logs.mkdir()
    for log in data_dir.glob("*.log"):
        shutil.copy(log, logs / log.name)
    shutil.rmtree(data_dir, ignore_errors=True)


def _mentioning(logs: Path, ids: list[int], limit: int = 20) -> str:
    """Log lines naming these rows (a stuck post's job, its errors), for the failure report."""
    lines = [
        f"{log.name}: {line[:400]}"
        for log in sorted(logs.glob("*.log"))
        for line in log.read_text(errors="replace").splitlines()
        if any(str(i) in line for i in ids)
    ]
    return "\n".join(lines[:limit])


@pytest.mark.timeout(600)
def test_short_soak_with_three_faults_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    data_dir = tmp_path / "soak"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAPFEED_")}
    command = [sys.executable, "bench/soak.py", "--short", "--json", str(out)]
    command += ["--data-dir", str(data_dir), "--keep"]
    try:
        run = subprocess.run(
            command,
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=540,
        )
    finally:
        # A failed soak's logs stay in this test's tmp_path (pytest keeps the last few).
        _keep_logs(data_dir, tmp_path / "logs")
    report = run.stdout[-6000:] + run.stderr[-4000:]
    assert out.exists(), report
    results = json.loads(out.read_text())
    failed = [goal["goal"] for goal in results["goals"] if not goal["passed"]]
    if failed:
        stuck = results["audit"]["stuck_posts"]
        report += f"\nlogs: {tmp_path / 'logs'}\n" + _mentioning(tmp_path / "logs", stuck)
    assert failed == [], report
    assert run.returncode == 0, report
    audit = results["audit"]

    faults = {f["kind"]: f for f in results["faults"]}
    assert set(faults) == {"worker SIGKILL", "Valkey restart", "PostgreSQL restart"}
    assert "killed worker" in faults["worker SIGKILL"]["note"]
    for kind in ("Valkey restart", "PostgreSQL restart"):
        assert faults[kind]["back"] > faults[kind]["down"] > 0
    # Clients felt each dependency go: requests sent while it was down failed.
    phases = {p["phase"]: p for p in results["phases"]}
    for kind in ("Valkey restart", "PostgreSQL restart"):
        assert phases[f"during {kind}"]["server_errors"] > 0, phases
        assert phases[f"after {kind}"]["ok"] > 0, phases
    # The audit looked at real work: posts through the signed URL, feeds, counters, sockets.
    assert audit["posts_acknowledged"] > 0 and audit["post_states"].get("published", 0) > 0
    assert audit["feeds_checked"] >= 20 and audit["feed_ids_compared"] > 0
    assert set(audit["wrong_counters"]) >= {"users.follower_count", "post likes"}
    assert results["kinds"]["like"]["ok"] > 0 and results["kinds"]["comment"]["ok"] > 0
    assert results["kinds"]["feed.ranked"]["ok"] > 0
    assert results["live"]["subscribers"] > 0 and results["live"]["updates_received"] > 0
