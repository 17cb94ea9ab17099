"""What the Wi-Fi provisioning handlers need from the device's station: a scan, a join,
and how the join goes. A platform implements :class:`ProvisioningStation` (over the HAL:
:class:`wss.softap.station.DriverStation`); the handlers never see a driver.

Source: ESP-IDF wifi_provisioning (scan, config and its station states; docs/softap.md,
"Wi-Fi provisioning").
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field
from typing import Optional, Sequence

__all__ = [
    "AuthMode",
    "AccessPoint",
    "StationConfig",
    "JoinState",
    "FailReason",
    "Connection",
    "JoinStatus",
    "ProvisioningStation",
]


class AuthMode(enum.IntEnum):
    """``WifiAuthMode`` of ``wifi_constants.proto`` (ESP-IDF's ``wifi_auth_mode_t``)."""

    OPEN = 0
    WEP = 1
    WPA_PSK = 2
    WPA2_PSK = 3
    WPA_WPA2_PSK = 4
    WPA2_ENTERPRISE = 5
    WPA3_PSK = 6
    WPA2_WPA3_PSK = 7


@dataclass(frozen=True)
class AccessPoint:
    """One access point heard in a scan, as ``WiFiScanResult`` carries it.

    Attributes:
        ssid: 1–32 raw octets.
        bssid: 6 octets.
        channel: channel number.
        rssi_dbm: signal strength, dBm.
        auth: its authentication mode.
    """

    ssid: bytes
    bssid: bytes
    channel: int
    rssi_dbm: int
    auth: AuthMode


@dataclass(frozen=True)
class StationConfig:
    """The network a client asked for (``CmdSetConfig``).

    Attributes:
        ssid: 1–32 octets.
        passphrase: empty for an open network; never shown in a repr.
        bssid: empty, or the 6-octet BSSID to join.
        channel: 0 (any) or the channel to join on.
    """

    ssid: bytes
    passphrase: bytes = field(default=b"", repr=False)
    bssid: bytes = b""
    channel: int = 0


class JoinState(enum.Enum):
    """How the station's join of the configured network goes."""

    IDLE = "idle"  #: nothing applied yet (reported as Disconnected)
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"


class FailReason(enum.IntEnum):
    """``WifiConnectFailedReason``: why a join failed."""

    AUTH_ERROR = 0  #: the access point refused the passphrase
    NETWORK_NOT_FOUND = 1  #: no such network, or it could not be joined for another reason


@dataclass(frozen=True)
class Connection:
    """The joined network, as ``WifiConnectedState`` reports it."""

    ssid: bytes
    bssid: bytes = b""
    channel: int = 0
    auth: AuthMode = AuthMode.OPEN
    ip4_address: str = ""


@dataclass(frozen=True)
class JoinStatus:
    """A snapshot of the join.

    Attributes:
        state: where it is.
        fail_reason: why it failed (FAILED, or CONNECTING after a failed attempt).
        attempts_remaining: attempts left after a failed one while CONNECTING (0 if none).
        connection: the joined network (CONNECTED).
    """

    state: JoinState
    fail_reason: Optional[FailReason] = None
    attempts_remaining: int = 0
    connection: Optional[Connection] = None


class ProvisioningStation(abc.ABC):
    """The device's station as the Wi-Fi provisioning handlers drive it. Calls come one
    at a time (the protocomm core serialises requests); the work may run in the
    background (a scan, a join) and is polled."""

    @abc.abstractmethod
    def start_scan(self, blocking: bool, passive: bool, group_channels: int, period_ms: int) -> None:
        """Start a scan; with ``blocking``, return only once it has finished.

        Raises:
            ProtocommError: the scan cannot start (busy, radio failure).
        """

    @abc.abstractmethod
    def scan_finished(self) -> bool:
        """Whether the last scan has finished (True when none was started)."""

    @abc.abstractmethod
    def scan_results(self) -> Sequence[AccessPoint]:
        """The last finished scan's networks, strongest first."""

    @abc.abstractmethod
    def check_config(self, config: StationConfig) -> Optional[str]:
        """Why the station could never join ``config`` (a key of an impossible length),
        or None when it can be tried."""

    @abc.abstractmethod
    def start_join(self, config: StationConfig) -> None:
        """Leave any joined network and start joining ``config`` in the background."""

    @abc.abstractmethod
    def join_status(self) -> JoinStatus:
        """How the join goes now."""

    @abc.abstractmethod
    def reset(self) -> None:
        """Forget the configured network after a failed join (the station stays idle)."""
