"""``certify``: check everything, run the plan, decide the verdict, write the report.

Everything that can be wrong with the inputs (the PKI, the profile, the driver, the
plan's size, a profile that injects faults the chosen driver or DSS cannot take) is
found before the first run and before anything is written, and raised as
:class:`~wss.errors.UsageError` ("the plan could not run"; the CLI exits with 2).

Source: issue 13; provisionee certification guide.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..errors import ConfigError, UsageError
from .barcode import BarcodeReport, BarcodeSpec, device_barcode_value, measure, measure_file, render_code128
from .checks import Expectations
from .execute import run_all
from .observe import DSS_HOST, LocalDSS, RemoteDSS
from .plan import Plan, build_plan
from .profile import Profile
from .record import RunRecord
from .runner import FALLBACK_SETUP_SSIDS, Bench, DriverFactory, Worker, chain_sha256
from .verdict import PLAN_FAILING, Verdict, Violation, decide

__all__ = [
    "RemoteDSSSpec",
    "CertifyOptions",
    "Certification",
    "certify",
    "make_bench",
    "simulated_provisioner",
    "scratch_root",
    "MAX_WORKERS",
]

#: The most workers a plan may use.
MAX_WORKERS = 64
_CUSTOMER_ID = re.compile(r"[\x21-\x7e]{1,64}")


@dataclass(frozen=True)
class RemoteDSSSpec:
    """A DSS run elsewhere: where the device reaches it, and its transcript file."""

    host: str
    port: int
    setup_port: int
    transcript: Path


@dataclass
class CertifyOptions:
    """What a certification plan needs.

    Attributes:
        pki: the PKI folder (``wss mfg dev-pki`` layout): the device's chain and key, the
            DSS's certificate, the cloud keys.
        customer_id: the Amazon customer ID for the report (printable ASCII, no spaces).
        out: the folder the report goes to (created if missing).
        profile: the home and the faults.
        make_driver: builds a run's driver from the values offered to it.
        simulated: the driver takes a radio environment (radio faults can be injected,
            several workers can run).
        hal: the driver's name, for the report.
        runs, seed, kind: the plan (:func:`~wss.certify.plan.build_plan`).
        workers: parallel workers (threads, one local DSS each).
        remote_dss: a DSS run elsewhere instead of the local one.
        barcode: how the reference barcode is rendered.
        barcode_images: images of the printed labels to measure as well.
        barcode_dpi: their resolution (None: from the files).
        original_device_type: for a product derivative, the certified device's type.
        observe: called with each run's compat layer before it runs (tests).
        progress: show a progress bar (None: on a terminal only).
        policy: the device policy (None: the default).
    """

    pki: Path
    customer_id: str
    out: Path
    profile: Profile
    make_driver: DriverFactory
    simulated: bool
    hal: str
    runs: Optional[int] = None
    seed: Optional[int] = None
    kind: str = "full"
    workers: int = 1
    remote_dss: Optional[RemoteDSSSpec] = None
    barcode: BarcodeSpec = field(default_factory=BarcodeSpec)
    barcode_images: Tuple[Path, ...] = ()
    barcode_dpi: Optional[int] = None
    original_device_type: Optional[str] = None
    observe: Optional[Callable[[Any], None]] = None
    progress: Optional[bool] = None
    policy: Any = None


@dataclass
class Certification:
    """What a plan gave: the verdict, every run, the barcodes, the report's files."""

    plan: Plan
    verdict: Verdict
    records: List[RunRecord]
    barcodes: List[BarcodeReport]
    document: Dict[str, Any]
    files: List[Path]


