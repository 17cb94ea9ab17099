"""``wss provision``: run the WSS provisionee on a Wi-Fi driver until DONE or fallback.

    wss provision --hal mock --hal-option environment=FILE --pki DIR [--dss HOST:PORT]
                  [--setup-port PORT] [--state-dir DIR] [--factory-reset | --clear-setup]
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
close — is :func:`wss.provisioning.provision`. A run that ends joined but with no
registration token (or a SoftAP fallback that sets the device up) then announces the
device on the network for ``--discovery-time`` seconds (``--no-discovery``: not;
:mod:`wss.cli.discovery`).

Source: protocol §6, §7; integration guide (fallback, "Local Discovery").
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from pathlib import Path
from typing import Any, Iterator

from .. import deadlines
from ..errors import UsageError
from ..provisionee.states import NORMAL_PATH
from .arguments import (
    device_key,
    endpoint,
    existing_file,
    existing_folder,
    folder_to_create,
    int_range,
    passphrase,
    port,
    product_index_or_file,
    seconds,
    ssid,
    usage_error,
)
from .discovery import add_discovery_arguments, announce_after_setup
from .driver import add_driver_arguments, make_driver
from .softap import add_fallback_arguments, add_store_reset_arguments, fallback_setup, open_state, run_fallback


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``provision`` parser."""
    p = subparsers.add_parser(
        "provision",
        help="run the WSS provisionee until DONE or fallback",
        description="Provision this device with Wi-Fi Simple Setup.",
    )
    add_driver_arguments(p, default="mock")
    p.add_argument("--pki", type=existing_folder, help="device PKI folder (layout of `wss mfg dev-pki`)")
    p.add_argument("--device-chain", type=existing_file, help="device certificate chain (PEM, leaf first)")
    p.add_argument(
        "--device-key",
        type=device_key,
        help="device private key: a PEM file, or a pkcs11: URI (RFC 7512) naming it in a token",
    )
    p.add_argument(
        "--pkcs11-module", type=existing_file, metavar="PATH", help="the PKCS#11 module of a pkcs11: device key"
    )
    p.add_argument(
        "--pkcs11-pin-env",
        metavar="NAME",
        help="environment variable holding the token's PIN (or pin-source=file:… in the URI)",
    )
    p.add_argument("--dss-ca", type=existing_file, help="trust anchors for the DSS certificate (PEM)")
    p.add_argument("--cloud-public-key", type=existing_file, help="device type's cloud public key (PEM)")
    p.add_argument(
        "--cloud-private-key",
        type=existing_file,
        help="cloud private key for the mock radio's provisioner (default: from --pki)",
    )
    p.add_argument(
        "--product-index", type=product_index_or_file, help="4-character product index, or a file holding it"
    )
    p.add_argument(
        "--dss",
        type=endpoint,
        metavar="HOST:PORT",
        help="DSS endpoint, [ADDRESS]:PORT for IPv6 (default: the SDK's dp-sps-na.amazon.com:443)",
    )
    p.add_argument("--setup-port", type=port, default=8888, help="DSS port on the encoded setup network (default 8888)")
    p.add_argument(
        "--state-dir",
        type=folder_to_create,
        default=Path(".wss-state"),
        help="folder of the persistent store, locked while a run uses it (default .wss-state)",
    )
    add_store_reset_arguments(p, "re-enables WSS")
    p.add_argument("--allow-open", action="store_true", help="also post open networks")
    p.add_argument("--allow-wep", action="store_true", help="also post WEP networks")
    p.add_argument("--fallback-ssid", type=ssid, help="client-defined fallback setup network (default simple_setup)")
    p.add_argument("--fallback-key", type=passphrase, help="its WPA passphrase (open when omitted)")
    budget = p.add_argument_group("deadlines and the run's budget (a hostile DSS cannot hold the device)")
    budget.add_argument(
        "--max-run-s",
        type=seconds,
        default=deadlines.MAX_RUN_S,
        metavar="SECONDS",
        help=f"wall time of the whole run (default {deadlines.MAX_RUN_S:g})",
    )
    budget.add_argument(
        "--max-transitions",
        type=int_range(1, 10000, "a number of transitions"),
        default=deadlines.MAX_TRANSITIONS,
        metavar="N",
        help=f"state transitions of the whole run (default {deadlines.MAX_TRANSITIONS})",
    )
    budget.add_argument(
        "--dss-response-deadline-s",
        type=seconds,
        default=deadlines.DSS_RESPONSE_DEADLINE_S,
        metavar="SECONDS",
        help=f"one DSS response, request sent to last byte (default {deadlines.DSS_RESPONSE_DEADLINE_S:g})",
    )
    budget.add_argument(
        "--dss-operation-deadline-s",
        type=seconds,
        default=deadlines.DSS_OPERATION_DEADLINE_S,
        metavar="SECONDS",
        help=f"one DSS request, connection included (default {deadlines.DSS_OPERATION_DEADLINE_S:g})",
    )
    budget.add_argument(
        "--tls-timeout-s",
        type=seconds,
        default=10.0,
        metavar="SECONDS",
        help="each TLS handshake, and each read and write until its first byte (default 10)",
    )
    add_fallback_arguments(p)
    add_discovery_arguments(p.add_argument_group("local discovery once joined (docs/discovery.md)"))
    p.set_defaults(func=run)


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
    token = {"pkcs11_module": args.pkcs11_module and str(args.pkcs11_module), "pkcs11_pin_env": args.pkcs11_pin_env}
    if args.pki is not None:
        files = DeviceFiles.from_pki(args.pki, **single, **token)
    else:
        missing = [
            f"--{name.replace('_', '-')}"
            for name, value in single.items()
            if value is None and name != "cloud_private_key"
        ]
        if missing:
            raise UsageError(f"give --pki DIR, or all of: {', '.join(missing)}")
        files = DeviceFiles(**single, **token)
    if (args.pkcs11_module or args.pkcs11_pin_env) and not str(files.device_key).startswith("pkcs11:"):
        raise UsageError(
            "--pkcs11-module and --pkcs11-pin-env need a key in a token "
            "(--device-key pkcs11:…, or device/private_key.pkcs11 in the PKI folder)"
        )
    return files


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
    logger.propagate = False
    logger.setLevel(logging.INFO)  # setLevel, not `.level =`: it clears isEnabledFor's cache
    try:
        yield
    finally:
        logger.removeHandler(printer)
        logger.propagate = propagate
        logger.setLevel(level)


