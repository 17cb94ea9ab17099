"""The default platform: wss's implementation of the compatibility contract.

:mod:`wss.compat` declares the contract (the 25 compat functions and their types);
this package implements it for a device that has a HAL driver, the mbedTLS core and a
file system:

* :class:`DefaultCompat` (:mod:`wss.platform.default`) — all 25 functions, composed of
  the parts below;
* :class:`DriverBridge` (:mod:`wss.platform.hal_bridge`) — every HAL driver call, HAL
  errors mapped to wss errors and FFS results, failure reasons to error details;
* :class:`DeviceCrypto` (:mod:`wss.platform.device_crypto`) — the compat crypto
  functions over :mod:`wss.crypto`;
* :class:`DSSTransport` (:mod:`wss.platform.dss_transport`) — ``ffsHttpExecute``:
  HTTPS with mutual TLS over the driver's TCP streams;
* :class:`DeviceConfiguration` and :class:`DevicePolicy` (:mod:`wss.platform.device`) —
  the factory values and which scanned networks are posted;
* :class:`DeviceFiles` and :func:`build_default_compat` (:mod:`wss.platform.device_files`)
  — a device's certificate chain, key, trust anchors and product index on disk, loaded
  into a :class:`DefaultCompat`.

Layering (``docs/design.md`` §2): this package imports the contract, ``hal``'s contract,
the crypto core, TLS, HTTP, the DSS codec and the store; the state machine never
imports it.

Source: protocol §3.1.
"""

from __future__ import annotations

from .default import DefaultCompat
from .device import DeviceConfiguration, DevicePolicy
from .device_crypto import DeviceCrypto
from .device_files import DeviceFiles, build_default_compat
from .dss_transport import DSSTransport
from .hal_bridge import DriverBridge

__all__ = [
    "DefaultCompat",
    "DeviceConfiguration",
    "DevicePolicy",
    "DeviceCrypto",
    "DeviceFiles",
    "DSSTransport",
    "DriverBridge",
    "build_default_compat",
]
