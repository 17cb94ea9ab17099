"""X25519 keys held by the C core, and the session stream of ESP-IDF protocomm security 1.

Source: RFC 7748 §5 (the X25519 function, little-endian encodings, clamping, masking of
the u-coordinate's top bit) and §6.1 (Diffie-Hellman); ESP-IDF protocomm security 1
(session key = shared secret XOR SHA-256(PoP), AES-256-CTR from the device random).
"""

from __future__ import annotations

from .._binding import check as _check
from .._binding import ffi as _ffi
from .._binding import lib as _lib
from ..errors import InvalidKey
from ._aes import AES_BLOCK_SIZE, AESCTR
from ._keys import _bytes_arg
from ._sealed import Sealed

#: Size in bytes of an X25519 private key, public key and shared secret.
X25519_KEY_SIZE = 32

_new = _ffi.new_allocator(should_clear_after_alloc=False)


def _public_arg(value, name: str) -> bytes:
    data = _bytes_arg(value, name)
    if len(data) != X25519_KEY_SIZE:
        raise InvalidKey(f"{name} must be a 32-byte X25519 public key (RFC 7748), not {len(data)} bytes")
    return data


class X25519PrivateKey(Sealed):
    """An X25519 private key kept inside the C core.

    No method returns the private scalar, ``repr`` shows only a fingerprint of the public
    key, and the object cannot be pickled or copied. The scalar is zeroised when the
    object is garbage-collected. Threads may share a key.
    """

    __slots__ = ("_key", "_public", "__weakref__")
    _SECRET = "the private scalar"

    def __init__(self, _handle) -> None:
        self._key = _ffi.gc(_handle, _lib.wss_x25519_free)
        out = _new("unsigned char[32]")
        _lib.wss_x25519_public(self._key, out)
        self._public = _ffi.buffer(out)[:]

    @classmethod
    def generate(cls) -> X25519PrivateKey:
        """A new random key from the process CTR-DRBG (clamped as RFC 7748 §5 says)."""
        handle = _new("wss_x25519 **")
        _check(_lib.wss_x25519_generate(handle), "generate X25519 key")
        return cls(handle[0])

    @classmethod
    def from_private_bytes(cls, private_key) -> X25519PrivateKey:
        """Load a key from its 32-byte RFC 7748 encoding (little-endian scalar).

        The scalar is clamped on load (RFC 7748 §5 ``decodeScalar25519``), so any 32 bytes
        make a key, and keys that differ only in the clamped bits are the same key.

        Raises:
            wss.errors.InvalidKey: not 32 bytes.
            TypeError: not bytes-like.
        """
        raw = _bytes_arg(private_key, "private_key")
        if len(raw) != X25519_KEY_SIZE:
            raise InvalidKey(f"an X25519 private key is 32 bytes, not {len(raw)}")
        handle = _new("wss_x25519 **")
        _check(_lib.wss_x25519_from_private(raw, handle), "load X25519 private key", InvalidKey)
        return cls(handle[0])

    def public_key_bytes(self) -> bytes:
        """The public key: the 32-byte little-endian u-coordinate (RFC 7748 §5)."""
        return self._public

    def ecdh(self, peer_public_key) -> bytes:
        """X25519 with a peer's public key.

        Args:
            peer_public_key: the peer's 32-byte u-coordinate (RFC 7748 encoding; the top
                bit is ignored and values >= p are taken mod p, as §5 says).
        Returns:
            The 32-byte shared secret X25519(scalar, peer), not hashed.
        Raises:
            wss.errors.InvalidKey: not 32 bytes, or a point of small order (u = 0, 1,
                p - 1, ...), whose shared secret would be all zeros: mbedTLS refuses it
                (RFC 7748 §6.1 allows the check).
            TypeError: not bytes-like.
        Source: RFC 7748 §6.1.
        """
        peer = _public_arg(peer_public_key, "peer_public_key")
        out = _new("unsigned char[32]")
        _check(_lib.wss_x25519_shared(self._key, peer, out), "X25519 with peer public key", InvalidKey)
        return _ffi.buffer(out)[:]

    def protocomm_sec1_cipher(self, peer_public_key, pop, device_random) -> AESCTR:
        """The AES-256-CTR stream of an ESP-IDF protocomm security 1 session.

        Computes K = X25519(scalar, peer) XOR SHA-256(pop) (no XOR when ``pop`` is empty)
        inside the core and returns the CTR stream keyed with K; K never reaches Python.
        The stream serves the whole session in order: the client's verify data (its
        first 32 bytes), the device's verify data, then every request and response body.

        Args:
            peer_public_key: the client's 32-byte public key (``SessionCmd0.client_pubkey``).
            pop: the proof of possession, ``bytes``, or ``str`` (encoded as latin-1, as
                esp_prov does); empty for no PoP.
            device_random: the 16-byte initial counter block the device sends
                (``SessionResp0.device_random``).
        Returns:
            An :class:`AESCTR` at the start of the session's keystream.
        Raises:
            wss.errors.InvalidKey: the peer key is not 32 bytes or of small order.
            ValueError: ``device_random`` is not 16 bytes, or a ``str`` PoP has characters
                outside latin-1.
            TypeError: an argument has the wrong type.
        Source: ESP-IDF protocomm security 1 (docs: "Security 1" of the protocomm
        reference); RFC 7748 §6.1.
        """
        peer = _public_arg(peer_public_key, "peer_public_key")
        pop_bytes = pop.encode("latin-1") if isinstance(pop, str) else _bytes_arg(pop, "pop")
        counter = _bytes_arg(device_random, "device_random")
        if len(counter) != AES_BLOCK_SIZE:
            raise ValueError(f"device_random must be 16 bytes, not {len(counter)}")
        handle = _new("wss_aes_ctr **")
        rc = _lib.wss_x25519_sec1_ctr(self._key, peer, pop_bytes, len(pop_bytes), counter, handle)
        _check(rc, "protocomm security 1 session key from peer public key", InvalidKey)
        return AESCTR._adopt(handle[0])

    def __repr__(self) -> str:
        from . import sha256

        return f"<X25519PrivateKey public-sha256={sha256(self._public)[:8].hex()}>"
