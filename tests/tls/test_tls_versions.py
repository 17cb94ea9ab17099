"""Which TLS version each mbedTLS line negotiates with a real OpenSSL server (protocol §9.1).

The DSS connection is TLS 1.2 with Extended Master Secret and Encrypt-then-MAC by default,
on mbedTLS 2.28 and 3.6 alike, even against a server that speaks TLS 1.3; TLS 1.3 is
offered only when asked for (``TLSConfig(tls13=True)``) on a build that has it (3.6:
`make test-mbedtls36` runs this file there). The peer is Python's ``ssl`` (OpenSSL); the
extensions are read from the handshake messages it saw.
"""

from __future__ import annotations

import socket
import ssl
import threading

import pytest
from test_tls_client import ECHO, _read_response
from test_tls_client import _config as tls_client_config
from tls_server import EXT_ENCRYPT_THEN_MAC, EXT_EXTENDED_MASTER_SECRET

from wss import _binding
from wss.errors import TLSAlertError
from wss.tls import HAS_TLS13, SocketTransport, TLSConfig, TLSConnection

EXT_SUPPORTED_VERSIONS = 43  # RFC 8446 §4.2.1: a client that offers TLS 1.3 sends it
NEEDS_TLS13 = pytest.mark.skipif(
    not HAS_TLS13,
    reason=f"mbedTLS {_binding.MBEDTLS_VERSION} has no TLS 1.3; the 3.6 line runs this (make test-mbedtls36)",
)


def _config(pki, **options) -> TLSConfig:
    return tls_client_config(pki, read_timeout_s=5, write_timeout_s=5, **options)


def _exchange(conn: TLSConnection) -> bytes:
    conn.write(ECHO)
    return _read_response(conn)


def test_the_default_is_tls12_with_ems_even_when_the_server_offers_tls13(server, client_config, server_name):
    assert ssl.HAS_TLSv1_3  # the peer would take TLS 1.3 if it were offered
    assert client_config.tls13 is False
    with TLSConnection.connect(client_config, "127.0.0.1", server.port, server_hostname=server_name) as conn:
        assert conn.version == "TLSv1.2"
        assert _exchange(conn).startswith(b"HTTP/1.1 200 ")
    hello = server.hellos[0]
    assert EXT_SUPPORTED_VERSIONS not in hello.client  # TLS 1.3 not even offered
    assert {EXT_EXTENDED_MASTER_SECRET, EXT_ENCRYPT_THEN_MAC} <= hello.client
    assert EXT_EXTENDED_MASTER_SECRET in hello.server


def test_tls13_asked_of_a_build_without_it_is_refused_by_name(pki):
    if HAS_TLS13:
        assert _config(pki, tls13=True).tls13 is True
        return
    with pytest.raises(
        ValueError, match=rf"tls13=True: this mbedTLS build \({_binding.MBEDTLS_VERSION}\) has no TLS 1.3"
    ):
        _config(pki, tls13=True)


@NEEDS_TLS13
def test_tls13_when_asked_for_and_ems_etm_still_offered_for_a_tls12_server(server, pki, server_name):
    config = _config(pki, tls13=True)
    assert "tls13=True" in repr(config)
    with TLSConnection.connect(config, "127.0.0.1", server.port, server_hostname=server_name) as conn:
        assert conn.version == "TLSv1.3"
        assert conn.cipher_suite.startswith("TLS1-3-")
        assert _exchange(conn).startswith(b"HTTP/1.1 200 ")
    assert server.peer_subjects == ["TESTSERIAL01"]  # the client chain travelled (encrypted) and verified
    hello = server.hellos[0]
    assert {EXT_SUPPORTED_VERSIONS, EXT_EXTENDED_MASTER_SECRET, EXT_ENCRYPT_THEN_MAC} <= hello.client
    assert (
        EXT_EXTENDED_MASTER_SECRET not in hello.server
    )  # TLS 1.3 has no EMS extension: its key schedule binds the transcript


@NEEDS_TLS13
@pytest.mark.parametrize(
    "ciphers,negotiated",
    [
        (None, {EXT_EXTENDED_MASTER_SECRET}),
        ("ECDHE-ECDSA-AES128-SHA256", {EXT_EXTENDED_MASTER_SECRET, EXT_ENCRYPT_THEN_MAC}),
    ],
)
def test_tls13_offered_to_a_tls12_server_falls_back_with_ems_and_etm(
    make_server, pki, server_name, ciphers, negotiated
):
    server = make_server(maximum_version=ssl.TLSVersion.TLSv1_2, ciphers=ciphers)
    with TLSConnection.connect(_config(pki, tls13=True), "127.0.0.1", server.port, server_hostname=server_name) as conn:
        assert conn.version == "TLSv1.2"
        assert _exchange(conn).endswith(b"hello")
    assert negotiated <= server.hellos[0].server


@NEEDS_TLS13
def test_tls13_client_chain_the_server_refuses_is_its_alert(server, pki, server_name):
    # Under TLS 1.3 the server judges the client chain after the client's flight, and its
    # alert is encrypted: it surfaces in the handshake, the first write or the first read,
    # whichever meets it first, and always as the alert, never as a broken pipe.
    rogue = _config(pki, chain=pki.rogue_chain_pem, key=pki.rogue_key_pem, tls13=True)
    with pytest.raises(TLSAlertError) as info:
        with TLSConnection.connect(rogue, "127.0.0.1", server.port, server_hostname=server_name) as conn:
            assert conn.version == "TLSv1.3"
            _exchange(conn)
    assert info.value.alert in ("unknown_ca", "bad_certificate")
    assert server.wait_until(lambda: any("certificate verify failed" in e for e in server.handshake_errors))


@NEEDS_TLS13
def test_tls13_refused_chain_over_the_callback_transport_is_its_alert(server, pki, server_name):
    rogue = _config(pki, chain=pki.rogue_chain_pem, key=pki.rogue_key_pem, tls13=True)
    ours, theirs = socket.socketpair()
    threading.Thread(target=server.serve_socket, args=(theirs,), daemon=True).start()
    with pytest.raises(TLSAlertError) as info:
        with TLSConnection(rogue, server_name, transport=SocketTransport(ours)) as conn:
            conn.handshake()
            _exchange(conn)
    assert info.value.alert in ("unknown_ca", "bad_certificate")
