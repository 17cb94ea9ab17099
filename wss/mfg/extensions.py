"""X.509 v3 extensions from an OpenSSL configuration section (``-extfile … -extensions``).

Supported keys, each optionally starting with ``critical,``:

* ``basicConstraints = CA:TRUE|FALSE[, pathlen:N]``
* ``keyUsage = digitalSignature, keyEncipherment, …`` (OpenSSL names)
* ``extendedKeyUsage = serverAuth, clientAuth, …`` or dotted OIDs
* ``subjectKeyIdentifier = hash`` (``none``: left out)
* ``authorityKeyIdentifier = keyid[:always][, issuer[:always]]`` (``none``: left out;
  only when signing)
* ``subjectAltName = DNS:name, IP:address, email:addr, URI:uri``

Extensions appear in the certificate in the order of the section. When signing a
certificate, OpenSSL 3 (``openssl x509 -req -extfile``) then adds, unless the section
names them, ``subjectKeyIdentifier = hash`` and ``authorityKeyIdentifier = keyid``, in
that order; wss does the same, so its DHA certificates equal OpenSSL 3's. (OpenSSL 1.1
added neither, which is why Amazon's 2021 sample DHA has no subject key identifier;
write ``subjectKeyIdentifier = none`` to get that shape.) Any other key or value raises
:class:`wss.errors.ConfigError` naming the file and line.

Source: OpenSSL ``x509v3_config(5)``; RFC 5280 §4.2.1 (extension semantics).
"""

from __future__ import annotations

import ipaddress
from typing import Callable, Dict, List, Optional, Tuple

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from . import certs as C
from .opensslconf import Entry, OpenSSLConfig

__all__ = ["build_extensions", "KEY_USAGE_NAMES"]

#: OpenSSL keyUsage names → cryptography ``KeyUsage`` argument names.
KEY_USAGE_NAMES = {
    "digitalSignature": "digital_signature",
    "nonRepudiation": "content_commitment",
    "contentCommitment": "content_commitment",
    "keyEncipherment": "key_encipherment",
    "dataEncipherment": "data_encipherment",
    "keyAgreement": "key_agreement",
    "keyCertSign": "key_cert_sign",
    "cRLSign": "crl_sign",
    "encipherOnly": "encipher_only",
    "decipherOnly": "decipher_only",
}
_EKU_NAMES = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timeStamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "OCSPSigning": ExtendedKeyUsageOID.OCSP_SIGNING,
}


class _Context:
    def __init__(
        self, config: OpenSSLConfig, public_key: ec.EllipticCurvePublicKey, issuer: Optional[x509.Certificate]
    ) -> None:
        self.config, self.public_key, self.issuer = config, public_key, issuer

    def bad(self, entry: Entry, message: str):
        return self.config.error(f"{entry.key}: {message}", entry.line)


