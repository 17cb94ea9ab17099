"""Section 5 of the driver contract: the TCP byte stream the TLS layer runs over.

``WifiDriver.open_tcp_stream(host, port, timeout_s)`` returns a :class:`ByteStream`. The
mutual-TLS client (protocol §9) needs nothing else: send bytes, receive bytes, a timeout,
close. A driver whose TCP stack lives on a co-processor (ESP-AT ``AT+CIPSEND`` /
``+IPD``) implements the four methods over its command channel; a driver on the host's
kernel stack returns a :class:`SocketStream`, whose ``fileno()`` lets the TLS layer hand
the socket to C directly.

The other direction: while a SoftAP runs, ``WifiDriver.softap_listen(port)`` returns a
:class:`StreamListener` whose ``accept()`` hands out one :class:`ByteStream` per station
connecting to that port (the SoftAP setup flow's HTTP server runs over it). A host-stack
driver returns a :class:`SocketListener` (:func:`listen_socket_stream`).

Errors are :mod:`hal.errors` stream errors, which are also the matching built-in
exceptions (``StreamTimeout`` is a ``TimeoutError``, ``StreamReset`` a
``ConnectionResetError``), so generic socket code keeps working.

Source: protocol §3.1 row 12 and §8.1 (HTTPS over TCP), §7.4 (setup-network port).
"""

from __future__ import annotations

import abc
import socket
from typing import Callable, Optional, Tuple

from .errors import (
    DriverNotSupported,
    NameResolutionError,
    NetworkUnreachable,
    StreamClosed,
    StreamError,
    StreamRefused,
    StreamReset,
    StreamTimeout,
)

__all__ = [
    "ByteStream",
    "SocketStream",
    "connect_socket_stream",
    "StreamListener",
    "SocketListener",
    "listen_socket_stream",
]


