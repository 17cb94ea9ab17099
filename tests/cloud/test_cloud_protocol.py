"""Protocol-level tests of the local DSS with an independent client (ssl + h11)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import uuid

import pytest
from cloud_client import Flow, Reply, scan_entry, verify_signature
from cloud_spec_vectors import SPEC_12_3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from wss.cloud import DSSServer

SESSION_RE = re.compile(r"^amzn1\.ffs\.wss-wifi-session-id\.([0-9a-f-]{36})$")


def assert_wire_format(reply: Reply, cloud_pem: bytes) -> None:
    """§8.2, §13.1: signed, compact, sorted, no newline, Content-Length, small header block."""
    verify_signature(reply, cloud_pem)
    names = [name for name, _ in reply.headers]
    assert "x-amzn-dss-signature" in names and "Content-Length" in names
    assert reply.header("Transfer-Encoding") is None and reply.header("Location") is None
    assert int(reply.header("Content-Length")) == len(reply.body)
    assert len(reply.raw_head) < 512
    assert not reply.body.endswith(b"\n")
    canonical = json.dumps(json.loads(reply.body), separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    assert reply.body == canonical


def test_full_session_over_both_ports(server: DSSServer, connect, cloud_pem: bytes, pki) -> None:
    replies = []
    with connect(server.setup_port) as setup:
        flow = Flow(setup, cloud_pem)
        started = flow.start()
        replies.append(setup.post("startProvisioningSession", {"nonce": "abc"}))
        uuid_text = SESSION_RE.match(started["sessionId"]).group(1)
        assert uuid.UUID(uuid_text).version == 4
        assert started["canProceed"] is True and 1 <= len(started["salt"]) <= 8
        states = [flow.report("START_PROVISIONING")["nextProvisioningState"]]
        replies.append(flow.call("computeConfigurationData"))
        states.append(flow.report("COMPUTE_CONFIGURATION")["nextProvisioningState"])
        replies.append(flow.call("postWifiScanData", sequenceNumber=1, wifiScanDataList=[scan_entry("HomeNet")]))
        states.append(flow.report("POST_WIFI_SCAN_DATA")["nextProvisioningState"])
        replies.append(flow.call("getWifiCredentials", sequenceNumber=1))
        states.append(flow.report("GET_WIFI_LIST")["nextProvisioningState"])
    with connect(server.port) as home:  # after joining the home network: the normal port
        flow.client = home
        states.append(flow.report("CONNECTING_TO_USER_NETWORK")["nextProvisioningState"])
        final = flow.report("CONNECTED_TO_USER_NETWORK")
        states.append(final["nextProvisioningState"])
        replies.append(
            home.post(
                "report",
                {
                    "nonce": "x",
                    "sessionId": flow.session_id,
                    "sequenceNumber": 99,
                    "currentProvisioningState": "DONE",
                    "stateTransitionResult": "SUCCESS",
                },
            )
        )
    assert states == [
        "COMPUTE_CONFIGURATION",
        "POST_WIFI_SCAN_DATA",
        "GET_WIFI_LIST",
        "CONNECTING_TO_USER_NETWORK",
        "CONNECTED_TO_USER_NETWORK",
        "DONE",
    ]
    assert final["canProceed"] is True
    for reply in replies:
        assert_wire_format(reply, cloud_pem)
    assert replies[-1].status == 409 and replies[-1].json()["errorCode"] == "SESSION_CLOSED"
    row = server.db.session(flow.session_id)
    assert (row["status"], row["state"], row["port"]) == ("done", "DONE", server.setup_port)
    assert row["serial"] == pki.device.serial and row["device_type"] == pki.device_type
    assert [r["state"] for r in server.db.reports(flow.session_id)] == [
        "START_PROVISIONING",
        "COMPUTE_CONFIGURATION",
        "POST_WIFI_SCAN_DATA",
        "GET_WIFI_LIST",
        "CONNECTING_TO_USER_NETWORK",
        "CONNECTED_TO_USER_NETWORK",
    ]
    listeners = {r["listener"] for r in server.transcript.records("exchange")}
    assert listeners == {"dss", "setup"}


def test_every_response_echoes_the_request_nonce(server, connect, cloud_pem) -> None:
    flow = Flow(connect(server.port), cloud_pem)
    flow.start()
    reply = flow.call(
        "report",
        sequenceNumber=3,
        currentProvisioningState="START_PROVISIONING",
        stateTransitionResult="SUCCESS",
        nonce="my-nonce-31-characters-long-xyz",
    )
    assert reply.json()["nonce"] == "my-nonce-31-characters-long-xyz"


def test_keep_alive_serves_a_whole_session_on_one_connection(server, connect, cloud_pem) -> None:
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("DONE")
    records = server.transcript.records("exchange")
    assert flow.calls == 10
    assert len(records) == flow.calls and len({r["connection"] for r in records}) == 1
    assert all(("Connection", "close") not in map(tuple, r["response"]["headers"]) for r in records)


def test_compute_configuration_sends_strings_and_booleans_only(make_server, accounts, connect, cloud_pem) -> None:
    accounts["customers"][0]["configuration"] = {"LocaleConfiguration.CountryCode": "DE", "Custom.Flag": True}
    server = make_server(accounts)
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("COMPUTE_CONFIGURATION")
    answer = flow.call("computeConfigurationData").json()
    config = answer["configuration"]
    assert all(isinstance(v, (str, bool)) for v in config.values())
    assert config["LocaleConfiguration.CountryCode"] == "DE" and config["Custom.Flag"] is True
    assert config["FFS.SessionToken"].startswith("amzn1.ffs.wss-wifi-session-token.")
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", config["Time.UTC"])
    details = answer["registrationDetails"]
    assert isinstance(details["expiresAt"], int) and details["registrationToken"]
    assert answer["nextProvisioningState"] == "POST_WIFI_SCAN_DATA"


def _credentials(flow: Flow, scan: list, page_size_pages: int = 1) -> list:
    flow.walk_to("POST_WIFI_SCAN_DATA")
    posted = flow.call("postWifiScanData", sequenceNumber=1, wifiScanDataList=scan).json()
    flow.report("POST_WIFI_SCAN_DATA")
    entries = []
    for seq in range(1, page_size_pages + 1):
        entries.append(flow.call("getWifiCredentials", sequenceNumber=seq).json())
    return [posted] + entries


def test_vicinity_rule_and_security_order(server, connect, cloud_pem) -> None:
    flow = Flow(connect(server.port), cloud_pem)
    scan = [
        scan_entry("OpenCafe", "OPEN"),
        scan_entry("Neighbour"),
        scan_entry("HomeNet"),
        scan_entry("OldWep", "WEP"),
        scan_entry("Upstairs"),
    ]
    posted, creds = _credentials(flow, scan)
    assert posted["totalCredentialsFound"] == 4 and posted["allCredentialsFound"] is False
    assert posted["sequenceNumber"] == 1 and posted["canProceed"] is True
    entries = creds["wifiCredentialsList"]
    # FarAway is saved but was not seen; Neighbour was seen but is not saved
    assert [e["ssid"] for e in entries] == ['"Upstairs"', '"HomeNet"', '"OldWep"', '"OpenCafe"']
    assert entries[1]["key"] == '"correct horse"' and entries[1]["securityProtocol"] == "WPA_PSK"
    assert entries[2]["key"] == "0123456789"  # hex WEP key: unquoted (§8.5, §12.1)
    assert "key" not in entries[3]
    assert creds["allCredentialsReturned"] is True and creds["sequenceNumber"] == 1
    served = {row["ssid"] for row in server.db.credentials_served(flow.session_id)}
    assert served == {"Upstairs", "HomeNet", "OldWep", "OpenCafe"}


def test_all_credentials_found_once_every_saved_network_was_seen(server, connect, cloud_pem) -> None:
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("POST_WIFI_SCAN_DATA")
    first = flow.call(
        "postWifiScanData",
        sequenceNumber=1,
        wifiScanDataList=[scan_entry(s) for s in ("OpenCafe", "HomeNet", "OldWep")],
    ).json()
    second = flow.call(
        "postWifiScanData", sequenceNumber=2, wifiScanDataList=[scan_entry(s) for s in ("Upstairs", "FarAway")]
    ).json()
    assert (first["totalCredentialsFound"], first["allCredentialsFound"]) == (3, False)
    assert (second["totalCredentialsFound"], second["allCredentialsFound"]) == (5, True)
    assert [r["page"] for r in server.db.scan_results(flow.session_id)] == [1, 1, 1, 2, 2]
    again = flow.call(
        "postWifiScanData", sequenceNumber=1, wifiScanDataList=[scan_entry("HomeNet")]
    ).json()  # page 1 = new scan round
    assert again["totalCredentialsFound"] == 1


def test_credentials_paging(make_server, connect, cloud_pem) -> None:
    server = make_server(credentials_page_size=2)
    flow = Flow(connect(server.port), cloud_pem)
    scan = [scan_entry(s) for s in ("OpenCafe", "HomeNet", "OldWep", "Upstairs", "FarAway")]
    _, page1, page2, page3 = _credentials(flow, scan, page_size_pages=3)
    assert [e["ssid"] for e in page1["wifiCredentialsList"]] == ['"FarAway"', '"Upstairs"']
    assert [e["ssid"] for e in page2["wifiCredentialsList"]] == ['"HomeNet"', '"OldWep"']
    assert [e["ssid"] for e in page3["wifiCredentialsList"]] == ['"OpenCafe"']
    assert [p["allCredentialsReturned"] for p in (page1, page2, page3)] == [False, False, True]


def test_quoted_and_non_ascii_ssids_match_exactly(make_server, connect, cloud_pem) -> None:
    odd = ['Say "hi"', "Café ☕", " lead"]
    server = make_server(
        {
            "customers": [
                {
                    "id": "c",
                    "devices": "*",
                    "networks": [{"ssid": s, "security": "WPA_PSK", "key": f"password{i}"} for i, s in enumerate(odd)],
                }
            ]
        }
    )
    flow = Flow(connect(server.port), cloud_pem)
    _, creds = _credentials(flow, [scan_entry(odd[0]), scan_entry(odd[1]), scan_entry("lead")])
    ssids = [e["ssid"] for e in creds["wifiCredentialsList"]]
    assert sorted(ssids) == sorted(['"Say "hi""', '"Café ☕"'])
    raw = flow.call("getWifiCredentials", sequenceNumber=1).body
    assert '\\"Café ☕\\"'.encode() in raw  # raw UTF-8, not \u escapes (§8.5 parser)


def test_credentials_are_per_session(server, connect, cloud_pem) -> None:
    client = connect(server.port)
    first, second = Flow(client, cloud_pem), Flow(client, cloud_pem)
    _credentials(first, [scan_entry("HomeNet")])
    _, creds = _credentials(second, [scan_entry("OpenCafe", "OPEN")])
    assert [e["ssid"] for e in creds["wifiCredentialsList"]] == ['"OpenCafe"']


def test_explicit_association_wins_over_wildcard(server, connect, cloud_pem, pki) -> None:
    flow = Flow(connect(server.port, pki.devices[0].folder), cloud_pem)
    _, creds = _credentials(flow, [scan_entry("HomeNet"), scan_entry("BobNet")])
    assert [e["ssid"] for e in creds["wifiCredentialsList"]] == ['"BobNet"']
    assert server.db.session(flow.session_id)["customer_id"] == "bob"


def _spki_sha256(device) -> str:
    from cryptography import x509

    cert = x509.load_pem_x509_certificates(device.certificate.read_bytes())[0]
    der = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def test_unassociated_device_is_told_not_to_proceed(make_server, connect, cloud_pem, pki) -> None:
    server = make_server(
        {"customers": [{"id": "c", "networks": [], "devices": [{"public_key_sha256": _spki_sha256(pki.devices[2])}]}]}
    )
    known = Flow(connect(server.port, pki.devices[2].folder), cloud_pem).start()
    assert known["canProceed"] is True
    flow = Flow(connect(server.port), cloud_pem)
    answer = flow.start()
    assert answer["canProceed"] is False and answer["reason"] == "DEVICE_NOT_ASSOCIATED"
    assert answer["sessionId"] and answer["salt"]  # the SDK requires both (§8.5)
    reply = flow.call(
        "report", sequenceNumber=3, currentProvisioningState="START_PROVISIONING", stateTransitionResult="SUCCESS"
    )
    assert (reply.status, reply.json()["errorCode"]) == (409, "SESSION_CLOSED")


def _hashed_pin(pin: str, salt: str) -> str:
    return base64.b64encode(hashlib.sha256((pin + salt).encode()).digest()).decode()


def test_pin_hash_formula_matches_12_3() -> None:
    assert _hashed_pin(SPEC_12_3["pin"], SPEC_12_3["salt"]) == SPEC_12_3["hashed_pin"]


@pytest.mark.parametrize("presented, proceeds", [("12345678", True), ("87654321", False)])
def test_pin_based_setup(make_server, accounts, connect, cloud_pem, presented, proceeds) -> None:
    accounts["customers"][0]["pin"] = "12345678"
    server = make_server(accounts)
    flow = Flow(connect(server.port), cloud_pem)
    started = flow.start()
    assert started["nextProvisioningState"] == "START_PIN_BASED_SETUP"
    assert flow.report("START_PROVISIONING")["nextProvisioningState"] == "START_PIN_BASED_SETUP"
    answer = flow.call("startPinBasedSetup", hashedPin=_hashed_pin(presented, flow.salt)).json()
    assert answer["canProceed"] is proceeds
    if proceeds:
        assert flow.report("START_PIN_BASED_SETUP")["nextProvisioningState"] == "COMPUTE_CONFIGURATION"
    else:
        assert server.db.session(flow.session_id)["reason"] == "PIN_MISMATCH"


def test_failure_reports_repeat_the_state_a_bounded_number_of_times(make_server, connect, cloud_pem) -> None:
    server = make_server(max_state_retries=2)
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("POST_WIFI_SCAN_DATA")
    answers = [flow.report("POST_WIFI_SCAN_DATA", "FAILURE") for _ in range(3)]
    assert [(a["canProceed"], a["nextProvisioningState"]) for a in answers] == [
        (True, "POST_WIFI_SCAN_DATA"),
        (True, "POST_WIFI_SCAN_DATA"),
        (False, "DONE"),
    ]
    row = server.db.session(flow.session_id)
    assert row["status"] == "failed" and "POST_WIFI_SCAN_DATA" in row["reason"]


def test_connection_attempts_are_recorded(server, connect, cloud_pem) -> None:
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("CONNECTING_TO_USER_NETWORK")
    attempt = {
        "ssid": '"HomeNet"',
        "securityProtocol": "WPA_PSK",
        "wifiConnectionState": "FAILED",
        "errorDetails": {
            "operation": "CONNECTING_TO_NETWORK",
            "cause": "AP not found",
            "details": "AP not found",
            "code": "3:16:0:1",
        },
    }
    flow.report("CONNECTING_TO_USER_NETWORK", "FAILURE", wifiNetworkInfoList=[attempt])
    report = server.db.reports(flow.session_id)[-1]
    assert report["result"] == "FAILURE"
    assert report["attempts"][0]["ssid"] == "HomeNet"
    assert report["attempts"][0]["errorDetails"]["code"] == "3:16:0:1"


def test_a_device_type_key_of_its_own_signs_its_responses(pki, accounts, tmp_path, connect) -> None:
    folder = tmp_path / "pki"
    shutil.copytree(pki.folder, folder)
    own = ec.generate_private_key(ec.SECP256R1())
    (folder / "cloud" / pki.device_type).mkdir()
    (folder / "cloud" / pki.device_type / "private_key.pem").write_bytes(
        own.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    own_pem = own.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with DSSServer(folder, accounts) as server:
        reply = connect(server.port).post("startProvisioningSession", {"nonce": "n"})
    verify_signature(reply, own_pem)
    assert load_pem_public_key(own_pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == server.cloud_public_key_der(pki.device_type)
