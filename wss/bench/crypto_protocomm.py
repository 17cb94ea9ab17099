"""The rows of the crypto benchmark for ESP-IDF protocomm security 1 and 2 (issue 12).

Rows: X25519 shared secret, AES-256-GCM encryption of 1 KiB, SHA-512 of 1 KiB, and one
SRP-6a server session over the 3072-bit group. :class:`ProtocommInputs` holds their data
and the result each must give; the ``*_cells`` functions give each Python column's timed
statements (:mod:`wss.bench.crypto` merges them into its columns; ``benchmarks/c/crypto_floor_protocomm.c``
is the floor).

The SRP-6a session, per op: set up the server from salt and verifier with a fixed b
(so that one client proof, worked out beforehand, verifies: the draw of 32 random bytes
for b is timed in no column), compute B, take the client's A (check A % N, u, S, K, the
proofs), verify M1 and return M2. The client side is worked out here with Python
integers and hashlib, in esp_prov's formulas (its client is the tests' peer; the bench
does not need it installed).
"""

from __future__ import annotations

import hashlib
import os
from typing import Any, Dict, List, Tuple, Union

Cell = Tuple[str, dict]
Offer = Union[Cell, str]

ROWS: List[Tuple[str, str]] = [
    ("x25519", "X25519 shared secret"),
    ("aes_gcm_1k", "AES-256-GCM encrypt, 1 KiB"),
    ("sha512_1k", "SHA-512, 1 KiB"),
    ("srp_server", "SRP-6a server session, 3072-bit"),
]
SRP_USER = b"wifiprov"


def _shortest(n: int) -> bytes:
    return n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")


def _num(data: bytes) -> int:
    return int.from_bytes(data, "big")


def srp_exchange(N: int, g: int, user: bytes, password: bytes) -> Dict[str, bytes]:
    """One protocomm SRP-6a exchange in Python integers: the server's inputs and the client's.

    Returns ``salt``, ``verifier``, ``b`` (the server's fixed private value), ``A`` and
    ``M1`` (the client's), and ``M2`` (what the server must answer).
    Source: RFC 5054 §2.4–2.6 with esp_prov's encodings (see wss.crypto._srp).
    """
    width = len(_shortest(N))

    def H(*parts: bytes) -> bytes:
        return hashlib.sha512(b"".join(parts)).digest()

    def pad(n: int) -> bytes:
        return n.to_bytes(width, "big")

    salt = b"\x5a" + os.urandom(15)
    x = _num(H(_shortest(_num(salt)), _shortest(_num(H(user + b":" + password)))))
    v = pow(g, x, N)
    b, a = _num(os.urandom(32)) | 1, _num(os.urandom(32)) | (1 << 255)
    A = pow(g, a, N)
    k = _num(H(_shortest(N), pad(g)))
    B = (k * v + pow(g, b, N)) % N
    u = _num(H(pad(A), pad(B)))
    S = pow(B - k * v, a + u * x, N)  # the client's side of the premaster secret
    K = H(_shortest(S))
    hn_xor_hg = bytes(p ^ q for p, q in zip(H(_shortest(N)), H(pad(g))))
    M1 = H(hn_xor_hg, H(user), _shortest(_num(salt)), _shortest(A), _shortest(B), K)
    return {
        "salt": salt,
        "verifier": _shortest(v),
        "b": b.to_bytes(32, "big"),
        "A": _shortest(A),
        "M1": M1,
        "M2": H(_shortest(A), M1, K),
    }


class ProtocommInputs:
    """The data of the protocomm rows and their results (checked with pyca and hashlib)."""

    def __init__(self, data_1k: bytes) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        from wss.crypto._srp import PROTOCOMM_SRP

        raw = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.data_1k = data_1k
        self.x25519_private = os.urandom(32)
        self.x25519_own = X25519PrivateKey.from_private_bytes(self.x25519_private)
        self.x25519_peer_key = X25519PrivateKey.generate()
        self.x25519_peer = self.x25519_peer_key.public_key().public_bytes(*raw)
        self.gcm_key, self.gcm_nonce = os.urandom(32), os.urandom(12)
        self.srp_N, self.srp_g = PROTOCOMM_SRP.N, PROTOCOMM_SRP.g
        self.srp = srp_exchange(_num(self.srp_N), self.srp_g, SRP_USER, b"abcd1234")
        self.expected = {
            "x25519": self.x25519_own.exchange(self.x25519_peer_key.public_key()),
            "aes_gcm_1k": AESGCM(self.gcm_key).encrypt(self.gcm_nonce, data_1k, None),
            "sha512_1k": hashlib.sha512(data_1k).digest(),
            "srp_server": self.srp["M2"],
        }
        #: Results that differ by column: (row, column) -> result.
        self.column_expected: Dict[Tuple[str, str], object] = {}

    def floor_args(self) -> List[str]:
        """The hex arguments of ``crypto_floor`` for these rows, in its order."""
        s = self.srp
        parts = (self.x25519_private, self.x25519_peer, self.gcm_key, self.gcm_nonce, self.srp_N, s["salt"])
        return [p.hex() for p in parts + (s["verifier"], s["b"], SRP_USER, s["A"], s["M1"])]


