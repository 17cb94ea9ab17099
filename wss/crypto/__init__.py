"""Cryptographic primitives of the WSS provisionee, computed by mbedTLS in ``wss._core``.

What the compatibility layer needs (protocol §3.1 rows 2–5 and 11, §7.1):

* :func:`sha256` — SHA-256 (FIPS 180-4).
* :func:`hmac_sha256` — HMAC-SHA256 (RFC 2104).
* :func:`random_bytes` — CTR-DRBG output (NIST SP 800-90A), one generator per process,
  seeded from the OS and reseeded after ``fork()``.
* :class:`PrivateKey` — a P-256 private key that never leaves the C object: ECDH
  (raw shared x-coordinate) and ECDSA-SHA256 signing.
* :func:`ecdsa_verify` — ECDSA P-256 SHA-256 verification with a DER signature; returns a
  bool (as ``ffsVerifyCloudSignature`` does); :func:`verify_signature` raises instead.
* :func:`public_key_der_from_pem` — PEM public key to the 91-byte SubjectPublicKeyInfo.

Byte inputs may be ``bytes``, ``bytearray`` or ``memoryview``. cffi releases the GIL
around every core call, so the long operations (EC, large hashes) run in parallel with
other Python threads.
"""

from __future__ import annotations

from .._binding import check as _check
from .._binding import ffi as _ffi
from .._binding import lib as _lib
from ..errors import InvalidKey, InvalidSignature
from ._keys import PrivateKey, ecdsa_verify, public_key_der_from_pem, verify_signature

__all__ = [
    "sha256",
    "hmac_sha256",
    "random_bytes",
    "PrivateKey",
    "ecdsa_verify",
    "verify_signature",
    "public_key_der_from_pem",
    "InvalidKey",
    "InvalidSignature",
    "SHA256_SIZE",
]

#: Size in bytes of a SHA-256 digest and of an HMAC-SHA256 tag.
SHA256_SIZE = 32

_new = _ffi.new_allocator(should_clear_after_alloc=False)
_buffer = _ffi.buffer
_sha256 = _lib.wss_sha256
_hmac = _lib.wss_hmac_sha256
_random = _lib.wss_random_bytes

# Output buffers for the short calls, kept for reuse: allocating a cdata array and its
# ffi.buffer view on every call costs more than a 64-byte SHA-256 does. Each entry is a
# (unsigned char[32], ffi.buffer) pair; a call pops one for itself and puts it back
# (list.pop and list.append are atomic), so threads that run in C with the GIL released
# never share a buffer. There are as many as there have been concurrent calls.
_spare = []


def _new_spare():
    out = _new("unsigned char[32]")
    return out, _buffer(out)


def _as_bytes(data, name: str) -> bytes:
    if type(data) is bytes:
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"{name} must be bytes, bytearray or memoryview, not {type(data).__name__}")


def sha256(data: bytes) -> bytes:
    """SHA-256 of ``data``.

    Args:
        data: the message, any length.
    Returns:
        The 32-byte digest.
    Raises:
        TypeError: ``data`` is not bytes-like.
    Source: FIPS 180-4; protocol §3.1 row 3 (``ffsSha256``).
    """
    if type(data) is not bytes:
        data = _as_bytes(data, "data")
    try:
        spare = _spare.pop()
    except IndexError:
        spare = _new_spare()
    rc = _sha256(data, len(data), spare[0])
    digest = spare[1][:]
    _spare.append(spare)
    if rc:
        _check(rc, "SHA-256")
    return digest


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA256 of ``data`` under ``key``.

    Args:
        key: the secret key, any length (longer than 64 bytes is hashed first, RFC 2104).
        data: the message, any length.
    Returns:
        The 32-byte tag.
    Raises:
        TypeError: an argument is not bytes-like.
    Source: RFC 2104; protocol §3.1 row 4 (``ffsComputeHMACSHA256``).
    """
    if type(key) is not bytes:
        key = _as_bytes(key, "key")
    if type(data) is not bytes:
        data = _as_bytes(data, "data")
    try:
        spare = _spare.pop()
    except IndexError:
        spare = _new_spare()
    rc = _hmac(key, len(key), data, len(data), spare[0])
    tag = spare[1][:]
    _spare.append(spare)
    if rc:
        _check(rc, "HMAC-SHA256")
    return tag


def random_bytes(n: int) -> bytes:
    """``n`` bytes from the process's CTR-DRBG.

    Args:
        n: how many bytes, 0 or more.
    Returns:
        ``n`` random bytes.
    Raises:
        ValueError: ``n`` is negative.
        wss.errors.InternalError: the generator failed (entropy source unavailable).
    Source: NIST SP 800-90A CTR_DRBG; protocol §3.1 row 2 (``ffsRandomBytes``).
    """
    if n < 0:
        raise ValueError(f"random_bytes: n must be >= 0, got {n}")
    if n > 32:
        out = _new("unsigned char[]", n)
        _check(_random(out, n), "CTR-DRBG random bytes")
        return _buffer(out, n)[:]
    try:
        spare = _spare.pop()
    except IndexError:
        spare = _new_spare()
    rc = _random(spare[0], n)
    drawn = spare[1][:n]
    _spare.append(spare)
    if rc:
        _check(rc, "CTR-DRBG random bytes")
    return drawn
