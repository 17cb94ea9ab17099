"""Certificate chains in PEM: load them, and check they are leaf-first and linked.

A device certificate chain (``certificate.pem``) lists the DHA certificate first, then
each issuer in turn: DAK, product, manufacturer and, in Amazon's files, the root. Each
certificate must be issued by the next one: its issuer name equals the next subject and
its signature verifies with the next public key.

Source: protocol §9 ("Client certificate = the device certificate chain in PEM, leaf
first"); RFC 5280 §6.1 (path validation; here only the name and signature links).
"""

from __future__ import annotations

import contextlib
import datetime
import warnings
from typing import Iterator, List, Optional, Sequence

from cryptography import exceptions as cexc
from cryptography import x509

from ..errors import ConfigError, InvalidSignature

__all__ = ["load_chain", "verify_links", "check_validity", "describe", "not_before", "not_after", "tolerant_names"]


@contextlib.contextmanager
def tolerant_names() -> Iterator[None]:
    """Silence cryptography's warning about over-long name attributes while reading names.

    Amazon's own product and manufacturer certificates have 68-character common names
    (over the 64 of RFC 5280's ub-common-name); they are real and must load quietly.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Attribute's length must be", category=UserWarning)
        yield


def describe(cert: x509.Certificate) -> str:
    """A short human name for a certificate: its subject in RFC 4514 form."""
    with tolerant_names():
        return cert.subject.rfc4514_string() or "<empty subject>"


def not_before(cert: x509.Certificate) -> datetime.datetime:
    """Start of validity as an aware UTC datetime (works on cryptography < 42 too)."""
    value = getattr(cert, "not_valid_before_utc", None)
    return value if value is not None else cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def not_after(cert: x509.Certificate) -> datetime.datetime:
    """End of validity as an aware UTC datetime (works on cryptography < 42 too)."""
    value = getattr(cert, "not_valid_after_utc", None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def load_chain(data: bytes, source: str) -> List[x509.Certificate]:
    """Parse every PEM certificate in ``data``, in file order.

    Args:
        data: File content (one or more ``BEGIN CERTIFICATE`` blocks).
        source: What to name in errors (a path).

    Returns:
        The certificates, at least one.

    Raises:
        ConfigError: No certificate, or a block that does not parse.
    """
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise ConfigError(f"{source}: no certificate found (expected PEM 'BEGIN CERTIFICATE' blocks)")
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise ConfigError(f"{source}: not a PEM certificate file ({exc})") from exc


def verify_links(certs: Sequence[x509.Certificate], source: str = "chain") -> None:
    """Check that each certificate is directly issued by the one after it.

    A self-signed last certificate (a root) must verify with its own key.

    Args:
        certs: The chain, leaf first.
        source: What to name in errors.

    Raises:
        ConfigError: A certificate's issuer name is not the next subject (wrong order).
        InvalidSignature: A signature does not verify with the next public key.
    """
    for index, cert in enumerate(certs):
        if index + 1 < len(certs):
            issuer = certs[index + 1]
        elif cert.issuer == cert.subject:
            issuer = cert
        else:
            return
        with tolerant_names():
            linked = cert.issuer == issuer.subject
        if not linked:
            raise ConfigError(
                f"{source}: certificate {index + 1} ({describe(cert)}) is not issued by "
                f"certificate {index + 2 if issuer is not cert else index + 1} ({describe(issuer)}); "
                "a chain must be ordered leaf first"
            )
        try:
            cert.verify_directly_issued_by(issuer)
        except (cexc.InvalidSignature, ValueError, TypeError) as exc:
            raise InvalidSignature(
                f"{source}: the signature of certificate {index + 1} ({describe(cert)}) does not "
                f"verify with the key of {describe(issuer)}"
            ) from exc


def check_validity(cert: x509.Certificate, source: str, at: Optional[datetime.datetime] = None) -> None:
    """Check that ``cert`` is inside its validity period at ``at`` (default: now).

    Raises:
        ConfigError: Expired or not yet valid; the message gives the dates.
    """
    at = at or datetime.datetime.now(datetime.timezone.utc)
    if at > not_after(cert):
        raise ConfigError(f"{source}: certificate {describe(cert)} expired on {not_after(cert):%Y-%m-%d %H:%M:%S} UTC")
    if at < not_before(cert):
        raise ConfigError(
            f"{source}: certificate {describe(cert)} is not valid before {not_before(cert):%Y-%m-%d %H:%M:%S} UTC"
        )
