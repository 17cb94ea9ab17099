"""The BLE transport of the protocomm server, compatible with ESP-IDF's protocomm_ble.

The same protocomm core (:mod:`wss.protocomm`) as the SoftAP setup flow's HTTP
transport, carried over GATT instead:

* :mod:`.gatt` — the service, one characteristic per endpoint, their UUIDs and 0x2901
  names (pure data);
* :mod:`.transport` — the rules: one client's session per connection, long writes put
  back together, reads at offsets (no D-Bus);
* :mod:`.bluez` — the service registered with BlueZ over D-Bus (dbus-fast, the ``ble``
  extra) and its advertisement;
* :mod:`.flow` — the setup flow over BLE (alone, or beside the SoftAP).

This package imports nothing of the WSS state machine; :mod:`.bluez` imports dbus-fast
only when a peripheral starts.

Source: ESP-IDF protocomm_ble and wifi_prov_scheme_ble (docs/ble.md).
"""

from __future__ import annotations

from .gatt import DEFAULT_SERVICE_UUID, GattCharacteristic, GattLayout, characteristic_uuid, gatt_layout
from .transport import DEFAULT_MAX_MESSAGE, BLETransport, GattError

__all__ = [
    "DEFAULT_SERVICE_UUID",
    "DEFAULT_MAX_MESSAGE",
    "GattCharacteristic",
    "GattLayout",
    "characteristic_uuid",
    "gatt_layout",
    "BLETransport",
    "GattError",
]
