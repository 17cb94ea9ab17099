"""The default compatibility layer: a HAL driver, the crypto core, mutual-TLS HTTP, a store.

:class:`DefaultCompat` implements all 25 functions of :class:`~wss.compat.Compat` from:

* a HAL driver (:class:`hal.WifiDriver`), always through the one wrapper
  :class:`~wss.platform.hal_bridge.DriverBridge` (HAL errors → wss errors and FFS results,
  failure reasons → error details);
* the mbedTLS crypto core (:class:`~wss.platform.device_crypto.DeviceCrypto`);
* HTTPS with mutual TLS over the driver's TCP streams
  (:class:`~wss.platform.dss_transport.DSSTransport`);
* the device's factory values and policy (:mod:`wss.platform.device`);
* the persistent store (:class:`wss.store.ProvisioneeStore`).

Behaviour worth knowing:

* **Scanning.** Before the first join of a setup network (state
  CONNECTING_TO_SETUP_NETWORK) the layer scans once, probing the hidden setup SSIDs it is
  about to join by name (protocol §7.1: the provisioner reacts to that probe); a later
  setup join within the window (the fallback network) does not scan again. When the
  first postWifiScanData page is due (``ffsWifiProvisioneeCanPostWifiScanData`` with
  sequence number 1) that scan is posted if it started at most
  ``DevicePolicy.scan_reuse_s`` seconds ago (25 s by default, the scan-list lifetime of
  the Linux reference port, protocol §6.5); otherwise a new wildcard scan runs. Either way
  every posted network was heard within that window (only networks the device really
  sees are posted), and a network that left the air before it is not posted. What is
  posted is filtered by the :class:`~wss.platform.device.DevicePolicy` (default: WPA
  personal networks this radio can join; no WEP, no open networks), never a setup
  network. Pages are posted while results remain and the DSS has not found every saved
  network (the Linux reference policy, protocol §6.4).
* **Networks.** Setup networks (added before START_PROVISIONING) get a higher driver
  priority than user networks, so going back to the setup network after a failed user
  network tries it first. ``ffsConnectToWifi`` asks the driver to verify the DSS endpoint
  of the first network it will try: the setup port on this device's encoded setup network
  (§7.4), the DSS port on any other.
* **Store.** Changes are written at state transitions, in one atomic write each: at task
  start, and whenever the state that ended changed durable data — configuration values,
  the registration token, user networks. Transitions that change only the state, the
  queue of connection attempts or the (transient) setup networks wait for the next write:
  after a reboot the flow restarts from NOT_PROVISIONED and forgets them anyway (§6.1
  step 2). :meth:`DefaultCompat.finish` writes the outcome with whatever is pending; so
  a whole provisioning costs four writes (start, registration, user networks, outcome).
* **Kill switch.** ``ffsWifiProvisioneeCanProceed`` is false while WSS is disabled in the
  store (after a fallback to SoftAP setup, until a factory reset) or when the optional
  ``kill_switch`` says so.

Source: protocol §3.1 (rows 1–25), §5, §6.4, §7, §10; integration guide (supported
networks, error codes, fallback and factory reset).
"""

from __future__ import annotations

import logging
import time
from typing import Callable, List, Optional, Set, Tuple

import hal

from .. import crypto
from ..compat.base import Compat
from ..compat.types import (
    ConfigKey,
    ConfigValue,
    ConnectionAttempt,
    ConnectionDetails,
    DSSClientBuffers,
    FfsResult,
    HttpRequest,
    HttpResponse,
    LogLevel,
    ProvisioneeState,
    RegistrationDetails,
    RegistrationRequest,
    RegistrationState,
    WifiConfiguration,
    WifiScanResult,
)
from ..dss.client import DEFAULT_HOST, DEFAULT_PORT, SETUP_NETWORK_PORT
from ..errors import WssError
from ..setup_network import is_encoded_setup_ssid
from ..store import ProvisioneeStore
from ..tls import TLSConfig
from .device import DEVICE_INFORMATION_KEYS, DeviceConfiguration, DevicePolicy
from .device_crypto import DeviceCrypto
from .dss_transport import DSSTransport
from .hal_bridge import DriverBridge

__all__ = ["DefaultCompat"]

log = logging.getLogger("wss.compat")
ffs_log = logging.getLogger("wss.ffs")

