"""Loading the wrong kind of key names the real cause (wss.crypto over mbedTLS).

Before: an Ed25519 key got mbedTLS's "only RSA and EC are supported", though RSA is
refused too; a certificate or a public key where a private key belongs got "invalid key
tag". Keys here are made with pyca/cryptography (an independent implementation).
"""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from wss.crypto import PrivateKey, public_key_der_from_pem
from wss.errors import InvalidKey

P256 = ec.generate_private_key(ec.SECP256R1())


def _private(key, password: bytes = b"") -> bytes:
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _public(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _certificate() -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(P256.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(P256, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize(
    "pem, words",
    [
        (_private(ed25519.Ed25519PrivateKey.generate()), "only P-256 EC keys are supported"),
        (_private(rsa.generate_private_key(65537, 1024)), "not an EC key on P-256"),
        (_private(ec.generate_private_key(ec.SECP384R1())), "not an EC key on P-256"),
        (_private(P256, b"pw"), "encrypted"),
        (_certificate(), "holds a CERTIFICATE, not a PRIVATE KEY"),
        (_public(P256), "holds a PUBLIC KEY, not a PRIVATE KEY"),
    ],
)
def test_a_private_key_of_the_wrong_kind_names_the_cause(pem, words):
    with pytest.raises(InvalidKey) as caught:
        PrivateKey.from_pem(pem)
    assert words in str(caught.value) and "RSA and EC" not in str(caught.value)


@pytest.mark.parametrize(
    "pem, words",
    [
        (_public(ed25519.Ed25519PrivateKey.generate()), "only P-256 EC keys are supported"),
        (_private(P256), "holds a private key, not a PUBLIC KEY"),
        (_certificate(), "holds a CERTIFICATE, not a PUBLIC KEY"),
    ],
)
def test_a_public_key_of_the_wrong_kind_names_the_cause(pem, words):
    with pytest.raises(InvalidKey) as caught:
        public_key_der_from_pem(pem)
    assert words in str(caught.value) and "RSA and EC" not in str(caught.value)


def test_the_right_keys_still_load():
    assert PrivateKey.from_pem(_private(P256)).public_key_der() == public_key_der_from_pem(_public(P256))
    sec1 = P256.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    assert PrivateKey.from_pem(sec1).public_key_der() == public_key_der_from_pem(_public(P256))
