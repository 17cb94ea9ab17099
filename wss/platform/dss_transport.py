"""``ffsHttpExecute`` for the default compat layer: HTTPS with mutual TLS through the driver.

The TCP connection comes from the HAL driver (``open_tcp_stream``), so DSS traffic leaves
through the joined Wi-Fi network (port 8888 on the encoded setup network, §7.4). The TLS
layer (:mod:`wss.tls`) runs over it in one of two ways:

* the stream is a kernel socket (``fileno()`` works and the driver says
  ``Capabilities.stream_fileno``): mbedTLS drives the file descriptor itself, in C;
* otherwise (e.g. a co-processor's TCP link): mbedTLS calls the stream's ``send`` and
  ``recv`` through a :class:`wss.tls.CallableTransport`.

HTTP/1.1 framing and keep-alive are :class:`wss.http.HTTPExecutor`'s (its
:meth:`~wss.http.HTTPExecutor.request`: the compat layer returns the whole response, so
there are no callbacks to run); one TLS connection is kept per host and port.

Source: protocol §3.1 row 12, §3.2, §7.4, §8.1, §9.
"""

from __future__ import annotations

import logging
import socket
from typing import List, Optional, Tuple

import hal

from ..compat.types import HttpRequest, HttpResponse
from ..http import HTTPExecutor, HTTPLimits
from ..tls import CallableTransport, TLSConfig, TLSConnection
from .hal_bridge import DriverBridge

__all__ = ["DSSTransport"]

log = logging.getLogger("wss.compat")

#: Shortest wait handed to a stream: a ByteStream timeout must be positive, and the TLS
#: layer asks for "no wait" (0) only to peek at an idle connection.
_MIN_TIMEOUT_S = 0.001


def _kernel_fd(stream: hal.ByteStream) -> Optional[int]:
    """The stream's file descriptor, or None when it is not a kernel socket."""
    try:
        return stream.fileno()
    except (hal.DriverNotSupported, OSError):
        return None


def _no_delay(fd: int) -> None:
    """Send small TLS records at once (as TLSConnection.connect does for its own sockets)."""
    # Family and type given, so that Python does not ask the kernel for them (3 syscalls);
    # they do not matter to setsockopt on the descriptor.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, fileno=fd)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass
    finally:
        sock.detach()


def stream_transport(stream: hal.ByteStream, bridge: DriverBridge) -> CallableTransport:
    """A :class:`wss.tls.ByteTransport` over a HAL byte stream (HAL errors mapped)."""

    def wait(timeout_s: Optional[float]) -> None:
        stream.settimeout(None if timeout_s is None else max(timeout_s, _MIN_TIMEOUT_S))

    def send(data: bytes, timeout_s: Optional[float]) -> int:
        bridge.call("stream send", wait, timeout_s)
        return bridge.call("stream send", stream.send, data)

    def recv(max_bytes: int, timeout_s: Optional[float]) -> bytes:
        bridge.call("stream recv", wait, timeout_s)
        return bridge.call("stream recv", stream.recv, max_bytes)

    return CallableTransport(send, recv, stream.close)


class DSSTransport:
    """Performs DSS requests over TLS connections opened through the Wi-Fi driver.

    Args:
        bridge: the driver wrapper.
        tls_config: the device chain, key, DSS trust anchors and TLS timeouts.
        stream_timeout_s: seconds to open a TCP stream.
        limits: HTTP header/body limits.

    Attributes:
        connections: ``(host, port, via)`` of every TLS connection made, in order; ``via``
            is ``"socket"`` (I/O in C on the file descriptor) or ``"callbacks"``.
    """

    def __init__(
        self,
        bridge: DriverBridge,
        tls_config: TLSConfig,
        *,
        stream_timeout_s: float = 10.0,
        limits: HTTPLimits = HTTPLimits(),
    ) -> None:
        self._bridge = bridge
        self._tls_config = tls_config
        self._stream_timeout_s = stream_timeout_s
        self._executor = HTTPExecutor(tls_config, limits=limits, connect=self._connect)
        self.connections: List[Tuple[str, int, str]] = []

    def _connect(self, host: str, port: int) -> TLSConnection:
        stream = self._bridge.open_stream(host, port, self._stream_timeout_s)
        try:
            fd = _kernel_fd(stream)
            if fd is not None:
                _no_delay(fd)
            if fd is not None and self._bridge.capabilities().stream_fileno:
                via = "socket"
                connection = TLSConnection(self._tls_config, host, sock=stream)
            else:
                via = "callbacks"
                connection = TLSConnection(self._tls_config, host, transport=stream_transport(stream, self._bridge))
        except BaseException:
            stream.close()
            raise
        try:
            connection.handshake()
        except BaseException:
            connection.close()
            raise
        self.connections.append((host, port, via))
        if log.isEnabledFor(logging.DEBUG):
            log.debug("TLS to %s:%d over %s: %s %s", host, port, via, connection.version, connection.cipher_suite)
        return connection

    @property
    def handshakes(self) -> int:
        """TLS handshakes made so far."""
        return len(self.connections)

    def execute(self, request: HttpRequest) -> HttpResponse:
        """Perform one request and return status, headers and the whole body.

        Raises:
            TransportError: the stream could not be opened or broke (retried by the
                runner's policy); TLSError, HTTPError: the exchange failed otherwise.
        Source: protocol §3.1 row 12.
        """
        response = self._executor.request(
            request.method, request.host, request.port, request.path, request.headers, request.body, request.scheme
        )
        return HttpResponse(response.status, tuple(response.headers), response.body)

    def close(self) -> None:
        """Close the kept-alive connection (before the device leaves its network)."""
        self._executor.close()
