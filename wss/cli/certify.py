"""``wss certify``: run the certification test plan on a desk and write the report.

    wss certify --pki DIR --customer-id ID --out DIR [--hal mock] [--runs N]
                [--profile default|clean|FILE] [--workers K] [--seed S] [--plan full|derivative]
    wss certify --hal nl80211 --hal-option iface=wlan0 --profile clean --runs 3
                --dss HOST:PORT --setup-port PORT --dss-transcript FILE --pki DIR --customer-id ID --out DIR

Each run provisions the device through ``wss.provision`` against a DSS — the local one
in this process (one per worker), or, with ``--dss`` and ``--dss-transcript``, a DSS run
elsewhere (``wss cloud serve --transcript FILE``, e.g. on the access points' side of a
lab) — and is checked from what that DSS and the radio saw. ``--hal`` and
``--hal-option`` choose the driver as for ``wss provision``; a driver that declares an
``environment`` option (the mock) gets the profile's home with each run's radio fault.

Writes ``OUT/report.json``, ``OUT/report.html`` and ``OUT/barcode.png``. Exit status: 0
PASS, 1 FAIL, 2 the plan could not run (a usage error, one line, nothing written).

Source: issue 13; docs/certify.md.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Any, Dict, Iterator

from . import arguments
from .driver import add_driver_arguments, driver_class, make_driver

#: Driver options the plan sets for each run (``wss.certify.runner``): not for the user.
_PLANNED = ("environment", "provisioner", "provisioner_factory", "clock", "dss_host", "dss_setup_port")
#: Loggers quietened while the plan runs (the device's retries and warnings would bury
#: the progress bar); ``-v`` keeps them.
_QUIET = ("wss", "hal")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``certify`` parser."""
    p = subparsers.add_parser(
        "certify",
        help="run the certification test plan and write the report",
        description="Run the WSS provisionee certification plan on a desk and write the report Amazon asks for.",
    )
    add_driver_arguments(p, default="mock")
    p.add_argument("--pki", required=True, type=arguments.existing_folder, help="PKI folder (`wss mfg dev-pki` layout)")
    p.add_argument("--customer-id", required=True, help="the Amazon customer ID to put in the report")
    p.add_argument("--out", required=True, type=arguments.folder_to_create, help="folder for the report")
    p.add_argument("--profile", default="default", help="default, clean, or a profile file (default: default)")
    p.add_argument("--plan", default="full", choices=("full", "derivative"), help="the plan (default full)")
    p.add_argument(
        "--runs", type=arguments.int_range(1, 1_000_000, "a number of runs"), help="runs (100; 10 derivative)"
    )
    p.add_argument("--workers", type=arguments.int_range(1, 64, "a number of workers"), help="parallel workers")
    p.add_argument(
        "--seed", type=arguments.int_range(0, 2**63 - 1, "a seed"), help="the plan's seed (default: the profile's)"
    )
    p.add_argument("--dss", type=arguments.endpoint, help="HOST:PORT of a DSS run elsewhere (with --dss-transcript)")
    p.add_argument("--setup-port", type=arguments.port, default=8888, help="that DSS's setup-network port (8888)")
    p.add_argument("--dss-transcript", type=arguments.existing_file, help="the transcript file that DSS appends to")
    p.add_argument(
        "--barcode-image", action="append", default=[], type=arguments.existing_file, help="a scan of the printed label"
    )
    p.add_argument("--barcode-dpi", type=arguments.int_range(50, 9600, "dots per inch"), help="the scans' resolution")
    p.add_argument("--original-device-type", help="product derivative: the certified device's type, for the report")
    p.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the plan; 0 on PASS, 1 on FAIL (UsageError: the CLI exits with 2)."""
    from hal.options import declared_options

    from ..certify.certification import CertifyOptions, RemoteDSSSpec, certify
    from ..certify.profile import load_profile
    from ..certify.runner import home_for
    from ..errors import ConfigError, UsageError

    _require_extra()
    if (args.dss is None) != (args.dss_transcript is None):
        raise UsageError("--dss and --dss-transcript go together (a DSS run elsewhere, and what it records)")
    planned = sorted({pair.partition("=")[0].strip() for pair in args.hal_option} & set(_PLANNED))
    if planned:
        raise UsageError(f"--hal-option {planned[0]}: the plan sets it for each run (the profile's home and faults)")
    profile = load_profile(args.profile)
    try:
        simulated = "environment" in declared_options(driver_class(args))
        trial: Dict[str, Any] = {"environment": home_for(profile, None), "provisioner": _NoProvisioner()}
        make_driver(args, trial if simulated else {})  # a bad driver or option is a usage error now
    except ConfigError as exc:  # the driver cannot be built here: the plan cannot run
        raise UsageError(str(exc)) from None
    remote = None
    if args.dss is not None:
        remote = RemoteDSSSpec(args.dss[0], args.dss[1], args.setup_port, args.dss_transcript)
    workers = args.workers or (min(os.cpu_count() or 1, 8) if simulated and remote is None else 1)
    options = CertifyOptions(
        pki=args.pki,
        customer_id=args.customer_id,
        out=args.out,
        profile=profile,
        make_driver=lambda values: make_driver(args, values),
        simulated=simulated,
        hal=args.hal,
        runs=args.runs,
        seed=args.seed,
        kind=args.plan,
        workers=workers,
        remote_dss=remote,
        barcode_images=tuple(args.barcode_image),
        barcode_dpi=args.barcode_dpi,
        original_device_type=args.original_device_type,
        progress=False if args.no_progress else None,
    )
    with _quiet(args.verbose == 0):
        result = certify(options)
    _summary(result, args.out)
    return 0 if result.verdict.passed else 1


class _NoProvisioner:
    """Stands in for the simulated Echo while the driver's options are checked."""

    def passphrase_for(self, ssid: str) -> None:
        return None


