"""Server lifecycle: stop closes idle keep-alive connections and frees the ports;
state stays readable; requests the HTTP parser refuses still get a signed JSON answer."""

from __future__ import annotations

import socket
import threading

from cloud_client import Flow, Reply, verify_signature

from wss.cloud import DSSServer


def test_stop_closes_idle_connections_and_frees_the_ports(pki, accounts, connect, cloud_pem) -> None:
    server = DSSServer(pki.folder, accounts).start()
    client = connect(server.port)
    Flow(client, cloud_pem).start()
    ports = (server.port, server.setup_port)
    server.stop()
    client.sock.settimeout(10)
    assert client.sock.recv(1) == b""  # the idle keep-alive connection was closed
    assert not [t for t in threading.enumerate() if t.name.startswith("wss-cloud")]
    for port in ports:  # both ports can be bound again
        probe = socket.socket()
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.close()
    assert len(server.db.sessions()) == 1 and len(server.transcript.records("exchange")) == 1
    server.stop()  # harmless twice


def test_restart_on_the_same_ports(pki, accounts, connect, cloud_pem) -> None:
    with DSSServer(pki.folder, accounts) as first:
        ports = (first.port, first.setup_port)
    with DSSServer(pki.folder, accounts, port=ports[0], setup_port=ports[1]) as second:
        assert (second.port, second.setup_port) == ports
        assert Flow(connect(second.setup_port), cloud_pem).start()["canProceed"] is True


def test_setup_port_can_be_disabled(pki, accounts) -> None:
    with DSSServer(pki.folder, accounts, setup_port=None) as server:
        assert server.port and server.setup_port is None


def test_unparseable_request_line_gets_a_signed_json_400(server, connect, cloud_pem) -> None:
    client = connect(server.port)
    client.sock.sendall(b"THIS IS NOT HTTP\r\n\r\n")
    data = b""
    while True:  # the server closes after a parse error
        chunk = client.sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 400 ")
    signature = [
        line.split(b": ", 1)[1].decode() for line in head.split(b"\r\n") if line.startswith(b"x-amzn-dss-signature: ")
    ]
    verify_signature(Reply(400, [("x-amzn-dss-signature", signature[0])], body, head), cloud_pem)
    assert b'"errorCode":"BAD_REQUEST"' in body
    assert server.db.errors()[-1]["code"] == "BAD_REQUEST"
