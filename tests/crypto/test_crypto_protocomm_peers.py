"""The session crypto of protocomm security 1 and 2 against esp_prov's own session code.

esp_prov's ``Security1`` and ``Security2`` (the client state machines, bundled in
esp-rainmaker-cli) drive the handshake; the device side is played here with
``wss.crypto`` alone, its messages built with esp_prov's generated protobuf classes.
These tests check the crypto only (key derivation, proofs, cipher streams and nonces);
the protocomm server itself is tested where it lives.

Source: ESP-IDF protocomm security 1 and 2 (notes: the "Security schemes" section of
the protocomm reference).
"""

from __future__ import annotations

import os

import esp_prov_peer
import pytest

from wss import crypto
from wss.errors import AuthenticationFailed


def _wire(message) -> str:
    """esp_prov's session code takes device messages as latin-1 text (its HTTP layer's form)."""
    return message.SerializeToString().decode("latin-1")


def _parse(peer, text: str):
    message = peer.proto.session_pb2.SessionData()
    message.ParseFromString(text.encode("latin-1"))
    return message


def _sec1_device_hello(peer, client_text: str, pop, device: crypto.X25519PrivateKey):
    """Device side of Cmd0 -> Resp0: the session stream and esp_prov's next request."""
    cmd0 = _parse(peer, client_text)
    client_public = cmd0.sec1.sc0.client_pubkey
    device_random = os.urandom(16)
    stream = device.protocomm_sec1_cipher(client_public, pop, device_random)
    resp0 = peer.proto.session_pb2.SessionData()
    resp0.sec_ver = peer.proto.session_pb2.SecScheme1
    resp0.sec1.msg = peer.proto.sec1_pb2.Session_Response0
    resp0.sec1.sr0.device_pubkey = device.public_key_bytes()
    resp0.sec1.sr0.device_random = device_random
    return client_public, stream, resp0


@pytest.mark.parametrize("pop", ["abcd1234", ""], ids=["pop", "no-pop"])
def test_security1_session_with_esp_prov(pop):
    peer = esp_prov_peer.load()
    client = peer.security1.Security1(pop, False)
    device = crypto.X25519PrivateKey.generate()
    client_public, stream, resp0 = _sec1_device_hello(peer, client.security_session(None), pop, device)
    cmd1 = _parse(peer, client.security_session(_wire(resp0)))
    # The client's verify data decrypts (first 32 bytes of the stream) to our public key.
    assert stream.update(cmd1.sec1.sc1.client_verify_data) == device.public_key_bytes()
    resp1 = peer.proto.session_pb2.SessionData()
    resp1.sec_ver = peer.proto.session_pb2.SecScheme1
    resp1.sec1.msg = peer.proto.sec1_pb2.Session_Response1
    resp1.sec1.sr1.device_verify_data = stream.update(client_public)
    assert client.security_session(_wire(resp1)) is None  # esp_prov raises if our proof were wrong
    # Then every body in turn on the same stream: request, response, request, response.
    for request, response in [(b"get status", b"connected"), (b"x" * 300, b"y" * 7)]:
        assert stream.update(client.encrypt_data(request)) == request
        assert client.decrypt_data(stream.update(response)) == response


def test_security1_wrong_pop_gives_a_client_verify_mismatch():
    peer = esp_prov_peer.load()
    client = peer.security1.Security1("wrong-pop", False)
    device = crypto.X25519PrivateKey.generate()
    _, stream, resp0 = _sec1_device_hello(peer, client.security_session(None), "abcd1234", device)
    cmd1 = _parse(peer, client.security_session(_wire(resp0)))
    assert stream.update(cmd1.sec1.sc1.client_verify_data) != device.public_key_bytes()


def test_security1_pop_as_latin1_text_or_bytes_is_the_same_key():
    device, peer_public, random = crypto.X25519PrivateKey.generate(), crypto.X25519PrivateKey.generate(), bytes(16)
    text = device.protocomm_sec1_cipher(peer_public.public_key_bytes(), "p\xe9p", random)
    raw = device.protocomm_sec1_cipher(peer_public.public_key_bytes(), b"p\xe9p", random)
    assert text.update(bytes(64)) == raw.update(bytes(64))
    with pytest.raises(ValueError, match="device_random must be 16 bytes"):
        device.protocomm_sec1_cipher(peer_public.public_key_bytes(), b"", bytes(12))


