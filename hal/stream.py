"""Section 5 of the driver contract: the TCP byte stream the TLS layer runs over.

``WifiDriver.open_tcp_stream(host, port, timeout_s)`` returns a :class:`ByteStream`. The
mutual-TLS client (protocol §9) needs nothing else: send bytes, receive bytes, a timeout,
close. A driver whose TCP stack lives on a co-processor (ESP-AT ``AT+CIPSEND`` /
``+IPD``) implements the four methods over its command channel; a driver on the host's
kernel stack returns a :class:`SocketStream`, whose ``fileno()`` lets the TLS layer hand
the socket to C directly.

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

__all__ = ["ByteStream", "SocketStream", "connect_socket_stream"]


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
