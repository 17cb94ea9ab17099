"""A complete development PKI: DHA hierarchy, device-type cloud key, DSS TLS server.

``create_dev_pki`` makes, in one new folder, everything the local Device Setup Service
(DSS) and a provisionee need to run mutual TLS and signed responses without Amazon:

* the DHA hierarchy root → manufacturer → product → DAK → DHA, all ECDSA P-256 with
  SHA-256, subject names and extensions shaped like Amazon's sample chain (protocol §9);
* the device-type "cloud" key pair (the DSS signs responses with the private key; the
  device verifies them and derives its setup passphrase with the public key, §7.1, §8.2);
* a TLS server certificate for the DSS, valid for ``localhost``, ``127.0.0.1``, ``::1``
  and the DSS host name ``dp-sps-na.amazon.com`` (§8.1), under its own small CA.

Layout (``DIR`` = ``out_dir``; key files mode 0600)::

    DIR/dha-root.pem                 trust anchor for device chains (the DSS uses it)
    DIR/device/certificate.pem       DHA, DAK, product, manufacturer (leaf first)
    DIR/device/private_key.pem       the DHA private key (PKCS#8)
    DIR/device/product_index         4 characters, no newline (the same for every device)
    DIR/devices/0001/…               with devices=N: N more devices, same three files
    DIR/cloud/private_key.pem        device-type key pair: PKCS#8 …
    DIR/cloud/public_key.pem         … and SubjectPublicKeyInfo
    DIR/dss/certificate.pem          DSS TLS server certificate
    DIR/dss/private_key.pem          its key
    DIR/dss/ca.pem                   the CA the device trusts for the DSS
    DIR/ca/dak-certificate.pem       DAK, product, manufacturer: like Amazon's dak-certificate.pem
    DIR/ca/dak_private_key.pem       the DAK key, to issue more devices with ``wss mfg sign``
    DIR/ca/device.conf               a device.conf for this device type (``--extensions req_ext``)

Each DHA certificate's subject carries the device type (OID 1.3.6.1.4.1.4843.1.3) and a
12-character device serial unique within the PKI (OID 1.3.6.1.4.1.4843.1.1), like
Amazon's sample; its extensions are the ones ``wss mfg sign`` gives with
``ca/device.conf`` (authority key id, keyUsage digitalSignature + keyEncipherment,
subject key id). Every certificate is valid from one day before creation for
``valid_days`` (default 20 years). The folder is built under a temporary name and renamed
when complete, so it is never seen half-made.

Source: issue 4 (``dev-pki``); protocol §7.1, §8.1, §8.2, §9.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Set, Tuple

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..errors import ConfigError
from . import certs as C
from .extensions import build_extensions
from .files import KEY_MODE, OutputError, staged_dir, write_new_file
from .opensslconf import parse

__all__ = ["DevPKI", "DeviceFiles", "create_dev_pki", "DSS_HOST", "SAFE_ALPHABET"]

#: Default DSS host name (protocol §8.1); the dev server certificate is valid for it.
DSS_HOST = "dp-sps-na.amazon.com"
SAFE_ALPHABET = C.SAFE_ALPHABET
#: Default lifetime of every certificate: 20 years.
DEFAULT_VALID_DAYS = 7305

_DEVICE_TYPE_RE = re.compile(r"[A-Za-z0-9]{1,64}\Z")
_PRODUCT_INDEX_RE = re.compile(r"[\x21-\x7e]{4}\Z")


@dataclass(frozen=True)
class DeviceFiles:
    """The files of one development device.

    Attributes:
        folder: The device folder.
        certificate: ``certificate.pem`` — DHA, DAK, product, manufacturer (leaf first).
        private_key: ``private_key.pem`` — the DHA key (PKCS#8 PEM, mode 0600).
        product_index: ``product_index`` — 4 ASCII characters, no newline.
        serial: The device serial in the DHA subject (OID 1.3.6.1.4.1.4843.1.1).
    """

    folder: Path
    certificate: Path
    private_key: Path
    product_index: Path
    serial: str


@dataclass(frozen=True)
class DevPKI:
    """Paths of a development PKI made by :func:`create_dev_pki` (see the module layout)."""

    folder: Path
    device_type: str
    product_index: str
    dha_root: Path
    device: DeviceFiles
    devices: Tuple[DeviceFiles, ...]
    cloud_private_key: Path
    cloud_public_key: Path
    dss_certificate: Path
    dss_private_key: Path
    dss_ca: Path
    dak_certificate: Path
    dak_private_key: Path
    device_conf: Path


def _name(*pairs: Tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs])


def _ca_extensions(
    public_key: ec.EllipticCurvePublicKey,
    issuer: Optional[x509.Certificate],
    path_length: Optional[int],
    crl_sign: bool,
) -> List[C.Extension]:
    """Extensions of a CA certificate in the order Amazon's chain uses them."""
    ski = C.subject_key_id(public_key)
    aki = (
        C.authority_key_id(issuer)
        if issuer is not None
        else x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    )
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )
    return [(x509.BasicConstraints(ca=True, path_length=path_length), True), (ski, False), (aki, False), (usage, True)]


