"""``WifiDriverEspAt``: an ESP32 running Espressif's ESP-AT firmware, driven over a UART.

The TCP/IP stack lives on the ESP32; the device's private key stays on the host, so the
mutual TLS of the DSS runs on the host (``wss``'s mbedTLS core) over an AT socket used as
a byte stream (:class:`~hal.esp_at.sockets.EspAtStream`, ``Capabilities.stream_fileno``
false).

=====================  ============================================================
contract op            how
=====================  ============================================================
``attach()``           open the port (pyserial URL), start-up (:mod:`.startup`):
                       ``AT`` until answered, ``ATE0``, ``AT+GMR``, ``AT+UART_CUR``,
                       ``AT+CMD?`` check, configuration
``trigger_scan()``     ``AT+CWLAP`` (wildcard), then ``AT+CWLAP="<ssid>"`` per
                       probed SSID (one: ``max_scan_ssids=1``)
``associate()``        ``AT+CWJAP`` (``+CWJAP:<code>`` → reason), ``AT+CIPSTA?``
                       (an address), then the check: ``AT+CIPDOMAIN``, a TCP link
``disassociate()``     close the links, ``AT+CWQAP``
``tcp_connect()``      ``AT+CIPSTART=<id>,"TCP",...`` → an :class:`EspAtStream`
``mac_address()``      ``AT+CIPSTAMAC?`` (the station's MAC, as ESP-IDF names its
                       provisioning SoftAP after it)
``start_softap()``     ``AT+CWMODE=3`` (SoftAP beside the station, which stays
                       joined), ``AT+CWSAP="<ssid>","<pwd>",<chl>,<ecn>,,<hidden>``,
                       ``AT+CIPAP?`` (the AP's address, 192.168.4.1 by default)
``softap_listen()``    ``AT+CIPSERVERMAXCONN=3`` (two links stay free for the
                       station), ``AT+CIPSERVER=1,<port>`` (one server; port 0: the
                       firmware's 333); stations arrive as ``<id>,CONNECT`` → an
                       :class:`~hal.esp_at.sockets.EspAtListener`
``stop_softap()``      ``AT+CIPSERVER=0,1`` (server and its links), ``AT+CWMODE=1``
=====================  ============================================================

The SoftAP ops exist when ``AT+CMD?`` lists ``AT+CWSAP``, ``AT+CIPAP``,
``AT+CIPSERVER`` and ``AT+CIPSTAMAC`` (``Capabilities.softap``); the SoftAP and the
station run at once (``concurrent_softap_station``), so the SoftAP setup flow scans and
joins while its HTTP server keeps serving.

Recovery: ``ready`` outside ``AT+RST`` means the module restarted. The command in
progress fails at once (a stream raises :class:`~hal.errors.StreamReset`, a join is
recorded INTERNAL); the next operation re-runs the start-up configuration (at the
original baud rate, then switching again) and, if a network was joined, joins it again
(a restart keeps nothing: ``AT+SYSSTORE=0``) and starts the SoftAP and its server again
if they ran, so the caller's retry goes through. A
module that answers nothing, not even ``AT``, is reset (``AT+RST``, wait for ``ready``)
and re-initialised the same way; if it stays silent the driver reports INTERFACE_LOST.
``WIFI DISCONNECT`` while joined (not caused by the driver) is a lost link.

Source: Espressif ESP-AT documentation (v3.x/v4.x command set; see ``docs/esp-at.md``
for which version's behaviour is followed where they differ); ``hal/base.py``.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import FrozenSet, Optional, Tuple

from ..args import EspAtArgs
from ..base import WifiDriver
from ..errors import (
    AssociationFailed,
    DriverBusyError,
    DriverNotSupported,
    DriverTimeout,
    HALError,
    InterfaceError,
    InvalidArgument,
    NetworkUnreachable,
    StreamError,
    StreamReset,
)
from ..helpers import EventCallback
from ..stream import ByteStream, StreamListener
from ..types import PSK_FAMILY, Capabilities, ConnectivityCheck, DriverEvent, FailureReason, NetworkConfig, SoftAPConfig
from .commands import (
    SOFTAP_COMMANDS,
    Firmware,
    cwjap_failure,
    cwsap_command,
    parse_cipap_ip,
    parse_cipsta_ip,
    parse_cwlap,
    parse_mac,
    quote,
)
from .link import ATLink, CommandError, LinkTimeout, ModuleReset, ModuleUnresponsive, wire_time_s
from .sockets import EspAtListener, ModuleSockets
from .startup import Settings, start_up, wait_until_answering

__all__ = ["WifiDriverEspAt"]

log = logging.getLogger("hal.esp_at")

_JOIN_COMMANDS = (b"AT+CWJAP", b"AT+CWQAP")
#: The SoftAP's address when ``AT+CIPAP?`` does not say (the firmware's default).
DEFAULT_AP_ADDRESS = "192.168.4.1"
#: Links the SoftAP's stations may hold at once (of 5): the setup flow needs one per
#: client; the rest stay free for the station's own connections (the DSS).
SERVER_LINKS = 3


class WifiDriverEspAt(WifiDriver):
    """Wi-Fi through an ESP-AT co-processor on a serial port.

    Args:
        port: A serial device (``/dev/ttyUSB0``) or any pyserial URL (``socket://host:port``,
            ``spy://...``, an emulator's pty path).
        baud: The module's UART rate at start-up (and after every restart), default 115200.
        switch_baud: Rate to raise the UART to after start-up (``AT+UART_CUR``); None or
            0 keeps ``baud``.
        rtscts: Hardware flow control (RTS/CTS) on the host and, with ``switch_baud``, on
            the module.
        ready_timeout_s: Longest wait for the module to answer at start-up or after a
            reset, seconds.
        command_timeout_s: Deadline of an ordinary command, seconds.
        scan_timeout_s: Deadline of one ``AT+CWLAP``, seconds.
        event_callback: First DriverEvent listener.
    Raises:
        InvalidArgument: A rate or timeout that is not positive.
    """

    OPTIONS = EspAtArgs

    def __init__(
        self,
        port: str,
        *,
        baud: int = 115200,
        switch_baud: Optional[int] = None,
        rtscts: bool = False,
        ready_timeout_s: float = 5.0,
        command_timeout_s: float = 3.0,
        scan_timeout_s: float = 15.0,
        event_callback: Optional[EventCallback] = None,
    ) -> None:
        super().__init__(event_callback=event_callback)
        if not port:
            raise InvalidArgument("port must name a serial device or a pyserial URL")
        if baud <= 0 or (switch_baud is not None and switch_baud < 0):
            raise InvalidArgument(f"baud rates must be positive, got {baud} / {switch_baud}")
        if min(ready_timeout_s, command_timeout_s, scan_timeout_s) <= 0:
            raise InvalidArgument("timeouts must be > 0 seconds")
        self.settings = Settings(
            str(port), int(baud), switch_baud or None, bool(rtscts), ready_timeout_s, command_timeout_s
        )
        self._scan_timeout_s = scan_timeout_s
        self._link: Optional[ATLink] = None
        self._sockets: Optional[ModuleSockets] = None
        self._firmware = Firmware()
        self._commands: FrozenSet[str] = frozenset()
        self._resets_handled = 0
        self._joined: Optional[NetworkConfig] = None
        self._join_timeout_s = 15.0
        self._ip: Optional[str] = None
        self._wire = (0, 0)
        self._events: queue.Queue[Optional[bytes]] = queue.Queue()
        self._event_thread: Optional[threading.Thread] = None
        self._softap: Optional[SoftAPConfig] = None
        self._ap_ip = DEFAULT_AP_ADDRESS
        self._server: Optional[EspAtListener] = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(port={self.settings.port!r}, open={self.is_open}, state={self._state.name})"

    # ----------------------------------------------------------------- lifecycle --

    def attach(self) -> None:
        try:
            import serial  # pyserial: the [esp_at] extra
        except ImportError:
            missing = "the esp_at driver needs pyserial: pip install 'wss-provisionee[esp_at]'"
            raise DriverNotSupported(missing) from None

        settings = self.settings
        try:
            port = serial.serial_for_url(
                settings.port,
                baudrate=settings.baud,
                rtscts=settings.rtscts,
                timeout=0.05,
                write_timeout=settings.command_timeout_s + wire_time_s(8192, settings.baud),
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise InterfaceError(f"cannot open serial port {settings.port}: {exc}") from None
        link = ATLink(port, on_urc=self._on_urc, on_recv=self._on_recv)
        self._link = link
        self._sockets = ModuleSockets(link, command_timeout_s=settings.command_timeout_s)
        link.start()
        self._event_thread = threading.Thread(target=self._event_loop, name="esp-at-events", daemon=True)
        self._event_thread.start()
        try:
            started = start_up(link, settings)
        except BaseException:
            self._shut_down()
            raise
        self._firmware, self._commands = started.firmware, started.commands
        self._sockets.poll_len = "AT+CIPRECVLEN" in started.commands
        self._resets_handled = link.resets
        self._joined, self._softap, self._server = None, None, None

    def detach(self) -> None:
        link = self._link
        if link is None:
            return
        if self.settings.switch_baud and link.baud != self.settings.baud and not link.needs_recovery:
            try:  # leave the module at the rate the next start-up expects
                link.command(b"AT+UART_CUR=%d,8,1,0,0" % self.settings.baud, 1.0, retry_lost=False)
            except HALError as exc:
                log.debug("restoring %d baud: %s", self.settings.baud, exc)
        self._shut_down()

    def _shut_down(self) -> None:
        if self._sockets is not None:
            self._sockets.cut_all("the driver was closed")
        if self._link is not None:
            self._link.close()
            self._wire = (self._link.bytes_in, self._link.bytes_out)
        self._events.put(None)
        if self._event_thread is not None and self._event_thread is not threading.current_thread():
            self._event_thread.join(timeout=2.0)
        self._link, self._sockets, self._event_thread = None, None, None
        self._events = queue.Queue()

    def capabilities(self) -> Capabilities:
        softap = SOFTAP_COMMANDS <= self._commands
        return Capabilities(
            softap=softap,
            concurrent_softap_station=softap,
            wpa3=self._firmware.wpa3,
            wep=True,
            directed_scan=True,
            max_scan_ssids=1,
            band_5ghz=self._firmware.band_5ghz,
            stream_fileno=False,
        )

    @property
    def firmware(self) -> Firmware:
        """What ``AT+GMR`` reported at start-up (version, chip)."""
        return self._firmware

    @property
    def ip_address(self) -> Optional[str]:
        """The station's IPv4 address on the joined network (``AT+CIPSTA?``), or None."""
        return self._ip if self._joined is not None else None

    def wire_octets(self) -> Tuple[int, int]:
        """Octets (read from, written to) the UART since the last open(), both directions
        (kept after close()): what the benchmark's wire-time floor counts."""
        link = self._link
        return (link.bytes_in, link.bytes_out) if link is not None else self._wire

    def _parts(self) -> Tuple[ATLink, ModuleSockets]:
        if self._link is None or self._sockets is None:
            raise InterfaceError("the ESP-AT driver is not attached")
        return self._link, self._sockets

    # ------------------------------------------------------------- unsolicited --

    def _on_urc(self, line: bytes, in_command: Optional[bytes]) -> None:
        """Reader thread: streams first (wire order), then the base's view, off-thread."""
        if self._sockets is not None:
            self._sockets.on_urc(line)
        if line == b"WIFI DISCONNECT" and not (in_command and in_command.startswith(_JOIN_COMMANDS)):
            self._events.put(line)

    def _on_recv(self, link_id: int, octets: int) -> None:
        if self._sockets is not None:
            self._sockets.on_recv(link_id, octets)

    def _event_loop(self) -> None:
        events = self._events
        while True:
            line = events.get()
            if line is None:
                return
            if line == b"WIFI DISCONNECT" and self._joined is not None:
                self._joined = None
                if self._sockets is not None:
                    self._sockets.cut_station("the Wi-Fi link was lost")
                self._link_lost("the module reported WIFI DISCONNECT")

    # --------------------------------------------------------------- recovery --

    def _ensure_ready(self) -> None:
        """Before an operation: reset a silent module, re-initialise a restarted one.

        Raises:
            InterfaceError: the module stays silent (INTERFACE_LOST was reported).
        """
        link, _sockets = self._parts()
        if link.needs_recovery:
            self._recover("the module stopped answering")
        elif link.resets != self._resets_handled:
            self._reinit("the module restarted")

    def _recover(self, why: str) -> None:
        """Bring back a module that answers nothing: back to ``baud``, else ``AT+RST``."""
        link, sockets = self._parts()
        sockets.cut_all(why, keep_listener=self._softap is not None)
        settings = self.settings
        since = link.resets
        if link.baud != settings.baud:  # a restart we could not read at the higher rate
            link.set_baud(settings.baud)
            if link.probe(settings.command_timeout_s):
                link.needs_recovery = False
                self._reinit(why)
                return
        log.warning("%s; resetting it (AT+RST)", why)
        try:
            link.command(b"AT+RST", settings.command_timeout_s, retry_lost=False)
        except HALError as exc:
            log.debug("AT+RST: %s", exc)
        link.set_baud(settings.baud)
        link.needs_recovery = False
        if not link.wait_for_reset(since, settings.ready_timeout_s):
            try:
                wait_until_answering(link, settings, settings.command_timeout_s)
            except InterfaceError as exc:
                sockets.cut_all(why)
                self._interface_lost(f"{why}; no answer after AT+RST either")
                raise InterfaceError(f"{settings.port}: {why}; no answer after AT+RST either") from exc
        self._reinit(why)

    def _reinit(self, why: str) -> None:
        """Re-run the start-up configuration; rejoin the network that was joined."""
        link, sockets = self._parts()
        sockets.cut_all(why, keep_listener=self._softap is not None)
        log.warning("%s: re-initialising it", why)
        link.set_baud(self.settings.baud)
        try:
            start_up(link, self.settings, known=self._commands)
        except InterfaceError as exc:
            sockets.cut_all(why)
            self._interface_lost(str(exc))
            raise
        self._resets_handled = link.resets
        self._restore_softap(why)
        joined, self._joined = self._joined, None
        if joined is None:
            return
        try:
            self._join(joined, self._join_timeout_s)
        except HALError as exc:
            log.warning("rejoining %r after the restart failed: %s", joined.ssid, exc)
            self._link_lost(f"{why}; could not rejoin the network")
            return
        self._joined = joined

    # ------------------------------------------------------------------ scanning --

    def trigger_scan(self, ssids: Tuple[bytes, ...]) -> None:
        try:
            self._ensure_ready()
            link, _sockets = self._parts()
            results = list(parse_cwlap(link.command(b"AT+CWLAP", self._scan_timeout_s).lines))
            for ssid in ssids:
                answer = link.command(b"AT+CWLAP=" + quote(ssid), self._scan_timeout_s)
                results.extend(parse_cwlap(answer.lines, ssid=ssid))
        except HALError as exc:
            self._scan_failed(f"AT+CWLAP failed: {exc}")
            return
        self._scan_completed(results)

    # -------------------------------------------------------------------- joining --

    def associate(self, config: NetworkConfig, timeout_s: float, check: Optional[ConnectivityCheck]) -> None:
        self._ensure_ready()
        self._joined, self._ip = None, None
        self._join_timeout_s = timeout_s
        self._join(config, timeout_s)
        if check is not None:
            try:
                self._check(check, timeout_s)
            except AssociationFailed:
                self._leave_quietly()
                raise
        self._joined = config

    def _join(self, config: NetworkConfig, timeout_s: float) -> None:
        """``AT+CWJAP`` and ``AT+CIPSTA?``; the module is left on any failure."""
        link, _sockets = self._parts()
        jap_s = max(3, min(600, int(timeout_s) - 1))
        pci_en = 1 if config.security in PSK_FAMILY else 0  # a passphrase never joins OPEN/WEP
        # ssid, pwd, bssid (any), pci_en, reconn_interval 0 (the host decides), listen
        # interval (default), scan_mode 1 (all channels, strongest AP), jap_timeout
        command = b"AT+CWJAP=%s,%s,,%d,0,,1,%d" % (quote(config.ssid), quote(config.key), pci_en, jap_s)
        try:
            link.command(command, max(timeout_s, jap_s + 1.0), retry_lost=False)
        except CommandError as exc:
            reason, detail = cwjap_failure(exc.lines)
            self._leave_quietly()
            raise AssociationFailed(reason, detail) from None
        except LinkTimeout:
            self._leave_quietly()
            raise DriverTimeout(f"joining {config.ssid!r} still running after {timeout_s:g} s") from None
        except ModuleReset:
            raise AssociationFailed(FailureReason.INTERNAL, "the module restarted during the join") from None
        except ModuleUnresponsive as exc:
            self._recover(str(exc))
            raise AssociationFailed(FailureReason.INTERNAL, "the module stopped answering during the join") from None
        try:
            ip = parse_cipsta_ip(link.command(b"AT+CIPSTA?", self.settings.command_timeout_s).lines)
        except HALError as exc:
            self._leave_quietly()
            raise AssociationFailed(FailureReason.INTERNAL, f"AT+CIPSTA? failed: {exc}") from None
        if ip is None:
            self._leave_quietly()
            raise AssociationFailed(FailureReason.LIMITED_CONNECTIVITY, "associated, but no IPv4 address")
        self._ip = ip
        log.info("joined %r, address %s", config.ssid, ip)

    def _check(self, check: ConnectivityCheck, timeout_s: float) -> None:
        """The check host resolves (``AT+CIPDOMAIN``) and its port takes a TCP link."""
        _link, sockets = self._parts()
        try:
            sockets.resolve(check.host, self.settings.command_timeout_s)
            sockets.open(check.host, check.port, min(timeout_s, 10.0)).close()
        except StreamError as exc:
            raise AssociationFailed(FailureReason.LIMITED_CONNECTIVITY, str(exc)) from None

    def _leave_quietly(self) -> None:
        self._quietly(b"AT+CWQAP", "after a failed join")

    def _quietly(self, command: bytes, when: str = "", *, retry_lost: bool = True) -> None:
        """A command whose failure only matters to the log (tidying up)."""
        try:
            self._parts()[0].command(command, self.settings.command_timeout_s, retry_lost=retry_lost)
        except HALError as exc:
            log.debug("%s %s: %s", command.decode(), when, exc)

    def disassociate(self) -> None:
        link, sockets = self._parts()
        self._joined, self._ip = None, None
        if link.needs_recovery or link.resets != self._resets_handled:
            self._ensure_ready()  # a restarted module has left the network already
            return
        sockets.close_all()
        try:
            link.command(b"AT+CWQAP", self.settings.command_timeout_s)
        except CommandError as exc:
            log.debug("AT+CWQAP: %s", exc)
        except (LinkTimeout, ModuleReset, ModuleUnresponsive) as exc:
            raise InterfaceError(f"leaving the network failed: {exc}") from None

    # -------------------------------------------------------------------- streams --

    def tcp_connect(self, host: str, port: int, timeout_s: float) -> ByteStream:
        try:
            self._ensure_ready()
        except InterfaceError as exc:
            raise StreamReset(f"{host}:{port}: {exc}") from None
        if self._joined is None:
            raise NetworkUnreachable(f"{host}:{port}: the module is not joined to a network")
        return self._parts()[1].open(host, port, timeout_s)

    # --------------------------------------------------------------------- SoftAP --

    def mac_address(self) -> bytes:
        """The station's MAC address (``AT+CIPSTAMAC?``).

        Raises:
            DriverNotSupported: the firmware lacks ``AT+CIPSTAMAC``.
            InterfaceError: no usable answer.
        Source: ESP-AT "Wi-Fi AT Commands", AT+CIPSTAMAC.
        """
        if "AT+CIPSTAMAC" not in self._commands:
            raise DriverNotSupported(f"{self._firmware.describe()} has no AT+CIPSTAMAC")
        self._ensure_ready()
        link, _sockets = self._parts()
        try:
            mac = parse_mac(link.command(b"AT+CIPSTAMAC?", self.settings.command_timeout_s).lines, b"CIPSTAMAC")
        except HALError as exc:
            raise InterfaceError(f"AT+CIPSTAMAC? failed: {exc}") from None
        if mac is None:
            raise InterfaceError("AT+CIPSTAMAC? gave no MAC address")
        return mac

    def _require_softap_commands(self) -> None:
        if not SOFTAP_COMMANDS <= self._commands:
            missing = ", ".join(sorted(SOFTAP_COMMANDS - self._commands))
            raise DriverNotSupported(f"{self._firmware.describe()} has no SoftAP (lacks {missing})")

    def start_softap(self, config: SoftAPConfig) -> None:
        """``AT+CWMODE=3``, ``AT+CWSAP=...``, ``AT+CIPAP?`` (see the module docstring).

        Raises:
            DriverNotSupported: the firmware lacks the SoftAP commands.
            InvalidArgument: a security the module's SoftAP does not offer (WPA3), or the
                module refused the parameters (it is put back in station mode).
            InterfaceError: the module failed.
        Events: SOFTAP_STARTED.
        Source: ESP-AT "Wi-Fi AT Commands" (AT+CWMODE, AT+CWSAP, AT+CIPAP).
        """
        if not isinstance(config, SoftAPConfig):
            raise InvalidArgument("start_softap() takes a SoftAPConfig")
        self._require_softap_commands()
        command = cwsap_command(config.ssid, config.key, config.channel, config.security, config.hidden)
        self._ensure_ready()
        self._start_ap(config, command)
        self._softap = config
        log.info("SoftAP %r up on channel %d, address %s", config.ssid, config.channel, self._ap_ip)
        self._emit(DriverEvent.SOFTAP_STARTED)

    def _start_ap(self, config: SoftAPConfig, command: bytes) -> None:
        link, _sockets = self._parts()
        timeout = self.settings.command_timeout_s
        try:
            link.command(b"AT+CWMODE=3", timeout)
            link.command(command, timeout, retry_lost=False)
        except CommandError as exc:
            self._station_mode()
            raise InvalidArgument(f"the module refused the SoftAP {config.ssid!r} ({exc})") from None
        except (LinkTimeout, ModuleReset, ModuleUnresponsive, DriverBusyError) as exc:
            raise InterfaceError(f"starting the SoftAP failed: {exc}") from None
        try:
            self._ap_ip = parse_cipap_ip(link.command(b"AT+CIPAP?", timeout).lines) or DEFAULT_AP_ADDRESS
        except HALError as exc:
            log.info("AT+CIPAP? failed (%s); assuming %s", exc, DEFAULT_AP_ADDRESS)
            self._ap_ip = DEFAULT_AP_ADDRESS

    def _station_mode(self) -> None:
        self._quietly(b"AT+CWMODE=1", "(back to station mode)")

    def stop_softap(self) -> None:
        """``AT+CIPSERVER=0,1`` if a server runs, then ``AT+CWMODE=1``; a no-op when no
        SoftAP runs. The station stays joined.

        Raises:
            DriverNotSupported: the firmware lacks the SoftAP commands.
        Events: SOFTAP_STOPPED if one was running.
        """
        self._require_softap_commands()
        if self._softap is None:
            return
        self._softap = None
        link, sockets = self._parts()
        served, self._server = self._server, None
        sockets.cut_server("the SoftAP stopped")
        if not link.needs_recovery and link.resets == self._resets_handled:
            if served is not None:
                self._quietly(b"AT+CIPSERVER=0,1", "(the server and its links)", retry_lost=False)
            self._station_mode()
        self._emit(DriverEvent.SOFTAP_STOPPED)

    def softap_listen(self, port: int) -> StreamListener:
        """``AT+CIPSERVER=1,<port>``: the module's one TCP server, on the SoftAP's address.

        Args:
            port: 0–65535; 0 takes the firmware's default port (333).
        Raises:
            InvalidArgument: ``port`` outside 0–65535.
            NetworkUnreachable: no SoftAP runs.
            StreamError: a server already runs (the module has one), or it was refused.
            DriverNotSupported: the firmware lacks the SoftAP commands.
        Source: ESP-AT "TCP/IP AT Commands", AT+CIPSERVER (multiple-link mode, which the
            driver always sets).
        """
        self._require_softap_commands()
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise InvalidArgument(f"port must be 0-65535, not {port!r}")
        if self._softap is None:
            raise NetworkUnreachable("no SoftAP is running: start_softap() first")
        self._ensure_ready()
        _link, sockets = self._parts()
        self._limit_server_links()
        self._server = sockets.listen(port, self._ap_ip, self.settings.command_timeout_s)
        return self._server

    def _limit_server_links(self) -> None:
        """``AT+CIPSERVERMAXCONN``: stations may take at most :data:`SERVER_LINKS` of the
        module's five links, so the station's own connections always find one free."""
        if "AT+CIPSERVERMAXCONN" in self._commands:
            self._quietly(b"AT+CIPSERVERMAXCONN=%d" % SERVER_LINKS, "(links left for the station)")

    def _restore_softap(self, why: str) -> None:
        """After a restart: start the SoftAP and its server again (the listener lives on)."""
        config = self._softap
        if config is None:
            return
        _link, sockets = self._parts()
        try:
            command = cwsap_command(config.ssid, config.key, config.channel, config.security, config.hidden)
            self._start_ap(config, command)
            server = self._server
            if server is not None:
                self._limit_server_links()
                port = server.address[1]
                self._parts()[0].command(b"AT+CIPSERVER=1,%d" % port, self.settings.command_timeout_s)
        except HALError as exc:
            log.warning("%s: the SoftAP could not be started again: %s", why, exc)
            sockets.cut_server(f"{why}; the SoftAP could not be started again")
