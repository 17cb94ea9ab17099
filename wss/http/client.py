"""HTTP/1.1 over one mutual-TLS connection, framed by h11, with keep-alive.

A sequence of requests reuses one TLS connection. Before each request on a reused
connection the client checks, without waiting, that the server has not closed it while
idle; only then does it reconnect on its own. Once any byte of a request has been sent,
a failure is raised, never retried (DSS operations are POSTs, protocol §8.1).

Source: RFC 9112 (HTTP/1.1 message syntax, persistent connections §9.3), RFC 9110 §15.4
(redirections); protocol §8.1 (transport), §8.8 (redirects are never followed).
"""

from __future__ import annotations

import logging
import time
from collections import abc
from typing import Callable, Iterable, Mapping, Optional, Sequence, Tuple, Union, cast

import h11

from ..errors import HTTPError, LimitExceeded, RedirectRefused, ResponseTruncated
from ..tls import TLSConfig, TLSConnection
from .response import REDIRECT_STATUSES, HTTPLimits, HTTPResponse

__all__ = ["HTTPSClient", "Headers"]

log = logging.getLogger("wss.http")

Headers = Union[Mapping[str, str], Sequence[Tuple[str, str]]]
_READ_SIZE = 65536
_END_OF_MESSAGE = h11.EndOfMessage()  # immutable: one for every request


def _deadline_name(kind: str, seconds: Optional[float]) -> str:
    """How an error names a deadline of :class:`HTTPLimits`, e.g. ``response deadline (30 s, ...)``."""
    return f"{kind} deadline ({seconds:g} s, HTTPLimits.{kind}_deadline_s)" if seconds is not None else ""


def _head_size(event: h11.InformationalResponse) -> int:
    """Bytes of an informational response's status line and header lines."""
    return len(event.reason) + 15 + sum(len(name) + len(value) + 4 for name, value in event.headers.raw_items())


def _header_items(headers: Optional[Headers]) -> Iterable[Tuple[str, str]]:
    if headers is None:
        return ()
    if type(headers) in (list, tuple):  # the usual case, without an ABC check
        return cast("Sequence[Tuple[str, str]]", headers)  # a list or tuple is never a Mapping
    return headers.items() if isinstance(headers, abc.Mapping) else headers


