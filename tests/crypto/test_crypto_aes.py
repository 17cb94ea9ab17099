"""AES-CTR and AES-GCM: NIST vectors, pyca/cryptography as the peer, and the API's rules.

Source: NIST SP 800-38A Appendix F.5.5/F.5.6 (CTR-AES256), NIST SP 800-38D; ESP-IDF
protocomm security 1 (one CTR stream per session) and 2 (AES-256-GCM, 16-byte tag).
"""

from __future__ import annotations

import copy
import os
import pickle

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM as PycaAESGCM
from gil_probe import main_ran_during, run_in_threads
from hypothesis import given, settings
from hypothesis import strategies as st

from wss import crypto
from wss.errors import AuthenticationFailed, CryptoError, InvalidKey

# NIST SP 800-38A Appendix F.5.5 CTR-AES256.Encrypt (F.5.6 Decrypt swaps the two columns).
F55_KEY = bytes.fromhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
F55_COUNTER = bytes.fromhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
F55_PLAINTEXT = bytes.fromhex(
    "6bc1bee22e409f96e93d7e117393172a"
    "ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef"
    "f69f2445df4f9b17ad2b417be66c3710"
)
F55_CIPHERTEXT = bytes.fromhex(
    "601ec313775789a5b7a7f504bbf3d228"
    "f443e3ca4d62b59aca84e990cacaf5c5"
    "2b0930daa23de94ce87017ba2d84988d"
    "dfc9c58db67aada613c2dd08457941a6"
)

keys = st.sampled_from([16, 24, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n))
blocks = st.binary(min_size=16, max_size=16)


def _pyca_ctr(key: bytes, counter: bytes, data: bytes) -> bytes:
    return Cipher(algorithms.AES(key), modes.CTR(counter)).encryptor().update(data)


def test_ctr_nist_sp800_38a_f55_encrypt_and_f56_decrypt():
    assert crypto.AESCTR(F55_KEY, F55_COUNTER).update(F55_PLAINTEXT) == F55_CIPHERTEXT
    assert crypto.AESCTR(F55_KEY, F55_COUNTER).update(F55_CIPHERTEXT) == F55_PLAINTEXT


def test_ctr_nist_vector_block_by_block_and_byte_by_byte():
    by_block = crypto.AESCTR(F55_KEY, F55_COUNTER)
    assert b"".join(by_block.update(F55_PLAINTEXT[i : i + 16]) for i in range(0, 64, 16)) == F55_CIPHERTEXT
    by_byte = crypto.AESCTR(F55_KEY, F55_COUNTER)
    assert b"".join(by_byte.update(F55_PLAINTEXT[i : i + 1]) for i in range(64)) == F55_CIPHERTEXT


@settings(max_examples=200, deadline=None)
@given(keys, blocks, st.binary(max_size=600), st.lists(st.integers(min_value=0, max_value=600), max_size=8))
def test_ctr_stream_split_anywhere_matches_cryptography(key, counter, data, cuts):
    """One keystream across calls: any split of the data gives pyca's one-shot result."""
    ours = crypto.AESCTR(key, counter)
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    pieces = [ours.update(data[a:b]) for a, b in zip(points, points[1:])]
    assert b"".join(pieces) == _pyca_ctr(key, counter, data)


@settings(max_examples=50, deadline=None)
@given(keys, st.integers(min_value=1, max_value=40), st.binary(min_size=1, max_size=100))
def test_ctr_counter_wraps_as_one_128_bit_number(key, back, data):
    """Counter blocks near 2^128 - 1 wrap to zero like pyca's (SP 800-38A B.1, m = 128)."""
    counter = ((1 << 128) - back).to_bytes(16, "big")
    assert crypto.AESCTR(key, counter).update(data) == _pyca_ctr(key, counter, data)


def test_ctr_protocomm_session_uses_one_stream_for_both_directions():
    """Request, response, request: consecutive parts of one keystream (protocomm sec1)."""
    key, counter = os.urandom(32), os.urandom(16)
    device = crypto.AESCTR(key, counter)
    client = Cipher(algorithms.AES(key), modes.CTR(counter)).encryptor()
    for message in (b"client verify".ljust(32, b"."), b"device verify".ljust(32, b"."), b"req", b"response!"):
        assert device.update(message) == client.update(message)
    assert device.update(b"") == b""


def test_ctr_arguments_are_checked():
    with pytest.raises(InvalidKey, match="16, 24 or 32 bytes, not 31"):
        crypto.AESCTR(bytes(31), bytes(16))
    with pytest.raises(ValueError, match="counter_block must be 16 bytes, not 12"):
        crypto.AESCTR(bytes(32), bytes(12))
    with pytest.raises(TypeError, match="data must be bytes"):
        crypto.AESCTR(bytes(32), bytes(16)).update("text")
    stream = crypto.AESCTR(bytearray(32), memoryview(bytes(16)))
    assert stream.update(bytearray(b"abc")) == _pyca_ctr(bytes(32), bytes(16), b"abc")


