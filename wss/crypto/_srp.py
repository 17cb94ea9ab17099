"""SRP-6a, server side, as ESP-IDF protocomm security 2 computes it; the math is in C.

* :func:`srp_salt_and_verifier` / :func:`srp_verifier` — the salt and verifier a device
  stores (a factory or development tool: the password itself never goes on the device).
* :class:`SRPServer` — one session: B from a random private b (in C), then the client's
  A and username, then its proof M1, answered with M2; the session key K stays in C and
  keys an :class:`~wss.crypto.AESGCM` with its first 32 bytes.

Parameters: the 3072-bit group of RFC 5054 Appendix A (the RFC 3526 MODP prime, g = 5)
and SHA-512, fixed for protocomm. Integers enter the hashes as esp_prov's client hashes
them (see csrc/wss_core.h): shortest big-endian form, PAD() (left zeros to 384 bytes)
only in k = H(N | PAD(g)) and u = H(PAD(A) | PAD(B)); the salt and H(I | ":" | P) are
hashed as integers, so their leading zero bytes are dropped (salts made here never have
one, so ESP-IDF devices and esp_prov agree on them).

The keyword arguments ``_params`` and ``_private`` are for tests only (RFC 5054's test
vector uses SHA-1, the 1024-bit group and a given b).

Source: RFC 2945 (SRP), RFC 5054 §2.4–2.6 and Appendix A (groups), ESP-IDF protocomm
security 2 and its client esp_prov (SRP-6a variant, SHA-512, 3072-bit group, K = H(S),
AES-256-GCM key = K[:32]).
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Tuple

from .._binding import check as _check
from .._binding import ffi as _ffi
from .._binding import lib as _lib
from ..errors import AuthenticationFailed, InvalidKey, LocalProtocolError
from ._aes import AESGCM
from ._keys import _bytes_arg
from ._sealed import Sealed

_new = _ffi.new_allocator(should_clear_after_alloc=False)


class _SRPParams(NamedTuple):
    """A group and hash: ``hash`` is ``WSS_SRP_SHA512`` or ``WSS_SRP_SHA1``."""

    hash: int
    N: bytes
    g: int


#: The 3072-bit prime of RFC 5054 Appendix A = RFC 3526 §4: 2^3072 - 2^3008 - 1 +
#: 2^64 * (floor(2^2942 * pi) + 1690314); generator 5.
_N3072 = bytes.fromhex(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
#: What protocomm security 2 uses: SHA-512 over the 3072-bit group, g = 5.
PROTOCOMM_SRP = _SRPParams(_lib.WSS_SRP_SHA512, _N3072, 5)

#: Bytes of the 3072-bit group's numbers (A, B, v at most; PAD() width).
SRP_GROUP_SIZE = len(_N3072)
#: Bytes of the proofs M1 and M2 (SHA-512).
SRP_PROOF_SIZE = 64
#: Salt size :func:`srp_salt_and_verifier` uses by default (esp_prov's default too).
SRP_SALT_SIZE = 16

_AUTH_FAILED = _lib.WSS_ERR_AUTH_FAILED
_BAD_STATE = _lib.WSS_ERR_BAD_STATE
_BAD_PUBLIC = _lib.WSS_ERR_BAD_PUBLIC
_BAD_INPUT = _lib.WSS_ERR_BAD_INPUT


def _text_arg(value, name: str) -> bytes:
    """A username or password: bytes as given, ``str`` as UTF-8 (as esp_prov's srp6a does)."""
    return value.encode("utf-8") if isinstance(value, str) else _bytes_arg(value, name)


def srp_verifier(username, password, salt, *, _params: _SRPParams = PROTOCOMM_SRP) -> bytes:
    """The SRP-6a verifier v = g^x % N with x = H(salt | H(username | ":" | password)).

    Args:
        username: the SRP username I (``str`` is encoded as UTF-8), e.g. ``"wifiprov"``.
        password: the password P (apps and QR codes call it the PoP), ``str`` or bytes.
        salt: the salt s, at least 1 byte (hashed as an integer: leading zeros dropped).
    Returns:
        v in its shortest big-endian form (at most 384 bytes), as esp_prov prints it.
    Raises:
        ValueError: ``salt`` is empty.
        TypeError: an argument has the wrong type.
    Source: RFC 2945 §3, RFC 5054 §2.4; esp_prov ``--sec2_gen_cred``.
    """
    user = _text_arg(username, "username")
    pw = _text_arg(password, "password")
    s = _bytes_arg(salt, "salt")
    if not s:
        raise ValueError("salt must be at least 1 byte")
    cap = len(_params.N)
    out = _new("unsigned char[]", cap)
    n = _new("size_t *")
    rc = _lib.wss_srp_verifier(
        _params.hash, _params.N, len(_params.N), _params.g, user, len(user), pw, len(pw), s, len(s), out, cap, n
    )
    _check(rc, "SRP-6a verifier")
    return _ffi.buffer(out, n[0])[:]


def srp_salt_and_verifier(username, password, salt_size: int = SRP_SALT_SIZE) -> Tuple[bytes, bytes]:
    """A fresh random salt and the matching verifier, for provisioning a device.

    The salt's first byte is never zero, so implementations that hash it as bytes and
    those that hash it as an integer (esp_prov) agree.

    Args:
        username: the SRP username (``str`` as UTF-8, or bytes).
        password: the password (``str`` as UTF-8, or bytes).
        salt_size: salt length in bytes, at least 16 (default 16).
    Returns:
        ``(salt, verifier)``: ``salt_size`` bytes and at most 384 bytes.
    Raises:
        ValueError: ``salt_size`` below 16.
        TypeError: an argument has the wrong type.
    Source: RFC 5054 §2.4; esp_prov ``--sec2_gen_cred --sec2_salt_len``.
    """
    from . import random_bytes

    if not isinstance(salt_size, int) or isinstance(salt_size, bool):
        raise TypeError(f"salt_size must be an int, not {type(salt_size).__name__}")
    if salt_size < 16:
        raise ValueError(f"salt_size must be at least 16 bytes, not {salt_size}")
    salt = random_bytes(salt_size)
    while salt[0] == 0:
        salt = random_bytes(1) + salt[1:]
    return salt, srp_verifier(username, password, salt)


class SRPServer(Sealed):
    """One SRP-6a server session (the device side of protocomm security 2).

    Use, in order (any other order raises :class:`wss.errors.LocalProtocolError`):

    1. ``SRPServer(salt, verifier)`` draws b (32 random bytes, in C) and computes B;
       send :attr:`public_key` and :attr:`salt` (``S2SessionResp0``).
    2. :meth:`process_client_key` with the client's username and A (``S2SessionCmd0``).
    3. :meth:`verify_client_proof` with M1 (``S2SessionCmd1``); it returns M2
       (``S2SessionResp1.device_proof``). One try: a wrong proof ends the session.
    4. :meth:`aes_gcm` for the session cipher.

    Any failure leaves the session unusable; start a new one. The object locks itself,
    releases the GIL during the big-number work, and cannot be pickled or copied.

    Args:
        salt: the device's salt (at least 1 byte).
        verifier: the device's verifier v, big-endian, 1..384 bytes, 0 < v < N.
    Raises:
        wss.errors.InvalidKey: ``verifier`` is empty, longer than N, 0 or >= N.
        ValueError: ``salt`` is empty.
        TypeError: an argument is not bytes-like.
    Source: RFC 5054 §2.5.3–2.6; ESP-IDF protocomm security 2.
    """

    __slots__ = ("_srv", "_salt", "_public", "_params", "__weakref__")
    _SECRET = "the session key"

    def __init__(
        self, salt, verifier, *, _params: _SRPParams = PROTOCOMM_SRP, _private: Optional[bytes] = None
    ) -> None:
        s = _bytes_arg(salt, "salt")
        v = _bytes_arg(verifier, "verifier")
        if not s:
            raise ValueError("salt must be at least 1 byte")
        if not 1 <= len(v) <= len(_params.N):
            raise InvalidKey(f"SRP-6a verifier must be 1 to {len(_params.N)} bytes, not {len(v)}")
        b = _ffi.NULL if _private is None else _private
        handle = _new("wss_srp_server **")
        rc = _lib.wss_srp_server_new(
            _params.hash, _params.N, len(_params.N), _params.g, s, len(s), v, len(v), b, len(_private or b""), handle
        )
        if rc == _BAD_INPUT:
            _check(rc, "SRP-6a verifier must be an integer in 1 .. N-1", InvalidKey)
        _check(rc, "SRP-6a server set-up")
        self._srv = _ffi.gc(handle[0], _lib.wss_srp_server_free)
        self._salt = s
        self._params = _params
        out = _new("unsigned char[]", len(_params.N))
        n = _new("size_t *")
        _check(_lib.wss_srp_server_public(self._srv, out, len(_params.N), n), "SRP-6a server public key")
        self._public = _ffi.buffer(out, n[0])[:]

    @property
    def public_key(self) -> bytes:
        """B = (k*v + g^b) % N, shortest big-endian form (at most 384 bytes: the bytes
        esp_prov hashes; a client reads it as an integer, so no padding is needed)."""
        return self._public

    @property
    def salt(self) -> bytes:
        """The salt, as given (``S2SessionResp0.device_salt``)."""
        return self._salt

    def _check_session(self, rc: int, what: str) -> None:
        if rc == _BAD_STATE:
            raise LocalProtocolError(f"SRP-6a: {what} out of order, or the session already failed")
        if rc == _BAD_PUBLIC:
            raise InvalidKey(f"SRP-6a: {what}: client public key A refused (A % N == 0 or u == 0)")
        if rc == _AUTH_FAILED:
            raise AuthenticationFailed("SRP-6a client proof does not verify (wrong username or password)")
        _check(rc, f"SRP-6a {what}")

    def process_client_key(self, username, client_public_key) -> None:
        """Take the client's username I and public key A; compute u, S, K and the proofs.

        Args:
            username: I as sent (``S2SessionCmd0.client_username``); ``str`` as UTF-8.
                esp_prov sends it latin-1 encoded but hashes it UTF-8 encoded, so only an
                ASCII username works with esp_prov.
            client_public_key: A, big-endian, 1..384 bytes (``client_pubkey``; ESP-IDF
                devices also insist on exactly 384 bytes, a transport-level rule).
        Raises:
            wss.errors.InvalidKey: A is empty, longer than N, A % N == 0 (RFC 5054 §2.5.4),
                or u = H(PAD(A) | PAD(B)) is 0. The session is then over.
            wss.errors.LocalProtocolError: called twice, or after a failure.
            TypeError: an argument has the wrong type.
        """
        user = _text_arg(username, "username")
        a = _bytes_arg(client_public_key, "client_public_key")
        self._check_session(
            _lib.wss_srp_server_client_public(self._srv, user, len(user), a, len(a)), "client public key"
        )

    def verify_client_proof(self, client_proof) -> bytes:
        """Check the client's proof M1 (constant time) and return the server's proof M2.

        Args:
            client_proof: M1 = H((H(N) XOR H(PAD(g))) | H(I) | s | A | B | K), 64 bytes.
        Returns:
            M2 = H(A | M1 | K), 64 bytes (``S2SessionResp1.device_proof``).
        Raises:
            wss.errors.AuthenticationFailed: M1 is wrong (another password or username,
                or not 64 bytes). The session is over and its key forgotten.
            wss.errors.LocalProtocolError: before :meth:`process_client_key`, twice, or
                after a failure.
            TypeError: ``client_proof`` is not bytes-like.
        Source: RFC 5054 §2.6 (the server proves K only after the client did).
        """
        m1 = _bytes_arg(client_proof, "client_proof")
        out = _new("unsigned char[64]")
        n = _new("size_t *")
        self._check_session(_lib.wss_srp_server_verify(self._srv, m1, len(m1), out, 64, n), "client proof")
        return _ffi.buffer(out, n[0])[:]

    def aes_gcm(self) -> AESGCM:
        """The session cipher: AES-256-GCM keyed with the first 32 bytes of K = H(S).

        The key is copied from this object to the cipher inside the core; it never
        reaches Python. Nonce handling is the caller's (protocomm: see
        :meth:`AESGCM.encrypt`).

        Raises:
            wss.errors.LocalProtocolError: the client's proof has not verified.
        """
        handle = _new("wss_gcm **")
        self._check_session(_lib.wss_srp_server_gcm(self._srv, handle), "session cipher")
        return AESGCM._adopt(handle[0])

    def __repr__(self) -> str:
        return f"<SRPServer {len(self._params.N) * 8}-bit group>"
