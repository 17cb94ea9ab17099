"""A device's credential files, and a :class:`DefaultCompat` assembled from them.

The files are those ``wss mfg dev-pki`` writes (or a production device's equivalents)::

    DIR/device/certificate.pem    device chain, leaf (DHA) first
    DIR/device/private_key.pem    the device key, or instead:
    DIR/device/private_key.pkcs11 one line, an RFC 7512 pkcs11: URI naming it in a token
                                  (docs/pkcs11.md)
    DIR/device/product_index      4 characters
    DIR/dss/ca.pem                trust anchors for the DSS server certificate
    DIR/cloud/public_key.pem      the device type's cloud public key
    DIR/cloud/private_key.pem     the cloud private key: only the simulated provisioner of
                                  the mock radio uses it, never the device

Source: protocol §5 (device values), §9 (client chain, key, server trust), issue 4
(dev-pki layout).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional, Union

from .._files import read_bounded
from ..errors import ConfigError

__all__ = [
    "DeviceFiles",
    "DeviceCredentials",
    "load_credentials",
    "load_private_key",
    "load_device_key",
    "load_public_key_der",
    "build_default_compat",
    "SERIAL_OID",
]

PathLike = Union[str, Path]

#: A product index: 4 printable ASCII characters, no space (protocol §5, §7.1).
_PRODUCT_INDEX = re.compile(r"[\x21-\x7e]{4}")

#: Subject OID of the device serial in a DHA certificate (protocol §9).
SERIAL_OID = "1.3.6.1.4.1.4843.1.1"


@dataclass(frozen=True)
class DeviceFiles:
    """Where a device's credentials are.

    Attributes:
        device_chain: PEM chain, leaf first.
        device_key: PEM private key of the leaf, or an RFC 7512 ``pkcs11:`` URI naming it
            in a token (docs/pkcs11.md).
        dss_ca: PEM trust anchors for the DSS.
        cloud_public_key: PEM cloud public key of the device type.
        product_index: the 4-character product index, or a file holding it.
        cloud_private_key: PEM cloud private key, for the mock radio's provisioner only.
        pkcs11_module: the PKCS#11 module of a ``pkcs11:`` device key's token.
        pkcs11_pin_env: the environment variable holding that token's PIN (or the URI's
            ``pin-source``; neither: no login).
    """

    device_chain: Path
    device_key: Union[Path, str]
    dss_ca: Path
    cloud_public_key: Path
    product_index: Union[str, Path]
    cloud_private_key: Optional[Path] = None
    pkcs11_module: Optional[str] = None
    pkcs11_pin_env: Optional[str] = None

    @classmethod
    def from_pki(cls, pki_dir: PathLike, **overrides: Any) -> DeviceFiles:
        """The files of a ``wss mfg dev-pki`` folder; keyword arguments replace single files.

        Raises:
            ConfigError: ``pki_dir`` is not a folder.
        """
        root = Path(pki_dir)
        if not root.is_dir():
            raise ConfigError(f"{root}: PKI folder not found")
        files = cls(
            root / "device" / "certificate.pem",
            _pki_device_key(root / "device"),
            root / "dss" / "ca.pem",
            root / "cloud" / "public_key.pem",
            root / "device" / "product_index",
            root / "cloud" / "private_key.pem",
        )
        return replace(files, **{k: v for k, v in overrides.items() if v is not None})

    def read(self, name: str) -> bytes:
        """The bytes of file ``name`` (an attribute name).

        Raises:
            ConfigError: the file is missing, a folder, unreadable or larger than 1 MiB
                (the message names it).
        """
        return read_bounded(Path(getattr(self, name)), name.replace("_", " "))

    def product_index_text(self) -> str:
        """The product index, read from its file when it is one.

        Raises:
            ConfigError: not 4 printable ASCII characters (protocol §5: they go into the
                encoded SSID).
        """
        value = self.product_index
        if isinstance(value, Path) or (isinstance(value, str) and Path(value).is_file()):
            text = self.read("product_index").decode("ascii", "replace").strip()
            if not _PRODUCT_INDEX.fullmatch(text):  # never quote the file: it may be a key by mistake
                raise ConfigError(f"{value}: holds no product index (4 printable ASCII characters)")
            return text
        if not _PRODUCT_INDEX.fullmatch(value):
            raise ConfigError(f"product index must be 4 printable ASCII characters, got {value!r}")
        return value


def _pki_device_key(device_dir: Path) -> Union[Path, str]:
    """``private_key.pem``, or the URI in ``private_key.pkcs11`` when only that exists.

    Raises:
        ConfigError: the URI file is unreadable or holds no valid ``pkcs11:`` URI.
    """
    pem, uri_file = device_dir / "private_key.pem", device_dir / "private_key.pkcs11"
    if pem.exists() or not uri_file.exists():
        return pem
    from ..crypto._pkcs11 import parse_pkcs11_uri
    from ..errors import UsageError

    uri = read_bounded(uri_file, "device key URI", 4096).decode("utf-8", "replace").strip()
    try:
        parse_pkcs11_uri(uri)
    except UsageError as exc:  # never quote the file: it may hold a PIN by mistake
        raise ConfigError(f"{uri_file}: {exc}") from None
    return uri


def _serial_of(chain_pem: bytes) -> Optional[str]:
    """The device serial in the leaf certificate's subject, if it has one (§9); read by
    mbedTLS in the C core (a chain it cannot parse is refused by :func:`load_credentials`)."""
    from ..crypto import certificate_subject_attribute
    from ..errors import InvalidKey

    try:
        return certificate_subject_attribute(chain_pem, SERIAL_OID)
    except InvalidKey:
        return None


def _certificates(path: Path, data: bytes, what: str) -> bytes:
    """``data`` when it is a PEM bundle whose every certificate parses (in the C core).

    Raises:
        ConfigError: no ``CERTIFICATE`` block, or one that does not parse (names ``path``).
    """
    from ..crypto import certificate_subject_attribute
    from ..errors import InvalidKey

    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise ConfigError(f"{path}: the {what} holds no PEM certificate ('-----BEGIN CERTIFICATE-----')")
    try:
        certificate_subject_attribute(data, "2.5.4.3")
    except InvalidKey as exc:
        raise ConfigError(f"{path}: the {what} holds a certificate that does not parse ({exc})") from None
    return data


def load_private_key(path: Path, what: str) -> Any:
    """A P-256 private key from a PEM file, held by the C core.

    Raises:
        ConfigError: unreadable, not PEM, or not a P-256 key (names ``path`` and ``what``).
    """
    from ..crypto import PrivateKey
    from ..errors import InvalidKey

    try:
        return PrivateKey.from_pem(read_bounded(path, what))
    except InvalidKey as exc:
        raise ConfigError(f"{path}: not a usable {what}: {exc}") from None


def load_device_key(files: DeviceFiles) -> Any:
    """The device key: a PEM file's, or a PKCS#11 token's (``files.device_key`` a
    ``pkcs11:`` URI; docs/pkcs11.md).

    Raises:
        ConfigError: as :func:`load_private_key`; for a token key, one line naming the URI
            (or the module) and what the token refused, never the PIN.
    """
    from ..crypto import PrivateKey
    from ..errors import TokenError

    key = files.device_key
    if not (isinstance(key, str) and key.startswith("pkcs11:")):
        return load_private_key(Path(key), "device private key")
    try:
        return PrivateKey.from_pkcs11(key, files.pkcs11_module, pin_env=files.pkcs11_pin_env)
    except TokenError as exc:
        raise ConfigError(f"device key: {exc}") from None


def load_public_key_der(path: Path, what: str) -> bytes:
    """A P-256 public key from a PEM file, as its DER SubjectPublicKeyInfo (91 bytes).

    Raises:
        ConfigError: unreadable, not a PEM public key, or not P-256 (names ``path``).
    """
    from ..crypto import public_key_der_from_pem
    from ..errors import InvalidKey

    try:
        return public_key_der_from_pem(read_bounded(path, what))
    except InvalidKey as exc:
        raise ConfigError(f"{path}: not a usable {what}: {exc}") from None


@dataclass(frozen=True)
class DeviceCredentials:
    """A device's credential files, read and checked (:func:`load_credentials`).

    Attributes:
        files: where they came from.
        tls_config: the mutual-TLS configuration: the chain, the key, the DSS trust
            anchors and the TLS timeouts.
        device_key: the device's private key (held by the C core).
        cloud_public_key_der: the device type's cloud public key, DER (91 bytes).
        product_index: the 4-character product index.
        serial_number: the device serial in the leaf certificate's subject, or None.
    """

    files: DeviceFiles
    tls_config: Any = field(repr=False)
    device_key: Any = field(repr=False)
    cloud_public_key_der: bytes = field(repr=False)
    product_index: str
    serial_number: Optional[str]


def load_credentials(files: DeviceFiles, tls_timeout_s: float = 10.0) -> DeviceCredentials:
    """Read and check every credential file; each problem is one line naming its file.

    Args:
        files: where the files are.
        tls_timeout_s: the TLS handshake, read and write timeouts, seconds.
    Returns:
        The checked credentials.
    Raises:
        ConfigError: a file is missing, unreadable, holds no certificate or key of the
            right kind (P-256), a certificate does not parse, the key does not belong to
            the chain's first certificate, or the chain is too long. The message names
            the file (both files for a key that does not match its chain).
    Source: protocol §5, §9 (chain of 1 to 5 certificates, P-256 key).
    """
    from ..errors import InvalidKey, TLSError, TokenError
    from ..tls import MAX_CHAIN_LENGTH, TLSConfig

    chain = _certificates(files.device_chain, files.read("device_chain"), "device certificate chain")
    trust = _certificates(files.dss_ca, files.read("dss_ca"), "DSS trust anchors")
    key = load_device_key(files)
    cloud = load_public_key_der(files.cloud_public_key, "cloud public key")
    product_index = files.product_index_text()
    try:
        tls = TLSConfig(
            chain,
            key,
            trust,
            handshake_timeout_s=tls_timeout_s,
            read_timeout_s=tls_timeout_s,
            write_timeout_s=tls_timeout_s,
        )
    except InvalidKey:
        raise ConfigError(
            f"{files.device_key}: the key does not belong to the first certificate of {files.device_chain}"
        ) from None
    except TokenError as exc:  # a token key where this mbedTLS cannot sign TLS with one
        raise ConfigError(f"{files.device_key}: {exc}") from None
    except TLSError as exc:
        count = chain.count(b"-----BEGIN CERTIFICATE-----")
        if count > MAX_CHAIN_LENGTH:
            raise ConfigError(
                f"{files.device_chain}: {count} certificates; a device chain holds 1 to {MAX_CHAIN_LENGTH}"
            ) from None
        raise ConfigError(f"{files.device_chain}, {files.dss_ca}: {exc}") from None
    return DeviceCredentials(files, tls, key, cloud, product_index, _serial_of(chain))


def build_default_compat(
    driver: Any,
    files: Union[DeviceFiles, DeviceCredentials],
    store: Any,
    *,
    dss_host: Optional[str] = None,
    dss_port: Optional[int] = None,
    setup_port: Optional[int] = None,
    policy: Any = None,
    setup_network: Any = None,
    kill_switch: Any = None,
    tls_timeout_s: float = 10.0,
    clock: Any = None,
    **configuration: Any,
) -> Any:
    """Load a device's files and build its :class:`~wss.platform.default.DefaultCompat`.

    Args:
        driver: the opened HAL driver.
        files: the device's files, or their :class:`DeviceCredentials` already loaded
            (then ``tls_timeout_s`` was applied by :func:`load_credentials`).
        store: the :class:`~wss.store.ProvisioneeStore`.
        dss_host: ``DSS.Host`` (None: the SDK default).
        dss_port: ``DSS.Port`` (None: 443).
        setup_port: the DSS port on the encoded setup network (None: 8888).
        policy: a :class:`~wss.platform.device.DevicePolicy` (None: the default).
        setup_network: a client-defined fallback setup network (None: ``simple_setup``).
        kill_switch: optional callable; False stops the task (``ffsWifiProvisioneeCanProceed``).
        tls_timeout_s: TLS handshake, read and write timeouts, seconds.
        clock: monotonic seconds for the age of a scan (None: ``time.monotonic``).
        **configuration: more :class:`~wss.platform.device.DeviceConfiguration` fields.
    Raises:
        ConfigError: a file is missing or invalid (as :func:`load_credentials`).
    """
    from ..dss.client import SETUP_NETWORK_PORT
    from .default import DefaultCompat
    from .device import DeviceConfiguration, DevicePolicy

    loaded = files if isinstance(files, DeviceCredentials) else load_credentials(files, tls_timeout_s)
    configuration.setdefault("serial_number", loaded.serial_number)
    device = DeviceConfiguration(
        loaded.device_key.public_key_der(),
        loaded.cloud_public_key_der,
        loaded.product_index,
        dss_host=dss_host,
        dss_port=dss_port,
        setup_network=setup_network,
        **configuration,
    )
    return DefaultCompat(
        driver,
        loaded.tls_config,
        loaded.device_key,
        device,
        store,
        policy=policy or DevicePolicy(),
        setup_port=setup_port or SETUP_NETWORK_PORT,
        kill_switch=kill_switch,
        **({"clock": clock} if clock is not None else {}),
    )
