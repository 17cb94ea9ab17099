"""A real HTTPS peer for the TLS/HTTP tests: Python ``ssl`` (OpenSSL) + h11, on 127.0.0.1.

The server requires and verifies a client certificate chain. It records, per connection,
the extension types of the ClientHello it read and the ServerHello it wrote (through
OpenSSL's message callback, ``SSLContext._msg_callback``), and the handshake errors it saw.

Routes (the request target picks the behaviour; see :meth:`TLSTestServer._respond`):

* ``/echo``             200 with the request body
* ``/bytes/N``          200 with N bytes
* ``/redirect``         308 to another host
* ``/big-headers/N``    200 with a header value of N bytes
* ``/truncate/N/M``     headers announcing N body bytes, only M sent, then close
* ``/garbage``          bytes that are not an HTTP response, then close
* ``/reset``            close with a TCP reset (SO_LINGER 0) instead of answering
* ``/stall``            never answer (until the server stops)
* ``/close``            200 with ``Connection: close``, then close
* ``/close-after``      200, then close the idle connection without ``Connection: close``
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Set, Tuple

import h11

# The hello parser is the local DSS's own (its TLS view), tested in tests/cloud; the
# extension numbers are re-exported for the client tests.
from wss.cloud.tls_view import EXT_ENCRYPT_THEN_MAC, EXT_EXTENDED_MASTER_SECRET, hello_extensions  # noqa: F401
from wss.tls import TLSConfig, TLSConnection

HANDSHAKE = 22
CLIENT_HELLO, SERVER_HELLO = 1, 2


@dataclass
class Hellos:
    """Extensions seen in one handshake, from the server's side."""

    client: Set[int] = field(default_factory=set)
    server: Set[int] = field(default_factory=set)


