"""The BlueZ layer (wss.ble.bluez) against a real dbus-daemon: its start-up errors, one
line each, and the GATT objects it registers, as a stand-in bluetoothd sees them.

A private ``dbus-daemon`` (Debian's ``dbus`` package) runs per test with its own policy;
a stand-in ``org.bluez`` (dbus-fast) exports the adapters a test wants, records the
registrations and, like bluetoothd, reads the application's objects back. The real
bluetoothd is in the hwsim guest tests (tests/integration/hwsim/test_hwsim_ble.py).

Source: BlueZ doc/gatt-api.txt, doc/advertising-api.txt; D-Bus specification
(bus policy, AccessDenied, ServiceUnknown).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
import time
from typing import Any, Dict, List

import pytest

pytest.importorskip("dbus_fast", reason="dbus-fast (the [ble] extra: pip install -e '.[ble]')")

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property, method

from wss.ble.bluez import APP_PATH, BLEUnavailable, BlueZPeripheral
from wss.ble.gatt import gatt_layout
from wss.ble.transport import BLETransport
from wss.protocomm import Protocomm, Security0, version_json

DBUS_DAEMON = shutil.which("dbus-daemon")
pytestmark = pytest.mark.skipif(DBUS_DAEMON is None, reason="dbus-daemon (Debian package dbus) is not installed")

_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
    {extra}
  </policy>
</busconfig>
"""


@pytest.fixture
def bus_factory(tmp_path):
    """Starts a private dbus-daemon; returns its address."""
    daemons: List[subprocess.Popen] = []

    def start(extra: str = "") -> str:
        socket = tmp_path / f"bus{len(daemons)}.sock"
        config = tmp_path / f"bus{len(daemons)}.conf"
        config.write_text(_CONFIG.format(socket=socket, extra=extra))
        daemons.append(subprocess.Popen([DBUS_DAEMON, f"--config-file={config}", "--nofork", "--nopidfile"]))
        deadline = time.monotonic() + 10
        while not socket.exists():
            assert time.monotonic() < deadline, "dbus-daemon did not start"
            time.sleep(0.02)
        return f"unix:path={socket}"

    yield start
    for daemon in daemons:
        daemon.terminate()
        daemon.wait(5)


