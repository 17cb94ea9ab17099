"""The "phone" of the BLE tests, run in the guest's root namespace on a virtual controller.

It provisions the device over BLE with Espressif's client code: esp-rainmaker-cli's
bundled esp_prov flow functions (``rmaker_tools.rmaker_local_ctrl.esp_prov``), its
``Transport_BLE`` and bleak client (``rmaker_tools.common.transport.ble_cli``, which finds
the endpoints by their 0x2901 names) and its Security1/Security2. All of it on one asyncio
loop, since a bleak connection belongs to the loop that made it.

The harness works around three things of the virtual set-up, in the harness only:

1. **Adapter.** bleak scans and connects on the first powered adapter, which may be the
   device's own: the phone's adapter is passed to bleak's scanner and client.
2. **Scan callback first.** esp_prov's ``BleakScanner.discover()`` waits 5 s and returns
   what it saw; a scanner whose detection callback is registered before scanning starts
   sees the first advertisement report and stops as soon as the device's name is seen.
3. **Cached device / connect retries.** bluetoothd keeps a device object (and its GATT
   cache) after a disconnection; the next round would connect to stale state, so the
   device is removed from the phone's adapter after each round. The emulated link now and
   then loses the connection event under TCG: a connect is retried, at most
   ``CONNECT_TRIES`` times within the round's deadline.

Usage (prints one JSON line)::

    ble_phone.py --adapter hci0 --name PROV_XXXXXX --sec 1 --pop abcd1234 provision --home-ssid S --home-key K
    ble_phone.py ... session          # connect and establish a session only
    ble_phone.py ... robustness       # mid-session disconnection, a second client, long and
                                      # over-MTU writes (a second phone on --other-adapter)
    ble_phone.py ... long --sizes 500,600   # long writes of these sizes, then a scan
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import json
import os
import sys
import time
import traceback
from types import SimpleNamespace
from typing import Any, Dict, Optional

#: Connect attempts per round (workaround 3).
CONNECT_TRIES = 4
SERVICE_UUID = "021a9004-0382-4aea-bff4-6b3f1c5adfb4"
#: esp_prov's fallback ids (used only when the 0x2901 names are missing).
NU_LOOKUP = {
    "prov-session": "ff51",
    "prov-config": "ff52",
    "proto-ver": "ff53",
    "prov-scan": "ff50",
    "prov-ctrl": "ff4f",
    "custom-data": "ff54",
}


def _espressif() -> SimpleNamespace:
    from rmaker_tools.common.transport import ble_cli, transport_ble
    from rmaker_tools.rmaker_local_ctrl import esp_prov

    from wss.certify.esp_prov import draw_full_length_srp_a

    draw_full_length_srp_a()  # A of 384 bytes, as newer esp_prov draws it (workaround)
    esp_prov.config_throw_except = True
    return SimpleNamespace(esp_prov=esp_prov, ble_cli=ble_cli, transport_ble=transport_ble)


def _bleak_for(adapter: str, name: str, scan_timeout_s: float) -> SimpleNamespace:
    """A stand-in for the ``bleak`` module inside ble_cli: the phone's adapter, and a scan
    whose callback is registered before scanning starts (workarounds 1 and 2)."""
    import bleak

    class Scanner:
        @staticmethod
        async def discover(return_adv: bool = True, **_: Any) -> Dict[str, Any]:
            found: Dict[str, Any] = {}
            seen = asyncio.Event()

            def on_advertisement(device: Any, adv: Any) -> None:
                found[device.address] = (device, adv)
                if (adv.local_name or device.name) == name:
                    seen.set()

            scanner = bleak.BleakScanner(detection_callback=on_advertisement, bluez={"adapter": adapter})
            await scanner.start()
            try:
                await asyncio.wait_for(seen.wait(), scan_timeout_s)
            except asyncio.TimeoutError:
                pass
            finally:
                await scanner.stop()
            return found

    def client(address: Any, **kwargs: Any) -> Any:
        return bleak.BleakClient(address, timeout=15.0, bluez={"adapter": adapter}, **kwargs)

    return SimpleNamespace(BleakScanner=Scanner, BleakClient=client, exc=bleak.exc)


class BLEPhone:
    """One phone on ``adapter`` talking to the device named ``name``."""

    def __init__(self, adapter: str, name: str, loop: asyncio.AbstractEventLoop, scan_timeout_s: float = 15.0) -> None:
        self.adapter = adapter
        self.name = name
        self.loop = loop
        self.es = _espressif()
        self.bleak = _bleak_for(adapter, name, scan_timeout_s)
        self.tp: Any = None
        self.security: Any = None
        self.timings: Dict[str, float] = {}

    def run(self, coroutine: Any, timeout_s: float = 60.0) -> Any:
        """Run ``coroutine`` on the phone's loop, at most ``timeout_s`` seconds."""
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, timeout_s))

    def connect(self, deadline_s: float = 60.0, tries: int = CONNECT_TRIES) -> int:
        """Scan and connect (retried, workaround 3); returns the attempts used."""
        deadline = time.monotonic() + deadline_s
        last: Optional[BaseException] = None
        self._remove_all()  # workaround 3: no device cached by an earlier round
        attempt = 0
        for attempt in range(1, tries + 1):
            self.es.ble_cli.bleak = self.bleak  # ble_cli is one module: this phone's adapter (workaround 1)
            self.tp = self.es.transport_ble.Transport_BLE(SERVICE_UUID, dict(NU_LOOKUP))
            self.tp.cli = self.es.ble_cli.BLE_Bleak_Client()
            try:
                self.run(self.tp.connect(devname=self.name), max(1.0, deadline - time.monotonic()))
                return attempt
            except Exception as exc:  # bleak's and esp_prov's errors alike: retry within the bound
                last = exc
                print(f"ble_phone: {self.adapter}: connect attempt {attempt} failed: {exc!r}", file=sys.stderr)
                self.forget()
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.5)
        raise RuntimeError(f"no connection to {self.name} after {attempt} attempts: {last!r}")

    def session(self, sec: int, pop: str = "", username: str = "", password: str = "") -> bool:
        ep = self.es.esp_prov
        patch = self.run(ep.get_sec_patch_ver(self.tp)) if sec == 2 else 0
        self.security = ep.get_security(sec, patch, username, password, pop, False)
        return bool(self.run(ep.establish_session(self.tp, self.security)))

    def call(self, name: str, *args: Any) -> Any:
        return self.run(getattr(self.es.esp_prov, name)(self.tp, *args))

    def disconnect(self) -> None:
        if self.tp is not None and self.tp.cli.device is not None:
            try:
                self.run(self.tp.disconnect(), 15.0)
            except Exception:
                pass
        self.forget()

    def forget(self) -> None:
        """Remove the device from the phone's adapter (workaround 3: no stale GATT cache)."""
        self._remove_all()

    def _remove_all(self) -> None:
        from dbus_fast import BusType, Message
        from dbus_fast.aio import MessageBus

        async def remove() -> None:
            bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
            try:
                reply = await bus.call(
                    Message(
                        destination="org.bluez",
                        path="/",
                        interface="org.freedesktop.DBus.ObjectManager",
                        member="GetManagedObjects",
                    )
                )
                prefix = f"/org/bluez/{self.adapter}/dev_"
                for path in reply.body[0] if reply.body else {}:
                    if path.startswith(prefix) and path.count("/") == 4:
                        await bus.call(
                            Message(
                                destination="org.bluez",
                                path=f"/org/bluez/{self.adapter}",
                                interface="org.bluez.Adapter1",
                                member="RemoveDevice",
                                signature="o",
                                body=[path],
                            )
                        )
            finally:
                bus.disconnect()

        try:
            self.run(remove(), 10.0)
        except Exception:
            pass


