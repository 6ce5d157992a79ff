"""`snapfeed dev` as a new user sees it: in a terminal (a pseudo-terminal here), on a new data
dir, so the demo data is seeded too. The screen stays calm (a few dozen lines at most, no
JSON), and once everything is up the banner is the last thing on it."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import processes

# Lines a person may be shown in the first minute, banner included.
MAX_LINES = 40
# Read on for this long after the banner: nothing may follow it.
GRACE_SECONDS = 4
# Only an upper bound for a busy machine (the seeding hashes a dozen passwords).
STARTUP_LIMIT_SECONDS = 240
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _screen_lines(raw: bytes) -> list[str]:
    """Rows as a terminal leaves them: colours dropped, a row redrawn after `\\r` keeps its
    last drawing (the progress bars)."""
    text = _ANSI.sub("", raw.decode("utf-8", "replace")).replace("\r\n", "\n")
    return [row.split("\r")[-1] for row in text.split("\n")]


def _read(master: int, until: float, output: bytearray) -> bool:
    """Read what the process prints until `until` (monotonic); False once it closed."""
    while (left := until - time.monotonic()) > 0:
        ready, _, _ = select.select([master], [], [], min(left, 0.5))
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other side closed
                return False
            if not chunk:
                return False
            output += chunk
    return True


@pytest.mark.timeout(STARTUP_LIMIT_SECONDS + 90)
def test_dev_in_a_terminal_is_calm_and_ends_with_the_banner(tmp_path: Path) -> None:
    port = processes.free_port()
    data_dir = (tmp_path / "data").resolve()
    master, slave = os.openpty()
    env = {**processes.cli_env(), "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server.cli",
            "dev",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    output = bytearray()
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
        while b"Ctrl-C" not in output:
            assert time.monotonic() < deadline, f"no banner:\n{output.decode(errors='replace')}"
            assert _read(master, time.monotonic() + 0.5, output), output.decode(errors="replace")
        at_banner = len(output)
        _read(master, time.monotonic() + GRACE_SECONDS, output)
        after_banner = bytes(output[at_banner:])
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
            os.close(master)

    lines = _screen_lines(bytes(output))
    shown = "\n".join(lines)
    assert _ANSI.sub("", after_banner.decode(errors="replace")).strip() == "", shown
    assert len(lines) < MAX_LINES, shown
    assert not [line for line in lines if line.lstrip().startswith("{")], shown
    words = [line.split() for line in lines if line.strip()]
    assert words[-6:] == [
        ["Snapfeed", "is", "ready."],
        ["Web", "app", f"http://127.0.0.1:{port}/"],
        ["GraphiQL", f"http://127.0.0.1:{port}/graphql"],
        ["Sign", "in", "demo", "/", "snapfeed-demo"],
        ["Data", str(data_dir)],
        ["Stop", "Ctrl-C"],
    ], shown
    # The seeding's progress bars each end drawn in full, on a line of their own.
    for label in ("users", "follows", "posts"):
        [bar] = [line for line in lines if line.strip().startswith(label)]
        done, total = bar.split()[-1].split("/")
        assert done == total and "." not in bar.split("[")[1].split("]")[0], shown
    assert proc.returncode == 0, shown
