"""The end-to-end world: the real local DSS, real mutual TLS, the mock radio, DefaultCompat.

:func:`provision` runs one whole provisioning in-process: a :class:`wss.cloud.DSSServer`
on ephemeral ports (accounts and faults as given), a :class:`hal.mock.WifiDriverMock`
for the environment (its provisioner is ``Provisioner.from_files`` with the PKI's cloud
private key), a :class:`~wss.platform.default.DefaultCompat` on a store in a temporary
folder, and the runner with a retry policy whose sleeps are recorded, never slept.

Every run is checked with :func:`check_ssids`: the device never posts, nor is given
credentials for, nor tries to join an SSID that its radio could not have heard.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

from hal.mock import WifiDriverMock
from wss.cloud import DSSServer
from wss.cloud.provisioner import Provisioner
from wss.platform.device_files import DeviceFiles, build_default_compat
from wss.provisionee import MachineOptions, ProvisioningResult, dss_transcript, run
from wss.retry import RetryPolicy
from wss.store import ProvisioneeStore

HOME_KEY = "correct horse battery"
DSS_HOST = "dp-sps-na.amazon.com"
#: Setup networks that are not encoded: the SDK default and the tests' configured one.
FALLBACK_SSIDS = {"simple_setup", "setup-fallback"}


def access_point(
    ssid: str,
    bssid: str,
    security: str = "WPA2_PSK",
    passphrase: Optional[str] = None,
    channel: int = 6,
    rssi: int = -50,
    **extra: Any,
) -> Dict[str, Any]:
    entry = {"ssid": ssid, "bssid": bssid, "channel": channel, "rssi": rssi, "security": security}
    if passphrase is not None:
        entry["passphrase"] = passphrase
    entry.update(extra)
    return entry


def home_environment() -> Dict[str, Any]:
    """A home: the customer's two networks, neighbours of every kind, a hidden camera."""
    return {
        "access_points": [
            access_point("HomeNet", "02:00:00:00:01:01", passphrase=HOME_KEY, rssi=-40),
            access_point("HomeNet-5G", "02:00:00:00:01:02", "WPA2_WPA3", "five gee ghz", channel=36, rssi=-55),
            access_point("Neighbour", "02:00:00:00:02:01", passphrase="not ours at all", channel=11, rssi=-75),
            access_point("OpenCafe", "02:00:00:00:03:01", "OPEN", channel=1, rssi=-70),
            access_point("OldWep", "02:00:00:00:04:01", "WEP", "abcde", channel=3, rssi=-80),
            access_point("Camera", "02:00:00:00:05:01", passphrase="camera-link-77", hidden=True, rssi=-65),
        ]
    }


def accounts(*networks: Dict[str, Any]) -> Dict[str, Any]:
    """One customer who owns every device, with these saved networks (default: HomeNet)."""
    saved = list(networks) or [{"ssid": "HomeNet", "security": "WPA_PSK", "key": HOME_KEY}]
    return {"customers": [{"id": "home", "devices": "*", "networks": saved}]}


def audible_ssids(environment: Dict[str, Any]) -> Set[bytes]:
    """SSIDs a wildcard scan of this environment can reveal (not hidden)."""
    return {ap["ssid"].encode() for ap in environment.get("access_points", []) if not ap.get("hidden")}


