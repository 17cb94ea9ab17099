"""Local discovery started by the setup itself: joined but not registered → announce.

The integration guide's "Local Discovery": a device on the customer's network that is
not registered to a customer makes itself findable, so the maker's app can take the
customer through the setup from there. A set-up run (WSS, or the SoftAP fallback) ends
here with :func:`announce_if_unregistered`, which decides and, when it must, runs both
announcements of :mod:`wss.discovery` (:class:`~wss.discovery.probe.ProbeResponder` and
:class:`~wss.discovery.mdns.MdnsAnnouncer`) for a bounded time. This module composes the
HAL driver, the store and :mod:`wss.discovery` (which itself knows neither):

=========================================  ==================================================
the device                                 what happens
=========================================  ==================================================
discovery turned off                       nothing (``disabled``)
not joined to a network                    nothing (``not joined``)
registered (the store holds the DSS's      nothing (``registered``): the customer already
registration token)                        has it
the driver's network stack is not the      nothing (``no host stack``): a co-processor such as
host's (``stream_fileno`` false: ESP-AT)   ESP-AT would announce from its own stack
no address known for the joined network    nothing (``no address``): give one
otherwise                                  announced until ``duration_s`` passes or ``stop``
                                           is set (``announced``), then withdrawn
=========================================  ==================================================

The record: the service name ``PROV_xxxxxx`` (the SoftAP flow's, from the station's MAC
address), the MAC, ``reg=0``, and the product index if given.

Source: integration guide, "Local Discovery"; docs/discovery.md ("Started by the setup").
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, TextIO

from hal.errors import DriverNotSupported, HALError
from hal.types import ConnectionState

from .discovery.probe import PROBE_PORT, ProbeResponder
from .discovery.record import SERVICE_TYPE, DiscoveryRecord
from .errors import UsageError

__all__ = ["DiscoveryOptions", "DiscoveryOutcome", "announce_if_unregistered", "DEFAULT_DURATION_S", "decide"]

log = logging.getLogger("wss.discovery")

#: How long a run announces by default, seconds.
DEFAULT_DURATION_S = 300.0


@dataclass(frozen=True)
class DiscoveryOptions:
    """How discovery runs after a set-up.

    Attributes:
        enabled: announce at all (the guide's expectation: yes).
        duration_s: how long to announce, seconds (> 0): a deadline, not a wish.
        port: the UDP probe port, also the SRV record's (0: a free one, printed).
        address: the device's IPv4 address on the customer's network (None: the
            driver's ``ip_address`` if it reports one).
        product_index: the WSS product index for the record's ``pi`` field.
        mdns: run the DNS-SD announcement too (needs python-zeroconf).
    Raises:
        UsageError: a duration that is not positive or a port outside 0–65535.
    """

    enabled: bool = True
    duration_s: float = DEFAULT_DURATION_S
    port: int = PROBE_PORT
    address: Optional[str] = None
    product_index: Optional[str] = None
    mdns: bool = True

    def __post_init__(self) -> None:
        if not self.duration_s > 0:
            raise UsageError(f"discovery duration must be > 0 seconds, not {self.duration_s!r}")
        if not 0 <= self.port <= 65535:
            raise UsageError(f"discovery port must be 0-65535, not {self.port!r}")


@dataclass(frozen=True)
class DiscoveryOutcome:
    """What :func:`announce_if_unregistered` did.

    Attributes:
        reason: ``disabled``, ``not joined``, ``registered``, ``no host stack``,
            ``no address`` or ``announced``.
        record: what was announced (None if nothing was).
        address: ``(address, UDP port)`` announced, if any.
        elapsed_s: seconds spent announcing.
    """

    reason: str
    record: Optional[DiscoveryRecord] = None
    address: Optional[tuple] = None
    elapsed_s: float = 0.0

    @property
    def announced(self) -> bool:
        return self.reason == "announced"


def decide(driver: Any, store: Any, options: DiscoveryOptions) -> Optional[str]:
    """Why not to announce (a :class:`DiscoveryOutcome` reason), or None to announce.

    Args:
        driver: the HAL driver, open if the device is joined.
        store: the :class:`~wss.store.ProvisioneeStore` (its registration token).
        options: the discovery options.
    """
    if not options.enabled:
        return "disabled"
    try:
        joined = driver.connection_state() is ConnectionState.ASSOCIATED
    except HALError:
        joined = False
    if not joined:
        return "not joined"
    if store.registration is not None:
        return "registered"
    if not driver.capabilities().stream_fileno:
        return "no host stack"
    if _address(driver, options) is None:
        return "no address"
    return None


def _address(driver: Any, options: DiscoveryOptions) -> Optional[str]:
    if options.address is not None:
        return options.address
    address = getattr(driver, "ip_address", None)
    return address if isinstance(address, str) and address else None


def _record(driver: Any, options: DiscoveryOptions) -> DiscoveryRecord:
    from .softap.service import service_name

    try:
        mac = driver.mac_address()
    except (DriverNotSupported, HALError):
        mac = b"\x02\x00\x00\x00\x00\x00"
    return DiscoveryRecord(service_name(mac), mac, options.product_index)


def announce_if_unregistered(
    driver: Any,
    store: Any,
    options: DiscoveryOptions,
    *,
    out: Optional[TextIO] = None,
    stop: Optional[threading.Event] = None,
    clock: Callable[[], float] = time.monotonic,
) -> DiscoveryOutcome:
    """Announce the device while it is joined and not registered, within ``duration_s``.

    Args:
        driver: the HAL driver (open, joined to the customer's network).
        store: the persistent store.
        options: how (see :class:`DiscoveryOptions`).
        out: where one line says what runs and one that it stopped (None: only the log).
        stop: set it to end the announcement early (another thread, a signal handler).
        clock: monotonic seconds.
    Returns:
        What was done (:class:`DiscoveryOutcome`); the records are withdrawn before it
        returns.
    Raises:
        UsageError: the probe port cannot be bound, python-zeroconf is missing, or another
            device on the link announces the same name.
    """
    why = decide(driver, store, options)
    if why is not None:
        log.info("discovery: not announcing (%s)", why)
        if out is not None and why not in ("disabled", "not joined", "registered"):
            print(f"discovery: not announcing ({_EXPLAIN[why]})", file=out, flush=True)
        return DiscoveryOutcome(why)
    address = _address(driver, options)
    assert address is not None
    record = _record(driver, options)
    started = clock()
    with ProbeResponder(record, (address, options.port)) as responder:
        bound = responder.address
        announcer = None
        if options.mdns:
            from .discovery.mdns import MdnsAnnouncer

            announcer = MdnsAnnouncer(record, address, bound[1]).start()
        try:
            if out is not None:
                kinds = f"mDNS {SERVICE_TYPE} and " if announcer is not None else ""
                print(
                    f"discovery: announcing {record.name} on {address} ({kinds}UDP probe port {bound[1]}) "
                    f"for {options.duration_s:g} s",
                    file=out,
                    flush=True,
                )
            (stop or threading.Event()).wait(max(0.0, options.duration_s - (clock() - started)))
        finally:
            if announcer is not None:
                announcer.stop()
    elapsed = clock() - started
    if out is not None:
        print(f"discovery: stopped after {elapsed:.1f} s ({responder.answered} probes answered)", file=out, flush=True)
    return DiscoveryOutcome("announced", record, bound, elapsed)


_EXPLAIN = {
    "no host stack": "the network stack runs on the Wi-Fi module, not on this host",
    "no address": "the driver does not report the device's address: give --discovery-address",
}
