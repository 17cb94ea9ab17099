"""SHA-512 (FIPS 180-4 §6.4) computed by mbedTLS in the C core.

SHA-256 and HMAC-SHA256 are the short calls of ``wss._hot`` (see :mod:`wss.crypto`);
SHA-512 is a cffi call, which releases the GIL around the hash.
"""

from __future__ import annotations

from .._binding import check as _check
from .._binding import ffi as _ffi
from .._binding import lib as _lib
from ._keys import _bytes_arg

#: Size in bytes of a SHA-512 digest.
SHA512_SIZE = 64

_new = _ffi.new_allocator(should_clear_after_alloc=False)


def sha512(data) -> bytes:
    """SHA-512 of ``data``.

    Args:
        data: the bytes to hash (``bytes``, ``bytearray`` or ``memoryview``), any length.
    Returns:
        The 64-byte digest.
    Raises:
        TypeError: ``data`` is not bytes-like.
    Source: FIPS 180-4 §6.4; ESP-IDF protocomm security 2 hashes SRP-6a with it.
    """
    buf = _bytes_arg(data, "data")
    out = _new("unsigned char[64]")
    _check(_lib.wss_sha512(buf, len(buf), out), "SHA-512")
    return _ffi.buffer(out)[:]
