"""Progress lines with a rate and an estimate of the time left, at most one every few seconds."""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO


def duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    def __init__(
        self,
        label: str,
        total: int,
        unit: str,
        stream: TextIO = sys.stderr,
        every_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.label, self.total, self.unit = label, total, unit
        self.stream, self.every_s, self.clock = stream, every_s, clock
        self.done = 0
        self.counted = 0  # units done in this run (the rate ignores what a resumed run skipped)
        self.start = self.last = clock()

    def skip(self, n: int) -> None:
        """Units a previous run already did."""
        self.done += n

    def advance(self, n: int, note: str = "") -> None:
        self.done += n
        self.counted += n
        now = self.clock()
        if now - self.last >= self.every_s or self.done >= self.total:
            self.last = now
            self.stream.write(self.line(note) + "\n")
            self.stream.flush()

    def line(self, note: str = "") -> str:
        elapsed = self.clock() - self.start
        rate = self.counted / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = duration(left) if left == left else "?"
        parts = [
            f"{self.label}: {self.done}/{self.total} {self.unit}",
            f"{rate:.0f} {self.unit}/s",
            f"{duration(elapsed)} elapsed",
            "done" if self.done >= self.total else f"about {eta} left",
        ]
        return ", ".join(parts) + (f" ({note})" if note else "")
