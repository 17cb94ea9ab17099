"""Setup networks of Wi-Fi Simple Setup: a pure codec, no crypto and no state machine.

* :mod:`wss.setup_network.encoding` — the text of the Amazon custom encoded setup
  network: the 32-character hidden SSID and the 44-character WPA2 passphrase, from
  digests and a MAC the caller computes (and the SSID's inverse).
* :class:`EncodedSetupNetwork` — one device's encoded network for one nonce.
* :data:`SIMPLE_SETUP` — the SDK's default fallback setup network (open, hidden,
  ``simple_setup``).
* :func:`setup_network_port` — where DSS traffic goes: port 8888 (or the configured setup
  port) while on the encoded network, the normal DSS port otherwise.
* :func:`is_encoded_setup_ssid` — whether an SSID is this device's encoded setup SSID.

Computing a device's encoded network runs the state machine's own step through a compat
object: :func:`wss.provisionee.encoded_network.encoded_network_through`, and from key
files :func:`wss.provisioning.compute_encoded_network`. This package imports nothing of
:mod:`wss.provisionee` and no crypto library (the local DSS imports it too).

Source: protocol §7.1 (encoded network), §7.3 (fallback), §7.4 (port 8888).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..compat.types import SecurityProtocol, WifiConfiguration
from ..dss.client import SETUP_NETWORK_PORT
from .encoding import NONCE_LENGTH, ami_of, decode_ssid

__all__ = [
    "EncodedSetupNetwork",
    "setup_network_port",
    "is_encoded_setup_ssid",
    "SIMPLE_SETUP",
    "SETUP_NETWORK_PORT",
    "NONCE_LENGTH",
]

#: The SDK's default fallback setup network: open, hidden, SSID ``simple_setup`` (protocol §7.3).
SIMPLE_SETUP = WifiConfiguration(b"simple_setup", SecurityProtocol.NONE, b"", is_hidden=True)


@dataclass(frozen=True)
class EncodedSetupNetwork:
    """A device's encoded setup network for one nonce.

    Attributes:
        ssid: the 32-character SSID, ASCII bytes.
        passphrase: the 44-character WPA2 passphrase, ASCII bytes (never in a repr).
        nonce: the 12-byte nonce it was computed with.
    """

    ssid: bytes
    passphrase: bytes = field(repr=False)
    nonce: bytes = b""

    @property
    def configuration(self) -> WifiConfiguration:
        """The network as the device adds it: WPA_PSK, hidden (protocol §7.1, last line)."""
        return WifiConfiguration(self.ssid, SecurityProtocol.WPA_PSK, self.passphrase, is_hidden=True)


def setup_network_port(on_encoded_network: bool, dss_port: int, setup_port: int = SETUP_NETWORK_PORT) -> int:
    """The DSS port to use: ``setup_port`` (8888) on the encoded network, else ``dss_port``.

    Source: protocol §7.4 (and §7.3: the fallback network uses the normal port).
    """
    return setup_port if on_encoded_network else dss_port


def is_encoded_setup_ssid(ssid: bytes, device_public_key_sha256: bytes) -> bool:
    """Whether ``ssid`` is an encoded setup SSID carrying this device's AMI.

    Args:
        ssid: raw SSID octets.
        device_public_key_sha256: SHA-256 of the device's DER SubjectPublicKeyInfo.
    Source: protocol §7.1 (SSID steps 1–4 and their inverse).
    """
    try:
        decoded = decode_ssid(ssid.decode("ascii"))
    except (UnicodeDecodeError, ValueError, TypeError):
        return False
    return decoded.ami == ami_of(device_public_key_sha256)
