"""A device's credential files, and a :class:`DefaultCompat` assembled from them.

The files are those ``wss mfg dev-pki`` writes (or a production device's equivalents)::

    DIR/device/certificate.pem    device chain, leaf (DHA) first
    DIR/device/private_key.pem    the device key
    DIR/device/product_index      4 characters
    DIR/dss/ca.pem                trust anchors for the DSS server certificate
    DIR/cloud/public_key.pem      the device type's cloud public key
    DIR/cloud/private_key.pem     the cloud private key: only the simulated provisioner of
                                  the mock radio uses it, never the device

Source: protocol §5 (device values), §9 (client chain, key, server trust), issue 4
(dev-pki layout).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Optional, Union

from ..errors import ConfigError

__all__ = ["DeviceFiles", "build_default_compat", "SERIAL_OID"]

PathLike = Union[str, Path]

#: Subject OID of the device serial in a DHA certificate (protocol §9).
SERIAL_OID = "1.3.6.1.4.1.4843.1.1"


@dataclass(frozen=True)
class DeviceFiles:
    """Where a device's credentials are.

    Attributes:
        device_chain: PEM chain, leaf first.
        device_key: PEM private key of the leaf.
        dss_ca: PEM trust anchors for the DSS.
        cloud_public_key: PEM cloud public key of the device type.
        product_index: the 4-character product index, or a file holding it.
        cloud_private_key: PEM cloud private key, for the mock radio's provisioner only.
    """

    device_chain: Path
    device_key: Path
    dss_ca: Path
    cloud_public_key: Path
    product_index: Union[str, Path]
    cloud_private_key: Optional[Path] = None

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
            root / "device" / "private_key.pem",
            root / "dss" / "ca.pem",
            root / "cloud" / "public_key.pem",
            root / "device" / "product_index",
            root / "cloud" / "private_key.pem",
        )
        return replace(files, **{k: v for k, v in overrides.items() if v is not None})

    def read(self, name: str) -> bytes:
        """The bytes of file ``name`` (an attribute name).

        Raises:
            ConfigError: the file is missing or unreadable (the message names it).
        """
        path = Path(getattr(self, name))
        try:
            return path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the {name.replace('_', ' ')} ({exc.strerror or exc})") from None

    def product_index_text(self) -> str:
        """The product index, read from its file when it is one.

        Raises:
            ConfigError: not 4 ASCII characters.
        """
        value = self.product_index
        if isinstance(value, Path) or (isinstance(value, str) and Path(value).is_file()):
            value = self.read("product_index").decode("ascii", "replace").strip()
        if len(value) != 4 or not value.isascii():
            raise ConfigError(f"product index must be 4 ASCII characters, got {value!r}")
        return value


def _serial_of(chain_pem: bytes) -> Optional[str]:
    """The device serial in the leaf certificate's subject, if it has one (§9); read by
    mbedTLS in the C core (a chain it cannot parse is refused later, by the TLS set-up)."""
    from ..crypto import certificate_subject_attribute
    from ..errors import InvalidKey

    try:
        return certificate_subject_attribute(chain_pem, SERIAL_OID)
    except InvalidKey:
        return None


def build_default_compat(
    driver: Any,
    files: DeviceFiles,
    store: Any,
    *,
    dss_host: Optional[str] = None,
    dss_port: Optional[int] = None,
    setup_port: Optional[int] = None,
    policy: Any = None,
    setup_network: Any = None,
    kill_switch: Any = None,
    tls_timeout_s: float = 10.0,
    **configuration: Any,
) -> Any:
    """Load a device's files and build its :class:`~wss.platform.default.DefaultCompat`.

    Args:
        driver: the opened HAL driver.
        files: the device's files.
        store: the :class:`~wss.store.ProvisioneeStore`.
        dss_host: ``DSS.Host`` (None: the SDK default).
        dss_port: ``DSS.Port`` (None: 443).
        setup_port: the DSS port on the encoded setup network (None: 8888).
        policy: a :class:`~wss.platform.device.DevicePolicy` (None: the default).
        setup_network: a client-defined fallback setup network (None: ``simple_setup``).
        kill_switch: optional callable; False stops the task (``ffsWifiProvisioneeCanProceed``).
        tls_timeout_s: TLS handshake, read and write timeouts, seconds.
        **configuration: more :class:`~wss.platform.device.DeviceConfiguration` fields.
    Raises:
        ConfigError: a file is missing or invalid. WssError: a key or certificate is bad.
    """
    from ..crypto import PrivateKey, public_key_der_from_pem
    from ..dss.client import SETUP_NETWORK_PORT
    from ..tls import TLSConfig
    from .default import DefaultCompat
    from .device import DeviceConfiguration, DevicePolicy

    chain = files.read("device_chain")
    key = PrivateKey.from_pem(files.read("device_key"))
    tls = TLSConfig(
        chain,
        key,
        files.read("dss_ca"),
        handshake_timeout_s=tls_timeout_s,
        read_timeout_s=tls_timeout_s,
        write_timeout_s=tls_timeout_s,
    )
    configuration.setdefault("serial_number", _serial_of(chain))
    device = DeviceConfiguration(
        key.public_key_der(),
        public_key_der_from_pem(files.read("cloud_public_key")),
        files.product_index_text(),
        dss_host=dss_host,
        dss_port=dss_port,
        setup_network=setup_network,
        **configuration,
    )
    return DefaultCompat(
        driver,
        tls,
        key,
        device,
        store,
        policy=policy or DevicePolicy(),
        setup_port=setup_port or SETUP_NETWORK_PORT,
        kill_switch=kill_switch,
    )
