"""``wss mfg``: manufacturing tools (DAK and DHA certificates for the factory line).

Sub-commands::

    wss mfg dev-pki --out DIR [--devices N] [--device-type ID] [--force]

Private keys are written with mode 0600 and never printed or logged. Every command
writes its outputs atomically: all of them or none.

Source: guide "Provision AVS devices for FFS"; issue 4.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: "argparse._SubParsersAction") -> None:
    """Add the ``mfg`` parser and its sub-commands."""
    parser = subparsers.add_parser(
        "mfg", help="manufacturing: DAK/DHA keys, CSRs, certificates, control log, dev PKI",
        description="Manufacturing tools: DAK and DHA certificates for the factory line.")
    sub = parser.add_subparsers(dest="mfg_command", metavar="STEP")
    sub.required = True

    p = sub.add_parser("dev-pki", help="create a development PKI for tests and the local DSS")
    p.add_argument("--out", required=True, type=Path, help="folder to create")
    p.add_argument("--devices", type=int, default=0, help="extra devices under devices/NNNN")
    p.add_argument("--device-type", default="A3K2R0ZE9ZRABY", help="device type id")
    p.add_argument("--product-index", help="4-character product index (default: random)")
    p.add_argument("--force", action="store_true", help="replace an existing folder")
    p.set_defaults(func=_run_dev_pki)


def _run_dev_pki(args: argparse.Namespace) -> int:
    from ..mfg.dev_pki import create_dev_pki

    pki = create_dev_pki(args.out, devices=args.devices, device_type=args.device_type,
                         product_index=args.product_index, overwrite=args.force)
    print(f"development PKI in {pki.folder}: device type {pki.device_type}, "
          f"product index {pki.product_index}, {1 + len(pki.devices)} device(s)")
    print(f"  trust anchor for device chains: {pki.dha_root}")
    print(f"  device chain: {pki.device.certificate}")
    print(f"  DSS server certificate: {pki.dss_certificate} (CA {pki.dss_ca})")
    return 0
