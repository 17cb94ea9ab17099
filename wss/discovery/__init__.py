"""Local discovery: a device on the customer's network but not registered to a customer
announces itself with DNS-SD over mDNS and answers a UDP discovery probe, so that the
maker's app finds it and starts the setup flow (integration guide, "Local Discovery").

Needs the ``discovery`` extra (python-zeroconf) for the mDNS part. See docs/discovery.md.
"""

from __future__ import annotations

from .probe import PROBE, PROBE_PORT, ProbeResponder, probe
from .record import SERVICE_TYPE, DiscoveryRecord

__all__ = ["DiscoveryRecord", "SERVICE_TYPE", "PROBE", "PROBE_PORT", "ProbeResponder", "probe", "MdnsAnnouncer"]


def __getattr__(name: str) -> object:
    if name == "MdnsAnnouncer":  # imports zeroconf only when asked for
        from .mdns import MdnsAnnouncer

        return MdnsAnnouncer
    raise AttributeError(name)
