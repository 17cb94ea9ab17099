"""Fixtures for the TLS and HTTP tests: a test PKI, client configurations, a real server."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from softhsm_token import GONE_TOKENS, NO_TLS_HOOK, PIN, TOKEN, session_tokens
from tls_pki import SERVER_NAME, client_chain, leaf_for_key, make_pki
from tls_server import TLSTestServer

from wss.crypto import PrivateKey
from wss.tls import TLSConfig


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    pki = make_pki(tmp_path_factory.mktemp("tls-pki"))
    (pki.dir / "client-root.pem").write_bytes(pki.client_root_pem)
    return pki


@pytest.fixture(scope="session", params=["software-key", "token-key"])
def client_config(request, pki, tmp_path_factory):
    """The device's configuration: good chain, trusts the DSS CA, short timeouts. Every
    test that uses it runs twice: with the key in the core (PEM) and with the key in a
    PKCS#11 token (SoftHSM2, docs/pkcs11.md), whose leaf has the same subject and issuers."""
    if request.param == "software-key":
        chain, key = pki.client_chain_pem, PrivateKey.from_pem(pki.client_key_pem)
    else:
        chain, key = _token_client(pki, tmp_path_factory)
    return TLSConfig(
        chain,
        key,
        pki.server_ca_pem,
        handshake_timeout_s=5,
        read_timeout_s=5,
        write_timeout_s=5,
    )


def _token_client(pki, tmp_path_factory):
    """The client chain and key with the key in the test token: skipped, naming why, where
    this mbedTLS cannot sign a handshake with a token key."""
    if NO_TLS_HOOK is not None:
        pytest.skip(NO_TLS_HOOK)
    tokens = session_tokens(tmp_path_factory)
    pin_file = tokens.dir / "tls-client.pin"
    pin_file.write_text(PIN + "\n")
    key = PrivateKey.from_pkcs11(f"pkcs11:token={TOKEN};object=dha?pin-source=file:{pin_file}", tokens.module)
    dak, *_ = pki.client_cas
    leaf = leaf_for_key("TESTSERIAL01", key.public_key_der(), dak).public_bytes(serialization.Encoding.PEM)
    return leaf + b"".join(c.cert_pem() for c in pki.client_cas), key


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


@pytest.fixture(scope="session")
def token_pki(tmp_path_factory):
    """A DHA-shaped chain whose leaf certifies the token key's public point."""
    tokens = session_tokens(tmp_path_factory)
    root, (software_leaf, *cas) = client_chain("Token DHA")
    pem = serialization.Encoding.PEM
    ca_pem = b"".join(c.cert_pem() for c in cas)

    def chain(cn: str, token: str) -> bytes:
        return leaf_for_key(cn, tokens.public_key_der("01", token=token), cas[0]).public_bytes(pem) + ca_pem

    folder = tmp_path_factory.mktemp("token-pki")
    (folder / "root.pem").write_bytes(root.cert_pem())
    return {
        "tokens": tokens,
        "chain": chain("TOKENSERIAL01", TOKEN),
        "gone_chain": chain("TOKENSERIAL02", GONE_TOKENS[1]),
        "software_chain": software_leaf.cert_pem() + ca_pem,
        "root": folder / "root.pem",
    }


@pytest.fixture
def token_server(pki, token_pki):
    server = TLSTestServer(pki.server, token_pki["root"]).start()
    yield server
    server.stop()
