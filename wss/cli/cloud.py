"""``wss cloud``: the local Device Setup Service (DSS) for desks and CI.

Sub-commands::

    wss cloud serve --pki DIR --accounts FILE.yaml [--port 8443] [--setup-port 8888]
                    [--host 127.0.0.1] [--db FILE] [--faults FILE] [--transcript FILE]

``--port 0`` / ``--setup-port 0`` pick free ports; the ports actually bound are printed
on startup as ``listening dss=https://HOST:PORT setup=https://HOST:PORT``. Ctrl-C or
SIGTERM stops the server cleanly (exit status 0).

Source: issue "Local Device Setup Service"; protocol §7.4 (the setup-network port).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from .arguments import existing_file, existing_folder, file_to_write, host, int_range, port_or_any


def _database(text: str) -> str:
    """A ``type=``: ``:memory:`` or an SQLite file in an existing folder."""
    return text if text == ":memory:" else str(file_to_write(text))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``cloud`` parser and its ``serve`` sub-command."""
    parser = subparsers.add_parser(
        "cloud",
        help="local Device Setup Service (HTTPS, mutual TLS)",
        description="The cloud side of Wi-Fi Simple Setup, run locally.",
    )
    sub = parser.add_subparsers(dest="cloud_command", metavar="ACTION")
    sub.required = True
    p = sub.add_parser("serve", help="serve the DSS operations on the DSS and setup-network ports")
    p.add_argument("--pki", required=True, type=existing_folder, help="PKI directory from `wss mfg dev-pki`")
    p.add_argument("--accounts", required=True, type=existing_file, help="accounts YAML (customers, devices, networks)")
    p.add_argument("--host", type=host, default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=port_or_any, default=8443, help="DSS port (default 8443; 0 = any free)")
    p.add_argument(
        "--setup-port",
        type=port_or_any,
        default=8888,
        help="setup-network port of protocol 7.4 (default 8888; 0 = any free)",
    )
    p.add_argument("--db", type=_database, default=":memory:", help="SQLite state file (default: in memory)")
    p.add_argument("--faults", type=existing_file, help="fault-injection YAML/JSON file")
    p.add_argument("--transcript", type=file_to_write, help="append every request/response as JSON lines here")
    p.add_argument(
        "--transcript-secrets",
        action="store_true",
        help="keep Wi-Fi keys and tokens in the transcript (redacted by default)",
    )
    p.add_argument(
        "--credentials-page-size",
        type=int_range(1, 1000, "a number of credentials"),
        default=5,
        help="credentials per getWifiCredentials page (default 5)",
    )
    p.add_argument(
        "--max-state-retries",
        type=int_range(0, 1000, "a number of retries"),
        default=2,
        help="FAILURE reports per state answered by repeating it (default 2)",
    )
    p.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Run the server until SIGINT or SIGTERM; return 0 after a clean stop."""
    from ..cloud import DSSServer
    from ..errors import ConfigError

    server = DSSServer(
        args.pki,
        args.accounts,
        host=args.host,
        port=args.port,
        setup_port=args.setup_port,
        db=args.db,
        faults=args.faults,
        transcript=args.transcript,
        redact_transcript=not args.transcript_secrets,
        credentials_page_size=args.credentials_page_size,
        max_state_retries=args.max_state_retries,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            server.start()
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {args.host} port {args.port}/{args.setup_port}: {exc.strerror or exc}"
            ) from None
        print(
            f"listening dss=https://{args.host}:{server.port} setup=https://{args.host}:{server.setup_port}", flush=True
        )
        while not stop.wait(0.2):
            pass
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    requests = len(server.transcript.records("exchange"))
    print(f"stopped after {requests} requests", file=sys.stderr, flush=True)
    return 0
