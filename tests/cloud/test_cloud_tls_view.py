"""What the DSS sees of each handshake (wss.cloud.tls_view), against OpenSSL clients (Python ssl)."""

from __future__ import annotations

import hashlib
import socket
import ssl
import struct
import time

import pytest
from cloud_client import DSS_HOST, client_context

from wss.cloud.tls_view import certificate_list, hello_extensions

#: OpenSSL 3's SSL_OP_NO_EXTENDED_MASTER_SECRET (ssl.h: SSL_OP_BIT(0)); Python's ssl has no name for it.
OP_NO_EXTENDED_MASTER_SECRET = 1 << 0


def _handshake(port, pki, *, version=None, ciphers=None, sni=DSS_HOST) -> None:
    context = client_context(pki.device.folder, pki.dss_ca)
    if version is not None:
        context.maximum_version = version
    if ciphers is not None:
        context.set_ciphers(ciphers)
    if sni is None:
        context.check_hostname = False
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=sni) as tls:
            tls.do_handshake()


def _views(server, count: int = 1) -> list:
    """The server writes the record in its connection thread: wait for it (bounded)."""
    deadline = time.monotonic() + 5
    while len(server.transcript.records("tls_connection")) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return server.transcript.records("tls_connection")


def _chain(pki) -> list:
    text = pki.device.certificate.read_text()
    blocks = [b + "-----END CERTIFICATE-----" for b in text.split("-----END CERTIFICATE-----")[:-1]]
    return [hashlib.sha256(ssl.PEM_cert_to_DER_cert(b.strip())).hexdigest() for b in blocks]


def test_a_tls_13_handshake_is_recorded_with_the_client_chain_and_sni(server, pki):
    _handshake(server.port, pki)
    (view,) = _views(server)
    assert view["version"] == "TLSv1.3" and view["cipher"].startswith("TLS_")
    assert view["sni"] == DSS_HOST and view["listener"] == "dss" and view["hellos_observed"]
    assert view["client_chain_sha256"] == _chain(pki) and len(view["client_chain_sha256"]) == 4
    assert "extended_master_secret" in view["offered"] and view["negotiated"] == []  # TLS 1.3 has no EMS extension
    assert view["problems"] == []


def test_a_tls_12_handshake_shows_ems_negotiated_and_etm_only_with_cbc(server, pki):
    _handshake(server.port, pki, version=ssl.TLSVersion.TLSv1_2)
    _handshake(server.setup_port, pki, version=ssl.TLSVersion.TLSv1_2, ciphers="ECDHE-ECDSA-AES128-SHA256")
    gcm, cbc = _views(server, 2)
    assert gcm["version"] == "TLSv1.2" and "GCM" in gcm["cipher"]
    assert gcm["offered"] == ["encrypt_then_mac", "extended_master_secret"]
    assert gcm["negotiated"] == ["extended_master_secret"]  # no ETM with an AEAD suite (RFC 7366 §3)
    assert cbc["cipher"] == "ECDHE-ECDSA-AES128-SHA256" and cbc["listener"] == "setup"
    assert cbc["negotiated"] == ["encrypt_then_mac", "extended_master_secret"]
    assert gcm["client_chain_sha256"] == cbc["client_chain_sha256"] == _chain(pki)


@pytest.mark.skipif(ssl.OPENSSL_VERSION_INFO < (3, 0), reason="needs OpenSSL 3 (SSL_OP_NO_EXTENDED_MASTER_SECRET)")
def test_a_server_without_ems_shows_it_in_the_record(server, pki):
    server.tls_context.options |= OP_NO_EXTENDED_MASTER_SECRET
    _handshake(server.port, pki, version=ssl.TLSVersion.TLSv1_2, sni=None)
    (view,) = _views(server)
    assert "extended_master_secret" in view["offered"] and view["negotiated"] == [] and view["sni"] is None


def _refused(server, count: int) -> list:
    deadline = time.monotonic() + 5
    while len(server.transcript.records("tls_refused")) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return server.transcript.records("tls_refused")


def test_a_refused_handshake_leaves_no_record_behind_and_says_a_hello_came(server, other_pki, pki):
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _handshake(server.port, other_pki, version=ssl.TLSVersion.TLSv1_2)
    (refused,) = _refused(server, 1)
    assert refused["client_hello"] is True
    assert server.transcript.records("tls_connection") == [] and server.tls_observer._seen == {}


def test_a_bare_tcp_connection_is_told_apart_from_a_refused_handshake(server):
    socket.create_connection(("127.0.0.1", server.setup_port), timeout=10).close()  # a reachability probe
    (probe,) = _refused(server, 1)
    assert probe["client_hello"] is False and probe["listener"] == "setup"


def _hello(kind: int, extensions: bytes) -> bytes:
    body = b"\x03\x03" + bytes(32) + b"\x00"  # version, random, empty session id
    body += b"\x00\x02\x13\x01\x01\x00" if kind == 1 else b"\x13\x01\x00"  # suites + compression, or the chosen ones
    body += struct.pack("!H", len(extensions)) + extensions
    return bytes([kind]) + len(body).to_bytes(3, "big") + body


def test_hello_and_certificate_parsers_on_hand_made_messages():
    extensions = struct.pack("!HH", 0x0017, 0) + struct.pack("!HH", 0x0016, 0) + struct.pack("!HH", 0x0000, 1) + b"\x00"
    assert hello_extensions(_hello(1, extensions)) == {0x17, 0x16, 0x00}
    assert hello_extensions(_hello(2, b"")) == set()
    with pytest.raises(ValueError, match="cut short"):
        hello_extensions(_hello(1, extensions)[:20])
    with pytest.raises(ValueError, match="not a hello"):
        hello_extensions(b"\x0b\x00\x00\x00")
    certs = [b"first-der", b"second"]
    tls12 = b"".join(len(c).to_bytes(3, "big") + c for c in certs)
    message12 = b"\x0b" + (len(tls12) + 3).to_bytes(3, "big") + len(tls12).to_bytes(3, "big") + tls12
    assert certificate_list(message12, tls13=False) == certs
    tls13 = b"".join(len(c).to_bytes(3, "big") + c + b"\x00\x00" for c in certs)
    message13 = b"\x0b" + (len(tls13) + 4).to_bytes(3, "big") + b"\x00" + len(tls13).to_bytes(3, "big") + tls13
    assert certificate_list(message13, tls13=True) == certs
    with pytest.raises(ValueError, match="cut short"):
        certificate_list(message12[:-3], tls13=False)
