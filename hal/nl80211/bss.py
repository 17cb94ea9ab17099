"""One nl80211 scan result (``NL80211_ATTR_BSS``) and its conversion to a ScanResult.

cfg80211 keeps one entry per (BSSID, SSID, channel). A hidden access point therefore
shows up twice once a directed probe reached it: the beacon entry with an empty SSID,
and a probe-response entry with the real SSID whose ``NL80211_BSS_BEACON_IES`` still
holds the empty-SSID beacon (``tests/integration/README.md``, observed). An entry made only from a
probe response carries the ``NL80211_BSS_PRESP_DATA`` flag and no beacon elements.

The driver contract asks for a hidden BSS to be reported with an empty SSID and
``hidden=True`` unless the scan probed its name; :func:`to_scan_result` applies that rule,
so a name learned by an earlier directed scan does not leak into a later wildcard scan.

Source: Linux ``include/uapi/linux/nl80211.h`` (``enum nl80211_bss``), ``net/wireless/scan.c``
(hidden-SSID entries); protocol §3.1 row 13 (scan result fields), §4.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import AbstractSet, Optional

from ..errors import InvalidArgument
from ..types import ScanResult, freq_mhz_to_channel
from . import attrs as A
from .ies import Elements, classify, parse_elements

__all__ = ["BssEntry", "parse_bss", "to_scan_result", "signal_dbm"]


@dataclass(frozen=True)
class BssEntry:
    """The fields of one ``NL80211_ATTR_BSS`` the driver uses.

    Attributes:
        bssid: 6 octets.
        freq_mhz: Channel centre frequency, MHz.
        signal_mbm: Signal in mBm (dBm x 100), or None.
        signal_unspec: Signal on an unspecified 0-100 scale, or None.
        capability: Capability Information field.
        ies: Elements of the last frame heard (beacon or probe response).
        beacon_ies: Elements of the last beacon, or None if no beacon was heard.
        probe_response: The ``ies`` came from a probe response.
        status: 0 authenticated, 1 associated, 2 IBSS joined; None otherwise.
        seen_ms_ago: Age of the entry, milliseconds, or None.
    """

    bssid: bytes
    freq_mhz: int
    signal_mbm: Optional[int]
    signal_unspec: Optional[int]
    capability: int
    ies: bytes
    beacon_ies: Optional[bytes]
    probe_response: bool
    status: Optional[int]
    seen_ms_ago: Optional[int]


def parse_bss(nest: bytes) -> Optional[BssEntry]:
    """Parse the payload of an ``NL80211_ATTR_BSS`` attribute.

    Args:
        nest: The nested attributes (without the outer attribute header).
    Returns:
        The entry, or None if it lacks a 6-octet BSSID or a frequency.
    """
    a = A.attr_map(nest)
    bssid = a.get(A.BSS_BSSID, b"")
    if len(bssid) != 6 or len(a.get(A.BSS_FREQUENCY, b"")) < 4:
        return None

    def opt_u32(kind: int) -> Optional[int]:
        return A.u32(a[kind]) if len(a.get(kind, b"")) >= 4 else None

    return BssEntry(
        bssid=bssid,
        freq_mhz=A.u32(a[A.BSS_FREQUENCY]),
        signal_mbm=A.s32(a[A.BSS_SIGNAL_MBM]) if len(a.get(A.BSS_SIGNAL_MBM, b"")) >= 4 else None,
        signal_unspec=a[A.BSS_SIGNAL_UNSPEC][0] if a.get(A.BSS_SIGNAL_UNSPEC) else None,
        capability=A.u16(a[A.BSS_CAPABILITY]) if len(a.get(A.BSS_CAPABILITY, b"")) >= 2 else 0,
        ies=a.get(A.BSS_INFORMATION_ELEMENTS, b""),
        beacon_ies=a.get(A.BSS_BEACON_IES),
        probe_response=A.BSS_PRESP_DATA in a,
        status=opt_u32(A.BSS_STATUS),
        seen_ms_ago=opt_u32(A.BSS_SEEN_MS_AGO),
    )


def signal_dbm(entry: BssEntry) -> int:
    """Signal strength in dBm (rounded). An unspecified-scale value (0-100) is mapped
    linearly to -100..-50 dBm; with neither, -100 dBm."""
    if entry.signal_mbm is not None:
        return int(round(entry.signal_mbm / 100))
    if entry.signal_unspec is not None:
        return -100 + min(entry.signal_unspec, 100) // 2
    return -100


def _channel(freq_mhz: int, elements: Elements) -> int:
    try:
        return freq_mhz_to_channel(freq_mhz)
    except InvalidArgument:
        return elements.channel or 0


def to_scan_result(entry: BssEntry, probed: AbstractSet[bytes]) -> ScanResult:
    """The contract's view of one entry.

    Args:
        entry: The cfg80211 entry.
        probed: SSIDs the scan probed by name; a hidden BSS keeps its name only if it is
            one of them.
    Returns:
        A :class:`ScanResult`; ``hidden`` is True when the beacon withholds the SSID.
    """
    elements = parse_elements(entry.ies)
    beacon = parse_elements(entry.beacon_ies) if entry.beacon_ies is not None else None
    hidden = elements.ssid_hidden or (beacon is not None and beacon.ssid_hidden)
    ssid = b"" if elements.ssid_hidden else (elements.ssid or b"")
    if hidden and ssid not in probed:
        ssid = b""
    return ScanResult(
        ssid=ssid,
        bssid=entry.bssid,
        freq_mhz=entry.freq_mhz,
        channel=_channel(entry.freq_mhz, elements),
        rssi_dbm=signal_dbm(entry),
        security=classify(entry.capability, elements),
        hidden=hidden,
    )
