"""``wss scan``: what a HAL driver's radio hears, as a table (or JSON).

    wss scan --hal nl80211 --hal-option iface=wlan0 [--ssid NAME ...]
             [--hal-option scan_freqs_mhz=2412,2437,2462]
    wss scan --hal mock --hal-option environment=examples/home.yaml [--ssid NAME ...]
    ... [--timeout SECONDS] [--json]

``--ssid`` probes a network by name (a directed scan, the only way to name a hidden
one); ``--hal-option`` sets the driver's own options (``wss.cli.driver``), e.g. the
channels an nl80211 scan visits (MHz). One line per BSSID,
strongest first: SSID (``<hidden>`` when withheld), BSSID, frequency, channel, signal,
security class, and ``hidden`` for APs that hide their SSID.

Source: protocol §3.1 row 13 (scan results), §4.1 (security classes).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, List, Sequence

from .arguments import seconds, ssid
from .driver import add_driver_arguments, make_driver


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``scan`` parser."""
    p = subparsers.add_parser(
        "scan",
        help="list the Wi-Fi networks a driver's radio hears",
        description="Scan with a HAL driver and print what it sees.",
    )
    add_driver_arguments(p, default="nl80211")
    p.add_argument(
        "--ssid",
        action="append",
        type=ssid,
        default=[],
        metavar="NAME",
        help="also probe this SSID by name (repeatable; reveals hidden networks)",
    )
    p.add_argument(
        "--timeout", type=seconds, default=20.0, metavar="SECONDS", help="seconds to wait for the scan (default 20)"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def _hosts_nothing(ssid: str) -> None:
    """A mock provisioner answer: no passphrase for any SSID."""
    return None


def _ssid_text(ssid: bytes) -> str:
    if not ssid:
        return "<hidden>"
    text = ssid.decode("utf-8", "replace")
    return text if text.isprintable() and "\ufffd" not in text else "0x" + ssid.hex()


def format_table(results: Sequence[Any]) -> str:
    """The scan results as aligned text columns (no trailing spaces)."""
    rows: List[Sequence[str]] = [("SSID", "BSSID", "MHz", "CH", "dBm", "SECURITY", "")]
    for r in results:
        rows.append(
            (
                _ssid_text(r.ssid),
                r.bssid_text,
                str(r.freq_mhz),
                str(r.channel),
                str(r.rssi_dbm),
                r.security.value,
                "hidden" if r.hidden else "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def as_json(results: Sequence[Any]) -> str:
    """The scan results as a JSON array (SSID as text when it is UTF-8, else hex)."""
    return json.dumps(
        [
            {
                "ssid": _ssid_text(r.ssid) if r.ssid else "",
                "ssid_hex": r.ssid.hex(),
                "bssid": r.bssid_text,
                "freq_mhz": r.freq_mhz,
                "channel": r.channel,
                "rssi_dbm": r.rssi_dbm,
                "security": r.security.value,
                "hidden": r.hidden,
            }
            for r in results
        ],
        indent=2,
    )


def run(args: argparse.Namespace) -> int:
    """Scan once; print the results. Exit status 0, or 1 when the driver failed."""
    import hal

    probes = list(args.ssid)
    # A simulated place's provisioner (an Echo) hosts a network only for a device's
    # encoded setup SSID; a scan is no device, so it hosts nothing.
    driver = make_driver(args, {"provisioner": _hosts_nothing})
    try:
        with driver:
            results = driver.scan(probes, timeout_s=args.timeout)
    except hal.HALError as exc:
        print(f"wss scan: {args.hal}: {exc}", file=sys.stderr)
        return 1
    print(as_json(results) if args.json else format_table(results))
    return 0
