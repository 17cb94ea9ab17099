"""How the device presents its SoftAP setup service: its name and its QR payload.

* The **service name** is ``PROV_`` and the last three octets of the station's MAC
  address in upper-case hex (``PROV_EA69FC``); it is also the SoftAP's SSID.
* The **QR payload** is compact JSON the Espressif phone apps scan, keys in this order:
  ``ver`` (``"v1"``), ``name``, ``username`` (security 2), ``pop`` (the PoP of security
  1, the password of security 2; left out when there is none), ``password`` (the
  SoftAP's WPA passphrase, only for a protected AP), ``transport`` (``"softap"``).

The payload holds the PoP: it is for the device's screen or label (and the terminal of
``wss softap``), never for a log.

Source: ESP-IDF wifi_prov_mgr example (service name, QR payload; docs/softap.md,
"Service name and QR code").
"""

from __future__ import annotations

import json
from typing import Dict, Optional

__all__ = ["SERVICE_PREFIX", "service_name", "qr_payload"]

#: What every service name starts with.
SERVICE_PREFIX = "PROV_"


def service_name(mac: bytes) -> str:
    """``PROV_`` + the last three octets of ``mac`` in upper-case hex.

    Raises:
        ValueError: ``mac`` is not 6 octets.
    """
    if len(mac) != 6:
        raise ValueError(f"a MAC address is 6 octets, not {len(mac)}")
    return SERVICE_PREFIX + mac[3:].hex().upper()


def qr_payload(
    name: str,
    *,
    pop: str = "",
    username: Optional[str] = None,
    ap_passphrase: str = "",
    transport: str = "softap",
) -> str:
    """The QR code's text.

    Args:
        name: the service name.
        pop: the security 1 PoP or the security 2 password ("" for none).
        username: the security 2 username (None for security 0 and 1).
        ap_passphrase: the SoftAP's WPA passphrase ("" for an open AP).
        transport: ``softap`` (or ``ble``).
    Returns:
        Compact JSON, e.g. ``{"ver":"v1","name":"PROV_EA69FC","pop":"abcd1234","transport":"softap"}``.
    """
    payload: Dict[str, str] = {"ver": "v1", "name": name}
    if username is not None:
        payload["username"] = username
    if pop:
        payload["pop"] = pop
    if ap_passphrase:
        payload["password"] = ap_passphrase
    payload["transport"] = transport
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
