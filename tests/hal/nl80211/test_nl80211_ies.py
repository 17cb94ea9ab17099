"""Information elements and security classification (hal.nl80211.ies), on the host."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hal import Security
from hal.nl80211.ies import (
    CAPABILITY_PRIVACY,
    akm_names,
    classify,
    iter_elements,
    parse_elements,
    parse_suites,
)

CCMP = b"\x00\x0f\xac\x04"
TKIP_MS = b"\x00\x50\xf2\x02"


def element(eid: int, body: bytes) -> bytes:
    return bytes([eid, len(body)]) + body


def rsn(*akm_types: int, oui: bytes = b"\x00\x0f\xac", capabilities: int = 0, pmkids: int = 0) -> bytes:
    body = struct.pack("<H", 1) + CCMP + struct.pack("<H", 1) + CCMP
    body += struct.pack("<H", len(akm_types)) + b"".join(oui + bytes([t]) for t in akm_types)
    body += struct.pack("<H", capabilities)
    if pmkids:
        body += struct.pack("<H", pmkids) + b"\x11" * 16 * pmkids
    return element(48, body)


def wpa1(*akm_types: int) -> bytes:
    body = b"\x00\x50\xf2\x01" + struct.pack("<H", 1) + TKIP_MS + struct.pack("<H", 1) + TKIP_MS
    body += struct.pack("<H", len(akm_types)) + b"".join(b"\x00\x50\xf2" + bytes([t]) for t in akm_types)
    return element(221, body)


SSID = element(0, b"HomeNet")


@pytest.mark.parametrize(
    "blob, privacy, expected",
    [
        (SSID, False, Security.OPEN),
        (SSID, True, Security.WEP),
        (SSID + wpa1(2), True, Security.WPA_PSK),
        (SSID + wpa1(1), True, Security.ENTERPRISE),
        (SSID + wpa1(7), True, Security.OTHER),
        (SSID + rsn(2), True, Security.WPA2_PSK),
        (SSID + rsn(6), True, Security.WPA2_PSK),  # PSK-SHA256
        (SSID + wpa1(2) + rsn(2), True, Security.WPA2_PSK),  # WPA/WPA2 mixed
        (SSID + rsn(8), True, Security.WPA3_SAE),
        (SSID + rsn(24), True, Security.WPA3_SAE),  # SAE-EXT-KEY
        (SSID + rsn(2, 8), True, Security.WPA2_WPA3),
        (SSID + rsn(1), True, Security.ENTERPRISE),
        (SSID + rsn(12), True, Security.ENTERPRISE),  # Suite B 192
        (SSID + rsn(18), True, Security.OTHER),  # OWE
        (SSID + rsn(2, oui=b"\x50\x6f\x9a"), True, Security.OTHER),  # vendor AKM only
        (SSID + rsn(1, 2), True, Security.WPA2_PSK),  # PSK usable beside 802.1X
    ],
    ids=[
        "open",
        "wep",
        "wpa1-psk",
        "wpa1-eap",
        "wpa1-other",
        "wpa2",
        "wpa2-sha256",
        "wpa-wpa2",
        "sae",
        "sae-ext",
        "transition",
        "wpa2-eap",
        "suite-b",
        "owe",
        "vendor-akm",
        "eap+psk",
    ],
)
def test_classification(blob, privacy, expected):
    assert classify(CAPABILITY_PRIVACY if privacy else 0, parse_elements(blob)) is expected


def test_rsn_fields_and_mfp_bits():
    e = parse_elements(SSID + rsn(8, capabilities=0xC0))
    assert e.rsn is not None and e.rsn.group == CCMP and e.rsn.pairwise == (CCMP,)
    assert e.rsn.mfp_required and e.rsn.mfp_capable
    assert akm_names(e.rsn) == ("SAE",)


def test_rsn_with_pmkids_parses():
    # pyroute2 0.9.7's binary_rsn appends to pmkid_ids = None here and raises
    e = parse_elements(SSID + rsn(2, pmkids=2))
    assert classify(CAPABILITY_PRIVACY, e) is Security.WPA2_PSK


def test_rsn_absent_fields_take_the_standards_defaults():
    version_only = parse_suites(struct.pack("<H", 1))
    assert version_only is not None
    assert (version_only.group, version_only.pairwise, version_only.akms) == (CCMP, (CCMP,), (b"\x00\x0f\xac\x01",))
    # ends right after the pairwise list: pyroute2 0.9.7 reads past the end here
    no_akm = parse_suites(struct.pack("<H", 1) + CCMP + struct.pack("<H", 1) + CCMP)
    assert no_akm is not None and no_akm.akms == (b"\x00\x0f\xac\x01",)
    assert parse_suites(b"\x01") is None


def test_wpa1_defaults_use_the_microsoft_oui():
    suites = parse_suites(struct.pack("<H", 1), oui=b"\x00\x50\xf2")
    assert suites is not None and suites.akms == (b"\x00\x50\xf2\x01",)


@pytest.mark.parametrize(
    "blob, hidden",
    [
        (element(0, b"Net"), False),
        (element(0, b""), True),
        (element(0, b"\x00" * 7), True),
        (element(3, b"\x06"), True),  # no SSID element at all
    ],
    ids=["named", "empty", "zeros", "absent"],
)
def test_hidden_ssid_forms(blob, hidden):
    assert parse_elements(blob).ssid_hidden is hidden


def test_channel_and_first_element_wins():
    e = parse_elements(element(0, b"A") + element(3, b"\x0b") + element(0, b"B") + element(3, b"\x01"))
    assert (e.ssid, e.channel) == (b"A", 11)


def test_truncated_element_stops_iteration():
    blob = element(0, b"abc") + bytes([48, 20, 1, 0])
    assert list(iter_elements(blob)) == [(0, b"abc")]
    assert parse_elements(blob).rsn is None


def test_unknown_akms_are_shown_in_hex():
    e = parse_elements(rsn(99) + element(48, b""))
    assert akm_names(e.rsn) == ("000fac-63",)
    assert akm_names(None) == ()


@given(st.binary(max_size=300), st.integers(0, 0xFFFF))
def test_parser_is_total(blob, capability):
    assert isinstance(classify(capability, parse_elements(blob)), Security)