class HTTPSClient:
    """An HTTPS/1.1 client bound to one server, keeping its connection alive.

    Not thread-safe. Use as a context manager or call :meth:`close`.

    Args:
        host: the server address or name to connect to.
        port: the TCP port (443; 8888 on the encoded setup network, protocol §7.4).
        tls_config: identity, trust and timeouts for the TLS layer; required unless
            ``connect`` is given.
        server_hostname: the name for SNI, the certificate check and the ``Host`` header;
            defaults to ``host``.
        limits: header, body and wire size limits; response and operation deadlines.
        connect: optional factory returning a handshaken :class:`~wss.tls.TLSConnection`,
            e.g. one over an ESP-AT co-processor's byte transport. Defaults to TCP to
            ``host:port`` handled in C.
    """

    def __init__(
        self,
        host: str,
        port: int = 443,
        tls_config: Optional[TLSConfig] = None,
        *,
        server_hostname: Optional[str] = None,
        limits: HTTPLimits = HTTPLimits(),
        connect: Optional[Callable[[], TLSConnection]] = None,
    ) -> None:
        if connect is None and tls_config is None:
            raise ValueError("HTTPSClient needs tls_config or connect")
        if not 0 < int(port) < 65536:
            raise ValueError(f"port must be 1..65535, got {port}")
        self.host = host
        self.port = int(port)
        self.server_hostname = server_hostname or host
        self.limits = limits
        self._tls_config = tls_config
        self._connect = connect or self._connect_tcp
        self._conn: Optional[TLSConnection] = None
        self._h11: Optional[h11.Connection] = None
        self._received = 0  # bytes read for the current response
        self._operation_what = _deadline_name("operation", limits.operation_deadline_s)
        self._response_what = _deadline_name("response", limits.response_deadline_s)
        #: How many TLS connections this client has opened (keep-alive makes it stay low).
        self.connections_opened = 0

    def _connect_tcp(self) -> TLSConnection:
        assert self._tls_config is not None  # __init__: without a connect factory, tls_config is given
        return TLSConnection.connect(self._tls_config, self.host, self.port, server_hostname=self.server_hostname)

    # ---- connection management ----------------------------------------------------------

    def _ensure_connection(self) -> TLSConnection:
        if self._conn is not None and not self._conn.is_reusable():
            log.debug("HTTP %s:%d: server closed the idle connection; reconnecting", self.host, self.port)
            self._drop()
        if self._conn is None:
            self._conn = self._connect()
            self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=self.limits.max_header_bytes)
            self.connections_opened += 1
        return self._conn

    def _drop(self) -> None:
        conn, self._conn, self._h11 = self._conn, None, None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Close the kept-alive connection, if any."""
        self._drop()

    def __enter__(self) -> HTTPSClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # ---- one exchange -------------------------------------------------------------------

    def _host_header(self) -> str:
        return self.server_hostname if self.port == 443 else f"{self.server_hostname}:{self.port}"

    def _encode_request(self, method: str, path: str, headers: Optional[Headers], body: bytes) -> bytes:
        items = [(str(k), str(v)) for k, v in _header_items(headers)]
        names = {k.lower() for k, _ in items}
        if "host" not in names:
            items.insert(0, ("Host", self._host_header()))
        if (
            "content-length" not in names
            and "transfer-encoding" not in names
            and (body or method not in ("GET", "HEAD"))
        ):
            items.append(("Content-Length", str(len(body))))
        assert self._h11 is not None  # set with _conn by _ensure_connection
        send = self._h11.send
        try:
            head = send(h11.Request(method=method, target=path, headers=items))
            data = send(h11.Data(data=body)) if body else b""
            tail = send(_END_OF_MESSAGE)
        except h11.LocalProtocolError as exc:
            raise ValueError(f"cannot send {method} {path}: {exc}") from exc
        return head + data + tail

    def request(self, method: str, path: str, headers: Optional[Headers] = None, body: bytes = b"") -> HTTPResponse:
        """Send one request and read its whole response.

        Args:
            method: e.g. ``"POST"`` (every DSS operation, protocol §8.1) or ``"GET"``.
            path: the request target, e.g. ``/api/v1/startProvisioningSession``.
            headers: extra request headers; ``Host`` and ``Content-Length`` are added
                unless given.
            body: the request body.
        Returns:
            The response, any status except a redirect.
        Raises:
            wss.errors.RedirectRefused: a 301/302/303/307/308 answer (``status``, ``location``).
            wss.errors.LimitExceeded: headers, body or the bytes on the wire larger than
                :attr:`limits` (1xx heads count against the header limit).
            wss.errors.DeadlineExceeded: the response or the whole request outlived its
                deadline (:attr:`limits`); the connection is closed.
            wss.errors.ResponseTruncated: the connection ended before the whole response.
            wss.errors.HTTPError: the response breaks HTTP/1.1.
            wss.errors.TransportTimeout, wss.errors.ConnectionReset, wss.errors.TLSError:
                from the TLS layer (alert name, certificate flags, timeouts).
            ValueError: the request itself is malformed.
        """
        if type(body) is not bytes:
            body = bytes(body)
        limits = self.limits
        started = time.monotonic()
        operation_end = None if limits.operation_deadline_s is None else started + limits.operation_deadline_s
        conn = self._ensure_connection()
        try:
            if operation_end is not None:
                conn.set_deadline(operation_end, self._operation_what, limits.operation_deadline_s)
            conn.write(self._encode_request(method, path, headers, body))
            self._set_response_deadline(conn, operation_end)
            response, reusable = self._receive(conn, method)
        except BaseException:
            self._drop()
            raise
        conn.set_deadline(None)
        if reusable:
            assert self._h11 is not None  # set with _conn by _ensure_connection; _receive keeps both
            self._h11.start_next_cycle()
        else:
            self._drop()
        log.debug("HTTP %s %s -> %d (%d body bytes)", method, path, response.status, len(response.body))
        if response.status in REDIRECT_STATUSES:
            raise RedirectRefused(
                f"{method} {path}: server redirected ({response.status}); redirects are not followed",
                response.status,
                response.header("location"),
            )
        return response

    def _set_response_deadline(self, conn: TLSConnection, operation_end: Optional[float]) -> None:
        """From now on, reads end at the response deadline or the operation's, whichever is first."""
        length = self.limits.response_deadline_s
        response_end = None if length is None else time.monotonic() + length
        if response_end is not None and (operation_end is None or response_end < operation_end):
            conn.set_deadline(response_end, self._response_what, length)

    def _read(self, conn: TLSConnection) -> bytes:
        """One read for the current response, counted against ``max_response_bytes``."""
        data = conn.read(_READ_SIZE)
        self._received += len(data)
        if self._received > self.limits.max_response_bytes:
            raise LimitExceeded(f"response exceeds {self.limits.max_response_bytes} bytes on the wire")
        return data

    def _next_event(self, conn: TLSConnection, what: str):
        """The next h11 event, reading from the connection as needed."""
        framing = self._h11
        assert framing is not None  # set with _conn by _ensure_connection
        eof = False
        while True:
            try:
                event = framing.next_event()
            except h11.RemoteProtocolError as exc:
                if exc.error_status_hint == 431:
                    raise LimitExceeded(f"response header block exceeds {self.limits.max_header_bytes} bytes") from exc
                if eof:
                    raise ResponseTruncated(f"connection closed before the {what} was complete: {exc}") from exc
                raise HTTPError(f"malformed HTTP response: {exc}") from exc
            if event is not h11.NEED_DATA:
                return event
            data = self._read(conn)
            eof = not data
            framing.receive_data(data)

    def _receive(self, conn: TLSConnection, method: str) -> Tuple[HTTPResponse, bool]:
        framing = self._h11
        assert framing is not None  # set with _conn by _ensure_connection
        self._received = 0
        leftover, closed = framing.trailing_data
        if not leftover and not closed:  # h11 holds nothing yet: it would only ask for data
            framing.receive_data(self._read(conn))
        limits = self.limits
        header_bytes = 0  # status lines, then "name: value\r\n" lines, of every head
        event = self._next_event(conn, "response")
        while isinstance(event, h11.InformationalResponse):
            header_bytes += _head_size(event)
            if header_bytes > limits.max_header_bytes:
                raise LimitExceeded(
                    f"informational (1xx) responses of {header_bytes} bytes exceed {limits.max_header_bytes}"
                )
            event = self._next_event(conn, "response")
        if isinstance(event, h11.ConnectionClosed):
            raise ResponseTruncated(f"{method}: connection closed before any response")
        header_bytes += len(event.reason) + 15
        length = b""
        headers = []
        for name, value in event.headers.raw_items():
            header_bytes += len(name) + len(value) + 4
            if len(name) == 14 and name.lower() == b"content-length":
                length = value
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
        if header_bytes > limits.max_header_bytes:
            raise LimitExceeded(f"response header block of {header_bytes} bytes exceeds {limits.max_header_bytes}")
        if length.isdigit() and int(length) > limits.max_body_bytes:
            raise LimitExceeded(f"response body of {int(length)} bytes exceeds {limits.max_body_bytes}")
        parts = []
        size = 0
        while True:
            part = self._next_event(conn, "body")
            if type(part) is h11.Data or isinstance(part, h11.Data):
                parts.append(part.data)
                size += len(part.data)
                if size > limits.max_body_bytes:
                    raise LimitExceeded(f"response body exceeds {limits.max_body_bytes} bytes")
            elif isinstance(part, h11.EndOfMessage):
                break
            else:
                raise ResponseTruncated("connection closed before the body was complete")
        response = HTTPResponse(
            status=event.status_code,
            headers=headers,
            body=bytes(parts[0]) if len(parts) == 1 else b"".join(parts),
            reason=event.reason.decode("latin-1"),
        )
        reusable = framing.our_state is h11.DONE and framing.their_state is h11.DONE
        return response, reusable
