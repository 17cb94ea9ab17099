"""The device CSR for a key held in a PKCS#11 token: only the request leaves the factory
station, the key stays in the device's secure element.

The guide's "key generated in the device" step (``ace hal dha key_gen``, then the CSR
fields read back) done through PKCS#11: the key pair is generated in the token, or an
existing token key is used, and the token signs the request (ECDSA-SHA256).

How the request is made: pyca/cryptography signs requests with its own keys only, so the
request ``device.conf`` describes (subject, extensions computed from the token's public
key) is first built and signed with a throwaway P-256 key. Its CertificationRequestInfo
(RFC 2986 §4.1) then gets the token key's SubjectPublicKeyInfo in place of the throwaway
one (both are 91-byte DER, so no length changes), the token signs those bytes, and the
request is assembled again: SEQUENCE { info, ecdsa-with-SHA256, BIT STRING signature }
(RFC 2986 §4.2, RFC 5758 §3.2). The result is parsed and its signature checked before it
is written.

Source: guide "Provision AVS devices for FFS" step 3.1; RFC 2986; docs/pkcs11.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple, cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ..errors import ConfigError
from . import certs as C
from .csr import request_builder, request_spec
from .files import OutputSet
from .opensslconf import load

__all__ = ["make_token_csr", "create_token_csr", "token_key_for_csr"]

#: AlgorithmIdentifier { ecdsa-with-SHA256 } (RFC 5758 §3.2: parameters absent).
_ECDSA_SHA256 = bytes.fromhex("300a06082a8648ce3d040302")


def _der(tag: int, body: bytes) -> bytes:
    """One DER TLV (X.690 §8.1.3: definite length, short or long form)."""
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def make_token_csr(spec, key) -> x509.CertificateSigningRequest:
    """The request ``spec`` describes, for and signed by the token key ``key``.

    Args:
        spec: a :class:`~wss.mfg.csr.RequestSpec` (from ``device.conf``).
        key: a :class:`wss.crypto.PrivateKey` (any, typically ``in_token``).
    Returns:
        The signed request (its signature verified).
    Raises:
        ConfigError: ``default_md`` is not sha256 (the core signs ECDSA-SHA256 only).
    """
    if not isinstance(spec.digest, hashes.SHA256):
        raise ConfigError(f"a token key signs requests with SHA-256 only, not {spec.digest.name} (default_md)")
    public = cast(ec.EllipticCurvePublicKey, serialization.load_der_public_key(key.public_key_der()))
    placeholder = C.generate_key()
    draft = request_builder(spec, public).sign(placeholder, hashes.SHA256())
    stand_in = placeholder.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    info = draft.tbs_certrequest_bytes
    if info.count(stand_in) != 1 or len(stand_in) != len(key.public_key_der()):  # pragma: no cover - P-256 both
        raise ConfigError("cannot build the request for the token key")
    info = info.replace(stand_in, key.public_key_der())
    signature = key.sign(info)
    csr = x509.load_der_x509_csr(_der(0x30, info + _ECDSA_SHA256 + _der(0x03, b"\0" + signature)))
    if not csr.is_signature_valid:  # pragma: no cover - the token signed what we sent
        raise ConfigError("the token's signature over the request does not verify")
    return csr


def create_token_csr(
    config_path: Path, out_dir: Path, csr_name: str, key, *, overwrite: bool = False
) -> Tuple[Path, x509.CertificateSigningRequest]:
    """Write the request for the token key ``key`` (no key file: the key stays in the token).

    Raises:
        ConfigError: the configuration is unreadable or unsupported (nothing written).
        OutputError: the output cannot be written (nothing written).
    """
    csr = make_token_csr(request_spec(load(config_path)), key)
    out = OutputSet(Path(out_dir), overwrite=overwrite, create=True)
    path = out.add(csr_name, C.csr_pem(csr))
    out.commit()
    return path, csr


def token_key_for_csr(uri: str, module: Optional[str], pin_env: Optional[str], generate: bool):
    """The token key for a request (generated in the token first when ``generate``), or
    for the control log's public key.

    Raises:
        ConfigError: what the token refused, one line without the PIN.
    """
    from ..crypto import PrivateKey
    from ..errors import TokenError

    try:
        if generate:
            return PrivateKey.generate_in_pkcs11(uri, module, pin_env=pin_env)
        return PrivateKey.from_pkcs11(uri, module, pin_env=pin_env)
    except TokenError as exc:
        raise ConfigError(str(exc)) from None
