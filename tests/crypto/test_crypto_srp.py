"""SRP-6a server: RFC 5054's test vector, the protocomm group, esp_prov's client math, the rules.

The RFC vector runs through the public classes with the test-only parameters (SHA-1,
the 1024-bit group, a given b). RFC 5054 prints no K, M1 or M2: the test derives M1 and
M2 from the RFC's premaster secret S with esp_prov's own proof functions, so the server
accepts that M1 only if its S equals the RFC's.

Source: RFC 5054 Appendix A and B, RFC 3526 §4, RFC 2945; ESP-IDF protocomm security 2
and its client esp_prov (srp6a.py).
"""

from __future__ import annotations

import copy
import hashlib
import pickle

import esp_prov_peer
import pytest
from gil_probe import main_ran_during
from hypothesis import given, settings
from hypothesis import strategies as st
from vector_files import load_json

from wss import _binding, crypto
from wss.crypto import _srp
from wss.errors import AuthenticationFailed, InvalidKey, LocalProtocolError

RFC = load_json("rfc5054_srp_vectors.json")
N3072 = int.from_bytes(_srp.PROTOCOMM_SRP.N, "big")


def _int(name: str) -> int:
    return int(RFC[name], 16)


def _bytes(name: str) -> bytes:
    return bytes.fromhex(RFC[name])


def _shortest(n: int) -> bytes:
    return n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")


RFC_PARAMS = _srp._SRPParams(_binding.lib.WSS_SRP_SHA1, _shortest(_int("N")), _int("g"))


# ---- the vectors themselves ----


def test_rfc5054_vector_file_is_self_consistent():
    """The transcription: every value recomputed from N, g, I, P, s, a, b (RFC 5054 §2.4-2.6)."""
    N, g = _int("N"), _int("g")
    width = len(_shortest(N))

    def H(*parts: bytes) -> int:
        return int.from_bytes(hashlib.sha1(b"".join(parts)).digest(), "big")

    def pad(n: int) -> bytes:
        return n.to_bytes(width, "big")

    x = H(_bytes("s"), hashlib.sha1(b"alice:password123").digest())
    assert (RFC["I"], RFC["P"], RFC["hash"], N.bit_length()) == ("alice", "password123", "SHA-1", 1024)
    assert x == _int("x") and pow(g, x, N) == _int("v")
    assert H(pad(N), pad(g)) == _int("k")
    assert pow(g, _int("a"), N) == _int("A")
    assert (_int("k") * _int("v") + pow(g, _int("b"), N)) % N == _int("B")
    assert H(pad(_int("A")), pad(_int("B"))) == _int("u")
    assert pow(_int("A") * pow(_int("v"), _int("u"), N), _int("b"), N) == _int("S")
    assert pow(_int("B") - _int("k") * _int("v"), _int("a") + _int("u") * x, N) == _int("S")


