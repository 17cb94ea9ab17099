"""TCP links of the emulated firmware: real sockets through the mock radio's network rules.

``AT+CIPSTART`` asks the radio for a TCP stream (:meth:`hal.mock.WifiDriverMock.tcp_connect`:
the joined network's ``tcp`` rule decides what it reaches, every name is 127.0.0.1, so
the local DSS is reached on loopback at the port asked for). A thread reads the sockets:

* **passive** (``AT+CIPRECVMODE=1``): data waits in the link's buffer (at most
  :data:`WINDOW` octets; beyond that the socket is not read, so TCP flow control holds
  the sender), announced once with ``+IPD,<id>,<len>`` (the total buffered); the next
  notice comes after the host has read (``AT+CIPRECVDATA``). A link the peer closed
  reports ``<id>,CLOSED`` only once its buffer is empty;
* **active** (the default): ``+IPD,<id>,<len>:<data>`` blocks of at most 2920 octets.

``AT+CIPSEND=<id>,<len>`` answers ``OK``, ``>``, takes exactly ``len`` octets, then
``Recv <len> bytes`` and ``SEND OK`` (``SEND FAIL`` if the socket broke).

Source: ESP-AT "TCP/IP AT Commands" (AT+CIPMUX, AT+CIPSTART, AT+CIPSEND, AT+CIPCLOSE,
AT+CIPRECVMODE, AT+CIPRECVDATA, AT+CIPRECVLEN, AT+CIPSTATE, AT+CIPSTATUS, AT+CIPDINFO,
AT+CIPSSLCCONF); ``hal/mock/README.md`` ("TCP").
"""

from __future__ import annotations

import logging
import select
import threading
from typing import Any, Dict, List, Optional

from hal.errors import HALError

from .firmware import NO_FINAL, Command, Firmware
from .params import EXEC_FAIL, PARA_INVALID, AtError, Params

__all__ = ["Links", "NET_COMMANDS", "WINDOW", "MAX_LINKS"]

log = logging.getLogger("wss.emulators.esp_at")

#: The module's TCP receive window per link, octets (ESP-AT's default).
WINDOW = 5760
#: Link ids 0..MAX_LINKS-1.
MAX_LINKS = 5
#: Largest active-mode +IPD block, octets.
_IPD_MAX = 2920
#: Largest AT+CIPSEND payload, octets.
_SEND_MAX = 8192
#: How long AT+CIPSEND waits for its payload, seconds.
_PAYLOAD_WAIT_S = 30.0


class Link:
    """One TCP link: the radio's stream (or a phone's connection to the module's server:
    ``server``) and the data not yet given to the host."""

    def __init__(self, link_id: int, stream: Any, host: bytes, port: int, *, server: bool = False) -> None:
        self.link_id, self.stream, self.host, self.port = link_id, stream, host, port
        self.server = server
        self.buffer = bytearray()
        self.eof = False
        self.notified = False