def test_ctr_stream_shared_by_threads_hands_out_each_block_once():
    """Concurrent updates run one at a time: every 16-byte call gets its own keystream block."""
    key, counter, threads, calls = os.urandom(32), os.urandom(16), 4, 500
    stream = crypto.AESCTR(key, counter)
    got: list = []

    def work():
        for _ in range(calls):
            got.append(stream.update(bytes(16)))

    run_in_threads(work, threads)
    keystream = _pyca_ctr(key, counter, bytes(16 * threads * calls))
    assert sorted(got) == sorted(keystream[i : i + 16] for i in range(0, len(keystream), 16))


@settings(max_examples=150, deadline=None)
@given(keys, st.binary(min_size=1, max_size=64), st.binary(max_size=600), st.binary(max_size=64))
def test_gcm_matches_cryptography_both_ways(key, nonce, data, aad):
    peer = PycaAESGCM(key)
    ours = crypto.AESGCM(key)
    if len(nonce) >= 8:  # pyca accepts nonces of 8 to 128 bytes; mbedTLS any length >= 1
        assert ours.encrypt(nonce, data, aad) == peer.encrypt(nonce, data, aad)
        assert ours.decrypt(nonce, peer.encrypt(nonce, data, aad), aad) == data
    assert ours.decrypt(nonce, ours.encrypt(nonce, data, aad), aad) == data


def test_gcm_refuses_any_change_with_authentication_failed():
    key, nonce = os.urandom(32), os.urandom(12)
    gcm = crypto.AESGCM(key)
    sealed = gcm.encrypt(nonce, b"wifi config", b"ad")
    assert len(sealed) == len(b"wifi config") + crypto.GCM_TAG_SIZE
    flipped = [bytes([sealed[0] ^ 1]) + sealed[1:], sealed[:-1] + bytes([sealed[-1] ^ 0x80])]
    for bad_data, bad_nonce, bad_aad in [
        (flipped[0], nonce, b"ad"),
        (flipped[1], nonce, b"ad"),
        (sealed, nonce[:-1] + bytes([nonce[-1] ^ 1]), b"ad"),
        (sealed, nonce, b"ae"),
        (sealed, nonce, None),
    ]:
        with pytest.raises(AuthenticationFailed, match="tag mismatch"):
            gcm.decrypt(bad_nonce, bad_data, bad_aad)
    with pytest.raises(AuthenticationFailed):
        crypto.AESGCM(os.urandom(32)).decrypt(nonce, sealed, b"ad")
    assert issubclass(AuthenticationFailed, CryptoError)


def test_gcm_short_input_empty_nonce_and_bad_key():
    gcm = crypto.AESGCM(bytes(32))
    with pytest.raises(AuthenticationFailed, match="15 bytes is shorter than the 16-byte tag"):
        gcm.decrypt(bytes(12), bytes(15))
    assert gcm.decrypt(bytes(12), gcm.encrypt(bytes(12), b"")) == b""
    with pytest.raises(ValueError, match="nonce must be at least 1 byte"):
        gcm.encrypt(b"", b"x")
    with pytest.raises(ValueError, match="nonce must be at least 1 byte"):
        gcm.decrypt(b"", bytes(16))
    with pytest.raises(InvalidKey, match="16, 24 or 32 bytes, not 0"):
        crypto.AESGCM(b"")
    with pytest.raises(TypeError, match="key must be bytes"):
        crypto.AESGCM("k" * 32)


def test_gcm_protocomm_patch1_nonce_sequence_with_cryptography():
    """protocomm sec2 patch 1: 8 session bytes + a 4-byte big-endian counter, +1 per op."""
    key, session = os.urandom(32), os.urandom(8)
    device, client = crypto.AESGCM(key), PycaAESGCM(key)
    for counter in range(1, 7, 2):
        request_nonce, response_nonce = session + counter.to_bytes(4, "big"), session + (counter + 1).to_bytes(4, "big")
        assert device.decrypt(request_nonce, client.encrypt(request_nonce, b"request", None)) == b"request"
        assert client.decrypt(response_nonce, device.encrypt(response_nonce, b"response"), None) == b"response"


@pytest.mark.parametrize("make", [lambda: crypto.AESGCM(bytes(32)), lambda: crypto.AESCTR(bytes(32), bytes(16))])
def test_cipher_objects_keep_their_key_in_the_core(make):
    key_object = make()
    assert "00" * 16 not in repr(key_object)
    for name in dir(key_object):
        assert not isinstance(getattr(key_object, name, None), bytes), name
    with pytest.raises(TypeError, match="cannot be pickled: the AES key stays in the core"):
        pickle.dumps(key_object)
    with pytest.raises(TypeError, match="cannot be copied"):
        copy.copy(key_object)
    with pytest.raises(TypeError, match="cannot be copied"):
        copy.deepcopy(key_object)


def test_large_gcm_and_ctr_calls_release_the_gil():
    data = bytes(32 << 20)
    gcm, ctr = crypto.AESGCM(bytes(32)), crypto.AESCTR(bytes(32), bytes(16))
    assert main_ran_during(lambda: gcm.encrypt(bytes(12), data)) is True
    assert main_ran_during(lambda: ctr.update(data)) is True