class _Adapter(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.bluez.Adapter1")

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> s:  # noqa: F821
        return "00:AA:01:01:00:01"

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> b:  # noqa: F821
        return True


class _Manager(ServiceInterface):
    """GattManager1 or LEAdvertisingManager1: records registrations."""

    def __init__(self, name: str, calls: List[Any]) -> None:
        super().__init__(name)
        self.calls = calls

    @method()
    def RegisterApplication(self, path: o, options: "a{sv}"):  # noqa: F821, F722
        self.calls.append(("RegisterApplication", path))

    @method()
    def UnregisterApplication(self, path: o):  # noqa: F821
        self.calls.append(("UnregisterApplication", path))

    @method()
    def RegisterAdvertisement(self, path: o, options: "a{sv}"):  # noqa: F821, F722
        self.calls.append(("RegisterAdvertisement", path))

    @method()
    def UnregisterAdvertisement(self, path: o):  # noqa: F821
        self.calls.append(("UnregisterAdvertisement", path))


class FakeBlueZ:
    """``org.bluez`` on a private bus, in a thread: the adapters asked for."""

    def __init__(self, address: str, adapters: Dict[str, bool]) -> None:
        self.address, self.adapters, self.calls = address, adapters, []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.bus = self.run(self._start())

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    async def _start(self) -> MessageBus:
        bus = await MessageBus(bus_address=self.address).connect()
        bus.export("/org/bluez", ServiceInterface("org.bluez.AgentManager1"))
        for name, le in self.adapters.items():
            bus.export(f"/org/bluez/{name}", _Adapter())
            if le:
                bus.export(f"/org/bluez/{name}", _Manager("org.bluez.GattManager1", self.calls))
                bus.export(f"/org/bluez/{name}", _Manager("org.bluez.LEAdvertisingManager1", self.calls))
        await bus.request_name("org.bluez")
        return bus

    async def _call(self, destination: str, path: str, interface: str, member: str, signature="", body=()) -> Any:
        reply = await self.bus.call(
            Message(
                destination=destination,
                path=path,
                interface=interface,
                member=member,
                signature=signature,
                body=list(body),
            )
        )
        assert reply.message_type == MessageType.METHOD_RETURN, (reply.error_name, reply.body)
        return reply.body

    def call(self, *args: Any) -> Any:
        return self.run(self._call(*args))

    def close(self) -> None:
        self.bus.disconnect()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def _peripheral(address: str, adapter: str = "hci0") -> BlueZPeripheral:
    core = Protocomm(Security0(), version_json(Security0(), ["wifi_scan"]))
    core.add_endpoint("custom-data", lambda _sid, data: b"SUCCESS\x00")
    return BlueZPeripheral(
        BLETransport(core), gatt_layout(["custom-data"]), "PROV_EA69FC", adapter, bus_address=address, timeout_s=3
    )


def _start_error(address: str, adapter: str = "hci0") -> str:
    with pytest.raises(BLEUnavailable) as failed:
        _peripheral(address, adapter).start()
    message = str(failed.value)
    assert "\n" not in message and message.startswith("BLE: ")
    return message


def test_no_system_bus(tmp_path):
    message = _start_error(f"unix:path={tmp_path}/nothing.sock")
    assert "cannot reach" in message and "is dbus-daemon running?" in message


def test_bluetoothd_not_running(bus_factory):
    assert _start_error(bus_factory()) == "BLE: bluetoothd is not running (no org.bluez on the system bus)"


def test_no_permission_on_the_system_bus(bus_factory):
    address = bus_factory('<deny send_destination="org.bluez"/>')
    bluez = FakeBlueZ(address, {"hci0": True})
    try:
        message = _start_error(address)
    finally:
        bluez.close()
    assert message.startswith("BLE: no permission to talk to bluetoothd on the system bus"), message


def test_no_such_adapter_and_an_adapter_without_le(bus_factory):
    address = bus_factory()
    bluez = FakeBlueZ(address, {"hci1": True, "hci2": False})
    try:
        assert _start_error(address, "hci0") == "BLE: no Bluetooth adapter hci0 (adapters: hci1, hci2)"
        assert "adapter hci2 has no GattManager1" in _start_error(address, "hci2")
    finally:
        bluez.close()


def test_the_registered_objects_as_bluetoothd_reads_them(bus_factory):
    address = bus_factory()
    bluez = FakeBlueZ(address, {"hci0": True})
    peripheral = _peripheral(address)
    try:
        peripheral.start()
        assert peripheral.adapter_address == "00:AA:01:01:00:01"
        assert bluez.calls == [
            ("RegisterApplication", APP_PATH),
            ("RegisterAdvertisement", f"{APP_PATH}/advertisement0"),
        ]
        app = peripheral._bus.unique_name
        (objects,) = bluez.call(app, APP_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
        services = {p: i["org.bluez.GattService1"] for p, i in objects.items() if "org.bluez.GattService1" in i}
        chrcs = {
            p: i["org.bluez.GattCharacteristic1"] for p, i in objects.items() if "org.bluez.GattCharacteristic1" in i
        }
        descs = {p: i["org.bluez.GattDescriptor1"] for p, i in objects.items() if "org.bluez.GattDescriptor1" in i}
        ((service_path, service),) = services.items()
        assert service["UUID"].value == "021a9004-0382-4aea-bff4-6b3f1c5adfb4" and service["Primary"].value
        assert len(chrcs) == len(descs) == 6
        names, paths = {}, {}
        for path, desc in descs.items():
            assert desc["UUID"].value == "00002901-0000-1000-8000-00805f9b34fb" and desc["Flags"].value == ["read"]
            (value,) = bluez.call(app, path, "org.bluez.GattDescriptor1", "ReadValue", "a{sv}", [{}])
            chrc = chrcs[desc["Characteristic"].value]
            assert chrc["Service"].value == service_path and chrc["Flags"].value == ["read", "write"]
            names[value.decode()] = chrc["UUID"].value
            paths[value.decode()] = desc["Characteristic"].value
        assert names["prov-session"] == "021aff51-0382-4aea-bff4-6b3f1c5adfb4"
        assert set(names) == {"prov-ctrl", "prov-scan", "prov-session", "prov-config", "proto-ver", "custom-data"}
        # a write and reads through D-Bus, as bluetoothd passes an ATT exchange on
        chrc_path = paths["proto-ver"]
        device = {"device": Variant("o", "/org/bluez/hci0/dev_00_AA_01_00_00_00")}
        bluez.call(app, chrc_path, "org.bluez.GattCharacteristic1", "WriteValue", "aya{sv}", [b"---", device])
        (answer,) = bluez.call(app, chrc_path, "org.bluez.GattCharacteristic1", "ReadValue", "a{sv}", [device])
        assert b'"sec_ver"' in answer
        (tail,) = bluez.call(
            app,
            chrc_path,
            "org.bluez.GattCharacteristic1",
            "ReadValue",
            "a{sv}",
            [dict(device, offset=Variant("q", 10))],
        )
        assert tail == answer[10:]
        (adv,) = bluez.call(
            app,
            f"{APP_PATH}/advertisement0",
            "org.freedesktop.DBus.Properties",
            "GetAll",
            "s",
            ["org.bluez.LEAdvertisement1"],
        )
        assert adv["LocalName"].value == "PROV_EA69FC" and adv["Type"].value == "peripheral"
        assert adv["ServiceUUIDs"].value == ["021a9004-0382-4aea-bff4-6b3f1c5adfb4"]
    finally:
        peripheral.stop()
        bluez.close()
    assert ("UnregisterApplication", APP_PATH) in bluez.calls
    assert ("UnregisterAdvertisement", f"{APP_PATH}/advertisement0") in bluez.calls


def test_a_device_disconnection_ends_its_session(bus_factory):
    address = bus_factory()
    bluez = FakeBlueZ(address, {"hci0": True})
    peripheral = _peripheral(address)
    client = "/org/bluez/hci0/dev_00_AA_01_00_00_00"
    try:
        peripheral.start()
        peripheral.transport.write(client, "proto-ver", 0, b"---")
        assert peripheral.transport.owner == client

        async def disconnected() -> None:
            await bluez.bus.send(
                Message.new_signal(
                    client,
                    "org.freedesktop.DBus.Properties",
                    "PropertiesChanged",
                    "sa{sv}as",
                    ["org.bluez.Device1", {"Connected": Variant("b", False)}, []],
                )
            )

        bluez.run(disconnected())
        deadline = time.monotonic() + 5
        while peripheral.transport.owner is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert peripheral.transport.owner is None
    finally:
        peripheral.stop()
        bluez.close()