class _Issuer:
    """A CA key and certificate, issuing children valid over a fixed period."""

    def __init__(
        self,
        cert: x509.Certificate,
        key: ec.EllipticCurvePrivateKey,
        period: Tuple[datetime.datetime, datetime.datetime],
    ) -> None:
        self.cert, self.key, self.period = cert, key, period

    @classmethod
    def root(cls, subject: x509.Name, period: Tuple[datetime.datetime, datetime.datetime]) -> _Issuer:
        key = C.generate_key()
        cert = C.issue(
            subject=subject,
            public_key=key.public_key(),
            issuer_name=subject,
            issuer_key=key,
            not_before=period[0],
            not_after=period[1],
            extensions=_ca_extensions(key.public_key(), None, None, True),
        )
        return cls(cert, key, period)

    def sub_ca(self, subject: x509.Name, path_length: Optional[int] = None, crl_sign: bool = True) -> _Issuer:
        key = C.generate_key()
        cert = self.child(subject, key.public_key(), _ca_extensions(key.public_key(), self.cert, path_length, crl_sign))
        return _Issuer(cert, key, self.period)

    def child(
        self, subject: x509.Name, public_key: ec.EllipticCurvePublicKey, extensions: List[C.Extension]
    ) -> x509.Certificate:
        return C.issue(
            subject=subject,
            public_key=public_key,
            issuer_name=self.cert.subject,
            issuer_key=self.key,
            not_before=self.period[0],
            not_after=self.period[1],
            extensions=extensions,
        )


def _server_extensions(public_key: ec.EllipticCurvePublicKey, ca: x509.Certificate, host: str) -> List[C.Extension]:
    names = [
        x509.DNSName(host),
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (usage, True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.SubjectAlternativeName(names), False),
        (C.subject_key_id(public_key), False),
        (C.authority_key_id(ca), False),
    ]


def device_conf_text(device_type: str) -> str:
    """A ``device.conf`` like the developer console's, for ``device_type``."""
    return (
        "oid_section = OIDs\n\n[ req ]\ndefault_bits = 256\nprompt = no\nencrypt_key = no\n"
        "default_md = sha256\ndistinguished_name = dn\n\n[ OIDs ]\n"
        f"DeviceTypeId={C.DEVICE_TYPE_OID.dotted_string}\n\n[ dn ]\nDeviceTypeId={device_type}\n\n"
        "[ req_ext ]\nauthorityKeyIdentifier=keyid\nkeyUsage=digitalSignature,keyEncipherment\n"
    )


