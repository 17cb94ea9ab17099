"""SHA-512: the FIPS 180 examples, and agreement with hashlib and pyca/cryptography.

Source: FIPS 180-4 §6.4; the SHA-512 examples of NIST's "Cryptographic Standards and
Guidelines: Examples with Intermediate Values" (FIPS 180-2 Appendix C: "abc" and the
two-block 896-bit message).
"""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from gil_probe import main_ran_during
from hypothesis import given
from hypothesis import strategies as st

from wss import crypto

FIPS_ABC = (
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
)
FIPS_TWO_BLOCK_MESSAGE = (
    b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
)
FIPS_TWO_BLOCK = (
    "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
    "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"
)


def test_fips_180_examples():
    assert crypto.sha512(b"abc").hex() == FIPS_ABC
    assert crypto.sha512(FIPS_TWO_BLOCK_MESSAGE).hex() == FIPS_TWO_BLOCK
    assert len(crypto.sha512(b"")) == crypto.SHA512_SIZE == 64


@given(st.binary(max_size=4096))
def test_sha512_matches_hashlib_and_cryptography(data):
    pyca = hashes.Hash(hashes.SHA512())
    pyca.update(data)
    assert crypto.sha512(data) == hashlib.sha512(data).digest() == pyca.finalize()


def test_bytes_like_inputs_and_type_errors():
    assert crypto.sha512(bytearray(b"abc")) == crypto.sha512(memoryview(b"abc")) == bytes.fromhex(FIPS_ABC)
    with pytest.raises(TypeError, match="data must be bytes"):
        crypto.sha512("abc")


def test_long_hash_releases_the_gil():
    data, result = bytes(48 << 20), {}
    assert main_ran_during(lambda: result.update(digest=crypto.sha512(data))) is True
    assert result["digest"] == hashlib.sha512(data).digest()
