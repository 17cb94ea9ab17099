"""Wire vocabulary of the Device Setup Service shared by the cloud simulator's modules.

Operation names and paths, provisioning-state names and the normal path through them,
security-protocol names and their ranking, the canonical response encoding, and the
generators for session ids, salts and tokens.

Source: protocol §4.1, §4.4, §6.2, §8.1, §8.3, §8.5, §13.1.
"""

from __future__ import annotations

import json
import secrets
import string
import uuid
from typing import Any, Dict, Optional, Tuple

from ..compat.types import ProvisioneeState as S
from ..provisionee.states import NORMAL_PATH

#: The six operations, in protocol order (path = ``/api/v1/<name>``). Source: §8.1.
OPERATIONS: Tuple[str, ...] = (
    "startProvisioningSession",
    "startPinBasedSetup",
    "computeConfigurationData",
    "postWifiScanData",
    "getWifiCredentials",
    "report",
)
PATH_PREFIX = "/api/v1/"

#: DSS provisioning-state names (JSON strings). Source: §4.4.
STATES: Tuple[str, ...] = (
    "NOT_PROVISIONED",
    "START_PROVISIONING",
    "START_PIN_BASED_SETUP",
    "COMPUTE_CONFIGURATION",
    "POST_WIFI_SCAN_DATA",
    "GET_WIFI_LIST",
    "CONNECTING_TO_USER_NETWORK",
    "CONNECTED_TO_USER_NETWORK",
    "DONE",
)

#: The state a session must be in for each operation other than session start and report.
OPERATION_STATE: Dict[str, str] = {
    "startPinBasedSetup": "START_PIN_BASED_SETUP",
    "computeConfigurationData": "COMPUTE_CONFIGURATION",
    "postWifiScanData": "POST_WIFI_SCAN_DATA",
    "getWifiCredentials": "GET_WIFI_LIST",
}

#: The production path after a SUCCESS report (PIN step skipped): the DSS states of the
#: provisionee's happy path. Source: §6.2 (observed).
_NORMAL_PATH: Tuple[str, ...] = tuple(
    s.dss_name for s in NORMAL_PATH if s.dss_name is not None and s is not S.NOT_PROVISIONED
)

#: Security protocols the DSS knows, most secure first (the credentials order). Source: §4.1.
SECURITY_RANK: Dict[str, int] = {"WPA_PSK": 0, "WEP": 1, "OPEN": 2, "OTHER": 3}

#: Report results. Source: §4.4.
REPORT_RESULTS = ("SUCCESS", "FAILURE")

SESSION_ID_PREFIX = "amzn1.ffs.wss-wifi-session-id."
SESSION_TOKEN_PREFIX = "amzn1.ffs.wss-wifi-session-token."
REGISTRATION_TOKEN_PREFIX = "amzn1.ffs.wss-registration-token."
#: Salt length, characters; the SDK refuses more than 8 (§8.3).
SALT_LENGTH = 8
_SALT_ALPHABET = string.ascii_letters + string.digits


def next_state(state: str, pin_required: bool = False, skip: int = 0) -> str:
    """Return the state that follows ``state`` after a SUCCESS report.

    Args:
        state: The DSS name of the state just reported.
        pin_required: Whether the session goes through START_PIN_BASED_SETUP.
        skip: How many states of the normal path to jump over (0 = none; the
            ``skip_state`` fault uses 1). The result never goes past DONE.

    Returns:
        The DSS name of the next state.

    Raises:
        ValueError: ``state`` is not on the provisioning path.

    Source: §6.2 (observed production transitions).
    """
    if state == "START_PROVISIONING" and pin_required and skip == 0:
        return "START_PIN_BASED_SETUP"
    if state == "START_PIN_BASED_SETUP":
        state = "START_PROVISIONING"
    if state not in _NORMAL_PATH:
        raise ValueError(f"no next state after {state}")
    index = _NORMAL_PATH.index(state) + 1 + skip
    return _NORMAL_PATH[min(index, len(_NORMAL_PATH) - 1)]


def encode_body(payload: Dict[str, Any]) -> bytes:
    """Serialize a response body the way the real DSS does.

    Compact JSON, keys sorted alphabetically at every level, no trailing newline,
    non-ASCII text as raw UTF-8 (the SDK parser does not join ``\\u`` surrogate pairs).

    Args:
        payload: The JSON object; values are str, bool, int, list or dict.

    Returns:
        The exact body bytes (the bytes that get signed).

    Source: §8.5 (alphabetical key order), §13.1 (compact, no newline).
    """
    text = json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return text.encode("utf-8", "surrogateescape")


def new_session_id() -> str:
    """Return a fresh session id ``amzn1.ffs.wss-wifi-session-id.<uuid4>``. Source: §8.3 [log]."""
    return SESSION_ID_PREFIX + str(uuid.uuid4())


def new_token(prefix: str) -> str:
    """Return ``prefix`` followed by a random uuid4 (session and registration tokens)."""
    return prefix + str(uuid.uuid4())


def new_salt() -> str:
    """Return a random 8-character alphanumeric salt. Source: §8.3 (at most 8 characters)."""
    return "".join(secrets.choice(_SALT_ALPHABET) for _ in range(SALT_LENGTH))


def operation_of(path: str) -> Optional[str]:
    """Return the operation name of a request path, or None for an unknown path.

    Args:
        path: The request target, e.g. ``/api/v1/report`` (a query string is ignored).

    Source: §8.1.
    """
    path = path.split("?", 1)[0]
    if not path.startswith(PATH_PREFIX):
        return None
    name = path[len(PATH_PREFIX) :]
    return name if name in OPERATIONS else None
