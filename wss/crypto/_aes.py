"""AES-CTR and AES-GCM computed by mbedTLS in the C core; the key schedule stays in C.

* :class:`AESCTR` — one CTR keystream consumed in order across calls, as ESP-IDF
  protocomm security 1 uses it (one stream per session, both directions).
* :class:`AESGCM` — authenticated encryption with a 16-byte tag appended to the
  ciphertext, as protocomm security 2 uses it.

Both objects lock themselves in C, so threads may share one (calls run one at a time);
both release the GIL while they work. Neither can be pickled or copied.

Source: NIST SP 800-38A §6.5 and Appendix F.5 (CTR); NIST SP 800-38D (GCM); ESP-IDF
protocomm security 1 and 2 (the AES-256 session ciphers).
"""

from __future__ import annotations

from typing import Any, Type, TypeVar

from .._binding import check as _check
from .._binding import ffi as _ffi
from .._binding import lib as _lib
from ..errors import AuthenticationFailed, InvalidKey
from ._keys import _bytes_arg
from ._sealed import Sealed

#: AES key sizes in bytes (AES-128, AES-192, AES-256).
AES_KEY_SIZES = (16, 24, 32)
#: Size in bytes of an AES block and of a CTR counter block.
AES_BLOCK_SIZE = 16
#: Size in bytes of the GCM tag appended to every ciphertext.
GCM_TAG_SIZE = 16

_new = _ffi.new_allocator(should_clear_after_alloc=False)
_AUTH_FAILED = _lib.WSS_ERR_AUTH_FAILED


def _key_arg(key) -> bytes:
    data = _bytes_arg(key, "key")
    if len(data) not in AES_KEY_SIZES:
        raise InvalidKey(f"AES key must be 16, 24 or 32 bytes, not {len(data)}")
    return data


def _optional_bytes(value, name: str) -> bytes:
    return b"" if value is None else _bytes_arg(value, name)


_C = TypeVar("_C", bound="_CoreCipher")


class _CoreCipher(Sealed):
    """A cipher context of the core, freed with ``_FREE`` when garbage-collected."""

    __slots__ = ("_ctx", "__weakref__")
    _SECRET = "the AES key"
    _FREE: Any = None  # the core's free function for this context

    def _own(self, handle) -> None:
        self._ctx = _ffi.gc(handle, self._FREE)

    @classmethod
    def _adopt(cls: Type[_C], handle) -> _C:
        """Wrap a context made in C (its key never was in Python)."""
        cipher = cls.__new__(cls)
        cipher._own(handle)
        return cipher


class AESCTR(_CoreCipher):
    """An AES-CTR keystream that runs on across calls (encryption and decryption alike).

    Every call to :meth:`update` XORs its data with the next bytes of one keystream, so a
    message split at any points over several calls gives the same bytes as one call, and
    two messages in turn use consecutive parts of the stream (protocomm security 1 runs
    one stream for a whole session: request, response, request, ...).

    Args:
        key: the AES key, 16, 24 or 32 bytes (protocomm: 32).
        counter_block: the initial 16-byte counter block, incremented as one 128-bit
            big-endian number (wrapping to zero after all ones), as in NIST SP 800-38A
            Appendix B.1 with m = 128 (protocomm security 1: the device random).
    Raises:
        wss.errors.InvalidKey: ``key`` is not 16, 24 or 32 bytes.
        ValueError: ``counter_block`` is not 16 bytes.
        TypeError: an argument is not bytes-like.
    Source: NIST SP 800-38A §6.5; ESP-IDF protocomm security 1.
    """

    __slots__ = ()
    _FREE = _lib.wss_aes_ctr_free

    def __init__(self, key, counter_block) -> None:
        raw = _key_arg(key)
        counter = _bytes_arg(counter_block, "counter_block")
        if len(counter) != AES_BLOCK_SIZE:
            raise ValueError(f"counter_block must be 16 bytes, not {len(counter)}")
        handle = _new("wss_aes_ctr **")
        _check(_lib.wss_aes_ctr_new(raw, len(raw), counter, handle), "AES-CTR key set-up", InvalidKey)
        self._own(handle[0])

    def update(self, data) -> bytes:
        """XOR ``data`` with the next ``len(data)`` bytes of the keystream.

        Args:
            data: plaintext or ciphertext, any length (0 gives b"" and uses no keystream).
        Returns:
            ``len(data)`` bytes.
        Raises:
            TypeError: ``data`` is not bytes-like.
        """
        buf = _bytes_arg(data, "data")
        out = _new("unsigned char[]", max(len(buf), 1))
        _check(_lib.wss_aes_ctr_update(self._ctx, buf, len(buf), out), "AES-CTR")
        return _ffi.buffer(out, len(buf))[:]

    def __repr__(self) -> str:
        return "<AESCTR stream>"


