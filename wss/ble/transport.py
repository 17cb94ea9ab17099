"""The BLE transport's rules, independent of BlueZ: which client owns the session, how a
long write is put back together, and what a read returns.

An endpoint exchange is a write of the request to the endpoint's characteristic
followed by reads of the answer, as esp_prov and the phone apps do it:

* **Writes.** A value that fits one ATT PDU (MTU - 3 bytes) arrives as one write at
  offset 0. A longer one arrives as prepared writes the client executes; BlueZ
  (src/shared/gatt-server.c, 5.66) joins the contiguous ones and, at Execute Write, hands
  the whole value over as one write at offset 0. A stack that passes the pieces on
  writes at increasing offsets, each continuing the last. A write at offset 0 starts a
  new request; any other offset must equal the bytes received so far
  (``org.bluez.Error.InvalidOffset``), and a request may not grow past ``max_message``
  bytes (``org.bluez.Error.InvalidValueLength``).
* **The ATT cap.** An attribute value is at most 512 bytes (:data:`ATT_MAX_VALUE`), so a
  request or an answer is too. bluetoothd refuses longer writes itself (ATT error 0x0D,
  Invalid Attribute Value Length) before the application sees them; BlueZ 5.66 already
  refuses a Write Request of more than 510 bytes and prepared writes of more than 508
  (it counts the PDU's handle and offset, bluez/bluez#570). An answer longer than 512
  bytes cannot be read whole (BlueZ cuts a ReadValue reply to 512 bytes and clients stop
  reading there): its read is refused (``org.bluez.Error.Failed``) and the session
  closed, rather than the client getting a cut answer.
* **Reads.** The first read at offset 0 after a write completes the request: the
  protocomm core serves it and the answer is kept. A read at offset N returns the
  answer from byte N (BlueZ cuts each ATT read response to the MTU; a client continues
  with Read Blob requests, i.e. reads at higher offsets). A read past the answer's end is
  ``org.bluez.Error.InvalidOffset``.
* **Sessions.** The session lasts as long as the connection (ESP-IDF's protocomm_ble):
  the first access of a connected client opens it, with a random 32-bit session id;
  the client's disconnection ends it. One client at a time: another client's accesses
  are refused (``org.bluez.Error.NotPermitted``) while the session's owner is connected.
* **Refusals.** A request the core refuses (malformed, failed proof, out of order) ends
  the session (the core's rule) and the read fails with ``org.bluez.Error.Failed``; the
  client's next access starts a new session. An unknown characteristic is
  ``org.bluez.Error.NotSupported``.

Source: ESP-IDF protocomm_ble (write, prepare/execute write, read and disconnect
handling; docs/ble.md, "Transport rules"); Bluetooth Core v5.3 Vol 3 Part F 3.2.9 (512-byte
values), 3.4.4-3.4.6 (Read Blob, Prepare Write, Execute Write); BlueZ doc/gatt-api.txt
(error names), src/shared/gatt-server.c and src/gatt-database.c (5.66).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from ..crypto import random_bytes
from ..protocomm.core import Protocomm
from ..protocomm.errors import ProtocommError, SessionBusy
from ..protocomm.in_flight import InFlight

__all__ = ["GattError", "BLETransport", "DEFAULT_MAX_MESSAGE", "ATT_MAX_VALUE"]

log = logging.getLogger("wss.ble")

#: Largest attribute value, bytes (Bluetooth Core v5.3 Vol 3 Part F 3.2.9): the largest
#: request a client can write and the largest answer it can read.
ATT_MAX_VALUE = 512
#: Largest request, bytes: the ATT cap.
DEFAULT_MAX_MESSAGE = ATT_MAX_VALUE

#: BlueZ's D-Bus error names, mapped by bluetoothd to ATT error codes.
FAILED = "org.bluez.Error.Failed"
NOT_PERMITTED = "org.bluez.Error.NotPermitted"
NOT_SUPPORTED = "org.bluez.Error.NotSupported"
INVALID_OFFSET = "org.bluez.Error.InvalidOffset"
INVALID_LENGTH = "org.bluez.Error.InvalidValueLength"


class GattError(Exception):
    """A refused GATT access: ``name`` is the BlueZ D-Bus error name, the message says why."""

    def __init__(self, name: str, text: str) -> None:
        super().__init__(text)
        self.name = name


@dataclass
class _Exchange:
    """One endpoint's request being written and its last answer."""

    request: bytearray
    pending: bool = False  # a request has been written and not yet served
    chunks: int = 0  # writes at offsets > 0 in the pending request (a long write)
    answer: bytes = b""


