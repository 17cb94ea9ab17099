"""Every case of the Wycheproof X25519 and AES-GCM files (the ciphers of protocomm 1 and 2).

X25519 (518 cases, one group): every ``valid`` case must give the vector's shared secret.
The file has no ``invalid`` case. Policy for its 254 ``acceptable`` cases, which is what
mbedTLS does (checked case by case below):

* public keys of small order (flag ``LowOrderPublic``; their shared secret is all zeros,
  ``ZeroSharedSecret``) are refused with ``InvalidKey``: mbedTLS's public-key check
  rejects them, and RFC 7748 §6.1 allows refusing an all-zero result;
* every other acceptable case (points on the twist, ``Twist``; non-canonical
  u-coordinates >= p, ``NonCanonicalPublic``) is accepted with the vector's result.

AES-GCM (316 cases): all groups are run — 128-, 192- and 256-bit keys (protocomm uses
256), IVs of 0 to 2056 bits (protocomm uses 96 and 128), all with 128-bit tags (the only
tag size in the file, and the one our API has). ``valid``: encryption gives ct || tag and
decryption gives the message back. ``invalid``: decryption refuses (a modified tag raises
``AuthenticationFailed``; a zero-length IV raises ``ValueError`` before anything runs).
"""

from __future__ import annotations

import pytest
import wycheproof_loader

from wss import crypto
from wss.errors import AuthenticationFailed, InvalidKey

X25519 = wycheproof_loader.load("x25519_test.json")
AES_GCM = wycheproof_loader.load("aes_gcm_test.json")


def test_vector_counts():
    assert (len(X25519), len(AES_GCM)) == (518, 316)
    assert {tc.result for tc in X25519} == {"valid", "acceptable"}
    assert {tc.group["tagSize"] for tc in AES_GCM} == {128}
    assert {tc.group["keySize"] for tc in AES_GCM} == {128, 192, 256}


@pytest.mark.parametrize("tc", X25519, ids=lambda tc: tc.id)
def test_x25519(tc):
    key = crypto.X25519PrivateKey.from_private_bytes(tc.hex("private"))
    small_order = tc.has_flag("LowOrderPublic") or tc.has_flag("ZeroSharedSecret")
    if small_order:
        assert tc.acceptable, "mbedTLS policy assumed for acceptable cases only"
        with pytest.raises(InvalidKey):
            key.ecdh(tc.hex("public"))
        return
    assert key.ecdh(tc.hex("public")) == tc.hex("shared"), tc.case["comment"]


@pytest.mark.parametrize("tc", AES_GCM, ids=lambda tc: f"{tc.group['keySize']}-{tc.group['ivSize']}-{tc.id}")
def test_aes_gcm(tc):
    gcm = crypto.AESGCM(tc.hex("key"))
    iv, aad, sealed = tc.hex("iv"), tc.hex("aad"), tc.hex("ct") + tc.hex("tag")
    if tc.valid:
        assert gcm.encrypt(iv, tc.hex("msg"), aad) == sealed
        assert gcm.decrypt(iv, sealed, aad) == tc.hex("msg")
        return
    expected = ValueError if tc.has_flag("ZeroLengthIv") else AuthenticationFailed
    with pytest.raises(expected):
        gcm.decrypt(iv, sealed, aad)
