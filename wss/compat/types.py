"""Value types of the compatibility layer: result codes, enumerations and records.

Everything the 25 compat functions take or return is defined here, in Python form:
wire values (SSID, BSSID, keys, tokens) are ``bytes``, enumerations are
:class:`enum.IntEnum` with the SDK's numeric values, and records are frozen
dataclasses validated when constructed. Reprs never show a key or a token.

Source: protocol §2 (basic types), §4 (data structures), §5 (configuration keys).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Dict, Optional, Protocol, Union

from .config_keys import DEVICE_DETAILS_FIELDS, ConfigKey
from .http_types import DSSClientBuffers, HttpRequest, HttpResponse
from .results import FfsResult
from .streams import OutputStream

__all__ = [
    "FfsResult",
    "LogLevel",
    "MapValueType",
    "ConfigValue",
    "map_value_type",
    "SecurityProtocol",
    "ConnectionState",
    "ProvisioneeState",
    "RegistrationState",
    "ErrorDetails",
    "NULL_ERROR_CODE",
    "WifiScanResult",
    "WifiConfiguration",
    "ConnectionDetails",
    "ConnectionAttempt",
    "RegistrationRequest",
    "RegistrationDetails",
    "HttpRequest",
    "HttpResponse",
    "DSSClientBuffers",
    "ConfigKey",
    "DEVICE_DETAILS_FIELDS",
    "OutputStream",
    "MAX_SSID_SIZE",
    "BSSID_SIZE",
    "MAX_KEY_SIZE",
]

#: Largest SSID, octets (IEEE 802.11; protocol §4.1).
MAX_SSID_SIZE = 32
#: Size of a BSSID, octets.
BSSID_SIZE = 6
#: Largest network key (PSK passphrase, raw PSK hex or WEP key), octets (protocol §4.1).
MAX_KEY_SIZE = 64
#: The error-details code of "no error details" (protocol §4.2).
NULL_ERROR_CODE = "0:0:0:0"


class LogLevel(enum.IntEnum):
    """``FFS_LOG_LEVEL`` of ``ffsLog`` (protocol §2.3)."""

    DEBUG = 0
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def python_level(self) -> int:
        """The matching :mod:`logging` level number."""
        return (10, 20, 30, 40)[self.value]


class MapValueType(enum.IntEnum):
    """``FFS_MAP_VALUE_TYPE`` of a configuration value (protocol §2.4)."""

    BYTES = 0
    STRING = 1
    INTEGER = 2
    BOOLEAN = 3


#: A configuration value: BYTES, STRING, INTEGER (int32) or BOOLEAN (protocol §2.4).
ConfigValue = Union[bytes, str, int, bool]


def map_value_type(value: ConfigValue) -> MapValueType:
    """Return the :class:`MapValueType` of a Python configuration value.

    Raises:
        TypeError: ``value`` is none of bytes, str, int, bool.
    """
    if isinstance(value, bool):
        return MapValueType.BOOLEAN
    if isinstance(value, int):
        return MapValueType.INTEGER
    if isinstance(value, str):
        return MapValueType.STRING
    if isinstance(value, (bytes, bytearray)):
        return MapValueType.BYTES
    raise TypeError(f"configuration value must be bytes, str, int or bool, not {type(value).__name__}")


class SecurityProtocol(enum.IntEnum):
    """``FFS_WIFI_SECURITY_PROTOCOL``; the DSS calls ``NONE`` ``"OPEN"``.

    Source: protocol §4.1.
    """

    NONE = 0
    OPEN = 0  # alias: the DSS name of NONE
    WPA_PSK = 1
    WEP = 2
    OTHER = 3
    UNKNOWN = 4  #: no DSS name; converting it to the DSS fails

    @property
    def dss_name(self) -> str:
        """The DSS JSON string (``"OPEN"``, ``"WPA_PSK"``, ``"WEP"``, ``"OTHER"``).

        Raises:
            ValueError: ``UNKNOWN`` has no DSS name (protocol §4.1).
        """
        name = _SECURITY_DSS_NAMES.get(self)
        if name is None:
            raise ValueError("security protocol UNKNOWN has no DSS name")
        return name

    @classmethod
    def from_dss_name(cls, name: str) -> SecurityProtocol:
        """Parse a DSS JSON string. Raises ValueError for any other string."""
        if name == "OPEN":
            return cls.NONE
        if name in ("WPA_PSK", "WEP", "OTHER"):
            return cls[name]
        raise ValueError(f"unknown DSS security protocol {name!r}")


#: SecurityProtocol -> its DSS string (UNKNOWN has none).
_SECURITY_DSS_NAMES: Dict[SecurityProtocol, str] = {
    member: "OPEN" if member is SecurityProtocol.NONE else member.name
    for member in SecurityProtocol
    if member is not SecurityProtocol.UNKNOWN
}


class _Named(Protocol):
    """What :class:`_NamedInDSS` needs of the enumeration it is mixed into."""

    @property
    def name(self) -> str: ...


class _NamedInDSS:
    """Enumerations whose member names are their DSS JSON strings."""

    @property
    def dss_name(self: _Named) -> str:
        return self.name


class ConnectionState(_NamedInDSS, enum.IntEnum):
    """``FFS_WIFI_CONNECTION_STATE``; values are the DSS values, names the DSS strings.

    Source: protocol §4.1 (there is no value 1).
    """

    IDLE = 0
    DISCONNECTED = 2
    UNAUTHENTICATED = 3
    AUTHENTICATED = 4
    ASSOCIATED = 5
    FAILED = -1


class ProvisioneeState(enum.IntEnum):
    """``FFS_WIFI_PROVISIONEE_STATE`` (API values); see :attr:`dss_name`, :attr:`dss_value`.

    Source: protocol §4.4.
    """

    NOT_PROVISIONED = 0
    CONNECTING_TO_SETUP_NETWORK = 1  #: local only, no DSS name
    START_PROVISIONING = 2
    START_PIN_BASED_SETUP = 3
    COMPUTE_CONFIGURATION = 4
    POST_WIFI_SCAN_DATA = 5
    GET_WIFI_LIST = 6
    CONNECTING_TO_USER_NETWORK = 7
    CONNECTED_TO_USER_NETWORK = 8
    DONE = 9  #: terminal
    FAILURE = 10  #: terminal, never set by the SDK
    TERMINATED = 11  #: terminal, never set by the SDK

    @property
    def dss_name(self) -> Optional[str]:
        """The DSS JSON name, or None for states the DSS does not know."""
        return _DSS_STATE_NAMES.get(self)

    @property
    def dss_value(self) -> Optional[int]:
        """The DSS enum value (NOT_PROVISIONED=0 … DONE=8), or None."""
        return _DSS_STATE_VALUES.get(self)

    @property
    def is_terminal(self) -> bool:
        return self in (ProvisioneeState.DONE, ProvisioneeState.FAILURE, ProvisioneeState.TERMINATED)

    @classmethod
    def from_dss_name(cls, name: str) -> ProvisioneeState:
        """Convert a DSS state name (by name, protocol §4.4). Raises ValueError if unknown."""
        state = _DSS_STATE_NAMES_REVERSED.get(name)
        if state is None:
            raise ValueError(f"unknown DSS provisioning state {name!r}")
        return state


_DSS_STATE_VALUES = {
    ProvisioneeState.NOT_PROVISIONED: 0,
    ProvisioneeState.START_PROVISIONING: 1,
    ProvisioneeState.START_PIN_BASED_SETUP: 2,
    ProvisioneeState.COMPUTE_CONFIGURATION: 3,
    ProvisioneeState.POST_WIFI_SCAN_DATA: 4,
    ProvisioneeState.GET_WIFI_LIST: 5,
    ProvisioneeState.CONNECTING_TO_USER_NETWORK: 6,
    ProvisioneeState.CONNECTED_TO_USER_NETWORK: 7,
    ProvisioneeState.DONE: 8,
}
_DSS_STATE_NAMES = {state: state.name for state in _DSS_STATE_VALUES}
_DSS_STATE_NAMES_REVERSED = {name: state for state, name in _DSS_STATE_NAMES.items()}


class RegistrationState(_NamedInDSS, enum.IntEnum):
    """``FFS_REGISTRATION_STATE``; names are the DSS strings (protocol §4.3)."""

    NOT_REGISTERED = 0
    IN_PROGRESS = 1
    COMPLETE = 2
    FAILED = -1


def _check_bytes(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, bytes):
        raise TypeError(f"{name} must be bytes, not {type(value).__name__}")
    if not low <= len(value) <= high:
        raise ValueError(f"{name} must be {low}..{high} bytes, got {len(value)}")


@dataclass(frozen=True)
class ErrorDetails:
    """``FfsErrorDetails_t``: why a connection attempt (or registration) failed.

    Attributes:
        operation: e.g. ``"CONNECTING_TO_NETWORK"``; None omits it.
        cause: short cause, e.g. ``"Authentication failed"``.
        details: free text.
        code: ``a:b:c:d``, e.g. ``"3:2:0:1"`` (see :mod:`wss.error_details`).

    Source: protocol §4.2, §10.
    """

    operation: Optional[str] = None
    cause: Optional[str] = None
    details: Optional[str] = None
    code: Optional[str] = None


@dataclass(frozen=True)
class WifiScanResult:
    """``FfsWifiScanResult_t``: one access point seen by a scan.

    Attributes:
        ssid: 0–32 octets (empty for a hidden network, which is never posted).
        bssid: 6 octets, or empty when unknown.
        security: the security protocol.
        frequency_band: the channel number (what all reference ports send, protocol §4.1);
            0 = unknown.
        rssi_dbm: signal strength in dBm; 0 = unknown.

    Source: protocol §4.1.
    """

    ssid: bytes
    bssid: bytes
    security: SecurityProtocol
    frequency_band: int = 0
    rssi_dbm: int = 0

    def __post_init__(self) -> None:
        _check_bytes("ssid", self.ssid, 0, MAX_SSID_SIZE)
        if not isinstance(self.bssid, bytes) or len(self.bssid) not in (0, BSSID_SIZE):
            raise ValueError("bssid must be 6 bytes or empty")
        if type(self.security) is not SecurityProtocol:  # already a member: nothing to convert
            object.__setattr__(self, "security", SecurityProtocol(self.security))


@dataclass(frozen=True)
class WifiConfiguration:
    """``FfsWifiConfiguration_t``: a network to store and later join.

    Attributes:
        ssid: 1–32 octets.
        security: the security protocol.
        key: passphrase / WEP key, 0–64 octets (never shown by ``repr``).
        is_hidden: probe for it by name (directed scan).
        network_priority: deprecated by the SDK; kept for completeness.
        wep_index: WEP key index (deprecated by the SDK).

    Source: protocol §4.1.
    """

    ssid: bytes
    security: SecurityProtocol
    key: bytes = field(default=b"", repr=False)
    is_hidden: bool = False
    network_priority: int = 0
    wep_index: int = 0

    def __post_init__(self) -> None:
        _check_bytes("ssid", self.ssid, 1, MAX_SSID_SIZE)
        _check_bytes("key", self.key, 0, MAX_KEY_SIZE)
        if type(self.security) is not SecurityProtocol:  # already a member: nothing to convert
            object.__setattr__(self, "security", SecurityProtocol(self.security))

    def __repr__(self) -> str:
        return (
            f"WifiConfiguration(ssid={self.ssid!r}, security={self.security.name}, "
            f"key=<{len(self.key)} bytes hidden>, is_hidden={self.is_hidden})"
        )


@dataclass(frozen=True)
class ConnectionDetails:
    """``FfsWifiConnectionDetails_t`` = ``FfsWifiConnectionAttempt_t``.

    Attributes:
        ssid: the network (empty when not connected).
        security: its security protocol.
        state: the connection state; the SDK requires ASSOCIATED after a connect.
        error_details: why the attempt failed, or None.

    Source: protocol §4.1.
    """

    ssid: bytes
    security: SecurityProtocol
    state: ConnectionState
    error_details: Optional[ErrorDetails] = None

    def __post_init__(self) -> None:
        _check_bytes("ssid", self.ssid, 0, MAX_SSID_SIZE)
        if type(self.security) is not SecurityProtocol:  # already a member: nothing to convert
            object.__setattr__(self, "security", SecurityProtocol(self.security))
        if type(self.state) is not ConnectionState:
            object.__setattr__(self, "state", ConnectionState(self.state))


#: A recorded connection attempt has the same shape as the connection details (§4.1).
ConnectionAttempt = ConnectionDetails


@dataclass(frozen=True)
class RegistrationRequest:
    """``FfsRegistrationRequest_t``: the registration token to persist.

    Attributes:
        token: the token bytes (never shown by ``repr``).
        expiration: ``expiresAt`` copied unchanged (the DSS model says seconds).

    Source: protocol §4.3.
    """

    token: bytes = field(repr=False)
    expiration: int = 0

    def __repr__(self) -> str:
        return f"RegistrationRequest(token=<{len(self.token)} bytes hidden>, expiration={self.expiration})"


@dataclass(frozen=True)
class RegistrationDetails:
    """``FfsRegistrationDetails_t``; only ``state`` is used by the flow (protocol §4.3)."""

    state: RegistrationState
    http_code: Optional[int] = None
    error_details: Optional[ErrorDetails] = None
