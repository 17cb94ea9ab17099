"""The one wrapper through which the default compat layer calls a HAL driver.

Every driver call goes through :meth:`DriverBridge.call`, which maps :mod:`hal.errors` to
``wss`` errors and FFS result codes:

==========================================  ================================================
HAL error                                   wss error (FFS result)
==========================================  ================================================
``StreamTimeout``                           ``TransportTimeout`` (retried as a network error)
``StreamReset``, ``StreamClosed``           ``ConnectionReset`` (idem)
other ``StreamError`` (unreachable, DNS,    ``TransportError`` (idem)
refused)
``DriverNotSupported``                      ``CompatError`` (NOT_IMPLEMENTED)
``DriverTimeout``                           ``CompatError`` (TIMEOUT)
any other ``HALError``                      ``CompatError`` (ERROR)
==========================================  ================================================

and :func:`error_details_for` maps the :class:`~hal.types.FailureReason` of a failed
connection attempt to the standard error details (integration guide, "Error codes"):

==========================  ============  ==============================================
FailureReason               code          meaning
==========================  ============  ==============================================
NO_CONFIGURED_NETWORKS      3:1:0:1       nothing to try
WRONG_KEY                   3:2:0:1       bad or incorrect PSK
CAPTIVE_PORTAL              3:4:0:1       captive portal
LIMITED_CONNECTIVITY        3:5:0:1       associated, limited connectivity
TIMEOUT                     3:5:0:1 if the attempt got associated, else 3:6:0:3
INTERNAL                    3:3:0:1       the driver or chip failed
AP_NOT_FOUND                3:16:0:1      AP not found
UNKNOWN                     3:6:0:3       catch-all
==========================  ============  ==============================================

TIMEOUT: an attempt that timed out after association (no address, connectivity check
pending) is "associated, limited connectivity"; one that timed out while still
authenticating or associating is unknown. The HAL base records every failed attempt with
state FAILED, so with today's drivers a TIMEOUT maps to 3:6:0:3; a driver that records the
state it reached (AUTHENTICATED or ASSOCIATED) gets 3:5:0:1.

The bridge also converts the records: HAL security classes fold into the four DSS
values (every WPA personal class is ``WPA_PSK``, protocol §4.1), configurations become
:class:`hal.NetworkConfig`, and HAL attempts become compat attempts with error details.

Source: protocol §2.1, §3.1 rows 13–18, §4.1, §10; integration guide, "Error codes";
``docs/design.md`` §5.3 (``wpa_drv_*`` wrappers).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

import hal
from hal import errors as hal_errors
from hal.types import PSK_FAMILY, FailureReason, Security
from hal.types import ConnectionState as HalState

from .. import error_details
from ..compat.results import FfsResult
from ..compat.types import (
    ConnectionAttempt,
    ConnectionDetails,
    ConnectionState,
    ErrorDetails,
    SecurityProtocol,
    WifiConfiguration,
    WifiScanResult,
)
from ..errors import CompatError, ConnectionReset, TransportError, TransportTimeout, WssError

__all__ = ["DriverBridge", "error_details_for", "dss_security", "hal_security"]

log = logging.getLogger("wss.compat")

T = TypeVar("T")

_BY_REASON: Dict[FailureReason, ErrorDetails] = {
    FailureReason.NO_CONFIGURED_NETWORKS: error_details.NO_CONFIGURED_NETWORKS,
    FailureReason.WRONG_KEY: error_details.BAD_PSK,
    FailureReason.CAPTIVE_PORTAL: error_details.CAPTIVE_PORTAL,
    FailureReason.LIMITED_CONNECTIVITY: error_details.LIMITED_CONNECTIVITY,
    FailureReason.INTERNAL: error_details.INTERNAL_ERROR,
    FailureReason.AP_NOT_FOUND: error_details.AP_NOT_FOUND,
    FailureReason.UNKNOWN: error_details.UNKNOWN_ERROR,
}


def error_details_for(reason: FailureReason, associated: bool = False) -> ErrorDetails:
    """The standard error details of a failed attempt (table in the module docstring).

    Args:
        reason: why the driver says the attempt failed.
        associated: the attempt had got associated (only decides TIMEOUT).
    """
    if reason is FailureReason.TIMEOUT:
        return error_details.LIMITED_CONNECTIVITY if associated else error_details.UNKNOWN_ERROR
    return _BY_REASON[reason]


def dss_security(security: Security) -> SecurityProtocol:
    """A HAL security class as one of the DSS values (protocol §4.1)."""
    if security in PSK_FAMILY:
        return SecurityProtocol.WPA_PSK
    if security is Security.OPEN:
        return SecurityProtocol.NONE
    if security is Security.WEP:
        return SecurityProtocol.WEP
    return SecurityProtocol.OTHER


def hal_security(security: SecurityProtocol) -> Optional[Security]:
    """The HAL credential type of a configuration, or None when it cannot be configured."""
    return {
        SecurityProtocol.NONE: Security.OPEN,
        SecurityProtocol.WPA_PSK: Security.WPA_PSK,
        SecurityProtocol.WEP: Security.WEP,
    }.get(security)


def _wss_error(what: str, exc: hal.HALError) -> WssError:
    """The wss error for a HAL error (table in the module docstring)."""
    message = f"{what}: {exc}"
    if isinstance(exc, hal_errors.StreamTimeout):
        return TransportTimeout(message)
    if isinstance(exc, (hal_errors.StreamReset, hal_errors.StreamClosed)):
        return ConnectionReset(message)
    if isinstance(exc, hal_errors.StreamError):
        return TransportError(message)
    if isinstance(exc, hal_errors.DriverNotSupported):
        return CompatError(message, FfsResult.NOT_IMPLEMENTED)
    if isinstance(exc, hal_errors.DriverTimeout):
        return CompatError(message, FfsResult.TIMEOUT)
    return CompatError(message, FfsResult.ERROR)


class DriverBridge:
    """A HAL driver as the compat layer sees it.

    Args:
        driver: an opened (or openable) :class:`hal.WifiDriver`.
    """

    def __init__(self, driver: hal.WifiDriver) -> None:
        self.driver = driver

    def call(self, what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a driver function, turning any HAL error into a wss error.

        Args:
            what: a few words for the message, e.g. ``"scan"``.
        Raises:
            WssError: as mapped in the module docstring.
        """
        try:
            return function(*args, **kwargs)
        except hal.HALError as exc:
            raise _wss_error(what, exc) from exc

    # ---- driver operations -----------------------------------------------------------

    def open(self) -> None:
        self.call("opening the Wi-Fi driver", self.driver.open)

    def close(self) -> None:
        self.call("closing the Wi-Fi driver", self.driver.close)

    def capabilities(self) -> hal.Capabilities:
        return self.call("reading capabilities", self.driver.capabilities)

    def scan(self, timeout_s: float, ssids: Sequence[bytes] = ()) -> Tuple[hal.ScanResult, ...]:
        """Scan (probing ``ssids`` by name) and return the results, strongest first."""
        return self.call("scan", self.driver.scan, ssids, timeout_s)

    def add_network(self, configuration: WifiConfiguration, priority: int = 0) -> bool:
        """Configure a network in the driver.

        Returns:
            False (nothing configured, a warning logged) for a network the driver cannot
            take: security OTHER/UNKNOWN, or a key impossible for its type. The SDK lets a
            device discard such a configuration and still succeed (§3.1 row 14).
        """
        security = hal_security(configuration.security)
        if security is None:
            log.warning(
                "network %r: security %s cannot be configured; discarded",
                configuration.ssid,
                configuration.security.name,
            )
            return False
        try:
            config = hal.NetworkConfig(
                configuration.ssid, security, configuration.key, hidden=configuration.is_hidden, priority=priority
            )
        except hal_errors.InvalidArgument as exc:
            log.warning("network %r discarded: %s", configuration.ssid, exc)
            return False
        self.call("adding a network", self.driver.add_network, config)
        return True

    def remove_network(self, ssid: bytes) -> int:
        return self.call("removing a network", self.driver.remove_network, ssid)

    def configured_networks(self) -> Tuple[hal.NetworkConfig, ...]:
        """The driver's networks in the order connect() tries them."""
        return self.call("listing networks", self.driver.networks)

    def connect(self, timeout_s: float, check: Optional[hal.ConnectivityCheck]) -> Tuple[ConnectionAttempt, ...]:
        """Try the configured networks; return the attempts made (popped from the driver)."""
        self.call("connecting", self.driver.connect, timeout_s, check)
        attempts: List[ConnectionAttempt] = []
        while True:
            attempt = self.call("reading attempts", self.driver.pop_connection_attempt)
            if attempt is None:
                return tuple(attempts)
            attempts.append(self.attempt(attempt))

    def disconnect(self) -> None:
        self.call("disconnecting", self.driver.disconnect)

    def connection_details(self) -> ConnectionDetails:
        return self.attempt(self.call("reading the connection", self.driver.connection_details))

    def open_stream(self, host: str, port: int, timeout_s: float) -> hal.ByteStream:
        """A TCP byte stream through the joined network.

        Raises:
            TransportError: no route, no name, refused, timed out.
        """
        return self.call(f"TCP to {host}:{port}", self.driver.open_tcp_stream, host, port, timeout_s)

    # ---- records ---------------------------------------------------------------------

    @staticmethod
    def scan_result(result: hal.ScanResult) -> WifiScanResult:
        """A HAL scan result as ``FfsWifiScanResult_t`` (channel in ``frequencyBand``, §4.1)."""
        return WifiScanResult(result.ssid, result.bssid, dss_security(result.security), result.channel, result.rssi_dbm)

    @staticmethod
    def attempt(attempt: hal.ConnectionAttempt) -> ConnectionAttempt:
        """A HAL attempt (or connection details) as a compat attempt with error details."""
        details = None
        if attempt.failure is not None:
            associated = attempt.state in (HalState.AUTHENTICATED, HalState.ASSOCIATED)
            details = error_details_for(attempt.failure, associated)
        return ConnectionAttempt(
            attempt.ssid, dss_security(attempt.security), ConnectionState(int(attempt.state)), details
        )
