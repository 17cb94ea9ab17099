"""The ESP-AT commands the driver sends and how their answers read (pure functions).

Building: string arguments are quoted, with ``\\``, ``"`` and ``,`` escaped by a
backslash; CR and LF cannot be sent inside a command at all. Reading: each ``parse_*``
takes the information lines of one answer (see :mod:`hal.esp_at.parser`) and returns
plain values; a line that does not fit is ignored, a missing one gives None or an empty
result, so a firmware that adds fields does not break the driver.

Source: Espressif ESP-AT documentation, "Basic AT Commands" (AT+GMR, AT+CMD),
"Wi-Fi AT Commands" (AT+CWLAPOPT, AT+CWLAP, AT+CWJAP, AT+CWSTATE, AT+CIPSTA, and for the
SoftAP AT+CWSAP, AT+CIPAP, AT+CIPSTAMAC), "TCP/IP AT Commands" (AT+CIPDOMAIN,
AT+CIPRECVLEN, AT+CIPSERVER); ``docs/esp-at.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, Mapping, Optional, Sequence, Tuple

from ..errors import InvalidArgument
from ..types import FailureReason, ScanResult, Security, channel_to_freq_mhz, parse_bssid

__all__ = [
    "quote",
    "REQUIRED_COMMANDS",
    "PASSIVE_RECEIVE_COMMANDS",
    "Firmware",
    "parse_gmr",
    "parse_command_list",
    "missing_commands",
    "passive_receive_command",
    "SECURITY_BY_ECN",
    "ECN_BY_SECURITY",
    "CWLAP_PRINT_MASK",
    "parse_cwlap",
    "CWJAP_REASONS",
    "cwjap_failure",
    "parse_cwstate",
    "parse_cipsta_ip",
    "parse_cipdomain",
    "parse_ciprecvlen",
    "SOFTAP_COMMANDS",
    "SOFTAP_ECN",
    "DEFAULT_SERVER_PORT",
    "cwsap_command",
    "parse_cipap_ip",
    "parse_mac",
]

#: Commands the driver cannot work without (``AT+CMD?`` must list each).
REQUIRED_COMMANDS: FrozenSet[str] = frozenset(
    {
        "AT+CWMODE",
        "AT+CWLAPOPT",
        "AT+CWLAP",
        "AT+CWJAP",
        "AT+CWQAP",
        "AT+CWSTATE",
        "AT+CIPSTA",
        "AT+CIPDOMAIN",
        "AT+CIPMUX",
        "AT+CIPSTART",
        "AT+CIPSEND",
        "AT+CIPCLOSE",
        "AT+CIPRECVDATA",
    }
)
#: The passive-receive switch: v2.x–v4.x name it AT+CIPRECVMODE, newer documentation
#: AT+CIPRECVTYPE (per link); one of them is required.
PASSIVE_RECEIVE_COMMANDS = ("AT+CIPRECVTYPE", "AT+CIPRECVMODE")
#: Commands the SoftAP ops need; ``Capabilities.softap`` is true when ``AT+CMD?`` lists
#: them all (ESP-AT builds can leave commands out).
SOFTAP_COMMANDS: FrozenSet[str] = frozenset({"AT+CWSAP", "AT+CIPAP", "AT+CIPSERVER", "AT+CIPSTAMAC"})


def quote(value: bytes) -> bytes:
    """A string argument: ``"..."`` with ``\\``, ``"`` and ``,`` escaped.

    Args:
        value: Raw octets (an SSID, a passphrase, a host name).
    Raises:
        InvalidArgument: ``value`` holds CR or LF, which would end the command line.
    Source: ESP-AT "AT Command Set" (escape character syntax).
    """
    if b"\r" in value or b"\n" in value:
        raise InvalidArgument("an AT string argument cannot contain CR or LF")
    escaped = value.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b",", b"\\,")
    return b'"' + escaped + b'"'


# --------------------------------------------------------------------- firmware --


@dataclass(frozen=True)
class Firmware:
    """What ``AT+GMR`` says.

    Attributes:
        version: The AT core version as numbers, e.g. ``(3, 4, 0, 0)``; () if unknown.
        version_text: The version as printed (e.g. ``3.4.0.0``).
        chip: The target named in the version line (e.g. ``ESP32``, ``ESP32C5``).
        lines: Every line of the answer, for logs.
    """

    version: Tuple[int, ...] = ()
    version_text: str = ""
    chip: str = ""
    lines: Tuple[str, ...] = ()

    @property
    def wpa3(self) -> bool:
        """Whether the station joins WPA3-SAE networks (firmware v2.1 or later)."""
        return self.version >= (2, 1)

    @property
    def band_5ghz(self) -> bool:
        """Whether the chip has a 5 GHz radio (ESP32-C5)."""
        return self.chip.upper().replace("-", "") in ("ESP32C5",)

    def describe(self) -> str:
        return f"ESP-AT {self.version_text or '?'} ({self.chip or 'unknown chip'})"


_AT_VERSION = re.compile(r"AT version:\s*v?(\d+(?:\.\d+)*)[^(]*(?:\((.*)\))?")


def parse_gmr(lines: Iterable[bytes]) -> Firmware:
    """The :class:`Firmware` in an ``AT+GMR`` answer (``AT version:3.4.0.0(hash - ESP32 - date)``)."""
    texts = tuple(line.decode("ascii", "replace") for line in lines)
    for text in texts:
        match = _AT_VERSION.search(text)
        if match is None:
            continue
        numbers = tuple(int(part) for part in match.group(1).split("."))
        details = (match.group(2) or "").split(" - ")
        chip = details[1].strip() if len(details) >= 2 else ""
        return Firmware(numbers, match.group(1), chip, texts)
    return Firmware(lines=texts)


_CMD_LINE = re.compile(rb'\A\+CMD:\d+,"?(AT[^",]*)"?(?:,|\Z)')


def parse_command_list(lines: Iterable[bytes]) -> FrozenSet[str]:
    """The command names in an ``AT+CMD?`` answer (``+CMD:<index>,"AT+CWJAP",1,1,1,1``)."""
    names = set()
    for line in lines:
        match = _CMD_LINE.match(line)
        if match:
            names.add(match.group(1).decode("ascii", "replace").upper())
    return frozenset(names)


def missing_commands(available: FrozenSet[str]) -> Tuple[str, ...]:
    """Required commands the firmware lacks, sorted (the passive-receive pair counts once)."""
    missing = sorted(REQUIRED_COMMANDS - available)
    if not any(name in available for name in PASSIVE_RECEIVE_COMMANDS):
        missing.append(" or ".join(PASSIVE_RECEIVE_COMMANDS))
    return tuple(missing)


def passive_receive_command(available: FrozenSet[str]) -> bytes:
    """The command that puts every link in passive receive mode on this firmware."""
    if "AT+CIPRECVTYPE" in available:
        return b"AT+CIPRECVTYPE=5,1"
    return b"AT+CIPRECVMODE=1"


# ------------------------------------------------------------------------ scans --

#: ``<ecn>`` of AT+CWLAP → our security class.
SECURITY_BY_ECN: Mapping[int, Security] = {
    0: Security.OPEN,
    1: Security.WEP,
    2: Security.WPA_PSK,
    3: Security.WPA2_PSK,
    4: Security.WPA2_PSK,  # WPA_WPA2_PSK: mixed mode, joined as WPA2
    5: Security.ENTERPRISE,  # WPA2_ENTERPRISE
    6: Security.WPA3_SAE,  # WPA3_PSK
    7: Security.WPA2_WPA3,  # WPA2_WPA3_PSK
    8: Security.OTHER,  # WAPI_PSK
    9: Security.OTHER,  # OWE
    10: Security.ENTERPRISE,  # WPA3_ENT_192
    11: Security.WPA3_SAE,  # WPA3_EXT_PSK
    12: Security.WPA3_SAE,  # WPA3_EXT_PSK_MIXED_MODE
    13: Security.OTHER,  # DPP
    14: Security.ENTERPRISE,  # WPA3_ENTERPRISE
    15: Security.ENTERPRISE,  # WPA2_WPA3_ENTERPRISE
}
#: Our security class → the ``<ecn>`` an AP of that class shows (the emulator's side).
ECN_BY_SECURITY: Mapping[Security, int] = {
    Security.OPEN: 0,
    Security.WEP: 1,
    Security.WPA_PSK: 2,
    Security.WPA2_PSK: 3,
    Security.WPA3_SAE: 6,
    Security.WPA2_WPA3: 7,
    Security.ENTERPRISE: 5,
    Security.OTHER: 9,
}
#: AT+CWLAPOPT print mask the driver sets: ecn, ssid, rssi, mac, channel (bits 0–4).
CWLAP_PRINT_MASK = 0x1F

# +CWLAP:(<ecn>,"<ssid>",<rssi>,"<mac>",<channel>[,...]) — parentheses as printed by the
# firmware (the documentation omits them). The SSID is matched greedily up to the last
# `",<rssi>,"<mac>"` so that quotes and commas inside it do not cut it short.
_CWLAP = re.compile(
    rb'\A\+CWLAP:\(?(\d+),"(.*)",(-?\d+),"([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})",(\d+)(?:,[^"]*)?\)?\Z', re.DOTALL
)


def parse_cwlap(lines: Iterable[bytes], *, ssid: Optional[bytes] = None) -> Tuple[ScanResult, ...]:
    """The access points in an ``AT+CWLAP`` answer printed with :data:`CWLAP_PRINT_MASK`.

    Args:
        lines: The answer's information lines.
        ssid: For a directed scan (``AT+CWLAP="<ssid>"``): the SSID probed; only entries
            naming it are kept. A hidden AP answers the probe with its name; the wildcard
            scan's empty-SSID entry for the same BSSID keeps it marked hidden when the
            two are merged (:func:`hal.helpers.dedupe_by_bssid`).
    Returns:
        One result per line that parses; an empty SSID marks a hidden AP
        (``hidden=True``). Lines with an unknown channel are skipped; an unknown ``ecn``
        is OTHER.
    """
    results = []
    for line in lines:
        match = _CWLAP.match(line)
        if match is None:
            continue
        ecn, name, rssi, mac, channel = match.groups()
        try:
            freq = channel_to_freq_mhz(int(channel))
            bssid = parse_bssid(mac.decode("ascii"))
            security = SECURITY_BY_ECN.get(int(ecn), Security.OTHER)
            if ssid is not None and name != ssid:
                continue
            results.append(
                ScanResult(name[:32], bssid, freq, int(channel), max(-120, min(0, int(rssi))), security, not name)
            )
        except (InvalidArgument, ValueError):
            continue
    return tuple(results)


# ---------------------------------------------------------------------- joining --

#: ``+CWJAP:<code>`` → why the join failed (ESP-AT "Wi-Fi AT Commands", AT+CWJAP).
CWJAP_REASONS: Mapping[int, Tuple[FailureReason, str]] = {
    1: (FailureReason.TIMEOUT, "connection timeout"),
    2: (FailureReason.WRONG_KEY, "wrong password"),
    3: (FailureReason.AP_NOT_FOUND, "cannot find the target AP"),
    4: (FailureReason.UNKNOWN, "connection failed"),
}
_CWJAP_CODE = re.compile(rb"\A\+CWJAP:(\d+)\Z")


def cwjap_failure(lines: Sequence[bytes]) -> Tuple[FailureReason, str]:
    """Why an ``AT+CWJAP`` that ended in ERROR (or FAIL) failed.

    ``+CWJAP:1`` (timeout) after ``WIFI CONNECTED`` means the station associated but got
    no address: LIMITED_CONNECTIVITY. A missing or unknown code is UNKNOWN.
    """
    code = None
    for line in lines:
        match = _CWJAP_CODE.match(line)
        if match:
            code = int(match.group(1))
    if code is None:
        return FailureReason.UNKNOWN, "the join failed without an error code"
    if code == 1 and b"WIFI CONNECTED" in lines:
        return FailureReason.LIMITED_CONNECTIVITY, "associated, but no IP address in time (+CWJAP:1)"
    reason, text = CWJAP_REASONS.get(code, (FailureReason.UNKNOWN, "unknown error"))
    return reason, f"{text} (+CWJAP:{code})"


_CWSTATE = re.compile(rb'\A\+CWSTATE:(\d+),"(.*)"\Z', re.DOTALL)


def parse_cwstate(lines: Iterable[bytes]) -> Tuple[int, bytes]:
    """``+CWSTATE:<state>,"<ssid>"`` → (state, SSID); (0, b"") when absent.

    States: 0 not started, 1 connected without IPv4, 2 connected with IPv4,
    3 connecting, 4 disconnected.
    """
    for line in lines:
        match = _CWSTATE.match(line)
        if match:
            return int(match.group(1)), match.group(2)
    return 0, b""


_CIPSTA_IP = re.compile(rb'\A\+CIPSTA:ip:"?([0-9.]+)"?\Z')


def parse_cipsta_ip(lines: Iterable[bytes]) -> Optional[str]:
    """The station's IPv4 address in an ``AT+CIPSTA?`` answer; None if absent or 0.0.0.0."""
    for line in lines:
        match = _CIPSTA_IP.match(line)
        if match:
            address = match.group(1).decode("ascii")
            return None if address == "0.0.0.0" else address
    return None


