"""Read the development PKI directory that ``wss mfg dev-pki`` writes.

Layout (all PEM)::

    DIR/dha-root.pem                         trust anchor for client certificates
    DIR/device/{certificate.pem,private_key.pem,product_index}
    DIR/devices/NNNN/{certificate.pem,private_key.pem,product_index}
    DIR/cloud/{private_key.pem,public_key.pem}   the device type's cloud key pair
    DIR/cloud/<DEVICE_TYPE>/private_key.pem      optional: a key for one more device type
    DIR/dss/{certificate.pem,private_key.pem,ca.pem}   the DSS server certificate and its CA

Only the cloud side reads private keys here; device private keys are never loaded.

Source: issue "Manufacturing tools" (dev-pki layout); protocol §8.2, §9.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from ..errors import ConfigError
from .identity import ClientIdentity, identity_from_certificate

__all__ = ["KnownDevice", "CloudPKI", "load_cloud_key"]


@dataclass(frozen=True)
class KnownDevice:
    """A device certificate found in the PKI directory.

    Attributes:
        identity: Device type, serial and public key read from the leaf certificate.
        product_index: The 4-character product index, or None if the file is missing.
        directory: The device's folder.
    """

    identity: ClientIdentity
    product_index: Optional[str]
    directory: str


def load_cloud_key(path: str) -> ec.EllipticCurvePrivateKey:
    """Load a P-256 cloud private key from a PEM file.

    Args:
        path: PEM file (PKCS#8 or SEC1), unencrypted.

    Returns:
        The key.

    Raises:
        ConfigError: The file is missing, unreadable or not a P-256 key (the message
            names the file, never the key).
    """
    try:
        with open(path, "rb") as handle:
            key = load_pem_private_key(handle.read(), password=None)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the cloud private key ({exc.strerror or exc})") from None
    except TypeError:
        raise ConfigError(f"{path}: the cloud private key is encrypted; an unencrypted PEM key is needed") from None
    except ValueError:
        raise ConfigError(f"{path}: holds no PEM private key (the cloud private key)") from None
    except Exception as exc:  # cryptography's UnsupportedAlgorithm and the like
        raise ConfigError(f"{path}: cannot load the cloud private key ({type(exc).__name__})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ConfigError(f"{path}: the cloud private key is not a P-256 EC key")
    return key


class CloudPKI:
    """Paths and keys of a development PKI directory.

    Args:
        directory: The folder ``wss mfg dev-pki`` created: a path, or the
            :class:`wss.mfg.dev_pki.DevPKI` that ``create_dev_pki`` returned.

    Raises:
        ConfigError: A required file is missing.
    """

    def __init__(self, directory: Any) -> None:
        self.directory = os.path.abspath(os.fspath(getattr(directory, "folder", directory)))
        self.dha_root = self._require("dha-root.pem")
        self.dss_certificate = self._require("dss", "certificate.pem")
        self.dss_private_key = self._require("dss", "private_key.pem")
        self.dss_ca = self._require("dss", "ca.pem")
        self.cloud_private_key_path = self._require("cloud", "private_key.pem")

    def __repr__(self) -> str:
        return f"CloudPKI({self.directory!r})"

    def _require(self, *parts: str) -> str:
        path = os.path.join(self.directory, *parts)
        if not os.path.isfile(path):
            raise ConfigError(f"{path}: missing from the PKI directory (run `wss mfg dev-pki`)")
        return path

    def cloud_keys(self) -> Dict[Optional[str], ec.EllipticCurvePrivateKey]:
        """Return the cloud private keys: ``None`` → the default key, else per device type."""
        keys: Dict[Optional[str], ec.EllipticCurvePrivateKey] = {None: load_cloud_key(self.cloud_private_key_path)}
        cloud_dir = os.path.join(self.directory, "cloud")
        for name in sorted(os.listdir(cloud_dir)):
            path = os.path.join(cloud_dir, name, "private_key.pem")
            if os.path.isfile(path):
                keys[name] = load_cloud_key(path)
        return keys

    def devices(self) -> List[KnownDevice]:
        """Return every device of the directory: ``device/`` first, then ``devices/*`` in order."""
        folders = [os.path.join(self.directory, "device")]
        many = os.path.join(self.directory, "devices")
        if os.path.isdir(many):
            folders += [os.path.join(many, name) for name in sorted(os.listdir(many))]
        return [device for device in map(_read_device, folders) if device is not None]


def _read_device(folder: str) -> Optional[KnownDevice]:
    cert_path = os.path.join(folder, "certificate.pem")
    if not os.path.isfile(cert_path):
        return None
    with open(cert_path, "rb") as handle:
        leaf = x509.load_pem_x509_certificates(handle.read())[0]
    index_path = os.path.join(folder, "product_index")
    product_index = None
    if os.path.isfile(index_path):
        with open(index_path, encoding="ascii") as handle:
            product_index = handle.read().strip() or None
    return KnownDevice(identity=identity_from_certificate(leaf), product_index=product_index, directory=folder)
