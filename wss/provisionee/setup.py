"""Task start and the setup networks: the encoded network, its fallback, joining them.

Generators yielding compat actions (see :mod:`wss.provisionee.operations`). The SSID and
passphrase text come from the pure codec :mod:`wss.setup_network.encoding`; the digests,
ECDH key and MAC come from the compat layer.

Source: protocol §6.1 (task start), §7.1 (encoded network), §7.2 (joining), §7.3
(fallback).
"""

from __future__ import annotations

from typing import Optional

from ..compat.types import (
    ConfigKey,
    ConnectionState,
    FfsResult,
    LogLevel,
    ProvisioneeState,
    SecurityProtocol,
    WifiConfiguration,
)
from ..dss.client import DSSClient
from ..errors import CompatError, LocalProtocolError, WssError
from .actions import (
    AddWifiConfiguration,
    ComputeECDHKey,
    ConnectToWifi,
    GetDSSClientBuffers,
    GetWifiConnectionDetails,
    HmacSha256,
    Log,
    RandomBytes,
    SetProvisioneeState,
    Sha256,
)
from .context import TaskContext
from .operations import Steps, config_value

__all__ = [
    "start_task",
    "compute_encoded_network",
    "join_network",
    "use_setup_network",
    "fallback_network",
    "SETUP_NONCE_SIZE",
]

#: Bytes of the setup-network nonce drawn once per task run (protocol §7.1).
SETUP_NONCE_SIZE = 12


def start_task(ctx: TaskContext) -> Steps:
    """Create the DSS client context, store NOT_PROVISIONED, compute the encoded network.

    Raises:
        WssError: a compat call failed (aborts the task).
    Source: protocol §6.1 steps 1–3.
    """
    buffers = yield GetDSSClientBuffers()
    host = yield from config_value(ConfigKey.DSS_HOST, str)
    port = yield from config_value(ConfigKey.DSS_PORT, int)
    options = ctx.options
    try:
        ctx.client = DSSClient(
            buffers,
            host or options.default_host,
            options.default_port if port is None else port,
            options.setup_network_port,
        )
    except ValueError as exc:
        raise CompatError(f"bad DSS endpoint configuration: {exc}") from None
    yield SetProvisioneeState(ProvisioneeState.NOT_PROVISIONED)
    ctx.state = ProvisioneeState.NOT_PROVISIONED
    ctx.encoded_network = yield from compute_encoded_network(ctx)


def compute_encoded_network(ctx: TaskContext) -> Steps:
    """The Amazon custom encoded setup network, or None if it cannot be computed.

    SSID from SHA-256(device SPKI), the product index and a fresh 12-byte nonce;
    passphrase = base64(HMAC-SHA256(SHA-256(ECDH), nonce)). Failure is not an error: the
    fallback setup network is used later (logged as a warning).

    Source: protocol §7.1, §6.1 step 3.
    """
    from ..setup_network import encoding

    try:
        device_key = yield from _required(ConfigKey.DEVICE_EC_PUBLIC_KEY_DER, bytes)
        product_index = yield from _required(ConfigKey.PRODUCT_INDEX, str)
        cloud_key = yield from _required(ConfigKey.CLOUD_EC_PUBLIC_KEY_DER, bytes)
        setup_nonce = yield RandomBytes(SETUP_NONCE_SIZE)
        digest = yield Sha256(device_key)
        shared_key = yield ComputeECDHKey(cloud_key)
        mac = yield HmacSha256(shared_key, setup_nonce)
        ssid = encoding.encode_ssid(encoding.ami_of(digest), product_index.encode("ascii"), setup_nonce)
        passphrase = encoding.passphrase_from_mac(mac)
        return WifiConfiguration(
            ssid.encode("ascii"), SecurityProtocol.WPA_PSK, passphrase.encode("ascii"), is_hidden=True
        )
    except (WssError, ValueError, TypeError) as exc:
        yield Log(LogLevel.WARNING, f"encoded setup network unavailable: {exc}")
        return None


def _required(key: str, expected: type) -> Steps:
    value = yield from config_value(key, expected)
    if value is None:
        raise CompatError(f"configuration {key} is not available")
    return value


def join_network(configuration: WifiConfiguration) -> Steps:
    """Add ``configuration``, connect, and check for ASSOCIATED.

    Returns:
        True when associated to it.
    Raises:
        LocalProtocolError: a secured network without a key.
        WssError: a compat call failed.
    Source: protocol §7.2.
    """
    if configuration.security is not SecurityProtocol.NONE and not configuration.key:
        raise LocalProtocolError("a secured setup network needs a key")
    yield AddWifiConfiguration(configuration)
    yield ConnectToWifi()
    details = yield GetWifiConnectionDetails()
    return details.state is ConnectionState.ASSOCIATED and details.ssid == configuration.ssid


def use_setup_network(ctx: TaskContext, configuration: WifiConfiguration, encoded: bool) -> None:
    """Remember the setup network joined; DSS traffic goes to 8888 only on the encoded one."""
    ctx.setup_network = configuration
    ctx.setup_is_encoded = encoded
    ctx.joined_home_network = False
    ctx.dss.on_encoded_network = encoded


def fallback_network(
    result: FfsResult, configuration: Optional[WifiConfiguration], default: WifiConfiguration
) -> WifiConfiguration:
    """Pick the fallback setup network from ``ffsGetSetupNetworkConfiguration``'s answer.

    Raises:
        CompatError: an error result (aborts the task).
    Source: protocol §7.3.
    """
    if result is FfsResult.NOT_IMPLEMENTED:
        return default
    if result is not FfsResult.SUCCESS or configuration is None:
        raise CompatError(f"reading the fallback setup network failed: {FfsResult.string(result)}", result)
    return configuration