def _write_device(
    folder: Path, dak: _Issuer, upper_chain: List[x509.Certificate], device_type: str, product_index: str, serial: str
) -> DeviceFiles:
    folder.mkdir(parents=True)
    key = C.generate_key()
    subject = _name((C.DEVICE_TYPE_OID, device_type), (C.DEVICE_SERIAL_OID, serial))
    # the extensions `wss mfg sign --extensions req_ext` gives with this type's device.conf
    extensions = build_extensions(
        parse(device_conf_text(device_type), "device.conf"), "req_ext", key.public_key(), dak.cert
    )
    cert = dak.child(subject, key.public_key(), extensions)
    files = DeviceFiles(
        folder=folder,
        certificate=folder / "certificate.pem",
        private_key=folder / "private_key.pem",
        product_index=folder / "product_index",
        serial=serial,
    )
    write_new_file(files.certificate, C.certs_pem([cert, dak.cert] + upper_chain))
    write_new_file(files.private_key, C.private_key_pem(key), KEY_MODE)
    write_new_file(files.product_index, product_index.encode("ascii"))
    return files


def _validate(device_type: str, devices: int, product_index: Optional[str], vendor_id: str, valid_days: int) -> None:
    if not _DEVICE_TYPE_RE.match(device_type):
        raise ConfigError(f"device type {device_type!r}: expected 1-64 letters and digits")
    if not 0 <= devices <= 9999:
        raise ConfigError(f"devices={devices}: expected 0 to 9999")
    if product_index is not None and not _PRODUCT_INDEX_RE.match(product_index):
        raise ConfigError(f"product index {product_index!r}: expected 4 printable ASCII characters")
    if not _DEVICE_TYPE_RE.match(vendor_id):
        raise ConfigError(f"vendor id {vendor_id!r}: expected 1-64 letters and digits")
    if valid_days < 2:
        raise ConfigError(f"valid_days={valid_days}: expected at least 2")


