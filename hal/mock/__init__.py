"""The mock driver: the HAL contract over a simulated radio environment loaded from YAML.

See ``hal/mock/README.md`` for the environment format. Nothing here needs hardware,
root, pyroute2 or pyserial; TCP streams are real loopback sockets.
"""

from __future__ import annotations

from .clock import Clock, ManualClock, SystemClock
from .driver import DEFAULT_MAC, MOCK_CAPABILITIES, SOFTAP_ADDRESS, WifiDriverMock
from .environment import (
    AccessPoint,
    Fault,
    FaultKind,
    Internet,
    ProvisionerSpec,
    RadioEnvironment,
    TcpRule,
    load_environment,
)
from .setup_host import ProvisionerFactory

__all__ = [
    "WifiDriverMock",
    "MOCK_CAPABILITIES",
    "DEFAULT_MAC",
    "SOFTAP_ADDRESS",
    "RadioEnvironment",
    "AccessPoint",
    "Fault",
    "FaultKind",
    "Internet",
    "ProvisionerSpec",
    "ProvisionerFactory",
    "TcpRule",
    "load_environment",
    "Clock",
    "ManualClock",
    "SystemClock",
]
