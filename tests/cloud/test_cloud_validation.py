"""Refused requests: 4xx with a signed JSON error body, recorded in the database."""

from __future__ import annotations

import pytest
from cloud_client import Flow, Reply, scan_entry, verify_signature


def assert_refused(reply: Reply, cloud_pem: bytes, status: int, code: str) -> dict:
    verify_signature(reply, cloud_pem)
    answer = reply.json()
    assert (reply.status, answer["errorCode"]) == (status, code), answer
    assert answer["canProceed"] is False and answer["message"]
    return answer


def last_error(server) -> dict:
    return server.db.errors()[-1]


@pytest.mark.parametrize(
    "body, code",
    [
        (b"{not json", "MALFORMED_JSON"),
        (b"[1, 2]", "MALFORMED_JSON"),
        (b"", "MALFORMED_JSON"),
        (b'{"sessionId": "x"}', "INVALID_FIELD"),  # no nonce
        (b'{"nonce": 7}', "INVALID_FIELD"),
    ],
)
def test_malformed_bodies(server, connect, cloud_pem, body, code) -> None:
    reply = connect(server.port).post("startProvisioningSession", body)
    assert_refused(reply, cloud_pem, 400, code)
    assert (last_error(server)["code"], last_error(server)["status"]) == (code, 400)
    assert server.db.sessions() == []


def test_unknown_session(server, connect, cloud_pem) -> None:
    reply = connect(server.port).post(
        "computeConfigurationData", {"nonce": "n", "sessionId": "amzn1.ffs.wss-wifi-session-id.nope"}
    )
    answer = assert_refused(reply, cloud_pem, 404, "UNKNOWN_SESSION")
    assert answer["nonce"] == "n" and answer["sessionId"].endswith(".nope")
    assert last_error(server)["operation"] == "computeConfigurationData"


def test_a_session_belongs_to_the_device_that_opened_it(server, connect, cloud_pem, pki) -> None:
    owner = Flow(connect(server.port), cloud_pem)
    owner.start()
    thief = Flow(connect(server.port, pki.devices[3].folder), cloud_pem)
    thief.session_id = owner.session_id
    reply = thief.client.post(
        "report",
        {
            "nonce": "n",
            "sessionId": owner.session_id,
            "sequenceNumber": 3,
            "currentProvisioningState": "START_PROVISIONING",
            "stateTransitionResult": "SUCCESS",
        },
    )
    assert_refused(reply, cloud_pem, 404, "UNKNOWN_SESSION")
    assert last_error(server)["serial"] == pki.devices[3].serial
    assert server.db.session(owner.session_id)["state"] == "START_PROVISIONING"


def test_operation_out_of_order(server, connect, cloud_pem) -> None:
    flow = Flow(connect(server.port), cloud_pem)
    flow.start()
    assert_refused(flow.call("computeConfigurationData"), cloud_pem, 409, "OUT_OF_ORDER")
    reply = flow.call(
        "report", sequenceNumber=3, currentProvisioningState="GET_WIFI_LIST", stateTransitionResult="SUCCESS"
    )
    assert_refused(reply, cloud_pem, 409, "OUT_OF_ORDER")
    assert flow.report("START_PROVISIONING")["nextProvisioningState"] == "COMPUTE_CONFIGURATION"


@pytest.mark.parametrize(
    "entry, code",
    [
        ({"ssid": "HomeNet", "securityProtocol": "WPA_PSK"}, "SSID_NOT_QUOTED"),
        ({"ssid": '"HomeNet', "securityProtocol": "WPA_PSK"}, "SSID_NOT_QUOTED"),
        ({"ssid": '"', "securityProtocol": "WPA_PSK"}, "SSID_NOT_QUOTED"),
        ({"ssid": '""', "securityProtocol": "WPA_PSK"}, "INVALID_FIELD"),
        ({"ssid": '"%s"' % ("x" * 33), "securityProtocol": "WPA_PSK"}, "INVALID_FIELD"),
        ({"ssid": '"HomeNet"', "securityProtocol": "WPA3"}, "INVALID_FIELD"),
        ({"ssid": '"HomeNet"', "securityProtocol": "OPEN", "bssid": "0011223344"}, "INVALID_FIELD"),
        ({"ssid": '"HomeNet"', "securityProtocol": "OPEN", "rssi": "-40"}, "INVALID_FIELD"),
    ],
)
def test_scan_data_validation(server, connect, cloud_pem, entry, code) -> None:
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("POST_WIFI_SCAN_DATA")
    reply = flow.call("postWifiScanData", sequenceNumber=1, wifiScanDataList=[scan_entry("OpenCafe", "OPEN"), entry])
    assert_refused(reply, cloud_pem, 400, code)
    assert server.db.scan_results(flow.session_id) == []  # nothing of the page is kept


