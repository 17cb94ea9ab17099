"""TCP streams of the mock: real loopback sockets, only while joined, by the network's rule."""

from __future__ import annotations

import os
import socket
import stat
import threading

import pytest
from hal_mock_envs import ap, psk

from hal.errors import NameResolutionError, NetworkUnreachable, StreamRefused, StreamReset
from hal.mock import WifiDriverMock


def joined(*, tcp: object = "internet", hosts=("echo.test",)) -> WifiDriverMock:
    driver = WifiDriverMock(
        {
            "access_points": [ap("Home", "02:00:00:00:00:01", tcp=tcp)],
            "internet": {"hosts": list(hosts), "dss_host": "dss.test"},
        }
    )
    driver.open()
    driver.add_network(psk("Home"))
    driver.connect(timeout_s=5.0)
    return driver


def test_unknown_names_do_not_resolve(echo_port):
    with pytest.raises(NameResolutionError):
        joined().open_tcp_stream("example.com", echo_port)


def test_loopback_literals_and_known_names_connect(echo_port):
    driver = joined()
    for host in ("127.0.0.1", "echo.test"):
        with driver.open_tcp_stream(host, echo_port) as stream:
            stream.sendall(b"hello")
            assert stream.recv(5) == b"hello"


def test_an_explicit_endpoint_list_is_all_a_network_reaches(echo_port):
    driver = joined(tcp=[f"echo.test:{echo_port}", "dss.test:*"])
    driver.open_tcp_stream("echo.test", echo_port).close()
    with pytest.raises(NetworkUnreachable):
        driver.open_tcp_stream("127.0.0.1", echo_port)
    with pytest.raises(StreamRefused):
        driver.open_tcp_stream("dss.test", _closed_port())


def test_the_stream_is_a_real_kernel_socket(echo_port):
    with joined().open_tcp_stream("echo.test", echo_port) as stream:
        assert stat.S_ISSOCK(os.fstat(stream.fileno()).st_mode)


def test_recv_returns_empty_bytes_when_the_peer_closes():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def serve_once() -> None:
        conn, _ = server.accept()
        conn.sendall(b"bye")
        conn.close()

    thread = threading.Thread(target=serve_once)
    thread.start()
    try:
        with joined().open_tcp_stream("127.0.0.1", port, timeout_s=5.0) as stream:
            got = b""
            while True:
                chunk = stream.recv(16)
                if not chunk:
                    break
                got += chunk
            assert got == b"bye"
    finally:
        thread.join()
        server.close()


def test_leaving_the_network_cuts_its_streams(echo_port):
    driver = joined()
    stream = driver.open_tcp_stream("echo.test", echo_port)
    raw = socket.socket(fileno=os.dup(stream.fileno()))
    driver.disconnect()
    with pytest.raises(StreamReset):
        stream.recv(1)
    assert raw.recv(1) == b""  # code driving the fd directly sees the end as well
    raw.close()
    stream.close()


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port
