"""Validation of DSS request bodies: every rule turns into a 4xx with a named error code.

Error codes used (HTTP status in brackets): ``MALFORMED_JSON`` [400], ``INVALID_FIELD``
[400], ``SSID_NOT_QUOTED`` [400], ``BAD_SEQUENCE_NUMBER`` [400], ``UNKNOWN_SESSION``
[404], ``OUT_OF_ORDER`` [409], ``NO_SCAN_DATA`` [409], ``SESSION_CLOSED`` [409]; the
server adds ``UNKNOWN_OPERATION`` [404], ``METHOD_NOT_ALLOWED`` [405], ``LENGTH_REQUIRED``
[411], ``BODY_TOO_LARGE`` [413], ``NO_DEVICE_TYPE`` [403] and the injected
``SERVICE_UNAVAILABLE`` [5xx].

Source: protocol §8.4 (request bodies, SSID quoting rule), §4.1 (security and
connection-state names).
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional

from ..errors import WssError
from .protocol import SECURITY_RANK

__all__ = [
    "RequestRefused",
    "parse_body",
    "is_utf8",
    "ssid_bytes",
    "ssid_text",
    "text",
    "optional_text",
    "integer",
    "unquote_ssid",
    "scan_item",
    "attempt_item",
    "attempt_list",
    "check_device_details",
]

_BSSID = re.compile(r"^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$")
_CONNECTION_STATES = ("IDLE", "DISCONNECTED", "UNAUTHENTICATED", "AUTHENTICATED", "ASSOCIATED", "FAILED")
#: Longest string field accepted, characters (session ids are at most 255, §8.3).
_MAX_TEXT = 1024


class RequestRefused(WssError):
    """A request the simulator answers with a 4xx (or an injected 5xx) and a signed error body.

    Attributes:
        status: HTTP status code.
        code: Error code (see the module docstring).
        message: What was wrong, naming the field; never contains a secret value.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def _invalid(message: str) -> RequestRefused:
    return RequestRefused(400, "INVALID_FIELD", message)


def parse_body(body: bytes) -> Dict[str, Any]:
    """Parse a request body as a JSON object.

    Bytes that are not UTF-8 are kept (the SDK copies SSID bytes raw, §8.4) as lone
    surrogates, so that they compare and store without loss.

    Raises:
        RequestRefused: 400 ``MALFORMED_JSON`` if the body is not a JSON object.
    """
    try:
        document = json.loads(body.decode("utf-8", "surrogateescape"))
    except json.JSONDecodeError as exc:
        raise RequestRefused(400, "MALFORMED_JSON", f"body is not JSON ({exc.msg})") from None
    except (ValueError, RecursionError):  # e.g. nesting deeper than the parser allows
        raise RequestRefused(400, "MALFORMED_JSON", "body is not usable JSON") from None
    if not isinstance(document, dict):
        raise RequestRefused(400, "MALFORMED_JSON", "body is not a JSON object")
    return document