def _setup_network(args: argparse.Namespace) -> Any:
    from ..compat.types import SecurityProtocol, WifiConfiguration

    if args.fallback_ssid is None:
        if args.fallback_key is not None:
            raise usage_error("--fallback-key", "needs --fallback-ssid")
        return None
    key = args.fallback_key or b""
    security = SecurityProtocol.WPA_PSK if key else SecurityProtocol.NONE
    return WifiConfiguration(args.fallback_ssid, security, key, is_hidden=True)


def _policy(args: argparse.Namespace) -> Any:
    from hal.types import Security

    from ..platform.device import DEFAULT_SECURITY, DevicePolicy

    extra = {Security.OPEN} if args.allow_open else set()
    extra |= {Security.WEP} if args.allow_wep else set()
    return DevicePolicy(
        security=DEFAULT_SECURITY | extra,
        dss_response_deadline_s=args.dss_response_deadline_s,
        dss_operation_deadline_s=args.dss_operation_deadline_s,
    )


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
    """Provision; exit status 0 when DONE on the home network, else 1.

    Everything the command line names is checked before anything is stored: the option
    values (while parsing), the device files, the driver and its options. Only then is
    the state folder created and locked (another run on it fails at once), the store
    opened and, with ``--factory-reset`` or ``--clear-setup``, reset (clear setup disables
    WSS, so that run goes straight to the ``--fallback`` setup flow).
    """
    import hal

    from ..errors import ConfigError, WssDisabled
    from ..platform.device_files import load_credentials
    from ..provisioning import provision

    fallback = fallback_setup(args)  # --fallback softap: the SoftAP flow's options, checked first
    files = device_files(args)
    credentials = load_credentials(files, args.tls_timeout_s)
    if args.cloud_private_key is not None:  # read only by a simulated provisioner, later: check it now
        from ..cloud.pki import load_cloud_key

        load_cloud_key(str(args.cloud_private_key))
    setup_network, policy = _setup_network(args), _policy(args)
    dss_host, dss_port = args.dss if args.dss is not None else (None, None)
    driver = make_driver(
        args,
        {
            "dss_host": dss_host,
            "dss_setup_port": args.setup_port,
            "provisioner_factory": mock_provisioner_factory(files),
        },
    )
    with open_state(args.state_dir, args.factory_reset, args.clear_setup) as (store, store_path):
        printer = ProgressPrinter(store, sys.stdout)
        try:
            with printing_progress(printer):
                outcome = provision(
                    driver,
                    credentials,
                    store,
                    dss_host=dss_host,
                    dss_port=dss_port,
                    setup_port=args.setup_port,
                    policy=policy,
                    setup_network=setup_network,
                    max_run_s=args.max_run_s,
                    max_transitions=args.max_transitions,
                    keep_driver_open=args.discovery,
                )
        except WssDisabled:
            if fallback is not None:  # SoftAP setup mode (or set up by it): the SoftAP flow
                return run_fallback(args, fallback, driver, store, store_path, credentials.product_index)
            print(
                f"WSS is disabled (SoftAP setup mode after an earlier failure, {store_path}); "
                "run with --factory-reset to enable it again",
                file=sys.stderr,
            )
            return 1
        except hal.HALError as exc:  # the driver cannot be opened or used here
            raise ConfigError(f"--hal {args.hal}: {exc}") from None
        if fallback is not None and outcome.fall_back_to_softap:
            print_summary(outcome, store_path)
            return run_fallback(args, fallback, driver, store, store_path, credentials.product_index)
        print_summary(outcome, store_path)
        if outcome.succeeded:  # the driver is still open and joined (keep_driver_open)
            try:
                announce_after_setup(args, driver, store, credentials.product_index)
            finally:
                driver.close()
    return 0 if outcome.succeeded else 1