def test_attempt_ssids_follow_the_quoting_rule_too(server, connect, cloud_pem) -> None:
    flow = Flow(connect(server.port), cloud_pem)
    flow.start()
    reply = flow.call(
        "report",
        sequenceNumber=3,
        currentProvisioningState="START_PROVISIONING",
        stateTransitionResult="SUCCESS",
        wifiNetworkInfoList=[{"ssid": "simple_setup", "securityProtocol": "OPEN", "wifiConnectionState": "ASSOCIATED"}],
    )
    assert_refused(reply, cloud_pem, 400, "SSID_NOT_QUOTED")


def test_attempt_without_a_network_is_accepted(server, connect, cloud_pem) -> None:
    """Error 3:1:0:1 (no configured networks) names no network: its SSID is empty."""
    flow = Flow(connect(server.port), cloud_pem)
    flow.start()
    reply = flow.call(
        "report",
        sequenceNumber=3,
        currentProvisioningState="START_PROVISIONING",
        stateTransitionResult="FAILURE",
        wifiNetworkInfoList=[
            {
                "ssid": '""',
                "securityProtocol": "OPEN",
                "wifiConnectionState": "FAILED",
                "errorDetails": {
                    "operation": "CONNECTING_TO_NETWORK",
                    "cause": "No configured networks",
                    "code": "3:1:0:1",
                },
            }
        ],
    )
    assert reply.status == 200
    attempts = [a for r in server.db.reports() for a in (r.get("attempts") or [])]
    assert [(a["ssid"], a["errorDetails"]["code"]) for a in attempts] == [("", "3:1:0:1")]


def test_credentials_request_before_any_scan(server, connect, cloud_pem) -> None:
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("POST_WIFI_SCAN_DATA")
    assert_refused(flow.call("getWifiCredentials", sequenceNumber=1), cloud_pem, 409, "NO_SCAN_DATA")
    assert server.db.credentials_served() == []


@pytest.mark.parametrize(
    "pages, code", [((1, 3), "BAD_SEQUENCE_NUMBER"), ((0,), "INVALID_FIELD"), ((True,), "INVALID_FIELD")]
)
def test_scan_page_sequence(server, connect, cloud_pem, pages, code) -> None:
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("POST_WIFI_SCAN_DATA")
    replies = [
        flow.call("postWifiScanData", sequenceNumber=seq, wifiScanDataList=[scan_entry("HomeNet")]) for seq in pages
    ]
    assert_refused(replies[-1], cloud_pem, 400, code)


def test_unknown_path_and_wrong_method(server, connect, cloud_pem) -> None:
    client = connect(server.port)
    assert_refused(client.post("/api/v1/startScapSession", {"nonce": "n"}), cloud_pem, 404, "UNKNOWN_OPERATION")
    assert_refused(client.post("/api/v2/report", {"nonce": "n"}), cloud_pem, 404, "UNKNOWN_OPERATION")
    assert_refused(client.post("report", b"", method="PUT"), cloud_pem, 405, "METHOD_NOT_ALLOWED")
    # the connection survives refusals (keep-alive)
    assert client.post("startProvisioningSession", {"nonce": "n"}).status == 200
    assert len({r["connection"] for r in server.transcript.records("exchange")}) == 1


