"""The AT link: a serial port, a reader thread, and one command at a time with a deadline.

:class:`ATLink` writes a command, and its reader thread feeds what comes back to the
sans-IO parser (:mod:`hal.esp_at.parser`): information lines and payloads go to the
command in progress, a final result ends it, unsolicited lines go to a callback (on the
reader thread, in wire order, so it must not block). Rules:

* **Deadlines.** Every command has one. When it passes, the link re-synchronises: it
  sends ``AT+GMR`` and waits for the answer that holds its ``AT version:`` line,
  skipping the finals that come before it (late answers to earlier commands), so a
  delayed ``OK`` is never taken for the next command's. A command whose
  answer was lost is retried once if the caller says it may be; one whose
  ``+CIPRECVDATA`` block arrived but whose ``OK`` did not is complete. If ``AT+GMR``
  gets no answer either, :class:`ModuleUnresponsive` is raised (the driver then resets the
  module).
* **busy p...** means the module dropped the command: it is sent again after a pause,
  a bounded number of times, within the same deadline.
* **ready** in the middle of a command means the module restarted: the command fails at
  once with :class:`ModuleReset`; :attr:`ATLink.resets` counts restarts.
* **AT+CIPSEND** takes two steps: the command ends at the ``>`` prompt, then exactly the
  announced bytes are written and ``SEND OK`` / ``SEND FAIL`` awaited.

Commands that carry secrets (a passphrase) are logged by name only.

Source: ESP-AT documentation ("AT Command Set", "AT Messages", "TCP/IP AT Commands",
"Basic AT Commands" for ``busy p...``, ``ERR CODE`` and ``ready``); ``docs/design.md``
§5.4 (pyserial, framing apart from meaning), §6 (deadlines); ``docs/esp-at.md``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple

from ..errors import DriverBusyError, DriverTimeout, HALError, InterfaceError
from .parser import ATParser, Kind, Line, Payload, Prompt, classify, parse_err_code

__all__ = [
    "Response",
    "CommandError",
    "LinkTimeout",
    "ModuleReset",
    "ModuleUnresponsive",
    "ATLink",
    "wire_time_s",
]

log = logging.getLogger("hal.esp_at")

#: Pause before a command the module answered ``busy p...`` is sent again, seconds.
BUSY_PAUSE_S = 0.1
#: How many times a command answered ``busy p...`` is sent again.
BUSY_RETRIES = 10
#: How long the ``AT`` probe of a re-synchronisation may take, seconds.
PROBE_TIMEOUT_S = 1.0
#: Silence after a probe that followed unanswered ones: late answers arrive within it, seconds.
SETTLE_S = 0.05
#: The line that marks the answer to ``AT+GMR`` (the re-synchronisation command).
SYNC_LINE = b"AT version:"

#: Called on the reader thread for each unsolicited line: (line, command in progress).
UrcCallback = Callable[[bytes, Optional[bytes]], None]
#: Called on the reader thread when a ``+CIPRECVDATA`` block for a link arrives: (link, octets).
RecvCallback = Callable[[int, int], None]


def wire_time_s(octets: int, baud: int) -> float:
    """Seconds ``octets`` take on a UART at ``baud`` (8N1: 10 bits per octet)."""
    return octets * 10.0 / max(1, baud)


@dataclass(frozen=True)
class Response:
    """A command's answer.

    Attributes:
        final: The final result line (``OK``, ``SEND OK``, ...).
        lines: Information and unsolicited lines that came with it, in order.
        payload: The ``+CIPRECVDATA`` block, if any.
    """

    final: bytes
    lines: Tuple[bytes, ...] = ()
    payload: Optional[bytes] = None


class CommandError(HALError):
    """The module answered ERROR, FAIL or SEND FAIL.

    Attributes:
        command: The command's name (no arguments: they may hold secrets).
        final: The final line.
        lines: The information lines before it (e.g. ``+CWJAP:2``).
        err_code: The ``ERR CODE`` value (AT+SYSLOG=1), or None.
    """

    def __init__(self, command: str, final: bytes, lines: Tuple[bytes, ...], err_code: Optional[int]) -> None:
        self.command, self.final, self.lines, self.err_code = command, final, lines, err_code
        code = f" (ERR CODE 0x{err_code:08x})" if err_code is not None else ""
        super().__init__(f"{command}: {final.decode('ascii', 'replace')}{code}")


class LinkTimeout(DriverTimeout):
    """A command got no final result within its deadline (the module still answers AT)."""


class ModuleReset(HALError):
    """The module restarted (``ready``) while a command was in progress."""


class ModuleUnresponsive(InterfaceError):
    """The module answers nothing, not even ``AT``."""


class _Pending:
    """The command in progress, filled in by the reader thread."""

    def __init__(
        self,
        command: bytes,
        *,
        want_prompt: bool = False,
        recv_link: Optional[int] = None,
        expect: Optional[bytes] = None,
    ) -> None:
        self.command = command
        self.want_prompt = want_prompt
        self.recv_link = recv_link
        self.expect = expect  #: a final without a line starting so is a late answer to skip
        self.lines: List[bytes] = []
        self.final: Optional[bytes] = None
        self.err_code: Optional[int] = None
        self.payload: Optional[bytes] = None
        self.prompted = self.busy = self.reset = self.dead = False
        self.done = threading.Event()


def _name(command: bytes) -> str:
    """The command without its arguments (``AT+CWJAP``), for messages and logs."""
    return command.split(b"=", 1)[0].split(b"?", 1)[0].decode("ascii", "replace")


class ATLink:
    """One ESP-AT module on one serial port.

    Args:
        port: An open pyserial port (``serial.serial_for_url(...)``); its read timeout
            should be short (the reader thread polls it to notice :meth:`close`).
        on_urc: Unsolicited lines, on the reader thread (must not block).
        on_recv: ``+CIPRECVDATA`` accounting, on the reader thread (must not block).
    Attributes:
        resets: How many times the module printed ``ready`` since the link started.
        needs_recovery: Set when the module stopped answering even ``AT`` (the driver
            resets it and clears this).
        bytes_in, bytes_out: Octets read from / written to the port (both directions of
            the UART), for the benchmark's wire-time floor.
    """

    def __init__(self, port: Any, *, on_urc: UrcCallback, on_recv: RecvCallback) -> None:
        self._port = port
        self._on_urc = on_urc
        self._on_recv = on_recv
        self._parser = ATParser()
        self._cond = threading.Condition()
        self._lock = threading.Lock()  # one command at a time
        self._pending: Optional[_Pending] = None
        self._stop = threading.Event()
        self._dead: Optional[str] = None
        self._reader: Optional[threading.Thread] = None
        self.resets = 0
        self.needs_recovery = False
        self._unsynced = False
        self.stray_finals = 0
        self.bytes_in = 0
        self.bytes_out = 0

    # ------------------------------------------------------------------ lifecycle --

    def start(self) -> None:
        """Start the reader thread."""
        self._reader = threading.Thread(target=self._read_loop, name="esp-at-reader", daemon=True)
        self._reader.start()

    def close(self) -> None:
        """Stop the reader thread and close the port (idempotent, never raises)."""
        self._stop.set()
        cancel = getattr(self._port, "cancel_read", None)
        if cancel is not None:  # wake the reader now rather than at its next poll
            try:
                cancel()
            except Exception as exc:
                log.debug("cancel_read: %s", exc)
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=2.0)
        try:
            self._port.close()
        except Exception as exc:  # a vanished USB adapter may fail here
            log.debug("closing the serial port: %s", exc)

    @property
    def baud(self) -> int:
        """The port's current baud rate."""
        return int(self._port.baudrate)

    def set_baud(self, baud: int) -> None:
        """Switch the host side of the UART to ``baud`` (after the module did)."""
        self._port.baudrate = baud

    def wait_for_reset(self, since: int, timeout_s: float) -> bool:
        """Wait until :attr:`resets` exceeds ``since``; True if it did in time."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self.resets <= since:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    # ------------------------------------------------------------------ commands --

    def command(
        self,
        command: bytes,
        timeout_s: float,
        *,
        retry_lost: bool = True,
        recv_link: Optional[int] = None,
        expect: Optional[bytes] = None,
    ) -> Response:
        """Send one command and wait for its final result.

        Args:
            command: The command without CR LF, e.g. ``b"AT+CWMODE=1"``.
            timeout_s: Seconds for the answer (wire time of the command is added).
            retry_lost: The command may be sent again if its answer was lost.
            recv_link: The link id of an ``AT+CIPRECVDATA`` (its block is accounted
                through ``on_recv`` in wire order).
            expect: The start of a line the answer must hold (``b"AT version:"`` for
                ``AT+GMR``): finals without it are late answers to earlier commands and
                are skipped, so the command re-aligns answers with commands.
        Returns:
            The :class:`Response` (final OK).
        Raises:
            CommandError: ERROR / FAIL. DriverBusyError: still ``busy p...`` after the
            retries. LinkTimeout: no answer in time. ModuleReset: the module restarted.
            ModuleUnresponsive: not even ``AT`` is answered. InterfaceError: the port failed.
        """
        with self._lock:
            if self._unsynced:
                self._resync()
            deadline = time.monotonic() + timeout_s + wire_time_s(len(command) + 2, self.baud)
            pending = self._exchange(command, deadline, retry_lost=retry_lost, recv_link=recv_link, expect=expect)
            return self._result(pending)

    def send_data(self, command: bytes, data: bytes, timeout_s: float) -> Response:
        """``AT+CIPSEND=<id>,<len>``: wait for ``>``, write ``data``, wait for SEND OK.

        Args:
            command: The CIPSEND command announcing ``len(data)`` octets.
            data: The payload, written raw (no escaping).
            timeout_s: Seconds for each of the two steps (plus the payload's wire time).
        Raises:
            CommandError: ERROR before the prompt (no such link), SEND FAIL / ERROR after
            it. The errors of :meth:`command`.
        """
        with self._lock:
            if self._unsynced:
                self._resync()
            deadline = time.monotonic() + timeout_s + wire_time_s(len(command) + 2, self.baud)
            first = self._exchange(command, deadline, retry_lost=False, want_prompt=True)
            if not first.prompted:
                return self._result(first)
            pending = _Pending(b"CIPSEND data")
            self._install(pending)
            self._write(data)
            deadline = time.monotonic() + timeout_s + wire_time_s(len(data), self.baud)
            self._wait(pending, deadline)
            return self._result(pending)

    def _exchange(
        self,
        command: bytes,
        deadline: float,
        *,
        retry_lost: bool,
        want_prompt: bool = False,
        recv_link: Optional[int] = None,
        expect: Optional[bytes] = None,
    ) -> _Pending:
        busy_left, lost_left = BUSY_RETRIES, 1 if retry_lost else 0
        allowed = deadline - time.monotonic()
        while True:
            pending = _Pending(command, want_prompt=want_prompt, recv_link=recv_link, expect=expect)
            self._install(pending)
            self._write(command + b"\r\n")
            try:
                self._wait(pending, deadline)
            except LinkTimeout:
                if pending.payload is not None:  # the block came, its OK was lost
                    return _completed(pending)
                if lost_left:  # once more, with the same time again
                    lost_left -= 1
                    deadline = time.monotonic() + allowed
                    log.info("%s: answer lost; sending it again", _name(command))
                    continue
                raise
            if pending.busy:
                if busy_left and time.monotonic() + BUSY_PAUSE_S < deadline:
                    busy_left -= 1
                    time.sleep(BUSY_PAUSE_S)
                    continue
                raise DriverBusyError(f"{_name(command)}: the module stayed busy (busy p...)")
            return pending

    def _result(self, pending: _Pending) -> Response:
        if pending.reset:
            raise ModuleReset(f"{_name(pending.command)}: the module restarted (ready)")
        if pending.dead:
            raise InterfaceError(f"the serial port failed: {self._dead}")
        final = pending.final or b"OK"
        if final not in (b"OK", b"SEND OK"):
            raise CommandError(_name(pending.command), final, tuple(pending.lines), pending.err_code)
        return Response(final, tuple(pending.lines), pending.payload)

    def _install(self, pending: _Pending) -> None:
        with self._cond:
            if self._dead is not None:
                raise InterfaceError(f"the serial port failed: {self._dead}")
            self._pending = pending

    def _write(self, data: bytes) -> None:
        try:
            self._port.write(data)
            self._port.flush()
        except Exception as exc:  # SerialTimeoutException, SerialException, OSError
            with self._cond:
                self._pending = None
            if type(exc).__name__ == "SerialTimeoutException":
                raise LinkTimeout(f"writing {len(data)} octets to the module timed out") from None
            raise InterfaceError(f"writing to the serial port failed: {exc}") from None
        self.bytes_out += len(data)

    def _wait(self, pending: _Pending, deadline: float) -> None:
        """Wait for ``pending`` to end; on timeout re-synchronise and raise LinkTimeout."""
        finished = pending.done.wait(max(0.0, deadline - time.monotonic()))
        with self._cond:
            if self._pending is pending:
                self._pending = None
        if finished:
            return
        self._resync()
        raise LinkTimeout(f"{_name(pending.command)}: no answer from the module in time")

    def probe(self, timeout_s: float, *, settle: bool = True) -> bool:
        """Send ``AT`` once; True when ``OK`` (or ``ready``) came within ``timeout_s``.

        Args:
            settle: After an answer, wait a moment (:data:`SETTLE_S` plus some wire time)
                so that late answers to earlier unanswered commands are not taken for the
                next one's; needless when nothing went unanswered before.
        Raises:
            InterfaceError: the port failed.
        """
        with self._lock:
            return self._probe(timeout_s, settle=settle)

    def _probe(self, timeout_s: float, *, settle: bool = True) -> bool:
        pending = _Pending(b"AT")
        self._install(pending)
        self._write(b"AT\r\n")
        answered = pending.done.wait(timeout_s + wire_time_s(16, self.baud))
        with self._cond:
            if self._pending is pending:
                self._pending = None
        ok = answered and not pending.dead and (pending.reset or pending.final == b"OK")
        if ok and settle:
            time.sleep(SETTLE_S + wire_time_s(64, self.baud))
        return ok

    def _resync(self) -> None:
        """After a lost answer: ``AT+GMR`` must be answered; late answers to earlier
        commands come first and are skipped (they lack its ``AT version:`` line). A
        module still busy with the late command is asked again until
        :data:`PROBE_TIMEOUT_S` passes; then the next command re-synchronises first."""
        deadline = time.monotonic() + PROBE_TIMEOUT_S + wire_time_s(256, self.baud)
        while True:
            pending = _Pending(b"AT+GMR", expect=SYNC_LINE)
            self._install(pending)
            self._write(b"AT+GMR\r\n")
            answered = pending.done.wait(max(0.0, deadline - time.monotonic()))
            with self._cond:
                if self._pending is pending:
                    self._pending = None
            if answered and not pending.dead and not pending.busy:
                self._unsynced = False
                return
            if pending.busy and time.monotonic() + BUSY_PAUSE_S < deadline:
                time.sleep(BUSY_PAUSE_S)
                continue
            if pending.busy:
                self._unsynced = True
                return
            self.needs_recovery = True
            raise ModuleUnresponsive("the ESP-AT module does not answer AT+GMR any more")

    # -------------------------------------------------------------- reader thread --

    def _read_loop(self) -> None:
        port = self._port
        while not self._stop.is_set():
            try:
                data = port.read(max(1, port.in_waiting))
            except Exception as exc:  # SerialException, OSError: the port went away
                if not self._stop.is_set():
                    self._port_failed(str(exc))
                return
            if not data:
                continue
            self.bytes_in += len(data)
            for event in self._parser.feed(data):
                try:
                    self._dispatch(event)
                except Exception:  # a handler bug must not kill the reader
                    log.exception("handling %r failed", event)

    def _port_failed(self, why: str) -> None:
        log.warning("ESP-AT serial port failed: %s", why)
        with self._cond:
            self._dead = why
            pending, self._pending = self._pending, None
            self._cond.notify_all()
        if pending is not None:
            pending.dead = True
            pending.done.set()

    def _dispatch(self, event: object) -> None:
        if isinstance(event, Line):
            self._line(event.text)
        elif isinstance(event, Prompt):
            with self._cond:
                pending = self._pending
                if pending is not None and pending.want_prompt:
                    pending.prompted = True
                    pending.done.set()
        elif isinstance(event, Payload):
            with self._cond:
                pending = self._pending
                if event.passive and pending is not None:
                    pending.payload = event.data
            if event.passive and pending is not None and pending.recv_link is not None:
                self._on_recv(pending.recv_link, len(event.data))
            elif not event.passive:
                log.warning("active-mode +IPD block of %d octets ignored (link %s)", len(event.data), event.link)

    def _line(self, text: bytes) -> None:
        kind = classify(text)
        with self._cond:
            pending = self._pending
            if kind is Kind.URC:
                in_command = pending.command if pending is not None else None
                if pending is not None:
                    pending.lines.append(text)
                if text == b"ready":
                    self.resets += 1
                    self._cond.notify_all()
                    if pending is not None and not pending.command.startswith(b"AT+RST"):
                        pending.reset = True
                        pending.done.set()
            elif pending is None:
                if kind is Kind.FINAL:
                    self.stray_finals += 1
                log.debug("unexpected line %r", text)
            elif text == pending.command:
                pass  # the module echoes commands until ATE0; the echo may hold a secret
            elif kind is Kind.FINAL:
                if pending.want_prompt and text == b"OK":
                    pending.lines.append(text)  # the prompt follows
                elif pending.expect is not None and not any(ln.startswith(pending.expect) for ln in pending.lines):
                    log.debug("late answer %r skipped while waiting for %s", text, _name(pending.command))
                    pending.lines.clear()
                    pending.err_code = None
                else:
                    pending.final = text
                    pending.done.set()
            elif kind is Kind.BUSY:
                pending.busy = True
                pending.done.set()
            elif kind is Kind.ERR_CODE:
                pending.err_code = parse_err_code(text)
            else:
                pending.lines.append(text)
        if kind is Kind.URC:
            self._on_urc(text, in_command)


def _completed(pending: _Pending) -> _Pending:
    pending.final = b"OK"
    return pending
