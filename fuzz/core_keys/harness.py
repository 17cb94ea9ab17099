"""The C core's key and signature entry points (wss.crypto over mbedTLS): PEM and DER
private keys, PEM public keys, DER ECDSA signatures. Each either works or raises
InvalidKey (the signature check answers a bool); never a crash of the core.

The first byte picks the entry point."""

from __future__ import annotations

from wss.crypto import PrivateKey, ecdsa_verify, public_key_der_from_pem
from wss.errors import InvalidKey

KEY = PrivateKey.generate()
SPKI = KEY.public_key_der()
MESSAGE = b"fuzz"


def test_one_input(data: bytes) -> None:
    if not data:
        return
    selector, body = data[0] % 5, data[1:]
    try:
        if selector == 0:
            key = PrivateKey.from_pem(body)
            assert len(key.public_key_der()) == 91
        elif selector == 1:
            PrivateKey.from_der(body)
        elif selector == 2:
            assert len(public_key_der_from_pem(body)) == 91
        elif selector == 3:
            assert ecdsa_verify(SPKI, MESSAGE, body) in (True, False)
        else:
            ecdsa_verify(body, MESSAGE, KEY.sign(MESSAGE))
    except InvalidKey:
        pass
