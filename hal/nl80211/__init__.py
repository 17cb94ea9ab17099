"""Linux driver: nl80211 through pyroute2 for scans, wpa_supplicant for association.

Modules: :mod:`.driver` (:class:`WifiDriverNl80211`), :mod:`.scan` (trigger / wait /
read through pyroute2), :mod:`.attrs` and :mod:`.bss` (raw nl80211 attributes and scan
entries), :mod:`.ies` (information elements and security classes), :mod:`.wpa_ctrl`
(wpa_supplicant's control socket), :mod:`.association` (network blocks and join
outcomes), :mod:`.ipconfig` (DHCP), :mod:`.connectivity` (DNS, captive portal, DSS
port), :mod:`.checks` (start-up checks). Needs pyroute2, which the package installs on
Linux.
"""

from __future__ import annotations

from typing import Any

__all__ = ["WifiDriverNl80211"]


def __getattr__(name: str) -> Any:
    """Import the driver (and pyroute2) on first use, so that the pure parsers
    (:mod:`.ies`, :mod:`.attrs`, :mod:`.bss`) load without it."""
    if name == "WifiDriverNl80211":
        from .driver import WifiDriverNl80211

        return WifiDriverNl80211
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
