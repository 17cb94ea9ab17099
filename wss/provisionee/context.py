"""Options of the provisionee machine and the mutable context of one task run.

Source: protocol §6.1 (task start), §7.3 (fallback setup network), §7.4 (setup port).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Set

from ..compat.types import ConnectionAttempt, ProvisioneeState, WifiConfiguration, WifiScanResult
from ..dss.client import DEFAULT_HOST, DEFAULT_PORT, SETUP_NETWORK_PORT, DSSClient
from ..setup_network import SIMPLE_SETUP

__all__ = ["SIMPLE_SETUP", "MachineOptions", "TaskContext"]


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
    """

    default_host: str = DEFAULT_HOST
    default_port: int = DEFAULT_PORT
    setup_network_port: int = SETUP_NETWORK_PORT
    fallback_setup_network: WifiConfiguration = SIMPLE_SETUP
    only_scanned_credentials: bool = True


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

    @property
    def dss(self) -> DSSClient:
        """The DSS client (exists once the task has started)."""
        assert self.client is not None, "the task has not started"
        return self.client
