"""The DNS-SD announcement over mDNS, through python-zeroconf (the ``discovery`` extra).

The device registers one service instance ``<name>._wss-provisionee._udp.local.``: its SRV
record points at the host ``<name>.local.`` and the UDP probe's port, its A record is the
device's address on the customer's network, its TXT record holds the
:class:`~wss.discovery.record.DiscoveryRecord` fields. zeroconf answers queries and
announces/withdraws the records (RFC 6762 §8.3, §10.1) for us.

Source: RFC 6762 (mDNS), RFC 6763 (DNS-SD); integration guide, "Local Discovery".
"""

from __future__ import annotations

import socket
from typing import List, Optional

from ..errors import UsageError
from .probe import PROBE_PORT
from .record import SERVICE_TYPE, DiscoveryRecord

__all__ = ["MdnsAnnouncer"]


class MdnsAnnouncer:
    """Announces a :class:`DiscoveryRecord` until :meth:`stop`.

    Args:
        record: The device's record.
        address: The device's IPv4 address on the customer's network.
        port: The SRV port (the UDP probe's port).
        interfaces: Addresses of the interfaces to announce on (default: ``[address]``).
    Raises:
        UsageError: ``address`` is not an IPv4 literal, or the zeroconf package (the
            ``discovery`` extra) is missing.
    """

    def __init__(
        self, record: DiscoveryRecord, address: str, port: int = PROBE_PORT, interfaces: Optional[List[str]] = None
    ) -> None:
        try:
            packed = socket.inet_aton(address)
        except OSError:
            raise UsageError(f"discovery address must be an IPv4 literal, not {address!r}") from None
        try:
            import zeroconf
        except ImportError:
            raise UsageError("mDNS discovery needs python-zeroconf: pip install 'wss-provisionee[discovery]'") from None
        self._zc_module = zeroconf
        host = record.name.lower().replace("_", "-") + ".local."
        self.info = zeroconf.ServiceInfo(
            SERVICE_TYPE,
            f"{record.name}.{SERVICE_TYPE}",
            addresses=[packed],
            port=port,
            properties=record.fields(),
            server=host,
        )
        self._interfaces = interfaces or [address]
        self._zc: Optional[zeroconf.Zeroconf] = None

    def start(self) -> MdnsAnnouncer:
        """Register the service (probing for name conflicts, then announcing: ~1-2 s).

        Raises:
            UsageError: Another device on the link already uses the instance name.
        """
        zeroconf = self._zc_module
        self._zc = zeroconf.Zeroconf(interfaces=self._interfaces, ip_version=zeroconf.IPVersion.V4Only)
        try:
            self._zc.register_service(self.info)
        except zeroconf.NonUniqueNameException:
            self.stop()
            raise UsageError(f"another device on the network announces {self.info.name!r}") from None
        return self

    def stop(self) -> None:
        """Withdraw the records (goodbye packets) and close the sockets (idempotent)."""
        zc, self._zc = self._zc, None
        if zc is not None:
            zc.unregister_all_services()
            zc.close()

    def __enter__(self) -> MdnsAnnouncer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
