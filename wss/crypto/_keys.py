"""P-256 keys held by the C core: ECDH, ECDSA-SHA256 sign and verify.

Source: SEC 1 v2 §3.3.1 (ECDH), FIPS 186-4 §6 (ECDSA), RFC 5480 (SubjectPublicKeyInfo),
RFC 3279 §2.2.3 (DER ECDSA-Sig-Value); protocol §3.1 rows 5 and 11, §7.1, §8.2, §9.
"""

from __future__ import annotations

from typing import Optional

from .._binding import check as _check
from .._binding import ffi as _ffi
from .._binding import lib as _lib
from .._binding import strerror as _strerror
from ..errors import InvalidKey, InvalidSignature, TokenError

_new = _ffi.new_allocator(should_clear_after_alloc=False)
_buffer = _ffi.buffer
_BAD_SIGNATURE = _lib.WSS_ERR_BAD_SIGNATURE
#: MBEDTLS_ERR_PK_UNKNOWN_PK_ALG (the same in mbedTLS 2.28 and 3.x): a key of an algorithm
#: mbedTLS does not parse (Ed25519, X25519, DSA...). Its own text says "only RSA and EC are
#: supported", which misleads here: only P-256 EC keys are.
_PK_UNKNOWN_PK_ALG = -0x3C80
_ONLY_P256 = "not an EC key: only P-256 EC keys are supported"


def _check_token(rc: int, what: str) -> None:
    """Raise :class:`TokenError` for a WSS_ERR_P11_* code (-0x10040 .. -0x1004F)."""
    if -0x1004F <= rc <= -0x10040:
        raise TokenError(f"{what}: {_strerror(rc)}", rc)


def _check_key(rc: int, what: str) -> None:
    """Raise :class:`InvalidKey` for a failed key parse, with the right cause."""
    if rc == _PK_UNKNOWN_PK_ALG:
        raise InvalidKey(f"cannot load {what}", rc, _ONLY_P256)
    _check(rc, f"cannot load {what}", InvalidKey)


#: Size in bytes of a P-256 uncompressed-point SubjectPublicKeyInfo in DER.
P256_SPKI_SIZE = 91


def _bytes_arg(value, name: str) -> bytes:
    if type(value) is bytes:
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{name} must be bytes, bytearray or memoryview, not {type(value).__name__}")


def _pem_label(data: bytes):
    """The label of the first PEM block (``CERTIFICATE``, ``PRIVATE KEY``...), or None."""
    start = data.find(b"-----BEGIN ")
    end = data.find(b"-----", start + 11)
    if start < 0 or end < 0 or end - start > 80:
        return None
    return data[start + 11 : end].decode("ascii", "replace")


def _pem_arg(value, name: str) -> bytes:
    """PEM text as bytes ending in exactly one NUL (mbedTLS needs it to detect PEM)."""
    if isinstance(value, str):
        value = value.encode("ascii", "strict")
    data = _bytes_arg(value, name).rstrip(b"\0")
    if b"-----BEGIN " not in data:
        raise InvalidKey(f"{name} is not PEM (no '-----BEGIN' line)")
    return data + b"\0"


