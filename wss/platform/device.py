"""What the default compat layer knows about the device: its identity values and its policy.

* :class:`DeviceConfiguration` — the factory values read through
  ``ffsGetConfigurationValue`` (the ``DeviceInformation.*`` keys, the two public keys, the
  DSS endpoint), the DSS client buffer sizes and an optional client-defined fallback
  setup network.
* :class:`DevicePolicy` — which scanned networks the device posts (the integration guide
  lets a device filter out what it does not support, e.g. WEP and open networks) and how
  long its radio operations and DSS requests may take.

Source: protocol §5 (configuration keys), §3.1 rows 7, 13, 19, 22; integration guide,
"Supported Networks".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Optional

from hal.types import PSK_FAMILY, Capabilities, ScanResult, Security

from .. import __version__, deadlines
from ..compat.types import ConfigKey, ConfigValue, DSSClientBuffers, WifiConfiguration
from ..http import HTTPLimits

__all__ = ["DeviceConfiguration", "DevicePolicy", "DEFAULT_SECURITY", "DEVICE_INFORMATION_KEYS"]

#: Security classes posted by default: the WPA personal family. WEP and open networks are
#: dropped (integration guide, "Supported Networks"); ENTERPRISE/OTHER are never joinable.
DEFAULT_SECURITY: FrozenSet[Security] = frozenset(PSK_FAMILY)

#: Keys the device owns; the DSS cannot overwrite them (``ffsSetConfigurationValue`` answers
#: NOT_IMPLEMENTED for them, like the Linux reference port does for unknown keys).
DEVICE_INFORMATION_KEYS: FrozenSet[str] = frozenset(
    key for key in ConfigKey.all() if key.startswith("DeviceInformation.")
) | {ConfigKey.CLOUD_EC_PUBLIC_KEY_DER}


@dataclass(frozen=True)
class DeviceConfiguration:
    """Factory data of one device, as ``ffsGetConfigurationValue`` hands it out.

    Attributes:
        device_public_key_der: the device key's DER SubjectPublicKeyInfo (91 bytes).
        cloud_public_key_der: the device type's cloud public key (91 bytes).
        product_index: 4 characters (``DeviceInformation.ProductIndex``).
        manufacturer, model_number, serial_number, hardware_version, firmware_version,
        ble_device_name, cpu_id: the ``DeviceInformation.*`` strings (None = not known).
        software_version_index: sent as ``softwareVersionIndex`` (ports send their version).
        pin: the setup PIN (``startPinBasedSetup``); never in a repr.
        dss_host: ``DSS.Host`` (None: the SDK default ``dp-sps-na.amazon.com``).
        dss_port: ``DSS.Port`` (None: 443).
        setup_network: a client-defined fallback setup network (None: ``simple_setup``).
        buffers: the DSS client buffer sizes (the body size decides request paging).

    Source: protocol §5, §3.1 rows 19 and 22, §7.3.
    """

    device_public_key_der: bytes
    cloud_public_key_der: bytes
    product_index: str
    manufacturer: Optional[str] = "wss"
    model_number: Optional[str] = "wss-provisionee"
    serial_number: Optional[str] = None
    hardware_version: Optional[str] = None
    firmware_version: Optional[str] = __version__
    software_version_index: Optional[str] = __version__
    ble_device_name: Optional[str] = None
    cpu_id: Optional[str] = None
    pin: Optional[str] = field(default=None, repr=False)
    dss_host: Optional[str] = None
    dss_port: Optional[int] = None
    setup_network: Optional[WifiConfiguration] = None
    buffers: DSSClientBuffers = DSSClientBuffers()

    def __post_init__(self) -> None:
        if not isinstance(self.product_index, str) or len(self.product_index.encode("utf-8")) != 4:
            raise ValueError("product_index must be 4 ASCII characters")
        if self.dss_port is not None and not 0 < self.dss_port < 65536:
            raise ValueError(f"dss_port must be 1..65535, got {self.dss_port}")

    def values(self) -> Dict[str, ConfigValue]:
        """Every known value by configuration key (unknown ones are left out)."""
        pairs = {
            ConfigKey.DEVICE_EC_PUBLIC_KEY_DER: self.device_public_key_der,
            ConfigKey.CLOUD_EC_PUBLIC_KEY_DER: self.cloud_public_key_der,
            ConfigKey.PRODUCT_INDEX: self.product_index,
            ConfigKey.MANUFACTURER_NAME: self.manufacturer,
            ConfigKey.MODEL_NUMBER: self.model_number,
            ConfigKey.SERIAL_NUMBER: self.serial_number,
            ConfigKey.HARDWARE_VERSION: self.hardware_version,
            ConfigKey.FIRMWARE_VERSION: self.firmware_version,
            ConfigKey.SOFTWARE_VERSION_INDEX: self.software_version_index,
            ConfigKey.BLE_DEVICE_NAME: self.ble_device_name,
            ConfigKey.CPU_ID: self.cpu_id,
            ConfigKey.PIN: self.pin,
            ConfigKey.DSS_HOST: self.dss_host,
            ConfigKey.DSS_PORT: self.dss_port,
        }
        return {key: value for key, value in pairs.items() if value is not None}


@dataclass(frozen=True)
class DevicePolicy:
    """The device's choices about networks and radio timing.

    Attributes:
        security: security classes of scanned networks that may be posted (default: the
            WPA personal family; add ``Security.WEP`` / ``Security.OPEN`` to allow those).
        scan_timeout_s: seconds to wait for one scan.
        scan_reuse_s: the freshness window of the posted scan, seconds (default 25; 0:
            always scan again): postWifiScanData reuses a scan that *started* at most this
            long ago (the one that probed for the setup network) instead of scanning
            again while joined to the setup network, so every posted network was heard
            within the window. 25 s is how long the Linux reference port keeps a scan list
            valid (protocol §6.5), inside cfg80211's own 30 s lifetime of a scan entry
            (``IEEE80211_SCAN_RESULT_EXPIRE``).
        connect_timeout_s: seconds allowed per network in ``ffsConnectToWifi``.
        stream_timeout_s: seconds to open a TCP stream to the DSS.
        dss_response_deadline_s: seconds from the end of a DSS request to the last byte
            of its response (default 30); a DSS trickling its answer is cut off there
            (:attr:`wss.http.HTTPLimits.response_deadline_s`).
        dss_operation_deadline_s: seconds for one whole DSS request, connection
            included (default 60; :attr:`wss.http.HTTPLimits.operation_deadline_s`). A
            request cut off by either deadline fails with
            :class:`~wss.errors.DeadlineExceeded`, which the retry policy treats as a
            network error.

    Raises:
        ValueError: a timeout or deadline that is not a positive finite number of seconds
            (``scan_reuse_s`` may also be 0).

    Source: integration guide, "Supported Networks"; protocol §3.1 rows 12, 13 and 16.
    """

    security: FrozenSet[Security] = DEFAULT_SECURITY
    scan_timeout_s: float = 15.0
    scan_reuse_s: float = 25.0
    connect_timeout_s: float = 30.0
    stream_timeout_s: float = 10.0
    dss_response_deadline_s: float = deadlines.DSS_RESPONSE_DEADLINE_S
    dss_operation_deadline_s: float = deadlines.DSS_OPERATION_DEADLINE_S

    def __post_init__(self) -> None:
        for name in (
            "scan_timeout_s",
            "connect_timeout_s",
            "stream_timeout_s",
            "dss_response_deadline_s",
            "dss_operation_deadline_s",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise ValueError(f"DevicePolicy.{name} must be a positive number of seconds, got {value!r}")
        reuse = self.scan_reuse_s
        if isinstance(reuse, bool) or not isinstance(reuse, (int, float)) or not 0 <= reuse < math.inf:
            raise ValueError(f"DevicePolicy.scan_reuse_s must be 0 or a positive number of seconds, got {reuse!r}")

    def http_limits(self) -> HTTPLimits:
        """The HTTP limits of DSS requests: the default sizes, this policy's deadlines."""
        return HTTPLimits(
            response_deadline_s=self.dss_response_deadline_s, operation_deadline_s=self.dss_operation_deadline_s
        )

    @classmethod
    def permissive(cls, **changes) -> DevicePolicy:
        """A policy that also posts WEP and open networks."""
        return cls(security=DEFAULT_SECURITY | {Security.WEP, Security.OPEN}, **changes)

    def keeps(self, result: ScanResult, capabilities: Capabilities) -> bool:
        """Whether a scan result may be posted: a named network of an allowed class that
        this radio can join (no WPA3-only AP without SAE, no WEP without WEP, no 5 GHz
        without the band)."""
        if not result.ssid or result.security not in self.security:
            return False
        if result.security is Security.WPA3_SAE and not capabilities.wpa3:
            return False
        if result.security is Security.WEP and not capabilities.wep:
            return False
        return capabilities.band_5ghz or result.freq_mhz < 5000
