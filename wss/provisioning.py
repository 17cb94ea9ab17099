"""The front door: one whole provisioning of a device, and its encoded setup network.

:func:`provision` owns the sequence every caller needs — open the HAL driver, build the
default compat layer from the device's files, run the state machine, persist the outcome
(provisioned, or SoftAP setup mode with WSS disabled), close the DSS connection and the
driver — so that no caller can forget a step. The CLI (``wss provision``), the demo and
the provisioning benchmark call it.

:func:`compute_encoded_network` gives a device's encoded setup network from its key
files, through the state machine's own step.

This module composes the layers (``docs/design.md`` §2): the state machine
(:mod:`wss.provisionee`) and the default platform (:mod:`wss.platform`).

Source: protocol §6 (the task), §7.1 (encoded network); integration guide ("Device
factory reset recommendation": any failure before the home network is joined puts the
device in SoftAP setup mode with WSS disabled).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional, Tuple, Union

from .compat.results import FfsResult
from .compat.types import ConfigKey, ConnectionAttempt, ConnectionDetails, WifiConfiguration
from .dss.client import SETUP_NETWORK_PORT
from .errors import WssDisabled
from .platform.default import DefaultCompat
from .platform.device import DevicePolicy
from .platform.device_crypto import DeviceCrypto
from .platform.device_files import DeviceCredentials, DeviceFiles, build_default_compat, load_credentials
from .provisionee import MachineOptions, ProvisioningResult, run
from .provisionee.context import DEFAULT_MAX_RUN_S, DEFAULT_MAX_TRANSITIONS
from .provisionee.encoded_network import encoded_network_through
from .retry import RetryPolicy
from .setup_network import EncodedSetupNetwork
from .store import ProvisioneeStore

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .crypto import PrivateKey

__all__ = ["Provisioning", "provision", "compute_encoded_network"]


@dataclass(frozen=True)
class Provisioning:
    """What one :func:`provision` did.

    Attributes:
        result: how the state machine ended (state, reason, transcript, retries).
        attempts: every connection attempt of the run, in order (setup and user networks).
        connection: the driver's connection when the run ended.
        tls_handshakes: mutual-TLS handshakes made with the DSS.
    """

    result: ProvisioningResult
    attempts: Tuple[ConnectionAttempt, ...]
    connection: ConnectionDetails
    tls_handshakes: int

    @property
    def succeeded(self) -> bool:
        """Ended in DONE on the home network."""
        return self.result.succeeded

    @property
    def fall_back_to_softap(self) -> bool:
        """The home network was not joined: the store now says SoftAP setup, WSS disabled."""
        return self.result.fall_back_to_softap


def provision(
    driver: Any,
    files: Union[DeviceFiles, DeviceCredentials],
    store: ProvisioneeStore,
    *,
    dss_host: Optional[str] = None,
    dss_port: Optional[int] = None,
    setup_port: int = SETUP_NETWORK_PORT,
    policy: Optional[DevicePolicy] = None,
    setup_network: Optional[WifiConfiguration] = None,
    kill_switch: Optional[Callable[[], bool]] = None,
    tls_timeout_s: float = 10.0,
    retry_policy: Optional[RetryPolicy] = None,
    clock: Callable[[], float] = time.monotonic,
    observe: Optional[Callable[[DefaultCompat], None]] = None,
    max_run_s: Optional[float] = DEFAULT_MAX_RUN_S,
    max_transitions: int = DEFAULT_MAX_TRANSITIONS,
    keep_driver_open: bool = False,
) -> Provisioning:
    """Provision the device once, from opening the driver to persisting the outcome.

    Args:
        driver: a :class:`hal.base.WifiDriver`, not yet opened; it is opened here and
            closed before returning (also on error).
        files: the device's certificate chain, key, DSS trust anchors, cloud public key
            and product index (or these files already checked by
            :func:`~wss.platform.device_files.load_credentials`; ``tls_timeout_s`` is
            then theirs).
        store: the persistent store; the outcome is written to it.
        dss_host: ``DSS.Host`` (None: the SDK default, ``dp-sps-na.amazon.com``).
        dss_port: ``DSS.Port`` (None: 443).
        setup_port: the DSS port on the encoded setup network (protocol §7.4; 8888).
        policy: which scanned networks are posted, radio timeouts (None: the default).
        setup_network: a client-defined fallback setup network (None: ``simple_setup``).
        kill_switch: optional callable; False stops the task (``ffsWifiProvisioneeCanProceed``).
        tls_timeout_s: TLS handshake, read and write timeouts, seconds.
        retry_policy: retries of DSS requests (None: the integration guide's policy).
        clock: monotonic seconds, for the transcript's durations.
        observe: called with the compat layer once it is built, before the run (a
            progress display, instrumentation); it must not call compat functions.
        max_run_s: the whole run's wall-time budget, seconds by ``clock`` (default 900;
            None: no limit); ``MachineOptions.max_run_s``.
        max_transitions: the most state transitions of the run (default 50);
            ``MachineOptions.max_transitions``.
        keep_driver_open: leave the driver open (and joined) when the run ends on the
            home network, for what the caller does next there (local discovery); the
            caller closes it. Any other ending closes it as usual.
    Returns:
        The run's :class:`Provisioning`. A run that used up its budget ends as an aborted
        run (``result.error`` names the budget) and falls back to SoftAP setup.
    Raises:
        WssDisabled: the store says WSS is disabled (SoftAP setup mode); nothing is run.
        ConfigError: a device file is missing or invalid (checked before the driver is
            opened or anything is stored).
        ValueError: a port outside 1..65535 or a budget that is not positive (nothing
            is run or stored).
        hal.errors.HALError: the driver cannot be opened.
    """
    if dss_port is not None and not (isinstance(dss_port, int) and 0 < dss_port < 65536):
        raise ValueError(f"dss_port must be 1..65535, got {dss_port!r}")
    options = MachineOptions(setup_network_port=setup_port, max_run_s=max_run_s, max_transitions=max_transitions)
    credentials = files if isinstance(files, DeviceCredentials) else load_credentials(files, tls_timeout_s)
    if not store.wss_enabled:
        raise WssDisabled(
            "WSS is disabled: the device is in SoftAP setup mode after an earlier "
            "failure; a factory reset enables it again"
        )
    driver.open()
    joined = False
    try:
        compat = build_default_compat(
            driver,
            credentials,
            store,
            dss_host=dss_host,
            dss_port=dss_port,
            setup_port=setup_port,
            policy=policy,
            setup_network=setup_network,
            kill_switch=kill_switch,
            tls_timeout_s=tls_timeout_s,
        )
        with compat:
            if observe is not None:
                observe(compat)
            result = run(compat, options=options, retry_policy=retry_policy, clock=clock)
            compat.finish(result.joined_home_network)
            joined = result.succeeded
            return Provisioning(
                result,
                tuple(compat.attempt_history),
                compat.ffs_get_wifi_connection_details(),
                compat.transport.handshakes,
            )
    finally:
        if not (keep_driver_open and joined):
            driver.close()


def compute_encoded_network(
    device_key: PrivateKey, cloud_public_key_der: bytes, product_index: str, nonce: Optional[bytes] = None
) -> EncodedSetupNetwork:
    """A device's encoded setup network, with the mbedTLS core's crypto.

    Args:
        device_key: the device's private key (its public key gives the SSID's AMI).
        cloud_public_key_der: the device type's cloud public key, DER SubjectPublicKeyInfo.
        product_index: the 4-character product index, e.g. ``"AbCd"``.
        nonce: 12 bytes; default 12 fresh bytes of :func:`wss.crypto.random_bytes`.
    Returns:
        SSID, passphrase and nonce.
    Raises:
        ConfigError: a bad key or product index (the message says which).
        ValueError: ``nonce`` is not 12 bytes.
    Source: protocol §7.1; vector §12.3.
    """
    platform = _KeysPlatform(DeviceCrypto(device_key, cloud_public_key_der), product_index)
    return encoded_network_through(platform, nonce)


class _KeysPlatform:
    """Just enough of a compat for the encoded-network step: the crypto functions and the
    three configuration values (device public key, product index, cloud public key)."""

    def __init__(self, crypto: DeviceCrypto, product_index: str) -> None:
        self.crypto = crypto
        self.values = {
            ConfigKey.DEVICE_EC_PUBLIC_KEY_DER: crypto.device_public_key_der,
            ConfigKey.PRODUCT_INDEX: product_index,
            ConfigKey.CLOUD_EC_PUBLIC_KEY_DER: crypto.cloud_public_key_der,
        }

    def __getattr__(self, name: str) -> Any:  # ffs_random_bytes, ffs_sha256, ... of DeviceCrypto
        return getattr(self.crypto, name)

    def ffs_get_configuration_value(self, key: str) -> Tuple[FfsResult, Any]:
        if key in self.values:
            return FfsResult.SUCCESS, self.values[key]
        return FfsResult.NOT_IMPLEMENTED, None

    def ffs_log(self, level: Any, message: str, function_name: Optional[str] = None, line_number: int = 0) -> None:
        """Nothing to log to: the step's messages reach the caller in the ConfigError."""
