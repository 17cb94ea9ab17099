"""nl80211 netlink messages: generic-netlink framing, attributes, a BSS of a scan dump and
its conversion to a scan result. Parsing never raises for malformed attributes (it stops
at them); a BSS the contract cannot represent is skipped as the driver skips it."""

from __future__ import annotations

from hal.errors import HALError
from hal.nl80211 import attrs as A
from hal.nl80211 import bss
from hal.types import ScanResult


def test_one_input(data: bytes) -> None:
    for _kind, _command, payload in A.split_genl_messages(data):
        A.attr_map(payload)
    A.band_frequencies(data)
    entry = bss.parse_bss(data)
    if entry is None:
        return
    try:
        result = bss.to_scan_result(entry, {b"probed"})
    except HALError:
        return  # a value the contract refuses (the driver logs and skips such a BSS)
    assert isinstance(result, ScanResult) and len(result.bssid) == 6