def _status(phone: BLEPhone, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        state = phone.call("get_wifi_config", phone.security)
        if state != "connecting" or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


def provision(phone: BLEPhone, args: argparse.Namespace, report: Dict[str, Any]) -> None:
    if args.wrong_password or args.wrong_pop:  # a round with a wrong secret first: refused
        phone.connect()
        try:
            report["wrong_password_session"] = phone.session(
                args.sec, args.wrong_pop or args.pop, args.username, args.wrong_password or args.password
            )
        except Exception as exc:  # esp_prov raises when the device's answer does not verify
            report["wrong_password_session"] = False
            report["wrong_password_error"] = repr(exc)
        phone.disconnect()
    t0 = time.monotonic()
    report["connect_attempts"] = phone.connect()
    report["t_connect_s"] = time.monotonic() - t0
    report["version"] = phone.call("get_version")
    t1 = time.monotonic()
    report["session"] = phone.session(args.sec, args.pop, args.username, args.password)
    report["t_session_s"] = time.monotonic() - t1
    if not report["session"]:
        return
    report["custom_data"] = phone.call("custom_data", phone.security, args.custom_data)
    aps = phone.run(phone.es.esp_prov.scan_wifi_APs("ble", phone.tp, phone.security)) or []
    report["scan"] = sorted({ap["ssid"] for ap in aps})
    t2 = time.monotonic()
    report["set_config"] = phone.call("send_wifi_config", phone.security, args.home_ssid, args.home_key)
    report["apply_config"] = phone.call("apply_wifi_config", phone.security)
    report["t_config_s"] = time.monotonic() - t2
    t3 = time.monotonic()
    report["status"] = _status(phone, args.timeout)
    report["t_joined_s"] = time.monotonic() - t3


def _step(report: Dict[str, Any], name: str, args: argparse.Namespace) -> None:
    """Note the step being run, in the report file too (a hung step leaves the report of
    the steps before it)."""
    report["step"] = name
    print(f"ble_phone: {name}", file=sys.stderr, flush=True)
    if args.report_file:
        with open(args.report_file, "w") as f:
            json.dump(report, f)


def robustness(phone: BLEPhone, other: BLEPhone, args: argparse.Namespace, report: Dict[str, Any]) -> None:
    """Mid-session disconnection, an over-MTU write, a long write, a second client (each
    step is in the report file as soon as it is done)."""
    ep = phone.es.esp_prov
    # 1. the client disconnects in the middle of the handshake: only its first message
    _step(report, "mid-session disconnect", args)
    phone.connect()
    security = ep.get_security(args.sec, 0, args.username, args.password, args.pop, False)
    phone.run(phone.tp.send_data("prov-session", security.security_session(None)))
    phone.disconnect()
    report["mid_session_disconnect"] = True
    # 2. a new client session starts cleanly
    _step(report, "new session", args)
    phone.connect()
    report["new_session"] = phone.session(args.sec, args.pop, args.username, args.password)
    # 3. a value longer than the MTU written without a long write (write without response)
    _step(report, "overflowing write", args)
    uuid = phone.tp.name_uuid_lookup["prov-config"]
    try:
        phone.run(phone.tp.cli.device.write_gatt_char(uuid, bytes(560), response=False), 30.0)
        report["overflow_write"] = "accepted by the client stack"
    except Exception as exc:
        report["overflow_write"] = f"refused: {exc!r}"
    phone.disconnect()
    # 4. and a fresh client session still works
    _step(report, "session after the overflow", args)
    phone.connect()
    report["session_after_overflow"] = phone.session(args.sec, args.pop, args.username, args.password)
    # 5. a value longer than the default ATT MTU (23): an MTU exchange or prepared writes
    _step(report, "long write", args)
    report["long_custom_data"] = phone.call("custom_data", phone.security, "L" * args.long_size)
    # 6. (last: in the virtual set-up, the second phone's connection attempt leaves the
    # first phone's link unusable, a limit of the emulated controllers, not the device's)
    # a second client while the first holds the session: refused, either at the link
    # layer (the device's controller stops advertising while connected, so the second
    # phone finds nothing to connect to) or, if it gets through, by the GATT refusal
    _step(report, "second client", args)
    t0 = time.monotonic()
    try:
        other.connect(deadline_s=args.second_deadline, tries=1)
        try:
            other.call("get_version")
            report["second_client"] = "served"
        except Exception as exc:  # the refusal is an ATT error reported by bleak
            report["second_client"] = f"refused by GATT: {exc!r}"
    except RuntimeError as exc:
        report["second_client"] = f"refused at connection: {exc}"
    report["second_client_s"] = time.monotonic() - t0
    other.disconnect()
    _step(report, "done", args)


def long_values(phone: BLEPhone, args: argparse.Namespace, report: Dict[str, Any]) -> None:
    """Custom-data requests of each size in ``--sizes`` (past MTU-3 bytes the phone's
    bluetoothd sends them as Prepare Write + Execute Write), then a Wi-Fi scan (its answer
    past MTU-1 bytes is read with Read Blob requests). Each size's result is True
    (served), False (esp_prov's check failed) or ``refused: <error>``. A refused request
    never reached the device, but esp_prov's cipher stream (AES-CTR for security 1) has
    moved on: the phone reconnects and starts a new session before going on."""
    _step(report, "connect", args)
    report["connect_attempts"] = phone.connect()
    report["session"] = phone.session(args.sec, args.pop, args.username, args.password)
    for size in args.sizes:
        _step(report, f"custom-data {size}", args)
        try:
            report[f"custom_data_{size}"] = phone.call("custom_data", phone.security, "L" * size)
        except Exception as exc:  # bleak's error for an ATT error response
            report[f"custom_data_{size}"] = f"refused: {exc!r}"
            _step(report, f"new session after the refusal of {size}", args)
            phone.disconnect()
            phone.connect()
            report[f"session_after_{size}"] = phone.session(args.sec, args.pop, args.username, args.password)
    _step(report, "scan", args)
    aps = phone.run(phone.es.esp_prov.scan_wifi_APs("ble", phone.tp, phone.security)) or []
    report["scan"] = sorted({ap["ssid"] for ap in aps})
    _step(report, "done", args)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--adapter", default="hci0")
    parser.add_argument("--name", required=True)
    parser.add_argument("--sec", type=int, default=1)
    parser.add_argument("--pop", default="")
    parser.add_argument("--username", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--wrong-pop", default="", help="provision: first try this PoP (refused)")
    parser.add_argument("--wrong-password", default="", help="provision: first try this password (refused)")
    parser.add_argument("scenario", choices=("provision", "session", "robustness", "long"))
    parser.add_argument("--other-adapter", default="hci2", help="the second phone's adapter (robustness)")
    parser.add_argument("--second-deadline", type=float, default=25.0, help="the second phone's bound, seconds")
    parser.add_argument("--long-size", type=int, default=200, help="bytes of the long custom-data (robustness)")
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[500, 600],
        help="long: custom-data sizes, bytes, comma-separated",
    )
    parser.add_argument("--home-ssid", default="")
    parser.add_argument("--home-key", default="")
    parser.add_argument("--custom-data", default="hello from the phone")
    parser.add_argument("--report-file", default="", help="the report so far, rewritten at each step")
    parser.add_argument("--deadline", type=float, default=300.0, help="the whole run's bound, seconds")
    args = parser.parse_args()

    # a hung bleak call must not hold the test: print where it hung and end the process
    faulthandler.dump_traceback_later(args.deadline, exit=True)
    loop = asyncio.new_event_loop()
    report: Dict[str, Any] = {}
    phone = BLEPhone(args.adapter, args.name, loop)
    other = BLEPhone(args.other_adapter, args.name, loop)
    try:
        if args.scenario == "provision":
            provision(phone, args, report)
        elif args.scenario == "robustness":
            robustness(phone, other, args, report)
        elif args.scenario == "long":
            long_values(phone, args, report)
        else:
            report["connect_attempts"] = phone.connect()
            report["version"] = phone.call("get_version")
            report["session"] = phone.session(args.sec, args.pop, args.username, args.password)
    except (Exception, SystemExit) as exc:  # the report names what went wrong
        report["error"] = repr(exc)
        report["traceback"] = traceback.format_exc()[-2000:]
    finally:
        phone.disconnect()
        loop.close()
        print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
    sys.exit(main())
