"""Byte transports under TLS, for streams the C core cannot reach as a socket.

A connected socket is driven entirely in C (no Python call per TLS record). Any other
stream -- the ESP-AT co-processor's TCP link, a test pipe -- is a :class:`ByteTransport`:
mbedTLS calls its :meth:`~ByteTransport.send` and :meth:`~ByteTransport.recv` through
cffi ``extern "Python+C"`` callbacks (:func:`_py_send`, :func:`_py_recv`).

Source: issue 3 (two transports); protocol §9, §11.2 (the AFR port runs TLS over the
co-processor's socket).
"""

from __future__ import annotations

import abc
import errno
import select
import socket
from typing import Callable, Optional

from .._binding import ffi, lib
from ..errors import ConnectionReset, TransportError, TransportTimeout

__all__ = ["ByteTransport", "CallableTransport", "SocketTransport"]

_TIMEOUT = lib.WSS_ERR_TLS_TIMEOUT
_CALLBACK = lib.WSS_ERR_TLS_CALLBACK
_RESET_ERRNOS = (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED, errno.ENOTCONN)


class ByteTransport(abc.ABC):
    """A reliable, ordered byte stream (a TCP connection somewhere) under TLS.

    The docstrings of this class are the contract for implementers. Timeouts are in
    seconds; None means wait without limit; 0 means do not wait at all.
    """

    @abc.abstractmethod
    def send(self, data: bytes, timeout_s: Optional[float]) -> int:
        """Send a prefix of ``data``.

        Args:
            data: the bytes to send (1 or more).
            timeout_s: how long to wait for room to send anything.
        Returns:
            How many bytes were taken, 1 to ``len(data)``.
        Raises:
            wss.errors.TransportTimeout: nothing could be sent within ``timeout_s``.
            wss.errors.ConnectionReset: the peer closed or reset the stream.
            wss.errors.TransportError: any other failure.
        Optional: no.
        """

    @abc.abstractmethod
    def recv(self, max_bytes: int, timeout_s: Optional[float]) -> bytes:
        """Receive what has arrived, waiting for at least one byte.

        Args:
            max_bytes: the most bytes to return (1 or more).
            timeout_s: how long to wait for the first byte; 0 = only what is already here.
        Returns:
            1 to ``max_bytes`` bytes, or ``b""`` when the peer ended the stream.
        Raises:
            wss.errors.TransportTimeout: nothing arrived within ``timeout_s``.
            wss.errors.ConnectionReset: the stream was reset.
            wss.errors.TransportError: any other failure.
        Optional: no.
        """

    def close(self) -> None:  # noqa: B027 - optional: a transport with nothing to release inherits this
        """Release the stream. Called once by the TLS connection that owns it. Optional: yes."""


class CallableTransport(ByteTransport):
    """A :class:`ByteTransport` made of plain callables with the same contract.

    Args:
        send: ``send(data, timeout_s) -> int``, as :meth:`ByteTransport.send`.
        recv: ``recv(max_bytes, timeout_s) -> bytes``, as :meth:`ByteTransport.recv`.
        close: optional ``close()``.
    """

    def __init__(
        self,
        send: Callable[[bytes, Optional[float]], int],
        recv: Callable[[int, Optional[float]], bytes],
        close: Optional[Callable[[], None]] = None,
    ) -> None:
        self._send, self._recv, self._close = send, recv, close

    def send(self, data: bytes, timeout_s: Optional[float]) -> int:
        return self._send(data, timeout_s)

    def recv(self, max_bytes: int, timeout_s: Optional[float]) -> bytes:
        return self._recv(max_bytes, timeout_s)

    def close(self) -> None:
        if self._close is not None:
            self._close()


class SocketTransport(ByteTransport):
    """A Python socket as a :class:`ByteTransport` (for tests and benchmarks of that path).

    The socket is switched to non-blocking mode; waits use ``select.poll``.
    """

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self._sock = sock
        self._poll = select.poll()
        self._poll.register(sock.fileno())

    def _wait(self, events: int, timeout_s: Optional[float], what: str) -> None:
        self._poll.modify(self._sock.fileno(), events)
        ms = None if timeout_s is None else int(timeout_s * 1000)
        if not self._poll.poll(ms):
            raise TransportTimeout(f"socket {what} timed out ({timeout_s:g} s)")

    def _io(self, call: Callable, arg, events: int, timeout_s: Optional[float], what: str):
        while True:
            try:
                return call(arg)
            except BlockingIOError:
                self._wait(events, timeout_s, what)
            except OSError as exc:
                raise _os_error(exc, what) from exc

    def send(self, data: bytes, timeout_s: Optional[float]) -> int:
        return self._io(self._sock.send, data, select.POLLOUT, timeout_s, "send")

    def recv(self, max_bytes: int, timeout_s: Optional[float]) -> bytes:
        return self._io(self._sock.recv, max_bytes, select.POLLIN, timeout_s, "recv")

    def close(self) -> None:
        self._sock.close()


def _os_error(exc: OSError, what: str) -> TransportError:
    if exc.errno in _RESET_ERRNOS:
        return ConnectionReset(f"socket {what}: {exc.strerror}")
    return TransportError(f"socket {what}: {exc.strerror or exc}")


class _Binding:
    """What the C core's handle points at: the transport and the last error it raised."""

    __slots__ = ("transport", "error", "handle")

    def __init__(self, transport: ByteTransport) -> None:
        self.transport = transport
        self.error: Optional[BaseException] = None
        self.handle = ffi.new_handle(self)  # keep alive while C holds the pointer

    def keep_error(self, exc: BaseException) -> None:
        """Remember the first error of a core call (later ones are consequences)."""
        if self.error is None:
            self.error = exc

    def take_error(self) -> BaseException:
        error, self.error = self.error, None
        return error if error is not None else TransportError("the byte transport failed")


def _timeout_s(timeout_ms: int) -> Optional[float]:
    return None if timeout_ms < 0 else timeout_ms / 1000.0


def _guarded(handle, io: Callable[[ByteTransport], int]) -> int:
    """Run ``io`` on the handle's transport; errors become codes the C core understands."""
    binding = ffi.from_handle(handle)
    try:
        return io(binding.transport)
    except (TimeoutError, socket.timeout):  # TransportTimeout is a TimeoutError
        return _TIMEOUT
    except BaseException as exc:
        binding.keep_error(exc)
        return _CALLBACK


@ffi.def_extern()
def wss_tls_py_send(handle, buf, length, timeout_ms):  # pragma: no cover - called from C
    def io(transport: ByteTransport) -> int:
        n = transport.send(ffi.buffer(buf, length)[:], _timeout_s(timeout_ms))
        if not isinstance(n, int) or not 0 < n <= length:
            raise TransportError(f"transport send returned {n!r}, expected 1..{length}")
        return n

    return _guarded(handle, io)


@ffi.def_extern()
def wss_tls_py_recv(handle, buf, length, timeout_ms):  # pragma: no cover - called from C
    def io(transport: ByteTransport) -> int:
        data = transport.recv(length, _timeout_s(timeout_ms))
        n = len(data)
        if n > length:
            raise TransportError(f"transport recv returned {n} bytes, asked for at most {length}")
        ffi.memmove(buf, data, n)
        return n

    return _guarded(handle, io)
