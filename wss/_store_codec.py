"""JSON encoding of :mod:`wss.store` data, with strict validation when loading.

Bytes (SSIDs, keys, the token, BYTES configuration values) are stored as lower-case hex;
enumerations by name. :func:`decode` raises ValueError/TypeError/KeyError for anything
unexpected, which the store reports as a corrupt file.

Source: protocol §4 (the records stored).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from .compat.types import (
    ConfigValue,
    ConnectionDetails,
    ConnectionState,
    ErrorDetails,
    ProvisioneeState,
    RegistrationRequest,
    SecurityProtocol,
    WifiConfiguration,
    map_value_type,
)

__all__ = ["VERSION", "default_data", "encode", "decode", "check_config_value"]

#: Format version written in the file.
VERSION = 1


def default_data() -> Dict[str, Any]:
    """Factory settings: nothing stored, WSS and SoftAP both enabled."""
    return {
        "state": ProvisioneeState.NOT_PROVISIONED,
        "registration": None,
        "networks": [],
        "attempts": [],
        "wss_enabled": True,
        "softap_mode": True,
        "configuration": {},
    }


def check_config_value(value: ConfigValue) -> None:
    """Raise TypeError unless ``value`` is bytes, str, int or bool."""
    map_value_type(value)


def _error_details(details: Optional[ErrorDetails]) -> Optional[Dict[str, Optional[str]]]:
    if details is None:
        return None
    return {"operation": details.operation, "cause": details.cause, "details": details.details, "code": details.code}


def _config(value: ConfigValue) -> Dict[str, Any]:
    kind = map_value_type(value)
    return {"type": kind.name, "value": value.hex() if isinstance(value, bytes) else value}


def encode(data: Dict[str, Any]) -> Dict[str, Any]:
    """Store data → JSON-ready dict."""
    registration = data["registration"]
    return {
        "version": VERSION,
        "state": data["state"].name,
        "registration": None
        if registration is None
        else {"token": registration.token.hex(), "expires_at": registration.expiration},
        "networks": [
            {
                "ssid": item.ssid.hex(),
                "security": item.security.name,
                "key": item.key.hex(),
                "hidden": item.is_hidden,
                "priority": item.network_priority,
                "wep_index": item.wep_index,
            }
            for item in data["networks"]
        ],
        "attempts": [
            {
                "ssid": item.ssid.hex(),
                "security": item.security.name,
                "state": item.state.name,
                "error": _error_details(item.error_details),
            }
            for item in data["attempts"]
        ],
        "wss_enabled": data["wss_enabled"],
        "softap_mode": data["softap_mode"],
        "configuration": {key: _config(value) for key, value in data["configuration"].items()},
    }


def _typed(value: Any, kind: type, what: str) -> Any:
    if type(value) is not kind:
        raise TypeError(f"{what} must be {kind.__name__}")
    return value


def _hex(value: Any, what: str) -> bytes:
    return bytes.fromhex(_typed(value, str, what))


def _optional_str(value: Any, what: str) -> Optional[str]:
    return None if value is None else _typed(value, str, what)


def _decode_error(raw: Any) -> Optional[ErrorDetails]:
    if raw is None:
        return None
    _typed(raw, dict, "attempt error")
    return ErrorDetails(
        *(_optional_str(raw.get(name), f"error {name}") for name in ("operation", "cause", "details", "code"))
    )


def _decode_config(raw: Any) -> ConfigValue:
    _typed(raw, dict, "configuration entry")
    kind, value = raw["type"], raw["value"]
    expected = {"BYTES": str, "STRING": str, "INTEGER": int, "BOOLEAN": bool}[kind]
    _typed(value, expected, "configuration value")
    return bytes.fromhex(value) if kind == "BYTES" else value


def decode(raw: Any) -> Dict[str, Any]:
    """JSON dict → store data.

    Raises:
        ValueError, TypeError, KeyError: the content is not a valid store (never quoting
            stored values).
    """
    _typed(raw, dict, "store")
    if raw.get("version") != VERSION:
        raise ValueError(f"unsupported store version {raw.get('version')!r}")
    registration = raw["registration"]
    if registration is not None:
        _typed(registration, dict, "registration")
        registration = RegistrationRequest(
            _hex(registration["token"], "token"), _typed(registration["expires_at"], int, "expires_at")
        )
    networks = [
        WifiConfiguration(
            _hex(item["ssid"], "ssid"),
            SecurityProtocol[item["security"]],
            _hex(item["key"], "key"),
            _typed(item["hidden"], bool, "hidden"),
            _typed(item["priority"], int, "priority"),
            _typed(item["wep_index"], int, "wep_index"),
        )
        for item in _typed(raw["networks"], list, "networks")
    ]
    attempts = [
        ConnectionDetails(
            _hex(item["ssid"], "ssid"),
            SecurityProtocol[item["security"]],
            ConnectionState[item["state"]],
            _decode_error(item["error"]),
        )
        for item in _typed(raw["attempts"], list, "attempts")
    ]
    return {
        "state": ProvisioneeState[_typed(raw["state"], str, "state")],
        "registration": registration,
        "networks": networks,
        "attempts": attempts,
        "wss_enabled": _typed(raw["wss_enabled"], bool, "wss_enabled"),
        "softap_mode": _typed(raw["softap_mode"], bool, "softap_mode"),
        "configuration": {
            _typed(key, str, "configuration key"): _decode_config(value)
            for key, value in _typed(raw["configuration"], dict, "configuration").items()
        },
    }
