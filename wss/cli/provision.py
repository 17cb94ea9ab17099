"""``wss provision``: run the WSS provisionee on a Wi-Fi driver until DONE or fallback.

    wss provision --hal mock --environment FILE --pki DIR [--dss HOST:PORT]
                  [--setup-port PORT] [--state-dir DIR]
    wss provision --hal nl80211 --iface wlan0 --pki DIR ...

The PKI folder has the layout ``wss mfg dev-pki`` writes; single files replace its parts
(``--device-chain``, ``--device-key``, ``--dss-ca``, ``--cloud-public-key``,
``--product-index``), or stand in for it altogether. Every state transition is printed
with its step on the normal path and how long the state took; the run ends joined to the
home network (exit status 0) or in SoftAP fallback mode with WSS disabled, persisted in
``STATE_DIR/provisionee.json`` (exit status 1).

With ``--hal mock`` the radio is the simulated place of ``--environment`` (see
``hal/mock/README.md``); its provisioner derives setup passphrases with the PKI's cloud
private key (``Provisioner.from_files``) — the device side never reads that key. The
DSS host defaults to the environment's ``internet.dss_host`` and the port to 8443 (the
port ``wss cloud serve`` uses by default).

Source: issue 6 (CLI); protocol §6, §7; integration guide (fallback).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, Optional, Tuple

#: The normal path of a provisioning, for the progress display (PIN setup is optional).
PATH_NAMES = ("NOT_PROVISIONED", "CONNECTING_TO_SETUP_NETWORK", "START_PROVISIONING",
              "COMPUTE_CONFIGURATION", "POST_WIFI_SCAN_DATA", "GET_WIFI_LIST",
              "CONNECTING_TO_USER_NETWORK", "CONNECTED_TO_USER_NETWORK", "DONE")
STORE_NAME = "provisionee.json"
MOCK_DSS_PORT = 8443


def register(subparsers: "argparse._SubParsersAction") -> None:
    """Add the ``provision`` parser."""
    p = subparsers.add_parser("provision", help="run the WSS provisionee until DONE or fallback",
                              description="Provision this device with Wi-Fi Simple Setup.")
    p.add_argument("--hal", default="mock",
                   help="Wi-Fi driver: mock, nl80211, esp_at or module:Class (default mock)")
    p.add_argument("--environment", help="mock radio environment (YAML), for --hal mock")
    p.add_argument("--iface", help="wireless interface, for --hal nl80211 (e.g. wlan0)")
    p.add_argument("--pki", type=Path, help="device PKI folder (layout of `wss mfg dev-pki`)")
    p.add_argument("--device-chain", type=Path, help="device certificate chain (PEM, leaf first)")
    p.add_argument("--device-key", type=Path, help="device private key (PEM)")
    p.add_argument("--dss-ca", type=Path, help="trust anchors for the DSS certificate (PEM)")
    p.add_argument("--cloud-public-key", type=Path, help="device type's cloud public key (PEM)")
    p.add_argument("--cloud-private-key", type=Path,
                   help="cloud private key for the mock radio's provisioner (default: from --pki)")
    p.add_argument("--product-index", help="4-character product index, or a file holding it")
    p.add_argument("--dss", help="DSS HOST:PORT (default: the SDK's dp-sps-na.amazon.com:443; "
                                 f"with --hal mock the environment's DSS host, port {MOCK_DSS_PORT})")
    p.add_argument("--setup-port", type=int, default=8888,
                   help="DSS port on the encoded setup network (default 8888)")
    p.add_argument("--state-dir", type=Path, default=Path(".wss-state"),
                   help="folder of the persistent store (default .wss-state)")
    p.add_argument("--factory-reset", action="store_true",
                   help="reset the store to factory settings first (re-enables WSS)")
    p.add_argument("--allow-open", action="store_true", help="also post open networks")
    p.add_argument("--allow-wep", action="store_true", help="also post WEP networks")
    p.add_argument("--fallback-ssid", help="client-defined fallback setup network (default simple_setup)")
    p.add_argument("--fallback-key", help="its WPA passphrase (open when omitted)")
    p.set_defaults(func=run)


def _endpoint(text: Optional[str]) -> Tuple[Optional[str], Optional[int]]:
    from ..errors import ConfigError

    if text is None:
        return None, None
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--dss must be HOST:PORT, got {text!r}")
    return host, int(port)


def device_files(args: argparse.Namespace) -> Any:
    """The :class:`~wss.compat.device_files.DeviceFiles` the arguments name."""
    from ..compat.device_files import DeviceFiles
    from ..errors import ConfigError

    single = {"device_chain": args.device_chain, "device_key": args.device_key, "dss_ca": args.dss_ca,
              "cloud_public_key": args.cloud_public_key, "product_index": args.product_index,
              "cloud_private_key": args.cloud_private_key}
    if args.pki is not None:
        return DeviceFiles.from_pki(args.pki, **single)
    missing = [f"--{name.replace('_', '-')}" for name, value in single.items()
               if value is None and name != "cloud_private_key"]
    if missing:
        raise ConfigError(f"give --pki DIR, or all of: {', '.join(missing)}")
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


def load_driver(args: argparse.Namespace, files: Any, dss_host: Optional[str]) -> Any:
    """The HAL driver ``--hal`` names, through :func:`hal.load_driver` (not opened)."""
    import hal

    from ..errors import ConfigError

    options: dict = {}
    if args.hal == "mock":
        if not args.environment:
            raise ConfigError("--hal mock needs --environment FILE")
        options = {"environment": args.environment, "dss_setup_port": args.setup_port,
                   "provisioner_factory": mock_provisioner_factory(files)}
        if dss_host is not None:
            options["dss_host"] = dss_host
    elif args.hal == "nl80211":
        if not args.iface:
            raise ConfigError("--hal nl80211 needs --iface IFACE")
        options = {"iface": args.iface}
    try:
        return hal.load_driver(args.hal, **options)
    except hal.HALError as exc:
        raise ConfigError(f"--hal {args.hal}: {exc}") from None


class ProgressPrinter(logging.Handler):
    """Prints the runner's transition lines with the step reached on the normal path."""

    def __init__(self, compat: Any, stream: Any) -> None:
        super().__init__(logging.INFO)
        self.compat = compat
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        name = self.compat.store.state.name
        step = PATH_NAMES.index(name) + 1 if name in PATH_NAMES else "-"
        print(f"[{step}/{len(PATH_NAMES)}] {record.getMessage()}", file=self.stream, flush=True)


