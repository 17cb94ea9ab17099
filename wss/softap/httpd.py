"""The HTTP transport of protocomm, compatible with ESP-IDF's ``protocomm_httpd``.

Every endpoint is ``POST /<endpoint>`` with the raw message as the body (1 to 4096
bytes; the request's content type is not looked at). A successful answer is
``200 OK`` with ``Content-Type: text/html`` and the raw answer as the body, as ESP-IDF's
HTTP server sends it. Sessions follow protocomm_httpd:

* a request with ``Cookie: session=<id>`` naming the current session, or without a
  cookie on the connection that made the current session, belongs to that session;
* any other request starts a new session with a random 32-bit id, sent back as
  ``Set-Cookie: session=<id>`` — unless another client's session is active, which is
  refused (one client session at a time, :class:`~wss.protocomm.errors.SessionBusy`);
* when the last connection of a session closes, the session ends.

Where ESP-IDF drops the connection without an answer (a refused request), this server
answers with a 4xx or 5xx status and a one-line ``text/plain`` reason, then closes the
connection: clients such as esp_prov treat both as failure, and a person sees why. An
unknown endpoint gets 404 and keeps the connection.

Every wait has a deadline (:class:`HTTPDLimits`): a silent connection is closed after
``idle_s``; a request must arrive whole within ``request_deadline_s`` of its first byte
and its answer leave within ``send_deadline_s``; at most ``max_connections`` are served
at once (more are told 503). HTTP/1.1 framing is h11's; the bytes move over the HAL's
streams (:class:`hal.stream.StreamListener`), so the same server runs over a kernel
socket or a co-processor's TCP stack.

Source: ESP-IDF protocomm_httpd and esp_http_server (docs/softap.md, "HTTP transport");
RFC 9110 (status codes), RFC 6265 (cookies).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Set, Tuple

import h11

from hal.errors import HALError, StreamClosed, StreamTimeout
from hal.stream import ByteStream, StreamListener

from ..crypto import random_bytes
from ..protocomm.core import Protocomm
from ..protocomm.errors import (
    HandshakeFailed,
    InvalidSession,
    MalformedMessage,
    ProtocommError,
    SessionBusy,
    UnknownEndpoint,
    WrongSecurityScheme,
)
from ..protocomm.in_flight import InFlight

__all__ = ["ProtocommHTTPServer", "HTTPDLimits", "MAX_BODY"]

log = logging.getLogger("wss.softap.httpd")

#: Largest request body protocomm_httpd accepts, bytes.
MAX_BODY = 4096
_COOKIE = re.compile(rb"(?:^|;)\s*session=(\d{1,10})\s*(?:;|$)")
#: HTTP status of each refusal (the class of the error decides).
_HTTP_STATUS: Tuple[Tuple[type, int, bytes], ...] = (
    (UnknownEndpoint, 404, b"Not Found"),
    (SessionBusy, 409, b"Conflict"),
    (HandshakeFailed, 403, b"Forbidden"),
    (MalformedMessage, 400, b"Bad Request"),
    (WrongSecurityScheme, 400, b"Bad Request"),
    (InvalidSession, 400, b"Bad Request"),
    (ProtocommError, 500, b"Internal Server Error"),
)


@dataclass(frozen=True)
class HTTPDLimits:
    """The transport's bounds (seconds and bytes).

    Attributes:
        max_body: largest request body (protocomm_httpd: 4096).
        max_header_bytes: largest request line and headers.
        idle_s: a connection silent this long between requests is closed.
        request_deadline_s: a request must arrive whole this long after its first byte.
        send_deadline_s: an answer must be sent within this.
        max_connections: connections served at once; more are told 503 and closed.
        accept_poll_s: how often the accept loop looks at its stop flag.
    """

    max_body: int = MAX_BODY
    max_header_bytes: int = 8192
    idle_s: float = 120.0
    request_deadline_s: float = 10.0
    send_deadline_s: float = 10.0
    max_connections: int = 4
    accept_poll_s: float = 0.1


class _Refused(Exception):
    """An HTTP-level refusal: status, reason phrase, text, and whether to close."""

    def __init__(self, status: int, phrase: bytes, text: str, close: bool = True) -> None:
        super().__init__(text)
        self.status, self.phrase, self.text, self.close = status, phrase, text, close


class ProtocommHTTPServer:
    """Serves a :class:`~wss.protocomm.core.Protocomm` core over HTTP on a listener.

    Args:
        core: the protocomm core.
        listener: where stations' connections arrive (``driver.softap_listen(port)``).
        limits: the transport's bounds.
    """

    def __init__(self, core: Protocomm, listener: StreamListener, limits: HTTPDLimits = HTTPDLimits()) -> None:
        self.core = core
        self.listener = listener
        self.limits = limits
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._accepting: Optional[threading.Thread] = None
        self._connections: Set[_Connection] = set()
        self._users: Dict[int, int] = {}  # session id -> open connections bound to it
        self._in_flight = InFlight()
        self.requests = 0

    def __repr__(self) -> str:
        host, port = self.address
        return f"ProtocommHTTPServer({host}:{port}, connections={len(self._connections)})"

    @property
    def address(self) -> Tuple[str, int]:
        """``(host, port)`` clients reach the server at."""
        return self.listener.address

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> None:
        """Start accepting connections in a background thread."""
        if self._accepting is not None:
            raise RuntimeError("the server is already started")
        self._accepting = threading.Thread(target=self._accept_loop, name="wss-softap-httpd", daemon=True)
        self._accepting.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop: close the listener and every connection, end their sessions (idempotent)."""
        self._stopping.set()
        self.listener.close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.stream.close()
        if self._accepting is not None:
            self._accepting.join(timeout_s)
        for connection in connections:
            connection.thread.join(timeout_s)

    def wait_quiet(self, timeout_s: float) -> bool:
        """Wait until no request is being served (its answer sent), at most ``timeout_s``."""
        return self._in_flight.wait_idle(timeout_s)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                stream = self.listener.accept(self.limits.accept_poll_s)
            except StreamTimeout:
                continue
            except StreamClosed:
                return
            except HALError as exc:
                log.warning("SoftAP HTTP server: accept failed: %s", exc)
                time.sleep(self.limits.accept_poll_s)
                continue
            with self._lock:
                full = len(self._connections) >= self.limits.max_connections
                if not full:
                    connection = _Connection(self, stream)
                    self._connections.add(connection)
            if full:
                _refuse_quickly(stream, self.limits)
                continue
            connection.thread.start()

    # -- sessions ---------------------------------------------------------------------

    def _session_for(self, connection: _Connection, cookie: Optional[int]) -> Tuple[int, bool]:
        """The session of a request: ``(id, whether it was just opened)``.

        Raises:
            SessionBusy: it would need a new session while another client's is active.
        """
        with self._lock:
            current = self.core.session_id
            if current is not None and (cookie == current or (cookie is None and connection.session == current)):
                self._bind(connection, current)
                return current, False
            session_id = int.from_bytes(random_bytes(4), "big")
            while session_id == current:
                session_id = int.from_bytes(random_bytes(4), "big")
            self.core.open_session(session_id)
            self._bind(connection, session_id)
            return session_id, True

    def _bind(self, connection: _Connection, session_id: int) -> None:
        """(lock held) Count ``connection`` among the users of ``session_id``."""
        if connection.session == session_id:
            return
        self._unbind(connection)
        connection.session = session_id
        self._users[session_id] = self._users.get(session_id, 0) + 1

    def _unbind(self, connection: _Connection) -> None:
        """(lock held) The connection leaves its session; the last one out ends it."""
        old, connection.session = connection.session, None
        if old is None:
            return
        left = self._users.get(old, 1) - 1
        if left > 0:
            self._users[old] = left
            return
        self._users.pop(old, None)
        self.core.close_session(old)

    def _closed(self, connection: _Connection) -> None:
        with self._lock:
            self._unbind(connection)
            self._connections.discard(connection)


