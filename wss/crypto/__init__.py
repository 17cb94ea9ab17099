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
* :func:`certificate_subject_attribute` — a subject attribute of a chain's first
  certificate (RFC 5280 §4.1.2.6), e.g. the device serial of the DHA certificate (§9).

What the ESP-IDF protocomm security schemes of the SoftAP fallback need (security 1:
X25519 + PoP + AES-256-CTR; security 2: SRP-6a + AES-256-GCM):

* :func:`sha512` — SHA-512 (FIPS 180-4).
* :class:`X25519PrivateKey` — an X25519 key that never leaves the C object (RFC 7748);
  :meth:`~X25519PrivateKey.protocomm_sec1_cipher` makes a security 1 session stream
  whose key stays in C.
* :class:`AESCTR` — one AES-CTR keystream across calls (NIST SP 800-38A).
* :class:`AESGCM` — AES-GCM with a 16-byte tag (NIST SP 800-38D); a bad tag raises
  :class:`~wss.errors.AuthenticationFailed`.
* :class:`SRPServer`, :func:`srp_verifier`, :func:`srp_salt_and_verifier` — SRP-6a with
  SHA-512 over RFC 5054's 3072-bit group, as protocomm security 2 and esp_prov compute it;
  the session key stays in C and keys an :class:`AESGCM`.

Byte inputs may be ``bytes``, ``bytearray``, ``memoryview`` or any other object with the
buffer protocol. :func:`sha256`, :func:`hmac_sha256` and :func:`random_bytes` are the
functions of ``wss._hot``, hand-written CPython entry points that call the core through
its export table: they keep the GIL for small inputs (at most ``_hot.HASH_HELD_MAX`` =
512 bytes to hash, key and data together for HMAC, or ``_hot.RANDOM_HELD_MAX`` = 1024
random bytes: a few microseconds of work at most) and release it for larger ones. Every
other core call goes through cffi, which releases the GIL around each call, so the long
operations (EC, large hashes) run in parallel with other Python threads.
"""

from __future__ import annotations

from .._binding import check as _check
from .._binding import ffi as _ffi
from .._binding import lib as _lib
from ..errors import AuthenticationFailed, InvalidKey, InvalidSignature
from ._aes import AES_BLOCK_SIZE, AES_KEY_SIZES, AESCTR, AESGCM, GCM_TAG_SIZE
from ._hashes import SHA512_SIZE, sha512
from ._keys import PrivateKey, ecdsa_verify, public_key_der_from_pem, verify_signature
from ._srp import SRP_GROUP_SIZE, SRP_PROOF_SIZE, SRP_SALT_SIZE, SRPServer, srp_salt_and_verifier, srp_verifier
from ._x509 import certificate_subject_attribute
from ._x25519 import X25519_KEY_SIZE, X25519PrivateKey

try:
    # Absolute: mypy resolves `from .. import _hot` through wss.__getattr__, not through the
    # stub-less extension's [[tool.mypy.overrides]] entry that makes it Any.
    import wss._hot as _hot
except ImportError as exc:  # pragma: no cover - exercised only on a broken install
    raise ImportError(
        "wss._hot, the compiled fast path of wss.crypto, is not built or cannot load "
        f"({exc}). Build it with `pip install .` from the source tree "
        "(needs a C compiler and mbedTLS: `apt-get install libmbedtls-dev`)."
    ) from exc

__all__ = [
    "sha256",
    "hmac_sha256",
    "random_bytes",
    "PrivateKey",
    "ecdsa_verify",
    "verify_signature",
    "public_key_der_from_pem",
    "certificate_subject_attribute",
    "InvalidKey",
    "InvalidSignature",
    "SHA256_SIZE",
    "sha512",
    "SHA512_SIZE",
    "X25519PrivateKey",
    "X25519_KEY_SIZE",
    "AESCTR",
    "AESGCM",
    "AES_KEY_SIZES",
    "AES_BLOCK_SIZE",
    "GCM_TAG_SIZE",
    "SRPServer",
    "srp_verifier",
    "srp_salt_and_verifier",
    "SRP_GROUP_SIZE",
    "SRP_PROOF_SIZE",
    "SRP_SALT_SIZE",
    "AuthenticationFailed",
]

#: Size in bytes of a SHA-256 digest and of an HMAC-SHA256 tag.
SHA256_SIZE = 32

# The core's wss_sha256/wss_hmac_sha256/wss_random_bytes, called by wss._hot through the
# core's export table; wss._binding.check maps a non-zero return code to the same exception
# as for every other core call. The functions keep the docstrings, parameter names and
# TypeError/ValueError messages of the Python wrappers they replace (csrc/hot/wss_hot.c).
_hot._init(int(_ffi.cast("uintptr_t", _lib.wss_export_table())), _check)

sha256 = _hot.sha256
hmac_sha256 = _hot.hmac_sha256
random_bytes = _hot.random_bytes
for _function in (sha256, hmac_sha256, random_bytes):
    _function.__module__ = __name__  # documented and pickled as wss.crypto.<name>, as before
del _function
