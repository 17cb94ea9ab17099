"""The local Device Setup Service: an HTTPS mutual-TLS server on two ports.

Library choice: the standard library's :class:`http.server.ThreadingHTTPServer` with a
:class:`~http.server.BaseHTTPRequestHandler` speaking ``HTTP/1.1`` (keep-alive), over
Python :mod:`ssl` (OpenSSL). It is maintained with CPython, needs no dependency, gives
one thread per connection (enough for a desk or CI peer), and lets us write the response
bytes ourselves — the protocol needs exact control: a lower-case signature header,
``Content-Length`` spelled so, no chunking, header block < 512 bytes (§13.1). The TLS
handshake runs in the connection's own thread (never in the accept loop), so a slow or
refused client cannot stall the listener.

Both listeners — the normal DSS port and the setup-network port of §7.4 — share one
handler, database, fault plan and transcript. The client certificate is required and
verified against ``dha-root.pem`` of the PKI directory; the server presents
``dss/certificate.pem``.

Source: protocol §7.4, §8.1, §9, §13.1; issue "Local Device Setup Service".
"""

from __future__ import annotations

import itertools
import logging
import socket
import socketserver
import ssl
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, Union

from ..errors import ConfigError
from .accounts import Accounts, load_accounts
from .db import StateDB
from .faults import FaultPlan, load_faults
from .handler import DSSRequestHandler
from .operations import Operations
from .pki import CloudPKI
from .signing import CloudSigner
from .tls_view import TLSObserver
from .transcript import Transcript

__all__ = ["DSSServer", "server_tls_context"]

log = logging.getLogger("wss.cloud")


