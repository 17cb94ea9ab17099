"""A hostile DSS: the HTTP/TLS client gives up within its deadlines, whatever the server does.

The peer is the OpenSSL test server (Python ``ssl``, client certificates required, the
test PKI) with routes that misbehave on purpose: a body or a header block trickled one
piece at a time (each piece well inside the per-read timeout, so timeouts alone would
wait for ever), an endless run of ``100 Continue`` (fast and slow), a stall after the
headers, chunk extensions that inflate the bytes on the wire. Each case ends with the
documented error (``DeadlineExceeded`` naming the deadline, or ``LimitExceeded``) before
its deadline plus a generous margin. The deadlines here are short (0.6 s) so the module
stays quick; the defaults are in :mod:`wss.deadlines`.

A trickling route gives up by itself after ``TRICKLE_FOR_S``: a client without deadlines
would then see the connection end (``ResponseTruncated``) rather than hang the test run.
"""

from __future__ import annotations

import time

import pytest
from tls_server import TLSTestServer

from wss.crypto import PrivateKey
from wss.errors import ConnectionReset, DeadlineExceeded, LimitExceeded, TransportTimeout
from wss.http import HTTPExecutor, HTTPLimits, HTTPSClient
from wss.tls import TLSConfig, TLSConnection

#: Seconds between two pieces of a trickle: far below the client's per-read timeout.
INTERVAL_S = 0.05
#: How long a trickling route keeps going before it closes the connection itself.
TRICKLE_FOR_S = 6.0
#: The deadlines the clients of this module use, seconds.
DEADLINE_S = 0.6
#: Allowed lateness past a deadline: scheduling on a loaded 2-core machine, TLS close.
MARGIN_S = 2.0
#: The per-read timeout: long, so that only a deadline can end a trickle early.
READ_TIMEOUT_S = 3.0