class BLETransport:
    """Serves a protocomm core to GATT accesses; thread-safe (one access at a time).

    Args:
        core: the protocomm core (shared with any other transport).
        max_message: largest request in bytes (1..512, the ATT cap).
        new_session_id: makes a session id (default: 32 random bits).
    Raises:
        ValueError: ``max_message`` out of range.
    """

    def __init__(
        self,
        core: Protocomm,
        max_message: int = DEFAULT_MAX_MESSAGE,
        new_session_id: Optional[Callable[[], int]] = None,
    ) -> None:
        if not isinstance(max_message, int) or not 1 <= max_message <= ATT_MAX_VALUE:
            raise ValueError(f"max_message must be 1..{ATT_MAX_VALUE} bytes (the ATT cap), not {max_message!r}")
        self.core = core
        self.max_message = max_message
        self._new_id = new_session_id or (lambda: int.from_bytes(random_bytes(4), "big"))
        self._lock = threading.Lock()
        self._owner: Optional[str] = None  # the connected client whose session is open
        self._session: Optional[int] = None
        self._exchanges: Dict[str, _Exchange] = {}
        self._in_flight = InFlight()
        self.requests = 0
        self.refused_clients = 0

    def __repr__(self) -> str:
        return f"BLETransport(owner={self._owner!r}, session={self._session})"

    @property
    def owner(self) -> Optional[str]:
        """The client (BlueZ device object path) whose session is open, or None."""
        return self._owner

    # -- accesses -------------------------------------------------------------------

    def write(self, client: str, endpoint: str, offset: int, value: bytes) -> None:
        """A write of ``value`` at ``offset`` to ``endpoint``'s characteristic (see
        :meth:`_write`); a refusal is logged."""
        try:
            self._write(client, endpoint, offset, value)
        except GattError as exc:
            log.warning("BLE: write to %s refused: %s", endpoint, exc)
            raise

    def _write(self, client: str, endpoint: str, offset: int, value: bytes) -> None:
        """A write of ``value`` at ``offset`` to ``endpoint``'s characteristic.

        Raises:
            GattError: another client's session is open; the offset does not continue
                the request; the request would exceed ``max_message``; no such endpoint.
        """
        with self._lock:
            self._claim(client, endpoint)
            exchange = self._exchanges.setdefault(endpoint, _Exchange(bytearray()))
            if offset == 0:
                exchange.request, exchange.chunks = bytearray(), 0
            elif offset != len(exchange.request) or not exchange.pending:
                raise GattError(
                    INVALID_OFFSET,
                    f"{endpoint}: a write at offset {offset} does not continue the "
                    f"{len(exchange.request)} bytes received",
                )
            if offset + len(value) > self.max_message:
                exchange.pending, exchange.request = False, bytearray()
                raise GattError(
                    INVALID_LENGTH, f"{endpoint}: a request of more than {self.max_message} bytes is refused"
                )
            exchange.request += value
            exchange.pending = True
            if offset:
                exchange.chunks += 1

    def wait_quiet(self, timeout_s: float) -> bool:
        """Wait until no read is being served, at most ``timeout_s`` seconds."""
        return self._in_flight.wait_idle(timeout_s)

    def read(self, client: str, endpoint: str, offset: int) -> bytes:
        """A read of ``endpoint``'s characteristic at ``offset``: the answer from there.

        The first read at offset 0 after a write serves the request (it may take as long
        as the endpoint's handler, e.g. a Wi-Fi scan).

        Raises:
            GattError: another client's session is open; the core refused the request
                or answered more than :data:`ATT_MAX_VALUE` bytes (the session is then
                closed); ``offset`` is past the answer's end.
        """
        with self._in_flight.serving():
            return self._read(client, endpoint, offset)

    def _read(self, client: str, endpoint: str, offset: int) -> bytes:
        with self._lock:
            session_id = self._claim(client, endpoint)
            exchange = self._exchanges.setdefault(endpoint, _Exchange(bytearray()))
            if exchange.pending and offset == 0:
                request, exchange.request, exchange.pending = bytes(exchange.request), bytearray(), False
                if exchange.chunks:
                    log.info("BLE: long write of %d bytes in %d writes", len(request), exchange.chunks + 1)
                    exchange.chunks = 0
                exchange.answer = b""
                try:
                    exchange.answer = self.core.handle(session_id, endpoint, request)
                except ProtocommError as exc:
                    log.warning("BLE: %s refused: %s", endpoint, exc)
                    self._end_session()
                    raise GattError(FAILED, f"{exc}; the session is closed, reconnect to start a new one") from None
                self.requests += 1
                if len(exchange.answer) > ATT_MAX_VALUE:
                    size, exchange.answer = len(exchange.answer), b""
                    log.warning("BLE: %s answered %d bytes, past the %d-byte ATT cap", endpoint, size, ATT_MAX_VALUE)
                    self._end_session()
                    raise GattError(
                        FAILED,
                        f"{endpoint}: the {size}-byte answer exceeds the {ATT_MAX_VALUE}-byte ATT value cap; "
                        "the session is closed",
                    )
            if offset > len(exchange.answer):
                raise GattError(
                    INVALID_OFFSET, f"{endpoint}: offset {offset} is past the {len(exchange.answer)}-byte answer"
                )
            return exchange.answer[offset:]

    def disconnected(self, client: str) -> None:
        """``client`` disconnected: end its session if it owns it."""
        with self._lock:
            if client == self._owner:
                log.info("BLE: %s disconnected; session %s ends", client, self._session)
                self._end_session()

    def close(self) -> None:
        """End the current session (the transport is stopping)."""
        with self._lock:
            self._end_session()

    # -- (lock held) ------------------------------------------------------------------

    def _claim(self, client: str, endpoint: str) -> int:
        """The session of ``client``, opened on its first access."""
        if endpoint not in self.core.endpoints():
            raise GattError(NOT_SUPPORTED, f"no endpoint {endpoint!r}")
        if self._owner is not None and self._session is not None:
            if client == self._owner and self.core.session_id == self._session:
                return self._session
            if client != self._owner:
                self.refused_clients += 1
                raise GattError(NOT_PERMITTED, "another client's session is open; one client at a time")
            self._end_session()  # the core ended the owner's session (a refusal): a fresh one
        session_id = self._new_id() & 0xFFFFFFFF
        try:
            self.core.open_session(session_id)
        except SessionBusy as exc:  # another transport's client holds the core
            self.refused_clients += 1
            raise GattError(NOT_PERMITTED, str(exc)) from None
        self._owner, self._session = client, session_id
        self._exchanges.clear()
        log.info("BLE: session %d opened for %s", session_id, client)
        return session_id

    def _end_session(self) -> None:
        if self._session is not None:
            self.core.close_session(self._session)
        self._owner, self._session = None, None
        self._exchanges.clear()