def test_chunked_request_and_oversized_body(server, connect, cloud_pem) -> None:
    import h11

    client = connect(server.port)
    out = client.h11.send(
        h11.Request(
            method="POST",
            target="/api/v1/startProvisioningSession",
            headers=[("Host", "x"), ("Transfer-Encoding", "chunked")],
        )
    )
    out += client.h11.send(h11.Data(data=b'{"nonce":"n"}')) + client.h11.send(h11.EndOfMessage())
    client.sock.sendall(out)
    reply = client._receive()
    assert_refused(reply, cloud_pem, 411, "LENGTH_REQUIRED")
    assert reply.header("Connection") == "close"
    big = connect(server.port).post("startProvisioningSession", b"{" + b" " * 70000 + b"}")
    assert_refused(big, cloud_pem, 413, "BODY_TOO_LARGE")


def test_missing_device_type_in_the_certificate_is_refused(tmp_path, pki, accounts, connect, cloud_pem) -> None:
    """A DHA certificate without OID 1.3.6.1.4.1.4843.1.3: signed 403, not a session."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from wss.cloud import DSSServer

    dak_key = load_pem_private_key(pki.dak_private_key.read_bytes(), None)
    chain = x509.load_pem_x509_certificates(pki.dak_certificate.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.ObjectIdentifier("1.3.6.1.4.1.4843.1.1"), "NOTYPE000001")]))
        .issuer_name(chain[0].subject)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(datetime.datetime(2020, 1, 1))
        .not_valid_after(datetime.datetime(2040, 1, 1))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(dak_key.public_key()), False)
        .sign(dak_key, hashes.SHA256())
    )
    device = tmp_path / "notype"
    device.mkdir()
    (device / "certificate.pem").write_bytes(
        b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [cert] + chain)
    )
    (device / "private_key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    with DSSServer(pki.folder, accounts) as server:
        reply = connect(server.port, device).post("startProvisioningSession", {"nonce": "n"})
        assert_refused(reply, cloud_pem, 403, "NO_DEVICE_TYPE")
        assert server.db.sessions() == []


def test_deeply_nested_json_is_refused_not_fatal(server, connect, cloud_pem) -> None:
    client = connect(server.port)
    assert_refused(
        client.post("startProvisioningSession", b"[" * 30000 + b"]" * 30000), cloud_pem, 400, "MALFORMED_JSON"
    )
    assert client.post("startProvisioningSession", {"nonce": "n"}).status == 200


def test_session_id_that_is_not_utf8_is_refused(server, connect, cloud_pem) -> None:
    body = b'{"nonce":"n","sessionId":"amzn1.\xff\xfe"}'
    reply = connect(server.port).post("computeConfigurationData", body)
    assert_refused(reply, cloud_pem, 400, "INVALID_FIELD")
    assert server.db.errors()[-1]["session_id"] is None


def test_raw_non_utf8_ssid_octets_are_kept_exactly(make_server, connect, cloud_pem) -> None:
    """The SDK copies SSID octets raw (§8.4): Latin-1 "Caf\\xe9" is not UTF-8 "Café"."""
    server = make_server(
        {
            "customers": [
                {
                    "id": "c",
                    "devices": "*",
                    "networks": [
                        {"ssid": "Café", "security": "WPA_PSK", "key": "password1"},
                        {"ssid": "Plain", "security": "WPA_PSK", "key": "password2"},
                    ],
                }
            ]
        }
    )
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("POST_WIFI_SCAN_DATA")
    body = (
        b'{"nonce":"n","sessionId":"' + flow.session_id.encode() + b'","sequenceNumber":1,'
        b'"wifiScanDataList":[{"ssid":"\\"Caf\xe9\\"","securityProtocol":"WPA_PSK"},'
        b'{"ssid":"\\"Plain\\"","securityProtocol":"WPA_PSK"}]}'
    )
    reply = flow.client.post("postWifiScanData", body)
    verify_signature(reply, cloud_pem)
    assert reply.status == 200 and reply.json()["totalCredentialsFound"] == 1
    rows = server.db.scan_results(flow.session_id)
    assert [(r["ssid"], bytes(r["ssid_raw"])) for r in rows] == [("Caf\\xe9", b"Caf\xe9"), ("Plain", b"Plain")]
