"""Mutual TLS: client certificates are required and verified against the DHA root (§9)."""

from __future__ import annotations

import socket
import ssl
import time

import h11
import pytest
from cloud_client import DSS_HOST, DSSClient, Flow


def _no_http_answer(client: DSSClient) -> None:
    """The refused client gets no HTTP response: TLS 1.3 reports the alert on first read."""
    with pytest.raises((ssl.SSLError, ConnectionError, h11.RemoteProtocolError)):
        client.post("startProvisioningSession", {"nonce": "n"})


def refusals(server, count: int = 1) -> list:
    """The server records a refusal right after sending its alert: wait for it (bounded)."""
    deadline = time.monotonic() + 5
    while len(server.transcript.records("tls_refused")) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return server.transcript.records("tls_refused")


def test_unknown_client_certificate_is_refused(server, other_pki, pki) -> None:
    try:
        client = DSSClient(server.port, other_pki.device.folder, pki.dss_ca)
    except (ssl.SSLError, ConnectionError):
        client = None  # refused during the handshake (TLS 1.2)
    if client is not None:
        _no_http_answer(client)
        client.close()
    refused = refusals(server)
    assert len(refused) == 1 and refused[0]["listener"] == "dss"
    assert "CERTIFICATE" in refused[0]["reason"].upper()
    assert server.db.errors()[-1]["code"] == "TLS_HANDSHAKE_FAILED"
    assert server.db.sessions() == [] and server.transcript.records("exchange") == []


def test_no_client_certificate_is_refused(server, pki) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=str(pki.dss_ca))
    raw = socket.create_connection(("127.0.0.1", server.setup_port), timeout=10)
    with pytest.raises((ssl.SSLError, ConnectionError)):
        tls = context.wrap_socket(raw, server_hostname=DSS_HOST)
        tls.sendall(b"POST /api/v1/startProvisioningSession HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        if not tls.recv(1024):
            raise ConnectionError("closed without an answer")
    raw.close()
    assert [r["listener"] for r in refusals(server)] == ["setup"]


def test_tls_1_2_client_as_on_mbedtls_devices(server, connect, cloud_pem) -> None:
    client = connect(server.port)
    client.close()
    client.context.maximum_version = ssl.TLSVersion.TLSv1_2
    client.sock = client.context.wrap_socket(
        socket.create_connection(("127.0.0.1", server.port)), server_hostname=DSS_HOST
    )
    client.h11 = h11.Connection(h11.CLIENT)
    assert client.sock.version() == "TLSv1.2"
    answer = Flow(client, cloud_pem).start()
    assert answer["canProceed"] is True


def test_identity_comes_from_the_certificate_not_the_json(server, connect, cloud_pem, pki) -> None:
    flow = Flow(connect(server.port, pki.devices[4].folder), cloud_pem, serial="FAKE-SERIAL")
    flow.start()
    flow.report("START_PROVISIONING")
    row = server.db.session(flow.session_id)
    assert row["serial"] == pki.devices[4].serial and row["device_type"] == pki.device_type
    client = server.transcript.records("exchange")[-1]["client"]
    assert client["serial"] == pki.devices[4].serial


def test_server_certificate_is_valid_for_the_dss_host(server, connect) -> None:
    client = connect(server.port)
    names = [value for kind, value in client.sock.getpeercert()["subjectAltName"] if kind == "DNS"]
    assert DSS_HOST in names
