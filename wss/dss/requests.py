"""Request bodies of the six DSS operations, byte for byte as protocol §8.4 specifies.

Bodies are compact JSON with a fixed member order. ``deviceDetails`` is included (when
any detail is known) in every request but startProvisioningSession. The two bodies that
carry lists — postWifiScanData (scan results) and report (connection attempts) — are
built with :class:`ListBody`, which pages by the DSS body-buffer size: an item is
appended only while at least 2 bytes stay free for the closing ``]}``; the item that does
not fit is handed back to the caller to send first next time.

Source: protocol §8.4, §8.6 (hashed PIN), §12.1 (vectors).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Callable, Dict, List, Optional, Tuple

from ..compat.types import (
    ConnectionAttempt,
    ErrorDetails,
    FfsResult,
    OutputStream,
    ProvisioneeState,
    RegistrationState,
    SecurityProtocol,
    WifiScanResult,
)
from ..errors import LocalProtocolError
from . import json_codec as J

__all__ = [
    "DeviceDetails",
    "ListBody",
    "start_provisioning_session",
    "start_pin_based_setup",
    "hashed_pin",
    "pin_digest_input",
    "encode_hashed_pin",
    "compute_configuration_data",
    "get_wifi_credentials",
    "post_wifi_scan_data",
    "report",
    "scan_result_item",
    "attempt_item",
    "error_details_object",
]

#: Bytes that must stay free after the last list item: the closing ``]}`` (§8.4 paging).
LIST_RESERVE = 2


@dataclass(frozen=True)
class DeviceDetails:
    """The ``deviceDetails`` object; each member is omitted when None (protocol §8.4).

    Field order is the wire order.
    """

    manufacturer: Optional[str] = None
    deviceModel: Optional[str] = None
    deviceSerial: Optional[str] = None
    productIndex: Optional[str] = None
    softwareVersionIndex: Optional[str] = None
    deviceName: Optional[str] = None
    firmwareVersion: Optional[str] = None
    hardwareVersion: Optional[str] = None

    def encode(self) -> Optional[bytes]:
        """The JSON object, or None when every member is missing."""
        values = _detail_values(self)
        try:
            return _ENCODED_DETAILS[values]  # every request of a run sends the same details
        except (KeyError, TypeError):
            pass
        members = [(name, J.string(value)) for name, value in zip(_DETAIL_NAMES, values) if value is not None]
        encoded = J.obj(members) if members else None
        if type(values) is tuple and all(type(value) in (str, type(None)) for value in values):
            if len(_ENCODED_DETAILS) >= 16:
                _ENCODED_DETAILS.clear()
            _ENCODED_DETAILS[values] = encoded
        return encoded


#: The ``deviceDetails`` member names, in wire order.
_DETAIL_NAMES: Tuple[str, ...] = tuple(item.name for item in fields(DeviceDetails))
_detail_values = attrgetter(*_DETAIL_NAMES)
#: Recently encoded details: member values (str or None) -> the JSON object (or None).
_ENCODED_DETAILS: Dict[Tuple[Optional[str], ...], Optional[bytes]] = {}


def _head(nonce: str, session_id: Optional[str], details: Optional[DeviceDetails]) -> List[Tuple[str, bytes]]:
    """nonce, sessionId and (if any) deviceDetails: the prefix of every later request."""
    if session_id is None:
        raise LocalProtocolError("no DSS session id: startProvisioningSession has not succeeded (protocol §8.3)")
    members = [("nonce", J.string(nonce)), ("sessionId", J.string(session_id))]
    encoded = details.encode() if details is not None else None
    if encoded is not None:
        members.append(("deviceDetails", encoded))
    return members


def start_provisioning_session(nonce: str) -> bytes:
    """``{"nonce":"<n>"}`` (protocol §8.4)."""
    return J.obj([("nonce", J.string(nonce))])


def hashed_pin(pin: str, salt: str, sha256: Optional[Callable[[bytes], bytes]] = None) -> str:
    """``base64(SHA-256(PIN ‖ salt))`` over the literal strings' bytes (protocol §8.6).

    Args:
        pin: the device PIN (``DeviceInformation.Pin``).
        salt: the ``salt`` string of the startProvisioningSession response, not decoded.
        sha256: the hash function; :func:`wss.crypto.sha256` when None.
    """
    if sha256 is None:
        from ..crypto import sha256 as default_sha256

        sha256 = default_sha256
    return encode_hashed_pin(sha256(pin_digest_input(pin, salt)))


def pin_digest_input(pin: str, salt: str) -> bytes:
    """The bytes hashed for ``hashedPin``: PIN ‖ salt, as UTF-8 (protocol §8.6)."""
    return pin.encode("utf-8") + salt.encode("utf-8")


def encode_hashed_pin(digest: bytes) -> str:
    """Standard base64 (with padding) of a 32-byte PIN digest."""
    if len(digest) != 32:
        raise ValueError(f"PIN digest must be 32 bytes, got {len(digest)}")
    return base64.b64encode(digest).decode("ascii")


def start_pin_based_setup(
    nonce: str, session_id: Optional[str], details: Optional[DeviceDetails], pin_hash: str
) -> bytes:
    """nonce, sessionId, [deviceDetails], hashedPin (protocol §8.4)."""
    return J.obj(_head(nonce, session_id, details) + [("hashedPin", J.string(pin_hash))])


def compute_configuration_data(nonce: str, session_id: Optional[str], details: Optional[DeviceDetails]) -> bytes:
    """nonce, sessionId, [deviceDetails] (protocol §8.4)."""
    return J.obj(_head(nonce, session_id, details))


def get_wifi_credentials(
    nonce: str, session_id: Optional[str], details: Optional[DeviceDetails], sequence_number: int
) -> bytes:
    """nonce, sessionId, [deviceDetails], sequenceNumber (the page, from 1)."""
    return J.obj(_head(nonce, session_id, details) + [("sequenceNumber", J.integer(sequence_number))])


class ListBody:
    """A request body ending in a JSON list that is filled while it fits the body buffer.

    Args:
        members: the members before the list, in order.
        list_key: the list's key (``wifiScanDataList`` or ``wifiNetworkInfoList``).
        body_limit: the DSS body-buffer size, bytes.
        always_list: write ``[]`` when empty (scan data) instead of omitting the key (report).
    Raises:
        LocalProtocolError: the members alone do not fit (OVERRUN): the request cannot be
            serialized.

    Source: protocol §8.4 ("Paging"; attempts carried to the next report).
    """

    def __init__(self, members: List[Tuple[str, bytes]], list_key: str, body_limit: int, always_list: bool) -> None:
        self._stream = OutputStream(body_limit)
        self._opening = b"," + J.string(list_key) + b":["
        self._always_list = always_list
        self.count = 0
        head = J.obj(members)[:-1]  # without the closing brace
        if self._stream.write(head) is not FfsResult.SUCCESS or self._stream.free_space < LIST_RESERVE:
            raise LocalProtocolError(f"request body does not fit the {body_limit}-byte DSS buffer")

    def try_add(self, item: bytes) -> bool:
        """Append ``item`` if at least 2 bytes stay free afterwards; False if it does not fit."""
        prefix = self._opening if self.count == 0 else b","
        if self._stream.free_space - len(prefix) - len(item) < LIST_RESERVE:
            return False
        self._stream.write(prefix + item)
        self.count += 1
        return True

    def finish(self) -> bytes:
        """Close the list and the object and return the body.

        Raises:
            LocalProtocolError: an empty ``[]`` list does not fit (OVERRUN).
        """
        if self.count:
            tail = b"]}"
        elif self._always_list:
            tail = self._opening + b"]}"
        else:
            tail = b"}"
        if self._stream.write(tail) is not FfsResult.SUCCESS:
            raise LocalProtocolError("request body does not fit the DSS buffer")
        return self._stream.data


def post_wifi_scan_data(
    nonce: str, session_id: Optional[str], details: Optional[DeviceDetails], sequence_number: int, body_limit: int
) -> ListBody:
    """nonce, sessionId, [deviceDetails], sequenceNumber, wifiScanDataList (possibly ``[]``)."""
    members = _head(nonce, session_id, details) + [("sequenceNumber", J.integer(sequence_number))]
    return ListBody(members, "wifiScanDataList", body_limit, always_list=True)


def report(
    nonce: str,
    session_id: Optional[str],
    details: Optional[DeviceDetails],
    sequence_number: int,
    state: ProvisioneeState,
    registration: RegistrationState,
    success: bool,
    body_limit: int,
) -> ListBody:
    """The report body; add connection attempts with :meth:`ListBody.try_add`.

    Args:
        sequence_number: the client sequence counter after the report's own increment.
        state: the state reported (must have a DSS name).
        registration: from ``ffsGetRegistrationDetails``.
        success: ``stateTransitionResult`` SUCCESS or FAILURE.
    Raises:
        LocalProtocolError: ``state`` has no DSS name, no session id, or OVERRUN.
    """
    if state.dss_name is None:
        raise LocalProtocolError(f"state {state.name} cannot be reported to the DSS")
    members = _head(nonce, session_id, details) + [
        ("sequenceNumber", J.integer(sequence_number)),
        ("currentProvisioningState", J.string(state.dss_name)),
        ("registrationState", J.string(registration.dss_name)),
        ("stateTransitionResult", J.string("SUCCESS" if success else "FAILURE")),
    ]
    return ListBody(members, "wifiNetworkInfoList", body_limit, always_list=False)


def scan_result_item(result: WifiScanResult) -> Optional[bytes]:
    """One ``wifiScanDataList`` entry, or None for a result the SDK skips.

    Skipped: an empty SSID (hidden network) and security OTHER. BSSID upper-case with
    colons (omitted if empty); ``rssi`` and ``frequency`` omitted when 0.

    Raises:
        LocalProtocolError: security UNKNOWN (the conversion fails; the page fails).
    Source: protocol §8.4, ``<scan>``.
    """
    if not result.ssid or result.security is SecurityProtocol.OTHER:
        return None
    if result.security is SecurityProtocol.UNKNOWN:
        raise LocalProtocolError("a scan result with security UNKNOWN cannot be posted")
    members = [("ssid", J.quoted_string(result.ssid))]
    if result.bssid:
        members.append(("bssid", J.string(result.bssid.hex(":").upper())))
    members.append(("securityProtocol", J.string(result.security.dss_name)))
    if result.rssi_dbm:
        members.append(("rssi", J.integer(result.rssi_dbm)))
    if result.frequency_band:
        members.append(("frequency", J.integer(result.frequency_band)))
    return J.obj(members)


def error_details_object(details: ErrorDetails) -> Optional[bytes]:
    """``errorDetails``: operation, cause, details, code, each only if set; None if empty.

    Unlike the SDK (protocol §10 quirk) this always emits well-formed JSON.
    """
    members = [
        (name, J.string(getattr(details, name)))
        for name in ("operation", "cause", "details", "code")
        if getattr(details, name) is not None
    ]
    return J.obj(members) if members else None


def attempt_item(attempt: ConnectionAttempt) -> bytes:
    """One ``wifiNetworkInfoList`` entry (protocol §8.4, ``<attempt>``).

    Raises:
        LocalProtocolError: security UNKNOWN has no DSS name.
    """
    if attempt.security is SecurityProtocol.UNKNOWN:
        raise LocalProtocolError("a connection attempt with security UNKNOWN cannot be reported")
    members = [
        ("ssid", J.quoted_string(attempt.ssid)),
        ("securityProtocol", J.string(attempt.security.dss_name)),
        ("wifiConnectionState", J.string(attempt.state.dss_name)),
    ]
    if attempt.error_details is not None:
        encoded = error_details_object(attempt.error_details)
        if encoded is not None:
            members.append(("errorDetails", encoded))
    return J.obj(members)
