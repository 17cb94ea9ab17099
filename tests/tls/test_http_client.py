"""wss.http over the mbedTLS client against the OpenSSL + h11 test server."""

from __future__ import annotations

import socket
import threading

import pytest

from wss.crypto import PrivateKey
from wss.errors import (
    ConnectionReset,
    HTTPError,
    LimitExceeded,
    RedirectRefused,
    ResponseTruncated,
    TLSAlertError,
    TransportTimeout,
)
from wss.http import HTTPExecutor, HTTPLimits, HTTPSClient
from wss.tls import SocketTransport, TLSConfig, TLSConnection


@pytest.fixture
def client(server, client_config, server_name):
    with HTTPSClient("127.0.0.1", server.port, client_config, server_hostname=server_name) as c:
        yield c


def _pattern(n: int) -> bytes:
    return bytes(i % 251 for i in range(n))


def test_post_round_trip(client, server):
    response = client.request("POST", "/echo", [("Content-type", "application/json")], b'{"a":1}')
    assert response.status == 200
    assert response.body == b'{"a":1}'
    assert response.header("X-AMZN-DSS-SIGNATURE") == "c2ln"
    assert ("x-amzn-dss-signature", "c2ln") in response.headers  # server's own spelling kept
    assert ("X-Amzn-RequestId", "test-1") in response.headers
    assert server.peer_subjects == ["TESTSERIAL01"]


def test_64_kib_bodies_both_ways(client):
    body = _pattern(64 * 1024)
    assert client.request("POST", "/echo", body=body).body == body
    assert client.request("GET", "/bytes/65536").body == body


def test_100_requests_share_one_keep_alive_connection(client, server):
    for i in range(100):
        payload = f"request {i}".encode()
        assert client.request("POST", "/echo", body=payload).body == payload
    assert client.connections_opened == 1
    assert server.connections == 1 and len(server.hellos) == 1
    assert server.requests == 100


def test_server_closing_mid_body_is_a_truncated_response(client):
    with pytest.raises(ResponseTruncated):
        client.request("GET", "/truncate/1000/100")


def test_server_stall_is_a_timeout(make_server, pki, server_name):
    server = make_server()
    cfg = TLSConfig(
        pki.client_chain_pem, PrivateKey.from_pem(pki.client_key_pem), pki.server_ca_pem, read_timeout_s=0.3
    )
    with HTTPSClient("127.0.0.1", server.port, cfg, server_hostname=server_name) as client:
        with pytest.raises(TransportTimeout):
            client.request("POST", "/stall", body=b"x")


def test_reset_is_a_connection_reset(client):
    with pytest.raises(ConnectionReset):
        client.request("GET", "/reset")


def test_redirects_are_refused(client):
    with pytest.raises(RedirectRefused) as info:
        client.request("POST", "/redirect", body=b"{}")
    assert info.value.status == 308
    assert info.value.location == "https://elsewhere.test/api"
    # the refused response was read completely: the connection goes on
    assert client.request("POST", "/echo", body=b"after").body == b"after"
    assert client.connections_opened == 1


def test_header_limit(server, client_config, server_name):
    limits = HTTPLimits(max_header_bytes=4096)
    with HTTPSClient("127.0.0.1", server.port, client_config, server_hostname=server_name, limits=limits) as client:
        assert client.request("GET", "/big-headers/1000").body == b"ok"
        with pytest.raises(LimitExceeded, match="header"):
            client.request("GET", "/big-headers/8000")


def test_body_limit(server, client_config, server_name):
    limits = HTTPLimits(max_body_bytes=2048)
    with HTTPSClient("127.0.0.1", server.port, client_config, server_hostname=server_name, limits=limits) as client:
        assert len(client.request("GET", "/bytes/2048").body) == 2048
        with pytest.raises(LimitExceeded, match="body"):
            client.request("GET", "/bytes/2049")


def test_idle_connection_closed_by_server_is_reopened(client, server):
    assert client.request("GET", "/close-after").body == b"bye"
    assert server.idle_closed.wait(5)
    assert client.request("POST", "/echo", body=b"again").body == b"again"
    assert client.connections_opened == 2 and server.connections == 2


def test_connection_close_response_then_a_new_connection(client, server):
    assert client.request("GET", "/close").body == b"closing"
    assert client.request("POST", "/echo", body=b"next").body == b"next"
    assert client.connections_opened == 2 and server.connections == 2


def test_tls_alert_reaches_the_http_caller(server, pki, server_name):
    rogue = TLSConfig(pki.rogue_chain_pem, PrivateKey.from_pem(pki.rogue_key_pem), pki.server_ca_pem)
    with HTTPSClient("127.0.0.1", server.port, rogue, server_hostname=server_name) as client:
        with pytest.raises(TLSAlertError) as info:
            client.request("POST", "/echo", body=b"x")
    assert info.value.alert in ("unknown_ca", "bad_certificate")


def test_non_http_answer_is_an_http_error(client):
    with pytest.raises(HTTPError, match="malformed"):
        client.request("GET", "/garbage")


def _handshaken(config, name, sock):
    conn = TLSConnection(config, name, transport=SocketTransport(sock))
    conn.handshake()
    return conn


def test_same_exchange_over_the_callback_transport(make_server, client_config, server_name):
    server = make_server()
    opened = []

    def connect():
        ours, theirs = socket.socketpair()
        threading.Thread(target=server.serve_socket, args=(theirs,), daemon=True).start()
        opened.append(ours)
        return _handshaken(client_config, server_name, ours)

    with HTTPSClient("dss", 443, connect=connect) as client:
        body = _pattern(64 * 1024)
        assert client.request("POST", "/echo", body=body).body == body
        for i in range(10):
            assert client.request("POST", "/echo", body=b"%d" % i).body == b"%d" % i
    assert len(opened) == 1 and server.requests == 11


class TestExecutor:
    """The transport of ffsHttpExecute (protocol §3.1 row 12): the whole response, kept-alive."""

    def _executor(self, client_config, server_name):
        return HTTPExecutor(client_config, server_hostname=server_name)

    def test_the_whole_response_with_headers_in_order(self, server, client_config, server_name):
        with self._executor(client_config, server_name) as executor:
            response = executor.request(
                "POST", "127.0.0.1", server.port, "/echo", (("Content-type", "application/json"),), b'{"n":2}'
            )
            assert (response.status, response.body) == (200, b'{"n":2}')
            assert response.header("x-amzn-dss-signature") == "c2ln"
            assert ("x-amzn-dss-signature", "c2ln") in list(response.headers)
            executor.request("POST", "127.0.0.1", server.port, "/echo", None, b"again", "HTTPS")
        assert server.connections == 1

    def test_consecutive_operations_reuse_the_connection(self, server, client_config, server_name):
        with self._executor(client_config, server_name) as executor:
            for i in range(3):
                response = executor.request("POST", "127.0.0.1", server.port, "/echo", None, b"op%d" % i)
                assert response.body == b"op%d" % i
        assert server.connections == 1

    def test_a_redirect_is_refused(self, server, client_config, server_name):
        with self._executor(client_config, server_name) as executor:
            with pytest.raises(RedirectRefused):
                executor.request("POST", "127.0.0.1", server.port, "/redirect", None, b"")

    def test_only_https(self, client_config, server_name):
        for scheme in ("http", "ftp"):
            with pytest.raises(ValueError, match="https"):
                self._executor(client_config, server_name).request(
                    "POST", "127.0.0.1", 80, "/", None, b"", scheme=scheme
                )
