"""Setup networks (§7), user networks with connection attempts (§6.2, §10), paging (§6.4)."""

from __future__ import annotations

import json

import pytest
from fake_compat import AccessPoint
from fake_dss import FakeDSS
from provisionee_world import HOME_KEY, SETUP_SSID, home_access_points, make_compat, provision

from wss import error_details
from wss.compat import (
    ConnectionDetails,
    ConnectionState,
    DSSClientBuffers,
    RegistrationState,
    SecurityProtocol,
    WifiConfiguration,
)
from wss.compat import ProvisioneeState as S
from wss.dss import requests
from wss.provisionee import SIMPLE_SETUP, Event

HOME = ("HomeNet", "WPA_PSK", '"correct horse battery"')


def attempts_of(dss, state):
    return [
        body.get("wifiNetworkInfoList", [])
        for body in dss.bodies("report")
        if body["currentProvisioningState"] == state
    ]


def codes(attempts):
    return [(a["ssid"], a["wifiConnectionState"], a.get("errorDetails", {}).get("code")) for a in attempts]


def test_first_psk_wrong_then_success_on_the_second(clock):
    aps = home_access_points() + [AccessPoint(b"HomeNet-5G", SecurityProtocol.WPA_PSK, b"five gee")]
    dss = FakeDSS([("HomeNet", "WPA_PSK", '"an old password"'), ("HomeNet-5G", "WPA_PSK", '"five gee"')])
    compat = make_compat(dss, aps)
    result = provision(compat, clock)
    assert result.succeeded and compat.connected.ssid == b"HomeNet-5G"
    assert codes(attempts_of(dss, "CONNECTING_TO_USER_NETWORK")[0]) == [
        ('"HomeNet"', "FAILED", "3:2:0:1"),
        ('"HomeNet-5G"', "ASSOCIATED", None),
    ]
    assert [c.ssid for c in compat.added[1:]] == [b"HomeNet", b"HomeNet-5G"]  # DSS order kept


@pytest.mark.parametrize(
    "fault", [error_details.AP_NOT_FOUND, error_details.CAPTIVE_PORTAL, error_details.LIMITED_CONNECTIVITY]
)
def test_user_network_failure_goes_back_to_the_setup_network_and_reports_failure(clock, fault):
    aps = home_access_points()
    aps[1].fault = fault
    dss = FakeDSS([HOME])
    compat = make_compat(dss, aps)
    result = provision(compat, clock)
    report = [b for b in dss.bodies("report") if b["currentProvisioningState"] == "CONNECTING_TO_USER_NETWORK"]
    assert [b["stateTransitionResult"] for b in report] == ["FAILURE"]
    assert codes(report[0]["wifiNetworkInfoList"])[0] == ('"HomeNet"', "FAILED", fault.code)
    assert report[0]["wifiNetworkInfoList"][0]["errorDetails"]["operation"] == "CONNECTING_TO_NETWORK"
    assert compat.connected.ssid == SETUP_SSID
    assert dss.ports("report")[-1] == 8888  # reported from the setup network
    assert result.final_state is S.DONE and result.fall_back_to_softap and not result.joined_home_network


def test_no_provisioner_falls_back_to_simple_setup(clock):
    aps = home_access_points()[1:] + [AccessPoint(b"simple_setup", SecurityProtocol.NONE, hidden=True)]
    dss = FakeDSS([HOME])
    compat = make_compat(dss, aps)
    result = provision(compat, clock)
    assert result.succeeded
    assert compat.added[1] == SIMPLE_SETUP
    assert set(dss.ports("startProvisioningSession")) == {443}  # not 8888 on the fallback
    assert codes(attempts_of(dss, "START_PROVISIONING")[0]) == [
        ('"' + SETUP_SSID.decode() + '"', "FAILED", "3:16:0:1"),
        ('"simple_setup"', "ASSOCIATED", None),
    ]


def test_client_defined_setup_network(clock):
    custom = WifiConfiguration(b"factory-setup", SecurityProtocol.WPA_PSK, b"factory key", is_hidden=True)
    aps = home_access_points()[1:] + [
        AccessPoint(b"factory-setup", SecurityProtocol.WPA_PSK, b"factory key", hidden=True)
    ]
    compat = make_compat(FakeDSS([HOME]), aps, setup_network=custom)
    assert provision(compat, clock).succeeded
    assert compat.added[1] == custom


def test_neither_setup_network_aborts_with_softap_fallback(clock):
    dss = FakeDSS([HOME])
    result = provision(make_compat(dss, home_access_points()[1:]), clock)
    assert result.reason is Event.ABORTED and result.final_state is S.CONNECTING_TO_SETUP_NETWORK
    assert result.fall_back_to_softap and "simple_setup" in result.error
    assert dss.requests == []


def test_encoded_network_unavailable_is_silent_and_uses_the_fallback(clock):
    aps = home_access_points() + [AccessPoint(b"simple_setup", SecurityProtocol.NONE, hidden=True)]
    compat = make_compat(FakeDSS([HOME]), aps)
    del compat.config["DeviceInformation.ProductIndex"]
    assert provision(compat, clock).succeeded
    assert compat.added[0] == SIMPLE_SETUP
    assert any("encoded setup network unavailable" in message for _, message in compat.logs)


def neighbours(count):
    return [
        AccessPoint(b"Neighbour-%02d" % i, SecurityProtocol.WPA_PSK, b"x", channel=1 + i % 11, rssi_dbm=-60 - i)
        for i in range(count)
    ]


