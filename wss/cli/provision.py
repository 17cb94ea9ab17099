"""``wss provision``: run the WSS provisionee on a Wi-Fi driver until DONE or fallback.

    wss provision --hal mock --hal-option environment=FILE --pki DIR [--dss HOST:PORT]
                  [--setup-port PORT] [--state-dir DIR]
    wss provision --hal nl80211 --hal-option iface=wlan0 --pki DIR ...
    wss provision --hal mychip.driver:WifiDriverMyChip --hal-option port=/dev/ttyS1 ...

The PKI folder has the layout ``wss mfg dev-pki`` writes; single files replace its parts
(``--device-chain``, ``--device-key``, ``--dss-ca``, ``--cloud-public-key``,
``--product-index``), or stand in for it altogether. Every state transition is printed
with its step on the normal path and how long the state took; the run ends joined to the
home network (exit status 0) or in SoftAP fallback mode with WSS disabled, persisted in
``STATE_DIR/provisionee.json`` (exit status 1).

``--hal-option KEY=VALUE`` sets the driver's own options (``wss.cli.driver``). A driver
that declares ``dss_host``, ``dss_setup_port`` or ``provisioner_factory`` (the mock
does) is also given the ``--dss`` host, the ``--setup-port`` and a provisioner that
derives setup passphrases with the PKI's cloud private key (``Provisioner.from_files``;
the device side never reads that key). With ``--hal mock`` the radio is the simulated
place of the ``environment`` option (see ``hal/mock/README.md``).

The sequence itself — open the driver, build the compat layer, run, persist the outcome,
close — is :func:`wss.provisioning.provision`.

Source: protocol §6, §7; integration guide (fallback).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from pathlib import Path
from typing import Any, Iterator, Optional, Tuple

from ..errors import UsageError
from ..provisionee.states import NORMAL_PATH
from .driver import add_driver_arguments, make_driver

STORE_NAME = "provisionee.json"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``provision`` parser."""
    p = subparsers.add_parser(
        "provision",
        help="run the WSS provisionee until DONE or fallback",
        description="Provision this device with Wi-Fi Simple Setup.",
    )
    add_driver_arguments(p, default="mock")
    p.add_argument("--pki", type=Path, help="device PKI folder (layout of `wss mfg dev-pki`)")
    p.add_argument("--device-chain", type=Path, help="device certificate chain (PEM, leaf first)")
    p.add_argument("--device-key", type=Path, help="device private key (PEM)")
    p.add_argument("--dss-ca", type=Path, help="trust anchors for the DSS certificate (PEM)")
    p.add_argument("--cloud-public-key", type=Path, help="device type's cloud public key (PEM)")
    p.add_argument(
        "--cloud-private-key",
        type=Path,
        help="cloud private key for the mock radio's provisioner (default: from --pki)",
    )
    p.add_argument("--product-index", help="4-character product index, or a file holding it")
    p.add_argument("--dss", help="DSS HOST:PORT (default: the SDK's dp-sps-na.amazon.com:443)")
    p.add_argument("--setup-port", type=int, default=8888, help="DSS port on the encoded setup network (default 8888)")
    p.add_argument(
        "--state-dir", type=Path, default=Path(".wss-state"), help="folder of the persistent store (default .wss-state)"
    )
    p.add_argument(
        "--factory-reset", action="store_true", help="reset the store to factory settings first (re-enables WSS)"
    )
    p.add_argument("--allow-open", action="store_true", help="also post open networks")
    p.add_argument("--allow-wep", action="store_true", help="also post WEP networks")
    p.add_argument("--fallback-ssid", help="client-defined fallback setup network (default simple_setup)")
    p.add_argument("--fallback-key", help="its WPA passphrase (open when omitted)")
    p.set_defaults(func=run)


def _endpoint(text: Optional[str]) -> Tuple[Optional[str], Optional[int]]:
    if text is None:
        return None, None
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--dss must be HOST:PORT, got {text!r}")
    return host, int(port)


def device_files(args: argparse.Namespace) -> Any:
    """The :class:`~wss.platform.device_files.DeviceFiles` the arguments name."""
    from ..platform.device_files import DeviceFiles

    single = {
        "device_chain": args.device_chain,
        "device_key": args.device_key,
        "dss_ca": args.dss_ca,
        "cloud_public_key": args.cloud_public_key,
        "product_index": args.product_index,
        "cloud_private_key": args.cloud_private_key,
    }
    if args.pki is not None:
        return DeviceFiles.from_pki(args.pki, **single)
    missing = [
        f"--{name.replace('_', '-')}" for name, value in single.items() if value is None and name != "cloud_private_key"
    ]
    if missing:
        raise UsageError(f"give --pki DIR, or all of: {', '.join(missing)}")
    return DeviceFiles(**single)


def mock_provisioner_factory(files: Any) -> Any:
    """The mock radio's provisioner: ``Provisioner.from_files`` with the cloud private key
    (``files.cloud_private_key``, else the environment's) knowing this device's chain."""

    def make(spec: Any) -> Any:
        from ..cloud.provisioner import Provisioner
        from ..errors import ConfigError

        key = files.cloud_private_key if files.cloud_private_key is not None else spec.cloud_private_key
        if key is None:
            raise ConfigError("the mock provisioner needs a cloud private key (--pki or --cloud-private-key)")
        known = [files.device_chain] + [path for path in spec.devices if Path(path).is_file()]
        return Provisioner.from_files(key, known)

    return make


