"""Progress on stderr: timestamped log lines and a progress bar."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Progress:
    """A text progress bar on stderr (a line every 10% when stderr is not a terminal)."""

    def __init__(self, label: str, total: int, stream: TextIO = sys.stderr) -> None:
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.done = 0
        self.start = time.perf_counter()
        self.tty = stream.isatty()
        self._last_draw = 0.0
        self._last_decile = -1
        self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def _draw(self, force: bool = False) -> None:
        share = min(self.done / self.total, 1.0)
        elapsed = time.perf_counter() - self.start
        if self.tty:
            now = time.perf_counter()
            if not force and now - self._last_draw < 0.2 and self.done < self.total:
                return
            self._last_draw = now
            bar = "#" * int(share * 30)
            self.stream.write(
                f"\r{self.label:<22} [{bar:<30}] {share:6.1%}"
                f" {self.done:>10,}/{self.total:,} {elapsed:6.1f}s"
            )
        else:
            decile = int(share * 10)
            if decile == self._last_decile and not force:
                return
            self._last_decile = decile
            self.stream.write(
                f"{self.label:<22} {share:6.1%} {self.done:>10,}/{self.total:,} {elapsed:6.1f}s\n"
            )
        self.stream.flush()

    def close(self) -> float:
        elapsed = time.perf_counter() - self.start
        if self.tty:
            self._draw(force=True)
            self.stream.write("\n")
        else:
            self.stream.write(f"{self.label:<22} done in {elapsed:.1f}s\n")
        self.stream.flush()
        return elapsed
