"""Who is calling: the device identity read from a verified TLS client certificate.

The device type comes from the certificate subject attribute OID
``1.3.6.1.4.1.4843.1.3``, the device serial from ``1.3.6.1.4.1.4843.1.1``, and the DHA
public key is identified by the SHA-256 of its DER SubjectPublicKeyInfo. JSON request
bodies are never trusted for any of these.

Source: protocol §9 (certificate OIDs), §13 (device type never sent in JSON).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Optional

from cryptography import x509
from cryptography.hazmat.primitives import serialization

__all__ = ["DEVICE_TYPE_OID", "DEVICE_SERIAL_OID", "ClientIdentity", "identity_from_certificate", "spki_der_of"]

DEVICE_TYPE_OID = x509.ObjectIdentifier("1.3.6.1.4.1.4843.1.3")
DEVICE_SERIAL_OID = x509.ObjectIdentifier("1.3.6.1.4.1.4843.1.1")


@dataclass(frozen=True)
class ClientIdentity:
    """A provisionee as the cloud sees it.

    Attributes:
        device_type: Device type id (e.g. ``A3K2R0ZE9ZRABY``), or None if the
            certificate lacks the attribute.
        serial: Device serial, or None if absent.
        public_key_der: DER SubjectPublicKeyInfo of the DHA key (91 bytes for P-256).
        public_key_sha256: Lower-case hex SHA-256 of ``public_key_der``.
        subject: The certificate subject in RFC 4514 form (for logs and transcripts).
    """

    device_type: Optional[str]
    serial: Optional[str]
    public_key_der: bytes
    public_key_sha256: str
    subject: str

    def summary(self) -> dict:
        """Return the identity as a JSON-ready dict (no key material beyond its hash)."""
        return {"device_type": self.device_type, "serial": self.serial, "public_key_sha256": self.public_key_sha256}


def spki_der_of(certificate: x509.Certificate) -> bytes:
    """Return the DER SubjectPublicKeyInfo of a certificate's public key."""
    return certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> Optional[str]:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def identity_from_certificate(certificate: x509.Certificate | bytes) -> ClientIdentity:
    """Read the device identity from a (leaf) DHA certificate.

    Args:
        certificate: The certificate, parsed or as DER bytes (what
            ``ssl.SSLSocket.getpeercert(binary_form=True)`` returns).

    Returns:
        The identity.

    Raises:
        ValueError: The DER cannot be parsed.

    Source: protocol §9.
    """
    if isinstance(certificate, (bytes, bytearray)):
        certificate = x509.load_der_x509_certificate(bytes(certificate))
    spki = spki_der_of(certificate)
    return ClientIdentity(
        device_type=_attribute(certificate.subject, DEVICE_TYPE_OID),
        serial=_attribute(certificate.subject, DEVICE_SERIAL_OID),
        public_key_der=spki,
        public_key_sha256=hashlib.sha256(spki).hexdigest(),
        subject=certificate.subject.rfc4514_string(),
    )