class ProgressPrinter(logging.Handler):
    """Prints the runner's transition lines with the step reached on the normal path
    (the stored state, read from ``store``)."""

    def __init__(self, store: Any, stream: Any) -> None:
        super().__init__(logging.INFO)
        self.store = store
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        state = self.store.state
        step = NORMAL_PATH.index(state) + 1 if state in NORMAL_PATH else "-"
        print(f"[{step}/{len(NORMAL_PATH)}] {record.getMessage()}", file=self.stream, flush=True)


@contextlib.contextmanager
def printing_progress(printer: ProgressPrinter) -> Iterator[None]:
    """Route the runner's INFO transition lines to ``printer`` (and only there) meanwhile."""
    logger = logging.getLogger("wss.provisionee")
    propagate, level = logger.propagate, logger.level
    logger.addHandler(printer)
    logger.propagate, logger.level = False, logging.INFO
    try:
        yield
    finally:
        logger.removeHandler(printer)
        logger.propagate, logger.level = propagate, level


def _setup_network(args: argparse.Namespace) -> Any:
    from ..compat.types import SecurityProtocol, WifiConfiguration

    if args.fallback_ssid is None:
        return None
    key = (args.fallback_key or "").encode("utf-8")
    security = SecurityProtocol.WPA_PSK if key else SecurityProtocol.NONE
    return WifiConfiguration(args.fallback_ssid.encode("utf-8"), security, key, is_hidden=True)


def _policy(args: argparse.Namespace) -> Any:
    from hal.types import Security

    from ..platform.device import DEFAULT_SECURITY, DevicePolicy

    extra = {Security.OPEN} if args.allow_open else set()
    extra |= {Security.WEP} if args.allow_wep else set()
    return DevicePolicy(security=DEFAULT_SECURITY | extra)


def print_summary(outcome: Any, store_path: Path, out: Any = None) -> None:
    """The attempts of the run and how it ended (on ``out``, default standard output).

    Args:
        outcome: a :class:`wss.provisioning.Provisioning`.
        store_path: where the store was written.
    """
    from ..compat.types import ConnectionState

    out = out if out is not None else sys.stdout
    result, details = outcome.result, outcome.connection
    print("connection attempts:", file=out)
    for attempt in outcome.attempts:
        code = f"  {attempt.error_details.code} {attempt.error_details.cause}" if attempt.error_details else ""
        print(
            f"  {attempt.ssid.decode('utf-8', 'replace'):34} {attempt.security.dss_name:8} {attempt.state.name}{code}",
            file=out,
        )
    if result.succeeded:
        print(
            f"result: DONE, joined the home network {details.ssid.decode('utf-8', 'replace')!r} in "
            f"{result.elapsed_s * 1000:.0f} ms ({outcome.tls_handshakes} TLS handshakes, "
            f"{len(result.retries)} retries)",
            file=out,
        )
        return
    why = f": {result.error}" if result.error else ""
    joined = details.state is ConnectionState.ASSOCIATED and result.joined_home_network
    print(
        f"result: stopped in {result.final_state.name} ({result.reason.value}){why}; home network "
        f"{'joined' if joined else 'not joined'}",
        file=out,
    )
    if result.fall_back_to_softap:
        print(f"fallback: SoftAP setup mode with WSS disabled, saved in {store_path}", file=out)


def run(args: argparse.Namespace) -> int:
    """Provision; exit status 0 when DONE on the home network, else 1."""
    import hal

    from ..errors import ConfigError, WssDisabled
    from ..provisioning import provision
    from ..store import ProvisioneeStore

    files = device_files(args)
    dss_host, dss_port = _endpoint(args.dss)
    driver = make_driver(
        args,
        {
            "dss_host": dss_host,
            "dss_setup_port": args.setup_port,
            "provisioner_factory": mock_provisioner_factory(files),
        },
    )
    args.state_dir.mkdir(parents=True, exist_ok=True)
    store_path = args.state_dir / STORE_NAME
    store = ProvisioneeStore.open(str(store_path))
    if args.factory_reset:
        store.factory_reset()
    printer = ProgressPrinter(store, sys.stdout)
    try:
        with printing_progress(printer):
            outcome = provision(
                driver,
                files,
                store,
                dss_host=dss_host,
                dss_port=dss_port,
                setup_port=args.setup_port,
                policy=_policy(args),
                setup_network=_setup_network(args),
            )
    except WssDisabled:
        print(
            f"WSS is disabled (SoftAP setup mode after an earlier failure, {store_path}); "
            "run with --factory-reset to enable it again",
            file=sys.stderr,
        )
        return 1
    except hal.HALError as exc:  # the driver cannot be opened or used here
        raise ConfigError(f"--hal {args.hal}: {exc}") from None
    print_summary(outcome, store_path)
    return 0 if outcome.succeeded else 1
