"""P-256 key and certificate signing request from a ``dak.conf`` / ``device.conf``.

Replaces, for one file, the guide's::

    openssl ecparam -name prime256v1 > dak-params.pem
    openssl req -new -nodes -config dak.conf -newkey ec:dak-params.pem \\
        -keyout dak_private_key.pem -out dak.csr

The ``[ req ]`` section is read like ``openssl req`` with ``prompt = no``:
``distinguished_name`` names the subject section, ``default_md`` the digest (sha256,
sha384 or sha512), ``req_extensions`` optional extensions. ``default_bits``,
``encrypt_key``, ``default_keyfile``, ``x509_extensions`` and ``utf8`` are accepted and
have no effect (the key is always P-256 and, as with ``-nodes``, never encrypted).

Subject fields are written in section order, as UTF8String except the ones X.509 fixes
(countryName, serialNumber, dnQualifier: PrintableString; emailAddress,
domainComponent: IA5String) — what OpenSSL 3 does with its default ``utf8only`` mask.
A field may be repeated with a ``N.`` prefix (``0.OU = …``, ``1.OU = …``).

Source: guide "Provision AVS devices for FFS" step 2.3 and 3.1; OpenSSL ``req(1)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Type, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

from . import certs as C
from .extensions import build_extensions
from .files import KEY_MODE, OutputSet
from .opensslconf import OpenSSLConfig, load

__all__ = ["RequestSpec", "request_spec", "request_builder", "make_csr", "create_key_and_csr", "DIGESTS"]

# A request's signature hash: one that ``default_md`` may name.
_Digest = Union[hashes.SHA256, hashes.SHA384, hashes.SHA512]
#: ``default_md`` values → hash algorithms.
DIGESTS: Dict[str, Type[_Digest]] = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}

_FIELDS: Dict[str, ObjectIdentifier] = {
    "C": NameOID.COUNTRY_NAME,
    "countryName": NameOID.COUNTRY_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "stateOrProvinceName": NameOID.STATE_OR_PROVINCE_NAME,
    "L": NameOID.LOCALITY_NAME,
    "localityName": NameOID.LOCALITY_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "organizationName": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "organizationalUnitName": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "CN": NameOID.COMMON_NAME,
    "commonName": NameOID.COMMON_NAME,
    "emailAddress": NameOID.EMAIL_ADDRESS,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "street": NameOID.STREET_ADDRESS,
    "streetAddress": NameOID.STREET_ADDRESS,
    "title": NameOID.TITLE,
    "GN": NameOID.GIVEN_NAME,
    "givenName": NameOID.GIVEN_NAME,
    "SN": NameOID.SURNAME,
    "surname": NameOID.SURNAME,
    "initials": NameOID.INITIALS,
    "dnQualifier": NameOID.DN_QUALIFIER,
    "DC": NameOID.DOMAIN_COMPONENT,
    "domainComponent": NameOID.DOMAIN_COMPONENT,
    "UID": NameOID.USER_ID,
    "userId": NameOID.USER_ID,
    "postalCode": NameOID.POSTAL_CODE,
    "pseudonym": NameOID.PSEUDONYM,
    "generationQualifier": NameOID.GENERATION_QUALIFIER,
    "businessCategory": NameOID.BUSINESS_CATEGORY,
}
_KNOWN_REQ_KEYS = {
    "default_bits",
    "encrypt_key",
    "default_keyfile",
    "x509_extensions",
    "utf8",
    "default_md",
    "prompt",
    "distinguished_name",
    "req_extensions",
    "string_mask",
}


@dataclass(frozen=True)
class RequestSpec:
    """What a configuration asks a request to contain.

    Attributes:
        config: The parsed configuration.
        subject: Subject name.
        digest: Signature hash.
        extensions_section: ``req_extensions`` section name, or None.
    """

    config: OpenSSLConfig
    subject: x509.Name
    digest: _Digest
    extensions_section: Optional[str]


def _field_name(key: str) -> str:
    """OpenSSL skips everything up to the first ``.``, ``,`` or ``:`` (to allow repeats)."""
    for index, char in enumerate(key):
        if char in ".,:" and index + 1 < len(key):
            return key[index + 1 :]
    return key


def _subject(config: OpenSSLConfig, section: str, referenced_by) -> x509.Name:
    oids = config.oids()
    attributes: List[x509.NameAttribute] = []
    for entry in config.section(section, referenced_by):
        name = _field_name(entry.key)
        oid = oids.get(name) or _FIELDS.get(name)
        if oid is None:
            raise config.error(
                f"unknown subject field '{name}'; define it in the oid_section "
                "or use a standard name (C, ST, L, O, OU, CN…)",
                entry.line,
            )
        if not entry.value:
            raise config.error(f"subject field '{entry.key}' has an empty value", entry.line)
        try:
            attributes.append(x509.NameAttribute(oid, entry.value))
        except ValueError as exc:
            raise config.error(f"subject field '{entry.key}': {exc}", entry.line) from exc
    if not attributes:
        raise config.error(f"section [{section}] gives no subject field")
    return x509.Name(attributes)


def request_spec(config: OpenSSLConfig) -> RequestSpec:
    """Read the ``[ req ]`` section of a configuration.

    Raises:
        ConfigError: No ``[ req ]`` section, ``prompt`` not ``no``, unknown digest, unknown
            ``[ req ]`` key, missing subject section, unknown subject field.
    """
    entries = config.section("req")
    for entry in entries:
        if entry.key not in _KNOWN_REQ_KEYS:
            raise config.error(f"'{entry.key}' in [req] is not supported", entry.line)
    prompt = config.get("req", "prompt")
    if prompt is None or prompt.value.lower() != "no":
        raise config.error(
            "interactive prompting is not supported; set 'prompt = no' in [req]",
            prompt.line if prompt else config.headers["req"],
        )
    mask = config.get("req", "string_mask")
    if mask is not None and mask.value != "utf8only":
        raise config.error(f"string_mask {mask.value!r} is not supported (only utf8only)", mask.line)
    md = config.get("req", "default_md")
    if md is not None and md.value.lower() not in DIGESTS:
        raise config.error(f"default_md {md.value!r} is not supported; use one of {', '.join(DIGESTS)}", md.line)
    digest = DIGESTS[md.value.lower() if md else "sha256"]()
    dn = config.get("req", "distinguished_name")
    if dn is None:
        raise config.error("[req] has no 'distinguished_name'", config.headers["req"])
    ext = config.get("req", "req_extensions")
    if ext is not None:
        config.section(ext.value, ext)
    return RequestSpec(config, _subject(config, dn.value, dn), digest, ext.value if ext else None)


def request_builder(spec: RequestSpec, public_key: ec.EllipticCurvePublicKey) -> x509.CertificateSigningRequestBuilder:
    """The request ``spec`` describes for ``public_key`` (subject and extensions), unsigned."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(spec.subject)
    if spec.extensions_section:
        ref = spec.config.get("req", "req_extensions")
        for value, critical in build_extensions(spec.config, spec.extensions_section, public_key, None, ref):
            builder = builder.add_extension(value, critical=critical)
    return builder


