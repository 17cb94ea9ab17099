# mypy: disable-error-code="name-defined,valid-type"
# (dbus-fast reads D-Bus signatures from string annotations such as "ay"; they are not types)
"""The BLE transport on Linux: a GATT application and an advertisement registered with
BlueZ (``bluetoothd``) over the system D-Bus, with dbus-fast (the ``ble`` extra).

* ``org.bluez.GattManager1.RegisterApplication``: an object tree under
  :data:`APP_PATH` (an ObjectManager, dbus-fast's) with one ``GattService1``, one
  ``GattCharacteristic1`` per endpoint (flags ``read``, ``write``) and its
  ``GattDescriptor1`` 0x2901 (flag ``read``) naming the endpoint
  (:mod:`wss.ble.gatt`).
* ``org.bluez.LEAdvertisingManager1.RegisterAdvertisement``: a ``peripheral``
  advertisement with the service UUID, the local name ``PROV_xxxxxx`` and the
  discoverable flag (bluetoothd puts the name in the scan response when the 31-byte
  advertising data cannot hold both).
* The adapter is chosen by name (``hci0``) and powered on if it is off.
* Characteristic reads and writes go to :class:`wss.ble.transport.BLETransport`, off the
  D-Bus loop (a read may run a Wi-Fi scan); the owner's disconnection (``Device1``
  ``Connected`` false, or the device object removed) ends its session.

Start-up failures raise :class:`BLEUnavailable` with one line naming the cause: no
system bus, no permission on it, bluetoothd not running, no such adapter, an adapter
without LE advertising, or a registration bluetoothd refused.

Everything runs on an asyncio loop in a thread of its own; :meth:`BlueZPeripheral.start`
and :meth:`~BlueZPeripheral.stop` wait for it with deadlines.

Source: BlueZ doc/gatt-api.txt, doc/advertising-api.txt, doc/adapter-api.txt,
doc/device-api.txt (5.66); ESP-IDF protocomm_ble (advertising content; docs/ble.md).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Dict, List, Optional

from ..errors import ConfigError
from .gatt import USER_DESCRIPTION_UUID, GattCharacteristic, GattLayout
from .transport import BLETransport, GattError

__all__ = ["BlueZPeripheral", "BLEUnavailable", "APP_PATH", "explain_dbus_error"]

log = logging.getLogger("wss.ble")

#: Where the GATT application and the advertisement live on the bus.
APP_PATH = "/org/wss/prov"
_BLUEZ = "org.bluez"
_ERROR_HINTS = {
    "org.freedesktop.DBus.Error.ServiceUnknown": "bluetoothd is not running (no org.bluez on the system bus)",
    "org.freedesktop.DBus.Error.NameHasNoOwner": "bluetoothd is not running (no org.bluez on the system bus)",
    "org.freedesktop.DBus.Error.AccessDenied": (
        "no permission to talk to bluetoothd on the system bus (run as root, or allow this user in "
        "/etc/dbus-1/system.d/bluetooth.conf)"
    ),
}


class BLEUnavailable(ConfigError):
    """The BLE transport cannot start here; the message names the cause in one line."""


def explain_dbus_error(name: str, text: str, doing: str) -> str:
    """One line for a D-Bus error reply ``name`` / ``text`` met while ``doing``."""
    hint = _ERROR_HINTS.get(name)
    if hint is not None:
        return f"BLE: {hint}"
    return f"BLE: {doing} failed: {name}: {text}".rstrip(": ")


def _dbus() -> Any:
    """The dbus-fast modules, or BLEUnavailable naming the extra."""
    try:
        import dbus_fast
        import dbus_fast.aio
        import dbus_fast.service
    except ImportError:
        raise BLEUnavailable("BLE: the BLE transport needs dbus-fast: pip install 'wss-provisionee[ble]'") from None
    return dbus_fast


def _interfaces(transport: BLETransport, layout: GattLayout, name: str) -> List[Any]:
    """The D-Bus objects of the application and the advertisement: ``[(path, iface), ...]``."""
    _dbus()
    from dbus_fast.errors import DBusError
    from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property, method

    service_path = f"{APP_PATH}/service0"

    def _offset(options: Dict[str, Any]) -> int:
        value = options.get("offset")
        return int(value.value) if value is not None else 0

    def _client(options: Dict[str, Any]) -> str:
        value = options.get("device")
        return str(value.value) if value is not None else ""

    def _trace(what: str, endpoint: str, options: Dict[str, Any], size: int) -> None:
        """One debug line per access: bluetoothd's options say the ATT MTU and the write's type."""
        mtu, kind = options.get("mtu"), options.get("type")
        log.debug(
            "BLE: %s %s at offset %d, %d bytes (mtu %s, type %s)",
            what,
            endpoint,
            _offset(options),
            size,
            mtu.value if mtu is not None else "?",
            kind.value if kind is not None else "-",
        )

    class Service(ServiceInterface):
        def __init__(self) -> None:
            super().__init__("org.bluez.GattService1")

        @dbus_property(access=PropertyAccess.READ)
        def UUID(self) -> s:  # noqa: F821 - BlueZ's property names; a D-Bus signature
            return layout.service_uuid

        @dbus_property(access=PropertyAccess.READ)
        def Primary(self) -> b:  # noqa: F821
            return True

    class Characteristic(ServiceInterface):
        def __init__(self, chrc: GattCharacteristic, path: str) -> None:
            super().__init__("org.bluez.GattCharacteristic1")
            self.chrc = chrc
            self.path = path

        @dbus_property(access=PropertyAccess.READ)
        def UUID(self) -> s:  # noqa: F821
            return self.chrc.uuid

        @dbus_property(access=PropertyAccess.READ)
        def Service(self) -> o:  # noqa: F821
            return service_path

        @dbus_property(access=PropertyAccess.READ)
        def Flags(self) -> "as":  # noqa: F722
            return ["read", "write"]

        @method()
        async def ReadValue(self, options: "a{sv}") -> ay:  # noqa: F821, F722
            loop = asyncio.get_running_loop()
            try:
                value = await loop.run_in_executor(
                    None, transport.read, _client(options), self.chrc.endpoint, _offset(options)
                )
            except GattError as exc:
                raise DBusError(exc.name, str(exc)) from None
            _trace("read", self.chrc.endpoint, options, len(value))
            return value

        @method()
        async def WriteValue(self, value: ay, options: "a{sv}"):  # noqa: F821, F722
            _trace("write", self.chrc.endpoint, options, len(value))
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(
                    None, transport.write, _client(options), self.chrc.endpoint, _offset(options), bytes(value)
                )
            except GattError as exc:
                raise DBusError(exc.name, str(exc)) from None

    class Descriptor(ServiceInterface):
        def __init__(self, chrc: GattCharacteristic, chrc_path: str) -> None:
            super().__init__("org.bluez.GattDescriptor1")
            self.chrc = chrc
            self.chrc_path = chrc_path

        @dbus_property(access=PropertyAccess.READ)
        def UUID(self) -> s:  # noqa: F821
            return USER_DESCRIPTION_UUID

        @dbus_property(access=PropertyAccess.READ)
        def Characteristic(self) -> o:  # noqa: F821
            return self.chrc_path

        @dbus_property(access=PropertyAccess.READ)
        def Flags(self) -> "as":  # noqa: F722
            return ["read"]

        @method()
        def ReadValue(self, options: "a{sv}") -> ay:  # noqa: F821, F722
            value = self.chrc.user_description
            offset = _offset(options)
            if offset > len(value):
                raise DBusError("org.bluez.Error.InvalidOffset", f"offset {offset} is past the name")
            return value[offset:]

    class Advertisement(ServiceInterface):
        def __init__(self) -> None:
            super().__init__("org.bluez.LEAdvertisement1")
            self.released = False

        @dbus_property(access=PropertyAccess.READ)
        def Type(self) -> s:  # noqa: F821
            return "peripheral"

        @dbus_property(access=PropertyAccess.READ)
        def ServiceUUIDs(self) -> "as":  # noqa: F722
            return [layout.service_uuid]

        @dbus_property(access=PropertyAccess.READ)
        def LocalName(self) -> s:  # noqa: F821
            return name

        @dbus_property(access=PropertyAccess.READ)
        def Discoverable(self) -> b:  # noqa: F821
            return True

        @method()
        def Release(self):
            self.released = True
            log.info("BLE: bluetoothd released the advertisement")

    objects: List[Any] = [(service_path, Service())]
    for index, chrc in enumerate(layout.characteristics):
        chrc_path = f"{service_path}/char{index}"
        objects.append((chrc_path, Characteristic(chrc, chrc_path)))
        objects.append((f"{chrc_path}/desc0", Descriptor(chrc, chrc_path)))
    objects.append((f"{APP_PATH}/advertisement0", Advertisement()))
    return objects


class BlueZPeripheral:
    """The provisioning service on a BlueZ adapter (start, serve, stop).

    Args:
        transport: the transport rules over the protocomm core.
        layout: the service and its characteristics.
        name: the advertised local name (``PROV_xxxxxx``).
        adapter: the adapter's name, e.g. ``hci0``.
        bus_address: a D-Bus address (default: the system bus).
        timeout_s: the deadline of every bluetoothd call at start and stop, seconds.
    """

    def __init__(
        self,
        transport: BLETransport,
        layout: GattLayout,
        name: str,
        adapter: str = "hci0",
        *,
        bus_address: Optional[str] = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.transport = transport
        self.layout = layout
        self.name = name
        self.adapter = adapter
        self.bus_address = bus_address
        self.timeout_s = timeout_s
        self.adapter_address = ""  # the adapter's Bluetooth address, once started
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._bus: Any = None
        self._adapter_path = f"/org/bluez/{adapter}"
        self._registered: List[str] = []

    def __repr__(self) -> str:
        return f"BlueZPeripheral({self.name!r} on {self.adapter})"

    # -- life cycle (caller's thread) -----------------------------------------------------

    def start(self) -> None:
        """Connect to the bus, check the adapter, register the service and advertise.

        Raises:
            BLEUnavailable: one line naming what is missing or refused.
        """
        if self._thread is not None:
            raise RuntimeError("the BLE peripheral is already started")
        _dbus()
        ready: Future = Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="wss-ble", daemon=True)
        self._thread.start()
        try:
            ready.result(timeout=self.timeout_s * 4)
        except BLEUnavailable:
            self._join()
            raise
        except FutureTimeout:
            self.stop()
            raise BLEUnavailable(f"BLE: bluetoothd did not answer within {self.timeout_s * 4:g} s") from None

    def stop(self) -> None:
        """Unregister, end the session, disconnect from the bus (idempotent)."""
        loop = self._loop
        if loop is not None and loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            try:
                future.result(timeout=self.timeout_s * 2 + 1)
            except Exception as exc:  # stopping must not fail the flow
                log.warning("BLE: stopping: %s", exc)
        self.transport.close()
        self._join()

    def flush(self, timeout_s: float) -> None:
        """Let the D-Bus loop send the replies it has ready (at most ``timeout_s``)."""
        loop = self._loop
        if loop is not None and loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(asyncio.sleep(0.05), loop).result(timeout=timeout_s)
            except Exception:  # a loop that is ending has nothing left to send
                pass

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join(self.timeout_s)
            self._thread = None

    # -- the loop's thread ----------------------------------------------------------------

    def _run(self, ready: Future) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._stopped = asyncio.Event()
        try:
            loop.run_until_complete(self._main(ready))
        finally:
            loop.close()
            self._loop = None

    async def _main(self, ready: Future) -> None:
        self._stopped = asyncio.Event()
        try:
            await self._start()
        except BLEUnavailable as exc:
            await self._disconnect()
            ready.set_exception(exc)
            return
        except Exception as exc:  # a bug or an unexpected reply: one line, not a traceback
            await self._disconnect()
            ready.set_exception(BLEUnavailable(f"BLE: start-up failed: {type(exc).__name__}: {exc}"))
            return
        ready.set_result(None)
        await self._stopped.wait()
        await self._disconnect()

    async def _call(
        self, path: str, interface: str, member: str, signature: str = "", body: Any = (), doing: str = ""
    ) -> Any:
        from dbus_fast import Message, MessageType

        message = Message(
            destination=_BLUEZ, path=path, interface=interface, member=member, signature=signature, body=list(body)
        )
        try:
            reply = await asyncio.wait_for(self._bus.call(message), self.timeout_s)
        except asyncio.TimeoutError:
            raise BLEUnavailable(
                f"BLE: {doing or member}: bluetoothd did not answer within {self.timeout_s:g} s"
            ) from None
        if reply.message_type == MessageType.ERROR:
            text = reply.body[0] if reply.body else ""
            raise BLEUnavailable(explain_dbus_error(reply.error_name or "", str(text), doing or member))
        return reply.body

    async def _start(self) -> None:
        from dbus_fast import BusType, Variant
        from dbus_fast.aio import MessageBus

        where = self.bus_address or "the system bus"
        try:
            bus = MessageBus(bus_address=self.bus_address, bus_type=BusType.SYSTEM)
            self._bus = await asyncio.wait_for(bus.connect(), self.timeout_s)
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise BLEUnavailable(
                f"BLE: cannot reach {where} ({exc.strerror or exc}); is dbus-daemon running?"
            ) from None
        except PermissionError:
            raise BLEUnavailable(f"BLE: no permission to connect to {where}") from None
        except asyncio.TimeoutError:
            raise BLEUnavailable(f"BLE: {where} did not answer within {self.timeout_s:g} s") from None
        except Exception as exc:  # dbus-fast's AuthError and friends
            raise BLEUnavailable(f"BLE: cannot connect to {where}: {type(exc).__name__}: {exc}") from None
        (objects,) = await self._call(
            "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", doing="listing bluetoothd's adapters"
        )
        adapters = sorted(p.rsplit("/", 1)[1] for p, ifaces in objects.items() if "org.bluez.Adapter1" in ifaces)
        interfaces = objects.get(self._adapter_path, {})
        if "org.bluez.Adapter1" not in interfaces:
            known = ", ".join(adapters) if adapters else "none"
            raise BLEUnavailable(f"BLE: no Bluetooth adapter {self.adapter} (adapters: {known})")
        for needed in ("org.bluez.GattManager1", "org.bluez.LEAdvertisingManager1"):
            if needed not in interfaces:
                raise BLEUnavailable(
                    f"BLE: adapter {self.adapter} has no {needed.split('.')[-1]} (not a Bluetooth LE adapter?)"
                )
        adapter = interfaces["org.bluez.Adapter1"]
        self.adapter_address = str(adapter["Address"].value) if "Address" in adapter else ""
        if "Powered" in adapter and not adapter["Powered"].value:
            await self._call(
                self._adapter_path,
                "org.freedesktop.DBus.Properties",
                "Set",
                "ssv",
                ("org.bluez.Adapter1", "Powered", Variant("b", True)),
                doing=f"powering {self.adapter} on",
            )
        for path, interface in _interfaces(self.transport, self.layout, self.name):
            self._bus.export(path, interface)
        self._bus.add_message_handler(self._on_signal)
        await self._add_match(
            "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties',"
            "member='PropertiesChanged',arg0='org.bluez.Device1'"
        )
        await self._add_match(
            "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesRemoved'"
        )
        await self._call(
            self._adapter_path,
            "org.bluez.GattManager1",
            "RegisterApplication",
            "oa{sv}",
            (APP_PATH, {}),
            doing="registering the GATT service",
        )
        self._registered.append("org.bluez.GattManager1")
        await self._call(
            self._adapter_path,
            "org.bluez.LEAdvertisingManager1",
            "RegisterAdvertisement",
            "oa{sv}",
            (f"{APP_PATH}/advertisement0", {}),
            doing="registering the advertisement",
        )
        self._registered.append("org.bluez.LEAdvertisingManager1")
        log.info("BLE: %s advertising on %s (%s)", self.name, self.adapter, self.adapter_address)

    async def _add_match(self, rule: str) -> None:
        from dbus_fast import Message

        await self._bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member="AddMatch",
                signature="s",
                body=[rule],
            )
        )

    def _on_signal(self, message: Any) -> bool:
        """A Device1 that disconnected or went away: its session ends (False: not consumed)."""
        member, path, body = message.member, message.path or "", message.body
        if member == "PropertiesChanged" and body and body[0] == "org.bluez.Device1":
            connected = body[1].get("Connected")
            if connected is not None and not connected.value:
                self.transport.disconnected(path)
        elif member == "InterfacesRemoved" and body and "org.bluez.Device1" in body[1]:
            self.transport.disconnected(str(body[0]))
        return False

    async def _shutdown(self) -> None:
        for manager, what in (
            ("org.bluez.LEAdvertisingManager1", ("UnregisterAdvertisement", f"{APP_PATH}/advertisement0")),
            ("org.bluez.GattManager1", ("UnregisterApplication", APP_PATH)),
        ):
            if manager in self._registered:
                try:
                    await self._call(self._adapter_path, manager, what[0], "o", (what[1],), doing=what[0])
                except BLEUnavailable as exc:
                    log.info("%s", exc)
        self._registered.clear()
        self._stopped.set()

    async def _disconnect(self) -> None:
        if self._bus is not None:
            self._bus.disconnect()
            self._bus = None
