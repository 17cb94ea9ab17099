"""Options of the provisionee machine and the mutable context of one task run.

Source: protocol §6.1 (task start), §7.3 (fallback setup network), §7.4 (setup port).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Set

from .. import deadlines
from ..compat.types import ConnectionAttempt, ProvisioneeState, WifiConfiguration, WifiScanResult
from ..dss.client import DEFAULT_HOST, DEFAULT_PORT, SETUP_NETWORK_PORT, DSSClient
from ..setup_network import SIMPLE_SETUP

__all__ = [
    "SIMPLE_SETUP",
    "MachineOptions",
    "TaskContext",
    "DEFAULT_MAX_TRANSITIONS",
    "DEFAULT_MAX_RUN_S",
    "DEFAULT_MAX_CREDENTIAL_PAGES",
]


#: Defaults of the run's budget (documented together in :mod:`wss.deadlines`).
DEFAULT_MAX_TRANSITIONS = deadlines.MAX_TRANSITIONS
DEFAULT_MAX_RUN_S = deadlines.MAX_RUN_S
DEFAULT_MAX_CREDENTIAL_PAGES = deadlines.MAX_CREDENTIAL_PAGES


@dataclass(frozen=True)
class MachineOptions:
    """Tunables of the provisionee machine.

    Attributes:
        default_host: DSS host when ``DSS.Host`` is NOT_IMPLEMENTED.
        default_port: DSS port when ``DSS.Port`` is NOT_IMPLEMENTED.
        setup_network_port: DSS port while on the encoded setup network (8888, §7.4).
        fallback_setup_network: used when ``ffsGetSetupNetworkConfiguration`` says
            NOT_IMPLEMENTED (§7.3).
        only_scanned_credentials: ignore returned credentials for SSIDs the device did not
            post (certification: credentials only for SSIDs in the vicinity).
        max_transitions: the most state transitions of one run (default 50); one more
            aborts the run with :class:`~wss.errors.RunBudgetExceeded` (a DSS that keeps
            answering "repeat this state" is not obeyed without limit). Enforced by the
            machine.
        max_run_s: the most wall time of one run, seconds, by the runner's injected clock
            (default 900); None: no limit. Checked by the runner before every action that
            may wait; once passed, each such action fails with
            :class:`~wss.errors.RunBudgetExceeded`, which aborts the run.
        max_credential_pages: the most getWifiCredentials pages of one GET_WIFI_LIST
            state (default 32); a DSS that never answers ``allCredentialsReturned`` stops
            there.

    Raises:
        ValueError: a port outside 1..65535, or a budget that is not positive.

    Source: protocol §6.1 (task loop), §6.4 (pages), §7.4; integration guide (fallback).
    """

    default_host: str = DEFAULT_HOST
    default_port: int = DEFAULT_PORT
    setup_network_port: int = SETUP_NETWORK_PORT
    fallback_setup_network: WifiConfiguration = SIMPLE_SETUP
    only_scanned_credentials: bool = True
    max_transitions: int = DEFAULT_MAX_TRANSITIONS
    max_run_s: Optional[float] = DEFAULT_MAX_RUN_S
    max_credential_pages: int = DEFAULT_MAX_CREDENTIAL_PAGES

    def __post_init__(self) -> None:
        for name in ("default_port", "setup_network_port"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
                raise ValueError(f"MachineOptions.{name} must be a port 1..65535, got {value!r}")
        for name in ("max_transitions", "max_credential_pages"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"MachineOptions.{name} must be a positive integer, got {value!r}")
        run_s = self.max_run_s
        if run_s is not None and (
            isinstance(run_s, bool) or not isinstance(run_s, (int, float)) or not 0 < run_s < math.inf
        ):
            raise ValueError(f"MachineOptions.max_run_s must be a positive number of seconds or None, got {run_s!r}")


@dataclass
class TaskContext:
    """Everything one task run remembers between states.

    Attributes:
        options: the machine options.
        state: the state being handled (the stored state).
        client: the DSS client context (created at task start).
        encoded_network: the encoded setup network computed at task start, or None.
        setup_network: the setup network joined (encoded or fallback).
        setup_is_encoded: ``setup_network`` is the encoded one (DSS traffic goes to 8888).
        joined_home_network: associated to a user network right now.
        carried_scan_result: the scan result that did not fit the last page.
        carried_attempt: the connection attempt that did not fit the last report.
        posted_ssids: SSIDs sent in postWifiScanData pages.
        transitions: state transitions made so far (bounded by ``options.max_transitions``).
    """

    options: MachineOptions
    state: ProvisioneeState = ProvisioneeState.NOT_PROVISIONED
    client: Optional[DSSClient] = None
    encoded_network: Optional[WifiConfiguration] = None
    setup_network: Optional[WifiConfiguration] = None
    setup_is_encoded: bool = False
    joined_home_network: bool = False
    carried_scan_result: Optional[WifiScanResult] = None
    carried_attempt: Optional[ConnectionAttempt] = None
    posted_ssids: Set[bytes] = field(default_factory=set)
    transitions: int = 0

    @property
    def dss(self) -> DSSClient:
        """The DSS client (exists once the task has started)."""
        assert self.client is not None, "the task has not started"
        return self.client
