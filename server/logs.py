"""Log set-up: one JSON object per line (or concise text for a person), with the request id."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

from server import request_id

FORMATS = ("json", "text")

# Routine lines of third-party loggers, demoted to DEBUG everywhere: arq logs every job's
# start and end at INFO, which for the cron jobs is a dozen lines a minute saying nothing.
_CRON_REF_PREFIX = "cron:"

# What `snapfeed dev` hides from a person unless --verbose: one line per request, per
# seeding request, per job, and uvicorn's start-up narration (the banner says it all).
DEV_QUIET_LEVELS = {
    "uvicorn.access": logging.WARNING,
    "uvicorn.error": logging.WARNING,
    "httpx": logging.WARNING,
    "arq.worker": logging.WARNING,
    "arq.connections": logging.WARNING,
}

_COMPONENTS = {"uvicorn.error": "api", "uvicorn.access": "http", "arq.worker": "worker"}
_COLOURS = {
    logging.DEBUG: "\x1b[2m",
    logging.INFO: "\x1b[36m",
    logging.WARNING: "\x1b[33m",
    logging.ERROR: "\x1b[31m",
    logging.CRITICAL: "\x1b[1;31m",
}
_RESET = "\x1b[0m"
_CLEAR_LINE = "\r\x1b[2K"


def format_for(setting: str | None, *, command: str, stderr_is_tty: bool) -> str:
    """The log format: the setting when given; unset, text for `dev` at a terminal, else JSON."""
    if setting is not None:
        if setting not in FORMATS:
            raise ValueError(f"SNAPFEED_LOG_FORMAT must be one of {', '.join(FORMATS)}")
        return setting
    return "text" if command == "dev" and stderr_is_tty else "json"


def component(logger_name: str) -> str:
    """A short name for where a line comes from: `snapfeed.workers.fanout` -> `workers.fanout`."""
    if logger_name in _COMPONENTS:
        return _COMPONENTS[logger_name]
    return logger_name.removeprefix("snapfeed.")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.current.get()
        return True


class _CronTicksToDebug(logging.Filter):
    """arq's start/end lines of cron jobs become DEBUG (dropped unless DEBUG is on)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not _is_cron_line(record):
            return True
        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            return False
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def _is_cron_line(record: logging.LogRecord) -> bool:
    args = record.args if isinstance(record.args, tuple) else ()
    return any(isinstance(a, str) and a.startswith(_CRON_REF_PREFIX) for a in args)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`12:03:04 INFO  cli  applied 12 migration(s)`, coloured for a terminal."""

    def __init__(self, *, colour: bool = False) -> None:
        super().__init__()
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        level = f"{record.levelname:<5}"
        if self.colour:
            level = f"{_COLOURS.get(record.levelno, '')}{level}{_RESET}"
        rid = getattr(record, "request_id", "-")
        where = component(record.name) + (f" [{rid}]" if rid != "-" else "")
        line = f"{when} {level} {where}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class TerminalHandler(logging.StreamHandler[TextIO]):
    """Starts each line on a cleared row, so a progress bar being drawn is not shredded."""

    def format(self, record: logging.LogRecord) -> str:
        return _CLEAR_LINE + super().format(record)


def configure(
    level: str, fmt: str | None = "json", *, stream: TextIO | None = None, quiet: bool = False
) -> None:
    """One handler on the root logger. `quiet`: the levels of DEV_QUIET_LEVELS (`dev`)."""
    out = stream or sys.stderr
    tty = out.isatty()
    handler: logging.Handler
    if fmt == "text":
        handler = TerminalHandler(out) if tty else logging.StreamHandler(out)
        handler.setFormatter(TextFormatter(colour=tty))
    else:
        handler = logging.StreamHandler(out)
        handler.setFormatter(JsonFormatter())
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # pgserver narrates every pg_ctl call at INFO.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    arq = logging.getLogger("arq.worker")
    arq.filters[:] = [f for f in arq.filters if not isinstance(f, _CronTicksToDebug)]
    arq.addFilter(_CronTicksToDebug())
    for name, quiet_level in DEV_QUIET_LEVELS.items():
        logging.getLogger(name).setLevel(quiet_level if quiet else logging.NOTSET)