class RecordedSleep:
    """The retry policy's sleep: remembers every wait, waits for nothing."""

    def __init__(self) -> None:
        self.waits: List[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Run:
    """What one provisioning left behind."""

    result: ProvisioningResult
    compat: Any
    driver: WifiDriverMock
    store_path: Path
    records: List[Dict[str, Any]]
    sleeps: List[float]
    environment: Dict[str, Any]
    provisioner: Provisioner

    @property
    def exchanges(self) -> List[dss_transcript.Exchange]:
        return dss_transcript.exchanges(self.records)

    def operations(self) -> List[str]:
        return [exchange.operation for exchange in self.exchanges]

    def reports(self) -> List[tuple]:
        return [
            (
                e.request["currentProvisioningState"],
                e.request["stateTransitionResult"],
                e.response.get("nextProvisioningState"),
                e.response.get("canProceed"),
            )
            for e in self.exchanges
            if e.operation == "report"
        ]

    def attempts(self, state: Optional[str] = None) -> List[tuple]:
        return [
            (a.ssid, a.connection_state, a.code)
            for a in dss_transcript.attempts(self.records)
            if state is None or a.state == state
        ]

    def stored(self) -> ProvisioneeStore:
        """The store as a restarted device would read it from disk."""
        return ProvisioneeStore.open(str(self.store_path))


def check_ssids(run_: Run) -> None:
    """The device never posts, gets credentials for or joins an SSID it did not hear."""
    heard = {ssid.decode() for ssid in run_.compat.seen_ssids}
    audible = {ssid.decode() for ssid in audible_ssids(run_.environment)}
    posted = dss_transcript.posted_ssids(run_.records)
    assert heard <= audible, f"the scan reported SSIDs that are not on the air: {heard - audible}"
    assert posted <= heard, f"posted SSIDs the device did not scan: {posted - heard}"
    assert dss_transcript.credential_ssids(run_.records) <= posted
    tried = {
        attempt.ssid for attempt in dss_transcript.attempts(run_.records) if attempt.ssid
    }  # an empty SSID is "no network configured" (3:1:0:1)
    setup = {ssid for ssid in tried if ssid in FALLBACK_SSIDS or run_.provisioner.recognise(ssid)}
    assert tried <= posted | setup, f"tried SSIDs it did not scan: {tried - posted - setup}"


def environment_file(workdir: Path, pki: Any) -> Path:
    """The home of :func:`home_environment` as a file, with a provisioner in range that
    holds the PKI's cloud key (what ``wss provision --hal-option environment=`` reads)."""
    environment = dict(home_environment(), provisioner={"cloud_private_key": str(pki.cloud_private_key)})
    path = workdir / "home.json"  # YAML is a superset of JSON
    path.write_text(json.dumps(environment))
    return path


def provision_args(tmp_path: Path, pki: Any, server: Any, dss_host: str = "localhost") -> List[str]:
    """``wss provision`` arguments for the mock radio in :func:`environment_file`'s home,
    against the local DSS ``server``, with the store in ``tmp_path/state``."""
    return [
        "provision",
        "--hal",
        "mock",
        "--hal-option",
        f"environment={environment_file(tmp_path, pki)}",
        "--pki",
        str(pki.folder),
        "--dss",
        f"{dss_host}:{server.port}",
        "--setup-port",
        str(server.setup_port),
        "--state-dir",
        str(tmp_path / "state"),
    ]


def provision(
    pki: Any,
    workdir: Path,
    *,
    environment: Optional[Dict[str, Any]] = None,
    saved: Optional[Dict[str, Any]] = None,
    faults: Any = None,
    provisioner: bool = True,
    capabilities: Optional[Dict[str, Any]] = None,
    machine: Optional[Dict[str, Any]] = None,
    **compat_options: Any,
) -> Run:
    """Provision once against a fresh local DSS; check the SSID rule; return the run.

    ``machine`` holds more :class:`MachineOptions` fields (e.g. the run's budget).
    """
    env = copy.deepcopy(environment if environment is not None else home_environment())
    files = DeviceFiles.from_pki(pki.folder)
    workdir.mkdir(parents=True, exist_ok=True)
    store_path = workdir / "provisionee.json"
    sleep = RecordedSleep()
    policy = RetryPolicy(sleep=sleep, jitter=lambda: 0.5)
    with DSSServer(pki.folder, saved if saved is not None else accounts(), faults=faults) as server:
        decoder = Provisioner.from_files(files.cloud_private_key, [files.device_chain])
        driver = WifiDriverMock(
            env,
            provisioner=decoder if provisioner else None,
            dss_host=DSS_HOST,
            dss_setup_port=server.setup_port,
            capabilities=capabilities,
        )
        driver.open()
        try:
            store = ProvisioneeStore.open(str(store_path))
            compat = build_default_compat(
                driver,
                files,
                store,
                dss_host=DSS_HOST,
                dss_port=server.port,
                setup_port=server.setup_port,
                **compat_options,
            )
            with compat:
                options = MachineOptions(setup_network_port=server.setup_port, **(machine or {}))
                result = run(compat, options=options, retry_policy=policy)
                compat.finish(result.joined_home_network)
        finally:
            driver.close()
        records = server.transcript.records()
    outcome = Run(result, compat, driver, store_path, records, sleep.waits, env, decoder)
    check_ssids(outcome)
    return outcome
