"""The mbedTLS client against a real OpenSSL server that verifies the client chain."""

from __future__ import annotations

import logging
import signal
import socket
import threading

import pytest
from tls_server import EXT_ENCRYPT_THEN_MAC, EXT_EXTENDED_MASTER_SECRET

from wss.crypto import PrivateKey
from wss.errors import CertificateVerifyError, ConnectionReset, InvalidKey, TLSAlertError, TLSError, TransportTimeout
from wss.tls import (
    BADCERT_CN_MISMATCH,
    BADCERT_EXPIRED,
    BADCERT_NOT_TRUSTED,
    CallableTransport,
    SocketTransport,
    TLSConfig,
    TLSConnection,
)

ECHO = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"


def _config(pki, chain=None, key=None, trust=None, **options):
    options.setdefault("handshake_timeout_s", 5)
    return TLSConfig(
        chain or pki.client_chain_pem,
        PrivateKey.from_pem(key or pki.client_key_pem),
        trust or pki.server_ca_pem,
        **options,
    )


def _read_response(conn: TLSConnection) -> bytes:
    data = b""
    while not data.endswith(b"hello"):
        chunk = conn.read()
        assert chunk, "connection closed before the echo arrived"
        data += chunk
    return data


def test_mutual_tls_exchange_with_ems_and_etm_offered(server, client_config, server_name):
    with TLSConnection.connect(client_config, "127.0.0.1", server.port, server_hostname=server_name) as conn:
        assert conn.version == "TLSv1.2"
        conn.write(ECHO)
        assert _read_response(conn).startswith(b"HTTP/1.1 200 ")
    assert server.peer_subjects == ["TESTSERIAL01"]  # the server verified our leaf
    assert server.sni == [server_name]
    hello = server.hellos[0]
    assert {EXT_EXTENDED_MASTER_SECRET, EXT_ENCRYPT_THEN_MAC} <= hello.client
    assert EXT_EXTENDED_MASTER_SECRET in hello.server  # EMS negotiated with an AEAD suite


def test_encrypt_then_mac_negotiated_with_a_cbc_suite(make_server, client_config, server_name):
    # RFC 7366 applies to CBC suites only: with one, the server must echo ETM, and the
    # exchange only works if both sides then really MAC the ciphertext.
    server = make_server(ciphers="ECDHE-ECDSA-AES128-SHA256")
    with TLSConnection.connect(client_config, "127.0.0.1", server.port, server_hostname=server_name) as conn:
        assert "CBC" in conn.cipher_suite
        conn.write(ECHO)
        assert _read_response(conn).endswith(b"hello")
    assert {EXT_ENCRYPT_THEN_MAC, EXT_EXTENDED_MASTER_SECRET} <= server.hellos[0].server


def test_untrusted_server_ca_is_rejected(make_server, pki, server_name):
    server = make_server(cert=pki.untrusted_server)
    with pytest.raises(CertificateVerifyError) as info:
        TLSConnection.connect(_config(pki), "127.0.0.1", server.port, server_hostname=server_name)
    assert info.value.flags & BADCERT_NOT_TRUSTED
    assert any("trusted" in reason for reason in info.value.reasons)


def test_host_name_mismatch_is_rejected(server, client_config):
    with pytest.raises(CertificateVerifyError) as info:
        TLSConnection.connect(client_config, "127.0.0.1", server.port, server_hostname="not-the-dss.test")
    assert info.value.flags & BADCERT_CN_MISMATCH
    assert not info.value.flags & BADCERT_NOT_TRUSTED


def test_expired_server_certificate_rejected_then_accepted_without_time_checks(make_server, pki, server_name, caplog):
    server = make_server(cert=pki.expired_server)
    with pytest.raises(CertificateVerifyError) as info:
        TLSConnection.connect(_config(pki), "127.0.0.1", server.port, server_hostname=server_name)
    assert info.value.flags & BADCERT_EXPIRED
    with caplog.at_level(logging.WARNING, logger="wss.tls"):
        lenient = _config(pki, skip_time_checks=True)
    assert any("time checks are OFF" in r.getMessage() for r in caplog.records)
    with TLSConnection.connect(lenient, "127.0.0.1", server.port, server_hostname=server_name) as conn:
        conn.write(ECHO)
        assert _read_response(conn).endswith(b"hello")