def _sec2_handshake(peer, patch: int, password: str, device_nonce: bytes, tamper: bool = False):
    """esp_prov's Security2 against an SRPServer for wifiprov/abcd1234 (``tamper``: flip M2)."""
    salt, verifier = crypto.srp_salt_and_verifier("wifiprov", "abcd1234")
    client = peer.security2.Security2(patch, "wifiprov", password, False)
    cmd0 = _parse(peer, client.security_session(None))
    server = crypto.SRPServer(salt, verifier)
    server.process_client_key(cmd0.sec2.sc0.client_username, cmd0.sec2.sc0.client_pubkey)
    resp0 = peer.proto.session_pb2.SessionData()
    resp0.sec_ver = peer.proto.session_pb2.SecScheme2
    resp0.sec2.msg = peer.proto.sec2_pb2.S2Session_Response0
    resp0.sec2.sr0.device_pubkey = server.public_key
    resp0.sec2.sr0.device_salt = server.salt
    cmd1 = _parse(peer, client.security_session(_wire(resp0)))
    device_proof = server.verify_client_proof(cmd1.sec2.sc1.client_proof)
    resp1 = peer.proto.session_pb2.SessionData()
    resp1.sec_ver = peer.proto.session_pb2.SecScheme2
    resp1.sec2.msg = peer.proto.sec2_pb2.S2Session_Response1
    resp1.sec2.sr1.device_proof = bytes([device_proof[0] ^ tamper]) + device_proof[1:]
    resp1.sec2.sr1.device_nonce = device_nonce
    assert client.security_session(_wire(resp1)) is None  # esp_prov raises if M2 were wrong
    return client, server.aes_gcm()


def test_security2_patch1_session_with_esp_prov():
    """sec_patch_ver 1: nonce = 8 session bytes + 4-byte big-endian counter from 1, +1 per op."""
    peer = esp_prov_peer.load()
    session = os.urandom(8)
    client, gcm = _sec2_handshake(peer, 1, "abcd1234", session + (1).to_bytes(4, "big"))
    counter = 1
    for request, response in [(b"scan start", b"ok"), (b"\x08\x02" * 100, b"")]:
        assert gcm.decrypt(session + counter.to_bytes(4, "big"), client.encrypt_data(request)) == request
        sealed = gcm.encrypt(session + (counter + 1).to_bytes(4, "big"), response)
        assert client.decrypt_data(sealed) == response
        counter += 2


def test_security2_patch0_session_with_esp_prov():
    """sec_patch_ver 0: the 16-byte device nonce is the IV of every message."""
    peer = esp_prov_peer.load()
    nonce = os.urandom(16)
    client, gcm = _sec2_handshake(peer, 0, "abcd1234", nonce)
    for request, response in [(b"get status", b"connected"), (b"set config", b"done")]:
        assert gcm.decrypt(nonce, client.encrypt_data(request)) == request
        assert client.decrypt_data(gcm.encrypt(nonce, response)) == response


def test_security2_wrong_password_from_esp_prov_is_refused():
    peer = esp_prov_peer.load()
    with pytest.raises(AuthenticationFailed):
        _sec2_handshake(peer, 1, "not-the-password", os.urandom(12))


def test_the_peers_do_check_our_proofs():
    """The acceptance above means something: esp_prov refuses a device proof off by one bit."""
    peer = esp_prov_peer.load()
    with pytest.raises(RuntimeError, match="Failed to verify device proof"):
        _sec2_handshake(peer, 1, "abcd1234", os.urandom(12), tamper=True)
    client = peer.security1.Security1("abcd1234", False)
    device = crypto.X25519PrivateKey.generate()
    client_public, stream, resp0 = _sec1_device_hello(peer, client.security_session(None), "abcd1234", device)
    stream.update(_parse(peer, client.security_session(_wire(resp0))).sec1.sc1.client_verify_data)
    resp1 = peer.proto.session_pb2.SessionData()
    resp1.sec_ver = peer.proto.session_pb2.SecScheme1
    resp1.sec1.sr1.device_verify_data = stream.update(bytes([client_public[0] ^ 1]) + client_public[1:])
    with pytest.raises(RuntimeError, match="Failed to verify device"):
        client.security_session(_wire(resp1))
