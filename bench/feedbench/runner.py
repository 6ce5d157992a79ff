"""The frame of a benchmark run on an embedded stack: a data dir (fresh, or given and left
in place), the stack started and always stopped, the report printed and written as JSON,
Ctrl-C or SIGTERM ending the run cleanly."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import shutil
import signal
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from server.embedded import EmbeddedStack

from .console import log
from .stack import CHILDREN

Results = dict[str, Any]


def run_on_stack(
    args: argparse.Namespace,
    prefix: str,
    run: Callable[[EmbeddedStack, Path], Coroutine[Any, Any, Results]],
    report: Callable[[Results], str],
) -> int:
    """`run` on a started stack, then `report`; the exit status (0, or 130 interrupted).
    `args` has `data_dir`, `keep` and `json`."""
    made_here = args.data_dir is None or not args.data_dir.exists()
    data_dir = (
        Path(tempfile.mkdtemp(prefix=prefix)) if args.data_dir is None else args.data_dir.resolve()
    )
    # SIGTERM stops the run like Ctrl-C, so the clean-up below always runs.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if made_here and not args.keep:
        # Registered before pgserver registers its own exit handler, so this runs after it.
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    stack = EmbeddedStack(data_dir)
    status = 1
    try:
        log(f"data dir {data_dir}")
        stack.start()
        results = asyncio.run(run(stack, data_dir))
        print(report(results), flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
            log(f"wrote {args.json}")
        status = 0
    except (KeyboardInterrupt, asyncio.CancelledError):
        log("interrupted")
        status = 130
    finally:
        CHILDREN.stop_all()
        stack.stop()
        if args.keep:
            log(f"kept {data_dir}")
        elif made_here:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            log(f"left {data_dir} in place (it existed before this run)")
    return status