def _pi_times_2_to(bits: int, guard: int = 64) -> int:
    """floor(pi * 2^bits), from Machin's formula in integers."""

    def arctan_inverse(x: int, scale: int) -> int:
        term = total = (1 << scale) // x
        k = 1
        while term:
            term //= x * x
            total += (-1) ** k * (term // (2 * k + 1))
            k += 1
        return total

    scale = bits + guard
    return (16 * arctan_inverse(5, scale) - 4 * arctan_inverse(239, scale)) >> guard


def test_protocomm_group_is_the_rfc3526_3072_bit_prime_with_g_5():
    """RFC 5054 Appendix A's 3072-bit group is RFC 3526 §4's: p = 2^3072 - 2^3008 - 1 +
    2^64 * (floor(2^2942 * pi) + 1690314). Computed here, independently of the constant."""
    expected = 2**3072 - 2**3008 - 1 + 2**64 * (_pi_times_2_to(2942) + 1690314)
    assert N3072 == expected
    assert (_srp.PROTOCOMM_SRP.g, _srp.PROTOCOMM_SRP.hash) == (5, _binding.lib.WSS_SRP_SHA512)
    assert crypto.SRP_GROUP_SIZE == 384


# ---- RFC 5054 Appendix B through our server ----


def test_rfc5054_verifier():
    assert crypto.srp_verifier("alice", "password123", _bytes("s"), _params=RFC_PARAMS) == _bytes("v")
    assert crypto.srp_verifier(b"alice", b"password123", _bytes("s"), _params=RFC_PARAMS) == _bytes("v")


def test_rfc5054_server_session():
    peer = esp_prov_peer.load()
    server = crypto.SRPServer(_bytes("s"), _bytes("v"), _params=RFC_PARAMS, _private=_bytes("b"))
    assert server.public_key == _bytes("B")
    server.process_client_key(b"alice", _bytes("A"))
    N, g = _int("N"), _int("g")
    K = hashlib.sha1(_shortest(_int("S"))).digest()  # K = H(S), as protocomm (RFC 5054 itself stops at S)
    M1 = peer.srp6a.calculate_M(hashlib.sha1, N, g, "alice", _int("s"), _int("A"), _int("B"), K)
    assert server.verify_client_proof(M1) == peer.srp6a.calculate_H_AMK(hashlib.sha1, _int("A"), M1, K)


def test_rfc5054_server_refuses_a_proof_from_another_premaster_secret():
    peer = esp_prov_peer.load()
    server = crypto.SRPServer(_bytes("s"), _bytes("v"), _params=RFC_PARAMS, _private=_bytes("b"))
    server.process_client_key(b"alice", _bytes("A"))
    K = hashlib.sha1(_shortest(_int("S") + 1)).digest()
    M1 = peer.srp6a.calculate_M(hashlib.sha1, _int("N"), _int("g"), "alice", _int("s"), _int("A"), _int("B"), K)
    with pytest.raises(AuthenticationFailed, match="client proof does not verify"):
        server.verify_client_proof(M1)


# ---- verifiers as esp_prov computes them ----


def _esp_prov_verifier(peer, username: str, password: str, salt: bytes) -> bytes:
    """What esp_prov's client implies: v = g^x % N with its calculate_x on the salt as an integer."""
    N, g = peer.srp6a.get_ng(peer.srp6a.NG_3072)
    x = peer.srp6a.calculate_x(hashlib.sha512, int.from_bytes(salt, "big"), username, password)
    return peer.convenience.long_to_bytes(pow(g, x, N))


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=20), st.text(max_size=30), st.binary(min_size=1, max_size=32))
def test_verifier_matches_esp_prov(username, password, salt):
    """Leading zero bytes of the salt included: esp_prov hashes the salt as an integer."""
    peer = esp_prov_peer.load()
    assert crypto.srp_verifier(username, password, salt) == _esp_prov_verifier(peer, username, password, salt)


def test_salt_and_verifier_generation():
    peer = esp_prov_peer.load()
    salts = set()
    for _ in range(20):
        salt, verifier = crypto.srp_salt_and_verifier("wifiprov", "abcd1234")
        assert len(salt) == crypto.SRP_SALT_SIZE == 16 and salt[0] != 0
        assert 1 <= len(verifier) <= 384 and verifier[0] != 0
        salts.add(salt)
    assert verifier == _esp_prov_verifier(peer, "wifiprov", "abcd1234", salt)
    assert len(salts) == 20
    assert len(crypto.srp_salt_and_verifier("u", "p", salt_size=32)[0]) == 32
    with pytest.raises(ValueError, match="at least 16 bytes, not 8"):
        crypto.srp_salt_and_verifier("u", "p", salt_size=8)
    with pytest.raises(TypeError, match="salt_size must be an int"):
        crypto.srp_salt_and_verifier("u", "p", salt_size=16.0)
    with pytest.raises(ValueError, match="salt must be at least 1 byte"):
        crypto.srp_verifier("u", "p", b"")


# ---- the session rules ----


@pytest.fixture(scope="module")
def credentials():
    return crypto.srp_salt_and_verifier("wifiprov", "abcd1234")


def _client(peer, password: str = "abcd1234"):
    client = peer.srp6a.Srp6a("wifiprov", password)
    return client, client.start_authentication()[1]


def test_full_handshake_with_esp_prov_client(credentials):
    peer = esp_prov_peer.load()
    salt, verifier = credentials
    client, A = _client(peer)
    server = crypto.SRPServer(salt, verifier)
    assert server.salt == salt and 1 <= len(server.public_key) <= 384
    server.process_client_key("wifiprov", A)
    M1 = client.process_challenge(salt, server.public_key)
    M2 = server.verify_client_proof(M1)
    assert len(M2) == crypto.SRP_PROOF_SIZE == 64
    client.verify_session(M2)
    assert client.authenticated()
    K = client.get_session_key()
    nonce = bytes(range(12))
    sealed = server.aes_gcm().encrypt(nonce, b"wifi credentials")
    assert crypto.AESGCM(K[:32]).decrypt(nonce, sealed) == b"wifi credentials"


def test_wrong_password_is_refused_and_ends_the_session(credentials):
    peer = esp_prov_peer.load()
    salt, verifier = credentials
    client, A = _client(peer, password="abcd1235")
    server = crypto.SRPServer(salt, verifier)
    server.process_client_key(b"wifiprov", A)
    with pytest.raises(AuthenticationFailed, match="wrong username or password"):
        server.verify_client_proof(client.process_challenge(salt, server.public_key))
    # One guess per session: even the right proof is refused now, and no key is handed out.
    with pytest.raises(LocalProtocolError, match="out of order, or the session already failed"):
        server.verify_client_proof(bytes(64))
    with pytest.raises(LocalProtocolError):
        server.aes_gcm()