class AESGCM(_CoreCipher):
    """AES-GCM with a 16-byte tag; the key is held in the C core.

    Args:
        key: the AES key, 16, 24 or 32 bytes (protocomm security 2: 32).
    Raises:
        wss.errors.InvalidKey: ``key`` is not 16, 24 or 32 bytes.
        TypeError: ``key`` is not bytes-like.
    Source: NIST SP 800-38D; ESP-IDF protocomm security 2.
    """

    __slots__ = ()
    _FREE = _lib.wss_gcm_free

    def __init__(self, key) -> None:
        raw = _key_arg(key)
        handle = _new("wss_gcm **")
        _check(_lib.wss_gcm_new(raw, len(raw), handle), "AES-GCM key set-up", InvalidKey)
        self._own(handle[0])

    @staticmethod
    def _nonce_arg(nonce) -> bytes:
        iv = _bytes_arg(nonce, "nonce")
        if not iv:
            raise ValueError("nonce must be at least 1 byte (NIST SP 800-38D §5.2.1.1)")
        return iv

    def encrypt(self, nonce, data, associated_data=None) -> bytes:
        """Encrypt and authenticate ``data``.

        Args:
            nonce: the IV, at least 1 byte; 12 bytes is GCM's native size (protocomm
                security 2 patch 1: 8 session bytes and a 4-byte big-endian counter;
                patch 0: 16 bytes). Never reuse a nonce with the same key.
            data: the plaintext, any length.
            associated_data: authenticated but not encrypted (None = empty; protocomm
                uses none).
        Returns:
            ``len(data) + 16`` bytes: the ciphertext followed by the tag.
        Raises:
            ValueError: ``nonce`` is empty.
            TypeError: an argument is not bytes-like.
        """
        iv = self._nonce_arg(nonce)
        buf = _bytes_arg(data, "data")
        aad = _optional_bytes(associated_data, "associated_data")
        out = _new("unsigned char[]", len(buf) + GCM_TAG_SIZE)
        rc = _lib.wss_gcm_encrypt(self._ctx, iv, len(iv), aad, len(aad), buf, len(buf), out)
        _check(rc, "AES-GCM encrypt")
        return _ffi.buffer(out)[:]

    def decrypt(self, nonce, data, associated_data=None) -> bytes:
        """Check the tag of ``data`` and decrypt it.

        Args:
            nonce: the IV the sender used (at least 1 byte).
            data: the ciphertext followed by its 16-byte tag.
            associated_data: as given to :meth:`encrypt` (None = empty).
        Returns:
            The plaintext, ``len(data) - 16`` bytes.
        Raises:
            wss.errors.AuthenticationFailed: the tag does not verify (wrong key, nonce,
                associated data, or altered ciphertext), or ``data`` is shorter than a tag.
                No plaintext is returned.
            ValueError: ``nonce`` is empty.
            TypeError: an argument is not bytes-like.
        """
        iv = self._nonce_arg(nonce)
        buf = _bytes_arg(data, "data")
        aad = _optional_bytes(associated_data, "associated_data")
        size = max(len(buf) - GCM_TAG_SIZE, 0)
        out = _new("unsigned char[]", max(size, 1))
        rc = _lib.wss_gcm_decrypt(self._ctx, iv, len(iv), aad, len(aad), buf, len(buf), out)
        if rc == _AUTH_FAILED:
            if len(buf) < GCM_TAG_SIZE:
                raise AuthenticationFailed(f"AES-GCM: {len(buf)} bytes is shorter than the 16-byte tag")
            raise AuthenticationFailed("AES-GCM tag mismatch: the data is not authentic for this key and nonce")
        _check(rc, "AES-GCM decrypt")
        return _ffi.buffer(out, size)[:]

    def __repr__(self) -> str:
        return "<AESGCM 16-byte tag>"