class _Connection:
    """One client connection: h11 framing, deadlines, requests in turn."""

    def __init__(self, server: ProtocommHTTPServer, stream: ByteStream) -> None:
        self.server = server
        self.stream = stream
        self.limits = server.limits
        self.session: Optional[int] = None
        self.refused = False  # a refusal closes the connection: read what the client still sends first
        self.http = h11.Connection(h11.SERVER, max_incomplete_event_size=self.limits.max_header_bytes)
        self.thread = threading.Thread(target=self.run, name="wss-softap-http-client", daemon=True)

    def run(self) -> None:
        try:
            while not self.server._stopping.is_set() and self._serve_one():
                self.http.start_next_cycle()
        except (HALError, h11.ProtocolError, OSError) as exc:
            log.debug("SoftAP HTTP server: connection ended: %s", exc)
        except Exception:  # a bug must end this connection, not the device
            log.exception("SoftAP HTTP server: connection failed")
        finally:
            if self.refused:
                self._linger()
            self.stream.close()
            self.server._closed(self)

    def _linger(self) -> None:
        """Read and drop what the client still sends (at most 256 KiB, 1 s), so that
        closing does not reset the connection before the client has read the refusal."""
        deadline, budget = time.monotonic() + 1.0, 256 * 1024
        try:
            while budget > 0 and time.monotonic() < deadline:
                self.stream.settimeout(0.1)
                data = self.stream.recv(65536)
                if not data:
                    return
                budget -= len(data)
        except HALError:
            return

    def _serve_one(self) -> bool:
        """Read one request and answer it; False when the connection must end."""
        try:
            request = self._next_event(time.monotonic() + self.limits.idle_s, idle=True)
        except _Refused as refusal:  # a request that never arrived whole
            log.warning("SoftAP HTTP server: %s", refusal.text)
            return False
        except h11.RemoteProtocolError as exc:  # not HTTP/1.1, or headers too large
            self._refuse(_Refused(exc.error_status_hint, b"Bad Request", f"malformed HTTP request ({exc})"))
            return False
        if not isinstance(request, h11.Request):
            return False
        with self.server._in_flight.serving():
            self._answer(request)
        return self.http.our_state is h11.DONE and self.http.their_state is h11.DONE

    def _answer(self, request: h11.Request) -> None:
        deadline = time.monotonic() + self.limits.request_deadline_s
        try:
            endpoint = self._endpoint(request)
            length = self._content_length(request)
            body = self._body(length, deadline)
            cookie = _cookie(request.headers)
            session_id, new = self.server._session_for(self, cookie)
            answer = self.server.core.handle(session_id, endpoint, body)
        except _Refused as refusal:
            self._refuse(refusal)
            return
        except ProtocommError as exc:
            self._refuse(_refusal(exc))
            return
        self.server.requests += 1
        headers = [("Content-Type", "text/html"), ("Content-Length", str(len(answer)))]
        if new:
            headers.append(("Set-Cookie", f"session={session_id}"))
        self._send(
            h11.Response(status_code=200, headers=headers, reason=b"OK"), h11.Data(data=answer), h11.EndOfMessage()
        )

    def _endpoint(self, request: h11.Request) -> str:
        path = request.target.decode("ascii", "replace")
        name = path[1:] if path.startswith("/") else ""
        if name not in self.server.core.endpoints():
            raise _Refused(404, b"Not Found", f"no endpoint {path!r}", close=False)
        if request.method != b"POST":
            raise _Refused(405, b"Method Not Allowed", f"{name} takes POST only", close=False)
        return name

    def _content_length(self, request: h11.Request) -> int:
        lengths = [value for name, value in request.headers if name == b"content-length"]
        if not lengths:
            raise _Refused(411, b"Length Required", "a protocomm request needs a Content-Length")
        length = int(lengths[0])  # h11 has checked it is a number
        if not 1 <= length <= self.limits.max_body:
            raise _Refused(
                413 if length else 400,
                b"Content Too Large" if length else b"Bad Request",
                f"the body is {length} bytes; protocomm takes 1 to {self.limits.max_body}",
            )
        return length

    def _body(self, length: int, deadline: float) -> bytes:
        parts: List[bytes] = []
        while True:
            event = self._next_event(deadline)
            if isinstance(event, h11.Data):
                parts.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(parts)
            else:
                raise _Refused(400, b"Bad Request", "the request ended before its body")

    def _next_event(self, deadline: float, idle: bool = False) -> Optional[h11.Event]:
        """The next h11 event, reading until ``deadline``; None when time ran out."""
        started = False
        while True:
            event = self.http.next_event()
            if event is not h11.NEED_DATA:
                return event  # type: ignore[return-value]
            left = deadline - time.monotonic()
            if left <= 0:
                if idle and not started:
                    return None  # a silent keep-alive connection: close it quietly
                raise _Refused(408, b"Request Timeout", "the request did not arrive in time")
            if self.server._stopping.is_set():
                return None
            self.stream.settimeout(min(left, self.limits.accept_poll_s))  # looks at the stop flag in between
            try:
                data = self.stream.recv(4096)
            except StreamTimeout:
                continue
            if idle and not started and data:
                started = True
                deadline = min(deadline, time.monotonic() + self.limits.request_deadline_s)
            self.http.receive_data(data)

    def _refuse(self, refusal: _Refused) -> None:
        log.warning("SoftAP HTTP server: %d %s: %s", refusal.status, refusal.phrase.decode(), refusal.text)
        text = f"{refusal.text}\n".encode("utf-8", "replace")
        headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))]
        if refusal.close:
            headers.append(("Connection", "close"))
            self.refused = True
        if self.http.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        response = h11.Response(status_code=refusal.status, headers=headers, reason=refusal.phrase)
        try:
            self._send(response, h11.Data(data=text), h11.EndOfMessage())
        except h11.LocalProtocolError:  # h11 cannot answer in this state: just close
            return
        if not refusal.close and self.http.their_state is not h11.DONE:
            self._drain(time.monotonic() + self.limits.request_deadline_s)

    def _drain(self, deadline: float) -> None:
        """Read the rest of a refused request that keeps the connection."""
        while self.http.their_state is not h11.DONE:
            event = self._next_event(deadline)
            if isinstance(event, (h11.ConnectionClosed, type(None))):
                return

    def _send(self, *events: h11.Event) -> None:
        deadline = time.monotonic() + self.limits.send_deadline_s
        data = b"".join(self.http.send(event) or b"" for event in events)
        view = memoryview(data)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StreamTimeout("the answer could not be sent in time")
            self.stream.settimeout(left)
            view = view[self.stream.send(bytes(view)) :]


def _cookie(headers: Iterable[Tuple[bytes, bytes]]) -> Optional[int]:
    """The ``session=<id>`` of the request's Cookie headers, if any (a 32-bit value)."""
    for name, value in headers:
        if name == b"cookie":
            found = _COOKIE.search(value)
            if found and int(found.group(1)) <= 0xFFFFFFFF:
                return int(found.group(1))
    return None


def _refusal(exc: ProtocommError) -> _Refused:
    for kind, status, phrase in _HTTP_STATUS:
        if isinstance(exc, kind):
            keep = kind is UnknownEndpoint
            return _Refused(status, phrase, f"protocomm {exc.status.name}: {exc}", close=not keep)
    raise AssertionError("unreachable: ProtocommError is the last row")  # pragma: no cover


def _refuse_quickly(stream: ByteStream, limits: HTTPDLimits) -> None:
    """Tell a connection beyond ``max_connections`` to come back later, and close it."""
    text = b"too many connections; one client at a time\n"
    head = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\n"
    try:
        stream.settimeout(min(1.0, limits.send_deadline_s))
        stream.sendall(head + b"Content-Length: %d\r\n\r\n" % len(text) + text)
    except HALError:
        pass
    finally:
        stream.close()
