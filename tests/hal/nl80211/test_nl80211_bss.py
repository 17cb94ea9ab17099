"""nl80211 scan entries from raw netlink bytes (hal.nl80211.attrs / bss), on the host.

``data/hwsim_get_scan.json`` is a real GET_SCAN dump captured in the hwsim guest.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from hal import Security
from hal.nl80211 import attrs as A
from hal.nl80211.bss import parse_bss, signal_dbm, to_scan_result

DUMP = json.loads((Path(__file__).parent / "data" / "hwsim_get_scan.json").read_text())


def nla(kind: int, payload: bytes) -> bytes:
    raw = struct.pack("=HH", 4 + len(payload), kind) + payload
    return raw + b"\0" * (-len(raw) % 4)


def entries():
    out = []
    for message in DUMP["messages"]:
        ((_kind, cmd, payload),) = A.split_genl_messages(bytes.fromhex(message))
        assert cmd == A.CMD_NEW_SCAN_RESULTS
        entry = parse_bss(A.attr_map(payload)[A.ATTR_BSS])
        assert entry is not None
        out.append(entry)
    return out


def test_captured_dump_gives_every_ap_with_its_class():
    probed = {b"simple_setup"}
    results = {(r.bssid_text, r.ssid): r for r in (to_scan_result(e, probed) for e in entries())}
    expect = {
        ("02:00:00:00:01:00", b"HomeNet"): (Security.WPA2_PSK, 2412, 1),
        ("02:00:00:00:01:01", b"Wpa3Only"): (Security.WPA3_SAE, 2412, 1),
        ("02:00:00:00:01:02", b"MixedNet"): (Security.WPA2_WPA3, 2412, 1),
        ("02:00:00:00:02:00", b"simple_setup"): (Security.WPA2_PSK, 2437, 6),
        ("02:00:00:00:02:00", b""): (Security.WPA2_PSK, 2437, 6),
        ("02:00:00:00:02:01", b"OldWpa"): (Security.WPA_PSK, 2437, 6),
        ("02:00:00:00:02:02", b"CorpNet"): (Security.ENTERPRISE, 2437, 6),
        ("02:00:00:00:03:00", b"OpenCafe"): (Security.OPEN, 2462, 11),
        ("02:00:00:00:03:01", b"NoLease"): (Security.OPEN, 2462, 11),
        ("02:00:00:00:03:02", b"LegacyWep"): (Security.WEP, 2462, 11),
    }
    assert {k: (r.security, r.freq_mhz, r.channel) for k, r in results.items()} == expect
    assert results[("02:00:00:00:02:00", b"simple_setup")].hidden
    assert results[("02:00:00:00:02:00", b"")].hidden
    assert not results[("02:00:00:00:01:00", b"HomeNet")].hidden
    assert all(r.rssi_dbm == -30 for r in results.values())


def test_hidden_name_is_kept_only_when_probed():
    named = [
        e
        for e in entries()
        if e.bssid.hex() == "020000000200" and e.beacon_ies is not None and b"simple_setup" in e.ies
    ]
    assert named, "the dump holds the probe-response entry of the hidden AP"
    assert to_scan_result(named[0], frozenset()).ssid == b""
    assert to_scan_result(named[0], {b"simple_setup"}).ssid == b"simple_setup"


def test_entry_fields():
    entry = parse_bss(
        nla(A.BSS_BSSID, bytes(6))
        + nla(A.BSS_FREQUENCY, struct.pack("=I", 5180))
        + nla(A.BSS_SIGNAL_MBM, struct.pack("=i", -6749))
        + nla(A.BSS_CAPABILITY, struct.pack("=H", 0x11))
        + nla(A.BSS_STATUS, struct.pack("=I", 1))
        + nla(A.BSS_PRESP_DATA, b"")
    )
    assert entry is not None
    assert (entry.freq_mhz, entry.signal_mbm, entry.capability, entry.status) == (5180, -6749, 0x11, 1)
    assert entry.probe_response and entry.beacon_ies is None
    assert signal_dbm(entry) == -67
    result = to_scan_result(entry, frozenset())
    assert (result.channel, result.security, result.hidden, result.ssid) == (36, Security.WEP, True, b"")


@pytest.mark.parametrize("unspec, dbm", [(None, -100), (0, -100), (100, -50), (250, -50)])
def test_signal_without_mbm(unspec, dbm):
    extra = nla(A.BSS_SIGNAL_UNSPEC, bytes([unspec])) if unspec is not None else b""
    entry = parse_bss(nla(A.BSS_BSSID, bytes(6)) + nla(A.BSS_FREQUENCY, struct.pack("=I", 2412)) + extra)
    assert entry is not None and signal_dbm(entry) == dbm


def test_entries_without_bssid_or_frequency_are_dropped():
    assert parse_bss(nla(A.BSS_FREQUENCY, struct.pack("=I", 2412))) is None
    assert parse_bss(nla(A.BSS_BSSID, bytes(5)) + nla(A.BSS_FREQUENCY, struct.pack("=I", 2412))) is None
    assert parse_bss(nla(A.BSS_BSSID, bytes(6))) is None


def test_unknown_frequency_falls_back_to_the_ds_channel():
    ies = bytes([0, 1]) + b"X" + bytes([3, 1, 9])
    entry = parse_bss(
        nla(A.BSS_BSSID, bytes(6))
        + nla(A.BSS_FREQUENCY, struct.pack("=I", 60480))
        + nla(A.BSS_INFORMATION_ELEMENTS, ies)
    )
    assert entry is not None and to_scan_result(entry, frozenset()).channel == 9


def test_attribute_iteration_stops_at_malformed_data_and_masks_flags():
    good = nla(0x8000 | 7, b"\x01\x02")  # NLA_F_NESTED set
    assert list(A.iter_attrs(good + struct.pack("=HH", 40, 1) + b"xx")) == [(7, b"\x01\x02")]
    assert list(A.iter_attrs(struct.pack("=HH", 2, 1))) == []
    assert A.attr_map(nla(1, b"a") + nla(1, b"b")) == {1: b"a"}


def test_u32_list_and_band_frequencies():
    packed = A.pack_u32_list([2412, 2437])
    assert [(k, A.u32(v)) for k, v in A.iter_attrs(packed)] == [(1, 2412), (2, 2437)]

    def freq(mhz, *flags):
        return nla(0, nla(A.FREQ_ATTR_FREQ, struct.pack("=I", mhz)) + b"".join(nla(f, b"") for f in flags))

    band = nla(0, nla(A.BAND_ATTR_FREQS, freq(2412) + freq(2484, A.FREQ_ATTR_DISABLED)))
    band5 = nla(1, nla(A.BAND_ATTR_FREQS, freq(5180)))
    assert A.band_frequencies(band + band5) == [2412, 5180]


def test_split_messages_keeps_errors_apart():
    err = struct.pack("=IHHII", 20, A.NLMSG_ERROR, 0, 1, 0) + struct.pack("=i", -16)
    msg = (
        struct.pack("=IHHII", 28, 0x20, 0, 2, 0)
        + bytes([A.CMD_SCAN_ABORTED, 1, 0, 0])
        + nla(A.ATTR_IFINDEX, struct.pack("=I", 3))
    )
    parts = A.split_genl_messages(err + msg)
    assert parts[0][:2] == (A.NLMSG_ERROR, -1)
    assert parts[1][:2] == (0x20, A.CMD_SCAN_ABORTED) and A.u32(A.attr_map(parts[1][2])[A.ATTR_IFINDEX]) == 3


def test_a_frequency_attribute_shorter_than_4_octets_is_skipped():
    """Fuzzing finding (fuzz/nl80211_attrs/corpus/regression-short-frequency): a 0-octet
    NL80211_FREQUENCY_ATTR_FREQ made band_frequencies raise struct.error."""
    short = nla(0, nla(A.FREQ_ATTR_FREQ, b""))
    good = nla(1, nla(A.FREQ_ATTR_FREQ, struct.pack("=I", 2437)))
    assert A.band_frequencies(nla(0, nla(A.BAND_ATTR_FREQS, short + good))) == [2437]
