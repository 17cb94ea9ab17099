"""The emulated ESP-AT firmware: command line, one command at a time, answers.

What arrives from the host is cut into command lines (CR LF; echoed while echo is on,
as at power-up). One command runs at a time on a worker thread; a line that arrives
meanwhile is dropped with ``busy p...``, as the real firmware does. After the ``>`` of
``AT+CIPSEND`` the next octets are the payload, taken by count. Answers follow the
firmware's layout: information lines, then a blank line and the final ``OK`` /
``ERROR`` (preceded by ``ERR CODE:0x...`` when ``AT+SYSLOG=1``). A restart (``AT+RST``
or a ``reset`` fault) forgets everything (echo back on, single link mode, active
receive, the UART back at its start-up rate, no network, no links) and prints
``ready`` when booted.

The command handlers live in :mod:`.basic`, :mod:`.wifi` and :mod:`.net`.

Source: ESP-AT "AT Command Set", "Basic AT Commands", "AT Messages"; the FAQ on
``busy p...``; ``docs/esp-at.md`` (which firmware version's behaviour is followed).
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Tuple

from .faults import FaultPlan
from .params import NO_AT, OP_ERROR, PROCESSING, UNSUPPORTED, AtError, Params
from .uart import PacedPty

__all__ = ["Firmware", "Command", "NO_FINAL", "ModuleState"]

log = logging.getLogger("wss.emulators.esp_at")

#: A handler's return value when it wrote its own final result (CIPSEND).
NO_FINAL = object()
#: Longest command line the firmware takes, octets.
MAX_COMMAND = 1024
_NAME = re.compile(rb"\A(AT\+[A-Za-z_0-9]+)(=\?|\?|=)?(.*)\Z", re.DOTALL)

Handler = Callable[["Firmware", str, Params], Any]


@dataclass(frozen=True)
class Command:
    """One AT command: its handler and the forms it takes (test, query, set, execute)."""

    handler: Handler
    test: bool = False
    query: bool = False
    set: bool = False
    execute: bool = False


@dataclass
class ModuleState:
    """What a restart forgets."""

    echo: bool = True
    syslog: bool = False
    sysstore: bool = True
    mode: int = 1
    mux: int = 0
    passive: bool = False
    lap_sort: int = 0
    lap_mask: int = 0x7FF
    lap_rssi_min: int = -100
    lap_auth_mask: int = 0xFFFF
    wifi_state: int = 0  #: as AT+CWSTATE reports it
    sta_mac: bytes = bytes.fromhex("02e5a7000001")
    ap_mac: bytes = bytes.fromhex("02e5a7000002")  #: the station's plus one, as on an ESP32
    ap_ssid: bytes = b"ESP_000002"  #: the firmware's default: ESP_ and the AP MAC's last octets
    ap_pwd: bytes = field(default=b"", repr=False)
    ap_channel: int = 1
    ap_ecn: int = 0
    ap_max_conn: int = 10
    ap_hidden: int = 0
    ap_ip: bytes = b"192.168.4.1"
    ap_gateway: bytes = b"192.168.4.1"
    ap_netmask: bytes = b"255.255.255.0"
    server_port: int = 0  #: the AT+CIPSERVER port, 0 when none runs
    server_max_conn: int = 5


class Firmware:
    """The module behind the UART.

    Args:
        uart: The paced pty.
        commands: Name (``AT+CWJAP``) → :class:`Command`.
        faults: The AT-link faults.
        start_baud: The UART rate after every restart.
        boot_time_s: How long a restart takes before ``ready``, seconds.
        on_restart: Called (on the worker thread) when the module restarts, to drop the
            radio link and the TCP links.
    """

    def __init__(
        self,
        uart: PacedPty,
        commands: Dict[bytes, Command],
        faults: FaultPlan,
        *,
        start_baud: int,
        boot_time_s: float,
        on_restart: Callable[[], None],
    ) -> None:
        self.uart = uart
        self.commands = commands
        self.faults = faults
        self.start_baud = start_baud
        self.boot_time_s = boot_time_s
        self._on_restart = on_restart
        self.fresh_state: Callable[[], ModuleState] = ModuleState  #: the state at power-up
        self.state = ModuleState()
        self.lock = threading.Lock()
        self._line = bytearray()
        self._need = 0
        self._data = bytearray()
        self._data_ready = threading.Event()
        self._busy = False
        self._booting = True
        self._dead = faults.never_ready
        self._current: Optional[bytes] = None
        self._queue: queue.Queue[Optional[bytes]] = queue.Queue()
        self._worker = threading.Thread(target=self._work, name="esp-at-emu-cmd", daemon=True)
        self.restarts = 0
        self.gmr: Tuple[bytes, ...] = ()  #: the AT+GMR lines
        self.station: Any = None  #: the Wi-Fi station (:class:`.wifi.Station`)
        self.links: Any = None  #: the TCP links (:class:`.net.Links`)

    # ------------------------------------------------------------------ lifecycle --

    def power_on(self) -> None:
        """Start the worker and boot (``ready`` after the boot time), unless never_ready."""
        self._worker.start()
        if not self._dead:
            self._queue.put(b"\x00boot")

    def stop(self) -> None:
        self._queue.put(None)
        self._data_ready.set()
        if self._worker.is_alive() and self._worker is not threading.current_thread():
            self._worker.join(timeout=2.0)

    def restart(self) -> None:
        """A restart (on the worker thread): forget everything, boot, print ``ready``."""
        with self.lock:
            self._booting = True
            self._need = 0
            self._line.clear()
        self.restarts += 1
        self.uart.discard_output()
        self._on_restart()
        self.state = self.fresh_state()
        self.uart.after_written(lambda: setattr(self.uart, "baud", self.start_baud))
        self._boot()

    def _boot(self) -> None:
        time.sleep(self.boot_time_s)
        with self.lock:
            self._booting = False
        self.raw(b"\r\nready\r\n")

    # ------------------------------------------------------------------- output --

    def raw(self, data: bytes) -> None:
        """Octets to the host as they are (payloads, the prompt)."""
        self.uart.write(data)

    def emit(self, line: bytes) -> None:
        """One line (CR LF added), through the line faults."""
        verdict = self.faults.on_line(line, self._current)
        if verdict == "drop_line":
            log.info("fault: line %r dropped", line[:40])
            return
        if verdict == "garble_line":
            log.info("fault: line %r garbled", line[:40])
            line = bytes(b ^ 0x21 if b not in (0x0D, 0x0A) else b for b in line)
        self.raw(line + b"\r\n")

    def final(self, result: bytes) -> None:
        """A final result: a blank line, then ``result``."""
        self.raw(b"\r\n")
        self.emit(result)

    def error(self, failure: AtError) -> None:
        for line in failure.lines:
            self.emit(line)
        if self.state.syslog:
            self.emit(b"ERR CODE:0x%08x" % failure.code)
        self.final(b"ERROR")

    def busy(self) -> None:
        if self.state.syslog:
            self.emit(b"ERR CODE:0x%08x" % AtError(PROCESSING).code)
        self.emit(b"busy p...")

    # --------------------------------------------------------------- from the host --

    def receive(self, data: bytes) -> None:
        """Octets from the host (UART receive thread, already paced)."""
        with self.lock:
            if self._dead or self._booting:
                return
            i = 0
            while i < len(data):
                if self._need:
                    take = data[i : i + self._need]
                    self._data += take
                    self._need -= len(take)
                    i += len(take)
                    if not self._need:
                        self._data_ready.set()
                    continue
                end = data.find(b"\n", i)
                piece = data[i:] if end < 0 else data[i : end + 1]
                i += len(piece)
                if self.state.echo:
                    self.raw(piece)
                self._line += piece
                if len(self._line) > MAX_COMMAND:
                    self._line.clear()
                    self.raw(b"\r\nERROR\r\n")
                    continue
                if end >= 0:
                    line = bytes(self._line).rstrip(b"\r\n")
                    self._line.clear()
                    if line:
                        self._submit(line)

    def _submit(self, line: bytes) -> None:
        if self._busy or self.faults.on_command("busy", line.upper()):
            self.busy()
            return
        self._busy = True
        self._queue.put(line)

    def expect_data(self, length: int) -> None:
        """The next ``length`` octets from the host are a payload (AT+CIPSEND)."""
        with self.lock:
            self._data = bytearray()
            self._need = length
            self._data_ready.clear()

    def take_data(self, timeout_s: float) -> Optional[bytes]:
        """The payload announced with :meth:`expect_data`, or None if it did not come."""
        if not self._data_ready.wait(timeout_s):
            with self.lock:
                self._need = 0
            return None
        with self.lock:
            return bytes(self._data)

    # ------------------------------------------------------------------- worker --

    def _work(self) -> None:
        while True:
            line = self._queue.get()
            if line is None:
                return
            if line == b"\x00boot":
                self._boot()
                continue
            try:
                self._execute(line)
            except Exception:
                log.exception("the emulated firmware failed on %r", line.split(b"=")[0])
                self.final(b"ERROR")
            finally:
                self._current = None
                with self.lock:
                    self._busy = False

    def _execute(self, line: bytes) -> None:
        upper = line.upper()
        self._current = upper
        if self.faults.on_command("reset", upper):
            log.info("fault: the module restarts on %r", upper.split(b"=")[0])
            self.restart()
            return
        if not upper.startswith(b"AT"):
            self.error(AtError(NO_AT))
            return
        if upper in (b"AT", b"ATE0", b"ATE1"):
            if upper != b"AT":
                self.state.echo = upper == b"ATE1"
            self.final(b"OK")
            return
        name, form, params = self._parse(line)
        command = self.commands.get(name)
        if command is None or name in self.faults.missing():
            self.error(AtError(UNSUPPORTED))
            return
        if not getattr(command, form, False):
            self.error(AtError(OP_ERROR))
            return
        try:
            result = command.handler(self, form, params)
        except AtError as failure:
            self.error(failure)
            return
        if result is not NO_FINAL:
            self.final(b"OK")

    @staticmethod
    def _parse(line: bytes) -> Tuple[bytes, str, Params]:
        match = _NAME.match(line)
        if match is None:
            return line.upper(), "execute", Params(b"")
        name, suffix, rest = match.groups()
        form = {b"=?": "test", b"?": "query", b"=": "set", None: "execute"}[suffix]
        if form in ("test", "query") and rest:
            form = "invalid"
        return name.upper(), form, Params(rest if form == "set" else b"")

    def listed(self) -> Tuple[Tuple[bytes, Command], ...]:
        """The commands ``AT+CMD?`` lists (faults may remove some)."""
        missing = self.faults.missing()
        return tuple((name, c) for name, c in sorted(self.commands.items()) if name not in missing)