_CIPDOMAIN = re.compile(rb'\A\+CIPDOMAIN:"?([^"]+)"?\Z')


def parse_cipdomain(lines: Iterable[bytes]) -> Optional[str]:
    """The address in an ``AT+CIPDOMAIN`` answer (quoted since v2.x, bare before)."""
    for line in lines:
        match = _CIPDOMAIN.match(line)
        if match:
            return match.group(1).decode("ascii", "replace")
    return None


def parse_ciprecvlen(lines: Iterable[bytes]) -> Dict[int, int]:
    """``+CIPRECVLEN:<len0>,<len1>,...`` → {link id: buffered octets} (empty fields are 0)."""
    for line in lines:
        if line.startswith(b"+CIPRECVLEN:"):
            fields = line[len(b"+CIPRECVLEN:") :].split(b",")
            return {i: int(f) if f.strip().isdigit() else 0 for i, f in enumerate(fields)}
    return {}


# ----------------------------------------------------------------------- SoftAP --

#: Our security class → ``<ecn>`` of AT+CWSAP (ESP-AT "Wi-Fi AT Commands", AT+CWSAP:
#: 0 OPEN, 2 WPA_PSK, 3 WPA2_PSK, 4 WPA_WPA2_PSK; WEP is refused by the firmware, and
#: the v3.x/v4.x documentation offers no WPA3 SoftAP).
SOFTAP_ECN: Mapping[Security, int] = {Security.OPEN: 0, Security.WPA_PSK: 2, Security.WPA2_PSK: 3}
#: The port ``AT+CIPSERVER=1`` listens on when none is given (ESP-AT "TCP/IP AT Commands").
DEFAULT_SERVER_PORT = 333


