"""The ``proto-ver`` answer: the provisioning service's version and capabilities as JSON.

Shape (what esp_prov and the Espressif phone apps read)::

    {"prov": {"ver": "v1.1", "sec_ver": 1, "sec_patch_ver": 0, "cap": ["no_pop", "wifi_scan"]}}

``cap`` lists the security scheme's capability first (``no_sec`` for security 0,
``no_pop`` for security 1 without a PoP; exclusive) and then the service's
(``wifi_scan``). An application may add objects of its own beside ``prov``, each
``{"ver": ..., "cap": [...]}``. The text is pretty-printed with tabs, as ESP-IDF's JSON
printer writes it; clients parse it as JSON.

Source: ESP-IDF wifi_provisioning manager's version endpoint (docs/softap.md, "proto-ver").
"""

from __future__ import annotations

import json
from typing import Mapping, Sequence, Tuple

from .security.base import SecurityScheme

__all__ = ["version_json", "PROV_VERSION"]

#: The version of the Wi-Fi provisioning service that ``prov.ver`` reports.
PROV_VERSION = "v1.1"


def version_json(
    security: SecurityScheme,
    capabilities: Sequence[str] = ("wifi_scan",),
    *,
    version: str = PROV_VERSION,
    app_info: Mapping[str, Tuple[str, Sequence[str]]] = {},
) -> bytes:
    """The ``proto-ver`` body for a service.

    Args:
        security: the scheme (its number, patch level and capability).
        capabilities: the service's capabilities after the scheme's.
        version: ``prov.ver``.
        app_info: extra top-level objects: label -> (version, capabilities).
    Returns:
        UTF-8 JSON.
    Raises:
        ValueError: ``app_info`` uses the label ``prov``.
    """
    document = {
        "prov": {
            "ver": version,
            "sec_ver": security.version,
            "sec_patch_ver": security.patch_version,
            "cap": [*security.capabilities(), *capabilities],
        }
    }
    for label, (app_version, app_capabilities) in app_info.items():
        if label == "prov":
            raise ValueError("the label prov is the provisioning service's own")
        document[label] = {"ver": app_version, "cap": list(app_capabilities)}
    return json.dumps(document, indent="\t").encode("utf-8")