class HostileServer(TLSTestServer):
    """:class:`TLSTestServer` plus routes that keep a client waiting.

    * ``/trickle-body``      headers announce 100000 bytes; then one byte per interval
    * ``/trickle-headers``   a status line, then one header line per interval
    * ``/continue-fast``     ``100 Continue`` as fast as it can be sent (up to 10 MB)
    * ``/continue-slow``     one ``100 Continue`` per interval
    * ``/stall-body``        headers announcing 10 bytes, then nothing
    * ``/chunk-extensions``  chunked, each 1-byte chunk behind 8 KiB of chunk extension
    """

    def _trickle(self, tls, first: bytes, piece: bytes) -> bool:
        tls.sendall(first)
        end = time.monotonic() + TRICKLE_FOR_S
        while time.monotonic() < end and not self._stop.wait(INTERVAL_S):
            tls.sendall(piece)  # raises once the client has gone: the thread ends
        return False

    def _respond(self, tls, conn, target: str, body: bytes) -> bool:
        route = target.strip("/")
        if route == "trickle-body":
            return self._trickle(tls, b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", b"x")
        if route == "trickle-headers":
            return self._trickle(tls, b"HTTP/1.1 200 OK\r\n", b"X-Slow: a\r\n")
        if route == "continue-slow":
            return self._trickle(tls, b"", b"HTTP/1.1 100 Continue\r\n\r\n")
        if route == "continue-fast":
            burst = b"HTTP/1.1 100 Continue\r\n\r\n" * 4096
            for _ in range(100):
                tls.sendall(burst)
            return False
        if route == "stall-body":
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
            self._stop.wait(TRICKLE_FOR_S)
            return False
        if route == "chunk-extensions":
            tls.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"1;" + b"e" * 8192 + b"\r\nx\r\n"
            for _ in range(2000):
                tls.sendall(chunk)
            return False
        return super()._respond(tls, conn, target, body)


@pytest.fixture
def hostile(pki):
    server = HostileServer(pki.server, pki.dir / "client-root.pem", timeout_s=TRICKLE_FOR_S + 5).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def patient_config(pki):
    """A client whose every single read may wait READ_TIMEOUT_S."""
    return TLSConfig(
        pki.client_chain_pem,
        PrivateKey.from_pem(pki.client_key_pem),
        pki.server_ca_pem,
        handshake_timeout_s=5,
        read_timeout_s=READ_TIMEOUT_S,
        write_timeout_s=5,
    )


def _client(server, config, server_name, **limits) -> HTTPSClient:
    return HTTPSClient("127.0.0.1", server.port, config, server_hostname=server_name, limits=HTTPLimits(**limits))


def _fails_in_time(client: HTTPSClient, route: str, error: type, within_s: float):
    started = time.monotonic()
    with pytest.raises(error) as caught:
        client.request("POST", route, body=b"{}")
    elapsed = time.monotonic() - started
    assert elapsed < within_s + MARGIN_S, f"{route}: gave up after {elapsed:.2f} s, deadline {within_s} s"
    return caught.value, elapsed


@pytest.mark.parametrize("route", ["/trickle-body", "/trickle-headers", "/continue-slow", "/stall-body"])
def test_a_slow_response_ends_at_the_response_deadline(hostile, patient_config, server_name, route):
    with _client(hostile, patient_config, server_name, response_deadline_s=DEADLINE_S) as client:
        error, elapsed = _fails_in_time(client, route, DeadlineExceeded, DEADLINE_S)
        assert "response deadline" in str(error) and error.deadline_s == DEADLINE_S
        assert elapsed >= DEADLINE_S * 0.9  # not cut short by anything else
        assert client._conn is None  # the connection was closed, never reused


def test_the_operation_deadline_bounds_the_whole_request(hostile, patient_config, server_name):
    with _client(
        hostile, patient_config, server_name, response_deadline_s=30.0, operation_deadline_s=DEADLINE_S
    ) as client:
        error, _ = _fails_in_time(client, "/trickle-body", DeadlineExceeded, DEADLINE_S)
        assert "operation deadline" in str(error)


def test_an_endless_run_of_100_continue_is_refused_by_size(hostile, patient_config, server_name):
    """Sent as fast as possible, the 1xx heads add up past the header limit long before
    any deadline."""
    with _client(hostile, patient_config, server_name, response_deadline_s=30.0) as client:
        error, _ = _fails_in_time(client, "/continue-fast", LimitExceeded, 5.0)
        assert "informational (1xx)" in str(error)


def test_chunk_extensions_count_against_the_bytes_on_the_wire(hostile, patient_config, server_name):
    with _client(hostile, patient_config, server_name, max_response_bytes=256 * 1024) as client:
        error, _ = _fails_in_time(client, "/chunk-extensions", LimitExceeded, 5.0)
        assert "on the wire" in str(error)


def test_a_well_behaved_request_after_a_deadline_uses_a_new_connection(hostile, patient_config, server_name):
    with _client(hostile, patient_config, server_name, response_deadline_s=DEADLINE_S) as client:
        _fails_in_time(client, "/stall-body", DeadlineExceeded, DEADLINE_S)
        assert client.request("POST", "/echo", body=b"ok").body == b"ok"
        assert client.connections_opened == 2


def test_the_dss_executor_applies_the_same_deadlines(hostile, patient_config, server_name):
    """What the device's ``ffsHttpExecute`` runs (HTTPExecutor): the same failure."""
    limits = HTTPLimits(response_deadline_s=DEADLINE_S)
    with HTTPExecutor(patient_config, limits=limits, server_hostname=server_name) as executor:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            executor.request("POST", "127.0.0.1", hostile.port, "/trickle-body", [], b"{}")
        assert time.monotonic() - started < DEADLINE_S + MARGIN_S


def test_limits_refuse_nonsense():
    for bad in ({"response_deadline_s": 0}, {"operation_deadline_s": float("nan")}, {"max_response_bytes": 0}):
        with pytest.raises(ValueError):
            HTTPLimits(**bad)


# ---- the same rule where it is enforced: TLSConnection.set_deadline ---------------------


def _connected(server, config, server_name) -> TLSConnection:
    return TLSConnection.connect(config, "127.0.0.1", server.port, server_hostname=server_name)


def test_a_tls_read_ends_at_the_deadline_not_at_its_timeout(hostile, patient_config, server_name):
    with _connected(hostile, patient_config, server_name) as conn:
        conn.set_deadline(time.monotonic() + DEADLINE_S, "test deadline", DEADLINE_S)
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match="test deadline passed") as caught:
            conn.read(100, timeout_s=READ_TIMEOUT_S)  # the server says nothing
        assert time.monotonic() - started < DEADLINE_S + MARGIN_S
        assert caught.value.deadline_s == DEADLINE_S
        with pytest.raises(ConnectionReset):  # unusable afterwards
            conn.read(100)


def test_a_passed_deadline_fails_at_once_without_waiting(hostile, patient_config, server_name):
    with _connected(hostile, patient_config, server_name) as conn:
        conn.set_deadline(time.monotonic() - 1, "gone")
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            conn.write(b"POST /echo HTTP/1.1\r\n\r\n")
        assert time.monotonic() - started < 0.5


def test_removing_the_deadline_restores_the_plain_timeout(hostile, patient_config, server_name):
    with _connected(hostile, patient_config, server_name) as conn:
        conn.set_deadline(time.monotonic() + 60, "far")
        conn.set_deadline(None)
        with pytest.raises(TransportTimeout) as caught:
            conn.read(100, timeout_s=0.2)
        assert not isinstance(caught.value, DeadlineExceeded)
