"""The JSON-lines transcript: every exchange, secrets redacted unless asked otherwise."""

from __future__ import annotations

import hashlib
import json

from cloud_client import Flow


def _to_credentials(flow: Flow) -> bytes:
    flow.walk_to("GET_WIFI_LIST")
    return flow.call("getWifiCredentials", sequenceNumber=1).body


def test_transcript_file_redacts_secrets_by_default(make_server, connect, cloud_pem, tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    server = make_server(transcript=str(path))
    flow = Flow(connect(server.port), cloud_pem)
    wire = _to_credentials(flow)
    server.stop()
    text = path.read_text()
    every = [json.loads(line) for line in text.splitlines()]
    assert [r["event"] for r in every[:2]] == ["tls_connection", "exchange"]  # one connection, kept alive
    records = every[1:]
    assert [r["operation"] for r in records] == [
        "startProvisioningSession",
        "report",
        "computeConfigurationData",
        "report",
        "postWifiScanData",
        "report",
        "getWifiCredentials",
    ]
    assert "correct horse" not in text and "amzn1.ffs.wss-registration-token" not in text
    last = records[-1]
    assert last["response"]["redacted"] is True
    assert json.loads(last["response"]["body"])["wifiCredentialsList"][0]["key"] == "<redacted>"
    assert last["response"]["body_sha256"] == hashlib.sha256(wire).hexdigest()
    assert last["client"]["public_key_sha256"] and last["session_id"] == flow.session_id
    assert [r["seq"] for r in every] == list(range(1, 9))


def test_transcript_can_keep_exact_bodies(make_server, connect, cloud_pem) -> None:
    server = make_server(redact_transcript=False)
    wire = _to_credentials(Flow(connect(server.port), cloud_pem))
    last = server.transcript.records("exchange")[-1]
    assert last["response"]["body"].encode() == wire and "redacted" not in last["response"]


def test_the_database_never_holds_a_wifi_key(make_server, connect, cloud_pem, tmp_path) -> None:
    db = tmp_path / "state.db"
    server = make_server(db=str(db))
    _to_credentials(Flow(connect(server.port), cloud_pem))
    server.stop()
    assert b"correct horse" not in db.read_bytes()
    assert [r["ssid"] for r in server.db.credentials_served()] == ["HomeNet"]
