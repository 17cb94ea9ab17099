"""A production run: N devices, one folder each, resumable after an interruption.

Layout of the batch folder ``DIR``::

    DIR/batch.json                   what the run was started with (checked on resume)
    DIR/devices/0001/private_key.pem DHA private key (mode 0600)
    DIR/devices/0001/device.csr      the request
    DIR/devices/0001/device-certificate.pem
    DIR/devices/0001/certificate.pem DHA followed by the DAK file (the chain to flash)
    DIR/devices/0001/dha-control-log-public-key.txt   as the guide's openssl pipeline prints it
    DIR/devices/0001/barcode.txt     the barcode value and a newline
    DIR/control-log.csv              one row per device, rebuilt at the end of every run

Each device folder is built under a hidden temporary name and renamed when complete, so
a device either exists entirely or not at all. ``count`` is the size of the whole run:
running the same command again after a crash or Ctrl-C removes unfinished temporaries,
keeps the finished devices and makes only the missing ones. Serial numbers of the
finished devices are read back from their certificates, so no serial is ever issued
twice within a batch. A resume with another configuration, DAK, extension section,
validity or serial option is refused; so is a second process on the same folder.

Private keys are written only into the device folders; nothing here prints or logs them.

Source: issue 4 (``batch``); guide "Provision AVS devices for FFS" step 3.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Set

from cryptography import x509

from .._lock import FolderLock
from ..errors import ConfigError
from . import certs as C
from .chain import load_chain, verify_links
from .control_log import barcode_value, control_log_row, public_key_text, rows_csv
from .csr import RequestSpec, make_csr, request_spec
from .files import KEY_MODE, PUBLIC_MODE, OutputError, OutputSet, staged_dir, write_new_file
from .opensslconf import load
from .sign import SigningCA, chain_pem, check_csr, fingerprint, load_ca, sign_csr

__all__ = ["BatchSummary", "run_batch", "DEVICE_FILES", "MAX_COUNT"]

log = logging.getLogger(__name__)

#: Files of one device folder.
DEVICE_FILES = (
    "private_key.pem",
    "device.csr",
    "device-certificate.pem",
    "certificate.pem",
    "dha-control-log-public-key.txt",
    "barcode.txt",
)
#: Largest batch.
MAX_COUNT = 999999
_DEVICE_DIR_RE = re.compile(r"[0-9]{4,6}\Z")
_PARTIAL_RE = re.compile(r"\.[0-9]{4,6}\..*\.partial\Z")


@dataclass(frozen=True)
class BatchSummary:
    """What a run did.

    Attributes:
        folder: The batch folder.
        requested: ``count``.
        existing: Devices that were already finished before this run.
        created: Devices made by this run.
        removed_partials: Unfinished device folders of an interrupted run that were removed.
        control_log: The rebuilt CSV.
        device_type: Device type id of the subject, if any.
    """

    folder: Path
    requested: int
    existing: int
    created: int
    removed_partials: int
    control_log: Path
    device_type: Optional[str]

    @property
    def total(self) -> int:
        return self.existing + self.created


def _manifest(config_path: Path, section: str, ca: SigningCA, days: int, with_serial: bool) -> Dict:
    return {
        "format": 1,
        "config_sha256": hashlib.sha256(Path(config_path).read_bytes()).hexdigest(),
        "extensions": section,
        "ca_sha256": fingerprint(ca.cert),
        "days": days,
        "with_serial": with_serial,
    }


def _check_manifest(folder: Path, wanted: Dict) -> None:
    path = folder / "batch.json"
    if not path.exists():
        out = OutputSet(folder)
        out.add("batch.json", (json.dumps(wanted, indent=2, sort_keys=True) + "\n").encode())
        out.commit()
        return
    try:
        have = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable batch manifest ({exc})") from exc
    labels = {
        "config_sha256": "configuration file",
        "extensions": "--extensions section",
        "ca_sha256": "DAK certificate",
        "days": "--days",
        "with_serial": "--with-serial",
    }
    for key, label in labels.items():
        if have.get(key) != wanted[key]:
            raise ConfigError(
                f"{folder} was started with a different {label}; resume it with the same options, or use a new folder"
            )


def _remove_partials(devices: Path) -> int:
    removed = 0
    for entry in devices.iterdir():
        if _PARTIAL_RE.match(entry.name) and entry.is_dir():
            shutil.rmtree(entry)
            removed += 1
    return removed


def _finished(devices: Path) -> Dict[int, x509.Certificate]:
    found: Dict[int, x509.Certificate] = {}
    for entry in devices.iterdir():
        if not (_DEVICE_DIR_RE.match(entry.name) and entry.is_dir()):
            continue
        missing = [name for name in DEVICE_FILES if not (entry / name).is_file()]
        if missing:
            raise ConfigError(
                f"{entry} is incomplete (missing {', '.join(missing)}); it was not "
                "made by wss mfg batch — move it out of the folder and resume"
            )
        path = entry / "device-certificate.pem"
        found[int(entry.name)] = load_chain(path.read_bytes(), str(path))[0]
    return found


def _device_spec(spec: RequestSpec, serial: Optional[str]) -> RequestSpec:
    if serial is None:
        return spec
    subject = x509.Name(list(spec.subject) + [x509.NameAttribute(C.DEVICE_SERIAL_OID, serial)])
    return dataclasses.replace(spec, subject=subject)


def _make_device(
    final: Path, spec: RequestSpec, ca: SigningCA, section: str, days: int, taken: Set[int]
) -> x509.Certificate:
    key = C.generate_key()
    csr = make_csr(spec, key)
    check_csr(csr, final.name)
    cert = sign_csr(csr, ca, spec.config, section, days, taken=taken)
    verify_links([cert, *ca.chain], f"device {final.name}")
    contents = {
        "private_key.pem": C.private_key_pem(key),
        "device.csr": C.csr_pem(csr),
        "device-certificate.pem": C.cert_pem(cert),
        "certificate.pem": chain_pem(cert, ca),
        "dha-control-log-public-key.txt": public_key_text(cert).encode("ascii"),
        "barcode.txt": (barcode_value(cert) + "\n").encode("utf-8"),
    }
    try:
        with staged_dir(final) as temp:
            for name in DEVICE_FILES:
                write_new_file(temp / name, contents[name], KEY_MODE if name == "private_key.pem" else PUBLIC_MODE)
    except OSError as exc:
        raise OutputError(f"cannot write device {final}: {exc.strerror or exc}; that device was not made") from exc
    return cert


def run_batch(
    count: int,
    config_path: Path,
    section: str,
    ca_cert: Path,
    ca_key: Path,
    days: int,
    out_dir: Path,
    *,
    with_serial: bool = False,
    progress: Optional[Callable[[str, int, int], None]] = None,
) -> BatchSummary:
    """Make (or finish making) a batch of ``count`` devices in ``out_dir``.

    Args:
        count: Devices in the whole batch (1 to :data:`MAX_COUNT`).
        config_path: ``device.conf``.
        section: Extension section for the DHA certificates (``req_ext``).
        ca_cert: The DAK certificate file (``dak-certificate.pem``).
        ca_key: The DAK private key.
        days: DHA validity in days.
        out_dir: Batch folder (created if missing).
        with_serial: Add a 12-character device serial (OID 1.3.6.1.4.1.4843.1.1), unique
            in the batch, to each DHA subject; it becomes the barcode value.
        progress: Called as ``progress(folder_name, done, to_make)`` after each new device.

    Returns:
        A :class:`BatchSummary`.

    Raises:
        ConfigError, InvalidSignature: Bad inputs, or a resume with other options; checked
            before any device is made.
        OutputError: The folder cannot be written or is locked by another run.

    Source: issue 4 (batch).
    """
    if not 1 <= count <= MAX_COUNT:
        raise ConfigError(f"--count {count}: expected 1 to {MAX_COUNT}")
    config = load(config_path)
    spec = request_spec(config)
    ca = load_ca(ca_cert, ca_key)
    config.section(section)
    out_dir = Path(out_dir)
    devices = out_dir / "devices"
    try:
        devices.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {devices}: {exc.strerror or exc}") from exc
    with FolderLock(out_dir, OutputError, f"{out_dir}: another batch is running in this folder"):
        _check_manifest(out_dir, _manifest(config_path, section, ca, days, with_serial))
        removed = _remove_partials(devices)
        finished = _finished(devices)
        taken = {cert.serial_number for cert in finished.values()}
        barcodes = {barcode_value(cert) for cert in finished.values()}
        todo: List[int] = [n for n in range(1, count + 1) if n not in finished]
        made: Dict[int, x509.Certificate] = {}
        for done, index in enumerate(todo, 1):
            serial = None
            if with_serial:
                serial = C.random_text(12)
                while serial in barcodes:
                    serial = C.random_text(12)
                barcodes.add(serial)
            name = f"{index:04d}"
            cert = _make_device(devices / name, _device_spec(spec, serial), ca, section, days, taken)
            taken.add(cert.serial_number)
            made[index] = cert
            log.info("batch %s: device %s done (%d/%d)", out_dir, name, done, len(todo))
            if progress is not None:
                progress(name, done, len(todo))
        every = {**finished, **made}
        out = OutputSet(out_dir, overwrite=True)
        log_path = out.add("control-log.csv", rows_csv(control_log_row(every[n]) for n in sorted(every)))
        out.commit()
    types = spec.subject.get_attributes_for_oid(C.DEVICE_TYPE_OID)
    return BatchSummary(
        folder=out_dir,
        requested=count,
        existing=len(finished),
        created=len(made),
        removed_partials=removed,
        control_log=log_path,
        device_type=str(types[0].value) if types else None,
    )
