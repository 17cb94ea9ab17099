"""Behaviour of the wss.crypto API beyond the vectors: errors, secrecy, GIL, fork."""

from __future__ import annotations

import copy
import os
import pickle
import threading

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from gil_probe import main_ran_during

from wss import _binding, crypto
from wss.errors import InvalidKey, InvalidSignature, WssError


def test_core_is_compiled_and_versioned():
    import wss

    assert _binding.CORE_VERSION == wss.__version__
    assert _binding.MBEDTLS_VERSION.split(".")[0] in {"2", "3"}
    assert _binding.lib.wss_sha256  # a real compiled symbol, no Python fallback


def test_random_bytes_lengths_and_uniqueness():
    assert crypto.random_bytes(0) == b""
    assert len(crypto.random_bytes(1)) == 1
    assert len(crypto.random_bytes(5000)) == 5000  # several DRBG requests
    draws = {crypto.random_bytes(16) for _ in range(200)}
    assert len(draws) == 200
    with pytest.raises(ValueError, match="n must be >= 0"):
        crypto.random_bytes(-1)


def test_random_bytes_reseeded_after_fork():
    crypto.random_bytes(16)  # make sure the parent's DRBG is seeded before forking
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.write(write_fd, crypto.random_bytes(32))
        os._exit(0)
    os.close(write_fd)
    child = os.read(read_fd, 32)
    os.waitpid(pid, 0)
    parent = crypto.random_bytes(32)
    assert len(child) == 32 and child != parent


def test_bytes_like_inputs_and_type_errors():
    assert crypto.sha256(bytearray(b"abc")) == crypto.sha256(memoryview(b"abc")) == crypto.sha256(b"abc")
    with pytest.raises(TypeError, match="data must be bytes"):
        crypto.sha256("abc")
    with pytest.raises(TypeError, match="key must be bytes"):
        crypto.hmac_sha256(123, b"x")


def test_private_key_pem_der_generate_roundtrip():
    pyca = ec.generate_private_key(ec.SECP256R1())
    for fmt in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL):
        pem = pyca.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
        der = pyca.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption())
        expected = pyca.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        assert crypto.PrivateKey.from_pem(pem).public_key_der() == expected
        assert crypto.PrivateKey.from_pem(pem.decode()).public_key_der() == expected
        assert crypto.PrivateKey.from_der(der).public_key_der() == expected
    a, b = crypto.PrivateKey.generate(), crypto.PrivateKey.generate()
    assert len(a.public_key_der()) == 91 and a.public_key_der() != b.public_key_der()
    assert a.ecdh(b.public_key_der()) == b.ecdh(a.public_key_der())


def test_private_key_is_never_exposed():
    pyca = ec.generate_private_key(ec.SECP256R1())
    scalar = pyca.private_numbers().private_value.to_bytes(32, "big")
    pem = pyca.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = crypto.PrivateKey.from_pem(pem)
    text = repr(key) + str(key)
    assert scalar.hex() not in text and "PRIVATE" not in text
    for name in dir(key):
        value = getattr(key, name, None)
        if isinstance(value, bytes):
            assert scalar not in value, name
        assert value != int.from_bytes(scalar, "big"), name
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        copy.deepcopy(key)


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"\x30\x03\x02\x01\x01",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ],
)
def test_malformed_private_keys_raise_invalid_key(bad):
    with pytest.raises(InvalidKey):
        if bad.startswith(b"-----"):
            crypto.PrivateKey.from_pem(bad)
        else:
            crypto.PrivateKey.from_der(bad)


def test_non_p256_keys_are_refused_with_a_clear_error():
    p384 = ec.generate_private_key(ec.SECP384R1())
    pem = p384.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(InvalidKey, match="P-256"):
        crypto.PrivateKey.from_pem(pem)
    spki = p384.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(InvalidKey, match="P-256"):
        crypto.ecdsa_verify(spki, b"m", b"\x30\x06\x02\x01\x01\x02\x01\x01")
    ed = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(InvalidKey):
        crypto.public_key_der_from_pem(ed)
    with pytest.raises(InvalidKey, match="not PEM"):
        crypto.public_key_der_from_pem(b"\x30\x59")


def test_verify_returns_false_for_wrong_or_malformed_signatures_and_helper_raises():
    key = crypto.PrivateKey.generate()
    spki = key.public_key_der()
    sig = key.sign(b"message")
    assert crypto.ecdsa_verify(spki, b"message", sig) is True
    assert crypto.ecdsa_verify(spki, b"messagf", sig) is False
    assert crypto.ecdsa_verify(spki, b"message", b"") is False
    assert crypto.ecdsa_verify(spki, b"message", sig + b"\x00") is False
    assert crypto.ecdsa_verify(spki, b"message", b"\x30" * 72) is False
    crypto.verify_signature(spki, b"message", sig)
    with pytest.raises(InvalidSignature):
        crypto.verify_signature(spki, b"messagf", sig)
    with pytest.raises(InvalidKey):
        crypto.ecdsa_verify(spki[:-1], b"message", sig)
    assert issubclass(InvalidKey, WssError) and issubclass(InvalidKey, ValueError)


def test_errors_carry_mbedtls_code_and_text():
    with pytest.raises(InvalidKey) as info:
        crypto.PrivateKey.from_der(b"\x30\x03\x02\x01\x01")
    assert info.value.code < 0 and info.value.reason
    assert f"-0x{-info.value.code:04X}" in str(info.value)


def test_long_calls_release_the_gil():
    """The main thread runs while a worker hashes 48 MiB: the core call released the GIL."""
    data, result = bytes(48 << 20), {}
    assert main_ran_during(lambda: result.update(digest=crypto.sha256(data))) is True
    assert len(result["digest"]) == 32


def test_concurrent_use_of_one_key_from_threads():
    key = crypto.PrivateKey.generate()
    peer = crypto.PrivateKey.generate()
    expected = key.ecdh(peer.public_key_der())
    errors = []

    def work():
        for _ in range(20):
            if key.ecdh(peer.public_key_der()) != expected:
                errors.append("ecdh mismatch")
            sig = key.sign(b"m")
            if not crypto.ecdsa_verify(key.public_key_der(), b"m", sig):
                errors.append("signature")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
