"""X25519 keys: RFC 7748's vectors, pyca/cryptography as the peer, and secrecy of the key.

Source: RFC 7748 §5 (encodings, clamping), §5.2 and §6.1 (test vectors).
"""

from __future__ import annotations

import copy
import pickle

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey as PycaKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey as PycaPublic
from gil_probe import main_ran_during, run_in_threads
from hypothesis import given, settings
from hypothesis import strategies as st

from wss import crypto
from wss.errors import InvalidKey

RAW = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)
P25519 = (1 << 255) - 19
# RFC 7748 §6.1
ALICE_PRIVATE = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
ALICE_PUBLIC = bytes.fromhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
BOB_PRIVATE = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
BOB_PUBLIC = bytes.fromhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
SHARED = bytes.fromhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
# RFC 7748 §5.2, first X25519 vector (the u-coordinate has its top bit set: it must be masked)
SCALAR_52 = bytes.fromhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")
U_52 = bytes.fromhex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")
OUT_52 = bytes.fromhex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")


def test_rfc7748_section_6_1_diffie_hellman():
    alice = crypto.X25519PrivateKey.from_private_bytes(ALICE_PRIVATE)
    bob = crypto.X25519PrivateKey.from_private_bytes(BOB_PRIVATE)
    assert (alice.public_key_bytes(), bob.public_key_bytes()) == (ALICE_PUBLIC, BOB_PUBLIC)
    assert alice.ecdh(BOB_PUBLIC) == bob.ecdh(ALICE_PUBLIC) == SHARED


def test_rfc7748_section_5_2_vector_masks_the_top_bit():
    key = crypto.X25519PrivateKey.from_private_bytes(SCALAR_52)
    assert key.ecdh(U_52) == OUT_52
    assert key.ecdh(U_52[:31] + bytes([U_52[31] & 0x7F])) == OUT_52


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_x25519_matches_cryptography(ours_raw, peer_raw):
    ours, peer = crypto.X25519PrivateKey.from_private_bytes(ours_raw), PycaKey.from_private_bytes(peer_raw)
    pyca_ours = PycaKey.from_private_bytes(ours_raw)
    assert ours.public_key_bytes() == pyca_ours.public_key().public_bytes(*RAW)
    expected = peer.exchange(PycaPublic.from_public_bytes(ours.public_key_bytes()))
    assert ours.ecdh(peer.public_key().public_bytes(*RAW)) == expected


def test_generated_keys_agree_with_cryptography():
    for _ in range(10):
        ours, peer = crypto.X25519PrivateKey.generate(), PycaKey.generate()
        expected = peer.exchange(PycaPublic.from_public_bytes(ours.public_key_bytes()))
        assert ours.ecdh(peer.public_key().public_bytes(*RAW)) == expected
    first, second = crypto.X25519PrivateKey.generate(), crypto.X25519PrivateKey.generate()
    assert first.public_key_bytes() != second.public_key_bytes()


@pytest.mark.parametrize(
    "peer",
    [u.to_bytes(32, "little") for u in (0, 1, P25519 - 1, P25519)],
    ids=["u=0", "u=1", "u=p-1", "u=p"],
)
def test_small_order_peer_keys_are_refused(peer):
    with pytest.raises(InvalidKey, match="X25519 with peer public key"):
        crypto.X25519PrivateKey.generate().ecdh(peer)


def test_argument_checks():
    key = crypto.X25519PrivateKey.generate()
    with pytest.raises(InvalidKey, match="32-byte X25519 public key"):
        key.ecdh(bytes(31))
    with pytest.raises(InvalidKey, match="32 bytes, not 33"):
        crypto.X25519PrivateKey.from_private_bytes(bytes(33))
    with pytest.raises(TypeError, match="peer_public_key must be bytes"):
        key.ecdh("x" * 32)


def test_private_key_is_never_exposed():
    key = crypto.X25519PrivateKey.from_private_bytes(ALICE_PRIVATE)
    text = repr(key) + str(key)
    assert ALICE_PRIVATE.hex() not in text and ALICE_PUBLIC.hex() not in text
    for name in dir(key):
        value = getattr(key, name, None)
        if isinstance(value, bytes):
            assert ALICE_PRIVATE not in value, name
    with pytest.raises(TypeError, match="cannot be pickled: the private scalar stays in the core"):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        copy.deepcopy(key)


def test_threads_share_a_key():
    key, peer = crypto.X25519PrivateKey.generate(), crypto.X25519PrivateKey.generate()
    expected, errors = key.ecdh(peer.public_key_bytes()), []

    def work():
        for _ in range(50):
            if key.ecdh(peer.public_key_bytes()) != expected:
                errors.append("mismatch")

    run_in_threads(work)
    assert errors == []


def test_ecdh_releases_the_gil():
    key, peer = crypto.X25519PrivateKey.generate(), crypto.X25519PrivateKey.generate().public_key_bytes()
    # ~200 calls (~0.1 s): a window wide enough for the main thread on a loaded machine
    assert main_ran_during(lambda: [key.ecdh(peer) for _ in range(200)]) is True
