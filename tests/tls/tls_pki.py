"""A throw-away PKI for the TLS tests, made with pyca/cryptography (never with wss.crypto).

Shapes follow protocol §9: the client chain is DHA leaf, DAK, product, manufacturer (4
certificates, leaf first) under a self-signed DHA-style root the server trusts; the server
certificate comes from a separate DSS CA the client trusts. Extra pieces for the negative
tests: an expired server certificate, one from a CA the client does not trust, and a
client chain under a root the server does not trust.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAME = "dss.wss.test"
_NOW = datetime.datetime.now(datetime.timezone.utc)
_DAY = datetime.timedelta(days=1)


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wss tests"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def issue(
    cn: str,
    issuer: Optional[Issued],
    *,
    ca: bool,
    dns: Tuple[str, ...] = (),
    ips: Tuple[str, ...] = (),
    not_before: datetime.datetime = _NOW - _DAY,
    not_after: datetime.datetime = _NOW + 365 * _DAY,
    server: bool = False,
) -> Issued:
    """One ECDSA P-256 / SHA-256 certificate; self-signed when ``issuer`` is None."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn) if issuer is None else issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                key_encipherment=False,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if dns or ips:
        names = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(a)) for a in ips]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if not ca:
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    signer = key if issuer is None else issuer.key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def leaf_for_key(cn: str, public_key_der: bytes, dak: Issued) -> x509.Certificate:
    """A client (DHA) leaf for a key whose private half we do not hold, e.g. one in a
    PKCS#11 token: its DER SubjectPublicKeyInfo, certified by ``dak``."""
    return (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(dak.cert.subject)
        .public_key(serialization.load_der_public_key(public_key_der))
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOW - _DAY)
        .not_valid_after(_NOW + 30 * _DAY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(dak.key, hashes.SHA256())
    )


def client_chain(root_cn: str) -> Tuple[Issued, List[Issued]]:
    """A DHA-shaped hierarchy: returns (root, [leaf, DAK, product, manufacturer])."""
    root = issue(f"{root_cn} Root Certificate", None, ca=True)
    manufacturer = issue(f"{root_cn} Manufacturer Certificate", root, ca=True)
    product = issue(f"{root_cn} Product_TESTTYPE Certificate", manufacturer, ca=True)
    dak = issue("DAK CA for TESTTYPE", product, ca=True)
    leaf = issue("TESTSERIAL01", dak, ca=False)
    return root, [leaf, dak, product, manufacturer]


@dataclass
class TestPKI:
    """Paths and PEM bytes of everything the TLS tests use (see the module docstring)."""

    dir: Path
    client_chain_pem: bytes  # leaf, DAK, product, manufacturer
    client_key_pem: bytes
    client_cas: List[Issued]  # DAK, product, manufacturer: the leaf's issuers
    client_root_pem: bytes  # the server trusts this
    rogue_chain_pem: bytes  # a chain under a root the server does not trust
    rogue_key_pem: bytes
    server_ca_pem: bytes  # the client trusts this
    other_ca_pem: bytes  # a CA that issued nothing the server presents
    server: Tuple[Path, Path]  # (cert chain, key) for SERVER_NAME, from server_ca
    expired_server: Tuple[Path, Path]
    untrusted_server: Tuple[Path, Path]  # for SERVER_NAME, from a CA the client does not trust
    address_server: Tuple[Path, Path]  # SERVER_NAME and the addresses 127.0.0.1 and ::1, from server_ca
    expired_address_server: Tuple[Path, Path]  # the same names, expired
    other_address_server: Tuple[Path, Path]  # SERVER_NAME and 127.0.0.2 only


def make_pki(out: Path) -> TestPKI:
    out.mkdir(parents=True, exist_ok=True)
    root, chain = client_chain("WSSTest DHA")
    rogue_root, rogue = client_chain("Rogue DHA")
    server_ca = issue("WSSTest DSS CA", None, ca=True)
    other_ca = issue("WSSTest Other CA", None, ca=True)
    names = (SERVER_NAME, "localhost")
    loopback = ("127.0.0.1", "::1")

    def server_files(stem: str, issued: Issued) -> Tuple[Path, Path]:
        cert, key = out / f"{stem}.pem", out / f"{stem}.key"
        cert.write_bytes(issued.cert_pem())
        key.write_bytes(issued.key_pem())
        return cert, key

    return TestPKI(
        dir=out,
        client_chain_pem=b"".join(c.cert_pem() for c in chain),
        client_key_pem=chain[0].key_pem(),
        client_cas=chain[1:],
        client_root_pem=root.cert_pem(),
        rogue_chain_pem=b"".join(c.cert_pem() for c in rogue),
        rogue_key_pem=rogue[0].key_pem(),
        server_ca_pem=server_ca.cert_pem(),
        other_ca_pem=other_ca.cert_pem(),
        server=server_files("server", issue(SERVER_NAME, server_ca, ca=False, dns=names, server=True)),
        expired_server=server_files(
            "expired",
            issue(
                SERVER_NAME,
                server_ca,
                ca=False,
                dns=names,
                server=True,
                not_before=_NOW - 30 * _DAY,
                not_after=_NOW - 2 * _DAY,
            ),
        ),
        untrusted_server=server_files("untrusted", issue(SERVER_NAME, other_ca, ca=False, dns=names, server=True)),
        address_server=server_files(
            "address", issue(SERVER_NAME, server_ca, ca=False, dns=(SERVER_NAME,), ips=loopback, server=True)
        ),
        expired_address_server=server_files(
            "expired-address",
            issue(
                SERVER_NAME,
                server_ca,
                ca=False,
                dns=(SERVER_NAME,),
                ips=loopback,
                server=True,
                not_before=_NOW - 30 * _DAY,
                not_after=_NOW - 2 * _DAY,
            ),
        ),
        other_address_server=server_files(
            "other-address",
            issue(SERVER_NAME, server_ca, ca=False, dns=(SERVER_NAME,), ips=("127.0.0.2",), server=True),
        ),
    )
