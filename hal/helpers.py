"""Concrete bookkeeping shared by every driver (used by :class:`hal.base.WifiDriver`).

Kept apart from the contract so that ``hal/base.py`` reads as the porting guide: scan
merging (dedupe by BSSID, strongest first), the ordered list of configured networks,
the connection-attempt log, and the event fan-out with waiters.

Source: protocol §3.1 rows 13–18; ``docs/design.md`` §5.1 (bookkeeping concrete in the base).
"""

from __future__ import annotations

import collections
import itertools
import logging
import threading
import time
from typing import Callable, Deque, Dict, Iterable, List, Optional, Sequence, Tuple

from .types import ConnectionAttempt, DriverEvent, NetworkConfig, ScanResult

__all__ = [
    "EventCallback",
    "EventHub",
    "NetworkList",
    "AttemptLog",
    "dedupe_by_bssid",
    "sort_by_rssi",
    "merge_scan_results",
]

log = logging.getLogger("hal")

#: The event callback: called with each :class:`DriverEvent` as it happens.
EventCallback = Callable[[DriverEvent], None]


def dedupe_by_bssid(results: Iterable[ScanResult]) -> List[ScanResult]:
    """One entry per BSSID, in first-seen order.

    A hidden AP may be heard twice, as an empty-SSID beacon and as a named probe response
    (``tests/integration/README.md``, observed): the named entry wins, then the stronger one, and
    ``hidden`` is kept if any entry was hidden.
    """
    best: Dict[bytes, ScanResult] = {}
    for r in results:
        old = best.get(r.bssid)
        if old is None:
            best[r.bssid] = r
            continue
        keep = r if (bool(r.ssid), r.rssi_dbm) > (bool(old.ssid), old.rssi_dbm) else old
        if (old.hidden or r.hidden) and not keep.hidden:
            keep = ScanResult(
                keep.ssid, keep.bssid, keep.freq_mhz, keep.channel, keep.rssi_dbm, keep.security, hidden=True
            )
        best[r.bssid] = keep
    return list(best.values())


def sort_by_rssi(results: Iterable[ScanResult]) -> List[ScanResult]:
    """Strongest first; ties by SSID then BSSID, so the order is deterministic."""
    return sorted(results, key=lambda r: (-r.rssi_dbm, r.ssid, r.bssid))


def merge_scan_results(results: Iterable[ScanResult]) -> Tuple[ScanResult, ...]:
    """What ``scan_results()`` returns: deduped by BSSID, then strongest first."""
    return tuple(sort_by_rssi(dedupe_by_bssid(results)))


class EventHub:
    """Event fan-out: counts every event, wakes waiters, calls listeners.

    Listeners run on the reporting thread with no lock held; one that raises is logged
    and the others still run.
    """

    def __init__(self, first: Optional[EventCallback] = None) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._counts: Dict[DriverEvent, int] = {e: 0 for e in DriverEvent}
        self._listeners: List[EventCallback] = [first] if first else []

    def add(self, callback: EventCallback) -> None:
        with self._cond:
            self._listeners.append(callback)

    def remove(self, callback: EventCallback) -> None:
        with self._cond:
            if callback in self._listeners:
                self._listeners.remove(callback)

    def count(self, event: DriverEvent) -> int:
        with self._cond:
            return self._counts[event]

    def snapshot(self) -> Dict[DriverEvent, int]:
        """All counts now, to wait for a later event with :meth:`wait_for`."""
        with self._cond:
            return dict(self._counts)

    def emit(self, event: DriverEvent) -> None:
        with self._cond:
            self._counts[event] += 1
            self._cond.notify_all()
            listeners = list(self._listeners)
        for callback in listeners:
            try:
                callback(event)
            except Exception:  # a listener must not break the driver's thread
                log.exception("event callback %r failed on %s", callback, event.name)

    def wait_for(
        self, events: Sequence[DriverEvent], since: Dict[DriverEvent, int], timeout_s: float
    ) -> Optional[DriverEvent]:
        """Wait until one of ``events`` fired more often than in ``since``.

        Returns:
            That event, or None after ``timeout_s`` seconds (wall clock).
        """
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                for e in events:
                    if self._counts[e] > since[e]:
                        return e
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)


class NetworkList:
    """Configured networks: higher ``priority`` first, then the order they were added."""

    def __init__(self) -> None:
        self._items: List[Tuple[int, NetworkConfig]] = []
        self._seq = itertools.count()

    def add(self, config: NetworkConfig) -> None:
        self._items.append((next(self._seq), config))

    def remove(self, ssid: bytes) -> int:
        """Remove every network with ``ssid``; return how many were removed."""
        before = len(self._items)
        self._items = [(n, c) for n, c in self._items if c.ssid != ssid]
        return before - len(self._items)

    def ordered(self) -> Tuple[NetworkConfig, ...]:
        return tuple(c for _n, c in sorted(self._items, key=lambda item: (-item[1].priority, item[0])))

    def clear(self) -> None:
        self._items.clear()


class AttemptLog:
    """Recorded connection attempts, oldest first, bounded to ``limit`` (oldest dropped)."""

    def __init__(self, limit: int = 64) -> None:
        self._items: Deque[ConnectionAttempt] = collections.deque(maxlen=limit)

    def record(self, attempt: ConnectionAttempt) -> None:
        self._items.append(attempt)

    def pop(self) -> Optional[ConnectionAttempt]:
        return self._items.popleft() if self._items else None

    def snapshot(self) -> Tuple[ConnectionAttempt, ...]:
        return tuple(self._items)

    def clear(self) -> None:
        self._items.clear()