def create_dev_pki(
    out_dir: Path,
    devices: int = 0,
    device_type: str = "A3K2R0ZE9ZRABY",
    *,
    product_index: Optional[str] = None,
    vendor_id: str = "WSSDEV0001",
    dss_host: str = DSS_HOST,
    valid_days: int = DEFAULT_VALID_DAYS,
    overwrite: bool = False,
) -> DevPKI:
    """Create a development PKI in the new folder ``out_dir`` (layout: module docstring).

    Args:
        out_dir: Folder to create; it must not exist or be empty, unless ``overwrite``.
        devices: How many extra devices to make under ``devices/0001`` … (0-9999), in
            addition to ``device/``.
        device_type: Device type id put in the DAK and DHA subjects (letters/digits).
        product_index: The 4-character product index; random from :data:`SAFE_ALPHABET`
            when None.
        vendor_id: Vendor id in the manufacturer and product common names.
        dss_host: DSS host name the TLS server certificate is valid for (besides
            ``localhost``, ``127.0.0.1`` and ``::1``).
        valid_days: Certificate lifetime in days, counted from one day before now.
        overwrite: Replace an existing non-empty ``out_dir`` (only once the new one is complete).

    Returns:
        The paths, as a :class:`DevPKI`.

    Raises:
        ConfigError: A bad argument.
        OutputError: ``out_dir`` exists and is not empty, or cannot be created; nothing is
            left behind.

    Source: issue 4 (dev-pki); protocol §9.
    """
    out_dir = Path(out_dir)
    _validate(device_type, devices, product_index, vendor_id, valid_days)
    index = product_index if product_index is not None else C.random_text(4)
    start = C.utcnow() - datetime.timedelta(days=1)
    period = (start, start + datetime.timedelta(days=valid_days))
    vendor = f"DevDHA VendorID_{vendor_id}"
    place = [
        (NameOID.COUNTRY_NAME, "US"),
        (NameOID.STATE_OR_PROVINCE_NAME, "Washington"),
        (NameOID.LOCALITY_NAME, "Seattle"),
        (NameOID.ORGANIZATION_NAME, "WSS Development"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "Device Management"),
    ]
    root = _Issuer.root(
        _name(
            (NameOID.ORGANIZATION_NAME, "WSS Development"),
            (NameOID.ORGANIZATIONAL_UNIT_NAME, "Device Management Services"),
            (NameOID.LOCALITY_NAME, "Seattle"),
            (NameOID.STATE_OR_PROVINCE_NAME, "Washington"),
            (NameOID.COUNTRY_NAME, "US"),
            (NameOID.COMMON_NAME, "DevDHA Root Certificate"),
        ),
        period,
    )
    manufacturer = root.sub_ca(_name(*place, (NameOID.COMMON_NAME, f"{vendor}_Manufacturer Certificate")))
    product = manufacturer.sub_ca(_name(*place, (NameOID.COMMON_NAME, f"{vendor}_Product_{device_type} Certificate")))
    dak = product.sub_ca(
        _name((C.DEVICE_TYPE_OID, device_type), (C.DAK_TYPE_OID, "SoftwareDev")), path_length=0, crl_sign=False
    )
    upper = [product.cert, manufacturer.cert]
    cloud_key = C.generate_key()
    dss_ca = _Issuer.root(
        _name((NameOID.ORGANIZATION_NAME, "WSS Development"), (NameOID.COMMON_NAME, "WSS Dev DSS Root CA")), period
    )
    dss_key = C.generate_key()
    dss_cert = dss_ca.child(
        _name((NameOID.ORGANIZATION_NAME, "WSS Development"), (NameOID.COMMON_NAME, dss_host)),
        dss_key.public_key(),
        _server_extensions(dss_key.public_key(), dss_ca.cert, dss_host),
    )
    serials: Set[str] = set()

    def new_serial() -> str:
        while True:
            serial = C.random_text(12)
            if serial not in serials:
                serials.add(serial)
                return serial

    final = out_dir
    with staged_dir(out_dir, overwrite=overwrite) as tmp:

        def rel(path: Path) -> Path:
            return final / path.relative_to(tmp)

        def moved(files: DeviceFiles) -> DeviceFiles:
            return DeviceFiles(
                rel(files.folder),
                rel(files.certificate),
                rel(files.private_key),
                rel(files.product_index),
                files.serial,
            )

        try:
            write_new_file(tmp / "dha-root.pem", C.cert_pem(root.cert))
            device = _write_device(tmp / "device", dak, upper, device_type, index, new_serial())
            extra = [
                _write_device(tmp / "devices" / f"{n:04d}", dak, upper, device_type, index, new_serial())
                for n in range(1, devices + 1)
            ]
            for sub in ("cloud", "dss", "ca"):
                (tmp / sub).mkdir()
            write_new_file(tmp / "cloud" / "private_key.pem", C.private_key_pem(cloud_key), KEY_MODE)
            write_new_file(tmp / "cloud" / "public_key.pem", C.public_key_pem(cloud_key.public_key()))
            write_new_file(tmp / "dss" / "certificate.pem", C.cert_pem(dss_cert))
            write_new_file(tmp / "dss" / "private_key.pem", C.private_key_pem(dss_key), KEY_MODE)
            write_new_file(tmp / "dss" / "ca.pem", C.cert_pem(dss_ca.cert))
            write_new_file(tmp / "ca" / "dak-certificate.pem", C.certs_pem([dak.cert] + upper))
            write_new_file(tmp / "ca" / "dak_private_key.pem", C.private_key_pem(dak.key), KEY_MODE)
            write_new_file(tmp / "ca" / "device.conf", device_conf_text(device_type).encode("ascii"))
        except OSError as exc:
            raise OutputError(
                f"cannot write the development PKI into {out_dir}: {exc.strerror or exc}; nothing written"
            ) from exc
        device, extra = moved(device), [moved(files) for files in extra]
    return DevPKI(
        folder=final,
        device_type=device_type,
        product_index=index,
        dha_root=final / "dha-root.pem",
        device=device,
        devices=tuple(extra),
        cloud_private_key=final / "cloud" / "private_key.pem",
        cloud_public_key=final / "cloud" / "public_key.pem",
        dss_certificate=final / "dss" / "certificate.pem",
        dss_private_key=final / "dss" / "private_key.pem",
        dss_ca=final / "dss" / "ca.pem",
        dak_certificate=final / "ca" / "dak-certificate.pem",
        dak_private_key=final / "ca" / "dak_private_key.pem",
        device_conf=final / "ca" / "device.conf",
    )
