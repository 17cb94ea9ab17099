"""``wss softap``: the SoftAP setup flow (ESP-IDF Wi-Fi provisioning over SoftAP + HTTP).

    wss softap --hal mock --hal-option environment=FILE --sec 0|1|2 [--pop P]
               [--sec2-username U (--sec2-password P | --sec2-salt-verifier FILE)]
               [--http-port N] [--timeout S] [--ap-passphrase P] [--ap-channel N]
               [--state-dir DIR] [--factory-reset | --clear-setup] [--no-qr]
               [--no-discovery | --discovery-time S --discovery-port N --discovery-address A]

The device starts its SoftAP ``PROV_xxxxxx`` and serves protocomm on port 80 of the AP's
address (``--http-port`` overrides it; on the mock the address is 127.0.0.1 and
``--http-port 0`` picks a free port, printed), so ``esp_prov --transport softap
--service_name HOST:PORT`` and Espressif's phone apps can set it up. It prints the
service name, the address and the QR payload (which holds the PoP), and ends when a
client has the device joined to a network (exit status 0; the store in ``--state-dir``
keeps the network and leaves SoftAP setup mode), or at ``--timeout`` (exit status 1).
Joined but not registered to a customer, the device then announces itself for
``--discovery-time`` seconds (local discovery, ``wss.cli.discovery``) unless
``--no-discovery``.

Security 2 takes the salt and verifier a factory made (``--sec2-salt-verifier FILE``:
JSON or esp_prov's ``--sec2_gen_cred`` output, see ``docs/softap.md``); for development,
``--sec2-password`` makes a fresh salt and verifier on the spot.

The same options serve ``wss provision --fallback softap``, which runs this flow when WSS
fails before the home network is joined (:func:`add_fallback_arguments`,
:func:`run_fallback`).

Source: integration guide ("Device factory reset recommendation"); ESP-IDF wifi_prov_mgr
over SoftAP (docs/softap.md).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any, Iterator, Optional, Tuple

from .arguments import existing_file, folder_to_create, int_range, passphrase, port_or_any, seconds, usage_error
from .discovery import add_discovery_arguments, announce_after_setup
from .driver import add_driver_arguments, make_driver

__all__ = [
    "register",
    "run",
    "add_softap_arguments",
    "add_fallback_arguments",
    "softap_setup",
    "fallback_setup",
    "run_fallback",
    "open_state",
    "add_store_reset_arguments",
]

STORE_NAME = "provisionee.json"
#: The flow's default time limit, seconds (wss.softap.DEFAULT_TIMEOUT_S).
DEFAULT_TIMEOUT_S = 600.0
_Bad = argparse.ArgumentTypeError
#: The setup flow's transports (docs/ble.md): ``wss softap --transport``.
TRANSPORTS = ("softap", "ble", "softap+ble")
#: ``wss provision --fallback``.
TRANSPORTS_FALLBACK = ("none",) + TRANSPORTS


def _pop(text: str) -> str:
    """A ``type=`` for a proof of possession: 1 to 64 characters of latin-1 (esp_prov
    sends the PoP's latin-1 bytes)."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        raise _Bad("a PoP is latin-1 text (esp_prov encodes it so)") from None
    if not 1 <= len(text) <= 64:
        raise _Bad(f"a PoP is 1 to 64 characters, not {len(text)}")
    return text


def _ascii_secret(what: str):
    def convert(text: str) -> str:
        if not 1 <= len(text) <= 64 or not all(" " <= c <= "~" for c in text):
            raise _Bad(
                f"a {what} is 1 to 64 printable ASCII characters (esp_prov sends it as latin-1 "
                f"and hashes it as UTF-8, which agree only on ASCII), not {len(text)} characters"
            )
        return text

    convert.__name__ = what
    return convert


def add_softap_arguments(parser: Any) -> None:
    """Add the SoftAP setup flow's options to ``parser`` (a parser or an argument group)."""
    parser.add_argument("--sec", type=int, choices=(0, 1, 2), help="protocomm security scheme: 0, 1 or 2")
    parser.add_argument(
        "--pop", type=_pop, metavar="P", help="security 1: the proof of possession (default: none, no_pop)"
    )
    parser.add_argument(
        "--sec2-username", type=_ascii_secret("username"), metavar="U", help="security 2: the SRP-6a username"
    )
    secret = parser.add_mutually_exclusive_group() if hasattr(parser, "add_mutually_exclusive_group") else parser
    secret.add_argument(
        "--sec2-password",
        type=_ascii_secret("password"),
        metavar="P",
        help="security 2 (development): the password, made into a fresh salt and verifier here",
    )
    secret.add_argument(
        "--sec2-salt-verifier",
        type=existing_file,
        metavar="FILE",
        help="security 2: the device's salt and verifier (JSON, or esp_prov's --sec2_gen_cred output)",
    )
    parser.add_argument(
        "--http-port",
        type=port_or_any,
        default=80,
        metavar="N",
        help="HTTP port on the SoftAP's address (default 80; 0: a free port, printed)",
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"time limit of the SoftAP setup, seconds (default {DEFAULT_TIMEOUT_S:g})",
    )
    parser.add_argument(
        "--ap-passphrase", type=passphrase, metavar="P", help="WPA2 passphrase of the SoftAP (default: an open AP)"
    )
    parser.add_argument(
        "--ap-channel",
        type=int_range(1, 13, "a 2.4 GHz channel"),
        default=6,
        metavar="N",
        help="SoftAP channel (default 6)",
    )
    parser.add_argument("--no-qr", action="store_true", help="print neither the QR payload nor the QR code (PoP)")
    parser.add_argument(
        "--ble-adapter",
        default="hci0",
        metavar="NAME",
        help="BLE transport: the BlueZ adapter (default hci0; docs/ble.md)",
    )


def add_fallback_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--fallback`` and the SoftAP options to ``wss provision``."""
    group = parser.add_argument_group("SoftAP fallback (--fallback softap; see `wss softap --help`)")
    group.add_argument(
        "--fallback",
        choices=TRANSPORTS_FALLBACK,
        default="none",
        help="after a WSS failure: stop (none, the default) or run the setup flow over the SoftAP (softap), "
        "BLE (ble) or both at once (softap+ble)",
    )
    add_softap_arguments(group)


def add_store_reset_arguments(parser: argparse.ArgumentParser, factory_effect: str) -> None:
    """Add ``--factory-reset`` and ``--clear-setup`` (one or the other) to ``parser``.

    The two resets of the integration guide ("Device factory reset recommendation";
    :meth:`wss.store.ProvisioneeStore.factory_reset`, :meth:`~wss.store.ProvisioneeStore.clear_setup`),
    applied by :func:`open_state` once the store is locked. Both together is a usage
    error (exit status 2): they leave WSS in opposite states.
    """
    reset = parser.add_mutually_exclusive_group()
    reset.add_argument(
        "--factory-reset",
        action="store_true",
        help=f"reset the store to factory settings first ({factory_effect})",
    )
    reset.add_argument(
        "--clear-setup",
        action="store_true",
        help="the user's clear-setup action first: forget the saved networks, token and state, "
        "disable WSS, SoftAP setup mode",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``softap`` parser."""
    p = subparsers.add_parser(
        "softap",
        help="set the device up over its SoftAP (ESP-IDF Wi-Fi provisioning)",
        description="Run the SoftAP setup flow: ESP-IDF Wi-Fi provisioning (protocomm) over SoftAP + HTTP.",
    )
    add_driver_arguments(p, default="mock")
    add_softap_arguments(p)
    p.add_argument(
        "--transport",
        choices=TRANSPORTS,
        default="softap",
        help="carry protocomm over the SoftAP + HTTP (softap, the default), BLE GATT through BlueZ (ble), "
        "or both at once over one session (softap+ble)",
    )
    p.add_argument(
        "--state-dir",
        type=folder_to_create,
        default=Path(".wss-state"),
        help="folder of the persistent store, locked while the flow runs (default .wss-state)",
    )
    add_store_reset_arguments(p, "WSS and SoftAP on")
    add_discovery_arguments(p.add_argument_group("local discovery once joined (docs/discovery.md)"))
    p.set_defaults(func=run)


def softap_setup(args: argparse.Namespace) -> Any:
    """The :class:`wss.softap.SoftAPSetup` the options describe (checked before anything
    is stored).

    Raises:
        UsageError: a missing or contradictory option (exit status 2).
        ConfigError: an unusable salt and verifier file (exit status 1).
    """
    sec = args.sec
    if sec is None:
        raise usage_error("--sec", "the SoftAP setup needs a security scheme: --sec 0, 1 or 2")
    if args.pop is not None and sec != 1:
        raise usage_error("--pop", "only with --sec 1")
    sec2 = {"--sec2-username": args.sec2_username, "--sec2-password": args.sec2_password}
    sec2["--sec2-salt-verifier"] = args.sec2_salt_verifier
    for option, value in sec2.items():
        if value is not None and sec != 2:
            raise usage_error(option, "only with --sec 2")
    salt, verifier = b"", b""
    if sec == 2:
        if args.sec2_username is None:
            raise usage_error("--sec2-username", "--sec 2 needs a username")
        if args.sec2_password is None and args.sec2_salt_verifier is None:
            raise usage_error("--sec2-salt-verifier", "--sec 2 needs a salt and verifier file (or --sec2-password)")
        if args.sec2_salt_verifier is not None:
            from ..softap.credentials import load_salt_verifier

            salt, verifier = load_salt_verifier(args.sec2_salt_verifier)
        else:
            from ..crypto import srp_salt_and_verifier

            salt, verifier = srp_salt_and_verifier(args.sec2_username, args.sec2_password)
    from ..softap import SoftAPSetup

    return SoftAPSetup(
        sec,
        pop=args.pop or "",
        username=args.sec2_username or "",
        salt=salt,
        verifier=verifier,
        password=args.sec2_password or "",
        ap_passphrase=args.ap_passphrase or b"",
        channel=args.ap_channel,
        http_port=args.http_port,
        timeout_s=args.timeout,
        show_qr=not args.no_qr,
        custom_endpoints={"custom-data": _custom_data},
    )


def _custom_data(_session_id: int, data: bytes) -> bytes:
    """The ``custom-data`` endpoint of ESP-IDF's example: acknowledge with ``SUCCESS``."""
    print(f"SoftAP setup: custom-data: {len(data)} bytes received", flush=True)
    return b"SUCCESS\x00"


def _report(result: Any, store_path: Path, timeout_s: float) -> int:
    ssid = result.ssid.decode("utf-8", "replace")
    if result.reason == "already provisioned":
        if result.provisioned:
            print(f"SoftAP setup: already set up; joined the saved network {ssid!r} ({store_path})")
            return 0
        print(f"SoftAP setup: already set up, but the saved network could not be joined ({store_path})")
        return 1
    if result.provisioned:
        print(f"SoftAP setup: joined the home network {ssid!r} in {result.elapsed_s:.1f} s; saved in {store_path}")
        return 0
    print(
        f"SoftAP setup: no client set the device up within {timeout_s:g} s; the SoftAP is stopped and the "
        f"device stays in SoftAP setup mode ({store_path})"
    )
    return 1


def run_fallback(
    args: argparse.Namespace,
    setup: Any,
    driver: Any,
    store: Any,
    store_path: Path,
    product_index: Optional[str] = None,
) -> int:
    """Run the SoftAP setup flow on an open store; exit status 0 when the device ended on
    a network, else 1. A device that ends joined but not registered then announces itself
    (``--discovery``, :func:`wss.cli.discovery.announce_after_setup`) before the driver
    is closed."""
    import hal

    from ..errors import ConfigError
    from ..softap import run_softap_setup

    print(f"SoftAP setup: starting (WSS disabled: {not store.wss_enabled})", flush=True)
    try:
        result = run_softap_setup(driver, store, setup, out=sys.stdout, service_factory=_service_factory(args))
        status = _report(result, store_path, setup.timeout_s)
        if result.provisioned:
            announce_after_setup(args, driver, store, product_index)
    except hal.HALError as exc:
        raise ConfigError(f"--hal {args.hal}: {exc}") from None
    finally:
        driver.close()
    return status


def _service_factory(args: argparse.Namespace) -> Any:
    """The flow's service for ``--transport`` / ``--fallback``: None (the SoftAP's) or BLE's."""
    transport = getattr(args, "transport", None) or args.fallback
    if transport not in ("ble", "softap+ble"):
        return None
    from ..ble.flow import BLEOptions, ble_service_factory

    return ble_service_factory(BLEOptions(adapter=args.ble_adapter, with_softap=transport == "softap+ble"))


@contextlib.contextmanager
def open_state(state_dir: Path, factory_reset: bool, clear_setup: bool = False) -> Iterator[Tuple[Any, Path]]:
    """Create the state folder, lock it, open the store, and reset it to factory settings
    (``factory_reset``) or clear the setup (``clear_setup``) if asked.

    Yields:
        ``(store, store path)``.
    Raises:
        StoreError: the folder cannot be created, or another process holds its lock.
    """
    from ..errors import StoreError
    from ..store import open_locked

    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the state folder {state_dir}: {exc.strerror or exc}") from None
    store_path = state_dir / STORE_NAME
    with open_locked(str(store_path)) as store:
        if factory_reset:
            store.factory_reset()
        elif clear_setup:
            store.clear_setup()
        yield store, store_path


def run(args: argparse.Namespace) -> int:
    """Set the device up over its SoftAP; exit status 0 when joined, 1 at the time limit."""
    setup = softap_setup(args)
    driver = make_driver(args, {})
    with open_state(args.state_dir, args.factory_reset, args.clear_setup) as (store, store_path):
        return run_fallback(args, setup, driver, store, store_path)


def fallback_setup(args: argparse.Namespace) -> Optional[Any]:
    """For ``wss provision``: the SoftAP setup of ``--fallback softap``, or None.

    Raises:
        UsageError: SoftAP options or ``--clear-setup`` without ``--fallback softap`` (ble,
            softap+ble), or a bad combination.
    """
    if args.fallback == "none":
        if args.clear_setup:  # WSS disabled and no setup flow: the run could only stop
            raise usage_error(
                "--clear-setup",
                "it disables WSS, so only with --fallback softap, ble or softap+ble (or `wss softap --clear-setup`)",
            )
        for option in ("sec", "pop", "sec2_username", "sec2_password", "sec2_salt_verifier", "ap_passphrase"):
            if getattr(args, option) is not None:
                raise usage_error(f"--{option.replace('_', '-')}", "only with --fallback softap, ble or softap+ble")
        return None
    return softap_setup(args)
