"""End to end, when things go wrong: DSS faults, retries, fallbacks (real local DSS, mock radio).

Retries never sleep: the policy's waits are recorded. Every run also passes ``check_ssids``.
"""

from __future__ import annotations

import pytest
from e2e_world import access_point, home_environment, provision

from wss.compat import ProvisioneeState as S
from wss.compat import SecurityProtocol, WifiConfiguration
from wss.provisionee import Event
from wss.retry import FailureKind


def statuses(run, operation):
    return [e.status for e in run.exchanges if e.operation == operation]


def assert_fell_back_to_softap(run):
    """Not joined: SoftAP setup mode with WSS disabled, as a restarted device reads it."""
    assert run.result.fall_back_to_softap and not run.result.joined_home_network
    stored = run.stored()
    assert stored.softap_mode and not stored.wss_enabled


def test_5xx_twice_then_success_is_retried_2_to_5_s_apart(pki, tmp_path):
    faults = [{"kind": "http_5xx", "operation": "computeConfigurationData", "status": 503, "count": 2}]
    run = provision(pki, tmp_path, faults=faults)
    assert run.result.succeeded
    assert statuses(run, "computeConfigurationData") == [503, 503, 200]
    assert [(r.kind, r.detail) for r in run.result.retries] == [(FailureKind.SERVER, "503")] * 2
    assert len(run.sleeps) == 2 and all(2.0 <= wait <= 5.0 for wait in run.sleeps)
    (entry,) = [e for e in run.result.transcript if e.from_state is S.COMPUTE_CONFIGURATION]
    assert entry.retries == 2 and entry.success is True


def test_a_4xx_is_never_retried_with_the_same_input(pki, tmp_path):
    """The DSS skips POST_WIFI_SCAN_DATA, so getWifiCredentials is refused (409 NO_SCAN_DATA):
    each refusal ends the operation at once and the state is reported as FAILURE."""
    faults = [{"kind": "skip_state", "operation": "report", "state": "COMPUTE_CONFIGURATION", "count": 1}]
    run = provision(pki, tmp_path, faults=faults)
    operations = run.operations()
    credentials = [i for i, op in enumerate(operations) if op == "getWifiCredentials"]
    assert statuses(run, "getWifiCredentials") == [409] * len(credentials) and credentials
    assert all(operations[i + 1] == "report" for i in credentials)  # never sent twice in a row
    assert run.result.retries == () and run.sleeps == []
    failures = [r[:2] for r in run.reports() if r[0] == "GET_WIFI_LIST"]
    assert failures == [("GET_WIFI_LIST", "FAILURE")] * len(credentials)
    assert run.reports()[-1][3] is False and run.result.reason is Event.CLOUD_STOPPED
    assert_fell_back_to_softap(run)


def test_a_bad_signature_fails_the_operation_and_the_state_is_reported_failure(pki, tmp_path):
    faults = [{"kind": "bad_signature", "operation": "computeConfigurationData", "count": 1}]
    run = provision(pki, tmp_path, faults=faults)
    assert [r for r in run.reports() if r[0] == "COMPUTE_CONFIGURATION"] == [
        ("COMPUTE_CONFIGURATION", "FAILURE", "COMPUTE_CONFIGURATION", True),
        ("COMPUTE_CONFIGURATION", "SUCCESS", "POST_WIFI_SCAN_DATA", True),
    ]
    assert statuses(run, "computeConfigurationData") == [200, 200]  # a signature is not retried
    assert run.result.succeeded


@pytest.mark.parametrize(
    "operation, reason, reports",
    [
        ("startProvisioningSession", Event.CLOUD_DECLINED, 0),
        ("report", Event.CLOUD_STOPPED, 1),
    ],
)
def test_can_proceed_false_stops_the_task(pki, tmp_path, operation, reason, reports):
    faults = [{"kind": "cannot_proceed", "operation": operation, "count": 1}]
    run = provision(pki, tmp_path, faults=faults)
    assert run.result.reason is reason and run.result.final_state is S.START_PROVISIONING
    assert len(run.reports()) == reports
    assert "computeConfigurationData" not in run.operations()
    assert_fell_back_to_softap(run)


def test_no_provisioner_in_range_falls_back_to_simple_setup(pki, tmp_path):
    environment = home_environment()
    environment["access_points"].append(
        access_point("simple_setup", "02:00:00:00:06:01", "OPEN", channel=1, hidden=True)
    )
    run = provision(pki, tmp_path, environment=environment, provisioner=False)
    assert run.result.succeeded and run.driver.connection_details().ssid == b"HomeNet"
    ((encoded, state, code), fallback) = run.attempts("START_PROVISIONING")
    assert state == "FAILED" and code == "3:16:0:1" and run.provisioner.recognise(encoded)
    assert fallback == ("simple_setup", "ASSOCIATED", None)
    # §7.3: on the fallback network the DSS is reached on its normal port
    assert {exchange.listener for exchange in run.exchanges} == {"dss"}


def test_a_configured_fallback_setup_network_replaces_simple_setup(pki, tmp_path):
    environment = home_environment()
    environment["access_points"].append(
        access_point("setup-fallback", "02:00:00:00:06:02", passphrase="fallback-pass", hidden=True)
    )
    fallback = WifiConfiguration(b"setup-fallback", SecurityProtocol.WPA_PSK, b"fallback-pass", is_hidden=True)
    run = provision(pki, tmp_path, environment=environment, provisioner=False, setup_network=fallback)
    assert run.result.succeeded
    assert run.attempts("START_PROVISIONING")[1] == ("setup-fallback", "ASSOCIATED", None)


def test_neither_setup_network_falls_back_to_softap_and_persists_it(pki, tmp_path):
    run = provision(pki, tmp_path, provisioner=False)
    assert run.result.reason is Event.ABORTED and "fallback setup network" in run.result.error
    assert run.records == []  # the DSS was never reached
    assert [(a.ssid, a.error_details.code) for a in run.compat.attempt_history][1:] == [(b"simple_setup", "3:16:0:1")]
    assert_fell_back_to_softap(run)


def test_wss_stays_disabled_after_a_fallback_until_a_factory_reset(pki, tmp_path):
    provision(pki, tmp_path, provisioner=False)
    again = provision(pki, tmp_path)  # same store: WSS is disabled
    assert again.result.reason is Event.CLIENT_STOPPED and again.records == []
    store = again.stored()
    store.factory_reset()
    assert store.wss_enabled and store.softap_mode
    assert provision(pki, tmp_path).result.succeeded
