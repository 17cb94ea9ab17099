"""A DSS reached by IP address: no SNI, and the address must be an iPAddress SAN of the
server certificate (RFC 6066 §3, RFC 5280 §4.2.1.6) — checked by the C core for every
mbedTLS version (mbedTLS 2.28 compares names as text and never matches an address).

The peer is the OpenSSL test server listening on 127.0.0.1 or ::1; ``wss provision
--dss [::1]:PORT`` ends up here with the host ``::1`` (brackets removed by the CLI).
"""

from __future__ import annotations

import socket

import pytest

from wss.crypto import PrivateKey
from wss.errors import CertificateVerifyError
from wss.tls import BADCERT_CN_MISMATCH, BADCERT_EXPIRED, TLSConfig, TLSConnection


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def _config(pki, **options) -> TLSConfig:
    return TLSConfig(
        pki.client_chain_pem,
        PrivateKey.from_pem(pki.client_key_pem),
        pki.server_ca_pem,
        handshake_timeout_s=5,
        **options,
    )


def _handshake(server, pki, address: str, **options) -> None:
    with TLSConnection.connect(_config(pki, **options), address, server.port) as conn:
        assert conn.version.startswith("TLS")


def test_an_address_in_the_certificate_is_accepted_without_sni(make_server, pki):
    server = make_server(cert=pki.address_server)
    _handshake(server, pki, "127.0.0.1")
    assert server.wait_until(lambda: server.sni == [None])  # no SNI for an address


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback (::1) to listen on")
def test_an_ipv6_address_in_the_certificate_is_accepted(make_server, pki):
    server = make_server(cert=pki.address_server, host="::1")
    _handshake(server, pki, "::1")


@pytest.mark.parametrize("cert", ["server", "other_address_server"])
def test_an_address_missing_from_the_certificate_is_a_name_mismatch(make_server, pki, cert):
    """``server`` has DNS names only (its text "localhost" must not match 127.0.0.1);
    ``other_address_server`` has 127.0.0.2 (the bytes must be equal, not just similar)."""
    server = make_server(cert=getattr(pki, cert))
    with pytest.raises(CertificateVerifyError) as caught:
        _handshake(server, pki, "127.0.0.1")
    assert caught.value.flags & BADCERT_CN_MISMATCH


def test_skipping_time_checks_still_applies_to_a_server_reached_by_address(make_server, pki):
    server = make_server(cert=pki.expired_address_server)
    with pytest.raises(CertificateVerifyError) as caught:
        _handshake(server, pki, "127.0.0.1")
    assert caught.value.flags & BADCERT_EXPIRED and not caught.value.flags & BADCERT_CN_MISMATCH
    _handshake(server, pki, "127.0.0.1", skip_time_checks=True)


def test_a_host_name_still_goes_into_sni(make_server, pki, server_name):
    server = make_server(cert=pki.address_server)
    with TLSConnection.connect(_config(pki), "127.0.0.1", server.port, server_hostname=server_name):
        pass
    assert server.wait_until(lambda: server.sni == [server_name])
