"""ESP-IDF Wi-Fi provisioning on a protocomm core: ``prov-config``, ``prov-scan``,
``prov-ctrl``, over a :class:`ProvisioningStation` the platform provides.

Source: ESP-IDF wifi_provisioning (docs/softap.md, "Wi-Fi provisioning").
"""

from __future__ import annotations

from .provisioning import CONFIG_ENDPOINT, CTRL_ENDPOINT, SCAN_ENDPOINT, Phase, WifiProvisioning
from .station import (
    AccessPoint,
    AuthMode,
    Connection,
    FailReason,
    JoinState,
    JoinStatus,
    ProvisioningStation,
    StationConfig,
)

__all__ = [
    "WifiProvisioning",
    "Phase",
    "CONFIG_ENDPOINT",
    "SCAN_ENDPOINT",
    "CTRL_ENDPOINT",
    "AccessPoint",
    "AuthMode",
    "Connection",
    "FailReason",
    "JoinState",
    "JoinStatus",
    "ProvisioningStation",
    "StationConfig",
]