def _require_extra() -> None:
    """Raise a usage error naming what to install when a library of the plan is missing."""
    import importlib

    from ..errors import UsageError

    for module in ("yaml", "cryptography", "matplotlib", "barcode", "PIL", "numpy", "tqdm", "pyzbar.pyzbar"):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            hint = " and the zbar library (Debian: apt-get install libzbar0)" if module == "pyzbar.pyzbar" else ""
            what = module.split(".")[0]
            raise UsageError(
                f"the certification plan needs {what} ({exc}): pip install 'wss-provisionee[certify]'{hint}"
            ) from None


@contextlib.contextmanager
def _quiet(enabled: bool) -> Iterator[None]:
    """Only errors from the device and the drivers while the plan runs."""
    loggers = [logging.getLogger(name) for name in _QUIET]
    levels = [logger.level for logger in loggers]
    if enabled:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _summary(result: Any, out: Path) -> None:
    verdict = result.verdict
    low, high = verdict.interval
    print(
        f"{'PASS' if verdict.passed else 'FAIL'}: {verdict.successes}/{verdict.runs} runs provisioned "
        f"({verdict.rate:.1%}, Wilson 95 % [{low:.1%}, {high:.1%}]; the lower bound "
        f"{'clears' if verdict.lower_bound_passes else 'does not clear'} {verdict.threshold:.0%})"
    )
    for reason in verdict.reasons:
        print(f"  {reason}")
    for record in result.records:
        if not record.succeeded:
            print(f"  run {record.index}: {record.cause}")
    for barcode in result.barcodes:
        state = "passes" if barcode.passes else "fails: " + "; ".join(barcode.problems)
        print(f"barcode {barcode.value!r} ({barcode.source}): PCS {barcode.pcs:.2f}, grade {barcode.grade}; {state}")
    print(f"report: {out / 'report.html'} and {out / 'report.json'}", file=sys.stdout)
