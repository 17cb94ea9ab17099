"""The emulator's UART: a pseudo-terminal whose bytes take their real wire time.

The emulator owns the pty's master side; the host (the driver, Adafruit's library,
a terminal program) opens the slave path like a USB serial adapter. A pty moves bytes
instantly, so both directions are paced here at the module's baud rate (8N1: 10 bits
per octet):

* **to the host** — a transmit thread writes in slices of about 2 ms, each no earlier
  than the moment its last octet would have left a real UART;
* **from the host** — each read is released to the firmware only when its last octet
  would have arrived.

The host's own line settings are visible through the pty (``tcgetattr`` on the master
reads the slave's), so a host at another standard rate than the module's sees garbage
and is not understood, as on a real wire (rates set through ``BOTHER`` are not checked).
A full host buffer (nobody reading) loses octets after a second, like a UART without
flow control.

Source: Linux pty(7), termios(3); issue 11 ("paces bytes at the configured baud rate").
"""

from __future__ import annotations

import logging
import os
import queue
import select
import termios
import threading
import time
import tty
from pathlib import Path
from typing import Callable, Dict, Optional, Union

__all__ = ["PacedPty", "wire_time_s"]

log = logging.getLogger("wss.emulators.esp_at")

#: termios speed constant → baud rate (the standard rates a host can set).
_SPEEDS: Dict[int, int] = {
    getattr(termios, f"B{rate}"): rate
    for rate in (
        9600,
        19200,
        38400,
        57600,
        115200,
        230400,
        460800,
        500000,
        576000,
        921600,
        1000000,
        1152000,
        1500000,
        2000000,
        2500000,
        3000000,
        3500000,
        4000000,
    )
    if hasattr(termios, f"B{rate}")
}
#: Slice of transmit time written at once, seconds.
_SLICE_S = 0.002
#: How long a full host buffer may block the transmitter before octets are lost, seconds.
_STALL_S = 1.0


def wire_time_s(octets: int, baud: int) -> float:
    """Seconds ``octets`` take at ``baud`` (10 bits each)."""
    return octets * 10.0 / baud


class PacedPty:
    """A pty pair with paced transmit and receive.

    Args:
        baud: The module's initial rate.
        on_receive: Called on the receive thread with each paced chunk from the host.
        link: Optional path of a symbolic link to the slave (replaced if it exists).
    Attributes:
        path: The slave's path (``/dev/pts/N``).
        octets_to_host, octets_from_host: Octets moved so far.
    """

    def __init__(self, baud: int, on_receive: Callable[[bytes], None], link: Union[str, Path, None] = None) -> None:
        self.baud = baud
        self._on_receive = on_receive
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        self.link = Path(link) if link is not None else None
        if self.link is not None:
            if self.link.is_symlink() or self.link.exists():
                self.link.unlink()
            self.link.symlink_to(self.path)
        self._tx: queue.Queue[object] = queue.Queue()
        self._stop = threading.Event()
        self._tx_clock = 0.0
        self._rx_clock = 0.0
        self.octets_to_host = 0
        self.octets_from_host = 0
        self._threads = [
            threading.Thread(target=self._transmit_loop, name="esp-at-emu-tx", daemon=True),
            threading.Thread(target=self._receive_loop, name="esp-at-emu-rx", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        """Stop both threads, close the pty, remove the link (idempotent)."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._tx.put(None)
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=2.0)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.link is not None and self.link.is_symlink():
            self.link.unlink()

    # ---------------------------------------------------------------- to the host --

    def write(self, data: bytes) -> None:
        """Queue ``data`` for the host (paced)."""
        if data:
            self._tx.put(bytes(data))

    def after_written(self, action: Callable[[], None]) -> None:
        """Run ``action`` on the transmit thread once everything queued before it is out
        (e.g. switch the rate after the ``OK`` of ``AT+UART_CUR``)."""
        self._tx.put(action)

    def discard_output(self) -> None:
        """Drop what is queued and not sent yet (the module restarted)."""
        try:
            while True:
                item = self._tx.get_nowait()
                if callable(item):
                    item()
        except queue.Empty:
            pass

    def host_baud(self) -> Optional[int]:
        """The rate the host set on its side, when it is a standard one."""
        try:
            speed = termios.tcgetattr(self._master)[5]
        except (termios.error, OSError):
            return None
        return _SPEEDS.get(speed)

    def mismatched(self) -> bool:
        """Whether the host listens at another standard rate than the module speaks."""
        host = self.host_baud()
        return host is not None and host != self.baud

    def _transmit_loop(self) -> None:
        while not self._stop.is_set():
            item = self._tx.get()
            if item is None:
                return
            if callable(item):
                item()
                continue
            assert isinstance(item, bytes)
            self._send(item)

    def _send(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._stop.is_set():
            step = max(1, int(self.baud / 10 * _SLICE_S))
            chunk = bytes(view[:step])
            view = view[step:]
            now = time.monotonic()
            self._tx_clock = max(self._tx_clock, now) + wire_time_s(len(chunk), self.baud)
            delay = self._tx_clock - now
            if delay > 0:
                time.sleep(delay)
            if self.mismatched():
                chunk = bytes((b ^ 0x5A) | 0x80 for b in chunk)  # framing errors: garbage
            self._put(chunk)

    def _put(self, chunk: bytes) -> None:
        deadline = time.monotonic() + _STALL_S
        while chunk and not self._stop.is_set():
            try:
                written = os.write(self._master, chunk)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    log.debug("host is not reading: %d octets lost", len(chunk))
                    return
                select.select([], [self._master], [], 0.05)
                continue
            except OSError:
                return
            self.octets_to_host += written
            chunk = chunk[written:]

    # -------------------------------------------------------------- from the host --

    def _receive_loop(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._master], [], [], 0.1)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except BlockingIOError:
                continue
            except OSError:
                return
            if not data:
                continue
            self.octets_from_host += len(data)
            now = time.monotonic()
            self._rx_clock = max(self._rx_clock, now) + wire_time_s(len(data), self.baud)
            delay = self._rx_clock - now
            if delay > 0:
                time.sleep(delay)
            if self.mismatched():
                log.debug(
                    "host at %s baud, module at %d: %d octets not understood", self.host_baud(), self.baud, len(data)
                )
                continue
            try:
                self._on_receive(data)
            except Exception:  # the firmware must not kill the UART
                log.exception("the emulated firmware failed on input")
