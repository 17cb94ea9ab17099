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
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``setup-network`` parser."""
    p = subparsers.add_parser(
        "setup-network",
        help="print a device's encoded setup SSID and passphrase",
        description="Compute the Amazon custom encoded setup network (§7.1).",
    )
    p.add_argument("--device-key", required=True, type=Path, help="the device's private key (PEM)")
    p.add_argument("--cloud-public-key", required=True, type=Path, help="the device type's cloud public key (PEM)")
    p.add_argument("--product-index", required=True, help="the 4-character product index")
    p.add_argument("--nonce", help="12 bytes in hex (default: 12 fresh random bytes)")
    p.set_defaults(func=run)


def _read(path: Path, what: str) -> bytes:
    from ..errors import ConfigError

    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None


def run(args: argparse.Namespace) -> int:
    """Print the JSON object; exit status 0."""
    from ..crypto import PrivateKey, public_key_der_from_pem
    from ..errors import ConfigError
    from ..provisioning import compute_encoded_network
    from ..setup_network import NONCE_LENGTH

    nonce = None
    if args.nonce is not None:
        try:
            nonce = bytes.fromhex(args.nonce)
        except ValueError:
            raise ConfigError("--nonce must be hexadecimal") from None
        if len(nonce) != NONCE_LENGTH:
            raise ConfigError(f"--nonce must be {NONCE_LENGTH} bytes ({2 * NONCE_LENGTH} hex digits)")
    key = PrivateKey.from_pem(_read(args.device_key, "device key"))
    cloud = public_key_der_from_pem(_read(args.cloud_public_key, "cloud public key"))
    network = compute_encoded_network(key, cloud, args.product_index, nonce)
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