def test_wrong_username_or_proof_length_is_refused(credentials):
    peer = esp_prov_peer.load()
    salt, verifier = credentials
    client, A = _client(peer)
    server = crypto.SRPServer(salt, verifier)
    server.process_client_key(b"otheruser", A)
    with pytest.raises(AuthenticationFailed):
        server.verify_client_proof(client.process_challenge(salt, server.public_key))
    client, A = _client(peer)
    server = crypto.SRPServer(salt, verifier)
    server.process_client_key(b"wifiprov", A)
    M1 = client.process_challenge(salt, server.public_key)
    with pytest.raises(AuthenticationFailed):
        server.verify_client_proof(M1[:63])


def test_calls_out_of_order_are_refused(credentials):
    salt, verifier = credentials
    server = crypto.SRPServer(salt, verifier)
    with pytest.raises(LocalProtocolError, match="client proof out of order"):
        server.verify_client_proof(bytes(64))
    with pytest.raises(LocalProtocolError, match="session cipher out of order"):
        server.aes_gcm()
    server.process_client_key(b"wifiprov", (2).to_bytes(384, "big"))
    with pytest.raises(LocalProtocolError, match="client public key out of order"):
        server.process_client_key(b"wifiprov", (2).to_bytes(384, "big"))
    with pytest.raises(LocalProtocolError, match="session cipher out of order"):
        server.aes_gcm()


@pytest.mark.parametrize(
    "A",
    [b"", b"\x00", N3072.to_bytes(384, "big"), (2 * N3072).to_bytes(385, "big"), bytes(384), b"\x01" * 385],
    ids=["empty", "zero", "A=N", "A=2N (385 bytes)", "384 zero bytes", "385 bytes"],
)
def test_client_public_key_zero_mod_n_or_oversized_is_refused(credentials, A):
    """RFC 5054 §2.5.4: abort if A % N == 0; A longer than N is refused too."""
    salt, verifier = credentials
    server = crypto.SRPServer(salt, verifier)
    with pytest.raises(InvalidKey, match="client public key A refused"):
        server.process_client_key(b"wifiprov", A)
    with pytest.raises(LocalProtocolError):  # the session is over
        server.verify_client_proof(bytes(64))


@pytest.mark.parametrize("verifier", [b"", bytes(384), N3072.to_bytes(384, "big"), b"\x01" * 385])
def test_bad_verifiers_are_refused(verifier):
    with pytest.raises(InvalidKey, match="verifier"):
        crypto.SRPServer(b"salt", verifier)


def test_salt_with_leading_zero_byte_and_inner_hash_with_leading_zero_interoperate():
    """Both enter x as integers in esp_prov: leading zeros dropped, here too."""
    peer = esp_prov_peer.load()
    password = next(f"pw{i}" for i in range(10_000) if hashlib.sha512(f"wifiprov:pw{i}".encode()).digest()[0] == 0)
    for salt, pw in [(b"\x00\x00" + bytes(range(1, 15)), "abcd1234"), (bytes(range(1, 17)), password)]:
        verifier = crypto.srp_verifier("wifiprov", pw, salt)
        client, A = _client(peer, password=pw)
        server = crypto.SRPServer(salt, verifier)
        server.process_client_key(b"wifiprov", A)
        client.verify_session(server.verify_client_proof(client.process_challenge(salt, server.public_key)))
        assert client.authenticated()


def test_session_key_never_exposed(credentials):
    salt, verifier = credentials
    server = crypto.SRPServer(salt, verifier)
    assert repr(server) == "<SRPServer 3072-bit group>"
    with pytest.raises(TypeError, match="cannot be pickled: the session key stays in the core"):
        pickle.dumps(server)
    with pytest.raises(TypeError):
        copy.copy(server)
    held = {getattr(server, n) for n in dir(server) if isinstance(getattr(server, n, None), bytes)}
    assert held == {server.public_key, server.salt}  # nothing else in Python: no b, S, K, M1 or M2


def test_two_sessions_draw_different_private_values(credentials):
    salt, verifier = credentials
    assert crypto.SRPServer(salt, verifier).public_key != crypto.SRPServer(salt, verifier).public_key


def test_big_number_work_releases_the_gil(credentials):
    salt, verifier = credentials
    # ~20 sessions (~0.1 s): a window wide enough for the main thread on a loaded machine
    assert main_ran_during(lambda: [crypto.SRPServer(salt, verifier) for _ in range(20)]) is True