class PrivateKey:
    """A P-256 private key kept inside the C core, or in a PKCS#11 token.

    No method returns the private scalar, ``repr`` shows only a fingerprint of the public
    key, and the object cannot be pickled or copied. The scalar is zeroised when the
    object is garbage-collected. A token key (:meth:`from_pkcs11`) never leaves its token.
    """

    __slots__ = ("_key", "_public_der", "__weakref__")

    def __init__(self, _handle) -> None:
        self._key = _ffi.gc(_handle, _lib.wss_pkey_free)
        out = _new("unsigned char[160]")
        n = _new("size_t *")
        _check(_lib.wss_pkey_public_der(self._key, out, 160, n), "export public key")
        self._public_der = _buffer(out, n[0])[:]

    @classmethod
    def _parse(cls, data: bytes, what: str) -> PrivateKey:
        handle = _new("wss_pkey **")
        _check_key(_lib.wss_pkey_parse(data, len(data), handle), what)
        return cls(handle[0])

    @classmethod
    def from_pem(cls, pem) -> PrivateKey:
        """Load a P-256 private key from PEM (PKCS#8 ``PRIVATE KEY`` or SEC 1 ``EC PRIVATE KEY``).

        Args:
            pem: the PEM text, ``bytes`` or ``str``; unencrypted.
        Returns:
            The key.
        Raises:
            wss.errors.InvalidKey: not PEM, another kind of PEM block (a certificate, a
                public key: the message names it), malformed, encrypted, or not on P-256.
        """
        data = _pem_arg(pem, "private key PEM")
        label = _pem_label(data)
        if label == "ENCRYPTED PRIVATE KEY":
            raise InvalidKey("private key PEM is encrypted; only unencrypted keys are supported")
        if label is not None and not label.endswith("PRIVATE KEY"):
            raise InvalidKey(f"private key PEM holds a {label}, not a PRIVATE KEY")
        return cls._parse(data, "private key PEM")

    @classmethod
    def from_der(cls, der) -> PrivateKey:
        """Load a P-256 private key from DER (PKCS#8 or SEC 1 ``ECPrivateKey``).

        Raises:
            wss.errors.InvalidKey: malformed, or not on P-256.
        """
        return cls._parse(_bytes_arg(der, "private key DER"), "private key DER")

    @classmethod
    def from_pkcs11(cls, uri: str, module: Optional[str] = None, pin_env: Optional[str] = None) -> PrivateKey:
        """Open a P-256 key held in a PKCS#11 token (a secure element, TPM, HSM).

        Args:
            uri: an RFC 7512 URI naming the private key, e.g.
                ``pkcs11:token=dev;object=dha?pin-source=file:/run/pin`` or ``pkcs11:id=%01``.
                ``pin-value`` is refused.
            module: path of the token's PKCS#11 module (``.so``); default: the URI's
                ``module-path``.
            pin_env: name of an environment variable holding the user PIN (instead of
                ``pin-source``); no PIN: no login.
        Returns:
            The key: :meth:`sign` uses CKM_ECDSA, :meth:`ecdh` CKM_ECDH1_DERIVE (the key
            needs CKA_DERIVE), :meth:`public_key_der` the public-key object's CKA_EC_POINT.
            It is also a TLS client key, on mbedTLS 2.28 and 3.6 (docs/pkcs11.md "Mutual TLS").
        Raises:
            wss.errors.UsageError: a malformed or unsupported URI, no module, no PIN source.
            wss.errors.TokenError: the module cannot be loaded, no such token or key, a wrong
                or locked PIN, a key that is not P-256; the message holds no PIN.
        Source: RFC 7512; OASIS PKCS#11 v2.40; docs/pkcs11.md.
        """
        from ._pkcs11 import open_token_key

        return cls(open_token_key(uri, module, pin_env))

    @classmethod
    def generate_in_pkcs11(cls, uri: str, module: Optional[str] = None, pin_env: Optional[str] = None) -> PrivateKey:
        """Generate a P-256 key pair inside a PKCS#11 token and open it (the factory line's
        "key generated in the device" step: only the public key ever leaves the token).

        The pair (CKM_EC_KEY_PAIR_GEN) is made of token objects carrying the URI's CKA_ID
        and/or CKA_LABEL; the private key is sensitive, never extractable, and may sign
        and derive. Arguments as :meth:`from_pkcs11`.
        Raises:
            wss.errors.UsageError: as :meth:`from_pkcs11`.
            wss.errors.TokenError: as :meth:`from_pkcs11`; also when the URI already finds
                a key (``WSS_ERR_P11_KEY_EXISTS``: a key is never replaced).
        Source: OASIS PKCS#11 v2.40 Mechanisms §2.3.5; docs/pkcs11.md.
        """
        from ._pkcs11 import open_token_key

        return cls(open_token_key(uri, module, pin_env, generate=True))

    @property
    def in_token(self) -> bool:
        """True for a key held in a PKCS#11 token (:meth:`from_pkcs11`)."""
        return bool(_lib.wss_pkey_is_token(self._key))

    @classmethod
    def generate(cls) -> PrivateKey:
        """A new random P-256 key from the process CTR-DRBG."""
        handle = _new("wss_pkey **")
        _check(_lib.wss_pkey_generate(handle), "generate P-256 key")
        return cls(handle[0])

    def public_key_der(self) -> bytes:
        """The public key as a DER SubjectPublicKeyInfo (91 bytes, uncompressed point)."""
        return self._public_der

    def ecdh(self, peer_public_key_der) -> bytes:
        """ECDH with a peer's P-256 public key.

        Args:
            peer_public_key_der: the peer's DER SubjectPublicKeyInfo (e.g. the 91-byte
                cloud public key of protocol §5 ``DSS.PublicKey``).
        Returns:
            The 32-byte shared secret: the raw x-coordinate, *not* hashed (the protocol's
            ``ffsComputeECDHKey`` hashes it afterwards, §3.1 row 5).
        Raises:
            wss.errors.InvalidKey: the peer key is malformed, not on P-256, or not a point
                of the curve.
            wss.errors.TokenError: a token key's token refused (no CKA_DERIVE) or was removed.
        Source: SEC 1 v2 §3.3.1; PKCS#11 v2.40 Mechanisms §2.3.10 (CKM_ECDH1_DERIVE).
        """
        peer = _bytes_arg(peer_public_key_der, "peer public key")
        out = _new("unsigned char[32]")
        rc = _lib.wss_pkey_ecdh(self._key, peer, len(peer), out)
        _check_token(rc, "ECDH with the token key")
        _check(rc, "ECDH with peer public key", InvalidKey)
        return _buffer(out)[:]

    def sign(self, message) -> bytes:
        """ECDSA P-256 signature over SHA-256(``message``).

        Returns:
            The DER ``ECDSA-Sig-Value`` (70–72 bytes typically), randomized ``k``.
        Raises:
            wss.errors.TokenError: a token key's token refused or was removed.
        """
        msg = _bytes_arg(message, "message")
        out = _new("unsigned char[80]")
        n = _new("size_t *")
        rc = _lib.wss_pkey_sign(self._key, msg, len(msg), out, 80, n)
        _check_token(rc, "ECDSA sign with the token key")
        _check(rc, "ECDSA sign")
        return _buffer(out, n[0])[:]

    def __repr__(self) -> str:
        from . import sha256

        where = " PKCS#11" if self.in_token else ""
        return f"<PrivateKey P-256{where} public-sha256={sha256(self._public_der)[:8].hex()}>"

    def __reduce__(self):
        raise TypeError("a PrivateKey cannot be pickled: the private scalar stays in the core")

    def __copy__(self):
        raise TypeError("a PrivateKey cannot be copied")

    __deepcopy__ = lambda self, memo: self.__copy__()  # noqa: E731