class Links:
    """The module's links and the thread that reads them.

    Args:
        firmware: For output and the receive mode.
        phone_port: Loopback port phones reach the module's server on (0: any free one).
    """

    def __init__(self, firmware: Firmware, phone_port: int = 0) -> None:
        self.m = firmware
        self.lock = threading.Lock()
        self.links: Dict[int, Link] = {}
        self.phone_port = phone_port
        self.gate: Optional[Any] = None  #: the server's phone side (:class:`.softap.PhoneGate`)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read_loop, name="esp-at-emu-net", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        self.close_gate()
        self.cut_all(report=False)

    def close_gate(self) -> None:
        """Stop taking phones (the server is gone with a restart or power-off)."""
        gate, self.gate = self.gate, None
        if gate is not None:
            gate.close()

    def cut_all(self, report: bool = True) -> None:
        """Close every link (the module restarted, or powers off)."""
        self._cut(lambda link: True, report)

    def cut_station(self, report: bool = True) -> None:
        """Close the station's links (it left its network); the server's stay."""
        self._cut(lambda link: not link.server, report)

    def cut_server(self, report: bool = True) -> None:
        """Close the server's links (the SoftAP or the server stopped)."""
        self._cut(lambda link: link.server, report)

    def _cut(self, chosen: Any, report: bool) -> None:
        with self.lock:
            links = [link for link in self.links.values() if chosen(link)]
            for link in links:
                del self.links[link.link_id]
        for link in links:
            _close(link)
            if report:
                self.m.emit(b"%d,CLOSED" % link.link_id)

    # --------------------------------------------------------------- the reader --

    def _read_loop(self) -> None:
        while not self._stop.is_set():
            with self.lock:
                wanted = {
                    link.stream.fileno(): link
                    for link in self.links.values()
                    if not link.eof and len(link.buffer) < WINDOW and not link.stream.closed
                }
            if not wanted:
                self._stop.wait(0.005)
                continue
            try:
                ready, _, _ = select.select(list(wanted), [], [], 0.02)
            except (OSError, ValueError):
                continue  # a link closed meanwhile
            for fd in ready:
                self._read(wanted[fd])

    def _read(self, link: Link) -> None:
        try:
            data = link.stream.recv(max(1, WINDOW - len(link.buffer)))
        except (HALError, OSError):
            data = b""
        with self.lock:
            if self.links.get(link.link_id) is not link:
                return
            if not data:
                link.eof = True
            else:
                link.buffer += data
            if not self.m.state.passive:
                self._deliver_active(link)
            else:
                self._notify(link)

    def _deliver_active(self, link: Link) -> None:
        while link.buffer:
            block = bytes(link.buffer[:_IPD_MAX])
            del link.buffer[:_IPD_MAX]
            prefix = b"+IPD,%d," % link.link_id if self.m.state.mux else b"+IPD,"
            self.m.raw(b"\r\n" + prefix + b"%d:" % len(block) + block)
        self._closed_if_drained(link)

    def _notify(self, link: Link) -> None:
        """(Lock held.) Announce buffered data once, or report a drained, closed link."""
        if link.buffer and not link.notified:
            link.notified = True
            prefix = b"+IPD,%d," % link.link_id if self.m.state.mux else b"+IPD,"
            self.m.emit(prefix + b"%d" % len(link.buffer))
        self._closed_if_drained(link)

    def _closed_if_drained(self, link: Link) -> None:
        if link.eof and not link.buffer and self.links.get(link.link_id) is link:
            del self.links[link.link_id]
            _close(link)
            self.m.emit(b"%d,CLOSED" % link.link_id if self.m.state.mux else b"CLOSED")

    # ------------------------------------------------------------ for the commands --

    def link_id(self, p: Params, index: int = 0) -> int:
        """The link id argument (0 in single-link mode, where it is absent)."""
        return p.integer(index, low=0, high=MAX_LINKS - 1) if self.m.state.mux else 0

    def get(self, link_id: int) -> Link:
        with self.lock:
            link = self.links.get(link_id)
        if link is None:
            raise AtError(EXEC_FAIL)
        return link


def _close(link: Link) -> None:
    try:
        link.stream.close()
    except (HALError, OSError):
        pass


def _cipmux(m: Firmware, form: str, p: Params) -> None:
    if form == "query":
        m.emit(b"+CIPMUX:%d" % m.state.mux)
        return
    mux = p.integer(0, low=0, high=1)
    if mux != m.state.mux and (m.links.links or m.state.server_port):
        raise AtError(EXEC_FAIL)  # only with every link closed and no server
    m.state.mux = mux


def _cipstart(m: Firmware, form: str, p: Params) -> None:
    links: Links = m.links
    base = 1 if m.state.mux else 0
    link_id = links.link_id(p)
    kind, host = p.string(base), p.string(base + 1)
    port = p.integer(base + 2, low=1, high=65535)
    p.integer(base + 3, 0, low=0, high=7200)
    if kind not in (b"TCP", b"TCPv6") or not host or len(host) > 64:
        raise AtError(PARA_INVALID)
    with links.lock:
        taken = link_id in links.links
    if taken:
        raise AtError(EXEC_FAIL, b"ALREADY CONNECTED")
    station = m.station
    if station.ap is None or not station.routes:
        raise AtError(EXEC_FAIL)
    try:
        stream = station.radio.tcp_connect(host.decode("ascii", "replace"), port, 5.0)
    except HALError as exc:
        log.info("AT+CIPSTART to %s:%d failed: %s", host.decode("ascii", "replace"), port, exc)
        raise AtError(EXEC_FAIL) from None
    with links.lock:
        links.links[link_id] = Link(link_id, stream, host, port)
    m.emit(b"%d,CONNECT" % link_id if m.state.mux else b"CONNECT")


def _cipsend(m: Firmware, form: str, p: Params) -> Any:
    links: Links = m.links
    link = links.get(links.link_id(p))
    length = p.integer(1 if m.state.mux else 0, low=1, high=_SEND_MAX)
    m.expect_data(length)
    m.raw(b"\r\nOK\r\n\r\n>")
    data = m.take_data(_PAYLOAD_WAIT_S)
    if data is None:
        raise AtError(EXEC_FAIL)
    m.raw(b"\r\n")
    m.emit(b"Recv %d bytes" % len(data))
    try:
        link.stream.sendall(data)
    except (HALError, OSError):
        m.final(b"SEND FAIL")
        return NO_FINAL
    m.final(b"SEND OK")
    return NO_FINAL


