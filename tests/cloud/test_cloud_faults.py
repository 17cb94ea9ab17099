"""Fault injection: every kind is observable by a client and recorded by the server."""

from __future__ import annotations

import socket
import ssl

import h11
import pytest
from cloud_client import Flow, scan_entry, verify_signature
from cryptography.exceptions import InvalidSignature

from wss.cloud import FaultPlan, FaultRule, load_faults
from wss.errors import ConfigError


def faulty(make_server, *rules, **kwargs):
    return make_server(faults={"seed": 1, "faults": list(rules)}, **kwargs)


def test_http_5xx_is_signed_and_leaves_the_state_alone(make_server, connect, cloud_pem) -> None:
    server = faulty(make_server, {"kind": "http_5xx", "operation": "getWifiCredentials", "status": 502, "count": 1})
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("GET_WIFI_LIST")
    first = flow.call("getWifiCredentials", sequenceNumber=1)  # signature verified in call
    assert (first.status, first.json()["errorCode"]) == (502, "SERVICE_UNAVAILABLE")
    assert server.db.credentials_served(flow.session_id) == []
    second = flow.call("getWifiCredentials", sequenceNumber=1)  # count: 1 → fires once
    assert second.status == 200 and len(second.json()["wifiCredentialsList"]) == 1
    assert [(f["kind"], f["session_id"]) for f in server.db.faults()] == [("http_5xx", flow.session_id)]
    assert server.db.errors()[-1]["status"] == 502


def test_delay_then_normal_answer(make_server, connect, cloud_pem) -> None:
    server = faulty(make_server, {"kind": "delay", "operation": "startProvisioningSession", "delay_s": 30, "count": 1})
    impatient = connect(server.port, timeout=0.3)
    with pytest.raises(socket.timeout):
        impatient.post("startProvisioningSession", {"nonce": "n"})
    server2 = faulty(make_server, {"kind": "delay", "delay_s": 0.05})
    answer = Flow(connect(server2.port), cloud_pem).start()
    assert answer["canProceed"] is True
    assert server2.transcript.records("exchange")[-1]["fault"] == "delay"


def test_connection_reset_before_processing(make_server, connect, cloud_pem) -> None:
    server = faulty(make_server, {"kind": "reset", "operation": "postWifiScanData", "count": 1})
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("POST_WIFI_SCAN_DATA")
    with pytest.raises((ConnectionError, ssl.SSLError, h11.RemoteProtocolError)):
        flow.call("postWifiScanData", sequenceNumber=1, wifiScanDataList=[scan_entry("HomeNet")])
    assert server.db.scan_results(flow.session_id) == []
    record = server.transcript.records("exchange")[-1]
    assert record["fault"] == "reset" and record["response"] is None
    flow.client = connect(server.port)  # the device reconnects
    again = flow.call("postWifiScanData", sequenceNumber=1, wifiScanDataList=[scan_entry("HomeNet")])
    assert again.json()["totalCredentialsFound"] == 1


def test_truncated_body_after_processing(make_server, connect, cloud_pem) -> None:
    server = faulty(make_server, {"kind": "truncate", "operation": "getWifiCredentials"})
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("GET_WIFI_LIST")
    with pytest.raises(h11.RemoteProtocolError):
        flow.call("getWifiCredentials", sequenceNumber=1)
    assert [r["ssid"] for r in server.db.credentials_served(flow.session_id)] == ["HomeNet"]


def test_bad_signature(make_server, connect, cloud_pem) -> None:
    server = faulty(make_server, {"kind": "bad_signature", "operation": "report", "state": "COMPUTE_CONFIGURATION"})
    flow = Flow(connect(server.port), cloud_pem)
    flow.start()
    flow.report("START_PROVISIONING")  # other states: good signature
    flow.call("computeConfigurationData")
    reply = flow.client.post(
        "report",
        {
            "nonce": "n",
            "sessionId": flow.session_id,
            "sequenceNumber": 6,
            "stateTransitionResult": "SUCCESS",
            "currentProvisioningState": "COMPUTE_CONFIGURATION",
        },
    )
    assert reply.status == 200 and reply.json()["nextProvisioningState"] == "POST_WIFI_SCAN_DATA"
    with pytest.raises(InvalidSignature):
        verify_signature(reply, cloud_pem)