def certify(options: CertifyOptions) -> Certification:
    """Run a certification plan and write its report.

    Returns:
        The certification; ``verdict.passed`` is PASS or FAIL.
    Raises:
        UsageError: the plan could not run (the message says why); nothing was written.
        ConfigError: the plan ran, but its report could not be written.
    """
    plan = _checked_plan(options)
    files, chain_pem = _device_files(options.pki)
    device = _device_identity(chain_pem)
    barcodes = _barcodes(chain_pem, options)
    with tempfile.TemporaryDirectory(prefix="wss-certify-", dir=scratch_root()) as scratch:
        bench = make_bench(
            plan.profile,
            files,
            options.make_driver,
            options.simulated,
            Path(scratch),
            policy=options.policy,
            observe=options.observe,
            dss_host=options.remote_dss.host if options.remote_dss else DSS_HOST,
        )
        dsses = _start_dss(options, plan.profile)
        started = datetime.now(timezone.utc)
        t0 = time.perf_counter()
        try:
            workers = [Worker(bench, dss, f"w{i}") for i, dss in enumerate(dsses)]
            records = run_all(plan.runs, workers, options.progress)
        finally:
            for dss in dsses:
                dss.close()
    wall_s = time.perf_counter() - t0
    ended = datetime.now(timezone.utc)
    violations = [
        Violation(r.index, requirement, message)
        for r in records
        for requirement, message in r.findings
        if requirement in PLAN_FAILING
    ]
    verdict = decide(
        plan.kind, sum(r.succeeded for r in records), len(records), violations, all(b.passes for b in barcodes)
    )
    from .document import build_document, build_images
    from .report import write_report

    document = build_document(
        plan,
        options,
        verdict,
        records,
        barcodes,
        device,
        bench.expect.chain_sha256,
        (started, ended),
        wall_s,
        len(dsses),
    )
    try:
        written = write_report(options.out, document, build_images(verdict, records, barcodes))
    except OSError as exc:
        raise ConfigError(f"{options.out}: cannot write the report ({exc.strerror or exc})") from None
    return Certification(plan, verdict, records, barcodes, document, written)


def scratch_root() -> Optional[str]:
    """Where the runs' stores go: ``/dev/shm`` (memory) when it is a writable folder, else
    the system's temporary folder. Each run's store is written atomically as on a device
    (temporary file, fsync, rename) and read back by the fallback check; on memory the
    fsyncs cost nothing, and the stores need not outlive the plan."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def _checked_plan(options: CertifyOptions) -> Plan:
    if not _CUSTOMER_ID.fullmatch(options.customer_id or ""):
        raise UsageError(
            f"--customer-id must be 1-64 printable ASCII characters without spaces, got {options.customer_id!r}"
        )
    if (
        isinstance(options.workers, bool)
        or not isinstance(options.workers, int)
        or not 1 <= options.workers <= MAX_WORKERS
    ):
        raise UsageError(f"--workers must be 1..{MAX_WORKERS}, got {options.workers!r}")
    if options.out.exists() and not options.out.is_dir():
        raise UsageError(f"--out {options.out} exists and is not a folder")
    existing = next(folder for folder in (options.out, *options.out.absolute().parents) if folder.exists())
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {options.out}: {existing} is not writable")
    profile = options.profile
    if not options.simulated and profile.radio_faults:
        raise UsageError(
            f"--hal {options.hal} takes no radio environment, so the radio faults of profile {profile.name!r} "
            "cannot be injected; use a profile without faults.radio (e.g. clean)"
        )
    if not options.simulated and options.workers > 1:
        raise UsageError(f"--hal {options.hal} drives one radio: --workers must be 1")
    if not options.simulated and options.remote_dss is None:
        raise UsageError(
            f"--hal {options.hal} drives a real radio, whose networks do not lead to a DSS in this process: "
            "give the DSS they reach with --dss HOST:PORT and --dss-transcript FILE (docs/certify.md)"
        )
    if options.remote_dss is not None and profile.dss_faults:
        raise UsageError(
            f"a remote DSS injects its own faults: profile {profile.name!r} has faults.dss; "
            "use a profile without them (e.g. clean)"
        )
    if options.remote_dss is not None and options.workers > 1:
        raise UsageError("one remote DSS transcript cannot be shared by several workers: --workers must be 1")
    return build_plan(profile, options.runs, options.seed, options.kind)


def _device_identity(chain_pem: bytes) -> Dict[str, Optional[str]]:
    """Device type and serial of the chain's leaf certificate (the DHA)."""
    import ssl

    from ..cloud.identity import identity_from_certificate

    first = chain_pem.split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----"
    try:
        identity = identity_from_certificate(ssl.PEM_cert_to_DER_cert(first.decode("ascii").strip()))
    except ValueError as exc:
        raise UsageError(f"the device certificate cannot be read: {exc}") from None
    return {"device_type": identity.device_type, "serial": identity.serial}