def test_time_checks_off_still_rejects_an_untrusted_ca(make_server, pki, server_name):
    server = make_server(cert=pki.untrusted_server)
    with pytest.raises(CertificateVerifyError) as info:
        TLSConnection.connect(
            _config(pki, skip_time_checks=True), "127.0.0.1", server.port, server_hostname=server_name
        )
    assert info.value.flags & BADCERT_NOT_TRUSTED


def test_client_chain_the_server_does_not_trust(server, pki, server_name):
    rogue = _config(pki, chain=pki.rogue_chain_pem, key=pki.rogue_key_pem)
    with pytest.raises(TLSAlertError) as info:
        TLSConnection.connect(rogue, "127.0.0.1", server.port, server_hostname=server_name)
    assert info.value.alert in ("unknown_ca", "bad_certificate")
    assert info.value.alert in str(info.value)
    assert server.wait_until(lambda: any("certificate verify failed" in e for e in server.handshake_errors))


def test_untrusted_client_chain_over_the_callback_transport(server, pki, server_name):
    rogue = _config(pki, chain=pki.rogue_chain_pem, key=pki.rogue_key_pem)
    ours, theirs = socket.socketpair()
    threading.Thread(target=server.serve_socket, args=(theirs,), daemon=True).start()
    with TLSConnection(rogue, server_name, transport=SocketTransport(ours)) as conn:
        with pytest.raises(TLSAlertError) as info:
            conn.handshake()
    assert info.value.alert in ("unknown_ca", "bad_certificate")


def test_callback_transport_over_a_socketpair(pki, make_server, client_config, server_name):
    server = make_server()
    ours, theirs = socket.socketpair()
    threading.Thread(target=server.serve_socket, args=(theirs,), daemon=True).start()
    with TLSConnection(client_config, server_name, transport=SocketTransport(ours)) as conn:
        conn.handshake()
        conn.write(ECHO)
        assert _read_response(conn).startswith(b"HTTP/1.1 200 ")
    assert server.peer_subjects == ["TESTSERIAL01"]
    assert {EXT_EXTENDED_MASTER_SECRET, EXT_ENCRYPT_THEN_MAC} <= server.hellos[0].client


def test_plain_callables_carry_the_handshake(make_server, client_config, server_name):
    server = make_server()
    ours, theirs = socket.socketpair()
    threading.Thread(target=server.serve_socket, args=(theirs,), daemon=True).start()
    inner = SocketTransport(ours)
    calls = {"send": 0, "recv": 0}

    def send(data, timeout_s):
        calls["send"] += 1
        return inner.send(data, timeout_s)

    def recv(n, timeout_s):
        calls["recv"] += 1
        return inner.recv(n, timeout_s)

    with TLSConnection(client_config, server_name, transport=CallableTransport(send, recv, inner.close)) as conn:
        conn.handshake()
        conn.write(ECHO)
        assert _read_response(conn).endswith(b"hello")
    assert calls["send"] >= 3 and calls["recv"] >= 2


def test_callback_transport_errors_propagate(client_config, server_name):
    def send(data, timeout_s):
        raise ConnectionReset("link to the co-processor dropped")

    transport = CallableTransport(send, lambda n, t: b"")
    conn = TLSConnection(client_config, server_name, transport=transport)
    with pytest.raises(ConnectionReset, match="co-processor"):
        conn.handshake()
    conn.close()


def test_callback_transport_timeout(pki, server_name):
    ours, theirs = socket.socketpair()  # nobody answers on the other end
    cfg = _config(pki, handshake_timeout_s=0.3)
    conn = TLSConnection(cfg, server_name, transport=SocketTransport(ours))
    with pytest.raises(TransportTimeout):
        conn.handshake()
    conn.close()
    theirs.close()


def test_non_tls_bytes_fail_the_handshake(make_server, client_config, server_name):
    server = make_server(raw=True)
    with pytest.raises(TLSError) as info:
        TLSConnection.connect(client_config, "127.0.0.1", server.port, server_hostname=server_name)
    assert not isinstance(info.value, (TLSAlertError, CertificateVerifyError))
    assert info.value.code < 0


