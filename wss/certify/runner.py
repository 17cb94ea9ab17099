"""One run of a plan: build the device, provision it through ``wss.provision``, gather the evidence, check it.

A :class:`Bench` holds what every run shares (the device's files, the simulated
provisioner, what the checks expect, how drivers are made); a :class:`Worker` makes
runs one after another against its own DSS. For a driver that takes a radio
environment (the mock, or an emulator that declares the same option) each run gets the
profile's home with its radio fault applied, a manual clock (a 45-second association
costs no real time) and retries that wait on that clock; the runner's clock is then the
real time plus the simulated time, so phase timings include the simulated waits. A
driver on real hardware gets the real clock.

Every run goes through :func:`wss.provisioning.provision`, the front door.

Source: issue 13 ("checks on every run"; "the front door that every run should go
through"); ``hal/mock/README.md`` (environment format, clock).
"""

from __future__ import annotations

import copy
import hashlib
import logging
import random
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from .checks import DeviceEnd, Evidence, Expectations, StoreView, check_all, provisioned, run_records
from .fallback import SoftAPEvidence, exercise_softap
from .observe import RadioLog
from .plan import RunSpec
from .profile import Profile, RadioFault
from .record import RunRecord, codes_seen, describe_cause

__all__ = ["DriverFactory", "Bench", "Worker", "home_for", "chain_sha256"]

log = logging.getLogger("wss.certify")

#: Builds a run's driver (not opened) from the values the plan offers it: ``environment``,
#: ``provisioner``, ``dss_host``, ``dss_setup_port``, ``clock`` (each given only to a
#: driver that declares an option of that name: ``wss.cli.driver.make_driver``).
DriverFactory = Callable[[Mapping[str, Any]], Any]

#: States where the task stops (no phase: they take no time).
_TERMINAL = frozenset({"DONE", "FAILURE", "TERMINATED"})
#: Setup-network SSIDs that are not encoded: the SDK's fallback.
FALLBACK_SETUP_SSIDS = frozenset({"simple_setup"})


def chain_sha256(chain_pem: bytes) -> Tuple[str, ...]:
    """SHA-256 (hex) of every certificate of a PEM chain, in file order."""
    text = chain_pem.decode("ascii", "replace")
    marker = "-----END CERTIFICATE-----"
    blocks = [part + marker for part in text.split(marker)[:-1]]
    return tuple(hashlib.sha256(ssl.PEM_cert_to_DER_cert(block.strip())).hexdigest() for block in blocks)


def home_for(profile: Profile, fault: Optional[RadioFault]) -> Dict[str, Any]:
    """The radio environment of one run: the profile's home with ``fault`` applied."""
    home = copy.deepcopy(dict(profile.home))
    if fault is None:
        return home
    if fault.type == "no_provisioner":
        home.pop("provisioner", None)
    elif fault.type == "out_of_range":
        home["access_points"] = [ap for ap in home.get("access_points") or [] if ap.get("ssid") not in fault.ssids]
    else:
        home["faults"] = list(home.get("faults") or []) + [dict(fault.entry)]
    return home


@dataclass
class Bench:
    """What every run of a plan shares.

    Attributes:
        profile: the home and the faults.
        files: the device's files (``wss.platform.DeviceFiles``).
        make_driver: builds a run's driver.
        simulated: the driver takes a radio environment (faults can be injected).
        provisioner: the simulated Echo (``wss.cloud.provisioner.Provisioner``), which
            also tells setup SSIDs apart for the vicinity check; None without one.
        expect: what the checks expect.
        policy: the device policy (``wss.platform.device.DevicePolicy``).
        scratch: a folder for the runs' stores.
        observe: called with each run's compat layer before it runs (tests: a faulty
            compat); None normally.
        fallback_ssids: the fallback setup networks (besides ``simple_setup``).
    """

    profile: Profile
    files: Any
    make_driver: DriverFactory
    simulated: bool
    provisioner: Any
    expect: Expectations
    policy: Any
    scratch: Path
    observe: Optional[Callable[[Any], None]] = None
    fallback_ssids: Tuple[str, ...] = field(default=())

    def home_networks(self) -> Tuple[Tuple[str, str], ...]:
        """The customers' saved networks as a phone gives them, (SSID, key), highest
        priority first (the SoftAP fallback's exercise)."""
        saved = [
            network
            for customer in self.profile.accounts.get("customers") or []
            for network in customer.get("networks") or []
        ]
        saved.sort(key=lambda network: -int(network.get("priority", 0)))
        return tuple((str(network["ssid"]), str(network.get("key") or "")) for network in saved)


