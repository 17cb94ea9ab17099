"""Paging by body-buffer size (protocol §8.4) and the list items' serialization."""

from __future__ import annotations

import json

import pytest

from wss.compat import (
    ConnectionDetails,
    ConnectionState,
    ProvisioneeState,
    RegistrationState,
    SecurityProtocol,
    WifiScanResult,
)
from wss.dss import requests
from wss.error_details import BAD_PSK
from wss.errors import LocalProtocolError


def scan(
    ssid: bytes, security=SecurityProtocol.WPA_PSK, bssid=b"\x01\x02\x03\x0a\x0b\x0c", channel=6, rssi=-50
) -> WifiScanResult:
    return WifiScanResult(ssid, bssid, security, channel, rssi)


def test_scan_item_fields_and_omissions():
    assert requests.scan_result_item(scan(b"Net")) == (
        b'{"ssid":"\\"Net\\"","bssid":"01:02:03:0A:0B:0C","securityProtocol":"WPA_PSK","rssi":-50,"frequency":6}'
    )
    assert requests.scan_result_item(scan(b"Net", SecurityProtocol.NONE, b"", 0, 0)) == (
        b'{"ssid":"\\"Net\\"","securityProtocol":"OPEN"}'
    )


def test_scan_items_skipped_or_failing():
    assert requests.scan_result_item(scan(b"")) is None  # hidden
    assert requests.scan_result_item(scan(b"x", SecurityProtocol.OTHER)) is None
    with pytest.raises(LocalProtocolError):
        requests.scan_result_item(scan(b"x", SecurityProtocol.UNKNOWN))


@pytest.mark.parametrize("limit", range(140, 460, 7))
def test_page_fills_while_two_bytes_stay_free(limit):
    page = requests.post_wifi_scan_data("n" * 31, "session", None, 1, limit)
    items = [requests.scan_result_item(scan(b"Net%02d" % i)) for i in range(20)]
    added = 0
    for item in items:
        if not page.try_add(item):
            break
        added += 1
    body = page.finish()
    assert len(body) <= limit
    # the next item would have left fewer than 2 free bytes before the closing "]}"
    if 0 < added < len(items):
        assert len(body) - 2 + 1 + len(items[added]) > limit - 2
    decoded = json.loads(body)
    assert len(decoded["wifiScanDataList"]) == added


def test_empty_scan_page_has_an_empty_list():
    body = requests.post_wifi_scan_data("n", "s", None, 3, 4096).finish()
    assert body == b'{"nonce":"n","sessionId":"s","sequenceNumber":3,"wifiScanDataList":[]}'


def report(limit=4096):
    return requests.report(
        "n", "s", None, 3, ProvisioneeState.START_PROVISIONING, RegistrationState.COMPLETE, False, limit
    )


def test_report_without_attempts_omits_the_list():
    assert report().finish() == (
        b'{"nonce":"n","sessionId":"s","sequenceNumber":3,'
        b'"currentProvisioningState":"START_PROVISIONING",'
        b'"registrationState":"COMPLETE","stateTransitionResult":"FAILURE"}'
    )


def test_attempt_item_with_standard_error_details():
    attempt = ConnectionDetails(b"Home", SecurityProtocol.WPA_PSK, ConnectionState.FAILED, BAD_PSK)
    assert json.loads(requests.attempt_item(attempt)) == {
        "ssid": '"Home"',
        "securityProtocol": "WPA_PSK",
        "wifiConnectionState": "FAILED",
        "errorDetails": {
            "operation": "CONNECTING_TO_NETWORK",
            "cause": "Authentication failed",
            "details": "Authentication failed",
            "code": "3:2:0:1",
        },
    }


def test_head_that_does_not_fit_cannot_be_serialized():
    with pytest.raises(LocalProtocolError, match="does not fit"):
        requests.report(
            "n" * 31, "s" * 100, None, 3, ProvisioneeState.START_PROVISIONING, RegistrationState.COMPLETE, True, 128
        )


def test_requests_need_a_session_id_and_a_reportable_state():
    with pytest.raises(LocalProtocolError, match="session"):
        requests.compute_configuration_data("n", None, None)
    with pytest.raises(LocalProtocolError, match="cannot be reported"):
        requests.report(
            "n", "s", None, 3, ProvisioneeState.CONNECTING_TO_SETUP_NETWORK, RegistrationState.COMPLETE, True, 4096
        )


def test_device_details_order_and_omission():
    details = requests.DeviceDetails(hardwareVersion="h", manufacturer="m", deviceName="d")
    assert details.encode() == b'{"manufacturer":"m","deviceName":"d","hardwareVersion":"h"}'
    assert requests.DeviceDetails().encode() is None
    assert requests.compute_configuration_data("n", "s", requests.DeviceDetails()) == (b'{"nonce":"n","sessionId":"s"}')
