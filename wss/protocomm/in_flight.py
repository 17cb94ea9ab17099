"""Requests being served by a protocomm transport, and a bounded wait until none is.

A transport (HTTP on the SoftAP, GATT over BLE) counts the requests it is serving; the
setup flow waits, with a deadline, for the last answer to leave before it stops the
transport (the answer to apply-config must reach the phone before the SoftAP goes).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

__all__ = ["InFlight"]


class InFlight:
    """A count of requests being served. Thread-safe."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Count one request for the duration of the ``with`` block."""
        with self._idle:
            self._count += 1
        try:
            yield
        finally:
            with self._idle:
                self._count -= 1
                if not self._count:
                    self._idle.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no request is being served, at most ``timeout_s`` seconds; whether
        that happened."""
        deadline = time.monotonic() + timeout_s
        with self._idle:
            while self._count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True