def test_scan_pages_by_body_size_with_carry_over(clock):
    aps = [home_access_points()[0]] + neighbours(12) + [home_access_points()[1]]
    dss = FakeDSS([HOME])
    compat = make_compat(dss, aps, buffers=DSSClientBuffers(body_size=700), post_policy="afr")
    assert provision(compat, clock).succeeded
    pages = dss.bodies("postWifiScanData")
    assert [p["sequenceNumber"] for p in pages] == list(range(1, len(pages) + 1)) and len(pages) > 2
    assert all(len(raw) <= 700 for op, _, raw in dss.requests)
    posted = [item["ssid"] for page in pages for item in page["wifiScanDataList"]]
    visible = [f'"{ap.ssid.decode()}"' for ap in aps if not ap.hidden]
    assert posted == visible  # every visible SSID once, in scan order, none lost at page edges


def test_credentials_pages(clock):
    aps = home_access_points() + [AccessPoint(b"Home-2", SecurityProtocol.WPA_PSK, b"second key")]
    dss = FakeDSS([HOME, ("Home-2", "WPA_PSK", '"second key"')], credentials_per_page=1)
    compat = make_compat(dss, aps)
    assert provision(compat, clock).succeeded
    assert [b["sequenceNumber"] for b in dss.bodies("getWifiCredentials")] == [1, 2]
    assert [c.ssid for c in compat.added[1:]] == [b"HomeNet", b"Home-2"]


def test_device_policy_and_only_scanned_ssids_are_posted(clock):
    aps = home_access_points() + [AccessPoint(b"OldWep", SecurityProtocol.WEP, b"12345")]
    dss = FakeDSS([HOME])
    compat = make_compat(dss, aps, scan_filter=lambda ap: ap.security is SecurityProtocol.WPA_PSK)
    assert provision(compat, clock).succeeded
    posted = {item["ssid"] for page in dss.bodies("postWifiScanData") for item in page["wifiScanDataList"]}
    assert posted == {'"HomeNet"', '"Neighbour"'}


def test_credentials_for_unposted_ssids_are_ignored(clock):
    dss = FakeDSS([("Elsewhere", "WPA_PSK", '"far away"'), HOME])
    dss._matches = lambda: dss.saved  # a DSS that returns networks the device never saw
    compat = make_compat(dss)
    assert provision(compat, clock).succeeded
    assert [c.ssid for c in compat.added[1:]] == [b"HomeNet"]
    assert any("not posted" in message for _, message in compat.logs)


def _limit_for_one_setup_attempt() -> int:
    """A body size where the START_PROVISIONING report holds the first attempt, not the second."""
    details = requests.DeviceDetails(
        manufacturer="Amazon",
        deviceModel="Test Model Number",
        deviceSerial="Test Device Serial Number",
        productIndex="AbCd",
    )
    head = requests.report(
        "n" * 31, "test-session-1", details, 3, S.START_PROVISIONING, RegistrationState.COMPLETE, True, 4096
    ).finish()
    first = requests.attempt_item(
        ConnectionDetails(SETUP_SSID, SecurityProtocol.WPA_PSK, ConnectionState.FAILED, error_details.AP_NOT_FOUND)
    )
    return len(head) - 1 + len(b',"wifiNetworkInfoList":[') + len(first) + 2 + 40


def test_attempts_that_do_not_fit_are_carried_to_the_next_report(clock):
    aps = home_access_points()[1:] + [AccessPoint(b"simple_setup", SecurityProtocol.NONE, hidden=True)]
    dss = FakeDSS([HOME])
    limit = _limit_for_one_setup_attempt()
    compat = make_compat(dss, aps, buffers=DSSClientBuffers(body_size=limit))
    assert provision(compat, clock).succeeded
    first, second = attempts_of(dss, "START_PROVISIONING")[0], attempts_of(dss, "CONNECTING_TO_USER_NETWORK")[0]
    assert codes(first) == [('"' + SETUP_SSID.decode() + '"', "FAILED", "3:16:0:1")]
    assert codes(second) == [('"simple_setup"', "ASSOCIATED", None), ('"HomeNet"', "ASSOCIATED", None)]
    assert all(len(raw) <= limit for _, _, raw in dss.requests)


def test_no_secret_reaches_logs_or_reprs(clock, home_dss, caplog):
    caplog.set_level("DEBUG")
    compat = make_compat(home_dss)
    result = provision(compat, clock)
    text = caplog.text + repr(result) + repr(compat.added) + json.dumps([m for _, m in compat.logs])
    for secret in (HOME_KEY.decode(), "+0s4Ym3u04", "Test Registration Token", "tok-123"):
        assert secret not in text
    assert "START_PROVISIONING -> COMPUTE_CONFIGURATION" in caplog.text and " ms" in caplog.text


def test_still_on_the_setup_network_after_connecting_is_not_a_joined_user_network(clock):
    """The device-side SSID rule of CONNECTING_TO_USER_NETWORK (§6.2), at the layer that
    enforces it (wss.provisionee.handlers): associated, but to the setup SSID, is a failure.
    A driver that keeps the setup network configured (its removal a no-op) lands there again."""
    dss = FakeDSS([HOME])
    compat = make_compat(dss)
    compat.ffs_remove_wifi_configuration = lambda ssid: None  # the setup network stays first in line
    result = provision(compat, clock)
    assert compat.connected.ssid == SETUP_SSID
    report = [b for b in dss.bodies("report") if b["currentProvisioningState"] == "CONNECTING_TO_USER_NETWORK"]
    assert [b["stateTransitionResult"] for b in report] == ["FAILURE"]
    assert not result.joined_home_network
