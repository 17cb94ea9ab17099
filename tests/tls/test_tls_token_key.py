"""Mutual TLS with the device key in a PKCS#11 token (SoftHSM2), against a real OpenSSL server.

The token signs the CertificateVerify message (csrc/wss_pkcs11.c, the pk_info route of
docs/pkcs11.md) on mbedTLS 2.28 and 3.6, TLS 1.3's too on 3.6. The key/certificate check
compares public points, before any TLS, on both lines.
"""

from __future__ import annotations

import pytest
from softhsm_token import GONE_TOKENS, PIN, TOKEN, needs_tls_hook
from tls_server import echo_over_tls

from wss._binding import MBEDTLS_VERSION, lib
from wss.crypto import PrivateKey
from wss.errors import InvalidKey, TLSError
from wss.tls import HAS_TLS13, TLSConfig, TLSConnection

PIN_ENV = "WSS_TEST_TOKEN_PIN"


@pytest.fixture
def token_key(token_pki, monkeypatch):
    monkeypatch.setenv(PIN_ENV, PIN)
    return PrivateKey.from_pkcs11(f"pkcs11:token={TOKEN};object=dha", token_pki["tokens"].module, pin_env=PIN_ENV)


@needs_tls_hook
def test_mutual_tls_with_the_token_key(pki, token_pki, token_key, token_server, server_name):
    config = TLSConfig(token_pki["chain"], token_key, pki.server_ca_pem, handshake_timeout_s=10)
    for _ in range(2):  # the session and its key serve several handshakes
        echo_over_tls(config, token_server.port, server_name)
    assert token_server.peer_subjects == ["TOKENSERIAL01", "TOKENSERIAL01"]  # OpenSSL verified our leaf


@needs_tls_hook
@pytest.mark.skipif(not HAS_TLS13, reason=f"mbedTLS {MBEDTLS_VERSION} has no TLS 1.3; the 3.6 line runs this")
def test_tls13_certificate_verify_signed_by_the_token(pki, token_pki, token_key, token_server, server_name):
    # TLS 1.3 signs a different content (RFC 8446 §4.4.3) through the same pk hook as 1.2's
    config = TLSConfig(token_pki["chain"], token_key, pki.server_ca_pem, handshake_timeout_s=10, tls13=True)
    assert echo_over_tls(config, token_server.port, server_name) == "TLSv1.3"  # the server accepted our signature
    assert token_server.peer_subjects == ["TOKENSERIAL01"]  # OpenSSL verified the leaf and the CertificateVerify


@needs_tls_hook
def test_token_removed_between_handshakes_fails_the_next_one_in_one_line(pki, token_pki, token_server, server_name):
    tokens = token_pki["tokens"]
    pin_file = tokens.dir / "gone-tls.pin"
    pin_file.write_text(PIN + "\n")
    uri = f"pkcs11:token={GONE_TOKENS[1]};object=dha?pin-source=file:{pin_file}"
    config = TLSConfig(token_pki["gone_chain"], PrivateKey.from_pkcs11(uri, tokens.module), pki.server_ca_pem)
    with TLSConnection.connect(config, "127.0.0.1", token_server.port, server_hostname=server_name):
        pass
    tokens.remove(GONE_TOKENS[1])
    with pytest.raises(TLSError) as err:  # the CertificateVerify signature cannot be made
        TLSConnection.connect(config, "127.0.0.1", token_server.port, server_hostname=server_name)
    message = str(err.value)
    assert err.value.code == lib.WSS_ERR_P11_TOKEN_REMOVED and "the token was removed" in message
    assert PIN not in message and "\n" not in message
    assert token_server.peer_subjects == ["TOKENSERIAL02"]


def test_certificate_of_another_key_refused_before_any_tls(pki, token_pki, token_key):
    with pytest.raises(InvalidKey, match="key"):
        TLSConfig(token_pki["software_chain"], token_key, pki.server_ca_pem)


def test_software_key_for_the_token_certificate_refused(pki, token_pki):
    with pytest.raises(InvalidKey):
        TLSConfig(token_pki["chain"], PrivateKey.generate(), pki.server_ca_pem)