def is_utf8(value: str) -> bool:
    """Return whether a decoded JSON string came from valid UTF-8 (no escaped raw bytes)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def ssid_bytes(ssid: str) -> bytes:
    """Return the raw octets of an SSID decoded by :func:`parse_body`."""
    return ssid.encode("utf-8", "surrogateescape")


def ssid_text(ssid: str) -> str:
    """Return an SSID for storage and display: invalid UTF-8 octets become ``\\xNN``."""
    return ssid_bytes(ssid).decode("utf-8", "backslashreplace")


def text(document: Dict[str, Any], name: str, *, choices: Optional[tuple] = None) -> str:
    """Return a required string member, checked.

    Raises:
        RequestRefused: 400 ``INVALID_FIELD`` if missing, not a non-empty string, too
            long, or not one of ``choices``.
    """
    value = document.get(name)
    if not isinstance(value, str) or not value or len(value) > _MAX_TEXT or not is_utf8(value):
        raise _invalid(f"'{name}' must be a non-empty UTF-8 string")
    if choices is not None and value not in choices:
        raise _invalid(f"'{name}' must be one of {', '.join(choices)}")
    return value


def optional_text(document: Dict[str, Any], name: str) -> Optional[str]:
    """Like :func:`text`, but a missing (or null) member gives None."""
    return None if document.get(name) is None else text(document, name)


def integer(document: Dict[str, Any], name: str, *, minimum: int = 0) -> int:
    """Return a required integer member (JSON booleans are not integers).

    Raises:
        RequestRefused: 400 ``INVALID_FIELD`` if missing, not an integer, or below
            ``minimum``.
    """
    value = document.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _invalid(f"'{name}' must be an integer >= {minimum}")
    return value


def unquote_ssid(value: Any, where: str, *, allow_empty: bool = False) -> str:
    """Apply the SSID quoting rule: the JSON string must be ``"`` + SSID + ``"``.

    Args:
        value: The decoded JSON value of an ``ssid`` member.
        where: Where it was found, for the message (e.g. ``wifiScanDataList[2].ssid``).
        allow_empty: Accept ``""`` quoted (``"\"\""``): a connection attempt with error
            3:1:0:1 (no configured networks) names no network.

    Returns:
        The SSID without the quotes (1..32 octets, or 0 with ``allow_empty``; octets
        that are not UTF-8 are kept as lone surrogates, see :func:`ssid_bytes`).

    Raises:
        RequestRefused: 400 ``SSID_NOT_QUOTED`` for a missing quote, 400
            ``INVALID_FIELD`` for a non-string or an SSID of 0 or more than 32 octets.

    Source: protocol §8.4 (SSID quoting rule), §8.5 (the same rule for credentials).
    """
    if not isinstance(value, str):
        raise _invalid(f"'{where}' must be a string")
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        raise RequestRefused(400, "SSID_NOT_QUOTED", f"'{where}' must be wrapped in literal double quotes")
    ssid = value[1:-1]
    if not (0 if allow_empty else 1) <= len(ssid_bytes(ssid)) <= 32:
        raise _invalid(f"'{where}' must hold an SSID of 1..32 octets")
    return ssid


def _item(raw: Any, where: str) -> Dict[str, Any]:
    if not isinstance(raw, dict):
        raise _invalid(f"'{where}' must be an object")
    return raw


def scan_item(raw: Any, where: str) -> Dict[str, Any]:
    """Validate one ``wifiScanDataList`` entry; return its columns for the database.

    Raises:
        RequestRefused: a 400 naming the bad member.

    Source: protocol §8.4 (``<scan>``).
    """
    item = _item(raw, where)
    ssid = unquote_ssid(item.get("ssid"), f"{where}.ssid")
    security = text(item, "securityProtocol", choices=tuple(SECURITY_RANK))
    bssid = item.get("bssid")
    if bssid is not None and (not isinstance(bssid, str) or not _BSSID.match(bssid)):
        raise _invalid(f"'{where}.bssid' must look like AA:BB:CC:DD:EE:FF")
    numbers = {}
    for name in ("rssi", "frequency"):
        value = item.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise _invalid(f"'{where}.{name}' must be an integer")
        numbers[name] = value
    return {"ssid": ssid_text(ssid), "ssid_raw": ssid_bytes(ssid), "bssid": bssid, "security": security, **numbers}


def attempt_item(raw: Any, where: str) -> Dict[str, Any]:
    """Validate one ``wifiNetworkInfoList`` entry (a connection attempt) and return it.

    Raises:
        RequestRefused: a 400 naming the bad member.

    Source: protocol §8.4 (``<attempt>``), §10.
    """
    item = _item(raw, where)
    ssid = unquote_ssid(item.get("ssid"), f"{where}.ssid", allow_empty=True)
    text(item, "securityProtocol", choices=tuple(SECURITY_RANK))
    state = text(item, "wifiConnectionState", choices=_CONNECTION_STATES)
    details = item.get("errorDetails")
    if details is not None and (not isinstance(details, dict) or not all(isinstance(v, str) for v in details.values())):
        raise _invalid(f"'{where}.errorDetails' must be an object of strings")
    return {
        "ssid": ssid_text(ssid),
        "securityProtocol": item["securityProtocol"],
        "wifiConnectionState": state,
        "errorDetails": details,
    }


def attempt_list(document: Dict[str, Any]) -> Optional[List[Dict[str, Any]]]:
    """Validate the optional ``wifiNetworkInfoList`` of a report."""
    raw = document.get("wifiNetworkInfoList")
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise _invalid("'wifiNetworkInfoList' must be an array")
    return [attempt_item(a, f"wifiNetworkInfoList[{i}]") for i, a in enumerate(raw)]


def check_device_details(document: Dict[str, Any]) -> None:
    """Check the optional ``deviceDetails`` object (string values only, §8.4)."""
    details = document.get("deviceDetails")
    if details is None:
        return
    if not isinstance(details, dict) or not all(isinstance(v, str) for v in details.values()):
        raise _invalid("'deviceDetails' must be an object of strings")
