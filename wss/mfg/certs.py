"""Building blocks shared by the manufacturing tools: OIDs, P-256 keys, PEM, issuing.

Every certificate in the DHA hierarchy is ECDSA P-256 with SHA-256. The Amazon-specific
subject attributes are plain OIDs under Amazon's enterprise arc 1.3.6.1.4.1.4843.1.

Source: protocol §9 (certificate chain shape); guide "Provision AVS devices for FFS"
(``dak.conf``, ``device.conf``); RFC 5280 §4.2.1.1-2 (key identifiers).
"""

from __future__ import annotations

import datetime
import secrets
from typing import Collection, Iterable, Optional, Sequence, Tuple, cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPublicKeyTypes
from cryptography.x509.oid import ObjectIdentifier

from ..errors import ConfigError

__all__ = [
    "DEVICE_TYPE_OID",
    "DEVICE_SERIAL_OID",
    "DAK_TYPE_OID",
    "generate_key",
    "private_key_pem",
    "public_key_pem",
    "cert_pem",
    "certs_pem",
    "load_private_key",
    "random_serial",
    "issue",
    "subject_key_id",
    "authority_key_id",
    "utcnow",
    "Extension",
    "csr_pem",
    "SAFE_ALPHABET",
    "random_text",
    "serial_hex",
]

#: Subject attribute: the device type id (e.g. ``A13HOHDXTVQYZO``). Protocol §9.
DEVICE_TYPE_OID = ObjectIdentifier("1.3.6.1.4.1.4843.1.3")
#: Subject attribute: the device serial (e.g. ``P7pCXsWt0AXF``) in Amazon's sample DHA. Protocol §9.
DEVICE_SERIAL_OID = ObjectIdentifier("1.3.6.1.4.1.4843.1.1")
#: Subject attribute: the DAK type (e.g. ``SoftwareDev``). Protocol §9.
DAK_TYPE_OID = ObjectIdentifier("1.3.6.1.4.1.4843.1.5")

#: One extension to put in a certificate: (value, critical).
Extension = Tuple[x509.ExtensionType, bool]

#: Letters and digits without look-alikes (0/O, 1/l/I), for product indexes and serials.
SAFE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def random_text(length: int) -> str:
    """``length`` characters drawn uniformly from :data:`SAFE_ALPHABET` (CSPRNG)."""
    return "".join(secrets.choice(SAFE_ALPHABET) for _ in range(length))


def utcnow() -> datetime.datetime:
    """The current time, timezone-aware UTC, to the second."""
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def generate_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 private key from the operating system's CSPRNG."""
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM (``BEGIN PRIVATE KEY``), what ``openssl req -nodes`` writes."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_pem(key: ec.EllipticCurvePublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM (``BEGIN PUBLIC KEY``)."""
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def cert_pem(cert: x509.Certificate) -> bytes:
    """One certificate in PEM."""
    return cert.public_bytes(serialization.Encoding.PEM)


def csr_pem(csr: x509.CertificateSigningRequest) -> bytes:
    """A certificate signing request in PEM (``BEGIN CERTIFICATE REQUEST``)."""
    return csr.public_bytes(serialization.Encoding.PEM)


def certs_pem(certs: Iterable[x509.Certificate]) -> bytes:
    """Certificates concatenated in PEM, in the given order (leaf first for a chain)."""
    return b"".join(cert_pem(cert) for cert in certs)


def load_private_key(data: bytes, source: str) -> ec.EllipticCurvePrivateKey:
    """Load an unencrypted P-256 private key from PEM (PKCS#8 or SEC 1).

    Args:
        data: File content.
        source: What to name in errors (a path); the key itself is never shown.

    Returns:
        The private key.

    Raises:
        ConfigError: Not a readable unencrypted private key, or not P-256.
    """
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{source}: not an unencrypted PEM private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ConfigError(f"{source}: not a P-256 (prime256v1) EC private key")
    return key


def random_serial(taken: Optional[Collection[int]] = None) -> int:
    """A random positive certificate serial number of 159 bits, unused in ``taken``.

    159 bits keep the DER INTEGER at most 20 octets (RFC 5280 §4.1.2.2) and always positive,
    like the serials ``openssl x509 -CAcreateserial`` starts from.

    Args:
        taken: Serials already issued by this CA, if known.
    """
    while True:
        serial = secrets.randbits(159)
        if serial >= 1 << 64 and (taken is None or serial not in taken):
            return serial


def serial_hex(serial: int) -> str:
    """A serial number as upper-case hex with an even number of digits, as OpenSSL shows it."""
    text = format(serial, "X")
    return "0" + text if len(text) % 2 else text


def subject_key_id(public_key: ec.EllipticCurvePublicKey) -> x509.SubjectKeyIdentifier:
    """Subject key identifier: SHA-1 of the public key bits (RFC 5280 §4.2.1.2 method 1,
    what OpenSSL's ``subjectKeyIdentifier=hash`` computes)."""
    return x509.SubjectKeyIdentifier.from_public_key(public_key)


def authority_key_id(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    """Authority key identifier holding only the issuer's key id, as OpenSSL's
    ``authorityKeyIdentifier=keyid`` does: the issuer's own subject key identifier when it
    has one, else one computed from its public key."""
    try:
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        # An issuer's key signs: never one of the key-agreement types (X25519, X448, ML-KEM).
        key = cast(CertificateIssuerPublicKeyTypes, issuer.public_key())
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(key)
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def issue(
    *,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    issuer_name: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    not_before: datetime.datetime,
    not_after: datetime.datetime,
    extensions: Sequence[Extension] = (),
    serial: Optional[int] = None,
) -> x509.Certificate:
    """Sign an X.509 v3 certificate with ECDSA-SHA256.

    Args:
        subject: Subject name.
        public_key: Subject public key.
        issuer_name: The issuer's subject (equal to ``subject`` for a self-signed root).
        issuer_key: The issuer's private key.
        not_before: Start of validity (aware UTC datetime).
        not_after: End of validity (aware UTC datetime).
        extensions: Extensions in the order they should appear.
        serial: Serial number; a fresh :func:`random_serial` when None.

    Returns:
        The signed certificate.
    """
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(serial if serial is not None else random_serial())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    for value, critical in extensions:
        builder = builder.add_extension(value, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())
