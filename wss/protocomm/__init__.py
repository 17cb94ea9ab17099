"""An ESP-IDF-compatible protocomm server: the core, its security schemes, and Wi-Fi
provisioning — independent of the transport that carries it.

* :class:`Protocomm` — endpoints and one client session at a time (:mod:`.core`).
* :class:`Security0`, :class:`Security1`, :class:`Security2` — the security schemes
  (:mod:`.security`), their crypto in the mbedTLS core (:mod:`wss.crypto`).
* :class:`WifiProvisioning` — ``prov-config``, ``prov-scan``, ``prov-ctrl`` over a
  :class:`ProvisioningStation` (:mod:`.wifi`).
* :func:`version_json` — the ``proto-ver`` answer.
* The messages: ``.proto`` files of ours with ESP-IDF's names and numbers, and their
  generated code (:mod:`.proto`).

The HTTP transport of the SoftAP setup flow is :mod:`wss.softap.httpd`; a BLE transport
would be another package over the same core. This package imports protobuf (the
``softap`` extra) and nothing of ``hal``, the store or the WSS state machine.

Source: ESP-IDF protocomm and wifi_provisioning (docs/softap.md).
"""

from __future__ import annotations

from .core import SESSION_ENDPOINT, VERSION_ENDPOINT, EndpointKind, Handler, Protocomm
from .errors import (
    HandshakeFailed,
    InvalidSession,
    MalformedMessage,
    ProtocommError,
    SessionBusy,
    Status,
    UnknownEndpoint,
    WrongSecurityScheme,
)
from .security import Security0, Security1, Security2, SecurityScheme, SecuritySession
from .version import version_json
from .wifi import ProvisioningStation, StationConfig, WifiProvisioning

__all__ = [
    "Protocomm",
    "EndpointKind",
    "Handler",
    "VERSION_ENDPOINT",
    "SESSION_ENDPOINT",
    "Status",
    "ProtocommError",
    "MalformedMessage",
    "WrongSecurityScheme",
    "SessionBusy",
    "InvalidSession",
    "HandshakeFailed",
    "UnknownEndpoint",
    "SecurityScheme",
    "SecuritySession",
    "Security0",
    "Security1",
    "Security2",
    "WifiProvisioning",
    "ProvisioningStation",
    "StationConfig",
    "version_json",
]
