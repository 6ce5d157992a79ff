"""Child processes (ffmpeg) that never outlive their job, nor the worker that started them."""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence

_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


class JobCancelled(Exception):
    """The job these processes belonged to was cancelled: no new process may start."""


def _die_with(parent_pid: int) -> None:
    """Runs in the child between fork and exec: SIGKILL it when the parent dies.

    Without this a SIGKILLed worker leaves ffmpeg running for minutes. The signal fires when
    the forking thread exits; ours waits for the child, so it cannot exit first.
    """
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


class ChildProcesses:
    """The processes of one job. `kill_all()` (on cancellation) kills them and refuses more.

    `run` is called from worker threads, `kill_all` from the event loop.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self._closed = False

    def run(self, args: Sequence[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
        """Like `subprocess.run(..., capture stderr, timeout=...)`; stdin and stdout closed."""
        with self._lock:
            if self._closed:
                raise JobCancelled(args[0])
            proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                preexec_fn=functools.partial(_die_with, os.getpid()),
            )
            self._running.add(proc)
        try:
            try:
                _, stderr = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                raise
            return subprocess.CompletedProcess(list(args), proc.returncode, None, stderr)
        finally:
            with self._lock:
                self._running.discard(proc)

    def kill_all(self) -> None:
        with self._lock:
            self._closed = True
            for proc in self._running:
                proc.kill()