@pytest.mark.parametrize("operation", ["startProvisioningSession", "report", "postWifiScanData"])
def test_cannot_proceed(make_server, connect, cloud_pem, operation) -> None:
    server = faulty(make_server, {"kind": "cannot_proceed", "operation": operation})
    flow = Flow(connect(server.port), cloud_pem)
    if operation == "postWifiScanData":
        flow.walk_to("POST_WIFI_SCAN_DATA")
        answer = flow.call(operation, sequenceNumber=1, wifiScanDataList=[]).json()
        assert answer["canProceed"] is False
        assert server.db.session(flow.session_id)["status"] == "open"  # device reports FAILURE
        return
    answer = (
        flow.start()
        if operation == "startProvisioningSession"
        else (flow.start(), flow.report("START_PROVISIONING"))[1]
    )
    assert answer["canProceed"] is False
    row = server.db.session(flow.session_id)
    assert row["status"] == "stopped" and "cannot_proceed" in row["reason"]


def test_repeated_state(make_server, connect, cloud_pem) -> None:
    server = faulty(make_server, {"kind": "repeat_state", "state": "COMPUTE_CONFIGURATION", "count": 1})
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("COMPUTE_CONFIGURATION")
    flow.call("computeConfigurationData")
    assert flow.report("COMPUTE_CONFIGURATION")["nextProvisioningState"] == "COMPUTE_CONFIGURATION"
    flow.call("computeConfigurationData")
    assert flow.report("COMPUTE_CONFIGURATION")["nextProvisioningState"] == "POST_WIFI_SCAN_DATA"


def test_skipped_state_leads_to_credentials_before_scan(make_server, connect, cloud_pem) -> None:
    server = faulty(make_server, {"kind": "skip_state", "state": "COMPUTE_CONFIGURATION"})
    flow = Flow(connect(server.port), cloud_pem)
    flow.walk_to("COMPUTE_CONFIGURATION")
    flow.call("computeConfigurationData")
    assert flow.report("COMPUTE_CONFIGURATION")["nextProvisioningState"] == "GET_WIFI_LIST"
    reply = flow.call("getWifiCredentials", sequenceNumber=1)
    assert (reply.status, reply.json()["errorCode"]) == (409, "NO_SCAN_DATA")


def _pattern(plan: FaultPlan, n: int = 60) -> list:
    return [plan.pick("report", "GET_WIFI_LIST") is not None for _ in range(n)]


def test_probabilistic_rules_are_reproducible_with_a_seed() -> None:
    rules = [FaultRule(kind="http_5xx", probability=0.5)]
    first, again = _pattern(FaultPlan(rules, seed=7)), _pattern(FaultPlan(rules, seed=7))
    assert first == again and 0 < sum(first) < len(first)
    assert _pattern(FaultPlan(rules, seed=8)) != first


def test_after_count_operation_and_state_filters() -> None:
    plan = FaultPlan(
        [FaultRule(kind="http_5xx", operation="report", after=2, count=2), FaultRule(kind="skip_state", state="DONE")]
    )
    fired = [plan.pick("report") for _ in range(6)]
    assert [r is not None for r in fired] == [False, False, True, True, False, False]
    assert plan.pick("getWifiCredentials") is None
    assert plan.pick("report", "DONE").kind == "skip_state"
    assert plan.fired() == [2, 1]


def test_faults_file(tmp_path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text("seed: 3\nfaults:\n  - {kind: delay, delay_s: 0.5, operation: report}\n")
    plan = load_faults(str(path))
    assert plan.seed == 3 and plan.rules == [FaultRule(kind="delay", delay_s=0.5, operation="report")]


@pytest.mark.parametrize(
    "rule, words",
    [
        ({"kind": "explode"}, "kind must be one of"),
        ({"kind": "http_5xx", "probability": 2}, "probability"),
        ({"kind": "http_5xx", "status": 404}, "status"),
        ({"kind": "repeat_state", "operation": "postWifiScanData"}, "report only"),
        ({"kind": "delay", "operation": "fly"}, "operation"),
        ({"kind": "delay", "color": "red"}, "unknown fields"),
    ],
)
def test_invalid_fault_rules_are_named(rule, words) -> None:
    with pytest.raises(ConfigError, match=words):
        load_faults([rule])


def test_an_unknown_field_that_is_not_text_is_named() -> None:
    """Fuzzing finding (fuzz/cloud_accounts/corpus/regression-null-key): a YAML key
    ``null`` among the fields made sorting the unknown ones raise TypeError."""
    with pytest.raises(ConfigError, match=r"unknown fields \['color', 1, None\]"):
        load_faults([{"kind": "delay", None: 1, "color": "red", 1: 2}])
