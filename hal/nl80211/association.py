"""Joining one network through wpa_supplicant: the network block, and reading the outcome.

The network block (``ADD_NETWORK`` + ``SET_NETWORK``) for a :class:`NetworkConfig`:

=================  ===========================================================
security            settings
=================  ===========================================================
OPEN               ``key_mgmt=NONE``
WEP                ``key_mgmt=NONE``, ``wep_key0``, ``wep_tx_keyidx=0``,
                   ``auth_alg=OPEN SHARED``
PSK family         ``key_mgmt=WPA-PSK WPA-PSK-SHA256 SAE``, ``psk="<passphrase>"``,
                   ``ieee80211w=1`` (PMF optional: required by SAE, negotiated with
                   WPA3-only APs that demand it, skipped by WPA/WPA2 APs). SAE is
                   left out when wpa_supplicant lacks it or the key is a raw
                   64-hex-digit PSK; a passphrase with characters outside printable
                   ASCII is turned into its PSK (PBKDF2) and joins WPA/WPA2 only.
all                ``ssid`` as hex (any octets), ``scan_ssid=1`` if hidden,
                   ``scan_freq`` (the channels to scan), ``priority``, ``id_str=wss``
=================  ===========================================================

Outcome of ``SELECT_NETWORK`` (events of wpa_supplicant 2.10 as observed on
mac80211_hwsim, see ``tests/integration/hwsim``):

* ``CTRL-EVENT-CONNECTED ... [id=N`` → joined.
* ``CTRL-EVENT-SSID-TEMP-DISABLED id=N ... reason=WRONG_KEY`` (4-way handshake failed:
  the AP deauthenticates with reason 15) → WRONG_KEY.
* ``CTRL-EVENT-AUTH-REJECT ... auth_type=3`` (SAE commit/confirm rejected, as a wrong
  WPA3 password gives) or ``auth_type=1 status_code=15`` (WEP shared-key challenge
  failure), then ``CTRL-EVENT-SSID-TEMP-DISABLED ... reason=CONN_FAILED`` → WRONG_KEY.
  Other ``CONN_FAILED`` / ``AUTH_FAILED`` (association rejected, ...) → UNKNOWN.
* ``CTRL-EVENT-NETWORK-NOT-FOUND`` after a ``CTRL-EVENT-SCAN-RESULTS`` of this attempt →
  AP_NOT_FOUND. (wpa_supplicant also reports NOT-FOUND at once from cached results
  before it scans; the driver flushes its BSS table first and ignores NOT-FOUND until a
  scan of its own completed.) For a hidden network the driver asks for more scans
  (``SCAN``) before concluding: a provisioner may start its network only after hearing
  the device's first directed probe.

A wrong WEP key with open-system authentication cannot be seen here: the association
succeeds and only traffic fails (no DHCP lease → LIMITED_CONNECTIVITY).

Source: hostap ``wpa_supplicant/events.c`` (``wpas_auth_failed`` reasons),
``wpa_supplicant/config_ssid.h`` (network fields); protocol §10 (3:2:0:1 bad PSK,
3:16:0:1 AP not found), §11.1 (LNX: failed 4-way handshake → authentication failed).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from ..types import FailureReason, NetworkConfig, Security
from .wpa_ctrl import WpaEvent

__all__ = ["network_settings", "JoinTracker", "JoinOutcome", "ID_STR"]

#: ``id_str`` of every network block the driver adds, to find its leftovers.
ID_STR = "wss"


def _quote(text: str) -> str:
    return '"' + text + '"'


def _printable_ascii(key: bytes) -> bool:
    return all(0x20 <= b <= 0x7E for b in key)


def network_settings(
    config: NetworkConfig, *, sae: bool, scan_freqs_mhz: Optional[Sequence[int]] = None
) -> List[Tuple[str, str]]:
    """``SET_NETWORK`` name/value pairs for ``config`` (values may hold the key: never log).

    Args:
        config: The network to join.
        sae: wpa_supplicant supports SAE (``GET_CAPABILITY key_mgmt``).
        scan_freqs_mhz: Channels wpa_supplicant scans for it; None for all.
    Returns:
        The pairs, in the order to set them.
    """
    out: List[Tuple[str, str]] = [
        ("ssid", config.ssid.hex()),
        ("id_str", _quote(ID_STR)),
        ("priority", str(max(0, config.priority))),
    ]
    key = config.key
    if config.security is Security.OPEN:
        out.append(("key_mgmt", "NONE"))
    elif config.security is Security.WEP:
        wep = key.decode("ascii") if len(key) in (10, 26) else _quote(key.decode("latin-1"))
        out += [("key_mgmt", "NONE"), ("wep_key0", wep), ("wep_tx_keyidx", "0"), ("auth_alg", "OPEN SHARED")]
    else:
        if len(key) == 64:
            psk, with_sae = key.decode("ascii"), False
        elif _printable_ascii(key):
            psk, with_sae = _quote(key.decode("ascii")), sae
        else:
            psk, with_sae = hashlib.pbkdf2_hmac("sha1", key, config.ssid, 4096, 32).hex(), False
        mgmt = "WPA-PSK WPA-PSK-SHA256" + (" SAE" if with_sae else "")
        out += [("key_mgmt", mgmt), ("psk", psk), ("ieee80211w", "1")]
    if config.hidden:
        out.append(("scan_ssid", "1"))
    if scan_freqs_mhz:
        out.append(("scan_freq", " ".join(str(f) for f in scan_freqs_mhz)))
    return out


@dataclass(frozen=True)
class JoinOutcome:
    """How one ``SELECT_NETWORK`` ended: joined (``reason`` None) or failed."""

    reason: Optional[FailureReason]
    detail: str

    @property
    def joined(self) -> bool:
        return self.reason is None


class JoinTracker:
    """Reads wpa_supplicant events of one join attempt and decides its outcome.

    Args:
        network_id: The id ``ADD_NETWORK`` returned.
        scans: How many scans must miss the network before it counts as not found. A
            hidden setup network may appear only after the provisioner heard the first
            directed probe (protocol §7.1: the Echo reacts to the device's probe), so
            the driver allows hidden networks more than one.
    Attributes:
        rescan: Set when a scan missed the network but more scans are allowed; the
            caller asks wpa_supplicant for the next scan (``SCAN``) and clears it.
    """

    def __init__(self, network_id: int, scans: int = 1) -> None:
        self.network_id = network_id
        self.scans_left = max(1, scans)
        self.rescan = False
        self.scanned = False
        self.key_rejected = ""
        self.last_reject = ""

    def feed(self, event: WpaEvent) -> Optional[JoinOutcome]:
        """Take the next event; return the outcome once it is known, else None."""
        name, fields = event.name, event.fields
        if name == "CTRL-EVENT-SCAN-RESULTS":
            self.scanned = True
        elif name == "CTRL-EVENT-CONNECTED" and event.network_id() in (None, self.network_id):
            return JoinOutcome(None, "connected")
        elif name == "CTRL-EVENT-NETWORK-NOT-FOUND" and self.scanned:
            self.scans_left -= 1
            if self.scans_left > 0:
                self.scanned, self.rescan = False, True
                return None
            return JoinOutcome(FailureReason.AP_NOT_FOUND, "no AP with this SSID and a fitting security answered")
        elif name == "CTRL-EVENT-AUTH-REJECT":
            auth_type, status = fields.get("auth_type"), fields.get("status_code")
            self.last_reject = f"authentication rejected (auth_type={auth_type}, status={status})"
            if auth_type == "3":
                self.key_rejected = "SAE authentication rejected (wrong password)"
            elif auth_type == "1" and status == "15":
                self.key_rejected = "WEP shared-key authentication rejected (wrong key)"
        elif name == "CTRL-EVENT-ASSOC-REJECT":
            self.last_reject = f"association rejected (status={fields.get('status_code')})"
        elif name == "CTRL-EVENT-SSID-TEMP-DISABLED" and event.network_id() == self.network_id:
            reason = fields.get("reason", "")
            if reason == "WRONG_KEY":
                return JoinOutcome(FailureReason.WRONG_KEY, "4-way handshake failed (wrong passphrase)")
            if self.key_rejected:
                return JoinOutcome(FailureReason.WRONG_KEY, self.key_rejected)
            return JoinOutcome(
                FailureReason.UNKNOWN,
                f"wpa_supplicant gave up ({reason or 'no reason'}): {self.last_reject or 'no detail'}",
            )
        return None
