"""Fault state of the mock radio: which APs are gone, reject keys, portal, stall.

Source: issue 6 (faults: wrong PSK, AP vanishes, captive portal, limited connectivity,
slow association); issue 13 (a chip error, so that the certification plan can make every
error-details code arise from a fault).
"""

from __future__ import annotations

import threading
from typing import Dict, Set, Tuple

from .environment import AccessPoint, Fault, FaultKind

__all__ = ["FaultBook"]


class FaultBook:
    """Answers fault questions about an AP at a time ``now`` (seconds since open()).

    Args:
        faults: The environment's faults.
    """

    def __init__(self, faults: Tuple[Fault, ...]) -> None:
        self._faults = faults
        self._by_kind: Dict[FaultKind, Tuple[Fault, ...]] = {
            kind: tuple(f for f in faults if f.kind is kind) for kind in FaultKind
        }
        self._lock = threading.Lock()
        self._vanished: Set[bytes] = set()  # BSSIDs gone on first connect

    def _matching(self, ap: AccessPoint, kind: FaultKind) -> Tuple[Fault, ...]:
        return tuple(f for f in self._by_kind[kind] if f.targets(ap))

    def gone(self, ap: AccessPoint, now: float) -> bool:
        """Whether ``ap`` has vanished by ``now``."""
        with self._lock:
            if ap.bssid in self._vanished:
                return True
        vanishing = self._by_kind[FaultKind.AP_VANISHES]
        return bool(vanishing) and any(f.after_s is not None and now >= f.after_s for f in vanishing if f.targets(ap))

    def vanish_on_join(self, ap: AccessPoint) -> bool:
        """A join of ``ap`` starts: True if it vanishes now (``on: first_connect``)."""
        if not any(f.on_first_connect for f in self._matching(ap, FaultKind.AP_VANISHES)):
            return False
        with self._lock:
            self._vanished.add(ap.bssid)
        return True

    def association_delay_s(self, ap: AccessPoint) -> float:
        """Seconds joining ``ap`` takes (the largest matching delay; 0 without a fault)."""
        return max((f.delay_s for f in self._matching(ap, FaultKind.SLOW_ASSOCIATION)), default=0.0)

    def rejects_key(self, ap: AccessPoint) -> bool:
        return bool(self._matching(ap, FaultKind.WRONG_PSK))

    def captive_portal(self, ap: AccessPoint) -> bool:
        return bool(self._matching(ap, FaultKind.CAPTIVE_PORTAL))

    def limited(self, ap: AccessPoint) -> bool:
        return bool(self._matching(ap, FaultKind.LIMITED_CONNECTIVITY))

    def chip_error(self, ap: AccessPoint) -> bool:
        return bool(self._matching(ap, FaultKind.CHIP_ERROR))
