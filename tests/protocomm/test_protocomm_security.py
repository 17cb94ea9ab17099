"""The security schemes' session state machines, against esp_prov's own session code.

esp_prov's ``Security0/1/2`` (the client side) talk to our sessions message by message:
the handshakes complete, the session ciphers agree in both directions (security 1's one
CTR stream; security 2's GCM with the patch 1 counter or the patch 0 IV), and every
deviation — a wrong PoP or password, a message out of order or replayed, the wrong
scheme, an A that is not 384 bytes — is refused and ends the session.

Source: ESP-IDF protocomm security 0/1/2 (docs/softap.md, "Security").
"""

from __future__ import annotations

import esp_prov_peer
import pytest

from wss.crypto import srp_salt_and_verifier
from wss.protocomm.errors import HandshakeFailed, InvalidSession, MalformedMessage, WrongSecurityScheme
from wss.protocomm.proto import session_pb2
from wss.protocomm.security import Security0, Security1, Security2

USER, PASSWORD = "wifiprov", "abcd1234"


def parse(data: bytes) -> session_pb2.SessionData:
    message = session_pb2.SessionData()
    message.ParseFromString(data)
    return message


def exchange(session, client, response=None):
    """Run a handshake to its end: esp_prov's requests, our answers."""
    while True:
        request = client.security_session(response)
        if request is None:
            return
        response = session.handshake(parse(request.encode("latin-1"))).SerializeToString().decode("latin-1")


def sec2_pair(patch=1, password=PASSWORD):
    peer = esp_prov_peer.load()
    salt, verifier = srp_salt_and_verifier(USER, PASSWORD)
    return Security2(salt, verifier, patch).new_session(), peer.security2.Security2(patch, USER, password, False)


def test_security0():
    peer = esp_prov_peer.load()
    session = Security0().new_session()
    exchange(session, peer.security.Security0(False))
    assert session.established and session.decrypt(b"abc") == b"abc" and session.encrypt(b"x") == b"x"
    with pytest.raises(InvalidSession, match="replayed"):
        session.handshake(parse(b"R\x03\xa2\x01\x00"))


@pytest.mark.parametrize("pop", ["abcd1234", ""])
def test_security1_handshake_and_one_stream_both_ways(pop):
    peer = esp_prov_peer.load()
    session = Security1(pop).new_session()
    client = peer.security1.Security1(pop, False)
    exchange(session, client)  # esp_prov checks the device's verify data itself
    assert session.established
    for n in range(3):  # request, response, request, ...: one stream in order
        request = f"request {n}".encode()
        assert session.decrypt(client.encrypt_data(request)) == request
        assert client.decrypt_data(session.encrypt(b"answer %d" % n)) == b"answer %d" % n


def test_security1_wrong_pop_is_refused_and_ends_the_session():
    peer = esp_prov_peer.load()
    session = Security1("abcd1234").new_session()
    client = peer.security1.Security1("wrong pop", False)
    cmd0 = client.security_session(None).encode("latin-1")
    resp0 = session.handshake(parse(cmd0)).SerializeToString().decode("latin-1")
    cmd1 = client.security_session(resp0).encode("latin-1")
    with pytest.raises(HandshakeFailed, match="wrong proof of possession"):
        session.handshake(parse(cmd1))
    assert not session.established
    with pytest.raises(InvalidSession):
        session.decrypt(b"anything")


def test_security1_out_of_order_and_malformed():
    peer = esp_prov_peer.load()
    client = peer.security1.Security1("abcd1234", False)
    cmd0 = client.security_session(None).encode("latin-1")
    session = Security1("abcd1234").new_session()
    cmd1 = session_pb2.SessionData(sec_ver=1)
    cmd1.sec1.msg = 2
    cmd1.sec1.sc1.client_verify_data = b"\x00" * 32
    with pytest.raises(InvalidSession, match="Session_Command1"):
        session.handshake(cmd1)  # Cmd1 before Cmd0
    session = Security1("abcd1234").new_session()
    short = parse(cmd0)
    short.sec1.sc0.client_pubkey = b"\x09" * 31
    with pytest.raises(MalformedMessage, match="31 bytes"):
        session.handshake(short)
    session = Security1("abcd1234").new_session()
    small_order = parse(cmd0)
    small_order.sec1.sc0.client_pubkey = b"\x00" * 32
    with pytest.raises(HandshakeFailed, match="small order"):
        session.handshake(small_order)


def test_a_message_of_another_scheme_is_refused():
    session = Security1("abcd1234").new_session()
    with pytest.raises(WrongSecurityScheme):
        session.handshake(parse(b"R\x03\xa2\x01\x00"))  # a security 0 command


@pytest.mark.parametrize("patch", [1, 0])
def test_security2_handshake_and_the_nonces_of_each_patch(patch):
    session, client = sec2_pair(patch)
    exchange(session, client)  # esp_prov checks M2
    assert session.established
    for n in range(3):  # the counter steps on both sides alike (patch 1), or stays (patch 0)
        request = b"request %d" % n
        assert session.decrypt(client.encrypt_data(request)) == request
        assert client.decrypt_data(session.encrypt(b"answer %d" % n)) == b"answer %d" % n
    nonce = bytes(client.nonce)
    assert (len(nonce), nonce[8:] if patch else b"") == ((12, (7).to_bytes(4, "big")) if patch else (16, b""))


def test_security2_wrong_password_is_refused():
    session, client = sec2_pair(password="not it")
    with pytest.raises(HandshakeFailed, match="wrong username or password"):
        exchange(session, client)
    assert not session.established


def test_security2_a_must_be_384_bytes():
    session, client = sec2_pair()
    cmd0 = parse(client.security_session(None).encode("latin-1"))
    cmd0.sec2.sc0.client_pubkey = cmd0.sec2.sc0.client_pubkey[1:]
    with pytest.raises(MalformedMessage, match="383 bytes; it must be 384"):
        session.handshake(cmd0)


def test_security2_a_replayed_command_is_refused():
    session, client = sec2_pair()
    cmd0 = client.security_session(None).encode("latin-1")
    resp0 = session.handshake(parse(cmd0)).SerializeToString().decode("latin-1")
    with pytest.raises(InvalidSession, match="S2Session_Command0"):
        session.handshake(parse(cmd0))
    del resp0


def test_security2_a_tampered_request_ends_the_session():
    session, client = sec2_pair()
    exchange(session, client)
    sealed = bytearray(client.encrypt_data(b"set config"))
    sealed[0] ^= 1
    with pytest.raises(HandshakeFailed, match="does not authenticate"):
        session.decrypt(bytes(sealed))
    with pytest.raises(InvalidSession):
        session.encrypt(b"no more")


def test_schemes_keep_their_secrets_out_of_reprs():
    salt, verifier = srp_salt_and_verifier(USER, PASSWORD)
    assert "abcd1234" not in repr(Security1("abcd1234")) and "<set>" in repr(Security1("abcd1234"))
    assert verifier.hex()[:16] not in repr(Security2(salt, verifier))
    assert Security1("").capabilities() == ("no_pop",) and Security1("x").capabilities() == ()
    assert Security0().capabilities() == ("no_sec",) and Security2(salt, verifier).capabilities() == ()
    with pytest.raises(ValueError):
        Security2(salt, verifier, patch_version=2)