def _barcodes(chain_pem: bytes, options: CertifyOptions) -> List[BarcodeReport]:
    """The reference barcode rendered from the control-log value, then each given image."""
    try:
        value = device_barcode_value(chain_pem)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    reports = [measure(render_code128(value, options.barcode), value, "rendered", options.barcode.dpi)]
    reports.extend(measure_file(path, value, options.barcode_dpi) for path in options.barcode_images)
    return reports


def make_bench(
    profile: Profile,
    files: Any,
    make_driver: DriverFactory,
    simulated: bool,
    scratch: Path,
    *,
    policy: Any = None,
    observe: Optional[Callable[[Any], None]] = None,
    dss_host: str = DSS_HOST,
) -> Bench:
    """What every run of a plan shares: the device's files, the simulated provisioner and
    what the checks expect (the device's chain, the home networks, the DSS host name).

    Raises:
        UsageError: the device files or the cloud private key are unusable.
    """
    from ..platform.device import DevicePolicy

    policy = policy if policy is not None else DevicePolicy()
    try:
        chain = chain_sha256(files.read("device_chain"))
    except (ConfigError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    provisioner = simulated_provisioner(files, simulated)

    def is_setup_ssid(ssid: str) -> bool:
        return ssid in FALLBACK_SETUP_SSIDS or (provisioner is not None and provisioner.recognise(ssid) is not None)

    expect = Expectations(
        dss_host=dss_host,
        chain_sha256=chain,
        home_ssids=frozenset(profile.home_ssids),
        is_setup_ssid=is_setup_ssid,
        connect_timeout_s=policy.connect_timeout_s,
        run_s=profile.run_s,
        permanent=profile.permanent,
    )
    return Bench(profile, files, make_driver, simulated, provisioner, expect, policy, scratch, observe)


def _device_files(pki: Path) -> Tuple[Any, bytes]:
    """The device's files in the PKI folder, each readable, and its chain (PEM).

    Raises:
        UsageError: a file is missing or unreadable, or the chain holds no certificate.
    """
    from ..platform.device_files import DeviceFiles

    try:
        files = DeviceFiles.from_pki(pki)
        for name in ("device_key", "dss_ca", "cloud_public_key"):
            files.read(name)
        chain_pem = files.read("device_chain")
        if not chain_sha256(chain_pem):
            raise ConfigError(f"{files.device_chain}: holds no certificate")
    except (ConfigError, ValueError) as exc:
        raise UsageError(f"--pki {pki}: {exc}") from None
    return files, chain_pem


def simulated_provisioner(files: Any, simulated: bool) -> Any:
    """The simulated Echo (decodes the encoded setup SSID with the cloud private key);
    None without the key when the radio is not simulated.

    Raises:
        UsageError: the radio is simulated and the cloud private key is unusable.
    """
    from ..cloud.provisioner import Provisioner

    key = files.cloud_private_key
    if key is None or not Path(key).is_file():
        if simulated:
            raise UsageError(f"the simulated provisioner needs the cloud private key ({key}: not found)")
        return None
    try:
        return Provisioner.from_files(key, [files.device_chain])
    except (ConfigError, ValueError) as exc:
        raise UsageError(f"the simulated provisioner cannot use {key}: {exc}") from None


def _start_dss(options: CertifyOptions, profile: Profile) -> List[Any]:
    remote = options.remote_dss
    if remote is not None:
        try:
            return [RemoteDSS(remote.transcript, remote.host, remote.port, remote.setup_port)]
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
    started: List[Any] = []
    try:
        for _ in range(options.workers):
            started.append(LocalDSS(options.pki, profile.accounts))
    except (ConfigError, OSError) as exc:
        for dss in started:
            dss.close()
        raise UsageError(f"the local DSS cannot start: {exc}") from None
    return started


def tool_versions() -> Dict[str, str]:
    """wss, Python and the platform, for the report."""
    from .. import __version__

    return {"wss": __version__, "python": sys.version.split()[0], "platform": platform.platform()}
