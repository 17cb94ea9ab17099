"""TCP links on the module as :class:`hal.stream.ByteStream` objects (passive receive).

The TCP/IP stack runs on the ESP32; the host sees up to five links (ids 0–4,
``AT+CIPMUX=1``). Receiving is passive (``AT+CIPRECVMODE=1``): the module keeps what
arrives in its socket buffer, announces it with ``+IPD,<id>,<len>`` (``len`` is the total
buffered) and sends it only when the host asks (``AT+CIPRECVDATA=<id>,<n>``), so nothing
is dropped while the host is busy with TLS and the host decides when bytes cross the
UART. A notice can be lost on a noisy line: a reader waiting longer than
:data:`POLL_S` asks ``AT+CIPRECVLEN?``. In passive mode the module holds back
``<id>,CLOSED`` until the buffered data is read, so a closed link reads to its end and
then gives ``b""``. ``ready`` (a restart) resets every link.

Sending is ``AT+CIPSEND=<id>,<len>`` with at most :data:`MAX_SEND` octets each time
(``send`` returns how many it took, like a socket).

Source: ESP-AT "TCP/IP AT Commands" (AT+CIPMUX, AT+CIPSTART, AT+CIPSEND, AT+CIPCLOSE,
AT+CIPRECVMODE/TYPE, AT+CIPRECVDATA, AT+CIPRECVLEN); ``hal/stream.py`` (the contract).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import threading
import time
from typing import Dict, Optional

from ..errors import (
    DriverBusyError,
    DriverTimeout,
    HALError,
    InterfaceError,
    NameResolutionError,
    StreamClosed,
    StreamError,
    StreamRefused,
    StreamReset,
    StreamTimeout,
)
from ..stream import ByteStream
from .commands import parse_cipdomain, parse_ciprecvlen, quote
from .link import ATLink, CommandError, LinkTimeout, ModuleReset

__all__ = ["MAX_LINKS", "MAX_SEND", "MAX_READ", "POLL_S", "LinkState", "ModuleSockets", "EspAtStream"]

log = logging.getLogger("hal.esp_at")

#: Link ids the firmware offers by default (``AT_SOCKET_MAX_CONN_NUM``).
MAX_LINKS = 5
#: Largest ``AT+CIPSEND`` the driver makes, octets (the command allows 8192; 2048 is the
#: limit older firmware documents).
MAX_SEND = 2048
#: Largest ``AT+CIPRECVDATA`` the driver asks for, octets (the default TCP window).
MAX_READ = 5760
#: How long a reader waits for a ``+IPD`` notice before asking ``AT+CIPRECVLEN?``, seconds.
POLL_S = 1.0

_CLOSED = re.compile(rb"\A(\d),CLOSED\Z")
_NOTICE = re.compile(rb"\A\+IPD,(\d),(\d+)\Z")


class LinkState:
    """One link as the host sees it (updated by the reader thread)."""

    def __init__(self, link_id: int) -> None:
        self.link_id = link_id
        self.pending = 0  #: octets the module holds for us (best knowledge)
        self.peer_closed = False  #: ``<id>,CLOSED`` arrived
        self.reset = False  #: the module restarted or the Wi-Fi link went away
        self.why = ""
        self.closed = False  #: close() was called
        self.rx = bytearray()  #: read ahead, not yet returned by recv()


class ModuleSockets:
    """The module's links, for :class:`EspAtStream`.

    Args:
        link: The AT link.
        command_timeout_s: Deadline of the small commands (CIPRECVDATA, CIPCLOSE, ...).
        poll_len: Whether the firmware has ``AT+CIPRECVLEN?`` (for lost notices).
    """

    def __init__(self, link: ATLink, *, command_timeout_s: float, poll_len: bool = True) -> None:
        self.link = link
        self.command_timeout_s = command_timeout_s
        self.poll_len = poll_len
        self._cond = threading.Condition()
        self._links: Dict[int, LinkState] = {}

    # ----------------------------------------------------------- reader-thread hooks --

    def on_urc(self, line: bytes) -> None:
        """``+IPD,<id>,<len>``, ``<id>,CLOSED`` and ``ready`` (never blocks)."""
        notice, closed = _NOTICE.match(line), _CLOSED.match(line)
        with self._cond:
            if notice is not None:
                state = self._links.get(int(notice.group(1)))
                if state is not None:
                    state.pending = int(notice.group(2))
            elif closed is not None:
                state = self._links.pop(int(closed.group(1)), None)
                if state is not None:
                    state.peer_closed = True
            elif line == b"ready":
                self._cut_locked("the ESP-AT module restarted")
            else:
                return
            self._cond.notify_all()

    def on_recv(self, link_id: int, octets: int) -> None:
        """A ``+CIPRECVDATA`` block of ``octets`` for ``link_id`` arrived (wire order)."""
        with self._cond:
            state = self._links.get(link_id)
            if state is not None:
                state.pending = max(0, state.pending - octets)

    def cut_all(self, why: str) -> None:
        """Every link is gone (Wi-Fi lost, module restarted): later use raises StreamReset."""
        with self._cond:
            self._cut_locked(why)
            self._cond.notify_all()

    def close_all(self) -> None:
        """Close every open link on the module (``AT+CIPCLOSE=5``) and forget them."""
        with self._cond:
            open_links = any(not state.reset for state in self._links.values())
        if open_links:
            try:
                self.link.command(b"AT+CIPCLOSE=5", self.command_timeout_s, retry_lost=False)
            except HALError as exc:
                log.debug("AT+CIPCLOSE=5: %s", exc)
        self.cut_all("the station left the network")

    def _cut_locked(self, why: str) -> None:
        for state in self._links.values():
            state.reset, state.why = True, why
        self._links.clear()

    # ------------------------------------------------------------------- opening --

    def open(self, host: str, port: int, timeout_s: float) -> EspAtStream:
        """``AT+CIPSTART=<id>,"TCP","<host>",<port>`` on the lowest free link id.

        Raises:
            StreamError: every link is in use. NameResolutionError: the module cannot
            resolve ``host``. StreamRefused: the module could not connect.
            StreamTimeout: no answer in time. StreamReset: the module restarted.
        """
        state = self._allocate()
        try:
            target = self._target(host, timeout_s)
            command = b'AT+CIPSTART=%d,"TCP",%s,%d' % (state.link_id, quote(target.encode("ascii")), port)
            self.link.command(command, timeout_s, retry_lost=False)
        except CommandError as exc:
            self._release(state)
            if not _is_literal(host) and target == host:
                self._resolve(host, timeout_s)  # tells a name that does not resolve
            raise StreamRefused(f"{host}:{port}: the module could not connect ({exc})") from None
        except (LinkTimeout, DriverTimeout):
            self._release(state)
            raise StreamTimeout(f"{host}:{port}: no connection in {timeout_s:g} s") from None
        except ModuleReset:
            self._release(state)
            raise StreamReset(f"{host}:{port}: the module restarted while connecting") from None
        except BaseException:
            self._release(state)
            raise
        return EspAtStream(self, state, timeout_s)

    def _target(self, host: str, timeout_s: float) -> str:
        """What CIPSTART gets: the host itself, or its address when the name is too long."""
        if len(host.encode("idna" if not _is_literal(host) else "ascii")) <= 64:
            return host
        return self._resolve(host, timeout_s)

    def _resolve(self, host: str, timeout_s: float) -> str:
        """``AT+CIPDOMAIN``: the address of ``host`` through the joined network."""
        try:
            response = self.link.command(b"AT+CIPDOMAIN=" + quote(host.encode("idna")), timeout_s)
        except CommandError:
            raise NameResolutionError(f"{host!r} does not resolve through the module") from None
        except UnicodeError:
            raise NameResolutionError(f"{host!r} is not a valid host name") from None
        address = parse_cipdomain(response.lines)
        if address is None:
            raise NameResolutionError(f"{host!r}: the module gave no address")
        return address

    def resolve(self, host: str, timeout_s: float) -> str:
        """The address of ``host`` (a literal is returned as is).

        Raises:
            NameResolutionError: the name does not resolve.
        """
        return host if _is_literal(host) else self._resolve(host, timeout_s)

    def _allocate(self) -> LinkState:
        with self._cond:
            for link_id in range(MAX_LINKS):
                if link_id not in self._links:
                    state = LinkState(link_id)
                    self._links[link_id] = state
                    return state
        raise StreamError(f"all {MAX_LINKS} links of the module are in use")

    def _release(self, state: LinkState) -> None:
        with self._cond:
            if self._links.get(state.link_id) is state:
                del self._links[state.link_id]

    # ------------------------------------------------------------- stream ops --

    def _check(self, state: LinkState) -> None:
        if state.closed:
            raise StreamClosed("stream is closed")
        if state.reset:
            raise StreamReset(f"link {state.link_id}: {state.why}")

    def send(self, state: LinkState, data: bytes, timeout_s: Optional[float]) -> int:
        with self._cond:
            self._check(state)
            if state.peer_closed:
                raise StreamReset(f"link {state.link_id}: the peer closed the connection")
        chunk = data[:MAX_SEND]
        command = b"AT+CIPSEND=%d,%d" % (state.link_id, len(chunk))
        try:
            self.link.send_data(command, chunk, timeout_s if timeout_s is not None else 3600.0)
        except CommandError as exc:
            raise StreamReset(f"link {state.link_id}: the module could not send ({exc})") from None
        except (LinkTimeout, DriverTimeout, DriverBusyError):
            raise StreamTimeout(f"link {state.link_id}: send timed out") from None
        except (ModuleReset, InterfaceError) as exc:
            raise StreamReset(f"link {state.link_id}: {exc}") from None
        return len(chunk)

    def recv(self, state: LinkState, max_bytes: int, timeout_s: Optional[float]) -> bytes:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            poll = False
            with self._cond:
                self._check(state)
                if state.rx:
                    data = bytes(state.rx[:max_bytes])
                    del state.rx[:max_bytes]
                    return data
                if state.pending <= 0:
                    if state.peer_closed:
                        return b""
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        raise StreamTimeout(f"link {state.link_id}: no data within {timeout_s:g} s")
                    wait = POLL_S if left is None else min(POLL_S, left)
                    notified = self._cond.wait(wait)
                    poll = not notified and wait >= POLL_S and state.pending <= 0 and not state.peer_closed
                    if not poll:
                        continue
            if poll:
                self._poll_len(state)
            else:
                self._fetch(state)

    def _fetch(self, state: LinkState) -> None:
        want = min(max(1, state.pending), MAX_READ)
        command = b"AT+CIPRECVDATA=%d,%d" % (state.link_id, want)
        try:
            response = self.link.command(command, self.command_timeout_s, retry_lost=False, recv_link=state.link_id)
        except CommandError:  # nothing buffered after all
            with self._cond:
                state.pending = 0
            return
        except (LinkTimeout, DriverTimeout, DriverBusyError):
            raise StreamTimeout(f"link {state.link_id}: reading timed out") from None
        except (ModuleReset, InterfaceError) as exc:
            raise StreamReset(f"link {state.link_id}: {exc}") from None
        if response.payload:
            with self._cond:
                state.rx += response.payload

    def _poll_len(self, state: LinkState) -> None:
        if not self.poll_len:
            return
        try:
            response = self.link.command(b"AT+CIPRECVLEN?", self.command_timeout_s)
        except (ModuleReset, InterfaceError) as exc:
            raise StreamReset(f"link {state.link_id}: {exc}") from None
        except HALError as exc:
            log.debug("AT+CIPRECVLEN? failed: %s", exc)
            return
        lengths = parse_ciprecvlen(response.lines)
        with self._cond:
            if state.link_id in lengths and not state.reset:
                state.pending = max(state.pending, lengths[state.link_id])

    def close(self, state: LinkState) -> None:
        with self._cond:
            if state.closed:
                return
            state.closed = True
            owned = self._links.get(state.link_id) is state
        if owned and not state.reset:
            try:
                self.link.command(b"AT+CIPCLOSE=%d" % state.link_id, self.command_timeout_s, retry_lost=False)
            except HALError as exc:
                log.debug("AT+CIPCLOSE=%d: %s", state.link_id, exc)
        self._release(state)


class EspAtStream(ByteStream):
    """A TCP connection whose stack runs on the ESP-AT module (no ``fileno()``).

    Created by :meth:`ModuleSockets.open`; thread-safe only as a socket is (one reader,
    one writer), and every operation goes through the one AT link.
    """

    def __init__(self, sockets: ModuleSockets, state: LinkState, timeout_s: Optional[float]) -> None:
        self._sockets = sockets
        self._state = state
        self._timeout_s = timeout_s

    def __repr__(self) -> str:
        s = self._state
        status = "closed" if s.closed else "reset" if s.reset else "peer closed" if s.peer_closed else "open"
        return f"{type(self).__name__}(link={s.link_id}, {status})"

    @property
    def link_id(self) -> int:
        """The module's link id (0–4)."""
        return self._state.link_id

    def send(self, data: bytes) -> int:
        if not data:
            self._sockets._check(self._state)
            return 0
        return self._sockets.send(self._state, bytes(data), self._timeout_s)

    def recv(self, max_bytes: int) -> bytes:
        if max_bytes < 1:
            raise ValueError("max_bytes must be >= 1")
        return self._sockets.recv(self._state, max_bytes, self._timeout_s)

    def settimeout(self, timeout_s: Optional[float]) -> None:
        if self._state.closed:
            raise StreamClosed("stream is closed")
        self._timeout_s = timeout_s

    def close(self) -> None:
        self._sockets.close(self._state)


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
