"""One mutual-TLS client connection, over a socket (I/O in C) or a :class:`ByteTransport`.

Source: protocol §9 (mutual TLS to the DSS), §8.1 (host, ports 443 and 8888); RFC 5246.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Optional, Protocol

from .._binding import ffi, lib
from ..errors import ConnectionReset, DeadlineExceeded, TLSError, TransportError, TransportTimeout
from ._errors import io_error, text
from .config import TLSConfig, timeout_ms
from .transports import ByteTransport, _Binding

__all__ = ["TLSConnection"]

log = logging.getLogger("wss.tls")

_INTERRUPTED = lib.WSS_ERR_TLS_INTERRUPTED
_CALLBACK = lib.WSS_ERR_TLS_CALLBACK
_TIMEOUT = lib.WSS_ERR_TLS_TIMEOUT
_IDLE = lib.WSS_TLS_IDLE
_READ_BUFFER = 65536
_DEFAULT = object()
_new = ffi.new_allocator(should_clear_after_alloc=False)


class _KernelSocket(Protocol):
    """What :class:`TLSConnection` needs of ``sock``: its descriptor, and closing it.

    A :class:`socket.socket`, or e.g. a HAL byte stream over a kernel socket.
    """

    def fileno(self) -> int: ...

    def close(self) -> None: ...


def _free_tls(config_handle, tls) -> None:
    """Destructor of a ``wss_tls``; holding ``config_handle`` keeps the config alive until then."""
    lib.wss_tls_free(tls)


def _check_hostname(name: str) -> bytes:
    if not isinstance(name, str) or not name:
        raise ValueError("server_hostname must be a non-empty str")
    encoded = name.encode("idna") if not name.isascii() else name.encode("ascii")
    if len(encoded) > 253 or b"\0" in encoded:
        raise ValueError("server_hostname must be at most 253 characters, without NUL")
    return encoded


class TLSConnection:
    """A TLS 1.2 client connection (1.3 with ``TLSConfig(tls13=True)``) with a client certificate.

    Not thread-safe: use one connection from one thread at a time. The connection owns
    the socket or transport it is given and closes it in :meth:`close`.

    Args:
        config: identity, trust anchors and timeouts.
        server_hostname: the name sent as SNI and required in the server certificate;
            an IPv4 or IPv6 address is not sent as SNI and must be one of the
            certificate's iPAddress names (checked by the C core for every mbedTLS).
        sock: a connected stream socket, or an object owning one (only its ``fileno()``
            and ``close()`` are used); all TLS I/O on it runs in the C core.
        transport: any other byte stream; mbedTLS calls its ``send``/``recv``.

    Raises:
        ValueError: not exactly one of ``sock`` and ``transport``, or a bad host name.
        wss.errors.TLSError: mbedTLS could not set the connection up.

    Source: protocol §9; RFC 6066 §3 (SNI), RFC 6125 (host-name check), RFC 5280
    §4.2.1.6 (iPAddress names).
    """

    def __init__(
        self,
        config: TLSConfig,
        server_hostname: str,
        *,
        sock: Optional[_KernelSocket] = None,
        transport: Optional[ByteTransport] = None,
    ) -> None:
        if (sock is None) == (transport is None):
            raise ValueError("give exactly one of sock and transport")
        if not isinstance(config, TLSConfig):
            raise TypeError(f"config must be a TLSConfig, not {type(config).__name__}")
        host = _check_hostname(server_hostname)
        self._config = config
        self.server_hostname = server_hostname
        self._sock = sock
        self._binding = _Binding(transport) if transport is not None else None
        self._closed = False
        self._broken: Optional[str] = None
        self._handshaken = False
        self._deadline: Optional[float] = None
        self._deadline_what = ""
        self._deadline_s: Optional[float] = None
        self._buf = None
        self._count = _new("size_t *")
        out = ffi.new("wss_tls **")
        rc = lib.wss_tls_new(config._handle, host, out)
        if rc != 0:
            raise TLSError("TLS: cannot set up a connection", rc, text(rc))
        self._tls = ffi.gc(out[0], lambda p, cfg=config._handle: _free_tls(cfg, p))
        if sock is not None:
            rc = lib.wss_tls_set_socket(self._tls, sock.fileno())
        else:
            assert self._binding is not None  # exactly one of sock and transport (checked above)
            rc = lib.wss_tls_set_transport(self._tls, self._binding.handle)
        if rc != 0:
            raise TLSError("TLS: cannot attach the transport", rc, text(rc))

    @classmethod
    def connect(
        cls,
        config: TLSConfig,
        host: str,
        port: int,
        *,
        server_hostname: Optional[str] = None,
        connect_timeout_s: Optional[float] = None,
    ) -> TLSConnection:
        """Open TCP to ``host:port`` and run the handshake.

        Args:
            config: the TLS configuration.
            host: the address or name to connect to.
            port: the TCP port (443, or 8888 on the encoded setup network, §7.4).
            server_hostname: the name to expect and send as SNI; defaults to ``host``.
            connect_timeout_s: TCP connect timeout; defaults to the handshake timeout.
        Returns:
            The connected, handshaken connection.
        Raises:
            wss.errors.TransportTimeout: TCP connect or handshake timed out.
            wss.errors.TransportError: TCP connect failed.
            wss.errors.TLSError: the handshake failed (subclasses: alert, certificate).
        """
        timeout = connect_timeout_s if connect_timeout_s is not None else config.handshake_timeout_s
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except socket.timeout as exc:
            raise TransportTimeout(f"TCP connect to {host}:{port} timed out ({timeout} s)") from exc
        except OSError as exc:
            raise TransportError(f"TCP connect to {host}:{port} failed: {exc.strerror or exc}") from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = cls(config, server_hostname or host, sock=sock)
        except BaseException:
            sock.close()
            raise
        try:
            conn.handshake()
        except BaseException:
            conn.close()
            raise
        return conn

    # ---- I/O ----------------------------------------------------------------------------

    def set_deadline(self, at_s: Optional[float], what: str = "deadline", length_s: Optional[float] = None) -> None:
        """Bound every later handshake, read and write by one moment in time.

        Each operation still has its own timeout (the configuration's, or ``timeout_s``);
        the deadline cuts it short, so that a peer trickling bytes just fast enough to
        beat every single timeout cannot hold the connection past ``at_s``.

        Args:
            at_s: the deadline on the :func:`time.monotonic` clock, seconds; None removes it.
            what: names the deadline in the error, e.g. ``"response deadline (30 s)"``.
            length_s: the deadline's length, seconds, carried by the error (``deadline_s``).
        Raises (from later operations):
            wss.errors.DeadlineExceeded: an operation was cut short by the deadline, or
                started after it; the connection is unusable afterwards.
        """
        self._deadline, self._deadline_what, self._deadline_s = at_s, what, length_s

    def _deadline_error(self, op: str) -> DeadlineExceeded:
        self._broken = op
        return DeadlineExceeded(f"TLS {op} with {self.server_hostname}: {self._deadline_what} passed", self._deadline_s)

    def _run(self, op: str, timeout_s: Optional[float], call) -> int:
        """Call ``call(timeout_ms)`` until it is not interrupted by a signal; raise on error.

        The wait is ``timeout_s``, cut short by the deadline of :meth:`set_deadline`.
        """
        if self._closed or self._broken:
            raise ConnectionReset(
                f"TLS {op} with {self.server_hostname}: connection is "
                f"{'closed' if self._closed else f'unusable after {self._broken}'}"
            )
        by_deadline = False
        if self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise self._deadline_error(op)
            if timeout_s is None or left < timeout_s:
                timeout_s, by_deadline = left, True
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        try:
            rc = call(timeout_ms(timeout_s))
            while rc == _INTERRUPTED:  # Python has run the signal handlers by now
                rest = None if deadline is None else max(0.0, deadline - time.monotonic())
                rc = call(timeout_ms(rest))
        except BaseException:  # a signal handler raised: the TLS state is mid-operation
            self._broken = op
            raise
        if rc < 0:
            if rc == _TIMEOUT and by_deadline:
                raise self._deadline_error(op)
            if not (op == "read" and rc == _TIMEOUT):  # a read may be retried later
                self._broken = op
            error = self._binding.take_error() if self._binding is not None else None
            if rc == _CALLBACK:
                # Only a transport's send/recv callbacks return it (csrc/wss_core.h): there is a binding.
                assert error is not None
                raise error
            raise io_error(rc, op, self._tls, timeout_s, self.server_hostname)
        return rc

    def handshake(self) -> None:
        """Run the handshake (within the configured handshake timeout).

        Raises:
            wss.errors.TLSAlertError: the server sent a fatal alert (``alert`` = its name,
                e.g. ``unknown_ca`` when it does not trust our chain).
            wss.errors.CertificateVerifyError: the server certificate did not verify
                (``flags``, ``reasons``: untrusted, expired, name mismatch...).
            wss.errors.TransportTimeout, wss.errors.ConnectionReset: the stream failed.
            wss.errors.TLSError: any other TLS failure (e.g. the peer does not speak TLS).
        """
        started = time.perf_counter()
        self._run("handshake", self._config.handshake_timeout_s, lambda ms: lib.wss_tls_handshake(self._tls, ms))
        self._handshaken = True
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "TLS handshake with %s: %s %s in %.1f ms",
                self.server_hostname,
                self.version,
                self.cipher_suite,
                (time.perf_counter() - started) * 1000,
            )

    def read(self, max_bytes: int = _READ_BUFFER, timeout_s=_DEFAULT) -> bytes:
        """Read decrypted bytes: wait for the first, then take what has already arrived
        (over a socket: every complete record already received; over a byte transport:
        the rest of the first record).

        Args:
            max_bytes: the most bytes to return.
            timeout_s: seconds to wait for the first byte; defaults to the config's read
                timeout. After a timeout the connection can be read again. The deadline
                of :meth:`set_deadline`, if any, cuts the wait short.
        Returns:
            1 to ``max_bytes`` bytes, or ``b""`` once the peer has closed the stream.
        Raises:
            As :meth:`handshake`; wss.errors.DeadlineExceeded: the deadline passed (the
            connection is unusable afterwards).
        """
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if self._buf is None or len(self._buf) < max_bytes:
            self._buf = _new("unsigned char[]", max(max_bytes, _READ_BUFFER))
        n = self._read(self._buf, max_bytes, timeout_s)
        return ffi.buffer(self._buf, n)[:]

    def read_into(self, buffer, timeout_s=_DEFAULT) -> int:
        """Like :meth:`read`, into a writable buffer; returns the byte count (0 = closed)."""
        view = ffi.from_buffer(buffer, require_writable=True)
        if len(view) == 0:
            raise ValueError("buffer must not be empty")
        return self._read(view, len(view), timeout_s)

    def _read(self, cbuf, cap: int, timeout_s) -> int:
        if timeout_s is _DEFAULT:
            timeout_s = self._config.read_timeout_s
        count = self._count
        self._run("read", timeout_s, lambda ms: lib.wss_tls_read(self._tls, cbuf, cap, ms, count))
        return count[0]

    def write(self, data) -> None:
        """Send all of ``data`` (bytes-like), within the configured write timeout (and
        the deadline of :meth:`set_deadline`, if any).

        Raises:
            As :meth:`handshake`; wss.errors.DeadlineExceeded: the deadline passed.
        """
        view = ffi.from_buffer(data)
        total = len(view)
        done = self._count
        sent = 0

        def call(ms: int) -> int:
            nonlocal sent
            rc = lib.wss_tls_write(self._tls, view + sent, total - sent, ms, done)
            sent += done[0]
            return rc

        if total:
            self._run("write", self._config.write_timeout_s, call)

    def is_reusable(self) -> bool:
        """Without waiting: is this idle connection still open and quiet?

        False when the peer closed it (close_notify, FIN, reset) or sent bytes nobody
        asked for; a request must not be sent on it then.
        """
        if self._closed or self._broken or not self._handshaken:
            return False
        status = lib.wss_tls_idle_status(self._tls)
        if self._binding is not None:
            self._binding.error = None
        if status != _IDLE:
            self._broken = "idle check"
            return False
        return True

    # ---- state and teardown -------------------------------------------------------------

    def _info(self, getter) -> str:
        if self._closed:
            raise ConnectionReset(f"TLS with {self.server_hostname}: connection is closed")
        return ffi.string(getter(self._tls)).decode("ascii")

    @property
    def version(self) -> str:
        """The negotiated protocol, e.g. ``"TLSv1.2"``."""
        return self._info(lib.wss_tls_version)

    @property
    def cipher_suite(self) -> str:
        """The negotiated cipher suite as mbedTLS names it, e.g. ``TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256``."""
        return self._info(lib.wss_tls_ciphersuite)

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    def close(self) -> None:
        """Send close_notify (best effort, at most 1 s) and close the socket or transport."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._handshaken and not self._broken:
                lib.wss_tls_close_notify(self._tls, timeout_ms(1.0))
        finally:
            ffi.release(self._tls)
            if self._sock is not None:
                self._sock.close()
            elif self._binding is not None:
                self._binding.transport.close()

    def __enter__(self) -> TLSConnection:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("open" if self._handshaken else "new")
        via = "socket" if self._sock is not None else "transport"
        return f"<TLSConnection {self.server_hostname} via {via} {state}>"
