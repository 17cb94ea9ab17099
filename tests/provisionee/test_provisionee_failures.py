"""Every failure path of protocol §6.2 (and §6.3), with the fake compat and scripted DSS."""

from __future__ import annotations

from fake_compat import FakeCompat
from fake_dss import FakeDSS
from provisionee_world import make_compat, provision

from wss.compat import ProvisioneeState as S
from wss.compat import RegistrationRequest
from wss.errors import CompatError
from wss.provisionee import Event
from wss.retry import FailureKind

SAVED = [("HomeNet", "WPA_PSK", '"correct horse battery"')]


def reports(dss):
    return [(b["currentProvisioningState"], b["stateTransitionResult"]) for b in dss.bodies("report")]


def test_session_start_network_failure_aborts_because_the_report_cannot_be_built(clock):
    """§6.2 + §14 quirk 3: no session id → the FAILURE report cannot be serialized → abort."""
    dss = FakeDSS(SAVED, faults={"startProvisioningSession": ["network"] * 4})
    compat = make_compat(dss)
    result = provision(compat, clock)
    assert result.reason is Event.ABORTED and result.final_state is S.START_PROVISIONING
    assert result.fall_back_to_softap and not result.joined_home_network
    assert "session" in result.error
    assert [r.kind for r in result.retries] == [FailureKind.NETWORK] * 3
    assert clock.sleeps == [2.0, 4.0, 8.0]
    assert dss.bodies("report") == [] and compat.state is S.START_PROVISIONING
    assert result.transcript[-1].retries == 3 and result.transcript[-1].stopped


def test_session_start_cannot_proceed_stops_before_reporting(clock):
    dss = FakeDSS(SAVED, session_can_proceed=False)
    result = provision(make_compat(dss), clock)
    assert result.reason is Event.CLOUD_DECLINED and result.final_state is S.START_PROVISIONING
    assert dss.bodies("report") == [] and result.fall_back_to_softap and result.error is None


def test_bad_signature_reports_failure_and_the_cloud_repeats_the_state(clock):
    dss = FakeDSS(
        SAVED,
        faults={"computeConfigurationData": ["bad-signature"]},
        failure_next={"COMPUTE_CONFIGURATION": "COMPUTE_CONFIGURATION"},
    )
    compat = make_compat(dss)
    result = provision(compat, clock)
    assert result.succeeded
    assert reports(dss)[1:3] == [("COMPUTE_CONFIGURATION", "FAILURE"), ("COMPUTE_CONFIGURATION", "SUCCESS")]
    assert any("signature does not verify" in message for _, message in compat.logs)


def test_missing_signature_header_is_a_failure_report(clock):
    dss = FakeDSS(SAVED, faults={"computeConfigurationData": ["no-signature"]})
    result = provision(make_compat(dss), clock)
    assert ("COMPUTE_CONFIGURATION", "FAILURE") in reports(dss)
    assert result.final_state is S.DONE and result.fall_back_to_softap  # the cloud said DONE


def test_scan_page_cannot_proceed_is_a_failure_report(clock):
    dss = FakeDSS(SAVED, faults={"postWifiScanData": ["cannot-proceed"]})
    provision(make_compat(dss), clock)
    assert reports(dss)[2] == ("POST_WIFI_SCAN_DATA", "FAILURE")


def test_zero_scan_pages_is_a_failure_report(clock, home_dss):
    class NoPosting(FakeCompat):
        def ffs_wifi_provisionee_can_post_wifi_scan_data(self, *args):
            return False

    compat = make_compat(home_dss)
    compat.__class__ = NoPosting
    provision(compat, clock)
    assert home_dss.bodies("postWifiScanData") == []
    assert reports(home_dss)[2] == ("POST_WIFI_SCAN_DATA", "FAILURE")


def test_credentials_hook_refusing_at_once_is_a_failure_report(clock, home_dss):
    class NoFetching(FakeCompat):
        def ffs_wifi_provisionee_can_get_wifi_credentials(self, *args):
            return False

    compat = make_compat(home_dss)
    compat.__class__ = NoFetching
    provision(compat, clock)
    assert home_dss.bodies("getWifiCredentials") == []
    assert reports(home_dss)[3] == ("GET_WIFI_LIST", "FAILURE")


def test_unparseable_credentials_are_a_failure_report(clock):
    dss = FakeDSS(SAVED, faults={"getWifiCredentials": ["garbage"]})
    result = provision(make_compat(dss), clock)
    assert reports(dss)[3] == ("GET_WIFI_LIST", "FAILURE") and result.fall_back_to_softap