_SETUP_PHASE = (ProvisioneeState.NOT_PROVISIONED, ProvisioneeState.CONNECTING_TO_SETUP_NETWORK)
_SETUP_PRIORITY = 1


class DefaultCompat(DeviceCrypto, Compat):
    """The compat layer of a device built from a HAL driver.

    Args:
        driver: the Wi-Fi driver, already opened by the caller.
        tls_config: device chain and key, the DSS trust anchors, TLS timeouts.
        device_key: the device's private key (ECDH of the setup passphrase).
        configuration: the device's factory values (§5).
        store: the persistent store.
        policy: network filter and radio timeouts.
        setup_port: the DSS port on the encoded setup network (8888, §7.4).
        kill_switch: optional; returning False stops the task (§6.1 step 4).
        clock: monotonic seconds, for the age of a scan (``time.monotonic``).

    Attributes:
        seen_ssids: every named SSID the last scan heard, setup networks aside (before
            the policy's filter).
        attempt_history: every connection attempt of this run, in order.
        transport: the DSS transport (``transport.handshakes`` counts TLS handshakes).
    """

    def __init__(
        self,
        driver: hal.WifiDriver,
        tls_config: TLSConfig,
        device_key: crypto.PrivateKey,
        configuration: DeviceConfiguration,
        store: ProvisioneeStore,
        *,
        policy: DevicePolicy = DevicePolicy(),
        setup_port: int = SETUP_NETWORK_PORT,
        kill_switch: Optional[Callable[[], bool]] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(device_key, configuration.cloud_public_key_der)
        self.configuration = configuration
        self.policy = policy
        self.setup_port = setup_port
        self._values = configuration.values()
        self._device_key_hash = crypto.sha256(configuration.device_public_key_der)
        self._store = store
        self._kill_switch = kill_switch
        self._bridge = DriverBridge(driver)
        self.transport = DSSTransport(
            self._bridge, tls_config, stream_timeout_s=policy.stream_timeout_s, limits=policy.http_limits()
        )
        self._checkpoint_open = False  # a store batch is open (see _open_checkpoint)
        self._durable = False  # durable data changed since the last write
        self._setup_ssids: Set[bytes] = set()
        self._clock = clock
        self._heard: Tuple[hal.ScanResult, ...] = ()  # the last scan, unfiltered
        self._heard_at: Optional[float] = None  # when it started (clock seconds)
        self._scan: List[WifiScanResult] = []
        self._scan_index = 0
        self.seen_ssids: Set[bytes] = set()
        self.attempt_history: List[ConnectionAttempt] = []

    @property
    def store(self) -> ProvisioneeStore:
        return self._store

    @property
    def bridge(self) -> DriverBridge:
        return self._bridge

    # -- common --------------------------------------------------------------------------

    def ffs_log(self, level: LogLevel, message: str, function_name: Optional[str] = None, line_number: int = 0) -> None:
        where = (
            f"{function_name}:{line_number}: "
            if function_name and line_number
            else (f"{function_name}: " if function_name else "")
        )
        ffs_log.log(LogLevel(level).python_level, "%s%s", where, message)

    def ffs_set_configuration_value(self, key: str, value: ConfigValue) -> FfsResult:
        if key in DEVICE_INFORMATION_KEYS:
            return FfsResult.NOT_IMPLEMENTED  # factory data; the DSS does not change it
        try:
            self._store.set_configuration_value(key, value)
        except TypeError:
            return FfsResult.ERROR
        self._durable = True
        return FfsResult.SUCCESS

    def ffs_get_configuration_value(self, key: str) -> Tuple[FfsResult, Optional[ConfigValue]]:
        value = None if key in DEVICE_INFORMATION_KEYS else self._store.get_configuration_value(key)
        if value is None:
            value = self._values.get(key)
        return (FfsResult.SUCCESS, value) if value is not None else (FfsResult.NOT_IMPLEMENTED, None)

    def ffs_set_registration_token(self, request: RegistrationRequest) -> None:
        self._store.set_registration(request)
        self._durable = True

    def ffs_get_registration_token(self) -> Tuple[FfsResult, Optional[bytes]]:
        registration = self._store.registration
        if registration is None:
            return FfsResult.NOT_IMPLEMENTED, None
        return FfsResult.SUCCESS, registration.token

    def ffs_get_registration_details(self) -> RegistrationDetails:
        """COMPLETE once the DSS gave a registration token, else NOT_REGISTERED."""
        done = self._store.registration is not None
        return RegistrationDetails(RegistrationState.COMPLETE if done else RegistrationState.NOT_REGISTERED)

    def ffs_http_execute(self, request: HttpRequest) -> HttpResponse:
        return self.transport.execute(request)

    # -- Wi-Fi ---------------------------------------------------------------------------

    def _is_setup_ssid(self, ssid: bytes) -> bool:
        return ssid in self._setup_ssids or is_encoded_setup_ssid(ssid, self._device_key_hash)

    def scan(self, ssids: Tuple[bytes, ...] = ()) -> None:
        """Scan now (probing ``ssids`` by name) and remember what it heard, and when.

        Raises:
            WssError: the scan failed (what an earlier scan heard is forgotten).
        """
        self._heard, self._heard_at = (), None
        started = self._clock()
        results = self._bridge.scan(self.policy.scan_timeout_s, ssids)
        self._heard, self._heard_at = results, started
        self.seen_ssids = {result.ssid for result in results if result.ssid and not self._is_setup_ssid(result.ssid)}
        log.info("scan: %d networks heard", len(results))

    def scan_age_s(self) -> Optional[float]:
        """Seconds since the last scan *started* (None: no usable scan)."""
        return None if self._heard_at is None else self._clock() - self._heard_at

    def _fresh_scan(self) -> bool:
        """Whether the last scan started at most ``policy.scan_reuse_s`` seconds ago."""
        age, window = self.scan_age_s(), self.policy.scan_reuse_s
        return age is not None and window > 0 and age <= window

    def _select_for_posting(self) -> None:
        """The networks of the last scan that may be posted (policy, no setup networks)."""
        capabilities = self._bridge.capabilities()
        kept = [
            result
            for result in self._heard
            if self.policy.keeps(result, capabilities) and not self._is_setup_ssid(result.ssid)
        ]
        self._scan = [self._bridge.scan_result(result) for result in kept]
        self._scan_index = 0
        log.info(
            "posting a scan %.1f s old: %d networks heard, %d may be posted",
            self.scan_age_s() or 0.0,
            len(self._heard),
            len(kept),
        )

    def _scan_before_setup_join(self) -> None:
        """Before joining a setup network, unless a fresh scan exists: one scan probing its
        hidden SSIDs by name, which the posted list reuses while it is fresh (module
        docstring). A failed scan is logged; the join goes on (the driver looks for the
        network itself, as it does for a fallback network tried after the encoded one)."""
        if self._store.state not in _SETUP_PHASE or self._fresh_scan():
            return
        networks = self._bridge.configured_networks()
        capabilities = self._bridge.capabilities()
        hidden = tuple(n.ssid for n in networks if n.hidden and n.ssid in self._setup_ssids)
        probe = hidden[: capabilities.max_scan_ssids] if capabilities.directed_scan else ()
        try:
            self.scan(probe)
        except WssError as exc:
            log.warning("scan before joining the setup network failed: %s", exc)

    def ffs_get_wifi_scan_result(self) -> Optional[WifiScanResult]:
        if self._scan_index >= len(self._scan):
            self._scan_index = len(self._scan) + 1  # exhausted: told the caller once
            return None
        self._scan_index += 1
        return self._scan[self._scan_index - 1]

    def ffs_add_wifi_configuration(self, configuration: WifiConfiguration) -> None:
        setup = self._store.state in _SETUP_PHASE or configuration.ssid in self._setup_ssids
        if setup:
            self._setup_ssids.add(configuration.ssid)
        if self._bridge.add_network(configuration, _SETUP_PRIORITY if setup else 0):
            self._store.add_network(configuration)
            self._durable = self._durable or not setup

    def ffs_remove_wifi_configuration(self, ssid: bytes) -> None:
        if self._bridge.connection_details().ssid == ssid:
            self.transport.close()  # say goodbye to the DSS before the link goes
        self._bridge.remove_network(ssid)
        if self._store.remove_networks(ssid) and ssid not in self._setup_ssids:
            self._durable = True

    def _connectivity_check(self) -> Optional[hal.ConnectivityCheck]:
        """The DSS endpoint the first network to be tried must reach (§7.3, §7.4)."""
        networks = self._bridge.configured_networks()
        if not networks:
            return None
        host = self.ffs_get_configuration_value(ConfigKey.DSS_HOST)[1] or DEFAULT_HOST
        port = self.ffs_get_configuration_value(ConfigKey.DSS_PORT)[1] or DEFAULT_PORT
        if is_encoded_setup_ssid(networks[0].ssid, self._device_key_hash):
            port = self.setup_port
        return hal.ConnectivityCheck(str(host), int(port))

    def ffs_connect_to_wifi(self) -> None:
        self.transport.close()  # connect() leaves the current network first
        self._scan_before_setup_join()
        attempts = self._bridge.connect(self.policy.connect_timeout_s, self._connectivity_check())
        for attempt in attempts:
            self._store.add_connection_attempt(attempt)
        self.attempt_history.extend(attempts)

    def ffs_get_wifi_connection_details(self) -> ConnectionDetails:
        return self._bridge.connection_details()

    def ffs_get_wifi_connection_attempt(self) -> Optional[ConnectionAttempt]:
        return self._store.pop_connection_attempt()

    # -- DSS client and provisionee hooks ---------------------------------------------------

    def ffs_dss_client_get_buffers(self) -> DSSClientBuffers:
        return self.configuration.buffers

    def _forget_previous_run(self) -> None:
        for network in self._store.networks:
            self._bridge.remove_network(network.ssid)
            self._store.remove_networks(network.ssid)
        while self._store.pop_connection_attempt() is not None:
            pass
        self._setup_ssids.clear()
        self.attempt_history.clear()

    def _open_checkpoint(self) -> None:
        if not self._checkpoint_open:
            self._store.begin_batch()
            self._checkpoint_open = True

    def ffs_set_wifi_provisionee_state(self, state: ProvisioneeState) -> None:
        """Store ``state``; written now with the ended state's changes if they are durable."""
        self._open_checkpoint()
        task_start = state is ProvisioneeState.NOT_PROVISIONED
        if task_start:
            self._forget_previous_run()
        self._store.set_state(state)
        if task_start or self._durable:
            self.flush()
        self._open_checkpoint()

    def flush(self) -> None:
        """Write every pending change now (one atomic write, none if nothing changed)."""
        was_open = self._checkpoint_open
        self._checkpoint_open, self._durable = False, False
        if was_open:
            self._store.end_batch()

    def ffs_get_wifi_provisionee_state(self) -> ProvisioneeState:
        return self._store.state

    def ffs_get_setup_network_configuration(self) -> Tuple[FfsResult, Optional[WifiConfiguration]]:
        network = self.configuration.setup_network
        return (FfsResult.SUCCESS, network) if network is not None else (FfsResult.NOT_IMPLEMENTED, None)

    def ffs_wifi_provisionee_can_proceed(self) -> bool:
        return self._store.wss_enabled and (self._kill_switch is None or bool(self._kill_switch()))

    def ffs_wifi_provisionee_can_post_wifi_scan_data(
        self, sequence_number: int, total_credentials_found: int, all_credentials_found: bool
    ) -> bool:
        if sequence_number == 1:
            if not self._fresh_scan():
                try:
                    self.scan()
                except WssError as exc:
                    log.warning("scan for postWifiScanData failed: %s", exc)
                    return False
            self._select_for_posting()
        return self._scan_index <= len(self._scan) and not all_credentials_found

    def ffs_wifi_provisionee_can_get_wifi_credentials(
        self, sequence_number: int, all_credentials_returned: bool
    ) -> bool:
        return not all_credentials_returned

    # -- end of a run ------------------------------------------------------------------

    def finish(self, joined_home_network: bool) -> None:
        """Persist the outcome of a run: provisioned, or SoftAP setup mode with WSS off.

        Args:
            joined_home_network: the run ended on the customer's network.
        Source: integration guide, "Device factory reset recommendation".
        """
        self._open_checkpoint()  # the last state and the mode: one write
        if joined_home_network:
            self._store.mark_provisioned()
        else:
            self.transport.close()
            try:
                self._bridge.disconnect()  # leave the provisioner's network
            except WssError as exc:
                log.warning("leaving the setup network failed: %s", exc)
            self._store.fall_back_to_softap()
        self.flush()

    def close(self) -> None:
        """Close the DSS connection and write pending store changes."""
        self.transport.close()
        self.flush()

    def __enter__(self) -> DefaultCompat:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
