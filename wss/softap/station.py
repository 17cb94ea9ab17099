"""The Wi-Fi provisioning service's station over a HAL driver: scans and joins through
:class:`hal.base.WifiDriver`, in a worker thread, polled by the handlers.

What a client is offered: the networks this device can join — hidden networks (no SSID
in the scan), enterprise and other classes are left out, WEP only with the driver's
``wep`` capability, WPA3-only with ``wpa3``. A join leaves every network configured
before (the WSS run's) and tries the client's; the key decides the credential type: none
for an open network, a WEP key for a WEP network of that name in the last scan, a WPA
passphrase (8–63 characters or 64 hex digits) otherwise. The client's BSSID and channel
hints are not used: the driver picks the strongest fitting access point.

A failed join maps to the protocol's two reasons: the key was refused → AuthError;
anything else (not found, timeout, no connectivity) → NetworkNotFound. The joined
network's IPv4 address is not reported (the HAL contract has no accessor).

Source: ESP-IDF wifi_provisioning (scan results, station states; docs/softap.md,
"Wi-Fi provisioning"); protocol §4.1 (security classes); hal/base.py.
"""

from __future__ import annotations

import logging
import threading
from typing import Dict, List, Optional, Sequence, Tuple

from hal.base import WifiDriver
from hal.errors import HALError
from hal.types import ConnectionState, FailureReason, NetworkConfig, ScanResult, Security, check_key

from ..protocomm.errors import ProtocommError
from ..protocomm.wifi.station import (
    AccessPoint,
    AuthMode,
    Connection,
    FailReason,
    JoinState,
    JoinStatus,
    ProvisioningStation,
    StationConfig,
)

__all__ = ["DriverStation", "AUTH_MODES"]

log = logging.getLogger("wss.softap")

#: How each joinable security class is shown to the client.
AUTH_MODES: Dict[Security, AuthMode] = {
    Security.OPEN: AuthMode.OPEN,
    Security.WEP: AuthMode.WEP,
    Security.WPA_PSK: AuthMode.WPA_PSK,
    Security.WPA2_PSK: AuthMode.WPA2_PSK,
    Security.WPA3_SAE: AuthMode.WPA3_PSK,
    Security.WPA2_WPA3: AuthMode.WPA2_WPA3_PSK,
}
_WEP_KEY_LENGTHS = (5, 13, 10, 26)