def make_csr(spec: RequestSpec, key: ec.EllipticCurvePrivateKey) -> x509.CertificateSigningRequest:
    """Build and sign the request for ``key`` as ``spec`` describes."""
    return request_builder(spec, key.public_key()).sign(key, spec.digest)


def create_key_and_csr(
    config_path: Path, out_dir: Path, key_name: str, csr_name: str, *, overwrite: bool = False
) -> Tuple[Path, Path, x509.CertificateSigningRequest]:
    """Generate a P-256 key and its CSR from a configuration file; write both atomically.

    Args:
        config_path: ``dak.conf`` or ``device.conf``.
        out_dir: Output folder (created if missing; removed again on failure).
        key_name: Private-key file name (written mode 0600, PKCS#8 PEM).
        csr_name: CSR file name (PEM).
        overwrite: Replace existing output files.

    Returns:
        (key path, CSR path, the request).

    Raises:
        ConfigError: The configuration is unreadable or unsupported (nothing written).
        OutputError: The outputs cannot be written (nothing written).

    Source: guide step 2.3 (DAK) and step 3.1 (device).
    """
    spec = request_spec(load(config_path))
    key = C.generate_key()
    csr = make_csr(spec, key)
    out = OutputSet(Path(out_dir), overwrite=overwrite, create=True)
    key_path = out.add(key_name, C.private_key_pem(key), KEY_MODE)
    csr_path = out.add(csr_name, C.csr_pem(csr))
    out.commit()
    return key_path, csr_path, csr