def test_5xx_twice_then_success_shows_retries_on_the_transcript(clock):
    dss = FakeDSS(SAVED, faults={"postWifiScanData": [503, 500]})
    result = provision(make_compat(dss), clock)
    assert result.succeeded
    scan_entry = next(e for e in result.transcript if e.from_state is S.POST_WIFI_SCAN_DATA)
    assert scan_entry.retries == 2 and scan_entry.success is True
    assert [r.detail for r in result.retries] == ["503", "500"]
    assert all(2.0 <= delay <= 5.0 for delay in clock.sleeps) and len(clock.sleeps) == 2


def test_4xx_is_not_retried_and_fails_the_operation(clock):
    dss = FakeDSS(SAVED, faults={"getWifiCredentials": [400]})
    result = provision(make_compat(dss), clock)
    assert len(dss.bodies("getWifiCredentials")) == 1 and result.retries == ()
    assert reports(dss)[3] == ("GET_WIFI_LIST", "FAILURE")


def test_failed_report_aborts_and_keeps_the_stored_state(clock):
    dss = FakeDSS(SAVED, faults={"report": [None, "bad-signature"]})
    compat = make_compat(dss)
    result = provision(compat, clock)
    assert result.reason is Event.ABORTED and result.final_state is S.COMPUTE_CONFIGURATION
    assert compat.state is S.COMPUTE_CONFIGURATION and "does not verify" in result.error
    assert result.error_code == "99:1:0:99"


def test_report_without_can_proceed_stops_in_place(clock):
    dss = FakeDSS(SAVED, report_can_proceed={"POST_WIFI_SCAN_DATA": False})
    compat = make_compat(dss)
    result = provision(compat, clock)
    assert result.reason is Event.CLOUD_STOPPED and compat.state is S.POST_WIFI_SCAN_DATA
    assert result.transcript[-1].success is True and result.fall_back_to_softap


def test_client_kill_switch_stops_the_task(clock, home_dss):
    answers = iter([True, True, True, False])
    compat = make_compat(home_dss, can_proceed=lambda: next(answers))
    result = provision(compat, clock)
    assert result.reason is Event.CLIENT_STOPPED and result.final_state is S.COMPUTE_CONFIGURATION
    assert result.fall_back_to_softap and len(home_dss.bodies("report")) == 1


def test_a_failing_compat_call_aborts(clock, home_dss):
    class Broken(FakeCompat):
        def ffs_get_registration_details(self):
            raise CompatError("registration store unreadable")

    compat = make_compat(home_dss)
    compat.__class__ = Broken
    result = provision(compat, clock)
    assert result.reason is Event.ABORTED and result.error == "registration store unreadable"
    assert result.final_state is S.START_PROVISIONING


def test_configuration_and_token_are_stored_and_unsupported_keys_tolerated(clock, home_dss):
    compat = make_compat(home_dss, unsupported_keys=["FFS.SessionToken"])
    assert provision(compat, clock).succeeded
    assert compat.config["LocaleConfiguration.LanguageLocale"] == "en_US"
    assert "FFS.SessionToken" not in compat.config
    assert compat.token == RegistrationRequest(b"Test Registration Token", 1000)


def test_pin_based_setup_sends_the_hashed_pin(clock):
    """§12.3: PIN 12345678 with salt Zx9Kq2Lm."""
    next_states = dict(FakeDSS().next_states, START_PROVISIONING="START_PIN_BASED_SETUP")
    dss = FakeDSS(SAVED, next_states=next_states)
    result = provision(make_compat(dss), clock)
    assert result.succeeded
    assert dss.bodies("startPinBasedSetup")[0]["hashedPin"] == "7iLRqtGmpbEXEcQm64iMz7B/WIYWrze8mNdLeeHt/uI="
    assert [b["sequenceNumber"] for b in dss.bodies("report")] == [3, 6, 9, 12, 15, 17, 19]


def test_missing_next_state_restarts_from_the_setup_network(clock):
    """§6.2: an absent nextProvisioningState parses as NOT_PROVISIONED."""
    dss = FakeDSS(SAVED, next_states=dict(FakeDSS().next_states, START_PROVISIONING=None))
    original = dss._report

    def report(body):
        answer = original(body)
        if answer["nextProvisioningState"] is None:
            del answer["nextProvisioningState"]
            dss.next_states["START_PROVISIONING"] = "COMPUTE_CONFIGURATION"
        return answer

    dss._report = report
    result = provision(make_compat(dss), clock)
    states = [e.to_state for e in result.transcript]
    assert states[:4] == [
        S.CONNECTING_TO_SETUP_NETWORK,
        S.START_PROVISIONING,
        S.NOT_PROVISIONED,
        S.CONNECTING_TO_SETUP_NETWORK,
    ]
    assert result.succeeded
