"""Typed, strictly parsed DSS response bodies (protocol §8.5).

Each ``parse_*`` function takes the exact body bytes (already signature-checked) and
returns a frozen dataclass, or raises :class:`wss.errors.PeerProtocolError`. The rules of
:mod:`wss.dss.json_codec` apply (duplicate known key, wrong type, integers only, missing
boolean → False). Credential entries are converted to
:class:`~wss.compat.types.WifiConfiguration`; invalid entries are skipped and their
reasons (never their keys) returned.

Source: protocol §8.5 (fields per operation, credential entries), §6.3 (canProceed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional, Tuple, Union

from ..compat.types import ProvisioneeState, RegistrationRequest, SecurityProtocol, WifiConfiguration
from ..errors import PeerProtocolError
from .json_codec import Field, JsonObject, Kind, parse_body, read_fields, string_bytes, unquote

__all__ = [
    "MAX_SALT_LENGTH",
    "StartProvisioningSessionResponse",
    "StartPinBasedSetupResponse",
    "ComputeConfigurationResponse",
    "PostWifiScanDataResponse",
    "GetWifiCredentialsResponse",
    "ReportResponse",
    "parse_start_provisioning_session",
    "parse_start_pin_based_setup",
    "parse_compute_configuration_data",
    "parse_post_wifi_scan_data",
    "parse_get_wifi_credentials",
    "parse_report",
    "credential_from_entry",
]

#: Longest accepted ``salt``, characters (longer is an OVERRUN in the SDK; §8.3).
MAX_SALT_LENGTH = 8

_NONCE = Field("nonce", Kind.STRING, required=True)
_CAN_PROCEED = Field("canProceed", Kind.BOOLEAN)

# The known keys of each response (protocol §8.5), in the order the SDK reads them.
_SESSION_FIELDS = (_NONCE, Field("sessionId", Kind.STRING, True), Field("salt", Kind.STRING, True), _CAN_PROCEED)
_PIN_FIELDS = (_NONCE, _CAN_PROCEED)
_CONFIGURATION_FIELDS = (_NONCE, Field("configuration", Kind.OBJECT), Field("registrationDetails", Kind.OBJECT))
_REGISTRATION_FIELDS = (Field("registrationToken", Kind.STRING), Field("expiresAt", Kind.INT64))
_SCAN_DATA_FIELDS = (
    _NONCE,
    Field("sessionId", Kind.STRING, True),
    _CAN_PROCEED,
    Field("sequenceNumber", Kind.UINT32, True),
    Field("totalCredentialsFound", Kind.UINT32, True),
    Field("allCredentialsFound", Kind.BOOLEAN),
)
_CREDENTIALS_FIELDS = (
    _NONCE,
    _CAN_PROCEED,
    Field("sequenceNumber", Kind.UINT32, True),
    Field("allCredentialsReturned", Kind.BOOLEAN),
    Field("wifiCredentialsList", Kind.ARRAY),
)
_REPORT_FIELDS = (
    _NONCE,
    _CAN_PROCEED,
    Field("nextProvisioningState", Kind.STRING),
    Field("waitTime", Kind.STRING),
    Field("reason", Kind.STRING),
)


@dataclass(frozen=True)
class StartProvisioningSessionResponse:
    nonce: str
    session_id: str
    salt: str
    can_proceed: bool


@dataclass(frozen=True)
class StartPinBasedSetupResponse:
    nonce: str
    can_proceed: bool


@dataclass(frozen=True)
class ComputeConfigurationResponse:
    """``configuration``: (key, str-or-bool) pairs in order; ``registration``: the token."""

    nonce: str
    configuration: Tuple[Tuple[str, Union[str, bool]], ...] = ()
    registration: Optional[RegistrationRequest] = None


@dataclass(frozen=True)
class PostWifiScanDataResponse:
    nonce: str
    session_id: str
    sequence_number: int
    total_credentials_found: int
    all_credentials_found: bool


@dataclass(frozen=True)
class GetWifiCredentialsResponse:
    """``credentials`` in the DSS order (most secure first); ``rejected``: why entries were skipped."""

    nonce: str
    sequence_number: int
    all_credentials_returned: bool
    credentials: Tuple[WifiConfiguration, ...] = ()
    rejected: Tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ReportResponse:
    """``next_state`` is NOT_PROVISIONED when the DSS omits it (the SDK's zero value, §6.2)."""

    nonce: str
    can_proceed: bool
    next_state: ProvisioneeState
    wait_time: Optional[str] = None
    reason: Optional[str] = None


def _read(body: bytes, fields, what: str):
    return read_fields(parse_body(body, what), fields, f"{what} response")


def parse_start_provisioning_session(body: bytes, max_session_id_length: int = 255) -> StartProvisioningSessionResponse:
    """startProvisioningSession: nonce, sessionId, salt required; canProceed default False.

    Raises:
        PeerProtocolError: the rules above, a session id longer than
            ``max_session_id_length`` or a salt longer than 8 characters (OVERRUN).
    """
    f = _read(body, _SESSION_FIELDS, "startProvisioningSession")
    if len(string_bytes(f["sessionId"])) > max_session_id_length:
        raise PeerProtocolError(f"sessionId is longer than {max_session_id_length} bytes")
    if len(f["salt"]) > MAX_SALT_LENGTH:
        raise PeerProtocolError(f"salt is longer than {MAX_SALT_LENGTH} characters")
    return StartProvisioningSessionResponse(f["nonce"], f["sessionId"], f["salt"], f["canProceed"])


def parse_start_pin_based_setup(body: bytes) -> StartPinBasedSetupResponse:
    """startPinBasedSetup: nonce required; canProceed default False."""
    f = _read(body, _PIN_FIELDS, "startPinBasedSetup")
    return StartPinBasedSetupResponse(f["nonce"], f["canProceed"])


def parse_compute_configuration_data(body: bytes) -> ComputeConfigurationResponse:
    """computeConfigurationData: nonce required; configuration values must be strings or
    booleans (any other JSON type fails the operation, protocol §5); registrationDetails
    carries ``registrationToken`` (str) and ``expiresAt`` (int64)."""
    what = "computeConfigurationData response"
    f = _read(body, _CONFIGURATION_FIELDS, "computeConfigurationData")
    configuration = []
    if f["configuration"] is not None:
        for key, value in f["configuration"].pairs:
            if type(value) not in (str, bool):
                raise PeerProtocolError(f"{what}: configuration value of {key!r} is neither a string nor a boolean")
            configuration.append((key, value))
    registration = None
    if f["registrationDetails"] is not None:
        details = read_fields(f["registrationDetails"], _REGISTRATION_FIELDS, f"{what} registrationDetails")
        if details["registrationToken"] is not None:
            registration = RegistrationRequest(string_bytes(details["registrationToken"]), details["expiresAt"] or 0)
    return ComputeConfigurationResponse(f["nonce"], tuple(configuration), registration)


def _require_can_proceed(value: bool, what: str) -> None:
    if not value:
        raise PeerProtocolError(f"{what} response says canProceed false (protocol §6.3)")


def parse_post_wifi_scan_data(body: bytes) -> PostWifiScanDataResponse:
    """postWifiScanData: canProceed must be true (false or missing fails the page)."""
    f = _read(body, _SCAN_DATA_FIELDS, "postWifiScanData")
    _require_can_proceed(f["canProceed"], "postWifiScanData")
    return PostWifiScanDataResponse(
        f["nonce"], f["sessionId"], f["sequenceNumber"], f["totalCredentialsFound"], f["allCredentialsFound"]
    )


def parse_get_wifi_credentials(body: bytes) -> GetWifiCredentialsResponse:
    """getWifiCredentials: canProceed must be true; invalid entries are skipped."""
    f = _read(body, _CREDENTIALS_FIELDS, "getWifiCredentials")
    _require_can_proceed(f["canProceed"], "getWifiCredentials")
    credentials, rejected = [], []
    for index, entry in enumerate(f["wifiCredentialsList"] or ()):
        try:
            credentials.append(credential_from_entry(entry))
        except PeerProtocolError as exc:
            rejected.append(f"entry {index}: {exc}")
    return GetWifiCredentialsResponse(
        f["nonce"], f["sequenceNumber"], f["allCredentialsReturned"], tuple(credentials), tuple(rejected)
    )


def parse_report(body: bytes) -> ReportResponse:
    """report: nonce required; an unknown ``nextProvisioningState`` is an error."""
    f = _read(body, _REPORT_FIELDS, "report")
    next_state = ProvisioneeState.NOT_PROVISIONED
    if f["nextProvisioningState"] is not None:
        try:
            next_state = ProvisioneeState.from_dss_name(f["nextProvisioningState"])
        except ValueError:
            raise PeerProtocolError("report response has an unknown nextProvisioningState") from None
    return ReportResponse(f["nonce"], f["canProceed"], next_state, f["waitTime"], f["reason"])


_CREDENTIAL_FIELDS = (
    Field("ssid", Kind.STRING, True),
    Field("securityProtocol", Kind.STRING, True),
    Field("key", Kind.ANY),
    Field("keyIndex", Kind.INT32),
    Field("priority", Kind.INT32),
    Field("frequency", Kind.INT32),
)
_WEP_HEX = re.compile(rb"[0-9A-Fa-f]{10}|[0-9A-Fa-f]{26}")


def _strip_quotes(value: bytes) -> bytes:
    if len(value) >= 2 and value[:1] == b'"' and value[-1:] == b'"':
        return value[1:-1]
    return value


def _key_bytes(security: SecurityProtocol, key: Any) -> bytes:
    if security is SecurityProtocol.NONE:
        return b""
    if security is SecurityProtocol.WPA_PSK:
        if type(key) is not str:
            raise PeerProtocolError("WPA_PSK credential needs a string key")
        return unquote(string_bytes(key), "WPA_PSK key")
    if key is None:
        if security is SecurityProtocol.OTHER:
            return b""
        raise PeerProtocolError("WEP credential needs a key")
    if type(key) is int:
        raw = str(key).encode("ascii")
    elif type(key) is str:
        raw = _strip_quotes(string_bytes(key))
    else:
        raise PeerProtocolError("credential key must be a string or a number")
    if security is SecurityProtocol.WEP and _WEP_HEX.fullmatch(raw):
        return bytes.fromhex(raw.decode("ascii"))
    return raw


def credential_from_entry(entry: JsonObject) -> WifiConfiguration:
    """Convert one ``wifiCredentialsList`` entry.

    ``ssid`` must carry the extra quotes; a WPA_PSK ``key`` too; a WEP ``key`` may be quoted
    or not (any JSON scalar), and 10 or 26 hex digits become 5 or 13 raw bytes; OPEN needs
    no key. ``priority`` → network priority, ``keyIndex`` → WEP index; ``frequency`` is
    read but not passed on. ``is_hidden`` is False (the SDK leaves it unset).

    Raises:
        PeerProtocolError: the entry is invalid (the message never includes the key).
    Source: protocol §8.5, "Credential entry"; §14 quirk 9.
    """
    f = read_fields(entry, _CREDENTIAL_FIELDS, "credential entry")
    ssid = unquote(string_bytes(f["ssid"]), "credential ssid")
    try:
        security = SecurityProtocol.from_dss_name(f["securityProtocol"])
    except ValueError:
        raise PeerProtocolError("credential entry has an unknown securityProtocol") from None
    key = _key_bytes(security, f["key"])
    try:
        return WifiConfiguration(
            ssid, security, key, is_hidden=False, network_priority=f["priority"] or 0, wep_index=f["keyIndex"] or 0
        )
    except ValueError as exc:
        raise PeerProtocolError(f"credential entry rejected: {exc}") from None