def _verify_rc(public_key_der, message, signature_der) -> int:
    spki = _bytes_arg(public_key_der, "public key")
    msg = _bytes_arg(message, "message")
    sig = _bytes_arg(signature_der, "signature")
    rc = _lib.wss_ecdsa_verify(spki, len(spki), msg, len(msg), sig, len(sig))
    if rc not in (0, _BAD_SIGNATURE):
        _check(rc, "ECDSA verify: cannot use public key", InvalidKey)
    return rc


def ecdsa_verify(public_key_der, message, signature_der) -> bool:
    """Verify an ECDSA P-256 SHA-256 signature.

    Args:
        public_key_der: the signer's DER SubjectPublicKeyInfo (P-256).
        message: the signed bytes (hashed with SHA-256 here).
        signature_der: the DER ``ECDSA-Sig-Value``; non-DER (BER) encodings are rejected.
    Returns:
        True when the signature is valid; False when it is wrong or malformed.
    Raises:
        wss.errors.InvalidKey: the public key is malformed or not on P-256.
    Source: FIPS 186-4 §6.4; protocol §3.1 row 11 (``ffsVerifyCloudSignature`` reports its
    verdict in a bool), §8.2.
    """
    return _verify_rc(public_key_der, message, signature_der) == 0


def verify_signature(public_key_der, message, signature_der) -> None:
    """Like :func:`ecdsa_verify` but raise :class:`wss.errors.InvalidSignature` when invalid."""
    if _verify_rc(public_key_der, message, signature_der) != 0:
        raise InvalidSignature("ECDSA P-256 SHA-256 signature does not verify")


def public_key_der_from_pem(pem) -> bytes:
    """Convert a PEM ``PUBLIC KEY`` (P-256) to its DER SubjectPublicKeyInfo (91 bytes).

    Raises:
        wss.errors.InvalidKey: not PEM, malformed, or not on P-256.
    """
    data = _pem_arg(pem, "public key PEM")
    label = _pem_label(data)
    if label is not None and label.endswith("PRIVATE KEY"):
        raise InvalidKey("public key PEM holds a private key, not a PUBLIC KEY")
    if label is not None and label != "PUBLIC KEY":
        raise InvalidKey(f"public key PEM holds a {label}, not a PUBLIC KEY")
    out = _new("unsigned char[160]")
    n = _new("size_t *")
    _check_key(_lib.wss_public_der_from_pem(data, len(data), out, 160, n), "public key PEM")
    return _buffer(out, n[0])[:]
