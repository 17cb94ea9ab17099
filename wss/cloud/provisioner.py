"""Provisioner emulation: what an Echo does to host a device's encoded setup network.

Given the hidden SSID a device probes for, decode it (§7.1 inverse), find the device
whose ``SHA-256(DER SPKI)[-9:]`` equals the SSID's auth material index, and derive the
WPA2 passphrase with the cloud private key::

    Z = ECDH(cloud private key, device public key)    # raw x-coordinate
    passphrase = base64(HMAC-SHA256(key=SHA-256(Z), msg=nonce))

The mock radio and the Linux test access points use this to bring up the network.

Source: protocol §7.1 ("Provisioner / test-double inverse"), §13 (only devices
associated with an account get a network).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

from ..errors import ConfigError
from ..setup_network.encoding import ami_of, decode_ssid, passphrase_from_mac
from .accounts import Accounts, load_accounts
from .identity import ClientIdentity, identity_from_certificate
from .pki import CloudPKI, KnownDevice, load_cloud_key

__all__ = ["HostedNetwork", "Provisioner"]

DeviceLike = Union[bytes, ClientIdentity, KnownDevice]


@dataclass(frozen=True)
class HostedNetwork:
    """The setup network a provisioner would host for one device.

    Attributes:
        ssid: The encoded SSID (32 characters).
        passphrase: The WPA2 passphrase (44 characters); not shown in the repr.
        identity: The device it belongs to (serial may be None for a bare public key).
        product_index: The 4 product-index bytes carried in the SSID.
        control: The SSID's 4-bit control value.
    """

    ssid: str
    passphrase: str = field(repr=False)
    identity: ClientIdentity = field(repr=False)
    product_index: bytes = b""
    control: int = 0


def _identity_of(device: DeviceLike) -> ClientIdentity:
    if isinstance(device, KnownDevice):
        return device.identity
    if isinstance(device, ClientIdentity):
        return device
    der = bytes(device)
    return ClientIdentity(
        device_type=None, serial=None, public_key_der=der, public_key_sha256=hashlib.sha256(der).hexdigest(), subject=""
    )


def _device_from_file(path: str) -> ClientIdentity:
    if os.path.isdir(path):
        path = os.path.join(path, "certificate.pem")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return identity_from_certificate(x509.load_pem_x509_certificates(data)[0])
        public = load_pem_public_key(data) if b"-----BEGIN" in data else load_der_public_key(data)
    except ValueError:
        raise ConfigError(f"{path}: neither a certificate nor a public key") from None
    return _identity_of(
        public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


class Provisioner:
    """Recognises encoded setup SSIDs of known devices and computes their passphrases.

    Args:
        cloud_private_key: The device type's cloud private key (P-256).
        devices: Known devices: DER SPKI bytes, :class:`ClientIdentity` or
            :class:`~wss.cloud.pki.KnownDevice` objects.

    Raises:
        ValueError: A device public key is not a valid P-256 DER SPKI.
    """

    def __init__(self, cloud_private_key: ec.EllipticCurvePrivateKey, devices: Iterable[DeviceLike] = ()) -> None:
        self._by_ami: Dict[bytes, List[Tuple[ClientIdentity, ec.EllipticCurvePrivateKey]]] = {}
        self._default_key = cloud_private_key
        for device in devices:
            self.add(device, cloud_private_key)

    def __repr__(self) -> str:
        return f"Provisioner(devices={sum(len(v) for v in self._by_ami.values())})"

    def add(self, device: DeviceLike, cloud_private_key: ec.EllipticCurvePrivateKey) -> None:
        """Make one more device known, with the cloud key of its device type."""
        identity = _identity_of(device)
        public = load_der_public_key(identity.public_key_der)
        if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "secp256r1":
            raise ValueError("a device public key must be a P-256 SubjectPublicKeyInfo")
        ami = ami_of(bytes.fromhex(identity.public_key_sha256))
        entries = self._by_ami.setdefault(ami, [])
        if all(known.public_key_der != identity.public_key_der for known, _ in entries):
            entries.append((identity, cloud_private_key))

    @classmethod
    def from_pki(cls, pki_dir: Any, accounts: Union[None, str, dict, Accounts] = None) -> Provisioner:
        """Build a provisioner from a PKI directory (and optionally an accounts file).

        Args:
            pki_dir: The ``wss mfg dev-pki`` directory: its cloud key(s) and devices.
            accounts: If given, only devices associated with a customer are hosted
                (as the real service does, §13), and devices listed there by
                ``public_key`` are added.

        Returns:
            The provisioner.
        """
        pki = pki_dir if isinstance(pki_dir, CloudPKI) else CloudPKI(pki_dir)
        keys = pki.cloud_keys()
        known = [device.identity for device in pki.devices()]
        loaded = load_accounts(accounts) if accounts is not None else None
        if loaded is not None:
            known += [_identity_of(der) for der in loaded.public_keys()]
            known = [i for i in known if loaded.customer_for(i)[0] is not None]
        provisioner = cls(keys[None])
        for identity in known:
            provisioner.add(identity, keys.get(identity.device_type, keys[None]))
        return provisioner

    @classmethod
    def from_files(cls, cloud_private_key: Any, devices: Iterable[Any] = ()) -> Provisioner:
        """Build a provisioner from key and certificate files (e.g. a mock radio's config).

        Args:
            cloud_private_key: PEM file of the device type's cloud private key.
            devices: For each device: a PEM certificate (chain, leaf first), a PEM public
                key, or a device folder holding ``certificate.pem``.

        Returns:
            The provisioner.

        Raises:
            ConfigError: A file cannot be read or holds neither a certificate nor a key.
        """
        provisioner = cls(load_cloud_key(os.fspath(cloud_private_key)))
        for path in devices:
            provisioner.add(_device_from_file(os.fspath(path)), provisioner._default_key)
        return provisioner

    def passphrase_for(self, ssid: Union[str, bytes]) -> Optional[str]:
        """Return the passphrase of an encoded setup SSID we can host, else None.

        The shape the mock radio (``hal.mock.setup_host``) asks for.
        """
        hosted = self.recognise(ssid)
        return hosted.passphrase if hosted is not None else None

    def identify(self, ssid: Union[str, bytes]) -> HostedNetwork:
        """Decode an encoded SSID and derive its passphrase.

        Args:
            ssid: The SSID the device probes for (text, or raw ASCII bytes).

        Returns:
            The network to host.

        Raises:
            ValueError: The SSID is not an encoded setup SSID.
            LookupError: No known device (or more than one) has the SSID's AMI.

        Source: protocol §7.1.
        """
        if isinstance(ssid, (bytes, bytearray)):
            try:
                ssid = bytes(ssid).decode("ascii")
            except UnicodeDecodeError:
                raise ValueError("an encoded setup SSID is ASCII") from None
        decoded = decode_ssid(ssid)
        candidates = self._by_ami.get(decoded.ami, [])
        if len(candidates) != 1:
            raise LookupError(
                f"{'no' if not candidates else 'more than one'} known device "
                f"has auth material index {decoded.ami.hex()}"
            )
        identity, cloud_key = candidates[0]
        device_key = load_der_public_key(identity.public_key_der)
        assert isinstance(device_key, ec.EllipticCurvePublicKey)  # checked by add()
        shared = cloud_key.exchange(ec.ECDH(), device_key)
        mac = hmac.new(hashlib.sha256(shared).digest(), decoded.nonce, hashlib.sha256).digest()
        return HostedNetwork(
            ssid=ssid,
            passphrase=passphrase_from_mac(mac),
            identity=identity,
            product_index=decoded.product_index,
            control=decoded.control,
        )

    def recognise(self, ssid: Union[str, bytes]) -> Optional[HostedNetwork]:
        """Like :meth:`identify`, but return None for SSIDs that are not ours to host."""
        try:
            return self.identify(ssid)
        except (ValueError, LookupError):
            return None
