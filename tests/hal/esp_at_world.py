"""The ESP-AT driver's tests: an emulated module on a pty and a driver opened on it."""

from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterator, Optional, Tuple

from hal_mock_envs import ap

from hal.esp_at import WifiDriverEspAt
from wss.emulators.esp_at import EspAtEmulator

#: The UART rate of these tests (paced all the same; high so that wire time stays small).
BAUD = 2_000_000
HOME_KEY = "correct horse battery"


def small_home() -> Dict[str, Any]:
    """Two networks, one hidden, and what the internet holds (``echo.test``)."""
    return {
        "access_points": [
            ap("HomeNet", "02:00:00:00:00:01", channel=1, rssi=-40, passphrase=HOME_KEY),
            ap("Hidden", "02:00:00:00:00:02", channel=6, rssi=-55, passphrase="hidden passphrase", hidden=True),
        ],
        "internet": {"hosts": ["echo.test"]},
    }


@contextlib.contextmanager
def emulated(
    faults: Any = None, environment: Optional[Dict[str, Any]] = None, open_driver: bool = True, **options: Any
) -> Iterator[Tuple[EspAtEmulator, WifiDriverEspAt]]:
    """An emulator (``faults``) and a driver on its pty (opened unless ``open_driver`` is False)."""
    emulator_baud = options.pop("emulator_baud", BAUD)
    options.setdefault("baud", BAUD)
    with EspAtEmulator(environment or small_home(), baud=emulator_baud, faults=faults) as emulator:
        driver = WifiDriverEspAt(emulator.path, **options)
        if open_driver:
            driver.open()
        try:
            yield emulator, driver
        finally:
            driver.close()