def _cipclose(m: Firmware, form: str, p: Params) -> None:
    links: Links = m.links
    if form == "execute" or not m.state.mux:
        link_id = 0
    else:
        link_id = p.integer(0, low=0, high=MAX_LINKS)  # MAX_LINKS (5): every link
    with links.lock:
        chosen = (
            list(links.links.values())
            if link_id == MAX_LINKS
            else [links.links[link_id]]
            if link_id in links.links
            else []
        )
        if not chosen:
            raise AtError(EXEC_FAIL)
        for link in chosen:
            del links.links[link.link_id]
    for link in chosen:
        _close(link)
        m.emit(b"%d,CLOSED" % link.link_id if m.state.mux else b"CLOSED")


def _ciprecvmode(m: Firmware, form: str, p: Params) -> None:
    if form == "query":
        m.emit(b"+CIPRECVMODE:%d" % m.state.passive)
        return
    m.state.passive = bool(p.integer(0, low=0, high=1))


def _ciprecvdata(m: Firmware, form: str, p: Params) -> Any:
    links: Links = m.links
    if not m.state.passive:
        raise AtError(EXEC_FAIL)
    link = links.get(links.link_id(p))
    wanted = p.integer(1 if m.state.mux else 0, low=1, high=0x7FFFFFFF)
    with links.lock:
        if not link.buffer:
            raise AtError(EXEC_FAIL)
        data = bytes(link.buffer[:wanted])
        del link.buffer[:wanted]
        link.notified = False
    m.raw(b"+CIPRECVDATA:%d," % len(data) + data)
    m.final(b"OK")
    with links.lock:
        links._notify(link)
    return NO_FINAL


def _ciprecvlen(m: Firmware, form: str, p: Params) -> None:
    with m.links.lock:
        lengths = [len(m.links.links[i].buffer) if i in m.links.links else 0 for i in range(MAX_LINKS)]
    m.emit(b"+CIPRECVLEN:" + b",".join(b"%d" % n for n in lengths))


def _link_lines(m: Firmware, label: bytes) -> List[bytes]:
    with m.links.lock:
        links = sorted(m.links.links.values(), key=lambda link: link.link_id)
    return [
        b'+%s:%d,"TCP","%s",%d,%d,%d'
        % (label, link.link_id, link.host, link.port, m.state.server_port if link.server else 50000 + i, link.server)
        for i, link in enumerate(links)
    ]


def _cipstate(m: Firmware, form: str, p: Params) -> None:
    for line in _link_lines(m, b"CIPSTATE"):
        m.emit(line)


def _cipstatus(m: Firmware, form: str, p: Params) -> None:
    joined = m.station.ap is not None
    lines = _link_lines(m, b"CIPSTATUS")
    m.emit(b"STATUS:%d" % (3 if lines else 2 if joined else 5))
    for line in lines:
        m.emit(line)


def _cipdinfo(m: Firmware, form: str, p: Params) -> None:
    if form == "query":
        m.emit(b"+CIPDINFO:0")
        return
    if p.integer(0, low=0, high=1):
        raise AtError(EXEC_FAIL)  # the emulator prints +IPD without the remote address only


def _cipsslcconf(m: Firmware, form: str, p: Params) -> None:
    if form == "set":
        raise AtError(EXEC_FAIL)  # SSL links are not emulated: TLS runs on the host
    m.emit(b"+CIPSSLCCONF:0,0,0,0")


NET_COMMANDS: Dict[bytes, Command] = {
    b"AT+CIPMUX": Command(_cipmux, query=True, set=True),
    b"AT+CIPSTART": Command(_cipstart, set=True),
    b"AT+CIPSEND": Command(_cipsend, set=True),
    b"AT+CIPCLOSE": Command(_cipclose, set=True, execute=True),
    b"AT+CIPRECVMODE": Command(_ciprecvmode, query=True, set=True),
    b"AT+CIPRECVDATA": Command(_ciprecvdata, set=True),
    b"AT+CIPRECVLEN": Command(_ciprecvlen, query=True),
    b"AT+CIPSTATE": Command(_cipstate, query=True),
    b"AT+CIPSTATUS": Command(_cipstatus, execute=True),
    b"AT+CIPDINFO": Command(_cipdinfo, query=True, set=True),
    b"AT+CIPSSLCCONF": Command(_cipsslcconf, query=True, set=True),
}
