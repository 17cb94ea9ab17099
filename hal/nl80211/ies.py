"""802.11 information elements of a beacon or probe response, and the security they imply.

Why this module exists (pyroute2 0.9.x, ``NL80211_BSS_INFORMATION_ELEMENTS``): pyroute2
decodes a few elements (SSID, RSN, rates, HT/VHT operation, vendor) into a dict, but

* it gives no security verdict, only the RSN AKM names;
* it does not parse the WPA (version 1) vendor element ``00:50:F2`` type 1, so a WPA1
  network looks like WEP (privacy bit, no RSN);
* its RSN decoder (``elementsBinary.binary_rsn``) crashes on an RSN element that carries
  PMKIDs (it appends to ``pmkid_ids = None``) and reads past the end of an element that
  stops right after the pairwise list (IndexError); its TIM and HT decoders index past
  short elements too. pyroute2 logs such failures as warnings with tracebacks and hands
  back the raw attribute, so one malformed beacon in range breaks every decoded field.

So the nl80211 driver never asks pyroute2 to decode elements: it takes the raw element
bytes (see :mod:`hal.nl80211.bss`) and parses them here. The parser is total: any byte
string gives a result, truncated or malformed elements are skipped, never raised on.

Classification (most capable personal mode wins, then enterprise):

==============================================  =====================
elements                                        :class:`Security`
==============================================  =====================
RSN with an SAE AKM and a PSK AKM               WPA2_WPA3 (transition)
RSN with an SAE AKM only                        WPA3_SAE
RSN with a PSK AKM (with or without WPA1)       WPA2_PSK
RSN with only 802.1X / Suite B / FILS AKMs      ENTERPRISE
RSN with other AKMs (OWE, ...)                  OTHER
WPA1 element only: PSK / 802.1X / other          WPA_PSK / ENTERPRISE / OTHER
privacy bit, no RSN or WPA element              WEP
nothing                                          OPEN
==============================================  =====================

Source: IEEE 802.11-2020 §9.4.2.1 (element format), §9.4.2.2 (SSID), §9.4.2.24 (RSN
element, defaults for absent fields; Table 9-151 cipher suites, Table 9-190 AKM suites),
§9.4.1.4 (capability information, Privacy bit); Wi-Fi Alliance WPA (v1) element
(OUI 00:50:F2, type 1); protocol §4.1 (security classes).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Iterator, Optional, Tuple

from ..types import Security

__all__ = [
    "EID_SSID",
    "EID_DS_PARAMETERS",
    "EID_RSN",
    "EID_VENDOR",
    "CAPABILITY_PRIVACY",
    "CipherSuites",
    "Elements",
    "iter_elements",
    "parse_suites",
    "parse_elements",
    "classify",
    "akm_names",
]

EID_SSID = 0
EID_DS_PARAMETERS = 3
EID_RSN = 48
EID_VENDOR = 221
#: Capability Information bit 4: the AP requires confidentiality (WEP, WPA, RSN).
CAPABILITY_PRIVACY = 1 << 4

_OUI_IEEE = b"\x00\x0f\xac"
_OUI_MS = b"\x00\x50\xf2"
_WPA1_VENDOR_PREFIX = _OUI_MS + b"\x01"
_CCMP = _OUI_IEEE + b"\x04"

#: AKM suite types under 00-0F-AC (IEEE 802.11-2020 Table 9-190) -> short name.
_AKM_NAMES = {
    1: "802.1X",
    2: "PSK",
    3: "FT-802.1X",
    4: "FT-PSK",
    5: "802.1X-SHA256",
    6: "PSK-SHA256",
    7: "TDLS",
    8: "SAE",
    9: "FT-SAE",
    10: "AP-PEER-KEY",
    11: "802.1X-SUITE-B",
    12: "802.1X-SUITE-B-192",
    13: "FT-802.1X-SHA384",
    14: "FILS-SHA256",
    15: "FILS-SHA384",
    16: "FT-FILS-SHA256",
    17: "FT-FILS-SHA384",
    18: "OWE",
    19: "FT-PSK-SHA384",
    20: "PSK-SHA384",
    24: "SAE-EXT-KEY",
    25: "FT-SAE-EXT-KEY",
}
_SAE_AKMS = frozenset({8, 9, 24, 25})
_PSK_AKMS = frozenset({2, 4, 6, 19, 20})
_ENTERPRISE_AKMS = frozenset({1, 3, 5, 11, 12, 13, 14, 15, 16, 17})


@dataclass(frozen=True)
class CipherSuites:
    """The suites of an RSN element (or of a WPA1 element, with OUI 00:50:F2).

    Attributes:
        group: Group data cipher suite selector (4 octets: OUI + type).
        pairwise: Pairwise cipher suite selectors.
        akms: AKM suite selectors.
        capabilities: RSN Capabilities field (bit 6 MFPR, bit 7 MFPC), None if absent.
    """

    group: bytes
    pairwise: Tuple[bytes, ...]
    akms: Tuple[bytes, ...]
    capabilities: Optional[int] = None

    @property
    def mfp_required(self) -> bool:
        """Management frame protection required (RSN Capabilities bit 6)."""
        return bool(self.capabilities is not None and self.capabilities & (1 << 6))

    @property
    def mfp_capable(self) -> bool:
        """Management frame protection capable (RSN Capabilities bit 7)."""
        return bool(self.capabilities is not None and self.capabilities & (1 << 7))


@dataclass(frozen=True)
class Elements:
    """What the driver needs from one BSS's elements.

    Attributes:
        ssid: The SSID element's body (0-32 raw octets), or None if there is none.
        channel: The DS Parameter Set channel, or None.
        rsn: The RSN element's suites, or None.
        wpa: The WPA1 vendor element's suites, or None.
    """

    ssid: Optional[bytes]
    channel: Optional[int]
    rsn: Optional[CipherSuites]
    wpa: Optional[CipherSuites]

    @property
    def ssid_hidden(self) -> bool:
        """The SSID is withheld: element absent, empty, or all zero octets."""
        return self.ssid is None or not self.ssid.strip(b"\x00")


def iter_elements(blob: bytes) -> Iterator[Tuple[int, bytes]]:
    """Yield ``(element id, body)`` for each element; stop at a truncated one.

    Args:
        blob: Concatenated elements (1 octet id, 1 octet length, body).
    """
    i, end = 0, len(blob)
    while i + 2 <= end:
        eid, length = blob[i], blob[i + 1]
        if i + 2 + length > end:
            return
        yield eid, bytes(blob[i + 2 : i + 2 + length])
        i += 2 + length


def _suite_list(body: bytes, off: int) -> Tuple[Optional[Tuple[bytes, ...]], int]:
    """A 2-octet count and that many 4-octet suites; None if the field is absent."""
    if off + 2 > len(body):
        return None, off
    (count,) = struct.unpack_from("<H", body, off)
    off += 2
    if off + 4 * count > len(body):
        return None, len(body)
    return tuple(body[off + 4 * i : off + 4 * i + 4] for i in range(count)), off + 4 * count


def parse_suites(body: bytes, oui: bytes = _OUI_IEEE) -> Optional[CipherSuites]:
    """Parse an RSN element body (or a WPA1 body after its 4-octet vendor prefix).

    Absent trailing fields take the standard's defaults: group and pairwise CCMP (for
    WPA1, TKIP), AKM 802.1X. A malformed field ends parsing with what was read so far.

    Args:
        body: Element body starting at the 2-octet version.
        oui: Suite OUI of the defaults: 00:0F:AC for RSN, 00:50:F2 for WPA1.
    Returns:
        The suites, or None if there is not even a version field.
    """
    if len(body) < 2:
        return None
    default_cipher = _CCMP if oui == _OUI_IEEE else _OUI_MS + b"\x02"
    default_akm = oui + b"\x01"
    group = body[2:6] if len(body) >= 6 else default_cipher
    pairwise, off = _suite_list(body, 6)
    akms, off = _suite_list(body, off) if pairwise is not None else (None, off)
    capabilities = None
    if akms is not None and off + 2 <= len(body):
        (capabilities,) = struct.unpack_from("<H", body, off)
    return CipherSuites(group, pairwise or (default_cipher,), akms or (default_akm,), capabilities)


def parse_elements(blob: bytes) -> Elements:
    """Extract SSID, channel, RSN and WPA1 suites from a BSS's elements.

    The first SSID, DS Parameter Set, RSN and WPA1 elements win, as in the standard's
    element order.
    """
    ssid: Optional[bytes] = None
    channel: Optional[int] = None
    rsn: Optional[CipherSuites] = None
    wpa: Optional[CipherSuites] = None
    for eid, body in iter_elements(blob):
        if eid == EID_SSID and ssid is None:
            ssid = body[:32]
        elif eid == EID_DS_PARAMETERS and channel is None and body:
            channel = body[0]
        elif eid == EID_RSN and rsn is None:
            rsn = parse_suites(body)
        elif eid == EID_VENDOR and wpa is None and body[:4] == _WPA1_VENDOR_PREFIX:
            wpa = parse_suites(body[4:], _OUI_MS)
    return Elements(ssid, channel, rsn, wpa)


def _akm_types(suites: CipherSuites, oui: bytes) -> frozenset:
    return frozenset(a[3] for a in suites.akms if a[:3] == oui)


def classify(capability: int, elements: Elements) -> Security:
    """The security class of a BSS (table in the module docstring).

    Args:
        capability: The Capability Information field (only the Privacy bit is used).
        elements: The parsed elements of its beacon or probe response.
    Returns:
        The :class:`Security` class.
    """
    if elements.rsn is not None:
        akms = _akm_types(elements.rsn, _OUI_IEEE)
        if akms & _SAE_AKMS:
            return Security.WPA2_WPA3 if akms & _PSK_AKMS else Security.WPA3_SAE
        if akms & _PSK_AKMS:
            return Security.WPA2_PSK
        if akms & _ENTERPRISE_AKMS:
            return Security.ENTERPRISE
        return Security.OTHER
    if elements.wpa is not None:
        akms = _akm_types(elements.wpa, _OUI_MS)
        if 2 in akms:
            return Security.WPA_PSK
        return Security.ENTERPRISE if 1 in akms else Security.OTHER
    return Security.WEP if capability & CAPABILITY_PRIVACY else Security.OPEN


def akm_names(suites: Optional[CipherSuites]) -> Tuple[str, ...]:
    """Readable AKM names of an RSN element's suites (``"PSK"``, ``"SAE"``, ...), for logs.

    Selectors under another OUI are shown in hex (``"506f9a-02"``).
    """
    if suites is None:
        return ()
    return tuple(
        _AKM_NAMES.get(a[3], f"000fac-{a[3]:02x}") if a[:3] == _OUI_IEEE else f"{a[:3].hex()}-{a[3]:02x}"
        for a in suites.akms
    )
