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

Incoming connections (the SoftAP's HTTP server): ``AT+CIPSERVER=1,<port>`` makes the
module listen (one server at a time, multiple-link mode only); each station that
connects takes a free link id, announced as ``<id>,CONNECT``, and is read and written
like any link. A ``CONNECT`` for an id the host did not open itself is such a
connection: it waits in the :class:`EspAtListener`'s queue for ``accept()``. Links are
either the station's (opened with ``AT+CIPSTART``: cut when the station leaves its
network) or the server's (cut when the server or the SoftAP stops).

Source: ESP-AT "TCP/IP AT Commands" (AT+CIPMUX, AT+CIPSTART, AT+CIPSEND, AT+CIPCLOSE,
AT+CIPRECVMODE/TYPE, AT+CIPRECVDATA, AT+CIPRECVLEN, AT+CIPSERVER, "AT Messages" for
``<id>,CONNECT``); ``hal/stream.py`` (the contract).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import threading
import time
from collections import deque
from typing import Deque, Dict, Optional, Tuple

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
from ..stream import ByteStream, StreamListener
from .commands import DEFAULT_SERVER_PORT, parse_cipdomain, parse_ciprecvlen, quote
from .link import ATLink, CommandError, LinkTimeout, ModuleReset

__all__ = [
    "MAX_LINKS",
    "MAX_SEND",
    "MAX_READ",
    "POLL_S",
    "LinkState",
    "ModuleSockets",
    "EspAtStream",
    "EspAtListener",
]

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
_CONNECT = re.compile(rb"\A(\d),CONNECT\Z")
_NOTICE = re.compile(rb"\A\+IPD,(\d),(\d+)\Z")


