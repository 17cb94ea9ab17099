"""``wss esp-at-emulator``: an ESP32 running ESP-AT firmware, emulated behind a pseudo-terminal.

    wss esp-at-emulator --environment FILE [--link PATH] [--baud N] [--faults FILE]
                        [--pki DIR] [--dss-host HOST] [--setup-port PORT] [--chip ESP32]
                        [--mac MAC] [--phone-port N]

It prints the pty's path (``--link`` also makes a symbolic link to it) and runs until
Ctrl-C or SIGTERM (exit status 0). Open the path like a USB serial adapter::

    wss provision --hal esp_at --hal-option port=/dev/pts/7 --pki DIR --dss localhost:8443 ...
    wss scan --hal esp_at --hal-option port=/dev/pts/7

The radio is the mock radio's YAML environment (``hal/mock/README.md``): its access
points, its faults, and its ``provisioner:``, which hosts the encoded setup network
(``--pki DIR`` gives it ``DIR/cloud/private_key.pem`` and the device certificate
``DIR/device/certificate.pem``); TCP links reach 127.0.0.1 (the local DSS). The UART is
paced at ``--baud`` (default 115200), both ways. ``--faults FILE`` (YAML) breaks the AT
link on purpose (``wss.emulators.esp_at.faults``). A bad file is a usage error (exit
status 2) naming it. While the host runs the module's TCP server (the SoftAP setup's
``AT+CIPSERVER``), a phone reaches it at ``127.0.0.1:--phone-port`` (default: a free
port, printed); ``--mac`` sets the station's MAC address (the ``PROV_xxxxxx`` name).

Source: issue 11; ``docs/esp-at.md``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from .arguments import existing_file, existing_folder, file_to_write, host, int_range, port, port_or_any

#: Rates the emulated UART accepts (ESP-AT's AT+UART_CUR range is 80..5000000).
baud_rate = int_range(300, 5_000_000, "a baud rate")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``esp-at-emulator`` parser."""
    p = subparsers.add_parser(
        "esp-at-emulator",
        help="emulate an ESP32 with ESP-AT firmware on a pseudo-terminal",
        description="An ESP-AT module (ESP32, AT firmware v3.x/v4.x) on a pty, for a desk without boards.",
    )
    p.add_argument("--environment", required=True, type=existing_file, help="the radio: a mock environment (YAML)")
    p.add_argument("--link", type=file_to_write, help="also make this symbolic link to the pty")
    p.add_argument("--baud", type=baud_rate, default=115200, help="UART rate at power-up (default 115200)")
    p.add_argument("--faults", type=existing_file, help="faults of the AT link and the radio (YAML)")
    p.add_argument("--pki", type=existing_folder, help="PKI folder whose cloud key and device the provisioner uses")
    p.add_argument("--dss-host", type=host, help="the DSS host name the networks resolve (replaces internet.dss_host)")
    p.add_argument("--setup-port", type=port, help="the DSS port only the setup network reaches")
    p.add_argument("--chip", default="ESP32", help="the chip: ESP32 (default), ESP32C3, ESP32C6, ESP32C5 (hears 5 GHz)")
    p.add_argument("--mac", help="the station's MAC address, e.g. 24:6f:28:26:1f:cc (default 02:e5:a7:00:00:01)")
    p.add_argument(
        "--phone-port",
        type=port_or_any,
        default=0,
        help="loopback port where a phone reaches the module's TCP server while it runs (default: a free one)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the emulator until interrupted; exit status 0."""
    from ..emulators.esp_at import EspAtEmulator
    from ..errors import ConfigError, UsageError

    key, devices = None, []
    if args.pki is not None:
        key = args.pki / "cloud" / "private_key.pem"
        devices = [args.pki / "device" / "certificate.pem"]
    try:
        emulator = EspAtEmulator(
            args.environment,
            baud=args.baud,
            link=args.link,
            faults=args.faults,
            cloud_private_key=key,
            devices=devices,
            dss_host=args.dss_host,
            dss_setup_port=args.setup_port,
            chip=args.chip,
            mac=args.mac,
            phone_port=args.phone_port,
        )
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    stop = threading.Event()

    def interrupted(*_: Any) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, interrupted)
    try:
        path = emulator.start()
        link = f" (link {args.link})" if args.link else ""
        print(f"ESP-AT emulator on {path}{link}: {args.chip}, {args.baud} baud", flush=True)
        served = None
        try:
            while not stop.wait(0.5):
                served = _announce_server(emulator, served)
        except KeyboardInterrupt:
            pass
    finally:
        emulator.close()
        signal.signal(signal.SIGTERM, previous)
    print("ESP-AT emulator stopped", file=sys.stderr)
    return 0


def _announce_server(emulator: Any, shown: Any) -> Any:
    """Print where phones reach the module's server when it starts (once per server)."""
    try:
        address = emulator.phone_address()
    except RuntimeError:
        return None
    if address != shown:
        print(f"ESP-AT emulator: the module's TCP server takes phones on {address[0]}:{address[1]}", flush=True)
    return address
