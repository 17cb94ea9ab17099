"""Sign a device CSR with the DAK: the DHA certificate and its chain.

Replaces the guide's::

    openssl x509 -req -in device.csr -extfile device.conf -extensions req_ext \\
        -CA dak-certificate.pem -CAkey dak_private_key.pem -days 1825 \\
        -out device-certificate.pem -outform PEM -CAcreateserial -sha256
    cat device-certificate.pem dak-certificate.pem > certificate.pem

Like ``openssl x509 -req``, the subject and public key come from the CSR, the extensions
only from the named section (the CSR's own extension requests are not copied), validity
starts now and lasts ``days``, the signature is ECDSA with SHA-256. Unlike it, every
input is checked before anything is written:

* the CSR's signature verifies and its key is P-256;
* the CA file is a leaf-first chain whose links verify, its first certificate is a CA
  (basicConstraints CA:TRUE; keyCertSign if keyUsage is present) and valid now;
* the CA key is the key of that certificate;
* a device type (OID 1.3.6.1.4.1.4843.1.3) in the CSR subject equals the DAK's.

Serial numbers are random 159-bit integers (never one in ``taken``), so two stations
signing with the same DAK do not need a shared serial file.

Source: guide "Provision AVS devices for FFS" step 3.2; protocol §9.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, List, Optional, Tuple, cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ..errors import ConfigError, InvalidSignature
from . import certs as C
from .chain import check_validity, describe, load_chain, verify_links
from .extensions import build_extensions
from .files import OutputSet
from .opensslconf import OpenSSLConfig

__all__ = [
    "SigningCA",
    "load_ca",
    "load_csr",
    "check_csr",
    "sign_csr",
    "sign_files",
    "chain_pem",
    "fingerprint",
    "MAX_DAYS",
]

#: Upper bound for ``days`` (100 years), a guard against typing mistakes.
MAX_DAYS = 36525


@dataclass(frozen=True)
class SigningCA:
    """The DAK (or any issuing CA) loaded and checked.

    Attributes:
        cert: The issuing certificate (the first one of the CA file).
        chain: Every certificate of the CA file, issuing certificate first.
        key: Its private key (never shown in reprs).
    """

    cert: x509.Certificate
    chain: Tuple[x509.Certificate, ...]
    key: ec.EllipticCurvePrivateKey

    def __repr__(self) -> str:
        return f"SigningCA({describe(self.cert)!r}, chain of {len(self.chain)})"


def _read(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from exc


def _device_type(name: x509.Name) -> Optional[str]:
    values = name.get_attributes_for_oid(C.DEVICE_TYPE_OID)
    return str(values[0].value) if values else None


def load_ca(cert_path: Path, key_path: Path, at: Optional[datetime.datetime] = None) -> SigningCA:
    """Load and check the issuing certificate (chain) and its private key.

    Args:
        cert_path: PEM file: the CA certificate, optionally followed by its issuers
            (``dak-certificate.pem`` from the developer console).
        key_path: Its unencrypted PEM private key.
        at: Time the CA must be valid at (default now).

    Returns:
        The checked CA.

    Raises:
        ConfigError: Unreadable files, a chain not ordered leaf first, not a CA, expired
            or not yet valid, or a key that does not belong to the certificate.
        InvalidSignature: A link of the CA chain does not verify.
    """
    chain = load_chain(_read(cert_path, "CA certificate"), str(cert_path))
    verify_links(chain, str(cert_path))
    cert = chain[0]
    key = C.load_private_key(_read(key_path, "CA private key"), str(key_path))
    if key.public_key() != cert.public_key():
        raise ConfigError(
            f"{key_path}: this private key does not belong to the CA certificate {describe(cert)} in {cert_path}"
        )
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    try:
        can_sign = cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    except x509.ExtensionNotFound:
        can_sign = True
    if not (is_ca and can_sign):
        raise ConfigError(
            f"{cert_path}: {describe(cert)} is not a CA certificate (needs basicConstraints CA:TRUE and keyCertSign)"
        )
    check_validity(cert, str(cert_path), at)
    return SigningCA(cert, tuple(chain), key)


def check_csr(csr: x509.CertificateSigningRequest, source: str) -> None:
    """Check a request's self-signature and key type.

    Raises:
        InvalidSignature: The request's signature does not verify.
        ConfigError: Its key is not P-256.
    """
    key = csr.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ConfigError(f"{source}: the request's key is not a P-256 EC key")
    if not csr.is_signature_valid:
        raise InvalidSignature(f"{source}: the request's signature does not verify (damaged or tampered request)")


def load_csr(path: Path) -> x509.CertificateSigningRequest:
    """Read a PEM (or DER) CSR and check it with :func:`check_csr`.

    Raises:
        ConfigError: Unreadable, not a CSR, or not P-256.
        InvalidSignature: Its signature does not verify.
    """
    data = _read(path, "request")
    try:
        csr = x509.load_pem_x509_csr(data) if b"-----BEGIN" in data else x509.load_der_x509_csr(data)
    except ValueError as exc:
        raise ConfigError(f"{path}: not a certificate signing request ({exc})") from exc
    check_csr(csr, str(path))
    return csr


def sign_csr(
    csr: x509.CertificateSigningRequest,
    ca: SigningCA,
    config: OpenSSLConfig,
    section: str,
    days: int,
    *,
    serial: Optional[int] = None,
    taken: Optional[Collection[int]] = None,
    now: Optional[datetime.datetime] = None,
) -> x509.Certificate:
    """Issue the certificate for ``csr`` (already checked) under ``ca``.

    Args:
        csr: The request; its subject and key are used as they are.
        ca: The issuing CA from :func:`load_ca`.
        config: Configuration holding the extension section.
        section: Extension section name (``req_ext`` in ``device.conf``).
        days: Validity in days from ``now`` (1 to :data:`MAX_DAYS`).
        serial: Serial number to use; a fresh random one (not in ``taken``) when None.
        taken: Serials this CA already issued.
        now: Start of validity (default: the current second).

    Returns:
        The signed certificate.

    Raises:
        ConfigError: Bad ``days``, a bad extension section, or a device type mismatch.
    """
    if not 1 <= days <= MAX_DAYS:
        raise ConfigError(f"--days {days}: expected 1 to {MAX_DAYS}")
    wanted, have = _device_type(csr.subject), _device_type(ca.cert.subject)
    if wanted is not None and have is not None and wanted != have:
        raise ConfigError(
            f"the request is for device type {wanted} but the DAK {describe(ca.cert)} is for device type {have}"
        )
    # A checked request (check_csr, the callers' precondition) holds a P-256 key.
    public_key = cast(ec.EllipticCurvePublicKey, csr.public_key())
    extensions = build_extensions(config, section, public_key, ca.cert)
    start = now or C.utcnow()
    return C.issue(
        subject=csr.subject,
        public_key=public_key,
        issuer_name=ca.cert.subject,
        issuer_key=ca.key,
        not_before=start,
        not_after=start + datetime.timedelta(days=days),
        extensions=extensions,
        serial=serial if serial is not None else C.random_serial(taken),
    )


def chain_pem(cert: x509.Certificate, ca: SigningCA) -> bytes:
    """``certificate.pem``: the new certificate followed by the whole CA file."""
    return C.certs_pem([cert, *ca.chain])


def sign_files(
    csr_path: Path,
    config: OpenSSLConfig,
    section: str,
    ca: SigningCA,
    days: int,
    out_dir: Path,
    *,
    overwrite: bool = False,
) -> Tuple[List[Path], x509.Certificate]:
    """The ``sign`` step on files: write ``device-certificate.pem`` and ``certificate.pem``.

    Args:
        csr_path: The device CSR.
        config: The parsed ``device.conf``.
        section: Extension section (``--extensions``).
        ca: The checked DAK.
        days: Validity in days.
        out_dir: Output folder (created if missing; removed again on failure).
        overwrite: Replace existing outputs.

    Returns:
        ([device-certificate.pem, certificate.pem] paths, the certificate).

    Raises:
        ConfigError, InvalidSignature: Bad inputs (nothing written).
        OutputError: Outputs cannot be written (nothing written).
    """
    csr = load_csr(csr_path)
    cert = sign_csr(csr, ca, config, section, days)
    verify_links([cert, *ca.chain], "new chain")
    out = OutputSet(Path(out_dir), overwrite=overwrite, create=True)
    out.add("device-certificate.pem", C.cert_pem(cert))
    out.add("certificate.pem", chain_pem(cert, ca))
    return out.commit(), cert


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint of a certificate, lower-case hex."""
    return cert.fingerprint(hashes.SHA256()).hex()
