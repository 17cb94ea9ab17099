"""The TLS clients compared by :mod:`wss.bench.tls`, each behind the same two operations.

* ``handshake()`` -- TCP connect + full mutual-auth TLS 1.2 handshake, timed; the
  connection is then closed (close_notify) outside the timed part. Returns
  (wall ms, CPU ms of the calling thread).
* ``transfer(path)`` -- connect + handshake untimed, then ``GET path HTTP/1.0`` and read
  to the end of the stream into a 64 KiB buffer, timed. Returns (wall ms, CPU ms, bytes read).

CPU time is ``time.thread_time`` (the client runs in the calling thread, all its TLS work
included: the C core does its I/O in that thread too), the C floor's is its process's
``CLOCK_PROCESS_CPUTIME_ID`` (one thread).

Every client uses the same files: the device chain (leaf first) and key, the DSS CA, and
expects the server name given. All use TCP_NODELAY, as the C floor does.
"""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Tuple

_BUF = 65536
#: The longest one socket operation of a client may wait, seconds (the peer is our own
#: openssl s_server on loopback; a stuck one must not hold the benchmark forever).
IO_TIMEOUT_S = 60.0
_PEER_CLOSE_NOTIFY = 0x7880  # MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY, negated


@dataclass
class Endpoint:
    host: str
    port: int
    name: str
    ca: Path
    chain: Path
    key: Path

    def tcp(self) -> socket.socket:
        """A TCP connection with TCP_NODELAY; every later send/recv on it (and the TLS
        handshake over it) waits at most :data:`IO_TIMEOUT_S`."""
        sock = socket.create_connection((self.host, self.port), timeout=IO_TIMEOUT_S)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def request(self, path: str) -> bytes:
        return f"GET {path} HTTP/1.0\r\n\r\n".encode()


def _clocks() -> Tuple[float, float]:
    return time.perf_counter(), time.thread_time()


def _ms(start: Tuple[float, float]) -> Tuple[float, float]:
    """(wall ms, CPU ms) since ``start`` (from :func:`_clocks`)."""
    wall, cpu = _clocks()
    return (wall - start[0]) * 1000.0, (cpu - start[1]) * 1000.0


def _read_all(read_into: Callable[[bytearray], int]) -> int:
    buf, total = bytearray(_BUF), 0
    while True:
        n = read_into(buf)
        if not n:
            return total
        total += n


class _Client:
    """Shared timing: subclasses give ``_open()`` (connected, handshaken, closable) and
    ``_exchange(conn, request) -> bytes read``."""

    ep: Endpoint

    def _open(self) -> Any:
        raise NotImplementedError

    @staticmethod
    def _exchange(conn: Any, request: bytes) -> int:
        raise NotImplementedError

    def handshake(self) -> Tuple[float, float]:
        start = _clocks()
        conn = self._open()
        ms = _ms(start)
        conn.close()
        return ms

    def transfer(self, path: str) -> Tuple[float, float, int]:
        conn = self._open()
        try:
            start = _clocks()
            total = self._exchange(conn, self.ep.request(path))
            return (*_ms(start), total)
        finally:
            conn.close()


class WssClient(_Client):
    """wss.tls: the socket transport (I/O in C) or the Python callback transport."""

    def __init__(self, ep: Endpoint, callback_transport: bool, key: Any = None) -> None:
        """``key``: a :class:`wss.crypto.PrivateKey` (e.g. one in a PKCS#11 token) that
        ``ep.chain`` certifies, instead of the PEM file ``ep.key``.

        Raises:
            wss.errors.TokenError: a token key on an mbedTLS that cannot sign TLS with it.
        """
        from wss.crypto import PrivateKey
        from wss.tls import TLSConfig

        self.ep = ep
        self.callback_transport = callback_transport
        key = key if key is not None else PrivateKey.from_pem(ep.key.read_bytes())
        self.config = TLSConfig(ep.chain.read_bytes(), key, ep.ca.read_bytes())

    def _open(self):
        from wss.tls import SocketTransport, TLSConnection

        if not self.callback_transport:
            return TLSConnection.connect(self.config, self.ep.host, self.ep.port, server_hostname=self.ep.name)
        conn = TLSConnection(self.config, self.ep.name, transport=SocketTransport(self.ep.tcp()))
        conn.handshake()
        return conn

    @staticmethod
    def _exchange(conn, request: bytes) -> int:
        conn.write(request)
        return _read_all(conn.read_into)


class SSLClient(_Client):
    """Python's ssl module (OpenSSL), limited to TLS 1.2 like the others."""

    def __init__(self, ep: Endpoint) -> None:
        self.ep = ep
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_verify_locations(str(ep.ca))
        ctx.load_cert_chain(str(ep.chain), str(ep.key))
        self.ctx = ctx

    def _open(self) -> ssl.SSLSocket:
        return self.ctx.wrap_socket(self.ep.tcp(), server_hostname=self.ep.name)

    @staticmethod
    def _exchange(sock, request: bytes) -> int:
        sock.sendall(request)
        return _read_all(sock.recv_into)


class PythonMbedTLSClient(_Client):
    """python-mbedtls (Cython binding; its wheel bundles its own mbedTLS)."""

    def __init__(self, ep: Endpoint) -> None:
        from mbedtls import pk, tls, x509

        self.ep = ep
        pems = ep.chain.read_text().split("-----END CERTIFICATE-----")
        chain = tuple(x509.CRT.from_PEM(p + "-----END CERTIFICATE-----\n") for p in pems if "BEGIN CERTIFICATE" in p)
        key = pk.ECC.from_PEM(ep.key.read_text())
        conf = tls.TLSConfiguration(
            trust_store=tls.TrustStore([x509.CRT.from_PEM(ep.ca.read_text())]),
            certificate_chain=(chain, key),
            validate_certificates=True,
            lowest_supported_version=tls.TLSVersion.TLSv1_2,
            highest_supported_version=tls.TLSVersion.TLSv1_2,
        )
        self.ctx = tls.ClientContext(conf)

    def _open(self):
        sock = self.ctx.wrap_socket(self.ep.tcp(), server_hostname=self.ep.name)
        sock.do_handshake()
        return sock

    @staticmethod
    def _exchange(sock, request: bytes) -> int:
        # python-mbedtls decrypts through a ring buffer of about one record, and its
        # recv_into() returns 0 both at EOF and when a record is still incomplete. So read
        # 16 KiB of ciphertext at a time until the raw socket reaches EOF, counting the
        # plaintext its buffer delivers.
        from mbedtls.exceptions import TLSError
        from mbedtls.tls import RaggedEOF, WantReadError

        raw = sock._socket  # the plain socket under the wrapper
        sock.send(request)
        total = 0
        while True:
            encrypted = raw.recv(16384)
            if not encrypted:
                return total
            sock._buffer.receive_from_network(encrypted)
            try:
                while True:
                    plain = sock._buffer.read(16384)
                    if not plain:
                        break
                    total += len(plain)
            except WantReadError:
                continue  # the rest of the record is still on its way
            except RaggedEOF:
                return total
            except TLSError as exc:
                if getattr(exc, "err", None) != _PEER_CLOSE_NOTIFY:
                    raise
                return total
