"""The Wi-Fi provisioning service: its state, and the ``prov-config``, ``prov-scan`` and
``prov-ctrl`` endpoints on a protocomm core.

The service's phases::

    STARTED --SetConfig--> CONFIGURED --ApplyConfig--> APPLIED (the station joins)
       ^  ^                   |                           | failed: CtrlReset -> STARTED
       |  +-------------------+ (SetConfig again)          | connected: CtrlReprov -> STARTED
       +-----------------------------------------------------+

While APPLIED, ``GetStatus`` reports the station's join: Connecting (with
``attempt_failed`` after a failed attempt that will be retried), Connected (with the
network's details) or ConnectionFailed (with AuthError or NetworkNotFound). Before,
Disconnected. A command that does not fit the phase is answered with status
InternalError; a malformed value with InvalidArgument (the session stays open, as on
ESP-IDF devices). When a client has been told Connected, :meth:`wait_finished` returns
(unless ``auto_stop`` is off, which keeps the service up for ``CtrlReprov``).

Source: ESP-IDF wifi_provisioning manager and its endpoint handlers (docs/softap.md,
"Wi-Fi provisioning").
"""

from __future__ import annotations

import enum
import logging
import threading
from typing import TYPE_CHECKING, Optional, Tuple

from ..errors import Status
from .station import JoinState, JoinStatus, ProvisioningStation, StationConfig

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..core import Protocomm

__all__ = ["WifiProvisioning", "Phase", "CONFIG_ENDPOINT", "SCAN_ENDPOINT", "CTRL_ENDPOINT"]

log = logging.getLogger("wss.protocomm.wifi")

CONFIG_ENDPOINT = "prov-config"
SCAN_ENDPOINT = "prov-scan"
CTRL_ENDPOINT = "prov-ctrl"
#: Longest SSID (IEEE 802.11), passphrase (63 characters or 64 hex digits), octets.
_MAX_SSID, _MAX_PASSPHRASE = 32, 64


class Phase(enum.Enum):
    """Where the service is (see the module's diagram)."""

    STARTED = "started"
    CONFIGURED = "configured"
    APPLIED = "applied"