def test_handshake_times_out_when_the_server_is_silent(pki, server_name):
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        cfg = _config(pki, handshake_timeout_s=0.3)
        with pytest.raises(TransportTimeout, match="handshake"):
            TLSConnection.connect(cfg, "127.0.0.1", listener.getsockname()[1], server_hostname=server_name)
    finally:
        listener.close()


class _Interrupted(Exception):
    pass


def test_a_signal_handler_runs_during_a_blocked_handshake(pki, server_name):
    # The wait happens in C with the GIL released; a signal must not be held back until the
    # 30 s timeout: the handler runs and its exception ends the handshake.
    listener = socket.create_server(("127.0.0.1", 0))

    def handler(signum, frame):
        raise _Interrupted()

    previous = signal.signal(signal.SIGUSR1, handler)
    timer = threading.Timer(0.2, signal.pthread_kill, (threading.main_thread().ident, signal.SIGUSR1))
    try:
        cfg = _config(pki, handshake_timeout_s=30)
        timer.start()
        with pytest.raises(_Interrupted):
            TLSConnection.connect(cfg, "127.0.0.1", listener.getsockname()[1], server_hostname=server_name)
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)
        listener.close()


def test_read_timeout_then_the_connection_still_works(server, pki, server_name):
    cfg = _config(pki, read_timeout_s=0.2)
    with TLSConnection.connect(cfg, "127.0.0.1", server.port, server_hostname=server_name) as conn:
        with pytest.raises(TransportTimeout, match="read"):
            conn.read()
        conn.write(ECHO)
        assert _read_response(conn).endswith(b"hello")


def test_peer_reset_raises_connection_reset(server, client_config, server_name):
    with TLSConnection.connect(client_config, "127.0.0.1", server.port, server_hostname=server_name) as conn:
        conn.write(b"GET /reset HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(ConnectionReset):
            while conn.read():
                pass


def test_idle_close_is_detected_without_waiting(server, client_config, server_name):
    with TLSConnection.connect(client_config, "127.0.0.1", server.port, server_hostname=server_name) as conn:
        assert conn.is_reusable()
        conn.write(b"GET /close-after HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"bye" in conn.read()
        assert server.idle_closed.wait(5)
        for _ in range(50):  # the close_notify/FIN may need a moment to arrive
            if not conn.is_reusable():
                break
            threading.Event().wait(0.02)
        assert not conn.is_reusable()


class TestConfiguration:
    def test_chain_longer_than_five_is_refused(self, pki):
        too_long = pki.client_chain_pem + pki.client_root_pem + pki.server_ca_pem
        with pytest.raises(TLSError, match="1 to 5"):
            _config(pki, chain=too_long)

    def test_five_certificates_are_accepted(self, pki):
        assert _config(pki, chain=pki.client_chain_pem + pki.client_root_pem).chain_length == 5

    def test_key_of_another_certificate_is_refused(self, pki):
        with pytest.raises(InvalidKey, match="does not belong"):
            _config(pki, key=pki.rogue_key_pem)

    def test_trust_without_certificates_is_refused(self, pki):
        with pytest.raises(ValueError, match="no PEM certificate"):
            _config(pki, trust=b"not a certificate")

    def test_corrupt_certificate_is_refused(self, pki):
        bad = pki.server_ca_pem.replace(b"MII", b"MIX", 1)
        with pytest.raises(TLSError):
            _config(pki, trust=bad)

    def test_private_key_must_be_a_core_key(self, pki):
        with pytest.raises(TypeError):
            TLSConfig(pki.client_chain_pem, pki.client_key_pem, pki.server_ca_pem)

    def test_from_files(self, pki, tmp_path):
        paths = [tmp_path / n for n in ("chain.pem", "key.pem", "trust.pem")]
        for path, data in zip(paths, (pki.client_chain_pem, pki.client_key_pem, pki.server_ca_pem)):
            path.write_bytes(data)
        cfg = TLSConfig.from_files(*paths, read_timeout_s=None)
        assert cfg.chain_length == 4 and cfg.read_timeout_s is None

    def test_timeouts_must_be_positive(self, pki):
        with pytest.raises(ValueError, match="read_timeout_s"):
            _config(pki, read_timeout_s=0)

    def test_repr_shows_no_key_material(self, pki, client_config):
        text = repr(client_config)
        assert "PRIVATE" not in text and pki.client_key_pem.decode()[40:80] not in text
