"""``wss selfcheck``: is the compiled core working on this machine?

Prints the core and mbedTLS versions and runs known-answer tests: SHA-256 (FIPS 180-2
Appendix B.1), HMAC-SHA256 (RFC 4231 test case 2), the WSS setup-network passphrase chain
of protocol §12.3 (ECDH → SHA-256 → HMAC-SHA256 → base64), ECDSA sign/verify consistency,
and the DRBG (no repeated output). Exit status 0 when every check passes.
"""

from __future__ import annotations

import argparse
import base64
from typing import Callable, List, Tuple

# Protocol §12.3: the spec author's self-contained vector (own keys, safe to embed).
_DEVICE_SEC1 = bytes.fromhex(
    "30310201010420d1ed737832c15457a847c0cd74a77d16e0aa2914e86526c3f014960a33b139f1a00a06082a8648ce3d030107"
)
_CLOUD_SPKI = bytes.fromhex(
    "3059301306072a8648ce3d020106082a8648ce3d030107034200041741d179ae933683d2956d1bff3b37aa"
    "a8bea64e40ff9cbbf46a5649fea68022a3d69b890f4d05c755b4b9a6d4b7cd615e8f7a2fde3196c5378d35"
    "aa70567015"
)
_NONCE = bytes.fromhex("0f1e2d3c4b5a69788796a5b4")
_PASSPHRASE = "+0s4Ym3u04+YZ7+CuAYb2JHQSrzGyD749iRQdZ/n5xo="


def _checks() -> List[Tuple[str, Callable[[], bool]]]:
    from .. import crypto

    def passphrase() -> bool:
        device = crypto.PrivateKey.from_der(_DEVICE_SEC1)
        k = crypto.sha256(device.ecdh(_CLOUD_SPKI))
        return base64.b64encode(crypto.hmac_sha256(k, _NONCE)).decode() == _PASSPHRASE

    def sign_verify() -> bool:
        key = crypto.PrivateKey.generate()
        sig = key.sign(b"wss selfcheck")
        return crypto.ecdsa_verify(key.public_key_der(), b"wss selfcheck", sig) and not crypto.ecdsa_verify(
            key.public_key_der(), b"wss selfcheck!", sig
        )

    return [
        (
            "SHA-256 (FIPS 180-2 B.1)",
            lambda: crypto.sha256(b"abc").hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            "HMAC-SHA256 (RFC 4231 #2)",
            lambda: (
                crypto.hmac_sha256(b"Jefe", b"what do ya want for nothing?").hex()
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            ),
        ),
        ("setup passphrase (protocol 12.3)", passphrase),
        ("ECDSA P-256 sign/verify", sign_verify),
        ("CTR-DRBG distinct outputs", lambda: len({crypto.random_bytes(16) for _ in range(64)}) == 64),
    ]


def run(args: argparse.Namespace) -> int:
    from .. import _binding

    print(
        f"wss core {_binding.CORE_VERSION}, mbedTLS {_binding.MBEDTLS_VERSION} "
        f"(threading={'yes' if _binding.HAS_THREADING else 'no'}, "
        f"TLS 1.3={'yes' if _binding.HAS_TLS13 else 'no'})"
    )
    failed = 0
    for name, check in _checks():
        ok = bool(check())
        failed += not ok
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    print("selfcheck passed" if not failed else f"selfcheck FAILED: {failed} check(s)")
    return 1 if failed else 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "selfcheck", help="check the compiled crypto core (known-answer tests)", description=__doc__.splitlines()[0]
    )
    parser.set_defaults(func=run)