def cwsap_command(ssid: bytes, key: bytes, channel: int, security: Security, hidden: bool) -> bytes:
    """``AT+CWSAP="<ssid>","<pwd>",<chl>,<ecn>,,<ssid hidden>`` (max conn left at the
    firmware's default).

    Args:
        ssid: 1–32 octets.  key: the WPA passphrase (8–63 characters) or 64 hex digits;
        empty for OPEN.  channel: 1–14.  security: OPEN, WPA_PSK or WPA2_PSK.
        hidden: leave the SSID out of beacons.
    Raises:
        InvalidArgument: a security the firmware's SoftAP does not offer, or CR/LF in a string.
    Source: ESP-AT "Wi-Fi AT Commands", AT+CWSAP.
    """
    ecn = SOFTAP_ECN.get(security)
    if ecn is None:
        raise InvalidArgument(f"the ESP-AT SoftAP offers OPEN, WPA_PSK or WPA2_PSK, not {security.value}")
    return b"AT+CWSAP=%s,%s,%d,%d,,%d" % (quote(ssid), quote(key if ecn else b""), channel, ecn, int(hidden))


_CIPAP_IP = re.compile(rb'\A\+CIPAP:ip:"?([0-9.]+)"?\Z')


def parse_cipap_ip(lines: Iterable[bytes]) -> Optional[str]:
    """The SoftAP's IPv4 address in an ``AT+CIPAP?`` answer (``+CIPAP:ip:"192.168.4.1"``)."""
    for line in lines:
        match = _CIPAP_IP.match(line)
        if match:
            return match.group(1).decode("ascii")
    return None


def parse_mac(lines: Iterable[bytes], name: bytes) -> Optional[bytes]:
    """The 6 octets of ``+<name>:"aa:bb:cc:dd:ee:ff"`` (``AT+CIPSTAMAC?``, ``AT+CIPAPMAC?``)."""
    prefix = b"+" + name + b":"
    for line in lines:
        if line.startswith(prefix):
            try:
                return parse_bssid(line[len(prefix) :].strip(b'"').decode("ascii"))
            except (InvalidArgument, UnicodeDecodeError):
                return None
    return None
