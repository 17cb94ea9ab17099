"""The GATT layout of ESP-IDF's protocomm_ble, as pure data: the service, one
characteristic per endpoint, their UUIDs and names.

* One primary service; its 128-bit UUID is ESP-IDF's example one
  (:data:`DEFAULT_SERVICE_UUID`) unless the application picks another.
* One characteristic per protocomm endpoint, readable and writable (with response;
  no write-without-response, no notifications). Its UUID is the service UUID with the
  16 bits at bytes 12-13 of the little-endian 128-bit value replaced by the endpoint's
  16-bit id — in the textual form, characters 4-7 (``021a9004-…`` → ``021aff51-…``).
* The ids: ``prov-ctrl`` 0xFF4F, ``prov-scan`` 0xFF50, ``prov-session`` 0xFF51,
  ``prov-config`` 0xFF52, ``proto-ver`` 0xFF53; the application's endpoints count up
  from 0xFF54 in the order they are added.
* Each characteristic carries a Characteristic User Description descriptor (0x2901)
  whose value is the endpoint's name in ASCII: clients (esp_prov, the phone apps) find
  the endpoints by these names and fall back to the derived UUIDs.

Source: ESP-IDF protocomm_ble and wifi_prov_scheme_ble (docs/ble.md, "GATT layout");
Bluetooth Core Specification v5.3, Vol 3, Part G, 3.3.3.2 (User Description).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Dict, Iterable, List, Tuple

__all__ = [
    "DEFAULT_SERVICE_UUID",
    "USER_DESCRIPTION_UUID",
    "STANDARD_ENDPOINT_IDS",
    "FIRST_CUSTOM_ID",
    "GattCharacteristic",
    "GattLayout",
    "characteristic_uuid",
    "gatt_layout",
    "normalise_uuid",
]

#: ESP-IDF's example service UUID (wifi_prov_mgr example, custom_service_uuid).
DEFAULT_SERVICE_UUID = "021a9004-0382-4aea-bff4-6b3f1c5adfb4"
#: Characteristic User Description (Bluetooth SIG assigned number 0x2901).
USER_DESCRIPTION_UUID = "00002901-0000-1000-8000-00805f9b34fb"
#: 16-bit ids of the endpoints every provisioning service has, in ESP-IDF's table order.
STANDARD_ENDPOINT_IDS: Tuple[Tuple[str, int], ...] = (
    ("prov-ctrl", 0xFF4F),
    ("prov-scan", 0xFF50),
    ("prov-session", 0xFF51),
    ("prov-config", 0xFF52),
    ("proto-ver", 0xFF53),
)
#: The 16-bit id of the first application endpoint; later ones count up.
FIRST_CUSTOM_ID = 0xFF54
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalise_uuid(text: str) -> str:
    """``text`` as a lower-case 36-character UUID.

    Raises:
        ValueError: not a 128-bit UUID in the 8-4-4-4-12 hex form.
    """
    value = str(text).strip().lower()
    if not _UUID.fullmatch(value):
        raise ValueError(f"{text!r} is not a 128-bit UUID (8-4-4-4-12 hex digits)")
    return value


def characteristic_uuid(service_uuid: str, endpoint_id: int) -> str:
    """The UUID of the endpoint with 16-bit id ``endpoint_id`` in ``service_uuid``.

    The service UUID's bytes 12 and 13, counted in ESP-IDF's little-endian storage
    order (the big-endian bytes 2 and 1), become ``endpoint_id`` (low byte first).

    Raises:
        ValueError: a malformed service UUID, or an id outside 0..0xFFFF.
    """
    if not isinstance(endpoint_id, int) or not 0 <= endpoint_id <= 0xFFFF:
        raise ValueError(f"an endpoint id is 16 bits, not {endpoint_id!r}")
    little = bytearray(uuid.UUID(normalise_uuid(service_uuid)).bytes[::-1])  # 16 bytes, LSB first
    little[12] = endpoint_id & 0xFF
    little[13] = endpoint_id >> 8
    return str(uuid.UUID(bytes=bytes(little[::-1])))


@dataclass(frozen=True)
class GattCharacteristic:
    """One endpoint's characteristic.

    Attributes:
        endpoint: the endpoint's name, also the 0x2901 descriptor's value.
        endpoint_id: its 16-bit id.
        uuid: its 128-bit UUID.
    """

    endpoint: str
    endpoint_id: int
    uuid: str

    @property
    def user_description(self) -> bytes:
        """The 0x2901 descriptor's value: the endpoint's name in ASCII."""
        return self.endpoint.encode("ascii")


@dataclass(frozen=True)
class GattLayout:
    """The provisioning service: its UUID and characteristics (standard ones first)."""

    service_uuid: str
    characteristics: Tuple[GattCharacteristic, ...]

    def by_uuid(self) -> Dict[str, GattCharacteristic]:
        """Characteristic UUID -> characteristic."""
        return {c.uuid: c for c in self.characteristics}

    def by_endpoint(self) -> Dict[str, GattCharacteristic]:
        """Endpoint name -> characteristic."""
        return {c.endpoint: c for c in self.characteristics}


def gatt_layout(custom_endpoints: Iterable[str] = (), service_uuid: str = DEFAULT_SERVICE_UUID) -> GattLayout:
    """The service for the standard endpoints and ``custom_endpoints`` (in order).

    Args:
        custom_endpoints: the application's endpoint names (e.g. ``custom-data``), at most
            0x10000 - 0xFF54 = 172 of them.
        service_uuid: the service's 128-bit UUID.
    Returns:
        The layout; custom endpoints get ids 0xFF54, 0xFF55, ... in order.
    Raises:
        ValueError: a malformed UUID, a name that is not 1-32 printable ASCII characters,
            a repeated name, or too many endpoints.
    """
    service = normalise_uuid(service_uuid)
    entries: List[Tuple[str, int]] = list(STANDARD_ENDPOINT_IDS)
    seen = {name for name, _ in entries}
    for index, name in enumerate(custom_endpoints):
        if not isinstance(name, str) or not 1 <= len(name) <= 32 or not all(" " < c <= "~" for c in name):
            raise ValueError(f"endpoint name {name!r} must be 1-32 printable ASCII characters")
        if name in seen:
            raise ValueError(f"endpoint {name!r} appears twice")
        if FIRST_CUSTOM_ID + index > 0xFFFF:
            raise ValueError(f"at most {0x10000 - FIRST_CUSTOM_ID} custom endpoints fit in 16-bit ids")
        seen.add(name)
        entries.append((name, FIRST_CUSTOM_ID + index))
    return GattLayout(
        service, tuple(GattCharacteristic(name, ident, characteristic_uuid(service, ident)) for name, ident in entries)
    )