class TLSTestServer:
    """Threaded HTTPS server on 127.0.0.1 with client-certificate verification.

    Args:
        cert: (certificate chain file, key file) the server presents.
        client_ca: PEM file of the roots client chains must lead to.
        ciphers: an OpenSSL cipher string for TLS 1.2 (None = OpenSSL default).
        maximum_version: the highest TLS version the server accepts (None = OpenSSL's, 1.3).
        raw: serve plain TCP and answer every connection with non-TLS bytes.
        host: the loopback address to listen on (``127.0.0.1`` or ``::1``).
        ssl_wrap_timeout_s: the server's own socket timeout.
    """

    def __init__(
        self,
        cert: Tuple[Path, Path],
        client_ca: Path,
        *,
        ciphers: Optional[str] = None,
        maximum_version: Optional[ssl.TLSVersion] = None,
        raw: bool = False,
        timeout_s: float = 10.0,
        host: str = "127.0.0.1",
    ) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(cert[0]), str(cert[1]))
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(str(client_ca))
        if ciphers:
            ctx.set_ciphers(ciphers)
        if maximum_version is not None:
            ctx.maximum_version = maximum_version
        ctx._msg_callback = self._on_message
        ctx.sni_callback = self._on_sni
        self.ctx = ctx
        self.raw = raw
        self.timeout_s = timeout_s
        self.hellos: List[Hellos] = []
        self.handshake_errors: List[str] = []
        self.peer_subjects: List[str] = []
        self.sni: List[Optional[str]] = []
        self.connections = 0
        self.requests = 0
        self.idle_closed = threading.Event()
        self._stop = threading.Event()
        self._threads: List[threading.Thread] = []
        self._open: List[socket.socket] = []
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.create_server((host, 0), family=family)
        self.port: int = self._listener.getsockname()[1]

    # ---- lifecycle ----------------------------------------------------------------------

    def start(self) -> TLSTestServer:
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        self._stop.set()
        for sock in [self._listener] + self._open:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept/recv
            except OSError:
                pass
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _spawn(self, target: Callable, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            self._spawn(self.serve_socket, sock)

    # ---- observation ---------------------------------------------------------------------

    def wait_until(self, predicate: Callable[[], bool], timeout_s: float = 5.0) -> bool:
        """Poll ``predicate`` until it holds (for what a server thread records after the
        client has already seen the outcome); returns its last value."""
        pause = threading.Event()
        for _ in range(int(timeout_s / 0.01)):
            if predicate():
                return True
            pause.wait(0.01)
        return predicate()

    # ---- recorded by the OpenSSL callbacks -------------------------------------------------

    def _on_sni(self, ssl_object, server_name, ctx) -> None:
        self.sni.append(server_name)

    def _on_message(self, conn, direction, version, content_type, msg_type, data) -> None:
        if content_type != HANDSHAKE or msg_type not in (CLIENT_HELLO, SERVER_HELLO):
            return
        if msg_type == CLIENT_HELLO and direction == "read":
            self.hellos.append(Hellos(client=hello_extensions(bytes(data))))
        elif msg_type == SERVER_HELLO and direction == "write" and self.hellos:
            self.hellos[-1].server = hello_extensions(bytes(data))

    # ---- one connection -----------------------------------------------------------------

    def serve_socket(self, sock: socket.socket) -> None:
        """Serve one accepted (or socketpair) stream until it closes."""
        sock.settimeout(self.timeout_s)
        self._open.append(sock)
        if self.raw:
            with sock:
                sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                self._drain(sock)
            return
        try:
            tls = self.ctx.wrap_socket(sock, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.handshake_errors.append(str(exc))
            sock.close()
            return
        self.peer_subjects.append(dict(x[0] for x in tls.getpeercert()["subject"])["commonName"])
        closing_idle = False
        with tls:
            try:
                closing_idle = self._http_loop(tls)
            except (OSError, h11.ProtocolError):
                pass
        if closing_idle:
            self.idle_closed.set()  # only now is the socket really closed

    @staticmethod
    def _drain(sock: socket.socket) -> None:
        try:
            while sock.recv(4096):
                pass
        except OSError:
            pass

    def _read_request(self, tls: ssl.SSLSocket, conn: h11.Connection):
        request, body = None, bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(tls.recv(65536))
            elif isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return request, bytes(body)
            else:  # ConnectionClosed
                return None, b""

    def _http_loop(self, tls: ssl.SSLSocket) -> bool:
        """Serve requests; True when the server decided to close a kept-alive connection."""
        conn = h11.Connection(h11.SERVER)
        while not self._stop.is_set():
            request, body = self._read_request(tls, conn)
            if request is None:
                return False
            self.requests += 1
            target = request.target.decode()
            if not self._respond(tls, conn, target, body):
                return target == "/close-after"
            if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                return False
            conn.start_next_cycle()
        return False

    def _send(self, tls, conn, status: int, headers, body: bytes) -> None:
        headers = list(headers) + [("Content-Length", str(len(body)))]
        tls.sendall(
            conn.send(h11.Response(status_code=status, headers=headers))
            + conn.send(h11.Data(data=body))
            + conn.send(h11.EndOfMessage())
        )

    def _respond(self, tls, conn, target: str, body: bytes) -> bool:
        """Answer one request; False ends the connection."""
        parts = target.strip("/").split("/")
        route, args = parts[0], [int(a) for a in parts[1:] if a.isdigit()]
        base = [("Content-Type", "application/octet-stream"), ("X-Amzn-RequestId", "test-1")]
        if route == "echo":
            self._send(tls, conn, 200, base + [("x-amzn-dss-signature", "c2ln")], body)
        elif route == "bytes":
            self._send(tls, conn, 200, base, bytes(i % 251 for i in range(args[0])))
        elif route == "redirect":
            self._send(tls, conn, 308, [("Location", "https://elsewhere.test/api")], b"")
        elif route == "big-headers":
            self._send(tls, conn, 200, base + [("X-Big", "a" * args[0])], b"ok")
        elif route == "truncate":
            head = conn.send(h11.Response(status_code=200, headers=[("Content-Length", str(args[0]))]))
            tls.sendall(head + bytes(args[1]))
            return False
        elif route == "garbage":
            tls.sendall(b"NOT-HTTP garbage\r\n\r\n")
            return False
        elif route == "reset":
            tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        elif route == "stall":
            self._stop.wait(self.timeout_s)
            return False
        elif route == "close":
            self._send(tls, conn, 200, base + [("Connection", "close")], b"closing")
            return False
        elif route == "close-after":
            self._send(tls, conn, 200, base, b"bye")
            return False
        else:
            self._send(tls, conn, 404, base, b"no such route")
        return True


#: A request to the server's /echo route; the answer's body is "hello".
ECHO = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"


def echo_over_tls(config: TLSConfig, port: int, server_name: str) -> str:
    """One TLS connection with ``config`` to 127.0.0.1:``port``: POST /echo, read until
    the echoed body, and check the answer is 200. Returns the negotiated version ("TLSv1.2")."""
    with TLSConnection.connect(config, "127.0.0.1", port, server_hostname=server_name) as conn:
        conn.write(ECHO)
        data = b""
        while not data.endswith(b"hello"):
            chunk = conn.read()
            assert chunk, "connection closed before the echo arrived"
            data += chunk
        assert data.startswith(b"HTTP/1.1 200 ")
        return conn.version
