"""``wss scan``: what a HAL driver's radio hears, as a table (or JSON).

    wss scan --hal nl80211 --iface wlan0 [--ssid NAME ...] [--freqs 2412,2437,2462]
    wss scan --hal mock --environment examples/home.yaml [--ssid NAME ...]
    ... [--timeout SECONDS] [--json]

``--ssid`` probes a network by name (a directed scan, the only way to name a hidden
one); ``--freqs`` limits an nl80211 scan to those channels (MHz). One line per BSSID,
strongest first: SSID (``<hidden>`` when withheld), BSSID, frequency, channel, signal,
security class, and ``hidden`` for APs that hide their SSID.

Source: issue 7 (CLI); protocol §3.1 row 13 (scan results), §4.1 (security classes).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List, Sequence


def register(subparsers: "argparse._SubParsersAction") -> None:
    """Add the ``scan`` parser."""
    p = subparsers.add_parser("scan", help="list the Wi-Fi networks a driver's radio hears",
                              description="Scan with a HAL driver and print what it sees.")
    p.add_argument("--hal", default="nl80211", help="driver: nl80211, mock, esp_at or module:Class (default nl80211)")
    p.add_argument("--iface", default="wlan0", help="wireless interface, for --hal nl80211 (default wlan0)")
    p.add_argument("--wpa-ctrl-dir", default="/run/wpa_supplicant",
                   help="wpa_supplicant control-socket folder, for --hal nl80211")
    p.add_argument("--environment", help="radio environment YAML, for --hal mock")
    p.add_argument("--url", help="serial port URL, for --hal esp_at")
    p.add_argument("--ssid", action="append", default=[], metavar="NAME",
                   help="also probe this SSID by name (repeatable; reveals hidden networks)")
    p.add_argument("--freqs", help="comma-separated channel frequencies in MHz, for --hal nl80211")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for the scan (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def driver_options(args: argparse.Namespace) -> Dict[str, Any]:
    """Constructor keywords of the driver ``--hal`` names.

    Raises:
        ConfigError: A required option is missing or malformed.
    """
    from ..errors import ConfigError

    if args.hal == "mock":
        if not args.environment:
            raise ConfigError("--hal mock needs --environment FILE")
        # The environment's provisioner (an Echo) hosts a network only for a device's
        # encoded probe (protocol 7.1), which a scan from here never sends.
        return {"environment": args.environment, "provisioner": _hosts_nothing}
    if args.hal == "esp_at":
        if not args.url:
            raise ConfigError("--hal esp_at needs --url URL")
        return {"url": args.url}
    if args.hal != "nl80211":
        return {}
    options: Dict[str, Any] = {"iface": args.iface, "wpa_ctrl_dir": args.wpa_ctrl_dir}
    if args.freqs:
        try:
            options["scan_freqs_mhz"] = [int(f) for f in args.freqs.split(",") if f.strip()]
        except ValueError:
            raise ConfigError(f"--freqs takes MHz values like 2412,2437, not {args.freqs!r}") from None
    return options


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
        rows.append((_ssid_text(r.ssid), r.bssid_text, str(r.freq_mhz), str(r.channel), str(r.rssi_dbm),
                     r.security.value, "hidden" if r.hidden else ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def as_json(results: Sequence[Any]) -> str:
    """The scan results as a JSON array (SSID as text when it is UTF-8, else hex)."""
    return json.dumps([{"ssid": _ssid_text(r.ssid) if r.ssid else "", "ssid_hex": r.ssid.hex(),
                        "bssid": r.bssid_text, "freq_mhz": r.freq_mhz, "channel": r.channel,
                        "rssi_dbm": r.rssi_dbm, "security": r.security.value, "hidden": r.hidden}
                       for r in results], indent=2)


def run(args: argparse.Namespace) -> int:
    """Scan once; print the results. Exit status 0, or 1 when the driver failed."""
    import hal

    from ..errors import ConfigError

    probes = [s.encode("utf-8") for s in args.ssid]
    try:
        driver = hal.load_driver(args.hal, **driver_options(args))
    except hal.HALError as exc:
        raise ConfigError(f"--hal {args.hal}: {exc}") from None
    try:
        with driver:
            results = driver.scan(probes, timeout_s=args.timeout)
    except hal.HALError as exc:
        print(f"wss scan: {args.hal}: {exc}", file=sys.stderr)
        return 1
    print(as_json(results) if args.json else format_table(results))
    return 0
