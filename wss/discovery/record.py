"""What a device says about itself in local discovery (both records carry the same fields).

Source: integration guide, "Local Discovery"; DNS-SD TXT rules from RFC 6763 §6 (each
``key=value`` string at most 255 bytes, keys case-insensitive printable ASCII).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, Optional

from ..errors import UsageError

__all__ = ["SERVICE_TYPE", "RECORD_VERSION", "DiscoveryRecord"]

#: The DNS-SD service type (RFC 6763 §7: a service name of at most 15 characters).
SERVICE_TYPE = "_wss-provisionee._udp.local."
#: The version of both records' field set.
RECORD_VERSION = 1


def _text(value: str, what: str, limit: int) -> str:
    if not value or len(value.encode("utf-8")) > limit or any(ord(c) < 0x20 for c in value):
        raise UsageError(f"discovery {what} must be 1-{limit} bytes of printable text, not {value!r}")
    return value


@dataclass(frozen=True)
class DiscoveryRecord:
    """A device announcing itself on the customer's network.

    Attributes:
        name: The instance name shown to the app (1-63 bytes of UTF-8, e.g. ``PROV_EA69FC``).
        mac: The station's 6-octet MAC address.
        product_index: The product's WSS product index (optional).
        registered: Whether the device is registered to a customer (announced as ``0``/``1``;
            a device announces only while it is not).
    Raises:
        UsageError: A name that is empty, too long or has control characters; a MAC that
            is not 6 bytes; a product index that is not printable.
    """

    name: str
    mac: bytes
    product_index: Optional[str] = None
    registered: bool = False

    def __post_init__(self) -> None:
        _text(self.name, "name", 63)
        if len(self.mac) != 6:
            raise UsageError("discovery MAC address must be 6 bytes")
        if self.product_index is not None:
            _text(self.product_index, "product index", 64)

    def fields(self) -> Dict[str, str]:
        """The record's fields as strings (the TXT record's ``key=value`` pairs)."""
        out = {"v": str(RECORD_VERSION), "mac": self.mac.hex(":"), "reg": "1" if self.registered else "0"}
        if self.product_index is not None:
            out["pi"] = self.product_index
        return out

    def probe_reply(self) -> bytes:
        """The UDP probe's answer: compact JSON ``{"name":…, "v":"1", "mac":…, "reg":…[, "pi":…]}``."""
        return json.dumps({"name": self.name, **self.fields()}, separators=(",", ":"), sort_keys=True).encode()
