"""The HTTP transport at its own layer: protocomm_httpd's framing and session rules, bad
input, and the deadlines that keep a hostile client from holding the device.

Requests are made with the standard library's ``http.client`` or raw sockets against
:class:`wss.softap.httpd.ProtocommHTTPServer` running on the mock radio's SoftAP.
Handshakes are played with esp_prov's own ``Security1`` session code.

Source: ESP-IDF protocomm_httpd (docs/softap.md, "HTTP transport").
"""

from __future__ import annotations

import http.client
import re
import socket
import time

import esp_prov_peer
import pytest
from softap_world import POP, service, short_limits

from wss.protocomm.proto import session_pb2


def connect(svc) -> http.client.HTTPConnection:
    host, port = svc.server.address
    return http.client.HTTPConnection(host, port, timeout=5)


def post(conn, endpoint: str, body: bytes, cookie=None):
    headers = {"Content-type": "application/x-www-form-urlencoded", "Accept": "text/plain"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("POST", "/" + endpoint, body, headers)
    response = conn.getresponse()
    return response, response.read()


def raw(svc, data: bytes, *, wait_close: bool = True) -> bytes:
    """Send raw bytes on a new connection; everything read until the server closes."""
    sock = socket.create_connection(svc.server.address, timeout=5)
    with sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            if not wait_close:
                return b"".join(chunks)


def session_closed(svc, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while svc.core.session_id is not None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def handshake(conn, pop=POP):
    """A security 1 session with esp_prov's Security1; returns (cookie, security, cmd0, cmd1)."""
    security = esp_prov_peer.load().security1.Security1(pop, False)
    cmd0 = security.security_session(None).encode("latin-1")
    response, body = post(conn, "prov-session", cmd0)
    cookie = response.getheader("Set-Cookie")
    cmd1 = security.security_session(body.decode("latin-1")).encode("latin-1")
    response, body = post(conn, "prov-session", cmd1, cookie)
    assert response.status == 200
    security.security_session(body.decode("latin-1"))  # checks the device's verify data
    return cookie, security, cmd0, cmd1


# ---- the success path, as ESP-IDF sends it ----


def test_an_answer_is_200_text_html_with_the_session_cookie_once():
    with service(1) as svc:
        conn = connect(svc)
        response, body = post(conn, "proto-ver", b"---")
        assert response.status == 200 and response.reason == "OK"
        assert response.getheader("Content-Type") == "text/html"
        assert int(response.getheader("Content-Length")) == len(body) and b'"prov"' in body
        cookie = response.getheader("Set-Cookie")
        assert re.fullmatch(r"session=\d{1,10}", cookie) and int(cookie[8:]) == svc.core.session_id
        response, _ = post(conn, "proto-ver", b"---", cookie)
        assert response.getheader("Set-Cookie") is None  # the same session: no new cookie


def test_the_cookie_binds_a_new_connection_to_the_session():
    with service(1) as svc:
        first = connect(svc)
        cookie, security, _, _ = handshake(first)
        second = connect(svc)  # another connection, the same client (its cookie)
        request = esp_prov_peer.load().proto.wifi_config_pb2.WiFiConfigPayload()
        request.cmd_get_status.SetInParent()
        response, body = post(second, "prov-config", security.encrypt_data(request.SerializeToString()), cookie)
        assert response.status == 200
        answer = esp_prov_peer.load().proto.wifi_config_pb2.WiFiConfigPayload()
        answer.ParseFromString(security.decrypt_data(body))
        assert answer.msg == 1 and answer.resp_get_status.sta_state == 2  # Disconnected


# ---- bad input: a clear refusal, never a crash ----


def test_a_malformed_protobuf_is_refused_and_ends_the_session():
    with service(1) as svc:
        conn = connect(svc)
        post(conn, "proto-ver", b"---")
        response, body = post(conn, "prov-session", b"\xff\xff\xff not protobuf")
        assert response.status == 400 and b"INVALID_PROTO" in body and b"SessionData" in body
        assert response.getheader("Connection") == "close"
        assert session_closed(svc)
        fresh = connect(svc)
        assert post(fresh, "proto-ver", b"---")[0].status == 200  # the device still serves


def test_garbage_in_a_secured_endpoint_ends_the_session():
    with service(1) as svc:
        conn = connect(svc)
        cookie, _, _, _ = handshake(conn)
        response, body = post(conn, "prov-config", b"\x00" * 40, cookie)  # decrypts to garbage
        assert response.status == 400 and b"WiFiConfigPayload" in body
        assert session_closed(svc)


def test_a_second_session_while_one_is_open_is_refused():
    with service(1) as svc:
        first = connect(svc)
        cookie, _, _, _ = handshake(first)
        intruder = connect(svc)
        response, body = post(intruder, "prov-session", b"R\x03\xa2\x01\x00")
        assert response.status == 409 and b"TOO_MANY_SESSIONS" in body
        response, body = post(connect(svc), "proto-ver", b"---", "session=12345")  # a made-up cookie
        assert response.status == 409
        assert svc.core.session_id == int(cookie[8:])  # the first session is untouched
        assert post(first, "proto-ver", b"---", cookie)[0].status == 200


@pytest.mark.parametrize("size,status", [(4097, 413), (100_000, 413), (0, 400)])
def test_a_body_outside_1_to_4096_bytes_is_refused(size, status):
    with service(0) as svc:
        head = b"POST /prov-session HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size
        answer = raw(svc, head + b"a" * min(size, 4097))
        assert answer.startswith(b"HTTP/1.1 %d " % status)
        assert b"1 to 4096" in answer
        assert svc.core.session_id is None


def test_a_body_of_4096_bytes_is_read():
    with service(0) as svc:
        response, body = post(connect(svc), "proto-ver", b"x" * 4096)
        assert response.status == 200


def test_a_replayed_handshake_message_is_refused():
    with service(1) as svc:
        conn = connect(svc)
        cookie, _, cmd0, cmd1 = handshake(conn)
        response, body = post(conn, "prov-session", cmd1, cookie)  # Cmd1 again
        assert response.status == 400 and b"INVALID_SESSION" in body and b"replayed" in body
        assert session_closed(svc)
        # the old session's Cmd1 replayed after a fresh Cmd0 does not verify
        conn = connect(svc)
        response, _ = post(conn, "prov-session", cmd0)
        assert response.status == 200
        response, body = post(conn, "prov-session", cmd1, response.getheader("Set-Cookie"))
        assert response.status == 403 and b"CRYPTO_ERROR" in body


def test_a_command0_twice_is_refused():
    with service(1) as svc:
        conn = connect(svc)
        cmd0 = esp_prov_peer.load().security1.Security1(POP, False).security_session(None).encode("latin-1")
        response, _ = post(conn, "prov-session", cmd0)
        response, body = post(conn, "prov-session", cmd0, response.getheader("Set-Cookie"))
        assert response.status == 400 and b"Session_Command0" in body


def test_a_message_of_another_scheme_is_refused():
    with service(2) as svc:
        message = session_pb2.SessionData(sec_ver=session_pb2.SecScheme0)
        message.sec0.sc.SetInParent()
        response, body = post(connect(svc), "prov-session", message.SerializeToString())
        assert response.status == 400 and b"INVALID_SEC_SCHEME" in body


def test_a_secured_endpoint_before_the_handshake_is_refused():
    with service(0) as svc:
        response, body = post(connect(svc), "prov-config", b"\x08\x00")
        assert response.status == 400 and b"prov-session first" in body


def test_unknown_endpoints_and_methods():
    with service(0) as svc:
        conn = connect(svc)
        response, body = post(conn, "nothing-here", b"x")
        assert response.status == 404 and response.getheader("Connection") is None
        conn.request("GET", "/proto-ver")
        response = conn.getresponse()
        assert response.status == 405 and b"POST only" in response.read()
        assert post(conn, "proto-ver", b"x")[0].status == 200  # the connection was kept


def test_a_request_without_a_length_is_refused():
    with service(0) as svc:
        answer = raw(
            svc, b"POST /proto-ver HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"
        )
        assert answer.startswith(b"HTTP/1.1 411 ")


def test_malformed_http_is_refused():
    with service(0) as svc:
        assert raw(svc, b"NOT HTTP AT ALL\r\n\r\n").startswith(b"HTTP/1.1 400 ")
        huge = b"POST /proto-ver HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n"
        assert raw(svc, huge).startswith(b"HTTP/1.1 431 ")


# ---- deadlines ----


def test_a_request_that_trickles_is_cut_at_its_deadline():
    with service(0, limits=short_limits()) as svc:
        sock = socket.create_connection(svc.server.address, timeout=5)
        with sock:
            sock.sendall(b"POST /proto-ver HTTP/1.1\r\n")  # ... and nothing more
            started = time.monotonic()
            assert sock.recv(100) == b""  # closed by the server
            assert time.monotonic() - started < 3.0


def test_a_silent_connection_is_closed_and_its_session_ended():
    with service(1, limits=short_limits()) as svc:
        conn = connect(svc)
        handshake(conn)
        assert svc.core.session_id is not None
        assert session_closed(svc, timeout_s=5.0)  # idle_s = 1 s


def test_connections_beyond_the_limit_are_told_to_come_back():
    with service(0, limits=short_limits(max_connections=1, idle_s=5.0)) as svc:
        first = connect(svc)
        assert post(first, "proto-ver", b"x")[0].status == 200
        assert raw(svc, b"").startswith(b"HTTP/1.1 503 ")
        assert post(first, "proto-ver", b"x")[0].status == 200