def server_tls_context(pki: CloudPKI) -> ssl.SSLContext:
    """Build the server's TLS context: TLS >= 1.2, client certificate required.

    Args:
        pki: The PKI directory (DHA root as trust anchor, DSS certificate and key).

    Raises:
        ConfigError: A certificate or key cannot be loaded.

    Source: protocol §9.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED
    try:
        context.load_verify_locations(cafile=pki.dha_root)
        context.load_cert_chain(pki.dss_certificate, pki.dss_private_key)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"{pki.directory}: cannot load the TLS material ({exc})") from None
    return context


class _Listener(ThreadingHTTPServer):
    """One listening port; accepts plain sockets and hands them to :class:`DSSServer`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: Tuple[str, int], app: DSSServer, name: str) -> None:
        self.app = app
        self.listener_name = name
        if ":" in address[0]:  # an IPv6 address, e.g. ::1 (socketserver's default is IPv4)
            self.address_family = socket.AF_INET6
        super().__init__(address, DSSRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); not wanted here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def finish_request(self, request: Any, client_address: Any) -> None:
        tls = self.app.handshake(request, client_address, self)
        if tls is None:
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)  # type: ignore[arg-type]  # mypy leaves typeshed's Self unbound here
        finally:
            self.app.forget(tls)
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class DSSServer:
    """The local DSS, started in background threads.

    Usage::

        with DSSServer("pki", "accounts.yaml") as dss:
            ...  # connect to 127.0.0.1:dss.port or dss.setup_port
        dss.db.sessions(); dss.transcript.records()   # still readable after stop()

    Args:
        pki_dir: PKI directory written by ``wss mfg dev-pki`` (a path, the ``DevPKI`` that
            ``create_dev_pki`` returned, or a :class:`CloudPKI`).
        accounts: Accounts YAML path, parsed mapping or :class:`Accounts`.
        host: Address to listen on.
        port: Normal DSS port (0 = ephemeral).
        setup_port: Setup-network port of §7.4 (0 = ephemeral, None = not opened).
        db: SQLite file path, ``":memory:"``, or a :class:`StateDB`.
        faults: Faults file path, mapping, list of rules, :class:`FaultPlan` or None.
        transcript: JSON-lines file path, a :class:`Transcript`, or None (memory only).
        credentials_page_size: Credentials per getWifiCredentials page.
        max_state_retries: FAILURE reports per state a session may repeat.
        redact_transcript: Blank secrets in the transcript (ignored if a Transcript is given).
        idle_timeout_s: Close a keep-alive connection idle this long, seconds.
        handshake_timeout_s: Give up a TLS handshake after this long, seconds.

    Raises:
        ConfigError: The PKI directory, accounts or faults are invalid, or the transcript
            file cannot be opened.
        ValueError: A port outside 0..65535, or a page size or retry count out of range.
    """

    def __init__(
        self,
        pki_dir: Any,
        accounts: Union[str, Dict[str, Any], Accounts],
        host: str = "127.0.0.1",
        port: int = 0,
        setup_port: Optional[int] = 0,
        db: Union[str, StateDB] = ":memory:",
        faults: Any = None,
        transcript: Union[None, str, Transcript] = None,
        *,
        credentials_page_size: int = 5,
        max_state_retries: int = 2,
        redact_transcript: bool = True,
        idle_timeout_s: float = 60.0,
        handshake_timeout_s: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        for name, value in (("port", port), ("setup_port", setup_port)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535):
                raise ValueError(f"{name} must be 0..65535 (0 = any free port), got {value!r}")
        self.pki = pki_dir if isinstance(pki_dir, CloudPKI) else CloudPKI(pki_dir)
        self.accounts = load_accounts(accounts)
        self.faults: FaultPlan = load_faults(faults)
        self.signer = CloudSigner(self.pki.cloud_keys())
        self.db = db if isinstance(db, StateDB) else StateDB(db)
        self.transcript = (
            transcript if isinstance(transcript, Transcript) else Transcript(transcript, redact=redact_transcript)
        )
        self.operations = Operations(
            self.db,
            self.accounts,
            credentials_page_size=credentials_page_size,
            max_state_retries=max_state_retries,
            clock=clock,
        )
        self.clock = clock
        self.host = host
        self.idle_timeout_s = idle_timeout_s
        self.handshake_timeout_s = handshake_timeout_s
        self.stopping = threading.Event()
        self._requested = (port, setup_port)
        self._context = server_tls_context(self.pki)
        self.tls_observer = TLSObserver(self._context)
        self._listeners: List[_Listener] = []
        self._threads: List[threading.Thread] = []
        self._live: Set[socket.socket] = set()
        self._workers: Set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def __repr__(self) -> str:
        return f"DSSServer(host={self.host!r}, port={self.port}, setup_port={self.setup_port})"

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> DSSServer:
        """Bind both ports and serve in background threads; return self.

        Raises:
            OSError: A port cannot be bound (e.g. already in use).
        """
        if self._listeners:
            return self
        self.stopping.clear()
        port, setup_port = self._requested
        try:
            self._listeners.append(_Listener((self.host, port), self, "dss"))
            if setup_port is not None:
                self._listeners.append(_Listener((self.host, setup_port), self, "setup"))
        except BaseException:  # OSError (port in use), OverflowError, ...: no listener is left open
            for listener in self._listeners:
                listener.server_close()
            self._listeners = []
            raise
        for listener in self._listeners:
            thread = threading.Thread(
                target=listener.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"wss-cloud-{listener.listener_name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        log.info(
            "local DSS listening on %s",
            ", ".join(f"{server.listener_name}={self.host}:{server.server_address[1]}" for server in self._listeners),
        )
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop listening, close every open connection and wait for the threads.

        The database and the in-memory transcript stay readable; the transcript file is
        closed. Calling stop twice is harmless.

        Args:
            timeout_s: How long to wait for connection threads, seconds.
        """
        self.stopping.set()
        for listener in self._listeners:
            listener.shutdown()
            listener.server_close()
        with self._lock:
            live, workers = list(self._live), list(self._workers)
        for sock in live:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout_s
        for thread in self._threads + workers:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._listeners, self._threads = [], []
        self.transcript.close()

    def close(self) -> None:
        """Stop the server and close the database."""
        self.stop()
        self.db.close()

    def __enter__(self) -> DSSServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # --- addresses and keys ---------------------------------------------------------------

    def _port_of(self, name: str) -> Optional[int]:
        for listener in self._listeners:
            if listener.listener_name == name:
                return listener.server_address[1]
        return None

    @property
    def port(self) -> Optional[int]:
        """The normal DSS port actually bound (None before start)."""
        return self._port_of("dss")

    @property
    def setup_port(self) -> Optional[int]:
        """The setup-network port actually bound (None before start or if disabled)."""
        return self._port_of("setup")

    @property
    def tls_context(self) -> ssl.SSLContext:
        """The server's TLS context, used for every new connection (a test may tighten or
        loosen it, e.g. set ``ssl.OP_*`` options, before the device connects)."""
        return self._context

    @property
    def ca_file(self) -> str:
        """PEM file of the CA that issued the server certificate (for clients' trust)."""
        return self.pki.dss_ca

    def cloud_public_key_der(self, device_type: Optional[str] = None) -> bytes:
        """DER SPKI of the cloud key that signs responses for ``device_type``."""
        return self.signer.public_key_der(device_type)

    # --- called by the listeners ----------------------------------------------------------

    def next_connection_id(self) -> int:
        """Return a fresh connection number (for the transcript)."""
        return next(self._ids)

    def handshake(self, raw: socket.socket, address: Any, listener: _Listener) -> Optional[ssl.SSLSocket]:
        """Run the server TLS handshake on an accepted socket, in the connection's thread.

        Returns:
            The TLS socket, or None if the handshake failed (recorded as ``tls_refused``
            in the transcript — ``client_hello`` false when the peer sent no ClientHello,
            e.g. a TCP reachability probe — and as ``TLS_HANDSHAKE_FAILED`` in the errors
            table). A
            completed handshake is recorded as ``tls_connection`` with what the server
            saw of it (:mod:`wss.cloud.tls_view`: version, cipher, EMS, ETM, SNI, the
            client chain's fingerprints).
        """
        with self._lock:
            self._workers = {t for t in self._workers if t.is_alive()}
            self._workers.add(threading.current_thread())
            self._live.add(raw)
        raw.settimeout(self.handshake_timeout_s)
        tls: Optional[ssl.SSLSocket] = None
        try:
            tls = self._context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
            with self._lock:
                self._live.discard(raw)
                self._live.add(tls)
            tls.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            peer = f"{address[0]}:{address[1]}"
            self.db.record_error(0, "TLS_HANDSHAKE_FAILED", str(reason), peer=peer)
            self.transcript.write(
                "tls_refused",
                listener=listener.listener_name,
                port=listener.server_address[1],
                peer=peer,
                reason=str(reason),
                client_hello=tls is not None and self.tls_observer.saw_client_hello(tls),
            )
            log.info("TLS handshake from %s refused: %s", peer, reason)
            for sock in (tls, raw):
                if sock is not None:
                    self.tls_observer.forget(sock)
                    self.forget(sock)
                    sock.close()
            return None
        tls.settimeout(None)
        self.transcript.write(
            "tls_connection",
            listener=listener.listener_name,
            port=listener.server_address[1],
            peer=f"{address[0]}:{address[1]}",
            **self.tls_observer.view(tls),
        )
        return tls

    def forget(self, sock: socket.socket) -> None:
        """Drop a finished connection from the set :meth:`stop` closes."""
        with self._lock:
            self._live.discard(sock)