class WifiProvisioning:
    """The Wi-Fi provisioning service over a station.

    Args:
        station: the device's station.
        auto_stop: finish once a client has been told Connected (default); False keeps
            the service up, e.g. for re-provisioning.
    """

    #: What ``proto-ver`` lists for this service.
    capabilities: Tuple[str, ...] = ("wifi_scan",)

    def __init__(self, station: ProvisioningStation, *, auto_stop: bool = True) -> None:
        self.station = station
        self.auto_stop = auto_stop
        self._lock = threading.Lock()
        self._phase = Phase.STARTED
        self._config: Optional[StationConfig] = None
        self._finished = threading.Event()
        self._joined: Optional[StationConfig] = None

    def __repr__(self) -> str:
        return f"WifiProvisioning(phase={self._phase.value}, joined={self._joined is not None})"

    def attach(self, core: Protocomm) -> None:
        """Register ``prov-config``, ``prov-scan`` and ``prov-ctrl`` on ``core``."""
        from . import handlers

        core.add_endpoint(CONFIG_ENDPOINT, handlers.config_handler(self))
        core.add_endpoint(SCAN_ENDPOINT, handlers.scan_handler(self))
        core.add_endpoint(CTRL_ENDPOINT, handlers.ctrl_handler(self))

    # -- what the flow reads ----------------------------------------------------------

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def joined(self) -> Optional[StationConfig]:
        """The network the station joined through this service (kept after reprov)."""
        return self._joined

    def wait_finished(self, timeout_s: Optional[float]) -> bool:
        """Wait until a client has been told Connected (with ``auto_stop``).

        Returns:
            True if so, False when ``timeout_s`` passed first.
        """
        return self._finished.wait(timeout_s)

    # -- the commands -----------------------------------------------------------------

    def set_config(self, config: StationConfig) -> Status:
        """``CmdSetConfig``: keep the network to join.

        Returns:
            SUCCESS; INVALID_ARGUMENT for a malformed value; INTERNAL_ERROR once applied.
        """
        problem = _config_problem(config) or self.station.check_config(config)
        if problem:
            log.warning("prov-config: SetConfig refused: %s", problem)
            return Status.INVALID_ARGUMENT
        with self._lock:
            if self._phase is Phase.APPLIED:
                log.warning(
                    "prov-config: SetConfig refused: a configuration is applied (CtrlReset or CtrlReprov first)"
                )
                return Status.INTERNAL_ERROR
            self._config, self._phase = config, Phase.CONFIGURED
        log.info("prov-config: network %r set", config.ssid)
        return Status.SUCCESS

    def apply_config(self) -> Status:
        """``CmdApplyConfig``: start joining the network set.

        Returns:
            SUCCESS; INTERNAL_ERROR without a configuration or when already applied.
        """
        with self._lock:
            config = self._config
            if self._phase is not Phase.CONFIGURED or config is None:
                log.warning("prov-config: ApplyConfig refused in phase %s", self._phase.value)
                return Status.INTERNAL_ERROR
            self._phase = Phase.APPLIED
        log.info("prov-config: joining %r", config.ssid)
        self.station.start_join(config)
        return Status.SUCCESS

    def status(self) -> JoinStatus:
        """``CmdGetStatus``: the join as reported to the client (IDLE before ApplyConfig)."""
        with self._lock:
            phase, config = self._phase, self._config
        if phase is not Phase.APPLIED:
            return JoinStatus(JoinState.IDLE)
        status = self.station.join_status()
        if status.state is JoinState.CONNECTED:
            self._joined = config
            if self.auto_stop:
                self._finished.set()
        return status

    def reset(self) -> Status:
        """``CmdCtrlReset``: forget the configuration after a failure (or before applying).

        Returns:
            SUCCESS; INTERNAL_ERROR while the station joins or is joined.
        """
        with self._lock:
            if self._phase is Phase.APPLIED and self.station.join_status().state is not JoinState.FAILED:
                log.warning("prov-ctrl: CtrlReset refused: the join has not failed")
                return Status.INTERNAL_ERROR
            self._phase, self._config = Phase.STARTED, None
        self.station.reset()
        log.info("prov-ctrl: reset; waiting for a new configuration")
        return Status.SUCCESS

    def reprovision(self) -> Status:
        """``CmdCtrlReprov``: accept a new configuration after a success; the station
        stays on its network until the new one is applied.

        Returns:
            SUCCESS; INTERNAL_ERROR unless the station is joined through this service.
        """
        with self._lock:
            if self._phase is not Phase.APPLIED or self.station.join_status().state is not JoinState.CONNECTED:
                log.warning("prov-ctrl: CtrlReprov refused: no network joined through provisioning")
                return Status.INTERNAL_ERROR
            self._phase, self._config = Phase.STARTED, None
            self._finished.clear()
        log.info("prov-ctrl: re-provisioning; waiting for a new configuration")
        return Status.SUCCESS


def _config_problem(config: StationConfig) -> Optional[str]:
    """What is malformed in a ``CmdSetConfig`` (lengths only: never the passphrase)."""
    if not 1 <= len(config.ssid) <= _MAX_SSID:
        return f"the SSID is {len(config.ssid)} octets; 1 to {_MAX_SSID}"
    if len(config.passphrase) > _MAX_PASSPHRASE:
        return f"the passphrase is {len(config.passphrase)} octets; at most {_MAX_PASSPHRASE}"
    if len(config.bssid) not in (0, 6):
        return f"the BSSID is {len(config.bssid)} octets; 0 or 6"
    if not 0 <= config.channel <= 196:
        return f"channel {config.channel} is out of range"
    return None
