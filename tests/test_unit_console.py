"""What a person reads at a terminal: the log format chosen, the text lines, the banner."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from server import logs
from server.console import banner


@pytest.mark.parametrize(
    ("setting", "command", "tty", "expected"),
    [
        (None, "dev", True, "text"),
        (None, "dev", False, "json"),
        (None, "serve", True, "json"),
        (None, "worker", True, "json"),
        ("json", "dev", True, "json"),
        ("text", "serve", False, "text"),
        ("text", "dev", False, "text"),
    ],
)
def test_log_format(setting: str | None, command: str, tty: bool, expected: str) -> None:
    assert logs.format_for(setting, command=command, stderr_is_tty=tty) == expected


@pytest.mark.parametrize("setting", ["JSON", "pretty", ""])
def test_an_unknown_log_format_is_refused(setting: str) -> None:
    with pytest.raises(ValueError, match="SNAPFEED_LOG_FORMAT"):
        logs.format_for(setting, command="serve", stderr_is_tty=False)


@pytest.mark.parametrize(
    ("logger", "component"),
    [
        ("snapfeed.cli", "cli"),
        ("snapfeed.workers.fanout", "workers.fanout"),
        ("uvicorn.error", "api"),
        ("uvicorn.access", "http"),
        ("arq.worker", "worker"),
        ("httpx", "httpx"),
    ],
)
def test_component_names(logger: str, component: str) -> None:
    assert logs.component(logger) == component


def _record(
    level: int, msg: str, args: tuple[object, ...] = (), name: str = "snapfeed.cli"
) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_text_lines_are_short_and_plain_unless_coloured() -> None:
    record = _record(logging.WARNING, "applied %d migration(s)", (3,))
    record.request_id = "abc123"
    plain = logs.TextFormatter(colour=False).format(record)
    assert plain.endswith(" WARNING cli [abc123]: applied 3 migration(s)")
    assert "\x1b" not in plain and not plain.startswith("{")
    coloured = logs.TextFormatter(colour=True).format(record)
    assert "\x1b[33m" in coloured and coloured.endswith("applied 3 migration(s)")


@pytest.fixture
def root_logging() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    yield out
    root.handlers[:], level = saved
    root.setLevel(level)
    logs.configure("INFO", "json")  # restores the quiet loggers' levels too


@pytest.mark.parametrize(
    ("level", "quiet", "cron_shown", "httpx_shown"),
    [
        ("INFO", False, False, True),
        ("INFO", True, False, False),
        ("DEBUG", False, True, True),
    ],
)
def test_cron_ticks_and_quiet_loggers(
    root_logging: io.StringIO, level: str, quiet: bool, cron_shown: bool, httpx_shown: bool
) -> None:
    logs.configure(level, "text", stream=root_logging, quiet=quiet)
    arq = logging.getLogger("arq.worker")
    arq.info("%6.2fs → %s()%s", 0.5, "cron:refresh_explore", "")
    logging.getLogger("httpx").info("HTTP Request: POST /graphql")
    logging.getLogger("snapfeed.cli").info("kept")
    text = root_logging.getvalue()
    assert ("cron:refresh_explore" in text) is cron_shown
    if cron_shown:
        assert "DEBUG worker: " in text
    assert ("HTTP Request" in text) is httpx_shown
    assert "kept" in text


def test_banner_names_every_way_in(tmp_path: Path) -> None:
    text = banner(
        "http://127.0.0.1:8000",
        data_dir=tmp_path,
        demo_sign_in=("demo", "snapfeed-demo"),
        web_app=True,
    )
    lines = [line.split() for line in text.strip().splitlines() if line.strip()]
    assert lines == [
        ["Snapfeed", "is", "ready."],
        ["Web", "app", "http://127.0.0.1:8000/"],
        ["GraphiQL", "http://127.0.0.1:8000/graphql"],
        ["Sign", "in", "demo", "/", "snapfeed-demo"],
        ["Data", str(tmp_path.resolve())],
        ["Stop", "Ctrl-C"],
    ]


def test_banner_without_web_app_or_demo(tmp_path: Path) -> None:
    text = banner("http://h:1", data_dir=tmp_path, demo_sign_in=None, web_app=False)
    assert (
        "Web app" not in text and "Sign in" not in text and "GraphiQL  http://h:1/graphql" in text
    )