def _setup_network(args: argparse.Namespace) -> Any:
    from ..compat.types import SecurityProtocol, WifiConfiguration

    if args.fallback_ssid is None:
        return None
    key = (args.fallback_key or "").encode("utf-8")
    security = SecurityProtocol.WPA_PSK if key else SecurityProtocol.NONE
    return WifiConfiguration(args.fallback_ssid.encode("utf-8"), security, key, is_hidden=True)


def _policy(args: argparse.Namespace) -> Any:
    from hal.types import Security

    from ..compat.device import DEFAULT_SECURITY, DevicePolicy

    extra = {Security.OPEN} if args.allow_open else set()
    extra |= {Security.WEP} if args.allow_wep else set()
    return DevicePolicy(security=DEFAULT_SECURITY | extra)


def print_summary(result: Any, compat: Any, store_path: Path, out: Any = None) -> None:
    """The attempts of the run and how it ended (on ``out``, default standard output)."""
    from ..compat.types import ConnectionState

    out = out if out is not None else sys.stdout

    print("connection attempts:", file=out)
    for attempt in compat.attempt_history:
        code = f"  {attempt.error_details.code} {attempt.error_details.cause}" if attempt.error_details else ""
        print(f"  {attempt.ssid.decode('utf-8', 'replace'):34} {attempt.security.dss_name:8} "
              f"{attempt.state.name}{code}", file=out)
    details = compat.ffs_get_wifi_connection_details()
    if result.succeeded:
        print(f"result: DONE, joined the home network {details.ssid.decode('utf-8', 'replace')!r} in "
              f"{result.elapsed_s * 1000:.0f} ms ({compat.transport.handshakes} TLS handshakes, "
              f"{len(result.retries)} retries)", file=out)
        return
    why = f": {result.error}" if result.error else ""
    joined = details.state is ConnectionState.ASSOCIATED and result.joined_home_network
    print(f"result: stopped in {result.final_state.name} ({result.reason.value}){why}; home network "
          f"{'joined' if joined else 'not joined'}", file=out)
    if result.fall_back_to_softap:
        print(f"fallback: SoftAP setup mode with WSS disabled, saved in {store_path}", file=out)


def run(args: argparse.Namespace) -> int:
    """Provision; exit status 0 when DONE on the home network, else 1."""
    from ..compat.device_files import build_default_compat
    from ..errors import ConfigError
    from ..provisionee import MachineOptions
    from ..provisionee import run as provision
    from ..store import ProvisioneeStore

    files = device_files(args)
    dss_host, dss_port = _endpoint(args.dss)
    driver = load_driver(args, files, dss_host)
    if args.hal == "mock" and dss_host is None:
        dss_host, dss_port = driver.environment.internet.dss_host, MOCK_DSS_PORT
    args.state_dir.mkdir(parents=True, exist_ok=True)
    store_path = args.state_dir / STORE_NAME
    store = ProvisioneeStore.open(str(store_path))
    if args.factory_reset:
        store.factory_reset()
    if not store.wss_enabled:
        print(f"WSS is disabled (SoftAP setup mode after an earlier failure, {store_path}); "
              "run with --factory-reset to enable it again", file=sys.stderr)
        return 1
    try:
        driver.open()
    except Exception as exc:  # a HALError: the driver is not usable here
        raise ConfigError(f"--hal {args.hal}: {exc}") from None
    try:
        compat = build_default_compat(driver, files, store, dss_host=dss_host, dss_port=dss_port,
                                      setup_port=args.setup_port, policy=_policy(args),
                                      setup_network=_setup_network(args))
        logger = logging.getLogger("wss.provisionee")
        printer, propagate, level = ProgressPrinter(compat, sys.stdout), logger.propagate, logger.level
        logger.addHandler(printer)
        logger.propagate, logger.level = False, logging.INFO
        try:
            with compat:
                result = provision(compat, options=MachineOptions(setup_network_port=args.setup_port))
                compat.finish(result.joined_home_network)
                print_summary(result, compat, store_path)
        finally:
            logger.removeHandler(printer)
            logger.propagate, logger.level = propagate, level
    finally:
        driver.close()
    return 0 if result.succeeded else 1
