"""The local-discovery options of ``wss provision`` and ``wss softap``.

    --discovery / --no-discovery   after a set-up that ends joined but not registered,
                                   announce the device (default: on, as the integration
                                   guide's "Local Discovery" expects)
    --discovery-time S             how long to announce, seconds (default 300)
    --discovery-port N             UDP probe port, also the mDNS SRV port (default 50590;
                                   0: a free one, printed)
    --discovery-address ADDR       the device's IPv4 address on the customer's network
                                   (default: what the driver reports)

Source: integration guide, "Local Discovery"; docs/discovery.md.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from typing import Any, Optional

from .arguments import port_or_any, seconds

__all__ = ["add_discovery_arguments", "discovery_options", "announce_after_setup"]

#: Default announcement time, seconds (wss.local_discovery.DEFAULT_DURATION_S).
DEFAULT_DISCOVERY_S = 300.0
#: Default UDP probe port (wss.discovery.PROBE_PORT).
DEFAULT_DISCOVERY_PORT = 50590


def _ipv4(text: str) -> str:
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IPv4 address") from None


def add_discovery_arguments(parser: Any) -> None:
    """Add the discovery options to ``parser`` (a parser or an argument group)."""
    parser.add_argument(
        "--discovery",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="when the set-up ends joined but not registered, announce the device on the network "
        "(DNS-SD over mDNS and a UDP probe responder; default: on)",
    )
    parser.add_argument(
        "--discovery-time",
        type=seconds,
        default=DEFAULT_DISCOVERY_S,
        metavar="S",
        help=f"how long to announce, seconds (default {DEFAULT_DISCOVERY_S:g})",
    )
    parser.add_argument(
        "--discovery-port",
        type=port_or_any,
        default=DEFAULT_DISCOVERY_PORT,
        metavar="N",
        help=f"UDP discovery probe port, also the SRV record's (default {DEFAULT_DISCOVERY_PORT}; 0: a free one)",
    )
    parser.add_argument(
        "--discovery-address",
        type=_ipv4,
        metavar="ADDR",
        help="the device's IPv4 address on the customer's network (default: what the driver reports)",
    )


def discovery_options(args: argparse.Namespace, product_index: Optional[str] = None) -> Any:
    """The :class:`wss.local_discovery.DiscoveryOptions` the arguments describe."""
    from ..local_discovery import DiscoveryOptions

    return DiscoveryOptions(
        enabled=args.discovery,
        duration_s=args.discovery_time,
        port=args.discovery_port,
        address=args.discovery_address,
        product_index=product_index,
    )


def announce_after_setup(args: argparse.Namespace, driver: Any, store: Any, product_index: Optional[str] = None) -> Any:
    """Announce while joined and unregistered (see :mod:`wss.local_discovery`); Ctrl-C
    ends the announcement early. Returns the :class:`~wss.local_discovery.DiscoveryOutcome`."""
    from ..local_discovery import DiscoveryOutcome, announce_if_unregistered

    try:
        return announce_if_unregistered(driver, store, discovery_options(args, product_index), out=sys.stdout)
    except KeyboardInterrupt:
        print("discovery: stopped (interrupted)", flush=True)
        return DiscoveryOutcome("interrupted")
