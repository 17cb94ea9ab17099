"""Clocks for the mock radio: the real one, and a manual one so tests never sleep.

Everything the mock simulates in time (slow association, an AP vanishing after N
seconds, scan duration) goes through a clock object with ``monotonic()`` and
``sleep(seconds)``.
"""

from __future__ import annotations

import threading
import time
from typing import List, Protocol

__all__ = ["Clock", "SystemClock", "ManualClock"]


class Clock(Protocol):
    """What the mock needs from a clock."""

    def monotonic(self) -> float:
        """Seconds on a monotonic scale."""

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass."""


class SystemClock:
    """The real clock: ``time.monotonic`` and ``time.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class ManualClock:
    """A clock that moves only when told: ``sleep()`` and ``advance()`` add to ``now``.

    Attributes:
        now: Current time, seconds (starts at ``start``).
        sleeps: Every duration passed to sleep(), in order (what the mock waited for).
    """

    def __init__(self, start: float = 0.0) -> None:
        self._lock = threading.Lock()
        self.now = float(start)
        self.sleeps: List[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep."""
        with self._lock:
            self.now += max(0.0, seconds)
