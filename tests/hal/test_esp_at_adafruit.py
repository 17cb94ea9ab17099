"""An independent host-side peer checks the ESP-AT emulator: Adafruit's ESP-AT library.

``adafruit-circuitpython-esp-atcontrol`` (PyPI, MIT), unmodified, on CPython through
Adafruit Blinka's generic-Linux UART (pyserial underneath), against the emulator's pty
at the library's 115200 baud: ``begin()`` (sync, reset if needed, ``ATE0``, baud rate,
version, ``AT+CIPMUX``, SSL buffer checks, ``AT+CWSTATE?``), the firmware version, a
scan, a join and the station address.

CPython notes (worked around here, never in the emulator): the library's
``remote_AP`` compares bytes with a str (``reply.startswith("+CWJAP:")``), which only
CircuitPython tolerates, so the test never calls it while joined (``join_AP`` calls it
only when already joined).
"""

from __future__ import annotations

import pytest
from esp_at_world import HOME_KEY, small_home

from wss.emulators.esp_at import EspAtEmulator

_MISSING = "adafruit-circuitpython-esp-atcontrol (and Adafruit-Blinka) not installed: pip install -e '.[test]'"
espatcontrol = pytest.importorskip("adafruit_espatcontrol.adafruit_espatcontrol", reason=_MISSING)
blinka_uart = pytest.importorskip("adafruit_blinka.microcontroller.generic_linux.uart", reason=_MISSING)

BAUD = 115200  # the library's rate, and the module's default


def test_adafruit_esp_atcontrol_begins_scans_joins_and_reads_its_address():
    with EspAtEmulator(small_home(), baud=BAUD) as emulator:
        uart = blinka_uart.UART(emulator.path, baudrate=BAUD, timeout=0.1)
        try:
            esp = espatcontrol.ESP_ATcontrol(uart, BAUD)
            esp.begin()
            assert esp.version == "AT version:4.0.0.0(emulated - ESP32 - wss esp-at-emulator)"
            assert esp.get_version() == esp.version
            assert esp.cipmux == 0 and esp.mode == esp.MODE_STATION
            aps = {ap[1]: ap for ap in esp.scan_APs()}
            assert aps["HomeNet"][:5] == [3, "HomeNet", -40, "02:00:00:00:00:01", 1]
            assert aps[""][0] == 3  # the hidden network, unnamed
            assert esp.status_wifi == esp.STATUS_WIFI_NOTCONNECTED - 1  # CWSTATE 0: not started
            esp.join_AP("HomeNet", HOME_KEY)
            assert esp.status_wifi == esp.STATUS_WIFI_APCONNECTED
            assert esp.local_ip == "192.168.1.101"
            assert esp.nslookup("echo.test") == "127.0.0.1"
            esp.disconnect()
            assert esp.status_wifi == esp.STATUS_WIFI_DISCONNECTED
            with pytest.raises(espatcontrol.OKError):  # "+CWJAP:3", then ERROR: no OK
                esp.join_AP("HomeNet-typo", HOME_KEY, retries=1)
        finally:
            uart.deinit()