def wss_cells(p: ProtocommInputs) -> Dict[str, Offer]:
    """wss.crypto: one key or cipher object, made once; the SRP server made per session."""
    from wss import crypto

    ns = {
        "key": crypto.X25519PrivateKey.from_private_bytes(p.x25519_private),
        "peer": p.x25519_peer,
        "gcm": crypto.AESGCM(p.gcm_key),
        "nonce": p.gcm_nonce,
        "d1k": p.data_1k,
        "sha512": crypto.sha512,
        "SRPServer": crypto.SRPServer,
        **{f"srp_{k}": v for k, v in p.srp.items()},
        "user": SRP_USER,
    }
    srp = (
        "s = SRPServer(srp_salt, srp_verifier, _private=srp_b); s.process_client_key(user, srp_A); "
        "s.verify_client_proof(srp_M1)"
    )
    return {
        "x25519": ("key.ecdh(peer)", ns),
        "aes_gcm_1k": ("gcm.encrypt(nonce, d1k)", ns),
        "sha512_1k": ("sha512(d1k)", ns),
        "srp_server": (srp, ns),
    }


def cryptography_cells(p: ProtocommInputs) -> Dict[str, Offer]:
    """pyca/cryptography: the peer key parsed per op (as wss does), one AESGCM object."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ns = {
        "key": p.x25519_own,
        "load": X25519PublicKey.from_public_bytes,
        "peer": p.x25519_peer,
        "aead": AESGCM(p.gcm_key),
        "nonce": p.gcm_nonce,
        "d1k": p.data_1k,
        "Hash": hashes.Hash,
        "SHA512": hashes.SHA512(),
    }
    if hasattr(hashes.Hash, "hash"):  # one-shot since cryptography 45
        digest = "Hash.hash(SHA512, d1k)"
    else:
        digest = "h = Hash(SHA512); h.update(d1k); h.finalize()"
    return {
        "x25519": ("key.exchange(load(peer))", ns),
        "aes_gcm_1k": ("aead.encrypt(nonce, d1k, None)", ns),
        "sha512_1k": (digest, ns),
        "srp_server": "unavailable: pyca/cryptography has no SRP-6a",
    }


def python_mbedtls_cells(p: ProtocommInputs) -> Dict[str, Offer]:
    """python-mbedtls. It cannot load a given X25519 private key (its mbedTLS 2.28 parses no
    RFC 8410 keys), so its X25519 cell uses a key of its own, checked against pyca with that
    key. Its GCM object takes the nonce when made, not per call: a small head start."""
    try:
        from mbedtls import cipher, pk
        from mbedtls import hashlib as mhash
    except ImportError as exc:
        reason = f"unavailable: python-mbedtls is not installed ({exc}); `pip install python-mbedtls` (extra `bench`)"
        return {row: reason for row, _ in ROWS}
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    ns = {
        "sha512": mhash.sha512,
        "d1k": p.data_1k,
        "cke": bytes([32]) + p.x25519_peer,  # TLS ClientKeyExchange form: length, then the key
        "gcm": cipher.AES.new(p.gcm_key, cipher.MODE_GCM, p.gcm_nonce, b""),
    }
    x25519: Offer = "unavailable: python-mbedtls has no Curve25519 ECDH here"
    try:
        mpk: Any = pk  # its stubs, where installed, lag its API
        server: Any = mpk.ECDHServer(mpk.ECC(mpk.Curve.CURVE25519))
        ns["server"] = server
        own_public = bytes(server.generate())[4:]  # after the TLS curve and length bytes
        p.column_expected["x25519", "python-mbedtls"] = p.x25519_peer_key.exchange(
            X25519PublicKey.from_public_bytes(own_public)
        )
        x25519 = ("server.import_CKE(cke); server.generate_secret().to_bytes(32, 'little')", ns)
    except Exception as exc:
        x25519 = f"unavailable: cannot set up python-mbedtls X25519 ({exc!r})"
    return {
        "x25519": x25519,
        "aes_gcm_1k": ("ct, tag = gcm.encrypt(d1k); ct + tag", ns),
        "sha512_1k": ("sha512(d1k).digest()", ns),
        "srp_server": "unavailable: python-mbedtls has no SRP-6a",
    }