class LinkState:
    """One link as the host sees it (updated by the reader thread)."""

    def __init__(self, link_id: int, *, incoming: bool = False) -> None:
        self.link_id = link_id
        self.incoming = incoming  #: a station connected to the module's server
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
        self._listener: Optional[EspAtListener] = None

    # ----------------------------------------------------------- reader-thread hooks --

    def on_urc(self, line: bytes) -> None:
        """``+IPD,<id>,<len>``, ``<id>,CLOSED``, ``<id>,CONNECT`` and ``ready`` (never blocks)."""
        notice, closed, connect = _NOTICE.match(line), _CLOSED.match(line), _CONNECT.match(line)
        with self._cond:
            if connect is not None:
                link_id = int(connect.group(1))
                if link_id in self._links or self._listener is None:
                    return  # our own AT+CIPSTART's link, or no server of ours
                incoming = LinkState(link_id, incoming=True)
                self._links[link_id] = incoming
                self._listener.queue.append(incoming)
            elif notice is not None:
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

    def cut_all(self, why: str, *, keep_listener: bool = False) -> None:
        """Every link is gone (module restarted, driver closed): later use raises
        StreamReset; a listener's accept() raises StreamClosed unless ``keep_listener``
        (the driver starts the server again after a restart)."""
        with self._cond:
            self._cut_locked(why)
            if self._listener is not None and not keep_listener:
                self._listener.closed = True
                self._listener = None
            self._cond.notify_all()

    def cut_station(self, why: str) -> None:
        """The station's links are gone (it left its network); the server's stay."""
        with self._cond:
            self._cut_locked(why, incoming=False)
            self._cond.notify_all()

    def cut_server(self, why: str) -> None:
        """The server's links and the listener are gone (the SoftAP stopped)."""
        with self._cond:
            self._cut_locked(why, incoming=True)
            if self._listener is not None:
                self._listener.closed = True
                self._listener = None
            self._cond.notify_all()

    def close_all(self) -> None:
        """Close the station's open links on the module and forget them: ``AT+CIPCLOSE=5``
        when no server link is open, else ``AT+CIPCLOSE=<id>`` for each."""
        with self._cond:
            mine = [s.link_id for s in self._links.values() if not s.reset and not s.incoming]
            served = any(s.incoming for s in self._links.values())
        commands = [b"AT+CIPCLOSE=%d" % i for i in mine] if served else [b"AT+CIPCLOSE=5"] if mine else []
        for command in commands:
            try:
                self.link.command(command, self.command_timeout_s, retry_lost=False)
            except HALError as exc:
                log.debug("%s: %s", command.decode(), exc)
        self.cut_station("the station left the network")

    def _cut_locked(self, why: str, incoming: Optional[bool] = None) -> None:
        for link_id, state in list(self._links.items()):
            if incoming is None or state.incoming is incoming:
                state.reset, state.why = True, why
                del self._links[link_id]

    # ------------------------------------------------------------------ listening --

    def listen(self, port: int, host: str, timeout_s: float) -> EspAtListener:
        """``AT+CIPSERVER=1[,<port>]``: the module's one TCP server (port 0: the firmware's
        default, :data:`~hal.esp_at.commands.DEFAULT_SERVER_PORT`).

        Args:
            port: 0–65535.  host: the address stations reach it at (the SoftAP's).
            timeout_s: deadline of the command.
        Raises:
            StreamError: a server already runs, or the module refused the command.
        """
        with self._cond:
            if self._listener is not None:
                raise StreamError(f"the module already serves port {self._listener.address[1]}: one server at a time")
        command = b"AT+CIPSERVER=1,%d" % port if port else b"AT+CIPSERVER=1"
        try:
            self.link.command(command, timeout_s, retry_lost=False)
        except (CommandError, LinkTimeout, DriverTimeout, DriverBusyError, ModuleReset) as exc:
            raise StreamError(f"cannot listen on {host}:{port or DEFAULT_SERVER_PORT} ({exc})") from None
        listener = EspAtListener(self, (host, port or DEFAULT_SERVER_PORT))
        with self._cond:
            self._listener = listener
        return listener

    def _accept(self, listener: EspAtListener, timeout_s: float) -> EspAtStream:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                if listener.closed:
                    raise StreamClosed("the listener is closed")
                while listener.queue:
                    state = listener.queue.popleft()
                    if not state.reset:  # one the peer closed still reads its data, then EOF
                        return EspAtStream(self, state, timeout_s)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StreamTimeout(f"no connection within {timeout_s:g} s")
                self._cond.wait(left)

    def _stop_listening(self, listener: EspAtListener) -> None:
        """``AT+CIPSERVER=0`` (accepted links stay open); links not yet accepted are closed."""
        with self._cond:
            if listener.closed:
                return
            listener.closed = True
            waiting = list(listener.queue)
            listener.queue.clear()
            owned = self._listener is listener
            if owned:
                self._listener = None
            self._cond.notify_all()
        if not owned:
            return
        try:
            self.link.command(b"AT+CIPSERVER=0", self.command_timeout_s, retry_lost=False)
        except HALError as exc:
            log.debug("AT+CIPSERVER=0: %s", exc)
        for state in waiting:
            self.close(state)

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


class EspAtListener(StreamListener):
    """The module's TCP server (``AT+CIPSERVER``) as a :class:`StreamListener`.

    Created by :meth:`ModuleSockets.listen`; ``accept()`` hands out the links stations
    opened (``<id>,CONNECT``) as :class:`EspAtStream` objects. ``close()`` deletes the
    server (``AT+CIPSERVER=0``) and closes the connections not yet accepted.
    """

    def __init__(self, sockets: ModuleSockets, address: Tuple[str, int]) -> None:
        self._sockets = sockets
        self._address = address
        self.queue: Deque[LinkState] = deque()  #: connections not yet accepted
        self.closed = False

    def __repr__(self) -> str:
        state = "closed" if self.closed else "listening"
        return f"{type(self).__name__}({self._address[0]}:{self._address[1]}, {state})"

    @property
    def address(self) -> Tuple[str, int]:
        return self._address

    def accept(self, timeout_s: float) -> ByteStream:
        return self._sockets._accept(self, timeout_s)

    def close(self) -> None:
        self._sockets._stop_listening(self)


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
