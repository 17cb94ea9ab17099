"""The SoftAP setup flow: the fallback when WSS cannot set the device up.

The device starts its own access point ``PROV_xxxxxx`` and serves ESP-IDF's Wi-Fi
provisioning (protocomm over HTTP) on it, so Espressif's phone apps and ``esp_prov``
set it up. The protocol lives in :mod:`wss.protocomm`; this package adds what a device
needs around it:

* :mod:`.httpd` — the HTTP transport (protocomm_httpd's rules) over HAL streams;
* :mod:`.station` — scans and joins through the HAL driver;
* :mod:`.service` — the service name and QR payload; :mod:`.qr` — the QR in a terminal;
* :mod:`.credentials` — the security 2 salt and verifier file;
* :mod:`.flow` — the flow itself and its store (:func:`run_softap_setup`).

The device path imports this package only when the fallback runs.

Source: integration guide ("Device factory reset recommendation"); ESP-IDF Wi-Fi
provisioning over SoftAP (docs/softap.md).
"""

from __future__ import annotations

from .credentials import dump_salt_verifier, load_salt_verifier
from .flow import DEFAULT_TIMEOUT_S, HTTP_PORT, SoftAPResult, SoftAPService, SoftAPSetup, run_softap_setup
from .httpd import HTTPDLimits, ProtocommHTTPServer
from .service import qr_payload, service_name
from .station import DriverStation

__all__ = [
    "run_softap_setup",
    "SoftAPSetup",
    "SoftAPResult",
    "SoftAPService",
    "DEFAULT_TIMEOUT_S",
    "HTTP_PORT",
    "ProtocommHTTPServer",
    "HTTPDLimits",
    "DriverStation",
    "service_name",
    "qr_payload",
    "load_salt_verifier",
    "dump_salt_verifier",
]
