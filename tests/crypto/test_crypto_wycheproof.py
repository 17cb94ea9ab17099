"""Every case of the Wycheproof ECDH P-256, ECDSA P-256/SHA-256 (DER) and HMAC-SHA256 files.

Policy for ``acceptable`` cases (only the ECDH file has them: BER-encoded or unusual
SubjectPublicKeyInfo, compressed points, explicit curve parameters): wss follows mbedTLS —
it may refuse the key with ``InvalidKey``; if it accepts it, the shared secret must equal
the vector's. ``valid`` must be accepted with the right result; ``invalid`` must be refused.
"""

from __future__ import annotations

import pytest
import wycheproof_loader
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from wss import crypto
from wss.errors import InvalidKey

ECDH = wycheproof_loader.load("ecdh_secp256r1_test.json")
ECDSA = wycheproof_loader.load("ecdsa_secp256r1_sha256_test.json")
HMAC = wycheproof_loader.load("hmac_sha256_test.json")


def _private_key(scalar_hex: str) -> crypto.PrivateKey:
    key = ec.derive_private_key(int(scalar_hex, 16), ec.SECP256R1())
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return crypto.PrivateKey.from_der(der)


def test_vector_counts():
    assert (len(ECDH), len(ECDSA), len(HMAC)) == (612, 484, 174)


@pytest.mark.parametrize("tc", ECDH, ids=lambda tc: tc.id)
def test_ecdh_p256(tc):
    key = _private_key(tc.case["private"])
    try:
        shared = key.ecdh(tc.hex("public"))
    except InvalidKey:
        assert not tc.valid, f"valid case refused: {tc.case['comment']}"
        return
    assert not tc.invalid, f"invalid case accepted: {tc.case['comment']}"
    assert shared == tc.hex("shared")


@pytest.mark.parametrize("tc", ECDSA, ids=lambda tc: tc.id)
def test_ecdsa_p256_sha256_der(tc):
    verdict = crypto.ecdsa_verify(bytes.fromhex(tc.group["publicKeyDer"]), tc.hex("msg"), tc.hex("sig"))
    assert verdict is tc.valid


@pytest.mark.parametrize("tc", HMAC, ids=lambda tc: tc.id)
def test_hmac_sha256(tc):
    tag = crypto.hmac_sha256(tc.hex("key"), tc.hex("msg"))[: tc.group["tagSize"] // 8]
    assert (tag == tc.hex("tag")) is tc.valid
