"""Property tests: every primitive agrees with pyca/cryptography on random inputs."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature as PycaInvalidSignature
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from wss import crypto

P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
scalars = st.integers(min_value=1, max_value=P256_N - 1)
SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _pair(scalar: int):
    pyca = ec.derive_private_key(scalar, ec.SECP256R1())
    der = pyca.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pyca, crypto.PrivateKey.from_der(der)


@given(st.binary(max_size=4096))
def test_sha256_matches_cryptography(data):
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    assert crypto.sha256(data) == digest.finalize()


@given(st.binary(max_size=200), st.binary(max_size=4096))
def test_hmac_sha256_matches_cryptography(key, data):
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(data)
    assert crypto.hmac_sha256(key, data) == mac.finalize()


@settings(max_examples=40, deadline=None)
@given(scalars, scalars)
def test_ecdh_matches_cryptography(a, b):
    pyca_a, ours_a = _pair(a)
    pyca_b, _ = _pair(b)
    expected = pyca_a.exchange(ec.ECDH(), pyca_b.public_key())
    assert ours_a.ecdh(pyca_b.public_key().public_bytes(*SPKI)) == expected


@settings(max_examples=40, deadline=None)
@given(scalars)
def test_public_key_der_matches_cryptography(a):
    pyca, ours = _pair(a)
    assert ours.public_key_der() == pyca.public_key().public_bytes(*SPKI)


@settings(max_examples=40, deadline=None)
@given(scalars, st.binary(max_size=512))
def test_our_signature_verifies_in_cryptography(a, message):
    pyca, ours = _pair(a)
    signature = ours.sign(message)
    pyca.public_key().verify(signature, message, ec.ECDSA(hashes.SHA256()))


@settings(max_examples=40, deadline=None)
@given(scalars, st.binary(max_size=512), st.binary(min_size=1, max_size=16))
def test_verify_agrees_with_cryptography(a, message, tamper):
    pyca, _ = _pair(a)
    spki = pyca.public_key().public_bytes(*SPKI)
    signature = pyca.sign(message, ec.ECDSA(hashes.SHA256()))
    assert crypto.ecdsa_verify(spki, message, signature) is True
    other = message + tamper
    try:
        pyca.public_key().verify(signature, other, ec.ECDSA(hashes.SHA256()))
        pyca_verdict = True
    except PycaInvalidSignature:
        pyca_verdict = False
    assert crypto.ecdsa_verify(spki, other, signature) is pyca_verdict


@settings(max_examples=40, deadline=None)
@given(scalars)
def test_public_key_pem_to_der_matches_cryptography(a):
    pyca, _ = _pair(a)
    pem = pyca.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert crypto.public_key_der_from_pem(pem) == pyca.public_key().public_bytes(*SPKI)
