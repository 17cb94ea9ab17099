"""Fixtures for the TLS and HTTP tests: a test PKI, client configurations, a real server."""

from __future__ import annotations

import pytest
from tls_pki import SERVER_NAME, make_pki
from tls_server import TLSTestServer

from wss.crypto import PrivateKey
from wss.tls import TLSConfig


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    pki = make_pki(tmp_path_factory.mktemp("tls-pki"))
    (pki.dir / "client-root.pem").write_bytes(pki.client_root_pem)
    return pki


@pytest.fixture(scope="session")
def client_config(pki):
    """The device's configuration: good chain, trusts the DSS CA, short timeouts."""
    return TLSConfig(
        pki.client_chain_pem,
        PrivateKey.from_pem(pki.client_key_pem),
        pki.server_ca_pem,
        handshake_timeout_s=5,
        read_timeout_s=5,
        write_timeout_s=5,
    )


@pytest.fixture
def make_server(pki):
    """Start TLSTestServer(s); ``make_server(cert=..., **options)``. Stopped after the test."""
    servers = []

    def start(cert=None, **options):
        server = TLSTestServer(cert or pki.server, pki.dir / "client-root.pem", **options)
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server):
    return make_server()


@pytest.fixture
def server_name():
    return SERVER_NAME
