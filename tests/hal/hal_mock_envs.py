"""Builders for mock environments in the HAL tests, and a provisioner test double."""

from __future__ import annotations

from typing import Dict, List, Optional

from hal import NetworkConfig, Security

SETUP_SSID = "BAencodedSetupSSIDxxxxxxxxxxxxxx"  # 32 characters, like §7.1's
SETUP_PASSPHRASE = "q0dY3wq1m0vKz7sV5uQ1+f2Z8cQm1y1H0aBcDeFgHiJ="  # 44 characters, like §7.1's


def ap(
    ssid: str,
    bssid: str,
    *,
    channel: int = 6,
    rssi: int = -50,
    security: str = "WPA2_PSK",
    passphrase: Optional[str] = "passphrase1",
    **extra: object,
) -> dict:
    """One ``access_points`` entry (an OPEN AP gets no passphrase)."""
    entry: dict = {"ssid": ssid, "bssid": bssid, "channel": channel, "rssi": rssi, "security": security}
    if security not in ("OPEN", "ENTERPRISE", "OTHER") and passphrase is not None:
        entry["passphrase"] = passphrase
    entry.update(extra)
    return entry


def psk(ssid: str, key: str = "passphrase1", *, hidden: bool = False) -> NetworkConfig:
    return NetworkConfig(ssid.encode(), Security.WPA_PSK, key.encode(), hidden=hidden)


class FakeProvisioner:
    """Stands in for ``wss.cloud.provisioner.Provisioner``: knows fixed SSIDs.

    Attributes:
        asked: Every SSID it was asked about, in order.
    """

    def __init__(self, known: Optional[Dict[str, str]] = None) -> None:
        self.known = dict(known if known is not None else {SETUP_SSID: SETUP_PASSPHRASE})
        self.asked: List[str] = []

    def passphrase_for(self, ssid: str) -> Optional[str]:
        self.asked.append(ssid)
        if ssid.startswith("!"):
            raise ValueError("not base85")  # what a decoder says about a foreign SSID
        return self.known.get(ssid)
