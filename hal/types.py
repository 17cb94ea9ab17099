"""Section 1 of the driver contract: the data structures a driver exchanges with the core.

Everything here is a frozen dataclass or an enum, validated when constructed, so a value
that reaches ``wss`` is always well formed: an SSID is 0–32 raw octets (not text, not NUL
terminated), a BSSID exactly 6 octets, a frequency in MHz, an RSSI in dBm. Keys never
appear in a repr.

Terms follow protocol §4.1. The HAL knows Wi-Fi, not WSS: a failed attempt carries a
:class:`FailureReason`; the ``wss`` layer maps reasons to error-details codes (§10) and
security classes to the four DSS strings (§4.1). The HAL never sees those codes.

Source: protocol §3.1 rows 13–18, §4.1, §10; the integration guide, "Error codes" and
"Supported Networks"; IEEE 802.11-2020 Annex E (channel → centre frequency).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Optional

from .errors import InvalidArgument

__all__ = [
    "MAX_SSID_OCTETS",
    "BSSID_OCTETS",
    "Security",
    "PSK_FAMILY",
    "credential_fits",
    "check_key",
    "ScanResult",
    "NetworkConfig",
    "ConnectivityCheck",
    "ConnectionState",
    "FailureReason",
    "ConnectionAttempt",
    "Capabilities",
    "SoftAPConfig",
    "DriverEvent",
    "channel_to_freq_mhz",
    "freq_mhz_to_channel",
    "parse_bssid",
    "format_bssid",
]

#: Longest SSID, octets (protocol §4.1; IEEE 802.11 SSID element).
MAX_SSID_OCTETS = 32
#: BSSID length, octets (a MAC address; protocol §4.1).
BSSID_OCTETS = 6

_HEX_RE = re.compile(rb"\A[0-9A-Fa-f]*\Z")
_BSSID_TEXT_RE = re.compile(r"\A[0-9A-Fa-f]{2}([:-]?)(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}\Z")


class Security(str, enum.Enum):
    """Security class of an access point, or the credential type of a configuration.

    Finer than the four DSS strings (OPEN, WPA_PSK, WEP, OTHER, §4.1): the ``wss`` layer
    folds WPA2_PSK, WPA3_SAE and WPA2_WPA3 into what the DSS expects.
    """

    OPEN = "OPEN"  #: no encryption
    WEP = "WEP"  #: static WEP key (40 or 104 bit)
    WPA_PSK = "WPA_PSK"  #: WPA (TKIP) personal
    WPA2_PSK = "WPA2_PSK"  #: WPA2 (RSN) personal, or WPA/WPA2 mixed
    WPA3_SAE = "WPA3_SAE"  #: WPA3 personal (SAE) only
    WPA2_WPA3 = "WPA2_WPA3"  #: transition mode: WPA2-PSK and SAE both offered
    ENTERPRISE = "ENTERPRISE"  #: 802.1X / EAP (any WPA generation)
    OTHER = "OTHER"  #: anything else (OWE, WAPI, unknown AKM)

    @property
    def needs_key(self) -> bool:
        """Whether joining needs a key (WEP key or passphrase/PSK)."""
        return self in (Security.WEP,) or self in PSK_FAMILY


#: Classes joined with a passphrase (8–63 characters) or a 64-hex-digit PSK.
PSK_FAMILY = frozenset({Security.WPA_PSK, Security.WPA2_PSK, Security.WPA3_SAE, Security.WPA2_WPA3})


def credential_fits(ap: Security, credential: Security, *, wpa3: bool = True) -> bool:
    """Whether a configuration of type ``credential`` can join an AP of class ``ap``.

    The DSS reports every personal network as WPA_PSK (§4.1), so a PSK-family credential
    fits every PSK-family AP the driver can speak: a driver configures a passphrase
    network for WPA-PSK, WPA2-PSK and (with ``wpa3``) SAE at once, like wpa_supplicant
    with ``key_mgmt=WPA-PSK SAE``. OPEN fits OPEN, WEP fits WEP; ENTERPRISE and OTHER
    are never joinable through this contract.

    Args:
        ap: The access point's class, from a scan.
        credential: The configuration's ``security``.
        wpa3: Whether the driver supports SAE (``Capabilities.wpa3``).
    Returns:
        True if a join may be attempted.
    Source: protocol §4.1 (DSS security strings); integration guide, "Supported Networks".
    """
    if credential in PSK_FAMILY:
        if ap is Security.WPA3_SAE:
            return wpa3
        return ap in PSK_FAMILY
    return ap is credential and ap in (Security.OPEN, Security.WEP)


def channel_to_freq_mhz(channel: int) -> int:
    """Centre frequency in MHz of a 2.4 GHz (1–14) or 5 GHz (32–177) channel number.

    Raises:
        InvalidArgument: Not a 2.4 or 5 GHz channel number.
    Source: IEEE 802.11-2020 Annex E (2407 + 5·ch; ch 14 = 2484; 5000 + 5·ch).
    """
    if 1 <= channel <= 13:
        return 2407 + 5 * channel
    if channel == 14:
        return 2484
    if 32 <= channel <= 177:
        return 5000 + 5 * channel
    raise InvalidArgument(f"channel {channel} is not a 2.4 GHz (1-14) or 5 GHz (32-177) channel")


def freq_mhz_to_channel(freq_mhz: int) -> int:
    """Channel number of a 2.4, 5 or 6 GHz centre frequency in MHz.

    Raises:
        InvalidArgument: The frequency is not a channel centre of those bands.
    Source: IEEE 802.11-2020 Annex E; 6 GHz: 5950 + 5·ch (ch 2 = 5935).
    """
    if freq_mhz == 2484:
        return 14
    if 2412 <= freq_mhz <= 2472 and (freq_mhz - 2407) % 5 == 0:
        return (freq_mhz - 2407) // 5
    if 5160 <= freq_mhz <= 5885 and freq_mhz % 5 == 0:
        return (freq_mhz - 5000) // 5
    if freq_mhz == 5935:
        return 2
    if 5955 <= freq_mhz <= 7115 and (freq_mhz - 5950) % 5 == 0:
        return (freq_mhz - 5950) // 5
    raise InvalidArgument(f"{freq_mhz} MHz is not a 2.4/5/6 GHz channel centre")


def parse_bssid(text: str) -> bytes:
    """``"02:00:00:00:01:00"`` (or with ``-`` or no separators) → 6 raw octets.

    Raises:
        InvalidArgument: Not 6 hexadecimal octets.
    """
    if not isinstance(text, str) or not _BSSID_TEXT_RE.match(text):
        raise InvalidArgument(f"BSSID {text!r} is not 6 hex octets like 02:00:00:00:01:00")
    return bytes.fromhex(re.sub(r"[:-]", "", text))


def format_bssid(bssid: bytes) -> str:
    """6 raw octets → ``"02:00:00:00:01:00"`` (lower case)."""
    return ":".join(f"{b:02x}" for b in bssid)


def _check_ssid(ssid: bytes, *, allow_empty: bool) -> None:
    if not isinstance(ssid, bytes):
        raise InvalidArgument(f"SSID must be bytes, not {type(ssid).__name__}")
    if len(ssid) > MAX_SSID_OCTETS:
        raise InvalidArgument(f"SSID is {len(ssid)} octets; at most {MAX_SSID_OCTETS}")
    if not allow_empty and not ssid:
        raise InvalidArgument("SSID is empty")


def check_key(security: Security, key: bytes) -> None:
    """Check a key against its security type; messages give lengths only, never the key.

    Args:
        security: OPEN (no key), WEP (5/13 characters or 10/26 hex digits) or a
            PSK-family type (8–63 characters or 64 hex digits).
        key: The key, raw bytes.
    Raises:
        InvalidArgument: Wrong length or alphabet, or a type that takes no configured key
            (ENTERPRISE, OTHER).
    Source: IEEE 802.11-2020 J.4 (passphrase 8–63 ASCII, PSK 256 bits); WEP-40/104.
    """
    if not isinstance(key, bytes):
        raise InvalidArgument(f"key must be bytes, not {type(key).__name__}")
    n = len(key)
    if security is Security.OPEN:
        if n:
            raise InvalidArgument("an OPEN network takes no key")
    elif security is Security.WEP:
        if not (n in (5, 13) or (n in (10, 26) and _HEX_RE.match(key))):
            raise InvalidArgument(f"WEP key is {n} octets; needs 5 or 13 characters or 10 or 26 hex digits")
    elif security in PSK_FAMILY:
        if not (8 <= n <= 63 or (n == 64 and _HEX_RE.match(key))):
            raise InvalidArgument(f"passphrase is {n} octets; needs 8-63 characters or 64 hex digits")
    else:
        raise InvalidArgument(f"{security.name} networks cannot be configured through this contract")


@dataclass(frozen=True)
class ScanResult:
    """One BSS heard in a scan (protocol §3.1 row 13, ``FfsWifiScanResult_t``).

    Attributes:
        ssid: 0–32 raw octets. Empty for a hidden AP unless a directed probe revealed it.
        bssid: 6 octets (the AP's MAC address).
        freq_mhz: Centre frequency, MHz (e.g. 2437).
        channel: Channel number (e.g. 6); the ports put this in ``frequencyBand`` (§4.1).
        rssi_dbm: Signal strength, dBm (e.g. -48).
        security: The AP's security class.
        hidden: True if the AP hides its SSID in beacons.
    """

    ssid: bytes
    bssid: bytes
    freq_mhz: int
    channel: int
    rssi_dbm: int
    security: Security
    hidden: bool = False

    def __post_init__(self) -> None:
        _check_ssid(self.ssid, allow_empty=True)
        if not isinstance(self.bssid, bytes) or len(self.bssid) != BSSID_OCTETS:
            raise InvalidArgument(f"BSSID must be {BSSID_OCTETS} octets")
        if not isinstance(self.security, Security):
            raise InvalidArgument(f"security must be a Security, not {self.security!r}")

    @property
    def bssid_text(self) -> str:
        """The BSSID as ``aa:bb:cc:dd:ee:ff``."""
        return format_bssid(self.bssid)


@dataclass(frozen=True)
class NetworkConfig:
    """A network to join (protocol §3.1 row 14, ``FfsWifiConfiguration_t``).

    Attributes:
        ssid: 1–32 raw octets.
        security: The credential type: OPEN, WEP, or any PSK-family member (all PSK-family
            values mean "a passphrase network", see :func:`credential_fits`).
        key: Empty for OPEN; WEP: 5/13 characters or 10/26 hex digits; PSK family:
            8–63 characters or 64 hex digits. Never shown in a repr.
        hidden: The AP hides its SSID: the driver must probe for it by name.
        priority: Higher is tried first; equal priorities keep the order they were added
            in (§3.1 row 14: first added = first tried; the SDK passes 0).
    """

    ssid: bytes
    security: Security
    key: bytes = field(default=b"", repr=False)
    hidden: bool = False
    priority: int = 0

    def __post_init__(self) -> None:
        _check_ssid(self.ssid, allow_empty=False)
        if not isinstance(self.security, Security):
            raise InvalidArgument(f"security must be a Security, not {self.security!r}")
        check_key(self.security, self.key)


@dataclass(frozen=True)
class ConnectivityCheck:
    """What ``connect()`` verifies after association before calling a network joined.

    Attributes:
        host: A host name (e.g. the DSS host) that must resolve on the new network.
        port: A TCP port on ``host`` that must accept a connection (1–65535).
    Source: protocol §11.1 (LNX declares success only once the DSS host resolves).
    """

    host: str
    port: int

    def __post_init__(self) -> None:
        if not self.host or not (1 <= self.port <= 65535):
            raise InvalidArgument(f"connectivity check needs a host and a port 1-65535, got {self.host!r}:{self.port}")


class ConnectionState(enum.IntEnum):
    """Station state; values are those of protocol §4.1 (there is no 1)."""

    FAILED = -1  #: the last connect() joined no network
    IDLE = 0  #: nothing attempted since open()
    DISCONNECTED = 2  #: left a network, or lost it
    UNAUTHENTICATED = 3  #: joining: before authentication
    AUTHENTICATED = 4  #: joining: authenticated, not yet associated
    ASSOCIATED = 5  #: joined (and, if asked, the connectivity check passed)


class FailureReason(enum.Enum):
    """Why one connection attempt failed. ``wss`` maps these to error details (§10)."""

    NO_CONFIGURED_NETWORKS = "no_configured_networks"  #: connect() had nothing to try
    WRONG_KEY = "wrong_key"  #: the AP rejected the key (4-way handshake, SAE, WEP auth)
    AP_NOT_FOUND = "ap_not_found"  #: no AP with this SSID and a fitting security answered
    CAPTIVE_PORTAL = "captive_portal"  #: joined, but traffic is redirected to a login page
    LIMITED_CONNECTIVITY = "limited_connectivity"  #: joined, but no IP / check host unreachable
    TIMEOUT = "timeout"  #: no outcome within timeout_s (wss decides 3:5 or 3:6)
    INTERNAL = "internal"  #: the driver or chip failed, not the network
    UNKNOWN = "unknown"  #: anything else


@dataclass(frozen=True)
class ConnectionAttempt:
    """One network tried by ``connect()``, or the current connection (§3.1 rows 17–18;
    ``FfsWifiConnectionDetails_t`` and ``FfsWifiConnectionAttempt_t`` are one type, §4.1).

    Attributes:
        ssid: The network's SSID (empty for NO_CONFIGURED_NETWORKS).
        security: The configuration's security type.
        state: ASSOCIATED on success, else FAILED (or the live state for details).
        failure: Why it failed; None on success.
        detail: Free text from the driver for logs (no secrets).
    """

    ssid: bytes
    security: Security
    state: ConnectionState
    failure: Optional[FailureReason] = None
    detail: str = ""

    @property
    def succeeded(self) -> bool:
        """Whether this attempt joined its network."""
        return self.state is ConnectionState.ASSOCIATED and self.failure is None


@dataclass(frozen=True)
class Capabilities:
    """What a driver can do, so the core never guesses (hostap ``get_capa()``).

    Attributes:
        softap: start_softap()/stop_softap() work.
        concurrent_softap_station: A SoftAP can run while the station is joined.
        wpa3: SAE networks can be joined.
        wep: WEP networks can be joined.
        directed_scan: scan(ssids=...) probes SSIDs by name (hidden networks).
        max_scan_ssids: Most SSIDs one scan can probe (0 without directed_scan).
        band_5ghz: 5 GHz channels are scanned and joinable.
        stream_fileno: Streams are kernel sockets; ByteStream.fileno() works.
    """

    softap: bool = False
    concurrent_softap_station: bool = False
    wpa3: bool = False
    wep: bool = False
    directed_scan: bool = False
    max_scan_ssids: int = 0
    band_5ghz: bool = False
    stream_fileno: bool = False


@dataclass(frozen=True)
class SoftAPConfig:
    """A SoftAP to run (for the SoftAP setup fallback; integration guide, factory reset).

    Attributes:
        ssid: 1–32 raw octets.
        security: OPEN or a PSK-family type.
        key: Passphrase for PSK types; never shown in a repr.
        channel: 2.4 GHz channel, 1–14.
        hidden: Hide the SSID in beacons.
    """

    ssid: bytes
    security: Security = Security.OPEN
    key: bytes = field(default=b"", repr=False)
    channel: int = 6
    hidden: bool = False

    def __post_init__(self) -> None:
        _check_ssid(self.ssid, allow_empty=False)
        if self.security is Security.WEP:
            raise InvalidArgument("a SoftAP cannot use WEP")
        check_key(self.security, self.key)
        if not 1 <= self.channel <= 14:
            raise InvalidArgument(f"SoftAP channel {self.channel} is not 1-14")


class DriverEvent(enum.Enum):
    """What a driver reports through the event callback. Each must fire as documented."""

    SCAN_DONE = "scan_done"
    """MUST fire once per successful ``start_scan()``, after ``scan_results()`` holds its
    results (a driver reports them with ``_scan_completed()``, which fires it). It may fire
    before ``start_scan()`` returns."""

    SCAN_FAILED = "scan_failed"
    """MUST fire instead of SCAN_DONE when a started scan cannot complete (aborted, the
    radio refused it); ``scan_results()`` keeps the previous results."""

    CONNECTED = "connected"
    """MUST fire when the station joins a network: ``connect()`` fires it (through the
    base) before returning ASSOCIATED."""

    ATTEMPT_RECORDED = "attempt_recorded"
    """MUST fire after every connection attempt is recorded (success or failure)."""

    DISCONNECTED = "disconnected"
    """MUST fire when a joined link ends: ``disconnect()``, ``remove_network()`` of the
    current network, ``connect()`` leaving it, or the AP/link lost (a driver reports loss
    with ``_link_lost()``, which fires it)."""

    SOFTAP_STARTED = "softap_started"
    """MUST fire when ``start_softap()`` has the AP beaconing."""

    SOFTAP_STOPPED = "softap_stopped"
    """MUST fire when a running SoftAP stops (``stop_softap()`` or a failure)."""

    INTERFACE_LOST = "interface_lost"
    """MUST fire when the interface or chip disappears or resets under the driver; every
    later operation raises InterfaceError until the driver is reopened."""