def _items(value: str) -> List[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _basic_constraints(ctx: _Context, entry: Entry, items: List[str]) -> Optional[x509.ExtensionType]:
    ca, path_length = None, None
    for item in items:
        name, _, arg = item.partition(":")
        if name == "CA" and arg.upper() in ("TRUE", "FALSE"):
            ca = arg.upper() == "TRUE"
        elif name == "pathlen" and arg.isdigit():
            path_length = int(arg)
        else:
            raise ctx.bad(entry, f"unsupported item {item!r}; expected CA:TRUE, CA:FALSE, pathlen:N")
    if ca is None:
        raise ctx.bad(entry, "CA:TRUE or CA:FALSE is required")
    if path_length is not None and not ca:
        raise ctx.bad(entry, "pathlen is only allowed with CA:TRUE")
    return x509.BasicConstraints(ca=ca, path_length=path_length)


def _key_usage(ctx: _Context, entry: Entry, items: List[str]) -> Optional[x509.ExtensionType]:
    flags = dict.fromkeys(set(KEY_USAGE_NAMES.values()), False)
    for item in items:
        if item not in KEY_USAGE_NAMES:
            raise ctx.bad(entry, f"unknown key usage {item!r}; known: {', '.join(KEY_USAGE_NAMES)}")
        flags[KEY_USAGE_NAMES[item]] = True
    if not any(flags.values()):
        raise ctx.bad(entry, "no key usage given")
    if (flags["encipher_only"] or flags["decipher_only"]) and not flags["key_agreement"]:
        raise ctx.bad(entry, "encipherOnly/decipherOnly need keyAgreement")
    return x509.KeyUsage(**flags)


def _extended_key_usage(ctx: _Context, entry: Entry, items: List[str]) -> Optional[x509.ExtensionType]:
    oids: List[ObjectIdentifier] = []
    for item in items:
        if item in _EKU_NAMES:
            oids.append(_EKU_NAMES[item])
        elif all(part.isdigit() for part in item.split(".")) and item.count(".") >= 1:
            oids.append(ObjectIdentifier(item))
        else:
            raise ctx.bad(entry, f"unknown extended key usage {item!r}; known: {', '.join(_EKU_NAMES)} or a dotted OID")
    if not oids:
        raise ctx.bad(entry, "no extended key usage given")
    return x509.ExtendedKeyUsage(oids)


def _subject_key_identifier(ctx: _Context, entry: Entry, items: List[str]) -> Optional[x509.ExtensionType]:
    if items == ["hash"]:
        return C.subject_key_id(ctx.public_key)
    if items == ["none"]:
        return None
    raise ctx.bad(entry, "only 'hash' or 'none' is supported")


def _authority_key_identifier(ctx: _Context, entry: Entry, items: List[str]) -> Optional[x509.ExtensionType]:
    if ctx.issuer is None:
        raise ctx.bad(entry, "only allowed when signing a certificate, not in a request")
    if items == ["none"]:
        return None
    want: Dict[str, int] = {}
    for item in items:
        name, _, arg = item.partition(":")
        if name not in ("keyid", "issuer") or arg not in ("", "always"):
            raise ctx.bad(entry, f"unsupported item {item!r}; expected keyid[:always], issuer[:always]")
        want[name] = 2 if arg else 1
    key_id = C.authority_key_id(ctx.issuer).key_identifier if "keyid" in want else None
    with_issuer = want.get("issuer") == 2 or (want.get("issuer") == 1 and key_id is None)
    if key_id is None and not with_issuer:
        return None
    return x509.AuthorityKeyIdentifier(
        key_identifier=key_id,
        authority_cert_issuer=[x509.DirectoryName(ctx.issuer.issuer)] if with_issuer else None,
        authority_cert_serial_number=ctx.issuer.serial_number if with_issuer else None,
    )


def _subject_alt_name(ctx: _Context, entry: Entry, items: List[str]) -> Optional[x509.ExtensionType]:
    names: List[x509.GeneralName] = []
    for item in items:
        kind, _, value = item.partition(":")
        try:
            if kind == "DNS":
                names.append(x509.DNSName(value))
            elif kind == "IP":
                names.append(x509.IPAddress(ipaddress.ip_address(value)))
            elif kind == "email":
                names.append(x509.RFC822Name(value))
            elif kind == "URI":
                names.append(x509.UniformResourceIdentifier(value))
            else:
                raise ctx.bad(entry, f"unsupported name {item!r}; expected DNS:, IP:, email: or URI:")
        except ValueError as exc:
            raise ctx.bad(entry, f"bad name {item!r}: {exc}") from exc
    if not names:
        raise ctx.bad(entry, "no names given")
    return x509.SubjectAlternativeName(names)


_BUILDERS: Dict[str, Callable[[_Context, Entry, List[str]], Optional[x509.ExtensionType]]] = {
    "basicConstraints": _basic_constraints,
    "keyUsage": _key_usage,
    "extendedKeyUsage": _extended_key_usage,
    "subjectKeyIdentifier": _subject_key_identifier,
    "authorityKeyIdentifier": _authority_key_identifier,
    "subjectAltName": _subject_alt_name,
}


def build_extensions(
    config: OpenSSLConfig,
    section: str,
    public_key: ec.EllipticCurvePublicKey,
    issuer: Optional[x509.Certificate] = None,
    referenced_by: Optional[Entry] = None,
) -> List[C.Extension]:
    """Turn the ``key = value`` lines of ``section`` into extensions.

    Args:
        config: The parsed configuration.
        section: Section name (``-extensions`` / ``req_extensions``).
        public_key: The subject public key (for ``subjectKeyIdentifier = hash``).
        issuer: The issuing CA certificate (for ``authorityKeyIdentifier``); None for a CSR.
        referenced_by: The entry naming the section, cited if it is missing.

    Returns:
        (extension, critical) pairs in section order, then the OpenSSL 3 defaults
        (when ``issuer`` is given).

    Raises:
        ConfigError: Missing section, unknown key, bad value, or a key given twice.
    """
    ctx = _Context(config, public_key, issuer)
    result: List[Tuple[x509.ExtensionType, bool]] = []
    seen: Dict[str, int] = {}
    for entry in config.section(section, referenced_by):
        builder = _BUILDERS.get(entry.key)
        if builder is None:
            raise ctx.bad(entry, f"extension not supported; supported: {', '.join(_BUILDERS)}")
        if entry.key in seen:
            raise ctx.bad(entry, f"given twice (first on line {seen[entry.key]})")
        seen[entry.key] = entry.line
        items = _items(entry.value)
        critical = bool(items) and items[0] == "critical"
        value = builder(ctx, entry, items[1:] if critical else items)
        if value is not None:
            result.append((value, critical))
    if issuer is not None:  # OpenSSL 3 defaults for a signed certificate
        if "subjectKeyIdentifier" not in seen:
            result.append((C.subject_key_id(public_key), False))
        if "authorityKeyIdentifier" not in seen:
            result.append((C.authority_key_id(issuer), False))
    return result
