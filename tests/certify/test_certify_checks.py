"""Each check, where it is enforced: on hand-made evidence (DSS records, radio log, store)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Dict, List, Optional

import pytest

from hal.types import ConnectionAttempt, ConnectionState, FailureReason, Security
from wss.certify.checks import (
    DeviceEnd,
    Evidence,
    Expectations,
    StoreView,
    check_all,
    check_error_details,
    check_fallback,
    check_outcome,
    check_timing,
    check_tls,
    check_vicinity,
    provisioned,
    run_records,
)
from wss.certify.observe import RadioLog
from wss.certify.plan import RunSpec
from wss.certify.profile import RadioFault, load_profile

CHAIN = ("aa" * 32, "bb" * 32)
HOST = "dp-sps-na.amazon.com"
DONE_STORE = StoreView("DONE", False, True)
EXPECT = Expectations(HOST, CHAIN, frozenset({"Home", "Home-5G"}), lambda ssid: ssid == "SETUP", 30.0, 300.0)


class StubDriver:
    """Enough of a driver for a RadioLog that tests fill by hand."""

    def add_event_callback(self, callback: Any) -> None:
        pass

    def remove_event_callback(self, callback: Any) -> None:
        pass


def tls_record(**changes: Any) -> Dict[str, Any]:
    record = {
        "event": "tls_connection",
        "listener": "dss",
        "peer": "127.0.0.1:5000",
        "version": "TLSv1.2",
        "cipher": "ECDHE-ECDSA-AES256-GCM-SHA384",
        "sni": HOST,
        "hellos_observed": True,
        "offered": ["encrypt_then_mac", "extended_master_secret"],
        "negotiated": ["extended_master_secret"],
        "client_chain_sha256": list(CHAIN),
        "problems": [],
    }
    record.update(changes)
    return record


def exchange(operation: str, request: Dict[str, Any], response: Optional[Dict[str, Any]] = None, **extra: Any):
    record = {
        "event": "exchange",
        "operation": operation,
        "session_id": extra.pop("session", "s1"),
        "fault": extra.pop("fault", None),
        "request": {"body": json.dumps(request)},
        "response": None if response is None else {"status": extra.pop("status", 200), "body": json.dumps(response)},
    }
    return record


def attempt(ssid: str, state: str, code: Optional[str] = None) -> Dict[str, Any]:
    item: Dict[str, Any] = {"ssid": f'"{ssid}"', "securityProtocol": "WPA_PSK", "wifiConnectionState": state}
    if code:
        item["errorDetails"] = {"operation": "CONNECTING_TO_NETWORK", "code": code}
    return item


def report(state: str, result: str = "SUCCESS", attempts=(), nxt: str = "X", proceed: bool = True, **extra):
    body = {"currentProvisioningState": state, "stateTransitionResult": result}
    if attempts:
        body["wifiNetworkInfoList"] = list(attempts)
    return exchange("report", body, {"nextProvisioningState": nxt, "canProceed": proceed}, **extra)


def done_records(*more: Dict[str, Any]) -> List[Dict[str, Any]]:
    """A run the DSS saw reach DONE, posting Home and Home-5G."""
    return [
        tls_record(listener="setup"),
        exchange("startProvisioningSession", {"nonce": "n"}, {"sessionId": "s1"}),
        exchange("postWifiScanData", {"wifiScanDataList": [{"ssid": '"Home"'}, {"ssid": '"Home-5G"'}]}, {}),
        exchange("getWifiCredentials", {}, {"wifiCredentialsList": [{"ssid": '"Home-5G"'}, {"ssid": '"Home"'}]}),
        tls_record(),
        *more,
        report("CONNECTED_TO_USER_NETWORK", nxt="DONE"),
    ]


def evidence(
    records: List[Dict[str, Any]],
    heard=(b"Home", b"Home-5G", b"Neighbour"),
    joined=(b"Home",),
    attempts=(),
    spec: Optional[RunSpec] = None,
    device_ok: Optional[bool] = True,
    store: Optional[StoreView] = DONE_STORE,
) -> Evidence:
    radio = RadioLog(StubDriver())
    radio.heard = {ssid: 1 for ssid in heard}
    radio.joined = list(joined)
    radio.attempts = list(attempts)
    device = None
    if device_ok is not None:
        device = DeviceEnd(device_ok, "DONE" if device_ok else "GET_WIFI_LIST", "terminal", None, None, {}, 1.0, 0)
    return Evidence(spec or RunSpec(1, 1), records, radio, device, None, store)


def failed(ssid: bytes, reason: FailureReason) -> ConnectionAttempt:
    return ConnectionAttempt(ssid, Security.WPA2_PSK, ConnectionState.FAILED, reason)


# --- the TLS security flow -----------------------------------------------------------------


def test_a_good_run_has_no_finding_at_all():
    assert check_all(evidence(done_records()), EXPECT) == []
    assert provisioned(evidence(done_records()), EXPECT)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"negotiated": []}, "Extended Master Secret was not negotiated"),
        ({"offered": ["encrypt_then_mac"], "negotiated": []}, "did not offer Extended Master Secret"),
        ({"offered": ["extended_master_secret"]}, "did not offer Encrypt-then-MAC"),
        (
            {"cipher": "ECDHE-ECDSA-AES128-SHA256"},
            "CBC cipher suite ECDHE-ECDSA-AES128-SHA256 without Encrypt-then-MAC",
        ),
        ({"cipher": "AES256-GCM-SHA384"}, "has no ephemeral ECDH key exchange"),
        ({"version": "TLSv1.1"}, "protocol TLSv1.1: TLS 1.2 or 1.3 is required"),
        ({"sni": None}, "SNI None, expected 'dp-sps-na.amazon.com'"),
        ({"client_chain_sha256": [CHAIN[0]]}, "chain of 1 certificate(s) that is not the device's chain of 2"),
        ({"hellos_observed": False}, "EMS and ETM are unverified"),
    ],
)
def test_each_break_of_the_tls_flow_is_found(changes, problem):
    findings = check_tls(evidence([tls_record(**changes)]), EXPECT)
    assert [f.requirement for f in findings] == ["tls"] and problem in findings[0].message


def test_tls_13_and_cbc_with_etm_are_fine_and_a_refused_handshake_is_not():
    ok = [
        tls_record(version="TLSv1.3", cipher="TLS_AES_256_GCM_SHA384", negotiated=[]),
        tls_record(cipher="ECDHE-ECDSA-AES128-SHA256", negotiated=["encrypt_then_mac", "extended_master_secret"]),
    ]
    assert check_tls(evidence(ok), EXPECT) == []
    refused = {"event": "tls_refused", "listener": "dss", "peer": "p", "reason": "BAD_CERT", "client_hello": True}
    findings = check_tls(evidence([refused]), EXPECT)
    assert len(findings) == 1 and "handshake refused by the DSS" in findings[0].message
    probe = dict(refused, reason="UNEXPECTED_EOF_WHILE_READING", client_hello=False)  # a driver's reachability check
    assert check_tls(evidence([probe]), EXPECT) == []


# --- the vicinity rule ---------------------------------------------------------------------


def test_posting_or_being_served_an_ssid_the_radio_never_heard_breaks_the_vicinity_rule():
    findings = check_vicinity(evidence(done_records(), heard=(b"Home",)), EXPECT)
    assert [f.requirement for f in findings] == ["vicinity", "vicinity"]
    assert (
        "posted SSID 'Home-5G'" in findings[0].message and "returned credentials for 'Home-5G'" in findings[1].message
    )


def test_joining_an_unheard_network_breaks_the_rule_but_a_setup_network_does_not():
    tries = [failed(b"SETUP", FailureReason.WRONG_KEY), failed(b"Elsewhere", FailureReason.AP_NOT_FOUND)]
    findings = check_vicinity(evidence(done_records(), attempts=tries), EXPECT)
    assert [f.message for f in findings] == ["asked the radio to join 'Elsewhere', which it never reported in this run"]


# --- error details -------------------------------------------------------------------------


def _with_fault(fault_type: str) -> RunSpec:
    fault = next(f for f in load_profile("default").radio_faults if f.type == fault_type)
    return RunSpec(1, 1, fault)


def test_a_failed_attempt_carries_the_code_of_its_fault():
    good = report("CONNECTING_TO_USER_NETWORK", attempts=[attempt("Parker-Home-5G", "FAILED", "3:2:0:1")])
    tries = [failed(b"Parker-Home-5G", FailureReason.WRONG_KEY)]
    assert check_error_details(evidence([good], attempts=tries, spec=_with_fault("wrong_psk")), EXPECT) == []
    wrong = report("CONNECTING_TO_USER_NETWORK", attempts=[attempt("Parker-Home-5G", "FAILED", "3:6:0:3")])
    findings = check_error_details(evidence([wrong], attempts=tries, spec=_with_fault("wrong_psk")), EXPECT)
    assert [f.message for f in findings] == ["Parker-Home-5G: failed with 3:6:0:3, expected 3:2:0:1"]


def test_error_details_findings():
    cases = [
        (attempt("", "FAILED", "3:1:0:1"), [], None),  # nothing left to try
        (attempt("", "FAILED", "3:16:0:1"), [], "(no network): failed with 3:16:0:1, expected 3:1:0:1"),
        (attempt("Home", "FAILED", "1.2.3"), [], "Home: failed attempt carries '1.2.3', not a standard code"),
        (attempt("Home", "FAILED", None), [], "Home: failed attempt carries None, not a standard code"),
        (attempt("Home", "ASSOCIATED", "3:2:0:1"), [], "Home: ASSOCIATED attempt carries 3:2:0:1"),
        (attempt("Home", "FAILED", "3:2:0:1"), [failed(b"Home", FailureReason.WRONG_KEY)], "but no fault struck it"),
        (attempt("Home", "FAILED", "3:2:0:1"), [], "the radio recorded no failed attempt"),
    ]
    for item, tries, message in cases:
        findings = check_error_details(
            evidence([report("CONNECTING_TO_USER_NETWORK", attempts=[item])], attempts=tries), EXPECT
        )
        if message is None:
            assert findings == []
        else:
            assert any(message in f.message for f in findings), (item, findings)


def test_a_fault_of_the_home_itself_explains_a_failure_in_every_run():
    stale = RadioFault("wrong_psk@Home", 1.0, "wrong_psk", {"type": "wrong_psk", "ssid": "Home"})
    expect = replace(EXPECT, permanent=(stale,))
    item = report("CONNECTING_TO_USER_NETWORK", attempts=[attempt("Home", "FAILED", "3:2:0:1")])
    tries = [failed(b"Home", FailureReason.WRONG_KEY)]
    assert check_error_details(evidence([item], attempts=tries), expect) == []
    assert check_error_details(evidence([item], attempts=tries), EXPECT) != []  # without it: unexplained


def test_attempts_of_a_request_the_dss_never_read_are_not_checked():
    unread = report("CONNECTING_TO_USER_NETWORK", attempts=[attempt("Home", "FAILED", "bogus")])
    unread["response"] = None  # reset before the DSS read it: the device sends it again
    assert check_error_details(evidence([unread]), EXPECT) == []


# --- outcome, fallback, timing ---------------------------------------------------------------


def test_a_device_that_claims_success_the_dss_never_saw_is_found_out():
    records = done_records()[:-1]  # no report reached DONE
    findings = check_outcome(evidence(records), EXPECT)
    assert [f.message for f in findings] == ["the device says provisioned, but the DSS and the radio say it did not"]
    assert not provisioned(evidence(done_records(), joined=(b"Neighbour",)), EXPECT)  # joined, but not home


def test_the_fallback_must_be_persisted_after_a_failure():
    records = done_records()[:-1]
    ok = evidence(records, device_ok=False, store=StoreView("GET_WIFI_LIST", True, False))
    assert check_fallback(ok, EXPECT) == []
    missing = evidence(records, device_ok=False, store=StoreView("GET_WIFI_LIST", True, True))
    assert [f.requirement for f in check_fallback(missing, EXPECT)] == ["fallback"]
    assert [f.requirement for f in check_fallback(evidence(records, device_ok=False, store=None), EXPECT)] == [
        "fallback"
    ]
    stale = evidence(done_records(), store=StoreView("DONE", True, True))
    assert [f.requirement for f in check_fallback(stale, EXPECT)] == ["outcome"]


def test_the_fallbacks_softap_flow_must_start_and_keep_what_it_joined():
    from wss.certify.fallback import SoftAPEvidence

    records = done_records()[:-1]
    fell_back = StoreView("GET_WIFI_LIST", True, False)

    def check(softap):
        run = evidence(records, device_ok=False, store=fell_back)
        run.softap = softap
        return [f.message for f in check_fallback(run, EXPECT)]

    joined = SoftAPEvidence(
        True, "set up", client="esp_prov", tried=(("Home", "connected"),), joined="Home", saved=True
    )
    assert check(joined) == []
    assert check(SoftAPEvidence(True, "no network joined", client="esp_prov", tried=(("Home", "auth_error"),))) == []
    assert check(SoftAPEvidence(False, "not exercised: a real radio", exercised=False)) == []
    assert check(SoftAPEvidence(False, "no SoftAP")) == ["the SoftAP setup flow did not start: no SoftAP"]
    assert check(SoftAPEvidence(True, "esp_prov failed", error="refused")) == [
        "the SoftAP setup flow misbehaved: esp_prov failed"
    ]
    assert check(replace(joined, saved=False)) == ["the SoftAP setup joined 'Home' but the store does not say so"]


def test_a_run_over_the_time_limit_is_found():
    slow = evidence(done_records())
    slow.device = DeviceEnd(True, "DONE", "terminal", None, None, {}, 301.0, 0)
    assert [f.message for f in check_timing(slow, EXPECT)] == ["the run took 301.0 s, more than 300 s"]


def test_exchanges_of_an_older_session_answered_late_are_not_the_runs():
    late = report("CONNECTED_TO_USER_NETWORK", nxt="DONE", session="old")
    kept = run_records(done_records() + [late])
    assert late not in kept and len(kept) == len(done_records())
