"""Setup networks of Wi-Fi Simple Setup, device side: the encoded network and its fallback.

* :func:`compute_encoded_network` — the Amazon custom encoded setup network (32-character
  hidden SSID and 44-character WPA2 passphrase) of a device, from its private key, the
  cloud public key, its product index and a 12-byte nonce.
* :func:`encoded_network_through` — the same computation through any compat-shaped
  object. There is exactly one implementation: the state machine's own step
  (:func:`wss.provisionee.setup.compute_encoded_network`), driven here outside the task.
  Its digests, ECDH key and MAC come from the compat crypto functions; the text from the
  pure codec :mod:`wss.setup_network.encoding`.
* :func:`fallback_setup_network` — the client-defined fallback, or the SDK default open
  hidden ``simple_setup`` (:data:`SIMPLE_SETUP`).
* :func:`setup_network_port` — where DSS traffic goes: port 8888 (or the configured setup
  port) while on the encoded network, the normal DSS port otherwise.
* :func:`is_encoded_setup_ssid` — whether an SSID is this device's encoded setup SSID.

The crypto core is imported inside the functions, so that the cloud simulator, which
imports :mod:`wss.setup_network.encoding`, never loads it.

Source: protocol §7.1 (encoded network), §7.2, §7.3 (fallback), §7.4 (port 8888).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from ..compat.types import ConfigKey, FfsResult, SecurityProtocol, WifiConfiguration
from ..dss.client import SETUP_NETWORK_PORT
from ..errors import ConfigError, WssError
from ..provisionee.context import SIMPLE_SETUP
from .encoding import NONCE_LENGTH, ami_of, decode_ssid

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..crypto import PrivateKey

__all__ = ["EncodedSetupNetwork", "compute_encoded_network", "encoded_network_through",
           "fallback_setup_network", "setup_network_port", "is_encoded_setup_ssid",
           "SIMPLE_SETUP", "SETUP_NETWORK_PORT", "NONCE_LENGTH"]

@dataclass(frozen=True)
class EncodedSetupNetwork:
    """A device's encoded setup network for one nonce.

    Attributes:
        ssid: the 32-character SSID, ASCII bytes.
        passphrase: the 44-character WPA2 passphrase, ASCII bytes (never in a repr).
        nonce: the 12-byte nonce it was computed with.
    """

    ssid: bytes
    passphrase: bytes = field(repr=False)
    nonce: bytes = b""

    @property
    def configuration(self) -> WifiConfiguration:
        """The network as the device adds it: WPA_PSK, hidden (protocol §7.1, last line)."""
        return WifiConfiguration(self.ssid, SecurityProtocol.WPA_PSK, self.passphrase, is_hidden=True)


class _SetupNetworkPlatform:
    """Just enough of a compat for the encoded-network step: crypto, three config values
    (device SPKI, product index, cloud SPKI) and a log that keeps what went wrong."""

    def __init__(self, device_key: "PrivateKey", cloud_public_key_der: bytes,
                 product_index: str) -> None:
        from ..compat.device_crypto import DeviceCrypto

        self.crypto = DeviceCrypto(device_key, cloud_public_key_der)
        self.values = {ConfigKey.DEVICE_EC_PUBLIC_KEY_DER: self.crypto.device_public_key_der,
                       ConfigKey.PRODUCT_INDEX: product_index,
                       ConfigKey.CLOUD_EC_PUBLIC_KEY_DER: self.crypto.cloud_public_key_der}
        self.messages: List[str] = []

    def __getattr__(self, name: str) -> Any:  # ffs_random_bytes, ffs_sha256, ... of DeviceCrypto
        return getattr(self.crypto, name)

    def ffs_get_configuration_value(self, key: str) -> Tuple[FfsResult, Any]:
        if key in self.values:
            return FfsResult.SUCCESS, self.values[key]
        return FfsResult.NOT_IMPLEMENTED, None

    def ffs_log(self, level: Any, message: str, function_name: Optional[str] = None,
                line_number: int = 0) -> None:
        self.messages.append(message)


def encoded_network_through(platform: Any, nonce: Optional[bytes] = None) -> EncodedSetupNetwork:
    """Run the state machine's encoded-network step against ``platform``.

    Args:
        platform: a :class:`~wss.compat.Compat` (or an object with the compat methods the
            step calls: configuration values, random bytes, SHA-256, ECDH, HMAC, log).
        nonce: the 12-byte nonce to use instead of ``ffs_random_bytes(12)``.
    Returns:
        The encoded network and the nonce it used.
    Raises:
        ConfigError: the network cannot be computed (the message says why, no secret).
        ValueError: ``nonce`` is not 12 bytes.
    Source: protocol §7.1; the step is :func:`wss.provisionee.setup.compute_encoded_network`.
    """
    from ..provisionee.actions import Log, RandomBytes
    from ..provisionee.context import MachineOptions, TaskContext
    from ..provisionee.runner import execute_action
    from ..provisionee.setup import SETUP_NONCE_SIZE, compute_encoded_network as step

    if nonce is not None and (not isinstance(nonce, bytes) or len(nonce) != SETUP_NONCE_SIZE):
        raise ValueError(f"the setup nonce must be {SETUP_NONCE_SIZE} bytes")
    steps = step(TaskContext(MachineOptions()))
    used, problems = nonce, []
    value: Any = None
    error: Optional[WssError] = None
    while True:
        try:
            action = steps.throw(error) if error is not None else steps.send(value)
        except StopIteration as stop:
            configuration: Optional[WifiConfiguration] = stop.value
            break
        value, error = None, None
        if isinstance(action, Log):
            problems.append(action.message)
        if isinstance(action, RandomBytes) and action.count == SETUP_NONCE_SIZE and nonce is not None:
            value = nonce
            continue
        try:
            value = execute_action(platform, action, None)  # type: ignore[arg-type]
        except WssError as exc:
            error = exc
        if isinstance(action, RandomBytes) and action.count == SETUP_NONCE_SIZE:
            used = value
    if configuration is None or used is None:
        raise ConfigError("; ".join(problems) or "the encoded setup network cannot be computed")
    return EncodedSetupNetwork(configuration.ssid, configuration.key, used)


def compute_encoded_network(device_key: "PrivateKey", cloud_public_key_der: bytes,
                            product_index: str, nonce: Optional[bytes] = None) -> EncodedSetupNetwork:
    """The encoded setup network of a device, with the mbedTLS core's crypto.

    Args:
        device_key: the device's private key (its public key gives the SSID's AMI).
        cloud_public_key_der: the device type's cloud public key, DER SubjectPublicKeyInfo.
        product_index: the 4-character product index, e.g. ``"AbCd"``.
        nonce: 12 bytes; default 12 fresh bytes of :func:`wss.crypto.random_bytes`.
    Returns:
        SSID, passphrase and nonce.
    Raises:
        ConfigError: a bad key or product index (the message says which).
    Source: protocol §7.1; vector §12.3.
    """
    platform = _SetupNetworkPlatform(device_key, cloud_public_key_der, product_index)
    return encoded_network_through(platform, nonce)


def fallback_setup_network(result: FfsResult,
                           configuration: Optional[WifiConfiguration]) -> WifiConfiguration:
    """The fallback setup network from ``ffsGetSetupNetworkConfiguration``'s answer.

    Args:
        result: SUCCESS (use ``configuration``) or NOT_IMPLEMENTED (use ``simple_setup``).
        configuration: the client-defined network, with SUCCESS.
    Raises:
        CompatError: any other result.
    Source: protocol §7.3.
    """
    from ..provisionee.setup import fallback_network

    return fallback_network(result, configuration, SIMPLE_SETUP)


def setup_network_port(on_encoded_network: bool, dss_port: int,
                       setup_port: int = SETUP_NETWORK_PORT) -> int:
    """The DSS port to use: ``setup_port`` (8888) on the encoded network, else ``dss_port``.

    Source: protocol §7.4 (and §7.3: the fallback network uses the normal port).
    """
    return setup_port if on_encoded_network else dss_port


def is_encoded_setup_ssid(ssid: bytes, device_public_key_sha256: bytes) -> bool:
    """Whether ``ssid`` is an encoded setup SSID carrying this device's AMI.

    Args:
        ssid: raw SSID octets.
        device_public_key_sha256: SHA-256 of the device's DER SubjectPublicKeyInfo.
    Source: protocol §7.1 (SSID steps 1–4 and their inverse).
    """
    try:
        decoded = decode_ssid(ssid.decode("ascii"))
    except (UnicodeDecodeError, ValueError, TypeError):
        return False
    return decoded.ami == ami_of(device_public_key_sha256)
