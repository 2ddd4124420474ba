"""A one-line progress display with rate and ETA, for a terminal only (never in logs or CI output)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress", "progress_for"]


class Progress:
    """Redraws ``label  done/total  rate/s  ETA`` in place (and ``, N errors`` once there are any:
    failed entries are not done); at most every ``interval`` seconds."""

    def __init__(self, label: str, stream: TextIO, interval: float = 0.2) -> None:
        self.label, self.stream, self.interval = label, stream, interval
        self._started = time.monotonic()
        self._drawn = 0.0

    def __call__(self, done: int, total: int, errors: int = 0) -> None:
        now = time.monotonic()
        finished = done + errors >= total
        if not finished and now - self._drawn < self.interval:
            return
        self._drawn = now
        elapsed = max(now - self._started, 1e-9)
        rate = (done + errors) / elapsed
        eta = _duration((total - done - errors) / rate) if rate > 0 else "?"
        failed = f", {errors} errors" if errors else ""
        self.stream.write(f"\r{self.label}  {done}/{total}{failed}  {rate:.1f}/s  ETA {eta}  ")
        if finished:
            self.stream.write("\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def progress_for(label: str, stream: TextIO | None = None) -> Progress | None:
    """A Progress on ``stream`` (stderr) when it is a terminal, else None (logs get no bar)."""
    stream = stream or sys.stderr
    return Progress(label, stream) if stream.isatty() else None
