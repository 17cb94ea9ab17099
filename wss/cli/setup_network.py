"""``wss setup-network``: print a device's encoded setup network (SSID and passphrase).

    wss setup-network --device-key PEM --cloud-public-key PEM --product-index XXXX [--nonce HEX]

Prints one JSON object ``{"ssid": …, "passphrase": …, "nonce": …}`` (nonce in hex). A
device maker uses it to configure a test access point by hand as the provisioner would.
Without ``--nonce`` a fresh 12-byte nonce is drawn, as a device does at every boot.

Source: protocol §7.1; issue 6 (CLI).
"""

from __future__ import annotations

import argparse
import json

from .arguments import existing_file, hex_bytes, product_index


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``setup-network`` parser."""
    p = subparsers.add_parser(
        "setup-network",
        help="print a device's encoded setup SSID and passphrase",
        description="Compute the Amazon custom encoded setup network (§7.1).",
    )
    p.add_argument("--device-key", required=True, type=existing_file, help="the device's private key (PEM)")
    p.add_argument(
        "--cloud-public-key", required=True, type=existing_file, help="the device type's cloud public key (PEM)"
    )
    p.add_argument("--product-index", required=True, type=product_index, help="the 4-character product index")
    p.add_argument("--nonce", type=hex_bytes(12), help="12 bytes in hex (default: 12 fresh random bytes)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the JSON object; exit status 0."""
    from ..platform.device_files import load_private_key, load_public_key_der
    from ..provisioning import compute_encoded_network

    key = load_private_key(args.device_key, "device private key")
    cloud = load_public_key_der(args.cloud_public_key, "cloud public key")
    network = compute_encoded_network(key, cloud, args.product_index, args.nonce)
    print(
        json.dumps(
            {
                "ssid": network.ssid.decode("ascii"),
                "passphrase": network.passphrase.decode("ascii"),
                "nonce": network.nonce.hex(),
            }
        )
    )
    return 0