class Worker:
    """Makes runs one after another against one DSS.

    Args:
        bench: what the runs share.
        dss: a :class:`~wss.certify.observe.LocalDSS` or ``RemoteDSS``.
        name: names the worker's folder under ``bench.scratch``.
    """

    def __init__(self, bench: Bench, dss: Any, name: str) -> None:
        self.bench = bench
        self.dss = dss
        self.folder = bench.scratch / name
        self.folder.mkdir(parents=True, exist_ok=True)

    def run(self, spec: RunSpec) -> RunRecord:
        """Make one run and check it."""
        from hal.mock import ManualClock

        from ..provisioning import provision
        from ..retry import RetryPolicy
        from ..store import ProvisioneeStore

        bench = self.bench
        started = datetime.now(timezone.utc)
        wall0 = time.perf_counter()
        self.dss.begin(spec.dss_fault.rule if spec.dss_fault is not None else None, spec.seed)
        radio_clock = ManualClock() if bench.simulated else None
        jitter = random.Random(spec.seed).random
        offered: Dict[str, Any] = {"dss_host": self.dss.host, "dss_setup_port": self.dss.setup_port}
        if radio_clock is not None:
            home = home_for(bench.profile, spec.radio_fault)
            offered.update(environment=home, clock=radio_clock)
            offered["provisioner"] = bench.provisioner if home.get("provisioner") else None
            retry = RetryPolicy(jitter=jitter, sleep=radio_clock.sleep, clock=radio_clock.monotonic)
            clock: Callable[[], float] = lambda: time.perf_counter() + radio_clock.now  # noqa: E731
        else:
            retry, clock = RetryPolicy(jitter=jitter), time.monotonic
        driver = bench.make_driver(offered)
        radio = RadioLog(driver)
        store_path = self.folder / f"run-{spec.index}.json"
        device: Optional[DeviceEnd] = None
        crash: Optional[str] = None
        try:
            outcome = provision(
                driver,
                bench.files,
                ProvisioneeStore.open(str(store_path)),
                dss_host=self.dss.host,
                dss_port=self.dss.port,
                setup_port=self.dss.setup_port,
                policy=bench.policy,
                retry_policy=retry,
                clock=clock,
                observe=bench.observe,
            )
            device = _device_end(outcome)
        except Exception as exc:  # the run is reported, and the plan goes on
            crash = " ".join(f"{type(exc).__name__}: {exc}".splitlines())
            log.debug("run %d raised", spec.index, exc_info=True)
        finally:
            radio.detach()
        records = run_records(self.dss.records())
        store_view = _store_view(store_path)  # as the run left it, before any SoftAP setup
        softap = self._fallback(driver, store_path, store_view, device)
        evidence = Evidence(spec, records, radio, device, crash, store_view, softap)
        store_path.unlink(missing_ok=True)
        findings = check_all(evidence, bench.expect)
        done = provisioned(evidence, bench.expect)
        ok = done and not findings
        return RunRecord.make(
            evidence,
            succeeded=ok,
            provisioned=done,
            findings=findings,
            codes=codes_seen(evidence),
            cause=None if ok else describe_cause(evidence, findings),
            started_utc=started,
            wall_s=time.perf_counter() - wall0,
        )

    def _fallback(
        self, driver: Any, store_path: Path, store: Optional[StoreView], device: Optional[DeviceEnd]
    ) -> Optional[SoftAPEvidence]:
        """After a run that fell back (the store says SoftAP setup mode): start the SoftAP
        flow and have esp_prov's client set the device up through it
        (:mod:`wss.certify.fallback`); on a real radio a phone must do it, so it is only
        noted. None when the run did not fall back."""
        if store is None or not store.softap_mode or (device is not None and device.succeeded):
            return None
        if not self.bench.simulated:
            return SoftAPEvidence(
                False, "not exercised: a real radio (a phone must set the device up)", exercised=False
            )
        return exercise_softap(driver, str(store_path), self.bench.home_networks())


def _device_end(outcome: Any) -> DeviceEnd:
    """The device's own account of the run, from :class:`wss.provisioning.Provisioning`."""
    result = outcome.result
    phases: Dict[str, float] = {}
    for entry in result.transcript:
        name = entry.from_state.name
        if name not in _TERMINAL:
            phases[name] = phases.get(name, 0.0) + entry.duration_s
    return DeviceEnd(
        succeeded=outcome.succeeded,
        final_state=result.final_state.name,
        reason=result.reason.value,
        error=result.error,
        error_code=result.error_code,
        phases=phases,
        elapsed_s=result.elapsed_s,
        retries=len(result.retries),
    )


def _store_view(path: Path) -> Optional[StoreView]:
    """The store as a restarted device reads it, or None if it cannot be read."""
    from ..errors import StoreError
    from ..store import ProvisioneeStore

    try:
        store = ProvisioneeStore.open(str(path))
    except StoreError:
        return None
    return StoreView(store.state.name, store.softap_mode, store.wss_enabled)