class ByteStream(abc.ABC):
    """A connected, reliable, ordered byte stream (a TCP connection). Not thread-safe:
    one reader and one writer at a time, like a socket."""

    @abc.abstractmethod
    def send(self, data: bytes) -> int:
        """Send some of ``data``; return how many bytes were taken (at least 1 if data).

        Args:
            data: Bytes to send; may be empty (returns 0).
        Returns:
            The number of bytes accepted, 0..len(data).
        Raises:
            StreamTimeout: Nothing could be sent within the timeout.
            StreamReset: The connection or the Wi-Fi link is gone.
            StreamClosed: close() was called.
        Events: none.  Optional: no.  Source: socket send(2) semantics.
        """

    @abc.abstractmethod
    def recv(self, max_bytes: int) -> bytes:
        """Receive up to ``max_bytes``; block until at least one byte or end of stream.

        Args:
            max_bytes: Largest number of bytes to return (>= 1).
        Returns:
            1..max_bytes bytes, or ``b""`` once the peer has closed its side (EOF).
        Raises:
            StreamTimeout: No byte arrived within the timeout.
            StreamReset: The connection or the Wi-Fi link is gone.
            StreamClosed: close() was called.
        Events: none.  Optional: no.  Source: socket recv(2) semantics.
        """

    @abc.abstractmethod
    def settimeout(self, timeout_s: Optional[float]) -> None:
        """Set the timeout of later send()/recv() calls.

        Args:
            timeout_s: Seconds (> 0), or None to block without limit.
        Events: none.  Optional: no.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Close the connection (idempotent). Later send()/recv() raise StreamClosed.

        Events: none.  Optional: no.
        """

    def fileno(self) -> int:
        """The kernel socket's file descriptor, for code that drives the socket itself
        (e.g. the TLS layer in C). Only when ``Capabilities.stream_fileno`` is true.

        Raises:
            DriverNotSupported: The stream is not a kernel socket (the default).
        Events: none.  Optional: yes.
        """
        raise DriverNotSupported(f"{type(self).__name__} is not a kernel socket")

    def sendall(self, data: bytes) -> None:
        """Send all of ``data``, calling send() until every byte was taken.

        Raises:
            The errors of send().
        """
        view = memoryview(data)
        while view:
            sent = self.send(bytes(view))
            view = view[sent:]

    def __enter__(self) -> ByteStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SocketStream(ByteStream):
    """A :class:`ByteStream` over a connected kernel TCP socket (host-stack drivers).

    Args:
        sock: A connected ``socket.socket``; the stream owns it from now on.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock: Optional[socket.socket] = sock

    def __repr__(self) -> str:
        if self._sock is None:
            return f"{type(self).__name__}(closed)"
        try:
            peer = self._sock.getpeername()
        except OSError:
            peer = "?"
        return f"{type(self).__name__}(peer={peer!r})"

    def _live(self) -> socket.socket:
        if self._sock is None:
            raise StreamClosed("stream is closed")
        return self._sock

    def send(self, data: bytes) -> int:
        if not data:
            return 0
        sock = self._live()
        try:
            return sock.send(data)
        except OSError as exc:
            raise _stream_error(exc, "send") from exc

    def recv(self, max_bytes: int) -> bytes:
        if max_bytes < 1:
            raise ValueError("max_bytes must be >= 1")
        sock = self._live()
        try:
            return sock.recv(max_bytes)
        except OSError as exc:
            raise _stream_error(exc, "recv") from exc

    def settimeout(self, timeout_s: Optional[float]) -> None:
        self._live().settimeout(timeout_s)

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def fileno(self) -> int:
        return self._live().fileno()

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return self._sock is None


def _stream_error(exc: OSError, what: str) -> StreamError:
    """Map a socket error to the stream error that names it."""
    if isinstance(exc, socket.timeout):
        return StreamTimeout(f"{what} timed out")
    if isinstance(exc, (ConnectionError, BrokenPipeError)):
        return StreamReset(f"{what}: connection lost ({exc.strerror or exc})")
    return StreamError(f"{what} failed ({exc.strerror or exc})")


def connect_socket_stream(
    address: Tuple[str, int],
    timeout_s: float,
    *,
    bind_device: Optional[str] = None,
    wrap: Callable[[socket.socket], SocketStream] = SocketStream,
) -> SocketStream:
    """Open a kernel TCP connection and wrap it, mapping failures to stream errors.

    Args:
        address: ``(host, port)``; ``host`` is a name or an IP literal, resolved here.
        timeout_s: Seconds for name resolution plus connect; also the stream's initial
            send/recv timeout.
        bind_device: Interface to bind to (``SO_BINDTODEVICE``, Linux, needs privileges),
            so traffic leaves through the Wi-Fi interface; None for the routing table.
        wrap: Makes the stream from the connected socket (a SocketStream subclass,
            or a function returning one).
    Returns:
        ``wrap(sock)``.
    Raises:
        NameResolutionError: The host name does not resolve.
        StreamRefused: The peer refused the connection.
        StreamTimeout: No connection within ``timeout_s``.
        NetworkUnreachable: No route to the host.
    """
    host, port = address
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NameResolutionError(f"{host!r} does not resolve ({exc.strerror})") from exc
    last: Optional[StreamError] = None
    for family, kind, proto, _name, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            if bind_device is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, bind_device.encode())
            sock.settimeout(timeout_s)
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            last = _connect_error(exc, host, port)
            continue
        return wrap(sock)
    raise last if last is not None else NetworkUnreachable(f"{host}:{port}: no address")


def _connect_error(exc: OSError, host: str, port: int) -> StreamError:
    where = f"{host}:{port}"
    if isinstance(exc, ConnectionRefusedError):
        return StreamRefused(f"{where} refused the connection")
    if isinstance(exc, socket.timeout):
        return StreamTimeout(f"{where}: no connection in time")
    return NetworkUnreachable(f"{where} unreachable ({exc.strerror or exc})")


class StreamListener(abc.ABC):
    """A listening TCP endpoint: one :class:`ByteStream` per accepted connection.

    Thread-safe: :meth:`close` may be called from another thread while :meth:`accept`
    waits; the waiting call then raises :class:`StreamClosed`.
    """

    @property
    @abc.abstractmethod
    def address(self) -> Tuple[str, int]:
        """``(host, port)`` that stations connect to: the address of the interface the
        listener serves (e.g. the SoftAP's ``192.168.4.1``) and the bound port (the port
        actually chosen when 0 was asked for)."""

    @abc.abstractmethod
    def accept(self, timeout_s: float) -> ByteStream:
        """Wait for the next connection and return its stream.

        Args:
            timeout_s: Seconds to wait (> 0); also the new stream's initial send/recv
                timeout.
        Returns:
            A connected :class:`ByteStream` (the caller owns and closes it).
        Raises:
            StreamTimeout: No connection within ``timeout_s``.
            StreamClosed: The listener is closed (before or while waiting).
            StreamError: The listening socket failed.
        Events: none.  Optional: no.  Source: socket accept(2) semantics.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Stop listening (idempotent). Streams already accepted stay open.

        Events: none.  Optional: no.
        """

    def __enter__(self) -> StreamListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SocketListener(StreamListener):
    """A :class:`StreamListener` over a kernel listening socket (host-stack drivers).

    Args:
        sock: A bound, listening ``socket.socket``; the listener owns it from now on.
        host: The address stations use to reach it (default: the socket's own address).
        wrap: Makes the stream of an accepted socket (a SocketStream subclass, or a
            function returning one).
    """

    def __init__(
        self,
        sock: socket.socket,
        host: Optional[str] = None,
        wrap: Callable[[socket.socket], SocketStream] = SocketStream,
    ) -> None:
        bound = sock.getsockname()
        self._sock: Optional[socket.socket] = sock
        self._address = (host if host is not None else bound[0], bound[1])
        self._wrap = wrap

    def __repr__(self) -> str:
        state = "closed" if self._sock is None else "listening"
        return f"{type(self).__name__}({self._address[0]}:{self._address[1]}, {state})"

    @property
    def address(self) -> Tuple[str, int]:
        return self._address

    def accept(self, timeout_s: float) -> SocketStream:
        sock = self._sock
        if sock is None:
            raise StreamClosed("the listener is closed")
        try:
            sock.settimeout(timeout_s)
            conn, _peer = sock.accept()
        except socket.timeout:
            raise StreamTimeout(f"no connection within {timeout_s} s") from None
        except OSError as exc:
            if self._sock is None:
                raise StreamClosed("the listener was closed while waiting") from None
            raise _stream_error(exc, "accept") from exc
        conn.settimeout(timeout_s)
        return self._wrap(conn)

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept()
            except OSError:
                pass
            sock.close()

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return self._sock is None


def listen_socket_stream(
    bind: Tuple[str, int],
    *,
    host: Optional[str] = None,
    backlog: int = 8,
    wrap: Callable[[socket.socket], SocketStream] = SocketStream,
) -> SocketListener:
    """Listen for TCP connections on a kernel socket and wrap it.

    Args:
        bind: ``(address, port)`` to bind (an IPv4 or IPv6 literal; port 0 picks a free
            port).
        host: The address stations connect to, as :attr:`StreamListener.address` shows
            it (default: the bound address).
        backlog: Connections the kernel queues before accept(), >= 1.
        wrap: Makes the stream of each accepted socket.
    Returns:
        A :class:`SocketListener`.
    Raises:
        StreamError: The address cannot be bound (in use, not local, no privilege for a
            port below 1024); the message names it.
    """
    address, port = bind
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(max(1, backlog))
    except OSError as exc:
        sock.close()
        raise StreamError(f"cannot listen on {address}:{port} ({exc.strerror or exc})") from None
    return SocketListener(sock, host, wrap)
