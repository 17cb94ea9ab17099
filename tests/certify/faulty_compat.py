"""Test-only faults of the device itself, installed through the plan's ``observe`` hook.

Each is a callable that gets every run's compat layer before the run starts and breaks
one of them on purpose, as a buggy port would:

* :class:`PostsAnUnseenSSID` — the Nth run also posts an SSID its radio never reported
  (a scan-result iterator that invents a network);
* :class:`ForgetsTheFallback` — the Nth run never persists its outcome, so a failed run
  does not leave the device in SoftAP setup mode.
"""

from __future__ import annotations

import threading
from typing import Any

from wss.compat.types import SecurityProtocol, WifiScanResult


class _NthRun:
    """Counts the compat layers built; :meth:`strikes` is True for the chosen one."""

    def __init__(self, run: int) -> None:
        self.run = run
        self._built = 0
        self._lock = threading.Lock()

    def strikes(self) -> bool:
        with self._lock:
            self._built += 1
            return self._built == self.run


class PostsAnUnseenSSID(_NthRun):
    """In the ``run``-th run, the scan data ends with ``ssid``, which no radio reported."""

    def __init__(self, run: int, ssid: bytes) -> None:
        super().__init__(run)
        self.ssid = ssid

    def __call__(self, compat: Any) -> None:
        if not self.strikes():
            return
        real = compat.ffs_get_wifi_scan_result
        phantom = WifiScanResult(self.ssid, bytes.fromhex("02dead00beef"), SecurityProtocol.WPA_PSK, 6, -48)
        pending = [phantom]

        def faulty() -> Any:
            result = real()
            if result is None and pending:
                return pending.pop()
            return result

        compat.ffs_get_wifi_scan_result = faulty


class ForgetsTheFallback(_NthRun):
    """In the ``run``-th run, the outcome is never persisted (``finish`` does nothing)."""

    def __call__(self, compat: Any) -> None:
        if self.strikes():
            compat.finish = lambda joined_home_network: None
