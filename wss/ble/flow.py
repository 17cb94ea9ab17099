"""The setup flow over BLE: the SoftAP setup flow's protocomm core, carried over GATT
(alone, or beside the SoftAP's HTTP transport: one core, two transports).

1. Open the driver; name the service ``PROV_xxxxxx`` from the Wi-Fi MAC address (the
   SoftAP's SSID would be the same name).
2. With ``with_softap``, start the SoftAP and its HTTP server as :mod:`wss.softap.flow`
   does.
3. Register the GATT service on the adapter (``hci0``) and advertise the name and the
   service UUID (:mod:`.bluez`); serve ``proto-ver``, ``prov-session``, ``prov-config``,
   ``prov-scan``, ``prov-ctrl`` and the application's endpoints. One client session at a
   time across both transports (the core's rule).
4. Print the service, the adapter and the QR payload (``"transport":"ble"``).
5. End as the SoftAP flow does (a client told Connected, ``linger_s`` after joining, or
   the time limit); unregister, stop advertising.

:func:`ble_service_factory` plugs this service into
:func:`wss.softap.flow.run_softap_setup`, which keeps the store's rules (a finished
set-up is rejoined, a success is saved).

Source: ESP-IDF wifi_prov_mgr with wifi_prov_scheme_ble (the example's default scheme),
protocomm_ble (docs/ble.md).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, Optional, TextIO

from hal.base import WifiDriver
from hal.errors import HALError

from ..errors import ConfigError
from ..softap.flow import SoftAPService, SoftAPSetup, _mac
from ..softap.qr import draw_qr
from ..softap.service import service_name
from .bluez import BlueZPeripheral
from .gatt import DEFAULT_SERVICE_UUID, gatt_layout
from .transport import DEFAULT_MAX_MESSAGE, BLETransport

__all__ = ["BLEOptions", "BLEService", "ble_service_factory"]

log = logging.getLogger("wss.ble")

#: How long the last answer (Connected) may take to leave before the service stops, seconds.
_FLUSH_S = 2.0


@dataclass(frozen=True)
class BLEOptions:
    """The BLE transport's settings.

    Attributes:
        adapter: the BlueZ adapter's name (``hci0``).
        service_uuid: the GATT service's 128-bit UUID (ESP-IDF's example one by default).
        max_message: largest request, bytes.
        with_softap: also run the SoftAP and its HTTP transport over the same core.
        bus_address: a D-Bus address instead of the system bus (tests).
        dbus_timeout_s: deadline of each bluetoothd call at start and stop, seconds.
    """

    adapter: str = "hci0"
    service_uuid: str = DEFAULT_SERVICE_UUID
    max_message: int = DEFAULT_MAX_MESSAGE
    with_softap: bool = False
    bus_address: Optional[str] = None
    dbus_timeout_s: float = 10.0


class BLEService(SoftAPService):
    """The running setup service over BLE (and the SoftAP, with ``with_softap``).

    Args:
        driver: the HAL driver (the Wi-Fi station that joins the home network).
        setup: what to offer (security, PoP, time limits, custom endpoints); its SoftAP
            fields matter only with ``with_softap``.
        out: where the banner goes.
        options: the BLE settings.
    """

    def __init__(
        self, driver: WifiDriver, setup: SoftAPSetup, out: Optional[TextIO] = None, options: BLEOptions = BLEOptions()
    ) -> None:
        super().__init__(driver, setup, out)
        self.options = options
        self.transport = BLETransport(self.core, options.max_message)
        self.layout = gatt_layout(list(setup.custom_endpoints), options.service_uuid)
        self.peripheral: Optional[BlueZPeripheral] = None

    def start(self) -> None:
        """Open the driver (and start the SoftAP with ``with_softap``), register the GATT
        service and advertise, print the banner.

        Raises:
            ConfigError: the driver cannot be opened or has no SoftAP (``with_softap``);
                :class:`~wss.ble.bluez.BLEUnavailable` (a ConfigError): no bus, no
                permission, no bluetoothd, no such adapter, a refused registration.
        """
        if self.options.with_softap:
            super().start()
        else:
            try:
                self.driver.open()
            except HALError as exc:
                raise ConfigError(f"cannot start the BLE setup service: {exc}") from None
            self.name = service_name(_mac(self.driver))
        options = self.options
        self.peripheral = BlueZPeripheral(
            self.transport,
            self.layout,
            self.name,
            options.adapter,
            bus_address=options.bus_address,
            timeout_s=options.dbus_timeout_s,
        )
        try:
            self.peripheral.start()
        except ConfigError:
            self.peripheral = None
            self.stop()
            raise
        log.info("BLE setup: %s serving security %d on %s", self.name, self.setup.security, options.adapter)
        self._ble_banner()

    def _ble_banner(self) -> None:
        assert self.peripheral is not None
        out, setup = self.out, self.setup
        where = f"{self.options.adapter} ({self.peripheral.adapter_address})"
        print(f"BLE setup: service {self.name} on {where}, security {setup.security}", file=out)
        print(f"BLE setup: esp_prov --transport ble --service_name {self.name} --sec_ver {setup.security}", file=out)
        if setup.show_qr:
            payload = setup.qr_text(self.name, transport="ble")
            print(f"BLE setup: QR payload {payload}", file=out)
            draw_qr(payload, out)
        out.flush()

    def wait(self, timeout_s: float, clock: Callable[[], float] = time.monotonic) -> bool:
        """As :meth:`SoftAPService.wait`; then let the last BLE answer leave."""
        finished = super().wait(timeout_s, clock)
        if finished:
            self.transport.wait_quiet(_FLUSH_S)
            if self.peripheral is not None:
                self.peripheral.flush(_FLUSH_S)
        return finished

    def stop(self) -> None:
        """Stop advertising, unregister the service, end the session; then the SoftAP
        side (idempotent); the station stays joined."""
        if self.peripheral is not None:
            self.peripheral.stop()
            self.peripheral = None
        super().stop()


def ble_service_factory(options: BLEOptions) -> Callable[[WifiDriver, SoftAPSetup, Optional[TextIO]], SoftAPService]:
    """A ``service_factory`` for :func:`wss.softap.flow.run_softap_setup` that runs the
    flow over BLE with ``options``."""

    def make(driver: WifiDriver, setup: SoftAPSetup, out: Optional[TextIO]) -> SoftAPService:
        return BLEService(driver, setup, out, options)

    return make