class DriverStation(ProvisioningStation):
    """A :class:`ProvisioningStation` over an open HAL driver.

    Args:
        driver: the driver, open.
        scan_timeout_s: longest wait for one scan, seconds.
        join_timeout_s: longest join of one attempt, seconds.
        attempts: attempts per ApplyConfig (>= 1); after a failed one with more left,
            the status says Connecting with ``attempt_failed``.
    """

    def __init__(
        self, driver: WifiDriver, *, scan_timeout_s: float = 15.0, join_timeout_s: float = 30.0, attempts: int = 1
    ) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be >= 1, not {attempts}")
        self.driver = driver
        self.scan_timeout_s = scan_timeout_s
        self.join_timeout_s = join_timeout_s
        self.attempts = attempts
        self._lock = threading.Lock()
        self._heard: Tuple[ScanResult, ...] = ()
        self._scanned = False
        self._offered: Tuple[AccessPoint, ...] = ()
        self._scan: Optional[threading.Thread] = None
        self._join: Optional[threading.Thread] = None
        self._status = JoinStatus(JoinState.IDLE)
        #: The configuration of the last join started.
        self.last_config: Optional[StationConfig] = None

    def __repr__(self) -> str:
        return f"DriverStation({self.driver!r}, status={self._status.state.value})"

    # -- scans ------------------------------------------------------------------------

    def start_scan(self, blocking: bool, passive: bool, group_channels: int, period_ms: int) -> None:
        with self._lock:
            if self._scan is not None and self._scan.is_alive():
                raise ProtocommError("a scan is already running")
            if blocking:
                self._scan = None
            else:
                self._scan = threading.Thread(target=self._run_scan, name="wss-softap-scan", daemon=True)
                self._scan.start()
                return
        if not self._run_scan():
            raise ProtocommError("the scan failed")

    def _run_scan(self) -> bool:
        try:
            heard = self.driver.scan(timeout_s=self.scan_timeout_s)
        except HALError as exc:
            log.warning("SoftAP setup: the scan failed: %s", exc)
            return False
        offered = tuple(_offer(heard, self.driver.capabilities()))
        with self._lock:
            self._heard, self._offered, self._scanned = heard, offered, True
        log.info("SoftAP setup: scan heard %d networks, %d offered", len(heard), len(offered))
        return True

    def scan_finished(self) -> bool:
        scan = self._scan
        return scan is None or not scan.is_alive()

    def scan_results(self) -> Sequence[AccessPoint]:
        with self._lock:
            return self._offered

    # -- joining ----------------------------------------------------------------------

    def check_config(self, config: StationConfig) -> Optional[str]:
        try:
            self.network_for(config)
        except HALError as exc:
            return str(exc)
        return None

    def network_for(self, config: StationConfig) -> NetworkConfig:
        """The HAL network a client's configuration means (see the module's rules); the
        first call scans if the client did not (the network's class and BSSID come from it).

        Raises:
            hal.errors.InvalidArgument: the key cannot be a key of that network.
        """
        if not self._scanned:
            self._run_scan()
        with self._lock:
            named = [ap for ap in self._heard if ap.ssid == config.ssid]
        key = config.passphrase
        if not key:
            security = Security.OPEN
        elif len(key) in _WEP_KEY_LENGTHS and any(ap.security is Security.WEP for ap in named):
            security = Security.WEP
        else:
            security = Security.WPA2_PSK
        check_key(security, key)
        return NetworkConfig(config.ssid, security, key, hidden=not named)

    def start_join(self, config: StationConfig) -> None:
        network = self.network_for(config)
        with self._lock:
            self.last_config = config
            self._status = JoinStatus(JoinState.CONNECTING)
            self._join = threading.Thread(target=self._run_join, args=(network,), name="wss-softap-join", daemon=True)
            self._join.start()

    def _run_join(self, network: NetworkConfig) -> None:
        driver = self.driver
        reason = FailReason.NETWORK_NOT_FOUND
        for attempt in range(1, self.attempts + 1):
            try:
                for configured in driver.networks():
                    driver.remove_network(configured.ssid)
                driver.add_network(network)
                state = driver.connect(timeout_s=self.join_timeout_s)
            except HALError as exc:
                log.warning("SoftAP setup: joining %r failed: %s", network.ssid, exc)
                state = ConnectionState.FAILED
            if state is ConnectionState.ASSOCIATED:
                self._set(JoinStatus(JoinState.CONNECTED, connection=self._connection(network)))
                log.info("SoftAP setup: joined %r", network.ssid)
                return
            failure = driver.connection_details().failure
            reason = FailReason.AUTH_ERROR if failure is FailureReason.WRONG_KEY else FailReason.NETWORK_NOT_FOUND
            log.info("SoftAP setup: attempt %d to join %r failed (%s)", attempt, network.ssid, failure)
            if attempt < self.attempts:
                self._set(JoinStatus(JoinState.CONNECTING, reason, self.attempts - attempt))
        self._set(JoinStatus(JoinState.FAILED, reason))

    def _connection(self, network: NetworkConfig) -> Connection:
        with self._lock:
            named = [ap for ap in self._heard if ap.ssid == network.ssid]
        if not named:
            return Connection(network.ssid, auth=AUTH_MODES.get(network.security, AuthMode.OPEN))
        ap = max(named, key=lambda a: a.rssi_dbm)
        return Connection(network.ssid, ap.bssid, ap.channel, AUTH_MODES.get(ap.security, AuthMode.WPA2_PSK))

    def _set(self, status: JoinStatus) -> None:
        with self._lock:
            self._status = status

    def join_status(self) -> JoinStatus:
        with self._lock:
            return self._status

    def reset(self) -> None:
        with self._lock:
            self._status = JoinStatus(JoinState.IDLE)

    def wait(self, timeout_s: float) -> None:
        """Wait (at most ``timeout_s``) for a running scan or join to end."""
        for worker in (self._scan, self._join):
            if worker is not None:
                worker.join(timeout_s)


def _offer(heard: Sequence[ScanResult], caps) -> List[AccessPoint]:
    """The networks a client may pick: joinable classes, named, strongest first."""
    offered = []
    for ap in heard:
        mode = AUTH_MODES.get(ap.security)
        if mode is None or not ap.ssid or ap.hidden:
            continue
        if (ap.security is Security.WEP and not caps.wep) or (ap.security is Security.WPA3_SAE and not caps.wpa3):
            continue
        offered.append(AccessPoint(ap.ssid, ap.bssid, ap.channel, ap.rssi_dbm, mode))
    return offered
