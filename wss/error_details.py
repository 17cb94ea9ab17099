"""The standard error details a failed connection attempt carries.

The FFS cloud reads the code of each failed attempt to learn why the device could not
join a network. The integration guide expects every failed attempt to carry one of these.
Operation, cause and details follow the reference ports where they define the code
(protocol §10) and the guide's wording otherwise.

Source: integration guide, "Error codes"; protocol §4.2, §10.
"""

from __future__ import annotations

from typing import Dict, Tuple, cast

from .compat.types import NULL_ERROR_CODE, ErrorDetails

__all__ = [
    "CONNECTING_TO_NETWORK",
    "NO_CONFIGURED_NETWORKS",
    "BAD_PSK",
    "AUTHENTICATION_FAILED",
    "CAPTIVE_PORTAL",
    "LIMITED_CONNECTIVITY",
    "UNKNOWN_ERROR",
    "AP_NOT_FOUND",
    "INTERNAL_ERROR",
    "GENERIC_CLIENT_ERROR",
    "NULL_ERROR_DETAILS",
    "STANDARD_ERROR_DETAILS",
    "by_code",
]

#: The ``operation`` of every Wi-Fi connection error (protocol §10).
CONNECTING_TO_NETWORK = "CONNECTING_TO_NETWORK"

#: 3:1:0:1 — no configured network matches the scan list.
NO_CONFIGURED_NETWORKS = ErrorDetails(
    CONNECTING_TO_NETWORK, "No configured networks", "No matching networks were found based on the scan list", "3:1:0:1"
)
#: 3:2:0:1 — bad or incorrect PSK (the guide's own example structure).
BAD_PSK = ErrorDetails(CONNECTING_TO_NETWORK, "Authentication failed", "Authentication failed", "3:2:0:1")
#: The guide's name for :data:`BAD_PSK` (``ffsErrorDetailsAuthenticationFailed``).
AUTHENTICATION_FAILED = BAD_PSK
#: 3:4:0:1 — a captive portal intercepts traffic.
CAPTIVE_PORTAL = ErrorDetails(CONNECTING_TO_NETWORK, "Captive portal", "Captive portal", "3:4:0:1")
#: 3:5:0:1 — associated to the AP, but limited internet connectivity.
LIMITED_CONNECTIVITY = ErrorDetails(CONNECTING_TO_NETWORK, "Limited connectivity", "Limited connectivity", "3:5:0:1")
#: 3:6:0:3 — general catch-all for Wi-Fi failures.
UNKNOWN_ERROR = ErrorDetails(CONNECTING_TO_NETWORK, "Unknown error", "Unknown error", "3:6:0:3")
#: 3:16:0:1 — the access point was not found (scan and directed scans).
AP_NOT_FOUND = ErrorDetails(CONNECTING_TO_NETWORK, "AP not found", "AP not found", "3:16:0:1")
#: 3:3:0:1 — internal error (what the FreeRTOS/PIC32 ports report for any failure).
INTERNAL_ERROR = ErrorDetails(CONNECTING_TO_NETWORK, "Internal error", "Internal error", "3:3:0:1")
#: 99:1:0:99 — generic client error.
GENERIC_CLIENT_ERROR = ErrorDetails("UNKNOWN", "Generic client error", "Generic client error", "99:1:0:99")
#: No error details (code 0:0:0:0, all strings absent).
NULL_ERROR_DETAILS = ErrorDetails(None, None, None, NULL_ERROR_CODE)

#: The eight standard error details, in the guide's order (plus 3:3:0:1 of §10).
STANDARD_ERROR_DETAILS: Tuple[ErrorDetails, ...] = (
    NO_CONFIGURED_NETWORKS,
    BAD_PSK,
    CAPTIVE_PORTAL,
    LIMITED_CONNECTIVITY,
    UNKNOWN_ERROR,
    AP_NOT_FOUND,
    INTERNAL_ERROR,
    GENERIC_CLIENT_ERROR,
)

# Every standard error details has a code (defined above): cast, not a filter.
_BY_CODE: Dict[str, ErrorDetails] = {cast(str, item.code): item for item in STANDARD_ERROR_DETAILS}


def by_code(code: str) -> ErrorDetails:
    """Return the standard error details for ``code`` (e.g. ``"3:2:0:1"``).

    Raises:
        ValueError: ``code`` is not one of the standard codes.
    """
    try:
        return _BY_CODE[code]
    except KeyError:
        raise ValueError(f"{code!r} is not a standard error-details code") from None
