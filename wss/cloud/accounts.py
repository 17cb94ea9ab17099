"""Customer accounts of the cloud simulator: saved Wi-Fi networks and associated devices.

File format (YAML)::

    customers:
      - id: alice
        devices: "*"                 # every device, or a list of entries:
        #   - {serial: SERIAL0001}
        #   - {public_key_sha256: <64 hex>}     SHA-256 of the DHA key's DER SPKI
        #   - {public_key: <hex DER SPKI>}      also lets the provisioner host its network
        #   an entry may add  pin: "12345678"   to run START_PIN_BASED_SETUP
        pin: "12345678"              # optional, for all of this customer's devices
        configuration:               # optional, merged into computeConfigurationData
          LocaleConfiguration.CountryCode: DE
        networks:
          - {ssid: HomeNet, security: WPA_PSK, key: "correct horse", priority: 0}

``security`` is one of WPA_PSK, WEP, OPEN, OTHER. A device is matched to the first
customer listing it explicitly (serial or key), else to the first customer with ``"*"``.

Source: issue "Local Device Setup Service" (accounts); protocol §8.5 (credential fields),
§13 (devices are pre-associated with an account).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

from ..errors import ConfigError
from .identity import ClientIdentity
from .protocol import SECURITY_RANK
from .yamlfile import read_yaml

__all__ = ["Network", "DeviceEntry", "Customer", "Accounts", "load_accounts"]

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_HEX = re.compile(r"^(?:[0-9a-fA-F]{2})+$")


@dataclass(frozen=True)
class Network:
    """A saved Wi-Fi network. ``key`` never appears in the repr."""

    ssid: str
    security: str
    key: Optional[str] = field(default=None, repr=False)
    priority: int = 0
    key_index: int = 0
    order: int = 0


@dataclass(frozen=True)
class DeviceEntry:
    """One device associated with a customer (exactly one of the identifiers is set)."""

    serial: Optional[str] = None
    public_key_sha256: Optional[str] = None
    public_key_der: Optional[bytes] = None
    pin: Optional[str] = field(default=None, repr=False)

    def matches(self, identity: ClientIdentity) -> bool:
        """Return whether this entry names the device ``identity``."""
        if self.serial is not None:
            return identity.serial == self.serial
        return identity.public_key_sha256 == self.public_key_sha256


@dataclass(frozen=True)
class Customer:
    """A customer: associated devices (``all_devices`` for ``"*"``) and saved networks."""

    id: str
    all_devices: bool
    devices: Tuple[DeviceEntry, ...]
    networks: Tuple[Network, ...]
    pin: Optional[str] = field(default=None, repr=False)
    configuration: Tuple[Tuple[str, Union[str, bool]], ...] = ()


class Accounts:
    """All customers, with the device-to-customer lookup.

    Args:
        customers: The customers in file order.
    """

    def __init__(self, customers: List[Customer]) -> None:
        self.customers = list(customers)

    def __repr__(self) -> str:
        return f"Accounts(customers={[c.id for c in self.customers]})"

    def customer(self, customer_id: Optional[str]) -> Optional[Customer]:
        """Return the customer with this id, or None."""
        return next((c for c in self.customers if c.id == customer_id), None)

    def customer_for(self, identity: ClientIdentity) -> Tuple[Optional[Customer], Optional[str]]:
        """Find the customer a device belongs to, and the PIN it must present.

        Args:
            identity: The caller, from its client certificate.

        Returns:
            ``(customer, pin)``; ``(None, None)`` when no customer has the device. The PIN
            is the device entry's, else the customer's, else None (no PIN step).
        """
        for customer in self.customers:
            for entry in customer.devices:
                if entry.matches(identity):
                    return customer, entry.pin or customer.pin
        for customer in self.customers:
            if customer.all_devices:
                return customer, customer.pin
        return None, None

    def public_keys(self) -> List[bytes]:
        """Return the DER public keys given with ``public_key`` device entries."""
        return [e.public_key_der for c in self.customers for e in c.devices if e.public_key_der]


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def _string(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _fail(where, "must be a string")
    return str(value)


def _optional_string(value: Any, where: str) -> Optional[str]:
    return None if value is None else _string(value, where)


def _check_key(security: str, key: Optional[str], where: str) -> None:
    if security == "WPA_PSK":
        if key is None or not (8 <= len(key) <= 63 or (len(key) == 64 and _HEX.match(key))):
            raise _fail(where, "a WPA_PSK key must be 8..63 characters or 64 hex digits")
    elif security == "WEP":
        if key is None or not (len(key) in (5, 13) or (len(key) in (10, 26) and _HEX.match(key))):
            raise _fail(where, "a WEP key must be 5 or 13 characters, or 10 or 26 hex digits")
    elif key is not None:
        raise _fail(where, f"a {security} network takes no key")


def _network(raw: Any, where: str, order: int) -> Network:
    if not isinstance(raw, dict):
        raise _fail(where, "must be a mapping with ssid, security, key, priority")
    ssid = _string(raw.get("ssid"), f"{where}.ssid")
    if not ssid or len(ssid.encode("utf-8")) > 32:
        raise _fail(f"{where}.ssid", "must be 1..32 octets")
    security = _string(raw.get("security", "WPA_PSK"), f"{where}.security")
    if security not in SECURITY_RANK:
        raise _fail(f"{where}.security", f"must be one of {', '.join(SECURITY_RANK)}")
    key = _optional_string(raw.get("key"), f"{where}.key")
    _check_key(security, key, f"{where}.key")
    numbers = {}
    for name in ("priority", "key_index"):
        value = raw.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(f"{where}.{name}", "must be an integer")
        numbers[name] = value
    unknown = set(raw) - {"ssid", "security", "key", "priority", "key_index"}
    if unknown:
        raise _fail(where, f"unknown fields {sorted(unknown, key=repr)}")
    return Network(ssid=ssid, security=security, key=key, order=order, **numbers)


def _device(raw: Any, where: str) -> DeviceEntry:
    if not isinstance(raw, dict):
        raise _fail(where, "must be a mapping with serial, public_key_sha256 or public_key")
    ids = [name for name in ("serial", "public_key_sha256", "public_key") if name in raw]
    if len(ids) != 1 or set(raw) - {ids[0] if ids else "", "pin"}:
        raise _fail(where, "needs exactly one of serial, public_key_sha256, public_key (and optional pin)")
    pin = _optional_string(raw.get("pin"), f"{where}.pin")
    value = _string(raw[ids[0]], f"{where}.{ids[0]}")
    if ids[0] == "serial":
        return DeviceEntry(serial=value, pin=pin)
    if ids[0] == "public_key_sha256":
        if not _HEX64.match(value):
            raise _fail(f"{where}.public_key_sha256", "must be 64 hex digits")
        return DeviceEntry(public_key_sha256=value.lower(), pin=pin)
    if not _HEX.match(value):
        raise _fail(f"{where}.public_key", "must be the hex DER SubjectPublicKeyInfo")
    der = bytes.fromhex(value)
    return DeviceEntry(public_key_sha256=hashlib.sha256(der).hexdigest(), public_key_der=der, pin=pin)


def _configuration(raw: Any, where: str) -> Tuple[Tuple[str, Union[str, bool]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise _fail(where, "must be a mapping of key to string or boolean")
    for key, value in raw.items():
        if not isinstance(key, str) or not isinstance(value, (str, bool)):
            raise _fail(f"{where}.{key}", "values must be strings or booleans (protocol §5)")
    return tuple(sorted(raw.items()))


def _customer(raw: Any, where: str) -> Customer:
    if not isinstance(raw, dict):
        raise _fail(where, "must be a mapping with id, devices, networks")
    cid = _string(raw.get("id"), f"{where}.id")
    devices_raw = raw.get("devices", [])
    all_devices = devices_raw == "*"
    if not all_devices and not isinstance(devices_raw, list):
        raise _fail(f"{where}.devices", 'must be "*" or a list')
    devices = () if all_devices else tuple(_device(d, f"{where}.devices[{i}]") for i, d in enumerate(devices_raw))
    networks_raw = raw.get("networks", [])
    if not isinstance(networks_raw, list):
        raise _fail(f"{where}.networks", "must be a list")
    networks = tuple(_network(n, f"{where}.networks[{i}]", i) for i, n in enumerate(networks_raw))
    return Customer(
        id=cid,
        all_devices=all_devices,
        devices=devices,
        networks=networks,
        pin=_optional_string(raw.get("pin"), f"{where}.pin"),
        configuration=_configuration(raw.get("configuration"), f"{where}.configuration"),
    )


def load_accounts(source: Union[str, Dict[str, Any], Accounts]) -> Accounts:
    """Load and validate an accounts file.

    Args:
        source: A YAML file path, an already parsed mapping, or an :class:`Accounts`
            (returned unchanged).

    Returns:
        The accounts.

    Raises:
        ConfigError: The file cannot be read or an entry is invalid; the message names
            the file and the entry (e.g. ``customers[0].networks[1].key``), never a key.
    """
    if isinstance(source, Accounts):
        return source
    name = "accounts"
    if isinstance(source, (str, os.PathLike)):
        name, source = os.fspath(source), read_yaml(os.fspath(source))
    if not isinstance(source, dict) or not isinstance(source.get("customers"), list):
        raise ConfigError(f"{name}: needs a top-level 'customers' list")
    customers = [_customer(c, f"{name}: customers[{i}]") for i, c in enumerate(source["customers"])]
    ids = [c.id for c in customers]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{name}: customer ids must be unique")
    return Accounts(customers)
