"""Wi-Fi hardware drivers behind one contract (:class:`hal.base.WifiDriver`).

Choose a driver in one place::

    import hal
    driver = hal.load_driver("mock", environment="examples/home.yaml", provisioner=p)
    driver = hal.load_driver(hal.DriverKind.NL80211, iface="wlan0")
    driver = hal.load_driver(MyChipDriver, port="/dev/ttyS1")   # a class kept elsewhere
    driver = hal.load_driver("mychip.driver:WifiDriverMyChip")   # or its import path

Only the chosen driver's module is imported, so pyroute2 (nl80211) loads only when that
driver is asked for. Importing :mod:`hal` itself loads the contract and nothing heavy.
``hal`` never imports ``wss``. Options given as ``KEY=VALUE`` text are checked against
the driver's declared options by :func:`hal.options.parse_options`.

Source: ``docs/design.md`` §5.1 (bleak: enum + ``get_default_backend()`` + lazy backend
import).
"""

from __future__ import annotations

import enum
import importlib
import os
import sys
from pathlib import Path
from typing import Any, Mapping, Optional, Tuple, Type, Union

from .base import WifiDriver
from .errors import DriverNotSupported, HALError, InvalidArgument
from .stream import ByteStream, SocketStream
from .types import (
    Capabilities,
    ConnectionAttempt,
    ConnectionState,
    ConnectivityCheck,
    DriverEvent,
    FailureReason,
    NetworkConfig,
    ScanResult,
    Security,
    SoftAPConfig,
)

__all__ = [
    "DriverKind",
    "DriverSpec",
    "default_driver",
    "driver_class",
    "load_driver",
    "WifiDriver",
    "ByteStream",
    "SocketStream",
    "HALError",
    "DriverNotSupported",
    "Capabilities",
    "ConnectionAttempt",
    "ConnectionState",
    "ConnectivityCheck",
    "DriverEvent",
    "FailureReason",
    "NetworkConfig",
    "ScanResult",
    "Security",
    "SoftAPConfig",
]


class DriverKind(str, enum.Enum):
    """The drivers shipped in this package; values are the CLI's ``--hal`` names."""

    MOCK = "mock"  #: simulated radio environment (hal/mock)
    NL80211 = "nl80211"  #: Linux: nl80211 via pyroute2 + wpa_supplicant (hal/nl80211)
    ESP_AT = "esp_at"  #: an ESP32 running ESP-AT firmware on a serial port (hal/esp_at)


#: Where each kind lives (``module:Class``) and what installs its dependency.
_REGISTRY: Mapping[DriverKind, Tuple[str, str, Optional[str]]] = {
    DriverKind.MOCK: ("hal.mock", "WifiDriverMock", "pip install 'wss-provisionee[mock]'"),
    DriverKind.NL80211: ("hal.nl80211", "WifiDriverNl80211", "pip install pyroute2 (Linux only)"),
    DriverKind.ESP_AT: ("hal.esp_at", "WifiDriverEspAt", "pip install 'wss-provisionee[esp_at]'"),
}

#: What load_driver() accepts: a kind (or its name), a ``module:Class`` path, a
#: WifiDriver subclass, or a ready instance.
DriverSpec = Union[DriverKind, str, Type[WifiDriver], WifiDriver]

#: Environment variable that overrides default_driver() (a DriverKind value).
ENV_VAR = "WSS_HAL"


def default_driver(
    environ: Optional[Mapping[str, str]] = None, sysfs_net: Union[str, Path] = "/sys/class/net"
) -> DriverKind:
    """The driver to use when none is named.

    ``$WSS_HAL`` wins when set; otherwise NL80211 on Linux when a wireless interface
    exists (``/sys/class/net/<if>/wireless`` or ``phy80211``); otherwise MOCK.

    Args:
        environ: Environment to read (default ``os.environ``).
        sysfs_net: The sysfs network folder (for tests).
    Raises:
        InvalidArgument: ``$WSS_HAL`` names no driver.
    """
    env = os.environ if environ is None else environ
    chosen = env.get(ENV_VAR)
    if chosen:
        return _kind(chosen)
    root = Path(sysfs_net)
    if sys.platform.startswith("linux") and root.is_dir():
        for iface in sorted(root.iterdir()):
            if (iface / "wireless").exists() or (iface / "phy80211").exists():
                return DriverKind.NL80211
    return DriverKind.MOCK


def _kind(value: Union[DriverKind, str]) -> DriverKind:
    try:
        return DriverKind(value)
    except ValueError:
        names = ", ".join(k.value for k in DriverKind)
        raise InvalidArgument(f"unknown driver {value!r}; expected one of {names} or module:Class") from None


def driver_class(driver: Union[DriverKind, str]) -> Type[WifiDriver]:
    """Import and return the class of a driver kind, or of a ``module:Class`` path.

    Raises:
        DriverNotSupported: The driver's module or one of its dependencies cannot be
            imported here (the message names the extra to install).
        InvalidArgument: Unknown kind, or the path does not name a WifiDriver subclass.
    """
    install: Optional[str] = None
    by_path = isinstance(driver, str) and not isinstance(driver, DriverKind) and ":" in driver
    if by_path:
        module_name, _, class_name = driver.partition(":")
    else:
        module_name, class_name, install = _REGISTRY[_kind(driver)]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = f"; install it with {install}" if install else ""
        raise DriverNotSupported(f"driver {module_name} cannot be loaded ({exc}){hint}") from exc
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, WifiDriver)):
        if not by_path:  # one of ours, not (yet) complete in this checkout
            raise DriverNotSupported(f"{module_name} has no {class_name} in this installation")
        raise InvalidArgument(f"{module_name}:{class_name} is not a WifiDriver subclass")
    return cls


def load_driver(driver: Optional[DriverSpec] = None, **options: Any) -> WifiDriver:
    """Make the driver asked for (not yet opened).

    Args:
        driver: A :class:`DriverKind` or its name, a ``module:Class`` path, a
            :class:`WifiDriver` subclass, a ready instance, or None for
            :func:`default_driver`.
        **options: Keyword arguments of the driver's constructor (see :mod:`hal.args`).
    Returns:
        The driver instance (``driver`` itself when an instance was given).
    Raises:
        InvalidArgument: Unknown driver, or options given with an instance.
        DriverNotSupported: The driver cannot be imported here.
    """
    if isinstance(driver, WifiDriver):
        if options:
            raise InvalidArgument(f"options {sorted(options)} cannot apply to a driver instance")
        return driver
    if isinstance(driver, type):
        if not issubclass(driver, WifiDriver):
            raise InvalidArgument(f"{driver.__name__} is not a WifiDriver subclass")
        return driver(**options)
    return driver_class(default_driver() if driver is None else driver)(**options)
